#!/bin/bash
# record-cost.sh -- what recording a room costs lumen (issue #6: at most 5 % more server CPU).
#
# lumen with the rooms and the recorder plugins loaded in BOTH arms (the recorder writing into a
# scratch folder), pinned to CPU 0 in a network namespace; lumen-bench fanout (1 publisher of
# 1.5 Mbit/s VP8 + Opus, N subscribers) on CPU 1, once with --record (the room is created with
# "record": true, so the recorder records every track) and once without, alternating, the order
# flipped every round, a fresh server for each run. After a recorded run the recording is checked
# (manifest state "finished", a track per stream, every pcap non-empty, at least as many packets
# as the publisher sent in the window, nothing dropped): a run whose recording is missing counts
# as failed, since its CPU figure would mean nothing. With --janus the same against Janus
# (VideoRoom "record": true, "rec_dir") as a comparison.
#
# Writes the "Recording cost" section of docs/performance.md (between <!-- recording --> and
# <!-- /recording -->; compare-janus.sh keeps it). Needs root (namespace). From a build tree:
#   top_srcdir=/work/main top_builddir=/tmp/build tools/bench/record-cost.sh [OPTIONS]
set -euo pipefail

usage() {
	cat <<EOF
Usage: record-cost.sh [OPTION...]
Measure lumen's server CPU with and without recording the room (fanout, lumen-bench --record),
alternating, and write the "Recording cost" section of docs/performance.md.

  --rounds R        rounds; each runs both arms, order flipped each round (default 3)
  --subscribers N   fanout subscribers (default 20)
  --duration S      measured seconds per run (default 10)
  --warmup S        warm-up seconds per run (default 2)
  --bitrate BPS     the publisher's video bitrate (default 1500000)
  --set KEY=VALUE   a lumen setting for both arms (repeatable), e.g. --set recorder.queue_entries=256
  --janus           also Janus (VideoRoom record + rec_dir) with and without, as a comparison
  --no-install      with --janus: fail rather than apt-get install janus
  --out FILE        report to update (default: \$top_srcdir/docs/performance.md)
  --no-report       measure and print, leave the report alone
  --report-only     measure nothing: the section again from the results directory
  --results DIR     raw JSON, logs, recording checks (default: \$top_builddir/bench-results/record-cost)
  --help            this text

Environment: top_srcdir, top_builddir, LUMEN, LUMEN_BENCH (default: the build tree's);
LUMEN_VERSION (default: git describe of top_srcdir).
Exit status: 0 when every run measured and every recording checked out, 1 otherwise, 2 on bad
usage.
EOF
}

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
LUMEN=${LUMEN:-$top_builddir/src/lumen}
LUMEN_BENCH=${LUMEN_BENCH:-$top_builddir/tools/bench/lumen-bench}
NETNS="$top_srcdir/tests/e2e/netns.sh"
OUT="$top_srcdir/docs/performance.md"
RESULTS="$top_builddir/bench-results/record-cost"
ROUNDS=3 SUBS=20 DURATION=10 WARMUP=2 BITRATE=1500000 JANUS=0 INSTALL=1 REPORT=1 REPORT_ONLY=0
SERVER_IP=192.0.2.1 LOAD_IP=192.0.2.2
LUMEN_SETS=()
LUMEN_PORT=18088 LUMEN_ADMIN_PORT=17088 JANUS_PORT=18188
SERVER_CPU=0 LOAD_CPU=1

while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) ROUNDS=$2; shift ;;
	--subscribers) SUBS=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--warmup) WARMUP=$2; shift ;;
	--bitrate) BITRATE=$2; shift ;;
	--set) LUMEN_SETS+=(--set "$2"); shift ;;
	--janus) JANUS=1 ;;
	--no-install) INSTALL=0 ;;
	--out) OUT=$2; shift ;;
	--no-report) REPORT=0 ;;
	--report-only) REPORT_ONLY=1 ;;
	--results) RESULTS=$2; shift ;;
	--help | -h) usage; exit 0 ;;
	*) echo "record-cost.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

