/* SPDX-License-Identifier: ISC */
/*
 * Active checks: servers, their items and buffered values (agent_active.c)
 * and the log[]/logrt[] items that read files (agent_log.c).
 */
#ifndef VCORE_MONITOR_AGENT_ACTIVE_H
#define VCORE_MONITOR_AGENT_ACTIVE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "monitor/agent_int.h"

struct active_server;

/* A file logrt[] read to its end and left for another one. */
#define LOG_DONE_FILES	8
struct log_done {
	dev_t dev;
	ino_t ino;
	uint64_t size;		/* where reading stopped */
};

struct active_item {
	char *key;
	int64_t delay_ms;
	int64_t next_ms;
	uint64_t lastlogsize;	/* log items: offset after the last line */
	int64_t mtime;		/* logrt: the file's modification time */
	bool is_log;
	bool is_logrt;
	bool seen;		/* in the server's latest list */
	bool busy;		/* a job computes its value */
	bool log_started;
	dev_t log_dev;
	ino_t log_ino;
	struct log_done log_done[LOG_DONE_FILES];	/* a ring */
	int log_ndone;
	struct agent_waiter waiter;
	struct active_server *srv;
};

struct active_value {
	char *key;
	char *value;
	int64_t clock;
	long ns;
	uint64_t id;
	bool unsupported;
	bool is_log;
	bool has_mtime;
	uint64_t lastlogsize;
	int64_t mtime;
};

enum srv_phase { SRV_IDLE, SRV_CONNECTING, SRV_SENDING, SRV_READING };
enum srv_req { REQ_CHECKS, REQ_DATA, REQ_HEARTBEAT };

struct active_server {
	struct agent_io io;
	char host[256];
	int port;
	enum srv_phase phase;
	enum srv_req req;
	int64_t deadline_ms;
	struct buf out;
	size_t out_off;
	struct buf in;
	int64_t next_refresh_ms;
	int64_t next_heartbeat_ms;
	int64_t backoff_ms;
	int64_t retry_ms;
	bool failing;
	bool have_list;
	struct active_item **items;
	int nitems;
	struct active_value *vals;	/* a ring of vcap values */
	int vcap;
	int vhead;
	int nvals;
	int nsent;		/* values in the request in flight */
	size_t vbytes;
	uint64_t dropped;
	uint64_t next_id;
	int64_t first_value_ms;
};

/* Appends a value of it to its server's buffer, dropping the oldest
 * when full. */
void agent_active_add_value(struct agent *ag, struct active_item *it,
    bool error, const char *text, size_t len);

/* agent_log.c: reads new lines of a log[] or logrt[] item. */
void agent_log_check(struct agent *ag, struct active_item *it);
void agent_log_forget(struct active_item *it);

#endif
