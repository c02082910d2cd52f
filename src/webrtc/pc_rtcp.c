/* pc_rtcp.c -- the RTP feedback loop of a peer connection.
 *
 * Receiving: per remote SSRC, RFC 3550 statistics (loss, jitter) and, for video m-lines where
 * the peer accepts NACK, a missing-packet tracker whose requests go out as generic NACKs (as soon
 * as a later packet shows the hole, then again about once per measured round trip); RTX
 * packets (RFC 4588) are turned back into the packets they repair; a receiver report every
 * second; and, when the peer negotiated transport-wide congestion control (the extension and
 * rtcp-fb transport-cc), transport-cc feedback on every packet received, every tick. Sending:
 * the video packets we send sit in a per-SSRC cache (at least the configured depth, 1 s by
 * default) so the peer's NACKs are answered by the pc itself. A relayed packet is cached as our
 * header plus a reference on the buffer the source pc received it into (shared by every pc it
 * was relayed to); any other packet as a full copy in a buffer of our own pool. The peer's PLI,
 * FIR and REMB are handed to the owner.
 *
 * Runs on the pc's context, except pc_rtcp_on_sent, which runs inside lumen_pc_send_rtp on any
 * thread with the transmit lock held; the owner takes that lock for what it shares with it (out
 * streams, caches, outbound SRTP: pc_internal.h). Allocation happens per new stream (tracker,
 * cache) and, for full copies, from a pool that recycles buffers: nothing per packet in steady
 * state. */
#include <errno.h>
#include <string.h>

#include "webrtc/nack.h"
#include "webrtc/pc_internal.h"
#include "webrtc/pktbuf.h"
#include "webrtc/pktcache.h"
#include "webrtc/rtcp.h"
#include "webrtc/rtp.h"

#define RR_INTERVAL_US 1000000
#define MAX_NACKS_PER_TICK 64
/* The shortest NACK interval, however short the round trip: about a video frame's spacing. */
#define NACK_MIN_INTERVAL_US 10000
/* Packets missing in one second above which a direction is reported as a slow link. */
#define SLOWLINK_LOST 8
/* Transport-cc feedback goes out every tick (100 ms), or sooner once this many packets wait:
 * the sender's estimate wants fresh feedback, and a bounded window keeps deltas and size small. */
#define TCC_FLUSH_AT 256

static struct pc_ssrc *find_remote(struct lumen_pc *pc, uint32_t ssrc)
{
	for (unsigned i = 0; i < pc->n_ssrcs; i++)
		if (pc->ssrcs[i].ssrc == ssrc)
			return &pc->ssrcs[i];
	return NULL;
}

static struct pc_out *find_out(struct lumen_pc *pc, uint32_t ssrc)
{
	for (unsigned i = 0; i < pc->n_out; i++)
		if (pc->out[i].ssrc == ssrc)
			return &pc->out[i];
	return NULL;
}

static void send_nack(struct lumen_pc *pc, struct pc_ssrc *s, int64_t now_us);

void pc_rtcp_on_rtp_in(struct lumen_pc *pc, struct pc_ssrc *s, const struct lumen_rtp *rtp,
		       size_t len, int64_t now_us)
{
	const struct pc_track *t = &pc->tracks[s->track];

	if (!s->stats_on) {
		lumen_rtp_stats_init(&s->stats, t->clock ? t->clock : 90000, 1);
		s->stats_on = true;
		if (t->kind == LUMEN_PC_VIDEO && t->nack) {
			struct lumen_nack_cfg cfg = { .interval_us = 100000,
						      .min_interval_us = NACK_MIN_INTERVAL_US };
			s->nack = lumen_nack_new(&cfg);
		}
	}
	lumen_rtp_stats_update(&s->stats, rtp->seq, rtp->ts, len, (uint64_t)now_us);
	if (!s->nack)
		return;
	lumen_nack_input(s->nack, rtp->seq, (uint64_t)now_us);
	/* A hole is asked for as soon as the packet after it shows it, and asked again when its
	 * interval (about a round trip) has passed, checked at each packet: waiting for the 100 ms
	 * tick added 0-100 ms to every repair, and a frame 150 ms late is a freeze to the viewer.
	 * With nothing missing this is one comparison. */
	if (pc->up && !pc->closed)
		send_nack(pc, s, now_us);
}

