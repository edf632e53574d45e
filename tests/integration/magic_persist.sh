#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# Persisted paths (DESIGN: Boot order step 1, Volumes): on the first boot
# of a volume each path of DIR/persist moves to $VCORE_PERSIST_DIR (here
# another file system, so it is copied: modes, owners, folders and links
# kept) and becomes a link to it; a folder ending in "/" is made when
# absent everywhere; DIR/ssh/ always is, so the host key vcsshd makes
# survives a re-created container (a fresh config folder and image files,
# the same volume) and so does a persisted env.d, read before the
# environment is built. A path that is not absolute exits 78 naming
# persist:LINE before any hook or service runs.
. "$(dirname "$0")/lib.sh"
VCSSHD=$(dirname "$VCINIT")/vcsshd
[ -x "$VCSSHD" ] || { echo "no $VCSSHD (make first)"; exit 77; }
command -v python3 >/dev/null || { echo "no python3 (scripts/deps.sh check)"; exit 77; }
V=$VCORE_PERSIST_DIR
R=$T/root
mkdir -p "$V"
mount -t tmpfs -o mode=755 vcore-test "$V" || { echo "unable to mount a tmpfs"; exit 77; }
trap 'umount -l "$V"; cleanup' EXIT
ssh-keygen -q -t ed25519 -N '' -f "$T/key" </dev/null || fail "ssh-keygen"
export VCORE_AUTHORIZED_KEYS=$(cat "$T/key.pub")
mkdir -p "$T/home/root"
printf 'root:x:0:0:root:%s/home/root:/bin/sh\n' "$T" >"$T/passwd"
printf 'root:x:0:\n' >"$T/group"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# image VERSION: a fresh config folder and image files ("docker run" of a
# new container of the image).
image() {
	rm -rf "$ETC" "$R"
	mkdir -p "$ETC/services.d" "$ETC/env.d" "$ETC/magic.d" "$R/etc/confdir/sub"
	conf "ssh {" "  listen = {\"127.0.0.1\"}" "  port = $port" \
		"  passwd_file = \"$T/passwd\"" "  group_file = \"$T/group\"" \
		"  command = {\"$VCSSHD\", \"-c\", \"$ETC\"}" "}"
	service app "command = {\"/bin/sh\", \"-c\", \"touch $T/started; exec $VCTEST idle\"}"
	printf '%s\n' '# what the image keeps' "$R/etc/app.conf" "  $R/etc/confdir/  " \
		'' "$R/data/" "$ETC/env.d/" >"$ETC/persist"
	echo "image $1" >"$R/etc/app.conf"
	chown 1234:5678 "$R/etc/app.conf"
	chmod 640 "$R/etc/app.conf"
	echo "a $1" >"$R/etc/confdir/a.conf"
	echo "b $1" >"$R/etc/confdir/sub/b.conf"
	chmod 700 "$R/etc/confdir/sub"
	ln -s a.conf "$R/etc/confdir/link"
	echo "COLOR=$2" >"$ETC/env.d/10-color"
	printf '#!/bin/sh\necho "color=$COLOR"\ncat %s\n' "$R/etc/app.conf" >"$ETC/magic.d/10-show"
	chmod 755 "$ETC/magic.d/10-show"
}
linked() { [ -L "$1" ] && [ "$(readlink "$1")" = "$V$1" ]; }
host_key=$ETC/ssh/ssh_host_ed25519_key

image v1 blue
start_vcinit
wait_state 10 sshd up || fail "sshd not up: $(ctl status)"
wait_state 5 app up || fail "app not up"
wait_for 5 test -s "$host_key.pub" || fail "no host key: $(cat "$T/out")"
for p in "$R/etc/app.conf" "$R/etc/confdir" "$R/data" "$ETC/env.d" "$ETC/ssh"; do
	linked "$p" || fail "$p is not a link to the volume: $(ls -ld "$p")"
done
[ -f "$V$host_key" ] || fail "the host key is not on the volume"
[ "$(cat "$R/etc/app.conf")" = "image v1" ] || fail "app.conf: $(cat "$R/etc/app.conf")"
[ "$(stat -c '%a %u %g' "$V$R/etc/app.conf")" = "640 1234 5678" ] ||
	fail "the moved file's mode and owner: $(stat -c '%a %u %g' "$V$R/etc/app.conf")"
