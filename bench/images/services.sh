#!/bin/bash
# SPDX-License-Identifier: ISC
# make bench-images, the service images: each of images/ldap, postgres,
# samba and web beside the same daemon under the old recipe (supervisord +
# OpenSSH + zabbix_agentd, bench/images/old-recipe, plus the daemon from
# Debian's packages, set up by the entry point: bench/images/old-IMAGE) and
# the daemon's own floor (the vcore image run with --entrypoint set to the
# daemon alone, on the data the vcore image initialised). In one run,
# interleaved, on one network, through ports published on 127.0.0.1 with
# the real clients. Prints a table per image with ratios and the targets of
# issue 8:
#   run to the daemon's first answer   vcore <= the old recipe
#   podman stop -t 10                  vcore <= the floor + 100 ms
#   PSS of vcinit, agent and vcsshd    < 2 MB, idle, in every image
# Exits 0 when a target is missed (it is a report), 1 when something could
# not be measured. Expects $REGISTRY/vcore/IMAGE:$VERSION (make images).
# Environment: REPS (default 3: timings are medians). Arguments: the images
# (default: ldap postgres samba web).
set -u
. "$(dirname "$0")/lib.sh"
REPS=${REPS:-3}
IMAGES=${*:-ldap postgres samba web}
OLD_BASE=localhost/vcore-bench/old-recipe:latest
PW=bench-Pw-8		# every password of the bench (not a secret)
declare -A R		# R[image.subject.metric]: the figures of the tables
declare -A SUBJECT_NAME=([v]=vcore [o]="old recipe" [f]=floor)

vcore_image() { echo "$REGISTRY/vcore/$1:$VERSION"; }
old_image() { echo "localhost/vcore-bench/old-$1:latest"; }
# The floor: the vcore container after its first start, committed (the
# rendered configuration, the users the hooks made), run on its volumes.
floor_image() { echo "localhost/$P-$1-floor:latest"; }

# ---- what differs from one image to the next ----
# conf IMAGE sets PORT (the daemon's port in the container), VENV and OENV
# (the vcore image's and the old recipe's -e, the same settings), and
# FLOOR_OPTS and FLOOR_CMD (the podman run options and command of the
# floor: the daemon alone as images/IMAGE/rootfs/etc/vcore/services.d
# runs it, with its stop signal). The daemon answers through answer_IMAGE.

conf() {
	VENV=() OENV=() FLOOR_OPTS=() FLOOR_CMD=()
	"conf_$1"
}

conf_ldap() {
	PORT=389
	VENV=(-e LDAP_DOMAIN=example.org -e LDAP_ADMIN_PASSWORD="$PW")
	OENV=("${VENV[@]}")
	FLOOR_OPTS=(--entrypoint /usr/sbin/slapd --stop-signal TERM)
	FLOOR_CMD=(-d 256 -u openldap -g openldap -F /var/lib/vcore/ldap/slapd.d
		-h "ldap:/// ldaps:/// ldapi://%2Frun%2Fslapd%2Fldapi")
}
# a simple bind as the admin and a search of the base entry
answer_ldap() {
	ldapsearch -x -LLL -o nettimeout=2 -H "ldap://127.0.0.1:$1" \
		-D cn=admin,dc=example,dc=org -w "$PW" -b dc=example,dc=org -s base 1.1
}

conf_postgres() {
	PORT=5432
	# The superuser's database only (no service databases), passwords
	# PostgreSQL's own (no LDAP), TLS with a certificate of its own: as the
	# old recipe.
	VENV=(-e POSTGRES_PASSWORD="$PW" -e POSTGRES_SERVICE_DBS=)
	OENV=(-e POSTGRES_PASSWORD="$PW")
	FLOOR_OPTS=(--entrypoint /usr/local/bin/postgres --user postgres --stop-signal INT)
	FLOOR_CMD=(-D /var/lib/postgresql/data)
}
answer_postgres() { pg_isready -q -t 2 -h 127.0.0.1 -p "$1"; }

