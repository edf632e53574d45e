/* SPDX-License-Identifier: ISC */
/*
 * Parses authorized_keys lines as OpenSSH's sshd(8) documents them:
 * "[options] keytype base64 [comment]", options comma-separated, values in
 * double quotes where only \" is an escape. Also matches from= patterns and
 * permitopen= targets, and checks expiry-time. Pure: see authkeys.h.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authkeys.h"

#define NAME_MAX_SHOWN 32

/* What an option does. */
enum opt_kind {
	OPT_SET,	/* adds flags */
	OPT_CLEAR,	/* removes flags ("pty" after "restrict") */
	OPT_VALUE,	/* takes a quoted value */
	OPT_LISTEN,	/* permitlisten=: only remote forwarding, never done */
	OPT_UNSUPPORTED,	/* known, but its promise cannot be kept */
};

static const struct opt_def {
	const char *name;
	enum opt_kind kind;
	unsigned flags;
} opt_table[] = {
	{ "restrict", OPT_SET, AUTHKEYS_RESTRICT_ALL },
	{ "no-pty", OPT_SET, AUTHKEYS_NO_PTY },
	{ "no-port-forwarding", OPT_SET, AUTHKEYS_NO_PORT_FORWARDING },
	{ "no-agent-forwarding", OPT_SET, AUTHKEYS_NO_AGENT_FORWARDING },
	{ "no-x11-forwarding", OPT_SET, AUTHKEYS_NO_X11_FORWARDING },
	{ "no-user-rc", OPT_SET, AUTHKEYS_NO_USER_RC },
	{ "pty", OPT_CLEAR, AUTHKEYS_NO_PTY },
	{ "port-forwarding", OPT_CLEAR, AUTHKEYS_NO_PORT_FORWARDING },
	{ "agent-forwarding", OPT_CLEAR, AUTHKEYS_NO_AGENT_FORWARDING },
	{ "x11-forwarding", OPT_CLEAR, AUTHKEYS_NO_X11_FORWARDING },
	{ "user-rc", OPT_CLEAR, AUTHKEYS_NO_USER_RC },
	{ "command", OPT_VALUE, 0 },
	{ "from", OPT_VALUE, 0 },
	{ "permitopen", OPT_VALUE, 0 },
	{ "environment", OPT_VALUE, 0 },
	{ "expiry-time", OPT_VALUE, 0 },
	{ "permitlisten", OPT_LISTEN, 0 },
	{ "cert-authority", OPT_UNSUPPORTED, 0 },
	{ "principals", OPT_UNSUPPORTED, 0 },
	{ "tunnel", OPT_UNSUPPORTED, 0 },
	{ "no-touch-required", OPT_UNSUPPORTED, 0 },
	{ "verify-required", OPT_UNSUPPORTED, 0 },
};

/* Key types people put in authorized_keys; only the first two are taken. */
static const char *const known_types[] = {
	"ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256",
	"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
	"ssh-ed25519-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com",
	"ecdsa-sha2-nistp256-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com",
	NULL,
};

/* The state of one parse: the input left and the output space left. */
struct cursor {
	const char *p, *end;
	char *out, *out_end;
	struct authkeys_entry *e;
	char *err;
	size_t errlen;
};

