/* api/protocol.c -- the Janus JSON protocol: checks a request's envelope (janus, transaction,
 * ids, secrets, tokens), dispatches it through a table of verbs, and builds the replies (ack,
 * success, error with a Janus error code).
 *
 * Transport-neutral: http.c and ws.c hand in text plus where it came from (struct api_origin) and
 * send back the reply this file returns. Plugin calls for attach and message happen here, with
 * the session and handle ids pushed as log context. Control thread only. */
#ifdef HAVE_CONFIG_H
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "api/api_internal.h"
#include "api/media.h"
#include "log.h"
#include "plugin/host.h"

#ifdef PACKAGE_VERSION
#define LUMEN_API_VERSION_STRING PACKAGE_VERSION
#else
#define LUMEN_API_VERSION_STRING "0.0.0"
#endif

LUMEN_LOG_CATEGORY(cat_proto, "api");

struct req {
	struct lumen_api *api;
	json_t *msg;
	const char *transaction;
	const struct api_origin *from;
	struct api_session *s;
	struct lumen_handle *h;
	json_t *claims; /* verified token of this request, or NULL (owned) */
};

enum scope { SCOPE_NONE, SCOPE_SESSION, SCOPE_HANDLE };

struct verb {
	const char *name;
	enum scope scope;
	json_t *(*run)(struct req *r);
};

static const struct {
	int code;
	const char *text;
} error_texts[] = {
	{ API_ERR_UNAUTHORIZED, "Unauthorized request (wrong or missing secret/token)" },
	{ API_ERR_UNAUTHORIZED_PLUGIN, "Unauthorized access to plugin (token is not allowed to)" },
	{ API_ERR_TRANSPORT_SPECIFIC, "Transport specific error" },
	{ API_ERR_MISSING_REQUEST, "Missing request" },
	{ API_ERR_UNKNOWN_REQUEST, "Unknown request" },
	{ API_ERR_INVALID_JSON, "Invalid JSON" },
	{ API_ERR_INVALID_JSON_OBJECT, "Invalid JSON Object" },
	{ API_ERR_MISSING_MANDATORY_ELEMENT, "Missing mandatory element" },
	{ API_ERR_INVALID_REQUEST_PATH, "Invalid path for this request" },
	{ API_ERR_SESSION_NOT_FOUND, "Session not found" },
	{ API_ERR_HANDLE_NOT_FOUND, "Handle not found" },
	{ API_ERR_PLUGIN_NOT_FOUND, "Plugin not found" },
	{ API_ERR_PLUGIN_ATTACH, "Error attaching plugin" },
	{ API_ERR_PLUGIN_MESSAGE, "Error sending message to plugin" },
	{ API_ERR_PLUGIN_DETACH, "Error detaching from plugin" },
	{ API_ERR_JSEP_UNKNOWN_TYPE, "Unsupported JSEP type" },
	{ API_ERR_JSEP_INVALID_SDP, "Invalid SDP" },
	{ API_ERR_TRICKLE_INVALID_STREAM, "Invalid stream" },
	{ API_ERR_INVALID_ELEMENT_TYPE, "Invalid element type" },
	{ API_ERR_SESSION_CONFLICT, "Session ID already in use" },
	{ API_ERR_UNEXPECTED_ANSWER, "Unexpected ANSWER (no OFFER)" },
	{ API_ERR_TOKEN_NOT_FOUND, "Token not found" },
	{ API_ERR_WEBRTC_STATE, "Wrong WebRTC state" },
	{ API_ERR_NOT_ACCEPTING_SESSIONS, "Currently not accepting new sessions" },
	{ API_ERR_UNKNOWN, "Unknown error" },
};

const char *lumen_api_error_text(int code)
{
	for (size_t i = 0; i < G_N_ELEMENTS(error_texts); i++)
		if (error_texts[i].code == code)
			return error_texts[i].text;
	return "Unknown error";
}

