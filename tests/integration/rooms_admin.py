#!/usr/bin/python3
"""rooms_admin.py -- the rooms plugin's admin collection /admin/v1/rooms on a real lumen daemon
(list, create, show, edit, destroy, participants, kick, the error statuses), its /metrics
families, and `lumenctl rooms ...` against it, with participants joined over the client API's
WebSocket. Prints TAP."""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lumentest  # noqa: E402
from apitest import stop_clean  # noqa: E402
from roomstest import HAVE_ROOMS, PLUGINS_DIR, Peer  # noqa: E402

t = lumentest.Tap()
TOKEN = "rooms-admin-token"
CTL = os.path.join(lumentest.TOP_BUILDDIR, "tools", "ctl", "lumenctl")


adm = lumentest.AdminClient(t, TOKEN, lambda: d)
admin, expect_status, ctl, dump = adm.request, adm.expect_status, adm.ctl, lumentest.dump


if not HAVE_ROOMS:
    t.skip("rooms admin tests", f"no rooms plugin in {PLUGINS_DIR} (run make first)")
    t.done()

tmp = tempfile.mkdtemp(prefix="lumen-rooms-admin-")
conf = os.path.join(tmp, "lumen.cfg")
with open(conf, "w") as f:
    f.write(f'admin: {{ token = "{TOKEN}"; }};\n'
            'rooms = { rooms = ( { id = 77; mode = "broadcast"; description = "Static 77"; } ); };\n')
d = lumentest.Daemon(config=conf, plugins_dir=PLUGINS_DIR)
if not t.check(d.wait_ready(), "the daemon starts with the rooms plugin", d.output()):
    t.done()
peers = []


def peer():
    p = Peer(d)
    peers.append(p)
    return p


# ---- list, create ----
st, js, text = admin("GET", "/admin/v1/rooms")
rooms = {r.get("room"): r for r in (js or {}).get("rooms", [])}
t.check(st == 200 and 77 in rooms and rooms[77].get("static") is True and rooms[77].get("mode") == "broadcast",
        "GET /admin/v1/rooms lists the static room 77", text)
st, js, text = admin("POST", "/admin/v1/rooms", {"id": 600, "mode": "sfu", "description": "adm",
                                                  "max_publishers": 4})
want = {"room", "description", "mode", "effective_mode", "max_participants", "max_publishers", "bitrate",
        "pin_required", "num_participants", "num_publishers", "static", "created_at"}
t.check(st == 201 and js and want <= set(js) and js["room"] == 600 and js["mode"] == "sfu"
        and js["effective_mode"] == "sfu" and js["static"] is False and js["max_publishers"] == 4
        and js["description"] == "adm" and re.match(r"^\d{4}-\d\d-\d\dT", js["created_at"]),
        "POST /admin/v1/rooms creates room 600: 201 with the ROOM fields", text)
expect_status(admin("POST", "/admin/v1/rooms", {"id": 600}), 409, "POST a duplicate id", ("600",))
expect_status(admin("POST", "/admin/v1/rooms", {"id": 601, "mode": "bogus"}), 400, "POST with mode bogus",
              ("mode: must be one of mesh, sfu, broadcast, auto",))
expect_status(admin("POST", "/admin/v1/rooms", raw=b"[1,2]"), 400, "POST a non-object body")
st, js, text = admin("POST", "/admin/v1/rooms", {})
rand = (js or {}).get("room")
t.check(st == 201 and isinstance(rand, int) and rand > 0 and js.get("mode") == "auto",
        "POST {} creates a room with a random id in mode auto", text)

# ---- show, participants ----
a, b = peer(), peer()
ja = a.join(600, display="alice")
jb = b.join(600, display="bob")
ev, _ = a.publish()
t.check(ja and jb and ev and ev.get("configured") == "ok", "two participants join room 600, one publishes",
        dump(ja, jb, ev))
st, js, text = admin("GET", "/admin/v1/rooms/600")
parts = {p.get("id"): p for p in (js or {}).get("participants", [])}
pa = parts.get(a.id, {})
t.check(st == 200 and js.get("num_participants") == 2 and js.get("num_publishers") == 1
        and set(parts) == {a.id, b.id}, "GET /admin/v1/rooms/600: counts and participants", text)
