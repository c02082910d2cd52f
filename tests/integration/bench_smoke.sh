#!/bin/sh
# bench_smoke.sh -- keeps lumen-bench working (TAP): lumen in a network namespace (tests/e2e/lib.sh)
# with the rooms and recorder plugins, then a 3-second fanout to 5 subscribers of a recorded room
# (--record) and 5 joins of lumen-bench against it. Asserts on the JSON results: media flowed, loss
# under 5 %, delay p99 under 200 ms (loose bounds: this checks the tool and the path, not
# performance; a sanitizer build is slower); the recording the fanout made (manifest finished,
# audio and video pcaps, not empty, at least what was sent in the window); subscriber join times
# (steps in order, every joiner's video starting on a keyframe), and with --join-with-publisher
# that a subscriber joined only after the server's webrtcup for the publisher (Janus needs that
# wait); lumen's own forwarding delay read over the window (--server-metrics). About 12 s in all.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"

BENCH="$top_builddir/tools/bench/lumen-bench"
command -v jq >/dev/null || e2e_skip_all "jq not installed"
e2e_require_netns

rec_dir=$(mktemp -d)
e2e_start --set recorder.dir="$rec_dir"
trap 'e2e_cleanup; rm -rf "$rec_dir"' EXIT INT TERM
url="http://127.0.0.1:$E2E_API_PORT/janus"
bench() {
	timeout 120 "$E2E/netns.sh" exec "$e2e_ns" "$BENCH" --url "$url" --ice-ip 192.0.2.2 \
		--server-pid "$e2e_lumen_pid" --quiet "$@"
}

# jqok NAME FILE FILTER: one TAP line, ok when FILTER is true on FILE.
jqok() {
	jq -e "$3" "$2" >/dev/null 2>&1
	ok $? "$1"
}

bench --scenario fanout --subscribers 5 --duration 3 --warmup 1 --record --json "$e2e_tmp/fanout.json" \
	--server-metrics "http://127.0.0.1:$E2E_ADMIN_PORT/metrics" >"$e2e_tmp/fanout.txt" 2>&1
ok $? "fanout: lumen-bench exits 0"
diag <"$e2e_tmp/fanout.txt"
jqok "fanout: the result says ok" "$e2e_tmp/fanout.json" '.ok == true'
jqok "fanout: subscribers received packets" "$e2e_tmp/fanout.json" '.received_packets > 0'
jqok "fanout: about 5 copies of what was sent" "$e2e_tmp/fanout.json" \
	'.received_packets >= 4 * .sent_packets'
jqok "fanout: loss under 5 %" "$e2e_tmp/fanout.json" '.loss_pct < 5'
jqok "fanout: delay p99 under 200 ms" "$e2e_tmp/fanout.json" '.delay_ms.p99 > 0 and .delay_ms.p99 < 200'
jqok "fanout: the server's CPU per packet is measured" "$e2e_tmp/fanout.json" \
	'.server.cpu_us_per_forwarded_packet > 0'
jqok "fanout: SRTP was negotiated" "$e2e_tmp/fanout.json" '.srtp_profile | startswith("SRTP_")'
# --server-metrics: lumen's own histogram over the window, every packet of the publisher's that
# the receive loop read is a sample (~250/s at 1.5 Mbit/s + Opus)
jqok "fanout: the delay lumen adds is read from its histogram" "$e2e_tmp/fanout.json" \
	'.server_delay.samples >= 300 and .server_delay.p99_le_ms > 0'
jqok "fanout: the subscribers were read by the 1 ms poll (the default)" "$e2e_tmp/fanout.json" \
	'.bench.rx_poll_ms == 1'
jqok "fanout: from their own sockets (--rx batch, the default)" "$e2e_tmp/fanout.json" \
	'.bench.rx == "batch"'

# --rx split, the earlier receive kept for comparisons: a second socket per port, STUN to libnice.
bench --scenario fanout --subscribers 3 --duration 2 --warmup 1 --rx split \
	--json "$e2e_tmp/split.json" >"$e2e_tmp/split.txt" 2>&1
ok $? "fanout --rx split: lumen-bench exits 0"
jqok "fanout --rx split: media through the split sockets, loss under 5 %" "$e2e_tmp/split.json" \
	'.bench.rx == "split" and .received_packets >= 2 * .sent_packets and .loss_pct < 5'
# find-max: a step that misses the limits (none can hold 1 us) is run once more before N fails.
bench --scenario fanout --find-max --subscribers 2 --max 2 --duration 1 --warmup 0 \
	--delay-limit-ms 0.001 --json "$e2e_tmp/findmax.json" >"$e2e_tmp/findmax.txt" 2>&1
[ $? -eq 1 ]
ok $? "find-max, no N can hold: exit status 1"
jqok "find-max: the missing step ran twice (--tries 2, the default), then N failed" \
	"$e2e_tmp/findmax.json" '.find_max.tries == 2 and (.find_max.steps | length) == 2 and
	 ([.find_max.steps[].try] == [1, 2]) and ([.find_max.steps[].ok] == [false, false]) and
	 .find_max.max_ok == 0'
bench --find-max --tries 0 >"$e2e_tmp/badtries.txt" 2>&1
[ $? -eq 2 ]
ok $? "--tries 0: exit status 2 (usage)"
bench --rx nonsense --duration 1 >"$e2e_tmp/badrx.txt" 2>&1
[ $? -eq 2 ] && grep -q -- "--rx must be batch, split or glib" "$e2e_tmp/badrx.txt"
ok $? "--rx nonsense: exit status 2 (usage) and what it takes"

# --record: the room was created with "record": true, lumen said so to the publisher, and the
# recorder wrote it. The room is gone when lumen-bench exits; the writer finalises the manifest
# on its own thread, so wait (bounded) for "finished".
jqok "record: the publisher was told the room is recorded" "$e2e_tmp/fanout.json" \
	'.record.requested and .record.announced_to_publishers == 1'
