#!/bin/bash
# SPDX-License-Identifier: ISC
# make check-stack: the whole Virtual Core (compose.yaml at the top) brought
# up with podman-compose from an .env made from .env.example, then used as
# a member of the group and its administrator would: an LDAP user with a
# key logs in to the login server, finds her new home and the shared
# modulefiles, runs a SLURM job on a compute node, reads its output from
# her Jupyter server and logs in to PostgreSQL with her LDAP password; every
# container's agent answers zabbix_get. Then the stack stops (nothing
# killed) and comes up again on its volumes with everything kept. Bad
# input: an .env without a required variable, a node with the wrong munge
# key. Expects the images built (make images with the local bases:
# $REGISTRY/vcore/NAME:$VERSION).
# Usage: tests/stack/run.sh [CHECK...]   (default: all, in order)
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/images/ldap.sh"
. "$TOP/tests/images/slurm.sh"
. "$TOP/tests/images/jupyter.sh"

# stack_ssh KEY USER SERVICE CMD...: the OpenSSH client into a container
# of the stack, at its address on the stack's network.
stack_ssh() {
	local key=$1 user=$2 svc=$3; shift 3
	ssh -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o ConnectTimeout=10 -o LogLevel=ERROR "$user@$(ip_of "$svc")" "$@"
}

# as_alice CMD: her login to the login server with the key LDAP holds.
as_alice() { stack_ssh "$W/alice_id" alice user "$@"; }

# as_root SERVICE CMD: the administrator's login, with the key from .env.
as_root() {
	local s=$1; shift
	stack_ssh "$W/id" root "$s" "$@"
}

# ---- the checks ----

c_stack_config() {
	local out
	write_env
	out=$(cd "$STACK" && set -a && . ./.env && set +a &&
		docker stack config -c compose.yaml 2>"$W/stack-config.err") ||
		why "docker stack config refused compose.yaml: $(cat "$W/stack-config.err")"
	for s in $SERVICES; do
		grep -q "^  $s:" <<<"$out" || why "service $s missing from the stack"
	done
	grep -q 'replicas: 1' <<<"$out" || why "no deploy keys"
	grep -q '^ *build:' <<<"$out" && why "a build key is in the way of a swarm"
	echo "docker stack config accepted compose.yaml with ${#out} bytes"
}

c_env_required() {
	local var out
	for var in LDAP_DOMAIN LDAP_ADMIN_PASSWORD POSTGRES_PASSWORD; do
		write_env "$var"
		out=$(cd "$STACK" && podman-compose -p "$PROJ" up -d 2>&1) &&
			why "up succeeded without $var"
		grep -q "$var is not set in .env" <<<"$out" ||
			why "without $var: $(tail -n 3 <<<"$out")"
		podman ps -a --format '{{.Names}}' | grep -q "^${PROJ}_" &&
			why "containers were made without $var"
		echo "without $var: $(tail -n 1 <<<"$out")"
	done
	return 0
}

c_up() {
	write_env
	compose up -d || why "podman-compose up failed: $(tail -n 20 "$W/compose.log")"
	wait_stack || why "the stack did not become healthy"
}

# An LDAP user with a key, seeded as an administrator does it: ldapadd
# over ldaps from a client on the stack's network, trusting the CA the
# directory published on /vcore-shared.
c_seed() {
	mkdir -p "$W/seed"
	ldap_seed "$W/seed/people.ldif" || why "ldap_seed"
	podman run --rm --network "${PROJ}_core" -v "${PROJ}_shared:/vcore-shared:ro" \
		-v "$W/seed:/seed:ro" -e LDAPTLS_CACERT=/vcore-shared/ca.pem \
		-e LDAPTLS_REQCERT=demand --entrypoint ldapadd "$REGISTRY/vcore/ldap:$VERSION" \
		-x -H ldaps://ldap -D cn=admin,dc=example,dc=org -w adminpw \
		-f /seed/people.ldif || why "ldapadd failed"
}

