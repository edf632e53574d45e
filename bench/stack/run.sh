#!/bin/bash
# SPDX-License-Identifier: ISC
# make bench-stack: the whole Virtual Core (compose.yaml) with
# podman-compose on this machine, as tests/stack/run.sh brings it up:
#   - ready: from `podman-compose up -d` to every container healthy (vcctl
#     health, the images' HEALTHCHECK), on empty volumes (the first start:
#     directory, database, keys made) and then on the kept volumes;
#   - memory, once settled: each container's PSS, and the part of it that is
#     vcore's own (vcinit, its agent, vcsshd), as the kernel counts it (the
#     containers share the static programs' pages) and as if each container
#     were alone;
#   - down: `podman-compose down -t 10` (it stops the containers one after
#     the other), and whether every vcinit exited 0 on its own.
# Targets (issue 9): vcore's own under 2 MB PSS per container, ready in
# under 30 s, down under 10 s with nothing killed. The alternative a user
# would pick, the old recipe (supervisord + OpenSSH + zabbix_agentd) in each
# container, is measured per image by make bench-images (36-38 MB of PSS
# each there); its row here is that figure times the containers.
# Environment: REPS (default 3) warm starts; OLD_RECIPE_MB (default 37).
. "$(dirname "$0")/../images/lib.sh"
. "$TOP/tests/stack/lib.sh"

REPS=${REPS:-3}
OLD_RECIPE_MB=${OLD_RECIPE_MB:-37}

say() { echo "bench-stack: $*" >&2; }

# up_ready: ms from podman-compose up to every container healthy.
up_ready() {
	local start
	start=$(now_ms)
	compose up -d || die "podman-compose up failed: $(tail -n 20 "$W/compose.log")"
	wait_stack >&2 || die "the stack did not become healthy"
	echo $(($(now_ms) - start))
}

# down_timed: ms of podman-compose down -t 10; each container's log is
# followed meanwhile, and "killed" is printed for each vcinit that did not
# log its exit with status 0.
down_timed() {
	local s start ms since pids=()
	# From a fixed time, not "the last second": a follower that attaches
	# late still gets the stop's lines.
	since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	for s in $SERVICES; do
		podman logs -f --since "$since" "$(cname "$s")" >"$W/down.$s.log" 2>&1 &
		pids+=($!)
	done
	start=$(now_ms)
	compose down -t 10 || die "podman-compose down failed"
	ms=$(($(now_ms) - start))
	wait "${pids[@]}" 2>/dev/null
	echo "$ms"
	for s in $SERVICES; do
		grep -q 'vcinit: info: exiting with status 0' "$W/down.$s.log" || echo "killed $s"
		grep -q '^vcinit: .*\(SIGKILL\|killing\)' "$W/down.$s.log" && echo "killed $s"
	done
}

# memory: "SERVICE VCORE_PSS VCORE_ALONE TOTAL_PSS" in kB per container.
memory() {
	local s
	for s in $SERVICES; do
		processes "$(cname "$s")" | awk -v s="$s" '
			$1 == "vcinit" || $1 == "agent" || $1 == "vcsshd" { v += $2; a += ($4 == "-" ? $2 : $4) }
			{ t += $2 }
			END { print s, v + 0, a + 0, t + 0 }'
	done
}

main() {
	local cold warm=() downs=() killed="" out ms i
	command -v podman-compose >/dev/null || die "no podman-compose (scripts/deps.sh stack)"
	write_env
	say "cold start (empty volumes)"
	cold=$(up_ready)
	sleep 5
	memory >"$W/memory"
	out=$(down_timed)
	downs+=("$(sed -n 1p <<<"$out")")
	killed+=$(sed -n '2,$p' <<<"$out")
	for ((i = 1; i <= REPS; i++)); do
		say "warm start $i of $REPS (kept volumes)"
		warm+=("$(up_ready)")
		out=$(down_timed)
		downs+=("$(sed -n 1p <<<"$out")")
		killed+=$(sed -n '2,$p' <<<"$out")
	done
	ms=$(printf '%s\n' "${warm[@]}" | median)
	local down_ms max_vcore total_pss vcore_pss n
	down_ms=$(printf '%s\n' "${downs[@]}" | median)
	read -r max_vcore vcore_pss total_pss n < <(awk '{ if ($3 > m) m = $3; v += $2; t += $4; n++ }
		END { print m, v, t, n }' "$W/memory")

	echo
	echo "== the Virtual Core: $n containers ($SERVICES), $(podman-compose version 2>&1 | awk '/podman-compose.* version/ {print "podman-compose", $NF}')"
	printf '%-10s %12s %16s %12s\n' container "vcore PSS" "vcore alone" "all PSS"
	awk '{ printf "%-10s %9.2f MB %13.2f MB %9.2f MB\n", $1, $2 / 1024, $3 / 1024, $4 / 1024 }' "$W/memory"
	printf '%-10s %9.2f MB %16s %9.2f MB  (vcore %.1f%% of the stack)\n' total \
		"$(mb "$vcore_pss" 1024)" "" "$(mb "$total_pss" 1024)" \
		"$(awk -v v="$vcore_pss" -v t="$total_pss" 'BEGIN { print t ? 100 * v / t : 0 }')"
	echo "old recipe's own processes instead: about $((OLD_RECIPE_MB * n)) MB ($OLD_RECIPE_MB MB each, make bench-images): vcore's are $(ratio "$vcore_pss" "$((OLD_RECIPE_MB * n * 1024))") of that"
	echo
	printf '%-34s %10s %10s %s\n' measure value target met
	printf '%-34s %7s ms %7s ms %s\n' "up to healthy, empty volumes" "$cold" 30000 "$(verdict "$cold < 30000")"
	printf '%-34s %7s ms %7s ms %s  (%s runs: %s)\n' "up to healthy, kept volumes" "$ms" 30000 \
		"$(verdict "$ms < 30000")" "$REPS" "${warm[*]}"
	printf '%-34s %7s ms %7s ms %s  (runs: %s)\n' "podman-compose down -t 10" "$down_ms" 10000 \
		"$(verdict "$down_ms < 10000")" "${downs[*]}"
	printf '%-34s %7s    %7s    %s\n' "containers killed at down" "$(grep -c . <<<"$killed")" 0 \
		"$(verdict "$(grep -c . <<<"$killed") == 0")"
	printf '%-34s %7s kB %7s kB %s\n' "vcore own PSS alone, max container" "$max_vcore" 2048 \
		"$(verdict "$max_vcore < 2048")"
	[ -z "$killed" ] || echo "$killed"
}

main "$@"
