#!/bin/bash
# compare-janus.sh -- lumen against Debian's Janus 1.1.2, same load, same machine (issue #7).
#
# Makes a private network namespace with a pair of interfaces (tests/e2e/netns.sh: 192.0.2.1 for
# the servers' ICE, 192.0.2.2 for the load; Janus gathers nothing on loopback, libnice skips
# veth*; --split-ns: two namespaces, see bench-lib.sh's bench_net_up), then for every scenario
# starts a fresh server pinned to CPU 0 (taskset), runs
# lumen-bench pinned to CPU 1 against it, stops it, and does the same for the other server:
# lumen and Janus alternate, and the order flips every round. The JSON of every run, lumen-floor's
# figures and the machine are written to docs/performance.md (--out). Every exit path kills the
# servers and deletes the namespace (trap).
#
# Why one file of over 800 lines: the runs and the report are one contract. The report (the
# Python at the end) reads exactly the files the runs above it write, carries over what a
# partial run did not measure, and --report-only re-renders it; split across files, a change to
# one side would silently stop matching the other. tests/integration/bench_report.py holds the
# report to hand-worked figures.
#
# Needs root (namespaces, apt-get). Run from a build tree: `make bench`, or
#   top_srcdir=/work/main top_builddir=/tmp/build tools/bench/compare-janus.sh [OPTIONS]
set -euo pipefail

usage() {
	cat <<EOF
Usage: compare-janus.sh [OPTION...]
Run the same lumen-bench scenarios against lumen and Janus (VideoRoom) in a network namespace,
alternating, and write the comparison to docs/performance.md.

  --out FILE          report to write (default: \$top_srcdir/docs/performance.md)
  --results DIR       where the raw JSON and server logs go (default: \$top_builddir/bench-results)
  --duration S        measured seconds per run (default 10)
  --warmup S          warm-up seconds per run (default 2)
  --rounds R          rounds of lumen/janus alternation per scenario (default 1)
  --quiet-rounds Q    fanout: after the R rounds, run more until each server has Q quiet
                      rounds (docs/bench.md, "Quiet rounds": the canary and lumen-bench's own
                      cost within their margins), up to --max-rounds (default 3; 0: no more)
  --max-rounds M      fanout: rounds in all at most (default 3 x R)
  --scenarios LIST    comma-separated subset of fanout,audio,join,joinburst,findmax,halfload
                      (default: all; halfload = fanout at half each server's find-max result;
                      join = joins 100-200 ms apart, at random points of the publisher's
                      media; joinburst = the same joins back to back).
                      With a subset, the other scenarios' results are carried over into the
                      report: from the results directory, else from the existing report's raw
                      JSON (the report says which runs are carried and from when)
  --no-carry-over     with a subset, report only the scenarios run now
  --split-ns          servers and load in two namespaces joined by the veth pair, each side's
                      receive processing steered to its own CPU (RPS), instead of one namespace
                      where the sender's CPU also runs its receiver's kernel path (bench-lib.sh;
                      on this VM the steering costs more than it moves: docs/performance.md)
  --max N             find-max upper bound on subscribers (default 600)
  --step N            find-max step (default: lumen-bench's)
  --delay-limit-ms MS find-max: delay p99 that fails a step (default 50, as in issue #7; on a
                      machine shared with other work the p99 measures the neighbours, so a
                      larger value leaves loss as the criterion)
  --quick             short runs for a trial of the script: duration 4, warmup 1, 20 joins,
                      find-max up to 200
  --no-install        do not apt-get install janus when missing (fail instead)
  --report-only       run nothing: write the report again from --results (after a change to
                      the report's rows); the header describes the run that measured them
                      (run.env, saved in --results by every run)
  --help              this text

Environment: top_srcdir, top_builddir (set by make), LUMEN_BENCH, LUMEN_FLOOR, LUMEN (paths to
the programs; default: the build tree's), LUMEN_VERSION (default: git describe of top_srcdir).
EOF
}

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
LUMEN=${LUMEN:-$top_builddir/src/lumen}
LUMEN_BENCH=${LUMEN_BENCH:-$top_builddir/tools/bench/lumen-bench}
LUMEN_FLOOR=${LUMEN_FLOOR:-$top_builddir/tools/bench/lumen-floor}
NETNS="$top_srcdir/tests/e2e/netns.sh"
OUT="$top_srcdir/docs/performance.md"
RESULTS="$top_builddir/bench-results"
DURATION=10 WARMUP=2 ROUNDS=1 QUIET_ROUNDS=3 MAX_ROUNDS="" MAX_N=600 STEP_N="" JOINS=100 INSTALL=1 DELAY_LIMIT=50 CARRY=1
SCENARIOS="fanout,audio,join,joinburst,findmax,halfload"
SERVER_IP=192.0.2.1 LOAD_IP=192.0.2.2
LUMEN_PORT=18088 LUMEN_ADMIN_PORT=17088 JANUS_PORT=18188
SERVER_CPU=0 LOAD_CPU=1
BENCH_SPLIT=0 REPORT_ONLY=0

while [ $# -gt 0 ]; do
	case "$1" in
	--out) OUT=$2; shift ;;
	--results) RESULTS=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--warmup) WARMUP=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--quiet-rounds) QUIET_ROUNDS=$2; shift ;;
	--max-rounds) MAX_ROUNDS=$2; shift ;;
	--scenarios) SCENARIOS=$2; shift ;;
	--max) MAX_N=$2; shift ;;
	--step) STEP_N=$2; shift ;;
	--delay-limit-ms) DELAY_LIMIT=$2; shift ;;
	--quick) DURATION=4 WARMUP=1 JOINS=20 MAX_N=200 ;;
	--no-install) INSTALL=0 ;;
	--no-carry-over) CARRY=0 ;;
	--split-ns) BENCH_SPLIT=1 ;;
	--report-only) REPORT_ONLY=1 ;;
	--help | -h) usage; exit 0 ;;
	*) echo "compare-janus.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

