/* SPDX-License-Identifier: ISC */
/*
 * Metrics about the agent and the system: agent.*, system.uptime,
 * system.hostname, system.localtime, system.cpu.num, system.cpu.load,
 * vm.memory.size, kernel.*, proc.num. They read /proc and /sys under
 * ag->root, so tests point them at fixture files.
 */
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/agent_int.h"
#include "monitor/zbx_regex.h"

static const char *const ordinal[] = { "first", "second", "third", "fourth",
	"fifth", "sixth", "seventh", "eighth", "ninth" };

/* "Invalid Nth parameter." as zabbix_agentd words it (n from 0). */
static void
bad_param(struct agent_result *res, int n)
{
	agent_set_error(res, "Invalid %s parameter.", ordinal[n < 9 ? n : 8]);
}

void
m_agent_ping(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	(void)ag;
	(void)key;
	agent_set_str(res, "1");
}

void
m_agent_version(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	(void)ag;
	(void)key;
	agent_set_str(res, AGENT_VERSION);
}

void
m_agent_hostname(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	(void)key;
	agent_set_str(res, ag->cfg.hostname != NULL ? ag->cfg.hostname : "");
}

void
m_agent_variant(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	(void)ag;
	(void)key;
	agent_set_str(res, "1");	/* the C agent's variant */
}

void
m_agent_hostmetadata(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	(void)key;
	agent_set_str(res, ag->cfg.host_metadata != NULL ?
	    ag->cfg.host_metadata : "");
}

/* The first number of a file such as /proc/uptime. */
static int
read_u64(struct agent *ag, const char *path, uint64_t *v)
{
	char tmp[128];

	if (agent_read_file(ag, path, tmp, sizeof(tmp), NULL) == -1 ||
	    sscanf(tmp, "%" SCNu64, v) != 1) {
		return -1;
	}
	return 0;
}

void
m_system_uptime(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	uint64_t up;

	(void)key;
	if (read_u64(ag, "/proc/uptime", &up) == -1) {
		agent_set_error(res, "Cannot obtain system information: %s",
		    strerror(errno));
		return;
	}
	agent_set_uint(res, up);
}

void
m_system_boottime(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	char tmp[8192], *p;
	uint64_t bt;

	(void)key;
	if (agent_read_file(ag, "/proc/stat", tmp, sizeof(tmp), NULL) == -1 ||
	    (p = strstr(tmp, "\nbtime ")) == NULL ||
	    sscanf(p + 7, "%" SCNu64, &bt) != 1) {
		agent_set_error(res, "Cannot find a line with \"btime\" in "
		    "/proc/stat.");
		return;
	}
	agent_set_uint(res, bt);
}

void
m_system_hostname(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	const char *type = zbx_key_param(key, 0);
	const char *tr = zbx_key_param(key, 1);
	struct utsname u;
	char *dot;

	(void)ag;
	if (agent_too_many(key, 2, res)) {
		return;
	}
	if (*type != '\0' && strcmp(type, "host") != 0 &&
	    strcmp(type, "shorthost") != 0) {
		bad_param(res, 0);
		return;
	}
	if (*tr != '\0' && strcmp(tr, "none") != 0 && strcmp(tr, "lower") != 0) {
		bad_param(res, 1);
		return;
	}
	if (uname(&u) == -1) {
		agent_set_error(res, "Cannot obtain system information: %s",
		    strerror(errno));
		return;
	}
	if (strcmp(type, "shorthost") == 0 &&
	    (dot = strchr(u.nodename, '.')) != NULL) {
		*dot = '\0';
	}
	if (strcmp(tr, "lower") == 0) {
		for (char *p = u.nodename; *p != '\0'; p++) {
			*p = (char)tolower((unsigned char)*p);
		}
	}
	agent_set_str(res, u.nodename);
}

void
m_system_localtime(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	const char *type = zbx_key_param(key, 0);
	struct timespec ts;
	struct tm tm;
	char out[64];
	long off;

	(void)ag;
	if (agent_too_many(key, 1, res)) {
		return;
	}
	(void)clock_gettime(CLOCK_REALTIME, &ts);	/* cannot fail */
	if (*type == '\0' || strcmp(type, "utc") == 0) {
		agent_set_uint(res, (uint64_t)ts.tv_sec);
		return;
	}
	if (strcmp(type, "local") != 0) {
		bad_param(res, 0);
		return;
	}
	localtime_r(&ts.tv_sec, &tm);
	off = tm.tm_gmtoff;
	snprintf(out, sizeof(out), "%04d-%02d-%02d,%02d:%02d:%02d.%03ld,"
	    "%c%02ld:%02ld", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
	    off < 0 ? '-' : '+', labs(off) / 3600, (labs(off) % 3600) / 60);
	agent_set_str(res, out);
}

