#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# Clients that do not authenticate are cut: one that sends nothing and one
# that stalls mid key exchange, at the login grace time; a flood of
# connections from one address is capped (max_startups_per_source) and
# logged without a line per connection, while a logged-in session goes on
# and another address still gets in.
. "$(dirname "$0")/ssh_lib.bash"

sshd_conf '  login_grace_time = "2s"' '  max_startups_per_source = 4'
start_sshd

# A session that must survive all of this.
mkfifo "$T/fifo-in"
sshc root@127.0.0.1 'read -r line; echo "alive $line"' <"$T/fifo-in" >"$T/alive" 2>&1 &
EXTRA_PIDS="$!"
exec 7>"$T/fifo-in"
expect_log "accepted key .* for root"

python3 - "$PORT" >"$T/grace" <<'PY' || fail "grace: $(cat "$T/grace")"
import socket, sys, time
port = int(sys.argv[1])

def closed_after(s):
    t = time.monotonic()
    s.settimeout(10)
    try:
        while s.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - t

# Connects and says nothing.
s = socket.create_connection(("127.0.0.1", port))
idle = closed_after(s)
# Sends its banner and half a KEXINIT, then stalls.
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"SSH-2.0-Staller\r\n")
s.recv(64)
s.sendall(b"\x00\x00\x04\x00\x0a\x14" + b"\x00" * 40)
stall = closed_after(s)
print("idle %.1f stall %.1f" % (idle, stall))
sys.exit(0 if 1.5 < idle < 4 and 0.5 < stall < 4 else 1)
PY
expect_log "disconnected 127\.0\.0\.1 port [0-9]+: login grace time \(2s\) exceeded during key exchange"

# The flood: 30 connections at once from 127.0.0.1 that never log in.
python3 - "$PORT" >"$T/flood" <<'PY' || fail "flood: $(cat "$T/flood")"
import socket, sys, time
port = int(sys.argv[1])
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(30)]
banners = 0
for s in socks:
    s.settimeout(3)
    try:
        if s.recv(64).startswith(b"SSH-2.0-"):
            banners += 1
    except (socket.timeout, ConnectionResetError):
        pass
print("banners", banners)
sys.exit(0 if banners == 4 else 1)
PY
expect_log "refused connection from 127\.0\.0\.1: too many unauthenticated connections from this address \(max_startups_per_source\)"
[ "$(count_log "refused connection from")" -le 2 ] || fail "a log line per refused connection"

# Another address gets in at once; 127.0.0.1 again once the flood is cut.
sshc root@::1 true || fail "::1 refused during the flood"
wait_for 10 sshc root@127.0.0.1 true || fail "127.0.0.1 refused after the flood"

echo ping >&7
exec 7>&-
wait_for 10 grep -q "alive ping" "$T/alive" || fail "the logged-in session: $(cat "$T/alive")"
exit 0
