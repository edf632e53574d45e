/* SPDX-License-Identifier: ISC */
/*
 * What zabbix_agentd cannot tell about a container: its cgroup's memory
 * and CPU (v1 or v2), and vcinit's view of its services, read from the
 * control socket (`status --json`, docs/control.md). The status document
 * is fetched without blocking and kept for a second, so a discovery and
 * its items cost one request. Owns the cache and the pending requests.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "monitor/agent_int.h"
#include "monitor/agent_json.h"

#define CTL_CACHE_MS	1000
#define CTL_REPLY_MAX	(1024 * 1024)
#define UNLIMITED_V1	(1ULL << 62)	/* v1 writes "no limit" as ~2^63 */

/* --- cgroups ------------------------------------------------------ */

/* The folder of our cgroup for a v1 controller (NULL: v2). */
static int
cgroup_dir(struct agent *ag, const char *controller, char *out, size_t outlen)
{
	char text[4096], rel[1024] = "/", probe[1200];
	char *line, *save = NULL;
	struct stat st;
	bool v2;

	v2 = stat(agent_path(ag, probe, sizeof(probe),
	    "/sys/fs/cgroup/cgroup.controllers"), &st) == 0;
	if (agent_read_file(ag, "/proc/self/cgroup", text, sizeof(text),
	    NULL) == 0) {
		for (line = strtok_r(text, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			char *c1 = strchr(line, ':'), *c2;

			if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL) {
				continue;
			}
			*c2 = '\0';
			if ((v2 && c1[1] == '\0') || (!v2 &&
			    strstr(c1 + 1, controller) != NULL)) {
				snprintf(rel, sizeof(rel), "%s", c2 + 1);
				break;
			}
		}
	}
	if (v2) {
		agent_path(ag, out, outlen, "/sys/fs/cgroup%s", rel);
	} else {
		agent_path(ag, out, outlen, "/sys/fs/cgroup/%s%s",
		    strcmp(controller, "cpu") == 0 ? "cpu,cpuacct" : controller,
		    rel);
		if (stat(out, &st) == -1 && strcmp(controller, "cpu") == 0) {
			agent_path(ag, out, outlen, "/sys/fs/cgroup/cpu%s", rel);
		}
	}
	/* Inside a cgroup namespace the path may not exist as written. */
	if (stat(out, &st) == -1) {
		agent_path(ag, out, outlen, v2 ? "/sys/fs/cgroup" :
		    "/sys/fs/cgroup/%s", strcmp(controller, "cpu") == 0 ?
		    "cpu,cpuacct" : controller);
	}
	return v2 ? 2 : 1;
}

/* Reads dir/file (an absolute path already rooted). */
static int
cg_read(const char *dir, const char *file, char *out, size_t outlen)
{
	char path[1400];
	struct agent plain = { .root = "" };

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return agent_read_file(&plain, path, out, outlen, NULL);
}

static int
cg_u64(const char *dir, const char *file, uint64_t *v)
{
	char tmp[64];

	if (cg_read(dir, file, tmp, sizeof(tmp)) == -1 ||
	    sscanf(tmp, "%" SCNu64, v) != 1) {
		return -1;
	}
	return 0;
}

/* A "name value" field of a file such as cpu.stat. */
static int
cg_field(const char *dir, const char *file, const char *name, uint64_t *v)
{
	char text[2048], *p = text;
	size_t n = strlen(name);

	if (cg_read(dir, file, text, sizeof(text)) == -1) {
		return -1;
	}
	while ((p = strstr(p, name)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ') {
			return sscanf(p + n + 1, "%" SCNu64, v) == 1 ? 0 : -1;
		}
		p += n;
	}
	return -1;
}

static uint64_t
mem_total(struct agent *ag)
{
	char text[512], *p;
	uint64_t kb = 0;

	if (agent_read_file(ag, "/proc/meminfo", text, sizeof(text), NULL) == 0 &&
	    (p = strstr(text, "MemTotal:")) != NULL) {
		(void)sscanf(p + 9, "%" SCNu64, &kb);
	}
	return kb * 1024;
}

