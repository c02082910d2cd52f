#!/bin/bash
# callgrind.sh -- user-space instructions per forwarded packet (issue #7): lumen under
# `valgrind --tool=callgrind` in a network namespace, lumen-bench fanout (1 publisher of a
# 1.5 Mbit/s VP8 + Opus stream, N subscribers), instrumentation switched on for a window after the
# set-up, and the instructions lumen executed in that window divided by the datagrams it sent
# (lumen_tx_packets_total from its /metrics at the window's start and end).
#
# Why: this machine's CPU time per packet varies by 30 % between runs of one binary and up to 4x
# on a bad minute (docs/performance.md), which hides the 1-5 % a change to the forwarding path's
# own code is worth. Instruction counts do not depend on the host's load: two runs of one binary
# agree to about 1 %. They see only user space (the kernel's send path is the larger part of the
# real cost, see the profile) and count instructions, not time (a cache miss costs one), so they
# judge code changes, not the product: the speed targets stay with lumen-bench.
#
# Needs root and valgrind. `make bench-callgrind` in the build tree, or
#   top_srcdir=/work/main top_builddir=/tmp/build tools/bench/callgrind.sh [OPTIONS]
set -euo pipefail

usage() {
	cat <<EOF
Usage: callgrind.sh [OPTION...]
Count lumen's user-space instructions per forwarded packet under lumen-bench fanout.

  --lumen PATH      the lumen binary to measure (default: the build's src/lumen); give two
                    runs different binaries for an A/B
  --subscribers N   fanout subscribers (default 10: under callgrind lumen runs ~50x slower and
                    must still keep up with the stream)
  --seconds S       seconds of the counted window (default 10)
  --setup S         seconds from the bench's start to the window (default 15: set-up under
                    valgrind plus the warm-up)
  --cache-sim       also simulate the caches (D1/LL misses per packet; about 2x slower)
  --results DIR     where callgrind's output, the logs and summary.json go
                    (default: \$top_builddir/bench-results/callgrind)
  --help            this text

Prints one line: instructions per forwarded packet, the packets counted, and with --cache-sim
the data cache misses per packet; summary.json has the same and annotate.txt the functions.
EOF
}

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
LUMEN=${LUMEN:-$top_builddir/src/lumen}
LUMEN_BENCH=${LUMEN_BENCH:-$top_builddir/tools/bench/lumen-bench}
NETNS="$top_srcdir/tests/e2e/netns.sh"
RESULTS="$top_builddir/bench-results/callgrind"
SUBS=10 SECONDS_REC=10 SETUP=15 CACHE_SIM=no
SERVER_IP=192.0.2.1 LOAD_IP=192.0.2.2 PORT=18088 ADMIN_PORT=17088

while [ $# -gt 0 ]; do
	case "$1" in
	--lumen) LUMEN=$2; shift ;;
	--subscribers) SUBS=$2; shift ;;
	--seconds) SECONDS_REC=$2; shift ;;
	--setup) SETUP=$2; shift ;;
	--cache-sim) CACHE_SIM=yes ;;
	--results) RESULTS=$2; shift ;;
	--help | -h) usage; exit 0 ;;
	*) echo "callgrind.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

die() { echo "callgrind.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespace)"
command -v valgrind >/dev/null || die "valgrind not found (apt-get install valgrind)"
for p in "$LUMEN" "$LUMEN_BENCH"; do [ -x "$p" ] || die "$p not built"; done
case "$SUBS$SECONDS_REC$SETUP" in *[!0-9]*) die "--subscribers, --seconds, --setup take numbers" ;; esac

NS="lumen-cg-$$"
WORKDIR=$(mktemp -d /tmp/lumen-callgrind.XXXXXX)
server_pid="" bench_pid=""
# shellcheck source=tools/bench/bench-lib.sh
. "$top_srcdir/tools/bench/bench-lib.sh"
bench_traps

mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
rm -f "$RESULTS"/callgrind.out*
"$NETNS" up "$NS"
bench_lumen_conf rooms

# Instrumentation starts off (set-up runs at valgrind's plain speed) and is switched on for the
# window with callgrind_control, which finds the process by pid.
"$NETNS" exec "$NS" taskset -c 0 valgrind --tool=callgrind --instr-atstart=no \
	--cache-sim="$CACHE_SIM" --callgrind-out-file="$RESULTS/callgrind.out" \
	"$LUMEN" -c "$top_srcdir/conf/lumen.cfg" \
	--set http.listen=127.0.0.1:$PORT --set admin.listen=127.0.0.1:$ADMIN_PORT \
	--set http.demo=false --set plugins.dir="$WORKDIR/lumen/plugins" \
	--set general.state_dir="$WORKDIR/lumen/state" --set media.ice_enforce="$SERVER_IP" \
	"${BENCH_LUMEN_LIMITS[@]}" >"$RESULTS/lumen.log" 2>&1 &
