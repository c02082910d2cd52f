/* rooms/rooms.h -- what the files of the rooms engine share: rooms, participants (one per client
 * handle), published tracks and subscribed streams, and the functions between the files.
 *
 *   plugin.c      descriptor, configuration, attach/detach, request dispatch, metrics
 *   room.c        the room registry: create, edit, destroy, limits, modes, JSON views
 *   requests.c    room-level requests (create, edit, destroy, exists, list, kick, moderate,
 *                 listparticipants, raise_hand, promote, demote)
 *   publisher.c   join as publisher, publish/configure, unpublish, leave, talking
 *   subscriber.c  join as subscriber, subscribe/unsubscribe/update, start/pause/switch, offers
 *   forward.c     media: a publisher's RTP fanned out to its subscribers, feedback back
 *   admin.c       /admin/v1/rooms
 *   room_sdp.c    SDP answers to publishers and offers to subscribers
 *   layers.c      per-subscriber simulcast/temporal choice and seamless rewriting
 *   tap.c         the "rooms.tap" service (the recorder's view of a room) and recording control
 *
 * Threads: everything runs on the control thread (the core's handle thread for every handle of
 * this plugin, even after handle_move, which moves only the sending of relayed RTP to a
 * transmit worker; see docs/architecture.md, "Threads today"), so nothing here takes a lock.
 *
 * Ownership: the registry owns rooms; a room owns nothing but lists of its participants; a
 * participant is owned by its handle (attach to detach); a publisher owns its tracks; a
 * subscriber owns its streams. A track lists the streams fed from it (borrowed); a stream points
 * at its track (borrowed) until the track ends, which detaches every stream from it first. */
#ifndef LUMEN_ROOMS_H
#define LUMEN_ROOMS_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <jansson.h>
#include <lumen/plugin.h>
#include <lumen/rooms_tap.h>

#include "layers.h"
#include "room_sdp.h"

#define ROOMS_PACKAGE "janus.plugin.videoroom"
/* What a publisher may send when its room sets no bitrate (REMB), bits/s: room for three
 * simulcast layers up to 720p. */
#define ROOMS_DEFAULT_PUBLISHER_BPS 3000000u

/* Janus VideoRoom error codes (public protocol documentation). */
enum {
	ROOMS_ERR_UNKNOWN = 499,
	ROOMS_ERR_NO_MESSAGE = 421,
	ROOMS_ERR_INVALID_JSON = 422,
	ROOMS_ERR_INVALID_REQUEST = 423,
	ROOMS_ERR_JOIN_FIRST = 424,
	ROOMS_ERR_ALREADY_JOINED = 425,
	ROOMS_ERR_NO_SUCH_ROOM = 426,
	ROOMS_ERR_ROOM_EXISTS = 427,
	ROOMS_ERR_NO_SUCH_FEED = 428,
	ROOMS_ERR_MISSING_ELEMENT = 429,
	ROOMS_ERR_INVALID_ELEMENT = 430,
	ROOMS_ERR_INVALID_SDP_TYPE = 431,
	ROOMS_ERR_FULL = 432,
	ROOMS_ERR_UNAUTHORIZED = 433,
	ROOMS_ERR_ALREADY_PUBLISHED = 434,
	ROOMS_ERR_NOT_PUBLISHED = 435,
	ROOMS_ERR_ID_EXISTS = 436,
	ROOMS_ERR_INVALID_SDP = 437,
};

enum rooms_mode { ROOMS_MESH = 0, ROOMS_SFU, ROOMS_BROADCAST, ROOMS_AUTO };
enum rooms_role {
	ROOMS_ROLE_PUBLISHER = 0, /* mesh/sfu participant */
	ROOMS_ROLE_PRESENTER,     /* may publish in broadcast */
	ROOMS_ROLE_VIEWER,        /* may not publish in broadcast */
	ROOMS_ROLE_MODERATOR,     /* may publish, promote, demote, kick */
	ROOMS_ROLE_SUBSCRIBER,    /* a subscriber handle */
};

const char *rooms_mode_name(enum rooms_mode m);
int rooms_mode_parse(const char *s, enum rooms_mode *out); /* 0 or -EINVAL */
const char *rooms_role_name(enum rooms_role r);

