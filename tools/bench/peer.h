/* peer.h -- lumen-bench's clients of the VideoRoom dialect: a publisher (a handle that joins a
 * room, publishes an offer of Opus + VP8 and sends synthetic media once the peer connection is
 * up) and a subscriber (a handle that joins as a subscriber to feeds, answers the server's offer
 * and measures what it receives). Each owns a peer connection of the project's WebRTC library in
 * full ICE mode, and does the real ICE, DTLS and SRTP.
 *
 * Everything runs on the default GMainContext (bench.h). Ownership: a struct bench_env outlives
 * every peer made from it; _new returns an owned object (or NULL and *err), _free leaves the
 * room, detaches the handle and frees the pc. */
#ifndef BENCH_PEER_H
#define BENCH_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "bench.h"
#include "janus.h"
#include "stats.h"

struct lumen_cert;
struct lumen_dtls_ctx;
struct bench_rx;

#define BENCH_MAX_SESSIONS    64
#define BENCH_SESSION_HANDLES 24

struct bench_env {
	const struct bench_opts *o;
	struct lumen_cert *cert;
	struct lumen_dtls_ctx *dctx;
	struct bench_janus *j; /* the first session: room requests */
	/* Servers cap the handles of one session (lumen: 32), so peers spread over sessions of
	 * at most BENCH_SESSION_HANDLES handles each; sess[0] is j. */
	struct bench_janus *sess[BENCH_MAX_SESSIONS];
	int sess_handles[BENCH_MAX_SESSIONS];
	int n_sess;
	const char *enforce[2];
	struct bench_stats stats; /* shared by every subscriber */
	uint64_t sent_packets;    /* by every publisher, in the measured window */
	unsigned hangups;         /* peer connections that died */
	unsigned rec_announced;   /* publishers whose "joined" said "recording": true (lumen) */
	struct bench_rx *rx;      /* the subscribers' receive loop (rx.h), NULL with --rx glib */
	struct bench_canary *canary; /* --canary-cpu (canary.h; owned by main.c), or NULL */
};

/* Certificate, DTLS context and Janus session for a run. Returns 0 or -1 with *err. */
int bench_env_init(struct bench_env *env, const struct bench_opts *o, char **err);
void bench_env_fini(struct bench_env *env);

/* Room requests on a handle of its own (made on first use). Returns 0 or -1 with *err. */
int bench_room_create(struct bench_env *env, uint64_t room, int publishers, char **err);
void bench_room_destroy(struct bench_env *env, uint64_t room);

struct bench_pub;
/* Joins room as a publisher and publishes audio (and video if video); media starts when the pc
 * is up. Returns NULL with *err when the server refuses or a step times out. */
struct bench_pub *bench_pub_new(struct bench_env *env, uint64_t room, bool video, char **err);
uint64_t bench_pub_feed(const struct bench_pub *p);
bool bench_pub_up(const struct bench_pub *p);
/* Up on both sides: our pc is up and the server sent "webrtcup" for the handle. Only then may
 * subscribers join (Janus answers 428 "No such feed" before). *at_ns (may be NULL): when the
 * server's webrtcup arrived (bench_now_ns). */
bool bench_pub_ready(const struct bench_pub *p, int64_t *at_ns);

/* The steps of a join, bench_now_ns() when each was done (0: not yet). A publisher's: its
 * joined event, its publish answer, our pc up, the server's webrtcup. A subscriber's: its session
 * created and handle attached (bench_sub_new_session only), the offer (join reply), the started
 * reply to our answer, our ICE connected, our pc up (DTLS done, SRTP keyed), the server's
 * webrtcup event for it, its first decrypted packet, its first audio and first video packet. */
struct bench_sub;
enum bench_join_step {
	BENCH_PUB_JOINED,
	BENCH_PUB_ANSWERED,
	BENCH_PUB_PC_UP,
	BENCH_PUB_WEBRTCUP,
	BENCH_SUB_CREATED,
	BENCH_SUB_ATTACHED,
	BENCH_SUB_OFFER,
	BENCH_SUB_STARTED,
	BENCH_SUB_ICE_CONNECTED,
	BENCH_SUB_PC_UP,
	BENCH_SUB_WEBRTCUP,
	BENCH_SUB_FIRST_PACKET,
	BENCH_SUB_FIRST_AUDIO,
	BENCH_SUB_FIRST_VIDEO,
	BENCH_JOIN_STEPS
};
extern const char *const bench_join_step_names[BENCH_JOIN_STEPS];
void bench_pub_times(const struct bench_pub *p, int64_t t[BENCH_JOIN_STEPS]);
void bench_sub_times(struct bench_sub *s, int64_t t[BENCH_JOIN_STEPS]);
void bench_pub_free(struct bench_pub *p);

struct bench_sub;
/* Joins room as a subscriber of feeds[0..n) (every stream of each) and answers. The handle
 * goes into one of env's sessions. */
struct bench_sub *bench_sub_new(struct bench_env *env, uint64_t room, const uint64_t *feeds,
                                size_t n, char **err);
/* The same in a session of its own, created first (as a browser that joins does): _free
 * destroys that session too. */
struct bench_sub *bench_sub_new_session(struct bench_env *env, uint64_t room,
                                        const uint64_t *feeds, size_t n, char **err);
/* Records when our ICE came up (BENCH_SUB_ICE_CONNECTED): the join scenario calls it from its
 * wait, since the pc reports only ICE + DTLS up. Returns whether it is up. */
bool bench_sub_poll_ice(struct bench_sub *s);
/* Whether the first video packet received was the start of a keyframe. */
bool bench_sub_first_video_key(const struct bench_sub *s);
bool bench_sub_up(const struct bench_sub *s);
struct bench_streams *bench_sub_streams(struct bench_sub *s);
const char *bench_sub_srtp_profile(struct bench_sub *s);
/* Where a subscriber that receives nothing is stuck, in words ("ICE checking", "ICE connected,
 * DTLS not done", "up", "hung up: reason"), into buf. */
void bench_sub_describe(struct bench_sub *s, char *buf, size_t size);
void bench_sub_free(struct bench_sub *s);

#endif
