/* SPDX-License-Identifier: ISC */
/*
 * The config loader: values as written come out checked, and every error
 * reads exactly "file:line: what is wrong".
 */
#include <sys/stat.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"

static char dir[64];

static void
write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	char path[128];

	snprintf(dir, sizeof(dir), "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/services.d", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	write_file("passwd", "root:x:0:0:root:/root:/bin/sh\n"
	    "www:x:33:33:web:/var/www:/usr/sbin/nologin\n");
	write_file("group", "root:x:0:\nwww:x:33:\nlogs:x:4:www,other\n");
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct vc_config *
load(struct buf *errors)
{
	char pw[128], gr[128];
	struct config_params p = { .dir = dir, .passwd_path = pw,
		.group_path = gr, .self_exe = "/sbin/vcinit",
		.sshd_exe = "/sbin/vcsshd" };

	snprintf(pw, sizeof(pw), "%s/passwd", dir);
	snprintf(gr, sizeof(gr), "%s/group", dir);
	return config_load(&p, errors);
}

START_TEST(test_defaults_and_values)
{
	struct buf errors = { 0 };
	struct vc_config *c;
	struct svc_config *s;

	write_file("vcore.conf", "log_dir = \"/logs\"\nmonitor {\n}\n");
	write_file("services.d/web.conf",
	    "service web {\n"
	    "  command = {\"/usr/sbin/nginx\", \"-g\", \"daemon off;\"}\n"
	    "  user = \"www\"\n"
	    "  environment = {\"A=1\", \"B=two words\"}\n"
	    "  ready = \"tcp:8080\"\n"
	    "  stop_signal = QUIT\n"
	    "  stop_timeout = 2.5s\n"
	    "  umask = \"027\"\n"
	    "  limit_nofile = \"1024:4096\"\n"
	    "  depends = {\"db\"}\n"
	    "  log = both\n"
	    "}\n"
	    "service db {\n"
	    "  command = \"exec postgres\"\n"
	    "  shell = true\n"
	    "  type = oneshot\n"
	    "}\n");
	c = load(&errors);
	ck_assert_msg(c != NULL, "errors: %s", buf_str(&errors));
	ck_assert_str_eq(c->log_dir, "/logs");
	ck_assert_str_eq(c->control_socket, "/run/vcore/control.sock");
	ck_assert_int_eq(c->shutdown_timeout_ms, 9000);
	ck_assert_int_eq(c->nservices, 3);
	s = config_find(c, "web");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->argv[2], "daemon off;");
	ck_assert_ptr_null(s->argv[3]);
	ck_assert_int_eq(s->uid, 33);
	ck_assert_int_eq(s->gid, 33);
	ck_assert_int_eq(s->ngroups, 2);
	ck_assert_int_eq(s->groups[1], 4);
	ck_assert_str_eq(s->home, "/var/www");
	ck_assert_str_eq(s->environment[1], "B=two words");
	ck_assert_int_eq(s->ready.kind, READY_TCP);
	ck_assert_str_eq(s->ready.target, "127.0.0.1");
	ck_assert_int_eq(s->ready.port, 8080);
	ck_assert_int_eq(s->stop_signal, SIGQUIT);
	ck_assert_int_eq(s->stop_timeout_ms, 2500);
	ck_assert_int_eq(s->umask, 027);
	ck_assert_int_eq(s->nlimits, 1);
	ck_assert_int_eq(s->limits[0].value.rlim_cur, 1024);
	ck_assert_int_eq(s->limits[0].value.rlim_max, 4096);
	ck_assert_int_eq(s->restart, RESTART_ALWAYS);
	ck_assert_int_eq(s->log, LOG_TO_BOTH);
	s = config_find(c, "db");
	ck_assert_str_eq(s->argv[0], "/bin/sh");
	ck_assert_str_eq(s->argv[2], "exec postgres");
	ck_assert_int_eq(s->restart, RESTART_NEVER);	/* oneshot default */
	s = config_find(c, "agent");
	ck_assert_ptr_nonnull(s);
	ck_assert(s->builtin);
	ck_assert_str_eq(s->argv[0], "/sbin/vcinit");
	ck_assert_str_eq(s->argv[1], "agent");
	ck_assert_str_eq(s->argv[3], dir);
	ck_assert_int_eq(s->uid, 10050);
	ck_assert_int_eq(s->gid, 10050);
	config_free(c);
	buf_free(&errors);
}
END_TEST

