#!/bin/bash
# SPDX-License-Identifier: ISC
# The two tables of `make bench` from a results.tsv (default $RESULTS):
#  1. vcinit beside each other init: medians, and the ratio other ÷ vcinit (above 1:
#     the other costs more than vcinit; below 1: less);
#  2. issue #2's targets ("Speed and memory"), vcinit's figure, pass or fail, with
#     the floor (bare) measured in the same run.
. "$(dirname "$0")/lib.sh" >/dev/null
F=${1:-$RESULTS}
# inits in the order of INITS (vcinit first), as far as they have results
inits=$(for i in vcinit ${INITS:-$ALL_INITS}; do echo "$i"; done | awk '!s[$0]++' |
	while read -r i; do awk -F'\t' -v i="$i" '$2==i && $1!="size" {f=1} END{exit !f}' "$F" && echo "$i"; done)
others=$(grep -vx vcinit <<<"$inits")

# val TEST INIT PARAM_RE METRIC [COL]: the median (col 5) of the last matching row
val() {
	awk -F'\t' -v t="$1" -v i="$2" -v p="^$3\$" -v m="$4" -v c="${5:-5}" \
		'$1==t && $2==i && $3 ~ p && $4==m {v=$c} END{print v}' "$F"
}
num() { [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; }
fmt() { # a figure, rounded for reading
	num "$1" || { printf '%s' "${1:-–}"; return; }
	awk -v v="$1" 'BEGIN{a = v < 0 ? -v : v; if (a < 0.005) v = 0
		if (a >= 100 || v == int(v)) printf "%.0f", v; else if (a >= 10) printf "%.1f", v; else printf "%.2f", v}'
}
ratio() { # OTHER VCINIT -> "×r"
	num "$1" && num "$2" || return
	awk -v o="$1" -v v="$2" 'BEGIN{ if (v <= 0 || o <= 0) exit; r = o / v
		if (r >= 100) printf " (%.0f×)", r; else if (r >= 10) printf " (%.0f×)", r; else printf " (%.2g×)", r }'
}
# binaries' total size for an init (kB, from the size rows)
binsize() {
	if [ "$1" = vcinit ]; then
		v=$(val size vcinit binary stripped_bytes); num "$v" && awk -v v="$v" 'BEGIN{printf "%.0f", v/1024}'
		return
	fi
	awk -F'\t' -v i="$1" '$1=="size" && $2==i && $4 ~ /^[0-9]+$/ {s[$3]=$4} END{for (k in s) t+=s[k]; if (t) printf "%.0f", t/1024}' "$F"
}

rows=(
	"mem|3svc|pss_total|PSS of PID 1 + its supervisor processes, 3 idle services (kB)|r"
	"mem|3svc|uss_total|USS, same (kB)|r"
	"mem|3svc|nprocs|processes (PID 1 + supervisors), 3 services|-"
	"mem|per_service|pss_per_service|PSS per extra service, (PSS20 - PSS3)/17 (kB)|r"
	"start|N=1|all_running|exec of PID 1 -> 1 service running (ms)|r"
	"start|N=100|all_running|exec of PID 1 -> 100 services running (ms)|r"
	"restart|kill9|restart_latency|restart after kill -9, first (ms)|r"
	"restart|kill9_again|restart_latency|restart after a 2nd kill -9 1.5 s later (ms)|r"
	"idle|idle_[0-9]+s|wakeups_per_min|idle wake-ups per minute, 3 services|r"
	"idle|idle_[0-9]+s|supervisor_cpu|idle CPU (% of a core)|r"
	"crashloop|exit1_[0-9]+s|restarts_per_min|crash loop (exit 1 at once): starts per minute|-"
	"crashloop|exit1_[0-9]+s|longest_pause|  longest pause between two starts (ms)|-"
	"crashloop|exit1_[0-9]+s|quiet_last_5s|  no start in the last 5 s (1: gave up, or backoff > 5 s)|-"
	"shutdown|10svc_1ignores|pid1_exit|shutdown, 10 services, 1 ignores TERM: PID 1 gone after (ms)|r"
	"shutdown|10svc_1ignores|services_that_got_SIGTERM|  services that got SIGTERM (of 10)|-"
	"shutdown|10svc_1ignores|ignorer_death|  the ignorer died after (ms)|-"
	"shutdown|10svc_1ignores|pid1_exit_minus_last_death|  PID 1's exit - the last death (ms)|-"
	"shutdown|10svc_1ignores|exit_status|  exit status of PID 1 (each run)|-"
	"reap|orphans=2000|reap_all_ms|2,000 orphans: all reaped after (ms)|r"
	"reap|orphans=2000|zombies_after_2s|  zombies left 2 s after|-"
	"ctl|status|roundtrip|status command round trip (ms)|r"
	"ctl|signal|roundtrip|signal command round trip (ms)|r"
	"signals|ctl_to_service_USR1|ctl_latency|signal via the tool -> the service has it (ms)|r"
	"size|-|-|binaries (kB; vcinit: stripped)|r"
)
echo
echo "Table 1: vcinit beside the others (medians of REPS=$REPS runs; in brackets other ÷ vcinit)"
echo
printf '| metric |'; for i in $inits; do printf ' %s |' "$i"; done; echo
printf '|---|'; for i in $inits; do printf -- '---|'; done; echo
for row in "${rows[@]}"; do
	IFS='|' read -r t p m label how <<<"$row"
	if [ "$t" = size ]; then vv=$(binsize vcinit); else vv=$(val "$t" vcinit "$p" "$m"); fi
	printf '| %s |' "$label"
	for i in $inits; do
		if [ "$t" = size ]; then v=$(binsize "$i"); else v=$(val "$t" "$i" "$p" "$m"); fi
		[ -n "$v" ] || v="n/a"
		if [ "$i" = vcinit ] || [ "$how" = - ]; then printf ' %s |' "$(fmt "$v")"
		else printf ' %s%s |' "$(fmt "$v")" "$(ratio "$v" "$vv")"; fi
	done
	echo
