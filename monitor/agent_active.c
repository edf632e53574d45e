/* SPDX-License-Identifier: ISC */
/*
 * Active checks: for each server of server_active, the item list ("active
 * checks"), items run at their delay, values kept in a bounded buffer
 * (oldest dropped first, and counted) and sent as "agent data" with
 * session, id, clock and ns; heartbeats; reconnects with backoff. One TCP
 * exchange at a time per server, driven by the loop. Owns the servers,
 * their items and their buffered values.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "monitor/agent_active.h"
#include "monitor/agent_int.h"
#include "monitor/agent_json.h"

#define BACKOFF_MIN_MS	1000
#define BACKOFF_MAX_MS	60000
#define VALUES_MAX_BYTES	(256 * 1024)

static const struct zbx_limits server_limits = {
	.max_body = AGENT_ACTIVE_MAX,
	.max_raw = AGENT_ACTIVE_MAX,
	.allow_large = true,
	.allow_headerless = false,
};

static void
value_free(struct active_value *v)
{
	free(v->key);
	free(v->value);
	memset(v, 0, sizeof(*v));
}

static struct active_value *
value_at(struct active_server *s, int i)
{
	return &s->vals[(s->vhead + i) % s->vcap];
}

static void
drop_oldest(struct active_server *s)
{
	struct active_value *v = value_at(s, 0);

	s->vbytes -= strlen(v->key) + (v->value != NULL ? strlen(v->value) : 0);
	value_free(v);
	s->vhead = (s->vhead + 1) % s->vcap;
	s->nvals--;
	if (s->nsent > 0) {
		s->nsent--;
	}
}

void
agent_active_add_value(struct agent *ag, struct active_item *it, bool error,
    const char *text, size_t len)
{
	struct active_server *s = it->srv;
	struct active_value *v;
	struct timespec ts;
	size_t n = len < AGENT_VALUE_MAX ? len : AGENT_VALUE_MAX;

	(void)ag;
	while (s->nvals > 0 && (s->nvals >= s->vcap ||
	    s->vbytes + n > VALUES_MAX_BYTES)) {
		if (s->dropped++ % 100 == 0) {
			vlog_warn("active check buffer for %s is full: dropping "
			    "the oldest values (%llu so far)", s->host,
			    (unsigned long long)s->dropped);
		}
		drop_oldest(s);
	}
	v = value_at(s, s->nvals);
	memset(v, 0, sizeof(*v));
	v->key = strdup(it->key);
	v->value = strndup(text, n);
	if (v->key == NULL || v->value == NULL) {
		value_free(v);
		return;
	}
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	v->clock = ts.tv_sec;
	v->ns = ts.tv_nsec;
	v->id = ++s->next_id;
	v->unsupported = error;
	v->is_log = it->is_log;
	v->lastlogsize = it->lastlogsize;
	v->has_mtime = it->is_logrt;
	v->mtime = it->mtime;
	s->vbytes += strlen(v->key) + n;
	if (s->nvals == 0) {
		s->first_value_ms = clock_mono_ms();
	}
	s->nvals++;
}

static void
item_result(struct agent *ag, struct agent_waiter *w, bool error,
    const char *text, size_t len)
{
	struct active_item *it = (struct active_item *)((char *)w -
	    offsetof(struct active_item, waiter));

	it->busy = false;
	agent_active_add_value(ag, it, error, text, len);
}

static void
item_run(struct agent *ag, struct active_item *it)
{
	struct agent_result res = { 0 };

	if (it->is_log || it->is_logrt) {
		agent_log_check(ag, it);
		return;
	}
	res.text = &ag->value;
	res.waiter = &it->waiter;
	res.active = true;
	agent_eval(ag, it->key, strlen(it->key), &res);
	if (res.pending) {
		it->busy = true;
		return;
	}
	agent_active_add_value(ag, it, res.error, buf_str(res.text),
	    res.text->len);
}

static void
item_free(struct agent *ag, struct active_item *it)
{
	agent_job_cancel(ag, &it->waiter);
	agent_log_forget(it);
	free(it->key);
	free(it);
}

/* "5", "5s", "1m", "30s;1-5,09:00-18:00" (the base delay) -> ms. */
static int64_t
parse_delay(const char *text)
{
	char *end;
	long long n = strtoll(text, &end, 10);
	int64_t mult = 1000;

	switch (*end) {
	case 'm':
		mult = 60000;
		break;
	case 'h':
		mult = 3600000;
		break;
	case 'd':
		mult = 86400000;
		break;
	case 'w':
		mult = 7 * 86400000LL;
		break;
	default:
		break;
	}
	if (end == text || n <= 0) {
		return -1;
	}
	return n * mult;
}