static int
cg_mem_limit(struct agent *ag, const char *dir, int ver, uint64_t *v)
{
	char tmp[64];

	if (ver == 2) {
		if (cg_read(dir, "memory.max", tmp, sizeof(tmp)) == -1) {
			return -1;
		}
		if (strncmp(tmp, "max", 3) == 0) {
			*v = mem_total(ag);
			return 0;
		}
		return sscanf(tmp, "%" SCNu64, v) == 1 ? 0 : -1;
	}
	if (cg_u64(dir, "memory.limit_in_bytes", v) == -1) {
		return -1;
	}
	if (*v >= UNLIMITED_V1) {
		*v = mem_total(ag);
	}
	return 0;
}

void
m_vcore_cgroup_memory(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	const char *mode = zbx_key_param(key, 0);
	char dir[1200];
	uint64_t usage, limit;
	int ver;

	if (key->nparams > 1) {
		agent_set_error(res, "Too many parameters.");
		return;
	}
	if (*mode != '\0' && strcmp(mode, "usage") != 0 &&
	    strcmp(mode, "limit") != 0 && strcmp(mode, "pused") != 0) {
		agent_set_error(res, "Invalid first parameter.");
		return;
	}
	ver = cgroup_dir(ag, "memory", dir, sizeof(dir));
	if (cg_u64(dir, ver == 2 ? "memory.current" : "memory.usage_in_bytes",
	    &usage) == -1 || cg_mem_limit(ag, dir, ver, &limit) == -1) {
		agent_set_error(res, "Cannot obtain cgroup memory information "
		    "from %s.", dir);
		return;
	}
	if (strcmp(mode, "limit") == 0) {
		agent_set_uint(res, limit);
	} else if (strcmp(mode, "pused") == 0) {
		agent_set_dbl(res, limit != 0 ? 100.0 * usage / limit : 0);
	} else {
		agent_set_uint(res, usage);
	}
}

/* CPUs the cgroup may use: quota / period, or every online CPU. */
static int
cg_cpu_quota(struct agent *ag, const char *dir, int ver, double *cpus)
{
	char tmp[128];
	int64_t quota = -1, period = 100000;

	if (ver == 2) {
		if (cg_read(dir, "cpu.max", tmp, sizeof(tmp)) == -1) {
			return -1;
		}
		if (strncmp(tmp, "max", 3) != 0 && sscanf(tmp, "%" SCNd64
		    " %" SCNd64, &quota, &period) != 2) {
			return -1;
		}
	} else if (cg_read(dir, "cpu.cfs_quota_us", tmp, sizeof(tmp)) == -1 ||
	    sscanf(tmp, "%" SCNd64, &quota) != 1 ||
	    cg_read(dir, "cpu.cfs_period_us", tmp, sizeof(tmp)) == -1 ||
	    sscanf(tmp, "%" SCNd64, &period) != 1) {
		return -1;
	}
	if (quota <= 0 || period <= 0) {
		*cpus = agent_cpu_online(ag);
		return *cpus > 0 ? 0 : -1;
	}
	*cpus = (double)quota / (double)period;
	return 0;
}

void
m_vcore_cgroup_cpu(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	const char *mode = zbx_key_param(key, 0);
	char dir[1200];
	uint64_t v;
	double d;
	int ver, rc;

	if (key->nparams > 1) {
		agent_set_error(res, "Too many parameters.");
		return;
	}
	ver = cgroup_dir(ag, "cpu", dir, sizeof(dir));
	if (strcmp(mode, "quota") == 0) {
		rc = cg_cpu_quota(ag, dir, ver, &d);
	} else if (*mode == '\0' || strcmp(mode, "usage") == 0) {
		rc = ver == 2 ? cg_field(dir, "cpu.stat", "usage_usec", &v) :
		    cg_u64(dir, "cpuacct.usage", &v);
		d = ver == 2 ? v / 1e6 : v / 1e9;
	} else if (strcmp(mode, "throttled") == 0) {
		rc = ver == 2 ? cg_field(dir, "cpu.stat", "throttled_usec", &v) :
		    cg_field(dir, "cpu.stat", "throttled_time", &v);
		d = ver == 2 ? v / 1e6 : v / 1e9;
	} else {
		agent_set_error(res, "Invalid first parameter.");
		return;
	}
	if (rc == -1) {
		agent_set_error(res, "Cannot obtain cgroup CPU information "
		    "from %s.", dir);
		return;
	}
	agent_set_dbl(res, d);
}

