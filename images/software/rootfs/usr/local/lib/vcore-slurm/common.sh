# SPDX-License-Identifier: ISC
# shellcheck shell=sh
# Sourced by the SLURM boot hook (magic.d/60-slurm) and the wrappers of the
# services munged and slurmd (/usr/local/sbin/vcore-slurm-*), all as root:
# the settings read from the environment and checked, and where the munge
# key comes from. Functions and constants only.

# shellcheck disable=SC2034 # used by the scripts that source this file
SLURM_CONF_FILE=/etc/slurm/slurm.conf
# The controller publishes the slurm.conf it wrote here, for the client
# role: Slurm 22.05's commands cannot fetch it configless without slurmd.
SLURM_SHARED_CONF=/vcore-shared/slurm.conf
SLURM_SHARED_KEY=/vcore-shared/munge.key
SLURM_STATE_DIR=/var/spool/slurmctld
MUNGE_KEY=/etc/munge/munge.key
MUNGE_SOCKET_DIR=/run/munge

# These have defaults in /etc/vcore/env.d/slurm; a script run by hand with
# a bare environment gets the same ones.
: "${SLURM_MODE:=managed}"
: "${SLURM_ROLE:=none}"
: "${SLURM_CLUSTER_NAME:=vcore}"
: "${SLURM_PARTITION:=main}"
: "${SLURM_MAX_NODES:=64}"
: "${SLURM_CONTROLLER:=}"
: "${SLURM_NODE_CONF:=}"
: "${SLURM_CONF_EXTRA:=}"
: "${MUNGE_KEY_FILE:=}"

# A setting is missing or wrong: stop with 78, naming it.
slurm_bad() {
	echo "slurm: $*" >&2
	exit 78
}

slurm_say() {
	echo "slurm: $*"
}

slurm_warn() {
	echo "slurm: warning: $*" >&2
}

# slurm_host: this container's short host name, as slurmd and slurmctld
# take it (the name nodes join by, the controller's SlurmctldHost).
slurm_host() {
	h=$(cat /proc/sys/kernel/hostname)
	echo "${h%%.*}"
}

# slurm_key_source: the munge key's file: MUNGE_KEY_FILE, or the one the
# controller publishes on /vcore-shared.
slurm_key_source() {
	echo "${MUNGE_KEY_FILE:-$SLURM_SHARED_KEY}"
}

# slurm_runs_daemons: whether this container runs any SLURM daemon (munged
# at least).
slurm_runs_daemons() {
	[ "$SLURM_MODE" != off ] && [ "$SLURM_ROLE" != none ]
}

# slurm_has_role ROLE...: whether SLURM_ROLE is one of them.
slurm_has_role() {
	for r in "$@"; do
		[ "$SLURM_ROLE" != "$r" ] || return 0
	done
	return 1
}

# slurm_check_settings: every setting, before anything is done with them;
# 78 with the variable's name on the first bad one.
slurm_check_settings() {
	case $SLURM_MODE in
	managed | external | off) ;;
	*) slurm_bad "SLURM_MODE must be managed, external or off, not '$SLURM_MODE'" ;;
	esac
	case $SLURM_ROLE in
	controller | compute | both | client | none) ;;
	*) slurm_bad "SLURM_ROLE must be controller, compute, both, client or none, not '$SLURM_ROLE'" ;;
	esac
	slurm_runs_daemons || return 0
	case $SLURM_CONTROLLER in
	*[!A-Za-z0-9.-]*) slurm_bad "SLURM_CONTROLLER must be a host name or address, not '$SLURM_CONTROLLER'" ;;
	esac
	# A compute node reaches its controller by this name (configless, and
	# the wait before slurmd starts).
	if slurm_has_role compute && [ -z "$SLURM_CONTROLLER" ]; then
		slurm_bad "SLURM_CONTROLLER is required with SLURM_ROLE=compute: the controller's host name"
	fi
	case $MUNGE_KEY_FILE in
	'' | /*) ;;
	*) slurm_bad "MUNGE_KEY_FILE must be an absolute path, not '$MUNGE_KEY_FILE'" ;;
	esac
	# Volumes are in place when the container starts: a key file named but
	# absent is a mistake, not something to wait for. The shared key may
	# still come from a controller that starts later.
	if [ -n "$MUNGE_KEY_FILE" ] && [ ! -e "$MUNGE_KEY_FILE" ]; then
		slurm_bad "MUNGE_KEY_FILE: $MUNGE_KEY_FILE does not exist"
	fi
	[ "$SLURM_MODE" = managed ] || return 0
	case $SLURM_CLUSTER_NAME in
	'' | *[!a-z0-9_-]*) slurm_bad "SLURM_CLUSTER_NAME must be lower-case letters, digits, _ and -, not '$SLURM_CLUSTER_NAME'" ;;
	esac
	case $SLURM_PARTITION in
	'' | *[!A-Za-z0-9_-]*) slurm_bad "SLURM_PARTITION must be a name of letters, digits, _ and -, not '$SLURM_PARTITION'" ;;
	esac
	case $SLURM_MAX_NODES in
	'' | *[!0-9]* | 0) slurm_bad "SLURM_MAX_NODES must be a number (1 or more), not '$SLURM_MAX_NODES'" ;;
	esac
	case $SLURM_NODE_CONF in
	*NodeName=* | *Port=*) slurm_bad "SLURM_NODE_CONF may not set NodeName or Port (the node is named by its host name)" ;;
	esac
	return 0
}
