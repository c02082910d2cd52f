#!/bin/sh
# recording_sync.sh -- end to end: two GStreamer webrtcbin publishers driven by one pipeline clock
# (recording_pub.py), flashing and beeping at the same instants, the second 5 s after the first,
# in a room recorded from before the first joins (admin API) and stopped after 12 s; then
# `lumen-pp --align` and the outputs decoded (recording_media.py sync): each flash and its beep
# within 10 ms, the two publishers within 10 ms of each other, the late one starting 5 s in,
# every output playing and lasting the session. TAP; the measured offsets are diagnostics.
#
# Long mode (by hand or nightly; docs/recording.md, "Sync"), e.g. ten minutes with B's audio
# clock 100 ppm fast:  REC_SECONDS=600 REC_AUDIO_PPM=100 sh tests/e2e/recording_sync.sh
#   REC_SECONDS   session length (default 12); REC_LATE  B's delay (default 5)
#   REC_AUDIO_PPM B's audio clock this many ppm fast (recording_pub.py --audio-ppm; default 0)
# With REC_AUDIO_PPM or over 2 minutes recording_media.py also checks drift (B's beeps against
# A's and B's flashes within 10 ms every second, first minute against last within 10 ms, the SR
# clock rates); with REC_AUDIO_PPM the recording is processed a second time with B's audio SRs
# stripped, and that uncorrected placement must drift by more than 10 ms (the check can fail).
# Every wait scales with REC_SECONDS. REC_KEEP=DIR keeps the recording and outputs.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/recording_lib.sh"

rec_require
rec_up
room=5151 late=${REC_LATE:-5} seconds=${REC_SECONDS:-12} ppm=${REC_AUDIO_PPM:-0}
pub_opts=""
[ "$ppm" != 0 ] && pub_opts="--audio-ppm=$ppm"
echo "# session $seconds s, B $late s late, B's audio clock ${ppm} ppm fast"

rec_room $room 2>"$e2e_tmp/err"
rec_ok $? "room $room created" || { diag <"$e2e_tmp/err"; rec_finish; exit 1; }

# shellcheck disable=SC2086
ns_do timeout $((${seconds%.*} + ${late%.*} + 75)) /usr/bin/python3 "$REC_PUB" "$rec_api" "$rec_admin" \
	$room $seconds $late $pub_opts >"$e2e_tmp/pub.json" 2>"$e2e_tmp/pub.err"
rec_json "$e2e_tmp/pub.json" "j['ok']" | grep -q True
rec_ok $? "both publishers sent, the recording was started and stopped over the admin API" ||
	{ cat "$e2e_tmp/pub.json" "$e2e_tmp/pub.err" | tail -20 | diag; }
id=$(rec_json "$e2e_tmp/pub.json" "j['recording'] or ''")
echo "# recording $id"
[ -n "$id" ] && [ -f "$rec_dir/$id/manifest.json" ]
rec_ok $? "the recording's folder has a manifest" || { ls -lR "$rec_dir" 2>&1 | diag; rec_finish; exit 1; }

i=0
while [ $i -lt $((50 + ${seconds%.*} / 6)) ]; do
	st=$(rec_json "$rec_dir/$id/manifest.json" "j['state']")
	[ "$st" = finished ] && break
	sleep 0.1; i=$((i + 1))
done
[ "$st" = finished ]
rec_ok $? "manifest state finished after stop (is $st)"

t_pp=$((60 + ${seconds%.*} / 2)) t_an=$((120 + ${seconds%.*}))
rec_pp_timed() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout $t_pp "$LUMEN_PP" "$@"; }
rec_pp_timed "$rec_dir/$id" -o "$e2e_tmp/out" --align --json >"$e2e_tmp/pp.json" 2>"$e2e_tmp/pp.err"
rec_ok $? "lumen-pp --align processed the recording" || { tail -20 "$e2e_tmp/pp.err" | diag; }

timeout $t_an /usr/bin/python3 "$REC_PY" sync "$e2e_tmp/out" "$rec_dir/$id/manifest.json" "$e2e_tmp/pub.json" \
	$late >"$e2e_tmp/sync.tap" 2>"$e2e_tmp/sync.err"
rec_tap "$e2e_tmp/sync.tap"
[ -s "$e2e_tmp/sync.err" ] && tail -5 "$e2e_tmp/sync.err" | diag

# The control: B's audio track without its sender reports, processed and measured the same way.
if [ "$ppm" != 0 ]; then
	cp -r "$rec_dir/$id" "$e2e_tmp/control"
	bfile=$(/usr/bin/python3 -c 'import json, sys
m = json.load(open(sys.argv[1])); s = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
b = [p["feed"] for p in s["pubs"] if p["name"] == "B"][0]
print([t["file"] for t in m["tracks"] if t.get("participant") == b and t["kind"] == "audio"][0])' \
		"$rec_dir/$id/manifest.json" "$e2e_tmp/pub.json" 2>/dev/null)
	n=$(/usr/bin/python3 "$REC_PY" strip-srs "$rec_dir/$id/$bfile" "$e2e_tmp/control/$bfile" 2>&1)
	echo "# control: $n sender reports taken out of $bfile"
	rec_pp_timed "$e2e_tmp/control" -o "$e2e_tmp/out-control" --align >/dev/null 2>"$e2e_tmp/ppc.err"
	rec_ok $? "lumen-pp --align processed the control (B's audio without sender reports)" ||
		tail -20 "$e2e_tmp/ppc.err" | diag
	timeout $t_an /usr/bin/python3 "$REC_PY" control "$e2e_tmp/out-control" "$e2e_tmp/control/manifest.json" \
		"$e2e_tmp/pub.json" >"$e2e_tmp/control.tap" 2>&1
	rec_tap "$e2e_tmp/control.tap"
fi
[ "${REC_KEEP:-}" ] && cp -r "$rec_dir/$id" "$e2e_tmp/out" "$e2e_tmp/pub.json" "$e2e_tmp/sync.tap" "$REC_KEEP/" 2>/dev/null
[ "${REC_KEEP:-}" ] && [ -d "$e2e_tmp/out-control" ] && cp -r "$e2e_tmp/out-control" "$REC_KEEP/" 2>/dev/null
rec_finish
