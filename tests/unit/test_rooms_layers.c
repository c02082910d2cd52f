/* test_rooms_layers.c -- what a subscriber receives of a simulcast / temporally layered track:
 * one continuous stream (sequence numbers without holes, growing timestamps, continuing VP8
 * picture ids) across switches, temporal drops, pauses and publisher restarts; switches only at
 * keyframes; the automatic choice's hysteresis and probing; and VP8 descriptors that lie. Time
 * is passed in explicitly (now_us), nothing sleeps. It stays one file (over 800 lines) because
 * every test drives the same selector through the same packet builders; VP9 has its own file. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "rtp_header.h"

#define T0 1000000000LL /* an arbitrary monotonic start */

struct vp8 {
	int pic;        /* -1: no picture id */
	bool pic16;
	int tl0;        /* -1: none */
	int tid;        /* -1: none */
	bool sync, start, key;
};

struct pkt {
	uint8_t buf[64];
	struct lumen_rtp_packet p;
};

/* RTP header (12 bytes) + VP8 descriptor + 1 payload header byte + 4 bytes of "payload". */
static void mk(struct pkt *k, uint32_t ssrc, uint16_t seq, uint32_t ts, const struct vp8 *v)
{
	uint8_t *b = k->buf;
	size_t o = 12;

	memset(k, 0, sizeof(*k));
	test_rtp_header(b, 96, seq, ts, ssrc);
	bool x = v->pic >= 0 || v->tl0 >= 0 || v->tid >= 0;
	b[o++] = (uint8_t)((x ? 0x80 : 0) | (v->start ? 0x10 : 0));
	if (x) {
		b[o++] = (uint8_t)((v->pic >= 0 ? 0x80 : 0) | (v->tl0 >= 0 ? 0x40 : 0) |
				   (v->tid >= 0 ? 0x20 : 0));
		if (v->pic >= 0 && v->pic16) {
			b[o++] = (uint8_t)(0x80 | ((v->pic >> 8) & 0x7f));
			b[o++] = (uint8_t)v->pic;
		} else if (v->pic >= 0) {
			b[o++] = (uint8_t)(v->pic & 0x7f);
		}
		if (v->tl0 >= 0)
			b[o++] = (uint8_t)v->tl0;
		if (v->tid >= 0)
			b[o++] = (uint8_t)(v->tid << 6 | (v->sync ? 0x20 : 0));
	}
	b[o++] = v->key && v->start ? 0x00 : 0x01;
	memcpy(b + o, "\xaa\xbb\xcc\xdd", 4);
	o += 4;
	k->p = (struct lumen_rtp_packet){
		.data = b, .len = o, .ssrc = ssrc, .timestamp = ts, .seq = seq, .pt = 96,
		.kind = LUMEN_MEDIA_VIDEO, .keyframe = v->key && v->start, .audio_level = -1,
	};
}

/* All n layers active at now with the given rates. */
static void rates_at(struct rooms_layer_rates *r, int64_t now, uint32_t b0, uint32_t b1, uint32_t b2)
{
	rooms_layer_rates_init(r);
	r->bps[0] = b0;
	r->bps[1] = b1;
	r->bps[2] = b2;
	r->window_start_us = now;
	for (unsigned l = 0; l < ROOMS_LAYERS_MAX; l++)
		r->last_seen_us[l] = now;
}

struct run {
	struct rooms_layer_sel s;
	struct rooms_layer_rates r;
	uint8_t scratch[64];
	struct rooms_layer_out out;
};

static enum rooms_layer_verdict feed(struct run *x, unsigned layer, const struct pkt *k, int64_t now)
{
	return rooms_layer_packet(&x->s, layer, &k->p, &x->r, now, x->scratch, sizeof(x->scratch),
				  &x->out);
}

/* The VP8 descriptor of what went out. */
static struct rooms_vp8_desc out_desc(const struct run *x)
{
	struct rooms_vp8_desc d;
	cr_assert_eq(rooms_vp8_parse(x->out.data + 12, x->out.len - 12, &d), 0);
	return d;
}

static const struct vp8 KEY = { .pic = -1, .tl0 = -1, .tid = -1, .start = true, .key = true };
static const struct vp8 DELTA = { .pic = -1, .tl0 = -1, .tid = -1, .start = true };

Test(rooms_layers, first_packet_waits_for_a_keyframe_and_asks_for_one)
{
	struct run x;
	struct pkt k;

	rates_at(&x.r, T0, 100000, 300000, 900000);
	rooms_layer_init(&x.s, 0x5150, 90000, 3, ROOMS_CODEC_VP8);
	rooms_layer_request(&x.s, 1, -1);
	mk(&k, 0x1001, 100, 9000, &DELTA);
	cr_assert_eq(feed(&x, 1, &k, T0), ROOMS_LAYER_DROP);
	cr_assert(x.out.want_keyframe);
	cr_assert_eq(x.out.want_keyframe_layer, 1);
	cr_assert_eq(rooms_layer_current(&x.s), -1);
	mk(&k, 0x1000, 50, 9000, &KEY);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_DROP, "not the chosen layer");
	mk(&k, 0x1001, 101, 12000, &KEY);
	cr_assert_eq(feed(&x, 1, &k, T0 + 1000), ROOMS_LAYER_FORWARD);
	cr_assert_not(x.out.want_keyframe);
	cr_assert_not(x.out.switched, "a first packet is not a switch");
	cr_assert_eq(x.out.rw.ssrc, 0x5150);
	cr_assert(x.out.rw.set_ssrc && x.out.rw.set_seq && x.out.rw.set_timestamp);
	cr_assert_eq(x.out.data, k.p.data, "nothing to patch: no VP8 ids");
	cr_assert_eq(rooms_layer_current(&x.s), 1);
}