/* Counts the CPUs of a list such as "0-3,5,7-8". Returns -1 if bad. */
static int
count_cpu_list(const char *s)
{
	int n = 0;

	while (*s != '\0' && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s) {
			return -1;
		}
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1 || b < a) {
				return -1;
			}
			s = end;
		}
		n += (int)(b - a + 1);
		if (*s == ',') {
			s++;
		}
	}
	return n;
}

/* Online CPUs from sysfs, as sysconf(_SC_NPROCESSORS_ONLN) reads them. */
int
agent_cpu_online(struct agent *ag)
{
	char tmp[256];

	if (agent_read_file(ag, "/sys/devices/system/cpu/online", tmp,
	    sizeof(tmp), NULL) == -1) {
		return -1;
	}
	return count_cpu_list(tmp);
}

static int
cpu_configured(struct agent *ag)
{
	char path[512];
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir(agent_path(ag, path, sizeof(path),
	    "/sys/devices/system/cpu"));
	if (d == NULL) {
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "cpu", 3) == 0 &&
		    isdigit((unsigned char)de->d_name[3])) {
			n++;
		}
	}
	(void)closedir(d);	/* read-only */
	return n;
}

void
m_system_cpu_num(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	const char *type = zbx_key_param(key, 0);
	int n;

	if (agent_too_many(key, 1, res)) {
		return;
	}
	if (*type == '\0' || strcmp(type, "online") == 0) {
		n = agent_cpu_online(ag);
	} else if (strcmp(type, "max") == 0) {
		n = cpu_configured(ag);
	} else {
		bad_param(res, 0);
		return;
	}
	if (n <= 0) {
		agent_set_error(res, "Cannot obtain number of CPUs: %s",
		    strerror(errno != 0 ? errno : EINVAL));
		return;
	}
	agent_set_uint(res, (uint64_t)n);
}

void
m_system_cpu_load(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	const char *cpu = zbx_key_param(key, 0), *mode = zbx_key_param(key, 1);
	double load[3];
	char tmp[256];
	int i, n;

	if (agent_too_many(key, 2, res)) {
		return;
	}
	if (*cpu != '\0' && strcmp(cpu, "all") != 0 &&
	    strcmp(cpu, "percpu") != 0) {
		bad_param(res, 0);
		return;
	}
	if (*mode == '\0' || strcmp(mode, "avg1") == 0) {
		i = 0;
	} else if (strcmp(mode, "avg5") == 0) {
		i = 1;
	} else if (strcmp(mode, "avg15") == 0) {
		i = 2;
	} else {
		bad_param(res, 1);
		return;
	}
	if (ag->root == NULL || ag->root[0] == '\0') {
		/* sysinfo has agentd's precision (1/65536); the file has 1/100 */
		struct sysinfo si;

		if (sysinfo(&si) == 0) {
			for (int k = 0; k < 3; k++) {
				load[k] = si.loads[k] / 65536.0;
			}
			goto have;
		}
	}
	if (agent_read_file(ag, "/proc/loadavg", tmp, sizeof(tmp), NULL) == -1 ||
	    sscanf(tmp, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) {
		agent_set_error(res, "Cannot obtain load average: %s",
		    strerror(errno != 0 ? errno : EINVAL));
		return;
	}
have:
	if (strcmp(cpu, "percpu") == 0) {
		n = agent_cpu_online(ag);
		if (n <= 0) {
			agent_set_error(res, "Cannot obtain number of CPUs.");
			return;
		}
		load[i] /= n;
	}
	agent_set_dbl(res, load[i]);
}

/* A field of /proc/meminfo in bytes; false when absent. */
static bool
meminfo_get(const char *text, const char *name, uint64_t *bytes)
{
	size_t n = strlen(name);
	const char *p = text;
	uint64_t kb;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ':') {
			if (sscanf(p + n + 1, "%" SCNu64, &kb) != 1) {
				return false;
			}
			*bytes = kb * 1024;
			return true;
		}
		p += n;
	}
	return false;
}

