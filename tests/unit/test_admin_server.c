/* test_admin_server.c -- the admin API over real HTTP on 127.0.0.1 (src/admin/admin.c and the
 * handlers), with the client API and plugin host replaced by doubles (admin_doubles.c): every
 * endpoint, JSON errors with their statuses, auth and role limits, body limits, readiness, drain,
 * metrics, and the refusal to start without credentials on a public address. */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <libsoup/soup.h>

#include "admin_doubles.h"
#include "metrics.h"

static struct test_admin *srv;

static void setup(void)
{
	memset(&dbl, 0, sizeof(dbl));
	dbl.with_host = true;
}

static void teardown(void)
{
	test_admin_stop(srv);
	srv = NULL;
	g_free(dbl.last_level);
	g_free(dbl.last_levels);
	lumen_metrics_clear();
}

TestSuite(admin_server, .init = setup, .fini = teardown, .timeout = 30);

static void start(const char *token, const char *jwt_secret, const char *metrics_token)
{
	char *err = NULL;

	srv = test_admin_start(NULL, token, jwt_secret, metrics_token, &err);
	cr_assert_not_null(srv, "admin did not start: %s", err ? err : "?");
}

/* Asserts status and that the body is {"error":{"code":code,"message":"..."}}. */
static void assert_error(int status, char *const *respp, int want_status, const char *code)
{
	/* resp by pointer: it is read after test_http (argument order is unspecified). */
	const char *resp = *respp;
	json_t *j = json_loads(resp, 0, NULL);
	json_t *e = json_object_get(j, "error");

	cr_assert_eq(status, want_status, "status %d, body %s", status, resp);
	cr_assert(json_is_string(json_object_get(e, "code")), "body %s", resp);
	cr_assert_str_eq(json_string_value(json_object_get(e, "code")), code);
	cr_assert(json_string_length(json_object_get(e, "message")) > 0);
	json_decref(j);
}

static json_t *get_json(const char *path, const char *bearer, int want_status)
{
	char *resp = NULL;
	int status = test_http(srv, "GET", path, bearer, NULL, &resp);
	json_t *j = json_loads(resp, 0, NULL);

	cr_assert_eq(status, want_status, "GET %s: %d %s", path, status, resp);
	cr_assert_not_null(j, "GET %s: not JSON: %s", path, resp);
	g_free(resp);
	return j;
}

Test(admin_server, info_reports_version_uptime_counts_and_plugins)
{
	json_t *j, *p;

	dbl.sessions = 4;
	dbl.handles = 6;
	start("tok", NULL, NULL);
	j = get_json("/admin/v1/info", "tok", 200);
	cr_assert_str_eq(json_string_value(json_object_get(j, "name")), "lumen");
	cr_assert(json_string_length(json_object_get(j, "version")) > 0);
	cr_assert(json_integer_value(json_object_get(j, "uptime_seconds")) >= 0);
	cr_assert(json_is_string(json_object_get(j, "started_at")));
	cr_assert_eq(json_integer_value(json_object_get(j, "sessions")), 4);
	cr_assert_eq(json_integer_value(json_object_get(j, "handles")), 6);
	cr_assert(json_is_false(json_object_get(j, "ready")));
	p = json_array_get(json_object_get(j, "plugins"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(p, "package")), "janus.plugin.echotest");
	cr_assert_str_eq(json_string_value(json_object_get(p, "version")), "1.2.3");
	cr_assert_null(json_object_get(p, "path"), "info lists plugins briefly");
	json_decref(j);
}