die() { echo "record-cost.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }
if [ "$REPORT_ONLY" -eq 1 ]; then
	[ -e "$RESULTS/settings.env" ] || die "no measurements in $RESULTS (settings.env missing)"
	. "$RESULTS/settings.env"
	failed=0
else
[ "$(id -u)" -eq 0 ] || die "needs root (network namespace)"
for p in "$LUMEN" "$LUMEN_BENCH"; do [ -x "$p" ] || die "$p not built (make all in the build tree)"; done
[ "$(nproc --all)" -ge 2 ] || die "needs 2 CPUs (server on CPU $SERVER_CPU, load on CPU $LOAD_CPU)"
[ "$ROUNDS" -ge 1 ] || die "--rounds must be at least 1"

. "$top_srcdir/tools/bench/bench-lib.sh"
[ "$JANUS" -eq 0 ] || bench_need_janus "$INSTALL"

NS="lumen-reccost-$$"
WORKDIR=$(mktemp -d /tmp/lumen-reccost.XXXXXX)
server_pid="" bench_pid=""
bench_traps

mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
rm -f "$RESULTS"/*.json "$RESULTS"/*.log "$RESULTS"/*.load
# What --report-only needs to write the section again.
printf 'ROUNDS=%q SUBS=%q DURATION=%q WARMUP=%q BITRATE=%q MEASURED=%q LUMEN_SETTINGS=%q\n' \
	"$ROUNDS" "$SUBS" "$DURATION" "$WARMUP" "$BITRATE" "$(date '+%Y-%m-%d %H:%M')" \
	"${LUMEN_SETS[*]}" >"$RESULTS/settings.env"
"$NETNS" up "$NS"
bench_lumen_conf rooms recorder # both arms: the recorder is loaded, only --record differs
[ "$JANUS" -eq 0 ] || bench_janus_conf

# check_recording SERVER ARM DIR BENCH-JSON: what the run left in DIR, as JSON on stdout, "ok"
# false when a recorded run has no complete recording or a plain run has one.
check_recording() {
	/usr/bin/python3 - "$@" <<'PY'
import glob, json, os, sys

server, arm, d, bench_json = sys.argv[1:5]
try:
    sent = json.load(open(bench_json)).get("sent_packets") or 0
except (ValueError, OSError):
    sent = 0
res = {"server": server, "arm": arm, "ok": True, "why": None, "files": []}

def fail(why):
    res["ok"] = False
    res["why"] = res["why"] or why

if server == "janus":
    files = sorted(glob.glob(os.path.join(d, "*.mjr")))
    res["files"] = [{"file": os.path.basename(f), "bytes": os.path.getsize(f)} for f in files]
    res["bytes"] = sum(f["bytes"] for f in res["files"])
    if arm == "record" and (len(files) < 2 or any(f["bytes"] == 0 for f in res["files"])):
        fail(f"{len(files)} .mjr files (expected audio and video, each non-empty)")
else:
    recs = [os.path.dirname(m) for m in glob.glob(os.path.join(d, "*", "manifest.json"))]
    res["recordings"] = len(recs)
    if arm == "plain":
        if recs:
            fail(f"{len(recs)} recording(s) in a run without --record")
    elif len(recs) != 1:
        fail(f"{len(recs)} recordings (expected 1)")
    else:
        m = json.load(open(os.path.join(recs[0], "manifest.json")))
        res["state"] = m.get("state")
        res["dropped"] = m.get("dropped")
        tracks = m.get("tracks") or []
        for t in tracks:
            path = os.path.join(recs[0], t.get("file", ""))
            size = os.path.getsize(path) if os.path.exists(path) else 0
            res["files"].append({"file": t.get("file"), "kind": t.get("kind"), "bytes": size,
                                 "packets": t.get("packets")})
        res["bytes"] = sum(f["bytes"] for f in res["files"])
        res["packets"] = sum(f["packets"] or 0 for f in res["files"])
        res["sent_in_window"] = sent
        if m.get("state") != "finished":
            fail(f"manifest state {m.get('state')!r} (expected 'finished')")
        if sorted(t.get("kind") for t in tracks) != ["audio", "video"]:
            fail(f"tracks {[t.get('kind') for t in tracks]} (expected audio and video)")
        if any(f["bytes"] == 0 for f in res["files"]):
            fail("an empty pcap")
        if res["packets"] < sent:
            fail(f"{res['packets']} packets recorded, fewer than the {sent} sent in the window")
        if any((m.get("dropped") or {}).values()):
            fail(f"dropped: {m.get('dropped')}")
print(json.dumps(res))
PY
}

# threads PID: each thread of PID since it started, as JSON: name, CPU ns (schedstat) and
# voluntary/involuntary context switches. The recorder's writer thread ("rec-writer") is the
# part of the recording cost that can be told apart from the rest; a wake-up per queued packet
# shows as its voluntary switches, and as the involuntary ones of the thread it preempts.
threads() {
	/usr/bin/python3 - "$1" <<'PY'
import json, os, sys

out = []
base = f"/proc/{sys.argv[1]}/task"
for tid in sorted(os.listdir(base)) if os.path.isdir(base) else []:
    try:
        comm = open(f"{base}/{tid}/comm").read().strip()
        ns = int(open(f"{base}/{tid}/schedstat").read().split()[0])
        st = dict(l.split(":", 1) for l in open(f"{base}/{tid}/status") if ":" in l)
        out.append({"name": comm, "cpu_ns": ns, "voluntary": int(st["voluntary_ctxt_switches"]),
                    "involuntary": int(st["nonvoluntary_ctxt_switches"])})
    except (OSError, ValueError, KeyError):
        continue
print(json.dumps(out))
PY
}

# run SERVER ARM ROUND: one fanout run against a fresh server; ARM record|plain.
failed=0
run() {
	local server=$1 arm=$2 round=$3 base recdir rec_args=()
	base="$RESULTS/$server-$arm-r$round"
	recdir="$WORKDIR/rec-$server-$arm-r$round"
	mkdir -p "$recdir"
	if [ "$arm" = record ]; then
		rec_args=(--record)
		[ "$server" = janus ] && rec_args+=(--rec-dir "$recdir")
	fi
	if [ "$server" = lumen ]; then
		bench_start_server lumen "$base.server.log" --set recorder.dir="$recdir" "${LUMEN_SETS[@]}"
	else
		bench_start_server janus "$base.server.log"
	fi
	log "r$round $server $arm (pid $server_pid): fanout N=$SUBS ${rec_args[*]}"
	cut -d' ' -f1-3 /proc/loadavg >"$base.load"
	set +e
	"$NETNS" exec "$NS" taskset -c "$LOAD_CPU" timeout --kill-after=10 $((WARMUP + DURATION + 120)) \
		"$LUMEN_BENCH" --url "$server_url" --server-pid "$server_pid" --ice-ip "$LOAD_IP" \
		--scenario fanout --subscribers "$SUBS" --duration "$DURATION" --warmup "$WARMUP" \
		--bitrate "$BITRATE" --label "$server-$arm" --json "$base.json" "${rec_args[@]}" \
		>"$base.bench.log" 2>&1 &
	bench_pid=$!
	wait "$bench_pid"
	local brc=$?
	bench_pid=""
	set -e
	cut -d' ' -f1-3 /proc/loadavg >>"$base.load"
	threads "$server_pid" >"$base.threads.json"
	bench_stop_server # SIGTERM: lumen finalises a recording still open
	check_recording "$server" "$arm" "$recdir" "$base.json" >"$base.rec.json"
	if [ "$brc" -ne 0 ]; then
		failed=1
		log "  lumen-bench exit $brc (see $base.bench.log)"
		tail -3 "$base.bench.log" | sed 's/^/   /' >&2
	fi
	if ! /usr/bin/python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["ok"] else 1)' "$base.rec.json"; then
		failed=1
		log "  recording check failed: $(cat "$base.rec.json")"
	fi
	/usr/bin/python3 - "$base.json" "$base.rec.json" "$base.load" <<'PY' >&2 || true
import json, sys
b, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
s = b.get("server") or {}
print(f"   {s.get('cpu_us_per_forwarded_packet', 0):.2f} us/pkt, CPU {s.get('cpu_pct', 0):.1f} %, "
      f"{b.get('forwarded_pps', 0):.0f} pkt/s, loss {b.get('loss_pct', 0):.2f} %, "
      f"recorded {r.get('bytes', 0)} bytes, load {open(sys.argv[3]).read().split()[0]}")
PY
	rm -rf "$recdir"
}

servers=(lumen)
[ "$JANUS" -eq 0 ] || servers+=(janus)
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) -eq 1 ]; then arms="plain record"; else arms="record plain"; fi
	for s in "${servers[@]}"; do
		for a in $arms; do run "$s" "$a" "$r"; done
	done
done
LUMEN_VERSION=${LUMEN_VERSION:-$(git -C "$top_srcdir" describe --always --dirty 2>/dev/null || echo unknown)}
echo "LUMEN_VERSION=$LUMEN_VERSION" >>"$RESULTS/settings.env"
fi # measuring

JANUS_VERSION=$( (janus --version 2>/dev/null || true) | sed -n 's/^Janus version: *//p' | head -1)
export LUMEN_VERSION JANUS_VERSION ROUNDS SUBS DURATION WARMUP BITRATE REPORT MEASURED LUMEN_SETTINGS
/usr/bin/python3 - "$RESULTS" "$OUT" <<'PY'
# Medians per arm, the difference in %, per-round paired differences (each round's two runs saw
# the same neighbours), every run's figures with the load average around it.
import datetime, glob, json, os, re, statistics, sys

results, out = sys.argv[1], sys.argv[2]
env = os.environ
runs = {}
for path in sorted(glob.glob(os.path.join(results, "*-r*.json"))):
    m = re.match(r"(lumen|janus)-(record|plain)-r(\d+)\.json$", os.path.basename(path))
    if not m:
        continue
    b = json.load(open(path))
    rec = json.load(open(path[:-5] + ".rec.json"))
    load = open(path[:-5] + ".load").read().split()
    try:
        th = json.load(open(path[:-5] + ".threads.json"))
    except (ValueError, OSError):
        th = []
    runs.setdefault(m.group(1), []).append({"arm": m.group(2), "round": int(m.group(3)), "b": b,
                                            "rec": rec, "load": load, "threads": th})

def srv(b, k):
    s = b.get("server") or {}
    return s.get(k)

def good(r):
    return r["b"].get("ok") and r["rec"].get("ok") and srv(r["b"], "cpu_pct") is not None

def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None

def pct(a, b):
    return (a - b) / b * 100 if a is not None and b else None

def f(v, nd=2, unit=""):
    return "n/a" if v is None else f"{v:.{nd}f}{unit}"

def signed(v):
    return "n/a" if v is None else f"{v:+.1f} %"

L = []
w = L.append
w("<!-- recording -->")
w("## Recording cost")
w("")
settings = f" with `{env['LUMEN_SETTINGS']}`" if env.get("LUMEN_SETTINGS") else ""
w(f"Generated by `tools/bench/record-cost.sh` (measured {env.get('MEASURED')}, "
  f"lumen `{env['LUMEN_VERSION']}`{settings}): fanout, 1 publisher of {int(env['BITRATE']) / 1e6:g} Mbit/s VP8 + Opus, "
  f"{env['SUBS']} subscribers, {env['DURATION']} s measured after {env['WARMUP']} s of warm-up; the rooms and "
  "the recorder plugins loaded in both arms, the room created with `\"record\": true` (`lumen-bench --record`) "
  "in the record arm only; a fresh server per run on CPU 0, lumen-bench on CPU 1; "
  f"{env['ROUNDS']} rounds alternating the arms (order flipped each round). Every recorded run's recording "
  "was checked: manifest `finished`, an audio and a video pcap, none empty, at least as many packets as were "
  "sent in the window, nothing dropped. Issue #6's target: recording costs at most 5 % more server CPU.")
w("")
summary = []
for server in ("lumen", "janus"):
    rs = runs.get(server)
    if not rs:
        continue
    ok = [r for r in rs if good(r)]
    arm = {a: [r for r in ok if r["arm"] == a] for a in ("plain", "record")}
    cpu = {a: med(srv(r["b"], "cpu_pct") for r in arm[a]) for a in arm}
    us = {a: med(srv(r["b"], "cpu_us_per_forwarded_packet") for r in arm[a]) for a in arm}
    pps = {a: med(r["b"].get("forwarded_pps") for r in arm[a]) for a in arm}
    paired = []
    for rnd in sorted({r["round"] for r in ok}):
        p = [r for r in arm["plain"] if r["round"] == rnd]
        q = [r for r in arm["record"] if r["round"] == rnd]
        if p and q:
            paired.append(pct(srv(q[0]["b"], "cpu_us_per_forwarded_packet"),
                              srv(p[0]["b"], "cpu_us_per_forwarded_packet")))
    d_cpu, d_us, d_pair = pct(cpu["record"], cpu["plain"]), pct(us["record"], us["plain"]), med(paired)
    # The machine is shared: one arm's runs spread by more than the effect sought, so the
    # verdict goes by the paired rounds (each pair saw about the same neighbours), and only
    # when at least three quarters of them agree.
    verdict = ""
    paired = [x for x in paired if x is not None]
    if server == "lumen" and paired:
        above = sum(x > 5 for x in paired)
        verdict = ("**met**" if above <= len(paired) / 4 else
                   "**missed**" if above >= len(paired) * 3 / 4 else "**not resolved**")
        verdict += f" ({above} of {len(paired)} rounds above +5 %)"
    plain_us = [srv(r["b"], "cpu_us_per_forwarded_packet") for r in arm["plain"]]
    spread = (f"{(min(plain_us) / us['plain'] - 1) * 100:+.0f} % … {(max(plain_us) / us['plain'] - 1) * 100:+.0f} %"
              if plain_us and us["plain"] else "n/a")
    summary.append((server, d_cpu, d_us, d_pair, verdict))
    w(f"### {server}" + (f" ({env.get('JANUS_VERSION')}; VideoRoom `record` + `rec_dir`, .mjr files)" if server == "janus" else ""))
    w("")
    w("| | without recording | with recording | difference |")
    w("|---|---|---|---|")
    w(f"| server CPU, % of a core (median) | {f(cpu['plain'], 1)} | {f(cpu['record'], 1)} | {signed(d_cpu)} |")
    w(f"| CPU µs per forwarded packet (median) | {f(us['plain'])} | {f(us['record'])} | {signed(d_us)} |")
    w(f"| forwarded packets/s (median) | {f(pps['plain'], 0)} | {f(pps['record'], 0)} | |")
    w(f"| per-round difference of µs/packet, median of {len(paired)} | | | {signed(d_pair)} "
      f"({', '.join(signed(x) for x in paired)}) {verdict} |")
    w(f"| spread of the runs without recording around their median (the noise) | {spread} | | |")
    if server == "lumen":
        # What can be told apart: the writer thread's own CPU and its wake-ups.
        wr = []
        for r in arm["record"]:
            t = r["threads"]
            tot = sum(x["cpu_ns"] for x in t)
            w_ = [x for x in t if x["name"] == "rec-writer"]
            main = [x for x in t if x["name"] == "lumen"]
            if tot and w_ and r["rec"].get("packets"):
                wr.append((w_[0]["cpu_ns"] / tot * 100, w_[0]["voluntary"] / r["rec"]["packets"],
                           w_[0]["cpu_ns"] / r["rec"]["packets"] / 1000,
                           main[0]["involuntary"] if main else None))
        pre_plain = med([x["involuntary"] for r in arm["plain"] for x in r["threads"] if x["name"] == "lumen"])
        if wr:
            w(f"| the recorder's writer thread (`rec-writer`): share of the server's CPU over the run | | "
              f"{med(x[0] for x in wr):.1f} % | |")
            w(f"| its CPU per recorded packet / wake-ups per recorded packet | | "
              f"{med(x[2] for x in wr):.1f} µs / {med(x[1] for x in wr):.2f} | |")
            w(f"| main thread preempted (involuntary context switches over the run) | {f(pre_plain, 0)} | "
              f"{f(med(x[3] for x in wr), 0)} | |")
    w("")
    w("| round | arm | CPU % | waited for the CPU % | µs/pkt | fwd pkt/s | loss % | recorded | load avg before → after | |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for r in sorted(rs, key=lambda r: (r["round"], r["arm"])):
        b, rec = r["b"], r["rec"]
        recd = (f"{rec.get('bytes', 0) / 1e6:.1f} MB, {rec.get('packets', '?')} pkts" if server == "lumen"
                else f"{rec.get('bytes', 0) / 1e6:.1f} MB .mjr") if r["arm"] == "record" else "-"
        note = "" if good(r) else ("failed: " + (b.get("error") or rec.get("why") or "?"))
        w(f"| {r['round']} | {r['arm']} | {f(srv(b, 'cpu_pct'), 1)} | {f(srv(b, 'runqueue_wait_pct'), 1)} | "
          f"{f(srv(b, 'cpu_us_per_forwarded_packet'))} | "
          f"{f(b.get('forwarded_pps'), 0)} | {f(b.get('loss_pct'))} | {recd} | "
          f"{r['load'][0]} → {r['load'][3] if len(r['load']) > 3 else '?'} | {note} |")
    w("")
w("Command: `sudo tools/bench/record-cost.sh` from the build tree (`--rounds`, `--subscribers`, `--duration`, "
  "`--janus`; `--help`). CPU time is utime + stime of all the server's threads from /proc; the load "
  "average is the machine's (2 cores, shared): wall-clock neighbours change CPU time per packet only "
  "through cache and frequency effects, which is why the arms alternate.")
w("<!-- /recording -->")
section = "\n".join(L)
print(section)
for server, d_cpu, d_us, d_pair, verdict in summary:
    print(f"{server}: recording costs {signed(d_cpu)} server CPU, {signed(d_us)} CPU per forwarded packet "
          f"(per-round median {signed(d_pair)}) {verdict}", file=sys.stderr)
if env["REPORT"] == "1":
    text = open(out).read() if os.path.exists(out) else "# Performance: lumen against Janus\n"
    if "<!-- recording -->" in text:
        text = re.sub(r"<!-- recording -->.*?<!-- /recording -->", lambda m: section, text, flags=re.S)
    else:
        for anchor in ("<!-- profile -->", "## Raw JSON"):
            if anchor in text:
                text = text.replace(anchor, section + "\n\n" + anchor, 1)
                break
        else:
            text += "\n" + section + "\n"
    open(out, "w").write(text)
    print(f"== wrote the recording section of {out}", file=sys.stderr)
PY
exit "$failed"
