/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of monitor/zbx_regex.c: many patterns against many strings,
 * with the C library's regcomp/regexec (POSIX ERE, REG_NOSUB) as the
 * oracle for the ERE subset both read the same way, plus the PCRE forms
 * Zabbix users write (\d \w \s, \b, (?:), (?i)) with answers written out,
 * every error message, the size limits, and patterns that make
 * backtracking engines take exponential time.
 */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/zbx_regex.h"

static struct zbx_regex *
compile_ok(const char *pattern)
{
	struct zbx_regex *re = malloc(sizeof(*re));
	char err[256];

	ck_assert_ptr_nonnull(re);
	ck_assert_msg(zbx_regex_compile(re, pattern, err, sizeof(err)) == 0,
	    "'%s': %s", pattern, err);
	return re;
}

/* The C library's ERE, compiled once per pattern. */
static void
oracle_compile(regex_t *ore, const char *pattern)
{
	ck_assert_msg(regcomp(ore, pattern, REG_EXTENDED | REG_NOSUB) == 0,
	    "the oracle refuses '%s'", pattern);
}

static bool
oracle(regex_t *ore, const char *text)
{
	return regexec(ore, text, 0, NULL, 0) == 0;
}

/* --- the ERE subset against the oracle --------------------------------- */

static const char *const ere_patterns[] = {
	"", "a", "abc", "^abc", "abc$", "^abc$", "^$", "^", "$", ".", "a.c",
	"^.*$", "a*", "a+", "a?", "ab*c", "ab+c", "ab?c", "a{2}", "a{2,}",
	"a{1,3}", "^a{2,3}$", "^a{0}b", "^(ab){2}$", "^(a|b){3}$", "x|y",
	"^(x|y|)z", "(a|ab)(c|bcd)(d*)", "^(a*)*$", "^(a*)+b", "^(a+|b)*c",
	"^((a|b)*c)+$", "[abc]", "[^abc]", "^[a-c]+$", "[]a]", "[^]a]",
	"^[-a]+$", "^[a-]+$", "[.]", "[*+?{}()|^$]", "^[^^]",
	"[[:digit:]]+", "^[[:alpha:]]+$", "[[:alnum:]_]", "^[[:upper:]]",
	"[[:lower:]]$", "[[:space:]]", "[[:blank:]]", "[[:punct:]]",
	"^[[:print:]]*$", "[[:graph:]]", "[[:cntrl:]]", "^[[:xdigit:]]+$",
	"[^[:digit:]]", "[[:digit:][:upper:]]", "\\.", "a\\*b", "\\(x\\)",
	"\\^", "\\$", "\\|", "\\[", "\\]", "\\{", "a\\+", "\\?", "\\\\",
	"}", "a}", "]", "^ERROR", "(ERROR|WARN(ING)?):", "error [0-9]+",
	"^[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}$",
	"^/usr/(s?bin|lib)/", "(^|[^a-z])foo([^a-z]|$)", "a|b|c|d",
	"((((a))))", "(a)(b)(c)", "(a*)(b*)(c*)$", "a.*b.*c", "^.{3}$",
	"^.{2,4}$", "(.)(.)", "[a-z][0-9]", "[0-9]{4}-[0-9]{2}-[0-9]{2}",
	"\\w+", "^\\w+$", "\\W", "\\s", "\\S+", "\\bfoo\\b", "\\Boo\\B",
	"foo\\b", "\\bfoo",
};

static const char *const ere_texts[] = {
	"", "a", "b", "ab", "abc", "abcabc", "aab", "aaa", "aaaa", "ac",
	"abbc", "xyz", "z", "xz", "yz", "ERROR disk full", "WARNING: x",
	"WARN: y", "an error 42 here", "10.0.0.255", "10.0.0.256x",
	"/usr/sbin/sshd -D", "/usr/lib/x", "/opt/usr/bin", "foo", "a foo b",
	"afoo", "foo_bar", "xfoox", "2024-05-17", "A", "Z9", "]", "-", "^",
	"a]b", "*", "{}", "tab\there", "ctl\001x", "0xdeadBEEF", "   ",
	"a.c", "a*b", "(x)", "\\", "$5", "a|b", "ab+", "?", "}", "[x]",
	"\x80\xff", "héllo", "aaab", "bbbc", "ababab", "abcd", "abbbbcd",
};

