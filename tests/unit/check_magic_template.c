/* SPDX-License-Identifier: ISC */
/*
 * Templates: every placeholder form and every malformed one with its exact
 * message and line, binary text, a 4 MB value, the warnings, and that no
 * message quotes a value. Then the folder walker in a scratch folder:
 * targets, mode and owner, unchanged files, skips, and failures that leave
 * no file behind.
 */
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fdutil.h"
#include "common/log.h"
#include "magic/template.h"

#define SECRET_VALUE "hunter2-s3cr3t"
#define BIG_LEN (4u * 1024 * 1024)
#define UNTERM "malformed placeholder: unterminated \"${\" (no \"}\" on " \
	"the same line)"
#define EMPTY_NAME "malformed placeholder: empty variable name"
#define BAD_NAME "malformed placeholder: invalid variable name (names are " \
	"[A-Za-z_][A-Za-z0-9_]*)"
#define BAD_OP(n) "malformed placeholder for " n ": unknown operator; use " \
	"${" n "}, ${" n ":-default} or ${" n ":?message}"

/* ---- tmpl_render ---- */

static struct {
	const char *name;
	const char *value;
} vars[] = {
	{ "A", "alpha" },
	{ "B_2", "two" },
	{ "_u", "under" },
	{ "EMPTY", "" },
	{ "SECRET", SECRET_VALUE },
	{ "BIG", NULL },	/* made by the test that uses it */
};

static struct buf out;
static char err[512];
static int err_line;
static int nwarn;
static int warn_lines[8];
static char warn_names[8][32];

static const char *
lookup(const char *name, size_t len, void *arg)
{
	(void)arg;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (strncmp(vars[i].name, name, len) == 0 &&
		    vars[i].name[len] == '\0') {
			return vars[i].value;
		}
	}
	return NULL;
}

static void
warn(int line, const char *name, size_t len, void *arg)
{
	(void)arg;
	if (nwarn < 8) {
		warn_lines[nwarn] = line;
		snprintf(warn_names[nwarn], sizeof(warn_names[0]), "%.*s",
		    (int)len, name);
	}
	nwarn++;
}

static const struct tmpl_ctx ctx = { lookup, warn, NULL };

static int
render_n(const char *src, size_t len)
{
	buf_free(&out);	/* buf_reset would leave buf_str's old text */
	err[0] = '\0';
	err_line = -1;
	nwarn = 0;
	return tmpl_render(src, len, &ctx, &out, &err_line, err, sizeof(err));
}

static int
render(const char *src)
{
	return render_n(src, strlen(src));
}

static const struct {
	const char *src;
	const char *want;
} good[] = {
	{ "", "" },
	{ "plain text\n", "plain text\n" },
	{ "${A}", "alpha" },
	{ "x${A}y${B_2}z${_u}", "xalphaytwozunder" },
	{ "${A}${A}\n", "alphaalpha\n" },
	{ "${UNSET}", "" },
	{ "${EMPTY}", "" },
	{ "${A:-dflt}", "alpha" },
	{ "${UNSET:-dflt}", "dflt" },
	{ "${EMPTY:-dflt}", "dflt" },
	{ "${UNSET:-}", "" },
	{ "${UNSET:-a b:-c?{$}", "a b:-c?{$" },
	/* no nesting: the default ends at the first "}" */
	{ "${UNSET:-${A}}", "${A}" },
	{ "${A:?must be set}", "alpha" },
	{ "${A:?}", "alpha" },
	{ "$$", "$" },
	{ "$$$$", "$$" },
	{ "$${A}", "${A}" },
	{ "$$A", "$A" },
	{ "$HOME $1 $@ $(id) $ {A} ${A}", "$HOME $1 $@ $(id) $ {A} alpha" },
	{ "$", "$" },
	{ "cost: 5$", "cost: 5$" },
	{ "a$\nb", "a$\nb" },
	{ "{A} $A} }", "{A} $A} }" },
	{ "for f in *; do echo \"$f\" $$; done",
	    "for f in *; do echo \"$f\" $; done" },
};

