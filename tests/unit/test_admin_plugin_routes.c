/* test_admin_plugin_routes.c -- /admin/v1/<collection> served by a plugin (src/admin/
 * routes_plugin.c) over real HTTP, with the client API's registry replaced by the "widgets"
 * double of admin_doubles.c: methods, sub-paths, JSON bodies and their errors, roles, 404/405,
 * and core routes keeping precedence. The registry itself (ownership, unregister, a plugin that
 * stops without unregistering) is tested against the real daemon in
 * tests/integration/admin_plugin_ext.sh. */
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "admin_doubles.h"
#include "metrics.h"

#define SECRET "plugin-routes-secret"

static struct test_admin *srv;
static char *viewer, *operator_;

static void setup(void)
{
	char *err = NULL;

	memset(&dbl, 0, sizeof(dbl));
	dbl.with_host = true;
	dbl.widgets = true;
	srv = test_admin_start(NULL, "tok", SECRET, NULL, &err);
	cr_assert_not_null(srv, "admin did not start: %s", err ? err : "?");
	viewer = test_jwt(SECRET, "viewer", 0);
	operator_ = test_jwt(SECRET, "operator", 0);
}

static void teardown(void)
{
	test_admin_stop(srv);
	srv = NULL;
	g_free(viewer);
	g_free(operator_);
	lumen_metrics_clear();
}

TestSuite(admin_plugin_routes, .init = setup, .fini = teardown, .timeout = 30);

/* One request; returns the parsed reply (NULL when the body is empty) and checks the status. */
static json_t *call(const char *method, const char *path, const char *bearer, const char *body,
                    int want_status)
{
	char *resp = NULL;
	int status = test_http(srv, method, path, bearer, body, &resp);
	json_t *j = resp && *resp ? json_loads(resp, 0, NULL) : NULL;

	cr_assert_eq(status, want_status, "%s %s: %d %s", method, path, status, resp);
	cr_assert(!(resp && *resp) || j, "%s %s: not JSON: %s", method, path, resp);
	g_free(resp);
	return j;
}

static const char *str(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static const char *error_code(const json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "error"), "code"));
}

Test(admin_plugin_routes, get_post_patch_delete_reach_the_plugin_with_sub_paths_and_bodies)
{
	json_t *j = call("GET", "/admin/v1/widgets", "tok", NULL, 200);

	cr_assert_str_eq(str(j, "method"), "GET");
	cr_assert_str_eq(str(j, "path"), "");
	cr_assert(json_is_null(json_object_get(j, "body")));
	json_decref(j);

	j = call("GET", "/admin/v1/widgets/12/parts", "tok", NULL, 200);
	cr_assert_str_eq(str(j, "path"), "/12/parts");
	json_decref(j);
	j = call("GET", "/admin/v1/widgets/", "tok", NULL, 200);
	cr_assert_str_eq(str(j, "path"), "", "a trailing slash names the collection");
	json_decref(j);
	j = call("GET", "/admin/v1/widgets/a%20b", "tok", NULL, 200);
	cr_assert_str_eq(str(j, "path"), "/a b", "the sub-path is percent-decoded");
	json_decref(j);

	j = call("POST", "/admin/v1/widgets", "tok", "{\"size\":3}", 201);
	cr_assert_str_eq(str(j, "method"), "POST");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "body"), "size")), 3);
	json_decref(j);
	j = call("PATCH", "/admin/v1/widgets/12", operator_, "{\"size\":4}", 200);
	cr_assert_str_eq(str(j, "method"), "PATCH");
	cr_assert_str_eq(str(j, "path"), "/12");
	json_decref(j);
	j = call("POST", "/admin/v1/widgets/12/poke", "tok", NULL, 201);
	cr_assert(json_is_null(json_object_get(j, "body")), "no body is passed as NULL");
	json_decref(j);

	cr_assert_null(call("DELETE", "/admin/v1/widgets/12", "tok", NULL, 204),
	               "a NULL reply is sent without a body");
	cr_assert_eq(dbl.widget_calls, 8);
}

Test(admin_plugin_routes, the_plugins_error_reply_and_status_are_passed_through)
{
	json_t *j = call("GET", "/admin/v1/widgets/missing", "tok", NULL, 404);

	cr_assert_str_eq(str(j, "error"), "no such widget");
	json_decref(j);
}

Test(admin_plugin_routes, viewers_read_operators_write)
{
	static const char *const writes[] = {"POST", "PATCH", "PUT", "DELETE"};
	json_t *j = call("GET", "/admin/v1/widgets", viewer, NULL, 200);

	json_decref(j);
	for (size_t i = 0; i < G_N_ELEMENTS(writes); i++) {
		j = call(writes[i], "/admin/v1/widgets/1", viewer, "{}", 403);
		cr_assert_str_eq(error_code(j), "forbidden");
		json_decref(j);
		j = call(writes[i], "/admin/v1/widgets/1", operator_, "{}",
		         strcmp(writes[i], "POST") == 0     ? 201
		         : strcmp(writes[i], "DELETE") == 0 ? 204
		                                            : 200);
		json_decref(j);
	}
	cr_assert_eq(dbl.widget_calls, 5, "refused requests never reach the plugin");
	j = call("GET", "/admin/v1/widgets", NULL, NULL, 401);
	cr_assert_str_eq(error_code(j), "unauthorized");
	json_decref(j);
	j = call("GET", "/admin/v1/widgets", "wrong", NULL, 401);
	json_decref(j);
	cr_assert_eq(dbl.widget_calls, 5);
}

Test(admin_plugin_routes, malformed_json_is_400_and_never_reaches_the_plugin)
{
	json_t *j = call("POST", "/admin/v1/widgets", "tok", "{\"size\":", 400);

	cr_assert_str_eq(error_code(j), "bad_request");
	cr_assert(strstr(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
	                 "invalid JSON"));
	json_decref(j);
	j = call("PATCH", "/admin/v1/widgets/1", "tok", "not json", 400);
	json_decref(j);
	cr_assert_eq(dbl.widget_calls, 0);
}

Test(admin_plugin_routes, bodies_over_the_core_limit_are_413)
{
	size_t n = 65 * 1024;
	char *big = g_malloc(n + 1);
	json_t *j;

	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	j = call("POST", "/admin/v1/widgets", "tok", big, 413);
	cr_assert_str_eq(error_code(j), "payload_too_large");
	json_decref(j);
	g_free(big);
	cr_assert_eq(dbl.widget_calls, 0);
}

Test(admin_plugin_routes, unknown_collections_are_404_and_other_methods_405)
{
	json_t *j = call("GET", "/admin/v1/gadgets", "tok", NULL, 404);

	cr_assert_str_eq(error_code(j), "not_found");
	json_decref(j);
	j = call("GET", "/admin/v1/gadgets/1", "tok", NULL, 404);
	json_decref(j);
	j = call("GET", "/admin/v1/widgetsx", "tok", NULL, 404);
	json_decref(j);
	j = call("OPTIONS", "/admin/v1/widgets", "tok", NULL, 405);
	cr_assert_str_eq(error_code(j), "method_not_allowed");
	json_decref(j);
	dbl.widgets = false;
	j = call("GET", "/admin/v1/widgets", "tok", NULL, 404);
	json_decref(j);
	cr_assert_eq(dbl.widget_calls, 0);
}

Test(admin_plugin_routes, core_routes_keep_precedence)
{
	json_t *j = call("GET", "/admin/v1/info", "tok", NULL, 200);

	cr_assert_str_eq(str(j, "name"), "lumen");
	json_decref(j);
	cr_assert_eq(dbl.widget_calls, 0);
}
