#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# Users and groups that vcsshd's files lack come from the C library's user
# database: in the user image that is LDAP (nslcd, reached by the static
# musl vcsshd through unscd's socket). Here a mount namespace shows vcsshd a
# system /etc/passwd and /etc/group holding a user and a group that its
# scratch passwd_file and group_file do not; allow_groups takes several
# names in one entry, as "${SSH_ALLOW_GROUPS}" gives them.
. "$(dirname "$0")/ssh_lib.bash"
command -v unshare >/dev/null || { echo "no unshare"; exit 77; }

cp /etc/passwd "$T/sys-passwd"
cp /etc/group "$T/sys-group"
cat >>"$T/sys-passwd" <<PW
dirusr:x:23456:23400::$T/home/dirusr:/bin/sh
outsider:x:23457:23400::$T/home/outsider:/bin/sh
PW
cat >>"$T/sys-group" <<GR
people:x:23400:
lab:x:23500:dirusr
GR
cat >"$T/keys-cmd" <<SH
#!/bin/sh
cat "$KEY.pub"
SH
chmod 755 "$T/keys-cmd"
# vcsshd itself, in a mount namespace where the system files are ours.
cat >"$T/vcsshd-ns" <<SH
#!/bin/sh
exec unshare --mount --propagation private sh -c 'mount --bind "$T/sys-passwd" /etc/passwd &&
	mount --bind "$T/sys-group" /etc/group && exec "$VCSSHD" "\$@"' vcsshd "\$@"
SH
chmod 755 "$T/vcsshd-ns"
VCSSHD=$T/vcsshd-ns

sshd_conf '  allow_groups = {"nosuchgroup, lab  research"}' \
	"  authorized_keys_command = \"$T/keys-cmd\"" '  create_home = true'
start_sshd

out=$(sshc dirusr@127.0.0.1 'id -u; id -g; id -G; pwd') ||
	fail "dirusr: $(tail -n 5 "$SSHD_LOG")"
[ "$out" = "$(printf '23456\n23400\n23400 23500\n%s' "$T/home/dirusr")" ] ||
	fail "dirusr's session: $out"
[ "$(stat -c '%u %g %a' "$T/home/dirusr")" = "23456 23400 700" ] ||
	fail "dirusr's home: $(stat -c '%u %g %a' "$T/home/dirusr")"
expect_log "created home $T/home/dirusr for dirusr"

# outsider is known to the system but in no admitted group.
sshc outsider@127.0.0.1 true 2>/dev/null && fail "outsider got in"
expect_log "refused user outsider from 127\.0\.0\.1 port [0-9]+: not root and not admitted"
sshc nobody-at-all@127.0.0.1 true 2>/dev/null && fail "an unknown user got in"
expect_log "refused user nobody-at-all from .*: no such user"
[ -e "$T/home/outsider" ] && fail "a home was made for a refused user"
exit 0
