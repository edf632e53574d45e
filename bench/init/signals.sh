#!/bin/bash
# SPDX-License-Identifier: ISC
# Test 6: signals.
#  single-child inits: send HUP USR1 USR2 QUIT WINCH to PID 1 (REPS times each);
#    delivered = the child logged it; latency = child's log time - kill time.
#  multi inits: (a) send HUP USR1 USR2 QUIT ALRM to service s1 with the init's own
#    control tool (NAME_signal); latency includes starting that tool; (b) send HUP,
#    USR1, USR2 to PID 1 and report what happened 2 s later (PID 1 alive? services
#    restarted? signal passed on?); (c) wall time of the status command.
. "$(dirname "$0")/lib.sh"
signum() { case $1 in HUP) echo 1;; INT) echo 2;; QUIT) echo 3;; USR1) echo 10;; USR2) echo 12;; ALRM) echo 14;; TERM) echo 15;; WINCH) echo 28;; esac; }
for init in $(select_inits any); do
	d=$(new_dir signals "$init")
	if [ "$("${init}_kind")" = single ]; then
		add_service "$d" s1 idle
		start_init "$init" "$d"
		"$H" wait-starts "$d/marks" 1 5000 >/dev/null
		for sig in HUP USR1 USR2 QUIT WINCH; do
			lat=() ok=0
			for ((r = 0; r < REPS; r++)); do
				tk=$("$H" kill-stamp "$(signum $sig)" "$P1")
				tg=$("$H" wait-line "$d/marks/s1" "G $(signum $sig)" "$tk" 500)
				[ "$tg" != 0 ] && { ok=$((ok + 1)); lat+=("$(ms "$tk" "$tg")"); }
			done
			result signals "$init" "to_pid1_$sig" forwarded_latency ms "${lat[@]}"
			printf 'signals\t%s\tto_pid1_%s\tdelivered\t%s/%s\n' "$init" "$sig" "$ok" "$REPS" | tee -a "$RESULTS"
		done
		stop_init
		continue
	fi
	idle_services "$d" 3
	start_init "$init" "$d"
	"$H" wait-starts "$d/marks" 3 10000 >/dev/null
	sleep 1.5
	if declare -F "${init}_signal" >/dev/null; then
		for sig in HUP USR1 USR2 QUIT ALRM; do
			lat=() ok=0
			for ((r = 0; r < REPS; r++)); do
				t=$(now)
				"${init}_signal" "$d" s1 "$sig" 2>/dev/null
				tg=$("$H" wait-line "$d/marks/s1" "G $(signum $sig)" "$t" 1000)
				[ "$tg" != 0 ] && { ok=$((ok + 1)); lat+=("$(ms "$t" "$tg")"); }
			done
			result signals "$init" "ctl_to_service_$sig" ctl_latency ms "${lat[@]}"
			printf 'signals\t%s\tctl_to_service_%s\tdelivered\t%s/%s\n' "$init" "$sig" "$ok" "$REPS" | tee -a "$RESULTS"
		done
	fi
	if declare -F "${init}_status" >/dev/null; then
		st=()
		for ((r = 0; r < REPS; r++)); do
			t=$(now); "${init}_status" "$d" >/dev/null 2>&1; t2=$(now); st+=("$(ms "$t" "$t2")")
		done
		result signals "$init" status_cmd wall ms "${st[@]}"
	fi
	stop_init
	for sig in HUP USR1 USR2; do
		d=$(new_dir signals "$init")
		idle_services "$d" 3
		start_init "$init" "$d"
		"$H" wait-starts "$d/marks" 3 10000 >/dev/null
		sleep 1.5
		kill -s "$sig" "$P1"
		sleep 2
		alive=no; [ -d /proc/$P1 ] && [ "$(awk '{print $3}' /proc/$P1/stat)" != Z ] && alive=yes
		starts=$(cat "$d"/marks/s* | grep -c '^S ')
		got=$(grep -l "^G $(signum $sig) " "$d"/marks/s* 2>/dev/null | wc -l)
		term=$(grep -l '^G 15 ' "$d"/marks/s* 2>/dev/null | wc -l)
		printf 'signals\t%s\tpid1_%s\teffect\tpid1_alive=%s starts=%s(3=no restart) services_got_%s=%s services_got_TERM=%s\n' \
			"$init" "$sig" "$alive" "$starts" "$sig" "$got" "$term" | tee -a "$RESULTS"
		stop_init
	done
done
