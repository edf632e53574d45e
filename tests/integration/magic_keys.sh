#!/bin/bash
# SPDX-License-Identifier: ISC
# Root's keys (DESIGN: SSH keys): VCORE_AUTHORIZED_KEYS (or its _FILE and
# FILE__ forms) becomes a marked block at the end of root's
# authorized_keys (home from ssh { passwd_file }), folder 0700 and file
# 0600, without duplicates, replaced on every boot so a removed key stops
# working, the administrator's own lines kept. A real OpenSSH login as
# root works with a key given only through the variable; vcsshd itself
# never sees the variable. No key anywhere (a variable of comments holds
# none): sshd stays off and says why.
# A bad key line exits 78 naming its line, never the key.
. "$(dirname "$0")/ssh_lib.bash"

HOME_SSH=$T/home/root/.ssh
AK=$HOME_SSH/authorized_keys
rm -r "$HOME_SSH"	# ssh_lib's key file: root's keys come from magic here
mkdir -p "$ETC/secrets.d"
echo DB_PASSWORD >"$ETC/secrets.d/app"
echo pw >"$T/pw"
sshd_conf "  command = {\"$VCSSHD\", \"-c\", \"$ETC\"}"
service app "command = {\"$VCTEST\", \"idle\"}"
for k in k2 k3; do
	ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$T/client/$k" </dev/null || fail "ssh-keygen"
done
b64() { cut -d' ' -f2 "$1"; }
count() { grep -cF -- "$(b64 "$1")" "$AK"; }
login() { # KEY: an OpenSSH login as root with that key only
	timeout 30 ssh "${SSH_OPTS[@]}" -i "$1" -p "$PORT" root@127.0.0.1 'echo "in as $(id -un)"'
}
begin='# vcore: keys from VCORE_AUTHORIZED_KEYS'
# sshd_up: vcinit started vcsshd and it listens.
sshd_up() {
	wait_state 10 sshd up && wait_for 10 grep -q '^sshd | .*listening on' "$T/out"
}

# No key anywhere: sshd is off and says why; nothing is written.
start_vcinit
wait_state 5 app up || fail "app not up"
ctl status | grep -Eq '^sshd +disabled .*no key for root' || fail "$(ctl status)"
[ -e "$HOME_SSH" ] && fail "a .ssh folder was made without any key"
stop_vcinit

# Keys from the variable only: a real login as root.
export VCORE_AUTHORIZED_KEYS="$(cat "$KEY.pub")

# a comment line
  $(cat "$T/client/k2.pub")
$(cut -d' ' -f1,2 "$KEY.pub") same key, another comment"
DB_PASSWORD_FILE=$T/pw start_vcinit
sshd_up || fail "sshd not up: $(ctl status)"
[ "$(stat -c '%a %u %g' "$HOME_SSH")" = "700 0 0" ] || fail ".ssh: $(stat -c '%a %u %g' "$HOME_SSH")"
[ "$(stat -c '%a %u %g' "$AK")" = "600 0 0" ] || fail "authorized_keys: $(stat -c '%a %u %g' "$AK")"
[ "$(count "$KEY.pub")" = 1 ] || fail "the twice-given key is there $(count "$KEY.pub") times"
[ "$(count "$T/client/k2.pub")" = 1 ] || fail "k2: $(cat "$AK")"
grep -qF "$begin" "$AK" || fail "no marked block: $(cat "$AK")"
[ "$(grep -c '^ssh-' "$AK")" = 2 ] || fail "keys: $(cat "$AK")"
ctl status --json | grep -qF '"root_keys":2,' || fail "json: $(ctl status --json)"
ctl status | grep -qE '^magic: .*2 keys for root' || fail "status: $(ctl status)"
[ "$(login "$KEY")" = "in as root" ] || fail "no login with the variable's first key"
[ "$(login "$T/client/k2")" = "in as root" ] || fail "no login with k2"
sshd=$(host_pid "$(ns_pid_of sshd)")
[ -n "$sshd" ] || fail "no vcsshd process"
tr '\0' '\n' <"/proc/$sshd/environ" >"$T/sshd.env"
grep -qE '^(VCORE_AUTHORIZED_KEYS|DB_PASSWORD)(_FILE)?=' "$T/sshd.env" &&
	fail "vcsshd sees a secret: $(grep -E 'KEYS|PASSWORD' "$T/sshd.env" | cut -c1-40)"
grep '^vcinit' "$T/out" | grep -qF "$(b64 "$KEY.pub")" && fail "key material in vcinit's messages"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"

