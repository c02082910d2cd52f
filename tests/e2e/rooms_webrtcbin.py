#!/usr/bin/python3
"""rooms_webrtcbin.py -- GStreamer's webrtcbin as a participant of a lumen room (janus.plugin.videoroom).

  rooms_webrtcbin.py publish API_URL ROOM SECONDS
      joins ROOM as a publisher and publishes VP8 (videotestsrc) and Opus (audiotestsrc), sendonly;
      prints "feed ID" once lumen has answered, then keeps sending until SECONDS have passed or
      stdin is closed.
  rooms_webrtcbin.py subscribe API_URL ROOM FEED SECONDS
      joins a subscriber handle to FEED (streams [{feed}]), answers lumen's offer (webrtcbin as
      the answerer), sends "start" with the answer, and counts VP8 frames and Opus buffers that
      decode; stops once both pass the bar (or after SECONDS).

Speaks the Janus protocol over HTTP (create, attach, message, long poll, trickle). Prints result
lines "ok NAME" / "not ok NAME" and "# diagnostics" for rooms_media_webrtcbin.mjs, which numbers
them into its TAP. Run inside the test network namespace (webrtcbin gathers no loopback
candidates)."""
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

MODE = sys.argv[1]
API = sys.argv[2]
ROOM = int(sys.argv[3])
FEED = int(sys.argv[4]) if MODE == "subscribe" else None
SECONDS = float(sys.argv[-1])
FRAMES_WANTED = 30


def out(line):
    print(line, flush=True)


def tx():
    return "".join(random.choice(string.ascii_letters) for _ in range(12))


