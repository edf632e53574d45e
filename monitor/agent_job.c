/* SPDX-License-Identifier: ISC */
/*
 * Jobs: work whose result comes later, so that the loop never waits. A
 * command (system.run, user parameters) runs in a child of its own process
 * group, its output read from a pipe; a TCP check (net.tcp.port) is a
 * non-blocking connect. Owns every job; a job outlives its waiter when the
 * waiter goes away (the result is then dropped).
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "monitor/agent_int.h"

enum job_kind { JOB_COMMAND, JOB_CONNECT, JOB_EXTERNAL };

struct agent_job {
	struct agent_io io;
	struct agent_job *next;
	enum job_kind kind;
	pid_t pid;		/* 0 once reaped (or none) */
	int64_t deadline_ms;	/* 0: no longer timed */
	struct buf out;
	bool eof;
	bool delivered;
	struct agent_waiter *waiter;
};

static void
job_unlink(struct agent *ag, struct agent_job *j)
{
	for (struct agent_job **pp = &ag->jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	}
}

static void
job_close_io(struct agent *ag, struct agent_job *j)
{
	if (j->io.fd != -1) {
		agent_io_del(ag, &j->io);
		fd_close(&j->io.fd);
	}
}

/* Hands the result to the waiter (once). */
static void
job_deliver(struct agent *ag, struct agent_job *j, bool error,
    const char *text, size_t len)
{
	struct agent_waiter *w = j->waiter;

	if (j->delivered) {
		return;
	}
	j->delivered = true;
	j->deadline_ms = 0;
	j->waiter = NULL;
	if (w != NULL) {
		w->job = NULL;
		w->done(ag, w, error, text, len);
	}
}

/* Frees j once nothing of it is left to wait for. */
static void
job_maybe_free(struct agent *ag, struct agent_job *j)
{
	if (!j->delivered || j->pid != 0 || j->io.fd != -1) {
		return;
	}
	job_unlink(ag, j);
	buf_free(&j->out);
	free(j);
}

static void
command_finish(struct agent *ag, struct agent_job *j)
{
	size_t n = j->out.len;

	/* zabbix_agentd trims trailing white space of the output. */
	while (n > 0 && strchr(" \t\r\n", j->out.data[n - 1]) != NULL) {
		n--;
	}
	job_deliver(ag, j, false, n > 0 ? j->out.data : "", n);
}

static void
command_readable(struct agent *ag, struct agent_io *io, uint32_t events)
{
	struct agent_job *j = (struct agent_job *)io;
	bool truncated = false;

	(void)events;
	/* Past the cap the output is drained, not kept. */
	if (buf_read_fd(&j->out, io->fd, AGENT_VALUE_MAX, &truncated) == 0) {
		return;
	}
	job_close_io(ag, j);
	j->eof = true;
	if (j->pid == 0) {
		command_finish(ag, j);
	}
	job_maybe_free(ag, j);
}

/* In the child: never returns. Only async-signal-safe calls. */
static void
child_exec(const char *command, int out_fd)
{
	sigset_t none;
	int nul;

	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)signal(SIGPIPE, SIG_DFL);
	(void)setpgid(0, 0);
	nul = open("/dev/null", O_RDONLY);
	if (nul != -1) {
		(void)dup2(nul, 0);
	}
	if (out_fd != -1) {
		(void)dup2(out_fd, 1);
		(void)dup2(out_fd, 2);
	} else if (nul != -1) {
		(void)dup2(nul, 1);
		(void)dup2(nul, 2);
	}
	execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	_exit(127);
}

static struct agent_job *
job_new(struct agent *ag, enum job_kind kind, int64_t timeout_ms,
    struct agent_waiter *w)
{
	struct agent_job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		return NULL;
	}
	j->kind = kind;
	j->io.fd = -1;
	j->deadline_ms = clock_mono_ms() + timeout_ms;
	j->waiter = w;
	if (w != NULL) {
		w->job = j;
	} else {
		j->delivered = true;
	}
	j->next = ag->jobs;
	ag->jobs = j;
	return j;
}

