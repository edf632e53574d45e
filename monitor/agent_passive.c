/* SPDX-License-Identifier: ISC */
/*
 * Passive checks: the listeners (IPv4 and IPv6), the allow list, and each
 * connection from accept to close. A connection has one deadline (Timeout
 * after accept); since every connection gets the same timeout, the list in
 * accept order is also the list in deadline order. Owns the connections.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "monitor/agent_int.h"

#define FREE_CONNS_KEPT	64
#define DROP_LOG_MS	60000

static const struct zbx_limits passive_limits = {
	.max_body = AGENT_PASSIVE_MAX,
	.max_raw = AGENT_PASSIVE_MAX,
	.allow_large = false,	/* as agentd: 0x04 is refused here */
	.allow_headerless = true,
};

int
agent_allow_parse(const char *text, struct allow_entry *e)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t n = slash != NULL ? (size_t)(slash - text) : strlen(text);
	int max;

	if (n == 0 || n >= sizeof(addr)) {
		return -1;
	}
	memcpy(addr, text, n);
	addr[n] = '\0';
	memset(e, 0, sizeof(*e));
	if (inet_pton(AF_INET, addr, e->addr) == 1) {
		e->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, e->addr) == 1) {
		e->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	e->prefix = max;
	if (slash != NULL) {
		char *end;
		long p = strtol(slash + 1, &end, 10);

		if (slash[1] == '\0' || *end != '\0' || p < 0 || p > max) {
			return -1;
		}
		e->prefix = (int)p;
	}
	return 0;
}

static bool
prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)bytes) != 0) {
		return false;
	}
	if (rest == 0) {
		return true;
	}
	return ((a[bytes] ^ b[bytes]) & (0xff << (8 - rest))) == 0;
}

bool
agent_allow_match(const struct allow_entry *list, int n,
    const struct sockaddr *sa)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };
	const unsigned char *v4 = NULL, *v6 = NULL;

	if (sa->sa_family == AF_INET) {
		v4 = (const unsigned char *)&((const struct sockaddr_in *)sa)->
		    sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		v6 = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		/* ::ffff:a.b.c.d is the IPv4 peer a.b.c.d */
		if (memcmp(v6, mapped, 12) == 0) {
			v4 = v6 + 12;
		}
	}
	for (int i = 0; i < n; i++) {
		if (list[i].family == AF_INET && v4 != NULL &&
		    prefix_equal(list[i].addr, v4, list[i].prefix)) {
			return true;
		}
		if (list[i].family == AF_INET6 && v6 != NULL &&
		    prefix_equal(list[i].addr, v6, list[i].prefix)) {
			return true;
		}
	}
	return false;
}

int
agent_allow_build(struct agent *ag)
{
	struct sockaddr_storage ss[16];
	struct allow_entry e, *grown;
	int n = 0;

	free(ag->allow);
	ag->allow = NULL;
	ag->nallow = 0;
	for (char **p = ag->cfg.server; p != NULL && *p != NULL; p++) {
		int k = 0;

		if (agent_allow_parse(*p, &e) == 0) {
			k = 1;
		} else {
			n = agent_resolved(ag, *p, ss, 16);
		}
		for (int i = 0; i < (k == 1 ? 1 : n); i++) {
			if (k == 0) {
				memset(&e, 0, sizeof(e));
				e.family = ss[i].ss_family;
				e.prefix = e.family == AF_INET ? 32 : 128;
				memcpy(e.addr, e.family == AF_INET ?
				    (void *)&((struct sockaddr_in *)&ss[i])->
				    sin_addr : (void *)&((struct sockaddr_in6 *)
				    &ss[i])->sin6_addr, e.family == AF_INET ?
				    4 : 16);
			}
			grown = realloc(ag->allow, sizeof(e) *
			    ((size_t)ag->nallow + 1));
			if (grown == NULL) {
				return -1;
			}
			ag->allow = grown;
			ag->allow[ag->nallow++] = e;
		}
	}
	return 0;
}

static void
peer_text(const struct sockaddr *sa, char *out, size_t outlen)
{
	const void *a = sa->sa_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;

	if (inet_ntop(sa->sa_family, a, out, (socklen_t)outlen) == NULL) {
		snprintf(out, outlen, "?");
	}
}

