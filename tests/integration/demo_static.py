#!/usr/bin/python3
"""demo_static.py -- the demo page's static serving by a real lumen daemon on 127.0.0.1: the page
files from http.demo_dir (the source tree's tools/demo) and janus.js/adapter.js from Debian's
packages under /vendor/ with their content types and no-cache; HEAD; 405 for other methods; no
path ever reaches a file outside demo_dir ("..", encoded dots, "//", backslash, NUL, symlinks out
of the directory, hidden files, unknown types); the Janus API and the WebSocket upgrade at "/"
unchanged; http.demo=false turns "/" into a 404 while /janus keeps working. TAP output; every
wait is bounded."""
import base64
import http.client
import os
import shutil
import socket
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lumentest import TOP_SRCDIR, Daemon, Tap  # noqa: E402

tap = Tap()
DEMO_DIR = os.path.join(TOP_SRCDIR, "tools", "demo")
JANUS_JS = "/usr/share/javascript/janus-gateway/janus.js"
ADAPTER_JS = "/usr/share/javascript/webrtc-adapter/adapter.js"
SECRET = b"root:x:0:0"  # what /etc/passwd starts with: must never be served


def req(port, method, path, body=None):
    """One request with the path sent byte for byte (no client-side normalization).
    Returns (status, headers dict (lowercase), body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        if body is not None:
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def raw(port, request):
    """Sends raw bytes (for what http.client refuses to send, like a NUL); returns the status
    line's code (0 if none) and the whole reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data and b"Connection: close" not in data and len(data) > 12:
                    head, _, rest = data.partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        k, _, v = line.partition(b":")
                        if k.strip().lower() == b"content-length":
                            length = int(v.strip())
                    if len(rest) >= length:
                        break
        except socket.timeout:
            pass
    parts = data.split(b" ", 2)
    code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    return code, data


def read(path):
    with open(path, "rb") as f:
        return f.read()


def check_file(port, path, want_type, want_body, name):
    status, headers, body = req(port, "GET", path)
    ok = (status == 200 and headers.get("content-type", "").startswith(want_type)
          and "no-cache" in headers.get("cache-control", "") and body == want_body)
    tap.check(ok, f"GET {path} ({name}): 200 {want_type}, no-cache, the file's bytes",
              f"status {status} headers {headers} body {body[:120]!r}")


# A demo dir of our own beside the source one: symlinks that escape, one that stays inside, a
# hidden file, a file of a type that is not served, and a subdirectory.
tmp = tempfile.mkdtemp(prefix="lumen-demo-")
own = os.path.join(tmp, "www")
os.makedirs(os.path.join(own, "sub"))
shutil.copy(os.path.join(DEMO_DIR, "index.html"), own)
with open(os.path.join(own, "sub", "data.json"), "w") as f:
    f.write('{"ok":true}\n')
with open(os.path.join(own, ".hidden.js"), "w") as f:
    f.write("hidden\n")
with open(os.path.join(own, "notes.txt"), "w") as f:
    f.write("notes\n")
with open(os.path.join(tmp, "outside.js"), "w") as f:
    f.write("outside\n")
os.symlink("/etc/passwd", os.path.join(own, "passwd.js"))
os.symlink(os.path.join(tmp, "outside.js"), os.path.join(own, "out.js"))
os.symlink("/etc", os.path.join(own, "etc"))
os.symlink("index.html", os.path.join(own, "inside.html"))

