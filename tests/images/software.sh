# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# The software image (images/software) as an administrator runs it: the
# LDAP users of the ldap image (tests/images/ldap.sh: ldap_ensure) seen by
# glibc's programs and by a static musl program (as vcsshd sees them),
# Lmod with a modulefile on the /opt/software volume, the compilers, MPI
# and Python; bad settings and an LDAP server that is not there. Sourced by
# tests/images/run.sh after lib.sh (and by tests/images/user.sh).
# The image's SLURM services are H2's: SLURM_MODE=off keeps them out here.

SW_IMAGE=$REGISTRY/vcore/software:$VERSION
if ! declare -F ldap_ensure >/dev/null; then
	# shellcheck source=tests/images/ldap.sh
	. "$TOP/tests/images/ldap.sh"
fi

# sw_run NAME IMAGE [PODMAN RUN OPTIONS...]: a container of IMAGE (software
# or an image built on it) as an administrator of the stack starts one:
# LDAP by LDAP_DOMAIN, the CA from the shared volume, the site's software
# on the volume $P-software, homes on $P-home.
sw_run() {
	local name=$1 image=$2; shift 2
	run_base "$name" "$image" -e LDAP_DOMAIN=example.org -e SLURM_MODE=off \
		-v "$P-shared:/vcore-shared:ro" -v "$P-software:/opt/software" \
		-v "$P-home:/home" "$@"
}

# sw_state NAME SERVICE: SERVICE's state in container NAME (vcctl status).
sw_state() {
	podman exec "$1" vcctl status 2>/dev/null | awk -v s="$2" '$1 == s {print $2}'
}

# sw_up NAME SERVICE: SERVICE is up in container NAME.
sw_up() { [ "$(sw_state "$1" "$2")" = up ]; }

# sw_ldap_up NAME SECONDS: nslcd and unscd up in NAME within SECONDS.
sw_ldap_up() {
	wait_for "$2" sw_up "$1" unscd && sw_up "$1" nslcd
}

# sw_modulefile VOLUME: a modulefile hello/1.0 on the software volume
# VOLUME (in modules/, as MODULEPATH's default wants it), written from a
# throw-away container as a site administrator would.
sw_modulefile() {
	pm run --rm -v "$1:/opt/software" --entrypoint sh "$SW_IMAGE" -c '
		mkdir -p /opt/software/modules/hello /opt/software/hello/1.0/bin &&
		printf "#!/bin/sh\necho hello from the shared volume\n" \
			>/opt/software/hello/1.0/bin/hello-vcore &&
		chmod 755 /opt/software/hello/1.0/bin/hello-vcore &&
		cat >/opt/software/modules/hello/1.0.lua <<EOF
whatis("A test module on the /opt/software volume")
prepend_path("PATH", "/opt/software/hello/1.0/bin")
setenv("HELLO_VCORE", "1.0")
EOF'
}

# sw_musl_lookup: $W/musl-lookup, a static musl program that prints
# "NAME UID GID HOME" for a user and "GROUP GID" for a group by name, as
# vcsshd finds them (musl asks nscd's socket for what /etc/passwd lacks).
sw_musl_lookup() {
	[ -x "$W/musl-lookup" ] && return 0
	command -v musl-gcc >/dev/null || { echo "no musl-gcc (scripts/deps.sh static)"; return 1; }
	cat >"$W/musl-lookup.c" <<'EOF'
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-g") == 0) {
		struct group *g = getgrnam(argv[2]);

		if (g == NULL) {
			return 2;
		}
		printf("%s %u\n", g->gr_name, (unsigned)g->gr_gid);
		return 0;
	}
	if (argc == 2) {
		struct passwd *p = getpwnam(argv[1]);

		if (p == NULL) {
			return 2;
		}
		printf("%s %u %u %s\n", p->pw_name, (unsigned)p->pw_uid,
		    (unsigned)p->pw_gid, p->pw_dir);
		return 0;
	}
	return 64;
}
EOF
	musl-gcc -static -O2 -o "$W/musl-lookup" "$W/musl-lookup.c"
}

# ---- the checks ----

c_sw_start() {
	ldap_ensure || why "the ldap container is not up (tests/images/ldap.sh)"
	sw_modulefile "$P-software" || why "could not write the modulefile"
	sw_run "$P-sw" "$SW_IMAGE" || why "podman run failed"
	sw_ldap_up "$P-sw" 60 || { logs_of "$P-sw" | tail -n 30; podman exec "$P-sw" vcctl status; why "nslcd and unscd not up within 60 s"; }
	logs_of "$P-sw" | grep 'ldap-client:\|nslcd\|unscd' | head -n 20
}