/* Logs a refused peer at most once a minute per address. */
static void
log_refused(struct agent *ag, const struct sockaddr *sa)
{
	unsigned char key[16] = { 0 };
	int64_t now = clock_mono_ms();
	int slot = 0;
	char text[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
	for (int i = 0; i < AGENT_DROP_LOG_SLOTS; i++) {
		if (memcmp(ag->drop_log[i].addr, key, 16) == 0 &&
		    ag->drop_log[i].when_ms != 0) {
			if (now - ag->drop_log[i].when_ms < DROP_LOG_MS) {
				return;
			}
			slot = i;
			break;
		}
		if (ag->drop_log[i].when_ms < ag->drop_log[slot].when_ms) {
			slot = i;
		}
	}
	memcpy(ag->drop_log[slot].addr, key, 16);
	ag->drop_log[slot].when_ms = now;
	peer_text(sa, text, sizeof(text));
	vlog_warn("refused connection from %s: not in the allowed servers "
	    "(logged once a minute per address)", text);
}

/* Connections waiting for a job have no deadline of their own (the job
 * always answers within its timeout): they live on the wait list. */
static void
conn_unlink(struct agent *ag, struct conn *c)
{
	struct conn **head = c->waiting ? &ag->wait_head : &ag->conn_head;

	if (c->prev != NULL) {
		c->prev->next = c->next;
	} else if (*head == c) {
		*head = c->next;
	}
	if (c->next != NULL) {
		c->next->prev = c->prev;
	} else if (!c->waiting && ag->conn_tail == c) {
		ag->conn_tail = c->prev;
	}
	c->prev = c->next = NULL;
}

static void
conn_close(struct agent *ag, struct conn *c)
{
	agent_job_cancel(ag, &c->waiter);
	/* close() takes the fd out of the epoll set: no EPOLL_CTL_DEL. */
	fd_close(&c->io.fd);
	conn_unlink(ag, c);
	c->waiting = false;
	ag->nconns--;
	if (c->rbuf != c->inline_buf) {
		free(c->rbuf);
	}
	free(c->wbuf);
	if (ag->nfree_conns < FREE_CONNS_KEPT) {
		c->next = ag->free_conns;
		ag->free_conns = c;
		ag->nfree_conns++;
	} else {
		free(c);
	}
}

/*
 * A reply is sent with MSG_MORE: the kernel holds it until the close that
 * follows, which then leaves as one segment carrying the data and the FIN.
 * The peer wakes once per request instead of twice (data, then FIN), and
 * on loopback half the packets are built and delivered.
 */
#define REPLY_FLAGS	(MSG_NOSIGNAL | MSG_MORE)

/* Sends what is left of the reply; closes when all is out. */
static void
conn_flush(struct agent *ag, struct conn *c)
{
	while (c->woff < c->wlen) {
		ssize_t n = send(c->io.fd, c->wbuf + c->woff, c->wlen - c->woff,
		    REPLY_FLAGS);

		if (n == -1 && errno == EINTR) {
			continue;
		}
		if (n == -1 && errno == EAGAIN) {
			if (c->registered ? agent_io_mod(ag, &c->io, EPOLLOUT) :
			    agent_io_add(ag, &c->io, EPOLLOUT)) {
				break;
			}
			c->registered = true;
			return;
		}
		if (n <= 0) {
			break;
		}
		c->woff += (size_t)n;
	}
	conn_close(ag, c);
}

/* Sends a reply built in ag->out; keeps a copy of what did not go. */
static void
conn_reply(struct agent *ag, struct conn *c)
{
	ssize_t n;

	n = send(c->io.fd, ag->out.data, ag->out.len, REPLY_FLAGS);
	if (n == (ssize_t)ag->out.len || (n == -1 && errno != EAGAIN &&
	    errno != EINTR)) {
		conn_close(ag, c);
		return;
	}
	if (n < 0) {
		n = 0;
	}
	c->wlen = ag->out.len - (size_t)n;
	c->wbuf = malloc(c->wlen);
	if (c->wbuf == NULL) {
		conn_close(ag, c);
		return;
	}
	memcpy(c->wbuf, ag->out.data + n, c->wlen);
	c->woff = 0;
	conn_flush(ag, c);
}

/* Frames a value (or ZBX_NOTSUPPORTED\0reason) into ag->out. */
static void
build_reply(struct agent *ag, bool error, const char *text, size_t len)
{
	static const char ns[] = "ZBX_NOTSUPPORTED";
	unsigned char hdr[ZBX_HDR_LEN];
	size_t body = error ? sizeof(ns) + len : len;

	buf_reset(&ag->out);
	(void)zbx_header_write(hdr, ZBX_FLAG_PROTOCOL, body, 0);
	buf_add(&ag->out, hdr, sizeof(hdr));
	if (error) {
		buf_add(&ag->out, ns, sizeof(ns));	/* with its NUL */
	}
	buf_add(&ag->out, text, len);
}

static void
conn_result(struct agent *ag, struct agent_waiter *w, bool error,
    const char *text, size_t len)
{
	struct conn *c = (struct conn *)((char *)w - offsetof(struct conn,
	    waiter));

	build_reply(ag, error, text, len);
	if (ag->out.failed) {
		conn_close(ag, c);
		return;
	}
	conn_reply(ag, c);
}

static void
conn_request(struct agent *ag, struct conn *c, const struct zbx_frame *f)
{
	struct agent_result res = { 0 };
	const char *body, *why;
	size_t len;

	if (zbx_frame_body(c->rbuf, f, &passive_limits, &ag->scratch, &body,
	    &len, &why) == -1) {
		vlog_debug("passive request dropped: %s", why);
		conn_close(ag, c);
		return;
	}
	/* One optional trailing newline, as zabbix_get may send. */
	if (len > 0 && body[len - 1] == '\n') {
		len--;
	}
	if (len > 0 && body[len - 1] == '\r') {
		len--;
	}
	res.text = &ag->value;
	res.waiter = &c->waiter;
	agent_eval(ag, body, len, &res);
	if (res.pending) {
		conn_unlink(ag, c);
		c->waiting = true;
		c->next = ag->wait_head;
		if (ag->wait_head != NULL) {
			ag->wait_head->prev = c;
		}
		ag->wait_head = c;
		if (c->registered) {
			(void)agent_io_mod(ag, &c->io, 0);
		}
		return;
	}
	conn_result(ag, &c->waiter, res.error, buf_str(res.text),
	    res.text->len);
}

/* Makes room for more bytes; the inline buffer moves to the heap. */
static int
conn_grow(struct conn *c)
{
	size_t ncap = c->cap * 4;
	unsigned char *n;

	if (ncap > AGENT_PASSIVE_MAX + ZBX_HDR_LARGE_LEN + 1) {
		ncap = AGENT_PASSIVE_MAX + ZBX_HDR_LARGE_LEN + 1;
	}
	if (ncap <= c->cap) {
		return -1;
	}
	n = c->rbuf == c->inline_buf ? malloc(ncap) : realloc(c->rbuf, ncap);
	if (n == NULL) {
		return -1;
	}
	if (c->rbuf == c->inline_buf) {
		memcpy(n, c->inline_buf, c->len);
	}
	c->rbuf = n;
	c->cap = ncap;
	return 0;
}

/* Reads what the peer sent; answers once a whole request is in. */
static void
conn_read(struct agent *ag, struct conn *c)
{
	struct zbx_frame f;
	const char *why = "";
	enum zbx_frame_status st = ZBX_FRAME_MORE;
	ssize_t n;

	for (;;) {
		if (c->len == c->cap && conn_grow(c) == -1) {
			why = "request too large";
			st = ZBX_FRAME_BAD;
			break;
		}
		n = recv(c->io.fd, c->rbuf + c->len, c->cap - c->len, 0);
		if (n == -1 && errno == EINTR) {
			continue;
		}
		if (n == -1 && errno == EAGAIN) {
			if (!c->registered) {
				if (agent_io_add(ag, &c->io, EPOLLIN) == -1) {
					conn_close(ag, c);
					return;
				}
				c->registered = true;
			}
			return;
		}
		if (n <= 0) {
			st = n == 0 ? zbx_frame_eof(c->rbuf, c->len,
			    &passive_limits, &f, &why) : ZBX_FRAME_BAD;
			break;
		}
		c->len += (size_t)n;
		st = zbx_frame_check(c->rbuf, c->len, &passive_limits, &f, &why);
		if (st != ZBX_FRAME_MORE) {
			break;
		}
	}
	/* Bytes past the declared length: agentd drops such a request. */
	if (st == ZBX_FRAME_DONE && c->len > f.total && !f.headerless) {
		st = ZBX_FRAME_BAD;
		why = "more bytes than the declared length";
	}
	if (st != ZBX_FRAME_DONE) {
		vlog_debug("passive connection dropped: %s", why);
		conn_close(ag, c);
		return;
	}
	conn_request(ag, c, &f);
}

static void
conn_event(struct agent *ag, struct agent_io *io, uint32_t events)
{
	struct conn *c = (struct conn *)io;

	if (c->wbuf != NULL) {
		conn_flush(ag, c);
	} else if (c->waiting) {
		if ((events & (EPOLLHUP | EPOLLERR)) != 0) {
			conn_close(ag, c);
		}
	} else {
		conn_read(ag, c);
	}
}

static struct conn *
conn_new(struct agent *ag, int fd)
{
	struct conn *c = ag->free_conns;

	if (c != NULL) {
		ag->free_conns = c->next;
		ag->nfree_conns--;
	} else if ((c = malloc(sizeof(*c))) == NULL) {
		return NULL;
	}
	memset(c, 0, offsetof(struct conn, inline_buf));
	c->io.fd = fd;
	c->io.cb = conn_event;
	c->rbuf = c->inline_buf;
	c->cap = sizeof(c->inline_buf);
	c->waiter.done = conn_result;
	c->deadline_ms = clock_mono_ms() + ag->cfg.timeout_ms;
	c->prev = ag->conn_tail;
	if (ag->conn_tail != NULL) {
		ag->conn_tail->next = c;
	} else {
		ag->conn_head = c;
	}
	ag->conn_tail = c;
	ag->nconns++;
	return c;
}

static void
accept_one(struct agent *ag, int fd, const struct sockaddr *sa)
{
	struct conn *c;

	if (!agent_allow_match(ag->allow, ag->nallow, sa)) {
		log_refused(ag, sa);
		(void)close(fd);	/* nothing was read or written */
		return;
	}
	if (ag->nconns >= ag->max_conns || (c = conn_new(ag, fd)) == NULL) {
		(void)close(fd);	/* over the cap: shed the load */
		return;
	}
	/* With TCP_DEFER_ACCEPT the request is usually there already: the
	 * fd joins the epoll set only when it has to wait. */
	conn_read(ag, c);
}

static void
listener_event(struct agent *ag, struct agent_io *io, uint32_t events)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	(void)events;
	for (int i = 0; i < 64; i++) {
		len = sizeof(ss);
		fd = accept4(io->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED) {
				vlog_warn("accept failed: %s", strerror(errno));
			}
			return;
		}
		accept_one(ag, fd, (struct sockaddr *)&ss);
	}
}