Test(rooms_layers, switch_happens_at_the_target_keyframe_with_continuous_seq_and_ts)
{
	struct run x;
	struct pkt k;
	int64_t now = T0;
	uint16_t s0 = 1000, s2 = 40000;
	uint32_t t0 = 5000, t2 = 777777;

	rates_at(&x.r, now, 100000, 300000, 900000);
	rooms_layer_init(&x.s, 0xabc, 90000, 3, ROOMS_CODEC_OTHER);
	rooms_layer_request(&x.s, 0, -1);
	mk(&k, 0xa0, s0++, t0, &KEY);
	cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_FORWARD);
	uint16_t last_seq = x.out.rw.seq;
	uint32_t last_ts = x.out.rw.timestamp;
	for (int i = 0; i < 5; i++) {
		now += 33000;
		t0 += 3000;
		mk(&k, 0xa0, s0++, t0, &DELTA);
		cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_FORWARD);
		cr_assert_eq(x.out.rw.seq, (uint16_t)(last_seq + 1));
		last_seq = x.out.rw.seq;
		last_ts = x.out.rw.timestamp;
	}
	rooms_layer_request(&x.s, 2, -1);
	/* Layer 2 deltas: dropped, keyframe asked; layer 0 goes on meanwhile. */
	for (int i = 0; i < 3; i++) {
		now += 10000;
		mk(&k, 0xa2, s2++, t2 += 3000, &DELTA);
		cr_assert_eq(feed(&x, 2, &k, now), ROOMS_LAYER_DROP);
		cr_assert(x.out.want_keyframe);
		cr_assert_eq(x.out.want_keyframe_layer, 2);
		mk(&k, 0xa0, s0++, t0 += 3000, &DELTA);
		cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_FORWARD);
		cr_assert(x.out.want_keyframe, "still waiting: keep asking (the caller rate-limits)");
		cr_assert_eq(x.out.rw.seq, (uint16_t)(last_seq + 1));
		last_seq = x.out.rw.seq;
		last_ts = x.out.rw.timestamp;
	}
	cr_assert_eq(rooms_layer_current(&x.s), 0);
	now += 20000; /* 20 ms after the last forwarded packet: 1800 ticks at 90 kHz */
	mk(&k, 0xa2, s2++, t2 += 3000, &KEY);
	cr_assert_eq(feed(&x, 2, &k, now), ROOMS_LAYER_FORWARD);
	cr_assert(x.out.switched);
	cr_assert_eq(x.s.switches, 1);
	cr_assert_eq(x.out.rw.ssrc, 0xabc);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(last_seq + 1));
	cr_assert_eq(x.out.rw.timestamp, last_ts + 1800);
	last_seq = x.out.rw.seq;
	last_ts = x.out.rw.timestamp;
	mk(&k, 0xa0, s0++, t0 += 3000, &DELTA);
	cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_DROP, "the old layer stops");
	mk(&k, 0xa2, s2++, t2 + 3000, &DELTA);
	cr_assert_eq(feed(&x, 2, &k, now + 33000), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(last_seq + 1));
	cr_assert_eq(x.out.rw.timestamp, last_ts + 3000, "same source: the source's own spacing");
	cr_assert_not(x.out.switched);
	/* A late packet of the new layer from before its keyframe would take used numbers. */
	mk(&k, 0xa2, (uint16_t)(s2 - 5), t2 - 9000, &DELTA);
	cr_assert_eq(feed(&x, 2, &k, now + 34000), ROOMS_LAYER_DROP);
}

Test(rooms_layers, same_timestamp_source_switch_still_moves_time_forward)
{
	struct run x;
	struct pkt k;

	rates_at(&x.r, T0, 1, 1, 1);
	rooms_layer_init(&x.s, 1, 90000, 2, ROOMS_CODEC_OTHER);
	rooms_layer_request(&x.s, 0, -1);
	mk(&k, 10, 1, 100, &KEY);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	uint32_t ts = x.out.rw.timestamp;
	rooms_layer_request(&x.s, 1, -1);
	mk(&k, 11, 1, 100, &KEY);
	cr_assert_eq(feed(&x, 1, &k, T0), ROOMS_LAYER_FORWARD, "no wall time elapsed");
	cr_assert_eq(x.out.rw.timestamp, ts + 1, "at least one tick");
}

Test(rooms_layers, reordering_and_loss_pass_through_within_a_source)
{
	struct run x;
	struct pkt k;

	rates_at(&x.r, T0, 1, 0, 0);
	rooms_layer_init(&x.s, 1, 90000, 1, ROOMS_CODEC_OTHER);
	mk(&k, 10, 500, 100, &KEY);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	uint16_t base = x.out.rw.seq;
	mk(&k, 10, 503, 3100, &DELTA);
	cr_assert_eq(feed(&x, 0, &k, T0 + 1), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(base + 3), "a gap stays a gap (the receiver NACKs it)");
	mk(&k, 10, 501, 100, &DELTA);
	cr_assert_eq(feed(&x, 0, &k, T0 + 2), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(base + 1), "the late packet fills its hole");
	cr_assert_eq(x.out.rw.timestamp, 100);
	mk(&k, 10, 504, 3100, &DELTA);
	cr_assert_eq(feed(&x, 0, &k, T0 + 3), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(base + 4));
}

/* A 3-layer temporal pattern 0 2 1 2 0 2 1 2 ..., two packets per frame. */
static int tid_of(int frame)
{
	static const int pattern[4] = { 0, 2, 1, 2 };
	return pattern[frame % 4];
}

