/* SPDX-License-Identifier: ISC */
/*
 * Public-key authentication, the only kind: who may log in (root, and the
 * users or groups the config admits), where their keys are (the keys file,
 * read as the user after StrictModes checks, and authorized_keys_command,
 * run as uid 10051), whether a key's options let it in from here and now,
 * and the failure count. Every refusal is logged once with its reason and
 * the key's fingerprint; key material never is. Other methods and channel
 * types reach the message handler at the end, which refuses them.
 */
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "sshd.h"

#define KEYS_FILE_MAX (1024 * 1024)
#define KEYS_OUTPUT_MAX (256 * 1024)
#define KEYS_COMMAND_MS 10000
#define KEYS_COMMAND_ARGS 16
#define CMD_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" \
	"/sbin:/bin"

/* The key a client offers, decoded once per attempt. */
struct offered {
	unsigned char blob[AUTHKEYS_BLOB_MAX];
	size_t len;
	const char *type;
	char fp[SSHD_FP_MAX];
};

/* Why a key was not taken, for the refusal line. */
struct verdict {
	bool found;
	char why[PATH_MAX + 96];
};

/*
 * One attempt's scratch: the offered key, the verdict, paths. It is mapped
 * for the attempt and unmapped after it: on the stack or the heap its
 * 20 KB would stay in every session's memory for good.
 */
struct attempt {
	struct offered k;
	struct verdict v;
	char path[PATH_MAX];
	char why[PATH_MAX + 64];
	char dir[PATH_MAX];
	char home[PATH_MAX];
};

/* ---- users ---- */

static bool
valid_user_name(const char *name)
{
	size_t len = strlen(name), digits = 0;

	if (len == 0 || len > 32 || name[0] == '-') {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];

		if (ch >= '0' && ch <= '9') {
			digits++;
		} else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' &&
		    ch <= 'Z') || ch == '_' || ch == '-' || ch == '.')) {
			return false;
		}
	}
	/* A bare number would be taken as a uid without a passwd entry. */
	return digits < len;
}

static bool
in_list(char **list, const char *name)
{
	for (int i = 0; list != NULL && list[i] != NULL; i++) {
		if (strcmp(list[i], name) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * Users and groups the files lack come from the C library: LDAP's, through
 * nslcd. The static musl vcsshd cannot load NSS modules but asks nscd's
 * socket (unscd in the user image); a glibc build asks NSS. Only the
 * connection's own process asks: the listener and PID 1 never wait on a
 * directory server.
 */
static int
nss_user(const char *name, struct userdb_user *u)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	int n = USERDB_MAX_GROUPS;
	const char *shell;

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &found) != 0 ||
	    found == NULL) {
		return -1;
	}
	shell = pw.pw_shell != NULL && pw.pw_shell[0] != '\0' ? pw.pw_shell
	    : "/bin/sh";
	memset(u, 0, sizeof(*u));
	if (snprintf(u->name, sizeof(u->name), "%s", pw.pw_name) >=
	    (int)sizeof(u->name) || pw.pw_dir == NULL || pw.pw_dir[0] != '/' ||
	    snprintf(u->home, sizeof(u->home), "%s", pw.pw_dir) >=
	    (int)sizeof(u->home) || snprintf(u->shell, sizeof(u->shell), "%s",
	    shell) >= (int)sizeof(u->shell)) {
		return -1;
	}
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	/* The primary group comes first; past the cap the rest is dropped,
	 * as the files' reader does. */
	if (getgrouplist(u->name, u->gid, u->groups, &n) == -1 &&
	    n < USERDB_MAX_GROUPS) {
		n = 1;
		u->groups[0] = u->gid;
	}
	u->ngroups = n < USERDB_MAX_GROUPS ? n : USERDB_MAX_GROUPS;
	return 0;
}

static int
group_id(const struct sshd_config *cfg, const char *name, gid_t *gid)
{
	struct group gr, *found = NULL;
	char err[160], buf[8192];

	if (userdb_group(cfg->group_file, name, gid, err, sizeof(err)) == 0) {
		return 0;
	}
	if (getgrnam_r(name, &gr, buf, sizeof(buf), &found) != 0 ||
	    found == NULL) {
		return -1;
	}
	*gid = gr.gr_gid;
	return 0;
}

