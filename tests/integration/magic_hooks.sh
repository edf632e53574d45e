#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# Boot and finish hooks (DESIGN: Boot order, Volumes, Exit statuses):
# prepare_magic (run by sh when not executable), magic.d in name order
# (a file that is not executable is skipped and named), magic.d/once only
# while the volume has no marker (written after a success), each with its
# lines as "magic/NAME | line" and with env.d and secrets; then services.
# A failing hook stops the boot with its status (124 timed out, 128+N
# killed by signal N) unless magic_failure = "continue"; SIGTERM during a
# hook ends vcinit at once with 0; a hook that writes services.d has it
# read again, one that writes vcore.conf is an error (78). finish.d runs
# after the services stopped, bounded by magic_timeout and by the
# shutdown budget. vcctl status reports every hook.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "no python3 (scripts/deps.sh check)"; exit 77; }
V=$VCORE_PERSIST_DIR
mkdir -p "$ETC/magic.d/once" "$ETC/finish.d" "$ETC/env.d" "$ETC/secrets.d"
hook() { # FILE BODY [MODE]
	printf '#!/bin/sh\n%s\n' "$2" >"$1"
	chmod "${3:-755}" "$1"
}
log_order() { echo "echo $1 >> $T/order"; }
echo 'GREETING=hello' >"$ETC/env.d/10-defaults"
echo 'TOKEN' >"$ETC/secrets.d/app"
echo 'tok-value' >"$T/token"
export TOKEN_FILE=$T/token
hook "$T/prepare_magic.sh" "$(log_order prepare); echo prepared" 644
hook "$ETC/magic.d/10-first" "$(log_order 10-first)
echo \"first \$GREETING \$TOKEN\"; echo 'to stderr' >&2"
hook "$ETC/magic.d/15-noexec" "$(log_order 15-noexec)" 644
hook "$ETC/magic.d/20-second" "$(log_order 20-second); printf 'no newline at the end'"
hook "$ETC/magic.d/once/50-init" "$(log_order once-init); echo initialised"
hook "$ETC/finish.d/10-bye" "$(log_order finish); echo \"bye \$GREETING \$TOKEN\""
base_conf=("prepare_magic = \"$T/prepare_magic.sh\"")
conf "${base_conf[@]}"
service app "type = oneshot" "command = {\"/bin/sh\", \"-c\", \"$(log_order service)\"}"
service waiter "command = {\"/bin/sh\", \"-c\", \"trap '$(log_order waiter-stopped); exit 0' TERM; $VCTEST idle & wait\"}"
order() { tr '\n' ' ' <"$T/order" | sed 's/ $//'; }
hook_names() { ctl status --json | grep -o '"name":"\(magic\|finish\)/[^"]*"' | cut -d'"' -f4 | tr '\n' ' '; }

# Order, output, environment, the once marker, the report.
start_vcinit
wait_state 5 app done || fail "app not done: $(ctl status)"
wait_state 5 waiter up || fail "waiter not up"
[ "$(order)" = "prepare 10-first 20-second once-init service" ] || fail "order: $(order)"
grep -qx 'magic/prepare_magic.sh | prepared' "$T/out" || fail "no prepare_magic output"
grep -qx 'magic/10-first | first hello tok-value' "$T/out" || fail "10-first did not see env.d and the secret"
grep -qx 'magic/10-first | to stderr' "$T/out" || fail "no stderr line"
grep -qx 'magic/20-second | no newline at the end' "$T/out" || fail "a last line without newline was lost"
grep -qx 'magic/once/50-init | initialised' "$T/out" || fail "no once output"
grep -F "$ETC/magic.d/15-noexec" "$T/out" | grep -q 'not executable' || fail "15-noexec not named"
[ -e "$V/.once/50-init" ] || fail "no once marker"
ctl status | grep -qE '^  magic/10-first +exited 0 +[0-9]+ ms$' || fail "status: $(ctl status)"
ctl status | grep -qE '^  magic/once/50-init +exited 0 ' || fail "status: $(ctl status)"
[ "$(hook_names)" = "magic/prepare_magic.sh magic/10-first magic/20-second magic/once/50-init " ] ||
	fail "json hooks: $(hook_names)"
ctl status --json | grep -qE '\{"name":"magic/20-second","outcome":"exited 0","status":0,"elapsed_ms":[0-9]+\}' ||
	fail "json: $(ctl status --json)"
