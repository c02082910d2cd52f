/* admin/routes_v1.c -- the /admin/v1 handlers: info, sessions (list, one, kick), plugins, log
 * level, config reload and drain. Each reads the client API and the plugin host through their
 * admin views (api.h, host.h) or calls the daemon's hooks, and answers JSON; the route table
 * (routes.c) has already checked credential and role. Control thread only. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_internal.h"
#include "api/api.h"
#include "log.h"
#include "plugin/host.h"

LUMEN_LOG_CATEGORY(cat_admin_v1, "admin");

#ifndef LUMEN_VERSION
#define LUMEN_VERSION "unknown"
#endif

static json_t *plugins_json(const struct lumen_admin *a)
{
	json_t *all = a->host ? lumen_plugin_host_to_json(a->host) : NULL;

	return json_is_array(all) ? all : (json_decref(all), json_array());
}

void lumen_admin_get_info(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                          const json_t *body, enum lumen_admin_role role)
{
	struct lumen_api_stats st = {0};
	json_t *plugins = plugins_json(a), *brief = json_array(), *p;
	GDateTime *start = g_date_time_new_from_unix_utc(a->start_wall_us / G_USEC_PER_SEC);
	char *started = g_date_time_format_iso8601(start);
	bool draining = lumen_api_draining(a->api);
	size_t i;

	lumen_api_get_stats(a->api, &st);
	json_array_foreach(plugins, i, p) json_array_append_new(
	    brief, json_pack("{s:O?,s:O?,s:O?}", "package", json_object_get(p, "package"), "name",
	                     json_object_get(p, "name"), "version", json_object_get(p, "version")));
	lumen_admin_reply_json(
	    msg, 200,
	    json_pack("{s:s,s:s,s:s,s:I,s:b,s:b,s:I,s:I,s:o,s:s}", "name", "lumen", "version",
	              LUMEN_VERSION, "started_at", started, "uptime_seconds",
	              (json_int_t)((g_get_monotonic_time() - a->start_mono_us) / G_USEC_PER_SEC),
	              "ready", a->ready && !draining, "draining", draining, "sessions",
	              (json_int_t)st.sessions, "handles", (json_int_t)st.handles, "plugins", brief,
	              "role", lumen_admin_role_name(role)));
	json_decref(plugins);
	g_free(started);
	g_date_time_unref(start);
}

void lumen_admin_get_sessions(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                              const json_t *body, enum lumen_admin_role role)
{
	json_t *list = lumen_api_sessions_json(a->api);

	if (!json_is_array(list)) {
		json_decref(list);
		lumen_admin_reply_error(msg, 500, "internal", "the session list is unavailable");
		return;
	}
	lumen_admin_reply_json(
	    msg, 200,
	    json_pack("{s:I,s:o}", "count", (json_int_t)json_array_size(list), "sessions", list));
}

/* Parses the {id} of /sessions/{id}: a decimal session id > 0. Sets a 400 response if not. */
static bool parse_id(SoupServerMessage *msg, const char *param, uint64_t *id)
{
	guint64 v;

	if (!param || !g_ascii_string_to_unsigned(param, 10, 1, G_MAXUINT64, &v, NULL)) {
		lumen_admin_reply_error(msg, 400, "bad_request",
		                        "session id must be a positive decimal integer");
		return false;
	}
	*id = v;
	return true;
}

void lumen_admin_get_session(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                             const json_t *body, enum lumen_admin_role role)
{
	uint64_t id;
	json_t *s;

	if (!parse_id(msg, param, &id))
		return;
	s = lumen_api_session_json(a->api, id);
	if (!s) {
		lumen_admin_reply_error(msg, 404, "not_found", "no session %" PRIu64, id);
		return;
	}
	lumen_admin_reply_json(msg, 200, s);
}

void lumen_admin_delete_session(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                                const json_t *body, enum lumen_admin_role role)
{
	uint64_t id;

	if (!parse_id(msg, param, &id))
		return;
	if (lumen_api_destroy_session(a->api, id) < 0) {
		lumen_admin_reply_error(msg, 404, "not_found", "no session %" PRIu64, id);
		return;
	}
	LOG_INFO(cat_admin_v1, "session %" PRIu64 " destroyed through the admin API (role %s)", id,
	         lumen_admin_role_name(role));
	lumen_admin_reply_json(msg, 200,
	                       json_pack("{s:I,s:b}", "id", (json_int_t)id, "destroyed", 1));
}

