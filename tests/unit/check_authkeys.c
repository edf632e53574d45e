/* SPDX-License-Identifier: ISC */
/*
 * The authorized_keys parser: every option, quoting, key types and sizes,
 * bad lines with their exact messages, and the from=, permitopen= and
 * expiry-time= checks.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/authkeys.h"

#define KEY_ED "AAAAC3NzaC1lZDI1NTE5AAAAIPEjcOueQ0MAZaOP+KpqXKlAcnrSTb2mRo2tCIxMc3Ok"
#define KEY_RSA2048 "AAAAB3NzaC1yc2EAAAADAQABAAABAQDdufQHU4Esh6y131Gp+Zwj4fSDJEGuHTQZA3dbimUXCilyOrmgZLTPtt3FkRD7d71nrwSyGagFqfUM843vptpKHuc6Sk/GyVKSqHRL/3KFuYpQUmKXeiP78bMsSSeCZoOdC3FGn1Qai2sB/dbB+ipcsAV47R3lvZHqVZ8OeexUK9yRC7mcRZp8C8YJLhljpMBtkfSObiMbHqboRQTPGgMqrA86t/vk2QhVR/C5tkVly4RRGgFw4HEZOKCoT9TXpqYsu/le/axKABCjfmJqOfi5Vc9iw5jam3/lut+m6fdIwSFKYh0OlE/R6Mv+8Yo6knvQTxZrEQjO3pZ4HRYc5S73"
#define KEY_RSA1024 "AAAAB3NzaC1yc2EAAAADAQABAAAAgQCT115LCCaqz/UvVx81vxL0+YQOfqpjowbRTsI6UWBAD7Mi6HutNuGrkgXRi6pcb1eKvMJkNU/ySPFVHLjXawJ6Llrl7eAVLL30+VWQWhWIk3qllL7RNcbP5M8q3a+ZJUHQ4br7aa50neadlMPRbTYduMxY6sCQGfXsoKQUDG7cIQ=="
#define KEY_ECDSA "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBD0ngcvQXD9GDvL8gG9ZG3IccY5VrZfu1qoBr4lgsYKAnQw9Hi2kHRN4/8twqQ1wowVM0tyoIGytRYrgiEt9Fg0="
#define ED "ssh-ed25519 " KEY_ED

static struct authkeys_entry e;
static char err[256];

static int
parse(const char *line)
{
	err[0] = '\0';
	return authkeys_parse(line, strlen(line), &e, err, sizeof(err));
}

/* ---- lines that parse ---- */

START_TEST(plain_keys)
{
	ck_assert_int_eq(parse(ED " alice@laptop\n"), 1);
	ck_assert_int_eq(e.type, AUTHKEYS_ED25519);
	ck_assert_str_eq(e.type_name, "ssh-ed25519");
	ck_assert_uint_eq(e.blob_len, 51);
	ck_assert_int_eq(e.bits, 256);
	ck_assert_str_eq(e.comment, "alice@laptop");
	ck_assert_uint_eq(e.flags, 0);
	ck_assert_ptr_null(e.command);
	ck_assert_ptr_null(e.from);
	ck_assert(!e.has_expiry);

	ck_assert_int_eq(parse("ssh-rsa " KEY_RSA2048 "\r\n"), 1);
	ck_assert_int_eq(e.type, AUTHKEYS_RSA);
	ck_assert_int_eq(e.bits, 2048);
	ck_assert_str_eq(e.comment, "");

	ck_assert_int_eq(parse("  \t" ED "   two  words  \t"), 1);
	ck_assert_str_eq(e.comment, "two  words");
}
END_TEST

START_TEST(blank_and_comments)
{
	ck_assert_int_eq(parse(""), 0);
	ck_assert_int_eq(parse("\n"), 0);
	ck_assert_int_eq(parse("   \t \r\n"), 0);
	ck_assert_int_eq(parse("# " ED), 0);
	ck_assert_int_eq(parse("  #restrict"), 0);
}
END_TEST

