#!/usr/bin/python3
"""recording_media.py -- measures what lumen-pp made of a recording, for the recording end-to-end
tests (recording_sync.sh, recording_browser.sh).

  recording_media.py probe FILE...
      one JSON line per file: {"file", "plays": bool, "duration_s", "discoverer": "..."}
      (gst-discoverer-1.0 says whether it plays and how long it is)
  recording_media.py sync OUTDIR MANIFEST SUMMARY LATE
      recording_sync.sh's checks: lumen-pp's outputs in OUTDIR of the recording MANIFEST made of
      recording_pub.py's publishers (SUMMARY, its JSON line); prints "ok NAME" / "not ok NAME" /
      "# diagnostics" lines for the shell to number.
      With recording_pub.py --audio-ppm or a session over 2 minutes it also measures drift:
      B's beeps against A's and against B's flashes per minute, the first minute against the
      last, each track's sender-report clock rate, and where B's audio would land uncorrected
      (first packet + timestamp / 48000).
  recording_media.py strip-srs IN.pcap OUT.pcap
      copies a track file without its sender reports (lumen-pp then places the track by its
      first packet at the nominal rate: the uncorrected control of the drift check).
  recording_media.py control OUTDIR MANIFEST SUMMARY
      the drift of B's beeps against A's in lumen-pp's outputs of a recording whose B audio
      track lost its sender reports: "ok" when that drift is over 10 ms (the check can fail).
  recording_media.py browser OUTDIR MANIFEST SUMMARY LATE
      recording_browser.sh's checks on lumen-pp's outputs of recording_browser.mjs's session.
  recording_media.py tone FILE.wav SECONDS
      writes a steady 440 Hz tone (48 kHz mono), the browsers' microphone.
  recording_media.py pcaps DIR
      one JSON line: {"FILE.pcap": {"records", "rtp", "sr", "first_us", "last_us", "torn"}} for
      the recording folder DIR (last_us: the last complete record's time).
  recording_media.py events FILE...
      decodes each file (GStreamer) and prints one JSON line per file: {"file", "kind":
      "audio"|"video", "end_s", "start_s" (first non-silent sample / first non-black frame),
      "flashes": [s...] (white frames after non-white), "beeps": [s...] (loud onsets after 0.5 s
      without one)}. Times are positions in the file's own timeline (its timestamps), in seconds.

The thresholds fit recording_pub.py's media (gray frames, white flashes; a quiet 440 Hz tone, a
loud 1 kHz beep) and Chromium's fake devices (any picture is "not black", any sound "not silent")."""
import array
import json
import re
import subprocess
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

RATE = 48000


def probe(path):
    try:
        p = subprocess.run(["gst-discoverer-1.0", "-t", "20", path], capture_output=True, text=True, timeout=30)
        text = p.stdout + p.stderr
        m = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", text)
        dur = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)) if m else None
        plays = p.returncode == 0 and "Done discovering" in text and dur is not None and dur > 0 \
            and "An error" not in text and "error" not in text.lower().split("done discovering")[-1]
        return {"file": path, "plays": plays, "duration_s": dur, "discoverer": text.strip()[-400:]}
    except Exception as ex:
        return {"file": path, "plays": False, "duration_s": None, "discoverer": str(ex)}


