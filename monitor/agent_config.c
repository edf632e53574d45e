/* SPDX-License-Identifier: ISC */
/*
 * The agent's settings: vcore.conf's monitor {} section (read with the
 * shared loader), then the variables of the official Zabbix agent image
 * (ZBX_HOSTNAME, ZBX_SERVER_HOST, ...), which win. Owns every string of
 * struct agent_config; agent_config_free releases them.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <confuse.h>

#include "common/clock.h"
#include "common/config.h"
#include "monitor/agent_int.h"

#define MAX_LIST 64

static void
free_list(char **l)
{
	for (char **p = l; p != NULL && *p != NULL; p++) {
		free(*p);
	}
	free(l);
}

static int
list_len(char **l)
{
	int n = 0;

	while (l != NULL && l[n] != NULL) {
		n++;
	}
	return n;
}

/* Appends a copy of s; returns the list (NULL-terminated) or NULL. */
static char **
list_add(char **l, const char *s)
{
	int n = list_len(l);
	char **g;

	if (n >= MAX_LIST) {
		return l;
	}
	g = realloc(l, sizeof(char *) * ((size_t)n + 2));
	if (g == NULL) {
		return l;
	}
	g[n] = strdup(s);
	g[n + 1] = NULL;
	return g;
}

/* Appends each word of a comma-separated text (spaces dropped). */
static char **
list_add_csv(char **l, const char *text, const char *suffix)
{
	char word[512];

	while (*text != '\0') {
		size_t n = strcspn(text, ",");
		const char *w = text;

		while (n > 0 && *w == ' ') {
			w++;
			n--;
		}
		while (n > 0 && w[n - 1] == ' ') {
			n--;
		}
		if (n > 0 && n < sizeof(word) - 16) {
			snprintf(word, sizeof(word), "%.*s%s", (int)n, w,
			    suffix != NULL ? suffix : "");
			l = list_add(l, word);
		}
		text = w + n;
		text += strcspn(text, ",");
		if (*text == ',') {
			text++;
		}
	}
	return l;
}

static char *
xdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static int
set_defaults(struct agent_config *c)
{
	char host[256];

	memset(c, 0, sizeof(*c));
	if (gethostname(host, sizeof(host)) == -1) {
		snprintf(host, sizeof(host), "vcore");
	}
	host[sizeof(host) - 1] = '\0';
	c->hostname = strdup(host);
	c->listen_port = 10050;
	c->timeout_ms = 3000;
	c->passive = true;
	c->active = true;
	c->buffer_size = 100;
	c->buffer_send_ms = 5000;
	c->refresh_ms = 5000;
	c->heartbeat_ms = 60000;
	c->max_lines = 20;
	c->control_socket = strdup("/run/vcore/control.sock");
	return c->hostname != NULL && c->control_socket != NULL ? 0 : -1;
}

static int
load_user_params(struct agent_config *c, cfg_t *sec, char *err, size_t errlen)
{
	unsigned n = cfg_size(sec, "user_parameter");

	c->user_params = calloc(n + 1, sizeof(*c->user_params));
	if (c->user_params == NULL) {
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		cfg_t *u = cfg_getnsec(sec, "user_parameter", i);
		struct user_param *up = &c->user_params[c->nuser_params];
		const char *title = cfg_title(u), *cmd = cfg_getstr(u, "command");
		const char *to = cfg_getstr(u, "timeout");
		size_t tl = strlen(title);
		char why[128];

		if (cmd == NULL) {
			snprintf(err, errlen, "user_parameter \"%.60s\" has no "
			    "command", title);
			return -1;
		}
		up->timeout_ms = 0;	/* Timeout, once ZBX_TIMEOUT is read */
		if (to != NULL && clock_parse_duration(to, &up->timeout_ms, why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "user_parameter \"%.60s\": "
			    "timeout: %s", title, why);
			return -1;
		}
		up->flexible = tl > 3 && strcmp(title + tl - 3, "[*]") == 0;
		up->key = strndup(title, up->flexible ? tl - 3 : tl);
		up->command = strdup(cmd);
		if (up->key == NULL || up->command == NULL) {
			return -1;
		}
		for (const char *p = up->key; *p != '\0'; p++) {
			if (!zbx_key_char((unsigned char)*p)) {
				snprintf(err, errlen, "user_parameter \"%.60s\": "
				    "not a key name", title);
				return -1;
			}
		}
		c->nuser_params++;
	}
	return 0;
}

