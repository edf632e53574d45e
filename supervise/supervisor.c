/* SPDX-License-Identifier: ISC */
/*
 * The table of services: creating and freeing them, dependency gating at
 * start and reverse order at shutdown, children's exits, vcctl's verbs and
 * reload. Each service's own life is in service.c.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "common/signame.h"
#include "supervise/svc.h"

static struct service *
svc_new(struct supervisor *sup, const struct svc_config *cfg)
{
	struct service *svc = calloc(1, sizeof(*svc));
	struct service **grown;

	if (svc == NULL) {
		return NULL;
	}
	svc->cfg = cfg;
	svc->sup = sup;
	svc->state = SVC_DOWN;
	svc->since_ms = clock_mono_ms();
	svc->ready_fd = svc->ready_child_fd = -1;
	svc->health_fd = -1;
	svc->out.rfd = svc->out.wfd = svc->err.rfd = svc->err.wfd = -1;
	svc->file.fd = -1;
	svc->main = cfg->main;
	grown = realloc(sup->svcs, sizeof(*grown) * ((size_t)sup->nsvcs + 1));
	if (grown == NULL || svc_pipes_open(svc) == -1) {
		vlog_warn("%s: unable to set up its output: %s", cfg->name,
		    strerror(errno));
		if (grown != NULL) {
			sup->svcs = grown;
		}
		svc_pipes_close(svc);
		free(svc);
		return NULL;
	}
	sup->svcs = grown;
	sup->svcs[sup->nsvcs++] = svc;
	if (!cfg->enabled) {
		snprintf(svc->note, sizeof(svc->note), "%s", cfg->disabled_why);
	}
	return svc;
}

static void
svc_free(struct supervisor *sup, struct service *svc)
{
	ready_health_end(svc, false);
	loop_cancel_timer(sup->loop, &svc->timer);
	ready_stop(svc);
	svc_pipes_close(svc);
	svc_drop_cache(svc);
	free(svc);
}

int
sup_init(struct supervisor *sup, struct loop *loop, struct output *out,
    struct vc_config *config)
{
	char *slash;

	sup->loop = loop;
	sup->out = out;
	sup->config = config;
	sup->boot_ms = clock_mono_ms();
	sup->runtime_dir = strdup(config->control_socket);
	if (sup->runtime_dir == NULL) {
		return -1;
	}
	slash = strrchr(sup->runtime_dir, '/');
	if (slash != NULL && slash != sup->runtime_dir) {
		*slash = '\0';
	}
	for (int i = 0; i < config->nservices; i++) {
		if (svc_new(sup, &config->services[i]) == NULL) {
			return -1;
		}
	}
	return 0;
}

void
sup_free(struct supervisor *sup)
{
	for (int i = 0; i < sup->nsvcs; i++) {
		svc_free(sup, sup->svcs[i]);
	}
	free(sup->svcs);
	sup->svcs = NULL;
	sup->nsvcs = 0;
	for (int i = 0; i < sup->nretired; i++) {
		config_free(sup->retired[i]);
	}
	free(sup->retired);
	config_free(sup->config);
	free(sup->runtime_dir);
	free(sup->scratch);
}

struct service *
sup_find(struct supervisor *sup, const char *name)
{
	for (int i = 0; i < sup->nsvcs; i++) {
		if (strcmp(sup->svcs[i]->cfg->name, name) == 0 &&
		    !sup->svcs[i]->removed) {
			return sup->svcs[i];
		}
	}
	return NULL;
}

void
sup_start_all(struct supervisor *sup)
{
	for (int i = 0; i < sup->nsvcs; i++) {
		if (sup->svcs[i]->cfg->enabled) {
			svc_event(sup->svcs[i], EV_START);
		}
	}
	sup->changed = true;
}

static bool
is_running(const struct service *svc)
{
	return svc->state == SVC_STARTING || svc->state == SVC_UP ||
	    svc->state == SVC_STOPPING;
}

/* A dependency nobody wants running (disabled, stopped) does not hold its
 * dependants back. */
static bool
dep_satisfied(const struct service *d)
{
	return svc_is_started(d) || (!d->want_up && d->state == SVC_DOWN);
}

