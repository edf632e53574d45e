/* SPDX-License-Identifier: ISC */
/*
 * Splits bytes into lines. Pure: the caller owns the bytes and gets each
 * complete line through a callback. A run of max_line bytes without a
 * newline is a line of its own (a long line is cut into pieces, nothing is
 * lost, memory stays bounded); with flush, a last partial line counts too.
 */
#ifndef VCORE_COMMON_LINEBUF_H
#define VCORE_COMMON_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Takes one line (without its newline); false stops the split there, the
 * line not taken. */
typedef bool (*linebuf_fn)(const char *line, size_t len, void *arg);

/*
 * Hands the lines of buf[0..len) to fn in order. Returns how many bytes
 * were consumed: what follows is a partial line (or lines fn refused),
 * which the caller keeps and offers again with more bytes after it.
 */
size_t linebuf_split(const char *buf, size_t len, size_t max_line, bool flush,
    linebuf_fn fn, void *arg);

#endif
