# SPDX-License-Identifier: ISC
# Shared by the integration tests (source it). Each test gets a scratch
# folder $T with a config dir $T/etc whose vcore.conf points the control
# socket and logs into $T, runs the real vcinit as PID 1 of a new PID
# namespace, waits on events with wait_for (never a bare sleep), and cleans
# up by PID in a trap.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VCINIT=${VCINIT:-$TOP/build/vcinit}
VCTEST=${VCTEST:-$TOP/build/tests/vctest}
T=$(mktemp -d /tmp/vcore-test.XXXXXX)
chmod 755 "$T"
ETC=$T/etc
SOCK=$T/control.sock
LOGDIR=$T/log
mkdir -p "$ETC/services.d" "$LOGDIR"
# The persist volume (DESIGN: Paths): the test's own, never /vcore.
export VCORE_PERSIST_DIR=$T/vcore
UPID=""	# the unshare process (our child)
P1=""	# vcinit, as seen from here
VC_RC=""	# vcinit's exit status once it has ended

# conf TEXT: the global part of vcore.conf (the scratch paths come first).
conf() {
	{
		echo "control_socket = \"$SOCK\""
		echo "log_dir = \"$LOGDIR\""
		echo "render_root = \"$T/root\""
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} >"$ETC/vcore.conf"
}
conf

# service NAME TEXT...: writes services.d/NAME.conf with a section NAME.
service() {
	local name=$1; shift
	{ echo "service $name {"; printf '    %s\n' "$@"; echo "}"; } \
		>"$ETC/services.d/$name.conf"
}

fail() {
	echo "FAIL: $*"
	if [ -f "$T/out" ]; then echo "--- vcinit output:"; tail -n 40 "$T/out"; fi
	exit 1
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds; 1 at the limit.
# COMMAND runs again each time: what must be recomputed goes through eval
# ('[ "$(count)" -ge 2 ]' in single quotes), not through "$(...)".
wait_for() {
	local limit=$1; shift
	local end=$(($(date +%s%N) + limit * 1000000000))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.02
	done
}

# start_vcinit [ARGS...]: vcinit as PID 1 of a new PID and mount namespace.
start_vcinit() {
	unshare --pid --fork --mount-proc --kill-child \
		"$VCINIT" -c "$ETC" "$@" >"$T/out" 2>&1 </dev/null &
	UPID=$!
	# (a vcinit that is over at once, like a main command that fails,
	# has left already: its status is for wait_exit)
	wait_for 5 eval 'pgrep -P "$UPID" || ! kill -0 "$UPID"' ||
		fail "vcinit did not start"
	P1=$(pgrep -P "$UPID")
}

# start_vcinit_slow_reader: as start_vcinit, but vcinit's stdout is a pipe
# whose reader stops for 2 s before it reads (into $T/stdout), so vcinit's
# output fills up; stderr goes to $T/out.
start_vcinit_slow_reader() {
	mkfifo "$T/fifo"
	( sleep 2; cat "$T/fifo" >"$T/stdout" ) &
	EXTRA_PIDS=$!
	unshare --pid --fork --mount-proc --kill-child "$VCINIT" -c "$ETC" \
		>"$T/fifo" 2>"$T/out" </dev/null &
	UPID=$!
	wait_for 5 pgrep -P "$UPID" || fail "vcinit did not start"
	P1=$(pgrep -P "$UPID")
}

# start_subreaper [ARGS...]: vcinit as an ordinary process (not PID 1).
start_subreaper() {
	"$VCINIT" -c "$ETC" "$@" >"$T/out" 2>&1 </dev/null &
	UPID=$!
	P1=$UPID
}

ctl() { "$VCINIT" ctl --socket "$SOCK" "$@"; }

# wait_state SECONDS NAME STATE: until vcctl status shows NAME in STATE.
has_state() { ctl status --json | grep -q "\"name\":\"$1\",\"state\":\"$2\""; }
wait_state() { wait_for "$1" has_state "$2" "$3"; }

# wait_exit SECONDS: until vcinit has exited; sets VC_RC. 1 at the limit.
wait_exit() {
	local end=$(($(date +%s) + $1))
	while kill -0 "$UPID" 2>/dev/null; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.02
	done
	wait "$UPID"
	VC_RC=$?
	UPID=""
	# Under ASan/UBSan (make check's second pass) any report is a failure.
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/out"; then
		fail "the sanitizers reported an error"
	fi
}

# stop_vcinit [SIGNAL]: as docker stop would; sets VC_RC.
stop_vcinit() {
	kill -"${1:-TERM}" "$P1" 2>/dev/null
	wait_exit 15 || fail "vcinit did not exit within 15 s of SIG${1:-TERM}"
}

# ns_pid_of NAME: the service's pid inside vcinit's namespace.
ns_pid_of() {
	ctl status --json | sed -n "s/.*\"name\":\"$1\"[^}]*\"pid\":\([0-9]*\).*/\1/p"
}
# host_pid NSPID: the pid, seen from here, of the process that is NSPID in
# vcinit's PID namespace.
host_pid() {
	local ns p
	ns=$(readlink "/proc/$P1/ns/pid")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
		if [ "$(awk '/^NSpid:/{print $NF}' "$p/status" 2>/dev/null)" = "$1" ]; then
			echo "${p#/proc/}"
			return
		fi
	done
}

# descendants PID: every process below PID (for a vcinit that is not PID 1,
# whose services would outlive it).
descendants() {
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}

cleanup() {
	if [ -n "$P1" ] && [ "$P1" = "$UPID" ]; then
		kill -KILL $(descendants "$P1") 2>/dev/null
	fi
	[ -n "$UPID" ] && kill -KILL "$UPID" 2>/dev/null
	[ -n "$P1" ] && kill -KILL "$P1" 2>/dev/null
	[ -n "${EXTRA_PIDS:-}" ] && kill -KILL $EXTRA_PIDS 2>/dev/null
	wait 2>/dev/null
	# a test may have mounted something under $T (log_full_disk.sh)
	if mountpoint -q "$LOGDIR" 2>/dev/null; then umount -l "$LOGDIR"; fi
	rm -rf "$T"
}
trap cleanup EXIT

# refused MESSAGE [NAME=value...]: vcinit, run with those variables, must
# exit 78 and print MESSAGE before any hook (one that touches $T/hooked) or
# service (one that touches $T/started) ran.
refused() {
	local msg=$1; shift
	rm -f "$T/started" "$T/hooked"
	env "$@" timeout 5 "$VCINIT" -c "$ETC" >"$T/out" 2>&1 </dev/null
	local rc=$?
	[ "$rc" -eq 78 ] || fail "exit $rc for: $msg"
	grep -qF -- "$msg" "$T/out" || fail "expected '$msg', got: $(cat "$T/out")"
	[ -e "$T/hooked" ] && fail "a hook ran despite: $msg"
	[ -e "$T/started" ] && fail "a service ran despite: $msg"
	true
}
