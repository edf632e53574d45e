#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# The host key: made by vcsshd on its first start under DIR/ssh (0600, with
# a .pub), its fingerprint logged, the same key served to clients, reused
# on the next start, and refused when others may read it.
. "$(dirname "$0")/ssh_lib.bash"

hk=$ETC/ssh/ssh_host_ed25519_key
[ -e "$hk" ] && fail "a host key before the first start"
start_sshd
expect_log "generated host key $hk"
[ "$(stat -c %a "$hk")" = 600 ] || fail "key mode $(stat -c %a "$hk")"
[ "$(stat -c %a "$hk.pub")" = 644 ] || fail ".pub mode"
[ "$(stat -c %a "$ETC/ssh")" = 700 ] || fail "folder mode"
ls "$ETC/ssh" | grep -q tmp && fail "a temporary file was left: $(ls "$ETC/ssh")"
fp=$(fingerprint "$hk.pub")
[ "$(ssh-keygen -y -f "$hk" | cut -d' ' -f2)" = "$(cut -d' ' -f2 "$hk.pub")" ] ||
	fail "the .pub does not match the private key"
expect_log "host key $hk $fp\$"

# The client checks the key it is shown against the .pub.
printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$hk.pub")" >"$T/known"
timeout 30 ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes \
	-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/known" \
	-i "$KEY" -p "$PORT" root@127.0.0.1 true || fail "strict host key check"

# Reused, not made again.
stop_sshd
start_sshd
[ "$(count_log "generated host key")" = 1 ] || fail "made twice"
[ "$(count_log "host key $hk $fp\$")" = 2 ] || fail "another fingerprint"
sshc root@127.0.0.1 true || fail "login after restart"

# A missing .pub is written again from the private key.
stop_sshd
rm "$hk.pub"
start_sshd
expect_log "wrote the missing $hk.pub"
[ "$(fingerprint "$hk.pub")" = "$fp" ] || fail ".pub rewritten wrong"

# A key others may read is refused, and vcsshd does not start.
stop_sshd
chmod 644 "$hk"
"$VCSSHD" -c "$ETC" >"$T/out" 2>&1 </dev/null
rc=$?
[ $rc -eq 1 ] || fail "started with a 0644 key (exit $rc)"
grep -q "host key $hk: permissions 0644 or owner 0 are too open" "$T/out" ||
	fail "no reason given: $(cat "$T/out")"
exit 0
