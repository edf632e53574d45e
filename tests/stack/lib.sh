# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# Shared by tests/stack/run.sh and bench/stack/run.sh (source it): the
# images' test library (names, clients, checks), then the stack as an
# administrator runs it: compose.yaml copied to a scratch folder with an
# .env made from .env.example, podman-compose under the project name
# $P-stack, and the waits on its containers' health.
# (bench/images/lib.sh may have loaded it already: one scratch folder.)
declare -F check >/dev/null || . "$(dirname "${BASH_SOURCE[0]}")/../images/lib.sh"

PROJ=$P-stack		# podman-compose names: ${PROJ}_SERVICE_1, ${PROJ}_VOLUME
STACK=$W/stack		# compose.yaml and its .env, as an administrator has them
SERVICES="ldap postgres web samba user node1 node2 jupyter"
mkdir -p "$STACK"
cp "$TOP/compose.yaml" "$STACK/compose.yaml"

# The network podman-compose made is ours too.
stack_cleanup() {
	podman network rm -f "${PROJ}_core" >/dev/null 2>&1
	cleanup
}
trap stack_cleanup EXIT

# compose ARGS...: podman-compose on the copy, its chatter in $W/compose.log.
compose() {
	(cd "$STACK" && podman-compose -p "$PROJ" "$@") >>"$W/compose.log" 2>&1
}

cname() { echo "${PROJ}_$1_1"; }
ip_of() {
	podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' \
		"$(cname "$1")"
}

# free_port: a loopback TCP port nothing listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# write_env [LEAVE-OUT]: .env from .env.example with the test's values
# (images from the local registry, the client key for root, the agents open
# to podman's networks, where the host's zabbix_get comes from, ports
# published on free loopback ports); the
# variable LEAVE-OUT is dropped.
write_env() {
	sed -e "s|^VCORE_REGISTRY=.*|VCORE_REGISTRY=$REGISTRY|" \
		-e "s|^VCORE_VERSION=.*|VCORE_VERSION=$VERSION|" \
		-e "s|^VCORE_AUTHORIZED_KEYS=.*|VCORE_AUTHORIZED_KEYS=$KEY|" \
		-e "s|^ZBX_PASSIVESERVERS=.*|ZBX_PASSIVESERVERS=10.0.0.0/8,172.16.0.0/12,192.168.0.0/16|" \
		-e "s|^LDAP_DOMAIN=.*|LDAP_DOMAIN=example.org|" \
		-e "s|^LDAP_ADMIN_PASSWORD=.*|LDAP_ADMIN_PASSWORD=adminpw|" \
		-e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=pgadminpw|" \
		-e "s|^SAMBA_PASSWORD=.*|SAMBA_PASSWORD=sambapw|" \
		-e "s|^SSH_ALLOW_GROUPS=.*|SSH_ALLOW_GROUPS=research|" \
		-e "s|^PUBLISH_LDAPS=.*|PUBLISH_LDAPS=$(free_port)|" \
		-e "s|^PUBLISH_POSTGRES=.*|PUBLISH_POSTGRES=$(free_port)|" \
		-e "s|^PUBLISH_WEB=.*|PUBLISH_WEB=$(free_port)|" \
		-e "s|^PUBLISH_SAMBA=.*|PUBLISH_SAMBA=$(free_port)|" \
		-e "s|^PUBLISH_SSH=.*|PUBLISH_SSH=$(free_port)|" \
		-e "s|^PUBLISH_JUPYTER=.*|PUBLISH_JUPYTER=$(free_port)|" \
		"$TOP/.env.example" | { if [ -n "${1:-}" ]; then grep -v "^$1="; else cat; fi; } \
		>"$STACK/.env"
}

# all_healthy: every container's HEALTHCHECK (vcctl health) passes.
all_healthy() {
	local s
	for s in $SERVICES; do
		podman healthcheck run "$(cname "$s")" >/dev/null 2>&1 || return 1
	done
}

wait_stack() {
	wait_for 300 all_healthy && return 0
	local s
	for s in $SERVICES; do
		podman healthcheck run "$(cname "$s")" >/dev/null 2>&1 && continue
		echo "== $s is not healthy"
		podman exec "$(cname "$s")" vcctl status 2>&1
		logs_of "$(cname "$s")" | tail -n 15
	done
	return 1
}

