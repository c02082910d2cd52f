/* admin/admin.c -- the admin API's life and request dispatch on its own SoupServer.
 *
 * Every request passes one early handler, run as soon as its headers are in and before any body
 * is read: it finds the route (404/405), checks the bearer credential (401) and the caller's role
 * against the route (403), and refuses bodies over LUMEN_ADMIN_MAX_BODY or without a length
 * (413/411); the body of a refused request is never buffered. The main handler then parses
 * a JSON body where the route takes one (400) and calls the route's function. Paths no core
 * route matches may belong to a plugin's collection (routes_plugin.c), admitted the same way.
 * Errors are JSON objects {"error":{"code","message"}}. Refuses to start without credentials on a non-loopback listener
 * (DESIGN.md decision 9). Control thread only: the server runs on the thread-default context of
 * the thread that calls lumen_admin_listen. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_internal.h"
#include "api/httpkeep.h"
#include "../config.h"
#include "log.h"

LUMEN_LOG_CATEGORY(cat_admin, "admin");

void lumen_admin_reply_json(SoupServerMessage *msg, int status, json_t *json)
{
	char *text = json ? json_dumps(json, JSON_COMPACT) : NULL;
	char *body = g_strdup_printf("%s\n", text ? text : "{}");

	free(text); /* json_dumps allocates with malloc */
	json_decref(json);
	soup_server_message_set_status(msg, status, NULL);
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
	                             "no-store");
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_TAKE, body,
	                                 strlen(body));
}

void lumen_admin_reply_error(SoupServerMessage *msg, int status, const char *code, const char *fmt,
                             ...)
{
	va_list ap;
	char *message, *valid;

	va_start(ap, fmt);
	message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* Messages quote request paths: make them valid UTF-8 for JSON. */
	valid = g_utf8_make_valid(message, -1);
	lumen_admin_reply_json(msg, status,
	                       json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", valid));
	g_free(valid);
	g_free(message);
}

void lumen_admin_reply_text(SoupServerMessage *msg, int status, const char *content_type,
                            char *text)
{
	soup_server_message_set_status(msg, status, NULL);
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
	                             "no-store");
	soup_server_message_set_response(msg, content_type, SOUP_MEMORY_TAKE, text, strlen(text));
}

static bool peer_is_loopback(SoupServerMessage *msg)
{
	GSocketAddress *sa = soup_server_message_get_remote_address(msg);

	return sa && G_IS_INET_SOCKET_ADDRESS(sa) &&
	       g_inet_address_get_is_loopback(
	           g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(sa)));
}

/* Route, credential and role checks shared by both handler stages. Returns the route, or NULL
 * after setting the error response. *role and *param are set for a found route. */
static const struct lumen_admin_route *admit(struct lumen_admin *a, SoupServerMessage *msg,
                                             enum lumen_admin_role *role, char **param)
{
	const char *method = soup_server_message_get_method(msg);
	const char *path = g_uri_get_path(soup_server_message_get_uri(msg));
	SoupMessageHeaders *req = soup_server_message_get_request_headers(msg);
	const struct lumen_admin_route *r;
	const char *why;
	char *allow;
	int status;

	r = lumen_admin_route_find(method, path, param, &status, &allow);
	if (!r && status == 404)
		r = lumen_admin_plugin_route(a, method, path, param, &status, &allow);
	if (!r && status == 405) {
		soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
		                             allow);
		lumen_admin_reply_error(msg, 405, "method_not_allowed",
		                        "%s is not allowed on %s (allowed: %s)", method, path,
		                        allow);
		g_free(allow);
		return NULL;
	}
	if (!r) {
		lumen_admin_reply_error(msg, 404, "not_found", "no such endpoint: %s", path);
		return NULL;
	}
	if (lumen_admin_auth_check(
	        &a->auth, r->scope, soup_message_headers_get_one(req, "Authorization"),
	        peer_is_loopback(msg), g_get_real_time() / G_USEC_PER_SEC, role, &why) < 0) {
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
		                             "WWW-Authenticate", "Bearer realm=\"lumen-admin\"");
		lumen_admin_reply_error(msg, 401, "unauthorized", "%s", why);
		goto fail;
	}
	if (*role < r->min_role) {
		lumen_admin_reply_error(
		    msg, 403, "forbidden", "%s %s needs the %s role (this credential has %s)",
		    method, path, lumen_admin_role_name(r->min_role), lumen_admin_role_name(*role));
		goto fail;
	}
	return r;
fail:
	g_free(*param);
	*param = NULL;
	return NULL;
}