def post(path, body):
    body = dict(body, transaction=tx())
    req = urllib.request.Request(API + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


class Participant:
    def __init__(self, publish):
        Gst.init(None)
        self.publish = publish
        self.loop = GLib.MainLoop()
        self.errors = []
        self.events = []
        self.webrtcup = False
        self.feed = None
        self.configured = False
        self.attached = None
        self.started = False
        self.video_frames = 0
        self.audio_buffers = 0
        self.remote_set = False
        self.pending_cands = []
        self.stop = False
        self.stdin_closed = False
        if publish:
            self.pipe = Gst.parse_launch(
                "webrtcbin name=w bundle-policy=max-bundle "
                "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
                "! vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay pt=96 "
                "! application/x-rtp,media=video,encoding-name=VP8,payload=96 ! w. "
                "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc "
                "! rtpopuspay pt=111 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! w.")
            self.w = self.pipe.get_by_name("w")
        else:
            # (parse_launch of one element would return the element, not a pipeline)
            self.pipe = Gst.Pipeline.new("subscriber")
            self.w = Gst.ElementFactory.make("webrtcbin", "w")
            self.w.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
            self.pipe.add(self.w)
        self.w.connect("pad-added", self.on_pad_added)
        self.w.connect("on-ice-candidate", self.on_local_candidate)

    # -- signalling --
    def message(self, body, jsep=None):
        msg = {"janus": "message", "body": body}
        if jsep:
            msg["jsep"] = jsep
        r = post(f"/{self.session}/{self.handle}", msg)
        if r.get("janus") not in ("ack", "success"):
            self.errors.append(f"{body.get('request')} refused: {json.dumps(r)}")
        return r

    def start_session(self):
        r = post("", {"janus": "create"})
        self.session = r["data"]["id"]
        r = post(f"/{self.session}", {"janus": "attach", "plugin": "janus.plugin.videoroom"})
        if r.get("janus") != "success":
            raise RuntimeError(f"attach failed: {r}")
        self.handle = r["data"]["id"]
        threading.Thread(target=self.poll, daemon=True).start()
        if self.publish:
            self.message({"request": "join", "ptype": "publisher", "room": ROOM, "display": "webrtcbin"})
        else:
            self.message({"request": "join", "ptype": "subscriber", "room": ROOM, "streams": [{"feed": FEED}]})

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
        if kind == "event":
            data = ev.get("plugindata", {}).get("data", {})
            self.events.append(data)
            if "error" in data:
                self.errors.append(f"plugin error: {json.dumps(data)}")
            elif data.get("videoroom") == "joined" and self.publish:
                self.feed = data.get("id")
                GLib.timeout_add(300, self.make_offer)
            elif data.get("videoroom") == "attached":
                self.attached = data
            if data.get("configured") == "ok":
                self.configured = True
            if data.get("started") == "ok":
                self.started = True
            if "jsep" in ev:
                self.on_remote_jsep(ev["jsep"])
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

    def on_remote_jsep(self, jsep):
        ok, sdp = GstSdp.SDPMessage.new_from_text(jsep["sdp"])
        if ok != GstSdp.SDPResult.OK:
            self.errors.append(f"unparsable {jsep.get('type')} from lumen")
            return
        if jsep["type"] == "answer":
            desc = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, sdp)
            self.w.emit("set-remote-description", desc,
                        Gst.Promise.new_with_change_func(self.on_remote_set, None))
        else:
            desc = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.OFFER, sdp)
            self.w.emit("set-remote-description", desc,
                        Gst.Promise.new_with_change_func(self.on_offer_set, None))

    def on_remote_set(self, promise, _):
        GLib.idle_add(self.flush_candidates)

    def flush_candidates(self):
        self.remote_set = True
        for c in self.pending_cands:
            self.w.emit("add-ice-candidate", c.get("sdpMLineIndex", 0), c["candidate"])
        self.pending_cands = []
        return False

    def on_local_candidate(self, element, mline, candidate):
        GLib.idle_add(self.send_candidate, mline, candidate)

    def send_candidate(self, mline, candidate):
        try:
            post(f"/{self.session}/{self.handle}",
                 {"janus": "trickle", "candidate": {"candidate": candidate, "sdpMLineIndex": mline}})
        except Exception as ex:
            self.errors.append(f"trickle: {ex}")
        return False

    # publisher: offer
    def make_offer(self):
        # Sendonly: the transceivers exist now that the sources are linked.
        for i in range(8):
            t = self.w.emit("get-transceiver", i)
            if t is None:
                break
            t.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        self.w.emit("create-offer", None, Gst.Promise.new_with_change_func(self.on_offer_created, None))
        return False

    def on_offer_created(self, promise, _):
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
            self.message({"request": "publish", "audio": True, "video": True},
                         {"type": "offer", "sdp": text})
        except Exception as ex:
            self.errors.append(f"sending the offer: {type(ex).__name__}: {ex}")
        return False

    # subscriber: answer
    def on_offer_set(self, promise, _):
        GLib.idle_add(self.make_answer)

    def make_answer(self):
        self.flush_candidates()
        self.w.emit("create-answer", None, Gst.Promise.new_with_change_func(self.on_answer_created, None))
        return False

    def on_answer_created(self, promise, _):
        reply = promise.get_reply()
        answer = reply.get_value("answer") if reply else None
        text = None
        if answer is not None:
            self.w.emit("set-local-description", answer, Gst.Promise.new())
            text = answer.sdp.as_text()
        GLib.idle_add(self.send_answer, text)

    def send_answer(self, text):
        try:
            if text is None:
                raise RuntimeError("webrtcbin created no answer")
            self.message({"request": "start", "room": ROOM}, {"type": "answer", "sdp": text})
        except Exception as ex:
            self.errors.append(f"sending the answer: {type(ex).__name__}: {ex}")
        return False

    # -- media --
    def on_pad_added(self, element, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        caps = pad.get_current_caps() or pad.query_caps(None)
        s = caps.get_structure(0)
        media = s.get_value("media")
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

    def watch_stdin(self):
        # The driver closes our stdin when its subscriber is done with our feed.
        sys.stdin.read()
        self.stdin_closed = True

    def run(self):
        self.pipe.set_state(Gst.State.PLAYING)
        self.start_session()
        deadline = time.monotonic() + SECONDS
        if self.publish:
            threading.Thread(target=self.watch_stdin, daemon=True).start()
        announced = [False]

        def check():
            if self.publish and self.configured and self.feed is not None and not announced[0]:
                announced[0] = True
                out(f"feed {self.feed}")
            if self.publish:
                done = self.stdin_closed
            else:
                done = self.video_frames > FRAMES_WANTED and self.audio_buffers > FRAMES_WANTED
            if done or time.monotonic() > deadline or self.errors:
                self.loop.quit()
                return False
            return True
        GLib.timeout_add(100, check)
        self.loop.run()
        self.stop = True
        self.pipe.set_state(Gst.State.NULL)
        try:
            post(f"/{self.session}", {"janus": "destroy"})
        except Exception:
            pass


def report(p):
    def res(cond, name):
        out(f"{'ok' if cond else 'not ok'} webrtcbin {MODE}: {name}")
    res(p.webrtcup, "lumen reports webrtcup")
    if p.publish:
        res(p.configured and p.feed is not None, f"joined and published (feed {p.feed})")
    else:
        streams = (p.attached or {}).get("streams", [])
        res(len(streams) >= 2, f"attached to the feed's streams ({[s.get('type') for s in streams]})")
        res(p.started, "lumen says started ok")
        res(p.video_frames > FRAMES_WANTED, f"VP8 from the room decodes ({p.video_frames} frames)")
        res(p.audio_buffers > FRAMES_WANTED, f"Opus from the room decodes ({p.audio_buffers} buffers)")
    for err in p.errors:
        out(f"# {err}")
    if p.errors or not p.webrtcup:
        for ev in p.events[-6:]:
            out(f"# event {json.dumps(ev)[:300]}")


try:
    part = Participant(MODE == "publish")
    part.run()
    report(part)
except Exception as ex:  # reported as a failed result, not a traceback
    out(f"not ok webrtcbin {MODE}: ran ({type(ex).__name__}: {ex})")
sys.exit(0)