ssize_t pc_rtcp_recover_rtx(struct lumen_pc *pc, const struct pc_ssrc *s, uint8_t *buf,
			    const struct lumen_rtp *rtp, int64_t now_us)
{
	const struct pc_track *t = &pc->tracks[s->track];
	uint32_t media = s->repairs;
	ssize_t n;

	/* Without an FID group the repaired stream is the one other SSRC of the m-line (and rid). */
	for (unsigned i = 0; !media && i < pc->n_ssrcs; i++) {
		const struct pc_ssrc *o = &pc->ssrcs[i];
		if (o->track == s->track && !o->rtx && strcmp(o->rid, s->rid) == 0)
			media = o->ssrc;
	}
	if (!media)
		return -ENOENT;
	for (unsigned i = 0; i < t->n_rtx_pts; i++) {
		if (t->rtx_pts[i] != rtp->pt)
			continue;
		n = lumen_rtx_decap(buf, rtp, t->rtx_apt[i], media);
		return n;
	}
	(void)now_us;
	return -ENOENT;
}

static struct pc_out *out_stream(struct lumen_pc *pc, int track, uint32_t ssrc)
{
	struct pc_out *o = find_out(pc, ssrc);

	if (o)
		return o;
	if (pc->n_out == PC_MAX_OUT)
		return NULL;
	/* A new stream: the one allocation the send path may make (find_out's callers keep no
	 * pointer across this). */
	pc->out = pc_table_grow(pc->out, &pc->cap_out, pc->n_out + 1, PC_MAX_OUT, sizeof(*pc->out));
	o = &pc->out[pc->n_out++];
	memset(o, 0, sizeof(*o));
	o->ssrc = ssrc;
	o->track = track;
	if (track >= 0 && pc->tracks[track].kind == LUMEN_PC_VIDEO) {
		struct lumen_pktcache_cfg cfg = { .hold_us = (uint64_t)pc->nack_cache_ms * 1000 };
		o->cache = lumen_pktcache_new(&cfg);
	}
	return o;
}

/* A full copy of rtp in a buffer of our own: for packets that bring no buffer to reference. The
 * pool is made on first need with small chunks, so a pc that only relays costs nothing here. */
static void cache_copy(struct lumen_pc *pc, struct pc_out *o, uint16_t seq, const uint8_t *rtp,
		       size_t len, int64_t now_us)
{
	struct lumen_pktbuf *b;

	if (len > LUMEN_PKTBUF_SIZE)
		return;
	if (!pc->pool)
		pc->pool = lumen_pktbuf_pool_new(16, 8192);
	if (!pc->pool || !(b = lumen_pktbuf_get(pc->pool)))
		return; /* pool exhausted: this packet just cannot be retransmitted */
	memcpy(b->data, rtp, len);
	b->len = len;
	/* The cache takes a reference of its own (transfer none): drop ours. */
	lumen_pktcache_put(o->cache, seq, b, (uint64_t)now_us);
	lumen_pktbuf_unref(b);
}

void pc_rtcp_on_sent(struct lumen_pc *pc, int track, const struct lumen_rtp *hdr,
		     struct lumen_pktbuf *src, const uint8_t *src_payload, int64_t now_us)
{
	struct pc_out *o = out_stream(pc, track, hdr->ssrc);

	if (!o)
		return;
	o->packets++;
	o->octets += (uint32_t)hdr->payload_len;
	o->last_ts = hdr->ts;
	if (!o->cache)
		return;
	/* Our header, then src's bytes: they are this packet's payload and padding. */
	if (src && hdr->payload_off <= LUMEN_PKTCACHE_HDR_MAX &&
	    lumen_pktcache_put_ref(o->cache, hdr->seq, src, src_payload, hdr->len - hdr->payload_off,
				   hdr->buf, hdr->payload_off, (uint64_t)now_us) == 0)
		return;
	cache_copy(pc, o, hdr->seq, hdr->buf, hdr->len, now_us);
}