json_t *api_error_reply(struct lumen_api *api, uint64_t session, const char *transaction, int code,
			const char *fmt, ...)
{
	json_t *reply = json_pack("{s:s}", "janus", "error");
	char *text, *reason;
	va_list ap;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* A reason can quote the client's bytes, cut anywhere: jansson's parse errors quote the
	 * input up to the byte that failed, which may be half a UTF-8 character. json_pack refuses
	 * a string that is not UTF-8, and the reply went out without its "error" member (found by
	 * fuzz_api). Invalid sequences become U+FFFD. */
	reason = g_utf8_make_valid(text, -1);
	g_free(text);
	if (session)
		json_object_set_new(reply, "session_id", json_integer((json_int_t)session));
	if (transaction)
		json_object_set_new(reply, "transaction", json_string(transaction));
	json_object_set_new(reply, "error",
			    json_pack("{s:i, s:s}", "code", code, "reason", reason));
	g_free(reason);
	if (api && code >= API_ERR_MIN && code <= API_ERR_MAX)
		api->errors[code - API_ERR_MIN]++;
	return reply;
}

#define FAIL(r, code, ...)                                                                         \
	api_error_reply((r)->api, (r)->s ? (r)->s->id : 0, (r)->transaction, (code), __VA_ARGS__)

static json_t *reply_new(struct req *r, const char *kind)
{
	json_t *reply = json_pack("{s:s, s:s}", "janus", kind, "transaction", r->transaction);

	if (r->s)
		json_object_set_new(reply, "session_id", json_integer((json_int_t)r->s->id));
	return reply;
}

/* ---- server info ---- */

json_t *api_server_info(struct lumen_api *api, const char *transaction)
{
	json_t *info = json_object(), *plugins = json_object();
	const struct lumen_loaded_plugin *const *list = NULL;
	size_t n = api->host ? lumen_plugin_host_list(api->host, &list) : 0;

	json_object_set_new(info, "janus", json_string("server_info"));
	if (transaction)
		json_object_set_new(info, "transaction", json_string(transaction));
	json_object_set_new(info, "name", json_string("lumen"));
	json_object_set_new(info, "version_string", json_string(LUMEN_API_VERSION_STRING));
	json_object_set_new(info, "author", json_string("the lumen authors"));
	json_object_set_new(info, "session-timeout", json_integer(api->cfg->api.session_timeout));
	json_object_set_new(info, "long-poll-timeout",
			    json_integer(api->cfg->api.long_poll_timeout));
	json_object_set_new(info, "api_secret", json_boolean(api->auth.api_secret[0] != '\0'));
	json_object_set_new(info, "auth_token", json_boolean(api_auth_tokens_enabled(&api->auth)));
	json_object_set_new(info, "accepting-new-sessions", json_boolean(!api->draining));
	json_object_set_new(info, "transports",
			    json_pack("{s:{s:s}, s:{s:s}}", "lumen.transport.http", "name",
				      "HTTP (POST and long poll)", "lumen.transport.websockets",
				      "name", "WebSocket (janus-protocol)"));
	for (size_t i = 0; i < n; i++) {
		const struct lumen_plugin *p = list[i]->desc;

		if (!list[i]->started)
			continue;
		json_object_set_new(plugins, p->package,
				    json_pack("{s:s?, s:s?, s:s?, s:s?}", "name", p->name,
					      "version_string", p->version, "description",
					      p->description, "author", p->author));
	}
	json_object_set_new(info, "plugins", plugins);
	return info;
}

static json_t *run_info(struct req *r)
{
	return api_server_info(r->api, r->transaction);
}

/* ---- create / claim / keepalive / destroy ---- */

