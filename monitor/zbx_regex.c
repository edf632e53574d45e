/* SPDX-License-Identifier: ISC */
/*
 * Regular expressions (see zbx_regex.h), in three steps: a recursive
 * descent parser builds a tree of nodes, a code generator turns the tree
 * into a program for a Thompson NFA (a counted repetition is that many
 * copies, so the program size bounds everything), and the matcher runs
 * every thread of that NFA in step over the text, one byte at a time, with
 * no backtracking. Owns nothing: all memory is the caller's zbx_regex.
 */
#include <stdio.h>
#include <string.h>

#include "monitor/zbx_regex.h"

#define NONE		0xffff
#define REPEAT_INF	0xffff

enum re_op { OP_CHAR, OP_ANY, OP_CLASS, OP_ASSERT, OP_JMP, OP_SPLIT,
	OP_MATCH };
enum re_node_type { N_CHAR, N_ANY, N_CLASS, N_ASSERT, N_CAT, N_ALT,
	N_REPEAT };
enum re_assert { AS_BOL, AS_EOL, AS_WORD, AS_NOT_WORD };
enum esc_kind { ESC_ERROR, ESC_BYTE, ESC_SET, ESC_ASSERT };

/* The C locale's classes, in the order of posix_names; bytes over 0x7f
 * belong to none. */
enum { CL_ALPHA, CL_DIGIT, CL_ALNUM, CL_UPPER, CL_LOWER, CL_SPACE, CL_BLANK,
	CL_PUNCT, CL_PRINT, CL_GRAPH, CL_CNTRL, CL_XDIGIT, CL_WORD };
static const char *const posix_names[] = { "alpha", "digit", "alnum",
	"upper", "lower", "space", "blank", "punct", "print", "graph", "cntrl",
	"xdigit", "word" };
#define NPOSIX	(int)(sizeof(posix_names) / sizeof(posix_names[0]))

struct parser {
	struct zbx_regex *re;
	const char *start;	/* the pattern, for error offsets */
	const char *p;
	const char *end;
	int nnodes;
	int depth;		/* groups open around p */
	bool icase;
	bool failed;
	char *err;
	size_t errlen;
};

/* --- character sets -------------------------------------------------- */

