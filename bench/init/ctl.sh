#!/bin/bash
# SPDX-License-Identifier: ISC
# Test 7: control-tool round trips, timed with hyperfine (-N: no shell; CTL_RUNS runs
# after 3 warm-ups): each multi-service init with 3 idle services, the status command
# (vcctl status; supervisorctl status; s6-svstat of one service; sv status of all
# three) and the signal command (USR1 to s1: vcctl signal, supervisorctl signal,
# s6-svc -1, sv 1). The round trip is the tool's whole run: exec, connect, request,
# reply, exit. Medians in ms (hyperfine's median of CTL_RUNS runs).
. "$(dirname "$0")/lib.sh"
CTL_RUNS=${CTL_RUNS:-30}
command -v hyperfine >/dev/null || { log "ctl: hyperfine is not installed (scripts/deps.sh bench)"; exit 0; }
for init in $(select_inits multi); do
	declare -F "${init}_ctl_status" >/dev/null || continue
	d=$(new_dir ctl "$init")
	idle_services "$d" 3
	start_init "$init" "$d"
	"$H" wait-starts "$d/marks" 3 10000 >/dev/null || log "$init: not started"
	sleep 1.5
	for what in status signal; do
		if [ $what = status ]; then c=$("${init}_ctl_status" "$d"); else c=$("${init}_ctl_signal" "$d" s1 USR1); fi
		# shellcheck disable=SC2086
		if ! $c >/dev/null 2>&1; then log "$init: '$c' fails"; continue; fi
		csv=$d/hyperfine-$what.csv
		if hyperfine -N --style none --warmup 3 --runs "$CTL_RUNS" --export-csv "$csv" "$c" >/dev/null 2>"$d/hyperfine-$what.err"; then
			read -r med mn mx <<<"$(awk -F, 'NR==2{printf "%.3f %.3f %.3f", $4*1000, $7*1000, $8*1000}' "$csv")"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' ctl "$init" "$what" roundtrip "$med" "$mn" "$mx" "$CTL_RUNS" ms "$c" | tee -a "$RESULTS"
		else
			log "$init: hyperfine failed: $(tail -2 "$d/hyperfine-$what.err")"
		fi
	done
	stop_init
done
