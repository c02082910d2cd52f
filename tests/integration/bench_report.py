#!/usr/bin/python3
"""bench_report.py -- compare-janus.sh --report-only on results made up here (TAP).

The report's rows are arithmetic over lumen-bench's JSON; this writes runs with known figures
and checks two rows against numbers worked out by hand:
- "the floor timed beside it": the median over fanout rounds of (CPU per packet / that round's
  canary unit), not the ratio of the medians, and rounds without a canary left out;
- "one received packet's fan-out at half the max load": subscribers x CPU per forwarded packet;
- find-max: a search that failed no step stopped at its bound, and says so ("≥");
- join: the verdict on the spaced joins, the burst beside it, and how each was spaced;
- the rig's floor (lumen-floor's fan-out to waiting receivers) and the least CPU per forwarded
  packet at N = 20 (a receive wake-up / 20 + that floor), and n/a for both from a floor.json
  older than those figures.
It also checks that --report-only runs nothing (no root, no namespace), takes the header from
the measuring run's run.env rather than from git, and refuses clearly a directory without
results or without run.env.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lumentest import TOP_SRCDIR, Tap  # noqa: E402

SCRIPT = os.path.join(TOP_SRCDIR, "tools", "bench", "compare-janus.sh")

RUN_ENV = """LUMEN_VERSION=abc1234
JANUS_VERSION='1102 (1.1.2)'
DURATION=10
WARMUP=2
ROUNDS=3
QUIET_ROUNDS=3
MAX_ROUNDS=3
MAX_N=600
JOINS=100
SCENARIOS=fanout,halfload
DELAY_LIMIT=50
BENCH_SPLIT=0
"""


def floor_doc(rig=True):
    """Protect 400/150 ns, every send 2500 ns, the waited fan-out 5000 and a wake-up 20 us;
    rig=False: a floor.json from before lumen-floor measured the rig."""
    def e(ns, **kw):
        return dict(ns_median=ns, ns_min=ns, ns_max=ns, cpu_ns_median=ns, **kw)
    gcm = "SRTP_AEAD_AES_128_GCM"
    doc = {"runs": 1, "packets_per_run": 1000, "batch": 32, "fanout": 20, "kernel": "test",
           "srtp_protect": [e(400.0, profile=gcm, bytes=1200), e(150.0, profile=gcm, bytes=100)],
           "udp_send": [e(2500.0, method=m, batch=b, bytes=n)
                        for m, b in (("send", 1), ("sendto", 1), ("sendmmsg", 32),
                                     ("txbatch", 20))
                        for n in (1200, 100)]}
    if rig:
        doc["udp_send"] += [e(5000.0, method="txbatch_waited", batch=20, bytes=n)
                            for n in (1200, 100)]
        doc.update(cpu=0, peer_cpu=1, rx_wakeup=e(20000.0, bytes=1200, gap_us=2000))
    return doc


def write(d, name, doc):
    with open(os.path.join(d, name), "w") as f:
        json.dump(doc, f)


def fanout_run(d, server, rnd, cpu_us, canary_ns):
    write(d, f"fanout20-{server}-r{rnd}.json", {
        "label": f"fanout20-{server}", "scenario": "fanout", "subscribers": 20,
        "srtp_profile": "SRTP_AEAD_AES_128_GCM", "forwarded_pps": 4760.0, "loss_pct": 0.0,
        "server": {"cpu_pct": 3.0, "cpu_us_per_forwarded_packet": cpu_us, "rss_kb": 8000.0,
                   "rss_per_subscriber_kb": 300.0},
        "bench": {"cpu_us_per_received_packet": 9.0},
        "delay_ms": {"p50": 0.3, "p99": 0.5 + rnd / 10, "max": 3.0},
        "server_delay": {"source": "lumen_forward_delay_seconds", "samples": 2380,
                         "p50_le_ms": 0.3, "p99_le_ms": (0.75, 2.0, 1.0, 1.0)[rnd - 1]},
        "canary": None if canary_ns is None else {"cpu": 0, "ns_per_unit": canary_ns,
                                                  "units": 8000}})


def halfload_run(d, server, n, cpu_us):
    write(d, f"halfload-{server}-r1.json", {
        "label": f"halfload-{server}", "scenario": "fanout", "subscribers": n,
        "srtp_profile": "SRTP_AEAD_AES_128_GCM", "forwarded_pps": 237.0 * n, "loss_pct": 0.0,
        "delay_ms": {"p50": 1.0, "p99": 5.0, "max": 9.0},
        "server": {"cpu_pct": 40.0, "cpu_us_per_forwarded_packet": cpu_us}})


def findmax_run(d, server, max_ok, steps):
    """steps: (subscribers, ok) in the order tried; a repeated N is a second try."""
    tries, out = {}, []
    for n, ok in steps:
        tries[n] = tries.get(n, 0) + 1
        out.append({"subscribers": n, "try": tries[n], "ok": ok, "loss_pct": 0.0 if ok else 2.0,
                    "cpu_pct": 81.0 if server == "lumen" else 99.0, "bench_cpu_pct": 80.6})
    write(d, f"findmax-{server}-r1.json", {
        "label": f"findmax-{server}", "scenario": "fanout", "subscribers": max_ok,
        "find_max": {"max_ok": max_ok, "loss_limit_pct": 1.0, "delay_limit_ms": 50.0,
                     "tries": 2, "steps": out}})


def join_run(d, name, server, p50, gap, phase, steps):
    """A join scenario's run; gap/phase None: a run from before lumen-bench recorded them."""
    jm = {"p50": p50, "p99": p50 * 2, "n": 100, "no_video": 0, "first_video_keyframe": 100,
          "mode": "subscriber", "steps_p50": steps, "steps_p99": steps}
    if gap is not None:
        jm.update(gap_ms=gap, phase_ms=phase)
    write(d, f"{name}-{server}-r1.json", {"label": f"{name}-{server}", "scenario": "join",
                                          "subscribers": 1, "join_ms": jm})