static struct active_item *
find_item(struct active_server *s, const char *key)
{
	for (int i = 0; i < s->nitems; i++) {
		if (strcmp(s->items[i]->key, key) == 0) {
			return s->items[i];
		}
	}
	return NULL;
}

static int
add_item(struct active_server *s, const char *key, int64_t delay_ms,
    uint64_t lastlogsize, int64_t mtime)
{
	struct active_item *it, **grown;
	struct zbx_key k;
	char store[2 * ZBX_KEY_MAX_LEN + 2];

	grown = realloc(s->items, sizeof(*grown) * ((size_t)s->nitems + 1));
	if (grown == NULL || (it = calloc(1, sizeof(*it))) == NULL) {
		if (grown != NULL) {
			s->items = grown;
		}
		return -1;
	}
	s->items = grown;
	it->key = strdup(key);
	if (it->key == NULL) {
		free(it);
		return -1;
	}
	it->srv = s;
	it->delay_ms = delay_ms;
	it->next_ms = clock_mono_ms();
	it->lastlogsize = lastlogsize;
	it->mtime = mtime;
	it->waiter.done = item_result;
	if (zbx_key_parse(key, strlen(key), &k, store, sizeof(store)) == 0) {
		it->is_log = strcmp(k.name, "log") == 0;
		it->is_logrt = strcmp(k.name, "logrt") == 0;
	}
	it->seen = true;
	s->items[s->nitems++] = it;
	return 0;
}

/* Applies one element of the server's "data" list. */
static void
apply_item(struct active_server *s, const char *doc, struct json_tok *t,
    int e)
{
	char key[ZBX_KEY_MAX_LEN + 1], delay[64];
	int64_t d, lls = 0, mtime = 0;
	struct active_item *it;

	if (json_string(doc, t, json_get(doc, t, e, "key"), key,
	    sizeof(key)) == -1 || json_string(doc, t, json_get(doc, t, e,
	    "delay"), delay, sizeof(delay)) == -1 ||
	    (d = parse_delay(delay)) <= 0) {
		return;
	}
	(void)json_int64(doc, t, json_get(doc, t, e, "lastlogsize"), &lls);
	(void)json_int64(doc, t, json_get(doc, t, e, "mtime"), &mtime);
	it = find_item(s, key);
	if (it != NULL) {
		it->seen = true;
		if (it->delay_ms != d) {
			it->delay_ms = d;
			it->next_ms = clock_mono_ms();
		}
		return;
	}
	(void)add_item(s, key, d, lls < 0 ? 0 : (uint64_t)lls, mtime);
}

static int
apply_checks(struct agent *ag, struct active_server *s, const char *doc,
    struct json_tok *t, const char **why)
{
	int data = json_get(doc, t, 0, "data"), e, k = 0;

	if (!json_eq(doc, t, json_get(doc, t, 0, "response"), "success")) {
		*why = "the server did not answer success";
		return -1;
	}
	for (int i = 0; i < s->nitems; i++) {
		s->items[i]->seen = false;
	}
	if (data >= 0 && t[data].type == JSON_ARRAY) {
		e = data + 1;
		for (int i = 0; i < t[data].size; i++, e = t[e].next) {
			if (t[e].type == JSON_OBJECT) {
				apply_item(s, doc, t, e);
			}
		}
	}
	for (int i = 0; i < s->nitems; i++) {
		if (s->items[i]->seen) {
			s->items[k++] = s->items[i];
		} else {
			item_free(ag, s->items[i]);
		}
	}
	s->nitems = k;
	if (!s->have_list) {
		vlog_info("active checks from %s:%d: %d items", s->host,
		    s->port, s->nitems);
	}
	s->have_list = true;
	return 0;
}

static int
apply_data_reply(struct active_server *s, const char *doc, struct json_tok *t,
    const char **why)
{
	if (!json_eq(doc, t, json_get(doc, t, 0, "response"), "success")) {
		*why = "the server did not accept the values";
		return -1;
	}
	while (s->nsent > 0 && s->nvals > 0) {
		drop_oldest(s);
	}
	return 0;
}

static void
add_json_field(struct buf *b, const char *name, const char *value)
{
	buf_add(b, ",\"", 2);
	buf_adds(b, name);
	buf_add(b, "\":", 2);
	buf_add_json_str(b, value);
}