START_TEST(good_forms)
{
	ck_assert_int_eq(render(good[_i].src), 0);
	ck_assert_str_eq(buf_str(&out), good[_i].want);
	ck_assert_uint_eq(out.len, strlen(good[_i].want));
	ck_assert_int_eq(err_line, 0);
}
END_TEST

static const struct {
	const char *src;
	int line;
	const char *err;
} bad[] = {
	{ "${", 1, UNTERM },
	{ "${A", 1, UNTERM },
	{ "x ${A:-dflt", 1, UNTERM },
	{ "${A\n}", 1, UNTERM },
	{ "one\ntwo ${A:-x\n}\n", 2, UNTERM },
	{ "$${A}${", 1, UNTERM },
	{ "${}", 1, EMPTY_NAME },
	{ "${:-x}", 1, EMPTY_NAME },
	{ "${:?x}", 1, EMPTY_NAME },
	{ "${1A}", 1, BAD_NAME },
	{ "${A B}", 1, BAD_NAME },
	{ "${A.B}", 1, BAD_NAME },
	{ "${ A}", 1, BAD_NAME },
	{ "${A }", 1, BAD_NAME },
	{ "${\xc3\xa9}", 1, BAD_NAME },
	{ "a\nb\n${1}\n", 3, BAD_NAME },
	{ "${A:x}", 1, BAD_OP("A") },
	{ "${A-b}", 1, BAD_OP("A") },
	{ "${A:=b}", 1, BAD_OP("A") },
	{ "${A=b}", 1, BAD_OP("A") },
	{ "${A:+b}", 1, BAD_OP("A") },
	{ "${A+b}", 1, BAD_OP("A") },
	{ "${A?b}", 1, BAD_OP("A") },
	{ "${A:}", 1, BAD_OP("A") },
	{ "${A#b}", 1, BAD_OP("A") },
	{ "${A%b}", 1, BAD_OP("A") },
	{ "${B_2/b/c}", 1, BAD_OP("B_2") },
	{ "${UNSET:?boom}", 1, "UNSET: boom" },
	{ "${EMPTY:?boom}", 1, "EMPTY: boom" },
	{ "${UNSET:?}", 1, "UNSET: is not set" },
	{ "${UNSET:?a: b {c}", 1, "UNSET: a: b {c" },
	{ "a\r\nb\r\nc ${X:?no}", 3, "X: no" },
	{ "${A}\n$$\n\n${Z:?deep}\n${1}", 4, "Z: deep" },
};

START_TEST(bad_forms)
{
	ck_assert_int_eq(render(bad[_i].src), -1);
	ck_assert_str_eq(err, bad[_i].err);
	ck_assert_int_eq(err_line, bad[_i].line);
}
END_TEST

START_TEST(line_numbers)
{
	ck_assert_int_eq(render("first\nsecond ${A}\nthird ${A:x}\n"), -1);
	ck_assert_int_eq(err_line, 3);
	ck_assert_int_eq(render("\n\n${UNSET:?three}"), -1);
	ck_assert_int_eq(err_line, 3);
	ck_assert_str_eq(err, "UNSET: three");
}
END_TEST

/* Errors after, beside or about a secret never quote its value. */
static const char *const secret_sources[] = {
	"${SECRET:x}",
	"${SECRET} ${SECRET",
	"${SECRET}${1}",
	"${SECRET:-d} ${SECRET:y}",
	"${SECRET}\n${SECRET-}",
	"${SECRET}${SECRET:=" SECRET_VALUE "x",
	"${SECRET} ${UNSET:?not set}",
};

START_TEST(no_value_in_errors)
{
	ck_assert_int_eq(render(secret_sources[_i]), -1);
	ck_assert_ptr_null(strstr(err, SECRET_VALUE));
	ck_assert_ptr_null(strstr(err, "hunter"));
	ck_assert_ptr_null(strstr(err, "s3cr3t"));
}
END_TEST

