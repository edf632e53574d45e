#!/bin/sh
# SPDX-License-Identifier: ISC
# The old recipe's set-up of the web server, run by the entry point before
# supervisord at every start: the worker counts from the environment into
# nginx.conf and uWSGI's ini, and uWSGI's socket folder without a stale
# socket. uWSGI starts as root and drops to www-data itself.
set -eu
sed -i "s/^worker_processes .*/worker_processes ${NGINX_WORKER_PROCESSES:-1};/" \
	/etc/nginx/nginx.conf
cat >/etc/uwsgi/web.ini <<INI
[uwsgi]
plugins-dir = /usr/lib/uwsgi/plugins
need-plugin = cgi
uid = www-data
gid = www-data
socket = /run/uwsgi/web.sock
chmod-socket = 660
chown-socket = www-data:www-data
vacuum = true
master = true
processes = ${UWSGI_PROCESSES:-2}
threads = ${UWSGI_THREADS:-4}
die-on-term = true
buffer-size = 32768
disable-logging = true
cgi = /srv/www
cgi-allowed-ext = .cgi
INI
mkdir -p /run/uwsgi
chown www-data:www-data /run/uwsgi
chmod 0750 /run/uwsgi
rm -f /run/uwsgi/web.sock
