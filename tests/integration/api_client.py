#!/usr/bin/python3
"""api_client.py -- the client API of a real lumen daemon over real HTTP and WebSocket: every
request, every error code lumen emits, long-poll semantics, session timeout, CORS, oversized
bodies. After each group the daemon must still answer info. Prints TAP."""
import http.client as http_client
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lumentest  # noqa: E402
from apitest import ECHO, PLUGINS_DIR, Http, Ws, error_code, http, stop_clean  # noqa: E402

t = lumentest.Tap()
OFFER = "\r\n".join([
    "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", "a=mid:0", "a=sendrecv", "a=rtcp-mux",
    "a=rtpmap:111 opus/48000/2", "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuvwx",
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32), "a=setup:actpass", ""])


def start(*sets):
    d = lumentest.Daemon(sets=sets, plugins_dir=PLUGINS_DIR)
    if not d.wait_ready():
        t.check(False, "daemon starts", d.output())
        t.done()
    return d


def still_alive(d, what):
    info = Http(d.url).info()
    t.check(info is not None and info.get("janus") == "server_info" and d.proc.poll() is None,
            f"daemon still answers info after {what}", d.output()[-3000:])


def expect_err(reply, code, name):
    t.check(error_code(reply) == code, f"{name} -> {code}", json.dumps(reply))


if not os.path.exists(os.path.join(PLUGINS_DIR, "echotest.so")):
    t.skip("client API tests", f"no echotest plugin in {PLUGINS_DIR} (run make first)")
    t.done()

d = start("http.cors_origins=http://allowed.example", "api.max_handles_per_session=3",
          "api.max_pending_events=16", "api.max_sessions_per_ip=50")
c = Http(d.url)

# ---- info ----
info = c.info()
t.check(info["janus"] == "server_info" and ECHO in info["plugins"], "GET /janus/info lists echotest")
r = c.post("", {"janus": "info"})
t.check(r["janus"] == "server_info" and r["transaction"], "POST info answers with the transaction")

# ---- the happy path over HTTP ----
sid = c.create()
t.check(isinstance(sid, int) and 0 < sid < 2**53, "create returns a session id")
hid = c.attach(sid)
t.check(isinstance(hid, int) and hid > 0, "attach janus.plugin.echotest returns a handle id")
r = c.post(f"/{sid}", {"janus": "keepalive"})
t.check(r["janus"] == "ack" and r["session_id"] == sid, "keepalive is acked")
r = c.post(f"/{sid}/{hid}", {"janus": "message", "body": {"audio": True}, "transaction": "m1"})
t.check(r["janus"] == "ack", "message is acked (echotest answers by event)", json.dumps(r))
ev = c.poll(sid, timeout=10)
t.check(ev.get("janus") == "event" and ev.get("transaction") == "m1" and ev.get("sender") == hid
        and ev["plugindata"]["plugin"] == ECHO and ev["plugindata"]["data"].get("result") == "ok",
        "long poll without maxev returns the event as one object", json.dumps(ev))
r = c.post(f"/{sid}/{hid}", {"janus": "message", "body": {}, "transaction": "m2",
                             "jsep": {"type": "offer", "sdp": OFFER}})
ev = c.poll(sid, timeout=10)
t.check(r["janus"] == "ack" and ev.get("jsep", {}).get("type") == "answer",
        "message with a jsep offer gets an event carrying a jsep answer", json.dumps(ev))
cand = {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host", "sdpMid": "0",
        "sdpMLineIndex": 0}
for name, extra in (("candidate", {"candidate": cand}),
                    ("candidates[]", {"candidates": [cand, cand]}),
                    ("completed", {"candidate": {"completed": True}})):
    r = c.post(f"/{sid}/{hid}", dict({"janus": "trickle"}, **extra))
    t.check(r["janus"] == "ack", f"trickle with {name} is acked", json.dumps(r))
r = c.post(f"/{sid}/{hid}", {"janus": "hangup"})
ev = c.poll(sid, timeout=10)
t.check(r["janus"] == "success" and ev.get("janus") == "hangup" and ev.get("sender") == hid,
        "hangup succeeds and the client gets a hangup event", json.dumps(ev))