# The administrator's lines outside the block stay; a key they already
# hold is not repeated; a key taken out of the variable is gone.
{
	echo "# the administrator's own"
	echo "$(cut -d' ' -f1,2 "$T/client/k3.pub") admin"
	cat "$AK"
} >"$AK.new"
sed -i "/^$begin/a # typed into the block by hand" "$AK.new"
mv "$AK.new" "$AK"
chmod 600 "$AK"
export VCORE_AUTHORIZED_KEYS="$(cat "$KEY.pub")
$(cat "$T/client/k3.pub")"
start_vcinit
sshd_up || fail "sshd not up: $(ctl status)"
[ "$(head -n 2 "$AK")" = "# the administrator's own
$(cut -d' ' -f1,2 "$T/client/k3.pub") admin" ] || fail "the administrator's lines: $(cat "$AK")"
[ "$(count "$T/client/k3.pub")" = 1 ] || fail "k3 repeated: $(cat "$AK")"
[ "$(count "$KEY.pub")" = 1 ] || fail "KEY: $(cat "$AK")"
[ "$(count "$T/client/k2.pub")" = 0 ] || fail "k2 was taken out but stays: $(cat "$AK")"
grep -q 'typed into the block' "$AK" && fail "the old block was kept"
[ "$(grep -cF "$begin" "$AK")" = 1 ] || fail "blocks: $(cat "$AK")"
tail -n 1 "$AK" | grep -q '^# vcore: end' || fail "the block is not at the end: $(cat "$AK")"
[ "$(stat -c %a "$AK")" = 600 ] || fail "mode $(stat -c %a "$AK")"
login "$T/client/k2" 2>/dev/null && fail "a removed key still logs in"
[ "$(login "$KEY")" = "in as root" ] || fail "no login with KEY"
[ "$(login "$T/client/k3")" = "in as root" ] || fail "no login with the administrator's key"
stop_vcinit
unset VCORE_AUTHORIZED_KEYS

# The _FILE and FILE__ forms.
cat "$T/client/k2.pub" >"$T/keys"
VCORE_AUTHORIZED_KEYS_FILE=$T/keys start_vcinit
sshd_up || fail "sshd not up: $(ctl status)"
[ "$(count "$T/client/k2.pub")" = 1 ] || fail "VCORE_AUTHORIZED_KEYS_FILE: $(cat "$AK")"
[ "$(count "$KEY.pub")" = 0 ] || fail "KEY stays: $(cat "$AK")"
[ "$(login "$T/client/k2")" = "in as root" ] || fail "no login with k2"
stop_vcinit
cat "$KEY.pub" >"$T/keys"
FILE__VCORE_AUTHORIZED_KEYS=$T/keys start_vcinit
sshd_up || fail "sshd not up: $(ctl status)"
[ "$(count "$KEY.pub")" = 1 ] || fail "FILE__VCORE_AUTHORIZED_KEYS: $(cat "$AK")"
[ "$(count "$T/client/k2.pub")" = 0 ] || fail "k2 stays: $(cat "$AK")"
stop_vcinit
# No variable: the block goes, the administrator's key stays (sshd too).
start_vcinit
sshd_up || fail "sshd not up with the administrator's key: $(ctl status)"
grep -qF "$begin" "$AK" && fail "the block stays without the variable: $(cat "$AK")"
[ "$(count "$KEY.pub")" = 0 ] || fail "KEY stays: $(cat "$AK")"
[ "$(count "$T/client/k3.pub")" = 1 ] || fail "the administrator's key is gone"
stop_vcinit

# A bad key line: 78 with its line number, no key material, file as it was.
cp "$AK" "$T/ak.before"
bad=$(b64 "$KEY.pub")
check() { # LINE VALUE
	rm -f "$T/started"
	VCORE_AUTHORIZED_KEYS=$2 timeout 5 "$VCINIT" -c "$ETC" >"$T/out" 2>&1 </dev/null
	local rc=$?
	[ "$rc" -eq 78 ] || fail "exit $rc for a bad line $1"
	grep -qF "VCORE_AUTHORIZED_KEYS: line $1: " "$T/out" || fail "line $1 not named: $(cat "$T/out")"
	grep -qF -- "${bad:0:30}" "$T/out" && fail "key material in the message: $(cat "$T/out")"
	grep -qF -- "${bad:20:20}" "$T/out" && fail "key material in the message: $(cat "$T/out")"
	cmp -s "$AK" "$T/ak.before" || fail "authorized_keys changed for a bad line"
	true
}
check 3 "$(cat "$T/client/k2.pub")
# fine so far
ssh-ed25519 ${bad:0:40}"
check 1 "ssh-ed25519 ${bad}x"
check 2 "
ssh-nosuchtype ${bad}"
check 1 "${bad}"

# A variable of blank and comment lines holds no key: with no key file
# either, sshd stays off.
rm -r "$HOME_SSH"
VCORE_AUTHORIZED_KEYS=$'# nobody yet\n\n' start_vcinit
wait_state 5 app up || fail "app not up"
ctl status | grep -Eq '^sshd +disabled .*no key for root' ||
	fail "a variable with no key in it turned sshd on: $(ctl status)"
stop_vcinit
true
