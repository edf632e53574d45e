/* SPDX-License-Identifier: ISC */
/*
 * Frame checks, inflating and building of Zabbix packets (see zbx_proto.h).
 * No syscalls: zlib works on memory the caller owns.
 */
#include <string.h>

#include <zlib.h>

#include "monitor/zbx_proto.h"

static const unsigned char zbx_magic[4] = { 'Z', 'B', 'X', 'D' };

static uint64_t
get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--) {
		v = (v << 8) | p[i];
	}
	return v;
}

static void
put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

/* Characters an item key may start with: a headerless request is one. */
static bool
is_key_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static enum zbx_frame_status
check_headerless(const unsigned char *buf, size_t len,
    const struct zbx_limits *lim, struct zbx_frame *f, const char **why)
{
	const unsigned char *nl;
	size_t scan = len < lim->max_body + 1 ? len : lim->max_body + 1;

	if (!lim->allow_headerless || !is_key_start(buf[0])) {
		*why = "no ZBXD header";
		return ZBX_FRAME_BAD;
	}
	nl = memchr(buf, '\n', scan);
	if (nl == NULL) {
		if (len > lim->max_body) {
			*why = "request longer than the limit";
			return ZBX_FRAME_BAD;
		}
		return ZBX_FRAME_MORE;
	}
	memset(f, 0, sizeof(*f));
	f->headerless = true;
	f->data_len = (uint64_t)(nl - buf);
	f->raw_len = f->data_len;
	f->total = (size_t)f->data_len + 1;
	return ZBX_FRAME_DONE;
}

static enum zbx_frame_status
check_lengths(const struct zbx_limits *lim, struct zbx_frame *f,
    const char **why)
{
	if (f->data_len > lim->max_body) {
		*why = "declared length over the limit";
		return ZBX_FRAME_BAD;
	}
	if ((f->flags & ZBX_FLAG_ZLIB) != 0 &&
	    (f->raw_len > lim->max_raw || f->raw_len == 0)) {
		*why = "declared inflated length over the limit";
		return ZBX_FRAME_BAD;
	}
	return ZBX_FRAME_MORE;
}

enum zbx_frame_status
zbx_frame_check(const unsigned char *buf, size_t len,
    const struct zbx_limits *lim, struct zbx_frame *f, const char **why)
{
	size_t n = len < 4 ? len : 4;
	unsigned flags;
	int lsz;

	*why = "";
	if (len == 0) {
		return ZBX_FRAME_MORE;
	}
	if (memcmp(buf, zbx_magic, n) != 0) {
		return check_headerless(buf, len, lim, f, why);
	}
	if (len < 5) {
		return ZBX_FRAME_MORE;
	}
	flags = buf[4];
	if ((flags & ZBX_FLAG_PROTOCOL) == 0 || (flags & ~0x07u) != 0) {
		*why = "unknown header flags";
		return ZBX_FRAME_BAD;
	}
	if ((flags & ZBX_FLAG_LARGE) != 0 && !lim->allow_large) {
		*why = "large packets are not accepted here";
		return ZBX_FRAME_BAD;
	}
	memset(f, 0, sizeof(*f));
	f->flags = flags;
	lsz = (flags & ZBX_FLAG_LARGE) != 0 ? 8 : 4;
	f->hdr_len = 5 + 2 * (size_t)lsz;
	if (len < f->hdr_len) {
		return ZBX_FRAME_MORE;
	}
	f->data_len = get_le(buf + 5, lsz);
	f->raw_len = get_le(buf + 5 + lsz, lsz);
	if (check_lengths(lim, f, why) == ZBX_FRAME_BAD) {
		return ZBX_FRAME_BAD;
	}
	f->total = f->hdr_len + (size_t)f->data_len;
	return len >= f->total ? ZBX_FRAME_DONE : ZBX_FRAME_MORE;
}

enum zbx_frame_status
zbx_frame_eof(const unsigned char *buf, size_t len,
    const struct zbx_limits *lim, struct zbx_frame *f, const char **why)
{
	enum zbx_frame_status st;

	st = zbx_frame_check(buf, len, lim, f, why);
	if (st != ZBX_FRAME_MORE) {
		return st;
	}
	/* Only a headerless request may end with the stream. */
	if (len == 0 || len < 4 || memcmp(buf, zbx_magic, 4) == 0 ||
	    !lim->allow_headerless || !is_key_start(buf[0])) {
		*why = len == 0 ? "no request" : "truncated packet";
		return ZBX_FRAME_BAD;
	}
	memset(f, 0, sizeof(*f));
	f->headerless = true;
	f->data_len = len;
	f->raw_len = len;
	f->total = len;
	return ZBX_FRAME_DONE;
}