/* --- vcinit's services ---------------------------------------------- */

enum ctl_what { CTL_DISCOVERY, CTL_STATE, CTL_RESTARTS, CTL_UPTIME };

struct ctl_req {
	struct ctl_req *next;
	struct agent_job *job;
	enum ctl_what what;
	char name[128];
};

struct ctl_cache {
	struct agent_io io;
	struct buf in;
	int64_t deadline_ms;	/* of the fetch in flight, or 0 */
	int64_t fetched_ms;	/* when doc was read, 0: no doc */
	char *doc;
	struct json_tok *toks;
	int ntoks;
	char error[256];	/* why the last fetch failed */
	struct ctl_req *reqs;
};

static struct ctl_cache *
ctl_get(struct agent *ag)
{
	if (ag->ctl == NULL) {
		ag->ctl = calloc(1, sizeof(*ag->ctl));
		if (ag->ctl != NULL) {
			ag->ctl->io.fd = -1;
		}
	}
	return ag->ctl;
}

/* The services array of the cached document, or -1. */
static int
ctl_services(struct ctl_cache *cc)
{
	int s = json_get(cc->doc, cc->toks, 0, "services");

	return s >= 0 && cc->toks[s].type == JSON_ARRAY ? s : -1;
}

static void
ctl_discovery(struct ctl_cache *cc, struct agent_result *res)
{
	int s = ctl_services(cc), e;
	char name[256], type[64];

	buf_reset(res->text);
	buf_add(res->text, "[", 1);
	e = s + 1;
	for (int i = 0; s >= 0 && i < cc->toks[s].size; i++) {
		if (json_string(cc->doc, cc->toks, json_get(cc->doc, cc->toks,
		    e, "name"), name, sizeof(name)) == 0) {
			if (json_string(cc->doc, cc->toks, json_get(cc->doc,
			    cc->toks, e, "type"), type, sizeof(type)) == -1) {
				type[0] = '\0';
			}
			buf_adds(res->text, i > 0 ? ",{\"{#SERVICE}\":" :
			    "{\"{#SERVICE}\":");
			buf_add_json_str(res->text, name);
			buf_adds(res->text, ",\"{#TYPE}\":");
			buf_add_json_str(res->text, type);
			buf_add(res->text, "}", 1);
		}
		e = cc->toks[e].next;
	}
	buf_add(res->text, "]", 1);
	res->error = false;
}

/* Answers one request from the cached document. */
static void
ctl_answer(struct ctl_cache *cc, enum ctl_what what, const char *name,
    struct agent_result *res)
{
	int s, e, v = -1;
	char text[128];
	int64_t n;