Test(rooms_layers, temporal_drop_keeps_seq_and_picture_ids_contiguous)
{
	struct run x;
	struct pkt k;
	uint16_t seq = 65500; /* wraps during the test */
	int pic = 32700, tl0 = 250;
	int64_t now = T0;
	int forwarded = 0;
	uint16_t last_seq = 0, last_pic = 0;
	uint8_t last_tl0 = 0;

	rates_at(&x.r, now, 1, 0, 0);
	rooms_layer_init(&x.s, 7, 90000, 1, ROOMS_CODEC_VP8);
	rooms_layer_request(&x.s, -1, 0);
	for (int f = 0; f < 40; f++, pic = (pic + 1) & 0x7fff) {
		int tid = tid_of(f);
		if (tid == 0)
			tl0 = (tl0 + 1) & 0xff;
		for (int part = 0; part < 2; part++) {
			struct vp8 v = { .pic = pic, .pic16 = true, .tl0 = tl0, .tid = tid,
					 .start = part == 0, .key = f == 0, .sync = tid > 0 };
			mk(&k, 99, seq++, (uint32_t)(f * 3000), &v);
			now += 1000;
			enum rooms_layer_verdict vd = feed(&x, 0, &k, now);
			if (tid > 0) {
				cr_assert_eq(vd, ROOMS_LAYER_DROP, "frame %d tid %d", f, tid);
				continue;
			}
			cr_assert_eq(vd, ROOMS_LAYER_FORWARD, "frame %d", f);
			struct rooms_vp8_desc d = out_desc(&x);
			cr_assert(d.pic_16bit, "the width stays as received");
			if (forwarded > 0) {
				cr_assert_eq(x.out.rw.seq, (uint16_t)(last_seq + 1), "frame %d", f);
				cr_assert_eq(d.picture_id,
					     part == 0 ? ((last_pic + 1) & 0x7fff) : last_pic);
				cr_assert_eq(d.tl0picidx, part == 0 ? (uint8_t)(last_tl0 + 1) : last_tl0);
			}
			last_seq = x.out.rw.seq;
			last_pic = d.picture_id;
			last_tl0 = d.tl0picidx;
			forwarded++;
		}
	}
	cr_assert_eq(forwarded, 20);
	cr_assert_eq(x.s.dropped, 60);

	/* Late copies: a dropped packet is dropped again, a TL0 packet maps where it was. */
	struct vp8 v2 = { .pic = (pic - 3) & 0x7fff, .pic16 = true, .tl0 = tl0, .tid = 2, .start = true };
	mk(&k, 99, (uint16_t)(seq - 6), 0, &v2);
	cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_DROP);
	struct vp8 v0 = { .pic = (pic - 4) & 0x7fff, .pic16 = true, .tl0 = tl0, .tid = 0 };
	mk(&k, 99, (uint16_t)(seq - 7), 0, &v0);
	cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, last_seq, "the copy of the last forwarded packet, same number");
	cr_assert_eq(out_desc(&x).picture_id, last_pic);

	/* Up to all layers: at the next layer sync frame of TID 1, then of TID 2. */
	rooms_layer_request(&x.s, -1, -1);
	struct vp8 up1 = { .pic = pic, .pic16 = true, .tl0 = tl0, .tid = 1, .start = true, .sync = true };
	mk(&k, 99, seq++, 0, &up1);
	cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(last_seq + 1));
	cr_assert_eq(out_desc(&x).picture_id, (last_pic + 1) & 0x7fff);
	pic = (pic + 1) & 0x7fff;
	struct vp8 nosync = { .pic = pic, .pic16 = true, .tl0 = tl0, .tid = 2, .start = true };
	mk(&k, 99, seq++, 0, &nosync);
	cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_DROP, "TID 2 without layer sync");
	pic = (pic + 1) & 0x7fff;
	struct vp8 up2 = { .pic = pic, .pic16 = true, .tl0 = tl0, .tid = 2, .start = true, .sync = true };
	mk(&k, 99, seq++, 0, &up2);
	cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(last_seq + 2), "the no-sync drop left no hole");
	cr_assert_eq(out_desc(&x).picture_id, (last_pic + 2) & 0x7fff);
}

Test(rooms_layers, picture_id_and_tl0_continue_across_a_switch)
{
	struct run x;
	struct pkt k;

	rates_at(&x.r, T0, 1, 1, 1);
	rooms_layer_init(&x.s, 3, 90000, 3, ROOMS_CODEC_VP8);
	rooms_layer_request(&x.s, 0, -1);
	/* Layer 0 uses 7-bit picture ids near the wrap, layer 1 15-bit ones far away. */
	struct vp8 a = { .pic = 126, .tl0 = 9, .tid = 0, .start = true, .key = true };
	mk(&k, 20, 1, 0, &a);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.data, k.p.data, "first source: ids as they are, no copy");
	a.pic = 127; a.tl0 = 10; a.key = false;
	mk(&k, 20, 2, 3000, &a);
	cr_assert_eq(feed(&x, 0, &k, T0 + 1), ROOMS_LAYER_FORWARD);
	rooms_layer_request(&x.s, 1, -1);
	struct vp8 b = { .pic = 20000, .pic16 = true, .tl0 = 200, .tid = 0, .start = true, .key = true };
	mk(&k, 21, 900, 50, &b);
	cr_assert_eq(feed(&x, 1, &k, T0 + 2), ROOMS_LAYER_FORWARD);
	cr_assert(x.out.switched);
	cr_assert_eq(x.out.data, x.scratch, "patched copy");
	cr_assert_eq(k.buf[14], 0x80 | (20000 >> 8), "the published packet is untouched");
	cr_assert_eq(k.buf[15], 20000 & 0xff);
	struct rooms_vp8_desc d = out_desc(&x);
	cr_assert(d.pic_16bit);
	cr_assert_eq(d.picture_id, 128);
	cr_assert_eq(d.tl0picidx, 11);
	cr_assert(d.keyframe);
	cr_assert_eq(memcmp(x.out.data + 12 + d.hdr_len, k.buf + 12 + d.hdr_len, 5), 0,
		     "the payload is left alone");
	/* Back down to the 7-bit layer: wraps to 0 (129 & 0x7f = 1 would be wrong: 128+1 = 129). */
	rooms_layer_request(&x.s, 0, -1);
	a.pic = 5; a.tl0 = 11; a.key = true;
	mk(&k, 20, 3, 6000, &a);
	cr_assert_eq(feed(&x, 0, &k, T0 + 3), ROOMS_LAYER_FORWARD);
	d = out_desc(&x);
	cr_assert_not(d.pic_16bit);
	cr_assert_eq(d.picture_id, 129 & 0x7f);
	cr_assert_eq(d.tl0picidx, 12);
}

