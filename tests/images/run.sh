#!/bin/bash
# SPDX-License-Identifier: ISC
# make check-images: the base images used as an administrator uses them,
# with the real clients (OpenSSH's ssh, sftp and scp, zabbix_get, podman),
# for both flavours; then publishing to the local registry, a cold pull into
# an empty store and the derived example built FROM the pulled image, and
# the Docker CLI when one is installed. Expects the images built by
# `make images` with the local bases (make check-images does that) and a
# registry on 127.0.0.1:5000 (scripts/images-setup.sh).
# Prints one line per check and "N passed, N failed"; exits 1 on a failure.
# Usage: tests/images/run.sh [alpine] [ubuntu] [publish] [docker]
#   [ldap] [postgres] [samba] [web]   (the service images: tests/images/NAME.sh)
set -u
. "$(dirname "$0")/lib.sh"
# ---- the checks of one flavour; $F is the flavour, $I its image ----

c_start() {
	run_base "$P-$F-a" "$I" -v "$P-$F-vol:/vcore" -e TZ=Asia/Tokyo ||
		why "podman run failed"
	wait_login "$P-$F-a" 20 || { logs_of "$P-$F-a"; why "no root login within 20 s"; }
}

c_command() {
	local out
	out=$(rssh "$P-$F-a" "$W/known-$F" 'id -u; echo "tz=$TZ"; date +%Z; ls /usr/libexec/vcore/sftp-server') ||
		why "ssh command failed"
	echo "$out"
	[ "$(sed -n 1p <<<"$out")" = 0 ] || why "not root"
	# TZ from docker run -e reaches the session, and the zone data is there.
	grep -qx 'tz=Asia/Tokyo' <<<"$out" || why "TZ did not reach the session"
	grep -qx 'JST' <<<"$out" || why "no time zone data for Asia/Tokyo"
}

c_sftp() {
	local got
	head -c 300000 /dev/urandom >"$W/payload"
	printf 'put %s /tmp/payload\nget /tmp/payload %s\n' "$W/payload" \
		"$W/back-sftp" >"$W/batch"
	sftp -q -b "$W/batch" -i "$W/id" -P "$(port "$P-$F-a" 22)" \
		-o BatchMode=yes -o StrictHostKeyChecking=accept-new \
		-o UserKnownHostsFile="$W/known-$F" -o LogLevel=ERROR -o ConnectTimeout=5 \
		root@127.0.0.1 || why "sftp failed"
	cmp "$W/payload" "$W/back-sftp" || why "sftp: the file came back changed"
	scp -q -i "$W/id" -P "$(port "$P-$F-a" 22)" -o BatchMode=yes \
		-o UserKnownHostsFile="$W/known-$F" -o LogLevel=ERROR -o ConnectTimeout=5 \
		root@127.0.0.1:/tmp/payload "$W/back-scp" || why "scp failed"
	cmp "$W/payload" "$W/back-scp" || why "scp: the file came back changed"
	got=$(rssh "$P-$F-a" "$W/known-$F" 'md5sum </tmp/payload')
	[ "${got%% *}" = "$(md5sum <"$W/payload" | cut -d' ' -f1)" ] ||
		why "the file in the container differs"
}

c_zabbix() {
	local p out
	p=$(port "$P-$F-a" 10050)
	out=$(zabbix_get -s 127.0.0.1 -p "$p" -k agent.ping) || why "zabbix_get failed"
	[ "$out" = 1 ] || why "agent.ping: $out"
	c_svc_zabbix "$P-$F-a"
}

c_logs() {
	local out
	out=$(logs_of "$P-$F-a")
	echo "$out" | tail -n 20
	grep -q '^agent | ' <<<"$out" || why "no 'agent | ' lines"
	grep -q '^sshd | .*accepted key' <<<"$out" || why "no 'sshd | ' login line"
	grep -q 'sshd: ready' <<<"$out" || why "vcinit's own lines are missing"
}

