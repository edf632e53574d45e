# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# The postgres image (images/postgres) as an administrator runs it, with
# the real client (psql, from another container of the image on $NET) and
# the directory of the ldap image (tests/images/ldap.sh: ldap_ensure):
# sourced by tests/images/run.sh after lib.sh. The container that stands
# for Zabbix is $P-zabbix with the network alias `zabbix` (the harness
# names everything $P-...): that is the name the postgres container
# resolves, as it would a container named zabbix.

PG_IMAGE=$REGISTRY/vcore/postgres:$VERSION
PG_DATA=/var/lib/postgresql/data
# shellcheck source=tests/images/ldap.sh
. "$TOP/tests/images/ldap.sh"

# pgt_client: a container of the image on $NET to run psql in (podman exec
# costs less than podman run); started once, for 10 minutes at most.
pgt_client() {
	podman container exists "$P-pgclient" && return 0
	pm run -d --name "$P-pgclient" --network "$NET" --entrypoint sleep \
		"$PG_IMAGE" 600 >/dev/null
}

# pgt_psql CONTAINER PASSWORD USER DATABASE SQL: psql from CONTAINER to the
# server $P-pg over TCP (sslmode prefer, as psql's default), never
# prompting; prints the rows. The server is reached by its address on
# $NET: Podman's DNS (aardvark-dns 1.4 here) stops answering for up to a
# minute while containers of the network start and stop (it tears its
# sockets down on every reload, containers/aardvark-dns#389), and these
# checks are about the server, not about the clients' DNS. The server's
# own lookups (the trusted names, `ldap`) still go through it.
pgt_psql() {
	local c=$1 pw=$2 user=$3 db=$4 sql=$5
	podman exec -e PGPASSWORD="$pw" -e PGCONNECT_TIMEOUT=5 "$c" \
		psql -X -w -tA -h "$(cat "$W/pg-address")" -U "$user" -d "$db" \
		-c "$sql"
}

# pgt_answers USER PASSWORD: USER logs in and runs a query.
pgt_answers() {
	[ "$(pgt_psql "$P-pgclient" "$2" "$1" postgres 'SELECT 1')" = 1 ]
}

# pgt_run NAME [PODMAN RUN OPTIONS...]: a postgres container as an
# administrator of the stack starts one: LDAP by LDAP_DOMAIN, the CA from
# the shared volume, its data on the volume $P-pgdata. Its address on
# $NET goes to $W/pg-address.
pgt_run() {
	local name=$1; shift
	run_base "$name" "$PG_IMAGE" -v "$P-pgdata:$PG_DATA" \
		-v "$P-shared:/vcore-shared:ro" -e LDAP_DOMAIN=example.org \
		-e POSTGRES_SYNC_INTERVAL=2 "$@" || return 1
	podman inspect --format \
		'{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name" \
		>"$W/pg-address"
	[ -s "$W/pg-address" ]
}

# The official image's /docker-entrypoint-initdb.d: one of each kind.
pgt_initdb_d() {
	mkdir -p "$W/initdb.d"
	cat >"$W/initdb.d/10-rows.sql" <<'EOF'
CREATE TABLE kept (n int);
INSERT INTO kept VALUES (1), (2), (3);
EOF
	printf 'CREATE TABLE zipped (n int);\nINSERT INTO zipped VALUES (7);\n' |
		gzip >"$W/initdb.d/20-zipped.sql.gz"
	cat >"$W/initdb.d/30-script.sh" <<'EOF'
# not executable: run by bash, as the official image sources it
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<-EOSQL
	CREATE TABLE script (who text);
	INSERT INTO script VALUES (current_user || ' ' || '$(id -un)');
EOSQL
EOF
}

c_pg_start() {
	local start took
	ldap_ensure || why "the ldap container is not up (tests/images/ldap.sh)"
	pgt_client || why "the client container did not start"
	pgt_initdb_d
	start=$(now_ms)
	pgt_run "$P-pg" -e POSTGRES_PASSWORD=pgadminpw \
		-v "$W/initdb.d:/docker-entrypoint-initdb.d:ro" ||
		why "podman run failed"
	wait_for 60 pgt_answers postgres pgadminpw ||
		{ logs_of "$P-pg" | tail -n 40; why "no answer within 60 s"; }
	took=$(( $(now_ms) - start ))
	echo "$took" >"$W/pg-first-answer-ms"
	echo "podman run to the first answer (first start, initdb): $took ms"
	logs_of "$P-pg" | grep '^magic/50-postgres | postgres:'
}

