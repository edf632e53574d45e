#!/bin/bash
# SPDX-License-Identifier: ISC
# make bench-images: the base images beside the old recipe (supervisord +
# OpenSSH + zabbix_agentd from Debian packages, bench/images/old-recipe) and
# podman's floor (a static PID 1 that listens on 22 and exits on SIGTERM,
# bench/images/floor.c), in one run, on one network, through ports
# published on 127.0.0.1 as an administrator uses them. Prints a table with
# ratios and the targets of issue 7 (DESIGN: Targets restated):
#   size added over the base       <= 4 MB (podman image inspect .Size)
#   run to the first root login    <= the floor's run to first connection + 150 ms
#   podman stop -t 10              <= the floor's stop + 50 ms
#   total PSS of the idle container < 2 MB
#   wake-ups per minute when idle  0
# Expects the images of `make images` with the local bases (make
# bench-images builds them). Environment: REPS (default 5: timings are
# medians), IDLE_SECONDS (default 30).
set -u
. "$(dirname "$0")/lib.sh"
REPS=${REPS:-5}
IDLE_SECONDS=${IDLE_SECONDS:-30}
OLD=localhost/vcore-bench/old-recipe:latest
FLOOR=localhost/vcore-bench/floor:latest
SUBJECTS="alpine ubuntu old floor"
declare -A IMAGE BASE
IMAGE[alpine]=$REGISTRY/vcore/alpine-base:$VERSION
IMAGE[ubuntu]=$REGISTRY/vcore/ubuntu-base:$VERSION
IMAGE[old]=$OLD
IMAGE[floor]=$FLOOR
BASE[alpine]=localhost/alpine-standin:latest
BASE[ubuntu]=localhost/debian:bookworm
BASE[old]=localhost/debian:bookworm
BASE[floor]=localhost/debian:bookworm
declare -A R		# R[subject.metric]: the figures of the table

# The comparison images: rebuilt only when their files change (podman's
# layer cache); they keep fixed names so that the cache survives the run.
build_subjects() {
	local ctx=$W/floor
	say "building the old recipe (Debian packages) and the floor"
	pm build -q --format docker --build-arg BASE=localhost/debian:bookworm \
		-t "$OLD" "$TOP/bench/images/old-recipe" >/dev/null ||
		die "the old recipe did not build"
	mkdir -p "$ctx"
	musl-gcc -static -Os -o "$ctx/floor" "$TOP/bench/images/floor.c" &&
		strip "$ctx/floor" || die "floor.c did not build (musl-gcc)"
	printf 'FROM localhost/debian:bookworm\nCOPY floor /floor\nEXPOSE 22\nENTRYPOINT ["/floor"]\n' \
		>"$ctx/Dockerfile"
	pm build -q --format docker -t "$FLOOR" "$ctx" >/dev/null ||
		die "the floor image did not build"
}

# start SUBJECT NAME: a detached container configured as an administrator
# would (root's key and the Zabbix server by -e).
start() {
	local s=$1 name=$2 env
	case $s in
	old) env=(-e AUTHORIZED_KEYS="$KEY" -e ZBX_SERVER_HOST="$GATEWAY") ;;
	floor) env=() ;;
	*) env=(-e VCORE_AUTHORIZED_KEYS="$KEY" -e ZBX_PASSIVESERVERS="$GATEWAY") ;;
	esac
	pm run -d --name "$name" --network "$NET" -p 127.0.0.1::22 \
		-p 127.0.0.1::10050 "${env[@]}" "${IMAGE[$s]}" >/dev/null
}

# Each poll loop writes the time of its first success into a file.
poll_login() {	# NAME T0 FILE
	wait_for 30 ssh_port "$(port "$1" 22)" /dev/null true &&
		echo $(( $(now_ms) - $2 )) >"$3"
}
poll_connect() {
	wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$(port "$1" 22)" &&
		echo $(( $(now_ms) - $2 )) >"$3"
}
agent_ping() {	# PORT
	[ "$(zabbix_get -s 127.0.0.1 -p "$1" -k agent.ping 2>/dev/null)" = 1 ]
}
poll_agent() {
	wait_for 30 agent_ping "$(port "$1" 10050)" && echo $(( $(now_ms) - $2 )) >"$3"
}

