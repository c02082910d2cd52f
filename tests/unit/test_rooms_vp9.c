/* test_rooms_vp9.c -- what a subscriber receives of a VP9 track: temporal layers dropped by the
 * descriptor's TID with sequence numbers kept contiguous, picture ids that keep their spacing
 * within a source (VP9 references count in picture ids) and continue across a switch,
 * TL0PICIDX continuing in non-flexible mode, every spatial layer of the chosen stream, and
 * descriptors that lie. Time is passed in explicitly (now_us), nothing sleeps. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "rtp_header.h"

#define T0 1000000000LL

struct vp9 {
	int pic;        /* -1: no picture id (I = 0) */
	bool pic16;
	bool flex;      /* F */
	int tid;        /* -1: no layer indices (L = 0) */
	int sid;
	bool u;         /* switching up point */
	int tl0;        /* non-flexible mode with L */
	bool begin, end;
	bool inter;     /* P: inter-picture predicted */
	int nrefs;      /* P_DIFFs in flexible mode (with P) */
	bool ss;        /* V: a scalability structure */
};

struct pkt {
	uint8_t buf[80];
	struct lumen_rtp_packet p;
	size_t desc_len;
};

static const uint8_t PAYLOAD[4] = { 0xaa, 0xbb, 0xcc, 0xdd };

/* RTP header (12 bytes) + VP9 descriptor + 4 bytes of "payload". */
static void mk(struct pkt *k, uint32_t ssrc, uint16_t seq, uint32_t ts, const struct vp9 *v)
{
	uint8_t *b = k->buf;
	size_t o = 12;

	memset(k, 0, sizeof(*k));
	test_rtp_header(b, 98, seq, ts, ssrc);
	b[o++] = (uint8_t)((v->pic >= 0 ? 0x80 : 0) | (v->inter ? 0x40 : 0) |
			   (v->tid >= 0 ? 0x20 : 0) | (v->flex ? 0x10 : 0) | (v->begin ? 0x08 : 0) |
			   (v->end ? 0x04 : 0) | (v->ss ? 0x02 : 0));
	if (v->pic >= 0 && v->pic16) {
		b[o++] = (uint8_t)(0x80 | ((v->pic >> 8) & 0x7f));
		b[o++] = (uint8_t)v->pic;
	} else if (v->pic >= 0) {
		b[o++] = (uint8_t)(v->pic & 0x7f);
	}
	if (v->tid >= 0) {
		b[o++] = (uint8_t)(v->tid << 5 | (v->u ? 0x10 : 0) | v->sid << 1 |
				   (v->sid > 0 ? 0x01 : 0));
		if (!v->flex)
			b[o++] = (uint8_t)v->tl0;
	}
	if (v->flex && v->inter) {
		for (int i = 0; i < v->nrefs; i++)
			b[o++] = (uint8_t)((i + 1) * 4 << 1 | (i + 1 < v->nrefs ? 1 : 0));
	}
	if (v->ss) {
		/* One spatial layer 640x360, a group of 4 pictures: T0 T2 T1 T2. */
		static const uint8_t ss[] = { 0x18, 0x02, 0x80, 0x01, 0x68, 0x04,
					      0x04, 0x04, 0x44, 0x01, 0x24, 0x02, 0x44, 0x01 };
		memcpy(b + o, ss, sizeof(ss));
		o += sizeof(ss);
	}
	k->desc_len = o - 12;
	memcpy(b + o, PAYLOAD, sizeof(PAYLOAD));
	o += sizeof(PAYLOAD);
	bool key = v->begin && !v->inter && (v->tid < 0 || v->sid == 0);
	k->p = (struct lumen_rtp_packet){
		.data = b, .len = o, .ssrc = ssrc, .timestamp = ts, .seq = seq, .pt = 98,
		.kind = LUMEN_MEDIA_VIDEO, .keyframe = key, .audio_level = -1,
	};
}

static void rates_at(struct rooms_layer_rates *r, int64_t now)
{
	rooms_layer_rates_init(r);
	for (unsigned l = 0; l < ROOMS_LAYERS_MAX; l++) {
		r->bps[l] = 100000 * (l + 1);
		r->last_seen_us[l] = now;
	}
	r->window_start_us = now;
}

