/* api/session.c -- sessions and handles: ids, lifetimes, event delivery and the timeout sweep.
 *
 * A session lives from `create` until `destroy`, its timeout (api.session_timeout seconds without
 * a request), the close of the WebSocket it belongs to, an admin kick or shutdown; every end goes
 * through api_session_destroy, which detaches each handle (the plugin's detach runs) and frees
 * everything. Events reach the client through the session's bounded queue: flushed on an idle
 * callback to its WebSocket, or handed to the oldest waiting long poll (HTTP). Control thread. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/random.h>

#include "api/api_internal.h"
#include "api/media.h"
#include "log.h"

LUMEN_LOG_CATEGORY(cat_session, "api");

struct api_poller {
	SoupServerMessage *msg;
	struct api_session *s;
	guint timeout_source;
	gulong sig_disconnected;
	gulong sig_finished;
	unsigned maxev;
};

uint64_t api_new_id(GHashTable *taken)
{
	uint64_t id = 0;

	/* 53 bits: ids must survive a round trip through JavaScript numbers (janus.js). */
	for (unsigned tries = 0; tries < 64; tries++) {
		if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
			id = ((uint64_t)g_random_int() << 32) ^ g_random_int();
		id &= (UINT64_C(1) << 53) - 1;
		if (id != 0 && (taken == NULL || !g_hash_table_contains(taken, &id)))
			return id;
	}
	g_error("api: could not draw a free random id");
	return 0;
}

static void handle_free(gpointer p)
{
	struct lumen_handle *h = p;

	g_free(h->opaque_id);
	g_free((char *)h->identity.user);
	g_free((char *)h->identity.room);
	g_free((char *)h->identity.role);
	g_free((char *)h->identity.remote_ip);
	json_decref((json_t *)h->identity.claims);
	if (h->timers)
		g_hash_table_destroy(h->timers);
	g_free(h);
}

static void session_free(gpointer p)
{
	struct api_session *s = p;

	if (s->handles)
		g_hash_table_destroy(s->handles);
	api_evq_fini(&s->events);
	json_decref(s->token_claims);
	g_free(s->ip);
	g_free(s);
}

void api_sessions_table_init(struct lumen_api *api)
{
	api->sessions = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, session_free);
	api->handles = g_hash_table_new(g_int64_hash, g_int64_equal);
}

struct api_session *api_session_new(struct lumen_api *api, const char *ip)
{
	struct api_session *s = g_new0(struct api_session, 1);

	s->id = api_new_id(api->sessions);
	s->api = api;
	s->ip = g_strdup(ip ? ip : "");
	s->created_us = s->last_activity_us = api->now_us();
	s->handles = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, handle_free);
	api_evq_init(&s->events, (size_t)api->cfg->api.max_pending_events);
	g_hash_table_insert(api->sessions, &s->id, s);
	api_iptable_get(api->ips, s->ip)->sessions++;
	api->stats.sessions++;
	api->stats.sessions_created_total++;
	return s;
}

struct api_session *api_session_find(struct lumen_api *api, uint64_t id)
{
	struct api_session *s = g_hash_table_lookup(api->sessions, &id);

	return (s && !s->destroyed) ? s : NULL;
}

void api_session_touch(struct api_session *s)
{
	s->last_activity_us = s->api->now_us();
}

struct lumen_handle *api_handle_new(struct api_session *s, const struct lumen_plugin *p,
				    const char *opaque_id)
{
	struct lumen_handle *h = g_new0(struct lumen_handle, 1);

	h->id = api_new_id(s->api->handles);
	h->session = s;
	h->plugin = p;
	h->opaque_id = g_strdup(opaque_id);
	h->timers = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_hash_table_insert(s->handles, &h->id, h);
	g_hash_table_insert(s->api->handles, &h->id, h);
	s->api->stats.handles++;
	return h;
}

struct lumen_handle *api_handle_find(struct api_session *s, uint64_t id)
{
	struct lumen_handle *h = g_hash_table_lookup(s->handles, &id);

	return (h && !h->detaching) ? h : NULL;
}

