#!/bin/bash
# A boot hook's output is no service's, but it gets the same care: N lines
# in, the same N lines out as "magic/NAME | line", in order, while vcinit's
# stdout is a pipe whose reader pauses; a hook that has already exited
# keeps its last lines until there is room for them, and its partial last
# line is not lost. The services wait for it.
# asan
. "$(dirname "$0")/lib.sh"
conf 'log_line_max = 1000'
N=20000
mkdir -p "$ETC/magic.d"
printf '#!/bin/sh\nexec %s lines %d 60\n' "$VCTEST" "$N" >"$ETC/magic.d/10-burst"
printf '#!/bin/sh\nexec %s partial "last words"\n' "$VCTEST" >"$ETC/magic.d/20-tail"
chmod 755 "$ETC/magic.d/10-burst" "$ETC/magic.d/20-tail"
service after "command = {\"/bin/sh\", \"-c\", \"echo started\"}" 'type = oneshot'
start_vcinit_slow_reader
wait_for 30 eval 'grep -c "^magic/10-burst | " "$T/stdout" 2>/dev/null | grep -qx $N' ||
	fail "$(grep -c '^magic/10-burst | ' "$T/stdout") of $N lines out"
grep '^magic/10-burst | ' "$T/stdout" |
	awk -v n=$N '{ if ($4 != NR) { print "line " NR " is " $4; exit 1 } }' ||
	fail "lines out of order"
wait_for 5 grep -qx 'magic/20-tail | last words' "$T/stdout" || fail "partial last line lost"
wait_for 5 grep -qx 'after | started' "$T/stdout" || fail "the service did not start after the hooks"
# the service's line comes after every line of the hooks
last_hook=$(grep -n '^magic/' "$T/stdout" | tail -n 1 | cut -d: -f1)
first_svc=$(grep -n '^after | ' "$T/stdout" | head -n 1 | cut -d: -f1)
[ "$first_svc" -gt "$last_hook" ] || fail "a service line before the hooks' last ($first_svc < $last_hook)"
stop_vcinit
