/* SPDX-License-Identifier: ISC */
/* Growable buffer; see buf.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = false;
}

int
buf_reserve(struct buf *b, size_t n)
{
	size_t need = b->len + n + 1;
	size_t ncap;
	char *nd;

	if (need <= b->cap) {
		return 0;
	}
	ncap = b->cap == 0 ? 256 : b->cap;
	while (ncap < need) {
		ncap *= 2;
	}
	nd = realloc(b->data, ncap);
	if (nd == NULL) {
		b->failed = true;
		return -1;
	}
	b->data = nd;
	b->cap = ncap;
	return 0;
}

void
buf_add(struct buf *b, const void *data, size_t len)
{
	if (len == 0 || buf_reserve(b, len) == -1) {
		return;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1) {
		return;
	}
	va_start(ap, fmt);
	(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_add_json_str(struct buf *b, const char *s)
{
	buf_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };

			buf_add(b, esc, 2);
		} else if (c < 0x20) {
			buf_addf(b, "\\u%04x", c);
		} else {
			buf_add(b, s, 1);
		}
	}
	buf_add(b, "\"", 1);
}

int
buf_read_fd(struct buf *b, int fd, size_t max_len, bool *truncated)
{
	char chunk[4096];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n > 0) {
			size_t keep = b->len >= max_len ? 0 : max_len - b->len;

			if ((size_t)n > keep) {
				*truncated = true;
			}
			buf_add(b, chunk, (size_t)n < keep ? (size_t)n : keep);
			continue;
		}
		if (n == 0) {
			return 1;
		}
		if (errno == EINTR) {
			continue;
		}
		return errno == EAGAIN ? 0 : -1;
	}
}

const char *
buf_str(struct buf *b)
{
	if (b->data == NULL) {
		return "";
	}
	/* len may have been cut back (buf_reset, a caller dropping a tail):
	 * the room for the NUL is always there (buf_reserve). */
	b->data[b->len] = '\0';
	return b->data;
}
