/* pp_track.c -- the track model (see pp_track.h). */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "pp_track.h"

#define NTP_UNIX_OFFSET 2208988800LL

static uint32_t rd32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void lumen_pp_track_init(struct lumen_pp_track *t, int payload_type)
{
	memset(t, 0, sizeof(*t));
	t->payload_type = payload_type;
}

void lumen_pp_track_fini(struct lumen_pp_track *t)
{
	for (size_t i = 0; i < t->n_pkts; i++)
		g_free(t->pkts[i].data);
	g_free(t->pkts), g_free(t->srs), g_free(t->segs);
	memset(t, 0, sizeof(*t));
}

/* The segment for ssrc: the current one, an earlier one (a straggler after a switch), or new. */
static struct lumen_pp_seg *segment_for(struct lumen_pp_track *t, uint32_t ssrc, bool create)
{
	for (size_t i = t->n_segs; i-- > 0;)
		if (t->segs[i].ssrc == ssrc)
			return &t->segs[i];
	if (!create)
		return NULL;
	t->segs = g_renew(struct lumen_pp_seg, t->segs, t->n_segs + 1);
	t->segs[t->n_segs] = (struct lumen_pp_seg){.ssrc = ssrc, .max_seq = -1};
	return &t->segs[t->n_segs++];
}

static int64_t unwrap_ts(struct lumen_pp_seg *s, uint32_t ts)
{
	int64_t ext = s->last_ts + (int32_t)(ts - (uint32_t)s->last_ts);

	s->last_ts = ext;
	return ext;
}

static void input_sr(struct lumen_pp_track *t, const struct lumen_pp_record *rec)
{
	const uint8_t *p = rec->payload;
	struct lumen_pp_seg *s;
	struct lumen_pp_sr sr;
	uint64_t frac;

	if (rec->len < 28 || (p[0] >> 6) != 2) {
		t->malformed++;
		return;
	}
	s = segment_for(t, rd32be(p + 4), true); /* an SR may come before the first packet */
	if (!s->ts_init) {
		s->last_ts = (int64_t)rd32be(p + 16) + ((int64_t)1 << 32);
		s->ts_init = true;
	}
	frac = rd32be(p + 12);
	sr.ssrc = s->ssrc;
	sr.seg = (uint32_t)(s - t->segs);
	sr.arrival_us = rec->t_us;
	sr.ntp_us = ((int64_t)rd32be(p + 8) - NTP_UNIX_OFFSET) * 1000000 + (int64_t)((frac * 1000000) >> 32);
	sr.ext_ts = unwrap_ts(s, rd32be(p + 16));
	if (t->n_srs == t->cap_srs) {
		t->cap_srs = t->cap_srs ? t->cap_srs * 2 : 64;
		t->srs = g_renew(struct lumen_pp_sr, t->srs, t->cap_srs);
	}
	t->srs[t->n_srs++] = sr;
	s->have_sr = true;
}

/* RTP header length (fixed part, CSRCs, extension) and payload length without padding; false if the
 * packet is not well-formed. */
static bool rtp_lengths(const uint8_t *p, size_t len, size_t *hdr, size_t *pl)
{
	size_t h = 12 + 4 * (size_t)(p[0] & 0x0f), pad = 0;

	if (len < 12 || (p[0] >> 6) != 2 || len < h)
		return false;
	if (p[0] & 0x10) {
		if (len < h + 4)
			return false;
		h += 4 + 4 * (size_t)(p[h + 2] << 8 | p[h + 3]);
		if (len < h)
			return false;
	}
	if (p[0] & 0x20) {
		pad = p[len - 1];
		if (pad == 0 || pad > len - h)
			return false;
	}
	*hdr = h;
	*pl = len - h - pad;
	return *pl > 0 && *pl <= 65535;
}

