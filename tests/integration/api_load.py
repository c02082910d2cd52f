#!/usr/bin/python3
"""api_load.py -- the client API under load and abuse, on a real lumen daemon: 500 concurrent
sessions over WebSocket and HTTP, a flood of create from one address, a barrage of malformed
requests. After each, the daemon still answers info, holds no session, and its resident memory
(VmRSS) is back near the baseline taken after a warm-up round. Prints TAP."""
import asyncio
import base64
import concurrent.futures
import hashlib
import hmac
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lumentest  # noqa: E402
import websockets  # noqa: E402
from apitest import ECHO, PLUGINS_DIR, Http, error_code, http, stop_clean  # noqa: E402

t = lumentest.Tap()
N = 500
RSS_SLACK_KIB = 6 * 1024  # allocator slack: freed memory is not always returned to the kernel
with open(lumentest.LUMEN, "rb") as f:
    # ASan's quarantine keeps freed memory on purpose: RSS says nothing there (leaks are caught by
    # LeakSanitizer at exit instead, see stop_clean).
    SANITIZED = b"__asan_init" in f.read()

if not os.path.exists(os.path.join(PLUGINS_DIR, "echotest.so")):
    t.skip("client API load tests", f"no echotest plugin in {PLUGINS_DIR} (run make first)")
    t.done()


def start(*sets):
    d = lumentest.Daemon(sets=sets, plugins_dir=PLUGINS_DIR)
    if not d.wait_ready():
        t.check(False, "daemon starts", d.output())
        t.done()
    return d


def sessions_left(d):
    st, body, _ = http("GET", d.admin_url + "/admin/v1/sessions")
    if st != 200 or body is None:
        return None
    items = body.get("sessions", body) if isinstance(body, dict) else body
    return len(items) if isinstance(items, list) else None


def healthy(d, what, baseline=None):
    info = Http(d.url).info()
    alive = d.proc.poll() is None and info is not None and info.get("janus") == "server_info"
    t.check(alive, f"daemon still answers info after {what}", d.output()[-2000:])
    left = sessions_left(d)
    t.check(left in (0, None), f"no session left after {what}", f"{left} sessions")
    if baseline is not None and SANITIZED:
        t.skip(f"memory back near baseline after {what}", "ASan build: LeakSanitizer checks at exit")
    elif baseline is not None:
        time.sleep(2.5)  # the API trims the heap once a wave of frees has settled (1 s sweeps)
        rss = d.rss_kib()
        t.check(rss - baseline < RSS_SLACK_KIB,
                f"memory back near baseline after {what} (VmRSS {rss} KiB, baseline {baseline} KiB)")


async def ws_client(url, i, hold, results):
    async with websockets.connect(url, subprotocols=["janus-protocol"], open_timeout=20) as ws:
        async def call(msg):
            await ws.send(json.dumps(msg))
            return json.loads(await asyncio.wait_for(ws.recv(), 20))
        sid = (await call({"janus": "create", "transaction": "c"}))["data"]["id"]
        hid = (await call({"janus": "attach", "plugin": ECHO, "session_id": sid,
                           "transaction": "a"}))["data"]["id"]
        ack = await call({"janus": "message", "session_id": sid, "handle_id": hid,
                          "body": {"audio": True}, "transaction": f"m{i}"})
        ev = json.loads(await asyncio.wait_for(ws.recv(), 20))
        results.append(ack["janus"] == "ack" and ev.get("transaction") == f"m{i}")
        await hold.wait()
        await call({"janus": "destroy", "session_id": sid, "transaction": "d"})


async def ws_round(url, n):
    hold = asyncio.Event()
    results = []
    tasks = [asyncio.create_task(ws_client(url, i, hold, results)) for i in range(n)]
    end = time.monotonic() + 60
    while len(results) < n and time.monotonic() < end and not any(x.done() for x in tasks):
        await asyncio.sleep(0.1)
    concurrent_ok = sum(results)
    hold.set()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    errors = [repr(x) for x in done if isinstance(x, Exception)]
    return concurrent_ok, errors


def http_session(c, i):
    sid = c.create()
    hid = c.attach(sid)
    r = c.post(f"/{sid}/{hid}", {"janus": "message", "body": {}, "transaction": f"h{i}"})
    ev = c.poll(sid, timeout=20)
    return sid, r.get("janus") == "ack" and ev.get("transaction") == f"h{i}"


def http_round(d, n):
    c = Http(d.url)
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        res = list(pool.map(lambda i: http_session(c, i), range(n)))
    alive = sum(1 for sid, _ in res if c.post(f"/{sid}", {"janus": "keepalive"})["janus"] == "ack")
    for sid, _ in res:
        c.post(f"/{sid}", {"janus": "destroy"})
    return sum(1 for _, ok in res if ok), alive


# ---- 500 concurrent sessions ----
d = start("api.max_sessions_per_ip=5000", "api.create_rate=100000", "api.create_burst=100000")
url = d.url.replace("http", "ws") + "/janus"
# Warm-up at full size: the allocator's high-water mark is reached once, later rounds reuse it.
asyncio.run(ws_round(url, N))
http_round(d, N)
time.sleep(2.5)
baseline = d.rss_kib()
ok, errors = asyncio.run(ws_round(url, N))
t.check(ok == N and not errors, f"{N} concurrent WebSocket sessions each attach echotest and get "
        "their event", f"{ok} ok, errors: {errors[:3]}")
healthy(d, f"{N} WebSocket sessions", baseline)
ok, alive = http_round(d, N)
t.check(ok == N and alive == N, f"{N} concurrent HTTP sessions (long poll) each get their event, "
        "all alive together", f"{ok} events, {alive} alive")
