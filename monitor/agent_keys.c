/* SPDX-License-Identifier: ISC */
/*
 * The key table and what happens to a key before its metric runs: parsing,
 * AllowKey/DenyKey, user parameters, the checks every key shares. Also the
 * small helpers metrics use to answer and to read files under the root.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/agent_int.h"

static void
m_active_only(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	/* Reached only from an active check; agent_active handles it. */
	(void)ag;
	(void)key;
	agent_set_error(res, "Accessible only as active check.");
}

/* Sorted by name: bsearch. */
static const struct agent_key_def key_table[] = {
	{ "agent.hostmetadata", 0, m_agent_hostmetadata },
	{ "agent.hostname", 0, m_agent_hostname },
	{ "agent.ping", 0, m_agent_ping },
	{ "agent.variant", 0, m_agent_variant },
	{ "agent.version", 0, m_agent_version },
	{ "kernel.maxfiles", 0, m_kernel_maxfiles },
	{ "kernel.maxproc", 0, m_kernel_maxproc },
	{ "log", KEY_PARAMS | KEY_ACTIVE_ONLY, m_active_only },
	{ "logrt", KEY_PARAMS | KEY_ACTIVE_ONLY, m_active_only },
	{ "net.if.discovery", 0, m_net_if_discovery },
	{ "net.if.in", KEY_PARAMS, m_net_if_in },
	{ "net.if.out", KEY_PARAMS, m_net_if_out },
	{ "net.if.total", KEY_PARAMS, m_net_if_total },
	{ "net.tcp.listen", KEY_PARAMS, m_net_tcp_listen },
	{ "net.tcp.port", KEY_PARAMS, m_net_tcp_port },
	{ "net.udp.listen", KEY_PARAMS, m_net_udp_listen },
	{ "proc.num", KEY_PARAMS, m_proc_num },
	{ "system.boottime", 0, m_system_boottime },
	{ "system.cpu.load", KEY_PARAMS, m_system_cpu_load },
	{ "system.cpu.num", KEY_PARAMS, m_system_cpu_num },
	{ "system.cpu.util", KEY_PARAMS, m_system_cpu_util },
	{ "system.hostname", KEY_PARAMS, m_system_hostname },
	{ "system.localtime", KEY_PARAMS, m_system_localtime },
	{ "system.run", KEY_PARAMS, m_system_run },
	{ "system.uptime", 0, m_system_uptime },
	{ "vcore.cgroup.cpu", KEY_PARAMS, m_vcore_cgroup_cpu },
	{ "vcore.cgroup.memory", KEY_PARAMS, m_vcore_cgroup_memory },
	{ "vcore.service.discovery", 0, m_vcore_service_discovery },
	{ "vcore.service.restarts", KEY_PARAMS, m_vcore_service_restarts },
	{ "vcore.service.state", KEY_PARAMS, m_vcore_service_state },
	{ "vcore.service.uptime", KEY_PARAMS, m_vcore_service_uptime },
	{ "vfs.file.contents", KEY_PARAMS, m_vfs_file_contents },
	{ "vfs.file.exists", KEY_PARAMS, m_vfs_file_exists },
	{ "vfs.file.size", KEY_PARAMS, m_vfs_file_size },
	{ "vfs.fs.discovery", 0, m_vfs_fs_discovery },
	{ "vfs.fs.inode", KEY_PARAMS, m_vfs_fs_inode },
	{ "vfs.fs.size", KEY_PARAMS, m_vfs_fs_size },
	{ "vm.memory.size", KEY_PARAMS, m_vm_memory_size },
};
#define NKEYS (sizeof(key_table) / sizeof(key_table[0]))

static int
key_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, ((const struct agent_key_def *)b)->name);
}

const struct agent_key_def *
agent_key_find(const char *name)
{
	return bsearch(name, key_table, NKEYS, sizeof(key_table[0]), key_cmp);
}

bool
agent_too_many(const struct zbx_key *key, int max, struct agent_result *res)
{
	if (key->nparams > max) {
		agent_set_error(res, "Too many parameters.");
		return true;
	}
	return false;
}

void
agent_set_error(struct agent_result *res, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_reset(res->text);
	buf_adds(res->text, msg);
	res->error = true;
}

void
agent_set_uint(struct agent_result *res, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

	buf_reset(res->text);
	buf_add(res->text, tmp, (size_t)n);
	res->error = false;
}

