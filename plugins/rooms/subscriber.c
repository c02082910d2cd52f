/* rooms/subscriber.c -- a subscriber handle: its streams (one m-line each, fed from a published
 * track), the offers it gets as they change, and its requests (start, pause, subscribe,
 * unsubscribe, update, switch, configure, leave).
 *
 * Renegotiation: the server offers, the client answers with "start". While an offer is out, a
 * change only marks the subscriber (reoffer) and the next offer goes when the answer arrives, so
 * there is never more than one offer in flight (JSEP forbids overlapping offers). An ended
 * stream keeps its m-line (inactive) and the slot is reused by the next stream of its kind. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rooms.h"

static const char *kind_name(enum lumen_media_kind k)
{
	return k == LUMEN_MEDIA_AUDIO ? "audio" : k == LUMEN_MEDIA_VIDEO ? "video" : "data";
}

static uint32_t random_ssrc(void)
{
	uint32_t v;

	do
		v = g_random_int();
	while (v == 0);
	return v;
}

json_t *rooms_sub_streams_json(const struct rooms_participant *p)
{
	json_t *a = json_array();

	for (unsigned i = 0; p->streams && i < p->streams->len; i++) {
		const struct rooms_stream *s = p->streams->pdata[i];
		json_t *j = json_pack("{s:i,s:s,s:s,s:b}", "mindex", (int)s->mindex, "mid", s->mid,
				      "type", kind_name(s->kind), "active", s->track != NULL);
		if (s->track) {
			char codec[16];
			g_strlcpy(codec, s->codec.name, sizeof(codec));
			for (char *c = codec; *c; c++)
				*c = g_ascii_tolower(*c);
			json_object_set_new(j, "feed_id", json_integer((json_int_t)s->feed_id));
			json_object_set_new(j, "feed_mid", json_string(s->feed_mid));
			if (s->feed_display)
				json_object_set_new(j, "feed_display", json_string(s->feed_display));
			json_object_set_new(j, "codec", json_string(codec));
			json_object_set_new(j, "send", json_boolean(s->send));
			if (s->kind == LUMEN_MEDIA_VIDEO && s->track->d.n_layers > 1) {
				json_object_set_new(j, "substream",
						    json_integer(rooms_layer_current(&s->sel)));
				json_object_set_new(j, "switches",
						    json_integer((json_int_t)s->sel.switches));
			}
		}
		json_array_append_new(a, j);
	}
	return a;
}

/* Builds and sends an offer describing p's streams, with the event `what` ("attached" or
 * "updated"). Returns 0 or -EINVAL (then an error event went out instead). */
/* The offer's view of p's streams (os has p->streams->len entries). */
static void fill_offer_streams(const struct rooms_participant *p, struct rooms_offer_stream *os)
{
	for (unsigned i = 0; i < p->streams->len; i++) {
		const struct rooms_stream *s = p->streams->pdata[i];
		g_strlcpy(os[i].mid, s->mid, sizeof(os[i].mid));
		os[i].kind = s->kind;
		os[i].active = s->track != NULL;
		os[i].codec = s->codec;
		os[i].ssrc = s->ssrc;
		snprintf(os[i].msid_stream, sizeof(os[i].msid_stream), "feed%" PRIu64, s->feed_id);
		snprintf(os[i].msid_track, sizeof(os[i].msid_track), "%s-%" PRIu64 "-%s",
			 kind_name(s->kind), s->feed_id, s->feed_mid);
		snprintf(os[i].cname, sizeof(os[i].cname), "lumen%" PRIu64, s->feed_id);
	}
}

