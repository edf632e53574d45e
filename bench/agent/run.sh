#!/bin/bash
# SPDX-License-Identifier: ISC
# make bench-agent: passive-check throughput, latency (p50, p99) and agent
# CPU per request at 1, 8 and 64 clients for four keys, and the total PSS
# of each agent's processes, for vcinit's agent (static build), zabbix_agentd
# (StartAgents=3), zabbix_agent2 and the floor (a bare epoll server that
# answers "1"). Loopback only; every run is bounded (SECS seconds).
# Prints a table and the ratios of DESIGN's "Targets restated".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SECS=${SECS:-3}
CONCS=${CONCS:-"1 8 64"}
KEYS=${KEYS:-"agent.ping system.cpu.load[all,avg1] vfs.fs.size[/,free] proc.num[]"}
AGENTS=${AGENTS:-"vcore agentd agent2 floor"}
VCINIT=${VCINIT:-$TOP/build/vcinit}
W=$(mktemp -d /tmp/vcore-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
cc -O2 -o "$W/zbxload" "$TOP/bench/agent/zbxload.c" -lpthread || exit 1
cc -O2 -o "$W/floor" "$TOP/bench/agent/floor.c" || exit 1
PORT=10390

listening() { ss -Htln "sport = :$1" | grep -q .; }
wait_port() { local i; for ((i = 0; i < 100; i++)); do listening "$1" && return 0; sleep 0.05; done; return 1; }

# all_pids ROOTPID: the process and its descendants.
all_pids() { local p=$1 c; echo "$p"; for c in $(pgrep -P "$p"); do all_pids "$c"; done; }
cpu_ticks() { local s=0 p; for p in $(all_pids "$1"); do s=$((s + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $s; }
pss_total() { local s=0 p; for p in $(all_pids "$1"); do s=$((s + $(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0))); done; echo $s; }

start() { # name -> sets APID
	case $1 in
	vcore)
		mkdir -p "$W/vc"
		printf 'monitor {\n server = {"127.0.0.1"}\n listen_port = %d\n active = false\n hostname = "bench"\n}\n' "$PORT" >"$W/vc/vcore.conf"
		"$VCINIT" agent -c "$W/vc" >"$W/vc.log" 2>&1 & ;;
	agentd)
		printf 'LogType=console\nPidFile=%s/agentd.pid\nServer=127.0.0.1\nServerActive=\nListenPort=%d\nHostname=bench\nAllowRoot=1\nStartAgents=3\n' "$W" "$PORT" >"$W/agentd.conf"
		zabbix_agentd -f -c "$W/agentd.conf" >"$W/agentd.log" 2>&1 & ;;
	agent2)
		printf 'LogType=console\nServer=127.0.0.1\nServerActive=\nListenPort=%d\nHostname=bench\nControlSocket=%s/agent2.sock\nPluginSocket=%s/agent2-plugin.sock\n' "$PORT" "$W" "$W" >"$W/agent2.conf"
		zabbix_agent2 -c "$W/agent2.conf" >"$W/agent2.log" 2>&1 & ;;
	floor) "$W/floor" "$PORT" & ;;
	esac
	APID=$!
	PIDS+=("$APID")
	wait_port "$PORT" || { echo "bench: $1 did not listen"; return 1; }
	sleep 0.3
}

HZ=$(getconf CLK_TCK)
printf '%-7s %-26s %4s %8s %8s %8s %9s\n' agent key conc rps p50_us p99_us cpu_us/req
for a in $AGENTS; do
	command -v "zabbix_${a#agent}" >/dev/null 2>&1 || [ "$a" = vcore ] || [ "$a" = floor ] ||
		{ [ "$a" = agentd ] && ! command -v zabbix_agentd >/dev/null; } && true
	start "$a" || continue
	pss_idle=$(pss_total "$APID")
	pss_max=$pss_idle
	for k in $KEYS; do
		[ "$a" = floor ] && [ "$k" != agent.ping ] && continue
		for c in $CONCS; do
			t0=$(cpu_ticks "$APID")
			line=$("$W/zbxload" -p "$PORT" -c "$c" -d "$SECS" -e -k "$k")
			t1=$(cpu_ticks "$APID")
			p=$(pss_total "$APID"); [ "$p" -gt "$pss_max" ] && pss_max=$p
			rps=$(sed -n 's/.* rps=\([0-9]*\).*/\1/p' <<<"$line")
			ok=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$line")
			p50=$(sed -n 's/.* p50_us=\([0-9]*\).*/\1/p' <<<"$line")
			p99=$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"$line")
			cpu=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="${ok:-0}" 'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }')
			printf '%-7s %-26s %4s %8s %8s %8s %9s\n' "$a" "$k" "$c" "$rps" "$p50" "$p99" "$cpu"
			echo "$a $k $c $rps $p50 $p99 $cpu" >>"$W/results"
		done
	done
	echo "PSS $a: idle ${pss_idle} KiB, under load max ${pss_max} KiB"
	echo "pss $a $pss_idle $pss_max" >>"$W/results"
	kill "$APID"; wait "$APID" 2>/dev/null
	sleep 0.5
done
echo "--- ratios at 64 clients (cpu per request; targets: <= 1.1x floor for agent.ping and system.cpu.load, <= 0.5x zabbix_agentd for vfs.fs.size and proc.num)"
awk '$1 != "pss" && $3 == 64 { cpu[$1 " " $2] = $7 }
	END {
		f = cpu["floor agent.ping"]
		for (k in cpu) if (k ~ /^vcore /) {
			split(k, x, " "); d = cpu["agentd " x[2]]
			rd = (d > 0 ? cpu[k] / d : 0); rf = (f > 0 ? cpu[k] / f : 0)
			printf "%-26s vcore %6.1f us  agentd %6.1f us (x%.2f)  floor %6.1f us (x%.2f)\n", x[2], cpu[k], d, rd, f, rf
		}
	}' "$W/results"
