/* api/api.c -- the client API object: construction, the listener, reconfiguration, drain,
 * shutdown, and the read-only views the admin API and /metrics use.
 *
 * The protocol itself is in protocol.c, sessions and events in session.c, the transports in
 * http.c and ws.c, plugin services in core.c. Control thread only (the thread that called
 * lumen_api_new; its thread-default GMainContext runs every callback). */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <string.h>

#include "api/api_internal.h"
#include "api/media.h"
#include "api/media_metrics.h"
#include "log.h"
#include "plugin/host.h"

LUMEN_LOG_CATEGORY(cat_api, "api");

static gboolean sweep_cb(gpointer arg)
{
	struct lumen_api *api = arg;

	api_sweep(api, api->now_us());
	/* After a wave of sessions has gone (a meeting ends, a load test, a flood), hand the freed
	 * heap back to the system: otherwise glibc keeps the high-water mark of every connection
	 * buffer mapped, and RSS no longer tells a leak from a past peak. Once per wave: when at
	 * least 64 sessions or WebSockets were freed and none in the last second. ~1 ms. */
	if (api->freed_since_trim >= 64 && api->freed_since_trim == api->freed_at_last_sweep) {
		api->freed_since_trim = 0;
		malloc_trim(0);
	}
	api->freed_at_last_sweep = api->freed_since_trim;
	return G_SOURCE_CONTINUE;
}

struct lumen_api *lumen_api_new(const struct lumen_config *cfg, char **err)
{
	struct lumen_api *api = g_new0(struct lumen_api, 1);
	GSource *src;

	api->cfg = cfg;
	api->ctx = g_main_context_ref_thread_default();
	api->now_us = g_get_monotonic_time;
	api_sessions_table_init(api);
	api->ips = api_iptable_new();
	api_core_init(api);
	if (api_auth_init(&api->auth, cfg, err) < 0)
		goto fail;
	if (api_media_init(api, cfg, err) < 0)
		goto fail;
	/* Best effort: a registry refusing the families (a name taken) must not stop the API. */
	api->media_metrics = api_media_metrics_register() == 0;
	src = g_timeout_source_new_seconds(1);
	g_source_set_callback(src, sweep_cb, api, NULL);
	api->sweep_source = g_source_attach(src, api->ctx);
	g_source_unref(src);
	return api;
fail:
	lumen_api_free(api);
	return NULL;
}

const struct lumen_core *lumen_api_core(struct lumen_api *api)
{
	return &api->core;
}

void lumen_api_set_host(struct lumen_api *api, struct lumen_plugin_host *host)
{
	api->host = host;
}

int lumen_api_listen(struct lumen_api *api, char **err)
{
	GError *gerr = NULL;
	GInetAddress *ia = NULL;
	GSocketAddress *sa = NULL;
	GSocket *sock = NULL;
	char *host = NULL;
	uint16_t port = 0;
	GSList *uris;
	int rc = -EINVAL;

	if (lumen_config_split_hostport(api->cfg->http.listen, &host, &port) < 0) {
		*err = g_strdup_printf("http.listen: '%s' is not HOST:PORT", api->cfg->http.listen);
		goto out;
	}
	if (strcmp(host, "localhost") == 0)
		ia = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	else if (strcmp(host, "*") == 0 || host[0] == '\0')
		ia = g_inet_address_new_any(G_SOCKET_FAMILY_IPV6);
	else
		ia = g_inet_address_new_from_string(host);
	if (ia == NULL) {
		*err = g_strdup_printf("http.listen: '%s' is not an IP address", host);
		goto out;
	}
	api->server = soup_server_new("server-header", "lumen", NULL);
	api->keep = api_httpkeep_attach(api->server, (unsigned)api->cfg->http.keepalive_timeout);
	api_http_attach(api, api->server);
	api_ws_attach(api, api->server);
	sa = g_inet_socket_address_new(ia, port);
	sock = g_socket_new(g_inet_address_get_family(ia), G_SOCKET_TYPE_STREAM,
			    G_SOCKET_PROTOCOL_TCP, &gerr);
	/* GLib's default backlog (10) drops SYNs when hundreds of clients connect at once; the
	 * kernel caps this at net.core.somaxconn. */
	if (sock != NULL) {
		g_socket_set_listen_backlog(sock, 1024);
		if (!g_socket_bind(sock, sa, TRUE, &gerr) || !g_socket_listen(sock, &gerr) ||
		    !soup_server_listen_socket(api->server, sock, 0, &gerr))
			g_clear_object(&sock);
	}
	if (sock == NULL) {
		*err = g_strdup_printf("http.listen %s: %s", api->cfg->http.listen, gerr->message);
		g_error_free(gerr);
		rc = -EADDRNOTAVAIL;
		goto out;
	}
	g_object_unref(sock); /* the server keeps its own reference */
	uris = soup_server_get_uris(api->server);
	for (GSList *l = uris; l; l = l->next) {
		char *s = g_uri_to_string(l->data);

		LOG_INFO(cat_api, "client API listening on %s (HTTP /janus, WebSocket / and /janus)",
			 s);
		g_free(s);
	}
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	rc = 0;
out:
	if (sa)
		g_object_unref(sa);
	if (ia)
		g_object_unref(ia);
	g_free(host);
	return rc;
}

