#!/bin/bash
# SPDX-License-Identifier: ISC
# asan
# Templates (DESIGN: Boot order, step 4): every templates/REL.tmpl becomes
# render_root/REL before the hooks run, with ${VAR}, ${VAR:-default},
# ${VAR:?message}, $$ and literal $; an unset ${VAR} renders empty with a
# warning naming template:line; the template's mode and owner are kept;
# the file is replaced by rename (no temporary file left, a new inode) and
# left alone when nothing changed; a persisted target is not rendered.
# vcctl status reports it. Bad templates exit 78 naming file:line before
# any hook or service runs, and leave the old target as it was. A template
# that writes services.d is read again; one that writes vcore.conf is an
# error.
. "$(dirname "$0")/lib.sh"
R=$T/root
mkdir -p "$ETC/templates/etc/app" "$ETC/templates/deep/a/b" "$ETC/env.d" \
	"$ETC/magic.d" "$R/etc/app" "$R/deep/a/b"
echo 'APP_NAME=from-env.d' >"$ETC/env.d/10-app"
tmpl=$ETC/templates/etc/app/app.conf.tmpl
cat >"$tmpl" <<'EOF'
name=${APP_NAME}
port=${APP_PORT:-8080}
host=${APP_HOST:-}
price=$$5, $HOME and a lone $ stay
missing=[${NOT_SET_ANYWHERE}]
realm=${REALM:?set REALM to the Kerberos realm}
EOF
chown 1234:5678 "$tmpl"
chmod 640 "$tmpl"
printf '#!/bin/sh\necho "$${GREETING:-hi} from ${APP_NAME}"\n' \
	>"$ETC/templates/deep/a/b/run.sh.tmpl"
chmod 750 "$ETC/templates/deep/a/b/run.sh.tmpl"
echo 'not a template: ${APP_NAME}' >"$ETC/templates/etc/app/README"
echo 'kept=${APP_NAME}' >"$ETC/templates/etc/app/kept.conf.tmpl"
echo "the administrator's" >"$R/etc/app/kept.conf"
echo "$R/etc/app/kept.conf" >"$ETC/persist"
# the hooks see the rendered files
printf '#!/bin/sh\ncat %s\nsh %s\n' "$R/etc/app/app.conf" "$R/deep/a/b/run.sh" \
	>"$ETC/magic.d/10-read"
chmod 755 "$ETC/magic.d/10-read"
service app "command = {\"/bin/sh\", \"-c\", \"touch $T/started; exec $VCTEST idle\"}"
export REALM=EXAMPLE.ORG
expected='name=from-env.d
port=8080
host=
price=$5, $HOME and a lone $ stay
missing=[]
realm=EXAMPLE.ORG'

start_vcinit
wait_state 5 app up || fail "app not up"
[ "$(cat "$R/etc/app/app.conf")" = "$expected" ] ||
	fail "rendered: $(cat "$R/etc/app/app.conf")"
[ "$(stat -c '%a %u %g' "$R/etc/app/app.conf")" = "640 1234 5678" ] ||
	fail "mode and owner: $(stat -c '%a %u %g' "$R/etc/app/app.conf")"
[ "$(cat "$R/deep/a/b/run.sh")" = "$(printf '#!/bin/sh\necho "${GREETING:-hi} from from-env.d"')" ] ||
	fail "run.sh: $(cat "$R/deep/a/b/run.sh")"
[ "$(stat -c %a "$R/deep/a/b/run.sh")" = 750 ] || fail "run.sh mode $(stat -c %a "$R/deep/a/b/run.sh")"
grep -qF "$tmpl:5: \${NOT_SET_ANYWHERE} is not set" "$T/out" || fail "no warning for the unset variable"
grep -q 'APP_PORT\|APP_HOST' "$T/out" && fail "a variable with a default was warned about"
[ -e "$R/etc/app/README" ] && fail "a file without .tmpl was rendered"
[ "$(find "$R" -name '*vcore-*' | wc -l)" = 0 ] || fail "temporary files left: $(find "$R" -name '*vcore-*')"
[ "$(cat "$R/etc/app/kept.conf")" = "the administrator's" ] ||
	fail "a persisted target was rendered: $(cat "$R/etc/app/kept.conf")"
grep -qx 'magic/10-read | name=from-env.d' "$T/out" || fail "the hook ran before the templates"
grep -qx 'magic/10-read | hi from from-env.d' "$T/out" || fail "the hook could not run run.sh"
ctl status | grep -qE '^magic: .*2 templates rendered, 0 unchanged, 1 skipped' ||
	fail "status: $(ctl status)"
json=$(ctl status --json)
grep -qF '"templates":2,"templates_unchanged":0,"templates_skipped":1,' <<<"$json" ||
	fail "json: $json"
grep -qF "\"rendered\":[\"$R/deep/a/b/run.sh\",\"$R/etc/app/app.conf\"]" <<<"$json" ||
	fail "rendered list: $json"
stop_vcinit
[ "$VC_RC" -eq 0 ] || fail "exit $VC_RC"

