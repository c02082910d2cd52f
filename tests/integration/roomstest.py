"""roomstest.py -- helpers for the rooms engine's signalling tests (rooms_api.py, rooms_admin.py):
one participant = one WebSocket session with one janus.plugin.videoroom handle, its plugin
replies and events, and the SDP fixtures. Every wait is bounded."""
import asyncio
import os
import time

import lumentest
from apitest import Ws

ROOMS = "janus.plugin.videoroom"
PLUGINS_DIR = os.path.join(lumentest.TOP_BUILDDIR, "tests", "plugins-dir")
HAVE_ROOMS = os.path.exists(os.path.join(PLUGINS_DIR, "rooms.so"))


def fixture(name):
    with open(os.path.join(lumentest.TOP_SRCDIR, "tests", "fixtures", "sdp", name)) as f:
        return f.read()


def offer(name="chromium-offer.sdp"):
    return {"type": "offer", "sdp": fixture(name)}


class Peer:
    """A session on the client API's WebSocket with one rooms handle."""

    def __init__(self, d, name=""):
        self.name = name
        self.w = Ws(d.url.replace("http", "ws") + "/janus")
        r = self.w.call({"janus": "create"})
        self.sid = r["data"]["id"]
        r = self.w.call({"janus": "attach", "session_id": self.sid, "plugin": ROOMS})
        self.hid = r["data"]["id"]
        self.id = None
        self.private_id = None

    def send(self, body, jsep=None):
        """A "message"; returns the core's reply (success with plugindata, ack, or error)."""
        m = {"janus": "message", "session_id": self.sid, "handle_id": self.hid, "body": body}
        if jsep is not None:
            m["jsep"] = jsep
        return self.w.call(m)

    def sync(self, body):
        """A synchronous plugin request; returns plugindata.data (or the whole reply)."""
        r = self.send(body)
        try:
            return r["plugindata"]["data"]
        except (KeyError, TypeError):
            return r

    def event(self, pred=lambda data: True, timeout=5.0):
        """The first plugin event whose data satisfies pred (earlier ones are kept), as
        (data, jsep); (None, None) when none came in time."""
        end = time.monotonic() + timeout
        i = 0
        while True:
            while i < len(self.w.pending):
                m = self.w.pending[i]
                data = (m.get("plugindata") or {}).get("data") if m.get("janus") == "event" else None
                if data is not None and pred(data):
                    del self.w.pending[i]
                    return data, m.get("jsep")
                i += 1
            left = end - time.monotonic()
            if left <= 0:
                return None, None
            try:
                self.w.pending.append(self.w.recv(timeout=left))
            except (asyncio.TimeoutError, TimeoutError):
                return None, None

    def has(self, key, value=None, timeout=5.0):
        """An event carrying key (with that value when given); returns its data or None."""
        data, _ = self.event(lambda e: key in e and (value is None or e[key] == value), timeout)
        return data

    def join(self, room, **extra):
        """Joins as a publisher; returns the "joined" data or the error data."""
        r = self.send(dict({"request": "join", "ptype": "publisher", "room": room}, **extra))
        data = (r.get("plugindata") or {}).get("data")
        if data and "error_code" in data:
            return data
        ev, _ = self.event(lambda e: e.get("videoroom") in ("joined", "event") and
                           ("id" in e or "error_code" in e))
        if ev and ev.get("videoroom") == "joined":
            self.id, self.private_id = ev["id"], ev["private_id"]
        return ev

    def publish(self, name="chromium-offer.sdp", **extra):
        """publish with a fixture offer; returns (data, jsep) of the reply event, or the sync
        error data with jsep None."""
        r = self.send(dict({"request": "publish"}, **extra), offer(name))
        data = (r.get("plugindata") or {}).get("data")
        if data and "error_code" in data:
            return data, None
        if r.get("janus") == "error":
            return r, None
        return self.event(lambda e: "configured" in e or "error_code" in e)

    def close(self):
        try:
            self.w.close()
        except Exception:  # noqa: BLE001 -- the daemon may be gone already
            pass


def err(data):
    """(error_code, error) of a plugin reply."""
    if not isinstance(data, dict):
        return None, None
    return data.get("error_code"), data.get("error")
