/* admin_doubles.h -- test doubles of the client API and plugin host admin views (api.h, host.h)
 * for the admin API's tests, plus a helper that runs a real admin server on 127.0.0.1 in a
 * thread of its own and a synchronous libsoup client to call it. */
#ifndef LUMEN_TEST_ADMIN_DOUBLES_H
#define LUMEN_TEST_ADMIN_DOUBLES_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <jansson.h>

#include "admin/admin.h"

/* What the doubles return; tests set it before requests. */
struct double_state {
	uint64_t sessions, handles, created, timed_out;
	bool draining;
	uint64_t known_session;         /* the one id lumen_api_session_json knows (0: none) */
	uint64_t destroyed;             /* last id lumen_api_destroy_session succeeded on */
	int reload_ret;                 /* what the reload hook returns */
	int reloads;                    /* reload hook calls */
	char *last_level, *last_levels; /* what the log-level hook got ("" for NULL) */
	int log_ret;
	bool with_host; /* pass a plugin host to the admin */
	/* The plugin collection "widgets" (lumen_api_admin_has/_call): registered when set. Each
	 * call is counted; it answers {"method","path","body"} with 201 for POST, 204 and no body
	 * for DELETE, 200 otherwise, and 404 {"error":"no such widget"} for path "/missing". */
	bool widgets;
	int widget_calls;
};
extern struct double_state dbl;

struct test_admin {
	GThread *thread;
	GMainContext *ctx;
	GMainLoop *loop;
	struct lumen_admin *admin;
	uint16_t port;
	char *err;
	GMutex lock;
	GCond cond;
	bool started;
	struct lumen_config cfg;
};

/* Starts an admin server with the given credentials on 127.0.0.1:0 (listen may override the
 * address, e.g. "0.0.0.0:0"). Returns NULL with *err when lumen_admin_new/listen fail. */
struct test_admin *test_admin_start(const char *listen, const char *token, const char *jwt_secret,
                                    const char *metrics_token, char **err);
void test_admin_set_ready(struct test_admin *t, bool ready);
void test_admin_reconfigure(struct test_admin *t, const char *token, const char *jwt_secret,
                            const char *metrics_token);
void test_admin_stop(struct test_admin *t);

/* One synchronous request. bearer may be NULL (no Authorization header); body may be NULL.
 * Returns the status; *resp (may be NULL) receives the body as a NUL-terminated string. */
int test_http(const struct test_admin *t, const char *method, const char *path, const char *bearer,
              const char *body, char **resp);

/* An HS256 JWT for secret with the given role claim (NULL: none) and exp (0: none). */
char *test_jwt(const char *secret, const char *role, long exp);

#endif
