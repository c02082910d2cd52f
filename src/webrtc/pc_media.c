/* pc_media.c -- RTP and RTCP of a peer connection: decrypt and classify what arrives, map each
 * packet to its m-line, deliver it; encrypt and send what the owner relays; keep per-track
 * "receiving" state; PLI and REMB on request.
 *
 * Runs on the pc's context (see pc.h), except lumen_pc_send_rtp, which a transmit worker may call
 * on its own thread: it runs under the pc's transmit lock (pc_internal.h). Packets are decrypted
 * in the receive buffer libnice hands us. A video packet is then copied once into a pooled
 * buffer (rx_pool) that the owner may relay along with the packet, so that every receiving pc's
 * retransmission cache references it rather than copying it; each send copies the packet once
 * more, into a stack buffer, rewritten for that pc and encrypted there. Nothing here allocates
 * per packet after warm-up. */
#include <errno.h>
#include <string.h>

#include "webrtc/ice.h"
#include "webrtc/keyframe.h"
#include "webrtc/nack.h"
#include "webrtc/pc_internal.h"
#include "webrtc/pktbuf.h"
#include "webrtc/pktcache.h"
#include "webrtc/rtcp.h"
#include "webrtc/rtp.h"

/* A track counts as receiving while packets arrived within this window. */
#define RECEIVING_WINDOW_US 1000000

static struct pc_ssrc *find_ssrc(struct lumen_pc *pc, uint32_t ssrc)
{
	for (unsigned i = 0; i < pc->n_ssrcs; i++)
		if (pc->ssrcs[i].ssrc == ssrc)
			return &pc->ssrcs[i];
	return NULL;
}

static struct pc_ssrc *add_ssrc(struct lumen_pc *pc, uint32_t ssrc, int track, bool rtx,
				const char *rid, size_t rid_len)
{
	struct pc_ssrc *s = find_ssrc(pc, ssrc);

	if (!s) {
		/* A full table recycles the oldest slot: SSRCs churn with simulcast and restarts. */
		if (pc->n_ssrcs == PC_MAX_SSRCS) {
			pc_rtcp_forget_ssrc(&pc->ssrcs[0]);
			memmove(&pc->ssrcs[0], &pc->ssrcs[1], sizeof(pc->ssrcs[0]) * (PC_MAX_SSRCS - 1));
			pc->n_ssrcs--;
		}
		pc->ssrcs = pc_table_grow(pc->ssrcs, &pc->cap_ssrcs, pc->n_ssrcs + 1, PC_MAX_SSRCS,
					  sizeof(*pc->ssrcs));
		s = &pc->ssrcs[pc->n_ssrcs++];
		memset(s, 0, sizeof(*s));
		s->ssrc = ssrc;
	}
	s->track = track;
	s->rtx = rtx;
	if (rid && rid_len) {
		size_t n = rid_len < sizeof(s->rid) - 1 ? rid_len : sizeof(s->rid) - 1;
		memcpy(s->rid, rid, n);
		s->rid[n] = '\0';
	}
	if (track >= 0 && !rtx && !pc->tracks[track].first_remote_ssrc)
		pc->tracks[track].first_remote_ssrc = ssrc;
	return s;
}

static int track_by_mid(const struct lumen_pc *pc, const char *mid, size_t len)
{
	for (unsigned i = 0; i < pc->n_tracks; i++)
		if (pc->tracks[i].mid_len == len && memcmp(pc->tracks[i].mid, mid, len) == 0)
			return (int)i;
	return -1;
}

static bool has_pt(const uint8_t *pts, unsigned n, uint8_t pt)
{
	for (unsigned i = 0; i < n; i++)
		if (pts[i] == pt)
			return true;
	return false;
}

/* The only track whose payload types include pt, or -1 if none or several (then the peer must
 * send the mid extension or signal its SSRCs). */