c_health() {
	pm healthcheck run "$P-$F-a" || why "not healthy at first"
	podman exec "$P-$F-a" vcctl stop agent || why "vcctl stop agent failed"
	if pm healthcheck run "$P-$F-a"; then
		why "still healthy with the agent stopped"
	fi
	podman exec "$P-$F-a" vcctl start agent || why "vcctl start agent failed"
	pm healthcheck run "$P-$F-a" || why "not healthy again"
}

c_stop() {
	host_key "$P-$F-a" >"$W/hostkey-$F"
	[ -s "$W/hostkey-$F" ] || why "no host key seen"
	c_svc_stop "$P-$F-a"
	# The base's own services end by exiting 0 on SIGTERM (c_health
	# stopped and started the agent before: the shutdown's lines only).
	logs_of "$P-$F-a" | sed -n '/SIGTERM: shutting down/,$p' >"$W/stop-$F"
	grep -q 'agent: stopped (exited 0)' "$W/stop-$F" &&
		grep -q 'sshd: stopped (exited 0)' "$W/stop-$F" || why "a service did not stop cleanly"
}

c_restart_key() {
	local key
	pm start "$P-$F-a" >/dev/null || why "podman start failed"
	wait_login "$P-$F-a" 20 || why "no login after the restart"
	key=$(host_key "$P-$F-a")
	echo "before $(cat "$W/hostkey-$F"), after $key"
	[ "$key" = "$(cat "$W/hostkey-$F")" ] || why "the host key changed"
	# What an administrator sees: the known_hosts entry of the first login
	# (another port now, hence the alias) is accepted under strict checking.
	awk -v h="vcit-$F" '{print h, $2, $3}' "$W/known-$F" >"$W/alias-$F"
	[ -s "$W/alias-$F" ] || why "no known_hosts entry from the first login"
	ssh -i "$W/id" -p "$(port "$P-$F-a" 22)" -o BatchMode=yes \
		-o StrictHostKeyChecking=yes -o HostKeyAlias="vcit-$F" \
		-o UserKnownHostsFile="$W/alias-$F" -o LogLevel=ERROR -o ConnectTimeout=5 \
		root@127.0.0.1 true </dev/null || why "strict host key checking refused the kept key"
	podman exec "$P-$F-a" sh -c 'test -f /vcore/etc/vcore/ssh/ssh_host_ed25519_key' ||
		why "the key is not on the volume"
}

c_second_key() {
	local key
	run_base "$P-$F-b" "$I" || why "podman run failed"
	wait_login "$P-$F-b" 20 || why "no login"
	key=$(host_key "$P-$F-b")
	echo "first $(cat "$W/hostkey-$F"), second $key"
	[ -n "$key" ] && [ "$key" != "$(cat "$W/hostkey-$F")" ] || why "both containers have the same host key"
	podman rm -f -v -t 0 "$P-$F-b" >/dev/null
}

c_exit3() {
	local rc
	pm run --rm --name "$P-$F-exit" "$I" sh -c 'exit 3'
	rc=$?
	[ "$rc" = 3 ] || why "exit status $rc, not 3"
}

