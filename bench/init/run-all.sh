#!/bin/bash
# SPDX-License-Identifier: ISC
# Runs every benchmark for INITS (default: vcinit supervisord s6 runit tini bare) with
# REPS repetitions, then writes the full table ($WORK/summary.md) and prints the two
# tables of make bench (report.sh). Raw rows: $RESULTS; per-run folders (configs,
# marks, each init's output): $WORK/run; notes of the tests: stderr.
cd "$(dirname "$0")" || exit 1
. ./lib.sh
: >"$RESULTS"
case $WORK in /tmp/?*|/var/tmp/?*|*/bench*) rm -rf "$WORK/run" ;; esac
TESTS=${TESTS:-"baseline mem start restart idle crashloop shutdown reap signals ctl"}
for s in $TESTS; do
	echo "[$(date +%T)] $s" >&2
	printf '[%s] %s\n' "$(date +%T)" "$s"
	bash "./$s.sh" >/dev/null
done
bash ./summary.sh >"$WORK/summary.md"
bash ./report.sh | tee "$WORK/report.md"
