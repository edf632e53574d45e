#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# An idle agent wakes no one: with nobody asking it makes no context
# switch at all for 3 s (no timer: the CPU collector sleeps until
# system.cpu.util is asked for). The first system.cpu.util wakes the
# collector, which answers from a second sample half a second later and
# then samples once a second, so the same count goes up.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/zabbix/agent_common.sh"
need_zabbix
P=$(free_port) || fail "no free port"
# Context switches of the agent, voluntary and not: one per wake-up.
switches() { awk '/^(non)?voluntary_ctxt_switches:/ { s += $2 } END { print s }' "/proc/$AGENT_PID/status"; }

start_agent "$P"
[ "$(zget "$P" agent.ping)" = 1 ] || fail "agent.ping"
# The sleeps below are the observation windows, not waits for an event.
a=$(switches)
sleep 3
b=$(switches)
echo "idle agent: $((b - a)) context switches in 3 s"
[ "$b" = "$a" ] || fail "the idle agent woke up $((b - a)) times in 3 s"
r=$(zget "$P" 'system.cpu.util[,idle]')
[[ $r =~ ^[0-9]+\.[0-9]{6}$ ]] || fail "system.cpu.util[,idle]: '$r'"
a=$(switches)
sleep 2.5
b=$(switches)
echo "collector running: $((b - a)) context switches in 2.5 s"
[ $((b - a)) -ge 2 ] || fail "the collector does not sample after system.cpu.util"
r=$(zget "$P" system.cpu.util)
[[ $r =~ ^[0-9]+\.[0-9]{6}$ ]] || fail "system.cpu.util: '$r'"
stop_agent