# Under --init, catatonit is PID 1 and vcinit a subreaper: an orphan of
# the main command is re-parented to vcinit, not to PID 1.
c_init() {
	local out rc
	# shellcheck disable=SC2016
	out=$(pm run --rm --init --name "$P-$F-init" "$I" sh -c '
		sh -c "sleep 5 & echo \$! >/tmp/orphan"
		o=$(cat /tmp/orphan)
		echo "pid1=$(cat /proc/1/comm) vcinit=$PPID orphan_parent=$(cut -d" " -f4 /proc/$o/stat)"
		kill $o; exit 4')
	rc=$?
	echo "$out"
	[ "$rc" = 4 ] || why "exit status $rc, not 4"
	[[ $out =~ pid1=([^ ]+)\ vcinit=([0-9]+)\ orphan_parent=([0-9]+) ]] ||
		why "no report from the main command"
	[ "${BASH_REMATCH[1]}" != vcinit ] || why "vcinit is PID 1 under --init"
	[ "${BASH_REMATCH[2]}" != 1 ] || why "vcinit has pid 1"
	[ "${BASH_REMATCH[3]}" = "${BASH_REMATCH[2]}" ] ||
		why "the orphan went to pid ${BASH_REMATCH[3]}, not to vcinit"
}

# No host key, authorized key or secret in any layer, nor in the config.
c_layers() {
	local base=$1 d=$W/save-$F l ours=0
	mkdir -p "$d"
	podman save -q --format docker-archive -o "$d/image.tar" "$I" ||
		why "podman save failed"
	tar -xf "$d/image.tar" -C "$d" || why "tar failed"
	for l in $(podman image inspect --format '{{range .RootFS.Layers}}{{.}} {{end}}' "$I"); do
		l=${l#sha256:}
		[ -f "$d/$l.tar" ] || why "layer $l missing from the archive"
		if tar -tf "$d/$l.tar" | grep -E 'ssh_host_|authorized_keys|(^|/)etc/vcore/ssh/.|^\.?/?vcore/.'; then
			why "layer $l holds a key or the volume's content"
		fi
		# The layers this image adds over its base: no key material at all.
		if ! podman image inspect --format '{{range .RootFS.Layers}}{{.}} {{end}}' "$base" |
			grep -q "$l"; then
			ours=$((ours + 1))
			# (a PEM header followed by base64, or a public key line:
			# vcsshd's binary holds the headers alone, as constants)
			if tar -xOf "$d/$l.tar" | grep -a -A1 'PRIVATE KEY-----$' |
				grep -a -q -E '^[A-Za-z0-9+/=]{40,}$'; then
				why "layer $l holds a private key"
			fi
			if tar -xOf "$d/$l.tar" |
				grep -a -q -E '(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp[0-9]+) AAAA[A-Za-z0-9+/]{40}'; then
				why "layer $l holds a public key"
			fi
		fi
	done
	[ "$ours" -ge 1 ] || why "found no layer of our own"
	podman image inspect --format '{{.Config.Env}} {{.Config.Cmd}}' "$I" |
		grep -E 'VCORE_AUTHORIZED_KEYS|_SECRET|PASSWORD' && why "a secret in the config"
	podman image inspect --format '{{.HealthCheck.Test}}' "$I" | grep -q 'vcctl health' ||
		why "no HEALTHCHECK"
	echo "$ours layer(s) of our own, clean"
}

# The derived example, built FROM this flavour, configured by -e only.
c_derived() {
	local out n
	pm build -q --format docker --build-arg BASE="$I" -t "localhost/$P-greeter-$F" \
		"$TOP/examples/derived-image" >/dev/null || why "build failed"
	echo secret-value >"$W/secret"
	run_base "$P-$F-g" "localhost/$P-greeter-$F" -v "$P-$F-gvol:/vcore" \
		-e GREETER_NAME=tester -e GREETER_GREETING=Bonjour \
		-v "$W/secret:/run/secrets/greeter:ro" \
		-e GREETER_SECRET_FILE=/run/secrets/greeter || why "run failed"
	wait_login "$P-$F-g" 20 || why "no login"
	wait_for 10 eval 'logs_of "$P-$F-g" | grep -q "^greeter | Bonjour, tester!"' ||
		{ logs_of "$P-$F-g"; why "no greeting from the template's values"; }
	rssh "$P-$F-g" /dev/null 'echo alice >/run/greeter/in' || why "ssh failed"
	wait_for 10 eval 'logs_of "$P-$F-g" | grep -q "^greeter | Bonjour, alice! (greeting 1)"' ||
		{ logs_of "$P-$F-g"; why "no greeting for alice"; }
	out=$(logs_of "$P-$F-g")
	grep -q '^magic/10-greeter | greeter: secret set (12 bytes)' <<<"$out" ||
		why "the hook did not get the secret"
	grep -q 'secret-value' <<<"$out" && why "the secret is in the logs"
	pm healthcheck run "$P-$F-g" || why "not healthy"
	# The count is on the volume: a new container on it goes on counting.
	podman rm -f -v -t 10 "$P-$F-g" >/dev/null
	run_base "$P-$F-g2" "localhost/$P-greeter-$F" -v "$P-$F-gvol:/vcore" \
		-e GREETER_NAME=again || why "second run failed"
	wait_for 20 eval 'logs_of "$P-$F-g2" | grep -q "^greeter | Hello, again! (1 greetings so far)"' ||
		{ logs_of "$P-$F-g2"; why "the count did not survive on the volume"; }
	# Without its required variable the image says so and exits 78.
	pm run --rm --name "$P-$F-g3" "localhost/$P-greeter-$F" >"$W/g3" 2>&1
	n=$?
	grep 'GREETER_NAME' "$W/g3"
	[ "$n" = 78 ] || why "without GREETER_NAME: status $n, not 78"
}

flavour() {
	F=$1 I=$REGISTRY/vcore/$1-base:$VERSION
	local base=$2
	pm image exists "$I" || { check "$F: image $I exists" false; return; }
	check "$F: run with a key by -e, root logs in" c_start
	check "$F: ssh runs a command (TZ by -e)" c_command
	check "$F: sftp and scp a file" c_sftp
	check "$F: zabbix_get agent.ping and vcore.service.discovery" c_zabbix
	check "$F: podman logs shows each service by name" c_logs
	check "$F: healthcheck healthy, unhealthy after vcctl stop" c_health
	check "$F: podman stop -t 10 well within it, status 0, nothing killed" c_stop
	check "$F: restarted container keeps its host key" c_restart_key
	check "$F: a second container gets another host key" c_second_key
	check "$F: run IMAGE sh -c 'exit 3' exits 3" c_exit3
	check "$F: --init: vcinit is a subreaper" c_init
	check "$F: no key or secret in any layer" c_layers "$base"
	check "$F: derived example configured by -e only" c_derived
	podman rm -f -v -t 0 "$P-$F-a" "$P-$F-g2" >/dev/null 2>&1
}

# ---- publishing ----

c_publish() {
	make -s -C "$TOP" --no-print-directory publish REGISTRY="$REGISTRY" \
		IMAGE_BUILDER=localhost/debian:bookworm \
		ALPINE_BASE=localhost/alpine-standin:latest \
		UBUNTU_BASE=localhost/debian:bookworm >"$W/publish.out" 2>&1 ||
		{ tail -n 20 "$W/publish.out"; why "make publish failed"; }
	grep '^push' "$W/publish.out"
	for n in alpine-base ubuntu-base; do
		curl -fsS "http://$REGISTRY/v2/vcore/$n/tags/list" | tee /dev/stderr |
			grep -q "\"$VERSION\"" || why "$n:$VERSION is not in the registry"
	done
}

# A cold pull into an empty store, then the derived example FROM it there.
store() { podman --root "$W/store/root" --runroot "$W/store/run" "$@"; }
c_pull() {
	local n want got
	mkdir -p "$W/store"
	[ -z "$(store images -q)" ] || why "the store is not empty"
	for n in alpine-base ubuntu-base; do
		store pull -q "$REGISTRY/vcore/$n:$VERSION" >/dev/null || why "pull of $n failed"
		want=$(podman image inspect --format '{{.Id}}' "$REGISTRY/vcore/$n:$VERSION")
		got=$(store image inspect --format '{{.Id}}' "$REGISTRY/vcore/$n:$VERSION")
		echo "$n: $got"
		[ "$want" = "$got" ] || why "$n: pulled $got, built $want"
	done
}

c_pulled_derived() {
	local n out
	for n in alpine ubuntu; do
		store build -q --format docker --build-arg BASE="$REGISTRY/vcore/$n-base:$VERSION" \
			-t "localhost/$P-pulled-$n" "$TOP/examples/derived-image" 2> >(grep -v systemd >&2) \
			>/dev/null || why "build FROM the pulled $n-base failed"
		out=$(store run --rm -e GREETER_NAME=pulled "localhost/$P-pulled-$n" \
			cat /etc/greeter/greeter.conf 2> >(grep -v systemd >&2)) || why "run failed"
		grep -qx 'name=pulled' <<<"$out" || why "$n: the template was not rendered"
	done
}

# The Docker CLI against podman's API: `docker build <folder>` as written.
c_docker() {
	local sock=$W/podman.sock rc out
	podman system service --time=0 "unix://$sock" >"$W/service.log" 2>&1 &
	echo $! >"$W/service.pid"
	wait_for 10 test -S "$sock" || why "podman system service did not start"
	export DOCKER_HOST=unix://$sock
	# The base's Dockerfile from the repository root (the builder stage
	# comes from podman's cache), then the derived example's folder.
	docker build -q -f "$TOP/images/alpine-base/Dockerfile" \
		--build-arg BUILDER=localhost/debian:bookworm \
		--build-arg BASE=localhost/alpine-standin:latest \
		-t "localhost/$P-docker-base" "$TOP" || why "docker build of alpine-base failed"
	pm image inspect --format '{{.HealthCheck.Test}}' "localhost/$P-docker-base" |
		grep -q 'vcctl health' || why "the base built by docker has no HEALTHCHECK"
	docker build -q --build-arg BASE="$REGISTRY/vcore/alpine-base:$VERSION" \
		-t "localhost/$P-docker-greeter" "$TOP/examples/derived-image" ||
		why "docker build failed"
	# (no --rm: podman 4.3's API answers 0 for a container it removed)
	docker run --name "$P-docker-exit" -e GREETER_NAME=x \
		"localhost/$P-docker-greeter" sh -c 'exit 3'
	rc=$?
	docker rm -v "$P-docker-exit" >/dev/null
	[ "$rc" = 3 ] || why "docker run ... exit 3: status $rc"
	out=$(docker run --rm --name "$P-docker-g" -e GREETER_NAME=docker \
		"localhost/$P-docker-greeter" cat /etc/greeter/greeter.conf) || why "docker run failed"
	grep -qx 'name=docker' <<<"$out" || why "the template was not rendered"
	kill "$(cat "$W/service.pid")"
	rm -f "$W/service.pid"
}

main() {
	local what="${*:-alpine ubuntu publish docker ldap postgres samba web software user slurm jupyter}" s
	make_network || { echo "could not create the network $NET" >&2; exit 1; }
	for s in $what; do
		case $s in
		alpine) flavour alpine localhost/alpine-standin:latest ;;
		ubuntu) flavour ubuntu localhost/debian:bookworm ;;
		publish)
			check "publish: make publish to $REGISTRY" c_publish
			check "publish: cold pull into an empty store" c_pull
			check "publish: derived example built FROM the pulled images" c_pulled_derived ;;
		docker)
			if [ -x /usr/local/bin/docker ] || command -v docker >/dev/null; then
				check "docker CLI: docker build of a base and of <folder> through podman's API" c_docker
			else
				echo "skip docker CLI: no docker command here (podman alone was used)"
			fi ;;
		ldap | postgres | samba | web | software | user | slurm | jupyter)
			# shellcheck source=/dev/null
			. "$TOP/tests/images/$s.sh"
			"checks_$s" ;;
		*) echo "usage: $0 [alpine] [ubuntu] [publish] [docker] [ldap] [postgres] [samba] [web] [software] [user] [slurm] [jupyter]" >&2
			exit 64 ;;
		esac
	done
	summary
}

main "$@"
