/* SPDX-License-Identifier: ISC */
/*
 * The life of one service: a table of small actions indexed by state and
 * event (see svc.h for the events, supervisor.h for the states). Actions
 * change the state through set_state, which tells the supervisor that
 * something moved so that dependants and waiting vcctl clients look again.
 */
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "common/signame.h"
#include "supervise/backoff.h"
#include "supervise/svc.h"

typedef void (*svc_action)(struct service *svc);

static void a_wait(struct service *svc);
static void a_begin(struct service *svc);
static void a_up(struct service *svc);
static void a_exited(struct service *svc);
static void a_stop(struct service *svc);
static void a_kill(struct service *svc);
static void a_stopped(struct service *svc);
static void a_down(struct service *svc);
static void a_retry(struct service *svc);
static void a_ready_poll(struct service *svc);

/* What each event does in each state; an empty cell ignores the event. */
static const svc_action svc_table[SVC_NSTATES][EV_NEVENTS] = {
	[SVC_DOWN] = { [EV_START] = a_wait },
	[SVC_WAITING] = { [EV_STOP] = a_down, [EV_DEPS_OK] = a_begin },
	[SVC_STARTING] = { [EV_STOP] = a_stop, [EV_READY] = a_up,
	    [EV_EXIT] = a_exited, [EV_TIMER] = a_ready_poll },
	[SVC_UP] = { [EV_STOP] = a_stop, [EV_EXIT] = a_exited },
	[SVC_STOPPING] = { [EV_EXIT] = a_stopped, [EV_TIMER] = a_kill },
	[SVC_BACKOFF] = { [EV_STOP] = a_down, [EV_TIMER] = a_retry },
	[SVC_DONE] = { [EV_STOP] = a_down },
	[SVC_FAILED] = { [EV_START] = a_wait, [EV_STOP] = a_down },
};

static const char *const state_names[SVC_NSTATES] = {
	[SVC_DOWN] = "down", [SVC_WAITING] = "waiting",
	[SVC_STARTING] = "starting", [SVC_UP] = "up",
	[SVC_STOPPING] = "stopping", [SVC_BACKOFF] = "backoff",
	[SVC_DONE] = "done", [SVC_FAILED] = "failed",
};

const char *
sup_state_name(enum svc_state state)
{
	return state_names[state];
}

