/* pc.h -- one WebRTC peer connection, server side: ICE (lite by default) on a libnice agent, one
 * DTLS association over it (BUNDLE + rtcp-mux), SRTP/SRTCP keyed from DTLS, an SCTP association
 * for data channels, and the SDP that describes it.
 *
 * What it does with media: decrypts what arrives, maps each RTP packet to its m-line (mid header
 * extension, a=ssrc lines or simulcast rid) and hands it to the owner; encrypts and sends what the
 * owner relays, keeping a retransmission cache per outgoing SSRC to answer NACKs itself; sends
 * receiver reports and NACKs for what it receives; reports media starting and stopping; hangs up
 * when the peer goes silent (no packet for the configured timeout), when ICE fails, or when DTLS
 * fails (for example a certificate that does not match the fingerprint in the SDP).
 *
 * What it does not do: choose codecs or tracks (the owner's media-only SDP does), route between
 * peers (plugins do), or know about sessions, handles or JSON.
 *
 * Threads: a pc lives on the GMainContext given at creation; every function must be called there,
 * and every callback runs there, with two exceptions callable from any thread:
 * lumen_pc_send_rtp (a media transmit worker sends a subscriber's RTP, txworker.h) and
 * lumen_pc_hold. The transmit state that send touches (outbound SRTP, the out streams with
 * their sender-report counters and NACK retransmission cache, the transmit counters) is guarded by
 * a per-pc transmit lock that the owner's thread takes too (pc_internal.h has the rule); nothing
 * else is shared. Ownership: the owner creates and frees it; callbacks never free it (use
 * lumen_pc_close, which reports on_hangup, then free it later). */
#ifndef LUMEN_PC_H
#define LUMEN_PC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "webrtc/ice.h"

struct lumen_pc;
struct lumen_pktbuf;
struct lumen_cert;
struct lumen_dtls_ctx;

enum lumen_pc_kind { LUMEN_PC_AUDIO = 0, LUMEN_PC_VIDEO, LUMEN_PC_DATA };

struct lumen_pc_config {
	struct lumen_ice_config ice;
	const struct lumen_cert *cert;     /* DTLS identity (its fingerprint goes in the SDP) */
	struct lumen_dtls_ctx *dtls_ctx;   /* OpenSSL context built from cert, shared by every pc;
					    * both must outlive the pc */
	uint32_t timeout_ms;           /* silence before hangup; 0 = 30000 */
	uint32_t nack_cache_ms;        /* retransmission cache depth; 0 = 1000 */
	bool gcm_only_for_tests;       /* refuse AES_CM (tests of the fallback use the opposite) */
	/* Answering an offer's a=setup:actpass: take the DTLS client role (a=setup:active), as
	 * browsers do, instead of lumen's default, the server (passive: the SRTP profile is ours to
	 * pick, DESIGN.md decision 4). For clients of lumen that act like a browser (lumen-bench). */
	bool dtls_active_answer;
};

/* An RTP packet delivered to the owner: decrypted, in a buffer valid during the callback only
 * (relay it with lumen_pc_send_rtp from inside the callback: that copies it). For video, data
 * is normally in buf, a pooled buffer of this pc's (pktbuf.h) that the pc holds a reference on
 * during the callback: relaying with lumen_pc_send_rtp_buf(..., buf, data, ...) lets each
 * receiving pc's retransmission cache take a reference on it instead of copying the payload.
 * Its bytes are shared from then on and must not be written. buf is NULL for audio, or when the
 * pc's receive pool is exhausted. */
