/* SPDX-License-Identifier: ISC */
/*
 * The control socket's server side in PID 1 (docs/control.md): one request
 * line per connection, peers checked by SO_PEERCRED before anything is
 * read, bounded connections and request sizes, replies written without
 * blocking. start, stop and restart answer once the service got there.
 */
#ifndef VCORE_SUPERVISE_CONTROL_H
#define VCORE_SUPERVISE_CONTROL_H

#include "common/buf.h"
#include "init/loop.h"
#include "supervise/supervisor.h"

#define CONTROL_MAX_REQUEST 1024
#define CONTROL_MAX_CLIENTS 32
#define CONTROL_MAX_PER_UID 4

struct control_client;

struct control {
	int listen_fd;
	char *path;
	struct loop *loop;
	struct supervisor *sup;
	struct control_client *clients;
	int nclients;
	/* Re-reads the config; appends the report or the errors. 0 or -1. */
	int (*reload)(void *arg, struct buf *reply);
	/* Starts the shutdown. */
	void (*shutdown)(void *arg);
	void *arg;
};

/* Binds path (mode 0666, its folder created 0755) and starts listening.
 * Returns 0, or -1 with errno. */
int control_open(struct control *ctl, struct loop *loop,
    struct supervisor *sup, const char *path);
/* Closes the listener and every connection, and removes the socket. */
void control_close(struct control *ctl);
/* Tells waiting clients that svc changed state (the supervisor's hook). */
void control_on_state(struct service *svc, void *arg);

/* Answers the clients waiting for health (the supervisor's hook). */
void control_health_done(void *arg);

/* Splits a request line into at most max words (in place). Pure. Returns
 * the number of words, or -1 when there are more. */
int control_split(char *line, char **words, int max);

#endif
