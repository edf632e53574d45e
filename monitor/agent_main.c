/* SPDX-License-Identifier: ISC */
/* Placeholder until the agent lands (issue 4): refuses to run. */
#include "common/log.h"
#include "monitor/agent.h"

int
agent_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	vlog_init("vcinit agent");
	vlog_fatal("the agent is not built yet");
	return 70;
}