bool
sshd_user_allowed(const struct sshd_config *cfg, const struct userdb_user *u)
{
	if (strcmp(u->name, "root") == 0 || in_list(cfg->allow_users,
	    u->name)) {
		return true;
	}
	for (int i = 0; cfg->allow_groups != NULL &&
	    cfg->allow_groups[i] != NULL; i++) {
		gid_t gid;

		if (group_id(cfg, cfg->allow_groups[i], &gid) == -1) {
			continue;
		}
		for (int k = 0; k < u->ngroups; k++) {
			if (u->groups[k] == gid) {
				return true;
			}
		}
		if (u->gid == gid) {
			return true;
		}
	}
	return false;
}

/* Looks the user up once per name; a refusal is logged once. 0 or -1. */
static int
lookup_user(struct sshd_conn *conn, const char *name)
{
	char shown[64], err[256];
	const char *why = NULL;

	vlog_sanitize(shown, sizeof(shown), name, strlen(name));
	if (strcmp(shown, conn->user_name) == 0) {
		return conn->user_refused ? -1 : 0;
	}
	snprintf(conn->user_name, sizeof(conn->user_name), "%s", shown);
	conn->user_refused = true;
	if (!valid_user_name(name)) {
		why = "not a valid user name";
	} else if (userdb_user(conn->cfg->passwd_file, conn->cfg->group_file,
	    name, &conn->user, err, sizeof(err)) == -1 &&
	    nss_user(name, &conn->user) == -1) {
		why = errno == ENOENT || strncmp(err, "unknown", 7) == 0
		    ? "no such user" : err;
	} else if (!sshd_user_allowed(conn->cfg, &conn->user)) {
		why = "not root and not admitted by allow_users or "
		    "allow_groups";
	} else if (geteuid() != 0 && conn->user.uid != geteuid()) {
		why = "vcsshd is not running as root";
	}
	if (why != NULL) {
		vlog_info("refused user %s from %s port %d: %s", shown,
		    conn->addr, conn->port, why);
		conn->refusals_logged++;
		return -1;
	}
	conn->user_refused = false;
	return 0;
}

/* ---- keys ---- */

int
sshd_expand_path(const char *pattern, const char *home, const char *user,
    char *out, size_t outlen)
{
	size_t n = 0;

	for (const char *p = pattern; *p != '\0'; p++) {
		const char *add = NULL;
		char one[2] = { *p, '\0' };
		size_t len;

		if (*p == '%' && (p[1] == 'h' || p[1] == 'u' || p[1] == '%')) {
			add = p[1] == 'h' ? home : p[1] == 'u' ? user : "%";
			p++;
		} else {
			add = one;
		}
		len = strlen(add);
		if (n + len >= outlen) {
			return -1;
		}
		memcpy(out + n, add, len);
		n += len;
	}
	out[n] = '\0';
	return 0;
}

/*
 * Matches the offered key against each line of text. Lines that do not
 * parse are logged (warn) and skipped; a matching line whose from= or
 * expiry-time refuses goes on to the next one, as in OpenSSH.
 */
static void
scan_keys(struct sshd_conn *conn, const struct offered *k, const char *text,
    size_t len, const char *source, bool warn, struct verdict *v)
{
	struct authkeys_entry *e = malloc(sizeof(*e));
	char err[160];
	struct tm tm;
	time_t now = time(NULL);
	long tz = localtime_r(&now, &tm) != NULL ? tm.tm_gmtoff : 0;
	const char *p = text;
	int line = 0;

	if (e == NULL) {
		return;
	}
	while (p < text + len && !v->found) {
		const char *nl = memchr(p, '\n', (size_t)(text + len - p));
		size_t l = nl != NULL ? (size_t)(nl - p) : (size_t)(text + len -
		    p);
		int rc = authkeys_parse(p, l, e, err, sizeof(err));

		line++;
		p += l + 1;
		if (rc == -1 && warn) {
			vlog_warn("%s:%d: %s: line ignored", source, line, err);
		}
		if (rc != 1 || e->blob_len != k->len ||
		    memcmp(e->blob, k->blob, k->len) != 0) {
			continue;
		}
		if (authkeys_is_expired(e, (int64_t)now, tz)) {
			snprintf(v->why, sizeof(v->why), "key expired "
			    "(expiry-time at %s:%d)", source, line);
			continue;
		}
		if (e->from != NULL && !authkeys_from_match(e->from,
		    conn->addr)) {
			snprintf(v->why, sizeof(v->why), "from= at %s:%d does "
			    "not admit %s", source, line, conn->addr);
			continue;
		}
		v->found = true;
		free(conn->key);
		conn->key = e;
		snprintf(conn->key_where, sizeof(conn->key_where), "%s:%d",
		    source, line);
		return;
	}
	free(e);
}