Test(rooms_layers, publisher_ssrc_change_continues_the_stream)
{
	struct run x;
	struct pkt k;

	rates_at(&x.r, T0, 1, 0, 0);
	rooms_layer_init(&x.s, 3, 90000, 1, ROOMS_CODEC_OTHER);
	mk(&k, 1, 10, 10, &KEY);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	uint16_t seq = x.out.rw.seq;
	uint32_t ts = x.out.rw.timestamp;
	mk(&k, 2, 30000, 4000000, &DELTA);
	cr_assert_eq(feed(&x, 0, &k, T0 + 5000), ROOMS_LAYER_DROP, "a restarted video waits for a keyframe");
	cr_assert(x.out.want_keyframe);
	mk(&k, 2, 30001, 4000000, &KEY);
	cr_assert_eq(feed(&x, 0, &k, T0 + 10000), ROOMS_LAYER_FORWARD);
	cr_assert_not(x.out.switched, "same layer");
	cr_assert_eq(x.out.rw.seq, (uint16_t)(seq + 1));
	cr_assert_eq(x.out.rw.timestamp, ts + 900);
	mk(&k, 1, 11, 3010, &DELTA);
	cr_assert_eq(feed(&x, 0, &k, T0 + 11000), ROOMS_LAYER_DROP, "the old SSRC is gone");
}

Test(rooms_layers, audio_needs_no_keyframe_and_bridges_wall_time)
{
	struct run x;
	struct pkt k;

	rates_at(&x.r, T0, 1, 0, 0);
	rooms_layer_init(&x.s, 0x0a, 48000, 1, ROOMS_CODEC_OTHER);
	mk(&k, 1, 7, 960, &DELTA);
	k.p.kind = LUMEN_MEDIA_AUDIO;
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	cr_assert_not(x.out.want_keyframe);
	uint16_t seq = x.out.rw.seq;
	uint32_t ts = x.out.rw.timestamp;
	mk(&k, 2, 9999, 123, &DELTA);
	k.p.kind = LUMEN_MEDIA_AUDIO;
	cr_assert_eq(feed(&x, 0, &k, T0 + 20000), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(seq + 1));
	cr_assert_eq(x.out.rw.timestamp, ts + 960, "20 ms at 48 kHz");
}

Test(rooms_layers, paused_drops_everything_then_resumes_at_a_keyframe)
{
	struct run x;
	struct pkt k;

	rates_at(&x.r, T0, 1, 0, 0);
	rooms_layer_init(&x.s, 3, 90000, 1, ROOMS_CODEC_OTHER);
	mk(&k, 1, 10, 0, &KEY);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	uint16_t seq = x.out.rw.seq;
	uint32_t ts = x.out.rw.timestamp;
	x.s.paused = true;
	mk(&k, 1, 11, 3000, &KEY);
	cr_assert_eq(feed(&x, 0, &k, T0 + 1000), ROOMS_LAYER_DROP);
	cr_assert_not(x.out.want_keyframe, "nothing to ask for while paused");
	mk(&k, 1, 12, 6000, &DELTA);
	cr_assert_eq(feed(&x, 0, &k, T0 + 2000), ROOMS_LAYER_DROP);
	x.s.paused = false;
	rates_at(&x.r, T0 + 1000000, 1, 0, 0);
	mk(&k, 1, 13, 9000, &DELTA);
	cr_assert_eq(feed(&x, 0, &k, T0 + 1000000), ROOMS_LAYER_DROP);
	cr_assert(x.out.want_keyframe);
	mk(&k, 1, 14, 12000, &KEY);
	cr_assert_eq(feed(&x, 0, &k, T0 + 1000000), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(seq + 1), "no hole for what the pause dropped");
	cr_assert_eq(x.out.rw.timestamp, ts + 90000, "one second later");
}

/* Feeds one delta of each layer (keyframe when key) and returns the current layer. */
static int tick(struct run *x, uint16_t *seq, int64_t now, bool key)
{
	struct pkt k;
	for (unsigned l = 0; l < 3; l++) {
		if (!rooms_layer_active(&x->r, l, now))
			continue;
		mk(&k, 100 + l, seq[l]++, (uint32_t)(now / 11), key ? &KEY : &DELTA);
		feed(x, l, &k, now);
	}
	return rooms_layer_current(&x->s);
}

Test(rooms_layers, auto_goes_down_at_once_and_up_after_the_hold)
{
	struct run x;
	uint16_t seq[3] = { 0, 1000, 2000 };
	int64_t now = T0;

	rates_at(&x.r, now, 150000, 500000, 1500000);
	rooms_layer_init(&x.s, 3, 90000, 3, ROOMS_CODEC_OTHER);
	cr_assert_eq(tick(&x, seq, now, true), 2, "no estimate: the highest");
	rooms_layer_bandwidth(&x.s, 2000000, &x.r, now);
	cr_assert_eq(tick(&x, seq, now += 10000, false), 2);

	rooms_layer_bandwidth(&x.s, 1000000, &x.r, now += 10000);
	rates_at(&x.r, now, 150000, 500000, 1500000);
	cr_assert_eq(tick(&x, seq, now, false), 2, "old layer until the keyframe");
	cr_assert(x.out.want_keyframe);
	cr_assert_eq(x.out.want_keyframe_layer, 1, "down at once");
	cr_assert_eq(tick(&x, seq, now += 1000, true), 1);

	/* Enough for layer 2 with the margin, but the hold is 3 s. */
	rooms_layer_bandwidth(&x.s, 2000000, &x.r, now += 1000);
	int64_t up_at = now;
	while (now < up_at + ROOMS_UP_HOLD_US - 100000) {
		now += 100000;
		rates_at(&x.r, now, 150000, 500000, 1500000);
		cr_assert_eq(tick(&x, seq, now, true), 1, "at %lld us", (long long)(now - up_at));
	}
	now = up_at + ROOMS_UP_HOLD_US;
	rates_at(&x.r, now, 150000, 500000, 1500000);
	cr_assert_eq(tick(&x, seq, now, true), 2, "up after the hold");
	cr_assert_eq(x.s.switches, 2);
}

