/* SPDX-License-Identifier: ISC */
/*
 * The CPU collector behind system.cpu.util: /proc/stat is sampled once a
 * second into a ring of 61 samples (avg1) and every 15 s into another
 * (avg5, avg15), so 15 minutes of history cost a few kilobytes instead of
 * zabbix_agentd's 901 samples. It runs only while asked: the first request
 * wakes it (a sample then, the next one CPU_FIRST_MS later, which that
 * request waits for), and after CPU_IDLE_STOP_MS without a request it
 * frees its samples and stops, so that an idle agent has no timer at all.
 * Owns the samples and the requests waiting for the second one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "monitor/agent_int.h"

#define CPU_MAX		256
#define COARSE_STEP_MS	15000

enum { ST_USER, ST_SYSTEM, ST_NICE, ST_IDLE, ST_INTERRUPT, ST_IOWAIT,
	ST_SOFTIRQ, ST_STEAL, ST_GUEST, ST_GUEST_NICE };

/* What a request asks for. */
struct cpu_query {
	int cpu;		/* 0: all, else the cpu's number + 1 */
	int state;
	int64_t window_ms;
};

/* A request that waits for the collector's second sample. */
struct cpu_wait {
	struct cpu_wait *next;
	struct agent_job *job;
	struct cpu_query q;
};

static size_t
sample_words(const struct cpu_collector *c)
{
	return ((size_t)c->ncpu + 1) * CPU_STATES;
}

void
agent_cpu_init(struct agent *ag)
{
	struct cpu_collector *c = &ag->cpu;
	int n = agent_cpu_online(ag);
	char tmp[64];

	memset(c, 0, sizeof(*c));
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
}

/* Frees the samples: the collector sleeps. */
static void
cpu_sleep(struct cpu_collector *c)
{
	free(c->mem);
	free(c->online);
	c->mem = NULL;
	c->online = NULL;
	c->running = false;
	c->fine_n = c->fine_at = c->coarse_n = c->coarse_at = 0;
}

