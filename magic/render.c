/* SPDX-License-Identifier: ISC */
/*
 * Renders the templates folder onto the file system (DESIGN: Boot order,
 * step 4), with values from the environment. Each target is replaced
 * through a temporary file in its own folder and rename(2), so a reader
 * sees the old file or the new one, never a part, and a failure leaves no
 * file behind. The language itself is template.c's.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fdutil.h"
#include "common/log.h"
#include "magic/template.h"

#define TMPL_SUFFIX ".tmpl"
#define TMPL_SUFFIX_LEN (sizeof(TMPL_SUFFIX) - 1)
#define TMPL_MAX_BYTES (64 * 1024 * 1024)	/* one template file */

struct walk {
	bool (*skip)(const char *target, void *arg);
	void *skip_arg;
	struct tmpl_report *rep;
	struct buf *errors;
	char src[PATH_MAX];	/* the template, or the folder being read */
	char dst[PATH_MAX];	/* its target */
};

static int
walk_error(struct walk *w, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends "TEMPLATE:LINE: message\n" (no LINE when 0) to errors; -1. */
static int
walk_error(struct walk *w, int line, const char *fmt, ...)
{
	char msg[PATH_MAX + 512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0) {
		buf_addf(w->errors, "%s:%d: %s\n", w->src, line, msg);
	} else {
		buf_addf(w->errors, "%s: %s\n", w->src, msg);
	}
	return -1;
}

static const char *
env_lookup(const char *name, size_t len, void *arg)
{
	char small[128];
	char *copy = small;
	const char *value;

	(void)arg;
	if (len >= sizeof(small)) {
		/* XXX out of memory here reads as unset (and is warned). */
		copy = malloc(len + 1);
		if (copy == NULL) {
			return NULL;
		}
	}
	memcpy(copy, name, len);
	copy[len] = '\0';
	value = getenv(copy);
	if (copy != small) {
		free(copy);
	}
	return value;
}

static void
warn_undefined(int line, const char *name, size_t len, void *arg)
{
	const struct walk *w = arg;

	vlog_warn("%s:%d: ${%.*s} is not set; rendered empty", w->src, line,
	    (int)len, name);
}

/*
 * Same bytes, mode and owner. Not root, we could not have given the file
 * the template's owner, so the owner is not compared then.
 */
static bool
is_same(const char *path, const struct stat *cur, const struct buf *data,
    const struct stat *tst)
{
	char *old = NULL;
	size_t len = 0;
	bool same;

	if (!S_ISREG(cur->st_mode) || (size_t)cur->st_size != data->len ||
	    (cur->st_mode & 07777) != (tst->st_mode & 07777)) {
		return false;
	}
	if (geteuid() == 0 &&
	    (cur->st_uid != tst->st_uid || cur->st_gid != tst->st_gid)) {
		return false;
	}
	if (data->len == 0) {
		return true;
	}
	old = fd_read_file(path, data->len, &len);
	same = old != NULL && len == data->len &&
	    memcmp(old, data->data, len) == 0;
	free(old);
	return same;
}

/* The template's owner, then its mode: chown clears the set-user-ID and
 * set-group-ID bits, so chmod comes second. */
static int
set_owner_mode(int fd, const struct stat *tst)
{
	if (fchown(fd, tst->st_uid, tst->st_gid) == -1 &&
	    (errno != EPERM || geteuid() == 0)) {
		return -1;
	}
	return fchmod(fd, tst->st_mode & 07777);
}

/* Linux closes the fd even when close fails; the failure is a lost write. */
static int
close_checked(int *fd)
{
	int rc = close(*fd);

	*fd = -1;
	return rc;
}

static int
create_error(struct walk *w, int err)
{
	int dlen = (int)(strrchr(w->dst, '/') - w->dst);

	if (err == ENOENT || err == ENOTDIR) {
		return walk_error(w, 0, "target directory %.*s is missing",
		    dlen > 0 ? dlen : 1, w->dst);
	}
	return walk_error(w, 0, "unable to create a file beside %s: %s",
	    w->dst, strerror(err));
}

/*
 * Writes data to w->dst as ".NAME.vcore-XXXXXX" in the same folder, then
 * renames it over the target. No fsync: targets are rendered again on
 * every boot, so a crash costs nothing but the file's previous contents.
 */
static int
write_atomic(struct walk *w, const struct buf *data, const struct stat *tst)
{
	char tmp[PATH_MAX];
	const char *base = strrchr(w->dst, '/') + 1;
	int fd = -1, saved;

	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.vcore-XXXXXX",
	    (int)(base - w->dst), w->dst, base) >= (int)sizeof(tmp)) {
		return walk_error(w, 0, "target %s: %s", w->dst,
		    strerror(ENAMETOOLONG));
	}
	fd = mkostemp(tmp, O_CLOEXEC);	/* O_CREAT | O_EXCL, mode 0600 */
	if (fd == -1) {
		return create_error(w, errno);
	}
	if (fd_write_all(fd, data->data, data->len) == 0 &&
	    set_owner_mode(fd, tst) == 0 && close_checked(&fd) == 0 &&
	    rename(tmp, w->dst) == 0) {
		return 0;
	}
	saved = errno;
	fd_close(&fd);
	(void)unlink(tmp);	/* best effort: the name is ours */
	return walk_error(w, 0, "unable to write %s: %s", w->dst,
	    strerror(saved));
}