Test(rooms_layers, up_needs_the_margin_and_an_unbroken_hold)
{
	struct run x;
	uint16_t seq[3] = { 0, 1000, 2000 };
	int64_t now = T0;

	rates_at(&x.r, now, 150000, 500000, 1500000);
	rooms_layer_init(&x.s, 3, 90000, 3, ROOMS_CODEC_OTHER);
	rooms_layer_bandwidth(&x.s, 1000000, &x.r, now);
	cr_assert_eq(tick(&x, seq, now, true), 1, "the highest that fits");
	/* 1.6 Mb/s covers layer 2 (1.5) but not with 25 % to spare: the normal rule never goes
	 * up (only a probe would, after its own, longer hold: see the probe tests below). */
	rooms_layer_bandwidth(&x.s, 1600000, &x.r, now);
	for (int64_t end = now + ROOMS_PROBE_HOLD_US - 200000; now < end;) {
		now += 100000;
		rates_at(&x.r, now, 150000, 500000, 1500000);
		cr_assert_eq(tick(&x, seq, now, true), 1);
	}
	/* With the margin, but a dip in the middle restarts the hold (a fresh selector: no probe
	 * timer running). */
	rooms_layer_init(&x.s, 3, 90000, 3, ROOMS_CODEC_OTHER);
	rooms_layer_bandwidth(&x.s, 1000000, &x.r, now);
	cr_assert_eq(tick(&x, seq, now, true), 1);
	int64_t start = now;
	rooms_layer_bandwidth(&x.s, 2000000, &x.r, now);
	now += 2000000;
	rates_at(&x.r, now, 150000, 500000, 1500000);
	cr_assert_eq(tick(&x, seq, now, true), 1);
	rooms_layer_bandwidth(&x.s, 1700000, &x.r, now);
	rooms_layer_bandwidth(&x.s, 2000000, &x.r, now += 1);
	now = start + ROOMS_UP_HOLD_US + 500000;
	rates_at(&x.r, now, 150000, 500000, 1500000);
	cr_assert_eq(tick(&x, seq, now, true), 1, "the dip restarted the hold");
	now += ROOMS_UP_HOLD_US;
	rates_at(&x.r, now, 150000, 500000, 1500000);
	cr_assert_eq(tick(&x, seq, now, true), 2);
	/* Nothing fits: the lowest. */
	rooms_layer_bandwidth(&x.s, 50000, &x.r, now);
	cr_assert_eq(tick(&x, seq, now += 1000, true), 0);
}

Test(rooms_layers, stopped_layers_are_not_chosen)
{
	struct run x;
	uint16_t seq[3] = { 0, 1000, 2000 };
	int64_t now = T0;

	rates_at(&x.r, now, 150000, 500000, 1500000);
	x.r.last_seen_us[2] = now - 1500000; /* the publisher dropped its top layer */
	rooms_layer_init(&x.s, 3, 90000, 3, ROOMS_CODEC_OTHER);
	rooms_layer_bandwidth(&x.s, 10000000, &x.r, now);
	cr_assert_eq(tick(&x, seq, now, true), 1);
	/* The current layer stops too: the best active one at once, whatever the hold. */
	now += 1200000;
	x.r.last_seen_us[0] = now;
	cr_assert_eq(tick(&x, seq, now, false), 1, "old layer until the keyframe (none came)");
	cr_assert(x.out.want_keyframe);
	cr_assert_eq(x.out.want_keyframe_layer, 0);
	cr_assert_eq(tick(&x, seq, now += 1000, true), 0);
	/* A requested layer that stopped: the closest lower active one. */
	rates_at(&x.r, now, 150000, 500000, 1500000);
	x.r.last_seen_us[2] = now - 2000000;
	rooms_layer_request(&x.s, 2, -1);
	cr_assert_eq(tick(&x, seq, now += 1000, true), 1);
}

/* Probing: layer rates of a 960x540 janus.js simulcast publisher, roughly. */
#define P0 40000
#define P1 250000
#define P2 800000
/* Estimate of a receive-side estimator capped by 40 kbit/s incoming: 1.5 x + 10 kbit/s. */
#define CAPPED_BY_P0 70000

/* Ticks every 100 ms (keyframes, so a switch completes at once) with the estimate bps from now
 * until now + us (exclusive); returns the first time the current layer differs from layer, or
 * -1 if it never did (*now is then now + us). */
static int64_t run_until_change(struct run *x, uint16_t *seq, int64_t *now, int64_t us, uint32_t bps,
				int layer)
{
	int64_t end = *now + us;
	for (; *now < end; *now += 100000) {
		rates_at(&x->r, *now, P0, P1, P2);
		rooms_layer_bandwidth(&x->s, bps, &x->r, *now);
		if (tick(x, seq, *now, true) != layer)
			return *now;
	}
	return -1;
}

/* At layer 0 under a capped estimate since `since`: the probe of layer 1 comes hold_us later. */
static void expect_probe_after(struct run *x, uint16_t *seq, int64_t *now, int64_t since,
			       int64_t hold_us)
{
	int64_t at = run_until_change(x, seq, now, since + hold_us + 200000 - *now, CAPPED_BY_P0, 0);
	cr_assert_neq(at, -1, "a probe within %lld us", (long long)hold_us);
	cr_assert_geq(at - since, hold_us, "probe after %lld us, hold %lld", (long long)(at - since),
		      (long long)hold_us);
	cr_assert_leq(at - since, hold_us + 100000);
	cr_assert_eq(rooms_layer_current(&x->s), 1);
}

