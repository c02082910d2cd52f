/* test_admin_auth.c -- who may call what on the admin API (src/admin/auth.c, routes.c): static
 * token, HS256 JWT roles with exp/nbf, metrics token, loopback-only mode, and the route table's
 * least roles, 404 and 405. Pure decisions: no server. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jwt.h>

#include "admin/admin_internal.h"

#define NOW 1700000000L

static struct lumen_admin_auth auth;

static void fini(void)
{
	lumen_admin_auth_fini(&auth);
}

TestSuite(admin_auth, .fini = fini);
TestSuite(admin_routes);
TestSuite(admin_config);

/* An HS256 (or other alg) JWT with optional role, exp and nbf claims. */
static char *make_jwt(const char *secret, jwt_alg_t alg, const char *role, long exp, long nbf)
{
	jwt_t *jwt = NULL;
	char *s, *copy;

	cr_assert_eq(jwt_new(&jwt), 0);
	if (role)
		jwt_add_grant(jwt, "role", role);
	if (exp)
		jwt_add_grant_int(jwt, "exp", exp);
	if (nbf)
		jwt_add_grant_int(jwt, "nbf", nbf);
	cr_assert_eq(jwt_set_alg(jwt, alg, (const unsigned char *)secret, (int)strlen(secret)), 0);
	s = jwt_encode_str(jwt);
	cr_assert_not_null(s);
	copy = g_strdup_printf("Bearer %s", s);
	free(s);
	jwt_free(jwt);
	return copy;
}

static int check(enum lumen_admin_scope scope, const char *header, bool loopback,
                 enum lumen_admin_role *role)
{
	const char *why = NULL;
	int ret = lumen_admin_auth_check(&auth, scope, header, loopback, NOW, role, &why);

	if (ret < 0)
		cr_assert_not_null(why, "a refusal must say why");
	return ret;
}

Test(admin_auth, static_token_grants_admin_and_anything_else_is_refused)
{
	enum lumen_admin_role role;

	lumen_admin_auth_init(&auth, "s3cret", "", "");
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, "Bearer s3cret", false, &role), 0);
	cr_assert_eq(role, LUMEN_ADMIN_ROLE_ADMIN);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, "bearer   s3cret", false, &role), 0);
	static const char *const bad[] = {
	    NULL,           "",       "Bearer",       "Bearer ", "Bearer s3cre", "Bearer s3cret2",
	    "Basic s3cret", "s3cret", "Bearer S3CRET"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, bad[i], true, &role), -EACCES, "%s",
		             bad[i] ? bad[i] : "(none)");
		cr_assert_eq(role, LUMEN_ADMIN_ROLE_NONE);
	}
}

Test(admin_auth, jwt_role_claim_decides_the_role)
{
	static const struct {
		const char *claim;
		enum lumen_admin_role want;
	} cases[] = {
	    {"admin", LUMEN_ADMIN_ROLE_ADMIN},   {"operator", LUMEN_ADMIN_ROLE_OPERATOR},
	    {"viewer", LUMEN_ADMIN_ROLE_VIEWER}, {"root", LUMEN_ADMIN_ROLE_NONE},
	    {NULL, LUMEN_ADMIN_ROLE_NONE},
	};
	enum lumen_admin_role role;

	lumen_admin_auth_init(&auth, "", "jwt-key-0123456789", "");
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *h = make_jwt("jwt-key-0123456789", JWT_ALG_HS256, cases[i].claim, 0, 0);

		cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, h, false, &role), 0);
		cr_assert_eq(role, cases[i].want, "claim %s", cases[i].claim);
		g_free(h);
	}
}

Test(admin_auth, jwt_with_a_wrong_key_other_algorithm_or_bad_times_is_refused)
{
	enum lumen_admin_role role;
	char *h;

	lumen_admin_auth_init(&auth, "", "jwt-key-0123456789", "");
	h = make_jwt("another-key-0123456", JWT_ALG_HS256, "admin", 0, 0);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, h, true, &role), -EACCES);
	g_free(h);
	h = make_jwt("jwt-key-0123456789", JWT_ALG_HS512, "admin", 0, 0);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, h, true, &role), -EACCES);
	g_free(h);
	h = make_jwt("jwt-key-0123456789", JWT_ALG_HS256, "admin", NOW, 0); /* exp == now */
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, h, true, &role), -EACCES);
	g_free(h);
	h = make_jwt("jwt-key-0123456789", JWT_ALG_HS256, "admin", NOW + 60, NOW + 10);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, h, true, &role), -EACCES);
	g_free(h);
	h = make_jwt("jwt-key-0123456789", JWT_ALG_HS256, "admin", NOW + 60, NOW - 10);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, h, true, &role), 0);
	cr_assert_eq(role, LUMEN_ADMIN_ROLE_ADMIN);
	g_free(h);
	/* An unsigned token ("alg":"none") built by hand: header.payload. */
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API,
	                   "Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWRtaW4ifQ.", true, &role),
	             -EACCES);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, "Bearer a.b.c", true, &role), -EACCES);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, "Bearer ...", true, &role), -EACCES);
}