START_TEST(test_env_expansion)
{
	struct buf errors = { 0 };
	struct vc_config *c;

	setenv("CHECK_PORT", "7000", 1);
	unsetenv("CHECK_UNSET");
	write_file("services.d/a.conf", "service a {\n"
	    "  command = {\"/bin/x\", \"${CHECK_PORT}\", "
	    "\"${CHECK_UNSET:-fallback}\"}\n}\n");
	c = load(&errors);
	ck_assert_msg(c != NULL, "errors: %s", buf_str(&errors));
	ck_assert_str_eq(config_find(c, "a")->argv[1], "7000");
	ck_assert_str_eq(config_find(c, "a")->argv[2], "fallback");
	config_free(c);
	buf_free(&errors);
}
END_TEST

/* Each bad file and the exact message it must give. */
static const struct {
	const char *file;
	const char *text;
	const char *error;
} bad_files[] = {
	{ "services.d/a.conf", "service a {\n  command = {\"/bin/x\"}\n"
	    "  restart = sometimes\n}\n",
	    "services.d/a.conf:3: restart = 'sometimes': expected one of "
	    "always, on-failure, never\n" },
	{ "services.d/a.conf", "service a {\n  command = {\"/bin/x\"}\n"
	    "  wat = 1\n}\n",
	    "services.d/a.conf:3: no such option 'wat'\n" },
	{ "services.d/a.conf", "service a {\n  command = {\"/bin/x\"}\n"
	    "  user = \"nobody\"\n}\n",
	    "services.d/a.conf:3: user: unknown user 'nobody' (not in %s/passwd)\n" },
	{ "services.d/a.conf", "service a {\n  command = {\"/bin/x\"}\n"
	    "  stop_timeout = 2d\n}\n",
	    "services.d/a.conf:3: stop_timeout: '2d' has an unknown unit (use "
	    "ms, s, m or h)\n" },
	{ "services.d/a.conf", "service a {\n  type = oneshot\n}\n",
	    "services.d/a.conf:2: service 'a' has no command\n" },
	{ "services.d/a.conf", "service a {\n  command = {\"/bin/x\"}\n"
	    "  type = oneshot\n  ready = \"file:/x\"\n}\n",
	    "services.d/a.conf:2: service 'a': a oneshot is ready when it "
	    "exits 0; it takes no ready check\n" },
	{ "services.d/a.conf", "service a {\n  command = {\"/bin/x\"}\n"
	    "  depends = {\"a\"}\n}\n",
	    "services.d/a.conf:2: service 'a' is in a dependency cycle\n" },
	{ "services.d/a.conf", "service a {\n  command = {\"/bin/x\"}\n"
	    "  ready = \"fd:2\"\n}\n",
	    "services.d/a.conf:3: ready: 'fd:2': N must be from 3 to 255\n" },
	{ "services.d/a.conf", "service a {\n  command = {\"/bin/x\"}\n"
	    "  directory = \"relative\"\n}\n",
	    "services.d/a.conf:2: service 'a': directory must be an absolute "
	    "path\n" },
	{ "services.d/a.conf", "service a {\n  command = {\"/bin/x\"}\n"
	    "  limit_core = \"10:5\"\n}\n",
	    "services.d/a.conf:3: limit_core: '10:5': the soft limit is above "
	    "the hard one\n" },
	{ "services.d/a.conf", "# a comment { with a brace\n"
	    "service a {\n  command = {\"/bin/}x\"}\n",
	    "services.d/a.conf:2: '{' is never closed by a '}'\n" },
	{ "vcore.conf", "log_max_size = \"lots\"\n",
	    "vcore.conf:1: log_max_size: 'lots' is not a size like 512K, 10M "
	    "or 1G\n" },
	{ "vcore.conf", "monitor {\n}\nmonitor {\n}\n",
	    "vcore.conf:4: monitor {} appears more than once\n" },
	{ "vcore.conf", "service agent {\n  command = {\"/bin/x\"}\n}\n"
	    "monitor {\n}\n",
	    "vcore.conf:5: service 'agent' is already defined at "
	    "%s/vcore.conf:2\n" },
};

START_TEST(test_bad)
{
	struct buf errors = { 0 };
	char expected[1024];
	const char *e = bad_files[_i].error, *mark;
	struct vc_config *c;

	write_file(bad_files[_i].file, bad_files[_i].text);
	c = load(&errors);
	ck_assert_ptr_null(c);
	/* Messages name files by their full path; the table writes them
	 * short, and "%s" where the folder appears again. */
	mark = strstr(e, "%s");
	if (mark != NULL) {
		snprintf(expected, sizeof(expected), "%s/%.*s%s%s", dir,
		    (int)(mark - e), e, dir, mark + 2);
	} else {
		snprintf(expected, sizeof(expected), "%s/%s", dir, e);
	}
	ck_assert_str_eq(buf_str(&errors), expected);
	buf_free(&errors);
}
END_TEST