static json_t *run_create(struct req *r)
{
	struct lumen_api *api = r->api;
	const struct lumen_config *cfg = api->cfg;
	const char *ip = r->from->ip ? r->from->ip : "";
	struct api_ipstat *st = api_iptable_get(api->ips, ip);
	json_t *want = json_object_get(r->msg, "id"), *reply;
	uint64_t id = 0;
	struct api_session *s;

	if (api->draining)
		return FAIL(r, API_ERR_NOT_ACCEPTING_SESSIONS,
			    "Server is draining: not accepting new sessions");
	if (!api_bucket_take(&st->bucket, (double)cfg->api.create_rate,
			     (double)cfg->api.create_burst, api->now_us()))
		return FAIL(r, API_ERR_NOT_ACCEPTING_SESSIONS,
			    "Too many session creations from %s (limit %" PRId64 " per second)",
			    ip, cfg->api.create_rate);
	if ((int64_t)g_hash_table_size(api->sessions) >= cfg->api.max_sessions)
		return FAIL(r, API_ERR_NOT_ACCEPTING_SESSIONS,
			    "Too many sessions on this server (limit %" PRId64 ")",
			    cfg->api.max_sessions);
	if ((int64_t)st->sessions >= cfg->api.max_sessions_per_ip)
		return FAIL(r, API_ERR_NOT_ACCEPTING_SESSIONS,
			    "Too many sessions from %s (limit %" PRId64 ")", ip,
			    cfg->api.max_sessions_per_ip);
	if (want != NULL) {
		if (!json_is_integer(want) || json_integer_value(want) <= 0 ||
		    json_integer_value(want) >= ((json_int_t)1 << 53))
			return FAIL(r, API_ERR_INVALID_ELEMENT_TYPE,
				    "Invalid element type (id should be a positive integer below 2^53)");
		id = (uint64_t)json_integer_value(want);
		if (g_hash_table_contains(api->sessions, &id))
			return FAIL(r, API_ERR_SESSION_CONFLICT, "Session ID already in use");
	}
	s = api_session_new(api, ip);
	if (id != 0) {
		g_hash_table_steal(api->sessions, &s->id);
		s->id = id;
		g_hash_table_insert(api->sessions, &s->id, s);
	}
	s->token_claims = r->claims ? json_incref(r->claims) : NULL;
	if (r->from->ws)
		api_ws_own_session(r->from->ws, s);
	LOG_INFO(cat_proto, "session %" PRIu64 " created for %s over %s", s->id, ip,
		 r->from->ws ? "websocket" : "http");
	reply = json_pack("{s:s, s:s, s:{s:I}}", "janus", "success", "transaction",
			  r->transaction, "data", "id", (json_int_t)s->id);
	return reply;
}

static json_t *run_keepalive(struct req *r)
{
	return reply_new(r, "ack");
}

static json_t *run_destroy(struct req *r)
{
	json_t *reply = reply_new(r, "success");

	LOG_INFO(cat_proto, "session %" PRIu64 " destroyed by its client", r->s->id);
	api_session_destroy(r->s, NULL);
	r->s = NULL;
	return reply;
}

static json_t *run_claim(struct req *r)
{
	struct api_session *s = r->s;

	if (s->ws != r->from->ws) {
		if (s->ws)
			api_ws_forget_session(s->ws, s);
		if (r->from->ws)
			api_ws_own_session(r->from->ws, s);
	}
	/* Queued events go to the new owner. */
	if (api_evq_len(&s->events) > 0)
		api_session_emit(s, json_pack("{s:s}", "janus", "keepalive"));
	return reply_new(r, "success");
}

/* ---- attach ---- */

static char *claim_string(const json_t *claims, const char *a, const char *b)
{
	const json_t *v = json_object_get(claims, a);

	if (v == NULL && b != NULL)
		v = json_object_get(claims, b);
	if (json_is_string(v))
		return g_strdup(json_string_value(v));
	if (json_is_integer(v))
		return g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	return NULL;
}

static bool token_allows_plugin(const json_t *claims, const char *package)
{
	const json_t *list = json_object_get(claims, "plugins");
	size_t i;
	json_t *v;

	if (list == NULL)
		return true;
	if (!json_is_array(list))
		return false;
	json_array_foreach(list, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), package) == 0)
			return true;
	return false;
}

