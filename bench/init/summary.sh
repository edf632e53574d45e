#!/bin/bash
# SPDX-License-Identifier: ISC
# Markdown tables from a results.tsv (default: $WORK/results.tsv): "median [min-max]",
# every figure of every init (report.sh prints the two tables of make bench).
. "$(dirname "$0")/lib.sh" >/dev/null
F=${1:-$RESULTS}
cell() { # test param metric init
	awk -F'\t' -v t="$1" -v p="$2" -v m="$3" -v i="$4" '
		$1==t && $3==p && $4==m && $2==i { if ($8 ~ /^[0-9]+$/ && $8 > 0) {
			out = ($6 == $7) ? $5 : sprintf("%s [%s–%s]", $5, $6, $7) } else out = $5 }
		END { printf "%s", (out == "") ? "–" : out }' "$F"  # the last row wins
}
inits=$(awk -F'\t' '$1!="baseline" && $1!="size" {print $2}' "$F" | awk '!s[$0]++')
cols=(
	"mem|3svc|pss_total|PSS kB"
	"mem|3svc|uss_total|USS kB"
	"mem|3svc|rss_total|RSS kB"
	"mem|per_service|pss_per_service|PSS kB/extra svc"
	"start|N=1|all_running|start N=1 ms"
	"start|N=100|all_running|start N=100 ms"
	"restart|kill9|restart_latency|restart ms"
	"restart|kill9_again|restart_latency|2nd restart ms"
	"idle|idle_${DUR:-20}s|wakeups_per_min|idle wakeups/min"
	"crashloop|exit1_${DUR:-20}s|restarts_per_min|crash restarts/min"
	"crashloop|exit1_${DUR:-20}s|supervisor_cpu|crash CPU %"
	"crashloop|exit1_${DUR:-20}s|longest_pause|crash longest pause ms"
	"crashloop|exit1_${DUR:-20}s|quiet_last_5s|quiet last 5 s"
	"shutdown|10svc_1ignores|pid1_exit|shutdown ms"
	"shutdown|10svc_1ignores|exit_status|PID1 exit"
	"shutdown|10svc_1ignores|services_that_got_SIGTERM|got TERM /10"
	"shutdown|10svc_1ignores|pid1_exit_minus_last_death|exit - last death ms"
	"reap|orphans=2000|reap_all_ms|reap 2000 ms"
	"reap|orphans=2000|zombies_after_2s|zombies @2s"
	"ctl|status|roundtrip|status ms"
	"ctl|signal|roundtrip|signal ms"
)
printf '| init |'; for c in "${cols[@]}"; do printf ' %s |' "${c##*|}"; done; echo
printf '|---|'; for c in "${cols[@]}"; do printf -- '---|'; done; echo
for i in $inits; do
	printf '| %s |' "$i"
	for c in "${cols[@]}"; do IFS='|' read -r t p m _ <<<"$c"; printf ' %s |' "$(cell "$t" "$p" "$m" "$i")"; done
	echo
done
echo
echo '| baseline (host, per operation) | median µs [min–max of run medians] |'
echo '|---|---|'
awk -F'\t' '$1=="baseline" {r[$3]=sprintf("| %s | %s [%s–%s] |", $3, $5, $6, $7); if (!s[$3]++) o[++n]=$3}
	END {for (k=1; k<=n; k++) print r[o[k]]}' "$F"