static void
set_add(uint8_t *set, unsigned c)
{
	set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool
set_has(const uint8_t *set, unsigned c)
{
	return (set[c >> 3] & (1u << (c & 7))) != 0;
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_word(int c)
{
	return is_alpha(c) || is_digit(c) || c == '_';
}

static bool
in_class(int cls, int c)
{
	switch (cls) {
	case CL_ALPHA:
		return is_alpha(c);
	case CL_DIGIT:
		return is_digit(c);
	case CL_ALNUM:
		return is_alpha(c) || is_digit(c);
	case CL_UPPER:
		return c >= 'A' && c <= 'Z';
	case CL_LOWER:
		return c >= 'a' && c <= 'z';
	case CL_SPACE:
		return c == ' ' || (c >= '\t' && c <= '\r');
	case CL_BLANK:
		return c == ' ' || c == '\t';
	case CL_PUNCT:
		return c > ' ' && c < 0x7f && !is_alpha(c) && !is_digit(c);
	case CL_PRINT:
		return c >= ' ' && c < 0x7f;
	case CL_GRAPH:
		return c > ' ' && c < 0x7f;
	case CL_CNTRL:
		return c < ' ' || c == 0x7f;
	case CL_XDIGIT:
		return is_digit(c) || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F');
	default:
		return is_word(c);
	}
}

static void
set_add_class(uint8_t *set, int cls, bool negate)
{
	for (int c = 0; c < 256; c++) {
		if (in_class(cls, c) != negate) {
			set_add(set, (unsigned)c);
		}
	}
}

/* With (?i) a set holds both cases of each letter it holds. */
static void
set_fold(uint8_t *set)
{
	for (int c = 'a'; c <= 'z'; c++) {
		if (set_has(set, (unsigned)c) ||
		    set_has(set, (unsigned)(c - 'a' + 'A'))) {
			set_add(set, (unsigned)c);
			set_add(set, (unsigned)(c - 'a' + 'A'));
		}
	}
}

/* --- parser ---------------------------------------------------------- */

static void
fail_at(struct parser *ps, const char *where, const char *msg)
{
	if (ps->failed) {
		return;
	}
	ps->failed = true;
	snprintf(ps->err, ps->errlen, "%s at offset %d", msg,
	    (int)(where - ps->start));
}

static void
fail_msg(struct parser *ps, const char *msg)
{
	if (!ps->failed) {
		ps->failed = true;
		snprintf(ps->err, ps->errlen, "%s", msg);
	}
}

static struct zbx_re_node *
node(struct parser *ps, uint16_t n)
{
	return &ps->re->work.nodes[n];
}

static uint16_t
new_node(struct parser *ps, enum re_node_type type)
{
	struct zbx_re_node *n;

	if (ps->nnodes >= ZBX_RE_NODES) {
		fail_msg(ps, "regular expression is too large");
		return NONE;
	}
	n = node(ps, (uint16_t)ps->nnodes);
	memset(n, 0, sizeof(*n));
	n->type = (uint8_t)type;
	n->a = NONE;
	n->next = NONE;
	return (uint16_t)ps->nnodes++;
}

/* A class node for set; equal sets share one table entry. */
static uint16_t
class_node(struct parser *ps, uint8_t *set)
{
	struct zbx_regex *re = ps->re;
	uint16_t n;
	int i;

	if (ps->icase) {
		set_fold(set);
	}
	for (i = 0; i < re->nclasses; i++) {
		if (memcmp(re->classes[i], set, 32) == 0) {
			break;
		}
	}
	if (i == re->nclasses) {
		if (re->nclasses >= ZBX_RE_MAX_CLASSES) {
			fail_msg(ps, "too many character classes");
			return NONE;
		}
		memcpy(re->classes[re->nclasses++], set, 32);
	}
	n = new_node(ps, N_CLASS);
	if (n != NONE) {
		node(ps, n)->a = (uint16_t)i;
	}
	return n;
}

static uint16_t
char_node(struct parser *ps, unsigned c)
{
	uint16_t n;

	if (ps->icase && is_alpha((int)c)) {
		uint8_t set[32] = { 0 };

		set_add(set, c);
		return class_node(ps, set);
	}
	n = new_node(ps, N_CHAR);
	if (n != NONE) {
		node(ps, n)->c = (uint8_t)c;
	}
	return n;
}

static uint16_t
assert_node(struct parser *ps, int kind)
{
	uint16_t n = new_node(ps, N_ASSERT);

	if (n != NONE) {
		node(ps, n)->c = (uint8_t)kind;
	}
	return n;
}

static int
hex_value(char c)
{
	if (is_digit(c)) {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* After "\x": up to two hex digits, or {H...} up to ff. -1 on error. */
static int
parse_hex(struct parser *ps, const char *esc)
{
	const char *q;
	int v = 0, d;

	if (ps->p < ps->end && *ps->p == '{') {
		for (q = ps->p + 1; q < ps->end && (d = hex_value(*q)) >= 0;
		    q++) {
			v = v * 16 + d;
			if (v > 0xff) {
				fail_at(ps, esc, "character code point value "
				    "in \\x{} is too large");
				return -1;
			}
		}
		if (q == ps->p + 1 || q >= ps->end || *q != '}') {
			fail_at(ps, esc, "\\x{ is not followed by hex digits "
			    "and }");
			return -1;
		}
		ps->p = q + 1;
		return v;
	}
	for (int i = 0; i < 2 && ps->p < ps->end &&
	    (d = hex_value(*ps->p)) >= 0; i++) {
		v = v * 16 + d;
		ps->p++;
	}
	return v;
}

/* After "\0": up to two more octal digits. */
static int
parse_octal(struct parser *ps)
{
	int v = 0;

	for (int i = 0; i < 2 && ps->p < ps->end && *ps->p >= '0' &&
	    *ps->p <= '7'; i++) {
		v = v * 8 + (*ps->p++ - '0');
	}
	return v;
}

/* A letter escape that stands for one byte, or -1. */
static int
control_escape(char c)
{
	static const char from[] = "tnrfvae";
	static const char to[] = { '\t', '\n', '\r', '\f', '\v', '\a', 0x1b };
	const char *p = strchr(from, c);

	return c != '\0' && p != NULL ? to[p - from] : -1;
}

/*
 * The escape whose backslash is at esc (ps->p just past it): a byte into
 * *value, a set added to set (\d \D \w \W \s \S), or an assertion into
 * *value (\b \B \A \z \Z, outside brackets). Any punctuation escaped is
 * itself; a letter or digit with no meaning is an error, as in PCRE.
 */
static enum esc_kind
parse_escape(struct parser *ps, const char *esc, bool in_brackets,
    uint8_t *set, int *value)
{
	bool negate;
	char c;

	if (ps->p >= ps->end) {
		fail_at(ps, esc, "\\ at end of pattern");
		return ESC_ERROR;
	}
	c = *ps->p++;
	negate = c == 'D' || c == 'W' || c == 'S';
	switch (c) {
	case 'd':
	case 'D':
		set_add_class(set, CL_DIGIT, negate);
		return ESC_SET;
	case 'w':
	case 'W':
		set_add_class(set, CL_WORD, negate);
		return ESC_SET;
	case 's':
	case 'S':
		set_add_class(set, CL_SPACE, negate);
		return ESC_SET;
	case 'x':
		*value = parse_hex(ps, esc);
		return *value < 0 ? ESC_ERROR : ESC_BYTE;
	case '0':
		*value = parse_octal(ps);
		return ESC_BYTE;
	case 'b':
		if (in_brackets) {
			*value = '\b';	/* a backspace inside brackets */
			return ESC_BYTE;
		}
		*value = AS_WORD;
		return ESC_ASSERT;
	case 'B':
	case 'A':
	case 'z':
	case 'Z':
		if (in_brackets) {
			fail_at(ps, esc, "escape sequence is invalid in "
			    "character class");
			return ESC_ERROR;
		}
		*value = c == 'B' ? AS_NOT_WORD : c == 'A' ? AS_BOL : AS_EOL;
		return ESC_ASSERT;
	default:
		break;
	}
	if ((*value = control_escape(c)) >= 0) {
		return ESC_BYTE;
	}
	if (is_digit(c)) {
		fail_at(ps, esc, "back references are not supported");
		return ESC_ERROR;
	}
	if (is_alpha(c)) {
		fail_at(ps, esc, "unrecognized character follows \\");
		return ESC_ERROR;
	}
	*value = (unsigned char)c;
	return ESC_BYTE;
}

/* "[:name:]" (also "[.x.]", "[=x=]") at ps->p inside brackets: a set, an
 * error, or ESC_BYTE when the '[' is just a '['. */
static enum esc_kind
posix_item(struct parser *ps, uint8_t *set, int *value)
{
	const char *at = ps->p, *q;
	char delim = at[1];

	*value = '[';
	for (q = at + 2; q + 1 < ps->end && *q != ']'; q++) {
		if (*q == delim && q[1] == ']') {
			break;
		}
	}
	if (q + 1 >= ps->end || *q != delim || q[1] != ']') {
		ps->p++;
		return ESC_BYTE;
	}
	if (delim != ':') {
		fail_at(ps, at, "POSIX collating elements are not supported");
		return ESC_ERROR;
	}
	for (int i = 0; i < NPOSIX; i++) {
		size_t n = (size_t)(q - at - 2);

		if (n == strlen(posix_names[i]) &&
		    strncmp(at + 2, posix_names[i], n) == 0) {
			set_add_class(set, i, false);
			ps->p = q + 2;
			return ESC_SET;
		}
	}
	fail_at(ps, at, "unknown POSIX class name");
	return ESC_ERROR;
}

/* One member of a bracket expression: a byte, or a set added to set. */
static enum esc_kind
bracket_item(struct parser *ps, uint8_t *set, int *value)
{
	const char *at = ps->p;

	if (*at == '\\') {
		ps->p++;
		return parse_escape(ps, at, true, set, value);
	}
	if (*at == '[' && at + 1 < ps->end &&
	    (at[1] == ':' || at[1] == '.' || at[1] == '=')) {
		return posix_item(ps, set, value);
	}
	*value = (unsigned char)*at;
	ps->p++;
	return ESC_BYTE;
}

/* A '-' that makes a range: not the last member. */
static bool
at_range_dash(const struct parser *ps)
{
	return ps->p + 1 < ps->end && ps->p[0] == '-' && ps->p[1] != ']';
}

/* "[...]", "[^...]": a ']' first is a member; escapes work as in PCRE. */
static uint16_t
parse_bracket(struct parser *ps)
{
	const char *open = ps->p, *dash;
	uint8_t set[32] = { 0 }, end_set[32] = { 0 };
	bool negate = false, first = true;
	enum esc_kind k;
	int lo, hi;

	ps->p++;
	if (ps->p < ps->end && *ps->p == '^') {
		negate = true;
		ps->p++;
	}
	for (;;) {
		if (ps->p >= ps->end) {
			fail_at(ps, open, "missing terminating ] for "
			    "character class");
			return NONE;
		}
		if (*ps->p == ']' && !first) {
			ps->p++;
			break;
		}
		first = false;
		if ((k = bracket_item(ps, set, &lo)) == ESC_ERROR) {
			return NONE;
		}
		if (!at_range_dash(ps)) {
			if (k == ESC_BYTE) {
				set_add(set, (unsigned)lo);
			}
			continue;
		}
		dash = ps->p++;
		if (k != ESC_BYTE ||
		    (k = bracket_item(ps, end_set, &hi)) != ESC_BYTE) {
			fail_at(ps, dash, "invalid range in character class");
			return NONE;
		}
		if (hi < lo) {
			fail_at(ps, dash, "range out of order in character "
			    "class");
			return NONE;
		}
		for (int c = lo; c <= hi; c++) {
			set_add(set, (unsigned)c);
		}
	}
	if (ps->icase) {
		set_fold(set);
	}
	if (negate) {
		for (int i = 0; i < 32; i++) {
			set[i] = (uint8_t)~set[i];
		}
	}
	return class_node(ps, set);
}

/*
 * "{m}", "{m,}" or "{m,n}" at ps->p: 1 with its bounds, 0 when the '{' is
 * an ordinary character (as PCRE reads "{", "{x}" and "{,3}"), -1 after an
 * error.
 */
static int
parse_braces(struct parser *ps, uint16_t *min, uint16_t *max)
{
	const char *q = ps->p + 1;
	long m = 0, n;

	if (q >= ps->end || !is_digit(*q)) {
		return 0;
	}
	for (; q < ps->end && is_digit(*q); q++) {
		m = m > ZBX_RE_MAX_REPEAT ? m : m * 10 + (*q - '0');
	}
	n = m;
	if (q < ps->end && *q == ',') {
		n = q + 1 < ps->end && is_digit(q[1]) ? 0 : -1;
		for (q++; q < ps->end && is_digit(*q); q++) {
			n = n > ZBX_RE_MAX_REPEAT ? n : n * 10 + (*q - '0');
		}
	}
	if (q >= ps->end || *q != '}') {
		return 0;
	}
	if (m > ZBX_RE_MAX_REPEAT || n > ZBX_RE_MAX_REPEAT) {
		fail_at(ps, ps->p, "number too big in {} quantifier");
		return -1;
	}
	if (n != -1 && n < m) {
		fail_at(ps, ps->p, "numbers out of order in {} quantifier");
		return -1;
	}
	*min = (uint16_t)m;
	*max = n == -1 ? REPEAT_INF : (uint16_t)n;
	ps->p = q + 1;
	return 1;
}

static uint16_t parse_alt(struct parser *ps);

/* "(...)" or "(?:...)": both only group. */
static uint16_t
parse_group(struct parser *ps)
{
	const char *open = ps->p;
	uint16_t n;

	ps->p++;
	if (ps->p < ps->end && *ps->p == '?') {
		if (ps->p + 1 >= ps->end || ps->p[1] != ':') {
			fail_at(ps, open, "unsupported group: only (?:...) and "
			    "a leading (?i) are known");
			return NONE;
		}
		ps->p += 2;
	}
	if (++ps->depth > ZBX_RE_MAX_DEPTH) {
		fail_at(ps, open, "parentheses are too deeply nested");
		return NONE;
	}
	n = parse_alt(ps);
	if (n == NONE) {
		return NONE;
	}
	if (ps->p >= ps->end) {
		fail_at(ps, ps->p, "missing closing parenthesis");
		return NONE;
	}
	ps->p++;
	ps->depth--;
	return n;
}

static uint16_t
parse_atom(struct parser *ps)
{
	const char *at = ps->p;
	uint8_t set[32] = { 0 };
	uint16_t min, max;
	int v, rc;

	switch (*at) {
	case '(':
		return parse_group(ps);
	case '[':
		return parse_bracket(ps);
	case '.':
		ps->p++;
		return new_node(ps, N_ANY);
	case '^':
		ps->p++;
		return assert_node(ps, AS_BOL);
	case '$':
		ps->p++;
		return assert_node(ps, AS_EOL);
	case '*':
	case '+':
	case '?':
		fail_at(ps, at, "quantifier does not follow a repeatable item");
		return NONE;
	case '{':
		if ((rc = parse_braces(ps, &min, &max)) != 0) {
			fail_at(ps, at, "quantifier does not follow a "
			    "repeatable item");
			return NONE;
		}
		ps->p++;
		return char_node(ps, '{');
	case '\\':
		ps->p++;
		switch (parse_escape(ps, at, false, set, &v)) {
		case ESC_BYTE:
			return char_node(ps, (unsigned)v);
		case ESC_SET:
			return class_node(ps, set);
		case ESC_ASSERT:
			return assert_node(ps, v);
		default:
			return NONE;
		}
	default:
		ps->p++;
		return char_node(ps, (unsigned char)*at);
	}
}

/* "*", "+", "?" or a brace quantifier at ps->p: 1 with its bounds, 0
 * when there is none, -1 after an error. */
static int
parse_quantifier(struct parser *ps, uint16_t *min, uint16_t *max)
{
	char c = *ps->p;

	if (c == '{') {
		return parse_braces(ps, min, max);
	}
	if (c != '*' && c != '+' && c != '?') {
		return 0;
	}
	*min = c == '+' ? 1 : 0;
	*max = c == '?' ? 1 : REPEAT_INF;
	ps->p++;
	return 1;
}

/*
 * An atom and its quantifier, read as PCRE reads them: a '?' after the
 * quantifier makes it lazy, which changes nothing when the question is
 * only "is there a match"; a '+' after it (possessive) is refused, and so
 * is a second quantifier.
 */
static uint16_t
parse_repeat(struct parser *ps)
{
	uint16_t n = parse_atom(ps), r, min, max, min2, max2;
	const char *at = ps->p;
	int rc;

	if (n == NONE || ps->p >= ps->end ||
	    (rc = parse_quantifier(ps, &min, &max)) == 0) {
		return n;
	}
	if (rc == -1) {
		return NONE;
	}
	if (node(ps, n)->type == N_ASSERT) {
		fail_at(ps, at, "quantifier does not follow a repeatable item");
		return NONE;
	}
	if (ps->p < ps->end && *ps->p == '?') {
		ps->p++;
	} else if (ps->p < ps->end && *ps->p == '+') {
		fail_at(ps, ps->p, "possessive quantifiers are not supported");
		return NONE;
	}
	at = ps->p;
	if (ps->p < ps->end && (rc = parse_quantifier(ps, &min2, &max2)) != 0) {
		if (rc == 1) {
			fail_at(ps, at, "quantifier does not follow a "
			    "repeatable item");
		}
		return NONE;
	}
	if ((r = new_node(ps, N_REPEAT)) == NONE) {
		return NONE;
	}
	node(ps, r)->a = n;
	node(ps, r)->min = min;
	node(ps, r)->max = max;
	return r;
}

/* A sequence, up to '|', ')' or the end; children linked by next. */
static uint16_t
parse_cat(struct parser *ps)
{
	uint16_t cat = new_node(ps, N_CAT), last = NONE, n;

	while (cat != NONE && ps->p < ps->end && *ps->p != '|' &&
	    *ps->p != ')') {
		if ((n = parse_repeat(ps)) == NONE) {
			return NONE;
		}
		if (last == NONE) {
			node(ps, cat)->a = n;
		} else {
			node(ps, last)->next = n;
		}
		last = n;
	}
	return cat;
}

static uint16_t
parse_alt(struct parser *ps)
{
	uint16_t first = parse_cat(ps), alt, last, n;

	if (first == NONE || ps->p >= ps->end || *ps->p != '|') {
		return first;
	}
	if ((alt = new_node(ps, N_ALT)) == NONE) {
		return NONE;
	}
	node(ps, alt)->a = first;
	last = first;
	while (ps->p < ps->end && *ps->p == '|') {
		ps->p++;
		if ((n = parse_cat(ps)) == NONE) {
			return NONE;
		}
		node(ps, last)->next = n;
		last = n;
	}
	return alt;
}

/* --- code generation ------------------------------------------------- */

static int
emit(struct parser *ps, enum re_op op, unsigned arg, unsigned x, unsigned y)
{
	struct zbx_regex *re = ps->re;
	struct zbx_re_inst *in;

	if (re->ninsts >= ZBX_RE_MAX_INSTS) {
		fail_msg(ps, "regular expression is too large");
		return 0;	/* a slot to write into harmlessly */
	}
	in = &re->insts[re->ninsts];
	in->op = (uint8_t)op;
	in->arg = (uint8_t)arg;
	in->x = (uint16_t)x;
	in->y = (uint16_t)y;
	return re->ninsts++;
}

static void gen_node(struct parser *ps, uint16_t n);

/* Each branch but the last: split to it or on; jumps to the end are
 * chained through their targets until the end is known. */
static void
gen_alt(struct parser *ps, uint16_t first)
{
	struct zbx_regex *re = ps->re;
	unsigned chain = NONE;
	int s;

	for (uint16_t k = first; k != NONE && !ps->failed;
	    k = node(ps, k)->next) {
		if (node(ps, k)->next == NONE) {
			gen_node(ps, k);
			break;
		}
		s = emit(ps, OP_SPLIT, 0, 0, 0);
		re->insts[s].x = (uint16_t)(s + 1);
		gen_node(ps, k);
		chain = (unsigned)emit(ps, OP_JMP, 0, chain, 0);
		re->insts[s].y = (uint16_t)re->ninsts;
	}
	while (chain != NONE && !ps->failed) {
		unsigned prev = re->insts[chain].x;

		re->insts[chain].x = (uint16_t)re->ninsts;
		chain = prev;
	}
}

/* x{min,max}: min copies, then a loop (max infinite) or max - min
 * optional copies whose splits all lead to the end. A child that makes no
 * code (an empty group) makes no repetition either: this is also what
 * keeps "(){1000}{1000}" from spinning. */
static void
gen_repeat(struct parser *ps, const struct zbx_re_node *nd)
{
	struct zbx_regex *re = ps->re;
	int last = re->ninsts, s, before;
	unsigned chain = NONE;

	for (int i = 0; i < nd->min && !ps->failed; i++) {
		last = re->ninsts;
		gen_node(ps, nd->a);
		if (re->ninsts == last) {
			return;
		}
	}
	if (ps->failed || nd->max == 0) {
		return;
	}
	if (nd->max == REPEAT_INF && nd->min > 0) {
		s = emit(ps, OP_SPLIT, 0, (unsigned)last, 0);
		re->insts[s].y = (uint16_t)(s + 1);
		return;
	}
	if (nd->max == REPEAT_INF) {
		s = emit(ps, OP_SPLIT, 0, 0, 0);
		re->insts[s].x = (uint16_t)(s + 1);
		gen_node(ps, nd->a);
		(void)emit(ps, OP_JMP, 0, (unsigned)s, 0);
		re->insts[s].y = (uint16_t)re->ninsts;
		return;
	}
	for (int i = nd->min; i < nd->max && !ps->failed; i++) {
		s = emit(ps, OP_SPLIT, 0, 0, chain);
		re->insts[s].x = (uint16_t)(s + 1);
		before = re->ninsts;
		gen_node(ps, nd->a);
		if (re->ninsts == before) {
			re->ninsts = s;	/* empty: drop the split */
			break;
		}
		chain = (unsigned)s;
	}
	while (chain != NONE && !ps->failed) {
		unsigned prev = re->insts[chain].y;

		re->insts[chain].y = (uint16_t)re->ninsts;
		chain = prev;
	}
}

static void
gen_node(struct parser *ps, uint16_t n)
{
	const struct zbx_re_node *nd;

	if (ps->failed || n == NONE) {
		return;
	}
	nd = node(ps, n);
	switch (nd->type) {
	case N_CHAR:
		(void)emit(ps, OP_CHAR, nd->c, 0, 0);
		break;
	case N_ANY:
		(void)emit(ps, OP_ANY, 0, 0, 0);
		break;
	case N_CLASS:
		(void)emit(ps, OP_CLASS, 0, nd->a, 0);
		break;
	case N_ASSERT:
		(void)emit(ps, OP_ASSERT, nd->c, 0, 0);
		break;
	case N_CAT:
		for (uint16_t k = nd->a; k != NONE && !ps->failed;
		    k = node(ps, k)->next) {
			gen_node(ps, k);
		}
		break;
	case N_ALT:
		gen_alt(ps, nd->a);
		break;
	case N_REPEAT:
		gen_repeat(ps, nd);
		break;
	default:
		break;
	}
}

/* True when the pattern begins with '^' outside any alternation: then a
 * match can only start at 0 and the matcher stops early. */
static bool
starts_with_bol(struct parser *ps, uint16_t n)
{
	while (n != NONE && node(ps, n)->type == N_CAT) {
		n = node(ps, n)->a;
	}
	return n != NONE && node(ps, n)->type == N_ASSERT &&
	    node(ps, n)->c == AS_BOL;
}

int
zbx_regex_compile(struct zbx_regex *re, const char *pattern, char *err,
    size_t errlen)
{
	struct parser ps;
	size_t len = strlen(pattern);
	uint16_t root;

	re->ninsts = 0;
	re->nclasses = 0;
	re->anchored = false;
	re->gen = 0;
	if (errlen > 0) {
		err[0] = '\0';
	}
	if (len > ZBX_RE_MAX_PATTERN) {
		snprintf(err, errlen, "regular expression is longer than %d "
		    "bytes", ZBX_RE_MAX_PATTERN);
		return -1;
	}
	memset(&ps, 0, sizeof(ps));
	ps.re = re;
	ps.start = ps.p = pattern;
	ps.end = pattern + len;
	ps.err = err;
	ps.errlen = errlen;
	if (len >= 4 && memcmp(pattern, "(?i)", 4) == 0) {
		ps.icase = true;
		ps.p += 4;
	}
	root = parse_alt(&ps);
	if (!ps.failed && ps.p < ps.end) {
		fail_at(&ps, ps.p, "unmatched closing parenthesis");
	}
	gen_node(&ps, root);
	(void)emit(&ps, OP_MATCH, 0, 0, 0);
	if (ps.failed) {
		re->ninsts = 0;
		return -1;
	}
	re->anchored = starts_with_bol(&ps, root);
	/* The tree is done with: its memory is now the matcher's. */
	memset(re->work.run.mark, 0, sizeof(re->work.run.mark));
	return 0;
}

/* --- matching -------------------------------------------------------- */

static void
next_gen(struct zbx_regex *re)
{
	if (++re->gen == 0) {
		memset(re->work.run.mark, 0, sizeof(re->work.run.mark));
		re->gen = 1;
	}
}

static bool
assert_holds(int kind, const unsigned char *s, size_t len, size_t pos)
{
	bool before, after;

	switch (kind) {
	case AS_BOL:
		return pos == 0;
	case AS_EOL:
		return pos == len;
	default:
		before = pos > 0 && is_word(s[pos - 1]);
		after = pos < len && is_word(s[pos]);
		return (before != after) == (kind == AS_WORD);
	}
}

/* Queues instruction t for this step unless it is there already. */
static void
push(struct zbx_regex *re, int *sp, unsigned t)
{
	if (re->work.run.mark[t] != re->gen) {
		re->work.run.mark[t] = re->gen;
		re->work.run.stack[(*sp)++] = (uint16_t)t;
	}
}

/*
 * Adds the thread at pc, and every thread its jumps, splits and
 * assertions lead to, to list: only the instructions that read a byte are
 * kept. Each instruction enters at most once per step (the marks), so a
 * list and the stack never hold more than ninsts entries. True when the
 * match instruction is reached.
 */
static bool
add_thread(struct zbx_regex *re, uint16_t *list, int *n, unsigned pc,
    const unsigned char *s, size_t len, size_t pos)
{
	int sp = 0;

	push(re, &sp, pc);
	while (sp > 0) {
		unsigned at = re->work.run.stack[--sp];
		const struct zbx_re_inst *in = &re->insts[at];

		switch (in->op) {
		case OP_MATCH:
			return true;
		case OP_JMP:
			push(re, &sp, in->x);
			break;
		case OP_SPLIT:
			push(re, &sp, in->y);
			push(re, &sp, in->x);
			break;
		case OP_ASSERT:
			if (assert_holds(in->arg, s, len, pos)) {
				push(re, &sp, at + 1);
			}
			break;
		default:
			list[(*n)++] = (uint16_t)at;
			break;
		}
	}
	return false;
}

static bool
reads(const struct zbx_regex *re, const struct zbx_re_inst *in, unsigned c)
{
	switch (in->op) {
	case OP_CHAR:
		return in->arg == c;
	case OP_ANY:
		return c != '\n';
	default:
		return set_has(re->classes[in->x], c);
	}
}

bool
zbx_regex_match(struct zbx_regex *re, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	uint16_t *cur = re->work.run.list[0], *nxt = re->work.run.list[1];
	int ncur = 0, nnxt;

	if (re->ninsts == 0) {
		return false;	/* never compiled */
	}
	next_gen(re);
	if (add_thread(re, cur, &ncur, 0, s, len, 0)) {
		return true;
	}
	for (size_t pos = 0; pos < len; pos++) {
		uint16_t *swap;

		next_gen(re);
		nnxt = 0;
		for (int i = 0; i < ncur; i++) {
			if (reads(re, &re->insts[cur[i]], s[pos]) &&
			    add_thread(re, nxt, &nnxt, cur[i] + 1u, s, len,
			    pos + 1)) {
				return true;
			}
		}
		/* Unanchored: a new match may start at every offset. */
		if (!re->anchored) {
			if (add_thread(re, nxt, &nnxt, 0, s, len, pos + 1)) {
				return true;
			}
		} else if (nnxt == 0) {
			return false;
		}
		swap = cur;
		cur = nxt;
		nxt = swap;
		ncur = nnxt;
	}
	return false;
}

bool
zbx_regex_match_str(struct zbx_regex *re, const char *text)
{
	return zbx_regex_match(re, text, strlen(text));
}
