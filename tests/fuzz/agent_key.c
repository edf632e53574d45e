/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness of the item key parser and the JSON reader: any bytes
 * as a key (with the storage the agent gives it), as an AllowKey rule, and
 * as a server reply.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/agent_json.h"
#include "monitor/zbx_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char store[2 * ZBX_KEY_MAX_LEN + 2], rstore[2 * ZBX_KEY_MAX_LEN + 2];
	char out[256];
	struct json_tok toks[256];
	struct zbx_key k, r;
	int n;

	if (size <= ZBX_KEY_MAX_LEN &&
	    zbx_key_parse((const char *)data, size, &k, store,
	    sizeof(store)) == 0) {
		for (int i = 0; i < k.nparams; i++) {
			if (strlen(zbx_key_param(&k, i)) > size) {
				abort();
			}
		}
		/* A key read as a rule matches itself. */
		if (zbx_key_rule_parse((const char *)data, size, &r, rstore,
		    sizeof(rstore)) != 0) {
			abort();
		}
		if (!zbx_key_rule_match(&r, &k)) {
			abort();
		}
	}
	n = json_parse((const char *)data, size, toks, 256);
	for (int i = 0; i < n; i++) {
		(void)json_string((const char *)data, toks, i, out, sizeof(out));
		if (toks[i].type == JSON_OBJECT) {
			(void)json_get((const char *)data, toks, i, "key");
		}
	}
	return 0;
}
