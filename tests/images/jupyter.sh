# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# The jupyter image (images/jupyter) as an administrator runs it and as a
# user of the Hub uses it: LDAP users (tests/images/ldap.sh: ldap_ensure)
# log in with their passwords through the Hub's REST API, start their
# servers and run code in a kernel over the websocket, all through the
# Hub's proxy; the Hub's database in SQLite on its volume, then in the
# postgres image's `jupyterhub` database. Sourced by tests/images/run.sh
# after lib.sh.
#
# For the stack test: jupyter_read_file CONTAINER USER PASSWORD PATH
# prints the file PATH as USER's kernel reads it, jupyter_hub_knows
# CONTAINER USER says whether the Hub's database holds USER (see below).

JUP_IMAGE=$REGISTRY/vcore/jupyter:$VERSION
PG_IMAGE=${PG_IMAGE:-$REGISTRY/vcore/postgres:$VERSION}
# shellcheck source=tests/images/ldap.sh
. "$TOP/tests/images/ldap.sh"

# The Hub's client, run by the image's own python3 inside a container of
# the image (podman exec): the standard library for HTTP and the image's
# tornado for the kernel's websocket. It talks to the Hub through its
# proxy, as a browser would: $JUPYTER_URL, default
# http://127.0.0.1:${JUPYTER_PORT:-8000}${JUPYTER_BASE_URL:-/}.
#   login USER PASSWORD      the login form, then a token from the REST API
#                            (POST /hub/api/users/USER/tokens with the
#                            password): prints login=CODE and token=TOKEN,
#                            or token=refused (exit 3)
#   spawn USER TOKEN         starts USER's server, waits until it is ready
#   run USER TOKEN CODE      runs CODE in a new kernel of USER's server,
#                            prints what it printed (exit 4 on an error)
#   stop USER TOKEN          stops USER's server, waits until it is gone
#   read USER PASSWORD PATH  login, spawn, run a kernel that prints PATH
read -r -d '' JUP_CLIENT <<'PY'
import json, os, sys, time, uuid
import urllib.error, urllib.parse, urllib.request

base = os.environ.get('JUPYTER_URL') or 'http://127.0.0.1:%s%s' % (
    os.environ.get('JUPYTER_PORT') or '8000', os.environ.get('JUPYTER_BASE_URL') or '/')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


http = urllib.request.build_opener(NoRedirect)


def call(method, path, token=None, body=None, form=None):
    """(status, parsed JSON or text) of one request to the Hub."""
    headers = {}
    data = None
    if token:
        headers['Authorization'] = 'token ' + token
    if body is not None:
        data = json.dumps(body).encode()
        headers['Content-Type'] = 'application/json'
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with http.open(req, timeout=30) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode(errors='replace')
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def die(code, what):
    print('jupyter client: ' + what, file=sys.stderr)
    sys.exit(code)


def login(user, password):
    # The form makes the user known to the Hub on a first login; the
    # token API then accepts the password (it needs a known user).
    status, _ = call('POST', 'hub/login', form={'username': user, 'password': password})
    print('login=%d' % status)
    status, reply = call('POST', 'hub/api/users/%s/tokens' % user,
                         body={'auth': {'username': user, 'password': password},
                               'note': 'vcore test', 'expires_in': 3600})
    if status not in (200, 201):
        print('token=refused')
        die(3, 'no token for %s: HTTP %d' % (user, status))
    print('token=' + reply['token'])
    return reply['token']


def server(user, token):
    status, reply = call('GET', 'hub/api/users/' + user, token)
    if status != 200:
        die(1, 'GET /hub/api/users/%s: HTTP %d %s' % (user, status, reply))
    return reply.get('servers', {}).get('')


def spawn(user, token):
    status, reply = call('POST', 'hub/api/users/%s/server' % user, token)
    if status not in (201, 202, 400):   # 400: already running
        die(1, 'starting the server: HTTP %d %s' % (status, reply))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        s = server(user, token)
        if s and s.get('ready'):
            return
        if status != 400 and not s:
            die(1, 'the server of %s did not start (see the Hub log)' % user)
        time.sleep(0.2)
    die(1, 'the server of %s is not ready after 90 s' % user)


