/* SPDX-License-Identifier: ISC */
/*
 * Reads vcore.conf's ssh {} section with the schema vcinit uses, checks the
 * values only vcsshd understands (durations, limits, listen addresses) and
 * copies them into struct sshd_config, which owns its strings afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "sshd.h"

/* Where errors point: the section's file and first line. */
struct where {
	const char *file;
	int line;
	int nerrors;
};

static void
conf_error(struct where *w, const char *opt, const char *msg)
{
	if (w->line > 0) {
		vlog_fatal("%s:%d: ssh: %s: %s", w->file, w->line, opt, msg);
	} else {
		vlog_fatal("%s: ssh: %s: %s", w->file, opt, msg);
	}
	w->nerrors++;
}

static char *
dup_opt(cfg_t *sec, const char *name)
{
	const char *v = cfg_getstr(sec, name);

	return v != NULL ? strdup(v) : NULL;
}

/* A list of names: each entry may hold several, separated by spaces or
 * commas, so that one "${VAR}" can carry them; empty ones are dropped. */
static char **
dup_names(cfg_t *sec, const char *name)
{
	unsigned n = cfg_size(sec, name), count = 0;
	char **list;

	for (unsigned i = 0; i < n; i++) {
		for (const char *p = cfg_getnstr(sec, name, i); *p != '\0';
		    p += strcspn(p, " ,\t")) {
			p += strspn(p, " ,\t");
			count += *p != '\0';
		}
	}
	list = calloc(count + 1, sizeof(char *));
	count = 0;
	for (unsigned i = 0; list != NULL && i < n; i++) {
		const char *p = cfg_getnstr(sec, name, i);

		while (*(p += strspn(p, " ,\t")) != '\0') {
			size_t len = strcspn(p, " ,\t");

			list[count++] = strndup(p, len);
			p += len;
		}
	}
	return list;
}

static int64_t
get_duration(cfg_t *sec, struct where *w, const char *name, bool zero_ok)
{
	char err[128];
	int64_t ms = 0;

	if (clock_parse_duration(cfg_getstr(sec, name), &ms, err,
	    sizeof(err)) == -1) {
		conf_error(w, name, err);
		return 0;
	}
	if (ms == 0 && !zero_ok) {
		conf_error(w, name, "must be more than 0");
	}
	return ms;
}

static int
get_count(cfg_t *sec, struct where *w, const char *name, long max)
{
	long v = cfg_getint(sec, name);
	char msg[64];

	if (v < 1 || v > max) {
		snprintf(msg, sizeof(msg), "%ld is not within 1..%ld", v, max);
		conf_error(w, name, msg);
		return 1;
	}
	return (int)v;
}

static void
copy_listen(cfg_t *sec, struct where *w, struct sshd_config *cfg)
{
	unsigned n = cfg_size(sec, "listen");
	char addr[SSHD_ADDR_MAX];
	int port;

	if (n == 0 || n > SSHD_MAX_LISTEN) {
		conf_error(w, "listen", "needs 1 to 8 addresses");
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const char *spec = cfg_getnstr(sec, "listen", i);

		if (sshd_split_listen(spec, 22, addr, sizeof(addr), &port) ==
		    -1) {
			conf_error(w, "listen", "want addr, addr:port or "
			    "[v6addr]:port");
			continue;
		}
		cfg->listen[cfg->nlisten++] = strdup(spec);
	}
}

static void
copy_section(cfg_t *sec, struct where *w, struct sshd_config *cfg)
{
	copy_listen(sec, w, cfg);
	cfg->port = (int)cfg_getint(sec, "port");
	if (cfg->port < 1 || cfg->port > 65535) {
		conf_error(w, "port", "not within 1..65535");
	}
	cfg->allow_users = dup_names(sec, "allow_users");
	cfg->allow_groups = dup_names(sec, "allow_groups");
	cfg->keys_file = dup_opt(sec, "authorized_keys_file");
	cfg->keys_command = dup_opt(sec, "authorized_keys_command");
	cfg->create_home = cfg_getbool(sec, "create_home");
	cfg->sftp_server = dup_opt(sec, "sftp_server");
	cfg->passwd_file = dup_opt(sec, "passwd_file");
	cfg->group_file = dup_opt(sec, "group_file");
	cfg->environment_file = dup_opt(sec, "environment_file");
	cfg->grace_ms = get_duration(sec, w, "login_grace_time", false);
	cfg->max_auth_tries = get_count(sec, w, "max_auth_tries", 100);
	cfg->max_startups = get_count(sec, w, "max_startups", 10000);
	cfg->max_startups_per_source = get_count(sec, w,
	    "max_startups_per_source", 10000);
	cfg->max_sessions = get_count(sec, w, "max_sessions", 10000);
	cfg->keepalive_ms = get_duration(sec, w, "keepalive_interval", true);
	cfg->keepalive_count = get_count(sec, w, "keepalive_count_max", 1000);
	cfg->idle_ms = get_duration(sec, w, "idle_timeout", true);
	cfg->tcp_forwarding = cfg_getbool(sec, "tcp_forwarding");
	if (cfg->keys_file == NULL || cfg->passwd_file == NULL ||
	    cfg->group_file == NULL || cfg->allow_users == NULL ||
	    cfg->allow_groups == NULL) {
		conf_error(w, "section", "out of memory");
	}
}