die() { echo "compare-janus.sh: $*" >&2; exit 1; }
MAX_ROUNDS=${MAX_ROUNDS:-$((3 * ROUNDS))}
case "$ROUNDS$QUIET_ROUNDS$MAX_ROUNDS" in *[!0-9]*) die "--rounds, --quiet-rounds and --max-rounds take a number" ;; esac
log() { echo "== $*" >&2; }
has() { case ",$SCENARIOS," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

if [ "$REPORT_ONLY" -eq 1 ]; then
	[ -e "$RESULTS/floor.json" ] || die "--report-only: no results in $RESULTS (floor.json missing)"
	RESULTS=$(cd "$RESULTS" && pwd)
	# The measuring run's settings, so the header describes it and not this command line.
	[ -e "$RESULTS/run.env" ] || die "--report-only: $RESULTS/run.env missing (every measuring run of this script writes it; results of older runs have none)"
	. "$RESULTS/run.env"
else
# --- measuring: from here down to "fi # REPORT_ONLY" (not indented, to keep the history readable)
[ "$(id -u)" -eq 0 ] || die "needs root (network namespace, apt-get)"
for p in "$LUMEN" "$LUMEN_BENCH" "$LUMEN_FLOOR"; do
	[ -x "$p" ] || die "$p not built (make all in the build tree)"
done
[ -e "$top_builddir/plugins/rooms/.libs/rooms.so" ] || die "rooms plugin not built"
[ "$(nproc --all)" -ge 2 ] || die "needs 2 CPUs (server on CPU $SERVER_CPU, load on CPU $LOAD_CPU)"

. "$top_srcdir/tools/bench/bench-lib.sh"
bench_need_janus "$INSTALL"

# --- state and cleanup --------------------------------------------------------------------------
NS="lumen-bench-$$"
WORKDIR=$(mktemp -d /tmp/lumen-compare.XXXXXX)
server_pid="" bench_pid=""

bench_traps

for sc in ${SCENARIOS//,/ }; do
	case "$sc" in fanout | audio | join | joinburst | findmax | halfload) ;;
	*) die "unknown scenario '$sc' in --scenarios (fanout,audio,join,joinburst,findmax,halfload)" ;;
	esac
