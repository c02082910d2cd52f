#!/usr/bin/python3
"""rooms_api.py -- the rooms engine (janus.plugin.videoroom) at the signalling level against a
real lumen daemon on 127.0.0.1, over the client API's WebSocket: room requests, publisher and
subscriber joins with SDP fixtures (no media flows), the lumen modes (mesh follow-all,
broadcast roles, auto), limits, error codes for malformed requests, static rooms from the
configuration and `lumen --check-config` on a bad one. Prints TAP."""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lumentest  # noqa: E402
from apitest import Http, stop_clean  # noqa: E402
from roomstest import HAVE_ROOMS, PLUGINS_DIR, Peer, err  # noqa: E402

t = lumentest.Tap()


def dump(*objs):
    return "\n".join(json.dumps(o) for o in objs)


def expect_err(data, code, name, words=()):
    c, msg = err(data)
    t.check(c == code and isinstance(msg, str) and msg and
            all(w in msg for w in words), f"{name} -> {code}", dump(data))


def sections(sdp):
    """The SDP's media sections as lists of lines."""
    out = []
    for line in sdp.replace("\r\n", "\n").split("\n"):
        if line.startswith("m="):
            out.append([line])
        elif out and line:
            out[-1].append(line)
    return out


def codecs(section):
    names = [ln.split(" ", 1)[1].split("/")[0].lower() for ln in section if ln.startswith("a=rtpmap:")]
    return [n for n in names if n not in ("rtx", "red", "ulpfec", "flexfec-03")]


if not HAVE_ROOMS:
    t.skip("rooms API tests", f"no rooms plugin in {PLUGINS_DIR} (run make first)")
    t.done()

tmp = tempfile.mkdtemp(prefix="lumen-rooms-")
conf = os.path.join(tmp, "lumen.cfg")
with open(conf, "w") as f:
    f.write('rooms = {\n  rooms = (\n    { id = 77; mode = "broadcast"; description = "Static 77"; }\n'
            '  );\n};\n')

d = lumentest.Daemon(config=conf, plugins_dir=PLUGINS_DIR)
if not t.check(d.wait_ready(), "the daemon starts with the rooms plugin and a static room", d.output()):
    t.done()
info = Http(d.url).info()
t.check("janus.plugin.videoroom" in (info or {}).get("plugins", {}), "info lists janus.plugin.videoroom",
        dump(info))

peers = []


def peer(name=""):
    p = Peer(d, name)
    peers.append(p)
    return p


admin = peer("admin")


def room_of(rid):
    for r in admin.sync({"request": "list"}).get("list", []):
        if r.get("room") == rid:
            return r
    return None


# ---- static rooms ----
r77 = room_of(77)
t.check(r77 is not None and r77.get("static") is True and r77.get("mode") == "broadcast",
        "list contains the static room 77 (static, broadcast)", dump(r77))

# ---- create, exists, list ----
r = admin.sync({"request": "create", "room": 1001, "mode": "mesh", "description": "one"})
t.check(r.get("videoroom") == "created" and r.get("room") == 1001 and r.get("permanent") is False,
        "create with an explicit id", dump(r))
r = admin.sync({"request": "create"})
rand = r.get("room")
t.check(r.get("videoroom") == "created" and isinstance(rand, int) and 0 < rand < 2**53,
        "create without an id picks a random one", dump(r))
for i, mode in enumerate(("mesh", "sfu", "broadcast", "auto")):
    r = admin.sync({"request": "create", "room": 1100 + i, "mode": mode})
    room = room_of(1100 + i)
    eff = "mesh" if mode == "auto" else mode
    t.check(r.get("videoroom") == "created" and room and room.get("mode") == mode
            and room.get("effective_mode") == eff,
            f"create mode {mode}: list shows mode {mode}, effective_mode {eff}", dump(r, room))
expect_err(admin.sync({"request": "create", "room": 1199, "mode": "bogus"}), 430,
           "create with mode bogus", ("mode",))
