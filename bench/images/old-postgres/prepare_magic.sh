#!/bin/sh
# SPDX-License-Identifier: ISC
# The old recipe's set-up of PostgreSQL, run by the entry point before
# supervisord, as the official image's docker-entrypoint.sh: on an empty
# PGDATA, initdb with POSTGRES_PASSWORD, the settings, a certificate, and a
# temporary server on the socket for /docker-entrypoint-initdb.d.
set -eu
PGDATA=/var/lib/postgresql/data
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 0700 "$PGDATA"
chmod 2775 /run/postgresql
[ -s "$PGDATA/PG_VERSION" ] && exit 0

: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
pw=$(mktemp)
printf '%s' "$POSTGRES_PASSWORD" >"$pw"
chown postgres "$pw"
as_pg initdb -D "$PGDATA" -U postgres --pwfile="$pw" --auth-local=peer \
	--auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
rm -f "$pw"
echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
as_pg openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-days 3650 -subj "/CN=$(hostname)" -keyout "$PGDATA/server.key" \
	-out "$PGDATA/server.crt" 2>/dev/null
chmod 0600 "$PGDATA/server.key"
printf "listen_addresses = '*'\nssl = on\n" >>"$PGDATA/postgresql.conf"
as_pg pg_ctl -D "$PGDATA" -w -s -o "-c listen_addresses=''" start
for f in /docker-entrypoint-initdb.d/*; do
	if [ -e "$f" ]; then
		as_pg psql -X -v ON_ERROR_STOP=1 -f "$f"
	fi
done
as_pg pg_ctl -D "$PGDATA" -m fast -w -s stop
