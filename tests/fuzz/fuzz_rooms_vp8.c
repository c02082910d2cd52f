/* fuzz_rooms_vp8.c -- the rooms layer selector over arbitrary input: the VP8 and VP9 descriptor
 * parsers never read outside their buffer (exact-size copies, ASan) and rewriting the ids they
 * parsed with their own values changes nothing; then a sequence of arbitrary packets, requests,
 * estimates, pauses and clock steps through one selector, which must never read or write outside
 * the packet or the scratch buffer, and whose forwarded packets keep their length, carry the
 * subscriber's SSRC, differ from the published one at most in the descriptor's ids, and carry no
 * TID above the temporal layer the selector forwards.
 *
 * Input: byte 0 configures (layers, clock, codec: 0x04 VP8, 0x0c VP9); then records of
 * [op][len][len bytes]. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_only(const uint8_t *data, size_t size)
{
	struct rooms_vp8_desc d;
	uint8_t *p = malloc(size ? size : 1);

	struct rooms_vp9_desc d9;

	if (!p)
		return;
	memcpy(p, data, size);
	if (rooms_vp8_parse(p, size, &d) == 0) {
		if (d.hdr_len == 0 || d.hdr_len >= size)
			abort();
		if (rooms_vp8_write_ids(p, size, &d, d.picture_id, d.tl0picidx) != 0 ||
		    memcmp(p, data, size) != 0)
			abort(); /* the same ids written back must leave the bytes alone */
	}
	if (rooms_vp9_parse(p, size, &d9) == 0) {
		if (d9.hdr_len == 0 || d9.hdr_len >= size || d9.n_refs > 3 ||
		    (d9.keyframe && !d9.start) || (d9.has_tl0 && d9.flexible))
			abort();
		if (rooms_vp9_write_ids(p, size, &d9, d9.picture_id, d9.tl0picidx) != 0 ||
		    memcmp(p, data, size) != 0)
			abort();
		/* Other ids change the id bytes only. */
		uint16_t pic = (uint16_t)(d9.picture_id ^ 0x7fff) & (d9.pic_16bit ? 0x7fff : 0x7f);
		uint8_t tl0 = (uint8_t)(d9.tl0picidx ^ 0xff);
		rooms_vp9_write_ids(p, size, &d9, pic, tl0);
		struct rooms_vp9_desc again;
		if (rooms_vp9_parse(p, size, &again) != 0 || again.hdr_len != d9.hdr_len ||
		    memcmp(p + d9.hdr_len, data + d9.hdr_len, size - d9.hdr_len) != 0 ||
		    (again.has_pic && again.picture_id != pic) ||
		    (again.has_tl0 && again.tl0picidx != tl0) ||
		    again.tid != d9.tid || again.sid != d9.sid || again.n_refs != d9.n_refs)
			abort();
	}
	free(p);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Where the RTP payload starts (the selector's own rule), or 0 when it has none. */
static size_t payload_at(const uint8_t *b, size_t len, size_t *plen)
{
	if (len < 12)
		return 0;
	size_t o = 12 + 4u * (b[0] & 0x0f), end = len;
	if (b[0] & 0x10) {
		if (o + 4 > len)
			return 0;
		o += 4 + 4u * (size_t)(b[o + 2] << 8 | b[o + 3]);
	}
	if (b[0] & 0x20) {
		if (b[len - 1] == 0 || b[len - 1] > len)
			return 0;
		end -= b[len - 1];
	}
	if (o > end)
		return 0;
	*plen = end - o;
	return o;
}

/* A forwarded VP8 / VP9 packet parses and carries no TID above what the selector forwards. */
static void check_desc(const struct rooms_layer_sel *s, const uint8_t *b, size_t len)
{
	size_t plen = 0, o = payload_at(b, len, &plen);
	struct rooms_vp8_desc d8;
	struct rooms_vp9_desc d9;

	if (s->codec != ROOMS_CODEC_OTHER && o == 0)
		abort();
	if (s->codec == ROOMS_CODEC_VP8) {
		if (rooms_vp8_parse(b + o, plen, &d8) != 0 ||
		    (d8.has_tid && d8.tid > s->cur_temporal))
			abort();
	} else if (s->codec == ROOMS_CODEC_VP9) {
		if (rooms_vp9_parse(b + o, plen, &d9) != 0 ||
		    (d9.has_layers && d9.tid > s->cur_temporal))
			abort();
	}
}

static void one_packet(struct rooms_layer_sel *s, struct rooms_layer_rates *r, uint8_t op,
		       const uint8_t *bytes, size_t len, int64_t now)
{
	struct rooms_layer_out out;
	unsigned layer = op & 3;
	uint8_t *buf = malloc(len ? len : 1), *scratch;
	size_t cap = (op & 0x40) ? len : len / 2; /* sometimes too small: must not overflow */

	if (!buf)
		return;
	scratch = malloc(cap ? cap : 1);
	if (!scratch) {
		free(buf);
		return;
	}
	memcpy(buf, bytes, len);
	struct lumen_rtp_packet p = {
		.data = buf, .len = len, .audio_level = -1,
		.kind = (op & 0x20) ? LUMEN_MEDIA_AUDIO : LUMEN_MEDIA_VIDEO,
		.keyframe = op & 0x10, .arrival_us = now,
	};
	if (len >= 12) {
		p.seq = (uint16_t)(buf[2] << 8 | buf[3]);
		p.timestamp = rd32(buf + 4);
		p.ssrc = rd32(buf + 8);
		p.pt = buf[1] & 0x7f;
	}
	rooms_layer_rates_add(r, layer, len, now);
	if (rooms_layer_packet(s, layer, &p, r, now, scratch, cap, &out) == ROOMS_LAYER_FORWARD) {
		if (out.len != len || out.rw.ssrc != s->out_ssrc || !out.rw.set_seq)
			abort();
		if (out.data != buf && out.data != scratch)
			abort();
		/* A patched copy rewrites VP8 ids only: the RTP header stays. */
		if (out.data == scratch && (len < 12 || memcmp(scratch, buf, 12) != 0))
			abort();
		if (memcmp(buf, bytes, len) != 0)
			abort(); /* the published packet is never written */
		if (p.kind == LUMEN_MEDIA_VIDEO)
			check_desc(s, out.data, out.len);
	}
	free(scratch);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rooms_layer_sel s;
	struct rooms_layer_rates r;
	int64_t now = 1000000;
	size_t o = 1;

	parse_only(data, size);
	if (size < 1)
		return 0;
	rooms_layer_rates_init(&r);
	rooms_layer_init(&s, 0x12345678, (data[0] & 0x80) ? 48000 : 90000, (data[0] & 3) + 1,
			 !(data[0] & 0x04) ? ROOMS_CODEC_OTHER
			 : (data[0] & 0x08) ? ROOMS_CODEC_VP9 : ROOMS_CODEC_VP8);
	while (o + 2 <= size) {
		uint8_t op = data[o], len = data[o + 1];
		o += 2;
		if (len > size - o)
			len = (uint8_t)(size - o);
		const uint8_t *arg = data + o;
		o += len;
		switch (op >> 7 ? (op >> 2) & 3 : 4) {
		case 0: /* request layer, temporal */
			rooms_layer_request(&s, len ? (int8_t)arg[0] : -1, len > 1 ? (int8_t)arg[1] : -1);
			break;
		case 1: /* bandwidth estimate */
			rooms_layer_bandwidth(&s, len >= 4 ? rd32(arg) : len, &r, now);
			break;
		case 2: /* pause toggle */
			s.paused = !s.paused;
			break;
		case 3: /* the clock moves (backwards too) */
			now += (int64_t)(int8_t)(len ? arg[0] : 0) * 50000;
			break;
		default:
			one_packet(&s, &r, op, arg, len, now);
			now += 1000;
			break;
		}
	}
	return 0;
}
