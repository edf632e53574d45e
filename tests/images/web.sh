# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# The web image (images/web) as an administrator uses it: a site folder
# with static files and CGI scripts mounted on /srv/www, curl on the host
# through the published ports, a certificate made here for 443, a snippet
# in /etc/vcore/nginx.d. Sourced by tests/images/run.sh after lib.sh:
# checks_web runs the checks.

WEB_I=$REGISTRY/vcore/web:$VERSION
WEB_D=$W/web			# the site, the certificates, the snippet, ports

# web_site: what the containers mount. Every script holds the line
# "web-src-marker", which a client must never see.
web_site() {
	local d=$WEB_D/www
	mkdir -p "$d/sub" "$d/.git" "$WEB_D/tls" "$WEB_D/nginx.d" || return 1
	echo '<h1>web static ok</h1>' >"$d/index.html"
	echo 'body { color: black; }' >"$d/sub/style.css"
	echo 'console.log("web js ok");' >"$d/app.js"
	# a 1x1 PNG
	echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==' |
		base64 -d >"$d/pic.png"
	echo '[core]' >"$d/.git/config"
	cat >"$d/hello.cgi" <<'EOF'
#!/bin/sh
# web-src-marker
printf 'Content-Type: text/plain\r\n\r\n'
echo "cgi ok user=$(id -un) method=$REQUEST_METHOD query=$QUERY_STRING scheme=$REQUEST_SCHEME server=$SERVER_NAME"
if [ "$REQUEST_METHOD" = POST ]; then
	echo "body=$(head -c "${CONTENT_LENGTH:-0}")"
fi
echo "hello.cgi: a line on stderr" >&2
EOF
	cat >"$d/sub/info.cgi" <<'EOF'
#!/bin/sh
# web-src-marker
printf 'Content-Type: text/plain\r\n\r\n'
echo "script=$SCRIPT_NAME path_info=$PATH_INFO proxy=$HTTP_PROXY"
EOF
	# the same script under another extension: a static file, unless
	# WEB_CGI_EXT names .pl
	sed 's/cgi ok/pl ok/' "$d/hello.cgi" >"$d/hello.pl"
	printf '#!/bin/sh\n# web-src-marker\necho should not run\n' >"$d/noexec.cgi"
	chmod 0755 "$d" "$d/sub" "$d/hello.cgi" "$d/sub/info.cgi" "$d/hello.pl"
	chmod 0644 "$d/noexec.cgi" "$d/index.html" "$d/sub/style.css" "$d/app.js" "$d/pic.png"
	cat >"$WEB_D/nginx.d/test.conf" <<'EOF'
location = /snippet {
    default_type text/plain;
    return 200 "snippet ok $request_method\n";
}
EOF
	# A CA and a certificate for web.test signed by it.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$WEB_D/tls/ca.key" -out "$WEB_D/tls/ca.pem" \
		-days 2 -subj /CN=vcore-web-test-ca 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$WEB_D/tls/key.pem" -out "$WEB_D/tls/req.pem" \
		-subj /CN=web.test 2>/dev/null &&
	printf 'subjectAltName=DNS:web.test\n' >"$WEB_D/tls/ext" &&
	openssl x509 -req -in "$WEB_D/tls/req.pem" -CA "$WEB_D/tls/ca.pem" \
		-CAkey "$WEB_D/tls/ca.key" -CAcreateserial -days 2 \
		-extfile "$WEB_D/tls/ext" -out "$WEB_D/tls/cert.pem" 2>/dev/null
}

# get PATH [CURL OPTIONS...]: "CODE TYPE" on stdout, the body in
# $WEB_D/body, through container a's published 80.
get() {
	local path=$1; shift
	curl -sS -o "$WEB_D/body" -w '%{http_code} %{content_type}\n' "$@" \
		"http://127.0.0.1:$(cat "$WEB_D/port80")$path"
}

# expect PATH CODE [CURL OPTIONS...]: the answer has status CODE and never
# a script's source.
expect() {
	local path=$1 code=$2 got; shift 2
	got=$(get "$path" "$@") || why "$path: curl failed"
	echo "$path: $got: $(head -c 200 "$WEB_D/body" | tr '\n' ' ')"
	[ "${got%% *}" = "$code" ] || why "$path: status ${got%% *}, not $code"
	! grep -q web-src-marker "$WEB_D/body" || why "$path: the script's source was served"
}

