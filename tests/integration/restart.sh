#!/bin/bash
# A service killed with SIGKILL is restarted at once, the first time; the
# restart is counted and the last exit shown.
# asan
. "$(dirname "$0")/lib.sh"
service s "command = {\"$VCTEST\", \"mark\", \"$T/marks\"}"
start_vcinit
wait_for 5 test -s "$T/marks" || fail "s did not start"
first=$(awk '{print $2}' "$T/marks")
kill -KILL "$(host_pid "$first")" || fail "cannot kill $first"
wait_for 5 eval '[ "$(wc -l <"$T/marks")" -ge 2 ]' || fail "s was not restarted"
second=$(awk 'NR==2 {print $2}' "$T/marks")
[ "$first" != "$second" ] || fail "same pid"
wait_state 5 s up || fail "not up after the restart"
ctl status --json | grep -q '"restarts":1,' || fail "restart not counted: $(ctl status)"
ctl status --json | grep -q '"last_exit":"killed by SIGKILL"' || fail "last exit not shown"
grep -q 's: killed by SIGKILL; restarting now' "$T/out" || fail "no log line about the restart"
stop_vcinit