manifest=""
i=0
while [ $i -lt 50 ]; do
	manifest=$(ls "$rec_dir"/*/manifest.json 2>/dev/null | head -1)
	[ -n "$manifest" ] && jq -e '.state == "finished"' "$manifest" >/dev/null 2>&1 && break
	sleep 0.1; i=$((i + 1))
done
[ -n "$manifest" ] && [ "$(ls "$rec_dir" | wc -l)" -eq 1 ]
ok $? "record: one recording was made"
jqok "record: its manifest says finished" "$manifest" '.state == "finished"'
jqok "record: an audio and a video track" "$manifest" '[.tracks[].kind] | sort == ["audio", "video"]'
nonempty=0
for t in $(jq -r '.tracks[].file' "$manifest" 2>/dev/null); do
	[ -s "$(dirname "$manifest")/$t" ] && nonempty=$((nonempty + 1))
done
[ "$nonempty" -eq 2 ]
ok $? "record: both pcaps are non-empty"
sent=$(jq '.sent_packets' "$e2e_tmp/fanout.json" 2>/dev/null || echo 0)
jqok "record: at least the packets sent in the window were recorded, none dropped" "$manifest" \
	"([.tracks[].packets] | add) >= ${sent:-0} and ${sent:-0} > 0 and .dropped.queue_overflow == 0"

# join: subscribers joining a publisher that is already sending, each in a session of its own,
# 600 ms apart (past lumen's keyframe request rate limit, so that each join's request goes out).
bench --scenario join --joins 4 --join-gap-ms 600 --json "$e2e_tmp/join.json" >"$e2e_tmp/join.txt" 2>&1
ok $? "join: lumen-bench exits 0"
diag <"$e2e_tmp/join.txt"
jqok "join: 4 subscriber joins timed" "$e2e_tmp/join.json" '.join_ms.n == 4 and .join_ms.mode == "subscriber"'
jqok "join: p50 above 0 and under 5 s" "$e2e_tmp/join.json" '.join_ms.p50 > 0 and .join_ms.p50 < 5000'
jqok "join: the steps in order (create, attach, offer, ICE, DTLS, first packet)" "$e2e_tmp/join.json" \
	'.join_ms.steps_p50 as $s | $s.subscriber_created > 0
	 and $s.subscriber_created <= $s.subscriber_attached and $s.subscriber_attached <= $s.subscriber_offer
	 and $s.subscriber_offer <= $s.subscriber_started and $s.subscriber_offer <= $s.subscriber_ice_connected
	 and $s.subscriber_ice_connected <= $s.subscriber_pc_up and $s.subscriber_pc_up <= $s.first_packet'
# lumen forwards to a subscriber once its pc is up and asks for a keyframe then: one sent
# earlier was lost on a pc not up yet, and the video started on a delta frame.
jqok "join: every subscriber's first video packet starts a keyframe" "$e2e_tmp/join.json" \
	'.join_ms.no_video == 0 and .join_ms.first_video_keyframe == .join_ms.n'
# A step's p50 is over the joins in which it happened: a join ends at its first video packet,
# so its first audio packet may never come; counted as 0 it put first_audio before pc_up.
jqok "join: the spacing recorded, each step's count, first audio after pc up" "$e2e_tmp/join.json" \
	'.join_ms.gap_ms == 600 and .join_ms.phase_ms == 100 and .join_ms.steps_n.first_packet == 4
	 and ((.join_ms.steps_n.first_audio // 0) == 0
	      or .join_ms.steps_p50.first_audio >= .join_ms.steps_p50.subscriber_pc_up)'

# Joins right after each other: each joiner's keyframe request is made once the previous one
# was answered, so lumen sends it (100 ms apart) instead of holding it back for 500 ms.
bench --scenario join --joins 4 --join-gap-ms 0 --join-phase-ms 0 --json "$e2e_tmp/join0.json" \
	>"$e2e_tmp/join0.txt" 2>&1
ok $? "join (no gap): lumen-bench exits 0"
jqok "join (no gap): video within 300 ms of create for most joiners" "$e2e_tmp/join0.json" \
	'.join_ms.n == 4 and .join_ms.no_video == 0 and .join_ms.steps_p50.first_video > 0
	 and .join_ms.steps_p50.first_video < 300'

# The old measurement: a new publisher, then a subscriber of it, per join.
bench --scenario join --join-with-publisher --joins 2 --json "$e2e_tmp/joinpub.json" \
	>"$e2e_tmp/joinpub.txt" 2>&1
ok $? "join --join-with-publisher: lumen-bench exits 0"
jqok "join --join-with-publisher: the subscriber joined after the server's webrtcup for the publisher" \
	"$e2e_tmp/joinpub.json" '.join_ms.n == 2 and .join_ms.mode == "with-publisher" and
	 (.join_ms.steps_p50 as $s | $s.publisher_webrtcup > 0 and $s.subscriber_offer >= $s.publisher_webrtcup
	  and $s.first_packet >= $s.subscriber_pc_up)'

# A refused run exits 1 with a reason: nothing listens on this port.
bench --scenario fanout --subscribers 1 --duration 1 --url "http://127.0.0.1:1/janus" \
	>"$e2e_tmp/refused.txt" 2>&1
[ $? -eq 1 ]
ok $? "no server: exit status 1"

kill -0 "$e2e_lumen_pid" 2>/dev/null
ok $? "lumen still running after the runs"
[ "$TAP_FAILED" -eq 0 ] || { echo "# lumen log (last 30 lines):"; tail -30 "$e2e_tmp/lumen.log" | diag; }
done_testing
