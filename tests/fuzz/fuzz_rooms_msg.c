/* fuzz_rooms_msg.c -- libFuzzer target for the rooms engine's client-facing entry points: its
 * descriptor (lumen_plugin_get) through init and start, attach, message, setup_media,
 * media_state, hangup, detach, RTP/RTCP/data input, keyframe requests, estimates, handle queries,
 * its timer, admin collection and metrics, then stop and destroy, against a fake struct
 * lumen_core. The plugin's sources are linked in (plugins/rooms/plugin.mk).
 *
 * Input: byte 0 sets the host up (SETUP_*: a built-in config or, for 7, a u16 length and JSON
 * from the input; transmit workers; a recorder double offering "recorder.control"; sends failing
 * with -EAGAIN; a core without the admin service); then up to MAX_OPS operations, each an op byte
 * (low 4 bits an OP_*, bits 4-6 the handle slot, bit 7 a variant) and its arguments. In bodies,
 * "$R", "$F" and "$P" become the last room, publisher and private id the plugin handed out, "$K"
 * and "$0".."$7" the ids 100+k. A jsep is a built-in offer, the answer mirroring the handle's
 * last offer (a receiver taking every stream), or SDP from the input.
 *
 * The fake core delivers what src/api would and no more: object bodies, a jsep whose sdp starts
 * "v=0", an answer only while an offer is out, media only while the handle's pc is up; hangup
 * (after close_pc), detach (after end_handle) and invoke callbacks run after the callback that
 * asked, invoke's exactly once. Ids come from GLib's generator, seeded per input.
 *
 * Oracle (abort): a message result src/api/protocol.c's message_result could not take (unknown
 * kind, ERROR without a code and a reason, ASYNC with something attached) or that is not a
 * "videoroom" object whose error_code comes with a non-empty "error"; the same for every event;
 * a jsep that is not {type offer|answer, sdp "v=0..."}; the mirrored answer refused as unusable;
 * a service called for a handle that is not attached; a timer left after stop; a tap sink called
 * after room_gone or left attached after destroy; an admin failure without {"error"}; crashes,
 * leaks and undefined behaviour. Replayed over its corpus by tests/fuzz/replay.c.
 *
 * Longer than 800 lines: a fuzz target is one file (tests/fuzz/fuzz.mk), and its fake core,
 * recorder double and operation decoder serve only this target. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <lumen/plugin.h>
#include <lumen/rooms_tap.h>

#define MAX_HANDLES     8
#define MAX_OPS         64
#define MAX_BODY        2048
#define MAX_SDP         4096
#define MAX_TIMERS      8
#define MAX_QUEUE       32
#define MAX_SERVICES    4
#define MAX_METRICS     16
#define MAX_RECORDINGS  4
#define ERR_INVALID_SDP 437 /* rooms.h: ROOMS_ERR_INVALID_SDP */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const struct lumen_plugin *lumen_plugin_get(void);

enum {
	SETUP_CONFIG = 0x07,   /* configs[] */
	SETUP_WORKERS = 0x18,  /* 1 + this >> 3 transmit workers */
	SETUP_RECORDER = 0x20, /* "recorder.control" is offered */
	SETUP_EAGAIN = 0x40,   /* media sends fail with -EAGAIN */
	SETUP_OLD_CORE = 0x80, /* struct lumen_core ends before admin_register */
};

enum {
	OP_ATTACH, OP_MESSAGE, OP_CANNED, OP_SETUP, OP_MEDIA_STATE, OP_HANGUP, OP_DETACH, OP_RTP,
	OP_RTCP, OP_DATA, OP_KEYFRAME, OP_BWE, OP_QUERY, OP_TIMER, OP_ADMIN, OP_SCRAPE,
};

static const char *const configs[8] = {
	NULL,
	"{\"simulcast\":false,\"data\":true}",
	"{\"audio_codecs\":\"opus,pcmu\",\"video_codecs\":\"vp8\"}",
	"{\"rooms\":[{\"id\":1234,\"description\":\"static\",\"mode\":\"sfu\"}]}",
	"{\"video_codecs\":\"h264,vp9,av1\",\"rooms\":[{\"id\":\"1234\",\"mode\":\"broadcast\","
	"\"secret\":\"s\",\"pin\":\"p\",\"record\":true,\"presenters\":[\"user0\"]}]}",
	"{\"rooms\":[{\"id\":1234,\"mode\":\"auto\",\"auto_sfu_at\":1,\"auto_broadcast_at\":2,"
	"\"notify_joining\":true}]}",
	"{\"data\":true,\"rooms\":[{\"id\":1234,\"audiolevel_event\":true,\"audio_active_packets\":2,"
	"\"audio_level_average\":127,\"max_publishers\":2,\"max_participants\":3}]}",
	NULL, /* from the input */
};

#define SDP_HEAD "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
#define SDP_M(kind, mid, pts)                                                                      \
	"m=" kind " 9 UDP/TLS/RTP/SAVPF " pts "\r\nc=IN IP4 0.0.0.0\r\na=mid:" mid                 \
	"\r\na=rtcp-mux\r\n"
#define SDP_OPUS(mid, dir)                                                                         \
	SDP_M("audio", mid, "111") "a=" dir "\r\n"                                                 \
	"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"                               \
	"a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"                   \
	"a=ssrc:4369 cname:fuzz\r\n"
#define SDP_VIDEO_FB(pt) "a=rtcp-fb:" pt " nack\r\na=rtcp-fb:" pt " nack pli\r\n"               \
	"a=rtcp-fb:" pt " goog-remb\r\na=rtcp-fb:" pt " ccm fir\r\n"

