#!/bin/bash
# Every class of configuration error exits 78 before anything starts, with
# "file:line: what is wrong" on stderr.
# asan
. "$(dirname "$0")/lib.sh"
check() { # EXPECTED-MESSAGE: vcinit must exit 78 and print it
	rm -f "$T/started"
	timeout 5 "$VCINIT" -c "$ETC" >"$T/out" 2>&1 </dev/null
	local rc=$?
	[ "$rc" -eq 78 ] || fail "exit $rc for: $1"
	grep -qF -- "$1" "$T/out" || fail "expected '$1', got: $(cat "$T/out")"
	[ -e "$T/started" ] && fail "a service ran despite: $1"
	rm -f "$ETC"/services.d/*
	conf
}
ok="command = {\"/bin/sh\", \"-c\", \"touch $T/started\"}"
d=$ETC/services.d
service a "$ok" 'bogus = 1'
check "$d/a.conf:3: no such option 'bogus'"
service a "$ok" 'restart = sometimes'
check "$d/a.conf:3: restart = 'sometimes': expected one of always, on-failure, never"
service a "$ok" 'stop_timeout = "soon"'
check "$d/a.conf:3: stop_timeout: 'soon' is not a duration"
service a "$ok" 'stop_signal = SIGNOPE'
check "$d/a.conf:3: stop_signal = 'SIGNOPE' is not a signal"
service a "$ok" 'user = "no-such-user"'
check "$d/a.conf:3: user: unknown user 'no-such-user'"
service a "$ok" 'group = "no-such-group"' 'user = "root"'
check "$d/a.conf:3: group: unknown group 'no-such-group'"
service a 'shell = false'
check "$d/a.conf:2: service 'a' has no command"
service a 'command = "sleep 10"'
check "$d/a.conf:2: service 'a': command is one string with spaces"
service a "$ok" 'depends = {"b"}'
service b "$ok" 'depends = {"c"}'
service c "$ok" 'depends = {"a"}'
check "is in a dependency cycle"
service a "$ok" 'depends = {"ghost"}'
check "$d/a.conf:2: service 'a' depends on 'ghost', which is not defined"
service a "$ok"
printf 'service a {\n  %s\n}\n' "$ok" >"$d/z.conf"
check "$d/z.conf:2: service 'a' is already defined at $d/a.conf:2"
service a "$ok" 'main = true'
service b "$ok" 'main = true'
check "service 'b' is main = true, but so is 'a'"
service a "$ok" 'ready = "tcp:db.example:5432"'
check "readiness takes a numeric address"
service a "$ok" 'ready = "sometime"'
check "$d/a.conf:3: ready: 'sometime' is not one of"
service a "$ok" 'wait_for = {"tcp:ldap"}'
check "$d/a.conf:3: wait_for: 'tcp:ldap' is not one of"
service a "$ok" 'umask = "999"'
check "$d/a.conf:3: umask = '999' is not an octal mode"
service a "$ok" 'limit_nofile = "lots"'
check "$d/a.conf:3: limit_nofile: 'lots' is not N, unlimited or SOFT:HARD"
service a "$ok" 'environment = {"1BAD=x"}'
check "$d/a.conf:3: environment: '1BAD=x' is not NAME=value"
service a "$ok" 'log = syslog'
check "$d/a.conf:3: log = 'syslog': expected one of stdout, file, both, none"
printf 'service a {\n  %s\n' "$ok" >"$d/a.conf"
check "$d/a.conf:1: '{' is never closed by a '}'"
printf 'shutdown_timeout = "forever"\n' >>"$ETC/vcore.conf"
check "$ETC/vcore.conf:4: shutdown_timeout: 'forever' is not a duration"
printf 'control_socket = "/x"\n' >"$d/a.conf"
check "$d/a.conf:1: no such option 'control_socket'"
VCORE_SHUTDOWN_TIMEOUT=never check "VCORE_SHUTDOWN_TIMEOUT: 'never' is not a duration"
true
