#!/bin/bash
# Every vcctl command against a running vcinit, with its exit status:
# status (table and JSON), start, stop, restart, signal, logs, reload,
# health, shutdown; and the bad requests: unknown service, unknown verb,
# bad signal, missing arguments, vcinit unreachable.
# asan
. "$(dirname "$0")/lib.sh"
service web "command = {\"$VCTEST\", \"signals\", \"$T/web\"}" 'log = both'
service job "command = {\"$VCTEST\", \"lines\", \"30\"}" 'type = oneshot' 'log = file'
start_vcinit
wait_state 5 web up || fail "web not up"
wait_state 5 job done || fail "job not done"
out=$(ctl status) || fail "status failed"
echo "$out" | head -1 | grep -q '^NAME *STATE *PID *UPTIME *RESTARTS *LAST EXIT' || fail "header: $out"
echo "$out" | grep -Eq '^web +up +[0-9]+ ' || fail "web row: $out"
echo "$out" | grep -Eq '^job +done .*exited 0' || fail "job row: $out"
ctl status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [s["name"] for s in d["services"]] == ["job","web"]' ||
	fail "status --json is not the JSON of docs/control.md"
ctl health || fail "health"
# stop waits until it is down; health is then unhealthy (it counts)
ctl stop web || fail "stop"
has_state web down || fail "stop returned before web was down"
ctl health >/dev/null 2>&1; [ $? -eq 1 ] || fail "health after stop should be 1"
ctl start web || fail "start"
has_state web up || fail "start returned before web was up"
pid=$(ns_pid_of web)
ctl restart web || fail "restart"
[ "$(ns_pid_of web)" != "$pid" ] || fail "restart kept the pid"
ctl signal web USR1 || fail "signal"
wait_for 5 grep -q "^G 10 " "$T/web" || fail "USR1 not delivered"
ctl signal web 12 || fail "signal by number"
wait_for 5 grep -q "^G 12 " "$T/web" || fail "USR2 not delivered"
# logs: the file's last lines
out=$(ctl -c "$ETC" logs job -n 3) || fail "logs"
[ "$(echo "$out" | wc -l)" -eq 3 ] || fail "logs -n 3 gave: $out"
echo "$out" | tail -1 | grep -q 'line 30 ' || fail "logs: $out"
ctl -c "$ETC" logs nosuch 2>/dev/null; [ $? -eq 1 ] || fail "logs of an unknown service"
# -f follows new lines (a oneshot restarted writes 30 more)
# (the program itself in the background, not the ctl function: $! must be
# the process that follows, or it outlives the test)
"$VCINIT" ctl --socket "$SOCK" -c "$ETC" logs job -f >"$T/follow" 2>&1 &
EXTRA_PIDS=$!
wait_for 5 grep -q 'line 30 ' "$T/follow" || fail "logs -f printed nothing"
ctl restart job || fail "restart of a oneshot"
wait_for 5 eval '[ "$(grep -c "line 30 " "$T/follow")" -eq 2 ]' || fail "logs -f: $(cat "$T/follow")"
[ "$(wc -l <"$T/follow")" -eq 40 ] || fail "logs -f printed $(wc -l <"$T/follow") lines, not 10 + 30"
kill "$EXTRA_PIDS"
out=$(ctl reload) || fail "reload: $out"
# errors and their exit statuses
ctl start nosuch 2>"$T/err"; [ $? -eq 1 ] || fail "unknown service"
grep -q 'no such service: nosuch' "$T/err" || fail "$(cat "$T/err")"
ctl frobnicate 2>"$T/err"; [ $? -eq 64 ] || fail "unknown verb"
grep -q "unknown request 'frobnicate'" "$T/err" || fail "$(cat "$T/err")"
ctl signal web NOPE 2>/dev/null; [ $? -eq 64 ] || fail "bad signal"
ctl stop 2>/dev/null; [ $? -eq 64 ] || fail "missing name"
ctl 2>/dev/null; [ $? -eq 64 ] || fail "no command"
"$VCINIT" ctl --socket "$T/nosuch.sock" status 2>/dev/null; [ $? -eq 69 ] || fail "unreachable"
ctl shutdown || fail "shutdown"
wait_exit 10 || fail "no exit after vcctl shutdown"
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"
