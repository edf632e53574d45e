/* SPDX-License-Identifier: ISC */
/*
 * Session channels: the requests a client makes on them (pty, env, exec,
 * shell, sftp, window size, signals), starting the user's process, and
 * ending the channel once its output is drained: exit-status or
 * exit-signal, EOF, close. Everything the child needs is built before
 * fork; the child makes only async-signal-safe calls before execve.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "common/sigdefault.h"
#include "common/signame.h"
#include "sshd.h"

#ifndef SYS_close_range
#define SYS_close_range 436	/* the same on every architecture */
#endif

#define ENV_FILE_MAX (256 * 1024)
#define ENV_VALUE_MAX 256	/* of LANG and LC_* sent by a client */
#define ROOT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define USER_PATH "/usr/local/bin:/usr/bin:/bin"

static const char *const sftp_paths[] = {
	SSHD_DEFAULT_SFTP,
	"/usr/lib/openssh/sftp-server",		/* Debian, Ubuntu */
	"/usr/libexec/openssh/sftp-server",	/* Fedora, RHEL */
	"/usr/lib/ssh/sftp-server",		/* Alpine, Arch */
	NULL,
};

/* Variables the session sets itself: a container's file cannot change them. */
static const char *const session_owned[] = {
	"HOME", "USER", "LOGNAME", "SHELL", "TERM", "SSH_CLIENT",
	"SSH_CONNECTION", "SSH_TTY", "SSH_ORIGINAL_COMMAND", "SSH_AUTH_SOCK",
	"MAIL", "PWD", "OLDPWD", "SHLVL", "_", NULL,
};

/* What a child needs, built before fork. */
struct spawn {
	const char *exe;	/* what execve runs */
	char *argv[4];
	char *argv0;		/* "-sh" for a login shell */
	char **envp;
	int nenv;
	int cap;
	char *chdir_msg;
};

bool
sshd_env_accepted(const char *name, const char *value)
{
	size_t vlen = strlen(value);

	if (strcmp(name, "LANG") != 0) {
		if (strncmp(name, "LC_", 3) != 0 || name[3] == '\0') {
			return false;
		}
		for (const char *p = name + 3; *p != '\0'; p++) {
			if (!((*p >= 'A' && *p <= 'Z') || *p == '_')) {
				return false;
			}
		}
	}
	if (vlen > ENV_VALUE_MAX) {
		return false;
	}
	for (size_t i = 0; i < vlen; i++) {
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f) {
			return false;
		}
	}
	return true;
}

bool
sshd_env_line(const char *line, size_t len)
{
	const char *eq = memchr(line, '=', len);

	if (eq == NULL || eq == line || (line[0] >= '0' && line[0] <= '9')) {
		return false;
	}
	for (const char *p = line; p < eq; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_')) {
			return false;
		}
	}
	return memchr(line, '\0', len) == NULL;
}

const char *
sshd_sftp_path(const struct sshd_config *cfg)
{
	if (cfg->sftp_server != NULL) {
		return access(cfg->sftp_server, X_OK) == 0 ? cfg->sftp_server
		    : NULL;
	}
	for (int i = 0; sftp_paths[i] != NULL; i++) {
		if (access(sftp_paths[i], X_OK) == 0) {
			return sftp_paths[i];
		}
	}
	return NULL;
}

/* ---- the environment ---- */

static bool
env_owned(const char *entry, size_t namelen)
{
	for (int i = 0; session_owned[i] != NULL; i++) {
		if (strlen(session_owned[i]) == namelen &&
		    strncmp(session_owned[i], entry, namelen) == 0) {
			return true;
		}
	}
	return false;
}

