#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# Passive checks over IPv6, with the real zabbix_get: by default the agent
# listens on every IPv4 and IPv6 address and answers ::1; the allow list
# matches IPv6 peers by address and CIDR (and only them); ZBX_LISTENIP=::1
# listens on ::1 alone. Skipped when loopback has no IPv6.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/zabbix/agent_common.sh"
need_zabbix
grep -qE '^0{31}1 [0-9a-f]+ [0-9a-f]+ [0-9a-f]+ [0-9a-f]+ +lo$' /proc/net/if_inet6 2>/dev/null ||
	{ echo "skip: no IPv6 address ::1 on lo"; exit 77; }
P=$(free_port) || fail "no free port"
z() { zabbix_get -s "$1" -p "$P" -t 5 -k "$2" 2>&1; }

# Every address, both families; server = {"127.0.0.1", "::1"}.
start_agent "$P"
ss -Htln "sport = :$P" | grep -q '\[::\]:' || fail "no IPv6 listener: $(ss -Htln "sport = :$P")"
ss -Htln "sport = :$P" | grep -q '0.0.0.0:' || fail "no IPv4 listener: $(ss -Htln "sport = :$P")"
[ "$(z ::1 agent.ping)" = 1 ] || fail "agent.ping over ::1: $(z ::1 agent.ping)"
[ "$(z 127.0.0.1 agent.ping)" = 1 ] || fail "agent.ping over 127.0.0.1"
[ "$(z ::1 "net.tcp.port[::1,$P]")" = 1 ] || fail "net.tcp.port[::1,$P]: $(z ::1 "net.tcp.port[::1,$P]")"
stop_agent

# An IPv4-only allow list refuses ::1, and says so.
start_agent "$P" 'server = {"127.0.0.1"}'
r=$(z ::1 agent.ping)
[ "$r" = 1 ] && fail "::1 answered with server = {\"127.0.0.1\"}"
wait_for 2 grep -q "refused connection from ::1" "$T/agent.log" || fail "the refusal of ::1 is not logged"
stop_agent

# An IPv6 CIDR admits ::1 and nothing of IPv4.
start_agent "$P" 'server = {"::1/128"}'
[ "$(z ::1 agent.ping)" = 1 ] || fail "::1 refused by ::1/128"
r=$(z 127.0.0.1 agent.ping)
[ "$r" = 1 ] && fail "127.0.0.1 answered with server = {\"::1/128\"}"
stop_agent

# ZBX_LISTENIP=::1: that address only.
ZBX_LISTENIP=::1 start_agent "$P"
ss -Htln "sport = :$P" | grep -q '\[::1\]:' || fail "not on [::1]: $(ss -Htln "sport = :$P")"
[ "$(ss -Htln "sport = :$P" | wc -l)" = 1 ] || fail "more than [::1]: $(ss -Htln "sport = :$P")"
[ "$(z ::1 agent.ping)" = 1 ] || fail "agent.ping over ::1 with ZBX_LISTENIP=::1"
r=$(z 127.0.0.1 agent.ping)
[ "$r" = 1 ] && fail "127.0.0.1 answered with ZBX_LISTENIP=::1"
stop_agent
echo "IPv6: listen, allow list by address and CIDR, ZBX_LISTENIP: ok"
