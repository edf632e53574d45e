/* SPDX-License-Identifier: ISC */
/*
 * The boot-time set-up that `docker run -e` drives (DESIGN: Boot order):
 * persisted paths, env.d and secrets, templates, root's keys, and the hooks
 * (/sbin/prepare_magic.sh, magic.d, magic.d/once, finish.d at shutdown).
 * Owns what it records for `vcctl status`: which hooks ran, how they
 * ended, how long they took, which files were rendered.
 */
#ifndef VCORE_MAGIC_MAGIC_H
#define VCORE_MAGIC_MAGIC_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"
#include "init/loop.h"
#include "magic/template.h"
#include "supervise/output.h"

#define MAGIC_DEFAULT_PERSIST_DIR "/vcore"
#define MAGIC_SECRET_MAX_BYTES (64 * 1024)
#define MAGIC_TIMEOUT_STATUS 124	/* a hook ran out of time */

/* One hook run (or one not run because the boot stopped first). */
struct hook_result {
	char *name;		/* "magic.d/10-users", "finish.d/90-sync" */
	char *path;
	bool once;		/* magic.d/once: write its marker on success */
	bool via_shell;		/* not executable: run by /bin/sh */
	bool started;
	bool finished;
	bool timed_out;
	int status;		/* wait status once finished */
	int64_t started_ms;
	int64_t elapsed_ms;
};

/* One of a running hook's two output pipes. */
struct hook_pipe {
	int fd;
	bool is_err;
	bool paused;		/* vcinit's output is full */
	char *rest;		/* a partial line, or lines not taken yet */
	size_t rest_len;
	size_t rest_cap;
	struct hookrun *run;
};

/*
 * Runs a list of hooks one after another on PID 1's loop: each in its own
 * process group, its output in the logs as "magic/NAME | line", bounded by
 * a timeout (SIGKILL to its group, status 124).
 */
struct hookrun {
	struct loop *loop;
	struct output *out;
	const sigset_t *child_mask;
	char *const *env;
	struct hook_result *hooks;
	int nhooks;
	int next;		/* the hook to start next */
	int current;		/* the one running, or -1 */
	pid_t pid;
	struct hook_pipe pipes[2];
	uint64_t timer;
	int64_t timeout_ms;
	int64_t deadline_ms;	/* no hook runs past it (0: none) */
	bool keep_going;	/* magic_failure = continue */
	const char *once_dir;	/* markers of magic.d/once hooks */
	bool stopping;		/* hookrun_stop: the run ends, not a failure */
	bool draining;		/* its process is gone, its last lines not */
	bool failed;		/* a hook failed and the boot must stop */
	int exit_status;	/* the status to exit with then */
	size_t max_line;
};

struct magic {
	const char *dir;	/* the config folder */
	char *persist_dir;	/* $VCORE_PERSIST_DIR */
	char **persisted;	/* absolute paths living on the volume */
	int npersisted;
	char **secrets;		/* declared secret names, NULL-terminated */
	int nsecrets;
	int nkeys;		/* root's keys from VCORE_AUTHORIZED_KEYS */
	struct tmpl_report templates;
	struct hookrun boot;	/* prepare_magic.sh, magic.d, magic.d/once */
	struct hookrun finish;	/* finish.d */
	int64_t started_ns;
	int64_t files_ns;	/* persist, environment, templates, keys */
	int64_t elapsed_ns;	/* all of it, hooks included */
	char *once_dir;
};

/*
 * Step 1: links each path of DIR/persist (and DIR/ssh/) to its copy under
 * the persist volume, moving the image's copy there on the first boot.
 * Returns 0, or -1 with "file:line: what" lines appended to errors.
 */
int magic_persist(struct magic *m, struct buf *errors);
/* True when path is a persisted path or lies inside one. */
bool magic_is_persisted(const struct magic *m, const char *path);