struct run {
	struct rooms_layer_sel s;
	struct rooms_layer_rates r;
	uint8_t scratch[80];
	struct rooms_layer_out out;
};

static enum rooms_layer_verdict feed(struct run *x, unsigned layer, const struct pkt *k, int64_t now)
{
	return rooms_layer_packet(&x->s, layer, &k->p, &x->r, now, x->scratch, sizeof(x->scratch),
				  &x->out);
}

/* The VP9 descriptor of what went out; its payload is left as it was. */
static struct rooms_vp9_desc out_desc(const struct run *x, const struct pkt *k)
{
	struct rooms_vp9_desc d;
	cr_assert_eq(rooms_vp9_parse(x->out.data + 12, x->out.len - 12, &d), 0);
	cr_assert_eq(d.hdr_len, k->desc_len);
	cr_assert_eq(memcmp(x->out.data + 12 + d.hdr_len, PAYLOAD, sizeof(PAYLOAD)), 0);
	return d;
}

/* A 3-layer temporal pattern 0 2 1 2 0 2 1 2 ... */
static int tid_of(int frame)
{
	static const int pattern[4] = { 0, 2, 1, 2 };
	return pattern[frame % 4];
}

Test(rooms_vp9, descriptor_fields_non_flexible_and_flexible)
{
	struct rooms_vp9_desc d;

	/* I L B E, 15-bit id 0x1234, TID 2 U SID 0, TL0PICIDX 0x42, payload. */
	const uint8_t nonflex[] = { 0xac, 0x92, 0x34, 0x50, 0x42, 0x00 };
	cr_assert_eq(rooms_vp9_parse(nonflex, sizeof(nonflex), &d), 0);
	cr_assert(d.has_pic && d.pic_16bit && d.has_layers && d.has_tl0 && !d.flexible);
	cr_assert(d.begin && d.end && d.start && d.keyframe && d.switch_up);
	cr_assert_eq(d.picture_id, 0x1234);
	cr_assert_eq(d.tid, 2);
	cr_assert_eq(d.sid, 0);
	cr_assert_eq(d.tl0picidx, 0x42);
	cr_assert_eq(d.hdr_len, 5);

	/* I P L F B, 7-bit id 5, TID 1 SID 0, three P_DIFFs, payload. */
	const uint8_t flex[] = { 0xf8, 0x05, 0x20, 0x03, 0x05, 0x08, 0x00 };
	cr_assert_eq(rooms_vp9_parse(flex, sizeof(flex), &d), 0);
	cr_assert(d.has_pic && !d.pic_16bit && d.has_layers && !d.has_tl0 && d.flexible);
	cr_assert(d.inter_pic && d.start && !d.keyframe, "inter-picture predicted");
	cr_assert_eq(d.picture_id, 5);
	cr_assert_eq(d.tid, 1);
	cr_assert_eq(d.n_refs, 3);
	cr_assert_eq(d.hdr_len, 6);

	/* Upper spatial layer of a keyframe: B and P = 0, but SID 1 starts no picture. */
	const uint8_t sid1[] = { 0xa8, 0x07, 0x03, 0x09, 0x00 };
	cr_assert_eq(rooms_vp9_parse(sid1, sizeof(sid1), &d), 0);
	cr_assert(d.begin && !d.start && !d.keyframe && d.inter_layer);
	cr_assert_eq(d.sid, 1);

	/* No optional field: B only, a keyframe without picture id or layers. */
	const uint8_t bare[] = { 0x08, 0x00 };
	cr_assert_eq(rooms_vp9_parse(bare, sizeof(bare), &d), 0);
	cr_assert(d.start && d.keyframe && !d.has_pic && !d.has_layers && !d.has_tl0);
	cr_assert_eq(d.hdr_len, 1);

	/* V: N_S = 1 (two spatial layers) with sizes, a group of 2 with 1 and 0 references. */
	const uint8_t ss[] = { 0x8a, 0x01, 0x38, 0x01, 0x40, 0x00, 0xb4, 0x02, 0x80, 0x01, 0x68,
			       0x02, 0x04, 0x02, 0x20, 0x77 };
	cr_assert_eq(rooms_vp9_parse(ss, sizeof(ss), &d), 0);
	cr_assert(d.has_ss && d.keyframe);
	cr_assert_eq(d.hdr_len, sizeof(ss) - 1);

	/* Middle packet: neither B nor E. */
	const uint8_t mid[] = { 0x40, 0x11 };
	cr_assert_eq(rooms_vp9_parse(mid, sizeof(mid), &d), 0);
	cr_assert(!d.begin && !d.end && !d.start && !d.keyframe);
}

