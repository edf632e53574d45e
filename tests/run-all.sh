#!/bin/bash
# SPDX-License-Identifier: ISC
# Runs vcore's tests and prints one closing line "N passed, N failed".
#   tests/run-all.sh            everything (what make check runs)
#   tests/run-all.sh unit       unit tests (libcheck)
#   tests/run-all.sh asan       unit tests and the "# asan" integration tests
#                               against the ASan/UBSan build
#   tests/run-all.sh integration [NAME...]   integration scripts
# Each integration script is one test: exit 0 passes, 77 is skipped (and
# says why), anything else fails. Every script runs under a time limit.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
passed=0 failed=0 skipped=0
failures=()

# run_check BIN: a libcheck binary; counts its checks.
run_check() {
	local bin=$1 out line checks fails errs
	out=$(timeout 300 "$bin" 2>&1)
	local rc=$?
	line=$(grep -E '^[0-9]+%: Checks: ' <<<"$out" | tail -n 1)
	if [[ $line =~ Checks:\ ([0-9]+),\ Failures:\ ([0-9]+),\ Errors:\ ([0-9]+) ]]; then
		checks=${BASH_REMATCH[1]} fails=${BASH_REMATCH[2]} errs=${BASH_REMATCH[3]}
		passed=$((passed + checks - fails - errs))
		failed=$((failed + fails + errs))
	else
		failed=$((failed + 1))
	fi
	if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
		failures+=("$bin")
		echo "$out" | grep -vE ':P:|^Running suite' | tail -n 40
		[ -z "$line" ] && echo "$bin: no summary (exit $rc)"
	fi
	echo "${line:-$bin: exit $rc}  ($(basename "$bin"))"
}

run_units() {
	local dir=$1 b
	for b in "$dir"/tests/check_*; do
		[ -x "$b" ] || continue
		run_check "$b"
	done
}

# run_script FILE: one integration test.
run_script() {
	local f=$1 name out rc start
	name=$(basename "$f" .sh)
	start=$(date +%s.%N)
	out=$(timeout -k 5 "${TEST_TIMEOUT:-180}" bash "$f" 2>&1)
	rc=$?
	local took
	took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1)); echo "ok   $name (${took}s)"
	elif [ "$rc" -eq 77 ]; then
		skipped=$((skipped + 1))
		echo "skip $name: $(tail -n 1 <<<"$out")"
	else
		failed=$((failed + 1)); failures+=("$name")
		echo "FAIL $name (exit $rc, ${took}s)"
		sed 's/^/    /' <<<"$out" | tail -n 60
	fi
}

integration_list() {
	if [ $# -gt 0 ]; then
		local n; for n in "$@"; do echo "tests/integration/$n.sh"; done
	else
		ls tests/integration/*.sh | grep -v '/lib.sh$'
	fi
}

what=${1:-all}
[ $# -gt 0 ] && shift
case $what in
unit) run_units build ;;
asan)
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	run_units build/asan
	for f in $(grep -l '^# asan' tests/integration/*.sh); do
		VCINIT=$top/build/asan/vcinit run_script "$f"
	done ;;
integration)
	for f in $(integration_list "$@"); do run_script "$f"; done ;;
all)
	run_units build
	"$0" asan | tee /tmp/vcore-asan.$$ | grep -v ' passed, '
	read -r p _ f _ < <(tail -n 1 /tmp/vcore-asan.$$ | tr -d ,)
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-1}))
	rm -f /tmp/vcore-asan.$$
	for f in $(integration_list); do run_script "$f"; done ;;
*) echo "usage: $0 [unit|asan|integration [NAME...]]" >&2; exit 64 ;;
esac

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