START_TEST(test_duplicate_across_files)
{
	struct buf errors = { 0 };
	char expected[512];

	write_file("services.d/a.conf", "service x {\n  command = \"/bin/a\"\n}\n");
	write_file("services.d/b.conf", "\nservice x {\n  command = \"/bin/b\"\n}\n");
	ck_assert_ptr_null(load(&errors));
	snprintf(expected, sizeof(expected), "%s/services.d/b.conf:3: service "
	    "'x' is already defined at %s/services.d/a.conf:2\n", dir, dir);
	ck_assert_str_eq(buf_str(&errors), expected);
	buf_free(&errors);
}
END_TEST

START_TEST(test_command_line_main)
{
	struct buf errors = { 0 };
	char *argv[] = { "sh", "-c", "exit 3", NULL };
	struct vc_config *c;
	struct svc_config *s;

	write_file("services.d/a.conf", "service old {\n  command = \"/bin/a\"\n"
	    "  main = true\n}\n");
	c = load(&errors);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(config_add_command(c, "cmd", argv, &errors), 0);
	s = config_find(c, "old");
	ck_assert(!s->main && !s->enabled);
	ck_assert_str_eq(s->disabled_why, "replaced by the command line");
	s = config_find(c, "cmd");
	ck_assert(s->main && s->inherit_stdio);
	ck_assert_str_eq(s->argv[2], "exit 3");
	ck_assert_int_eq(config_add_command(c, "cmd", argv, &errors), -1);
	config_free(c);
	buf_free(&errors);
}
END_TEST

START_TEST(test_equal)
{
	struct buf errors = { 0 };
	struct vc_config *a, *b;

	write_file("services.d/a.conf", "service x {\n  command = \"/bin/a\"\n}\n"
	    "service y {\n  command = \"/bin/a\"\n}\n");
	a = load(&errors);
	write_file("services.d/a.conf", "service x {\n  command = \"/bin/a\"\n}\n"
	    "service y {\n  command = \"/bin/a\"\n  stop_timeout = 6s\n}\n");
	b = load(&errors);
	ck_assert(config_svc_equal(config_find(a, "x"), config_find(b, "x")));
	ck_assert(!config_svc_equal(config_find(a, "y"), config_find(b, "y")));
	config_free(a);
	config_free(b);
	buf_free(&errors);
}
END_TEST

/* ---- pure parsers ---- */

static const struct {
	const char *text;
	enum ready_kind kind;
	const char *target;
	int port;
	int fd;
} readies[] = {
	{ "tcp:80", READY_TCP, "127.0.0.1", 80, -1 },
	{ "tcp:10.0.0.1:5432", READY_TCP, "10.0.0.1", 5432, -1 },
	{ "tcp:[::1]:22", READY_TCP, "::1", 22, -1 },
	{ "unix:/run/x.sock", READY_UNIX, "/run/x.sock", 0, -1 },
	{ "file:/tmp/ok", READY_FILE, "/tmp/ok", 0, -1 },
	{ "exec:pg_isready -q", READY_EXEC, "pg_isready -q", 0, -1 },
	{ "notify", READY_NOTIFY, NULL, 0, -1 },
	{ "fd:3", READY_FD, NULL, 0, 3 },
};