Test(rooms_vp9, write_ids_touches_only_the_ids)
{
	struct rooms_vp9_desc d;
	uint8_t b[] = { 0xac, 0x92, 0x34, 0x50, 0x42, 0x00 };
	const uint8_t want[] = { 0xac, 0x80 | 0x7f, 0xff, 0x50, 0x07, 0x00 };

	cr_assert_eq(rooms_vp9_parse(b, sizeof(b), &d), 0);
	cr_assert_eq(rooms_vp9_write_ids(b, sizeof(b), &d, 0x7fff, 7), 0);
	cr_assert_eq(memcmp(b, want, sizeof(b)), 0);
	cr_assert_eq(rooms_vp9_write_ids(b, 3, &d, 1, 1), -EINVAL, "shorter than the descriptor");

	uint8_t f[] = { 0xf8, 0x05, 0x20, 0x03, 0x05, 0x08, 0x00 };
	const uint8_t fwant[] = { 0xf8, 0x7e, 0x20, 0x03, 0x05, 0x08, 0x00 };
	cr_assert_eq(rooms_vp9_parse(f, sizeof(f), &d), 0);
	cr_assert_eq(rooms_vp9_write_ids(f, sizeof(f), &d, 0x7e, 9), 0);
	cr_assert_eq(memcmp(f, fwant, sizeof(f)), 0, "7 bits, no TL0PICIDX in flexible mode");
}