Test(admin_auth, a_jwt_is_not_accepted_when_only_a_static_token_is_configured)
{
	enum lumen_admin_role role;
	char *h = make_jwt("x", JWT_ALG_HS256, "admin", 0, 0);

	lumen_admin_auth_init(&auth, "tok", "", "");
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, h, true, &role), -EACCES);
	g_free(h);
}

Test(admin_auth, without_credentials_only_loopback_peers_are_served)
{
	enum lumen_admin_role role;

	lumen_admin_auth_init(&auth, "", "", "");
	cr_assert(lumen_admin_auth_open(&auth));
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, NULL, true, &role), 0);
	cr_assert_eq(role, LUMEN_ADMIN_ROLE_ADMIN);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, "Bearer whatever", false, &role), -EACCES);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, NULL, false, &role), -EACCES);
}

Test(admin_auth, probes_are_open_unless_a_metrics_token_is_set)
{
	enum lumen_admin_role role;

	lumen_admin_auth_init(&auth, "tok", "", "");
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_PROBE, NULL, false, &role), 0);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_PROBE, "Bearer junk", false, &role), 0);
	lumen_admin_auth_fini(&auth);

	lumen_admin_auth_init(&auth, "tok", "", "mtok");
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_PROBE, NULL, true, &role), -EACCES);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_PROBE, "Bearer junk", true, &role), -EACCES);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_PROBE, "Bearer mtok", false, &role), 0);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_PROBE, "Bearer tok", false, &role), 0);
	/* The metrics token opens the probes only, never the API. */
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_API, "Bearer mtok", false, &role), -EACCES);
}

Test(admin_auth, a_metrics_token_in_loopback_mode_still_guards_the_probes)
{
	enum lumen_admin_role role;

	lumen_admin_auth_init(&auth, "", "", "mtok");
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_PROBE, NULL, true, &role), -EACCES);
	cr_assert_eq(check(LUMEN_ADMIN_SCOPE_PROBE, "Bearer mtok", true, &role), 0);
}

static enum lumen_admin_role least_role(const char *method, const char *path)
{
	char *param = NULL, *allow = NULL;
	int status = 0;
	const struct lumen_admin_route *r =
	    lumen_admin_route_find(method, path, &param, &status, &allow);

	cr_assert_not_null(r, "%s %s: status %d", method, path, status);
	cr_assert_eq(status, 200);
	g_free(param);
	return r->min_role;
}

Test(admin_routes, viewers_read_operators_kick_drain_and_set_levels_admins_reload)
{
	cr_assert_eq(least_role("GET", "/admin/v1/info"), LUMEN_ADMIN_ROLE_VIEWER);
	cr_assert_eq(least_role("GET", "/admin/v1/sessions"), LUMEN_ADMIN_ROLE_VIEWER);
	cr_assert_eq(least_role("GET", "/admin/v1/sessions/12"), LUMEN_ADMIN_ROLE_VIEWER);
	cr_assert_eq(least_role("GET", "/admin/v1/plugins"), LUMEN_ADMIN_ROLE_VIEWER);
	cr_assert_eq(least_role("GET", "/admin/v1/drain"), LUMEN_ADMIN_ROLE_VIEWER);
	cr_assert_eq(least_role("DELETE", "/admin/v1/sessions/12"), LUMEN_ADMIN_ROLE_OPERATOR);
	cr_assert_eq(least_role("POST", "/admin/v1/drain"), LUMEN_ADMIN_ROLE_OPERATOR);
	cr_assert_eq(least_role("DELETE", "/admin/v1/drain"), LUMEN_ADMIN_ROLE_OPERATOR);
	cr_assert_eq(least_role("PUT", "/admin/v1/log-level"), LUMEN_ADMIN_ROLE_OPERATOR);
	cr_assert_eq(least_role("POST", "/admin/v1/config/reload"), LUMEN_ADMIN_ROLE_ADMIN);
	cr_assert_eq(least_role("GET", "/metrics"), LUMEN_ADMIN_ROLE_NONE);
	cr_assert_eq(least_role("GET", "/healthz"), LUMEN_ADMIN_ROLE_NONE);
	cr_assert_eq(least_role("GET", "/readyz"), LUMEN_ADMIN_ROLE_NONE);
}

