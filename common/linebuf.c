/* SPDX-License-Identifier: ISC */
/* Line splitting over a fixed buffer; see linebuf.h. */
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"

int
linebuf_init(struct linebuf *lb, size_t cap)
{
	lb->data = malloc(cap);
	lb->cap = lb->data == NULL ? 0 : cap;
	lb->start = 0;
	lb->len = 0;
	return lb->data == NULL ? -1 : 0;
}

void
linebuf_free(struct linebuf *lb)
{
	free(lb->data);
	lb->data = NULL;
	lb->cap = lb->start = lb->len = 0;
}

size_t
linebuf_space(struct linebuf *lb, char **where)
{
	/* The held bytes are a partial line, usually short: move them to the
	 * front so that every read gets the whole free space. */
	if (lb->start > 0) {
		memmove(lb->data, lb->data + lb->start, lb->len);
		lb->start = 0;
	}
	*where = lb->data + lb->start + lb->len;
	return lb->cap - lb->start - lb->len;
}

void
linebuf_commit(struct linebuf *lb, size_t n)
{
	lb->len += n;
}

bool
linebuf_next(struct linebuf *lb, bool flush, const char **line, size_t *len)
{
	char *p = lb->data + lb->start;
	char *nl;

	if (lb->len == 0) {
		return false;
	}
	nl = memchr(p, '\n', lb->len);
	if (nl != NULL) {
		*line = p;
		*len = (size_t)(nl - p);
		lb->start += *len + 1;
		lb->len -= *len + 1;
		return true;
	}
	if (flush || lb->len == lb->cap) {
		*line = p;
		*len = lb->len;
		lb->start += lb->len;
		lb->len = 0;
		return true;
	}
	return false;
}

bool
linebuf_is_empty(const struct linebuf *lb)
{
	return lb->len == 0;
}
