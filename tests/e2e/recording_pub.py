#!/usr/bin/python3
"""recording_pub.py -- two GStreamer webrtcbin publishers in one pipeline (one clock) that flash
and beep at the same instants, for the recording sync test (recording_sync.sh).

  recording_pub.py API_URL ADMIN_URL ROOM SECONDS LATE [--no-record] [--audio-ppm=N]

Starts the room's recording over the admin API (POST ADMIN_URL/rooms/ROOM/recording
{"action":"start"}) unless --no-record, joins publisher A, and once lumen reports webrtcup for A
starts A's media; publisher B joins about a second before it is due and starts its media exactly
LATE seconds after A's (on the pipeline's running time). SECONDS after A's media began it stops
the recording (admin API) and leaves. Prints one JSON summary line on stdout:
{"ok": bool, "errors": [...], "recording": ID, "start_reply": {...}, "stop_reply": {...},
 "rec_start_wall_us": T, "rec_stop_wall_us": T,
 "pubs": [{"name": "A", "feed": ID, "webrtcup": bool, "first_rt_ns": N, "first_wall_us": T}, ...]}

Media (both publishers the same function of the pipeline's running time, so their flashes
coincide): VP8 160x120 at 30 fps, mid-gray frames, white on the frame whose timestamp is a
whole second; Opus mono, a quiet 440 Hz tone, a loud 1 kHz beep during the first 100 ms of every
whole second. Frames and 10 ms audio buffers come from appsrc with exact timestamps, so the
flash and the beep are simultaneous by construction at the sender. Run inside the test network
namespace (webrtcbin gathers no loopback candidates).

--audio-ppm=N: publisher B's audio clock runs N ppm fast, like a device whose ADC does: its
microphone delivers 48000 * (1 + N/1e6) samples per real second (the beep still sounds at each
whole second of real time, i.e. at sample (1 + N/1e6) * 48000 * t of B's stream), which it
encodes and stamps as 48 kHz by sample count, so its RTP timestamps advance (1 + N/1e6) * 48000
per real second. Its sender reports stay honest: rtpsession maps the last packet's RTP time to
its running time, which a probe after the payloader puts back on the real clock (the capture
time of the packet's first sample). SR-based alignment absorbs the skew; placing B's audio by
its first packet plus timestamp / 48000 drifts by N * 60 us per minute (60 ms in ten minutes at
100 ppm). The summary gets "audio_ppm": N."""
import array
import json
import math
import random
import string
import sys
import threading
import time
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstApp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

if len(sys.argv) < 6 or sys.argv[1] in ("-h", "--help"):
    print(__doc__)
    sys.exit(0 if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help") else 2)

API, ADMIN, ROOM = sys.argv[1], sys.argv[2], int(sys.argv[3])
SECONDS, LATE = float(sys.argv[4]), float(sys.argv[5])
RECORD = "--no-record" not in sys.argv[6:]
PPM = next((float(a.split("=", 1)[1]) for a in sys.argv[6:] if a.startswith("--audio-ppm=")), 0.0)
W, H, FPS, RATE, ABUF = 160, 120, 30, 48000, 480  # 10 ms audio buffers
SEC = Gst.SECOND


def tx():
    return "".join(random.choice(string.ascii_letters) for _ in range(12))


def post(url, body, timeout=10):
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"{}")


def wall_us():
    return int(time.time() * 1e6)


# One second of audio (440 Hz and 1 kHz are whole periods per second, so it repeats).
def make_second():
    a = array.array("h")
    for i in range(RATE):
        t = i / RATE
        if t < 0.1:
            v = 0.7 * math.sin(2 * math.pi * 1000 * t)
        else:
            v = 0.1 * math.sin(2 * math.pi * 440 * t)
        a.append(int(v * 32767))
    return a.tobytes()


