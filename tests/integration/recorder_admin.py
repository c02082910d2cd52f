#!/usr/bin/python3
"""recorder_admin.py -- the recorder plugin on a real lumen daemon, without media: its admin
collection /admin/v1/recordings (list, show, delete, process, the error statuses and bad ids),
recording control through the rooms engine (POST /admin/v1/rooms/{id}/recording, the `record`
room option), the events participants get, manifest state transitions, kill -9 then restart
("interrupted") and SIGTERM ("finished"), processing jobs with a stand-in lumen-pp (progress,
report, failure with its reason, retry), /metrics, `lumenctl recordings` and `lumenctl rooms
record`, and --check-config of the sample recorder.cfg. Prints TAP."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lumentest  # noqa: E402
from roomstest import HAVE_ROOMS, PLUGINS_DIR, Peer  # noqa: E402

t = lumentest.Tap()
TOKEN = "recorder-admin-token"
CTL = os.path.join(lumentest.TOP_BUILDDIR, "tools", "ctl", "lumenctl")
HAVE_RECORDER = os.path.exists(os.path.join(PLUGINS_DIR, "recorder.so"))
d = None


adm = lumentest.AdminClient(t, TOKEN, lambda: d)
admin, expect_status, ctl, dump = adm.request, adm.expect_status, adm.ctl, lumentest.dump


def record(room, action, **extra):
    return admin("POST", f"/admin/v1/rooms/{room}/recording", dict({"action": action}, **extra))


def disk_manifest(rid):
    try:
        with open(os.path.join(RECS, rid, "manifest.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def wait_for(fn, timeout=10.0):
    """fn() until it is truthy (bounded); returns its last value."""
    end = time.monotonic() + timeout
    v = fn()
    while not v and time.monotonic() < end:
        time.sleep(0.1)
        v = fn()
    return v


def start_daemon():
    global d
    d = lumentest.Daemon(config=conf, plugins_dir=PLUGINS_DIR)
    return d.wait_ready()


if not HAVE_ROOMS or not HAVE_RECORDER:
    t.skip("recorder admin tests", f"no rooms.so or recorder.so in {PLUGINS_DIR} (run make first)")
    t.done()

tmp = tempfile.mkdtemp(prefix="lumen-recorder-admin-")
RECS = os.path.join(tmp, "recordings")
# A stand-in lumen-pp: progress on stderr, a JSON report on stdout, an output in
# RECORDING/processed (lumen-pp's default, which DELETE must remove too); --mix fails (to test why
# a job failed and its retry); it records its arguments so the test sees what the recorder ran.
PP = os.path.join(tmp, "fake-pp")
with open(PP, "w") as f:
    f.write("#!/usr/bin/python3\n"
            "import json, sys, time\n"
            f"open({os.path.join(tmp, 'pp-args')!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
            "for p in (10, 50, 90):\n"
            "    print(f'decoding {p}%', file=sys.stderr, flush=True); time.sleep(0.1)\n"
            "if '--mix' in sys.argv:\n"
            "    print('error: mix failed: boom', file=sys.stderr); sys.exit(3)\n"
            "import os; os.makedirs(sys.argv[1] + '/processed', exist_ok=True)\n"
            "open(sys.argv[1] + '/processed/p1-audio-0.opus', 'w').write('x')\n"
            "print(json.dumps({'recording': sys.argv[1], 'outputs': []}))\n")
os.chmod(PP, 0o755)
conf = os.path.join(tmp, "lumen.cfg")
with open(conf, "w") as f:
    f.write(f'admin: {{ token = "{TOKEN}"; }};\n'
            'rooms = { rooms = ( { id = 77; description = "Recorded 77"; },\n'
            '                    { id = 78; record = true; } ); };\n'
            f'recorder = {{ dir = "{RECS}"; pp_path = "{PP}"; pp_jobs = 1; }};\n')

# ---- --check-config of the sample and of bad values ----
sample = os.path.join(lumentest.TOP_SRCDIR, "plugins", "recorder", "recorder.cfg")
pr = subprocess.run([lumentest.LUMEN, "--check-config", "-c", sample, "--set", f"plugins.dir={PLUGINS_DIR}"],
                    capture_output=True, text=True, timeout=30)
t.check(pr.returncode == 0, "--check-config accepts the sample recorder.cfg", pr.stdout + pr.stderr)
bad = os.path.join(tmp, "bad.cfg")
for body, words in (('recorder = { pp_jobs = 0; };', "recorder.pp_jobs"),
                    ('recorder = { dir = "relative"; };', "recorder.dir"),
                    ('recorder = { bogus = 1; };', "recorder.bogus")):
    with open(bad, "w") as f:
        f.write(body + "\n")
    pr = subprocess.run([lumentest.LUMEN, "--check-config", "-c", bad, "--set", f"plugins.dir={PLUGINS_DIR}"],
                        capture_output=True, text=True, timeout=30)
    t.check(pr.returncode != 0 and words in pr.stdout + pr.stderr, f"--check-config refuses {body}",
            pr.stdout + pr.stderr)

if not t.check(start_daemon(), "the daemon starts with the rooms and recorder plugins", d.output()):
    t.done()

# ---- empty list, bad ids, 404s ----
st, js, text = admin("GET", "/admin/v1/recordings")
t.check(st == 200 and js == {"recordings": []}, "GET /admin/v1/recordings: empty list", text)
expect_status(admin("GET", "/admin/v1/recordings/77-20260101T000000Z-00000000"), 404, "GET an unknown recording",
              ("no recording",))
expect_status(admin("DELETE", "/admin/v1/recordings/nope"), 404, "DELETE an unknown recording")
expect_status(admin("POST", "/admin/v1/recordings/nope/process", {}), 404, "process an unknown recording")
for bad_id, name in (("a..b", "a..b"), ("a" * 300, "300 characters"), ("-x", "a leading dash"),
                     ("a%20b", "a space")):
    expect_status(admin("GET", f"/admin/v1/recordings/{bad_id}"), 400, f"GET a bad id ({name})", ("bad recording id",))
# An encoded "/" or NUL is refused by the core's router already (400, before the plugin).
for bad_id, name in (("..%2F..%2Fetc", "../../etc"), ("a%00b", "a NUL")):
    expect_status(admin("GET", f"/admin/v1/recordings/{bad_id}"), 400, f"GET a bad id ({name})")
    expect_status(admin("DELETE", f"/admin/v1/recordings/{bad_id}"), 400, f"DELETE a bad id ({name})")
expect_status(admin("POST", "/admin/v1/recordings", {}), 405, "POST on the collection")
t.check(not os.path.exists(os.path.join(tmp, "etc")), "nothing was created outside the recordings dir")

# ---- start through the rooms engine; participants are told ----
a = Peer(d)
ja = a.join(77, display="alice")
st, js, text = record(77, "start")
rid = ((js or {}).get("recording") if isinstance(js, dict) else None)
t.check(st == 200 and isinstance(rid, str) and re.match(r"^77-\d{8}T\d{6}Z-[0-9a-f]{8}$", rid)
        and js.get("state") == "recording", "POST /admin/v1/rooms/77/recording start: 200 with the id", text)
ev = a.has("recording", "started")
t.check(ja and ev and ev.get("recording_id") == rid, "the participant gets {recording: started, recording_id}", dump(ja, ev))
m = wait_for(lambda: disk_manifest(rid) if rid else None, 5)
t.check(m and m.get("format") == "lumen-recording" and m.get("state") == "recording" and m.get("room") == 77
        and m.get("description") == "Recorded 77", "manifest.json on disk says recording", dump(m))
st, m, text = admin("GET", f"/admin/v1/recordings/{rid}")
t.check(m and any(p.get("id") == a.id and p.get("display") == "alice" for p in m.get("participants", [])),
        "the manifest lists the participant already in the room", text)
expect_status(record(77, "start"), 409, "start while recording")
st, js, text = admin("GET", "/admin/v1/recordings")
rows = {r.get("id"): r for r in (js or {}).get("recordings", [])}
t.check(st == 200 and rid in rows and rows[rid].get("state") == "recording" and rows[rid].get("open") is True
        and rows[rid].get("room") == 77, "the list shows it open, recording", text)
st, js, text = admin("GET", f"/admin/v1/recordings/{rid}")
t.check(st == 200 and js.get("id") == rid and js.get("state") == "recording" and js.get("open") is True
        and isinstance(js.get("live"), dict) and js["live"].get("paused") is False and js.get("processing") is None,
        "GET the open recording: manifest, live facts, no job", text)
expect_status(admin("DELETE", f"/admin/v1/recordings/{rid}"), 409, "DELETE an open recording", ("open",))
expect_status(admin("POST", f"/admin/v1/recordings/{rid}/process", {}), 409, "process an open recording")

# ---- pause, resume, marker ----
st, js, text = record(77, "pause")
t.check(st == 200 and a.has("recording", "paused"), "pause: 200, participants told", text)
expect_status(record(77, "pause"), 409, "pause while paused")
st, js, text = record(77, "resume")
t.check(st == 200 and a.has("recording", "resumed"), "resume: 200, participants told", text)
expect_status(record(77, "marker"), 400, "marker without a title")
st, js, text = record(77, "marker", title="Intro")
t.check(st == 200, "marker Intro: 200", text)
st, js, text = admin("GET", f"/admin/v1/recordings/{rid}")
t.check(st == 200 and len(js.get("pauses") or []) == 1 and js["pauses"][0].get("end_us")
        and [mk.get("title") for mk in js.get("markers") or []] == ["Intro"],
        "the manifest has the pause (ended) and the marker", text)

# ---- stop: finished ----
st, js, text = record(77, "stop")
ev = a.has("recording", "stopped")
t.check(st == 200 and ev and ev.get("recording_id") == rid, "stop: 200, participants get {recording: stopped}", dump(text, ev))
expect_status(record(77, "stop"), 409, "stop while not recording")
m = wait_for(lambda: (disk_manifest(rid) or {}).get("state") == "finished" and disk_manifest(rid), 5)
t.check(m and m.get("ended_us") and m["ended_us"] >= m.get("started_us", 0), "manifest on disk: finished, ended_us",
        dump(m))
st, js, text = admin("GET", f"/admin/v1/recordings/{rid}")
t.check(st == 200 and js.get("state") == "finished" and js.get("open") is False and js.get("live") is None,
        "GET after stop: finished, not open", text)

# ---- the room option `record` starts a recording when someone joins ----
# (Peer.join would take the recording event, which carries "id", for "joined": join by hand.)
b = Peer(d)
b.send({"request": "join", "ptype": "publisher", "room": 78, "display": "bob"})
jb, _ = b.event(lambda e: e.get("videoroom") == "joined")
ev = b.has("recording", "started")
st, js, text = admin("GET", "/admin/v1/recordings")
auto = [r for r in (js or {}).get("recordings", []) if r.get("room") == 78]
t.check(jb and ev and len(auto) == 1 and auto[0].get("state") == "recording",
        "room 78 (record = true) is recorded once someone joins; they are told", dump(jb, ev, text))

# ---- /metrics ----
st, _, metrics = admin("GET", "/metrics")
t.check(st == 200 and re.search(r"^lumen_recordings_active 1$", metrics, re.M)
        and all(re.search(f"^# TYPE {n} counter", metrics, re.M) for n in (
            "lumen_recorder_packets_total", "lumen_recorder_bytes_total", "lumen_recorder_dropped_total"))
        and re.search(r'^lumen_recorder_dropped_total\{reason="queue_overflow"\} 0$', metrics, re.M),
        "/metrics: recordings active and the recorder counters", metrics[-3000:])

# ---- processing jobs ----
expect_status(admin("POST", f"/admin/v1/recordings/{rid}/process", {"format": "mp3"}), 400, "process format mp3")
expect_status(admin("POST", f"/admin/v1/recordings/{rid}/process", {"align": "yes"}), 400, "process align as a string")
expect_status(admin("POST", f"/admin/v1/recordings/{rid}/process", {"speed": 2}), 400, "process an unknown member")


def job():
    st, js, _ = admin("GET", f"/admin/v1/recordings/{rid}")
    return (js or {}).get("processing") or {}


st, js, text = admin("POST", f"/admin/v1/recordings/{rid}/process", {"align": True, "format": "wav", "mix": True})
t.check(st == 202 and (js or {}).get("processing", {}).get("state") in ("queued", "running"),
        "POST process (mix, which the stand-in fails): 202 with the job", text)
expect_status(admin("POST", f"/admin/v1/recordings/{rid}/process", {}), 409, "POST process while it runs")
expect_status(admin("DELETE", f"/admin/v1/recordings/{rid}"), 409, "DELETE while it is processed")
j = wait_for(lambda: job().get("state") in ("done", "failed") and job(), 10)
t.check(j and j.get("state") == "failed" and j.get("exit_status") == 3 and "status 3" in (j.get("error") or "")
        and "boom" in (j.get("error") or ""), "the failed job says why: exit status and last stderr line", dump(j))
try:
    with open(os.path.join(tmp, "pp-args")) as f:
        args = json.load(f)
except (OSError, ValueError):
    args = None
t.check(args and args[0] == os.path.join(RECS, rid) and "--align" in args and "--json" in args
        and args[args.index("--format") + 1] == "wav", "lumen-pp ran with the folder, --align, --format wav, --json",
        dump(args))
st, js, text = admin("POST", f"/admin/v1/recordings/{rid}/process", {"align": True})
seen_running = False
for _ in range(50):
    cur = job()
    seen_running |= cur.get("state") == "running" and cur.get("percent") is not None
    if cur.get("state") in ("done", "failed"):
        break
    time.sleep(0.05)
j = job()
t.check(st == 202 and j.get("state") == "done" and j.get("error") is None and j.get("percent") == 100
        and (j.get("report") or {}).get("recording") == os.path.join(RECS, rid) and j.get("progress"),
        "a retry succeeds: done, the JSON report, progress", dump(text, j))
t.check(seen_running, "progress (a percentage) was visible while it ran", dump(j))
st, js, text = admin("GET", "/admin/v1/recordings")
row = {r.get("id"): r for r in (js or {}).get("recordings", [])}.get(rid, {})
t.check(row.get("processing") == "done", "the list shows the job's state", text)

# ---- lumenctl ----
if not os.path.exists(CTL):
    t.skip("lumenctl recordings", f"{CTL} not built")
else:
    rc, out, err = ctl("recordings", "list")
    t.check(rc == 0 and re.search(rf"^{re.escape(rid)}\s+77\s+finished\b", out, re.M),
            "lumenctl recordings list", out + err)
    rc, out, err = ctl("recordings", "show", rid)
    t.check(rc == 0 and "finished" in out and "Intro" in out, "lumenctl recordings show ID", out + err)
    rc, out, err = ctl("recordings", "show", "../etc")
    t.check(rc == 1 and "400" in err, "lumenctl recordings show ../etc exits 1 (400)", out + err)
    rc, out, err = ctl("recordings", "show", "a..b")
    t.check(rc == 1 and "bad recording id" in err, "lumenctl recordings show a..b exits 1 with the reason", out + err)
    rc, out, err = ctl("rooms", "record", "77", "start")
    m2 = re.search(r"(77-\d{8}T\d{6}Z-[0-9a-f]{8})", out)
    t.check(rc == 0 and m2 and "recording" in out, "lumenctl rooms record 77 start", out + err)
    rc, out, err = ctl("rooms", "record", "77", "marker", "Chapter two")
    t.check(rc == 0, "lumenctl rooms record 77 marker TITLE", out + err)
    rc, out, err = ctl("rooms", "record", "77", "stop")
    t.check(rc == 0, "lumenctl rooms record 77 stop", out + err)
    rc, out, err = ctl("rooms", "record", "77", "stop")
    t.check(rc == 1 and "not being recorded" in err, "lumenctl rooms record 77 stop again exits 1", out + err)
    rc, out, err = ctl("recordings", "process", m2.group(1) if m2 else "x", "--align", "--format", "flac")
    t.check(rc == 0 and ("queued" in out or "running" in out), "lumenctl recordings process ID --align --format flac",
            out + err)
    wait_for(lambda: not ctl("recordings", "show", m2.group(1) if m2 else "x")[1].count("running"), 5)
    rc, out, err = ctl("recordings", "delete", m2.group(1) if m2 else "x")
    t.check(rc == 0, "lumenctl recordings delete ID", out + err)
    rc, out, err = ctl("recordings", "process", rid, "--format", "mp3")
    t.check(rc == 2, "lumenctl recordings process --format mp3 is a usage error", out + err)

# ---- DELETE ----
st, _, text = admin("DELETE", f"/admin/v1/recordings/{rid}")
t.check(st == 204 and not os.path.exists(os.path.join(RECS, rid)), "DELETE a finished recording: 204, folder gone",
        text)
expect_status(admin("GET", f"/admin/v1/recordings/{rid}"), 404, "the deleted recording is gone")

# ---- kill -9 during a recording, then restart: interrupted ----
st, js, text = record(77, "start")
rid9 = (js or {}).get("recording")
ok = wait_for(lambda: disk_manifest(rid9) if rid9 else None, 5)
time.sleep(0.3)
d.kill()
t.check(st == 200 and ok and disk_manifest(rid9).get("state") == "recording",
        "a recording is open on disk when lumen gets SIGKILL", dump(text, disk_manifest(rid9)))
for p in (a, b):
    p.close()
if not t.check(start_daemon(), "lumen restarts", d.output()):
    t.done()
st, js, text = admin("GET", f"/admin/v1/recordings/{rid9}")
t.check(st == 200 and js.get("state") == "interrupted" and js.get("open") is False and js.get("ended_us"),
        "after the restart the killed recording is interrupted (with ended_us)", text)
t.check((disk_manifest(rid9) or {}).get("state") == "interrupted", "manifest.json on disk says interrupted",
        dump(disk_manifest(rid9)))

# ---- SIGTERM finalises open recordings ----
st, js, text = record(77, "start")
ridt = (js or {}).get("recording")
wait_for(lambda: disk_manifest(ridt) if ridt else None, 5)
rc, secs = d.stop(timeout=10)
m = disk_manifest(ridt) if ridt else None
t.check(st == 200 and rc == 0 and m and m.get("state") == "finished" and m.get("ended_us"),
        "SIGTERM: lumen exits 0 and the open recording is finished", dump(text, rc, m, d.output()[-3000:]))
t.check("ERROR" not in d.output() and "CRITICAL" not in d.output(), "no errors in the log", d.output()[-3000:])
t.done()
