"""lumentest.py -- shared harness for lumen's integration tests: TAP output, free ports, and a
real lumen daemon started on 127.0.0.1 with one-off --set overrides, and admin API / lumenctl
calls against it.

Used by tests/integration/*.py (run by `make check` with Debian's /usr/bin/python3). Every wait is
bounded; a daemon started here is always killed when the test ends."""
import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

TOP_BUILDDIR = os.environ.get("top_builddir", os.getcwd())
TOP_SRCDIR = os.environ.get("top_srcdir", os.getcwd())
LUMEN = os.path.join(TOP_BUILDDIR, "src", "lumen")


class Tap:
    """Minimal TAP producer: ok()/check(), plan printed at the end, exit code = failures > 0."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, cond, name, diag=None):
        self.n += 1
        if cond:
            print(f"ok {self.n} - {name}", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.n} - {name}", flush=True)
            if diag:
                for line in str(diag).splitlines()[-40:]:
                    print(f"# {line}", flush=True)
        return cond

    def skip(self, name, why):
        self.n += 1
        print(f"ok {self.n} - {name} # SKIP {why}", flush=True)

    def done(self):
        print(f"1..{self.n}", flush=True)
        sys.exit(1 if self.failed else 0)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Daemon:
    """A lumen process on free loopback ports. Extra --set overrides via `sets`."""

    def __init__(self, sets=(), config=None, env=None, plugins_dir=None, args=()):
        self.http_port = free_port()
        self.admin_port = free_port()
        self.tmp = tempfile.mkdtemp(prefix="lumen-test-")
        self.log_path = os.path.join(self.tmp, "lumen.log")
        if plugins_dir is None:
            plugins_dir = os.environ.get("LUMEN_TEST_PLUGINS_DIR") or os.path.join(self.tmp, "plugins")
            os.makedirs(plugins_dir, exist_ok=True)
        cmd = [LUMEN]
        if config:
            cmd += ["-c", config]
        base = {
            "http.listen": f"127.0.0.1:{self.http_port}",
            "admin.listen": f"127.0.0.1:{self.admin_port}",
            "plugins.dir": plugins_dir,
            "general.state_dir": self.tmp,
        }
        for k, v in base.items():
            cmd += ["--set", f"{k}={v}"]
        for s in sets:
            cmd += ["--set", s]
        cmd += list(args)
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=full_env)
        atexit.register(self.kill)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def admin_url(self):
        return f"http://127.0.0.1:{self.admin_port}"

    def wait_ready(self, timeout=10.0):
        """Both listeners accept connections: the admin one may open a moment after the client
        API's (a test that went on after the API port alone got "connection refused" from the
        admin API right after a restart)."""
        end = time.monotonic() + timeout
        return (wait_port(self.http_port, timeout)
                and wait_port(self.admin_port, max(0.1, end - time.monotonic()))
                and self.proc.poll() is None)

    def output(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=5.0):
        """SIGTERM and wait; returns (exit code or None if it had to be killed, seconds)."""
        t0 = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = None
        return rc, time.monotonic() - t0

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def dump(*objs):
    """Diagnostic text: strings as they are, anything else as JSON, one per line."""
    return "\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs)


class AdminClient:
    """Admin API requests and lumenctl runs with a bearer token against the daemon daemon_fn()
    returns when called (tests restart their daemon, so it is looked up each time); checks go to
    tap."""

    def __init__(self, tap, token, daemon_fn):
        self.tap, self.token, self.daemon_fn = tap, token, daemon_fn

    def request(self, method, path, body=None, raw=None):
        """One admin request; returns (status, parsed JSON or None, text)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.daemon_fn().admin_url + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        return status, parsed, text

    def expect_status(self, got, status, name, words=()):
        """Checks a request() result's status and, with words, that its error names them all."""
        st, js, text = got
        self.tap.check(st == status and (not words or (isinstance(js, dict) and
                                                       all(w in str(js.get("error", "")) for w in words))),
                       f"{name}: {status}", f"{st} {text}")

    def ctl(self, *args):
        """Runs lumenctl against the daemon; returns (exit status, stdout, stderr)."""
        env = dict(os.environ, LUMEN_ADMIN_URL=self.daemon_fn().admin_url, LUMEN_ADMIN_TOKEN=self.token)
        p = subprocess.run([os.path.join(TOP_BUILDDIR, "tools", "ctl", "lumenctl"), *args],
                           capture_output=True, text=True, timeout=30, env=env)
        return p.returncode, p.stdout, p.stderr
