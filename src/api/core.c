/* api/core.c -- struct lumen_core: the services the core offers plugins (DESIGN.md decision 5).
 *
 * Signalling services (push_event, end_handle, invoke, ids, identity), timers, logging and the
 * plugin-to-plugin registry are implemented here on the control thread. Media services (send_rtp,
 * send_rtcp, send_data, open_data, request_keyframe, set_bitrate_cap, close_pc) go to the handle's
 * peer connection (media.c). Every handle, its callbacks and its peer connection live on the
 * control thread; n_workers is media.workers (1: no worker threads) and handle_move moves only the
 * transmit half of the handle's pc: the RTP relayed to it is protected and sent on that worker
 * (media.c, webrtc/txworker.h), and `done` runs at once, on the control thread, where the handle's
 * callbacks keep running (whole handles on workers need asynchronous API replies: not yet, see
 * docs/architecture.md, "Threads today"). Services without an
 * api argument reach the one API of the process through core_api. admin_register/unregister are
 * the registry of plugin admin collections in admin_ext.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "api/media.h"
#include "log.h"
#include "metrics.h"
#include "plugin/host.h"

LUMEN_LOG_CATEGORY(cat_plugin, "plugin");
LUMEN_LOG_CATEGORY(cat_core, "api");

/* The API whose core table plugins hold: one per process (set by lumen_api_new). Read from any
 * thread by invoke; written only before plugins load and after they are gone. */
static struct lumen_api *core_api;

struct api_service {
	uint32_t version;
	const void *iface;
};

struct api_timer {
	uint64_t id;
	uint64_t handle_id; /* 0: control-thread timer */
	GSource *source;
	lumen_timer_cb cb;
	void *arg;
};

/* ---- signalling ---- */

static int svc_push_event(struct lumen_handle *h, const char *transaction, json_t *data,
			  json_t *jsep)
{
	json_t *ev;

	if (h == NULL || h->detaching || h->session->destroyed) {
		json_decref(data);
		json_decref(jsep);
		return -ENOENT;
	}
	/* The plugin's SDP describes media only: the peer connection adds ICE and DTLS. */
	if (jsep != NULL) {
		char *why = NULL;
		if (api_plugin_jsep_check(h, jsep) < 0 || api_media_local_jsep(h, jsep, &why) < 0) {
			LOG_WARN(cat_core, "handle %" PRIu64 ": plugin %s pushed an unusable jsep%s%s",
				 h->id, h->plugin->package, why ? ": " : "", why ? why : "");
			g_free(why);
			json_decref(data);
			json_decref(jsep);
			return -EINVAL;
		}
	}
	ev = json_pack("{s:s, s:I, s:{s:s, s:o}}", "janus", "event", "sender", (json_int_t)h->id,
		       "plugindata", "plugin", h->plugin->package, "data",
		       data ? data : json_object());
	if (transaction)
		json_object_set_new(ev, "transaction", json_string(transaction));
	if (jsep)
		json_object_set_new(ev, "jsep", jsep);
	api_session_emit(h->session, ev);
	return 0;
}

static gboolean end_handle_cb(gpointer arg)
{
	uint64_t *id = arg;
	struct lumen_handle *h = core_api ? g_hash_table_lookup(core_api->handles, id) : NULL;

	if (h != NULL && !h->detaching)
		api_handle_detach(h, true);
	return G_SOURCE_REMOVE;
}

static int svc_end_handle(struct lumen_handle *h)
{
	GSource *src;

	if (h == NULL || h->detaching || core_api == NULL)
		return -ENOENT;
	/* Deferred: the plugin may be inside one of its own callbacks for h. Default priority: an
	 * idle one would wait as long as media keeps the loop busy (see session.c's flush). */
	src = g_idle_source_new();
	g_source_set_priority(src, G_PRIORITY_DEFAULT);
	g_source_set_callback(src, end_handle_cb, g_memdup2(&h->id, sizeof(h->id)), g_free);
	g_source_attach(src, core_api->ctx);
	g_source_unref(src);
	return 0;
}

static int svc_close_pc(struct lumen_handle *h, const char *reason)
{
	return api_media_close_pc(h, reason);
}

static int svc_send_rtp(struct lumen_handle *h, const char *mid, const struct lumen_rtp_packet *p,
			const struct lumen_rtp_rewrite *rw)
{
	return api_media_send_rtp(h, mid, p, rw);
}