static int send_offer(struct rooms_participant *p, const char *tr, const char *what)
{
	unsigned n = p->streams->len;
	struct rooms_offer_stream *os = g_new0(struct rooms_offer_stream, n ? n : 1);
	char *sdp, *why = NULL;
	json_t *ev;

	fill_offer_streams(p, os);
	sdp = rooms_sdp_offer_subscriber(os, n, &why);
	if (!sdp) {
		g_free(os);
		ev = rooms_event(p->room);
		json_object_set_new(ev, "error_code", json_integer(ROOMS_ERR_UNKNOWN));
		json_object_set_new(ev, "error", json_string(why ? why : "cannot build the offer"));
		rooms_push(p, tr, ev, NULL);
		free(why);
		return -EINVAL;
	}
	g_free(p->offered); /* what the answer to this offer is checked against (req_start) */
	p->offered = os;
	p->n_offered = n;
	ev = json_pack("{s:s,s:I,s:o}", "videoroom", what, "room", (json_int_t)p->room->id,
		       "streams", rooms_sub_streams_json(p));
	p->offer_out = true;
	p->reoffer = false;
	rooms_push(p, tr, ev, json_pack("{s:s,s:s}", "type", "offer", "sdp", sdp));
	free(sdp);
	return 0;
}

/* Streams changed: offer again now, or after the pending answer. */
static void renegotiate(struct rooms_participant *p)
{
	if (!p->room)
		return;
	if (p->offer_out)
		p->reoffer = true;
	else
		send_offer(p, NULL, "updated");
}

/* Adds a stream of track t to p, reusing an ended m-line of the same kind. */
static struct rooms_stream *add_stream(struct rooms_participant *p, struct rooms_track *t)
{
	struct rooms_stream *s = NULL;

	for (unsigned i = 0; i < p->streams->len && !s; i++) {
		struct rooms_stream *o = p->streams->pdata[i];
		if (!o->track && o->kind == t->d.kind)
			s = o;
	}
	if (!s) {
		if (p->streams->len >= 64)
			return NULL;
		s = g_new0(struct rooms_stream, 1);
		s->sub = p;
		s->mindex = p->streams->len;
		snprintf(s->mid, sizeof(s->mid), "%u", p->next_mid++);
		g_ptr_array_add(p->streams, s);
	}
	s->track = t;
	s->kind = t->d.kind;
	s->codec = t->d.codec;
	s->codec.rtx_pt = -1;
	s->feed_id = t->pub->id;
	g_strlcpy(s->feed_mid, t->d.mid, sizeof(s->feed_mid));
	g_free(s->feed_display);
	s->feed_display = g_strdup(t->pub->display);
	s->ssrc = random_ssrc();
	s->send = true;
	rooms_layer_init(&s->sel, s->ssrc, t->d.codec.clock,
			 t->d.n_layers ? t->d.n_layers : 1,
			 g_ascii_strcasecmp(t->d.codec.name, "VP8") == 0 ? ROOMS_CODEC_VP8
			 : g_ascii_strcasecmp(t->d.codec.name, "VP9") == 0 ? ROOMS_CODEC_VP9
			 : ROOMS_CODEC_OTHER);
	g_ptr_array_add(t->streams, s);
	return s;
}

static void end_stream(struct rooms_stream *s)
{
	if (s->track)
		g_ptr_array_remove(s->track->streams, s);
	s->track = NULL;
}

static bool own_feed(const struct rooms_participant *p, const struct rooms_participant *pub)
{
	return p->owner_private_id && pub->private_id == p->owner_private_id;
}

static bool subscribed(const struct rooms_participant *p, const struct rooms_track *t)
{
	for (unsigned i = 0; i < p->streams->len; i++)
		if (((struct rooms_stream *)p->streams->pdata[i])->track == t)
			return true;
	return false;
}