done
# The result files of each scenario (NAME-SERVER-rROUND.*).
result_name() {
	case "$1" in
	fanout) echo fanout20 ;; audio) echo audio100 ;; join) echo join100 ;;
	joinburst) echo joinburst100 ;; *) echo "$1" ;;
	esac
}
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
# Results carried over by an earlier subset run are not this tree's measurements: they go (and
# come back from the report if still wanted).
for f in "$RESULTS"/*.carried; do
	[ -e "$f" ] && rm -f "${f%.carried}.json" "$f"
done
rm -f "$RESULTS"/floor.json
for sc in fanout audio join joinburst findmax halfload; do
	# What is run now is measured anew; with --no-carry-over nothing else is reported.
	if has "$sc" || [ "$CARRY" -eq 0 ]; then
		n=$(result_name "$sc")
		rm -f "$RESULTS/$n"-*.json "$RESULTS/$n"-*.log "$RESULTS/$n"-*.cmd
	fi
done

# carry_over: the results of scenarios not run now and missing from $RESULTS come from the
# existing report's raw JSON; each gets a NAME.carried file holding the report's date (the
# report lists them as carried over). The previous commands come along in commands.carried.
carry_over() {
	[ -e "$OUT" ] || return 0
	/usr/bin/python3 - "$OUT" "$RESULTS" "$SCENARIOS" <<'PY'
import json, os, re, sys

out, results, now = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
names = {"fanout": "fanout20", "audio": "audio100", "join": "join100", "joinburst": "joinburst100"}
run_now = {names.get(n, n) for n in now}
text = open(out).read()
m = re.search(r"Generated by `tools/bench/compare-janus.sh` \(([^)]*)\)", text)
when = m.group(1) if m else "an earlier run"
for name, body in re.findall(r"<summary>([A-Za-z0-9_.-]+-r\d+\.json)</summary>\s*```json\n(.*?)\n```", text, re.S):
    if name.rsplit("-", 2)[0] in run_now or os.path.exists(os.path.join(results, name)):
        continue
    try:
        json.loads(body)
    except ValueError:
        continue
    open(os.path.join(results, name), "w").write(body + "\n")
    open(os.path.join(results, name[:-5] + ".carried"), "w").write(when + "\n")
# The floor is read against the fanout's CPU per packet: when the fanout is carried over, so is
# the floor measured beside it (a floor of today over a fanout of another day mixes two runs).
if "fanout20" not in run_now and not os.path.exists(os.path.join(results, "floor.json")):
    m = re.search(r"<summary>floor\.json</summary>\s*```json\n(.*?)\n```", text, re.S)
    try:
        if m and json.loads(m.group(1)):
            open(os.path.join(results, "floor.json"), "w").write(m.group(1) + "\n")
            open(os.path.join(results, "floor.carried"), "w").write(when + "\n")
    except ValueError:
        pass
m = re.search(r"## Commands\n\n```\n(.*?)```", text, re.S)
if m:
    lines = [l for l in m.group(1).splitlines() if l.startswith("lumen-bench ")]
    open(os.path.join(results, "commands.carried"), "w").write("\n".join(lines) + "\n")
PY
}
if [ "$CARRY" -eq 1 ] && [ "$SCENARIOS" != "fanout,audio,join,joinburst,findmax,halfload" ]; then
	carry_over
fi
bench_net_up

# --- servers (bench-lib.sh) ---------------------------------------------------------------------
bench_janus_conf
bench_lumen_conf rooms # lumen: the sample configuration with the e2e tests' overrides, rooms only
start_server() { bench_start_server "$@"; }
stop_server() { bench_stop_server; }

# run SERVER NAME ROUND BENCH-ARGS...: one measured run against a fresh server; the JSON goes to
# $RESULTS/NAME-SERVER-rROUND.json. A failed run is recorded (its log kept), not fatal.
run() {
	server=$1 name=$2 round=$3
	shift 3
	base="$RESULTS/$name-$server-r$round"
	start_server "$server" "$base.server.log"
	# lumen's own forwarding-delay histogram over the window (Janus has none): the delay the
	# server adds, where lumen-bench's delay is the whole path.
	own=()
	[ "$server" = lumen ] && own=(--server-metrics "http://$SERVER_HOST:$LUMEN_ADMIN_PORT/metrics")
	log "$name r$round: $server (pid $server_pid): lumen-bench $*"
	set +e
	"$NETNS" exec "$LOAD_NS" taskset -c "$LOAD_CPU" timeout --kill-after=10 "$RUN_TIMEOUT" \
		"$LUMEN_BENCH" --url "$server_url" --server-pid "$server_pid" --ice-ip "$LOAD_IP" \
		--warmup "$WARMUP" --label "$name-$server" --json "$base.json" "${own[@]}" \
		--canary-cpu "$SERVER_CPU" "$@" \
		>"$base.bench.log" 2>&1 &
	bench_pid=$!
	wait "$bench_pid"
	brc=$?
	bench_pid=""
	set -e
	stop_server
	echo "lumen-bench ${own[*]} --canary-cpu $SERVER_CPU $*" >"$base.cmd"
	if [ "$brc" -ne 0 ]; then
		log "$name r$round: $server: lumen-bench exit $brc (see $base.bench.log)"
		tail -5 "$base.bench.log" | sed 's/^/   /' >&2
	else
		sed -n '1,40p' "$base.bench.log" | grep -v '^\s*$' | tail -15 >&2 || true
	fi
}

# alternate NAME BENCH-ARGS...: every round runs both servers, the order flipping each round.
alternate() {
	name=$1
	shift
	for r in $(seq "$ROUNDS"); do round_pair "$name" "$r" "$@"; done
}

round_pair() {
	name=$1 r=$2
	shift 2
	if [ $((r % 2)) -eq 1 ]; then order="lumen janus"; else order="janus lumen"; fi
	for s in $order; do run "$s" "$name" "$r" "$@"; done
}

# until_quiet NAME BENCH-ARGS...: after alternate, more rounds until each server has
# QUIET_ROUNDS quiet ones (tools/bench/quiet.py) or MAX_ROUNDS rounds were run in all.
until_quiet() {
	name=$1
	shift
	r=$ROUNDS
	while :; do
		q=$(/usr/bin/python3 "$top_srcdir/tools/bench/quiet.py" "$RESULTS" "$name")
		read -r _ ql _ qj <<<"$q"
		if [ "$ql" -ge "$QUIET_ROUNDS" ] && [ "$qj" -ge "$QUIET_ROUNDS" ]; then
			log "$name: quiet rounds: $q after $r rounds"
			return 0
		fi
		if [ "$r" -ge "$MAX_ROUNDS" ]; then
			log "$name: quiet rounds: $q after $r rounds (--max-rounds $MAX_ROUNDS); the report says so"
			return 0
		fi
		r=$((r + 1))
		log "$name: quiet rounds: $q; round $r"
		round_pair "$name" "$r" "$@"
	done
}

# --- the floor ----------------------------------------------------------------------------------
if [ -e "$RESULTS/floor.carried" ]; then
	log "lumen-floor: carried over with the fanout results"
else
	log "lumen-floor"
	# In the servers' namespace: with the split network its loopback's receive processing is on
	# the load's CPU, so the floor's sends, like the servers', do not include their receiver's.
	# The rig figures' peer thread waits on the load's CPU, as lumen-bench does (floor_rig.h).
	"$NETNS" exec "$NS" taskset -c "$SERVER_CPU" "$LUMEN_FLOOR" --cpu "$SERVER_CPU" \
		--peer-cpu "$LOAD_CPU" --json-file "$RESULTS/floor.json" >&2
fi

# --- scenarios ----------------------------------------------------------------------------------
RUN_TIMEOUT=$((WARMUP + DURATION + 120))
if has fanout; then
	alternate fanout20 --scenario fanout --subscribers 20 --duration "$DURATION"
	until_quiet fanout20 --scenario fanout --subscribers 20 --duration "$DURATION"
fi
has audio && alternate audio100 --scenario audio --subscribers 100 --duration "$DURATION"
RUN_TIMEOUT=$((JOINS * 3 + 120))
# join: each join on its own, at a random phase of the publisher's media (lumen-bench's defaults,
# spelled out); joinburst: the same joins back to back, each right after the one before it.
has join && alternate join100 --scenario join --joins "$JOINS" --join-gap-ms 100 --join-phase-ms 100
has joinburst && alternate joinburst100 --scenario join --joins "$JOINS" --join-gap-ms 0 --join-phase-ms 0
if has findmax; then
	RUN_TIMEOUT=3600
	step_args=()
	[ -n "$STEP_N" ] && step_args=(--step "$STEP_N")
	alternate findmax --scenario fanout --find-max --max "$MAX_N" "${step_args[@]}" \
		--delay-limit-ms "$DELAY_LIMIT" --duration "$DURATION"
fi
if has halfload; then
	# The delay target holds at half the load each server held: fanout at N = max_ok / 2.
	RUN_TIMEOUT=$((WARMUP + DURATION + 300))
	for s in lumen janus; do
		f="$RESULTS/findmax-$s-r1.json"
		# Without a find-max result there is no half load to run at: say so rather than guess.
		n=$(/usr/bin/python3 -c 'import json,sys; print(max(1, json.load(open(sys.argv[1]))["find_max"]["max_ok"] // 2))' "$f" 2>/dev/null) ||
			die "halfload: no find-max result for $s in $RESULTS (run findmax too, or keep a report in --out that holds one to carry over)"
		run "$s" halfload 1 --scenario fanout --subscribers "$n" --duration "$DURATION"
	done
fi

# What --report-only needs to describe this run again.
LUMEN_VERSION=${LUMEN_VERSION:-$(git -C "$top_srcdir" describe --always --dirty 2>/dev/null || echo unknown)}
JANUS_VERSION=$( (janus --version 2>/dev/null || true) | sed -n 's/^Janus version: *//p' | head -1)
for v in LUMEN_VERSION JANUS_VERSION DURATION WARMUP ROUNDS QUIET_ROUNDS MAX_ROUNDS MAX_N JOINS \
	SCENARIOS DELAY_LIMIT BENCH_SPLIT; do
	printf '%s=%q\n' "$v" "${!v}"
done >"$RESULTS/run.env"
fi # REPORT_ONLY

# --- the report ---------------------------------------------------------------------------------
log "writing $OUT"
MACHINE_MODEL=$(lscpu | sed -n 's/^Model name: *//p' | head -1 || true)
MACHINE_CORES=$(nproc --all)
MACHINE_KERNEL=$(uname -r)
export MACHINE_MODEL MACHINE_CORES MACHINE_KERNEL LUMEN_VERSION JANUS_VERSION DURATION WARMUP \
	ROUNDS QUIET_ROUNDS MAX_ROUNDS top_srcdir MAX_N JOINS SCENARIOS DELAY_LIMIT BENCH_SPLIT
/usr/bin/python3 - "$RESULTS" "$OUT" <<'PY'
# The report: medians over rounds per metric, ratios lumen/janus, the targets of issue #7, the
# floor, and every raw JSON. The profile section of an existing report (written by profile.sh
# between the markers) is kept.
import datetime, glob, json, math, os, re, statistics, sys

