#!/bin/bash
# SPDX-License-Identifier: ISC
# Test 3b: a service that exits 1 at once. Every multi init in INITS (bare excluded:
# it has no backoff and would spin) runs REPS instances side by side for DUR s.
# Per instance: starts seen, restarts per minute (starts inside the DUR window), supervisor CPU (sum of
# /proc/PID/schedstat run time over PID 1 and per-service supervisors) as % of one
# core, the gaps between starts, the longest of them, and whether it has gone quiet (no
# start in the last 5 s: it gave up, or its backoff has grown past 5 s; the status line
# in the notes tells which).
. "$(dirname "$0")/lib.sh"
DUR=${DUR:-20}
declare -A dirs p1s upids
inits=$(select_inits multi | grep -vx bare)
[ -n "$inits" ] || exit 0
for init in $inits; do
	for ((r = 0; r < REPS; r++)); do
		d=$(new_dir crash "$init")
		add_service "$d" s1 crash
		start_init "$init" "$d"
		dirs[$init.$r]=$d p1s[$init.$r]=$P1 upids[$init.$r]=$UPID
	done
done
sleep 0.5
declare -A cpu0 sups
for k in "${!dirs[@]}"; do sups[$k]=$(sup_pids "${p1s[$k]}" | tr '\n' ' '); cpu0[$k]=$(cpu_ns ${sups[$k]}); done
t_start=$(now)
sleep "$DUR"
t_end=$(now)
for init in $inits; do
	starts=() rpm=() cpu=() gaveup=() maxgap=() gaps=""
	for ((r = 0; r < REPS; r++)); do
		k=$init.$r d=${dirs[$k]}
		# supervisors started after the first sample (none expected) are ignored
		c1=$(cpu_ns ${sups[$k]})
		n=$("$H" count-lines "$d/marks/s1" S)
		starts+=("$n")
		rpm+=("$(awk -v a="$t_start" -v b="$t_end" '$1=="S" && $3>=a && $3<b {n++} END{printf "%.1f", n*60e9/(b-a)}' "$d/marks/s1")")
		cpu+=("$(awk -v a="${cpu0[$k]}" -v b="$c1" -v t0="$t_start" -v t1="$t_end" 'BEGIN{printf "%.3f", (b-a)*100/(t1-t0)}')")
		last=$(awk '$1=="S"{t=$3} END{print t}' "$d/marks/s1")
		g=$(awk -v l="$last" -v e="$t_end" 'BEGIN{print ((e-l)>5e9) ? 1 : 0}')
		gaveup+=("$g")
		maxgap+=("$(awk '$1=="S"{ if (p && $3-p > m) m = $3-p; p=$3 } END{printf "%.0f", m/1e6}' "$d/marks/s1")")
		[ "$r" -eq 0 ] && gaps=$(awk '$1=="S"{ if (p) printf "%.0f,", ($3-p)/1e6; p=$3 }' "$d/marks/s1" | cut -c1-120)
		if [ "$r" -eq 0 ] && declare -F "${init}_status" >/dev/null; then
			log "$init status after ${DUR}s: $("${init}_status" "$d" 2>&1 | head -3 | tr '\n' ' ')"
		fi
	done
	result crashloop "$init" "exit1_${DUR}s" starts count "${starts[@]}"
	result crashloop "$init" "exit1_${DUR}s" restarts_per_min per_min "${rpm[@]}"
	result crashloop "$init" "exit1_${DUR}s" supervisor_cpu pct_core "${cpu[@]}"
	result crashloop "$init" "exit1_${DUR}s" quiet_last_5s bool "${gaveup[@]}"
	result crashloop "$init" "exit1_${DUR}s" longest_pause ms "${maxgap[@]}"
	log "$init gaps between starts (ms, first instance): $gaps"
done
for k in "${!dirs[@]}"; do P1=${p1s[$k]} UPID=${upids[$k]}; stop_init; done
