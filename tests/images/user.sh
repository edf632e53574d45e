# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# The user image (images/user), the login server, as its users meet it:
# the OpenSSH client logging in as the LDAP users of the ldap image
# (tests/images/ldap.sh: ldap_ensure) with keys from LDAP's sshPublicKey
# and from ~/.ssh/authorized_keys on the shared /home volume, sftp,
# `module`, the owners of what they write. Sourced by tests/images/run.sh
# after lib.sh. The helpers user_run, user_ssh and user_sftp serve the
# stack's test too.

USER_IMAGE=$REGISTRY/vcore/user:$VERSION
if ! declare -F sw_run >/dev/null; then
	# shellcheck source=tests/images/software.sh
	. "$TOP/tests/images/software.sh"
fi

# user_run NAME [PODMAN RUN OPTIONS...]: a user container as the stack
# starts one (sw_run: LDAP, /vcore-shared, /opt/software and /home on the
# volumes $P-software and $P-home), members of research allowed in.
user_run() {
	local name=$1; shift
	sw_run "$name" "$USER_IMAGE" -e SSH_ALLOW_GROUPS="admins research" "$@"
}

# user_ssh NAME PORT USER KEY COMMAND...: COMMAND as USER over SSH with
# the private key KEY, to 127.0.0.1:PORT (the published 22 of container
# NAME; NAME keeps its own known_hosts in $W). Never prompts.
user_ssh() {
	local name=$1 p=$2 user=$3 key=$4; shift 4
	ssh -i "$key" -p "$p" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile="$W/known-$name" \
		-o ConnectTimeout=5 -o LogLevel=ERROR "$user@127.0.0.1" "$@" </dev/null
}

# user_sftp NAME PORT USER KEY BATCH: sftp -b BATCH as USER (as user_ssh).
user_sftp() {
	local name=$1 p=$2 user=$3 key=$4 batch=$5
	sftp -q -b "$batch" -i "$key" -P "$p" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile="$W/known-$name" \
		-o ConnectTimeout=5 -o LogLevel=ERROR "$user@127.0.0.1"
}

# user_on_volume VOLUME COMMAND: COMMAND in a throw-away container with
# VOLUME on /home, as root (what is on the volume, whoever wrote it).
user_on_volume() {
	pm run --rm -v "$1:/home" --entrypoint sh "$SW_IMAGE" -c "$2"
}

# user_bob_key VOLUME: bob (no key in LDAP) gets the key pair $W/bob_id
# in his ~/.ssh/authorized_keys on the /home volume VOLUME, owned by him.
user_bob_key() {
	[ -f "$W/bob_id" ] || ssh-keygen -q -t ed25519 -N '' -C bob@example.org -f "$W/bob_id" ||
		return 1
	user_on_volume "$1" "mkdir -p /home/bob/.ssh &&
		echo '$(cat "$W/bob_id.pub")' >/home/bob/.ssh/authorized_keys &&
		chown -R 5002:5000 /home/bob && chmod 700 /home/bob /home/bob/.ssh &&
		chmod 600 /home/bob/.ssh/authorized_keys"
}

# ---- the checks ----

c_user_start() {
	ldap_ensure || why "the ldap container is not up (tests/images/ldap.sh)"
	sw_modulefile "$P-software" || why "could not write the modulefile"
	user_on_volume "$P-home" 'rm -rf /home/alice' || why "could not empty /home/alice"
	user_run "$P-user" || why "podman run failed"
	wait_login "$P-user" 30 || { logs_of "$P-user" | tail -n 30; why "no root login within 30 s"; }
	sw_ldap_up "$P-user" 60 || { podman exec "$P-user" vcctl status; why "nslcd and unscd not up within 60 s"; }
	port "$P-user" 22 >"$W/user-port"
}

