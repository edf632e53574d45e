/* SPDX-License-Identifier: ISC */
/* Putting a signal back to its default action, whatever libc says. */
#ifndef VCORE_COMMON_SIGDEFAULT_H
#define VCORE_COMMON_SIGDEFAULT_H

/*
 * Sets sig's disposition to SIG_DFL. glibc refuses the signals it keeps for
 * itself (32 and 33), yet one inherited as ignored stays ignored across
 * exec, in every child: those go to the kernel directly. Returns 0 or -1.
 */
int sig_set_default(int sig);

#endif
