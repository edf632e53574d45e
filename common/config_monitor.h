/* SPDX-License-Identifier: ISC */
/*
 * The options of vcore.conf's monitor {} section that belong to the agent
 * (monitor/ owns their meaning). config.c puts them beside the options every
 * built-in service has (enabled, depends, wait_for, user, ...).
 */
#ifndef VCORE_COMMON_CONFIG_MONITOR_H
#define VCORE_COMMON_CONFIG_MONITOR_H

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
	CFG_BOOL("active", cfg_true, 0)

#endif
