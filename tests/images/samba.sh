# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# The samba image (images/samba) as an administrator runs it, with the real
# client (smbclient, from the image itself, in a client container on $NET):
# sourced by tests/images/run.sh after lib.sh. The server $P-samba has two
# users (alice from a password file, bob from -e), alice's uid and gid set,
# a read-write share for both and a read-only one for bob, its data on the
# volume $P-samba-data.

SAMBA_IMAGE=$REGISTRY/vcore/samba:$VERSION
SAMBA_UID_T=1234	# alice's uid and gid in these tests
SAMBA_GID_T=2345

# smbc ARGS...: smbclient in the client container, against the server by
# its name on $NET (SMB3, no NetBIOS).
smbc() {
	podman exec "$P-smbc" timeout 20 smbclient -m SMB3 "$@"
}

# samba_procs NAME: "pid ppid pgid comm" of every live process in
# container NAME (from /proc: the image need not have ps; zombies, dead
# already, are left out).
samba_procs() {
	podman exec "$1" sh -c 'for f in /proc/[0-9]*/stat; do
		read -r l <"$f" 2>/dev/null && echo "$l"; done' |
		awk '$3 != "Z" { gsub(/[()]/, "", $2); print $1, $4, $5, $2 }'
}

# samba_left NAME: the Samba processes running in NAME.
samba_left() {
	samba_procs "$1" | awk '$4 ~ /^(smbd|nmbd|samba-dcerpcd|rpcd_|samba-bgqd)/'
}

# samba_none NAME: true when no Samba process runs in NAME.
samba_none() {
	[ -z "$(samba_left "$1")" ]
}

# samba_only_rpc NAME: true when every Samba process in NAME is in the
# process group of the service samba-dcerpcd.
samba_only_rpc() {
	local g
	g=$(podman exec "$1" vcctl status --json |
		grep -o '"name":"samba-dcerpcd"[^}]*"pid":[0-9]*' | grep -o '[0-9]*$')
	[ -n "$g" ] && [ "$g" != 0 ] || return 1
	samba_left "$1" | awk -v g="$g" '$3 != g { bad = 1 } END { exit bad }'
}

# samba_run NAME [PODMAN RUN OPTIONS...]: a server on $NET with the data
# volume and 445 published on loopback; the time from `podman run` to the
# first TCP answer on 445 goes to $W/samba-first-answer.
samba_run() {
	local name=$1 start p; shift
	start=$(now_ms)
	run_base "$name" "$SAMBA_IMAGE" -v "$P-samba-data:/srv/samba" \
		-p 127.0.0.1::445 "$@" || return 1
	p=$(port "$name" 445)
	wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" || return 1
	echo $(( $(now_ms) - start )) >"$W/samba-first-answer"
}

# samba_login SERVER USER PASSWORD SHARE: lists SHARE's root.
samba_login() {
	smbc "//$1/$4" -U "$2%$3" -c ls
}

c_samba_start() {
	printf 'alice-first\n' >"$W/alice.pw"
	# The client: the image's own smbclient in a plain container.
	pm run -d --name "$P-smbc" --network "$NET" --entrypoint /bin/sleep \
		"$SAMBA_IMAGE" 600 >/dev/null || why "the client container did not start"
	# smbclient keeps names it resolved for 11 minutes: the server gets
	# another address when it restarts.
	podman exec "$P-smbc" sh -c 'printf "[global]\n\tname cache timeout = 0\n" \
		>/etc/samba/smb.conf' || why "no client configuration"
	# VCORE_LOG=debug: at the end vcinit names what it had to sweep.
	samba_run "$P-samba" -e VCORE_LOG=debug \
		-v "$W/alice.pw:/run/secrets/alice:ro" \
		-e SAMBA_USER=alice -e SAMBA_PASSWORD_FILE=/run/secrets/alice \
		-e SAMBA_UID=$SAMBA_UID_T -e SAMBA_GID=$SAMBA_GID_T \
		-e SAMBA_USER_2=bob -e SAMBA_PASSWORD_2=bob-pw \
		-e SAMBA_SHARES='data:/srv/samba/data:rw, pub:/srv/samba/pub:ro:bob' ||
		{ logs_of "$P-samba"; why "smbd did not answer on 445 within 30 s"; }
	echo "podman run to the first answer on 445: $(cat "$W/samba-first-answer") ms"
	wait_for 10 eval 'podman exec "$P-samba" vcctl status | grep -q "^smbd  *up"' ||
		{ podman exec "$P-samba" vcctl status; why "smbd is not up"; }
	logs_of "$P-samba" | grep '^magic/10-samba'
	logs_of "$P-samba" | grep -q 'alice-first\|bob-pw' && why "a password is in the logs"
	return 0
}

