/* api/http.c -- the Janus protocol over plain HTTP (libsoup-3.0 SoupServer handlers).
 *
 * POST /janus, /janus/<session>, /janus/<session>/<handle> carry one request each and get the
 * reply in the response; GET /janus/<session>?maxev=N is the long poll (session.c parks it);
 * GET /janus/info answers server_info. Janus errors travel with HTTP 200 (janus.js treats any
 * other status as a transport failure); only transport problems use HTTP statuses: 413 for a body
 * over http.max_body (refused from Content-Length, before the body is read), 411 for a chunked
 * body (its size would be known only after reading it), 404 for paths outside /janus, 405 for
 * other methods. CORS per http.cors_origins.
 * Every other path is the demo page (docs/demo.md): static files from http.demo_dir, GET and HEAD
 * only, or 404 when http.demo is off. The files are small and local, so they are read
 * synchronously on the control thread.
 * WebSocket upgrades on the same paths are left to ws.c. Control thread only. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api_internal.h"
#include "log.h"

LUMEN_LOG_CATEGORY(cat_http, "http");

void api_http_respond_json(SoupServerMessage *msg, guint status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	size_t len = strlen(text);

	json_decref(body);
	soup_server_message_set_status(msg, status, NULL);
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "Cache-Control", "no-cache, no-store");
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, text, len);
	free(text);
}

static bool origin_allowed(const struct lumen_api *api, const char *origin)
{
	char **list = api->cfg->http.cors_origins;

	for (size_t i = 0; list && list[i]; i++)
		if (strcmp(list[i], "*") == 0 || g_ascii_strcasecmp(list[i], origin) == 0)
			return true;
	return false;
}

void api_http_cors(struct lumen_api *api, SoupServerMessage *msg)
{
	SoupMessageHeaders *req = soup_server_message_get_request_headers(msg);
	SoupMessageHeaders *resp = soup_server_message_get_response_headers(msg);
	const char *origin = soup_message_headers_get_one(req, "Origin");
	const char *want;

	if (origin == NULL || !origin_allowed(api, origin))
		return;
	soup_message_headers_replace(resp, "Access-Control-Allow-Origin", origin);
	soup_message_headers_append(resp, "Vary", "Origin");
	if (soup_server_message_get_method(msg) == SOUP_METHOD_OPTIONS) {
		want = soup_message_headers_get_one(req, "Access-Control-Request-Headers");
		soup_message_headers_replace(resp, "Access-Control-Allow-Methods",
					     "GET, POST, OPTIONS");
		soup_message_headers_replace(resp, "Access-Control-Allow-Headers",
					     want ? want : "Content-Type");
		soup_message_headers_replace(resp, "Access-Control-Max-Age", "86400");
	}
}

/* True if the Origin of a WebSocket handshake may connect: same host, or allowed by CORS. */
static bool ws_origin_ok(struct lumen_api *api, SoupServerMessage *msg)
{
	SoupMessageHeaders *req = soup_server_message_get_request_headers(msg);
	const char *origin = soup_message_headers_get_one(req, "Origin");
	const char *host = soup_message_headers_get_one(req, "Host");
	const char *sep;

	if (origin == NULL || origin_allowed(api, origin))
		return true; /* non-browser clients send no Origin */
	sep = strstr(origin, "://");
	return host != NULL && sep != NULL && g_ascii_strcasecmp(sep + 3, host) == 0;
}

static bool is_upgrade(SoupServerMessage *msg)
{
	const char *up = soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
						      "Upgrade");

	return up != NULL && g_ascii_strcasecmp(up, "websocket") == 0;
}

static void transport_error(struct lumen_api *api, SoupServerMessage *msg, guint status,
			    int code, const char *reason)
{
	api_http_respond_json(msg, status, api_error_reply(api, 0, NULL, code, "%s", reason));
}

/* Parses a decimal id path element; 0 if not a valid id. */
static uint64_t parse_id(const char *s)
{
	char *end = NULL;
	guint64 v;

	if (s == NULL || !g_ascii_isdigit(s[0]))
		return 0;
	v = g_ascii_strtoull(s, &end, 10);
	if (*end != '\0' || v >= (UINT64_C(1) << 53))
		return 0;
	return v;
}

