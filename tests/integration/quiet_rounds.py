#!/usr/bin/python3
"""quiet_rounds.py -- tools/bench/quiet.py on results made up here (TAP).

compare-janus.sh judges CPU per packet on the rounds the host left alone and runs more rounds
until it has enough of them; which rounds those are is quiet.py's rule, checked here on
lumen-bench JSON files written with known gauges: a round is quiet only when both the canary
(on the server's CPU) and lumen-bench's own CPU per packet are within their margins of the
quietest round of either server; a round without a canary is never quiet; failed, unreadable
and other scenarios' files are left out; a missing directory is a usage error.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lumentest import TOP_SRCDIR, Tap  # noqa: E402

QUIET_PY = os.path.join(TOP_SRCDIR, "tools", "bench", "quiet.py")
sys.path.insert(0, os.path.dirname(QUIET_PY))
import quiet  # noqa: E402


def write_run(d, name, server, rnd, canary, bench_us, ok=True):
    doc = {"scenario": "fanout", "ok": ok,
           "server": {"cpu_us_per_forwarded_packet": 6.0 if server == "lumen" else 28.0},
           "bench": {"cpu_us_per_received_packet": bench_us},
           "canary": None if canary is None else {"cpu": 0, "ns_per_unit": canary, "units": 8000}}
    with open(os.path.join(d, f"{name}-{server}-r{rnd}.json"), "w") as f:
        json.dump(doc, f)


def run(*args):
    return subprocess.run([sys.executable, QUIET_PY, *args], capture_output=True, text=True,
                          timeout=60)


def main():
    t = Tap()
    with tempfile.TemporaryDirectory() as d:
        # The quietest canary is 5000 ns (lumen r1), the quietest bench 10 us (janus r1).
        write_run(d, "fanout20", "lumen", 1, 5000, 11.0)   # quiet
        write_run(d, "fanout20", "janus", 1, 5500, 10.0)   # quiet (1.10, 1.00)
        write_run(d, "fanout20", "lumen", 2, 5740, 14.9)   # quiet, near both margins
        write_run(d, "fanout20", "janus", 2, 5800, 12.0)   # canary 1.16: not quiet
        write_run(d, "fanout20", "lumen", 3, 5350, 24.0)   # bench 2.4: not quiet (canary 1.07)
        write_run(d, "fanout20", "janus", 3, None, 10.5)   # no canary: not quiet
        write_run(d, "fanout20", "janus", 4, 4000, 9.0, ok=False)  # failed: not a baseline
        write_run(d, "audio100", "janus", 1, 5000, 10.0)   # another scenario
        with open(os.path.join(d, "fanout20-janus-r5.json"), "w") as f:
            f.write("{truncated")

        runs = quiet.load(d, "fanout20")
        t.check(sorted(x["_round"] for x in runs["lumen"]) == [1, 2, 3]
                and sorted(x["_round"] for x in runs["janus"]) == [1, 2, 3],
                "load keeps the scenario's readable, completed runs with their round",
                repr({s: [x["_round"] for x in v] for s, v in runs.items()}))
        base = quiet.baselines(runs["lumen"] + runs["janus"])
        t.check(base == (5000, 10.0), "the baselines are the quietest canary and bench cost of "
                "either server's rounds", repr(base))
        verdict = {(s, x["_round"]): quiet.is_quiet(x, base) for s in runs for x in runs[s]}
        t.check(verdict[("lumen", 1)] and verdict[("janus", 1)],
                "the quietest rounds are quiet", repr(verdict))
        t.check(verdict[("lumen", 2)], "1.148x the canary and 1.49x the bench cost are still quiet")
        t.check(not verdict[("janus", 2)], "a canary 1.16x its quietest is not quiet")
        t.check(not verdict[("lumen", 3)],
                "a quiet canary with lumen-bench at 2.4x its quietest is not quiet (the round "
                "the canary alone missed)")
        t.check(not verdict[("janus", 3)], "a round without a canary is never quiet")

        r = run(d, "fanout20")
        t.check(r.returncode == 0 and r.stdout.strip() == "lumen 2 janus 1",
                "the command line counts each server's quiet rounds", r.stdout + r.stderr)
        r = run(d, "audio100")
        t.check(r.returncode == 0 and r.stdout.strip() == "lumen 0 janus 1",
                "per scenario", r.stdout + r.stderr)
        r = run(os.path.join(d, "no-such-directory"), "fanout20")
        t.check(r.returncode == 2 and "usage" in r.stderr,
                "a missing results directory is a usage error", r.stderr)
        r = run(d)
        t.check(r.returncode == 2 and "usage" in r.stderr, "so is a missing scenario name",
                r.stderr)
    t.done()


if __name__ == "__main__":
    main()
