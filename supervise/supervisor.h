/* SPDX-License-Identifier: ISC */
/*
 * The supervisor: the table of services and the state of each, start in
 * dependency order, readiness, restart with backoff, stop and shutdown in
 * reverse order, reload, health and status. Owns every struct service;
 * nothing else frees one.
 */
#ifndef VCORE_SUPERVISE_SUPERVISOR_H
#define VCORE_SUPERVISE_SUPERVISOR_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/linebuf.h"
#include "init/loop.h"
#include "supervise/logfile.h"
#include "supervise/output.h"

/*
 * DOWN      not running and not wanted (stopped, disabled, exited for good)
 * WAITING   wanted: for its dependencies, then for its wait_for probe
 * STARTING  running, not ready yet
 * UP        running and ready
 * STOPPING  stop signal sent, waiting for the exit (then SIGKILL)
 * BACKOFF   exited, restart timer pending
 * DONE      a oneshot that exited 0
 * FAILED    exited non-zero and will not be restarted
 */
enum svc_state {
	SVC_DOWN, SVC_WAITING, SVC_STARTING, SVC_UP, SVC_STOPPING,
	SVC_BACKOFF, SVC_DONE, SVC_FAILED, SVC_NSTATES
};

struct service;

/* One of a service's output streams: a pipe that lives as long as the
 * service (so output written while it restarts is not lost). */
struct logpipe {
	int rfd;
	int wfd;
	bool is_err;
	bool paused;		/* the output queue is full */
	bool flush_pending;	/* the writer is gone: flush its last line */
	char *rest;		/* a partial line, or lines not taken yet */
	size_t rest_len;
	size_t rest_cap;
	struct service *svc;
};

struct service {
	const struct svc_config *cfg;
	struct supervisor *sup;
	enum svc_state state;
	bool want_up;
	bool restart_pending;	/* start again once stopped */
	bool removed;		/* gone from the config: free once down */
	const struct svc_config *next_cfg;	/* reload changed it */
	pid_t pid;		/* also its process group */
	int64_t since_ms;	/* entered the current state */
	int64_t spawned_ms;
	int restarts;
	int fails;		/* consecutive failures, for the backoff */
	int last_status;	/* wait status of the last exit */
	bool has_exited;
	bool stop_sent;		/* by vcinit, so the exit is expected */
	bool killed;		/* SIGKILLed at stop_timeout */
	bool main;		/* the container's main service */
	uint64_t timer;		/* backoff, stop timeout, readiness poll */
	char **env;		/* its environment and executable, made once */
	char *exe;		/* per config (svc_drop_cache) */
	int ready_fd;		/* connect attempt, notify socket or fd:N pipe */
	int ready_child_fd;	/* fd:N: the end the service writes */
	int ready_attempts;
	bool ready_warned;
	pid_t probe_pid;	/* "vcinit probe" for wait_for or exec: */
	bool probe_is_wait;	/* which of the two */
	char notify_path[108];
	struct logpipe out;
	struct logpipe err;
	struct logfile file;
	char note[160];		/* what it waits for, or why it failed */
	int64_t health_at_ms;	/* when readiness was last checked again */
	bool health_ok;
	int health_fd;		/* that check's connect, while it runs */
	pid_t health_pid;	/* or its "vcinit probe exec:..." */
};

struct supervisor {
	struct loop *loop;
	struct output *out;
	struct vc_config *config;
	struct vc_config **retired;	/* old configs still referenced */
	int nretired;
	struct service **svcs;
	int nsvcs;
	char **base_env;	/* the container's environment */
	char *const *secrets;	/* names the agent and vcsshd never see */
	/* More for vcctl status (what magic did), or NULL. */
	void (*status_extra)(void *arg, struct buf *out, bool json);
	void *status_extra_arg;
	const char *self_exe;
	sigset_t child_mask;	/* the signal mask children get */
	bool tty_main;		/* stdin is a terminal: give it to main */
	char *runtime_dir;	/* the control socket's folder */
	char *scratch;		/* where service output is read (logs.c) */
	size_t scratch_cap;
	bool shutting_down;
	int64_t shutdown_deadline_ms;
	uint64_t shutdown_timer;
	bool exit_known;
	int exit_status;
	int64_t boot_ms;
	bool changed;		/* something happened: step again */
	void (*state_changed)(struct service *svc, void *arg);
	void *state_changed_arg;
	int health_pending;	/* readiness checks running for health */
	uint64_t health_timer;
	void (*health_done)(void *arg);	/* they are over */
	void *health_done_arg;
};

/* Sets up the supervisor on a loaded config (it takes ownership). */
int sup_init(struct supervisor *sup, struct loop *loop, struct output *out,
    struct vc_config *config);
void sup_free(struct supervisor *sup);
/* Wants every enabled service up. */
void sup_start_all(struct supervisor *sup);
/* Starts what can start, stops what must stop; call once per loop turn. */
void sup_step(struct supervisor *sup);
/* A child exited: returns true if it was a service, a probe or a log
 * compressor of ours. */
bool sup_child_exited(struct supervisor *sup, pid_t pid, int status);
/* Begins the shutdown (idempotent). */
void sup_shutdown(struct supervisor *sup);
/* True when the shutdown is over: every service is down. */
bool sup_is_finished(const struct supervisor *sup);
/* The output queues have room again: read the paused pipes (the output's
 * drained hook; arg is the supervisor). */
void sup_resume_pipes(void *arg);
/* Sends sig to the main service's process group; false when none runs. */
bool sup_forward_signal(struct supervisor *sup, int sig);

struct service *sup_find(struct supervisor *sup, const char *name);
/* vcctl's verbs. Return 0, or -1 with a reason in err. */
int sup_start(struct supervisor *sup, struct service *svc, char *err,
    size_t errlen);
int sup_stop(struct supervisor *sup, struct service *svc, char *err,
    size_t errlen);
int sup_restart(struct supervisor *sup, struct service *svc, char *err,
    size_t errlen);
int sup_signal(struct supervisor *sup, struct service *svc, int sig,
    char *err, size_t errlen);
/* Swaps in a new config (taken over): adds, removes and restarts services
 * as needed and reports each as "added|removed|changed NAME" lines. */
void sup_reload(struct supervisor *sup, struct vc_config *config,
    struct buf *report);
/*
 * Starts checking tcp: and unix: readiness again where the last check is
 * older than a second. Returns true when nothing runs (sup_health can
 * answer now); otherwise health_done is called once the checks are over.
 */
bool sup_health_refresh(struct supervisor *sup);
/* Appends one line per unhealthy service; returns true when healthy. */
bool sup_health(struct supervisor *sup, struct buf *report);
void sup_status_text(struct supervisor *sup, struct buf *out);
void sup_status_json(struct supervisor *sup, struct buf *out);
const char *sup_state_name(enum svc_state state);
/* A service that has reached what a start asked for (up or done), or that
 * has failed (and will not get there without help). */
bool svc_is_started(const struct service *svc);
bool svc_has_failed(const struct service *svc);

#endif
