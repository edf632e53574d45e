/* SPDX-License-Identifier: ISC */
/* vcinit's own role: PID 1 (or a subreaper), boot, supervision, shutdown. */
#ifndef VCORE_INIT_VCINIT_H
#define VCORE_INIT_VCINIT_H

/* Runs vcinit; returns the container's exit status (DESIGN: exit statuses). */
int vcinit_main(int argc, char **argv);

#endif