START_TEST(flags)
{
	ck_assert_int_eq(parse("no-pty " ED), 1);
	ck_assert_uint_eq(e.flags, AUTHKEYS_NO_PTY);
	ck_assert_int_eq(parse("no-port-forwarding,no-agent-forwarding,"
	    "no-X11-forwarding,no-user-rc " ED), 1);
	ck_assert_uint_eq(e.flags, AUTHKEYS_NO_PORT_FORWARDING |
	    AUTHKEYS_NO_AGENT_FORWARDING | AUTHKEYS_NO_X11_FORWARDING |
	    AUTHKEYS_NO_USER_RC);
	ck_assert_int_eq(parse("restrict " ED), 1);
	ck_assert_uint_eq(e.flags, AUTHKEYS_RESTRICT_ALL);
	/* Left to right: a permission after restrict lifts one ban. */
	ck_assert_int_eq(parse("restrict,pty " ED), 1);
	ck_assert_uint_eq(e.flags, AUTHKEYS_RESTRICT_ALL & ~AUTHKEYS_NO_PTY);
	ck_assert_int_eq(parse("pty,restrict " ED), 1);
	ck_assert_uint_eq(e.flags, AUTHKEYS_RESTRICT_ALL);
	ck_assert_int_eq(parse("restrict,port-forwarding,agent-forwarding,"
	    "x11-forwarding,user-rc " ED), 1);
	ck_assert_uint_eq(e.flags, AUTHKEYS_NO_PTY);
	/* Option names are not case-sensitive. */
	ck_assert_int_eq(parse("NO-PTY,Restrict " ED), 1);
	ck_assert_uint_eq(e.flags, AUTHKEYS_RESTRICT_ALL);
}
END_TEST

START_TEST(command_quoting)
{
	ck_assert_int_eq(parse("command=\"echo hi there\" " ED " c"), 1);
	ck_assert_str_eq(e.command, "echo hi there");
	ck_assert_str_eq(e.comment, "c");
	ck_assert_int_eq(parse("restrict,command=\"say \\\"a, b\\\" now\" " ED),
	    1);
	ck_assert_str_eq(e.command, "say \"a, b\" now");
	ck_assert_uint_eq(e.flags, AUTHKEYS_RESTRICT_ALL);
	/* Only \" is an escape; other backslashes stay. */
	ck_assert_int_eq(parse("command=\"printf 'a\\\\nb\\n'\" " ED), 1);
	ck_assert_str_eq(e.command, "printf 'a\\\\nb\\n'");
	ck_assert_int_eq(parse("command=\"\" " ED), 1);
	ck_assert_str_eq(e.command, "");
}
END_TEST

START_TEST(values)
{
	ck_assert_int_eq(parse("from=\"10.0.0.0/8,*.example.org,!10.1.2.3\","
	    "permitopen=\"db:5432\",permitopen=\"[::1]:*\","
	    "environment=\"LANG=C.UTF-8\",environment=\"A_1=x=y\","
	    "expiry-time=\"202701021530Z\" " ED), 1);
	ck_assert_str_eq(e.from, "10.0.0.0/8,*.example.org,!10.1.2.3");
	ck_assert_int_eq(e.npermitopen, 2);
	ck_assert_str_eq(e.permitopen[0].host, "db");
	ck_assert_int_eq(e.permitopen[0].port, 5432);
	ck_assert_str_eq(e.permitopen[1].host, "::1");
	ck_assert_int_eq(e.permitopen[1].port, -1);
	ck_assert_int_eq(e.nenvironment, 2);
	ck_assert_str_eq(e.environment[0], "LANG=C.UTF-8");
	ck_assert_str_eq(e.environment[1], "A_1=x=y");
	ck_assert(e.has_expiry);
	ck_assert_int_eq(e.expiry.year, 2027);
	ck_assert_int_eq(e.expiry.mon, 1);
	ck_assert_int_eq(e.expiry.day, 2);
	ck_assert_int_eq(e.expiry.hour, 15);
	ck_assert_int_eq(e.expiry.min, 30);
	ck_assert(e.expiry.utc);
	ck_assert_int_eq(parse("expiry-time=\"20260102\" " ED), 1);
	ck_assert(!e.expiry.utc);
	ck_assert_int_eq(parse("expiry-time=\"20240229235959\" " ED), 1);
	ck_assert_int_eq(e.expiry.sec, 59);
	ck_assert_int_eq(parse("permitlisten=\"8080\",permitlisten="
	    "\"localhost:*\" " ED), 1);
}
END_TEST