/* Sets "NAME=value" (len bytes), replacing an earlier NAME. */
static int
env_put(struct spawn *sp, const char *entry, size_t len)
{
	size_t namelen = strcspn(entry, "=");
	char *copy = strndup(entry, len);

	if (copy == NULL) {
		return -1;
	}
	for (int i = 0; i < sp->nenv; i++) {
		if (strncmp(sp->envp[i], entry, namelen + 1) == 0) {
			free(sp->envp[i]);
			sp->envp[i] = copy;
			return 0;
		}
	}
	if (sp->nenv + 2 > sp->cap) {
		int cap = sp->cap == 0 ? 32 : sp->cap * 2;
		char **grown = realloc(sp->envp, (size_t)cap * sizeof(char *));

		if (grown == NULL) {
			free(copy);
			return -1;
		}
		sp->envp = grown;
		sp->cap = cap;
	}
	sp->envp[sp->nenv++] = copy;
	sp->envp[sp->nenv] = NULL;
	return 0;
}

static int
env_setf(struct spawn *sp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
env_setf(struct spawn *sp, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int len, rc;

	va_start(ap, fmt);
	len = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (len < 0) {
		return -1;
	}
	rc = env_put(sp, s, (size_t)len);
	free(s);
	return rc;
}

/*
 * The container's variables (root only; DESIGN: Environment). vcinit
 * writes NUL-separated entries, as /proc/PID/environ, so that a value may
 * hold a newline; a file without NUL bytes is read as NAME=value lines.
 */
static void
env_from_file(struct spawn *sp, const char *path)
{
	size_t len = 0;
	char *text = fd_read_file(path, ENV_FILE_MAX, &len);
	const char *p;
	char sep;

	if (text == NULL) {
		if (errno != ENOENT) {
			vlog_warn("unable to read %s: %s", path,
			    strerror(errno));
		}
		return;
	}
	sep = memchr(text, '\0', len) != NULL ? '\0' : '\n';
	for (p = text; p < text + len;) {
		const char *nl = memchr(p, sep, (size_t)(text + len - p));
		size_t l = nl != NULL ? (size_t)(nl - p) : (size_t)(text +
		    len - p);

		if (sshd_env_line(p, l) && !env_owned(p, strcspn(p, "="))) {
			(void)env_put(sp, p, l);
		}
		p += l + 1;
	}
	free(text);
}

static int
build_env(struct sshd_channel *c, struct spawn *sp, const char *original)
{
	struct sshd_conn *conn = c->conn;
	const struct userdb_user *u = &conn->user;
	int rc = 0;

	rc |= env_setf(sp, "PATH=%s", u->uid == 0 ? ROOT_PATH : USER_PATH);
	if (u->uid == 0) {
		env_from_file(sp, conn->cfg->environment_file);
	}
	for (int i = 0; i < c->nenv; i++) {
		rc |= env_put(sp, c->env[i], strlen(c->env[i]));
	}
	for (int i = 0; conn->key != NULL && i < conn->key->nenvironment; i++) {
		const char *e = conn->key->environment[i];

		if (!env_owned(e, strcspn(e, "="))) {
			rc |= env_put(sp, e, strlen(e));
		}
	}
	rc |= env_setf(sp, "HOME=%s", u->home);
	rc |= env_setf(sp, "USER=%s", u->name);
	rc |= env_setf(sp, "LOGNAME=%s", u->name);
	rc |= env_setf(sp, "SHELL=%s", u->shell);
	rc |= env_setf(sp, "SSH_CLIENT=%s %d %d", conn->addr, conn->port,
	    conn->local_port);
	rc |= env_setf(sp, "SSH_CONNECTION=%s %d %s %d", conn->addr,
	    conn->port, conn->local_addr, conn->local_port);
	if (c->pty) {
		rc |= env_setf(sp, "TERM=%s", c->term);
		rc |= env_setf(sp, "SSH_TTY=%s", c->tty_name);
	}
	if (original != NULL) {
		rc |= env_setf(sp, "SSH_ORIGINAL_COMMAND=%s", original);
	}
	return rc == 0 ? 0 : -1;
}

static void
free_spawn(struct spawn *sp)
{
	free(sp->argv0);
	free(sp->chdir_msg);
	for (int i = 0; i < sp->nenv; i++) {
		free(sp->envp[i]);
	}
	free(sp->envp);
}

/* ---- the child ---- */

void
sshd_reset_signals(void)
{
	uint64_t none = 0;

	for (int sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP) {
			(void)sig_set_default(sig);
		}
	}
	(void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL,
	    sizeof(none));
}

