#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# The default paths, as an image has them: vcinit runs as PID 1 in a
# private mount and PID namespace where scratch folders are bind-mounted
# on /sbin and /root, so the default prepare_magic (/sbin/prepare_magic.sh,
# run by sh when not executable, not run when absent) and root's default
# home (from /etc/passwd, read by default even without an ssh {} section,
# and /root when the passwd file has no root) are the ones used. The machine's own /sbin and /root are checked
# unchanged afterwards.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "needs root (mount namespaces)"; exit 77; }
# On merged-/usr systems (Debian 12) /sbin is a link to usr/sbin: the bind
# mount lands on /usr/sbin, which is just as private to the namespace.
[ -d /sbin ] && [ -d /root ] || { echo "no /sbin or /root here"; exit 77; }
grep -q '^root:[^:]*:0:0:[^:]*:/root:' /etc/passwd || { echo "root's home here is not /root"; exit 77; }
mkdir -p "$T/sbin" "$T/roothome"
chmod 700 "$T/roothome"
host_state() {
	stat -c '%n %i %s %Y' /sbin /sbin/ /root /root/.ssh /root/.ssh/authorized_keys \
		/sbin/prepare_magic.sh /root/admin /etc/passwd 2>&1
	ls -la /sbin/ | md5sum
}
before=$(host_state)
ssh-keygen -q -t ed25519 -N '' -f "$T/k1" </dev/null || fail "ssh-keygen"
ssh-keygen -q -t ed25519 -N '' -f "$T/k2" </dev/null || fail "ssh-keygen"
service app "command = {\"/bin/sh\", \"-c\", \"touch $T/started; exec $VCTEST idle\"}"

# start_pid1 [PASSWD]: as start_vcinit, with the scratch /sbin and /root
# (and PASSWD on /etc/passwd).
start_pid1() {
	rm -f "$T/started"
	unshare --pid --fork --mount --mount-proc --kill-child bash -c \
		'mount --bind "$1" /sbin && mount --bind "$2" /root &&
		{ [ -z "$5" ] || mount --bind "$5" /etc/passwd; } && exec "$3" -c "$4"' \
		_ "$T/sbin" "$T/roothome" "$VCINIT" "$ETC" "${1:-}" >"$T/out" 2>&1 </dev/null &
	UPID=$!
	wait_for 5 eval 'pgrep -P "$UPID" || ! kill -0 "$UPID"' || fail "vcinit did not start"
	P1=$(pgrep -P "$UPID")
}
keys=$T/roothome/.ssh/authorized_keys
printf '#!/bin/sh\necho "prepared, parent $PPID"\ngrep -c "^ssh-" /root/.ssh/authorized_keys\n' \
	>"$T/sbin/prepare_magic.sh"
chmod 755 "$T/sbin/prepare_magic.sh"

# /sbin/prepare_magic.sh, executable; root's home from /etc/passwd.
VCORE_AUTHORIZED_KEYS=$(cat "$T/k1.pub") start_pid1
wait_state 5 app up || fail "app not up: $(cat "$T/out")"
grep -qx 'magic/prepare_magic.sh | prepared, parent 1' "$T/out" ||
	fail "/sbin/prepare_magic.sh did not run under PID 1: $(cat "$T/out")"
grep -qx 'magic/prepare_magic.sh | 1' "$T/out" || fail "root's keys were not there before the hook"
ctl status --json | grep -qE '"hooks":\[\{"name":"magic/prepare_magic.sh","outcome":"exited 0","status":0,' ||
	fail "json: $(ctl status --json)"
[ "$(stat -c '%a %u' "$T/roothome/.ssh")" = "700 0" ] || fail "/root/.ssh: $(stat -c '%a %u' "$T/roothome/.ssh")"
[ "$(stat -c '%a %u' "$keys")" = "600 0" ] || fail "authorized_keys: $(stat -c '%a %u' "$keys")"
grep -qF "$(cut -d' ' -f2 "$T/k1.pub")" "$keys" || fail "k1 not in /root: $(cat "$keys")"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"

# Not executable: sh runs it. A passwd file without root: /root still.
chmod 644 "$T/sbin/prepare_magic.sh"
printf 'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n' >"$T/passwd"
printf 'daemon:x:1:\n' >"$T/group"
conf "ssh {" "  enabled = false" "  passwd_file = \"$T/passwd\"" "  group_file = \"$T/group\"" "}"
VCORE_AUTHORIZED_KEYS=$(cat "$T/k2.pub") start_pid1
wait_state 5 app up || fail "app not up: $(cat "$T/out")"
grep -qx 'magic/prepare_magic.sh | prepared, parent 1' "$T/out" ||
	fail "a prepare_magic.sh that is not executable did not run: $(cat "$T/out")"
grep -qF "$(cut -d' ' -f2 "$T/k2.pub")" "$keys" || fail "k2 not in /root: $(cat "$keys")"
grep -qF "$(cut -d' ' -f2 "$T/k1.pub")" "$keys" && fail "k1 stays in /root"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"

# No /sbin/prepare_magic.sh: no hook at all.
rm "$T/sbin/prepare_magic.sh"
start_pid1
wait_state 5 app up || fail "app not up: $(cat "$T/out")"
ctl status --json | grep -qF '"hooks":[]' || fail "json: $(ctl status --json)"
grep -q 'prepare_magic' "$T/out" && fail "$(cat "$T/out")"
stop_vcinit

# The default passwd file is /etc/passwd, with or without an ssh {} section.
conf
printf 'root:x:0:0:root:/root/admin:/bin/sh\n' >"$T/etc-passwd"
mkdir -p "$T/roothome/admin"
VCORE_AUTHORIZED_KEYS=$(cat "$T/k2.pub") start_pid1 "$T/etc-passwd"
wait_state 5 app up || fail "app not up: $(cat "$T/out")"
grep -qF "$(cut -d' ' -f2 "$T/k2.pub")" "$T/roothome/admin/.ssh/authorized_keys" 2>/dev/null ||
	fail "root's home was not taken from /etc/passwd: keys in $(cd "$T/roothome" && find . -type f)"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"
rm -r "$T/roothome/admin"

[ "$(host_state)" = "$before" ] || fail "the machine's /sbin or /root changed:
$before
---
$(host_state)"
true