# one_run SUBJECT N WHAT: run, then the first login (the floor: the first
# connection) or the first agent answer, then stop; appends the figures to
# $W/SUBJECT.{login,agent,stop,status}. One poller at a time: two would
# slow each other down on two cores.
one_run() {
	local s=$1 n=$2 what=$3 name=$P-$1-$2-$3 t0 t1
	rm -f "$W/t.$what"
	t0=$(now_ms)
	start "$s" "$name" || die "$s: podman run failed"
	case $s.$what in
	floor.login) poll_connect "$name" "$t0" "$W/t.login" ;;
	*.login) poll_login "$name" "$t0" "$W/t.login" ;;
	*.agent) poll_agent "$name" "$t0" "$W/t.agent" ;;
	esac
	[ -s "$W/t.$what" ] || { podman logs "$name" 2>&1 | tail >&2; die "$s: no $what within 30 s"; }
	cat "$W/t.$what" >>"$W/$s.$what"
	t0=$(now_ms)
	podman stop -t 10 "$name" >/dev/null 2>&1
	t1=$(now_ms)
	echo $((t1 - t0)) >>"$W/$s.stop"
	podman inspect --format '{{.State.ExitCode}}' "$name" >>"$W/$s.status"
	podman rm -f -v "$name" >/dev/null 2>&1
}

# memory NAME: "PSS USS" in kB, summed over the container's processes.
memory() {
	local p
	for p in $(container_pids "$1"); do
		cat "/proc/$p/smaps_rollup" 2>/dev/null
	done | awk '/^Pss:/ {pss += $2} /^Private_(Clean|Dirty):/ {uss += $2}
		END {print pss + 0, uss + 0}'
}

