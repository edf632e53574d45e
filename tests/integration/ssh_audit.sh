#!/bin/bash
# SPDX-License-Identifier: ISC
# ssh-audit finds no failure: only curve25519 key exchange, an ed25519 host
# key, AEAD or encrypt-then-MAC ciphers and MACs, and no compression.
. "$(dirname "$0")/ssh_lib.bash"
command -v ssh-audit >/dev/null || { echo "no ssh-audit (scripts/deps.sh ssh)"; exit 77; }

start_sshd
# Its exit status is 3 whenever it meets kex-strict-s-v00@openssh.com, which
# Debian's 2.5.0 does not know: judge by its lines.
timeout 60 ssh-audit -n -p "$PORT" 127.0.0.1 >"$T/audit" 2>&1
grep -q "(kex) curve25519-sha256 " "$T/audit" || fail "no audit report: $(head -n 20 "$T/audit")"
grep -F "[fail]" "$T/audit" && fail "ssh-audit failures above"
grep -q "compression: disabled" "$T/audit" || fail "compression is on"
grep -E "^\(kex\)" "$T/audit" | grep -vE "curve25519-sha256(@libssh.org)? |kex-strict-s-v00" &&
	fail "other key exchanges offered"
grep -E "^\(key\)" "$T/audit" | grep -v "ssh-ed25519 " && fail "other host keys"
grep -E "^\(mac\)" "$T/audit" | grep -v -- "-etm@openssh.com " && fail "MACs without ETM"
grep -E "^\(enc\)" "$T/audit" | grep -vE "chacha20-poly1305|aes(128|256)-gcm|aes(128|192|256)-ctr" &&
	fail "other ciphers"
exit 0