START_TEST(ere_oracle)
{
	const char *pattern = ere_patterns[_i];
	struct zbx_regex *re = compile_ok(pattern);
	regex_t ore;

	oracle_compile(&ore, pattern);
	for (size_t k = 0; k < sizeof(ere_texts) / sizeof(ere_texts[0]); k++) {
		const char *t = ere_texts[k];

		ck_assert_msg(zbx_regex_match_str(re, t) == oracle(&ore, t),
		    "'%s' on '%s': we say %d, ERE says %d", pattern, t,
		    zbx_regex_match_str(re, t), oracle(&ore, t));
	}
	regfree(&ore);
	free(re);
}
END_TEST

/* Random patterns of the common subset against random strings. */
struct rng {
	unsigned long s;
};

static unsigned
rnd(struct rng *r, unsigned n)
{
	r->s = r->s * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((r->s >> 33) % n);
}

static void gen_alt(struct rng *r, char *out, size_t cap, int depth);

static void
gen_atom(struct rng *r, char *out, size_t cap, int depth)
{
	static const char *const atoms[] = { "a", "b", "c", ".", "[ab]",
		"[^a]", "[a-c]", "[[:alpha:]]", "[^[:digit:]b]", "1", "\\.",
		"\\w", "\\s" };
	static const char *const quant[] = { "", "", "", "*", "+", "?",
		"{1}", "{0,2}", "{2,}", "{1,3}" };

	if (depth < 3 && rnd(r, 5) == 0) {
		strncat(out, "(", cap - strlen(out) - 1);
		gen_alt(r, out, cap, depth + 1);
		strncat(out, ")", cap - strlen(out) - 1);
	} else {
		strncat(out, atoms[rnd(r, sizeof(atoms) / sizeof(atoms[0]))],
		    cap - strlen(out) - 1);
	}
	strncat(out, quant[rnd(r, sizeof(quant) / sizeof(quant[0]))],
	    cap - strlen(out) - 1);
}

static void
gen_alt(struct rng *r, char *out, size_t cap, int depth)
{
	unsigned branches = 1 + rnd(r, 3) / 2;

	for (unsigned b = 0; b < branches; b++) {
		unsigned atoms = 1 + rnd(r, 4);

		if (b > 0) {
			strncat(out, "|", cap - strlen(out) - 1);
		}
		for (unsigned a = 0; a < atoms; a++) {
			gen_atom(r, out, cap, depth);
		}
	}
}

START_TEST(ere_random)
{
	struct rng r = { 12345 + (unsigned long)_i };
	char pattern[512], text[16];

	for (int n = 0; n < 300; n++) {
		struct zbx_regex *re;
		regex_t ore;

		pattern[0] = '\0';
		if (rnd(&r, 4) == 0) {
			strcat(pattern, "^");
		}
		gen_alt(&r, pattern, sizeof(pattern) - 2, 0);
		if (rnd(&r, 4) == 0) {
			strcat(pattern, "$");
		}
		re = compile_ok(pattern);
		oracle_compile(&ore, pattern);
		for (int k = 0; k < 25; k++) {
			size_t len = rnd(&r, 9);

			for (size_t i = 0; i < len; i++) {
				text[i] = "abc1 .-"[rnd(&r, 7)];
			}
			text[len] = '\0';
			ck_assert_msg(zbx_regex_match_str(re, text) ==
			    oracle(&ore, text), "'%s' on '%s': we say %d",
			    pattern, text, zbx_regex_match_str(re, text));
		}
		regfree(&ore);
		free(re);
	}
}
END_TEST

/* --- PCRE forms, answers written out ------------------------------------ */

