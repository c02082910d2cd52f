/* admin/routes_plugin.c -- /admin/v1/<collection>[/...] served by plugins (core->admin_register).
 *
 * Consulted only when no core route matches (core collection names cannot be registered, so the
 * two never overlap). GET needs the viewer role, every other method the operator role, checked
 * by admin.c exactly as for core routes, body size limits included. The handler parses a JSON
 * body when there is one (400 on malformed JSON, in the core's error format), calls the plugin
 * through the client API's registry and sends its status and JSON reply as they are (plugins
 * answer errors as {"error":"why"}). Control thread only. */
#include <stdlib.h>
#include <string.h>

#include "admin/admin_internal.h"
#include "api/api.h"

#define V1 "/admin/v1/"

static const char allowed[] = "GET, POST, PATCH, PUT, DELETE";

static const struct lumen_admin_route read_route = {
    "GET", V1, true, LUMEN_ADMIN_SCOPE_API, LUMEN_ADMIN_ROLE_VIEWER, false,
    lumen_admin_plugin_request};
static const struct lumen_admin_route write_route = {
    "*", V1, true, LUMEN_ADMIN_SCOPE_API, LUMEN_ADMIN_ROLE_OPERATOR, false,
    lumen_admin_plugin_request};

/* Splits "/admin/v1/COLL[/REST]" into a malloc'd collection; *rest points into path. */
static char *split(const char *path, const char **rest)
{
	const char *c, *slash;

	if (!path || !g_str_has_prefix(path, V1))
		return NULL;
	c = path + strlen(V1);
	slash = strchr(c, '/');
	*rest = slash ? slash : c + strlen(c);
	return g_strndup(c, (gsize)(*rest - c));
}

const struct lumen_admin_route *lumen_admin_plugin_route(struct lumen_admin *a, const char *method,
                                                         const char *path, char **param,
                                                         int *status, char **allow)
{
	const char *rest;
	char *coll = split(path, &rest);
	bool known = coll && lumen_api_admin_has(a->api, coll);

	g_free(coll);
	*param = NULL;
	*allow = NULL;
	*status = 404;
	if (!known)
		return NULL;
	if (strcmp(method, "GET") == 0) {
		*param = g_strdup(path + strlen(V1));
		return &read_route;
	}
	if (strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0) {
		*param = g_strdup(path + strlen(V1));
		return &write_route;
	}
	*status = 405;
	*allow = g_strdup(allowed);
	return NULL;
}

/* The optional JSON body: *out NULL when there is none. Returns false after a 400 reply. */
static bool optional_body(SoupServerMessage *msg, json_t **out)
{
	GBytes *bytes = soup_message_body_flatten(soup_server_message_get_request_body(msg));
	gsize n;
	const char *data = g_bytes_get_data(bytes, &n);
	json_error_t jerr;

	*out = NULL;
	if (n)
		*out = json_loadb(data, n, JSON_DECODE_ANY, &jerr);
	g_bytes_unref(bytes);
	if (n && !*out) {
		lumen_admin_reply_error(msg, 400, "bad_request", "invalid JSON at line %d: %s",
		                        jerr.line, jerr.text);
		return false;
	}
	return true;
}

void lumen_admin_plugin_request(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                                const json_t *unused, enum lumen_admin_role role)
{
	const char *method = soup_server_message_get_method(msg);
	const char *rest;
	char *coll = split(g_uri_get_path(soup_server_message_get_uri(msg)), &rest);
	char *sub = coll ? g_uri_unescape_string(rest, NULL) : NULL;
	json_t *body = NULL, *reply = NULL;
	int status;

	if (!sub) {
		lumen_admin_reply_error(msg, 400, "bad_request", "the path is not valid: %s",
		                        param ? param : "");
		goto out;
	}
	/* "/admin/v1/rooms/" is the collection itself, "/rooms/12/" the same as "/rooms/12". */
	while (g_str_has_suffix(sub, "/"))
		sub[strlen(sub) - 1] = '\0';
	if (!optional_body(msg, &body))
		goto out;
	status = lumen_api_admin_call(a->api, coll, method, sub, body, &reply);
	if (status < 0) {
		/* Unregistered between the admission check and now (it ran in the same loop
		 * iteration only if the plugin did it from its own callback). */
		lumen_admin_reply_error(msg, 404, "not_found", "no such endpoint: /admin/v1/%s",
		                        param ? param : "");
		goto out;
	}
	if (reply) {
		lumen_admin_reply_json(msg, status, reply);
	} else {
		soup_server_message_set_status(msg, status, NULL);
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
		                             "Cache-Control", "no-store");
	}
out:
	json_decref(body);
	g_free(sub);
	g_free(coll);
}
