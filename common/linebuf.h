/* SPDX-License-Identifier: ISC */
/*
 * Splits a byte stream into lines. Pure: the caller reads into the buffer's
 * free space and takes lines out; no syscalls, no allocation after init.
 * A line longer than the buffer is cut into pieces of the buffer's size, so
 * nothing is lost and memory stays bounded.
 */
#ifndef VCORE_COMMON_LINEBUF_H
#define VCORE_COMMON_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>

struct linebuf {
	char *data;
	size_t cap;	/* bytes the buffer holds at most */
	size_t start;	/* first byte not yet taken */
	size_t len;	/* bytes held, from start */
};

/* Allocates cap bytes. Returns 0 or -1 (ENOMEM). */
int linebuf_init(struct linebuf *lb, size_t cap);
void linebuf_free(struct linebuf *lb);

/* Where the next read may write, and how much; moves held bytes to the
 * front when needed. Returns 0 when the buffer is full. */
size_t linebuf_space(struct linebuf *lb, char **where);
/* Records that n bytes were written at the place linebuf_space gave. */
void linebuf_commit(struct linebuf *lb, size_t n);

/*
 * Takes the next line out. *line and *len get the line without its newline
 * (valid until the next call that changes the buffer). A line is complete
 * when it ends in '\n', when the buffer is full (a long line is cut), or
 * when flush is true (end of stream: the partial tail is a line too).
 * Returns false when no line is ready.
 */
bool linebuf_next(struct linebuf *lb, bool flush, const char **line,
    size_t *len);
bool linebuf_is_empty(const struct linebuf *lb);

#endif
