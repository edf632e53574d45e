/* SPDX-License-Identifier: ISC */
/*
 * What magic does in PID 1 itself: the file work of step 4 (templates and
 * root's keys), the lists of hooks to run, and the report `vcctl status`
 * shows. Hooks themselves run in hooks.c.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/userdb.h"
#include "magic/magic.h"

static bool
skip_persisted(const char *target, void *arg)
{
	return magic_is_persisted(arg, target);
}

/* Root's keys go where vcsshd reads them: ~root/.ssh/authorized_keys with
 * root's home from the passwd file vcsshd uses. */
static int
root_keys(struct magic *m, const char *passwd_path, const char *group_path,
    struct buf *errors)
{
	const char *keys = getenv("VCORE_AUTHORIZED_KEYS");
	struct userdb_user root;
	char *path = NULL;
	int rc;

	userdb_root(passwd_path, group_path, &root);
	if (asprintf(&path, "%s%s.ssh/authorized_keys", root.home,
	    root.home[strlen(root.home) - 1] == '/' ? "" : "/") == -1) {
		return -1;
	}
	rc = magic_merge_keys(keys != NULL ? keys : "", path, root.uid,
	    root.gid, &m->nkeys, errors);
	if (rc == 0 && m->nkeys > 0) {
		vlog_info("magic: %d key%s for root in %s", m->nkeys,
		    m->nkeys == 1 ? "" : "s", path);
	}
	free(path);
	return rc;
}

int
magic_files(struct magic *m, const char *render_root, const char *passwd_path,
    const char *group_path, struct buf *errors)
{
	char *tmpl_dir = NULL;
	int rc;

	if (asprintf(&tmpl_dir, "%s/templates", m->dir) == -1) {
		return -1;
	}
	rc = tmpl_render_dir(tmpl_dir, render_root, skip_persisted, m,
	    &m->templates, errors);
	free(tmpl_dir);
	if (rc == 0) {
		rc = root_keys(m, passwd_path, group_path, errors);
	}
	return rc;
}

static int
add_hook(struct hookrun *hr, const char *label, const char *path, bool once,
    bool via_shell)
{
	struct hook_result *grown = realloc(hr->hooks, sizeof(*grown) *
	    (size_t)(hr->nhooks + 1));
	struct hook_result *h;

	if (grown == NULL) {
		return -1;
	}
	hr->hooks = grown;
	h = &hr->hooks[hr->nhooks];
	memset(h, 0, sizeof(*h));
	h->name = strdup(label);
	h->path = strdup(path);
	h->once = once;
	h->via_shell = via_shell;
	if (h->name == NULL || h->path == NULL) {
		free(h->name);
		free(h->path);
		return -1;
	}
	hr->nhooks++;
	return 0;
}

static bool
marker_exists(const struct magic *m, const char *name)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", m->once_dir, name);
	return lstat(path, &st) == 0;
}

int
magic_each_file(const struct magic *m, const char *sub,
    int (*fn)(const char *path, const char *name, void *arg), void *arg)
{
	struct dirent **names = NULL;
	char *dir = NULL, *path = NULL;
	int n, rc = 0;

	if (asprintf(&dir, "%s/%s", m->dir, sub) == -1) {
		return -1;
	}
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0 && errno != ENOENT) {
		rc = -1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		struct stat st;

		if (rc == 0 && name[0] != '.' && name[strlen(name) - 1] != '~' &&
		    asprintf(&path, "%s/%s", dir, name) != -1) {
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				rc = fn(path, name, arg);
			}
			free(path);
		}
		free(names[i]);
	}
	free(names);
	free(dir);
	return rc;
}

struct hook_list {
	struct magic *m;
	struct hookrun *hr;
	const char *prefix;
	bool once;
};

/* Like run-parts, a file that is not executable is skipped (and named). */
static int
list_hook(const char *path, const char *name, void *arg)
{
	struct hook_list *l = arg;
	char label[300];

	if (l->once && marker_exists(l->m, name)) {
		return 0;
	}
	if (access(path, X_OK) != 0) {
		vlog_warn("%s: not executable: skipped", path);
		return 0;
	}
	snprintf(label, sizeof(label), "%s/%s", l->prefix, name);
	return add_hook(l->hr, label, path, l->once, false);
}

/* The executable files of DIR/sub in name order, as prefix/NAME hooks. */
static int
list_folder(struct magic *m, struct hookrun *hr, const char *sub,
    const char *prefix, bool once)
{
	struct hook_list l = { m, hr, prefix, once };

	return magic_each_file(m, sub, list_hook, &l);
}

int
magic_list_boot_hooks(struct magic *m, const char *prepare_path)
{
	struct stat st;

	if (m->once_dir == NULL && asprintf(&m->once_dir, "%s/.once",
	    m->persist_dir) == -1) {
		return -1;
	}
	m->boot.once_dir = m->once_dir;
	/* The old images' hook; it may not be executable: sh runs it then. */
	if (prepare_path != NULL && prepare_path[0] != '\0' &&
	    stat(prepare_path, &st) == 0 && S_ISREG(st.st_mode) &&
	    add_hook(&m->boot, "magic/prepare_magic.sh", prepare_path, false,
	    access(prepare_path, X_OK) != 0) == -1) {
		return -1;
	}
	if (list_folder(m, &m->boot, "magic.d", "magic", false) == -1) {
		return -1;
	}
	return list_folder(m, &m->boot, "magic.d/once", "magic/once", true);
}

int
magic_list_finish_hooks(struct magic *m)
{
	return list_folder(m, &m->finish, "finish.d", "finish", false);
}

static uint64_t
mix(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h = (h ^ p[i]) * 1099511628211ULL;	/* FNV-1a */
	}
	return h;
}

static uint64_t
mix_stat(uint64_t h, const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		return mix(h, "-", 1);
	}
	h = mix(h, &st.st_ino, sizeof(st.st_ino));
	h = mix(h, &st.st_size, sizeof(st.st_size));
	h = mix(h, &st.st_mtim, sizeof(st.st_mtim));
	return mix(h, &st.st_ctim, sizeof(st.st_ctim));
}

uint64_t
magic_fingerprint(const char *path)
{
	uint64_t h = mix_stat(14695981039346656037ULL, path);
	struct dirent *de;
	struct stat st;
	DIR *d = stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? opendir(path)
	    : NULL;
	char child[4200];

	while (d != NULL && (de = readdir(d)) != NULL) {
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		h = mix(h, de->d_name, strlen(de->d_name));
		h = mix_stat(h, child);
	}
	if (d != NULL) {
		closedir(d);
	}
	return h;
}

void
magic_free(struct magic *m)
{
	hookrun_free(&m->boot);
	hookrun_free(&m->finish);
	tmpl_report_free(&m->templates);
	for (int i = 0; i < m->npersisted; i++) {
		free(m->persisted[i]);
	}
	free(m->persisted);
	for (int i = 0; i < m->nsecrets; i++) {
		free(m->secrets[i]);
	}
	free(m->secrets);
	free(m->persist_dir);
	free(m->once_dir);
	memset(m, 0, sizeof(*m));
}