static const struct {
	const char *pattern;
	const char *text;
	bool match;
} pcre_cases[] = {
	{ "\\d+", "pid 4242", true },
	{ "\\d", "no digits", false },
	{ "^\\D+$", "no digits", true },
	{ "^\\D+$", "d1", false },
	{ "^\\w+$", "foo_Bar9", true },
	{ "^\\w+$", "foo-bar", false },
	{ "\\W", "foo-bar", true },
	{ "\\W", "foo_bar", false },
	{ "a\\sb", "a\tb", true },
	{ "a\\sb", "a\vb", true },
	{ "a\\Sb", "a b", false },
	{ "a\\Sb", "a-b", true },
	{ "[\\d.]+$", "v1.2.3", true },
	{ "^[\\w-]+$", "web-1_a", true },
	{ "^[\\w-]+$", "web 1", false },
	{ "^[^\\s]+$", "one", true },
	{ "^[^\\s]+$", "o ne", false },
	{ "[\\]]", "a]", true },
	{ "[\\\\]", "a\\b", true },
	{ "[a\\-z]", "-", true },
	{ "[a\\-z]", "m", false },
	{ "\\bERROR\\b", "an ERROR here", true },
	{ "\\bERROR\\b", "ERRORS", false },
	{ "\\BRR\\B", "ERROR", true },
	{ "\\Aab", "abc", true },
	{ "\\Abc", "abc", false },
	{ "bc\\z", "abc", true },
	{ "bc\\Z", "abcd", false },
	{ "(?:ab)+$", "xabab", true },
	{ "^(?:a|b)c", "bc", true },
	{ "(?i)error", "ERROR: x", true },
	{ "(?i)^[a-c]+$", "AbC", true },
	{ "(?i)[^a]", "A", false },
	{ "(?i)x\\d", "X1", true },
	{ "error", "ERROR", false },
	{ "a\\tb", "a\tb", true },
	{ "\\x41", "A", true },
	{ "\\x{42}", "B", true },
	{ "a\\x2eb", "a.b", true },
	{ "a\\x2eb", "axb", false },
	{ "\\e", "\x1b[0m", true },
	{ "\\0", "a", false },
	{ "a\\/b", "a/b", true },
	{ "a.*?b", "axxb", true },
	{ "a+?b", "b", false },
	{ "a+?b", "ab", true },
	{ "^a{2,3}?$", "a", false },
	{ "^a{2,3}?$", "aaa", true },
	{ "a??b", "b", true },
	{ "^[a-c-e]+$", "b-e", true },
	{ "^[a-c-e]+$", "d", false },
	{ "colou?r", "color", true },
	{ "a{,3}", "a{,3}", true },
	{ "a{,3}", "aaa", false },
	{ "x{", "x{", true },
	{ "{a}", "{a}", true },
	{ "a.c", "a\nc", false },
	{ "a[^x]c", "a\nc", true },
	{ "^.{3}$", "\xc3\xa9x", true },	/* bytes, not characters */
	{ "nul", "x", false },
};

START_TEST(pcre_forms)
{
	struct zbx_regex *re = compile_ok(pcre_cases[_i].pattern);

	ck_assert_msg(zbx_regex_match_str(re, pcre_cases[_i].text) ==
	    pcre_cases[_i].match, "'%s' on '%s'", pcre_cases[_i].pattern,
	    pcre_cases[_i].text);
	free(re);
}
END_TEST

/* Length-bounded texts: NUL bytes are ordinary, the end is the length. */
START_TEST(bounded_text)
{
	struct zbx_regex *re = compile_ok("b\\x00?c$");

	ck_assert(zbx_regex_match(re, "ab\0c", 4));
	ck_assert(!zbx_regex_match(re, "ab\0cd", 5));
	ck_assert(zbx_regex_match(re, "abcdef", 3));
	ck_assert(!zbx_regex_match(re, "abcdef", 2));
	free(re);
	re = compile_ok("^$");
	ck_assert(zbx_regex_match(re, "xyz", 0));
	ck_assert(!zbx_regex_match(re, "xyz", 1));
	free(re);
}
END_TEST

/* --- errors -------------------------------------------------------------- */

