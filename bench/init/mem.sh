#!/bin/bash
# SPDX-License-Identifier: ISC
# Test 1: RSS, PSS and USS (kB, /proc/PID/smaps_rollup) of the init's own processes (PID 1
# and per-service supervisors such as runsv / s6-supervise), services excluded, with
# 3 idle services (single-child inits: 1 idle child), SETTLE s after all started; then,
# for the multi-service inits, the same with MORE (20) services: the cost per extra
# service is (PSS_MORE - PSS_3) / (MORE - 3), from the medians.
# Also: size of the binaries and whether they are static (vcinit: stripped too).
. "$(dirname "$0")/lib.sh"
SETTLE=${SETTLE:-2}
MORE=${MORE:-20}
for init in $(select_inits any); do
	kind=$("${init}_kind")
	sizes=3; [ "$kind" = multi ] && sizes="3 $MORE"
	for n in $sizes; do
		rs=() ps=() us=() np=() detail=""
		nn=$n; [ "$kind" = single ] && nn=1
		for ((r = 0; r < REPS; r++)); do
			d=$(new_dir mem "$init")
			idle_services "$d" "$nn"
			start_init "$init" "$d"
			"$H" wait-starts "$d/marks" "$nn" 10000 >/dev/null || log "$init: services did not start"
			sleep "$SETTLE"
			R=0 P=0 U=0 k=0 detail=""
			for p in $(sup_pids "$P1"); do
				read -r a b c <<<"$(rss_pss "$p")"
				R=$((R + a)) P=$((P + b)) U=$((U + c)) k=$((k + 1))
				detail="$detail $(cat /proc/$p/comm):$a/$b/$c"
			done
			rs+=("$R") ps+=("$P") us+=("$U") np+=("$k")
			stop_init
		done
		log "$init, $nn services: processes (comm:rss/pss/uss kB):$detail"
		# single-child inits: "3svc" is their one child (they run one)
		result mem "$init" "${n}svc" rss_total kB "${rs[@]}"
		result mem "$init" "${n}svc" pss_total kB "${ps[@]}"
		result mem "$init" "${n}svc" uss_total kB "${us[@]}"
		result mem "$init" "${n}svc" nprocs count "${np[@]}"
	done
	if [ "$kind" = multi ]; then
		for m in pss uss; do
			a=$(awk -F'\t' -v i="$init" -v m="${m}_total" '$1=="mem" && $2==i && $3=="3svc" && $4==m {v=$5} END{print v}' "$RESULTS")
			b=$(awk -F'\t' -v i="$init" -v m="${m}_total" -v p="${MORE}svc" '$1=="mem" && $2==i && $3==p && $4==m {v=$5} END{print v}' "$RESULTS")
			result mem "$init" per_service "${m}_per_service" kB "$(awk -v a="$a" -v b="$b" -v n="$MORE" 'BEGIN{printf "%.1f", (b-a)/(n-3)}')"
		done
	fi
done
# sizes
for init in $(select_inits any); do
	declare -F "${init}_bins" >/dev/null || continue
	for b in $("${init}_bins"); do
		f=$(readlink -f "$b")
		st=$(file -b "$f" | grep -o 'statically linked\|dynamically linked\|script' | head -1)
		printf 'size\t%s\t%s\t%s\t%s\n' "$init" "$b" "$(stat -c %s "$f")" "${st:-?}" | tee -a "$RESULTS"
	done
done
if init_ok vcinit; then
	f=$(readlink -f "$VCINIT")
	cp "$f" "$WORK/vcinit.stripped" && strip "$WORK/vcinit.stripped"
	st=$(file -b "$f" | grep -o 'statically linked\|dynamically linked' | head -1)
	result size vcinit binary stripped_bytes bytes "$(stat -c %s "$WORK/vcinit.stripped")"
	printf 'size\tvcinit\tbinary\tlinkage\t%s\n' "${st:-?}" | tee -a "$RESULTS"
fi
