#!/bin/sh
# bench_smoke.sh -- keeps lumen-bench working (TAP): lumen in a network namespace (tests/e2e/lib.sh),
# then a 5-second fanout to 5 subscribers and 5 joins of lumen-bench against its rooms plugin.
# Asserts on the JSON results: media flowed, loss under 5 %, delay p99 under 200 ms (loose bounds:
# this checks the tool and the path, not performance; a sanitizer build is slower), join times.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"

BENCH="$top_builddir/tools/bench/lumen-bench"
command -v jq >/dev/null || e2e_skip_all "jq not installed"
e2e_require_netns

e2e_start
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

bench --scenario fanout --subscribers 5 --duration 5 --warmup 1 --json "$e2e_tmp/fanout.json" \
	>"$e2e_tmp/fanout.txt" 2>&1
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

bench --scenario join --joins 5 --json "$e2e_tmp/join.json" >"$e2e_tmp/join.txt" 2>&1
ok $? "join: lumen-bench exits 0"
diag <"$e2e_tmp/join.txt"
jqok "join: 5 joins timed" "$e2e_tmp/join.json" '.join_ms.n == 5'
jqok "join: p50 above 0 and under 5 s" "$e2e_tmp/join.json" '.join_ms.p50 > 0 and .join_ms.p50 < 5000'

# A refused run exits 1 with a reason: nothing listens on this port.
bench --scenario fanout --subscribers 1 --duration 1 --url "http://127.0.0.1:1/janus" \
	>"$e2e_tmp/refused.txt" 2>&1
[ $? -eq 1 ]
ok $? "no server: exit status 1"

kill -0 "$e2e_lumen_pid" 2>/dev/null
ok $? "lumen still running after the runs"
[ "$TAP_FAILED" -eq 0 ] || { echo "# lumen log (last 30 lines):"; tail -30 "$e2e_tmp/lumen.log" | diag; }
done_testing
