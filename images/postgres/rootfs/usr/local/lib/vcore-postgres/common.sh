# SPDX-License-Identifier: ISC
# shellcheck shell=sh
# Sourced by the postgres image's boot hook (magic.d/50-postgres, as root)
# and by its sync service (vcore-postgres-sync, as postgres): the settings
# read from the environment and checked, pg_hba.conf and pg_ident.conf
# written from them, and the SQL that applies them. Functions only.

PG_SOCKET_DIR=/run/postgresql
PG_USER=postgres	# the system user the server runs as

# These have defaults in /etc/vcore/env.d/postgres; a script run by hand
# with a bare environment gets the same ones.
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${LDAP_URI=ldap://ldap}"
: "${LDAP_CA_FILE=/vcore-shared/ca.pem}"
: "${POSTGRES_LDAP_STARTTLS:=true}"
: "${POSTGRES_LDAP_ROLES_FILTER:=(objectClass=posixAccount)}"
: "${POSTGRES_SERVICE_DBS=zabbix:zabbix:zabbix jupyterhub:jupyterhub:jupyterhub}"
: "${POSTGRES_SYNC_INTERVAL:=60}"
: "${POSTGRES_SSL:=true}"
export PGDATA POSTGRES_USER POSTGRES_DB

# A setting is missing or wrong: stop with 78, naming it.
pg_bad() {
	echo "postgres: $*" >&2
	exit 78
}

# pg_true VALUE NAME: whether VALUE says yes (true/yes/on/1); 78 naming
# NAME when it says neither yes nor no.
pg_true() {
	case $(printf '%s' "$1" | tr '[:upper:]' '[:lower:]') in
	1 | true | yes | on) return 0 ;;
	0 | false | no | off) return 1 ;;
	*) pg_bad "$2 must be true or false, not '$1'" ;;
	esac
}

# pg_major: the PostgreSQL major version installed (15 on Debian 12, 16 on
# Ubuntu 24.04): the one folder of /usr/lib/postgresql.
pg_major() {
	ls /usr/lib/postgresql | sort -n | tail -n 1
}

# pg_name_ok NAME: a role or database name this image writes into
# pg_hba.conf and pg_ident.conf unquoted-safe (letters, digits, _ . @ -).
pg_name_ok() {
	case $1 in
	'' | pg_* | *[!A-Za-z0-9_.@-]*) return 1 ;;
	esac
	return 0
}