struct rooms_participant;
struct rooms_stream;

/* Counters of one room, also summed into the plugin's metrics. */
struct rooms_counters {
	uint64_t forwarded_packets, forwarded_bytes, nacks, plis, layer_switches, dropped;
};

struct rooms_room {
	uint64_t id;
	char *description, *secret, *pin; /* secret/pin NULL when none */
	enum rooms_mode mode;             /* configured */
	enum rooms_mode effective;        /* what it behaves as now (auto moves it) */
	unsigned auto_sfu_at, auto_broadcast_at;
	unsigned max_participants, max_publishers;
	uint32_t bitrate;                 /* REMB cap for publishers, 0 = none */
	bool audiolevel_event;
	int audio_level_average;          /* talking threshold, -dBov (Janus default 25) */
	int audio_active_packets;         /* packets per talking decision (Janus default 100) */
	bool notify_joining;
	bool is_static;                   /* from the configuration file */
	bool record;                      /* asked for (the recorder plugin acts on it) */
	char **presenters;                /* user ids or display names, NULL-terminated */
	GPtrArray *members;               /* struct rooms_participant * (publisher handles) */
	GPtrArray *subscribers;           /* struct rooms_participant * (subscriber handles) */
	int64_t created_wall_us;
	struct rooms_counters c;
	GArray *taps;                     /* struct tap (tap.c): sinks following the room */
	bool destroyed;
};

/* A published m-line. */
struct rooms_track {
	struct rooms_track_desc d;
	struct rooms_participant *pub;
	struct rooms_layer_rates rates;
	uint32_t layer_ssrc[ROOMS_MAX_LAYERS]; /* learnt SSRC of each layer, 0 = unknown */
	int64_t last_pli_us;
	bool keyframe_since_pli;               /* a keyframe came after the last request */
	GPtrArray *streams;                    /* struct rooms_stream * fed from this track */
	bool muted;                            /* moderated: not forwarded */
	/* talking detection (audio) */
	int level_sum, level_count;
	bool talking;
	uint64_t packets, bytes;
	/* tap.c: the key taps know it by, the layer they get (-1 none yet) and its SSRC */
	uint64_t tap_key;
	int tap_layer;
	uint32_t tap_ssrc;
};

/* One m-line of a subscriber's peer connection. */
struct rooms_stream {
	struct rooms_participant *sub;
	struct rooms_track *track;   /* NULL once the feed ended (m-line inactive) */
	char mid[ROOMS_MID_MAX];
	uint64_t feed_id;
	char feed_mid[ROOMS_MID_MAX];
	char *feed_display;
	enum lumen_media_kind kind;
	struct rooms_codec codec;
	uint32_t ssrc;
	bool send;                   /* not paused by a configure send:false */
	struct rooms_layer_sel sel;
	unsigned mindex;
};

struct rooms_participant {
	struct lumen_handle *h;
	struct rooms_room *room;      /* NULL until joined */
	uint64_t id, private_id;
	char *display, *user;
	enum rooms_role role;
	bool token_role;              /* role came from the join token */
	char *token_room;             /* the token's room claim: the only room it may join */
	enum { ROOMS_P_NONE = 0, ROOMS_P_PUBLISHER, ROOMS_P_SUBSCRIBER } type;
	bool hand_raised;
	/* publisher */
	bool published;
	int64_t last_rtp_us;          /* last packet received from it, 0 = none yet */
	int64_t last_speech_us;       /* last time its audio level said "talking", 0 = never */
	struct rooms_track *tracks[ROOMS_MAX_TRACKS];
	unsigned n_tracks;
	char audio_codec[16], video_codec[16];
	/* subscriber */
	GPtrArray *streams;           /* struct rooms_stream *, in mindex order */
	bool follow_all;              /* auto-subscribed to every publisher (mesh) */
	uint64_t owner_private_id;    /* the publisher handle of the same user, 0 = none */
	bool offer_out;               /* an offer was sent and not answered yet */
	/* The streams of the last offer sent, which its answer is checked against: streams that
	 * change while it is out (reoffer) are offered only after the answer. */
	struct rooms_offer_stream *offered;
	unsigned n_offered;
	bool reoffer;                 /* streams changed while an offer was out */
	bool started;                 /* the client answered ("start"), media flows */
	/* Its peer connection is up (setup_media): only then is media forwarded to it. Before,
	 * sends fail, and a keyframe spent on a pc not up yet left its video waiting for the
	 * next one (the keyframe request rate limit held back another: 0.5 s per join). */
	bool pc_up;
	bool paused;
	uint32_t bwe_bps;
	unsigned next_mid;
	unsigned tx_worker;           /* 1 + the core's transmit worker for its RTP, 0 = none */
};

