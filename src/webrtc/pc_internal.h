/* pc_internal.h -- the inside of struct lumen_pc, shared by pc.c (set-up, SDP, DTLS, lifecycle),
 * pc_media.c (RTP/RTCP in and out) and pc_data.c (data channels). Not for use outside the pc.
 *
 * Transmit state and its lock. The pc lives on its context's thread (the control thread), but
 * lumen_pc_send_rtp may run on a media transmit worker (txworker.h) at the same time. Everything
 * that path reads or writes is "transmit state" and is touched only with tx_lock held, on any
 * thread: srtp_out, out[]/n_out with their retransmission caches and the pool of full copies
 * behind them (pool),
 * tracks[]/n_tracks and send_ext_id (read by the send, rewritten on renegotiation), up, closed,
 * and the transmit counters of stats (rtp_out, rtcp_out, bytes_out, retransmitted). The owner
 * thread takes it for its own sends (RTCP: RR, NACK, PLI, REMB, transport-cc), for NACK answers
 * from the cache, cache expiry, renegotiation, keying, hangup, free and stats reads; so the lock
 * is uncontended except while a worker sends to this very pc (a futex-free lock/unlock pair,
 * ~20 ns, per send). The owner thread may read transmit state without the lock where it is the
 * only writer (tracks, up, closed). Never call a pc callback with tx_lock held (callbacks may
 * send). The pc's memory and ICE agent live until lumen_pc_free and every lumen_pc_hold are
 * matched (refs); after lumen_pc_free only tx_lock and closed (true) may be touched, and the ICE
 * agent's callbacks find closed set. */
#ifndef LUMEN_PC_INTERNAL_H
#define LUMEN_PC_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "webrtc/pc.h"
#include "webrtc/rtp_stats.h"
#include "webrtc/sdp.h"
#include "webrtc/srtp.h"

struct lumen_rtp;
struct lumen_nack;
struct lumen_pktcache;
struct lumen_pktbuf;
struct lumen_pktbuf_pool;

struct lumen_dtls;
struct lumen_sctp;

#define PC_MAX_TRACKS 32
#define PC_MAX_SSRCS 64
#define PC_MAX_CHANNELS 64
#define PC_MTU 1500
#define PC_EARLY_DTLS_MAX 8 /* datagrams kept from before the roles are known */

/* One m-line of the negotiated session. */
struct pc_track {
	char mid[33];
	uint8_t mid_len;     /* strlen(mid): compared on every relayed packet */
	enum lumen_pc_kind kind;
	bool rejected;
	bool receiving;      /* media seen in the last second */
	int64_t last_rx_us;
	uint32_t first_remote_ssrc; /* for PLI/REMB: the first SSRC seen or signalled on it */
	uint8_t pts[LUMEN_SDP_MAX_CODECS]; /* payload types of the remote m-line */
	uint8_t codecs[LUMEN_SDP_MAX_CODECS]; /* enum lumen_codec of each of pts */
	uint8_t rtx_pts[LUMEN_SDP_MAX_CODECS];
	uint8_t rtx_apt[LUMEN_SDP_MAX_CODECS]; /* the media payload type each RTX pt repairs */
	unsigned n_pts, n_rtx_pts;
	uint32_t clock;        /* clock rate of the m-line's first codec */
	bool nack;             /* the peer accepts our NACKs for this m-line (rtcp-fb nack) */
};

/* Remote SSRC -> track (and simulcast layer), with its receive statistics and NACK state. */
struct pc_ssrc {
	uint32_t ssrc;
	int track;
	bool rtx;
	uint32_t repairs;            /* RTX: the media SSRC it carries retransmissions for (0 = ?) */
	char rid[17];
	bool stats_on;
	struct lumen_rtp_stats stats;
	struct lumen_nack *nack;     /* missing packets to ask for (video with nack), or NULL */
};

/* An SSRC we send, with its retransmission cache (video only). */
struct pc_out {
	uint32_t ssrc;
	int track;
	struct lumen_pktcache *cache;
	uint32_t packets, octets;    /* for sender reports */
	uint32_t last_ts;
};
#define PC_MAX_OUT 32

/* Transport-wide congestion control feedback we send (draft-holmer-rmcat-transport-wide-cc-
 * extensions-01): arrival times of the packets not yet reported, by transport sequence number.
 * A power of two; a window this long is sent at once, and a feedback of it (at most 2 bytes of
 * delta and 2/7 of a chunk per packet) stays far below the MTU. */
