/* SPDX-License-Identifier: ISC */
#include "init/vcinit.h"
int
vcinit_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 70;
}