START_TEST(binary)
{
	static const char src[] = "a\0b${A}\0\n${B_2}\0$\0${_u:-x}";
	static const char want[] = "a\0balpha\0\ntwo\0$\0under";

	ck_assert_int_eq(render_n(src, sizeof(src) - 1), 0);
	ck_assert_uint_eq(out.len, sizeof(want) - 1);
	ck_assert(memcmp(out.data, want, out.len) == 0);
	ck_assert_int_eq(render_n("${A\0}", 5), -1);
	ck_assert_str_eq(err, BAD_NAME);
	ck_assert_int_eq(render_n("\0\n\0${X:?nul}", 11), -1);
	ck_assert_int_eq(err_line, 2);
	/* only len bytes are read: the "}" is past the end */
	ck_assert_int_eq(render_n("${A}", 3), -1);
	ck_assert_str_eq(err, UNTERM);
}
END_TEST

START_TEST(big_value)
{
	char *big = malloc(BIG_LEN + 1);

	ck_assert_ptr_nonnull(big);
	memset(big, 'v', BIG_LEN);
	big[0] = '[';
	big[BIG_LEN - 1] = ']';
	big[BIG_LEN] = '\0';
	vars[5].value = big;
	ck_assert_int_eq(render("<${BIG}>\n${BIG:-x}${BIG:?m}"), 0);
	ck_assert_uint_eq(out.len, 3 * BIG_LEN + 3);
	ck_assert(memcmp(out.data, "<[v", 3) == 0);
	ck_assert(memcmp(out.data + BIG_LEN, "]>\n[", 4) == 0);
	ck_assert(memcmp(out.data + 2 * BIG_LEN + 3, big, BIG_LEN) == 0);
	vars[5].value = NULL;
	free(big);
}
END_TEST

START_TEST(warnings)
{
	struct tmpl_ctx quiet = { lookup, NULL, NULL };

	ck_assert_int_eq(render("a\n\n${NOPE} ${A} ${NOPE2:-d} ${EMPTY}\n"
	    "${NOPE3}${_u}\n"), 0);
	ck_assert_str_eq(buf_str(&out), "a\n\n alpha d \nunder\n");
	ck_assert_int_eq(nwarn, 2);
	ck_assert_int_eq(warn_lines[0], 3);
	ck_assert_str_eq(warn_names[0], "NOPE");
	ck_assert_int_eq(warn_lines[1], 4);
	ck_assert_str_eq(warn_names[1], "NOPE3");

	buf_free(&out);
	ck_assert_int_eq(tmpl_render("${NOPE}x", 8, &quiet, &out, &err_line,
	    err, sizeof(err)), 0);
	ck_assert_str_eq(buf_str(&out), "x");
}
END_TEST

/* ---- tmpl_render_dir, in a scratch folder ---- */

static char top[64];		/* removed by main, whatever happened */
static char dir[PATH_MAX];	/* this test's folder */
static char tdir[PATH_MAX];	/* dir/tmpl */
static char rdir[PATH_MAX];	/* dir/root */
static char skip_path[PATH_MAX];
static struct tmpl_report rep;
static struct buf errs;
static struct buf logged;

static bool
skip_cb(const char *target, void *arg)
{
	(void)arg;
	return strcmp(target, skip_path) == 0;
}

static void
log_sink(enum vlog_level level, const char *line, size_t len, void *arg)
{
	(void)level;
	(void)arg;
	buf_add(&logged, line, len);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "%s/t.XXXXXX", top);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(tdir, sizeof(tdir), "%s/tmpl", dir);
	snprintf(rdir, sizeof(rdir), "%s/root", dir);
	ck_assert_int_eq(mkdir(tdir, 0755), 0);
	ck_assert_int_eq(mkdir(rdir, 0755), 0);
	skip_path[0] = '\0';
	ck_assert_int_eq(setenv("HOST_NAME", "db1", 1), 0);
	ck_assert_int_eq(unsetenv("PORT"), 0);
	ck_assert_int_eq(unsetenv("X"), 0);
	vlog_set_sink(log_sink, NULL);
	buf_free(&logged);
}

static const char *
at(const char *rel)
{
	static char path[4][PATH_MAX];
	static int n;

	n = (n + 1) % 4;
	snprintf(path[n], sizeof(path[n]), "%s/%s", dir, rel);
	return path[n];
}

