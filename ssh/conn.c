/* SPDX-License-Identifier: ISC */
/*
 * One connection, in its own process forked by the listener: key exchange
 * under the login grace alarm, authentication, then a poll loop over the
 * client's socket and every fd its channels relay. Owns the channel table;
 * only this file frees a channel. Client data that cannot be written yet
 * stays in libssh (so the SSH window closes) and is pulled when the fd
 * becomes writable; output is read only while the client's window is open.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "sshd.h"

#define IO_CHUNK (32 * 1024)
#define DRAIN_MS 1000		/* waiting for the client's close */
#define PTY_DRAIN_MS 2000	/* output of a pty after its shell exited */
#define NPOLL (2 + 2 * SSHD_MAX_CHANNELS)

enum { ROLE_IN = 1, ROLE_OUT = 2, ROLE_ERR = 4 };

/* Which channel fd a pollfd stands for. */
struct poll_ref {
	struct sshd_channel *c;
	int roles;
};

/* Pre-rendered for the SIGALRM handler, which may only write(2). */
static char grace_msg[2][256];
static volatile sig_atomic_t grace_phase;

static void
on_grace_alarm(int sig)
{
	const char *msg = grace_msg[grace_phase];

	(void)sig;
	(void)!write(STDERR_FILENO, msg, strlen(msg));
	_exit(1);
}

static void
prepare_grace(struct sshd_conn *conn)
{
	struct sigaction sa;
	char took[32];
	static const char *const phase[] = { "key exchange",
	    "authentication" };

	clock_format_duration(conn->cfg->grace_ms, took, sizeof(took));
	for (int i = 0; i < 2; i++) {
		snprintf(grace_msg[i], sizeof(grace_msg[i]), "%s: info: "
		    "disconnected %s port %d: login grace time (%s) exceeded "
		    "during %s\n", vlog_prog(), conn->addr, conn->port, took,
		    phase[i]);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_grace_alarm;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == -1) {
		vlog_warn("sigaction SIGALRM: %s", strerror(errno));
	}
	/* alarm counts seconds: round up so a short test value still cuts. */
	alarm((unsigned)((conn->cfg->grace_ms + 999) / 1000));
}

static void
peer_name(const struct sockaddr_storage *ss, char *addr, size_t len,
    int *port)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	struct sockaddr_storage copy = *ss;
	socklen_t sl = sizeof(copy);
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&copy;

	/* IPv4 clients of a dual-stack socket read better unmapped. */
	if (copy.ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		struct sockaddr_in s4 = { .sin_family = AF_INET,
		    .sin_port = s6->sin6_port };

		memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
		memcpy(&copy, &s4, sizeof(s4));
		sl = sizeof(s4);
	}
	if (getnameinfo((struct sockaddr *)&copy, sl, host, sizeof(host), serv,
	    sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(addr, len, "?");
		*port = 0;
		return;
	}
	snprintf(addr, len, "%s", host);
	*port = atoi(serv);
}

static void
set_socket_options(struct sshd_conn *conn, int fd)
{
	int one = 1;
	int idle_s = (int)(conn->cfg->keepalive_ms / 1000);
	unsigned user_ms = (unsigned)(conn->cfg->keepalive_ms *
	    conn->cfg->keepalive_count);

	if (fd_set_nonblock(fd, true) == -1) {
		vlog_warn("O_NONBLOCK on %s: %s", conn->addr, strerror(errno));
	}
	if (idle_s < 1) {
		return;
	}
	/* The kernel notices a vanished peer even while a write to it is
	 * pending, when no SSH keepalive can be sent. */
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) ==
	    -1 || setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle_s,
	    sizeof(idle_s)) == -1 || setsockopt(fd, IPPROTO_TCP,
	    TCP_KEEPINTVL, &idle_s, sizeof(idle_s)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_ms,
	    sizeof(user_ms)) == -1) {
		vlog_debug("TCP keepalive options: %s", strerror(errno));
	}
}

/* ---- channels ---- */

