"""apitest.py -- client helpers for the client-API integration tests (tests/integration/api_*.py):
the Janus protocol over real HTTP (urllib) and WebSocket (websockets, asyncio under a small
synchronous wrapper). Every call has a timeout; nothing here retries."""
import asyncio
import json
import os
import urllib.error
import urllib.request

import websockets

import lumentest

PLUGINS_DIR = os.path.join(lumentest.TOP_BUILDDIR, "tests", "plugins-dir")
ECHO = "janus.plugin.echotest"


def http(method, url, body=None, headers=None, timeout=10):
    """Returns (status, parsed JSON or None, headers). body: dict/list (JSON) or bytes."""
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw, status, hdrs = r.read(), r.status, r.headers
    except urllib.error.HTTPError as e:
        raw, status, hdrs = e.read(), e.code, e.headers
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, parsed, hdrs


class Http:
    """The Janus protocol over HTTP against one daemon."""

    def __init__(self, base):
        self.base = base.rstrip("/") + "/janus"
        self.n = 0

    def tx(self):
        self.n += 1
        return f"t{self.n}"

    def post(self, path, msg):
        if isinstance(msg, dict) and "transaction" not in msg:
            msg = dict(msg, transaction=self.tx())
        return http("POST", self.base + path, msg)[1]

    def create(self, **extra):
        r = self.post("", dict({"janus": "create"}, **extra))
        return r["data"]["id"] if r and r.get("janus") == "success" else None

    def attach(self, sid, plugin=ECHO, **extra):
        r = self.post(f"/{sid}", dict({"janus": "attach", "plugin": plugin}, **extra))
        return r["data"]["id"] if r and r.get("janus") == "success" else None

    def poll(self, sid, maxev=None, timeout=40, query=""):
        q = f"?maxev={maxev}" if maxev else "?x=1"
        return http("GET", f"{self.base}/{sid}{q}{query}", timeout=timeout)[1]

    def info(self):
        return http("GET", self.base + "/info")[1]


def error_code(reply):
    try:
        return reply["error"]["code"]
    except (TypeError, KeyError):
        return None


class Ws:
    """A synchronous WebSocket client (one event loop per connection)."""

    def __init__(self, url, subprotocols=("janus-protocol",), origin=None):
        self.loop = asyncio.new_event_loop()
        self.n = 0
        self.pending = []
        kw = {"subprotocols": list(subprotocols) if subprotocols else None,
              "max_size": None, "open_timeout": 10}
        if origin:
            kw["origin"] = origin
        asyncio.set_event_loop(self.loop)

        async def connect():
            return await websockets.connect(url, **kw)
        self.ws = self.run(connect())

    def run(self, coro, timeout=10):
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def send(self, msg):
        if isinstance(msg, dict) and "transaction" not in msg:
            self.n += 1
            msg = dict(msg, transaction=f"w{self.n}")
        self.run(self.ws.send(msg if isinstance(msg, (str, bytes)) else json.dumps(msg)))
        return msg

    def recv(self, timeout=10):
        return json.loads(self.run(self.ws.recv(), timeout))

    def call(self, msg, timeout=10):
        """Sends msg and returns the reply with the same transaction (events before it are
        kept in self.pending)."""
        sent = self.send(msg)
        tx = sent.get("transaction") if isinstance(sent, dict) else None
        while True:
            r = self.recv(timeout)
            if tx is None or r.get("transaction") == tx and r.get("janus") != "event":
                return r
            self.pending.append(r)

    def close(self):
        try:
            self.run(self.ws.close(), 5)
        finally:
            self.loop.close()


def stop_clean(t, d, what):
    """Stops the daemon (SIGTERM) and checks it exits 0 with no sanitizer report in its log."""
    rc, _ = d.stop()
    out = d.output()
    bad = [k for k in ("AddressSanitizer", "LeakSanitizer", "runtime error:") if k in out]
    t.check(rc == 0 and not bad, f"daemon exits cleanly after {what}", f"rc {rc} {bad}\n{out[-3000:]}")
