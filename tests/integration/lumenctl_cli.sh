#!/bin/sh
# lumenctl_cli.sh -- every lumenctl command against a real lumen daemon on 127.0.0.1, its tables
# and --json output, URL and token from options and from the environment, and its exit codes:
# 0 ok, 1 server error, 2 usage, 3 connection refused, 4 bad token or role. The viewer JWT is
# made with the openssl recipe of docs/admin-api.md. TAP output; every wait is bounded.
. "$(dirname "$0")/lib.sh"
CTL="$top_builddir/tools/ctl/lumenctl"
TMP=$(mktemp -d)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

HTTP_PORT=$(free_port)
ADMIN_PORT=$(free_port)
URL="http://127.0.0.1:$ADMIN_PORT"
SECRET="lumenctl-test-jwt-secret"
PLUGINS="$top_builddir/tests/plugins-dir"
[ -f "$PLUGINS/echotest.so" ] || { PLUGINS="$TMP/plugins"; mkdir -p "$PLUGINS"; }
cat >"$TMP/lumen.cfg" <<EOF
admin: { token = "tok"; jwt_secret = "$SECRET"; };
EOF
"$LUMEN" -c "$TMP/lumen.cfg" --set "http.listen=127.0.0.1:$HTTP_PORT" \
	--set "admin.listen=127.0.0.1:$ADMIN_PORT" --set "plugins.dir=$PLUGINS" \
	--set "general.state_dir=$TMP" >"$TMP/lumen.log" 2>&1 &
PID=$!
i=0
while [ $i -lt 100 ] && ! curl -sf "$URL/readyz" >/dev/null 2>&1; do
	sleep 0.1
	i=$((i + 1))
done
curl -sf "$URL/readyz" >/dev/null 2>&1
ok $? "the daemon is ready"

# run NAME EXPECTED-EXIT ARGS...: runs lumenctl, keeps stdout in $TMP/out and stderr in $TMP/err.
run() {
	name=$1 want=$2
	shift 2
	"$CTL" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq "$want" ]
	ok $? "$name (exit $want)"
	if [ "$rc" -ne "$want" ]; then
		echo "exit $rc" | diag
		diag <"$TMP/out"
		diag <"$TMP/err"
	fi
}
has() { # has FILE PATTERN NAME
	grep -q -- "$2" "$1"
	ok $? "$3"
	grep -q -- "$2" "$1" || diag <"$1"
}

# --- usage ---
run "--help prints usage" 0 --help
has "$TMP/out" "log-level LEVEL" "--help lists the commands"
run "no command is a usage error" 2
run "an unknown command is a usage error" 2 --url "$URL" frobnicate
has "$TMP/err" 'unknown command "frobnicate"' "the unknown command is named"
run "an unknown option is a usage error" 2 --bogus info
run "a session id that is not a number is a usage error" 2 --url "$URL" --token tok session abc
run "drain with another argument is a usage error" 2 --url "$URL" --token tok drain --on
run "a URL that is not http(s) is a usage error" 2 --url ftp://127.0.0.1 info
run "--token without a value is a usage error" 2 --url "$URL" info --token
run "info with an argument is a usage error" 2 --url "$URL" --token tok info extra

# --- connection and auth errors ---
DEAD=$(free_port)
run "connection refused exits 3" 3 --url "http://127.0.0.1:$DEAD" --token tok info
has "$TMP/err" "cannot reach lumen admin API at http://127.0.0.1:$DEAD" "connection refused names the URL"
run "a bad token exits 4" 4 --url "$URL" --token wrong info
has "$TMP/err" "authentication failed" "a bad token says authentication failed"
run "no token exits 4" 4 --url "$URL" sessions

# --- reads (URL and token from the environment) ---
export LUMEN_ADMIN_URL="$URL/" LUMEN_ADMIN_TOKEN=tok
run "info" 0 info
has "$TMP/out" "^lumen [0-9]" "info shows the version"
has "$TMP/out" "^ready     yes" "info shows readiness"
run "info --json (option after the command)" 0 info --json
jq -e '.name == "lumen" and (.uptime_seconds | type) == "number"' "$TMP/out" >/dev/null
ok $? "info --json is the server's JSON"
run "plugins" 0 plugins
if [ -f "$top_builddir/tests/plugins-dir/echotest.so" ]; then
	has "$TMP/out" "^janus.plugin.echotest " "plugins lists echotest in the table"
else
	echo "ok $((TAP_N = TAP_N + 1)) - plugins lists echotest in the table # SKIP echotest not built"
fi

SID=$(curl -s -X POST -d '{"janus":"create","transaction":"x"}' "http://127.0.0.1:$HTTP_PORT/janus" |
	jq -r '.data.id')
[ -n "$SID" ] && [ "$SID" != null ]
ok $? "a client session is created"
run "sessions" 0 sessions
has "$TMP/out" "^ID " "sessions prints a table header"
has "$TMP/out" "^$SID " "sessions lists the session"
run "sessions --json" 0 --json sessions
jq -e --argjson id "$SID" '.count >= 1 and any(.sessions[]; .id == $id)' "$TMP/out" >/dev/null
ok $? "sessions --json has the session"
run "session ID" 0 session "$SID"
has "$TMP/out" "^id  *$SID$" "session ID shows its fields"
run "an unknown session exits 1" 1 session 424242
has "$TMP/err" "404 not_found" "the server's error code is shown"
run "metrics" 0 metrics
has "$TMP/out" "^# TYPE lumen_sessions gauge" "metrics prints the Prometheus text"
has "$TMP/out" '^lumen_requests_total{verb="create",result="ok"} 1$' "metrics counts the create"

# --- writes ---
run "log-level debug with categories" 0 log-level debug "admin:debug"
has "$TMP/out" "log level set to debug" "log-level confirms"
run "an invalid log level exits 1" 1 log-level loud
run "log-level back to info" 0 log-level info
run "drain" 0 drain
has "$TMP/out" "^draining" "drain confirms"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 503 ]
ok $? "readyz is 503 after lumenctl drain"
run "drain --off" 0 drain --off
has "$TMP/out" "not draining" "drain --off confirms"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ]
ok $? "readyz is 200 after lumenctl drain --off"
run "reload" 0 reload
has "$TMP/out" "configuration reloaded" "reload confirms"

# --- roles: a viewer JWT made as docs/admin-api.md shows ---
b64() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64)
p=$(printf '{"role":"viewer","sub":"ci","exp":%d}' $(($(date +%s) + 600)) | b64)
s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -hmac "$SECRET" -binary | b64)
VIEWER="$h.$p.$s"
run "a viewer JWT reads sessions" 0 --token "$VIEWER" sessions
run "a viewer JWT may not kick (exit 4)" 4 --token="$VIEWER" kick "$SID"
has "$TMP/err" "permission denied" "the refusal says permission denied"
run "a viewer JWT may not drain (exit 4)" 4 --token "$VIEWER" drain

run "kick" 0 kick "$SID"
has "$TMP/out" "session $SID destroyed" "kick confirms"
run "the kicked session is gone (exit 1)" 1 session "$SID"
run "kicking it again exits 1" 1 kick "$SID"

unset LUMEN_ADMIN_URL LUMEN_ADMIN_TOKEN
run "--url= and --token= forms" 0 --url="$URL" --token=tok --json info
kill "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
PID=""
run "after the daemon stopped: exit 3" 3 --url "$URL" --token tok info
done_testing