static int svc_send_rtcp(struct lumen_handle *h, const uint8_t *buf, size_t len)
{
	return api_media_send_rtcp(h, buf, len);
}

static int svc_send_data(struct lumen_handle *h, const char *label, bool binary,
			 const uint8_t *buf, size_t len)
{
	return api_media_send_data(h, label, binary, buf, len);
}

static int svc_request_keyframe(struct lumen_handle *h, const char *mid)
{
	return api_media_request_keyframe(h, mid);
}

static int svc_set_bitrate_cap(struct lumen_handle *h, uint32_t bps)
{
	return api_media_set_bitrate_cap(h, bps);
}

static int svc_open_data(struct lumen_handle *h, const char *label, const char *protocol,
			 bool ordered, int max_retransmits)
{
	return api_media_open_data(h, label, protocol, ordered, max_retransmits);
}

static unsigned svc_n_workers(void)
{
	return api_media_n_workers();
}

static int svc_handle_move(struct lumen_handle *h, unsigned worker, lumen_invoke_cb done,
			   void *arg)
{
	if (h == NULL || h->detaching)
		return -ENOENT;
	if (worker >= svc_n_workers())
		return -EINVAL;
	/* Only the relayed RTP moves; the callbacks stay here, so `done` runs now. */
	if (api_media_move(h, worker) < 0)
		return -EINVAL;
	if (done)
		done(h, h->state, arg);
	return 0;
}

struct invoke_call {
	uint64_t handle_id;
	lumen_invoke_cb fn;
	void *arg;
};

static gboolean invoke_cb(gpointer data)
{
	struct invoke_call *c = data;
	struct lumen_handle *h = core_api ? g_hash_table_lookup(core_api->handles, &c->handle_id)
					  : NULL;

	/* A handle that is gone gets fn(NULL, NULL, arg), so the caller can free arg. */
	if (h != NULL && !h->detaching)
		c->fn(h, h->state, c->arg);
	else
		c->fn(NULL, NULL, c->arg);
	return G_SOURCE_REMOVE;
}

static int svc_invoke(uint64_t handle_id, lumen_invoke_cb fn, void *arg)
{
	struct invoke_call *c;
	struct lumen_api *api = core_api;

	if (api == NULL || fn == NULL)
		return -EINVAL;
	c = g_new0(struct invoke_call, 1);
	c->handle_id = handle_id;
	c->fn = fn;
	c->arg = arg;
	g_main_context_invoke_full(api->ctx, G_PRIORITY_DEFAULT, invoke_cb, c, g_free);
	return 0;
}

static uint64_t svc_handle_id(const struct lumen_handle *h)
{
	return h ? h->id : 0;
}

static uint64_t svc_session_id(const struct lumen_handle *h)
{
	return h ? h->session->id : 0;
}

static const struct lumen_identity *svc_handle_identity(const struct lumen_handle *h)
{
	return h ? &h->identity : NULL;
}

/* ---- timers ---- */

static gboolean timer_cb(gpointer arg)
{
	struct api_timer *t = arg;

	/* t may be freed by timer_cancel inside cb: do not touch it afterwards. */
	t->cb(t->arg);
	return G_SOURCE_CONTINUE;
}

static void timer_free(gpointer p)
{
	struct api_timer *t = p;

	g_source_destroy(t->source);
	g_source_unref(t->source);
	g_free(t);
}

static uint64_t svc_timer_add(struct lumen_handle *h, uint32_t interval_ms, lumen_timer_cb cb,
			      void *arg)
{
	struct lumen_api *api = core_api;
	struct api_timer *t;

	if (api == NULL || cb == NULL || (h != NULL && h->detaching))
		return 0;
	t = g_new0(struct api_timer, 1);
	t->id = ++api->next_timer_id;
	t->handle_id = h ? h->id : 0;
	t->cb = cb;
	t->arg = arg;
	t->source = g_timeout_source_new(interval_ms);
	g_source_set_callback(t->source, timer_cb, t, NULL);
	g_source_attach(t->source, api->ctx);
	g_hash_table_insert(api->timers, &t->id, t);
	if (h)
		g_hash_table_add(h->timers, g_memdup2(&t->id, sizeof(t->id)));
	return t->id;
}