[ "$(cat "$R/etc/confdir/sub/b.conf")" = "b v1" ] || fail "confdir/sub/b.conf"
[ "$(stat -c %a "$V$R/etc/confdir/sub")" = 700 ] || fail "confdir/sub mode"
[ "$(readlink "$V$R/etc/confdir/link")" = a.conf ] || fail "the link in confdir was not kept"
[ -d "$V$R/data" ] && [ -z "$(ls -A "$R/data/")" ] || fail "data/ was not made empty"
[ "$(find "$V" -name '*vcore-new*' | wc -l)" = 0 ] || fail "a temporary copy was left"
grep -qx 'magic/10-show | color=blue' "$T/out" || fail "the hook did not see env.d"
grep -qx 'magic/10-show | image v1' "$T/out" || fail "the hook did not read app.conf"
ctl status | grep -qE "^magic: .*5 paths persisted on $V\$" || fail "status: $(ctl status)"
ctl status --json | grep -qF "\"persist_dir\":\"$V\"" || fail "json: $(ctl status --json)"
cp "$host_key.pub" "$T/host_key.pub"
# the administrator's edits, through the links
echo "edited by the admin" >"$R/etc/app.conf"
echo "COLOR=green" >"$ETC/env.d/10-color"
echo 42 >"$R/data/db"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"

# The same container again: nothing moves, the links stay.
start_vcinit
wait_state 10 sshd up || fail "sshd not up: $(ctl status)"
grep -q 'moves to' "$T/out" && fail "something moved again: $(grep 'moves to' "$T/out")"
grep -qx 'magic/10-show | color=green' "$T/out" || fail "the edited env.d was not read"
stop_vcinit

# A re-created container: new image files, the same volume. The volume
# wins everywhere, and vcsshd keeps its host key.
image v2 red
start_vcinit
wait_state 10 sshd up || fail "sshd not up: $(ctl status)"
wait_state 5 app up || fail "app not up"
wait_for 5 grep -q 'sshd | .*host key ' "$T/out" || fail "vcsshd did not log its key"
cmp -s "$host_key.pub" "$T/host_key.pub" || fail "a new host key in the re-created container"
grep -q 'generated host key' "$T/out" && fail "vcsshd made a host key again"
for p in "$R/etc/app.conf" "$R/etc/confdir" "$R/data" "$ETC/env.d" "$ETC/ssh"; do
	linked "$p" || fail "$p is not a link to the volume: $(ls -ld "$p")"
done
[ "$(cat "$R/etc/app.conf")" = "edited by the admin" ] || fail "app.conf: $(cat "$R/etc/app.conf")"
[ "$(cat "$R/etc/confdir/a.conf")" = "a v1" ] || fail "confdir: the image's copy won"
[ "$(cat "$R/data/db")" = 42 ] || fail "data/db lost"
grep -qx 'magic/10-show | color=green' "$T/out" || fail "the image's env.d won over the volume's"
grep -qx 'magic/10-show | edited by the admin' "$T/out" || fail "the hook read the image's app.conf"
stop_vcinit

# Bad lists: 78 naming persist:LINE, before any hook or service.
printf '#!/bin/sh\ntouch %s/hooked\n' "$T" >"$ETC/magic.d/10-show"
check() { # LINE PATH: the persist list holds PATH on line LINE (2 or 3)
	{ echo "# paths"; [ "$1" = 3 ] && echo "$ETC/env.d/"; echo "$2"; } >"$ETC/persist"
	rm -f "$T/started" "$T/hooked"
	timeout 5 "$VCINIT" -c "$ETC" >"$T/out" 2>&1 </dev/null
	local rc=$?
	[ "$rc" -eq 78 ] || fail "exit $rc for $2"
	grep -qF "$ETC/persist:$1: " "$T/out" || fail "persist:$1 not named for $2: $(cat "$T/out")"
	grep -qF -- "$2" "$T/out" || fail "$2 not named: $(cat "$T/out")"
	[ -e "$T/hooked" ] && fail "a hook ran despite $2"
	[ -e "$T/started" ] && fail "a service ran despite $2"
	true
}
check 3 "etc/relative.conf"
grep -qF "etc/relative.conf is not an absolute path" "$T/out" || fail "reason: $(cat "$T/out")"
check 3 "$R/etc/../escape"
check 2 "../up"
echo "$R/etc/app.conf" >"$ETC/persist"
(cd "$T" && VCORE_PERSIST_DIR=relative/vcore exec timeout 5 "$VCINIT" -c "$ETC") >"$T/out" 2>&1 </dev/null
rc=$?
[ "$rc" -eq 78 ] || fail "exit $rc for a relative VCORE_PERSIST_DIR"
grep -qF 'VCORE_PERSIST_DIR' "$T/out" || fail "VCORE_PERSIST_DIR not named: $(cat "$T/out")"
[ -e "$T/hooked" ] && fail "a hook ran despite a relative VCORE_PERSIST_DIR"
true