static void temporal_run(bool flex, bool pic16, int pic0)
{
	struct run x;
	struct pkt k;
	uint16_t seq = 65520; /* wraps during the run */
	int pic = pic0, tl0 = 254;
	uint16_t mask = pic16 ? 0x7fff : 0x7f;
	int64_t now = T0;
	int forwarded = 0;
	uint16_t last_seq = 0, last_pic = 0, first_pic = 0;
	uint8_t last_tl0 = 0;

	rates_at(&x.r, now);
	rooms_layer_init(&x.s, 7, 90000, 1, ROOMS_CODEC_VP9);
	rooms_layer_request(&x.s, -1, 0);
	for (int f = 0; f < 40; f++, pic = (pic + 1) & mask) {
		int tid = tid_of(f);
		if (tid == 0)
			tl0 = (tl0 + 1) & 0xff;
		for (int part = 0; part < 2; part++) {
			struct vp9 v = { .pic = pic, .pic16 = pic16, .flex = flex, .tid = tid,
					 .tl0 = tl0, .begin = part == 0, .end = part == 1,
					 .inter = f > 0, .nrefs = f > 0 ? 1 + f % 3 : 0,
					 .ss = f == 0 && part == 0, .u = tid > 0 };
			mk(&k, 99, seq++, (uint32_t)(f * 3000), &v);
			now += 1000;
			enum rooms_layer_verdict vd = feed(&x, 0, &k, now);
			if (tid > 0) {
				cr_assert_eq(vd, ROOMS_LAYER_DROP, "frame %d tid %d", f, tid);
				continue;
			}
			cr_assert_eq(vd, ROOMS_LAYER_FORWARD, "frame %d", f);
			cr_assert_eq(x.out.data, k.p.data, "first source: nothing to rewrite");
			struct rooms_vp9_desc d = out_desc(&x, &k);
			cr_assert_eq(d.pic_16bit, pic16, "the width stays as received");
			cr_assert_eq(d.flexible, flex);
			if (forwarded == 0)
				first_pic = d.picture_id;
			if (forwarded > 0) {
				cr_assert_eq(x.out.rw.seq, (uint16_t)(last_seq + 1), "frame %d", f);
				cr_assert_eq(d.picture_id, part == 0 ? ((last_pic + 4) & mask) : last_pic,
					     "frame %d: the spacing the references count in", f);
				if (!flex)
					cr_assert_eq(d.tl0picidx,
						     part == 0 ? (uint8_t)(last_tl0 + 1) : last_tl0);
			}
			cr_assert_eq(d.picture_id, (uint16_t)(first_pic + f) & mask);
			last_seq = x.out.rw.seq;
			last_pic = d.picture_id;
			last_tl0 = d.tl0picidx;
			forwarded++;
		}
	}
	cr_assert_eq(forwarded, 20);
	cr_assert_eq(x.s.dropped, 60);

	/* Late copy of a dropped TID 2 packet: dropped again; of a TL0 packet: its own number. */
	struct vp9 v2 = { .pic = (pic - 3) & mask, .pic16 = pic16, .flex = flex, .tid = 2,
			  .tl0 = tl0, .begin = true, .inter = true, .nrefs = 1 };
	mk(&k, 99, (uint16_t)(seq - 6), 0, &v2);
	cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_DROP);
	struct vp9 v0 = { .pic = (pic - 4) & mask, .pic16 = pic16, .flex = flex, .tid = 0,
			  .tl0 = tl0, .end = true, .inter = true, .nrefs = 1 };
	mk(&k, 99, (uint16_t)(seq - 7), 0, &v0);
	cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, last_seq, "the copy of the last forwarded packet, same number");

	/* Up to all layers: at the next switching up point of TID 1, then of TID 2. */
	rooms_layer_request(&x.s, -1, -1);
	struct vp9 up1 = { .pic = pic, .pic16 = pic16, .flex = flex, .tid = 1, .tl0 = tl0,
			   .begin = true, .end = true, .inter = true, .nrefs = 1, .u = true };
	mk(&k, 99, seq++, 0, &up1);
	cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(last_seq + 1));
	pic = (pic + 1) & mask;
	struct vp9 nou = { .pic = pic, .pic16 = pic16, .flex = flex, .tid = 2, .tl0 = tl0,
			   .begin = true, .end = true, .inter = true, .nrefs = 1 };
	mk(&k, 99, seq++, 0, &nou);
	cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_DROP, "TID 2 without U");
	pic = (pic + 1) & mask;
	struct vp9 up2 = nou;
	up2.pic = pic;
	up2.u = true;
	mk(&k, 99, seq++, 0, &up2);
	cr_assert_eq(feed(&x, 0, &k, now), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(last_seq + 2), "the drop left no hole");
	cr_assert_eq(out_desc(&x, &k).picture_id, pic, "picture ids as received");
}

Test(rooms_vp9, temporal_drop_non_flexible_15_bit)
{
	temporal_run(false, true, 32750);
}

Test(rooms_vp9, temporal_drop_flexible_7_bit)
{
	temporal_run(true, false, 110);
}

Test(rooms_vp9, all_temporal_layers_up_to_tid_7_and_requests_clamp_per_codec)
{
	struct run x;
	struct pkt k;

	rates_at(&x.r, T0);
	rooms_layer_init(&x.s, 7, 90000, 1, ROOMS_CODEC_VP9);
	struct vp9 key = { .pic = 1, .tid = 0, .tl0 = 1, .begin = true, .end = true };
	mk(&k, 5, 1, 0, &key);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	struct vp9 t7 = { .pic = 2, .tid = 7, .tl0 = 1, .begin = true, .end = true, .inter = true };
	mk(&k, 5, 2, 3000, &t7);
	cr_assert_eq(feed(&x, 0, &k, T0 + 1), ROOMS_LAYER_FORWARD, "all layers: VP9 has 8");
	rooms_layer_request(&x.s, -1, 9);
	cr_assert_eq(x.s.want_temporal, 7);
	rooms_layer_request(&x.s, -1, 4);
	t7.pic = 3;
	mk(&k, 5, 3, 6000, &t7);
	cr_assert_eq(feed(&x, 0, &k, T0 + 2), ROOMS_LAYER_DROP, "TID 7 above 4");
	struct vp9 t4 = { .pic = 4, .tid = 4, .tl0 = 1, .begin = true, .end = true, .inter = true };
	mk(&k, 5, 4, 9000, &t4);
	cr_assert_eq(feed(&x, 0, &k, T0 + 3), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, 3, "no hole");

	rooms_layer_init(&x.s, 7, 90000, 1, ROOMS_CODEC_VP8);
	rooms_layer_request(&x.s, -1, 9);
	cr_assert_eq(x.s.want_temporal, 3, "VP8 as before");
}

