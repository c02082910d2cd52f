#!/bin/sh
# recording_browser.sh -- end to end: a 3-participant Chromium session (janus.js, pages/rooms.html,
# driven by recording_browser.mjs) recorded and processed with `lumen-pp --align`: every output
# plays, lasts the session within 100 ms and begins where its participant's media began; the
# participant who joined 5 s late starts 5 s in. TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/recording_lib.sh"

[ -x /usr/bin/chromium ] || e2e_skip_all "chromium not installed (tools/install-deps.sh)"
[ -d "$E2E/node_modules/playwright-core" ] || e2e_skip_all "playwright-core missing (npm ci --prefix tests/e2e)"
[ -f /usr/share/javascript/janus-gateway/janus.js ] || e2e_skip_all "libjs-janus-gateway not installed"
rec_require
page_port=18083
room=5454 late=5
rec_up --set http.cors_origins="http://127.0.0.1:$page_port"

rec_room $room 2>"$e2e_tmp/err"
rec_ok $? "room $room created" || { diag <"$e2e_tmp/err"; rec_finish; exit 1; }
mkdir -p "$e2e_tmp/www"
cp "$E2E/pages/rooms.html" /usr/share/javascript/janus-gateway/janus.js \
	/usr/share/javascript/webrtc-adapter/adapter.js "$e2e_tmp/www/"
"$E2E/netns.sh" exec "$e2e_ns" /usr/bin/python3 -m http.server -b 127.0.0.1 -d "$e2e_tmp/www" $page_port >"$e2e_tmp/http.log" 2>&1 &
e2e_extra_pids="$e2e_extra_pids $!"
e2e_wait_port $page_port
/usr/bin/python3 "$REC_PY" tone "$e2e_tmp/tone.wav" 30

ns_do timeout 120 node "$E2E/recording_browser.mjs" "http://127.0.0.1:$page_port/rooms.html" "$rec_api" \
	"$rec_admin" $room "$e2e_tmp/tone.wav" "$e2e_tmp/summary.json" >"$e2e_tmp/node.tap" 2>"$e2e_tmp/node.err"
rc=$?
rec_tap "$e2e_tmp/node.tap"
[ $rc -eq 0 ] || tail -10 "$e2e_tmp/node.err" | diag
id=$(rec_json "$e2e_tmp/summary.json" "j.get('recording') or ''")
i=0 st=
while [ -n "$id" ] && [ $i -lt 50 ]; do
	st=$(rec_json "$rec_dir/$id/manifest.json" "j['state']")
	[ "$st" = finished ] && break
	sleep 0.1; i=$((i + 1))
done
[ "$st" = finished ]
rec_ok $? "the recording $id is finished (is $st)" || { rec_finish; exit 1; }

rec_pp "$rec_dir/$id" -o "$e2e_tmp/out" --align --json >"$e2e_tmp/pp.json" 2>"$e2e_tmp/pp.err"
rec_ok $? "lumen-pp --align processed the recording" || tail -20 "$e2e_tmp/pp.err" | diag
/usr/bin/python3 "$REC_PY" browser "$e2e_tmp/out" "$rec_dir/$id/manifest.json" "$e2e_tmp/summary.json" $late \
	>"$e2e_tmp/check.tap" 2>"$e2e_tmp/check.err"
rec_tap "$e2e_tmp/check.tap"
[ -s "$e2e_tmp/check.err" ] && tail -5 "$e2e_tmp/check.err" | diag
[ "${REC_KEEP:-}" ] && cp -r "$rec_dir/$id" "$e2e_tmp/out" "$e2e_tmp/summary.json" "$REC_KEEP/" 2>/dev/null
rec_finish
