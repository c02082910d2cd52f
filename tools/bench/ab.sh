#!/bin/bash
# ab.sh -- A/B comparison of two lumen variants under lumen-bench fanout (issue #7): two binaries,
# or one binary under two environments (e.g. LUMEN_NO_IO_URING=1), alternating A and B for a
# number of rounds, each on a freshly started server pinned to CPU 0 with the load on CPU 1,
# inside a network namespace as compare-janus.sh runs them. Prints one line per run and the
# medians of CPU microseconds per forwarded packet, forwarded packets/s and loss.
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: tools/bench/ab.sh [options]    (run as root from the build tree, or set top_builddir)

Compares two lumen variants with lumen-bench --scenario fanout, alternating A and B.
Each run also saves the server's /metrics and prints its forwarding-delay quantiles
(lumen_forward_delay_seconds: kernel receive timestamp to the hand-off of the fan-out).

  --a-bin PATH        lumen binary of variant A (default: the build's src/lumen)
  --b-bin PATH        lumen binary of variant B (default: the same as A)
  --a-env 'K=V ...'   environment of variant A (default: none)
  --b-env 'K=V ...'   environment of variant B (default: none)
  --a-args 'ARGS'     extra lumen arguments of variant A, e.g. '--set media.ice_lite=false'
  --b-args 'ARGS'     extra lumen arguments of variant B
  --bench-args 'ARGS' extra lumen-bench arguments for both (e.g. '--joins 30' with --scenario join)
  --rounds N          rounds; each runs A and B once, the order flipping every round (default 4)
  --subscribers N     fanout subscribers (default 20)
  --duration S        seconds each lumen-bench run measures after its warm-up (default 8)
  --scenario NAME     lumen-bench scenario (default fanout)
  --results DIR       where the JSON and logs go (default bench-results/ab)
  -h, --help          this text

Example (io_uring batching on and off):
  sudo tools/bench/ab.sh --b-env LUMEN_NO_IO_URING=1 --rounds 4
EOF
}

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
A_BIN="$top_builddir/src/lumen" B_BIN="" A_ENV="" B_ENV="" A_ARGS="" B_ARGS="" BENCH_ARGS=""
ROUNDS=4 SUBS=20 DURATION=8 SCENARIO=fanout
RESULTS="$top_builddir/bench-results/ab"
LUMEN_BENCH=${LUMEN_BENCH:-$top_builddir/tools/bench/lumen-bench}
NETNS="$top_srcdir/tests/e2e/netns.sh"
SERVER_IP=192.0.2.1 LOAD_IP=192.0.2.2 PORT=18088 ADMIN_PORT=17088

while [ $# -gt 0 ]; do
	case "$1" in
	--a-bin) A_BIN=$2; shift ;;
	--b-bin) B_BIN=$2; shift ;;
	--a-env) A_ENV=$2; shift ;;
	--b-env) B_ENV=$2; shift ;;
	--a-args) A_ARGS=$2; shift ;;
	--b-args) B_ARGS=$2; shift ;;
	--bench-args) BENCH_ARGS=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--subscribers) SUBS=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--scenario) SCENARIO=$2; shift ;;
	--results) RESULTS=$2; shift ;;
	--help | -h) usage; exit 0 ;;
	*) echo "ab.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
B_BIN=${B_BIN:-$A_BIN}

die() { echo "ab.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespace)"
for p in "$A_BIN" "$B_BIN" "$LUMEN_BENCH"; do [ -x "$p" ] || die "$p not built"; done
case "$ROUNDS$SUBS$DURATION" in *[!0-9]*) die "--rounds, --subscribers, --duration take numbers" ;; esac

NS="lumen-ab-$$"
WORKDIR=$(mktemp -d /tmp/lumen-ab.XXXXXX)
server_pid="" bench_pid=""
# shellcheck source=tools/bench/bench-lib.sh
. "$top_srcdir/tools/bench/bench-lib.sh"
bench_traps

mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
"$NETNS" up "$NS"
# Servers are started as compare-janus.sh and record-cost.sh start them (bench-lib.sh).
SERVER_CPU=0 LUMEN_PORT=$PORT LUMEN_ADMIN_PORT=$ADMIN_PORT
bench_lumen_conf rooms