r = c.post(f"/{sid}/{hid}", {"janus": "detach"})
ev = c.poll(sid, timeout=10)
t.check(r["janus"] == "success" and ev.get("janus") == "detached" and ev.get("sender") == hid,
        "detach succeeds and the client gets a detached event", json.dumps(ev))
expect_err(c.post(f"/{sid}/{hid}", {"janus": "message", "body": {}}), 459,
           "message to a detached handle")
r = c.post(f"/{sid}", {"janus": "destroy"})
t.check(r["janus"] == "success", "destroy succeeds")
expect_err(c.post(f"/{sid}", {"janus": "keepalive"}), 458, "keepalive on a destroyed session")
still_alive(d, "the request lifecycle")

# ---- long poll ----
sid = c.create()
hid = c.attach(sid)
for i in range(3):
    c.post(f"/{sid}/{hid}", {"janus": "message", "body": {}, "transaction": f"lp{i}"})
time.sleep(0.3)
evs = c.poll(sid, maxev=2, timeout=10)
t.check(isinstance(evs, list) and [e.get("transaction") for e in evs] == ["lp0", "lp1"],
        "maxev=2 returns an array of the two oldest events", json.dumps(evs))
evs = c.poll(sid, maxev=5, timeout=10)
t.check(isinstance(evs, list) and [e.get("transaction") for e in evs] == ["lp2"],
        "the next poll returns the rest", json.dumps(evs))
for i in range(40):
    c.post(f"/{sid}/{hid}", {"janus": "message", "body": {}, "transaction": f"q{i}"})
time.sleep(0.3)
evs = c.poll(sid, maxev=100, timeout=10)
t.check(isinstance(evs, list) and len(evs) == 16 and evs[-1].get("transaction") == "q39",
        "pending events are bounded (api.max_pending_events=16), the newest kept",
        f"{len(evs) if isinstance(evs, list) else evs}")
expect_err(c.poll(123456789), 458, "long poll on an unknown session")
st, body, _ = http("GET", f"{d.url}/janus/{sid}/{hid}")
expect_err(body, 457, "GET on a handle path")
still_alive(d, "long polls")

# ---- envelope and lookup errors ----
st, body, _ = http("POST", d.url + "/janus", b"{\"janus\": ")
expect_err(body, 454, "invalid JSON")
t.check(st == 200, "Janus errors travel with HTTP 200 (janus.js treats others as failures)")
expect_err(http("POST", d.url + "/janus", b"[1,2,3]")[1], 455, "JSON that is not an object")
expect_err(http("POST", d.url + "/janus", b"")[1], 452, "empty body")
expect_err(c.post("", {"transaction": "x"}), 456, "missing janus")
expect_err(http("POST", d.url + "/janus", b"{\"janus\":\"create\"}")[1], 456,
           "missing transaction")
expect_err(c.post("", {"janus": 5}), 467, "janus of the wrong type")
expect_err(c.post("", {"janus": "teleport"}), 453, "unknown request")
sid = c.create()
expect_err(c.post(f"/{sid}", {"janus": "create"}), 457, "create on a session path")
expect_err(c.post("", {"janus": "attach", "plugin": ECHO}), 457, "attach on the root path")
expect_err(c.post(f"/{sid}", {"janus": "message", "body": {}}), 457, "message on a session path")
expect_err(c.post("/987654321", {"janus": "keepalive"}), 458, "unknown session")
expect_err(c.post(f"/{sid}/987654321", {"janus": "message", "body": {}}), 459, "unknown handle")
expect_err(c.post(f"/{sid}", {"janus": "attach", "plugin": "janus.plugin.nothere"}), 460,
           "unknown plugin")
expect_err(c.post(f"/{sid}", {"janus": "attach"}), 456, "attach without plugin")
expect_err(c.post(f"/{sid}", {"janus": "attach", "plugin": ["x"]}), 467, "plugin of the wrong type")
expect_err(c.post("", {"janus": "create", "id": sid}), 468, "create with an id in use")
hid = c.attach(sid)
base = f"/{sid}/{hid}"
expect_err(c.post(base, {"janus": "message"}), 456, "message without body")
expect_err(c.post(base, {"janus": "message", "body": "x"}), 467, "body of the wrong type")
expect_err(c.post(base, {"janus": "message", "body": {}, "jsep": {"type": "rollback", "sdp": OFFER}}),
           464, "jsep of an unknown type")