char *
svc_describe_status(int status, char *out, size_t outlen)
{
	if (WIFEXITED(status)) {
		snprintf(out, outlen, "exited %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *name = signame_of(WTERMSIG(status));

		if (name != NULL) {
			snprintf(out, outlen, "killed by SIG%s%s", name,
			    WCOREDUMP(status) ? " (core dumped)" : "");
		} else {
			snprintf(out, outlen, "killed by signal %d",
			    WTERMSIG(status));
		}
	} else {
		snprintf(out, outlen, "status %#x", status);
	}
	return out;
}

int
svc_exit_code(int status)
{
	if (WIFEXITED(status)) {
		return WEXITSTATUS(status);
	}
	if (WIFSIGNALED(status)) {
		return 128 + WTERMSIG(status);
	}
	return 255;
}

static void
on_timer(void *arg)
{
	struct service *svc = arg;

	svc->timer = 0;
	svc_event(svc, EV_TIMER);
}

static void
set_timer(struct service *svc, int64_t delay_ms)
{
	loop_cancel_timer(svc->sup->loop, &svc->timer);
	svc->timer = loop_add_timer(svc->sup->loop, clock_mono_ms() + delay_ms,
	    on_timer, svc);
}

static void
set_state(struct service *svc, enum svc_state st)
{
	struct supervisor *sup = svc->sup;

	if (st != svc->state) {
		vlog_debug("%s: %s -> %s", svc->cfg->name,
		    state_names[svc->state], state_names[st]);
	}
	loop_cancel_timer(sup->loop, &svc->timer);
	svc->state = st;
	svc->since_ms = clock_mono_ms();
	sup->changed = true;
	if (sup->state_changed != NULL) {
		sup->state_changed(svc, sup->state_changed_arg);
	}
}

void
svc_event(struct service *svc, enum svc_event ev)
{
	svc_action act;

	if (ev == EV_START) {
		svc->want_up = true;
	} else if (ev == EV_STOP) {
		svc->want_up = false;
	}
	act = svc_table[svc->state][ev];
	if (act != NULL) {
		act(svc);
	}
}

static void
a_wait(struct service *svc)
{
	svc->note[0] = '\0';
	set_state(svc, SVC_WAITING);
}

static void
kill_probe(struct service *svc)
{
	if (svc->probe_pid > 0) {
		/* The probe runs in its own session: end all of it. */
		(void)kill(-svc->probe_pid, SIGKILL);
	}
}

static void
a_down(struct service *svc)
{
	if (svc->state == SVC_WAITING) {
		kill_probe(svc);
	}
	set_state(svc, SVC_DOWN);
}

static void
log_exec_failure(struct service *svc, int err)
{
	snprintf(svc->note, sizeof(svc->note), "cannot run %s: %s",
	    svc->cfg->argv[0], strerror(err));
	vlog_warn("%s: unable to run %s: %s", svc->cfg->name, svc->cfg->argv[0],
	    strerror(err));
}

void
svc_drop_cache(struct service *svc)
{
	env_free(svc->env);
	svc->env = NULL;
	free(svc->exe);
	svc->exe = NULL;
}

/* The environment and the executable's path, made once per config: a
 * restart costs no allocation. An executable not found is looked up again
 * next time (it may be installed meanwhile). */
static bool
prepare_cache(struct service *svc)
{
	if (svc->env == NULL) {
		svc->env = env_for_service(svc->sup, svc->cfg, NULL);
	}
	if (svc->env != NULL && svc->exe == NULL) {
		svc->exe = spawn_find_exe(svc->cfg->argv[0], svc->env);
	}
	return svc->env != NULL;
}

/* Counts a failure to start and schedules the next try. */
static void
start_failed(struct service *svc)
{
	int64_t delay;

	svc->fails++;
	delay = backoff_delay_ms(svc->fails + 1, svc->cfg->restart_delay_ms,
	    svc->cfg->restart_max_delay_ms);
	set_state(svc, SVC_BACKOFF);
	set_timer(svc, delay);
}

static void
fill_request(struct service *svc, struct spawn_req *req, char **env)
{
	const struct svc_config *c = svc->cfg;

	memset(req, 0, sizeof(*req));
	req->argv = c->argv;
	req->envp = env;
	req->mask = &svc->sup->child_mask;
	req->stdout_fd = svc->out.wfd;
	req->stderr_fd = svc->err.wfd;
	req->extra_fd = -1;
	req->has_user = c->has_user;
	req->uid = c->uid;
	req->gid = c->gid;
	req->groups = c->groups;
	req->ngroups = c->ngroups;
	req->directory = c->directory;
	req->has_umask = c->has_umask;
	req->umask = c->umask;
	req->limits = c->limits;
	req->nlimits = c->nlimits;
	if (c->inherit_stdio) {
		/* The command line's main service talks to the container's
		 * own stdin, stdout and stderr, as under any other init. */
		req->stdout_fd = req->stderr_fd = -1;
		req->keep_stdin = true;
		req->foreground_tty = svc->sup->tty_main;
	}
}

static void
spawn_service(struct service *svc)
{
	const struct svc_config *c = svc->cfg;
	struct spawn_req req;
	pid_t pid;
	int err = 0;

	svc->stop_sent = false;
	svc->killed = false;
	svc->ready_attempts = 0;
	svc->ready_warned = false;
	svc->note[0] = '\0';
	fill_request(svc, &req, NULL);
	if (!prepare_cache(svc) || ready_prepare(svc, &req) == -1) {
		vlog_warn("%s: unable to prepare the start: %s", c->name,
		    strerror(errno));
		start_failed(svc);
		return;
	}
	req.envp = svc->env;
	/* Not found: exec the name anyway, so the failure takes the same path
	 * (exit 127, "No such file or directory") as any other. */
	req.path = svc->exe != NULL ? svc->exe : c->argv[0];
	pid = spawn_start(&req, &err);
	if (pid < 0) {
		vlog_warn("%s: unable to start: fork: %s", c->name,
		    strerror(errno));
		ready_stop(svc);
		start_failed(svc);
		return;
	}
	svc->pid = pid;
	svc->spawned_ms = clock_mono_ms();
	ready_after_spawn(svc);
	set_state(svc, SVC_STARTING);
	vlog_info("%s: started (pid %d)", c->name, (int)pid);
	if (err != 0) {
		log_exec_failure(svc, err);	/* its exit (126, 127) follows */
	} else if (c->type == SVC_LONGRUN) {
		/* A oneshot is ready when it exits 0, not when it starts. */
		ready_begin(svc);
	}
}

/* Dependencies are up: run the wait_for probe first if there is one. */
static void
a_begin(struct service *svc)
{
	const struct svc_config *c = svc->cfg;

	if (c->wait_for[0] != NULL && svc->probe_pid == 0) {
		svc->probe_pid = svc_spawn_probe(svc, c->wait_for,
		    c->wait_timeout_ms);
		svc->probe_is_wait = true;
		if (svc->probe_pid < 0) {
			svc->probe_pid = 0;
			start_failed(svc);
			return;
		}
		snprintf(svc->note, sizeof(svc->note), "wait_for %s%s",
		    c->wait_for[0], c->wait_for[1] != NULL ? ", ..." : "");
		svc->sup->changed = true;
		return;
	}
	spawn_service(svc);
}

void
svc_probe_exited(struct service *svc, int status)
{
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	bool was_wait = svc->probe_is_wait;

	svc->probe_pid = 0;
	if (was_wait) {
		if (svc->state != SVC_WAITING) {
			return;
		}
		if (ok) {
			spawn_service(svc);
			return;
		}
		snprintf(svc->note, sizeof(svc->note), "wait_for did not "
		    "answer within the wait_timeout; trying again");
		vlog_warn("%s: %s", svc->cfg->name, svc->note);
		start_failed(svc);
		return;
	}
	if (svc->state != SVC_STARTING) {
		return;
	}
	if (ok) {
		svc_event(svc, EV_READY);
	} else {
		snprintf(svc->note, sizeof(svc->note), "ready check %s failed",
		    svc->cfg->ready.target);
		vlog_warn("%s: %s", svc->cfg->name, svc->note);
	}
}

static void
a_up(struct service *svc)
{
	ready_stop(svc);
	svc->note[0] = '\0';
	svc->health_at_ms = 0;	/* just proven ready */
	set_state(svc, SVC_UP);
	vlog_info("%s: ready", svc->cfg->name);
}

static void
a_ready_poll(struct service *svc)
{
	ready_poll(svc);
}

/* What is left of the service's process group goes with it: a service is
 * its group, and leftovers would run twice after a restart. */
static void
end_process(struct service *svc)
{
	if (svc->pid > 0) {
		(void)kill(-svc->pid, SIGKILL);
	}
	svc->pid = 0;
	ready_stop(svc);
	svc_pipes_drain(svc, true);
}

static bool
exit_is_failure(const struct service *svc)
{
	return !WIFEXITED(svc->last_status) ||
	    WEXITSTATUS(svc->last_status) != 0;
}

/* The main service ended: the container ends with it. */
static void
main_exited(struct service *svc)
{
	struct supervisor *sup = svc->sup;
	char how[64];

	svc_describe_status(svc->last_status, how, sizeof(how));
	if (!sup->exit_known) {
		sup->exit_known = true;
		if (svc->killed) {
			sup->exit_status = 137;
		} else if (svc->stop_sent) {
			sup->exit_status = 0;
		} else {
			sup->exit_status = svc_exit_code(svc->last_status);
		}
	}
	vlog_info("%s: %s; the main service is over, shutting down",
	    svc->cfg->name, how);
	set_state(svc, exit_is_failure(svc) && !svc->stop_sent ? SVC_FAILED
	    : SVC_DOWN);
	svc->want_up = false;
	sup_shutdown(sup);
}

static void
a_exited(struct service *svc)
{
	const struct svc_config *c = svc->cfg;
	bool failed = exit_is_failure(svc);
	bool stable = clock_mono_ms() - svc->spawned_ms >= c->restart_reset_ms;
	char how[64];
	int64_t delay;

	end_process(svc);
	svc_describe_status(svc->last_status, how, sizeof(how));
	if (svc->main) {
		main_exited(svc);
		return;
	}
	if (c->type == SVC_ONESHOT && !failed) {
		svc->fails = 0;
		vlog_info("%s: done", c->name);
		set_state(svc, SVC_DONE);
		return;
	}
	if (svc->sup->shutting_down || c->restart == RESTART_NEVER ||
	    (c->restart == RESTART_ON_FAILURE && !failed)) {
		vlog_info("%s: %s", c->name, how);
		snprintf(svc->note, sizeof(svc->note), "%s", how);
		set_state(svc, failed && !svc->sup->shutting_down ? SVC_FAILED
		    : SVC_DOWN);
		svc->want_up = false;
		return;
	}
	svc->fails = stable ? 1 : svc->fails + 1;
	delay = backoff_delay_ms(svc->fails, c->restart_delay_ms,
	    c->restart_max_delay_ms);
	if (delay == 0) {
		vlog_warn("%s: %s; restarting now", c->name, how);
	} else {
		vlog_warn("%s: %s; restarting in %lldms", c->name, how,
		    (long long)delay);
	}
	svc->restarts++;
	set_state(svc, SVC_BACKOFF);
	set_timer(svc, delay);
}

static void
a_retry(struct service *svc)
{
	/* Back to waiting: a dependency may have gone down meanwhile. */
	a_wait(svc);
}

static void
a_stop(struct service *svc)
{
	const struct svc_config *c = svc->cfg;
	int target = -svc->pid;	/* its process group */

	svc->stop_sent = true;
	if (kill(target, c->stop_signal) == -1 && errno != ESRCH) {
		vlog_warn("%s: unable to send SIG%s: %s", c->name,
		    signame_of(c->stop_signal), strerror(errno));
	}
	/* A stopped process cannot act on the signal until it runs again. */
	(void)kill(target, SIGCONT);
	set_state(svc, SVC_STOPPING);
	set_timer(svc, c->stop_timeout_ms);
	vlog_info("%s: stopping (SIG%s)", c->name, signame_of(c->stop_signal));
}

static void
a_kill(struct service *svc)
{
	char t[32];

	svc->killed = true;
	vlog_warn("%s: still running %s after SIG%s: sending SIGKILL",
	    svc->cfg->name, clock_format_duration(svc->cfg->stop_timeout_ms, t,
	    sizeof(t)), signame_of(svc->cfg->stop_signal));
	(void)kill(-svc->pid, SIGKILL);
}

static void
a_stopped(struct service *svc)
{
	char how[64];

	end_process(svc);
	if (svc->main) {
		main_exited(svc);
		return;
	}
	vlog_info("%s: stopped (%s)", svc->cfg->name,
	    svc_describe_status(svc->last_status, how, sizeof(how)));
	set_state(svc, SVC_DOWN);
	if (svc->next_cfg != NULL) {
		svc->cfg = svc->next_cfg;
		svc->next_cfg = NULL;
		svc_drop_cache(svc);
	}
	if (svc->restart_pending && !svc->sup->shutting_down) {
		svc->restart_pending = false;
		svc->want_up = true;
		svc->fails = 0;
		svc->restarts++;
		a_wait(svc);
	}
}

bool
svc_is_started(const struct service *svc)
{
	return svc->state == SVC_UP || svc->state == SVC_DONE;
}

bool
svc_has_failed(const struct service *svc)
{
	return svc->state == SVC_FAILED || svc->state == SVC_BACKOFF;
}
