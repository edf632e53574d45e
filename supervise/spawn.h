/* SPDX-License-Identifier: ISC */
/*
 * Starting a child the way a supervisor must: everything is prepared before
 * vfork, and the child makes only system calls (dispositions and mask
 * reset, its own session, fds, directory, umask, limits, ids, exec). An
 * exec failure comes back as an errno in memory the child shares with us.
 */
#ifndef VCORE_SUPERVISE_SPAWN_H
#define VCORE_SUPERVISE_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/config.h"

struct spawn_req {
	const char *path;	/* resolved executable */
	char *const *argv;
	char *const *envp;
	const sigset_t *mask;	/* the mask the child starts with */
	int stdout_fd;		/* -1: keep */
	int stderr_fd;
	bool keep_stdin;	/* else /dev/null */
	bool foreground_tty;	/* own process group in the foreground of
				 * the terminal on stdin (main with -it) */
	int extra_fd;		/* moved to extra_fd_at in the child, or -1 */
	int extra_fd_at;
	bool has_user;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	int ngroups;
	const char *directory;
	bool has_umask;
	mode_t umask;
	const struct svc_limit *limits;
	int nlimits;
};

/*
 * Starts the child and execs. Returns the pid (also the child's process
 * group), or -1 with errno when no process could be made. *exec_errno is 0
 * when the exec happened, else why it failed (the child then exits 126 or
 * 127, and its exit is reaped as any other).
 */
pid_t spawn_start(const struct spawn_req *req, int *exec_errno);

/*
 * Finds argv0 in the PATH of envp (or a default PATH) when it has no slash.
 * Returns a new string (the caller frees) or NULL with errno (ENOENT).
 */
char *spawn_find_exe(const char *argv0, char *const *envp);


#endif
