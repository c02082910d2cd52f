/* rooms/vp8.c -- the VP8 payload descriptor (RFC 7741 section 4.2) as a forwarder needs it:
 * picture id, TL0PICIDX, temporal layer and layer sync bit, and where a frame (keyframe) starts.
 *
 *        0 1 2 3 4 5 6 7
 *       +-+-+-+-+-+-+-+-+
 *       |X|R|N|S|R| PID | (REQUIRED)
 *       +-+-+-+-+-+-+-+-+
 *  X:   |I|L|T|K| RSV   | (OPTIONAL)
 *       +-+-+-+-+-+-+-+-+
 *  I:   |M| PictureID   | (OPTIONAL, M = 1: 15 bits, a second byte follows)
 *       +-+-+-+-+-+-+-+-+
 *  L:   |   TL0PICIDX   | (OPTIONAL)
 *       +-+-+-+-+-+-+-+-+
 *  T/K: |TID|Y| KEYIDX  | (OPTIONAL)
 *       +-+-+-+-+-+-+-+-+
 *
 * Reads only payload[0..len): the network decides every byte. */
#include <errno.h>

#include "layers.h"

int rooms_vp8_parse(const uint8_t *payload, size_t len, struct rooms_vp8_desc *d)
{
	size_t o = 1;

	*d = (struct rooms_vp8_desc){ 0 };
	if (!payload || len < 1)
		return -EINVAL;
	bool x = payload[0] & 0x80;
	bool s = payload[0] & 0x10;
	unsigned pid = payload[0] & 0x07;
	if (x) {
		if (len < 2)
			return -EINVAL;
		uint8_t ext = payload[1];
		bool i = ext & 0x80, l = ext & 0x40, t = ext & 0x20, k = ext & 0x10;
		o = 2;
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
			d->has_tl0 = true;
			d->tl0picidx = payload[o++];
		}
		if (t || k) {
			if (o >= len)
				return -EINVAL;
			if (t) {
				d->has_tid = true;
				d->tid = payload[o] >> 6;
				d->layer_sync = payload[o] & 0x20;
			}
			o++;
		}
	}
	/* A descriptor without a VP8 payload after it is not a VP8 packet. */
	if (o >= len)
		return -EINVAL;
	d->hdr_len = o;
	d->start = s && pid == 0;
	/* The first byte of a frame's payload header: P (bit 0) is 0 for a key frame. */
	d->keyframe = d->start && !(payload[o] & 0x01);
	return 0;
}

int rooms_vp8_write_ids(uint8_t *payload, size_t len, const struct rooms_vp8_desc *d,
			uint16_t picture_id, uint8_t tl0picidx)
{
	size_t o = 2;

	if (d->hdr_len > len || (!d->has_pic && !d->has_tl0))
		return d->hdr_len > len ? -EINVAL : 0;
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
		payload[o] = tl0picidx;
	return 0;
}