# switches NAME: context switches so far, every thread of every process.
switches() {
	local p
	for p in $(container_pids "$1"); do
		cat /proc/"$p"/task/*/status 2>/dev/null
	done | awk '/_ctxt_switches:/ {n += $2} END {print n + 0}'
}

# Idle: one container of each, after a login and an agent answer, left
# alone together; memory once settled, then wake-ups over IDLE_SECONDS.
idle_phase() {
	local s name
	declare -A c0
	for s in $SUBJECTS; do
		start "$s" "$P-$s-idle" || die "$s: podman run failed"
	done
	for s in $SUBJECTS; do
		name=$P-$s-idle
		if [ "$s" = floor ]; then
			wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$(port "$name" 22)"
		else
			wait_for 30 rssh "$name" /dev/null true || die "$s: no login"
			zabbix_get -s 127.0.0.1 -p "$(port "$name" 10050)" -k agent.ping >/dev/null
		fi
	done
	sleep 3		# let what a login started finish
	for s in $SUBJECTS; do
		read -r "R[$s.pss]" "R[$s.uss]" < <(memory "$P-$s-idle")
		R[$s.procs]=$(container_pids "$P-$s-idle" | wc -l)
		c0[$s]=$(switches "$P-$s-idle")
	done
	say "idle for $IDLE_SECONDS s"
	sleep "$IDLE_SECONDS"
	for s in $SUBJECTS; do
		R[$s.wake]=$(( ($(switches "$P-$s-idle") - c0[$s]) * 60 / IDLE_SECONDS ))
		podman rm -f -v -t 10 "$P-$s-idle" >/dev/null 2>&1
	done
}

sizes() {
	local s img base
	for s in $SUBJECTS; do
		img=$(podman image inspect --format '{{.Size}}' "${IMAGE[$s]}")
		base=$(podman image inspect --format '{{.Size}}' "${BASE[$s]}")
		R[$s.size]=$((img - base))
	done
}

# ---- the report ----

worse() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }

row() {	# LABEL ALPINE UBUNTU OLD FLOOR RATIO TARGET MET
	printf '%-34s %12s %12s %12s %10s %9s  %-28s %s\n' "$@"
}

report() {
	local a u o f vs fl
	echo
	echo "make bench-images: $(date -u +%Y-%m-%dT%H:%MZ), $REPS runs each (medians), podman $(podman version --format '{{.Client.Version}}'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "vcore alpine on ${BASE[alpine]}, vcore ubuntu and the old recipe on ${BASE[ubuntu]} (no Alpine or Ubuntu registry reachable here)"
	echo
	row "" "vcore alpine" "vcore ubuntu" "old recipe" "floor" "vcore/old" "target" "met"
	# size
	a=${R[alpine.size]} u=${R[ubuntu.size]} o=${R[old.size]} f=${R[floor.size]}
	vs=$(worse "$a" "$u")
	row "size added over the base (MB)" "$(mb "$a" 1e6)" "$(mb "$u" 1e6)" "$(mb "$o" 1e6)" \
		"$(mb "$f" 1e6)" "$(ratio "$vs" "$o")" "<= 4 MB" "$(verdict "$vs <= 4000000")"
	# first login
	a=${R[alpine.login]} u=${R[ubuntu.login]} o=${R[old.login]} fl=${R[floor.login]}
	vs=$(worse "$a" "$u")
	row "run to first root login (ms)" "$a" "$u" "$o" "$fl" "$(ratio "$vs" "$o")" \
		"<= floor + 150 = $((fl + 150))" "$(verdict "$vs <= $fl + 150")"
	a=${R[alpine.agent]} u=${R[ubuntu.agent]} o=${R[old.agent]}
	row "run to first agent answer (ms)" "$a" "$u" "$o" "-" "$(ratio "$(worse "$a" "$u")" "$o")" "(reported)" ""
	# memory
	a=${R[alpine.pss]} u=${R[ubuntu.pss]} o=${R[old.pss]} f=${R[floor.pss]}
	vs=$(worse "$a" "$u")
	row "total PSS, idle container (MB)" "$(mb "$a" 1024)" "$(mb "$u" 1024)" "$(mb "$o" 1024)" \
		"$(mb "$f" 1024)" "$(ratio "$vs" "$o")" "< 2 MB" "$(verdict "$vs < 2048")"
	a=${R[alpine.uss]} u=${R[ubuntu.uss]} o=${R[old.uss]} f=${R[floor.uss]}
	row "total USS, idle container (MB)" "$(mb "$a" 1024)" "$(mb "$u" 1024)" "$(mb "$o" 1024)" \
		"$(mb "$f" 1024)" "$(ratio "$(worse "$a" "$u")" "$o")" "(reported)" ""
	row "processes in the idle container" "${R[alpine.procs]}" "${R[ubuntu.procs]}" \
		"${R[old.procs]}" "${R[floor.procs]}" "" "" ""
	# stop
	a=${R[alpine.stop]} u=${R[ubuntu.stop]} o=${R[old.stop]} fl=${R[floor.stop]}
	vs=$(worse "$a" "$u")
	row "podman stop -t 10 (ms)" "$a" "$u" "$o" "$fl" "$(ratio "$vs" "$o")" \
		"<= floor + 50 = $((fl + 50))" "$(verdict "$vs <= $fl + 50")"
	row "  exit statuses after stop" "${R[alpine.status]}" "${R[ubuntu.status]}" \
		"${R[old.status]}" "${R[floor.status]}" "" "0" \
		"$(verdict "\"${R[alpine.status]},${R[ubuntu.status]}\" == \"0,0\"")"
	# wake-ups
	a=${R[alpine.wake]} u=${R[ubuntu.wake]} o=${R[old.wake]} f=${R[floor.wake]}
	row "wake-ups per minute, idle" "$a" "$u" "$o" "$f" "-" "0" \
		"$(verdict "$(worse "$a" "$u") == 0")"
	echo
	echo "size: podman image inspect .Size minus the base's; login: podman run -d until ssh root@127.0.0.1 (published 22) succeeds, polled"
	echo "(the floor: until a TCP connection to its published 22 succeeds); agent: until zabbix_get agent.ping answers 1; PSS/USS: sum of"
	echo "smaps_rollup over the container's PID namespace after a login and an agent answer; wake-ups: voluntary + involuntary context"
	echo "switches of every thread over ${IDLE_SECONDS} s, all four idle together."
}

main() {
	local s n m
	for s in alpine ubuntu; do
		podman image exists "${IMAGE[$s]}" || die "${IMAGE[$s]} is missing: make images (see images/module.mk)"
	done
	make_network || die "could not create the network $NET"
	build_subjects
	sizes
	# Interleaved, so that a busy moment of the machine hits every subject.
	for n in $(seq "$REPS"); do
		say "run $n of $REPS"
		for s in $SUBJECTS; do
			one_run "$s" "$n" login
			[ "$s" = floor ] || one_run "$s" "$n" agent
		done
	done
	for s in $SUBJECTS; do
		for m in login agent stop; do
			[ -s "$W/$s.$m" ] && R[$s.$m]=$(median <"$W/$s.$m")
		done
		# the distinct statuses, "0" when every stop exited 0
		R[$s.status]=$(sort -u "$W/$s.status" | paste -sd, -)
	done
	idle_phase
	report
}

main "$@"
