# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# The ldap image (images/ldap) as an administrator runs it, with the real
# clients (ldapsearch, ldapwhoami) in other containers of the image on $NET
# and openssl on the host: sourced by tests/images/run.sh after lib.sh.
# Other image tests source it too for ldap_ensure: a running directory
# `ldap` on $NET (example.org, admin password adminpw, users alice and bob)
# whose CA is on the volume $P-shared.

LDAP_IMAGE=${LDAP_IMAGE:-$REGISTRY/vcore/ldap:$VERSION}
LDAP_BASE=dc=example,dc=org
LDAP_LDAPI=ldapi://%2Frun%2Fslapd%2Fldapi

# ldap_ssha PASSWORD: its {SSHA} form (salted SHA-1, as slappasswd makes).
ldap_ssha() {
	local salt
	salt=$(openssl rand -hex 4)
	printf '{SSHA}%s\n' "$({ printf '%s%s' "$1" "$salt" |
		openssl dgst -sha1 -binary; printf '%s' "$salt"; } | base64 -w 0)"
}

# ldap_seed FILE: the tests' people and group; alice's SSH key pair is
# $W/alice_id (made once), her public key an sshPublicKey value.
ldap_seed() {
	[ -f "$W/alice_id" ] ||
		ssh-keygen -q -t ed25519 -N '' -C alice@example.org -f "$W/alice_id" ||
		return 1
	cat >"$1" <<EOF
dn: cn=research,ou=groups,$LDAP_BASE
objectClass: posixGroup
cn: research
gidNumber: 5000
memberUid: alice
memberUid: bob

dn: uid=alice,ou=people,$LDAP_BASE
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: ldapPublicKey
uid: alice
cn: Alice Example
sn: Example
uidNumber: 5001
gidNumber: 5000
homeDirectory: /home/alice
loginShell: /bin/bash
userPassword: $(ldap_ssha alicepw)
sshPublicKey: $(cat "$W/alice_id.pub")

dn: uid=bob,ou=people,$LDAP_BASE
objectClass: inetOrgPerson
objectClass: posixAccount
uid: bob
cn: Bob Example
sn: Example
uidNumber: 5002
gidNumber: 5000
homeDirectory: /home/bob
loginShell: /bin/bash
userPassword: $(ldap_ssha bobpw)
EOF
}

# ldap_answers NAME: slapd in container NAME answers a search over ldapi.
ldap_answers() {
	podman exec "$1" ldapsearch -x -H "$LDAP_LDAPI" -s base -b '' -LLL 1.1
}

# ldap_run NAME [PODMAN RUN OPTIONS...]: an ldap container on $NET as
# run_base starts one, with its TLS port published on loopback.
ldap_run() {
	local name=$1; shift
	run_base "$name" "$LDAP_IMAGE" -p 127.0.0.1::636 "$@"
}

# ldap_ensure: container $P-ldap (host name and network alias `ldap`,
# LDAP_DOMAIN=example.org, admin password adminpw, its data on the volume
# $P-ldap-data, the CA published on the volume $P-shared) running and
# answering; alice (alicepw, uid 5001) and bob (bobpw, uid 5002) seeded
# from $W/ldap-seed. Started if absent, started again if stopped.
ldap_ensure() {
	local name=$P-ldap
	if [ "$(podman inspect --format '{{.State.Running}}' "$name" 2>/dev/null)" = true ]; then
		:
	elif podman container exists "$name"; then
		pm start "$name" >/dev/null || return 1
	else
		[ -n "${GATEWAY:-}" ] || make_network || return 1
		mkdir -p "$W/ldap-seed"
		ldap_seed "$W/ldap-seed/10-people.ldif" || return 1
		ldap_run "$name" --hostname ldap --network-alias ldap \
			-e LDAP_DOMAIN=example.org -e LDAP_ORGANISATION="Example Org" \
			-e LDAP_ADMIN_PASSWORD=adminpw \
			-v "$P-ldap-data:/var/lib/vcore/ldap" \
			-v "$P-shared:/vcore-shared" \
			-v "$W/ldap-seed:/etc/vcore/ldap.d:ro" || return 1
	fi
	wait_for 30 ldap_answers "$name" || { logs_of "$name" | tail -n 30; return 1; }
}