# Nothing changed: the files are left alone.
before=$(stat -c '%i %Y.%y' "$R/etc/app/app.conf" "$R/deep/a/b/run.sh")
start_vcinit
wait_state 5 app up || fail "app not up"
[ "$(stat -c '%i %Y.%y' "$R/etc/app/app.conf" "$R/deep/a/b/run.sh")" = "$before" ] ||
	fail "unchanged files were written again"
ctl status --json | grep -qF '"templates":0,"templates_unchanged":2,"templates_skipped":1,' ||
	fail "json: $(ctl status --json)"
stop_vcinit

# A new value: a new file replaces the old one (a reader holding the old
# one still reads it whole), mode and owner kept; run.sh is not touched.
inode=$(stat -c %i "$R/etc/app/app.conf")
run_before=$(stat -c '%i %y' "$R/deep/a/b/run.sh")
exec 3<"$R/etc/app/app.conf"
APP_PORT=9090 start_vcinit
wait_state 5 app up || fail "app not up"
grep -qx 'port=9090' "$R/etc/app/app.conf" || fail "not rendered again: $(cat "$R/etc/app/app.conf")"
[ "$(stat -c %i "$R/etc/app/app.conf")" != "$inode" ] || fail "the file was rewritten in place"
[ "$(cat <&3)" = "$expected" ] || fail "the old file changed under its reader"
exec 3<&-
[ "$(stat -c '%a %u %g' "$R/etc/app/app.conf")" = "640 1234 5678" ] || fail "mode and owner lost"
[ "$(stat -c '%i %y' "$R/deep/a/b/run.sh")" = "$run_before" ] || fail "run.sh was written again"
stop_vcinit
export APP_PORT=9090
good=$(cat "$R/etc/app/app.conf")

# Bad templates: 78, nothing run, the old target untouched, no part left,
# and no error about anything else (checked at the end).
spurious=""
printf '#!/bin/sh\ntouch %s/hooked\n' "$T" >"$ETC/magic.d/10-read"
check() { # EXPECTED-MESSAGE [NAME=value...]: vcinit must exit 78 and say it
	local msg=$1
	refused "$@"
	case $msg in
	*vcore.conf*) ;;
	*) grep -qF "$ETC/vcore.conf" "$T/out" && spurious+="$msg: $(grep -F "$ETC/vcore.conf" "$T/out")
" ;;
	esac
	[ "$(cat "$R/etc/app/app.conf")" = "$good" ] || fail "app.conf changed despite: $msg"
	[ "$(find "$R" -name '*vcore-*' | wc -l)" = 0 ] || fail "a temporary file left for: $msg"
	true
}
check "REALM: set REALM to the Kerberos realm" REALM=
grep -qF "$tmpl:6:" "$T/out" || fail "the line of \${REALM:?} is not named: $(cat "$T/out")"
bad=$ETC/templates/etc/app/bad.conf.tmpl
printf 'fine=${APP_NAME}\nx=${UNCLOSED\n' >"$bad"
check "$bad:2: malformed placeholder"
printf 'a\nb\nx=${}\n' >"$bad"
check "$bad:3: malformed placeholder"
printf 'x=${1ABC}\n' >"$bad"
check "$bad:1: malformed placeholder"
printf 'x=${APP_NAME-other}\n' >"$bad"
check "$bad:1: malformed placeholder"
[ -e "$R/etc/app/bad.conf" ] && fail "a bad template left its target"
rm "$bad"
mkdir -p "$ETC/templates/nodir"
echo 'x' >"$ETC/templates/nodir/x.conf.tmpl"
check "$R/nodir"
grep -qF "$ETC/templates/nodir/x.conf.tmpl" "$T/out" || fail "the template is not named: $(cat "$T/out")"
[ -e "$R/nodir" ] && fail "the missing folder was made"
rm -r "$ETC/templates/nodir"

# Templates rendered into the config folder: services.d is read again;
# vcore.conf is fixed before magic. (The checks come after the hooks now.)
rm -r "$ETC/templates" "$ETC/persist" "$ETC/magic.d"
mkdir -p "$ETC/templates/services.d"
conf "render_root = \"$ETC\""
printf 'service extra {\n    command = {"/bin/sh", "-c", "echo ${EXTRA_WORD} > %s/extra; exec %s idle"}\n}\n' \
	"$T" "$VCTEST" >"$ETC/templates/services.d/extra.conf.tmpl"
EXTRA_WORD=templated start_vcinit
wait_state 5 extra up || fail "the rendered service did not start: $(ctl status)"
wait_for 5 grep -qx templated "$T/extra" || fail "extra: $(cat "$T/extra")"
stop_vcinit
printf 'service extra {\n    bogus = 1\n}\n' >"$ETC/templates/services.d/extra.conf.tmpl"
check "$ETC/services.d/extra.conf:2: no such option 'bogus'"
rm -r "$ETC/templates/services.d" "$ETC/services.d/extra.conf"
cp "$ETC/vcore.conf" "$ETC/templates/vcore.conf.tmpl"
echo 'log_keep = 3' >>"$ETC/templates/vcore.conf.tmpl"
check "$ETC/vcore.conf: written by a template or a hook"
[ -z "$spurious" ] || fail "errors about a vcore.conf line that does not exist:
$spurious"
true
