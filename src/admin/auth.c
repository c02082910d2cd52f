/* admin/auth.c -- bearer-token decisions of the admin API (see auth.h): static token, HS256 JWT
 * with a role claim, metrics token, and the loopback-only mode when no credential is configured.
 * Token comparisons take constant time; JWT signatures are checked by libjwt, the algorithm,
 * exp and nbf here. No I/O, no logging: the caller logs with the request's context. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>
#include <jwt.h>

#include "admin/auth.h"

void lumen_admin_auth_init(struct lumen_admin_auth *a, const char *token, const char *jwt_secret,
                           const char *metrics_token)
{
	a->token = g_strdup(token ? token : "");
	a->jwt_secret = g_strdup(jwt_secret ? jwt_secret : "");
	a->metrics_token = g_strdup(metrics_token ? metrics_token : "");
}

static void wipe_free(char *s)
{
	if (!s)
		return;
	memset(s, 0, strlen(s));
	g_free(s);
}

void lumen_admin_auth_fini(struct lumen_admin_auth *a)
{
	wipe_free(a->token);
	wipe_free(a->jwt_secret);
	wipe_free(a->metrics_token);
	a->token = a->jwt_secret = a->metrics_token = NULL;
}

bool lumen_admin_auth_open(const struct lumen_admin_auth *a)
{
	return !*a->token && !*a->jwt_secret;
}

const char *lumen_admin_role_name(enum lumen_admin_role role)
{
	switch (role) {
	case LUMEN_ADMIN_ROLE_VIEWER:
		return "viewer";
	case LUMEN_ADMIN_ROLE_OPERATOR:
		return "operator";
	case LUMEN_ADMIN_ROLE_ADMIN:
		return "admin";
	default:
		return "none";
	}
}

/* Constant time in the length of the secret: the time does not tell how much of it matched. */
static bool secret_equal(const char *secret, const char *given)
{
	size_t n = strlen(secret), m = strlen(given);
	unsigned char diff = n != m;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)secret[i] ^ (unsigned char)(i < m ? given[i] : 0);
	return n > 0 && diff == 0;
}

/* "Bearer <token>" (scheme case-insensitive, spaces around the token allowed) -> token, or NULL. */
static const char *bearer_token(const char *authorization)
{
	const char *p = authorization;

	if (!p)
		return NULL;
	while (*p == ' ')
		p++;
	if (g_ascii_strncasecmp(p, "Bearer ", 7) != 0)
		return NULL;
	p += 7;
	while (*p == ' ')
		p++;
	return *p ? p : NULL;
}

static enum lumen_admin_role role_from_claim(const json_t *claim)
{
	const char *s = json_string_value(claim);

	if (!s)
		return LUMEN_ADMIN_ROLE_NONE;
	if (strcmp(s, "admin") == 0)
		return LUMEN_ADMIN_ROLE_ADMIN;
	if (strcmp(s, "operator") == 0)
		return LUMEN_ADMIN_ROLE_OPERATOR;
	if (strcmp(s, "viewer") == 0)
		return LUMEN_ADMIN_ROLE_VIEWER;
	return LUMEN_ADMIN_ROLE_NONE;
}

/* Verifies an HS256 JWT; on success *role comes from its "role" claim. Returns 0 or -EACCES. */
static int check_jwt(const char *secret, const char *token, int64_t now_s,
                     enum lumen_admin_role *role, const char **why)
{
	jwt_t *jwt = NULL;
	char *grants = NULL;
	json_t *claims = NULL, *exp, *nbf;
	int ret = -EACCES;

	*why = "invalid token";
	if (jwt_decode(&jwt, token, (const unsigned char *)secret, (int)strlen(secret)) != 0)
		goto fail;
	if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
		*why = "token is not signed with HS256";
		goto fail;
	}
	grants = jwt_get_grants_json(jwt, NULL);
	claims = grants ? json_loads(grants, 0, NULL) : NULL;
	if (!json_is_object(claims))
		goto fail;
	exp = json_object_get(claims, "exp");
	nbf = json_object_get(claims, "nbf");
	if ((exp && !json_is_number(exp)) || (nbf && !json_is_number(nbf))) {
		*why = "token exp or nbf claim is not a number";
		goto fail;
	}
	if (exp && now_s >= json_number_value(exp)) {
		*why = "token has expired";
		goto fail;
	}
	if (nbf && now_s < json_number_value(nbf)) {
		*why = "token is not valid yet";
		goto fail;
	}
	*role = role_from_claim(json_object_get(claims, "role"));
	*why = NULL;
	ret = 0;
fail:
	json_decref(claims);
	free(grants);
	jwt_free(jwt);
	return ret;
}

int lumen_admin_auth_check(const struct lumen_admin_auth *a, enum lumen_admin_scope scope,
                           const char *authorization, bool peer_loopback, int64_t now_s,
                           enum lumen_admin_role *role, const char **why)
{
	const char *token = bearer_token(authorization);

	*role = LUMEN_ADMIN_ROLE_NONE;
	*why = NULL;
	if (scope == LUMEN_ADMIN_SCOPE_PROBE) {
		if (!*a->metrics_token)
			return 0;
		if (token && secret_equal(a->metrics_token, token))
			return 0;
		/* Otherwise an admin credential of any role also reads the probes. */
		if (!token || lumen_admin_auth_open(a)) {
			*why = "missing or invalid metrics token";
			return -EACCES;
		}
	}
	if (lumen_admin_auth_open(a)) {
		if (!peer_loopback) {
			*why = "no admin credential is configured, so only loopback clients are "
			       "served";
			return -EACCES;
		}
		*role = LUMEN_ADMIN_ROLE_ADMIN;
		return 0;
	}
	if (!token) {
		*why = "missing \"Authorization: Bearer <token>\" header";
		return -EACCES;
	}
	if (*a->token && secret_equal(a->token, token)) {
		*role = LUMEN_ADMIN_ROLE_ADMIN;
		return 0;
	}
	if (*a->jwt_secret && strchr(token, '.'))
		return check_jwt(a->jwt_secret, token, now_s, role, why);
	*why = "invalid token";
	return -EACCES;
}