def stop(user, token):
    status, reply = call('DELETE', 'hub/api/users/%s/server' % user, token)
    if status not in (202, 204):
        die(1, 'stopping the server: HTTP %d %s' % (status, reply))
    deadline = time.monotonic() + 30
    while server(user, token):
        if time.monotonic() > deadline:
            die(1, 'the server of %s did not stop within 30 s' % user)
        time.sleep(0.2)


def run(user, token, code):
    from tornado import httpclient, ioloop, websocket
    prefix = 'user/%s/api/kernels' % user
    status, kernel = call('POST', prefix, token, body={'name': 'python3'})
    if status != 201:
        die(1, 'starting a kernel: HTTP %d %s' % (status, kernel))
    url = base.replace('http', 'ws', 1) + '%s/%s/channels' % (prefix, kernel['id'])
    out, failed = [], []

    async def execute():
        req = httpclient.HTTPRequest(url, headers={'Authorization': 'token ' + token},
                                     connect_timeout=20, request_timeout=60)
        ws = await websocket.websocket_connect(req)
        msg_id = uuid.uuid4().hex
        ws.write_message(json.dumps({
            'header': {'msg_id': msg_id, 'msg_type': 'execute_request', 'username': user,
                       'session': uuid.uuid4().hex, 'version': '5.3'},
            'parent_header': {}, 'metadata': {}, 'channel': 'shell', 'buffers': [],
            'content': {'code': code, 'silent': False, 'store_history': False,
                        'user_expressions': {}, 'allow_stdin': False, 'stop_on_error': True}}))
        while True:
            text = await ws.read_message()
            if text is None:
                failed.append('the websocket closed')
                return
            m = json.loads(text)
            if m.get('parent_header', {}).get('msg_id') != msg_id:
                continue
            kind, content = m['msg_type'], m['content']
            if kind == 'stream':
                out.append(content['text'])
            elif kind == 'error':
                failed.append('%s: %s' % (content['ename'], content['evalue']))
            elif kind == 'status' and content['execution_state'] == 'idle':
                ws.close()
                return

    try:
        ioloop.IOLoop.current().run_sync(execute, timeout=90)
    finally:
        call('DELETE', '%s/%s' % (prefix, kernel['id']), token)
    sys.stdout.write(''.join(out))
    if failed:
        die(4, '; '.join(failed))


verb, args = sys.argv[1], sys.argv[2:]
if verb == 'login':
    login(*args)
elif verb == 'spawn':
    spawn(*args)
elif verb == 'stop':
    stop(*args)
elif verb == 'run':
    run(*args)
elif verb == 'read':
    user, password, path = args
    token = login(user, password)
    spawn(user, token)
    run(user, token, 'import sys; sys.stdout.write(open(%r).read())' % path)
else:
    die(64, 'unknown verb ' + verb)
PY

# jupyter_client CONTAINER VERB ARGS...: the client above, in CONTAINER (a
# container of the image: the Hub's own, or one on its network with
# JUPYTER_URL set by -e).
jupyter_client() {
	local c=$1; shift
	podman exec -i "$c" /usr/bin/python3 - "$@" <<<"$JUP_CLIENT"
}

# jupyter_read_file CONTAINER USER PASSWORD PATH: logs in to the Hub of
# CONTAINER (a jupyter container) as USER with PASSWORD through the REST
# API, starts USER's server (if not running), runs code in a kernel that
# reads PATH, and prints what it read. The server is left running. Status
# 3: the password was refused; other non-zero: something failed (said on
# stderr).
jupyter_read_file() {
	local c=$1 user=$2 pw=$3 path=$4 out rc
	out=$(jupyter_client "$c" read "$user" "$pw" "$path")
	rc=$?
	# the client's first lines are its login=, token= lines
	sed '/^login=/d; /^token=/d' <<<"$out"
	return $rc
}