# pg_ldap_settings: sets ldap_base (empty: LDAP is off), ldap_scheme,
# ldap_host, ldap_port and ldap_tls from LDAP_BASE_DN or LDAP_DOMAIN,
# LDAP_URI and POSTGRES_LDAP_STARTTLS; 78 on a bad one.
pg_ldap_settings() {
	ldap_base=${LDAP_BASE_DN:-}
	if [ -z "$ldap_base" ] && [ -n "${LDAP_DOMAIN:-}" ]; then
		ldap_base=dc=$(printf '%s' "$LDAP_DOMAIN" | sed 's/\./,dc=/g')
	fi
	[ -n "$ldap_base" ] || return 0
	case $ldap_base in
	*'"'* | *"
"*) pg_bad "LDAP_BASE_DN must not hold a double quote or a new line" ;;
	esac
	# The first URI only: PostgreSQL takes one scheme for all servers.
	set -f
	# shellcheck disable=SC2086
	set -- $LDAP_URI
	set +f
	case ${1:-} in
	ldap://*) ldap_scheme=ldap ldap_hostport=${1#ldap://} ;;
	ldaps://*) ldap_scheme=ldaps ldap_hostport=${1#ldaps://} ;;
	*) pg_bad "LDAP_URI must be ldap://HOST[:PORT] or ldaps://HOST[:PORT], not '${1:-}'" ;;
	esac
	ldap_hostport=${ldap_hostport%%/*}
	case $ldap_hostport in
	*:*) ldap_host=${ldap_hostport%:*} ldap_port=${ldap_hostport##*:} ;;
	*) ldap_host=$ldap_hostport ldap_port= ;;
	esac
	case $ldap_host:$ldap_port in
	:* | *[!A-Za-z0-9.:-]*) pg_bad "LDAP_URI: bad host or port in '$1'" ;;
	esac
	ldap_tls=0
	if pg_true "$POSTGRES_LDAP_STARTTLS" POSTGRES_LDAP_STARTTLS &&
		[ "$ldap_scheme" = ldap ]; then
		ldap_tls=1
	fi
	case $POSTGRES_LDAP_ROLES_FILTER in
	'('*')') ;;
	*) pg_bad "POSTGRES_LDAP_ROLES_FILTER must be an LDAP filter in parentheses, such as (objectClass=posixAccount)" ;;
	esac
	case $POSTGRES_LDAP_ROLES_FILTER in
	*'"'* | *"
"*) pg_bad "POSTGRES_LDAP_ROLES_FILTER must not hold a double quote or a new line" ;;
	esac
}

# pg_check_settings: every setting, before anything is done with them;
# 78 with the variable's name on the first bad one.
pg_check_settings() {
	[ -n "${POSTGRES_PASSWORD:-}" ] ||
		pg_bad "POSTGRES_PASSWORD is required (or POSTGRES_PASSWORD_FILE=/run/secrets/...)"
	case $PGDATA in
	/*) ;;
	*) pg_bad "PGDATA must be an absolute path, not '$PGDATA'" ;;
	esac
	case ${POSTGRES_INITDB_WALDIR:-/} in
	/*) ;;
	*) pg_bad "POSTGRES_INITDB_WALDIR must be an absolute path" ;;
	esac
	pg_name_ok "$POSTGRES_USER" ||
		pg_bad "POSTGRES_USER must be a name of letters, digits, _ . @ - (not pg_...), not '$POSTGRES_USER'"
	pg_name_ok "$POSTGRES_DB" ||
		pg_bad "POSTGRES_DB must be a name of letters, digits, _ . @ - (not pg_...), not '$POSTGRES_DB'"
	case $POSTGRES_SYNC_INTERVAL in
	'' | *[!0-9]* | 0) pg_bad "POSTGRES_SYNC_INTERVAL must be a number of seconds (1 or more), not '$POSTGRES_SYNC_INTERVAL'" ;;
	esac
	pg_true "$POSTGRES_SSL" POSTGRES_SSL || :
	pg_ldap_settings
	pg_services_check
}

# pg_services: "DB OWNER HOST" lines from POSTGRES_SERVICE_DBS
# (DB:OWNER:HOST words; HOST may be empty, or an address or network).
pg_services() {
	set -f
	# shellcheck disable=SC2086
	set -- $POSTGRES_SERVICE_DBS
	set +f
	for entry in "$@"; do
		db=${entry%%:*}
		rest=${entry#*:}
		[ "$rest" != "$entry" ] || rest=
		owner=${rest%%:*}
		host=${rest#*:}
		[ "$host" != "$rest" ] || host=
		printf '%s %s %s\n' "$db" "$owner" "$host"
	done
}

pg_services_check() {
	pg_services | while read -r db owner host; do
		if ! pg_name_ok "$db" || ! pg_name_ok "$owner"; then
			pg_bad "POSTGRES_SERVICE_DBS: '$db:$owner:$host' is not DB:OWNER:HOST (names of letters, digits, _ . @ -)"
		fi
		case $host in
		*[!A-Za-z0-9_.:/-]*) pg_bad "POSTGRES_SERVICE_DBS: bad host '$host' for $db" ;;
		esac
	done || exit 78		# (pg_bad ended the loop's subshell)
}

# pg_hba_quote TEXT: TEXT as a pg_hba.conf quoted string.
pg_hba_quote() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"
}

# pg_resolve NAME: NAME's addresses, one a line; status 2 when DNS says
# that the name does not exist, 3 when DNS does not answer (getent tells
# the two apart by no status, perl does, and postgresql-common brings it).
# A lost query costs 2 s, not glibc's 5 s a try: Podman's DNS drops
# queries for seconds while containers of the network come and go.
pg_resolve() {
	RES_OPTIONS="timeout:1 attempts:2" perl -MSocket=:addrinfo,SOCK_STREAM -e '
		my ($err, @ai) = getaddrinfo($ARGV[0], "", { socktype => SOCK_STREAM });
		exit($err == EAI_AGAIN ? 3 : 2) if $err;
		for my $ai (@ai) {
			my ($e, $host) = getnameinfo($ai->{addr}, NI_NUMERICHOST);
			print "$host\n" unless $e;
		}' "$1"
}

# pg_addresses HOST: HOST's addresses as pg_hba.conf wants them (a.b.c.d/32,
# x::y/128), one a line; a network or keyword as it is; status 2 or 3 as
# pg_resolve's. Names are resolved here, because PostgreSQL would check a
# host name against the reverse lookup, and Docker's and Podman's DNS
# answer that with NAME.NETWORK, which never matches NAME.
pg_addresses() {
	case $1 in
	all | samehost | samenet | */*) echo "$1" ;;
	*:*) echo "$1/128" ;;
	*[!0-9.]*)
		addrs=$(pg_resolve "$1") || return
		printf '%s\n' "$addrs" | sort -u | sed '/:/s,$,/128,; /:/!s,$,/32,' ;;
	*) echo "$1/32" ;;
	esac
}