static int track_by_pt(const struct lumen_pc *pc, uint8_t pt, bool *rtx)
{
	int found = -1;

	for (unsigned i = 0; i < pc->n_tracks; i++) {
		const struct pc_track *t = &pc->tracks[i];
		bool media = has_pt(t->pts, t->n_pts, pt), r = has_pt(t->rtx_pts, t->n_rtx_pts, pt);

		if (t->rejected || (!media && !r))
			continue;
		if (found >= 0)
			return -1;
		found = (int)i;
		*rtx = r;
	}
	return found;
}

/* Kind of extension id in sdp's (BUNDLE-wide) id space; tab[id] for one-byte ids. */
static void ext_kinds(const struct lumen_sdp *sdp, uint8_t tab[16])
{
	memset(tab, 0, 16);
	if (!sdp)
		return;
	for (unsigned i = 0; i < sdp->n_media; i++)
		for (unsigned e = 0; e < sdp->media[i].n_extmaps; e++) {
			const struct lumen_sdp_extmap *x = &sdp->media[i].extmaps[e];
			if (x->id >= 1 && x->id <= 14 && !tab[x->id])
				tab[x->id] = (uint8_t)lumen_sdp_extmap_kind(x->uri);
		}
}

void pc_media_update_send_ext(struct lumen_pc *pc, const struct lumen_sdp *local,
			      const struct lumen_sdp *remote)
{
	uint8_t l[16], r[16];
	bool in_remote[16] = { false };

	memset(pc->send_ext_id, 0, sizeof(pc->send_ext_id));
	if (!local)
		return;
	ext_kinds(local, l);
	ext_kinds(remote, r);
	for (unsigned id = 1; id <= 14; id++)
		if (r[id] < 16)
			in_remote[r[id]] = true;
	/* Before the peer answered our offer, what we offered is what we may send. */
	for (unsigned id = 1; id <= 14; id++)
		if (l[id] && l[id] < 16 && (!remote || in_remote[l[id]]) && !pc->send_ext_id[l[id]])
			pc->send_ext_id[l[id]] = (uint8_t)id;
}

const uint8_t *lumen_pc_ext_kinds(const struct lumen_pc *pc)
{
	return pc->ext_kind_of_id;
}