/* ---- lines that do not ---- */

static const struct bad {
	const char *line;
	const char *err;
} bad_lines[] = {
	{ "bogus " ED, "unknown option \"bogus\"" },
	{ "no-pty,frobnicate=\"x\" " ED, "unknown option \"frobnicate\"" },
	{ "restrict,,no-pty " ED, "empty option" },
	{ "cert-authority " ED, "unsupported option \"cert-authority\"" },
	{ "principals=\"a\" " ED, "unsupported option \"principals\"" },
	{ "tunnel=\"1\" " ED, "unsupported option \"tunnel\"" },
	{ "verify-required " ED, "unsupported option \"verify-required\"" },
	{ "no-touch-required " ED,
	    "unsupported option \"no-touch-required\"" },
	{ "no-pty=\"yes\" " ED, "option \"no-pty\" takes no value" },
	{ "command " ED, "option \"command\" needs a value" },
	{ "command=echo " ED,
	    "option \"command\" needs its value in double quotes" },
	{ "command=\"echo hi " ED, "unterminated quotes in option \"command\"" },
	{ "command=\"a\",command=\"b\" " ED,
	    "more than one \"command\" option" },
	{ "from=\"1.2.3.4\",from=\"5.6.7.8\" " ED,
	    "more than one \"from\" option" },
	{ "expiry-time=\"20260101\",expiry-time=\"20270101\" " ED,
	    "more than one \"expiry-time\" option" },
	{ "from=\"\" " ED, "bad from= pattern list \"\"" },
	{ "from=\"10.0.0.0/33\" " ED,
	    "bad from= pattern list \"10.0.0.0/33\"" },
	{ "from=\"a,,b\" " ED, "bad from= pattern list \"a,,b\"" },
	{ "from=\"host/8\" " ED, "bad from= pattern list \"host/8\"" },
	{ "expiry-time=\"2026\" " ED,
	    "bad expiry-time \"2026\" (want YYYYMMDD[HHMM[SS]][Z])" },
	{ "expiry-time=\"20260230\" " ED,
	    "bad expiry-time \"20260230\" (want YYYYMMDD[HHMM[SS]][Z])" },
	{ "expiry-time=\"202601011260\" " ED,
	    "bad expiry-time \"202601011260\" (want YYYYMMDD[HHMM[SS]][Z])" },
	{ "permitopen=\"db\" " ED, "bad permitopen \"db\" (want host:port)" },
	{ "permitopen=\"db:0\" " ED, "bad permitopen \"db:0\" (want host:port)" },
	{ "permitopen=\"db:99999\" " ED,
	    "bad permitopen \"db:99999\" (want host:port)" },
	{ "permitopen=\":22\" " ED, "bad permitopen \":22\" (want host:port)" },
	{ "permitlisten=\"x\" " ED, "bad permitlisten \"x\"" },
	{ "environment=\"NOVALUE\" " ED,
	    "bad environment \"NOVALUE\" (want NAME=value)" },
	{ "environment=\"1X=a\" " ED,
	    "bad environment \"1X=a\" (want NAME=value)" },
	{ "environment=\"A B=c\" " ED,
	    "bad environment \"A B=c\" (want NAME=value)" },
	{ "no-pty;restrict " ED, "unknown option \"no-pty;restrict\"" },
	{ "no-pty", "missing key type" },
	{ "command=\"x\"" , "missing key type" },
	{ "command=\"x\"x " ED, "bad option syntax at \"x\"" },
	{ "ssh-ed25519", "missing key data" },
	{ "ssh-ed25519   ", "missing key data" },
	{ "ecdsa-sha2-nistp256 " KEY_ECDSA,
	    "unsupported key type \"ecdsa-sha2-nistp256\"" },
	{ "ssh-dss AAAA", "unsupported key type \"ssh-dss\"" },
	{ "no-pty ssh-foo " KEY_ED, "unknown key type \"ssh-foo\"" },
	{ "ssh-ed25519 AAAA$AAA", "key data is not valid base64" },
	{ "ssh-ed25519 A", "key data is not valid base64" },
	{ "ssh-rsa " KEY_ED, "key data does not match type \"ssh-rsa\"" },
	{ "ssh-ed25519 " KEY_RSA2048,
	    "key data does not match type \"ssh-ed25519\"" },
	{ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPEjcOueQ0MAZaOP+KpqXKlAcnrSTb2m",
	    "key data does not match type \"ssh-ed25519\"" },
	{ "ssh-rsa " KEY_RSA1024,
	    "RSA key of 1024 bits is too small (at least 2048)" },
};

