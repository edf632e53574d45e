#!/bin/bash
# Shutdown: every service gets its stop signal in reverse dependency order
# (independent ones together), the one that ignores SIGTERM is killed at its
# stop_timeout, vcinit exits right after the last death, and nothing is
# left behind (checked from outside: the namespace's processes are gone).
# asan
. "$(dirname "$0")/lib.sh"
service base "command = {\"$VCTEST\", \"signals\", \"$T/base\"}"
service mid "command = {\"$VCTEST\", \"signals\", \"$T/mid\"}" 'depends = {"base"}'
service top "command = {\"$VCTEST\", \"signals\", \"$T/top\"}" 'depends = {"mid"}'
service stubborn "command = {\"$VCTEST\", \"ignore-term\", \"$T/stubborn\"}" \
	'stop_timeout = "700ms"'
for i in 1 2 3 4 5 6; do
	service "s$i" "command = {\"$VCTEST\", \"signals\", \"$T/s$i\"}"
done
start_vcinit
for s in base mid top stubborn s1 s6; do wait_state 5 $s up || fail "$s not up"; done
ns=$(readlink "/proc/$P1/ns/pid")
t0=$(date +%s%N)
stop_vcinit
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
[ "$VC_RC" -eq 0 ] || fail "exit status $VC_RC"
# bounded by the stubborn service's stop_timeout, not by shutdown_timeout
[ "$ms" -ge 650 ] && [ "$ms" -lt 2500 ] || fail "shutdown took $ms ms"
for s in base mid top s1 s2 s3 s4 s5 s6; do
	grep -q '^G 15 ' "$T/$s" || fail "$s never got SIGTERM"
done
grep -q '^G 15 ' "$T/stubborn" || fail "stubborn never got SIGTERM"
grep -q 'stubborn: still running 700ms after SIGTERM: sending SIGKILL' "$T/out" || fail "no kill message"
# reverse order: top before mid before base
first_term() { awk '$1=="G" && $2==15 {print $3; exit}' "$T/$1"; }
tt=$(first_term top); tm=$(first_term mid); tb=$(first_term base)
[ "$tt" -lt "$tm" ] && [ "$tm" -lt "$tb" ] || fail "order top=$tt mid=$tm base=$tb"
# independent services got it together with the first ones
t6=$(first_term s6)
[ $(((t6 - tt) / 1000000)) -lt 100 ] || fail "s6 was not stopped together with top"
for p in /proc/[0-9]*; do
	[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && fail "process ${p#/proc/} left behind"
done
true