static json_t *run_attach(struct req *r)
{
	struct lumen_api *api = r->api;
	json_t *jp = json_object_get(r->msg, "plugin");
	json_t *jo = json_object_get(r->msg, "opaque_id");
	const struct lumen_loaded_plugin *lp = NULL;
	const json_t *claims = r->claims ? r->claims : r->s->token_claims;
	struct lumen_log_ctx lctx = { .session = r->s->id };
	struct lumen_handle *h;
	int rc;

	if (jp == NULL)
		return FAIL(r, API_ERR_MISSING_MANDATORY_ELEMENT, "Missing mandatory element (plugin)");
	if (!json_is_string(jp))
		return FAIL(r, API_ERR_INVALID_ELEMENT_TYPE,
			    "Invalid element type (plugin should be a string)");
	if (jo != NULL && !json_is_string(jo))
		return FAIL(r, API_ERR_INVALID_ELEMENT_TYPE,
			    "Invalid element type (opaque_id should be a string)");
	if (api->host)
		lp = lumen_plugin_host_find(api->host, json_string_value(jp));
	if (lp == NULL || lp->desc == NULL)
		return FAIL(r, API_ERR_PLUGIN_NOT_FOUND, "No such plugin '%s'",
			    json_string_value(jp));
	if (claims && !token_allows_plugin(claims, lp->desc->package))
		return FAIL(r, API_ERR_UNAUTHORIZED_PLUGIN,
			    "Token does not allow access to plugin '%s'", lp->desc->package);
	if ((int64_t)g_hash_table_size(r->s->handles) >= api->cfg->api.max_handles_per_session)
		return FAIL(r, API_ERR_PLUGIN_ATTACH,
			    "Too many handles in this session (limit %" PRId64 ")",
			    api->cfg->api.max_handles_per_session);
	h = api_handle_new(r->s, lp->desc, jo ? json_string_value(jo) : NULL);
	if (claims) {
		h->identity.user = claim_string(claims, "user", "sub");
		h->identity.room = claim_string(claims, "room", NULL);
		h->identity.role = claim_string(claims, "role", NULL);
		h->identity.claims = json_incref((json_t *)claims);
	}
	h->identity.remote_ip = g_strdup(r->s->ip);
	lctx.handle = h->id;
	lumen_log_ctx_push(&lctx);
	h->in_callback = true;
	rc = lp->desc->attach ? lp->desc->attach(h, &h->identity, &h->state) : 0;
	h->in_callback = false;
	lumen_log_ctx_pop(&lctx);
	if (rc != 0) {
		uint64_t hid = h->id;

		/* The plugin refused: no detach callback for a handle it never accepted. */
		g_hash_table_remove(api->handles, &hid);
		g_hash_table_remove(r->s->handles, &hid);
		api->stats.handles--;
		return FAIL(r, API_ERR_PLUGIN_ATTACH, "Plugin %s refused the attach: %s",
			    lp->desc->package, g_strerror(rc < 0 ? -rc : rc));
	}
	LOG_DEBUG(cat_proto, "handle %" PRIu64 " attached to %s in session %" PRIu64, h->id,
		  lp->desc->package, r->s->id);
	return json_pack("{s:s, s:I, s:s, s:{s:I}}", "janus", "success", "session_id",
			 (json_int_t)r->s->id, "transaction", r->transaction, "data", "id",
			 (json_int_t)h->id);
}

/* ---- message ---- */

/* Checks a client's jsep. Returns NULL if acceptable, else an error reply. */
static json_t *check_jsep(struct req *r, const json_t *jsep)
{
	const json_t *type = json_object_get(jsep, "type");
	const json_t *sdp = json_object_get(jsep, "sdp");
	const char *t;

	if (!json_is_object(jsep))
		return FAIL(r, API_ERR_INVALID_ELEMENT_TYPE,
			    "Invalid element type (jsep should be an object)");
	if (type == NULL)
		return FAIL(r, API_ERR_MISSING_MANDATORY_ELEMENT, "Missing mandatory element (type)");
	if (!json_is_string(type))
		return FAIL(r, API_ERR_INVALID_ELEMENT_TYPE,
			    "Invalid element type (type should be a string)");
	t = json_string_value(type);
	if (strcmp(t, "offer") != 0 && strcmp(t, "answer") != 0)
		return FAIL(r, API_ERR_JSEP_UNKNOWN_TYPE, "JSEP error: unknown message type '%s'", t);
	if (!json_is_string(sdp))
		return FAIL(r, API_ERR_JSEP_INVALID_SDP,
			    "JSEP error: missing or invalid SDP (sdp should be a string)");
	if (strncmp(json_string_value(sdp), "v=0", 3) != 0)
		return FAIL(r, API_ERR_JSEP_INVALID_SDP,
			    "JSEP error: invalid SDP (does not start with v=0)");
	if (strcmp(t, "answer") == 0 && !r->h->offer_pending)
		return FAIL(r, API_ERR_UNEXPECTED_ANSWER, "Unexpected ANSWER (did we offer?)");
	return NULL;
}