# pg_service_rules DB OWNER HOST: the trust rules of one service, each
# tagged with its entry so that a later write can find them. When DNS does
# not answer, the rules of the pg_hba.conf in place are kept: a hiccup of
# the network's DNS must not lock a service out until the next round.
pg_service_rules() {
	tag="# service $1:$2:$3"
	rc=0
	addrs=$(pg_addresses "$3") || rc=$?
	case $rc in
	0)
		for a in $addrs; do
			printf 'host      %s  %s  %s  trust  %s\n' "$1" "$2" "$a" "$tag"
		done ;;
	3)
		echo "# $1: no answer from DNS for $3: its rules are kept"
		grep -F -e "trust  $tag" "$PGDATA/pg_hba.conf" 2>/dev/null |
			grep '^host' || : ;;
	*) echo "# $1: host $3 does not resolve (yet)" ;;
	esac
}

# pg_hba_render: pg_hba.conf's text from the settings; a trusted host that
# does not resolve gets a comment saying so (the sync service tries again).
pg_hba_render() {
	pg_ldap_settings
	cat <<EOF
# pg_hba.conf, written by the image from its environment at every start,
# and again by postgres-sync when a trusted host's address changes: edits
# here are lost. Rules of your own go in POSTGRES_HBA_EXTRA or in
# $PGDATA/pg_hba.local.conf, copied below the first rule.
# TYPE    DATABASE  USER  ADDRESS  METHOD
# Inside the container: the system user of the same name; root and postgres
# as the superuser too (pg_ident.conf).
local     all       all            peer map=vcore
EOF
	if [ -n "${POSTGRES_HBA_EXTRA:-}" ]; then
		echo "# POSTGRES_HBA_EXTRA"
		printf '%s\n' "$POSTGRES_HBA_EXTRA"
	fi
	if [ -r "$PGDATA/pg_hba.local.conf" ]; then
		echo "# $PGDATA/pg_hba.local.conf"
		cat "$PGDATA/pg_hba.local.conf"
	fi
	echo "# The services' databases (POSTGRES_SERVICE_DBS), their owner trusted from their host"
	pg_services | while read -r db owner host; do
		[ -z "$host" ] || pg_service_rules "$db" "$owner" "$host"
	done
	echo "# The superuser, with POSTGRES_PASSWORD"
	printf 'host      all       %s  all  scram-sha-256\n' "$POSTGRES_USER"
	if [ -z "$ldap_base" ]; then
		echo "# Everyone else: their PostgreSQL password (LDAP is off: no LDAP_BASE_DN or LDAP_DOMAIN)"
		echo "host      all       all   all  scram-sha-256"
		return 0
	fi
	# Over TLS only when the server has it, so that LDAP passwords never
	# cross the network in the clear.
	type=host
	if pg_true "$POSTGRES_SSL" POSTGRES_SSL; then
		type=hostssl
	fi
	opts="ldapserver=$ldap_host ldapscheme=$ldap_scheme ldaptls=$ldap_tls"
	[ -z "$ldap_port" ] || opts="$opts ldapport=$ldap_port"
	opts="$opts ldapbasedn=$(pg_hba_quote "$ldap_base")"
	# shellcheck disable=SC2016
	opts="$opts ldapsearchfilter=$(pg_hba_quote "(&(uid=\$username)$POSTGRES_LDAP_ROLES_FILTER)")"
	if [ -n "${POSTGRES_LDAP_BIND_DN:-}" ]; then
		opts="$opts ldapbinddn=$(pg_hba_quote "$POSTGRES_LDAP_BIND_DN")"
		opts="$opts ldapbindpasswd=$(pg_hba_quote "${POSTGRES_LDAP_BIND_PASSWORD:-}")"
	fi
	echo "# Everyone else: LDAP checks the password (search, then bind), roles come from postgres-sync"
	printf '%-9s all       all   all  ldap %s\n' "$type" "$opts"
}

