#!/usr/bin/python3
"""pp_gen.py -- make real lumen recordings (docs/recording.md, format "lumen-recording" v1) for
lumen-pp's tests, from media encoded by GStreamer (opusenc + rtpopuspay, vp8enc + rtpvp8pay).

Scenarios:
  sync   (default) a 12 s session: publisher 1 (audio + video) from 0.2 s, beeping and flashing
         together at 2, 4, 6, 10 s; publisher 2 (audio, clock 100 ppm fast) joins at 5.0 s and
         beeps at 6 and 10 s, changes SSRC at 8.5 s. Loss, reordering, duplicates, sequence and
         timestamp wrap, a pause from 6.6 to 7.4 s, a torn last record, two chapter markers.
         Writes expect.json next to the manifest: what a correct post-processor must produce.
  drift  two audio publishers beeping together every 30 s for --minutes minutes, the second
         joining 5 s late with its clock 100 ppm fast (pp_outputs.py --drift, run by hand).
  long   one Opus track of --minutes minutes (speed measurements).

Packets arrive with 20 ms base delay plus jitter; sender reports every second map each sender's
NTP clock (an arbitrary offset from the session clock) to its RTP clock, as a browser's do.
Usage: pp_gen.py OUTDIR [--scenario sync|long] [--minutes N]
"""
import argparse
import json
import os
import random
import struct

import gi
import numpy as np

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

Gst.init(None)
RATE = 48000
SHIFT = int(os.environ.get("PP_GEN_SHIFT", "312"))  # see encode_audio
T0 = 1795429000_000000  # session clock anchor (epoch µs)


def run_encoder(desc, caps, chunks):
    """Push (pts_ns, bytes) raw chunks through desc; return [(pts_ns, rtp_bytes)]."""
    pipe = Gst.parse_launch(
        f"appsrc name=src format=time caps={caps} ! {desc} ! appsink name=sink sync=false"
    )
    src, sink = pipe.get_by_name("src"), pipe.get_by_name("sink")
    out = []
    pipe.set_state(Gst.State.PLAYING)
    for pts, dur, data in chunks:
        b = Gst.Buffer.new_wrapped(data)
        b.pts, b.duration = pts, dur
        src.emit("push-buffer", b)
        while True:  # drain as we go so memory stays small on long runs
            s = sink.emit("try-pull-sample", 0)
            if not s:
                break
            bb = s.get_buffer()
            out.append((bb.pts, bb.extract_dup(0, bb.get_size())))
    src.emit("end-of-stream")
    while True:
        s = sink.emit("pull-sample")
        if not s:
            break
        bb = s.get_buffer()
        out.append((bb.pts, bb.extract_dup(0, bb.get_size())))
    pipe.set_state(Gst.State.NULL)
    return out


