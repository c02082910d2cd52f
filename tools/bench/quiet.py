"""quiet.py -- which benchmark rounds the host left alone (docs/bench.md, "Quiet rounds").

On the VM this project is measured on, the host's load reaches the guest as slower execution,
not as steal time, and it lands in whatever runs. Two gauges that do the same work every round,
whichever server is measured, say when that happened:

- the canary (lumen-bench --canary-cpu, tools/bench/canary.h): thread CPU per unit of fixed
  work on the server's CPU; it follows a slower CPU;
- lumen-bench's own CPU per received packet, on the load's CPU: the same client code and the
  same packets every round; it also follows what the canary's short bursts miss (a round of
  session 17 had lumen at 4.8x its usual cost and lumen-bench at 2.9x, with the canary at 1.07x).

A round is quiet when both are within their margin of the quietest value over the scenario's
rounds of either server. compare-janus.sh uses is_quiet() for the CPU verdict and, with
--quiet-rounds, to decide whether to run more rounds.

Command line: quiet.py RESULTS NAME prints "lumen Q janus Q" (quiet rounds of each server of
scenario NAME, e.g. fanout20, among RESULTS/NAME-SERVER-rN.json).
"""
import glob
import json
import os
import re
import sys

CANARY_MARGIN = 1.15
BENCH_MARGIN = 1.5
SERVERS = ("lumen", "janus")


def _num(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or d.get(k) is None:
            return None
        d = d[k]
    return d if isinstance(d, (int, float)) and d > 0 else None


def canary(d):
    return _num(d, "canary", "ns_per_unit")


def bench_cost(d):
    return _num(d, "bench", "cpu_us_per_received_packet")


def baselines(runs):
    """The quietest canary and bench cost over runs (a list of result dicts), or None each."""
    c = [canary(d) for d in runs if canary(d)]
    b = [bench_cost(d) for d in runs if bench_cost(d)]
    return (min(c) if c else None, min(b) if b else None)


def is_quiet(d, base):
    """Whether result d is quiet against base = baselines(every run of its scenario)."""
    c, b = canary(d), bench_cost(d)
    if c is None or b is None or base[0] is None or base[1] is None:
        return False
    return c <= CANARY_MARGIN * base[0] and b <= BENCH_MARGIN * base[1]


def load_all(results):
    """{(scenario, server): [result dict with "_round"]} of every RESULTS/NAME-SERVER-rN.json,
    in path order; unreadable files and failed runs (lumen-bench exit 1) are left out.
    compare-janus.sh's report reads its runs with this too."""
    out = {}
    for path in sorted(glob.glob(os.path.join(results, "*-r*.json"))):
        m = re.match(r"(.+)-(lumen|janus)-r(\d+)\.json$", os.path.basename(path))
        if not m:
            continue
        try:
            d = json.load(open(path))
        except (ValueError, OSError):
            continue
        if d.get("ok") is not False:
            d["_round"] = int(m.group(3))
            out.setdefault((m.group(1), m.group(2)), []).append(d)
    return out


def load(results, name):
    """{server: [result dict with "_round"]} of scenario name in results (load_all's rules)."""
    runs = load_all(results)
    return {s: runs.get((name, s), []) for s in SERVERS}


def main(argv):
    if len(argv) != 3:
        print("usage: quiet.py RESULTS NAME", file=sys.stderr)
        return 2
    if not os.path.isdir(argv[1]):
        print(f"usage: quiet.py RESULTS NAME ({argv[1]}: not a directory)", file=sys.stderr)
        return 2
    runs = load(argv[1], argv[2])
    base = baselines([d for s in SERVERS for d in runs[s]])
    print(" ".join(f"{s} {sum(is_quiet(d, base) for d in runs[s])}" for s in SERVERS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