pg_ident_render() {
	cat <<EOF
# pg_ident.conf, written by the image at every start: edits here are lost.
# MAPNAME  SYSTEM-USERNAME  PG-USERNAME
vcore      $PG_USER         $POSTGRES_USER
vcore      root             $POSTGRES_USER
vcore      /^(.*)\$          \\1
EOF
}

# pg_install_conf NAME: renders NAME (pg_hba.conf or pg_ident.conf) into
# PGDATA when it differs from what is there; 0 if it changed, 1 if not,
# 2 if it could not be written. Owned by postgres, mode 0600 (pg_hba.conf
# may hold the LDAP bind password).
pg_install_conf() {
	conf_new=$PGDATA/.$1.new
	(umask 077 && case $1 in
		pg_hba.conf) pg_hba_render ;;
		pg_ident.conf) pg_ident_render ;;
		esac >"$conf_new") || { rm -f "$conf_new"; return 2; }
	if cmp -s "$conf_new" "$PGDATA/$1"; then
		rm -f "$conf_new"
		return 1
	fi
	[ "$(id -u)" != 0 ] || chown "$PG_USER:$PG_USER" "$conf_new"
	mv -f "$conf_new" "$PGDATA/$1" || return 2
	return 0
}

# pg_trust_summary FILE: the trust rules of a pg_hba.conf and the names
# that did not resolve, one a line, for the logs.
pg_trust_summary() {
	[ -r "$1" ] || return 0
	awk '$1 == "host" && $5 == "trust" {
		print "trusted: user " $3 " to database " $2 " from " $4
	}
	/^# .*: (host .* does not resolve|no answer from DNS)/ {
		sub(/^# /, ""); print
	}' "$1"
}

# pg_psql ARGS...: psql as the superuser on the socket (peer: root and
# postgres map to POSTGRES_USER), stopping at the first error.
pg_psql() {
	psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -U "$POSTGRES_USER" \
		-d postgres "$@"
}

# pg_apply: POSTGRES_PASSWORD for POSTGRES_USER, and POSTGRES_DB and the
# services' databases with their owners when missing (a service's database
# is private: its owner only, CONNECT revoked from PUBLIC when it is made).
# Prints what it made. The password travels in the environment, never on
# a command line, and the statement that carries it is kept out of the
# server's log.
pg_apply() {
	{
		cat <<'EOF'
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
\getenv pw POSTGRES_PASSWORD
\getenv su POSTGRES_USER
\getenv db POSTGRES_DB
SELECT format('ALTER ROLE %I PASSWORD %L', :'su', :'pw') \gexec
\unset pw
RESET log_min_error_statement;
CREATE TEMP TABLE want (db text, owner text, private boolean);
INSERT INTO want VALUES (:'db', :'su', false);
COPY want FROM STDIN;
EOF
		pg_services | while read -r db owner host; do
			printf '%s\t%s\tt\n' "$db" "$owner"
		done
		cat <<'EOF'
\.
CREATE TEMP TABLE new_roles AS SELECT DISTINCT owner FROM want
	WHERE owner NOT IN (SELECT rolname FROM pg_roles);
CREATE TEMP TABLE new_dbs AS SELECT DISTINCT ON (db) db, owner, private
	FROM want WHERE db NOT IN (SELECT datname FROM pg_database);
SELECT format('CREATE ROLE %I LOGIN', owner) FROM new_roles \gexec
SELECT format('CREATE DATABASE %I OWNER %I', db, owner) FROM new_dbs \gexec
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', db)
	FROM new_dbs WHERE private \gexec
SELECT 'created role ' || owner FROM new_roles
UNION ALL SELECT 'created database ' || db || ' (owner ' || owner || ')' FROM new_dbs;
EOF
	} | pg_psql -tA
}
