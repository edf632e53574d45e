/* SPDX-License-Identifier: ISC */
#include "supervise/ctl.h"
int
ctl_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 70;
}
