#!/bin/sh
# rooms_firefox.sh -- end to end: Firefox ESR (headless, WebDriver BiDi) and Chromium in one sfu
# room through janus.js, each publishing and each subscribing to the other (rooms_firefox.mjs).
# TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"

[ -x /usr/bin/chromium ] || e2e_skip_all "chromium not installed (tools/install-deps.sh)"
[ -x /usr/bin/firefox-esr ] || e2e_skip_all "firefox-esr not installed (tools/install-deps.sh)"
[ -d "$E2E/node_modules/playwright-core" ] || e2e_skip_all "playwright-core missing (npm ci --prefix tests/e2e)"
[ -d "$E2E/node_modules/puppeteer-core" ] || e2e_skip_all "puppeteer-core missing (npm ci --prefix tests/e2e)"
[ -f /usr/share/javascript/janus-gateway/janus.js ] || e2e_skip_all "libjs-janus-gateway not installed"
e2e_require_netns

page_port=18083
room=4343
e2e_start --set http.cors_origins="http://127.0.0.1:$page_port"

ns_do() { "$E2E/netns.sh" exec "$e2e_ns" "$@"; }

ns_do /usr/bin/python3 -c "
import json, urllib.request
req = urllib.request.Request('http://127.0.0.1:$E2E_ADMIN_PORT/admin/v1/rooms', method='POST',
	data=json.dumps({'room': $room, 'description': 'firefox', 'mode': 'sfu'}).encode(),
	headers={'Content-Type': 'application/json'})
urllib.request.urlopen(req, timeout=5).read()" 2>"$e2e_tmp/create.err" || {
	echo "not ok 1 - the room is created over the admin API"
	sed 's/^/# /' "$e2e_tmp/create.err"
	echo "1..1"; exit 1
}

mkdir -p "$e2e_tmp/www"
cp "$E2E/pages/rooms_media.html" /usr/share/javascript/janus-gateway/janus.js \
	/usr/share/javascript/webrtc-adapter/adapter.js "$e2e_tmp/www/"
ns_do /usr/bin/python3 -m http.server -b 127.0.0.1 -d "$e2e_tmp/www" $page_port >"$e2e_tmp/http.log" 2>&1 &
e2e_extra_pids=$!
e2e_wait_port $page_port

# Firefox writes its profile and cache under HOME; keep them in the test's directory.
ns_do env HOME="$e2e_tmp" timeout 150 node "$E2E/rooms_firefox.mjs" "http://127.0.0.1:$page_port/rooms_media.html" \
	"http://127.0.0.1:$E2E_API_PORT/janus" "http://127.0.0.1:$E2E_ADMIN_PORT" $room \
	>"$e2e_tmp/tap" 2>"$e2e_tmp/node.err"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# node: /' "$e2e_tmp/node.err" | tail -20
e2e_finish "$e2e_tmp/tap" $rc
