/* SPDX-License-Identifier: ISC */
/*
 * The event loop; see loop.h. Watched fds and timers are plain arrays: a
 * container has tens of services, so a linear scan beats a heap in code
 * size and is far below the cost of one poll(2).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "init/loop.h"

struct watch {
	int fd;
	short events;
	short revents;
	loop_fd_fn cb;
	void *arg;
	bool gone;		/* deleted; removed after dispatch */
};

struct timer {
	uint64_t id;
	int64_t deadline_ms;
	loop_timer_fn cb;
	void *arg;
};

struct loop {
	struct watch *watches;
	int nwatches, capwatches;
	struct pollfd *pfds;
	int *pfd_watch;		/* pfds[i] belongs to watches[pfd_watch[i]] */
	int npfds, cappfds;
	struct timer *timers;
	int ntimers, captimers;
	uint64_t next_timer_id;
	bool dispatching;
};

struct loop *
loop_new(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (loop != NULL) {
		loop->next_timer_id = 1;
	}
	return loop;
}

void
loop_free(struct loop *loop)
{
	if (loop == NULL) {
		return;
	}
	free(loop->watches);
	free(loop->pfds);
	free(loop->pfd_watch);
	free(loop->timers);
	free(loop);
}

static int
grow(void **array, int *cap, int need, size_t size)
{
	void *n;
	int ncap;

	if (need <= *cap) {
		return 0;
	}
	ncap = *cap == 0 ? 16 : *cap * 2;
	while (ncap < need) {
		ncap *= 2;
	}
	n = realloc(*array, (size_t)ncap * size);
	if (n == NULL) {
		return -1;
	}
	*array = n;
	*cap = ncap;
	return 0;
}

static struct watch *
find_watch(struct loop *loop, int fd)
{
	for (int i = 0; i < loop->nwatches; i++) {
		if (loop->watches[i].fd == fd && !loop->watches[i].gone) {
			return &loop->watches[i];
		}
	}
	return NULL;
}

int
loop_add_fd(struct loop *loop, int fd, short events, loop_fd_fn cb, void *arg)
{
	struct watch *w;

	if (grow((void **)&loop->watches, &loop->capwatches,
	    loop->nwatches + 1, sizeof(*w)) == -1) {
		return -1;
	}
	/* poll's arrays follow the watches' capacity. */
	if (loop->cappfds < loop->capwatches) {
		struct pollfd *p = realloc(loop->pfds,
		    sizeof(*p) * (size_t)loop->capwatches);
		int *pw;

		if (p == NULL) {
			return -1;
		}
		loop->pfds = p;
		pw = realloc(loop->pfd_watch,
		    sizeof(*pw) * (size_t)loop->capwatches);
		if (pw == NULL) {
			return -1;
		}
		loop->pfd_watch = pw;
		loop->cappfds = loop->capwatches;
	}
	w = &loop->watches[loop->nwatches++];
	w->fd = fd;
	w->events = events;
	w->revents = 0;
	w->cb = cb;
	w->arg = arg;
	w->gone = false;
	return 0;
}

void
loop_set_events(struct loop *loop, int fd, short events)
{
	struct watch *w = find_watch(loop, fd);

	if (w != NULL) {
		w->events = events;
	}
}

static void
compact_watches(struct loop *loop)
{
	int j = 0;

	for (int i = 0; i < loop->nwatches; i++) {
		if (!loop->watches[i].gone) {
			loop->watches[j++] = loop->watches[i];
		}
	}
	loop->nwatches = j;
}

void
loop_del_fd(struct loop *loop, int fd)
{
	struct watch *w = find_watch(loop, fd);

	if (w == NULL) {
		return;
	}
	w->gone = true;
	w->revents = 0;
	if (!loop->dispatching) {
		compact_watches(loop);
	}
}

