#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# Every supported key through the real zabbix_get, side by side with
# zabbix_agentd 6.0 on the same machine: same kind of answer (value or
# ZBX_NOTSUPPORTED with the same reason), same format, values within a
# tolerance where they move.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/zabbix/agent_common.sh"
need_zabbix agentd
P1=$(free_port) && P2=$(free_port) || fail "no free port"
start_agent "$P1" 'user_parameter "up.echo[*]" { command = "echo $1" }' \
	'user_parameter "up.plain" { command = "echo plain" }' \
	'user_parameter "up.sleep" { command = "sleep 10" }'
start_agentd "$P2"
mkdir -p "$T/files" && printf 'line one\nERROR two\nline three\n' >"$T/files/f.log"
F=$T/files/f.log

# key <TAB> how: eq (identical), int:TOL, float:TOL (relative), re:REGEX
# (both must match), err (both ZBX_NOTSUPPORTED, same reason)
cat >"$T/keys" <<EOK
agent.ping	eq
agent.ping[]	eq
agent.ping[a,b]	eq
Agent.Ping	eq
agent.ping 	eq
agent..ping	eq
agent.version	eq
agent.hostname	eq
agent.variant	eq
agent.hostmetadata	eq
no.such.key	eq
system.uptime	int:3
system.uptime[]	eq
system.hostname	eq
system.hostname[host]	eq
system.hostname[shorthost]	eq
system.hostname[,lower]	eq
system.hostname[fqdn]	eq
system.hostname[system]	eq
system.hostname[a,b,c]	eq
system.localtime	int:3
system.localtime[utc]	int:3
system.localtime[local]	re:^[0-9]{4}-[0-9]{2}-[0-9]{2},[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3},[+-][0-9]{2}:[0-9]{2}$
system.localtime[x]	eq
system.cpu.num	eq
system.cpu.num[online]	eq
system.cpu.num[max]	eq
system.cpu.num[x]	eq
system.cpu.load	float:0.5
system.cpu.load[all,avg1]	float:0.5
system.cpu.load[,avg5]	float:0.5
system.cpu.load[percpu,avg15]	float:0.5
system.cpu.load[all,avg2]	eq
system.cpu.load[x]	eq
system.cpu.load[,,]	eq
system.cpu.util	re:^[0-9]+\.[0-9]{6}$
system.cpu.util[,idle,avg1]	re:^[0-9]+\.[0-9]{6}$
system.cpu.util[0,iowait]	re:^[0-9]+\.[0-9]{6}$
system.cpu.util[x]	eq
system.cpu.util[,x]	eq
system.cpu.util[,,x]	eq
system.cpu.util[99]	eq
system.cpu.util[,system,avg1,x]	eq
vm.memory.size	eq
vm.memory.size[total]	eq
vm.memory.size[free]	float:0.05
vm.memory.size[available]	float:0.05
vm.memory.size[pavailable]	float:0.05
vm.memory.size[used]	float:0.2
vm.memory.size[pused]	float:0.2
vm.memory.size[buffers]	float:0.2
vm.memory.size[cached]	float:0.2
vm.memory.size[shared]	eq
vm.memory.size[wired]	eq
vm.memory.size[total,x]	eq
vfs.fs.size[/]	eq
vfs.fs.size[/,total]	eq
vfs.fs.size[/,free]	float:0.01
vfs.fs.size[/,used]	float:0.01
vfs.fs.size[/,pfree]	float:0.01
vfs.fs.size[/,pused]	float:0.05
vfs.fs.size[/proc,pfree]	eq
vfs.fs.size[/nono,free]	eq
vfs.fs.size	eq
vfs.fs.size[/,x]	eq
vfs.fs.size[/,free,x]	eq
vfs.fs.inode[/]	eq
vfs.fs.inode[/,free]	float:0.01
vfs.fs.inode[/,pfree]	float:0.01
vfs.fs.inode[/proc,pfree]	eq
vfs.fs.inode[/proc,pused]	eq
vfs.fs.inode[/,x]	eq
vfs.fs.inode[/nono]	eq
vfs.fs.discovery	eq
vfs.fs.discovery[]	eq
vfs.file.exists[/etc/passwd]	eq
vfs.file.exists[/nonexistent]	eq
vfs.file.exists[/etc,dir]	eq
vfs.file.exists[/etc,x]	eq
vfs.file.exists[/etc/passwd,file,file]	eq
vfs.file.exists[]	eq
vfs.file.exists["/etc/passwd"]	eq
vfs.file.exists[ "/etc/passwd"]	eq
vfs.file.exists[/etc/passwd ]	eq
vfs.file.exists["/etc/passwd"x]	eq
vfs.file.exists[/etc/pass"wd]	eq
vfs.file.exists[/etc/passwd]x	eq
vfs.file.exists[/etc/passwd	eq
vfs.file.exists[[/etc/passwd]]	eq
vfs.file.size[/etc/passwd]	eq
vfs.file.size[$F,lines]	eq
vfs.file.size[$F,x]	eq
vfs.file.size[/nonexistent]	eq
vfs.file.size[/etc]	eq
vfs.file.contents[/etc/hostname]	eq
vfs.file.contents[$F]	eq
vfs.file.contents[/nonexistent]	eq
vfs.file.contents[/etc]	eq
vfs.file.contents	eq
proc.num	float:0.1
proc.num[]	float:0.1
proc.num[,root]	float:0.1
proc.num[zabbix_agentd]	eq
proc.num[,nosuchuser]	eq
proc.num[,,zomb]	int:2
proc.num[,,x]	eq
proc.num[a,b,c,d,e]	eq
proc.num[,,,zabbix_agentd]	eq
net.if.discovery	eq
net.if.in[lo]	float:0.2
net.if.in[lo,packets]	float:0.2
net.if.in[lo,errors]	eq
net.if.in[lo,dropped]	eq
net.if.out[lo,collisions]	eq
net.if.out[lo,frame]	eq
net.if.in[lo,x]	eq
net.if.in[nosuchif]	eq
net.if.in	eq
net.if.out[lo]	float:0.2
net.if.total[lo]	float:0.2
net.tcp.listen[$P1]	eq
net.tcp.listen[1]	eq
net.tcp.listen[x]	eq
net.tcp.listen[70000]	eq
net.udp.listen[x]	eq
net.udp.listen[1]	eq
net.tcp.port[,$P2]	eq
net.tcp.port[127.0.0.1,1]	eq
net.tcp.port[::1,$P1]	eq
net.tcp.port[,x]	eq
net.tcp.port	eq
net.tcp.port[,1,x]	eq
kernel.maxfiles	eq
kernel.maxproc	eq
kernel.maxfiles[]	eq
system.run[echo hi]	eq
log[$F]	eq
logrt[$F]	eq
up.echo[hi]	eq
up.echo[a b]	eq
up.echo[a;b]	eq
up.plain	eq
up.plain[x]	eq
up.sleep	eq
EOK

compare() { # how ours theirs
	local how=$1 a=$2 b=$3
	case $how in
	eq) [ "$a" = "$b" ] ;;
	re:*) [[ $a =~ ${how#re:} ]] && [[ $b =~ ${how#re:} ]] ;;
	int:*) [[ $a =~ ^[0-9]+$ ]] && [[ $b =~ ^[0-9]+$ ]] && [ $((a > b ? a - b : b - a)) -le "${how#int:}" ] ;;
	float:*)
		[[ $a =~ ^[0-9]+(\.[0-9]{6})?$ ]] && [[ $b =~ ^[0-9]+(\.[0-9]{6})?$ ]] || return 1
		# same format (integer or %.6f), values within a relative tolerance
		[ "${a//[0-9]/}" = "${b//[0-9]/}" ] || return 1
		awk -v a="$a" -v b="$b" -v t="${how#float:}" 'BEGIN { d = a - b; if (d < 0) d = -d;
			m = (a > b ? a : b); exit !(d <= t * m || d < 0.05) }' ;;
	esac
}

bad=0 n=0
while IFS=$'\t' read -r key how; do
	[ -n "$key" ] || continue
	n=$((n + 1))
	if [ "$how" = eq ]; then
		ours=$(zget "$P1" "$key")
		theirs=$(zget "$P2" "$key")
	else
		# Both at once: process counts move while other tests run
		# (not for eq keys: zabbix_get's own command line would
		# count in proc.num[,,,zabbix_agentd]).
		zget "$P2" "$key" >"$T/theirs" &
		ours=$(zget "$P1" "$key")
		wait $!
		theirs=$(cat "$T/theirs")
	fi
	if ! compare "$how" "$ours" "$theirs"; then
		echo "MISMATCH $key ($how): vcore='${ours:0:200}' agentd='${theirs:0:200}'"
		bad=$((bad + 1))
	fi
done <"$T/keys"
echo "$n keys compared, $bad mismatches"
[ "$bad" = 0 ] || fail "$bad keys differ from zabbix_agentd 6.0"
stop_agent