/* Subscribes p to {feed, mid?} entries. Returns 0 or a ROOMS_ERR_* with *why. */
static int add_entries(struct rooms_participant *p, const json_t *list, bool *changed, char **why)
{
	size_t i;
	json_t *e;

	if (!json_is_array(list)) {
		*why = g_strdup("Invalid element (streams must be an array)");
		return ROOMS_ERR_INVALID_ELEMENT;
	}
	json_array_foreach(list, i, e)
	{
		uint64_t feed;
		const char *mid = json_string_value(json_object_get(e, "mid"));
		struct rooms_participant *pub;
		bool any = false;

		if (!json_is_object(e) || rooms_json_id(json_object_get(e, "feed"), &feed) < 0) {
			*why = g_strdup_printf("Invalid element (streams[%zu].feed)", i);
			return ROOMS_ERR_INVALID_ELEMENT;
		}
		pub = rooms_room_member(p->room, feed);
		if (!pub || !pub->published) {
			*why = g_strdup_printf("No such feed (%" PRIu64 ")", feed);
			return ROOMS_ERR_NO_SUCH_FEED;
		}
		for (unsigned t = 0; t < pub->n_tracks; t++) {
			struct rooms_track *tr = pub->tracks[t];
			if (mid && strcmp(mid, tr->d.mid) != 0)
				continue;
			any = true;
			if (subscribed(p, tr))
				continue;
			if (!add_stream(p, tr)) {
				*why = g_strdup("Too many streams for one subscriber (64)");
				return ROOMS_ERR_INVALID_ELEMENT;
			}
			*changed = true;
		}
		if (!any) {
			*why = g_strdup_printf("No such stream (feed %" PRIu64 " mid %s)", feed,
					       mid ? mid : "any");
			return ROOMS_ERR_NO_SUCH_FEED;
		}
	}
	return 0;
}

/* Follow-all: everything published in the room but p's own. */
static bool add_everyone(struct rooms_participant *p)
{
	bool changed = false;

	for (unsigned i = 0; i < p->room->members->len; i++) {
		struct rooms_participant *pub = p->room->members->pdata[i];
		if (!pub->published || own_feed(p, pub))
			continue;
		for (unsigned t = 0; t < pub->n_tracks; t++)
			if (!subscribed(p, pub->tracks[t]) && add_stream(p, pub->tracks[t]))
				changed = true;
	}
	return changed;
}

struct lumen_msg_result rooms_sub_join(struct rooms_participant *p, const char *tr,
				       const json_t *body)
{
	uint64_t rid, owner = 0;
	struct rooms_room *r;
	const json_t *streams = json_object_get(body, "streams");
	const json_t *autov = json_object_get(body, "auto");
	const char *pin = json_string_value(json_object_get(body, "pin"));
	char *why = NULL;
	bool changed = false;
	int rc;

	if (!json_object_get(body, "room"))
		return rooms_error(ROOMS_ERR_MISSING_ELEMENT, "Missing element (room)");
	if (rooms_json_id(json_object_get(body, "room"), &rid) < 0)
		return rooms_error(ROOMS_ERR_INVALID_ELEMENT, "Invalid element (room)");
	if (!(r = rooms_room_find(rid)))
		return rooms_error(ROOMS_ERR_NO_SUCH_ROOM, "No such room (%" PRIu64 ")", rid);
	if (r->pin && (!pin || strcmp(pin, r->pin) != 0))
		return rooms_error(ROOMS_ERR_UNAUTHORIZED, "Unauthorized (wrong pin)");
	if (!rooms_token_room_ok(p, r))
		return rooms_error(ROOMS_ERR_UNAUTHORIZED,
				   "Unauthorized (the join token is for room %s)", p->token_room);
	if (autov && !json_is_boolean(autov))
		return rooms_error(ROOMS_ERR_INVALID_ELEMENT, "Invalid element (auto: boolean)");
	if (json_object_get(body, "private_id") &&
	    rooms_json_id(json_object_get(body, "private_id"), &owner) < 0)
		return rooms_error(ROOMS_ERR_INVALID_ELEMENT, "Invalid element (private_id)");
	/* Old-style single feed: {"feed": ID}. */
	json_t *single = NULL;
	if (!streams && json_object_get(body, "feed")) {
		single = json_pack("[{s:O}]", "feed", json_object_get(body, "feed"));
		streams = single;
	}
	p->type = ROOMS_P_SUBSCRIBER;
	p->role = ROOMS_ROLE_SUBSCRIBER;
	p->room = r;
	p->owner_private_id = owner;
	p->id = rooms_random_id();
	p->streams = g_ptr_array_new();
	p->follow_all = autov ? json_is_true(autov) : !streams;
	if (streams && (rc = add_entries(p, streams, &changed, &why)) != 0) {
		struct lumen_msg_result res = rooms_error(rc, "%s", why);
		g_free(why);
		json_decref(single);
		rooms_sub_free_streams(p);
		p->type = ROOMS_P_NONE;
		p->room = NULL;
		return res;
	}
	json_decref(single);
	if (p->follow_all)
		add_everyone(p);
	g_ptr_array_add(r->subscribers, p);
	rooms_room_place_all(r); /* p, and all the others when an sfu room crosses the threshold */
	if (p->streams->len == 0) {
		/* Nothing to receive yet (follow-all in an empty room): the offer comes as
		 * "updated" when someone publishes. */
		json_t *ev = json_pack("{s:s,s:I,s:o}", "videoroom", "attached", "room",
				       (json_int_t)r->id, "streams", json_array());
		rooms_push(p, tr, ev, NULL);
		return rooms_async();
	}
	send_offer(p, tr, "attached");
	return rooms_async();
}

