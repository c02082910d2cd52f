/* admin/admin_internal.h -- what the files of src/admin share: the admin struct, the route table
 * and the reply helpers. Not used outside src/admin (and its tests).
 *
 * admin.c owns the SoupServer and dispatch; routes.c holds the route table (method, path, scope,
 * least role); routes_v1.c the /admin/v1 handlers; routes_plugin.c the plugins' collections;
 * routes_probe.c /metrics, /healthz, /readyz and the core's metric families. Control thread
 * only. */
#ifndef LUMEN_ADMIN_INTERNAL_H
#define LUMEN_ADMIN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <jansson.h>
#include <libsoup/soup.h>

#include "admin/admin.h"
#include "admin/auth.h"

/* Largest request body accepted (JSON bodies here are a few bytes). */
#define LUMEN_ADMIN_MAX_BODY (64 * 1024)

struct lumen_admin {
	struct lumen_api *api;
	struct lumen_plugin_host *host; /* may be NULL */
	struct lumen_admin_hooks hooks;
	struct lumen_admin_auth auth;
	char *listen;      /* "HOST:PORT" as configured */
	char *listen_host; /* without brackets */
	uint16_t listen_port;
	bool loopback; /* listen_host is a loopback address */
	SoupServer *server;
	uint16_t bound_port;
	bool ready;
	bool metrics_registered;
	int64_t start_wall_us; /* g_get_real_time() at lumen_admin_new */
	int64_t start_mono_us;
};

/* A handler: param is the {id} part of the path (or NULL); body is the parsed JSON object of a
 * route that takes one (else NULL), borrowed. The handler sets the whole response. */
typedef void (*lumen_admin_route_fn)(struct lumen_admin *a, SoupServerMessage *msg,
                                     const char *param, const json_t *body,
                                     enum lumen_admin_role role);

struct lumen_admin_route {
	const char *method;
	const char *path; /* exact path, or the prefix before "{id}" when has_param */
	bool has_param;
	enum lumen_admin_scope scope;
	enum lumen_admin_role min_role;
	bool json_body; /* the request must carry a JSON object */
	lumen_admin_route_fn fn;
};

/* Finds the route of method + path. Returns it (with *param = the malloc'd {id} part or NULL),
 * or NULL with *status = 404 (no such path) or 405 (path known, method not; *allow = a malloc'd
 * "GET, DELETE" list for the Allow header). */
const struct lumen_admin_route *lumen_admin_route_find(const char *method, const char *path,
                                                       char **param, int *status, char **allow);

/* A plugin's collection (routes_plugin.c), tried when lumen_admin_route_find finds no path:
 * /admin/v1/<collection>[/...] registered through core->admin_register. Returns a route (GET:
 * viewer, POST/PATCH/PUT/DELETE: operator; *param = the malloc'd path after "/admin/v1/"), or
 * NULL with *status 404 (no such collection) or 405 (*allow as lumen_admin_route_find). */
const struct lumen_admin_route *lumen_admin_plugin_route(struct lumen_admin *a, const char *method,
                                                         const char *path, char **param,
                                                         int *status, char **allow);
/* Its handler: optional JSON body (400 if malformed), the plugin's status and reply. */
void lumen_admin_plugin_request(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                                const json_t *body, enum lumen_admin_role role);

/* Handlers (routes_v1.c, routes_probe.c). */
void lumen_admin_get_info(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                          const json_t *body, enum lumen_admin_role role);
void lumen_admin_get_sessions(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                              const json_t *body, enum lumen_admin_role role);
void lumen_admin_get_session(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                             const json_t *body, enum lumen_admin_role role);
void lumen_admin_delete_session(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                                const json_t *body, enum lumen_admin_role role);
void lumen_admin_get_plugins(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                             const json_t *body, enum lumen_admin_role role);
void lumen_admin_put_log_level(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                               const json_t *body, enum lumen_admin_role role);
void lumen_admin_post_reload(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                             const json_t *body, enum lumen_admin_role role);
void lumen_admin_get_drain(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                           const json_t *body, enum lumen_admin_role role);
void lumen_admin_post_drain(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                            const json_t *body, enum lumen_admin_role role);
void lumen_admin_delete_drain(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                              const json_t *body, enum lumen_admin_role role);
void lumen_admin_get_metrics(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                             const json_t *body, enum lumen_admin_role role);
void lumen_admin_get_healthz(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                             const json_t *body, enum lumen_admin_role role);
void lumen_admin_get_readyz(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                            const json_t *body, enum lumen_admin_role role);

/* Registers / removes the core's metric families (lumen_sessions, lumen_requests_total, ...).
 * Returns 0 or a negative errno from the registry. */
int lumen_admin_metrics_register(struct lumen_admin *a);
void lumen_admin_metrics_unregister(struct lumen_admin *a);

/* Replies. json is stolen. */
void lumen_admin_reply_json(SoupServerMessage *msg, int status, json_t *json);
void lumen_admin_reply_error(SoupServerMessage *msg, int status, const char *code, const char *fmt,
                             ...) __attribute__((format(printf, 4, 5)));
/* text is taken (g_free'd). */
void lumen_admin_reply_text(SoupServerMessage *msg, int status, const char *content_type,
                            char *text);

#endif