results, out = sys.argv[1], sys.argv[2]
env = os.environ
sys.path.insert(0, os.path.join(env.get("top_srcdir", "."), "tools", "bench"))
import quiet
# a failed run (lumen-bench exit 1) is listed further down, not counted
runs = quiet.load_all(results)
floor = json.load(open(os.path.join(results, "floor.json")))

def get(d, dotted):
    for k in dotted.split("."):
        if not isinstance(d, dict) or d.get(k) is None:
            return None
        d = d[k]
    return d

def metric(name, server, dotted):
    vals = [get(r, dotted) for r in runs.get((name, server), [])]
    vals = [v for v in vals if isinstance(v, (int, float))]
    return statistics.median(vals) if vals else None

def fmt(v, nd=1):
    if v is None:
        return "n/a"
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) >= 100):
        return str(int(v))
    return f"{v:.{nd}f}"

def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None

def profile_of(name, server):
    p = [r.get("srtp_profile") for r in runs.get((name, server), []) if r.get("srtp_profile")]
    return p[0] if p else "n/a"

def floor_ns(kind, nbytes, method):
    if kind == "protect":
        for e in floor["srtp_protect"]:
            if e["bytes"] == nbytes and e["profile"] == method:
                return e["cpu_ns_median"]
    for e in floor["udp_send"]:
        if e["bytes"] == nbytes and e["method"] == method:
            return e["cpu_ns_median"]
    return None

def floor_profile(neg):
    return "SRTP_AEAD_AES_128_GCM" if "GCM" in (neg or "").upper() else "SRTP_AES128_CM_SHA1_80"

# Packet mix of the fanout stream (lumen-bench's defaults): 1.5 Mbit/s VP8 at 30 fps in
# <= 1200-byte packets, plus 50 pps Opus of ~100 bytes.
video_pps = 30 * math.ceil(1500000 / 8 / 30 / 1188)
video_share = video_pps / (video_pps + 50)

def floor_us(neg, share_1200, method):
    prof = floor_profile(neg)
    f = 0.0
    for nbytes, share in ((1200, share_1200), (100, 1 - share_1200)):
        p, s = floor_ns("protect", nbytes, prof), floor_ns("send", nbytes, method)
        if p is None or s is None:
            return None
        f += share * (p + s)
    return f / 1000

L = []
w = L.append
w("# Performance: lumen against Janus")
w("")
w(f"Generated by `tools/bench/compare-janus.sh` ({datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}); "
  "the tables and the raw JSON below are rewritten by every run. The profile section is written by "
  "`tools/bench/profile.sh`. Targets are those of issue #7.")
w("")
w("## Machine and versions")
w("")
w(f"- CPU: {env.get('MACHINE_MODEL')}, {env.get('MACHINE_CORES')} cores; kernel {env.get('MACHINE_KERNEL')}")
w(f"- lumen: `{env.get('LUMEN_VERSION')}` (rooms plugin only); Janus: {env.get('JANUS_VERSION')} "
  "(Debian package; VideoRoom plugin and HTTP transport only)")
if env.get("BENCH_SPLIT") == "1":
    w("- Each server runs alone, pinned to CPU 0 (`taskset -c 0`), freshly started for each run; the load "
      "(`lumen-bench`) runs on CPU 1. Two network namespaces joined by a veth pair, as two machines on "
      "one link: servers' ICE and HTTP on 192.0.2.1 (lumen `media.ice_enforce`, Janus "
      "`nat.ice_enforce_list`), the load's on 192.0.2.2. Each side's receive processing runs on its "
      "own CPU (RPS on its veth end), so a server's CPU holds its own receive path and not the "
      "load's; lumen-floor runs in the servers' namespace, whose loopback's receive processing is "
      "on CPU 1, so its sends exclude their receiver too (`--split-ns`; tools/bench/bench-lib.sh, "
      "`bench_net_up`).")
else:
    w("- Each server runs alone, pinned to CPU 0 (`taskset -c 0`), freshly started for each run; the load "
      "(`lumen-bench`) runs on CPU 1. Both inside one network namespace: servers' ICE on "
      "192.0.2.1 (lumen `media.ice_enforce`, Janus `nat.ice_enforce_list`), the load's on 192.0.2.2, "
      "signalling over HTTP on the namespace's loopback. Traffic between the addresses is routed over "
      "that loopback, so each sender's CPU also runs its receiver's kernel path.")
w(f"- Runs: {env.get('ROUNDS')} round(s) per scenario (fanout: more until each server had "
  f"{env.get('QUIET_ROUNDS')} quiet rounds, at most {env.get('MAX_ROUNDS')}), lumen and Janus alternating (order flipped each "
  f"round); duration {env.get('DURATION')} s after a {env.get('WARMUP')} s warm-up; medians over rounds.")
carried = {}
for path in glob.glob(os.path.join(results, "*-r*.carried")) + glob.glob(os.path.join(results, "floor.carried")):
    n = os.path.basename(path)[:-len(".carried")]
    n = "lumen-floor's figures" if n == "floor" else n
    carried.setdefault(open(path).read().strip(), []).append(n)
delay_limit = env.get("DELAY_LIMIT")
fm = [r for k, v in runs.items() if k[0] == "findmax" for r in v]
if fm and get(fm[0], "find_max.delay_limit_ms") is not None:
    delay_limit = fmt(get(fm[0], "find_max.delay_limit_ms"), 0)
elif any(n.startswith("findmax-") for v in carried.values() for n in v):
    # Older results do not carry their limit: the carried commands say it.
    m = re.search(r"--find-max.*?--delay-limit-ms (\S+)", open(os.path.join(results, "commands.carried")).read()
                  if os.path.exists(os.path.join(results, "commands.carried")) else "")
    delay_limit = m.group(1) if m else "50"
if carried:
    w(f"- Scenarios measured by this run: {env.get('SCENARIOS')}, with lumen `{env.get('LUMEN_VERSION')}`. "
      "Carried over from earlier reports (their raw JSON below; lumen version and settings as those reports "
      "said): " + "; ".join(f"{', '.join(sorted(v))} (report of {k})" for k, v in sorted(carried.items())) + ".")
w("")
w("## Commands")
w("")
w("```")
w("make bench            # = tools/bench/compare-janus.sh, from the build tree")
for path in sorted(glob.glob(os.path.join(results, "*-lumen-r1.cmd"))):
    w(open(path).read().strip() + " --url URL --server-pid PID --ice-ip 192.0.2.2 --json FILE")
w("```")
if carried and os.path.exists(os.path.join(results, "commands.carried")):
    w("")
    w("Commands of the earlier report the carried-over results come from:")
    w("")
    w("```")
    w(open(os.path.join(results, "commands.carried")).read().strip())
    w("```")