static void long_poll(struct lumen_api *api, SoupServerMessage *msg, GHashTable *query,
		      uint64_t sid)
{
	const char *maxev_s = query ? g_hash_table_lookup(query, "maxev") : NULL;
	struct api_session *s = NULL;
	json_t *err;
	long maxev = 1;

	if (maxev_s != NULL) {
		char *end = NULL;

		maxev = strtol(maxev_s, &end, 10);
		if (*end != '\0' || maxev < 1)
			maxev = 1;
		if (maxev > 100)
			maxev = 100;
	}
	err = api_poll_check(api, sid, query ? g_hash_table_lookup(query, "apisecret") : NULL,
			     query ? g_hash_table_lookup(query, "token") : NULL, &s);
	if (err != NULL) {
		api_http_respond_json(msg, SOUP_STATUS_OK, err);
		return;
	}
	api_session_add_poller(s, msg, (unsigned)maxev);
}

static void handle_post(struct lumen_api *api, SoupServerMessage *msg, uint64_t sid, uint64_t hid)
{
	SoupMessageBody *body = soup_server_message_get_request_body(msg);
	GBytes *bytes;
	struct api_origin from = { .http = true, .path_session = sid, .path_handle = hid };
	const char *data;
	gsize len;
	char *reason;

	if (body->length > api->cfg->http.max_body) {
		reason = g_strdup_printf("Request body too large (%" G_GINT64_FORMAT
					 " bytes, limit %" PRId64 ")", body->length,
					 api->cfg->http.max_body);
		transport_error(api, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
				API_ERR_TRANSPORT_SPECIFIC, reason);
		g_free(reason);
		return;
	}
	bytes = soup_message_body_flatten(body);
	data = g_bytes_get_data(bytes, &len);
	from.ip = soup_server_message_get_remote_host(msg);
	api_http_respond_json(msg, SOUP_STATUS_OK, api_process_text(api, data, len, &from));
	g_bytes_unref(bytes);
}

/* ---- the demo page: static files ---- */

/* janus.js and adapter.js come from Debian's libjs-janus-gateway and libjs-webrtc-adapter, so the
 * page works offline; where they are missing, demo_dir/vendor/ may hold copies. */
#ifndef LUMEN_JANUS_JS
#define LUMEN_JANUS_JS "/usr/share/javascript/janus-gateway/janus.js"
#endif
#ifndef LUMEN_ADAPTER_JS
#define LUMEN_ADAPTER_JS "/usr/share/javascript/webrtc-adapter/adapter.js"
#endif

#define STATIC_MAX_SIZE (16 * 1024 * 1024) /* janus.js is 150 KB; anything this big is a mistake */

static const struct {
	const char *url;
	const char *file;
} static_vendor[] = {
	{ "vendor/janus.js", LUMEN_JANUS_JS },
	{ "vendor/adapter.js", LUMEN_ADAPTER_JS },
};

/* Only these types are served: anything else in demo_dir (a makefile, an editor's backup) is not
 * part of the page. */
static const char *static_type(const char *name)
{
	static const struct {
		const char *ext;
		const char *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".json", "application/json" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < G_N_ELEMENTS(types); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

static void static_text(SoupServerMessage *msg, guint status, const char *text)
{
	soup_server_message_set_status(msg, status, NULL);
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "Cache-Control", "no-cache");
	soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_STATIC, text,
					 strlen(text));
}

/* The request path (libsoup hands it over percent-decoded, dot segments removed, and refuses an
 * encoded NUL with 400 itself) as a name relative to demo_dir, "index.html" for "/". NULL (with
 * *status set) when it cannot name a page file: a control character or "\\" (400), or an empty,
 * "." or ".." segment, or one starting with "." (404). Checked here again, whatever libsoup did. */