/* The main service starts once the others have had their go: up, done,
 * or given up on (a broken agent must not keep `docker run IMAGE cmd`
 * from running cmd). */
static bool
settled(const struct service *d)
{
	return dep_satisfied(d) || svc_has_failed(d);
}

static bool
deps_ready(struct supervisor *sup, struct service *svc, char *why,
    size_t whylen)
{
	for (char **d = svc->cfg->depends; *d != NULL; d++) {
		struct service *dep = sup_find(sup, *d);

		if (dep != NULL && !dep_satisfied(dep)) {
			snprintf(why, whylen, "waiting for %s", *d);
			return false;
		}
	}
	if (!svc->main) {
		return true;
	}
	for (int i = 0; i < sup->nsvcs; i++) {
		struct service *o = sup->svcs[i];

		if (o != svc && !o->removed && !settled(o)) {
			snprintf(why, whylen, "waiting for %s", o->cfg->name);
			return false;
		}
	}
	return true;
}

static bool
depends_on(const struct service *svc, const char *name)
{
	for (char **d = svc->cfg->depends; *d != NULL; d++) {
		if (strcmp(*d, name) == 0) {
			return true;
		}
	}
	return false;
}

/* At shutdown a service stops once nothing that depends on it runs. */
static bool
dependants_gone(struct supervisor *sup, const struct service *svc)
{
	for (int i = 0; i < sup->nsvcs; i++) {
		const struct service *o = sup->svcs[i];

		if (o == svc || !is_running(o)) {
			continue;
		}
		if (o->main || depends_on(o, svc->cfg->name)) {
			return false;
		}
	}
	return true;
}

static void
start_waiting(struct supervisor *sup)
{
	char why[160];

	for (int i = 0; i < sup->nsvcs; i++) {
		struct service *svc = sup->svcs[i];

		if (svc->state != SVC_WAITING || svc->probe_pid != 0) {
			continue;
		}
		if (deps_ready(sup, svc, why, sizeof(why))) {
			svc_event(svc, EV_DEPS_OK);
		} else if (strcmp(why, svc->note) != 0) {
			snprintf(svc->note, sizeof(svc->note), "%s", why);
		}
	}
}

static void
stop_in_order(struct supervisor *sup)
{
	for (int i = 0; i < sup->nsvcs; i++) {
		struct service *svc = sup->svcs[i];

		if ((svc->state == SVC_STARTING || svc->state == SVC_UP) &&
		    (!sup->shutting_down || dependants_gone(sup, svc)) &&
		    !svc->want_up) {
			svc_event(svc, EV_STOP);
		}
	}
}

static bool
config_in_use(struct supervisor *sup, const struct vc_config *c)
{
	for (int i = 0; i < sup->nsvcs; i++) {
		const struct svc_config *s = sup->svcs[i]->cfg;
		const struct svc_config *n = sup->svcs[i]->next_cfg;

		if ((s >= c->services && s < c->services + c->nservices) ||
		    (n != NULL && n >= c->services &&
		    n < c->services + c->nservices)) {
			return true;
		}
	}
	return false;
}

/* Frees removed services once down, and old configs nobody refers to. */
static void
collect_garbage(struct supervisor *sup)
{
	int j = 0;

	for (int i = 0; i < sup->nsvcs; i++) {
		struct service *svc = sup->svcs[i];

		if (svc->removed && svc->state == SVC_DOWN && svc->pid == 0 &&
		    svc->probe_pid == 0) {
			svc_free(sup, svc);
			continue;
		}
		sup->svcs[j++] = svc;
	}
	sup->nsvcs = j;
	j = 0;
	for (int i = 0; i < sup->nretired; i++) {
		if (config_in_use(sup, sup->retired[i])) {
			sup->retired[j++] = sup->retired[i];
		} else {
			config_free(sup->retired[i]);
		}
	}
	sup->nretired = j;
}

void
sup_step(struct supervisor *sup)
{
	/* A transition can enable another (a dependency comes up, a
	 * dependant goes down): go round until nothing moves, boundedly. */
	for (int round = 0; sup->changed && round < 100; round++) {
		sup->changed = false;
		if (!sup->shutting_down) {
			start_waiting(sup);
		}
		stop_in_order(sup);
		collect_garbage(sup);
	}
}