c_web_start() {
	local start took
	web_site || why "could not make the site and the certificates"
	start=$(now_ms)
	run_base "$P-web-a" "$WEB_I" -v "$P-web-vcore:/vcore" \
		-p 127.0.0.1::80 -p 127.0.0.1::443 \
		-v "$WEB_D/www:/srv/www:ro" -v "$WEB_D/tls:/tls:ro" \
		-v "$WEB_D/nginx.d:/etc/vcore/nginx.d:ro" \
		-e WEB_SERVER_NAME=web.test -e WEB_MAX_UPLOAD=4k \
		-e WEB_TLS_CERT=/tls/cert.pem -e WEB_TLS_KEY_FILE=/tls/key.pem ||
		why "podman run failed"
	port "$P-web-a" 80 >"$WEB_D/port80"
	port "$P-web-a" 443 >"$WEB_D/port443"
	wait_for 20 curl -fsS -o /dev/null "http://127.0.0.1:$(cat "$WEB_D/port80")/index.html" ||
		{ logs_of "$P-web-a"; why "no answer on 80 within 20 s"; }
	took=$(( $(now_ms) - start ))
	echo "first answer $took ms after podman run"
	wait_login "$P-web-a" 20 || why "no root login"
}

c_web_types() {
	local path want got
	for path in /index.html:text/html /sub/style.css:text/css \
		/app.js:application/javascript /pic.png:image/png /:text/html; do
		want=${path#*:} path=${path%%:*}
		got=$(get "$path") || why "$path: curl failed"
		echo "$path: $got"
		[ "$got" = "200 $want" ] || why "$path: '$got', not '200 $want'"
		[ "$path" != / ] || grep -q 'web static ok' "$WEB_D/body" || why "/ is not index.html"
	done
	cmp "$WEB_D/body" "$WEB_D/www/index.html" || why "index.html came back changed"
	get /pic.png >/dev/null || why "/pic.png: curl failed"
	cmp "$WEB_D/body" "$WEB_D/www/pic.png" || why "pic.png came back changed"
}

c_web_cgi_query() {
	expect '/hello.cgi?x=1&y=two' 200
	grep -qx 'cgi ok user=www-data method=GET query=x=1&y=two scheme=http server=web.test' \
		"$WEB_D/body" || why "unexpected output"
}

c_web_cgi_post() {
	expect /hello.cgi 200 --data-binary 'a=b&c=posted body'
	grep -qx 'body=a=b&c=posted body' "$WEB_D/body" || why "the body did not reach the script"
	# WEB_MAX_UPLOAD=4k: a larger body is refused before any script runs.
	head -c 5000 /dev/zero | tr '\0' x >"$WEB_D/big"
	expect /hello.cgi 413 --data-binary "@$WEB_D/big"
}

c_web_cgi_path_info() {
	# (a Proxy: header must not reach the script as HTTP_PROXY: httpoxy)
	expect '/sub/info.cgi/extra/path?q=1' 200 -H 'Proxy: http://evil.test'
	grep -qx 'script=/sub/info.cgi path_info=/extra/path proxy=' "$WEB_D/body" ||
		why "SCRIPT_NAME, PATH_INFO or HTTP_PROXY wrong"
}

# Never a script's source: not for a script that cannot run, nor a missing
# one, nor a dot folder; a script-looking file of another extension is a
# plain static file.
c_web_never_source() {
	expect /noexec.cgi 403
	expect /missing.cgi 404
	expect /.git/config 403
	get /hello.pl >/dev/null || why "curl failed"
	grep -q '^echo "pl ok' "$WEB_D/body" || why "hello.pl is not served as a static file"
}

# With uWSGI stopped, nginx answers 502 for a .cgi: it never falls back to
# serving the file.
c_web_cgi_down() {
	podman exec "$P-web-a" vcctl stop uwsgi || why "vcctl stop uwsgi failed"
	expect /hello.cgi 502
	expect /index.html 200
	podman exec "$P-web-a" vcctl start uwsgi || why "vcctl start uwsgi failed"
	# shellcheck disable=SC2016
	wait_for 10 eval '[ "$(get /hello.cgi)" = "200 text/plain" ]' ||
		why "the CGI did not come back"
}

c_web_tls() {
	local p
	p=$(cat "$WEB_D/port443")
	curl -fsS --cacert "$WEB_D/tls/ca.pem" --resolve "web.test:$p:127.0.0.1" \
		-o "$WEB_D/body" "https://web.test:$p/index.html" || why "https failed"
	cmp "$WEB_D/body" "$WEB_D/www/index.html" || why "index.html over https differs"
	curl -fsS --cacert "$WEB_D/tls/ca.pem" --resolve "web.test:$p:127.0.0.1" \
		"https://web.test:$p/hello.cgi" >"$WEB_D/body" || why "a CGI over https failed"
	cat "$WEB_D/body"
	grep -q 'scheme=https' "$WEB_D/body" || why "the script did not see https"
	# The key came by value (WEB_TLS_KEY_FILE): written root-only, never logged.
	podman exec "$P-web-a" stat -c '%a %U' /run/web/tls.key | grep -qx '600 root' ||
		why "the key file is not 0600 root"
	! logs_of "$P-web-a" | grep -q 'PRIVATE KEY' || why "the key is in the logs"
}

c_web_snippet() {
	expect /snippet 200
	grep -qx 'snippet ok GET' "$WEB_D/body" || why "the snippet did not answer"
}

c_web_logs() {
	local out
	out=$(logs_of "$P-web-a")
	grep '^nginx | ' <<<"$out" | tail -n 5
	grep -q '^nginx | .*"GET /index.html HTTP/1.1" 200 ' <<<"$out" || why "no access log line"
	grep -q '^nginx | .*\[error\] .*"GET /.git/config HTTP/1.1"' <<<"$out" ||
		why "no error log line"
	grep -q '^uwsgi | hello.cgi: a line on stderr' <<<"$out" || why "a script's stderr is not in the logs"
	grep -q '^magic/50-web | web: /srv/www on port(s) 80 443, CGI for .cgi, 1 snippet' <<<"$out" ||
		why "the hook's summary is missing"
}

# A new container on the same /vcore volume with other values uses them:
# no TLS, .pl as CGI too, another server name.
c_web_changed() {
	local p out
	run_base "$P-web-b" "$WEB_I" -v "$P-web-vcore:/vcore" \
		-p 127.0.0.1::80 -p 127.0.0.1::443 -v "$WEB_D/www:/srv/www:ro" \
		-e WEB_CGI_EXT='.cgi .pl' -e WEB_SERVER_NAME=other.test ||
		why "podman run failed"
	p=$(port "$P-web-b" 80)
	wait_for 20 curl -fsS -o /dev/null "http://127.0.0.1:$p/index.html" ||
		{ logs_of "$P-web-b"; why "no answer on 80"; }
	out=$(curl -fsS "http://127.0.0.1:$p/hello.pl?z=9") || why "hello.pl failed"
	echo "$out"
	grep -qx 'pl ok user=www-data method=GET query=z=9 scheme=http server=other.test' <<<"$out" ||
		why "hello.pl did not run as CGI with the new server name"
	out=$(curl -fsS "http://127.0.0.1:$p/hello.cgi") || why "hello.cgi failed"
	grep -q '^cgi ok' <<<"$out" || why "hello.cgi did not run"
	if curl -sS -k -o /dev/null "https://127.0.0.1:$(port "$P-web-b" 443)/"; then
		why "443 answers without WEB_TLS_CERT"
	fi
	podman exec "$P-web-b" grep -q 443 /etc/nginx/vcore/listen.conf &&
		why "listen.conf still has 443"
	podman rm -f -v -t 10 "$P-web-b" >/dev/null
}

# Half a TLS setting, or a bad extension, stops the boot (78) naming it.
c_web_bad_config() {
	local rc
	pm run --rm --name "$P-web-bad" -e WEB_TLS_CERT=/etc/hostname "$WEB_I" \
		>"$WEB_D/bad" 2>&1
	rc=$?
	grep 'web:' "$WEB_D/bad"
	[ "$rc" = 78 ] || why "status $rc, not 78"
	grep -q 'web: WEB_TLS_KEY is required with WEB_TLS_CERT' "$WEB_D/bad" ||
		why "the message does not name WEB_TLS_KEY"
	pm run --rm --name "$P-web-bad" -e WEB_CGI_EXT='.cgi;' "$WEB_I" \
		>"$WEB_D/bad" 2>&1
	rc=$?
	grep 'web:' "$WEB_D/bad"
	[ "$rc" = 78 ] || why "status $rc, not 78"
	grep -q "WEB_CGI_EXT: '.cgi;'" "$WEB_D/bad" || why "the message does not name WEB_CGI_EXT"
}

checks_web() {
	pm image exists "$WEB_I" || { check "web: image $WEB_I exists" false; return; }
	check "web: podman run, nginx answers on 80 (TLS, snippet, site mounted)" c_web_start
	check "web: static files with their types (html, css, js, png)" c_web_types
	check "web: a .cgi with a query string runs as www-data" c_web_cgi_query
	check "web: a .cgi gets a POST body; WEB_MAX_UPLOAD answers 413" c_web_cgi_post
	check "web: a .cgi gets SCRIPT_NAME and PATH_INFO, no HTTP_PROXY" c_web_cgi_path_info
	check "web: non-executable .cgi 403, no source ever, .pl is static" c_web_never_source
	check "web: a .cgi with uwsgi stopped is 502, not its source" c_web_cgi_down
	check "web: https with the mounted certificate (curl --cacert)" c_web_tls
	check "web: a snippet from /etc/vcore/nginx.d" c_web_snippet
	check "web: podman logs has nginx's access and error lines, uwsgi's" c_web_logs
	check "web: bad settings stop the boot with 78 naming them" c_web_bad_config
	common_checks web "$P-web-a" nginx uwsgi
	check "web: a new container with other values uses them" c_web_changed
	podman rm -f -v -t 0 "$P-web-a" >/dev/null 2>&1
}
