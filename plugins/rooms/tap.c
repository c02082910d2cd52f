/* rooms/tap.c -- the "rooms.tap" service (include/lumen/rooms_tap.h): plugins without a peer
 * connection (the recorder) follow a room's participants, tracks, RTP, sender reports and data,
 * and the rooms engine's side of recording control (the `record` option, `enable_recording`,
 * the moderator's `recording` request and POST /admin/v1/rooms/{id}/recording), which it hands
 * to the "recorder.control" service when one is loaded.
 *
 * A tap sees a track's packets as the publisher sent them, before any subscriber's rewrite. A
 * simulcast track is tapped on one layer, the best one seen so far: recordings want the best
 * quality and no layer switching (every switch would need a keyframe and a seam). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "rooms.h"

struct tap {
	const struct lumen_tap_sink *sink;
	void *arg;
};

static const struct lumen_recorder_control *recorder(void)
{
	if (!rooms_core || !rooms_core->service_lookup)
		return NULL;
	return rooms_core->service_lookup(LUMEN_RECORDER_CONTROL_SERVICE,
					  LUMEN_RECORDER_CONTROL_VERSION);
}

static void tap_track_desc(const struct rooms_track *t, struct lumen_tap_track *out)
{
	*out = (struct lumen_tap_track){
		.key = t->tap_key,
		.participant = t->pub ? t->pub->id : 0,
		.mid = t->d.mid,
		.kind = t->d.kind,
		.codec = t->d.codec.name,
		.pt = (uint8_t)t->d.codec.pt,
		.clock_rate = t->d.codec.clock,
		.channels = t->d.codec.channels,
		.fmtp = t->d.codec.fmtp,
		.simulcast = t->d.n_layers > 1,
	};
}

/* ---- notifications from the engine ---- */

void rooms_tap_participant(struct rooms_room *r, const struct rooms_participant *p, bool joined)
{
	for (unsigned i = 0; r->taps && i < r->taps->len; i++) {
		struct tap *t = &g_array_index(r->taps, struct tap, i);
		if (t->sink->participant)
			t->sink->participant(t->arg, p->id, p->display, joined);
	}
}

void rooms_tap_track(struct rooms_room *r, struct rooms_track *tr, bool added)
{
	struct lumen_tap_track d;

	if (added && !tr->tap_key) {
		static uint64_t next_key;
		tr->tap_key = ++next_key;
		tr->tap_layer = -1;
	}
	tap_track_desc(tr, &d);
	for (unsigned i = 0; r->taps && i < r->taps->len; i++) {
		struct tap *t = &g_array_index(r->taps, struct tap, i);
		if (added && t->sink->track_added)
			t->sink->track_added(t->arg, &d);
		else if (!added && t->sink->track_removed)
			t->sink->track_removed(t->arg, tr->tap_key);
	}
}

void rooms_tap_rtp(struct rooms_room *r, struct rooms_track *tr, int layer,
		   const struct lumen_rtp_packet *pkt)
{
	if (!r->taps || !r->taps->len)
		return;
	/* Layers are ordered lowest first: move up once a better one shows, never down. */
	if (layer > tr->tap_layer)
		tr->tap_layer = layer;
	if (layer != tr->tap_layer)
		return;
	tr->tap_ssrc = pkt->ssrc;
	for (unsigned i = 0; i < r->taps->len; i++) {
		struct tap *t = &g_array_index(r->taps, struct tap, i);
		if (t->sink->rtp)
			t->sink->rtp(t->arg, tr->tap_key, pkt);
	}
}

/* A publisher's compound RTCP: each sender report of a tapped SSRC goes to the taps. */
void rooms_tap_rtcp(struct rooms_participant *p, const uint8_t *buf, size_t len, int64_t now_us)
{
	struct rooms_room *r = p->room;
	size_t off = 0;

	if (!r || !r->taps || !r->taps->len || !p->published)
		return;
	while (off + 8 <= len) {
		size_t plen = ((size_t)(buf[off + 2] << 8 | buf[off + 3]) + 1) * 4;
		if (plen > len - off)
			break;
		if (buf[off + 1] == 200 && plen >= 28) {
			uint32_t ssrc = (uint32_t)buf[off + 4] << 24 | (uint32_t)buf[off + 5] << 16 |
					(uint32_t)buf[off + 6] << 8 | buf[off + 7];
			for (unsigned k = 0; k < p->n_tracks; k++) {
				struct rooms_track *tr = p->tracks[k];
				if (!tr->tap_ssrc || tr->tap_ssrc != ssrc)
					continue;
				for (unsigned i = 0; i < r->taps->len; i++) {
					struct tap *t = &g_array_index(r->taps, struct tap, i);
					if (t->sink->sender_report)
						t->sink->sender_report(t->arg, tr->tap_key,
								       buf + off, plen, now_us);
				}
			}
		}
		off += plen;
	}
}

void rooms_tap_data(struct rooms_participant *p, const struct lumen_data_message *msg)
{
	struct rooms_room *r = p->room;

	if (!r || !r->taps || p->type != ROOMS_P_PUBLISHER)
		return;
	for (unsigned i = 0; i < r->taps->len; i++) {
		struct tap *t = &g_array_index(r->taps, struct tap, i);
		if (t->sink->data)
			t->sink->data(t->arg, p->id, msg, g_get_monotonic_time());
	}
}