static char *static_relname(const char *path, guint *status)
{
	gchar **segs = NULL;
	char *name = NULL;

	*status = SOUP_STATUS_BAD_REQUEST;
	if (path[0] != '/')
		return NULL;
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return NULL;
	if (path[1] == '\0')
		return g_strdup("index.html");
	*status = SOUP_STATUS_NOT_FOUND;
	segs = g_strsplit(path + 1, "/", -1);
	for (guint i = 0; segs[i]; i++)
		if (segs[i][0] == '\0' || segs[i][0] == '.')
			goto out;
	name = g_strdup(path + 1);
out:
	g_strfreev(segs);
	return name;
}

/* Reads the regular file at path (already resolved, no symlinks) up to STATIC_MAX_SIZE. */
static GBytes *static_read(const char *path)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX_SIZE)
		goto out;
	buf = g_malloc(st.st_size + 1);
	while (got < (size_t)st.st_size &&
	       ((n = read(fd, buf + got, st.st_size - got)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			got += (size_t)n;
	if (got != (size_t)st.st_size)
		g_clear_pointer(&buf, g_free);
out:
	close(fd);
	return buf ? g_bytes_new_take(buf, got) : NULL;
}

/* demo_dir/rel if, with every symlink resolved, it is a regular file still inside demo_dir. */
static GBytes *static_lookup(const char *dir, const char *rel)
{
	char *root = realpath(dir, NULL);
	char *joined = g_build_filename(dir, rel, NULL);
	char *real = realpath(joined, NULL);
	GBytes *data = NULL;
	size_t rlen;

	if (root == NULL || real == NULL)
		goto out;
	rlen = strlen(root);
	if (strncmp(real, root, rlen) == 0 && (real[rlen] == '/' || (rlen == 1 && root[0] == '/')))
		data = static_read(real);
out:
	free(real);
	g_free(joined);
	free(root);
	return data;
}

static void static_serve(struct lumen_api *api, SoupServerMessage *msg, const char *path)
{
	const char *method = soup_server_message_get_method(msg);
	SoupMessageHeaders *resp = soup_server_message_get_response_headers(msg);
	guint status = SOUP_STATUS_NOT_FOUND;
	char *rel = NULL;
	const char *type;
	GBytes *data = NULL;

	if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
		soup_message_headers_replace(resp, "Allow", "GET, HEAD");
		static_text(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed\n");
		return;
	}
	rel = static_relname(path, &status);
	if (rel == NULL) {
		static_text(msg, status, status == SOUP_STATUS_BAD_REQUEST ? "Bad request\n"
									   : "Not found\n");
		return;
	}
	type = static_type(rel);
	for (size_t i = 0; type && i < G_N_ELEMENTS(static_vendor); i++)
		if (strcmp(rel, static_vendor[i].url) == 0)
			data = static_read(static_vendor[i].file);
	if (type != NULL && data == NULL)
		data = static_lookup(api->cfg->http.demo_dir, rel);
	if (data == NULL) {
		LOG_DEBUG(cat_http, "demo: %s not found", path);
		static_text(msg, SOUP_STATUS_NOT_FOUND, "Not found\n");
		goto out;
	}
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_message_headers_replace(resp, "Cache-Control", "no-cache");
	soup_message_headers_replace(resp, "X-Content-Type-Options", "nosniff");
	soup_message_headers_replace(resp, "Content-Type", type);
	soup_message_body_append_bytes(soup_server_message_get_response_body(msg), data);
	g_bytes_unref(data);
out:
	g_free(rel);
}

static bool is_api_path(const char *path)
{
	return strncmp(path, "/janus", 6) == 0 && (path[6] == '\0' || path[6] == '/');
}

static void janus_cb(SoupServer *server, SoupServerMessage *msg, const char *path,
		     GHashTable *query, gpointer user_data)
{
	struct lumen_api *api = user_data;
	const char *method = soup_server_message_get_method(msg);
	gchar **parts = NULL;
	uint64_t sid = 0, hid = 0;
	guint n;

	if (is_upgrade(msg)) {
		if (!ws_origin_ok(api, msg))
			transport_error(api, msg, SOUP_STATUS_FORBIDDEN, API_ERR_UNAUTHORIZED,
					"WebSocket origin not allowed");
		return; /* no status set: ws.c completes the handshake */
	}
	if (api->cfg->http.demo && !is_api_path(path)) {
		static_serve(api, msg, path);
		return;
	}
	api_http_cors(api, msg);
	if (method == SOUP_METHOD_OPTIONS) {
		soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, NULL);
		return;
	}
	/* "/janus", "/janus/", "/janus/info", "/janus/S", "/janus/S/H" */
	if (!is_api_path(path)) {
		transport_error(api, msg, SOUP_STATUS_NOT_FOUND, API_ERR_INVALID_REQUEST_PATH,
				"No such path (the API lives under /janus)");
		return;
	}
	parts = g_strsplit(path[6] ? path + 7 : "", "/", 3);
	n = g_strv_length(parts);
	if (n > 0 && parts[n - 1][0] == '\0')
		n--; /* trailing slash */
	if (n == 1 && method == SOUP_METHOD_GET && strcmp(parts[0], "info") == 0) {
		api_http_respond_json(msg, SOUP_STATUS_OK, api_server_info(api, NULL));
		goto out;
	}
	if (n > 2 || (n >= 1 && (sid = parse_id(parts[0])) == 0) ||
	    (n == 2 && (hid = parse_id(parts[1])) == 0)) {
		transport_error(api, msg, SOUP_STATUS_NOT_FOUND, API_ERR_INVALID_REQUEST_PATH,
				"Invalid path: expected /janus[/<session>[/<handle>]]");
		goto out;
	}
	if (method == SOUP_METHOD_POST) {
		handle_post(api, msg, sid, hid);
	} else if (method == SOUP_METHOD_GET && n == 1) {
		long_poll(api, msg, query, sid);
	} else if (method == SOUP_METHOD_GET) {
		transport_error(api, msg, SOUP_STATUS_OK, API_ERR_INVALID_REQUEST_PATH,
				"GET is only for /janus/info and /janus/<session> (long poll)");
	} else {
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
					     "Allow", "GET, POST, OPTIONS");
		transport_error(api, msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
				API_ERR_TRANSPORT_SPECIFIC, "Method not allowed");
	}
out:
	g_strfreev(parts);
}