w("")

fan_all_l, fan_all_j = [metric("fanout20", s, "server.cpu_us_per_forwarded_packet") for s in ("lumen", "janus")]

# Quiet rounds (tools/bench/quiet.py, docs/bench.md): the CPU verdict uses the median over the
# rounds the host left alone when each server has MIN_QUIET of them; the median over every round
# stays in the table.
MIN_QUIET = 3

def quiet_base(name):
    return quiet.baselines([d for s in ("lumen", "janus") for d in runs.get((name, s), [])])

def quiet_runs(name, server):
    base = quiet_base(name)
    return [d for d in runs.get((name, server), []) if quiet.is_quiet(d, base)]

def quiet_metric(name, server, dotted):
    vals = [get(d, dotted) for d in quiet_runs(name, server)]
    vals = [v for v in vals if isinstance(v, (int, float))]
    return statistics.median(vals) if vals else None

q_l, q_j = [len(quiet_runs("fanout20", s)) for s in ("lumen", "janus")]
use_quiet = q_l >= MIN_QUIET and q_j >= MIN_QUIET
if use_quiet:
    fan_l, fan_j = [quiet_metric("fanout20", s, "server.cpu_us_per_forwarded_packet") for s in ("lumen", "janus")]
else:
    fan_l, fan_j = fan_all_l, fan_all_j
max_l, max_j = [metric("findmax", s, "find_max.max_ok") for s in ("lumen", "janus")]
join_l, join_j = [metric("join100", s, "join_ms.p50") for s in ("lumen", "janus")]
join99_l, join99_j = [metric("join100", s, "join_ms.p99") for s in ("lumen", "janus")]
burst_l, burst_j = [metric("joinburst100", s, "join_ms.p50") for s in ("lumen", "janus")]
burst99_l, burst99_j = [metric("joinburst100", s, "join_ms.p99") for s in ("lumen", "janus")]


def join_spacing(name):
    """How the joins of a join scenario were spaced, from its runs' JSON (lumen-bench's
    --join-gap-ms and --join-phase-ms; runs before those options were back to back)."""
    gaps = {(get(d, "join_ms.gap_ms") or 0, get(d, "join_ms.phase_ms") or 0)
            for s in ("lumen", "janus") for d in runs.get((name, s), [])}
    if len(gaps) != 1:
        return "spacing differs between runs" if gaps else None
    gap, phase = gaps.pop()
    if not gap and not phase:
        return "joins back to back, each right after the one before"
    return (f"joins {gap:g} ms apart plus a random 0-{phase:g} ms, each at a random point of the "
            f"publisher's audio and video periods" if phase else f"joins {gap:g} ms apart")
half_l = metric("halfload", "lumen", "delay_ms.p99")
half_j = metric("halfload", "janus", "delay_ms.p99")
half_own = metric("halfload", "lumen", "server_delay.p99_le_ms")
half_own_n = metric("halfload", "lumen", "server_delay.samples")
# One received packet's fan-out at half load: its copies leave one after another on the one
# core, so the last leaves about N x (CPU per copy) after the packet came. At half of a max that
# the server's CPU sets, that is half the spacing of the received packets whatever a copy costs
# (a cheaper copy raises the max, and half of it, by as much): the least p99 the delay above
# can have on one core, for either server.
def fanout_ms(server):
    n = metric("halfload", server, "subscribers")
    c = metric("halfload", server, "server.cpu_us_per_forwarded_packet")
    return None if n is None or c is None else n * c / 1000
half_fan_l, half_fan_j = fanout_ms("lumen"), fanout_ms("janus")
rss_l, rss_j = [metric("fanout20", s, "server.rss_per_subscriber_kb") for s in ("lumen", "janus")]
neg = profile_of("fanout20", "lumen")
fl_send = floor_us(neg, video_share, "send")
fl_mmsg = floor_us(neg, video_share, "sendmmsg")
# lumen's own send: one io_uring submission of a packet to each subscriber's socket (txbatch).
# Absent from a floor.json written before lumen-floor measured it: the row then says n/a.
fl_fan = floor_us(neg, video_share, "txbatch")
fan_width = next((e["batch"] for e in floor["udp_send"] if e["method"] == "txbatch"), None)
# The rig (floor_rig.h): the same fan-out to sockets a thread on the load's CPU waits on, and one
# receive wake-up, which every server pays per received packet: at N = 20 a forwarded packet
# carries 1/20 of it. Their sum is the least CPU per forwarded packet any server can have here.
fl_rig = floor_us(neg, video_share, "txbatch_waited")
wake_us = floor["rx_wakeup"]["cpu_ns_median"] / 1000 if floor.get("rx_wakeup") else None
fan_n = int(metric("fanout20", "lumen", "subscribers") or 20)
bound20 = None if fl_rig is None or wake_us is None else wake_us / fan_n + fl_rig

# The floor timed beside the server: each round's canary unit (an AES-128-GCM protect and a
# sendto() of a 1200-byte packet on the server's CPU, during the round: canary.h) is the issue's
# floor measured under the same host load as the server's packets, where lumen-floor's figures
# come from a hot loop before the rounds. The median of the rounds' ratios.
def canary_ratio(server):
    rs = []
    for d in runs.get(("fanout20", server), []):
        c, u = get(d, "server.cpu_us_per_forwarded_packet"), get(d, "canary.ns_per_unit")
        if isinstance(c, (int, float)) and isinstance(u, (int, float)) and u > 0:
            rs.append(c * 1000 / u)
    return (statistics.median(rs), len(rs)) if rs else (None, 0)
can_l, can_nl = canary_ratio("lumen")
can_j, can_nj = canary_ratio("janus")

def verdict(ok):
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")

w("## Against the targets")
w("")
w("| metric | lumen | Janus | lumen/Janus | target | |")
w("|---|---|---|---|---|---|")
r = ratio(fan_l, fan_j)
n_l, n_j = [len(runs.get(("fanout20", s), [])) for s in ("lumen", "janus")]
if use_quiet:
    w(f"| CPU µs per forwarded packet, fanout N=20, quiet rounds ({q_l} of {n_l} lumen, {q_j} of {n_j} Janus rounds: the canary within {quiet.CANARY_MARGIN:.2f}× and lumen-bench's own CPU per packet within {quiet.BENCH_MARGIN:.2f}× their quietest; see below) | {fmt(fan_l, 2)} | {fmt(fan_j, 2)} | {fmt(r, 2)} | ≤ 0.25 | {verdict(None if r is None else r <= 0.25)} |")
    w(f"| CPU µs per forwarded packet, fanout N=20, every round | {fmt(fan_all_l, 2)} | {fmt(fan_all_j, 2)} | {fmt(ratio(fan_all_l, fan_all_j), 2)} | (reference) | |")
