/* lumen/plugin.h -- the one public header a lumen plugin is built against.
 *
 * A plugin is a shared object exporting `lumen_plugin_get`, which returns a constant descriptor
 * (struct lumen_plugin): metadata the loader checks (ABI version, names, version, dependencies,
 * config section), lifecycle hooks (init, start, stop, destroy) and per-handle callbacks. The core
 * hands the plugin a table of services (struct lumen_core) at init: push events to clients, relay
 * RTP/RTCP/data, ask for keyframes, close a peer connection, timers, metrics, logging, and a
 * registry through which plugins offer services to one another.
 *
 * Threads. Every callback for one handle (attach, message, setup, media, hangup, detach, media
 * and data input) runs on that handle's thread, today always the control thread. What
 * core->handle_move moves to a media worker is the handle's relayed RTP: from then on the RTP a
 * plugin relays to it is encrypted and sent on that worker (the rooms engine moves broadcast
 * viewers and the subscribers of large sfu rooms there, docs/architecture.md); its callbacks stay
 * where they were. State reached only from those callbacks needs no lock. Services that take a struct lumen_handle must be
 * called on that handle's thread; core->invoke is the one entry point callable from any thread.
 * init, start, stop and destroy run on the control thread.
 *
 * Lifetimes. A struct lumen_handle is owned by the core and valid from attach until the detach
 * callback returns; the plugin must forget it then. json_t arguments passed to callbacks are
 * borrowed (json_incref to keep them); json_t passed to services is stolen ("transfer full"),
 * on every path, including errors.
 *
 * Signalling. The core owns ICE, DTLS, SRTP and SCTP. A client's offer or answer reaches
 * `message` as `jsep` after the core has applied it to the handle's peer connection; an SDP a
 * plugin sends back (in push_event's jsep) describes media only: the core adds ICE credentials,
 * candidates, the DTLS fingerprint and setup role before the client sees it.
 *
 * ABI. LUMEN_PLUGIN_ABI_VERSION changes whenever a struct below changes incompatibly; the loader
 * refuses a plugin built for another ABI version. New services are appended to struct lumen_core
 * and announced through its `size` field, so older plugins keep working within one ABI version. */
#ifndef LUMEN_PLUGIN_H
#define LUMEN_PLUGIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LUMEN_PLUGIN_ABI_VERSION 2u

/* Marks the descriptor function as exported even when built with -fvisibility=hidden. */
#define LUMEN_PLUGIN_EXPORT __attribute__((visibility("default")))

struct lumen_handle; /* opaque: one attached client handle (and its peer connection) */
struct lumen_core;

enum lumen_log_severity {
	LUMEN_SEV_ERROR = 0,
	LUMEN_SEV_WARN,
	LUMEN_SEV_INFO,
	LUMEN_SEV_DEBUG,
	LUMEN_SEV_TRACE,
};

/* A dependency on another plugin: its package name and a version range, a space-separated list
 * of comparisons that must all hold, e.g. ">=1.2.0 <2.0.0" ("" or NULL: any version). */
struct lumen_plugin_dep {
	const char *package;
	const char *versions;
};

/* Who is behind a handle, from the client's JWT (all NULL when tokens are off). */
struct lumen_identity {
	const char *user;
	const char *room;
	const char *role;     /* presenter|viewer|moderator|publisher|subscriber|... */
	const json_t *claims; /* every claim of the token, borrowed */
	const char *remote_ip;
};

enum lumen_msg_kind {
	LUMEN_MSG_SYNC = 0, /* reply now: "success" with plugindata.data = data */
	LUMEN_MSG_ASYNC,    /* reply "ack" now; the answer follows as an event (push_event) */
	LUMEN_MSG_ERROR,    /* reply "error" with error_code and error (Janus code 462 if 0) */
};

/* Result of a message callback. The core takes ownership of data and jsep (may be NULL) and frees
 * error (malloc'd, may be NULL). */
struct lumen_msg_result {
	enum lumen_msg_kind kind;
	json_t *data;
	json_t *jsep;
	int error_code;
	char *error;
};

enum lumen_media_kind { LUMEN_MEDIA_AUDIO = 0, LUMEN_MEDIA_VIDEO, LUMEN_MEDIA_DATA };

/* A decrypted RTP packet as the core hands it to a plugin, or a plugin hands it back to relay.
 * `data` points into a pooled, reference-counted buffer owned by the core: it is valid during
 * the callback only; relaying it through send_rtp copies nothing until the core encrypts. */