int pc_media_learn_remote(struct lumen_pc *pc, const struct lumen_sdp *sdp, char **err)
{
	ext_kinds(sdp, pc->ext_kind_of_id);
	pc_media_update_send_ext(pc, pc->local, sdp);
	pc->n_tracks = 0;
	/* Room for every m-line we take at once: one allocation per description at most. */
	pc->tracks = pc_table_grow(pc->tracks, &pc->cap_tracks,
				   sdp->n_media < PC_MAX_TRACKS ? sdp->n_media : PC_MAX_TRACKS,
				   PC_MAX_TRACKS, sizeof(*pc->tracks));
	pc->ext_mid = pc->ext_rid = pc->ext_rrid = pc->ext_audio_level = 0;
	pc->ext_abs_send_time = pc->ext_tcc = 0;
	for (unsigned i = 0; i < sdp->n_media && pc->n_tracks < PC_MAX_TRACKS; i++) {
		const struct lumen_sdp_media *m = &sdp->media[i];
		struct pc_track *t = &pc->tracks[pc->n_tracks];
		int idx = (int)pc->n_tracks;

		memset(t, 0, sizeof(*t));
		g_strlcpy(t->mid, m->mid ? m->mid : "", sizeof(t->mid));
		t->mid_len = (uint8_t)strlen(t->mid);
		t->kind = strcmp(m->type, "audio") == 0   ? LUMEN_PC_AUDIO
			  : strcmp(m->type, "video") == 0 ? LUMEN_PC_VIDEO
							  : LUMEN_PC_DATA;
		t->rejected = !pc_media_accepted(m);
		pc->n_tracks++;
		if (!m->rtp)
			continue;
		for (unsigned c = 0; c < m->n_codecs; c++) {
			const struct lumen_sdp_codec *k = &m->codecs[c];
			if (!t->clock && k->clock)
				t->clock = k->clock;
			if (lumen_sdp_codec_fb(m, k) & LUMEN_SDP_FB_NACK)
				t->nack = true;
			if (k->apt >= 0 && k->name && g_ascii_strcasecmp(k->name, "rtx") == 0) {
				t->rtx_apt[t->n_rtx_pts] = (uint8_t)k->apt;
				t->rtx_pts[t->n_rtx_pts++] = (uint8_t)k->pt;
			} else {
				t->codecs[t->n_pts] = (uint8_t)lumen_codec_from_name(k->name);
				t->pts[t->n_pts++] = (uint8_t)k->pt;
			}
		}
		/* BUNDLE puts every m-line in one extension id space: any m-line's ids will do. */
		if (!pc->ext_mid)
			pc->ext_mid = (uint8_t)lumen_sdp_find_extmap(m, LUMEN_SDP_EXT_MID);
		if (!pc->ext_rid)
			pc->ext_rid = (uint8_t)lumen_sdp_find_extmap(m, LUMEN_SDP_EXT_RID);
		if (!pc->ext_rrid)
			pc->ext_rrid = (uint8_t)lumen_sdp_find_extmap(m, LUMEN_SDP_EXT_REPAIRED_RID);
		if (!pc->ext_audio_level)
			pc->ext_audio_level =
				(uint8_t)lumen_sdp_find_extmap(m, LUMEN_SDP_EXT_AUDIO_LEVEL);
		if (!pc->ext_abs_send_time)
			pc->ext_abs_send_time =
				(uint8_t)lumen_sdp_find_extmap(m, LUMEN_SDP_EXT_ABS_SEND_TIME);
		if (!pc->ext_tcc)
			pc->ext_tcc = (uint8_t)lumen_sdp_find_extmap(m, LUMEN_SDP_EXT_TRANSPORT_CC);
		/* Signalled SSRCs: a=ssrc lines, with FID groups marking the RTX ones. */
		for (unsigned s = 0; s < m->n_ssrcs; s++) {
			uint32_t repairs = 0;
			for (unsigned g = 0; g < m->n_ssrc_groups; g++) {
				const struct lumen_sdp_group *gr = &m->ssrc_groups[g];
				if (strcmp(gr->semantics, "FID") == 0 && gr->n == 2 &&
				    gr->ssrcs[1] == m->ssrcs[s].ssrc)
					repairs = gr->ssrcs[0];
			}
			add_ssrc(pc, m->ssrcs[s].ssrc, idx, repairs != 0, NULL, 0)->repairs = repairs;
		}
	}
	if (sdp->n_media > PC_MAX_TRACKS) {
		*err = g_strdup_printf("too many m-lines (%u, at most %d)", sdp->n_media,
				       PC_MAX_TRACKS);
		return -EINVAL;
	}
	return 0;
}

static enum lumen_codec codec_of(const struct pc_track *t, uint8_t pt)
{
	for (unsigned i = 0; i < t->n_pts; i++)
		if (t->pts[i] == pt)
			return (enum lumen_codec)t->codecs[i];
	return LUMEN_CODEC_UNKNOWN;
}

/* A retransmission (RFC 4588) on RTX stream *s: unwrapped in place into the original packet,
 * and *s, *rtp, *len then describe that. Returns false when there is nothing to deliver:
 * padding-only RTX (bandwidth probing), a malformed one, or a copy of a packet that arrived
 * already. Chromium probes bandwidth by resending recent packets over RTX ("payload padding");
 * delivering those would forward duplicates and inflate every rate measured downstream (the
 * rooms engine's simulcast layer rates). */
