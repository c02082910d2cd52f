/* admin_doubles.c -- doubles of the api.h / host.h admin views and a threaded admin server
 * harness for the admin API tests (see admin_doubles.h). The doubles return what `dbl` says; the
 * server runs on its own thread and GMainContext so the test thread can call it synchronously. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <libsoup/soup.h>

#include "admin_doubles.h"
#include "api/api.h"
#include "plugin/host.h"

struct double_state dbl;

struct lumen_api {
	int unused;
};
struct lumen_plugin_host {
	int unused;
};
static struct lumen_api fake_api;
static struct lumen_plugin_host fake_host;

void lumen_api_get_stats(const struct lumen_api *api, struct lumen_api_stats *out)
{
	out->sessions = dbl.sessions;
	out->handles = dbl.handles;
	out->sessions_created_total = dbl.created;
	out->sessions_timed_out_total = dbl.timed_out;
}

json_t *lumen_api_sessions_json(const struct lumen_api *api)
{
	json_t *list = json_array();

	if (dbl.known_session)
		json_array_append_new(list, json_pack("{s:I,s:s,s:i}", "id",
		                                      (json_int_t)dbl.known_session, "ip",
		                                      "127.0.0.1", "handles", 1));
	return list;
}

json_t *lumen_api_session_json(const struct lumen_api *api, uint64_t id)
{
	if (!dbl.known_session || id != dbl.known_session)
		return NULL;
	return json_pack("{s:I,s:s,s:[{s:I,s:s,s:s}]}", "id", (json_int_t)id, "ip", "127.0.0.1",
	                 "handles", "id", (json_int_t)77, "plugin", "janus.plugin.echotest",
	                 "pc_state", "new");
}

int lumen_api_destroy_session(struct lumen_api *api, uint64_t id)
{
	if (!dbl.known_session || id != dbl.known_session)
		return -ENOENT;
	dbl.destroyed = id;
	dbl.known_session = 0;
	return 0;
}

json_t *lumen_api_counters_json(const struct lumen_api *api)
{
	return json_pack("{s:{s:{s:i,s:i},s:{s:i}},s:{s:i}}", "requests", "create", "ok", 5,
	                 "error", 1, "attach", "ok", 2, "errors", "458", 3);
}

void lumen_api_set_draining(struct lumen_api *api, bool draining)
{
	dbl.draining = draining;
}

bool lumen_api_draining(const struct lumen_api *api)
{
	return dbl.draining;
}

json_t *lumen_plugin_host_to_json(const struct lumen_plugin_host *host)
{
	return json_pack("[{s:s,s:s,s:s,s:s,s:s,s:s,s:[]}]", "name", "Echo test", "package",
	                 "janus.plugin.echotest", "version", "1.2.3", "description", "echo",
	                 "author", "lumen", "path", "/x/echotest.so", "deps");
}

json_t *lumen_plugin_host_refused(const struct lumen_plugin_host *host)
{
	return json_pack("[{s:s,s:s}]", "file", "bad.so", "reason", "ABI version 9, expected 1");
}

bool lumen_api_admin_has(struct lumen_api *api, const char *collection)
{
	return dbl.widgets && strcmp(collection, "widgets") == 0;
}

int lumen_api_admin_call(struct lumen_api *api, const char *collection, const char *method,
                         const char *path, const json_t *body, json_t **reply)
{
	*reply = NULL;
	if (!lumen_api_admin_has(api, collection))
		return -ENOENT;
	dbl.widget_calls++;
	if (strcmp(path, "/missing") == 0) {
		*reply = json_pack("{s:s}", "error", "no such widget");
		return 404;
	}
	if (strcmp(method, "DELETE") == 0)
		return 204;
	*reply = json_pack("{s:s,s:s,s:O?}", "method", method, "path", path, "body", body);
	return strcmp(method, "POST") == 0 ? 201 : 200;
}

static int hook_reload(void *arg, char **err)
{
	dbl.reloads++;
	if (dbl.reload_ret < 0)
		*err = g_strdup("lumen.cfg:3: http.listen: not HOST:PORT");
	return dbl.reload_ret;
}

static int hook_log(void *arg, const char *level, const char *levels, char **err)
{
	g_free(dbl.last_level);
	g_free(dbl.last_levels);
	dbl.last_level = g_strdup(level ? level : "");
	dbl.last_levels = g_strdup(levels ? levels : "");
	if (dbl.log_ret < 0)
		*err = g_strdup_printf("unknown log level \"%s\"", level ? level : "");
	return dbl.log_ret;
}

static void set_cfg(struct lumen_config *cfg, const char *listen, const char *token,
                    const char *jwt_secret, const char *metrics_token)
{
	g_free(cfg->admin.listen);
	g_free(cfg->admin.token);
	g_free(cfg->admin.jwt_secret);
	g_free(cfg->admin.metrics_token);
	cfg->admin.listen = g_strdup(listen ? listen : "127.0.0.1:0");
	cfg->admin.token = g_strdup(token ? token : "");
	cfg->admin.jwt_secret = g_strdup(jwt_secret ? jwt_secret : "");
	cfg->admin.metrics_token = g_strdup(metrics_token ? metrics_token : "");
}

static void free_cfg(struct lumen_config *cfg)
{
	g_free(cfg->admin.listen);
	g_free(cfg->admin.token);
	g_free(cfg->admin.jwt_secret);
	g_free(cfg->admin.metrics_token);
}

static gpointer server_thread(gpointer data)
{
	struct test_admin *t = data;
	struct lumen_admin_hooks hooks = {hook_reload, hook_log, NULL};

	g_main_context_push_thread_default(t->ctx);
	t->admin =
	    lumen_admin_new(&t->cfg, &fake_api, dbl.with_host ? &fake_host : NULL, &hooks, &t->err);
	if (t->admin && lumen_admin_listen(t->admin, &t->err) < 0) {
		lumen_admin_free(t->admin);
		t->admin = NULL;
	}
	if (t->admin)
		t->port = lumen_admin_port(t->admin);
	g_mutex_lock(&t->lock);
	t->started = true;
	g_cond_signal(&t->cond);
	g_mutex_unlock(&t->lock);
	if (t->admin) {
		g_main_loop_run(t->loop);
		lumen_admin_free(t->admin);
		/* Let the server's disconnect callbacks run before the context goes. */
		while (g_main_context_iteration(t->ctx, FALSE))
			;
	}
	g_main_context_pop_thread_default(t->ctx);
	return NULL;
}

