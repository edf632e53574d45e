/* SPDX-License-Identifier: ISC */
/*
 * magic's environment and keys: env.d lines, variable names, secrets from
 * NAME_FILE and FILE__NAME with every refusal, and root's key block (merge,
 * duplicates, replacement, refusals that never echo a key).
 */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fdutil.h"
#include "magic/magic.h"

#define KEY_A "AAAAC3NzaC1lZDI1NTE5AAAAIPEjcOueQ0MAZaOP+KpqXKlAcnrSTb2mRo2tCIxMc3Ok"
#define KEY_B "AAAAC3NzaC1lZDI1NTE5AAAAIOx6RVgtnrVMwWRjJ3StE5po9doAwQKVZyvZjGGgN7Il"

static char dir[64];
static struct buf errors;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check-magic.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	buf_reset(&errors);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	buf_free(&errors);
}

static void
write_file(const char *name, const char *text, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*strrchr(path, '/') = '\0';
	(void)fd_mkdirs(path, 0755);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fd_write_all(fd, text, len), 0);
	close(fd);
}

static char *
read_back(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fd_read_file(path, 1 << 20, NULL);
}

/* ---- env.d lines and names ---- */

START_TEST(env_lines)
{
	const char *name = NULL, *value = NULL;
	size_t nl = 0, vl = 0;
	char err[128];

	ck_assert_int_eq(magic_parse_env_line("A=b c", 5, &name, &nl, &value,
	    &vl, err, sizeof(err)), 0);
	ck_assert_uint_eq(nl, 1);
	ck_assert_int_eq(strncmp(value, "b c", vl), 0);
	ck_assert_uint_eq(vl, 3);
	/* Quotes stay, as in docker's env files; \r and leading blanks go. */
	ck_assert_int_eq(magic_parse_env_line("  X_1=\"q\"\r", 10, &name, &nl,
	    &value, &vl, err, sizeof(err)), 0);
	ck_assert_int_eq(strncmp(name, "X_1", nl), 0);
	ck_assert_int_eq(strncmp(value, "\"q\"", vl), 0);
	ck_assert_int_eq(magic_parse_env_line("E=", 2, &name, &nl, &value, &vl,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(vl, 0);
	ck_assert_int_eq(magic_parse_env_line("# c=1", 5, &name, &nl, &value,
	    &vl, err, sizeof(err)), 0);
	ck_assert_uint_eq(nl, 0);
	ck_assert_int_eq(magic_parse_env_line("", 0, &name, &nl, &value, &vl,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(nl, 0);
	ck_assert_int_eq(magic_parse_env_line("novalue", 7, &name, &nl, &value,
	    &vl, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "expected NAME=value");
	ck_assert_int_eq(magic_parse_env_line("1A=x", 4, &name, &nl, &value,
	    &vl, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "\"1A\" is not a variable name");
	ck_assert_int_eq(magic_parse_env_line("A B=x", 5, &name, &nl, &value,
	    &vl, err, sizeof(err)), -1);
}
END_TEST

START_TEST(names_and_newlines)
{
	ck_assert(magic_is_env_name("_a9", 3));
	ck_assert(!magic_is_env_name("", 0));
	ck_assert(!magic_is_env_name("9a", 2));
	ck_assert(!magic_is_env_name("a-b", 3));
	ck_assert_uint_eq(magic_strip_newlines("pw\n\n", 4), 2);
	ck_assert_uint_eq(magic_strip_newlines("pw\r\n", 4), 2);
	ck_assert_uint_eq(magic_strip_newlines("p\nw", 3), 3);
	ck_assert_uint_eq(magic_strip_newlines("\n", 1), 0);
}
END_TEST

/* ---- secrets ---- */

static int
resolve(void)
{
	struct magic m = { .dir = dir };
	int rc = magic_environment(&m, &errors);

	magic_free(&m);
	return rc;
}

static void
clear_vars(void)
{
	unsetenv("DB_PW");
	unsetenv("DB_PW_FILE");
	unsetenv("FILE__DB_PW");
	unsetenv("FILE__OTHER");
	unsetenv("OTHER");
	unsetenv("SSL_CERT_FILE");
	unsetenv("FROM_ENVD");
}

START_TEST(secret_file_forms)
{
	char path[256];

	clear_vars();
	write_file("secrets.d/db", "# the database\nDB_PW\n", 21);
	write_file("pw", "s3cret\r\n\n", 9);
	snprintf(path, sizeof(path), "%s/pw", dir);
	setenv("DB_PW_FILE", path, 1);
	setenv("FILE__OTHER", path, 1);
	setenv("SSL_CERT_FILE", path, 1);	/* not declared: a path */
	ck_assert_int_eq(resolve(), 0);
	ck_assert_str_eq(getenv("DB_PW"), "s3cret");
	ck_assert_str_eq(getenv("OTHER"), "s3cret");
	ck_assert_ptr_null(getenv("DB_PW_FILE"));
	ck_assert_ptr_null(getenv("FILE__OTHER"));
	ck_assert_str_eq(getenv("SSL_CERT_FILE"), path);
	clear_vars();
}
END_TEST

START_TEST(secret_refusals)
{
	char path[256], big[70000];

	clear_vars();
	write_file("secrets.d/db", "DB_PW\n", 6);
	write_file("pw", "x\n", 2);
	snprintf(path, sizeof(path), "%s/pw", dir);
	setenv("DB_PW", "inline", 1);
	setenv("DB_PW_FILE", path, 1);
	ck_assert_int_eq(resolve(), -1);
	ck_assert_ptr_nonnull(strstr(buf_str(&errors), "DB_PW: more than one "
	    "of DB_PW, DB_PW_FILE and FILE__DB_PW is set"));

	clear_vars();
	buf_reset(&errors);
	setenv("FILE__DB_PW", "/nonexistent/pw", 1);
	ck_assert_int_eq(resolve(), -1);
	ck_assert_str_eq(buf_str(&errors), "FILE__DB_PW: unable to read "
	    "/nonexistent/pw: No such file or directory\n");

	clear_vars();
	buf_reset(&errors);
	write_file("nul", "a\0b", 3);
	snprintf(path, sizeof(path), "%s/nul", dir);
	setenv("DB_PW_FILE", path, 1);
	ck_assert_int_eq(resolve(), -1);
	ck_assert_ptr_nonnull(strstr(buf_str(&errors), "holds a NUL byte"));

	clear_vars();
	buf_reset(&errors);
	memset(big, 'x', sizeof(big));
	write_file("big", big, sizeof(big));
	snprintf(path, sizeof(path), "%s/big", dir);
	setenv("DB_PW_FILE", path, 1);
	ck_assert_int_eq(resolve(), -1);
	ck_assert_ptr_nonnull(strstr(buf_str(&errors), "larger than 64 KiB"));
	clear_vars();
}
END_TEST

/* env.d gives defaults; the container's own variables win, and only they
 * count for the two-forms check. */
START_TEST(env_d_defaults)
{
	char path[256];

	clear_vars();
	write_file("secrets.d/db", "DB_PW\n", 6);
	write_file("env.d/10-app", "FROM_ENVD=one two\nDB_PW=default\n"
	    "OTHER=from env.d\n", 49);
	write_file("pw", "filed\n", 6);
	snprintf(path, sizeof(path), "%s/pw", dir);
	setenv("OTHER", "from the container", 1);
	setenv("DB_PW_FILE", path, 1);
	ck_assert_int_eq(resolve(), 0);
	ck_assert_str_eq(getenv("FROM_ENVD"), "one two");
	ck_assert_str_eq(getenv("OTHER"), "from the container");
	ck_assert_str_eq(getenv("DB_PW"), "filed");

	clear_vars();
	buf_reset(&errors);
	write_file("env.d/20-bad", "# fine\nno equals sign\n", 22);
	ck_assert_int_eq(resolve(), -1);
	snprintf(path, sizeof(path), "%s/env.d/20-bad:2: expected NAME=value\n",
	    dir);
	ck_assert_str_eq(buf_str(&errors), path);
	clear_vars();
}
END_TEST

/* ---- root's keys ---- */

static int
merge(const char *keys, int *n)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/root/.ssh/authorized_keys", dir);
	return magic_merge_keys(keys, path, getuid(), getgid(), n, &errors);
}

START_TEST(keys_block)
{
	struct stat st;
	char path[256], *text;
	int n = -1;

	ck_assert_int_eq(merge("ssh-ed25519 " KEY_A " a\n\nssh-ed25519 "
	    KEY_A " again\n# note\n", &n), 0);
	ck_assert_int_eq(n, 1);
	text = read_back("root/.ssh/authorized_keys");
	ck_assert_ptr_nonnull(strstr(text, "ssh-ed25519 " KEY_A " a\n"));
	ck_assert_ptr_null(strstr(text, "again"));
	free(text);
	snprintf(path, sizeof(path), "%s/root/.ssh", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	snprintf(path, sizeof(path), "%s/root/.ssh/authorized_keys", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);

	/* The administrator's line stays; the block is replaced. */
	text = read_back("root/.ssh/authorized_keys");
	write_file("root/.ssh/authorized_keys", "ssh-ed25519 " KEY_B " admin\n",
	    strlen("ssh-ed25519 " KEY_B " admin\n"));
	free(text);
	ck_assert_int_eq(merge("ssh-ed25519 " KEY_A " a\nssh-ed25519 " KEY_B
	    " dup\n", &n), 0);
	ck_assert_int_eq(n, 1);
	text = read_back("root/.ssh/authorized_keys");
	ck_assert_ptr_nonnull(strstr(text, KEY_B " admin\n"));
	ck_assert_ptr_null(strstr(text, "dup"));
	ck_assert_ptr_nonnull(strstr(text, KEY_A " a\n"));
	free(text);

	/* An empty variable removes the block, not the admin's key. */
	ck_assert_int_eq(merge("", &n), 0);
	ck_assert_int_eq(n, 0);
	text = read_back("root/.ssh/authorized_keys");
	ck_assert_str_eq(text, "ssh-ed25519 " KEY_B " admin\n");
	free(text);
}
END_TEST

START_TEST(keys_refused)
{
	int n = -1;
	char *text;

	ck_assert_int_eq(merge("ssh-ed25519 " KEY_A "\nssh-ed25519 "
	    "AAAAC3NzaC1lZDI1NTE5AAAAIPEjcOueQ0MAZaOP+Kpq\n", &n), -1);
	text = strdup(buf_str(&errors));
	ck_assert_ptr_nonnull(strstr(text, "VCORE_AUTHORIZED_KEYS: line 2: "));
	ck_assert_ptr_null(strstr(text, "AAAAC3"));
	free(text);
	/* Nothing was written. */
	ck_assert_ptr_null(read_back("root/.ssh/authorized_keys"));
	buf_reset(&errors);
	ck_assert_int_eq(merge("ssh-dss AAAAB3NzaC1kc3M=\n", &n), -1);
	ck_assert_ptr_nonnull(strstr(buf_str(&errors), "line 1: "));
}
END_TEST

START_TEST(fingerprint_changes)
{
	uint64_t before;

	write_file("a.conf", "x", 1);
	before = magic_fingerprint(dir);
	ck_assert_uint_eq(before, magic_fingerprint(dir));
	write_file("b.conf", "y", 1);
	ck_assert_uint_ne(before, magic_fingerprint(dir));
}
END_TEST

static Suite *
magic_suite(void)
{
	Suite *s = suite_create("magic");
	TCase *tc = tcase_create("env");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, env_lines);
	tcase_add_test(tc, names_and_newlines);
	tcase_add_test(tc, secret_file_forms);
	tcase_add_test(tc, secret_refusals);
	tcase_add_test(tc, env_d_defaults);
	suite_add_tcase(s, tc);
	tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, keys_block);
	tcase_add_test(tc, keys_refused);
	tcase_add_test(tc, fingerprint_changes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(magic_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