static bool unwrap_rtx(struct lumen_pc *pc, struct pc_ssrc **s, uint8_t *buf, struct lumen_rtp *rtp,
		       size_t *len, int64_t now_us)
{
	ssize_t n = pc_rtcp_recover_rtx(pc, *s, buf, rtp, now_us);

	if (n <= 0 || lumen_rtp_parse(rtp, buf, (size_t)n) < 0 || !(*s = find_ssrc(pc, rtp->ssrc)) ||
	    (*s)->rtx) {
		if (n != -ENODATA) /* padding-only RTX is bandwidth probing, not an error */
			pc->stats.dropped_in++;
		return false;
	}
	if ((*s)->nack && !lumen_nack_wanted((*s)->nack, rtp->seq)) {
		pc->stats.rtx_duplicates++;
		return false;
	}
	pc->stats.rtx_recovered++;
	*len = (size_t)n;
	return true;
}

/* Hands a received, decrypted packet of track t (stream s) to the owner's on_rtp. */
static void deliver_rtp(struct lumen_pc *pc, struct pc_track *t, const struct pc_ssrc *s,
			const struct lumen_rtp *rtp, uint8_t *buf, size_t len, int64_t arrival_us)
{
	struct lumen_pc_rtp out;
	struct lumen_rtp_ext ext;

	memset(&out, 0, sizeof(out));
	out.data = buf;
	out.len = len;
	out.ssrc = rtp->ssrc;
	out.timestamp = rtp->ts;
	out.seq = rtp->seq;
	out.pt = rtp->pt;
	out.marker = rtp->marker;
	out.kind = t->kind;
	out.mid = t->mid;
	out.rid = s->rid[0] ? s->rid : NULL;
	out.audio_level = -1;
	if (pc->ext_audio_level && lumen_rtp_ext_find(rtp, pc->ext_audio_level, &ext) == 0 &&
	    ext.len >= 1)
		out.audio_level = ext.data[0] & 0x7f;
	out.keyframe = lumen_keyframe_start(codec_of(t, rtp->pt), lumen_rtp_payload(rtp),
					    rtp->payload_len);
	out.arrival_us = arrival_us;
	if (!pc->cb.on_rtp)
		return;
	/* Video is what the receiving pcs cache for retransmission: give them one shared copy to
	 * reference. No buffer (pool at its cap) only costs them their own copies. */
	if (t->kind == LUMEN_PC_VIDEO && len <= LUMEN_PKTBUF_SIZE) {
		if (!pc->rx_pool)
			pc->rx_pool = lumen_pktbuf_pool_new(64, 8192);
		if (pc->rx_pool && (out.buf = lumen_pktbuf_get(pc->rx_pool))) {
			memcpy(out.buf->data, buf, len);
			out.buf->len = len;
			out.data = out.buf->data;
		}
	}
	pc->cb.on_rtp(pc->cb.user, &out);
	lumen_pktbuf_unref(out.buf); /* the callback's receivers took their own references */
}