void api_handle_detach(struct lumen_handle *h, bool notify)
{
	struct api_session *s = h->session;
	struct lumen_api *api = s->api;
	struct lumen_log_ctx lctx = { .session = s->id, .handle = h->id };
	uint64_t id = h->id;

	if (h->detaching)
		return;
	h->detaching = true;
	api_core_cancel_handle_timers(h);
	api_media_free(h); /* no media callback may reach the plugin after its detach */
	lumen_log_ctx_push(&lctx);
	if (h->plugin && h->plugin->detach) {
		h->in_callback = true;
		h->plugin->detach(h, h->state);
		h->in_callback = false;
	}
	lumen_log_ctx_pop(&lctx);
	g_hash_table_remove(api->handles, &id);
	g_hash_table_remove(s->handles, &id); /* frees h */
	api->stats.handles--;
	if (notify) {
		json_t *ev = json_pack("{s:s, s:I}", "janus", "detached", "sender", (json_int_t)id);
		api_session_emit(s, ev);
	}
}

/* ---- event delivery ---- */

static void poller_finish(struct api_poller *p, json_t *body)
{
	struct api_session *s = p->s;

	s->pollers = g_list_remove(s->pollers, p);
	if (p->timeout_source)
		g_source_remove(p->timeout_source);
	g_signal_handler_disconnect(p->msg, p->sig_disconnected);
	g_signal_handler_disconnect(p->msg, p->sig_finished);
	if (body != NULL) {
		api_http_respond_json(p->msg, SOUP_STATUS_OK, body);
		soup_server_message_unpause(p->msg);
	}
	g_object_unref(p->msg);
	g_free(p);
}

/* Takes up to maxev events: one object when maxev == 1, else an array. NULL when empty. */
static json_t *take_events(struct api_session *s, unsigned maxev)
{
	json_t *arr, *ev;

	if (api_evq_len(&s->events) == 0)
		return NULL;
	if (maxev <= 1)
		return api_evq_pop(&s->events);
	arr = json_array();
	while (maxev-- > 0 && (ev = api_evq_pop(&s->events)) != NULL)
		json_array_append_new(arr, ev);
	return arr;
}

static void flush_now(struct api_session *s)
{
	json_t *ev;

	if (s->ws != NULL) {
		while ((ev = api_evq_pop(&s->events)) != NULL) {
			api_ws_send(s->ws, ev);
			json_decref(ev);
		}
		return;
	}
	while (s->pollers != NULL && api_evq_len(&s->events) > 0) {
		struct api_poller *p = s->pollers->data;

		poller_finish(p, take_events(s, p->maxev));
	}
}

static gboolean flush_cb(gpointer arg)
{
	struct api_session *s = arg;

	s->flush_source = 0;
	flush_now(s);
	return G_SOURCE_REMOVE;
}

void api_session_emit(struct api_session *s, json_t *ev)
{
	GSource *src;

	if (s->destroyed) {
		json_decref(ev);
		return;
	}
	json_object_set_new(ev, "session_id", json_integer((json_int_t)s->id));
	if (api_evq_push(&s->events, ev) && (s->events.dropped & (s->events.dropped - 1)) == 0)
		LOG_WARN(cat_session, "session %" PRIu64 ": event queue full (%zu), %" PRIu64
			 " oldest events dropped so far", s->id, s->events.max, s->events.dropped);
	/* Deliver from an idle callback, so a reply being built now (ack) goes out first. At the
	 * default priority, not the idle one: under load the media sources are ready at every
	 * iteration, and GLib never dispatches a lower priority while a higher one is ready (at
	 * find-max, events waited 9 to over 20 s, lumen-bench timed a join out). */
	if (s->flush_source == 0) {
		src = g_idle_source_new();
		g_source_set_priority(src, G_PRIORITY_DEFAULT);
		g_source_set_callback(src, flush_cb, s, NULL);
		s->flush_source = g_source_attach(src, s->api->ctx);
		g_source_unref(src);
	}
}

static gboolean poller_timeout_cb(gpointer arg)
{
	struct api_poller *p = arg;

	p->timeout_source = 0;
	poller_finish(p, json_pack("{s:s}", "janus", "keepalive"));
	return G_SOURCE_REMOVE;
}

static void poller_gone_cb(SoupServerMessage *msg, gpointer arg)
{
	/* The client went away before we answered: forget the message. */
	poller_finish(arg, NULL);
}

