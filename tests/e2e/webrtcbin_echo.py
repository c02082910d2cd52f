#!/usr/bin/python3
"""webrtcbin_echo.py -- GStreamer's webrtcbin as a real WebRTC client of lumen's echotest.

It speaks the Janus protocol over HTTP (create, attach janus.plugin.echotest, message with a jsep
offer, long-poll for events, trickle), sends VP8 video and Opus audio from test sources plus a data
channel, and counts what comes back: decoded video frames, decoded audio buffers, and the echoed
text and binary messages. Prints TAP. Run inside the test network namespace (webrtcbin, like
browsers, gathers no loopback candidates).

Usage: webrtcbin_echo.py API_URL [SECONDS]"""
import json
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
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

API = sys.argv[1]
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0


def tx():
    return "".join(random.choice(string.ascii_letters) for _ in range(12))


def post(path, body):
    body = dict(body, transaction=tx())
    req = urllib.request.Request(API + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


class Echo:
    def __init__(self):
        self.loop = GLib.MainLoop()
        self.video_frames = 0
        self.audio_buffers = 0
        self.text = None
        self.binary = None
        self.webrtcup = False
        self.errors = []
        self.remote_set = False
        self.pending_cands = []
        self.stop = False
        Gst.init(None)
        self.pipe = Gst.parse_launch(
            "webrtcbin name=w bundle-policy=max-bundle "
            "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
            "! vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay pt=96 "
            "! application/x-rtp,media=video,encoding-name=VP8,payload=96 ! w. "
            "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc "
            "! rtpopuspay pt=111 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! w.")
        self.w = self.pipe.get_by_name("w")
        self.w.connect("pad-added", self.on_pad_added)
        # webrtcbin creates data channels only once it is at least READY.
        self.pipe.set_state(Gst.State.READY)
        self.channel = self.w.emit("create-data-channel", "echo", None)
        if self.channel is None:
            raise RuntimeError("webrtcbin refused to create a data channel")
        self.channel.connect("on-open", self.on_channel_open)
        self.channel.connect("on-message-string", self.on_string)
        self.channel.connect("on-message-data", self.on_data)

    # -- signalling --
    def start_session(self):
        r = post("", {"janus": "create"})
        self.session = r["data"]["id"]
        r = post(f"/{self.session}", {"janus": "attach", "plugin": "janus.plugin.echotest"})
        if r.get("janus") != "success":
            raise RuntimeError(f"attach failed: {r}")
        self.handle = r["data"]["id"]
        threading.Thread(target=self.poll, daemon=True).start()

    def poll(self):
        while not self.stop:
            try:
                with urllib.request.urlopen(f"{API}/{self.session}?maxev=10", timeout=40) as r:
                    events = json.loads(r.read())
            except Exception as e:  # the session ends with the test
                if not self.stop:
                    self.errors.append(f"long poll: {e}")
                return
            if isinstance(events, dict):
                events = [events]
            for ev in events:
                GLib.idle_add(self.on_event, ev)

    def on_event(self, ev):
        kind = ev.get("janus")
        if kind == "event" and "jsep" in ev:
            sdp = GstSdp.SDPMessage.new_from_text(ev["jsep"]["sdp"])[1]
            answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, sdp)
            p = Gst.Promise.new_with_change_func(self.on_remote_set, None)
            self.w.emit("set-remote-description", answer, p)
        elif kind == "trickle":
            c = ev.get("candidate", {})
            if c.get("completed"):
                return False
            if self.remote_set:
                self.w.emit("add-ice-candidate", c.get("sdpMLineIndex", 0), c["candidate"])
            else:
                self.pending_cands.append(c)
        elif kind == "webrtcup":
            self.webrtcup = True
        elif kind == "hangup":
            self.errors.append(f"hangup: {ev.get('reason')}")
        return False

    def on_remote_set(self, promise, _):
        self.remote_set = True
        for c in self.pending_cands:
            self.w.emit("add-ice-candidate", c.get("sdpMLineIndex", 0), c["candidate"])

    def make_offer(self):
        # Explicitly, once PLAYING: negotiation-needed can fire (for the data channel) before
        # the media pads have their transceivers.
        p = Gst.Promise.new_with_change_func(self.on_offer_created, None)
        self.w.emit("create-offer", None, p)
        return False

    def on_offer_created(self, promise, _):
        # A streaming thread: hand the offer to the main loop, where errors are reported.
        # The offer belongs to the promise's reply: use it here, pass on only its text.
        reply = promise.get_reply()
        offer = reply.get_value("offer") if reply else None
        text = None
        if offer is not None:
            self.w.emit("set-local-description", offer, Gst.Promise.new())
            text = offer.sdp.as_text()
        GLib.idle_add(self.send_offer, text)

    def send_offer(self, text):
        try:
            if text is None:
                raise RuntimeError("webrtcbin created no offer")
            r = post(f"/{self.session}/{self.handle}",
                     {"janus": "message", "body": {"audio": True, "video": True},
                      "jsep": {"type": "offer", "sdp": text}})
            if r.get("janus") not in ("ack", "success"):
                self.errors.append(f"offer refused: {json.dumps(r)}")
        except Exception as ex:
            self.errors.append(f"sending the offer: {type(ex).__name__}: {ex}")
        return False

    # -- media --
    def on_pad_added(self, element, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        caps = pad.get_current_caps() or pad.query_caps(None)
        media = caps.get_structure(0).get_value("media")
        if media == "video":
            desc = "rtpvp8depay ! vp8dec ! fakesink name=vsink signal-handoffs=true sync=false"
        else:
            desc = "rtpopusdepay ! opusdec ! fakesink name=asink signal-handoffs=true sync=false"
        bin_ = Gst.parse_bin_from_description(desc, True)
        self.pipe.add(bin_)
        bin_.sync_state_with_parent()
        pad.link(bin_.get_static_pad("sink"))
        sink = bin_.get_by_name("vsink" if media == "video" else "asink")
        sink.connect("handoff", self.on_video if media == "video" else self.on_audio)

    def on_video(self, *args):
        self.video_frames += 1

    def on_audio(self, *args):
        self.audio_buffers += 1

    # -- data --
    def on_channel_open(self, channel):
        channel.emit("send-string", "hello webrtcbin")
        channel.emit("send-data", GLib.Bytes.new(bytes([9, 8, 7, 0])))

    def on_string(self, channel, s):
        self.text = s

    def on_data(self, channel, data):
        self.binary = list(data.get_data())

    def run(self):
        self.pipe.set_state(Gst.State.PLAYING)
        self.start_session()
        GLib.timeout_add(500, self.make_offer)
        deadline = time.monotonic() + SECONDS

        def check():
            done = (self.video_frames > 30 and self.audio_buffers > 50 and
                    self.text is not None and self.binary is not None)
            if done or time.monotonic() > deadline or self.errors:
                self.loop.quit()
                return False
            return True
        GLib.timeout_add(200, check)
        self.loop.run()
        self.stop = True
        self.pipe.set_state(Gst.State.NULL)
        try:
            post(f"/{self.session}", {"janus": "destroy"})
        except Exception:
            pass


errors = []
try:
    e = Echo()
    e.run()
except Exception as ex:  # report as failed tests, not a traceback
    errors.append(f"{type(ex).__name__}: {ex}")
    e = None
n = 0
failed = 0


def check(cond, name):
    global n, failed
    n += 1
    failed += 0 if cond else 1
    print(f"{'ok' if cond else 'not ok'} {n} - {name}", flush=True)


if e is None:
    class Nothing:
        webrtcup = False
        video_frames = audio_buffers = 0
        text = binary = None
        errors = []
    e = Nothing()
e.errors.extend(errors)
check(e.webrtcup, "webrtcbin: lumen reports webrtcup")
check(e.video_frames > 30, f"webrtcbin: echoed VP8 decodes ({e.video_frames} frames)")
check(e.audio_buffers > 50, f"webrtcbin: echoed Opus decodes ({e.audio_buffers} buffers)")
check(e.text == "hello webrtcbin", f"webrtcbin: data channel echoes text ({e.text!r})")
check(e.binary == [9, 8, 7, 0], f"webrtcbin: data channel echoes binary ({e.binary!r})")
for err in e.errors:
    print(f"# {err}")
print(f"1..{n}")
sys.exit(1 if failed else 0)