static const struct {
	const char *pattern;
	const char *err;
} bad_cases[] = {
	{ "(", "missing closing parenthesis at offset 1" },
	{ "a(b|c", "missing closing parenthesis at offset 5" },
	{ "a)", "unmatched closing parenthesis at offset 1" },
	{ "())", "unmatched closing parenthesis at offset 2" },
	{ "[a", "missing terminating ] for character class at offset 0" },
	{ "x[]", "missing terminating ] for character class at offset 1" },
	{ "[^", "missing terminating ] for character class at offset 0" },
	{ "*a", "quantifier does not follow a repeatable item at offset 0" },
	{ "a|+", "quantifier does not follow a repeatable item at offset 2" },
	{ "(?", "unsupported group: only (?:...) and a leading (?i) are "
	    "known at offset 0" },
	{ "(?=a)", "unsupported group: only (?:...) and a leading (?i) are "
	    "known at offset 0" },
	{ "a(?i)b", "unsupported group: only (?:...) and a leading (?i) are "
	    "known at offset 1" },
	{ "{2}", "quantifier does not follow a repeatable item at offset 0" },
	{ "^*", "quantifier does not follow a repeatable item at offset 1" },
	{ "\\b+", "quantifier does not follow a repeatable item at offset 2" },
	{ "a**", "quantifier does not follow a repeatable item at offset 2" },
	{ "a{2}{3}", "quantifier does not follow a repeatable item at offset "
	    "4" },
	{ "a+?*", "quantifier does not follow a repeatable item at offset 3" },
	{ "a*+", "possessive quantifiers are not supported at offset 2" },
	{ "a{3,2}", "numbers out of order in {} quantifier at offset 1" },
	{ "a{1001}", "number too big in {} quantifier at offset 1" },
	{ "a{1,99999999999999999999}", "number too big in {} quantifier at "
	    "offset 1" },
	{ "[z-a]", "range out of order in character class at offset 2" },
	{ "[a-\\d]", "invalid range in character class at offset 2" },
	{ "[\\w-z]", "invalid range in character class at offset 3" },
	{ "[[:alpha:]-z]", "invalid range in character class at offset 10" },
	{ "[[:foo:]]", "unknown POSIX class name at offset 1" },
	{ "[[.a.]]", "POSIX collating elements are not supported at offset 1" },
	{ "[[=a=]]", "POSIX collating elements are not supported at offset 1" },
	{ "ab\\", "\\ at end of pattern at offset 2" },
	{ "\\q", "unrecognized character follows \\ at offset 0" },
	{ "a\\Q", "unrecognized character follows \\ at offset 1" },
	{ "(a)\\1", "back references are not supported at offset 3" },
	{ "[\\B]", "escape sequence is invalid in character class at "
	    "offset 1" },
	{ "\\x{100}", "character code point value in \\x{} is too large at "
	    "offset 0" },
	{ "\\x{zz}", "\\x{ is not followed by hex digits and } at offset 0" },
	{ "((a{1000}){1000}){1000}", "regular expression is too large" },
	{ "(a{1000}){3}", "regular expression is too large" },
	{ "[a-z]{1000}[0-9]{1000}[a-f]{100}", "regular expression is too "
	    "large" },
};

