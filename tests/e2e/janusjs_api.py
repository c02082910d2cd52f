#!/usr/bin/python3
"""janusjs_api.py -- end to end: janus.js from Debian's libjs-janus-gateway, in Debian's headless
Chromium driven by playwright-core, uses a real lumen's client API over HTTP and WebSocket: creates
a session, reads server info, attaches janus.plugin.echotest, gets a request's event, destroys the
session. The page comes from a static server on another port (another origin: CORS is exercised).
Skips (TAP) only when chromium, node_modules or the Debian JavaScript packages are absent."""
import functools
import http.server as httpserver
import os
import shutil
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import lumentest  # noqa: E402
from apitest import PLUGINS_DIR, http as api_http  # noqa: E402

JANUS_JS = "/usr/share/javascript/janus-gateway/janus.js"
ADAPTER_JS = "/usr/share/javascript/webrtc-adapter/adapter.js"
E2E_SRC = os.path.join(lumentest.TOP_SRCDIR, "tests", "e2e")

t = lumentest.Tap()
missing = [why for cond, why in (
    (os.access("/usr/bin/chromium", os.X_OK), "chromium not installed"),
    (shutil.which("node") is not None, "node not installed"),
    (os.path.isdir(os.path.join(E2E_SRC, "node_modules", "playwright-core")),
     "tests/e2e/node_modules missing (npm ci --prefix tests/e2e)"),
    (os.path.exists(JANUS_JS), "libjs-janus-gateway not installed"),
    (os.path.exists(ADAPTER_JS), "libjs-webrtc-adapter not installed"),
    (os.path.exists(os.path.join(PLUGINS_DIR, "echotest.so")), "echotest plugin not built"),
) if not cond]
if missing:
    t.skip("janus.js in headless Chromium", "; ".join(missing))
    t.done()

www = tempfile.mkdtemp(prefix="lumen-e2e-www-")
for f in (os.path.join(E2E_SRC, "pages", "janusjs_api.html"), JANUS_JS, ADAPTER_JS):
    shutil.copy(f, www)


class Quiet(httpserver.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


httpd = httpserver.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=www))
page_origin = f"http://127.0.0.1:{httpd.server_address[1]}"
threading.Thread(target=httpd.serve_forever, daemon=True).start()

d = lumentest.Daemon(sets=[f"http.cors_origins={page_origin}"], plugins_dir=PLUGINS_DIR)
if not t.check(d.wait_ready(), "lumen starts", d.output()):
    t.done()
try:
    p = subprocess.run(["node", os.path.join(E2E_SRC, "janusjs_api.mjs"), page_origin + "/janusjs_api.html",
                        d.url + "/janus", d.url.replace("http", "ws")],
                       capture_output=True, text=True, timeout=180, cwd=E2E_SRC)
    out, err, rc = p.stdout, p.stderr, p.returncode
except subprocess.TimeoutExpired as e:
    out, err, rc = e.stdout or "", "node timed out", 1
for line in out.splitlines():
    if line.startswith("ok ") or line.startswith("not ok "):
        name = line.split(" - ", 1)[1] if " - " in line else line
        t.check(line.startswith("ok "), name)
    elif line.startswith("#"):
        print(line)
t.check(rc == 0 and "ok " in out, "the browser driver finished cleanly", (err or "")[-2000:])
st, body, _ = api_http("GET", d.admin_url + "/admin/v1/sessions")
t.check(st == 200 and body.get("count") == 0, "no session left on the server", str(body)[:300])
t.check(d.proc.poll() is None, "lumen still running", d.output()[-2000:])
d.stop()
httpd.shutdown()
shutil.rmtree(www, ignore_errors=True)
t.done()