void
agent_set_dbl(struct agent_result *res, double v)
{
	char tmp[64];
	int n = snprintf(tmp, sizeof(tmp), "%.6f", v);

	buf_reset(res->text);
	buf_add(res->text, tmp, (size_t)n);
	res->error = false;
}

void
agent_set_str(struct agent_result *res, const char *s)
{
	buf_reset(res->text);
	buf_adds(res->text, s);
	res->error = false;
}

const char *
agent_path(const struct agent *ag, char *out, size_t outlen, const char *fmt,
    ...)
{
	va_list ap;
	size_t n = 0;

	if (ag->root != NULL && ag->root[0] != '\0') {
		n = (size_t)snprintf(out, outlen, "%s", ag->root);
		if (n >= outlen) {
			n = outlen - 1;
		}
	}
	va_start(ap, fmt);
	vsnprintf(out + n, outlen - n, fmt, ap);
	va_end(ap);
	return out;
}

int
agent_read_file(const struct agent *ag, const char *path, char *out,
    size_t outlen, size_t *len)
{
	char full[512];
	ssize_t n;
	size_t got = 0;
	int fd;

	agent_path(ag, full, sizeof(full), "%s", path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		return -1;
	}
	while (got + 1 < outlen) {
		n = read(fd, out + got, outlen - 1 - got);
		if (n == -1 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		got += (size_t)n;
	}
	(void)close(fd);	/* read-only: nothing to lose */
	out[got] = '\0';
	if (len != NULL) {
		*len = got;
	}
	return 0;
}

/* The characters zabbix_agentd refuses in user parameter arguments. */
static const char unsafe_chars[] = "\\'\"`*?[]{}~$!&;()<>|#@\n";

bool
agent_param_unsafe(const char *text)
{
	return strpbrk(text, unsafe_chars) != NULL;
}

/* True when the text of rule, parsed, matches key. A rule that is not a
 * key matches nothing. */
static bool
rule_matches(const char *rule, const struct zbx_key *key)
{
	char store[2 * ZBX_KEY_MAX_LEN + 2];
	size_t len = strlen(rule);
	struct zbx_key r;

	return len <= ZBX_KEY_MAX_LEN && zbx_key_rule_parse(rule, len, &r,
	    store, sizeof(store)) == 0 && zbx_key_rule_match(&r, key);
}

/*
 * AllowKey/DenyKey on the parsed key, so quoting cannot slip past a rule:
 * an allow match wins; system.run needs one.
 */
static bool
key_allowed(struct agent *ag, const struct zbx_key *key)
{
	char *const *p;

	for (p = ag->cfg.allow_key; p != NULL && *p != NULL; p++) {
		if (rule_matches(*p, key)) {
			return true;
		}
	}
	for (p = ag->cfg.deny_key; p != NULL && *p != NULL; p++) {
		if (rule_matches(*p, key)) {
			return false;
		}
	}
	return strcmp(key->name, "system.run") != 0;
}

static const struct user_param *
find_user_param(struct agent *ag, const char *name)
{
	for (int i = 0; i < ag->cfg.nuser_params; i++) {
		if (strcmp(ag->cfg.user_params[i].key, name) == 0) {
			return &ag->cfg.user_params[i];
		}
	}
	return NULL;
}

void
agent_eval(struct agent *ag, const char *text, size_t len,
    struct agent_result *res)
{
	char store[2 * ZBX_KEY_MAX_LEN + 2];
	const struct agent_key_def *def;
	const struct user_param *up;
	struct zbx_key key;

	res->error = false;
	res->pending = false;
	if (len > ZBX_KEY_MAX_LEN || zbx_key_parse(text, len, &key, store,
	    sizeof(store)) == -1) {
		agent_set_error(res, "Invalid item key format.");
		return;
	}
	if (!key_allowed(ag, &key)) {
		agent_set_error(res, "Unsupported item key.");
		return;
	}
	def = agent_key_find(key.name);
	if (def == NULL) {
		up = find_user_param(ag, key.name);
		if (up == NULL) {
			agent_set_error(res, "Unsupported item key.");
		} else if (!up->flexible && key.nparams > 0) {
			agent_set_error(res, "Item does not allow parameters.");
		} else {
			agent_user_param(ag, up, &key, res);
		}
		return;
	}
	if ((def->flags & KEY_PARAMS) == 0 && key.nparams > 0) {
		agent_set_error(res, "Item does not allow parameters.");
		return;
	}
	def->fn(ag, &key, res);
}