struct lumen_pc_rtp {
	uint8_t *data;
	size_t len;
	uint32_t ssrc;
	uint32_t timestamp;
	uint16_t seq;
	uint8_t pt;
	bool marker;
	enum lumen_pc_kind kind;
	const char *mid;
	const char *rid;     /* NULL unless simulcast */
	int audio_level;     /* -dBov 0..127 from the ssrc-audio-level extension, or -1 */
	bool keyframe;       /* VP8/H.264/VP9/AV1 keyframe start, where cheaply visible */
	int64_t arrival_us;  /* when its datagram reached the host (ice.h's on_recv: the kernel's
			      * receive time where there is one), g_get_monotonic_time's clock */
	struct lumen_pktbuf *buf; /* holds data[0..len), or NULL; see above (transfer none) */
};

/* Header rewrite applied while copying a relayed packet (fields used when their flag is set).
 * src_ext (lumen_pc_ext_kinds of the pc the packet came from, NULL = send extensions as they
 * are) makes the copy carry only the header extensions this pc negotiated, under this pc's ids:
 * mid is rewritten to the m-line sent on, abs-send-time restamped with our send time, rid,
 * repaired-rid and transport-cc (the sender's, meaningless here) dropped, the rest kept. */
struct lumen_pc_rewrite {
	uint32_t ssrc;
	uint32_t timestamp;
	uint16_t seq;
	uint8_t pt;
	bool set_ssrc, set_timestamp, set_seq, set_pt;
	const uint8_t *src_ext;
};

/* The header extension kind (enum lumen_sdp_ext) of each one-byte id 0..15 of what this pc
 * receives: valid while the pc lives; pass it as lumen_pc_rewrite.src_ext when relaying. */
const uint8_t *lumen_pc_ext_kinds(const struct lumen_pc *pc);

/* Kinds of bad input a pc drops. Each is reported once per pc through on_warning (counted in
 * lumen_pc_stats.dropped_in always), so a flood cannot flood the log. */
enum lumen_pc_warning {
	LUMEN_PC_WARN_GARBAGE = 1 << 0,      /* not STUN/DTLS/RTP/RTCP (RFC 7983) */
	LUMEN_PC_WARN_SRTP_AUTH = 1 << 1,    /* SRTP/SRTCP authentication failed */
	LUMEN_PC_WARN_SRTP_REPLAY = 1 << 2,  /* replayed or too old SRTP/SRTCP */
	LUMEN_PC_WARN_BAD_RTP = 1 << 3,      /* decrypted, but not well-formed RTP */
	LUMEN_PC_WARN_BAD_RTCP = 1 << 4,     /* decrypted, but not well-formed compound RTCP */
	LUMEN_PC_WARN_UNKNOWN_STREAM = 1 << 5, /* RTP that maps to no m-line */
	LUMEN_PC_WARN_EARLY_MEDIA = 1 << 6,  /* SRTP before DTLS finished */
};

/* A short description of a warning kind ("SRTP authentication failed"). */
const char *lumen_pc_warning_text(enum lumen_pc_warning w);

struct lumen_pc_callbacks {
	/* A local ICE candidate to trickle ("candidate:..."), or NULL once gathering is done. */
	void (*on_candidate)(void *user, const char *candidate);
	/* ICE and DTLS are up, SRTP is keyed: the Janus "webrtcup". */
	void (*on_up)(void *user);
	/* The pc is dead; reason in words ("ICE failed", "DTLS alert", "peer silent for 30 s",
	 * "closed: ..."). Called once. */
	void (*on_hangup)(void *user, const char *reason);
	void (*on_rtp)(void *user, const struct lumen_pc_rtp *pkt);
	/* A decrypted compound RTCP packet from the peer (after the pc used what it needs). */
	void (*on_rtcp)(void *user, const uint8_t *buf, size_t len);
	/* Media on mid started (receiving = true) or stopped for a second (false). */
	void (*on_media)(void *user, const char *mid, enum lumen_pc_kind kind, bool receiving);
	/* A data channel message. */
	void (*on_data)(void *user, const char *label, uint16_t stream, bool binary,
			const uint8_t *data, size_t len);
	/* Bad input was dropped (first time for this kind on this pc). May be NULL. */
	void (*on_warning)(void *user, enum lumen_pc_warning kind);
	/* The peer asks for a keyframe of what we send on mid (PLI or FIR). May be NULL. */
	void (*on_keyframe_request)(void *user, const char *mid);
	/* Heavy loss in the last second (Janus "slowlink"): uplink = true when what we receive
	 * from the peer is lossy (we had to ask for `lost` packets), false when the peer lost
	 * `lost` packets of what we send (it NACKed them). At most once a second per direction.
	 * May be NULL. */
	void (*on_slowlink)(void *user, bool uplink, uint32_t lost);
	/* The peer's receive bandwidth estimate for what we send (REMB), bits/s. May be NULL. */
	void (*on_bandwidth)(void *user, uint64_t bps);
	void *user;
};