else:
    why = ("no round has a canary" if quiet_base("fanout20")[0] is None else
           f"too few quiet rounds: {q_l} lumen, {q_j} Janus, {MIN_QUIET} each needed")
    w(f"| CPU µs per forwarded packet, fanout N=20 (every round; {why}) | {fmt(fan_l, 2)} | {fmt(fan_j, 2)} | {fmt(r, 2)} | ≤ 0.25 | {verdict(None if r is None else r <= 0.25)} |")
# The host's load reaches this VM as slower execution, not as steal time, and lands in whatever
# runs then; it only ever adds time. So each server's lowest round is also reported, as a
# reference beside the median the verdict uses (both servers have the same number of rounds).
low_l, low_j = [min((v for v in (get(d, "server.cpu_us_per_forwarded_packet")
                                 for d in runs.get(("fanout20", s), []))
                     if isinstance(v, (int, float))), default=None) for s in ("lumen", "janus")]
if low_l is not None and low_j is not None and n_l > 1:
    w(f"| CPU µs per forwarded packet, fanout N=20, each server's lowest round ({n_l} lumen, {n_j} Janus rounds; the host's load only adds time) | {fmt(low_l, 2)} | {fmt(low_j, 2)} | {fmt(ratio(low_l, low_j), 2)} | (reference) | |")
# A search that never failed a step stopped at its upper bound (--max), not at the server's
# limit: the result is a lower bound, shown as such with what the last step cost both sides
# (past some N the load's own CPU, not the server's, would end the search).
# A step N holds when one of its tries held (lumen-bench tries a failed step again).
def findmax_capped(server):
    steps = [st for d in runs.get(("findmax", server), []) for st in (get(d, "find_max.steps") or [])]
    held = {}
    for st in steps:
        n = st.get("subscribers", 0)
        held[n] = held.get(n, False) or bool(st.get("ok"))
    if not held or not all(held.values()):
        return None
    top = max(held)
    return next(st for st in reversed(steps) if st.get("subscribers") == top and st.get("ok"))

def findmax_cell(server, v):
    last = findmax_capped(server)
    return fmt(v) if last is None or v is None else f"≥ {fmt(v)}"

cap_notes = []
for s, name in (("lumen", "lumen"), ("janus", "Janus")):
    last = findmax_capped(s)
    if last is not None:
        cap_notes.append(f"{name} failed no step up to the search's bound (`--max`): at "
                         f"{last.get('subscribers')} it used {fmt(last.get('cpu_pct'), 0)} % of its core "
                         f"and lumen-bench {fmt(last.get('bench_cpu_pct'), 0)} % of its own")
cap_note = ("; " + "; ".join(cap_notes)) if cap_notes else ""
r = ratio(max_l, max_j)
if findmax_capped("janus") is not None:
    r, r_cell = None, "n/a (Janus's search reached its bound: run with a larger --max)"
elif findmax_capped("lumen") is not None:
    r_cell = f"≥ {fmt(r, 2)}"  # lumen's figure is a lower bound, and so is the ratio
else:
    r_cell = fmt(r, 2)
w(f"| find-max subscribers on one core (loss < 1 %, p99 < {delay_limit} ms{cap_note}) | {findmax_cell('lumen', max_l)} | {findmax_cell('janus', max_j)} | {r_cell} | ≥ 4 | {verdict(None if r is None else r >= 4)} |")
r = ratio(join_l, join_j)
spacing = join_spacing("join100")
w(f"| join time p50, ms (a subscriber's create → its first decrypted packet{'; ' + spacing if spacing else ''}) | {fmt(join_l)} | {fmt(join_j)} | {fmt(r, 2)} | ≤ 0.5 | {verdict(None if r is None else r <= 0.5)} |")
w(f"| join time p99, ms | {fmt(join99_l)} | {fmt(join99_j)} | {fmt(ratio(join99_l, join99_j), 2)} | (reference) | |")
if burst_l is not None or burst_j is not None:
    spacing = join_spacing("joinburst100")
    w(f"| join time p50, ms, a burst ({spacing}: a joiner's keyframe request can fall in the server's rate limit of the one before's) | {fmt(burst_l)} | {fmt(burst_j)} | {fmt(ratio(burst_l, burst_j), 2)} | (reference) | |")
    w(f"| join time p99, ms, the burst | {fmt(burst99_l)} | {fmt(burst99_j)} | {fmt(ratio(burst99_l, burst99_j), 2)} | (reference) | |")
w(f"| delay added by the server at half the max load, p99, ms (lumen's own histogram over the window, `lumen_forward_delay_seconds`: the bucket bound it is under; {fmt(half_own_n, 0)} samples) | ≤ {fmt(half_own, 2)} | | | < 1 ms | {verdict(None if half_own is None else half_own < 1)} |")
w(f"| delay p99 at half the max load, ms (lumen-bench's whole path: publisher's send to the subscriber's socket) | {fmt(half_l, 2)} | {fmt(half_j, 2)} | {fmt(ratio(half_l, half_j), 2)} | (reference) | |")
fan_own = metric("fanout20", "lumen", "server_delay.p99_le_ms")
if fan_own is not None:
    fan_whole_l, fan_whole_j = [metric("fanout20", s, "delay_ms.p99") for s in ("lumen", "janus")]
    w(f"| delay at fanout N=20, p99, ms (lumen: its own histogram's bucket bound, median over rounds; in brackets, and for Janus, lumen-bench's whole path) | ≤ {fmt(fan_own, 2)} ({fmt(fan_whole_l, 2)}) | ({fmt(fan_whole_j, 2)}) | | (reference) | |")
