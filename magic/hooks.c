/* SPDX-License-Identifier: ISC */
/*
 * Boot and finish hooks, run one after another on PID 1's loop (never
 * waited for in place, so signals, orphans and output keep flowing). Each
 * hook runs in its own process group with stdin on /dev/null; its lines go
 * to the logs as "magic/NAME | line". When its process exits, what it left
 * in its group is killed: a hook prepares, it does not start daemons.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/linebuf.h"
#include "common/log.h"
#include "magic/magic.h"
#include "supervise/spawn.h"

/* Reads per wake-up and pipe; a final drain reads more, still bounded. */
#define READS_PER_TURN 16

static bool
emit_line(const char *line, size_t len, void *arg)
{
	struct hook_pipe *p = arg;
	struct hookrun *hr = p->run;
	struct outq *q = p->is_err ? &hr->out->err : &hr->out->out;

	if (!output_put_line(hr->out, q, hr->hooks[hr->current].name, line,
	    len)) {
		p->paused = true;
		loop_set_events(hr->loop, p->fd, 0);
		return false;
	}
	return true;
}

static void
pump(struct hook_pipe *p, bool final)
{
	size_t cap = p->run->max_line * 2;
	int reads = final ? 16 * READS_PER_TURN : READS_PER_TURN;

	if (p->rest == NULL && (p->rest = malloc(cap)) == NULL) {
		return;
	}
	p->rest_cap = cap;
	for (int i = 0; i < reads && !p->paused; i++) {
		ssize_t n = read(p->fd, p->rest + p->rest_len,
		    p->rest_cap - p->rest_len);
		size_t used;

		if (n > 0) {
			p->rest_len += (size_t)n;
		}
		used = linebuf_split(p->rest, p->rest_len, p->run->max_line,
		    final && n <= 0, emit_line, p);
		memmove(p->rest, p->rest + used, p->rest_len - used);
		p->rest_len -= used;
		if (n <= 0) {
			break;
		}
	}
}

static void
on_pipe(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	pump(arg, false);
}

static void
close_pipes(struct hookrun *hr)
{
	for (int i = 0; i < 2; i++) {
		struct hook_pipe *p = &hr->pipes[i];

		if (p->fd >= 0) {
			loop_del_fd(hr->loop, p->fd);
		}
		fd_close(&p->fd);
		free(p->rest);
		p->rest = NULL;
		p->rest_len = p->rest_cap = 0;
		p->paused = false;
	}
}

/* Opens the two pipes; the write ends go to *wfds. */
static int
open_pipes(struct hookrun *hr, int wfds[2])
{
	for (int i = 0; i < 2; i++) {
		struct hook_pipe *p = &hr->pipes[i];
		int fds[2];

		p->run = hr;
		p->is_err = i == 1;
		if (pipe2(fds, O_CLOEXEC) == -1) {
			return -1;
		}
		p->fd = fds[0];
		wfds[i] = fds[1];
		(void)fd_set_nonblock(p->fd, true);
		if (loop_add_fd(hr->loop, p->fd, POLLIN, on_pipe, p) == -1) {
			return -1;
		}
	}
	return 0;
}

static void
on_timeout(void *arg)
{
	struct hookrun *hr = arg;
	struct hook_result *h = &hr->hooks[hr->current];

	hr->timer = 0;
	if (hr->pid > 0) {
		h->timed_out = true;
		vlog_warn("%s: still running after %lld ms: killing it",
		    h->name, (long long)(clock_mono_ms() - h->started_ms));
		(void)kill(-hr->pid, SIGKILL);
	}
}

static int64_t
hook_deadline(const struct hookrun *hr, int64_t now)
{
	int64_t at = now + hr->timeout_ms;

	return hr->deadline_ms > 0 && hr->deadline_ms < at ? hr->deadline_ms
	    : at;
}

/* Starts hook i; false when it could not be started (recorded). */
static bool
spawn_hook(struct hookrun *hr, struct hook_result *h)
{
	char *argv[] = { h->path, NULL, NULL };
	struct spawn_req req = { .path = h->path, .argv = argv,
		.envp = hr->env, .mask = hr->child_mask, .extra_fd = -1 };
	int wfds[2] = { -1, -1 }, exec_errno = 0;

	h->started = true;
	h->started_ms = clock_mono_ms();
	if (h->via_shell) {
		argv[0] = "/bin/sh";
		argv[1] = h->path;
		req.path = argv[0];
	}
	if (open_pipes(hr, wfds) == 0) {
		req.stdout_fd = wfds[0];
		req.stderr_fd = wfds[1];
		hr->pid = spawn_start(&req, &exec_errno);
	}
	fd_close(&wfds[0]);
	fd_close(&wfds[1]);
	if (hr->pid <= 0) {
		vlog_warn("%s: unable to start: %s", h->name, strerror(errno));
		close_pipes(hr);
		hr->pid = 0;
		h->finished = true;
		h->status = 127 << 8;
		return false;
	}
	if (exec_errno != 0) {
		vlog_warn("%s: unable to run %s: %s", h->name, h->path,
		    strerror(exec_errno));
	}
	hr->timer = loop_add_timer(hr->loop, hook_deadline(hr, h->started_ms),
	    on_timeout, hr);
	return true;
}

/* The status the container exits with for a hook that failed. */
static int
failure_status(const struct hook_result *h)
{
	if (h->timed_out) {
		return MAGIC_TIMEOUT_STATUS;
	}
	if (WIFSIGNALED(h->status)) {
		return 128 + WTERMSIG(h->status);
	}
	return WEXITSTATUS(h->status);
}

