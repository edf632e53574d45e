/* SPDX-License-Identifier: ISC */
/*
 * Loads and checks the configuration. libconfuse parses each file; values
 * are checked by validation callbacks while the parser still knows the line,
 * so every error reads "file:line: what". The checked values are then copied
 * into struct vc_config, which owns them.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <confuse.h>

#include "clock.h"
#include "config.h"
#include "config_monitor.h"
#include "config_ssh.h"
#include "fdutil.h"
#include "signame.h"
#include "userdb.h"

#define CONFIG_MAX_FILES 1024

/* Options every service has, the built-in ones (agent, sshd) included. */
#define SVC_SHARED_OPTS \
	CFG_STR_LIST("command", NULL, CFGF_NODEFAULT), \
	CFG_STR("user", NULL, CFGF_NODEFAULT), \
	CFG_STR("group", NULL, CFGF_NODEFAULT), \
	CFG_STR_LIST("environment", NULL, CFGF_NODEFAULT), \
	CFG_STR_LIST("depends", NULL, CFGF_NODEFAULT), \
	CFG_STR_LIST("wait_for", NULL, CFGF_NODEFAULT), \
	CFG_STR("wait_timeout", "60s", 0), \
	CFG_STR("stop_signal", "TERM", 0), \
	CFG_STR("stop_timeout", "5s", 0), \
	CFG_STR("log", "stdout", 0), \
	CFG_STR("restart_delay", "100ms", 0), \
	CFG_STR("restart_max_delay", "30s", 0), \
	CFG_STR("restart_reset", "10s", 0), \
	CFG_BOOL("enabled", cfg_true, 0), \
	CFG_STR_LIST("enabled_if", NULL, CFGF_NODEFAULT)

static cfg_opt_t service_opts[] = {
	SVC_SHARED_OPTS,
	CFG_BOOL("shell", cfg_false, 0),
	CFG_STR("directory", NULL, CFGF_NODEFAULT),
	CFG_BOOL("env_clear", cfg_false, 0),
	CFG_STR("umask", NULL, CFGF_NODEFAULT),
	CFG_STR("restart", NULL, CFGF_NODEFAULT),
	CFG_STR("type", "longrun", 0),
	CFG_STR("ready", NULL, CFGF_NODEFAULT),
	CFG_STR("ready_timeout", "0", 0),
	CFG_BOOL("main", cfg_false, 0),
	CFG_STR("limit_nofile", NULL, CFGF_NODEFAULT),
	CFG_STR("limit_nproc", NULL, CFGF_NODEFAULT),
	CFG_STR("limit_core", NULL, CFGF_NODEFAULT),
	CFG_STR("limit_memlock", NULL, CFGF_NODEFAULT),
	CFG_STR("limit_stack", NULL, CFGF_NODEFAULT),
	CFG_STR("limit_as", NULL, CFGF_NODEFAULT),
	CFG_STR("limit_data", NULL, CFGF_NODEFAULT),
	CFG_STR("limit_fsize", NULL, CFGF_NODEFAULT),
	CFG_STR("limit_cpu", NULL, CFGF_NODEFAULT),
	CFG_STR("limit_nice", NULL, CFGF_NODEFAULT),
	CFG_END()
};

static cfg_opt_t monitor_opts[] = {
	SVC_SHARED_OPTS,
	MONITOR_CFG_OPTS,
	CFG_END()
};

static cfg_opt_t ssh_opts[] = {
	SVC_SHARED_OPTS,
	SSH_CFG_OPTS,
	CFG_END()
};

static cfg_opt_t main_opts[] = {
	CFG_STR("control_socket", "/run/vcore/control.sock", 0),
	CFG_STR("log_dir", "/var/log/vcore", 0),
	CFG_STR("render_root", "/", 0),
	CFG_STR("shutdown_timeout", "9s", 0),
	CFG_STR("log_max_size", "1M", 0),
	CFG_INT("log_keep", 5, 0),
	CFG_INT("log_line_max", 4096, 0),
	CFG_STR("magic_timeout", "60s", 0),
	CFG_STR("magic_failure", "stop", 0),
	CFG_STR("prepare_magic", "/sbin/prepare_magic.sh", 0),
	CFG_SEC("monitor", monitor_opts, CFGF_MULTI),
	CFG_SEC("ssh", ssh_opts, CFGF_MULTI),
	CFG_SEC("service", service_opts, CFGF_MULTI | CFGF_TITLE |
	    CFGF_NO_TITLE_DUPES),
	CFG_END()
};

static cfg_opt_t services_file_opts[] = {
	CFG_SEC("service", service_opts, CFGF_MULTI | CFGF_TITLE |
	    CFGF_NO_TITLE_DUPES),
	CFG_END()
};

static const char *const duration_opts[] = {
	"wait_timeout", "stop_timeout", "restart_delay", "restart_max_delay",
	"restart_reset", "ready_timeout", "shutdown_timeout", "magic_timeout",
	"timeout", NULL,
};

static const struct {
	const char *opt;
	int resource;
} limit_opts[] = {
	{ "limit_nofile", RLIMIT_NOFILE }, { "limit_nproc", RLIMIT_NPROC },
	{ "limit_core", RLIMIT_CORE }, { "limit_memlock", RLIMIT_MEMLOCK },
	{ "limit_stack", RLIMIT_STACK }, { "limit_as", RLIMIT_AS },
	{ "limit_data", RLIMIT_DATA }, { "limit_fsize", RLIMIT_FSIZE },
	{ "limit_cpu", RLIMIT_CPU }, { "limit_nice", RLIMIT_NICE },
};
#define NLIMIT_OPTS ((int)(sizeof(limit_opts) / sizeof(limit_opts[0])))

/*
 * libconfuse's callbacks take no argument of ours, so the file being parsed
 * lives here for the length of one config_load. The first line of the
 * current section is noted too: libconfuse keeps only its last line.
 */
static struct {
	const struct config_params *params;
	struct buf *errors;
	const char *file;
	int section_line;
	int nerrors;
} parse_ctx;