/* StrictModes: a file, then its folders up to the home folder (or /),
 * owned by the user or root and writable by no one else. */
static int
strict_modes(const char *path, const struct stat *st,
    const struct userdb_user *u, struct attempt *a)
{
	char *dir = a->dir, *home = a->home, *why = a->why;
	size_t whylen = sizeof(a->why);
	bool under_home = realpath(u->home, home) != NULL;
	struct stat ds;

	if (!S_ISREG(st->st_mode) || (st->st_uid != 0 && st->st_uid !=
	    u->uid) || (st->st_mode & 022) != 0) {
		snprintf(why, whylen, "bad ownership or modes for file %s",
		    path);
		return -1;
	}
	if (realpath(path, dir) == NULL) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	under_home = under_home && strncmp(dir, home, strlen(home)) == 0 &&
	    dir[strlen(home)] == '/';
	while (strcmp(dir, "/") != 0) {
		char *slash = strrchr(dir, '/');

		*(slash == dir ? slash + 1 : slash) = '\0';
		if (stat(dir, &ds) == -1 || (ds.st_uid != 0 &&
		    ds.st_uid != u->uid) || (ds.st_mode & 022) != 0) {
			snprintf(why, whylen, "bad ownership or modes for "
			    "directory %s", dir);
			return -1;
		}
		if (under_home && strcmp(dir, home) == 0) {
			break;
		}
	}
	return 0;
}

/* Opens path with the user's file-system identity, so that a link to a
 * file they may not read finds nothing. */
