#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# Users other than root, from a scratch passwd file: admitted by allow_users
# or allow_groups, refused otherwise; their session and the connection's
# process run as them; their keys file is refused when others could write
# it (StrictModes); authorized_keys_command runs as uid 10051 and
# create_home makes a missing home. The container's variables are root's
# only.
. "$(dirname "$0")/ssh_lib.bash"

cat >>"$T/passwd" <<PW
alice:x:12345:12345:Alice:$T/home/alice:/bin/sh
bob:x:12346:12346::$T/home/bob:/bin/sh
carol:x:12347:12347::$T/home/carol:/bin/sh
dave:x:12348:12348::$T/home/dave/sub:/bin/sh
PW
cat >>"$T/group" <<GR
alice:x:12345:
ops:x:5000:bob
GR
echo "SECRET_OF_THE_CONTAINER=1" >"$T/environment"
for u in alice:12345 bob:12346 carol:12347; do
	mkdir -p "$T/home/${u%:*}/.ssh"
	cp "$KEY.pub" "$T/home/${u%:*}/.ssh/authorized_keys"
	chown -R "${u#*:}:${u#*:}" "$T/home/${u%:*}"
	chmod 755 "$T/home/${u%:*}"
done
mkdir -m 777 "$T/akc"
cat >"$T/keys-cmd" <<SH
#!/bin/sh
id -u >"$T/akc/uid"
echo "\$1 \$2" >"$T/akc/args"
[ "\$1" = dave ] && cat "$KEY.pub"
exit 0
SH
chmod 755 "$T/keys-cmd"
sshd_conf '  allow_users = {"alice", "dave"}' '  allow_groups = {"ops"}' \
	"  authorized_keys_command = \"$T/keys-cmd %u %t\"" '  create_home = true'
start_sshd

out=$(sshc alice@127.0.0.1 'id -u; id -g; id -G; echo "$HOME $USER $PATH"; grep "^Uid:" /proc/$PPID/status; touch new; stat -c %a new; env')
[ "$(sed -n 1p <<<"$out")" = 12345 ] || fail "alice uid: $out"
[ "$(sed -n 2p <<<"$out")" = 12345 ] || fail "alice gid"
[ "$(sed -n 3p <<<"$out")" = 12345 ] || fail "alice groups: $(sed -n 3p <<<"$out")"
[ "$(sed -n 4p <<<"$out")" = "$T/home/alice alice /usr/local/bin:/usr/bin:/bin" ] || fail "alice env: $out"
# The connection's own process gave up root once alice had logged in.
grep -qE "^Uid:\s+12345\s+12345\s+12345\s+12345" <<<"$out" || fail "connection process: $(grep Uid <<<"$out")"
[ "$(sed -n 6p <<<"$out")" = 644 ] || fail "umask for alice"
grep -q SECRET_OF_THE_CONTAINER <<<"$out" && fail "alice sees the container's variables"
expect_log "accepted key .* for alice from 127\.0\.0\.1 port [0-9]+ \(.*/home/alice/\.ssh/authorized_keys:1\)"

# bob is in ops, which allow_groups admits; carol is in nothing.
[ "$(sshc bob@127.0.0.1 'id -G')" = "12346 5000" ] || fail "bob"
sshc carol@127.0.0.1 true 2>/dev/null && fail "carol got in"
expect_log "refused user carol from 127\.0\.0\.1 port [0-9]+: not root and not admitted"

# dave: a key from authorized_keys_command (run as 10051), a new home.
[ -e "$T/home/dave" ] && fail "dave's home exists already"
[ "$(sshc dave@127.0.0.1 'pwd; id -u')" = "$(printf '%s\n12348' "$T/home/dave/sub")" ] ||
	fail "dave: $(sshc dave@127.0.0.1 'pwd; id -u' 2>&1)"
[ "$(cat "$T/akc/uid")" = 10051 ] || fail "command ran as $(cat "$T/akc/uid")"
[ "$(cat "$T/akc/args")" = "dave ssh-ed25519" ] || fail "command args: $(cat "$T/akc/args")"
[ "$(stat -c '%u %a' "$T/home/dave/sub")" = "12348 700" ] || fail "dave's home: $(stat -c '%u %a' "$T/home/dave/sub")"
expect_log "created home $T/home/dave/sub for dave"
expect_log "accepted key .* for dave from .* \(authorized_keys_command:1\)"

# StrictModes: a keys file another user owns, a home the group may write.
chown 999 "$T/home/alice/.ssh/authorized_keys"
sshc alice@127.0.0.1 true 2>/dev/null && fail "keys file owned by another user"
expect_log "warning: refusing $T/home/alice/\.ssh/authorized_keys of alice: bad ownership or modes for file"
chown 12345 "$T/home/alice/.ssh/authorized_keys"
chmod 775 "$T/home/alice"
sshc alice@127.0.0.1 true 2>/dev/null && fail "group-writable home"
expect_log "refusing .* of alice: bad ownership or modes for directory $T/home/alice\$"
chmod 755 "$T/home/alice"
chmod 620 "$T/home/alice/.ssh/authorized_keys"
sshc alice@127.0.0.1 true 2>/dev/null && fail "group-writable keys file"
chmod 600 "$T/home/alice/.ssh/authorized_keys"
sshc alice@127.0.0.1 true || fail "alice after the modes were fixed"
# A keys file that is a link to one alice may not read finds nothing.
ln -sf "$T/home/root/.ssh/authorized_keys" "$T/home/alice/.ssh/authorized_keys"
chmod 700 "$T/home/root/.ssh"
sshc alice@127.0.0.1 true 2>/dev/null && fail "alice used root's keys file"
expect_log "unable to read $T/home/alice/\.ssh/authorized_keys: Permission denied"
exit 0