expect_err(c.post(base, {"janus": "message", "body": {}, "jsep": {"type": "offer"}}), 465,
           "jsep without sdp")
expect_err(c.post(base, {"janus": "message", "body": {}, "jsep": {"type": "offer", "sdp": "junk"}}),
           465, "jsep with an invalid sdp")
expect_err(c.post(base, {"janus": "message", "body": {}, "jsep": {"type": "answer", "sdp": OFFER}}),
           469, "an answer nobody asked for")
expect_err(c.post(base, {"janus": "trickle"}), 456, "trickle without candidate")
expect_err(c.post(base, {"janus": "trickle", "candidate": 3}), 467, "candidate of the wrong type")
expect_err(c.post(base, {"janus": "trickle", "candidate": {"candidate": "c"}}), 466,
           "candidate naming no stream")
c.attach(sid)
c.attach(sid)
expect_err(c.post(f"/{sid}", {"janus": "attach", "plugin": ECHO}), 461,
           "attach past api.max_handles_per_session")
st, body, _ = http("POST", f"{d.url}/janus/{sid}/notanumber", {"janus": "keepalive", "transaction": "x"})
t.check(st == 404 and error_code(body) == 457, "a malformed path is 404 with error 457")
st, body, _ = http("GET", d.url + "/elsewhere")
t.check(st == 404, "paths outside /janus are 404")
st, body, _ = http("PUT", d.url + "/janus", b"{}")
t.check(st == 405 and error_code(body) == 450, "PUT is 405 with error 450")
still_alive(d, "malformed and unknown requests")

# ---- oversized bodies ----
big = json.dumps({"janus": "create", "transaction": "x", "pad": "a" * 70000}).encode()
st, body, _ = http("POST", d.url + "/janus", big)
t.check(st == 413 and error_code(body) == 450 and "too large" in body["error"]["reason"],
        "a body over http.max_body is HTTP 413 with error 450", f"{st} {body}")
conn = http_client.HTTPConnection("127.0.0.1", d.http_port, timeout=10)
conn.request("POST", "/janus", body=iter([b'{"janus":"info",', b'"transaction":"x"}']),
             headers={"Transfer-Encoding": "chunked"}, encode_chunked=True)
resp = conn.getresponse()
body = json.loads(resp.read() or b"null")
conn.close()
t.check(resp.status == 411 and error_code(body) == 450,
        "a chunked body (size unknown until read) is HTTP 411 with error 450", f"{resp.status} {body}")
still_alive(d, "an oversized body")

# ---- CORS ----
st, body, h = http("OPTIONS", d.url + "/janus", headers={
    "Origin": "http://allowed.example", "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type"})
t.check(st in (200, 204) and h.get("Access-Control-Allow-Origin") == "http://allowed.example"
        and "POST" in (h.get("Access-Control-Allow-Methods") or ""),
        "preflight from an allowed origin is granted", f"{st} {dict(h)}")
st, body, h = http("OPTIONS", d.url + "/janus", headers={"Origin": "http://evil.example"})
t.check(h.get("Access-Control-Allow-Origin") is None, "other origins get no CORS grant")
st, body, h = http("POST", d.url + "/janus", {"janus": "info", "transaction": "x"},
                   headers={"Origin": "http://allowed.example"})
t.check(h.get("Access-Control-Allow-Origin") == "http://allowed.example",
        "replies carry the CORS grant for an allowed origin")

# ---- drain (through the admin API) ----
st, _, _ = http("POST", d.admin_url + "/admin/v1/drain", b"{}",
                headers={"Content-Type": "application/json"})
expect_err(c.post("", {"janus": "create"}), 472, "create while draining")
r = c.post(f"/{sid}", {"janus": "keepalive"})
t.check(r["janus"] == "ack", "existing sessions keep working while draining")
stop_clean(t, d, "the first daemon's tests")

