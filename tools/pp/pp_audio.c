/* pp_audio.c -- Opus sequencing: turns one speaker's packets (already on the session clock) into a
 * gapless Opus stream (raw packets with an OpusHead, RFC 7845) for oggmux or opusdec, without
 * transcoding.
 *
 * Why: Ogg Opus (and any decoder) times audio by sample count, not by timestamps. So the output
 * timeline is built frame by frame: where the next packet is due later than the samples written so
 * far (late join, network gap, pause), Opus silence frames (encoded once with libopus) are
 * inserted; where it is due well before (overlap, a sender clock running fast), it is dropped.
 * The first packet lands exactly, to the sample: the silence before it may overshoot by up to one
 * 2.5 ms frame, and the stream's pre-skip (OpusHead) removes the overshoot plus the encoder's
 * lookahead at decode time. Later packets stay within [-1.25, +5] ms (frame granularity). */
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <opus/opus.h>

#include "pp_out.h"

#define RATE          48000
/* The sender's Opus delay (lumen_pp_job.opus_delay, --opus-delay): libopus (every browser's
 * encoder) delays its output by 312 samples at 48 kHz (2.5 ms lookahead + 4 ms delay compensation;
 * OPUS_GET_LOOKAHEAD), and libwebrtc stamps a packet with the capture time of its first input
 * sample, so the decoded sound plays that much after its RTP time. We place each packet that much
 * earlier (the OpusHead pre-skip of an unaligned file is exactly this delay): the decoded sound then
 * lands at its capture time, level with the video. GStreamer's opusenc already moves its
 * timestamps back by the lookahead: 0 for such senders (webrtcbin). */

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
	int64_t out; /* samples written (decoder output, pre-skip included) */
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

/* One Opus packet: PTS and OFFSET count the decoder's samples before it, OFFSET_END is the Ogg
 * granule position after it (RFC 7845 4: total samples so far, pre-skip included). The pre-skip is
 * removed downstream: by the player from the OpusHead, by lumen_pp_audio_skip_probe when decoding. */
static void push(struct seq *s, const uint8_t *pl, size_t len, int samples)
{
	GstBuffer *b = gst_buffer_new_memdup(pl, len);

	GST_BUFFER_PTS(b) = GST_BUFFER_DTS(b) = gst_util_uint64_scale_int(s->out, GST_SECOND, RATE);
	GST_BUFFER_DURATION(b) = gst_util_uint64_scale_int(samples, GST_SECOND, RATE);
	GST_BUFFER_OFFSET(b) = (guint64)s->out;
	GST_BUFFER_OFFSET_END(b) = (guint64)(s->out + samples);
	if (s->bufs->len == 0)
		GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DISCONT);
	g_ptr_array_add(s->bufs, b);
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

/* Silence until within slack samples of target: FINE for a gap, 0 before the first packet, whose
 * overshoot (< 120 samples) the pre-skip then removes. */
static void fill_to(struct seq *s, int64_t target, int64_t slack, struct lumen_pp_result *res)
{
	while (s->have_silence && target - s->out > slack) {
		int i = 0;

		while (i < N_SIZES - 1 && silence_sizes[i] > target - s->out + FINE)
			i++;
		push(s, s->silence[i], (size_t)s->silence_len[i], silence_sizes[i]);
		res->silence_frames++;
	}
}

GPtrArray *lumen_pp_audio_sequence(struct lumen_pp_input *in, int64_t base_us, int64_t end_us,
				   int opus_delay, struct lumen_pp_result *res)
{
	struct seq s = {.bufs = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref)};
	GPtrArray *all = g_ptr_array_new();
	int64_t pre_skip = -1;

	for (size_t k = 0; k < in->n; k++)
		for (size_t i = 0; i < in->tracks[k]->n_pkts; i++)
			g_ptr_array_add(all, &in->tracks[k]->pkts[i]);
	/* stable enough: packets of one segment have increasing t_us by construction */
	if (all->len)
		qsort(all->pdata, all->len, sizeof(gpointer), cmp_t);
	/* Not aligned (no end): time zero is the first packet's capture time. */
	if (end_us == 0 && all->len > 0)
		base_us = ((struct lumen_pp_pkt *)all->pdata[0])->t_us;
	for (guint i = 0; i < all->len; i++) {
		const struct lumen_pp_pkt *p = all->pdata[i];
		const uint8_t *pl = p->data + p->hdr_len;
		int n = opus_packet_get_nb_samples(pl, p->pl_len, RATE);
		/* where the packet's decoded sound must start to play at its capture time */
		int64_t t = (p->t_us - base_us) * RATE / 1000000 - opus_delay;

		if (n <= 0 || n > RATE / 8) {
			res->dropped_frames++; /* not Opus (or DTX comfort noise we cannot size) */
			continue;
		}
		if (pre_skip < 0) { /* the first packet: exact, through the pre-skip */
			make_silence(&s, opus_packet_get_nb_channels(pl));
			in->channels = opus_packet_get_nb_channels(pl);
			fill_to(&s, t, 0, res);
			pre_skip = s.out - t;
		}
		t += pre_skip; /* in decoder samples */
		fill_to(&s, t, FINE, res);
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
	in->pre_skip = (int)MAX(pre_skip, 0);
	if (end_us > base_us)
		fill_to(&s, (end_us - base_us) * RATE / 1000000 + in->pre_skip + FINE, FINE, res);
	res->duration_s = MAX(res->duration_s, (double)(s.out - in->pre_skip) / RATE);
	if (res->packets && end_us)
		res->start_offset_s = (double)(res->first_us - base_us) / 1e6;
	g_ptr_array_free(all, TRUE);
	return s.bufs;
}

