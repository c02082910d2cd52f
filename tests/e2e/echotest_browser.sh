#!/bin/sh
# echotest_browser.sh -- end to end: headless Chromium with fake camera and microphone runs
# janus.js's echotest against a real lumen, over HTTP and WebSocket, inside a private network
# namespace (browsers gather no loopback candidates): video frames and audio come back decoded,
# SRTP uses AEAD_AES_128_GCM, the data channel echoes text and binary. TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"

[ -x /usr/bin/chromium ] || e2e_skip_all "chromium not installed (tools/install-deps.sh)"
[ -d "$E2E/node_modules/playwright-core" ] || e2e_skip_all "playwright-core missing (npm ci --prefix tests/e2e)"
[ -f /usr/share/javascript/janus-gateway/janus.js ] || e2e_skip_all "libjs-janus-gateway not installed"
e2e_require_netns

page_port=18080
e2e_start --set http.cors_origins="http://127.0.0.1:$page_port"

# The page, janus.js and adapter.js from Debian's packages, served on the namespace's loopback.
mkdir -p "$e2e_tmp/www"
cp "$E2E/pages/echotest.html" /usr/share/javascript/janus-gateway/janus.js \
	/usr/share/javascript/webrtc-adapter/adapter.js "$e2e_tmp/www/"
"$E2E/netns.sh" exec "$e2e_ns" /usr/bin/python3 -m http.server -b 127.0.0.1 -d "$e2e_tmp/www" \
	$page_port >"$e2e_tmp/http.log" 2>&1 &
e2e_extra_pids=$!
e2e_wait_port $page_port

"$E2E/netns.sh" exec "$e2e_ns" node "$E2E/echotest.mjs" "http://127.0.0.1:$page_port/echotest.html" \
	"http://127.0.0.1:$E2E_API_PORT/janus" "ws://127.0.0.1:$E2E_API_PORT/" \
	>"$e2e_tmp/tap" 2>"$e2e_tmp/node.err"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# node: /' "$e2e_tmp/node.err" | tail -20
e2e_finish "$e2e_tmp/tap" $rc