struct lumen_rtp_packet {
	const uint8_t *data; /* the RTP packet (header + extensions + payload) */
	size_t len;
	uint32_t ssrc;
	uint32_t timestamp;
	uint16_t seq;
	uint8_t pt;
	bool marker;
	enum lumen_media_kind kind;
	const char *mid;     /* the m-line it arrived on (from the mid extension or SSRC) */
	const char *rid;     /* simulcast layer, or NULL */
	int8_t audio_level;  /* -dBov from the ssrc-audio-level extension, or -1 */
	bool keyframe;       /* start of a keyframe, where the codec tells */
	int64_t arrival_us;  /* when it reached the host, g_get_monotonic_time's clock: the
			      * kernel's receive time of its datagram on a plain UDP pair, so a
			      * packet that waited while the server was busy keeps its arrival */
	void *priv;          /* the core's: where the packet came from (its header extension ids).
			      * Keep it when relaying a modified copy (struct copy, new data), so
			      * the core can translate extension ids for the receiving peer. */
	const void *core_buf; /* the core's: the buffer data is in (video), or NULL. Valid during
			       * the rtp_in callback only: relaying the packet from inside it (the
			       * struct, or a copy with new data) lets each receiver's
			       * retransmission cache share the payload instead of copying it; the
			       * core uses it only if data lies inside it. Set it to NULL in a copy
			       * kept beyond the callback. */
};

/* Per-send header rewrite, so one published packet fans out to many subscribers with their own
 * SSRC, sequence numbers and timestamps without the plugin copying it. A field is applied only
 * when its set_ flag is true (so 0 is a valid value); rw == NULL sends the packet unchanged. */
struct lumen_rtp_rewrite {
	uint32_t ssrc;
	uint16_t seq;
	uint32_t timestamp;
	uint8_t pt;
	bool set_ssrc, set_seq, set_timestamp, set_pt;
};

struct lumen_data_message {
	const char *label;  /* data channel label */
	uint16_t stream;    /* SCTP stream id */
	bool binary;
	const uint8_t *data;
	size_t len;
};

/* Metrics: collected on scrape. The collect callback runs on the control thread and calls
 * core->metric_emit for each sample; counters it reads from workers must be atomic. A histogram
 * family NAME emits samples named NAME_bucket (with an "le" label, cumulative, ending with
 * le="+Inf"), NAME_sum and NAME_count, as Prometheus histograms are written. */
enum lumen_metric_type { LUMEN_METRIC_COUNTER = 0, LUMEN_METRIC_GAUGE, LUMEN_METRIC_HISTOGRAM };
struct lumen_metrics_out;
typedef void (*lumen_metrics_collect_cb)(struct lumen_metrics_out *out, void *arg);

typedef void (*lumen_timer_cb)(void *arg);

/* An admin REST request for a plugin's collection (core->admin_register). method is "GET",
 * "POST", "PATCH", "PUT" or "DELETE"; path is what follows /admin/v1/<collection>: "" or
 * "/ID[/...]" (percent-decoded, no query string); body is the parsed JSON body or NULL.
 * Returns the HTTP status and sets *reply (a new JSON value the core takes and sends; on an
 * error status {"error": "why"}; NULL means no body, e.g. 204). */
typedef int (*lumen_admin_cb)(void *arg, const char *method, const char *path, const json_t *body,
			      json_t **reply);
typedef void (*lumen_invoke_cb)(struct lumen_handle *h, void *plugin_state, void *arg);

/* Services of the core. Check `size` before using a service appended after the first ABI. */
struct lumen_core {
	uint32_t abi_version;
	size_t size; /* sizeof(struct lumen_core) of the running core */

	/* Sends an event to the handle's client: {"janus":"event","sender":H,"transaction":T,
	 * "plugindata":{"plugin":P,"data":data},"jsep":jsep}. transaction may be NULL. data and jsep
	 * are stolen. A jsep offer or answer is completed with ICE and DTLS attributes first.
	 * Called from within the message callback, the event is delivered after the reply ("ack")
	 * to that message, so a plugin may answer an offer right away.
	 * Returns 0, -ENOENT if the handle is gone, -EINVAL if jsep's SDP is not acceptable. */
	int (*push_event)(struct lumen_handle *h, const char *transaction, json_t *data, json_t *jsep);

