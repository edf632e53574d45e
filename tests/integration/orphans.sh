#!/bin/bash
# 10,000 double-forked orphans land on PID 1 at once: all are reaped
# promptly and no zombie is left.
. "$(dirname "$0")/lib.sh"
service maker "type = oneshot" "command = {\"$VCTEST\", \"orphans\", \"10000\"}"
service idle "command = {\"$VCTEST\", \"idle\"}"
start_vcinit
wait_state 60 maker done || fail "the orphans were not made: $(ctl status)"
ns=$(readlink "/proc/$P1/ns/pid")
zombies() {
	local n=0 p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
		[ "$(awk '{print $3}' "$p/stat" 2>/dev/null)" = Z ] && n=$((n + 1))
	done
	echo $n
}
alive() {
	local n=0 p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && n=$((n + 1))
	done
	echo $n
}
# vcinit and idle remain; everything else was reaped
wait_for 20 eval '[ "$(alive)" -le 2 ]' || fail "$(alive) processes left, $(zombies) zombies"
[ "$(zombies)" -eq 0 ] || fail "zombies left"
has_state idle up || fail "idle disturbed"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"
