#!/bin/bash
# Each service runs in its own session and process group; when its main
# process exits, what is left of its group goes with it (so a restart never
# runs it twice); a stop signal reaches the whole group.
# asan
. "$(dirname "$0")/lib.sh"
service pg "command = {\"$VCTEST\", \"pgrp\"}"
# leaves a child behind, then exits: the child must not survive the restart
service leaver 'restart = never' "command = {\"/bin/sh\", \"-c\", \"$VCTEST mark $T/child & sleep 0.3; exit 1\"}"
# its child gets the stop signal too (the shell waits for it to note it)
cat >"$T/family.sh" <<SH
$VCTEST signals $T/kid &
k=\$!
trap 'wait \$k; echo "G 15 shell" >> $T/parent; exit 0' TERM
wait
SH
service family "command = {\"/bin/sh\", \"$T/family.sh\"}"
start_vcinit
wait_for 5 grep -q '^pg | ' "$T/out" || fail "pg printed nothing"
read -r pid pgid sid < <(sed -n 's/^pg | //p' "$T/out")
[ "$pid" = "$pgid" ] && [ "$pid" = "$sid" ] || fail "pid $pid pgid $pgid sid $sid"
wait_state 5 leaver failed || fail "leaver did not end"
child=$(awk '$1=="S"{print $2}' "$T/child")
[ -z "$(host_pid "$child")" ] || fail "the child left behind by leaver still runs"
wait_for 5 test -s "$T/kid" || fail "kid did not start"
ctl stop family || fail "stop family"
grep -q '^G 15 ' "$T/kid" || fail "the child of family did not get SIGTERM"
grep -q '^G 15 ' "$T/parent" || fail "family did not get SIGTERM"
stop_vcinit