static void on_early(SoupServer *server, SoupServerMessage *msg, const char *path,
                     GHashTable *query, gpointer data)
{
	struct lumen_admin *a = data;
	SoupMessageHeaders *req = soup_server_message_get_request_headers(msg);
	enum lumen_admin_role role;
	char *param = NULL;
	const char *method;

	if (admit(a, msg, &role, &param)) {
		g_free(param);
		switch (soup_message_headers_get_encoding(req)) {
		case SOUP_ENCODING_NONE:
			break;
		case SOUP_ENCODING_CONTENT_LENGTH:
			if (soup_message_headers_get_content_length(req) > LUMEN_ADMIN_MAX_BODY)
				lumen_admin_reply_error(msg, 413, "payload_too_large",
				                        "request body over %d bytes",
				                        LUMEN_ADMIN_MAX_BODY);
			break;
		default:
			lumen_admin_reply_error(msg, 411, "length_required",
			                        "request bodies need a Content-Length");
			break;
		}
	}
	if (soup_server_message_get_status(msg) == 0)
		return;
	method = soup_server_message_get_method(msg);
	LOG_DEBUG(cat_admin, "%s %s refused: %u", method, path,
	          soup_server_message_get_status(msg));
	/* Refused: unless the client asked "Expect: 100-continue", libsoup still reads the body
	 * to find the next request. Keep none of it, and close the connection after replying. */
	if (soup_message_headers_get_encoding(req) != SOUP_ENCODING_NONE) {
		soup_message_body_set_accumulate(soup_server_message_get_request_body(msg), FALSE);
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
		                             "Connection", "close");
	}
}

/* Parses the request body of a route that takes a JSON object. Returns it or NULL after
 * setting a 400 response. */
static json_t *parse_body(SoupServerMessage *msg)
{
	SoupMessageBody *b = soup_server_message_get_request_body(msg);
	GBytes *bytes = soup_message_body_flatten(b);
	gsize n;
	const char *data = g_bytes_get_data(bytes, &n);
	json_error_t jerr;
	json_t *json;

	json = n ? json_loadb(data, n, 0, &jerr) : NULL;
	g_bytes_unref(bytes);
	if (!n) {
		lumen_admin_reply_error(msg, 400, "bad_request", "this endpoint needs a JSON body");
		return NULL;
	}
	if (!json) {
		lumen_admin_reply_error(msg, 400, "bad_request", "invalid JSON at line %d: %s",
		                        jerr.line, jerr.text);
		return NULL;
	}
	if (!json_is_object(json)) {
		json_decref(json);
		lumen_admin_reply_error(msg, 400, "bad_request", "the body must be a JSON object");
		return NULL;
	}
	return json;
}

static void on_request(SoupServer *server, SoupServerMessage *msg, const char *path,
                       GHashTable *query, gpointer data)
{
	struct lumen_admin *a = data;
	enum lumen_admin_role role;
	const struct lumen_admin_route *r;
	char *param = NULL;
	json_t *body = NULL;

	/* The early handler admitted it already, but the credential may have changed in between
	 * (reload): check again, it costs microseconds. */
	r = admit(a, msg, &role, &param);
	if (!r)
		goto out;
	if (r->json_body && !(body = parse_body(msg)))
		goto out;
	r->fn(a, msg, param, body, role);
out:
	LOG_DEBUG(cat_admin, "%s %s -> %u", soup_server_message_get_method(msg), path,
	          soup_server_message_get_status(msg));
	json_decref(body);
	g_free(param);
}

static int parse_listen(struct lumen_admin *a, const char *listen, char **err)
{
	GSocketConnectable *na = g_network_address_parse(listen, 0, NULL);
	GInetAddress *addr;

	if (!na || !strchr(listen, ':')) {
		*err = g_strdup_printf("admin.listen \"%s\" is not HOST:PORT", listen);
		g_clear_object(&na);
		return -EINVAL;
	}
	a->listen_host = g_strdup(g_network_address_get_hostname(G_NETWORK_ADDRESS(na)));
	a->listen_port = g_network_address_get_port(G_NETWORK_ADDRESS(na));
	g_object_unref(na);
	if (strcmp(a->listen_host, "localhost") == 0) {
		g_free(a->listen_host);
		a->listen_host = g_strdup("127.0.0.1");
	}
	addr = g_inet_address_new_from_string(a->listen_host);
	if (!addr) {
		*err =
		    g_strdup_printf("admin.listen \"%s\": the host must be an IP address", listen);
		return -EINVAL;
	}
	a->loopback = g_inet_address_get_is_loopback(addr);
	g_object_unref(addr);
	return 0;
}

/* DESIGN.md decision 9: credentials are optional only on a loopback-only listener. */
static int check_exposure(const struct lumen_admin *a, const struct lumen_admin_auth *auth,
                          char **err)
{
	if (a->loopback || !lumen_admin_auth_open(auth))
		return 0;
	*err = g_strdup_printf("admin.listen %s is not a loopback address: set admin.token or "
	                       "admin.jwt_secret, or listen on 127.0.0.1",
	                       a->listen);
	return -EINVAL;
}

