/* rtcp.c -- compound RTCP walker, type parsers and writers (see rtcp.h for the formats).
 *
 * Pure functions over caller buffers: no allocation, no I/O, no logging, any thread. Parsers check
 * every length against the packet's own length field before reading; writers check the space
 * left before writing and leave the writer untouched on failure. Transport-wide feedback lives
 * in rtcp_tcc.c because its chunk coding is a codec of its own. */
#include <errno.h>
#include <string.h>

#include "webrtc/bytes.h"
#include "webrtc/rtcp.h"

void lumen_rtcp_iter_init(struct lumen_rtcp_iter *it, const uint8_t *buf, size_t len)
{
	it->buf = buf;
	it->len = len;
	it->off = 0;
}

int lumen_rtcp_next(struct lumen_rtcp_iter *it, struct lumen_rtcp_hdr *hdr)
{
	const uint8_t *p = it->buf + it->off;
	size_t left = it->len - it->off, plen, pad = 0;

	if (left == 0)
		return 0;
	if (left < 4 || p[0] >> 6 != 2)
		return -EINVAL;
	plen = 4 * ((size_t)rd16be(p + 2) + 1);
	if (plen > left)
		return -EINVAL;
	if (p[0] & 0x20) {
		pad = p[plen - 1];
		if (pad == 0 || pad > plen - 4)
			return -EINVAL;
	}
	hdr->count = p[0] & 0x1f;
	hdr->pt = p[1];
	hdr->body = p + 4;
	hdr->body_len = plen - 4 - pad;
	it->off += plen;
	return 1;
}

static void parse_rb(const uint8_t *p, struct lumen_rtcp_rb *rb)
{
	uint32_t lost = rd24be(p + 5);

	rb->ssrc = rd32be(p);
	rb->fraction_lost = p[4];
	rb->cumulative_lost = (int32_t)(lost ^ 0x800000u) - 0x800000; /* sign-extend 24 bits */
	rb->ext_highest_seq = rd32be(p + 8);
	rb->jitter = rd32be(p + 12);
	rb->lsr = rd32be(p + 16);
	rb->dlsr = rd32be(p + 20);
}

int lumen_rtcp_parse_report(const struct lumen_rtcp_hdr *hdr, struct lumen_rtcp_report *rep)
{
	size_t off;

	if (hdr->pt != LUMEN_RTCP_SR && hdr->pt != LUMEN_RTCP_RR)
		return -EINVAL;
	off = hdr->pt == LUMEN_RTCP_SR ? 24 : 4;
	/* Profile-specific extensions may follow the blocks: they are ignored. */
	if (hdr->body_len < off + 24u * hdr->count)
		return -EINVAL;
	memset(rep, 0, offsetof(struct lumen_rtcp_report, rb));
	rep->ssrc = rd32be(hdr->body);
	if (hdr->pt == LUMEN_RTCP_SR) {
		rep->ntp = rd64be(hdr->body + 4);
		rep->rtp_ts = rd32be(hdr->body + 12);
		rep->packets = rd32be(hdr->body + 16);
		rep->octets = rd32be(hdr->body + 20);
	}
	rep->n_rb = hdr->count;
	for (unsigned i = 0; i < hdr->count; i++)
		parse_rb(hdr->body + off + 24 * i, &rep->rb[i]);
	return 0;
}

/* One SDES chunk at body[*off]: its items up to the null item, then padding to 32 bits. */
static int parse_sdes_chunk(const uint8_t *body, size_t len, size_t *off, struct lumen_rtcp_sdes *s)
{
	size_t o = *off;
	unsigned n = s->n;

	if (o + 4 > len)
		return -EINVAL;
	s->chunk[n].ssrc = rd32be(body + o);
	s->chunk[n].cname = NULL;
	s->chunk[n].cname_len = 0;
	o += 4;
	for (;;) {
		if (o >= len)
			return -EINVAL;
		if (body[o] == 0)
			break;
		if (o + 2 > len || o + 2 + body[o + 1] > len)
			return -EINVAL;
		if (body[o] == 1 && !s->chunk[n].cname) {
			s->chunk[n].cname = (const char *)body + o + 2;
			s->chunk[n].cname_len = body[o + 1];
		}
		o += 2 + body[o + 1];
	}
	o = (o + 4) & ~(size_t)3; /* past the null item and its padding */
	if (o > len)
		return -EINVAL;
	*off = o;
	s->n++;
	return 0;
}

