#!/bin/bash
# vcctl start NAME starts what NAME depends on and was stopped with vcctl
# (dependencies first, down the chain); a dependency disabled by
# VCORE_DISABLE or enabled = false stays off.
# asan
. "$(dirname "$0")/lib.sh"
service base "command = {\"$VCTEST\", \"idle\"}"
service mid "command = {\"$VCTEST\", \"idle\"}" 'depends = {"base"}'
service top "command = {\"$VCTEST\", \"idle\"}" 'depends = {"mid", "off", "env_off"}'
service off "command = {\"$VCTEST\", \"idle\"}" 'enabled = false'
service env_off "command = {\"$VCTEST\", \"idle\"}"
export VCORE_DISABLE=env_off
start_vcinit
wait_state 5 top up || fail "top not up"
ctl stop top || fail "stop top"
ctl stop mid || fail "stop mid"
ctl stop base || fail "stop base"
has_state base down || fail "base not down"
ctl start top || fail "start top"
wait_state 5 top up || fail "top did not come up"
has_state mid up || fail "mid was not started with top"
has_state base up || fail "base was not started with top"
has_state off down || fail "the disabled dependency was started"
has_state env_off disabled || has_state env_off down ||
	fail "the dependency VCORE_DISABLE names was started"
# dependencies came up before their dependants
order=$(sed -n '/base: stopped/,$p' "$T/out" | grep -oE '(base|mid|top): started' | tr '\n' ' ')
[ "$order" = "base: started mid: started top: started " ] ||
	fail "order after vcctl start: $order"
stop_vcinit