void rooms_sub_feed_published(struct rooms_participant *pub)
{
	struct rooms_room *r = pub->room;

	for (unsigned i = 0; r && i < r->subscribers->len; i++) {
		struct rooms_participant *p = r->subscribers->pdata[i];
		if (!p->follow_all || own_feed(p, pub))
			continue;
		bool changed = false;
		for (unsigned t = 0; t < pub->n_tracks; t++)
			if (!subscribed(p, pub->tracks[t]) && add_stream(p, pub->tracks[t]))
				changed = true;
		if (changed)
			renegotiate(p);
	}
}

void rooms_sub_track_gone(struct rooms_track *t)
{
	/* Each subscriber once, even with several streams of this track. */
	while (t->streams->len) {
		struct rooms_stream *s = t->streams->pdata[0];
		struct rooms_participant *p = s->sub;
		end_stream(s);
		renegotiate(p);
	}
}

void rooms_sub_free_streams(struct rooms_participant *p)
{
	if (!p->streams)
		return;
	for (unsigned i = 0; i < p->streams->len; i++) {
		struct rooms_stream *s = p->streams->pdata[i];
		end_stream(s);
		g_free(s->feed_display);
		g_free(s);
	}
	g_ptr_array_free(p->streams, TRUE);
	p->streams = NULL;
	g_free(p->offered);
	p->offered = NULL;
	p->n_offered = 0;
}

void rooms_sub_leave(struct rooms_participant *p)
{
	if (p->room)
		g_ptr_array_remove(p->room->subscribers, p);
	rooms_room_unplace(p);
	rooms_sub_free_streams(p);
	p->room = NULL;
	p->type = ROOMS_P_NONE;
}

static struct rooms_stream *stream_by_mid(struct rooms_participant *p, const char *mid)
{
	for (unsigned i = 0; mid && i < p->streams->len; i++) {
		struct rooms_stream *s = p->streams->pdata[i];
		if (strcmp(s->mid, mid) == 0)
			return s;
	}
	return NULL;
}

static void request_keyframes(struct rooms_participant *p)
{
	int64_t now = g_get_monotonic_time();

	for (unsigned i = 0; i < p->streams->len; i++) {
		struct rooms_stream *s = p->streams->pdata[i];
		if (s->track && s->kind == LUMEN_MEDIA_VIDEO)
			rooms_fwd_pli(s->track, now);
	}
}

void rooms_sub_pc_up(struct rooms_participant *p)
{
	p->pc_up = true;
	if (p->started && !p->paused)
		request_keyframes(p);
}