void pc_media_rtp_in(struct lumen_pc *pc, uint8_t *buf, size_t len, int64_t now_us,
		     int64_t arrival_us)
{
	struct lumen_rtp rtp;
	struct lumen_rtp_ext ext;
	struct pc_ssrc *s;
	struct pc_track *t;
	int track = -1;
	bool rtx = false;

	int rc;

	if (!pc->srtp_in) {
		pc_drop(pc, LUMEN_PC_WARN_EARLY_MEDIA);
		return;
	}
	rc = lumen_srtp_unprotect_rtp(pc->srtp_in, buf, &len);
	if (rc < 0) {
		pc_drop(pc, rc == -EALREADY ? LUMEN_PC_WARN_SRTP_REPLAY : LUMEN_PC_WARN_SRTP_AUTH);
		return;
	}
	if (lumen_rtp_parse(&rtp, buf, len) < 0) {
		pc_drop(pc, LUMEN_PC_WARN_BAD_RTP);
		return;
	}
	/* Every packet that made it here counts for the sender's estimate, whatever it carries
	 * (RTX, padding probes) and whether or not we can place it. */
	pc_rtcp_tcc_record(pc, &rtp, arrival_us);
	s = find_ssrc(pc, rtp.ssrc);
	/* The mid extension is authoritative (RFC 8843 section 9.2); else signalled SSRCs; else the
	 * payload type when only one m-line uses it. */
	if (pc->ext_mid && lumen_rtp_ext_find(&rtp, pc->ext_mid, &ext) == 0) {
		track = track_by_mid(pc, (const char *)ext.data, ext.len);
		if (track >= 0 && (!s || s->track != track)) {
			const char *rid = NULL;
			size_t rid_len = 0;
			struct lumen_rtp_ext r;
			bool is_rtx = has_pt(pc->tracks[track].rtx_pts, pc->tracks[track].n_rtx_pts,
					     rtp.pt);
			if (pc->ext_rid && lumen_rtp_ext_find(&rtp, pc->ext_rid, &r) == 0) {
				rid = (const char *)r.data;
				rid_len = r.len;
			} else if (pc->ext_rrid && lumen_rtp_ext_find(&rtp, pc->ext_rrid, &r) == 0) {
				rid = (const char *)r.data;
				rid_len = r.len;
			}
			s = add_ssrc(pc, rtp.ssrc, track, is_rtx, rid, rid_len);
		}
	}
	if (!s) {
		track = track_by_pt(pc, rtp.pt, &rtx);
		if (track < 0) {
			pc_drop(pc, LUMEN_PC_WARN_UNKNOWN_STREAM);
			return;
		}
		s = add_ssrc(pc, rtp.ssrc, track, rtx, NULL, 0);
	}
	if (s->track < 0 || (unsigned)s->track >= pc->n_tracks) {
		pc_drop(pc, LUMEN_PC_WARN_UNKNOWN_STREAM);
		return;
	}
	t = &pc->tracks[s->track];
	pc->stats.rtp_in++;
	pc->stats.bytes_in += len;
	t->last_rx_us = now_us;
	if (!t->receiving) {
		t->receiving = true;
		if (pc->cb.on_media)
			pc->cb.on_media(pc->cb.user, t->mid, t->kind, true);
	}
	if (s->rtx && !unwrap_rtx(pc, &s, buf, &rtp, &len, now_us))
		return;
	pc_rtcp_on_rtp_in(pc, s, &rtp, len, now_us);
	deliver_rtp(pc, t, s, &rtp, buf, len, arrival_us);
}

void pc_media_rtcp_in(struct lumen_pc *pc, uint8_t *buf, size_t len, int64_t now_us)
{
	int rc;

	if (!pc->srtp_in) {
		pc_drop(pc, LUMEN_PC_WARN_EARLY_MEDIA);
		return;
	}
	rc = lumen_srtp_unprotect_rtcp(pc->srtp_in, buf, &len);
	if (rc < 0) {
		pc_drop(pc, rc == -EALREADY ? LUMEN_PC_WARN_SRTP_REPLAY : LUMEN_PC_WARN_SRTP_AUTH);
		return;
	}
	if (lumen_rtcp_validate(buf, len) < 0) {
		pc_drop(pc, LUMEN_PC_WARN_BAD_RTCP);
		return;
	}
	pc->stats.rtcp_in++;
	pc->stats.bytes_in += len;
	pc_rtcp_on_rtcp_in(pc, buf, len, now_us);
	if (pc->cb.on_rtcp)
		pc->cb.on_rtcp(pc->cb.user, buf, len);
}

static int send_rtp_locked(struct lumen_pc *pc, const char *mid, struct lumen_pktbuf *src,
			   const uint8_t *rtp, size_t len, const struct lumen_pc_rewrite *rw);

/* Copies the packet hdr into dst with its header extensions translated for this pc (see
 * struct lumen_pc_rewrite). The copy is the one the send path makes anyway, so this costs no
 * extra pass over the payload. Returns the new length or -ENOSPC. */