/* The peer lost some of what we sent: resend them from the cache, as they were. */
static void answer_nack(struct lumen_pc *pc, const struct lumen_rtcp_fb *fb, int64_t now_us)
{
	uint16_t seqs[256];
	ssize_t n = lumen_rtcp_nack_seqs(fb, seqs, G_N_ELEMENTS(seqs));
	struct pc_out *o;

	pc->stats.nacks_received++;
	if (n > 0)
		pc->nacked_by_peer_in_window += (uint32_t)n;
	if (n <= 0)
		return;
	if (n > (ssize_t)G_N_ELEMENTS(seqs))
		n = G_N_ELEMENTS(seqs);
	/* The cache, the outbound SRTP context and the counters are transmit state. */
	pthread_mutex_lock(&pc->tx_lock);
	o = find_out(pc, fb->media_ssrc);
	for (ssize_t i = 0; o && o->cache && !pc->closed && pc->srtp_out && i < n; i++) {
		uint8_t buf[PC_MTU + LUMEN_SRTP_TRAILER_MAX];
		ssize_t k = lumen_pktcache_copy(o->cache, seqs[i], (uint64_t)now_us, buf, PC_MTU);
		size_t len;

		if (k < 0)
			continue;
		len = (size_t)k;
		if (lumen_srtp_protect_rtp(pc->srtp_out, buf, &len, sizeof(buf)) == 0 &&
		    pc_send_raw(pc, buf, len) >= 0)
			pc->stats.retransmitted++;
	}
	pthread_mutex_unlock(&pc->tx_lock);
}

/* Owner thread. tracks are only rewritten there, so the mid stays valid after the unlock. */
static const char *mid_of_out(struct lumen_pc *pc, uint32_t ssrc)
{
	const char *mid = NULL;
	struct pc_out *o;

	pthread_mutex_lock(&pc->tx_lock);
	o = find_out(pc, ssrc);
	if (o && o->track >= 0)
		mid = pc->tracks[o->track].mid;
	pthread_mutex_unlock(&pc->tx_lock);
	return mid;
}

static bool is_out(struct lumen_pc *pc, uint32_t ssrc)
{
	bool found;

	pthread_mutex_lock(&pc->tx_lock);
	found = find_out(pc, ssrc) != NULL;
	pthread_mutex_unlock(&pc->tx_lock);
	return found;
}

void pc_rtcp_on_rtcp_in(struct lumen_pc *pc, const uint8_t *buf, size_t len, int64_t now_us)
{
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr h;

	lumen_rtcp_iter_init(&it, buf, len);
	while (lumen_rtcp_next(&it, &h) == 1) {
		struct lumen_rtcp_report rep;
		struct lumen_rtcp_fb fb;
		struct lumen_rtcp_remb remb;
		const char *mid;

		if (h.pt == LUMEN_RTCP_SR && lumen_rtcp_parse_report(&h, &rep) == 0) {
			struct pc_ssrc *s = find_remote(pc, rep.ssrc);
			if (s && s->stats_on)
				lumen_rtp_stats_on_sr(&s->stats, rep.ntp, (uint64_t)now_us);
		}
		if ((h.pt == LUMEN_RTCP_SR || h.pt == LUMEN_RTCP_RR) &&
		    lumen_rtcp_parse_report(&h, &rep) == 0) {
			/* Report blocks about what we send carry the round-trip time. */
			for (unsigned i = 0; i < rep.n_rb; i++) {
				struct pc_ssrc *any = pc->n_ssrcs ? &pc->ssrcs[0] : NULL;
				if (any && any->stats_on && is_out(pc, rep.rb[i].ssrc)) {
					int64_t rtt = lumen_rtp_stats_on_rb(&any->stats, &rep.rb[i],
									    (uint64_t)now_us);
					if (rtt >= 0)
						pc->stats.rtt_ms = rtt / 1000;
				}
			}
		}
		if ((h.pt != LUMEN_RTCP_RTPFB && h.pt != LUMEN_RTCP_PSFB) ||
		    lumen_rtcp_parse_fb(&h, &fb) < 0)
			continue;
		if (h.pt == LUMEN_RTCP_RTPFB && fb.fmt == LUMEN_RTCP_FMT_NACK) {
			answer_nack(pc, &fb, now_us);
		} else if (h.pt == LUMEN_RTCP_PSFB && fb.fmt == LUMEN_RTCP_FMT_PLI) {
			if ((mid = mid_of_out(pc, fb.media_ssrc)) && pc->cb.on_keyframe_request)
				pc->cb.on_keyframe_request(pc->cb.user, mid);
		} else if (h.pt == LUMEN_RTCP_PSFB && fb.fmt == LUMEN_RTCP_FMT_FIR) {
			struct lumen_rtcp_fir_entry e;
			ssize_t n = lumen_rtcp_fir_count(&fb);
			for (ssize_t i = 0; i < n; i++) {
				lumen_rtcp_fir_entry(&fb, (size_t)i, &e);
				if ((mid = mid_of_out(pc, e.ssrc)) && pc->cb.on_keyframe_request)
					pc->cb.on_keyframe_request(pc->cb.user, mid);
			}
		} else if (h.pt == LUMEN_RTCP_PSFB && fb.fmt == LUMEN_RTCP_FMT_AFB &&
			   lumen_rtcp_parse_remb(&fb, &remb) == 0 && pc->cb.on_bandwidth) {
			pc->cb.on_bandwidth(pc->cb.user, remb.bitrate);
		}
	}
}

