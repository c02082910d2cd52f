#!/bin/sh
# rooms_firefox.sh -- end to end: Firefox ESR (headless, WebDriver BiDi) and Chromium in one sfu
# room through janus.js, each publishing and each subscribing to the other (rooms_firefox.mjs).
# TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"

[ -x /usr/bin/firefox-esr ] || e2e_skip_all "firefox-esr not installed (tools/install-deps.sh)"
[ -d "$E2E/node_modules/puppeteer-core" ] || e2e_skip_all "puppeteer-core missing (npm ci --prefix tests/e2e)"
e2e_require_janusjs

page_port=18083
room=4343
e2e_start --set http.cors_origins="http://127.0.0.1:$page_port"

e2e_create_room $room firefox sfu
e2e_serve_page rooms_media.html $page_port

# Firefox writes its profile and cache under HOME; keep them in the test's directory.
ns_do env HOME="$e2e_tmp" timeout 150 node "$E2E/rooms_firefox.mjs" "http://127.0.0.1:$page_port/rooms_media.html" \
	"http://127.0.0.1:$E2E_API_PORT/janus" "http://127.0.0.1:$E2E_ADMIN_PORT" $room \
	>"$e2e_tmp/tap" 2>"$e2e_tmp/node.err"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# node: /' "$e2e_tmp/node.err" | tail -20
e2e_finish "$e2e_tmp/tap" $rc