static void
child_write(const char *a, const char *b)
{
	(void)!write(STDERR_FILENO, a, strlen(a));
	(void)!write(STDERR_FILENO, b, strlen(b));
	(void)!write(STDERR_FILENO, "\n", 1);
}

/* In the child: the process as the user would start it by hand. */
static void __attribute__((noreturn))
child_exec(struct sshd_channel *c, struct spawn *sp)
{
	const struct userdb_user *u = &c->conn->user;

	sshd_reset_signals();
	/* Nothing vcsshd inherited or opened survives (0-2 are set up). */
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == -1) {
		for (int fd = 3; fd < 65536; fd++) {
			(void)close(fd);
		}
	}
	if (geteuid() == 0 && u->uid != 0 &&
	    (setgroups((size_t)u->ngroups, u->groups) == -1 ||
	    setgid(u->gid) == -1 || setuid(u->uid) == -1)) {
		child_write("vcsshd: unable to become ", u->name);
		_exit(1);
	}
	if (chdir(u->home) == -1) {
		child_write(sp->chdir_msg, "");
		(void)chdir("/");
	}
	umask(022);
	execve(sp->exe, sp->argv, sp->envp);
	child_write("vcsshd: unable to execute ", sp->exe);
	_exit(127);
}

/* Pipes for a command without a pty: ours non-blocking, all cloexec. */
static int
make_pipes(int in[2], int out[2], int err[2])
{
	in[0] = in[1] = out[0] = out[1] = err[0] = err[1] = -1;
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    pipe2(err, O_CLOEXEC) == -1 || fd_set_nonblock(in[1], true) ==
	    -1 || fd_set_nonblock(out[0], true) == -1 ||
	    fd_set_nonblock(err[0], true) == -1) {
		for (int i = 0; i < 2; i++) {
			fd_close(&in[i]);
			fd_close(&out[i]);
			fd_close(&err[i]);
		}
		return -1;
	}
	return 0;
}

static int
dup_std(int in, int out, int err)
{
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(err, 2) == -1) {
		return -1;
	}
	return 0;
}

static pid_t
fork_pipes(struct sshd_channel *c, struct spawn *sp)
{
	int in[2], out[2], err[2];
	pid_t pid;

	if (make_pipes(in, out, err) == -1) {
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		if (setsid() == -1 || dup_std(in[0], out[1], err[1]) == -1) {
			_exit(126);
		}
		child_exec(c, sp);
	}
	fd_close(&in[0]);
	fd_close(&out[1]);
	fd_close(&err[1]);
	if (pid == -1) {
		fd_close(&in[1]);
		fd_close(&out[0]);
		fd_close(&err[0]);
		return -1;
	}
	c->in_fd = in[1];
	c->out_fd = out[0];
	c->err_fd = err[0];
	return pid;
}

static pid_t
fork_pty(struct sshd_channel *c, struct spawn *sp)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (sshd_pty_child(c->pty_slave) == -1) {
			_exit(126);
		}
		child_exec(c, sp);
	}
	fd_close(&c->pty_slave);
	if (pid == -1) {
		return -1;
	}
	c->in_fd = c->out_fd = c->pty_master;
	c->err_eof = true;
	return pid;
}

/* ---- starting ---- */

static const char *
shell_of(const struct userdb_user *u)
{
	return u->shell[0] != '\0' ? u->shell : "/bin/sh";
}

