/* SPDX-License-Identifier: ISC */
/* vcinit's own stdout and stderr; see output.h. */
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "supervise/output.h"

/* Room kept for vcinit's own messages when services fill a queue. */
#define OUTPUT_RESERVE 2048

static void on_writable(int fd, short revents, void *arg);

static int
outq_init(struct outq *q, int fd, size_t cap)
{
	struct stat st;

	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->cap = cap;
	q->buf = malloc(cap);
	if (q->buf == NULL) {
		return -1;
	}
	/* Only pipes and sockets can block; a terminal stays as it is, so
	 * that the shell that started us is not left non-blocking. */
	if (fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode))) {
		(void)fd_set_nonblock(fd, true);
	}
	return 0;
}

int
output_init(struct output *o, struct loop *loop, size_t cap)
{
	memset(o, 0, sizeof(*o));
	o->loop = loop;
	if (outq_init(&o->out, 1, cap) == -1 || outq_init(&o->err, 2,
	    cap) == -1) {
		return -1;
	}
	return 0;
}

void
output_free(struct output *o)
{
	free(o->out.buf);
	free(o->err.buf);
	o->out.buf = o->err.buf = NULL;
}

bool
output_has_room(const struct outq *q, size_t n)
{
	return q->broken || q->len + n + OUTPUT_RESERVE <= q->cap;
}

/* Writes what the fd takes. Returns true when the queue is empty. */
static bool
outq_write(struct outq *q)
{
	while (q->len > 0) {
		ssize_t n = write(q->fd, q->buf, q->len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && errno == EAGAIN) {
			return false;
		}
		if (n <= 0) {
			/* The reader is gone (or the fd is bad): nobody can
			 * see these bytes, so stop queueing for it. */
			q->broken = true;
			q->len = 0;
			return true;
		}
		memmove(q->buf, q->buf + n, q->len - (size_t)n);
		q->len -= (size_t)n;
	}
	return true;
}

static void
outq_watch(struct output *o, struct outq *q, bool on)
{
	if (on == q->watching) {
		return;
	}
	if (on) {
		if (loop_add_fd(o->loop, q->fd, POLLOUT, on_writable, o) == 0) {
			q->watching = true;
		}
	} else {
		loop_del_fd(o->loop, q->fd);
		q->watching = false;
	}
}

static void
on_writable(int fd, short revents, void *arg)
{
	struct output *o = arg;
	struct outq *q = fd == o->out.fd ? &o->out : &o->err;

	(void)revents;
	if (outq_write(q)) {
		outq_watch(o, q, false);
		if (o->drained != NULL) {
			o->drained(o->drained_arg);
		}
	}
}

void
output_put(struct output *o, struct outq *q, const char *data, size_t n,
    bool own)
{
	if (q->broken) {
		return;
	}
	if (q->len + n > q->cap || (!own && !output_has_room(q, n))) {
		if (own) {
			q->dropped++;
		}
		return;
	}
	if (q->len == 0 && !q->watching) {
		ssize_t w;

		do {
			w = write(q->fd, data, n);
		} while (w < 0 && errno == EINTR);
		if (w == (ssize_t)n) {
			return;
		}
		if (w > 0) {
			data += w;
			n -= (size_t)w;
		}
	}
	memcpy(q->buf + q->len, data, n);
	q->len += n;
	if (!q->watching && !outq_write(q)) {
		outq_watch(o, q, true);
	}
}

/* With nothing queued, a line goes straight out with one writev (no copy,
 * and the queue's memory is never touched while the reader keeps up).
 * Returns how many of need bytes were written. */
static size_t
write_direct(struct outq *q, const char *name, size_t nlen, const char *line,
    size_t len, size_t need)
{
	struct iovec iov[4] = {
		{ (void *)name, nlen }, { (void *)" | ", 3 },
		{ (void *)line, len }, { (void *)"\n", 1 },
	};
	ssize_t n;

	if (q->len > 0 || q->watching) {
		return 0;
	}
	do {
		n = writev(q->fd, iov, 4);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno != EAGAIN) {
		q->broken = true;	/* the reader is gone: see outq_write */
		return need;
	}
	return n < 0 ? 0 : (size_t)n;
}

/* Appends src[skip..len) to the queue; returns how much of skip is left. */
static size_t
append_from(struct outq *q, const char *src, size_t len, size_t skip)
{
	if (skip >= len) {
		return skip - len;
	}
	memcpy(q->buf + q->len, src + skip, len - skip);
	q->len += len - skip;
	return 0;
}

bool
output_put_line(struct output *o, struct outq *q, const char *name,
    const char *line, size_t len)
{
	size_t nlen = strlen(name);
	size_t need = nlen + 3 + len + 1;
	size_t skip;

	if (q->broken) {
		return true;
	}
	if (!output_has_room(q, need)) {
		return false;
	}
	skip = write_direct(q, name, nlen, line, len, need);
	if (skip == need) {
		return true;
	}
	/* Queue what the reader did not take yet: the record stays whole
	 * and in order. */
	skip = append_from(q, name, nlen, skip);
	skip = append_from(q, " | ", 3, skip);
	skip = append_from(q, line, len, skip);
	(void)append_from(q, "\n", 1, skip);
	if (!q->watching && !outq_write(q)) {
		outq_watch(o, q, true);
	}
	return true;
}

void
output_flush_all(struct output *o, int timeout_ms)
{
	int64_t end = clock_mono_ms() + timeout_ms;
	struct outq *qs[2] = { &o->out, &o->err };

	for (int i = 0; i < 2; i++) {
		while (!outq_write(qs[i])) {
			struct pollfd p = { .fd = qs[i]->fd, .events = POLLOUT };
			int64_t left = end - clock_mono_ms();

			if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
				break;
			}
		}
	}
}