w(f"| one received packet's fan-out at half the max load, ms (subscribers × CPU µs per forwarded packet: on one core its last copy leaves this long after the packet came, whatever a copy costs, see the notes; the delay's p99 cannot be lower) | {fmt(half_fan_l, 2)} | {fmt(half_fan_j, 2)} | {fmt(ratio(half_fan_l, half_fan_j), 2)} | (bound) | |")
r = ratio(rss_l, rss_j)
w(f"| RSS per subscriber, KiB (fanout N=20) | {fmt(rss_l)} | {fmt(rss_j)} | {fmt(r, 2)} | ≤ 1 | {verdict(None if r is None else r <= 1)} |")
r = ratio(fan_l, fl_send)
qtag = " (quiet rounds)" if use_quiet else ""
w(f"| lumen CPU per packet{qtag} / floor (protect {floor_profile(neg)} + send()) | {fmt(fan_l, 2)} | | floor {fmt(fl_send, 2)} µs: {fmt(r, 2)}× | ≤ 2× | {verdict(None if r is None else r <= 2)} |")
r = ratio(fan_l, fl_mmsg)
w(f"| lumen CPU per packet{qtag} / floor with sendmmsg | {fmt(fan_l, 2)} | | floor {fmt(fl_mmsg, 2)} µs: {fmt(r, 2)}× | (reference) | |")
r = ratio(fan_l, fl_fan)
w(f"| lumen CPU per packet{qtag} / floor of its own send (protect + io_uring fan-out of {fmt(fan_width)} sockets) | {fmt(fan_l, 2)} | | floor {fmt(fl_fan, 2)} µs: {fmt(r, 2)}× | (reference) | |")
w(f"| lumen CPU per packet{qtag} / the rig's floor (protect + its fan-out to {fmt(fan_width)} sockets that a thread on the load's CPU sleeps on, as lumen-bench's subscribers: the kernel wakes it from the sender's CPU) | {fmt(fan_l, 2)} | | floor {fmt(fl_rig, 2)} µs: {fmt(ratio(fan_l, fl_rig), 2)}× | (reference) | |")
w(f"| the least CPU per forwarded packet any server can have in this rig at N={fmt(fan_n)}: one receive wake-up ({fmt(wake_us, 1)} µs: poll, epoll_wait, recvmmsg) / {fmt(fan_n)} + the rig's floor | {fmt(bound20, 2)} | | {fmt(ratio(bound20, fl_send), 2)}× the send() floor, {fmt(ratio(bound20, fan_j), 2)} of Janus's figure; lumen {fmt(ratio(fan_l, bound20), 2)}× this | (bound) | |")
if can_l is not None:
    w(f"| CPU per packet / the floor timed beside it: each fanout round's canary unit (AES-128-GCM protect + sendto() of 1200 bytes on the server's CPU during the round), median of {can_nl} lumen and {can_nj} Janus rounds' ratios | {fmt(can_l, 2)}× | {fmt(can_j, 2)}× | {fmt(ratio(can_l, can_j), 2)} | (reference) | |")
w("")
w(f"Negotiated SRTP profile (as lumen-bench reports it): lumen `{neg}`, Janus `{profile_of('fanout20', 'janus')}`. "
  "lumen-bench offers what Chromium does (the server's DTLS stack picks).")
w("")

# Every fanout round with its canary: which rounds the host slowed, and what that did to both
# servers and to lumen-bench itself (the same client code every round).
base = quiet_base("fanout20")
if base[0] is not None and base[1] is not None:
    w("## Fanout rounds and the canary")
    w("")
    w(f"Each fanout N=20 round: the canary's thread-CPU ns per unit on the server's CPU over the window "
      f"(an SRTP protect and a send of a 1200-byte packet, 8 every 10 ms; `tools/bench/canary.h`) and "
      f"lumen-bench's own CPU per received packet on the load's CPU, each as a multiple of its quietest "
      f"round's ({base[0]:.0f} ns, {base[1]:.2f} µs), beside the server's CPU per packet. A round is quiet "
      f"when the canary is within {quiet.CANARY_MARGIN:.2f}× and lumen-bench within {quiet.BENCH_MARGIN:.2f}× "
      "(docs/bench.md, \"Quiet rounds\").")
    w("")
    w("| round | server | canary ns/unit | × quietest | lumen-bench CPU µs/rx pkt | × quietest | quiet | server CPU µs/pkt | canary ns/wake-up, ns/exchange (not judged on) |")
    w("|---|---|---|---|---|---|---|---|---|")
    rows = sorted(((d["_round"], s, d) for s in ("lumen", "janus") for d in runs.get(("fanout20", s), [])),
                  key=lambda t: (t[0], t[1]))
    for rnd, s, d in rows:
        c, b = quiet.canary(d), quiet.bench_cost(d)
        w(f"| {rnd} | {s} | {fmt(c, 0)} | {fmt(ratio(c, base[0]), 2)} | {fmt(b, 2)} | {fmt(ratio(b, base[1]), 2)} | "
          f"{'yes' if quiet.is_quiet(d, base) else 'no'} | {fmt(get(d, 'server.cpu_us_per_forwarded_packet'), 2)} | "
          f"{fmt(get(d, 'canary.ns_per_wake'), 0)}, {fmt(get(d, 'canary.ns_per_exchange'), 0)} |")
    w("")

# Where a join's time goes: each step's p50 (ms from the subscriber's create), median over rounds.
steps = ["subscriber_created", "subscriber_attached", "subscriber_offer", "subscriber_started",
         "subscriber_ice_connected", "subscriber_pc_up", "subscriber_webrtcup", "first_packet",
         "first_audio", "first_video"]
join_cols = [(n, s) for n in ("join100", "joinburst100") for s in ("lumen", "janus")
             if metric(n, s, "join_ms.steps_p50.first_packet") is not None]
if join_cols:
    w("## Join steps")
    w("")
    w("Each step's p50 in ms from the subscriber's `create`, over the joins in which it happened "
      "(a join ends at its first video packet, so its first audio packet may not come; "
      "tools/bench/README.md, the join scenario). join: the verdict's runs; burst: the joins "
      "back to back.")
    w("")
    head = {"join100": "", "joinburst100": ", burst"}
    w("| step | " + " | ".join(("lumen" if s == "lumen" else "Janus") + head[n] for n, s in join_cols) + " |")
    w("|---|" + "---|" * len(join_cols))
    for st in steps:
        w(f"| {st} | " + " | ".join(fmt(metric(n, s, "join_ms.steps_p50." + st)) for n, s in join_cols) + " |")
    w("| joins whose first video packet starts a keyframe | " +
      " | ".join(fmt(metric(n, s, "join_ms.first_video_keyframe"), 0) for n, s in join_cols) + " |")
    w("")

w("## All scenarios")
w("")
cols = [("forwarded_pps", "fwd pkt/s", 0), ("loss_pct", "loss %", 2), ("delay_ms.p50", "delay p50 ms", 2),
        ("delay_ms.p99", "p99 ms", 2), ("delay_ms.max", "max ms", 1), ("server.cpu_pct", "CPU %", 1),
        ("server.cpu_us_per_forwarded_packet", "CPU µs/pkt", 2), ("server.rss_kb", "RSS KiB", 0),
        ("server.rss_per_subscriber_kb", "RSS/sub KiB", 1), ("join_ms.p50", "join p50 ms", 1),
        ("join_ms.p99", "join p99 ms", 1), ("find_max.max_ok", "max N", 0)]