static void
put(const char *rel, const char *text, mode_t mode)
{
	FILE *f = fopen(at(rel), "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(at(rel), mode), 0);
}

static void
mkd(const char *rel)
{
	ck_assert_int_eq(fd_mkdirs(at(rel), 0755), 0);
}

/* The file's contents ("" for none), for ck_assert_str_eq. */
static const char *
slurp(const char *rel)
{
	static char text[4096];
	char *data = fd_read_file(at(rel), sizeof(text) - 1, NULL);

	snprintf(text, sizeof(text), "%s", data != NULL ? data : "<absent>");
	free(data);
	return text;
}

/* The names in a folder, sorted, one a line: catches temporary files. */
static const char *
list(const char *rel)
{
	static char names[4096];
	struct dirent **ents = NULL;
	int n = scandir(at(rel), &ents, NULL, alphasort);
	size_t used = 0;

	names[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") != 0 &&
		    strcmp(ents[i]->d_name, "..") != 0) {
			used += (size_t)snprintf(names + used,
			    sizeof(names) - used, "%s\n", ents[i]->d_name);
		}
		free(ents[i]);
	}
	free(ents);
	return n < 0 ? "<absent>" : names;
}

static int
run(void)
{
	tmpl_report_free(&rep);
	buf_free(&errs);
	return tmpl_render_dir(tdir, rdir, skip_cb, NULL, &rep, &errs);
}

static struct stat
stat_of(const char *rel)
{
	struct stat st;

	ck_assert_int_eq(lstat(at(rel), &st), 0);
	return st;
}

START_TEST(walk_nested)
{
	char want[4 * PATH_MAX];

	put("tmpl/a.conf.tmpl", "host=${HOST_NAME}\n", 0644);
	mkd("tmpl/etc/sub");
	put("tmpl/etc/b.conf.tmpl", "port=${PORT:-80}\n", 0644);
	put("tmpl/etc/sub/c.tmpl", "$$HOME ${HOST_NAME}\n", 0644);
	put("tmpl/etc/readme", "not ${a template", 0644);
	put("tmpl/etc/x.tmpl.bak", "${", 0644);
	put("tmpl/.tmpl", "${", 0644);
	put("tmpl/upper.TMPL", "${", 0644);
	mkd("root/etc/sub");
	ck_assert_int_eq(run(), 0);
	ck_assert_str_eq(buf_str(&errs), "");
	ck_assert_int_eq(rep.rendered, 3);
	ck_assert_int_eq(rep.unchanged, 0);
	ck_assert_int_eq(rep.skipped, 0);
	snprintf(want, sizeof(want), "%s/a.conf\n%s/etc/b.conf\n%s/etc/sub/c\n",
	    rdir, rdir, rdir);
	ck_assert_str_eq(buf_str(&rep.targets), want);
	ck_assert_str_eq(slurp("root/a.conf"), "host=db1\n");
	ck_assert_str_eq(slurp("root/etc/b.conf"), "port=80\n");
	ck_assert_str_eq(slurp("root/etc/sub/c"), "$HOME db1\n");
	ck_assert_str_eq(list("root"), "a.conf\netc\n");
	ck_assert_str_eq(list("root/etc"), "b.conf\nsub\n");
	ck_assert_str_eq(list("root/etc/sub"), "c\n");
}
END_TEST

START_TEST(walk_sorted)
{
	char want[4 * PATH_MAX];

	put("tmpl/b.tmpl", "b", 0644);
	put("tmpl/a.tmpl", "a", 0644);
	put("tmpl/B.tmpl", "B", 0644);
	mkd("tmpl/a.d");
	put("tmpl/a.d/x.tmpl", "x", 0644);
	mkd("root/a.d");
	ck_assert_int_eq(run(), 0);
	snprintf(want, sizeof(want), "%s/B\n%s/a.d/x\n%s/a\n%s/b\n", rdir,
	    rdir, rdir, rdir);
	ck_assert_str_eq(buf_str(&rep.targets), want);
}
END_TEST