try:
    # ---- the page from the source tree ----
    d = Daemon(sets=[f"http.demo_dir={DEMO_DIR}"])
    if not tap.check(d.wait_ready(), "lumen starts with http.demo_dir at the source tree", d.output()):
        tap.done()
    p = d.http_port
    index = read(os.path.join(DEMO_DIR, "index.html"))
    check_file(p, "/", "text/html", index, "index.html")
    check_file(p, "/index.html", "text/html", index, "by name")
    check_file(p, "/app.js", "text/javascript", read(os.path.join(DEMO_DIR, "app.js")), "the app")
    check_file(p, "/style.css", "text/css", read(os.path.join(DEMO_DIR, "style.css")), "the style")
    if os.path.exists(JANUS_JS):
        check_file(p, "/vendor/janus.js", "text/javascript", read(JANUS_JS), "Debian's janus.js")
    else:
        tap.skip("GET /vendor/janus.js", "libjs-janus-gateway not installed")
    if os.path.exists(ADAPTER_JS):
        check_file(p, "/vendor/adapter.js", "text/javascript", read(ADAPTER_JS), "Debian's adapter.js")
    else:
        tap.skip("GET /vendor/adapter.js", "libjs-webrtc-adapter not installed")
    status, headers, _ = req(p, "GET", "/app.js?v=1")
    tap.check(status == 200, "a query string is ignored", status)

    status, headers, body = req(p, "HEAD", "/")
    tap.check(status == 200 and body == b"" and headers.get("content-type", "").startswith("text/html")
              and int(headers.get("content-length", "-1")) == len(index),
              "HEAD / gives the headers (Content-Length of index.html) and no body",
              f"{status} {headers} {body[:80]!r}")
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        status, headers, body = req(p, method, "/", body=b"{}" if method != "DELETE" else None)
        tap.check(status == 405 and "GET" in headers.get("allow", "") and "HEAD" in headers.get("allow", ""),
                  f"{method} / is 405 with Allow: GET, HEAD", f"{status} {headers} {body[:80]!r}")
    status, headers, body = req(p, "GET", "/missing.js")
    tap.check(status == 404 and headers.get("content-type", "").startswith("text/plain")
              and 0 < len(body) < 100, "a missing file is 404 with a short text", f"{status} {body!r}")
    status, _, _ = req(p, "GET", "/demo.mk")
    tap.check(status == 404, "a file of a type the page does not use (the makefile) is not served", status)

    # ---- nothing outside demo_dir ----
    traversal = ["/../../../../etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
                 "/%2E%2E/%2E%2E/%2E%2E/etc/passwd", "//etc/passwd", "/vendor/../../../etc/passwd",
                 "/..\\..\\etc\\passwd", "/%5c..%5c..%5cetc%5cpasswd", "/etc/passwd",
                 "/%2fetc%2fpasswd", "/vendor/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/.%2e/.%2e/etc/passwd",
                 "/%252e%252e/%252e%252e/etc/passwd", "/../Makefile.am", "/%2e%2e/demo.mk",
                 "/%00", "/index.html%00.js", "/app.js%00"]
    for path in traversal:
        status, _, body = req(p, "GET", path)
        tap.check(status in (400, 404) and SECRET not in body and b"include" not in body,
                  f"GET {path} is {status} (400/404) and no file from outside", body[:120])
    for request in (b"GET /index.html\x00.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    b"GET /\x00/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    b"GET http://x/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    b"GET ../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
        code, data = raw(p, request)
        tap.check(code in (400, 404) and SECRET not in data,
                  f"raw {request.split(b' HTTP')[0]!r} is {code} (400/404), nothing from outside",
                  data[:200])

    # ---- the Janus API and WebSocket are untouched ----
    status, headers, body = req(p, "GET", "/janus/info")
    tap.check(status == 200 and b'"server_info"' in body, "/janus/info still answers", f"{status} {body[:100]!r}")
    status, _, body = req(p, "POST", "/janus", body=b'{"janus":"create","transaction":"t1"}')
    tap.check(status == 200 and b'"success"' in body, "POST /janus still creates a session", body[:100])
    key = base64.b64encode(os.urandom(16))
    code, data = raw(p, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n"
                     b"Sec-WebSocket-Protocol: janus-protocol\r\n\r\n")
    tap.check(code == 101 and b"janus-protocol" in data, "a WebSocket upgrade at / still gets 101 janus-protocol",
              data[:300])
    rc, _ = d.stop()
    tap.check(rc == 0, "lumen stops cleanly", d.output())

    # ---- a demo dir with symlinks and hidden files ----
    d = Daemon(sets=[f"http.demo_dir={own}"])
    if not tap.check(d.wait_ready(), "lumen starts with a demo dir holding symlinks", d.output()):
        tap.done()
    p = d.http_port
    for path in ("/passwd.js", "/out.js", "/etc/passwd", "/etc/hostname", "/.hidden.js", "/notes.txt", "/sub/"):
        status, _, body = req(p, "GET", path)
        tap.check(status == 404 and SECRET not in body and b"outside" not in body and b"hidden" not in body,
                  f"GET {path} is 404 (symlink out, hidden, unknown type or directory)", f"{status} {body[:80]!r}")
    check_file(p, "/inside.html", "text/html", index, "a symlink that stays inside")
    check_file(p, "/sub/data.json", "application/json", b'{"ok":true}\n', "a subdirectory")
    rc, _ = d.stop()
    tap.check(rc == 0, "lumen stops cleanly", d.output())

    # ---- http.demo = false ----
    d = Daemon(sets=[f"http.demo_dir={DEMO_DIR}", "http.demo=false"])
    if not tap.check(d.wait_ready(), "lumen starts with http.demo=false", d.output()):
        tap.done()
    p = d.http_port
    for path in ("/", "/index.html", "/app.js", "/vendor/janus.js"):
        status, _, body = req(p, "GET", path)
        tap.check(status == 404 and b"<html" not in body and b"Janus" not in body,
                  f"http.demo=false: GET {path} is 404", f"{status} {body[:80]!r}")
    status, _, body = req(p, "GET", "/janus/info")
    tap.check(status == 200 and b'"server_info"' in body, "http.demo=false: /janus/info answers", body[:100])
    status, _, body = req(p, "POST", "/janus", body=b'{"janus":"create","transaction":"t2"}')
    tap.check(status == 200 and b'"success"' in body, "http.demo=false: POST /janus creates a session", body[:100])
    rc, _ = d.stop()
    tap.check(rc == 0, "lumen stops cleanly", d.output())
finally:
    shutil.rmtree(tmp, ignore_errors=True)

tap.done()
