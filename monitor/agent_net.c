/* SPDX-License-Identifier: ISC */
/*
 * Network metrics: net.if.* from /proc/net/dev, net.tcp.listen and
 * net.udp.listen from /proc/net/{tcp,udp}{,6}, and net.tcp.port, whose
 * connect runs as a job so that a slow peer never holds the loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/agent_int.h"

/* Columns of /proc/net/dev: 0-7 receive, 8-15 transmit. */
enum { RX_BYTES, RX_PACKETS, RX_ERRS, RX_DROP, RX_FIFO, RX_FRAME,
	RX_COMPRESSED, RX_MULTICAST, TX_BYTES, TX_PACKETS, TX_ERRS, TX_DROP,
	TX_FIFO, TX_COLLS, TX_CARRIER, TX_COMPRESSED, NET_COLS };

/* Reads the counters of interface name. 0, or -1 when it is absent. */
static int
if_counters(struct agent *ag, const char *name, uint64_t *v)
{
	char path[512], line[512];
	int rc = -1;
	FILE *f;

	f = fopen(agent_path(ag, path, sizeof(path), "/proc/net/dev"), "re");
	if (f == NULL) {
		return -1;
	}
	while (rc == -1 && fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':'), *p = line;

		if (colon == NULL) {
			continue;
		}
		*colon = '\0';
		while (*p == ' ') {
			p++;
		}
		if (strcmp(p, name) != 0) {
			continue;
		}
		p = colon + 1;
		rc = 0;
		for (int i = 0; i < NET_COLS; i++) {
			char *end;

			v[i] = strtoull(p, &end, 10);
			if (end == p) {
				rc = -1;
				break;
			}
			p = end;
		}
	}
	(void)fclose(f);	/* read-only */
	return rc;
}

struct if_mode {
	const char *name;
	int in;		/* column, -1: none */
	int out;
};

static const struct if_mode if_modes[] = {
	{ "bytes", RX_BYTES, TX_BYTES },
	{ "packets", RX_PACKETS, TX_PACKETS },
	{ "errors", RX_ERRS, TX_ERRS },
	{ "dropped", RX_DROP, TX_DROP },
	{ "overruns", RX_FIFO, TX_FIFO },
	{ "frame", RX_FRAME, -1 },
	{ "compressed", RX_COMPRESSED, TX_COMPRESSED },
	{ "multicast", RX_MULTICAST, -1 },
	{ "collisions", -1, TX_COLLS },
	{ "carrier", -1, TX_CARRIER },
};

/* dir: 1 in, 2 out, 3 both. */
static void
net_if(struct agent *ag, const struct zbx_key *key, struct agent_result *res,
    int dir)
{
	const char *name = zbx_key_param(key, 0), *mode = zbx_key_param(key, 1);
	const struct if_mode *m = NULL;
	uint64_t v[NET_COLS], sum = 0;

	if (agent_too_many(key, 2, res)) {
		return;
	}
	if (*name == '\0') {
		agent_set_error(res, "Network interface name cannot be empty.");
		return;
	}
	if (*mode == '\0') {
		mode = "bytes";
	}
	for (size_t i = 0; i < sizeof(if_modes) / sizeof(if_modes[0]); i++) {
		if (strcmp(mode, if_modes[i].name) == 0) {
			m = &if_modes[i];
		}
	}
	if (m == NULL || ((dir & 1) != 0 && m->in < 0) ||
	    ((dir & 2) != 0 && m->out < 0)) {
		agent_set_error(res, "Invalid second parameter.");
		return;
	}
	if (if_counters(ag, name, v) == -1) {
		agent_set_error(res, "Cannot find information for this network "
		    "interface in /proc/net/dev.");
		return;
	}
	if ((dir & 1) != 0) {
		sum += v[m->in];
	}
	if ((dir & 2) != 0) {
		sum += v[m->out];
	}
	agent_set_uint(res, sum);
}

void
m_net_if_in(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	net_if(ag, key, res, 1);
}

void
m_net_if_out(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	net_if(ag, key, res, 2);
}

void
m_net_if_total(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	net_if(ag, key, res, 3);
}