START_TEST(test_ready_ok)
{
	struct ready_spec r;
	char err[200];

	ck_assert_int_eq(config_parse_ready(readies[_i].text, &r, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(r.kind, readies[_i].kind);
	if (readies[_i].target != NULL) {
		ck_assert_str_eq(r.target, readies[_i].target);
	}
	ck_assert_int_eq(r.port, readies[_i].port);
	ck_assert_int_eq(r.fd, readies[_i].fd);
	free(r.target);
}
END_TEST

static const char *const bad_readies[] = {
	"tcp:", "tcp:0", "tcp:70000", "tcp:host.example:80", "unix:rel",
	"file:", "fd:1", "fd:x", "http://x", "notify:x",
};

START_TEST(test_ready_bad)
{
	struct ready_spec r;
	char err[200];

	ck_assert_int_eq(config_parse_ready(bad_readies[_i], &r, err,
	    sizeof(err)), -1);
	ck_assert(strlen(err) > 0);
}
END_TEST

START_TEST(test_wait_for)
{
	char err[200];

	ck_assert_int_eq(config_check_wait_for("tcp:ldap:389", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(config_check_wait_for("file:/x", err, sizeof(err)), 0);
	ck_assert_int_eq(config_check_wait_for("unix:/x", err, sizeof(err)), 0);
	ck_assert_int_eq(config_check_wait_for("tcp:ldap", err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "'tcp:ldap' is not one of tcp:HOST:PORT, "
	    "file:PATH, unix:PATH");
	ck_assert_int_eq(config_check_wait_for("tcp::389", err, sizeof(err)),
	    -1);
	ck_assert_int_eq(config_check_wait_for("file:x", err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_sizes_limits)
{
	struct svc_limit l;
	char err[200];
	int64_t n;

	ck_assert_int_eq(config_parse_size("512K", &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 512 * 1024);
	ck_assert_int_eq(config_parse_size("10MB", &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 10 * 1024 * 1024);
	ck_assert_int_eq(config_parse_size("123", &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 123);
	ck_assert_int_eq(config_parse_size("-1", &n, err, sizeof(err)), -1);
	ck_assert_int_eq(config_parse_size("1T", &n, err, sizeof(err)), -1);
	ck_assert_int_eq(config_parse_limit("limit_nofile", "unlimited", &l,
	    err, sizeof(err)), 0);
	ck_assert(l.value.rlim_cur == RLIM_INFINITY);
	ck_assert_int_eq(config_parse_limit("limit_nofile", "100", &l, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(l.value.rlim_max, 100);
	ck_assert_int_eq(config_parse_limit("limit_nofile", "-5", &l, err,
	    sizeof(err)), -1);
}
END_TEST

static const struct {
	const char *text;
	int ok;
	int line;
} braces[] = {
	{ "a {\n b = {\"x\"}\n}\n", 0, 0 },
	{ "a {\n", -1, 1 },
	{ "a {\n b = \"}\"\n", -1, 1 },
	{ "a {\n # }\n b { }\n", -1, 1 },
	{ "a {\n /* } */\n", -1, 1 },
	{ "a {\n b = '}'\n}", 0, 0 },
	{ "x = \"a\\\"}\"\nb {\n", -1, 2 },
	{ "// {\nq = 1\n", 0, 0 },
};

START_TEST(test_braces)
{
	int line = 0;

	ck_assert_int_eq(config_check_braces(braces[_i].text, &line),
	    braces[_i].ok);
	ck_assert_int_eq(line, braces[_i].line);
}
END_TEST

START_TEST(test_order)
{
	char *names[] = { "web", "db", "cache", "init" };
	char *web_deps[] = { "db", "cache", NULL };
	char *db_deps[] = { "init", NULL };
	char *none[] = { NULL };
	char **deps[] = { web_deps, db_deps, none, none };
	char *cyc1[] = { "cache", NULL }, *cyc2[] = { "web", NULL };
	char **cyclic[] = { cyc1, none, cyc2, none };
	char *ghost[] = { "ghost", NULL };
	char **unknown[] = { none, ghost, none, none };
	int order[4], bad = -1, pos[4];

	ck_assert_int_eq(config_order(4, names, deps, order, &bad), 0);
	for (int i = 0; i < 4; i++) {
		pos[order[i]] = i;
	}
	ck_assert_int_lt(pos[3], pos[1]);	/* init before db */
	ck_assert_int_lt(pos[1], pos[0]);	/* db before web */
	ck_assert_int_lt(pos[2], pos[0]);	/* cache before web */
	ck_assert_int_eq(config_order(4, names, cyclic, order, &bad), -1);
	ck_assert(bad == 0 || bad == 2);
	ck_assert_int_eq(config_order(4, names, unknown, order, &bad), -1);
	ck_assert_int_eq(bad, 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *files = tcase_create("files");
	TCase *pure = tcase_create("parsers");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(files, setup, teardown);
	tcase_add_test(files, test_defaults_and_values);
	tcase_add_test(files, test_env_expansion);
	tcase_add_loop_test(files, test_bad, 0, sizeof(bad_files) / sizeof(bad_files[0]));
	tcase_add_test(files, test_duplicate_across_files);
	tcase_add_test(files, test_command_line_main);
	tcase_add_test(files, test_equal);
	tcase_add_loop_test(pure, test_ready_ok, 0,
	    sizeof(readies) / sizeof(readies[0]));
	tcase_add_loop_test(pure, test_ready_bad, 0,
	    sizeof(bad_readies) / sizeof(bad_readies[0]));
	tcase_add_test(pure, test_wait_for);
	tcase_add_test(pure, test_sizes_limits);
	tcase_add_loop_test(pure, test_braces, 0,
	    sizeof(braces) / sizeof(braces[0]));
	tcase_add_test(pure, test_order);
	suite_add_tcase(s, files);
	suite_add_tcase(s, pure);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