int
agent_job_command(struct agent *ag, const char *command, int64_t timeout_ms,
    bool nowait, struct agent_waiter *w)
{
	struct agent_job *j;
	int p[2] = { -1, -1 };
	pid_t pid;

	if (!nowait && pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1) {
		vlog_warn("unable to make a pipe for a command: %s",
		    strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == -1) {
		vlog_warn("unable to fork for a command: %s", strerror(errno));
		fd_close(&p[0]);
		fd_close(&p[1]);
		return -1;
	}
	if (pid == 0) {
		child_exec(command, p[1]);
	}
	fd_close(&p[1]);
	j = job_new(ag, JOB_COMMAND, timeout_ms, nowait ? NULL : w);
	if (j == NULL) {
		/* The child runs on unwatched; its exit is reaped. */
		fd_close(&p[0]);
		return -1;
	}
	j->pid = pid;
	if (nowait) {
		j->deadline_ms = 0;
		return 0;
	}
	j->io.fd = p[0];
	j->io.cb = command_readable;
	if (agent_io_add(ag, &j->io, EPOLLIN) == -1) {
		fd_close(&j->io.fd);
		j->eof = true;
	}
	return 0;
}

static void
connect_done(struct agent *ag, struct agent_io *io, uint32_t events)
{
	struct agent_job *j = (struct agent_job *)io;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)events;
	if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) {
		err = errno;
	}
	job_close_io(ag, j);
	job_deliver(ag, j, false, err == 0 ? "1" : "0", 1);
	job_maybe_free(ag, j);
}

int
agent_job_connect(struct agent *ag, const struct sockaddr *sa,
    socklen_t salen, int64_t timeout_ms, struct agent_waiter *w)
{
	struct agent_job *j;
	int fd;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		return -1;
	}
	j = job_new(ag, JOB_CONNECT, timeout_ms, w);
	if (j == NULL) {
		(void)close(fd);	/* never connected */
		return -1;
	}
	j->io.fd = fd;
	j->io.cb = connect_done;
	if ((connect(fd, sa, salen) == -1 && errno != EINPROGRESS) ||
	    agent_io_add(ag, &j->io, EPOLLOUT) == -1) {
		/* Refused at once: the answer is known, deliver it soon. */
		j->deadline_ms = clock_mono_ms();
	}
	return 0;
}

struct agent_job *
agent_job_external(struct agent *ag, struct agent_waiter *w)
{
	struct agent_job *j = job_new(ag, JOB_EXTERNAL, 0, w);

	if (j != NULL) {
		j->deadline_ms = 0;	/* its owner times it */
	}
	return j;
}

void
agent_job_complete(struct agent *ag, struct agent_job *j, bool error,
    const char *text, size_t len)
{
	job_deliver(ag, j, error, text, len);
	job_maybe_free(ag, j);
}

void
agent_job_cancel(struct agent *ag, struct agent_waiter *w)
{
	(void)ag;
	if (w->job != NULL) {
		w->job->waiter = NULL;
		w->job->delivered = true;
		w->job = NULL;
	}
}

static void
job_timeout(struct agent *ag, struct agent_job *j)
{
	if (j->kind == JOB_CONNECT) {
		job_close_io(ag, j);
		job_deliver(ag, j, false, "0", 1);
		return;
	}
	if (j->pid != 0) {
		(void)kill(-j->pid, SIGKILL);	/* its whole group */
	}
	job_close_io(ag, j);
	job_deliver(ag, j, true, "Timeout while executing a shell script.",
	    strlen("Timeout while executing a shell script."));
}

