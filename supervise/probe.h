/* SPDX-License-Identifier: ISC */
/*
 * `vcinit probe [-t TIMEOUT] SPEC...`: checks readiness and wait_for specs
 * in a child of PID 1, so that PID 1 never resolves a name or runs a command
 * itself. Exits 0 once every spec answers, 1 at the timeout.
 */
#ifndef VCORE_SUPERVISE_PROBE_H
#define VCORE_SUPERVISE_PROBE_H

int probe_main(int argc, char **argv);

#endif
