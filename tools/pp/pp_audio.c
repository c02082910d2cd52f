/* pp_audio.c -- Opus sequencing: turns one speaker's packets (already on the session clock) into a
 * gapless RTP stream for rtpopusdepay, without transcoding.
 *
 * Why: Ogg Opus (and any decoder) times audio by sample count, not by timestamps. So the output
 * timeline is built frame by frame: where the next packet's session time is more than half a frame
 * ahead of the samples written so far (late join, network gap, pause), 20 ms Opus silence frames
 * (encoded once with libopus) are inserted; where it is more than half a frame behind (overlap, a
 * sender clock running fast), the packet is dropped. Output time therefore stays within half a frame
 * (10 ms for 20 ms frames) of the session clock for any length, including 100 ppm skew. */
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <opus/opus.h>

#include "pp_out.h"

#define RATE          48000
/* libopus (every browser's encoder) delays its output by 312 samples at 48 kHz (2.5 ms lookahead +
 * 4 ms delay compensation; OPUS_GET_LOOKAHEAD). RTP carries no pre-skip, so we place each packet
 * that much earlier: the decoded sound then lands at its capture time, level with the video. */
#define OPUS_LOOKAHEAD 312

/* Silence frames of 20, 10, 5 and 2.5 ms: gaps are filled to within 1.25 ms (60 samples), so a
 * speaker's first packet lands where it belongs, not on a 20 ms grid. */
static const int silence_sizes[] = {960, 480, 240, 120};
#define N_SIZES  4
#define FINE     60
/* A packet is dropped when the output is this far ahead of its time (overlap, fast sender clock);
 * the silence fill then catches up to within FINE. Keeps the error within [-1.25, +5] ms. */
#define MAX_AHEAD 240

struct seq {
	GPtrArray *bufs;
	int64_t out; /* samples written */
	uint16_t seq;
	uint8_t pt;
	bool have_silence;
	uint8_t silence[N_SIZES][32];
	int silence_len[N_SIZES];
};

static int cmp_t(const void *a, const void *b)
{
	const struct lumen_pp_pkt *x = *(struct lumen_pp_pkt *const *)a;
	const struct lumen_pp_pkt *y = *(struct lumen_pp_pkt *const *)b;

	return x->t_us < y->t_us ? -1 : x->t_us > y->t_us;
}

static void push(struct seq *s, const uint8_t *pl, size_t len, int samples)
{
	uint8_t *d = g_malloc(12 + len);
	GstBuffer *b;

	d[0] = 0x80;
	d[1] = s->pt;
	d[2] = (uint8_t)(s->seq >> 8), d[3] = (uint8_t)s->seq;
	for (int i = 0; i < 4; i++)
		d[4 + i] = (uint8_t)((uint32_t)s->out >> (24 - 8 * i));
	memcpy(d + 8, "\x4c\x55\x4d\x4e", 4); /* one SSRC for the whole speaker: no resets downstream */
	memcpy(d + 12, pl, len);
	b = gst_buffer_new_wrapped(d, 12 + len);
	GST_BUFFER_PTS(b) = GST_BUFFER_DTS(b) = gst_util_uint64_scale_int(s->out, GST_SECOND, RATE);
	GST_BUFFER_DURATION(b) = gst_util_uint64_scale_int(samples, GST_SECOND, RATE);
	if (s->bufs->len == 0)
		GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DISCONT);
	g_ptr_array_add(s->bufs, b);
	s->seq++;
	s->out += samples;
}

/* Silence frames with the channel count of the stream's first packet, so the Ogg header that
 * opusparse derives from the first packet describes the speech too. Frames under 10 ms are CELT. */
static void make_silence(struct seq *s, int channels)
{
	opus_int16 pcm[960 * 2] = {0};
	int err;
	OpusEncoder *enc = opus_encoder_create(RATE, channels, OPUS_APPLICATION_VOIP, &err);

	s->have_silence = enc != NULL;
	for (int i = 0; enc && i < N_SIZES; i++) {
		s->silence_len[i] = opus_encode(enc, pcm, silence_sizes[i], s->silence[i],
						sizeof(s->silence[i]));
		s->have_silence &= s->silence_len[i] > 0;
	}
	if (enc)
		opus_encoder_destroy(enc);
}

static void fill_to(struct seq *s, int64_t target, struct lumen_pp_result *res)
{
	while (s->have_silence && target - s->out > FINE) {
		int i = 0;

		while (i < N_SIZES - 1 && silence_sizes[i] > target - s->out + FINE)
			i++;
		push(s, s->silence[i], (size_t)s->silence_len[i], silence_sizes[i]);
		res->silence_frames++;
	}
}

GPtrArray *lumen_pp_audio_sequence(struct lumen_pp_input *in, int64_t base_us, int64_t end_us,
				   struct lumen_pp_result *res)
{
	struct seq s = {.bufs = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref)};
	GPtrArray *all = g_ptr_array_new();

	for (size_t k = 0; k < in->n; k++)
		for (size_t i = 0; i < in->tracks[k]->n_pkts; i++)
			g_ptr_array_add(all, &in->tracks[k]->pkts[i]);
	/* stable enough: packets of one segment have increasing t_us by construction */
	if (all->len)
		qsort(all->pdata, all->len, sizeof(gpointer), cmp_t);
	s.pt = (uint8_t)(in->mtracks[0]->payload_type & 0x7f);
	/* Not aligned (no end): time zero is the first packet, which the lookahead compensation
	 * would put before zero and so drop; start there instead. */
	if (end_us == 0 && all->len > 0)
		base_us = ((struct lumen_pp_pkt *)all->pdata[0])->t_us - OPUS_LOOKAHEAD * 1000000 / RATE;
	for (guint i = 0; i < all->len; i++) {
		const struct lumen_pp_pkt *p = all->pdata[i];
		const uint8_t *pl = p->data + p->hdr_len;
		int n = opus_packet_get_nb_samples(pl, p->pl_len, RATE);
		int64_t t = (p->t_us - base_us) * RATE / 1000000 - OPUS_LOOKAHEAD;

		if (n <= 0 || n > RATE / 8) {
			res->dropped_frames++; /* not Opus (or DTX comfort noise we cannot size) */
			continue;
		}
		if (!s.have_silence)
			make_silence(&s, opus_packet_get_nb_channels(pl));
		fill_to(&s, t, res);
		if (s.out - t > MAX_AHEAD) {
			res->dropped_frames++;
			continue;
		}
		if (res->packets == 0 || p->t_us < res->first_us) /* a mix has several inputs */
			res->first_us = p->t_us;
		res->last_us = MAX(res->last_us, p->t_us);
		res->packets++;
		push(&s, pl, p->pl_len, n);
	}
	if (end_us > base_us)
		fill_to(&s, (end_us - base_us) * RATE / 1000000 + FINE, res);
	res->duration_s = MAX(res->duration_s, (double)s.out / RATE);
	if (res->packets && end_us)
		res->start_offset_s = (double)(res->first_us - base_us) / 1e6;
	g_ptr_array_free(all, TRUE);
	return s.bufs;
}
