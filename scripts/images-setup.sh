#!/bin/bash
# SPDX-License-Identifier: ISC
# Takes a Debian or Ubuntu machine with no Docker engine and no reachable
# container registry to "podman can build and run the images' Dockerfiles":
# podman with runc, the containers.conf these machines need, a local Debian
# base (localhost/debian:bookworm, from debootstrap), a busybox + musl
# stand-in for Alpine (localhost/alpine-standin), and Debian's
# docker-registry on 127.0.0.1:5000 for publishing. Every step checks first,
# so a second run takes about a second. Used by make images, check-images,
# bench-images and publish (see images/module.mk and
# ../shared/notes/images.md for why each step is there).
# Usage: scripts/images-setup.sh [podman] [bases] [registry]   (default: all)
# Environment: DEBIAN_MIRROR (default: the URIs of apt's Debian sources),
# VCORE_IMAGES_VAR (default /var/tmp/vcore-images: rootfs, registry data).
set -u

var=${VCORE_IMAGES_VAR:-/var/tmp/vcore-images}
export DEBIAN_FRONTEND=noninteractive

say() { echo "images-setup: $*" >&2; }
die() { say "$*"; exit 1; }

# The Debian mirror apt uses here, never a hard-coded host (same rule as
# scripts/static-deps.sh).
debian_mirror() {
	local f
	if [ -n "${DEBIAN_MIRROR:-}" ]; then
		echo "$DEBIAN_MIRROR"
		return
	fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' "$f"
	done | head -n 1 | grep . && return
	[ -r /etc/apt/sources.list ] &&
		awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' \
			/etc/apt/sources.list
}

# Packages must not start daemons on this machine (docker-registry would
# listen on every interface with its packaged config).
no_daemons() {
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
	fi
}

# Recommends are kept for podman on purpose: they bring netavark,
# aardvark-dns, iptables, fuse-overlayfs and catatonit (for --init).
install_packages() {
	local want="podman runc catatonit debootstrap docker-registry busybox-static
		musl curl openssh-client" missing="" p st
	for p in $want; do
		st=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null)
		case $st in *" installed") ;; *) missing="$missing $p" ;; esac
	done
	[ -z "$missing" ] && return 0
	say "installing$missing"
	no_daemons
	apt-get update -qq || say "apt-get update failed; trying anyway"
	# shellcheck disable=SC2086
	apt-get install -y -qq $missing >/var/tmp/vcore-images-apt.log 2>&1 ||
		die "apt-get install$missing failed: see /var/tmp/vcore-images-apt.log"
	# The packaged registry service must not run: ours is loopback-only.
	if [ -d /run/systemd/system ]; then
		systemctl disable --now docker-registry >/dev/null 2>&1 || true
	fi
}

