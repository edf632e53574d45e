#!/bin/bash
# log = file: lines go to LOG_DIR/NAME.log with a time stamp, mode 0640
# group 10050; past log_max_size the file is rotated, rotations are gzip
# files (readable by zcat) and only log_keep of them are kept; no line is
# lost across rotations.
# asan
. "$(dirname "$0")/lib.sh"
conf 'log_max_size = "64K"' 'log_keep = 3'
service chatty "command = {\"$VCTEST\", \"lines\", \"10000\", \"50\"}" 'type = oneshot' 'log = file'
start_vcinit
wait_state 10 chatty done || fail "chatty not done"
wait_for 10 eval '! ls "$LOGDIR"/chatty.log.r* >/dev/null 2>&1' || fail "a rotation was never compressed"
ls "$LOGDIR" >"$T/ls"
[ -f "$LOGDIR/chatty.log" ] || fail "no chatty.log"
for n in 1 2 3; do
	[ -f "$LOGDIR/chatty.log.$n.gz" ] || fail "no chatty.log.$n.gz: $(cat "$T/ls")"
	zcat "$LOGDIR/chatty.log.$n.gz" >/dev/null || fail "chatty.log.$n.gz is not gzip"
done
[ -e "$LOGDIR/chatty.log.4.gz" ] && fail "more than log_keep rotations kept"
[ "$(stat -c %a:%g "$LOGDIR/chatty.log")" = 640:10050 ] || fail "mode/group $(stat -c %a:%g "$LOGDIR/chatty.log")"
[ "$(stat -c %s "$LOGDIR/chatty.log")" -lt 70000 ] || fail "chatty.log not rotated at 64K"
grep -qE '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z line 10000 ' "$LOGDIR/chatty.log" || fail "no time-stamped last line"
# the newest lines are all there, in order, across the files kept
{ for n in 3 2 1; do zcat "$LOGDIR/chatty.log.$n.gz"; done; cat "$LOGDIR/chatty.log"; } |
	awk '{print $3}' >"$T/nums"
first=$(head -1 "$T/nums")
[ "$(tail -1 "$T/nums")" -eq 10000 ] || fail "last line missing"
awk -v f="$first" '{ if ($1 != f + NR - 1) { print "gap at " NR; exit 1 } }' "$T/nums" ||
	fail "lines lost across rotations"
grep -q '^chatty | ' "$T/out" && fail "log = file also wrote to stdout"
stop_vcinit