/* Down to layer 0 at now (an estimate that covers nothing but it). */
static void start_low(struct run *x, uint16_t *seq, int64_t now)
{
	rates_at(&x->r, now, P0, P1, P2);
	rooms_layer_init(&x->s, 3, 90000, 3, ROOMS_CODEC_OTHER);
	rooms_layer_bandwidth(&x->s, CAPPED_BY_P0, &x->r, now);
	cr_assert_eq(tick(x, seq, now, true), 0);
}

Test(rooms_layers, capped_estimate_probes_the_next_layer_after_the_hold)
{
	struct run x;
	uint16_t seq[3] = { 0, 1000, 2000 };
	int64_t now = T0;

	start_low(&x, seq, now);
	/* 70 kbit/s can never cover 250 kbit/s x 1.25 by the normal rule; it is >= 1.3 x 40. */
	expect_probe_after(&x, seq, &now, T0, ROOMS_PROBE_HOLD_US);
	cr_assert_eq(x.s.probes, 1);
	cr_assert_eq(x.s.switches, 1);
}

Test(rooms_layers, probe_succeeds_when_the_estimate_grows_to_the_probed_layer)
{
	struct run x;
	uint16_t seq[3] = { 0, 1000, 2000 };
	int64_t now = T0;

	start_low(&x, seq, now);
	expect_probe_after(&x, seq, &now, T0, ROOMS_PROBE_HOLD_US);
	/* The estimate grows with what it now receives, 8 %/s, still below 250 kbit/s for a good
	 * while: the probed layer is kept meanwhile (the down rule waits for the verdict). */
	double bps = CAPPED_BY_P0;
	int64_t start = now;
	while (bps < P1) {
		now += 100000;
		bps *= 1.0077;
		rates_at(&x.r, now, P0, P1, P2);
		rooms_layer_bandwidth(&x.s, (uint32_t)bps, &x.r, now);
		cr_assert_eq(tick(&x, seq, now, true), 1, "%.0f bit/s %lld us into the probe", bps,
			     (long long)(now - start));
	}
	cr_assert_lt(now - start, ROOMS_PROBE_MAX_US, "the test's growth fits the probe's time");
	cr_assert_eq(x.s.probe_layer, -1, "the probe is over");
	cr_assert_eq(x.s.probes_failed, 0);
	/* From now on the normal rules: 260 kbit/s covers layer 1 and is no capped estimate for it
	 * (< 1.3 x 250): layer 1 for good, no probe of layer 2. */
	cr_assert_eq(run_until_change(&x, seq, &now, 3 * ROOMS_PROBE_HOLD_MAX_US, 260000, 1), -1);
	cr_assert_eq(x.s.probes, 1);
	/* Capped at layer 1 (>= 1.3 x 250): layer 2 is probed after the first hold again. */
	int64_t since = now;
	int64_t at = run_until_change(&x, seq, &now, ROOMS_PROBE_HOLD_US + 200000, 400000, 1);
	cr_assert_eq(at - since, ROOMS_PROBE_HOLD_US, "backoff reset by the success");
	cr_assert_eq(rooms_layer_current(&x.s), 2);
}

/* What Chromium's estimator does when it receives layer 0 and audio: its estimate (1.5 x all it
 * receives) covers layer 1, but never with the up margin. A probe takes it up. */
Test(rooms_layers, an_estimate_that_covers_the_next_layer_without_the_margin_probes_it)
{
	struct run x;
	uint16_t seq[3] = { 0, 1000, 2000 };
	int64_t now = T0;
	uint32_t dead_zone = P1 + P1 / 10; /* >= P1, < P1 x ROOMS_UP_MARGIN, >= P0 x 1.3 */

	start_low(&x, seq, now);
	int64_t at = run_until_change(&x, seq, &now, ROOMS_PROBE_HOLD_US + 200000, dead_zone, 0);
	cr_assert_geq(at - T0, ROOMS_PROBE_HOLD_US, "not before the probe hold (%lld us)",
		      (long long)(at - T0));
	cr_assert_eq(rooms_layer_current(&x.s), 1);
	cr_assert_eq(x.s.probes, 1);
	/* The estimate already covers it: the probe succeeds at the next decision and the layer
	 * stays. */
	cr_assert_eq(run_until_change(&x, seq, &now, 2 * ROOMS_PROBE_MAX_US, dead_zone, 1), -1);
	cr_assert_eq(x.s.probes_failed, 0);
}

Test(rooms_layers, failed_probes_go_back_down_and_back_off)
{
	struct run x;
	uint16_t seq[3] = { 0, 1000, 2000 };
	int64_t now = T0;

	start_low(&x, seq, now);
	expect_probe_after(&x, seq, &now, T0, ROOMS_PROBE_HOLD_US);
	/* The estimator sees the queue grow and backs off (below 0.85 x its peak, and to no capped
	 * estimate for layer 0 either: 50 < 1.3 x 40): down at once. */
	now += 100000;
	rates_at(&x.r, now, P0, P1, P2);
	rooms_layer_bandwidth(&x.s, 50000, &x.r, now);
	cr_assert_eq(tick(&x, seq, now, true), 0, "the failed probe goes down at once");
	cr_assert_eq(x.s.probes_failed, 1);
	/* Capped again: the next probe waits twice as long. */
	now += 100000;
	expect_probe_after(&x, seq, &now, now, 2 * ROOMS_PROBE_HOLD_US);
	/* An estimate that neither drops nor grows: the probe fails when its time is up. */
	int64_t start = now;
	int64_t at = run_until_change(&x, seq, &now, ROOMS_PROBE_MAX_US + 200000, CAPPED_BY_P0, 1);
	cr_assert_eq(at - start, ROOMS_PROBE_MAX_US);
	cr_assert_eq(rooms_layer_current(&x.s), 0);
	cr_assert_eq(x.s.probes_failed, 2);
	/* 70 kbit/s is capped for layer 0: the wait for the next probe began with the failure. */
	expect_probe_after(&x, seq, &now, now, 4 * ROOMS_PROBE_HOLD_US);
	/* The wait stops doubling at ROOMS_PROBE_HOLD_MAX_US. */
	for (int i = 0; i < 8; i++) {
		now += 100000;
		rates_at(&x.r, now, P0, P1, P2);
		rooms_layer_bandwidth(&x.s, 50000, &x.r, now);
		cr_assert_eq(tick(&x, seq, now, true), 0);
		now += 100000;
		expect_probe_after(&x, seq, &now, now, x.s.probe_hold_us);
	}
	cr_assert_eq(x.s.probe_hold_us, ROOMS_PROBE_HOLD_MAX_US);
	cr_assert_eq(x.s.probes_failed, 10);
}