Test(rooms_vp9, picture_id_and_tl0_continue_across_a_switch)
{
	struct run x;
	struct pkt k;

	rates_at(&x.r, T0);
	rooms_layer_init(&x.s, 3, 90000, 3, ROOMS_CODEC_VP9);
	rooms_layer_request(&x.s, 0, -1);
	/* Layer 0: non-flexible, 7-bit picture ids near the wrap. */
	struct vp9 a = { .pic = 126, .tid = 0, .tl0 = 9, .begin = true, .end = true, .ss = true };
	mk(&k, 20, 1, 0, &a);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.data, k.p.data);
	a = (struct vp9){ .pic = 127, .tid = 0, .tl0 = 10, .begin = true, .end = true, .inter = true };
	mk(&k, 20, 2, 3000, &a);
	cr_assert_eq(feed(&x, 0, &k, T0 + 1), ROOMS_LAYER_FORWARD);
	uint16_t seq = x.out.rw.seq;

	/* Layer 1: non-flexible, 15-bit ids far away: its deltas wait, its keyframe switches. */
	rooms_layer_request(&x.s, 1, -1);
	struct vp9 b = { .pic = 20000, .pic16 = true, .tid = 0, .tl0 = 200, .begin = true,
			 .end = true, .inter = true };
	mk(&k, 21, 899, 50, &b);
	cr_assert_eq(feed(&x, 1, &k, T0 + 2), ROOMS_LAYER_DROP);
	cr_assert(x.out.want_keyframe);
	b = (struct vp9){ .pic = 20001, .pic16 = true, .tid = 0, .tl0 = 201, .begin = true,
			  .ss = true };
	mk(&k, 21, 900, 3050, &b);
	cr_assert_eq(feed(&x, 1, &k, T0 + 3), ROOMS_LAYER_FORWARD);
	cr_assert(x.out.switched);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(seq + 1));
	cr_assert_eq(x.out.data, x.scratch, "patched copy");
	cr_assert_eq(k.buf[13], 0x80 | (20001 >> 8), "the published packet is untouched");
	cr_assert_eq(k.buf[14], 20001 & 0xff);
	struct rooms_vp9_desc d = out_desc(&x, &k);
	cr_assert(d.pic_16bit && d.keyframe && d.has_ss);
	cr_assert_eq(d.picture_id, 128);
	cr_assert_eq(d.tl0picidx, 11);
	cr_assert_eq(memcmp(x.out.data + 17, k.buf + 17, k.desc_len - 5), 0,
		     "the scalability structure is left alone");
	/* The keyframe's second spatial layer and packet: the same picture. */
	b = (struct vp9){ .pic = 20001, .pic16 = true, .tid = 0, .sid = 1, .tl0 = 201,
			  .begin = true, .end = true };
	mk(&k, 21, 901, 3050, &b);
	cr_assert_eq(feed(&x, 1, &k, T0 + 4), ROOMS_LAYER_FORWARD, "spatial layers pass");
	d = out_desc(&x, &k);
	cr_assert_eq(d.picture_id, 128);
	cr_assert_eq(d.sid, 1);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(seq + 2));

	/* Layer 2: flexible mode with its references: they keep their distances. */
	rooms_layer_request(&x.s, 2, -1);
	struct vp9 c = { .pic = 3, .flex = true, .tid = 0, .begin = true };
	mk(&k, 22, 7, 9000, &c);
	cr_assert_eq(feed(&x, 2, &k, T0 + 5), ROOMS_LAYER_FORWARD);
	d = out_desc(&x, &k);
	cr_assert(!d.pic_16bit && d.flexible && !d.has_tl0);
	cr_assert_eq(d.picture_id, 129 & 0x7f);
	c = (struct vp9){ .pic = 5, .flex = true, .tid = 0, .begin = true, .end = true,
			  .inter = true, .nrefs = 2 };
	mk(&k, 22, 8, 12000, &c);
	cr_assert_eq(feed(&x, 2, &k, T0 + 6), ROOMS_LAYER_FORWARD);
	d = out_desc(&x, &k);
	cr_assert_eq(d.picture_id, 3, "129 + 2, in 7 bits");
	cr_assert_eq(d.n_refs, 2);
	cr_assert_eq(memcmp(x.out.data + 14, k.buf + 14, 3), 0, "layer byte and P_DIFFs as sent");

	/* Back to the non-flexible layer 0: TL0PICIDX continues from the last one sent. */
	rooms_layer_request(&x.s, 0, -1);
	a = (struct vp9){ .pic = 10, .tid = 0, .tl0 = 50, .begin = true, .end = true };
	mk(&k, 20, 3, 6000, &a);
	cr_assert_eq(feed(&x, 0, &k, T0 + 7), ROOMS_LAYER_FORWARD);
	d = out_desc(&x, &k);
	cr_assert_eq(d.picture_id, 4);
	cr_assert_eq(d.tl0picidx, 12);
	cr_assert_eq(x.s.switches, 3);
}

