#!/usr/bin/python3
"""admin_api.py -- the admin REST API of a real lumen daemon on 127.0.0.1: every endpoint,
JSON errors with their statuses (400/401/403/404/405/413/500), static token and JWT roles
(viewer read-only, operator without reload), drain (readyz 503, `create` refused, existing
sessions kept), /metrics content, metrics_token, loopback-only mode, and the refusal to start
without a credential on a public address. TAP output; every wait is bounded."""
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lumentest import LUMEN, TOP_BUILDDIR, Daemon, Tap, free_port  # noqa: E402

tap = Tap()
JWT_KEY = "jwt-secret-for-admin-tests"
PLUGINS = os.path.join(TOP_BUILDDIR, "tests", "plugins-dir")
HAVE_ECHO = os.path.exists(os.path.join(PLUGINS, "echotest.so"))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(claims, key=JWT_KEY, alg="HS256"):
    head = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
    sig = b64url(hmac.new(key.encode(), f"{head}.{body}".encode(), digest).digest())
    return f"{head}.{body}.{sig}"


def http(base, method, path, token=None, body=None, raw=None, headers=None):
    """One request; returns (status, headers, text). body is JSON-encoded, raw sent as is."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def error_code(text):
    try:
        return json.loads(text)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def janus(d, path, msg):
    """POST to the client API; returns the parsed reply."""
    msg = dict(msg, transaction=msg.get("transaction", "t"))
    req = urllib.request.Request(d.url + path, data=json.dumps(msg).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def wait_ready(d, token=None, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end and d.proc.poll() is None:
        try:
            if http(d.admin_url, "GET", "/readyz", token)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def expect_error(name, got, status, code):
    tap.check(got[0] == status and error_code(got[2]) == code, name, f"{got[0]} {got[2]}")


tmp = tempfile.mkdtemp(prefix="lumen-admin-")
conf = os.path.join(tmp, "lumen.cfg")
with open(conf, "w") as f:
    f.write(f'admin: {{ token = "tok"; jwt_secret = "{JWT_KEY}"; }};\n')

# No ASan quarantine (in sanitizer builds), so freed memory is reused and RSS means something.
asan = os.environ.get("ASAN_OPTIONS", "")
d = Daemon(config=conf, plugins_dir=PLUGINS if HAVE_ECHO else None,
           env={"ASAN_OPTIONS": (asan + ":" if asan else "") + "quarantine_size_mb=0"})
A = d.admin_url
tap.check(wait_ready(d), "/readyz answers 200 once the daemon is up", d.output())
st, hd, text = http(A, "GET", "/healthz")
tap.check(st == 200 and text == "ok\n", "/healthz answers 200 ok without a token", text)

# --- authentication ---
got = http(A, "GET", "/admin/v1/info")
expect_error("no Authorization header: 401 unauthorized", got, 401, "unauthorized")
tap.check((got[1].get("WWW-Authenticate") or "").startswith("Bearer"), "401 carries WWW-Authenticate: Bearer")
expect_error("a wrong static token: 401", http(A, "GET", "/admin/v1/info", "nope"), 401, "unauthorized")
expect_error("a JWT signed with another key: 401",
             http(A, "GET", "/admin/v1/info", jwt({"role": "admin"}, key="other-key")), 401, "unauthorized")
expect_error("an expired JWT: 401",
             http(A, "GET", "/admin/v1/info", jwt({"role": "admin", "exp": int(time.time()) - 5})),
             401, "unauthorized")
expect_error("a JWT with HS512 instead of HS256: 401",
             http(A, "GET", "/admin/v1/info", jwt({"role": "admin"}, alg="HS512")), 401, "unauthorized")
expect_error("a JWT without a role: 403",
             http(A, "GET", "/admin/v1/info", jwt({"sub": "x"})), 403, "forbidden")

# --- info, plugins ---
st, _, text = http(A, "GET", "/admin/v1/info", "tok")
info = json.loads(text) if st == 200 else {}
tap.check(st == 200 and info.get("name") == "lumen" and re.match(r"^\d+\.\d+", info.get("version", ""))
          and info.get("ready") is True and info.get("role") == "admin"
          and isinstance(info.get("uptime_seconds"), int), "GET /admin/v1/info: version, uptime, ready", text)
st, _, text = http(A, "GET", "/admin/v1/plugins", "tok")
plugins = json.loads(text) if st == 200 else {}
tap.check(st == 200 and isinstance(plugins.get("plugins"), list) and isinstance(plugins.get("refused"), list),
          "GET /admin/v1/plugins lists loaded and refused plugins", text)
if HAVE_ECHO:
    echo = [p for p in plugins.get("plugins", []) if p.get("package") == "janus.plugin.echotest"]
    tap.check(echo and echo[0].get("version") and echo[0].get("path"), "plugins shows echotest with version and path", text)
    tap.check(any(p.get("package") == "janus.plugin.echotest" and p.get("version") for p in info.get("plugins", [])),
              "info lists echotest with its version", info)
else:
    tap.skip("plugins shows echotest with version and path", "tests/plugins-dir/echotest.so not built")
    tap.skip("info lists echotest with its version", "tests/plugins-dir/echotest.so not built")

# --- sessions ---
sid = janus(d, "/janus", {"janus": "create"})["data"]["id"]
st, _, text = http(A, "GET", "/admin/v1/sessions", "tok")
lst = json.loads(text) if st == 200 else {}
tap.check(st == 200 and any(s.get("id") == sid for s in lst.get("sessions", [])) and lst.get("count") >= 1,
          "GET /admin/v1/sessions lists a session created on the client API", text)
if HAVE_ECHO:
    hid = janus(d, f"/janus/{sid}", {"janus": "attach", "plugin": "janus.plugin.echotest"})["data"]["id"]
    st, _, text = http(A, "GET", f"/admin/v1/sessions/{sid}", "tok")
    one = json.loads(text) if st == 200 else {}
    handles = one.get("handles") if isinstance(one.get("handles"), list) else []
    tap.check(st == 200 and one.get("id") == sid and any(
        h.get("id") == hid and h.get("plugin") == "janus.plugin.echotest" for h in handles),
        "GET /admin/v1/sessions/{id} shows the handle and its plugin", text)
else:
    st, _, text = http(A, "GET", f"/admin/v1/sessions/{sid}", "tok")
    tap.check(st == 200 and json.loads(text).get("id") == sid, "GET /admin/v1/sessions/{id}", text)
expect_error("GET /admin/v1/sessions/abc: 400", http(A, "GET", "/admin/v1/sessions/abc", "tok"), 400, "bad_request")
expect_error("GET an unknown session: 404", http(A, "GET", "/admin/v1/sessions/12345", "tok"), 404, "not_found")
expect_error("DELETE an unknown session: 404", http(A, "DELETE", "/admin/v1/sessions/12345", "tok"), 404, "not_found")

# --- generic errors ---
got = http(A, "PATCH", "/admin/v1/info", "tok")
expect_error("PATCH /admin/v1/info: 405", got, 405, "method_not_allowed")
tap.check(got[1].get("Allow") == "GET", "405 carries Allow: GET", dict(got[1]))
expect_error("an unknown endpoint: 404", http(A, "GET", "/admin/v1/nothing", "tok"), 404, "not_found")
expect_error("PUT log-level with invalid JSON: 400",
             http(A, "PUT", "/admin/v1/log-level", "tok", raw=b"{level"), 400, "bad_request")
expect_error("PUT log-level with an unknown level: 400",
             http(A, "PUT", "/admin/v1/log-level", "tok", {"level": "loud"}), 400, "bad_request")
expect_error("PUT log-level with a body over 64 KiB: 413",
             http(A, "PUT", "/admin/v1/log-level", "tok", raw=b" " * (65 * 1024) + b"{}"), 413, "payload_too_large")
rss0 = d.rss_kib()
for _ in range(3):
    got = http(A, "PUT", "/admin/v1/log-level", "tok", raw=b"x" * (16 * 1024 * 1024))
grown = d.rss_kib() - rss0
tap.check(got[0] == 413 and grown < 8 * 1024, "three refused 16 MiB bodies are not buffered (RSS grew %d KiB)" % grown,
          got)
st, _, text = http(A, "PUT", "/admin/v1/log-level", "tok", {"level": "debug", "levels": "admin:trace"})
tap.check(st == 200 and json.loads(text).get("level") == "debug", "PUT /admin/v1/log-level applies a level", text)
http(A, "GET", "/admin/v1/drain", "tok")
time.sleep(0.1)
tap.check("GET /admin/v1/drain -> 200" in d.output(), "the new level is in force (admin:trace logs each request)",
          d.output()[-2000:])
http(A, "PUT", "/admin/v1/log-level", "tok", {"level": "info", "levels": ""})

# --- roles ---
viewer, operator = jwt({"role": "viewer"}), jwt({"role": "operator", "exp": int(time.time()) + 600})
st, _, text = http(A, "GET", "/admin/v1/info", viewer)
tap.check(st == 200 and json.loads(text).get("role") == "viewer", "a viewer JWT reads info", text)
for method, path, body in (("DELETE", f"/admin/v1/sessions/{sid}", None), ("POST", "/admin/v1/drain", None),
                           ("DELETE", "/admin/v1/drain", None), ("PUT", "/admin/v1/log-level", {"level": "info"}),
                           ("POST", "/admin/v1/config/reload", None)):
    expect_error(f"a viewer gets 403 on {method} {path.replace(str(sid), '{id}')}",
                 http(A, method, path, viewer, body), 403, "forbidden")
expect_error("an operator gets 403 on POST /admin/v1/config/reload",
             http(A, "POST", "/admin/v1/config/reload", operator), 403, "forbidden")

# --- drain ---
st, _, text = http(A, "POST", "/admin/v1/drain", operator)
tap.check(st == 200 and json.loads(text) == {"draining": True}, "an operator starts a drain", text)
st, _, text = http(A, "GET", "/readyz")
tap.check(st == 503 and "draining" in text, "/readyz answers 503 while draining", f"{st} {text}")
reply = janus(d, "/janus", {"janus": "create"})
tap.check(reply.get("janus") == "error", "create is refused while draining", reply)
tap.check(http(A, "GET", f"/admin/v1/sessions/{sid}", "tok")[0] == 200, "an existing session survives the drain")
_, _, metrics = http(A, "GET", "/metrics")
tap.check(re.search(r"^lumen_draining 1$", metrics, re.M), "lumen_draining is 1 while draining", metrics)
st, _, text = http(A, "DELETE", "/admin/v1/drain", operator)
tap.check(st == 200 and json.loads(text) == {"draining": False}, "DELETE /admin/v1/drain ends the drain", text)
tap.check(http(A, "GET", "/readyz")[0] == 200, "/readyz is 200 again after the drain")
sid2 = janus(d, "/janus", {"janus": "create"}).get("data", {}).get("id")
tap.check(sid2, "create works again after the drain")

# --- metrics ---
janus(d, "/janus/999999", {"janus": "keepalive"})  # error 458: session not found
st, hd, metrics = http(A, "GET", "/metrics")
tap.check(st == 200 and hd.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
          "/metrics is text/plain; version=0.0.4", hd.get("Content-Type"))
want = [r"^# TYPE lumen_sessions gauge$", r"^lumen_sessions 2$", r"^# TYPE lumen_handles gauge$",
        r'^lumen_requests_total\{verb="create",result="ok"\} 2$',
        r'^lumen_requests_total\{verb="create",result="error"\} [1-9]$',
        r'^lumen_errors_total\{code="458"\} [1-9]\d*$', r'^lumen_build_info\{version="[^"]+"\} 1$',
        r"^process_start_time_seconds 1\d{9}(\.\d+)?$", r"^# TYPE lumen_requests_total counter$"]
if HAVE_ECHO:
    want.append(r'^lumen_plugin_info\{package="janus.plugin.echotest",version="[^"]+"\} 1$')
missing = [w for w in want if not re.search(w, metrics, re.M)]
tap.check(not missing, "/metrics has sessions, handles, requests, errors, build, plugin and start time", missing)
bad = [ln for ln in metrics.splitlines() if ln and not ln.startswith("#")
       and not re.match(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? \S+$', ln)]
tap.check(not bad, "every sample line of /metrics is well-formed", bad)

# --- kick ---
st, _, text = http(A, "DELETE", f"/admin/v1/sessions/{sid}", operator)
tap.check(st == 200 and json.loads(text).get("destroyed") is True, "an operator kicks a session", text)
expect_error("the kicked session is gone (404)", http(A, "GET", f"/admin/v1/sessions/{sid}", "tok"), 404, "not_found")
reply = janus(d, f"/janus/{sid}", {"janus": "keepalive"})
tap.check(reply.get("janus") == "error", "the client API no longer knows the kicked session", reply)

# --- reload ---
with open(conf, "w") as f:
    f.write(f'admin: {{ token = "tok2"; jwt_secret = "{JWT_KEY}"; }};\n')
st, _, text = http(A, "POST", "/admin/v1/config/reload", "tok")
tap.check(st == 200 and json.loads(text).get("reloaded") is True, "an admin reloads the configuration", text)
tap.check(http(A, "GET", "/admin/v1/info", "tok")[0] == 401 and http(A, "GET", "/admin/v1/info", "tok2")[0] == 200,
          "the reloaded admin.token is in force at once")
with open(conf, "w") as f:
    f.write('admin: {\n  token = 5;\n};\n')
got = http(A, "POST", "/admin/v1/config/reload", "tok2")
expect_error("a reload of a broken file: 500 reload_failed", got, 500, "reload_failed")
tap.check("lumen.cfg:2" in got[2], "the reload error names file and line", got[2])
tap.check(http(A, "GET", "/admin/v1/info", "tok2")[0] == 200, "the running configuration is kept")
rc, _ = d.stop()
tap.check(rc == 0, "the daemon stops cleanly", d.output()[-3000:])

# --- metrics_token ---
m = Daemon(sets=["admin.token=tok", "admin.metrics_token=mtok"])
m_up = wait_ready(m, "mtok")
tap.check(m_up, "a daemon with admin.metrics_token starts", m.output())
if m_up:
    expect_error("with metrics_token, /metrics without a token: 401", http(m.admin_url, "GET", "/metrics"), 401, "unauthorized")
    expect_error("with metrics_token, /readyz with a wrong token: 401",
                 http(m.admin_url, "GET", "/readyz", "wrong"), 401, "unauthorized")
    tap.check(http(m.admin_url, "GET", "/metrics", "mtok")[0] == 200, "/metrics with the metrics token: 200")
    tap.check(http(m.admin_url, "GET", "/healthz", "tok")[0] == 200, "/healthz with the admin token: 200")
    expect_error("the metrics token does not open /admin/v1", http(m.admin_url, "GET", "/admin/v1/info", "mtok"),
                 401, "unauthorized")
m.stop()

# --- no credential: loopback only, public address refused ---
o = Daemon()
tap.check(o.wait_ready() and wait_ready(o), "a daemon without admin credentials starts on loopback", o.output())
tap.check(http(o.admin_url, "GET", "/admin/v1/info")[0] == 200, "without credentials loopback clients need no token")
o.stop()
port = free_port()
try:
    p = subprocess.run([LUMEN, "--set", f"admin.listen=0.0.0.0:{port}", "--set", f"http.listen=127.0.0.1:{free_port()}",
                        "--set", f"general.state_dir={tmp}", "--set", f"plugins.dir={tmp}"],
                       capture_output=True, text=True, timeout=10)
    rc, err = p.returncode, p.stderr
except subprocess.TimeoutExpired:  # it started: the check fails below (run() killed it)
    rc, err = 0, "still running after 10 s"
tap.check(rc != 0 and "admin.token" in err and "loopback" in err,
          "without credentials a public admin.listen is refused at start with a clear error", f"rc={rc} {err}")
tap.done()
