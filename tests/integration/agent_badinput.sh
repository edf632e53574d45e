#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# Every bad-input case of issue 4 against the real agent: truncated
# headers, lengths over the limit, zlib bombs, garbage, a byte-a-second
# sender, stalled peers, a peer outside the allow list. Each closes its
# connection within the timeout, the agent keeps answering zabbix_get, its
# memory stays bounded, and a refused peer is logged once a minute.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/zabbix/agent_common.sh"
need_zabbix
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }
P=$(free_port) || fail "no free port"
start_agent "$P"
pss0=$(pss_kb "$AGENT_PID")
python3 "$TOP/tests/zabbix/agent_badpeer.py" "$P" || fail "bad peers: see above"
kill -0 "$AGENT_PID" || fail "the agent died"
[ "$(zget "$P" agent.ping)" = 1 ] || fail "zabbix_get agent.ping after the bad peers"
pss1=$(pss_kb "$AGENT_PID")
echo "agent PSS: ${pss0} KiB before, ${pss1} KiB after"
# (ASan's shadow memory and quarantine make PSS meaningless there.)
is_asan || [ "$pss1" -lt 2048 ] || fail "agent PSS grew to ${pss1} KiB"
n=$(grep -c "refused connection from 127.0.0.2" "$T/agent.log")
[ "$n" = 1 ] || fail "refused peer logged $n times, want once"
stop_agent