/* Offers a browser could send: the publishing paths need ones the engine accepts. */
static const char *const offers[] = {
	SDP_HEAD "a=group:BUNDLE 0 1\r\n" SDP_OPUS("0", "sendonly")
	SDP_M("video", "1", "96 97") "a=sendonly\r\na=rtpmap:96 VP8/90000\r\n" SDP_VIDEO_FB("96")
	"a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=ssrc-group:FID 8738 8739\r\n"
	"a=ssrc:8738 cname:fuzz\r\na=ssrc:8739 cname:fuzz\r\na=msid:s v\r\n",
	/* rid simulcast, listed highest first as janus.js does */
	SDP_HEAD SDP_OPUS("0", "sendrecv")
	SDP_M("video", "1", "96") "a=sendonly\r\n"
	"a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
	"a=rtpmap:96 VP8/90000\r\n" SDP_VIDEO_FB("96")
	"a=rid:h send\r\na=rid:m send\r\na=rid:l send\r\na=simulcast:send h;m;l\r\n",
	SDP_HEAD SDP_OPUS("0", "sendonly")
	SDP_M("video", "1", "98") "a=sendonly\r\na=rtpmap:98 VP9/90000\r\n"
	"a=fmtp:98 profile-id=0\r\n" SDP_VIDEO_FB("98") "a=ssrc:8738 cname:fuzz\r\n"
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\n"
	"a=sctp-port:5000\r\n",
	/* SSRC simulcast */
	SDP_HEAD SDP_M("video", "0", "102") "a=sendonly\r\na=rtpmap:102 H264/90000\r\n"
	"a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
	SDP_VIDEO_FB("102") "a=ssrc-group:SIM 13105 13106 13107\r\na=ssrc:13105 cname:fuzz\r\n"
	"a=ssrc:13106 cname:fuzz\r\na=ssrc:13107 cname:fuzz\r\n" SDP_OPUS("1", "sendonly"),
	SDP_HEAD SDP_OPUS("a", "sendonly"),
	SDP_HEAD SDP_OPUS("0", "recvonly")
	SDP_M("video", "1", "45") "a=sendonly\r\na=rtpmap:45 AV1/90000\r\n" SDP_VIDEO_FB("45"),
};

static const uint32_t ssrcs[] = { 4369, 8738, 8739, 13105, 13106, 13107, 0x4444, 0x5555 };
static const char *const mids[] = { "0", "1", "2", "3", NULL, "a", "x", "" };
static const char *const rids[] = { NULL, "h", "m", "l", "q", "f", "r0", NULL };
static const char *const channels[] = { "data", "chat", "", "x" };
static const char *const methods[] = { "GET", "POST", "PATCH", "PUT", "DELETE" };

/* ---- the fake host ---- */

struct lumen_handle {
	uint64_t id;
	bool attached, pc, up, offer_pending;
	void *state;
	struct lumen_identity who;
	char *offer; /* the last offer pushed to it, for the mirrored answer */
};

struct timer {
	uint64_t id;
	struct lumen_handle *h;
	lumen_timer_cb cb;
	void *arg;
};

/* Work the core defers to after the callback that asked for it. */
struct deferred {
	enum { Q_HANGUP, Q_DETACH, Q_INVOKE } kind;
	uint64_t hid;
	lumen_invoke_cb fn;
	void *arg;
};

struct service {
	const char *name;
	uint32_t version;
	const void *iface;
};

struct recording {
	uint64_t room;
	bool attached; /* a tap sink, from attach until detach or room_gone */
};

static struct {
	const struct lumen_plugin *P;
	struct lumen_core core;
	struct lumen_handle h[MAX_HANDLES];
	uint64_t next_id, next_timer;
	unsigned workers;
	bool eagain, verbose;
	bool answering; /* the message carries the answer mirroring the handle's last offer */
	struct timer timers[MAX_TIMERS];
	struct deferred q[MAX_QUEUE];
	struct service services[MAX_SERVICES];
	char *metrics[MAX_METRICS];
	lumen_metrics_collect_cb collect[MAX_METRICS];
	void *collect_arg[MAX_METRICS];
	unsigned n_timers, n_q, n_services, n_metrics;
	lumen_admin_cb admin;
	void *admin_arg;
	struct recording recs[MAX_RECORDINGS];
	uint64_t room, feed, private_id; /* for "$R", "$F", "$P" */
	int64_t clock_us;                /* RTP arrival times */
} fx;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz_rooms_msg: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* FUZZ_ROOMS_LOG=1 in the environment traces messages, replies and events to stderr. */
static void show(const char *what, const struct lumen_handle *h, const json_t *j)
{
	char *s;

	if (!fx.verbose)
		return;
	s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	fprintf(stderr, "[%d] %s %s\n", h ? (int)(h - fx.h) : -1, what, s ? s : "");
	free(s);
}

static void check_handle(const struct lumen_handle *h, const char *service)
{
	if (h < fx.h || h >= fx.h + MAX_HANDLES || !h->attached)
		die("%s called for a handle that is not attached", service);
}

/* What a client of the dialect parses: {"videoroom": ..., and on error an integer error_code
 * with a non-empty "error"}. */
static void check_dialect(const json_t *data, const char *what)
{
	const json_t *code = json_object_get(data, "error_code");
	const char *why = json_string_value(json_object_get(data, "error"));

	if (!json_is_object(data) || !json_is_string(json_object_get(data, "videoroom")))
		die("%s is not a videoroom object", what);
	if (code && (!json_is_integer(code) || json_integer_value(code) <= 0 || !why || !*why))
		die("%s: error_code without a code and a reason", what);
	if (fx.answering && json_integer_value(code) == ERR_INVALID_SDP)
		die("%s: an answer taking every stream of the last offer was refused: %s", what, why);
}

