/* SPDX-License-Identifier: ISC */
/* Restart schedule; see backoff.h. */
#include "supervise/backoff.h"

int64_t
backoff_delay_ms(int failures, int64_t base_ms, int64_t max_ms)
{
	int64_t d = base_ms;

	if (failures <= 1) {
		return 0;
	}
	/* Even "restart_delay = 0" must not turn a crash loop into a fork
	 * loop. */
	if (base_ms < 10) {
		base_ms = 10;
		d = base_ms;
	}
	if (max_ms < base_ms) {
		max_ms = base_ms;
	}
	for (int i = 2; i < failures && d < max_ms; i++) {
		d *= 2;
	}
	return d < max_ms ? d : max_ms;
}
