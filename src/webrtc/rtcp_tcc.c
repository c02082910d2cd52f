/* rtcp_tcc.c -- transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-
 * extensions-01, section 3.1): packet status chunks and receive deltas, both ways.
 *
 * Status symbols: 0 not received, 1 received with a 1-byte delta (0..63.75 ms), 2 received with a
 * 2-byte signed delta; 3 is reserved and rejected. Deltas are in 250 us units from the previous
 * received packet, the first from ref_time * 64 ms. Pure, no allocation, any thread: the writer
 * recomputes symbols on the fly instead of buffering them, so it needs no scratch memory. */
#include <errno.h>
#include <string.h>

#include "webrtc/bytes.h"
#include "webrtc/rtcp.h"

/* Reads symbols out of the chunk list. */
struct symrd {
	const uint8_t *p;
	size_t len, off;
	uint16_t chunk;
	unsigned left, idx;
};

static int sym_next(struct symrd *r)
{
	while (r->left == 0) {
		if (r->off + 2 > r->len)
			return -EINVAL;
		r->chunk = rd16be(r->p + r->off);
		r->off += 2;
		r->idx = 0;
		if (!(r->chunk & 0x8000))
			r->left = r->chunk & 0x1fff; /* run length; 0 is useless but harmless */
		else
			r->left = (r->chunk & 0x4000) ? 7 : 14;
	}
	r->left--;
	if (!(r->chunk & 0x8000))
		return (r->chunk >> 13) & 3;
	if (!(r->chunk & 0x4000))
		return (r->chunk >> (13 - r->idx++)) & 1;
	return (r->chunk >> (12 - 2 * r->idx++)) & 3;
}

int lumen_rtcp_parse_tcc(const struct lumen_rtcp_fb *fb, struct lumen_rtcp_tcc *tcc,
                         uint8_t *received, int64_t *arrival_us, size_t cap)
{
	struct symrd r = {.p = fb->fci, .len = fb->fci_len, .off = 8};
	size_t delta_bytes = 0;
	const uint8_t *d;
	int64_t t;

	if (fb->fci_len < 8)
		return -EINVAL;
	tcc->sender_ssrc = fb->sender_ssrc;
	tcc->media_ssrc = fb->media_ssrc;
	tcc->base_seq = rd16be(fb->fci);
	tcc->count = rd16be(fb->fci + 2);
	tcc->ref_time = (int32_t)(rd24be(fb->fci + 4) ^ 0x800000u) - 0x800000;
	tcc->fb_count = fb->fci[7];
	if (received && cap < tcc->count)
		return -ENOSPC;
	for (unsigned i = 0; i < tcc->count; i++) {
		int s = sym_next(&r);

		if (s < 0 || s == 3)
			return -EINVAL;
		delta_bytes += (size_t)s;
	}
	if (r.off + delta_bytes > fb->fci_len)
		return -EINVAL;
	if (!received)
		return 0;
	d = fb->fci + r.off;
	r = (struct symrd){.p = fb->fci, .len = fb->fci_len, .off = 8};
	t = (int64_t)tcc->ref_time * 64000;
	for (unsigned i = 0; i < tcc->count; i++) {
		int s = sym_next(&r);

		received[i] = s != 0;
		if (s == 1) {
			t += 250 * (int64_t)d[0];
			d += 1;
		} else if (s == 2) {
			t += 250 * (int64_t)(int16_t)rd16be(d);
			d += 2;
		}
		arrival_us[i] = t;
	}
	return 0;
}

/* Generates symbols (and deltas) from the caller's arrays. */
struct symgen {
	const uint8_t *received;
	const int64_t *arrival_us;
	size_t i, n;
	int64_t prev_q; /* last received arrival, in 250 us units */
	int32_t delta;  /* of the last symbol returned */
};

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Symbol of packet g->i, then advance; -EINVAL if its delta does not fit 16 bits. */
static int sym_gen(struct symgen *g)
{
	int64_t q, d;

	if (!g->received[g->i]) {
		g->i++;
		return 0;
	}
	q = floor_div(g->arrival_us[g->i], 250);
	d = q - g->prev_q;
	g->i++;
	if (d < INT16_MIN || d > INT16_MAX)
		return -EINVAL;
	g->prev_q = q;
	g->delta = (int32_t)d;
	return d >= 0 && d <= 255 ? 1 : 2;
}

