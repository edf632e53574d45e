#!/bin/bash
# Reload (vcctl reload and SIGHUP): added services start, removed ones stop,
# changed ones restart with the new config, the rest keep running (same
# pid); a config with errors changes nothing and says why.
# asan
. "$(dirname "$0")/lib.sh"
service keep "command = {\"$VCTEST\", \"idle\"}"
service change "command = {\"$VCTEST\", \"idle\"}" 'environment = {"V=1"}'
service gone "command = {\"$VCTEST\", \"signals\", \"$T/gone\"}"
start_vcinit
for s in keep change gone; do wait_state 5 $s up || fail "$s not up"; done
keep_pid=$(ns_pid_of keep); change_pid=$(ns_pid_of change)
service change "command = {\"$VCTEST\", \"idle\"}" 'environment = {"V=2"}'
rm "$ETC/services.d/gone.conf"
service new "command = {\"$VCTEST\", \"idle\"}"
out=$(ctl reload) || fail "reload failed: $out"
echo "$out" | grep -qx 'removed gone' || fail "reload said: $out"
echo "$out" | grep -qx 'added new' || fail "reload said: $out"
echo "$out" | grep -qx 'changed change' || fail "reload said: $out"
echo "$out" | grep -q keep && fail "keep reported: $out"
wait_state 5 new up || fail "new not started"
wait_state 5 change up || fail "change not back up"
[ "$(ns_pid_of change)" != "$change_pid" ] || fail "change was not restarted"
[ "$(ns_pid_of keep)" = "$keep_pid" ] || fail "keep was restarted"
grep -q '^G 15 ' "$T/gone" || fail "gone was not stopped"
wait_for 5 eval '! ctl status | grep -q "^gone "' || fail "gone still listed"
tr '\0' '\n' <"/proc/$(host_pid "$(ns_pid_of change)")/environ" | grep -qx V=2 ||
	fail "change runs without its new environment"
# a broken config: nothing changes, the errors are shown
service bad 'command = {"/bin/true"}' 'restart = sometimes'
out=$(ctl reload 2>&1) && fail "a bad reload succeeded"
echo "$out" | grep -q "bad.conf:3: restart = 'sometimes': expected one of always, on-failure, never" ||
	fail "reload error: $out"
[ "$(ns_pid_of keep)" = "$keep_pid" ] || fail "keep disturbed by a failed reload"
ctl status | grep -q '^bad ' && fail "bad was added"
# SIGHUP reloads too
rm "$ETC/services.d/bad.conf"
service viahup "command = {\"$VCTEST\", \"idle\"}"
kill -HUP "$P1"
wait_state 5 viahup up || fail "SIGHUP did not reload"
[ "$(ns_pid_of keep)" = "$keep_pid" ] || fail "keep restarted by SIGHUP"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"