static int
inflate_body(const unsigned char *in, size_t inlen, size_t rawlen,
    struct buf *scratch, const char **why)
{
	z_stream zs;
	int rc;

	buf_reset(scratch);
	if (buf_reserve(scratch, rawlen) == -1) {
		*why = "out of memory";
		return -1;
	}
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		*why = "zlib init failed";
		return -1;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)inlen;
	zs.next_out = (Bytef *)scratch->data;
	/* One byte more than declared: a longer stream is caught, not cut. */
	zs.avail_out = (uInt)rawlen + 1;
	rc = inflate(&zs, Z_FINISH);
	if (rc != Z_STREAM_END || zs.total_out != rawlen ||
	    zs.avail_in != 0) {
		inflateEnd(&zs);
		*why = rc == Z_STREAM_END || rc == Z_BUF_ERROR ?
		    "inflated length differs from the header" :
		    "bad zlib data";
		return -1;
	}
	inflateEnd(&zs);
	scratch->len = rawlen;
	scratch->data[rawlen] = '\0';
	return 0;
}

int
zbx_frame_body(const unsigned char *buf, const struct zbx_frame *f,
    const struct zbx_limits *lim, struct buf *scratch, const char **out,
    size_t *outlen, const char **why)
{
	const unsigned char *body = buf + f->hdr_len;

	*why = "";
	if ((f->flags & ZBX_FLAG_ZLIB) == 0) {
		*out = (const char *)body;
		*outlen = (size_t)f->data_len;
		return 0;
	}
	if (f->raw_len > lim->max_raw) {
		*why = "declared inflated length over the limit";
		return -1;
	}
	if (inflate_body(body, (size_t)f->data_len, (size_t)f->raw_len,
	    scratch, why) == -1) {
		return -1;
	}
	*out = scratch->data;
	*outlen = scratch->len;
	return 0;
}

size_t
zbx_header_write(unsigned char *hdr, unsigned flags, uint64_t data_len,
    uint64_t raw_len)
{
	int lsz = (flags & ZBX_FLAG_LARGE) != 0 ? 8 : 4;

	memcpy(hdr, zbx_magic, 4);
	hdr[4] = (unsigned char)flags;
	put_le(hdr + 5, data_len, lsz);
	put_le(hdr + 5 + lsz, raw_len, lsz);
	return 5 + 2 * (size_t)lsz;
}

int
zbx_frame_build(struct buf *out, const void *data, size_t len, bool compress)
{
	unsigned char hdr[ZBX_HDR_LARGE_LEN];
	unsigned flags = ZBX_FLAG_PROTOCOL;
	size_t at = out->len, hlen;
	uLongf zlen;

	if (!compress) {
		if ((uint64_t)len > UINT32_MAX) {
			flags |= ZBX_FLAG_LARGE;
		}
		hlen = zbx_header_write(hdr, flags, len, 0);
		buf_add(out, hdr, hlen);
		buf_add(out, data, len);
		return out->failed ? -1 : 0;
	}
	flags |= ZBX_FLAG_ZLIB;
	zlen = compressBound((uLong)len);
	if ((uint64_t)zlen > UINT32_MAX || (uint64_t)len > UINT32_MAX) {
		flags |= ZBX_FLAG_LARGE;
	}
	hlen = (flags & ZBX_FLAG_LARGE) != 0 ? ZBX_HDR_LARGE_LEN : ZBX_HDR_LEN;
	if (buf_reserve(out, hlen + zlen) == -1) {
		return -1;
	}
	if (compress2((Bytef *)out->data + at + hlen, &zlen,
	    (const Bytef *)data, (uLong)len, Z_BEST_SPEED) != Z_OK) {
		return -1;
	}
	(void)zbx_header_write((unsigned char *)out->data + at, flags, zlen,
	    len);
	out->len = at + hlen + zlen;
	out->data[out->len] = '\0';
	return 0;
}