# run VARIANT ROUND: one server start, one lumen-bench run, one line of results.
run() {
	local v=$1 r=$2 env args json kv
	if [ "$v" = A ]; then LUMEN=$A_BIN env=$A_ENV args=$A_ARGS; else LUMEN=$B_BIN env=$B_ENV args=$B_ARGS; fi
	json="$RESULTS/$v-r$r.json"
	rm -rf "$WORKDIR/lumen/state" && mkdir -p "$WORKDIR/lumen/state"
	# The variant's environment, for the server only (ip netns exec passes ours on).
	for kv in $env; do export "${kv?}"; done
	# shellcheck disable=SC2086 # args is a list of lumen options on purpose
	bench_start_server lumen "$RESULTS/$v-r$r-lumen.log" $args
	for kv in $env; do unset "${kv%%=*}"; done
	# shellcheck disable=SC2086 # BENCH_ARGS is a list of lumen-bench options on purpose
	"$NETNS" exec "$NS" taskset -c 1 timeout --kill-after=10 $((DURATION + 120)) \
		"$LUMEN_BENCH" --url "http://127.0.0.1:$PORT/janus" --scenario "$SCENARIO" \
		--subscribers "$SUBS" --duration "$DURATION" --server-pid "$server_pid" \
		--ice-ip "$LOAD_IP" --label "$v-r$r" --json "$json" $BENCH_ARGS \
		>"$RESULTS/$v-r$r-bench.log" 2>&1 ||
		echo "ab.sh: lumen-bench failed for $v round $r (see $RESULTS/$v-r$r-bench.log)" >&2
	# The server's own view: its forwarding-delay histogram and send counters for this run.
	"$NETNS" exec "$NS" curl -s --max-time 5 "http://127.0.0.1:$ADMIN_PORT/metrics" \
		>"$RESULTS/$v-r$r-metrics.txt" || true
	bench_stop_server
	/usr/bin/python3 - "$json" "$v" "$r" "$RESULTS/$v-r$r-metrics.txt" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print(f"{sys.argv[2]} round {sys.argv[3]}: no result"); sys.exit(0)
s = j.get("server") or {}
# Quantiles of the server's forwarding delay from lumen_forward_delay_seconds (upper bucket
# bounds: "p99 <= 0.0005" means at least 99 % of the sampled packets took at most 500 us).
buckets = []
try:
    for line in open(sys.argv[4]):
        if line.startswith("lumen_forward_delay_seconds_bucket{le="):
            le = line.split('"')[1]
            buckets.append((float("inf") if le == "+Inf" else float(le), float(line.split()[-1])))
except OSError:
    pass
def q(p):
    total = buckets[-1][1] if buckets else 0
    for le, c in buckets:
        if total and c >= p * total:
            return f"<= {le * 1e3:g} ms"
    return "n/a"
n = int(buckets[-1][1]) if buckets else 0
jm = j.get("join_ms") or {}
print(f"{sys.argv[2]} round {sys.argv[3]}: join p50 {jm.get('p50')} ms p99 {jm.get('p99')} ms, "
      f"{s.get('cpu_us_per_forwarded_packet')} us/pkt, "
      f"{j.get('forwarded_pps')} pkt/s, loss {j.get('loss_pct')} %, cpu {s.get('cpu_pct')} %, "
      f"rss/sub {s.get('rss_per_subscriber_kb')} KiB, server delay p50 {q(0.5)} p99 {q(0.99)} "
      f"({n} samples), ok {j.get('ok')}")
PY
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) -eq 1 ]; then run A "$r"; run B "$r"; else run B "$r"; run A "$r"; fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$RESULTS" "$ROUNDS" <<'PY'
import json, os, statistics, sys
res, rounds = sys.argv[1], int(sys.argv[2])
def med(v, key):
    xs = []
    for r in range(1, rounds + 1):
        try:
            j = json.load(open(os.path.join(res, f"{v}-r{r}.json")))
        except (OSError, ValueError):
            continue
        x = (j.get("server") or {}).get(key, j.get(key))
        if isinstance(x, (int, float)):
            xs.append(x)
    return (statistics.median(xs), len(xs)) if xs else (None, 0)
for key in ("cpu_us_per_forwarded_packet", "forwarded_pps", "loss_pct", "cpu_pct",
            "rss_per_subscriber_kb"):
    (a, na), (b, nb) = med("A", key), med("B", key)
    ratio = f"{b / a:.3f}" if a and b else "n/a"
    print(f"median {key}: A {a} ({na} runs)  B {b} ({nb} runs)  B/A {ratio}")
PY