bool
sup_child_exited(struct supervisor *sup, pid_t pid, int status)
{
	for (int i = 0; i < sup->nsvcs; i++) {
		struct service *svc = sup->svcs[i];

		if (svc->pid == pid) {
			svc->last_status = status;
			svc->has_exited = true;
			svc_event(svc, EV_EXIT);
			sup->changed = true;
			return true;
		}
		if (svc->probe_pid == pid) {
			svc_probe_exited(svc, status);
			sup->changed = true;
			return true;
		}
		if (svc->health_pid == pid) {
			ready_health_exited(svc, status);
			return true;
		}
		if (logfile_reaped(&svc->file, pid, status)) {
			return true;
		}
	}
	return false;
}

static void
on_shutdown_deadline(void *arg)
{
	struct supervisor *sup = arg;

	sup->shutdown_timer = 0;
	vlog_warn("shutdown_timeout reached: killing what is left");
	for (int i = 0; i < sup->nsvcs; i++) {
		struct service *svc = sup->svcs[i];

		if (svc->pid > 0) {
			svc->killed = true;
			(void)kill(-svc->pid, SIGKILL);
		}
		if (svc->probe_pid > 0) {
			(void)kill(-svc->probe_pid, SIGKILL);
		}
	}
}

void
sup_shutdown(struct supervisor *sup)
{
	if (sup->shutting_down) {
		return;
	}
	sup->shutting_down = true;
	sup->shutdown_deadline_ms = clock_mono_ms() +
	    sup->config->shutdown_timeout_ms;
	sup->shutdown_timer = loop_add_timer(sup->loop,
	    sup->shutdown_deadline_ms, on_shutdown_deadline, sup);
	for (int i = 0; i < sup->nsvcs; i++) {
		struct service *svc = sup->svcs[i];

		svc->want_up = false;
		svc->restart_pending = false;
		if (!is_running(svc)) {
			svc_event(svc, EV_STOP);
		}
	}
	sup->changed = true;
}

bool
sup_is_finished(const struct supervisor *sup)
{
	for (int i = 0; i < sup->nsvcs; i++) {
		const struct service *svc = sup->svcs[i];

		if (svc->pid > 0 || svc->probe_pid > 0) {
			return false;
		}
	}
	return true;
}

bool
sup_forward_signal(struct supervisor *sup, int sig)
{
	for (int i = 0; i < sup->nsvcs; i++) {
		struct service *svc = sup->svcs[i];

		if (svc->main && svc->pid > 0) {
			(void)kill(-svc->pid, sig);
			return true;
		}
	}
	return false;
}

/* Starting a service starts what it depends on and was stopped, as
 * systemd's Requires= does (smbd without samba-dcerpcd answers no share
 * listing); a disabled dependency stays off, as at boot. The depth bound
 * only guards against a cycle. */
static void
start_with_deps(struct supervisor *sup, struct service *svc, int depth)
{
	for (char **d = svc->cfg->depends; *d != NULL && depth < sup->nsvcs;
	    d++) {
		struct service *dep = sup_find(sup, *d);

		if (dep != NULL && dep->cfg->enabled && !dep->want_up) {
			start_with_deps(sup, dep, depth + 1);
		}
	}
	svc_event(svc, EV_START);
}

int
sup_start(struct supervisor *sup, struct service *svc, char *err,
    size_t errlen)
{
	if (sup->shutting_down) {
		snprintf(err, errlen, "vcinit is shutting down");
		return -1;
	}
	start_with_deps(sup, svc, 0);
	sup->changed = true;
	return 0;
}

int
sup_stop(struct supervisor *sup, struct service *svc, char *err,
    size_t errlen)
{
	(void)err;
	(void)errlen;
	svc->restart_pending = false;
	svc_event(svc, EV_STOP);
	sup->changed = true;
	return 0;
}

int
sup_restart(struct supervisor *sup, struct service *svc, char *err,
    size_t errlen)
{
	if (sup->shutting_down) {
		snprintf(err, errlen, "vcinit is shutting down");
		return -1;
	}
	if (is_running(svc)) {
		svc->restart_pending = true;
		svc_event(svc, EV_STOP);
	} else {
		svc_event(svc, EV_STOP);
		svc->fails = 0;
		svc_event(svc, EV_START);
	}
	sup->changed = true;
	return 0;
}

