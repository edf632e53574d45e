/* SPDX-License-Identifier: ISC */
/*
 * The pure pieces of the core: backoff schedule, line splitting, rotation
 * names and gzip output, durations, request splitting, passwd and group
 * lines, signal names.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "common/clock.h"
#include "common/linebuf.h"
#include "common/signame.h"
#include "common/userdb.h"
#include "supervise/backoff.h"
#include "supervise/control.h"
#include "supervise/logfile.h"

static const struct {
	int failures;
	int64_t base, max, expect;
} backoffs[] = {
	{ 0, 100, 30000, 0 }, { 1, 100, 30000, 0 }, { 2, 100, 30000, 100 },
	{ 3, 100, 30000, 200 }, { 4, 100, 30000, 400 },
	{ 10, 100, 30000, 25600 }, { 11, 100, 30000, 30000 },
	{ 1000, 100, 30000, 30000 },
	/* a zero base still waits: a crash loop never becomes a fork loop */
	{ 2, 0, 30000, 10 }, { 5, 0, 0, 10 },
	{ 3, 500, 300, 500 },
};

START_TEST(test_backoff)
{
	ck_assert_int_eq(backoff_delay_ms(backoffs[_i].failures,
	    backoffs[_i].base, backoffs[_i].max), backoffs[_i].expect);
}
END_TEST

static bool
collect(const char *line, size_t len, void *arg)
{
	char *out = arg;

	snprintf(out + strlen(out), 256 - strlen(out), "%.*s|", (int)len, line);
	return true;
}

/* Feeds text in chunks of step as the log pump does (keeping what is left
 * for the next round); returns the lines joined by '|'. */
static void
split(const char *text, size_t cap, size_t step, bool flush, char *out)
{
	char held[256];
	size_t len = 0, fed = 0, total = strlen(text), used;

	out[0] = '\0';
	while (fed < total) {
		size_t n = total - fed < step ? total - fed : step;

		memcpy(held + len, text + fed, n);
		len += n;
		fed += n;
		used = linebuf_split(held, len, cap, false, collect, out);
		memmove(held, held + used, len - used);
		len -= used;
	}
	if (flush) {
		used = linebuf_split(held, len, cap, true, collect, out);
		ck_assert_int_eq(used, len);
	}
}

/* Refuses after two lines, as a full output queue does. */
static bool
take_two(const char *line, size_t len, void *arg)
{
	int *n = arg;

	(void)line;
	(void)len;
	return (*n)++ < 2;
}

START_TEST(test_linebuf_refusal)
{
	int n = 0;

	ck_assert_int_eq(linebuf_split("a\nbb\nccc\n", 9, 100, false,
	    take_two, &n), 5);
}
END_TEST

static const struct {
	const char *in;
	size_t cap, step;
	bool flush;
	const char *out;
} splits[] = {
	{ "a\nb\n", 16, 100, false, "a|b|" },
	{ "a\nb\n", 16, 1, false, "a|b|" },
	{ "a\n\nb", 16, 3, false, "a||" },
	{ "a\n\nb", 16, 3, true, "a||b|" },
	{ "0123456789abcdef\n", 8, 5, false, "01234567|89abcdef|" },
	{ "01234567\nab\n", 8, 3, false, "01234567|ab|" },
	{ "0123456789\nxy\n", 4, 100, false, "0123|4567|89|xy|" },
	{ "", 8, 1, true, "" },
	{ "tail", 8, 2, true, "tail|" },
};

START_TEST(test_linebuf)
{
	char out[256];

	split(splits[_i].in, splits[_i].cap, splits[_i].step, splits[_i].flush,
	    out);
	ck_assert_str_eq(out, splits[_i].out);
}
END_TEST

