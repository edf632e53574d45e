#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# The environment magic builds (DESIGN: Secrets, Environment): env.d gives
# defaults taken literally, a container variable wins over them; a
# declared NAME_FILE and any FILE__NAME become NAME (trailing newlines
# stripped, the _FILE/FILE__ variable gone), an undeclared X_FILE stays a
# path; hooks, services and the root session's environment file see it
# all, the agent sees no secret. Every bad input exits 78 naming the file
# and line or the variable, before any hook or service runs, and never
# quotes a secret.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "no python3 (scripts/deps.sh check)"; exit 77; }
mkdir -p "$ETC/env.d" "$ETC/secrets.d" "$ETC/magic.d"
printf '%s\n' '# defaults of the image' '' 'COLOR=blue' 'QUOTED="kept as is"' \
	'  URL=http://db/?a=b=c' 'WINNER=env.d' 'EMPTY=' 'DB_PASSWORD=from-env.d' \
	>"$ETC/env.d/10-app"
printf '%s\n' '# secrets of the app' 'DB_PASSWORD' 'API_TOKEN' >"$ETC/secrets.d/app"
printf 's3cret-pw\n\n' >"$T/pw"
printf 'line one\nline two\n' >"$T/token"
printf 'from-file-form' >"$T/plain"
head -c 65536 /dev/zero | tr '\0' a >"$T/big"
# hooks and services write what they see: these variables, one a line
# ("|" closes a value), then the names of the _FILE/FILE__ forms left
cat >"$T/dump.sh" <<'EOF2'
for v in COLOR QUOTED URL WINNER EMPTY DB_PASSWORD API_TOKEN PLAIN BIG MUNGE_KEY_FILE; do
	case $v in
	BIG) echo "BIG has ${#BIG} bytes" ;;
	*) eval "[ -n \"\${$v+x}\" ] && printf '%s=%s|\n' $v \"\$$v\"" ;;
	esac
done
env | grep -E '^(DB_PASSWORD_FILE|API_TOKEN_FILE|MUNGE_KEY_FILE|FILE__[A-Z_]*)=' | sed 's/=.*//'
EOF2
printf '#!/bin/sh\n. %s/dump.sh\n' "$T" >"$ETC/magic.d/10-dump"
chmod 755 "$ETC/magic.d/10-dump"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
conf "monitor {" "  listen_ip = \"127.0.0.1\"" "  listen_port = $port" \
	"  server = {\"127.0.0.1\"}" "  active = false" "}"
service app "type = oneshot" "command = {\"/bin/sh\", \"-c\", \". $T/dump.sh > $T/app.env\"}"

WINNER=container DB_PASSWORD_FILE=$T/pw FILE__API_TOKEN=$T/token \
	FILE__PLAIN=$T/plain FILE__BIG=$T/big MUNGE_KEY_FILE=/no/such/key start_vcinit
wait_state 5 app done || fail "app not done: $(ctl status)"
wait_state 5 agent up || fail "agent not up: $(ctl status)"
expected="COLOR=blue|
QUOTED=\"kept as is\"|
URL=http://db/?a=b=c|
WINNER=container|
EMPTY=|
DB_PASSWORD=s3cret-pw|
API_TOKEN=line one
line two|
PLAIN=from-file-form|
BIG has 65536 bytes
MUNGE_KEY_FILE=/no/such/key|
MUNGE_KEY_FILE"
[ "$(cat "$T/app.env")" = "$expected" ] || fail "the service saw: $(cat "$T/app.env")"
hooked=$(sed -n 's/^magic\/10-dump | //p' "$T/out")
[ "$hooked" = "$expected" ] || fail "the hook saw: $hooked"
# root's sessions read the resolved environment (NUL-separated)
tr '\0' '\n' <"$T/environment" >"$T/environment.txt"
grep -qx 'DB_PASSWORD=s3cret-pw' "$T/environment.txt" || fail "no secret for root's sessions"
grep -qx 'COLOR=blue' "$T/environment.txt" || fail "no env.d default for root's sessions"
grep -qE '^(DB_PASSWORD_FILE|FILE__API_TOKEN)=' "$T/environment.txt" &&
	fail "a _FILE variable reached the environment file"
