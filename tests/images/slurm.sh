# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# The slurm image (images/slurm) as an administrator of the stack runs it:
# a controller (SLURM_ROLE=controller) and two compute nodes with host
# names node1 and node2 on $NET, sharing /vcore-shared (the munge key, the
# clients' slurm.conf, the LDAP CA of ldap_ensure) and /jobs, checked with
# the real clients (sinfo, sbatch, srun, squeue, scontrol) inside them;
# then a node with another munge key, a controller restarted, the external
# mode with a site's slurm.conf, and the bad settings. Sourced by
# tests/images/run.sh after lib.sh; the slurm_* helpers serve the stack's
# test too.

SLURM_IMAGE=$REGISTRY/vcore/slurm:$VERSION
# shellcheck source=tests/images/ldap.sh
. "$TOP/tests/images/ldap.sh"

# ---- helpers (the stack's test may use them) ----

# slurm_idle CONTAINER N: at least N nodes are idle, as sinfo in CONTAINER
# sees them.
slurm_idle() {
	local n
	n=$(podman exec "$1" sinfo -h -N -t idle -o %N 2>/dev/null | sort -u | grep -c .)
	[ "${n:-0}" -ge "$2" ]
}

# slurm_wait_idle CONTAINER N [SECONDS]: until N nodes are idle (90 s by
# default: Podman's DNS may not answer for a while as containers come and
# go, and the nodes wait for it).
slurm_wait_idle() {
	wait_for "${3:-90}" slurm_idle "$1" "$2"
}

# slurm_job_state CONTAINER JOBID: the job's state (COMPLETED, RUNNING...).
slurm_job_state() {
	podman exec "$1" scontrol show job "$2" 2>/dev/null |
		sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'
}

slurm_job_done() {
	case $(slurm_job_state "$1" "$2") in
	COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) return 0 ;;
	esac
	return 1
}

# slurm_wait_job CONTAINER JOBID [SECONDS]: until the job has ended; 0 if
# it COMPLETED. 120 s by default: a node tells the controller that a job
# ended by its name, and Podman's DNS may not answer for tens of seconds
# after a container of the network (re)started.
slurm_wait_job() {
	wait_for "${3:-120}" slurm_job_done "$1" "$2" || return 1
	[ "$(slurm_job_state "$1" "$2")" = COMPLETED ]
}

# slurm_job_node CONTAINER JOBID: the node the job ran on.
slurm_job_node() {
	podman exec "$1" scontrol show job "$2" 2>/dev/null |
		sed -n 's/^ *NodeList=\([^ ]*\).*/\1/p'
}

