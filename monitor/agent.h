/* SPDX-License-Identifier: ISC */
/* The Zabbix agent: `vcinit agent [-c DIR]`, run by vcinit as a service. */
#ifndef VCORE_MONITOR_AGENT_H
#define VCORE_MONITOR_AGENT_H

/* Runs the agent until SIGTERM; returns its exit status. */
int agent_main(int argc, char **argv);

#endif