uint16_t lumen_api_port(const struct lumen_api *api)
{
	GSList *uris = api->server ? soup_server_get_uris(api->server) : NULL;
	uint16_t port = uris ? (uint16_t)g_uri_get_port(uris->data) : 0;

	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	return port;
}

void lumen_api_reconfigure(struct lumen_api *api, const struct lumen_config *cfg)
{
	struct api_auth auth;
	char *err = NULL;
	GHashTableIter it;
	gpointer value;

	if (api_auth_init(&auth, cfg, &err) < 0) {
		LOG_ERROR(cat_api, "reload: %s (keeping the previous secrets)", err);
		g_free(err);
	} else {
		api_auth_fini(&api->auth);
		api->auth = auth;
	}
	api->cfg = cfg;
	g_hash_table_iter_init(&it, api->sessions);
	while (g_hash_table_iter_next(&it, NULL, &value))
		((struct api_session *)value)->events.max = (size_t)cfg->api.max_pending_events;
}

void lumen_api_set_draining(struct lumen_api *api, bool draining)
{
	if (api->draining != draining)
		LOG_INFO(cat_api, "%s", draining ? "draining: new sessions are refused"
						 : "no longer draining");
	api->draining = draining;
}

bool lumen_api_draining(const struct lumen_api *api)
{
	return api->draining;
}

static void destroy_all_sessions(struct lumen_api *api)
{
	GList *ids = NULL;
	GHashTableIter it;
	gpointer key;

	g_hash_table_iter_init(&it, api->sessions);
	while (g_hash_table_iter_next(&it, &key, NULL))
		ids = g_list_prepend(ids, g_memdup2(key, sizeof(uint64_t)));
	for (GList *l = ids; l; l = l->next) {
		struct api_session *s = g_hash_table_lookup(api->sessions, l->data);

		if (s)
			api_session_destroy(s, NULL);
	}
	g_list_free_full(ids, g_free);
}

void lumen_api_shutdown(struct lumen_api *api)
{
	/* WebSocket clients see "going away" (1001); long polls get a final keepalive. */
	api_ws_close_all(api);
	destroy_all_sessions(api);
}

void lumen_api_free(struct lumen_api *api)
{
	if (api == NULL)
		return;
	if (api->sessions)
		lumen_api_shutdown(api);
	api_httpkeep_free(api->keep);
	if (api->server) {
		soup_server_disconnect(api->server);
		g_object_unref(api->server);
	}
	if (api->sweep_source)
		g_source_remove(api->sweep_source);
	if (api->sessions)
		g_hash_table_destroy(api->sessions);
	if (api->handles)
		g_hash_table_destroy(api->handles);
	if (api->ips)
		g_hash_table_destroy(api->ips);
	api_core_fini(api);
	api_auth_fini(&api->auth);
	api_media_fini(api);
	if (api->media_metrics)
		api_media_metrics_unregister();
	if (api->ctx)
		g_main_context_unref(api->ctx);
	g_free(api);
}

