/* SPDX-License-Identifier: ISC */
/* vcctl: the command-line client of vcinit's control socket. */
#ifndef VCORE_SUPERVISE_CTL_H
#define VCORE_SUPERVISE_CTL_H

/* Runs vcctl; returns 0 done, 1 refused/failed/unhealthy, 64 usage,
 * 69 vcinit unreachable. */
int ctl_main(int argc, char **argv);

#endif
