#!/bin/bash
# SPDX-License-Identifier: ISC
# Test 2: start latency. t0 = CLOCK_MONOTONIC written by benchhelper stamp-exec just
# before it execs the init as PID 1; each service appends its own CLOCK_MONOTONIC
# start time when it begins. all_ms = last service start - t0, first_ms = first - t0.
# Single-child inits start N>1 services through "/bin/sh entry.sh" (cmd & ... wait).
. "$(dirname "$0")/lib.sh"
NS=${NS:-"1 100"}
for init in $(select_inits any); do
	for n in $NS; do
		alls=() firsts=()
		for ((r = 0; r < REPS; r++)); do
			d=$(new_dir start "$init")
			idle_services "$d" "$n"
			start_init "$init" "$d"
			read -r c mn mx <<<"$("$H" wait-starts "$d/marks" "$n" 20000)"
			t0=$(t0_of "$d")
			if [ "$c" -ge "$n" ]; then
				alls+=("$(ms "$t0" "$mx")"); firsts+=("$(ms "$t0" "$mn")")
			else
				log "$init N=$n: only $c of $n started in 20 s"
			fi
			stop_init
		done
		result start "$init" "N=$n" all_running ms "${alls[@]}"
		result start "$init" "N=$n" first_running ms "${firsts[@]}"
	done
done
