#!/bin/bash
# enabled_if: one image carries the services of several roles and its
# environment picks them (the research images' SLURM roles). Every entry
# must hold; env.d gives defaults the container's variables override; a
# service off by its condition is shown as disabled with the condition,
# does not count for health, and vcctl start still starts it. A malformed
# condition is a configuration error naming file and line.
# asan
. "$(dirname "$0")/lib.sh"
mkdir -p "$ETC/env.d"
printf 'ROLE=compute\nMODE=managed\n' >"$ETC/env.d/roles"
service ctld "command = {\"$VCTEST\", \"mark\", \"$T/ctld\"}" \
	'enabled_if = {"ROLE=controller|both", "MODE!=off"}'
service node "command = {\"$VCTEST\", \"mark\", \"$T/node\"}" \
	'enabled_if = {"ROLE=compute|both", "MODE!=off"}'
service client "command = {\"$VCTEST\", \"mark\", \"$T/client\"}" \
	'enabled_if = {"CLIENT"}'

# env.d's defaults: the compute role only.
start_vcinit
wait_for 5 test -s "$T/node" || fail "node did not start"
ctl status | grep -Eq '^ctld +disabled .*ROLE=controller\|both' || fail "$(ctl status)"
ctl status | grep -Eq '^client +disabled .*CLIENT' || fail "$(ctl status)"
ctl health >/dev/null || fail "unhealthy with services off by condition"
ctl start ctld >/dev/null || fail "vcctl start ctld"
wait_for 5 test -s "$T/ctld" || fail "vcctl start did not start ctld"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"
rm -f "$T/ctld" "$T/node" "$T/client"

# The container's variables win; an empty one counts as unset.
export ROLE=both CLIENT=""
start_vcinit
wait_for 5 test -s "$T/ctld" -a -s "$T/node" || fail "both roles did not start"
ctl status | grep -Eq "^client +disabled" || fail "client ran with CLIENT empty: $(ctl status)"
stop_vcinit
rm -f "$T/ctld" "$T/node"

export MODE=off CLIENT=yes
start_vcinit
wait_for 5 test -s "$T/client" || fail "client did not start"
[ "$(ctl status | grep -Ec "^(ctld|node) +disabled")" = 2 ] || fail "MODE=off: $(ctl status)"
stop_vcinit
[ -e "$T/ctld" ] || [ -e "$T/node" ] && fail "a role ran with MODE=off"

service bad "command = {\"$VCTEST\", \"idle\"}" 'enabled_if = {"SLURM ROLE=x"}'
start_vcinit
wait_exit 5 || fail "vcinit kept running with a bad condition"
[ "$VC_RC" -eq 78 ] || fail "exit $VC_RC"
grep -Eq "bad\.conf:[0-9]+: enabled_if: 'SLURM ROLE=x' is not NAME" "$T/out" || fail "$(cat "$T/out")"
exit 0
