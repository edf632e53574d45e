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

# wait_login NAME SECONDS: until root can log in.
wait_login() {
	wait_for "$2" ssh_port "$(port "$1" 22)" /dev/null true
}
