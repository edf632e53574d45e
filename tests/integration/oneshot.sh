#!/bin/bash
# A oneshot runs once; its dependants start only after it exited 0; a
# failing oneshot with restart = never blocks its dependants and shows
# failed; on-failure retries until it succeeds.
# asan
. "$(dirname "$0")/lib.sh"
service setup "type = oneshot" \
	"command = {\"/bin/sh\", \"-c\", \"sleep 0.2; echo prepared > $T/prepared\"}"
service app "command = {\"/bin/sh\", \"-c\", \"cat $T/prepared; exec $VCTEST idle\"}" \
	'depends = {"setup"}'
service broken "type = oneshot" "command = {\"$VCTEST\", \"exit\", \"3\"}"
service blocked "command = {\"$VCTEST\", \"idle\"}" 'depends = {"broken"}'
service retry "type = oneshot" 'restart = on-failure' 'restart_delay = "50ms"' \
	"command = {\"/bin/sh\", \"-c\", \"echo x >> $T/tries; [ \$(wc -l < $T/tries) -ge 3 ]\"}"
start_vcinit
wait_state 5 app up || fail "app did not start"
# The line reaches vcinit's output a moment after app is up.
wait_for 5 grep -q 'app | prepared' "$T/out" || fail "app started before setup finished"
wait_state 5 setup done || fail "setup not done"
wait_state 5 broken failed || fail "broken not failed: $(ctl status)"
has_state blocked waiting || fail "blocked should still wait"
ctl status | grep -E '^broken +failed .*exited 3' >/dev/null || fail "$(ctl status)"
wait_state 5 retry done || fail "retry never succeeded"
[ "$(wc -l <"$T/tries")" -eq 3 ] || fail "retry ran $(wc -l <"$T/tries") times"
ctl health && fail "healthy with a failed oneshot"
stop_vcinit
