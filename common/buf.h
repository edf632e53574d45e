/* SPDX-License-Identifier: ISC */
/*
 * A growable byte buffer for replies and documents (control replies, JSON,
 * agent packets). It never shrinks; buf_reset keeps the memory for reuse.
 */
#ifndef VCORE_COMMON_BUF_H
#define VCORE_COMMON_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;	/* an allocation failed: the content is incomplete */
};

void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Makes room for n more bytes. Returns 0, or -1 and sets failed. */
int buf_reserve(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string, quotes included, escaping what JSON needs. */
void buf_add_json_str(struct buf *b, const char *s);
/*
 * Reads the non-blocking fd into b until it would block or ends. b keeps
 * at most max_len bytes: more is read and dropped, and *truncated is set.
 * Returns 1 at the end of the stream, 0 when it would block, -1 on an
 * error (errno).
 */
int buf_read_fd(struct buf *b, int fd, size_t max_len, bool *truncated);
/* The content as a NUL-terminated string (the NUL is not counted in len). */
const char *buf_str(struct buf *b);

#endif
