#!/bin/bash
# SPDX-License-Identifier: ISC
# make check-zabbix: vcinit's agent against a REAL Zabbix 6.0 server with
# PostgreSQL on loopback (tests/zabbix/real-server.sh, from the research
# notes): active items (agent.ping, system.cpu.load, log[], an unsupported
# key) and passive items must land in the server's history tables; then a
# 20 s outage of the agent-to-server link, whose buffered values must
# arrive afterwards; and a logrt[] item whose file is rotated, every line of
# which must reach history_log exactly once. Needs root (initdb as postgres).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
VCINIT=${VCINIT:-$TOP/build/vcinit}
[ -x "$VCINIT" ] || { echo "check-zabbix: build $VCINIT first"; exit 1; }
export AGENT=vcore CACHE=${CACHE:-1} CAPTURE=1 WAIT=${WAIT:-90} OUTAGE=${OUTAGE:-20} ROTATE=${ROTATE:-1}
export RESULTS_DIR=${RESULTS_DIR:-$TOP/build/check-zabbix}
mkdir -p "$RESULTS_DIR"
# real-server.sh writes a zabbix_agentd-style config; vcinit's agent takes
# the same settings from the official image's variables.
export AGENT_CMD="exec env ZBX_HOSTNAME=vcore-rt ZBX_SERVER_HOST=127.0.0.1 \
ZBX_SERVER_PORT=10151 ZBX_LISTENPORT=10150 ZBX_METADATA=vcore-test \
ZBX_BUFFERSEND=1 ZBX_BUFFERSIZE=100 $VCINIT agent -c /nonexistent"
out=$(bash "$TOP/tests/zabbix/real-server.sh" 2>&1)
rc=$?
echo "$out"
[ "$rc" = 0 ] || { echo "check-zabbix: FAIL (values missing in history)"; echo "0 passed, 1 failed"; exit 1; }
# Values stamped inside the outage must have reached history afterwards.
if [ "$OUTAGE" -gt 0 ]; then
	n=$(awk '/values stamped inside the/ { f = 1; next } f && / = / { s += $NF } END { print s + 0 }' <<<"$out")
	echo "buffered values delivered after the outage: $n"
	[ "$n" -gt 0 ] || { echo "check-zabbix: FAIL (no buffered value after the outage)"; echo "1 passed, 1 failed"; exit 1; }
fi
echo "2 passed, 0 failed"