# jupyter_hub_knows CONTAINER USER: the database of the Hub in CONTAINER
# holds USER (who logged in once): asked directly, read only, with the
# container's JUPYTERHUB_DB_URL (JUPYTERHUB_DB_PASSWORD is not looked at).
jupyter_hub_knows() {
	podman exec -i "$1" /usr/bin/python3 - "$2" <<'PY'
import os, sys
import sqlalchemy
url = os.environ.get('JUPYTERHUB_DB_URL') or 'sqlite:////srv/jupyterhub/jupyterhub.sqlite'
with sqlalchemy.create_engine(url).connect() as db:
    found = db.execute(sqlalchemy.text('SELECT name FROM users WHERE name = :n'),
                       {'n': sys.argv[1]}).fetchall()
sys.exit(0 if found else 1)
PY
}

# jpt_token CONTAINER USER PASSWORD: prints USER's new API token.
jpt_token() {
	jupyter_client "$1" login "$2" "$3" | sed -n 's/^token=//p'
}

# jpt_run NAME [PODMAN RUN OPTIONS...]: a jupyter container as an
# administrator of the stack starts one: LDAP by LDAP_DOMAIN (LDAP_URI's
# default ldap://ldap), the CA from the shared volume, homes on a volume of
# its own ($P-jup-home: the user checks of the same run leave a
# /home/alice on $P-home), the Hub's port published on loopback; no SLURM
# (the user image's SLURM_ROLE=client would wait for a controller's munge
# key).
jpt_run() {
	local name=$1; shift
	run_base "$name" "$JUP_IMAGE" -p 127.0.0.1::8000 \
		-v "$P-jup-home:/home" -v "$P-shared:/vcore-shared:ro" \
		-e LDAP_DOMAIN=example.org -e SLURM_ROLE=none "$@"
}

# jpt_api_answers NAME: the Hub's API answers through the proxy.
jpt_api_answers() {
	curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$(port "$1" 8000)/hub/api"
}

# jpt_still_knows NAME TOKEN-FILE SECONDS: the Hub of NAME, started again or
# new on the same database, answers and takes alice's token of before (what
# it says of her is left in $W/jup-user); its database knows her. In a check.
jpt_still_knows() {
	local out
	jpt_wait_api "$1" "$3" ||
		{ logs_of "$1" | tail -n 30; why "the Hub's API does not answer"; }
	out=$(curl -s -H "Authorization: token $(cat "$2")" \
		"http://127.0.0.1:$(port "$1" 8000)/hub/api/user")
	echo "$out" | tee "$W/jup-user"
	grep -q '"name": *"alice"' <<<"$out" || why "her token of before is not known"
	jupyter_hub_knows "$1" alice || why "jupyter_hub_knows: alice is not known"
}

# jpt_wait_api NAME SECONDS: until the Hub's API answers; 1 at the limit
# or as soon as the container is not running.
jpt_wait_api() {
	local end=$(($(now_ms) + $2 * 1000)) p
	p=$(port "$1" 8000)
	until curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$p/hub/api"; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		[ "$(podman inspect --format '{{.State.Running}}' "$1")" = true ] ||
			{ echo "$1 is not running"; return 1; }
		sleep 0.2
	done
}

# jpt_procs NAME: the container's processes as "uid command line".
jpt_procs() {
	podman exec "$1" ps -eo uid=,args=
}