# Root on these machines may not raise resource limits, and crun fails on
# their hybrid cgroup layout: without these lines no container starts
# ("error setting rlimit type 7: operation not permitted").
write_containers_conf() {
	local conf=/etc/containers/containers.conf want
	want=$(cat <<'CONF'
# Written by vcore's scripts/images-setup.sh.
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[containers]
# Root here may not raise limits: podman's defaults (nofile=1048576,
# nproc=4194304) make every container fail; these are the hard limits.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
log_driver = "k8s-file"
CONF
)
	mkdir -p /etc/containers/registries.conf.d
	if [ ! -e "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
		[ -e "$conf" ] && ! grep -q images-setup "$conf" &&
			cp "$conf" "$conf.orig"
		printf '%s\n' "$want" >"$conf"
	fi
	# The local registry speaks plain HTTP.
	printf '[[registry]]\nlocation = "127.0.0.1:5000"\ninsecure = true\n' \
		>/etc/containers/registries.conf.d/vcore-local.conf
}

# localhost/debian:bookworm, with the apt settings of Docker's official
# images (without them each apt-get update layer keeps 78 MB of caches).
debian_base() {
	local rootfs="$var/debian-bookworm-rootfs" mirror
	podman image exists localhost/debian:bookworm && return 0
	mirror=$(debian_mirror)
	[ -n "$mirror" ] || die "no Debian mirror in apt's sources; set DEBIAN_MIRROR"
	say "debootstrap bookworm from $mirror (about 30 s)"
	rm -rf "$rootfs"
	mkdir -p "$var"
	debootstrap --variant=minbase bookworm "$rootfs" "$mirror" \
		>"$var/debootstrap.log" 2>&1 ||
		die "debootstrap failed: see $var/debootstrap.log"
	printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' \
		"$mirror" "$mirror" >"$rootfs/etc/apt/sources.list"
	cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
	printf 'Acquire::Languages "none";\n' \
		>"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
	printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
	chmod 755 "$rootfs/usr/sbin/policy-rc.d"
	rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
		"$rootfs"/var/lib/apt/lists/*
	tar -C "$rootfs" -c . | podman import -q --change 'CMD ["/bin/bash"]' \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		- localhost/debian:bookworm >/dev/null ||
		die "podman import of the Debian rootfs failed"
	rm -rf "$rootfs"
}

# No Alpine rootfs or apk can be had here: Debian's busybox-static and the
# musl loader at Alpine's paths, with no glibc shared object, stand in.
alpine_standin() {
	local rootfs="$var/alpine-standin-rootfs"
	podman image exists localhost/alpine-standin:latest && return 0
	say "building the busybox + musl stand-in for Alpine"
	rm -rf "$rootfs"
	mkdir -p "$rootfs"
	(
		cd "$rootfs" || exit 1
		mkdir -p bin sbin usr/bin usr/sbin lib etc root tmp proc sys \
			dev run var/run var/log var/tmp home
		chmod 1777 tmp var/tmp
		chmod 700 root
		cp /bin/busybox bin/busybox
		chroot "$rootfs" /bin/busybox --install -s
		cp "$(readlink -f /lib/ld-musl-x86_64.so.1)" lib/ld-musl-x86_64.so.1
		ln -s ld-musl-x86_64.so.1 lib/libc.musl-x86_64.so.1
		printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n' >etc/passwd
		printf 'root:x:0:\nnogroup:x:65534:\n' >etc/group
		printf 'root:*::0:::::\nnobody:!::0:::::\n' >etc/shadow
		chmod 640 etc/shadow
		printf 'NAME="vcore busybox+musl stand-in (NOT Alpine)"\nID=busybox-standin\nID_LIKE=alpine\n' >etc/os-release
		printf '/bin/sh\n' >etc/shells
	) || die "could not assemble $rootfs"
	tar -C "$rootfs" -c . | podman import -q --change 'CMD ["/bin/sh"]' \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		- localhost/alpine-standin:latest >/dev/null ||
		die "podman import of the stand-in failed"
	rm -rf "$rootfs"
}

# Debian's docker-registry, loopback only and without auth (its packaged
# config listens everywhere with passwords), in the background.
registry() {

	curl -fsS -m 2 http://127.0.0.1:5000/v2/ >/dev/null 2>&1 && return 0
	mkdir -p "$var/registry"
	cat >"$var/registry.yml" <<YML
version: 0.1
log: {level: warn}
storage:
  cache: {blobdescriptor: inmemory}
  filesystem: {rootdirectory: $var/registry}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:5000
YML
	setsid docker-registry serve "$var/registry.yml" \
		>"$var/registry.log" 2>&1 </dev/null &
	echo $! >"$var/registry.pid"
	for _ in $(seq 50); do		# up to 5 s
		curl -fsS -m 1 http://127.0.0.1:5000/v2/ >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "the registry did not answer on 127.0.0.1:5000: see $var/registry.log"
}

main() {
	local steps="${*:-podman bases registry}" s
	[ "$(id -u)" -eq 0 ] || die "run as root (podman here runs rootful)"
	command -v dpkg-query >/dev/null ||
		die "this script knows apt only; install podman, runc and docker-registry by hand"
	install_packages
	write_containers_conf
	for s in $steps; do
		case $s in
		podman) ;;
		bases) debian_base; alpine_standin ;;
		registry) registry ;;
		*) die "unknown step $s" ;;
		esac
	done
}

main "$@"