static void
add_error(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
add_error(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (parse_ctx.errors == NULL) {
		return;	/* after config_load: libconfuse's look-ups */
	}
	if (line > 0) {
		buf_addf(parse_ctx.errors, "%s:%d: %s\n", file, line, msg);
	} else {
		buf_addf(parse_ctx.errors, "%s: %s\n", file, msg);
	}
	parse_ctx.nerrors++;
}

static void
on_cfg_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[512];
	const char *file = parse_ctx.file;
	int line = 0;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cfg != NULL) {
		line = cfg->line;
		if (cfg->filename != NULL) {
			file = cfg->filename;
		}
	}
	add_error(file, line, "%s", msg);
}

static void
note_line(cfg_t *cfg)
{
	if (cfg->name == NULL || strcmp(cfg->name, "root") == 0) {
		return;
	}
	if (parse_ctx.section_line == 0) {
		parse_ctx.section_line = cfg->line;
	}
}

static int
check_any(cfg_t *cfg, cfg_opt_t *opt)
{
	(void)opt;
	note_line(cfg);
	return 0;
}

static const char *
last_str(cfg_opt_t *opt)
{
	return cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);
}

static int
check_duration(cfg_t *cfg, cfg_opt_t *opt)
{
	char err[128];
	int64_t ms;

	note_line(cfg);
	if (clock_parse_duration(last_str(opt), &ms, err, sizeof(err)) == -1) {
		cfg_error(cfg, "%s: %s", opt->name, err);
		return -1;
	}
	return 0;
}

static int
check_one_of(cfg_t *cfg, cfg_opt_t *opt, const char *const *allowed)
{
	const char *v = last_str(opt);
	char list[128] = "";

	note_line(cfg);
	for (int i = 0; allowed[i] != NULL; i++) {
		if (strcmp(v, allowed[i]) == 0) {
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", i > 0 ? ", " : "", allowed[i]);
	}
	cfg_error(cfg, "%s = '%.40s': expected one of %s", opt->name, v, list);
	return -1;
}

static const char *const restart_words[] = { "always", "on-failure", "never",
	NULL };
static const char *const type_words[] = { "longrun", "oneshot", NULL };
static const char *const log_words[] = { "stdout", "file", "both", "none",
	NULL };
static const char *const magic_failure_words[] = { "stop", "continue", NULL };

static int
check_restart(cfg_t *cfg, cfg_opt_t *opt)
{
	return check_one_of(cfg, opt, restart_words);
}

static int
check_type(cfg_t *cfg, cfg_opt_t *opt)
{
	return check_one_of(cfg, opt, type_words);
}

static int
check_log(cfg_t *cfg, cfg_opt_t *opt)
{
	return check_one_of(cfg, opt, log_words);
}

static int
check_magic_failure(cfg_t *cfg, cfg_opt_t *opt)
{
	return check_one_of(cfg, opt, magic_failure_words);
}

static int
check_signal(cfg_t *cfg, cfg_opt_t *opt)
{
	note_line(cfg);
	if (signame_to_num(last_str(opt)) <= 0) {
		cfg_error(cfg, "stop_signal = '%.40s' is not a signal",
		    last_str(opt));
		return -1;
	}
	return 0;
}

static int
parse_umask(const char *text, mode_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 8);
	if (*text == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 0777) {
		return -1;
	}
	*out = (mode_t)v;
	return 0;
}

static int
check_umask(cfg_t *cfg, cfg_opt_t *opt)
{
	mode_t m;

	note_line(cfg);
	if (parse_umask(last_str(opt), &m) == -1) {
		cfg_error(cfg, "umask = '%.40s' is not an octal mode like 022",
		    last_str(opt));
		return -1;
	}
	return 0;
}

static int
check_ready(cfg_t *cfg, cfg_opt_t *opt)
{
	struct ready_spec r;
	char err[160];

	note_line(cfg);
	if (config_parse_ready(last_str(opt), &r, err, sizeof(err)) == -1) {
		cfg_error(cfg, "ready: %s", err);
		return -1;
	}
	free(r.target);
	return 0;
}

static int
check_wait_for(cfg_t *cfg, cfg_opt_t *opt)
{
	char err[160];

	note_line(cfg);
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		if (config_check_wait_for(cfg_opt_getnstr(opt, i), err,
		    sizeof(err)) == -1) {
			cfg_error(cfg, "wait_for: %s", err);
			return -1;
		}
	}
	return 0;
}

static int
check_limit(cfg_t *cfg, cfg_opt_t *opt)
{
	struct svc_limit l;
	char err[160];

	note_line(cfg);
	if (config_parse_limit(opt->name, last_str(opt), &l, err,
	    sizeof(err)) == -1) {
		cfg_error(cfg, "%s: %s", opt->name, err);
		return -1;
	}
	return 0;
}

static bool
is_env_name(const char *s, size_t len)
{
	if (len == 0 || (s[0] >= '0' && s[0] <= '9')) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_')) {
			return false;
		}
	}
	return true;
}

static int
check_environment(cfg_t *cfg, cfg_opt_t *opt)
{
	note_line(cfg);
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *e = cfg_opt_getnstr(opt, i);
		const char *eq = strchr(e, '=');

		if (eq == NULL || !is_env_name(e, (size_t)(eq - e))) {
			cfg_error(cfg, "environment: '%.40s' is not NAME=value",
			    e);
			return -1;
		}
	}
	return 0;
}

/* "NAME", "NAME=a|b" or "NAME!=a|b": see config_condition_holds. */
static int
check_enabled_if(cfg_t *cfg, cfg_opt_t *opt)
{
	note_line(cfg);
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *c = cfg_opt_getnstr(opt, i);
		size_t len = strcspn(c, "!=");

		if (!is_env_name(c, len) || (c[len] == '!' && c[len + 1] != '=')) {
			cfg_error(cfg, "enabled_if: '%.40s' is not NAME, "
			    "NAME=value|value or NAME!=value|value", c);
			return -1;
		}
	}
	return 0;
}

static int
check_user(cfg_t *cfg, cfg_opt_t *opt)
{
	struct userdb_user u;
	char err[256];

	note_line(cfg);
	if (userdb_user(parse_ctx.params->passwd_path,
	    parse_ctx.params->group_path, last_str(opt), &u, err,
	    sizeof(err)) == -1) {
		cfg_error(cfg, "user: %s", err);
		return -1;
	}
	return 0;
}

static int
check_group(cfg_t *cfg, cfg_opt_t *opt)
{
	char err[256];
	gid_t g;

	note_line(cfg);
	if (userdb_group(parse_ctx.params->group_path, last_str(opt), &g, err,
	    sizeof(err)) == -1) {
		cfg_error(cfg, "group: %s", err);
		return -1;
	}
	return 0;
}