START_TEST(bad_line)
{
	const struct bad *b = &bad_lines[_i];

	ck_assert_msg(parse(b->line) == -1, "accepted: %s", b->line);
	ck_assert_str_eq(err, b->err);
}
END_TEST

START_TEST(long_lines)
{
	size_t n = AUTHKEYS_LINE_MAX + 10;
	char *line = malloc(n + 1);

	memset(line, 'a', n);
	line[n] = '\0';
	memcpy(line, ED " ", strlen(ED) + 1);
	ck_assert_int_eq(authkeys_parse(line, n, &e, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "line longer than 8192 bytes");
	/* A long comment within the limit is fine. */
	ck_assert_int_eq(authkeys_parse(line, AUTHKEYS_LINE_MAX, &e, err,
	    sizeof(err)), 1);
	ck_assert_uint_eq(strlen(e.comment), AUTHKEYS_LINE_MAX - strlen(ED) -
	    1);
	/* Peer text in messages is made printable. */
	memset(line, 'x', 20);
	line[3] = '\x01';
	strcpy(line + 20, " " ED);
	ck_assert_int_eq(parse(line), -1);
	ck_assert_str_eq(err, "unknown option \"xxx?xxxxxxxxxxxxxxxx\"");
	/* A long word, or a key without its type, is never quoted: it is
	 * likely key material. */
	memset(line, 'x', 100);
	strcpy(line + 100, " " ED);
	ck_assert_int_eq(parse(line), -1);
	ck_assert_str_eq(err, "no key type: a key line starts with "
	    "ssh-ed25519 or ssh-rsa");
	ck_assert_int_eq(parse(KEY_ED " laptop"), -1);
	ck_assert_ptr_null(strstr(err, "AAAA"));
	free(line);
}
END_TEST

START_TEST(too_many)
{
	char line[4096] = "";

	for (int i = 0; i < AUTHKEYS_LIST_MAX + 1; i++) {
		strcat(line, "permitopen=\"h:1\",");
	}
	strcat(line, "no-pty " ED);
	ck_assert_int_eq(parse(line), -1);
	ck_assert_str_eq(err, "more than 16 \"permitopen\" options");
	line[0] = '\0';
	for (int i = 0; i < AUTHKEYS_LIST_MAX + 1; i++) {
		strcat(line, "environment=\"A=1\",");
	}
	strcat(line, "no-pty " ED);
	ck_assert_int_eq(parse(line), -1);
	ck_assert_str_eq(err, "more than 16 \"environment\" options");
}
END_TEST

/* ---- matching ---- */

static const struct from_case {
	const char *patterns, *addr;
	bool match;
} from_cases[] = {
	{ "127.0.0.1", "127.0.0.1", true },
	{ "127.0.0.2", "127.0.0.1", false },
	{ "127.0.0.*", "127.0.0.1", true },
	{ "127.0.0.?", "127.0.0.12", false },
	{ "10.0.0.0/8", "10.200.3.4", true },
	{ "10.0.0.0/8", "11.0.0.1", false },
	{ "10.1.2.3/32", "10.1.2.3", true },
	{ "0.0.0.0/0", "192.0.2.1", true },
	{ "192.168.0.0/23", "192.168.1.255", true },
	{ "192.168.0.0/23", "192.168.2.0", false },
	{ "::1", "::1", true },
	{ "2001:db8::/32", "2001:db8:1::5", true },
	{ "2001:db8::/32", "2001:db9::5", false },
	{ "10.0.0.0/8", "::1", false },
	{ "*,!127.0.0.1", "127.0.0.1", false },
	{ "*,!127.0.0.1", "127.0.0.2", true },
	{ "!10.0.0.0/8,*", "10.0.0.1", false },
	{ "host.example.org", "127.0.0.1", false },
	{ "*", "203.0.113.9", true },
	{ "!*", "203.0.113.9", false },
};

START_TEST(from_match)
{
	const struct from_case *c = &from_cases[_i];

	ck_assert_msg(authkeys_from_match(c->patterns, c->addr) == c->match,
	    "%s against %s", c->addr, c->patterns);
}
END_TEST

START_TEST(permitopen_match)
{
	ck_assert_int_eq(parse(ED), 1);
	ck_assert(authkeys_permitopen_match(&e, "anything", 1));
	ck_assert_int_eq(parse("permitopen=\"db:5432\",permitopen=\"Web:*\","
	    "permitopen=\"*:22\" " ED), 1);
	ck_assert(authkeys_permitopen_match(&e, "db", 5432));
	ck_assert(!authkeys_permitopen_match(&e, "db", 5433));
	ck_assert(!authkeys_permitopen_match(&e, "db.local", 5432));
	ck_assert(authkeys_permitopen_match(&e, "web", 8080));
	ck_assert(authkeys_permitopen_match(&e, "10.0.0.1", 22));
	ck_assert(!authkeys_permitopen_match(&e, "10.0.0.1", 23));
}
END_TEST

START_TEST(expiry)
{
	struct authkeys_time t = { 1970, 1, 1, 0, 0, 0, true };

	ck_assert_int_eq(authkeys_time_utc(&t), 0);
	t = (struct authkeys_time){ 2000, 3, 1, 0, 0, 0, true };
	ck_assert_int_eq(authkeys_time_utc(&t), 951868800);
	t = (struct authkeys_time){ 2038, 1, 19, 3, 14, 8, true };
	ck_assert_int_eq(authkeys_time_utc(&t), 2147483648LL);

	ck_assert_int_eq(parse("expiry-time=\"20300101Z\" " ED), 1);
	ck_assert(!authkeys_is_expired(&e, 1893455999, 0));
	ck_assert(authkeys_is_expired(&e, 1893456000, 0));
	/* Local time one hour east of UTC expires an hour earlier. */
	ck_assert_int_eq(parse("expiry-time=\"20300101\" " ED), 1);
	ck_assert(authkeys_is_expired(&e, 1893456000 - 3600, 3600));
	ck_assert(!authkeys_is_expired(&e, 1893456000 - 3601, 3600));
	ck_assert_int_eq(parse(ED), 1);
	ck_assert(!authkeys_is_expired(&e, INT64_MAX / 2, 0));
}
END_TEST

START_TEST(base64)
{
	unsigned char out[16];

	ck_assert_int_eq(authkeys_base64_decode("aGk=", 4, out, sizeof(out)), 2);
	ck_assert(memcmp(out, "hi", 2) == 0);
	ck_assert_int_eq(authkeys_base64_decode("aGk", 3, out, sizeof(out)), 2);
	ck_assert_int_eq(authkeys_base64_decode("", 0, out, sizeof(out)), 0);
	ck_assert_int_eq(authkeys_base64_decode("a", 1, out, sizeof(out)), -1);
	ck_assert_int_eq(authkeys_base64_decode("a-b_", 4, out, sizeof(out)),
	    -1);
	ck_assert_int_eq(authkeys_base64_decode("AAAAAAAA", 8, out, 5), -1);
}
END_TEST

static Suite *
authkeys_suite(void)
{
	Suite *s = suite_create("authkeys");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, plain_keys);
	tcase_add_test(tc, blank_and_comments);
	tcase_add_test(tc, flags);
	tcase_add_test(tc, command_quoting);
	tcase_add_test(tc, values);
	tcase_add_loop_test(tc, bad_line, 0,
	    (int)(sizeof(bad_lines) / sizeof(bad_lines[0])));
	tcase_add_test(tc, long_lines);
	tcase_add_test(tc, too_many);
	suite_add_tcase(s, tc);
	tc = tcase_create("match");
	tcase_add_loop_test(tc, from_match, 0,
	    (int)(sizeof(from_cases) / sizeof(from_cases[0])));
	tcase_add_test(tc, permitopen_match);
	tcase_add_test(tc, expiry);
	tcase_add_test(tc, base64);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(authkeys_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
