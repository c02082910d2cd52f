#!/bin/bash
# scaling.sh -- how each server's CPU per forwarded packet splits into a fixed cost per received
# packet and a cost per subscriber (issue #7's CPU target at N = 20): lumen-bench fanout (1
# publisher of a 1.5 Mbit/s VP8 + Opus stream) at several subscriber counts against lumen and
# Janus, alternating (the order flips every round), each server fresh, pinned to CPU 0, the load
# on CPU 1, in a network namespace as compare-janus.sh runs them.
#
# Why: per received packet a server pays once for being woken, reading, decrypting and routing
# it (W), then once per subscriber for the rewrite, encryption and send (S). CPU per received
# packet is then W + S x N, and per forwarded packet W / N + S. On a machine where a wake-up is
# expensive (a paravirtualised VM) W / N weighs on both servers' figures at N = 20 alike, which
# shrinks their ratio towards 1; the fit below tells the two parts apart for each server.
#
# Needs root. `make bench-scaling` in the build tree, or
#   top_srcdir=/work/main top_builddir=/tmp/build tools/bench/scaling.sh [OPTIONS]
set -euo pipefail

usage() {
	cat <<EOF
Usage: scaling.sh [OPTION...]
Fit CPU per received packet = W + S x N for lumen and Janus from fanout runs at several N.

  --subscribers LIST  comma-separated subscriber counts (default 2,5,10,20,40)
  --rounds R          rounds; each runs every N against both servers (default 3)
  --duration S        measured seconds per run (default 10)
  --warmup S          warm-up seconds per run (default 2)
  --servers LIST      lumen,janus (default) or one of them
  --results DIR       raw JSON, logs and summary.json (default: \$top_builddir/bench-results/scaling)
  --no-install        fail when janus is missing instead of apt-get installing it
  --help              this text

Prints, per server, the median CPU per forwarded packet at each N, and the least-squares fit
over every run: W (µs per received packet), S (µs per subscriber per received packet), and how
well the line fits (R²). summary.json holds the same.
EOF
}

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
LUMEN=${LUMEN:-$top_builddir/src/lumen}
LUMEN_BENCH=${LUMEN_BENCH:-$top_builddir/tools/bench/lumen-bench}
NETNS="$top_srcdir/tests/e2e/netns.sh"
RESULTS="$top_builddir/bench-results/scaling"
SUBS_LIST=2,5,10,20,40 ROUNDS=3 DURATION=10 WARMUP=2 SERVERS=lumen,janus INSTALL=1
SERVER_IP=192.0.2.1 LOAD_IP=192.0.2.2
LUMEN_PORT=18088 LUMEN_ADMIN_PORT=17088 JANUS_PORT=18188
SERVER_CPU=0 LOAD_CPU=1

while [ $# -gt 0 ]; do
	case "$1" in
	--subscribers) SUBS_LIST=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--warmup) WARMUP=$2; shift ;;
	--servers) SERVERS=$2; shift ;;
	--results) RESULTS=$2; shift ;;
	--no-install) INSTALL=0 ;;
	--help | -h) usage; exit 0 ;;
	*) echo "scaling.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

die() { echo "scaling.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespace)"
[[ "$SUBS_LIST" =~ ^[0-9]+(,[0-9]+)+$ ]] || die "--subscribers wants two or more counts, e.g. 2,5,10,20,40"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "--rounds wants a positive integer"
case "$SERVERS" in lumen,janus | janus,lumen | lumen | janus) ;; *) die "--servers: lumen,janus, lumen or janus" ;; esac
for p in "$LUMEN" "$LUMEN_BENCH"; do [ -x "$p" ] || die "$p not built (make all in the build tree)"; done
[ -e "$top_builddir/plugins/rooms/.libs/rooms.so" ] || die "rooms plugin not built"
[ "$(nproc --all)" -ge 2 ] || die "needs 2 CPUs (server on CPU $SERVER_CPU, load on CPU $LOAD_CPU)"

NS="lumen-scaling-$$"
WORKDIR=$(mktemp -d /tmp/lumen-scaling.XXXXXX)
server_pid="" bench_pid=""
# shellcheck source=tools/bench/bench-lib.sh
. "$top_srcdir/tools/bench/bench-lib.sh"
bench_traps
case ",$SERVERS," in *,janus,*) bench_need_janus "$INSTALL"; bench_janus_conf ;; esac
bench_lumen_conf rooms

mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
rm -f "$RESULTS"/fanout*-r*.json "$RESULTS"/summary.json
"$NETNS" up "$NS"

# run SERVER N ROUND: one fanout run against a fresh server into $RESULTS/fanoutN-SERVER-rROUND.json.
# A failed run is logged and left out of the fit.
run() {
	local server=$1 n=$2 round=$3 base
	base="$RESULTS/fanout$n-$server-r$round"
	bench_start_server "$server" "$base.server.log"
	log "r$round N=$n: $server (pid $server_pid)"
	# lumen's own forwarding-delay histogram over the window too (server_delay in the JSON)
	local own=()
	[ "$server" = lumen ] && own=(--server-metrics "http://$SERVER_HOST:$LUMEN_ADMIN_PORT/metrics")
	set +e
	"$NETNS" exec "$NS" taskset -c "$LOAD_CPU" timeout --kill-after=10 $((WARMUP + DURATION + 120)) \
		"$LUMEN_BENCH" --url "$server_url" --server-pid "$server_pid" --ice-ip "$LOAD_IP" \
		--scenario fanout --subscribers "$n" --duration "$DURATION" --warmup "$WARMUP" \
		--label "fanout$n-$server" --json "$base.json" "${own[@]}" >"$base.bench.log" 2>&1 &
	bench_pid=$!
	wait "$bench_pid"
	local brc=$?
	bench_pid=""
	set -e
	bench_stop_server
	if [ "$brc" -ne 0 ]; then
		log "r$round N=$n: $server: lumen-bench exit $brc (see $base.bench.log)"
		rm -f "$base.json"
	fi
}

for r in $(seq "$ROUNDS"); do
	order=${SERVERS//,/ }
	if [ $((r % 2)) -eq 0 ]; then order=$(echo "$order" | awk '{for (i = NF; i > 0; i--) printf "%s ", $i}'); fi
	for n in ${SUBS_LIST//,/ }; do
		for s in $order; do run "$s" "$n" "$r"; done
	done
done

/usr/bin/python3 "$top_srcdir/tools/bench/scaling.py" "$RESULTS"
log "done (raw JSON and summary.json in $RESULTS)"