static void
build_checks_request(struct agent *ag, struct active_server *s, struct buf *b)
{
	struct agent_result res = { 0 };

	buf_adds(b, "{\"request\":\"active checks\"");
	add_json_field(b, "host", ag->cfg.hostname);
	if (ag->cfg.host_metadata_item != NULL) {
		res.text = &ag->value;
		agent_eval(ag, ag->cfg.host_metadata_item,
		    strlen(ag->cfg.host_metadata_item), &res);
		if (!res.error) {
			add_json_field(b, "host_metadata", buf_str(res.text));
		} else {
			vlog_warn("host_metadata_item %s: %s",
			    ag->cfg.host_metadata_item, buf_str(res.text));
		}
	} else if (ag->cfg.host_metadata != NULL) {
		add_json_field(b, "host_metadata", ag->cfg.host_metadata);
	}
	if (ag->cfg.listen_ip != NULL) {
		char ip[64];

		snprintf(ip, sizeof(ip), "%.*s",
		    (int)strcspn(ag->cfg.listen_ip, ", "), ag->cfg.listen_ip);
		add_json_field(b, "ip", ip);
	}
	if (ag->cfg.listen_port != 10050) {
		buf_addf(b, ",\"port\":%d", ag->cfg.listen_port);
	}
	(void)s;
	buf_add(b, "}", 1);
}

static void
build_data_request(struct agent *ag, struct active_server *s, struct buf *b)
{
	struct timespec ts;

	buf_adds(b, "{\"request\":\"agent data\"");
	add_json_field(b, "session", ag->session);
	buf_adds(b, ",\"data\":[");
	for (int i = 0; i < s->nvals; i++) {
		struct active_value *v = value_at(s, i);

		buf_adds(b, i > 0 ? ",{\"host\":" : "{\"host\":");
		buf_add_json_str(b, ag->cfg.hostname);
		add_json_field(b, "key", v->key);
		add_json_field(b, "value", v->value);
		if (v->unsupported) {
			buf_adds(b, ",\"state\":1");
		}
		if (v->is_log || v->has_mtime) {
			buf_addf(b, ",\"lastlogsize\":%llu",
			    (unsigned long long)v->lastlogsize);
		}
		if (v->has_mtime) {
			buf_addf(b, ",\"mtime\":%lld", (long long)v->mtime);
		}
		buf_addf(b, ",\"id\":%llu,\"clock\":%lld,\"ns\":%ld}",
		    (unsigned long long)v->id, (long long)v->clock, v->ns);
	}
	s->nsent = s->nvals;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	buf_addf(b, "],\"clock\":%lld,\"ns\":%ld}", (long long)ts.tv_sec,
	    ts.tv_nsec);
}

static void
build_heartbeat(struct agent *ag, struct active_server *s, struct buf *b)
{
	buf_adds(b, "{\"request\":\"active check heartbeat\"");
	add_json_field(b, "host", ag->cfg.hostname);
	buf_addf(b, ",\"heartbeat_freq\":%lld}",
	    (long long)(ag->cfg.heartbeat_ms / 1000));
	(void)s;
}

static void
srv_close(struct agent *ag, struct active_server *s)
{
	if (s->io.fd != -1) {
		agent_io_del(ag, &s->io);
		fd_close(&s->io.fd);
	}
	s->phase = SRV_IDLE;
	s->deadline_ms = 0;
	buf_reset(&s->in);
}

static void
srv_fail(struct agent *ag, struct active_server *s, const char *why)
{
	int64_t now = clock_mono_ms();

	srv_close(ag, s);
	s->nsent = 0;
	s->backoff_ms = s->backoff_ms == 0 ? BACKOFF_MIN_MS :
	    s->backoff_ms * 2;
	if (s->backoff_ms > BACKOFF_MAX_MS) {
		s->backoff_ms = BACKOFF_MAX_MS;
	}
	s->retry_ms = now + s->backoff_ms;
	if (!s->failing) {
		vlog_warn("active checks on %s:%d started to fail: %s; "
		    "retrying with backoff", s->host, s->port, why);
	} else {
		vlog_debug("active checks on %s:%d: %s", s->host, s->port, why);
	}
	s->failing = true;
}

static void
srv_ok(struct active_server *s)
{
	if (s->failing) {
		vlog_info("active checks on %s:%d are working again",
		    s->host, s->port);
	}
	s->failing = false;
	s->backoff_ms = 0;
	s->retry_ms = 0;
}