names = []
for (n, _s) in runs:
    if n not in names:
        names.append(n)
w("| scenario | server | subs | SRTP | " + " | ".join(c[1] for c in cols) + " |")
w("|---" * (4 + len(cols)) + "|")
for n in names:
    for s in ("lumen", "janus", "ratio"):
        if s == "ratio":
            cells = [fmt(ratio(metric(n, "lumen", c[0]), metric(n, "janus", c[0])), 2) for c in cols]
            w(f"| {n} | lumen/janus | | | " + " | ".join(cells) + " |")
            continue
        subs = metric(n, s, "subscribers")
        cells = [fmt(metric(n, s, c[0]), c[2]) for c in cols]
        w(f"| {n} | {s} | {fmt(subs, 0)} | {profile_of(n, s)} | " + " | ".join(cells) + " |")
def failed_run(log):
    try:
        return json.load(open(log[:-len(".bench.log")] + ".json")).get("ok") is False
    except (ValueError, OSError):
        return True
failed = [os.path.basename(p)[:-len(".bench.log")] for p in sorted(glob.glob(os.path.join(results, "*.bench.log")))
          if failed_run(p)]
if failed:
    w("")
    w("Runs without a result (lumen-bench failed; the error is in its JSON below and its log in the "
      "results directory): " + ", ".join(failed) + ".")
w("")

w("## The floor (lumen-floor)")
w("")
w(f"`lumen-floor` on CPU 0, ns per packet, median of {floor['runs']} runs × {floor['packets_per_run']} packets "
  "(packet sizes include the RTP header, not the tag; UDP on loopback"
  + ("; the receiving side on CPU 1, so a burst may still be in flight when the next is sent" if env.get("BENCH_SPLIT") == "1" else ", each burst delivered")
  + "). The floor "
  "below uses the thread-CPU median, as the server's figure is CPU time too (wall time on this shared "
  "machine includes preemption):")
w("")
w("| operation | variant | bytes | CPU median ns | wall median ns | wall min | wall max |")
w("|---|---|---|---|---|---|---|")
for e in floor["srtp_protect"]:
    w(f"| srtp_protect | {e['profile']} | {e['bytes']} | {e['cpu_ns_median']:.0f} | {e['ns_median']:.0f} | {e['ns_min']:.0f} | {e['ns_max']:.0f} |")
for e in floor["udp_send"]:
    v = e["method"] + (f" (per packet, batches of {e['batch']})" if e["method"] == "sendmmsg" else "")
    if e["method"].startswith("txbatch"):
        v = (f"lumen's fan-out (txbatch: one packet to each of {e['batch']} sockets per submission"
             + ("" if e.get("io_uring") else "; io_uring unavailable, sendto()")
             + ("; a thread on the load's CPU sleeps on them and reads each" if e["method"] == "txbatch_waited" else "") + ")")
    w(f"| udp send | {v} | {e['bytes']} | {e['cpu_ns_median']:.0f} | {e['ns_median']:.0f} | {e['ns_min']:.0f} | {e['ns_max']:.0f} |")
if floor.get("rx_wakeup"):
    e = floor["rx_wakeup"]
    w(f"| receive wake-up | asleep in poll(), woken by a datagram from the load's CPU every {e['gap_us'] / 1000:g} ms, then epoll_wait and recvmmsg (wall: send to read) | {e['bytes']} | {e['cpu_ns_median']:.0f} | {e['ns_median']:.0f} | {e['ns_min']:.0f} | {e['ns_max']:.0f} |")
w("")
w(f"Floor of one forwarded packet for lumen's negotiated profile ({floor_profile(neg)}), weighted by the fanout "
  f"mix ({video_pps} video packets of ~1200 bytes and 50 audio packets of ~100 bytes per second): "
  f"{fmt(fl_send, 2)} µs with one send() per packet, {fmt(fl_mmsg, 2)} µs with sendmmsg, {fmt(fl_fan, 2)} µs "
  "with lumen's own io_uring fan-out (sendmmsg needs one socket for the batch; a fan-out has one per "
  f"subscriber). lumen measured {fmt(fan_l, 2)} µs: {fmt(ratio(fan_l, fl_send), 2)}× the send() floor, "
  f"{fmt(ratio(fan_l, fl_mmsg), 2)}× the sendmmsg floor, {fmt(ratio(fan_l, fl_fan), 2)}× its own send's floor. "
  "(The floor leaves out the publisher-side unprotect, 1/N of it per forwarded packet, the receive of the "
  "publisher's packet and the wake-up it brings; its sends are timed in a loop, with warm caches.) "
  f"In the rig, where lumen-bench's threads wait for every datagram: {fmt(fl_rig, 2)} µs per copy, and "
  f"with a receive wake-up shared by {fmt(fan_n)} copies {fmt(bound20, 2)} µs, the least any server "
  f"can spend per forwarded packet here ({fmt(ratio(bound20, fl_send), 2)}× the send() floor; lumen "
  f"{fmt(ratio(fan_l, bound20), 2)}× it).")
w("")

# Sections of an existing report written by hand or by other scripts are kept: the notes, the
# recording cost (record-cost.sh) and the profile (profile.sh).
kept = {"notes": "", "recording": "",
        "profile": "<!-- profile -->\n## Profile\n\nNot yet recorded: run `tools/bench/profile.sh`.\n<!-- /profile -->"}
if os.path.exists(out):
    old = open(out).read()
    for k in kept:
        m = re.search(r"<!-- %s -->.*?<!-- /%s -->" % (k, k), old, re.S)
        if m:
            kept[k] = m.group(0)
for k in ("notes", "recording"):
    if kept[k]:
        w(kept[k])
        w("")
w(kept["profile"])
w("")
w("## Raw JSON")
w("")
for path in [os.path.join(results, "floor.json")] + sorted(glob.glob(os.path.join(results, "*-r*.json"))):
    w(f"<details><summary>{os.path.basename(path)}</summary>")
    w("")
    w("```json")
    try:
        w(json.dumps(json.load(open(path)), indent=1))
    except (ValueError, OSError) as e:
        w(f"unreadable: {e}")
    w("```")
    w("")
    w("</details>")
    w("")
open(out, "w").write("\n".join(L))
PY
log "done: $OUT (raw JSON and logs in $RESULTS)"