static int
on_data(ssh_session session, ssh_channel ch, void *data, uint32_t len,
    int is_stderr, void *userdata)
{
	struct sshd_channel *c = userdata;
	ssize_t n;

	(void)session;
	(void)ch;
	c->conn->last_data_ms = clock_mono_ms();
	/* Extended data from a client means nothing to a command. */
	if (is_stderr || c->in_fd == -1 || c->in_done) {
		return (int)len;
	}
	if (c->pend_len > 0) {
		c->held = true;		/* keep the order: ours go first */
		return 0;
	}
	n = write(c->in_fd, data, len);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR) {
			c->in_done = true;	/* the reader is gone */
			return (int)len;
		}
		n = 0;
	}
	c->held = (uint32_t)n < len;
	return (int)n;
}

static void
on_eof(ssh_session session, ssh_channel ch, void *userdata)
{
	struct sshd_channel *c = userdata;

	(void)session;
	(void)ch;
	c->client_eof = true;
}

static void
on_close(ssh_session session, ssh_channel ch, void *userdata)
{
	struct sshd_channel *c = userdata;

	(void)session;
	(void)ch;
	/* libssh still uses the channel after this returns: free it later. */
	c->client_closed = true;
}

void
sshd_set_stream_callbacks(struct sshd_channel *c)
{
	c->cb.userdata = c;
	c->cb.channel_data_function = on_data;
	c->cb.channel_eof_function = on_eof;
	c->cb.channel_close_function = on_close;
	ssh_callbacks_init(&c->cb);
}

struct sshd_channel *
sshd_channel_new(struct sshd_conn *conn, enum sshd_chan_kind kind)
{
	struct sshd_channel *c;
	int slot = -1;

	for (int i = 0; i < SSHD_MAX_CHANNELS && slot == -1; i++) {
		if (conn->chans[i] == NULL) {
			slot = i;
		}
	}
	if (slot == -1 || (c = calloc(1, sizeof(*c))) == NULL) {
		return NULL;
	}
	c->conn = conn;
	c->kind = kind;
	c->in_fd = c->out_fd = c->err_fd = -1;
	c->pty_master = c->pty_slave = -1;
	sshd_set_stream_callbacks(c);
	conn->chans[slot] = c;
	return c;
}

/* Closes the channel's fds once each (pty and forwards share one). */
void
sshd_channel_close_fds(struct sshd_channel *c)
{
	if (c->out_fd == c->in_fd) {
		c->out_fd = -1;
	}
	if (c->pty_master == c->in_fd) {
		c->pty_master = -1;
	}
	fd_close(&c->in_fd);
	fd_close(&c->out_fd);
	fd_close(&c->err_fd);
	fd_close(&c->pty_master);
	fd_close(&c->pty_slave);
	c->in_done = c->out_eof = c->err_eof = true;
}

static void release_channel(struct sshd_conn *conn, int i);

void
sshd_channel_drop(struct sshd_conn *conn, struct sshd_channel *c)
{
	for (int i = 0; i < SSHD_MAX_CHANNELS; i++) {
		if (conn->chans[i] == c) {
			release_channel(conn, i);
			return;
		}
	}
}

static void
release_channel(struct sshd_conn *conn, int i)
{
	struct sshd_channel *c = conn->chans[i];

	sshd_channel_close_fds(c);
	for (int k = 0; k < c->nenv; k++) {
		free(c->env[k]);
	}
	free(c->pend);
	free(c->start_error);
	ssh_channel_free(c->ch);	/* sends our close if still due */
	free(c);
	conn->chans[i] = NULL;
}

/* Pulls client data that libssh kept, and writes it to in_fd. */
static void
flush_input(struct sshd_channel *c)
{
	ssize_t n;

	if (c->pend_len == 0 && c->held) {
		int got;

		if (c->pend == NULL && (c->pend = malloc(SSHD_PEND_MAX)) ==
		    NULL) {
			return;
		}
		got = ssh_channel_read_nonblocking(c->ch, c->pend,
		    SSHD_PEND_MAX, 0);
		c->held = got == SSHD_PEND_MAX;
		c->pend_off = 0;
		c->pend_len = got > 0 ? (size_t)got : 0;
	}
	while (c->pend_len > 0) {
		n = write(c->in_fd, c->pend + c->pend_off, c->pend_len);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR) {
				c->in_done = true;
				c->pend_len = 0;
				c->held = false;
			}
			return;
		}
		c->pend_off += (size_t)n;
		c->pend_len -= (size_t)n;
	}
}

