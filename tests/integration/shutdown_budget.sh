#!/bin/bash
# shutdown_timeout bounds the whole shutdown whatever the services do (a
# stop_timeout longer than it does not matter), and VCORE_SHUTDOWN_TIMEOUT
# wins over the config's value.
# asan
. "$(dirname "$0")/lib.sh"
conf 'shutdown_timeout = "5s"'
service stuck "command = {\"$VCTEST\", \"ignore-term\"}" 'stop_timeout = "60s"'
export VCORE_SHUTDOWN_TIMEOUT=800ms
start_vcinit
wait_state 5 stuck up || fail "stuck not up"
t0=$(date +%s%N)
stop_vcinit
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 750 ] && [ "$ms" -lt 2000 ] || fail "shutdown took $ms ms with an 800 ms budget"
grep -q 'shutdown_timeout reached: killing what is left' "$T/out" || fail "no message"
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"
