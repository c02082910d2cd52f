/* pc_pair.h -- test helper: two struct lumen_pc back to back over 127.0.0.1 in one process, a
 * server side (ICE lite, answers) and a client side (full ICE, controlling, offers), driven by
 * pumping this thread's default GLib main context until a condition holds or a time runs out.
 *
 * Shared by the pc's tests (test_pc_*.c) and test_txworker.c. Not a library: every failure is a
 * Criterion assertion, so these functions only run inside a Test(). Everything here runs on the
 * test's thread; the struct pc_peer counters are written by the pc's callbacks on that thread. */
#ifndef LUMEN_TEST_PC_PAIR_H
#define LUMEN_TEST_PC_PAIR_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "webrtc/pc.h"
#include "webrtc/rtp.h"

/* One side of the pair and what its callbacks saw. */
struct pc_peer {
	struct lumen_pc *pc;
	const char *name;
	bool echo; /* send every RTP packet and data message back (the server, by default) */
	bool up;
	char hangup[200];
	GPtrArray *cands; /* local candidates, owned */
	bool gathered;
	int rtp_rx, data_rx, media_on;
	unsigned warnings; /* enum lumen_pc_warning bits reported */
	int slowlink_up, slowlink_down;
	uint32_t slowlink_lost;
	int warning_calls;
	char last_data[64];
	char last_label[64];
	uint16_t last_seq;
	bool seen[400]; /* RTP sequence numbers below 400 received */
	char last_mid[16];
	int video_in_buf, video_rx; /* video delivered in a buffer that holds it / in all */
	bool audio_in_buf;
	/* Set by the test after pc_peer_init: called with every RTCP packet received, after the pc
	 * has handled it. */
	void (*on_rtcp)(struct pc_peer *p, const uint8_t *buf, size_t len);
};

/* The certificate and DTLS context every pc of a test shares: Criterion .init and .fini. */
void pc_pair_setup(void);
void pc_pair_teardown(void);

/* A configuration for one side (ICE restricted to 127.0.0.1, the shared certificate);
 * timeout_ms 0 is the pc's default silence timeout. */
struct lumen_pc_config pc_pair_config(bool server, uint32_t timeout_ms);

/* Creates p's pc with callbacks that fill *p; the server echoes. p must stay where it is until
 * pc_peer_fini, which frees the pc (if p->pc is still set) and the candidates. */
void pc_peer_init(struct pc_peer *p, const char *name, bool server, uint32_t timeout_ms);
/* The same with a configuration of the test's (from pc_pair_config, changed). */
void pc_peer_init_with(struct pc_peer *p, const char *name, bool server,
		       const struct lumen_pc_config *cfg);
void pc_peer_fini(struct pc_peer *p);

/* Runs the default main context until cond(arg) or timeout_ms, sleeping 0.5 ms when idle. */
void pc_pair_pump(bool (*cond)(void *), void *arg, int timeout_ms);
/* The same until *counter >= n. */
void pc_pair_pump_count(const int *counter, int n, int timeout_ms);

/* Sends one RTP packet from p with header h, the mid extension (id 1) naming mid, and
 * payload[0..len); returns what lumen_pc_send_rtp returns. */
int pc_peer_send_rtp(struct pc_peer *p, const char *mid, const struct lumen_rtp_hdr *h,
		     const uint8_t *payload, size_t len);

/* Conditions for pc_pair_pump: on p[2] (both gathered; both up, or either hung up), on one
 * peer (its SCTP association is up; it was hung up). */
bool pc_pair_gathered(void *p);
bool pc_pair_up_or_hung(void *p);
bool pc_peer_data_ready(void *p);
bool pc_peer_hung(void *p);

/* Called between the server's answer and the client taking it: may assert on both and change
 * the answer in place (same length). */
typedef void (*pc_pair_inspect_cb)(const char *offer, char *answer, void *arg);

/* Offer/answer between client p[1] and server p[0] from the media sections offer_media and
 * answer_media, after both gathered; returns when both are up or either hung up (10 s at most),
 * without asserting which. inspect may be NULL. */
void pc_pair_negotiate(struct pc_peer *p, const char *offer_media, const char *answer_media,
		       pc_pair_inspect_cb inspect, void *arg);

/* pc_pair_negotiate with an audio m-line (mid "0", Opus 111, the client's SSRC 1111, the mid
 * extension as id 1) and a data channel (mid "1"), checking the roles both sides state in their
 * SDP. tamper_fp, if not NULL, overwrites the start of the server's fingerprint in the answer. */
void pc_pair_connect(struct pc_peer *p, const char *tamper_fp);

/* One video m-line (mid "v", VP8 96, NACK and PLI, the mid extension as id 1, the client's SSRC
 * 2222). */
extern const char pc_pair_video_offer[];
extern const char pc_pair_video_answer[];

#endif