START_TEST(bad_patterns)
{
	struct zbx_regex *re = malloc(sizeof(*re));
	char err[256];

	ck_assert_int_eq(zbx_regex_compile(re, bad_cases[_i].pattern, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, bad_cases[_i].err);
	/* A failed compile matches nothing, never crashes. */
	ck_assert(!zbx_regex_match_str(re, "a"));
	free(re);
}
END_TEST

/* k groups around one 'a'. */
static char *
nested(char *out, int k)
{
	memset(out, '(', (size_t)k);
	out[k] = 'a';
	memset(out + k + 1, ')', (size_t)k);
	out[2 * k + 1] = '\0';
	return out;
}

START_TEST(limits)
{
	struct zbx_regex *re = malloc(sizeof(*re));
	char err[64], *p = malloc(ZBX_RE_MAX_PATTERN + 2);

	/* The longest pattern compiles; one byte more does not. */
	memset(p, 'a', ZBX_RE_MAX_PATTERN);
	p[ZBX_RE_MAX_PATTERN] = '\0';
	ck_assert_int_eq(zbx_regex_compile(re, p, err, sizeof(err)), 0);
	p[ZBX_RE_MAX_PATTERN] = 'a';
	p[ZBX_RE_MAX_PATTERN + 1] = '\0';
	ck_assert_int_eq(zbx_regex_compile(re, p, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "regular expression is longer than 1024 bytes");
	/* Nesting: 64 groups deep compile, 65 do not. */
	ck_assert_int_eq(zbx_regex_compile(re, nested(p, 64), err,
	    sizeof(err)), 0);
	ck_assert(zbx_regex_match_str(re, "xa"));
	ck_assert_int_eq(zbx_regex_compile(re, nested(p, 65), err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "parentheses are too deeply nested at offset 64");
	/* An empty group repeated any number of times costs nothing. */
	ck_assert_int_eq(zbx_regex_compile(re, "((){1000}){1000}(|){100}x",
	    err, sizeof(err)), 0);
	ck_assert(zbx_regex_match_str(re, "x"));
	ck_assert(!zbx_regex_match_str(re, "y"));
	/* A short error buffer is cut, never overrun. */
	ck_assert_int_eq(zbx_regex_compile(re, "(", err, 8), -1);
	ck_assert_str_eq(err, "missing");
	free(p);
	free(re);
}
END_TEST

/* Patterns that take a backtracking engine exponential time run here in
 * (program size) x (text length) steps. */
START_TEST(no_blowup)
{
	static const struct {
		const char *pattern;
		bool on_30_a;		/* "aaa...a", 30 bytes */
		bool on_long;		/* 16 KiB of 'a' then '!' */
	} c[] = {
		{ "^(a+)+$", true, false },
		{ "^(a|aa)+$", true, false },
		{ "^(a|a?)+$", true, false },
		{ "(a*)*b", false, false },
		{ "^(\\w+\\s?)*$", true, false },
		{ "(a?){30}a{30}", true, true },
		{ "^(.*a){20}$", true, false },
		{ "(x+x+)+y", false, false },
	};
	size_t len = 16 * 1024;
	char *text = malloc(len + 2);
	struct timespec t0, t1;

	memset(text, 'a', len);
	text[len] = '!';
	text[len + 1] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct zbx_regex *re = compile_ok(c[i].pattern);

		ck_assert_msg(zbx_regex_match(re, text, 30) == c[i].on_30_a,
		    "%s on 30 a", c[i].pattern);
		ck_assert_msg(zbx_regex_match_str(re, text) == c[i].on_long,
		    "%s on 16 KiB", c[i].pattern);
		free(re);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Eight 16 KiB texts: well under a second even with sanitizers. */
	ck_assert_int_lt((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000, 5000);
	free(text);
}
END_TEST

/* One compiled pattern, many texts: the marks carry over correctly. */
START_TEST(reuse)
{
	struct zbx_regex *re = compile_ok("^(ab|cd)+e$");

	for (int i = 0; i < 20000; i++) {
		ck_assert(zbx_regex_match_str(re, "ababcde"));
		ck_assert(!zbx_regex_match_str(re, "ababcd"));
	}
	re->gen = 0xfffffff0u;	/* the mark counter wraps */
	for (int i = 0; i < 64; i++) {
		ck_assert(zbx_regex_match_str(re, "cde"));
		ck_assert(!zbx_regex_match_str(re, "ce"));
	}
	free(re);
}
END_TEST

static Suite *
regex_suite(void)
{
	Suite *s = suite_create("monitor_regex");
	TCase *tc = tcase_create("ere");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, ere_oracle, 0,
	    (int)(sizeof(ere_patterns) / sizeof(ere_patterns[0])));
	tcase_add_loop_test(tc, ere_random, 0, 10);
	suite_add_tcase(s, tc);
	tc = tcase_create("pcre");
	tcase_add_loop_test(tc, pcre_forms, 0,
	    (int)(sizeof(pcre_cases) / sizeof(pcre_cases[0])));
	tcase_add_test(tc, bounded_text);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, bad_patterns, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, limits);
	tcase_add_test(tc, no_blowup);
	tcase_add_test(tc, reuse);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(regex_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