static int
fail(struct cursor *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct cursor *c, const char *fmt, ...)
{
	va_list ap;

	if (c->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Copies peer text for an error message: bounded, printable only. */
static const char *
shown(char *buf, size_t buflen, const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < buflen; i++) {
		unsigned char ch = (unsigned char)s[i];

		buf[n++] = (ch >= 0x20 && ch < 0x7f && ch != '"') ? (char)ch
		    : '?';
	}
	buf[n] = '\0';
	if (len >= buflen && buflen > 4) {
		memcpy(buf + buflen - 4, "...", 4);
	}
	return buf;
}

static bool
is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

static void
skip_spaces(struct cursor *c)
{
	while (c->p < c->end && is_space(*c->p)) {
		c->p++;
	}
}

static size_t
token_len(const struct cursor *c)
{
	size_t n = 0;

	while (c->p + n < c->end && !is_space(c->p[n])) {
		n++;
	}
	return n;
}

static bool
is_known_type(const char *s, size_t len)
{
	for (int i = 0; known_types[i] != NULL; i++) {
		if (strlen(known_types[i]) == len &&
		    memcmp(known_types[i], s, len) == 0) {
			return true;
		}
	}
	return false;
}

/* Appends len bytes and a NUL to the output; returns where they start. */
static char *
out_add(struct cursor *c, const char *s, size_t len)
{
	char *start = c->out;

	if ((size_t)(c->out_end - c->out) < len + 1) {
		return NULL;
	}
	memcpy(c->out, s, len);
	c->out[len] = '\0';
	c->out += len + 1;
	return start;
}

/*
 * Reads a double-quoted value, undoing \" escapes, into the output. On
 * return c->p is past the closing quote.
 */
static char *
read_quoted(struct cursor *c, const char *name)
{
	char *start = c->out;

	if (c->p >= c->end || *c->p != '"') {
		fail(c, "option \"%s\" needs its value in double quotes", name);
		return NULL;
	}
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\' && c->p + 1 < c->end && c->p[1] == '"') {
			c->p++;
		}
		if (c->out + 1 >= c->out_end) {
			fail(c, "line too long");
			return NULL;
		}
		*c->out++ = *c->p++;
	}
	if (c->p >= c->end) {
		fail(c, "unterminated quotes in option \"%s\"", name);
		return NULL;
	}
	c->p++;
	*c->out++ = '\0';
	return start;
}

/* ---- option values ---- */

static bool
parse_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool
parse_time(const char *s, struct authkeys_time *t)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	size_t len = strlen(s);

	memset(t, 0, sizeof(*t));
	if (len > 0 && (s[len - 1] == 'Z' || s[len - 1] == 'z')) {
		t->utc = true;
		len--;
	}
	if (len != 8 && len != 12 && len != 14) {
		return false;
	}
	if (!parse_digits(s, 4, &t->year) || !parse_digits(s + 4, 2, &t->mon) ||
	    !parse_digits(s + 6, 2, &t->day)) {
		return false;
	}
	if (len >= 12 && (!parse_digits(s + 8, 2, &t->hour) ||
	    !parse_digits(s + 10, 2, &t->min))) {
		return false;
	}
	if (len == 14 && !parse_digits(s + 12, 2, &t->sec)) {
		return false;
	}
	if (t->year < 1970 || t->mon < 1 || t->mon > 12 || t->day < 1 ||
	    t->hour > 23 || t->min > 59 || t->sec > 59) {
		return false;
	}
	return t->day <= mdays[t->mon - 1] +
	    (t->mon == 2 && is_leap(t->year) ? 1 : 0);
}

/* Splits "host:port" or "[v6]:port" in place; port "*" gives -1. */
static bool
parse_hostport(char *s, struct authkeys_permit *out)
{
	char *colon, *host = s;
	long port = 0;

	if (*s == '[') {
		char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':') {
			return false;
		}
		*close = '\0';
		host = s + 1;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			return false;
		}
	}
	*colon = '\0';
	if (*host == '\0' || (*s != '[' && strpbrk(host, " \t,") != NULL)) {
		return false;
	}
	if (strcmp(colon + 1, "*") == 0) {
		port = -1;
	} else {
		const char *p = colon + 1;

		if (*p == '\0' || strlen(p) > 5) {
			return false;
		}
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9') {
				return false;
			}
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535) {
			return false;
		}
	}
	out->host = host;
	out->port = (int)port;
	return true;
}

static bool
is_env_name(const char *s, size_t len)
{
	if (len == 0 || (s[0] >= '0' && s[0] <= '9')) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '_')) {
			return false;
		}
	}
	return true;
}

