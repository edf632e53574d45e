/* SPDX-License-Identifier: ISC */
/*
 * vcsshd's pure parts: listen addresses, the unauthenticated-connection
 * caps, keys file paths, who may log in, the environment a client may set
 * and the lines of the container's environment file, and the ssh {}
 * section's defaults and checks.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "ssh/sshd.h"

static const struct listen_case {
	const char *spec;
	int rc;
	const char *addr;
	int port;
} listen_cases[] = {
	{ "0.0.0.0", 0, "0.0.0.0", 22 },
	{ "127.0.0.1:2222", 0, "127.0.0.1", 2222 },
	{ "::", 0, "::", 22 },
	{ "::1", 0, "::1", 22 },
	{ "[::1]:2200", 0, "::1", 2200 },
	{ "[fe80::1]", 0, "fe80::1", 22 },
	{ "", -1, NULL, 0 },
	{ "1.2.3.4:", -1, NULL, 0 },
	{ "1.2.3.4:0", -1, NULL, 0 },
	{ "1.2.3.4:70000", -1, NULL, 0 },
	{ "1.2.3.4:22x", -1, NULL, 0 },
	{ "[::1", -1, NULL, 0 },
	{ "[::1]x", -1, NULL, 0 },
};

START_TEST(split_listen)
{
	const struct listen_case *c = &listen_cases[_i];
	char addr[64] = "";
	int port = 0;

	ck_assert_int_eq(sshd_split_listen(c->spec, 22, addr, sizeof(addr),
	    &port), c->rc);
	if (c->rc == 0) {
		ck_assert_str_eq(addr, c->addr);
		ck_assert_int_eq(port, c->port);
	}
}
END_TEST

static void
v4(const char *s, unsigned char out[16])
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	inet_pton(AF_INET, s, &sa.sin_addr);
	sshd_addr_key((struct sockaddr *)&sa, out);
}

START_TEST(startup_caps)
{
	struct sshd_config cfg = { .max_startups = 4,
	    .max_startups_per_source = 2, .max_sessions = 6 };
	struct sshd_child kids[6];
	unsigned char a[16], b[16];

	memset(kids, 0, sizeof(kids));
	v4("10.0.0.1", a);
	v4("10.0.0.2", b);
	ck_assert_int_eq(a[10], 0xff);
	ck_assert_int_eq(a[15], 1);
	ck_assert_ptr_null(sshd_startup_refusal(&cfg, kids, 0, a));
	memcpy(kids[0].addr, a, 16);
	memcpy(kids[1].addr, a, 16);
	ck_assert_str_eq(sshd_startup_refusal(&cfg, kids, 2, a),
	    "too many unauthenticated connections from this address "
	    "(max_startups_per_source)");
	ck_assert_ptr_null(sshd_startup_refusal(&cfg, kids, 2, b));
	/* An authenticated connection no longer counts. */
	kids[1].authenticated = true;
	ck_assert_ptr_null(sshd_startup_refusal(&cfg, kids, 2, a));
	memcpy(kids[2].addr, b, 16);
	memcpy(kids[3].addr, b, 16);
	v4("10.0.0.3", kids[4].addr);
	ck_assert_str_eq(sshd_startup_refusal(&cfg, kids, 5, a),
	    "too many unauthenticated connections (max_startups)");
	kids[2].authenticated = kids[3].authenticated = true;
	v4("10.0.0.4", kids[5].addr);
	ck_assert_str_eq(sshd_startup_refusal(&cfg, kids, 6, a),
	    "too many connections (max_sessions)");
}
END_TEST