def decode(path):
    """Returns (kind, items): video -> [(pts_s, mean_luma)], audio -> (first_pts_s, array of samples)."""
    pipe = Gst.parse_launch(f'filesrc location="{path}" ! decodebin name=d')
    d = pipe.get_by_name("d")
    sinks = []

    def on_pad(_el, pad):
        caps = pad.get_current_caps() or pad.query_caps(None)
        name = caps.get_structure(0).get_name()
        if name.startswith("video/"):
            desc = "videoconvert ! video/x-raw,format=GRAY8 ! appsink name=s sync=false"
        elif name.startswith("audio/"):
            desc = ("audioconvert ! audioresample ! audio/x-raw,format=S16LE,channels=1,rate=48000 "
                    "! appsink name=s sync=false")
        else:
            return
        b = Gst.parse_bin_from_description(desc, True)
        pipe.add(b)
        b.sync_state_with_parent()
        pad.link(b.get_static_pad("sink"))
        sinks.append(("video" if name.startswith("video/") else "audio", b.get_by_name("s")))

    d.connect("pad-added", on_pad)
    pipe.set_state(Gst.State.PLAYING)
    bus = pipe.get_bus()
    frames, chunks = [], []
    err = None
    while True:
        for kind, s in list(sinks):
            while True:
                smp = s.emit("try-pull-sample", 5 * Gst.MSECOND)
                if smp is None:
                    break
                buf = smp.get_buffer()
                ok, mi = buf.map(Gst.MapFlags.READ)
                data = bytes(mi.data)
                buf.unmap(mi)
                pts = buf.pts / Gst.SECOND if buf.pts != Gst.CLOCK_TIME_NONE else None
                if kind == "video":
                    step = data[::5]
                    frames.append((pts, sum(step) / max(1, len(step))))
                else:
                    chunks.append((pts, data))
        msg = bus.timed_pop_filtered(5 * Gst.MSECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        if msg:
            if msg.type == Gst.MessageType.ERROR:
                err = msg.parse_error()[0].message
            else:  # drain what is left
                for kind, s in sinks:
                    while True:
                        smp = s.emit("try-pull-sample", 0)
                        if smp is None:
                            break
                        buf = smp.get_buffer()
                        ok, mi = buf.map(Gst.MapFlags.READ)
                        data = bytes(mi.data)
                        buf.unmap(mi)
                        pts = buf.pts / Gst.SECOND
                        if kind == "video":
                            step = data[::5]
                            frames.append((pts, sum(step) / max(1, len(step))))
                        else:
                            chunks.append((pts, data))
            break
    pipe.set_state(Gst.State.NULL)
    if err:
        raise RuntimeError(err)
    if frames:
        return "video", frames
    if not chunks:
        return None, None
    first = chunks[0][0] or 0.0
    a = array.array("h")
    for pts, data in chunks:
        want = int(round(((pts if pts is not None else first) - first) * RATE))
        if want > len(a) + 2:  # a hole in the timestamps: keep positions true
            a.extend([0] * (want - len(a)))
        c = array.array("h")
        c.frombytes(data)
        a.extend(c)
    return "audio", (first, a)


def video_events(frames):
    frames.sort()
    # (not black: Chromium's fake camera is dark, luma 10-50 of 255)
    start = next((t for t, y in frames if y > 5), None)
    # A first frame at 0 followed by a gap of several frame intervals is a frame held from the
    # start of the timeline (lumen-pp --align does that for late joiners): the media begins after.
    steps = sorted(b[0] - a[0] for a, b in zip(frames[1:], frames[2:]))
    step = steps[len(steps) // 2] if steps else 0.04
    held = len(frames) > 2 and frames[0][0] < 0.001 and frames[1][0] > max(0.15, 3 * step)
    if held:
        start = next((t for t, y in frames[1:] if y > 5), None)
    flashes, prev = [], 0.0
    for t, y in frames:
        if y > 200 and prev <= 200:
            flashes.append(round(t, 6))
        prev = y
    end = frames[-1][0] + (frames[-1][0] - frames[-2][0] if len(frames) > 1 else 0)
    return {"kind": "video", "start_s": start, "held_first": held, "end_s": end, "flashes": flashes, "frames": len(frames),
            "min_luma": min(y for _, y in frames), "max_luma": max(y for _, y in frames)}


def audio_events(first, a):
    n = len(a)
    blk = 48  # 1 ms blocks
    peaks = [max(max(a[i:i + blk]), -min(a[i:i + blk])) for i in range(0, n, blk)]
    quiet_thr, loud_thr = int(0.03 * 32767), int(0.45 * 32767)
    start = None
    for bi, p in enumerate(peaks):
        if p > quiet_thr:
            i0 = bi * blk
            start = first + next(i for i in range(i0, min(n, i0 + blk)) if abs(a[i]) > quiet_thr) / RATE
            break
    beeps, last = [], -10**9
    for bi, p in enumerate(peaks):
        if p > loud_thr:
            if bi - last > 500:
                i0 = bi * blk
                i = next(i for i in range(i0, min(n, i0 + blk)) if abs(a[i]) > loud_thr)
                beeps.append(round(first + i / RATE, 6))
            last = bi
    return {"kind": "audio", "start_s": start, "end_s": first + n / RATE, "beeps": beeps}


def outputs_by_track(outdir, manifest):
    """{track id: path} of lumen-pp's per-track outputs (the file name starts with the track id)."""
    import os
    ids = sorted((t["id"] for t in manifest.get("tracks", [])), key=len, reverse=True)
    res = {}
    for f in sorted(os.listdir(outdir)):
        if f.endswith((".json", ".txt", ".log")):
            continue
        tid = next((i for i in ids if f.startswith(i + ".") or f.startswith(i + "-") or f == i), None)
        if tid and tid not in res:
            res[tid] = os.path.join(outdir, f)
    return res


def duration_checks(res, probes, kinds, session):
    """Audio and video must last the session within 100 ms."""
    bad_a = {f: p["duration_s"] for f, p in probes.items()
             if kinds[f] == "audio" and not (p["duration_s"] and abs(p["duration_s"] - session) <= 0.1)}
    res(session is not None and not bad_a,
        f"every audio output lasts the session ({session} s) within 100 ms", f"off: {bad_a}")
    bad_v = {f: p["duration_s"] for f, p in probes.items()
             if kinds[f] == "video" and not (p["duration_s"] and abs(p["duration_s"] - session) <= 0.1)}
    res(session is not None and not bad_v,
        f"every video output lasts the session ({session} s) within 100 ms", f"off: {bad_v}")


def stats(xs):
    if not xs:
        return "none"
    return f"n={len(xs)} min={min(xs) * 1e3:+.1f} ms max={max(xs) * 1e3:+.1f} ms " \
        f"mean={sum(xs) / len(xs) * 1e3:+.1f} ms"


def nearest(x, ys):
    return min(ys, key=lambda y: abs(y - x)) if ys else None


# ---- drift (recording_pub.py --audio-ppm; the ten-minute run of recording_sync.sh) ----

def read_pcap(path):
    """[(arrival_us, udp payload)] of a recording's track file (link types 1, 101, 228)."""
    import struct
    data = open(path, "rb").read()
    if len(data) < 24 or data[:4] != b"\xd4\xc3\xb2\xa1":
        return []
    link = struct.unpack("<I", data[20:24])[0]
    skip = {1: 14 + 28, 101: 28, 228: 28}.get(link, 42)
    out, o = [], 24
    while o + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack("<IIII", data[o:o + 16])
        if o + 16 + incl > len(data):
            break
        out.append((sec * 1000000 + usec, data[o + 16 + skip:o + 16 + incl]))
        o += 16 + incl
    return out


def strip_srs(src, dst):
    """Copies the pcap src to dst without its RTCP records (second byte 200..204)."""
    import struct
    data = open(src, "rb").read()
    link = struct.unpack("<I", data[20:24])[0]
    skip = {1: 14 + 28, 101: 28, 228: 28}.get(link, 42)
    out, o, n = [data[:24]], 24, 0
    while o + 16 <= len(data):
        incl = struct.unpack("<I", data[o + 8:o + 12])[0]
        rec = data[o:o + 16 + incl]
        pl = rec[16 + skip:]
        if len(pl) > 1 and 200 <= pl[1] <= 204:
            n += 1
        else:
            out.append(rec)
        o += 16 + incl
    open(dst, "wb").write(b"".join(out))
    return n


def unwrap(tss):
    res, base, prev = [], 0, None
    for t in tss:
        if prev is not None and t - prev < -(1 << 31):
            base += 1 << 32
        elif prev is not None and t - prev > (1 << 31):
            base -= 1 << 32
        res.append(t + base)
        prev = t
    return res


def fit(xs, ys):
    """Least-squares slope of ys over xs."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else None


def track_clock(path, rate):
    """A track file's clock figures: its sender reports' RTP rate against their NTP time (Hz),
    the packets' RTP rate against their arrival (least-delayed packet of the first and the last
    tenth), and how much later than that the uncorrected placement (first packet + timestamp /
    rate) puts the last packet (ms)."""
    import struct
    recs = read_pcap(path)
    srs, pkts = [], []
    for t, pl in recs:
        if len(pl) < 12 or pl[0] >> 6 != 2:
            continue
        if pl[1] == 200 and len(pl) >= 20:
            msw, lsw, rtp = struct.unpack(">III", pl[8:20])
            srs.append((msw + lsw / 2**32, rtp))
        elif not 200 <= pl[1] <= 204:
            pkts.append((t, struct.unpack(">I", pl[4:8])[0]))
    r = {"srs": len(srs), "packets": len(pkts), "sr_rate_hz": None, "pkt_rate_hz": None,
         "naive_end_ms": None, "span_s": None}
    if len(srs) >= 2:
        ts = unwrap([x[1] for x in srs])
        r["sr_rate_hz"] = fit([x[0] for x in srs], ts)
    if len(pkts) >= 20:
        ts = unwrap([x[1] for x in pkts])
        t0, ts0 = pkts[0][0], ts[0]
        span = (pkts[-1][0] - t0) / 1e6
        r["span_s"] = span
        d = [(a - t0) / 1e6 - (x - ts0) / rate for (a, _), x in zip(pkts, ts)]  # arrival - naive
        k = max(1, len(pkts) // 10)
        i0 = min(range(k), key=lambda i: d[i])
        i1 = min(range(len(pkts) - k, len(pkts)), key=lambda i: d[i])
        dt = (pkts[i1][0] - pkts[i0][0]) / 1e6
        r["pkt_rate_hz"] = (ts[i1] - ts[i0]) / dt if dt > 0 else None
        if r["pkt_rate_hz"]:  # naive time - true time of the last packet, at the packets' rate
            r["naive_end_ms"] = (ts[-1] - ts0) * (1 / rate - 1 / r["pkt_rate_hz"]) * 1e3
    return r


def windows(pairs, width):
    """Means of the offsets of (time, offset) pairs in consecutive windows of width s from the
    first time: [(window start, n, mean, max |offset|)]."""
    if not pairs:
        return []
    t0 = pairs[0][0]
    out = {}
    for t, o in pairs:
        out.setdefault(int((t - t0) // width), []).append(o)
    return [(t0 + i * width, len(v), sum(v) / len(v), max(abs(x) for x in v)) for i, v in sorted(out.items())]


def drift_figures(pairs, span):
    """(max |offset|, trend = mean of the last window - mean of the first, window width, windows):
    windows of a minute, or a quarter of a shorter span."""
    width = min(60.0, max(1.0, span / 4))
    w = windows(pairs, width)
    if not w:
        return None, None, width, w
    mx = max(abs(o) for _, o in pairs)
    return mx, w[-1][2] - w[0][2], width, w


def fmt_windows(w, t0):
    return "; ".join(f"{(s - t0):.0f}s {m * 1e3:+.1f}" for s, _, m, _ in w)


def sync(outdir, manifest_path, summary_path, late):
    lines = []

    def res(cond, name, diag=None):
        lines.append(f"{'ok' if cond else 'not ok'} {name}")
        if diag:
            lines.extend("# " + d for d in str(diag).splitlines())
        return cond

    def note(s):
        lines.append("# " + s)

    m = json.load(open(manifest_path))
    summ = json.loads(open(summary_path).read().strip().splitlines()[-1])
    started, ended = m.get("started_us"), m.get("ended_us")
    session = (ended - started) / 1e6 if started and ended else None
    note(f"session {session} s on the manifest's clock; "
         f"{(summ['rec_stop_wall_us'] - summ['rec_start_wall_us']) / 1e6:.3f} s between the admin calls")
    outs = outputs_by_track(outdir, m)
    tracks = {t["id"]: t for t in m.get("tracks", [])}
    feeds = {p["name"]: p for p in summ["pubs"]}
    per = {}
    for name, p in feeds.items():
        for tid, t in tracks.items():
            if t.get("participant") == p["feed"] and tid in outs:
                per.setdefault(name, {})[t["kind"]] = outs[tid]
    ok_outs = res(all(len(per.get(n, {})) == 2 for n in feeds) and len(outs) == 4,
                  "lumen-pp made an audio and a video output per publisher",
                  f"outputs {outs}; tracks {list(tracks)}; feeds {[p['feed'] for p in summ['pubs']]}")
    if not ok_outs:
        return lines
    probes = {f: probe(f) for f in outs.values()}
    res(all(p["plays"] for p in probes.values()), "every output plays (gst-discoverer-1.0)",
        "\n".join(f"{f}: {p['discoverer']}" for f, p in probes.items() if not p["plays"]))
    durs = {f: p["duration_s"] for f, p in probes.items()}
    note("durations " + ", ".join(f"{f.rsplit('/', 1)[-1]} {d}" for f, d in durs.items()))
    duration_checks(res, probes, {f: k for n in per for k, f in per[n].items()}, session)
    ev = {}
    for name in feeds:
        for kind, f in per[name].items():
            kind_, items = decode(f)
            ev[(name, kind)] = video_events(items) if kind_ == "video" else audio_events(*items) \
                if kind_ == "audio" else {"flashes": [], "beeps": [], "start_s": None}
    av_all = []
    first = {}
    for name, p in feeds.items():
        fl, be = ev[(name, "video")]["flashes"], ev[(name, "audio")]["beeps"]
        tr = {t["kind"]: t for t in tracks.values() if t.get("participant") == p["feed"]}
        first[name] = {k: (t["first_us"] - started) / 1e6 for k, t in tr.items()}
        last = min((t["last_us"] - started) / 1e6 for t in tr.values())
        beg = max(first[name].values())
        # every whole second of the sender's that both tracks cover (not the edges)
        inner = [f for f in fl if beg + 0.05 < f < last - 0.15]
        offs = [nearest(f, be) - f for f in inner] if be else []
        unmatched = [f for f, o in zip(inner, offs) if abs(o) > 0.5] if be else inner
        offs = [o for o in offs if abs(o) <= 0.5]
        av_all += offs
        note(f"publisher {name}: media {beg:.3f}..{last:.3f} s; {len(fl)} flashes at "
             f"{[round(x, 3) for x in fl]}; {len(be)} beeps at {[round(x, 3) for x in be]}")
        res(len(inner) >= int(last - beg) - 1 and not unmatched,
            f"publisher {name}: a flash every second of its media and a beep with each "
            f"({len(inner)} flashes, unmatched {unmatched})")
        res(offs and all(abs(o) <= 0.010 for o in offs),
            f"publisher {name}: each flash and its beep within 10 ms (beep - flash: {stats(offs)})")
        sv, sa = ev[(name, "video")]["start_s"], ev[(name, "audio")]["start_s"]
        note(f"publisher {name}: first packets arrived {first[name]['video']:.3f} s (video), "
             f"{first[name]['audio']:.3f} s (audio) into the recording; outputs begin: video {sv}, audio {sa}")
        res(sv is not None and sa is not None and abs(sv - first[name]["video"]) <= 0.1
            and abs(sa - first[name]["audio"]) <= 0.1,
            f"publisher {name}: outputs begin where its media began within 100 ms "
            f"(video {sv} vs {first[name]['video']:.3f}, audio {sa} vs {first[name]['audio']:.3f})")
    a, b = ev[("A", "video")], ev[("B", "video")]
    cross = [nearest(x, a["flashes"]) - x for x in b["flashes"]] if a["flashes"] else []
    aa, ba = ev[("A", "audio")], ev[("B", "audio")]
    cross_a = [nearest(x, aa["beeps"]) - x for x in ba["beeps"]] if aa["beeps"] else []
    note(f"A - B flashes {stats(cross)}; A - B beeps {stats(cross_a)}")
    res(cross and all(abs(c) <= 0.010 for c in cross),
        f"the two publishers' flashes within 10 ms of each other on the aligned timeline ({stats(cross)})")
    res(cross_a and all(abs(c) <= 0.010 for c in cross_a),
        f"the two publishers' beeps within 10 ms of each other on the aligned timeline ({stats(cross_a)})")
    ok_late = all(x["start_s"] is not None and y["start_s"] is not None
                  and abs(x["start_s"] - y["start_s"] - late) <= 0.1 for x, y in ((b, a), (ba, aa)))
    res(ok_late, f"the late joiner's outputs begin {late} s after the first's within 100 ms "
        f"(video {b['start_s']} vs {a['start_s']}, audio {ba['start_s']} vs {aa['start_s']})")
    res(ba["start_s"] is not None and ba["start_s"] >= late - 0.1,
        f"the late joiner's audio begins with at least {late} s of silence ({ba['start_s']})")
    held = [n for n in feeds if ev[(n, "video")].get("held_first")]
    res(not held, "no video output shows a frame before its publisher's media began",
        f"publishers {held}" if held else None)
    note(f"all A/V offsets (beep - flash): {stats(av_all)}")
    ppm = float(summ.get("audio_ppm") or 0)
    if ppm or (session or 0) > 120:
        drift(res, note, manifest_path, m, summ, feeds, tracks, ev, session, ppm)
    return lines


def drift(res, note, manifest_path, m, summ, feeds, tracks, ev, session, ppm):
    """The drift checks (recording_sync.sh's long mode): B's beeps against A's and against B's
    own flashes over the whole session, per minute, within 10 ms; the first minute against the
    last within 10 ms; the sender reports' clock rates (B's audio (1 + ppm/1e6) * 48000 Hz, the
    others nominal) and what the uncorrected placement would make of B's audio."""
    import os
    bb, ab, fb = ev[("B", "audio")]["beeps"], ev[("A", "audio")]["beeps"], ev[("B", "video")]["flashes"]
    b_tr = {t["kind"]: t for t in tracks.values() if t.get("participant") == feeds["B"]["feed"]}
    b_beg = max((t["first_us"] - m["started_us"]) / 1e6 for t in b_tr.values())
    b_end = min((t["last_us"] - m["started_us"]) / 1e6 for t in b_tr.values())
    cross = [(t, t - nearest(t, ab)) for t in bb if b_beg + 0.05 < t < b_end - 0.15] if ab else []
    cross = [(t, o) for t, o in cross if abs(o) <= 0.5]
    av = [(f, nearest(f, bb) - f) for f in fb if b_beg + 0.05 < f < b_end - 0.15] if bb else []
    av = [(t, o) for t, o in av if abs(o) <= 0.5]
    span = b_end - b_beg
    want = int(span) - 2
    for what, pairs in (("B's beep - A's beep", cross), ("B's beep - B's flash", av)):
        mx, trend, width, w = drift_figures(pairs, span)
        note(f"{what}, mean per {width:.0f} s from B's start (ms): {fmt_windows(w, b_beg)}")
        res(len(pairs) >= want and mx is not None and mx <= 0.010,
            f"drift over {span:.0f} s: {what} within 10 ms at all {len(pairs)} seconds "
            f"(max |offset| {mx * 1e3 if mx is not None else float('nan'):.1f} ms; want {want} seconds)")
        res(trend is not None and abs(trend) <= 0.010,
            f"drift over {span:.0f} s: {what}, last {width:.0f} s against the first: "
            f"{trend * 1e3 if trend is not None else float('nan'):+.1f} ms (within 10 ms)")
    d = os.path.dirname(manifest_path)
    for name, p in feeds.items():
        for t in tracks.values():
            if t.get("participant") != p["feed"] or "file" not in t:
                continue
            rate = 48000 if t["kind"] == "audio" else 90000
            c = track_clock(os.path.join(d, t["file"]), rate)
            want_hz = rate * (1 + ppm * 1e-6) if (name, t["kind"]) == ("B", "audio") else rate
            sr_ppm = (c["sr_rate_hz"] / rate - 1) * 1e6 if c["sr_rate_hz"] else None
            note(f"publisher {name} {t['kind']}: {c['srs']} sender reports, RTP rate "
                 f"{c['sr_rate_hz'] or float('nan'):.2f} Hz by the SRs ({sr_ppm or float('nan'):+.1f} ppm), "
                 f"{c['pkt_rate_hz'] or float('nan'):.2f} Hz by the packets' arrival; uncorrected placement "
                 f"(first packet + timestamp / {rate}) at the end {c['naive_end_ms'] or float('nan'):+.1f} ms "
                 f"off the arrival over {c['span_s'] or 0:.0f} s")
            if t["kind"] == "audio":
                # (an SR's NTP time is exact to a microsecond and its RTP time to a tick: over
                # 12 s that is 0.2 ppm; 2 ppm is 1.2 ms over ten minutes)
                tol = 2.0
                res(c["sr_rate_hz"] is not None and abs(c["sr_rate_hz"] - want_hz) <= want_hz * tol * 1e-6,
                    f"publisher {name}'s audio sender reports run at {want_hz:.1f} Hz within {tol:.0f} ppm "
                    f"({c['sr_rate_hz'] or float('nan'):.2f} Hz)")
            if (name, t["kind"]) == ("B", "audio"):
                note(f"uncorrected, B's audio would end {c['naive_end_ms'] or float('nan'):+.1f} ms late "
                     f"(expected {ppm * 1e-6 * (c['span_s'] or 0) * 1e3:+.1f} ms at {ppm:g} ppm)")


def control(outdir, manifest_path, summary_path):
    """B's beeps against A's in the outputs of the recording whose B audio lost its SRs."""
    m = json.load(open(manifest_path))
    summ = json.loads(open(summary_path).read().strip().splitlines()[-1])
    ppm = float(summ.get("audio_ppm") or 0)
    outs = outputs_by_track(outdir, m)
    beeps = {}
    for p in summ["pubs"]:
        for t in m.get("tracks", []):
            if t.get("participant") == p["feed"] and t["kind"] == "audio" and t["id"] in outs:
                kind, items = decode(outs[t["id"]])
                beeps[p["name"]] = audio_events(*items)["beeps"] if kind == "audio" else []
    a, b = beeps.get("A", []), beeps.get("B", [])
    pairs = [(t, t - nearest(t, a)) for t in b[1:-1]] if a else []
    pairs = [(t, o) for t, o in pairs if abs(o) <= 0.5]
    span = pairs[-1][0] - pairs[0][0] if pairs else 0
    mx, trend, width, w = drift_figures(pairs, span)
    expect = ppm * 1e-6 * span
    lines = [f"# control (B's audio without sender reports): B's beep - A's beep, mean per {width:.0f} s "
             f"(ms): {fmt_windows(w, pairs[0][0] if pairs else 0)}"]
    ok = trend is not None and abs(trend) > 0.010
    lines.append(f"{'ok' if ok else 'not ok'} the check can fail: placed without its sender reports, B's audio "
                 f"drifts {trend * 1e3 if trend is not None else float('nan'):+.1f} ms against A's over {span:.0f} s "
                 f"(max |offset| {mx * 1e3 if mx is not None else float('nan'):.1f} ms; "
                 f"{expect * 1e3:.1f} ms expected at {ppm:g} ppm)")
    return lines


def pcaps(d):
    import glob
    import os
    import struct
    out = {}
    for f in sorted(glob.glob(os.path.join(d, "*.pcap"))):
        data = open(f, "rb").read()
        r = {"records": 0, "rtp": 0, "sr": 0, "first_us": None, "last_us": None, "torn": False,
             "header_ok": data[:4] == b"\xd4\xc3\xb2\xa1"}
        o = 24
        while o < len(data):
            if o + 16 > len(data):
                r["torn"] = True
                break
            sec, usec, incl, _ = struct.unpack("<IIII", data[o:o + 16])
            if o + 16 + incl > len(data):
                r["torn"] = True
                break
            t = sec * 1000000 + usec
            pl = data[o + 16 + 28:o + 16 + incl]
            r["records"] += 1
            r["sr" if len(pl) > 1 and pl[1] == 200 else "rtp"] += 1
            r["first_us"] = r["first_us"] or t
            r["last_us"] = t
            o += 16 + incl
        out[os.path.basename(f)] = r
    return out


def browser(outdir, manifest_path, summary_path, late):
    lines = []

    def res(cond, name, diag=None):
        lines.append(f"{'ok' if cond else 'not ok'} {name}")
        if diag and not cond:
            lines.extend("# " + d for d in str(diag).splitlines())
        return cond

    m = json.load(open(manifest_path))
    summ = json.load(open(summary_path))
    started, ended = m.get("started_us"), m.get("ended_us")
    session = (ended - started) / 1e6 if started and ended else None
    lines.append(f"# session {session} s on the manifest's clock; "
                 f"{(summ['rec_stop_ms'] - summ['rec_start_ms']) / 1e3:.3f} s between the admin calls")
    outs = outputs_by_track(outdir, m)
    disp = {p["id"]: p.get("display") for p in m.get("participants", [])}
    tracks = {t["id"]: t for t in m.get("tracks", [])}
    res(len(outs) == 6 and len(tracks) == 6, f"lumen-pp made 6 outputs, audio and video of 3 participants ({len(outs)})",
        f"outputs {sorted(outs)}; tracks {sorted(tracks)}")
    probes = {tid: probe(f) for tid, f in outs.items()}
    res(probes and all(p["plays"] for p in probes.values()), "every output plays (gst-discoverer-1.0)",
        "\n".join(f"{t}: {p['discoverer']}" for t, p in probes.items() if not p["plays"]))
    lines.append("# durations " + ", ".join(f"{disp.get(tracks[t]['participant'])}/{tracks[t]['kind']} "
                                            f"{p['duration_s']}" for t, p in sorted(probes.items())))
    duration_checks(res, probes, {t: tracks[t]["kind"] for t in probes}, session)
    starts, held = {}, []
    for tid, f in sorted(outs.items()):
        t = tracks[tid]
        kind, items = decode(f)
        e = video_events(items) if kind == "video" else audio_events(*items) if kind == "audio" else {"start_s": None}
        want = (t["first_us"] - started) / 1e6
        who = disp.get(t["participant"])
        starts[(who, t["kind"])] = e["start_s"]
        # Chromium sends the audio it captured while connecting in one burst: the output rightly
        # places it at its capture time, before the first packet's arrival, so this is a note.
        lines.append(f"# {who} {t['kind']}: first packet {want:.3f} s into the recording, output begins at "
                     f"{e['start_s']}{' (first frame held from 0)' if e.get('held_first') else ''}")
        held.extend([who] if e.get("held_first") else [])
    late_starts = [starts.get(("user2", k)) for k in ("audio", "video")]
    first_starts = [starts.get(("user0", k)) for k in ("audio", "video")]
    # The reference is when each user's media reached the server (its track's first packet), not
    # when its page published: the time from publish to first media varies by a second or more
    # between participants (the first DTLS handshake of a session under ASan took 2.9 s), and the
    # alignment lumen-pp promises is to the server's timeline. Audio gets 0.5 s for Chromium's
    # burst, placed at its capture time before the first packet's arrival; video gets 0.1 s.
    first_us = {(disp.get(t["participant"]), t["kind"]): t["first_us"] for t in tracks.values()}
    pub = {u["display"]: u["published_ms"] / 1e3 for u in summ["users"] if u}
    wants = [(first_us[("user2", k)] - first_us[("user0", k)]) / 1e6
             if ("user2", k) in first_us and ("user0", k) in first_us else None for k in ("audio", "video")]
    ok_late = all(x is not None for x in late_starts + first_starts + wants) and \
        all(abs((x - y) - w) <= tol for x, y, w, tol in zip(late_starts, first_starts, wants, (0.5, 0.1)))
    res(ok_late, f"user2, who joined {late} s late, starts after user0 by the gap between their first packets "
        f"(audio within 0.5 s: {late_starts[0]} vs {first_starts[0]}, gap {wants[0]}; video within 0.1 s: {late_starts[1]} vs "
        f"{first_starts[1]}, gap {wants[1]}; publish times {pub['user2'] - pub['user0']:.3f} s apart)")
    res(all(x is not None and x >= late for x in late_starts),
        f"user2's outputs begin with at least {late} s of silence / black ({late_starts})")
    res(not held, "no video output shows a frame before its participant's media began", f"{held}" if held else None)
    return lines


def tone(path, seconds):
    import wave
    a = array.array("h", (int(0.3 * 32767 * __import__("math").sin(2 * 3.141592653589793 * 440 * i / RATE))
                          for i in range(int(seconds * RATE))))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(a.tobytes())


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(sys.argv) > 1 else 2
    Gst.init(None)
    if sys.argv[1] == "tone":
        tone(sys.argv[2], float(sys.argv[3]))
        return 0
    if sys.argv[1] == "browser":
        try:
            for line in browser(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])):
                print(line)
        except Exception as ex:
            import traceback
            print(f"not ok the outputs were analysed ({type(ex).__name__}: {ex})")
            print("\n".join("# " + x for x in traceback.format_exc().splitlines()))
        return 0
    if sys.argv[1] == "strip-srs":
        print(strip_srs(sys.argv[2], sys.argv[3]))
        return 0
    if sys.argv[1] == "control":
        try:
            for line in control(sys.argv[2], sys.argv[3], sys.argv[4]):
                print(line)
        except Exception as ex:
            import traceback
            print(f"not ok the control was analysed ({type(ex).__name__}: {ex})")
            print("\n".join("# " + x for x in traceback.format_exc().splitlines()))
        return 0
    if sys.argv[1] == "pcaps":
        print(json.dumps(pcaps(sys.argv[2])))
        return 0
    if sys.argv[1] == "sync":
        try:
            for line in sync(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])):
                print(line)
        except Exception as ex:
            import traceback
            print(f"not ok the outputs were analysed ({type(ex).__name__}: {ex})")
            print("\n".join("# " + x for x in traceback.format_exc().splitlines()))
        return 0
    for f in sys.argv[2:]:
        if sys.argv[1] == "probe":
            print(json.dumps(probe(f)), flush=True)
            continue
        try:
            kind, items = decode(f)
            if kind == "video":
                r = video_events(items)
            elif kind == "audio":
                r = audio_events(*items)
            else:
                r = {"kind": None, "error": "no audio or video decoded"}
        except Exception as ex:
            r = {"kind": None, "error": f"{type(ex).__name__}: {ex}"}
        r["file"] = f
        print(json.dumps(r), flush=True)
    return 0


sys.exit(main())
