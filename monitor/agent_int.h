/* SPDX-License-Identifier: ISC */
/*
 * The agent's shared state and the interfaces between its files: the event
 * loop (epoll, fds with a callback each), the key table and results, child
 * jobs, passive connections, active checks. One struct agent holds every
 * mutable thing; it is made in agent_main and passed by pointer.
 */
#ifndef VCORE_MONITOR_AGENT_INT_H
#define VCORE_MONITOR_AGENT_INT_H

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "monitor/zbx_key.h"
#include "monitor/zbx_proto.h"

#define AGENT_VERSION		"6.0.14"	/* the protocol we speak */
#define AGENT_PASSIVE_MAX	(8 * 1024)	/* a request: one key of at most 2 KiB */
#define AGENT_ACTIVE_MAX	(4 * 1024 * 1024)	/* a server's reply */
#define AGENT_MAX_CONNS		1024
#define AGENT_VALUE_MAX		(64 * 1024)	/* one value, as sent */
#define AGENT_DROP_LOG_SLOTS	32

struct agent;
struct agent_job;

/* An fd in the event loop. */
struct agent_io {
	int fd;
	void (*cb)(struct agent *ag, struct agent_io *io, uint32_t events);
};

/* One waiting for a result that a job delivers later. */
struct agent_waiter {
	void (*done)(struct agent *ag, struct agent_waiter *w, bool error,
	    const char *text, size_t len);
	struct agent_job *job;	/* set while a job works for us */
};

/* Where a metric puts its answer. */
struct agent_result {
	bool error;		/* text is the ZBX_NOTSUPPORTED reason */
	bool pending;		/* a job will call waiter->done */
	struct buf *text;
	struct agent_waiter *waiter;	/* NULL: the caller cannot wait */
	bool active;		/* asked by an active check */
};

typedef void (*agent_metric_fn)(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res);

#define KEY_PARAMS	0x01	/* takes parameters */
#define KEY_ACTIVE_ONLY	0x02	/* log[], logrt[] */

struct agent_key_def {
	const char *name;
	unsigned flags;
	agent_metric_fn fn;
};

struct user_param {
	char *key;		/* name without "[*]" */
	bool flexible;		/* key[*]: $1..$9 from the parameters */
	char *command;
	int64_t timeout_ms;
};

struct agent_config {
	char *hostname;
	char *host_metadata;
	char *host_metadata_item;
	char **server;		/* passive allow list, NULL-terminated */
	char **server_active;	/* "host" or "host:port" */
	char *listen_ip;	/* NULL: every address, IPv4 and IPv6 */
	int listen_port;
	int64_t timeout_ms;
	bool passive;
	bool active;
	int buffer_size;	/* values kept for the server */
	int64_t buffer_send_ms;
	int64_t refresh_ms;
	int64_t heartbeat_ms;	/* 0: none */
	int max_lines;		/* log lines per second per item */
	char **allow_key;
	char **deny_key;
	struct user_param *user_params;
	int nuser_params;
	bool unsafe_user_parameters;
	char *control_socket;
};

struct allow_entry {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix;		/* bits */
};

/* A passive connection, from accept to close. */
struct conn {
	struct agent_io io;
	struct conn *prev;
	struct conn *next;
	int64_t deadline_ms;
	size_t len;		/* bytes received */
	size_t cap;
	unsigned char *rbuf;	/* small: inline; larger: heap */
	char *wbuf;		/* unsent reply (heap), or NULL */
	size_t wlen;
	size_t woff;
	bool waiting;		/* a job computes the reply */
	bool registered;	/* in the epoll set */
	struct agent_waiter waiter;
	unsigned char inline_buf[256];
};

/*
 * System CPU counters for system.cpu.util, sampled once a second, but only
 * while someone asks: the collector wakes up on the first request and goes
 * back to sleep (its memory freed) when nobody asked for CPU_IDLE_STOP_MS.
 */
#define CPU_STATES	10
#define CPU_FINE_SLOTS	61	/* one a second, for avg1 */
#define CPU_COARSE_SLOTS	61	/* one every 15 s: avg5, avg15 */
#define CPU_FIRST_MS	500	/* the second sample after a wake-up */
#define CPU_IDLE_STOP_MS	(16 * 60000)	/* avg15's window + 1 min */
struct cpu_sample {
	int64_t t_ms;
	uint64_t *v;		/* (ncpu + 1) * CPU_STATES: total first */
};
struct cpu_wait;
struct cpu_collector {
	int ncpu;		/* columns kept: cpu0..cpu(ncpu-1) */
	bool running;		/* sampling; the rings exist */
	int fine_n;
	int fine_at;
	int coarse_n;
	int coarse_at;
	int64_t last_coarse_ms;
	int64_t next_ms;
	int64_t asked_ms;	/* the last request that needed samples */
	uint64_t wakeups;	/* times the collector started */
	struct cpu_sample fine[CPU_FINE_SLOTS];
	struct cpu_sample coarse[CPU_COARSE_SLOTS];
	bool *online;		/* per cpu: seen in the last sample */
	uint64_t *mem;		/* every sample, one block */
	struct cpu_wait *waits;	/* requests for the second sample */
};

