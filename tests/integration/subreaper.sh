#!/bin/bash
# Not PID 1 (docker run --init, podman --init): vcinit makes itself a child
# subreaper, still reaps the orphans of its services, and at shutdown ends
# what its services left behind; its exit status follows the same rules.
# asan
. "$(dirname "$0")/lib.sh"
service maker 'type = oneshot' "command = {\"$VCTEST\", \"orphans\", \"200\"}"
# a daemon that leaves its service's process group, then the service exits
service daemon 'type = oneshot' "command = {\"/bin/sh\", \"-c\", \"setsid $VCTEST ignore-term $T/stray </dev/null >/dev/null 2>&1 & until [ -s $T/stray ]; do sleep 0.01; done\"}"
service web "command = {\"$VCTEST\", \"idle\"}"
start_subreaper
wait_state 5 maker done || fail "maker not done"
wait_state 5 daemon done || fail "daemon not done"
grep -q 'started (as a subreaper)' "$T/out" || fail "no subreaper notice"
stray=$(awk '$1=="S"{print $2}' "$T/stray")
[ "$(awk '/^PPid:/{print $2}' "/proc/$stray/status")" = "$P1" ] ||
	fail "the orphan was not reparented to vcinit"
zombies() { ps -o stat= --ppid "$P1" | grep -c Z; }
wait_for 5 eval '[ "$(zombies)" -eq 0 ]' || fail "$(zombies) zombies under vcinit"
EXTRA_PIDS=$stray
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"
kill -0 "$stray" 2>/dev/null && fail "the stray daemon outlived vcinit"
grep -q 'processes left after 1000ms: sending SIGKILL' "$T/out" || fail "no sweep message"
# the main command's status, as a subreaper too
"$VCINIT" -c "$ETC" -- /bin/sh -c 'exit 7' >"$T/out2" 2>&1 </dev/null
[ $? -eq 7 ] || fail "main status as a subreaper"
