#!/bin/sh
# SPDX-License-Identifier: ISC
# Installs what a make target needs, when it is missing: apt on Debian and
# Ubuntu, apk on Alpine. Usage: scripts/deps.sh PROFILE...  Profiles:
#   build   compiler, libconfuse, zlib, libssh headers (make)
#   static  musl-gcc and the tools that build the pinned sources (make static)
#   check   libcheck and the real peers the tests talk to (make check)
#   bench   the tools vcinit is compared with (make bench)
#   ssh     the OpenSSH client and server, dropbear, ssh-audit (vcsshd tests)
#   zabbix  zabbix_get and zabbix_agentd 6.0 (agent tests)
#   zabbix-server  a real Zabbix server and PostgreSQL (make check-zabbix)
#   clients the service images' clients on the host (make bench-images)
#   stack   podman-compose and the stack's clients (make check-stack)
set -eu

debian_pkgs() {
	case $1 in
	build) echo gcc make pkg-config libconfuse-dev zlib1g-dev libssh-dev file ;;
	static) echo musl-tools cmake curl ca-certificates xz-utils bzip2 \
		autoconf automake libtool autopoint flex gettext make file ;;
	check) echo check valgrind util-linux procps psmisc file python3 \
		clang libclang-rt-dev openssh-client ;;
	bench) echo supervisor s6 runit tini hyperfine gettext-base ;;
	ssh) echo openssh-client openssh-server openssh-sftp-server dropbear-bin \
		ssh-audit tmux ;;
	zabbix) echo zabbix-proxy-sqlite3 zabbix-agent zabbix-agent2 ;;
	clients) echo ldap-utils postgresql-client smbclient curl python3 ;;
	stack) echo podman-compose postgresql-client openssh-client python3 ;;
	zabbix-server) echo zabbix-server-pgsql postgresql ;;
	*) echo "deps.sh: unknown profile $1" >&2; exit 64 ;;
	esac
}

alpine_pkgs() {
	case $1 in
	build) echo build-base pkgconf confuse-dev zlib-dev libssh-dev file ;;
	static) echo musl-dev cmake curl ca-certificates xz bzip2 autoconf \
		automake libtool gettext-dev flex make file ;;
	check) echo check-dev valgrind util-linux procps psmisc file python3 \
		clang compiler-rt openssh-client ;;
	bench) echo supervisor s6 runit tini hyperfine gettext ;;
	ssh) echo openssh-client openssh-server openssh-sftp-server dropbear tmux ;;
	zabbix) echo zabbix-utils zabbix-agent zabbix-agent2 ;;
	zabbix-server) echo zabbix-server-pgsql postgresql ;;
	clients) echo openldap-clients postgresql-client samba-client curl python3 ;;
	stack) echo podman-compose postgresql-client openssh-client python3 ;;
	*) echo "deps.sh: unknown profile $1" >&2; exit 64 ;;
	esac
}

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
	for profile in "$@"; do
		for p in $(debian_pkgs "$profile"); do
			st=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null || true)
			case $st in *" installed") ;; *) missing="$missing $p" ;; esac
		done
	done
	[ -z "$missing" ] && exit 0
	echo "deps.sh: installing$missing" >&2
	SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	# Packages must not start daemons on the build machine.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
		$SUDO chmod 755 /usr/sbin/policy-rc.d
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq || true
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
elif command -v apk >/dev/null 2>&1; then
	for profile in "$@"; do missing="$missing $(alpine_pkgs "$profile")"; done
	SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	# shellcheck disable=SC2086
	$SUDO apk add --no-cache -q $missing
else
	echo "deps.sh: neither apt nor apk found; install by hand:" \
		"$(for p in "$@"; do debian_pkgs "$p"; done)" >&2
	exit 69
fi
