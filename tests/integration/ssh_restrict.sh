#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# A key's options hold: restrict,command= runs the forced command whatever
# the client asks (SSH_ORIGINAL_COMMAND tells what it asked), gives no pty
# and no forwarding, and sftp gets the forced command too; no-pty alone;
# environment= sets variables; restrict,pty gives the pty back.
. "$(dirname "$0")/ssh_lib.bash"
command -v tmux >/dev/null || { echo "no tmux (scripts/deps.sh ssh)"; exit 77; }

start_sshd
authorize 'restrict,command="echo forced: [$SSH_ORIGINAL_COMMAND]; tty || true"'

[ "$(sshc root@127.0.0.1 'cat /etc/shadow')" = "$(printf 'forced: [cat /etc/shadow]\nnot a tty')" ] ||
	fail "exec: $(sshc root@127.0.0.1 'cat /etc/shadow' 2>&1)"
[ "$(sshc root@127.0.0.1 </dev/null)" = "$(printf 'forced: []\nnot a tty')" ] ||
	fail "shell: $(sshc root@127.0.0.1 </dev/null 2>&1)"

# A pty is refused; the OpenSSH client gives up when -tt cannot be had.
sshc -tt root@127.0.0.1 true >"$T/out" 2>&1
[ $? -eq 255 ] || fail "-tt: not refused"
grep -q "PTY allocation request failed on channel 0" "$T/out" || fail "-tt: $(cat "$T/out")"
# With -t (not forced) it carries on without one, and the command is forced.
sshc -t root@127.0.0.1 id >"$T/out" 2>&1 </dev/null
grep -q "forced: \[id\]" "$T/out" || fail "-t: $(cat "$T/out")"

# No forwarding, and sftp runs the forced command instead.
echo x | sshc -W 127.0.0.1:1 root@127.0.0.1 >/dev/null 2>&1 && fail "forwarding allowed"
expect_log "refused forwarding to 127\.0\.0\.1:1 for root .*: the key has no-port-forwarding"
echo ls | timeout 30 sftp "${SSH_OPTS[@]}" -i "$KEY" -P "$PORT" -b - root@127.0.0.1 \
	>"$T/out" 2>&1 && fail "sftp got past command="

# environment= and no-pty on their own.
authorize 'no-pty,environment="GREETING=hello there",environment="HOME=/evil"'
[ "$(sshc root@127.0.0.1 'echo "$GREETING|$HOME"')" = "hello there|$T/home/root" ] ||
	fail "environment=: $(sshc root@127.0.0.1 'echo "$GREETING|$HOME"')"
sshc -tt root@127.0.0.1 true >/dev/null 2>&1 && fail "no-pty gave a pty"

# restrict,pty: a terminal, but still no forwarding.
authorize 'restrict,pty'
[ "$(sshc -tt root@127.0.0.1 'tty >/dev/null && echo has-tty' | tr -d '\r')" = has-tty ] ||
	fail "restrict,pty: no tty"
echo x | sshc -W 127.0.0.1:1 root@127.0.0.1 >/dev/null 2>&1 && fail "restrict,pty forwards"
exit 0
