#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# Local port forwarding (ssh -L and ssh -W) to an echo server on loopback,
# and its refusal under no-port-forwarding, outside permitopen= and with
# tcp_forwarding off, each logged with the reason.
. "$(dirname "$0")/ssh_lib.bash"

EPORT=$(free_port)
python3 -c '
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
def echo(c):
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
' "$EPORT" &
EXTRA_PIDS="$!"
wait_for 5 python3 -c "import socket; socket.create_connection(('127.0.0.1', $EPORT))" || fail "echo server"
start_sshd

# ssh -L, then 1 MB through the tunnel and back.
LPORT=$(free_port)
sshc -o ExitOnForwardFailure=yes -N -L "127.0.0.1:$LPORT:127.0.0.1:$EPORT" root@127.0.0.1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
tunnel_up() { python3 -c "import socket; socket.create_connection(('127.0.0.1', $LPORT))"; }
wait_for 10 tunnel_up || fail "no -L listener"
got=$(python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
data = bytes(range(256)) * 4096
s.sendall(data); s.shutdown(socket.SHUT_WR)
back = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    back += d
print("same" if back == data else "differs %d" % len(back))
' "$LPORT")
[ "$got" = same ] || fail "through -L: $got"

# ssh -W (stdio forwarding is direct-tcpip too).
[ "$(echo hello-w | sshc -W "127.0.0.1:$EPORT" root@127.0.0.1)" = hello-w ] || fail "-W"

# refused FORWARD_OPTIONS REASON: the key's options refuse the forward.
refused() {
	authorize "$1"
	echo x | sshc -W "127.0.0.1:$EPORT" root@127.0.0.1 >"$T/out" 2>&1
	[ $? -eq 255 ] || fail "$1: not refused"
	grep -q "stdio forwarding failed" "$T/out" || fail "$1: $(cat "$T/out")"
	expect_log "refused forwarding to 127\.0\.0\.1:$EPORT for root from 127\.0\.0\.1: $2"
}
refused no-port-forwarding "the key has no-port-forwarding"
# Through -L the client names the channel and the reason.
LPORT2=$(free_port)
# (the client reports it at LogLevel INFO; the first -o given wins)
timeout 60 ssh -o LogLevel=INFO "${SSH_OPTS[@]}" -i "$KEY" -p "$PORT" -N \
	-L "127.0.0.1:$LPORT2:127.0.0.1:$EPORT" root@127.0.0.1 2>"$T/l.err" &
EXTRA_PIDS="$EXTRA_PIDS $!"
tunnel2_up() { python3 -c "import socket; socket.create_connection(('127.0.0.1', $LPORT2))"; }
wait_for 10 tunnel2_up || fail "no second -L listener"
python3 -c "import socket; s=socket.create_connection(('127.0.0.1', $LPORT2)); s.recv(1)"
wait_for 5 grep -q "open failed: administratively prohibited" "$T/l.err" ||
	fail "-L refusal: $(cat "$T/l.err")"
refused restrict "the key has no-port-forwarding"
refused "permitopen=\"127.0.0.1:$((EPORT + 1))\"" "not allowed by the key's permitopen"
refused "permitopen=\"localhost:$EPORT\"" "not allowed by the key's permitopen"
authorize "permitopen=\"127.0.0.1:$EPORT\""
[ "$(echo ok | sshc -W "127.0.0.1:$EPORT" root@127.0.0.1)" = ok ] || fail "permitopen match"
authorize "restrict,port-forwarding,permitopen=\"127.0.0.1:*\""
[ "$(echo ok2 | sshc -W "127.0.0.1:$EPORT" root@127.0.0.1)" = ok2 ] || fail "port wildcard"

# tcp_forwarding = false in vcore.conf.
stop_sshd
authorize ""
sshd_conf "  tcp_forwarding = false"
start_sshd
echo x | sshc -W "127.0.0.1:$EPORT" root@127.0.0.1 >/dev/null 2>&1 && fail "tcp_forwarding off"
expect_log "refused forwarding .*: tcp_forwarding is off"
exit 0