c_login() {
	local out
	# nslcd caches nothing; unscd may have cached "no such user" for a while.
	wait_for 60 as_alice true || why "alice cannot log in: $(logs_of "$(cname user)" | grep -i 'alice\|refus' | tail -n 5)"
	out=$(as_alice 'id -u; id -g; stat -c "%u:%g %a" "$HOME"; echo "$HOME"') || why "ssh"
	echo "$out"
	[ "$out" = "$(printf '5001\n5000\n5001:5000 700\n/home/alice')" ] ||
		why "alice's session or home"
	logs_of "$(cname user)" | grep -q "created home /home/alice for alice" ||
		why "no 'created home' line"
}

c_module() {
	local out
	as_root user 'mkdir -p /opt/software/modules/hello &&
		printf "%s\n" "help([[hello]])" "setenv(\"HELLO_SITE\", \"vcore\")" \
			>/opt/software/modules/hello/1.0.lua' || why "root could not add a modulefile"
	out=$(as_alice 'bash -lc "module avail 2>&1; module load hello/1.0 && echo HELLO=\$HELLO_SITE"') ||
		why "module failed: $out"
	echo "$out"
	grep -q 'hello/1.0' <<<"$out" || why "module avail does not list hello/1.0"
	grep -qx 'HELLO=vcore' <<<"$out" || why "module load did not set the variable"
}

c_sbatch() {
	local out job node
	job=$(as_alice 'sbatch --parsable -o "$HOME/job-%j.out" --wrap "hostname; id -u; pwd"') ||
		why "sbatch failed: $job"
	job=${job%%;*}
	echo "job $job"
	wait_for 120 as_alice "test -s \$HOME/job-$job.out && ! squeue -h -j $job | grep -q ." ||
		why "the job did not finish: $(as_alice "squeue; scontrol show job $job" 2>&1)"
	out=$(as_alice "cat \$HOME/job-$job.out; stat -c %u:%g \$HOME/job-$job.out") || why "ssh"
	echo "$out"
	node=$(sed -n 1p <<<"$out")
	case $node in node1 | node2) ;; *) why "the job ran on '$node', not a compute node" ;; esac
	[ "$(sed -n 2p <<<"$out")" = 5001 ] || why "the job did not run as alice"
	[ "$(sed -n 4p <<<"$out")" = 5001:5000 ] || why "the output's owner"
	echo "$job $node" >"$W/job"
}

c_jupyter() {
	local job node out
	read -r job node <"$W/job" || why "no job from c_sbatch"
	out=$(jupyter_read_file "$(cname jupyter)" alice alicepw "/home/alice/job-$job.out") ||
		why "jupyter: $out"
	echo "$out"
	grep -qx "$node" <<<"$out" || why "her Jupyter server did not read the job's output"
}

# alice_psql SQL: psql to postgres as alice with her LDAP password, TLS on.
alice_psql() {
	PGPASSWORD=${PGPASS_TRY:-alicepw} PGCONNECT_TIMEOUT=10 psql \
		"host=$(ip_of postgres) dbname=postgres user=alice sslmode=require" -Atc "$1" 2>&1
}

# Her role is made by postgres-sync's next round (every minute): the
# administrator asks for one now.
c_psql() {
	local out
	as_root postgres 'vcctl signal postgres-sync HUP' || why "vcctl signal postgres-sync"
	wait_for 60 alice_psql 'select 1' || why "no role for alice: $(alice_psql 'select 1')"
	out=$(alice_psql 'select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()') ||
		why "psql as alice: $out"
	[ "$out" = "alice|t" ] || why "psql answered '$out'"
	PGPASS_TRY=wrong alice_psql 'select 1' >/dev/null && why "a wrong LDAP password was accepted"
	return 0
}