static json_t *message_result(struct req *r, struct lumen_msg_result *res)
{
	json_t *reply;

	switch (res->kind) {
	case LUMEN_MSG_SYNC:
		reply = reply_new(r, "success");
		json_object_set_new(reply, "sender", json_integer((json_int_t)r->h->id));
		json_object_set_new(reply, "plugindata",
				    json_pack("{s:s, s:o}", "plugin", r->h->plugin->package, "data",
					      res->data ? res->data : json_object()));
		res->data = NULL;
		if (res->jsep) {
			char *why = NULL;
			if (api_plugin_jsep_check(r->h, res->jsep) < 0 ||
			    api_media_local_jsep(r->h, res->jsep, &why) < 0) {
				json_decref(reply);
				reply = FAIL(r, API_ERR_PLUGIN_MESSAGE,
					     "Plugin %s answered with an invalid jsep%s%s",
					     r->h->plugin->package, why ? ": " : "", why ? why : "");
				g_free(why);
				break;
			}
			json_object_set_new(reply, "jsep", res->jsep);
			res->jsep = NULL;
		}
		break;
	case LUMEN_MSG_ASYNC:
		reply = reply_new(r, "ack");
		break;
	case LUMEN_MSG_ERROR:
	default:
		reply = FAIL(r, res->error_code ? res->error_code : API_ERR_PLUGIN_MESSAGE, "%s",
			     res->error ? res->error : "The plugin refused the message");
		break;
	}
	json_decref(res->data);
	json_decref(res->jsep);
	free(res->error);
	return reply;
}

static json_t *run_message(struct req *r)
{
	json_t *body = json_object_get(r->msg, "body");
	json_t *jsep = json_object_get(r->msg, "jsep");
	struct lumen_log_ctx lctx = { .session = r->s->id, .handle = r->h->id };
	struct lumen_msg_result res;
	json_t *err;

	if (body == NULL)
		return FAIL(r, API_ERR_MISSING_MANDATORY_ELEMENT, "Missing mandatory element (body)");
	if (!json_is_object(body))
		return FAIL(r, API_ERR_INVALID_ELEMENT_TYPE,
			    "Invalid element type (body should be an object)");
	if (jsep != NULL && (err = check_jsep(r, jsep)) != NULL)
		return err;
	if (r->h->plugin->message == NULL)
		return FAIL(r, API_ERR_PLUGIN_MESSAGE, "Plugin %s takes no messages",
			    r->h->plugin->package);
	if (jsep != NULL) {
		r->h->negotiated = true;
		if (strcmp(json_string_value(json_object_get(jsep, "type")), "answer") == 0)
			r->h->offer_pending = false;
	}
	if (jsep != NULL) {
		/* The peer connection takes the client's SDP first: the plugin sees only SDP that
		 * lumen can actually use. */
		char *why = NULL;
		int rc = api_media_remote_jsep(r->h, jsep, &why);
		if (rc < 0) {
			json_t *e = FAIL(r,
					 rc == -EPROTO ? API_ERR_UNEXPECTED_ANSWER
					 : rc == -EIO  ? API_ERR_WEBRTC_STATE
						       : API_ERR_JSEP_INVALID_SDP,
					 "JSEP error: %s", why ? why : "unusable SDP");
			g_free(why);
			r->h->negotiated = false;
			return e;
		}
	}
	lumen_log_ctx_push(&lctx);
	r->h->in_callback = true;
	res = r->h->plugin->message(r->h, r->h->state, r->transaction, body, jsep);
	r->h->in_callback = false;
	lumen_log_ctx_pop(&lctx);
	return message_result(r, &res);
}

/* ---- trickle, hangup, detach ---- */

