/* SPDX-License-Identifier: ISC */
/* Signal names as people write them ("TERM", "SIGTERM", "15") and as the
 * SSH protocol sends them ("TERM"). */
#ifndef VCORE_COMMON_SIGNAME_H
#define VCORE_COMMON_SIGNAME_H

/* Returns the signal number of name, or -1 when it names no signal. */
int signame_to_num(const char *name);
/* Returns the name without "SIG" ("TERM"), or NULL for an unknown number. */
const char *signame_of(int sig);

#endif
