/* SPDX-License-Identifier: ISC */
/* JSON tokenizer (see agent_json.h): recursive descent, bounded depth. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/agent_json.h"

struct jp {
	const char *s;
	size_t len;
	size_t pos;
	struct json_tok *toks;
	int max;
	int n;
};

static int parse_value(struct jp *p, int depth);

static void
skip_ws(struct jp *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' ||
	    p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
	    p->s[p->pos] == '\r')) {
		p->pos++;
	}
}

static int
new_tok(struct jp *p, enum json_type type, size_t start)
{
	if (p->toks == NULL) {
		return p->n++;
	}
	if (p->n >= p->max) {
		return -1;
	}
	p->toks[p->n].type = type;
	p->toks[p->n].start = start;
	p->toks[p->n].end = start;
	p->toks[p->n].size = 0;
	p->toks[p->n].next = 0;
	return p->n++;
}

static void
close_tok(struct jp *p, int i, size_t end)
{
	if (p->toks != NULL) {
		p->toks[i].end = end;
		p->toks[i].next = p->n;
	}
}

static void
grow(struct jp *p, int i)
{
	if (p->toks != NULL) {
		p->toks[i].size++;
	}
}

static int
parse_string(struct jp *p)
{
	int i;

	p->pos++;	/* the opening quote */
	i = new_tok(p, JSON_STRING, p->pos);
	if (i < 0) {
		return -1;
	}
	while (p->pos < p->len) {
		unsigned char c = (unsigned char)p->s[p->pos];

		if (c == '"') {
			close_tok(p, i, p->pos);
			p->pos++;
			return 0;
		}
		if (c < 0x20) {
			return -1;
		}
		if (c == '\\') {
			p->pos++;
			if (p->pos >= p->len ||
			    strchr("\"\\/bfnrtu", p->s[p->pos]) == NULL) {
				return -1;
			}
		}
		p->pos++;
	}
	return -1;
}

static int
parse_primitive(struct jp *p)
{
	size_t start = p->pos;
	int i;

	while (p->pos < p->len && strchr("-+.0123456789eEtruefalsn",
	    p->s[p->pos]) != NULL && p->s[p->pos] != '\0') {
		p->pos++;
	}
	if (p->pos == start) {
		return -1;
	}
	i = new_tok(p, JSON_PRIMITIVE, start);
	if (i < 0) {
		return -1;
	}
	close_tok(p, i, p->pos);
	return 0;
}

static int
parse_container(struct jp *p, int depth, bool object)
{
	char close = object ? '}' : ']';
	int i = new_tok(p, object ? JSON_OBJECT : JSON_ARRAY, p->pos);

	if (i < 0 || depth >= JSON_MAX_DEPTH) {
		return -1;
	}
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		close_tok(p, i, p->pos);
		return 0;
	}
	for (;;) {
		skip_ws(p);
		if (object) {
			if (p->pos >= p->len || p->s[p->pos] != '"' ||
			    parse_string(p) == -1) {
				return -1;
			}
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				return -1;
			}
			p->pos++;
		}
		if (parse_value(p, depth + 1) == -1) {
			return -1;
		}
		grow(p, i);
		skip_ws(p);
		if (p->pos >= p->len) {
			return -1;
		}
		if (p->s[p->pos] == close) {
			p->pos++;
			close_tok(p, i, p->pos);
			return 0;
		}
		if (p->s[p->pos] != ',') {
			return -1;
		}
		p->pos++;
	}
}

static int
parse_value(struct jp *p, int depth)
{
	skip_ws(p);
	if (p->pos >= p->len) {
		return -1;
	}
	switch (p->s[p->pos]) {
	case '{':
		return parse_container(p, depth, true);
	case '[':
		return parse_container(p, depth, false);
	case '"':
		return parse_string(p);
	default:
		return parse_primitive(p);
	}
}

int
json_parse(const char *s, size_t len, struct json_tok *toks, int max)
{
	struct jp p = { s, len, 0, toks, max, 0 };

	if (parse_value(&p, 0) == -1) {
		return -1;
	}
	skip_ws(&p);
	if (p.pos != len) {
		return -1;
	}
	return p.n;
}

bool
json_eq(const char *s, const struct json_tok *t, int i, const char *text)
{
	size_t n = strlen(text);

	if (i < 0 || t[i].type == JSON_OBJECT || t[i].type == JSON_ARRAY) {
		return false;
	}
	return t[i].end - t[i].start == n &&
	    memcmp(s + t[i].start, text, n) == 0;
}

int
json_get(const char *s, const struct json_tok *t, int obj, const char *name)
{
	int i;

	if (obj < 0 || t[obj].type != JSON_OBJECT) {
		return -1;
	}
	i = obj + 1;
	for (int m = 0; m < t[obj].size; m++) {
		int v = i + 1;

		if (json_eq(s, t, i, name)) {
			return v;
		}
		i = t[v].next;
	}
	return -1;
}

static int
hexval(const char *h, unsigned *out)
{
	unsigned v = 0;

	for (int k = 0; k < 4; k++) {
		char c = h[k];

		v <<= 4;
		if (c >= '0' && c <= '9') {
			v |= (unsigned)(c - '0');
		} else if (c >= 'a' && c <= 'f') {
			v |= (unsigned)(c - 'a' + 10);
		} else if (c >= 'A' && c <= 'F') {
			v |= (unsigned)(c - 'A' + 10);
		} else {
			return -1;
		}
	}
	*out = v;
	return 0;
}

/* Appends code point u as UTF-8; returns the bytes written or -1. */
static int
put_utf8(char *o, size_t room, unsigned u)
{
	if (u < 0x80 && room >= 1) {
		o[0] = (char)u;
		return 1;
	}
	if (u < 0x800 && room >= 2) {
		o[0] = (char)(0xc0 | (u >> 6));
		o[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	if (u >= 0x800 && room >= 3) {
		o[0] = (char)(0xe0 | (u >> 12));
		o[1] = (char)(0x80 | ((u >> 6) & 0x3f));
		o[2] = (char)(0x80 | (u & 0x3f));
		return 3;
	}
	return -1;
}

static char
unescape_char(char c)
{
	switch (c) {
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	default:
		return c;
	}
}

int
json_string(const char *s, const struct json_tok *t, int i, char *out,
    size_t outlen)
{
	size_t o = 0;

	if (i < 0 || outlen == 0 || t[i].type == JSON_OBJECT ||
	    t[i].type == JSON_ARRAY) {
		return -1;
	}
	for (size_t k = t[i].start; k < t[i].end; k++) {
		unsigned u;
		int w;

		if (o + 1 >= outlen) {
			return -1;
		}
		if (s[k] != '\\' || t[i].type != JSON_STRING) {
			out[o++] = s[k];
			continue;
		}
		k++;
		if (s[k] != 'u') {
			out[o++] = unescape_char(s[k]);
			continue;
		}
		if (k + 4 >= t[i].end || hexval(s + k + 1, &u) == -1) {
			return -1;
		}
		k += 4;
		w = put_utf8(out + o, outlen - o - 1, u);
		if (w < 0) {
			return -1;
		}
		o += (size_t)w;
	}
	out[o] = '\0';
	return 0;
}

int
json_int64(const char *s, const struct json_tok *t, int i, int64_t *v)
{
	char tmp[32], *end;
	long long n;

	if (json_string(s, t, i, tmp, sizeof(tmp)) == -1 || tmp[0] == '\0') {
		return -1;
	}
	errno = 0;
	n = strtoll(tmp, &end, 10);
	if (errno != 0 || *end != '\0') {
		return -1;
	}
	*v = n;
	return 0;
}