/* Parses "addr/bits" into bytes and a prefix length. */
static bool
parse_cidr(const char *s, size_t len, unsigned char *addr, int *family,
    int *bits)
{
	char buf[64];
	const char *slash = memchr(s, '/', len);
	size_t alen = slash != NULL ? (size_t)(slash - s) : len;
	int max;

	if (alen == 0 || alen >= sizeof(buf)) {
		return false;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = AF_INET6;
		max = 128;
	} else {
		return false;
	}
	*bits = max;
	if (slash != NULL) {
		size_t blen = len - alen - 1;

		if (blen == 0 || blen > 3 || !parse_digits(slash + 1, (int)blen,
		    bits) || *bits > max) {
			return false;
		}
	}
	return true;
}

/* Each comma-separated entry: optional '!', then a pattern or a CIDR. */
static bool
valid_from(const char *s)
{
	while (*s != '\0') {
		size_t len = strcspn(s, ",");
		const char *p = s;
		unsigned char addr[16];
		int family, bits;

		if (*p == '!') {
			p++;
		}
		if ((size_t)(p - s) >= len || memchr(p, ' ', len) != NULL) {
			return false;
		}
		if (memchr(p, '/', len - (size_t)(p - s)) != NULL &&
		    !parse_cidr(p, len - (size_t)(p - s), addr, &family, &bits)) {
			return false;
		}
		s += len;
		if (*s == ',') {
			s++;
			if (*s == '\0') {
				return false;
			}
		}
	}
	return true;
}

static int
set_value(struct cursor *c, const char *name, char *v)
{
	struct authkeys_entry *e = c->e;
	char buf[NAME_MAX_SHOWN + 4];

	if (strcmp(name, "command") == 0 || strcmp(name, "from") == 0) {
		const char **slot = name[0] == 'c' ? &e->command : &e->from;

		if (*slot != NULL) {
			return fail(c, "more than one \"%s\" option", name);
		}
		if (name[0] == 'f' && (*v == '\0' || !valid_from(v))) {
			return fail(c, "bad from= pattern list \"%s\"",
			    shown(buf, sizeof(buf), v, strlen(v)));
		}
		*slot = v;
		return 0;
	}
	if (strcmp(name, "expiry-time") == 0) {
		if (e->has_expiry) {
			return fail(c, "more than one \"%s\" option", name);
		}
		if (!parse_time(v, &e->expiry)) {
			return fail(c, "bad expiry-time \"%s\" (want "
			    "YYYYMMDD[HHMM[SS]][Z])",
			    shown(buf, sizeof(buf), v, strlen(v)));
		}
		e->has_expiry = true;
		return 0;
	}
	if (strcmp(name, "environment") == 0) {
		const char *eq = strchr(v, '=');

		if (eq == NULL || !is_env_name(v, (size_t)(eq - v))) {
			return fail(c, "bad environment \"%s\" (want NAME=value)",
			    shown(buf, sizeof(buf), v, strlen(v)));
		}
		if (e->nenvironment == AUTHKEYS_LIST_MAX) {
			return fail(c, "more than %d \"environment\" options",
			    AUTHKEYS_LIST_MAX);
		}
		e->environment[e->nenvironment++] = v;
		return 0;
	}
	/* permitopen */
	shown(buf, sizeof(buf), v, strlen(v));
	if (e->npermitopen == AUTHKEYS_LIST_MAX) {
		return fail(c, "more than %d \"permitopen\" options",
		    AUTHKEYS_LIST_MAX);
	}
	if (!parse_hostport(v, &e->permitopen[e->npermitopen])) {
		return fail(c, "bad permitopen \"%s\" (want host:port)", buf);
	}
	e->npermitopen++;
	return 0;
}

/* Longer than any option name ("no-agent-forwarding" is 19). */
#define OPTION_NAME_MAX 24

static const struct opt_def *
find_option(const char *name)
{
	for (size_t i = 0; i < sizeof(opt_table) / sizeof(opt_table[0]); i++) {
		if (strcasecmp(opt_table[i].name, name) == 0) {
			return &opt_table[i];
		}
	}
	return NULL;
}