int lumen_rtcp_parse_sdes(const struct lumen_rtcp_hdr *hdr, struct lumen_rtcp_sdes *sdes)
{
	size_t off = 0;

	if (hdr->pt != LUMEN_RTCP_SDES)
		return -EINVAL;
	sdes->n = 0;
	for (unsigned i = 0; i < hdr->count; i++)
		if (parse_sdes_chunk(hdr->body, hdr->body_len, &off, sdes) < 0)
			return -EINVAL;
	return 0;
}

int lumen_rtcp_parse_bye(const struct lumen_rtcp_hdr *hdr, struct lumen_rtcp_bye *bye)
{
	size_t off = 4u * hdr->count;

	if (hdr->pt != LUMEN_RTCP_BYE || hdr->body_len < off)
		return -EINVAL;
	bye->n = hdr->count;
	for (unsigned i = 0; i < hdr->count; i++)
		bye->ssrc[i] = rd32be(hdr->body + 4 * i);
	bye->reason = NULL;
	bye->reason_len = 0;
	if (hdr->body_len > off) {
		uint8_t rlen = hdr->body[off];

		if (off + 1 + rlen > hdr->body_len)
			return -EINVAL;
		bye->reason = (const char *)hdr->body + off + 1;
		bye->reason_len = rlen;
	}
	return 0;
}

int lumen_rtcp_parse_fb(const struct lumen_rtcp_hdr *hdr, struct lumen_rtcp_fb *fb)
{
	if ((hdr->pt != LUMEN_RTCP_RTPFB && hdr->pt != LUMEN_RTCP_PSFB) || hdr->body_len < 8)
		return -EINVAL;
	fb->fmt = hdr->count;
	fb->sender_ssrc = rd32be(hdr->body);
	fb->media_ssrc = rd32be(hdr->body + 4);
	fb->fci = hdr->body + 8;
	fb->fci_len = hdr->body_len - 8;
	return 0;
}

ssize_t lumen_rtcp_nack_seqs(const struct lumen_rtcp_fb *fb, uint16_t *out, size_t cap)
{
	size_t n = 0;

	if (fb->fci_len == 0 || fb->fci_len % 4)
		return -EINVAL;
	for (size_t off = 0; off < fb->fci_len; off += 4) {
		uint16_t pid = rd16be(fb->fci + off), blp = rd16be(fb->fci + off + 2);

		if (n < cap)
			out[n] = pid;
		n++;
		for (unsigned b = 0; b < 16; b++) {
			if (!(blp & (1u << b)))
				continue;
			if (n < cap)
				out[n] = (uint16_t)(pid + b + 1);
			n++;
		}
	}
	return (ssize_t)n;
}

ssize_t lumen_rtcp_fir_count(const struct lumen_rtcp_fb *fb)
{
	if (fb->fci_len == 0 || fb->fci_len % 8)
		return -EINVAL;
	return (ssize_t)(fb->fci_len / 8);
}

void lumen_rtcp_fir_entry(const struct lumen_rtcp_fb *fb, size_t i, struct lumen_rtcp_fir_entry *e)
{
	e->ssrc = rd32be(fb->fci + 8 * i);
	e->seq = fb->fci[8 * i + 4];
}

int lumen_rtcp_parse_remb(const struct lumen_rtcp_fb *fb, struct lumen_rtcp_remb *remb)
{
	uint32_t mantissa;
	unsigned exp;

	if (fb->fci_len < 4 || memcmp(fb->fci, "REMB", 4) != 0)
		return -ENOENT;
	if (fb->fci_len < 8)
		return -EINVAL;
	remb->n_ssrc = fb->fci[4];
	exp = fb->fci[5] >> 2;
	mantissa = rd24be(fb->fci + 5) & 0x3ffff;
	if (fb->fci_len < 8 + 4u * remb->n_ssrc)
		return -EINVAL;
	if (mantissa && exp > (unsigned)__builtin_clzll(mantissa))
		return -EINVAL; /* would not fit 64 bits */
	remb->bitrate = (uint64_t)mantissa << exp;
	remb->ssrcs = fb->fci + 8;
	return 0;
}

uint32_t lumen_rtcp_remb_ssrc(const struct lumen_rtcp_remb *remb, size_t i)
{
	return rd32be(remb->ssrcs + 4 * i);
}