conf_samba() {
	PORT=445
	VENV=(-e SAMBA_USER=bench -e SAMBA_PASSWORD="$PW" -e SAMBA_UID=1000)
	OENV=("${VENV[@]}")
	# Two daemons: a shell starts each in a process group of its own (as
	# vcinit does), passes the stop signal to both groups and waits.
	FLOOR_OPTS=(--entrypoint /bin/sh --stop-signal TERM)
	# shellcheck disable=SC2016 # (the floor's shell expands them)
	FLOOR_CMD=(-c 'd=/usr/libexec/samba
		setsid $d/samba-dcerpcd --foreground --no-process-group --debug-stdout \
			$d/rpcd_classic $d/rpcd_lsad $d/rpcd_winreg $d/rpcd_epmapper & a=$!
		setsid smbd --foreground --no-process-group --debug-stdout & b=$!
		trap "kill -TERM -$a -$b" TERM
		wait; wait')
}
# the share list, as the user, over SMB3
answer_samba() {
	smbclient -g -m SMB3 -t 2 -p "$1" -U "bench%$PW" -L //127.0.0.1
}

conf_web() {
	PORT=80
	# the image's defaults, given to both
	VENV=(-e NGINX_WORKER_PROCESSES=1 -e UWSGI_PROCESSES=2 -e UWSGI_THREADS=4)
	OENV=("${VENV[@]}")
	# As conf_samba; uWSGI switches to www-data itself (the image has no
	# setpriv), with its socket given to www-data as vcinit's user = does.
	FLOOR_OPTS=(--entrypoint /bin/sh --stop-signal TERM)
	# shellcheck disable=SC2016 # (the floor's shell expands them)
	FLOOR_CMD=(-c 'setsid /usr/bin/uwsgi-core --ini /etc/uwsgi/web.ini \
			--uid www-data --gid www-data --chown-socket www-data:www-data & a=$!
		setsid nginx -e stderr -g "daemon off;" & b=$!
		trap "kill -TERM -$a; kill -QUIT -$b" TERM
		wait; wait')
}
answer_web() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/"; }

# ---- running the subjects ----

build_olds() {
	local img
	say "building the old recipe and its daemons (Debian packages)"
	pm build -q --format docker --build-arg BASE=localhost/debian:bookworm \
		-t "$OLD_BASE" "$TOP/bench/images/old-recipe" >/dev/null ||
		die "the old recipe did not build"
	for img in $IMAGES; do
		pm build -q --format docker --build-arg BASE="$OLD_BASE" \
			-t "$(old_image "$img")" "$TOP/bench/images/old-$img" >/dev/null ||
			die "old-$img did not build"
	done
}

# volumes IMAGE SUBJECT IMAGE_NAME: -v options putting the subject's named
# volumes ($P-IMAGE-SUBJECT-N) on every VOLUME of IMAGE_NAME.
volumes() {
	local n=0 path
	for path in $(podman image inspect --format \
		'{{range $k, $v := .Config.Volumes}}{{$k}} {{end}}' "$3"); do
		n=$((n + 1))
		printf -- '-v\n%s\n' "$P-$1-$2-$n:$path"
	done
}

# start IMAGE SUBJECT NAME KIND: a detached container; KIND fresh (the
# image's own empty volumes) or warm (the named volumes prepare filled).
# The floor runs on the vcore subject's volumes.
start() {
	local img=$1 s=$2 name=$3 kind=$4 image vols=()
	conf "$img"
	case $s in
	v) image=$(vcore_image "$img") ;;
	o) image=$(old_image "$img") ;;
	f) image=$(floor_image "$img") ;;
	esac
	if [ "$kind" = warm ]; then
		if [ "$s" = f ]; then
			mapfile -t vols < <(volumes "$img" v "$(vcore_image "$img")")
		else
			mapfile -t vols < <(volumes "$img" "$s" "$image")
		fi
	fi
	case $s in
	v) pm run -d --name "$name" --network "$NET" -p "127.0.0.1::$PORT" \
		-p 127.0.0.1::22 -p 127.0.0.1::10050 -e VCORE_AUTHORIZED_KEYS="$KEY" \
		-e ZBX_SERVER_HOST="$GATEWAY" -e ZBX_ACTIVE_ALLOW=false \
		"${VENV[@]}" "${vols[@]}" "$image" ;;
	o) pm run -d --name "$name" --network "$NET" -p "127.0.0.1::$PORT" \
		-p 127.0.0.1::22 -p 127.0.0.1::10050 -e AUTHORIZED_KEYS="$KEY" \
		-e ZBX_SERVER_HOST="$GATEWAY" "${OENV[@]}" "${vols[@]}" "$image" ;;
	# (the same ports published: their rules cost time at the stop too)
	f) pm run -d --name "$name" --network "$NET" -p "127.0.0.1::$PORT" \
		-p 127.0.0.1::22 -p 127.0.0.1::10050 "${FLOOR_OPTS[@]}" "${vols[@]}" "$image" "${FLOOR_CMD[@]}" ;;
	esac >/dev/null
}