/* The samples, in one block; -1 without memory. */
static int
cpu_alloc(struct cpu_collector *c)
{
	size_t words = sample_words(c);

	c->mem = calloc((CPU_FINE_SLOTS + CPU_COARSE_SLOTS) * words,
	    sizeof(uint64_t));
	c->online = calloc((size_t)c->ncpu + 1, sizeof(bool));
	if (c->mem == NULL || c->online == NULL) {
		cpu_sleep(c);
		return -1;
	}
	for (int i = 0; i < CPU_FINE_SLOTS; i++) {
		c->fine[i].v = c->mem + (size_t)i * words;
	}
	for (int i = 0; i < CPU_COARSE_SLOTS; i++) {
		c->coarse[i].v = c->mem + (size_t)(CPU_FINE_SLOTS + i) * words;
	}
	return 0;
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

/* Takes a sample into the rings (a failed read takes none). */
static void
cpu_sample(struct agent *ag, int64_t now_ms)
{
	struct cpu_collector *c = &ag->cpu;
	int at = (c->fine_at + 1) % CPU_FINE_SLOTS;

	if (read_sample(ag, &c->fine[at], now_ms) == -1) {
		return;
	}
	c->fine_at = at;
	if (c->fine_n < CPU_FINE_SLOTS) {
		c->fine_n++;
	}
	if (c->coarse_n == 0 || now_ms - c->last_coarse_ms >= COARSE_STEP_MS) {
		c->coarse_at = (c->coarse_at + 1) % CPU_COARSE_SLOTS;
		memcpy(c->coarse[c->coarse_at].v, c->fine[at].v,
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
parse_util_params(const struct zbx_key *key, int ncpu, struct cpu_query *q,
    struct agent_result *res)
{
	static const char *const states[] = { "user", "system", "nice", "idle",
		"interrupt", "iowait", "softirq", "steal", "guest",
		"guest_nice" };
	const char *p0 = zbx_key_param(key, 0), *p1 = zbx_key_param(key, 1);
	const char *p2 = zbx_key_param(key, 2);
	char *end;
	long n;

	if (*p0 == '\0' || strcmp(p0, "all") == 0) {
		q->cpu = 0;
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
		q->cpu = (int)n + 1;
	}
	q->state = *p1 == '\0' ? ST_USER : -1;
	for (int i = 0; q->state == -1 && i < CPU_STATES; i++) {
		if (strcmp(p1, states[i]) == 0) {
			q->state = i;
		}
	}
	if (q->state == -1) {
		agent_set_error(res, "Invalid second parameter.");
		return -1;
	}
	if (*p2 == '\0' || strcmp(p2, "avg1") == 0) {
		q->window_ms = 60000;
	} else if (strcmp(p2, "avg5") == 0) {
		q->window_ms = 300000;
	} else if (strcmp(p2, "avg15") == 0) {
		q->window_ms = 900000;
	} else {
		agent_set_error(res, "Invalid third parameter.");
		return -1;
	}
	return 0;
}

/* The answer to q from the samples there are: from the newest back to
 * the one that opens the window, or the oldest there is. */
static void
cpu_answer(const struct cpu_collector *c, const struct cpu_query *q,
    struct agent_result *res)
{
	const struct cpu_sample *now, *then;
	uint64_t d_total = 0, d_state;
	size_t col = (size_t)q->cpu * CPU_STATES;

	if (!c->running || c->fine_n < 2 || !c->online[q->cpu]) {
		agent_set_error(res, "Cannot obtain CPU information.");
		return;
	}
	now = &c->fine[c->fine_at];
	if (q->window_ms <= 60000 || c->coarse_n < 2) {
		then = sample_before(c->fine, CPU_FINE_SLOTS, c->fine_n,
		    c->fine_at, now->t_ms - q->window_ms);
	} else {
		then = sample_before(c->coarse, CPU_COARSE_SLOTS, c->coarse_n,
		    c->coarse_at, now->t_ms - q->window_ms);
	}
	for (int i = 0; i < CPU_STATES; i++) {
		d_total += now->v[col + (size_t)i] - then->v[col + (size_t)i];
	}
	d_state = now->v[col + (size_t)q->state] - then->v[col +
	    (size_t)q->state];
	agent_set_dbl(res, d_total == 0 ? 0 : 100.0 * d_state / d_total);
}

/* Answers every waiting request: from the samples, or with why. */
static void
cpu_flush(struct agent *ag, const char *why)
{
	struct cpu_wait *w;

	while ((w = ag->cpu.waits) != NULL) {
		struct agent_result res = { 0 };

		ag->cpu.waits = w->next;
		res.text = &ag->value;
		if (why != NULL) {
			agent_set_error(&res, "%s", why);
		} else {
			cpu_answer(&ag->cpu, &w->q, &res);
		}
		agent_job_complete(ag, w->job, res.error, buf_str(res.text),
		    res.text->len);
		free(w);
	}
}

/* Starts sampling: a sample now, the next one CPU_FIRST_MS later. */
static int
cpu_wake(struct agent *ag, int64_t now_ms)
{
	struct cpu_collector *c = &ag->cpu;

	if (cpu_alloc(c) == -1) {
		return -1;
	}
	c->running = true;
	c->wakeups++;
	cpu_sample(ag, now_ms);
	c->next_ms = now_ms + CPU_FIRST_MS;
	vlog_debug("CPU collector started: system.cpu.util was asked for");
	return 0;
}

int64_t
agent_cpu_timers(struct agent *ag, int64_t now_ms)
{
	struct cpu_collector *c = &ag->cpu;

	if (!c->running) {
		return -1;
	}
	if (now_ms < c->next_ms) {
		return c->next_ms;
	}
	if (now_ms - c->asked_ms > CPU_IDLE_STOP_MS) {
		vlog_debug("CPU collector stopped: system.cpu.util not asked "
		    "for %d minutes", CPU_IDLE_STOP_MS / 60000);
		cpu_sleep(c);
		cpu_flush(ag, "Cannot obtain CPU information.");
		return -1;
	}
	cpu_sample(ag, now_ms);
	c->next_ms = now_ms + 1000;
	cpu_flush(ag, NULL);
	return c->next_ms;
}

void
agent_cpu_free(struct agent *ag)
{
	cpu_flush(ag, "The agent is stopping.");
	cpu_sleep(&ag->cpu);
}

/*
 * system.cpu.util[<cpu>,<state>,<mode>]. A request that finds the
 * collector asleep wakes it and, when it can wait, gets its answer with
 * the second sample, CPU_FIRST_MS later: so the first answers after a
 * pause cover less than their window (0.5 s, then the time since the
 * wake-up until the window is full). The waits are bounded by the
 * connection cap and the active items.
 */
void
m_system_cpu_util(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	struct cpu_collector *c = &ag->cpu;
	int64_t now = clock_mono_ms();
	struct cpu_query q;
	struct cpu_wait *w;

	if (key->nparams > 3) {
		agent_set_error(res, "Too many parameters.");
		return;
	}
	if (parse_util_params(key, c->ncpu, &q, res) == -1) {
		return;
	}
	c->asked_ms = now;
	if (!c->running && cpu_wake(ag, now) == -1) {
		agent_set_error(res, "Cannot allocate memory.");
		return;
	}
	if (c->fine_n >= 2) {
		cpu_answer(c, &q, res);
		return;
	}
	/* zabbix_agentd's words for a collector without data. */
	if (res->waiter == NULL || (w = calloc(1, sizeof(*w))) == NULL) {
		agent_set_error(res, "Collector is not started.");
		return;
	}
	w->job = agent_job_external(ag, res->waiter);
	if (w->job == NULL) {
		free(w);
		agent_set_error(res, "Cannot allocate memory.");
		return;
	}
	w->q = q;
	w->next = c->waits;
	c->waits = w;
	res->pending = true;
}
