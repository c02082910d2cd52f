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

#include "config.h"

struct lumen_api;
struct lumen_plugin_host;

/* Counters the admin API exports (monotonic, read on the control thread). */
struct lumen_api_stats {
	uint64_t sessions;      /* current */
	uint64_t handles;       /* current */
	uint64_t sessions_created_total;
	uint64_t sessions_timed_out_total;
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

#endif
