#!/usr/bin/python3
"""pp_av1.py -- lumen-pp turns a recorded AV1 track into a playable Matroska file (TAP).

Debian 12's GStreamer has no AV1 RTP payloader or depayloader, so this test packetizes libaom's
output itself, as a WebRTC sender does (AOM "RTP Payload Format for AV1" v1.0: aggregation header,
OBUs without size fields and without temporal delimiters, fragments over packets, N on a new coded
video sequence, marker at the end of a temporal unit), writes a recording with pp_gen.py's pcap and
manifest writers, and checks that lumen-pp's own depacketizer (lumenav1depay) yields a file
gst-discoverer plays, that av1dec decodes every frame of, and that a lost packet costs frames until
the next key frame but no error.

Needs: LUMEN_PP (or $top_builddir/tools/pp/lumen-pp), python3-gi, numpy, av1enc/av1dec (GStreamer).
"""
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import numpy as np  # noqa: E402
import pp_gen  # noqa: E402
from gi.repository import Gst  # noqa: E402

PP = os.environ.get("LUMEN_PP") or os.path.join(os.environ.get("top_builddir", "."),
                                                 "tools/pp/lumen-pp")
ENV = dict(os.environ, LSAN_OPTIONS="suppressions=" + os.path.join(HERE, "pp_lsan.supp"),
           ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":fast_unwind_on_malloc=0")
FPS, N_FRAMES, KEY_EVERY = 30, 90, 30
n_test = 0
failed = 0


def ok(cond, what, detail=""):
    global n_test, failed
    n_test += 1
    print(f"{'ok' if cond else 'not ok'} {n_test} - {what}")
    if not cond:
        failed += 1
        for line in str(detail).splitlines()[:20]:
            print(f"# {line}")