/* Reads what the client's window allows from fd and sends it. */
static void
pump_output(struct sshd_channel *c, bool is_err)
{
	char buf[IO_CHUNK];
	int fd = is_err ? c->err_fd : c->out_fd;
	uint32_t win = ssh_channel_window_size(c->ch);
	ssize_t n;
	int rc;

	if (win == 0 || fd == -1) {
		return;
	}
	n = read(fd, buf, win < sizeof(buf) ? win : sizeof(buf));
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	if (n <= 0) {
		/* EOF; EIO is how a pty says its last slave closed. */
		if (is_err) {
			c->err_eof = true;
		} else {
			c->out_eof = true;
		}
		return;
	}
	c->conn->last_data_ms = clock_mono_ms();
	rc = is_err ? ssh_channel_write_stderr(c->ch, buf, (uint32_t)n)
	    : ssh_channel_write(c->ch, buf, (uint32_t)n);
	if (rc == SSH_ERROR) {
		c->out_eof = c->err_eof = true;
	}
}

/* True when the channel's output fds may be read this turn. */
static bool
may_send(const struct sshd_channel *c)
{
	return !c->finished && !c->client_closed &&
	    (c->kind == SSHD_CHAN_FORWARD || c->pid > 0) &&
	    ssh_channel_window_size(c->ch) > 0;
}

static int
add_fd(struct pollfd *pfd, struct poll_ref *refs, int n, int fd,
    short events, struct sshd_channel *c, int roles)
{
	if (fd == -1 || events == 0) {
		return n;
	}
	for (int i = 2; i < n; i++) {
		if (pfd[i].fd == fd) {
			pfd[i].events |= events;
			refs[i].roles |= roles;
			return n;
		}
	}
	pfd[n].fd = fd;
	pfd[n].events = events;
	pfd[n].revents = 0;
	refs[n].c = c;
	refs[n].roles = roles;
	return n + 1;
}

static int
build_poll(struct sshd_conn *conn, struct pollfd *pfd, struct poll_ref *refs)
{
	int n = 2;

	pfd[0].fd = ssh_get_fd(conn->session);
	pfd[0].events = POLLIN;
	if (ssh_get_poll_flags(conn->session) & SSH_WRITE_PENDING) {
		pfd[0].events |= POLLOUT;
	}
	pfd[1].fd = conn->sig_fd;
	pfd[1].events = POLLIN;
	pfd[0].revents = pfd[1].revents = 0;
	for (int i = 0; i < SSHD_MAX_CHANNELS; i++) {
		struct sshd_channel *c = conn->chans[i];
		bool send;

		if (c == NULL || c->client_closed) {
			continue;
		}
		send = may_send(c);
		if (!c->in_done && (c->pend_len > 0 || c->held)) {
			n = add_fd(pfd, refs, n, c->in_fd, POLLOUT, c, ROLE_IN);
		}
		if (send && !c->out_eof) {
			n = add_fd(pfd, refs, n, c->out_fd, POLLIN, c,
			    ROLE_OUT);
		}
		if (send && !c->err_eof) {
			n = add_fd(pfd, refs, n, c->err_fd, POLLIN, c,
			    ROLE_ERR);
		}
	}
	return n;
}

static void
serve_fds(struct pollfd *pfd, struct poll_ref *refs, int n)
{
	for (int i = 2; i < n; i++) {
		struct sshd_channel *c = refs[i].c;
		short ev = pfd[i].revents;

		if (ev == 0 || c->client_closed) {
			continue;
		}
		if ((refs[i].roles & ROLE_IN) && !c->in_done &&
		    (ev & (POLLOUT | POLLERR | POLLHUP))) {
			flush_input(c);
		}
		if ((refs[i].roles & ROLE_OUT) && !c->out_eof &&
		    (ev & (POLLIN | POLLERR | POLLHUP))) {
			pump_output(c, false);
		}
		if ((refs[i].roles & ROLE_ERR) && !c->err_eof &&
		    (ev & (POLLIN | POLLERR | POLLHUP))) {
			pump_output(c, true);
		}
	}
}