# the whole "magic" object, as docs/control.md gives it
ctl status --json | python3 -c '
import json, sys
m = json.load(sys.stdin)["magic"]
ints = ("templates", "templates_unchanged", "templates_skipped", "root_keys")
assert all(type(m[k]) is int and m[k] >= 0 for k in ints), m
# times in ms with microseconds; the files part comes before the hooks
assert 0 < m["files_ms"] < m["elapsed_ms"], m
assert m["persist_dir"] == sys.argv[1], m
assert m["rendered"] == [], m
for h in m["hooks"]:
	assert sorted(h) == ["elapsed_ms", "name", "outcome", "status"], h
	assert h["outcome"] == "exited 0" and h["status"] == 0, h
	# (hooks count their own time in whole ms)
	assert 0 <= h["elapsed_ms"] <= m["elapsed_ms"] + 1, (h, m)
assert len(m["hooks"]) == 4, m
' "$V" || fail "the magic object: $(ctl status --json)"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"
[ "$(order)" = "prepare 10-first 20-second once-init service waiter-stopped finish" ] ||
	fail "finish.d did not run after the services stopped: $(order)"
grep -qx 'finish/10-bye | bye hello tok-value' "$T/out" || fail "no finish output"

# The same volume again: the once hook does not run.
rm "$T/order"
start_vcinit
wait_state 5 app done || fail "app not done"
[ "$(order)" = "prepare 10-first 20-second service" ] || fail "second boot: $(order)"
grep -q 'magic/once/50-init' "$T/out" && fail "the once hook ran again"
stop_vcinit

# magic_failure = continue: failures are logged; a failed once hook
# leaves no marker and runs again until it succeeds.
rm -f "$ETC/magic.d/15-noexec" "$ETC/finish.d/10-bye"
conf "${base_conf[@]}" 'magic_failure = "continue"' 'magic_timeout = "300ms"'
hook "$ETC/magic.d/30-fail" "$(log_order 30-fail); exit 7"
hook "$ETC/magic.d/35-slow" "$(log_order 35-slow); exec sleep 30"
hook "$ETC/magic.d/once/60-flaky" "$(log_order flaky); exit 3"
rm "$T/order"
start_vcinit
wait_state 5 app done || fail "continue: app not done: $(cat "$T/out")"
[ "$(order)" = "prepare 10-first 20-second 30-fail 35-slow flaky service" ] || fail "continue: $(order)"
grep -q 'magic/30-fail: exited 7 .*going on' "$T/out" || fail "no warning for 30-fail"
grep -q 'magic/35-slow: timed out .*going on' "$T/out" || fail "no warning for 35-slow"
ctl status --json | grep -qE '\{"name":"magic/30-fail","outcome":"exited 7","status":7,' ||
	fail "json: $(ctl status --json)"
ctl status --json | grep -qE '\{"name":"magic/35-slow","outcome":"timed out","status":124,"elapsed_ms":(2[89][0-9]|[3-9][0-9][0-9]|1[0-9]{3})\}' ||
	fail "json: $(ctl status --json)"
ctl status | grep -qE '^  magic/once/60-flaky +exited 3 ' || fail "status: $(ctl status)"
[ -e "$V/.once/60-flaky" ] && fail "a marker for a failed once hook"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"
rm "$T/order"
hook "$ETC/magic.d/once/60-flaky" "$(log_order flaky)"
rm "$ETC/magic.d/35-slow"
start_vcinit
wait_state 5 app done || fail "app not done"
[ "$(order)" = "prepare 10-first 20-second 30-fail flaky service" ] || fail "flaky not again: $(order)"
[ -e "$V/.once/60-flaky" ] || fail "no marker after the once hook succeeded"
stop_vcinit

# magic_failure = stop (the default): the boot ends with the hook's status.
conf "${base_conf[@]}" 'magic_timeout = "300ms"'
hook "$ETC/magic.d/40-after" "$(log_order 40-after)"
boot_fails() { # STATUS WHAT: the boot stops at 30-fail with STATUS
	rm -f "$T/order"
	local t0=$(date +%s%N)
	start_vcinit
	wait_exit 5 || fail "vcinit still runs after a failed hook ($2)"
	local ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$VC_RC" -eq "$1" ] || fail "exit $VC_RC, not $1, for $2"
	grep -qE "fatal: magic/30-fail: $2" "$T/out" || fail "no fatal line for $2: $(cat "$T/out")"
	[ "$(order)" = "prepare 10-first 20-second 30-fail" ] || fail "after $2: $(order)"
	grep -q 'started with' "$T/out" && fail "services started after $2"
	[ "$ms" -lt 2000 ] || fail "$2 took $ms ms"
}
boot_fails 7 "exited 7"
hook "$ETC/magic.d/30-fail" "$(log_order 30-fail); kill -USR1 \$\$"
boot_fails 138 "killed by signal 10"
hook "$ETC/magic.d/30-fail" "$(log_order 30-fail); exec sleep 30"
boot_fails 124 "timed out"
grep -q 'magic/30-fail: still running after' "$T/out" || fail "no timeout message"

