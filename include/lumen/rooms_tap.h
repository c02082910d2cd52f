/* lumen/rooms_tap.h -- services between the rooms engine and the plugins that follow a room's
 * media without a peer connection (the recorder first).
 *
 * Two interfaces go through the core's service registry (core->service_register/lookup):
 *
 *   "rooms.tap" (offered by the rooms engine, LUMEN_ROOMS_TAP_VERSION): a plugin attaches a sink
 *   to a room and from then on gets, for that room, who is in it, every published track as it
 *   starts and ends, each track's RTP packets, the publishers' RTCP sender reports, and data
 *   channel messages. This is the recorder's "subscribe like any viewer": it sees exactly what a
 *   subscriber's stream is fed from, before any per-subscriber rewriting. For a simulcast track
 *   the tap carries one layer: the best one the publisher sends (it moves up once when a better
 *   layer first appears, which shows as an SSRC change).
 *
 *   "recorder.control" (offered by the recorder, LUMEN_RECORDER_CONTROL_VERSION): what the rooms
 *   engine calls for the dialect's `record` / `enable_recording`, the moderator's `recording`
 *   request and POST /admin/v1/rooms/{id}/recording.
 *
 * Threads. Every sink callback runs on the room's thread (today the control thread; a media
 * worker once rooms move there), never concurrently for one room. Sinks must not block and must
 * not do file I/O there (DESIGN.md decision 3): copy and queue. The tap's functions and the
 * control's functions are called on the control thread.
 *
 * Lifetimes. Strings and packets passed to callbacks are borrowed for the duration of the call.
 * A sink stays attached until detach, or until room_gone (after which it is forgotten: do not
 * call detach for it). Both interfaces are valid from their owner's start to its stop; look
 * them up again rather than keeping the pointer across a stop. */
#ifndef LUMEN_ROOMS_TAP_H
#define LUMEN_ROOMS_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <lumen/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LUMEN_ROOMS_TAP_SERVICE "rooms.tap"
#define LUMEN_ROOMS_TAP_VERSION 1u
#define LUMEN_RECORDER_CONTROL_SERVICE "recorder.control"
#define LUMEN_RECORDER_CONTROL_VERSION 1u

/* A published track as the tap announces it. */
struct lumen_tap_track {
	uint64_t key;               /* unique per track for the sink's lifetime */
	uint64_t participant;       /* the publisher's participant id */
	const char *mid;            /* the publisher's m-line */
	enum lumen_media_kind kind; /* AUDIO or VIDEO */
	const char *codec;          /* as in the rtpmap: "opus", "VP8", "VP9", "H264", "AV1" */
	uint8_t pt;                 /* payload type the publisher sends it with */
	uint32_t clock_rate;
	unsigned channels;          /* 0 for video */
	const char *fmtp;           /* "" when none */
	bool simulcast;             /* the tap carries one layer of several */
};

struct lumen_tap_sink {
	/* Someone joined (joined = true, with display name, may be NULL) or left the room. Called
	 * at attach for everyone already in it. */
	void (*participant)(void *arg, uint64_t id, const char *display, bool joined);
	/* A track started (called at attach for every live track) / ended. */
	void (*track_added)(void *arg, const struct lumen_tap_track *t);
	void (*track_removed)(void *arg, uint64_t key);
	/* One RTP packet of track `key` as the publisher sent it (decrypted; arrival_us is the
	 * core's monotonic arrival time, g_get_monotonic_time's clock). */
	void (*rtp)(void *arg, uint64_t key, const struct lumen_rtp_packet *pkt);
	/* One RTCP sender report (PT 200, the whole SR packet, report blocks included) of track
	 * `key`, with its arrival time on the same clock as RTP arrival_us. */
	void (*sender_report)(void *arg, uint64_t key, const uint8_t *sr, size_t len,
			      int64_t arrival_us);
	/* A data-channel message a participant sent into the room. */
	void (*data)(void *arg, uint64_t participant, const struct lumen_data_message *msg,
		     int64_t arrival_us);
	/* The room is being destroyed: the sink is detached after this returns. */
	void (*room_gone)(void *arg);
};

struct lumen_rooms_tap {
	/* Attaches sink (with its arg) to room. The sink hears at once about everyone and every
	 * live track. Returns 0, -ENOENT (no such room), -EEXIST (this arg already attached). */
	int (*attach)(uint64_t room, const struct lumen_tap_sink *sink, void *arg);
	/* Detaches the sink attached with arg. Returns 0 or -ENOENT. */
	int (*detach)(uint64_t room, void *arg);
	/* Sends data (stolen) as a videoroom event to every participant of the room, publishers and
	 * subscribers ({"videoroom":"event","room":R, ...data}). Returns 0 or -ENOENT. */
	int (*notify)(uint64_t room, json_t *data);
	/* The room's description, or NULL if no such room (borrowed until the room changes). */
	const char *(*describe)(uint64_t room);
	/* Whether the room asks to be recorded (its `record` option). */
	bool (*wants_recording)(uint64_t room);
};

/* What the rooms engine asks of the recorder. action is "start", "stop", "pause", "resume" or
 * "marker" (args may hold "title"; args may be NULL). On success returns 0 and may set *reply
 * (a new object: {"recording": ID, "state": ...}); on failure returns a negative errno and sets
 * *why (malloc'd, one line): -ENOENT no such room, -EALREADY (start while recording, stop while
 * not), -EINVAL bad args, -ENOSPC, -EIO. */
struct lumen_recorder_control {
	int (*control)(uint64_t room, const char *action, const json_t *args, json_t **reply,
		       char **why);
	/* The room's recording state as an object ({"recording": ID|null, "state": ...}); new. */
	json_t *(*status)(uint64_t room);
};

#ifdef __cplusplus
}
#endif

#endif