static int
check_size(cfg_t *cfg, cfg_opt_t *opt)
{
	char err[128];
	int64_t n;

	if (config_parse_size(last_str(opt), &n, err, sizeof(err)) == -1) {
		cfg_error(cfg, "%s: %s", opt->name, err);
		return -1;
	}
	return 0;
}

static int
check_positive(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = cfg_opt_getnint(opt, cfg_opt_size(opt) - 1);

	if (v < 0 || (v == 0 && strcmp(opt->name, "log_keep") != 0) ||
	    v > 1000000) {
		cfg_error(cfg, "%s = %ld is out of range", opt->name, v);
		return -1;
	}
	return 0;
}

static int
check_section_end(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);

	/* libconfuse leaves the closing line here; the first option's line
	 * is where people look for a section. */
	if (parse_ctx.section_line > 0) {
		sec->line = parse_ctx.section_line;
	}
	parse_ctx.section_line = 0;
	if (strcmp(opt->name, "service") != 0 && cfg_opt_size(opt) > 1) {
		cfg_error(cfg, "%s {} appears more than once", opt->name);
		return -1;
	}
	return 0;
}

/* The check of one option of a service-like section. */
static cfg_validate_callback_t
check_for(const char *name)
{
	static const struct {
		const char *opt;
		cfg_validate_callback_t fn;
	} checks[] = {
		{ "restart", check_restart }, { "type", check_type },
		{ "log", check_log }, { "stop_signal", check_signal },
		{ "umask", check_umask }, { "ready", check_ready },
		{ "wait_for", check_wait_for }, { "environment",
		check_environment }, { "user", check_user },
		{ "enabled_if", check_enabled_if },
		{ "group", check_group },
	};

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (strcmp(name, checks[i].opt) == 0) {
			return checks[i].fn;
		}
	}
	for (int i = 0; duration_opts[i] != NULL; i++) {
		if (strcmp(name, duration_opts[i]) == 0) {
			return check_duration;
		}
	}
	return strncmp(name, "limit_", 6) == 0 ? check_limit : check_any;
}

static void
set_checks(cfg_opt_t *opts)
{
	for (cfg_opt_t *o = opts; o->name != NULL; o++) {
		o->validcb = check_for(o->name);
	}
}

static cfg_opt_t *
find_opt(cfg_opt_t *opts, const char *name)
{
	for (cfg_opt_t *o = opts; o->name != NULL; o++) {
		if (strcmp(o->name, name) == 0) {
			return o;
		}
	}
	return NULL;
}

/*
 * The checks go into the schema's own tables, once: cfg_init copies them
 * into every config and section it makes. (Setting them on each config
 * with cfg_set_validate_func walks the option tree by name: most of the
 * time of reading a hundred services.d files.)
 */
static void
install_checks(void)
{
	static bool done;
	static const struct {
		const char *opt;
		cfg_validate_callback_t fn;
	} globals[] = {
		{ "shutdown_timeout", check_duration },
		{ "magic_timeout", check_duration },
		{ "magic_failure", check_magic_failure },
		{ "log_max_size", check_size }, { "log_keep", check_positive },
		{ "log_line_max", check_positive }, { "service",
		check_section_end }, { "monitor", check_section_end },
		{ "ssh", check_section_end },
	};

	if (done) {
		return;
	}
	done = true;
	set_checks(service_opts);
	set_checks(monitor_opts);
	set_checks(ssh_opts);
	for (size_t i = 0; i < sizeof(globals) / sizeof(globals[0]); i++) {
		find_opt(main_opts, globals[i].opt)->validcb = globals[i].fn;
	}
	find_opt(services_file_opts, "service")->validcb = check_section_end;
}

static cfg_t *
new_cfg(bool main_file)
{
	cfg_t *cfg;

	install_checks();
	cfg = cfg_init(main_file ? main_opts : services_file_opts, CFGF_NONE);
	if (cfg != NULL) {
		cfg_set_error_function(cfg, on_cfg_error);
	}
	return cfg;
}

int
config_check_braces(const char *text, int *line)
{
	int depth = 0, ln = 1, open_line[64] = { 0 };
	const char *p = text;

	while (*p != '\0') {
		if (*p == '\n') {
			ln++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			p += strcspn(p, "\n");
			continue;
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p != '\0' && !(p[0] == '*' && p[1] == '/');
			    p++) {
				ln += *p == '\n';
			}
			p += *p != '\0' ? 2 : 0;
			continue;
		} else if (*p == '"' || *p == '\'') {
			char q = *p;

			for (p++; *p != '\0' && *p != q; p++) {
				ln += *p == '\n';
				if (q == '"' && *p == '\\' && p[1] != '\0') {
					p++;
					ln += *p == '\n';
				}
			}
		} else if (*p == '{') {
			if (depth < 64) {
				open_line[depth] = ln;
			}
			depth++;
		} else if (*p == '}' && depth > 0) {
			depth--;
		}
		if (*p != '\0') {
			p++;
		}
	}
	if (depth > 0) {
		*line = open_line[depth <= 64 ? depth - 1 : 63];
		return -1;
	}
	return 0;
}

/* libconfuse takes the end of the file for a closing brace; a section or
 * list left open is a mistake worth naming. */