static char **
copy_cfg_list(cfg_t *sec, const char *name)
{
	char **l = NULL;

	for (unsigned i = 0; i < cfg_size(sec, name); i++) {
		l = list_add(l, cfg_getnstr(sec, name, i));
	}
	return l;
}

static int
from_section(struct agent_config *c, cfg_t *sec, char *err, size_t errlen)
{
	char why[128];

	if (cfg_getstr(sec, "hostname") != NULL) {
		free(c->hostname);
		c->hostname = xdup(cfg_getstr(sec, "hostname"));
	}
	c->server = copy_cfg_list(sec, "server");
	c->server_active = copy_cfg_list(sec, "server_active");
	c->listen_ip = xdup(cfg_getstr(sec, "listen_ip"));
	c->listen_port = (int)cfg_getint(sec, "listen_port");
	if (clock_parse_duration(cfg_getstr(sec, "timeout"), &c->timeout_ms,
	    why, sizeof(why)) == -1) {
		snprintf(err, errlen, "monitor: timeout: %s", why);
		return -1;
	}
	c->host_metadata = xdup(cfg_getstr(sec, "host_metadata"));
	c->host_metadata_item = xdup(cfg_getstr(sec, "host_metadata_item"));
	c->passive = cfg_getbool(sec, "passive");
	c->active = cfg_getbool(sec, "active");
	c->buffer_size = (int)cfg_getint(sec, "buffer_size");
	c->buffer_send_ms = cfg_getint(sec, "buffer_send") * 1000;
	c->refresh_ms = cfg_getint(sec, "refresh_active_checks") * 1000;
	c->heartbeat_ms = cfg_getint(sec, "heartbeat_frequency") * 1000;
	c->max_lines = (int)cfg_getint(sec, "max_lines_per_second");
	c->allow_key = copy_cfg_list(sec, "allow_key");
	c->deny_key = copy_cfg_list(sec, "deny_key");
	c->unsafe_user_parameters = cfg_getbool(sec, "unsafe_user_parameters");
	return load_user_params(c, sec, err, errlen);
}

static int
from_file(struct agent_config *c, const char *dir, char *err, size_t errlen)
{
	struct config_params p = { .dir = dir, .main_only = true };
	struct buf errors = { 0 };
	struct vc_config *vc;
	char path[PATH_MAX];
	int rc = 0;

	snprintf(path, sizeof(path), "%s/vcore.conf", dir);
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		return 0;	/* no file: defaults and the environment */
	}
	vc = config_load(&p, &errors);
	if (vc == NULL) {
		snprintf(err, errlen, "%s", errors.len > 0 ?
		    buf_str(&errors) : "cannot load the configuration");
		if (errlen > 0 && strlen(err) > 0 && err[strlen(err) - 1] ==
		    '\n') {
			err[strlen(err) - 1] = '\0';
		}
		buf_free(&errors);
		return -1;
	}
	buf_free(&errors);
	if (vc->control_socket != NULL) {
		free(c->control_socket);
		c->control_socket = strdup(vc->control_socket);
	}
	if (cfg_size(vc->main_cfg, "monitor") > 0) {
		rc = from_section(c, cfg_getsec(vc->main_cfg, "monitor"), err,
		    errlen);
	}
	config_free(vc);
	return rc;
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* A number from the environment within [lo, hi]; -1 with err when bad. */
static int
env_int(const char *name, long lo, long hi, long *out, char *err,
    size_t errlen)
{
	const char *v = env(name);
	char *end;
	long n;

	if (v == NULL) {
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < lo || n > hi) {
		snprintf(err, errlen, "%s=%.32s: expected a number from %ld "
		    "to %ld", name, v, lo, hi);
		return -1;
	}
	*out = n;
	return 1;
}

static int
env_bool(const char *name, bool *out, char *err, size_t errlen)
{
	const char *v = env(name);

	if (v == NULL) {
		return 0;
	}
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
		*out = true;
	} else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
		*out = false;
	} else {
		snprintf(err, errlen, "%s=%.32s: expected true or false", name,
		    v);
		return -1;
	}
	return 1;
}