/* Chooses and encodes the chunk starting at g's position; advances g past its symbols. */
static int next_chunk(struct symgen *g, uint16_t *chunk)
{
	struct symgen look = *g;
	size_t remaining = g->n - g->i, run = 0, k = 0, take;
	int first = -1, s, sym[14];
	bool has_large = false;

	while (look.i < look.n && run < 0x1fff) {
		if ((s = sym_gen(&look)) < 0)
			return s;
		if (k < 14)
			sym[k++] = s;
		if (first < 0)
			first = s;
		if (s != first)
			break;
		run++;
	}
	for (size_t j = 0; j < k; j++)
		has_large |= sym[j] == 2;
	/* the run stopped at the first different symbol: fill the lookahead up to 14 */
	while (k < 14 && look.i < look.n) {
		if ((s = sym_gen(&look)) < 0)
			return s;
		sym[k++] = s;
		has_large |= s == 2;
	}
	if (run >= 14 || run == remaining) {
		*chunk = (uint16_t)((unsigned)first << 13 | run);
		take = run;
	} else if (!has_large) {
		*chunk = 0x8000;
		for (size_t j = 0; j < 14; j++)
			if (j < k && sym[j])
				*chunk |= (uint16_t)(1u << (13 - j));
		take = k < 14 ? k : 14;
	} else {
		*chunk = 0xc000;
		take = k < 7 ? k : 7;
		for (size_t j = 0; j < take; j++)
			*chunk |= (uint16_t)(sym[j] << (12 - 2 * j));
	}
	for (size_t j = 0; j < take; j++)
		sym_gen(g);
	return 0;
}

int lumen_rtcp_write_tcc(struct lumen_rtcp_writer *w, const struct lumen_rtcp_tcc *tcc,
                         const uint8_t *received, const int64_t *arrival_us)
{
	struct symgen g = {received, arrival_us, 0, tcc->count, (int64_t)tcc->ref_time * 256, 0};
	uint8_t *p = w->buf + w->len;
	size_t off = 20, avail = w->cap - w->len, plen;
	int r;

	if (tcc->ref_time < -0x800000 || tcc->ref_time > 0x7fffff)
		return -EINVAL;
	if (avail < off)
		return -ENOSPC;
	while (g.i < g.n) {
		uint16_t chunk;

		if ((r = next_chunk(&g, &chunk)) < 0)
			return r;
		if (off + 2 > avail)
			return -ENOSPC;
		wr16be(p + off, chunk);
		off += 2;
	}
	g = (struct symgen){received, arrival_us, 0, tcc->count, (int64_t)tcc->ref_time * 256, 0};
	while (g.i < g.n) {
		int s = sym_gen(&g);

		if (s == 0)
			continue;
		if (off + (size_t)s > avail)
			return -ENOSPC;
		if (s == 1)
			p[off] = (uint8_t)g.delta;
		else
			wr16be(p + off, (uint16_t)(int16_t)g.delta);
		off += (size_t)s;
	}
	plen = (off + 3) & ~(size_t)3;
	if (plen > avail || plen / 4 - 1 > 0xffff)
		return -ENOSPC;
	memset(p + off, 0, plen - off);
	p[0] = 0x80 | LUMEN_RTCP_FMT_TCC;
	p[1] = LUMEN_RTCP_RTPFB;
	wr16be(p + 2, (uint16_t)(plen / 4 - 1));
	wr32be(p + 4, tcc->sender_ssrc);
	wr32be(p + 8, tcc->media_ssrc);
	wr16be(p + 12, tcc->base_seq);
	wr16be(p + 14, tcc->count);
	wr24be(p + 16, (uint32_t)tcc->ref_time & 0xffffff);
	p[19] = tcc->fb_count;
	w->len += plen;
	return 0;
}