static struct lumen_msg_result req_start(struct rooms_participant *p, const char *tr,
					 const json_t *jsep)
{
	if (jsep) {
		const char *type = json_string_value(json_object_get(jsep, "type"));
		if (!type || strcmp(type, "answer") != 0)
			return rooms_error(ROOMS_ERR_INVALID_SDP_TYPE,
					   "A subscriber answers our offer (got %s)",
					   type ? type : "no type");
		/* The core applied it to the peer connection already (plugin.h, Signalling);
		 * what is left to check is that it took every stream we offered: those of the
		 * offer it answers, not p's streams now, which may have changed meanwhile. */
		const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
		char *why = NULL;
		int rc = p->n_offered ? rooms_sdp_check_answer_streams(sdp, p->offered,
									p->n_offered, &why)
				      : 0;
		if (rc < 0) {
			p->offer_out = false; /* the next change offers afresh */
			struct lumen_msg_result res =
			    rooms_error(ROOMS_ERR_INVALID_SDP, "Unusable answer: %s", why ? why : "?");
			free(why);
			return res;
		}
		p->offer_out = false;
		p->started = true;
	}
	p->paused = false;
	json_t *ev = rooms_event(p->room);
	json_object_set_new(ev, "started", json_string("ok"));
	rooms_push(p, tr, ev, NULL);
	/* Fresh receivers need a keyframe to show anything: now if the pc is up (a renegotiation,
	 * a resume), else once it is (rooms_sub_pc_up), not to a pc that cannot receive it. */
	if (p->pc_up)
		request_keyframes(p);
	if (p->reoffer)
		send_offer(p, NULL, "updated");
	return rooms_async();
}

/* Undoes what add_entries did before it failed, so that a refused request changes nothing: the
 * streams it appended go, the ended m-lines it reused end again. Kept, they stayed subscribed
 * without an offer and went out with the next one, unasked. held[i]: stream i's track before. */
static void undo_entries(struct rooms_participant *p, unsigned len, unsigned next_mid,
			 struct rooms_track *const *held)
{
	while (p->streams->len > len) {
		struct rooms_stream *s = g_ptr_array_steal_index(p->streams, p->streams->len - 1);
		end_stream(s);
		g_free(s->feed_display);
		g_free(s);
	}
	p->next_mid = next_mid;
	for (unsigned i = 0; i < len; i++) {
		struct rooms_stream *s = p->streams->pdata[i];
		if (s->track != held[i])
			end_stream(s); /* only an ended m-line is reused: it was NULL */
	}
}

static struct lumen_msg_result req_update(struct rooms_participant *p, const char *tr,
					  const json_t *add, const json_t *remove)
{
	bool changed = false;
	char *why = NULL;
	size_t i;
	json_t *e;
	int rc;

	if (remove && !json_is_array(remove))
		return rooms_error(ROOMS_ERR_INVALID_ELEMENT, "Invalid element (unsubscribe)");
	if (add) {
		unsigned len = p->streams->len, next_mid = p->next_mid;
		struct rooms_track **held = g_new0(struct rooms_track *, len ? len : 1);

		for (unsigned k = 0; k < len; k++)
			held[k] = ((struct rooms_stream *)p->streams->pdata[k])->track;
		rc = add_entries(p, add, &changed, &why);
		if (rc != 0)
			undo_entries(p, len, next_mid, held);
		g_free(held);
		if (rc != 0) {
			struct lumen_msg_result res = rooms_error(rc, "%s", why);
			g_free(why);
			return res;
		}
	}
	json_array_foreach(remove, i, e)
	{
		const char *sub_mid = json_string_value(json_object_get(e, "sub_mid"));
		const char *mid = json_string_value(json_object_get(e, "mid"));
		uint64_t feed = 0;
		bool has_feed = rooms_json_id(json_object_get(e, "feed"), &feed) == 0;

		for (unsigned k = 0; k < p->streams->len; k++) {
			struct rooms_stream *s = p->streams->pdata[k];
			if (!s->track)
				continue;
			if ((sub_mid && strcmp(sub_mid, s->mid) == 0) ||
			    (!sub_mid && has_feed && s->feed_id == feed &&
			     (!mid || strcmp(mid, s->feed_mid) == 0))) {
				end_stream(s);
				changed = true;
			}
		}
		/* Unsubscribing explicitly ends following everyone. */
		p->follow_all = false;
	}
	if (!changed) {
		json_t *ev = json_pack("{s:s,s:I,s:o}", "videoroom", "updated", "room",
				       (json_int_t)p->room->id, "streams",
				       rooms_sub_streams_json(p));
		rooms_push(p, tr, ev, NULL);
		return rooms_async();
	}
	if (p->offer_out)
		p->reoffer = true;
	else
		send_offer(p, tr, "updated");
	return rooms_async();
}

