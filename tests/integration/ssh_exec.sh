#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# vcsshd runs commands as the user would by hand: exit codes and signals
# reach the client, stdout and stderr stay apart, every byte of output
# comes before the exit status, and the process starts clean (its
# environment, umask, signal dispositions, fds). Root's session also sees
# the container's variables from the environment file.
. "$(dirname "$0")/ssh_lib.bash"

printf '%s\n' 'FROM_DOCKER=yes please' 'HOME=/not/this' 'PATH=/custom/bin:/usr/bin:/bin' \
	'bad name=x' '' 'LANG=de_DE.UTF-8' >"$T/environment"
start_sshd
[ "$(ps -o pgid= -p "$SSHD_PID" | tr -d ' ')" = "$SSHD_PID" ] ||
	fail "vcsshd is not the leader of its process group"

# Exit codes, and a signal that killed the command (exit-signal: 255).
sshc root@127.0.0.1 true || fail "true: $?"
sshc root@127.0.0.1 'exit 7'; [ $? -eq 7 ] || fail "exit 7 gave $?"
sshc root@127.0.0.1 'kill -TERM $$'; [ $? -eq 255 ] || fail "TERM gave $?"
timeout 30 ssh -v "${SSH_OPTS[@]}" -i "$KEY" -p "$PORT" root@127.0.0.1 'kill -USR1 $$' 2>"$T/err"
tr -d '\r' <"$T/err" | grep -q "rtype exit-signal reply 0" || fail "no exit-signal"
sshc root@::1 'exit 3'; [ $? -eq 3 ] || fail "exit 3 over IPv6 gave $?"

# Several sessions on one connection (a ControlMaster client).
mux=("${SSH_OPTS[@]/ControlPath=none/ControlPath=$T/mux}" -i "$KEY" -p "$PORT")
logins=$(count_log "accepted key")
timeout 60 ssh "${mux[@]}" -o ControlMaster=yes -N root@127.0.0.1 &
EXTRA_PIDS="$!"
wait_for 10 test -S "$T/mux" || fail "no master connection"
pids=()
for i in 1 2 3; do
	timeout 30 ssh "${mux[@]}" root@127.0.0.1 "echo mux-\$((40+$i)); exit $i" >"$T/mux.$i" &
	pids+=($!)
done
for i in 1 2 3; do
	wait "${pids[$((i - 1))]}"
	rc=$?
	[ $rc -eq $i ] || fail "mux session $i exited $rc"
done
muxed() { [ "$(cat "$T"/mux.[123] | grep -c "^mux-4[123]\$")" = 3 ]; }
wait_for 10 muxed || fail "multiplexed sessions: $(cat "$T"/mux.*)"
[ "$(count_log "accepted key")" = $((logins + 1)) ] || fail "the mux sessions logged in again"

# stdout and stderr apart.
sshc root@127.0.0.1 'echo to-out; echo to-err >&2; echo more-out' \
	>"$T/out" 2>"$T/err" || fail "echo: $?"
[ "$(cat "$T/out")" = "$(printf 'to-out\nmore-out')" ] || fail "stdout: $(cat "$T/out")"
[ "$(cat "$T/err")" = "to-err" ] || fail "stderr: $(cat "$T/err")"

# All output before the exit status, even when the command exits at once.
sshc root@127.0.0.1 'head -c 5000000 /dev/zero; exit 5' >"$T/out"
[ $? -eq 5 ] || fail "drain exit"
n=$(wc -c <"$T/out")
[ "$n" = 5000000 ] || fail "only $n of 5000000 bytes before the exit status"
sshc root@127.0.0.1 'head -c 300000 /dev/zero >&2; exit 4' 2>"$T/err"
[ $? -eq 4 ] || fail "stderr drain exit"
[ "$(wc -c <"$T/err")" = 300000 ] || fail "stderr: $(wc -c <"$T/err") bytes"

# stdin reaches the command, EOF included.
[ "$(printf 'a\nb\n' | sshc root@127.0.0.1 'wc -l')" = 2 ] || fail "stdin"

# The environment: set by the session, the container's file, the client.
sshc -o SetEnv="LANG=fr_FR.UTF-8 LC_TIME=C.UTF-8 FOO=bar LD_PRELOAD=/x" \
	root@127.0.0.1 'env' >"$T/env" || fail "env: $?"
grep -qx "HOME=$T/home/root" "$T/env" || fail "HOME: $(grep ^HOME= "$T/env")"
grep -qx "USER=root" "$T/env" || fail "USER"
grep -qx "LOGNAME=root" "$T/env" || fail "LOGNAME"
grep -qx "SHELL=/bin/sh" "$T/env" || fail "SHELL"
grep -qx "PATH=/custom/bin:/usr/bin:/bin" "$T/env" || fail "PATH from the file"
grep -qx "FROM_DOCKER=yes please" "$T/env" || fail "container variable"
grep -qE "^SSH_CLIENT=127\.0\.0\.1 [0-9]+ $PORT\$" "$T/env" || fail "SSH_CLIENT"
grep -qE "^SSH_CONNECTION=127\.0\.0\.1 [0-9]+ 127\.0\.0\.1 $PORT\$" "$T/env" || fail "SSH_CONNECTION"
grep -qx "LANG=fr_FR.UTF-8" "$T/env" || fail "LANG from the client"
grep -qx "LC_TIME=C.UTF-8" "$T/env" || fail "LC_TIME"
grep -q "^FOO=" "$T/env" && fail "FOO was accepted from the client"
grep -q "^LD_PRELOAD=" "$T/env" && fail "LD_PRELOAD was accepted"
grep -q "^bad name" "$T/env" && fail "a bad line of the file"

# vcinit's own format: NUL-separated, so that a value may hold a newline.
printf 'MULTI=line one\nline two\0PATH=/from/vcinit:/usr/bin:/bin\0' >"$T/environment"
[ "$(sshc root@127.0.0.1 'printf "%s|%s" "$MULTI" "$PATH"')" = "$(printf 'line one\nline two|/from/vcinit:/usr/bin:/bin')" ] ||
	fail "NUL-separated environment file"

# A clean start: umask, cwd, no ignored or blocked signal, fds 0-2 only.
out=$(sshc root@127.0.0.1 'umask; pwd; grep -E "^Sig(Ign|Blk)" /proc/self/status; ls /proc/self/fd | tr "\n" " "')
[ "$(sed -n 1p <<<"$out")" = 0022 ] || fail "umask: $out"
[ "$(sed -n 2p <<<"$out")" = "$T/home/root" ] || fail "cwd: $out"
grep -q "SigIgn:.*0000000000000000" <<<"$out" || fail "ignored signals: $out"
grep -q "SigBlk:.*0000000000000000" <<<"$out" || fail "blocked signals: $out"
# ls itself opens one fd (3) for the folder it reads.
[ "$(sed -n 5p <<<"$out")" = "0 1 2 3 " ] || fail "inherited fds: $out"

# No key material in the log, ever.
grep -q "$(cut -d' ' -f2 "$KEY.pub" | cut -c 20-60)" "$SSHD_LOG" && fail "key in the log"
exit 0