/* ---- the loop ---- */

static void
read_signals(struct sshd_conn *conn)
{
	struct signalfd_siginfo si;
	bool child = false;
	pid_t pid;
	int status;

	while (read(conn->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			child = true;
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT ||
		    si.ssi_signo == SIGQUIT) {
			conn->terminated = true;
			conn->disconnect_why = "server shutting down";
		}
	}
	while (child && (pid = waitpid(-1, &status, WNOHANG)) > 0) {
		sshd_session_reaped(conn, pid, status);
	}
}

static void
step_channels(struct sshd_conn *conn)
{
	for (int i = 0; i < SSHD_MAX_CHANNELS; i++) {
		struct sshd_channel *c = conn->chans[i];

		if (c == NULL) {
			continue;
		}
		if (c->client_closed) {
			if (c->kind == SSHD_CHAN_SESSION) {
				sshd_session_hangup(c);
			}
			release_channel(conn, i);
			continue;
		}
		if (c->kind == SSHD_CHAN_SESSION) {
			sshd_session_step(c);
		} else {
			sshd_forward_step(c);
		}
	}
}

static void
send_keepalive(struct sshd_conn *conn)
{
	/* libssh waits for the reply in blocking mode; we only send. The
	 * first call may merely collect the reply to the previous one. */
	ssh_set_blocking(conn->session, 0);
	(void)ssh_send_keepalive(conn->session);
	(void)ssh_send_keepalive(conn->session);
	ssh_set_blocking(conn->session, 1);
}

static void
check_timers(struct sshd_conn *conn, int64_t now)
{
	const struct sshd_config *cfg = conn->cfg;

	if (!conn->authenticated) {
		return;		/* the grace alarm rules until then */
	}
	if (cfg->idle_ms > 0 && now - conn->last_data_ms >= cfg->idle_ms) {
		conn->disconnect_why = "idle timeout";
		return;
	}
	if (cfg->keepalive_ms == 0 || now < conn->next_keepalive_ms) {
		return;
	}
	if (conn->counter.in_packets != conn->seen_packets) {
		conn->keepalive_missed = 0;
		conn->seen_packets = conn->counter.in_packets;
	} else if (++conn->keepalive_missed > cfg->keepalive_count) {
		conn->disconnect_why = "keepalive timeout, client not "
		    "responding";
		return;
	} else {
		send_keepalive(conn);
	}
	conn->next_keepalive_ms = now + cfg->keepalive_ms;
}

static int
next_timeout(const struct sshd_conn *conn, int64_t now)
{
	int64_t deadline = INT64_MAX;

	if (conn->authenticated && conn->cfg->keepalive_ms > 0) {
		deadline = conn->next_keepalive_ms;
	}
	if (conn->authenticated && conn->cfg->idle_ms > 0 &&
	    conn->last_data_ms + conn->cfg->idle_ms < deadline) {
		deadline = conn->last_data_ms + conn->cfg->idle_ms;
	}
	for (int i = 0; i < SSHD_MAX_CHANNELS; i++) {
		const struct sshd_channel *c = conn->chans[i];

		if (c != NULL && c->pty && c->exited && !c->finished &&
		    c->exited_ms + PTY_DRAIN_MS < deadline) {
			deadline = c->exited_ms + PTY_DRAIN_MS;
		}
	}
	if (deadline == INT64_MAX) {
		return -1;
	}
	return deadline <= now ? 0 : (int)(deadline - now < 60000 ?
	    deadline - now : 60000);
}