/*
 * Fills exe and argv: the user's shell with -c cmd, a login shell (cmd
 * NULL, argv[0] "-bash" so that it reads its profile), or path run
 * directly (a subsystem).
 */
static void
set_argv(struct spawn *sp, const struct userdb_user *u, const char *cmd,
    const char *path)
{
	const char *shell = shell_of(u), *base = strrchr(shell, '/');

	if (path != NULL) {
		sp->exe = path;
		sp->argv[0] = (char *)path;
		return;
	}
	sp->exe = shell;
	if (cmd != NULL) {
		sp->argv[0] = (char *)shell;
		sp->argv[1] = "-c";
		sp->argv[2] = (char *)cmd;
		return;
	}
	if (asprintf(&sp->argv0, "-%s", base != NULL ? base + 1 : shell) < 0) {
		sp->argv0 = NULL;
	}
	sp->argv[0] = sp->argv0;
}

static int
start(struct sshd_channel *c, const char *cmd, const char *path,
    const char *original)
{
	struct spawn sp;
	struct sshd_conn *conn = c->conn;
	pid_t pid;

	if (c->pid != 0 || c->start_error != NULL) {
		return SSH_ERROR;
	}
	memset(&sp, 0, sizeof(sp));
	set_argv(&sp, &conn->user, cmd, path);
	if (asprintf(&sp.chdir_msg, "Could not chdir to home directory %s",
	    conn->user.home) < 0) {
		sp.chdir_msg = NULL;
	}
	if (sp.argv[0] == NULL || sp.chdir_msg == NULL ||
	    build_env(c, &sp, original) == -1) {
		free_spawn(&sp);
		return SSH_ERROR;
	}
	pid = c->pty ? fork_pty(c, &sp) : fork_pipes(c, &sp);
	free_spawn(&sp);
	if (pid == -1) {
		vlog_warn("unable to start a process for %s: %s",
		    conn->user.name, strerror(errno));
		return SSH_ERROR;
	}
	c->pid = pid;
	return SSH_OK;
}

/* Runs what the client asked for, or the key's forced command. */
static int
start_command(struct sshd_channel *c, const char *cmd, const char *what)
{
	const struct authkeys_entry *key = c->conn->key;
	char shown[96];

	if (key != NULL && key->command != NULL) {
		vlog_debug("%s: forced command instead of %s",
		    c->conn->user.name, what);
		return start(c, key->command, NULL, cmd);
	}
	if (cmd != NULL) {
		vlog_debug("%s from %s: exec %s", c->conn->user.name,
		    c->conn->addr, vlog_sanitize(shown, sizeof(shown), cmd,
		    strlen(cmd)));
	}
	return start(c, cmd, NULL, NULL);
}

/* ---- requests ---- */

static int
on_pty(ssh_session session, ssh_channel ch, const char *term, int cols,
    int rows, int px, int py, void *userdata)
{
	struct sshd_channel *c = userdata;
	const struct authkeys_entry *key = c->conn->key;

	(void)session;
	(void)ch;
	if (key != NULL && (key->flags & AUTHKEYS_NO_PTY) != 0) {
		vlog_debug("%s: pty refused (no-pty)", c->conn->user.name);
		return SSH_ERROR;
	}
	if (c->pty || c->pid != 0 || cols < 0 || rows < 0 || px < 0 ||
	    py < 0) {
		return SSH_ERROR;
	}
	vlog_sanitize(c->term, sizeof(c->term), term, strlen(term));
	c->ws.ws_col = (unsigned short)cols;
	c->ws.ws_row = (unsigned short)rows;
	c->ws.ws_xpixel = (unsigned short)px;
	c->ws.ws_ypixel = (unsigned short)py;
	return sshd_pty_open(c) == 0 ? SSH_OK : SSH_ERROR;
}