# alice lists the shares, puts a file and gets it back; the server's copy
# is the same.
c_samba_files() {
	local out sums
	out=$(smbc -L "//$P-samba" -U alice%alice-first) || { echo "$out"; why "listing failed"; }
	echo "$out"
	grep -Eq '^[[:space:]]+data +Disk' <<<"$out" || why "share data is not listed"
	grep -Eq '^[[:space:]]+pub +Disk' <<<"$out" || why "share pub is not listed"
	podman exec "$P-smbc" sh -c 'head -c 300000 /dev/urandom >/tmp/up' ||
		why "no file to send"
	smbc "//$P-samba/data" -U alice%alice-first \
		-c 'put /tmp/up up.bin; get up.bin /tmp/down' || why "put or get failed"
	sums=$(podman exec "$P-smbc" md5sum /tmp/up /tmp/down | awk '{print $1}' | sort -u)
	sums+=$'\n'$(podman exec "$P-samba" md5sum /srv/samba/data/up.bin | awk '{print $1}')
	echo "$sums"
	[ "$(sort -u <<<"$sums" | wc -l)" = 1 ] || why "the file came back changed"
}

# The file alice wrote belongs to SAMBA_UID:SAMBA_GID, in the container and
# on the host's side of the volume.
c_samba_owner() {
	local want=$SAMBA_UID_T:$SAMBA_GID_T got mnt
	got=$(podman exec "$P-samba" stat -c %u:%g /srv/samba/data/up.bin) || why "stat failed"
	echo "in the container: $got"
	[ "$got" = "$want" ] || why "up.bin belongs to $got, not $want"
	mnt=$(podman volume inspect --format '{{.Mountpoint}}' "$P-samba-data") ||
		why "no mount point"
	if [ "$(podman info --format '{{.Host.Security.Rootless}}')" = true ]; then
		got=$(podman unshare stat -c %u:%g "$mnt/data/up.bin")
	else
		got=$(stat -c %u:%g "$mnt/data/up.bin")
	fi
	echo "on the volume ($mnt): $got"
	[ "$got" = "$want" ] || why "on the volume up.bin belongs to $got, not $want"
	got=$(podman exec "$P-samba" stat -c '%u:%g %a' /srv/samba/data /srv/samba/pub)
	echo "$got"
	[ "$(sed -n 1p <<<"$got")" = "$want 775" ] || why "the share folder data: $got"
	# pub is bob's (uid 1235, the next after alice's), in alice's group.
	[ "$(sed -n 2p <<<"$got")" = "$((SAMBA_UID_T + 1)):$SAMBA_GID_T 775" ] ||
		why "the share folder pub: $got"
	podman exec "$P-samba" grep '^alice:' /etc/passwd | tee /dev/stderr |
		grep -q ':/usr/sbin/nologin$' || why "alice has a login shell"
}