/*
 * Step 2: resolves the secrets (NAME_FILE for declared names, FILE__NAME
 * for any) from the container's own variables, then adds DIR/env.d's
 * defaults for what the container did not set. Changes the process
 * environment. Returns 0, or -1 with errors appended.
 */
int magic_environment(struct magic *m, struct buf *errors);
/* True when name (name[0..len)) is a declared secret. */
bool magic_is_secret(const struct magic *m, const char *name, size_t len);
/* Checks that vcore.conf does not expand a secret (the agent and vcsshd
 * read it and never see secrets). Returns 0 or -1 with errors appended. */
int magic_check_config_secrets(const struct magic *m, const char *path,
    struct buf *errors);

/*
 * Pure parsers, exported for tests. Each returns 0, or -1 with a reason in
 * err. magic_parse_env_line: a line of an env.d file (blank and comment
 * lines give *name_len 0); magic_parse_persist_line: a line of the persist
 * list (*path NULL for a blank or comment line).
 */
int magic_parse_env_line(const char *line, size_t len, const char **name,
    size_t *name_len, const char **value, size_t *value_len, char *err,
    size_t errlen);
bool magic_is_env_name(const char *name, size_t len);
/* Drops the trailing newlines of a secret's contents ("\n" or "\r\n"). */
size_t magic_strip_newlines(const char *text, size_t len);

/*
 * Step 4: renders DIR/templates under render_root (never onto persisted
 * paths) and merges VCORE_AUTHORIZED_KEYS into root's authorized_keys
 * (root's home comes from passwd_path). Returns 0 or -1 with errors.
 */
int magic_files(struct magic *m, const char *render_root,
    const char *passwd_path, const char *group_path, struct buf *errors);

/*
 * Merges the keys of keys_text into the file at path as a marked block
 * that is replaced on every boot (keys already outside the block are not
 * repeated). The folder is made 0700 and the file 0600, both owned by
 * uid:gid. *nkeys gets the number of keys. Returns 0 or -1 with errors.
 */
int magic_merge_keys(const char *keys_text, const char *path, uid_t uid,
    gid_t gid, int *nkeys, struct buf *errors);

/*
 * Calls fn(path, name, arg) for each regular file of DIR/sub in name
 * order; dotfiles and backups ("~") are skipped, a missing folder holds
 * nothing. Stops at fn's -1. Returns 0, or -1 (fn's, or the folder's, with
 * errno).
 */
int magic_each_file(const struct magic *m, const char *sub,
    int (*fn)(const char *path, const char *name, void *arg), void *arg);

/* Lists the boot hooks: prepare_path when present, DIR/magic.d, then the
 * DIR/magic.d/once hooks whose marker is absent. 0 or -1 (no memory). */
int magic_list_boot_hooks(struct magic *m, const char *prepare_path);
/* Lists DIR/finish.d. 0 or -1. */
int magic_list_finish_hooks(struct magic *m);

/* Starts running hr's hooks; the loop does the rest. */
void hookrun_start(struct hookrun *hr);
/* A child exited: true when it was hr's hook. */
bool hookrun_child_exited(struct hookrun *hr, pid_t pid, int status);
/* True when every hook has run (or the run stopped at a failure). */
bool hookrun_is_done(const struct hookrun *hr);
/* Stops the running hook (shutdown during the boot): SIGTERM to its group,
 * SIGKILL at the deadline; no further hook starts. */
void hookrun_stop(struct hookrun *hr, int64_t deadline_ms);
/* vcinit's output has room again: read the paused pipes. */
void hookrun_resume(struct hookrun *hr);
void hookrun_free(struct hookrun *hr);

/* Changes when the file, or a folder's entries, change: how vcinit sees
 * that magic wrote vcore.conf or services.d. */
uint64_t magic_fingerprint(const char *path);

/* What magic did on this boot, for vcctl status (text and JSON). */
void magic_status_text(const struct magic *m, struct buf *out);
void magic_status_json(const struct magic *m, struct buf *out);

void magic_free(struct magic *m);

#endif