static int
check_file_braces(const char *path)
{
	char *text = fd_read_file(path, 16 * 1024 * 1024, NULL);
	int line = 0;

	if (text == NULL) {
		return 0;	/* cfg_parse reports the read error */
	}
	if (config_check_braces(text, &line) == -1) {
		add_error(path, line, "'{' is never closed by a '}'");
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

/* Parses path into a new cfg_t; NULL after an error (already recorded). A
 * missing vcore.conf is an empty one: every option has a default. */
static cfg_t *
parse_file(const char *path, bool main_file, bool must_exist)
{
	cfg_t *cfg = new_cfg(main_file);
	int rc;

	if (cfg == NULL) {
		add_error(path, 0, "out of memory");
		return NULL;
	}
	parse_ctx.file = path;
	parse_ctx.section_line = 0;
	if (!must_exist && access(path, F_OK) == -1 && errno == ENOENT) {
		return cfg;
	}
	if (check_file_braces(path) == -1) {
		cfg_free(cfg);
		return NULL;
	}
	rc = cfg_parse(cfg, path);
	if (rc == CFG_FILE_ERROR) {
		add_error(path, 0, "cannot read: %s", strerror(errno));
	}
	if (rc != CFG_SUCCESS) {
		cfg_free(cfg);
		return NULL;
	}
	return cfg;
}

/* ---- pure parsers ---- */

static int
parse_port(const char *s, int *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 1 || v > 65535) {
		return -1;
	}
	*port = (int)v;
	return 0;
}

/* "tcp:PORT" or "tcp:ADDRESS:PORT" (arg is after "tcp:"); numeric only. */
static int
parse_ready_tcp(const char *text, const char *arg, struct ready_spec *out,
    char *err, size_t errlen)
{
	const char *colon = strrchr(arg, ':');
	char host[64] = "127.0.0.1";
	unsigned char addr[16];

	out->kind = READY_TCP;
	if (colon != NULL) {
		size_t hl = (size_t)(colon - arg);

		if (hl >= sizeof(host)) {
			return -1;
		}
		memcpy(host, arg, hl);
		host[hl] = '\0';
		/* [::1] as people write it next to a port */
		if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
			memmove(host, host + 1, hl - 2);
			host[hl - 2] = '\0';
		}
		arg = colon + 1;
		if (inet_pton(AF_INET, host, addr) != 1 &&
		    inet_pton(AF_INET6, host, addr) != 1) {
			snprintf(err, errlen, "'%.60s': readiness takes a numeric "
			    "address (PID 1 resolves no names); use wait_for for "
			    "host names", text);
			return -2;
		}
	}
	if (parse_port(arg, &out->port) == -1) {
		return -1;
	}
	out->target = strdup(host);
	return 0;
}

int
config_parse_ready(const char *text, struct ready_spec *out, char *err,
    size_t errlen)
{
	const char *arg = strchr(text, ':');
	int rc;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (strcmp(text, "notify") == 0) {
		out->kind = READY_NOTIFY;
		return 0;
	}
	if (arg == NULL || arg[1] == '\0') {
		goto bad;
	}
	arg++;
	if (strncmp(text, "tcp:", 4) == 0) {
		rc = parse_ready_tcp(text, arg, out, err, errlen);
		if (rc == -2) {
			return -1;
		}
		if (rc == -1) {
			goto bad;
		}
	} else if (strncmp(text, "unix:", 5) == 0 ||
	    strncmp(text, "file:", 5) == 0) {
		out->kind = text[0] == 'u' ? READY_UNIX : READY_FILE;
		if (arg[0] != '/') {
			snprintf(err, errlen, "'%.60s': the path must be "
			    "absolute", text);
			return -1;
		}
		out->target = strdup(arg);
	} else if (strncmp(text, "exec:", 5) == 0) {
		out->kind = READY_EXEC;
		out->target = strdup(arg);
	} else if (strncmp(text, "fd:", 3) == 0) {
		if (parse_port(arg, &out->fd) == -1 || out->fd < 3 ||
		    out->fd > 255) {
			snprintf(err, errlen, "'%.60s': N must be from 3 to 255",
			    text);
			return -1;
		}
		out->kind = READY_FD;
		return 0;
	} else {
		goto bad;
	}
	if (out->target == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "'%.60s' is not one of tcp:PORT, tcp:ADDRESS:PORT, "
	    "unix:PATH, file:PATH, exec:COMMAND, notify, fd:N", text);
	return -1;
}

int
config_check_wait_for(const char *text, char *err, size_t errlen)
{
	const char *colon;
	int port;

	if (strncmp(text, "tcp:", 4) == 0) {
		colon = strrchr(text + 4, ':');
		if (colon != NULL && colon > text + 4 &&
		    parse_port(colon + 1, &port) == 0) {
			return 0;
		}
	} else if ((strncmp(text, "file:", 5) == 0 ||
	    strncmp(text, "unix:", 5) == 0) && text[5] == '/') {
		return 0;
	}
	snprintf(err, errlen, "'%.60s' is not one of tcp:HOST:PORT, "
	    "file:PATH, unix:PATH", text);
	return -1;
}

int
config_parse_size(const char *text, int64_t *bytes, char *err,
    size_t errlen)
{
	char *end;
	long long v;
	int64_t mult = 1;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (end == text || errno != 0 || v < 0) {
		goto bad;
	}
	if (*end == 'k' || *end == 'K') {
		mult = 1024;
		end++;
	} else if (*end == 'M') {
		mult = 1024 * 1024;
		end++;
	} else if (*end == 'G') {
		mult = 1024LL * 1024 * 1024;
		end++;
	}
	if (*end == 'B' || *end == 'b') {
		end++;
	}
	if (*end != '\0' || v > (1LL << 40) / mult) {
		goto bad;
	}
	*bytes = v * mult;
	return 0;
bad:
	snprintf(err, errlen, "'%.40s' is not a size like 512K, 10M or 1G",
	    text);
	return -1;
}