static int
listen_on(struct agent *ag, int family, const void *addr, const char *text)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, defer = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)ag->cfg.listen_port);
		memcpy(&s4->sin_addr, addr, 4);
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)ag->cfg.listen_port);
		memcpy(&s6->sin6_addr, addr, 16);
		len = sizeof(*s6);
	}
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		vlog_warn("unable to listen on [%s]:%d: %s", text,
		    ag->cfg.listen_port, strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6) {
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	}
	/* Wake up only when the request has arrived (a speed-up only). */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer,
	    sizeof(defer));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 4096) == -1) {
		vlog_warn("unable to listen on [%s]:%d: %s", text,
		    ag->cfg.listen_port, strerror(errno));
		(void)close(fd);	/* never listened */
		return -1;
	}
	ag->listeners[ag->nlisteners].fd = fd;
	ag->listeners[ag->nlisteners].cb = listener_event;
	if (agent_io_add(ag, &ag->listeners[ag->nlisteners], EPOLLIN) == -1) {
		(void)close(fd);
		return -1;
	}
	ag->nlisteners++;
	return 0;
}

int
agent_passive_start(struct agent *ag)
{
	unsigned char a[16] = { 0 };
	char *ips, *ip, *save = NULL;
	int ok = 0;

	if (ag->cfg.listen_ip == NULL) {
		ok += listen_on(ag, AF_INET, a, "0.0.0.0") == 0;
		ok += listen_on(ag, AF_INET6, a, "::") == 0;
		return ok > 0 ? 0 : -1;
	}
	ips = strdup(ag->cfg.listen_ip);
	if (ips == NULL) {
		return -1;
	}
	for (ip = strtok_r(ips, ", ", &save); ip != NULL && ag->nlisteners < 4;
	    ip = strtok_r(NULL, ", ", &save)) {
		if (inet_pton(AF_INET, ip, a) == 1) {
			ok += listen_on(ag, AF_INET, a, ip) == 0;
		} else if (inet_pton(AF_INET6, ip, a) == 1) {
			ok += listen_on(ag, AF_INET6, a, ip) == 0;
		} else {
			vlog_warn("listen_ip '%.64s' is not an address", ip);
		}
	}
	free(ips);
	return ok > 0 ? 0 : -1;
}

int64_t
agent_passive_timers(struct agent *ag, int64_t now_ms)
{
	while (ag->conn_head != NULL && ag->conn_head->deadline_ms <= now_ms) {
		vlog_debug("passive connection timed out");
		conn_close(ag, ag->conn_head);
	}
	return ag->conn_head != NULL ? ag->conn_head->deadline_ms : -1;
}

void
agent_passive_stop(struct agent *ag)
{
	struct conn *c;

	while (ag->conn_head != NULL) {
		conn_close(ag, ag->conn_head);
	}
	while (ag->wait_head != NULL) {
		conn_close(ag, ag->wait_head);
	}
	while ((c = ag->free_conns) != NULL) {
		ag->free_conns = c->next;
		free(c);
	}
	for (int i = 0; i < ag->nlisteners; i++) {
		agent_io_del(ag, &ag->listeners[i]);
		fd_close(&ag->listeners[i].fd);
	}
	ag->nlisteners = 0;
	free(ag->allow);
	ag->allow = NULL;
}