static int
env_servers(struct agent_config *c)
{
	const char *host = env("ZBX_SERVER_HOST"), *port = env("ZBX_SERVER_PORT");
	const char *passive = env("ZBX_PASSIVESERVERS");
	const char *active = env("ZBX_ACTIVESERVERS");
	char suffix[16];

	if (host != NULL || passive != NULL) {
		free_list(c->server);
		c->server = NULL;
		if (host != NULL) {
			c->server = list_add_csv(c->server, host, NULL);
		}
		if (passive != NULL) {
			c->server = list_add_csv(c->server, passive, NULL);
		}
	}
	if (host != NULL || active != NULL) {
		free_list(c->server_active);
		c->server_active = NULL;
		snprintf(suffix, sizeof(suffix), ":%.6s", port != NULL ? port :
		    "10051");
		if (host != NULL) {
			c->server_active = list_add_csv(c->server_active, host,
			    strchr(host, ':') == NULL ? suffix : NULL);
		}
		if (active != NULL) {
			c->server_active = list_add_csv(c->server_active,
			    active, NULL);
		}
	}
	return 0;
}

static int
env_strings(struct agent_config *c)
{
	static const struct {
		const char *var;
		size_t off;
	} map[] = {
		{ "ZBX_HOSTNAME", offsetof(struct agent_config, hostname) },
		{ "ZBX_METADATA", offsetof(struct agent_config, host_metadata) },
		{ "ZBX_METADATAITEM", offsetof(struct agent_config,
		    host_metadata_item) },
		{ "ZBX_LISTENIP", offsetof(struct agent_config, listen_ip) },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const char *v = env(map[i].var);
		char **field = (char **)((char *)c + map[i].off);

		if (v != NULL) {
			free(*field);
			*field = strdup(v);
		}
	}
	if (env("ZBX_ALLOWKEY") != NULL) {
		c->allow_key = list_add(c->allow_key, env("ZBX_ALLOWKEY"));
	}
	if (env("ZBX_DENYKEY") != NULL) {
		c->deny_key = list_add(c->deny_key, env("ZBX_DENYKEY"));
	}
	return 0;
}

static int
env_numbers(struct agent_config *c, char *err, size_t errlen)
{
	long v;
	int rc;

	if ((rc = env_int("ZBX_LISTENPORT", 1024, 32767, &v, err, errlen)) < 0) {
		return -1;
	}
	c->listen_port = rc == 1 ? (int)v : c->listen_port;
	if ((rc = env_int("ZBX_TIMEOUT", 1, 30, &v, err, errlen)) < 0) {
		return -1;
	}
	c->timeout_ms = rc == 1 ? v * 1000 : c->timeout_ms;
	if ((rc = env_int("ZBX_BUFFERSIZE", 2, 65535, &v, err, errlen)) < 0) {
		return -1;
	}
	c->buffer_size = rc == 1 ? (int)v : c->buffer_size;
	if ((rc = env_int("ZBX_BUFFERSEND", 1, 3600, &v, err, errlen)) < 0) {
		return -1;
	}
	c->buffer_send_ms = rc == 1 ? v * 1000 : c->buffer_send_ms;
	if ((rc = env_int("ZBX_REFRESHACTIVECHECKS", 1, 86400, &v, err,
	    errlen)) < 0) {
		return -1;
	}
	c->refresh_ms = rc == 1 ? v * 1000 : c->refresh_ms;
	if ((rc = env_int("ZBX_HEARTBEAT_FREQUENCY", 0, 3600, &v, err,
	    errlen)) < 0 || (rc == 0 && (rc = env_int("ZBX_HEARTBEATFREQUENCY",
	    0, 3600, &v, err, errlen)) < 0)) {
		return -1;
	}
	c->heartbeat_ms = rc == 1 ? v * 1000 : c->heartbeat_ms;
	if ((rc = env_int("ZBX_MAXLINESPERSECOND", 1, 1000, &v, err,
	    errlen)) < 0) {
		return -1;
	}
	c->max_lines = rc == 1 ? (int)v : c->max_lines;
	return 0;
}

/* Every allow_key and deny_key rule must read as a key pattern: a deny
 * rule that matched nothing would be worse than an error at start. */
static int
check_rules(char **rules, const char *what, char *err, size_t errlen)
{
	char store[2 * ZBX_KEY_MAX_LEN + 2];
	struct zbx_key k;

	for (char **p = rules; p != NULL && *p != NULL; p++) {
		size_t len = strlen(*p);

		if (len > ZBX_KEY_MAX_LEN || zbx_key_rule_parse(*p, len, &k,
		    store, sizeof(store)) == -1) {
			snprintf(err, errlen, "monitor: %s \"%.100s\" is not a "
			    "key pattern", what, *p);
			return -1;
		}
	}
	return 0;
}

