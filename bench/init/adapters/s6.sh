# SPDX-License-Identifier: ISC
# s6 2.11 (skarnet): s6-svscan over a scan directory, one s6-supervise per service;
# each service is a run script "#!/bin/sh / exec CMD" (the usual form), with a
# timeout-kill file (STOP_TIMEOUT_MS; without one s6-supervise waits forever).
# s6direct: the run file is the service binary itself (no shell), the floor for s6.
s6_kind() { echo multi; }
s6_bins() { echo /usr/bin/s6-svscan /usr/bin/s6-supervise /lib/x86_64-linux-gnu/libskarnet.so.2.13; }
_svdir_setup() { # DIR SUBDIR direct?
	local d=$1 sub=$2 direct=$3 name argv
	mkdir -p "$d/$sub"
	while IFS=$'\t' read -r name argv; do
		mkdir -p "$d/$sub/$name"
		if [ "$direct" = 1 ]; then
			echo "${argv#* svc }" >"$d/$sub/$name/svc.args"
			ln -s "$H" "$d/$sub/$name/run"
		else
			printf '#!/bin/sh\nexec %s\n' "$argv" >"$d/$sub/$name/run"
			chmod +x "$d/$sub/$name/run"
		fi
		echo "$STOP_TIMEOUT_MS" >"$d/$sub/$name/timeout-kill"
	done <"$d/services.tsv"
	# runsvdir sleeps 1 s before scanning a directory modified in the current
	# second; in an image the directory is old, so backdate it.
	touch -d "@$(($(date +%s) - 60))" "$d/$sub"
}
s6_setup() { _svdir_setup "$1" scan 0; }
s6_cmd() { echo "/usr/bin/s6-svscan $1/scan"; }
_s6_flag() { case $1 in HUP) echo -h;; USR1) echo -1;; USR2) echo -2;; QUIT) echo -q;; ALRM) echo -a;;
	INT) echo -i;; TERM) echo -t;; KILL) echo -k;; WINCH) echo -y;; CONT) echo -c;; *) echo "-?";; esac; }
s6_signal() { s6-svc "$(_s6_flag "$3")" "$1/scan/$2"; }
s6_status() { local s; for s in "$1"/scan/*/; do s6-svstat "$s"; done; }
s6_timeout() { echo "timeout-kill = $STOP_TIMEOUT_MS ms per service (default: none, waits forever)"; }
# s6-svstat reads one service: the figure is per service (3 calls for 3 services)
s6_ctl_status() { echo "/usr/bin/s6-svstat $1/scan/s1"; }
s6_ctl_signal() { echo "/usr/bin/s6-svc $(_s6_flag "$3") $1/scan/$2"; }
s6direct_kind() { echo multi; }
s6direct_bins() { s6_bins; }
s6direct_setup() { _svdir_setup "$1" scan 1; }
s6direct_cmd() { s6_cmd "$@"; }
s6direct_signal() { s6_signal "$@"; }
s6direct_status() { s6_status "$@"; }
s6direct_timeout() { s6_timeout; }
s6direct_ctl_status() { s6_ctl_status "$@"; }
s6direct_ctl_signal() { s6_ctl_signal "$@"; }