	/* Relays an RTP packet (from any handle of this plugin, possibly rewritten) to h on the
	 * m-line mid. Returns 0, -ENOENT (no such handle or mid), -EAGAIN (not connected yet). */
	int (*send_rtp)(struct lumen_handle *h, const char *mid, const struct lumen_rtp_packet *pkt,
			const struct lumen_rtp_rewrite *rw);
	/* Sends a (compound) RTCP packet to h. Returns 0 or a negative errno. */
	int (*send_rtcp)(struct lumen_handle *h, const uint8_t *buf, size_t len);
	/* Sends a data-channel message on label (a channel opened by either side, see open_data). */
	int (*send_data)(struct lumen_handle *h, const char *label, bool binary, const uint8_t *buf,
			 size_t len);
	/* Asks h's sender of mid for a keyframe (PLI, or FIR where only FIR was negotiated). */
	int (*request_keyframe)(struct lumen_handle *h, const char *mid);
	/* Caps what h sends us through REMB, in bits per second (0 = no cap). */
	int (*set_bitrate_cap)(struct lumen_handle *h, uint32_t bps);
	/* Closes h's peer connection (the hangup callback follows); the handle stays attached. */
	int (*close_pc)(struct lumen_handle *h, const char *reason);
	/* Ends the handle from the server side (detach follows, the client gets "detached"). */
	int (*end_handle)(struct lumen_handle *h);

	/* Moves the sending of RTP relayed to h to media worker `worker` (0..n_workers-1) and calls
	 * done (today at once, on the caller's thread). -EINVAL for a worker out of range. */
	int (*handle_move)(struct lumen_handle *h, unsigned worker, lumen_invoke_cb done, void *arg);
	unsigned (*n_workers)(void);
	/* Any thread: runs fn on the thread of the handle with this id. Returns 0 (fn will run
	 * exactly once) or -EINVAL. If no such handle exists when fn is due, fn runs on the control
	 * thread with h == NULL and plugin_state == NULL, so that it can release arg. */
	int (*invoke)(uint64_t handle_id, lumen_invoke_cb fn, void *arg);
	uint64_t (*handle_id)(const struct lumen_handle *h);
	uint64_t (*session_id)(const struct lumen_handle *h);
	const struct lumen_identity *(*handle_identity)(const struct lumen_handle *h);

	/* Timers on the calling handle's thread (h), or on the control thread (h == NULL).
	 * Returns a timer id (> 0). The callback repeats every interval_ms until cancelled (from
	 * the timer's thread, the callback included, which makes a one-shot). A handle's timers are
	 * cancelled by the core when the handle detaches. */
	uint64_t (*timer_add)(struct lumen_handle *h, uint32_t interval_ms, lumen_timer_cb cb, void *arg);
	void (*timer_cancel)(uint64_t timer_id);

	/* Logging under the plugin's category; h (may be NULL) adds session/handle context. */
	void (*log)(const struct lumen_handle *h, enum lumen_log_severity sev, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

	/* Metrics: register a family (name must start with "lumen_"), emit samples on collect.
	 * labels is a Prometheus label set without braces ("room=\"a\"") or NULL. */
	int (*metric_register)(const char *name, enum lumen_metric_type type, const char *help,
			       lumen_metrics_collect_cb collect, void *arg);
	void (*metric_emit)(struct lumen_metrics_out *out, const char *name, const char *labels,
			    double value);

	/* Registry: offer an interface to other plugins (name unique, e.g. "world.positions"), find
	 * one. Interfaces are plain structs of function pointers owned by the offering plugin and
	 * valid until its stop. Returns 0 / -EEXIST; lookup returns NULL if absent or too old. */
	int (*service_register)(const char *name, uint32_t version, const void *iface);
	const void *(*service_lookup)(const char *name, uint32_t min_version);

	/* Opens a data channel from the server side on h's SCTP association (negotiated in the SDP).
	 * ordered = false with max_retransmits >= 0 gives a partially reliable channel (positions in
	 * a world state); max_retransmits < 0 means fully reliable. protocol may be NULL.
	 * Returns 0, -EEXIST (label already open), -EAGAIN (SCTP not up yet), -ENOTSUP. */
	int (*open_data)(struct lumen_handle *h, const char *label, const char *protocol, bool ordered,
			 int max_retransmits);

	/* Admin REST extension (appended; check with LUMEN_CORE_HAS). Serves every request under
	 * /admin/v1/<collection> (the collection itself and anything below it) with cb, on the
	 * control thread, after the admin listener checked the bearer token: GET needs the viewer
	 * role, other methods the operator role. collection is [a-z][a-z0-9-]{0,31} and not one of
	 * the core's (info, sessions, plugins, log-level, config, drain). Returns 0, -EEXIST, or
	 * -EINVAL. admin_unregister must be called before the plugin's stop returns. */
	int (*admin_register)(const char *collection, lumen_admin_cb cb, void *arg);
	void (*admin_unregister)(const char *collection);
};

/* True if the running core provides service `member` (appended after this plugin's ABI began). */
#define LUMEN_CORE_HAS(core, member)                                                               \
	((core)->size >= offsetof(struct lumen_core, member) + sizeof((core)->member) &&          \
	 (core)->member != NULL)

/* The descriptor. The loader refuses it unless: abi_version matches; name, description and author
 * are non-empty; package is 1..127 characters of [a-z0-9._-] starting with a letter; version is a
 * semantic version (semver.org 2.0.0); config_section is NULL or an identifier [A-Za-z][A-Za-z0-9_-]*
 * that is not a core section (general, http, admin, api, plugins, media) nor claimed by another
 * plugin; every dependency has a package and a well-formed range; attach, message and detach are
 * set. Every other callback may be NULL (nothing to do). */
struct lumen_plugin {
	uint32_t abi_version;        /* LUMEN_PLUGIN_ABI_VERSION */
	const char *name;            /* human name, "Echo test" */
	const char *package;         /* "janus.plugin.echotest": what clients attach to */
	const char *version;         /* semantic version "MAJOR.MINOR.PATCH" */
	const char *description;
	const char *author;
	const char *config_section;  /* top-level lumen.cfg group it reads, or NULL */
	const struct lumen_plugin_dep *deps; /* terminated by { NULL, NULL }; NULL = none */

