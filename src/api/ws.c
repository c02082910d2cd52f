/* api/ws.c -- the Janus protocol over WebSocket (subprotocol "janus-protocol", libsoup-3.0), at
 * "/" and "/janus" on the HTTP listener.
 *
 * Each text (or binary) message is one request; the reply goes back on the same connection, and
 * so do the events of every session created or claimed on it. A connection owns no session but
 * ends them: when it closes, the sessions bound to it are destroyed (their handles detached), as
 * a WebSocket client cannot come back for them. A message over http.max_body gets error 450 and
 * the connection is closed with 1009 (over twice the limit libsoup closes it unread). No
 * permessage-deflate. Control thread only. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "log.h"

LUMEN_LOG_CATEGORY(cat_ws, "ws");

struct api_ws {
	struct lumen_api *api;
	SoupWebsocketConnection *conn;
	char *ip;
	GHashTable *sessions; /* id -> struct api_session (borrowed) */
	gulong sig_message;
	gulong sig_closed;
};

void api_ws_send(struct api_ws *ws, json_t *ev)
{
	char *text;

	if (soup_websocket_connection_get_state(ws->conn) != SOUP_WEBSOCKET_STATE_OPEN)
		return;
	text = json_dumps(ev, JSON_COMPACT);
	soup_websocket_connection_send_text(ws->conn, text);
	free(text);
}

void api_ws_own_session(struct api_ws *ws, struct api_session *s)
{
	s->ws = ws;
	g_hash_table_insert(ws->sessions, &s->id, s);
}

void api_ws_forget_session(struct api_ws *ws, struct api_session *s)
{
	g_hash_table_remove(ws->sessions, &s->id);
	if (s->ws == ws)
		s->ws = NULL;
}

static void on_message(SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer arg)
{
	struct api_ws *ws = arg;
	struct api_origin from = { .ip = ws->ip, .ws = ws };
	gsize len;
	const char *data = g_bytes_get_data(message, &len);
	json_t *reply;

	if ((int64_t)len > ws->api->cfg->http.max_body) {
		reply = api_error_reply(ws->api, 0, NULL, API_ERR_TRANSPORT_SPECIFIC,
					"Message too large (%zu bytes, limit %" PRId64 ")", len,
					ws->api->cfg->http.max_body);
		api_ws_send(ws, reply);
		json_decref(reply);
		LOG_INFO(cat_ws, "%s: closing after a %zu-byte message (http.max_body)", ws->ip, len);
		soup_websocket_connection_close(conn, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "message too big");
		return;
	}
	reply = api_process_text(ws->api, data, len, &from);
	api_ws_send(ws, reply);
	json_decref(reply);
}

/* Destroys the sessions bound to ws and frees it (the connection is closed or closing). */
static void ws_free(struct api_ws *ws)
{
	GList *ss = g_hash_table_get_values(ws->sessions);
	struct lumen_api *api = ws->api;
	struct api_ipstat *st;

	g_signal_handler_disconnect(ws->conn, ws->sig_message);
	g_signal_handler_disconnect(ws->conn, ws->sig_closed);
	for (GList *l = ss; l; l = l->next) {
		struct api_session *s = l->data;

		api_ws_forget_session(ws, s);
		LOG_INFO(cat_ws, "session %" G_GUINT64_FORMAT " ends with its WebSocket (%s)",
			 s->id, ws->ip);
		api_session_destroy(s, NULL);
	}
	g_list_free(ss);
	api->ws_conns = g_list_remove(api->ws_conns, ws);
	api->freed_since_trim++;
	st = g_hash_table_lookup(api->ips, ws->ip);
	if (st && st->websockets > 0)
		st->websockets--;
	g_hash_table_destroy(ws->sessions);
	g_object_unref(ws->conn);
	g_free(ws->ip);
	g_free(ws);
}

static void on_closed(SoupWebsocketConnection *conn, gpointer arg)
{
	ws_free(arg);
}

static void ws_cb(SoupServer *server, SoupServerMessage *msg, const char *path,
		  SoupWebsocketConnection *conn, gpointer user_data)
{
	struct lumen_api *api = user_data;
	struct api_ws *ws;
	const char *ip = soup_server_message_get_remote_host(msg);
	struct api_ipstat *st = api_iptable_get(api->ips, ip ? ip : "");

	/* Each connection holds buffers: one address may not keep more of them open than it may own
	 * sessions. Refused after the handshake, with a Janus error and close code 1008 (policy
	 * violation), which every client library reports (a refused handshake is not always). */
	if ((int64_t)st->websockets >= api->cfg->api.max_sessions_per_ip) {
		json_t *e = api_error_reply(api, 0, NULL, API_ERR_NOT_ACCEPTING_SESSIONS,
					    "Too many WebSocket connections from %s (limit %" PRId64
					    ")", ip, api->cfg->api.max_sessions_per_ip);
		char *text = json_dumps(e, JSON_COMPACT);

		LOG_INFO(cat_ws, "%s: WebSocket refused (%u open, api.max_sessions_per_ip)", ip,
			 st->websockets);
		soup_websocket_connection_send_text(conn, text);
		soup_websocket_connection_close(conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
						"too many connections");
		free(text);
		json_decref(e);
		return;
	}
	ws = g_new0(struct api_ws, 1);

	ws->api = api;
	ws->conn = g_object_ref(conn);
	ws->ip = g_strdup(ip);
	st->websockets++;
	ws->sessions = g_hash_table_new(g_int64_hash, g_int64_equal);
	/* Messages up to twice the limit are read and answered with error 450 (then closed);
	 * libsoup closes anything larger with 1009 before buffering it. */
	soup_websocket_connection_set_max_incoming_payload_size(
		conn, 2 * (guint64)api->cfg->http.max_body);
	soup_websocket_connection_set_keepalive_interval(conn, 0);
	ws->sig_message = g_signal_connect(conn, "message", G_CALLBACK(on_message), ws);
	ws->sig_closed = g_signal_connect(conn, "closed", G_CALLBACK(on_closed), ws);
	api->ws_conns = g_list_prepend(api->ws_conns, ws);
	LOG_DEBUG(cat_ws, "WebSocket from %s on %s", ws->ip, path);
}

int api_ws_attach(struct lumen_api *api, SoupServer *server)
{
	char *protocols[] = { "janus-protocol", NULL };

	/* No permessage-deflate: libsoup's payload limit counts compressed bytes, so a small
	 * compressed frame could inflate far past http.max_body before we see it. */
	soup_server_remove_websocket_extension(server, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
	soup_server_add_websocket_handler(server, "/janus", NULL, protocols, ws_cb, api, NULL);
	soup_server_add_websocket_handler(server, NULL, NULL, protocols, ws_cb, api, NULL);
	return 0;
}

void api_ws_close_all(struct lumen_api *api)
{
	while (api->ws_conns != NULL) {
		struct api_ws *ws = api->ws_conns->data;

		if (soup_websocket_connection_get_state(ws->conn) == SOUP_WEBSOCKET_STATE_OPEN)
			soup_websocket_connection_close(ws->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
							"server shutting down");
		ws_free(ws);
	}
}