/* Requests what s is missing and due now, in one generic NACK. */
static void send_nack(struct lumen_pc *pc, struct pc_ssrc *s, int64_t now_us)
{
	uint16_t seqs[MAX_NACKS_PER_TICK];
	uint8_t buf[400];
	struct lumen_rtcp_writer w;
	size_t n;

	if (!s->nack || lumen_nack_next_due(s->nack) > (uint64_t)now_us)
		return;
	n = lumen_nack_poll(s->nack, (uint64_t)now_us, seqs, G_N_ELEMENTS(seqs));
	if (!n)
		return;
	lumen_rtcp_writer_init(&w, buf, sizeof(buf));
	if (lumen_rtcp_write_nack(&w, pc->rtcp_ssrc, s->ssrc, seqs, n) == 0 &&
	    pc_media_send_rtcp_plain(pc, buf, w.len) == 0) {
		pc->stats.nacks_sent++;
		pc->nacked_in_window += (uint32_t)n;
	}
}

/* The tick's pass: requests for streams that stopped sending (the packets' own pass, in
 * pc_rtcp_on_rtp_in, does the rest). */
static void send_nacks(struct lumen_pc *pc, int64_t now_us)
{
	for (unsigned i = 0; i < pc->n_ssrcs; i++)
		send_nack(pc, &pc->ssrcs[i], now_us);
}

/* ---- transport-wide congestion control feedback ---- */

/* Both descriptions (the local one when we have it) carry rtcp-fb transport-cc somewhere. */
static bool sdp_has_tcc_fb(const struct lumen_sdp *sdp)
{
	for (unsigned i = 0; sdp && i < sdp->n_media; i++) {
		const struct lumen_sdp_media *m = &sdp->media[i];
		for (unsigned c = 0; c < m->n_codecs; c++)
			if (lumen_sdp_codec_fb(m, &m->codecs[c]) & LUMEN_SDP_FB_TRANSPORT_CC)
				return true;
	}
	return false;
}

static bool tcc_negotiated(const struct lumen_pc *pc)
{
	return pc->ext_tcc && sdp_has_tcc_fb(pc->remote) && (!pc->local || sdp_has_tcc_fb(pc->local));
}

static void tcc_clear(struct pc_tcc *t)
{
	for (unsigned i = 0; i < PC_TCC_RING; i++)
		t->arrival_us[i] = PC_TCC_MISSING;
}

/* Reference time of a feedback: 24-bit signed multiples of 64 ms, wrapping. Arrival times go
 * into the writer shifted by whole wrap periods so that they stay consistent with it. */