t.check(room_of(1199) is None, "the refused room does not exist")
expect_err(admin.sync({"request": "create", "room": 1001}), 427, "create a duplicate id", ("1001",))
expect_err(admin.sync({"request": "create", "room": {"x": 1}}), 430, "create with room as an object")
r = admin.sync({"request": "exists", "room": 1001})
t.check(r.get("videoroom") == "success" and r.get("exists") is True, "exists: an existing room", dump(r))
r = admin.sync({"request": "exists", "room": 999999})
t.check(r.get("exists") is False, "exists: an unknown room", dump(r))
room = room_of(1001)
t.check(room is not None and {"room", "description", "pin_required", "max_publishers", "bitrate",
                              "num_participants", "mode", "effective_mode"} <= set(room)
        and room["description"] == "one" and room["num_participants"] == 0,
        "list shows room 1001 with the dialect's fields and mode/effective_mode", dump(room))

# ---- join errors before and around joining ----
p = peer()
expect_err(p.sync({"request": "configure"}), 424, "configure before join")
expect_err(p.sync({"request": "unpublish"}), 424, "unpublish before join")
expect_err(p.sync({"request": "frobnicate"}), 424, "an unknown request before join")
expect_err(p.sync({"nothing": 1}), 429, "a body without request", ("request",))
expect_err(p.sync({"request": 5}), 429, "request as a number")
expect_err(p.join(424242), 426, "join an unknown room", ("424242",))
expect_err(p.join({"id": 1}), 430, "join with room as an object", ("room",))
expect_err(p.sync({"request": "join", "room": 1001}), 429, "join without ptype", ("ptype",))
expect_err(p.sync({"request": "join", "room": 1001, "ptype": "chef"}), 430, "join with ptype chef")
expect_err(p.sync({"request": "listparticipants"}), 429, "listparticipants without room")

# ---- publishers: join, joined event, twice, unknown request, leave ----
a = peer("alice")
ja = a.join(1001, display="alice")
t.check(ja and ja.get("videoroom") == "joined" and ja.get("room") == 1001 and isinstance(ja.get("id"), int)
        and isinstance(ja.get("private_id"), int) and ja.get("publishers") == []
        and ja.get("mode") == "mesh" and ja.get("role") == "publisher" and ja.get("description") == "one",
        "join as a publisher: joined with id, private_id, publishers, mode, role", dump(ja))
expect_err(a.join(1001), 425, "join twice on one handle")
expect_err(a.sync({"request": "frobnicate"}), 423, "an unknown request after join", ("frobnicate",))
b = peer("bob")
jb = b.join(1001, display="bob", id=4242)
t.check(jb and jb.get("id") == 4242 and any(x.get("id") == a.id for x in jb.get("attendees", [])),
        "a second publisher joins with its chosen id and sees the first as an attendee", dump(jb))
expect_err(peer().join(1001, id=4242), 436, "join with an id that exists")
r = admin.sync({"request": "listparticipants", "room": 1001})
ids = {x.get("id"): x for x in r.get("participants", [])}
t.check(r.get("videoroom") == "participants" and r.get("room") == 1001 and set(ids) == {a.id, 4242}
        and ids[a.id].get("display") == "alice" and ids[a.id].get("publisher") is False
        and ids[a.id].get("role") == "publisher" and "talking" in ids[a.id],
        "listparticipants lists both with display, publisher, talking, role", dump(r))

# ---- edit with a secret; mode change events ----
r = admin.sync({"request": "create", "room": 1002, "secret": "s3", "mode": "auto"})
t.check(r.get("videoroom") == "created", "create a room with a secret", dump(r))
c = peer("carol")
c.join(1002, display="carol")
expect_err(admin.sync({"request": "edit", "room": 1002, "secret": "nope", "new_description": "x"}), 433,
           "edit with a wrong secret", ("secret",))