void api_session_add_poller(struct api_session *s, SoupServerMessage *msg, unsigned maxev)
{
	struct api_poller *p;
	json_t *evs = take_events(s, maxev);
	GSource *src;

	if (evs != NULL) {
		api_http_respond_json(msg, SOUP_STATUS_OK, evs);
		return;
	}
	p = g_new0(struct api_poller, 1);
	p->msg = g_object_ref(msg);
	p->s = s;
	p->maxev = maxev;
	/* Millisecond timer, not g_timeout_source_new_seconds: GLib coalesces those to whole
	 * seconds, and a first interval of one second may end up to a second early (a long poll
	 * configured for 1 s answered after 0.8 s in CI). */
	src = g_timeout_source_new((guint)s->api->cfg->api.long_poll_timeout * 1000u);
	g_source_set_callback(src, poller_timeout_cb, p, NULL);
	p->timeout_source = g_source_attach(src, s->api->ctx);
	g_source_unref(src);
	p->sig_disconnected = g_signal_connect(msg, "disconnected", G_CALLBACK(poller_gone_cb), p);
	p->sig_finished = g_signal_connect(msg, "finished", G_CALLBACK(poller_gone_cb), p);
	s->pollers = g_list_append(s->pollers, p);
	/* A status now tells libsoup the request is handled: without it, the WebSocket handler on
	 * the same path would try (and fail) a handshake on this GET while it waits. */
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_server_message_pause(msg);
}

void api_session_destroy(struct api_session *s, json_t *reason_event)
{
	struct lumen_api *api = s->api;
	GList *hs;
	struct api_ipstat *st;

	if (s->destroyed) {
		json_decref(reason_event);
		return;
	}
	/* Detach handles first: plugins may still push events, which are dropped below. */
	hs = g_hash_table_get_values(s->handles);
	for (GList *l = hs; l; l = l->next)
		api_handle_detach(l->data, false);
	g_list_free(hs);
	s->destroyed = true;
	if (reason_event)
		json_object_set_new(reason_event, "session_id", json_integer((json_int_t)s->id));
	if (s->ws != NULL) {
		if (reason_event)
			api_ws_send(s->ws, reason_event);
		api_ws_forget_session(s->ws, s);
	}
	while (s->pollers != NULL) {
		json_t *body = reason_event ? json_incref(reason_event)
					    : json_pack("{s:s}", "janus", "keepalive");
		poller_finish(s->pollers->data, body);
		if (reason_event)
			break; /* one poller gets the reason; the rest a keepalive */
	}
	while (s->pollers != NULL)
		poller_finish(s->pollers->data, json_pack("{s:s}", "janus", "keepalive"));
	json_decref(reason_event);
	if (s->flush_source)
		g_source_remove(s->flush_source);
	st = g_hash_table_lookup(api->ips, s->ip);
	if (st && st->sessions > 0)
		st->sessions--;
	api->stats.sessions--;
	api->freed_since_trim++;
	g_hash_table_remove(api->sessions, &s->id); /* frees s */
}

unsigned api_sweep(struct lumen_api *api, int64_t now_us)
{
	int64_t limit = api->cfg->api.session_timeout * G_USEC_PER_SEC;
	GList *expired = NULL;
	GHashTableIter it;
	gpointer value;
	unsigned n = 0;

	if (limit > 0) {
		g_hash_table_iter_init(&it, api->sessions);
		while (g_hash_table_iter_next(&it, NULL, &value)) {
			struct api_session *s = value;

			if (now_us - s->last_activity_us > limit)
				expired = g_list_prepend(expired, s);
		}
	}
	for (GList *l = expired; l; l = l->next) {
		struct api_session *s = l->data;

		LOG_INFO(cat_session, "session %" PRIu64 " (%s) timed out after %" PRId64
			 " s without activity", s->id, s->ip, api->cfg->api.session_timeout);
		api_session_destroy(s, json_pack("{s:s}", "janus", "timeout"));
		api->stats.sessions_timed_out_total++;
		n++;
	}
	g_list_free(expired);
	api_iptable_prune(api->ips, (double)api->cfg->api.create_rate,
			  (double)api->cfg->api.create_burst, now_us);
	return n;
}