static int32_t tcc_ref_time(int64_t first_us, int64_t *shift_us)
{
	int64_t full = first_us >= 0 ? first_us / 64000 : -((-first_us + 63999) / 64000);
	int32_t wire = (int32_t)(((uint32_t)full & 0xffffffu) ^ 0x800000u) - 0x800000;

	*shift_us = (full - wire) * 64000;
	return wire;
}

/* Reports [base, end) in one feedback, then forgets it. */
static void tcc_flush(struct lumen_pc *pc)
{
	struct pc_tcc *t = &pc->tcc;
	uint8_t received[PC_TCC_RING];
	int64_t arrival[PC_TCC_RING], shift = 0;
	uint8_t buf[PC_MTU];
	struct lumen_rtcp_tcc fb = { .sender_ssrc = pc->rtcp_ssrc, .media_ssrc = t->media_ssrc };
	struct lumen_rtcp_writer w;
	size_t n = (size_t)(t->end - t->base);
	bool any = false;

	if (!t->started || t->end <= t->base)
		return;
	for (size_t i = 0; i < n; i++) {
		int64_t *slot = &t->arrival_us[(uint64_t)(t->base + (int64_t)i) % PC_TCC_RING];

		received[i] = *slot != PC_TCC_MISSING;
		arrival[i] = *slot;
		if (received[i] && !any) {
			fb.ref_time = tcc_ref_time(*slot, &shift);
			any = true;
		}
		*slot = PC_TCC_MISSING;
	}
	for (size_t i = 0; i < n; i++)
		if (received[i])
			arrival[i] -= shift;
	fb.base_seq = (uint16_t)t->base;
	fb.count = (uint16_t)n;
	fb.fb_count = t->fb_count;
	t->base = t->end;
	if (!any)
		return;
	lumen_rtcp_writer_init(&w, buf, sizeof(buf));
	/* A delta beyond 16 bits (the loop stalled for seconds) cannot be said: skip the window. */
	if (lumen_rtcp_write_tcc(&w, &fb, received, arrival) == 0 &&
	    pc_media_send_rtcp_plain(pc, buf, w.len) == 0) {
		t->fb_count++;
		pc->stats.tcc_sent++;
	}
}

void pc_rtcp_tcc_record(struct lumen_pc *pc, const struct lumen_rtp *rtp, int64_t now_us)
{
	struct pc_tcc *t = &pc->tcc;
	struct lumen_rtp_ext ext;
	int64_t seq, *slot;

	if (!pc->ext_tcc || lumen_rtp_ext_find(rtp, pc->ext_tcc, &ext) < 0 || ext.len < 2)
		return;
	/* Media can beat the first tick after negotiation: look now, and again now and then (not
	 * per packet) while the peer sends numbers we were not asked to report on. */
	if (!t->on && (!t->checked_us || now_us - t->checked_us >= 100000)) {
		t->checked_us = now_us;
		t->on = tcc_negotiated(pc);
	}
	if (!t->on)
		return;
	if (!t->started) {
		if (!t->arrival_us)
			t->arrival_us = g_new(int64_t, PC_TCC_RING);
		tcc_clear(t);
		t->started = true;
		t->media_ssrc = rtp->ssrc;
		t->last = t->base = t->end = (ext.data[0] << 8) | ext.data[1];
	}
	seq = t->last + (int16_t)(uint16_t)(((ext.data[0] << 8) | ext.data[1]) - (uint16_t)t->last);
	if (seq < t->base - PC_TCC_RING || seq >= t->base + PC_TCC_RING) {
		/* A jump (sender restart, long outage) or a packet that fell out of every window: say
		 * what we have, and start afresh from this one. */
		tcc_flush(pc);
		t->base = t->end = seq;
	} else if (seq < t->base) {
		return; /* already reported as lost: too late for the sender's estimate */
	}
	t->last = seq;
	slot = &t->arrival_us[(uint64_t)seq % PC_TCC_RING];
	if (*slot == PC_TCC_MISSING)
		*slot = now_us - pc->created_us;
	if (seq >= t->end)
		t->end = seq + 1;
	if (t->end - t->base >= TCC_FLUSH_AT)
		tcc_flush(pc);
}

