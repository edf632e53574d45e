#!/bin/bash
# SPDX-License-Identifier: ISC
# A logged-in connection ends when it should: after idle_timeout without
# data, when the client stops answering keepalives, and when the client
# goes away, in which case the session's process group gets SIGHUP.
. "$(dirname "$0")/ssh_lib.bash"

sshd_conf '  idle_timeout = "2s"' '  keepalive_interval = "1s"' \
	'  keepalive_count_max = 2'
start_sshd

# Idle: nothing flows for 2 s.
start=$(date +%s%N)
timeout 30 ssh -o LogLevel=INFO "${SSH_OPTS[@]}" -i "$KEY" -p "$PORT" \
	root@127.0.0.1 'sleep 20' >"$T/out" 2>&1
rc=$?
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc -eq 255 ] || fail "idle: exit $rc"
[ $took -ge 1500 ] && [ $took -lt 8000 ] || fail "idle cut after $took ms"
grep -q "Received disconnect from 127.0.0.1 port $PORT:[0-9]*: Idle timeout" "$T/out" ||
	fail "idle: $(cat "$T/out")"
expect_log "disconnected root from 127\.0\.0\.1 port [0-9]+: idle timeout"

# Data keeps a session alive past the idle time.
n=$(sshc root@127.0.0.1 'for i in 1 2 3 4 5 6; do echo $i; sleep 0.5; done' | wc -l)
[ "$n" = 6 ] || fail "a busy session was cut after $n lines"

# Keepalive: a stopped client answers nothing; cut after 1 s x 2 more.
stop_sshd
sshd_conf '  keepalive_interval = "1s"' '  keepalive_count_max = 2'
start_sshd
# (ssh itself, not under timeout: it is the process to stop; the session
# ends within 60 s on its own)
ssh "${SSH_OPTS[@]}" -i "$KEY" -p "$PORT" root@127.0.0.1 \
	'echo $$ >'"$T/shpid"'; exec sleep 60' &
client=$!
EXTRA_PIDS="$client"
wait_for 10 test -s "$T/shpid" || fail "no session"
kill -STOP "$client"
expect_log "disconnected root from 127\.0\.0\.1 port [0-9]+: keepalive timeout, client not responding"
kill -CONT "$client"
# The session's process group got SIGHUP when the connection ended.
sh_pid=$(cat "$T/shpid")
wait_for 5 sh -c "! kill -0 $sh_pid 2>/dev/null" || fail "sleep survived the disconnect"
wait "$client"

# A client that goes away: the command is hung up.
rm -f "$T/shpid"
ssh "${SSH_OPTS[@]}" -i "$KEY" -p "$PORT" root@127.0.0.1 \
	'echo $$ >'"$T/shpid"'; exec sleep 60' &
client=$!
EXTRA_PIDS="$client"
wait_for 10 test -s "$T/shpid" || fail "no second session"
sh_pid=$(cat "$T/shpid")
kill -KILL "$client"
wait_for 5 sh -c "! kill -0 $sh_pid 2>/dev/null" || fail "sleep survived its client"
expect_log "disconnected root from 127\.0\.0\.1 port [0-9]+: connection closed"
exit 0