def report(results, out):
    env = dict(os.environ, top_srcdir=TOP_SRCDIR, top_builddir=results)
    env.pop("LUMEN_VERSION", None)
    return subprocess.run(["bash", SCRIPT, "--report-only", "--results", results, "--out", out],
                          capture_output=True, text=True, timeout=120, env=env)


def row(text, start):
    """The cells of the first table row whose metric starts with `start`."""
    for line in text.splitlines():
        if line.startswith("| " + start):
            return [c.strip() for c in line.strip().strip("|").split("|")]
    return None


def main():
    t = Tap()
    with tempfile.TemporaryDirectory() as d:
        write(d, "floor.json", floor_doc())
        with open(os.path.join(d, "run.env"), "w") as f:
            f.write(RUN_ENV)
        # lumen: ratios 1.2, 1.2, 1.4 -> median 1.2 (the ratio of the medians, 7 / 5000 ns,
        # would be 1.4); round 4 has no canary and counts in no ratio.
        for rnd, cpu, can in ((1, 6.0, 5000), (2, 12.0, 10000), (3, 7.0, 5000), (4, 50.0, None)):
            fanout_run(d, "lumen", rnd, cpu, can)
        # Janus: 5.0 in every round.
        for rnd, cpu, can in ((1, 30.0, 6000), (2, 28.0, 5600), (3, 40.0, 8000), (4, 35.0, 7000)):
            fanout_run(d, "janus", rnd, cpu, can)
        # lumen: 580 failed once and held at its second try; nothing failed up to 600, the
        # search's bound. Janus: 120 failed both tries.
        findmax_run(d, "lumen", 600, [(20, True), (580, False), (580, True), (600, True)])
        findmax_run(d, "janus", 110, [(100, True), (110, True), (120, False), (120, False)])
        halfload_run(d, "lumen", 300, 5.0)  # 1.50 ms
        halfload_run(d, "janus", 55, 26.0)  # 1.43 ms
        # Joins: spaced ones for the verdict, a burst for reference; lumen's steps only for the
        # spaced runs, so the steps table has three columns.
        join_run(d, "join100", "lumen", 13.0, 100, 100,
                 {"first_packet": 13.0, "first_audio": 15.0, "first_video": 14.0})
        join_run(d, "join100", "janus", 30.0, 100, 100, {"first_packet": 30.0})
        join_run(d, "joinburst100", "lumen", 16.5, 0, 0, {})
        join_run(d, "joinburst100", "janus", 30.0, 0, 0, {"first_packet": 30.0})
        out = os.path.join(d, "report.md")

        r = report(d, out)
        t.check(r.returncode == 0 and os.path.exists(out),
                "--report-only writes the report from the results alone (no root, no runs)",
                r.stdout + r.stderr)
        text = open(out).read() if os.path.exists(out) else ""
        c = row(text, "CPU per packet / the floor timed beside it")
        t.check(c is not None and c[1] == "1.20×" and c[2] == "5.00×" and c[3] == "0.24",
                "the canary row is the median of each round's ratio (1.20, not 7/5 = 1.40), "
                "Janus 5.00", repr(c))
        t.check(c is not None and "median of 3 lumen and 4 Janus rounds" in c[0],
                "a round without a canary is left out, and the row says how many counted",
                repr(c))
        c = row(text, "one received packet's fan-out at half the max load")
        t.check(c is not None and c[1] == "1.50" and c[2] == "1.43" and c[4] == "(bound)",
                "the half-load fan-out is subscribers x CPU per packet (300 x 5.0 us, "
                "55 x 26.0 us)", repr(c))
        c = row(text, "delay at fanout N=20, p99")
        t.check(c is not None and c[1] == "≤ 1.00 (0.75)" and c[2] == "(0.75)",
                "the fanout delay row: lumen's own p99 bound and both whole-path p99s, medians "
                "over rounds", repr(c))
        # Weighted by the fanout mix (180 video, 50 audio packets a second): protect
        # 0.783 x 400 + 0.217 x 150 = 345.65 ns; the send() floor 2.85 us, the rig's 5.35 us;
        # the bound 20 / 20 + 5.35 = 6.35 us, 2.23x the send() floor.
        fan = row(text, "lumen CPU per packet / floor (protect")
        c = row(text, "lumen CPU per packet / the rig's floor")
        t.check(c is not None and fan is not None and c[3].startswith("floor 5.35 µs: ")
                and c[1] == fan[1] and c[4] == "(reference)" and "20 sockets" in c[0],
                "the rig's floor is protect + the fan-out to waiting receivers", repr(c))
        c = row(text, "the least CPU per forwarded packet any server can have")
        ratio = None if fan is None else float(fan[1]) / 6.3457
        t.check(c is not None and c[1] == "6.35" and c[3].startswith("2.23× the send() floor, ")
                and " of Janus's figure; " in c[3]
                and ratio is not None and c[3].endswith(f"lumen {ratio:.2f}× this")
                and c[4] == "(bound)" and "(20.0 µs: poll" in c[0] and "N=20" in c[0],
                "the bound at N = 20 is a wake-up / 20 + the rig's floor, set against the "
                "send() floor and lumen's figure", repr(c))
        c = row(text, "find-max subscribers on one core")
        t.check(c is not None and c[1] == "≥ 600" and c[2] == "110" and c[3] == "≥ 5.45"
                and c[5] == "**met**" and "at 600 it used 81 % of its core" in c[0],
                "a search that failed no step (a retry that held counts as held) is a lower "
                "bound, shown as one, with what its last step cost", repr(c))
        c = row(text, "join time p50, ms (a subscriber's create")
        t.check(c is not None and c[1:4] == ["13.0", "30.0", "0.43"] and c[5] == "**met**"
                and "joins 100 ms apart plus a random 0-100 ms" in c[0],
                "the join verdict is on the spaced joins, and its row says how they were spaced",
                repr(c))
        c = row(text, "join time p50, ms, a burst")
        t.check(c is not None and c[1:4] == ["16.5", "30.0", "0.55"] and c[4] == "(reference)"
                and "back to back" in c[0],
                "the burst of back-to-back joins is a reference row beside it", repr(c))
        steps = text.split("## Join steps", 1)[-1].split("## All scenarios", 1)[0]
        t.check("| step | lumen | Janus | Janus, burst |" in steps
                and "| first_audio | 15.0 | n/a | n/a |" in steps,
                "the steps table has a column per join run with steps", steps)
        t.check(re.search(r"^- lumen: `abc1234`", text, re.M) is not None
                and "Runs: 3 round(s)" in text,
                "the header describes the measuring run (run.env), not this tree",
                "\n".join(text.splitlines()[:12]))

        # Janus's search reaching its bound too: no ratio can be read, so no verdict.
        findmax_run(d, "janus", 120, [(100, True), (110, True), (120, True)])
        r = report(d, out)
        c = row(open(out).read(), "find-max subscribers on one core")
        t.check(r.returncode == 0 and c is not None and c[2] == "≥ 120"
                and c[3].startswith("n/a") and c[5] == "n/a",
                "when Janus's search reached its bound the ratio and verdict are n/a", repr(c))

        write(d, "floor.json", floor_doc(rig=False))
        r = report(d, out)
        text = open(out).read()
        c = [row(text, "lumen CPU per packet / the rig's floor"),
             row(text, "the least CPU per forwarded packet any server can have")]
        t.check(r.returncode == 0 and None not in c and c[0][3].startswith("floor n/a")
                and c[1][1] == "n/a" and "receive wake-up |" not in text,
                "a floor.json without the rig figures gives n/a, not an error", repr(c))

        os.remove(os.path.join(d, "run.env"))
        r = report(d, out)
        t.check(r.returncode != 0 and "run.env" in r.stderr,
                "without run.env it refuses and says what is missing", r.stderr)
        empty = os.path.join(d, "empty")
        os.mkdir(empty)
        r = report(empty, os.path.join(empty, "report.md"))
        t.check(r.returncode != 0 and "no results" in r.stderr
                and not os.path.exists(os.path.join(empty, "report.md")),
                "a directory without results is refused and no report written", r.stderr)
    t.done()


if __name__ == "__main__":
    main()