static void
srv_reply(struct agent *ag, struct active_server *s, const char *body,
    size_t len)
{
	struct json_tok *t = NULL;
	const char *why = "the reply is not JSON";
	int n = json_parse(body, len, NULL, 0), rc = -1;
	char safe[120];

	if (n > 0 && (t = calloc((size_t)n, sizeof(*t))) != NULL &&
	    json_parse(body, len, t, n) == n && t[0].type == JSON_OBJECT) {
		rc = s->req == REQ_CHECKS ? apply_checks(ag, s, body, t, &why) :
		    apply_data_reply(s, body, t, &why);
	}
	free(t);
	if (rc == -1) {
		vlog_debug("reply from %s: %s", s->host, vlog_sanitize(safe,
		    sizeof(safe), body, len));
		srv_fail(ag, s, why);
		return;
	}
	if (s->req == REQ_CHECKS) {
		s->next_refresh_ms = clock_mono_ms() + ag->cfg.refresh_ms;
	}
	srv_ok(s);
	srv_close(ag, s);
}

static void
srv_read(struct agent *ag, struct active_server *s)
{
	struct zbx_frame f;
	const char *why = "", *body;
	enum zbx_frame_status st = ZBX_FRAME_MORE;
	char chunk[16384];
	size_t len;
	ssize_t n;

	for (;;) {
		n = recv(s->io.fd, chunk, sizeof(chunk), 0);
		if (n == -1 && errno == EINTR) {
			continue;
		}
		if (n == -1 && errno == EAGAIN) {
			return;
		}
		if (n <= 0) {
			why = n == 0 ? "the server closed without a full reply" :
			    strerror(errno);
			st = ZBX_FRAME_BAD;
			break;
		}
		buf_add(&s->in, chunk, (size_t)n);
		st = zbx_frame_check((unsigned char *)s->in.data, s->in.len,
		    &server_limits, &f, &why);
		if (st != ZBX_FRAME_MORE || s->in.failed) {
			break;
		}
	}
	if (st != ZBX_FRAME_DONE || zbx_frame_body((unsigned char *)s->in.data,
	    &f, &server_limits, &ag->scratch, &body, &len, &why) == -1) {
		srv_fail(ag, s, why[0] != '\0' ? why : "bad reply");
		return;
	}
	srv_reply(ag, s, body, len);
}

static void
srv_write(struct agent *ag, struct active_server *s)
{
	while (s->out_off < s->out.len) {
		ssize_t n = send(s->io.fd, s->out.data + s->out_off,
		    s->out.len - s->out_off, MSG_NOSIGNAL);

		if (n == -1 && errno == EINTR) {
			continue;
		}
		if (n == -1 && errno == EAGAIN) {
			return;
		}
		if (n <= 0) {
			srv_fail(ag, s, strerror(errno));
			return;
		}
		s->out_off += (size_t)n;
	}
	if (s->req == REQ_HEARTBEAT) {
		srv_ok(s);
		srv_close(ag, s);	/* the server does not answer these */
		return;
	}
	s->phase = SRV_READING;
	(void)agent_io_mod(ag, &s->io, EPOLLIN);
}

static void
srv_event(struct agent *ag, struct agent_io *io, uint32_t events)
{
	struct active_server *s = (struct active_server *)io;
	int err = 0;
	socklen_t len = sizeof(err);

	if (s->phase == SRV_CONNECTING) {
		if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0) {
			srv_fail(ag, s, strerror(err != 0 ? err : errno));
			return;
		}
		s->phase = SRV_SENDING;
	}
	if (s->phase == SRV_SENDING) {
		srv_write(ag, s);
	} else if (s->phase == SRV_READING) {
		srv_read(ag, s);
	}
	(void)events;
}

static int
srv_address(struct agent *ag, struct active_server *s,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s->host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
	} else if (inet_pton(AF_INET6, s->host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
	} else if (agent_resolved(ag, s->host, ss, 1) == 0) {
		return -1;
	}
	if (ss->ss_family == AF_INET) {
		s4->sin_port = htons((uint16_t)s->port);
		*len = sizeof(*s4);
	} else {
		s6->sin6_port = htons((uint16_t)s->port);
		*len = sizeof(*s6);
	}
	return 0;
}

static void
srv_start(struct agent *ag, struct active_server *s, enum srv_req req)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct buf json = { 0 };

	s->req = req;
	if (srv_address(ag, s, &ss, &len) == -1) {
		srv_fail(ag, s, "its name does not resolve (yet)");
		return;
	}
	if (req == REQ_CHECKS) {
		build_checks_request(ag, s, &json);
	} else if (req == REQ_DATA) {
		build_data_request(ag, s, &json);
	} else {
		build_heartbeat(ag, s, &json);
	}
	buf_reset(&s->out);
	s->out_off = 0;
	if (json.failed || zbx_frame_build(&s->out, json.data, json.len,
	    false) == -1) {
		buf_free(&json);
		srv_fail(ag, s, "out of memory");
		return;
	}
	buf_free(&json);
	s->io.fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s->io.fd == -1 || (connect(s->io.fd, (struct sockaddr *)&ss,
	    len) == -1 && errno != EINPROGRESS) ||
	    agent_io_add(ag, &s->io, EPOLLOUT) == -1) {
		srv_fail(ag, s, strerror(errno));
		return;
	}
	s->phase = SRV_CONNECTING;
	s->deadline_ms = clock_mono_ms() + ag->cfg.timeout_ms;
}

