/* SPDX-License-Identifier: ISC */
/*
 * vcinit's stdout and stderr, which `docker logs` reads. Writes never block
 * PID 1: what the reader cannot take yet is queued, and while a queue is
 * full the services' pipes are not read (the services slow down, no line
 * is lost). A small reserve keeps room for vcinit's own messages.
 */
#ifndef VCORE_SUPERVISE_OUTPUT_H
#define VCORE_SUPERVISE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "init/loop.h"

struct outq {
	int fd;
	char *buf;
	size_t len;
	size_t cap;
	bool watching;		/* POLLOUT registered */
	bool broken;		/* the reader is gone (EPIPE): discard */
	unsigned long dropped;	/* own messages that found no room */
};

struct output {
	struct loop *loop;
	struct outq out;	/* fd 1 */
	struct outq err;	/* fd 2 */
	void (*drained)(void *arg);	/* a full queue has room again */
	void *drained_arg;
};

/* Sets up both queues on fds 1 and 2 (non-blocking if they are pipes or
 * sockets). Returns 0 or -1. */
int output_init(struct output *o, struct loop *loop, size_t cap);
void output_free(struct output *o);
/* True when q can take n bytes of service output now. */
bool output_has_room(const struct outq *q, size_t n);
/* Queues one whole record (a line with its newline) and writes what it can.
 * Service lines must check output_has_room first; own messages may use the
 * reserve and are counted as dropped only when even that is full. */
void output_put(struct output *o, struct outq *q, const char *data, size_t n,
    bool own);
/* Queues "name | line\n" (a service's line) if q has room for it; false
 * when it has not (nothing is queued then). */
bool output_put_line(struct output *o, struct outq *q, const char *name,
    const char *line, size_t len);
/* Writes everything queued, waiting at most timeout_ms: for the very end,
 * when vcinit is about to exit. */
void output_flush_all(struct output *o, int timeout_ms);

#endif