struct test_admin *test_admin_start(const char *listen, const char *token, const char *jwt_secret,
                                    const char *metrics_token, char **err)
{
	struct test_admin *t = g_new0(struct test_admin, 1);

	set_cfg(&t->cfg, listen, token, jwt_secret, metrics_token);
	t->ctx = g_main_context_new();
	t->loop = g_main_loop_new(t->ctx, FALSE);
	g_mutex_init(&t->lock);
	g_cond_init(&t->cond);
	t->thread = g_thread_new("admin", server_thread, t);
	g_mutex_lock(&t->lock);
	while (!t->started)
		g_cond_wait(&t->cond, &t->lock);
	g_mutex_unlock(&t->lock);
	if (!t->admin) {
		*err = t->err;
		t->err = NULL;
		test_admin_stop(t);
		return NULL;
	}
	return t;
}

struct call {
	struct test_admin *t;
	bool ready;
	const char *token, *jwt_secret, *metrics_token;
	bool reconf;
	GMutex lock;
	GCond cond;
	bool done;
};

static gboolean run_call(gpointer data)
{
	struct call *c = data;

	if (c->reconf) {
		char *listen = g_strdup(c->t->cfg.admin.listen);

		set_cfg(&c->t->cfg, listen, c->token, c->jwt_secret, c->metrics_token);
		g_free(listen);
		lumen_admin_reconfigure(c->t->admin, &c->t->cfg);
	} else {
		lumen_admin_set_ready(c->t->admin, c->ready);
	}
	g_mutex_lock(&c->lock);
	c->done = true;
	g_cond_signal(&c->cond);
	g_mutex_unlock(&c->lock);
	return G_SOURCE_REMOVE;
}

/* Runs c on the server thread and waits for it. */
static void call_on_server(struct call *c)
{
	g_mutex_init(&c->lock);
	g_cond_init(&c->cond);
	g_main_context_invoke(c->t->ctx, run_call, c);
	g_mutex_lock(&c->lock);
	while (!c->done)
		g_cond_wait(&c->cond, &c->lock);
	g_mutex_unlock(&c->lock);
	g_mutex_clear(&c->lock);
	g_cond_clear(&c->cond);
}

void test_admin_set_ready(struct test_admin *t, bool ready)
{
	struct call c = {.t = t, .ready = ready};

	call_on_server(&c);
}

void test_admin_reconfigure(struct test_admin *t, const char *token, const char *jwt_secret,
                            const char *metrics_token)
{
	struct call c = {.t = t,
	                 .reconf = true,
	                 .token = token,
	                 .jwt_secret = jwt_secret,
	                 .metrics_token = metrics_token};

	call_on_server(&c);
}

static gboolean quit_loop(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

void test_admin_stop(struct test_admin *t)
{
	if (!t)
		return;
	g_main_context_invoke(t->ctx, quit_loop, t->loop);
	g_thread_join(t->thread);
	g_main_loop_unref(t->loop);
	g_main_context_unref(t->ctx);
	g_mutex_clear(&t->lock);
	g_cond_clear(&t->cond);
	free_cfg(&t->cfg);
	g_free(t->err);
	g_free(t);
}

int test_http(const struct test_admin *t, const char *method, const char *path, const char *bearer,
              const char *body, char **resp)
{
	SoupSession *s = soup_session_new_with_options("timeout", 10, NULL);
	char *url = g_strdup_printf("http://127.0.0.1:%u%s", t->port, path);
	SoupMessage *msg = soup_message_new(method, url);
	GError *err = NULL;
	GBytes *out;
	int status;

	g_assert(msg);
	if (bearer) {
		char *h = g_strdup_printf("Bearer %s", bearer);

		soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization",
		                             h);
		g_free(h);
	}
	if (body) {
		GBytes *b = g_bytes_new(body, strlen(body));

		soup_message_set_request_body_from_bytes(msg, "application/json", b);
		g_bytes_unref(b);
	}
	out = soup_session_send_and_read(s, msg, NULL, &err);
	status = out ? (int)soup_message_get_status(msg) : -1;
	if (resp) {
		gsize n = 0;
		const char *d = out ? g_bytes_get_data(out, &n) : "";

		*resp = g_strndup(d ? d : "", n);
	}
	if (out)
		g_bytes_unref(out);
	g_clear_error(&err);
	g_object_unref(msg);
	g_object_unref(s);
	g_free(url);
	return status;
}

char *test_jwt(const char *secret, const char *role, long exp)
{
	jwt_t *jwt = NULL;
	char *s, *copy;

	g_assert(jwt_new(&jwt) == 0);
	if (role)
		jwt_add_grant(jwt, "role", role);
	if (exp)
		jwt_add_grant_int(jwt, "exp", exp);
	jwt_add_grant(jwt, "sub", "ops@example");
	g_assert(jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret,
	                     (int)strlen(secret)) == 0);
	s = jwt_encode_str(jwt);
	copy = g_strdup(s);
	free(s);
	jwt_free(jwt);
	return copy;
}