static ssize_t translate_ext(struct lumen_pc *pc, uint8_t *dst, size_t cap,
			     const struct lumen_rtp *hdr, const uint8_t *src_kind,
			     const struct pc_track *track, int64_t now_us)
{
	size_t fixed = LUMEN_RTP_HEADER_LEN + 4u * hdr->cc, o, body;
	const char *mid = track ? track->mid : NULL;
	size_t mid_len = track ? track->mid_len : 0;
	size_t pos = 0, payload = hdr->len - hdr->payload_off;
	struct lumen_rtp_ext e;
	bool have_mid = false;

	if (fixed + 4 + payload > cap)
		return -ENOSPC;
	memcpy(dst, hdr->buf, fixed);
	o = fixed + 4;
	if (hdr->has_ext && hdr->ext_profile == LUMEN_RTP_EXT_ONE_BYTE) {
		while (lumen_rtp_ext_next(hdr, &pos, &e) == 1) {
			unsigned kind = e.id < 16 ? src_kind[e.id] : 0;
			unsigned nid = kind < 16 ? pc->send_ext_id[kind] : 0;
			const uint8_t *val = e.data;
			size_t vlen = e.len;
			uint8_t ast[3];

			if (!nid || kind == LUMEN_SDP_EXT_RID || kind == LUMEN_SDP_EXT_REPAIRED_RID ||
			    kind == LUMEN_SDP_EXT_TRANSPORT_CC)
				continue;
			if (kind == LUMEN_SDP_EXT_MID) {
				if (!mid_len || mid_len > 16)
					continue;
				val = (const uint8_t *)mid;
				vlen = mid_len;
				have_mid = true;
			} else if (kind == LUMEN_SDP_EXT_ABS_SEND_TIME && vlen == 3) {
				/* 6.18 fixed-point seconds of our own send time (24 bits). */
				uint64_t t = ((uint64_t)now_us << 18) / 1000000u;
				ast[0] = (uint8_t)(t >> 16);
				ast[1] = (uint8_t)(t >> 8);
				ast[2] = (uint8_t)t;
				val = ast;
			}
			if (vlen < 1 || vlen > 16 || o + 1 + vlen + payload > cap)
				continue;
			dst[o++] = (uint8_t)(nid << 4 | (vlen - 1));
			memcpy(dst + o, val, vlen);
			o += vlen;
		}
	}
	/* A receiver that demultiplexes by mid needs it even when the sender did not put one. */
	if (!have_mid && mid_len && mid_len <= 16 && pc->send_ext_id[LUMEN_SDP_EXT_MID] &&
	    o + 1 + mid_len + payload <= cap) {
		dst[o++] = (uint8_t)(pc->send_ext_id[LUMEN_SDP_EXT_MID] << 4 | (mid_len - 1));
		memcpy(dst + o, mid, mid_len);
		o += mid_len;
	}
	body = o - (fixed + 4);
	if (body == 0) {
		dst[0] &= (uint8_t)~0x10; /* no extension left: clear X */
		o = fixed;
	} else {
		while (body % 4) {
			if (o + 1 + payload > cap)
				return -ENOSPC;
			dst[o++] = 0;
			body++;
		}
		dst[0] |= 0x10;
		dst[fixed] = 0xBE;
		dst[fixed + 1] = 0xDE;
		dst[fixed + 2] = (uint8_t)((body / 4) >> 8);
		dst[fixed + 3] = (uint8_t)(body / 4);
	}
	if (o + payload > cap)
		return -ENOSPC;
	/* Payload and padding as they were (the P bit and count byte travel with them). */
	memcpy(dst + o, hdr->buf + hdr->payload_off, payload);
	return (ssize_t)(o + payload);
}

int lumen_pc_send_rtp_buf(struct lumen_pc *pc, const char *mid, struct lumen_pktbuf *src,
			  const uint8_t *rtp, size_t len, const struct lumen_pc_rewrite *rw)
{
	int rc;

	/* Any thread: the transmit lock (pc_internal.h) covers the whole send. */
	pthread_mutex_lock(&pc->tx_lock);
	rc = send_rtp_locked(pc, mid, src, rtp, len, rw);
	pthread_mutex_unlock(&pc->tx_lock);
	return rc;
}

