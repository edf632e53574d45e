/* SPDX-License-Identifier: ISC */
/*
 * Persisted paths (DESIGN: Boot order, step 1): each path listed in
 * DIR/persist, and DIR/ssh/ always, lives on the volume $VCORE_PERSIST_DIR
 * at the same path (/etc/foo.conf is /vcore/etc/foo.conf). On the first
 * boot of a volume the image's copy moves there; on every boot the path
 * becomes a symbolic link to it, so an administrator's edits survive a
 * re-created container. A listed path that ends in "/" is a folder, made
 * empty on the volume when neither the image nor the volume has it.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fdutil.h"
#include "common/log.h"
#include "magic/magic.h"

#define PERSIST_LIST_MAX_BYTES (256 * 1024)

static int copy_tree(const char *from, const char *to);

/* Returns 0, or -1 with a reason for a path that cannot be persisted. */
static int
check_persist_path(const struct magic *m, const char *path, char *err,
    size_t errlen)
{
	size_t plen = strlen(m->persist_dir);

	if (path[0] != '/') {
		snprintf(err, errlen, "%s is not an absolute path", path);
		return -1;
	}
	if (strcmp(path, "/") == 0 || strstr(path, "/../") != NULL ||
	    strstr(path, "/./") != NULL ||
	    (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0)) {
		snprintf(err, errlen, "%s: \"/\", \".\" and \"..\" cannot be "
		    "persisted", path);
		return -1;
	}
	if (strncmp(path, m->persist_dir, plen) == 0 &&
	    (path[plen] == '/' || path[plen] == '\0')) {
		snprintf(err, errlen, "%s is on the persist volume itself",
		    path);
		return -1;
	}
	return 0;
}

static int
remember(struct magic *m, const char *path)
{
	char **grown = realloc(m->persisted, sizeof(char *) *
	    (size_t)(m->npersisted + 1));

	if (grown == NULL) {
		return -1;
	}
	m->persisted = grown;
	m->persisted[m->npersisted] = strdup(path);
	return m->persisted[m->npersisted++] == NULL ? -1 : 0;
}

bool
magic_is_persisted(const struct magic *m, const char *path)
{
	for (int i = 0; i < m->npersisted; i++) {
		size_t len = strlen(m->persisted[i]);

		if (strncmp(path, m->persisted[i], len) == 0 &&
		    (path[len] == '\0' || path[len] == '/')) {
			return true;
		}
	}
	return false;
}

/* Removes path, a folder with all it holds too. */
static int
remove_tree(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (lstat(path, &st) == -1) {
		return errno == ENOENT ? 0 : -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		return unlink(path);
	}
	d = opendir(path);
	if (d == NULL) {
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *child = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
			continue;
		}
		if (asprintf(&child, "%s/%s", path, de->d_name) == -1) {
			rc = -1;
			break;
		}
		rc = remove_tree(child);
		free(child);
	}
	closedir(d);
	return rc == 0 ? rmdir(path) : -1;
}

static int
copy_file(const char *from, const char *to, const struct stat *st)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = in >= 0 ? open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    st->st_mode & 07777) : -1;
	char chunk[4096];	/* small: PID 1 keeps its stack pages */
	ssize_t n = 0;
	int rc = -1;

	while (out >= 0 && (n = read(in, chunk, sizeof(chunk))) > 0) {
		if (fd_write_all(out, chunk, (size_t)n) == -1) {
			break;
		}
	}
	if (out >= 0 && n == 0 && fchown(out, st->st_uid, st->st_gid) == 0 &&
	    fchmod(out, st->st_mode & 07777) == 0) {
		rc = 0;
	}
	fd_close(&in);
	if (out >= 0 && close(out) == -1) {
		rc = -1;
	}
	return rc;
}