Test(admin_server, sessions_list_one_session_and_kick)
{
	json_t *j;
	char *resp = NULL;
	int status;

	dbl.known_session = 4242;
	start("tok", NULL, NULL);
	j = get_json("/admin/v1/sessions", "tok", 200);
	cr_assert_eq(json_integer_value(json_object_get(j, "count")), 1);
	cr_assert_eq(json_integer_value(
	                 json_object_get(json_array_get(json_object_get(j, "sessions"), 0), "id")),
	             4242);
	json_decref(j);
	j = get_json("/admin/v1/sessions/4242", "tok", 200);
	cr_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(j, "handles"), 0), "plugin")),
	                 "janus.plugin.echotest");
	json_decref(j);

	status = test_http(srv, "DELETE", "/admin/v1/sessions/4242", "tok", NULL, &resp);
	cr_assert_eq(status, 200, "%s", resp);
	cr_assert_eq(dbl.destroyed, 4242);
	g_free(resp);
	status = test_http(srv, "DELETE", "/admin/v1/sessions/4242", "tok", NULL, &resp);
	assert_error(status, &resp, 404, "not_found");
	g_free(resp);
	status = test_http(srv, "GET", "/admin/v1/sessions/4242", "tok", NULL, &resp);
	assert_error(status, &resp, 404, "not_found");
	g_free(resp);
}

Test(admin_server, a_session_id_that_is_not_a_positive_integer_is_400)
{
	static const char *const bad[] = {"abc", "0", "-1", "12x", "99999999999999999999999"};
	char *resp = NULL, *path;

	start("tok", NULL, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		path = g_strdup_printf("/admin/v1/sessions/%s", bad[i]);
		assert_error(test_http(srv, "GET", path, "tok", NULL, &resp), &resp, 400,
		             "bad_request");
		g_free(resp);
		assert_error(test_http(srv, "DELETE", path, "tok", NULL, &resp), &resp, 400,
		             "bad_request");
		g_free(resp);
		g_free(path);
	}
}

Test(admin_server, plugins_lists_loaded_and_refused_plugins)
{
	json_t *j;

	start("tok", NULL, NULL);
	j = get_json("/admin/v1/plugins", "tok", 200);
	cr_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(j, "plugins"), 0), "path")),
	                 "/x/echotest.so");
	cr_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(j, "refused"), 0), "file")),
	                 "bad.so");
	json_decref(j);
}

Test(admin_server, log_level_is_validated_and_handed_to_the_daemon)
{
	char *resp = NULL;

	start("tok", NULL, NULL);
	cr_assert_eq(test_http(srv, "PUT", "/admin/v1/log-level", "tok",
	                       "{\"level\":\"debug\",\"levels\":\"ice:trace\"}", &resp),
	             200, "%s", resp);
	cr_assert_str_eq(dbl.last_level, "debug");
	cr_assert_str_eq(dbl.last_levels, "ice:trace");
	g_free(resp);
	cr_assert_eq(test_http(srv, "PUT", "/admin/v1/log-level", "tok",
	                       "{\"levels\":\"dtls:debug\"}", &resp),
	             200);
	cr_assert_str_eq(dbl.last_level, "");
	g_free(resp);

	static const char *const bad[] = {
	    "{}", "{\"level\":3}", "[\"debug\"]", "{\"level\":", "{\"level\":\"debug\",\"x\":1}",
	    ""};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		assert_error(test_http(srv, "PUT", "/admin/v1/log-level", "tok", bad[i], &resp),
		             &resp, 400, "bad_request");
		g_free(resp);
	}
	dbl.log_ret = -EINVAL;
	assert_error(
	    test_http(srv, "PUT", "/admin/v1/log-level", "tok", "{\"level\":\"loud\"}", &resp),
	    &resp, 400, "bad_request");
	cr_assert(strstr(resp, "loud"), "the daemon's reason is passed on: %s", resp);
	g_free(resp);
}

Test(admin_server, reload_calls_the_daemon_and_reports_its_error)
{
	char *resp = NULL;

	start("tok", NULL, NULL);
	cr_assert_eq(test_http(srv, "POST", "/admin/v1/config/reload", "tok", NULL, &resp), 200);
	cr_assert_eq(dbl.reloads, 1);
	g_free(resp);
	dbl.reload_ret = -EINVAL;
	assert_error(test_http(srv, "POST", "/admin/v1/config/reload", "tok", NULL, &resp), &resp,
	             500, "reload_failed");
	cr_assert(strstr(resp, "lumen.cfg:3"), "%s", resp);
	g_free(resp);
}