	if (cc->fetched_ms == 0 || (s = ctl_services(cc)) < 0) {
		agent_set_error(res, "%s", cc->error[0] != '\0' ? cc->error :
		    "Cannot read the service list from vcinit.");
		return;
	}
	if (what == CTL_DISCOVERY) {
		ctl_discovery(cc, res);
		return;
	}
	e = s + 1;
	for (int i = 0; i < cc->toks[s].size; i++, e = cc->toks[e].next) {
		if (json_eq(cc->doc, cc->toks, json_get(cc->doc, cc->toks, e,
		    "name"), name)) {
			v = e;
			break;
		}
	}
	if (v < 0) {
		agent_set_error(res, "Unknown service \"%.100s\".", name);
		return;
	}
	if (what == CTL_STATE) {
		if (json_string(cc->doc, cc->toks, json_get(cc->doc, cc->toks,
		    v, "state"), text, sizeof(text)) == -1) {
			agent_set_error(res, "No state in vcinit's reply.");
		} else {
			agent_set_str(res, text);
		}
		return;
	}
	if (json_int64(cc->doc, cc->toks, json_get(cc->doc, cc->toks, v,
	    what == CTL_RESTARTS ? "restarts" : "uptime_ms"), &n) == -1 ||
	    n < 0) {
		agent_set_error(res, "No %s in vcinit's reply.",
		    what == CTL_RESTARTS ? "restarts" : "uptime_ms");
		return;
	}
	agent_set_uint(res, what == CTL_RESTARTS ? (uint64_t)n :
	    (uint64_t)n / 1000);
}

static void
ctl_flush_reqs(struct agent *ag, struct ctl_cache *cc)
{
	struct ctl_req *r;

	while ((r = cc->reqs) != NULL) {
		struct agent_result res = { 0 };

		cc->reqs = r->next;
		res.text = &ag->value;
		ctl_answer(cc, r->what, r->name, &res);
		agent_job_complete(ag, r->job, res.error, buf_str(res.text),
		    res.text->len);
		free(r);
	}
}

/* Parses "JSON...\nok\n" into the cache. */
static void
ctl_parse(struct ctl_cache *cc, int64_t now_ms)
{
	char *text = cc->in.data, *last;
	size_t len = cc->in.len;
	int n;

	free(cc->doc);
	free(cc->toks);
	cc->doc = NULL;
	cc->toks = NULL;
	cc->fetched_ms = 0;
	while (len > 0 && text[len - 1] == '\n') {
		len--;
	}
	text[len] = '\0';
	last = strrchr(text, '\n');
	if (last == NULL || strcmp(last + 1, "ok") != 0) {
		char safe[160];

		snprintf(cc->error, sizeof(cc->error), "vcinit refused "
		    "status --json: %s", vlog_sanitize(safe, sizeof(safe),
		    last != NULL ? last + 1 : text, strlen(last != NULL ?
		    last + 1 : text)));
		return;
	}
	*last = '\0';
	n = json_parse(text, (size_t)(last - text), NULL, 0);
	if (n <= 0 || (cc->toks = calloc((size_t)n, sizeof(*cc->toks))) ==
	    NULL || json_parse(text, (size_t)(last - text), cc->toks, n) != n) {
		snprintf(cc->error, sizeof(cc->error), "vcinit's status "
		    "reply is not JSON.");
		free(cc->toks);
		cc->toks = NULL;
		return;
	}
	cc->doc = strdup(text);
	cc->ntoks = n;
	cc->fetched_ms = cc->doc != NULL ? now_ms : 0;
}

static void
ctl_end_fetch(struct agent *ag, struct ctl_cache *cc)
{
	if (cc->io.fd != -1) {
		agent_io_del(ag, &cc->io);
		fd_close(&cc->io.fd);
	}
	cc->deadline_ms = 0;
	buf_reset(&cc->in);
	ctl_flush_reqs(ag, cc);
}

static void
ctl_readable(struct agent *ag, struct agent_io *io, uint32_t events)
{
	struct ctl_cache *cc = (struct ctl_cache *)io;
	bool truncated = false;
	int rc;

	(void)events;
	rc = buf_read_fd(&cc->in, io->fd, CTL_REPLY_MAX, &truncated);
	if (rc == 0) {
		return;
	}
	if (rc == 1 && !truncated && !cc->in.failed) {
		ctl_parse(cc, clock_mono_ms());
	} else {
		snprintf(cc->error, sizeof(cc->error), "Cannot read vcinit's "
		    "reply: %s", rc == -1 ? strerror(errno) : "too long");
	}
	ctl_end_fetch(ag, cc);
}

