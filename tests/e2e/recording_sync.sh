#!/bin/sh
# recording_sync.sh -- end to end: two GStreamer webrtcbin publishers driven by one pipeline clock
# (recording_pub.py), flashing and beeping at the same instants, the second 5 s after the first,
# in a room recorded from before the first joins (admin API) and stopped after 12 s; then
# `lumen-pp --align` and the outputs decoded (recording_media.py sync): each flash and its beep
# within 10 ms, the two publishers within 10 ms of each other, the late one starting 5 s in,
# every output playing and lasting the session. TAP; the measured offsets are diagnostics.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/recording_lib.sh"

rec_require
rec_up
room=5151 late=5 seconds=12

rec_room $room 2>"$e2e_tmp/err"
rec_ok $? "room $room created" || { diag <"$e2e_tmp/err"; rec_finish; exit 1; }

ns_do timeout 90 /usr/bin/python3 "$REC_PUB" "$rec_api" "$rec_admin" $room $seconds $late \
	>"$e2e_tmp/pub.json" 2>"$e2e_tmp/pub.err"
rec_json "$e2e_tmp/pub.json" "j['ok']" | grep -q True
rec_ok $? "both publishers sent, the recording was started and stopped over the admin API" ||
	{ cat "$e2e_tmp/pub.json" "$e2e_tmp/pub.err" | tail -20 | diag; }
id=$(rec_json "$e2e_tmp/pub.json" "j['recording'] or ''")
echo "# recording $id"
[ -n "$id" ] && [ -f "$rec_dir/$id/manifest.json" ]
rec_ok $? "the recording's folder has a manifest" || { ls -lR "$rec_dir" 2>&1 | diag; rec_finish; exit 1; }

i=0
while [ $i -lt 50 ]; do
	st=$(rec_json "$rec_dir/$id/manifest.json" "j['state']")
	[ "$st" = finished ] && break
	sleep 0.1; i=$((i + 1))
done
[ "$st" = finished ]
rec_ok $? "manifest state finished after stop (is $st)"

rec_pp "$rec_dir/$id" -o "$e2e_tmp/out" --align --json >"$e2e_tmp/pp.json" 2>"$e2e_tmp/pp.err"
rec_ok $? "lumen-pp --align processed the recording" || { tail -20 "$e2e_tmp/pp.err" | diag; }

/usr/bin/python3 "$REC_PY" sync "$e2e_tmp/out" "$rec_dir/$id/manifest.json" "$e2e_tmp/pub.json" $late \
	>"$e2e_tmp/sync.tap" 2>"$e2e_tmp/sync.err"
rec_tap "$e2e_tmp/sync.tap"
[ -s "$e2e_tmp/sync.err" ] && tail -5 "$e2e_tmp/sync.err" | diag
[ "${REC_KEEP:-}" ] && cp -r "$rec_dir/$id" "$e2e_tmp/out" "$e2e_tmp/pub.json" "$REC_KEEP/" 2>/dev/null
rec_finish