/* As api_plugin_jsep_check takes it. Returns the type. */
static const char *check_jsep(const json_t *jsep, const char *what)
{
	const char *type = json_string_value(json_object_get(jsep, "type"));
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));

	if (!json_is_object(jsep) || !type || !sdp || strncmp(sdp, "v=0", 3) != 0 ||
	    (strcmp(type, "offer") != 0 && strcmp(type, "answer") != 0))
		die("%s: jsep is not {type offer|answer, sdp}", what);
	return type;
}

/* Remembers the ids the plugin hands out, for "$R", "$F", "$P". */
static void note_ids(const json_t *data)
{
	const char *what = json_string_value(json_object_get(data, "videoroom"));

	if (what && (strcmp(what, "created") == 0 || strcmp(what, "joined") == 0))
		fx.room = (uint64_t)json_integer_value(json_object_get(data, "room"));
	if (what && strcmp(what, "joined") == 0) {
		fx.feed = (uint64_t)json_integer_value(json_object_get(data, "id"));
		fx.private_id = (uint64_t)json_integer_value(json_object_get(data, "private_id"));
	}
}

/* Queues deferred work; a hangup or detach already queued for the handle is not repeated. */
static bool defer(int kind, uint64_t hid, lumen_invoke_cb fn, void *arg)
{
	for (unsigned i = 0; kind != Q_INVOKE && i < fx.n_q; i++)
		if ((int)fx.q[i].kind == kind && fx.q[i].hid == hid)
			return true;
	if (fx.n_q == MAX_QUEUE)
		return false;
	fx.q[fx.n_q++] = (struct deferred){ kind, hid, fn, arg };
	return true;
}

static struct lumen_handle *by_id(uint64_t id)
{
	for (unsigned i = 0; i < MAX_HANDLES; i++)
		if (fx.h[i].attached && fx.h[i].id == id)
			return &fx.h[i];
	return NULL;
}

/* ---- services ---- */

static int f_push_event(struct lumen_handle *h, const char *tr, json_t *data, json_t *jsep)
{
	check_handle(h, "push_event");
	show("event", h, data);
	check_dialect(data, "event");
	if (jsep && strcmp(check_jsep(jsep, "event"), "offer") == 0) {
		g_free(h->offer);
		h->offer = g_strdup(json_string_value(json_object_get(jsep, "sdp")));
		h->offer_pending = h->pc = true;
	}
	note_ids(data);
	json_decref(data);
	json_decref(jsep);
	return 0;
}

static int f_send_rtp(struct lumen_handle *h, const char *mid, const struct lumen_rtp_packet *pkt,
		      const struct lumen_rtp_rewrite *rw)
{
	volatile uint8_t sum = 0;

	check_handle(h, "send_rtp");
	if (!mid || !pkt || !pkt->data || pkt->len < 12)
		die("send_rtp without a mid or a packet");
	for (size_t i = 0; i < pkt->len; i++) /* ASan checks the whole packet is readable */
		sum ^= pkt->data[i];
	(void)sum;
	return fx.eagain ? -EAGAIN : 0;
}

static int f_send_rtcp(struct lumen_handle *h, const uint8_t *buf, size_t len)
{
	check_handle(h, "send_rtcp");
	return fx.eagain ? -EAGAIN : 0;
}

static int f_send_data(struct lumen_handle *h, const char *label, bool binary, const uint8_t *buf,
		       size_t len)
{
	check_handle(h, "send_data");
	return fx.eagain ? -EAGAIN : 0;
}

static int f_request_keyframe(struct lumen_handle *h, const char *mid)
{
	check_handle(h, "request_keyframe");
	if (!mid)
		die("request_keyframe without a mid");
	return fx.eagain ? -EAGAIN : 0;
}

static int f_set_bitrate_cap(struct lumen_handle *h, uint32_t bps)
{
	check_handle(h, "set_bitrate_cap");
	return 0;
}

static int f_close_pc(struct lumen_handle *h, const char *reason)
{
	check_handle(h, "close_pc");
	if (!h->pc)
		return -ENOENT;
	/* The pc goes at once; the hangup callback follows, as lumen_pc_close's does. */
	h->pc = h->up = h->offer_pending = false;
	return defer(Q_HANGUP, h->id, NULL, NULL) ? 0 : -ENOENT;
}

static int f_end_handle(struct lumen_handle *h)
{
	check_handle(h, "end_handle");
	return defer(Q_DETACH, h->id, NULL, NULL) ? 0 : -ENOENT;
}

static int f_handle_move(struct lumen_handle *h, unsigned worker, lumen_invoke_cb done, void *arg)
{
	check_handle(h, "handle_move");
	if (worker >= fx.workers)
		return -EINVAL;
	if (done)
		done(h, h->state, arg);
	return 0;
}

static unsigned f_n_workers(void)
{
	return fx.workers;
}

static int f_invoke(uint64_t handle_id, lumen_invoke_cb fn, void *arg)
{
	return fn && defer(Q_INVOKE, handle_id, fn, arg) ? 0 : -EINVAL;
}

static uint64_t f_handle_id(const struct lumen_handle *h)
{
	check_handle(h, "handle_id");
	return h->id;
}

static uint64_t f_session_id(const struct lumen_handle *h)
{
	check_handle(h, "session_id");
	return 1 + (uint64_t)(h - fx.h);
}

static const struct lumen_identity *f_handle_identity(const struct lumen_handle *h)
{
	check_handle(h, "handle_identity");
	return &h->who;
}

static uint64_t f_timer_add(struct lumen_handle *h, uint32_t interval_ms, lumen_timer_cb cb,
			    void *arg)
{
	if (h)
		check_handle(h, "timer_add");
	if (!cb || fx.n_timers == MAX_TIMERS)
		die("timer_add: no callback, or more than %d timers", MAX_TIMERS);
	fx.timers[fx.n_timers] = (struct timer){ ++fx.next_timer, h, cb, arg };
	return fx.timers[fx.n_timers++].id;
}

