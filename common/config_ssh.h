/* SPDX-License-Identifier: ISC */
/*
 * The options of vcore.conf's ssh {} section that belong to vcsshd (ssh/
 * owns their meaning and checks them when it starts). config.c puts them
 * beside the options every built-in service has (enabled, depends,
 * wait_for, ...). Durations are written like the rest of vcore.conf
 * ("30s", "500ms", "2m"); "0" turns a timer off.
 *
 *   listen                   addresses, "addr", "addr:port" or "[v6]:port"
 *                            (default 0.0.0.0 and ::)
 *   port                     the port of addresses that name none
 *   allow_users, allow_groups  who besides root may log in
 *   authorized_keys_file     %h home, %u user name, %% a percent sign
 *   authorized_keys_command  run as uid 10051 with %u, %h, %f (key
 *                            fingerprint), %t (key type); no %: the user
 *   create_home              make a missing home for a user who logs in
 *   sftp_server              else /usr/libexec/vcore/sftp-server, else
 *                            the usual distribution paths
 *   passwd_file, group_file  where users are looked up (tests use scratch
 *                            files; vcsshd never asks NSS)
 *   environment_file         the container's variables, read for root
 *                            (default: "environment" beside the control
 *                            socket, where vcinit writes it)
 *   login_grace_time, max_auth_tries, max_startups (unauthenticated
 *   connections in all), max_startups_per_source, max_sessions,
 *   keepalive_interval, keepalive_count_max, idle_timeout, tcp_forwarding
 */
#ifndef VCORE_COMMON_CONFIG_SSH_H
#define VCORE_COMMON_CONFIG_SSH_H

#define SSH_CFG_OPTS \
	CFG_STR_LIST("listen", "{\"0.0.0.0\", \"::\"}", 0), \
	CFG_INT("port", 22, 0), \
	CFG_STR_LIST("allow_users", NULL, CFGF_NODEFAULT), \
	CFG_STR_LIST("allow_groups", NULL, CFGF_NODEFAULT), \
	CFG_STR("authorized_keys_file", "%h/.ssh/authorized_keys", 0), \
	CFG_STR("authorized_keys_command", NULL, CFGF_NODEFAULT), \
	CFG_BOOL("create_home", cfg_false, 0), \
	CFG_STR("sftp_server", NULL, CFGF_NODEFAULT), \
	CFG_STR("passwd_file", "/etc/passwd", 0), \
	CFG_STR("group_file", "/etc/group", 0), \
	CFG_STR("environment_file", NULL, CFGF_NODEFAULT), \
	CFG_STR("login_grace_time", "30s", 0), \
	CFG_INT("max_auth_tries", 6, 0), \
	CFG_INT("max_startups", 30, 0), \
	CFG_INT("max_startups_per_source", 10, 0), \
	CFG_INT("max_sessions", 64, 0), \
	CFG_STR("keepalive_interval", "60s", 0), \
	CFG_INT("keepalive_count_max", 3, 0), \
	CFG_STR("idle_timeout", "0", 0), \
	CFG_BOOL("tcp_forwarding", cfg_true, 0)

#endif