/* root "/" (or with a trailing slash): no doubled slash in targets. */
START_TEST(walk_root_slash)
{
	char tree[PATH_MAX], want[PATH_MAX];
	struct buf e = { 0 };
	struct tmpl_report r = { 0 };

	snprintf(tree, sizeof(tree), "tmpl%s", rdir);
	mkd(tree);
	snprintf(tree, sizeof(tree), "tmpl%s/f.tmpl", rdir);
	put(tree, "${HOST_NAME}", 0644);
	snprintf(want, sizeof(want), "%s/f\n", rdir);
	ck_assert_int_eq(tmpl_render_dir(tdir, "/", NULL, NULL, &r, &e), 0);
	ck_assert_str_eq(buf_str(&e), "");
	ck_assert_str_eq(buf_str(&r.targets), want);
	ck_assert_str_eq(slurp("root/f"), "db1");
	tmpl_report_free(&r);

	ck_assert_int_eq(unlink(at("root/f")), 0);
	snprintf(tree, sizeof(tree), "%s/tmpl//", dir);
	ck_assert_int_eq(tmpl_render_dir(tree, "//", NULL, NULL, &r, &e), 0);
	ck_assert_str_eq(buf_str(&e), "");
	ck_assert_str_eq(buf_str(&r.targets), want);
	tmpl_report_free(&r);
	buf_free(&e);
}
END_TEST

START_TEST(walk_mode_owner)
{
	struct stat st;
	bool root = geteuid() == 0;

	put("tmpl/m.conf.tmpl", "${HOST_NAME}\n", 0640);
	put("tmpl/s.tmpl", "#!/bin/sh\n", 02755);
	if (root) {
		ck_assert_int_eq(chown(at("tmpl/m.conf.tmpl"), 1234, 1234), 0);
		ck_assert_int_eq(chown(at("tmpl/s.tmpl"), 1234, 1234), 0);
		ck_assert_int_eq(chmod(at("tmpl/s.tmpl"), 02755), 0);
	}
	ck_assert_int_eq(run(), 0);
	ck_assert_int_eq(rep.rendered, 2);
	st = stat_of("root/m.conf");
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	st = stat_of("root/s");
	/* chown after chmod would have cleared the set-group-ID bit */
	ck_assert_uint_eq(st.st_mode & 07777, 02755);
	if (root) {
		ck_assert_uint_eq(st.st_uid, 1234);
		ck_assert_uint_eq(st.st_gid, 1234);
		st = stat_of("root/m.conf");
		ck_assert_uint_eq(st.st_uid, 1234);
		ck_assert_uint_eq(st.st_gid, 1234);
	}
}
END_TEST

START_TEST(walk_unchanged)
{
	struct stat before, after;

	put("tmpl/u.conf.tmpl", "host=${HOST_NAME}\n", 0644);
	put("tmpl/empty.tmpl", "${PORT}", 0600);
	ck_assert_int_eq(run(), 0);
	ck_assert_int_eq(rep.rendered, 2);
	before = stat_of("root/u.conf");

	ck_assert_int_eq(run(), 0);
	ck_assert_int_eq(rep.rendered, 0);
	ck_assert_int_eq(rep.unchanged, 2);
	ck_assert_str_eq(buf_str(&rep.targets), "");
	after = stat_of("root/u.conf");
	ck_assert_uint_eq(after.st_ino, before.st_ino);

	/* new contents, then a changed mode: rewritten each time */
	ck_assert_int_eq(setenv("HOST_NAME", "db2", 1), 0);
	ck_assert_int_eq(run(), 0);
	ck_assert_int_eq(rep.rendered, 1);
	ck_assert_int_eq(rep.unchanged, 1);
	ck_assert_str_eq(slurp("root/u.conf"), "host=db2\n");
	after = stat_of("root/u.conf");
	ck_assert_uint_ne(after.st_ino, before.st_ino);
	ck_assert_int_eq(chmod(at("root/u.conf"), 0600), 0);
	ck_assert_int_eq(run(), 0);
	ck_assert_int_eq(rep.rendered, 1);
	ck_assert_uint_eq(stat_of("root/u.conf").st_mode & 07777, 0644);
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(at("root/u.conf"), 1, 1), 0);
		ck_assert_int_eq(run(), 0);
		ck_assert_int_eq(rep.rendered, 1);
		ck_assert_uint_eq(stat_of("root/u.conf").st_uid, 0);
	}
	ck_assert_str_eq(list("root"), "empty\nu.conf\n");
}
END_TEST

