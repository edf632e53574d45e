/* SPDX-License-Identifier: ISC */
/*
 * Service output: each service has a pipe for stdout and one for stderr,
 * held open by PID 1 for the service's whole life, so what a dying process
 * wrote is still read. Lines go to vcinit's stdout or stderr prefixed with
 * the service's name, and/or to its log file. While vcinit's output is
 * full a pipe is not read: the service blocks on write, nothing is lost.
 *
 * Reads go through one scratch buffer shared by all services; a pipe keeps
 * only what is left over (a partial line, or lines the full output could
 * not take), in a buffer it gets the first time it needs one. A service
 * that writes whole lines, or nothing, costs no buffer of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fdutil.h"
#include "common/log.h"
#include "supervise/svc.h"

/* Reads per wake-up and pipe, so that one chatty service cannot keep the
 * loop from everything else. */
#define READS_PER_TURN 16
#define SCRATCH_MIN (16 * 1024)

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

static void
pause_pipe(struct logpipe *lp)
{
	if (!lp->paused && lp->rfd >= 0) {
		lp->paused = true;
		loop_set_events(lp->svc->sup->loop, lp->rfd, 0);
	}
}

/* One line to where the service's output goes; when vcinit's output queue
 * cannot take it now, the line is not taken and the pipe pauses. */
static bool
emit_line(const char *line, size_t len, void *arg)
{
	struct logpipe *lp = arg;
	struct service *svc = lp->svc;
	struct output *o = svc->sup->out;
	struct outq *q = lp->is_err ? &o->err : &o->out;

	if (to_stdout(svc) && !output_put_line(o, q, svc->cfg->name, line,
	    len)) {
		pause_pipe(lp);
		return false;
	}
	if (to_file(svc)) {
		logfile_write(&svc->file, line, len);
	}
	return true;
}

/* Keeps buf[0..len) for the next round. False when out of memory. */
static bool
keep_rest(struct logpipe *lp, const char *buf, size_t len)
{
	if (len > lp->rest_cap) {
		char *grown = realloc(lp->rest, len);

		if (grown == NULL) {
			return false;
		}
		lp->rest = grown;
		lp->rest_cap = len;
	}
	if (len > 0) {
		memmove(lp->rest, buf, len);
	}
	lp->rest_len = len;
	return true;
}

static bool
scratch_ready(struct supervisor *sup)
{
	size_t need = (size_t)sup->config->log_line_max * 2;

	if (need < SCRATCH_MIN) {
		need = SCRATCH_MIN;
	}
	if (sup->scratch_cap < need) {
		char *grown = realloc(sup->scratch, need);

		if (grown == NULL) {
			return false;
		}
		sup->scratch = grown;
		sup->scratch_cap = need;
	}
	return true;
}

/*
 * Reads what the service wrote and hands out its lines. final also flushes
 * a last partial line (the service's process is gone).
 */
static void
pump(struct logpipe *lp, bool final)
{
	struct supervisor *sup = lp->svc->sup;
	size_t max_line = (size_t)sup->config->log_line_max;
	/* A final drain reads more, but still a bounded amount: a leftover
	 * process may be writing as fast as it can. */
	int max_reads = final ? 16 * READS_PER_TURN : READS_PER_TURN;

	if (final) {
		lp->flush_pending = true;
	}
	if (lp->paused || !scratch_ready(sup)) {
		return;
	}
	for (int i = 0; i < max_reads; i++) {
		char *s = sup->scratch;
		size_t len = lp->rest_len, space, used;
		ssize_t n = 0;

		if (len > 0) {
			memcpy(s, lp->rest, len);
		}
		lp->rest_len = 0;
		space = sup->scratch_cap - len;
		if (lp->rfd >= 0 && space > 0) {
			n = read(lp->rfd, s + len, space);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				vlog_warn("%s: unable to read its output: %s",
				    lp->svc->cfg->name, strerror(errno));
			}
			n = n < 0 ? 0 : n;
		}
		len += (size_t)n;
		used = linebuf_split(s, len, max_line, lp->flush_pending &&
		    n == 0, emit_line, lp);
		if (!keep_rest(lp, s + used, len - used)) {
			vlog_warn("%s: out of memory: %zu bytes of output lost",
			    lp->svc->cfg->name, len - used);
		}
		if (lp->paused) {
			return;
		}
		if (n == 0) {
			lp->flush_pending = false;
			return;
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

static int
open_pipe(struct service *svc, struct logpipe *lp, bool is_err)
{
	int p[2];

	memset(lp, 0, sizeof(*lp));
	lp->svc = svc;
	lp->is_err = is_err;
	lp->rfd = lp->wfd = -1;
	if (pipe2(p, O_CLOEXEC) == -1) {
		return -1;
	}
	lp->rfd = p[0];
	lp->wfd = p[1];
	(void)fd_set_nonblock(lp->rfd, true);
	if (loop_add_fd(svc->sup->loop, lp->rfd, POLLIN, on_pipe, lp) == -1) {
		fd_close(&lp->rfd);
		fd_close(&lp->wfd);
		return -1;
	}
	return 0;
}

int
svc_pipes_open(struct service *svc)
{
	struct vc_config *c = svc->sup->config;

	svc->file.fd = -1;
	if (svc->cfg->inherit_stdio) {
		return 0;	/* it writes to vcinit's own fds */
	}
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
	if (lp->rfd >= 0 && lp->svc != NULL) {
		loop_del_fd(lp->svc->sup->loop, lp->rfd);
	}
	fd_close(&lp->rfd);
	fd_close(&lp->wfd);
	free(lp->rest);
	lp->rest = NULL;
	lp->rest_len = lp->rest_cap = 0;
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
	if (svc->out.rfd >= 0) {
		pump(&svc->out, final);
	}
	if (svc->err.rfd >= 0) {
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
