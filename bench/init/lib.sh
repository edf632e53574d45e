# SPDX-License-Identifier: ISC
# lib.sh: common code of the init benchmarks of `make bench` (source it).
# Adapted from the research harness in ../shared/notes/init/bench/ (whose
# results are ../shared/notes/init.md): same services, same probes, every init
# as PID 1 of its own PID namespace, vcinit beside the tools users pick instead.
#
# An init is plugged in by one adapter file adapters/NAME.sh defining:
#   NAME_kind          echo "multi" (supervises many services) or "single" (runs one child)
#   NAME_setup DIR     write the init's config under DIR for the services listed in
#                      DIR/services.tsv (one per line: NAME<TAB>ARGV, words split by spaces)
#   NAME_cmd DIR       echo the argv that is exec'd as PID 1
#   NAME_signal DIR SERVICE SIG   (optional, multi) send SIG (HUP, USR1...) to one service
#                                 with the init's own control tool
#   NAME_status DIR    (optional) run the control tool's status command
#   NAME_bins          (optional) echo the binaries that make up the init (for sizes)
#   NAME_timeout       (optional) echo how the init bounds a service that ignores its
#                      stop signal (the shutdown test asks for $STOP_TIMEOUT_MS ms)
#   NAME_ctl_status DIR / NAME_ctl_signal DIR SERVICE SIG
#                      (optional) echo one argv (no shell) for the control tool's
#                      status / signal command, timed with hyperfine (ctl.sh)
# Single-child inits get their child from single_child DIR: the one service itself, or
# /bin/sh DIR/entry.sh (the "shell entrypoint" pattern) when there are several.
set -u
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${WORK:-/tmp/vcore-bench/init}
REPS=${REPS:-3}
H=$WORK/benchhelper
RESULTS=${RESULTS:-$WORK/results.tsv}
# The default set; s6direct, runitdirect and tinig (same packages) and dumbinit,
# catatonit (packages dumb-init, catatonit, not installed by make bench) can be
# added with INITS="...".
ALL_INITS="vcinit supervisord s6 runit tini bare"
# The stop timeout every init that has one gets (shutdown test: one service
# ignores SIGTERM).
STOP_TIMEOUT_MS=${STOP_TIMEOUT_MS:-3000}
mkdir -p "$WORK"

if [ ! -x "$H" ] || [ "$BENCH/benchhelper.c" -nt "$H" ]; then
	cc=musl-gcc; command -v musl-gcc >/dev/null || cc=gcc
	$cc -static -O2 -o "$H" "$BENCH/benchhelper.c" || { echo "cannot build benchhelper" >&2; exit 1; }
	# the floor supervisor is a copy under another name, so that it is not
	# mistaken for a service (services are told apart by /proc/PID/exe)
	cp "$H" "$WORK/minisup"