expect_err(admin.sync({"request": "edit", "room": 1002, "new_description": "x"}), 433, "edit without the secret")
r = admin.sync({"request": "edit", "room": 1002, "secret": "s3", "new_description": "renamed"})
t.check(r.get("videoroom") == "edited" and r.get("room") == 1002 and
        (room_of(1002) or {}).get("description") == "renamed", "edit: new_description applies", dump(r))
expect_err(admin.sync({"request": "edit", "room": 1002, "secret": "s3", "mode": "bogus"}), 430,
           "edit with mode bogus", ("mode",))
r = admin.sync({"request": "edit", "room": 1002, "secret": "s3", "mode": "sfu"})
ev = c.has("mode", "sfu")
t.check(r.get("videoroom") == "edited" and ev and ev.get("previous") == "mesh" and ev.get("room") == 1002,
        "edit mode sfu: the joined participant gets {mode: sfu, previous: mesh}", dump(r, ev))
t.check((room_of(1002) or {}).get("effective_mode") == "sfu", "list shows effective_mode sfu")

# ---- pin ----
admin.sync({"request": "create", "room": 1003, "pin": "1234"})
t.check((room_of(1003) or {}).get("pin_required") is True, "list: pin_required for a room with a pin")
expect_err(peer().join(1003), 433, "join without the pin", ("pin",))
expect_err(peer().join(1003, pin="0000"), 433, "join with a wrong pin")
j = peer().join(1003, pin="1234")
t.check(j and j.get("videoroom") == "joined", "join with the pin", dump(j))

# ---- publish with an offer ----
r = admin.sync({"request": "create", "room": 2001, "mode": "sfu"})
p1, p2 = peer("p1"), peer("p2")
p1.join(2001, display="p1")
p2.join(2001, display="p2")
ev, jsep = p1.publish()
ans = (jsep or {}).get("sdp", "")
secs = sections(ans)
vid = [s for s in secs if s[0].startswith("m=video") and not s[0].startswith("m=video 0 ")]
t.check(ev and ev.get("configured") == "ok" and ev.get("room") == 2001 and (jsep or {}).get("type") == "answer",
        "publish with the chromium offer: configured ok with a jsep answer", dump(ev, jsep))
t.check(secs and all("a=recvonly" in s or s[0].startswith("m=application") or " 0 " in s[0][:10]
                     for s in secs) and any("a=recvonly" in s for s in secs),
        "the answer's m-lines are recvonly", ans)
t.check(len(vid) == 1 and len(codecs(vid[0])) == 1, "the answer keeps one video codec", ans)
streams = (ev or {}).get("streams", [])
t.check({s.get("type") for s in streams} >= {"audio", "video"} and all("mid" in s and "codec" in s
                                                                        for s in streams),
        "configured lists the published streams with mid and codec", dump(ev))
pubs = p2.has("publishers")
t.check(pubs and pubs["publishers"][0].get("id") == p1.id and pubs["publishers"][0].get("display") == "p1"
        and pubs["publishers"][0].get("streams"), "the other publisher gets publishers with p1", dump(pubs))
p3 = peer("p3")
j3 = p3.join(2001)
t.check(j3 and [x.get("id") for x in j3.get("publishers", [])] == [p1.id]
        and j3["publishers"][0].get("streams"), "a later joiner gets p1 in publishers of joined", dump(j3))
ev, _ = p1.publish("chromium-offer.sdp")
t.check(ev and ev.get("configured") == "ok", "a second offer (renegotiation) is answered", dump(ev))
ev, jsep = p2.publish("firefox-offer.sdp")
t.check(ev and ev.get("configured") == "ok" and jsep, "a firefox offer is answered", dump(ev))

# ---- subscribers ----
s = peer("sub")
vmid = next((x["mid"] for x in streams if x.get("type") == "video"), None)
r = s.send({"request": "join", "ptype": "subscriber", "room": 2001, "streams": [{"feed": p1.id}],
            "private_id": p3.private_id})
