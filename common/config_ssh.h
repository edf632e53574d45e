/* SPDX-License-Identifier: ISC */
/*
 * The options of vcore.conf's ssh {} section that belong to vcsshd (ssh/
 * owns their meaning). config.c puts them beside the options every built-in
 * service has (enabled, depends, wait_for, ...).
 */
#ifndef VCORE_COMMON_CONFIG_SSH_H
#define VCORE_COMMON_CONFIG_SSH_H

#define SSH_CFG_OPTS \
	CFG_STR_LIST("listen", NULL, CFGF_NODEFAULT), \
	CFG_INT("port", 22, 0), \
	CFG_STR_LIST("allow_users", NULL, CFGF_NODEFAULT), \
	CFG_STR_LIST("allow_groups", NULL, CFGF_NODEFAULT), \
	CFG_STR("authorized_keys_command", NULL, CFGF_NODEFAULT), \
	CFG_BOOL("create_home", cfg_false, 0), \
	CFG_STR("sftp_server", NULL, CFGF_NODEFAULT)

#endif