START_TEST(test_rotation_names)
{
	char out[64];

	ck_assert_str_eq(logfile_rotated_name(out, sizeof(out), "/l/web.log", 1,
	    true), "/l/web.log.1.gz");
	ck_assert_str_eq(logfile_rotated_name(out, sizeof(out), "/l/web.log", 12,
	    false), "/l/web.log.12");
	ck_assert_str_eq(logfile_aside_name(out, sizeof(out), "/l/web.log", 7),
	    "/l/web.log.r7");
}
END_TEST

START_TEST(test_gzip_roundtrip)
{
	char src[] = "/tmp/check_core.src.XXXXXX", dst[64], back[4096];
	const char *text = "line one\nline two\n";
	unsigned char gz[4096];
	z_stream z;
	FILE *f;
	size_t n;
	int fd = mkstemp(src);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	snprintf(dst, sizeof(dst), "%s.gz", src);
	ck_assert_int_eq(logfile_gzip(src, dst), 0);
	f = fopen(dst, "rb");
	n = fread(gz, 1, sizeof(gz), f);
	fclose(f);
	ck_assert_int_eq(gz[0], 0x1f);	/* gzip magic */
	ck_assert_int_eq(gz[1], 0x8b);
	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = gz;
	z.avail_in = (uInt)n;
	z.next_out = (unsigned char *)back;
	z.avail_out = sizeof(back);
	ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
	ck_assert_int_eq(z.total_out, strlen(text));
	ck_assert_mem_eq(back, text, strlen(text));
	inflateEnd(&z);
	unlink(src);
	unlink(dst);
	ck_assert_int_eq(logfile_gzip("/nonexistent/x", dst), -1);
}
END_TEST

static const struct {
	const char *text;
	int rc;
	int64_t ms;
} durations[] = {
	{ "5", 0, 5000 }, { "5s", 0, 5000 }, { "250ms", 0, 250 },
	{ "1.5s", 0, 1500 }, { "2m", 0, 120000 }, { "1h", 0, 3600000 },
	{ "0", 0, 0 }, { "0.001", 0, 1 }, { "", -1, 0 }, { "s", -1, 0 },
	{ "5 s", -1, 0 }, { "-1s", -1, 0 }, { "2d", -1, 0 },
	{ "25h", -1, 0 }, { "99999999999999", -1, 0 },
};

START_TEST(test_durations)
{
	char err[128];
	int64_t ms = 0;

	ck_assert_int_eq(clock_parse_duration(durations[_i].text, &ms, err,
	    sizeof(err)), durations[_i].rc);
	if (durations[_i].rc == 0) {
		ck_assert_int_eq(ms, durations[_i].ms);
	}
}
END_TEST

START_TEST(test_format_duration)
{
	char out[32];

	ck_assert_str_eq(clock_format_duration(850, out, sizeof(out)), "850ms");
	ck_assert_str_eq(clock_format_duration(12000, out, sizeof(out)), "12s");
	ck_assert_str_eq(clock_format_duration(184000, out, sizeof(out)),
	    "3m04s");
	ck_assert_str_eq(clock_format_duration(7500000, out, sizeof(out)),
	    "2h05m");
	ck_assert_str_eq(clock_format_duration(273600000, out, sizeof(out)),
	    "3d04h");
}
END_TEST

START_TEST(test_control_split)
{
	char line[] = "  signal  web\tUSR1 ";
	char many[] = "a b c d e";
	char empty[] = "   ";
	char *w[4];

	ck_assert_int_eq(control_split(line, w, 4), 3);
	ck_assert_str_eq(w[0], "signal");
	ck_assert_str_eq(w[1], "web");
	ck_assert_str_eq(w[2], "USR1");
	ck_assert_int_eq(control_split(many, w, 4), -1);
	ck_assert_int_eq(control_split(empty, w, 4), 0);
}
END_TEST

