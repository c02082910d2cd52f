/* rooms/publisher.c -- a participant's publisher handle: join (with its role), publish and
 * configure (the answer to its offer, its tracks), unpublish and leave, and the announcements
 * others get about it. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rooms.h"

extern struct rooms_sdp_policy rooms_policy;

static const char *kind_name(enum lumen_media_kind k)
{
	return k == LUMEN_MEDIA_AUDIO ? "audio" : k == LUMEN_MEDIA_VIDEO ? "video" : "data";
}

json_t *rooms_pub_streams_json(const struct rooms_participant *p)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < p->n_tracks; i++) {
		const struct rooms_track *t = p->tracks[i];
		json_t *s = json_pack("{s:s,s:i,s:s,s:b}", "type", kind_name(t->d.kind), "mindex",
				      (int)i, "mid", t->d.mid, "active", true);
		if (t->d.kind != LUMEN_MEDIA_DATA) {
			char codec[16];
			g_strlcpy(codec, t->d.codec.name, sizeof(codec));
			for (char *c = codec; *c; c++)
				*c = g_ascii_tolower(*c);
			json_object_set_new(s, "codec", json_string(codec));
		}
		if (t->d.n_layers > 1) {
			json_object_set_new(s, "simulcast", json_true());
			json_t *layers = json_array();
			for (unsigned l = 0; l < t->d.n_layers; l++)
				json_array_append_new(
				    layers, json_pack("{s:i,s:s,s:I}", "layer", (int)l, "rid",
						      t->d.rids[l], "bitrate",
						      (json_int_t)t->rates.bps[l]));
			json_object_set_new(s, "layers", layers);
		}
		if (t->muted)
			json_object_set_new(s, "moderated", json_true());
		if (t->d.kind == LUMEN_MEDIA_AUDIO)
			json_object_set_new(s, "talking", json_boolean(t->talking));
		json_object_set_new(s, "packets", json_integer((json_int_t)t->packets));
		json_object_set_new(s, "bytes", json_integer((json_int_t)t->bytes));
		json_object_set_new(s, "subscribers", json_integer(t->streams->len));
		json_array_append_new(a, s);
	}
	return a;
}

json_t *rooms_publishers_json(const struct rooms_room *r, const struct rooms_participant *except)
{
	json_t *a = json_array();
	GPtrArray *order = rooms_room_by_speech(r); /* active speakers first */

	for (unsigned i = 0; i < order->len; i++) {
		const struct rooms_participant *m = order->pdata[i];
		if (m == except || !m->published)
			continue;
		json_array_append_new(a, json_pack("{s:I,s:s?,s:o,s:s}", "id", (json_int_t)m->id,
						   "display", m->display, "streams",
						   rooms_pub_streams_json(m), "role",
						   rooms_role_name(m->role)));
	}
	g_ptr_array_free(order, TRUE);
	return a;
}

static bool in_list(char **list, const char *s)
{
	for (char **e = list; s && e && *e; e++)
		if (strcmp(*e, s) == 0)
			return true;
	return false;
}

/* The role of a joining publisher-handle (see docs/rooms.md, Roles). */
static enum rooms_role pick_role(const struct rooms_participant *p, const struct rooms_room *r,
				 const json_t *body)
{
	if (p->token_role)
		return p->role;
	if (r->secret && rooms_secret_ok(r, body))
		return ROOMS_ROLE_MODERATOR;
	if (in_list(r->presenters, p->user) || in_list(r->presenters, p->display))
		return ROOMS_ROLE_PRESENTER;
	return r->effective == ROOMS_BROADCAST ? ROOMS_ROLE_VIEWER : ROOMS_ROLE_PUBLISHER;
}

/* Viewers do not publish; everyone else may. In a broadcast room newcomers join as viewers, but
 * whoever already published when an auto room became a broadcast keeps publishing. */
static bool may_publish(const struct rooms_participant *p)
{
	return p->role != ROOMS_ROLE_VIEWER && p->role != ROOMS_ROLE_SUBSCRIBER;
}

