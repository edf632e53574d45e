/* SPDX-License-Identifier: ISC */
/*
 * The Zabbix wire format: a "ZBXD" header, a flags byte (0x01 protocol,
 * 0x02 zlib, 0x04 large), two little-endian lengths, then the body. Pure
 * functions: they look at bytes already received and build bytes to send;
 * the caller owns every buffer and every syscall.
 */
#ifndef VCORE_MONITOR_ZBX_PROTO_H
#define VCORE_MONITOR_ZBX_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define ZBX_FLAG_PROTOCOL	0x01
#define ZBX_FLAG_ZLIB		0x02
#define ZBX_FLAG_LARGE		0x04
#define ZBX_HDR_LEN		13	/* "ZBXD", flags, u32, u32 */
#define ZBX_HDR_LARGE_LEN	21	/* "ZBXD", flags, u64, u64 */

enum zbx_frame_status {
	ZBX_FRAME_MORE,		/* a valid prefix: read on */
	ZBX_FRAME_DONE,		/* a whole frame is in the buffer */
	ZBX_FRAME_BAD,		/* not a frame we accept: close */
};

/* What the caller accepts. */
struct zbx_limits {
	size_t max_body;	/* bytes on the wire after the header */
	size_t max_raw;		/* bytes after inflating */
	bool allow_large;	/* flag 0x04 (8-byte lengths) */
	bool allow_headerless;	/* a bare "key\n" as old servers send */
};

struct zbx_frame {
	unsigned flags;
	bool headerless;
	size_t hdr_len;		/* 0 for a headerless request */
	uint64_t data_len;	/* body bytes on the wire */
	uint64_t raw_len;	/* the reserved field (inflated size if zlib) */
	size_t total;		/* hdr_len + data_len (+1 for the '\n' of a
				 * headerless request) */
};

/*
 * Looks at the len bytes received so far. Returns ZBX_FRAME_DONE with f
 * filled when a whole frame is there (bytes past f->total belong to the
 * peer's next message), ZBX_FRAME_MORE when more bytes may complete it,
 * or ZBX_FRAME_BAD with a static reason in *why.
 */
enum zbx_frame_status zbx_frame_check(const unsigned char *buf, size_t len,
    const struct zbx_limits *lim, struct zbx_frame *f, const char **why);

/*
 * At end of stream: a headerless request without its '\n' is complete.
 * Returns ZBX_FRAME_DONE (f filled) or ZBX_FRAME_BAD.
 */
enum zbx_frame_status zbx_frame_eof(const unsigned char *buf, size_t len,
    const struct zbx_limits *lim, struct zbx_frame *f, const char **why);

/*
 * The body of a complete frame, inflated when it is compressed. For a
 * plain body *out points into buf and nothing is copied; for a compressed
 * one the text is inflated into scratch (reset first) and *out points
 * there. Returns 0, or -1 with a reason (bad zlib data, wrong size).
 */
int zbx_frame_body(const unsigned char *buf, const struct zbx_frame *f,
    const struct zbx_limits *lim, struct buf *scratch, const char **out,
    size_t *outlen, const char **why);

/* Writes a header for a body of data_len bytes; returns its length. */
size_t zbx_header_write(unsigned char *hdr, unsigned flags, uint64_t data_len,
    uint64_t raw_len);

/*
 * Appends a whole frame carrying data to out: plain (flags 0x01), or zlib
 * compressed (0x03) when compress is true. Large lengths (0x04) are used
 * only when the body does not fit in 32 bits. Returns 0 or -1 (no memory,
 * or zlib refused).
 */
int zbx_frame_build(struct buf *out, const void *data, size_t len,
    bool compress);

#endif
