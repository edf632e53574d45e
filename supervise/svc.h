/* SPDX-License-Identifier: ISC */
/*
 * What the supervisor's files share among themselves (not exported beyond
 * supervise/): the service state machine's events, readiness, log pipes and
 * environments.
 */
#ifndef VCORE_SUPERVISE_SVC_H
#define VCORE_SUPERVISE_SVC_H

#include "supervise/spawn.h"
#include "supervise/supervisor.h"

/*
 * START    it is wanted up (boot, vcctl start, reload)
 * STOP     it is wanted down (vcctl stop, shutdown, reload)
 * DEPS_OK  its dependencies are up and no probe is pending
 * READY    its readiness check passed
 * EXIT     its process exited (svc->last_status holds the status)
 * TIMER    its timer fired (backoff over, stop timeout, readiness poll)
 */
enum svc_event { EV_START, EV_STOP, EV_DEPS_OK, EV_READY, EV_EXIT, EV_TIMER,
	EV_NEVENTS };

void svc_event(struct service *svc, enum svc_event ev);
/* Forgets the environment and path made for svc's config (it changed). */
void svc_drop_cache(struct service *svc);
/* The wait_for or exec probe of svc exited with status. */
void svc_probe_exited(struct service *svc, int status);
/* "exited 3", "killed by SIGKILL": describes a wait status. */
char *svc_describe_status(int status, char *out, size_t outlen);
/* The exit status the container gets for a wait status: N or 128+signal. */
int svc_exit_code(int status);

/* ready.c */
int ready_prepare(struct service *svc, struct spawn_req *req);
void ready_after_spawn(struct service *svc);
void ready_begin(struct service *svc);
void ready_poll(struct service *svc);
void ready_stop(struct service *svc);
/* What health's checks may take before a service counts as not answering
 * (a connect answers in microseconds; an exec: command may need a second
 * on a loaded machine, and HEALTHCHECK's own timeout is 5 s). */
#define HEALTH_CHECK_TIMEOUT_MS 3000
/* Starts checking a tcp:, unix: or exec: readiness again, for health:
 * returns true when the check is pending (sup_health_check_over follows),
 * false when the answer is known at once (in svc->health_ok). */
bool ready_health_start(struct service *svc);
/* Ends a pending health check (an answer, or a timeout: not answering). */
void ready_health_end(struct service *svc, bool ok);
/* The exec: health check's probe exited with STATUS. */
void ready_health_exited(struct service *svc, int status);
/* The supervisor's side: one pending health check is over. */
void sup_health_check_over(struct supervisor *sup);

/* logs.c */
int svc_pipes_open(struct service *svc);
void svc_pipes_close(struct service *svc);
/* Reads what the service wrote; final also flushes a partial last line. */
void svc_pipes_drain(struct service *svc, bool final);

/* env.c: a new NULL-terminated environment for svc (the caller frees
 * with env_free). extra is one more NAME=value, or NULL. */
char **env_for_service(struct supervisor *sup, const struct svc_config *c,
    const char *extra);
void env_free(char **env);

/* Starts "vcinit probe" for svc as its user; returns its pid or -1. */
pid_t svc_spawn_probe(struct service *svc, char *const *specs,
    int64_t timeout_ms);

#endif
