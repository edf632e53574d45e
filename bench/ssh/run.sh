#!/bin/bash
# SPDX-License-Identifier: ISC
# vcsshd (static) against OpenSSH's sshd and dropbear, side by side on
# loopback in one run: `ssh host true` latency (median of 30), server CPU per
# login, connections per second with 8 clients, RSS/PSS of the listener and
# of one idle session, bulk MiB/s with chacha20-poly1305, binary size.
# Each server runs in its own mount namespace where /root is a scratch
# folder (an empty .bashrc, the client's key in .ssh/authorized_keys): the
# machine's own ~/.bashrc and keys are neither read nor touched.
# Run through `make bench-ssh`. Output: a table and build/bench-ssh.txt.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
VCSSHD=${VCSSHD:-$top/build/vcsshd}
LOGINS=${LOGINS:-100}	# sequential logins for CPU per login
[ "$(id -u)" = 0 ] || { echo "bench-ssh: needs root (mount namespaces)"; exit 1; }
for t in sshd:/usr/sbin/sshd dropbear:/usr/sbin/dropbear ssh:/usr/bin/ssh; do
	[ -x "${t#*:}" ] || { echo "bench-ssh: no ${t%%:*} (scripts/deps.sh ssh)"; exit 1; }
done
file "$VCSSHD" | grep -q "statically linked" ||
	echo "bench-ssh: note: $VCSSHD is not the static build"

W=$(mktemp -d /tmp/vcore-bench-ssh.XXXXXX)
PIDS=()
finish() {
	for p in "${PIDS[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
	done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap finish EXIT

mkdir -p "$W/root/.ssh" "$W/keys" "$W/etc" /run/sshd
chmod 700 "$W/root" "$W/root/.ssh"
: >"$W/root/.bashrc"
: >"$W/root/.profile"
ssh-keygen -q -t ed25519 -N '' -f "$W/keys/client" </dev/null
cp "$W/keys/client.pub" "$W/root/.ssh/authorized_keys"
chmod 600 "$W/root/.ssh/authorized_keys"
ssh-keygen -q -t ed25519 -N '' -f "$W/keys/openssh_host" </dev/null
dropbearkey -t ed25519 -f "$W/keys/dropbear_host" >/dev/null 2>&1

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P_OPENSSH=$(port); P_DROPBEAR=$(port); P_VCSSHD=$(port)

cat >"$W/sshd_config" <<CFG
Port $P_OPENSSH
ListenAddress 127.0.0.1
HostKey $W/keys/openssh_host
PidFile none
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
Subsystem sftp /usr/lib/openssh/sftp-server
CFG
cat >"$W/etc/vcore.conf" <<CFG
ssh {
  listen = {"127.0.0.1"}
  port = $P_VCSSHD
}
CFG

# in_ns CMD...: CMD in its own session and mount namespace, /root being
# the scratch folder; the PID stays the server's (exec all the way).
in_ns() {
	setsid unshare -m --propagation private sh -c \
		'mount --bind "$0" /root && exec "$@"' "$W/root" "$@" \
		>>"$W/server.log" 2>&1 </dev/null &
	PIDS+=($!)
}
in_ns /usr/sbin/sshd -D -e -f "$W/sshd_config"
PID_OPENSSH=${PIDS[-1]}
in_ns /usr/sbin/dropbear -F -E -s -p "127.0.0.1:$P_DROPBEAR" -r "$W/keys/dropbear_host"
PID_DROPBEAR=${PIDS[-1]}
in_ns "$VCSSHD" -c "$W/etc"
PID_VCSSHD=${PIDS[-1]}

export W
python3 "$top/bench/ssh/measure.py" \
	"openssh:$P_OPENSSH:$PID_OPENSSH:/usr/sbin/sshd" \
	"dropbear:$P_DROPBEAR:$PID_DROPBEAR:/usr/sbin/dropbear" \
	"vcsshd:$P_VCSSHD:$PID_VCSSHD:$VCSSHD" | tee "$top/build/bench-ssh.txt"
rc=${PIPESTATUS[0]}
[ $rc -eq 0 ] || { echo "--- server log:"; tail -n 20 "$W/server.log"; }
exit $rc
