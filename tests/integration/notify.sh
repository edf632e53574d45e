#!/bin/bash
# ready = "notify": READY=1 counts only from the service's own processes
# (its main process or one of its process group); a stranger's message on
# its socket is ignored; STATUS= shows as the note; NOTIFY_SOCKET of
# vcinit's own parent never reaches a service.
# asan
. "$(dirname "$0")/lib.sh"
service svc "command = {\"/bin/sh\", \"-c\", \"echo NS=\$NOTIFY_SOCKET; until [ -e $T/go ]; do sleep 0.02; done; exec $VCTEST notify-child 0\"}" \
	'ready = "notify"'
# (single quotes: libconfuse would expand ${...} in double quotes itself)
service plain "command = {\"/bin/sh\", \"-c\", 'echo NS=\${NOTIFY_SOCKET:-none}; exec $VCTEST idle'}"
export NOTIFY_SOCKET=/run/systemd/notify
start_vcinit
wait_state 5 svc starting || fail "svc not starting"
wait_for 5 grep -q "^svc | NS=$T/notify/svc" "$T/out" || fail "no NOTIFY_SOCKET for svc"
wait_for 5 grep -q '^plain | NS=none' "$T/out" || fail "vcinit's own NOTIFY_SOCKET was passed on"
# a stranger (this test, and a process inside the namespace) says READY=1
python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b'READY=1', sys.argv[1])" "$T/notify/svc" || fail "cannot send"
nsenter -t "$P1" -p -m -- python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b'READY=1', sys.argv[1])" "$T/notify/svc" || fail "cannot send from inside"
sleep 0.3   # what must not happen has had time to happen
has_state svc starting || fail "a stranger's READY=1 was taken"
touch "$T/go"
wait_state 5 svc up || fail "the service's own READY=1 was not taken"
stop_vcinit