/* ---- plugin.c ---- */
extern const struct lumen_core *rooms_core;
/* Sends an event to p's client (data stolen, jsep stolen, may be NULL). */
void rooms_push(struct rooms_participant *p, const char *transaction, json_t *data, json_t *jsep);
/* A {"videoroom":"event","room":R,...} object with the room id set. */
json_t *rooms_event(const struct rooms_room *r);
/* Random id in [1, 2^53) (JSON-safe, globally unique in practice: DESIGN.md). */
uint64_t rooms_random_id(void);
/* Message result helpers. */
struct lumen_msg_result rooms_ok(json_t *data);
struct lumen_msg_result rooms_async(void);
struct lumen_msg_result rooms_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Plugin-wide counters of packets forwarded etc. of destroyed rooms (metrics stay monotonic). */
extern struct rooms_counters rooms_gone;

/* ---- room.c ---- */
/* Creates a room from a create request / config entry / admin POST. Returns 0 with *out, or a
 * rooms error code (ROOMS_ERR_*) with *why (g_malloc'd). id 0 picks a random one. */
int rooms_room_create(const json_t *req, bool is_static, struct rooms_room **out, char **why);
/* Applies an edit (Janus "new_*" keys, or admin PATCH plain keys when plain). */
int rooms_room_edit(struct rooms_room *r, const json_t *req, bool plain, char **why);
struct rooms_room *rooms_room_find(uint64_t id);
GPtrArray *rooms_room_all(void); /* borrowed registry array of struct rooms_room * */
/* Evicts everyone (they get "destroyed") and frees the room. */
void rooms_room_destroy(struct rooms_room *r);
void rooms_room_destroy_all(void);
/* Re-evaluates an auto room's effective mode after a join or leave; tells everyone on change. */
void rooms_room_update_mode(struct rooms_room *r);
/* Broadcast fan-out (DESIGN.md decision 3): a viewer (subscriber handle of a broadcast room, or
 * of an sfu room with more than ROOMS_SFU_SPREAD_AT subscribers) gets its relayed RTP sent by
 * the least loaded of the core's transmit workers (core->handle_move); place_all does it for
 * every subscriber of r that qualifies; unplace forgets it (leave). No-ops with one worker. */
#define ROOMS_SFU_SPREAD_AT 8
void rooms_room_place(struct rooms_participant *p);
void rooms_room_place_all(struct rooms_room *r);
void rooms_room_unplace(struct rooms_participant *p);
unsigned rooms_room_publishers(const struct rooms_room *r);
json_t *rooms_room_json(const struct rooms_room *r, bool details);
json_t *rooms_participant_json(const struct rooms_participant *p, bool details);
/* Reads an id that may be a number or a numeric string. Returns 0 or -EINVAL. */
int rooms_json_id(const json_t *v, uint64_t *out);
/* Sends data (stolen) to every publisher-handle member of r except `except`. */
void rooms_room_notify(struct rooms_room *r, const struct rooms_participant *except, json_t *data);
struct rooms_participant *rooms_room_member(const struct rooms_room *r, uint64_t id);
/* r's members, most recent speaker first (active-speaker order; ties keep join order). The
 * array is new (free with g_ptr_array_free(a, TRUE)); its elements are borrowed. */
GPtrArray *rooms_room_by_speech(const struct rooms_room *r);
bool rooms_secret_ok(const struct rooms_room *r, const json_t *req);
/* False when p's join token names another room than r. */
bool rooms_token_room_ok(const struct rooms_participant *p, const struct rooms_room *r);

/* ---- requests.c ---- */
struct lumen_msg_result rooms_request_room(struct rooms_participant *p, const char *request,
					   const json_t *body, bool *handled);