static void f_timer_cancel(uint64_t id)
{
	for (unsigned i = 0; i < fx.n_timers; i++)
		if (fx.timers[i].id == id) {
			fx.timers[i] = fx.timers[--fx.n_timers];
			return;
		}
}

static void f_log(const struct lumen_handle *h, enum lumen_log_severity sev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void f_log(const struct lumen_handle *h, enum lumen_log_severity sev, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (h)
		check_handle(h, "log");
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap); /* ASan checks every %s argument */
	va_end(ap);
	if (fx.verbose)
		fprintf(stderr, "[%d] log %d: %s\n", h ? (int)(h - fx.h) : -1, (int)sev, line);
}

static int f_metric_register(const char *name, enum lumen_metric_type type, const char *help,
			     lumen_metrics_collect_cb collect, void *arg)
{
	if (!name || strncmp(name, "lumen_", 6) != 0 || !help || !collect)
		die("metric_register: bad family %s", name ? name : "(null)");
	for (unsigned i = 0; i < fx.n_metrics; i++)
		if (strcmp(fx.metrics[i], name) == 0)
			return -EEXIST;
	if (fx.n_metrics == MAX_METRICS)
		return -ENOSPC;
	fx.collect[fx.n_metrics] = collect;
	fx.collect_arg[fx.n_metrics] = arg;
	fx.metrics[fx.n_metrics++] = g_strdup(name);
	return 0;
}

static void f_metric_emit(struct lumen_metrics_out *out, const char *name, const char *labels,
			  double value)
{
	bool known = false;

	for (unsigned i = 0; name && i < fx.n_metrics; i++)
		known |= strcmp(fx.metrics[i], name) == 0;
	if (!known || !isfinite(value) || (labels && (!*labels || strchr(labels, '{'))))
		die("metric_emit: %s is not a registered family, or its sample is bad",
		    name ? name : "(null)");
}

static int f_service_register(const char *name, uint32_t version, const void *iface)
{
	for (unsigned i = 0; i < fx.n_services; i++)
		if (strcmp(fx.services[i].name, name) == 0)
			return -EEXIST;
	if (fx.n_services == MAX_SERVICES)
		return -ENOSPC;
	fx.services[fx.n_services++] = (struct service){ name, version, iface };
	return 0;
}

static const void *f_service_lookup(const char *name, uint32_t min_version)
{
	for (unsigned i = 0; i < fx.n_services; i++)
		if (strcmp(fx.services[i].name, name) == 0 && fx.services[i].version >= min_version)
			return fx.services[i].iface;
	return NULL;
}

static int f_open_data(struct lumen_handle *h, const char *label, const char *protocol,
		       bool ordered, int max_retransmits)
{
	check_handle(h, "open_data");
	return -EAGAIN;
}

static int f_admin_register(const char *collection, lumen_admin_cb cb, void *arg)
{
	if (fx.admin)
		return -EEXIST;
	fx.admin = cb;
	fx.admin_arg = arg;
	return 0;
}

static void f_admin_unregister(const char *collection)
{
	fx.admin = NULL;
}

/* ---- the recorder double: "recorder.control", following rooms through "rooms.tap" ---- */

static struct recording *sink_of(void *arg, const char *what)
{
	struct recording *r = arg;

	if (!r || !r->attached)
		die("tap %s for a sink that is not attached", what);
	return r;
}

static void sink_participant(void *arg, uint64_t id, const char *display, bool joined)
{
	sink_of(arg, "participant");
}

static void sink_track_added(void *arg, const struct lumen_tap_track *t)
{
	sink_of(arg, "track_added");
	if (!t || !t->key || !t->mid || !t->codec || !t->fmtp)
		die("tap track_added: incomplete track");
}

static void sink_rtp(void *arg, uint64_t key, const struct lumen_rtp_packet *pkt)
{
	sink_of(arg, "rtp");
	if (!pkt || !pkt->data || !pkt->len)
		die("tap rtp: no packet");
}

static void sink_sender_report(void *arg, uint64_t key, const uint8_t *sr, size_t len,
			       int64_t arrival_us)
{
	sink_of(arg, "sender_report");
	if (!sr || len < 28 || sr[1] != 200)
		die("tap sender_report: not a sender report");
}

static void sink_room_gone(void *arg)
{
	sink_of(arg, "room_gone")->attached = false;
}

/* track_removed and data left out: the tap must cope with a sink without them. */
static const struct lumen_tap_sink sink = {
	.participant = sink_participant, .track_added = sink_track_added, .rtp = sink_rtp,
	.sender_report = sink_sender_report, .room_gone = sink_room_gone,
};

static struct recording *recording_of(uint64_t room)
{
	for (unsigned i = 0; i < MAX_RECORDINGS; i++)
		if (fx.recs[i].attached && fx.recs[i].room == room)
			return &fx.recs[i];
	return NULL;
}

static json_t *rec_status(uint64_t room)
{
	bool on = recording_of(room) != NULL;

	return json_pack("{s:o,s:s}", "recording",
			 on ? json_sprintf("rec-%" PRIu64, room) : json_null(), "state",
			 on ? "recording" : "idle");
}

static int rec_fail(char **why, int rc, const char *msg)
{
	*why = strdup(msg);
	return rc;
}