# slurm_refused_node CONTROLLER NODE NODENAME: a node with another munge
# key than the controller's: the controller's log has the munge error and
# an authentication error from the node's address, the node's log says
# its key may not be the controller's, and it never joined. In a check.
slurm_refused_node() {
	local ctl=$1 node=$2 addr out
	addr=$(podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$node")
	echo "$3 is $addr"
	wait_for 120 eval "logs_of $ctl | grep -q '\\[$addr\\]:.*Protocol authentication error'" ||
		why "no authentication error for $addr in the controller's log"
	out=$(logs_of "$ctl")
	grep -F "[$addr]" <<<"$out" | tail -n 3
	grep -q 'Munge decode failed: Invalid credential' <<<"$out" ||
		why "the controller's log has no 'Munge decode failed'"
	wait_for 90 eval "logs_of $node | grep -q 'is not the controller.s'" ||
		{ logs_of "$node" | tail -n 20; why "$3's log does not say its key may differ"; }
	logs_of "$node" | grep 'is not the controller' | tail -n 1
	podman exec "$ctl" sinfo -h -N -o %N | grep -qx "$3" && why "$3 joined"
	return 0
}

# ---- this file's containers ----

# slurmt_run NAME HOSTNAME [PODMAN RUN OPTIONS...]: a container of the
# image, named by its host name on $NET as compose does, with the shared
# volumes and LDAP from ldap_ensure (the job users resolve on every node).
slurmt_run() {
	local name=$1 host=$2; shift 2
	run_base "$name" "$SLURM_IMAGE" --hostname "$host" --network-alias "$host" \
		-v "$P-shared:/vcore-shared" -v "$P-jobs:/jobs" \
		-e LDAP_DOMAIN=example.org "$@"
}

# slurmt_alone NAME [PODMAN RUN OPTIONS...]: a container run to its end,
# without LDAP (the bad settings' checks need none); its output on stdout.
slurmt_alone() {
	local name=$1; shift
	timeout 60 podman run --rm --name "$name" -e LDAP_URI= "$@" "$SLURM_IMAGE" 2>&1 |
		grep -v 'systemd\|syslog'
	return "${PIPESTATUS[0]}"
}

# slurmt_fails_naming WHAT [PODMAN RUN OPTIONS...]: the boot stops with 78
# and the output names WHAT.
slurmt_fails_naming() {
	local what=$1 out rc; shift
	out=$(slurmt_alone "$P-slurm-bad" "$@")
	rc=$?
	echo "$out" | tail -n 4
	[ "$rc" = 78 ] || why "exit status $rc, not 78"
	grep -q "$what" <<<"$out" || why "$what not named"
}

c_slurm_bad_mode() {
	slurmt_fails_naming 'SLURM_MODE must be managed, external or off' -e SLURM_MODE=bogus
}

c_slurm_bad_role() {
	slurmt_fails_naming 'SLURM_ROLE must be controller, compute, both, client or none' \
		-e SLURM_ROLE=worker
}

c_slurm_no_controller() {
	slurmt_fails_naming 'SLURM_CONTROLLER is required' -e SLURM_ROLE=compute
}

c_slurm_no_key_file() {
	slurmt_fails_naming 'MUNGE_KEY_FILE: /nowhere/munge.key does not exist' \
		-e SLURM_CONTROLLER=ctl -e MUNGE_KEY_FILE=/nowhere/munge.key
}

# SLURM_MODE=off: healthy, with munged, slurmctld and slurmd off by policy
# and no such process.
c_slurm_off() {
	local name=$P-slurm-off out
	run_base "$name" "$SLURM_IMAGE" -e SLURM_MODE=off -e LDAP_URI= ||
		why "podman run failed"
	wait_for 30 pm healthcheck run "$name" ||
		{ podman exec "$name" vcctl status; why "not healthy"; }
	out=$(podman exec "$name" vcctl status)
	grep -E 'munged|slurm' <<<"$out"
	for s in munged slurmd slurmctld; do
		grep -E "^ *$s " <<<"$out" | grep -q 'SLURM_MODE' || why "$s is not off by SLURM_MODE"
	done
	podman exec "$name" ps -e -o comm= | grep -E 'munged|slurm' && why "a SLURM daemon runs"
	podman rm -f -v -t 10 "$name" >/dev/null
	return 0
}

# The nodes first: they wait for the key that the controller makes and for
# the controller itself.
c_slurm_start() {
	ldap_ensure || why "the ldap container is not up (tests/images/ldap.sh)"
	slurmt_run "$P-node1" node1 -e SLURM_CONTROLLER=ctl || why "podman run node1 failed"
	slurmt_run "$P-node2" node2 -e SLURM_CONTROLLER=ctl || why "podman run node2 failed"
	slurmt_run "$P-ctl" ctl -e SLURM_ROLE=controller \
		-v "$P-slurm-state:/var/spool/slurmctld" || why "podman run ctl failed"
	if ! slurm_wait_idle "$P-ctl" 2 120; then
		podman exec "$P-ctl" sinfo
		for c in ctl node1 node2; do
			echo "--- $c"
			logs_of "$P-$c" | grep -E 'slurm|munge' | tail -n 15
		done
		why "node1 and node2 not idle within 120 s"
	fi
	podman exec "$P-ctl" sinfo
	podman exec "$P-ctl" chmod 1777 /jobs
	logs_of "$P-ctl" | grep 'magic/60-slurm'
}

c_slurm_key() {
	local k c sum
	k=$(podman exec "$P-ctl" stat -c '%a %u %g %s' /vcore-shared/munge.key) ||
		why "no /vcore-shared/munge.key"
	echo "/vcore-shared/munge.key: $k"
	[ "$k" = "400 10060 10060 1024" ] || why "not 0400 munge:munge, 1024 bytes"
	sum=$(podman exec "$P-ctl" md5sum /vcore-shared/munge.key | cut -d' ' -f1)
	echo "$sum" >"$W/slurm-key-sum"
	for c in ctl node1 node2; do
		k=$(podman exec "$P-$c" sh -c 'stat -c "%a %U" /etc/munge/munge.key; md5sum </etc/munge/munge.key') ||
			why "$c: no /etc/munge/munge.key"
		k=$(tr '\n' ' ' <<<"$k")
		echo "$c: $k"
		grep -q "^400 munge $sum " <<<"$k" || why "$c's key is not the shared one, 0400 munge"
	done
	podman exec "$P-ctl" sh -c 'munge -n | unmunge' | grep STATUS
}

c_slurm_sbatch() {
	local id node out
	id=$(podman exec -w /jobs "$P-ctl" sbatch --parsable -o '/jobs/out-%j.txt' \
		--wrap 'hostname; id -un') || why "sbatch failed"
	echo "job $id"
	slurm_wait_job "$P-ctl" "$id" || { podman exec "$P-ctl" scontrol show job "$id"; why "job $id did not complete"; }
	node=$(slurm_job_node "$P-ctl" "$id")
	out=$(podman exec "$P-ctl" cat "/jobs/out-$id.txt") || why "no output file"
	echo "ran on $node, printed: $(echo $out)"
	case $node in node1 | node2) ;; *) why "ran on '$node'" ;; esac
	[ "$out" = "$node
root" ] || why "its output is not '$node root'"
}

