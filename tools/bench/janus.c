/* janus.c -- the Janus JSON-over-HTTP client of lumen-bench (see janus.h): POSTs through a
 * libsoup-3 session, one long poll through a second session (so a waiting poll never holds the
 * connection a request needs), replies matched by transaction.
 *
 * An asynchronous plugin answer can come through the long poll before the POST's "ack" does, so
 * a request registers its transaction before it is sent and the poll stores the event there. */
#include <string.h>

#include <libsoup/soup.h>

#include "bench.h"
#include "janus.h"

struct req {
	struct bench_janus *j;
	char *tx;
	json_t *reply; /* the POST's reply */
	json_t *event; /* the event with our transaction (asynchronous answers) */
	char *error;   /* transport error */
	bool done, abandoned, keep;
};

struct route {
	bench_janus_event_cb cb;
	void *user;
};

struct bench_janus {
	SoupSession *http, *poll_http;
	char *url, *session_url;
	uint64_t session;
	GHashTable *pending; /* tx -> struct req (borrowed) */
	GHashTable *routes;  /* handle id (guint64 *) -> struct route */
	GCancellable *cancel;
	unsigned inflight, tx_next;
	bool polling, closing;
};

static void req_free(struct req *r)
{
	json_decref(r->reply);
	json_decref(r->event);
	g_free(r->error);
	g_free(r->tx);
	g_free(r);
}

static void dispatch(struct bench_janus *j, json_t *ev)
{
	const char *tx = json_string_value(json_object_get(ev, "transaction"));
	const char *kind = json_string_value(json_object_get(ev, "janus"));
	struct req *r = tx ? g_hash_table_lookup(j->pending, tx) : NULL;
	uint64_t sender = (uint64_t)json_integer_value(json_object_get(ev, "sender"));
	struct route *rt;

	if (!kind || !strcmp(kind, "keepalive"))
		return;
	if (r && !strcmp(kind, "event") && !r->event) {
		r->event = json_incref(ev);
		return;
	}
	rt = g_hash_table_lookup(j->routes, &sender);
	if (rt && rt->cb)
		rt->cb(rt->user, sender, ev);
}

static void poll_start(struct bench_janus *j);

static gboolean poll_retry(gpointer data)
{
	poll_start(data);
	return G_SOURCE_REMOVE;
}

static void poll_done(GObject *src, GAsyncResult *res, gpointer data)
{
	struct bench_janus *j = data;
	GError *e = NULL;
	GBytes *b = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &e);
	json_t *v = NULL;

	j->polling = false;
	if (b) {
		gsize n;
		const char *s = g_bytes_get_data(b, &n);
		v = json_loadb(s ? s : "", n, 0, NULL);
		g_bytes_unref(b);
	}
	g_clear_error(&e);
	if (json_is_array(v)) {
		size_t i;
		json_t *ev;
		json_array_foreach(v, i, ev) dispatch(j, ev);
	} else if (json_is_object(v)) {
		dispatch(j, v);
	}
	json_decref(v);
	if (j->closing)
		return;
	if (b)
		poll_start(j);
	else /* the server went away or restarts: retry, but do not spin */
		g_timeout_add(200, poll_retry, j);
}

static void poll_start(struct bench_janus *j)
{
	char *u;
	SoupMessage *m;

	if (j->closing || j->polling)
		return;
	u = g_strdup_printf("%s?maxev=10", j->session_url);
	m = soup_message_new("GET", u);
	g_free(u);
	if (!m)
		return;
	j->polling = true;
	soup_session_send_and_read_async(j->poll_http, m, G_PRIORITY_DEFAULT, j->cancel, poll_done,
	                                 j);
	g_object_unref(m);
}

static void post_done(GObject *src, GAsyncResult *res, gpointer data)
{
	struct req *r = data;
	GError *e = NULL;
	GBytes *b = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &e);

	r->j->inflight--;
	if (b) {
		gsize n;
		const char *s = g_bytes_get_data(b, &n);
		json_error_t je;
		r->reply = json_loadb(s ? s : "", n, 0, &je);
		if (!r->reply)
			r->error = g_strdup_printf("invalid JSON reply: %s", je.text);
		g_bytes_unref(b);
	} else {
		r->error = g_strdup(e ? e->message : "no reply");
	}
	g_clear_error(&e);
	r->done = true;
	if (r->abandoned || !r->keep) {
		if (r->tx && g_hash_table_lookup(r->j->pending, r->tx) == r)
			g_hash_table_remove(r->j->pending, r->tx);
		req_free(r);
	}
}

