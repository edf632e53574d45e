# SPDX-License-Identifier: ISC
# bare: benchhelper minisup, a 150-line static C supervisor (signalfd + poll,
# fork+execv, respawn at once, no backoff, no config parsing, no logs). Not a
# real init: it is the floor the kernel allows, measured in the same run.
bare_kind() { echo multi; }
bare_bins() { echo "$WORK/minisup"; }
bare_setup() { cut -f2 "$1/services.tsv" >"$1/minisup.list"; }
bare_cmd() { echo "$WORK/minisup minisup $1/minisup.list"; }
bare_timeout() { echo "MINISUP_STOP_MS=$STOP_TIMEOUT_MS (TERM+CONT to every group, then KILL)"; }
