/* api/api.h -- the client API: the Janus JSON protocol (sessions, handles, transactions) over HTTP
 * (POST + long-poll GET) and WebSocket (subprotocol "janus-protocol") on one libsoup listener.
 *
 * The API owns sessions and handles, enforces limits (body size, sessions total and per IP,
 * create rate per IP, handles per session, pending events per session), checks api_secret and
 * JWT tokens, and implements struct lumen_core (the services plugins call). Control thread only,
 * except where a function says otherwise. */
#ifndef LUMEN_API_H
#define LUMEN_API_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>
#include <lumen/plugin.h>

/* "../config.h", not "config.h": automake puts the build directory (autoconf's config.h) on the
 * include path before src/, so a bare "config.h" from src/api/ would find the wrong file. */
#include "../config.h"

struct lumen_api;
struct lumen_plugin_host;

/* Counters the admin API exports (monotonic, read on the control thread). */
struct lumen_api_stats {
	uint64_t sessions;      /* current */
	uint64_t handles;       /* current */
	uint64_t sessions_created_total;
	uint64_t sessions_timed_out_total;
	/* HTTP connections kept alive (httpkeep.h): idle now, and closed after the client had
	 * closed its end or at http.keepalive_timeout */
	uint64_t http_idle_connections;
	uint64_t http_closed_by_client_total;
	uint64_t http_closed_idle_total;
	/* requests by verb and result, errors by Janus code: filled by lumen_api_stats_json */
};

/* Creates the API on the calling thread's GMainContext. Does not listen yet. */
struct lumen_api *lumen_api_new(const struct lumen_config *cfg, char **err);
/* The services table plugins receive (valid for the API's lifetime). */
const struct lumen_core *lumen_api_core(struct lumen_api *api);
/* Connects the plugin host (attach looks plugins up there). */
void lumen_api_set_host(struct lumen_api *api, struct lumen_plugin_host *host);
/* Starts listening on cfg->http.listen. Returns 0 or a negative errno with *err. */
int lumen_api_listen(struct lumen_api *api, char **err);
/* The port actually bound (after lumen_api_listen), 0 before. */
uint16_t lumen_api_port(const struct lumen_api *api);
/* Applies a reloaded config (limits, timeouts, secrets; the listener address needs a restart). */
void lumen_api_reconfigure(struct lumen_api *api, const struct lumen_config *cfg);
/* Drain: refuse new sessions (Janus error 403-like "server is draining"), keep existing ones. */
void lumen_api_set_draining(struct lumen_api *api, bool draining);
bool lumen_api_draining(const struct lumen_api *api);
/* Tells every session's client the server is going away, then closes all sessions. */
void lumen_api_shutdown(struct lumen_api *api);
void lumen_api_free(struct lumen_api *api); /* NULL ok */

/* Admin views. */
void lumen_api_get_stats(const struct lumen_api *api, struct lumen_api_stats *out);
json_t *lumen_api_sessions_json(const struct lumen_api *api);            /* [{id, ip, handles, ...}] */
json_t *lumen_api_session_json(const struct lumen_api *api, uint64_t id); /* NULL if unknown */
int lumen_api_destroy_session(struct lumen_api *api, uint64_t id);       /* 0 or -ENOENT */
/* Requests by verb and result and errors by code, for /metrics: {"requests":{"create":{"ok":N,
 * "error":N}},"errors":{"458":N}}. */
json_t *lumen_api_counters_json(const struct lumen_api *api);

/* Plugin collections of the admin API (core->admin_register, admin_ext.c), for src/admin.
 * Control thread. A collection whose registering plugin is no longer started is dropped (never
 * called) on lookup, so a plugin that forgets admin_unregister cannot be called after its stop.
 *   _has:  true if a started plugin serves /admin/v1/<collection>.
 *   _call: runs its callback (method "GET"..., path "" or "/ID[/...]", body borrowed, may be
 *          NULL). Returns the HTTP status (100..599; 500 if the plugin gave another) with
 *          *reply (new reference or NULL: no body), or -ENOENT with *reply NULL.
 *   _collection_valid: name is [a-z][a-z0-9-]{0,31} and not a core collection. */
bool lumen_api_admin_has(struct lumen_api *api, const char *collection);
int lumen_api_admin_call(struct lumen_api *api, const char *collection, const char *method,
			 const char *path, const json_t *body, json_t **reply);
bool lumen_api_admin_collection_valid(const char *name);
/* The registry behind them (core.c wires these into struct lumen_core). */
void api_admin_ext_init(struct lumen_api *api);
void api_admin_ext_fini(struct lumen_api *api);
int api_admin_register(const char *collection, lumen_admin_cb cb, void *arg);
void api_admin_unregister(const char *collection);


/* Events from the WebRTC engine (issue 4) for the handle with this id: each sends the Janus event
 * to the client and calls the plugin's callback where one exists. Control thread. Return 0 or
 * -ENOENT when the handle is gone.
 *   webrtcup: {"janus":"webrtcup"} + setup_media
 *   media:    {"janus":"media","type":"audio|video|data","mid":M,"receiving":B} + media_state
 *   slowlink: {"janus":"slowlink","mid":M,"media":"audio|video","uplink":B,"lost":N}
 *   trickle:  {"janus":"trickle","candidate":C} (candidate transfer full; NULL: {"completed":true})
 *   hangup:   {"janus":"hangup","reason":R} + hangup */
int lumen_api_notify_webrtcup(struct lumen_api *api, uint64_t handle_id);
int lumen_api_notify_media(struct lumen_api *api, uint64_t handle_id, const char *mid,
			   enum lumen_media_kind kind, bool receiving);
int lumen_api_notify_slowlink(struct lumen_api *api, uint64_t handle_id, const char *mid,
			      enum lumen_media_kind kind, bool uplink, uint32_t lost);
int lumen_api_notify_trickle(struct lumen_api *api, uint64_t handle_id, json_t *candidate);
int lumen_api_notify_hangup(struct lumen_api *api, uint64_t handle_id, const char *reason);

#endif
