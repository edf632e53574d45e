# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# Shared by bench/images/run.sh and bench/images/services.sh (source it):
# tests/images/lib.sh (names, network, clients, container_pids), then the
# report's helpers.
. "$(dirname "${BASH_SOURCE[0]}")/../../tests/images/lib.sh"

say() { echo "bench-images: $*" >&2; }
die() { say "$*"; exit 1; }

# median of the numbers on stdin
median() { sort -n | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'; }

# mb VALUE DIVISOR: VALUE / DIVISOR with two decimals ("-" when empty)
mb() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == "") print "-"; else printf "%.2f", v / d }'; }
# ratio A B: "A/Bx" ("-" when either is missing or B is 0)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2fx", a / b }'; }
# verdict AWK-CONDITION: yes or NO
verdict() { awk "BEGIN { exit !($1) }" && echo yes || echo NO; }
