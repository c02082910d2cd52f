/* rooms/vp9.c -- the VP9 payload descriptor (RFC 9628 section 4.2) as a forwarder needs it:
 * picture id, layer indices, TL0PICIDX, and where a picture (keyframe) starts. The reference
 * differences (P_DIFF) and the scalability structure are walked over, not kept: the selector
 * never changes how pictures refer to each other (see layers.c, why VP9 picture ids keep their
 * spacing within a source).
 *
 *        0 1 2 3 4 5 6 7
 *       +-+-+-+-+-+-+-+-+
 *       |I|P|L|F|B|E|V|Z| (REQUIRED)
 *       +-+-+-+-+-+-+-+-+
 *  I:   |M| PICTURE ID  | (M = 1: 15 bits, a second byte follows)
 *       +-+-+-+-+-+-+-+-+
 *  L:   | TID |U| SID |D| layer indices
 *       +-+-+-+-+-+-+-+-+
 *  L&!F:|   TL0PICIDX   | (non-flexible mode only)
 *       +-+-+-+-+-+-+-+-+
 *  P&F: | P_DIFF      |N| (flexible mode, up to 3, N: another follows)
 *       +-+-+-+-+-+-+-+-+
 *  V:   | SS ...        | scalability structure:
 *       N_S(3)|Y|G|-|-|-, Y: (N_S + 1) x 16-bit width and height, G: N_G, then N_G x
 *       [T(3)|U|R(2)|-|-] each followed by R P_DIFF bytes.
 *
 * Reads only payload[0..len): the network decides every byte. */
#include <errno.h>

#include "layers.h"

#define VP9_MAX_REFS 3

/* Walks the scalability structure at payload[*o..len). Returns 0 or -EINVAL (truncated). */
static int skip_ss(const uint8_t *payload, size_t len, size_t *o)
{
	size_t at = *o;

	if (at >= len)
		return -EINVAL;
	uint8_t b = payload[at++];
	unsigned n_s = (b >> 5) + 1u;
	bool y = b & 0x10, g = b & 0x08;
	if (y) {
		if (len - at < 4u * n_s)
			return -EINVAL;
		at += 4u * n_s;
	}
	if (g) {
		if (at >= len)
			return -EINVAL;
		unsigned n_g = payload[at++];
		for (unsigned i = 0; i < n_g; i++) {
			if (at >= len)
				return -EINVAL;
			unsigned r = (payload[at++] >> 2) & 0x03;
			if (len - at < r)
				return -EINVAL;
			at += r;
		}
	}
	*o = at;
	return 0;
}

int rooms_vp9_parse(const uint8_t *payload, size_t len, struct rooms_vp9_desc *d)
{
	size_t o = 1;

	*d = (struct rooms_vp9_desc){ 0 };
	if (!payload || len < 1)
		return -EINVAL;
	uint8_t b0 = payload[0];
	bool i = b0 & 0x80, l = b0 & 0x20, v = b0 & 0x02;
	d->inter_pic = b0 & 0x40;
	d->flexible = b0 & 0x10;
	d->begin = b0 & 0x08;
	d->end = b0 & 0x04;
	d->has_ss = v;
	if (i) {
		if (o >= len)
			return -EINVAL;
		d->has_pic = true;
		if (payload[o] & 0x80) {
			if (o + 1 >= len)
				return -EINVAL;
			d->pic_16bit = true;
			d->picture_id = (uint16_t)((payload[o] & 0x7f) << 8 | payload[o + 1]);
			o += 2;
		} else {
			d->picture_id = payload[o] & 0x7f;
			o += 1;
		}
	}
	if (l) {
		if (o >= len)
			return -EINVAL;
		d->has_layers = true;
		d->tid = payload[o] >> 5;
		d->switch_up = payload[o] & 0x10;
		d->sid = (payload[o] >> 1) & 0x07;
		d->inter_layer = payload[o] & 0x01;
		o++;
		if (!d->flexible) {
			if (o >= len)
				return -EINVAL;
			d->has_tl0 = true;
			d->tl0picidx = payload[o++];
		}
	}
	if (d->inter_pic && d->flexible) {
		/* Flexible mode names each reference; the N bit of the third must be clear. */
		for (unsigned n = 0;; n++) {
			if (o >= len || n == VP9_MAX_REFS)
				return -EINVAL;
			bool more = payload[o++] & 0x01;
			d->n_refs++;
			if (!more)
				break;
		}
	}
	if (v && skip_ss(payload, len, &o) < 0)
		return -EINVAL;
	/* A descriptor without a VP9 payload after it is not a VP9 packet. */
	if (o >= len)
		return -EINVAL;
	d->hdr_len = o;
	/* A picture starts at the beginning of its lowest spatial layer frame. */
	d->start = d->begin && (!d->has_layers || d->sid == 0);
	d->keyframe = d->start && !d->inter_pic;
	return 0;
}

int rooms_vp9_write_ids(uint8_t *payload, size_t len, const struct rooms_vp9_desc *d,
			uint16_t picture_id, uint8_t tl0picidx)
{
	size_t o = 1;

	if (d->hdr_len > len)
		return -EINVAL;
	if (d->has_pic) {
		if (d->pic_16bit) {
			payload[o] = (uint8_t)(0x80 | ((picture_id >> 8) & 0x7f));
			payload[o + 1] = (uint8_t)picture_id;
			o += 2;
		} else {
			payload[o] = picture_id & 0x7f;
			o += 1;
		}
	}
	if (d->has_tl0)
		payload[o + 1] = tl0picidx; /* after the layer indices byte */
	return 0;
}