struct active_server;
struct ctl_cache;

struct agent {
	struct agent_config cfg;
	const char *config_dir;
	const char *root;	/* prefix of /proc and /sys ("" normally) */
	int epfd;
	int sigfd;
	bool stop;
	struct agent_io listeners[4];
	int nlisteners;
	struct allow_entry *allow;
	int nallow;
	struct {
		unsigned char addr[16];
		int64_t when_ms;
	} drop_log[AGENT_DROP_LOG_SLOTS];
	struct conn *conn_head;	/* oldest first: deadlines in order */
	struct conn *conn_tail;
	struct conn *wait_head;	/* waiting for a job: no deadline */
	int nconns;
	int max_conns;		/* under the fd limit */
	struct conn *free_conns;
	int nfree_conns;
	struct buf out;		/* a reply being built */
	struct buf scratch;	/* inflated bodies */
	struct buf value;	/* a metric's text */
	struct agent_job *jobs;
	struct cpu_collector cpu;
	struct active_server *servers;
	int nservers;
	struct ctl_cache *ctl;
	char session[33];
	struct agent_io resolver;	/* pipe from a resolver child */
	pid_t resolver_pid;
	int64_t resolve_at_ms;	/* next try for names that failed */
	struct buf resolved;
};

/* agent_loop.c (in agent_main.c): the event loop. */
int agent_io_add(struct agent *ag, struct agent_io *io, uint32_t events);
int agent_io_mod(struct agent *ag, struct agent_io *io, uint32_t events);
void agent_io_del(struct agent *ag, struct agent_io *io);

/* agent_config.c */
int agent_config_load(struct agent_config *cfg, const char *dir, char *err,
    size_t errlen);
void agent_config_free(struct agent_config *cfg);
/* Splits "host[:port]" or "[v6]:port". Returns 0 or -1. */
int agent_split_hostport(const char *text, char *host, size_t hostlen,
    int *port, int default_port);

/* agent_keys.c: the key table and evaluation. */
const struct agent_key_def *agent_key_find(const char *name);
/*
 * Evaluates the key text into res. Returns with res->pending when a job
 * will finish it (only when res->waiter is set).
 */
void agent_eval(struct agent *ag, const char *text, size_t len,
    struct agent_result *res);
/* Sets "Too many parameters." and returns true when key has more than max
 * parameters. */
bool agent_too_many(const struct zbx_key *key, int max,
    struct agent_result *res);