int
sup_signal(struct supervisor *sup, struct service *svc, int sig, char *err,
    size_t errlen)
{
	(void)sup;
	if (svc->pid <= 0) {
		snprintf(err, errlen, "%s is not running", svc->cfg->name);
		return -1;
	}
	if (kill(-svc->pid, sig) == -1) {
		snprintf(err, errlen, "%s: %s", svc->cfg->name, strerror(errno));
		return -1;
	}
	return 0;
}

/* Points svc at a changed config: restarted if it runs, left alone if not. */
static void
change_service(struct service *svc, const struct svc_config *nc)
{
	if (is_running(svc)) {
		svc->next_cfg = nc;
		svc->restart_pending = nc->enabled;
		svc_event(svc, EV_STOP);
		return;
	}
	svc->cfg = nc;
	svc->main = nc->main;
	svc_drop_cache(svc);
	svc_event(svc, EV_STOP);
	if (nc->enabled) {
		svc->fails = 0;
		svc_event(svc, EV_START);
	}
}

void
sup_reload(struct supervisor *sup, struct vc_config *nc, struct buf *report)
{
	struct vc_config *old = sup->config;
	struct vc_config **grown;

	for (int i = 0; i < sup->nsvcs; i++) {
		struct service *svc = sup->svcs[i];

		if (!svc->removed && config_find(nc, svc->cfg->name) == NULL) {
			svc->removed = true;
			svc->restart_pending = false;
			svc_event(svc, EV_STOP);
			buf_addf(report, "removed %s\n", svc->cfg->name);
		}
	}
	sup->config = nc;
	for (int i = 0; i < nc->nservices; i++) {
		const struct svc_config *c = &nc->services[i];
		struct service *svc = sup_find(sup, c->name);

		if (svc == NULL) {
			svc = svc_new(sup, c);
			if (svc != NULL && c->enabled) {
				svc_event(svc, EV_START);
			}
			buf_addf(report, "added %s\n", c->name);
		} else if (config_svc_equal(svc->cfg, c)) {
			svc->cfg = c;
		} else {
			change_service(svc, c);
			buf_addf(report, "changed %s\n", c->name);
		}
	}
	grown = realloc(sup->retired, sizeof(*grown) *
	    ((size_t)sup->nretired + 1));
	if (grown != NULL) {
		sup->retired = grown;
		sup->retired[sup->nretired++] = old;
	} else {
		/* XXX: leaks the old config rather than free it under a
		 * service that still points into it. */
		vlog_warn("reload: out of memory");
	}
	sup->changed = true;
}

pid_t
svc_spawn_probe(struct service *svc, char *const *specs, int64_t timeout_ms)
{
	const struct svc_config *c = svc->cfg;
	char timeout[32];
	char *argv[64];
	char **env = env_for_service(svc->sup, c, NULL);
	struct spawn_req req;
	int n = 0, err = 0;
	pid_t pid;

	if (env == NULL) {
		return -1;
	}
	snprintf(timeout, sizeof(timeout), "%lld", (long long)timeout_ms);
	argv[n++] = (char *)"vcinit";
	argv[n++] = (char *)"probe";
	argv[n++] = (char *)"-t";
	argv[n++] = timeout;
	for (int i = 0; specs[i] != NULL && n < 62; i++) {
		argv[n++] = specs[i];
	}
	argv[n] = NULL;
	memset(&req, 0, sizeof(req));
	req.path = svc->sup->self_exe;
	req.argv = argv;
	req.envp = env;
	req.mask = &svc->sup->child_mask;
	req.stdout_fd = svc->out.wfd;
	req.stderr_fd = svc->err.wfd;
	req.extra_fd = -1;
	req.has_user = c->has_user;
	req.uid = c->uid;
	req.gid = c->gid;
	req.groups = c->groups;
	req.ngroups = c->ngroups;
	req.directory = c->directory;
	/* A probe that cannot exec exits 127, which reads as "no answer". */
	pid = spawn_start(&req, &err);
	env_free(env);
	if (pid < 0) {
		vlog_warn("%s: unable to start its probe: %s", c->name,
		    strerror(errno));
	}
	return pid;
}
