#!/bin/sh
# recording_diskfull.sh -- end to end: a full disk under a recording. The recordings directory is
# a 512 KiB tmpfs, nearly filled beforehand; room A is recorded with a webrtcbin publisher
# (recording_pub.py) until the disk is full: that recording fails (admin state "failed" with a
# reason), the publisher gets the event and stays connected, lumen keeps answering; room B's
# publisher is unaffected, and once space is freed a recording of room B grows. TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/recording_lib.sh"

rec_require
rec_mnt=$(mktemp -d)
if ! mount -t tmpfs -o size=512k tmpfs "$rec_mnt" 2>/dev/null; then
	rmdir "$rec_mnt"
	e2e_skip_all "cannot mount a tmpfs here"
fi
rec_dir=$rec_mnt
# Leave about 64 KiB: a few seconds of the publisher's audio and video.
dd if=/dev/zero of="$rec_mnt/filler" bs=1k count=448 2>/dev/null
rec_up
room_a=5353 room_b=5354

rec_room $room_a 2>"$e2e_tmp/err" && rec_room $room_b 2>>"$e2e_tmp/err"
rec_ok $? "rooms $room_a and $room_b created" || { diag <"$e2e_tmp/err"; rec_finish; exit 1; }
rec_http POST "/rooms/$room_a/recording" '{"action": "start"}' >"$e2e_tmp/start.json" 2>"$e2e_tmp/err"
rec_ok $? "recording of room $room_a started on the nearly full disk" || diag <"$e2e_tmp/err"
id_a=$(rec_json "$e2e_tmp/start.json" "j.get('recording') or ''")

# One publisher per room (B never joins: LATE 1000 s); each sends for 14 s, then reports.
for r in $room_a $room_b; do
	"$E2E/netns.sh" exec "$e2e_ns" timeout 60 /usr/bin/python3 "$REC_PUB" "$rec_api" "$rec_admin" $r 14 1000 --no-record \
		>"$e2e_tmp/pub-$r.json" 2>"$e2e_tmp/pub-$r.err" &
	e2e_extra_pids="$e2e_extra_pids $!"
done

i=0 st=
while [ $i -lt 200 ]; do
	rec_http GET "/recordings/$id_a" >"$e2e_tmp/get.json" 2>/dev/null
	st=$(rec_json "$e2e_tmp/get.json" "j.get('state')")
	[ "$st" = failed ] && break
	sleep 0.1; i=$((i + 1))
done
echo "# admin view of the failed recording: $(head -c 400 "$e2e_tmp/get.json")"
[ "$st" = failed ]
rec_ok $? "the recording on the full disk fails: admin state failed (is $st)"
echo "# it failed $(rec_json "$e2e_tmp/get.json" "(j['ended_us'] - j['started_us']) / 1e6") s after it started"
why=$(rec_json "$e2e_tmp/get.json" "j.get('error') or ''")
echo "$why" | grep -qi "space\|full"
rec_ok $? "with a reason ($why)"
echo "# manifest on the full disk says: $(rec_json "$rec_mnt/$id_a/manifest.json" "j['state'], j['error']")"
df -k "$rec_mnt" | tail -1 | diag

rec_http GET /rooms/$room_a >"$e2e_tmp/room.json" 2>&1
rec_json "$e2e_tmp/room.json" "j['num_publishers']" | grep -q '^1$'
rec_ok $? "lumen answers and room $room_a still has its publisher" || head -c 400 "$e2e_tmp/room.json" | diag

# Space again: another room's recording works.
rm -f "$rec_mnt/filler"
rec_http POST "/rooms/$room_b/recording" '{"action": "start"}' >"$e2e_tmp/start-b.json" 2>"$e2e_tmp/err"
rec_ok $? "recording of room $room_b starts after the failure" || diag <"$e2e_tmp/err"
id_b=$(rec_json "$e2e_tmp/start-b.json" "j.get('recording') or ''")
sleep 2
n1=$(/usr/bin/python3 "$REC_PY" pcaps "$rec_mnt/$id_b" | rec_json /dev/stdin "sum(v['rtp'] for v in j.values())")
sleep 1.5
n2=$(/usr/bin/python3 "$REC_PY" pcaps "$rec_mnt/$id_b" | rec_json /dev/stdin "sum(v['rtp'] for v in j.values())")
[ "${n1:-0}" -gt 0 ] && [ "${n2:-0}" -gt "${n1:-0}" ]
rec_ok $? "room $room_b's recording grows ($n1 then $n2 packets)"
rec_http GET "/recordings/$id_a" >"$e2e_tmp/get2.json" 2>/dev/null
st=$(rec_json "$e2e_tmp/get2.json" "j.get('state')")
[ "$st" = failed ]
rec_ok $? "room $room_a's recording stays failed (is $st)"

for r in $room_a $room_b; do
	i=0
	while [ ! -s "$e2e_tmp/pub-$r.json" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
done
rec_json "$e2e_tmp/pub-$room_a.json" "[e for e in j['events'] if e.get('recording') == 'failed']" >"$e2e_tmp/ev"
grep -q failed "$e2e_tmp/ev"
rec_ok $? "room $room_a's publisher got the recording failed event: $(cat "$e2e_tmp/ev")" ||
	rec_json "$e2e_tmp/pub-$room_a.json" "j['events']" | diag
for r in $room_a $room_b; do
	rec_json "$e2e_tmp/pub-$r.json" "j['pubs'][0]['webrtcup'] and not j['errors']" | grep -q True
	rec_ok $? "room $r's publisher sent to the end without error" ||
		{ cat "$e2e_tmp/pub-$r.json" "$e2e_tmp/pub-$r.err" | tail -5 | diag; }
done
rec_http POST "/rooms/$room_b/recording" '{"action": "stop"}' >/dev/null 2>&1
st=$(rec_json "$rec_mnt/$id_b/manifest.json" "j['state']")
[ "$st" = finished ]
rec_ok $? "room $room_b's recording finishes (is $st)"
rec_finish
