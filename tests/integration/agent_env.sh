#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# The official agent image's ZBX_* variables win over vcore.conf's
# monitor {} section, checked with the real zabbix_get: ZBX_HOSTNAME;
# ZBX_LISTENPORT; the passive allow list made of ZBX_SERVER_HOST plus
# ZBX_PASSIVESERVERS (zabbix_get from 127.0.0.2 and 127.0.0.3 answered,
# from 127.0.0.1 refused although the file allows it); ZBX_TIMEOUT (a
# silent client and a slow user parameter cut after 1 s instead of the
# file's 3 s); ZBX_PASSIVE_ALLOW=false (no listener); ZBX_ACTIVE_ALLOW (the
# active-checks request reaches ZBX_SERVER_HOST:ZBX_SERVER_PORT with
# ZBX_HOSTNAME and ZBX_METADATA, or never leaves); bad values, and a
# ZBX_DENYKEY that is no key pattern, exit 78.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/zabbix/agent_common.sh"
need_zabbix
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }
P1=$(free_port) && P2=$(free_port) && PA=$(free_port) || fail "no free port"
[ "$P1" != "$P2" ] && [ "$P2" != "$PA" ] && [ "$P1" != "$PA" ] || fail "ports collide, run again"

# The file says one thing...
write_conf() {
	mkdir -p "$T/agent"
	{
		echo "control_socket = \"$SOCK\""
		echo "monitor {"
		echo "    hostname = \"from-file\""
		echo "    server = {\"127.0.0.1\"}"
		echo "    listen_port = $P1"
		echo "    timeout = \"3s\""
		printf '    %s\n' "$@"
		echo '    user_parameter "up.slow" { command = "sleep 5" }'
		echo "}"
	} >"$T/agent/vcore.conf"
}
# run_agent VAR=VALUE...: the agent with these variables (and no other
# ZBX_*), its log in $T/agent.log.
run_agent() {
	: >"$T/agent.log"	# emptied here, before a check could read the old one
	env $(env | sed -n 's/^\(ZBX_[A-Z_]*\)=.*/-u \1/p') "$@" \
		"$VCINIT" agent -c "$T/agent" >>"$T/agent.log" 2>&1 &
	AGENT_PID=$!
	EXTRA_PIDS="$EXTRA_PIDS $AGENT_PID"
	wait_for 5 grep -q "started (passive" "$T/agent.log" ||
		fail "the agent did not start: $(cat "$T/agent.log")"
}
# zfrom SOURCE KEY: zabbix_get from a given loopback source address.
zfrom() { zabbix_get -s 127.0.0.1 -I "$1" -p "$P2" -t 5 -k "$2" 2>&1; }
ms() { echo $(($(date +%s%N) / 1000000)); }

# ...the environment wins.
write_conf "active = false"
run_agent ZBX_HOSTNAME=from-env ZBX_LISTENPORT="$P2" ZBX_SERVER_HOST=127.0.0.2 \
	ZBX_PASSIVESERVERS="127.0.0.3, 127.0.0.9" ZBX_TIMEOUT=1 ZBX_ACTIVE_ALLOW=false
wait_for 5 listening "$P2" || fail "nothing listens on ZBX_LISTENPORT $P2"
listening "$P1" && fail "the file's listen_port $P1 is still used"
r=$(zfrom 127.0.0.2 agent.hostname)
[ "$r" = from-env ] || fail "agent.hostname from 127.0.0.2 (ZBX_SERVER_HOST): '$r'"
r=$(zfrom 127.0.0.3 agent.ping)
[ "$r" = 1 ] || fail "agent.ping from 127.0.0.3 (ZBX_PASSIVESERVERS): '$r'"
r=$(zfrom 127.0.0.1 agent.ping)
[ "$r" = 1 ] && fail "127.0.0.1 is answered: the file's server list was kept"
wait_for 2 grep -q "refused connection from 127.0.0.1" "$T/agent.log" ||
	fail "the refusal of 127.0.0.1 is not logged"