/* One option at c->p: its name, then its value when it takes one. */
static int
parse_option(struct cursor *c)
{
	char name[NAME_MAX_SHOWN + 4];
	size_t len = 0;
	const struct opt_def *def;
	char *v;

	while (c->p + len < c->end && c->p[len] != '=' && c->p[len] != ',' &&
	    !is_space(c->p[len])) {
		len++;
	}
	shown(name, sizeof(name), c->p, len);
	def = len <= NAME_MAX_SHOWN ? find_option(name) : NULL;
	if (len == 0) {
		return fail(c, "empty option");
	}
	/* A long word is no option name: most likely a key pasted without
	 * its type. Never quote it: it would be key material in a log. */
	if (def == NULL && (len > OPTION_NAME_MAX || strncmp(c->p, "AAAA",
	    4) == 0)) {
		return fail(c, "no key type: a key line starts with ssh-ed25519 "
		    "or ssh-rsa");
	}
	if (def == NULL) {
		return fail(c, "unknown option \"%s\"", name);
	}
	c->p += len;
	if (def->kind == OPT_UNSUPPORTED) {
		return fail(c, "unsupported option \"%s\"", def->name);
	}
	if (def->kind == OPT_SET || def->kind == OPT_CLEAR) {
		if (c->p < c->end && *c->p == '=') {
			return fail(c, "option \"%s\" takes no value",
			    def->name);
		}
		if (def->kind == OPT_SET) {
			c->e->flags |= def->flags;
		} else {
			c->e->flags &= ~def->flags;
		}
		return 0;
	}
	if (c->p >= c->end || *c->p != '=') {
		return fail(c, "option \"%s\" needs a value", def->name);
	}
	c->p++;
	v = read_quoted(c, def->name);
	if (v == NULL) {
		return -1;
	}
	if (def->kind == OPT_LISTEN) {
		struct authkeys_permit ignored;
		int port;

		/* "[host:]port": checked, then kept nowhere: vcsshd never
		 * listens for a client, so the restriction always holds. */
		if (strchr(v, ':') != NULL ? !parse_hostport(v, &ignored)
		    : (strcmp(v, "*") != 0 && (*v == '\0' || strlen(v) > 5 ||
		    !parse_digits(v, (int)strlen(v), &port)))) {
			return fail(c, "bad permitlisten \"%s\"",
			    shown(name, sizeof(name), v, strlen(v)));
		}
		return 0;
	}
	return set_value(c, def->name, v);
}

static int
parse_options(struct cursor *c)
{
	for (;;) {
		if (parse_option(c) == -1) {
			return -1;
		}
		if (c->p >= c->end) {
			return fail(c, "missing key type");
		}
		if (is_space(*c->p)) {
			return 0;
		}
		if (*c->p != ',') {
			return fail(c, "bad option syntax at \"%c\"",
			    *c->p >= 0x20 && *c->p < 0x7f ? *c->p : '?');
		}
		c->p++;
	}
}

/* ---- the key blob ---- */

static bool
get_string(const unsigned char **p, const unsigned char *end,
    const unsigned char **s, uint32_t *len)
{
	uint32_t n;

	if (end - *p < 4) {
		return false;
	}
	n = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 |
	    (uint32_t)(*p)[2] << 8 | (*p)[3];
	*p += 4;
	if ((uint32_t)(end - *p) < n) {
		return false;
	}
	*s = *p;
	*len = n;
	*p += n;
	return true;
}

/* Bits of a positive mpint, or -1 when it is not one. */
static int
mpint_bits(const unsigned char *s, uint32_t len)
{
	int top = 0;

	if (len == 0 || (s[0] & 0x80) != 0) {
		return -1;
	}
	while (len > 0 && *s == 0) {
		s++;
		len--;
	}
	if (len == 0) {
		return -1;
	}
	for (unsigned v = s[0]; v != 0; v >>= 1) {
		top++;
	}
	return (int)(len - 1) * 8 + top;
}

