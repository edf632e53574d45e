#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# Every way in that must fail does, as the OpenSSH client reports it (exit
# 255 and its message) and with one server log line giving the reason: a
# wrong key, no key, a password attempt, an unknown user, a user the config
# does not admit, an expired key, a from= that excludes us, a line with an
# unknown option, and too many keys (MaxAuthTries). The right key still
# works afterwards.
. "$(dirname "$0")/ssh_lib.bash"

printf 'bob:x:1000:1000::%s/home/bob:/bin/sh\n' "$T" >>"$T/passwd"
ssh-keygen -q -t ed25519 -N '' -f "$T/client/other" </dev/null
start_sshd

# denied WHAT ARGS...: the client exits 255 saying "Permission denied".
denied() {
	local what=$1; shift
	timeout 30 ssh "${SSH_OPTS[@]}" -p "$PORT" "$@" true >"$T/out" 2>&1
	local rc=$?
	[ $rc -eq 255 ] || fail "$what: exit $rc"
	grep -q "Permission denied (publickey)\." "$T/out" || fail "$what: $(cat "$T/out")"
}

denied "wrong key" -i "$T/client/other" root@127.0.0.1
fp_other=$(fingerprint "$T/client/other.pub")
expect_log "refused key ssh-ed25519 $fp_other for root from 127\.0\.0\.1 port [0-9]+: not an authorized key"

denied "no key" -o IdentityFile=/nonexistent root@127.0.0.1
expect_log "refused root from 127\.0\.0\.1 port [0-9]+: no public key offered"

denied "password" -o PubkeyAuthentication=no -o PasswordAuthentication=yes \
	-o KbdInteractiveAuthentication=yes -o NumberOfPasswordPrompts=1 root@127.0.0.1
[ "$(count_log "no public key offered")" = 2 ] || fail "password attempt not logged"
timeout 30 ssh -v "${SSH_OPTS[@]}" -p "$PORT" -o PubkeyAuthentication=no \
	-o PasswordAuthentication=yes root@127.0.0.1 true >"$T/out" 2>&1
tr -d '\r' <"$T/out" | grep -q "Authentications that can continue: publickey\$" ||
	fail "methods offered: $(grep "can continue" "$T/out")"

denied "unknown user" -i "$KEY" nosuchuser@127.0.0.1
expect_log "refused user nosuchuser from 127\.0\.0\.1 port [0-9]+: no such user"
[ "$(count_log "nosuchuser")" = 1 ] || fail "unknown user logged more than once"

denied "not admitted" -i "$KEY" bob@127.0.0.1
expect_log "refused user bob from 127\.0\.0\.1 port [0-9]+: not root and not admitted by allow_users or allow_groups"

denied "numeric user name" -i "$KEY" '0@127.0.0.1'
expect_log "refused user 0 from .*: not a valid user name"

fp=$(fingerprint "$KEY.pub")
authorize 'expiry-time="20200101"'
denied "expired" -i "$KEY" root@127.0.0.1
expect_log "refused key ssh-ed25519 $fp for root from 127\.0\.0\.1 port [0-9]+: key expired \(expiry-time at .*/authorized_keys:1\)"
authorize 'expiry-time="29991231Z"'
sshc root@127.0.0.1 true || fail "a key expiring in 2999 was refused"

authorize 'from="10.0.0.0/8,::1"'
denied "from=" -i "$KEY" root@127.0.0.1
expect_log "refused key .* for root from 127\.0\.0\.1 port [0-9]+: from= at .*/authorized_keys:1 does not admit 127\.0\.0\.1"
sshc root@::1 true || fail "from= admits ::1"

authorize 'no-pty,bogus-option'
denied "unknown option" -i "$KEY" root@127.0.0.1
expect_log "warning: .*/authorized_keys:1: unknown option \"bogus-option\": line ignored"

# MaxAuthTries: six refused keys, then a disconnect with the reason.
authorize ""
keys=()
for i in 1 2 3 4 5 6 7 8; do
	ssh-keygen -q -t ed25519 -N '' -f "$T/client/k$i" </dev/null
	keys+=(-i "$T/client/k$i")
done
timeout 30 ssh -v "${SSH_OPTS[@]}" -p "$PORT" "${keys[@]}" -i "$KEY" root@127.0.0.1 true >"$T/out" 2>&1
rc=$?
[ $rc -eq 255 ] || fail "too many keys: exit $rc"
grep -q "Received disconnect from 127.0.0.1 port $PORT:[0-9]*: Too many authentication failures" "$T/out" ||
	fail "no reason: $(tail -n 3 "$T/out")"
[ "$(grep -c "Offering public key" "$T/out")" -le 7 ] || fail "more than 7 keys tried"
expect_log "disconnected 127\.0\.0\.1 port [0-9]+: too many authentication failures for root \(6\)"

sshc root@127.0.0.1 true || fail "the right key no longer works"
exit 0