static void
print_errors(struct buf *errors)
{
	const char *p = buf_str(errors);

	while (*p != '\0') {
		size_t len = strcspn(p, "\n");

		vlog_fatal("%.*s", (int)len, p);
		p += len;
		if (*p == '\n') {
			p++;
		}
	}
}

int
sshd_config_load(const char *dir, struct sshd_config *cfg)
{
	struct config_params params = { .dir = dir, .main_only = true };
	struct buf errors = { 0 };
	struct vc_config *vc;
	cfg_t *sec, *defaults = NULL;
	struct where w = { "vcore.conf", 0, 0 };
	char path[PATH_MAX];

	memset(cfg, 0, sizeof(*cfg));
	cfg->dir = strdup(dir);
	vc = config_load(&params, &errors);
	if (vc == NULL || cfg->dir == NULL) {
		print_errors(&errors);
		buf_free(&errors);
		return -1;
	}
	buf_free(&errors);
	snprintf(path, sizeof(path), "%s/vcore.conf", dir);
	w.file = path;
	if (cfg_size(vc->main_cfg, "ssh") > 0) {
		sec = cfg_getsec(vc->main_cfg, "ssh");
		w.line = sec->line;
		if (sec->filename != NULL) {
			w.file = sec->filename;
		}
	} else {
		/* No ssh {}: an empty one, from the schema's own options, has
		 * every default. */
		cfg_opt_t *opt = cfg_getopt(vc->main_cfg, "ssh");

		defaults = opt != NULL ? cfg_init(opt->subopts, CFGF_NONE)
		    : NULL;
		if (defaults == NULL || cfg_parse_buf(defaults, "") !=
		    CFG_SUCCESS) {
			vlog_fatal("ssh: out of memory");
			config_free(vc);
			return -1;
		}
		sec = defaults;
	}
	copy_section(sec, &w, cfg);
	if (cfg->environment_file == NULL) {
		/* vcinit writes it in the folder of its control socket. */
		const char *slash = strrchr(vc->control_socket, '/');
		int len = slash != NULL ? (int)(slash - vc->control_socket) : 1;

		if (asprintf(&cfg->environment_file, "%.*s/environment", len,
		    slash != NULL ? vc->control_socket : ".") < 0) {
			cfg->environment_file = NULL;
			conf_error(&w, "environment_file", "out of memory");
		}
	}
	snprintf(cfg->hostkey_path, sizeof(cfg->hostkey_path), "%s/ssh/%s",
	    dir, SSHD_HOSTKEY_NAME);
	if (defaults != NULL) {
		cfg_free(defaults);
	}
	config_free(vc);
	return w.nerrors > 0 ? -1 : 0;
}

static void
free_list(char **list)
{
	if (list == NULL) {
		return;
	}
	for (char **p = list; *p != NULL; p++) {
		free(*p);
	}
	free(list);
}

void
sshd_config_free(struct sshd_config *cfg)
{
	for (int i = 0; i < cfg->nlisten; i++) {
		free(cfg->listen[i]);
	}
	free_list(cfg->allow_users);
	free_list(cfg->allow_groups);
	free(cfg->dir);
	free(cfg->keys_file);
	free(cfg->keys_command);
	free(cfg->sftp_server);
	free(cfg->passwd_file);
	free(cfg->group_file);
	free(cfg->environment_file);
	memset(cfg, 0, sizeof(*cfg));
}

int
sshd_split_listen(const char *spec, int default_port, char *addr,
    size_t addrlen, int *port)
{
	const char *end, *colon;
	size_t len;

	*port = default_port;
	if (spec[0] == '[') {
		end = strchr(spec, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':')) {
			return -1;
		}
		spec++;
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strchr(spec, ':');
		/* Two colons or more: a bare IPv6 address, no port. */
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			colon = NULL;
		}
		end = colon != NULL ? colon : spec + strlen(spec);
	}
	len = (size_t)(end - spec);
	if (len == 0 || len >= addrlen) {
		return -1;
	}
	memcpy(addr, spec, len);
	addr[len] = '\0';
	if (colon != NULL) {
		char *stop;
		long v = strtol(colon + 1, &stop, 10);

		if (colon[1] == '\0' || *stop != '\0' || v < 1 || v > 65535) {
			return -1;
		}
		*port = (int)v;
	}
	return 0;
}