static void input_rtp(struct lumen_pp_track *t, const struct lumen_pp_record *rec)
{
	const uint8_t *p = rec->payload;
	struct lumen_pp_seg *s;
	struct lumen_pp_pkt pkt;
	size_t hdr, pl;
	int64_t ext;

	if (!rtp_lengths(p, rec->len, &hdr, &pl)) {
		t->malformed++;
		return;
	}
	if (t->payload_type >= 0 && (p[1] & 0x7f) != t->payload_type) {
		t->other_pt++; /* e.g. RTX or FEC on the same SSRC space: not media */
		return;
	}
	s = segment_for(t, rd32be(p + 8), true);
	if (!s->ts_init) { /* room below for early stragglers, as for sequence numbers */
		s->last_ts = (int64_t)rd32be(p + 4) + ((int64_t)1 << 32);
		s->ts_init = true;
	}
	if (s->max_seq < 0) {
		ext = (p[2] << 8 | p[3]) + 65536;
		s->max_seq = ext;
	} else {
		ext = s->max_seq + (int16_t)((uint16_t)(p[2] << 8 | p[3]) - (uint16_t)s->max_seq);
		if (ext < s->max_seq - LUMEN_PP_REORDER_WINDOW) {
			t->too_late++;
			return;
		}
		if (ext < s->max_seq)
			t->reordered++;
		else
			s->max_seq = ext;
	}
	pkt = (struct lumen_pp_pkt){
		.arrival_us = rec->t_us,
		.ext_seq = ext,
		.ext_ts = unwrap_ts(s, rd32be(p + 4)),
		.ssrc = s->ssrc,
		.seg = (uint32_t)(s - t->segs),
		.data = g_memdup2(p, rec->len),
		.len = (uint32_t)rec->len,
		.hdr_len = (uint16_t)hdr,
		.pl_len = (uint16_t)pl,
	};
	if (t->n_pkts == t->cap_pkts) {
		t->cap_pkts = t->cap_pkts ? t->cap_pkts * 2 : 1024;
		t->pkts = g_renew(struct lumen_pp_pkt, t->pkts, t->cap_pkts);
	}
	t->pkts[t->n_pkts++] = pkt;
}

void lumen_pp_track_input(struct lumen_pp_track *t, const struct lumen_pp_record *rec)
{
	if (rec->len >= 2 && rec->payload[1] == 200)
		input_sr(t, rec);
	else
		input_rtp(t, rec);
}

static int cmp_pkt(const void *a, const void *b)
{
	const struct lumen_pp_pkt *x = a, *y = b;

	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	if (x->ext_seq != y->ext_seq)
		return x->ext_seq < y->ext_seq ? -1 : 1;
	return x->arrival_us < y->arrival_us ? -1 : x->arrival_us > y->arrival_us;
}

void lumen_pp_track_finish(struct lumen_pp_track *t)
{
	size_t w = 0;

	if (t->n_pkts)
		qsort(t->pkts, t->n_pkts, sizeof(*t->pkts), cmp_pkt);
	for (size_t i = 0; i < t->n_pkts; i++) {
		if (w > 0 && t->pkts[w - 1].seg == t->pkts[i].seg &&
		    t->pkts[w - 1].ext_seq == t->pkts[i].ext_seq) {
			t->duplicates++;
			g_free(t->pkts[i].data);
			continue;
		}
		t->pkts[w++] = t->pkts[i];
	}
	t->n_pkts = w;
	for (size_t i = 0; i < t->n_segs; i++)
		t->segs[i].n = 0;
	for (size_t i = t->n_pkts; i-- > 0;) {
		struct lumen_pp_seg *s = &t->segs[t->pkts[i].seg];

		s->first = i;
		s->n++;
	}
	for (size_t i = 0; i < t->n_segs; i++) {
		struct lumen_pp_seg *s = &t->segs[i];

		if (s->n)
			t->lost += (uint64_t)(t->pkts[s->first + s->n - 1].ext_seq -
					      t->pkts[s->first].ext_seq + 1) - s->n;
	}
}