/* Refuses an oversized body from its Content-Length, before libsoup reads it. */
static void early_cb(SoupServer *server, SoupServerMessage *msg, const char *path,
		     GHashTable *query, gpointer user_data)
{
	struct lumen_api *api = user_data;
	SoupMessageHeaders *req = soup_server_message_get_request_headers(msg);
	goffset len = soup_message_headers_get_content_length(req);
	char *reason;

	if (soup_message_headers_get_encoding(req) == SOUP_ENCODING_CHUNKED) {
		/* A chunked body's size is known only once read: ask for Content-Length instead, so
		 * no request body is ever read past http.max_body. Browsers always send it. */
		api_http_cors(api, msg);
		transport_error(api, msg, SOUP_STATUS_LENGTH_REQUIRED, API_ERR_TRANSPORT_SPECIFIC,
				"Length required: send the body with Content-Length, not chunked");
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
					     "Connection", "close");
		return;
	}
	if (len <= api->cfg->http.max_body)
		return;
	api_http_cors(api, msg);
	LOG_INFO(cat_http, "%s: refused a %" G_GINT64_FORMAT "-byte body (http.max_body %" PRId64 ")",
		 soup_server_message_get_remote_host(msg), (gint64)len, api->cfg->http.max_body);
	reason = g_strdup_printf("Request body too large (%" G_GINT64_FORMAT
				 " bytes, limit %" PRId64 ")", (gint64)len, api->cfg->http.max_body);
	transport_error(api, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
			API_ERR_TRANSPORT_SPECIFIC, reason);
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "Connection", "close");
	g_free(reason);
}

int api_http_attach(struct lumen_api *api, SoupServer *server)
{
	soup_server_add_early_handler(server, NULL, early_cb, api, NULL);
	soup_server_add_early_handler(server, "/janus", early_cb, api, NULL);
	soup_server_add_handler(server, NULL, janus_cb, api, NULL);
	soup_server_add_handler(server, "/janus", janus_cb, api, NULL);
	return 0;
}
