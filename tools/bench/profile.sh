#!/bin/bash
# profile.sh -- where lumen's CPU goes on the forwarding path (issue #7): lumen pinned to CPU 0 in a
# network namespace (as compare-janus.sh runs it), lumen-bench fanout (1 publisher of 1.5 Mbit/s
# VP8 + Opus, N subscribers) on CPU 1, and `perf record` with call graphs on the lumen pid for a
# window in the middle of the run. Writes the flat (self) profile, the inclusive one and the split
# by shared object into the profile section of docs/performance.md (between the profile-data
# markers; the text around them is kept), and perf's full reports to the results directory.
#
# Needs root and perf (linux-perf). `make bench-profile` in the build tree, or
#   top_srcdir=/work/main top_builddir=/tmp/build tools/bench/profile.sh [OPTIONS]
set -euo pipefail

usage() {
	cat <<EOF
Usage: profile.sh [OPTION...]
Profile lumen (perf record -g) under lumen-bench fanout and write the top entries into the profile
section of docs/performance.md.

  --subscribers N   fanout subscribers (default 20)
  --seconds S       seconds recorded by perf (default 10)
  --setup S         seconds from the bench's start to the recording (default 8: set-up of
                    the subscribers plus the 2 s warm-up)
  --freq HZ         perf's sampling frequency (default 999; a lightly loaded lumen at N = 20
                    gives ~1500 samples in 20 s at 999, use 4999 or more for a finer split)
  --call-graph M    perf's call-graph mode: dwarf (default; lumen is built without frame
                    pointers) or fp
  --out FILE        report to update (default: \$top_srcdir/docs/performance.md)
  --results DIR     perf data and full reports (default: \$top_builddir/bench-results/profile)
  --sched           instead of sampling, record the scheduler on CPU 0 (perf sched) and print
                    how long lumen's thread ran each time it woke (its run lengths, and how
                    often the long ones come); writes runs.txt in the results directory, not
                    the report. At half load this shows a received packet's fan-out and the
                    packets that queue behind it (docs/performance.md, session 20)
  --help            this text
EOF
}

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
LUMEN=${LUMEN:-$top_builddir/src/lumen}
LUMEN_BENCH=${LUMEN_BENCH:-$top_builddir/tools/bench/lumen-bench}
NETNS="$top_srcdir/tests/e2e/netns.sh"
OUT="$top_srcdir/docs/performance.md"
RESULTS="$top_builddir/bench-results/profile"
SUBS=20 SECONDS_REC=10 SETUP=8 CALLGRAPH=dwarf FREQ=999 SCHED=0
SERVER_IP=192.0.2.1 LOAD_IP=192.0.2.2 PORT=18088 ADMIN_PORT=17088

while [ $# -gt 0 ]; do
	case "$1" in
	--subscribers) SUBS=$2; shift ;;
	--seconds) SECONDS_REC=$2; shift ;;
	--setup) SETUP=$2; shift ;;
	--call-graph) CALLGRAPH=$2; shift ;;
	--freq) FREQ=$2; shift ;;
	--out) OUT=$2; shift ;;
	--results) RESULTS=$2; shift ;;
	--sched) SCHED=1 ;;
	--help | -h) usage; exit 0 ;;
	*) echo "profile.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