c_jup_start() {
	local start took
	ldap_ensure || why "the ldap container is not up (tests/images/ldap.sh)"
	start=$(now_ms)
	jpt_run "$P-jup" -v "$P-jupdata:/srv/jupyterhub" \
		-e JUPYTER_ALLOWED_GROUPS=research -e JUPYTER_ADMIN_USERS=bob ||
		why "podman run failed"
	jpt_wait_api "$P-jup" 90 ||
		{ logs_of "$P-jup" | tail -n 40; why "the Hub's API does not answer within 90 s"; }
	took=$(( $(now_ms) - start ))
	echo "podman run to the Hub's API answering: $took ms"
	curl -s "http://127.0.0.1:$(port "$P-jup" 8000)/hub/api"; echo
	logs_of "$P-jup" | grep '^magic/50-jupyterhub'
	podman exec "$P-jup" stat -c '%a %U' /srv/jupyterhub/jupyterhub_cookie_secret |
		tee /dev/stderr | grep -qx '600 root' || why "the cookie secret is not 0600 root"
}

# Alice's password gives her a token; a wrong one, bob's, a system
# account or an unknown name do not (the form login stays on its page).
c_jup_login() {
	local out
	out=$(jupyter_client "$P-jup" login alice alicepw) || { echo "$out"; why "alice was refused"; }
	grep '^login=' <<<"$out"
	grep -qx 'login=302' <<<"$out" || why "the login form did not redirect"
	grep -q '^token=[0-9a-f]\{32\}' <<<"$out" || why "no token"
	sed -n 's/^token=//p' <<<"$out" >"$W/jup-token"
	for who in alice:wrongpw alice:bobpw mallory:alicepw nslcd:x root:x; do
		out=$(jupyter_client "$P-jup" login "${who%%:*}" "${who#*:}" 2>&1)
		echo "${who%%:*} with a wrong password: $(tr '\n' ' ' <<<"$out")"
		grep -qx 'login=200' <<<"$out" || why "$who: the form did not refuse"
		grep -qx 'token=refused' <<<"$out" || why "$who: a token was given"
	done
	logs_of "$P-jup" | grep -c 'Failed login for' | grep -qx '[5-9]' ||
		why "the Hub did not log the refused logins"
}

# Bob is an admin (JUPYTER_ADMIN_USERS), alice is not.
c_jup_admin() {
	local token out
	token=$(jpt_token "$P-jup" bob bobpw)
	[ -n "$token" ] || why "bob got no token"
	out=$(curl -s -H "Authorization: token $token" \
		"http://127.0.0.1:$(port "$P-jup" 8000)/hub/api/user")
	echo "$out"
	if ! grep -q '"name": *"bob"' <<<"$out" || ! grep -q '"admin": *true' <<<"$out"; then
		why "bob is not an admin"
	fi
	curl -s -H "Authorization: token $(cat "$W/jup-token")" \
		"http://127.0.0.1:$(port "$P-jup" 8000)/hub/api/user" | tee /dev/stderr |
		grep -q '"admin": *false' || why "alice is an admin"
}

# Her server starts through the API, as uid 5001, in her home made for
# her (0700, her uid and gid).
c_jup_spawn() {
	local out
	podman exec "$P-jup" test -e /home/alice && why "/home/alice exists before the spawn"
	jupyter_client "$P-jup" spawn alice "$(cat "$W/jup-token")" || why "spawn failed"
	out=$(jpt_procs "$P-jup")
	grep 'jupyterhub\|configurable-http-proxy\|node' <<<"$out"
	grep -q '^ *5001 .*jupyterhub-singleuser' <<<"$out" || why "no jupyterhub-singleuser as uid 5001"
	grep -v '^ *5001 ' <<<"$out" | grep -q 'jupyterhub-singleuser' &&
		why "a jupyterhub-singleuser of another uid"
	out=$(podman exec "$P-jup" stat -c '%a %u %g' /home/alice)
	echo "/home/alice: $out"
	[ "$out" = "700 5001 5000" ] || why "/home/alice is not 0700 5001:5000"
	logs_of "$P-jup" | grep -q 'created home /home/alice for alice' || why "not logged"
}