uint64_t
loop_add_timer(struct loop *loop, int64_t deadline_ms, loop_timer_fn cb,
    void *arg)
{
	struct timer *t;

	if (grow((void **)&loop->timers, &loop->captimers, loop->ntimers + 1,
	    sizeof(*t)) == -1) {
		/* Out of memory in PID 1: better a late timer than none. */
		vlog_warn("cannot add a timer: %s", strerror(ENOMEM));
		return 0;
	}
	t = &loop->timers[loop->ntimers++];
	t->id = loop->next_timer_id++;
	t->deadline_ms = deadline_ms;
	t->cb = cb;
	t->arg = arg;
	return t->id;
}

void
loop_cancel_timer(struct loop *loop, uint64_t *id)
{
	if (*id == 0) {
		return;
	}
	for (int i = 0; i < loop->ntimers; i++) {
		if (loop->timers[i].id == *id) {
			loop->timers[i] = loop->timers[--loop->ntimers];
			break;
		}
	}
	*id = 0;
}

static int
next_timeout_ms(struct loop *loop)
{
	int64_t now, nearest;

	if (loop->ntimers == 0) {
		return -1;
	}
	nearest = loop->timers[0].deadline_ms;
	for (int i = 1; i < loop->ntimers; i++) {
		if (loop->timers[i].deadline_ms < nearest) {
			nearest = loop->timers[i].deadline_ms;
		}
	}
	now = clock_mono_ms();
	if (nearest <= now) {
		return 0;
	}
	return nearest - now > 86400000 ? 86400000 : (int)(nearest - now);
}

int
loop_wait(struct loop *loop)
{
	int n = 0, rc;

	for (int i = 0; i < loop->nwatches; i++) {
		loop->watches[i].revents = 0;
		if (loop->watches[i].events == 0 || loop->watches[i].gone) {
			continue;
		}
		loop->pfds[n].fd = loop->watches[i].fd;
		loop->pfds[n].events = loop->watches[i].events;
		loop->pfds[n].revents = 0;
		loop->pfd_watch[n] = i;
		n++;
	}
	loop->npfds = n;
	rc = poll(loop->pfds, (nfds_t)n, next_timeout_ms(loop));
	if (rc < 0) {
		if (errno != EINTR) {
			vlog_warn("poll: %s", strerror(errno));
		}
		return 0;
	}
	for (int i = 0; i < n; i++) {
		loop->watches[loop->pfd_watch[i]].revents = loop->pfds[i].revents;
	}
	return rc;
}

bool
loop_is_ready(struct loop *loop, int fd)
{
	struct watch *w = find_watch(loop, fd);

	return w != NULL && w->revents != 0;
}

void
loop_dispatch_fds(struct loop *loop, int skip_fd)
{
	int n = loop->nwatches;

	/* Callbacks may add watches (the array may move: index, not pointer)
	 * or delete them (marked gone, compacted afterwards). */
	loop->dispatching = true;
	for (int i = 0; i < n; i++) {
		short rev = loop->watches[i].revents;

		if (rev == 0 || loop->watches[i].gone ||
		    loop->watches[i].fd == skip_fd) {
			continue;
		}
		loop->watches[i].revents = 0;
		loop->watches[i].cb(loop->watches[i].fd, rev,
		    loop->watches[i].arg);
	}
	loop->dispatching = false;
	compact_watches(loop);
}

void
loop_run_timers(struct loop *loop)
{
	int64_t now = clock_mono_ms();
	uint64_t first_new = loop->next_timer_id;
	bool fired;

	/* A callback may add or cancel timers, so look again after each.
	 * Timers added meanwhile wait for the next turn, so that a callback
	 * that re-arms itself at "now" cannot keep this loop spinning. */
	do {
		fired = false;
		for (int i = 0; i < loop->ntimers; i++) {
			struct timer t = loop->timers[i];

			if (t.deadline_ms > now || t.id >= first_new) {
				continue;
			}
			loop->timers[i] = loop->timers[--loop->ntimers];
			t.cb(t.arg);
			fired = true;
			break;
		}
	} while (fired);
}
