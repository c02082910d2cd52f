#!/bin/sh
# floor_smoke.sh -- lumen-floor runs, answers --help, and prints sane figures (TAP). A short run
# (3 runs x 2000 packets, well under a second): every figure is there, positive and within broad
# physical bounds (an SRTP protect between 50 ns and 200 us, a UDP send between 100 ns and 1 ms,
# a receive wake-up's CPU between 500 ns and 10 ms). The rig figures (floor_rig.h) need a second
# CPU for their peer thread: with one they must be absent and say so, with two present.
# No figure is compared with another: which operation is faster is the benchmark's finding
# (docs/performance.md), and a smoke test that ranks wall-clock medians of a few hundred
# microseconds fails whenever the machine is busy (one such check, "a fan-out packet <= sendto",
# failed 1 time in 20 beside two busy loops, and failed CI's distcheck).
. "${top_srcdir:-.}/tests/integration/lib.sh"
FLOOR="$top_builddir/tools/bench/lumen-floor"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$FLOOR" --help >"$tmp/help" 2>&1
ok $? "--help exits 0"
grep -q -- '--json' "$tmp/help"
ok $? "--help lists --json"

"$FLOOR" --runs 0 >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "a bad --runs is refused with exit 2"
"$FLOOR" --fanout 65 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "bad value '65'" "$tmp/err"
ok $? "a --fanout beyond the batch's 64 slots is refused with exit 2"
"$FLOOR" --cpu 0 --peer-cpu 0 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "must differ" "$tmp/err"
ok $? "a peer on the measuring CPU is refused with exit 2"

timeout 15 "$FLOOR" --runs 3 --packets 2000 >"$tmp/table" 2>&1
ok $? "a short run exits 0"
grep -q 'SRTP_AEAD_AES_128_GCM' "$tmp/table" && grep -q 'sendmmsg' "$tmp/table" &&
	grep -q 'txbatch fan-out 20' "$tmp/table"
ok $? "the table names the GCM profile, sendmmsg and the fan-out of 20"
grep -q 'waited on' "$tmp/table" && grep -q '^rx_wakeup' "$tmp/table" ||
	grep -q 'no rig figures: no CPU other than' "$tmp/table"
ok $? "the table has the rig figures, or says why not"

timeout 15 "$FLOOR" --runs 3 --packets 2000 --json --json-file "$tmp/f2.json" >"$tmp/f.json" 2>&1
ok $? "a short --json run exits 0"
/usr/bin/python3 - "$tmp/f.json" "$tmp/f2.json" <<'PY' >"$tmp/check" 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
print(("ok" if json.load(open(sys.argv[2])) == d else "not ok") + " --json-file holds the same object")
p = {(e["profile"], e["bytes"]): e["ns_median"] for e in d["srtp_protect"]}
s = {(e["method"], e["bytes"]): e["ns_median"] for e in d["udp_send"]}
rig = d.get("peer_cpu") is not None
wake = d.get("rx_wakeup")
rig_sends = {("txbatch_waited", n) for n in (100, 1200)} if rig else set()
checks = [
    (len(p) == 4 and len(s) == 8 + len(rig_sends), "4 protect and 8 send figures, 10 with the rig"),
    (rig == (wake is not None) and isinstance(d.get("cpu"), int) and d.get("peer_cpu") != d["cpu"],
     "the rig's wake-up is there exactly when a peer CPU was, and it is not ours"),
    (not rig or (500 <= wake["cpu_ns_median"] <= 1e7 and 1000 <= wake["ns_median"] <= 1e9
                 and wake["gap_us"] > 0 and wake["ns_min"] <= wake["ns_median"] <= wake["ns_max"]),
     "a receive wake-up costs between 500 ns and 10 ms of CPU (latency 1 us to 1 s)"),
    (d["fanout"] == 20 and all(e["batch"] == 20 and isinstance(e["io_uring"], bool)
                               for e in d["udp_send"] if e["method"] == "txbatch"),
     "the fan-out figures say their width and whether io_uring sent them"),
    (all(e["batch"] == 20 and isinstance(e["io_uring"], bool)
         for e in d["udp_send"] if e["method"] == "txbatch_waited"),
     "so do the waited fan-out's"),
    (all(e["ns_min"] <= e["ns_median"] <= e["ns_max"] for e in d["srtp_protect"] + d["udp_send"]),
     "min <= median <= max"),
    (all(50 <= v <= 200000 for v in p.values()), "protect between 50 ns and 200 us"),
    (all(100 <= v <= 1000000 for v in s.values()), "send between 100 ns and 1 ms"),
    (set(p) == {(k, n) for k in ("SRTP_AEAD_AES_128_GCM", "SRTP_AES128_CM_SHA1_80") for n in (100, 1200)},
     "protect figures for both profiles at 100 and 1200 bytes"),
    (set(s) == {(m, n) for m in ("send", "sendto", "sendmmsg", "txbatch") for n in (100, 1200)} | rig_sends,
     "send figures for send, sendto, sendmmsg and the fan-out (and the waited one) at 100 and 1200 bytes"),
    (all(0 < e["cpu_ns_median"] for e in d["srtp_protect"] + d["udp_send"]), "CPU medians are positive"),
]
for good, name in checks:
    print(("ok" if good else "not ok") + " " + name)
PY
ok $? "the JSON parses"
while read -r verdict rest; do
	if [ "$verdict" = ok ]; then ok 0 "$rest"; else ok 1 "${rest#ok }"; fi
done <"$tmp/check"
grep -q '^ok\|^not ok' "$tmp/check"
ok $? "the JSON checks ran"
sed 's/^/# /' "$tmp/table"
done_testing
