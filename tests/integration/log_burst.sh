#!/bin/bash
# A log burst: N lines in, the same N lines out, in order, on vcinit's
# stdout with the service's name, while vcinit's own stdout is a slow pipe
# (the reader pauses); stderr stays apart; a line longer than log_line_max
# is cut into pieces, nothing lost; a partial last line is not lost.
# asan
. "$(dirname "$0")/lib.sh"
conf 'log_line_max = 1000'
N=20000
service burst "command = {\"$VCTEST\", \"lines\", \"$N\", \"60\"}" 'type = oneshot'
service errs "command = {\"$VCTEST\", \"lines\", \"100\", \"20\", \"err\"}" 'type = oneshot'
service long "command = {\"$VCTEST\", \"lines\", \"3\", \"2500\"}" 'type = oneshot'
service tail "command = {\"$VCTEST\", \"partial\", \"no newline at the end\"}" 'type = oneshot'
start_vcinit_slow_reader
wait_for 30 eval 'grep -c "^burst | " "$T/stdout" 2>/dev/null | grep -qx $N' ||
	fail "$(grep -c '^burst | ' "$T/stdout") of $N lines out"
# in order, each exactly once
grep '^burst | ' "$T/stdout" | awk -v n=$N '{ if ($4 != NR) { print "line " NR " is " $4; exit 1 } }' ||
	fail "lines out of order"
[ "$(grep -c '^errs | ' "$T/out")" -eq 100 ] || fail "stderr lines: $(grep -c '^errs | ' "$T/out")"
grep -q '^errs | ' "$T/stdout" && fail "stderr lines went to stdout"
# 3 lines of 2,500 bytes with log_line_max 1000: 3 pieces each
[ "$(grep -c '^long | ' "$T/stdout")" -eq 9 ] || fail "long lines: $(grep -c '^long | ' "$T/stdout") pieces"
[ "$(grep '^long | ' "$T/stdout" | tr -d '\n' | sed 's/long | //g' | wc -c)" -eq 7500 ] ||
	fail "bytes of long lines lost"
wait_for 5 grep -qx 'tail | no newline at the end' "$T/stdout" || fail "partial line lost"
stop_vcinit