START_TEST(walk_missing_dir)
{
	char want[3 * PATH_MAX];

	mkd("tmpl/nodir");
	put("tmpl/nodir/x.conf.tmpl", "x\n", 0644);
	put("tmpl/z.tmpl", "z\n", 0644);
	ck_assert_int_eq(run(), -1);
	snprintf(want, sizeof(want), "%s/nodir/x.conf.tmpl: target directory "
	    "%s/nodir is missing\n", tdir, rdir);
	ck_assert_str_eq(buf_str(&errs), want);
	ck_assert_int_eq(rep.rendered, 0);
	/* the walk stopped there: z was not rendered either */
	ck_assert_str_eq(list("root"), "");
}
END_TEST

START_TEST(walk_skip)
{
	put("tmpl/a.tmpl", "a\n", 0644);
	put("tmpl/b.conf.tmpl", "b ${HOST_NAME}\n", 0644);
	put("root/b.conf", "kept\n", 0644);
	snprintf(skip_path, sizeof(skip_path), "%s/b.conf", rdir);
	ck_assert_int_eq(run(), 0);
	ck_assert_int_eq(rep.rendered, 1);
	ck_assert_int_eq(rep.skipped, 1);
	ck_assert_str_eq(slurp("root/b.conf"), "kept\n");
	ck_assert_str_eq(slurp("root/a"), "a\n");
	ck_assert_ptr_nonnull(strstr(buf_str(&logged), "info: "));
	ck_assert_ptr_nonnull(strstr(buf_str(&logged),
	    "/b.conf is persisted: not rendered\n"));
}
END_TEST

START_TEST(walk_symlink_target)
{
	char want[3 * PATH_MAX], link[PATH_MAX];
	ssize_t n;

	put("tmpl/link.conf.tmpl", "new\n", 0644);
	put("root/real", "real\n", 0644);
	ck_assert_int_eq(symlink("real", at("root/link.conf")), 0);
	ck_assert_int_eq(run(), -1);
	snprintf(want, sizeof(want), "%s/link.conf.tmpl: target "
	    "%s/link.conf is a symbolic link\n", tdir, rdir);
	ck_assert_str_eq(buf_str(&errs), want);
	n = readlink(at("root/link.conf"), link, sizeof(link) - 1);
	ck_assert_int_eq(n, 4);
	ck_assert(memcmp(link, "real", 4) == 0);
	ck_assert_str_eq(slurp("root/real"), "real\n");
	ck_assert_str_eq(list("root"), "link.conf\nreal\n");
}
END_TEST

START_TEST(walk_failed_render)
{
	char want[3 * PATH_MAX];

	put("tmpl/a.tmpl", "a\n", 0644);
	put("tmpl/b.tmpl", "line1\n${X:?boom}\n", 0644);
	put("tmpl/c.tmpl", "c\n", 0644);
	ck_assert_int_eq(run(), -1);
	snprintf(want, sizeof(want), "%s/b.tmpl:2: X: boom\n", tdir);
	ck_assert_str_eq(buf_str(&errs), want);
	ck_assert_int_eq(rep.rendered, 1);
	ck_assert_str_eq(list("root"), "a\n");

	put("tmpl/b.tmpl", "ok ${A B}\n", 0644);
	ck_assert_int_eq(run(), -1);
	snprintf(want, sizeof(want), "%s/b.tmpl:1: %s\n", tdir, BAD_NAME);
	ck_assert_str_eq(buf_str(&errs), want);
	ck_assert_str_eq(list("root"), "a\n");
}
END_TEST

/* A failed rename (the target is a folder) removes the temporary file. */
START_TEST(walk_failed_write)
{
	char want[3 * PATH_MAX];

	put("tmpl/d.conf.tmpl", "d\n", 0644);
	mkd("root/d.conf");
	ck_assert_int_eq(run(), -1);
	snprintf(want, sizeof(want), "%s/d.conf.tmpl: unable to write "
	    "%s/d.conf: Is a directory\n", tdir, rdir);
	ck_assert_str_eq(buf_str(&errs), want);
	ck_assert_str_eq(list("root"), "d.conf\n");
	ck_assert_str_eq(list("root/d.conf"), "");
}
END_TEST