static int
copy_dir(const char *from, const char *to, const struct stat *st)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (mkdir(to, 0700) == -1 || (d = opendir(from)) == NULL) {
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *a = NULL, *b = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
			continue;
		}
		if (asprintf(&a, "%s/%s", from, de->d_name) == -1 ||
		    asprintf(&b, "%s/%s", to, de->d_name) == -1) {
			rc = -1;
		} else {
			rc = copy_tree(a, b);
		}
		free(a);
		free(b);
	}
	closedir(d);
	if (rc == 0 && (lchown(to, st->st_uid, st->st_gid) == -1 ||
	    chmod(to, st->st_mode & 07777) == -1)) {
		rc = -1;
	}
	return rc;
}

/* Copies a file, a symbolic link or a folder with owners and modes; the
 * volume is usually another file system, where rename cannot go. */
static int
copy_tree(const char *from, const char *to)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (lstat(from, &st) == -1) {
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		return copy_file(from, to, &st);
	}
	if (S_ISDIR(st.st_mode)) {
		return copy_dir(from, to, &st);
	}
	if (S_ISLNK(st.st_mode)) {
		n = readlink(from, target, sizeof(target) - 1);
		if (n < 0) {
			return -1;
		}
		target[n] = '\0';
		return symlink(target, to) == 0 &&
		    lchown(to, st.st_uid, st.st_gid) == 0 ? 0 : -1;
	}
	errno = EINVAL;	/* a socket, a fifo or a device: not config */
	return -1;
}

/* Moves the image's copy to the volume (first boot). */
static int
move_to_volume(const char *path, const char *on_volume)
{
	char *tmp = NULL;
	int rc;

	if (rename(path, on_volume) == 0) {
		return 0;
	}
	if (errno != EXDEV || asprintf(&tmp, "%s.vcore-new", on_volume) == -1) {
		return -1;
	}
	/* Copied under a temporary name, so a crash half-way leaves no
	 * half copy where the next boot would take it for the real one. */
	(void)remove_tree(tmp);
	rc = copy_tree(path, tmp);
	if (rc == 0) {
		rc = rename(tmp, on_volume);
	}
	if (rc == 0) {
		rc = remove_tree(path);
	} else {
		(void)remove_tree(tmp);
	}
	free(tmp);
	return rc;
}

static bool
links_to(const char *path, const char *target)
{
	size_t len = strlen(target);
	char *buf = malloc(len + 2);
	ssize_t n = buf != NULL ? readlink(path, buf, len + 1) : -1;
	bool same = n >= 0 && (size_t)n == len && memcmp(buf, target, len) == 0;

	free(buf);
	return same;
}

static int
make_parent(const char *path)
{
	char *parent = strdup(path);
	char *slash = parent != NULL ? strrchr(parent, '/') : NULL;
	int rc = -1;

	if (slash != NULL) {
		*slash = '\0';
		rc = parent[0] == '\0' ? 0 : fd_mkdirs(parent, 0755);
	}
	free(parent);
	return rc;
}

/* Puts the volume's copy of path in place; what it is doing goes to
 * *doing for the error message. */
static int
link_path(const char *path, const char *on_volume, bool is_dir,
    const char **doing)
{
	struct stat st;
	bool on_vol, in_image;

	on_vol = lstat(on_volume, &st) == 0;
	in_image = lstat(path, &st) == 0;
	if (in_image && links_to(path, on_volume)) {
		return 0;
	}
	*doing = "make its folder on the volume";
	if (make_parent(on_volume) == -1) {
		return -1;
	}
	if (!on_vol && in_image) {
		*doing = "move it to the volume";
		vlog_info("persist: %s moves to %s", path, on_volume);
		if (move_to_volume(path, on_volume) == -1) {
			return -1;
		}
		in_image = false;
	} else if (!on_vol) {
		if (!is_dir) {
			vlog_warn("persist: %s is neither in the image nor on "
			    "the volume: nothing to keep yet", path);
			return 0;
		}
		*doing = "make it on the volume";
		if (mkdir(on_volume, 0700) == -1) {
			return -1;
		}
	}
	*doing = "replace the image's copy with a link";
	if ((in_image && remove_tree(path) == -1) || make_parent(path) == -1) {
		return -1;
	}
	*doing = "link it to the volume";
	return symlink(on_volume, path);
}