struct lumen_msg_result rooms_pub_join(struct rooms_participant *p, const char *tr,
				       const json_t *body, const json_t *jsep, bool configure)
{
	uint64_t rid, id = 0;
	struct rooms_room *r;
	const json_t *v;
	const char *display = json_string_value(json_object_get(body, "display"));
	const char *pin = json_string_value(json_object_get(body, "pin"));

	if (!json_object_get(body, "room"))
		return rooms_error(ROOMS_ERR_MISSING_ELEMENT, "Missing element (room)");
	if (rooms_json_id(json_object_get(body, "room"), &rid) < 0)
		return rooms_error(ROOMS_ERR_INVALID_ELEMENT, "Invalid element (room)");
	r = rooms_room_find(rid);
	if (!r)
		return rooms_error(ROOMS_ERR_NO_SUCH_ROOM, "No such room (%" PRIu64 ")", rid);
	if (r->pin && (!pin || strcmp(pin, r->pin) != 0))
		return rooms_error(ROOMS_ERR_UNAUTHORIZED, "Unauthorized (wrong pin)");
	if (!rooms_token_room_ok(p, r))
		return rooms_error(ROOMS_ERR_UNAUTHORIZED,
				   "Unauthorized (the join token is for room %s)", p->token_room);
	if (display && (strlen(display) > 256 || strchr(display, '\n')))
		return rooms_error(ROOMS_ERR_INVALID_ELEMENT, "Invalid element (display)");
	if ((v = json_object_get(body, "id"))) {
		if (rooms_json_id(v, &id) < 0 || id >= (UINT64_C(1) << 53))
			return rooms_error(ROOMS_ERR_INVALID_ELEMENT, "Invalid element (id)");
		if (rooms_room_member(r, id))
			return rooms_error(ROOMS_ERR_ID_EXISTS, "User ID %" PRIu64 " exists", id);
	}
	if (r->members->len >= r->max_participants)
		return rooms_error(ROOMS_ERR_FULL, "Maximum number of participants (%u) reached",
				   r->max_participants);
	while (!id || rooms_room_member(r, id))
		id = rooms_random_id();
	p->id = id;
	p->private_id = rooms_random_id();
	g_free(p->display); /* a handle may join again after leaving */
	p->display = display ? g_strdup(display) : NULL;
	p->type = ROOMS_P_PUBLISHER;
	p->room = r;
	g_ptr_array_add(r->members, p);
	rooms_tap_participant(r, p, true);
	/* The mode first: the newcomer may be the one who turns an auto room into broadcast, and
	 * then joins as a viewer. */
	rooms_room_update_mode(r);
	p->role = pick_role(p, r, body);

	json_t *ev = json_pack("{s:s,s:I,s:s,s:I,s:I,s:o,s:s,s:s}", "videoroom", "joined", "room",
			       (json_int_t)r->id, "description", r->description, "id",
			       (json_int_t)p->id, "private_id", (json_int_t)p->private_id,
			       "publishers", rooms_publishers_json(r, p), "mode",
			       rooms_mode_name(r->effective), "role", rooms_role_name(p->role));
	json_t *att = json_array();
	for (unsigned i = 0; i < r->members->len; i++) {
		const struct rooms_participant *m = r->members->pdata[i];
		if (m != p && !m->published)
			json_array_append_new(att, json_pack("{s:I,s:s?}", "id", (json_int_t)m->id,
							     "display", m->display));
	}
	json_object_set_new(ev, "attendees", att);
	/* A room whose `record` option is set starts recording with its first participant; the
	 * joiner learns whether it is being recorded (it must know). */
	rooms_record_autostart(r);
	json_t *rec = rooms_record_status(r);
	if (rec && json_is_string(json_object_get(rec, "recording")))
		json_object_set_new(ev, "recording", json_true());
	json_decref(rec);
	rooms_push(p, tr, ev, NULL);
	if (r->notify_joining) {
		json_t *n = rooms_event(r);
		json_object_set_new(n, "joining", json_pack("{s:I,s:s?}", "id", (json_int_t)p->id,
							    "display", p->display));
		rooms_room_notify(r, p, n);
	}
	rooms_core->log(p->h, LUMEN_SEV_INFO, "joined room %" PRIu64 " as %s (%s)", r->id,
			rooms_role_name(p->role), display ? display : "no name");
	if (configure) {
		struct lumen_msg_result res = rooms_pub_configure(p, tr, body, jsep);
		if (res.kind == LUMEN_MSG_SYNC && res.data &&
		    json_object_get(res.data, "error_code")) {
			/* Joined, but the publish failed: tell it as an event, like Janus. */
			rooms_push(p, tr, res.data, NULL);
			json_decref(res.jsep);
			free(res.error);
		}
	}
	return rooms_async();
}

static void track_free(struct rooms_track *t)
{
	if (!t)
		return;
	g_ptr_array_free(t->streams, TRUE);
	g_free(t);
}

/* Rank of a rid in the usual naming schemes, low to high: q/h/f (quarter, half, full: Chrome's
 * and Firefox's examples) and l/m/h (janus.js). -1 when the name says nothing. */