ev, jsep = s.event(lambda e: e.get("videoroom") in ("attached", "event"))
osdp = (jsep or {}).get("sdp", "")
osecs = [x for x in sections(osdp) if not x[0].startswith("m=application")]
t.check(ev and ev.get("videoroom") == "attached" and (jsep or {}).get("type") == "offer",
        "subscriber join with streams [{feed}]: attached with a jsep offer", dump(r, ev, jsep))
t.check(osecs and all("a=sendonly" in x and any(ln.startswith("a=ssrc:") for ln in x) for x in osecs),
        "the subscriber offer's m-lines are sendonly with a=ssrc lines", osdp)
sst = (ev or {}).get("streams", [])
t.check(len(sst) == len(streams) and all(x.get("feed_id") == p1.id for x in sst)
        and vmid in [x.get("feed_mid") for x in sst] and all("mid" in x for x in sst),
        "attached streams carry feed_id and feed_mid", dump(ev))
expect_err(s.sync({"request": "configure", "substream": 7}), 430, "subscriber configure substream 7",
           ("substream",))
expect_err(s.sync({"request": "configure", "streams": "all"}), 430, "subscriber configure streams as a string")
r = s.send({"request": "configure", "substream": 1})
ev = s.has("configured")
t.check(r.get("janus") == "ack" and ev and ev.get("configured") == "ok",
        "subscriber configure substream 1: configured ok", dump(r, ev))
r = s.send({"request": "pause"})
ev = s.has("paused")
t.check(r.get("janus") == "ack" and ev and ev.get("paused") == "ok", "subscriber pause: paused ok", dump(r, ev))
r = s.send({"request": "start"})
ev = s.has("started")
t.check(r.get("janus") == "ack" and ev and ev.get("started") == "ok", "subscriber start without jsep: started ok",
        dump(r, ev))
expect_err(s.sync({"request": "frobnicate"}), 423, "an unknown subscriber request", ("frobnicate",))
expect_err(s.sync({"request": "join", "ptype": "subscriber", "room": 2001}), 425, "a subscriber joins twice")
s2 = peer()
expect_err(s2.sync({"request": "join", "ptype": "subscriber", "room": 2001, "streams": [{"feed": 987654}]}),
           428, "subscribe to an unknown feed", ("987654",))
expect_err(s2.sync({"request": "join", "ptype": "subscriber", "room": 2001, "streams": "p1"}), 430,
           "subscriber join with streams as a string", ("streams",))
expect_err(s2.sync({"request": "join", "ptype": "subscriber", "room": 2001, "streams": [{"feed": "x"}]}),
           430, "subscriber join with a bad feed")

# ---- unpublish, leave ----
r = p1.send({"request": "unpublish"})
mine = p1.has("unpublished", "ok")
gone = p2.has("unpublished", p1.id)
t.check(mine and gone, "unpublish: ok to the publisher, unpublished: ID to others", dump(r, mine, gone))
expect_err(p1.sync({"request": "unpublish"}), 435, "unpublish when not published")
p3.send({"request": "leave"})
left = p3.has("leaving", "ok")
other = p2.has("leaving", p3.id)
t.check(left and other, "leave: leaving ok to the leaver, leaving: ID to others", dump(left, other))

# ---- mesh follow-all ----
admin.sync({"request": "create", "room": 2002, "mode": "mesh"})
m1 = peer("m1")
m1.join(2002, display="m1")
fa = peer("follow")
r = fa.send({"request": "join", "ptype": "subscriber", "room": 2002, "private_id": m1.private_id})
ev, jsep = fa.event(lambda e: e.get("videoroom") == "attached")
t.check(ev and ev.get("streams") == [] and jsep is None,
        "mesh: a subscriber without streams is attached with no jsep", dump(r, ev, jsep))