void
m_net_if_discovery(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	char path[512], line[512];
	bool first = true;
	FILE *f;

	(void)key;
	f = fopen(agent_path(ag, path, sizeof(path), "/proc/net/dev"), "re");
	if (f == NULL) {
		agent_set_error(res, "Cannot open /proc/net/dev: %s",
		    strerror(errno));
		return;
	}
	buf_reset(res->text);
	buf_add(res->text, "[", 1);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':'), *p = line;

		if (colon == NULL) {
			continue;
		}
		*colon = '\0';
		while (*p == ' ') {
			p++;
		}
		buf_adds(res->text, first ? "{\"{#IFNAME}\":" : ",{\"{#IFNAME}\":");
		buf_add_json_str(res->text, p);
		buf_add(res->text, "}", 1);
		first = false;
	}
	(void)fclose(f);	/* read-only */
	buf_add(res->text, "]", 1);
	res->error = false;
}

/* A port number 1..65535, or -1. */
static int
parse_port(const char *s)
{
	char *end;
	long v;

	if (*s == '\0') {
		return -1;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535) {
		return -1;
	}
	return (int)v;
}

/* True when a socket of file (under root) has local port and state. */
static bool
port_in_table(struct agent *ag, const char *file, int port, unsigned state)
{
	char path[512], line[512];
	unsigned lport, st;
	bool found = false;
	FILE *f;

	f = fopen(agent_path(ag, path, sizeof(path), "%s", file), "re");
	if (f == NULL) {
		return false;
	}
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');

		/* "sl: local_hex:port rem_hex:port st ..." */
		if (colon == NULL || (colon = strchr(colon + 1, ':')) == NULL ||
		    sscanf(colon + 1, "%x %*s %x", &lport, &st) != 2) {
			continue;
		}
		found = (int)lport == port && st == state;
	}
	(void)fclose(f);	/* read-only */
	return found;
}

static void
net_listen(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res, bool tcp)
{
	int port;

	if (agent_too_many(key, 1, res)) {
		return;
	}
	port = parse_port(zbx_key_param(key, 0));
	if (port < 0) {
		agent_set_error(res, "Invalid first parameter.");
		return;
	}
	if (tcp) {
		/* 0A: TCP_LISTEN */
		agent_set_uint(res, port_in_table(ag, "/proc/net/tcp", port,
		    0x0a) || port_in_table(ag, "/proc/net/tcp6", port, 0x0a));
	} else {
		/* 07: TCP_CLOSE, an unconnected UDP socket */
		agent_set_uint(res, port_in_table(ag, "/proc/net/udp", port,
		    0x07) || port_in_table(ag, "/proc/net/udp6", port, 0x07));
	}
}

void
m_net_tcp_listen(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	net_listen(ag, key, res, true);
}

void
m_net_udp_listen(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	net_listen(ag, key, res, false);
}

void
m_net_tcp_port(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	const char *ip = zbx_key_param(key, 0);
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int port;

	if (agent_too_many(key, 2, res)) {
		return;
	}
	port = parse_port(zbx_key_param(key, 1));
	if (port < 0) {
		agent_set_error(res, "Invalid second parameter.");
		return;
	}
	if (*ip == '\0' || strcmp(ip, "localhost") == 0) {
		ip = "127.0.0.1";
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		len = sizeof(*s6);
	} else if (agent_resolved(ag, ip, &ss, 1) > 0) {
		len = ss.ss_family == AF_INET ? sizeof(*s4) : sizeof(*s6);
		if (ss.ss_family == AF_INET) {
			s4->sin_port = htons((uint16_t)port);
		} else {
			s6->sin6_port = htons((uint16_t)port);
		}
	} else {
		/* XXX names other than the configured servers' are not
		 * resolved: resolving would block the loop. */
		agent_set_uint(res, 0);
		return;
	}
	if (res->waiter == NULL || agent_job_connect(ag,
	    (struct sockaddr *)&ss, len, ag->cfg.timeout_ms, res->waiter) == -1) {
		agent_set_uint(res, 0);
		return;
	}
	res->pending = true;
}
