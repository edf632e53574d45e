# SPDX-License-Identifier: ISC
# Single-child inits: tini 0.19 (tinig: tini -g, signals to the child's process
# group), dumb-init 1.2.5 (default: signals to the child's session/process group),
# catatonit 0.1.7 (podman's init).
tini_kind() { echo single; }
tini_bins() { echo /usr/bin/tini; }
tini_setup() { :; }
tini_cmd() { echo "/usr/bin/tini -- $(single_child "$1")"; }
tini_timeout() { echo "none: SIGTERM goes to its one child (sh entry.sh for several services), no kill timeout"; }
tinig_timeout() { echo "none: SIGTERM to the child's process group, no kill timeout"; }
dumbinit_timeout() { echo "none"; }
catatonit_timeout() { echo "none"; }
tinig_kind() { echo single; }
tinig_bins() { tini_bins; }
tinig_setup() { :; }
tinig_cmd() { echo "/usr/bin/tini -g -- $(single_child "$1")"; }
dumbinit_kind() { echo single; }
dumbinit_bins() { echo /usr/bin/dumb-init; }
dumbinit_setup() { :; }
dumbinit_cmd() { echo "/usr/bin/dumb-init $(single_child "$1")"; }
catatonit_kind() { echo single; }
catatonit_bins() { echo /usr/bin/catatonit; }
catatonit_setup() { :; }
catatonit_cmd() { echo "/usr/bin/catatonit -- $(single_child "$1")"; }