static int
check_blob(struct cursor *c)
{
	struct authkeys_entry *e = c->e;
	const unsigned char *p = e->blob, *end = e->blob + e->blob_len, *s;
	uint32_t len;

	if (!get_string(&p, end, &s, &len) || len != strlen(e->type_name) ||
	    memcmp(s, e->type_name, len) != 0) {
		return fail(c, "key data does not match type \"%s\"",
		    e->type_name);
	}
	if (e->type == AUTHKEYS_ED25519) {
		if (!get_string(&p, end, &s, &len) || len != 32 || p != end) {
			return fail(c, "key data does not match type \"%s\"",
			    e->type_name);
		}
		e->bits = 256;
		return 0;
	}
	if (!get_string(&p, end, &s, &len) || mpint_bits(s, len) < 2 ||
	    !get_string(&p, end, &s, &len) || p != end ||
	    (e->bits = mpint_bits(s, len)) < 0) {
		return fail(c, "key data does not match type \"%s\"",
		    e->type_name);
	}
	if (e->bits < AUTHKEYS_RSA_MIN_BITS) {
		return fail(c, "RSA key of %d bits is too small (at least %d)",
		    e->bits, AUTHKEYS_RSA_MIN_BITS);
	}
	if (e->bits > AUTHKEYS_RSA_MAX_BITS) {
		return fail(c, "RSA key of %d bits is too large", e->bits);
	}
	return 0;
}

static int
parse_key(struct cursor *c)
{
	struct authkeys_entry *e = c->e;
	size_t len = token_len(c);
	char buf[NAME_MAX_SHOWN + 4];
	long n;

	if (len == 0) {
		return fail(c, "missing key type");
	}
	if (len == 11 && memcmp(c->p, "ssh-ed25519", 11) == 0) {
		e->type = AUTHKEYS_ED25519;
		e->type_name = "ssh-ed25519";
	} else if (len == 7 && memcmp(c->p, "ssh-rsa", 7) == 0) {
		e->type = AUTHKEYS_RSA;
		e->type_name = "ssh-rsa";
	} else {
		return fail(c, "%s key type \"%s\"", is_known_type(c->p, len) ?
		    "unsupported" : "unknown", shown(buf, sizeof(buf), c->p,
		    len));
	}
	c->p += len;
	skip_spaces(c);
	len = token_len(c);
	if (len == 0) {
		return fail(c, "missing key data");
	}
	n = authkeys_base64_decode(c->p, len, e->blob, sizeof(e->blob));
	if (n < 0) {
		return fail(c, len > sizeof(e->blob) * 4 / 3 + 4 ?
		    "key data too long" : "key data is not valid base64");
	}
	e->blob_len = (size_t)n;
	c->p += len;
	return check_blob(c);
}

int
authkeys_parse(const char *line, size_t len, struct authkeys_entry *e,
    char *err, size_t errlen)
{
	struct cursor c = { line, line + len, NULL, NULL, e, err, errlen };
	size_t first;

	while (c.end > c.p && (c.end[-1] == '\n' || c.end[-1] == '\r')) {
		c.end--;
	}
	skip_spaces(&c);
	if (c.p == c.end || *c.p == '#') {
		return 0;
	}
	if (c.end - line > AUTHKEYS_LINE_MAX) {
		return fail(&c, "line longer than %d bytes", AUTHKEYS_LINE_MAX);
	}
	memset(e, 0, offsetof(struct authkeys_entry, text));
	c.out = e->text;
	c.out_end = e->text + sizeof(e->text);
	first = token_len(&c);
	if (!is_known_type(c.p, first) && parse_options(&c) == -1) {
		return -1;
	}
	skip_spaces(&c);
	if (parse_key(&c) == -1) {
		return -1;
	}
	skip_spaces(&c);
	while (c.end > c.p && is_space(c.end[-1])) {
		c.end--;
	}
	e->comment = out_add(&c, c.p, (size_t)(c.end - c.p));
	if (e->comment == NULL) {
		return fail(&c, "line too long");
	}
	return 1;
}

/* ---- matching ---- */

