/* SPDX-License-Identifier: ISC */
/*
 * The one event loop of PID 1: file descriptors and timers with absolute
 * CLOCK_MONOTONIC deadlines. poll(2) sleeps until an fd is ready or the
 * nearest deadline; with nothing due it sleeps with no timeout, so an idle
 * container wakes no one. The pollfd array is rebuilt each turn.
 */
#ifndef VCORE_INIT_LOOP_H
#define VCORE_INIT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*loop_fd_fn)(int fd, short revents, void *arg);
typedef void (*loop_timer_fn)(void *arg);

struct loop;

/* Returns a new loop, or NULL when out of memory. */
struct loop *loop_new(void);
void loop_free(struct loop *loop);

/* Watches fd for events (POLLIN, POLLOUT); cb gets the revents. 0 or -1. */
int loop_add_fd(struct loop *loop, int fd, short events, loop_fd_fn cb,
    void *arg);
/* Changes the events watched on fd; 0 stops watching without removing. */
void loop_set_events(struct loop *loop, int fd, short events);
/* Stops watching fd (safe from inside a callback). */
void loop_del_fd(struct loop *loop, int fd);

/* Calls cb at deadline_ms (clock_mono_ms). Returns a non-zero timer id. */
uint64_t loop_add_timer(struct loop *loop, int64_t deadline_ms,
    loop_timer_fn cb, void *arg);
/* Cancels *id if it is pending and sets it to 0. */
void loop_cancel_timer(struct loop *loop, uint64_t *id);

/*
 * Sleeps in poll until an fd is ready or a timer is due; does not call any
 * callback. Returns the number of ready fds, 0 on a timeout or EINTR.
 */
int loop_wait(struct loop *loop);
/* True when fd was reported ready by the last loop_wait. */
bool loop_is_ready(struct loop *loop, int fd);
/* Calls the callbacks of ready fds, except skip_fd (handled apart). */
void loop_dispatch_fds(struct loop *loop, int skip_fd);
/* Calls the callbacks of the timers that are due. */
void loop_run_timers(struct loop *loop);

#endif