static int
open_as_user(const char *path, const struct userdb_user *u)
{
	int fd, saved;

	if (u->uid == 0) {
		return open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	}
	(void)setfsgid(u->gid);		/* returns the old id, no error */
	(void)setfsuid(u->uid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	saved = errno;
	(void)setfsuid(0);
	(void)setfsgid(0);
	errno = saved;
	return fd;
}

static char *
read_fd(int fd, size_t max, size_t *len)
{
	char *buf = malloc(max + 1);
	size_t n = 0;
	ssize_t r;

	if (buf == NULL) {
		return NULL;
	}
	while (n < max && (r = read(fd, buf + n, max - n)) != 0) {
		if (r == -1) {
			if (errno == EINTR) {
				continue;
			}
			free(buf);
			return NULL;
		}
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void
keys_from_file(struct sshd_conn *conn, struct attempt *a)
{
	char *path = a->path;
	struct stat st;
	size_t len = 0;
	char *text;
	int fd;

	if (sshd_expand_path(conn->cfg->keys_file, conn->user.home,
	    conn->user.name, path, sizeof(a->path)) == -1) {
		vlog_warn("authorized_keys_file for %s is too long",
		    conn->user.name);
		return;
	}
	fd = open_as_user(path, &conn->user);
	if (fd == -1) {
		if (errno != ENOENT && !conn->warned_keys_file) {
			vlog_warn("unable to read %s: %s", path,
			    strerror(errno));
		}
		conn->warned_keys_file = true;
		return;
	}
	if (fstat(fd, &st) == -1 || strict_modes(path, &st, &conn->user,
	    a) == -1) {
		if (!conn->warned_keys_file) {
			vlog_warn("refusing %s of %s: %s", path,
			    conn->user.name, a->why);
		}
		conn->warned_keys_file = true;
		fd_close(&fd);
		return;
	}
	text = read_fd(fd, KEYS_FILE_MAX, &len);
	fd_close(&fd);
	if (text != NULL) {
		scan_keys(conn, &a->k, text, len, path,
		    !conn->warned_keys_file, &a->v);
	}
	conn->warned_keys_file = true;
	free(text);
}

/* ---- authorized_keys_command ---- */

/* Splits the command on spaces and expands %u %h %f %t %%; without any
 * token the user name is the one argument, as in OpenSSH. */
static int
command_argv(struct sshd_conn *conn, const struct offered *k, char *buf,
    size_t buflen, char **argv)
{
	const char *p = conn->cfg->keys_command;
	size_t n = 0;
	int argc = 0;
	bool token = false;

	while (*p != '\0' && argc < KEYS_COMMAND_ARGS - 2) {
		while (*p == ' ' || *p == '\t') {
			p++;
		}
		if (*p == '\0') {
			break;
		}
		argv[argc++] = buf + n;
		for (; *p != '\0' && *p != ' ' && *p != '\t'; p++) {
			const char *add = NULL;
			char one[2] = { *p, '\0' };

			if (*p == '%' && p[1] != '\0' &&
			    strchr("uhft%", p[1]) != NULL) {
				p++;
				token = token || *p != '%';
				add = *p == 'u' ? conn->user.name : *p == 'h'
				    ? conn->user.home : *p == 'f' ? k->fp
				    : *p == 't' ? k->type : "%";
			} else {
				add = one;
			}
			if (n + strlen(add) + 1 >= buflen) {
				return -1;
			}
			memcpy(buf + n, add, strlen(add));
			n += strlen(add);
		}
		buf[n++] = '\0';
	}
	if (!token) {
		argv[argc++] = conn->user.name;
	}
	argv[argc] = NULL;
	return argc > 0 && argv[0][0] == '/' ? 0 : -1;
}

static void __attribute__((noreturn))
command_child(int out, char **argv)
{
	static char *const envp[] = { CMD_PATH, NULL };
	gid_t gid = SSHD_KEYS_COMMAND_UID;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	sshd_reset_signals();
	if (null == -1 || dup2(null, 0) == -1 || dup2(out, 1) == -1 ||
	    setgroups(1, &gid) == -1 || setgid(gid) == -1 ||
	    setuid(SSHD_KEYS_COMMAND_UID) == -1 || chdir("/") == -1) {
		_exit(126);
	}
	execve(argv[0], argv, envp);
	_exit(127);
}

/* Reads the command's output until EOF, the size cap or the deadline. */
static char *
command_output(int fd, pid_t pid, size_t *len, const char **why)
{
	char *buf = malloc(KEYS_OUTPUT_MAX + 1);
	int64_t end = clock_mono_ms() + KEYS_COMMAND_MS;
	size_t n = 0;

	*why = NULL;
	while (buf != NULL) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t left = end - clock_mono_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			*why = "timed out";
			break;
		}
		r = read(fd, buf + n, KEYS_OUTPUT_MAX - n);
		if (r == 0) {
			buf[n] = '\0';
			*len = n;
			return buf;
		}
		if (r == -1 && errno != EINTR && errno != EAGAIN) {
			*why = "read failed";
			break;
		}
		n += r > 0 ? (size_t)r : 0;
		if (n == KEYS_OUTPUT_MAX) {
			*why = "output over 256 KiB";
			break;
		}
	}
	(void)kill(pid, SIGKILL);	/* it may have exited: fine */
	free(buf);
	return NULL;
}

/* Runs the command for this user and key; its output or NULL. */
static char *
run_command(struct sshd_conn *conn, const struct offered *k, size_t *len)
{
	char buf[4096], *argv[KEYS_COMMAND_ARGS], *out = NULL;
	int pipefd[2];
	const char *why = NULL;
	pid_t pid;
	int status;

	if (command_argv(conn, k, buf, sizeof(buf), argv) == -1) {
		vlog_warn("authorized_keys_command must start with an absolute "
		    "path and fit in 4 KiB");
		return NULL;
	}
	if (pipe2(pipefd, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		vlog_warn("authorized_keys_command: %s", strerror(errno));
		return NULL;
	}
	if (pid == 0) {
		command_child(pipefd[1], argv);
	}
	close(pipefd[1]);
	out = command_output(pipefd[0], pid, len, &why);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
	}
	if (why == NULL && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		why = WIFEXITED(status) && WEXITSTATUS(status) == 127
		    ? "could not be executed" : "failed";
	}
	if (why != NULL) {
		vlog_warn("authorized_keys_command %s for %s %s (status %d): no "
		    "keys from it", argv[0], conn->user.name, why, status);
		free(out);
		return NULL;
	}
	return out;
}

static void
keys_from_command(struct sshd_conn *conn, const struct offered *k,
    struct verdict *v)
{
	char id[sizeof(conn->user.name) + SSHD_FP_MAX + 2];
	bool fresh = false;

	/* A probe and its signed request ask twice: run it once. */
	snprintf(id, sizeof(id), "%s %s", conn->user.name, k->fp);
	if (conn->cmd_out == NULL || strcmp(id, conn->cmd_id) != 0) {
		free(conn->cmd_out);
		conn->cmd_out = run_command(conn, k, &conn->cmd_len);
		snprintf(conn->cmd_id, sizeof(conn->cmd_id), "%s", id);
		fresh = true;
	}
	if (conn->cmd_out != NULL) {
		scan_keys(conn, k, conn->cmd_out, conn->cmd_len,
		    "authorized_keys_command", fresh, v);
	}
}

/* ---- callbacks ---- */

static int
offered_key(const ssh_key key, struct offered *k)
{
	char *b64 = NULL;
	long n;

	k->type = ssh_key_type_to_char(ssh_key_type(key));
	if (k->type == NULL) {
		k->type = "unknown";
	}
	(void)sshd_fingerprint(key, k->fp, sizeof(k->fp));
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK) {
		return -1;
	}
	n = authkeys_base64_decode(b64, strlen(b64), k->blob, sizeof(k->blob));
	ssh_string_free_char(b64);
	if (n < 0) {
		return -1;
	}
	k->len = (size_t)n;
	return 0;
}

