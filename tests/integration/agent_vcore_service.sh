#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# vcore.service.* keys against the real vcinit: vcinit (PID 1 of a new
# namespace) supervises the agent as service "agent" from monitor {} (as
# uid 10050) and a service "web"; zabbix_get reads discovery, state,
# restarts and uptime, which the agent takes from vcinit's control socket.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/zabbix/agent_common.sh"
need_zabbix
P=$(free_port) || fail "no free port"
conf "monitor {" "    server = {\"127.0.0.1\"}" "    listen_port = $P" \
	"    hostname = \"vcore-svc\"" "    active = false" "}"
service web 'command = {"sleep", "1000"}'
start_vcinit
wait_for 10 listening "$P" || fail "the agent did not listen on $P"
wait_state 10 web up || fail "web is not up"
d=$(zget "$P" vcore.service.discovery)
echo "discovery: $d"
grep -q '{"{#SERVICE}":"web","{#TYPE}":"longrun"}' <<<"$d" || fail "discovery: $d"
grep -q '{"{#SERVICE}":"agent"' <<<"$d" || fail "discovery lacks agent: $d"
[ "$(zget "$P" 'vcore.service.state[web]')" = up ] || fail "state[web]: $(zget "$P" 'vcore.service.state[web]')"
[ "$(zget "$P" 'vcore.service.restarts[web]')" = 0 ] || fail "restarts[web]"
u=$(zget "$P" 'vcore.service.uptime[web]')
[[ $u =~ ^[0-9]+$ ]] || fail "uptime[web]: $u"
r=$(zget "$P" 'vcore.service.state[nosuch]')
[ "$r" = 'ZBX_NOTSUPPORTED: Unknown service "nosuch".' ] || fail "state[nosuch]: $r"
[ "$(zget "$P" agent.hostname)" = vcore-svc ] || fail "agent.hostname"
# The agent runs unprivileged (uid 10050 by default).
apid=$(host_pid "$(ns_pid_of agent)")
[ -n "$apid" ] && [ "$(awk '/^Uid:/ { print $2 }' "/proc/$apid/status")" = 10050 ] ||
	fail "the agent does not run as uid 10050"
# A restart of web shows in restarts (vcctl as root may restart).
ctl restart web >/dev/null || fail "vcctl restart web"
wait_for 5 eval '[ "$(zget "$P" "vcore.service.restarts[web]")" = 1 ]' ||
	fail "restarts[web] after a restart: $(zget "$P" 'vcore.service.restarts[web]')"
stop_vcinit