server_pid=$!
bench_wait_port "$PORT" || die "lumen did not start under valgrind (see $RESULTS/lumen.log)"

tx_packets() {
	"$NETNS" exec "$NS" curl -s --max-time 10 "http://127.0.0.1:$ADMIN_PORT/metrics" |
		awk '/^lumen_tx_packets_total/ { n += $NF } END { printf "%d\n", n }'
}

bench_duration=$((SETUP + SECONDS_REC + 4))
log "lumen-bench fanout N=$SUBS for ${bench_duration} s (lumen under callgrind, pid $server_pid)"
"$NETNS" exec "$NS" taskset -c 1 timeout --kill-after=10 $((bench_duration + 120)) \
	"$LUMEN_BENCH" --url "http://127.0.0.1:$PORT/janus" --scenario fanout --subscribers "$SUBS" \
	--duration "$bench_duration" --warmup 2 --server-pid "$server_pid" --ice-ip "$LOAD_IP" \
	--label callgrind --json "$RESULTS/bench.json" >"$RESULTS/bench.log" 2>&1 &
bench_pid=$!
sleep "$SETUP"
kill -0 "$bench_pid" 2>/dev/null || die "lumen-bench ended early (see $RESULTS/bench.log)"
callgrind_control -z "$server_pid" >/dev/null || die "callgrind_control cannot reach pid $server_pid"
tx0=$(tx_packets)
callgrind_control -i on "$server_pid" >/dev/null
log "counting for $SECONDS_REC s"
sleep "$SECONDS_REC"
callgrind_control -i off "$server_pid" >/dev/null
tx1=$(tx_packets)
callgrind_control -d "$server_pid" >/dev/null
bench_wait_load
[ "$brc" -eq 0 ] || log "lumen-bench exit $brc (see $RESULTS/bench.log)"
bench_stop_server

# The dump of the window is the newest callgrind.out.* (the final one at exit has nothing).
dump=$(ls -t "$RESULTS"/callgrind.out* 2>/dev/null | while read -r f; do
	grep -q '^totals: [1-9]' "$f" && { echo "$f"; break; }; done)
[ -n "$dump" ] || die "no callgrind dump with instructions in $RESULTS"
callgrind_annotate --inclusive=no "$dump" 2>/dev/null | head -60 >"$RESULTS/annotate.txt" || true
callgrind_annotate --inclusive=yes "$dump" 2>/dev/null | head -80 >"$RESULTS/annotate-inclusive.txt" || true

/usr/bin/python3 - "$dump" "$tx0" "$tx1" "$RESULTS" "$LUMEN" "$SUBS" "$SECONDS_REC" "$CACHE_SIM" <<'PY'
import json, os, sys
dump, tx0, tx1, res, lumen, subs, secs, cache = sys.argv[1:9]
events, summary = [], []
for line in open(dump):
    if line.startswith("events:"):
        events = line.split()[1:]
    elif line.startswith("totals:"):  # a dump after zeroing has "summary: 0"
        summary = [int(x) for x in line.split()[1:]]
tot = dict(zip(events, summary))
pkts = int(tx1) - int(tx0)
if pkts <= 0:
    sys.exit("callgrind.sh: lumen sent no packets in the window (see the logs in " + res + ")")
out = {"lumen": lumen, "subscribers": int(subs), "seconds": int(secs), "tx_packets": pkts,
       "instructions": tot.get("Ir", 0), "instructions_per_packet": tot.get("Ir", 0) / pkts}
line = f"{out['instructions_per_packet']:.0f} instructions per forwarded packet ({pkts} packets)"
if cache == "yes":
    d1 = tot.get("D1mr", 0) + tot.get("D1mw", 0)
    ll = tot.get("DLmr", 0) + tot.get("DLmw", 0)
    out.update(d1_misses_per_packet=d1 / pkts, ll_misses_per_packet=ll / pkts)
    line += f", D1 misses {d1 / pkts:.1f}, LL misses {ll / pkts:.1f} per packet"
json.dump(out, open(os.path.join(res, "summary.json"), "w"), indent=1)
print(line)
PY
