/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness of the regular expressions of log[], logrt[] and
 * proc.num: the bytes before the first newline are the pattern, the rest
 * the text. A pattern compiles or is refused with a reason; a compiled one
 * answers the same twice, for the text and for the pattern itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/zbx_regex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct zbx_regex re;	/* 40 KB: not on the stack */
	const uint8_t *nl = memchr(data, '\n', size);
	size_t plen = nl != NULL ? (size_t)(nl - data) : size;
	const char *text = nl != NULL ? (const char *)nl + 1 : "";
	size_t tlen = nl != NULL ? size - plen - 1 : 0;
	char pattern[ZBX_RE_MAX_PATTERN + 2], err[128];
	bool a, b;

	if (plen > ZBX_RE_MAX_PATTERN + 1) {
		plen = ZBX_RE_MAX_PATTERN + 1;
	}
	memcpy(pattern, data, plen);
	pattern[plen] = '\0';
	if (zbx_regex_compile(&re, pattern, err, sizeof(err)) == -1) {
		/* A refusal has a reason and matches nothing. */
		if (err[0] == '\0' || zbx_regex_match(&re, text, tlen)) {
			abort();
		}
		return 0;
	}
	a = zbx_regex_match(&re, text, tlen);
	b = zbx_regex_match(&re, text, tlen);
	if (a != b) {
		abort();
	}
	(void)zbx_regex_match_str(&re, pattern);
	return 0;
}