static json_t *check_candidate(struct req *r, const json_t *c)
{
	const json_t *mid, *idx;

	if (!json_is_object(c))
		return FAIL(r, API_ERR_INVALID_ELEMENT_TYPE,
			    "Invalid element type (candidate should be an object)");
	if (json_is_true(json_object_get(c, "completed")))
		return NULL;
	if (!json_is_string(json_object_get(c, "candidate")))
		return FAIL(r, API_ERR_MISSING_MANDATORY_ELEMENT,
			    "Missing mandatory element (candidate.candidate string)");
	mid = json_object_get(c, "sdpMid");
	idx = json_object_get(c, "sdpMLineIndex");
	if (mid == NULL && idx == NULL)
		return FAIL(r, API_ERR_TRICKLE_INVALID_STREAM,
			    "Trickle error: candidate names no stream (sdpMid or sdpMLineIndex)");
	if ((mid != NULL && !json_is_string(mid) && !json_is_null(mid)) ||
	    (idx != NULL && !json_is_integer(idx) && !json_is_null(idx)))
		return FAIL(r, API_ERR_INVALID_ELEMENT_TYPE,
			    "Invalid element type (sdpMid is a string, sdpMLineIndex an integer)");
	if (json_is_integer(idx) && (json_integer_value(idx) < 0 || json_integer_value(idx) > 255))
		return FAIL(r, API_ERR_TRICKLE_INVALID_STREAM,
			    "Trickle error: sdpMLineIndex %" JSON_INTEGER_FORMAT " is out of range",
			    json_integer_value(idx));
	return NULL;
}

static json_t *run_trickle(struct req *r)
{
	json_t *one = json_object_get(r->msg, "candidate");
	json_t *many = json_object_get(r->msg, "candidates");
	json_t *err, *c;
	size_t i, n = 0;

	if (one == NULL && many == NULL)
		return FAIL(r, API_ERR_MISSING_MANDATORY_ELEMENT,
			    "Missing mandatory element (candidate or candidates)");
	if (many != NULL && !json_is_array(many))
		return FAIL(r, API_ERR_INVALID_ELEMENT_TYPE,
			    "Invalid element type (candidates should be an array)");
	if (one != NULL && (err = check_candidate(r, one)) != NULL)
		return err;
	json_array_foreach(many, i, c)
		if ((err = check_candidate(r, c)) != NULL)
			return err;
	n = (one ? 1 : 0) + (many ? json_array_size(many) : 0);
	if (one)
		api_media_trickle(r->h, one);
	json_array_foreach(many, i, c)
		api_media_trickle(r->h, c);
	LOG_DEBUG(cat_proto, "handle %" PRIu64 ": %zu trickled candidate(s)", r->h->id, n);
	return reply_new(r, "ack");
}

static json_t *run_hangup(struct req *r)
{
	struct lumen_handle *h = r->h;

	/* With a peer connection, closing it emits the hangup event and calls the plugin. */
	if (api_media_hangup(h, "Close PC"))
		return reply_new(r, "success");
	if (h->negotiated) {
		struct lumen_log_ctx lctx = { .session = r->s->id, .handle = h->id };

		h->negotiated = false;
		lumen_log_ctx_push(&lctx);
		if (h->plugin->hangup) {
			h->in_callback = true;
			h->plugin->hangup(h, h->state, "Client request");
			h->in_callback = false;
		}
		lumen_log_ctx_pop(&lctx);
		api_session_emit(r->s, json_pack("{s:s, s:I, s:s}", "janus", "hangup", "sender",
						 (json_int_t)h->id, "reason", "Close PC"));
	}
	return reply_new(r, "success");
}

static json_t *run_detach(struct req *r)
{
	api_handle_detach(r->h, true);
	r->h = NULL;
	return reply_new(r, "success");
}

static const struct verb verbs[] = {
	{ "info", SCOPE_NONE, run_info },
	{ "create", SCOPE_NONE, run_create },
	{ "attach", SCOPE_SESSION, run_attach },
	{ "keepalive", SCOPE_SESSION, run_keepalive },
	{ "destroy", SCOPE_SESSION, run_destroy },
	{ "claim", SCOPE_SESSION, run_claim },
	{ "message", SCOPE_HANDLE, run_message },
	{ "trickle", SCOPE_HANDLE, run_trickle },
	{ "hangup", SCOPE_HANDLE, run_hangup },
	{ "detach", SCOPE_HANDLE, run_detach },
};
#define VERB_OTHER G_N_ELEMENTS(verbs) /* counters slot for unknown or malformed requests */
G_STATIC_ASSERT(G_N_ELEMENTS(verbs) + 1 <= G_N_ELEMENTS(((struct lumen_api *)0)->requests));

const char *api_verb_name(unsigned idx)
{
	return idx < G_N_ELEMENTS(verbs) ? verbs[idx].name : "other";
}

