#!/bin/bash
# SPDX-License-Identifier: ISC
# Idle cost: every init in INITS runs REPS instances side by side, each with 3 idle
# services (single-child inits: 1 child), for DUR s. Per instance: CPU of PID 1 and
# its supervisor processes (schedstat, % of one core) and their wake-ups (voluntary +
# involuntary context switches) per minute. An event-driven init should be ~0.
. "$(dirname "$0")/lib.sh"
DUR=${DUR:-20}
ctx() { local s=0 p v; for p in "$@"; do v=$(awk '/_ctxt_switches/{n+=$2} END{print n+0}' /proc/$p/status 2>/dev/null) && s=$((s + ${v:-0})); done; echo $s; }
declare -A dirs p1s upids sups cpu0 ctx0
inits=$(select_inits any)
for init in $inits; do
	for ((r = 0; r < REPS; r++)); do
		d=$(new_dir idle "$init")
		if [ "$("${init}_kind")" = single ]; then idle_services "$d" 1; else idle_services "$d" 3; fi
		start_init "$init" "$d"
		dirs[$init.$r]=$d p1s[$init.$r]=$P1 upids[$init.$r]=$UPID
	done
done
sleep 3   # past supervisord's startsecs and every start-up transient
for k in "${!dirs[@]}"; do
	sups[$k]=$(sup_pids "${p1s[$k]}" | tr '\n' ' ')
	cpu0[$k]=$(cpu_ns ${sups[$k]}) ctx0[$k]=$(ctx ${sups[$k]})
done
t0=$(now); sleep "$DUR"; t1=$(now)
for init in $inits; do
	cpu=() wk=()
	for ((r = 0; r < REPS; r++)); do
		k=$init.$r
		cpu+=("$(awk -v a="${cpu0[$k]}" -v b="$(cpu_ns ${sups[$k]})" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.4f", (b-a)*100/(t1-t0)}')")
		wk+=("$(awk -v a="${ctx0[$k]}" -v b="$(ctx ${sups[$k]})" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.1f", (b-a)*60e9/(t1-t0)}')")
	done
	result idle "$init" "idle_${DUR}s" supervisor_cpu pct_core "${cpu[@]}"
	result idle "$init" "idle_${DUR}s" wakeups_per_min per_min "${wk[@]}"
done
for k in "${!dirs[@]}"; do P1=${p1s[$k]} UPID=${upids[$k]}; stop_init; done
