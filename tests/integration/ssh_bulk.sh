#!/bin/bash
# SPDX-License-Identifier: ISC
# 100 MB through stdin and back (cat on the server) arrive whole: the same
# sha256 on both sides, with the SSH window and full pipes pushing back
# instead of losing or piling up data.
. "$(dirname "$0")/ssh_lib.bash"

start_sshd
head -c 100000000 /dev/urandom >"$T/in" || fail "no random data"
want=$(sha256sum <"$T/in")
got=$(sshc root@127.0.0.1 cat <"$T/in" | sha256sum)
[ "${PIPESTATUS[0]}" = 0 ] || fail "ssh cat exited ${PIPESTATUS[0]}"
[ "$got" = "$want" ] || fail "sha256 differs: $got vs $want"

# A command that reads nothing: the client is held back, not the server
# filled up; the output still arrives and the session ends.
got=$(head -c 20000000 /dev/zero | sshc root@127.0.0.1 'sleep 1; echo done')
[ "$got" = done ] || fail "stdin not read: $got"

# Both directions at once with a slow reader on the server side.
head -c 1500000 /dev/urandom | base64 >"$T/in2"
got=$(sshc root@127.0.0.1 'while read -r l; do printf "%s\n" "$l"; done' <"$T/in2" | sha256sum)
[ "$got" = "$(sha256sum <"$T/in2")" ] || fail "line by line copy differs"
exit 0
