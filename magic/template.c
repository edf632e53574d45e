/* SPDX-License-Identifier: ISC */
/*
 * The template language of the magic stage (see template.h). Pure logic: the
 * values come from the caller's lookup, so every form and every error is
 * checked by unit tests. Values may be secrets: no message made here quotes
 * one, only variable names and template text.
 */
#include <stdio.h>
#include <string.h>

#include "magic/template.h"

struct render {
	const struct tmpl_ctx *ctx;
	struct buf *out;
	int line;		/* of the text being looked at, from 1 */
	char *err;
	size_t errlen;
};

static bool
is_name_start(char c)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* What sh could take for an operator after a name (${A-b}, ${A#b}...). */
static bool
is_operator_char(char c)
{
	return c != '\0' && strchr(":-=?+#%/", c) != NULL;
}

/* A length for "%.*s", bounded: the message is cut at errlen anyway. */
static int
shown(size_t len)
{
	return len > 1024 ? 1024 : (int)len;
}

static int
count_lines(const char *p, size_t n)
{
	const char *nl;
	int lines = 0;

	while ((nl = memchr(p, '\n', n)) != NULL) {
		lines++;
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	return lines;
}

static void
add_value(struct render *r, const char *value)
{
	if (value != NULL) {
		buf_add(r->out, value, strlen(value));
	}
}

/* Applies op[0..oplen) (empty, ":-default" or ":?message") to NAME. */
static int
substitute(struct render *r, const char *name, size_t nlen, const char *op,
    size_t oplen)
{
	const struct tmpl_ctx *ctx = r->ctx;
	const char *value = ctx->lookup(name, nlen, ctx->arg);
	bool unset_or_empty = value == NULL || value[0] == '\0';

	if (oplen == 0) {
		if (value == NULL && ctx->warn_undefined != NULL) {
			ctx->warn_undefined(r->line, name, nlen, ctx->arg);
		}
		add_value(r, value);
		return 0;
	}
	if (oplen >= 2 && op[0] == ':' && op[1] == '-') {
		if (unset_or_empty) {
			buf_add(r->out, op + 2, oplen - 2);
		} else {
			add_value(r, value);
		}
		return 0;
	}
	if (oplen >= 2 && op[0] == ':' && op[1] == '?') {
		if (!unset_or_empty) {
			add_value(r, value);
			return 0;
		}
		if (oplen == 2) {
			snprintf(r->err, r->errlen, "%.*s: is not set",
			    shown(nlen), name);
		} else {
			snprintf(r->err, r->errlen, "%.*s: %.*s", shown(nlen),
			    name, shown(oplen - 2), op + 2);
		}
		return -1;
	}
	snprintf(r->err, r->errlen, "malformed placeholder for %.*s: unknown "
	    "operator; use ${%.*s}, ${%.*s:-default} or ${%.*s:?message}",
	    shown(nlen), name, shown(nlen), name, shown(nlen), name,
	    shown(nlen), name);
	return -1;
}

/*
 * Expands the placeholder whose "${" starts body - 2; body[0..avail) is the
 * rest of the template. Sets *used to the bytes after "${" it took.
 */
static int
expand(struct render *r, const char *body, size_t avail, size_t *used)
{
	size_t blen = 0, nlen = 0;

	while (blen < avail && body[blen] != '}' && body[blen] != '\n') {
		blen++;
	}
	if (blen == avail || body[blen] != '}') {
		snprintf(r->err, r->errlen, "malformed placeholder: "
		    "unterminated \"${\" (no \"}\" on the same line)");
		return -1;
	}
	while (nlen < blen && is_name_char(body[nlen])) {
		nlen++;
	}
	if (nlen == 0 && (blen == 0 || is_operator_char(body[0]))) {
		snprintf(r->err, r->errlen,
		    "malformed placeholder: empty variable name");
		return -1;
	}
	if (nlen == 0 || !is_name_start(body[0]) ||
	    (nlen < blen && !is_operator_char(body[nlen]))) {
		snprintf(r->err, r->errlen, "malformed placeholder: invalid "
		    "variable name (names are [A-Za-z_][A-Za-z0-9_]*)");
		return -1;
	}
	*used = blen + 1;
	return substitute(r, body, nlen, body + nlen, blen - nlen);
}

int
tmpl_render(const char *src, size_t len, const struct tmpl_ctx *ctx,
    struct buf *out, int *err_line, char *err, size_t errlen)
{
	struct render r = { ctx, out, 1, err, errlen };
	size_t pos = 0, used = 0;

	*err_line = 0;
	while (pos < len) {
		const char *dollar = memchr(src + pos, '$', len - pos);
		size_t end = dollar != NULL ? (size_t)(dollar - src) : len;

		r.line += count_lines(src + pos, end - pos);
		buf_add(out, src + pos, end - pos);
		pos = end;
		if (pos == len) {
			break;
		}
		if (pos + 1 < len && src[pos + 1] == '{') {
			pos += 2;
			if (expand(&r, src + pos, len - pos, &used) == -1) {
				*err_line = r.line;
				return -1;
			}
			pos += used;
		} else {
			/* "$$" is one "$"; any other "$" is copied as it is. */
			buf_add(out, "$", 1);
			pos += pos + 1 < len && src[pos + 1] == '$' ? 2 : 1;
		}
	}
	if (out->failed) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