# SIGTERM while a hook runs: vcinit ends at once, 0, no service started.
conf "${base_conf[@]}"
hook "$ETC/magic.d/30-fail" "$(log_order 30-fail); echo waiting; sleep 30"
rm "$T/order"
start_vcinit
wait_for 5 grep -qx 'magic/30-fail | waiting' "$T/out" || fail "30-fail did not start"
t0=$(date +%s%N)
stop_vcinit
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 1000 ] || fail "SIGTERM during a hook: $ms ms"
[ "$(order)" = "prepare 10-first 20-second 30-fail" ] || fail "after SIGTERM: $(order)"
grep -q 'started with' "$T/out" && fail "services started after SIGTERM"
[ "$VC_RC" -eq 0 ] || fail "SIGTERM during a hook: exit $VC_RC, not 0"

# A hook that writes services.d: read again; a bad one, or vcore.conf: 78.
rm "$ETC/magic.d/30-fail" "$ETC/magic.d/40-after"
hook "$ETC/magic.d/30-service" "cat >$ETC/services.d/late.conf <<EOF
service late {
    command = {\"$VCTEST\", \"idle\"}
}
EOF"
start_vcinit
wait_state 5 late up || fail "a service written by a hook did not start: $(ctl status)"
stop_vcinit
rm "$ETC/services.d/late.conf"
hook "$ETC/magic.d/30-service" "printf 'service late {\n    bogus = 1\n}\n' >$ETC/services.d/late.conf"
start_vcinit
wait_exit 5 || fail "vcinit runs with a bad service file"
[ "$VC_RC" -eq 78 ] || fail "exit $VC_RC for a bad service file written by a hook"
grep -qF "$ETC/services.d/late.conf:2: no such option 'bogus'" "$T/out" || fail "$(cat "$T/out")"
grep -q 'started with' "$T/out" && fail "services started"
rm "$ETC/services.d/late.conf"
hook "$ETC/magic.d/30-service" "echo 'log_keep = 3' >>$ETC/vcore.conf"
start_vcinit
wait_exit 5 || fail "vcinit runs after a hook wrote vcore.conf"
[ "$VC_RC" -eq 78 ] || fail "exit $VC_RC after a hook wrote vcore.conf"
grep -qF "$ETC/vcore.conf: written by a template or a hook" "$T/out" || fail "$(cat "$T/out")"
grep -q 'started with' "$T/out" && fail "services started"
rm "$ETC/magic.d/30-service"

# finish.d: bounded by magic_timeout, and by the shutdown budget.
conf "${base_conf[@]}" 'magic_timeout = "300ms"'
hook "$ETC/finish.d/10-bye" 'echo bye'
hook "$ETC/finish.d/20-slow" 'echo slow; exec sleep 30'
start_vcinit
wait_state 5 waiter up || fail "waiter not up"
t0=$(date +%s%N)
stop_vcinit
ms=$((($(date +%s%N) - t0) / 1000000))
grep -qx 'finish/10-bye | bye' "$T/out" || fail "10-bye did not run"
grep -qx 'finish/20-slow | slow' "$T/out" || fail "20-slow did not run"
grep -q 'finish/20-slow: still running after' "$T/out" || fail "20-slow was not killed"
[ "$ms" -ge 250 ] && [ "$ms" -lt 1500 ] || fail "shutdown took $ms ms with magic_timeout 300ms"
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"
conf "${base_conf[@]}"
export VCORE_SHUTDOWN_TIMEOUT=1s
start_vcinit
wait_state 5 waiter up || fail "waiter not up"
t0=$(date +%s%N)
stop_vcinit
ms=$((($(date +%s%N) - t0) / 1000000))
grep -qx 'finish/20-slow | slow' "$T/out" || fail "20-slow did not run"
[ "$ms" -ge 900 ] && [ "$ms" -lt 1600 ] || fail "shutdown took $ms ms with a 1 s budget"
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"
unset VCORE_SHUTDOWN_TIMEOUT

# Bad values of the options.
check() { # EXPECTED-MESSAGE: vcinit must exit 78 and print it
	timeout 5 "$VCINIT" -c "$ETC" >"$T/out" 2>&1 </dev/null
	local rc=$?
	[ "$rc" -eq 78 ] || fail "exit $rc for: $1"
	grep -qF -- "$1" "$T/out" || fail "expected '$1', got: $(cat "$T/out")"
}
conf 'magic_timeout = "soon"'
check "$ETC/vcore.conf:4: magic_timeout: 'soon' is not a duration"
conf 'magic_failure = "ignore"'
check "$ETC/vcore.conf:4: magic_failure"
true