# ---- WebSocket ----
d = start("http.cors_origins=http://allowed.example", "api.max_sessions_per_ip=3")
c = Http(d.url)
for path in ("/", "/janus"):
    w = Ws(d.url.replace("http", "ws") + path)
    t.check(w.ws.subprotocol == "janus-protocol", f"WebSocket at {path} speaks janus-protocol")
    r = w.call({"janus": "create"})
    sid = r["data"]["id"]
    r = w.call({"janus": "attach", "plugin": ECHO, "session_id": sid})
    hid = r["data"]["id"]
    r = w.call({"janus": "message", "session_id": sid, "handle_id": hid, "body": {},
                "transaction": "wm"})
    ev = w.pending.pop(0) if w.pending else w.recv()
    t.check(r["janus"] == "ack" and ev["janus"] == "event" and ev["transaction"] == "wm",
            f"WebSocket at {path}: message acked, then its event pushed", json.dumps(ev))
    w.close()
w = Ws(d.url.replace("http", "ws") + "/janus")
expect_err(w.call("{oops"), 454, "WebSocket: invalid JSON")
expect_err(w.call({"janus": "attach", "plugin": ECHO}), 456, "WebSocket: attach without session_id")
sid = w.call({"janus": "create"})["data"]["id"]
expect_err(w.call({"janus": "message", "session_id": sid, "body": {}}), 456,
           "WebSocket: message without handle_id")
expect_err(w.call({"janus": "keepalive", "session_id": "abc"}), 467,
           "WebSocket: session_id of the wrong type")
# claim: move the session to HTTP long polling
hid = w.call({"janus": "attach", "plugin": ECHO, "session_id": sid})["data"]["id"]
r = c.post(f"/{sid}", {"janus": "claim"})
c.post(f"/{sid}/{hid}", {"janus": "message", "body": {}, "transaction": "after-claim"})
ev = c.poll(sid, timeout=10)
t.check(r["janus"] == "success" and ev.get("transaction") == "after-claim",
        "claim over HTTP moves the session's events to the long poll", json.dumps(ev))
w.close()
time.sleep(0.3)
r = c.post(f"/{sid}", {"janus": "keepalive"})
t.check(r["janus"] == "ack", "a claimed session outlives the WebSocket it was created on")
w = Ws(d.url.replace("http", "ws") + "/janus")
sid2 = w.call({"janus": "create"})["data"]["id"]
w.close()
time.sleep(0.3)
expect_err(c.post(f"/{sid2}", {"janus": "keepalive"}), 458,
           "closing a WebSocket destroys the sessions bound to it")
w = Ws(d.url.replace("http", "ws") + "/janus")
w.send("x" * 70000)
r = w.recv()
closed = False
try:
    w.recv(timeout=5)
except Exception:
    closed = True
t.check(error_code(r) == 450 and closed, "WebSocket message over http.max_body: 450, then closed")
w.loop.close()
w = Ws(d.url.replace("http", "ws") + "/janus")
t.check(w.ws.extensions == [], "no permessage-deflate (limits count real bytes)", str(w.ws.extensions))
try:
    # The server may close while the megabyte is still going out: then send itself raises.
    w.send("x" * 1000000)
    w.recv(timeout=5)
    code = None
except Exception:
    code = w.ws.close_code
# 1009 when the close frame arrives, 1006 when the server's close races the client's send.
t.check(code in (1009, 1006), "a WebSocket message far over the limit is refused unread "
        "(connection closed, no reply)", str(code))
w.loop.close()
try:
    Ws(d.url.replace("http", "ws") + "/janus", origin="http://evil.example")
    refused = False
except Exception:
    refused = True
t.check(refused, "WebSocket from a page of another, not allowed origin is refused")
w = Ws(d.url.replace("http", "ws") + "/janus", origin="http://allowed.example")
t.check(w.call({"janus": "info"})["janus"] == "server_info", "WebSocket from an allowed origin works")
w.close()
time.sleep(0.3)
conns = [Ws(d.url.replace("http", "ws") + "/janus") for _ in range(3)]
w = Ws(d.url.replace("http", "ws") + "/janus")
r = w.recv()
try:
    w.recv(timeout=5)
    code = None
except Exception:
    code = w.ws.close_code
w.loop.close()
t.check(error_code(r) == 472 and code == 1008, "WebSockets per address are capped by "
        "api.max_sessions_per_ip (error 472, close 1008)", f"{r} {code}")
conns.pop().close()
time.sleep(0.3)
w = Ws(d.url.replace("http", "ws") + "/janus")
t.check(w.call({"janus": "info"})["janus"] == "server_info", "closing one lets the next connect")
for x in conns + [w]:
    x.close()