# Code in a kernel (over the websocket, through the proxy) reads a file
# of her home and says who runs it.
c_jup_kernel() {
	local out
	podman exec "$P-jup" setpriv --reuid=5001 --regid=5000 --clear-groups \
		sh -c 'echo "written by $(id -u) for the kernel" >/home/alice/note.txt' ||
		why "could not write the file"
	out=$(jupyter_read_file "$P-jup" alice alicepw /home/alice/note.txt) ||
		why "jupyter_read_file failed"
	echo "read: $out"
	[ "$out" = "written by 5001 for the kernel" ] || why "not the file's text"
	out=$(jupyter_client "$P-jup" run alice "$(cat "$W/jup-token")" \
		'import os; print(os.getuid(), os.getgid(), os.getcwd())') || why "run failed"
	echo "kernel: $out"
	[ "$out" = "5001 5000 /home/alice" ] || why "the kernel is not alice's, in her home"
}

# /user/alice/tree is the classic notebook interface, from the host
# through the published port (her token as a browser's cookie would be).
c_jup_tree() {
	local out
	out=$(curl -s -w '\nHTTP %{http_code}' -H "Authorization: token $(cat "$W/jup-token")" \
		"http://127.0.0.1:$(port "$P-jup" 8000)/user/alice/tree")
	grep -o '<title>[^<]*</title>\|HTTP [0-9]*\|id="notebook_list"\|id="ipython-main-app"' <<<"$out" | sort -u
	grep -qx 'HTTP 200' <<<"$out" || why "not 200"
	grep -q 'id="notebook_list"' <<<"$out" || why "not the classic file list"
	grep -q 'note.txt' <<<"$(curl -s -H "Authorization: token $(cat "$W/jup-token")" \
		"http://127.0.0.1:$(port "$P-jup" 8000)/user/alice/api/contents")" ||
		why "her home is not the server's folder"
	# without a token: the server sends the browser to the Hub, which
	# sends it to its login page
	curl -sL -o /dev/null -w 'without a token: %{http_code} at %{url_effective}\n' \
		"http://127.0.0.1:$(port "$P-jup" 8000)/user/alice/tree" | tee "$W/jup-anon"
	grep -q '^without a token: 200 at .*/hub/login?next=' "$W/jup-anon" || why "served without a login"
}

# Stopping her server leaves none of its processes; the Hub and the
# proxy go on.
c_jup_stop_server() {
	local out
	jupyter_client "$P-jup" stop alice "$(cat "$W/jup-token")" || why "stop failed"
	# shellcheck disable=SC2016
	wait_for 10 eval '! jpt_procs "$P-jup" | grep -q "^ *5001 "' ||
		{ jpt_procs "$P-jup"; why "alice's processes are left"; }
	out=$(jpt_procs "$P-jup")
	grep 'jupyterhub\|configurable-http-proxy' <<<"$out"
	grep -q 'configurable-http-proxy' <<<"$out" || why "the proxy is gone"
	jpt_api_answers "$P-jup" || why "the Hub does not answer"
}

# With her server and a kernel running, the Hub's stop ends both and
# the proxy: nothing is left for vcinit to end (common_checks then
# times the stop and looks for kills). Her server is started again here.
c_jup_busy() {
	local token
	token=$(cat "$W/jup-token")
	jupyter_client "$P-jup" spawn alice "$token" || why "spawn failed"
	podman exec -i "$P-jup" /usr/bin/python3 - <<PY || why "no kernel"
import json, urllib.request
r = urllib.request.Request('http://127.0.0.1:8000/user/alice/api/kernels', method='POST',
    data=b'{"name": "python3"}', headers={'Authorization': 'token $token',
    'Content-Type': 'application/json'})
print(json.load(urllib.request.urlopen(r))['id'])
PY
	# shellcheck disable=SC2016
	wait_for 20 eval 'jpt_procs "$P-jup" | grep -q "^ *5001 .*ipykernel"' ||
		why "no kernel process"
	jpt_procs "$P-jup" | grep '^ *5001 '
}