/* Posts obj (stolen) to url; adds a fresh transaction. keep: the caller waits for the result
 * (then the req is registered as pending and returned), else fire and forget (NULL). */
static struct req *post(struct bench_janus *j, const char *url, json_t *obj, bool keep)
{
	struct req *r = g_new0(struct req, 1);
	SoupMessage *m = soup_message_new("POST", url);
	char *text;
	GBytes *body;

	r->j = j;
	r->keep = keep;
	r->tx = g_strdup_printf("b%u", ++j->tx_next);
	json_object_set_new(obj, "transaction", json_string(r->tx));
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (!m || !text) {
		r->error = g_strdup("cannot build the request");
		r->done = true;
		g_free(text);
		if (m)
			g_object_unref(m);
		if (keep)
			return r;
		req_free(r);
		return NULL;
	}
	body = g_bytes_new_take(text, strlen(text));
	soup_message_set_request_body_from_bytes(m, "application/json", body);
	/* libsoup opens a new connection for every POST unless told it may reuse one; a browser's
	 * fetch or XHR (janus.js) reuses the server's kept-alive connections, so the bench does. */
	soup_message_add_flags(m, SOUP_MESSAGE_IDEMPOTENT);
	g_bytes_unref(body);
	if (keep)
		g_hash_table_insert(j->pending, r->tx, r);
	j->inflight++;
	soup_session_send_and_read_async(j->http, m, G_PRIORITY_DEFAULT, j->cancel, post_done, r);
	g_object_unref(m);
	return keep ? r : NULL;
}

static bool req_replied(void *a)
{
	return ((struct req *)a)->done;
}

static bool req_evented(void *a)
{
	struct req *r = a;
	return r->event != NULL || (r->done && !r->reply);
}

static void req_drop(struct req *r)
{
	g_hash_table_remove(r->j->pending, r->tx);
	if (r->done)
		req_free(r);
	else
		r->abandoned = true;
}

/* The error text of a Janus reply, or NULL if it is none. */
static char *reply_error(json_t *reply)
{
	json_t *e = json_object_get(reply, "error");
	const char *kind = json_string_value(json_object_get(reply, "janus"));

	if (kind && !strcmp(kind, "error"))
		return g_strdup_printf("error %lld: %s",
		                       (long long)json_integer_value(json_object_get(e, "code")),
		                       json_string_value(json_object_get(e, "reason")));
	return NULL;
}

/* Posts and waits for the reply (new reference), or NULL with *err. */
static json_t *call(struct bench_janus *j, const char *url, json_t *obj, int timeout_ms, char **err)
{
	struct req *r = post(j, url, obj, true);
	json_t *out = NULL;

	bench_pump(req_replied, r, timeout_ms);
	if (!r->done)
		*err = g_strdup_printf("no reply from %s in %d ms", url, timeout_ms);
	else if (r->error)
		*err = g_strdup_printf("%s: %s", url, r->error);
	else if (!(*err = reply_error(r->reply)))
		out = json_incref(r->reply);
	req_drop(r);
	return out;
}

struct bench_janus *bench_janus_new(const char *url, int timeout_ms, char **err)
{
	struct bench_janus *j = g_new0(struct bench_janus, 1);
	json_t *reply;

	j->url = g_strdup(url);
	j->http = soup_session_new_with_options("timeout", 15, "max-conns-per-host", 16,
	                                        "user-agent", "lumen-bench", NULL);
	j->poll_http =
	    soup_session_new_with_options("timeout", 90, "user-agent", "lumen-bench", NULL);
	/* No proxies: the default resolver (libproxy through GIO) can take seconds per new
	 * connection (WPAD lookups in a namespace without DNS), which stalled joins and timed out
	 * requests at high N. The bench talks to a server next to it. */
	soup_session_set_proxy_resolver(j->http, NULL);
	soup_session_set_proxy_resolver(j->poll_http, NULL);
	j->pending = g_hash_table_new(g_str_hash, g_str_equal);
	j->routes = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	j->cancel = g_cancellable_new();
	reply = call(j, url, json_pack("{ss}", "janus", "create"), timeout_ms, err);
	if (!reply)
		goto fail;
	j->session =
	    (uint64_t)json_integer_value(json_object_get(json_object_get(reply, "data"), "id"));
	json_decref(reply);
	if (!j->session) {
		*err = g_strdup("create: no session id in the reply");
		goto fail;
	}
	j->session_url = g_strdup_printf("%s/%" G_GUINT64_FORMAT, url, j->session);
	poll_start(j);
	return j;
fail:
	bench_janus_free(j);
	return NULL;
}

static bool idle(void *a)
{
	struct bench_janus *j = a;
	return j->inflight == 0 && !j->polling;
}