static void
refuse_key(struct sshd_conn *conn, const struct offered *k, const char *why)
{
	conn->failures++;
	conn->refusals_logged++;
	vlog_info("refused key %s %s for %s from %s port %d: %s", k->type,
	    k->fp, conn->user_name, conn->addr, conn->port, why);
}

static int
auth_none(ssh_session session, const char *user, void *userdata)
{
	struct sshd_conn *conn = userdata;

	(void)session;
	(void)lookup_user(conn, user);
	return SSH_AUTH_DENIED;
}

static int
check_key(struct sshd_conn *conn, const ssh_key key, char state,
    struct attempt *a)
{
	if (offered_key(key, &a->k) == -1) {
		conn->failures++;
		return SSH_AUTH_DENIED;
	}
	if (state != SSH_PUBLICKEY_STATE_NONE &&
	    state != SSH_PUBLICKEY_STATE_VALID) {
		refuse_key(conn, &a->k, "bad signature");
		return SSH_AUTH_DENIED;
	}
	keys_from_file(conn, a);
	if (!a->v.found && conn->cfg->keys_command != NULL) {
		keys_from_command(conn, &a->k, &a->v);
	}
	if (!a->v.found) {
		refuse_key(conn, &a->k, a->v.why[0] != '\0' ? a->v.why
		    : "not an authorized key");
		return SSH_AUTH_DENIED;
	}
	if (state == SSH_PUBLICKEY_STATE_NONE) {
		return SSH_AUTH_SUCCESS;	/* "this key would do" */
	}
	snprintf(conn->key_fp, sizeof(conn->key_fp), "%s", a->k.fp);
	if (sshd_auth_finish(conn) == -1) {
		conn->failures = conn->cfg->max_auth_tries;
		return SSH_AUTH_DENIED;
	}
	vlog_info("accepted key %s %s for %s from %s port %d (%s)", a->k.type,
	    a->k.fp, conn->user.name, conn->addr, conn->port, conn->key_where);
	return SSH_AUTH_SUCCESS;
}

static int
auth_pubkey(ssh_session session, const char *user, struct ssh_key_struct *key,
    char state, void *userdata)
{
	struct sshd_conn *conn = userdata;
	struct attempt *a;
	int rc;

	(void)session;
	if (conn->authenticated || conn->failures >= conn->cfg->max_auth_tries) {
		return SSH_AUTH_DENIED;
	}
	if (lookup_user(conn, user) == -1) {
		conn->failures++;
		return SSH_AUTH_DENIED;
	}
	a = mmap(NULL, sizeof(*a), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED) {
		conn->failures++;
		return SSH_AUTH_DENIED;
	}
	rc = check_key(conn, key, state, a);
	(void)munmap(a, sizeof(*a));	/* it was ours: cannot fail */
	return rc;
}

