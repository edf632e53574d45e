# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# Shared by tests/images/run.sh and bench/images/run.sh (source it): a
# scratch folder $W, a name prefix $P for everything they create (removed by
# name at exit, nothing else is touched), bounded waits, and the real
# clients: the OpenSSH client with a key of its own, zabbix_get, podman.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
REGISTRY=${REGISTRY:-127.0.0.1:5000}
VERSION=${VERSION:-$(sed -n 's/^VERSION := //p' "$TOP/Makefile")}
P=vcit$$		# containers, volumes, networks and images: $P-...
W=$(mktemp -d /tmp/vcore-images.XXXXXX)
NET=$P-net
export LC_ALL=C

# now_ms: a monotonic-enough clock for durations.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_for SECONDS COMMAND...: until COMMAND succeeds; 1 at the limit.
wait_for() {
	local limit=$1; shift
	local end=$(($(now_ms) + limit * 1000))
	until "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.02
	done
}

# Podman prints harmless errors about systemd timers for every container
# with a HEALTHCHECK and about syslog (neither exists here): keep them out.
pm() { podman "$@" 2> >(grep -v 'systemd\|failed to connect to syslog' >&2); }

# cleanup: only what this run created, by name.
cleanup() {
	local c v
	for c in $(podman ps -a --format '{{.Names}}' | grep "^$P-"); do
		podman rm -f -v -t 0 "$c" >/dev/null 2>&1
	done
	for v in $(podman volume ls --format '{{.Name}}' | grep "^$P-"); do
		podman volume rm -f "$v" >/dev/null 2>&1
	done
	podman network exists "$NET" && podman network rm -f "$NET" >/dev/null 2>&1
	for c in $(podman images --format '{{.Repository}}:{{.Tag}}' | grep "/$P-"); do
		podman rmi -f "$c" >/dev/null 2>&1
	done
	[ -f "$W/service.pid" ] && kill "$(cat "$W/service.pid")" 2>/dev/null
	if [ -d "$W/store" ]; then
		podman --root "$W/store/root" --runroot "$W/store/run" rmi -af \
			>/dev/null 2>&1
		umount -l "$W/store/root/overlay" 2>/dev/null
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The client key (ed25519, no passphrase) every container gets by -e.
ssh-keygen -q -t ed25519 -N '' -C vcore-image-test -f "$W/id" ||
	{ echo "ssh-keygen failed" >&2; exit 1; }
KEY=$(cat "$W/id.pub")

# A network of our own: the agent's allow list names its gateway, which is
# where connections through published ports on 127.0.0.1 come from.
make_network() {
	podman network exists "$NET" || podman network create "$NET" >/dev/null ||
		return 1
	GATEWAY=$(podman network inspect "$NET" \
		--format '{{range .Subnets}}{{.Gateway}} {{end}}' | awk '{print $1}')
	[ -n "$GATEWAY" ]
}

# port NAME PORT: the host port published for PORT (on 127.0.0.1).
port() {
	local out
	out=$(podman port "$1" "$2" 2>/dev/null | head -n 1)
	echo "${out##*:}"
}

# rssh NAME KNOWN_HOSTS COMMAND...: root login through the published 22.
rssh() {
	local name=$1; shift
	ssh_port "$(port "$name" 22)" "$@"
}

# ssh_port PORT KNOWN_HOSTS COMMAND...: the same on a known port (a poll
# loop asks podman for the port once: each `podman port` costs 40 ms).
ssh_port() {
	local p=$1 known=$2; shift 2
	ssh -i "$W/id" -p "$p" -o BatchMode=yes \
		-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile="$known" \
		-o ConnectTimeout=5 -o LogLevel=ERROR root@127.0.0.1 "$@" </dev/null
}

# host_key NAME: the SHA256 fingerprint of the host key the client sees.
host_key() {
	ssh-keyscan -T 5 -t ed25519 -p "$(port "$1" 22)" 127.0.0.1 2>/dev/null |
		ssh-keygen -lf - | awk '{print $2}'
}

# run_base NAME IMAGE [PODMAN RUN OPTIONS...]: a detached container as an
# administrator starts one: the key and the Zabbix server by -e, 22 and
# 10050 published on loopback.
run_base() {
	local name=$1 image=$2; shift 2
	pm run -d --name "$name" --network "$NET" \
		-p 127.0.0.1::22 -p 127.0.0.1::10050 \
		-e VCORE_AUTHORIZED_KEYS="$KEY" \
		-e ZBX_SERVER_HOST="$GATEWAY" -e ZBX_ACTIVE_ALLOW=false \
		"$@" "$image" >/dev/null
}

# container_pids NAME: the processes of a container (those in the PID
# namespace of its PID 1).
container_pids() {
	local pid1 ns p
	pid1=$(podman inspect --format '{{.State.Pid}}' "$1")
	ns=$(readlink "/proc/$pid1/ns/pid")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"
	done
}

# wait_login NAME SECONDS: until root can log in.
wait_login() {
	wait_for "$2" ssh_port "$(port "$1" 22)" /dev/null true
}

# ---- checks: one line each, "N passed, N failed" at the end ----

passed=0 failed=0
failures=()

# check NAME FUNCTION ARGS...: runs FUNCTION in a subshell (why ends it;
# what later checks need goes through files in $W), its output kept for a
# failure report.
check() {
	local name=$1 start rc; shift
	start=$(now_ms)
	("$@") >"$W/check.out" 2>&1
	rc=$?
	local took=$(( $(now_ms) - start ))
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		printf 'ok   %s (%d.%02ds)\n' "$name" $((took / 1000)) $((took % 1000 / 10))
	else
		failed=$((failed + 1))
		failures+=("$name")
		printf 'FAIL %s (%d.%02ds)\n' "$name" $((took / 1000)) $((took % 1000 / 10))
		tail -n 40 "$W/check.out" | sed 's/^/    /'
	fi
	return 0
}

# summary: the failed checks' names and the count; 0 when none failed.
summary() {
	[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# why TEXT: ends the check as failed, with its reason.
why() { echo "$*"; exit 1; }

# logs_of NAME: what `podman logs` shows (stdout and stderr).
logs_of() { podman logs "$1" 2>&1; }


# ---- what every service image must do (tests/images/<service>.sh) ----

# common_checks IMAGE NAME SERVICE...: container NAME was started with
# run_base and is up; SERVICE... are the image's own services (besides
# agent and sshd). Stops the container at the end.
common_checks() {
	local image=$1 name=$2; shift 2
	check "$image: vcctl health (the HEALTHCHECK) is healthy" c_svc_health "$name"
	check "$image: zabbix_get vcore.service.discovery lists $*" c_svc_zabbix "$name" "$@"
	check "$image: root logs in over SSH with the key given by -e" c_svc_ssh "$name"
	check "$image: podman stop well within its timeout, nothing killed" c_svc_stop "$name" "$@"
}

c_svc_health() {
	pm healthcheck run "$1" || { podman exec "$1" vcctl status; why "not healthy"; }
}

c_svc_zabbix() {
	local name=$1 out s; shift
	out=$(zabbix_get -s 127.0.0.1 -p "$(port "$name" 10050)" -k vcore.service.discovery) ||
		why "zabbix_get failed"
	echo "$out"
	for s in agent sshd "$@"; do
		grep -q "\"{#SERVICE}\":\"$s\"" <<<"$out" || why "service $s missing"
	done
}

c_svc_ssh() {
	local out
	out=$(rssh "$1" /dev/null 'id -u; vcctl status') || why "ssh failed"
	echo "$out"
	[ "$(sed -n 1p <<<"$out")" = 0 ] || why "not root"
}

# Stopped within 5 s of a 10 s timeout, exit status 0, every service
# stopped by its own signal: no SIGKILL anywhere.
c_svc_stop() {
	local name=$1 start took code out s; shift
	start=$(now_ms)
	pm stop -t 10 "$name" >/dev/null || why "podman stop failed"
	took=$(( $(now_ms) - start ))
	code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
	out=$(logs_of "$name" | sed -n '/SIGTERM: shutting down/,$p')
	echo "stopped in $took ms, status $code"
	tail -n 20 <<<"$out"
	[ "$took" -lt 5000 ] || why "podman stop took $took ms"
	[ "$code" = 0 ] || why "exit status $code"
	# vcinit's own lines: a daemon may say "killing" of its own workers
	grep -q '^vcinit: .*\(SIGKILL\|killing\)' <<<"$out" && why "something was killed"
	for s in agent sshd "$@"; do
		grep -q "$s: stopped" <<<"$out" || why "no 'stopped' line for $s"
	done
}