static int
parse_rlim(const char *s, size_t len, rlim_t *out)
{
	char num[32];
	char *end;
	unsigned long long v;

	if (len == 9 && strncmp(s, "unlimited", 9) == 0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	if (len == 0 || len >= sizeof(num)) {
		return -1;
	}
	memcpy(num, s, len);
	num[len] = '\0';
	errno = 0;
	v = strtoull(num, &end, 10);
	if (*end != '\0' || errno != 0 || num[0] == '-') {
		return -1;
	}
	*out = (rlim_t)v;
	return 0;
}

int
config_parse_limit(const char *name, const char *text, struct svc_limit *out,
    char *err, size_t errlen)
{
	const char *colon = strchr(text, ':');
	size_t soft_len = colon != NULL ? (size_t)(colon - text) : strlen(text);

	out->resource = -1;
	for (int i = 0; i < NLIMIT_OPTS; i++) {
		if (strcmp(name, limit_opts[i].opt) == 0) {
			out->resource = limit_opts[i].resource;
		}
	}
	if (out->resource < 0) {
		snprintf(err, errlen, "no such limit");
		return -1;
	}
	if (parse_rlim(text, soft_len, &out->value.rlim_cur) == -1 ||
	    parse_rlim(colon != NULL ? colon + 1 : text,
	    colon != NULL ? strlen(colon + 1) : soft_len,
	    &out->value.rlim_max) == -1) {
		snprintf(err, errlen, "'%.40s' is not N, unlimited or SOFT:HARD",
		    text);
		return -1;
	}
	if (out->value.rlim_cur > out->value.rlim_max) {
		snprintf(err, errlen, "'%.40s': the soft limit is above the "
		    "hard one", text);
		return -1;
	}
	return 0;
}

/* Depth-first topological sort; state 0 new, 1 on the path, 2 done. */
static int
order_visit(int i, int n, char *const *names, char **const *deps, int *state,
    int *order, int *pos, int *bad)
{
	if (state[i] == 2) {
		return 0;
	}
	if (state[i] == 1) {
		*bad = i;
		return -1;
	}
	state[i] = 1;
	for (char **d = deps[i]; d != NULL && *d != NULL; d++) {
		int j;

		for (j = 0; j < n; j++) {
			if (strcmp(names[j], *d) == 0) {
				break;
			}
		}
		if (j == n) {
			*bad = i;
			return -1;
		}
		if (order_visit(j, n, names, deps, state, order, pos, bad) == -1) {
			return -1;
		}
	}
	state[i] = 2;
	order[(*pos)++] = i;
	return 0;
}

int
config_order(int n, char *const *names, char **const *deps, int *order,
    int *bad)
{
	int *state = calloc((size_t)n + 1, sizeof(int));
	int pos = 0, rc = 0;

	if (state == NULL) {
		*bad = -1;
		return -1;
	}
	for (int i = 0; i < n && rc == 0; i++) {
		rc = order_visit(i, n, names, deps, state, order, &pos, bad);
	}
	free(state);
	return rc;
}

/* ---- copying the parsed values ---- */

static char *
xstrdup(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

/* A NULL-terminated copy of a list option (an empty list when unset). */
static char **
copy_list(cfg_t *sec, const char *opt)
{
	unsigned n = cfg_size(sec, opt);
	char **v = calloc(n + 1, sizeof(char *));

	if (v == NULL) {
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		v[i] = xstrdup(cfg_getnstr(sec, opt, i));
	}
	return v;
}

static void
free_list(char **v)
{
	if (v == NULL) {
		return;
	}
	for (char **p = v; *p != NULL; p++) {
		free(*p);
	}
	free(v);
}

static int64_t
get_ms(cfg_t *sec, const char *opt)
{
	char err[128];
	int64_t ms = 0;

	/* Checked while parsing; cannot fail here. */
	(void)clock_parse_duration(cfg_getstr(sec, opt), &ms, err, sizeof(err));
	return ms;
}

static int
word_index(const char *v, const char *const *words)
{
	for (int i = 0; words[i] != NULL; i++) {
		if (strcmp(v, words[i]) == 0) {
			return i;
		}
	}
	return 0;
}

static void
svc_free_fields(struct svc_config *s)
{
	free(s->name);
	free(s->file);
	free_list(s->argv);
	free(s->user);
	free(s->group);
	free(s->groups);
	free(s->home);
	free(s->directory);
	free_list(s->environment);
	free_list(s->depends);
	free(s->ready.target);
	free_list(s->wait_for);
	free_list(s->enabled_if);
	memset(s, 0, sizeof(*s));
}

/* Fills the user fields of s from its user and group options. */
static int
resolve_user(struct svc_config *s, const struct config_params *p)
{
	struct userdb_user u;
	char err[256];

	if (s->user == NULL) {
		s->home = xstrdup("/root");
		if (s->group != NULL) {
			add_error(s->file, s->line, "service '%s' sets group but "
			    "not user", s->name);
			return -1;
		}
		return 0;
	}
	if (userdb_user(p->passwd_path, p->group_path, s->user, &u, err,
	    sizeof(err)) == -1) {
		add_error(s->file, s->line, "service '%s': %s", s->name, err);
		return -1;
	}
	s->has_user = true;
	s->uid = u.uid;
	s->gid = u.gid;
	s->home = xstrdup(u.home);
	if (s->group != NULL && userdb_group(p->group_path, s->group, &s->gid,
	    err, sizeof(err)) == -1) {
		add_error(s->file, s->line, "service '%s': %s", s->name, err);
		return -1;
	}
	u.groups[0] = s->gid;
	s->groups = malloc(sizeof(gid_t) * (size_t)u.ngroups);
	if (s->groups != NULL) {
		memcpy(s->groups, u.groups, sizeof(gid_t) * (size_t)u.ngroups);
		s->ngroups = u.ngroups;
	}
	return 0;
}

/* Builds argv from the command option: a list is argv, one string with
 * shell = true goes to /bin/sh -c. */
static int
build_argv(cfg_t *sec, struct svc_config *s, bool shell)
{
	unsigned n = cfg_size(sec, "command");

	if (n == 0) {
		add_error(s->file, s->line, "service '%s' has no command",
		    s->name);
		return -1;
	}
	if (shell) {
		if (n != 1) {
			add_error(s->file, s->line, "service '%s': with shell = "
			    "true, command is one string", s->name);
			return -1;
		}
		s->argv = calloc(4, sizeof(char *));
		if (s->argv != NULL) {
			s->argv[0] = strdup("/bin/sh");
			s->argv[1] = strdup("-c");
			s->argv[2] = xstrdup(cfg_getnstr(sec, "command", 0));
		}
		s->shell = true;
		return 0;
	}
	if (n == 1 && strpbrk(cfg_getnstr(sec, "command", 0), " \t") != NULL) {
		add_error(s->file, s->line, "service '%s': command is one string "
		    "with spaces: write it as a list {\"prog\", \"arg\"} or set "
		    "shell = true", s->name);
		return -1;
	}
	s->argv = copy_list(sec, "command");
	return 0;
}

static void
copy_limits(cfg_t *sec, struct svc_config *s)
{
	char err[128];

	for (int i = 0; i < NLIMIT_OPTS; i++) {
		const char *v = cfg_getstr(sec, limit_opts[i].opt);

		if (v != NULL && config_parse_limit(limit_opts[i].opt, v,
		    &s->limits[s->nlimits], err, sizeof(err)) == 0) {
			s->nlimits++;
		}
	}
}

/*
 * One enabled_if condition against the environment vcinit resolved (the
 * container's, secrets and env.d): "NAME" holds when NAME is set and not
 * empty, "NAME=a|b" when it is one of the values, "NAME!=a|b" when it is
 * none of them (unset counts as empty). systemd's ConditionEnvironment=,
 * with alternatives: one image can then carry the services of several
 * roles and its environment picks them.
 */
bool
config_condition_holds(const char *cond)
{
	extern char **environ;
	size_t len = strcspn(cond, "!=");
	bool negate = cond[len] == '!';
	const char *value = "", *alt;

	for (char **e = environ; *e != NULL; e++) {
		if (strncmp(*e, cond, len) == 0 && (*e)[len] == '=') {
			value = *e + len + 1;
			break;
		}
	}
	if (cond[len] == '\0') {
		return value[0] != '\0';
	}
	alt = cond + len + (negate ? 2 : 1);
	for (;;) {
		size_t n = strcspn(alt, "|");

		if (strlen(value) == n && strncmp(value, alt, n) == 0) {
			return !negate;
		}
		if (alt[n] == '\0') {
			return negate;
		}
		alt += n + 1;
	}
}

/* Copies the options every service has (built-in ones included). */
static void
copy_shared(cfg_t *sec, struct svc_config *s)
{
	s->user = xstrdup(cfg_getstr(sec, "user"));
	s->group = xstrdup(cfg_getstr(sec, "group"));
	s->environment = copy_list(sec, "environment");
	s->depends = copy_list(sec, "depends");
	s->wait_for = copy_list(sec, "wait_for");
	s->wait_timeout_ms = get_ms(sec, "wait_timeout");
	s->stop_signal = signame_to_num(cfg_getstr(sec, "stop_signal"));
	s->stop_timeout_ms = get_ms(sec, "stop_timeout");
	s->log = (enum svc_log)word_index(cfg_getstr(sec, "log"), log_words);
	s->enabled = cfg_getbool(sec, "enabled");
	s->restart_delay_ms = get_ms(sec, "restart_delay");
	s->restart_max_delay_ms = get_ms(sec, "restart_max_delay");
	s->restart_reset_ms = get_ms(sec, "restart_reset");
	s->restart = RESTART_ALWAYS;
	s->type = SVC_LONGRUN;
	s->ready.kind = READY_NONE;
	s->ready.fd = -1;
	s->enabled_if = copy_list(sec, "enabled_if");
	if (!s->enabled) {
		s->disabled_why = "enabled = false";
	}
	for (int i = 0; s->enabled && s->enabled_if[i] != NULL; i++) {
		if (!config_condition_holds(s->enabled_if[i])) {
			s->enabled = false;
			s->disabled_why = s->enabled_if[i];
		}
	}
}

static int
svc_from_section(cfg_t *sec, const char *name, struct svc_config *s,
    const struct config_params *p)
{
	const char *v;
	char err[160];
	int rc = 0;

	s->name = xstrdup(name);
	s->file = xstrdup(sec->filename != NULL ? sec->filename : parse_ctx.file);
	s->line = sec->line;
	copy_shared(sec, s);
	s->type = (enum svc_type)word_index(cfg_getstr(sec, "type"), type_words);
	v = cfg_getstr(sec, "restart");
	if (v != NULL) {
		s->restart = (enum svc_restart)word_index(v, restart_words);
	} else {
		s->restart = s->type == SVC_ONESHOT ? RESTART_NEVER
		    : RESTART_ALWAYS;
	}
	s->main = cfg_getbool(sec, "main");
	s->directory = xstrdup(cfg_getstr(sec, "directory"));
	s->env_clear = cfg_getbool(sec, "env_clear");
	v = cfg_getstr(sec, "umask");
	s->has_umask = v != NULL && parse_umask(v, &s->umask) == 0;
	v = cfg_getstr(sec, "ready");
	if (v != NULL) {
		(void)config_parse_ready(v, &s->ready, err, sizeof(err));
	}
	s->ready_timeout_ms = get_ms(sec, "ready_timeout");
	copy_limits(sec, s);
	if (build_argv(sec, s, cfg_getbool(sec, "shell")) == -1) {
		rc = -1;
	}
	if (s->type == SVC_ONESHOT && s->ready.kind != READY_NONE) {
		add_error(s->file, s->line, "service '%s': a oneshot is ready "
		    "when it exits 0; it takes no ready check", name);
		rc = -1;
	}
	if (s->directory != NULL && s->directory[0] != '/') {
		add_error(s->file, s->line, "service '%s': directory must be an "
		    "absolute path", name);
		rc = -1;
	}
	if (resolve_user(s, p) == -1) {
		rc = -1;
	}
	return rc;
}

/* The agent and sshd services, made from vcore.conf's sections. */
static int
svc_builtin(cfg_t *sec, const char *name, struct svc_config *s,
    const struct config_params *p)
{
	s->name = xstrdup(name);
	s->file = xstrdup(sec->filename != NULL ? sec->filename : parse_ctx.file);
	s->line = sec->line;
	s->builtin = true;
	copy_shared(sec, s);
	if (cfg_size(sec, "command") > 0) {
		s->argv = copy_list(sec, "command");
	} else {
		const char *exe = strcmp(name, "agent") == 0 ? p->self_exe
		    : p->sshd_exe;

		s->argv = calloc(5, sizeof(char *));
		if (s->argv == NULL) {
			return -1;
		}
		s->argv[0] = xstrdup(exe);
		if (strcmp(name, "agent") == 0) {
			s->argv[1] = strdup("agent");
		}
		s->argv[s->argv[1] == NULL ? 1 : 2] = strdup("-c");
		s->argv[s->argv[2] == NULL ? 2 : 3] = xstrdup(p->dir);
	}
	/* The agent is unprivileged unless told otherwise (DESIGN: built-in
	 * services). */
	if (strcmp(name, "agent") == 0 && s->user == NULL) {
		s->user = strdup("10050");
	}
	return resolve_user(s, p);
}

static int
add_service(struct vc_config *c, cfg_t *sec, const char *name, bool builtin,
    const struct config_params *p)
{
	struct svc_config *s, *grown;

	if (builtin && (s = config_find(c, name)) != NULL) {
		add_error(sec->filename != NULL ? sec->filename : parse_ctx.file,
		    sec->line, "service '%s' is already defined at %s:%d", name,
		    s->file, s->line);
		return -1;
	}

	grown = realloc(c->services, sizeof(*s) * ((size_t)c->nservices + 1));
	if (grown == NULL) {
		add_error(parse_ctx.file, 0, "out of memory");
		return -1;
	}
	c->services = grown;
	s = &c->services[c->nservices++];
	memset(s, 0, sizeof(*s));
	if (builtin) {
		return svc_builtin(sec, name, s, p);
	}
	return svc_from_section(sec, name, s, p);
}

static int
add_sections(struct vc_config *c, cfg_t *cfg, const struct config_params *p)
{
	int rc = 0;

	for (unsigned i = 0; i < cfg_size(cfg, "service"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "service", i);
		struct svc_config *dup = config_find(c, cfg_title(sec));

		if (dup != NULL) {
			add_error(sec->filename, sec->line, "service '%s' is "
			    "already defined at %s:%d", cfg_title(sec),
			    dup->file, dup->line);
			rc = -1;
			continue;
		}
		if (add_service(c, sec, cfg_title(sec), false, p) == -1) {
			rc = -1;
		}
	}
	return rc;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.conf files of DIR/services.d in name order (NULL-terminated; the
 * caller frees), or NULL after an error. A missing folder has no files. */
static char **
list_service_files(const char *dir)
{
	char **files = calloc(CONFIG_MAX_FILES + 1, sizeof(char *));
	char *path = NULL;
	struct dirent *de;
	DIR *d;
	int n = 0;

	/* Paths on the heap: PID 1's stack keeps every page it touches. */
	if (files == NULL || asprintf(&path, "%s/services.d", dir) == -1) {
		free(files);
		return NULL;
	}
	d = opendir(path);
	if (d == NULL) {
		if (errno != ENOENT) {
			add_error(path, 0, "cannot read: %s", strerror(errno));
			free(files);
			files = NULL;
		}
		free(path);
		return files;
	}
	while ((de = readdir(d)) != NULL && n < CONFIG_MAX_FILES) {
		size_t len = strlen(de->d_name);

		if (len < 6 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + len - 5, ".conf") != 0) {
			continue;
		}
		if (asprintf(&files[n], "%s/%s", path, de->d_name) != -1) {
			n++;
		}
	}
	closedir(d);
	free(path);
	qsort(files, (size_t)n, sizeof(char *), compare_names);
	return files;
}

static int
load_services_d(struct vc_config *c, const struct config_params *p)
{
	char **files = list_service_files(p->dir);
	int rc = 0;

	if (files == NULL) {
		return -1;
	}
	for (char **f = files; *f != NULL; f++) {
		cfg_t *cfg = parse_file(*f, false, true);

		if (cfg == NULL || add_sections(c, cfg, p) == -1) {
			rc = -1;
		}
		if (cfg != NULL) {
			cfg_free(cfg);
		}
		free(*f);
	}
	free(files);
	return rc;
}

static int
check_dependencies(struct vc_config *c)
{
	int n = c->nservices, bad = -1, rc = 0;
	char **names = calloc((size_t)n + 1, sizeof(char *));
	char ***deps = calloc((size_t)n + 1, sizeof(char **));
	int *order = calloc((size_t)n + 1, sizeof(int));

	if (names == NULL || deps == NULL || order == NULL) {
		add_error(parse_ctx.file, 0, "out of memory");
		rc = -1;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		names[i] = c->services[i].name;
		deps[i] = c->services[i].depends;
		for (char **d = deps[i]; *d != NULL; d++) {
			if (config_find(c, *d) == NULL) {
				add_error(c->services[i].file,
				    c->services[i].line, "service '%s' depends "
				    "on '%s', which is not defined",
				    names[i], *d);
				rc = -1;
			}
		}
	}
	if (rc == 0 && config_order(n, names, deps, order, &bad) == -1 &&
	    bad >= 0) {
		add_error(c->services[bad].file, c->services[bad].line,
		    "service '%s' is in a dependency cycle", names[bad]);
		rc = -1;
	}
out:
	free(names);
	free(deps);
	free(order);
	return rc;
}

static int
check_main(struct vc_config *c)
{
	struct svc_config *first = NULL;
	int rc = 0;

	for (int i = 0; i < c->nservices; i++) {
		struct svc_config *s = &c->services[i];

		if (!s->main) {
			continue;
		}
		if (first != NULL) {
			add_error(s->file, s->line, "service '%s' is main = true, "
			    "but so is '%s' (%s:%d)", s->name, first->name,
			    first->file, first->line);
			rc = -1;
		}
		first = s;
	}
	return rc;
}

static void
copy_globals(struct vc_config *c, cfg_t *cfg)
{
	char err[64];

	c->control_socket = xstrdup(cfg_getstr(cfg, "control_socket"));
	c->log_dir = xstrdup(cfg_getstr(cfg, "log_dir"));
	c->render_root = xstrdup(cfg_getstr(cfg, "render_root"));
	c->prepare_magic = xstrdup(cfg_getstr(cfg, "prepare_magic"));
	c->shutdown_timeout_ms = get_ms(cfg, "shutdown_timeout");
	c->magic_timeout_ms = get_ms(cfg, "magic_timeout");
	c->magic_continue = strcmp(cfg_getstr(cfg, "magic_failure"),
	    "continue") == 0;
	(void)config_parse_size(cfg_getstr(cfg, "log_max_size"),
	    &c->log_max_bytes, err, sizeof(err));
	c->log_keep = (int)cfg_getint(cfg, "log_keep");
	c->log_line_max = (int)cfg_getint(cfg, "log_line_max");
	if (c->log_line_max < 80) {
		c->log_line_max = 80;
	}
}

struct vc_config *
config_load(const struct config_params *params, struct buf *errors)
{
	struct config_params p = *params;
	struct vc_config *c = calloc(1, sizeof(*c));
	char *path = NULL;
	int rc = 0;

	if (p.passwd_path == NULL) {
		p.passwd_path = "/etc/passwd";
	}
	if (p.group_path == NULL) {
		p.group_path = "/etc/group";
	}
	if (p.self_exe == NULL) {
		p.self_exe = "/usr/sbin/vcinit";
	}
	if (p.sshd_exe == NULL) {
		p.sshd_exe = "/usr/sbin/vcsshd";
	}
	memset(&parse_ctx, 0, sizeof(parse_ctx));
	parse_ctx.params = &p;
	parse_ctx.errors = errors;
	if (c == NULL) {
		add_error(p.dir, 0, "out of memory");
		return NULL;
	}
	c->dir = xstrdup(p.dir);
	if (asprintf(&path, "%s/vcore.conf", p.dir) == -1) {
		add_error(p.dir, 0, "out of memory");
		config_free(c);
		return NULL;
	}
	c->main_cfg = parse_file(path, true, false);
	free(path);
	if (c->main_cfg == NULL) {
		config_free(c);
		return NULL;
	}
	copy_globals(c, c->main_cfg);
	if (!p.main_only) {
		if (add_sections(c, c->main_cfg, &p) == -1) {
			rc = -1;
		}
		if (cfg_size(c->main_cfg, "monitor") > 0 && add_service(c,
		    cfg_getsec(c->main_cfg, "monitor"), "agent", true, &p) == -1) {
			rc = -1;
		}
		if (cfg_size(c->main_cfg, "ssh") > 0 && add_service(c,
		    cfg_getsec(c->main_cfg, "ssh"), "sshd", true, &p) == -1) {
			rc = -1;
		}
		if (load_services_d(c, &p) == -1) {
			rc = -1;
		}
	}
	if (rc == 0 && (check_dependencies(c) == -1 || check_main(c) == -1)) {
		rc = -1;
	}
	/* The caller's buffer is not ours past this point. */
	parse_ctx.errors = NULL;
	if (rc == -1 || parse_ctx.nerrors > 0 || errors->failed) {
		config_free(c);
		return NULL;
	}
	return c;
}

void
config_free(struct vc_config *c)
{
	if (c == NULL) {
		return;
	}
	for (int i = 0; i < c->nservices; i++) {
		svc_free_fields(&c->services[i]);
	}
	free(c->services);
	free(c->dir);
	free(c->control_socket);
	free(c->log_dir);
	free(c->render_root);
	free(c->prepare_magic);
	if (c->main_cfg != NULL) {
		cfg_free(c->main_cfg);
	}
	free(c);
}

int
config_add_command(struct vc_config *c, const char *name, char *const *argv,
    struct buf *errors)
{
	struct svc_config *s, *grown;
	int n = 0;

	if (config_find(c, name) != NULL) {
		buf_addf(errors, "%s: a service is named '%s', the name of the "
		    "command line's main service\n", c->dir, name);
		return -1;
	}
	grown = realloc(c->services, sizeof(*s) * ((size_t)c->nservices + 1));
	if (grown == NULL) {
		buf_addf(errors, "out of memory\n");
		return -1;
	}
	c->services = grown;
	for (int i = 0; i < c->nservices; i++) {
		if (c->services[i].main) {
			c->services[i].main = false;
			c->services[i].enabled = false;
			c->services[i].disabled_why = "replaced by the command "
			    "line";
		}
	}
	s = &c->services[c->nservices++];
	memset(s, 0, sizeof(*s));
	while (argv[n] != NULL) {
		n++;
	}
	s->name = strdup(name);
	s->file = strdup("command line");
	s->argv = calloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n && s->argv != NULL; i++) {
		s->argv[i] = strdup(argv[i]);
	}
	s->environment = calloc(1, sizeof(char *));
	s->depends = calloc(1, sizeof(char *));
	s->wait_for = calloc(1, sizeof(char *));
	s->enabled_if = calloc(1, sizeof(char *));
	s->home = strdup("/root");
	s->restart = RESTART_NEVER;
	s->type = SVC_LONGRUN;
	s->ready.fd = -1;
	s->stop_signal = SIGTERM;
	s->stop_timeout_ms = 5000;
	s->main = true;
	s->enabled = true;
	s->log = LOG_TO_STDOUT;
	s->inherit_stdio = true;
	s->restart_delay_ms = 100;
	s->restart_max_delay_ms = 30000;
	s->restart_reset_ms = 10000;
	return 0;
}

void
config_release_sections(struct vc_config *c)
{
	if (c->main_cfg != NULL) {
		cfg_free(c->main_cfg);
		c->main_cfg = NULL;
	}
}

struct svc_config *
config_find(struct vc_config *c, const char *name)
{
	for (int i = 0; i < c->nservices; i++) {
		if (strcmp(c->services[i].name, name) == 0) {
			return &c->services[i];
		}
	}
	return NULL;
}

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	return strcmp(a, b) == 0;
}