struct lumen_pc_stats {
	uint64_t rtp_in, rtp_out, rtcp_in, rtcp_out, bytes_in, bytes_out;
	uint64_t nacks_sent, nacks_received, retransmitted, dropped_in, data_in, data_out;
	uint64_t rtx_recovered, rr_sent, lost_in; /* lost_in: RFC 3550 cumulative, all streams */
	uint64_t rtx_duplicates; /* retransmissions of packets that had arrived (probing): dropped */
	uint64_t tcc_sent;                      /* transport-wide feedback packets */
	/* DTLS hellos that came before our agent selected its pair, kept and answered then */
	uint64_t dtls_early;
	uint32_t jitter_ms;                     /* largest interarrival jitter of our inputs */
	int64_t rtt_ms;                         /* from the peer's reports, -1 if none yet */
	char srtp_profile[32];
	char ice_state[16];
	char *selected_pair; /* malloc'd (g_free) or NULL */
};

/* Creates a pc on ctx (NULL = the thread-default context): starts gathering at once. Returns
 * NULL with *err (g_malloc'd) when ICE cannot start (no address, no port in range). */
struct lumen_pc *lumen_pc_new(GMainContext *ctx, const struct lumen_pc_config *cfg,
			      const struct lumen_pc_callbacks *cb, char **err);

/* Applies the peer's description (an offer, or the answer to our offer). Checks that it is
 * usable (BUNDLE, rtcp-mux, ICE credentials, a sha-256 fingerprint, a DTLS role we can take).
 * Returns 0, or -EINVAL with *err saying what is wrong (it goes to the client as error 465). */
int lumen_pc_set_remote(struct lumen_pc *pc, const char *sdp, bool offer, char **err);

/* Completes a media-only description written by a plugin (an answer to the remote offer, or an
 * offer of ours) with ICE credentials, candidates gathered so far, ice-lite (when our agent is
 * lite), the DTLS fingerprint and role, and the o= line, and makes it the local description. Returns the SDP text
 * (g_free) or NULL with *err. */
char *lumen_pc_complete_local(struct lumen_pc *pc, const char *sdp, bool offer, char **err);

/* Trickled remote candidates ("candidate:..."), and their end. Returns 0, -EINVAL (malformed),
 * or -ENOTSUP (ignored: mDNS or TCP, harmless with ICE lite). */
int lumen_pc_add_remote_candidate(struct lumen_pc *pc, const char *candidate);
void lumen_pc_remote_candidates_done(struct lumen_pc *pc);

/* Sends an RTP packet on m-line mid (copied, rewritten, encrypted). Any thread (takes the pc's
 * transmit lock; see above), as long as the pc is held or known alive. Returns 0, -EAGAIN (not
 * up yet, or closed), -ENOENT (no such mid), -EINVAL (not RTP), or -EIO. */
int lumen_pc_send_rtp(struct lumen_pc *pc, const char *mid, const uint8_t *rtp, size_t len,
		      const struct lumen_pc_rewrite *rw);