/* One RR with a block per remote media SSRC (at most 31), once a second. */
static void send_rr(struct lumen_pc *pc, int64_t now_us)
{
	struct lumen_rtcp_report rr = { .ssrc = pc->rtcp_ssrc };
	struct lumen_rtcp_writer w;
	uint8_t buf[900];
	uint64_t lost = 0;
	uint32_t jitter = 0;

	for (unsigned i = 0; i < pc->n_ssrcs && rr.n_rb < LUMEN_RTCP_MAX_RB; i++) {
		struct pc_ssrc *s = &pc->ssrcs[i];
		if (!s->stats_on || s->rtx)
			continue;
		lumen_rtp_stats_report_block(&s->stats, s->ssrc, (uint64_t)now_us, &rr.rb[rr.n_rb++]);
		if (lumen_rtp_stats_lost(&s->stats) > 0)
			lost += (uint64_t)lumen_rtp_stats_lost(&s->stats);
		if (s->stats.clock_rate) {
			uint32_t ms = (uint32_t)((uint64_t)lumen_rtp_stats_jitter(&s->stats) * 1000 /
						 s->stats.clock_rate);
			jitter = ms > jitter ? ms : jitter;
		}
	}
	pc->stats.lost_in = lost;
	pc->stats.jitter_ms = jitter;
	if (!rr.n_rb)
		return;
	lumen_rtcp_writer_init(&w, buf, sizeof(buf));
	if (lumen_rtcp_write_report(&w, &rr, false) == 0 &&
	    pc_media_send_rtcp_plain(pc, buf, w.len) == 0)
		pc->stats.rr_sent++;
}

void pc_rtcp_tick(struct lumen_pc *pc, int64_t now_us)
{
	/* Checked here, not per packet: the descriptions change rarely, packets come by hundreds. */
	pc->tcc.on = tcc_negotiated(pc);
	if (!pc->up || pc->closed)
		return;
	send_nacks(pc, now_us);
	if (pc->tcc.on)
		tcc_flush(pc);
	pthread_mutex_lock(&pc->tx_lock);
	for (unsigned i = 0; i < pc->n_out; i++)
		if (pc->out[i].cache)
			lumen_pktcache_expire(pc->out[i].cache, (uint64_t)now_us);
	pthread_mutex_unlock(&pc->tx_lock);
	if (now_us - pc->last_rr_us >= RR_INTERVAL_US) {
		pc->last_rr_us = now_us;
		send_rr(pc, now_us);
		if (pc->cb.on_slowlink && pc->nacked_in_window >= SLOWLINK_LOST)
			pc->cb.on_slowlink(pc->cb.user, true, pc->nacked_in_window);
		if (pc->cb.on_slowlink && pc->nacked_by_peer_in_window >= SLOWLINK_LOST)
			pc->cb.on_slowlink(pc->cb.user, false, pc->nacked_by_peer_in_window);
		pc->nacked_in_window = pc->nacked_by_peer_in_window = 0;
	}
}

void pc_rtcp_forget_ssrc(struct pc_ssrc *s)
{
	lumen_nack_free(s->nack);
	s->nack = NULL;
	s->stats_on = false;
}

void pc_rtcp_free(struct lumen_pc *pc)
{
	for (unsigned i = 0; i < pc->n_ssrcs; i++)
		pc_rtcp_forget_ssrc(&pc->ssrcs[i]);
	for (unsigned i = 0; i < pc->n_out; i++)
		lumen_pktcache_free(pc->out[i].cache);
	pc->n_out = 0;
	lumen_pktbuf_pool_free(pc->pool);
	pc->pool = NULL;
	g_free(pc->tcc.arrival_us);
	pc->tcc.arrival_us = NULL;
	pc->tcc.started = false;
	/* Buffers still in other pcs' caches keep the pool alive until they expire (pktbuf.h). */
	lumen_pktbuf_pool_free(pc->rx_pool);
	pc->rx_pool = NULL;
}