int64_t
agent_job_timers(struct agent *ag, int64_t now_ms)
{
	int64_t next = -1;
	struct agent_job *j, *n;

	for (j = ag->jobs; j != NULL; j = n) {
		n = j->next;
		if (j->deadline_ms != 0 && j->deadline_ms <= now_ms) {
			j->deadline_ms = 0;
			job_timeout(ag, j);
			job_maybe_free(ag, j);
			continue;
		}
		if (j->deadline_ms != 0) {
			next = agent_min_deadline(next, j->deadline_ms);
		}
	}
	return next;
}

void
agent_job_reap(struct agent *ag)
{
	struct agent_job *j;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == ag->resolver_pid) {
			ag->resolver_pid = 0;
			continue;
		}
		for (j = ag->jobs; j != NULL && j->pid != pid; j = j->next) {
		}
		if (j == NULL) {
			continue;
		}
		j->pid = 0;
		if (j->eof) {
			command_finish(ag, j);
		}
		job_maybe_free(ag, j);
	}
}

void
agent_job_free_all(struct agent *ag)
{
	struct agent_job *j;

	while ((j = ag->jobs) != NULL) {
		ag->jobs = j->next;
		if (j->pid != 0) {
			(void)kill(-j->pid, SIGKILL);
		}
		job_close_io(ag, j);
		if (j->waiter != NULL) {
			j->waiter->job = NULL;
		}
		buf_free(&j->out);
		free(j);
	}
}

/* Builds the command of a user parameter with $1..$9 replaced. */
static int
up_command(struct agent *ag, const struct user_param *up,
    const struct zbx_key *key, struct buf *cmd, struct agent_result *res)
{
	for (const char *p = up->command; *p != '\0'; p++) {
		const char *v;

		if (!up->flexible || p[0] != '$' || p[1] < '1' || p[1] > '9') {
			buf_add(cmd, p, 1);
			continue;
		}
		v = zbx_key_param(key, p[1] - '1');
		if (!ag->cfg.unsafe_user_parameters && agent_param_unsafe(v)) {
			agent_set_error(res, "Special characters \"\\, ', \", `, "
			    "*, ?, [, ], {, }, ~, $, !, &, ;, (, ), <, >, |, "
			    "#, @, 0x0a\" are not allowed in the parameters.");
			return -1;
		}
		buf_adds(cmd, v);
		p++;
	}
	return cmd->failed ? -1 : 0;
}

void
agent_user_param(struct agent *ag, const struct user_param *up,
    const struct zbx_key *key, struct agent_result *res)
{
	struct buf cmd = { 0 };

	if (up_command(ag, up, key, &cmd, res) == -1) {
		buf_free(&cmd);
		return;
	}
	if (res->waiter == NULL || agent_job_command(ag, buf_str(&cmd),
	    up->timeout_ms, false, res->waiter) == -1) {
		agent_set_error(res, "Cannot execute command.");
	} else {
		res->pending = true;
	}
	buf_free(&cmd);
}

void
m_system_run(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	const char *cmd = zbx_key_param(key, 0), *mode = zbx_key_param(key, 1);
	bool nowait;

	if (key->nparams > 2) {
		agent_set_error(res, "Too many parameters.");
		return;
	}
	if (*cmd == '\0') {
		agent_set_error(res, "Invalid first parameter.");
		return;
	}
	if (*mode == '\0' || strcmp(mode, "wait") == 0) {
		nowait = false;
	} else if (strcmp(mode, "nowait") == 0) {
		nowait = true;
	} else {
		agent_set_error(res, "Invalid second parameter.");
		return;
	}
	{
		char safe[201];

		vlog_info("executing command '%s'", vlog_sanitize(safe,
		    sizeof(safe), cmd, strlen(cmd)));
	}
	if ((!nowait && res->waiter == NULL) || agent_job_command(ag, cmd,
	    ag->cfg.timeout_ms, nowait, res->waiter) == -1) {
		agent_set_error(res, "Cannot execute command.");
		return;
	}
	if (nowait) {
		agent_set_str(res, "1");
	} else {
		res->pending = true;
	}
}