Test(admin_server, drain_makes_readyz_503_and_undrain_restores_it)
{
	char *resp = NULL;

	start("tok", NULL, NULL);
	cr_assert_eq(test_http(srv, "GET", "/readyz", NULL, NULL, &resp), 503, "before ready");
	cr_assert_str_eq(resp, "not ready: starting\n");
	g_free(resp);
	test_admin_set_ready(srv, true);
	cr_assert_eq(test_http(srv, "GET", "/readyz", NULL, NULL, &resp), 200);
	g_free(resp);

	cr_assert_eq(test_http(srv, "POST", "/admin/v1/drain", "tok", NULL, &resp), 200);
	cr_assert(dbl.draining);
	cr_assert(strstr(resp, "\"draining\":true"), "%s", resp);
	g_free(resp);
	cr_assert_eq(test_http(srv, "GET", "/readyz", NULL, NULL, &resp), 503);
	cr_assert_str_eq(resp, "not ready: draining\n");
	g_free(resp);
	cr_assert_eq(test_http(srv, "GET", "/admin/v1/drain", "tok", NULL, &resp), 200);
	cr_assert(strstr(resp, "\"draining\":true"), "%s", resp);
	g_free(resp);

	cr_assert_eq(test_http(srv, "DELETE", "/admin/v1/drain", "tok", NULL, &resp), 200);
	cr_assert_not(dbl.draining);
	g_free(resp);
	cr_assert_eq(test_http(srv, "GET", "/readyz", NULL, NULL, &resp), 200);
	g_free(resp);
	cr_assert_eq(test_http(srv, "GET", "/healthz", NULL, NULL, &resp), 200);
	cr_assert_str_eq(resp, "ok\n");
	g_free(resp);
}

static void emit_rooms(struct lumen_metrics_out *out, void *arg)
{
	lumen_metrics_emit(out, NULL, "room=\"x\"", 2);
}

Test(admin_server, metrics_serves_core_and_plugin_families_as_prometheus_text)
{
	static const char *const want[] = {
	    "# TYPE lumen_sessions gauge\nlumen_sessions 3\n",
	    "# TYPE lumen_handles gauge\nlumen_handles 5\n",
	    "lumen_requests_total{verb=\"create\",result=\"ok\"} 5\n",
	    "lumen_requests_total{verb=\"create\",result=\"error\"} 1\n",
	    "lumen_requests_total{verb=\"attach\",result=\"ok\"} 2\n",
	    "# TYPE lumen_errors_total counter\nlumen_errors_total{code=\"458\"} 3\n",
	    "lumen_plugin_info{package=\"janus.plugin.echotest\",version=\"1.2.3\"} 1\n",
	    "lumen_build_info{version=\"",
	    "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds ",
	    "lumen_sessions_created_total 9\n",
	    "# HELP lumen_test_rooms Rooms.\n# TYPE lumen_test_rooms gauge\n"
	    "lumen_test_rooms{room=\"x\"} 2\n",
	};
	char *resp = NULL;

	dbl.sessions = 3;
	dbl.handles = 5;
	dbl.created = 9;
	start("tok", NULL, NULL);
	/* Registered after the admin, as a plugin would from its init. The registry is used by
	 * the server thread only while a request runs, and none does now. */
	cr_assert_eq(lumen_metrics_register("lumen_test_rooms", LUMEN_METRIC_GAUGE, "Rooms.",
	                                    emit_rooms, NULL),
	             0);
	cr_assert_eq(test_http(srv, "GET", "/metrics", NULL, NULL, &resp), 200);
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
		cr_assert(strstr(resp, want[i]), "missing %s in\n%s", want[i], resp);
	g_free(resp);
}

Test(admin_server, missing_or_wrong_tokens_get_401_with_www_authenticate)
{
	char *resp = NULL;

	start("tok", NULL, NULL);
	assert_error(test_http(srv, "GET", "/admin/v1/info", NULL, NULL, &resp), &resp, 401,
	             "unauthorized");
	g_free(resp);
	assert_error(test_http(srv, "GET", "/admin/v1/info", "nope", NULL, &resp), &resp, 401,
	             "unauthorized");
	g_free(resp);
	assert_error(test_http(srv, "POST", "/admin/v1/drain", "nope", NULL, &resp), &resp, 401,
	             "unauthorized");
	cr_assert_not(dbl.draining, "a refused request changes nothing");
	g_free(resp);
}