t.check(pa.get("display") == "alice" and pa.get("role") == "publisher" and pa.get("publisher") is True
        and pa.get("streams") and all({"mid", "type", "packets", "bytes"} <= set(s) for s in pa["streams"])
        and "subscriptions" in pa, "a participant shows display, role, publisher, streams, subscriptions",
        dump(pa))
st, js, text = admin("GET", "/admin/v1/rooms/600/participants")
t.check(st == 200 and {p.get("id") for p in (js or {}).get("participants", [])} == {a.id, b.id},
        "GET /admin/v1/rooms/600/participants", text)
expect_status(admin("GET", "/admin/v1/rooms/12345"), 404, "GET an unknown room", ("no such room 12345",))
expect_status(admin("GET", "/admin/v1/rooms/abc"), 404, "GET a non-numeric room id")
expect_status(admin("GET", "/admin/v1/rooms/12345/participants"), 404, "participants of an unknown room")
expect_status(admin("DELETE", "/admin/v1/rooms/12345"), 404, "DELETE an unknown room")
expect_status(admin("PATCH", "/admin/v1/rooms/12345", {"mode": "sfu"}), 404, "PATCH an unknown room")

# ---- metrics ----
st, _, metrics = admin("GET", "/metrics")
m = re.search(r"^lumen_rooms (\d+)", metrics, re.M)
t.check(st == 200 and m and int(m.group(1)) == 3, "/metrics: lumen_rooms counts the three rooms", metrics[-2000:])
t.check(re.search(r'^lumen_room_participants\{room="600"\} 2$', metrics, re.M) is not None
        and re.search(r'^lumen_room_participants\{room="77"\} 0$', metrics, re.M) is not None,
        "/metrics: lumen_room_participants{room} per room", metrics[-2000:])
t.check(all(re.search(f"^# TYPE {n} counter", metrics, re.M) for n in (
    "lumen_room_forwarded_packets_total", "lumen_room_forwarded_bytes_total", "lumen_room_nacks_total",
    "lumen_room_plis_total", "lumen_room_layer_switches_total")), "/metrics: the rooms counters", metrics[-3000:])

# ---- PATCH ----
st, js, text = admin("PATCH", "/admin/v1/rooms/600", {"mode": "broadcast", "description": "patched",
                                                       "max_participants": 10, "bitrate": 500000})
t.check(st == 200 and js.get("mode") == "broadcast" and js.get("effective_mode") == "broadcast"
        and js.get("description") == "patched" and js.get("max_participants") == 10 and js.get("bitrate") == 500000,
        "PATCH mode, description, max_participants, bitrate: 200 with the new ROOM", text)
evs = [x.has("mode", "broadcast") for x in (a, b)]
t.check(all(e and e.get("previous") == "sfu" for e in evs), "PATCH mode: participants get {mode, previous}",
        dump(*evs))
expect_status(admin("PATCH", "/admin/v1/rooms/600", {"mode": "bogus"}), 400, "PATCH mode bogus",
              ("mode: must be one of mesh, sfu, broadcast, auto",))
expect_status(admin("PATCH", "/admin/v1/rooms/600", {"max_participants": "ten"}), 400,
              "PATCH max_participants as a string", ("max_participants",))
expect_status(admin("PATCH", "/admin/v1/rooms/600", raw=b"\"x\""), 400, "PATCH a non-object body")
st, js, _ = admin("GET", "/admin/v1/rooms/600")
t.check(js and js.get("mode") == "broadcast" and js.get("description") == "patched",
        "a refused PATCH changes nothing", dump(js))

# ---- kick ----
st, _, text = admin("DELETE", f"/admin/v1/rooms/600/participants/{b.id}")
kicked = b.has("leaving", "ok")
told = a.has("kicked", b.id)
t.check(st == 204 and kicked and kicked.get("reason") == "kicked" and told,
        "DELETE .../participants/{pid}: 204, the kicked one gets leaving with reason kicked", dump(text, kicked, told))
