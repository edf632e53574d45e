#!/bin/bash
# The control socket: mode 0666, but a non-root peer may only use status
# and health; at most 4 connections per non-root uid; a request that never
# comes or is too long gets an error; nothing changes on a refused request.
# asan
. "$(dirname "$0")/lib.sh"
command -v setpriv >/dev/null || { echo "setpriv is missing"; exit 77; }
service web "command = {\"$VCTEST\", \"idle\"}"
start_vcinit
wait_state 5 web up || fail "web not up"
[ "$(stat -c %a "$SOCK")" = 666 ] || fail "socket mode $(stat -c %a "$SOCK")"
as_nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups "$VCINIT" ctl --socket "$SOCK" "$@"; }
as_nobody status >/dev/null || fail "nobody cannot read status"
as_nobody health >/dev/null || fail "nobody cannot ask health"
pid=$(ns_pid_of web)
out=$(as_nobody stop web 2>&1); rc=$?
[ $rc -eq 1 ] || fail "nobody stop: exit $rc"
echo "$out" | grep -q 'permission denied: only root may use stop' || fail "$out"
as_nobody shutdown 2>/dev/null && fail "nobody could shut down"
[ "$(ns_pid_of web)" = "$pid" ] || fail "a refused request changed something"
# connection caps: 4 idle connections of one uid, the 5th is closed
python3 - "$SOCK" <<'PY' || fail "per-uid cap not enforced"
import os, socket, sys, time
os.setgid(65534); os.setuid(65534)
conns = []
for i in range(5):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); conns.append(s)
time.sleep(0.2)
last = conns[-1]; last.settimeout(2)
try:
    data = last.recv(100)
except socket.timeout:
    sys.exit("the fifth connection stayed open")
assert data == b"", data
first = conns[0]; first.sendall(b"status --json\n"); first.settimeout(2)
reply = b""
while True:
    d = first.recv(65536)
    if not d: break
    reply += d
assert reply.endswith(b"ok\n"), reply[-40:]
PY
# too long a request
python3 - "$SOCK" <<'PY' || fail "long request not refused"
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5)
s.sendall(b"x" * 2000)
r = s.recv(1000)
assert r.startswith(b"usage: a request is one line"), r
PY
stop_vcinit