START_TEST(walk_links_in_templates)
{
	char want[3 * PATH_MAX];

	mkd("elsewhere/sub");
	put("elsewhere/real.tmpl", "linked ${HOST_NAME}\n", 0600);
	put("elsewhere/sub/x.tmpl", "x\n", 0644);
	ck_assert_int_eq(symlink("../elsewhere/real.tmpl", at("tmpl/l.tmpl")),
	    0);
	ck_assert_int_eq(symlink("../elsewhere/sub", at("tmpl/ldir")), 0);
	ck_assert_int_eq(symlink("../elsewhere/sub", at("tmpl/ldir.tmpl")), 0);
	ck_assert_int_eq(run(), 0);
	ck_assert_str_eq(buf_str(&errs), "");
	ck_assert_int_eq(rep.rendered, 1);
	ck_assert_str_eq(slurp("root/l"), "linked db1\n");
	ck_assert_uint_eq(stat_of("root/l").st_mode & 07777, 0600);
	ck_assert_str_eq(list("root"), "l\n");

	ck_assert_int_eq(symlink("nowhere", at("tmpl/gone.tmpl")), 0);
	ck_assert_int_eq(run(), -1);
	snprintf(want, sizeof(want), "%s/gone.tmpl: unable to read: No such "
	    "file or directory\n", tdir);
	ck_assert_str_eq(buf_str(&errs), want);
}
END_TEST

START_TEST(walk_missing_tmpl_dir)
{
	ck_assert_int_eq(rmdir(tdir), 0);
	ck_assert_int_eq(run(), 0);
	ck_assert_str_eq(buf_str(&errs), "");
	ck_assert_int_eq(rep.rendered + rep.unchanged + rep.skipped, 0);
}
END_TEST

START_TEST(walk_warns)
{
	char want[PATH_MAX + 128];

	put("tmpl/w.tmpl", "a\n${NOPE}\n", 0644);
	ck_assert_int_eq(run(), 0);
	snprintf(want, sizeof(want), "warning: %s/w.tmpl:2: ${NOPE} is not "
	    "set; rendered empty\n", tdir);
	ck_assert_ptr_nonnull(strstr(buf_str(&logged), want));
	ck_assert_str_eq(slurp("root/w"), "a\n\n");
}
END_TEST

static Suite *
template_suite(void)
{
	Suite *s = suite_create("magic_template");
	TCase *tc = tcase_create("render");

	tcase_add_loop_test(tc, good_forms, 0,
	    (int)(sizeof(good) / sizeof(good[0])));
	tcase_add_loop_test(tc, bad_forms, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, line_numbers);
	tcase_add_loop_test(tc, no_value_in_errors, 0,
	    (int)(sizeof(secret_sources) / sizeof(secret_sources[0])));
	tcase_add_test(tc, binary);
	tcase_add_test(tc, big_value);
	tcase_add_test(tc, warnings);
	suite_add_tcase(s, tc);

	tc = tcase_create("walk");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, walk_nested);
	tcase_add_test(tc, walk_sorted);
	tcase_add_test(tc, walk_root_slash);
	tcase_add_test(tc, walk_mode_owner);
	tcase_add_test(tc, walk_unchanged);
	tcase_add_test(tc, walk_missing_dir);
	tcase_add_test(tc, walk_skip);
	tcase_add_test(tc, walk_symlink_target);
	tcase_add_test(tc, walk_failed_render);
	tcase_add_test(tc, walk_failed_write);
	tcase_add_test(tc, walk_links_in_templates);
	tcase_add_test(tc, walk_missing_tmpl_dir);
	tcase_add_test(tc, walk_warns);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(template_suite());
	char cmd[128];
	int failed;

	snprintf(top, sizeof(top), "/tmp/check_magic_template.XXXXXX");
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	if (system(cmd) != 0) {
		failed++;
	}
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