Test(admin_routes, every_write_needs_more_than_a_viewer)
{
	static const char *const writes[][2] = {
	    {"DELETE", "/admin/v1/sessions/1"},  {"POST", "/admin/v1/drain"},
	    {"DELETE", "/admin/v1/drain"},       {"PUT", "/admin/v1/log-level"},
	    {"POST", "/admin/v1/config/reload"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(writes); i++)
		cr_assert_gt(least_role(writes[i][0], writes[i][1]), LUMEN_ADMIN_ROLE_VIEWER);
}

Test(admin_routes, the_session_id_is_passed_and_unknown_paths_are_404)
{
	char *param = NULL, *allow = NULL;
	int status = 0;

	cr_assert_not_null(
	    lumen_admin_route_find("GET", "/admin/v1/sessions/981", &param, &status, &allow));
	cr_assert_str_eq(param, "981");
	g_free(param);
	static const char *const unknown[] = {"/",
	                                      "/admin",
	                                      "/admin/v1",
	                                      "/admin/v1/info/",
	                                      "/admin/v1/sessions/",
	                                      "/admin/v1/sessions/1/x",
	                                      "/admin/v2/info",
	                                      "/metricsx"};
	for (size_t i = 0; i < G_N_ELEMENTS(unknown); i++) {
		cr_assert_null(lumen_admin_route_find("GET", unknown[i], &param, &status, &allow),
		               "%s", unknown[i]);
		cr_assert_eq(status, 404, "%s", unknown[i]);
		cr_assert_null(allow);
		cr_assert_null(param);
	}
}

Test(admin_routes, a_known_path_with_another_method_is_405_with_allow)
{
	char *param = NULL, *allow = NULL;
	int status = 0;

	cr_assert_null(lumen_admin_route_find("PATCH", "/admin/v1/drain", &param, &status, &allow));
	cr_assert_eq(status, 405);
	cr_assert_str_eq(allow, "GET, POST, DELETE");
	g_free(allow);
	cr_assert_null(
	    lumen_admin_route_find("POST", "/admin/v1/sessions/5", &param, &status, &allow));
	cr_assert_eq(status, 405);
	cr_assert_str_eq(allow, "GET, DELETE");
	g_free(allow);
	cr_assert_null(
	    lumen_admin_route_find("GET", "/admin/v1/config/reload", &param, &status, &allow));
	cr_assert_str_eq(allow, "POST");
	g_free(allow);
}

static int check_cfg(const char *listen, const char *token, const char *secret, char **err)
{
	struct lumen_config cfg = {0};

	cfg.admin.listen = (char *)listen;
	cfg.admin.token = (char *)token;
	cfg.admin.jwt_secret = (char *)secret;
	cfg.admin.metrics_token = (char *)"";
	*err = NULL;
	return lumen_admin_check_config(&cfg, err);
}

Test(admin_config, credentials_are_optional_only_on_a_loopback_listener)
{
	static const char *const loopback[] = {"127.0.0.1:7088", "127.0.0.2:1", "[::1]:7088",
	                                       "localhost:7088"};
	static const char *const open[] = {"0.0.0.0:7088", "[::]:7088", "192.0.2.10:7088"};
	char *err;

	for (size_t i = 0; i < G_N_ELEMENTS(loopback); i++) {
		cr_assert_eq(check_cfg(loopback[i], "", "", &err), 0, "%s: %s", loopback[i],
		             err ? err : "");
		cr_assert_null(err);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(open); i++) {
		cr_assert_eq(check_cfg(open[i], "", "", &err), -EINVAL, "%s", open[i]);
		cr_assert(err && strstr(err, "admin.token") && strstr(err, open[i]), "%s", err);
		g_free(err);
		cr_assert_eq(check_cfg(open[i], "tok", "", &err), 0, "%s", open[i]);
		cr_assert_eq(check_cfg(open[i], "", "jwt-key", &err), 0, "%s", open[i]);
	}
}

Test(admin_config, the_listen_address_must_be_an_ip_and_port)
{
	static const char *const bad[] = {"", "7088", "example.com:7088", "127.0.0.1", ":7088"};
	char *err;

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		cr_assert_eq(check_cfg(bad[i], "tok", "", &err), -EINVAL, "\"%s\"", bad[i]);
		cr_assert_not_null(err);
		g_free(err);
	}
}