/* ---- admin views ---- */

void lumen_api_get_stats(const struct lumen_api *api, struct lumen_api_stats *out)
{
	*out = api->stats;
	if (api->keep) {
		out->http_idle_connections = api_httpkeep_idle(api->keep);
		out->http_closed_by_client_total = api_httpkeep_closed_by_client(api->keep);
		out->http_closed_idle_total = api_httpkeep_closed_idle(api->keep);
	}
}

static json_t *handle_json(struct lumen_handle *h, bool detail)
{
	json_t *o = json_pack("{s:I, s:s}", "id", (json_int_t)h->id, "plugin", h->plugin->package);

	if (h->opaque_id)
		json_object_set_new(o, "opaque_id", json_string(h->opaque_id));
	if (h->identity.user)
		json_object_set_new(o, "user", json_string(h->identity.user));
	if (h->identity.room)
		json_object_set_new(o, "room", json_string(h->identity.room));
	if (h->identity.role)
		json_object_set_new(o, "role", json_string(h->identity.role));
	{
		json_t *pc = api_media_json(h);
		json_object_set_new(o, "pc", pc ? pc : json_string(h->negotiated ? "negotiated"
										      : "none"));
	}
	if (detail && h->plugin->query_handle) {
		json_t *q = h->plugin->query_handle(h, h->state);

		if (q)
			json_object_set_new(o, "plugin_specific", q);
	}
	return o;
}

static json_t *session_json(const struct api_session *s, bool detail, int64_t now_us)
{
	json_t *hs = json_array();
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, s->handles);
	while (g_hash_table_iter_next(&it, NULL, &value))
		json_array_append_new(hs, handle_json(value, detail));
	return json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:o}", "id", (json_int_t)s->id, "ip",
			 s->ip, "transport", s->ws ? "websocket" : "http", "age_s",
			 (json_int_t)((now_us - s->created_us) / G_USEC_PER_SEC), "idle_s",
			 (json_int_t)((now_us - s->last_activity_us) / G_USEC_PER_SEC),
			 "pending_events", (json_int_t)api_evq_len(&s->events), "dropped_events",
			 (json_int_t)s->events.dropped, "handles", hs);
}

json_t *lumen_api_sessions_json(const struct lumen_api *api)
{
	json_t *arr = json_array();
	GHashTableIter it;
	gpointer value;
	int64_t now = api->now_us();

	g_hash_table_iter_init(&it, api->sessions);
	while (g_hash_table_iter_next(&it, NULL, &value))
		json_array_append_new(arr, session_json(value, false, now));
	return arr;
}

json_t *lumen_api_session_json(const struct lumen_api *api, uint64_t id)
{
	const struct api_session *s = g_hash_table_lookup(api->sessions, &id);

	return s ? session_json(s, true, api->now_us()) : NULL;
}

int lumen_api_destroy_session(struct lumen_api *api, uint64_t id)
{
	struct api_session *s = api_session_find(api, id);

	if (s == NULL)
		return -ENOENT;
	LOG_INFO(cat_api, "session %" PRIu64 " destroyed by an administrator", id);
	api_session_destroy(s, json_pack("{s:s}", "janus", "timeout"));
	return 0;
}

json_t *lumen_api_counters_json(const struct lumen_api *api)
{
	json_t *req = json_object(), *errs = json_object();

	for (unsigned i = 0; i < api_n_verbs(); i++)
		json_object_set_new(req, api_verb_name(i),
				    json_pack("{s:I, s:I}", "ok", (json_int_t)api->requests[i].ok,
					      "error", (json_int_t)api->requests[i].error));
	for (int c = API_ERR_MIN; c <= API_ERR_MAX; c++) {
		char key[8];

		if (api->errors[c - API_ERR_MIN] == 0)
			continue;
		snprintf(key, sizeof(key), "%d", c);
		json_object_set_new(errs, key,
				    json_integer((json_int_t)api->errors[c - API_ERR_MIN]));
	}
	return json_pack("{s:o, s:o}", "requests", req, "errors", errs);
}