m2 = peer("m2")
m2.join(2002, display="m2")
m2.publish()
ev, jsep = fa.event(lambda e: e.get("videoroom") == "updated")
t.check(ev and (jsep or {}).get("type") == "offer" and ev.get("streams")
        and all(x.get("feed_id") == m2.id for x in ev["streams"]),
        "mesh follow-all: updated with an offer when someone publishes", dump(ev, jsep))
m1.publish()
ev, _ = fa.event(lambda e: e.get("videoroom") == "updated", timeout=1.5)
t.check(ev is None or all(x.get("feed_id") != m1.id for x in ev.get("streams", [])),
        "follow-all does not subscribe to its own publisher (private_id)", dump(ev))

# ---- broadcast: roles, raise_hand, promote, kick ----
admin.sync({"request": "create", "room": 3001, "mode": "broadcast", "secret": "mod"})
mod, v, w = peer("mod"), peer("viewer"), peer("watcher")
jm = mod.join(3001, display="mod", secret="mod")
jv = v.join(3001, display="viewer")
w.join(3001, display="watcher")
t.check(jm and jm.get("role") == "moderator" and jm.get("mode") == "broadcast",
        "broadcast: joining with the secret makes a moderator", dump(jm))
t.check(jv and jv.get("role") == "viewer", "broadcast: a plain join is a viewer", dump(jv))
ev, _ = v.publish()
expect_err(ev, 433, "a viewer's publish", ("viewers cannot publish",))
r = v.sync({"request": "raise_hand", "raised": True})
hands = [x.has("hand") for x in (mod, v, w)]
t.check(all(h and h["hand"].get("id") == v.id and h["hand"].get("raised") is True
            and h["hand"].get("display") == "viewer" for h in hands),
        "raise_hand: everyone gets hand {id, display, raised}", dump(r, *hands))
expect_err(w.sync({"request": "promote", "room": 3001, "id": v.id}), 433, "promote by a viewer")
r = mod.sync({"request": "promote", "room": 3001, "id": v.id})
role = v.has("role")
t.check(r.get("videoroom") == "success" and role and role.get("role") == "presenter",
        "promote by the moderator: the target gets role presenter", dump(r, role))
ev, jsep = v.publish()
t.check(ev and ev.get("configured") == "ok" and jsep, "the promoted presenter's publish succeeds", dump(ev))
r = mod.sync({"request": "demote", "room": 3001, "id": v.id})
role = v.has("role", "viewer")
unp = w.has("unpublished", v.id)
t.check(role and unp, "demote: the target gets role viewer and its streams are unpublished", dump(r, role, unp))
expect_err(w.sync({"request": "kick", "room": 3001, "id": v.id}), 433, "kick by a viewer")
r = mod.sync({"request": "kick", "room": 3001, "id": v.id})
kicked = v.has("leaving", "ok")
others = w.has("kicked", v.id)
t.check(r.get("videoroom") == "success" and kicked and kicked.get("reason") == "kicked" and others,
        "kick by the moderator: leaving ok with reason kicked, others get kicked: ID", dump(r, kicked, others))
expect_err(mod.sync({"request": "kick", "room": 3001, "id": 31337}), 428, "kick an unknown participant")
expect_err(w.sync({"request": "recording", "room": 3001, "action": "start"}), 433,
           "recording by a viewer", ("moderator",))
expect_err(w.sync({"request": "enable_recording", "room": 3001, "secret": "nope", "record": True}), 433,
           "enable_recording with a wrong secret")
expect_err(mod.sync({"request": "enable_recording", "room": 3001, "secret": "mod"}), 429,
           "enable_recording without record", ("record",))
expect_err(mod.sync({"request": "recording", "room": 3001}), 429, "recording without an action", ("action",))

# ---- auto: mesh -> sfu ----
admin.sync({"request": "create", "room": 4001, "mode": "auto", "auto_sfu_at": 2})
q = [peer(f"q{i}") for i in range(3)]
q[0].join(4001)
q[1].join(4001)
j = q[2].join(4001)
evs = [x.has("mode", "sfu") for x in q[:2]]
t.check(all(e and e.get("previous") == "mesh" for e in evs) and j.get("mode") == "sfu",
        "auto_sfu_at=2: the third join turns the room sfu (members told, joined says sfu)", dump(j, *evs))