/* As plugins/recorder/session.c does: start attaches a sink and tells the room, stop detaches. */
static int rec_control(uint64_t room, const char *action, const json_t *args, json_t **reply,
		       char **why)
{
	struct recording *r = recording_of(room);
	const struct lumen_rooms_tap *t =
	    f_service_lookup(LUMEN_ROOMS_TAP_SERVICE, LUMEN_ROOMS_TAP_VERSION);
	int rc;

	if (!action || !t)
		return rec_fail(why, -EINVAL, "no action, or no rooms.tap");
	if (strcmp(action, "start") == 0) {
		for (unsigned i = 0; i < MAX_RECORDINGS && !r; i++)
			r = fx.recs[i].attached ? NULL : &fx.recs[i];
		if (recording_of(room) || !r)
			return rec_fail(why, recording_of(room) ? -EALREADY : -ENOSPC, "busy");
		*r = (struct recording){ room, true }; /* attach reports at once */
		if ((rc = t->attach(room, &sink, r)) < 0) {
			r->attached = false;
			return rec_fail(why, rc, "tap attach failed");
		}
		t->describe(room);
		t->notify(room, json_pack("{s:s}", "recording", "started"));
	} else if (strcmp(action, "stop") == 0) {
		if (!r)
			return rec_fail(why, -EALREADY, "not recording");
		if (t->detach(room, r) < 0)
			die("tap detach of an attached sink failed");
		r->attached = false;
		t->notify(room, json_pack("{s:s}", "recording", "stopped"));
	} else if (!strstr("pause resume marker", action) || !*action) {
		return rec_fail(why, -EINVAL, "unknown action");
	} else if (!r) {
		return rec_fail(why, -EINVAL, "not recording");
	}
	*reply = rec_status(room);
	return 0;
}

static const struct lumen_recorder_control recorder = { rec_control, rec_status };

/* ---- the input ---- */

struct cursor {
	const uint8_t *p, *end;
};

static unsigned u8(struct cursor *c)
{
	return c->p < c->end ? *c->p++ : 0;
}

static unsigned u16(struct cursor *c)
{
	unsigned lo = u8(c);

	return lo | u8(c) << 8;
}

/* Up to *n bytes of the input (*n is then what there was). */
static const uint8_t *take(struct cursor *c, size_t *n)
{
	const uint8_t *p = c->p;

	if (*n > (size_t)(c->end - c->p))
		*n = (size_t)(c->end - c->p);
	c->p += *n;
	return p;
}

static GString *substitute(const uint8_t *s, size_t len, unsigned k)
{
	GString *out = g_string_sized_new(len + 32);

	for (size_t i = 0; i < len; i++) {
		char n = i + 1 < len && s[i] == '$' ? (char)s[i + 1] : 0;
		uint64_t v = n == 'R' ? fx.room : n == 'F' ? fx.feed : n == 'P' ? fx.private_id
			     : n == 'K' ? 100 + k : n >= '0' && n <= '7' ? 100u + (unsigned)(n - '0')
									  : 0;
		if (!n || (v == 0 && !strchr("RFP", n))) {
			g_string_append_c(out, (char)s[i]);
			continue;
		}
		g_string_append_printf(out, "%" PRIu64, v);
		i++;
	}
	return out;
}

/* ---- driving the plugin ---- */

static void do_detach(struct lumen_handle *h)
{
	fx.P->detach(h, h->state);
	h->attached = false; /* only now: h is valid until detach returns */
	for (unsigned i = 0; i < fx.n_timers;) /* the core cancels the handle's timers */
		if (fx.timers[i].h == h)
			fx.timers[i] = fx.timers[--fx.n_timers];
		else
			i++;
	g_free(h->offer);
	h->offer = NULL;
}

/* After every operation, the deferred work, in order (a callback may defer more). */
static void flush(void)
{
	for (unsigned n = 0; fx.n_q && n < 4 * MAX_QUEUE; n++) {
		struct deferred e = fx.q[0];
		struct lumen_handle *h = by_id(e.hid);

		memmove(fx.q, fx.q + 1, --fx.n_q * sizeof(fx.q[0]));
		if (e.kind == Q_INVOKE)
			e.fn(h, h ? h->state : NULL, e.arg);
		else if (h && e.kind == Q_HANGUP && fx.P->hangup)
			fx.P->hangup(h, h->state, "closed by the plugin");
		else if (h && e.kind == Q_DETACH)
			do_detach(h);
	}
	if (fx.n_q)
		die("the plugin keeps deferring work");
}

static void check_result(struct lumen_handle *h, struct lumen_msg_result *res)
{
	switch (res->kind) {
	case LUMEN_MSG_SYNC:
		show("reply", h, res->data);
		check_dialect(res->data, "reply"); /* every reply of the dialect says something */
		if (res->jsep)
			check_jsep(res->jsep, "reply");
		break;
	case LUMEN_MSG_ASYNC:
		show("ack", h, NULL);
		if (res->data || res->jsep || res->error)
			die("an asynchronous result with data, jsep or error attached (lost)");
		break;
	case LUMEN_MSG_ERROR:
		if (!res->error_code || !res->error || !*res->error)
			die("an error result without a code and a reason");
		break;
	default:
		die("a message result of unknown kind %d", (int)res->kind);
	}
	note_ids(res->data);
	json_decref(res->data);
	json_decref(res->jsep);
	free(res->error);
}