# alice's first login: the key from LDAP (authorized_keys_command), her
# home made with her uid and gid, mode 0700.
c_user_alice() {
	local out
	user_on_volume "$P-home" 'test ! -e /home/alice' || why "/home/alice exists before the login"
	out=$(user_ssh user "$(cat "$W/user-port")" alice "$W/alice_id" \
		'id -u; id -g; id -gn; echo "home=$HOME"; stat -c "%u %g %a" "$HOME"') ||
		{ logs_of "$P-user" | grep '^sshd | ' | tail -n 10; why "alice could not log in"; }
	echo "$out"
	[ "$(sed -n 1,2p <<<"$out" | tr '\n' ' ')" = "5001 5000 " ] || why "not uid 5001 gid 5000"
	grep -qx 'home=/home/alice' <<<"$out" || why "HOME is not /home/alice"
	grep -qx '5001 5000 700' <<<"$out" || why "her home is not 5001 5000 0700"
	out=$(logs_of "$P-user" | grep '^sshd | ')
	grep 'alice' <<<"$out" | tail -n 3
	grep -q 'created home /home/alice for alice' <<<"$out" || why "no 'created home' line"
	grep -q 'accepted key .* for alice .*authorized_keys_command' <<<"$out" ||
		why "the key was not accepted through authorized_keys_command"
	user_on_volume "$P-home" 'stat -c "%u %g %a" /home/alice' | grep -qx '5001 5000 700' ||
		why "on the volume, /home/alice is not 5001 5000 0700"
}

# bob has no key in LDAP: his ~/.ssh/authorized_keys on the volume.
c_user_bob() {
	local out
	user_bob_key "$P-home" || why "could not put bob's key on the volume"
	out=$(user_ssh user "$(cat "$W/user-port")" bob "$W/bob_id" 'id -un; id -u') ||
		{ logs_of "$P-user" | grep '^sshd | ' | tail -n 10; why "bob could not log in"; }
	echo "$out"
	[ "$(tr '\n' ' ' <<<"$out")" = "bob 5002 " ] || why "not bob 5002"
	logs_of "$P-user" | grep -q 'accepted key .* for bob .*authorized_keys' || why "no accepted line for bob"
}

# alice with another key (root's test key): refused, and logged.
c_user_wrong_key() {
	if user_ssh user "$(cat "$W/user-port")" alice "$W/id" true; then
		why "alice logged in with a key that is not hers"
	fi
	wait_for 5 eval 'logs_of "$P-user" | grep -q "^sshd | .*refused key .* for alice"' ||
		why "no 'refused key' line for alice"
	logs_of "$P-user" | grep 'refused key .* for alice' | tail -n 1
}

# A second server that admits the groups "admins, wheel" and the users
# "carol bob": alice (research) is refused with her valid LDAP key, bob is
# let in by name. Both lists hold several names (commas and spaces).
c_user_groups() {
	local p
	user_run "$P-user2" -e SSH_ALLOW_GROUPS="admins, wheel" -e SSH_ALLOW_USERS="carol bob" ||
		why "podman run failed"
	wait_login "$P-user2" 30 || why "no root login"
	sw_ldap_up "$P-user2" 60 || why "nslcd and unscd not up"
	p=$(port "$P-user2" 22)
	if user_ssh user2 "$p" alice "$W/alice_id" true; then
		why "alice logged in, her group research is not allowed there"
	fi
	wait_for 5 eval 'logs_of "$P-user2" | grep -q "refused user alice .*not admitted by allow_users or allow_groups"' ||
		{ logs_of "$P-user2" | grep '^sshd | ' | tail; why "no refusal line naming allow_users/allow_groups"; }
	logs_of "$P-user2" | grep 'refused user alice' | tail -n 1
	user_ssh user2 "$p" bob "$W/bob_id" 'id -un' | grep -qx bob || why "bob (allow_users) was refused"
	podman rm -f -v -t 0 "$P-user2" >/dev/null
}

c_user_sftp() {
	local p
	p=$(cat "$W/user-port")
	head -c 200000 /dev/urandom >"$W/alice-payload"
	printf 'put %s data.bin\nget data.bin %s\n' "$W/alice-payload" "$W/alice-back" >"$W/alice-batch"
	user_sftp user "$p" alice "$W/alice_id" "$W/alice-batch" || why "sftp failed"
	cmp "$W/alice-payload" "$W/alice-back" || why "the file came back changed"
	user_on_volume "$P-home" 'stat -c "%u:%g %s" /home/alice/data.bin' | tee /dev/stderr |
		grep -qx "5001:5000 200000" || why "data.bin on the volume is not 5001:5000"
}

# module in her session: a command run directly (bash reads
# /etc/bash.bashrc over SSH) and a login shell.
c_user_module() {
	local out
	out=$(user_ssh user "$(cat "$W/user-port")" alice "$W/alice_id" \
		'module -t avail 2>&1; echo ---; bash -lc "module load hello && hello-vcore"') ||
		{ echo "$out"; why "module failed"; }
	echo "$out"
	grep -qx 'hello/1.0' <<<"$out" || why "hello/1.0 not listed"
	grep -qx 'hello from the shared volume' <<<"$out" || why "the module's program did not run"
}