START_TEST(test_passwd_group)
{
	struct userdb_user u;
	char name[64];
	gid_t gid;
	const char *members;

	ck_assert(userdb_parse_passwd("www:x:33:34:web server:/var/www:"
	    "/usr/sbin/nologin\n", &u));
	ck_assert_str_eq(u.name, "www");
	ck_assert_int_eq(u.uid, 33);
	ck_assert_int_eq(u.gid, 34);
	ck_assert_str_eq(u.home, "/var/www");
	ck_assert_str_eq(u.shell, "/usr/sbin/nologin");
	ck_assert(userdb_parse_passwd("a:x:1:1:::", &u));
	ck_assert_str_eq(u.home, "");
	ck_assert(!userdb_parse_passwd("a:x:1:1:gecos:/home", &u));
	ck_assert(!userdb_parse_passwd("a:x:one:1:g:/h:/s", &u));
	ck_assert(!userdb_parse_passwd(":x:1:1:g:/h:/s", &u));
	ck_assert(!userdb_parse_passwd("a:x:99999999999:1:g:/h:/s", &u));
	ck_assert(userdb_parse_group_line("adm:x:4:syslog,www\n", name,
	    sizeof(name), &gid, &members));
	ck_assert_str_eq(name, "adm");
	ck_assert_int_eq(gid, 4);
	ck_assert(userdb_member(members, "www"));
	ck_assert(userdb_member(members, "syslog"));
	ck_assert(!userdb_member(members, "ww"));
	ck_assert(!userdb_member("", "www"));
	ck_assert(!userdb_parse_group_line("adm:x:4", name, sizeof(name), &gid,
	    &members));
}
END_TEST

START_TEST(test_userdb_numeric)
{
	struct userdb_user u;
	char err[128];
	gid_t g;

	/* a number needs no entry, not even a passwd file */
	ck_assert_int_eq(userdb_user("/nonexistent/passwd", "/nonexistent/group",
	    "10050", &u, err, sizeof(err)), 0);
	ck_assert_int_eq(userdb_user("/nonexistent/passwd", "/nonexistent/group",
	    "root", &u, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "cannot read /nonexistent/passwd: No such file or "
	    "directory");
	ck_assert_int_eq(userdb_user("/dev/null", "/dev/null", "10050", &u, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(u.uid, 10050);
	ck_assert_int_eq(u.gid, 10050);
	ck_assert_int_eq(userdb_user("/dev/null", "/dev/null", "ghost", &u, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown user 'ghost' (not in /dev/null)");
	ck_assert_int_eq(userdb_group("/dev/null", "77", &g, err, sizeof(err)),
	    0);
	ck_assert_int_eq(g, 77);
}
END_TEST

START_TEST(test_signames)
{
	ck_assert_int_eq(signame_to_num("TERM"), SIGTERM);
	ck_assert_int_eq(signame_to_num("SIGquit"), SIGQUIT);
	ck_assert_int_eq(signame_to_num("9"), SIGKILL);
	ck_assert_int_eq(signame_to_num("0"), -1);
	ck_assert_int_eq(signame_to_num("999"), -1);
	ck_assert_int_eq(signame_to_num("SIGNOPE"), -1);
	ck_assert_str_eq(signame_of(SIGHUP), "HUP");
	ck_assert_ptr_null(signame_of(0));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("pure");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_backoff, 0,
	    sizeof(backoffs) / sizeof(backoffs[0]));
	tcase_add_loop_test(tc, test_linebuf, 0,
	    sizeof(splits) / sizeof(splits[0]));
	tcase_add_test(tc, test_linebuf_refusal);
	tcase_add_test(tc, test_rotation_names);
	tcase_add_test(tc, test_gzip_roundtrip);
	tcase_add_loop_test(tc, test_durations, 0,
	    sizeof(durations) / sizeof(durations[0]));
	tcase_add_test(tc, test_format_duration);
	tcase_add_test(tc, test_control_split);
	tcase_add_test(tc, test_passwd_group);
	tcase_add_test(tc, test_userdb_numeric);
	tcase_add_test(tc, test_signames);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