fi
for _a in "$BENCH"/adapters/*.sh; do . "$_a"; done
export MINISUP_STOP_MS=$STOP_TIMEOUT_MS

now() { "$H" now; }
log() { echo "[$(date +%T)] $*" >&2; }

# result TEST INIT PARAM METRIC UNIT VALUES... -> one row: median min max n, raw values
result() {
	local test=$1 init=$2 param=$3 metric=$4 unit=$5; shift 5
	local s; s=$(printf '%s\n' "$@" | grep -v '^$' | sort -g | awk '
		{ v[NR]=$1 } END { if (NR==0) { print "NA NA NA 0"; exit }
		  m = (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2
		  printf "%s %s %s %d", m, v[1], v[NR], NR }')
	set -- $s "$@"
	local med=$1 mn=$2 mx=$3 n=$4; shift 4
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$test" "$init" "$param" "$metric" \
		"$med" "$mn" "$mx" "$n" "$unit" "$*" | tee -a "$RESULTS"
}

# new_dir TEST INIT -> a fresh scratch dir with marks/
new_dir() {
	local d=$WORK/run/$1-$2-$$-$RANDOM
	rm -rf "$d"; mkdir -p "$d/marks"; echo "$d"
}

# add_service DIR NAME MODE [ARGS...]
add_service() {
	local d=$1 n=$2; shift 2
	printf '%s\t%s svc %s %s %s\n' "$n" "$H" "$d/marks" "$1" "$n ${*:2}" >>"$d/services.tsv"
}

# idle_services DIR N [FIRST_MODE] : s1..sN idle (s1 in FIRST_MODE if given)
idle_services() {
	local d=$1 n=$2 m1=${3:-idle} i
	for ((i = 1; i <= n; i++)); do
		if [ $i -eq 1 ]; then add_service "$d" s$i "$m1"; else add_service "$d" s$i idle; fi
	done
}

# single_child DIR: argv for a single-child init
single_child() {
	local d=$1
	if [ "$(wc -l <"$d/services.tsv")" -eq 1 ]; then
		cut -f2 "$d/services.tsv"
	else
		{ echo '#!/bin/sh'
		  cut -f2 "$d/services.tsv" | sed 's/$/ \&/'
		  echo 'wait'; } >"$d/entry.sh"
		echo "/bin/sh $d/entry.sh"
	fi
}

# start_init INIT DIR: runs the init as PID 1 of a new PID namespace.
# Sets UPID (the unshare process, our child) and P1 (host pid of the namespace's PID 1).
# $DIR/t0 holds CLOCK_MONOTONIC taken just before the init is exec'd.
STARTED_P1S=""
start_init() {
	local init=$1 d=$2 i
	"${init}_setup" "$d"
	local -a cmd
	read -r -a cmd <<<"$("${init}_cmd" "$d")"
	unshare -p -f --mount-proc "$H" stamp-exec "$d/t0" "${cmd[@]}" </dev/null >"$d/init.out" 2>&1 &
	UPID=$!
	P1=""
	for ((i = 0; i < 1000; i++)); do
		P1=$(awk '{print $1}' /proc/$UPID/task/$UPID/children 2>/dev/null)
		[ -n "$P1" ] && break
		sleep 0.005
	done
	STARTED_P1S="$STARTED_P1S $P1"
}

# stop_init: SIGKILL to the namespace's PID 1 ends every process in it.
stop_init() {
	[ -n "${P1:-}" ] && kill -KILL "$P1" 2>/dev/null
	wait "$UPID" 2>/dev/null
	P1=""
}
cleanup_all() { local p; for p in $STARTED_P1S; do kill -KILL "$p" 2>/dev/null; done; }
trap cleanup_all EXIT

t0_of() { cat "$1/t0"; }

descendants() {
	local c
	for c in $(cat /proc/$1/task/*/children 2>/dev/null); do echo "$c"; descendants "$c"; done
}
is_service() { [ "$(readlink /proc/$1/exe 2>/dev/null)" = "$H" ]; }
# supervisor processes: PID 1 and every descendant that is not a service process
sup_pids() { local p; for p in $1 $(descendants "$1"); do is_service "$p" || echo "$p"; done; }
svc_pids() { local p; for p in $(descendants "$1"); do is_service "$p" && echo "$p"; done; }
# host pid of the service whose namespace pid is NSPID
host_pid_of() {
	local p1=$1 nsp=$2 p
	for p in $(svc_pids "$p1"); do
		[ "$(awk '/^NSpid:/{print $NF}' /proc/$p/status 2>/dev/null)" = "$nsp" ] && { echo "$p"; return; }
	done
}
# namespace pid of the last start of service NAME
last_ns_pid() { awk '$1=="S"{p=$2} END{print p}' "$1/marks/$2"; }
cpu_ns() { local s=0 p v; for p in "$@"; do v=$(awk '{print $1}' /proc/$p/schedstat 2>/dev/null) && s=$((s + ${v:-0})); done; echo $s; }
# RSS PSS USS (kB); USS = Private_Clean + Private_Dirty, what exiting would free
rss_pss() { awk '/^Rss:/{r=$2} /^Pss:/{p=$2} /^Private_(Clean|Dirty):/{u+=$2} END{print r+0, p+0, u+0}' /proc/$1/smaps_rollup 2>/dev/null; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", (b-a)/1e6}'; }
# init_ok INIT: its adapter exists and its programs are installed
init_ok() {
	local b
	declare -F "${1}_kind" >/dev/null || return 1
	declare -F "${1}_bins" >/dev/null || return 0
	for b in $("${1}_bins"); do
		case $b in *.so*) continue;; esac
		[ -x "$b" ] || return 1
	done
}
select_inits() { # keep those of $INITS whose kind is $1 (or any), and installed
	local i; for i in ${INITS:-$ALL_INITS}; do
		init_ok "$i" || { log "$i: not installed (or no adapter), skipped"; continue; }
		[ "$1" = any ] || [ "$("${i}_kind")" = "$1" ] && echo "$i"
	done
}
