#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# system.run, with the real zabbix_get: refused by default with
# zabbix_agentd 6.0's words; allowed only where allow_key says (a pattern
# for some commands, ZBX_ALLOWKEY for all); its output, nowait mode, and
# the Timeout that kills a command that runs too long. Rules match the
# parsed key as agentd's do: quoting a parameter slips past no deny_key.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/zabbix/agent_common.sh"
need_zabbix
P=$(free_port) || fail "no free port"
ms() { echo $(($(date +%s%N) / 1000000)); }
expect() { # KEY WANT
	local r
	r=$(zget "$P" "$1")
	[ "$r" = "$2" ] || fail "$1: '$r', want '$2'"
}

start_agent "$P"
expect 'system.run[echo hi]' 'ZBX_NOTSUPPORTED: Unsupported item key.'
expect 'system.run[echo hi,nowait]' 'ZBX_NOTSUPPORTED: Unsupported item key.'
stop_agent

# A pattern admits the commands it matches, no other.
start_agent "$P" 'allow_key = {"system.run[echo *]"}' 'timeout = "1s"' \
	"deny_key = {\"vfs.file.contents[$T/secret]\"}"
echo hidden >"$T/secret"
echo shown >"$T/public"
expect 'system.run[echo hi]' 'hi'
expect 'system.run["echo a  b"]' 'a b'
expect 'system.run[uname -s]' 'ZBX_NOTSUPPORTED: Unsupported item key.'
for k in "vfs.file.contents[$T/secret]" "vfs.file.contents[\"$T/secret\"]" \
    "vfs.file.contents[ $T/secret]"; do
	expect "$k" 'ZBX_NOTSUPPORTED: Unsupported item key.'
done
expect "vfs.file.contents[$T/public]" 'shown'
stop_agent

# ZBX_ALLOWKEY=system.run[*]: everything, with the config's Timeout.
ZBX_ALLOWKEY='system.run[*]' start_agent "$P" 'timeout = "1s"'
expect 'system.run[uname -s]' "$(uname -s)"
expect 'system.run[printf "x\n\n"]' 'x'
t0=$(ms)
expect 'system.run[sleep 3,nowait]' '1'
[ $(($(ms) - t0)) -lt 1500 ] || fail "nowait waited for the command"
t0=$(ms)
expect 'system.run[sleep 10]' 'ZBX_NOTSUPPORTED: Timeout while executing a shell script.'
t=$(($(ms) - t0))
[ "$t" -lt 2500 ] || fail "system.run[sleep 10] answered after ${t} ms, want about 1000"
stop_agent
echo "system.run: refused by default, allow_key and ZBX_ALLOWKEY, nowait, timeout: ok"