unsigned api_n_verbs(void)
{
	return G_N_ELEMENTS(verbs) + 1;
}

/* ---- envelope ---- */

/* Reads an optional id field: 0 if absent; -1 (and *err) if present but not a valid id. */
static int read_id(struct req *r, const char *field, uint64_t *out, json_t **err)
{
	json_t *v = json_object_get(r->msg, field);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		*err = FAIL(r, API_ERR_INVALID_ELEMENT_TYPE,
			    "Invalid element type (%s should be a positive integer)", field);
		return -1;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* api_secret and token checks. Returns NULL when the request may go on. */
static json_t *check_auth(struct req *r)
{
	struct lumen_api *api = r->api;
	json_t *jsecret = json_object_get(r->msg, "apisecret");
	json_t *jtoken = json_object_get(r->msg, "token");
	const char *why = NULL;

	if (!api_auth_check_secret(&api->auth, json_is_string(jsecret) ? json_string_value(jsecret)
									: NULL))
		return FAIL(r, API_ERR_UNAUTHORIZED, "Unauthorized request (wrong or missing secret)");
	if (jtoken != NULL && !json_is_string(jtoken))
		return FAIL(r, API_ERR_INVALID_ELEMENT_TYPE,
			    "Invalid element type (token should be a string)");
	if (!api_auth_tokens_enabled(&api->auth))
		return NULL;
	if (jtoken == NULL) {
		if (api->auth.token_required)
			return FAIL(r, API_ERR_UNAUTHORIZED,
				    "Unauthorized request (a token is required)");
		return NULL;
	}
	r->claims = api_auth_verify_token(&api->auth, json_string_value(jtoken),
					  g_get_real_time() / G_USEC_PER_SEC, &why);
	if (r->claims == NULL)
		return FAIL(r, API_ERR_UNAUTHORIZED, "Unauthorized request (%s)", why);
	return NULL;
}

/* Finds the session and handle the verb needs. Returns NULL when found. */
static json_t *resolve(struct req *r, enum scope scope)
{
	const struct api_origin *from = r->from;
	uint64_t sid, hid;
	json_t *err = NULL;

	if (from->http) {
		sid = from->path_session;
		hid = from->path_handle;
	} else if (read_id(r, "session_id", &sid, &err) < 0 ||
		   read_id(r, "handle_id", &hid, &err) < 0) {
		return err;
	}
	if (scope == SCOPE_NONE) {
		if (from->http && sid != 0)
			return FAIL(r, API_ERR_INVALID_REQUEST_PATH,
				    "Unhandled request at this path (use /janus)");
		return NULL;
	}
	if (sid == 0)
		return from->http ? FAIL(r, API_ERR_INVALID_REQUEST_PATH,
					 "Unhandled request at this path (use /janus/<session>)")
				  : FAIL(r, API_ERR_MISSING_MANDATORY_ELEMENT,
					 "Missing mandatory element (session_id)");
	if (scope == SCOPE_SESSION && from->http && hid != 0)
		return FAIL(r, API_ERR_INVALID_REQUEST_PATH,
			    "Unhandled request at this path (use /janus/<session>)");
	r->s = api_session_find(r->api, sid);
	if (r->s == NULL)
		return api_error_reply(r->api, 0, r->transaction, API_ERR_SESSION_NOT_FOUND,
				       "No such session %" PRIu64, sid);
	api_session_touch(r->s);
	if (scope == SCOPE_SESSION)
		return NULL;
	if (hid == 0)
		return from->http ? FAIL(r, API_ERR_INVALID_REQUEST_PATH,
					 "Unhandled request at this path "
					 "(use /janus/<session>/<handle>)")
				  : FAIL(r, API_ERR_MISSING_MANDATORY_ELEMENT,
					 "Missing mandatory element (handle_id)");
	r->h = api_handle_find(r->s, hid);
	if (r->h == NULL)
		return FAIL(r, API_ERR_HANDLE_NOT_FOUND, "No such handle %" PRIu64 " in session %"
			    PRIu64, hid, r->s->id);
	return NULL;
}

json_t *api_poll_check(struct lumen_api *api, uint64_t sid, const char *apisecret,
		       const char *token, struct api_session **out)
{
	json_t *msg = json_pack("{s:s, s:s}", "janus", "poll", "transaction", "");
	struct api_origin from = { .http = true, .path_session = sid };
	struct req r = { .api = api, .msg = msg, .from = &from };
	json_t *err;

	if (apisecret)
		json_object_set_new(msg, "apisecret", json_string(apisecret));
	if (token)
		json_object_set_new(msg, "token", json_string(token));
	r.transaction = NULL;
	err = check_auth(&r);
	if (err == NULL)
		err = resolve(&r, SCOPE_SESSION);
	json_decref(r.claims);
	json_decref(msg);
	*out = err ? NULL : r.s;
	return err;
}

int api_plugin_jsep_check(struct lumen_handle *h, const json_t *jsep)
{
	const char *type = json_string_value(json_object_get(jsep, "type"));
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));

	if (!json_is_object(jsep) || type == NULL || sdp == NULL || strncmp(sdp, "v=0", 3) != 0)
		return -EINVAL;
	if (strcmp(type, "offer") == 0)
		h->offer_pending = true;
	else if (strcmp(type, "answer") != 0)
		return -EINVAL;
	h->negotiated = true;
	return 0;
}