void
m_vm_memory_size(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	const char *mode = zbx_key_param(key, 0);
	static const char *const direct[][2] = {
		{ "total", "MemTotal" }, { "free", "MemFree" },
		{ "buffers", "Buffers" }, { "cached", "Cached" },
		{ "active", "Active" }, { "inactive", "Inactive" },
		{ "slab", "Slab" },
	};
	uint64_t total = 0, free_b = 0, avail = 0, buffers = 0, cached = 0, v;
	char text[4096];

	if (agent_too_many(key, 1, res)) {
		return;
	}
	if (*mode == '\0') {
		mode = "total";
	}
	if (strcmp(mode, "shared") == 0) {
		agent_set_error(res, "Supported for Linux 2.4 only.");
		return;
	}
	if (agent_read_file(ag, "/proc/meminfo", text, sizeof(text),
	    NULL) == -1) {
		agent_set_error(res, "Cannot open /proc/meminfo: %s",
		    strerror(errno));
		return;
	}
	for (size_t i = 0; i < sizeof(direct) / sizeof(direct[0]); i++) {
		if (strcmp(mode, direct[i][0]) == 0) {
			if (!meminfo_get(text, direct[i][1], &v)) {
				agent_set_error(res, "Cannot obtain the value "
				    "of %s from /proc/meminfo.", direct[i][1]);
				return;
			}
			agent_set_uint(res, v);
			return;
		}
	}
	if (!meminfo_get(text, "MemTotal", &total) || total == 0 ||
	    !meminfo_get(text, "MemFree", &free_b)) {
		agent_set_error(res, "Cannot obtain memory information.");
		return;
	}
	if (!meminfo_get(text, "MemAvailable", &avail)) {
		(void)meminfo_get(text, "Buffers", &buffers);
		(void)meminfo_get(text, "Cached", &cached);
		avail = free_b + buffers + cached;
	}
	if (strcmp(mode, "used") == 0) {
		agent_set_uint(res, total - free_b);
	} else if (strcmp(mode, "pused") == 0) {
		agent_set_dbl(res, (double)(total - free_b) / total * 100);
	} else if (strcmp(mode, "available") == 0) {
		agent_set_uint(res, avail);
	} else if (strcmp(mode, "pavailable") == 0) {
		agent_set_dbl(res, (double)avail / total * 100);
	} else {
		bad_param(res, 0);
	}
}

void
m_kernel_maxfiles(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	uint64_t v;

	(void)key;
	if (read_u64(ag, "/proc/sys/fs/file-max", &v) == -1) {
		agent_set_error(res, "Cannot obtain data from /proc/sys/fs/"
		    "file-max.");
		return;
	}
	agent_set_uint(res, v);
}

void
m_kernel_maxproc(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	uint64_t v;

	(void)key;
	if (read_u64(ag, "/proc/sys/kernel/pid_max", &v) == -1) {
		agent_set_error(res, "Cannot obtain data from /proc/sys/kernel/"
		    "pid_max.");
		return;
	}
	agent_set_uint(res, v);
}

/* What proc.num filters on; each field is read only when asked for. */
struct proc_filter {
	const char *name;	/* NULL: any */
	bool by_user;
	uid_t uid;
	const char *states;	/* letters of /proc/PID/stat, NULL: any */
	struct zbx_regex *cmdline;
};

static bool
proc_name_matches(struct agent *ag, const char *pid, const char *name)
{
	char path[128], comm[64], cmd[4096], *base;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	if (agent_read_file(ag, path, comm, sizeof(comm), &n) == -1) {
		return false;
	}
	if (n > 0 && comm[n - 1] == '\n') {
		comm[n - 1] = '\0';
	}
	if (strcmp(comm, name) == 0) {
		return true;
	}
	/* zabbix_agentd also matches argv[0]'s base name. */
	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	if (agent_read_file(ag, path, cmd, sizeof(cmd), &n) == -1 || n == 0) {
		return false;
	}
	base = strrchr(cmd, '/');
	return strcmp(base != NULL ? base + 1 : cmd, name) == 0;
}

