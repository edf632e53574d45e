/* SPDX-License-Identifier: ISC */
/*
 * Service output: each service has a pipe for stdout and one for stderr,
 * held open by PID 1 for the service's whole life, so what a dying process
 * wrote is still read. Lines go to vcinit's stdout or stderr prefixed with
 * the service's name, and/or to its log file. While vcinit's output is
 * full a pipe is not read: the service blocks on write, nothing is lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "common/fdutil.h"
#include "common/log.h"
#include "supervise/svc.h"

/* Reads per wake-up and pipe, so that one chatty service cannot keep the
 * loop from everything else. */
#define READS_PER_TURN 16

static bool
to_stdout(const struct service *svc)
{
	return svc->cfg->log == LOG_TO_STDOUT || svc->cfg->log == LOG_TO_BOTH;
}

static bool
to_file(const struct service *svc)
{
	return (svc->cfg->log == LOG_TO_FILE || svc->cfg->log == LOG_TO_BOTH) &&
	    svc->file.fd >= 0;
}

/* Hands out complete lines; false when the output queue is full (the rest
 * stays in the line buffer). */
static bool
emit_lines(struct logpipe *lp, bool flush)
{
	struct service *svc = lp->svc;
	struct output *o = svc->sup->out;
	struct outq *q = lp->is_err ? &o->err : &o->out;
	const char *line;
	size_t len;

	for (;;) {
		/* Room for the longest line before taking one out. */
		if (to_stdout(svc) && !output_has_room(q,
		    strlen(svc->cfg->name) + 4 + lp->lb.cap)) {
			return false;
		}
		if (!linebuf_next(&lp->lb, flush, &line, &len)) {
			return true;
		}
		if (to_stdout(svc)) {
			(void)output_put_line(o, q, svc->cfg->name, line, len);
		}
		if (to_file(svc)) {
			logfile_write(&svc->file, line, len);
		}
	}
}

static void
pause_pipe(struct logpipe *lp)
{
	if (!lp->paused && lp->rfd >= 0) {
		lp->paused = true;
		loop_set_events(lp->svc->sup->loop, lp->rfd, 0);
	}
}

static void
pump(struct logpipe *lp, bool final)
{
	/* A final drain reads more, but still a bounded amount: a leftover
	 * process may be writing as fast as it can. */
	int max_reads = final ? 16 * READS_PER_TURN : READS_PER_TURN;

	for (int i = 0; i < max_reads; i++) {
		char *where;
		size_t space;
		ssize_t n;

		if (!emit_lines(lp, false)) {
			pause_pipe(lp);
			return;
		}
		space = linebuf_space(&lp->lb, &where);
		n = read(lp->rfd, where, space);
		if (n > 0) {
			linebuf_commit(&lp->lb, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && errno != EAGAIN) {
			vlog_warn("%s: unable to read its output: %s",
			    lp->svc->cfg->name, strerror(errno));
		}
		break;
	}
	if (final && !emit_lines(lp, true)) {
		pause_pipe(lp);
	}
}

static void
on_pipe(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	pump(arg, false);
}

static int
open_pipe(struct service *svc, struct logpipe *lp, bool is_err)
{
	int p[2];

	lp->svc = svc;
	lp->is_err = is_err;
	lp->paused = false;
	lp->rfd = lp->wfd = -1;
	if (pipe2(p, O_CLOEXEC) == -1) {
		return -1;
	}
	lp->rfd = p[0];
	lp->wfd = p[1];
	(void)fd_set_nonblock(lp->rfd, true);
	if (linebuf_init(&lp->lb, (size_t)svc->sup->config->log_line_max) == -1 ||
	    loop_add_fd(svc->sup->loop, lp->rfd, POLLIN, on_pipe, lp) == -1) {
		fd_close(&lp->rfd);
		fd_close(&lp->wfd);
		linebuf_free(&lp->lb);
		return -1;
	}
	return 0;
}

int
svc_pipes_open(struct service *svc)
{
	struct vc_config *c = svc->sup->config;

	svc->file.fd = -1;
	if (open_pipe(svc, &svc->out, false) == -1 ||
	    open_pipe(svc, &svc->err, true) == -1) {
		return -1;
	}
	if (svc->cfg->log == LOG_TO_FILE || svc->cfg->log == LOG_TO_BOTH) {
		if (logfile_open(&svc->file, c->log_dir, svc->cfg->name,
		    c->log_max_bytes, c->log_keep) == -1) {
			vlog_warn("unable to open %s/%s.log: %s", c->log_dir,
			    svc->cfg->name, strerror(errno));
		}
	}
	return 0;
}

static void
close_pipe(struct logpipe *lp)
{
	if (lp->rfd >= 0) {
		loop_del_fd(lp->svc->sup->loop, lp->rfd);
	}
	fd_close(&lp->rfd);
	fd_close(&lp->wfd);
	linebuf_free(&lp->lb);
}

void
svc_pipes_close(struct service *svc)
{
	svc_pipes_drain(svc, true);
	close_pipe(&svc->out);
	close_pipe(&svc->err);
	logfile_close(&svc->file);
}

void
svc_pipes_drain(struct service *svc, bool final)
{
	if (svc->out.rfd >= 0 && !svc->out.paused) {
		pump(&svc->out, final);
	}
	if (svc->err.rfd >= 0 && !svc->err.paused) {
		pump(&svc->err, final);
	}
}

static void
resume(struct logpipe *lp)
{
	if (!lp->paused || lp->rfd < 0) {
		return;
	}
	lp->paused = false;
	loop_set_events(lp->svc->sup->loop, lp->rfd, POLLIN);
	pump(lp, false);
}

void
sup_resume_pipes(void *arg)
{
	struct supervisor *sup = arg;

	for (int i = 0; i < sup->nsvcs; i++) {
		resume(&sup->svcs[i]->out);
		resume(&sup->svcs[i]->err);
	}
}