void lumen_admin_get_plugins(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                             const json_t *body, enum lumen_admin_role role)
{
	json_t *refused = a->host ? lumen_plugin_host_refused(a->host) : NULL;

	if (!json_is_array(refused)) {
		json_decref(refused);
		refused = json_array();
	}
	lumen_admin_reply_json(
	    msg, 200, json_pack("{s:o,s:o}", "plugins", plugins_json(a), "refused", refused));
}

/* Reads an optional string member. Returns false (400 set) when present but not a string. */
static bool opt_string(SoupServerMessage *msg, const json_t *body, const char *key,
                       const char **out)
{
	const json_t *v = json_object_get(body, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v)) {
		lumen_admin_reply_error(msg, 400, "bad_request", "\"%s\" must be a string", key);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

void lumen_admin_put_log_level(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                               const json_t *body, enum lumen_admin_role role)
{
	const char *level, *levels, *key;
	char *err = NULL;
	json_t *v;

	if (!opt_string(msg, body, "level", &level) || !opt_string(msg, body, "levels", &levels))
		return;
	json_object_foreach((json_t *)body, key, v)
	{
		if (strcmp(key, "level") != 0 && strcmp(key, "levels") != 0) {
			lumen_admin_reply_error(msg, 400, "bad_request",
			                        "unknown member \"%s\" (expected level, levels)",
			                        key);
			return;
		}
	}
	if (!level && !levels) {
		lumen_admin_reply_error(msg, 400, "bad_request",
		                        "give \"level\" (error, warn, info, debug, trace) and/or "
		                        "\"levels\" (\"category:level,...\")");
		return;
	}
	if (!a->hooks.set_log_level) {
		lumen_admin_reply_error(msg, 500, "internal",
		                        "log level changes are not available");
		return;
	}
	if (a->hooks.set_log_level(a->hooks.arg, level, levels, &err) < 0) {
		lumen_admin_reply_error(msg, 400, "bad_request", "%s",
		                        err ? err : "invalid log level");
		g_free(err);
		return;
	}
	lumen_admin_reply_json(msg, 200,
	                       json_pack("{s:s?,s:s?}", "level", level, "levels", levels));
}

void lumen_admin_post_reload(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                             const json_t *body, enum lumen_admin_role role)
{
	char *err = NULL;

	if (!a->hooks.reload) {
		lumen_admin_reply_error(msg, 500, "internal",
		                        "configuration reload is not available");
		return;
	}
	if (a->hooks.reload(a->hooks.arg, &err) < 0) {
		lumen_admin_reply_error(msg, 500, "reload_failed",
		                        "configuration not reloaded, the running one is kept: %s",
		                        err ? err : "unknown error");
		g_free(err);
		return;
	}
	LOG_INFO(cat_admin_v1, "configuration reloaded through the admin API (role %s)",
	         lumen_admin_role_name(role));
	lumen_admin_reply_json(msg, 200, json_pack("{s:b}", "reloaded", 1));
}

static void reply_drain(struct lumen_admin *a, SoupServerMessage *msg)
{
	lumen_admin_reply_json(msg, 200,
	                       json_pack("{s:b}", "draining", lumen_api_draining(a->api)));
}

void lumen_admin_get_drain(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                           const json_t *body, enum lumen_admin_role role)
{
	reply_drain(a, msg);
}

void lumen_admin_post_drain(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                            const json_t *body, enum lumen_admin_role role)
{
	if (!lumen_api_draining(a->api))
		LOG_INFO(cat_admin_v1, "draining: new sessions are refused (role %s)",
		         lumen_admin_role_name(role));
	lumen_api_set_draining(a->api, true);
	reply_drain(a, msg);
}

void lumen_admin_delete_drain(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                              const json_t *body, enum lumen_admin_role role)
{
	if (lumen_api_draining(a->api))
		LOG_INFO(cat_admin_v1, "drain ended: new sessions are accepted again (role %s)",
		         lumen_admin_role_name(role));
	lumen_api_set_draining(a->api, false);
	reply_drain(a, msg);
}