void rooms_tap_room_gone(struct rooms_room *r)
{
	if (!r->taps)
		return;
	/* Sinks may not detach from here: take the array first. */
	GArray *taps = r->taps;
	r->taps = NULL;
	for (unsigned i = 0; i < taps->len; i++) {
		struct tap *t = &g_array_index(taps, struct tap, i);
		if (t->sink->room_gone)
			t->sink->room_gone(t->arg);
	}
	g_array_free(taps, TRUE);
}

/* ---- the service ---- */

static int tap_attach(uint64_t room, const struct lumen_tap_sink *sink, void *arg)
{
	struct rooms_room *r = rooms_room_find(room);

	if (!r || r->destroyed)
		return -ENOENT;
	if (!sink)
		return -EINVAL;
	if (!r->taps)
		r->taps = g_array_new(FALSE, FALSE, sizeof(struct tap));
	for (unsigned i = 0; i < r->taps->len; i++)
		if (g_array_index(r->taps, struct tap, i).arg == arg)
			return -EEXIST;
	struct tap t = { sink, arg };
	g_array_append_val(r->taps, t);
	/* Tell the newcomer what is there already. */
	for (unsigned i = 0; i < r->members->len; i++) {
		struct rooms_participant *p = r->members->pdata[i];
		if (sink->participant)
			sink->participant(arg, p->id, p->display, true);
		for (unsigned k = 0; p->published && k < p->n_tracks; k++) {
			struct lumen_tap_track d;
			tap_track_desc(p->tracks[k], &d);
			if (sink->track_added)
				sink->track_added(arg, &d);
		}
	}
	/* A new tap needs a keyframe to start its video from. */
	int64_t now = g_get_monotonic_time();
	for (unsigned i = 0; i < r->members->len; i++) {
		struct rooms_participant *p = r->members->pdata[i];
		for (unsigned k = 0; p->published && k < p->n_tracks; k++)
			rooms_fwd_pli(p->tracks[k], now);
	}
	return 0;
}

static int tap_detach(uint64_t room, void *arg)
{
	struct rooms_room *r = rooms_room_find(room);

	for (unsigned i = 0; r && r->taps && i < r->taps->len; i++)
		if (g_array_index(r->taps, struct tap, i).arg == arg) {
			g_array_remove_index(r->taps, i);
			return 0;
		}
	return -ENOENT;
}

static int tap_notify(uint64_t room, json_t *data)
{
	struct rooms_room *r = rooms_room_find(room);

	if (!r) {
		json_decref(data);
		return -ENOENT;
	}
	json_t *ev = rooms_event(r);
	json_object_update(ev, data);
	json_decref(data);
	for (unsigned i = 0; i < r->subscribers->len; i++)
		rooms_push(r->subscribers->pdata[i], NULL, json_deep_copy(ev), NULL);
	rooms_room_notify(r, NULL, ev);
	return 0;
}

static const char *tap_describe(uint64_t room)
{
	struct rooms_room *r = rooms_room_find(room);

	return r ? r->description : NULL;
}

static bool tap_wants_recording(uint64_t room)
{
	struct rooms_room *r = rooms_room_find(room);

	return r && r->record;
}

static const struct lumen_rooms_tap tap_service = {
	.attach = tap_attach,
	.detach = tap_detach,
	.notify = tap_notify,
	.describe = tap_describe,
	.wants_recording = tap_wants_recording,
};

int rooms_tap_register(void)
{
	if (!rooms_core->service_register)
		return -ENOTSUP;
	return rooms_core->service_register(LUMEN_ROOMS_TAP_SERVICE, LUMEN_ROOMS_TAP_VERSION,
					    &tap_service);
}

/* ---- recording control ---- */

int rooms_record_control(struct rooms_room *r, const char *action, const json_t *args,
			 json_t **reply, char **why)
{
	const struct lumen_recorder_control *rc = recorder();

	*reply = NULL;
	*why = NULL;
	if (!rc) {
		*why = g_strdup("recording is not available: the recorder plugin is not loaded");
		return -ENOTSUP;
	}
	char *err = NULL;
	int ret = rc->control(r->id, action, args, reply, &err);
	if (ret < 0) {
		*why = g_strdup(err ? err : strerror(-ret));
		free(err);
	}
	return ret;
}

json_t *rooms_record_status(const struct rooms_room *r)
{
	const struct lumen_recorder_control *rc = recorder();

	return rc ? rc->status(r->id) : NULL;
}

void rooms_record_autostart(struct rooms_room *r)
{
	const struct lumen_recorder_control *rc = recorder();
	json_t *st, *reply = NULL;
	char *err = NULL;

	if (!r->record || !rc)
		return;
	st = rc->status(r->id);
	bool active = st && json_is_string(json_object_get(st, "recording"));
	json_decref(st);
	if (active)
		return;
	if (rc->control(r->id, "start", NULL, &reply, &err) < 0)
		rooms_core->log(NULL, LUMEN_SEV_WARN, "room %" PRIu64 ": recording not started: %s",
				r->id, err ? err : "?");
	free(err);
	json_decref(reply);
}