/* Puts data at w->dst, unless the target holds the same already. */
static int
install(struct walk *w, const struct buf *data, const struct stat *tst)
{
	struct stat cur;

	if (lstat(w->dst, &cur) == 0) {
		/* rename would replace the link, not the file it names */
		if (S_ISLNK(cur.st_mode)) {
			return walk_error(w, 0, "target %s is a symbolic link",
			    w->dst);
		}
		if (is_same(w->dst, &cur, data, tst)) {
			w->rep->unchanged++;
			return 0;
		}
	} else if (errno != ENOENT && errno != ENOTDIR) {
		return walk_error(w, 0, "unable to check %s: %s", w->dst,
		    strerror(errno));
	}
	if (write_atomic(w, data, tst) == -1) {
		return -1;
	}
	w->rep->rendered++;
	buf_addf(&w->rep->targets, "%s\n", w->dst);
	vlog_debug("rendered %s from %s", w->dst, w->src);
	return 0;
}

/* Renders the template w->src (its stat: tst) to w->dst. */
static int
render_file(struct walk *w, const struct stat *tst)
{
	struct tmpl_ctx ctx = { env_lookup, warn_undefined, w };
	struct buf out = { 0 };
	char err[512];
	char *text = NULL;
	size_t len = 0;
	int line = 0, rc;

	if (w->skip != NULL && w->skip(w->dst, w->skip_arg)) {
		vlog_info("%s: %s is persisted: not rendered", w->src, w->dst);
		w->rep->skipped++;
		return 0;
	}
	text = fd_read_file(w->src, TMPL_MAX_BYTES, &len);
	if (text == NULL) {
		return walk_error(w, 0, "unable to read: %s", strerror(errno));
	}
	if (tmpl_render(text, len, &ctx, &out, &line, err, sizeof(err)) == -1) {
		rc = walk_error(w, line, "%s", err);
	} else {
		rc = install(w, &out, tst);
	}
	free(text);
	buf_free(&out);
	return rc;
}

static int walk_dir(struct walk *w, size_t src_len, size_t dst_len);

/*
 * One entry of a folder: a folder is walked, a NAME.tmpl file rendered. A
 * link to a file is followed; a link to a folder is not entered (it could
 * loop, or lead out of the templates folder).
 */
