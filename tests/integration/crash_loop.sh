#!/bin/bash
# A service that exits at once is restarted with a growing delay (backoff):
# in 3 s it is started only a handful of times, PID 1 stays idle meanwhile,
# and the backoff state is visible in vcctl status.
# asan
. "$(dirname "$0")/lib.sh"
service crash "command = {\"$VCTEST\", \"mark\", \"$T/marks\", \"exit\", \"1\"}" \
	'restart_delay = "100ms"' 'restart_max_delay = "800ms"'
service other "command = {\"$VCTEST\", \"idle\"}"
start_vcinit
wait_for 5 test -s "$T/marks" || fail "crash never started"
sleep 3   # the behaviour under test is what happens over time
n=$(wc -l <"$T/marks")
# starts at 0, 0.1, 0.3, 0.7, 1.5, 2.3 s ... : 5 to 7 in 3 s
[ "$n" -ge 4 ] && [ "$n" -le 8 ] || fail "$n starts in 3 s"
# gaps grow: the last gap is longer than the second
gaps=$(awk '{t[NR]=$3} END {for (i=2;i<=NR;i++) printf "%d ", (t[i]-t[i-1])/1000000}' "$T/marks")
set -- $gaps
[ "${!#}" -gt "$2" ] || fail "delays do not grow: $gaps"
[ "${!#}" -le 1200 ] || fail "delay above the cap: $gaps"
# PID 1 used little CPU: its ticks over 3 s (utime+stime) stay small
ticks=$(awk '{print $14 + $15}' "/proc/$P1/stat")
[ "$ticks" -lt 30 ] || fail "vcinit used $ticks ticks"
ctl status | grep -E '^crash +(backoff|starting)' >/dev/null || fail "$(ctl status)"
has_state other up || fail "other service disturbed"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit status $VC_RC"
