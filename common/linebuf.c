/* SPDX-License-Identifier: ISC */
/* Line splitting; see linebuf.h. */
#include <string.h>

#include "linebuf.h"

size_t
linebuf_split(const char *buf, size_t len, size_t max_line, bool flush,
    linebuf_fn fn, void *arg)
{
	size_t pos = 0;

	while (pos < len) {
		size_t left = len - pos;
		size_t span = left < max_line ? left : max_line;
		/* a newline right after max_line bytes still ends that line */
		const char *nl = memchr(buf + pos, '\n',
		    left <= max_line ? left : max_line + 1);
		size_t line_len, used;

		if (nl != NULL) {
			line_len = (size_t)(nl - (buf + pos));
			used = line_len + 1;
		} else if (left >= max_line || flush) {
			line_len = used = span;
		} else {
			break;	/* a partial line: wait for the rest */
		}
		if (!fn(buf + pos, line_len, arg)) {
			break;
		}
		pos += used;
	}
	return pos;
}
