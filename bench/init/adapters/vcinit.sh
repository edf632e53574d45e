# SPDX-License-Identifier: ISC
# vcinit (this project): build/vcinit, static musl (make static); vcctl is
# "vcinit ctl --socket S". One services.d file per service. vcore.conf keeps the
# control socket, the log folder and render_root inside the run's scratch dir;
# vcinit writes "NAME | line" for its services' output (and its own messages)
# on its stdout, which goes to DIR/init.out.
VCINIT=${VCINIT:-$WORK/bin/vcinit}
vcinit_kind() { echo multi; }
vcinit_bins() { echo "$VCINIT"; }
vcinit_timeout() { echo "stop_timeout = \"${STOP_TIMEOUT_MS}ms\" per service (default 5s); shutdown_timeout 9s (default)"; }
vcinit_setup() {
	local d=$1 name argv w
	mkdir -p "$d/etc/services.d" "$d/log"
	export VCORE_PERSIST_DIR=$d/vcore	# never the host's /vcore
	{ echo "control_socket = \"$d/control.sock\""
	  echo "log_dir = \"$d/log\""
	  echo "render_root = \"$d/root\""; } >"$d/etc/vcore.conf"
	while IFS=$'\t' read -r name argv; do
		{ printf 'service %s {\n    command = {' "$name"
		  for w in $argv; do printf ' "%s",' "$w"; done | sed 's/,$//'
		  printf ' }\n    restart = always\n    stop_timeout = "%sms"\n}\n' "$STOP_TIMEOUT_MS"
		} >"$d/etc/services.d/$name.conf"
	done <"$d/services.tsv"
}
vcinit_cmd() { echo "$VCINIT -c $1/etc"; }
vcinit_signal() { "$VCINIT" ctl --socket "$1/control.sock" signal "$2" "$3" >/dev/null; }
vcinit_status() { "$VCINIT" ctl --socket "$1/control.sock" status; }
vcinit_ctl_status() { echo "$VCINIT ctl --socket $1/control.sock status"; }
vcinit_ctl_signal() { echo "$VCINIT ctl --socket $1/control.sock signal $2 $3"; }