healthy(d, f"{N} HTTP sessions", baseline)
ok, errors = asyncio.run(ws_round(url, N))
t.check(ok == N and not errors, f"a second round of {N} WebSocket sessions", f"{ok} {errors[:3]}")
healthy(d, "a second round", baseline)

# ---- malformed input barrage ----
c = Http(d.url)
rng = random.Random(7)
sid = c.create()
hid = c.attach(sid)
bad = [b"", b"{", b"[]", b"null", b"42", b"\"x\"", b"{\"janus\":null}", b"\xff\xfe\x00",
       b"[" * 5000 + b"]" * 5000, b"{\"janus\":\"create\",\"transaction\":\"t\",\"id\":-1}",
       b"{\"janus\":\"create\",\"transaction\":\"t\",\"id\":1e999}"]
for _ in range(300):
    bad.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))))
fields = ["janus", "transaction", "session_id", "handle_id", "plugin", "body", "jsep",
          "candidate", "candidates", "token", "apisecret"]
values = [None, True, 0, -1, 2**63, 1.5, "", "x" * 1000, [], {}, [1, {}], {"type": 3}]
verbs = ["create", "attach", "message", "trickle", "keepalive", "hangup", "detach", "destroy",
         "claim", "info"]
structured = []
for verb in verbs:
    for f in fields:
        for v in values:
            structured.append({"janus": verb, "transaction": "t", "session_id": sid,
                               "handle_id": hid, f: v})
answered = 0
paths = ["", f"/{sid}", f"/{sid}/{hid}"]
for i, body in enumerate(bad):
    st, reply, _ = http("POST", d.url + "/janus" + paths[i % 3], body)
    answered += st == 200 and reply is not None and "janus" in reply
t.check(answered == len(bad), f"{len(bad)} malformed bodies each get a Janus reply",
        f"{answered} answered")
answered = 0
for i, msg in enumerate(structured):
    st, reply, _ = http("POST", d.url + "/janus" + paths[i % 3], json.dumps(msg).encode())
    answered += st == 200 and reply is not None and "janus" in reply
t.check(answered == len(structured), f"{len(structured)} requests with wrong types in every field "
        "each get a Janus reply", f"{answered} answered")
c.post(f"/{sid}", {"janus": "destroy"})
# The barrage created sessions too (a create with odd extra fields is valid): end them all.
st, body, _ = http("GET", d.admin_url + "/admin/v1/sessions")
ids = [x["id"] for x in (body.get("sessions", body) if isinstance(body, dict) else body or [])]
for s in ids:
    http("DELETE", f"{d.admin_url}/admin/v1/sessions/{s}")
healthy(d, "malformed input", baseline)
stop_clean(t, d, "the load rounds and malformed input")

# ---- a flood of create from one address (default limits: 10/s, burst 20, 100 per address) ----
d = start()
c = Http(d.url)
t0 = time.monotonic()
replies = [c.post("", {"janus": "create"}) for _ in range(300)]
elapsed = time.monotonic() - t0
made = [r["data"]["id"] for r in replies if r.get("janus") == "success"]
refused = [r for r in replies if error_code(r) == 472]
t.check(20 <= len(made) <= 20 + 10 * elapsed + 2 and len(made) + len(refused) == 300,
        "a create flood from one address is cut by the token bucket (472)",
        f"{len(made)} created, {len(refused)} refused in {elapsed:.1f}s")
t.check(all("Too many" in r["error"]["reason"] for r in refused), "the 472 reason says why")
for s in made:
    c.post(f"/{s}", {"janus": "destroy"})
healthy(d, "a create flood")


# ---- a valid JWT's claims reach the session's handles (admin view) ----
def b64(x):
    return base64.urlsafe_b64encode(x).rstrip(b"=").decode()


def jwt_hs256(claims, key):
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


stop_clean(t, d, "the create flood")
d = start("api.token_secret=k3y", "api.token_required=true")
c = Http(d.url)
tok = jwt_hs256({"sub": "alice", "room": "lobby", "role": "presenter",
                 "exp": int(time.time()) + 600}, b"k3y")
expired = jwt_hs256({"sub": "bob", "exp": int(time.time()) - 10}, b"k3y")
expect = error_code(c.post("", {"janus": "create", "token": expired}))
t.check(expect == 403, "an expired token is refused with 403")
t.check(error_code(c.post("", {"janus": "create"})) == 403, "no token is refused when required")
sid = c.create(token=tok)
hid = c.attach(sid, token=tok)
st, body, _ = http("GET", f"{d.admin_url}/admin/v1/sessions/{sid}")
text = json.dumps(body)
t.check(hid is not None and "alice" in text and "lobby" in text and "presenter" in text,
        "a valid HS256 token's user, room and role are the handle's identity", text[:400])
limited = jwt_hs256({"sub": "eve", "plugins": ["janus.plugin.videoroom"]}, b"k3y")
t.check(error_code(c.post(f"/{sid}", {"janus": "attach", "plugin": ECHO, "token": limited})) == 405,
        "a token limited to other plugins gets 405")
c.post(f"/{sid}/{hid}", {"janus": "message", "body": {}, "token": tok})
r = c.poll(sid, timeout=10, query=f"&token={tok}&maxev=1")
t.check(r is not None and error_code(r) is None, "long poll accepts the token as a query parameter",
        json.dumps(r))
c.post(f"/{sid}", {"janus": "destroy", "token": tok})
healthy(d, "token checks")
stop_clean(t, d, "token checks")
t.done()