grep -q "active servers 0" "$T/agent.log" || fail "ZBX_ACTIVE_ALLOW=false left an active server"
# ZBX_TIMEOUT=1: a client that sends nothing is dropped after 1 s.
t=$(python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.2", 0)); s.settimeout(10)
s.connect(("127.0.0.1", int(sys.argv[1]))); t = time.monotonic()
try:
    s.recv(1)
except OSError:
    pass
print(int((time.monotonic() - t) * 1000))' "$P2") || fail "silent client failed"
echo "silent client dropped after ${t} ms (ZBX_TIMEOUT=1, the file says 3s)"
[ "$t" -ge 800 ] && [ "$t" -lt 2500 ] || fail "silent client dropped after ${t} ms, want about 1000"
# ...and a user parameter without its own timeout is cut after 1 s too.
t0=$(ms)
r=$(zfrom 127.0.0.2 up.slow)
t=$(($(ms) - t0))
echo "up.slow: '$r' after ${t} ms"
[ "$r" = "ZBX_NOTSUPPORTED: Timeout while executing a shell script." ] ||
	fail "up.slow: '$r'"
[ "$t" -lt 2500 ] || fail "up.slow answered after ${t} ms, want about 1000"
stop_agent

# ZBX_PASSIVE_ALLOW=false: no listener at all.
write_conf "active = false"
run_agent ZBX_PASSIVE_ALLOW=false ZBX_LISTENPORT="$P2"
grep -q "passive off" "$T/agent.log" || fail "passive checks are on: $(cat "$T/agent.log")"
listening "$P2" && fail "ZBX_PASSIVE_ALLOW=false, yet $P2 listens"
listening "$P1" && fail "ZBX_PASSIVE_ALLOW=false, yet $P1 listens"
stop_agent

# ZBX_ACTIVE_ALLOW=true beats the file's active = false: the request for
# active checks reaches ZBX_SERVER_HOST:ZBX_SERVER_PORT.
python3 "$TOP/tests/zabbix/active_listen.py" "$PA" 5 >"$T/active.out" 2>&1 &
LPID=$!
EXTRA_PIDS="$EXTRA_PIDS $LPID"
wait_for 5 grep -q listening "$T/active.out" || fail "the listener did not start"
write_conf "active = false" "passive = false"
run_agent ZBX_ACTIVE_ALLOW=true ZBX_SERVER_HOST=127.0.0.1 ZBX_SERVER_PORT="$PA" \
	ZBX_HOSTNAME=env-active ZBX_METADATA=vcore-meta
wait "$LPID" || fail "no active-checks request reached 127.0.0.1:$PA: $(cat "$T/agent.log")"
req=$(sed -n 2p "$T/active.out")
echo "request: $req"
grep -q '"request":"active checks"' <<<"$req" || fail "not an active-checks request: $req"
grep -q '"host":"env-active"' <<<"$req" || fail "ZBX_HOSTNAME is not the host: $req"
grep -q '"host_metadata":"vcore-meta"' <<<"$req" || fail "ZBX_METADATA is not sent: $req"
stop_agent

# ZBX_ACTIVE_ALLOW=false beats the file's active = true: nobody comes.
python3 "$TOP/tests/zabbix/active_listen.py" "$PA" 1.5 >"$T/active.out" 2>&1 &
LPID=$!
EXTRA_PIDS="$EXTRA_PIDS $LPID"
wait_for 5 grep -q listening "$T/active.out" || fail "the listener did not start"
write_conf "active = true" "passive = false" "server_active = {\"127.0.0.1:$PA\"}"
run_agent ZBX_ACTIVE_ALLOW=false
wait "$LPID" && fail "ZBX_ACTIVE_ALLOW=false, yet the agent asked for active checks"
stop_agent

# A bad value is a configuration error: exit 78, naming the variable.
write_conf
for bad in ZBX_LISTENPORT=abc ZBX_LISTENPORT=80 ZBX_TIMEOUT=31 ZBX_PASSIVE_ALLOW=maybe; do
	out=$(env "$bad" "$VCINIT" agent -c "$T/agent" 2>&1)
	rc=$?
	[ "$rc" = 78 ] || fail "$bad: exit $rc, want 78 ($out)"
	grep -q "^${bad%%=*}=" <<<"$out" || fail "$bad: the message does not name it: $out"
done
echo "bad values: exit 78 ($out)"
out=$(ZBX_DENYKEY='vfs.file.contents[/etc/shadow' "$VCINIT" agent -c "$T/agent" 2>&1)
rc=$?
[ "$rc" = 78 ] || fail "a deny_key that is no key pattern: exit $rc, want 78 ($out)"
echo "bad rule: exit 78 ($out)"
