/* api/api_internal.h -- what the files of src/api share: the API, session and handle structs and
 * the functions one file offers another. Not installed, not used outside src/api (and its tests).
 *
 * Ownership: struct lumen_api owns every session (api->sessions, by id); a session owns its handles
 * (session->handles) and its event queue; a handle is also indexed in api->handles for invoke.
 * WebSocket connections (ws.c) own nothing but point at the sessions created or claimed on them.
 * Everything here runs on the control thread (the thread that called lumen_api_new). */
#ifndef LUMEN_API_INTERNAL_H
#define LUMEN_API_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>
#include <libsoup/soup.h>
#include <lumen/plugin.h>

#include "api/api.h"
#include "api/httpkeep.h"
#include "../config.h"

/* Janus API error codes (the public "Janus API" documentation, apierror list). */
enum api_error {
	API_OK = 0,
	API_ERR_UNAUTHORIZED = 403,
	API_ERR_UNAUTHORIZED_PLUGIN = 405,
	API_ERR_TRANSPORT_SPECIFIC = 450,
	API_ERR_MISSING_REQUEST = 452,
	API_ERR_UNKNOWN_REQUEST = 453,
	API_ERR_INVALID_JSON = 454,
	API_ERR_INVALID_JSON_OBJECT = 455,
	API_ERR_MISSING_MANDATORY_ELEMENT = 456,
	API_ERR_INVALID_REQUEST_PATH = 457,
	API_ERR_SESSION_NOT_FOUND = 458,
	API_ERR_HANDLE_NOT_FOUND = 459,
	API_ERR_PLUGIN_NOT_FOUND = 460,
	API_ERR_PLUGIN_ATTACH = 461,
	API_ERR_PLUGIN_MESSAGE = 462,
	API_ERR_PLUGIN_DETACH = 463,
	API_ERR_JSEP_UNKNOWN_TYPE = 464,
	API_ERR_JSEP_INVALID_SDP = 465,
	API_ERR_TRICKLE_INVALID_STREAM = 466,
	API_ERR_INVALID_ELEMENT_TYPE = 467,
	API_ERR_SESSION_CONFLICT = 468,
	API_ERR_UNEXPECTED_ANSWER = 469,
	API_ERR_TOKEN_NOT_FOUND = 470,
	API_ERR_WEBRTC_STATE = 471,
	API_ERR_NOT_ACCEPTING_SESSIONS = 472,
	API_ERR_UNKNOWN = 490,
};
#define API_ERR_MIN 400
#define API_ERR_MAX 499

/* The documented short text of a code ("Session not found"), or "Unknown error". */
const char *lumen_api_error_text(int code);

/* ---- events.c: bounded FIFO of JSON events (owned references) ---- */
struct api_evq {
	GQueue q;
	size_t max;       /* 0 = unbounded */
	uint64_t dropped; /* oldest events dropped because the queue was full */
};
void api_evq_init(struct api_evq *q, size_t max);
/* Takes ev. When full, drops (and frees) the oldest first. Returns 1 if one was dropped, else 0. */
int api_evq_push(struct api_evq *q, json_t *ev);
json_t *api_evq_pop(struct api_evq *q); /* transfer full, NULL if empty */
size_t api_evq_len(const struct api_evq *q);
void api_evq_fini(struct api_evq *q);

/* ---- limits.c: token bucket and per-IP counters (pure; time is an argument) ---- */
struct api_bucket {
	double tokens;
	int64_t last_us;
};
/* Refills at rate per second up to burst, then takes one token. True if one was available. */
bool api_bucket_take(struct api_bucket *b, double rate, double burst, int64_t now_us);

struct api_ipstat {
	struct api_bucket bucket;
	unsigned sessions;
	unsigned websockets; /* open WebSocket connections (also capped by max_sessions_per_ip) */
};
/* Per-IP table: ip string -> struct api_ipstat. */
GHashTable *api_iptable_new(void);
struct api_ipstat *api_iptable_get(GHashTable *t, const char *ip); /* creates */
/* Forgets entries with no session and a full bucket (called from the sweep). */
void api_iptable_prune(GHashTable *t, double rate, double burst, int64_t now_us);

/* ---- auth.c ---- */
struct api_auth {
	char *api_secret;   /* "" = off */
	char *hs_secret;    /* "" = off */
	char *es_pem;       /* public key PEM text or NULL */
	bool token_required;
};
/* Loads the ES256 key file if configured. Returns 0 or -errno with *err. */
int api_auth_init(struct api_auth *a, const struct lumen_config *cfg, char **err);
void api_auth_fini(struct api_auth *a);
bool api_auth_tokens_enabled(const struct api_auth *a);
/* Constant-time comparison against api_secret; true when no secret is configured. */
bool api_auth_check_secret(const struct api_auth *a, const char *given);
/* Verifies a JWT (HS256 with hs_secret or ES256 with es_pem, exp/nbf against now). Returns the
 * claims (transfer full) or NULL with *why set to a static reason. */
json_t *api_auth_verify_token(const struct api_auth *a, const char *token, int64_t now_s,
			      const char **why);

/* ---- the objects ---- */
struct api_ws;

struct lumen_handle {
	uint64_t id;
	struct api_session *session;
	const struct lumen_plugin *plugin;
	void *state;
	char *opaque_id;
	struct lumen_identity identity; /* strings owned by the handle; claims owned (json_t) */
	GHashTable *timers;             /* timer id (uint64 key) -> NULL: auto-cancelled on detach */
	bool negotiated;                /* a jsep went through: hangup has something to close */
	bool offer_pending;             /* we sent an offer: the client may answer */
	bool detaching;
	bool in_callback;               /* a plugin callback is running (end_handle defers) */
	struct api_media *media;        /* peer connection (media.c), NULL before the first jsep */
};