die() { echo "profile.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespace, perf on another pid)"
command -v perf >/dev/null || die "perf not found (apt-get install linux-perf)"
for p in "$LUMEN" "$LUMEN_BENCH"; do [ -x "$p" ] || die "$p not built"; done

NS="lumen-prof-$$"
WORKDIR=$(mktemp -d /tmp/lumen-profile.XXXXXX)
server_pid="" bench_pid=""
# shellcheck source=tools/bench/bench-lib.sh
. "$top_srcdir/tools/bench/bench-lib.sh"
bench_traps

mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
"$NETNS" up "$NS"
mkdir -p "$WORKDIR/plugins" "$WORKDIR/state"
ln -s "$top_builddir/plugins/rooms/.libs/rooms.so" "$WORKDIR/plugins/rooms.so"

"$NETNS" exec "$NS" taskset -c 0 "$LUMEN" -c "$top_srcdir/conf/lumen.cfg" \
	--set http.listen=127.0.0.1:$PORT --set admin.listen=127.0.0.1:$ADMIN_PORT \
	--set http.demo=false --set plugins.dir="$WORKDIR/plugins" --set general.state_dir="$WORKDIR/state" \
	--set media.ice_enforce="$SERVER_IP" --set api.max_handles_per_session=1024 \
	>"$RESULTS/lumen.log" 2>&1 &
server_pid=$!
for _ in $(seq 200); do
	"$NETNS" exec "$NS" /usr/bin/python3 -c \
		"import socket; socket.create_connection(('127.0.0.1',$PORT),timeout=0.2).close()" \
		2>/dev/null && break
	kill -0 "$server_pid" 2>/dev/null || die "lumen exited (see $RESULTS/lumen.log)"
	sleep 0.1
done

# The bench runs long enough to cover set-up (a few seconds for 20 subscribers, --setup), its
# warm-up and the recorded window, with a margin; perf starts after the set-up time.
bench_duration=$((SETUP + SECONDS_REC + 4))
log "lumen-bench fanout N=$SUBS for ${bench_duration} s (lumen pid $server_pid)"
"$NETNS" exec "$NS" taskset -c 1 timeout --kill-after=10 $((bench_duration + 120)) \
	"$LUMEN_BENCH" --url "http://127.0.0.1:$PORT/janus" --scenario fanout --subscribers "$SUBS" \
	--duration "$bench_duration" --warmup 2 --server-pid "$server_pid" --ice-ip "$LOAD_IP" \
	--label profile --json "$RESULTS/bench.json" >"$RESULTS/bench.log" 2>&1 &
bench_pid=$!
sleep "$SETUP"
kill -0 "$bench_pid" 2>/dev/null || die "lumen-bench ended early (see $RESULTS/bench.log)"
if [ "$SCHED" = 1 ]; then
	log "perf sched record on CPU 0 for $SECONDS_REC s"
	perf sched record -C 0 -o "$RESULTS/sched.data" -- sleep "$SECONDS_REC" \
		2>"$RESULTS/perf-record.log" || die "perf sched record failed"
	bench_wait_load
	[ "$brc" -eq 0 ] || log "lumen-bench exit $brc (see $RESULTS/bench.log)"
	perf sched timehist -i "$RESULTS/sched.data" 2>/dev/null >"$RESULTS/timehist.txt" ||
		die "perf sched timehist failed"
	# timehist: time, cpu, task, wait, sched delay, run time (ms); lumen's main thread only.
	awk -v pid="$server_pid" -v n="$SUBS" '
		$3 == "lumen[" pid "]" {
			r = $6; runs++; total += r
			if (r < 1) b[0]++; else if (r < 2) b[1]++; else if (r < 4) b[2]++
			else if (r < 8) b[3]++; else b[4]++
			if (r >= 4) { if (last) { gaps[ng++] = ($1 - last) * 1000 }; last = $1 }
		}
		END {
			printf "lumen (pid %d) at N = %d: %d runs, %.1f ms of CPU 0 in all\n", pid, n, runs, total
			split("< 1 ms,1-2 ms,2-4 ms,4-8 ms,>= 8 ms", name, ",")
			for (i = 0; i < 5; i++) printf "  runs %-8s %6d\n", name[i + 1], b[i]
			if (ng) {
				for (i = 1; i < ng; i++)  # mawk has no asort
					for (j = i; j > 0 && gaps[j - 1] > gaps[j]; j--) {
						t = gaps[j]; gaps[j] = gaps[j - 1]; gaps[j - 1] = t
					}
				printf "  runs >= 4 ms come every %.1f ms (median gap)\n", gaps[int(ng / 2)]
			}
		}' "$RESULTS/timehist.txt" | tee "$RESULTS/runs.txt"
	log "done: $RESULTS/runs.txt (timehist.txt beside it)"
	exit 0
fi
log "perf record -F $FREQ --call-graph $CALLGRAPH -p $server_pid for $SECONDS_REC s"
perf record -q -F "$FREQ" --call-graph "$CALLGRAPH" -p "$server_pid" -o "$RESULTS/perf.data" \
	-- sleep "$SECONDS_REC" 2>"$RESULTS/perf-record.log" || die "perf record failed"
bench_wait_load
[ "$brc" -eq 0 ] || log "lumen-bench exit $brc (see $RESULTS/bench.log); the profile is still written"

log "perf report"
rep() { perf report -i "$RESULTS/perf.data" --stdio --no-header "$@" 2>/dev/null; }
rep --no-children --sort symbol -g none --percent-limit 0.7 >"$RESULTS/self.txt"
rep --children --sort symbol -g none --percent-limit 4 >"$RESULTS/children.txt"
rep --no-children --sort dso -g none >"$RESULTS/dso.txt"
rep --no-children --sort symbol -g caller,0.5,callee --percent-limit 2 >"$RESULTS/callgraph.txt"

export SUBS SECONDS_REC CALLGRAPH FREQ
/usr/bin/python3 - "$RESULTS" "$OUT" <<'PY'
# Puts the perf tables between <!-- profile-data --> markers inside the profile section of the
# report (creating the section if the report has none), leaving the rest of the file alone.
import json, os, re, sys

results, out = sys.argv[1], sys.argv[2]

def table(name, limit):
    # perf adds IPC columns ("-  -") where the hardware has no counters (a VM): cut them.
    rows = [re.sub(r"(\s+-)+\s*$", "", l.rstrip()) for l in open(os.path.join(results, name))
            if l.strip() and not l.startswith("#")]
    return "\n".join(rows[:limit])

try:
    b = json.load(open(os.path.join(results, "bench.json")))
    srv = b.get("server", {})
    bench = (f"lumen-bench during the recording: {b.get('forwarded_pps', 0):.0f} forwarded packets/s, "
             f"server CPU {srv.get('cpu_pct', 0):.1f} % of a core, "
             f"{srv.get('cpu_us_per_forwarded_packet', 0):.2f} µs per forwarded packet (perf's sampling adds "
             f"a little), SRTP {b.get('srtp_profile')}, loss {b.get('loss_pct', 0):.2f} %.")
except (ValueError, OSError):
    bench = "lumen-bench wrote no JSON (see bench.log in the results directory)."
env = os.environ
data = f"""<!-- profile-data -->
Recorded by `tools/bench/profile.sh` (`perf record -F {env['FREQ']} --call-graph {env['CALLGRAPH']}` on the lumen pid for
{env['SECONDS_REC']} s, fanout N={env['SUBS']}, lumen on CPU 0, lumen-bench on CPU 1). {bench}

Split by shared object (self time):

```
{table("dso.txt", 14)}
```

Top functions, self time (`perf report --no-children --sort symbol`):

```
{table("self.txt", 40)}
```

Inclusive time (`--children`), entries above 4 %:

```
{table("children.txt", 45)}
```
<!-- /profile-data -->"""
text = open(out).read() if os.path.exists(out) else "# Performance: lumen against Janus\n"
if "<!-- profile-data -->" in text:
    text = re.sub(r"<!-- profile-data -->.*?<!-- /profile-data -->", lambda m: data, text, flags=re.S)
elif "<!-- profile -->" in text:
    text = re.sub(r"<!-- profile -->.*?<!-- /profile -->",
                  lambda m: "<!-- profile -->\n## Profile of the forwarding path\n\n" + data + "\n<!-- /profile -->",
                  text, flags=re.S)
else:
    text += "\n<!-- profile -->\n## Profile of the forwarding path\n\n" + data + "\n<!-- /profile -->\n"
open(out, "w").write(text)
PY
log "done: profile section of $OUT (full reports in $RESULTS)"
