#!/bin/bash
# SPDX-License-Identifier: ISC
# An interactive login shell in a pty, driven through tmux: TERM and the
# window size reach it, a resize (window-change) is seen, Ctrl-C interrupts
# the foreground command, and the shell's exit status ends the client.
. "$(dirname "$0")/ssh_lib.bash"
command -v tmux >/dev/null || { echo "no tmux (scripts/deps.sh ssh)"; exit 77; }

start_sshd
TMUX_SOCK=$T/tmux.sock
tm() { tmux -S "$TMUX_SOCK" "$@"; }
screen() { tm capture-pane -p -t t; }
on_screen() { screen | grep -qE -- "$1"; }
expect_screen() {
	wait_for 10 on_screen "$1" || fail "not on screen: $1; screen: $(screen | grep -v '^$' | tail -n 8)"
}

printf -v cmd '%q ' ssh "${SSH_OPTS[@]}" -tt -i "$KEY" -p "$PORT" root@127.0.0.1
tm -f /dev/null new-session -d -s t -x 100 -y 30 \
	"env TERM=screen-256color $cmd; echo client-exit=\$?; sleep 60" || fail "tmux"
wait_for 10 on_screen '#' || fail "no prompt: $(screen)"

tm send-keys -t t 'echo "tty=$(tty) term=$TERM size=$(stty size)"' Enter
expect_screen 'tty=/dev/pts/[0-9]+ term=screen-256color size=30 100'

tm resize-window -t t -x 120 -y 40 || fail "resize"
tm send-keys -t t 'stty size' Enter
expect_screen '^40 120'

tm send-keys -t t 'sleep 100; echo "not-$((6*7))-interrupted"' Enter
sleep_seen() { pgrep -f "^sleep 100" >/dev/null; }
wait_for 10 sleep_seen || fail "sleep did not start"
tm send-keys -t t C-c
tm send-keys -t t 'echo after-$((40+2))' Enter
expect_screen '^after-42'
on_screen not-42-interrupted && fail "Ctrl-C did not interrupt"

tm send-keys -t t 'exit 3' Enter
expect_screen 'client-exit=3'
expect_log "disconnected root from 127\.0\.0\.1 port [0-9]+"
exit 0