Test(admin_server, viewers_get_403_on_every_write_operators_on_reload_only)
{
	static const char *const writes[][2] = {
	    {"DELETE", "/admin/v1/sessions/7"},  {"POST", "/admin/v1/drain"},
	    {"DELETE", "/admin/v1/drain"},       {"PUT", "/admin/v1/log-level"},
	    {"POST", "/admin/v1/config/reload"},
	};
	char *viewer = test_jwt("k3y-k3y-k3y-k3y", "viewer", 0);
	char *operator= test_jwt("k3y-k3y-k3y-k3y", "operator", 0);
	char *norole = test_jwt("k3y-k3y-k3y-k3y", NULL, 0);
	char *resp = NULL;
	json_t *j;

	dbl.known_session = 7;
	start(NULL, "k3y-k3y-k3y-k3y", NULL);
	j = get_json("/admin/v1/info", viewer, 200);
	cr_assert_str_eq(json_string_value(json_object_get(j, "role")), "viewer");
	json_decref(j);
	for (size_t i = 0; i < G_N_ELEMENTS(writes); i++) {
		assert_error(test_http(srv, writes[i][0], writes[i][1], viewer,
		                       "{\"level\":\"info\"}", &resp),
		             &resp, 403, "forbidden");
		g_free(resp);
	}
	cr_assert_eq(dbl.known_session, 7);
	cr_assert_not(dbl.draining);
	cr_assert_eq(dbl.reloads, 0);
	assert_error(test_http(srv, "GET", "/admin/v1/info", norole, NULL, &resp), &resp, 403,
	             "forbidden");
	g_free(resp);

	cr_assert_eq(test_http(srv, "POST", "/admin/v1/drain", operator, NULL, &resp), 200);
	g_free(resp);
	cr_assert_eq(test_http(srv, "DELETE", "/admin/v1/sessions/7", operator, NULL, &resp), 200);
	g_free(resp);
	assert_error(test_http(srv, "POST", "/admin/v1/config/reload", operator, NULL, &resp),
	             &resp, 403, "forbidden");
	g_free(resp);
	g_free(viewer);
	g_free(operator);
	g_free(norole);
}

Test(admin_server, metrics_token_guards_the_probes)
{
	char *resp = NULL;

	start("tok", NULL, "mtok");
	assert_error(test_http(srv, "GET", "/metrics", NULL, NULL, &resp), &resp, 401,
	             "unauthorized");
	g_free(resp);
	assert_error(test_http(srv, "GET", "/healthz", "wrong", NULL, &resp), &resp, 401,
	             "unauthorized");
	g_free(resp);
	cr_assert_eq(test_http(srv, "GET", "/metrics", "mtok", NULL, &resp), 200);
	g_free(resp);
	cr_assert_eq(test_http(srv, "GET", "/healthz", "tok", NULL, &resp), 200);
	g_free(resp);
	assert_error(test_http(srv, "GET", "/admin/v1/info", "mtok", NULL, &resp), &resp, 401,
	             "unauthorized");
	g_free(resp);
}

Test(admin_server, unknown_paths_are_404_and_wrong_methods_405_as_json)
{
	char *resp = NULL;

	start("tok", NULL, NULL);
	assert_error(test_http(srv, "GET", "/admin/v1/nothing", "tok", NULL, &resp), &resp, 404,
	             "not_found");
	g_free(resp);
	assert_error(test_http(srv, "GET", "/", NULL, NULL, &resp), &resp, 404, "not_found");
	g_free(resp);
	assert_error(test_http(srv, "PATCH", "/admin/v1/info", "tok", NULL, &resp), &resp, 405,
	             "method_not_allowed");
	g_free(resp);
	assert_error(test_http(srv, "POST", "/metrics", NULL, NULL, &resp), &resp, 405,
	             "method_not_allowed");
	g_free(resp);
}