c_jup_stopped_clean() {
	local out
	out=$(logs_of "$P-jup" | sed -n '/SIGTERM: shutting down/,$p')
	grep 'Cleaning up\|Stopping user\|jupyterhub: stopped\|ending what is left' <<<"$out"
	grep -q 'ending what is left' <<<"$out" && why "processes outlived the Hub"
	grep -q 'Cleaning up single-user servers' <<<"$out" || why "the Hub did not stop the servers"
	return 0
}

# Started again on its volumes: the token of before still works (SQLite
# and the cookie secret on /srv/jupyterhub), her home is as it was.
c_jup_restart() {
	local out
	pm start "$P-jup" >/dev/null || why "podman start failed"
	jpt_still_knows "$P-jup" "$W/jup-token" 90
	out=$(cat "$W/jup-user")
	jupyter_hub_knows "$P-jup" mallory && why "jupyter_hub_knows: mallory is known"
	grep -q '"server": *null' <<<"$out" || why "her server is said to run"
	out=$(jupyter_read_file "$P-jup" alice alicepw /home/alice/note.txt) ||
		why "jupyter_read_file failed"
	[ "$out" = "written by 5001 for the kernel" ] || why "read '$out'"
	jupyter_client "$P-jup" stop alice "$(cat "$W/jup-token")" || why "stop failed"
}

# ---- the Hub's database in the postgres image ----

# jpt_pg_answers: the server of $P-jpg answers on its socket.
jpt_pg_answers() {
	podman exec "$P-jpg" pg_isready -q -h /run/postgresql
}

# A postgres container of the stack (its `jupyterhub` database trusted
# from the host name jupyterhub, the default POSTGRES_SERVICE_DBS) and a
# Hub named so on $NET; JUPYTER_ALLOWED_USERS=alice there.
c_jup_pg_start() {
	local pgaddr
	pm image exists "$PG_IMAGE" || why "no image $PG_IMAGE"
	run_base "$P-jpg" "$PG_IMAGE" -v "$P-jpgdata:/var/lib/postgresql/data" \
		-v "$P-shared:/vcore-shared:ro" -e LDAP_DOMAIN=example.org \
		-e POSTGRES_PASSWORD=pgadminpw -e POSTGRES_SYNC_INTERVAL=2 ||
		why "podman run of postgres failed"
	wait_for 60 jpt_pg_answers || { logs_of "$P-jpg" | tail -n 30; why "postgres does not answer"; }
	# By address: Podman's DNS may not answer while containers come and
	# go (see tests/images/postgres.sh, pgt_psql).
	pgaddr=$(podman inspect --format \
		'{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$P-jpg")
	[ -n "$pgaddr" ] || why "no address for postgres"
	jpt_run "$P-jupg" --hostname jupyterhub --network-alias jupyterhub \
		-e JUPYTERHUB_DB_URL="postgresql://jupyterhub@$pgaddr/jupyterhub" \
		-e JUPYTER_ALLOWED_USERS=alice || why "podman run failed"
	# The hub waits for pg_hba.conf to trust its address (postgres-sync).
	jpt_wait_api "$P-jupg" 120 ||
		{ logs_of "$P-jupg" | tail -n 30; logs_of "$P-jpg" | grep sync | tail -n 5
		why "the Hub's API does not answer"; }
	logs_of "$P-jupg" | grep '^magic/50-jupyterhub\|atabase'
}

c_jup_pg_use() {
	local token out
	token=$(jpt_token "$P-jupg" alice alicepw)
	[ -n "$token" ] || why "alice got no token"
	echo "$token" >"$W/jupg-token"
	out=$(jupyter_client "$P-jupg" login bob bobpw 2>&1)
	grep -qx 'token=refused' <<<"$out" || why "bob (not in JUPYTER_ALLOWED_USERS) got a token"
	out=$(podman exec "$P-jpg" psql -X -tA -U postgres -d jupyterhub \
		-c "SELECT name FROM users ORDER BY name") || why "psql failed"
	echo "users in the jupyterhub database: $(tr '\n' ' ' <<<"$out")"
	grep -qx alice <<<"$out" || why "alice is not in the database"
	out=$(podman exec "$P-jpg" psql -X -tA -U postgres -d jupyterhub \
		-c "SELECT tableowner FROM pg_tables WHERE tablename = 'users'")
	echo "owner of its tables: $out"
	[ "$out" = jupyterhub ] || why "the tables are not jupyterhub's"
	podman exec "$P-jupg" ls /srv/jupyterhub | grep sqlite && why "a SQLite file was made"
	return 0
}

# A new container of the Hub on the same database (its own volume gone,
# so a new cookie secret): the token of before still works.
c_jup_pg_restart() {
	local out
	pm rm -f -v -t 10 "$P-jupg" >/dev/null || why "podman rm failed"
	jpt_run "$P-jupg" --hostname jupyterhub --network-alias jupyterhub \
		-e JUPYTERHUB_DB_URL="postgresql://jupyterhub@$(podman inspect --format \
		'{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$P-jpg")/jupyterhub" ||
		why "podman run failed"
	jpt_still_knows "$P-jupg" "$W/jupg-token" 120
	out=$(jupyter_read_file "$P-jupg" alice alicepw /home/alice/note.txt) ||
		why "jupyter_read_file failed"
	echo "read: $out"
	[ "$out" = "written by 5001 for the kernel" ] || why "read '$out'"
	pm stop -t 10 "$P-jupg" >/dev/null
	logs_of "$P-jupg" | grep -q 'ending what is left' && why "processes outlived the Hub"
	pm rm -f -v -t 0 "$P-jupg" "$P-jpg" >/dev/null
	return 0
}

