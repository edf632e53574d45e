/* SPDX-License-Identifier: ISC */
/*
 * What vcctl status and vcctl health report, computed when asked (an idle
 * container runs no periodic probe). The JSON form is the schema of
 * docs/control.md, which the agent reads.
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "supervise/svc.h"

static const char *const log_names[] = { "stdout", "file", "both", "none" };

static int64_t
uptime_ms(const struct service *svc, int64_t now)
{
	return svc->pid > 0 ? now - svc->spawned_ms : 0;
}

static const char *
last_exit(const struct service *svc, char *buf, size_t len)
{
	if (!svc->has_exited) {
		return NULL;
	}
	return svc_describe_status(svc->last_status, buf, len);
}

/* Off by policy: not counted for health (DESIGN: Health). */
static bool
off_by_policy(const struct service *svc)
{
	return !svc->cfg->enabled && !svc->want_up;
}

void
sup_status_text(struct supervisor *sup, struct buf *out)
{
	int64_t now = clock_mono_ms();
	char up[32], ex[64];

	buf_addf(out, "%-16s %-9s %7s %9s %8s  %-22s %s\n", "NAME", "STATE",
	    "PID", "UPTIME", "RESTARTS", "LAST EXIT", "NOTE");
	for (int i = 0; i < sup->nsvcs; i++) {
		struct service *svc = sup->svcs[i];
		const char *le = last_exit(svc, ex, sizeof(ex));
		const char *state = off_by_policy(svc) ? "disabled"
		    : sup_state_name(svc->state);

		if (svc->pid > 0) {
			clock_format_duration(uptime_ms(svc, now), up,
			    sizeof(up));
		} else {
			snprintf(up, sizeof(up), "-");
		}
		buf_addf(out, "%-16s %-9s %7d %9s %8d  %-22s %s\n",
		    svc->cfg->name, state, (int)svc->pid, up, svc->restarts,
		    le != NULL ? le : "-", svc->note);
	}
	if (sup->status_extra != NULL) {
		sup->status_extra(sup->status_extra_arg, out, false);
	}
}

void
sup_status_json(struct supervisor *sup, struct buf *out)
{
	int64_t now = clock_mono_ms();
	char ex[64];

	buf_addf(out, "{\"vcore\":\"%s\",\"uptime_ms\":%lld,\"log_dir\":",
	    VCORE_VERSION, (long long)(now - sup->boot_ms));
	buf_add_json_str(out, sup->config->log_dir);
	buf_addf(out, ",\"shutting_down\":%s,\"services\":[",
	    sup->shutting_down ? "true" : "false");
	for (int i = 0; i < sup->nsvcs; i++) {
		struct service *svc = sup->svcs[i];
		const char *le = last_exit(svc, ex, sizeof(ex));

		buf_addf(out, "%s{\"name\":", i > 0 ? "," : "");
		buf_add_json_str(out, svc->cfg->name);
		buf_addf(out, ",\"state\":\"%s\",\"type\":\"%s\",\"enabled\":%s,"
		    "\"note\":", sup_state_name(svc->state),
		    svc->cfg->type == SVC_ONESHOT ? "oneshot" : "longrun",
		    off_by_policy(svc) ? "false" : "true");
		buf_add_json_str(out, svc->note);
		buf_addf(out, ",\"pid\":%d,\"uptime_ms\":%lld,\"restarts\":%d,"
		    "\"ready\":%s,\"log\":\"%s\",\"main\":%s,\"last_exit\":",
		    (int)svc->pid, (long long)uptime_ms(svc, now),
		    svc->restarts, svc->state == SVC_UP ? "true" : "false",
		    log_names[svc->cfg->log], svc->main ? "true" : "false");
		if (le != NULL) {
			buf_add_json_str(out, le);
		} else {
			buf_adds(out, "null");
		}
		buf_adds(out, "}");
	}
	buf_adds(out, "]");
	if (sup->status_extra != NULL) {
		sup->status_extra(sup->status_extra_arg, out, true);
	}
	buf_adds(out, "}\n");
}

static void
on_health_timeout(void *arg)
{
	struct supervisor *sup = arg;

	sup->health_timer = 0;
	for (int i = 0; i < sup->nsvcs; i++) {
		ready_health_end(sup->svcs[i], false);
	}
}

void
sup_health_check_over(struct supervisor *sup)
{
	if (--sup->health_pending > 0) {
		return;
	}
	loop_cancel_timer(sup->loop, &sup->health_timer);
	if (sup->health_done != NULL) {
		sup->health_done(sup->health_done_arg);
	}
}

/* tcp: and unix: readiness is checked again when health is asked, and the
 * answer kept for a second: HEALTHCHECK storms cost one connect. */
bool
sup_health_refresh(struct supervisor *sup)
{
	int64_t now = clock_mono_ms();

	for (int i = 0; i < sup->nsvcs; i++) {
		struct service *svc = sup->svcs[i];

		if (svc->state != SVC_UP || svc->health_fd >= 0 ||
		    svc->health_pid > 0 ||
		    (svc->health_at_ms != 0 && now - svc->health_at_ms < 1000)) {
			continue;
		}
		if (ready_health_start(svc)) {
			sup->health_pending++;
		}
	}
	if (sup->health_pending > 0 && sup->health_timer == 0) {
		sup->health_timer = loop_add_timer(sup->loop, now +
		    HEALTH_CHECK_TIMEOUT_MS, on_health_timeout, sup);
	}
	return sup->health_pending == 0;
}

bool
sup_health(struct supervisor *sup, struct buf *report)
{

	bool healthy = true;

	for (int i = 0; i < sup->nsvcs; i++) {
		struct service *svc = sup->svcs[i];
		bool ok;

		if (off_by_policy(svc) || svc->removed) {
			continue;
		}
		if (svc->cfg->type == SVC_ONESHOT) {
			ok = svc->state == SVC_DONE;
		} else {
			ok = svc->state == SVC_UP && (svc->health_at_ms == 0 ||
			    svc->health_ok);
		}
		if (!ok) {
			healthy = false;
			buf_addf(report, "%s: %s%s%s\n", svc->cfg->name,
			    svc->state == SVC_UP ? "not answering"
			    : sup_state_name(svc->state),
			    svc->note[0] != '\0' ? ": " : "", svc->note);
		}
	}
	if (sup->shutting_down) {
		buf_adds(report, "vcinit is shutting down\n");
		healthy = false;
	}
	return healthy;
}
