#!/bin/sh
# admin_plugin_ext.sh -- plugin collections of the admin API (core->admin_register) end to end:
# the real daemon loads the test plugin admin_stub.so (tests/integration/admin_stub_plugin.c),
# which registers /admin/v1/stub-echo and /admin/v1/rooms. Checks GET/POST/PATCH/DELETE with
# sub-paths and bodies, roles (a viewer JWT reads but cannot write), 404 for an unknown
# collection, 400 for malformed JSON, the names admin_register refuses, and unregistering from
# inside a callback. TAP output; every wait is bounded.
. "$(dirname "$0")/lib.sh"
SO="$top_builddir/tests/integration/.libs/admin_stub.so"
if [ ! -f "$SO" ]; then
	echo "1..0 # SKIP $SO not built (make check builds it)"
	exit 0
fi
TMP=$(mktemp -d)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

mkdir -p "$TMP/plugins"
ln -s "$SO" "$TMP/plugins/admin_stub.so"
ADMIN_PORT=$(free_port)
URL="http://127.0.0.1:$ADMIN_PORT/admin/v1"
SECRET="admin-plugin-ext-secret"
printf 'admin: { token = "tok"; jwt_secret = "%s"; };\n' "$SECRET" >"$TMP/lumen.cfg"
"$LUMEN" -c "$TMP/lumen.cfg" --set "http.listen=127.0.0.1:$(free_port)" \
	--set "admin.listen=127.0.0.1:$ADMIN_PORT" --set "plugins.dir=$TMP/plugins" \
	--set "general.state_dir=$TMP" >"$TMP/lumen.log" 2>&1 &
PID=$!
i=0
while [ $i -lt 100 ] && ! curl -sf "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null 2>&1; do
	sleep 0.1
	i=$((i + 1))
done
curl -sf "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null 2>&1
ok $? "the daemon with admin_stub.so is ready"
[ $? -eq 0 ] || diag <"$TMP/lumen.log"

b64() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64)
p=$(printf '{"role":"viewer","sub":"ci","exp":%d}' $(($(date +%s) + 600)) | b64)
s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -hmac "$SECRET" -binary | b64)
VIEWER="$h.$p.$s"

# req METHOD PATH TOKEN [BODY]: status in $ST, body in $TMP/body.
req() {
	if [ $# -ge 4 ]; then
		ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $3" \
			-H 'Content-Type: application/json' --data-binary "$4" "$URL$2")
	else
		ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $3" \
			"$URL$2")
	fi
}
expect() { # expect STATUS JQ-FILTER NAME
	[ "$ST" = "$1" ] && { [ -z "$2" ] || jq -e "$2" "$TMP/body" >/dev/null 2>&1; }
	r=$?
	ok $r "$3"
	[ $r -eq 0 ] || { echo "status $ST" | diag; diag <"$TMP/body"; }
}

req GET /stub-echo tok
expect 200 '.method == "GET" and .path == "" and .body == null' "GET reaches the plugin with path \"\""
req GET /stub-echo/a/b%20c tok
expect 200 '.path == "/a/b c"' "a sub-path is passed percent-decoded"
req POST /stub-echo/7 tok '{"x":[1,2]}'
expect 201 '.method == "POST" and .path == "/7" and .body.x[1] == 2' "POST passes the parsed body and the plugin's 201"
req PATCH /stub-echo/7 tok '{"y":true}'
expect 200 '.method == "PATCH" and .body.y == true' "PATCH passes its body"
req DELETE /stub-echo/7 tok
[ "$ST" = 204 ] && [ ! -s "$TMP/body" ]
ok $? "DELETE answers the plugin's 204 without a body"

req GET /stub-echo "$VIEWER"
expect 200 '.method == "GET"' "a viewer may GET"
for m in POST PATCH PUT DELETE; do
	req "$m" /stub-echo/7 "$VIEWER" '{}'
	expect 403 '.error.code == "forbidden"' "a viewer may not $m"
done
req GET /stub-echo wrong-token
expect 401 '.error.code == "unauthorized"' "a wrong token is 401"

req GET /nosuch tok
expect 404 '.error.code == "not_found"' "an unknown collection is 404"
req POST /stub-echo tok '{"x":'
expect 400 '.error.code == "bad_request" and (.error.message | test("invalid JSON"))' "malformed JSON is 400 with a clear error"
req GET /info tok
expect 200 '.name == "lumen"' "core routes still answer"

req GET /stub-echo/selftest tok
expect 200 '.sessions == -22 and .uppercase == -22 and .empty == -22 and .too_long == -22' "core and malformed collection names are refused with -EINVAL"
expect 200 '.duplicate == -17' "a second registration of a name is -EEXIST"

req GET /rooms tok
expect 200 '.rooms[0].room == 1' "a second collection of the same plugin answers"

req DELETE /stub-echo/registration tok
expect 204 '' "a plugin may unregister from inside its own callback"
req GET /stub-echo tok
expect 404 '.error.code == "not_found"' "an unregistered collection is 404"
req GET /rooms tok
expect 200 '.rooms | length >= 1' "the other collection stays"

kill "$PID" 2>/dev/null
wait "$PID"
rc=$?
PID=""
[ $rc -eq 0 ]
ok $? "the daemon stops cleanly (exit $rc)"
done_testing