int lumen_admin_check_config(const struct lumen_config *cfg, char **err)
{
	struct lumen_admin probe = {.listen = cfg->admin.listen};
	struct lumen_admin_auth auth;
	int ret;

	lumen_admin_auth_init(&auth, cfg->admin.token, cfg->admin.jwt_secret,
	                      cfg->admin.metrics_token);
	ret = parse_listen(&probe, cfg->admin.listen, err);
	if (ret == 0)
		ret = check_exposure(&probe, &auth, err);
	g_free(probe.listen_host);
	lumen_admin_auth_fini(&auth);
	return ret;
}

struct lumen_admin *lumen_admin_new(const struct lumen_config *cfg, struct lumen_api *api,
                                    struct lumen_plugin_host *host,
                                    const struct lumen_admin_hooks *hooks, char **err)
{
	struct lumen_admin *a = g_new0(struct lumen_admin, 1);
	int ret;

	a->api = api;
	a->host = host;
	if (hooks)
		a->hooks = *hooks;
	a->listen = g_strdup(cfg->admin.listen);
	a->start_wall_us = g_get_real_time();
	a->start_mono_us = g_get_monotonic_time();
	lumen_admin_auth_init(&a->auth, cfg->admin.token, cfg->admin.jwt_secret,
	                      cfg->admin.metrics_token);
	if (parse_listen(a, a->listen, err) < 0 || check_exposure(a, &a->auth, err) < 0)
		goto fail;
	ret = lumen_admin_metrics_register(a);
	if (ret < 0) {
		*err = g_strdup_printf("admin: cannot register the core metrics: %s",
		                       g_strerror(-ret));
		goto fail;
	}
	a->server = soup_server_new("server-header", "lumen-admin ", NULL);
	/* Every connection closes after its response: libsoup 3.2 would leak the ones a client
	 * closes while idle (api/httpkeep.h keeps the client API's alive), and the admin API's
	 * clients (lumenctl, Prometheus' scrapes) do not need the saving. */
	g_signal_connect(a->server, "request-read", G_CALLBACK(api_http_close_after_response), NULL);
	soup_server_add_early_handler(a->server, NULL, on_early, a, NULL);
	soup_server_add_handler(a->server, NULL, on_request, a, NULL);
	return a;
fail:
	lumen_admin_free(a);
	return NULL;
}

int lumen_admin_listen(struct lumen_admin *a, char **err)
{
	GInetAddress *addr = g_inet_address_new_from_string(a->listen_host);
	GSocketAddress *sa = g_inet_socket_address_new(addr, a->listen_port);
	GError *gerr = NULL;
	GSList *uris;

	g_object_unref(addr);
	if (!soup_server_listen(a->server, sa, 0, &gerr)) {
		*err =
		    g_strdup_printf("admin API cannot listen on %s: %s", a->listen, gerr->message);
		g_error_free(gerr);
		g_object_unref(sa);
		return -EADDRINUSE;
	}
	g_object_unref(sa);
	uris = soup_server_get_uris(a->server);
	if (uris)
		a->bound_port = (uint16_t)g_uri_get_port(uris->data);
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	LOG_INFO(cat_admin, "admin API on http://%s:%u/admin/v1 (%s)", a->listen_host,
	         a->bound_port,
	         lumen_admin_auth_open(&a->auth) ? "no credential: loopback clients only"
	                                         : "bearer token required");
	return 0;
}

uint16_t lumen_admin_port(const struct lumen_admin *a)
{
	return a->bound_port;
}

void lumen_admin_reconfigure(struct lumen_admin *a, const struct lumen_config *cfg)
{
	struct lumen_admin_auth next;
	char *err = NULL;

	if (strcmp(cfg->admin.listen, a->listen) != 0)
		LOG_WARN(cat_admin, "admin.listen changed to %s: takes effect after a restart",
		         cfg->admin.listen);
	lumen_admin_auth_init(&next, cfg->admin.token, cfg->admin.jwt_secret,
	                      cfg->admin.metrics_token);
	if (check_exposure(a, &next, &err) < 0) {
		LOG_ERROR(cat_admin, "reload: %s; keeping the previous admin credentials", err);
		g_free(err);
		lumen_admin_auth_fini(&next);
		return;
	}
	lumen_admin_auth_fini(&a->auth);
	a->auth = next;
}

void lumen_admin_set_ready(struct lumen_admin *a, bool ready)
{
	if (a)
		a->ready = ready;
}

void lumen_admin_free(struct lumen_admin *a)
{
	if (!a)
		return;
	if (a->server) {
		soup_server_disconnect(a->server);
		g_object_unref(a->server);
	}
	lumen_admin_metrics_unregister(a);
	lumen_admin_auth_fini(&a->auth);
	g_free(a->listen);
	g_free(a->listen_host);
	g_free(a);
}