c_slurm_srun() {
	local out
	out=$(podman exec "$P-ctl" timeout 60 srun -N2 hostname | sort) || why "srun failed"
	echo "$out"
	[ "$out" = "node1
node2" ] || why "not node1 and node2"
	out=$(podman exec "$P-ctl" timeout 60 srun -N2 -n4 sh -c 'echo $SLURM_PROCID' | sort) ||
		why "srun -n4 failed"
	[ "$(echo $out)" = "0 1 2 3" ] || why "4 tasks gave '$out'"
}

# slurmd fetched slurm.conf for the commands on the node too.
c_slurm_node_cmds() {
	local out
	out=$(podman exec "$P-node1" sinfo -h -o '%P %D %T') || why "sinfo on node1 failed"
	echo "$out"
	grep -q '^main\* 2 idle' <<<"$out" || why "node1 does not see partition main with 2 idle nodes"
	podman exec "$P-node1" test -e /etc/slurm/slurm.conf && why "node1 has an /etc/slurm/slurm.conf"
	return 0
}

# A client (the user server's role): munged only, slurm.conf from the
# controller's copy on /vcore-shared.
c_slurm_client() {
	local id
	slurmt_run "$P-client" client -e SLURM_ROLE=client || why "podman run failed"
	wait_for 60 podman exec "$P-client" squeue ||
		{ logs_of "$P-client" | tail -n 20; why "squeue fails in the client"; }
	podman exec "$P-client" readlink /etc/slurm/slurm.conf
	id=$(podman exec "$P-client" sbatch --parsable -o '/jobs/client-%j.txt' --wrap hostname) ||
		why "sbatch failed"
	slurm_wait_job "$P-client" "$id" || why "job $id did not complete"
	echo "job $id ran on $(podman exec "$P-client" cat "/jobs/client-$id.txt")"
	podman exec "$P-client" ps -e -o comm= | grep -E 'slurmd|slurmctld' && why "a slurm daemon runs in the client"
	return 0
}

# The LDAP user's job runs as her on the node: her uid resolves there
# through nslcd.
c_slurm_alice() {
	local id out
	wait_for 30 podman exec "$P-node1" getent passwd alice ||
		why "alice does not resolve on node1 (the software layer's LDAP client)"
	id=$(podman exec -u 5001:5000 -w /jobs "$P-ctl" sbatch --parsable -w node2 \
		-o '/jobs/alice-%j.txt' --wrap 'id -un; id -u; hostname') || why "sbatch as alice failed"
	slurm_wait_job "$P-ctl" "$id" || { podman exec "$P-ctl" scontrol show job "$id"; why "job $id did not complete"; }
	out=$(podman exec "$P-ctl" sh -c "stat -c %u /jobs/alice-$id.txt; cat /jobs/alice-$id.txt")
	echo "$out"
	[ "$(echo $out)" = "5001 alice 5001 node2" ] || why "not alice's on node2"
}

# Another key: the controller refuses the node (its log says why), the
# node never joins and its log says what to look at. The key's mode 0644
# draws a warning; the node's copy is 0400 all the same.
c_slurm_badkey() {
	local out
	head -c 1024 /dev/urandom >"$W/bad-munge.key"
	chmod 0644 "$W/bad-munge.key"
	slurmt_run "$P-node3" node3 -e SLURM_CONTROLLER=ctl \
		-v "$W/bad-munge.key:/keys/munge.key:ro" -e MUNGE_KEY_FILE=/keys/munge.key ||
		why "podman run failed"
	slurm_refused_node "$P-ctl" "$P-node3" node3
	out=$(logs_of "$P-node3")
	grep -E 'can be read by others|failed to fetch' <<<"$out" | tail -n 2
	grep -q 'can be read by others' <<<"$out" || why "no warning about the key's mode"
	[ "$(podman exec "$P-node3" stat -c %a /etc/munge/munge.key)" = 400 ] ||
		why "node3's installed key is not 0400"
	podman rm -f -v -t 10 "$P-node3" >/dev/null
	return 0
}

# podman restart: the same job ids go on, both nodes come back idle,
# the key is the one made before.
c_slurm_restart() {

	local last id sum
	last=$(podman exec "$P-ctl" sbatch --parsable -o /dev/null --wrap true) || why "sbatch failed"
	slurm_wait_job "$P-ctl" "$last" || why "job $last did not complete"
	pm restart -t 10 "$P-ctl" >/dev/null || why "podman restart failed"
	slurm_wait_idle "$P-ctl" 2 90 || { logs_of "$P-ctl" | tail -n 20; why "nodes not idle after the restart"; }
	logs_of "$P-ctl" | grep -E 'Recovered (state of [0-9]+ nodes|information about)' | tail -n 2
	id=$(podman exec "$P-ctl" sbatch --parsable -o /dev/null --wrap true) || why "sbatch failed"
	echo "job before the restart $last, after $id"
	[ "$id" -gt "$last" ] || why "job ids started again"
	podman exec "$P-ctl" scontrol show job "$last" | grep -q JobState=COMPLETED ||
		why "job $last is not known any more"
	sum=$(podman exec "$P-ctl" md5sum /vcore-shared/munge.key | cut -d' ' -f1)
	[ "$sum" = "$(cat "$W/slurm-key-sum")" ] || why "the munge key changed"
	slurm_wait_job "$P-ctl" "$id" || why "job $id did not complete"
}

# node2 re-created (as compose down and up do): it comes back with another
# address, which the controller's record of the dynamic node must follow.
c_slurm_node_readdress() {
	local old new out
	old=$(podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$P-node2")
	podman rm -f -v -t 10 "$P-node2" >/dev/null || why "podman rm failed"
	# Holds node2's old address, so that the new node2 gets another.
	pm run -d --name "$P-placeholder" --network "$NET" --ip "$old" \
		--entrypoint sleep "$SLURM_IMAGE" 120 >/dev/null || why "podman run placeholder failed"
	slurmt_run "$P-node2" node2 -e SLURM_CONTROLLER=ctl || why "podman run node2 failed"
	new=$(podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$P-node2")
	echo "node2 was $old, is $new"
	[ "$old" != "$new" ] || why "the same address again"
	wait_for 60 eval "podman exec $P-ctl scontrol show node node2 | grep -q 'NodeAddr=$new '" ||
		{ podman exec "$P-ctl" scontrol show node node2; logs_of "$P-node2" | tail -n 20; why "the controller still has node2 at another address"; }
	logs_of "$P-node2" | grep 'the controller had node2'
	slurm_wait_idle "$P-ctl" 2 60 || why "node2 not idle again"
	out=$(podman exec "$P-ctl" timeout 60 srun -w node2 hostname) || why "srun -w node2 failed"
	echo "srun -w node2 hostname: $out"
	[ "$out" = node2 ] || why "not node2"
	podman rm -f -v -t 0 "$P-placeholder" >/dev/null
}

# SLURM_ROLE=both: a one-container cluster, its own node; no
# /vcore-shared of the others (it would publish its slurm.conf there).
c_slurm_both() {
	local name=$P-solo out before after
	run_base "$name" "$SLURM_IMAGE" --hostname solo -e LDAP_URI= -e SLURM_ROLE=both ||
		why "podman run failed"
	slurm_wait_idle "$name" 1 60 || { logs_of "$name" | tail -n 30; why "solo not idle"; }
	out=$(podman exec "$name" timeout 30 srun -n2 hostname) || why "srun failed"
	echo "srun -n2 hostname: $(echo $out)"
	[ "$(echo $out)" = "solo solo" ] || why "not solo twice"
	# Health checks are real requests, not bare connections that the
	# daemons log as errors (slurmd's wait for the controller at its start
	# makes one).
	before=$(logs_of "$name" | grep -c -E 'Zero Bytes were transmitted|incomplete message header')
	pm healthcheck run "$name" && pm healthcheck run "$name" || why "not healthy"
	sleep 1
	after=$(logs_of "$name" | grep -c -E 'Zero Bytes were transmitted|incomplete message header')
	echo "probe errors in the log: $before before two health checks, $after after"
	[ "$after" = "$before" ] || why "health checks are logged as errors"
	podman rm -f -v -t 10 "$name" >/dev/null
	return 0
}

# The site's slurm.conf and key on a volume: one container as controller
# and node (SLURM_ROLE=both), no LDAP; its files are not touched.
c_slurm_external() {
	local name=$P-ext before out
	mkdir -p "$W/site"
	cat >"$W/site/slurm.conf" <<'EOF'
ClusterName=site
SlurmctldHost=ext
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/spool/site-state
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
NodeName=ext CPUs=1 State=UNKNOWN
PartitionName=batch Nodes=ext Default=YES MaxTime=INFINITE State=UP
EOF
	head -c 1024 /dev/urandom >"$W/site/munge.key"
	chmod 0600 "$W/site/munge.key"
	before=$(cat "$W/site/slurm.conf" "$W/site/munge.key" | md5sum)
	run_base "$name" "$SLURM_IMAGE" --hostname ext -e LDAP_URI= \
		-e SLURM_MODE=external -e SLURM_ROLE=both \
		-e MUNGE_KEY_FILE=/etc/slurm/munge.key -v "$W/site:/etc/slurm" ||
		why "podman run failed"
	slurm_wait_idle "$name" 1 60 || { logs_of "$name" | tail -n 30; why "ext not idle"; }
	podman exec "$name" sinfo
	out=$(podman exec "$name" timeout 30 srun hostname) || why "srun failed"
	echo "srun hostname: $out"
	[ "$out" = ext ] || why "not ext"
	podman exec "$name" scontrol show config | grep -E '^ClusterName' | grep -q site ||
		why "not the site's cluster"
	[ "$(cat "$W/site/slurm.conf" "$W/site/munge.key" | md5sum)" = "$before" ] ||
		why "the site's files changed"
}

checks_slurm() {
	pm image exists "$SLURM_IMAGE" || { check "slurm: image $SLURM_IMAGE exists" false; return; }
	check "slurm: SLURM_MODE=bogus stops the boot (78) naming it" c_slurm_bad_mode
	check "slurm: SLURM_ROLE=worker stops the boot (78) naming it" c_slurm_bad_role
	check "slurm: a compute node without SLURM_CONTROLLER stops (78) naming it" c_slurm_no_controller
	check "slurm: a MUNGE_KEY_FILE that does not exist stops (78) naming it" c_slurm_no_key_file
	check "slurm: SLURM_MODE=off runs no SLURM daemon, healthy" c_slurm_off
	check "slurm: controller + node1 + node2 (nodes first), both idle in sinfo" c_slurm_start
	check "slurm: the munge key made once on /vcore-shared (0400 munge), the same on every node" c_slurm_key
	check "slurm: sbatch runs on a node and prints that node's host name" c_slurm_sbatch
	check "slurm: srun -N2 hostname gives node1 and node2; -n4 gives 4 tasks" c_slurm_srun
	check "slurm: sinfo on a compute node reads the configuration it fetched" c_slurm_node_cmds
	check "slurm: an LDAP user's job runs as her (uid 5001) on node2" c_slurm_alice
	check "slurm: a client (SLURM_ROLE=client) runs sbatch and squeue" c_slurm_client
	common_checks "slurm (client)" "$P-client" munged
	check "slurm: a node with another munge key is refused; both logs say so" c_slurm_badkey
	check "slurm: the controller restarted keeps its state (job ids) and the key" c_slurm_restart
	check "slurm: node2 re-created with another address: the controller follows, srun reaches it" c_slurm_node_readdress
	check "slurm: SLURM_ROLE=both: one container, controller and node, srun" c_slurm_both
	check "slurm: external mode: the site's slurm.conf and munge.key used as they are" c_slurm_external
	common_checks "slurm (external)" "$P-ext" munged slurmctld slurmd
	common_checks "slurm (node1)" "$P-node1" munged slurmd
	common_checks "slurm (node2)" "$P-node2" munged slurmd
	common_checks "slurm (controller)" "$P-ctl" munged slurmctld
}
