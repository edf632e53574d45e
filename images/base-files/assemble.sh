#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs in the builder stage of images/alpine-base and images/ubuntu-base,
# after `make static`: lays out in OUT every file the runtime stage copies,
# so that both flavours get the same files and the runtime stage needs no
# RUN (no shell or package manager of the base is used). OUT/sbin/ is
# apart because it is copied onto /sbin/, which is a link to usr/sbin on
# merged-/usr bases (Ubuntu, Debian) and a folder on Alpine: copying a
# folder named sbin onto / would replace that link.
# Usage: images/base-files/assemble.sh SRC OUT   (SRC: the repository, built)
set -eu
src=$1
out=$2
here=$src/images/base-files
cache=${VCORE_CACHE:-$HOME/.cache/vcore}

rm -rf "$out"
umask 022

# The programs: vcctl is a link so that non-root users (health, status)
# find it in /usr/bin; vcinit starts vcsshd from its own folder.
install -D -m 755 "$src/build/vcinit" "$out/rootfs/usr/sbin/vcinit"
install -m 755 "$src/build/vcsshd" "$out/rootfs/usr/sbin/vcsshd"
install -D -m 755 "$src/build/sftp-server" \
	"$out/rootfs/usr/libexec/vcore/sftp-server"
mkdir -p "$out/rootfs/usr/bin" "$out/sbin"
ln -s /usr/sbin/vcinit "$out/rootfs/usr/bin/vcctl"
ln -s /usr/sbin/vcinit "$out/sbin/server_run.sh"

# The /etc/vcore skeleton, with the empty folders git does not keep.
mkdir -p "$out/rootfs/etc/vcore"
for d in services.d env.d secrets.d templates magic.d magic.d/once finish.d; do
	mkdir -p "$out/rootfs/etc/vcore/$d"
done
install -m 644 "$here/etc/vcore/vcore.conf" "$here/etc/vcore/persist" \
	"$out/rootfs/etc/vcore/"

# A CA bundle (ubuntu:24.04 has none) at the path both families use.
install -D -m 644 /etc/ssl/certs/ca-certificates.crt \
	"$out/rootfs/etc/ssl/certs/ca-certificates.crt"

# Time zones for TZ (neither ubuntu:24.04 nor alpine:3.22 has them): 1.1 MB
# of the image. Left out: right/ (the same zones with leap seconds, 1.2 MB
# with its tar headers: nothing in a container keeps TAI time) and
# tzdata.zi (zic's source, 114 KB, read by no libc). posix/ is links only.
mkdir -p "$out/rootfs/usr/share"
cp -a /usr/share/zoneinfo "$out/rootfs/usr/share/zoneinfo"
rm -rf "$out/rootfs/usr/share/zoneinfo/right" \
	"$out/rootfs/usr/share/zoneinfo/tzdata.zi"

# The licences of what the static programs contain (DESIGN: Images).
lic=$out/rootfs/usr/share/licenses/vcore
mkdir -p "$lic"
install -m 644 "$src/LICENSE" "$lic/vcore"
install -m 644 /usr/share/doc/musl/copyright "$lic/musl"
install -m 644 "$cache/build/zlib/LICENSE" "$lic/zlib"
install -m 644 "$cache/build/confuse/LICENSE" "$lic/libconfuse"
install -m 644 "$cache/build/mbedtls/LICENSE" "$lic/mbedtls"
install -m 644 "$cache/build/libssh/COPYING" "$lic/libssh"
install -m 644 "$cache/build/openssh/LICENCE" "$lic/openssh-sftp-server"
cat >"$lic/README" <<'EOF'
vcinit and vcsshd are vcore (ISC), statically linked with musl (MIT),
libconfuse (ISC) and zlib (zlib); vcsshd also with libssh (LGPL-2.1: the
vcore source tree, which builds these programs with `make static`, is the
offer to relink) and mbedTLS (Apache-2.0). sftp-server is OpenSSH's,
built statically with musl. deps.pins names their versions and sources.
EOF
install -m 644 "$src/deps.pins" "$lic/deps.pins"

# Every file root's, whatever the builder's umask and owner.
chown -R 0:0 "$out"