static char
lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Case-insensitive match of s against a pattern with '*' and '?'. */
static bool
wildcard_match(const char *s, const char *pat, size_t patlen)
{
	const char *pend = pat + patlen, *star = NULL, *retry = NULL;

	while (*s != '\0') {
		if (pat < pend && *pat != '*' &&
		    (*pat == '?' || lower(*pat) == lower(*s))) {
			pat++;
			s++;
		} else if (pat < pend && *pat == '*') {
			star = ++pat;
			retry = s;
		} else if (star != NULL) {
			pat = star;
			s = ++retry;
		} else {
			return false;
		}
	}
	while (pat < pend && *pat == '*') {
		pat++;
	}
	return pat == pend;
}

static bool
cidr_match(const char *pat, size_t len, const char *addr)
{
	unsigned char net[16], a[16];
	int family, bits, afamily = strchr(addr, ':') != NULL ? AF_INET6
	    : AF_INET;

	if (!parse_cidr(pat, len, net, &family, &bits) || family != afamily ||
	    inet_pton(afamily, addr, a) != 1) {
		return false;
	}
	for (int i = 0; bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff
		    : (unsigned char)(0xff << (8 - bits));

		if ((net[i] & mask) != (a[i] & mask)) {
			return false;
		}
	}
	return true;
}

bool
authkeys_from_match(const char *patterns, const char *addr)
{
	bool found = false;
	const char *s = patterns;

	while (*s != '\0') {
		size_t len = strcspn(s, ",");
		bool neg = *s == '!';
		const char *p = neg ? s + 1 : s;
		size_t plen = len - (neg ? 1 : 0);
		bool hit = memchr(p, '/', plen) != NULL
		    ? cidr_match(p, plen, addr) : wildcard_match(addr, p, plen);

		if (hit && neg) {
			return false;
		}
		found = found || hit;
		s += len;
		if (*s == ',') {
			s++;
		}
	}
	return found;
}

bool
authkeys_permitopen_match(const struct authkeys_entry *e, const char *host,
    int port)
{
	if (e->npermitopen == 0) {
		return true;
	}
	for (int i = 0; i < e->npermitopen; i++) {
		const struct authkeys_permit *p = &e->permitopen[i];

		if ((p->port == -1 || p->port == port) &&
		    (strcmp(p->host, "*") == 0 ||
		    strcasecmp(p->host, host) == 0)) {
			return true;
		}
	}
	return false;
}

int64_t
authkeys_time_utc(const struct authkeys_time *t)
{
	/* Days from 1970-01-01 of a proleptic Gregorian date, computed with
	 * years that start in March so February's length comes last. */
	int64_t y = t->year - (t->mon <= 2 ? 1 : 0);
	int64_t era = y / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (t->mon + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + t->day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;

	return days * 86400 + t->hour * 3600 + t->min * 60 + t->sec;
}

bool
authkeys_is_expired(const struct authkeys_entry *e, int64_t now,
    long tz_offset_s)
{
	int64_t at;

	if (!e->has_expiry) {
		return false;
	}
	at = authkeys_time_utc(&e->expiry);
	if (!e->expiry.utc) {
		at -= tz_offset_s;
	}
	return now >= at;
}

static int
b64_value(char ch)
{
	if (ch >= 'A' && ch <= 'Z') {
		return ch - 'A';
	}
	if (ch >= 'a' && ch <= 'z') {
		return ch - 'a' + 26;
	}
	if (ch >= '0' && ch <= '9') {
		return ch - '0' + 52;
	}
	if (ch == '+') {
		return 62;
	}
	if (ch == '/') {
		return 63;
	}
	return -1;
}

long
authkeys_base64_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outlen)
{
	uint32_t acc = 0;
	size_t n = 0, bits = 0;

	while (inlen > 0 && in[inlen - 1] == '=') {
		inlen--;
	}
	if (inlen % 4 == 1) {
		return -1;
	}
	for (size_t i = 0; i < inlen; i++) {
		int v = b64_value(in[i]);

		if (v < 0) {
			return -1;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == outlen) {
				return -1;
			}
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return (long)n;
}
