/* SPDX-License-Identifier: ISC */
/*
 * The environment a service starts with (DESIGN: Environment): the
 * container's variables, or only PATH, HOME, USER, LANG and TZ with
 * env_clear; then HOME, USER and LOGNAME of its user; then its own
 * `environment`; then NOTIFY_SOCKET for a notify service. vcinit's own
 * NOTIFY_SOCKET never reaches a service, nor a secret the agent or vcsshd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "supervise/svc.h"

#define DEFAULT_PATH \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct envb {
	char **v;
	int n;
	int cap;
	bool failed;
};

static size_t
name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq != NULL ? (size_t)(eq - entry) : strlen(entry);
}

/* Sets entry ("NAME=value", copied), replacing an earlier NAME. */
static void
envb_set(struct envb *e, const char *entry)
{
	size_t nl = name_len(entry);
	char *copy = strdup(entry);

	if (copy == NULL) {
		e->failed = true;
		return;
	}
	for (int i = 0; i < e->n; i++) {
		if (name_len(e->v[i]) == nl && strncmp(e->v[i], entry, nl) == 0) {
			free(e->v[i]);
			e->v[i] = copy;
			return;
		}
	}
	if (e->n + 2 > e->cap) {
		int ncap = e->cap == 0 ? 32 : e->cap * 2;
		char **nv = realloc(e->v, sizeof(char *) * (size_t)ncap);

		if (nv == NULL) {
			free(copy);
			e->failed = true;
			return;
		}
		e->v = nv;
		e->cap = ncap;
	}
	e->v[e->n++] = copy;
	e->v[e->n] = NULL;
}

static void
envb_setf(struct envb *e, const char *name, const char *value)
{
	char entry[1024];

	if ((size_t)snprintf(entry, sizeof(entry), "%s=%s", name, value) <
	    sizeof(entry)) {
		envb_set(e, entry);
	}
}

/* DESIGN (Environment): the agent and vcsshd get no secret. */
static bool
is_secret(const struct supervisor *sup, const char *entry)
{
	size_t nl = name_len(entry);

	for (char *const *s = sup->secrets; s != NULL && *s != NULL; s++) {
		if (strlen(*s) == nl && strncmp(entry, *s, nl) == 0) {
			return true;
		}
	}
	return false;
}

static bool
kept_by_env_clear(const char *entry)
{
	static const char *const keep[] = { "PATH", "HOME", "USER", "LANG",
		"TZ", NULL };
	size_t nl = name_len(entry);

	for (int i = 0; keep[i] != NULL; i++) {
		if (strlen(keep[i]) == nl && strncmp(entry, keep[i], nl) == 0) {
			return true;
		}
	}
	return false;
}

char **
env_for_service(struct supervisor *sup, const struct svc_config *c,
    const char *extra)
{
	struct envb e = { 0 };
	char path[160];

	envb_set(&e, DEFAULT_PATH);
	for (char **p = sup->base_env; p != NULL && *p != NULL; p++) {
		if (strncmp(*p, "NOTIFY_SOCKET=", 14) == 0 ||
		    (c->builtin && is_secret(sup, *p))) {
			continue;
		}
		if (!c->env_clear || kept_by_env_clear(*p)) {
			envb_set(&e, *p);
		}
	}
	if (c->has_user) {
		envb_setf(&e, "HOME", c->home != NULL ? c->home : "/");
		envb_setf(&e, "USER", c->user);
		envb_setf(&e, "LOGNAME", c->user);
	}
	for (char **p = c->environment; p != NULL && *p != NULL; p++) {
		envb_set(&e, *p);
	}
	if (c->ready.kind == READY_NOTIFY) {
		snprintf(path, sizeof(path), "%s/notify/%s", sup->runtime_dir,
		    c->name);
		envb_setf(&e, "NOTIFY_SOCKET", path);
	}
	if (extra != NULL) {
		envb_set(&e, extra);
	}
	if (e.failed) {
		env_free(e.v);
		return NULL;
	}
	return e.v;
}

void
env_free(char **env)
{
	if (env == NULL) {
		return;
	}
	for (char **p = env; *p != NULL; p++) {
		free(*p);
	}
	free(env);
}
