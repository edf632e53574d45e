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

# alone PID...: "PID KB" for each process: its PSS as if the container were
# alone on the machine, every page it maps shared only among the PIDs given
# (pagemap's frame numbers, root only). The kernel's PSS splits a page
# among every process that maps it: containers of other images on the same
# base layers (the helpers' tests, a stack) share vcinit's and the
# libraries' pages and lower it. Prints nothing without python3.
alone() {
	command -v python3 >/dev/null || return 0
	python3 - "$@" <<'EOF'
import array, collections, os, sys
page = os.sysconf("SC_PAGE_SIZE")
frames, users = {}, collections.Counter()
for pid in sys.argv[1:]:
    mine = set()
    try:
        with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pm:
            for line in maps:
                lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
                if lo >= 1 << 47:		# [vsyscall]
                    continue
                pm.seek(lo // page * 8)
                entries = array.array("Q", pm.read((hi - lo) // page * 8))
                mine.update(e & ((1 << 55) - 1) for e in entries if e >> 63)
    except OSError:
        continue
    frames[pid] = mine
    users.update(mine)
if any(0 not in f or len(f) > 1 for f in frames.values()):	# frame numbers seen
    for pid, mine in frames.items():
        print(pid, round(sum(1 / users[f] for f in mine) * page / 1024))
EOF
}

# processes NAME: "ROLE PSS USS ALONE COMM" in kB for each process (ALONE:
# see alone), ROLE one of vcinit, agent, vcsshd (vcore's own: the agent is
# `vcinit agent`, or vcagent, as /proc/PID/cmdline tells), recipe
# (supervisord, sshd, zabbix_agentd), wrapper (the floor's shell) or daemon.
processes() {
	local p n comm cmd role pid1 pids
	declare -A kb
	pid1=$(podman inspect --format '{{.State.Pid}}' "$1")
	pids=$(container_pids "$1")
	# shellcheck disable=SC2086
	while read -r p n; do kb[$p]=$n; done < <(alone $pids)
	for p in $pids; do
		comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
		case $comm in
		vcagent) role=agent ;;
		vcinit) case $cmd in
			*vcinit\ agent*) role=agent ;;
			*) role=vcinit ;;
			esac ;;
		vcsshd) role=vcsshd ;;
		supervisord | sshd | zabbix_agentd) role=recipe ;;
		sh) [ "$p" = "$pid1" ] && role=wrapper || role=daemon ;;
		*) role=daemon ;;
		esac
		awk -v r="$role" -v c="$comm" -v a="${kb[$p]:--}" '/^Pss:/ {pss = $2}
			/^Private_(Clean|Dirty):/ {uss += $2}
			END {if (NR) print r, pss + 0, uss + 0, a, c}' "/proc/$p/smaps_rollup" 2>/dev/null
	done
}
