/* SPDX-License-Identifier: ISC */
/*
 * `vcinit probe [-t TIMEOUT_MS] SPEC...`: waits until every spec answers,
 * in a child of PID 1. tcp:HOST:PORT (the host may be a name: resolving it
 * is why this runs here and not in PID 1), tcp:PORT (127.0.0.1), unix:PATH,
 * file:PATH, exec:COMMAND (run by /bin/sh -c, exit 0 answers). Retries with
 * a growing pause; exits 0 when all answered, 1 at the timeout (0: none),
 * 64 on usage errors.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "supervise/probe.h"

/* Connects fd to addr within timeout_ms. 0 or -1 with errno. */
static int
connect_within(int fd, const struct sockaddr *addr, socklen_t len,
    int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t elen = sizeof(err);

	if (connect(fd, addr, len) == 0) {
		return 0;
	}
	if (errno != EINPROGRESS) {
		return -1;
	}
	if (poll(&p, 1, timeout_ms) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1) {
		return -1;
	}
	errno = err;
	return err == 0 ? 0 : -1;
}

static int
check_tcp(const char *arg, char *why, size_t whylen)
{
	char host[256] = "127.0.0.1";
	const char *colon = strrchr(arg, ':');
	const char *port = arg;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL, *ai;
	int rc, ok = -1;

	if (colon != NULL) {
		size_t hl = (size_t)(colon - arg);

		if (hl >= sizeof(host)) {
			snprintf(why, whylen, "host name too long");
			return -1;
		}
		memcpy(host, arg, hl);
		host[hl] = '\0';
		port = colon + 1;
	}
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(why, whylen, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && ok != 0; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);

		if (fd < 0) {
			continue;
		}
		ok = connect_within(fd, ai->ai_addr, ai->ai_addrlen, 2000);
		if (ok != 0) {
			snprintf(why, whylen, "%s", strerror(errno));
		}
		(void)close(fd);
	}
	freeaddrinfo(res);
	return ok;
}

static int
check_unix(const char *path, char *why, size_t whylen)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(un.sun_path)) {
		snprintf(why, whylen, "path too long");
		return -1;
	}
	strcpy(un.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	rc = connect_within(fd, (struct sockaddr *)&un, sizeof(un), 2000);
	if (rc != 0) {
		snprintf(why, whylen, "%s", strerror(errno));
	}
	(void)close(fd);
	return rc;
}

static int
check_exec(const char *cmd, char *why, size_t whylen)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			snprintf(why, whylen, "waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		return 0;
	}
	snprintf(why, whylen, "exit status %d", WIFEXITED(status) ?
	    WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return -1;
}

static int
check(const char *spec, char *why, size_t whylen)
{
	if (strncmp(spec, "tcp:", 4) == 0) {
		return check_tcp(spec + 4, why, whylen);
	}
	if (strncmp(spec, "unix:", 5) == 0) {
		return check_unix(spec + 5, why, whylen);
	}
	if (strncmp(spec, "file:", 5) == 0) {
		if (access(spec + 5, F_OK) == 0) {
			return 0;
		}
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (strncmp(spec, "exec:", 5) == 0) {
		return check_exec(spec + 5, why, whylen);
	}
	snprintf(why, whylen, "unknown kind of check");
	return -1;
}

static void
pause_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
	    .tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
	}
}

int
probe_main(int argc, char **argv)
{
	int64_t timeout_ms = 0, start = clock_mono_ms(), pause = 20;
	char why[256] = "", first_why[256] = "";
	int opt, first, pending;

	vlog_init("vcinit probe");
	while ((opt = getopt(argc, argv, "+t:")) != -1) {
		if (opt != 't') {
			goto usage;
		}
		timeout_ms = strtoll(optarg, NULL, 10);
	}
	first = optind;
	if (first >= argc) {
		goto usage;
	}
	for (;;) {
		pending = 0;
		for (int i = first; i < argc; i++) {
			if (argv[i][0] == '\0') {
				continue;	/* answered already */
			}
			if (check(argv[i], why, sizeof(why)) == 0) {
				argv[i][0] = '\0';
			} else if (pending++ == 0) {
				first = i;
				memcpy(first_why, why, sizeof(why));
			}
		}
		if (pending == 0) {
			return 0;
		}
		if (timeout_ms > 0 && clock_mono_ms() - start >= timeout_ms) {
			vlog_warn("%s did not answer within %lldms: %s",
			    argv[first], (long long)timeout_ms, first_why);
			return 1;
		}
		pause_ms(pause);
		pause = pause < 1000 ? pause * 2 : 1000;
	}
usage:
	fprintf(stderr, "usage: vcinit probe [-t TIMEOUT_MS] SPEC...\n");
	return 64;
}