st, js, _ = admin("GET", "/admin/v1/rooms/600/participants")
t.check({p.get("id") for p in (js or {}).get("participants", [])} == {a.id}, "the kicked participant is gone",
        dump(js))
expect_status(admin("DELETE", "/admin/v1/rooms/600/participants/31337"), 404, "kick an unknown participant")

# ---- DELETE ----
st, _, text = admin("DELETE", "/admin/v1/rooms/600")
gone = a.has("videoroom", "destroyed")
t.check(st == 204 and gone and gone.get("room") == 600, "DELETE /admin/v1/rooms/600: 204, participants get destroyed",
        dump(text, gone))
expect_status(admin("GET", "/admin/v1/rooms/600"), 404, "the deleted room is gone")
st, _, metrics = admin("GET", "/metrics")
t.check(re.search(r'room="600"', metrics) is None and re.search(r"^lumen_rooms 2$", metrics, re.M),
        "/metrics forgets the deleted room", metrics[-2000:])

# ---- lumenctl rooms ----
if not os.path.exists(CTL):
    t.skip("lumenctl rooms", f"{CTL} not built")
else:
    rc, out, err = ctl("rooms", "create", "--id", "700", "--mode", "mesh", "--description", "ctl room",
                       "--max-participants", "5")
    t.check(rc == 0 and "room 700 created" in out, "lumenctl rooms create --id 700", out + err)
    rc, out, err = ctl("rooms", "list")
    t.check(rc == 0 and re.search(r"^700\s+mesh\s+mesh\b.*ctl room\b", out, re.M)
            and re.search(r"^77\s+broadcast\b", out, re.M), "lumenctl rooms list shows 700 and 77", out + err)
    rc, out, err = ctl("--json", "rooms", "list")
    try:
        listed = {r["room"] for r in json.loads(out)["rooms"]}
    except (ValueError, KeyError, TypeError):
        listed = set()
    t.check(rc == 0 and {77, 700} <= listed, "lumenctl --json rooms list is the server's JSON", out + err)
    rc, out, err = ctl("rooms", "create", "--id", "700")
    t.check(rc == 1 and "exists" in err, "lumenctl rooms create of a duplicate exits 1 with the error", out + err)
    c = peer()
    jc = c.join(700, display="carol")
    rc, out, err = ctl("rooms", "show", "700")
    t.check(rc == 0 and "ctl room" in out and "carol" in out, "lumenctl rooms show 700 with its participant",
            out + err)
    rc, out, err = ctl("rooms", "participants", "700")
    t.check(rc == 0 and jc and str(c.id) in out and "carol" in out, "lumenctl rooms participants 700", out + err)
    rc, out, err = ctl("rooms", "edit", "700", "--mode", "sfu")
    ev = c.has("mode", "sfu")
    t.check(rc == 0 and "room 700 updated" in out and ev, "lumenctl rooms edit 700 --mode sfu (the member is told)",
            dump(out + err, ev))
    rc, out, err = ctl("rooms", "edit", "700", "--mode", "bogus")
    t.check(rc == 1 and "mode: must be one of mesh, sfu, broadcast, auto" in err,
            "lumenctl rooms edit --mode bogus exits 1 with the server's error", out + err)
    rc, out, err = ctl("rooms", "show", "99999")
    t.check(rc == 1 and "no such room 99999" in err, "lumenctl rooms show of an unknown room exits 1", out + err)
    rc, out, err = ctl("rooms", "kick", "700", str(c.id))
    kicked = c.has("leaving", "ok")
    t.check(rc == 0 and f"participant {c.id} kicked from room 700" in out and kicked
            and kicked.get("reason") == "kicked", "lumenctl rooms kick", dump(out + err, kicked))
    rc, out, err = ctl("rooms", "destroy", "700")
    t.check(rc == 0 and "room 700 destroyed" in out and admin("GET", "/admin/v1/rooms/700")[0] == 404,
            "lumenctl rooms destroy 700", out + err)

for x in peers:
    x.close()
stop_clean(t, d, "the admin rooms requests")
t.done()