/* The same, for a packet whose bytes may be in src, a received packet's buffer (struct
 * lumen_pc_rtp.buf, or NULL). src is trusted only if rtp[0..len) lies inside its storage
 * (lumen_pktcache_buf_holds: a modified copy passed with the original's buffer is not); then the
 * retransmission cache of a video stream keeps a reference on src (transfer none: it takes its
 * own) and this pc's header, instead of a full copy. Any thread, like lumen_pc_send_rtp. */
int lumen_pc_send_rtp_buf(struct lumen_pc *pc, const char *mid, struct lumen_pktbuf *src,
			  const uint8_t *rtp, size_t len, const struct lumen_pc_rewrite *rw);
/* Sends a compound RTCP packet (copied, encrypted). */
int lumen_pc_send_rtcp(struct lumen_pc *pc, const uint8_t *rtcp, size_t len);
/* The mid of the first accepted m-line of the remote description (the BUNDLE transport that
 * trickled candidates belong to), or "0" before there is one. */
const char *lumen_pc_bundle_mid(const struct lumen_pc *pc);
/* True once the SCTP association for data channels is established. */
bool lumen_pc_data_ready(const struct lumen_pc *pc);
/* Sends a data channel message on label (the first channel with that label; opened on demand
 * by us if none). Returns 0, -EAGAIN before lumen_pc_data_ready(), or the SCTP engine's error. */
int lumen_pc_send_data(struct lumen_pc *pc, const char *label, bool binary, const uint8_t *data,
		       size_t len);
/* Opens a data channel with label (and protocol, may be NULL): ordered or not, and reliable
 * (max_retransmits < 0) or partially reliable. Returns the stream id, -EAGAIN before
 * lumen_pc_data_ready(), -EEXIST if a channel with that label exists, or the SCTP error. */
int lumen_pc_open_data(struct lumen_pc *pc, const char *label, const char *protocol, bool ordered,
		       int max_retransmits);
/* Asks the peer's sender on mid for a keyframe (PLI). */
int lumen_pc_request_keyframe(struct lumen_pc *pc, const char *mid);
/* Caps what the peer sends us, through REMB (0 = no cap). */
int lumen_pc_set_bitrate_cap(struct lumen_pc *pc, uint32_t bps);

/* Sends buf as one raw datagram on the selected pair, unencrypted and unchecked. For tests and
 * load tools that play a misbehaving peer; the daemon never calls it. Returns len, -EAGAIN
 * before ICE connected, or -EIO. */
ssize_t lumen_pc_send_datagram(struct lumen_pc *pc, const uint8_t *buf, size_t len);
/* Encrypts and sends buf as SRTCP without checking that it is well-formed RTCP (only that it
 * has an RTCP header's 8 bytes). Same purpose as lumen_pc_send_datagram. Returns 0, -EAGAIN
 * before the pc is up, -EINVAL if shorter than 8 bytes or longer than the MTU, or -EIO. */
int lumen_pc_send_rtcp_unchecked(struct lumen_pc *pc, const uint8_t *buf, size_t len);

/* Closes the pc: on_hangup(reason) is called (now), nothing else after. */
void lumen_pc_close(struct lumen_pc *pc, const char *reason);
bool lumen_pc_is_up(const struct lumen_pc *pc);
void lumen_pc_get_stats(const struct lumen_pc *pc, struct lumen_pc_stats *out);

/* Closes and tears the pc down (timers, engines, descriptions): NULL ok; no callback during or
 * after. While holds remain, its memory and its ICE agent (the sockets) live on, so that a
 * lumen_pc_send_rtp racing on a worker finds the pc closed (-EAGAIN) instead of freed memory,
 * and a datagram still in a worker's send batch does not leave on a reused fd. */
void lumen_pc_free(struct lumen_pc *pc);
/* lumen_pc_hold (any thread) keeps pc's memory and ICE agent until the matching release; the
 * last of lumen_pc_free and the releases frees them, so releases happen on the pc's thread. */
void lumen_pc_hold(struct lumen_pc *pc);
void lumen_pc_release(struct lumen_pc *pc);

#endif