Test(rooms_layers, no_probe_while_congested)
{
	struct run x;
	uint16_t seq[3] = { 0, 1000, 2000 };
	int64_t now = T0;

	start_low(&x, seq, now);
	/* 50 kbit/s < 1.3 x 40: the estimate is what the link carries, not capped by what is sent. */
	cr_assert_eq(run_until_change(&x, seq, &now, 2 * ROOMS_PROBE_HOLD_MAX_US, 50000, 0), -1);
	cr_assert_eq(x.s.probes, 0);
	/* A dip of the estimate restarts the hold: it must look capped without a break. */
	cr_assert_eq(run_until_change(&x, seq, &now, 3000000, CAPPED_BY_P0, 0), -1);
	rates_at(&x.r, now, P0, P1, P2);
	rooms_layer_bandwidth(&x.s, 51000, &x.r, now); /* < 1.3 x 40 kbit/s */
	cr_assert_eq(tick(&x, seq, now, true), 0);
	now += 100000;
	expect_probe_after(&x, seq, &now, now, ROOMS_PROBE_HOLD_US);
}

Test(rooms_layers, a_requested_layer_never_probes)
{
	struct run x;
	uint16_t seq[3] = { 0, 1000, 2000 };
	int64_t now = T0;

	start_low(&x, seq, now);
	rooms_layer_request(&x.s, 0, -1);
	cr_assert_eq(run_until_change(&x, seq, &now, 2 * ROOMS_PROBE_HOLD_MAX_US, CAPPED_BY_P0, 0), -1);
	cr_assert_eq(x.s.probes, 0);
	/* A probe under way ends when a layer is requested. */
	rooms_layer_request(&x.s, -1, -1);
	expect_probe_after(&x, seq, &now, now, ROOMS_PROBE_HOLD_US);
	rooms_layer_request(&x.s, 0, -1);
	now += 100000;
	int64_t from = now;
	cr_assert_eq(run_until_change(&x, seq, &now, 1000000, CAPPED_BY_P0, 1), from,
		     "back to the requested layer at once");
	cr_assert_eq(x.s.probe_layer, -1);
	cr_assert_eq(x.s.probes_failed, 0, "no verdict on a probe the subscriber ended");
}

/* "switch" from a single-layer track to a simulcast one: the new track's top layer flows,
 * starting at its keyframe and continuing the sequence the subscriber saw. The selector kept
 * the old track's one layer and dropped every packet of layers 1 and 2. */
Test(rooms_layers, a_switch_to_a_simulcast_track_takes_its_layers)
{
	struct run x;
	struct pkt k;
	uint16_t last;

	rooms_layer_init(&x.s, 0x5150, 90000, 1, ROOMS_CODEC_OTHER);
	rates_at(&x.r, T0, 500000, 0, 0);
	mk(&k, 0x1001, 100, 9000, &KEY);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	last = x.out.rw.seq;

	rooms_layer_retarget(&x.s, 3);
	rates_at(&x.r, T0 + 40000, 100000, 300000, 900000);
	mk(&k, 0x2003, 7000, 50000, &KEY);
	cr_assert_eq(feed(&x, 2, &k, T0 + 40000), ROOMS_LAYER_FORWARD, "the top layer of the new track");
	cr_expect_eq(x.out.rw.ssrc, 0x5150);
	cr_expect_eq(x.out.rw.seq, (uint16_t)(last + 1), "the sequence continues");
	mk(&k, 0x2001, 3000, 50000, &KEY);
	cr_expect_eq(feed(&x, 0, &k, T0 + 40000), ROOMS_LAYER_DROP, "not the chosen layer");

	/* And back to one layer: its packets flow again once its keyframe comes. */
	rooms_layer_retarget(&x.s, 1);
	rates_at(&x.r, T0 + 80000, 500000, 0, 0);
	mk(&k, 0x1001, 101, 12000, &DELTA);
	cr_expect_eq(feed(&x, 0, &k, T0 + 80000), ROOMS_LAYER_DROP, "a new source starts at a keyframe");
	cr_expect(x.out.want_keyframe);
	mk(&k, 0x1001, 102, 15000, &KEY);
	cr_expect_eq(feed(&x, 0, &k, T0 + 80000), ROOMS_LAYER_FORWARD);
}