	/* Lifecycle. init gets the plugin's config section as a JSON object (NULL if absent) and
	 * returns 0 or a negative errno with *err malloc'd (one line). start runs once every plugin
	 * is initialised (dependencies first); stop and destroy run in reverse order. destroy runs
	 * only after a successful init, stop only after a successful start. The core pointer is valid
	 * until destroy returns. */
	int (*init)(const struct lumen_core *core, const json_t *config, char **err);
	int (*start)(void);
	void (*stop)(void);
	void (*destroy)(void);

	/* A client attached to this plugin. *state is the plugin's per-handle state, passed back to
	 * every later callback. Returns 0 or a negative errno (the attach fails). */
	int (*attach)(struct lumen_handle *h, const struct lumen_identity *who, void **state);
	/* A request ("message" with body and optional, already-applied jsep). */
	struct lumen_msg_result (*message)(struct lumen_handle *h, void *state, const char *transaction,
					   const json_t *body, const json_t *jsep);
	/* The peer connection is up (ICE + DTLS done): "webrtcup" was sent. */
	void (*setup_media)(struct lumen_handle *h, void *state);
	/* Media of kind started or stopped flowing on mid ("media" event). */
	void (*media_state)(struct lumen_handle *h, void *state, const char *mid,
			    enum lumen_media_kind kind, bool receiving);
	/* The peer connection closed (reason in words); the handle remains attached. */
	void (*hangup)(struct lumen_handle *h, void *state, const char *reason);
	/* The handle is going away: free state. h is invalid after return. */
	void (*detach)(struct lumen_handle *h, void *state);

	/* Media input, on the handle's thread. May be NULL for signalling-only plugins. */
	void (*rtp_in)(struct lumen_handle *h, void *state, const struct lumen_rtp_packet *pkt);
	void (*rtcp_in)(struct lumen_handle *h, void *state, const uint8_t *buf, size_t len);
	void (*data_in)(struct lumen_handle *h, void *state, const struct lumen_data_message *msg);

	/* Admin view of a handle for GET /admin/v1/sessions/{id}; returns a new object or NULL. */
	json_t *(*query_handle)(struct lumen_handle *h, void *state);

	/* Validates a config section (NULL if absent) without side effects, as init would: for
	 * --check-config and before a reload is accepted. Returns 0 or -EINVAL with *err malloc'd
	 * ("key: why", one line). May be NULL (then only init validates). */
	int (*check_config)(const json_t *config, char **err);

	/* Feedback from a peer, on the handle's thread; may be NULL. keyframe_request: h's peer asked
	 * for a keyframe on mid (it sent PLI or FIR): an SFU forwards it to the publisher with
	 * core->request_keyframe. bandwidth_estimate: the core's estimate of what h can receive
	 * changed (bits per second): an SFU picks simulcast layers for h from it. */
	void (*keyframe_request)(struct lumen_handle *h, void *state, const char *mid);
	void (*bandwidth_estimate)(struct lumen_handle *h, void *state, uint32_t bps);
};

/* The one symbol a plugin exports. */
typedef const struct lumen_plugin *(*lumen_plugin_get_fn)(void);
#define LUMEN_PLUGIN_SYMBOL "lumen_plugin_get"

#define LUMEN_PLUGIN_DEFINE(descriptor)                                                            \
	LUMEN_PLUGIN_EXPORT const struct lumen_plugin *lumen_plugin_get(void);                     \
	LUMEN_PLUGIN_EXPORT const struct lumen_plugin *lumen_plugin_get(void)                      \
	{                                                                                          \
		return &(descriptor);                                                              \
	}

#ifdef __cplusplus
}
#endif

#endif
