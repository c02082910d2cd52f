/* api/notify.c -- events that start in the WebRTC engine (webrtcup, media, slowlink, trickle,
 * hangup): each becomes the Janus event its client expects, and the plugin hears of it through
 * its callback. The engine (issue 4) calls these on the control thread; until it lands they are
 * exercised by the unit tests only. */
#include <errno.h>

#include "api/api_internal.h"
#include "log.h"

static const char *kind_name(enum lumen_media_kind kind)
{
	switch (kind) {
	case LUMEN_MEDIA_AUDIO:
		return "audio";
	case LUMEN_MEDIA_VIDEO:
		return "video";
	default:
		return "data";
	}
}

static struct lumen_handle *find(struct lumen_api *api, uint64_t id)
{
	struct lumen_handle *h = api ? g_hash_table_lookup(api->handles, &id) : NULL;

	return (h && !h->detaching) ? h : NULL;
}

static json_t *event_new(struct lumen_handle *h, const char *kind)
{
	return json_pack("{s:s, s:I}", "janus", kind, "sender", (json_int_t)h->id);
}

int lumen_api_notify_webrtcup(struct lumen_api *api, uint64_t handle_id)
{
	struct lumen_handle *h = find(api, handle_id);

	if (h == NULL)
		return -ENOENT;
	api_session_emit(h->session, event_new(h, "webrtcup"));
	if (h->plugin->setup_media)
		h->plugin->setup_media(h, h->state);
	return 0;
}

int lumen_api_notify_media(struct lumen_api *api, uint64_t handle_id, const char *mid,
			   enum lumen_media_kind kind, bool receiving)
{
	struct lumen_handle *h = find(api, handle_id);
	json_t *ev;

	if (h == NULL)
		return -ENOENT;
	ev = event_new(h, "media");
	json_object_set_new(ev, "type", json_string(kind_name(kind)));
	if (mid)
		json_object_set_new(ev, "mid", json_string(mid));
	json_object_set_new(ev, "receiving", json_boolean(receiving));
	api_session_emit(h->session, ev);
	if (h->plugin->media_state)
		h->plugin->media_state(h, h->state, mid, kind, receiving);
	return 0;
}

int lumen_api_notify_slowlink(struct lumen_api *api, uint64_t handle_id, const char *mid,
			      enum lumen_media_kind kind, bool uplink, uint32_t lost)
{
	struct lumen_handle *h = find(api, handle_id);
	json_t *ev;

	if (h == NULL)
		return -ENOENT;
	ev = event_new(h, "slowlink");
	if (mid)
		json_object_set_new(ev, "mid", json_string(mid));
	json_object_set_new(ev, "media", json_string(kind_name(kind)));
	json_object_set_new(ev, "uplink", json_boolean(uplink));
	json_object_set_new(ev, "lost", json_integer(lost));
	api_session_emit(h->session, ev);
	return 0;
}

int lumen_api_notify_trickle(struct lumen_api *api, uint64_t handle_id, json_t *candidate)
{
	struct lumen_handle *h = find(api, handle_id);
	json_t *ev;

	if (h == NULL) {
		json_decref(candidate);
		return -ENOENT;
	}
	ev = event_new(h, "trickle");
	json_object_set_new(ev, "candidate",
			    candidate ? candidate : json_pack("{s:b}", "completed", 1));
	api_session_emit(h->session, ev);
	return 0;
}

int lumen_api_notify_hangup(struct lumen_api *api, uint64_t handle_id, const char *reason)
{
	struct lumen_handle *h = find(api, handle_id);
	json_t *ev;

	if (h == NULL)
		return -ENOENT;
	h->negotiated = false;
	h->offer_pending = false;
	ev = event_new(h, "hangup");
	json_object_set_new(ev, "reason", json_string(reason ? reason : "Close PC"));
	api_session_emit(h->session, ev);
	if (h->plugin->hangup)
		h->plugin->hangup(h, h->state, reason ? reason : "Close PC");
	return 0;
}