static int
check_ranges(struct agent_config *c, char *err, size_t errlen)
{
	if (c->listen_port < 1 || c->listen_port > 65535) {
		snprintf(err, errlen, "monitor: listen_port %d is not a port",
		    c->listen_port);
		return -1;
	}
	if (c->timeout_ms < 1000 || c->timeout_ms > 30000) {
		snprintf(err, errlen, "monitor: timeout must be 1s to 30s");
		return -1;
	}
	if (c->buffer_size < 2 || c->buffer_size > 65535 ||
	    c->buffer_send_ms < 1000 || c->refresh_ms < 1000 ||
	    c->heartbeat_ms < 0 || c->max_lines < 1) {
		snprintf(err, errlen, "monitor: buffer_size (2-65535), "
		    "buffer_send, refresh_active_checks (1 or more), "
		    "heartbeat_frequency (0 or more), max_lines_per_second "
		    "(1 or more) out of range");
		return -1;
	}
	if (c->hostname == NULL || c->hostname[0] == '\0' ||
	    strlen(c->hostname) > 128) {
		snprintf(err, errlen, "monitor: hostname must have 1 to 128 "
		    "characters");
		return -1;
	}
	if (check_rules(c->allow_key, "allow_key", err, errlen) == -1 ||
	    check_rules(c->deny_key, "deny_key", err, errlen) == -1) {
		return -1;
	}
	return 0;
}

int
agent_config_load(struct agent_config *c, const char *dir, char *err,
    size_t errlen)
{
	bool b;
	int rc;

	if (set_defaults(c) == -1 || from_file(c, dir, err, errlen) == -1 ||
	    env_servers(c) == -1 || env_strings(c) == -1 ||
	    env_numbers(c, err, errlen) == -1) {
		return -1;
	}
	if ((rc = env_bool("ZBX_PASSIVE_ALLOW", &b, err, errlen)) < 0) {
		return -1;
	}
	c->passive = rc == 1 ? b : c->passive;
	if ((rc = env_bool("ZBX_ACTIVE_ALLOW", &b, err, errlen)) < 0) {
		return -1;
	}
	c->active = rc == 1 ? b : c->active;
	if ((rc = env_bool("ZBX_UNSAFEUSERPARAMETERS", &b, err, errlen)) < 0) {
		return -1;
	}
	c->unsafe_user_parameters = rc == 1 ? b : c->unsafe_user_parameters;
	/* As agentd's Timeout, the final one bounds user parameters too. */
	for (int i = 0; i < c->nuser_params; i++) {
		if (c->user_params[i].timeout_ms <= 0) {
			c->user_params[i].timeout_ms = c->timeout_ms;
		}
	}
	return check_ranges(c, err, errlen);
}

void
agent_config_free(struct agent_config *c)
{
	free(c->hostname);
	free(c->host_metadata);
	free(c->host_metadata_item);
	free_list(c->server);
	free_list(c->server_active);
	free(c->listen_ip);
	free_list(c->allow_key);
	free_list(c->deny_key);
	for (int i = 0; i < c->nuser_params; i++) {
		free(c->user_params[i].key);
		free(c->user_params[i].command);
	}
	free(c->user_params);
	free(c->control_socket);
	memset(c, 0, sizeof(*c));
}

int
agent_split_hostport(const char *text, char *host, size_t hostlen, int *port,
    int default_port)
{
	const char *colon;
	size_t n;
	char *end;
	long p;

	*port = default_port;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL) {
			return -1;
		}
		n = (size_t)(close - text - 1);
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] != '\0' && colon == NULL) {
			return -1;
		}
		text++;
	} else {
		colon = strrchr(text, ':');
		/* A bare IPv6 address has several colons and no port. */
		if (colon != NULL && strchr(text, ':') != colon) {
			colon = NULL;
		}
		n = colon != NULL ? (size_t)(colon - text) : strlen(text);
	}
	if (n == 0 || n >= hostlen) {
		return -1;
	}
	memcpy(host, text, n);
	host[n] = '\0';
	if (colon != NULL) {
		p = strtol(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || p < 1 || p > 65535) {
			return -1;
		}
		*port = (int)p;
	}
	return 0;
}