def leb128(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def read_leb128(buf, pos):
    v = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, pos


def obus(tu):
    """Split a low-overhead temporal unit into OBUs without size fields (as RTP carries them)."""
    pos, out = 0, []
    while pos < len(tu):
        hdr = tu[pos]
        hlen = 2 if hdr & 0x04 else 1
        size, p = read_leb128(tu, pos + hlen)
        obu_type = hdr >> 3 & 0x0F
        if obu_type not in (2, 8):  # senders drop temporal delimiters and tile lists
            out.append(bytes([hdr & ~0x02]) + tu[pos + 1:pos + hlen] + tu[p:p + size])
        pos = p + size
    return out


def packetize(tu, mtu=300):
    """RTP payloads of one temporal unit: W=0 (every element length-prefixed), fragments."""
    elements = obus(tu)
    new_seq = any((o[0] >> 3 & 0x0F) == 1 for o in elements)
    payloads, cur, z = [], bytearray(), 0
    queue = list(elements)
    while queue:
        o = queue.pop(0)
        room = mtu - 1 - len(cur) - len(leb128(len(o)))
        if len(o) <= room:
            cur += leb128(len(o)) + o
            continue
        if room > 16:  # fragment: what fits now, the rest continues (Y then Z)
            cur += leb128(room) + o[:room]
            queue.insert(0, o[room:])
            payloads.append((z, 1, bytes(cur)))
            cur, z = bytearray(), 1
            continue
        payloads.append((z, 0, bytes(cur)))
        cur, z = bytearray(), 0
        queue.insert(0, o)
    if cur:
        payloads.append((z, 0, bytes(cur)))
    out = []
    for i, (zz, yy, body) in enumerate(payloads):
        agg = zz << 7 | yy << 6 | (1 << 3 if new_seq and i == 0 else 0)
        out.append((bytes([agg]) + body, i == len(payloads) - 1))
    return out


def make_recording(root, drop_packet=None):
    frames = [np.full((120, 160), 16 + (k * 7) % 200, np.uint8) for k in range(N_FRAMES)]
    for k, f in enumerate(frames):
        f[(k * 3) % 120, :] = 255  # motion
    chroma = np.full(60 * 80 * 2, 128, np.uint8).tobytes()
    chunks = [(k * Gst.SECOND // FPS, Gst.SECOND // FPS, f.tobytes() + chroma)
              for k, f in enumerate(frames)]
    tus = pp_gen.run_encoder(
        f"av1enc cpu-used=8 usage-profile=realtime lag-in-frames=0 keyframe-max-dist={KEY_EVERY} "
        "! av1parse ! video/x-av1,stream-format=obu-stream,alignment=tu",
        f"video/x-raw,format=I420,width=160,height=120,framerate={FPS}/1", chunks)
    tr = pp_gen.Track("p1-video-0", 1, "video", "av1", 45, 90000, random.Random(1))
    tr.ssrcs.append(0x0A0A0A01)
    seq, n_pkts, start = 4000, 0, 300000
    for pts, tu in tus:
        fi = round(pts * FPS / Gst.SECOND)
        for payload, marker in packetize(tu):
            hdr = bytes([0x80, (0x80 if marker else 0) | 45]) + \
                (seq & 0xFFFF).to_bytes(2, "big") + (5000 + fi * 3000).to_bytes(4, "big") + \
                (0x0A0A0A01).to_bytes(4, "big")
            if n_pkts != drop_packet:
                tr.add_rtp(start + fi * 1000000 // FPS, hdr + payload, 5000)
            seq += 1
            n_pkts += 1
    end = start + N_FRAMES * 1000000 // FPS + 100000
    pp_gen.write_pcap(os.path.join(root, tr.tid + ".pcap"), tr.records, 0)
    m = pp_gen.manifest("1234-20261123T101500Z-0a0b0c0e", [tr], [(1, "Ana", start)], end)
    with open(os.path.join(root, "manifest.json"), "w") as f:
        json.dump(m, f)
    return n_pkts


def decoded_frames(path):
    """(ok, frames av1dec produced, error text) for a Matroska AV1 file."""
    pipe = Gst.parse_launch(f"filesrc location={path} ! matroskademux ! av1parse ! av1dec "
                            "! appsink name=s sync=false emit-signals=false")
    sink = pipe.get_by_name("s")
    pipe.set_state(Gst.State.PLAYING)
    n = 0
    while True:
        smp = sink.emit("try-pull-sample", 10 * Gst.SECOND)
        if not smp:
            break
        n += 1
    msg = pipe.get_bus().pop_filtered(Gst.MessageType.ERROR)
    err = msg.parse_error()[0].message if msg else ""
    eos = sink.get_property("eos")
    pipe.set_state(Gst.State.NULL)
    return (eos and not msg), n, err


def main():
    Gst.init(None)
    print("1..8")
    with tempfile.TemporaryDirectory() as tmp:
        rec = os.path.join(tmp, "rec")
        os.mkdir(rec)
        n = make_recording(rec)
        ok(n > N_FRAMES, f"the test recording has {n} AV1 packets for {N_FRAMES} frames "
           "(fragments over packets included)")
        out = os.path.join(tmp, "out")
        r = subprocess.run([PP, rec, "-o", out, "--json"], capture_output=True, text=True,
                           timeout=60, env=ENV)
        ok(r.returncode == 0, "lumen-pp processes an AV1 recording", r.stderr)
        files = [f for f in os.listdir(out) if f.startswith("p1-video-0")] \
            if os.path.isdir(out) else []
        mkv = os.path.join(out, files[0]) if files else ""
        ok(mkv.endswith(".mkv"), f"an AV1 track becomes a Matroska file ({files})")
        d = subprocess.run(["gst-discoverer-1.0", mkv], capture_output=True, text=True,
                           timeout=60) if mkv else None
        ok(d is not None and d.returncode == 0 and "AV1" in d.stdout,
           "gst-discoverer plays it and sees AV1", d.stdout if d else "")
        good, frames, err = decoded_frames(mkv) if mkv else (False, 0, "")
        ok(good and frames == N_FRAMES, f"av1dec decodes every frame ({frames}/{N_FRAMES})",
           err)

        lossy = os.path.join(tmp, "lossy")
        os.mkdir(lossy)
        make_recording(lossy, drop_packet=n // 2)
        out2 = os.path.join(tmp, "out2")
        r = subprocess.run([PP, lossy, "-o", out2], capture_output=True, text=True, timeout=60,
                           env=ENV)
        ok(r.returncode == 0, "a lost packet is no error", r.stderr)
        files = [f for f in os.listdir(out2) if f.startswith("p1-video-0")] \
            if os.path.isdir(out2) else []
        good, frames2, err = decoded_frames(os.path.join(out2, files[0])) if files \
            else (False, 0, "")
        ok(good, "the lossy output decodes without error", err)
        ok(N_FRAMES - KEY_EVERY <= frames2 < N_FRAMES,
           f"the loss costs frames up to the next key frame, no more ({frames2} of {N_FRAMES})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