# the agent, which never needs them, gets no declared secret
agent=$(host_pid "$(ns_pid_of agent)")
[ -n "$agent" ] || fail "no agent process"
tr '\0' '\n' <"/proc/$agent/environ" >"$T/agent.env"
grep -qx 'COLOR=blue' "$T/agent.env" || fail "the agent has no env.d default"
grep -qE '^(DB_PASSWORD|API_TOKEN|DB_PASSWORD_FILE|FILE__API_TOKEN)=' "$T/agent.env" &&
	fail "the agent sees a secret: $(grep -E 'PASSWORD|TOKEN' "$T/agent.env")"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"
grep '^vcinit' "$T/out" | grep -q 's3cret-pw' && fail "the secret is in vcinit's own messages"

# Bad input: 78 before any hook or service, with the file:line or variable.
printf '#!/bin/sh\ntouch %s/hooked\n' "$T" >"$ETC/magic.d/10-dump"
conf
service app "command = {\"/bin/sh\", \"-c\", \"touch $T/started\"}"
check() { # EXPECTED-MESSAGE [NAME=value...]: vcinit must exit 78 and say it
	local msg=$1
	refused "$@"
	grep -q 's3cret-pw' "$T/out" && fail "the secret was quoted for: $msg"
	true
}
printf 'GOOD=1\nNOT AN ASSIGNMENT\n' >"$ETC/env.d/20-bad"
check "$ETC/env.d/20-bad:2: expected NAME=value"
printf 'GOOD=1\n\n1NAME=x\n' >"$ETC/env.d/20-bad"
check "$ETC/env.d/20-bad:3:"
rm "$ETC/env.d/20-bad"
printf 'OK_NAME\nbad name\n' >"$ETC/secrets.d/zz"
check "$ETC/secrets.d/zz:2:"
rm "$ETC/secrets.d/zz"
check "DB_PASSWORD" DB_PASSWORD=x DB_PASSWORD_FILE="$T/pw"
check "DB_PASSWORD" DB_PASSWORD_FILE="$T/pw" FILE__DB_PASSWORD="$T/pw"
check "FILE__PLAIN" PLAIN=x FILE__PLAIN="$T/plain"
check "DB_PASSWORD_FILE" DB_PASSWORD_FILE="$T/no-such-file"
check "DB_PASSWORD_FILE" DB_PASSWORD_FILE="$T"
check "FILE__TOKEN" FILE__TOKEN="$T/no-such-file"
printf 's3cret-pw\0tail\n' >"$T/nul"
check "DB_PASSWORD_FILE" DB_PASSWORD_FILE="$T/nul"
grep -qi 'NUL' "$T/out" || fail "the NUL byte is not the reason given: $(cat "$T/out")"
printf 'x' >>"$T/big"	# 64 KiB and one byte
check "FILE__BIG" FILE__BIG="$T/big"
grep -q '64 KiB' "$T/out" || fail "the size is not the reason given: $(cat "$T/out")"
# env.d's defaults are not the container's: no "set twice" from them
echo 'API_TOKEN_FILE=/no/such/file' >"$ETC/env.d/30-file"
rm -f "$T/started" "$T/hooked"
DB_PASSWORD_FILE=$T/pw start_vcinit
wait_for 5 test -e "$T/started" || fail "an env.d default made a conflict: $(cat "$T/out")"
stop_vcinit
rm "$ETC/env.d/30-file"
# a declared secret in vcore.conf: the agent and vcsshd would read it
conf 'shutdown_timeout = "${DB_PASSWORD:-5s}"'
check "$ETC/vcore.conf:4:" DB_PASSWORD_FILE="$T/pw"
grep -q 'DB_PASSWORD' "$T/out" || fail "the secret's name is not given: $(cat "$T/out")"
true