#define PC_TCC_RING 512
#define PC_TCC_MISSING INT64_MIN
struct pc_tcc {
	bool on;           /* negotiated (refreshed every tick) */
	int64_t checked_us; /* when a packet last made us look, while not on */
	bool started;
	int64_t base;      /* unwrapped seq of the first packet not yet reported */
	int64_t end;       /* one past the highest unwrapped seq recorded */
	int64_t last;      /* unwrapped seq of the latest packet: the reference for unwrapping */
	uint32_t media_ssrc; /* of the first packet recorded */
	uint8_t fb_count;  /* feedback packet count of the next feedback */
	/* PC_TCC_RING entries by seq % PC_TCC_RING, from created_us, or MISSING; allocated when
	 * started (most pcs never receive media), freed by pc_rtcp_free */
	int64_t *arrival_us;
};

struct pc_channel {
	uint16_t id;
	bool open;
	char label[129];
};

struct lumen_pc {
	GMainContext *ctx;
	/* see the top of this file; pthread rather than GMutex, whose futex ThreadSanitizer
	 * cannot see */
	pthread_mutex_t tx_lock;
	atomic_uint refs; /* 1 for the owner (until lumen_pc_free) + holds */
	struct lumen_pc_callbacks cb;
	uint32_t timeout_ms, nack_cache_ms;
	bool gcm_only;
	const struct lumen_cert *cert;
	struct lumen_dtls_ctx *dtls_ctx;

	struct lumen_ice *ice;
	struct lumen_dtls *dtls;
	struct lumen_srtp *srtp_in, *srtp_out;
	struct lumen_sctp *sctp;

	struct lumen_sdp *remote, *local;
	char *remote_ufrag;
	bool have_roles, dtls_client, dtls_started;
	bool dtls_active_answer; /* config: answer actpass with active */
	/* The peer's DTLS datagrams (GBytes) that came before our roles were known (before its
	 * answer to our offer), oldest first, at most PC_EARLY_DTLS_MAX (the oldest go first).
	 * Fed to the DTLS server, in order, once it starts; NULL: none. All of them, not only the
	 * latest: a hello may take two datagrams (Chromium's), and the second alone would wait
	 * for the peer's retransmission. Once the roles are known, the server's engine takes the
	 * peer's datagrams before the start itself (lumen_dtls_answer_early). */
	GPtrArray *early_dtls;
	bool ice_lite; /* our agent's mode, as our descriptions announce it */
	bool remote_has_data;
	int remote_sctp_port;
	long remote_max_message;
	uint64_t sess_id, sess_version;

	/* Header extension ids of the remote description (BUNDLE: one id space). 0 = absent. */
	uint8_t ext_mid, ext_rid, ext_rrid, ext_audio_level, ext_abs_send_time, ext_tcc;
	/* The same by id (enum lumen_sdp_ext of each one-byte id 1..14), for relaying: what a
	 * packet received here carries. And what we may send: the id of each extension kind that
	 * both descriptions have (0 = not negotiated). */
	uint8_t ext_kind_of_id[16];
	uint8_t send_ext_id[16];

	/* The tables below grow on demand (pc_table_grow) up to their PC_MAX_*: a subscriber uses
	 * a few entries of each, and fixed arrays made every pc about 34 KiB. An entry is allocated
	 * when its track, SSRC, channel or out stream first appears, never per packet. Growth may
	 * move a table: a pointer into one is valid only until the next addition to that table
	 * (ssrcs: also until a full table recycles its oldest entry), so none is kept beyond the
	 * function that looked it up. The memory goes with the pc's (pc_memory_free). */
	struct pc_track *tracks;
	unsigned n_tracks, cap_tracks;
	struct pc_ssrc *ssrcs;
	unsigned n_ssrcs, cap_ssrcs;
	struct pc_channel *channels;
	unsigned n_channels, cap_channels;

	uint32_t rtcp_ssrc; /* our SSRC as RTCP sender (RR, NACK, PLI, REMB) */
	struct pc_out *out;
	unsigned n_out, cap_out;
	/* Full copies of sent video packets for retransmission, for those that came without a
	 * received packet's buffer to reference (a plugin's own or modified packets): transmit
	 * state, created on first need, small chunks. */
	struct lumen_pktbuf_pool *pool;
	/* Received video packets, copied once after decryption (pc_media_rtp_in) so that the caches
	 * of the pcs they are relayed to can reference them (struct lumen_pc_rtp.buf). Owner thread
	 * only (its gets); buffers come back from any thread; freed by pc_rtcp_free, living on until
	 * the last cache lets its buffers go (pktbuf.h). Created on the first video packet. */
	struct lumen_pktbuf_pool *rx_pool;
	int64_t last_rr_us;
	uint32_t nacked_in_window, nacked_by_peer_in_window; /* packets, this second */
	uint32_t remb_bps;
	int64_t remb_sent_us; /* last REMB refresh (monotonic us) */
	struct pc_tcc tcc;