Test(rooms_layers, rates_measure_each_layer_and_activity)
{
	struct rooms_layer_rates r;

	rooms_layer_rates_init(&r);
	cr_assert_not(rooms_layer_active(&r, 0, T0));
	for (int i = 0; i < 100; i++) {
		rooms_layer_rates_add(&r, 0, 125, T0 + i * 10000);   /* 100 B/s * 125 = 100 kb/s */
		rooms_layer_rates_add(&r, 1, 1250, T0 + i * 10000);  /* 1 Mb/s */
	}
	rooms_layer_rates_add(&r, 0, 125, T0 + 1000000);
	cr_assert_eq(r.bps[0], 100000);
	cr_assert_eq(r.bps[1], 1000000);
	cr_assert_eq(r.bps[2], 0);
	cr_assert(rooms_layer_active(&r, 1, T0 + 1990000));
	cr_assert_not(rooms_layer_active(&r, 1, T0 + 2000000));
	cr_assert_not(rooms_layer_active(&r, 2, T0 + 1000000));
	rooms_layer_rates_add(&r, 7, 125, T0); /* out of range: ignored */
}

Test(rooms_layers, vp8_descriptor_fields)
{
	struct rooms_vp8_desc d;
	const uint8_t full[] = { 0x90, 0xe0, 0x81, 0x23, 0x42, 0x60, 0x00 };
	cr_assert_eq(rooms_vp8_parse(full, sizeof(full), &d), 0);
	cr_assert(d.start && d.keyframe && d.has_pic && d.pic_16bit && d.has_tl0 && d.has_tid);
	cr_assert_eq(d.picture_id, 0x0123);
	cr_assert_eq(d.tl0picidx, 0x42);
	cr_assert_eq(d.tid, 1);
	cr_assert(d.layer_sync);
	cr_assert_eq(d.hdr_len, 6);

	const uint8_t small[] = { 0x80, 0x80, 0x05, 0x01 };
	cr_assert_eq(rooms_vp8_parse(small, sizeof(small), &d), 0);
	cr_assert(d.has_pic && !d.pic_16bit && !d.start && !d.keyframe);
	cr_assert_eq(d.picture_id, 5);

	const uint8_t k_only[] = { 0x11, 0x01 }; /* no X; S but partition 1: not a start */
	cr_assert_eq(rooms_vp8_parse(k_only, sizeof(k_only), &d), 0);
	cr_assert_not(d.start);
	const uint8_t kidx[] = { 0x90, 0x10, 0x1f, 0x00 }; /* K without T: a byte, no TID */
	cr_assert_eq(rooms_vp8_parse(kidx, sizeof(kidx), &d), 0);
	cr_assert_not(d.has_tid);
	cr_assert_eq(d.hdr_len, 3);
	cr_assert(d.keyframe);
}

Test(rooms_layers, malformed_vp8_is_refused_without_crashing)
{
	static const struct {
		uint8_t b[8];
		size_t len;
	} bad[] = {
		{ { 0 }, 0 },
		{ { 0x10 }, 1 },                     /* descriptor, no payload */
		{ { 0x90 }, 1 },                     /* X without its byte */
		{ { 0x90, 0x80 }, 2 },               /* I without picture id */
		{ { 0x90, 0x80, 0x80 }, 3 },         /* M without the second byte */
		{ { 0x90, 0x80, 0x81, 0x01 }, 4 },   /* 15-bit id, no payload */
		{ { 0x90, 0x40 }, 2 },               /* L without TL0PICIDX */
		{ { 0x90, 0x20 }, 2 },               /* T without TID */
		{ { 0x90, 0xf0, 0x01, 0x02, 0x03 }, 5 },
	};
	struct rooms_vp8_desc d;
	struct run x;
	struct pkt k;

	cr_assert_eq(rooms_vp8_parse(NULL, 0, &d), -EINVAL);
	rates_at(&x.r, T0, 1, 0, 0);
	rooms_layer_init(&x.s, 3, 90000, 1, ROOMS_CODEC_VP8);
	struct vp8 ok = { .pic = 1, .tl0 = 1, .tid = 0, .start = true, .key = true };
	mk(&k, 5, 100, 0, &ok);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	uint16_t seq = x.out.rw.seq;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(rooms_vp8_parse(bad[i].b, bad[i].len, &d), -EINVAL, "case %zu", i);
		/* The same bytes as the payload of an RTP packet (heap copy of exact size: ASan
		 * catches a read past it). */
		uint8_t *raw = malloc(12 + bad[i].len);
		memcpy(raw, k.buf, 12);
		raw[3] = (uint8_t)(101 + i);
		memcpy(raw + 12, bad[i].b, bad[i].len);
		struct lumen_rtp_packet p = k.p;
		p.data = raw;
		p.len = 12 + bad[i].len;
		p.seq = (uint16_t)(101 + i);
		p.keyframe = true; /* the core's word does not make a broken packet usable */
		cr_assert_eq(rooms_layer_packet(&x.s, 0, &p, &x.r, T0, x.scratch, sizeof(x.scratch),
						&x.out), ROOMS_LAYER_DROP, "case %zu", i);
		free(raw);
	}
	/* RTP headers that lie about their length. */
	uint8_t hb[16];
	memcpy(hb, k.buf, 16);
	hb[0] = 0x90; /* extension bit, the "extension" says 0x0101 words */
	struct lumen_rtp_packet p = k.p;
	p.data = hb;
	p.len = sizeof(hb);
	p.seq = 110;
	cr_assert_eq(feed(&x, 0, &(struct pkt){ .p = p }, T0), ROOMS_LAYER_DROP);
	hb[0] = 0xa0; /* padding bit, last byte says more padding than the packet */
	hb[15] = 0xff;
	p.seq = 111;
	cr_assert_eq(feed(&x, 0, &(struct pkt){ .p = p }, T0), ROOMS_LAYER_DROP);
	hb[0] = 0x8f; /* 15 CSRCs in 16 bytes */
	p.seq = 112;
	cr_assert_eq(feed(&x, 0, &(struct pkt){ .p = p }, T0), ROOMS_LAYER_DROP);
	/* The stream goes on without a hole for the refused packets. */
	ok.key = false;
	ok.pic = 2;
	mk(&k, 5, 113, 3000, &ok);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(seq + 1));
	cr_assert_eq(out_desc(&x).picture_id, 2, "no picture was refused, the id stays");
}
