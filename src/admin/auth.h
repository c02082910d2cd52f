/* admin/auth.h -- who may call the admin API: bearer-token checks and the role each route needs.
 *
 * Credentials are a static token (role admin), HS256 JWTs signed with admin.jwt_secret whose
 * "role" claim is admin, operator or viewer (optional exp/nbf are enforced), and for the probe
 * endpoints (/metrics, /healthz, /readyz) admin.metrics_token. With neither admin.token nor
 * admin.jwt_secret set, the API answers loopback clients only, as admin. Pure decisions: no I/O,
 * no logging, time is an argument. Any thread (the struct is read-only while in use). */
#ifndef LUMEN_ADMIN_AUTH_H
#define LUMEN_ADMIN_AUTH_H

#include <stdbool.h>
#include <stdint.h>

enum lumen_admin_role {
	LUMEN_ADMIN_ROLE_NONE =
	    0,                   /* authenticated for nothing (a probe, or a JWT without a role) */
	LUMEN_ADMIN_ROLE_VIEWER, /* GET only */
	LUMEN_ADMIN_ROLE_OPERATOR, /* + kick sessions, drain, log level */
	LUMEN_ADMIN_ROLE_ADMIN,    /* + config reload */
};

enum lumen_admin_scope {
	LUMEN_ADMIN_SCOPE_API,   /* /admin/v1/... */
	LUMEN_ADMIN_SCOPE_PROBE, /* /metrics, /healthz, /readyz */
};

struct lumen_admin_auth {
	char *token;         /* "" = no static token */
	char *jwt_secret;    /* "" = JWTs off */
	char *metrics_token; /* "" = probes open */
};

/* Copies the three secrets ("" for NULL). lumen_admin_auth_fini frees them (and wipes them). */
void lumen_admin_auth_init(struct lumen_admin_auth *a, const char *token, const char *jwt_secret,
                           const char *metrics_token);
void lumen_admin_auth_fini(struct lumen_admin_auth *a);

/* True when neither a token nor a JWT secret is configured (loopback-only mode). */
bool lumen_admin_auth_open(const struct lumen_admin_auth *a);

/* Decides the caller's role from the Authorization header value (NULL if absent).
 * Returns 0 with *role set (LUMEN_ADMIN_ROLE_NONE for an open probe or a JWT without a known
 * role), or -EACCES (answer 401) with *why, a static English sentence. now_s is the Unix time
 * used for exp and nbf. */
int lumen_admin_auth_check(const struct lumen_admin_auth *a, enum lumen_admin_scope scope,
                           const char *authorization, bool peer_loopback, int64_t now_s,
                           enum lumen_admin_role *role, const char **why);

/* "admin", "operator", "viewer" or "none". */
const char *lumen_admin_role_name(enum lumen_admin_role role);

#endif
