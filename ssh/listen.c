/* SPDX-License-Identifier: ISC */
/*
 * The listener: its sockets (IPv4 and IPv6, TCP_NODELAY on each client),
 * one poll loop, and a fork per connection. It keeps a table of its
 * children to cap unauthenticated connections per source address and in
 * total (MaxStartups); each child writes one byte on its notify pipe once
 * its client has authenticated. It parses no SSH itself.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "sshd.h"

#define ACCEPTS_PER_TURN 64
#define REFUSAL_LOG_MS 5000	/* at most one refusal line per period */

void
sshd_addr_key(const struct sockaddr *sa, unsigned char out[16])
{
	memset(out, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		out[10] = out[11] = 0xff;
		memcpy(out + 12, &s4->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		memcpy(out, &s6->sin6_addr, 16);
	}
}

const char *
sshd_startup_refusal(const struct sshd_config *cfg,
    const struct sshd_child *children, int nchildren,
    const unsigned char addr[16])
{
	int unauth = 0, from_addr = 0;

	if (nchildren >= cfg->max_sessions) {
		return "too many connections (max_sessions)";
	}
	for (int i = 0; i < nchildren; i++) {
		if (children[i].authenticated) {
			continue;
		}
		unauth++;
		if (memcmp(children[i].addr, addr, 16) == 0) {
			from_addr++;
		}
	}
	if (unauth >= cfg->max_startups) {
		return "too many unauthenticated connections (max_startups)";
	}
	if (from_addr >= cfg->max_startups_per_source) {
		return "too many unauthenticated connections from this address "
		    "(max_startups_per_source)";
	}
	return NULL;
}

/* ---- sockets ---- */

static int
open_one(const char *addr, int port, char *shown, size_t shownlen)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE |
	    AI_NUMERICSERV, .ai_socktype = SOCK_STREAM }, *res = NULL;
	char serv[16];
	int fd, one = 1, rc;

	snprintf(serv, sizeof(serv), "%d", port);
	rc = getaddrinfo(addr, serv, &hints, &res);
	if (rc != 0) {
		vlog_fatal("listen %s: %s", addr, gai_strerror(rc));
		errno = EINVAL;
		return -1;
	}
	snprintf(shown, shownlen, res->ai_family == AF_INET6 ? "[%s]:%d"
	    : "%s:%d", addr, port);
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1 || (res->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ==
	    -1) || bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, 128) == -1) {
		int saved = errno;

		if (fd != -1) {
			close(fd);
		}
		freeaddrinfo(res);
		errno = saved;
		return -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
sshd_listen_open(struct sshd_server *srv)
{
	const struct sshd_config *cfg = &srv->cfg;
	char addr[SSHD_ADDR_MAX], shown[SSHD_ADDR_MAX + 16], all[512] = "";
	int port;

	for (int i = 0; i < cfg->nlisten; i++) {
		int fd;

		(void)sshd_split_listen(cfg->listen[i], cfg->port, addr,
		    sizeof(addr), &port);
		fd = open_one(addr, port, shown, sizeof(shown));
		if (fd == -1 && (errno == EAFNOSUPPORT ||
		    errno == EADDRNOTAVAIL) && strchr(addr, ':') != NULL) {
			/* No IPv6 in this container: IPv4 alone will do. */
			vlog_warn("not listening on %s: %s", shown,
			    strerror(errno));
			continue;
		}
		if (fd == -1) {
			vlog_fatal("unable to listen on %s: %s", shown,
			    strerror(errno));
			return -1;
		}
		srv->listen_fds[srv->nlisten++] = fd;
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s",
		    all[0] != '\0' ? ", " : "", shown);
	}
	if (srv->nlisten == 0) {
		vlog_fatal("no address to listen on");
		return -1;
	}
	vlog_info("listening on %s", all);
	return 0;
}

/* ---- children ---- */

static void
forget_child(struct sshd_server *srv, int i)
{
	fd_close(&srv->children[i].notify_fd);
	srv->children[i] = srv->children[--srv->nchildren];
}

static void
reap(struct sshd_server *srv)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < srv->nchildren; i++) {
			if (srv->children[i].pid != pid) {
				continue;
			}
			if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM &&
			    WTERMSIG(status) != SIGHUP) {
				vlog_warn("connection process %ld killed by "
				    "signal %d", (long)pid, WTERMSIG(status));
			}
			forget_child(srv, i);
			break;
		}
	}
}

static void
read_notify(struct sshd_server *srv, int i)
{
	char byte;
	ssize_t n = read(srv->children[i].notify_fd, &byte, 1);

	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	srv->children[i].authenticated = n == 1;
	/* EOF without the byte: the child is ending; SIGCHLD removes it. */
	fd_close(&srv->children[i].notify_fd);
}

/* ---- accepting ---- */