c_samba_refused() {
	local out
	if out=$(samba_login "$P-samba" alice wrong-pw data 2>&1); then
		why "a wrong password was accepted"
	fi
	echo "wrong password: $(tail -n 1 <<<"$out")"
	grep -q 'NT_STATUS_LOGON_FAILURE' <<<"$out" || why "not a logon failure"
	if out=$(smbc -N "//$P-samba/data" -c ls 2>&1); then
		why "anonymous access to data was accepted"
	fi
	echo "anonymous: $(tail -n 1 <<<"$out")"
	grep -q 'NT_STATUS_ACCESS_DENIED\|NT_STATUS_LOGON_FAILURE' <<<"$out" ||
		why "anonymous: not refused as expected"
	if out=$(smbc -N -L "//$P-samba" 2>&1) && grep -q 'Disk' <<<"$out"; then
		why "anonymous listing of the shares was accepted"
	fi
	echo "anonymous listing: $(tail -n 1 <<<"$out")"
	if out=$(smbc "//$P-samba/data" -U guest% -c ls 2>&1); then
		why "guest access was accepted"
	fi
	echo "guest: $(tail -n 1 <<<"$out")"
}

# SAMBA_USER_2 and a share's user list: bob reads pub, cannot write there;
# alice cannot open pub; bob's files in data are his, in alice's group.
c_samba_users() {
	local out
	samba_login "$P-samba" bob bob-pw pub >/dev/null || why "bob cannot list pub"
	if out=$(smbc "//$P-samba/pub" -U bob%bob-pw -c 'put /tmp/up bob.bin' 2>&1); then
		why "bob wrote into the read-only share"
	fi
	echo "bob writing pub: $(tail -n 1 <<<"$out")"
	grep -q 'NT_STATUS_ACCESS_DENIED\|NT_STATUS_MEDIA_WRITE_PROTECTED' <<<"$out" ||
		why "not refused as expected"
	if out=$(samba_login "$P-samba" alice alice-first pub 2>&1); then
		why "alice opened pub, which is bob's only"
	fi
	echo "alice opening pub: $(tail -n 1 <<<"$out")"
	smbc "//$P-samba/data" -U bob%bob-pw -c 'put /tmp/up bob.bin' || why "bob cannot write data"
	out=$(podman exec "$P-samba" stat -c %u:%g /srv/samba/data/bob.bin)
	echo "bob.bin: $out"
	[ "$out" = "$((SAMBA_UID_T + 1)):$SAMBA_GID_T" ] || why "bob.bin belongs to $out"
}

# The RPC services (share listing) run in samba-dcerpcd's group, not in
# sessions of their own; stopping smbd, then samba-dcerpcd, leaves no Samba
# process; both start again and serve; nothing was killed.
c_samba_vcctl() {
	local procs svc out mark
	mark=$(logs_of "$P-samba" | wc -l)
	smbc -L "//$P-samba" -U alice%alice-first >/dev/null || why "listing failed"
	procs=$(samba_left "$P-samba")
	echo "$procs"
	grep -q ' rpcd_' <<<"$procs" || why "no rpcd_ worker after a share listing"
	svc=$(podman exec "$P-samba" vcctl status --json |
		grep -o '"name":"\(smbd\|samba-dcerpcd\)"[^}]*"pid":[0-9]*' |
		grep -o '[0-9]*$' | tr '\n' ' ')
	echo "service pids: $svc"
	# Every Samba process is in the process group of one of the services.
	awk -v s=" $svc" 'index(s, " " $3 " ") == 0 { print "outside the services: " $0; bad = 1 }
		END { exit bad }' <<<"$procs" || why "a Samba process left its service's group"
	[ "$(wc -w <<<"$svc")" = 2 ] || why "no pids for smbd and samba-dcerpcd"

	podman exec "$P-samba" vcctl restart smbd || why "vcctl restart smbd failed"
	samba_login "$P-samba" alice alice-first data >/dev/null || why "no service after the restart"
	# (a process killed with its group may take a moment to be gone:
	# 2 s, where a helper outside the groups stays for a minute)
	podman exec "$P-samba" vcctl stop smbd || why "vcctl stop smbd failed"
	wait_for 2 samba_only_rpc "$P-samba" ||
		why "left after vcctl stop smbd: $(samba_left "$P-samba")"
	podman exec "$P-samba" vcctl stop samba-dcerpcd || why "vcctl stop samba-dcerpcd failed"
	wait_for 2 samba_none "$P-samba" ||
		why "Samba processes left after vcctl stop: $(samba_left "$P-samba")"
	echo "after vcctl stop smbd and samba-dcerpcd: no Samba process"
	# starting smbd starts the samba-dcerpcd it depends on
	podman exec "$P-samba" vcctl start smbd || why "vcctl start smbd failed"
	podman exec "$P-samba" vcctl status | grep -q '^samba-dcerpcd  *up ' ||
		why "vcctl start smbd did not start samba-dcerpcd"
	smbc -L "//$P-samba" -U alice%alice-first >/dev/null || why "no listing after the start"
	out=$(logs_of "$P-samba" | tail -n +$((mark + 1)))
	grep 'vcinit: ' <<<"$out"
	grep -q 'SIGKILL\|killing' <<<"$out" && why "something was killed"
	return 0
}