c_pg_initdb_d() {
	local out
	out=$(pgt_psql "$P-pgclient" pgadminpw postgres postgres \
		'SELECT (SELECT count(*) FROM kept), (SELECT n FROM zipped), (SELECT who FROM script)') ||
		why "query failed"
	echo "$out"
	[ "$out" = "3|7|postgres postgres" ] || why "initdb.d did not run as expected"
}

c_pg_password() {
	pgt_answers postgres pgadminpw || why "the superuser's password is refused"
	pgt_answers postgres wrong && why "a wrong password is accepted"
	# psql with no password at all: refused too.
	pgt_psql "$P-pgclient" "" postgres postgres 'SELECT 1' && why "no password accepted"
	return 0
}

c_pg_ldap_user() {
	local out
	# The role comes from postgres-sync's first round after the start.
	wait_for 60 pgt_answers alice alicepw ||
		{ logs_of "$P-pg" | grep 'postgres-sync' | tail; why "alice cannot log in with alicepw"; }
	out=$(pgt_psql "$P-pgclient" alicepw alice postgres \
		'SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')
	echo "$out"
	[ "$out" = "alice|t" ] || why "not alice over TLS"
	pgt_answers bob bobpw || why "bob cannot log in with bobpw"
}

c_pg_ldap_refused() {
	local out
	pgt_answers alice wrongpw && why "alice logs in with a wrong password"
	pgt_answers alice bobpw && why "alice logs in with bob's password"
	pgt_answers mallory alicepw && why "mallory (absent from LDAP) logs in"
	pgt_answers zabbix "" && why "zabbix logs in from another host"
	out=$(logs_of "$P-pg")
	grep 'LDAP authentication failed for user "alice"' <<<"$out" | tail -n 1
	grep -q 'LDAP authentication failed for user "alice"' <<<"$out" ||
		why "no LDAP failure logged for alice"
	grep -q 'LDAP user "mallory" does not exist' <<<"$out" ||
		why "no 'does not exist' for mallory"
}

# pgt_zabbix_trusted: zabbix, from $P-zabbix, is in database zabbix with
# no password.
pgt_zabbix_trusted() {
	[ "$(pgt_psql "$P-zabbix" "" zabbix zabbix 'SELECT current_user')" = zabbix ]
}

# Started after the server: postgres-sync trusts its address on a later
# round (POSTGRES_SYNC_INTERVAL=2), once the network's DNS answers again
# (see pgt_psql).
c_pg_zabbix() {
	pm run -d --name "$P-zabbix" --network "$NET" --network-alias zabbix \
		--entrypoint sleep "$PG_IMAGE" 300 >/dev/null || why "podman run failed"
	wait_for 90 pgt_zabbix_trusted ||
		{ logs_of "$P-pg" | grep 'postgres-sync' | tail; why "zabbix is not trusted to database zabbix"; }
	logs_of "$P-pg" | grep 'pg_hba.conf: trusted'
	pgt_psql "$P-zabbix" "" zabbix postgres 'SELECT 1' && why "zabbix reaches database postgres"
	pgt_psql "$P-zabbix" "" zabbix jupyterhub 'SELECT 1' && why "zabbix reaches database jupyterhub"
	pgt_psql "$P-zabbix" "" postgres zabbix 'SELECT 1' && why "postgres is trusted from zabbix"
	pgt_psql "$P-zabbix" alicepw alice zabbix 'SELECT 1' && why "alice reaches database zabbix"
	return 0
}

