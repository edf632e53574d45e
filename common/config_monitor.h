/* SPDX-License-Identifier: ISC */
/*
 * The options of vcore.conf's monitor {} section that belong to the agent
 * (monitor/ owns their meaning, see monitor/README.md). config.c puts them
 * beside the options every built-in service has (enabled, depends,
 * wait_for, user, ...). The environment variables of the official Zabbix
 * agent image (ZBX_*) override them when the agent starts.
 */
#ifndef VCORE_COMMON_CONFIG_MONITOR_H
#define VCORE_COMMON_CONFIG_MONITOR_H

/* user_parameter "key[*]" { command = "..."  timeout = "5s" }: only
 * config.c includes this header, so the table is defined once. */
static cfg_opt_t monitor_user_param_opts[] = {
	CFG_STR("command", NULL, CFGF_NODEFAULT),
	CFG_STR("timeout", NULL, CFGF_NODEFAULT),
	CFG_END()
};

#define MONITOR_CFG_OPTS \
	CFG_STR("hostname", NULL, CFGF_NODEFAULT), \
	CFG_STR_LIST("server", NULL, CFGF_NODEFAULT), \
	CFG_STR_LIST("server_active", NULL, CFGF_NODEFAULT), \
	CFG_STR("listen_ip", NULL, CFGF_NODEFAULT), \
	CFG_INT("listen_port", 10050, 0), \
	CFG_STR("timeout", "3s", 0), \
	CFG_STR("host_metadata", NULL, CFGF_NODEFAULT), \
	CFG_STR("host_metadata_item", NULL, CFGF_NODEFAULT), \
	CFG_BOOL("passive", cfg_true, 0), \
	CFG_BOOL("active", cfg_true, 0), \
	CFG_INT("buffer_size", 100, 0), \
	CFG_INT("buffer_send", 5, 0), \
	CFG_INT("refresh_active_checks", 5, 0), \
	CFG_INT("heartbeat_frequency", 60, 0), \
	CFG_INT("max_lines_per_second", 20, 0), \
	CFG_STR_LIST("allow_key", NULL, CFGF_NODEFAULT), \
	CFG_STR_LIST("deny_key", NULL, CFGF_NODEFAULT), \
	CFG_BOOL("unsafe_user_parameters", cfg_false, 0), \
	CFG_SEC("user_parameter", monitor_user_param_opts, \
	    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES)

#endif