# What alice writes in her session is hers on the volume: 5001:5000.
c_user_owner() {
	local out
	user_ssh user "$(cat "$W/user-port")" alice "$W/alice_id" \
		'mkdir -p results && echo 42 >results/answer.txt' || why "ssh failed"
	out=$(user_on_volume "$P-home" 'stat -c "%u:%g %n" /home/alice/results /home/alice/results/answer.txt')
	echo "$out"
	[ "$(grep -c '^5001:5000 ' <<<"$out")" = 2 ] || why "not owned by 5001:5000"
}

# With a bind DN (a secret file), alice's key still comes from LDAP: the
# key lookup binds with the copy of the password kept for uid 10051.
c_user_bind() {
	local p
	printf 'adminpw\n' >"$W/ldap-bindpw"
	user_run "$P-user3" -e LDAP_BIND_DN="cn=admin,$LDAP_BASE" \
		-e LDAP_BIND_PASSWORD_FILE=/run/secrets/ldapbind \
		-v "$W/ldap-bindpw:/run/secrets/ldapbind:ro" || why "podman run failed"
	wait_login "$P-user3" 30 || why "no root login"
	sw_ldap_up "$P-user3" 60 || why "nslcd and unscd not up"
	p=$(port "$P-user3" 22)
	user_ssh user3 "$p" alice "$W/alice_id" 'id -un' | grep -qx alice ||
		{ logs_of "$P-user3" | grep '^sshd | ' | tail; why "alice could not log in"; }
	logs_of "$P-user3" | grep 'accepted key .* for alice' | tail -n 1
	logs_of "$P-user3" | grep -q 'accepted key .* for alice .*authorized_keys_command' ||
		why "not through authorized_keys_command"
	podman rm -f -v -t 0 "$P-user3" >/dev/null
}

# The user image's SLURM_ROLE default (client: munged, no slurmctld or
# slurmd) wins over the software layer's none; -e SLURM_ROLE=controller
# makes it the head. Only which services are on is looked at: SLURM
# itself is the slurm image's test and the stack's.
c_user_slurm_role() {
	local out
	pm run -d --name "$P-user-role" -e LDAP_URI= "$USER_IMAGE" >/dev/null || why "podman run failed"
	pm run -d --name "$P-user-head" -e LDAP_URI= -e SLURM_ROLE=controller "$USER_IMAGE" >/dev/null ||
		why "podman run failed"
	wait_for 20 eval 'podman exec "$P-user-role" vcctl status | grep -q "^munged"' || why "no vcctl status"
	wait_for 20 eval 'podman exec "$P-user-head" vcctl status | grep -q "^slurmctld"' || why "no vcctl status"
	out=$(podman exec "$P-user-role" vcctl status)
	echo "$out" | grep '^munged\|^slurm'
	grep -q '^munged .*disabled' <<<"$out" && why "munged is off by default"
	grep -q '^slurmctld .*disabled' <<<"$out" || why "slurmctld is on by default"
	grep -q '^slurmd .*disabled' <<<"$out" || why "slurmd is on by default"
	out=$(podman exec "$P-user-head" vcctl status)
	echo "$out" | grep '^slurmctld'
	grep -q '^slurmctld .*disabled' <<<"$out" && why "slurmctld is off with SLURM_ROLE=controller"
	podman rm -f -v -t 0 "$P-user-role" "$P-user-head" >/dev/null
}

checks_user() {
	pm image exists "$USER_IMAGE" || { check "user: image $USER_IMAGE exists" false; return; }
	check "user: starts with LDAP (ldap_ensure) on a fresh /home, nslcd and unscd up" c_user_start
	check "user: alice logs in with her LDAP sshPublicKey; home made 5001:5000 0700" c_user_alice
	check "user: bob logs in with the key in his ~/.ssh/authorized_keys on /home" c_user_bob
	check "user: alice with a key that is not hers is refused" c_user_wrong_key
	check "user: a user outside SSH_ALLOW_GROUPS is refused; SSH_ALLOW_USERS admits by name" c_user_groups
	check "user: sftp put and get as alice; the file is 5001:5000 on the volume" c_user_sftp
	check "user: module avail and load in alice's SSH session (a command, a login shell)" c_user_module
	check "user: with LDAP_BIND_DN (secret file) alice's LDAP key still works" c_user_bind
	check "user: files alice writes are 5001:5000 on the /home volume" c_user_owner
	check "user: SLURM_ROLE is client by default (munged only), controller adds slurmctld" c_user_slurm_role
	common_checks user "$P-user" nslcd unscd
}