c_sw_getent() {
	local out
	out=$(podman exec "$P-sw" sh -c 'getent passwd alice; getent group research; id alice') ||
		why "getent or id failed"
	echo "$out"
	grep -q '^alice:[^:]*:5001:5000:' <<<"$out" || why "getent passwd alice: not uid 5001 gid 5000"
	grep -q '^research:[^:]*:5000:' <<<"$out" || why "getent group research: not gid 5000"
	grep -q '^uid=5001(alice) gid=5000(research)' <<<"$out" || why "id alice"
	# ldapsearch with /etc/ldap/ldap.conf alone (StartTLS with -ZZ), as
	# any user of the container.
	out=$(podman exec --user 65534 "$P-sw" ldapsearch -x -ZZ -LLL '(uid=bob)' uidNumber) ||
		why "ldapsearch as nobody with ldap.conf failed"
	echo "$out"
	grep -qx 'uidNumber: 5002' <<<"$out" || why "ldapsearch: bob not found"
}

# The static musl program finds alice and research through unscd, and
# not while unscd is stopped: that is the path vcsshd takes.
c_sw_musl() {
	local out
	sw_musl_lookup || why "could not build the static musl program"
	podman cp "$W/musl-lookup" "$P-sw:/tmp/musl-lookup" || why "podman cp failed"
	out=$(podman exec "$P-sw" sh -c '/tmp/musl-lookup alice && /tmp/musl-lookup -g research') ||
		why "the musl program did not find alice or research"
	echo "$out"
	grep -qx 'alice 5001 5000 /home/alice' <<<"$out" || why "alice: $out"
	grep -qx 'research 5000' <<<"$out" || why "research: $out"
	podman exec "$P-sw" vcctl stop unscd >/dev/null || why "vcctl stop unscd failed"
	if podman exec "$P-sw" /tmp/musl-lookup alice; then
		podman exec "$P-sw" vcctl start unscd >/dev/null
		why "musl found alice without unscd: this check proves nothing"
	fi
	podman exec "$P-sw" vcctl start unscd >/dev/null || why "vcctl start unscd failed"
	podman exec "$P-sw" /tmp/musl-lookup alice || why "not found again after unscd's restart"
}

# module avail lists the volume's modulefile in a login shell of an LDAP
# user (the container's own variables are not in it) and of root.
c_sw_module() {
	local out
	out=$(podman exec --user 5001:5000 -e HOME=/tmp "$P-sw" env -i HOME=/tmp \
		PATH=/usr/bin:/bin bash -lc 'module avail 2>&1; module load hello && hello-vcore && echo "HELLO_VCORE=$HELLO_VCORE"') ||
		{ echo "$out"; why "module avail or load failed"; }
	echo "$out"
	grep -q '/opt/software/modules' <<<"$out" || why "/opt/software/modules is not listed"
	grep -q 'hello/1.0' <<<"$out" || why "hello/1.0 is not listed"
	grep -qx 'hello from the shared volume' <<<"$out" || why "the module's program did not run"
	grep -qx 'HELLO_VCORE=1.0' <<<"$out" || why "the module's variable is not set"
	out=$(podman exec "$P-sw" bash -lc 'module -t avail 2>&1') || why "module as root failed"
	grep -q 'hello/1.0' <<<"$out" || why "root: hello/1.0 is not listed"
}

# C, Fortran and MPI programs built and run as alice; mpirun starts two
# ranks that each report.
c_sw_compile() {
	local out
	# shellcheck disable=SC2016
	out=$(podman exec --user 5001:5000 -e HOME=/tmp -w /tmp "$P-sw" sh -c '
		set -e
		d=$(mktemp -d) && cd "$d"
		printf "#include <stdio.h>\nint main(void) { puts(\"c ok\"); return 0; }\n" >c.c
		gcc -o c c.c && ./c
		printf "program f\n  print \"(a)\", \"fortran ok\"\nend program f\n" >f.f90
		gfortran -o f f.f90 && ./f
		cat >m.c <<EOF
#include <mpi.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	int rank, size;
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	printf("rank %d of %d\n", rank, size);
	MPI_Finalize();
	return 0;
}
EOF
		mpicc -o m m.c
		mpirun --oversubscribe -np 2 ./m
		cd / && rm -rf "$d"' 2>&1) || { echo "$out"; why "a build or run failed"; }
	echo "$out"
	grep -qx 'c ok' <<<"$out" || why "gcc"
	grep -qx 'fortran ok' <<<"$out" || why "gfortran"
	grep -qx 'rank 0 of 2' <<<"$out" || why "mpirun: no rank 0 of 2"
	grep -qx 'rank 1 of 2' <<<"$out" || why "mpirun: no rank 1 of 2"
}