static void
run_loop(struct sshd_conn *conn)
{
	struct pollfd pfd[NPOLL];
	struct poll_ref refs[NPOLL];
	bool first = true;

	conn->last_data_ms = clock_mono_ms();
	conn->next_keepalive_ms = conn->last_data_ms + conn->cfg->keepalive_ms;
	while (conn->disconnect_why == NULL) {
		int n = build_poll(conn, pfd, refs);

		if (poll(pfd, (nfds_t)n, first ? 0 : next_timeout(conn,
		    clock_mono_ms())) == -1 && errno != EINTR) {
			conn->disconnect_why = "poll failed";
			break;
		}
		/* The first turn also handles packets libssh read along
		 * with the key exchange. */
		if ((first || pfd[0].revents != 0) &&
		    ssh_event_dopoll(conn->event, 0) == SSH_ERROR &&
		    !ssh_is_connected(conn->session)) {
			conn->disconnect_why = "connection closed";
		}
		first = false;
		if (pfd[1].revents != 0) {
			read_signals(conn);
		}
		serve_fds(pfd, refs, n);
		step_channels(conn);
		if (!conn->authenticated &&
		    conn->failures >= conn->cfg->max_auth_tries) {
			conn->disconnect_why = "too many authentication "
			    "failures";
		}
		if (conn->disconnect_why == NULL &&
		    !ssh_is_connected(conn->session)) {
			conn->disconnect_why = "connection closed";
		}
		check_timers(conn, clock_mono_ms());
	}
}

/* ---- the end ---- */

/* Reads until the client closes (bounded), so close(2) sends no RST that
 * would discard our disconnect message before the client read it. */
static void
drain_socket(int fd)
{
	int64_t end = clock_mono_ms() + DRAIN_MS;
	char buf[4096];

	if (fd == -1 || shutdown(fd, SHUT_WR) == -1) {
		return;
	}
	for (int i = 0; i < 1000; i++) {
		int64_t left = end - clock_mono_ms();
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			return;
		}
		n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
			return;
		}
	}
}

/* Reads and drops what the client has sent (the socket is non-blocking). */
static void
discard_input(int fd)
{
	char buf[4096];

	for (int i = 0; i < 64 && fd != -1; i++) {
		if (read(fd, buf, sizeof(buf)) <= 0) {
			return;
		}
	}
}

static const char *
client_message(const char *why)
{
	if (strcmp(why, "too many authentication failures") == 0) {
		return "Too many authentication failures";
	}
	if (strcmp(why, "idle timeout") == 0) {
		return "Idle timeout";
	}
	if (strncmp(why, "keepalive timeout", 17) == 0) {
		return "Keepalive timeout";
	}
	if (strcmp(why, "server shutting down") == 0) {
		return "Server shutting down";
	}
	return "Bye";
}

static void
log_end(struct sshd_conn *conn, const char *why)
{
	if (conn->authenticated) {
		vlog_info("disconnected %s from %s port %d: %s",
		    conn->user.name, conn->addr, conn->port, why);
	} else if (strcmp(why, "too many authentication failures") == 0) {
		vlog_info("disconnected %s port %d: too many authentication "
		    "failures for %s (%d)", conn->addr, conn->port,
		    conn->user_name, conn->failures);
	} else if (conn->refusals_logged == 0 && conn->user_name[0] != '\0') {
		vlog_info("refused %s from %s port %d: no public key offered "
		    "(%s)", conn->user_name, conn->addr, conn->port, why);
	} else {
		vlog_debug("connection from %s port %d ended: %s", conn->addr,
		    conn->port, why);
	}
}

static void __attribute__((noreturn))
leave(struct sshd_conn *conn, int status)
{
	const char *why = conn->disconnect_why != NULL ? conn->disconnect_why
	    : "closed";

	/* Channels are not closed one by one: a client that sees its
	 * session channel close quits before it reads the reason. */
	for (int i = 0; i < SSHD_MAX_CHANNELS; i++) {
		if (conn->chans[i] != NULL) {
			if (conn->chans[i]->kind == SSHD_CHAN_SESSION) {
				sshd_session_hangup(conn->chans[i]);
			}
			sshd_channel_close_fds(conn->chans[i]);
		}
	}
	log_end(conn, why);
	if (ssh_is_connected(conn->session)) {
		/* libssh writes a packet at once only after poll has seen the
		 * socket writable, and ssh_disconnect closes right after
		 * queueing: let poll catch up first, or the reason is lost.
		 * What the client sends now is dropped unread, so that no new
		 * reply (another key refused) re-arms the wait. */
		for (int i = 0; i < 10 && conn->event != NULL &&
		    (ssh_get_poll_flags(conn->session) & SSH_WRITE_PENDING);
		    i++) {
			discard_input(conn->sock_fd);
			(void)ssh_event_dopoll(conn->event, 100);
		}
		(void)ssh_session_set_disconnect_message(conn->session,
		    client_message(why));
		ssh_disconnect(conn->session);
	}
	drain_socket(conn->sock_fd);
	_exit(status);
}