# The container goes: its address leaves pg_hba.conf on the next round.
c_pg_zabbix_gone() {
	podman exec "$P-pg" grep ' trust ' "$PG_DATA/pg_hba.conf" ||
		why "no trust rule to begin with"
	podman rm -f -v -t 0 "$P-zabbix" >/dev/null
	wait_for 90 podman exec "$P-pg" grep -q '^# zabbix: host zabbix does not resolve' \
		"$PG_DATA/pg_hba.conf" ||
		{ podman exec "$P-pg" cat "$PG_DATA/pg_hba.conf"; why "the trust rule stayed"; }
	podman exec "$P-pg" grep -c ' trust ' "$PG_DATA/pg_hba.conf" && why "a trust rule is left"
	logs_of "$P-pg" | grep 'pg_hba.conf:' | tail -n 3
	return 0
}

c_pg_stop() {
	local start took out
	start=$(now_ms)
	pm stop -t 10 "$P-pg" >/dev/null || why "podman stop failed"
	took=$(( $(now_ms) - start ))
	echo "stopped in $took ms, status $(podman inspect --format '{{.State.ExitCode}}' "$P-pg")"
	out=$(pm run --rm -v "$P-pgdata:$PG_DATA" --entrypoint pg_controldata \
		"$PG_IMAGE" "$PG_DATA") || why "pg_controldata failed"
	grep 'cluster state' <<<"$out"
	grep -q 'Database cluster state: *shut down$' <<<"$out" || why "not shut down"
}

# A new container on the volume: the rows are there, initdb.d does not run
# again, and the password changed by a secret file is the one that works.
c_pg_recreate() {
	local out
	podman rm -f -v -t 0 "$P-pg" >/dev/null
	printf 'newadminpw\n' >"$W/pg-password"
	pgt_run "$P-pg" -v "$W/pg-password:/run/secrets/pg:ro" \
		-e POSTGRES_PASSWORD_FILE=/run/secrets/pg \
		-v "$W/initdb.d:/docker-entrypoint-initdb.d:ro" || why "podman run failed"
	wait_for 60 pgt_answers postgres newadminpw ||
		{ logs_of "$P-pg" | tail -n 30; why "the new password does not work"; }
	out=$(pgt_psql "$P-pgclient" newadminpw postgres postgres \
		'SELECT count(*) FROM kept') || why "query failed"
	echo "rows: $out"
	[ "$out" = 3 ] || why "$out rows, not 3"
	pgt_answers postgres pgadminpw && why "the old password still works"
	logs_of "$P-pg" | grep -q 'initdb.d/' && why "initdb.d ran again"
	wait_for 60 pgt_answers alice alicepw || why "alice cannot log in"
	logs_of "$P-pg" | grep -q -e pgadminpw -e newadminpw && why "a password is in the logs"
	return 0
}

c_pg_required() {
	local out rc
	out=$(pm run --rm --name "$P-pg-nopw" "$PG_IMAGE" 2>&1)
	rc=$?
	echo "$out" | tail -n 3
	[ "$rc" = 78 ] || why "exit status $rc, not 78"
	grep -q 'POSTGRES_PASSWORD is required' <<<"$out" || why "POSTGRES_PASSWORD not named"
}

checks_postgres() {
	pm image exists "$PG_IMAGE" || { check "postgres: image $PG_IMAGE exists" false; return; }
	check "postgres: first start: initdb, initdb.d, psql answers (LDAP from ldap_ensure)" c_pg_start
	check "postgres: initdb.d ran once: *.sql, *.sql.gz, *.sh (as postgres)" c_pg_initdb_d
	check "postgres: POSTGRES_PASSWORD works over TCP, a wrong one or none fails" c_pg_password
	check "postgres: psql as LDAP users alice and bob with their LDAP passwords (TLS)" c_pg_ldap_user
	check "postgres: a wrong LDAP password and a user absent from LDAP fail" c_pg_ldap_refused
	check "postgres: from container 'zabbix', zabbix reaches database zabbix without password, no other" c_pg_zabbix
	check "postgres: the zabbix container gone, its address leaves pg_hba.conf" c_pg_zabbix_gone
	check "postgres: podman stop leaves the cluster 'shut down' (pg_controldata)" c_pg_stop
	check "postgres: re-created on its volume: rows kept, no initdb.d, new password (secret file)" c_pg_recreate
	check "postgres: without POSTGRES_PASSWORD the boot stops (78) naming it" c_pg_required
	common_checks postgres "$P-pg" postgres postgres-sync
}
