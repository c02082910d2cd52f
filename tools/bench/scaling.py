#!/usr/bin/env python3
"""scaling.py RESULTS -- the report of tools/bench/scaling.sh from its results directory (the
fanoutN-SERVER-rROUND.json files of lumen-bench): the median CPU per forwarded packet of each
server at each N, and two least-squares fits of CPU per received packet = W + S x N, one over
every run and one over the medians per N (which a slow minute of a shared machine moves less).
Writes summary.json there too. Run it again on a results directory to reprint."""
# Per run: CPU per received packet = CPU per forwarded packet x N (every received packet goes to
# all N subscribers; the runs lost nothing, or they say so). Least squares over every run.
import glob, json, os, re, statistics, sys

if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
    sys.exit("usage: scaling.py RESULTS-DIRECTORY (tools/bench/scaling.sh's --results)")
results = sys.argv[1]
runs = {}
for f in sorted(glob.glob(os.path.join(results, "fanout*-r*.json"))):
    m = re.match(r"fanout(\d+)-(\w+)-r(\d+)\.json$", os.path.basename(f))
    try:
        d = json.load(open(f))
        us = float(d["server"]["cpu_us_per_forwarded_packet"])
    except (ValueError, KeyError, TypeError, OSError):
        continue
    if not m or not d.get("ok", True):
        continue
    runs.setdefault(m.group(2), []).append({"n": int(m.group(1)), "round": int(m.group(3)),
                                            "us_per_fwd": us, "loss_pct": d.get("loss_pct", 0.0)})

def fit(pts):
    xs = [p["n"] for p in pts]
    ys = [p["us_per_fwd"] * p["n"] for p in pts]
    k = len(xs)
    mx, my = sum(xs) / k, sum(ys) / k
    sxx = sum((x - mx) ** 2 for x in xs)
    if k < 2 or sxx == 0:
        return None
    s = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    w = my - s * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (w + s * x)) ** 2 for x, y in zip(xs, ys))
    return {"w_us": w, "s_us": s, "r2": 1 - ss_res / ss_tot if ss_tot else 1.0, "runs": k}

summary = {}
for server, pts in sorted(runs.items()):
    by_n = {}
    for p in pts:
        by_n.setdefault(p["n"], []).append(p["us_per_fwd"])
    medians = [{"n": n, "us_per_fwd": statistics.median(v)} for n, v in sorted(by_n.items())]
    summary[server] = {"runs": pts, "median_us_per_fwd": {str(m["n"]): m["us_per_fwd"] for m in medians},
                       "fit": fit(pts), "fit_medians": fit(medians)}
json.dump(summary, open(os.path.join(results, "summary.json"), "w"), indent=1)

ns = sorted({p["n"] for pts in runs.values() for p in pts})
print("CPU µs per forwarded packet (median over rounds)")
print("%-8s" % "N" + "".join("%10s" % s for s in sorted(runs)) +
      ("%14s" % "lumen/janus" if {"lumen", "janus"} <= set(runs) else ""))
for n in ns:
    row = "%-8d" % n
    vals = {}
    for s in sorted(runs):
        v = summary[s]["median_us_per_fwd"].get(str(n))
        vals[s] = v
        row += "%10s" % ("%.2f" % v if v is not None else "-")
    if vals.get("lumen") and vals.get("janus"):
        row += "%14.2f" % (vals["lumen"] / vals["janus"])
    print(row)
for key, title in (("fit", "every run"), ("fit_medians", "the medians per N")):
    print("\nfit over %s: CPU per received packet = W + S x N" % title)
    for s in sorted(runs):
        f = summary[s][key]
        if f:
            print("%-6s W %7.1f µs  S %6.2f µs  R² %.3f  (%d points)" % (s, f["w_us"], f["s_us"], f["r2"], f["runs"]))
    fl, fj = summary.get("lumen", {}).get(key), summary.get("janus", {}).get(key)
    if fl and fj and fj["s_us"] > 0 and fj["w_us"]:
        print("lumen/janus: S %.2f, W %.2f" % (fl["s_us"] / fj["s_us"], fl["w_us"] / fj["w_us"]))
