#!/bin/bash
# join-trace.sh -- where a join's time goes on the wire (issue #7's join target): lumen-bench's
# join scenario against lumen in a network namespace, as compare-janus.sh runs it, with tcpdump
# on the namespace; then, per join, the time of each step from the subscriber's `create` and
# the handshake's intervals, p50/min/max over the joins. Optionally perf records lumen meanwhile.
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: tools/bench/join-trace.sh [options] [-- LUMEN-ARGS...]   (as root, from the build tree)

Runs lumen-bench --scenario join against a fresh lumen (pinned to CPU 0, the load on CPU 1)
inside a network namespace, captures every packet there with tcpdump, and prints per join:

  start        the client's POST of "start" (its answer), ms after its "create"
  check        the client's first ICE check carrying USE-CANDIDATE
  finished     lumen's last DTLS flight (ChangeCipherSpec, Finished)
  first rtp    lumen's first RTP packet to the subscriber
and, from the client's nominating check: its ClientHello, lumen's first flight (ServerHello),
the client's flight (Certificate ... Finished) and lumen's Finished.

  --joins N        joins (default 60)
  --lumen PATH     lumen binary (default: the build's src/lumen)
  --perf           also `perf record --call-graph dwarf -F 4000` on lumen for 5 s (perf.data)
  --results DIR    where the capture, logs and JSON go (default bench-results/join-trace)
  -h, --help       this text
Anything after -- goes to lumen, e.g. -- --set media.ice_lite_nominate=false
EOF
}

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
LUMEN="$top_builddir/src/lumen" JOINS=60 PERF=0
RESULTS="$top_builddir/bench-results/join-trace"
LUMEN_BENCH=${LUMEN_BENCH:-$top_builddir/tools/bench/lumen-bench}
NETNS="$top_srcdir/tests/e2e/netns.sh"
SERVER_IP=192.0.2.1 LOAD_IP=192.0.2.2 PORT=18088 ADMIN_PORT=17088
while [ $# -gt 0 ]; do
	case "$1" in
	--joins) JOINS=$2; shift ;;
	--lumen) LUMEN=$2; shift ;;
	--perf) PERF=1 ;;
	--results) RESULTS=$2; shift ;;
	--help | -h) usage; exit 0 ;;
	--) shift; break ;;
	*) echo "join-trace.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case "$JOINS" in '' | *[!0-9]*) echo "join-trace.sh: --joins takes a number" >&2; exit 2 ;; esac
die() { echo "join-trace.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (network namespace, tcpdump)"
command -v tcpdump >/dev/null || die "tcpdump is not installed (apt-get install tcpdump)"
[ "$PERF" -eq 0 ] || command -v perf >/dev/null || die "perf is not installed"
[ -x "$LUMEN" ] && [ -x "$LUMEN_BENCH" ] || die "build lumen and lumen-bench first (make)"

NS="lumen-jt-$$" WORKDIR=$(mktemp -d /tmp/lumen-jt.XXXXXX) server_pid="" bench_pid=""
. "$top_srcdir/tools/bench/bench-lib.sh"
bench_traps
mkdir -p "$RESULTS"
"$NETNS" up "$NS"
bench_lumen_conf rooms
"$NETNS" exec "$NS" taskset -c 0 "$LUMEN" -c "$top_srcdir/conf/lumen.cfg" \
	--set http.listen=127.0.0.1:$PORT --set admin.listen=127.0.0.1:$ADMIN_PORT \
	--set http.demo=false --set plugins.dir="$WORKDIR/lumen/plugins" \
	--set general.state_dir="$WORKDIR/lumen/state" --set media.ice_enforce="$SERVER_IP" \
	"${BENCH_LUMEN_LIMITS[@]}" "$@" >"$RESULTS/lumen.log" 2>&1 &
server_pid=$!
bench_wait_port "$PORT" || die "lumen did not start (see $RESULTS/lumen.log)"
"$NETNS" exec "$NS" tcpdump -i any -n -s 200 -w "$RESULTS/join.pcap" \
	"udp or tcp port $PORT" >"$RESULTS/tcpdump.log" 2>&1 &
tcpdump_pid=$!
sleep 0.5
"$NETNS" exec "$NS" taskset -c 1 timeout 300 "$LUMEN_BENCH" --url "http://127.0.0.1:$PORT/janus" \
	--scenario join --joins "$JOINS" --server-pid "$server_pid" --ice-ip "$LOAD_IP" \
	--json "$RESULTS/bench.json" >"$RESULTS/bench.log" 2>&1 &
bench_pid=$!
if [ "$PERF" -eq 1 ]; then
	sleep 1.5
	perf record -F 4000 --call-graph dwarf,16384 -p "$server_pid" -o "$RESULTS/perf.data" \
		-- sleep 5 >"$RESULTS/perf.log" 2>&1 || true
fi
wait "$bench_pid" || die "lumen-bench failed (see $RESULTS/bench.log)"
bench_pid=""
sleep 0.3
kill "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null || true
bench_stop_server
/usr/bin/python3 "$top_srcdir/tools/bench/join-trace.py" "$RESULTS/join.pcap" "$SERVER_IP" \
	| tee "$RESULTS/summary.txt"
