/* SPDX-License-Identifier: ISC */
/*
 * The configuration: its schema (one for vcore.conf, one for services.d),
 * loading with errors as "file:line: what", and the checked result that the
 * supervisor, the agent and vcsshd read. The config owns every string in it;
 * config_free releases all of it.
 */
#ifndef VCORE_COMMON_CONFIG_H
#define VCORE_COMMON_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <confuse.h>

#include "buf.h"

#define CONFIG_DEFAULT_DIR "/etc/vcore"
#define CONFIG_EXIT_STATUS 78	/* EX_CONFIG */

enum svc_restart { RESTART_ALWAYS, RESTART_ON_FAILURE, RESTART_NEVER };
enum svc_type { SVC_LONGRUN, SVC_ONESHOT };
/* Where a service's output goes: vcinit's stdout/stderr, a file, both. */
enum svc_log { LOG_TO_STDOUT, LOG_TO_FILE, LOG_TO_BOTH, LOG_TO_NONE };

enum ready_kind {
	READY_NONE,	/* ready once the command has been executed */
	READY_TCP,	/* a connect to host:port succeeds */
	READY_UNIX,	/* a connect to a unix socket succeeds */
	READY_FILE,	/* a file exists */
	READY_EXEC,	/* a command exits 0 (run by "vcinit probe") */
	READY_NOTIFY,	/* sd_notify READY=1 on the service's own socket */
	READY_FD,	/* a newline on file descriptor N (s6 style) */
};

struct ready_spec {
	enum ready_kind kind;
	char *target;	/* numeric address, path or command */
	int port;	/* READY_TCP */
	int fd;		/* READY_FD */
};

#define SVC_MAX_LIMITS 10

struct svc_limit {
	int resource;		/* RLIMIT_* */
	struct rlimit value;
};

struct svc_config {
	char *name;
	char *file;		/* where the section is, for messages */
	int line;
	char **argv;		/* NULL-terminated */
	bool shell;		/* argv is {"/bin/sh", "-c", string} */
	char *user;		/* as written, or NULL */
	char *group;
	bool has_user;
	uid_t uid;
	gid_t gid;
	gid_t *groups;		/* supplementary groups, gid first */
	int ngroups;
	char *home;		/* of the user, for HOME */
	char *directory;
	char **environment;	/* "NAME=value", NULL-terminated */
	bool env_clear;
	bool has_umask;
	mode_t umask;
	struct svc_limit limits[SVC_MAX_LIMITS];
	int nlimits;
	enum svc_restart restart;
	enum svc_type type;
	char **depends;		/* service names, NULL-terminated */
	struct ready_spec ready;
	int64_t ready_timeout_ms;	/* 0: wait as long as it takes */
	char **wait_for;	/* "tcp:HOST:PORT", "file:PATH", "unix:PATH" */
	int64_t wait_timeout_ms;
	int stop_signal;
	int64_t stop_timeout_ms;
	bool main;
	enum svc_log log;
	bool enabled;
	const char *disabled_why;	/* static text when !enabled */
	char **enabled_if;	/* "NAME", "NAME=a|b", "NAME!=a|b", all hold */
	int64_t restart_delay_ms;	/* the first backoff step after the */
	int64_t restart_max_delay_ms;	/* immediate restart, and the cap */
	int64_t restart_reset_ms;	/* up this long: the backoff resets */
	bool builtin;		/* agent or sshd, made from vcore.conf */
	bool inherit_stdio;	/* the command line's main service: it keeps
				 * vcinit's stdin, stdout and stderr */
};

struct vc_config {
	char *dir;		/* the config folder (-c DIR) */
	char *control_socket;
	char *log_dir;
	char *render_root;	/* where templates are written */
	char *prepare_magic;	/* the old images' hook, run first */
	int64_t shutdown_timeout_ms;
	int64_t log_max_bytes;	/* rotate NAME.log past this size */
	int log_keep;		/* rotated files kept */
	int log_line_max;	/* longer lines are cut into pieces */
	int64_t magic_timeout_ms;
	bool magic_continue;	/* magic_failure = continue */
	struct svc_config *services;
	int nservices;
	cfg_t *main_cfg;	/* vcore.conf as parsed, for the monitor {}
				 * and ssh {} sections */
};

/* What config_load needs besides the folder. */
struct config_params {
	const char *dir;
	const char *self_exe;	/* vcinit's own path, for the agent */
	const char *sshd_exe;	/* vcsshd's path */
	const char *passwd_path;	/* /etc/passwd, for tests */
	const char *group_path;
	bool main_only;		/* vcore.conf only (agent, vcsshd) */
};

/*
 * Loads DIR/vcore.conf and every DIR/services.d/ *.conf in name order, then
 * checks the whole (users, dependencies and their cycles, one main service).
 * Returns the config, or NULL with every error appended to errors as
 * "file:line: what is wrong\n" lines. The caller frees with config_free.
 */
struct vc_config *config_load(const struct config_params *params,
    struct buf *errors);
void config_free(struct vc_config *cfg);

/*
 * Adds the main service given on vcinit's command line, named name, which
 * replaces any service with main = true. Returns 0, or -1 with the reason
 * appended to errors.
 */
int config_add_command(struct vc_config *cfg, const char *name,
    char *const *argv, struct buf *errors);

/* Frees the parsed vcore.conf kept for the monitor {} and ssh {} sections,
 * once nobody needs them (PID 1, after the boot's checks). */
void config_release_sections(struct vc_config *cfg);

/* The service named name, or NULL. */
struct svc_config *config_find(struct vc_config *cfg, const char *name);

/* True when a and b would run the same way (reload keeps such a service). */
bool config_svc_equal(const struct svc_config *a, const struct svc_config *b);

/*
 * Pure parsers used by the loader, exported for tests. Each returns 0, or -1
 * with a reason in err.
 */
int config_parse_ready(const char *text, struct ready_spec *out, char *err,
    size_t errlen);
bool config_condition_holds(const char *cond);
int config_check_wait_for(const char *text, char *err, size_t errlen);
int config_parse_size(const char *text, int64_t *bytes, char *err,
    size_t errlen);
int config_parse_limit(const char *name, const char *text,
    struct svc_limit *out, char *err, size_t errlen);
/* Checks that every '{' of a config text is closed (quotes and comments
 * skipped). Returns 0, or -1 with *line the line of the unclosed one. */
int config_check_braces(const char *text, int *line);
/*
 * Orders the services so that each comes after its dependencies (a
 * topological order, stable in file order). order receives n indexes.
 * Returns 0, or -1 when deps name a cycle or an unknown service: *bad is
 * then the index of a service in the cycle or the one with the unknown name.
 * deps[i] is a NULL-terminated list of names; names[i] the service names.
 */
int config_order(int n, char *const *names, char **const *deps, int *order,
    int *bad);

#endif