static int rid_rank(const char *rid, bool full_scheme)
{
	static const char *const qhf[] = { "q", "h", "f" }, *const lmh[] = { "l", "m", "h" };
	const char *const *names = full_scheme ? qhf : lmh;

	for (int i = 0; i < 3; i++)
		if (strcmp(rid, names[i]) == 0)
			return i;
	return -1;
}

/* Puts simulcast layers in order of quality, lowest first (substream 0 = lowest, as the dialect
 * says). Clients list rids in any order (janus.js: h, m, l); the names tell which is which.
 * Unknown names keep the offer's order, which browsers' own examples give lowest first. */
static void order_layers(struct rooms_track_desc *d)
{
	int rank[ROOMS_MAX_LAYERS];
	bool full = false, known = true;

	if (d->n_layers < 2 || !d->rids[0][0])
		return;
	for (unsigned l = 0; l < d->n_layers; l++)
		full |= strcmp(d->rids[l], "f") == 0 || strcmp(d->rids[l], "q") == 0;
	for (unsigned l = 0; l < d->n_layers; l++)
		known &= (rank[l] = rid_rank(d->rids[l], full)) >= 0;
	if (!known)
		return;
	for (unsigned a = 0; a < d->n_layers; a++) /* insertion sort of at most 3 */
		for (unsigned b = a + 1; b < d->n_layers; b++)
			if (rank[b] < rank[a]) {
				char tmp[ROOMS_RID_MAX];
				uint32_t ss = d->layer_ssrcs[a];
				int r = rank[a];
				memcpy(tmp, d->rids[a], sizeof(tmp));
				memcpy(d->rids[a], d->rids[b], sizeof(tmp));
				memcpy(d->rids[b], tmp, sizeof(tmp));
				d->layer_ssrcs[a] = d->layer_ssrcs[b];
				d->layer_ssrcs[b] = ss;
				rank[a] = rank[b];
				rank[b] = r;
			}
}

/* Takes a publisher's offer: answers it and creates its tracks. */
static struct lumen_msg_result publish(struct rooms_participant *p, const char *tr,
				       const json_t *body, const json_t *jsep)
{
	struct rooms_track_desc desc[ROOMS_MAX_TRACKS];
	unsigned n = 0;
	char *answer = NULL, *why = NULL;
	const char *type = json_string_value(json_object_get(jsep, "type"));
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	struct rooms_room *r = p->room;
	bool renegotiation = p->published;

	if (!type || strcmp(type, "offer") != 0)
		return rooms_error(ROOMS_ERR_INVALID_SDP_TYPE, "A publisher sends an offer (got %s)",
				   type ? type : "no type");
	if (!sdp)
		return rooms_error(ROOMS_ERR_INVALID_SDP, "Missing SDP");
	if (!may_publish(p))
		return rooms_error(ROOMS_ERR_UNAUTHORIZED,
				   "viewers cannot publish in a broadcast room; raise a hand to ask");
	if (!renegotiation && rooms_room_publishers(r) >= r->max_publishers)
		return rooms_error(ROOMS_ERR_FULL, "Maximum number of publishers (%u) reached",
				   r->max_publishers);
	if (rooms_sdp_answer_publisher(sdp, &rooms_policy, &answer, desc, ROOMS_MAX_TRACKS, &n,
				       &why) < 0) {
		struct lumen_msg_result res =
		    rooms_error(ROOMS_ERR_INVALID_SDP, "Unusable offer: %s", why ? why : "?");
		free(why);
		return res;
	}
	if (renegotiation) /* a new offer replaces what was published */
		rooms_pub_unpublish_all(p, false);
	p->n_tracks = 0;
	p->audio_codec[0] = p->video_codec[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		struct rooms_track *t;
		if (desc[i].kind == LUMEN_MEDIA_DATA)
			continue;
		t = g_new0(struct rooms_track, 1);
		t->d = desc[i];
		order_layers(&t->d);
		t->pub = p;
		t->streams = g_ptr_array_new();
		rooms_layer_rates_init(&t->rates);
		for (unsigned l = 0; l < t->d.n_layers && l < ROOMS_MAX_LAYERS; l++)
			t->layer_ssrc[l] = t->d.layer_ssrcs[l];
		if (t->d.kind == LUMEN_MEDIA_AUDIO && !p->audio_codec[0])
			g_strlcpy(p->audio_codec, t->d.codec.name, sizeof(p->audio_codec));
		if (t->d.kind == LUMEN_MEDIA_VIDEO && !p->video_codec[0])
			g_strlcpy(p->video_codec, t->d.codec.name, sizeof(p->video_codec));
		p->tracks[p->n_tracks++] = t;
		rooms_tap_track(r, t, true);
	}
	p->published = true;

	json_t *ev = rooms_event(r);
	json_object_set_new(ev, "configured", json_string("ok"));
	json_object_set_new(ev, "streams", rooms_pub_streams_json(p));
	if (p->audio_codec[0])
		json_object_set_new(ev, "audio_codec", json_string(p->audio_codec));
	if (p->video_codec[0])
		json_object_set_new(ev, "video_codec", json_string(p->video_codec));
	rooms_push(p, tr, ev, json_pack("{s:s,s:s}", "type", "answer", "sdp", answer));
	free(answer);
	(void)body;

	json_t *pubs = json_array();
	json_array_append_new(pubs, json_pack("{s:I,s:s?,s:o,s:s}", "id", (json_int_t)p->id,
					      "display", p->display, "streams",
					      rooms_pub_streams_json(p), "role",
					      rooms_role_name(p->role)));
	json_t *note = rooms_event(r);
	json_object_set_new(note, "publishers", pubs);
	rooms_room_notify(r, p, note);
	rooms_sub_feed_published(p);
	return rooms_async();
}

