#!/bin/bash
# Exit statuses (DESIGN: Exit statuses): the main service's own status,
# 128+N after a signal, 0 when it ends after vcinit's stop signal, 137 when
# it had to be killed, 0 for a clean shutdown without a main service; the
# command line's main service starts after the others are up and replaces
# a main = true service.
# asan
. "$(dirname "$0")/lib.sh"
run() { start_vcinit "$@"; }

# the command line: its status, and it starts after the others
service dep "command = {\"/bin/sh\", \"-c\", \"sleep 0.3; touch $T/dep.up; exec $VCTEST idle\"}" \
	"ready = \"file:$T/dep.up\""
service old_main "command = {\"$VCTEST\", \"exit\", \"9\"}" 'main = true'
run /bin/sh -c "test -e $T/dep.up || echo TOO-EARLY; exit 3"
wait_exit 10 || fail "vcinit did not exit after its main command"
[ "$VC_RC" -eq 3 ] || fail "main exit 3 gave $VC_RC"
grep -q TOO-EARLY "$T/out" && fail "main started before dep was up"
grep -q 'old_main: started' "$T/out" && fail "main = true service ran beside the command"

# killed by a signal: 128+N
rm -f "$T/dep.up"
run /bin/sh -c 'kill -USR1 $$'
wait_exit 10 || fail "no exit"
[ "$VC_RC" -eq $((128 + 10)) ] || fail "SIGUSR1 gave $VC_RC"

# main = true in the config, exiting by itself with 5
rm "$ETC/services.d/old_main.conf"
service m "command = {\"$VCTEST\", \"exit\", \"5\", \"300\"}" 'main = true'
run
wait_exit 10 || fail "no exit"
[ "$VC_RC" -eq 5 ] || fail "main = true exit 5 gave $VC_RC"

# ended by vcinit's stop signal: 0 whatever its status
service m "command = {\"$VCTEST\", \"idle\"}" 'main = true'
run
wait_state 5 m up || fail "m not up"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "stopped main gave $VC_RC"

# killed at its stop_timeout: 137
service m "command = {\"$VCTEST\", \"ignore-term\"}" 'main = true' 'stop_timeout = "300ms"'
run
wait_state 5 m up || fail "m not up"
stop_vcinit
[ "$VC_RC" -eq 137 ] || fail "killed main gave $VC_RC"

# no main service, clean shutdown: 0
rm "$ETC/services.d/m.conf"
run
wait_state 5 dep up || fail "dep not up"
stop_vcinit INT
[ "$VC_RC" -eq 0 ] || fail "SIGINT shutdown gave $VC_RC"

# a command that does not exist: 127, and a clear message
run /nonexistent/cmd
wait_exit 10 || fail "no exit"
[ "$VC_RC" -eq 127 ] || fail "missing command gave $VC_RC"
grep -q 'unable to run /nonexistent/cmd: No such file or directory' "$T/out" || fail "no clear message"
