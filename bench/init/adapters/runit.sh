# SPDX-License-Identifier: ISC
# runit 2.1.2 (Debian): runsvdir -P over a service directory (as phusion's my_init
# runs it), one runsv per service; run scripts as for s6. runitdirect: no shell.
runit_kind() { echo multi; }
runit_bins() { echo /usr/bin/runsvdir /usr/bin/runsv; }
runit_setup() { _svdir_setup "$1" service 0; }
runit_cmd() { echo "/usr/bin/runsvdir -P $1/service"; }
_sv_cmd() { case $1 in HUP) echo hup;; USR1) echo 1;; USR2) echo 2;; QUIT) echo quit;; ALRM) echo alarm;;
	INT) echo interrupt;; TERM) echo term;; KILL) echo kill;; CONT) echo cont;; *) echo "unsupported-$1";; esac; }
runit_signal() { sv "$(_sv_cmd "$3")" "$1/service/$2" >/dev/null; }
runit_status() { sv status "$1"/service/*; }
runit_timeout() { echo "none: runsvdir exits on SIGTERM at once, services get no stop signal (sv -w is a client option)"; }
runit_ctl_status() { echo /usr/bin/sv status "$1"/service/*; }
runit_ctl_signal() { echo "/usr/bin/sv $(_sv_cmd "$3") $1/service/$2"; }
runitdirect_kind() { echo multi; }
runitdirect_bins() { runit_bins; }
runitdirect_setup() { _svdir_setup "$1" service 1; }
runitdirect_cmd() { runit_cmd "$@"; }
runitdirect_signal() { runit_signal "$@"; }
runitdirect_status() { runit_status "$@"; }
runitdirect_timeout() { runit_timeout; }
runitdirect_ctl_status() { runit_ctl_status "$@"; }
runitdirect_ctl_signal() { runit_ctl_signal "$@"; }