/* Runs items that are due; returns the nearest next run. */
static int64_t
run_items(struct agent *ag, struct active_server *s, int64_t now)
{
	int64_t next = -1;

	for (int i = 0; i < s->nitems; i++) {
		struct active_item *it = s->items[i];

		if (!it->busy && it->next_ms <= now) {
			it->next_ms += it->delay_ms;
			if (it->next_ms <= now) {
				it->next_ms = now + it->delay_ms;
			}
			item_run(ag, it);
		}
		next = agent_min_deadline(next, it->next_ms);
	}
	return next;
}

static int64_t
srv_timers(struct agent *ag, struct active_server *s, int64_t now)
{
	int64_t next = run_items(ag, s, now), send_at;

	if (s->phase != SRV_IDLE) {
		if (s->deadline_ms <= now) {
			srv_fail(ag, s, "timed out");
		} else {
			return agent_min_deadline(next, s->deadline_ms);
		}
	}
	if (s->retry_ms > now) {
		return agent_min_deadline(next, s->retry_ms);
	}
	send_at = s->nvals > 0 ? (s->nvals >= s->vcap / 2 ? now :
	    s->first_value_ms + ag->cfg.buffer_send_ms) : -1;
	if (s->next_refresh_ms <= now) {
		srv_start(ag, s, REQ_CHECKS);
	} else if (send_at >= 0 && send_at <= now && s->have_list) {
		srv_start(ag, s, REQ_DATA);
	} else if (ag->cfg.heartbeat_ms > 0 && s->next_heartbeat_ms <= now) {
		s->next_heartbeat_ms = now + ag->cfg.heartbeat_ms;
		srv_start(ag, s, REQ_HEARTBEAT);
	}
	if (s->phase != SRV_IDLE) {
		return agent_min_deadline(next, s->deadline_ms);
	}
	if (s->retry_ms > now) {
		return agent_min_deadline(next, s->retry_ms);
	}
	next = agent_min_deadline(next, s->next_refresh_ms);
	next = agent_min_deadline(next, s->have_list ? send_at : -1);
	if (ag->cfg.heartbeat_ms > 0) {
		next = agent_min_deadline(next, s->next_heartbeat_ms);
	}
	return next;
}

int64_t
agent_active_timers(struct agent *ag, int64_t now_ms)
{
	int64_t next = -1;

	for (int i = 0; i < ag->nservers; i++) {
		next = agent_min_deadline(next, srv_timers(ag, &ag->servers[i],
		    now_ms));
	}
	return next;
}

int
agent_active_start(struct agent *ag)
{
	int n = 0;

	for (char **p = ag->cfg.server_active; p != NULL && *p != NULL; p++) {
		n++;
	}
	if (n == 0) {
		return 0;
	}
	ag->servers = calloc((size_t)n, sizeof(*ag->servers));
	if (ag->servers == NULL) {
		return -1;
	}
	for (char **p = ag->cfg.server_active; *p != NULL; p++) {
		struct active_server *s = &ag->servers[ag->nservers];

		if (agent_split_hostport(*p, s->host, sizeof(s->host), &s->port,
		    10051) == -1) {
			vlog_warn("server_active '%.100s' is not host[:port]: "
			    "ignored", *p);
			continue;
		}
		s->io.fd = -1;
		s->io.cb = srv_event;
		s->vcap = ag->cfg.buffer_size;
		s->vals = calloc((size_t)s->vcap, sizeof(*s->vals));
		if (s->vals == NULL) {
			return -1;
		}
		s->next_heartbeat_ms = clock_mono_ms() + ag->cfg.heartbeat_ms;
		ag->nservers++;
	}
	return 0;
}

void
agent_active_stop(struct agent *ag)
{
	for (int i = 0; i < ag->nservers; i++) {
		struct active_server *s = &ag->servers[i];

		srv_close(ag, s);
		for (int k = 0; k < s->nitems; k++) {
			item_free(ag, s->items[k]);
		}
		free(s->items);
		while (s->nvals > 0) {
			drop_oldest(s);
		}
		free(s->vals);
		buf_free(&s->out);
		buf_free(&s->in);
	}
	free(ag->servers);
	ag->servers = NULL;
	ag->nservers = 0;
}
