#!/bin/sh
# echotest_browser.sh -- end to end: headless Chromium with fake camera and microphone runs
# janus.js's echotest against a real lumen, over HTTP and WebSocket, inside a private network
# namespace (browsers gather no loopback candidates): video frames and audio come back decoded,
# SRTP uses AEAD_AES_128_GCM, the data channel echoes text and binary. TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"

e2e_require_janusjs

page_port=18080
e2e_start --set http.cors_origins="http://127.0.0.1:$page_port"
# The page, janus.js and adapter.js from Debian's packages, served on the namespace's loopback.
e2e_serve_page echotest.html $page_port

"$E2E/netns.sh" exec "$e2e_ns" node "$E2E/echotest.mjs" "http://127.0.0.1:$page_port/echotest.html" \
	"http://127.0.0.1:$E2E_API_PORT/janus" "ws://127.0.0.1:$E2E_API_PORT/" \
	>"$e2e_tmp/tap" 2>"$e2e_tmp/node.err"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# node: /' "$e2e_tmp/node.err" | tail -20
e2e_finish "$e2e_tmp/tap" $rc