void bench_janus_free(struct bench_janus *j)
{
	char *err = NULL;

	if (!j)
		return;
	if (j->session_url) {
		json_decref(
		    call(j, j->session_url, json_pack("{ss}", "janus", "destroy"), 3000, &err));
		g_free(err);
	}
	j->closing = true;
	g_cancellable_cancel(j->cancel);
	bench_pump(idle, j, 3000);
	if (!idle(j)) /* a callback may still come: leak rather than touch freed memory */
		return;
	g_object_unref(j->http);
	g_object_unref(j->poll_http);
	g_object_unref(j->cancel);
	g_hash_table_destroy(j->pending);
	g_hash_table_destroy(j->routes);
	g_free(j->url);
	g_free(j->session_url);
	g_free(j);
}

void bench_janus_route(struct bench_janus *j, uint64_t sender, bench_janus_event_cb cb, void *user)
{
	struct route *rt;

	if (!cb) {
		g_hash_table_remove(j->routes, &sender);
		return;
	}
	rt = g_new0(struct route, 1);
	rt->cb = cb;
	rt->user = user;
	g_hash_table_replace(j->routes, g_memdup2(&sender, sizeof(sender)), rt);
}

uint64_t bench_janus_attach(struct bench_janus *j, const char *plugin, char **err)
{
	json_t *reply = call(j, j->session_url,
	                     json_pack("{ssss}", "janus", "attach", "plugin", plugin), 10000, err);
	uint64_t id;

	if (!reply)
		return 0;
	id = (uint64_t)json_integer_value(json_object_get(json_object_get(reply, "data"), "id"));
	json_decref(reply);
	if (!id)
		*err = g_strdup("attach: no handle id in the reply");
	return id;
}

void bench_janus_detach(struct bench_janus *j, uint64_t handle)
{
	char *u = g_strdup_printf("%s/%" G_GUINT64_FORMAT, j->session_url, handle);

	bench_janus_route(j, handle, NULL, NULL);
	post(j, u, json_pack("{ss}", "janus", "detach"), false);
	g_free(u);
}

json_t *bench_janus_data(json_t *answer)
{
	return json_object_get(json_object_get(answer, "plugindata"), "data");
}

const char *bench_janus_sdp(json_t *answer)
{
	return json_string_value(json_object_get(json_object_get(answer, "jsep"), "sdp"));
}

json_t *bench_janus_message(struct bench_janus *j, uint64_t handle, json_t *body, json_t *jsep,
                            int timeout_ms, char **err)
{
	char *u = g_strdup_printf("%s/%" G_GUINT64_FORMAT, j->session_url, handle);
	json_t *msg = json_pack("{ssso}", "janus", "message", "body", body);
	json_t *out = NULL, *data;
	const char *kind;
	struct req *r;
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	if (jsep)
		json_object_set_new(msg, "jsep", jsep);
	r = post(j, u, msg, true);
	bench_pump(req_replied, r, timeout_ms);
	kind = r->reply ? json_string_value(json_object_get(r->reply, "janus")) : NULL;
	if (!r->done) {
		*err = g_strdup_printf("no reply to a message in %d ms", timeout_ms);
	} else if (r->error) {
		*err = g_strdup(r->error);
	} else if ((*err = reply_error(r->reply))) {
		/* reported as is */
	} else if (kind && !strcmp(kind, "ack")) {
		int left = (int)((end - g_get_monotonic_time()) / 1000);
		bench_pump(req_evented, r, left > 0 ? left : 0);
		if (r->event)
			out = json_incref(r->event);
		else
			*err = g_strdup_printf("no event after the ack in %d ms", timeout_ms);
	} else {
		out = json_incref(r->reply);
	}
	req_drop(r);
	g_free(u);
	data = bench_janus_data(out);
	if (out && json_object_get(data, "error_code")) {
		*err = g_strdup_printf(
		    "plugin error %lld: %s",
		    (long long)json_integer_value(json_object_get(data, "error_code")),
		    json_string_value(json_object_get(data, "error")));
		json_decref(out);
		out = NULL;
	}
	return out;
}

void bench_janus_trickle(struct bench_janus *j, uint64_t handle, const char *candidate,
                         const char *mid)
{
	char *u = g_strdup_printf("%s/%" G_GUINT64_FORMAT, j->session_url, handle);
	json_t *c = candidate ? json_pack("{ssss}", "candidate", candidate, "sdpMid", mid)
	                      : json_pack("{sb}", "completed", 1);

	post(j, u, json_pack("{ssso}", "janus", "trickle", "candidate", c), false);
	g_free(u);
}