def encode_audio(samples):
    """samples: int16 mono at 48 kHz -> [(sample_index, rtp)] (rtpopuspay, 20 ms frames)."""
    chunks = []
    for i in range(0, len(samples), 960):
        c = samples[i:i + 960]
        chunks.append((i * Gst.SECOND // RATE, len(c) * Gst.SECOND // RATE, c.tobytes()))
    pkts = run_encoder(
        "audioconvert ! opusenc frame-size=20 bitrate=32000 ! rtpopuspay pt=111 mtu=1200",
        "audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved", chunks)
    # Stamp like a browser. libwebrtc gives a packet the capture time of its first input sample,
    # so decoded (RTP has no pre-skip) its sound plays 312 samples (libopus lookahead) late.
    # GStreamer's opusenc already moves its timestamps back by the lookahead (measured: decoded
    # without pre-skip, its packets play at their PTS). SHIFT = 312 turns the latter into the
    # former; PP_GEN_SHIFT=0 gives GStreamer's own stamps.
    return [(pts * RATE // Gst.SECOND + SHIFT, p) for pts, p in pkts]


ENCODERS = {
    "vp8": "vp8enc deadline=1 lag-in-frames=0 keyframe-max-dist=30 target-bitrate=300000 "
           "! rtpvp8pay pt=96 mtu=600 picture-id-mode=15-bit",
    "vp9": "vp9enc deadline=1 lag-in-frames=0 keyframe-max-dist=30 target-bitrate=300000 "
           "! rtpvp9pay pt=98 mtu=600 picture-id-mode=15-bit",
    "h264": "openh264enc gop-size=30 bitrate=300000 ! video/x-h264,profile=constrained-baseline "
            "! h264parse ! rtph264pay pt=102 mtu=600 config-interval=-1",
}


def encode_video(frames, fps=30, codec="vp8"):
    """frames: list of (H, W) uint8 luma planes -> [(frame_index, rtp)]."""
    h, w = frames[0].shape
    chroma = np.full((h // 2) * (w // 2) * 2, 128, np.uint8).tobytes()
    chunks = [(k * Gst.SECOND // fps, Gst.SECOND // fps, f.tobytes() + chroma)
              for k, f in enumerate(frames)]
    pkts = run_encoder(
        ENCODERS[codec],
        f"video/x-raw,format=I420,width={w},height={h},framerate={fps}/1", chunks)
    return [(round(pts * fps / Gst.SECOND), p) for pts, p in pkts]


def beeps(n_samples, times, rate=RATE, skew=0.0):
    """Silence with 100 ms 1 kHz beeps at the given times (s, on the sender's real clock)."""
    x = np.zeros(n_samples, np.float64)
    for t in times:
        i = int(round(t * rate * (1 + skew)))
        n = np.arange(min(4800, n_samples - i))
        x[i:i + len(n)] = 0.5 * np.sin(2 * np.pi * 1000 * n / rate)
    return (x * 32767).astype(np.int16)


def rewrite(pkt, seq, ts, ssrc):
    return pkt[:2] + struct.pack(">HII", seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + pkt[12:]


def sender_report(ssrc, ntp_us, rtp_ts, count, octets):
    sec, us = divmod(ntp_us, 1000000)
    frac = (us << 32) // 1000000
    return struct.pack(">BBHIIIIII", 0x80, 200, 6, ssrc, sec + 2208988800, frac,
                       rtp_ts & 0xFFFFFFFF, count, octets)


class Track:
    """One track's records: (arrival_us, payload). Times are session µs from T0."""

    def __init__(self, tid, participant, kind, codec, pt, rate, rng):
        self.tid, self.participant, self.kind, self.codec = tid, participant, kind, codec
        self.pt, self.rate, self.rng = pt, rate, rng
        self.records, self.ssrcs = [], []

    def add_rtp(self, capture_us, pkt, jitter_us, loss=0.0, dup=0.0, late=0.0):
        if self.rng.random() < loss:
            return
        arr = capture_us + 20000 + self.rng.randint(0, jitter_us)
        if self.rng.random() < late:
            arr += 45000  # arrives after its successors: reordering
        self.records.append((arr, pkt))
        if self.rng.random() < dup:
            self.records.append((arr + 3000, pkt))

    def add_sr(self, instant_us, ntp_offset_us, rtp_ts, ssrc):
        self.records.append((instant_us + 20000,
                             sender_report(ssrc, T0 + instant_us + ntp_offset_us, rtp_ts, 0, 0)))


def write_pcap(path, records, index, torn=False):
    recs = sorted(records, key=lambda r: r[0])
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # Ethernet
        for n, (t, pl) in enumerate(recs):
            udp = struct.pack(">HHHH", 5000 + 2 * index, 5004, 8 + len(pl), 0) + pl
            ip = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0,
                                       64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])))
            s = sum(struct.unpack(">10H", ip))
            s = (s & 0xFFFF) + (s >> 16)
            s = (s & 0xFFFF) + (s >> 16)
            ip[10:12] = struct.pack(">H", ~s & 0xFFFF)
            us = T0 + t
            eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
            f.write(struct.pack("<IIII", us // 1000000, us % 1000000, 34 + len(udp),
                                34 + len(udp)))
            f.write(eth + bytes(ip) + udp)
        if torn:  # a crash in the middle of the last record
            f.truncate(f.tell() - 7)
    return recs


def audio_track(tr, start_us, samples, seq0, ts0, ssrc, ntp_off, skew=0.0, loss=0.0, dup=0.0,
                late=0.0, switch=None):
    """Packetise samples captured from start_us; the sender's RTP clock runs (1+skew) fast.
    switch = (session_us, new_ssrc, new_seq0, new_ts0): SSRC change at that time."""
    pkts = encode_audio(samples)
    rate = RATE * (1 + skew)  # samples per real second
    sw_n = None
    if switch:
        sw_n = -(-int((switch[0] - start_us) * rate / 1e6) // 960) * 960
        tr.ssrcs += [ssrc, switch[1]]
    else:
        tr.ssrcs.append(ssrc)

    def stamp(n):  # (ssrc, rtp ts) for sample index n
        if sw_n is not None and n >= sw_n:
            return switch[1], switch[3] + int(n - sw_n)
        return ssrc, ts0 + int(n)

    k_sw = None
    for k, (n, pkt) in enumerate(pkts):
        cap = start_us + int(n * 1e6 / rate)
        s_ssrc, ts = stamp(n)
        if sw_n is not None and n >= sw_n:
            k_sw = k if k_sw is None else k_sw
            seq = switch[2] + k - k_sw
        else:
            seq = seq0 + k
        tr.add_rtp(cap, rewrite(pkt, seq, ts, s_ssrc), 10000, loss, dup, late)
    t = start_us
    while t < start_us + len(samples) * 1e6 / rate:
        s_ssrc, ts = stamp((t - start_us) * rate / 1e6)
        tr.add_sr(t, ntp_off, ts, s_ssrc)
        t += 1000000


def video_track(tr, start_us, frames, ssrc, ntp_off, loss=0.0, late=0.0):
    pkts = encode_video(frames, codec=tr.codec)
    seq0, ts0 = 1000, 77777
    tr.ssrcs.append(ssrc)
    for k, (fi, pkt) in enumerate(pkts):
        cap = start_us + fi * 1000000 // 30
        tr.add_rtp(cap, rewrite(pkt, seq0 + k, ts0 + fi * 3000, ssrc), 20000, loss, 0.0, late)
    t = start_us + 500000
    while t < start_us + len(frames) * 1000000 // 30:
        tr.add_sr(t, ntp_off, ts0 + (t - start_us) * 90000 // 1000000, ssrc)
        t += 1000000


def manifest(rid, tracks, participants, end_us, pauses=(), markers=()):
    tj = []
    for i, tr in enumerate(tracks):
        arr = [r[0] for r in tr.records]
        tj.append({
            "id": tr.tid, "participant": tr.participant, "kind": tr.kind, "mid": str(i),
            "codec": tr.codec, "payload_type": tr.pt, "clock_rate": tr.rate,
            "channels": 2 if tr.kind == "audio" else None,
            "fmtp": "minptime=10;useinbandfec=1" if tr.kind == "audio" else "",
            "ssrcs": tr.ssrcs, "file": tr.tid + ".pcap", "udp_port": 5000 + 2 * i,
            "first_us": T0 + min(arr), "last_us": T0 + max(arr), "packets": len(arr),
            "bytes": 0, "sender_reports": 0, "started_us": T0 + min(arr), "ended_us": T0 + end_us,
        })
    return {
        "format": "lumen-recording", "version": 1, "id": rid, "room": 1234,
        "description": "pp test", "state": "finished", "error": None, "lumen_version": "0.1.0",
        "wall_start": "2026-11-23T10:15:00.000000Z", "wall_start_us": T0, "started_us": T0,
        "ended_us": T0 + end_us,
        "participants": [{"id": p, "display": d, "joined_us": T0 + j, "left_us": None}
                         for p, d, j in participants],
        "tracks": tj, "data": None,
        "pauses": [{"start_us": T0 + a, "end_us": T0 + b} for a, b in pauses],
        "markers": [{"t_us": T0 + t, "title": s} for t, s in markers],
        "dropped": {"queue_overflow": 0, "write_errors": 0},
    }


def scenario_sync(out):
    rng = random.Random(6)
    end = 12_000000
    pause = (6_600000, 7_400000)
    # b_start is off the Opus frame grid (59 samples past a 2.5 ms step after the lookahead): only
    # a sample-exact placement (pre-skip) puts its beeps level with publisher 1's
    a_start, b_start = 200000, 5_001229
    a_times = [2.0, 4.0, 6.0, 10.0]
    b_times = [6.0, 10.0]
    dur_a = end - a_start
    # publisher 1: audio + video, one sender clock (NTP 3.2 s ahead of the session clock)
    a_audio = Track("p1-audio-0", 1, "audio", "opus", 111, RATE, rng)
    audio_track(a_audio, a_start, beeps(dur_a * RATE // 1000000, [t - 0.2 for t in a_times]),
                seq0=65535 - 80, ts0=2**32 - 3 * RATE, ssrc=0x11111111, ntp_off=3_200000,
                loss=0.01, dup=0.02, late=0.03)
    frames = []
    for k in range(dur_a * 30 // 1000000):
        t = 0.2 + k / 30
        lit = any(abs(t - f) < 1e-6 or 0 < t - f < 0.1 - 1e-6 for f in a_times)
        y = np.full((120, 160), 235 if lit else 16, np.uint8)
        y[(k * 2) % 120, :] = 128  # some motion so frames differ
        frames.append(y)
    a_video = Track("p1-video-1", 1, "video", "vp8", 96, 90000, rng)
    video_track(a_video, a_start, frames, 0x22222222, 3_200000, loss=0.0, late=0.02)
    # publisher 2: audio only, joins 5 s late, clock 100 ppm fast, SSRC change at 8.5 s
    b_audio = Track("p2-audio-0", 2, "audio", "opus", 111, RATE, rng)
    dur_b = end - b_start
    audio_track(b_audio, b_start, beeps(dur_b * RATE // 1000000,
                                        [t - b_start / 1e6 for t in b_times], skew=1e-4),
                seq0=500, ts0=123456, ssrc=0x33333333, ntp_off=-1_700000, skew=1e-4,
                loss=0.01, dup=0.01, late=0.02, switch=(8_500000, 0x44444444, 9000, 999999))
    # publisher 3: 3 s of H.264 and of VP9 from 1.0 s (the other containers)
    plain = [np.full((120, 160), 16 + (k * 7) % 200, np.uint8) for k in range(90)]
    c_h264 = Track("p3-video-0", 3, "video", "h264", 102, 90000, rng)
    video_track(c_h264, 1_000000, plain, 0x55550001, 500000)
    c_vp9 = Track("p3-video-1", 3, "video", "vp9", 98, 90000, rng)
    video_track(c_vp9, 1_000000, plain, 0x55550002, 500000)
    tracks = [a_audio, a_video, b_audio, c_h264, c_vp9]
    for i, tr in enumerate(tracks):
        tr.records = [r for r in tr.records if not pause[0] <= r[0] < pause[1]]
        write_pcap(os.path.join(out, tr.tid + ".pcap"), tr.records, i, torn=(i == 0))
    m = manifest("1234-20261123T101500Z-0a0b0c0d", tracks,
                 [(1, "Alice", a_start), (2, "Bob", b_start), (3, "Carol", 1_000000)], end,
                 [pause],
                 [(3_000000, "Intro"), (9_000000, "Outro")])
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(m, f, indent=1)
    with open(os.path.join(out, "expect.json"), "w") as f:
        json.dump({"duration": end / 1e6, "late_joiner": "p2-audio-0", "late_start": 5.0,
                   "beeps": {"p1": a_times, "p2": b_times}, "flashes": a_times}, f)


def scenario_drift(out, minutes):
    """Two audio publishers beeping together every 30 s for `minutes`; the second joins 5 s late
    and its audio clock runs 100 ppm fast (its SRs say so, as a real sender's would)."""
    rng = random.Random(8)
    end = int(minutes * 60e6)
    times = [t for t in range(30, int(minutes * 60), 30)]
    a = Track("p1-audio-0", 1, "audio", "opus", 111, RATE, rng)
    audio_track(a, 0, beeps(end * RATE // 1000000, times), seq0=1, ts0=5, ssrc=0x66666666,
                ntp_off=2_000000, loss=0.01, late=0.01)
    b = Track("p2-audio-0", 2, "audio", "opus", 111, RATE, rng)
    audio_track(b, 5_000000, beeps((end - 5_000000) * RATE // 1000000, [t - 5 for t in times],
                                   skew=1e-4),
                seq0=7, ts0=2**31, ssrc=0x77777777, ntp_off=-4_000000, skew=1e-4, loss=0.01)
    for i, tr in enumerate((a, b)):
        write_pcap(os.path.join(out, tr.tid + ".pcap"), tr.records, i)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest("1-20261123T101500Z-0d0d0d0d", [a, b],
                           [(1, "Alice", 0), (2, "Bob", 5_000000)], end), f)
    with open(os.path.join(out, "expect.json"), "w") as f:
        json.dump({"duration": end / 1e6, "beeps": times}, f)


def scenario_long(out, minutes):
    rng = random.Random(7)
    n = int(minutes * 60 * RATE)
    t = np.arange(n)
    x = (0.3 * np.sin(2 * np.pi * 440 * t / RATE) * 32767).astype(np.int16)
    tr = Track("p1-audio-0", 1, "audio", "opus", 111, RATE, rng)
    audio_track(tr, 0, x, seq0=1, ts0=1000, ssrc=0x55555555, ntp_off=0)
    write_pcap(os.path.join(out, tr.tid + ".pcap"), tr.records, 0)
    end = n * 1000000 // RATE
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest("1-20261123T101500Z-0e0e0e0e", [tr], [(1, "Alice", 0)], end), f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--scenario", default="sync", choices=["sync", "long", "drift"])
    ap.add_argument("--minutes", type=float, default=10)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.scenario == "sync":
        scenario_sync(a.out)
    elif a.scenario == "drift":
        scenario_drift(a.out, a.minutes)
    else:
        scenario_long(a.out, a.minutes)


if __name__ == "__main__":
    main()
