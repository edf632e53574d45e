# SPDX-License-Identifier: ISC
# Shared by the ssh_*.sh tests (source it after nothing else; it sources
# lib.sh). Each test runs the real vcsshd on 127.0.0.1 (and ::1) with a high
# port and a scratch config dir $ETC, and logs in with the real OpenSSH
# client. Users come from a scratch passwd file ($T/passwd, through the
# ssh { passwd_file } option): root's home is $T/home/root, so no test ever
# reads or writes the machine's /root/.ssh or /etc/passwd. Named .bash, not
# .sh, so that run-all.sh does not take it for a test.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VCSSHD=${VCSSHD:-$(dirname "$VCINIT")/vcsshd}
[ -x "$VCSSHD" ] || { echo "no $VCSSHD (make first)"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "needs root (sessions change user)"; exit 77; }
command -v ssh >/dev/null || { echo "no OpenSSH client (scripts/deps.sh ssh)"; exit 77; }
command -v python3 >/dev/null || { echo "no python3 (scripts/deps.sh check)"; exit 77; }

SSHD_PID=""	# vcsshd, leader of its own process group
SSHD_LOG=$T/sshd.log
KEY=$T/client/id_ed25519
mkdir -p "$T/client" "$T/home/root/.ssh"
chmod 755 "$T/home" "$T/home/root"
chmod 700 "$T/home/root/.ssh"
ssh-keygen -q -t ed25519 -N '' -C test -f "$KEY" </dev/null || fail "ssh-keygen"
cp "$KEY.pub" "$T/home/root/.ssh/authorized_keys"
chmod 600 "$T/home/root/.ssh/authorized_keys"
printf 'root:x:0:0:root:%s/home/root:/bin/sh\n' "$T" >"$T/passwd"
printf 'root:x:0:\n' >"$T/group"

# free_port: a TCP port nothing listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
PORT=$(free_port)

# sshd_conf LINES...: vcore.conf with an ssh {} section holding the scratch
# paths, then LINES.
sshd_conf() {
	conf "ssh {" \
		"  listen = {\"127.0.0.1\", \"::1\"}" \
		"  port = $PORT" \
		"  passwd_file = \"$T/passwd\"" \
		"  group_file = \"$T/group\"" \
		"  environment_file = \"$T/environment\"" \
		"$@" "}"
}
sshd_conf

# start_sshd: vcsshd in its own process group; waits for its listen line.
started() { [ "$(grep -c "listening on" "$SSHD_LOG")" -gt "$1" ]; }
start_sshd() {
	local before
	before=$(grep -c "listening on" "$SSHD_LOG" 2>/dev/null)
	setsid "$VCSSHD" -c "$ETC" >>"$SSHD_LOG" 2>&1 </dev/null &
	SSHD_PID=$!
	wait_for 10 started "${before:-0}" ||
		fail "vcsshd did not start: $(tail -n 5 "$SSHD_LOG")"
}

# stop_sshd: TERM to the group (connection processes hang up their
# sessions), then KILL what is left of it.
stop_sshd() {
	[ -n "$SSHD_PID" ] || return 0
	kill -TERM -- "-$SSHD_PID" 2>/dev/null
	wait_for 5 sh -c "! pgrep -g $SSHD_PID >/dev/null"
	kill -KILL -- "-$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=""
}

# Under ASan/UBSan (VCINIT=build/asan/vcinit: make check's second pass)
# any report in vcsshd's log fails the test, whatever else passed.
ssh_cleanup() {
	local rc=$1
	stop_sshd
	[ -n "${TMUX_SOCK:-}" ] && tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$SSHD_LOG" 2>/dev/null; then
		grep -E -A 12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$SSHD_LOG" | head -n 40
		echo "FAIL: the sanitizers reported an error"
		rc=1
	fi
	cleanup
	exit "$rc"
}
trap 'ssh_cleanup $?' EXIT

SSH_OPTS=(-F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o ControlPath=none -o ConnectTimeout=10)

# sshc ARGS...: the OpenSSH client with our key and port, at most 60 s.
sshc() {
	timeout 60 ssh "${SSH_OPTS[@]}" -i "$KEY" -p "$PORT" "$@"
}

# logged PATTERN: waits until the server's log has a line matching PATTERN
# (grep -E); 1 after 5 s.
logged() {
	wait_for 5 grep -qE -- "$1" "$SSHD_LOG"
}

# expect_log PATTERN: fails the test unless the log gets such a line.
expect_log() {
	logged "$1" || fail "no log line like: $1 (log: $(tail -n 5 "$SSHD_LOG"))"
}

# count_log PATTERN: lines of the log matching PATTERN.
count_log() {
	grep -cE -- "$1" "$SSHD_LOG"
}

# authorize [OPTIONS] [KEYFILE]: root's authorized_keys becomes one line.
authorize() {
	local opts=${1:-} key=${2:-$KEY.pub}
	{ [ -n "$opts" ] && printf '%s ' "$opts"; cut -d' ' -f1,2 "$key"; } \
		>"$T/home/root/.ssh/authorized_keys"
}

# fingerprint KEYFILE: its SHA256 fingerprint, escaped for grep -E.
fingerprint() {
	ssh-keygen -lf "$1" | awk '{print $2}' | sed 's/[][\.*^$+?(){}|/]/\\&/g'
}