/* A jsep as the API would pass it, or NULL; *refused when the API would refuse the message. */
static json_t *make_jsep(struct lumen_handle *h, unsigned sel, struct cursor *c, bool *refused)
{
	const char *type = sel == 7 || sel == 9 ? "answer" : "offer";
	char *sdp = NULL;
	json_t *j;

	*refused = false;
	if (sel >= 1 && sel <= G_N_ELEMENTS(offers)) {
		sdp = g_strdup(offers[sel - 1]);
	} else if (sel == 7) { /* a receiver that takes every stream h was offered */
		gchar **v = g_strsplit(h->offer ? h->offer : "", "a=sendonly", -1);
		sdp = g_strjoinv("a=recvonly", v);
		g_strfreev(v);
		fx.answering = true;
	} else if (sel == 8 || sel == 9) {
		size_t n = u16(c) % (MAX_SDP + 1);
		const uint8_t *p = take(c, &n);
		sdp = g_strndup((const char *)p, n);
	} else {
		return NULL;
	}
	/* check_jsep: an SDP starting "v=0", an answer only to an offer. */
	*refused = strncmp(sdp, "v=0", 3) != 0 || (type[0] == 'a' && !h->offer_pending);
	j = *refused ? NULL : json_pack("{s:s,s:s}", "type", type, "sdp", sdp);
	g_free(sdp);
	return j;
}

/* Sends text (freed) with jsep (stolen) to h, as run_message does. */
static void message(struct lumen_handle *h, GString *text, json_t *jsep, bool no_tr)
{
	json_t *body = json_loadb(text->str, text->len, JSON_REJECT_DUPLICATES, NULL);
	struct lumen_msg_result res;

	show("message", h, body);
	if (json_is_object(body)) {
		if (jsep) {
			h->pc = true;
			if (strcmp(json_string_value(json_object_get(jsep, "type")), "answer") == 0)
				h->offer_pending = false;
		}
		res = fx.P->message(h, h->state, no_tr ? NULL : "tx", body, jsep);
		check_result(h, &res);
	}
	fx.answering = false;
	json_decref(body);
	json_decref(jsep);
	g_string_free(text, TRUE);
}

/* Requests of the dialect whose ids the fuzzer would take long to find; "$K" is 100+k. */
static const struct {
	const char *body;
	unsigned jsep; /* 0 none, 1 a built-in offer, 7 the mirrored answer */
} canned[] = {
	{ "{\"request\":\"create\",\"room\":1234,\"publishers\":4,\"audiolevel_event\":true,"
	  "\"audio_active_packets\":2,\"bitrate\":500000}", 0 },
	{ "{\"request\":\"join\",\"ptype\":\"publisher\",\"room\":1234,\"id\":$K,"
	  "\"display\":\"p$K\"}", 0 },
	{ "{\"request\":\"joinandconfigure\",\"ptype\":\"publisher\",\"room\":1234,\"id\":$K}", 1 },
	{ "{\"request\":\"publish\",\"bitrate\":300000}", 1 },
	{ "{\"request\":\"join\",\"ptype\":\"subscriber\",\"room\":1234,\"streams\":"
	  "[{\"feed\":$K}]}", 0 },
	{ "{\"request\":\"join\",\"ptype\":\"subscriber\",\"room\":1234}", 0 },
	{ "{\"request\":\"start\"}", 7 },
	{ "{\"request\":\"configure\",\"substream\":0,\"temporal\":1}", 0 },
	{ "{\"request\":\"switch\",\"streams\":[{\"feed\":$K,\"mid\":\"1\",\"sub_mid\":\"1\"}]}", 0 },
	{ "{\"request\":\"update\",\"subscribe\":[{\"feed\":$K}],\"unsubscribe\":"
	  "[{\"feed\":$K,\"mid\":\"0\"}]}", 0 },
	{ "{\"request\":\"unpublish\"}", 0 },
	{ "{\"request\":\"leave\"}", 0 },
	{ "{\"request\":\"kick\",\"room\":1234,\"id\":$K,\"secret\":\"s\"}", 0 },
	{ "{\"request\":\"destroy\",\"room\":1234,\"secret\":\"s\"}", 0 },
	{ "{\"request\":\"pause\"}", 0 },
	{ "{\"request\":\"enable_recording\",\"room\":1234,\"record\":true,\"secret\":\"s\"}", 0 },
};

/* [jsep selector][u16 length][body] (then the SDP's [u16 length][text] for selectors 8, 9). */
static void op_message(struct lumen_handle *h, struct cursor *c, bool variant)
{
	unsigned sel = u8(c) % 16;
	size_t n = u16(c) % (MAX_BODY + 1);
	const uint8_t *p = take(c, &n);
	GString *text = substitute(p, n, 0);
	bool refused;
	json_t *jsep = make_jsep(h, sel, c, &refused);

	if (refused)
		g_string_free(text, TRUE);
	else
		message(h, text, jsep, variant);
}

/* [which][k | offer << 3] */
static void op_canned(struct lumen_handle *h, struct cursor *c, bool variant)
{
	unsigned which = u8(c) % G_N_ELEMENTS(canned), arg = u8(c);
	const char *body = canned[which].body;
	unsigned sel = canned[which].jsep == 1 ? 1 + (arg >> 3) % G_N_ELEMENTS(offers)
					       : canned[which].jsep;
	bool refused;
	json_t *jsep = make_jsep(h, sel, c, &refused);

	if (!refused)
		message(h, substitute((const uint8_t *)body, strlen(body), arg & 7), jsep, variant);
}

/* [identity: user 2 bits, role 3 bits, token room 2 bits; 0 = no identity] */
static void op_attach(struct lumen_handle *h, struct cursor *c)
{
	static const char *const users[] = { NULL, "user0", "user1", "p100" };
	static const char *const roles[] = { NULL,	 "presenter", "viewer", "moderator",
					     "publisher", "subscriber", "admin",  NULL };
	static const char *const rooms[] = { NULL, "1234", "99", NULL };
	unsigned who = u8(c);

	h->id = ++fx.next_id;
	h->who = (struct lumen_identity){ .user = users[who & 3], .role = roles[who >> 2 & 7],
					  .room = rooms[who >> 5 & 3], .remote_ip = "127.0.0.1" };
	h->pc = h->up = h->offer_pending = false;
	h->attached = true; /* services may be called from within attach */
	if (fx.P->attach(h, who ? &h->who : NULL, &h->state) < 0)
		h->attached = false;
}

