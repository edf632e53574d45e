#!/bin/bash
# vcctl health: healthy only when every longrun is up and still answers its
# tcp: or exec: check (tried again when asked, the answer kept for a
# second), every oneshot exited 0; disabled services do not count.
# asan
. "$(dirname "$0")/lib.sh"
port=$((20000 + RANDOM % 20000))
service net "command = {\"/bin/sh\", \"-c\", \"$VCTEST listen $port & echo \$! > $T/listener; exec $VCTEST idle\"}" \
	"ready = \"tcp:$port\""
touch "$T/answers"
service cmd "command = {\"$VCTEST\", \"idle\"}" "ready = \"exec:test -f $T/answers\""
service job 'type = oneshot' "command = {\"$VCTEST\", \"exit\", \"0\"}"
service off "command = {\"$VCTEST\", \"idle\"}" 'enabled = false'
start_vcinit
wait_state 5 net up || fail "net not up"
wait_state 5 job done || fail "job not done"
wait_state 5 cmd up || fail "cmd not up"
ctl health || fail "not healthy"
kill "$(host_pid "$(cat "$T/listener")")" || fail "cannot stop the listener"
# within the cache's second, and past it
wait_for 3 eval '! ctl health >/dev/null 2>&1' || fail "still healthy without the listener"
out=$(ctl health 2>&1)
echo "$out" | grep -q '^net: not answering' || fail "health said: $out"
has_state net up || fail "the process is still up: its state stays up"
ctl restart net || fail "restart"
ctl health || fail "not healthy after the restart"
# exec: runs again in a probe child when asked
rm "$T/answers"
wait_for 4 eval '! ctl health >/dev/null 2>&1' || fail "still healthy without the exec: answer"
out=$(ctl health 2>&1)
echo "$out" | grep -q '^cmd: not answering' || fail "health said: $out"
touch "$T/answers"
wait_for 4 ctl health || fail "not healthy again with the exec: answer"
stop_vcinit