static int
on_window_change(ssh_session session, ssh_channel ch, int cols, int rows,
    int px, int py, void *userdata)
{
	struct sshd_channel *c = userdata;

	(void)session;
	(void)ch;
	if (!c->pty || cols < 0 || rows < 0 || px < 0 || py < 0) {
		return SSH_ERROR;
	}
	c->ws.ws_col = (unsigned short)cols;
	c->ws.ws_row = (unsigned short)rows;
	c->ws.ws_xpixel = (unsigned short)px;
	c->ws.ws_ypixel = (unsigned short)py;
	return sshd_pty_resize(c) == 0 ? SSH_OK : SSH_ERROR;
}

static int
on_env(ssh_session session, ssh_channel ch, const char *name,
    const char *value, void *userdata)
{
	struct sshd_channel *c = userdata;
	char *entry = NULL;

	(void)session;
	(void)ch;
	if (!sshd_env_accepted(name, value) || c->nenv == SSHD_MAX_ENV ||
	    c->pid != 0) {
		return SSH_ERROR;
	}
	if (asprintf(&entry, "%s=%s", name, value) < 0) {
		return SSH_ERROR;
	}
	c->env[c->nenv++] = entry;
	return SSH_OK;
}

static int
on_exec(ssh_session session, ssh_channel ch, const char *cmd, void *userdata)
{
	(void)session;
	(void)ch;
	return start_command(userdata, cmd, "exec");
}

static int
on_shell(ssh_session session, ssh_channel ch, void *userdata)
{
	(void)session;
	(void)ch;
	return start_command(userdata, NULL, "shell");
}

/* Accepts the request anyway, so that the client shows why it ends. */
static int
no_sftp(struct sshd_channel *c)
{
	const char *want = c->conn->cfg->sftp_server;
	int n;

	vlog_warn("sftp for %s from %s: no sftp-server found (%s)",
	    c->conn->user.name, c->conn->addr, want != NULL ? want
	    : "set ssh { sftp_server } or install " SSHD_DEFAULT_SFTP);
	n = want != NULL ? asprintf(&c->start_error, "vcsshd: sftp is "
	    "unavailable: %s is not an executable file\n", want)
	    : asprintf(&c->start_error, "vcsshd: sftp is unavailable: no "
	    "sftp-server is installed (looked for " SSHD_DEFAULT_SFTP
	    " and the usual OpenSSH paths)\n");
	if (n < 0) {
		c->start_error = NULL;
		return SSH_ERROR;
	}
	return SSH_OK;
}

static int
on_subsystem(ssh_session session, ssh_channel ch, const char *name,
    void *userdata)
{
	struct sshd_channel *c = userdata;
	const struct authkeys_entry *key = c->conn->key;
	const char *path;

	(void)session;
	(void)ch;
	if (strcmp(name, "sftp") != 0) {
		return SSH_ERROR;
	}
	path = sshd_sftp_path(c->conn->cfg);
	if (key != NULL && key->command != NULL) {
		return start(c, key->command, NULL, path != NULL ? path
		    : "sftp");
	}
	if (path == NULL) {
		return no_sftp(c);
	}
	vlog_debug("%s from %s: sftp", c->conn->user.name, c->conn->addr);
	return start(c, NULL, path, NULL);
}

static void
on_signal(ssh_session session, ssh_channel ch, const char *name,
    void *userdata)
{
	struct sshd_channel *c = userdata;
	int sig = signame_to_num(name);

	(void)session;
	(void)ch;
	if (sig > 0 && c->pid > 0 && !c->exited) {
		(void)kill(-c->pid, sig);	/* gone already: fine */
	}
}