struct api_session {
	uint64_t id;
	struct lumen_api *api;
	char *ip;
	int64_t created_us;
	int64_t last_activity_us;
	GHashTable *handles;     /* id -> struct lumen_handle (owned) */
	json_t *token_claims;    /* claims of the token given at create, or NULL */
	struct api_evq events;
	struct api_ws *ws;       /* WebSocket the events go to, or NULL (HTTP long poll) */
	GList *pollers;          /* struct api_poller waiting on this session */
	guint flush_source;
	bool destroyed;
};

struct api_counter {
	uint64_t ok;
	uint64_t error;
};

struct lumen_api {
	const struct lumen_config *cfg;
	GMainContext *ctx;
	struct lumen_plugin_host *host;
	struct lumen_core core;
	SoupServer *server;
	struct api_httpkeep *keep; /* keep-alive of the server's connections (httpkeep.h) */
	GHashTable *sessions;    /* id -> struct api_session (owned) */
	GHashTable *handles;     /* id -> struct lumen_handle (borrowed from sessions) */
	GHashTable *ips;         /* ip -> struct api_ipstat */
	GList *ws_conns;         /* struct api_ws */
	struct api_auth auth;
	guint sweep_source;
	bool media_metrics; /* api_media_metrics_register succeeded */
	bool draining;
	struct lumen_api_stats stats;
	struct api_counter requests[16]; /* by verb index (protocol.c) */
	uint64_t errors[API_ERR_MAX - API_ERR_MIN + 1];
	GHashTable *services;    /* name -> struct api_service (core.c) */
	GHashTable *timers;      /* timer id -> struct api_timer (core.c) */
	uint64_t next_timer_id;
	unsigned freed_since_trim; /* sessions and WebSockets freed since the last heap trim */
	unsigned freed_at_last_sweep; /* freed_since_trim as the previous sweep saw it (api.c) */
	int64_t (*now_us)(void); /* monotonic clock, replaceable by tests */
};

/* ---- protocol.c ---- */
/* Where a request came from. HTTP fills path ids (0 = absent) and leaves ws NULL. */
struct api_origin {
	const char *ip;
	struct api_ws *ws;
	bool http;
	uint64_t path_session;
	uint64_t path_handle;
};
/* Processes one request text; returns the reply (transfer full, never NULL). */
json_t *api_process_text(struct lumen_api *api, const char *text, size_t len,
			 const struct api_origin *from);
json_t *api_process(struct lumen_api *api, json_t *req, const struct api_origin *from);
/* {"janus":"error","session_id"?,"transaction"?,"error":{"code","reason"}}; counts the code. */
json_t *api_error_reply(struct lumen_api *api, uint64_t session, const char *transaction, int code,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));
json_t *api_server_info(struct lumen_api *api, const char *transaction);
/* Checks a long poll (GET /janus/<session>?apisecret=&token=): NULL and *out on success, else an
 * error reply (transfer full). */
json_t *api_poll_check(struct lumen_api *api, uint64_t sid, const char *apisecret,
		       const char *token, struct api_session **out);
/* Validates a jsep a plugin hands to push_event: 0, or -EINVAL. Notes an offer on h. */
int api_plugin_jsep_check(struct lumen_handle *h, const json_t *jsep);
const char *api_verb_name(unsigned idx);
unsigned api_n_verbs(void);

/* ---- session.c ---- */
void api_sessions_table_init(struct lumen_api *api);
uint64_t api_new_id(GHashTable *taken); /* random, 1..2^53-1, not a key of taken */
struct api_session *api_session_new(struct lumen_api *api, const char *ip);
struct api_session *api_session_find(struct lumen_api *api, uint64_t id);
/* Detaches every handle, answers waiting pollers, frees. reason_event (transfer full, may be
 * NULL) is delivered to the session's client first when it can be. */
void api_session_destroy(struct api_session *s, json_t *reason_event);
void api_session_touch(struct api_session *s);
struct lumen_handle *api_handle_new(struct api_session *s, const struct lumen_plugin *p,
				    const char *opaque_id);
struct lumen_handle *api_handle_find(struct api_session *s, uint64_t id);
/* Calls the plugin's detach, sends "detached" if notify, frees the handle. */
void api_handle_detach(struct lumen_handle *h, bool notify);
/* Queues an event for the session's client (adds session_id) and schedules delivery. Takes ev. */
void api_session_emit(struct api_session *s, json_t *ev);
/* HTTP long poll: adds a waiting GET (answered with up to maxev events, or a keepalive). */
void api_session_add_poller(struct api_session *s, SoupServerMessage *msg, unsigned maxev);
/* Timeout sweep: one pass at now_us. Returns the number of sessions timed out. */
unsigned api_sweep(struct lumen_api *api, int64_t now_us);

/* ---- http.c / ws.c ---- */
int api_http_attach(struct lumen_api *api, SoupServer *server);
void api_http_respond_json(SoupServerMessage *msg, guint status, json_t *body); /* takes body */
void api_http_cors(struct lumen_api *api, SoupServerMessage *msg);
int api_ws_attach(struct lumen_api *api, SoupServer *server);
void api_ws_send(struct api_ws *ws, json_t *ev); /* borrows ev */
void api_ws_forget_session(struct api_ws *ws, struct api_session *s);
void api_ws_own_session(struct api_ws *ws, struct api_session *s);
void api_ws_close_all(struct lumen_api *api);

/* ---- core.c ---- */
void api_core_init(struct lumen_api *api);
void api_core_fini(struct lumen_api *api);
void api_core_cancel_handle_timers(struct lumen_handle *h);

#endif
