/* SPDX-License-Identifier: ISC */
/* Starting children; see spawn.h. */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fdutil.h"
#include "supervise/spawn.h"

#define DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

char *
spawn_find_exe(const char *argv0, char *const *envp)
{
	const char *path = DEFAULT_PATH;
	char *full;
	int saved = ENOENT;

	if (strchr(argv0, '/') != NULL) {
		return strdup(argv0);
	}
	for (char *const *e = envp; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "PATH=", 5) == 0) {
			path = *e + 5;
		}
	}
	/* Room for the longest candidate: all of PATH, a slash, argv0. */
	full = malloc(strlen(path) + strlen(argv0) + 2);
	while (full != NULL && *path != '\0') {
		size_t len = strcspn(path, ":");
		struct stat st;

		if (len > 0) {
			sprintf(full, "%.*s/%s", (int)len, path, argv0);
			if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
				if (access(full, X_OK) == 0) {
					return full;
				}
				saved = EACCES;
			}
		}
		path += len;
		if (*path == ':') {
			path++;
		}
	}
	free(full);
	errno = full == NULL ? ENOMEM : saved;
	return NULL;
}

/* In the child: the signals vcinit ignores go back to their default action
 * (vcinit handles none: it reads signals from a signalfd, and reset every
 * disposition it inherited when it started). */
static void
reset_signals(void)
{
	static const int ignored[] = { SIGPIPE, SIGTTOU, SIGTTIN };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		(void)sigaction(ignored[i], &sa, NULL);
	}
}

/* In the child: move fd to target, or clear its close-on-exec flag when it
 * is already there. */
static int
place_fd(int fd, int target)
{
	if (fd == target) {
		return fd_set_cloexec(fd, false);
	}
	return dup2(fd, target) == -1 ? -1 : 0;
}

static int
setup_fds(const struct spawn_req *r)
{
	int null;

	if (!r->keep_stdin) {
		null = open("/dev/null", O_RDWR);
		if (null < 0 || (null != 0 && dup2(null, 0) == -1)) {
			return -1;
		}
		if (null != 0) {
			(void)close(null);
		}
	}
	if (r->stdout_fd >= 0 && place_fd(r->stdout_fd, 1) == -1) {
		return -1;
	}
	if (r->stderr_fd >= 0 && place_fd(r->stderr_fd, 2) == -1) {
		return -1;
	}
	if (r->extra_fd >= 0 && place_fd(r->extra_fd, r->extra_fd_at) == -1) {
		return -1;
	}
	return 0;
}

static int
setup_process(const struct spawn_req *r)
{
	if (r->foreground_tty) {
		/* SIGTTOU is still ignored here (inherited from vcinit), so
		 * taking the terminal from the background does not stop us. */
		if (setpgid(0, 0) == -1 || tcsetpgrp(0, getpid()) == -1) {
			return -1;
		}
	} else if (setsid() == -1) {
		return -1;
	}
	reset_signals();
	if (setup_fds(r) == -1) {
		return -1;
	}
	if (r->directory != NULL && chdir(r->directory) == -1) {
		return -1;
	}
	if (r->has_umask) {
		umask(r->umask);
	}
	for (int i = 0; i < r->nlimits; i++) {
		if (setrlimit(r->limits[i].resource,
		    &r->limits[i].value) == -1) {
			return -1;
		}
	}
	if (r->has_user) {
		if (setgroups((size_t)r->ngroups, r->groups) == -1 ||
		    setgid(r->gid) == -1 || setuid(r->uid) == -1) {
			return -1;
		}
	}
	return 0;
}

pid_t
spawn_start(const struct spawn_req *r, int *exec_errno)
{
	/* Written by the child, which shares our memory until it execs. */
	volatile int child_errno = 0;
	pid_t pid;

	/*
	 * vfork: no copy of PID 1's page tables and no copy-on-write faults,
	 * half the cost of a restart. We are suspended until the child execs
	 * or exits; it only makes system calls meanwhile (no allocation, no
	 * stdio), as posix_spawn's child does.
	 */
	pid = vfork();
	if (pid == 0) {
		if (setup_process(r) == 0) {
			(void)sigprocmask(SIG_SETMASK, r->mask, NULL);
			execve(r->path, r->argv, r->envp);
		}
		child_errno = errno;
		_exit(errno == EACCES || errno == ENOEXEC ? 126 : 127);
	}
	*exec_errno = pid > 0 ? child_errno : 0;
	return pid;
}