# Bad settings stop the boot with 78, naming the variable.
c_jup_bad() {
	local out rc v
	for v in JUPYTER_UI=lab JUPYTER_PORT=http JUPYTERHUB_DB_URL=mysql://x/y \
		JUPYTER_BASE_URL=jupyter JUPYTER_IDLE_TIMEOUT=-1; do
		out=$(pm run --rm --name "$P-jup-bad" -e LDAP_URI= -e "$v" "$JUP_IMAGE" 2>&1)
		rc=$?
		grep 'jupyterhub:' <<<"$out" | tail -n 1
		[ "$rc" = 78 ] || why "$v: exit status $rc, not 78"
		grep -q "jupyterhub: ${v%%=*}" <<<"$out" || why "$v: not named"
	done
}

checks_jupyter() {
	pm image exists "$JUP_IMAGE" || { check "jupyter: image $JUP_IMAGE exists" false; return; }
	check "jupyter: bad settings stop the boot (78) naming the variable" c_jup_bad
	check "jupyter: the Hub's API answers through the proxy (LDAP from ldap_ensure)" c_jup_start
	check "jupyter: alice gets a token with her LDAP password; wrong passwords, system and unknown users refused" c_jup_login
	check "jupyter: JUPYTER_ADMIN_USERS makes bob an admin, not alice" c_jup_admin
	check "jupyter: her server starts through the API as uid 5001, her home made 0700" c_jup_spawn
	check "jupyter: a kernel (websocket through the proxy) reads a file of her home" c_jup_kernel
	check "jupyter: /user/alice/tree is the classic notebook interface" c_jup_tree
	check "jupyter: stopping her server leaves none of its processes" c_jup_stop_server
	check "jupyter: her server and a kernel running for the container's stop" c_jup_busy
	common_checks jupyter "$P-jup" jupyterhub nslcd unscd
	check "jupyter: the Hub's stop ended her server and the proxy, nothing left" c_jup_stopped_clean
	check "jupyter: started again on its volume, her token still works" c_jup_restart
	check "jupyter: the Hub's database in postgres (trusted from host jupyterhub)" c_jup_pg_start
	check "jupyter: alice's user and token in the jupyterhub database; JUPYTER_ALLOWED_USERS refuses bob" c_jup_pg_use
	check "jupyter: a new Hub container on the same database knows her token" c_jup_pg_restart
}