Test(admin_server, bodies_over_64_kib_are_refused_with_413)
{
	GString *big = g_string_new("{\"level\":\"");
	char *resp = NULL;

	start("tok", NULL, NULL);
	while (big->len < 70 * 1024)
		g_string_append(big, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	g_string_append(big, "\"}");
	assert_error(test_http(srv, "PUT", "/admin/v1/log-level", "tok", big->str, &resp), &resp,
	             413, "payload_too_large");
	cr_assert_null(dbl.last_level, "the hook was not called");
	g_free(resp);
	g_string_free(big, TRUE);
	/* The server still answers afterwards. */
	cr_assert_eq(test_http(srv, "GET", "/healthz", NULL, NULL, &resp), 200);
	g_free(resp);
}

Test(admin_server, without_credentials_it_serves_loopback_and_refuses_public_addresses)
{
	char *resp = NULL, *err = NULL;

	start(NULL, NULL, NULL);
	cr_assert_eq(test_http(srv, "GET", "/admin/v1/info", NULL, NULL, &resp), 200);
	g_free(resp);
	test_admin_stop(srv);
	srv = NULL;
	lumen_metrics_clear();

	srv = test_admin_start("0.0.0.0:0", NULL, NULL, NULL, &err);
	cr_assert_null(srv);
	cr_assert(err && strstr(err, "admin.token"), "%s", err ? err : "(no error)");
	g_free(err);
	err = NULL;
	srv = test_admin_start("0.0.0.0:0", "tok", NULL, NULL, &err);
	cr_assert_not_null(srv, "with a token a public address is fine: %s", err ? err : "");
	test_admin_stop(srv);
	srv = NULL;
	lumen_metrics_clear();
	srv = test_admin_start("not-an-address", "tok", NULL, NULL, &err);
	cr_assert_null(srv);
	cr_assert_not_null(err);
	g_free(err);
}

Test(admin_server, reload_changes_credentials_but_never_opens_a_public_listener)
{
	char *resp = NULL, *err = NULL;

	srv = test_admin_start("0.0.0.0:0", "old", NULL, NULL, &err);
	cr_assert_not_null(srv, "%s", err ? err : "");
	test_admin_reconfigure(srv, "new", NULL, NULL);
	cr_assert_eq(test_http(srv, "GET", "/admin/v1/info", "old", NULL, &resp), 401);
	g_free(resp);
	cr_assert_eq(test_http(srv, "GET", "/admin/v1/info", "new", NULL, &resp), 200);
	g_free(resp);
	/* No credential left on 0.0.0.0: refused, the previous token stays in force. */
	test_admin_reconfigure(srv, NULL, NULL, NULL);
	cr_assert_eq(test_http(srv, "GET", "/admin/v1/info", NULL, NULL, &resp), 401);
	g_free(resp);
	cr_assert_eq(test_http(srv, "GET", "/admin/v1/info", "new", NULL, &resp), 200);
	g_free(resp);
}

Test(admin_server, listens_on_an_ipv6_loopback_address)
{
	char *err = NULL;
	GSocket *probe =
	    g_socket_new(G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
	GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV6);
	GSocketAddress *sa = g_inet_socket_address_new(lo, 0);
	bool have_v6 = probe && g_socket_bind(probe, sa, TRUE, NULL);

	g_clear_object(&probe);
	g_object_unref(sa);
	g_object_unref(lo);
	if (!have_v6)
		cr_skip_test("no IPv6 loopback on this machine");
	/* No credential: [::1] is loopback, so it starts and serves loopback peers. */
	srv = test_admin_start("[::1]:0", NULL, NULL, NULL, &err);
	cr_assert_not_null(srv, "%s", err ? err : "");
	cr_assert_gt(srv->port, 0);
	{
		SoupSession *s = soup_session_new();
		char *url = g_strdup_printf("http://[::1]:%u/healthz", srv->port);
		SoupMessage *msg = soup_message_new("GET", url);
		GBytes *out = soup_session_send_and_read(s, msg, NULL, NULL);

		cr_assert_not_null(out);
		cr_assert_eq(soup_message_get_status(msg), 200);
		g_bytes_unref(out);
		g_object_unref(msg);
		g_object_unref(s);
		g_free(url);
	}
}
