#!/bin/bash
# Start order and readiness gating: each dependant starts only once its
# dependency is ready, checked by the dependant itself at its start, for
# the tcp:, notify, fd:N, file: and exec: checks; an independent service
# starts at once without waiting for the chain.
# asan
. "$(dirname "$0")/lib.sh"
port=$((20000 + RANDOM % 20000))
service a "command = {\"$VCTEST\", \"listen\", \"$port\", \"300\"}" \
	"ready = \"tcp:$port\""
# b checks that a listens at the moment it starts, then says ready by notify
service b "command = {\"/bin/sh\", \"-c\", \"$VCINIT probe -t 1 tcp:127.0.0.1:$port || echo A-NOT-READY; exec $VCTEST notify 200\"}" \
	'ready = "notify"' 'depends = {"a"}'
service c "command = {\"/bin/sh\", \"-c\", \"echo c-start; exec $VCTEST fd 3 200\"}" \
	'ready = "fd:3"' 'depends = {"b"}'
service d "command = {\"/bin/sh\", \"-c\", \"sleep 0.2; touch $T/d.ready; exec $VCTEST idle\"}" \
	"ready = \"file:$T/d.ready\"" 'depends = {"c"}'
service e "command = {\"$VCTEST\", \"idle\"}" "ready = \"exec:test -e $T/e.flag\"" \
	'depends = {"d"}'
service f "command = {\"$VCTEST\", \"mark\", \"$T/f.marks\"}" 'depends = {"e"}'
service solo "command = {\"$VCTEST\", \"mark\", \"$T/solo.marks\"}"
start_vcinit
wait_for 5 test -s "$T/solo.marks" || fail "solo did not start"
wait_state 5 d up || fail "d did not come up"
has_state e starting || fail "e should wait for its exec check"
has_state f waiting || fail "f should wait for e"
touch "$T/e.flag"
wait_for 5 test -s "$T/f.marks" || fail "f did not start after e became ready"
grep -q A-NOT-READY "$T/out" && fail "b started before a was listening"
# the log tells the order: X ready comes before Y started, down the chain
order=$(grep -oE '(a|b|c|d|e|f): (ready|started)' "$T/out" | tr '\n' ' ')
expect="a: started a: ready b: started b: ready c: started c: ready d: started d: ready e: started e: ready f: started f: ready "
[ "$order" = "$expect" ] || fail "order: $order"
# solo did not wait for the chain: it started before a was ready
solo_line=$(grep -n 'solo: started' "$T/out" | cut -d: -f1)
a_line=$(grep -n 'a: ready' "$T/out" | cut -d: -f1)
[ "$solo_line" -lt "$a_line" ] || fail "solo waited for a"
ctl status | grep -q 'warming up' && fail "the note should be gone once ready"
ctl health || fail "not healthy with everything up"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit status $VC_RC"