# podman stop with RPC workers running: each service stops by its signal,
# nothing is killed, and vcinit's final sweep finds nothing outside the
# services' groups (the workers SIGKILLed with samba-dcerpcd's group, which
# dies at once on SIGTERM, are reaped before the sweep looks).
c_samba_stop() {
	local out took start
	smbc -L "//$P-samba" -U alice%alice-first >/dev/null || why "listing failed"
	samba_left "$P-samba" | grep ' rpcd_' || why "no rpcd_ worker running"
	start=$(now_ms)
	pm stop -t 10 "$P-samba" >/dev/null || why "podman stop failed"
	took=$(( $(now_ms) - start ))
	out=$(logs_of "$P-samba" | sed -n '/SIGTERM: shutting down/,$p' | grep -v ': debug: .* -> ')
	echo "stopped in $took ms"
	echo "$out"
	grep 'debug: left: \|ending what is left' <<<"$out" &&
		why "processes outlived their services"
	grep -q 'smbd: stopped' <<<"$out" || why "smbd did not stop"
	grep -q 'samba-dcerpcd: stopped' <<<"$out" || why "samba-dcerpcd did not stop"
	grep -q 'SIGKILL\|killing' <<<"$out" && why "something was killed"
	echo "$took" >"$W/samba-stop-ms"
}

# A new password in the file, then a restart of the same container: the new
# one works, the old one fails.
c_samba_password_file() {
	local start p
	printf 'alice-second\n' >"$W/alice.pw"
	start=$(now_ms)
	pm start "$P-samba" >/dev/null || why "podman start failed"
	p=$(port "$P-samba" 445)
	wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" || why "smbd did not answer"
	echo "445 answers after $(( $(now_ms) - start )) ms"
	wait_for 30 samba_login "$P-samba" alice alice-second data ||
		{ logs_of "$P-samba" | tail -n 30; why "the new password does not work"; }
	echo "alice logs in after $(( $(now_ms) - start )) ms"
	samba_login "$P-samba" alice alice-first data && why "the old password still works"
	samba_login "$P-samba" bob bob-pw data >/dev/null || why "bob no longer logs in"
}