int lumen_pc_send_rtp(struct lumen_pc *pc, const char *mid, const uint8_t *rtp, size_t len,
		      const struct lumen_pc_rewrite *rw)
{
	return lumen_pc_send_rtp_buf(pc, mid, NULL, rtp, len, rw);
}

/* The relay's copies of one packet come one after the other on a thread: parse it once
 * (rtp.h, struct lumen_rtp_memo). */
static _Thread_local struct lumen_rtp_memo send_parse_memo;

static int send_rtp_locked(struct lumen_pc *pc, const char *mid, struct lumen_pktbuf *src,
			   const uint8_t *rtp, size_t len, const struct lumen_pc_rewrite *rw)
{
	uint8_t buf[PC_MTU + LUMEN_SRTP_TRAILER_MAX];
	struct lumen_rtp hdr, out;
	size_t n = len, rtp_len = len;
	int rc, track = -1;
	/* One clock read per copy: abs-send-time and the retransmission cache share it. */
	int64_t now_us = g_get_monotonic_time();

	if (pc->closed || !pc->up || !pc->srtp_out)
		return -EAGAIN;
	if (mid && (track = track_by_mid(pc, mid, strlen(mid))) < 0)
		return -ENOENT;
	if (len > PC_MTU || lumen_rtp_parse_memo(&send_parse_memo, &hdr, rtp, len) < 0)
		return -EINVAL;
	if (rw && rw->src_ext) {
		ssize_t k = translate_ext(pc, buf, PC_MTU, &hdr, rw->src_ext,
					  track >= 0 ? &pc->tracks[track] : NULL, now_us);
		if (k < 0)
			return -EINVAL;
		len = n = (size_t)k;
	} else {
		memcpy(buf, rtp, len);
	}
	/* The header as it leaves: the source's, with what the rewrite and the translation changed
	 * (the payload and padding are the source's last bytes in both). */
	out = hdr;
	out.buf = buf;
	out.len = len;
	out.payload_off = len - (hdr.len - hdr.payload_off);
	if (rw) {
		if (rw->set_ssrc)
			lumen_rtp_set_ssrc(buf, out.ssrc = rw->ssrc);
		if (rw->set_seq)
			lumen_rtp_set_seq(buf, out.seq = rw->seq);
		if (rw->set_timestamp)
			lumen_rtp_set_ts(buf, out.ts = rw->timestamp);
		if (rw->set_pt)
			lumen_rtp_set_pt(buf, out.pt = rw->pt);
	}
	/* Whatever the rewrite did to the header, the payload went out as it is in rtp: a trusted
	 * src can stand in for it in the cache. */
	if (!lumen_pktcache_buf_holds(src, rtp, rtp_len))
		src = NULL;
	pc_rtcp_on_sent(pc, track, &out, src, rtp + hdr.payload_off, now_us);
	rc = lumen_srtp_protect_rtp(pc->srtp_out, buf, &n, sizeof(buf));
	if (rc < 0)
		return rc == -EALREADY ? 0 : -EIO; /* a stale duplicate is not an error of ours */
	if (pc_send_raw(pc, buf, n) < 0)
		return -EIO;
	pc->stats.rtp_out++;
	pc->stats.bytes_out += len;
	return 0;
}