static void svc_timer_cancel(uint64_t timer_id)
{
	struct lumen_api *api = core_api;
	struct api_timer *t = api ? g_hash_table_lookup(api->timers, &timer_id) : NULL;
	struct lumen_handle *h;

	if (t == NULL)
		return;
	if (t->handle_id && (h = g_hash_table_lookup(api->handles, &t->handle_id)) != NULL)
		g_hash_table_remove(h->timers, &timer_id);
	g_hash_table_remove(api->timers, &timer_id);
}

void api_core_cancel_handle_timers(struct lumen_handle *h)
{
	GList *ids = g_hash_table_get_keys(h->timers);

	for (GList *l = ids; l; l = l->next)
		g_hash_table_remove(core_api->timers, l->data);
	g_list_free(ids);
	g_hash_table_remove_all(h->timers);
}

/* ---- logging, metrics, registry ---- */

static void svc_log(const struct lumen_handle *h, enum lumen_log_severity sev, const char *fmt,
		    ...)
{
	enum lumen_log_level level = sev > LUMEN_SEV_TRACE ? LUMEN_LOG_TRACE
							   : (enum lumen_log_level)sev;
	struct lumen_log_ctx lctx = { 0 };
	va_list ap;
	char *msg;

	if (!lumen_log_enabled(&cat_plugin, level))
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (h) {
		lctx.session = h->session->id;
		lctx.handle = h->id;
		lumen_log_ctx_push(&lctx);
	}
	/* Outside a handle (init, start, stop, destroy, timers) the host knows which plugin runs. */
	const char *who = h ? h->plugin->package : lumen_plugin_host_current();
	lumen_log(&cat_plugin, level, "%s: %s", who ? who : "plugin", msg);
	if (h)
		lumen_log_ctx_pop(&lctx);
	g_free(msg);
}

static int svc_service_register(const char *name, uint32_t version, const void *iface)
{
	struct api_service *sv;

	if (core_api == NULL || name == NULL || iface == NULL)
		return -EINVAL;
	if (g_hash_table_contains(core_api->services, name))
		return -EEXIST;
	sv = g_new0(struct api_service, 1);
	sv->version = version;
	sv->iface = iface;
	g_hash_table_insert(core_api->services, g_strdup(name), sv);
	LOG_DEBUG(cat_core, "service %s v%u registered", name, version);
	return 0;
}

static const void *svc_service_lookup(const char *name, uint32_t min_version)
{
	struct api_service *sv = (core_api && name) ? g_hash_table_lookup(core_api->services, name)
						    : NULL;

	return (sv && sv->version >= min_version) ? sv->iface : NULL;
}

void api_core_init(struct lumen_api *api)
{
	struct lumen_core *c = &api->core;

	c->abi_version = LUMEN_PLUGIN_ABI_VERSION;
	c->size = sizeof(*c);
	c->push_event = svc_push_event;
	c->send_rtp = svc_send_rtp;
	c->send_rtcp = svc_send_rtcp;
	c->send_data = svc_send_data;
	c->request_keyframe = svc_request_keyframe;
	c->set_bitrate_cap = svc_set_bitrate_cap;
	c->close_pc = svc_close_pc;
	c->end_handle = svc_end_handle;
	c->handle_move = svc_handle_move;
	c->n_workers = svc_n_workers;
	c->invoke = svc_invoke;
	c->handle_id = svc_handle_id;
	c->session_id = svc_session_id;
	c->handle_identity = svc_handle_identity;
	c->timer_add = svc_timer_add;
	c->timer_cancel = svc_timer_cancel;
	c->log = svc_log;
	/* The process-wide registry behind GET /metrics has exactly these signatures. */
	c->metric_register = lumen_metrics_register;
	c->metric_emit = lumen_metrics_emit;
	c->service_register = svc_service_register;
	c->service_lookup = svc_service_lookup;
	c->open_data = svc_open_data;
	c->admin_register = api_admin_register;
	c->admin_unregister = api_admin_unregister;
	api_admin_ext_init(api);
	api->services = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	api->timers = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, timer_free);
	core_api = api;
}

void api_core_fini(struct lumen_api *api)
{
	api_admin_ext_fini(api);
	if (api->timers)
		g_hash_table_destroy(api->timers);
	if (api->services)
		g_hash_table_destroy(api->services);
	api->timers = api->services = NULL;
	if (core_api == api)
		core_api = NULL;
}