ssh_channel
sshd_session_open(ssh_session session, void *userdata)
{
	struct sshd_conn *conn = userdata;
	struct sshd_channel *c;

	if (!conn->authenticated) {
		return NULL;
	}
	c = sshd_channel_new(conn, SSHD_CHAN_SESSION);
	if (c == NULL) {
		vlog_info("%s from %s: too many channels", conn->user.name,
		    conn->addr);
		return NULL;
	}
	c->ch = ssh_channel_new(session);
	if (c->ch == NULL) {
		sshd_channel_drop(conn, c);
		return NULL;
	}
	c->cb.channel_pty_request_function = on_pty;
	c->cb.channel_pty_window_change_function = on_window_change;
	c->cb.channel_env_request_function = on_env;
	c->cb.channel_exec_request_function = on_exec;
	c->cb.channel_shell_request_function = on_shell;
	c->cb.channel_subsystem_request_function = on_subsystem;
	c->cb.channel_signal_function = on_signal;
	if (ssh_set_channel_callbacks(c->ch, &c->cb) != SSH_OK) {
		sshd_channel_drop(conn, c);
		return NULL;
	}
	return c->ch;
}

/* ---- the end of a session channel ---- */

void
sshd_session_reaped(struct sshd_conn *conn, pid_t pid, int wstatus)
{
	for (int i = 0; i < SSHD_MAX_CHANNELS; i++) {
		struct sshd_channel *c = conn->chans[i];

		if (c != NULL && c->pid == pid && !c->exited) {
			c->exited = true;
			c->wstatus = wstatus;
			c->exited_ms = clock_mono_ms();
			return;
		}
	}
}

static void
send_status(struct sshd_channel *c)
{
	int st = c->wstatus;

	if (WIFSIGNALED(st)) {
		const char *name = signame_of(WTERMSIG(st));

		(void)ssh_channel_request_send_exit_signal(c->ch,
		    name != NULL ? name : "KILL", WCOREDUMP(st) ? 1 : 0, "",
		    "");
	} else {
		(void)ssh_channel_request_send_exit_status(c->ch,
		    WEXITSTATUS(st));
	}
}

static void
finish(struct sshd_channel *c)
{
	if (ssh_channel_is_open(c->ch)) {
		send_status(c);
		(void)ssh_channel_send_eof(c->ch);
		(void)ssh_channel_close(c->ch);
	}
	sshd_channel_close_fds(c);
	c->finished = true;
}

/* A pty's output after its shell exited: what is there now, no more
 * (a background job may hold the pty open forever). */
static void
drain_pty(struct sshd_channel *c)
{
	char buf[4096];
	ssize_t n;

	uint32_t win = ssh_channel_window_size(c->ch);

	if (clock_mono_ms() - c->exited_ms >= 2000) {
		c->out_eof = true;
		return;
	}
	if (win == 0) {
		return;		/* wait for the client's window */
	}
	n = read(c->out_fd, buf, win < sizeof(buf) ? win : sizeof(buf));
	if (n > 0) {
		(void)ssh_channel_write(c->ch, buf, (uint32_t)n);
	} else if (n == 0 || errno != EINTR) {
		c->out_eof = true;
	}
}

void
sshd_session_step(struct sshd_channel *c)
{
	if (c->finished) {
		return;
	}
	if (c->start_error != NULL && c->pid == 0) {
		(void)ssh_channel_write_stderr(c->ch, c->start_error,
		    (uint32_t)strlen(c->start_error));
		c->wstatus = 127 << 8;
		finish(c);
		return;
	}
	/* A pty keeps its input open: closing the master would hang up. */
	if (c->pid > 0 && c->client_eof && !c->in_done && !c->pty &&
	    c->pend_len == 0 && !c->held) {
		fd_close(&c->in_fd);
		c->in_done = true;
	}
	if (!c->exited) {
		return;
	}
	if (c->pty && !c->out_eof) {
		drain_pty(c);
	}
	if (c->out_eof && c->err_eof) {
		finish(c);
	}
}

void
sshd_session_hangup(struct sshd_channel *c)
{
	if (c->pid > 0 && !c->exited) {
		/* As a terminal would on hang-up; CONT wakes stopped jobs. */
		(void)kill(-c->pid, SIGHUP);
		(void)kill(-c->pid, SIGCONT);
	}
}
