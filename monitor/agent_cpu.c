/* SPDX-License-Identifier: ISC */
/*
 * The CPU collector behind system.cpu.util: /proc/stat is sampled once a
 * second into a ring of 61 samples (avg1) and every 15 s into another
 * (avg5, avg15), so 15 minutes of history cost a few kilobytes instead of
 * zabbix_agentd's 901 samples. Owns the sample memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "monitor/agent_int.h"

#define CPU_MAX		256
#define COARSE_STEP_MS	15000

enum { ST_USER, ST_SYSTEM, ST_NICE, ST_IDLE, ST_INTERRUPT, ST_IOWAIT,
	ST_SOFTIRQ, ST_STEAL, ST_GUEST, ST_GUEST_NICE };

static size_t
sample_words(const struct cpu_collector *c)
{
	return ((size_t)c->ncpu + 1) * CPU_STATES;
}

int
agent_cpu_init(struct agent *ag)
{
	struct cpu_collector *c = &ag->cpu;
	int n = agent_cpu_online(ag);
	char tmp[64];

	/* Columns for every CPU that may come online: "possible". */
	if (agent_read_file(ag, "/sys/devices/system/cpu/possible", tmp,
	    sizeof(tmp), NULL) == 0) {
		char *dash = strrchr(tmp, '-');

		if (dash != NULL && atoi(dash + 1) + 1 > n) {
			n = atoi(dash + 1) + 1;
		}
	}
	if (n <= 0) {
		n = 1;
	}
	c->ncpu = n > CPU_MAX ? CPU_MAX : n;
	for (int i = 0; i < CPU_FINE_SLOTS; i++) {
		c->fine[i].v = calloc(sample_words(c), sizeof(uint64_t));
		if (c->fine[i].v == NULL) {
			return -1;
		}
	}
	for (int i = 0; i < CPU_COARSE_SLOTS; i++) {
		c->coarse[i].v = calloc(sample_words(c), sizeof(uint64_t));
		if (c->coarse[i].v == NULL) {
			return -1;
		}
	}
	c->online = calloc((size_t)c->ncpu + 1, sizeof(bool));
	c->started = c->online != NULL;
	return c->started ? 0 : -1;
}

void
agent_cpu_free(struct agent *ag)
{
	struct cpu_collector *c = &ag->cpu;

	for (int i = 0; i < CPU_FINE_SLOTS; i++) {
		free(c->fine[i].v);
	}
	for (int i = 0; i < CPU_COARSE_SLOTS; i++) {
		free(c->coarse[i].v);
	}
	free(c->online);
	memset(c, 0, sizeof(*c));
}

/* Parses one "cpu..." line of /proc/stat into 10 counters. */
static int
parse_cpu_line(const char *line, uint64_t *v)
{
	uint64_t f[10] = { 0 };

	if (sscanf(line, "%*s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
	    " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
	    " %" SCNu64, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6],
	    &f[7], &f[8], &f[9]) < 4) {
		return -1;
	}
	/* Linux counts guest time in user and nice time too. */
	v[ST_USER] = f[0] - (f[8] <= f[0] ? f[8] : 0);
	v[ST_NICE] = f[1] - (f[9] <= f[1] ? f[9] : 0);
	v[ST_SYSTEM] = f[2];
	v[ST_IDLE] = f[3];
	v[ST_IOWAIT] = f[4];
	v[ST_INTERRUPT] = f[5];
	v[ST_SOFTIRQ] = f[6];
	v[ST_STEAL] = f[7];
	v[ST_GUEST] = f[8];
	v[ST_GUEST_NICE] = f[9];
	return 0;
}

/* Reads /proc/stat into sample s. */
static int
read_sample(struct agent *ag, struct cpu_sample *s, int64_t now_ms)
{
	struct cpu_collector *c = &ag->cpu;
	char text[16384], *line, *save = NULL;

	if (agent_read_file(ag, "/proc/stat", text, sizeof(text), NULL) == -1) {
		return -1;
	}
	memset(c->online, 0, ((size_t)c->ncpu + 1) * sizeof(bool));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		int idx;

		if (strncmp(line, "cpu", 3) != 0) {
			break;	/* the cpu lines come first */
		}
		idx = line[3] == ' ' ? 0 : atoi(line + 3) + 1;
		if (idx > c->ncpu || parse_cpu_line(line,
		    s->v + (size_t)idx * CPU_STATES) == -1) {
			continue;
		}
		c->online[idx] = true;
	}
	s->t_ms = now_ms;
	return 0;
}