c_zabbix() {
	local s out
	for s in $SERVICES; do
		out=$(zabbix_get -s "$(ip_of "$s")" -k vcore.service.discovery 2>&1) ||
			why "$s: zabbix_get failed: $out"
		grep -q '"{#SERVICE}":"agent"' <<<"$out" || why "$s: $out"
		echo "$s: $(grep -o '"{#SERVICE}":"[^"]*"' <<<"$out" | cut -d'"' -f4 | tr '\n' ' ')"
	done
}

# A node with a key of its own is refused, and the logs say so.
c_wrong_munge() {
	local name=$P-badnode
	head -c 1024 /dev/urandom >"$W/bad-munge.key"
	chmod 0400 "$W/bad-munge.key"
	pm run -d --name "$name" --network "${PROJ}_core" --hostname node9 \
		-e SLURM_ROLE=compute -e SLURM_CONTROLLER=user -e LDAP_DOMAIN=example.org \
		-v "${PROJ}_shared:/vcore-shared:ro" -v "$W/bad-munge.key:/keys/munge.key:ro" \
		-e MUNGE_KEY_FILE=/keys/munge.key "$REGISTRY/vcore/slurm:$VERSION" >/dev/null ||
		why "podman run failed"
	slurm_refused_node "$(cname user)" "$name" node9
	podman rm -f -v -t 10 "$name" >/dev/null
}

# Every container stops within its timeout with status 0 and vcinit killed
# nothing; then the containers go and come back on the same volumes.
c_stop() {
	local s code out
	compose stop -t 10 || why "podman-compose stop failed"
	for s in $SERVICES; do
		code=$(podman inspect --format '{{.State.ExitCode}}' "$(cname "$s")")
		out=$(logs_of "$(cname "$s")" | sed -n '/SIGTERM: shutting down/,$p')
		[ -n "$out" ] || why "$s: no shutdown in its log"
		[ "$code" = 0 ] || why "$s: exit status $code: $(tail -n 10 <<<"$out")"
		grep -q '^vcinit: .*\(SIGKILL\|killing\)' <<<"$out" && why "$s: something was killed: $out"
		echo "$s: exit 0, $(grep -c . <<<"$out") lines from the stop"
	done
	compose down -t 10 || why "podman-compose down failed"
	podman ps -a --format '{{.Names}}' | grep -q "^${PROJ}_" && why "containers left after down"
	return 0
}

c_again() {
	local job node out
	read -r job node <"$W/job" || why "no job from c_sbatch"
	compose up -d || why "podman-compose up failed: $(tail -n 20 "$W/compose.log")"
	wait_stack || why "the stack did not become healthy again"
	wait_for 60 as_alice true || why "alice cannot log in after the restart (LDAP data lost?)"
	out=$(as_alice "cat \$HOME/job-$job.out | head -n 1") || why "ssh"
	[ "$out" = "$node" ] || why "her home lost the job's output: '$out'"
	as_alice 'bash -lc "module avail 2>&1"' | grep -q hello/1.0 || why "the modulefile is gone"
	out=$(alice_psql 'select current_user') || why "psql after the restart: $out"
	job=$(as_alice 'sbatch --parsable --wrap true') || why "sbatch after the restart (munge key lost?): $job"
	jupyter_hub_knows "$(cname jupyter)" alice || why "the Hub's database forgot alice"
	return 0
}

main() {
	local what="${*:-stack_config env_required up seed login module sbatch jupyter psql zabbix wrong_munge stop again}" c
	command -v podman-compose >/dev/null || { echo "no podman-compose (scripts/deps.sh stack)" >&2; exit 1; }
	for c in $what; do
		case $c in
		stack_config)
			if docker stack config --help >/dev/null 2>&1; then
				check "docker stack config accepts compose.yaml (swarm)" c_stack_config
			else
				echo "skip docker stack config: no Docker CLI with 'stack config' here, so the swarm form of compose.yaml is NOT checked"
			fi ;;
		env_required) check ".env without a required variable: up stops naming it" c_env_required ;;
		up) check "podman-compose up: every container healthy" c_up ;;
		seed) check "ldapadd over ldaps seeds alice with her key" c_seed ;;
		login) check "alice logs in to user with her LDAP key; home made 5001:5000 0700" c_login ;;
		module) check "module avail lists the shared modulefiles; module load works" c_module ;;
		sbatch) check "sbatch as alice runs on a compute node and writes her home" c_sbatch ;;
		jupyter) check "her Jupyter server reads the job's output in a kernel" c_jupyter ;;
		psql) check "psql to postgres as alice with her LDAP password over TLS" c_psql ;;
		zabbix) check "zabbix_get vcore.service.discovery answers in every container" c_zabbix ;;
		wrong_munge) check "a node with the wrong munge key is refused and the logs say so" c_wrong_munge ;;
		stop) check "podman-compose stop: all exit 0 within the timeout, nothing killed" c_stop ;;
		again) check "up again on the volumes: LDAP, homes, modules, PostgreSQL, munge, Hub kept" c_again ;;
		*) echo "unknown check $c" >&2; exit 64 ;;
		esac
	done
	summary
}

main "$@"
