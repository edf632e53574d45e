/* SPDX-License-Identifier: ISC */
/*
 * Local port forwarding (ssh -L, ssh -W): direct-tcpip channels. The
 * target must be allowed by the config (tcp_forwarding) and by the key's
 * options (no-port-forwarding, permitopen=); the connection is made
 * before the channel is confirmed, as the client expects. Remote
 * forwarding (-R) is refused by the message handler in auth.c.
 */
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "sshd.h"

#define CONNECT_MS 10000

/* The reason to refuse host:port, or NULL to allow it. */
static const char *
refusal(const struct sshd_conn *conn, const char *host, int port)
{
	if (!conn->cfg->tcp_forwarding) {
		return "tcp_forwarding is off";
	}
	if (conn->key != NULL &&
	    (conn->key->flags & AUTHKEYS_NO_PORT_FORWARDING) != 0) {
		return "the key has no-port-forwarding";
	}
	if (conn->key != NULL &&
	    !authkeys_permitopen_match(conn->key, host, port)) {
		return "not allowed by the key's permitopen";
	}
	return NULL;
}

/* Waits for a non-blocking connect; 0 or -1 with errno. */
static int
finish_connect(int fd, int64_t deadline)
{
	int err = 0;
	socklen_t len = sizeof(err);

	for (;;) {
		struct pollfd p = { fd, POLLOUT, 0 };
		int64_t left = deadline - clock_mono_ms();
		int rc;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		rc = poll(&p, 1, (int)left);
		if (rc == -1 && errno == EINTR) {
			continue;
		}
		if (rc <= 0) {
			errno = rc == 0 ? ETIMEDOUT : errno;
			return -1;
		}
		break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) {
		return -1;
	}
	errno = err;
	return err == 0 ? 0 : -1;
}

/*
 * Connects to host:port within CONNECT_MS. The name is resolved here, in
 * the connection's own process: a slow resolver delays only this client.
 */
static int
connect_to(const char *host, int port, char *why, size_t whylen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	char serv[16];
	int64_t deadline = clock_mono_ms() + CONNECT_MS;
	int fd = -1, rc, one = 1;

	snprintf(serv, sizeof(serv), "%d", port);
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc != 0) {
		snprintf(why, whylen, "%s", gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			snprintf(why, whylen, "%s", strerror(errno));
			continue;
		}
		if ((connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
		    (errno != EINPROGRESS || finish_connect(fd, deadline) ==
		    -1))) {
			snprintf(why, whylen, "%s", strerror(errno));
			fd_close(&fd);
		}
	}
	freeaddrinfo(res);
	if (fd != -1 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1) {
		vlog_debug("TCP_NODELAY on a forward: %s", strerror(errno));
	}
	return fd;
}

int
sshd_forward_open(struct sshd_conn *conn, ssh_message msg)
{
	const char *dest = ssh_message_channel_request_open_destination(msg);
	int port = ssh_message_channel_request_open_destination_port(msg);
	char host[256], why[128];
	const char *no;
	struct sshd_channel *c;
	ssh_channel ch;
	int fd;

	if (!conn->authenticated || dest == NULL) {
		return 1;
	}
	vlog_sanitize(host, sizeof(host), dest, strlen(dest));
	no = refusal(conn, dest, port);
	if (no != NULL) {
		vlog_info("refused forwarding to %s:%d for %s from %s: %s",
		    host, port, conn->user.name, conn->addr, no);
		return 1;
	}
	fd = connect_to(dest, port, why, sizeof(why));
	if (fd == -1) {
		vlog_info("forwarding to %s:%d for %s from %s failed: %s", host,
		    port, conn->user.name, conn->addr, why);
		return 1;
	}
	c = sshd_channel_new(conn, SSHD_CHAN_FORWARD);
	ch = c != NULL ? ssh_message_channel_request_open_reply_accept(msg)
	    : NULL;
	if (ch == NULL) {
		close(fd);
		if (c != NULL) {
			sshd_channel_drop(conn, c);
			return 0;	/* libssh has answered the client */
		}
		return 1;
	}
	c->ch = ch;
	c->in_fd = c->out_fd = fd;
	c->err_eof = true;
	if (ssh_set_channel_callbacks(ch, &c->cb) != SSH_OK) {
		sshd_channel_drop(conn, c);
		return 0;
	}
	vlog_debug("forwarding to %s:%d for %s from %s", host, port,
	    conn->user.name, conn->addr);
	return 0;
}

void
sshd_forward_step(struct sshd_channel *c)
{
	if (c->finished) {
		return;
	}
	if (c->client_eof && !c->in_done && c->pend_len == 0 && !c->held) {
		/* Half-close: the target still sends its answer. */
		(void)shutdown(c->in_fd, SHUT_WR);
		c->in_done = true;
	}
	if (c->out_eof && !c->eof_sent) {
		(void)ssh_channel_send_eof(c->ch);
		c->eof_sent = true;
	}
	if (c->out_eof && c->in_done) {
		(void)ssh_channel_close(c->ch);
		sshd_channel_close_fds(c);
		c->finished = true;
	}
}