static void
log_refusal(struct sshd_server *srv, const struct sockaddr_storage *ss,
    const char *why)
{
	int64_t now = clock_mono_ms();
	char host[NI_MAXHOST] = "?";

	if (now - srv->refused_log_ms < REFUSAL_LOG_MS &&
	    srv->refused_log_ms != 0) {
		srv->refused_quiet++;
		return;
	}
	(void)getnameinfo((const struct sockaddr *)ss, sizeof(*ss), host,
	    sizeof(host), NULL, 0, NI_NUMERICHOST);
	if (srv->refused_quiet > 0) {
		vlog_info("refused connection from %s: %s (and %u more "
		    "refusals not logged)", host, why, srv->refused_quiet);
	} else {
		vlog_info("refused connection from %s: %s", host, why);
	}
	srv->refused_log_ms = now;
	srv->refused_quiet = 0;
}

static void __attribute__((noreturn))
child(struct sshd_server *srv, int fd, int notify_fd)
{
	/* Only the connection's own fds remain; the loop's are the parent's. */
	for (int i = 0; i < srv->nlisten; i++) {
		fd_close(&srv->listen_fds[i]);
	}
	for (int i = 0; i < srv->nchildren; i++) {
		fd_close(&srv->children[i].notify_fd);
	}
	fd_close(&srv->sig_fd);
	sshd_conn_main(srv, fd, notify_fd);
}

static void
start_child(struct sshd_server *srv, int fd, const unsigned char addr[16])
{
	int pipefd[2], one = 1;
	pid_t pid;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ==
	    -1) {
		vlog_debug("TCP_NODELAY: %s", strerror(errno));
	}
	if (pipe2(pipefd, O_CLOEXEC) == -1) {
		vlog_warn("pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		child(srv, fd, pipefd[1]);
	}
	close(pipefd[1]);
	if (pid == -1) {
		vlog_warn("fork: %s", strerror(errno));
		close(pipefd[0]);
		return;
	}
	if (fd_set_nonblock(pipefd[0], true) == -1) {
		vlog_debug("O_NONBLOCK: %s", strerror(errno));
	}
	srv->children[srv->nchildren].pid = pid;
	memcpy(srv->children[srv->nchildren].addr, addr, 16);
	srv->children[srv->nchildren].notify_fd = pipefd[0];
	srv->children[srv->nchildren].authenticated = false;
	srv->nchildren++;
}

/* Takes one connection; false when there is none left to take. */
static bool
take_one(struct sshd_server *srv, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	unsigned char addr[16];
	const char *why;
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			vlog_warn("accept: %s", strerror(errno));
		}
		return errno == EINTR || errno == ECONNABORTED;
	}
	sshd_addr_key((struct sockaddr *)&ss, addr);
	why = sshd_startup_refusal(&srv->cfg, srv->children, srv->nchildren,
	    addr);
	if (why != NULL) {
		log_refusal(srv, &ss, why);
	} else {
		start_child(srv, fd, addr);
	}
	close(fd);
	return true;
}

static void
read_signals(struct sshd_server *srv)
{
	struct signalfd_siginfo si;

	while (read(srv->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap(srv);
			break;
		case SIGHUP:
			vlog_info("SIGHUP: vcsshd reads its config when it "
			    "starts; restart it to apply changes");
			break;
		default:
			vlog_info("stopping on signal %d; sessions go on",
			    (int)si.ssi_signo);
			srv->stop = true;
			break;
		}
	}
}

int
sshd_listen_run(struct sshd_server *srv)
{
	int nfds = 1 + srv->nlisten + srv->cfg.max_sessions;
	struct pollfd *pfd = calloc((size_t)nfds, sizeof(*pfd));
	int *who = calloc((size_t)nfds, sizeof(*who));

	if (pfd == NULL || who == NULL) {
		vlog_fatal("out of memory");
		return 1;
	}
	while (!srv->stop) {
		int n = 0;

		pfd[n++] = (struct pollfd){ srv->sig_fd, POLLIN, 0 };
		for (int i = 0; i < srv->nlisten; i++) {
			pfd[n++] = (struct pollfd){ srv->listen_fds[i], POLLIN,
			    0 };
		}
		for (int i = 0; i < srv->nchildren; i++) {
			if (srv->children[i].notify_fd != -1) {
				who[n] = srv->children[i].pid;
				pfd[n++] = (struct pollfd){
				    srv->children[i].notify_fd, POLLIN, 0 };
			}
		}
		if (poll(pfd, (nfds_t)n, -1) == -1) {
			if (errno != EINTR) {
				vlog_warn("poll: %s", strerror(errno));
			}
			continue;
		}
		if (pfd[0].revents != 0) {
			read_signals(srv);
		}
		for (int k = 1 + srv->nlisten; k < n; k++) {
			for (int i = 0; pfd[k].revents != 0 &&
			    i < srv->nchildren; i++) {
				if (srv->children[i].pid == who[k] &&
				    srv->children[i].notify_fd == pfd[k].fd) {
					read_notify(srv, i);
				}
			}
		}
		for (int k = 1; k <= srv->nlisten && !srv->stop; k++) {
			for (int j = 0; (pfd[k].revents & POLLIN) != 0 &&
			    j < ACCEPTS_PER_TURN && take_one(srv, pfd[k].fd);
			    j++) {
			}
		}
	}
	free(pfd);
	free(who);
	return 0;
}

/* One signal set for the listener and each connection process. */
int
sshd_signalfd(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
	    sigprocmask(SIG_BLOCK, &mask, NULL) == -1) {
		return -1;
	}
	return signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}