AUDIO_SECOND = make_second()
AUDIO_SAMPLES = array.array("h", AUDIO_SECOND)
Y, C = W * H, (W // 2) * (H // 2)
GRAY = bytes([128]) * Y + bytes([128]) * (2 * C)
WHITE = bytes([235]) * Y + bytes([128]) * (2 * C)


class Publisher:
    def __init__(self, app, name, pipe):
        self.app, self.name, self.pipe = app, name, pipe
        self.w = pipe.get_by_name("w" + name)
        self.vsrc = pipe.get_by_name("v" + name)
        self.asrc = pipe.get_by_name("a" + name)
        self.w.connect("on-ice-candidate", self.on_local_candidate)
        self.session = self.handle = self.feed = None
        self.remote_set = False
        self.pending = []
        self.webrtcup = False
        self.start_rt = None  # running time (ns) of the first frame pushed
        self.first_wall_us = None
        self.next_v = self.next_a = None
        self.stop = False
        # B's device: samples per real second (RATE unless --audio-ppm); t0 the real time (ns) of
        # its first sample, which is also where its device clock (sample count / RATE) starts.
        self.fast = RATE * (1 + PPM * 1e-6) if name == "B" and PPM else None
        self.a_t0 = None
        if self.fast:
            pay = pipe.get_by_name("ap" + name).get_static_pad("src")
            pay.add_probe(Gst.PadProbeType.BUFFER, self.real_pts)

    def real_pts(self, _pad, info):
        """B's encoded audio leaves the payloader stamped on the device clock (its RTP timestamp
        is the sample count, as a real device's); back to the real capture time for rtpsession,
        whose sender reports map the last packet's RTP time to its running time."""
        buf = info.get_buffer()
        if buf.pts != Gst.CLOCK_TIME_NONE and self.a_t0 is not None:
            buf.pts = self.a_t0 + int(round((buf.pts - self.a_t0) * RATE / self.fast))
            # the DTS too: webrtcbin's sink syncs on DTS-or-PTS, and a DTS left on the device
            # clock held B's audio back by the skew (its packets arrived up to N ppm late)
            buf.dts = buf.pts
        return Gst.PadProbeReturn.OK

    def err(self, s):
        self.app.errors.append(f"{self.name}: {s}")

    def message(self, body, jsep=None):
        msg = {"janus": "message", "body": body, "transaction": tx()}
        if jsep:
            msg["jsep"] = jsep
        r = post(f"{API}/{self.session}/{self.handle}", msg)
        if r.get("janus") not in ("ack", "success"):
            self.err(f"{body.get('request')} refused: {json.dumps(r)}")

    def join(self):
        r = post(API, {"janus": "create", "transaction": tx()})
        self.session = r["data"]["id"]
        r = post(f"{API}/{self.session}", {"janus": "attach", "plugin": "janus.plugin.videoroom",
                                           "transaction": tx()})
        self.handle = r["data"]["id"]
        threading.Thread(target=self.poll, daemon=True).start()
        self.message({"request": "join", "ptype": "publisher", "room": ROOM, "display": "pub" + self.name})
        return False

    def poll(self):
        while not self.stop:
            try:
                with urllib.request.urlopen(f"{API}/{self.session}?maxev=10", timeout=40) as r:
                    events = json.loads(r.read())
            except Exception as e:
                if not self.stop:
                    self.err(f"long poll: {e}")
                return
            for ev in events if isinstance(events, list) else [events]:
                GLib.idle_add(self.on_event, ev)

    def on_event(self, ev):
        kind = ev.get("janus")
        if kind == "event":
            data = ev.get("plugindata", {}).get("data", {})
            self.app.events.append({"pub": self.name, **data})
            # (a recording event may carry "error" too: the recorder's failure, not a request's)
            if "error_code" in data or ("error" in data and "recording" not in data):
                self.err(f"plugin error: {json.dumps(data)}")
            elif data.get("videoroom") == "joined":
                self.feed = data.get("id")
                self.make_offer()
            if "jsep" in ev and ev["jsep"].get("type") == "answer":
                ok, sdp = GstSdp.SDPMessage.new_from_text(ev["jsep"]["sdp"])
                desc = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, sdp)
                self.w.emit("set-remote-description", desc,
                            Gst.Promise.new_with_change_func(lambda *a: GLib.idle_add(self.flush), None))
        elif kind == "trickle":
            c = ev.get("candidate", {})
            if not c.get("completed"):
                if self.remote_set:
                    self.w.emit("add-ice-candidate", c.get("sdpMLineIndex", 0), c["candidate"])
                else:
                    self.pending.append(c)
        elif kind == "webrtcup":
            self.webrtcup = True
        elif kind == "hangup":
            self.err(f"hangup: {ev.get('reason')}")
        return False

    def flush(self):
        self.remote_set = True
        for c in self.pending:
            self.w.emit("add-ice-candidate", c.get("sdpMLineIndex", 0), c["candidate"])
        self.pending = []
        return False

    def on_local_candidate(self, _el, mline, cand):
        GLib.idle_add(self.send_candidate, mline, cand)

    def send_candidate(self, mline, cand):
        try:
            post(f"{API}/{self.session}/{self.handle}", {"janus": "trickle", "transaction": tx(),
                                                       "candidate": {"candidate": cand, "sdpMLineIndex": mline}})
        except Exception as ex:
            self.err(f"trickle: {ex}")
        return False

    def make_offer(self):
        for i in range(8):
            t = self.w.emit("get-transceiver", i)
            if t is None:
                break
            t.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        self.w.emit("create-offer", None, Gst.Promise.new_with_change_func(self.on_offer, None))

    def on_offer(self, promise, _):
        reply = promise.get_reply()
        offer = reply.get_value("offer") if reply else None
        if offer is None:
            self.app.errors.append(f"{self.name}: webrtcbin created no offer")
            return
        self.w.emit("set-local-description", offer, Gst.Promise.new())
        GLib.idle_add(self.send_offer, offer.sdp.as_text())

    def send_offer(self, text):
        try:
            self.message({"request": "publish", "audio": True, "video": True}, {"type": "offer", "sdp": text})
        except Exception as ex:
            self.err(f"offer: {ex}")
        return False

    # -- media: everything due by running time `now` (ns) --
    def begin(self, rt):
        self.start_rt = rt
        self.first_wall_us = wall_us()
        self.next_v = -(-rt * FPS // SEC)           # first frame index at or after rt
        self.next_a = -(-rt * (RATE // ABUF) // SEC)  # first 10 ms buffer index
        if self.fast:
            self.a_t0 = self.next_a * SEC // (RATE // ABUF)
            self.next_a = 0  # buffers counted from a_t0 on the device clock

    def push_due(self, now):
        while self.next_v * SEC // FPS <= now:
            n = self.next_v
            white = n % FPS == 0
            buf = Gst.Buffer.new_wrapped(WHITE if white else GRAY)
            buf.pts = n * SEC // FPS
            buf.duration = SEC // FPS
            self.vsrc.emit("push-buffer", buf)
            self.next_v += 1
        per_sec = RATE // ABUF
        if self.fast:
            self.push_fast(now)
            return
        while self.next_a * SEC // per_sec <= now:
            k = self.next_a
            off = (k % per_sec) * ABUF * 2
            buf = Gst.Buffer.new_wrapped(AUDIO_SECOND[off:off + ABUF * 2])
            buf.pts = k * SEC // per_sec
            buf.duration = SEC // per_sec
            buf.offset = k * ABUF
            self.asrc.emit("push-buffer", buf)
            self.next_a += 1


    def push_fast(self, now):
        """B's audio with --audio-ppm: buffer k holds device samples k*ABUF.. (captured from real
        time a_t0 + sample / fast on), stamped a_t0 + sample / RATE (the device's own clock)."""
        while self.a_t0 + self.next_a * ABUF * SEC / self.fast <= now:
            k = self.next_a
            a = array.array("h", bytes(ABUF * 2))
            for i in range(ABUF):
                rt = self.a_t0 + (k * ABUF + i) * SEC / self.fast
                a[i] = AUDIO_SAMPLES[int((rt % SEC) * RATE // SEC)]
            buf = Gst.Buffer.new_wrapped(a.tobytes())
            buf.pts = self.a_t0 + k * SEC // (RATE // ABUF)
            buf.duration = SEC // (RATE // ABUF)
            buf.offset = k * ABUF
            self.asrc.emit("push-buffer", buf)
            self.next_a += 1


class App:
    def __init__(self):
        Gst.init(None)
        self.loop = GLib.MainLoop()
        self.errors, self.events = [], []
        self.summary = {}
        branch = ""
        for n in "AB":
            branch += (
                f"webrtcbin name=w{n} bundle-policy=max-bundle "
                f"appsrc name=v{n} is-live=true format=time do-timestamp=false "
                f"caps=video/x-raw,format=I420,width={W},height={H},framerate={FPS}/1 "
                f"! vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay pt=96 "
                f"! application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! w{n}. "
                f"appsrc name=a{n} is-live=true format=time do-timestamp=false "
                f"caps=audio/x-raw,format=S16LE,rate={RATE},channels=1,layout=interleaved "
                f"! audioconvert ! opusenc ! rtpopuspay name=ap{n} pt=111 "
                f"! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000,"
                f"encoding-params=(string)2 ! w{n}. ")
        self.pipe = Gst.parse_launch(branch)
        self.pubs = [Publisher(self, n, self.pipe) for n in "AB"]
        self.summary["audio_ppm"] = PPM
        # GStreamer 1.22's default (rtcp-sync-send-time) puts the send time's clock into the
        # sender reports' RTP time: it runs off the packets' timestamps by the pipeline's running
        # time, so the SRs would contradict the RTP stream (lumen-pp trusts SRs; Chromium's agree).
        for n in "AB":
            self.pipe.get_by_name("w" + n).get_by_name("rtpbin").set_property("rtcp-sync-send-time", False)
        self.clock = None
        self.stopping = False
        self.a_join = self.a_up = self.b_up = None

    def rt(self):
        return self.clock.get_time() - self.pipe.get_base_time()

    def record(self, action):
        url = f"{ADMIN}/rooms/{ROOM}/recording"
        try:
            return post(url, {"action": action})
        except urllib.error.HTTPError as e:
            self.errors.append(f"recording {action}: HTTP {e.code} {e.read()[:300]!r}")
        except Exception as e:
            self.errors.append(f"recording {action}: {e}")
        return None

    def tick(self):
        a, b = self.pubs
        if self.errors:
            self.loop.quit()
            return False
        now = self.rt()
        # Media begins once lumen says webrtcup (no frame waits in webrtcbin for the connection,
        # which would carry an old timestamp); B's begins exactly LATE s after A's.
        if a.start_rt is None and a.webrtcup:
            a.begin(now)
            delay = max(0.0, LATE - 1.0 - (now - self.a_join) / SEC)
            GLib.timeout_add(int(delay * 1000), b.join)
        if a.start_rt is not None and b.start_rt is None and b.webrtcup and now >= a.start_rt + int(LATE * SEC):
            b.begin(a.start_rt + int(LATE * SEC))
        for p in self.pubs:
            if p.start_rt is not None:
                p.push_due(now)
        if a.start_rt is not None and now >= a.start_rt + int(SECONDS * SEC) and not self.stopping:
            self.stopping = True
            self.summary["rec_stop_wall_us"] = wall_us()
            if RECORD:
                self.summary["stop_reply"] = self.record("stop")
            GLib.timeout_add(300, self.loop.quit)
        return True

    def run(self):
        self.pipe.set_state(Gst.State.PLAYING)
        self.clock = self.pipe.get_clock()
        if RECORD:
            self.summary["rec_start_wall_us"] = wall_us()
            r = self.record("start")
            self.summary["start_reply"] = r
            self.summary["recording"] = (r or {}).get("recording")
        GLib.timeout_add(5, self.tick)
        self.a_join = self.rt()
        self.pubs[0].join()
        GLib.timeout_add(int((SECONDS + LATE + 25) * 1000), self.timeout)
        self.loop.run()
        for p in self.pubs:
            p.stop = True
        self.pipe.set_state(Gst.State.NULL)
        for p in self.pubs:
            if p.session:
                try:
                    post(f"{API}/{p.session}", {"janus": "destroy", "transaction": tx()}, timeout=3)
                except Exception:
                    pass

    def timeout(self):
        self.errors.append("timed out (no webrtcup?)")
        self.loop.quit()
        return False


app = App()
try:
    app.run()
except Exception as ex:
    app.errors.append(f"{type(ex).__name__}: {ex}")
s = app.summary
s["pubs"] = [{"name": p.name, "feed": p.feed, "webrtcup": p.webrtcup, "first_rt_ns": p.start_rt,
              "first_wall_us": p.first_wall_us} for p in app.pubs]
s["errors"] = app.errors
s["events"] = [e for e in app.events if "recording" in e][:20]
s["ok"] = not app.errors and all(p.start_rt is not None for p in app.pubs)
print(json.dumps(s), flush=True)