/* [flags][ssrc][mid][rid][level][ms since the last][u16 seq][pt][length][payload]: flags are
 * kind (bits 0-1, 0 audio), marker 4, keyframe 8, padding 0x10, 3 s old 0x20, length * 8 0x40. */
static void op_rtp(struct lumen_handle *h, struct cursor *c)
{
	uint8_t buf[12 + 2048] = { 0 };
	unsigned flags = u8(c), si = u8(c), mi = u8(c), ri = u8(c), level = u8(c), dt = u8(c);
	unsigned seq = u16(c), pt = u8(c) & 0x7f;
	size_t want = u8(c) * (flags & 0x40 ? 8u : 1u), n = want;
	const uint8_t *payload = take(c, &n);
	uint32_t ssrc = si < G_N_ELEMENTS(ssrcs) ? ssrcs[si] : si * 0x01010101u;
	uint32_t ts = (uint32_t)((fx.clock_us += dt * 1000) / 11);
	struct lumen_rtp_packet pkt = {
		.data = buf, .len = 12 + want, .ssrc = ssrc, .timestamp = ts, .seq = (uint16_t)seq,
		.pt = (uint8_t)pt, .marker = flags & 4,
		.kind = (flags & 3) == 0 ? LUMEN_MEDIA_AUDIO : LUMEN_MEDIA_VIDEO,
		.mid = mids[mi % G_N_ELEMENTS(mids)], .rid = rids[ri % G_N_ELEMENTS(rids)],
		.audio_level = level & 0x80 ? -1 : (int8_t)level, .keyframe = flags & 8,
		/* the watchdog finds a publisher silent whose last packet is 3 s old */
		.arrival_us = flags & 0x20 ? g_get_monotonic_time() - 3000000 : fx.clock_us,
	};

	memcpy(buf + 12, payload, n);
	buf[0] = 0x80;
	buf[1] = (uint8_t)((flags & 4 ? 0x80 : 0) | pt);
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	for (int i = 0; i < 4; i++) {
		buf[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
		buf[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
	if (flags & 0x10 && want) { /* padding, as the core's parser accepts it */
		buf[0] |= 0x20;
		buf[12 + want - 1] = (uint8_t)(1 + buf[12 + want - 1] % want);
	}
	fx.P->rtp_in(h, h->state, &pkt);
}

/* [method][length][path][u16 length][body] */
static void op_admin(struct cursor *c)
{
	const char *method = methods[u8(c) % G_N_ELEMENTS(methods)];
	size_t n = u8(c), blen;
	const uint8_t *p = take(c, &n);
	GString *path = substitute(p, strnlen((const char *)p, n), 0);
	json_t *body = NULL, *reply = (json_t *)1;
	int status;

	blen = u16(c) % (MAX_BODY + 1);
	p = take(c, &blen);
	if (blen)
		body = json_loadb((const char *)p, blen, JSON_DECODE_ANY, NULL);
	if (path->len && path->str[0] != '/') /* what follows /admin/v1/rooms */
		g_string_prepend_c(path, '/');
	while (path->len && path->str[path->len - 1] == '/') /* as routes_plugin.c trims it */
		g_string_truncate(path, path->len - 1);
	status = fx.admin(fx.admin_arg, method, path->str, body, &reply);
	show(path->str, NULL, reply);
	if (status < 100 || status > 599 || reply == (json_t *)1 ||
	    (status >= 400 && !json_is_string(json_object_get(reply, "error"))))
		die("admin %s %s: status %d without a well-formed reply", method, path->str, status);
	json_decref(reply);
	json_decref(body);
	g_string_free(path, TRUE);
}

/* [flags: label 2 bits, stream 3 bits, binary 0x20][length][bytes] */
static void op_data(struct lumen_handle *h, struct cursor *c)
{
	unsigned flags = u8(c);
	size_t n = u8(c);
	const uint8_t *p = take(c, &n);
	struct lumen_data_message msg = { channels[flags & 3], (uint16_t)(flags >> 2 & 7),
					  flags & 0x20, p, n };

	if (h->up)
		fx.P->data_in(h, h->state, &msg);
}

/* Callbacks about h's peer connection and its media: the core has none for a handle whose pc
 * is not up (or, for setup_media and hangup, that has no pc). */
static void op_pc(struct lumen_handle *h, unsigned op, bool variant, struct cursor *c)
{
	unsigned a;
	size_t n;
	const uint8_t *p;
	uint32_t bps;

	switch (op) {
	case OP_SETUP: /* webrtcup */
		if (h->pc && !h->up) {
			h->up = true;
			fx.P->setup_media(h, h->state);
		}
		break;
	case OP_MEDIA_STATE:
		a = u8(c);
		if (h->up && fx.P->media_state) /* optional, and rooms has none */
			fx.P->media_state(h, h->state, mids[a % 8],
					  a & 8 ? LUMEN_MEDIA_VIDEO : LUMEN_MEDIA_AUDIO, a & 0x10);
		break;
	case OP_HANGUP: /* the client's hangup, or ICE/DTLS failing */
		if (h->pc) {
			h->pc = h->up = h->offer_pending = false;
			fx.P->hangup(h, h->state, variant ? "ICE failed" : "hangup");
		}
		break;
	case OP_RTP:
		if (h->up)
			op_rtp(h, c);
		break;
	case OP_RTCP: /* [length][bytes], the length * 4 with the variant bit */
		n = u8(c) * (variant ? 4u : 1u);
		p = take(c, &n);
		if (h->up)
			fx.P->rtcp_in(h, h->state, p, n);
		break;
	case OP_DATA:
		op_data(h, c);
		break;
	case OP_KEYFRAME:
		a = u8(c);
		if (h->up && mids[a % 8])
			fx.P->keyframe_request(h, h->state, mids[a % 8]);
		break;
	case OP_BWE:
		bps = u16(c);
		bps |= (uint32_t)u16(c) << 16;
		if (h->up)
			fx.P->bandwidth_estimate(h, h->state, bps);
		break;
	}
}

static void one_op(struct cursor *c)
{
	unsigned op = u8(c), i;
	struct lumen_handle *h = &fx.h[op >> 4 & 7];
	bool variant = op & 0x80;
	json_t *j;

	fx.answering = false;
	switch (op &= 0x0f) {
	case OP_ATTACH:
		if (!h->attached)
			op_attach(h, c);
		return;
	case OP_TIMER: /* [which] */
		i = u8(c);
		if (fx.n_timers)
			fx.timers[i % fx.n_timers].cb(fx.timers[i % fx.n_timers].arg);
		return;
	case OP_ADMIN:
		if (fx.admin)
			op_admin(c);
		return;
	case OP_SCRAPE:
		for (i = 0; i < fx.n_metrics; i++)
			fx.collect[i]((struct lumen_metrics_out *)&fx, fx.collect_arg[i]);
		return;
	}
	if (!h->attached)
		return;
	if (op == OP_MESSAGE) {
		op_message(h, c, variant);
	} else if (op == OP_CANNED) {
		op_canned(h, c, variant);
	} else if (op == OP_DETACH) {
		do_detach(h);
	} else if (op == OP_QUERY) {
		j = fx.P->query_handle(h, h->state);
		if (j && !json_is_object(j))
			die("query_handle returned something other than an object");
		show("query", h, j);
		json_decref(j);
	} else {
		op_pc(h, op, variant, c);
	}
}

static void core_init(unsigned setup)
{
	memset(&fx, 0, sizeof(fx));
	fx.verbose = getenv("FUZZ_ROOMS_LOG") != NULL;
	fx.P = lumen_plugin_get();
	fx.workers = 1 + (setup & SETUP_WORKERS) / 8;
	fx.eagain = setup & SETUP_EAGAIN;
	fx.clock_us = g_get_monotonic_time();
	fx.core = (struct lumen_core){
		.abi_version = LUMEN_PLUGIN_ABI_VERSION,
		.size = setup & SETUP_OLD_CORE ? offsetof(struct lumen_core, admin_register)
					       : sizeof(struct lumen_core),
		.push_event = f_push_event, .send_rtp = f_send_rtp, .send_rtcp = f_send_rtcp,
		.send_data = f_send_data, .request_keyframe = f_request_keyframe,
		.set_bitrate_cap = f_set_bitrate_cap, .close_pc = f_close_pc,
		.end_handle = f_end_handle, .handle_move = f_handle_move, .n_workers = f_n_workers,
		.invoke = f_invoke, .handle_id = f_handle_id, .session_id = f_session_id,
		.handle_identity = f_handle_identity, .timer_add = f_timer_add,
		.timer_cancel = f_timer_cancel, .log = f_log, .metric_register = f_metric_register,
		.metric_emit = f_metric_emit, .service_register = f_service_register,
		.service_lookup = f_service_lookup, .open_data = f_open_data,
		.admin_register = f_admin_register, .admin_unregister = f_admin_unregister,
	};
	if (setup & SETUP_RECORDER)
		f_service_register(LUMEN_RECORDER_CONTROL_SERVICE, LUMEN_RECORDER_CONTROL_VERSION,
				   &recorder);
}

/* init, and check_config, which must agree with it; false when the config is refused. */
static bool plugin_init(unsigned setup, struct cursor *c)
{
	const char *text = configs[setup & SETUP_CONFIG];
	size_t n = (setup & SETUP_CONFIG) == 7 ? u16(c) % (MAX_BODY + 1) : 0;
	const uint8_t *p = take(c, &n);
	json_t *cfg = text ? json_loads(text, 0, NULL) : json_loadb((const char *)p, n, 0, NULL);
	char *err = NULL, *err2 = NULL;
	int rc = fx.P->init(&fx.core, cfg, &err), rc2 = fx.P->check_config(cfg, &err2);

	if ((rc < 0) != (rc2 < 0) || (rc < 0 && (!err || !*err || !err2)))
		die("init (%d) and check_config (%d) disagree, or give no reason", rc, rc2);
	free(err);
	free(err2);
	json_decref(cfg);
	return rc == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data, data + size };
	unsigned setup = u8(&c);
	static bool seeded;

	if (!seeded) { /* jansson's hash seed: the same input visits objects in the same order */
		json_object_seed(1);
		seeded = true;
	}
	g_random_set_seed(1); /* the plugin's ids, so that a crash reproduces */
	core_init(setup);
	if (!plugin_init(setup, &c))
		return 0;
	if (fx.P->start() == 0) {
		for (unsigned n = 0; n < MAX_OPS && c.p < c.end; n++) {
			one_op(&c);
			flush();
		}
		for (unsigned i = 0; i < MAX_HANDLES; i++)
			if (fx.h[i].attached)
				do_detach(&fx.h[i]);
		flush();
		fx.P->stop();
		flush();
		if (fx.n_timers)
			die("%u timer(s) left after stop", fx.n_timers);
	}
	fx.P->destroy();
	flush();
	for (unsigned i = 0; i < MAX_RECORDINGS; i++)
		if (fx.recs[i].attached)
			die("a tap sink still attached after destroy");
	for (unsigned i = 0; i < fx.n_metrics; i++)
		g_free(fx.metrics[i]);
	return 0;
}