Test(rooms_vp9, spatial_layers_all_pass_and_only_the_base_layer_starts_a_source)
{
	struct run x;
	struct pkt k;
	uint16_t seq = 100;

	rates_at(&x.r, T0);
	rooms_layer_init(&x.s, 3, 90000, 1, ROOMS_CODEC_VP9);
	rooms_layer_request(&x.s, -1, 0);
	/* The upper spatial layer of a keyframe comes first (reordered): no start there. */
	struct vp9 up = { .pic = 40, .tid = 0, .sid = 1, .tl0 = 0, .begin = true, .end = true };
	mk(&k, 9, (uint16_t)(seq + 1), 0, &up);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_DROP);
	cr_assert(x.out.want_keyframe);
	for (int f = 0; f < 8; f++) {
		int tid = tid_of(f);
		for (int sid = 0; sid < 3; sid++) {
			struct vp9 v = { .pic = 40 + f, .tid = tid, .sid = sid, .tl0 = f / 4,
					 .begin = true, .end = true, .inter = f > 0 };
			mk(&k, 9, seq++, (uint32_t)f * 3000, &v);
			enum rooms_layer_verdict vd = feed(&x, 0, &k, T0 + f * 33000 + sid);
			cr_assert_eq(vd, tid == 0 ? ROOMS_LAYER_FORWARD : ROOMS_LAYER_DROP,
				     "frame %d sid %d", f, sid);
			if (vd == ROOMS_LAYER_FORWARD) {
				cr_assert_eq(out_desc(&x, &k).sid, sid);
				cr_assert_eq(x.out.rw.seq, (uint16_t)(100 + (f / 4) * 3 + sid));
			}
		}
	}
	cr_assert_eq(x.s.switches, 0);
}

Test(rooms_vp9, codec_other_passes_vp9_bytes_untouched)
{
	struct run x;
	struct pkt k;

	rates_at(&x.r, T0);
	rooms_layer_init(&x.s, 3, 90000, 1, ROOMS_CODEC_OTHER);
	rooms_layer_request(&x.s, -1, 0);
	struct vp9 v = { .pic = 1, .tid = 0, .tl0 = 0, .begin = true };
	mk(&k, 9, 1, 0, &v);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	v = (struct vp9){ .pic = 2, .tid = 2, .tl0 = 0, .begin = true, .inter = true };
	mk(&k, 9, 2, 0, &v);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD, "no descriptor read: no TID");
	cr_assert_eq(x.out.data, k.p.data);
}