# ldap_client SHARED COMMAND ARGS...: an LDAP client in another container
# of the image on $NET, trusting only the CA on the volume SHARED.
ldap_client() {
	local shared=$1 cmd=$2; shift 2
	pm run --rm --network "$NET" -v "$shared:/vcore-shared:ro" \
		-e LDAPTLS_CACERT=/vcore-shared/ca.pem -e LDAPTLS_REQCERT=demand \
		--entrypoint "$cmd" "$LDAP_IMAGE" "$@"
}

# ---- the checks ----

c_ldap_required() {
	local out rc
	out=$(pm run --rm --name "$P-ldap-nodomain" -e LDAP_ADMIN_PASSWORD=x \
		"$LDAP_IMAGE" 2>&1)
	rc=$?
	echo "$out" | tail -n 5
	[ "$rc" = 78 ] || why "exit status $rc, not 78"
	grep -q 'LDAP_DOMAIN is required' <<<"$out" || why "LDAP_DOMAIN not named"
	out=$(pm run --rm --name "$P-ldap-nopw" -e LDAP_DOMAIN=example.org \
		"$LDAP_IMAGE" 2>&1)
	rc=$?
	echo "$out" | tail -n 5
	[ "$rc" = 78 ] || why "exit status $rc, not 78"
	grep -q 'LDAP_ADMIN_PASSWORD is required' <<<"$out" ||
		why "LDAP_ADMIN_PASSWORD not named"
}

c_ldap_start() {
	local start took
	start=$(now_ms)
	ldap_ensure || why "ldap_ensure failed"
	took=$(( $(now_ms) - start ))
	echo "podman run to the first answer: $took ms" | tee "$W/ldap-first-answer"
	logs_of "$P-ldap" | grep 'magic/50-slapd\|slapd: ready'
	logs_of "$P-ldap" | grep -q 'loaded /etc/vcore/ldap.d/10-people.ldif' ||
		why "the seed file was not loaded"
}

# Over ldaps:// to the network alias, verified against the CA on the shared
# volume; the same with only the system's CAs fails (verification is on).
c_ldap_ldaps() {
	local out
	out=$(ldap_client "$P-shared" ldapsearch -x -H ldaps://ldap -b "$LDAP_BASE" \
		-LLL '(uid=alice)' uid uidNumber gidNumber) || why "ldapsearch over ldaps failed"
	echo "$out"
	grep -qx 'uidNumber: 5001' <<<"$out" || why "alice not found"
	if pm run --rm --network "$NET" -e LDAPTLS_REQCERT=demand \
		-e LDAPTLS_CACERT=/etc/ssl/certs/ca-certificates.crt --entrypoint ldapsearch \
		"$LDAP_IMAGE" -x -H ldaps://ldap -b "$LDAP_BASE" -s base 1.1; then
		why "ldaps succeeded without the stack's CA"
	fi
}

