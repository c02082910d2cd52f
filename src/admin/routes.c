/* admin/routes.c -- the admin API's route table: every endpoint with its method, the credential
 * scope it is checked against and the least role that may call it, in one place (documented in
 * docs/admin-api.md, "Roles"). Lookup is a linear walk: there are 14 rows. Pure; any thread. */
#include <string.h>

#include "admin/admin_internal.h"

#define V1 "/admin/v1"

static const struct lumen_admin_route routes[] = {
    {"GET", V1 "/info", false, LUMEN_ADMIN_SCOPE_API, LUMEN_ADMIN_ROLE_VIEWER, false,
     lumen_admin_get_info},
    {"GET", V1 "/sessions", false, LUMEN_ADMIN_SCOPE_API, LUMEN_ADMIN_ROLE_VIEWER, false,
     lumen_admin_get_sessions},
    {"GET", V1 "/sessions/", true, LUMEN_ADMIN_SCOPE_API, LUMEN_ADMIN_ROLE_VIEWER, false,
     lumen_admin_get_session},
    {"DELETE", V1 "/sessions/", true, LUMEN_ADMIN_SCOPE_API, LUMEN_ADMIN_ROLE_OPERATOR, false,
     lumen_admin_delete_session},
    {"GET", V1 "/plugins", false, LUMEN_ADMIN_SCOPE_API, LUMEN_ADMIN_ROLE_VIEWER, false,
     lumen_admin_get_plugins},
    {"PUT", V1 "/log-level", false, LUMEN_ADMIN_SCOPE_API, LUMEN_ADMIN_ROLE_OPERATOR, true,
     lumen_admin_put_log_level},
    {"POST", V1 "/config/reload", false, LUMEN_ADMIN_SCOPE_API, LUMEN_ADMIN_ROLE_ADMIN, false,
     lumen_admin_post_reload},
    {"GET", V1 "/drain", false, LUMEN_ADMIN_SCOPE_API, LUMEN_ADMIN_ROLE_VIEWER, false,
     lumen_admin_get_drain},
    {"POST", V1 "/drain", false, LUMEN_ADMIN_SCOPE_API, LUMEN_ADMIN_ROLE_OPERATOR, false,
     lumen_admin_post_drain},
    {"DELETE", V1 "/drain", false, LUMEN_ADMIN_SCOPE_API, LUMEN_ADMIN_ROLE_OPERATOR, false,
     lumen_admin_delete_drain},
    {"GET", "/metrics", false, LUMEN_ADMIN_SCOPE_PROBE, LUMEN_ADMIN_ROLE_NONE, false,
     lumen_admin_get_metrics},
    {"GET", "/healthz", false, LUMEN_ADMIN_SCOPE_PROBE, LUMEN_ADMIN_ROLE_NONE, false,
     lumen_admin_get_healthz},
    {"GET", "/readyz", false, LUMEN_ADMIN_SCOPE_PROBE, LUMEN_ADMIN_ROLE_NONE, false,
     lumen_admin_get_readyz},
};

/* Does path match row r? Sets *param (borrowed, inside path) for {id} rows. */
static bool path_matches(const struct lumen_admin_route *r, const char *path, const char **param)
{
	size_t n = strlen(r->path);

	*param = NULL;
	if (!r->has_param)
		return strcmp(r->path, path) == 0;
	if (strncmp(r->path, path, n) != 0 || path[n] == '\0' || strchr(path + n, '/'))
		return false;
	*param = path + n;
	return true;
}

const struct lumen_admin_route *lumen_admin_route_find(const char *method, const char *path,
                                                       char **param, int *status, char **allow)
{
	GString *methods = NULL;
	const char *p;

	*param = NULL;
	*allow = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(routes); i++) {
		if (!path_matches(&routes[i], path, &p))
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			if (methods)
				g_string_free(methods, TRUE);
			*param = g_strdup(p);
			*status = 200;
			return &routes[i];
		}
		if (!methods)
			methods = g_string_new(NULL);
		g_string_append_printf(methods, "%s%s", methods->len ? ", " : "", routes[i].method);
	}
	*status = methods ? 405 : 404;
	if (methods)
		*allow = g_string_free(methods, FALSE);
	return NULL;
}