/* ---- publisher.c ---- */
struct lumen_msg_result rooms_pub_join(struct rooms_participant *p, const char *tr,
				       const json_t *body, const json_t *jsep, bool configure);
struct lumen_msg_result rooms_pub_configure(struct rooms_participant *p, const char *tr,
					    const json_t *body, const json_t *jsep);
struct lumen_msg_result rooms_pub_unpublish(struct rooms_participant *p, const char *tr);
/* Leaves the room (unpublishing first); silent = no "leaving" event to p itself. */
void rooms_pub_leave(struct rooms_participant *p, const char *reason, bool silent);
/* Ends p's publication: every stream fed from it goes inactive and its subscribers get updated
 * offers; others get "unpublished". */
void rooms_pub_unpublish_all(struct rooms_participant *p, bool notify_self);
json_t *rooms_pub_streams_json(const struct rooms_participant *p);
json_t *rooms_publishers_json(const struct rooms_room *r, const struct rooms_participant *except);

/* ---- subscriber.c ---- */
struct lumen_msg_result rooms_sub_join(struct rooms_participant *p, const char *tr,
				       const json_t *body);
struct lumen_msg_result rooms_sub_request(struct rooms_participant *p, const char *request,
					  const char *tr, const json_t *body, const json_t *jsep);
/* p published: every follow-all subscriber of the room gets its tracks (and a new offer). */
void rooms_sub_feed_published(struct rooms_participant *pub);
/* A track is ending: its streams go inactive; their subscribers get a new offer. */
void rooms_sub_track_gone(struct rooms_track *t);
void rooms_sub_leave(struct rooms_participant *p);
/* p's peer connection came up: media flows from now on, video from a keyframe asked for now. */
void rooms_sub_pc_up(struct rooms_participant *p);
void rooms_sub_free_streams(struct rooms_participant *p);
json_t *rooms_sub_streams_json(const struct rooms_participant *p);

/* ---- forward.c ---- */
void rooms_fwd_rtp(struct rooms_participant *p, const struct lumen_rtp_packet *pkt);
void rooms_fwd_rtcp(struct rooms_participant *p, const uint8_t *buf, size_t len);
void rooms_fwd_keyframe_request(struct rooms_participant *p, const char *mid);
void rooms_fwd_bandwidth(struct rooms_participant *p, uint32_t bps);
/* Asks t's publisher for a keyframe unless one was asked in the last 500 ms. */
void rooms_fwd_pli(struct rooms_track *t, int64_t now_us);

/* A publisher that sent media and then nothing for this long has vanished (network gone,
 * machine asleep): it is unpublished and others are told, well before ICE gives up. */
#define ROOMS_PUBLISHER_SILENCE_US 2000000
/* Called every 500 ms on the control thread. */
void rooms_fwd_watchdog(int64_t now_us);

/* ---- tap.c ---- */
int rooms_tap_register(void);
void rooms_tap_participant(struct rooms_room *r, const struct rooms_participant *p, bool joined);
/* A track was published (added) or is ending (call before it is freed). */
void rooms_tap_track(struct rooms_room *r, struct rooms_track *t, bool added);
void rooms_tap_rtp(struct rooms_room *r, struct rooms_track *t, int layer,
		   const struct lumen_rtp_packet *pkt);
void rooms_tap_rtcp(struct rooms_participant *p, const uint8_t *buf, size_t len, int64_t now_us);
void rooms_tap_data(struct rooms_participant *p, const struct lumen_data_message *msg);
/* The room is going: every sink hears room_gone and is forgotten. */
void rooms_tap_room_gone(struct rooms_room *r);
/* Hands a recording action to the recorder plugin. Returns 0 (reply may be set, new) or a
 * negative errno with *why (g_malloc'd): -ENOTSUP when no recorder is loaded. */
int rooms_record_control(struct rooms_room *r, const char *action, const json_t *args,
			 json_t **reply, char **why);
/* The recorder's status of r (new object), NULL without a recorder. */
json_t *rooms_record_status(const struct rooms_room *r);
/* Starts recording r if its `record` option asks for it and nothing records it yet. */
void rooms_record_autostart(struct rooms_room *r);

/* ---- admin.c ---- */
int rooms_admin_cb(void *arg, const char *method, const char *path, const json_t *body,
		   json_t **reply);

#endif