static struct lumen_msg_result req_configure(struct rooms_participant *p, const char *tr,
					     const json_t *body)
{
	const json_t *streams = json_object_get(body, "streams");
	size_t i;
	json_t *e;

	if (streams && !json_is_array(streams))
		return rooms_error(ROOMS_ERR_INVALID_ELEMENT, "Invalid element (streams)");
	json_t *all = NULL;
	if (!streams) { /* top-level substream/temporal/send apply to every stream */
		all = json_array();
		for (unsigned k = 0; k < p->streams->len; k++) {
			json_t *o = json_deep_copy(body);
			json_object_set_new(o, "mid", json_string(((struct rooms_stream *)
								       p->streams->pdata[k])
								      ->mid));
			json_array_append_new(all, o);
		}
		streams = all;
	}
	/* Every element is checked before any is applied: a refused request changes nothing. */
	for (int apply = 0; apply < 2; apply++) {
		json_array_foreach(streams, i, e)
		{
			struct rooms_stream *s =
			    stream_by_mid(p, json_string_value(json_object_get(e, "mid")));
			const json_t *sub = json_object_get(e, "substream");
			const json_t *tem = json_object_get(e, "temporal");
			const json_t *send = json_object_get(e, "send");

			if (!s) {
				json_decref(all);
				return rooms_error(ROOMS_ERR_INVALID_ELEMENT,
						   "Invalid element (streams[%zu].mid)", i);
			}
			if ((sub && (!json_is_integer(sub) || json_integer_value(sub) < -1 ||
				     json_integer_value(sub) > 2)) ||
			    (tem && (!json_is_integer(tem) || json_integer_value(tem) < -1 ||
				     json_integer_value(tem) > 2)) ||
			    (send && !json_is_boolean(send))) {
				json_decref(all);
				return rooms_error(
				    ROOMS_ERR_INVALID_ELEMENT,
				    "Invalid element (substream/temporal 0..2, send bool)");
			}
			if (!apply)
				continue;
			if (sub || tem)
				rooms_layer_request(
				    &s->sel, sub ? (int)json_integer_value(sub) : s->sel.want_layer,
				    tem ? (int)json_integer_value(tem) : s->sel.want_temporal);
			if (send)
				s->send = json_is_true(send);
			if (s->track && s->kind == LUMEN_MEDIA_VIDEO && sub)
				rooms_fwd_pli(s->track, g_get_monotonic_time());
		}
	}
	json_decref(all);
	json_t *ev = rooms_event(p->room);
	json_object_set_new(ev, "configured", json_string("ok"));
	rooms_push(p, tr, ev, NULL);
	return rooms_async();
}