void agent_set_error(struct agent_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void agent_set_uint(struct agent_result *res, uint64_t v);
void agent_set_dbl(struct agent_result *res, double v);
void agent_set_str(struct agent_result *res, const char *s);
/* Path under ag->root: "/proc/stat" becomes ROOT/proc/stat. */
const char *agent_path(const struct agent *ag, char *out, size_t outlen,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Reads a small file (under root) into a NUL-terminated buffer. */
int agent_read_file(const struct agent *ag, const char *path, char *out,
    size_t outlen, size_t *len);
/* True when the unsafe-character rule refuses text. */
bool agent_param_unsafe(const char *text);

/* Metrics, in agent_sys.c, agent_fs.c, agent_net.c, agent_cpu.c,
 * agent_vcore.c, agent_job.c. */
void m_agent_ping(struct agent *, const struct zbx_key *, struct agent_result *);
void m_agent_version(struct agent *, const struct zbx_key *, struct agent_result *);
void m_agent_hostname(struct agent *, const struct zbx_key *, struct agent_result *);
void m_agent_variant(struct agent *, const struct zbx_key *, struct agent_result *);
void m_agent_hostmetadata(struct agent *, const struct zbx_key *, struct agent_result *);
void m_system_uptime(struct agent *, const struct zbx_key *, struct agent_result *);
void m_system_boottime(struct agent *, const struct zbx_key *, struct agent_result *);
void m_system_hostname(struct agent *, const struct zbx_key *, struct agent_result *);
void m_system_localtime(struct agent *, const struct zbx_key *, struct agent_result *);
void m_system_cpu_num(struct agent *, const struct zbx_key *, struct agent_result *);
void m_system_cpu_load(struct agent *, const struct zbx_key *, struct agent_result *);
void m_system_cpu_util(struct agent *, const struct zbx_key *, struct agent_result *);
void m_vm_memory_size(struct agent *, const struct zbx_key *, struct agent_result *);
void m_kernel_maxfiles(struct agent *, const struct zbx_key *, struct agent_result *);
void m_kernel_maxproc(struct agent *, const struct zbx_key *, struct agent_result *);
void m_proc_num(struct agent *, const struct zbx_key *, struct agent_result *);
void m_vfs_fs_size(struct agent *, const struct zbx_key *, struct agent_result *);
void m_vfs_fs_inode(struct agent *, const struct zbx_key *, struct agent_result *);
void m_vfs_fs_discovery(struct agent *, const struct zbx_key *, struct agent_result *);
void m_vfs_file_exists(struct agent *, const struct zbx_key *, struct agent_result *);
void m_vfs_file_size(struct agent *, const struct zbx_key *, struct agent_result *);
void m_vfs_file_contents(struct agent *, const struct zbx_key *, struct agent_result *);
void m_net_if_in(struct agent *, const struct zbx_key *, struct agent_result *);
void m_net_if_out(struct agent *, const struct zbx_key *, struct agent_result *);
void m_net_if_total(struct agent *, const struct zbx_key *, struct agent_result *);
void m_net_if_discovery(struct agent *, const struct zbx_key *, struct agent_result *);
void m_net_tcp_listen(struct agent *, const struct zbx_key *, struct agent_result *);
void m_net_udp_listen(struct agent *, const struct zbx_key *, struct agent_result *);
void m_net_tcp_port(struct agent *, const struct zbx_key *, struct agent_result *);
void m_system_run(struct agent *, const struct zbx_key *, struct agent_result *);
void m_vcore_cgroup_memory(struct agent *, const struct zbx_key *, struct agent_result *);
void m_vcore_cgroup_cpu(struct agent *, const struct zbx_key *, struct agent_result *);
void m_vcore_service_discovery(struct agent *, const struct zbx_key *, struct agent_result *);
void m_vcore_service_state(struct agent *, const struct zbx_key *, struct agent_result *);
void m_vcore_service_restarts(struct agent *, const struct zbx_key *, struct agent_result *);
void m_vcore_service_uptime(struct agent *, const struct zbx_key *, struct agent_result *);

/* agent_sys.c: online CPUs as sysfs lists them, or -1. */
int agent_cpu_online(struct agent *ag);

/* agent_cpu.c: the collector behind system.cpu.util. */
/* Counts the CPUs; allocates nothing (that waits for a request). */
void agent_cpu_init(struct agent *ag);
/* Samples when due, sleeps when unasked; the next deadline or -1. */
int64_t agent_cpu_timers(struct agent *ag, int64_t now_ms);
/* Answers the requests still waiting and frees the samples. */
void agent_cpu_free(struct agent *ag);

/* agent_job.c: children that run commands, and async checks. */
/* Runs argv-less shell text; the result goes to w->done. */
int agent_job_command(struct agent *ag, const char *command,
    int64_t timeout_ms, bool nowait, struct agent_waiter *w);
/* A non-blocking TCP connect to addr; done gets "1" or "0". */
int agent_job_connect(struct agent *ag, const struct sockaddr *sa,
    socklen_t salen, int64_t timeout_ms, struct agent_waiter *w);
/* A job that another module finishes with agent_job_complete (it must,
 * exactly once, even after the waiter went away). */
struct agent_job *agent_job_external(struct agent *ag, struct agent_waiter *w);
void agent_job_complete(struct agent *ag, struct agent_job *j, bool error,
    const char *text, size_t len);
/* Forgets w: its job goes on but the result is dropped. */
void agent_job_cancel(struct agent *ag, struct agent_waiter *w);
/* Timeouts of jobs; returns the nearest deadline or -1. */
int64_t agent_job_timers(struct agent *ag, int64_t now_ms);
/* A child exited (SIGCHLD): reap and finish its job. */
void agent_job_reap(struct agent *ag);
void agent_job_free_all(struct agent *ag);
/* Runs a user parameter. */
void agent_user_param(struct agent *ag, const struct user_param *up,
    const struct zbx_key *key, struct agent_result *res);

/* agent_passive.c */
int agent_passive_start(struct agent *ag);
int64_t agent_passive_timers(struct agent *ag, int64_t now_ms);
void agent_passive_stop(struct agent *ag);
/* Parses an allow-list entry (address or CIDR). 0 or -1 (a name). */
int agent_allow_parse(const char *text, struct allow_entry *e);
bool agent_allow_match(const struct allow_entry *list, int n,
    const struct sockaddr *sa);
/* Adds the numeric entries of the config; names go to the resolver. */
int agent_allow_build(struct agent *ag);

/* agent_resolve.c: names of servers, resolved in a child. */
void agent_resolve_start(struct agent *ag);
int64_t agent_resolve_timers(struct agent *ag, int64_t now_ms);
/* Addresses of name (after the resolver ran), or 0. */
int agent_resolved(struct agent *ag, const char *name,
    struct sockaddr_storage *out, int max);

/* agent_active.c */
int agent_active_start(struct agent *ag);
int64_t agent_active_timers(struct agent *ag, int64_t now_ms);
void agent_active_stop(struct agent *ag);

/* agent_vcore.c */
void agent_ctl_free(struct agent *ag);
int64_t agent_ctl_timers(struct agent *ag, int64_t now_ms);

/* Nearest of two deadlines, -1 meaning none. */
int64_t agent_min_deadline(int64_t a, int64_t b);

#endif
