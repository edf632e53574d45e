#!/bin/sh
# SPDX-License-Identifier: ISC
# Downloads the pinned third-party sources of deps.pins, checks their sha256
# and builds them with musl-gcc into a cache outside the repository, so that
# `make static` links vcinit and vcsshd statically. A package already built at
# its pinned version is not built again.
# Usage: scripts/static-deps.sh PREFIX PACKAGE...   (zlib confuse mbedtls libssh openssh)
# Environment: VCORE_CACHE (default ~/.cache/vcore), DEBIAN_MIRROR (default:
# the URIs of apt's Debian sources on this machine).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/deps.pins"
prefix=$1; shift
cache=${VCORE_CACHE:-$HOME/.cache/vcore}
mkdir -p "$cache/src" "$prefix"
export CC=musl-gcc
jobs=$(nproc 2>/dev/null || echo 2)

debian_mirror() {
	[ -n "${DEBIAN_MIRROR:-}" ] && { echo "$DEBIAN_MIRROR"; return; }
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' "$f" && return
	done | head -n 1
	[ -r /etc/apt/sources.list ] &&
		awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list
}

# fetch NAME: prints the path of a verified tarball of NAME (ZLIB, CONFUSE...)
fetch() {
	name=$1
	eval "version=\$${name}_VERSION"
	mirror=$(debian_mirror | head -n 1)
	for i in 1 2 3; do
		eval "url=\${${name}_URL$i:-}; sum=\${${name}_SHA$i:-}"
		[ -n "$url" ] || continue
		case $url in
		@DEBIAN@*)
			[ -n "$mirror" ] || { echo "static-deps: no Debian mirror known for $url" >&2; continue; }
			url="${mirror%/}${url#@DEBIAN@}" ;;
		esac
		out="$cache/src/$(echo "$name-$version-$i" | tr 'A-Z' 'a-z').${url##*.}"
		if [ -f "$out" ] && echo "$sum  $out" | sha256sum -c --status; then
			echo "$out"; return 0
		fi
		echo "static-deps: fetching $url" >&2
		if curl -fsSL --connect-timeout 10 --max-time 600 -o "$out.tmp" "$url" 2>/dev/null &&
		   echo "$sum  $out.tmp" | sha256sum -c --status; then
			mv "$out.tmp" "$out"; echo "$out"; return 0
		fi
		rm -f "$out.tmp"
		echo "static-deps: $url: unreachable or wrong sha256, trying the next source" >&2
	done
	echo "static-deps: no source of $name $version could be fetched and verified" >&2
	return 1
}

# unpack TARBALL DIR: a fresh tree in DIR, whatever the top folder is called
unpack() {
	rm -rf "$2"; mkdir -p "$2"
	tar -xf "$1" -C "$2" --strip-components=1
}

stamp_ok() { [ -f "$prefix/.built-$1" ] && [ "$(cat "$prefix/.built-$1")" = "$2" ]; }
stamp() { echo "$2" >"$prefix/.built-$1"; }

build_zlib() {
	stamp_ok zlib "$ZLIB_VERSION-nobraid" && return 0
	t=$(fetch ZLIB); d="$cache/build/zlib"; unpack "$t" "$d"
	# Z_TESTW empty: the byte-wise CRC-32 without the 8 KB braid tables
	# (vcore computes CRCs only for gzipped log rotations).
	(cd "$d" && CFLAGS="-Os -ffunction-sections -fdata-sections -DZ_TESTW=" \
		./configure --static --prefix="$prefix" >/dev/null &&
		make -s -j"$jobs" libz.a >/dev/null && make -s install >/dev/null)
	stamp zlib "$ZLIB_VERSION-nobraid"
}

build_confuse() {
	stamp_ok confuse "$CONFUSE_VERSION-smallbuf" && return 0
	t=$(fetch CONFUSE); d="$cache/build/confuse"; unpack "$t" "$d"
	# The lexer's 16 KB buffer, allocated and freed for every file,
	# becomes an mmap and a munmap each time with musl's allocator: with
	# 2 KB buffers, vcinit reads 100 service files in a third of the time.
	(cd "$d" &&
		{ [ -x configure ] || autoreconf -fi >/dev/null 2>&1; } &&
		CFLAGS="-Os -ffunction-sections -fdata-sections -DYY_BUF_SIZE=2048 -DYY_READ_BUF_SIZE=1024" ./configure \
			--prefix="$prefix" --enable-static --disable-shared \
			--disable-nls --disable-examples >/dev/null &&
		make -s -C src -j"$jobs" >/dev/null && make -s -C src install >/dev/null &&
		mkdir -p "$prefix/include" && cp src/confuse.h "$prefix/include/")
	stamp confuse "$CONFUSE_VERSION-smallbuf"
}

