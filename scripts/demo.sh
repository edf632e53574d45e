#!/bin/bash
# SPDX-License-Identifier: ISC
# make demo: runs vcinit as PID 1 of a private PID namespace on examples/,
# shows what an administrator would see (the services' output, vcctl status,
# health, logs, a restart), then stops it as `docker stop` would.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
vcinit=${VCINIT:-$top/build/vcinit}
scratch=$(mktemp -d /tmp/vcore-demo.XXXXXX)
mkdir -p "$scratch/etc"
cp -r "$top/examples/." "$scratch/etc/"
# The example uses the real paths; the demo keeps everything in scratch.
mkdir -p "$scratch/root/etc"
cat >>"$scratch/etc/vcore.conf" <<CONF
control_socket = "$scratch/run/control.sock"
log_dir = "$scratch/log"
render_root = "$scratch/root"
CONF
vcctl() { "$vcinit" ctl --socket "$scratch/run/control.sock" "$@"; }
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
inner=""
cleanup() {
	[ -n "$inner" ] && kill -KILL "$inner" 2>/dev/null
	rm -rf "$scratch" /tmp/vcore-demo
}
trap cleanup EXIT

say "vcinit -c $scratch/etc    # as PID 1 of a new PID namespace"
VCORE_PERSIST_DIR=$scratch/vcore \
	unshare --pid --fork --mount-proc --kill-child "$vcinit" -c "$scratch/etc" </dev/null &
outer=$!
for _ in $(seq 100); do inner=$(pgrep -P "$outer") && break; sleep 0.05; done
for _ in $(seq 100); do vcctl health >/dev/null 2>&1 && break; sleep 0.05; done
sleep 2.5
say "vcctl status"; vcctl status
say "vcctl health"; vcctl health && echo healthy
say "cat /etc/demo.conf    # rendered by magic from templates/etc/demo.conf.tmpl"
cat "$scratch/root/etc/demo.conf"
say "vcctl logs worker -n 3"; "$vcinit" ctl -c "$scratch/etc" logs worker -n 3
say "vcctl restart web"; vcctl restart web && echo restarted
say "vcctl stop worker"; vcctl stop worker && echo stopped
say "vcctl health"; vcctl health; echo "exit status $?"
say "vcctl status --json"; vcctl status --json | head -c 300; echo ...
say "kill -TERM <vcinit>    # what docker stop does"
start=$(date +%s%N)
kill -TERM "$inner"
wait "$outer"
rc=$?
echo "vcinit exited with status $rc after $((($(date +%s%N) - start) / 1000000)) ms"
