#!/bin/bash
# SPDX-License-Identifier: ISC
# Test 5: zombie reaping. One service (the single child for tini & co.) waits 1.5 s,
# then makes N double-forked grandchildren that are reparented to PID 1 and blocks
# them on a pipe; closing the pipe ("R" line, release time) makes all N exit at once.
# benchhelper zwatch polls /proc/P1/task/P1/children every ms: reap_ms = release ->
# PID 1's child count back to its base; zombies_2s = children in state Z 2 s after
# release; fork_ms = how long making the N orphans took.
. "$(dirname "$0")/lib.sh"
NORPH=${NORPH:-2000}
ZTIMEOUT_MS=${ZTIMEOUT_MS:-40000}
for init in $(select_inits any); do
	reap=() z2=() fk=() peak=()
	for ((r = 0; r < REPS; r++)); do
		d=$(new_dir reap "$init")
		add_service "$d" orph orphans "$NORPH" 1500
		start_init "$init" "$d"
		read -r base pk zz xx rm fm <<<"$("$H" zwatch "$P1" "$d/marks/orph" "$ZTIMEOUT_MS")"
		if [ -z "${rm:-}" ]; then log "$init: zwatch failed ($base)"; stop_init; continue; fi
		[ "$rm" -ge 0 ] && reap+=("$rm") || log "$init: $xx orphans still not reaped after ${ZTIMEOUT_MS} ms"
		z2+=("$zz") fk+=("$fm") peak+=("$pk")
		stop_init
	done
	result reap "$init" "orphans=$NORPH" reap_all_ms ms "${reap[@]}"
	result reap "$init" "orphans=$NORPH" zombies_after_2s count "${z2[@]}"
	result reap "$init" "orphans=$NORPH" peak_extra_children count "${peak[@]}"
	result reap "$init" "orphans=$NORPH" fork_phase_ms ms "${fk[@]}"
done