static bool
succeeded(const struct hook_result *h)
{
	return !h->timed_out && WIFEXITED(h->status) &&
	    WEXITSTATUS(h->status) == 0;
}

static void
write_once_marker(struct hookrun *hr, const struct hook_result *h)
{
	const char *base = strrchr(h->path, '/');
	char *path = NULL;
	int fd = -1;

	if (asprintf(&path, "%s/%s", hr->once_dir, base + 1) == -1) {
		return;
	}
	if (fd_mkdirs(hr->once_dir, 0755) == -1 ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		vlog_warn("%s: unable to write its marker %s: %s; it will "
		    "run again", h->name, path, strerror(errno));
	}
	fd_close(&fd);
	free(path);
}

/* Says how the hook ended and decides whether the run goes on. */
static void
hook_ended(struct hookrun *hr, struct hook_result *h)
{
	char how[64];

	h->finished = true;
	h->elapsed_ms = clock_mono_ms() - h->started_ms;
	if (succeeded(h)) {
		vlog_info("%s: done in %lld ms", h->name,
		    (long long)h->elapsed_ms);
		if (h->once) {
			write_once_marker(hr, h);
		}
		return;
	}
	if (hr->stopping) {
		vlog_info("%s: stopped by the shutdown after %lld ms", h->name,
		    (long long)h->elapsed_ms);
		return;
	}
	if (h->timed_out) {
		snprintf(how, sizeof(how), "timed out");
	} else if (WIFSIGNALED(h->status)) {
		snprintf(how, sizeof(how), "killed by signal %d",
		    WTERMSIG(h->status));
	} else {
		snprintf(how, sizeof(how), "exited %d", WEXITSTATUS(h->status));
	}
	if (hr->keep_going) {
		vlog_warn("%s: %s after %lld ms; going on (magic_failure = "
		    "continue)", h->name, how, (long long)h->elapsed_ms);
		return;
	}
	hr->failed = true;
	hr->exit_status = failure_status(h);
	vlog_fatal("%s: %s after %lld ms: the boot stops here (exit %d)",
	    h->name, how, (long long)h->elapsed_ms, hr->exit_status);
}

static void
start_next(struct hookrun *hr)
{
	int64_t now = clock_mono_ms();

	while (hr->next < hr->nhooks && !hr->failed) {
		struct hook_result *h = &hr->hooks[hr->next];

		hr->current = hr->next++;
		if (hr->deadline_ms > 0 && now >= hr->deadline_ms) {
			vlog_warn("%s: no time left to run it", h->name);
			continue;
		}
		vlog_info("%s: running %s", h->name, h->path);
		if (spawn_hook(hr, h)) {
			return;
		}
		hook_ended(hr, h);
	}
	hr->current = -1;
}

void
hookrun_start(struct hookrun *hr)
{
	hr->pipes[0].fd = hr->pipes[1].fd = -1;
	hr->current = -1;
	start_next(hr);
}

/* Reads the hook's last lines, then ends it; when vcinit's output is full
 * this waits for hookrun_resume, so no line is lost. */
static void
finish_current(struct hookrun *hr)
{
	for (int i = 0; i < 2; i++) {
		pump(&hr->pipes[i], true);
		if (hr->pipes[i].paused) {
			return;
		}
	}
	close_pipes(hr);
	hr->draining = false;
	hook_ended(hr, &hr->hooks[hr->current]);
	start_next(hr);
}

bool
hookrun_child_exited(struct hookrun *hr, pid_t pid, int status)
{
	if (hr->pid <= 0 || pid != hr->pid) {
		return false;
	}
	hr->hooks[hr->current].status = status;
	/* What the hook left in its group goes with it. */
	(void)kill(-hr->pid, SIGKILL);
	hr->pid = 0;
	hr->draining = true;
	loop_cancel_timer(hr->loop, &hr->timer);
	finish_current(hr);
	return true;
}

bool
hookrun_is_done(const struct hookrun *hr)
{
	return hr->pid <= 0 && !hr->draining &&
	    (hr->failed || hr->next >= hr->nhooks);
}

void
hookrun_stop(struct hookrun *hr, int64_t deadline_ms)
{
	hr->next = hr->nhooks;
	hr->stopping = true;
	if (hr->pid > 0) {
		(void)kill(-hr->pid, SIGTERM);
		(void)kill(-hr->pid, SIGCONT);
		loop_cancel_timer(hr->loop, &hr->timer);
		hr->timer = loop_add_timer(hr->loop, deadline_ms, on_timeout,
		    hr);
	}
}

void
hookrun_resume(struct hookrun *hr)
{
	for (int i = 0; i < 2; i++) {
		struct hook_pipe *p = &hr->pipes[i];

		if (p->paused && p->fd >= 0) {
			p->paused = false;
			loop_set_events(hr->loop, p->fd, POLLIN);
			pump(p, false);
		}
	}
	if (hr->draining) {
		finish_current(hr);
	}
}

void
hookrun_free(struct hookrun *hr)
{
	if (hr->loop != NULL) {
		close_pipes(hr);
		loop_cancel_timer(hr->loop, &hr->timer);
	}
	for (int i = 0; i < hr->nhooks; i++) {
		free(hr->hooks[i].name);
		free(hr->hooks[i].path);
	}
	free(hr->hooks);
	hr->hooks = NULL;
	hr->nhooks = 0;
}