void
agent_cpu_tick(struct agent *ag, int64_t now_ms)
{
	struct cpu_collector *c = &ag->cpu;
	struct cpu_sample *s;

	if (!c->started || now_ms < c->next_ms) {
		return;
	}
	c->next_ms = now_ms + 1000;
	c->fine_at = (c->fine_at + 1) % CPU_FINE_SLOTS;
	s = &c->fine[c->fine_at];
	if (read_sample(ag, s, now_ms) == -1) {
		return;
	}
	if (c->fine_n < CPU_FINE_SLOTS) {
		c->fine_n++;
	}
	if (c->coarse_n == 0 || now_ms - c->last_coarse_ms >= COARSE_STEP_MS) {
		c->coarse_at = (c->coarse_at + 1) % CPU_COARSE_SLOTS;
		memcpy(c->coarse[c->coarse_at].v, s->v,
		    sample_words(c) * sizeof(uint64_t));
		c->coarse[c->coarse_at].t_ms = now_ms;
		c->last_coarse_ms = now_ms;
		if (c->coarse_n < CPU_COARSE_SLOTS) {
			c->coarse_n++;
		}
	}
}

/* The newest sample at least window_ms older than the newest one, or
 * the oldest there is. */
static const struct cpu_sample *
sample_before(const struct cpu_sample *ring, int slots, int n, int at,
    int64_t limit_ms)
{
	const struct cpu_sample *best = NULL;

	for (int k = 0; k < n; k++) {
		const struct cpu_sample *s = &ring[(at - k + slots) % slots];

		best = s;
		if (s->t_ms <= limit_ms) {
			break;
		}
	}
	return best;
}

static int
parse_util_params(const struct zbx_key *key, int ncpu, int *cpu, int *state,
    int64_t *window_ms, struct agent_result *res)
{
	static const char *const states[] = { "user", "system", "nice", "idle",
		"interrupt", "iowait", "softirq", "steal", "guest",
		"guest_nice" };
	const char *p0 = zbx_key_param(key, 0), *p1 = zbx_key_param(key, 1);
	const char *p2 = zbx_key_param(key, 2);
	char *end;
	long n;

	if (*p0 == '\0' || strcmp(p0, "all") == 0) {
		*cpu = 0;
	} else {
		errno = 0;
		n = strtol(p0, &end, 10);
		if (errno != 0 || *end != '\0' || n < 0) {
			agent_set_error(res, "Invalid first parameter.");
			return -1;
		}
		if (n >= ncpu) {
			agent_set_error(res, "Cannot obtain CPU information.");
			return -1;
		}
		*cpu = (int)n + 1;
	}
	*state = *p1 == '\0' ? ST_USER : -1;
	for (int i = 0; *state == -1 && i < CPU_STATES; i++) {
		if (strcmp(p1, states[i]) == 0) {
			*state = i;
		}
	}
	if (*state == -1) {
		agent_set_error(res, "Invalid second parameter.");
		return -1;
	}
	if (*p2 == '\0' || strcmp(p2, "avg1") == 0) {
		*window_ms = 60000;
	} else if (strcmp(p2, "avg5") == 0) {
		*window_ms = 300000;
	} else if (strcmp(p2, "avg15") == 0) {
		*window_ms = 900000;
	} else {
		agent_set_error(res, "Invalid third parameter.");
		return -1;
	}
	return 0;
}

void
m_system_cpu_util(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	struct cpu_collector *c = &ag->cpu;
	const struct cpu_sample *now, *then;
	int cpu, state;
	int64_t window_ms;
	uint64_t d_total = 0, d_state;

	if (key->nparams > 3) {
		agent_set_error(res, "Too many parameters.");
		return;
	}
	if (!c->started || c->fine_n == 0) {
		agent_set_error(res, "Collector is not started.");
		return;
	}
	if (parse_util_params(key, c->ncpu, &cpu, &state, &window_ms,
	    res) == -1) {
		return;
	}
	if (!c->online[cpu]) {
		agent_set_error(res, "Cannot obtain CPU information.");
		return;
	}
	now = &c->fine[c->fine_at];
	if (window_ms <= 60000 || c->coarse_n < 2) {
		then = sample_before(c->fine, CPU_FINE_SLOTS, c->fine_n,
		    c->fine_at, now->t_ms - window_ms);
	} else {
		then = sample_before(c->coarse, CPU_COARSE_SLOTS, c->coarse_n,
		    c->coarse_at, now->t_ms - window_ms);
	}
	for (int i = 0; i < CPU_STATES; i++) {
		size_t k = (size_t)cpu * CPU_STATES + (size_t)i;

		d_total += now->v[k] - then->v[k];
	}
	d_state = now->v[(size_t)cpu * CPU_STATES + (size_t)state] -
	    then->v[(size_t)cpu * CPU_STATES + (size_t)state];
	agent_set_dbl(res, d_total == 0 ? 0 : 100.0 * d_state / d_total);
}
