#!/bin/sh
# rooms_webrtcbin.sh -- end to end: a lumen room shared by two independent WebRTC stacks inside a
# private network namespace. GStreamer's webrtcbin publishes VP8 + Opus and headless Chromium
# (janus.js) subscribes and decodes; then Chromium publishes and webrtcbin subscribes, answering
# lumen's offer, and decodes. TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"

[ -x /usr/bin/chromium ] || e2e_skip_all "chromium not installed (tools/install-deps.sh)"
[ -d "$E2E/node_modules/playwright-core" ] || e2e_skip_all "playwright-core missing (npm ci --prefix tests/e2e)"
[ -f /usr/share/javascript/janus-gateway/janus.js ] || e2e_skip_all "libjs-janus-gateway not installed"
/usr/bin/python3 -c 'import gi; gi.require_version("GstWebRTC", "1.0")' 2>/dev/null ||
	e2e_skip_all "python3-gi / gir1.2-gst-plugins-bad-1.0 not installed (tools/install-deps.sh)"
e2e_require_netns

page_port=18082
room=4343
e2e_start --set http.cors_origins="http://127.0.0.1:$page_port"

e2e_create_room $room webrtcbin sfu
e2e_serve_page rooms_media.html $page_port

ns_do timeout 180 node "$E2E/rooms_media_webrtcbin.mjs" "http://127.0.0.1:$page_port/rooms_media.html" \
	"http://127.0.0.1:$E2E_API_PORT/janus" $room "$E2E/rooms_webrtcbin.py" \
	>"$e2e_tmp/tap" 2>"$e2e_tmp/node.err"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# node: /' "$e2e_tmp/node.err" | tail -20
e2e_finish "$e2e_tmp/tap" $rc
