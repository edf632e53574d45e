#!/bin/bash
# SPDX-License-Identifier: ISC
# make bench: vcinit beside supervisord, s6, runit, tini and the floor (a bare
# fork+exec supervisor), each as PID 1 of its own PID namespace, in one run
# (bench/init/, see its README). The Makefile has installed the tools
# (scripts/deps.sh bench) and built the static vcinit (make static).
#
#   VCINIT=PATH   the vcinit to measure (default build/vcinit; it must be static)
#   REPS=N        runs per figure (default 3; the whole takes ~10-15 min on 2 cores)
#   INITS="..."   the inits (default: vcinit supervisord s6 runit tini bare)
#   WORK=DIR      scratch and raw results (default /tmp/vcore-bench/init)
#   TESTS="..."   a subset of: baseline mem start restart idle crashloop shutdown
#                 reap signals ctl
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export WORK=${WORK:-/tmp/vcore-bench/init}
export REPS=${REPS:-3}
src=${VCINIT:-$TOP/build/vcinit}

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (unshare --pid, PID 1 of a namespace)" >&2; exit 1; }
command -v unshare >/dev/null || { echo "bench: unshare (util-linux) is missing" >&2; exit 1; }
mkdir -p "$WORK/bin"

# A snapshot of the binary: a later make (another mode) must not change it
# under the run. A build/vcinit that is not static (relinked meanwhile by a
# plain make) is rebuilt, static, in the scratch folder from the same sources.
is_static() { file -L "$1" 2>/dev/null | grep -q 'statically linked'; }
if [ -x "$src" ] && is_static "$src"; then
	cp "$src" "$WORK/bin/vcinit"
else
	[ -z "${VCINIT:-}" ] || { echo "bench: VCINIT=$src is not a static program" >&2; exit 1; }
	echo "bench: $src is not static (was it relinked by a plain make?); building a static copy in $WORK/build" >&2
	make -s -C "$TOP" MODE=static BUILD="$WORK/build" "$WORK/build/vcinit" >&2 &&
		is_static "$WORK/build/vcinit" || { echo "bench: no static vcinit: run make static first" >&2; exit 1; }
	cp "$WORK/build/vcinit" "$WORK/bin/vcinit"
	src="$WORK/build/vcinit (static, rebuilt from this tree)"
fi
export VCINIT=$WORK/bin/vcinit

echo "make bench: vcinit ($src, $(stat -c %s "$VCINIT") bytes) beside supervisord, s6, runit, tini and the floor"
echo "$(uname -sr), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; REPS=$REPS"
for p in supervisor s6 runit tini hyperfine; do
	printf '%s %s  ' "$p" "$(dpkg-query -W -f '${Version}' "$p" 2>/dev/null || apk info -v "$p" 2>/dev/null | head -1)"
done
echo
echo "Progress (notes of the tests: $WORK/notes.log):"
start=$(date +%s)
bash "$TOP/bench/init/run-all.sh" 2>"$WORK/notes.log"
rc=$?
echo
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(( $(date +%s) - start )) s in all"
echo "Raw results: $WORK/results.tsv (one row per figure: test init param metric median min max n unit runs...)"
echo "All figures of every init: $WORK/summary.md; these tables: $WORK/report.md"
echo "Per-run folders (configs, service marks, each init's output): $WORK/run/; notes: $WORK/notes.log"
exit $rc