static void
name_ends(struct sshd_conn *conn, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		peer_name(&ss, conn->addr, sizeof(conn->addr), &conn->port);
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		peer_name(&ss, conn->local_addr, sizeof(conn->local_addr),
		    &conn->local_port);
	}
}

/* The libssh session on fd, with the listener's keys and algorithms and
 * our callbacks; exits the process when that fails. */
static void
new_session(struct sshd_conn *conn, int fd,
    struct ssh_server_callbacks_struct *cb)
{
	struct sshd_server *srv = conn->srv;

	conn->session = ssh_new();
	if (conn->session == NULL ||
	    ssh_bind_accept_fd(srv->bind, conn->session, fd) != SSH_OK) {
		vlog_warn("unable to set up a session for %s: %s", conn->addr,
		    ssh_get_error(srv->bind));
		_exit(1);
	}
	/* The listener's copy of the key is no longer ours to keep. */
	ssh_bind_free(srv->bind);
	srv->bind = NULL;
	if (ssh_options_set(conn->session, SSH_OPTIONS_COMPRESSION_C_S,
	    "none") < 0 || ssh_options_set(conn->session,
	    SSH_OPTIONS_COMPRESSION_S_C, "none") < 0) {
		vlog_warn("unable to turn compression off");
		_exit(1);
	}
	sshd_auth_setup(conn, cb);
}

static void __attribute__((noreturn))
kex_failed(struct sshd_conn *conn, uint64_t bytes_in)
{
	const char *e = ssh_get_error(conn->session);
	char err[160];

	vlog_sanitize(err, sizeof(err), e, strlen(e));
	/* A port probe (vcinit's tcp: readiness) says nothing at all. */
	if (bytes_in == 0) {
		vlog_debug("connection from %s port %d closed before its "
		    "banner", conn->addr, conn->port);
	} else {
		vlog_info("key exchange with %s port %d failed: %s",
		    conn->addr, conn->port, err);
	}
	_exit(1);
}

void
sshd_conn_main(struct sshd_server *srv, int fd, int notify_fd)
{
	struct sshd_conn conn;
	struct ssh_server_callbacks_struct cb;
	struct ssh_counter_struct bytes = { 0 };

	memset(&conn, 0, sizeof(conn));
	conn.srv = srv;
	conn.cfg = &srv->cfg;
	conn.notify_fd = notify_fd;
	conn.sig_fd = -1;
	name_ends(&conn, fd);
	prepare_grace(&conn);
	/* (The listener's signalfd was closed in the fork: one of its own.) */
	if ((conn.sig_fd = sshd_signalfd()) == -1) {
		vlog_warn("signals of %s: %s", conn.addr, strerror(errno));
		_exit(1);
	}
	set_socket_options(&conn, fd);
	conn.sock_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	new_session(&conn, fd, &cb);
	ssh_set_counters(conn.session, &bytes, &conn.counter);
	vlog_debug("connection from %s port %d", conn.addr, conn.port);
	if (ssh_handle_key_exchange(conn.session) != SSH_OK) {
		kex_failed(&conn, bytes.in_bytes);
	}
	grace_phase = 1;
	conn.event = ssh_event_new();
	if (conn.event == NULL ||
	    ssh_event_add_session(conn.event, conn.session) != SSH_OK) {
		vlog_warn("out of memory for %s", conn.addr);
		_exit(1);
	}
	run_loop(&conn);
	leave(&conn, 0);
}
