#!/bin/bash
# Signals to vcinit are not lost: USR1, USR2, WINCH and ALRM go to the main
# service's process group; without a main service they are logged; SIGQUIT
# and SIGPWR shut down like SIGTERM; SIGHUP reloads (see reload.sh).
# asan
. "$(dirname "$0")/lib.sh"
start_vcinit "$VCTEST" signals "$T/main"
wait_for 5 test -s "$T/main" || fail "main did not start"
for s in USR1 USR2 WINCH ALRM; do
	kill -$s "$P1"
	n=$(kill -l $s)
	wait_for 5 grep -q "^G $n " "$T/main" || fail "SIG$s not passed to main"
done
stop_vcinit QUIT
[ "$VC_RC" -eq 0 ] || fail "SIGQUIT shutdown exit $VC_RC"
service idle "command = {\"$VCTEST\", \"idle\"}"
start_vcinit
wait_state 5 idle up || fail "idle not up"
kill -USR1 "$P1"
wait_for 5 grep -q 'SIGUSR1 received: no main service to pass it to' "$T/out" || fail "USR1 not logged"
stop_vcinit PWR
[ "$VC_RC" -eq 0 ] || fail "SIGPWR shutdown exit $VC_RC"
# dispositions vcinit inherited (ignored INT and USR2 here) never reach a
# service: it starts with no signal ignored
service clean "command = {\"$VCTEST\", \"idle\"}"
(trap '' INT USR2; exec unshare --pid --fork --mount-proc --kill-child "$VCINIT" -c "$ETC" \
	>"$T/out" 2>&1 </dev/null) &
UPID=$!
wait_for 5 pgrep -P "$UPID" || fail "vcinit did not start"
P1=$(pgrep -P "$UPID")
wait_state 5 clean up || fail "clean not up"
ign=$(awk '/^SigIgn:/{print $2}' "/proc/$(host_pid "$(ns_pid_of clean)")/status")
[ "$ign" = 0000000000000000 ] || fail "the service starts with signals ignored: $ign"
stop_vcinit
