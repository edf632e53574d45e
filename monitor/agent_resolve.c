/* SPDX-License-Identifier: ISC */
/*
 * Host names of servers (the allow list, the active servers) resolved in
 * a child, so that a slow DNS never stops the loop. The child writes
 * "name address" lines to a pipe; a name that does not resolve is logged
 * and tried again 30 s later, never fatal. Owns ag->resolved (the table).
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "monitor/agent_int.h"

#define RETRY_MS	30000

static bool
is_numeric(const char *name)
{
	unsigned char a[16];

	return inet_pton(AF_INET, name, a) == 1 ||
	    inet_pton(AF_INET6, name, a) == 1;
}

/* Calls fn for every name the config needs resolved. */
static void
each_name(struct agent *ag, void (*fn)(void *arg, const char *name),
    void *arg)
{
	struct allow_entry e;
	char host[256];
	int port;

	for (char **p = ag->cfg.server; p != NULL && *p != NULL; p++) {
		if (agent_allow_parse(*p, &e) == -1) {
			fn(arg, *p);
		}
	}
	for (char **p = ag->cfg.server_active; p != NULL && *p != NULL; p++) {
		if (agent_split_hostport(*p, host, sizeof(host), &port,
		    10051) == 0 && !is_numeric(host)) {
			fn(arg, host);
		}
	}
}

/* In the child: resolve name, write its lines. */
static void
child_resolve(void *arg, const char *name)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	char line[512], addr[INET6_ADDRSTRLEN];
	int fd = *(int *)arg;

	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0) {
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		const void *a = ai->ai_family == AF_INET ?
		    (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->
		    sin6_addr;

		if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
		    inet_ntop(ai->ai_family, a, addr, sizeof(addr)) != NULL) {
			int n = snprintf(line, sizeof(line), "%s %s\n", name,
			    addr);

			(void)fd_write_all(fd, line, (size_t)n);
		}
	}
	freeaddrinfo(res);
}

static void
count_name(void *arg, const char *name)
{
	(void)name;
	(*(int *)arg)++;
}

struct missing {
	struct agent *ag;
	int n;
};

static void
check_name(void *arg, const char *name)
{
	struct missing *m = arg;
	struct sockaddr_storage ss;

	if (agent_resolved(m->ag, name, &ss, 1) == 0) {
		vlog_warn("unable to resolve server name '%.100s': will try "
		    "again in %d s", name, RETRY_MS / 1000);
		m->n++;
	}
}

static void
resolver_readable(struct agent *ag, struct agent_io *io, uint32_t events)
{
	struct missing m = { ag, 0 };
	bool truncated = false;

	(void)events;
	if (buf_read_fd(&ag->resolved, io->fd, 64 * 1024, &truncated) == 0) {
		return;
	}
	agent_io_del(ag, io);
	fd_close(&io->fd);
	(void)agent_allow_build(ag);
	each_name(ag, check_name, &m);
	ag->resolve_at_ms = m.n > 0 ? clock_mono_ms() + RETRY_MS : 0;
}

void
agent_resolve_start(struct agent *ag)
{
	int p[2], n = 0;
	pid_t pid;

	ag->resolve_at_ms = 0;
	each_name(ag, count_name, &n);
	if (n == 0 || ag->resolver.fd != -1) {
		return;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		ag->resolve_at_ms = clock_mono_ms() + RETRY_MS;
		return;
	}
	pid = fork();
	if (pid == -1) {
		fd_close(&p[0]);
		fd_close(&p[1]);
		ag->resolve_at_ms = clock_mono_ms() + RETRY_MS;
		return;
	}
	if (pid == 0) {
		fd_close(&p[0]);
		each_name(ag, child_resolve, &p[1]);
		_exit(0);
	}
	fd_close(&p[1]);
	(void)fd_set_nonblock(p[0], true);
	ag->resolver_pid = pid;
	/* Each run starts afresh: names can move. */
	buf_reset(&ag->resolved);
	ag->resolver.fd = p[0];
	ag->resolver.cb = resolver_readable;
	if (agent_io_add(ag, &ag->resolver, EPOLLIN) == -1) {
		fd_close(&ag->resolver.fd);
	}
}

int64_t
agent_resolve_timers(struct agent *ag, int64_t now_ms)
{
	if (ag->resolve_at_ms != 0 && ag->resolve_at_ms <= now_ms) {
		agent_resolve_start(ag);
	}
	return ag->resolve_at_ms != 0 ? ag->resolve_at_ms : -1;
}

int
agent_resolved(struct agent *ag, const char *name,
    struct sockaddr_storage *out, int max)
{
	const char *p = buf_str(&ag->resolved);
	size_t nl = strlen(name);
	int n = 0;

	while (*p != '\0' && n < max) {
		const char *eol = strchr(p, '\n');
		char addr[INET6_ADDRSTRLEN + 1];
		size_t al;

		if (eol == NULL) {
			break;
		}
		if (strncmp(p, name, nl) == 0 && p[nl] == ' ' &&
		    (al = (size_t)(eol - p - (ptrdiff_t)nl - 1)) < sizeof(addr)) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&out[n];
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out[n];

			memcpy(addr, p + nl + 1, al);
			addr[al] = '\0';
			memset(&out[n], 0, sizeof(out[n]));
			if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
				s4->sin_family = AF_INET;
				n++;
			} else if (inet_pton(AF_INET6, addr,
			    &s6->sin6_addr) == 1) {
				s6->sin6_family = AF_INET6;
				n++;
			}
		}
		p = eol + 1;
	}
	return n;
}
