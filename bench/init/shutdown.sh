#!/bin/bash
# SPDX-License-Identifier: ISC
# Test 4: shutdown. 10 services, s10 ignores SIGTERM (single-child inits run them
# through "/bin/sh entry.sh"); every init that has a stop timeout gets STOP_TIMEOUT_MS
# (3 s; NAME_timeout says what each does). SETTLE s after all started, benchhelper
# exitwatch opens a pidfd on PID 1 and on every service, sends SIGTERM to PID 1 and
# times each exit. Reported: time until PID 1 exited, its exit status (as unshare
# passes it on), how many services logged the SIGTERM (a service SIGKILLed first, by
# the init or by the kernel's PID-namespace teardown when PID 1 exits, logs nothing:
# pidfd exit times cannot tell those apart, as the kernel kills the namespace before
# PID 1's own exit is signalled), when the ignorer died, and PID 1's exit minus the
# death of the last service (several ms or more: the init killed it and waited; ~0:
# it was still alive when PID 1 left and died in the teardown).
. "$(dirname "$0")/lib.sh"
SETTLE=${SETTLE:-1.5}
TIMEOUT_MS=${TIMEOUT_MS:-15000}  # docker stop gives 10 s before SIGKILL
for init in $(select_inits any); do
	ex=() rc=() gap=() gapl=() termd=() lastterm=() igd=()
	if declare -F "${init}_timeout" >/dev/null; then
		printf 'shutdown\t%s\tstop_timeout\tsetting\t%s\n' "$init" "$("${init}_timeout")" | tee -a "$RESULTS"
	fi
	for ((r = 0; r < REPS; r++)); do
		d=$(new_dir shutdown "$init")
		idle_services "$d" 9
		add_service "$d" s10 ignoreterm
		start_init "$init" "$d"
		"$H" wait-starts "$d/marks" 10 10000 >/dev/null || log "$init: not all started"
		sleep "$SETTLE"
		ign=$(host_pid_of "$P1" "$(last_ns_pid "$d" s10)")
		others=$(svc_pids "$P1" | grep -vx "$ign" | tr '\n' ' ')
		out=$("$H" exitwatch "$TIMEOUT_MS" 15 "$P1" "$ign" $others)
		p1ms=$(awk -v p="$P1" '$1==p{print $2}' <<<"$out")
		if [ "$p1ms" = timeout ]; then
			log "$init: PID 1 still there after ${TIMEOUT_MS} ms; exits seen: $(tr '\n' ' ' <<<"$out"); ignorer=$ign; TERM logged by $(grep -l '^G 15 ' "$d"/marks/s[0-9]* 2>/dev/null | wc -l)"
			log "$init: still alive: $(for p in $(sup_pids "$P1") $(svc_pids "$P1"); do printf '%s ' "$(cat /proc/$p/comm)"; done)"
			stop_init; rc+=(timeout)
			log "$init: a hang is deterministic, skipping its other runs"; break
		fi
		wait "$UPID"; rc+=($?); p1=$P1; P1=""
		ex+=("$p1ms")
		ignms=$(awk -v p="$ign" '$1==p{print $2}' <<<"$out")
		igd+=("$ignms")
		gap+=("$(awk -v a="$p1ms" -v b="$ignms" 'BEGIN{printf "%.3f", a-b}')")
		# the last death of a service (pidfd exit times, ms after the SIGTERM)
		last=$(awk -v p="$p1" '$1!="t0" && $1!=p && $2+0==$2 {if ($2>m) m=$2} END{print m+0}' <<<"$out")
		gapl+=("$(awk -v a="$p1ms" -v b="$last" 'BEGIN{printf "%.3f", a-b}')")
		termd+=("$(grep -l '^G 15 ' "$d"/marks/s[0-9]* 2>/dev/null | wc -l)")
		tk=$(awk '$1=="t0"{print $2}' <<<"$out")
		lt=$(cat "$d"/marks/s[1-9] | awk -v t="$tk" '$1=="G" && $2==15 && $3>m {m=$3} END{if (m) printf "%.3f", (m-t)/1e6}')
		[ -n "$lt" ] && lastterm+=("$lt")
		[ "$r" -eq 0 ] && log "$init exit times in ms, in order (PID1=$p1 ignorer=$ign): $(awk '$1!="t0"{printf "%s:%s ", $1, $2}' <<<"$out")"
	done
	result shutdown "$init" "10svc_1ignores" pid1_exit ms "${ex[@]}"
	printf 'shutdown\t%s\t10svc_1ignores\texit_status\t%s\n' "$init" "${rc[*]}" | tee -a "$RESULTS"
	result shutdown "$init" "10svc_1ignores" services_that_got_SIGTERM count "${termd[@]}"
	result shutdown "$init" "10svc_1ignores" ignorer_death ms "${igd[@]}"
	result shutdown "$init" "10svc_1ignores" pid1_exit_minus_ignorer_death ms "${gap[@]}"
	result shutdown "$init" "10svc_1ignores" pid1_exit_minus_last_death ms "${gapl[@]}"
	result shutdown "$init" "10svc_1ignores" last_cooperative_TERM_received ms "${lastterm[@]}"
done