# cmake takes its initial C flags from CFLAGS (set below for each build).
cmake_common() {
	echo -DCMAKE_C_COMPILER=musl-gcc -DCMAKE_BUILD_TYPE=MinSizeRel \
		-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib
}
export CFLAGS="-ffunction-sections -fdata-sections"

# A compiler launcher that builds the hot loops of the SSH crypto at -O2
# (the last -O wins): libssh's reference curve25519/ed25519, which it uses
# with mbedTLS, and mbedTLS's chacha20/poly1305. At -Os they cost vcsshd
# about a third more CPU per login and bulk throughput; -O2 everywhere would
# add 40 KB to the binary.
o2_launcher() {
	cat >"$1" <<'SH'
#!/bin/sh
case "$*" in
*external/*25519*|*library/chacha20.c*|*library/poly1305.c*) exec "$@" -O2 ;;
esac
exec "$@"
SH
	chmod 755 "$1"
}

build_mbedtls() {
	stamp_ok mbedtls "$MBEDTLS_VERSION-o2" && return 0
	t=$(fetch MBEDTLS); d="$cache/build/mbedtls"; unpack "$t" "$d"
	# libssh's crypto initialisation fails without mbedTLS's threading layer.
	sed -i 's|^//#define MBEDTLS_THREADING_C$|#define MBEDTLS_THREADING_C|;
		s|^//#define MBEDTLS_THREADING_PTHREAD$|#define MBEDTLS_THREADING_PTHREAD|' \
		"$d/include/mbedtls/mbedtls_config.h"
	o2_launcher "$d/o2-launcher"
	# shellcheck disable=SC2046
	(cd "$d" && cmake -S . -B build $(cmake_common) -DENABLE_TESTING=OFF \
		-DCMAKE_C_COMPILER_LAUNCHER="$d/o2-launcher" \
		-DENABLE_PROGRAMS=OFF -DGEN_FILES=OFF -DMBEDTLS_FATAL_WARNINGS=OFF \
		-DUSE_SHARED_MBEDTLS_LIBRARY=OFF -DUSE_STATIC_MBEDTLS_LIBRARY=ON >/dev/null &&
		cmake --build build -j"$jobs" >/dev/null && cmake --install build >/dev/null)
	stamp mbedtls "$MBEDTLS_VERSION-o2"
}

build_libssh() {
	stamp_ok libssh "$LIBSSH_VERSION-o2-nozlib" && return 0
	build_zlib; build_mbedtls
	t=$(fetch LIBSSH); d="$cache/build/libssh"; unpack "$t" "$d"
	# The FIND_ROOT_PATH options keep cmake from picking the host's glibc zlib.
	o2_launcher "$d/o2-launcher"
	# WITH_ZLIB=OFF: vcsshd turns compression off (zlib is 40 KB of it).
	# shellcheck disable=SC2046
	(cd "$d" && cmake -S . -B build $(cmake_common) -DCMAKE_PREFIX_PATH="$prefix" \
		-DCMAKE_C_COMPILER_LAUNCHER="$d/o2-launcher" \
		-DCMAKE_FIND_ROOT_PATH="$prefix" -DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY \
		-DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY -DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=ONLY \
		-DBUILD_SHARED_LIBS=OFF -DWITH_MBEDTLS=ON -DWITH_ZLIB=OFF -DWITH_SERVER=ON \
		-DWITH_SFTP=OFF -DWITH_GSSAPI=OFF -DWITH_EXAMPLES=OFF -DWITH_PCAP=OFF \
		-DWITH_DEBUG_CALLTRACE=OFF -DWITH_SYMBOL_VERSIONING=OFF -DWITH_NACL=OFF \
		-DUNIT_TESTING=OFF -DCLIENT_TESTING=OFF -DSERVER_TESTING=OFF >/dev/null &&
		cmake --build build -j"$jobs" >/dev/null && cmake --install build >/dev/null)
	stamp libssh "$LIBSSH_VERSION-o2-nozlib"
}

# OpenSSH's sftp-server only, static with musl, no OpenSSL and no zlib.
build_openssh() {
	stamp_ok openssh "$OPENSSH_VERSION" && [ -x "$prefix/libexec/sftp-server" ] && return 0
	t=$(fetch OPENSSH); d="$cache/build/openssh"; unpack "$t" "$d"
	(cd "$d" && CFLAGS="-Os" LDFLAGS="-static" ./configure --without-openssl \
		--without-zlib --without-pam --without-selinux --with-sandbox=no \
		--prefix="$prefix" >/dev/null &&
		make -s -j"$jobs" sftp-server >/dev/null &&
		mkdir -p "$prefix/libexec" && strip -o "$prefix/libexec/sftp-server" sftp-server)
	stamp openssh "$OPENSSH_VERSION"
}

for p in "$@"; do
	"build_$p"
done