/* Starts a fetch of `status --json`; errors are left in cc->error. */
static void
ctl_fetch(struct agent *ag, struct ctl_cache *cc)
{
	static const char req[] = "status --json\n";
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s",
	    ag->cfg.control_socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) !=
	    (ssize_t)(sizeof(req) - 1)) {
		snprintf(cc->error, sizeof(cc->error), "Cannot connect to "
		    "vcinit at %.120s: %s", ag->cfg.control_socket,
		    strerror(errno));
		if (fd != -1) {
			(void)close(fd);	/* never used */
		}
		cc->fetched_ms = 0;
		ctl_end_fetch(ag, cc);
		return;
	}
	cc->io.fd = fd;
	cc->io.cb = ctl_readable;
	cc->deadline_ms = clock_mono_ms() + ag->cfg.timeout_ms;
	if (agent_io_add(ag, &cc->io, EPOLLIN) == -1) {
		snprintf(cc->error, sizeof(cc->error), "Cannot watch the "
		    "control socket.");
		ctl_end_fetch(ag, cc);
	}
}

static void
ctl_request(struct agent *ag, enum ctl_what what, const struct zbx_key *key,
    struct agent_result *res)
{
	struct ctl_cache *cc = ctl_get(ag);
	const char *name = zbx_key_param(key, 0);
	struct ctl_req *r;
	int64_t now = clock_mono_ms();

	if (what != CTL_DISCOVERY) {
		if (key->nparams > 1) {
			agent_set_error(res, "Too many parameters.");
			return;
		}
		if (*name == '\0') {
			agent_set_error(res, "Invalid first parameter.");
			return;
		}
	}
	if (cc == NULL) {
		agent_set_error(res, "Cannot allocate memory.");
		return;
	}
	if (cc->fetched_ms != 0 && now - cc->fetched_ms < CTL_CACHE_MS) {
		ctl_answer(cc, what, name, res);
		return;
	}
	/* Started first: a fetch that fails at once answers at once. */
	if (cc->io.fd == -1) {
		ctl_fetch(ag, cc);
		if (cc->io.fd == -1) {
			ctl_answer(cc, what, name, res);
			return;
		}
	}
	if (res->waiter == NULL || (r = calloc(1, sizeof(*r))) == NULL) {
		agent_set_error(res, "Cannot ask vcinit from here.");
		return;
	}
	r->job = agent_job_external(ag, res->waiter);
	if (r->job == NULL) {
		free(r);
		agent_set_error(res, "Cannot allocate memory.");
		return;
	}
	r->what = what;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->next = cc->reqs;
	cc->reqs = r;
	res->pending = true;
}

void
m_vcore_service_discovery(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	ctl_request(ag, CTL_DISCOVERY, key, res);
}

void
m_vcore_service_state(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	ctl_request(ag, CTL_STATE, key, res);
}

void
m_vcore_service_restarts(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	ctl_request(ag, CTL_RESTARTS, key, res);
}

void
m_vcore_service_uptime(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	ctl_request(ag, CTL_UPTIME, key, res);
}

int64_t
agent_ctl_timers(struct agent *ag, int64_t now_ms)
{
	struct ctl_cache *cc = ag->ctl;

	if (cc == NULL || cc->deadline_ms == 0) {
		return -1;
	}
	if (cc->deadline_ms <= now_ms) {
		snprintf(cc->error, sizeof(cc->error), "vcinit did not answer "
		    "within the timeout.");
		cc->fetched_ms = 0;
		ctl_end_fetch(ag, cc);
		return -1;
	}
	return cc->deadline_ms;
}

void
agent_ctl_free(struct agent *ag)
{
	struct ctl_cache *cc = ag->ctl;

	if (cc == NULL) {
		return;
	}
	snprintf(cc->error, sizeof(cc->error), "The agent is stopping.");
	cc->fetched_ms = 0;
	ctl_end_fetch(ag, cc);
	buf_free(&cc->in);
	free(cc->doc);
	free(cc->toks);
	free(cc);
	ag->ctl = NULL;
}