# answered IMAGE NAME T0: polls the daemon through its published port
# until it answers (30 s at most); prints the milliseconds since T0.
answered() {
	local p
	p=$(port "$2" "$PORT")
	[ -n "$p" ] || return 1
	# (each client bounds its own wait: nettimeout, -t, --max-time)
	wait_for 30 "answer_$1" "$p" || return 1
	echo $(( $(now_ms) - $3 ))
}

# stop NAME: podman stop -t 10; prints "MILLISECONDS STATUS".
stop() {
	local t0 t1
	t0=$(now_ms)
	podman stop -t 10 "$1" >/dev/null 2>&1
	t1=$(now_ms)
	echo "$((t1 - t0)) $(podman inspect --format '{{.State.ExitCode}}' "$1")"
}

failed_start() {	# IMAGE SUBJECT NAME
	podman logs "$3" 2>&1 | tail -n 20 >&2
	podman rm -f -v -t 0 "$3" >/dev/null 2>&1
	die "$1: ${SUBJECT_NAME[$2]}: no answer on $PORT within 30 s"
}

# prepare IMAGE: a first start of vcore and of the old recipe on their
# named volumes (the data initialised), then the floor's image committed
# from the stopped vcore container. Also warms the page cache.
prepare() {
	local img=$1 s name
	for s in v o; do
		name=$P-$img-$s-prepare
		start "$img" "$s" "$name" warm || die "$img: ${SUBJECT_NAME[$s]}: podman run failed"
		answered "$img" "$name" "$(now_ms)" >/dev/null || failed_start "$img" "$s" "$name"
		stop "$name" >/dev/null
		if [ "$s" = v ]; then
			podman commit -q "$name" "$(floor_image "$img")" >/dev/null 2>&1 ||
				die "$img: podman commit failed"
		fi
		podman rm -f -v "$name" >/dev/null 2>&1
	done
}

# one_run IMAGE SUBJECT KIND N: run, first answer, stop; appends to
# $W/IMAGE.SUBJECT.KIND (ms to the answer), .stop (ms) and .status.
one_run() {
	local img=$1 s=$2 kind=$3 name=$P-$1-$2-$3-$4 t0 ms
	t0=$(now_ms)
	start "$img" "$s" "$name" "$kind" || die "$img: ${SUBJECT_NAME[$s]}: podman run failed"
	ms=$(answered "$img" "$name" "$t0") || failed_start "$img" "$s" "$name"
	echo "$ms" >>"$W/$img.$s.$kind"
	read -r ms status < <(stop "$name")
	echo "$ms" >>"$W/$img.$s.stop"
	echo "$status" >>"$W/$img.$s.status"
	podman rm -f -v "$name" >/dev/null 2>&1
}

# ---- memory ----

# idle IMAGE SUBJECT: one container on the initialised volumes, alone (PSS
# shares pages among all who map them: two containers of one image would
# halve each other's), after the first answer, a root login over SSH and
# agent.ping; the figures once settled.
idle() {
	local img=$1 s=$2 name=$P-$1-$2-idle table group roles
	start "$img" "$s" "$name" warm || die "$img: ${SUBJECT_NAME[$s]}: podman run failed"
	answered "$img" "$name" "$(now_ms)" >/dev/null || failed_start "$img" "$s" "$name"
	if [ "$s" != f ]; then
		wait_login "$name" 30 || { podman logs "$name" 2>&1 | tail >&2; die "$img: ${SUBJECT_NAME[$s]}: no SSH login"; }
		[ "$(zabbix_get -s 127.0.0.1 -p "$(port "$name" 10050)" -k agent.ping 2>/dev/null)" = 1 ] ||
			die "$img: ${SUBJECT_NAME[$s]}: no answer to agent.ping"
	fi
	sleep 3		# what the login started ends
	table=$(processes "$name")
	printf '%s\n' "$table" >"$W/$img.$s.procs"
	# own: vcore's (vcinit, agent, vcsshd) or the recipe's; daemon: the rest
	for group in own daemon all; do
		case $group in
		own) roles='^(vcinit|agent|vcsshd|recipe)$' ;;
		daemon) roles='^daemon$' ;;
		all) roles=. ;;
		esac
		read -r "R[$img.$s.${group}_pss]" "R[$img.$s.${group}_uss]" \
			"R[$img.$s.${group}_alone]" "R[$img.$s.${group}_n]" < <(awk -v re="$roles" '
			$1 ~ re {pss += $2; uss += $3; n++; if ($4 == "-") na = 1; else alone += $4}
			END {print pss + 0, uss + 0, (na ? "-" : alone + 0), n + 0}' <<<"$table")
	done
	if [ "$s" = v ]; then
		R[$img.v.split]=$(awk '{pss[$1] += ($4 == "-" ? $2 : $4)} END {printf "%d / %d / %d", pss["vcinit"], pss["agent"], pss["vcsshd"]}' <<<"$table")
	fi
	podman rm -f -v -t 0 "$name" >/dev/null 2>&1
}

