/* api/auth.c -- client authentication: the optional api_secret shared by every client and JWT
 * join tokens (libjwt) carrying user, room and role claims.
 *
 * Tokens are HS256 with api.token_secret, or ES256 with the PEM public key in
 * api.token_public_key; the algorithm in a token's header must match the key that verified it
 * (no "none", no HS256-signed-with-the-public-key confusion). exp and nbf are checked against the
 * caller's clock. This file decides yes or no; protocol.c turns a no into Janus error 403. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>

#include "api/api_internal.h"

int api_auth_init(struct api_auth *a, const struct lumen_config *cfg, char **err)
{
	GError *gerr = NULL;
	gchar *pem = NULL;

	memset(a, 0, sizeof(*a));
	a->api_secret = g_strdup(cfg->api.api_secret ? cfg->api.api_secret : "");
	a->hs_secret = g_strdup(cfg->api.token_secret ? cfg->api.token_secret : "");
	a->token_required = cfg->api.token_required;
	if (cfg->api.token_public_key && cfg->api.token_public_key[0]) {
		if (!g_file_get_contents(cfg->api.token_public_key, &pem, NULL, &gerr)) {
			*err = g_strdup_printf("api.token_public_key: %s", gerr->message);
			g_error_free(gerr);
			goto fail;
		}
		a->es_pem = pem;
	}
	if (a->token_required && !api_auth_tokens_enabled(a)) {
		*err = g_strdup("api.token_required is set but neither api.token_secret nor "
				"api.token_public_key is");
		goto fail;
	}
	return 0;
fail:
	api_auth_fini(a);
	return -EINVAL;
}

void api_auth_fini(struct api_auth *a)
{
	g_free(a->api_secret);
	g_free(a->hs_secret);
	g_free(a->es_pem);
	memset(a, 0, sizeof(*a));
}

bool api_auth_tokens_enabled(const struct api_auth *a)
{
	return (a->hs_secret && a->hs_secret[0]) || a->es_pem != NULL;
}

bool api_auth_check_secret(const struct api_auth *a, const char *given)
{
	size_t n, m;
	unsigned char diff = 0;

	if (a->api_secret == NULL || a->api_secret[0] == '\0')
		return true;
	if (given == NULL)
		return false;
	n = strlen(a->api_secret);
	m = strlen(given);
	/* Compare every byte of the secret whatever the input, so timing tells nothing. */
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a->api_secret[i] ^ (i < m ? given[i] : 0));
	return diff == 0 && n == m;
}

static jwt_t *decode_with(const char *token, const void *key, size_t key_len, jwt_alg_t want)
{
	jwt_t *jwt = NULL;

	if (jwt_decode(&jwt, token, key, (int)key_len) != 0 || jwt == NULL)
		return NULL;
	if (jwt_get_alg(jwt) != want) {
		jwt_free(jwt);
		return NULL;
	}
	return jwt;
}

json_t *api_auth_verify_token(const struct api_auth *a, const char *token, int64_t now_s,
			      const char **why)
{
	jwt_t *jwt = NULL;
	char *grants = NULL;
	json_t *claims = NULL;
	json_t *v;

	if (!api_auth_tokens_enabled(a)) {
		*why = "tokens are not enabled on this server";
		return NULL;
	}
	if (token == NULL || token[0] == '\0') {
		*why = "missing token";
		return NULL;
	}
	if (a->hs_secret && a->hs_secret[0])
		jwt = decode_with(token, a->hs_secret, strlen(a->hs_secret), JWT_ALG_HS256);
	if (jwt == NULL && a->es_pem != NULL)
		jwt = decode_with(token, a->es_pem, strlen(a->es_pem), JWT_ALG_ES256);
	if (jwt == NULL) {
		*why = "invalid token (bad format, algorithm or signature)";
		return NULL;
	}
	grants = jwt_get_grants_json(jwt, NULL);
	claims = grants ? json_loads(grants, 0, NULL) : NULL;
	free(grants);
	jwt_free(jwt);
	if (!json_is_object(claims)) {
		*why = "invalid token (claims are not an object)";
		goto fail;
	}
	v = json_object_get(claims, "exp");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) <= now_s)) {
		*why = "token expired";
		goto fail;
	}
	v = json_object_get(claims, "nbf");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) > now_s)) {
		*why = "token not valid yet";
		goto fail;
	}
	return claims;
fail:
	json_decref(claims);
	return NULL;
}