Test(rooms_vp9, malformed_descriptors_are_refused_without_crashing)
{
	static const struct {
		uint8_t b[16];
		size_t len;
	} bad[] = {
		{ { 0 }, 0 },
		{ { 0x08 }, 1 },                               /* descriptor, no payload */
		{ { 0x88 }, 1 },                               /* I without picture id */
		{ { 0x88, 0x80 }, 2 },                         /* M without the second byte */
		{ { 0x88, 0x81, 0x01 }, 3 },                   /* 15-bit id, no payload */
		{ { 0x28 }, 1 },                               /* L without layer indices */
		{ { 0x28, 0x00 }, 2 },                         /* non-flexible L without TL0PICIDX */
		{ { 0x28, 0x00, 0x05 }, 3 },                   /* ... and no payload */
		{ { 0x58 }, 1 },                               /* P F without P_DIFF */
		{ { 0x58, 0x03 }, 2 },                         /* N: another P_DIFF missing */
		{ { 0x58, 0x03, 0x05, 0x07, 0x09, 0x00 }, 6 }, /* a fourth reference */
		{ { 0x0a }, 1 },                               /* V without the structure */
		{ { 0x0a, 0x10, 0x01, 0x02, 0x03 }, 5 },       /* Y: 4 bytes of size missing one */
		{ { 0x0a, 0x08 }, 2 },                         /* G without N_G */
		{ { 0x0a, 0x08, 0x02, 0x00 }, 4 },             /* N_G 2, one entry */
		{ { 0x0a, 0x08, 0x01, 0x08, 0x01 }, 5 },       /* R 2, one P_DIFF */
		{ { 0x0a, 0x08, 0x01, 0x04, 0x01 }, 5 },       /* complete, but no payload */
	};
	struct rooms_vp9_desc d;
	struct run x;
	struct pkt k;

	cr_assert_eq(rooms_vp9_parse(NULL, 0, &d), -EINVAL);
	rates_at(&x.r, T0);
	rooms_layer_init(&x.s, 3, 90000, 1, ROOMS_CODEC_VP9);
	struct vp9 ok = { .pic = 1, .tid = 0, .tl0 = 1, .begin = true, .end = true };
	mk(&k, 5, 100, 0, &ok);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	uint16_t seq = x.out.rw.seq;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(rooms_vp9_parse(bad[i].b, bad[i].len, &d), -EINVAL, "case %zu", i);
		/* Exact-size heap copy: ASan catches a read past it. */
		uint8_t *alone = malloc(bad[i].len ? bad[i].len : 1);
		memcpy(alone, bad[i].b, bad[i].len);
		cr_assert_eq(rooms_vp9_parse(alone, bad[i].len, &d), -EINVAL, "case %zu", i);
		free(alone);
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
	/* The stream goes on without a hole for the refused packets. */
	ok = (struct vp9){ .pic = 2, .tid = 0, .tl0 = 2, .begin = true, .end = true, .inter = true };
	mk(&k, 5, (uint16_t)(101 + sizeof(bad) / sizeof(bad[0])), 3000, &ok);
	cr_assert_eq(feed(&x, 0, &k, T0), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(seq + 1));
	cr_assert_eq(out_desc(&x, &k).picture_id, 2);

	/* A scratch buffer too small for the rewrite: dropped, no overflow, no hole. */
	rooms_layer_request(&x.s, -1, -1);
	x.s.paused = true;
	feed(&x, 0, &k, T0);
	x.s.paused = false;
	ok = (struct vp9){ .pic = 90, .tid = 0, .tl0 = 90, .begin = true, .end = true };
	mk(&k, 5, 300, 9000, &ok);
	cr_assert_eq(rooms_layer_packet(&x.s, 0, &k.p, &x.r, T0 + 1, x.scratch, 4, &x.out),
		     ROOMS_LAYER_DROP);
	ok.inter = true;
	ok.pic = 91;
	mk(&k, 5, 301, 12000, &ok);
	cr_assert_eq(feed(&x, 0, &k, T0 + 2), ROOMS_LAYER_FORWARD);
	cr_assert_eq(x.out.rw.seq, (uint16_t)(seq + 2));
	cr_assert_eq(out_desc(&x, &k).picture_id, 4, "the dropped keyframe had 3");
}