static int
persist_one(struct magic *m, const char *where, int lineno, char *path,
    struct buf *errors)
{
	size_t len = strlen(path);
	bool is_dir = len > 1 && path[len - 1] == '/';
	const char *doing = "";
	char *on_volume = NULL, err[256], where_at[300];
	int rc;

	snprintf(where_at, sizeof(where_at), lineno > 0 ? "%s:%d" : "%s",
	    where, lineno);

	while (len > 1 && path[len - 1] == '/') {
		path[--len] = '\0';
	}
	if (check_persist_path(m, path, err, sizeof(err)) == -1) {
		buf_addf(errors, "%s: %s\n", where_at, err);
		return -1;
	}
	if (magic_is_persisted(m, path)) {
		return 0;
	}
	/* (Paths on the heap: PID 1 keeps every stack page it touched.) */
	if (asprintf(&on_volume, "%s%s", m->persist_dir, path) == -1) {
		return -1;
	}
	rc = link_path(path, on_volume, is_dir, &doing);
	free(on_volume);
	if (rc == -1) {
		buf_addf(errors, "%s: %s: unable to %s: %s\n", where_at, path,
		    doing, strerror(errno));
		return -1;
	}
	return remember(m, path);
}

/* The persist list: one absolute path per line, "#" comments. */
static int
persist_listed(struct magic *m, const char *list, struct buf *errors)
{
	size_t len = 0;
	char *text = fd_read_file(list, PERSIST_LIST_MAX_BYTES, &len);
	int lineno = 0, rc = 0;

	if (text == NULL) {
		if (errno == ENOENT) {
			return 0;
		}
		buf_addf(errors, "%s: unable to read: %s\n", list,
		    strerror(errno));
		return -1;
	}
	for (char *line = text, *next; line != NULL && rc == 0; line = next) {
		next = strchr(line, '\n');
		if (next != NULL) {
			*next++ = '\0';
		}
		lineno++;
		line += strspn(line, " \t");
		line[strcspn(line, "\r")] = '\0';
		while (*line != '\0' && strchr(" \t", line[strlen(line) - 1])) {
			line[strlen(line) - 1] = '\0';
		}
		if (*line != '\0' && *line != '#') {
			rc = persist_one(m, list, lineno, line, errors);
		}
	}
	free(text);
	return rc;
}

int
magic_persist(struct magic *m, struct buf *errors)
{
	const char *env = getenv("VCORE_PERSIST_DIR");
	char *list = NULL, *ssh = NULL;
	int rc = -1;

	m->persist_dir = strdup(env != NULL && env[0] != '\0' ? env
	    : MAGIC_DEFAULT_PERSIST_DIR);
	if (m->persist_dir == NULL) {
		return -1;
	}
	if (m->persist_dir[0] != '/' || strcmp(m->persist_dir, "/") == 0) {
		buf_addf(errors, "VCORE_PERSIST_DIR: \"%s\" is not an absolute "
		    "folder\n", m->persist_dir);
		return -1;
	}
	m->persist_dir[strlen(m->persist_dir) - (m->persist_dir[strlen(
	    m->persist_dir) - 1] == '/')] = '\0';
	if (fd_mkdirs(m->persist_dir, 0755) == -1) {
		buf_addf(errors, "VCORE_PERSIST_DIR: unable to make %s: %s\n",
		    m->persist_dir, strerror(errno));
		return -1;
	}
	if (asprintf(&list, "%s/persist", m->dir) == -1 ||
	    asprintf(&ssh, "%s/ssh/", m->dir) == -1) {
		goto out;
	}
	/* The host key lives on the volume (DESIGN: SSH keys). */
	rc = ssh[0] != '/' ? 0 : persist_one(m, "the host key's folder", 0,
	    ssh, errors);
	if (rc == 0) {
		rc = persist_listed(m, list, errors);
	}
out:
	free(list);
	free(ssh);
	return rc;
}
