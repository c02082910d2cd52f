/* test_rooms_memo.c -- a fan-out parses each packet's payload descriptor once
 * (rooms_layer_packet_memo, shared by the subscribers of one packet) and must decide exactly as
 * rooms_layer_packet does when every subscriber parses for itself: two copies of the same
 * subscribers, one fed with a shared memo and one without, see the same random stream (VP8
 * descriptors of every shape, some truncated, three simulcast layers, loss and reordering,
 * pauses and temporal requests) and must agree on every verdict, byte and rewrite. The
 * subscribers mix VP8, VP9 and header-only selectors, so one packet's memo is asked for more
 * than one codec. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "rtp_header.h"

#define T0    1000000000LL
#define NSUB  6
#define STEPS 20000

struct sub {
	struct rooms_layer_sel s;
	uint8_t scratch[128];
	struct rooms_layer_out out;
};

/* xorshift32: a fixed sequence, so a failure repeats */
static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* An RTP packet (12-byte header) whose payload starts with a VP8 descriptor of random shape,
 * sometimes cut short; returns its length. */
static size_t mk(uint8_t *b, uint32_t *x, uint32_t ssrc, uint16_t seq, uint32_t ts, bool *key)
{
	size_t o = 12;
	uint32_t r = rnd(x);
	bool ext = r & 1, pic = r & 2, pic16 = r & 4, tl0 = r & 8, tid = r & 16, start = r & 32;

	*key = start && (r & 0x300) == 0;
	test_rtp_header(b, 96, seq, ts, ssrc);
	b[o++] = (uint8_t)((ext ? 0x80 : 0) | (start ? 0x10 : 0));
	if (ext) {
		b[o++] = (uint8_t)((pic ? 0x80 : 0) | (tl0 ? 0x40 : 0) | (tid ? 0x20 : 0));
		if (pic && pic16) {
			b[o++] = (uint8_t)(0x80 | ((r >> 10) & 0x7f));
			b[o++] = (uint8_t)(r >> 17);
		} else if (pic) {
			b[o++] = (uint8_t)((r >> 10) & 0x7f);
		}
		if (tl0)
			b[o++] = (uint8_t)(r >> 20);
		if (tid)
			b[o++] = (uint8_t)(((r >> 28) & 3) << 6 | ((r >> 30) & 1 ? 0x20 : 0));
	}
	b[o++] = *key ? 0x00 : 0x01;
	memcpy(b + o, "\xaa\xbb\xcc\xdd", 4);
	o += 4;
	if ((rnd(x) & 63) == 0)
		o = 12 + rnd(x) % (o - 12); /* truncated: the descriptor does not parse */
	return o;
}

static void same(const struct sub *a, const struct sub *b, enum rooms_layer_verdict va,
		 enum rooms_layer_verdict vb, int step, int i)
{
	cr_assert_eq(va, vb, "step %d, subscriber %d: verdict %d with the memo, %d without", step,
		     i, va, vb);
	cr_assert_eq(a->out.want_keyframe, b->out.want_keyframe, "step %d, subscriber %d", step, i);
	cr_assert_eq(a->out.switched, b->out.switched, "step %d, subscriber %d", step, i);
	if (va != ROOMS_LAYER_FORWARD)
		return;
	cr_assert_eq(a->out.len, b->out.len, "step %d, subscriber %d", step, i);
	cr_assert_arr_eq(a->out.data, b->out.data, a->out.len, "step %d, subscriber %d: bytes",
			 step, i);
	cr_assert_eq(a->out.rw.ssrc, b->out.rw.ssrc);
	cr_assert_eq(a->out.rw.seq, b->out.rw.seq, "step %d, subscriber %d: seq", step, i);
	cr_assert_eq(a->out.rw.timestamp, b->out.rw.timestamp, "step %d, subscriber %d", step, i);
}

Test(rooms_memo, a_shared_parse_decides_as_each_subscriber_parsing_alone)
{
	static const enum rooms_codec_kind codec[NSUB] = {
		ROOMS_CODEC_VP8, ROOMS_CODEC_VP9, ROOMS_CODEC_VP8,
		ROOMS_CODEC_OTHER, ROOMS_CODEC_VP8, ROOMS_CODEC_VP9,
	};
	struct sub with[NSUB], without[NSUB];
	struct rooms_layer_rates rates;
	uint8_t pkt[64];
	uint32_t x = 0x2545f491, ts = 1000;
	uint16_t seq[3] = {100, 5000, 30000};
	int64_t now = T0;
	unsigned forwarded = 0, parsed_once = 0;

	rooms_layer_rates_init(&rates);
	for (int i = 0; i < NSUB; i++) {
		rooms_layer_init(&with[i].s, 0x1000u + (uint32_t)i, 90000, 3, codec[i]);
		rooms_layer_init(&without[i].s, 0x1000u + (uint32_t)i, 90000, 3, codec[i]);
	}
	for (int step = 0; step < STEPS; step++) {
		unsigned layer = rnd(&x) % 3;
		bool key;
		struct lumen_rtp_packet p;
		struct rooms_layer_memo memo;
		uint16_t sq = seq[layer]++;

		if ((rnd(&x) & 15) == 0)
			sq = (uint16_t)(sq - 1 - rnd(&x) % 4); /* late or repeated */
		if ((rnd(&x) & 7) == 0)
			ts += 3000;
		now += 1000 + rnd(&x) % 4000;
		size_t len = mk(pkt, &x, 0xa0u + layer, sq, ts, &key);
		p = (struct lumen_rtp_packet){
			.data = pkt, .len = len, .ssrc = 0xa0u + layer, .timestamp = ts, .seq = sq,
			.pt = 96, .kind = LUMEN_MEDIA_VIDEO, .keyframe = key, .audio_level = -1,
		};
		rooms_layer_rates_add(&rates, layer, len, now);
		/* now and then a subscriber changes what it asks for, on both copies */
		if ((rnd(&x) & 255) == 0) {
			int i = (int)(rnd(&x) % NSUB), l = (int)(rnd(&x) % 4) - 1,
			    t = (int)(rnd(&x) % 4) - 1;
			bool pause = (rnd(&x) & 7) == 0;

			rooms_layer_request(&with[i].s, l, t);
			rooms_layer_request(&without[i].s, l, t);
			with[i].s.paused = without[i].s.paused = pause;
		}
		memo.parsed = false;
		for (int i = 0; i < NSUB; i++) {
			enum rooms_layer_verdict va, vb;

			va = rooms_layer_packet_memo(&with[i].s, layer, &p, &rates, now,
						     with[i].scratch, sizeof(with[i].scratch),
						     &memo, &with[i].out);
			vb = rooms_layer_packet(&without[i].s, layer, &p, &rates, now,
						without[i].scratch, sizeof(without[i].scratch),
						&without[i].out);
			same(&with[i], &without[i], va, vb, step, i);
			forwarded += va == ROOMS_LAYER_FORWARD;
		}
		parsed_once += memo.parsed;
	}
	/* the stream exercised both outcomes and the memo was used */
	cr_assert_gt(forwarded, STEPS / 4, "%u forwarded", forwarded);
	cr_assert_gt(parsed_once, STEPS / 2, "%u packets parsed through the memo", parsed_once);
}
