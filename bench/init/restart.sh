#!/bin/bash
# SPDX-License-Identifier: ISC
# Test 3a: restart latency. REPS fresh instances with 3 idle services; in each, wait
# UPTIME s (so that no "ran less than 1 s" throttle applies), SIGKILL s1 (time taken by
# benchhelper kill-stamp just before kill()), then wait for s1's next start line:
# latency = new start time - kill time. That is the service's first restart; then the
# same once more, UPTIME s later ("again": inits with a backoff may wait there, vcinit
# does until the service has been up for restart_reset, 10 s by default).
. "$(dirname "$0")/lib.sh"
UPTIME=${UPTIME:-1.5}
for init in $(select_inits multi); do
	lat=() lat2=()
	for ((r = 0; r < REPS; r++)); do
		d=$(new_dir restart "$init")
		idle_services "$d" 3
		start_init "$init" "$d"
		"$H" wait-starts "$d/marks" 3 10000 >/dev/null || log "$init: not started"
		for k in 1 2; do
			sleep "$UPTIME"
			hp=$(host_pid_of "$P1" "$(last_ns_pid "$d" s1)")
			[ -n "$hp" ] || { log "$init: s1 not found"; continue; }
			tk=$("$H" kill-stamp 9 "$hp")
			tn=$("$H" wait-line "$d/marks/s1" S "$tk" 10000)
			if [ "$tn" = 0 ]; then log "$init: no restart within 10 s"; continue; fi
			if [ $k = 1 ]; then lat+=("$(ms "$tk" "$tn")"); else lat2+=("$(ms "$tk" "$tn")"); fi
		done
		stop_init
	done
	result restart "$init" kill9 restart_latency ms "${lat[@]}"
	result restart "$init" kill9_again restart_latency ms "${lat2[@]}"
done
