/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness of the ZBXD decoder: any bytes, as a passive request
 * (small limits, headerless allowed) and as a server reply (large packets
 * allowed), checked, ended, and their body inflated. Must never crash,
 * read out of bounds, or inflate past the limit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "monitor/zbx_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct zbx_limits lims[2] = {
		{ 8192, 8192, false, true },
		{ 65536, 65536, true, false },
	};
	struct buf scratch = { 0 };

	for (int i = 0; i < 2; i++) {
		struct zbx_frame f;
		const char *why, *body;
		size_t len;
		enum zbx_frame_status st;

		st = zbx_frame_check(data, size, &lims[i], &f, &why);
		if (st == ZBX_FRAME_MORE) {
			st = zbx_frame_eof(data, size, &lims[i], &f, &why);
		}
		if (st == ZBX_FRAME_DONE && f.total <= size &&
		    zbx_frame_body(data, &f, &lims[i], &scratch, &body, &len,
		    &why) == 0 && len > lims[i].max_raw) {
			abort();
		}
	}
	buf_free(&scratch);
	return 0;
}
