#!/bin/bash
# `docker run -it IMAGE sh`: a main command started with a terminal on
# stdin keeps it on 0, 1 and 2 and runs in its own foreground process group
# (so job control and Ctrl-C work in it); its exit status is the container's.
# asan
. "$(dirname "$0")/lib.sh"
command -v script >/dev/null || { echo "script (util-linux) is missing"; exit 77; }
service side "command = {\"$VCTEST\", \"idle\"}"
cat >"$T/inner.sh" <<'SH'
test -t 0 && test -t 1 && test -t 2 && echo ALL-TTY
read -r pgid tpgid <<EOF2
$(ps -o pgid=,tpgid= -p $$)
EOF2
[ "$pgid" = "$tpgid" ] && [ "$pgid" = $$ ] && echo FOREGROUND
exit 4
SH
script -qefc "unshare --pid --fork --mount-proc --kill-child $VCINIT -c $ETC -- /bin/sh $T/inner.sh" "$T/typescript" </dev/null >"$T/out" 2>&1
rc=$?
[ "$rc" -eq 4 ] || fail "exit status $rc, not 4: $(cat "$T/typescript")"
grep -q ALL-TTY "$T/typescript" || fail "the main command has no terminal: $(cat "$T/typescript")"
grep -q FOREGROUND "$T/typescript" || fail "not in the foreground: $(cat "$T/typescript")"
grep -q 'side: started' "$T/typescript" || fail "the other services did not run"
