/* SPDX-License-Identifier: ISC */
/*
 * Entry of the multi-call binary: vcinit (PID 1), vcctl (the control
 * client), vcinit agent (the Zabbix agent) and vcinit probe (readiness and
 * wait_for checks run outside PID 1). The program name or the first word
 * picks the role; any other first word is the main command.
 */
#include <string.h>

#include "init/vcinit.h"
#include "monitor/agent.h"
#include "supervise/ctl.h"
#include "supervise/probe.h"

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

int
main(int argc, char **argv)
{
	const char *name = argc > 0 ? base_name(argv[0]) : "vcinit";

	if (strcmp(name, "vcctl") == 0) {
		return ctl_main(argc, argv);
	}
	if (strcmp(name, "vcagent") == 0) {
		return agent_main(argc, argv);
	}
	if (argc > 1 && strcmp(argv[1], "ctl") == 0) {
		return ctl_main(argc - 1, argv + 1);
	}
	if (argc > 1 && strcmp(argv[1], "agent") == 0) {
		return agent_main(argc - 1, argv + 1);
	}
	if (argc > 1 && strcmp(argv[1], "probe") == 0) {
		return probe_main(argc - 1, argv + 1);
	}
	return vcinit_main(argc, argv);
}
