# SPDX-License-Identifier: ISC
# supervisord 4.x (Debian package "supervisor"): one [program:x] per service, defaults
# kept (startsecs=1, startretries=3, logs to childlogdir) but autorestart=true so that
# any exit restarts, and stopwaitsecs = STOP_TIMEOUT_MS (default 10 s) for the shutdown
# test.
supervisord_kind() { echo multi; }
supervisord_bins() { echo /usr/bin/supervisord /usr/bin/python3; }
supervisord_setup() {
	local d=$1 name argv
	mkdir -p "$d/childlogs"
	cat >"$d/supervisord.conf" <<CONF
[supervisord]
nodaemon=true
user=root
logfile=$d/supervisord.log
pidfile=$d/supervisord.pid
childlogdir=$d/childlogs
[unix_http_server]
file=$d/supervisor.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://$d/supervisor.sock
CONF
	while IFS=$'\t' read -r name argv; do
		printf '[program:%s]\ncommand=%s\nautorestart=true\nstopwaitsecs=%s\n' "$name" "$argv" \
			"$(((STOP_TIMEOUT_MS + 999) / 1000))" >>"$d/supervisord.conf"
	done <"$d/services.tsv"
}
supervisord_cmd() { echo "/usr/bin/supervisord -n -c $1/supervisord.conf"; }
supervisord_signal() { supervisorctl -c "$1/supervisord.conf" signal "$3" "$2" >/dev/null; }
supervisord_status() { supervisorctl -c "$1/supervisord.conf" status; }
supervisord_timeout() { echo "stopwaitsecs=$(((STOP_TIMEOUT_MS + 999) / 1000)) per program (default 10); programs stop one priority group at a time"; }
supervisord_ctl_status() { echo "/usr/bin/supervisorctl -c $1/supervisord.conf status"; }
supervisord_ctl_signal() { echo "/usr/bin/supervisorctl -c $1/supervisord.conf signal $3 $2"; }