still_alive(d, "WebSocket tests")
stop_clean(t, d, "WebSocket tests")

# ---- session timeout and long-poll keepalive ----
d = start("api.session_timeout=2", "api.long_poll_timeout=1")
c = Http(d.url)
sid = c.create()
t0 = time.monotonic()
ev = c.poll(sid, timeout=10)
dt = time.monotonic() - t0
t.check(ev == {"janus": "keepalive"} and 0.8 < dt < 3, "an empty long poll ends with a keepalive "
        "after api.long_poll_timeout", f"{ev} after {dt:.1f}s")
hid = c.attach(sid)
w = Ws(d.url.replace("http", "ws") + "/janus")
wsid = w.call({"janus": "create"})["data"]["id"]
w.call({"janus": "attach", "plugin": ECHO, "session_id": wsid})
t0 = time.monotonic()
ev = w.recv(timeout=8)
dt = time.monotonic() - t0
t.check(ev.get("janus") == "timeout" and ev.get("session_id") == wsid and dt < 5,
        "an idle WebSocket session gets a timeout event", f"{ev} after {dt:.1f}s")
w.close()
time.sleep(0.5)
expect_err(c.post(f"/{sid}", {"janus": "keepalive"}), 458, "the timed-out HTTP session is gone")
sid = c.create()
ok = True
for i in range(4):  # 4 s of keepalives every 0.7 s keep a 2 s session alive
    time.sleep(0.7)
    ok = ok and c.post(f"/{sid}", {"janus": "keepalive"})["janus"] == "ack"
t.check(ok, "keepalives hold a session past api.session_timeout")
still_alive(d, "session timeouts")
stop_clean(t, d, "timeout tests")

# ---- api_secret and tokens ----
d = start("api.api_secret=letmein", "api.token_secret=k3y")
c = Http(d.url)
expect_err(c.post("", {"janus": "create"}), 403, "create without apisecret")
expect_err(c.post("", {"janus": "create", "apisecret": "nope"}), 403, "create with a wrong apisecret")
sid = c.create(apisecret="letmein")
t.check(sid is not None, "create with the right apisecret")
expect_err(c.post(f"/{sid}", {"janus": "attach", "plugin": ECHO, "apisecret": "letmein",
                              "token": "a.b.c"}), 403, "attach with a forged token")
expect_err(c.poll(sid, timeout=5), 403, "long poll without apisecret")
t.check(c.info()["api_secret"] is True, "info stays open and says a secret is needed")
still_alive(d, "auth failures")


def close_waits(port):
    """Sockets of the daemon's listener left half-closed by clients that hung up."""
    out = os.popen(f"ss -Htn state close-wait '( sport = :{port} )'").read()
    return len([ln for ln in out.splitlines() if ln.strip()])


port = int(d.url.rsplit(":", 1)[1])
for i in range(10):  # each request on its own connection, closed by the client afterwards
    conn = http_client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("POST", "/janus", body=json.dumps({"janus": "info", "transaction": f"cw{i}"}))
    conn.getresponse().read()
    conn.close()
time.sleep(0.5)
n = close_waits(port)
t.check(n == 0, f"connections the clients closed are closed by lumen too ({n} in CLOSE_WAIT after 10)")
# Several requests on one kept-alive connection, then the client hangs up while it is idle.
conn = http_client.HTTPConnection("127.0.0.1", port, timeout=5)
for i in range(3):
    conn.request("POST", "/janus", body=json.dumps({"janus": "info", "transaction": f"ka{i}"}))
    r = conn.getresponse()
    r.read()
    t.check(r.status == 200 and (r.getheader("Connection") or "").lower() != "close",
            f"request {i + 1} of 3 on one kept-alive connection")
conn.close()
time.sleep(0.5)
n = close_waits(port)
t.check(n == 0, f"a kept-alive connection the client closed is closed by lumen ({n} in CLOSE_WAIT)")
metrics = urllib.request.urlopen(d.admin_url + "/metrics", timeout=5).read().decode()
closed = [ln for ln in metrics.splitlines()
          if ln.startswith('lumen_http_keepalive_closed_total{reason="client"}')]
t.check(closed and float(closed[0].split()[-1]) >= 11,
        f"/metrics counts the connections closed after their clients ({closed})")
stop_clean(t, d, "auth tests")

t.done()