START_TEST(expand_path)
{
	char out[64];

	ck_assert_int_eq(sshd_expand_path("%h/.ssh/authorized_keys", "/home/a",
	    "a", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/home/a/.ssh/authorized_keys");
	ck_assert_int_eq(sshd_expand_path("/etc/keys/%u%%%x", "/h", "bob", out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "/etc/keys/bob%%x");
	ck_assert_int_eq(sshd_expand_path("%h%h%h%h", "/0123456789abcdef",
	    "u", out, sizeof(out)), -1);
}
END_TEST

static char *
write_file(const char *dir, const char *name, const char *text)
{
	static char path[4][256];
	static int n;
	char *p = path[n++ % 4];
	FILE *f;

	snprintf(p, 256, "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

START_TEST(user_allowed)
{
	char dir[] = "/tmp/check_ssh.XXXXXX";
	char *users[] = { "bob", NULL }, *groups[] = { "staff", "nosuch",
	    NULL };
	struct sshd_config cfg = { 0 };
	struct userdb_user u = { 0 };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	cfg.group_file = write_file(dir, "group", "staff:x:50:carol\n");
	snprintf(u.name, sizeof(u.name), "root");
	ck_assert(sshd_user_allowed(&cfg, &u));
	snprintf(u.name, sizeof(u.name), "bob");
	ck_assert(!sshd_user_allowed(&cfg, &u));
	cfg.allow_users = users;
	ck_assert(sshd_user_allowed(&cfg, &u));
	snprintf(u.name, sizeof(u.name), "carol");
	u.gid = 100;
	u.groups[0] = 100;
	u.groups[1] = 50;
	u.ngroups = 2;
	ck_assert(!sshd_user_allowed(&cfg, &u));
	cfg.allow_groups = groups;
	ck_assert(sshd_user_allowed(&cfg, &u));
	/* The primary group counts too. */
	u.ngroups = 1;
	u.gid = 50;
	ck_assert(sshd_user_allowed(&cfg, &u));
	u.gid = 100;
	ck_assert(!sshd_user_allowed(&cfg, &u));
	unlink(cfg.group_file);
	rmdir(dir);
}
END_TEST

START_TEST(client_env)
{
	ck_assert(sshd_env_accepted("LANG", "en_US.UTF-8"));
	ck_assert(sshd_env_accepted("LC_ALL", "C"));
	ck_assert(sshd_env_accepted("LC_TIME", ""));
	ck_assert(!sshd_env_accepted("LC_", "C"));
	ck_assert(!sshd_env_accepted("LC_x", "C"));
	ck_assert(!sshd_env_accepted("LANGUAGE", "C"));
	ck_assert(!sshd_env_accepted("PATH", "/tmp"));
	ck_assert(!sshd_env_accepted("LD_PRELOAD", "/tmp/x.so"));
	ck_assert(!sshd_env_accepted("BASH_ENV", "/tmp/x"));
	ck_assert(!sshd_env_accepted("LANG", "C\n"));
	ck_assert(!sshd_env_accepted("LANG", "C\x1b[0m"));
}
END_TEST

START_TEST(env_file_lines)
{
	ck_assert(sshd_env_line("PATH=/usr/bin", 13));
	ck_assert(sshd_env_line("EMPTY=", 6));
	ck_assert(sshd_env_line("A_1=x=y", 7));
	ck_assert(!sshd_env_line("=x", 2));
	ck_assert(!sshd_env_line("NOEQUALS", 8));
	ck_assert(!sshd_env_line("1A=x", 4));
	ck_assert(!sshd_env_line("A-B=x", 5));
	ck_assert(!sshd_env_line("# comment=x", 11));
	ck_assert(!sshd_env_line("A=x\0y", 5));
}
END_TEST

static const char *
config_dir(const char *conf)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/check_ssh.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (conf != NULL) {
		write_file(dir, "vcore.conf", conf);
	}
	return dir;
}

static void
remove_dir(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/vcore.conf", dir);
	unlink(path);
	rmdir(dir);
}

START_TEST(config_defaults)
{
	const char *dir = config_dir(NULL);
	struct sshd_config cfg;

	ck_assert_int_eq(sshd_config_load(dir, &cfg), 0);
	ck_assert_int_eq(cfg.nlisten, 2);
	ck_assert_str_eq(cfg.listen[0], "0.0.0.0");
	ck_assert_str_eq(cfg.listen[1], "::");
	ck_assert_int_eq(cfg.port, 22);
	ck_assert_str_eq(cfg.keys_file, "%h/.ssh/authorized_keys");
	ck_assert_ptr_null(cfg.keys_command);
	ck_assert_ptr_null(cfg.sftp_server);
	ck_assert_ptr_null(cfg.allow_users[0]);
	ck_assert_str_eq(cfg.passwd_file, "/etc/passwd");
	ck_assert_str_eq(cfg.environment_file, "/run/vcore/environment");
	ck_assert_int_eq(cfg.grace_ms, 30000);
	ck_assert_int_eq(cfg.max_auth_tries, 6);
	ck_assert_int_eq(cfg.max_startups, 30);
	ck_assert_int_eq(cfg.max_startups_per_source, 10);
	ck_assert_int_eq(cfg.keepalive_ms, 60000);
	ck_assert_int_eq(cfg.keepalive_count, 3);
	ck_assert_int_eq(cfg.idle_ms, 0);
	ck_assert(cfg.tcp_forwarding);
	ck_assert(!cfg.create_home);
	ck_assert(strstr(cfg.hostkey_path, "/ssh/ssh_host_ed25519_key") !=
	    NULL);
	sshd_config_free(&cfg);
	remove_dir(dir);
}
END_TEST

START_TEST(config_values)
{
	const char *dir = config_dir("control_socket = \"/tmp/x/ctl.sock\"\n"
	    "ssh {\n"
	    "  listen = {\"127.0.0.1:2200\", \"[::1]\"}\n"
	    "  port = 2222\n"
	    "  allow_users = {\"alice\", \"bob\"}\n"
	    "  authorized_keys_command = \"/usr/bin/keys %u\"\n"
	    "  login_grace_time = \"1500ms\"\n"
	    "  idle_timeout = \"2m\"\n"
	    "  keepalive_interval = \"0\"\n"
	    "  tcp_forwarding = false\n"
	    "}\n");
	struct sshd_config cfg;

	ck_assert_int_eq(sshd_config_load(dir, &cfg), 0);
	ck_assert_int_eq(cfg.nlisten, 2);
	ck_assert_int_eq(cfg.port, 2222);
	ck_assert_str_eq(cfg.allow_users[1], "bob");
	ck_assert_str_eq(cfg.keys_command, "/usr/bin/keys %u");
	ck_assert_int_eq(cfg.grace_ms, 1500);
	ck_assert_int_eq(cfg.idle_ms, 120000);
	ck_assert_int_eq(cfg.keepalive_ms, 0);
	ck_assert(!cfg.tcp_forwarding);
	/* Beside the control socket, where vcinit writes it. */
	ck_assert_str_eq(cfg.environment_file, "/tmp/x/environment");
	sshd_config_free(&cfg);
	remove_dir(dir);
}
END_TEST

static const struct bad_config {
	const char *text;
	const char *err;	/* after "DIR/vcore.conf:LINE: " */
} bad_configs[] = {
	{ "ssh {\n  login_grace_time = \"soon\"\n}\n", "1: ssh: "
	    "login_grace_time: 'soon' is not a duration (like 5s, 250ms, 2m)" },
	{ "ssh {\n  login_grace_time = \"0\"\n}\n",
	    "1: ssh: login_grace_time: must be more than 0" },
	{ "ssh {\n  max_auth_tries = 0\n}\n",
	    "1: ssh: max_auth_tries: 0 is not within 1..100" },
	{ "ssh {\n  port = 70000\n}\n", "1: ssh: port: not within 1..65535" },
	{ "ssh {\n  listen = {\"1.2.3.4:99999\"}\n}\n",
	    "1: ssh: listen: want addr, addr:port or [v6addr]:port" },
	{ "ssh {\n  no_such_option = 1\n}\n",
	    "2: no such option 'no_such_option'" },
	{ "ssh {\n  max_startups = 100000\n}\n",
	    "1: ssh: max_startups: 100000 is not within 1..10000" },
};

static char logged[1024];

static void
capture(enum vlog_level level, const char *line, size_t len, void *arg)
{
	(void)level;
	(void)arg;
	snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged),
	    "%.*s", (int)len, line);
}

START_TEST(config_errors)
{
	const struct bad_config *b = &bad_configs[_i];
	const char *dir = config_dir(b->text);
	struct sshd_config cfg;
	char want[512];

	logged[0] = '\0';
	vlog_set_sink(capture, NULL);
	ck_assert_int_eq(sshd_config_load(dir, &cfg), -1);
	vlog_set_sink(NULL, NULL);
	snprintf(want, sizeof(want), "check_ssh: fatal: %s/vcore.conf:%s\n",
	    dir, b->err);
	ck_assert_str_eq(logged, want);
	sshd_config_free(&cfg);
	remove_dir(dir);
}
END_TEST

static Suite *
ssh_suite(void)
{
	Suite *s = suite_create("ssh");
	TCase *tc = tcase_create("pure");

	tcase_add_loop_test(tc, split_listen, 0,
	    (int)(sizeof(listen_cases) / sizeof(listen_cases[0])));
	tcase_add_test(tc, startup_caps);
	tcase_add_test(tc, expand_path);
	tcase_add_test(tc, user_allowed);
	tcase_add_test(tc, client_env);
	tcase_add_test(tc, env_file_lines);
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_test(tc, config_defaults);
	tcase_add_test(tc, config_values);
	tcase_add_loop_test(tc, config_errors, 0,
	    (int)(sizeof(bad_configs) / sizeof(bad_configs[0])));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ssh_suite());
	int failed;

	vlog_init("check_ssh");
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