static int validate_fb(const struct lumen_rtcp_hdr *hdr)
{
	struct lumen_rtcp_fb fb;
	struct lumen_rtcp_remb remb;
	struct lumen_rtcp_tcc tcc;

	if (lumen_rtcp_parse_fb(hdr, &fb) < 0)
		return -EINVAL;
	if (hdr->pt == LUMEN_RTCP_RTPFB && fb.fmt == LUMEN_RTCP_FMT_NACK)
		return lumen_rtcp_nack_seqs(&fb, NULL, 0) < 0 ? -EINVAL : 0;
	if (hdr->pt == LUMEN_RTCP_RTPFB && fb.fmt == LUMEN_RTCP_FMT_TCC)
		return lumen_rtcp_parse_tcc(&fb, &tcc, NULL, NULL, 0);
	if (hdr->pt == LUMEN_RTCP_PSFB && fb.fmt == LUMEN_RTCP_FMT_FIR)
		return lumen_rtcp_fir_count(&fb) < 0 ? -EINVAL : 0;
	if (hdr->pt == LUMEN_RTCP_PSFB && fb.fmt == LUMEN_RTCP_FMT_AFB)
		return lumen_rtcp_parse_remb(&fb, &remb) == -EINVAL ? -EINVAL : 0;
	return 0; /* PLI and unknown formats carry nothing more to check */
}

int lumen_rtcp_validate(const uint8_t *buf, size_t len)
{
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr hdr;
	union {
		struct lumen_rtcp_report rep;
		struct lumen_rtcp_sdes sdes;
		struct lumen_rtcp_bye bye;
	} u;
	int n = 0, r;

	lumen_rtcp_iter_init(&it, buf, len);
	while ((r = lumen_rtcp_next(&it, &hdr)) > 0) {
		switch (hdr.pt) {
		case LUMEN_RTCP_SR:
		case LUMEN_RTCP_RR:
			r = lumen_rtcp_parse_report(&hdr, &u.rep);
			break;
		case LUMEN_RTCP_SDES:
			r = lumen_rtcp_parse_sdes(&hdr, &u.sdes);
			break;
		case LUMEN_RTCP_BYE:
			r = lumen_rtcp_parse_bye(&hdr, &u.bye);
			break;
		case LUMEN_RTCP_RTPFB:
		case LUMEN_RTCP_PSFB:
			r = validate_fb(&hdr);
			break;
		default:
			r = 0; /* APP and unknown types: skipped */
		}
		if (r < 0)
			return -EINVAL;
		n++;
	}
	return r < 0 ? -EINVAL : n;
}

/* --- writing ------------------------------------------------------------------------------ */

void lumen_rtcp_writer_init(struct lumen_rtcp_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
}

/* Reserves a packet of plen bytes (a multiple of 4) with its header written, or NULL. */
static uint8_t *begin(struct lumen_rtcp_writer *w, size_t plen, uint8_t count, uint8_t pt)
{
	uint8_t *p;

	if (plen > w->cap - w->len)
		return NULL;
	p = w->buf + w->len;
	memset(p, 0, plen);
	p[0] = (uint8_t)(0x80 | count);
	p[1] = pt;
	wr16be(p + 2, (uint16_t)(plen / 4 - 1));
	w->len += plen;
	return p;
}

static void write_rb(uint8_t *p, const struct lumen_rtcp_rb *rb)
{
	wr32be(p, rb->ssrc);
	p[4] = rb->fraction_lost;
	wr24be(p + 5, (uint32_t)rb->cumulative_lost & 0xffffff);
	wr32be(p + 8, rb->ext_highest_seq);
	wr32be(p + 12, rb->jitter);
	wr32be(p + 16, rb->lsr);
	wr32be(p + 20, rb->dlsr);
}

int lumen_rtcp_write_report(struct lumen_rtcp_writer *w, const struct lumen_rtcp_report *rep,
                            bool sr)
{
	size_t off = sr ? 28 : 8;
	uint8_t *p;

	if (rep->n_rb > LUMEN_RTCP_MAX_RB)
		return -EINVAL;
	p = begin(w, off + 24u * rep->n_rb, rep->n_rb, sr ? LUMEN_RTCP_SR : LUMEN_RTCP_RR);
	if (!p)
		return -ENOSPC;
	wr32be(p + 4, rep->ssrc);
	if (sr) {
		wr64be(p + 8, rep->ntp);
		wr32be(p + 16, rep->rtp_ts);
		wr32be(p + 20, rep->packets);
		wr32be(p + 24, rep->octets);
	}
	for (unsigned i = 0; i < rep->n_rb; i++)
		write_rb(p + off + 24 * i, &rep->rb[i]);
	return 0;
}

int lumen_rtcp_write_sdes_cname(struct lumen_rtcp_writer *w, uint32_t ssrc, const char *cname,
                                size_t len)
{
	uint8_t *p;

	if (len > 255)
		return -EINVAL;
	/* header, SSRC, type, length, text, at least one null octet, padded to 32 bits */
	p = begin(w, (4 + 4 + 2 + len + 1 + 3) & ~(size_t)3, 1, LUMEN_RTCP_SDES);
	if (!p)
		return -ENOSPC;
	wr32be(p + 4, ssrc);
	p[8] = 1;
	p[9] = (uint8_t)len;
	if (len)
		memcpy(p + 10, cname, len);
	return 0;
}