static bool
proc_state_matches(struct agent *ag, const char *pid, const char *states)
{
	char path[64], tmp[1024], *p;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if (agent_read_file(ag, path, tmp, sizeof(tmp), NULL) == -1 ||
	    (p = strrchr(tmp, ')')) == NULL || p[1] != ' ' || p[2] == '\0') {
		return false;
	}
	return strchr(states, p[2]) != NULL;
}

static bool
proc_user_matches(struct agent *ag, const char *pid, uid_t uid)
{
	char path[64], tmp[2048], *p;
	unsigned long u;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if (agent_read_file(ag, path, tmp, sizeof(tmp), NULL) == -1 ||
	    (p = strstr(tmp, "\nUid:")) == NULL ||
	    sscanf(p + 5, "%lu", &u) != 1) {
		return false;
	}
	return (uid_t)u == uid;
}

static bool
proc_cmdline_matches(struct agent *ag, const char *pid, struct zbx_regex *re)
{
	char path[64], cmd[8192];
	size_t n;

	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	if (agent_read_file(ag, path, cmd, sizeof(cmd), &n) == -1) {
		return false;
	}
	while (n > 0 && cmd[n - 1] == '\0') {
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		if (cmd[i] == '\0') {
			cmd[i] = ' ';
		}
	}
	return zbx_regex_match(re, cmd, n);
}

static bool
proc_matches(struct agent *ag, const char *pid, const struct proc_filter *f)
{
	if (f->name != NULL && !proc_name_matches(ag, pid, f->name)) {
		return false;
	}
	if (f->by_user && !proc_user_matches(ag, pid, f->uid)) {
		return false;
	}
	if (f->states != NULL && !proc_state_matches(ag, pid, f->states)) {
		return false;
	}
	return f->cmdline == NULL || proc_cmdline_matches(ag, pid, f->cmdline);
}

static const char *
proc_states(const char *s)
{
	static const char *const map[][2] = {
		{ "run", "R" }, { "sleep", "S" }, { "zomb", "Z" },
		{ "disk", "D" }, { "trace", "tT" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(s, map[i][0]) == 0) {
			return map[i][1];
		}
	}
	return NULL;
}

static int
proc_count(struct agent *ag, const struct proc_filter *f, uint64_t *count)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	d = opendir(agent_path(ag, path, sizeof(path), "/proc"));
	if (d == NULL) {
		return -1;
	}
	*count = 0;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0])) {
			continue;
		}
		if (proc_matches(ag, de->d_name, f)) {
			(*count)++;
		}
	}
	(void)closedir(d);	/* read-only */
	return 0;
}

void
m_proc_num(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	const char *name = zbx_key_param(key, 0), *user = zbx_key_param(key, 1);
	const char *state = zbx_key_param(key, 2), *cmd = zbx_key_param(key, 3);
	struct proc_filter f = { NULL, false, 0, NULL, NULL };
	struct passwd *pw;
	char why[128];
	uint64_t n;
	int rc;

	if (agent_too_many(key, 4, res)) {
		return;
	}
	if (*state != '\0' && strcmp(state, "all") != 0 &&
	    (f.states = proc_states(state)) == NULL) {
		bad_param(res, 2);
		return;
	}
	if (*user != '\0') {
		errno = 0;
		pw = getpwnam(user);
		if (pw == NULL) {
			agent_set_uint(res, 0);	/* as agentd: no such user */
			return;
		}
		f.by_user = true;
		f.uid = pw->pw_uid;
	}
	f.name = *name != '\0' ? name : NULL;
	if (*cmd != '\0') {
		if ((f.cmdline = malloc(sizeof(*f.cmdline))) == NULL) {
			agent_set_error(res, "Cannot allocate memory.");
			return;
		}
		/* agentd 6.0 counts 0 for a bad pattern; PCRE's newer
		 * agents and we say why. */
		if (zbx_regex_compile(f.cmdline, cmd, why, sizeof(why)) == -1) {
			agent_set_error(res, "Invalid regular expression in "
			    "fourth parameter: %s", why);
			free(f.cmdline);
			return;
		}
	}
	rc = proc_count(ag, &f, &n);
	free(f.cmdline);
	if (rc == -1) {
		agent_set_error(res, "Cannot open /proc: %s", strerror(errno));
		return;
	}
	agent_set_uint(res, n);
}
