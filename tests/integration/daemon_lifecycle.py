#!/usr/bin/python3
"""daemon_lifecycle.py -- lumen talks to systemd correctly: READY=1 and WATCHDOG=1 at start,
RELOADING=1 then READY=1 on SIGHUP, a reload with a broken file keeps the running config,
STOPPING=1 and exit 0 within 5 s on SIGTERM. Uses a private NOTIFY_SOCKET, no systemd needed."""
import os
import signal
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lumentest import Daemon, Tap  # noqa: E402

tap = Tap()
tmp = tempfile.mkdtemp(prefix="lumen-notify-")
sock_path = os.path.join(tmp, "notify.sock")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sock_path)
sock.settimeout(0.2)
received = []


def wait_for(token, timeout=8.0):
    """Reads notifications until one contains `token` (e.g. "READY=1"); True if seen in time."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            msg = sock.recv(4096).decode()
        except socket.timeout:
            continue
        received.append(msg)
        if token in msg.split("\n"):
            return True
    return False


conf = os.path.join(tmp, "lumen.cfg")
with open(conf, "w") as f:
    f.write('general: { log_level = "info"; };\n')

d = Daemon(config=conf, env={"NOTIFY_SOCKET": sock_path, "WATCHDOG_USEC": "400000"})
tap.check(wait_for("READY=1"), "READY=1 is sent once the listeners are up", d.output())
tap.check(d.wait_ready(2), "the client API listener accepts connections after READY=1", d.output())
tap.check(wait_for("WATCHDOG=1", 3), "WATCHDOG=1 is sent when WATCHDOG_USEC is set", received)

# A valid reload: the live log level changes, and systemd sees RELOADING=1 then READY=1.
with open(conf, "w") as f:
    f.write('general: { log_level = "debug"; };\n')
d.signal(signal.SIGHUP)
tap.check(wait_for("RELOADING=1"), "SIGHUP sends RELOADING=1", received)
tap.check(wait_for("READY=1"), "READY=1 follows a successful reload", received)
time.sleep(0.2)
out = d.output()
tap.check('general.log_level: "info" -> "debug"' in out, "the reload logs what changed", out)

# An invalid reload: refused, logged with file and line, old config kept, process alive.
with open(conf, "w") as f:
    f.write('general: {\n  log_level = "loud";\n};\n')
d.signal(signal.SIGHUP)
tap.check(wait_for("RELOADING=1") and wait_for("READY=1"), "a refused reload still ends in READY=1",
          received)
time.sleep(0.2)
out = d.output()
tap.check("reload refused" in out and "lumen.cfg:2: general.log_level" in out,
          "a refused reload names file, line and key", out)
tap.check(d.proc.poll() is None, "the daemon keeps running after a refused reload")

rc, secs = d.stop(timeout=5.0)
tap.check(any("STOPPING=1" in m.split("\n") for m in received) or wait_for("STOPPING=1", 1),
          "SIGTERM sends STOPPING=1", received)
tap.check(rc == 0, f"SIGTERM exits with 0 (got {rc})", d.output())
tap.check(secs < 5.0, f"SIGTERM stops within 5 s (took {secs:.2f} s)")
tap.done()