int lumen_rtcp_write_bye(struct lumen_rtcp_writer *w, const uint32_t *ssrc, size_t n,
                         const char *reason, size_t reason_len)
{
	size_t plen = 4 + 4 * n;
	uint8_t *p;

	if (n > LUMEN_RTCP_MAX_RB || reason_len > 255)
		return -EINVAL;
	if (reason)
		plen = (plen + 1 + reason_len + 3) & ~(size_t)3;
	p = begin(w, plen, (uint8_t)n, LUMEN_RTCP_BYE);
	if (!p)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++)
		wr32be(p + 4 + 4 * i, ssrc[i]);
	if (reason) {
		p[4 + 4 * n] = (uint8_t)reason_len;
		if (reason_len)
			memcpy(p + 5 + 4 * n, reason, reason_len);
	}
	return 0;
}

static uint8_t *begin_fb(struct lumen_rtcp_writer *w, size_t fci_len, uint8_t fmt, uint8_t pt,
                         uint32_t sender, uint32_t media)
{
	uint8_t *p = begin(w, 12 + fci_len, fmt, pt);

	if (p) {
		wr32be(p + 4, sender);
		wr32be(p + 8, media);
	}
	return p;
}

/* Number of PID/BLP pairs needed for seqs, and optionally writes them to fci. */
static size_t nack_pack(const uint16_t *seqs, size_t n, uint8_t *fci)
{
	size_t pairs = 0, i = 0;

	while (i < n) {
		uint16_t pid = seqs[i++], blp = 0;

		while (i < n) {
			uint16_t d = (uint16_t)(seqs[i] - pid);

			/* a repeat starts a new pair, so every seq given is sent once per mention
			 */
			if (d == 0 || d > 16 || (blp & 1u << (d - 1)))
				break;
			blp = (uint16_t)(blp | 1u << (d - 1));
			i++;
		}
		if (fci) {
			wr16be(fci + 4 * pairs, pid);
			wr16be(fci + 4 * pairs + 2, blp);
		}
		pairs++;
	}
	return pairs;
}

int lumen_rtcp_write_nack(struct lumen_rtcp_writer *w, uint32_t sender, uint32_t media,
                          const uint16_t *seqs, size_t n)
{
	size_t pairs = nack_pack(seqs, n, NULL);
	uint8_t *p;

	if (n == 0 || pairs > 0xfffd)
		return -EINVAL;
	p = begin_fb(w, 4 * pairs, LUMEN_RTCP_FMT_NACK, LUMEN_RTCP_RTPFB, sender, media);
	if (!p)
		return -ENOSPC;
	nack_pack(seqs, n, p + 12);
	return 0;
}

int lumen_rtcp_write_pli(struct lumen_rtcp_writer *w, uint32_t sender, uint32_t media)
{
	return begin_fb(w, 0, LUMEN_RTCP_FMT_PLI, LUMEN_RTCP_PSFB, sender, media) ? 0 : -ENOSPC;
}

int lumen_rtcp_write_fir(struct lumen_rtcp_writer *w, uint32_t sender,
                         const struct lumen_rtcp_fir_entry *e, size_t n)
{
	uint8_t *p;

	if (n == 0 || n > 0x1ffe)
		return -EINVAL;
	/* RFC 5104 4.3.1: the media source SSRC is unused and set to 0. */
	p = begin_fb(w, 8 * n, LUMEN_RTCP_FMT_FIR, LUMEN_RTCP_PSFB, sender, 0);
	if (!p)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++) {
		wr32be(p + 12 + 8 * i, e[i].ssrc);
		p[12 + 8 * i + 4] = e[i].seq;
	}
	return 0;
}

int lumen_rtcp_write_remb(struct lumen_rtcp_writer *w, uint32_t sender, uint64_t bitrate,
                          const uint32_t *ssrcs, size_t n)
{
	unsigned exp = 0;
	uint8_t *p;

	if (n > 255)
		return -EINVAL;
	while (bitrate > 0x3ffff) {
		bitrate >>= 1;
		exp++;
	}
	p = begin_fb(w, 8 + 4 * n, LUMEN_RTCP_FMT_AFB, LUMEN_RTCP_PSFB, sender, 0);
	if (!p)
		return -ENOSPC;
	memcpy(p + 12, "REMB", 4);
	p[16] = (uint8_t)n;
	wr24be(p + 17, (uint32_t)exp << 18 | (uint32_t)bitrate);
	for (size_t i = 0; i < n; i++)
		wr32be(p + 20 + 4 * i, ssrcs[i]);
	return 0;
}
