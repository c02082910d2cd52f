#!/bin/sh
# echotest_webrtcbin.sh -- end to end: GStreamer's webrtcbin (a second, independent WebRTC
# implementation) runs the echotest against a real lumen inside a private network namespace:
# VP8 and Opus come back and decode, the data channel echoes text and binary. TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"

/usr/bin/python3 -c 'import gi; gi.require_version("GstWebRTC", "1.0")' 2>/dev/null ||
	e2e_skip_all "python3-gi / gir1.2-gst-plugins-bad-1.0 not installed (tools/install-deps.sh)"
e2e_require_netns
e2e_start

"$E2E/netns.sh" exec "$e2e_ns" /usr/bin/python3 "$E2E/webrtcbin_echo.py" \
	"http://127.0.0.1:$E2E_API_PORT/janus" 30 >"$e2e_tmp/tap" 2>"$e2e_tmp/py.err"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# python: /' "$e2e_tmp/py.err" | tail -20
e2e_finish "$e2e_tmp/tap" $rc