struct lumen_msg_result rooms_pub_configure(struct rooms_participant *p, const char *tr,
					    const json_t *body, const json_t *jsep)
{
	const json_t *v;

	if (!p->room)
		return rooms_error(ROOMS_ERR_JOIN_FIRST, "Join a room first");
	if ((v = json_object_get(body, "display")) && json_is_string(v)) {
		g_free(p->display);
		p->display = g_strdup(json_string_value(v));
	}
	if ((v = json_object_get(body, "bitrate")) && json_is_integer(v) &&
	    json_integer_value(v) >= 0 && json_integer_value(v) <= UINT32_MAX) {
		uint32_t cap = (uint32_t)json_integer_value(v);
		if (p->room->bitrate && (!cap || cap > p->room->bitrate))
			cap = p->room->bitrate;
		if (!cap)
			cap = ROOMS_DEFAULT_PUBLISHER_BPS;
		rooms_core->set_bitrate_cap(p->h, cap);
	}
	if (jsep)
		return publish(p, tr, body, jsep);
	json_t *ev = rooms_event(p->room);
	json_object_set_new(ev, "configured", json_string("ok"));
	rooms_push(p, tr, ev, NULL);
	return rooms_async();
}

void rooms_pub_unpublish_all(struct rooms_participant *p, bool notify_self)
{
	struct rooms_room *r = p->room;

	if (!p->published)
		return;
	p->published = false;
	for (unsigned i = 0; i < p->n_tracks; i++) {
		if (r)
			rooms_tap_track(r, p->tracks[i], false);
		rooms_sub_track_gone(p->tracks[i]);
		track_free(p->tracks[i]);
		p->tracks[i] = NULL;
	}
	p->n_tracks = 0;
	if (!r)
		return;
	json_t *ev = rooms_event(r);
	json_object_set_new(ev, "unpublished", json_integer((json_int_t)p->id));
	rooms_room_notify(r, p, ev);
	if (notify_self) {
		ev = rooms_event(r);
		json_object_set_new(ev, "unpublished", json_string("ok"));
		rooms_push(p, NULL, ev, NULL);
	}
}

struct lumen_msg_result rooms_pub_unpublish(struct rooms_participant *p, const char *tr)
{
	if (!p->published)
		return rooms_error(ROOMS_ERR_NOT_PUBLISHED, "Can't unpublish, not published");
	rooms_pub_unpublish_all(p, false);
	json_t *ev = rooms_event(p->room);
	json_object_set_new(ev, "unpublished", json_string("ok"));
	rooms_push(p, tr, ev, NULL);
	rooms_core->close_pc(p->h, "unpublished");
	return rooms_async();
}

void rooms_pub_leave(struct rooms_participant *p, const char *reason, bool silent)
{
	struct rooms_room *r = p->room;

	if (!r)
		return;
	rooms_pub_unpublish_all(p, false);
	g_ptr_array_remove(r->members, p);
	rooms_tap_participant(r, p, false);
	p->room = NULL;
	json_t *ev = rooms_event(r);
	json_object_set_new(ev, "leaving", json_integer((json_int_t)p->id));
	rooms_room_notify(r, p, ev);
	if (!silent) {
		ev = rooms_event(r);
		json_object_set_new(ev, "leaving", json_string("ok"));
		rooms_push(p, NULL, ev, NULL);
	}
	rooms_core->log(p->h, LUMEN_SEV_INFO, "left room %" PRIu64 " (%s)", r->id, reason);
	p->type = ROOMS_P_NONE;
	rooms_room_update_mode(r);
}