static struct lumen_msg_result req_switch(struct rooms_participant *p, const char *tr,
					  const json_t *body)
{
	const json_t *streams = json_object_get(body, "streams");
	size_t i;
	json_t *e;

	if (!json_is_array(streams))
		return rooms_error(ROOMS_ERR_MISSING_ELEMENT, "Missing element (streams)");
	/* Every element is checked before any is switched: a refused request switches nothing
	 * (it used to switch the elements before the bad one and say only the error). */
	for (int apply = 0; apply < 2; apply++) {
		json_array_foreach(streams, i, e)
		{
			struct rooms_stream *s =
			    stream_by_mid(p, json_string_value(json_object_get(e, "sub_mid")));
			const char *mid = json_string_value(json_object_get(e, "mid"));
			uint64_t feed;
			struct rooms_participant *pub;
			struct rooms_track *t = NULL;

			if (!s || !mid || rooms_json_id(json_object_get(e, "feed"), &feed) < 0)
				return rooms_error(
				    ROOMS_ERR_INVALID_ELEMENT,
				    "Invalid element (streams[%zu]: feed, mid, sub_mid)", i);
			pub = rooms_room_member(p->room, feed);
			for (unsigned k = 0; pub && k < pub->n_tracks; k++)
				if (strcmp(pub->tracks[k]->d.mid, mid) == 0)
					t = pub->tracks[k];
			if (!t)
				return rooms_error(ROOMS_ERR_NO_SUCH_FEED,
						   "No such stream (feed %" PRIu64 " mid %s)", feed,
						   mid);
			if (t->d.kind != s->kind || t->d.codec.pt != s->codec.pt ||
			    g_ascii_strcasecmp(t->d.codec.name, s->codec.name) != 0)
				return rooms_error(
				    ROOMS_ERR_INVALID_ELEMENT,
				    "Can't switch %s to a stream of another kind or codec (use update)",
				    s->mid);
			if (!apply)
				continue;
			/* Same m-line, same outgoing SSRC: the layer selector's continuity rewrite
			 * makes the new source look like the old stream continuing. */
			end_stream(s);
			s->track = t;
			rooms_layer_retarget(&s->sel, t->d.n_layers ? t->d.n_layers : 1);
			s->feed_id = pub->id;
			g_strlcpy(s->feed_mid, t->d.mid, sizeof(s->feed_mid));
			g_free(s->feed_display);
			s->feed_display = g_strdup(pub->display);
			g_ptr_array_add(t->streams, s);
			if (s->kind == LUMEN_MEDIA_VIDEO)
				rooms_fwd_pli(t, g_get_monotonic_time());
		}
	}
	json_t *ev = rooms_event(p->room);
	json_object_set_new(ev, "switched", json_string("ok"));
	json_object_set_new(ev, "streams", rooms_sub_streams_json(p));
	rooms_push(p, tr, ev, NULL);
	return rooms_async();
}

struct lumen_msg_result rooms_sub_request(struct rooms_participant *p, const char *request,
					  const char *tr, const json_t *body, const json_t *jsep)
{
	if (!p->room)
		return rooms_error(ROOMS_ERR_NO_SUCH_ROOM, "The room is gone");
	if (strcmp(request, "start") == 0)
		return req_start(p, tr, jsep);
	if (strcmp(request, "pause") == 0) {
		p->paused = true;
		json_t *ev = rooms_event(p->room);
		json_object_set_new(ev, "paused", json_string("ok"));
		rooms_push(p, tr, ev, NULL);
		return rooms_async();
	}
	if (strcmp(request, "subscribe") == 0)
		return req_update(p, tr, json_object_get(body, "streams"), NULL);
	if (strcmp(request, "unsubscribe") == 0)
		return req_update(p, tr, NULL, json_object_get(body, "streams"));
	if (strcmp(request, "update") == 0)
		return req_update(p, tr, json_object_get(body, "subscribe"),
				  json_object_get(body, "unsubscribe"));
	if (strcmp(request, "configure") == 0)
		return req_configure(p, tr, body);
	if (strcmp(request, "switch") == 0)
		return req_switch(p, tr, body);
	if (strcmp(request, "leave") == 0) {
		struct rooms_room *r = p->room;
		rooms_sub_leave(p);
		json_t *ev = rooms_event(r);
		json_object_set_new(ev, "left", json_string("ok"));
		rooms_push(p, tr, ev, NULL);
		rooms_core->close_pc(p->h, "left");
		return rooms_async();
	}
	return rooms_error(ROOMS_ERR_INVALID_REQUEST, "Unknown request '%s' for a subscriber",
			   request);
}