static int
walk_entry(struct walk *w, size_t src_len, size_t dst_len, const char *name)
{
	size_t nlen = strlen(name);
	struct stat st;

	if (src_len + 1 + nlen >= sizeof(w->src) ||
	    dst_len + 1 + nlen >= sizeof(w->dst)) {
		w->src[src_len] = '\0';
		return walk_error(w, 0, "%s: %s", name, strerror(ENAMETOOLONG));
	}
	w->src[src_len] = '/';
	memcpy(w->src + src_len + 1, name, nlen + 1);
	w->dst[dst_len] = '/';
	memcpy(w->dst + dst_len + 1, name, nlen + 1);
	if (lstat(w->src, &st) == -1) {
		return walk_error(w, 0, "unable to read: %s", strerror(errno));
	}
	if (S_ISDIR(st.st_mode)) {
		return walk_dir(w, src_len + 1 + nlen, dst_len + 1 + nlen);
	}
	if (nlen <= TMPL_SUFFIX_LEN ||
	    strcmp(name + nlen - TMPL_SUFFIX_LEN, TMPL_SUFFIX) != 0) {
		return 0;
	}
	if (S_ISLNK(st.st_mode) && stat(w->src, &st) == -1) {
		return walk_error(w, 0, "unable to read: %s", strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		return 0;
	}
	w->dst[dst_len + 1 + nlen - TMPL_SUFFIX_LEN] = '\0';
	return render_file(w, &st);
}

static int
not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* strcmp order, whatever the locale. */
static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Walks the folder w->src[0..src_len), whose targets are under
 * w->dst[0..dst_len). Stops at the first error. */
static int
walk_dir(struct walk *w, size_t src_len, size_t dst_len)
{
	struct dirent **names = NULL;
	int n, rc = 0;

	w->src[src_len] = '\0';
	n = scandir(w->src, &names, not_dots, by_name);
	if (n == -1) {
		return walk_error(w, 0, "unable to read the folder: %s",
		    strerror(errno));
	}
	for (int i = 0; i < n && rc == 0; i++) {
		rc = walk_entry(w, src_len, dst_len, names[i]->d_name);
	}
	for (int i = 0; i < n; i++) {
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Copies path without its trailing slashes ("/" becomes "" when
 * allow_empty); returns the length, or -1 when it does not fit. */
static int
copy_trimmed(char *out, size_t outlen, const char *path, bool allow_empty)
{
	size_t len = strlen(path);

	while (len > (allow_empty ? 0 : 1) && path[len - 1] == '/') {
		len--;
	}
	if (len >= outlen) {
		return -1;
	}
	memcpy(out, path, len);
	out[len] = '\0';
	return (int)len;
}

int
tmpl_render_dir(const char *tmpl_dir, const char *root,
    bool (*skip)(const char *target, void *arg), void *skip_arg,
    struct tmpl_report *rep, struct buf *errors)
{
	/* On the heap: PID 1's stack keeps every page it ever touched. */
	struct walk *w = NULL;
	int src_len, dst_len, rc;
	struct stat st;

	if (stat(tmpl_dir, &st) == -1 && errno == ENOENT) {
		return 0;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		buf_addf(errors, "%s: out of memory\n", tmpl_dir);
		return -1;
	}
	*w = (struct walk){ skip, skip_arg, rep, errors, "", "" };
	src_len = copy_trimmed(w->src, sizeof(w->src), tmpl_dir, false);
	dst_len = copy_trimmed(w->dst, sizeof(w->dst), root, true);
	if (src_len == -1 || dst_len == -1) {
		buf_addf(errors, "%s: %s\n", tmpl_dir, strerror(ENAMETOOLONG));
		rc = -1;
	} else {
		rc = walk_dir(w, (size_t)src_len, (size_t)dst_len);
	}
	free(w);
	return rc;
}

void
tmpl_report_free(struct tmpl_report *rep)
{
	buf_free(&rep->targets);
	rep->rendered = rep->unchanged = rep->skipped = 0;
}