# ---- the report ----

met=0 missed=0

row() {	# LABEL VCORE OLD FLOOR RATIO TARGET MET
	printf '%-42s %11s %11s %9s %10s  %-24s %s\n' "$@"
}

# alone_or_pss KEY: R[KEY_alone], or R[KEY_pss] when it is missing.
alone_or_pss() {
	local a=${R[$1_alone]:--}
	[ "$a" != - ] || a=${R[$1_pss]}
	echo "$a"
}

# target LABEL VCORE OLD FLOOR RATIO TARGET CONDITION: a row with a target,
# counted.
target() {
	local m
	m=$(verdict "$7")
	if [ "$m" = yes ]; then met=$((met + 1)); else missed=$((missed + 1)); fi
	row "$1" "$2" "$3" "$4" "$5" "$6" "$m"
}

report_image() {
	local img=$1 v o f
	echo
	echo "$img: vcore $(vcore_image "$img") | old recipe $(old_image "$img") | floor: the daemon alone (--entrypoint)"
	row "" "vcore" "old recipe" "floor" "vcore/old" "target" "met"
	v=${R[$img.v.fresh]} o=${R[$img.o.fresh]}
	target "run to first answer, empty volume (ms)" "$v" "$o" "-" "$(ratio "$v" "$o")" \
		"vcore <= old" "$v <= $o"
	v=${R[$img.v.warm]} o=${R[$img.o.warm]} f=${R[$img.f.warm]}
	target "run to first answer, initialised (ms)" "$v" "$o" "$f" "$(ratio "$v" "$o")" \
		"vcore <= old" "$v <= $o"
	v=${R[$img.v.stop]} o=${R[$img.o.stop]} f=${R[$img.f.stop]}
	target "podman stop -t 10 (ms)" "$v" "$o" "$f" "$(ratio "$v" "$o")" \
		"vcore <= floor+100 = $((f + 100))" "$v <= $f + 100"
	target "  exit statuses after stop" "${R[$img.v.status]}" "${R[$img.o.status]}" \
		"${R[$img.f.status]}" "" "vcore 0" "\"${R[$img.v.status]}\" == \"0\""
	# The target on PSS as if the container were alone on the machine
	# (never below the kernel's, which splits pages with other containers
	# of the same layers); the kernel's without python3.
	v=$(alone_or_pss "$img.v.own") o=$(alone_or_pss "$img.o.own")
	target "PSS, vcore's own / the recipe's (MB)" "$(mb "$v" 1024)" "$(mb "$o" 1024)" "-" "$(ratio "$v" "$o")" \
		"< 2 MB (2048 kB)" "$v < 2048"
	row "  vcinit / agent / vcsshd (kB)" "${R[$img.v.split]}" "" "" "" "" ""
	v=${R[$img.v.own_pss]} o=${R[$img.o.own_pss]}
	row "  the same, kernel's PSS (MB)" "$(mb "$v" 1024)" "$(mb "$o" 1024)" "-" "$(ratio "$v" "$o")" "(reported)" ""
	v=${R[$img.v.own_uss]} o=${R[$img.o.own_uss]}
	row "  the same, USS (MB)" "$(mb "$v" 1024)" "$(mb "$o" 1024)" "-" "$(ratio "$v" "$o")" "(reported)" ""
	v=$(alone_or_pss "$img.v.daemon") o=$(alone_or_pss "$img.o.daemon") f=$(alone_or_pss "$img.f.daemon")
	row "PSS, the daemon's processes (MB)" "$(mb "$v" 1024)" "$(mb "$o" 1024)" "$(mb "$f" 1024)" "$(ratio "$v" "$o")" "(reported)" ""
	v=${R[$img.v.daemon_uss]} o=${R[$img.o.daemon_uss]} f=${R[$img.f.daemon_uss]}
	row "  the same, USS (MB)" "$(mb "$v" 1024)" "$(mb "$o" 1024)" "$(mb "$f" 1024)" "$(ratio "$v" "$o")" "(reported)" ""
	# The daemon's libraries count for it alone under vcore (static
	# programs share none), and are split with sshd and zabbix_agentd under
	# the old recipe: the whole container says what it costs.
	v=$(alone_or_pss "$img.v.all") o=$(alone_or_pss "$img.o.all") f=$(alone_or_pss "$img.f.all")
	row "PSS, the whole container (MB)" "$(mb "$v" 1024)" "$(mb "$o" 1024)" "$(mb "$f" 1024)" "$(ratio "$v" "$o")" "(reported)" ""
	row "processes, own + the daemon's" "${R[$img.v.own_n]} + ${R[$img.v.daemon_n]}" \
		"${R[$img.o.own_n]} + ${R[$img.o.daemon_n]}" "${R[$img.f.daemon_n]}" "" "" ""
}