static bool
list_eq(char **a, char **b)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	for (; *a != NULL && *b != NULL; a++, b++) {
		if (strcmp(*a, *b) != 0) {
			return false;
		}
	}
	return *a == NULL && *b == NULL;
}

bool
config_svc_equal(const struct svc_config *a, const struct svc_config *b)
{
	return str_eq(a->name, b->name) && list_eq(a->argv, b->argv) &&
	    a->uid == b->uid && a->gid == b->gid &&
	    a->has_user == b->has_user && a->ngroups == b->ngroups &&
	    (a->ngroups == 0 || memcmp(a->groups, b->groups,
	    sizeof(gid_t) * (size_t)a->ngroups) == 0) &&
	    str_eq(a->directory, b->directory) &&
	    list_eq(a->environment, b->environment) &&
	    a->env_clear == b->env_clear && a->has_umask == b->has_umask &&
	    a->umask == b->umask && a->nlimits == b->nlimits &&
	    memcmp(a->limits, b->limits, sizeof(a->limits)) == 0 &&
	    a->restart == b->restart && a->type == b->type &&
	    list_eq(a->depends, b->depends) &&
	    a->ready.kind == b->ready.kind &&
	    str_eq(a->ready.target, b->ready.target) &&
	    a->ready.port == b->ready.port && a->ready.fd == b->ready.fd &&
	    a->ready_timeout_ms == b->ready_timeout_ms &&
	    list_eq(a->wait_for, b->wait_for) &&
	    a->wait_timeout_ms == b->wait_timeout_ms &&
	    a->stop_signal == b->stop_signal &&
	    a->stop_timeout_ms == b->stop_timeout_ms && a->main == b->main &&
	    a->log == b->log && a->enabled == b->enabled &&
	    a->restart_delay_ms == b->restart_delay_ms &&
	    a->restart_max_delay_ms == b->restart_max_delay_ms &&
	    a->restart_reset_ms == b->restart_reset_ms &&
	    a->inherit_stdio == b->inherit_stdio;
}