# A new container on the same volume, SAMBA_PASSWORD changed by -e and bob
# gone: the new password works, the old one and bob fail, the files are
# still there and still alice's.
c_samba_recreate() {
	local got
	pm rm -f -v -t 10 "$P-samba" >/dev/null || why "podman rm failed"
	samba_run "$P-samba2" -e SAMBA_USER=alice -e SAMBA_PASSWORD=alice-third \
		-e SAMBA_UID=$SAMBA_UID_T -e SAMBA_GID=$SAMBA_GID_T ||
		{ logs_of "$P-samba2"; why "smbd did not answer"; }
	echo "podman run to the first answer on 445: $(cat "$W/samba-first-answer") ms"
	wait_for 20 samba_login "$P-samba2" alice alice-third data ||
		why "the new password does not work"
	samba_login "$P-samba2" alice alice-second data && why "the old password still works"
	samba_login "$P-samba2" bob bob-pw data && why "bob, taken out, still logs in"
	got=$(podman exec "$P-samba2" stat -c %u:%g /srv/samba/data/up.bin) ||
		why "up.bin is gone"
	[ "$got" = "$SAMBA_UID_T:$SAMBA_GID_T" ] || why "up.bin belongs to $got"
	smbc "//$P-samba2/data" -U alice%alice-third -c 'get up.bin /tmp/again' ||
		why "get failed"
	podman exec "$P-smbc" cmp /tmp/up /tmp/again || why "the file changed"
}

# Without a password the boot stops, naming the variable; a bad share too.
c_samba_missing() {
	local out rc
	out=$(pm run --rm --name "$P-samba-nopw" "$SAMBA_IMAGE" 2>&1)
	rc=$?
	grep 'samba:' <<<"$out"
	[ "$rc" = 78 ] || why "without SAMBA_PASSWORD: status $rc, not 78"
	grep -q 'SAMBA_PASSWORD is required' <<<"$out" || why "SAMBA_PASSWORD not named"
	out=$(pm run --rm --name "$P-samba-bad" -e SAMBA_PASSWORD=x \
		-e SAMBA_SHARES=data:/srv/samba/data:rx "$SAMBA_IMAGE" 2>&1)
	rc=$?
	grep 'samba:' <<<"$out"
	[ "$rc" = 78 ] || why "with a bad share: status $rc, not 78"
	grep -q "SAMBA_SHARES: 'data:/srv/samba/data:rx'" <<<"$out" || why "SAMBA_SHARES not named"
}

# The figures: memory of the Samba processes (PSS, from smaps_rollup).
c_samba_memory() {
	podman exec "$P-samba2" sh -c 'for d in /proc/[0-9]*; do
		c=$(cat $d/comm 2>/dev/null) || continue
		case $c in smbd|samba-dcerpcd|rpcd_*)
			awk -v c="$c" -v p="${d#/proc/}" "/^(Rss|Pss):/ { v[\$1] = \$2 }
				END { printf \"%s %s rss %d kB pss %d kB\\n\", p, c, v[\"Rss:\"], v[\"Pss:\"] }" \
				$d/smaps_rollup ;;
		esac
	done' | tee "$W/samba-memory" | awk '{ print; pss += $7 } END { print "total PSS " pss " kB" }'
	[ -s "$W/samba-memory" ] || why "no Samba process seen"
}

checks_samba() {
	pm image exists "$SAMBA_IMAGE" || { check "samba: image $SAMBA_IMAGE exists" false; return; }
	check "samba: run with two users, two shares, a password file; smbd answers" c_samba_start
	check "samba: smbclient lists, puts and gets a file intact" c_samba_files
	check "samba: the file on the volume belongs to SAMBA_UID:SAMBA_GID" c_samba_owner
	check "samba: a wrong password, anonymous and guest access are refused" c_samba_refused
	check "samba: SAMBA_USER_2 and a read-only share for one user" c_samba_users
	check "samba: vcctl restart/stop smbd and samba-dcerpcd leave no Samba process" c_samba_vcctl
	check "samba: podman stop with RPC workers: nothing left, nothing killed" c_samba_stop
	check "samba: a changed password file and a restart: new works, old fails" c_samba_password_file
	check "samba: re-created with a new SAMBA_PASSWORD on the same volume" c_samba_recreate
	check "samba: no SAMBA_PASSWORD or a bad SAMBA_SHARES stops the boot (78)" c_samba_missing
	check "samba: memory of the Samba processes" c_samba_memory
	common_checks samba "$P-samba2" samba-dcerpcd smbd
	podman rm -f -v -t 0 "$P-smbc" >/dev/null 2>&1
}
