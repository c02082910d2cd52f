#!/usr/bin/python3
"""scaling_fit.py -- tools/bench/scaling.py on results made up here (TAP).

scaling.sh needs root, Janus and minutes of machine time, so `make check` checks its arithmetic
instead: lumen-bench JSON files written for two servers with a known fixed cost per received
packet (W) and cost per subscriber (S) must give back W and S, from every run and from the
medians; one slow run (a bad minute of a shared machine) moves the fit over every run but not
the one over the medians; runs that failed or cannot be read are left out; a missing results
directory is a usage error.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lumentest import TOP_SRCDIR, Tap  # noqa: E402

SCALING_PY = os.path.join(TOP_SRCDIR, "tools", "bench", "scaling.py")
TRUTH = {"lumen": (75.0, 6.0), "janus": (45.0, 30.0)}
NS = (2, 5, 10, 20, 40)


def write_run(d, server, n, rnd, us_per_fwd, ok=True):
    doc = {"scenario": "fanout", "subscribers": n, "ok": ok, "loss_pct": 0.0,
           "server": {"cpu_us_per_forwarded_packet": us_per_fwd}}
    with open(os.path.join(d, f"fanout{n}-{server}-r{rnd}.json"), "w") as f:
        json.dump(doc, f)


def run(d):
    return subprocess.run([sys.executable, SCALING_PY, d], capture_output=True, text=True, timeout=60)


def main():
    t = Tap()
    with tempfile.TemporaryDirectory() as d:
        for server, (w, s) in TRUTH.items():
            for rnd in (1, 2, 3):
                for n in NS:
                    # +-1 % between rounds, so the fit has something to average
                    wobble = 1.0 + 0.01 * (rnd - 2)
                    write_run(d, server, n, rnd, (w + s * n) / n * wobble)
        r = run(d)
        t.check(r.returncode == 0, "scaling.py reads a results directory", r.stderr)
        summary = json.load(open(os.path.join(d, "summary.json")))
        for server, (w, s) in TRUTH.items():
            for key in ("fit", "fit_medians"):
                f = summary[server][key]
                t.check(abs(f["w_us"] - w) < 0.5 and abs(f["s_us"] - s) < 0.05,
                        f"{server} {key}: W {w} and S {s} come back "
                        f"(W {f['w_us']:.2f}, S {f['s_us']:.3f})")
            t.check(abs(summary[server]["median_us_per_fwd"]["20"] - (w + 20 * s) / 20) < 1e-6,
                    f"{server}: the median at N = 20 is the middle round's")
        t.check("lumen/janus: S 0.20, W 1.67" in r.stdout,
                "the report gives lumen/janus for S and W", r.stdout)
        row20 = [line for line in r.stdout.splitlines() if line.startswith("%-8d" % 20)]
        t.check(len(row20) == 1 and row20[0].split()[-1] == "0.30",
                "the table's N = 20 row ends with lumen/janus (75/20 + 6) / (45/20 + 30) = 0.30",
                r.stdout)

        # A slow fourth round of lumen at N = 20 (4x): the medians hold, the fit over every run moves.
        write_run(d, "lumen", 20, 4, (75.0 + 6.0 * 20) / 20 * 4)
        write_run(d, "lumen", 10, 4, (75.0 + 6.0 * 10) / 10)
        write_run(d, "lumen", 40, 4, "not a number")      # unreadable: left out
        write_run(d, "janus", 40, 4, 1000.0, ok=False)   # a failed run: left out
        with open(os.path.join(d, "fanout5-lumen-r9.json"), "w") as f:
            f.write("{truncated")
        r = run(d)
        summary = json.load(open(os.path.join(d, "summary.json")))
        fm, fa = summary["lumen"]["fit_medians"], summary["lumen"]["fit"]
        t.check(r.returncode == 0 and abs(fm["w_us"] - 75.0) < 2 and abs(fm["s_us"] - 6.0) < 0.2,
                f"one slow run leaves the fit over the medians near W 75, S 6 "
                f"(W {fm['w_us']:.1f}, S {fm['s_us']:.2f})", r.stderr)
        t.check(fa["r2"] < 0.95 and fa["runs"] == 17,
                f"and moves the fit over every run, which says so by its R² ({fa['r2']:.3f}, "
                f"{fa['runs']} runs)")
        t.check(summary["janus"]["fit"]["runs"] == 15, "a failed run is not fitted")

        r = run(os.path.join(d, "no-such-directory"))
        t.check(r.returncode != 0 and "usage" in r.stderr,
                "a missing results directory is a usage error", r.stderr)
    t.done()


if __name__ == "__main__":
    main()
