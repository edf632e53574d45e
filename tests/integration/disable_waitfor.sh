#!/bin/bash
# VCORE_DISABLE keeps services from starting (shown as disabled, not
# counted for health, dependants not held back); wait_for holds a service
# until a TCP endpoint answers (the name resolved by a probe child, not by
# PID 1); a wait_for that never answers retries and says why.
# asan
. "$(dirname "$0")/lib.sh"
port=$((20000 + RANDOM % 20000))
service off "command = {\"$VCTEST\", \"mark\", \"$T/off\"}"
service needs_off "command = {\"$VCTEST\", \"idle\"}" 'depends = {"off"}'
service waiter "command = {\"$VCTEST\", \"mark\", \"$T/waiter\"}" \
	"wait_for = {\"tcp:localhost:$port\", \"file:$T/flag\"}" 'wait_timeout = "10s"'
service never "command = {\"$VCTEST\", \"idle\"}" 'wait_for = {"tcp:127.0.0.1:1"}' \
	'wait_timeout = "300ms"'
export VCORE_DISABLE=off,nosuch
start_vcinit
wait_state 5 needs_off up || fail "needs_off held back by a disabled service"
ctl status | grep -Eq '^off +disabled .*VCORE_DISABLE' || fail "$(ctl status)"
[ -e "$T/off" ] && fail "off started"
grep -q "VCORE_DISABLE names 'nosuch', which is not a service" "$T/out" || fail "no warning"
has_state waiter waiting || fail "waiter did not wait"
ctl status | grep -q 'wait_for tcp:localhost' || fail "no note: $(ctl status)"
"$VCTEST" listen "$port" &
EXTRA_PIDS=$!
touch "$T/flag"
wait_for 8 test -s "$T/waiter" || fail "waiter never started"
wait_for 5 grep -q 'tcp:127.0.0.1:1 did not answer within 300ms' "$T/out" || fail "no probe message"
ctl status | grep -Eq '^never +(backoff|waiting)' || fail "$(ctl status)"
ctl health >/dev/null && fail "healthy while never waits"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"