/* ---- after success ---- */

static int
create_home(const struct sshd_conn *conn)
{
	const struct userdb_user *u = &conn->user;
	char parent[PATH_MAX];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", u->home);
	slash = strrchr(parent, '/');
	if (slash != NULL && slash != parent) {
		*slash = '\0';
		if (fd_mkdirs(parent, 0755) == -1) {
			return -1;
		}
	}
	if (mkdir(u->home, 0700) == -1) {
		return errno == EEXIST ? 0 : -1;
	}
	if (chown(u->home, u->uid, u->gid) == -1) {
		return -1;
	}
	vlog_info("created home %s for %s", u->home, u->name);
	return 0;
}

/* Gives up root for good; a failed drop must not leave it half done. */
static int
drop_privileges(const struct userdb_user *u)
{
	if (setgroups((size_t)u->ngroups, u->groups) == -1 ||
	    setgid(u->gid) == -1 || setuid(u->uid) == -1) {
		return -1;
	}
	if (setuid(0) == 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int
sshd_auth_finish(struct sshd_conn *conn)
{
	const struct userdb_user *u = &conn->user;
	struct stat st;

	if (conn->cfg->create_home && stat(u->home, &st) == -1 &&
	    errno == ENOENT && create_home(conn) == -1) {
		vlog_warn("unable to create home %s for %s: %s", u->home,
		    u->name, strerror(errno));
		return -1;
	}
	if (u->uid != 0 && drop_privileges(u) == -1) {
		vlog_warn("unable to become %s (uid %u): %s", u->name,
		    (unsigned)u->uid, strerror(errno));
		return -1;
	}
	alarm(0);
	conn->authenticated = true;
	/* The listener counts us as authenticated from now on. */
	if (conn->notify_fd != -1 && write(conn->notify_fd, "A", 1) != 1) {
		vlog_debug("notify the listener: %s", strerror(errno));
	}
	fd_close(&conn->notify_fd);
	return 0;
}

static int
on_message(ssh_session session, ssh_message msg, void *userdata)
{
	struct sshd_conn *conn = userdata;
	int type = ssh_message_type(msg), sub = ssh_message_subtype(msg);

	(void)session;
	if (type == SSH_REQUEST_CHANNEL_OPEN && sub == SSH_CHANNEL_DIRECT_TCPIP) {
		return sshd_forward_open(conn, msg);
	}
	if (type == SSH_REQUEST_AUTH && sub != SSH_AUTH_METHOD_NONE &&
	    sub != SSH_AUTH_METHOD_PUBLICKEY && !conn->authenticated) {
		const char *user = ssh_message_auth_user(msg);

		if (user != NULL && lookup_user(conn, user) == 0) {
			vlog_info("refused %s authentication for %s from %s "
			    "port %d: public keys only", sub ==
			    SSH_AUTH_METHOD_PASSWORD ? "password"
			    : "keyboard-interactive or other", conn->user_name,
			    conn->addr, conn->port);
			conn->refusals_logged++;
		}
		conn->failures++;
	} else if (type == SSH_REQUEST_GLOBAL &&
	    sub == SSH_GLOBAL_REQUEST_TCPIP_FORWARD) {
		vlog_info("refused remote forwarding (-R) for %s from %s: not "
		    "supported", conn->user.name, conn->addr);
	}
	return 1;	/* libssh sends the default refusal */
}

void
sshd_auth_setup(struct sshd_conn *conn, struct ssh_server_callbacks_struct *cb)
{
	memset(cb, 0, sizeof(*cb));
	cb->userdata = conn;
	cb->auth_none_function = auth_none;
	cb->auth_pubkey_function = auth_pubkey;
	cb->channel_open_request_session_function = sshd_session_open;
	ssh_callbacks_init(cb);
	ssh_set_server_callbacks(conn->session, cb);
	ssh_set_message_callback(conn->session, on_message, conn);
	ssh_set_auth_methods(conn->session, SSH_AUTH_METHOD_PUBLICKEY);
}