static int send_rtcp(struct lumen_pc *pc, const uint8_t *rtcp, size_t len, bool check)
{
	uint8_t buf[PC_MTU + LUMEN_SRTP_TRAILER_MAX];
	size_t n = len;
	int rc = 0;

	if (pc->closed || !pc->up || !pc->srtp_out)
		return -EAGAIN;
	if (len < 8 || len > PC_MTU || (check && lumen_rtcp_validate(rtcp, len) < 0))
		return -EINVAL;
	memcpy(buf, rtcp, len);
	/* The outbound SRTP context is shared with a worker's RTP sends. */
	pthread_mutex_lock(&pc->tx_lock);
	if (lumen_srtp_protect_rtcp(pc->srtp_out, buf, &n, sizeof(buf)) < 0 ||
	    pc_send_raw(pc, buf, n) < 0) {
		rc = -EIO;
	} else {
		pc->stats.rtcp_out++;
		pc->stats.bytes_out += len;
	}
	pthread_mutex_unlock(&pc->tx_lock);
	return rc;
}

int pc_media_send_rtcp_plain(struct lumen_pc *pc, const uint8_t *rtcp, size_t len)
{
	return send_rtcp(pc, rtcp, len, true);
}

int lumen_pc_send_rtcp(struct lumen_pc *pc, const uint8_t *rtcp, size_t len)
{
	return send_rtcp(pc, rtcp, len, true);
}

int lumen_pc_send_rtcp_unchecked(struct lumen_pc *pc, const uint8_t *rtcp, size_t len)
{
	return send_rtcp(pc, rtcp, len, false);
}

int lumen_pc_request_keyframe(struct lumen_pc *pc, const char *mid)
{
	uint8_t buf[64];
	struct lumen_rtcp_writer w;
	int t = mid ? track_by_mid(pc, mid, strlen(mid)) : -1;

	if (t < 0)
		return -ENOENT;
	if (!pc->tracks[t].first_remote_ssrc)
		return -EAGAIN; /* nothing received on it yet: nobody to ask */
	lumen_rtcp_writer_init(&w, buf, sizeof(buf));
	if (lumen_rtcp_write_pli(&w, pc->rtcp_ssrc, pc->tracks[t].first_remote_ssrc) < 0)
		return -EINVAL;
	return pc_media_send_rtcp_plain(pc, buf, w.len);
}

static int send_remb(struct lumen_pc *pc)
{
	uint8_t buf[256];
	uint32_t ssrcs[PC_MAX_TRACKS];
	struct lumen_rtcp_writer w;
	size_t n = 0;

	for (unsigned i = 0; i < pc->n_tracks && n < PC_MAX_TRACKS; i++)
		if (pc->tracks[i].kind == LUMEN_PC_VIDEO && pc->tracks[i].first_remote_ssrc)
			ssrcs[n++] = pc->tracks[i].first_remote_ssrc;
	if (!n)
		return -EAGAIN;
	lumen_rtcp_writer_init(&w, buf, sizeof(buf));
	if (lumen_rtcp_write_remb(&w, pc->rtcp_ssrc, pc->remb_bps, ssrcs, n) < 0)
		return -EINVAL;
	return pc_media_send_rtcp_plain(pc, buf, w.len);
}

int lumen_pc_set_bitrate_cap(struct lumen_pc *pc, uint32_t bps)
{
	pc->remb_bps = bps;
	if (!bps || !pc->up)
		return 0;
	pc->remb_sent_us = g_get_monotonic_time();
	return send_remb(pc);
}

void pc_media_tick(struct lumen_pc *pc, int64_t now_us)
{
	static int64_t remb_every = 1000000;

	for (unsigned i = 0; i < pc->n_tracks; i++) {
		struct pc_track *t = &pc->tracks[i];
		if (t->receiving && now_us - t->last_rx_us > RECEIVING_WINDOW_US) {
			t->receiving = false;
			if (pc->cb.on_media)
				pc->cb.on_media(pc->cb.user, t->mid, t->kind, false);
		}
	}
	pc_rtcp_tick(pc, now_us);
	/* A cap is a standing order: REMB is refreshed every second or the sender forgets it. */
	if (pc->up && pc->remb_bps && now_us - pc->remb_sent_us >= remb_every) {
		pc->remb_sent_us = now_us;
		send_remb(pc);
	}
}