# Simple binds over ldaps:// as the seeded users (and the admin); a wrong
# password is refused with 49 over ldaps:// and ldap://.
c_ldap_bind() {
	local out
	# shellcheck disable=SC2016
	out=$(ldap_client "$P-shared" sh -c '
		b=$1
		ldapwhoami -x -H ldaps://ldap -D "uid=alice,ou=people,$b" -w alicepw || exit 1
		ldapwhoami -x -H ldaps://ldap -D "uid=bob,ou=people,$b" -w bobpw || exit 1
		ldapwhoami -x -H ldaps://ldap -D "cn=admin,$b" -w adminpw || exit 1
		ldapwhoami -x -H ldaps://ldap -D "uid=alice,ou=people,$b" -w wrong
		echo "ldaps wrong=$?"
		ldapwhoami -x -H ldap://ldap -D "uid=alice,ou=people,$b" -w wrong
		echo "ldap wrong=$?"
		ldapwhoami -x -H ldaps://ldap -D "cn=admin,$b" -w wrong
		echo "admin wrong=$?"' sh "$LDAP_BASE" 2>&1) || { echo "$out"; why "a bind failed"; }
	echo "$out"
	grep -qx "dn:uid=alice,ou=people,$LDAP_BASE" <<<"$out" || why "alice's bind"
	grep -qx "dn:uid=bob,ou=people,$LDAP_BASE" <<<"$out" || why "bob's bind"
	grep -qx "dn:cn=admin,$LDAP_BASE" <<<"$out" || why "the admin's bind"
	grep -qx 'ldaps wrong=49' <<<"$out" || why "a wrong password over ldaps was not refused with 49"
	grep -qx 'ldap wrong=49' <<<"$out" || why "a wrong password over ldap was not refused with 49"
	grep -qx 'admin wrong=49' <<<"$out" || why "a wrong admin password was not refused with 49"
}

# The openssh-lpk schema: alice's key reads back as seeded, and the
# schema knows the class and the attribute by their OIDs.
c_ldap_sshkey() {
	local out
	out=$(ldap_client "$P-shared" ldapsearch -x -H ldaps://ldap -b "$LDAP_BASE" \
		-LLL -o ldif_wrap=no '(&(objectClass=ldapPublicKey)(uid=alice))' sshPublicKey) ||
		why "ldapsearch failed"
	echo "$out"
	grep -qxF "sshPublicKey: $(cat "$W/alice_id.pub")" <<<"$out" || why "alice's key differs"
	out=$(podman exec "$P-ldap" ldapsearch -x -H "$LDAP_LDAPI" -b cn=subschema -s base \
		-LLL -o ldif_wrap=no attributeTypes objectClasses) || why "subschema"
	grep -q "1.3.6.1.4.1.24552.500.1.1.1.13 NAME 'sshPublicKey'" <<<"$out" ||
		why "no sshPublicKey with its OID"
	grep -q "1.3.6.1.4.1.24552.500.1.1.2.0 NAME 'ldapPublicKey'" <<<"$out" ||
		why "no ldapPublicKey with its OID"
}

# Only 636 is exposed and published; 389 answers on the network (plain and
# StartTLS); the host verifies the published 636 with the published CA, and
# the certificate names the host name, ldap and localhost.
c_ldap_ports() {
	local exposed ports p out
	exposed=$(podman image inspect --format '{{range $k, $v := .Config.ExposedPorts}}{{$k}} {{end}}' "$LDAP_IMAGE")
	ports=$(podman port "$P-ldap")
	echo "exposed: $exposed"
	echo "published: $ports"
	grep -qw '636/tcp' <<<"$exposed" || why "636 not exposed"
	grep -q '389' <<<"$exposed" && why "389 exposed"
	grep -q '^389' <<<"$ports" && why "389 published"
	p=$(port "$P-ldap" 636)
	[ -n "$p" ] || why "636 not published"
	podman exec "$P-ldap" cat /vcore-shared/ca.pem >"$W/ldap-ca.pem" || why "no ca.pem"
	out=$(openssl s_client -connect "127.0.0.1:$p" -CAfile "$W/ldap-ca.pem" \
		-verify_return_error -verify_hostname localhost </dev/null 2>&1) ||
		{ echo "$out" | tail -n 20; why "TLS to the published 636 not verified"; }
	grep -q 'Verify return code: 0' <<<"$out" || why "not verified"
	openssl s_client -connect "127.0.0.1:$p" </dev/null 2>/dev/null |
		openssl x509 -noout -ext subjectAltName >"$W/ldap-san" || why "no certificate"
	cat "$W/ldap-san"
	grep -q 'DNS:ldap,' "$W/ldap-san" || why "ldap missing from the names"
	grep -q 'DNS:localhost' "$W/ldap-san" || why "localhost missing from the names"
	# shellcheck disable=SC2016
	out=$(ldap_client "$P-shared" sh -c '
		ldapsearch -x -H ldap://ldap -b "$1" -LLL "(uid=bob)" uidNumber || exit 1
		ldapwhoami -x -ZZ -H ldap://ldap -D "uid=bob,ou=people,$1" -w bobpw' \
		sh "$LDAP_BASE" 2>&1) || { echo "$out"; why "389 did not answer on the network"; }
	echo "$out"
	grep -qx 'uidNumber: 5002' <<<"$out" || why "bob not found over 389"
	grep -qx "dn:uid=bob,ou=people,$LDAP_BASE" <<<"$out" || why "StartTLS bind failed"
}

# ldap_re_run HOSTNAME PODMAN RUN OPTIONS...: $P-ldap-re on its volume.
ldap_re_run() {
	local host=$1; shift
	ldap_run "$P-ldap-re" --hostname "$host" --network-alias ldap-re \
		-e LDAP_DOMAIN=example.org -e LDAP_TLS_HOSTNAMES=ldap-re \
		-v "$P-re-data:/var/lib/vcore/ldap" -v "$P-re-shared:/vcore-shared" \
		-v "$W/ldap-seed:/etc/vcore/ldap.d:ro" "$@" || why "podman run failed"
	wait_for 30 ldap_answers "$P-ldap-re" ||
		{ logs_of "$P-ldap-re" | tail -n 30; why "no answer within 30 s"; }
}

# ldap_re_admin PASSWORD: "bind=STATUS" of the admin over ldaps to
# $P-ldap-re.
ldap_re_admin() {
	# shellcheck disable=SC2016
	ldap_client "$P-re-shared" sh -c \
		'ldapwhoami -x -H ldaps://ldap-re -D "cn=admin,$1" -w "$2" >/dev/null 2>&1; echo "bind=$?"' \
		sh "$LDAP_BASE" "$1"
}

# A new container on the same volume with a new admin password (given as a
# secret file this time) and LDAP_REQUIRE_TLS: the new password works, the
# old one is refused, the data and the CA are kept, the seeds are not loaded
# again, the certificate follows the new host name, and 389 wants TLS.
c_ldap_recreate() {
	local out ca1
	ldap_re_run ldap-re1 -e LDAP_ADMIN_PASSWORD=firstpw
	[ "$(ldap_re_admin firstpw)" = bind=0 ] || why "the first password does not work"
	ca1=$(podman exec "$P-ldap-re" cat /vcore-shared/ca.pem)
	pm rm -f -v -t 10 "$P-ldap-re" >/dev/null || why "podman rm failed"
	printf 'secondpw\n' >"$W/ldap-admin-pw"
	ldap_re_run ldap-re2 -v "$W/ldap-admin-pw:/run/secrets/ldap-admin:ro" \
		-e LDAP_ADMIN_PASSWORD_FILE=/run/secrets/ldap-admin -e LDAP_REQUIRE_TLS=true
	out=$(ldap_re_admin secondpw)
	echo "new password: $out"
	[ "$out" = bind=0 ] || why "the new password does not work"
	out=$(ldap_re_admin firstpw)
	echo "old password: $out"
	[ "$out" = bind=49 ] || why "the old password was not refused with 49"
	[ "$(podman exec "$P-ldap-re" cat /vcore-shared/ca.pem)" = "$ca1" ] || why "the CA changed"
	logs_of "$P-ldap-re" | grep 'magic/50-slapd'
	logs_of "$P-ldap-re" | grep -q 'empty volume\|loaded /etc' && why "initialised again"
	# shellcheck disable=SC2016
	out=$(ldap_client "$P-re-shared" sh -c '
		ldapsearch -x -H ldaps://ldap-re -b "$1" -LLL "(uid=alice)" uidNumber || exit 1
		ldapsearch -x -H ldap://ldap-re -b "$1" -LLL "(uid=alice)" uidNumber
		echo "plain=$?"
		ldapsearch -x -ZZ -H ldap://ldap-re -b "$1" -LLL "(uid=alice)" uidNumber
		echo "starttls=$?"' sh "$LDAP_BASE" 2>&1) || { echo "$out"; why "ldaps search failed"; }
	echo "$out"
	grep -qx 'uidNumber: 5001' <<<"$out" || why "alice is gone"
	grep -qx 'plain=13' <<<"$out" || why "LDAP_REQUIRE_TLS: a plain search was not refused (13)"
	grep -qx 'starttls=0' <<<"$out" || why "LDAP_REQUIRE_TLS: StartTLS refused"
	out=$(podman exec "$P-ldap-re" openssl x509 -noout -ext subjectAltName \
		-in /run/slapd/tls/cert.pem)
	echo "$out"
	grep -q 'DNS:ldap-re2' <<<"$out" || why "the certificate does not name the new host name"
}

# A seed file slapadd refuses stops the first start (naming the file) and
# leaves the volume empty, so that the next start begins again.
c_ldap_bad_seed() {
	local out rc
	mkdir -p "$W/ldap-bad"
	cp "$W/ldap-seed/10-people.ldif" "$W/ldap-bad/"
	printf 'dn: cn=x,ou=people,%s\nobjectClass: device\ncn: x\nnoSuchAttribute: 1\n' \
		"$LDAP_BASE" >"$W/ldap-bad/20-bad.ldif"
	out=$(pm run --rm --name "$P-ldap-bad" -e LDAP_DOMAIN=example.org \
		-e LDAP_ADMIN_PASSWORD=x -v "$P-bad-data:/var/lib/vcore/ldap" \
		-v "$W/ldap-bad:/etc/vcore/ldap.d:ro" "$LDAP_IMAGE" 2>&1)
	rc=$?
	grep 'magic/50-slapd\|fatal' <<<"$out"
	[ "$rc" = 1 ] || why "exit status $rc, not 1"
	grep -q 'failed in /etc/vcore/ldap.d/20-bad.ldif' <<<"$out" || why "the file is not named"
	out=$(pm run --rm -v "$P-bad-data:/d" --entrypoint ls "$LDAP_IMAGE" -A /d)
	echo "left on the volume: $out"
	[ -z "$out" ] || why "the volume is not empty"
}

# Certificates given by path: a CA and a server certificate made here for
# the name ldap-tls, the key readable by root only (as a mounted secret
# is). slapd serves them, and the given CA is what is published.
c_ldap_given_tls() {
	local d=$W/ldap-tls out
	mkdir -p "$d"
	printf 'subjectAltName=DNS:ldap-tls\n' >"$d/ext"
	openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-days 2 -subj /CN=test-ca -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null ||
		why "openssl: no CA"
	openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-subj /CN=ldap-tls -keyout "$d/key.pem" -out "$d/req.pem" 2>/dev/null ||
		why "openssl: no request"
	openssl x509 -req -in "$d/req.pem" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-set_serial 2 -days 2 -extfile "$d/ext" -out "$d/cert.pem" 2>/dev/null ||
		why "openssl: no certificate"
	chmod 0600 "$d/key.pem"
	ldap_run "$P-ldap-tls" --hostname ldap-tls --network-alias ldap-tls \
		-e LDAP_DOMAIN=example.org -e LDAP_ADMIN_PASSWORD=x \
		-v "$P-tls-shared:/vcore-shared" -v "$d:/tls:ro" \
		-e LDAP_TLS_CERT=/tls/cert.pem -e LDAP_TLS_KEY=/tls/key.pem \
		-e LDAP_TLS_CA=/tls/ca.pem || why "podman run failed"
	wait_for 30 ldap_answers "$P-ldap-tls" ||
		{ logs_of "$P-ldap-tls" | tail -n 30; why "no answer within 30 s"; }
	[ "$(podman exec "$P-ldap-tls" cat /vcore-shared/ca.pem)" = "$(cat "$d/ca.pem")" ] ||
		why "the given CA is not the one published"
	out=$(ldap_client "$P-tls-shared" ldapwhoami -x -H ldaps://ldap-tls \
		-D "cn=admin,$LDAP_BASE" -w x 2>&1) || { echo "$out"; why "ldaps with the given certificate failed"; }
	echo "$out"
	podman exec "$P-ldap-tls" test -e /var/lib/vcore/ldap/tls/ca.key && why "a CA was made anyway"
	pm rm -f -v -t 10 "$P-ldap-tls" >/dev/null
}

# No password in the logs or in what podman inspect shows.
c_ldap_secrets() {
	local n
	for n in "$P-ldap" "$P-ldap-re"; do
		logs_of "$n" | grep -E 'adminpw|firstpw|secondpw|alicepw|bobpw' &&
			why "$n: a password in the logs"
		podman inspect "$n" | grep -q 'secondpw' && why "$n: a password in inspect"
	done
	return 0
}

checks_ldap() {
	check "ldap: without LDAP_DOMAIN or LDAP_ADMIN_PASSWORD the boot stops (78) naming it" c_ldap_required
	check "ldap: first start on an empty volume, seed folder loaded, answers (ldap_ensure)" c_ldap_start
	check "ldap: a bad seed file stops the first start naming it, the volume left empty" c_ldap_bad_seed
	check "ldap: ldapsearch over ldaps:// with the CA published on /vcore-shared verified" c_ldap_ldaps
	check "ldap: simple binds as seeded users; wrong passwords refused (49)" c_ldap_bind
	check "ldap: sshPublicKey readable (openssh-lpk schema, its OIDs)" c_ldap_sshkey
	check "ldap: 636 published and verified from the host; 389 not published, open on the network" c_ldap_ports
	check "ldap: LDAP_TLS_CERT, LDAP_TLS_KEY, LDAP_TLS_CA served, the given CA published" c_ldap_given_tls
	check "ldap: re-created on its volume: new admin password (secret file) works, old refused, TLS required" c_ldap_recreate
	check "ldap: no password in the logs or in podman inspect" c_ldap_secrets
	common_checks ldap "$P-ldap-re" slapd
}