c_sw_python() {
	local out
	out=$(podman exec --user 5001:5000 "$P-sw" python3 -c '
import numpy, scipy, scipy.linalg
a = numpy.array([[2.0, 1.0], [1.0, 3.0]])
print("numpy", numpy.__version__, "scipy", scipy.__version__)
print("det", round(float(scipy.linalg.det(a)), 6))') || why "python3 failed"
	echo "$out"
	grep -qx 'det 5.0' <<<"$out" || why "numpy/scipy gave a wrong answer"
}

# LDAP_URI set (the default) without a base: 78 naming both variables.
c_sw_required() {
	local out rc
	out=$(pm run --rm --name "$P-sw-nobase" -e SLURM_MODE=off "$SW_IMAGE" true 2>&1)
	rc=$?
	echo "$out" | tail -n 5
	[ "$rc" = 78 ] || why "exit status $rc, not 78"
	grep -q 'LDAP_BASE_DN or LDAP_DOMAIN is required' <<<"$out" ||
		why "LDAP_BASE_DN and LDAP_DOMAIN not named"
	out=$(pm run --rm --name "$P-sw-badtls" -e SLURM_MODE=off -e LDAP_DOMAIN=example.org \
		-e LDAP_STARTTLS=maybe "$SW_IMAGE" true 2>&1)
	rc=$?
	echo "$out" | tail -n 3
	[ "$rc" = 78 ] || why "LDAP_STARTTLS=maybe: exit status $rc, not 78"
	grep -q 'LDAP_STARTTLS must be true or false' <<<"$out" || why "LDAP_STARTTLS not named"
	# LDAP_URI= turns the client off: no base needed, the services are off.
	out=$(pm run --rm --name "$P-sw-off" -e SLURM_MODE=off -e LDAP_URI= "$SW_IMAGE" \
		sh -c 'vcctl status' 2>&1)
	rc=$?
	echo "$out" | tail -n 8
	[ "$rc" = 0 ] || why "LDAP_URI=: exit status $rc"
	grep -q 'ldap-client: off' <<<"$out" || why "no 'off' line"
	grep -q '^nslcd .*disabled' <<<"$out" || why "nslcd is not off by policy"
}

# The CA is not published (yet): the boot says so, nslcd waits for it,
# lookups of LDAP users fail at once instead of hanging, root still logs in.
c_sw_no_ca() {
	local out rc
	sw_run "$P-sw-noca" "$SW_IMAGE" -e LDAP_CA_FILE=/vcore-shared/absent.pem ||
		why "podman run failed"
	wait_login "$P-sw-noca" 30 || why "no root login"
	out=$(logs_of "$P-sw-noca")
	grep 'ldap-client' <<<"$out"
	grep -q 'the CA file /vcore-shared/absent.pem is not there yet: nslcd waits for it' <<<"$out" ||
		why "no log line naming the missing CA"
	[ "$(sw_state "$P-sw-noca" nslcd)" = waiting ] || { podman exec "$P-sw-noca" vcctl status; why "nslcd is not waiting"; }
	podman exec "$P-sw-noca" vcctl status | grep '^nslcd'
	podman exec "$P-sw-noca" timeout 20 getent passwd alice
	rc=$?
	[ "$rc" = 2 ] || why "getent passwd alice: status $rc, not 2 (124: it hung)"
	podman rm -f -v -t 0 "$P-sw-noca" >/dev/null
}

# The LDAP server does not answer (its name does not resolve, as when its
# container is stopped): nslcd says so in the log, lookups fail within
# nslcd's bounds, root still logs in.
c_sw_ldap_down() {
	local out rc
	sw_run "$P-sw-down" "$SW_IMAGE" -e LDAP_URI=ldap://ldap-down || why "podman run failed"
	sw_ldap_up "$P-sw-down" 30 || { podman exec "$P-sw-down" vcctl status; why "nslcd and unscd not up"; }
	podman exec "$P-sw-down" timeout 30 getent passwd alice
	rc=$?
	[ "$rc" = 2 ] || why "getent passwd alice: status $rc, not 2 (124: it hung)"
	podman exec "$P-sw-down" timeout 30 id alice
	rc=$?
	[ "$rc" = 1 ] || why "id alice: status $rc, not 1 (124: it hung)"
	wait_for 10 eval 'logs_of "$P-sw-down" | grep -q "^nslcd | .*ldap://ldap-down"' ||
		{ logs_of "$P-sw-down" | tail -n 20; why "nslcd logged nothing about ldap://ldap-down"; }
	out=$(logs_of "$P-sw-down")
	grep '^nslcd | ' <<<"$out" | head -n 5
	wait_login "$P-sw-down" 20 || why "no root login"
	podman rm -f -v -t 0 "$P-sw-down" >/dev/null
}

# A bind DN with its password from a secret file: nslcd binds with it
# (0640 root:nslcd), the SSH key lookup's copy is for uid 10051 only, and
# the password is in no log.
c_sw_bind() {
	local out
	printf 'adminpw\n' >"$W/ldap-bindpw"
	sw_run "$P-sw-bind" "$SW_IMAGE" -e LDAP_BIND_DN="cn=admin,$LDAP_BASE" \
		-e LDAP_BIND_PASSWORD_FILE=/run/secrets/ldapbind \
		-v "$W/ldap-bindpw:/run/secrets/ldapbind:ro" || why "podman run failed"
	sw_ldap_up "$P-sw-bind" 60 || { podman exec "$P-sw-bind" vcctl status; why "nslcd and unscd not up"; }
	out=$(podman exec "$P-sw-bind" sh -c 'getent passwd alice &&
		stat -c "%a %U:%G %n" /etc/nslcd.conf &&
		stat -c "%a %U:%g %n" /etc/ldap/vcore-ldap.bindpw &&
		grep -c "^bindpw adminpw$" /etc/nslcd.conf &&
		grep "^binddn" /etc/nslcd.conf /etc/ldap/vcore-ldap.conf') ||
		{ echo "$out"; why "getent or the files"; }
	echo "$out"
	grep -q '^alice:[^:]*:5001:5000:' <<<"$out" || why "alice not found with the bind DN"
	grep -qx '640 root:nslcd /etc/nslcd.conf' <<<"$out" || why "nslcd.conf is not 0640 root:nslcd"
	grep -qx '640 root:10051 /etc/ldap/vcore-ldap.bindpw' <<<"$out" || why "the key lookup's copy is not 0640 root:10051"
	logs_of "$P-sw-bind" | grep -q adminpw && why "the password is in the log"
	podman exec "$P-sw-bind" sh -c 'env; cat /proc/$(pgrep -x nslcd)/environ' | grep -q adminpw &&
		why "the password is in an environment"
	podman rm -f -v -t 0 "$P-sw-bind" >/dev/null
}

checks_software() {
	pm image exists "$SW_IMAGE" || { check "software: image $SW_IMAGE exists" false; return; }
	check "software: starts with LDAP (ldap_ensure), nslcd and unscd up" c_sw_start
	check "software: getent/id show alice uid 5001 gid 5000; ldapsearch with ldap.conf as nobody" c_sw_getent
	check "software: a static musl program finds alice through unscd (as vcsshd), not without it" c_sw_musl
	check "software: module avail lists a modulefile on the /opt/software volume (LDAP user, root)" c_sw_module
	check "software: gcc, gfortran, mpicc build; mpirun runs 2 ranks (as alice)" c_sw_compile
	check "software: python3 imports numpy and scipy" c_sw_python
	check "software: no LDAP_BASE_DN/LDAP_DOMAIN: 78 naming them; bad LDAP_STARTTLS: 78; LDAP_URI= turns LDAP off" c_sw_required
	check "software: CA missing: a log line names it, nslcd waits, getent does not hang" c_sw_no_ca
	check "software: LDAP server down: nslcd logs it, getent and id fail without hanging" c_sw_ldap_down
	check "software: LDAP_BIND_DN with LDAP_BIND_PASSWORD_FILE: lookups bind, files 0640, no password in logs" c_sw_bind
	common_checks software "$P-sw" nslcd unscd
}
