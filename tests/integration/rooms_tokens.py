#!/usr/bin/python3
"""rooms_tokens.py -- join tokens (JWT, HS256) and the rooms engine: the token's role claim
decides who may publish (a viewer's publish is refused with 433, a presenter's goes through in a
broadcast room), a moderator token may promote, and a token's room claim limits it to that room.
A real daemon on loopback; the offers are captured browser SDPs. Prints TAP."""
import base64
import hashlib
import hmac
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lumentest  # noqa: E402
from apitest import Ws, stop_clean  # noqa: E402
from roomstest import HAVE_ROOMS, PLUGINS_DIR, ROOMS, offer  # noqa: E402

t = lumentest.Tap()
KEY = "rooms-token-test-key"


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt(claims):
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = b64url(hmac.new(KEY.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"


clients = []


class Client:
    """One session and one rooms handle, attached with a token."""

    def __init__(self, d, claims):
        self.w = Ws(d.url.replace("http", "ws") + "/janus")
        self.token = jwt(dict(claims, exp=int(time.time()) + 600))
        r = self.w.call({"janus": "create", "token": self.token})
        self.sid = r["data"]["id"]
        r = self.w.call({"janus": "attach", "session_id": self.sid, "plugin": ROOMS,
                         "token": self.token})
        self.hid = r["data"]["id"]
        clients.append(self)

    def send(self, body, jsep=None):
        m = {"janus": "message", "session_id": self.sid, "handle_id": self.hid, "body": body,
             "token": self.token}
        if jsep:
            m["jsep"] = jsep
        return self.w.call(m)

    def event(self, key, timeout=5.0):
        """The next plugin event (or sync error data) carrying key, else None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for i, m in enumerate(self.w.pending):
                data = (m.get("plugindata") or {}).get("data") or {}
                if key in data:
                    del self.w.pending[i]
                    return data
            try:
                self.w.pending.append(self.w.recv(timeout=max(0.05, end - time.monotonic())))
            except Exception:
                return None
        return None

    def request(self, body, key, jsep=None):
        """Sends body; returns the sync reply's data if it carries key or an error, else the
        event carrying key."""
        r = self.send(body, jsep)
        data = (r.get("plugindata") or {}).get("data") or {}
        if key in data or "error_code" in data:
            return data
        return self.event(key) or {}


if not HAVE_ROOMS:
    t.skip("rooms token tests", f"no rooms plugin in {PLUGINS_DIR}")
    t.done()

d = lumentest.Daemon(sets=[f"api.token_secret={KEY}"], plugins_dir=PLUGINS_DIR)
if not t.check(d.wait_ready(), "the daemon starts with join tokens on", d.output()):
    t.done()
try:
    mod = Client(d, {"sub": "mod", "role": "moderator"})
    r = mod.request({"request": "create", "room": 501, "mode": "broadcast"}, "videoroom")
    t.check(r.get("videoroom") == "created", "a room is created with a token", json.dumps(r))

    j = mod.request({"request": "join", "ptype": "publisher", "room": 501, "display": "Mod"},
                    "role")
    t.check(j.get("role") == "moderator", "the token's moderator role is the participant's role",
            json.dumps(j))

    viewer = Client(d, {"sub": "vic", "role": "viewer"})
    jv = viewer.request({"request": "join", "ptype": "publisher", "room": 501, "display": "Vic",
                         "secret": "anything"}, "role")
    t.check(jv.get("role") == "viewer", "a viewer token stays viewer whatever the join says",
            json.dumps(jv))
    e = viewer.request({"request": "publish"}, "configured", jsep=offer())
    t.check(e.get("error_code") == 433 and "viewers cannot publish" in e.get("error", ""),
            "a viewer token's publish is refused with 433", json.dumps(e))

    pres = Client(d, {"sub": "pam", "role": "presenter"})
    pres.request({"request": "join", "ptype": "publisher", "room": 501, "display": "Pam"}, "role")
    e = pres.request({"request": "publish"}, "configured", jsep=offer())
    t.check(e.get("configured") == "ok", "a presenter token publishes in a broadcast room",
            json.dumps(e))

    p = mod.request({"request": "promote", "room": 501, "id": jv.get("id")}, "role")
    t.check(p.get("role") == "presenter", "the moderator token promotes the viewer", json.dumps(p))
    got = viewer.event("role")
    t.check((got or {}).get("role") == "presenter", "the promoted viewer is told its new role",
            json.dumps(got))
    e = viewer.request({"request": "publish"}, "configured", jsep=offer())
    t.check(e.get("configured") == "ok", "the promoted viewer publishes", json.dumps(e))

    mod.request({"request": "create", "room": 502, "mode": "sfu"}, "videoroom")
    bound = Client(d, {"sub": "ray", "role": "publisher", "room": "501"})
    e = bound.request({"request": "join", "ptype": "publisher", "room": 502}, "joined")
    t.check(e.get("error_code") == 433 and "501" in e.get("error", ""),
            "a token for room 501 cannot join room 502", json.dumps(e))
    e = bound.request({"request": "join", "ptype": "publisher", "room": 501}, "role")
    t.check(e.get("videoroom") == "joined", "... and joins room 501", json.dumps(e))
    sub = Client(d, {"sub": "sue", "role": "viewer", "room": "501"})
    e = sub.request({"request": "join", "ptype": "subscriber", "room": 502}, "attached")
    t.check(e.get("error_code") == 433, "the room claim binds subscriber handles too",
            json.dumps(e))
finally:
    for c in clients:
        try:
            c.w.close()
        except Exception:
            pass
    stop_clean(t, d, "the token tests")
t.done()
