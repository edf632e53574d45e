#!/bin/bash
# The built-in sshd: with only root allowed and no key for root anywhere it
# stays off, says why, and does not count for health; a key in root's
# authorized_keys or VCORE_AUTHORIZED_KEYS turns it on; VCORE_DISABLE=sshd
# turns it off again.
. "$(dirname "$0")/lib.sh"
VCSSHD=$(dirname "$VCINIT")/vcsshd
[ -x "$VCSSHD" ] || { echo "no $VCSSHD (make first)"; exit 77; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/root/.ssh"
printf 'root:x:0:0:root:%s/root:/bin/sh\n' "$T" >"$T/passwd"
printf 'root:x:0:\n' >"$T/group"
conf "ssh {" "  listen = {\"127.0.0.1\"}" "  port = $port" \
	"  passwd_file = \"$T/passwd\"" "  group_file = \"$T/group\"" \
	"  command = {\"$VCSSHD\", \"-c\", \"$ETC\"}" "}"
service web "command = {\"$VCTEST\", \"idle\"}"
start_vcinit
wait_state 5 web up || fail "web not up"
ctl status | grep -Eq '^sshd +disabled .*no key for root: set VCORE_AUTHORIZED_KEYS' ||
	fail "$(ctl status)"
ctl health || fail "an sshd off by policy counts for health"
stop_vcinit
echo '# keys' >"$T/root/.ssh/authorized_keys"
start_vcinit
wait_state 5 web up || fail "web not up"
has_state sshd down || fail "a file of comments is no key: $(ctl status)"
stop_vcinit
ssh-keygen -q -t ed25519 -N '' -f "$T/key" </dev/null
cp "$T/key.pub" "$T/root/.ssh/authorized_keys"
start_vcinit
wait_state 5 sshd up || fail "sshd not started with a key: $(ctl status)"
stop_vcinit
rm "$T/root/.ssh/authorized_keys"
VCORE_AUTHORIZED_KEYS=$(cat "$T/key.pub") start_vcinit
wait_state 5 sshd up || fail "sshd not started with VCORE_AUTHORIZED_KEYS"
stop_vcinit
VCORE_AUTHORIZED_KEYS=$(cat "$T/key.pub") VCORE_DISABLE=sshd start_vcinit
wait_state 5 web up || fail "web not up"
ctl status | grep -Eq '^sshd +disabled .*VCORE_DISABLE' || fail "$(ctl status)"
stop_vcinit