t.check((room_of(4001) or {}).get("effective_mode") == "sfu", "list: effective_mode sfu after the third join")
expect_err(admin.sync({"request": "create", "room": 4002, "auto_sfu_at": 9, "auto_broadcast_at": 3}), 430,
           "auto_broadcast_at below auto_sfu_at", ("auto_broadcast_at",))

# ---- limits ----
admin.sync({"request": "create", "room": 5001, "max_publishers": 1})
l1, l2 = peer(), peer()
l1.join(5001)
l2.join(5001)
ev, _ = l1.publish()
t.check(ev and ev.get("configured") == "ok", "max_publishers=1: the first publish succeeds", dump(ev))
ev, _ = l2.publish()
expect_err(ev, 432, "max_publishers=1: the second publish", ("publishers",))
admin.sync({"request": "create", "room": 5002, "max_participants": 1})
j = peer().join(5002)
t.check(j and j.get("videoroom") == "joined", "max_participants=1: the first join", dump(j))
expect_err(peer().join(5002), 432, "max_participants=1: the second join", ("participants",))
expect_err(admin.sync({"request": "create", "room": 5003, "max_participants": 0}), 430, "max_participants 0")

# ---- destroy ----
r = admin.sync({"request": "destroy", "room": 1002})
expect_err(r, 433, "destroy without the secret")
r = admin.sync({"request": "destroy", "room": 1002, "secret": "s3"})
gone = c.has("videoroom", "destroyed")
t.check(r.get("videoroom") == "destroyed" and r.get("room") == 1002 and gone and gone.get("room") == 1002,
        "destroy: destroyed, and the participant gets destroyed", dump(r, gone))
t.check(admin.sync({"request": "exists", "room": 1002}).get("exists") is False, "the destroyed room is gone")
expect_err(admin.sync({"request": "destroy", "room": 1002, "secret": "s3"}), 426, "destroy it again")
r = admin.sync({"request": "destroy", "room": 2001})
gone = [x.has("videoroom", "destroyed") for x in (p1, p2, s)]
t.check(r.get("videoroom") == "destroyed" and all(gone),
        "destroy a room with publishers and a subscriber: all get destroyed", dump(r, *gone))
j = p1.join(1001, display="again")
t.check(j and j.get("videoroom") == "joined", "a handle of a destroyed room may join another room", dump(j))

# ---- the daemon survives; hangups and detaches clean up ----
for x in peers:
    x.close()
info = Http(d.url).info()
t.check(info and info.get("janus") == "server_info" and d.proc.poll() is None,
        "the daemon still answers after every request above", d.output()[-3000:])
stop_clean(t, d, "the rooms requests")

# ---- --check-config refuses a bad static room ----
bad = os.path.join(tmp, "bad.cfg")
with open(bad, "w") as f:
    f.write('rooms = { rooms = ( { id = 5; mode = "bogus"; } ); };\n')
pr = subprocess.run([lumentest.LUMEN, "--check-config", "-c", bad, "--set", f"plugins.dir={PLUGINS_DIR}"],
                    capture_output=True, text=True, timeout=30)
out = pr.stdout + pr.stderr
t.check(pr.returncode != 0 and re.search(r"rooms\.rooms\[0\].*mode", out) is not None,
        "--check-config refuses mode bogus naming rooms.rooms[0] and mode", f"rc {pr.returncode}\n{out}")
pr = subprocess.run([lumentest.LUMEN, "--check-config", "-c", conf, "--set", f"plugins.dir={PLUGINS_DIR}"],
                    capture_output=True, text=True, timeout=30)
t.check(pr.returncode == 0, "--check-config accepts the static room 77", pr.stdout + pr.stderr)
t.done()