	GSource *dtls_timer, *sctp_timer;
	struct lumen_ticker_entry *tick; /* housekeeping every TICK_MS (ticker.h) */
	int64_t last_rx_us, created_us;
	bool up, closed;
	bool data_up; /* SCTP association established */
	unsigned warned; /* enum lumen_pc_warning bits already reported */
	struct lumen_pc_stats stats;
};

/* An offered m-line: a non-zero port, or port 0 with a=bundle-only inside BUNDLE (RFC 8843). */
static inline bool pc_media_accepted(const struct lumen_sdp_media *m)
{
	return m->port != 0 || m->bundle_only;
}

/* pc.c */
/* Returns tab (n_used elements of size bytes, *cap allocated) grown so that it holds at least
 * need <= max elements, possibly moved; *cap is updated. Capacity doubles from 4, up to max.
 * The new elements are not initialised. Aborts on out of memory (GLib). */
void *pc_table_grow(void *tab, unsigned *cap, unsigned need, unsigned max, size_t size);
void pc_hangup(struct lumen_pc *pc, const char *reason);
/* Counts a dropped packet and reports its kind the first time. */
void pc_drop(struct lumen_pc *pc, enum lumen_pc_warning kind);
ssize_t pc_send_raw(struct lumen_pc *pc, const uint8_t *buf, size_t len);

/* pc_media.c */
/* Recomputes send_ext_id from the local and remote descriptions (either may be NULL). */
void pc_media_update_send_ext(struct lumen_pc *pc, const struct lumen_sdp *local,
			      const struct lumen_sdp *remote);
/* An SRTP datagram. now_us: the time it is handled (timers, NACK, statistics); arrival_us:
 * when it reached the host (ice.h's on_recv), what the owner's on_rtp and the transport-wide
 * feedback report. */
void pc_media_rtp_in(struct lumen_pc *pc, uint8_t *buf, size_t len, int64_t now_us,
		     int64_t arrival_us);
void pc_media_rtcp_in(struct lumen_pc *pc, uint8_t *buf, size_t len, int64_t now_us);
void pc_media_tick(struct lumen_pc *pc, int64_t now_us);
int pc_media_learn_remote(struct lumen_pc *pc, const struct lumen_sdp *sdp, char **err);
int pc_media_send_rtcp_plain(struct lumen_pc *pc, const uint8_t *rtcp, size_t len);

/* pc_rtcp.c: receive statistics, NACK generation, RTX recovery, receiver reports, and
 * retransmissions from the cache of what we sent. */
void pc_rtcp_on_rtp_in(struct lumen_pc *pc, struct pc_ssrc *s, const struct lumen_rtp *rtp,
		       size_t len, int64_t now_us);
/* Turns the RTX packet in buf back into the original (in place). Returns the new length, or a
 * negative errno when it cannot be recovered (then drop it). */
ssize_t pc_rtcp_recover_rtx(struct lumen_pc *pc, const struct pc_ssrc *s, uint8_t *buf,
			    const struct lumen_rtp *rtp, int64_t now_us);
/* Records a packet sent (hdr: its header fields, hdr->buf[0..hdr->len) its bytes as they leave,
 * before encryption; the sender fills hdr from what it built rather than parsing it again) for
 * sender reports and, on video, the retransmission cache. src, when not NULL, is a trusted
 * received packet's buffer whose src_payload holds exactly the packet's payload and padding
 * (the bytes after its header): the cache then keeps the header and a reference on src.
 * Used: hdr's buf, len, ssrc, seq, ts, payload_off, payload_len. Transmit lock held. */
void pc_rtcp_on_sent(struct lumen_pc *pc, int track, const struct lumen_rtp *hdr,
		     struct lumen_pktbuf *src, const uint8_t *src_payload, int64_t now_us);
void pc_rtcp_on_rtcp_in(struct lumen_pc *pc, const uint8_t *buf, size_t len, int64_t now_us);
void pc_rtcp_tick(struct lumen_pc *pc, int64_t now_us);
/* Records the transport-wide sequence number of a packet that arrived (any RTP: media, RTX,
 * padding), when the peer negotiated the extension. Reported by pc_rtcp_tick(). */
void pc_rtcp_tcc_record(struct lumen_pc *pc, const struct lumen_rtp *rtp, int64_t now_us);
void pc_rtcp_forget_ssrc(struct pc_ssrc *s);
void pc_rtcp_free(struct lumen_pc *pc);

/* pc_data.c */
int pc_data_start(struct lumen_pc *pc, int64_t now_us);
void pc_data_input(struct lumen_pc *pc, const uint8_t *buf, size_t len);
void pc_data_free(struct lumen_pc *pc);

#endif