/* RFC 7845 5.1 and 5.2: the identification header (channel mapping family 0: mono or stereo)
 * and a comment header without comments. */
static GstBuffer *opus_head(int channels, int pre_skip)
{
	guint8 h[19] = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, (guint8)channels,
			(guint8)pre_skip, (guint8)(pre_skip >> 8), 0x80, 0xbb, 0, 0, 0, 0, 0};
	GstBuffer *b = gst_buffer_new_memdup(h, sizeof(h)); /* 0xbb80: 48000 Hz input */

	GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_HEADER);
	return b;
}

static GstBuffer *opus_tags(void)
{
	static const char vendor[] = "lumen-pp";
	guint8 t[8 + 4 + sizeof(vendor) - 1 + 4] = {'O', 'p', 'u', 's', 'T', 'a', 'g', 's',
						   sizeof(vendor) - 1};
	GstBuffer *b;

	memcpy(t + 12, vendor, sizeof(vendor) - 1);
	b = gst_buffer_new_memdup(t, sizeof(t));
	GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_HEADER);
	return b;
}

static void add_header(GValue *array, GstBuffer *b)
{
	GValue v = G_VALUE_INIT;

	g_value_init(&v, GST_TYPE_BUFFER);
	g_value_take_boxed(&v, b);
	gst_value_array_append_and_take_value(array, &v);
}

GstCaps *lumen_pp_audio_caps(const struct lumen_pp_input *in)
{
	int ch = in->channels == 2 ? 2 : 1;
	GstCaps *caps = gst_caps_new_simple("audio/x-opus", "rate", G_TYPE_INT, RATE, "channels",
					    G_TYPE_INT, ch, "channel-mapping-family", G_TYPE_INT, 0,
					    "stream-count", G_TYPE_INT, 1, "coupled-count",
					    G_TYPE_INT, ch - 1, NULL);
	GValue hdrs = G_VALUE_INIT;

	g_value_init(&hdrs, GST_TYPE_ARRAY);
	add_header(&hdrs, opus_head(ch, in->pre_skip));
	add_header(&hdrs, opus_tags());
	gst_structure_take_value(gst_caps_get_structure(caps, 0), "streamheader", &hdrs);
	return caps;
}

/* GStreamer 1.22's opusdec reads the pre-skip from the OpusHead but does not drop those samples
 * (only an upstream clipping meta, as oggdemux adds, would): drop them here, and move every PTS
 * back by the pre-skip, so decoded audio is on the same timeline as the .opus file. */
GstPadProbeReturn lumen_pp_audio_skip_probe(GstPad *pad, GstPadProbeInfo *info, gpointer ud)
{
	struct lumen_pp_input *in = ud;
	GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
	GstClockTime pts = GST_BUFFER_PTS(b);
	guint64 at; /* in samples, so PTS stay on the sample grid every other input is on */
	gsize frame = (gsize)(in->channels == 2 ? 2 : 1) * sizeof(opus_int16);
	gsize size = gst_buffer_get_size(b), cut = 0;

	if (in->skip_left > 0) {
		cut = MIN((gsize)in->skip_left * frame, size);
		in->skip_left -= (int)(cut / frame);
		if (cut == size)
			return GST_PAD_PROBE_DROP;
	}
	b = gst_buffer_make_writable(b);
	if (cut) {
		gst_buffer_resize(b, (gssize)cut, -1);
		if (GST_BUFFER_DURATION_IS_VALID(b))
			GST_BUFFER_DURATION(b) = gst_util_uint64_scale_int((size - cut) / frame,
									   GST_SECOND, RATE);
	}
	if (GST_CLOCK_TIME_IS_VALID(pts)) {
		at = gst_util_uint64_scale_round(pts, RATE, GST_SECOND) + cut / frame;
		at = at > (guint64)in->pre_skip ? at - (guint64)in->pre_skip : 0;
		/* rounded up: audiorate rounds down, and one ns short is one sample overlapping */
		GST_BUFFER_PTS(b) = gst_util_uint64_scale_int_ceil(at, GST_SECOND, RATE);
	}
	GST_BUFFER_DTS(b) = GST_CLOCK_TIME_NONE;
	GST_PAD_PROBE_INFO_DATA(info) = b;
	return GST_PAD_PROBE_OK;
}
