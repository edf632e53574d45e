# SPDX-License-Identifier: ISC
# Shared by tests/integration/agent_*.sh (source it after lib.sh): start
# vcinit's agent and zabbix_agentd 6.0 on free loopback ports, ask them with
# the real zabbix_get. Processes started here are killed by PID in lib.sh's
# trap (EXTRA_PIDS).
EXTRA_PIDS=${EXTRA_PIDS:-}
AGENTD_PID=""

# zabbix_agentd's workers outlive a SIGKILL of their parent: stop it with
# SIGTERM (bounded wait) before lib.sh's cleanup kills what is left.
stop_agentd() {
	local i
	[ -n "$AGENTD_PID" ] || return 0
	kill -TERM "$AGENTD_PID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$AGENTD_PID" 2>/dev/null || break
		sleep 0.05
	done
}
trap 'stop_agentd; cleanup' EXIT

need_zabbix() {
	command -v zabbix_get >/dev/null || { echo "skip: zabbix_get missing (scripts/deps.sh zabbix)"; exit 77; }
	if [ "${1:-}" = agentd ]; then
		command -v zabbix_agentd >/dev/null || { echo "skip: zabbix_agentd missing (scripts/deps.sh zabbix)"; exit 77; }
	fi
	return 0
}

# free_port: a TCP port nobody listens on, in 20000-32767 (zabbix_agentd
# and ZBX_LISTENPORT accept no port above 32767).
free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 12768))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

listening() { ss -Htln "sport = :$1" | grep -q .; }

# start_agent PORT [VCORE_CONF_MONITOR_LINES...]: vcinit agent on PORT.
start_agent() {
	local port=$1; shift
	mkdir -p "$T/agent"
	{
		echo "control_socket = \"$SOCK\""
		echo "monitor {"
		echo "    hostname = \"vcore-it\""
		echo "    server = {\"127.0.0.1\", \"::1\"}"
		echo "    listen_port = $port"
		echo "    active = false"
		printf '    %s\n' "$@"
		echo "}"
	} >"$T/agent/vcore.conf"
	: >"$T/agent.log"	# emptied here, before a check could read the old one
	"$VCINIT" agent -c "$T/agent" >>"$T/agent.log" 2>&1 &
	AGENT_PID=$!
	EXTRA_PIDS="$EXTRA_PIDS $AGENT_PID"
	wait_for 5 listening "$port" || fail "agent did not listen on $port: $(cat "$T/agent.log")"
}

# start_agentd PORT: zabbix_agentd 6.0 with the same keys and user parameters.
start_agentd() {
	local port=$1
	cat >"$T/agentd.conf" <<EOC
LogType=console
PidFile=$T/agentd.pid
Server=127.0.0.1,::1
ServerActive=
ListenPort=$port
Hostname=vcore-it
AllowRoot=1
StartAgents=3
UserParameter=up.echo[*],echo \$1
UserParameter=up.plain,echo plain
UserParameter=up.sleep,sleep 10
EOC
	zabbix_agentd -f -c "$T/agentd.conf" >"$T/agentd.log" 2>&1 &
	AGENTD_PID=$!
	EXTRA_PIDS="$EXTRA_PIDS $AGENTD_PID"
	wait_for 5 listening "$port" || fail "zabbix_agentd did not listen on $port"
}

zget() { zabbix_get -s "${ZHOST:-127.0.0.1}" -p "$1" -t 5 -k "$2" 2>&1; }

# is_asan: the agent under test is the ASan/UBSan build (run-all.sh asan).
is_asan() { grep -qa __asan_init "$VCINIT"; }

# stop_agent: SIGTERM to the agent of start_agent, its exit within 5 s,
# and no sanitizer report in its log (LeakSanitizer speaks at exit).
stop_agent() {
	local i
	kill -TERM "$AGENT_PID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$AGENT_PID" 2>/dev/null && fail "the agent did not exit within 5 s of SIGTERM"
	wait "$AGENT_PID" 2>/dev/null
	local rc=$?
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/agent.log"; then
		cat "$T/agent.log"
		fail "the sanitizers reported an error"
	fi
	[ "$rc" = 0 ] || fail "the agent exited $rc after SIGTERM: $(tail -n 5 "$T/agent.log")"
}

# pss_kb PID: proportional set size of a process, in KiB.
pss_kb() { awk '/^Pss:/ { s += $2 } END { print s + 0 }' "/proc/$1/smaps_rollup"; }
