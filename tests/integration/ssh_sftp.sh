#!/bin/bash
# SPDX-License-Identifier: ISC
# sftp and OpenSSH's scp (which speaks sftp) through the external
# sftp-server, both ways; and a clear error when no sftp-server exists.
. "$(dirname "$0")/ssh_lib.bash"

# The static sftp-server of `make static` if there is one, else the
# distribution's, found by vcsshd itself.
if [ -x "$TOP/build/sftp-server" ]; then
	sshd_conf "  sftp_server = \"$TOP/build/sftp-server\""
elif ! [ -x /usr/lib/openssh/sftp-server ] && ! [ -x /usr/libexec/vcore/sftp-server ]; then
	echo "no sftp-server (make static or scripts/deps.sh ssh)"; exit 77
fi
start_sshd
head -c 10000000 /dev/urandom >"$T/data"
mkdir "$T/remote"
printf 'put %s %s\nget %s %s\nls -l %s\n' "$T/data" "$T/remote/up" \
	"$T/remote/up" "$T/back" "$T/remote/up" |
	timeout 60 sftp "${SSH_OPTS[@]}" -i "$KEY" -P "$PORT" -b - root@127.0.0.1 \
	>"$T/sftp.out" 2>&1 || fail "sftp: $(cat "$T/sftp.out")"
cmp -s "$T/data" "$T/remote/up" || fail "sftp put differs"
cmp -s "$T/data" "$T/back" || fail "sftp get differs"
grep -q "10000000 .* $T/remote/up" "$T/sftp.out" || fail "ls: $(cat "$T/sftp.out")"

scp_() { timeout 60 scp -q "${SSH_OPTS[@]}" -i "$KEY" -P "$PORT" "$@"; }
scp_ "$T/data" "root@127.0.0.1:$T/remote/scp-up" || fail "scp upload"
scp_ "root@127.0.0.1:$T/remote/scp-up" "$T/scp-back" || fail "scp download"
cmp -s "$T/data" "$T/scp-back" || fail "scp round trip differs"

# No sftp-server: the client is told why, the log says it once.
stop_sshd
sshd_conf "  sftp_server = \"$T/no/sftp-server\""
start_sshd
echo ls | timeout 30 sftp "${SSH_OPTS[@]}" -i "$KEY" -P "$PORT" -b - root@127.0.0.1 \
	>"$T/sftp.out" 2>&1 && fail "sftp worked without a server"
grep -q "vcsshd: sftp is unavailable: $T/no/sftp-server is not an executable file" "$T/sftp.out" ||
	fail "client not told: $(cat "$T/sftp.out")"
expect_log "warning: sftp for root from 127\.0\.0\.1: no sftp-server found"
exit 0