done
echo
for i in $inits; do
	s=$(awk -F'\t' -v i="$i" '$1=="shutdown" && $2==i && $3=="stop_timeout" {v=$5} END{print v}' "$F")
	[ -n "$s" ] && echo "  $i: $s"
done | sed '1i Stop timeouts in the shutdown test:' 
lk=$(val size vcinit binary linkage)
[ -n "$lk" ] && echo "vcinit: $VCINIT, $lk, $(val size vcinit binary stripped_bytes) bytes stripped"

# ---- targets
verdict() { # VALUE EXPR (awk, on v) -> pass / FAIL, or n/a when there is no figure
	num "$1" || { echo "n/a"; return; }
	awk -v v="$1" "BEGIN{ if ($2) print \"pass\"; else print \"FAIL\" }"
}
# target LABEL UNIT VCINIT_VALUE FLOOR_VALUE EXPR: one row; a FAIL where the floor (bare,
# same run) fails too says so: this machine, at this load, cannot meet it.
target() {
	local v f fv
	v=$(verdict "$3" "$5")
	if [ "$v" = FAIL ] && [ "$(verdict "$4" "$5")" = FAIL ]; then
		v="FAIL (the floor too; vcinit $(awk -v a="$3" -v b="$4" 'BEGIN{printf "%.2g", a/b}')× the floor)"
	fi
	f=""; num "$4" && f="$(fmt "$4")$2"
	num "$3" && fv="$(fmt "$3")$2" || fv="–"
	printf '| %s | %s | %s | %s |\n' "$1" "$fv" "$v" "$f"
}
V() { val "$1" vcinit "$2" "$3" "${4:-5}"; }
B() { val "$1" bare "$2" "$3" "${4:-5}"; }
I='idle_[0-9]+s' S=10svc_1ignores O=orphans=2000
echo
echo "Table 2: issue #2 targets for vcinit (medians of REPS=$REPS; 'floor' = bare minisup in the same run)"
echo
echo "| target | vcinit | verdict | floor (bare) |"
echo "|---|---|---|---|"
target "total PSS <= 250 KB + 8 KB per service: with 3 services <= 274 kB" " kB" "$(V mem 3svc pss_total)" "$(B mem 3svc pss_total)" 'v <= 274'
target "  and <= 8 kB per extra service" " kB" "$(V mem per_service pss_per_service)" "$(B mem per_service pss_per_service)" 'v <= 8'
target "first restart after kill -9 < 1 ms" " ms" "$(V restart kill9 restart_latency)" "$(B restart kill9 restart_latency)" 'v < 1'
target "1 service running within 0.5 ms of the exec of PID 1" " ms" "$(V start N=1 all_running)" "$(B start N=1 all_running)" 'v <= 0.5'
target "100 services running within 20 ms" " ms" "$(V start N=100 all_running)" "$(B start N=100 all_running)" 'v <= 20'
target "zero wake-ups when idle (worst run)" "/min" "$(V idle "$I" wakeups_per_min 7)" "$(B idle "$I" wakeups_per_min 7)" 'v == 0'
target "shutdown: every service gets the stop signal (worst run)" "/10" "$(V shutdown $S services_that_got_SIGTERM 6)" "$(B shutdown $S services_that_got_SIGTERM 6)" 'v == 10'
target "shutdown: the ignorer is killed at its stop_timeout ($STOP_TIMEOUT_MS ms, +50 ms)" " ms" "$(V shutdown $S ignorer_death)" "$(B shutdown $S ignorer_death)" "v >= $STOP_TIMEOUT_MS && v <= $STOP_TIMEOUT_MS + 50"
target "shutdown: PID 1 exits within 5 ms of the last death" " ms" "$(V shutdown $S pid1_exit_minus_last_death)" "$(B shutdown $S pid1_exit_minus_last_death)" 'v >= -0.5 && v <= 5'
target "2,000 orphans reaped within 60 ms" " ms" "$(V reap $O reap_all_ms)" "$(B reap $O reap_all_ms)" 'v <= 60'
target "  no zombie left (worst run, 2 s after the release)" "" "$(V reap $O zombies_after_2s 7)" "$(B reap $O zombies_after_2s 7)" 'v == 0'
target "vcctl status round trip around 2 ms (<= 2.5)" " ms" "$(V ctl status roundtrip)" "" 'v <= 2.5'
target "vcctl signal round trip around 2 ms (<= 2.5)" " ms" "$(V ctl signal roundtrip)" "" 'v <= 2.5'
target "static binary < 300 KB (307,200 bytes) stripped" " bytes" "$(V size binary stripped_bytes)" "" 'v < 307200'
fx=$(val baseline host fork_exec_static per_op_median_of_2000)
[ -n "$fx" ] && echo && echo "This machine in this run: fork+exec+exit+wait of a static binary $(fmt "$fx") µs (baseline.sh; 92 µs in ../shared/notes/init.md's quiet run), load average $(cut -d' ' -f1-3 /proc/loadavg) now."
