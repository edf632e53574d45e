#!/bin/bash
# A full disk under log_dir: the failure is reported (once, with how many
# lines were lost), PID 1 keeps running and answering, the lines still reach
# stdout for a service with log = both, and writing resumes once there is
# room again.
# asan
if [ -z "${VCORE_IN_MOUNT_NS:-}" ]; then
	# a private mount namespace for the small tmpfs that stands for a disk
	exec unshare --mount env VCORE_IN_MOUNT_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
mount --make-rprivate / || { echo "cannot make mounts private"; exit 77; }
mount -t tmpfs -o size=64k tmpfs "$LOGDIR" || { echo "cannot mount a tmpfs"; exit 77; }
conf 'log_max_size = "10M"'
service chatty "command = {\"$VCTEST\", \"lines\", \"3000\", \"60\"}" 'type = oneshot' 'log = both'
service other "command = {\"$VCTEST\", \"idle\"}"
start_vcinit
wait_state 10 chatty done || fail "chatty did not finish: PID 1 stalled?"
grep -q "warning: unable to write $LOGDIR/chatty.log: No space left on device" "$T/out" ||
	fail "the full disk was not reported"
[ "$(grep -c 'unable to write' "$T/out")" -eq 1 ] || fail "reported more than once a minute"
[ "$(grep -c '^chatty | line ' "$T/out")" -eq 3000 ] || fail "stdout lost lines: $(grep -c '^chatty | line ' "$T/out")"
has_state other up || fail "other disturbed"
ctl status >/dev/null || fail "PID 1 does not answer"
# room again: the next lines are written
: >"$LOGDIR/chatty.log"
ctl restart chatty || fail "restart"
wait_for 5 grep -q 'Z line 1 x' "$LOGDIR/chatty.log" || fail "writing did not resume"
stop_vcinit