report() {
	local img
	echo
	echo "make bench-images (service images): $(date -u +%Y-%m-%dT%H:%MZ), $REPS runs each (medians), podman $(podman version --format '{{.Client.Version}}'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
	for img in $IMAGES; do
		report_image "$img"
	done
	echo
	echo "targets met: $met, missed: $missed"
	echo
	cat <<EOF
first answer: podman run -d until the real client, through the daemon's port published on 127.0.0.1, succeeds (polled
every 20 ms): ldap: ldapsearch -x, admin bind and base search on 389; postgres: pg_isready on 5432; samba: smbclient -L
as the user over SMB3 on 445; web: curl / on 80. 'empty volume': the image's own new volumes (initdb, slapadd, ...
included); 'initialised': named volumes of an earlier start. Stop: podman stop -t 10 after the first answer, in every
run (the floor runs twice a round). The floor: the vcore container of the first start, committed, run on its volumes
with --entrypoint the daemon alone and its stop signal (samba, web: two daemons, each in its own process group, under a
shell that passes the signal on). Memory: one container at a time on initialised data, 3 s after the first answer, a
root login over SSH and agent.ping; smaps_rollup of every process in its PID namespace. vcore's own: vcinit, the agent
(vcinit agent) and vcsshd; the recipe's: supervisord, sshd, zabbix_agentd. PSS as if the container were alone on the
machine (pagemap: each page split among the container's processes that map it): the kernel's splits pages with other
containers on the same layers; the kernel's and USS are reported.
EOF
}

main() {
	local img n s order kind m
	for img in $IMAGES; do
		declare -F "conf_$img" >/dev/null || die "$img: no such service image (ldap postgres samba web)"
		podman image exists "$(vcore_image "$img")" ||
			die "$(vcore_image "$img") is missing: make image-$img REGISTRY=$REGISTRY"
	done
	for m in ldapsearch pg_isready smbclient curl zabbix_get ssh; do
		command -v "$m" >/dev/null || die "$m is missing (ldap-utils postgresql-client smbclient curl zabbix-agent openssh-client)"
	done
	make_network || die "could not create the network $NET"
	build_olds
	for img in $IMAGES; do
		say "$img: first starts (volumes initialised, the floor committed)"
		prepare "$img"
	done
	# Interleaved, so that a busy moment of the machine hits every
	# subject; which of vcore and the old recipe goes first alternates.
	for n in $(seq "$REPS"); do
		say "run $n of $REPS"
		order="v o"
		[ $((n % 2)) = 0 ] && order="o v"
		for img in $IMAGES; do
			for kind in fresh warm; do
				for s in $order; do
					one_run "$img" "$s" "$kind" "$n"
				done
			done
			# twice: the stops of vcore and the old recipe come from
			# both kinds of run
			one_run "$img" f warm "$n"
			one_run "$img" f warm "${n}b"
		done
	done
	for img in $IMAGES; do
		for s in v o f; do
			for m in fresh warm stop; do
				[ -s "$W/$img.$s.$m" ] && R[$img.$s.$m]=$(median <"$W/$img.$s.$m")
			done
			# the distinct statuses, "0" when every stop exited 0
			R[$img.$s.status]=$(sort -u "$W/$img.$s.status" | paste -sd, -)
		done
	done
	say "memory, one container at a time"
	for img in $IMAGES; do
		for s in v o f; do
			idle "$img" "$s"
		done
	done
	report
}

main "$@"
