#!/bin/sh
# recording_crash.sh -- end to end: crash safety of recordings. A webrtcbin publisher
# (recording_pub.py, publisher A only) in a room recorded over the admin API; about 4 s into its
# media lumen gets kill -9: the pcaps hold every packet up to 1 s before the kill, lumen-pp still
# processes the folder, and the restarted lumen marks the recording "interrupted" (ended_us at the
# last record). Then a second recording ended by SIGTERM must be "finished". TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/recording_lib.sh"

rec_require
rec_up
room=5252

# publish_recorded ROOM TAG: room created, recording started (admin API), publisher A sending;
# waits (at most 20 s) until the recording's pcaps have records. Sets rec_id, pub_pid.
publish_recorded() {
	rec_room "$1" 2>"$e2e_tmp/err" || { diag <"$e2e_tmp/err"; return 1; }
	rec_http POST "/rooms/$1/recording" '{"action": "start"}' >"$e2e_tmp/start.json" 2>"$e2e_tmp/err" ||
		{ diag <"$e2e_tmp/err"; return 1; }
	rec_id=$(rec_json "$e2e_tmp/start.json" "j.get('recording') or ''")
	# B never joins (LATE 1000 s); the publisher outlives the test's use of it and is killed.
	"$E2E/netns.sh" exec "$e2e_ns" /usr/bin/python3 "$REC_PUB" "$rec_api" "$rec_admin" "$1" 60 1000 --no-record \
		>"$e2e_tmp/pub-$2.json" 2>"$e2e_tmp/pub-$2.err" &
	pub_pid=$!
	e2e_extra_pids="$e2e_extra_pids $pub_pid"
	i=0
	while [ $i -lt 200 ]; do
		n=$(/usr/bin/python3 "$REC_PY" pcaps "$rec_dir/$rec_id" 2>/dev/null |
			rec_json /dev/stdin "sum(1 for v in j.values() if v['rtp'] > 0)")
		[ "${n:-0}" -ge 2 ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	echo "# no media recorded within 20 s"; tail -5 "$e2e_tmp/pub-$2.err" | diag
	return 1
}

publish_recorded $room kill
rec_ok $? "a publisher's audio and video are being recorded ($rec_id)" || { rec_finish; exit 1; }
sleep 4
kill_us=$(rec_now_us)
rec_stop_lumen KILL
rec_ok $? "lumen killed with SIGKILL"
kill "$pub_pid" 2>/dev/null
st=$(rec_json "$rec_dir/$rec_id/manifest.json" "j['state']")
echo "# manifest state right after the kill: $st"

/usr/bin/python3 "$REC_PY" pcaps "$rec_dir/$rec_id" >"$e2e_tmp/pcaps.json"
lag=$(rec_json "$e2e_tmp/pcaps.json" "max($kill_us - v['last_us'] for v in j.values() if v['last_us'])")
echo "# pcaps after the kill: $(cat "$e2e_tmp/pcaps.json")"
echo "# newest record lost to the kill: last record $(echo "$lag" | awk '{printf "%.3f", $1 / 1e6}') s before it (worst track)"
[ -n "$lag" ] && [ "$lag" -le 1000000 ] && rec_json "$e2e_tmp/pcaps.json" \
	"all(v['header_ok'] and v['rtp'] > 50 for v in j.values()) and len(j) >= 2" | grep -q True
rec_ok $? "every track's pcap holds its packets up to less than 1 s before the kill"

rec_pp "$rec_dir/$rec_id" -o "$e2e_tmp/out" --json >"$e2e_tmp/pp.json" 2>"$e2e_tmp/pp.err"
rc=$?
rec_ok $rc "lumen-pp processes the killed recording (exit $rc)" || tail -10 "$e2e_tmp/pp.err" | diag
pp_lag=$(rec_json "$e2e_tmp/pp.json" "max($kill_us - o['last_us'] for o in j['outputs'] if o.get('last_us'))")
echo "# lumen-pp's outputs: last packet used $(echo "${pp_lag:-0}" | awk '{printf "%.3f", $1 / 1e6}') s before the kill (worst output)"
[ -n "$pp_lag" ] && [ "$pp_lag" -le 1000000 ] &&
	rec_json "$e2e_tmp/pp.json" "len([o for o in j['outputs'] if not o.get('error')]) >= 2" | grep -q True
rec_ok $? "lumen-pp's outputs hold every packet up to 1 s before the kill" || head -c 1500 "$e2e_tmp/pp.json" | diag
plays=$(/usr/bin/python3 "$REC_PY" probe "$e2e_tmp"/out/*.* 2>/dev/null | grep -c '"plays": true')
ok $([ "$plays" -ge 2 ]; echo $?) "the processed outputs play ($plays)"

rec_restart
rec_ok $? "lumen restarts on the same state and recordings directory"
st=$(rec_json "$rec_dir/$rec_id/manifest.json" "j['state']")
[ "$st" = interrupted ]
rec_ok $? "the restarted lumen marks the killed recording interrupted (is $st)"
end_lag=$(rec_json "$rec_dir/$rec_id/manifest.json" "abs(j['ended_us'] - max(v['last_us'] for v in json.load(open('$e2e_tmp/pcaps.json')).values()))")
[ -n "$end_lag" ] && [ "$end_lag" -le 1000 ]
rec_ok $? "its ended_us is the last record's time (off by ${end_lag:-?} us)"
rec_http GET "/recordings/$rec_id" >"$e2e_tmp/get.json" 2>&1
rec_json "$e2e_tmp/get.json" "j.get('state') or j.get('manifest', {}).get('state')" | grep -q interrupted
rec_ok $? "GET /admin/v1/recordings/{id} says interrupted" || head -c 600 "$e2e_tmp/get.json" | diag

# SIGTERM finalises.
publish_recorded $((room + 1)) term
rec_ok $? "a second recording runs after the restart ($rec_id)" || { rec_finish; exit 1; }
sleep 2
rec_stop_lumen TERM
rec_ok $? "lumen exits on SIGTERM within 20 s"
kill "$pub_pid" 2>/dev/null
st=$(rec_json "$rec_dir/$rec_id/manifest.json" "j['state']")
[ "$st" = finished ]
rec_ok $? "SIGTERM finalises the recording: state finished (is $st)"
rec_json "$rec_dir/$rec_id/manifest.json" "j['ended_us'] is not None and all(t['ended_us'] for t in j['tracks'])" |
	grep -q True
rec_ok $? "the finished manifest has ended_us for the recording and every track"

rec_restart
rec_ok $? "lumen restarts after SIGTERM"
st=$(rec_json "$rec_dir/$rec_id/manifest.json" "j['state']")
[ "$st" = finished ]
rec_ok $? "a finished recording stays finished over a restart (is $st)"
rec_finish