static void count(struct lumen_api *api, unsigned verb, const json_t *reply)
{
	const char *kind = json_string_value(json_object_get(reply, "janus"));

	if (kind && strcmp(kind, "error") == 0)
		api->requests[verb].error++;
	else
		api->requests[verb].ok++;
}

json_t *api_process(struct lumen_api *api, json_t *msg, const struct api_origin *from)
{
	struct req r = { .api = api, .msg = msg, .from = from };
	json_t *jj, *jt, *reply = NULL;
	unsigned verb = VERB_OTHER;
	const char *name;

	if (!json_is_object(msg)) {
		reply = api_error_reply(api, 0, NULL, API_ERR_INVALID_JSON_OBJECT,
					"Invalid JSON Object (the request must be an object)");
		goto out;
	}
	jt = json_object_get(msg, "transaction");
	if (json_is_string(jt))
		r.transaction = json_string_value(jt);
	jj = json_object_get(msg, "janus");
	if (jj == NULL) {
		reply = FAIL(&r, API_ERR_MISSING_MANDATORY_ELEMENT, "Missing mandatory element (janus)");
		goto out;
	}
	if (!json_is_string(jj)) {
		reply = FAIL(&r, API_ERR_INVALID_ELEMENT_TYPE,
			     "Invalid element type (janus should be a string)");
		goto out;
	}
	name = json_string_value(jj);
	for (unsigned i = 0; i < G_N_ELEMENTS(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			verb = i;
	if (jt == NULL) {
		reply = FAIL(&r, API_ERR_MISSING_MANDATORY_ELEMENT,
			     "Missing mandatory element (transaction)");
		goto out;
	}
	if (!json_is_string(jt)) {
		reply = FAIL(&r, API_ERR_INVALID_ELEMENT_TYPE,
			     "Invalid element type (transaction should be a string)");
		goto out;
	}
	if (verb == VERB_OTHER) {
		reply = FAIL(&r, API_ERR_UNKNOWN_REQUEST, "Unknown request '%s'", name);
		goto out;
	}
	if (verbs[verb].run != run_info && (reply = check_auth(&r)) != NULL)
		goto out;
	if ((reply = resolve(&r, verbs[verb].scope)) != NULL)
		goto out;
	reply = verbs[verb].run(&r);
out:
	count(api, verb, reply);
	json_decref(r.claims);
	return reply;
}

json_t *api_process_text(struct lumen_api *api, const char *text, size_t len,
			 const struct api_origin *from)
{
	json_error_t jerr;
	json_t *msg, *reply;

	if (len == 0) {
		reply = api_error_reply(api, 0, NULL, API_ERR_MISSING_REQUEST,
					"Missing request (empty body)");
		api->requests[VERB_OTHER].error++;
		return reply;
	}
	msg = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (msg == NULL) {
		reply = api_error_reply(api, 0, NULL, API_ERR_INVALID_JSON,
					"JSON error: on line %d: %s", jerr.line, jerr.text);
		api->requests[VERB_OTHER].error++;
		return reply;
	}
	reply = api_process(api, msg, from);
	json_decref(msg);
	return reply;
}
