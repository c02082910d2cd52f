/* pp_video.c -- video sequencing for lumen-pp (see pp_out.h): the track's RTP packets timed on the
 * session clock, and, with --align, a black lead-in from the recording's start to the publisher's
 * first packet.
 *
 * Why a black lead-in and not a container offset: players (ffplay, VLC, Chromium's <video>) start
 * a file at its first frame whatever its timestamp, and matroskamux measures the Segment Duration
 * from the first block, so a late joiner's file would either start with the joiner or show their
 * first frame for the seconds before they joined. A file that really holds black frames from 0
 * shows black in every player and editor. Only the lead-in is encoded (one black GOP of 10 frames,
 * 1 s at 10 fps, in the stream's codec and resolution, repeated); the media is not transcoded.
 * Runs on the calling thread (two short GStreamer pipelines of its own). */
#include <errno.h>
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include "pp_out.h"

#define BLACK_FPS 10 /* lead-in frame rate: one frame every 100 ms */
#define BLACK_GOP 10 /* frames per encoded black GOP (one keyframe a second) */

static void free_pkt_ref(gpointer p)
{
	(void)p; /* the track owns the bytes; it outlives the pipeline */
}

GPtrArray *lumen_pp_video_sequence(struct lumen_pp_input *in, int64_t base_us,
				   struct lumen_pp_result *res)
{
	GPtrArray *bufs = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref);
	struct lumen_pp_track *t = in->tracks[0];
	GstClockTime last = 0;
	int64_t frames = 0, prev_ts = -1;

	for (size_t i = 0; i < t->n_pkts; i++) {
		struct lumen_pp_pkt *p = &t->pkts[i];
		GstBuffer *b;
		GstClockTime pts;

		if (p->t_us < base_us) {
			res->dropped_frames++;
			continue;
		}
		pts = (GstClockTime)(p->t_us - base_us) * GST_USECOND;
		pts = MAX(pts, last); /* PTS never goes backwards: muxers refuse that */
		last = pts;
		b = gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, p->data, p->len, 0,
						p->len, p, free_pkt_ref);
		GST_BUFFER_PTS(b) = GST_BUFFER_DTS(b) = pts;
		g_ptr_array_add(bufs, b);
		frames += p->ext_ts != prev_ts;
		prev_ts = p->ext_ts;
		if (res->packets == 0)
			res->first_us = p->t_us;
		res->last_us = MAX(res->last_us, p->t_us);
		res->packets++;
	}
	/* the last frame lasts one average frame interval */
	res->duration_s = res->packets ? (double)(res->last_us - base_us) / 1e6 : 0;
	if (frames > 1)
		res->duration_s += (double)(res->last_us - res->first_us) / 1e6 / (double)(frames - 1);
	return bufs;
}

/* Push bufs into the pipeline's appsrc "src" and end the stream. */
static void push_into(GstElement *pipe, GPtrArray *bufs)
{
	GstElement *src = gst_bin_get_by_name(GST_BIN(pipe), "src");

	for (guint i = 0; i < bufs->len; i++)
		gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_ref(bufs->pdata[i]));
	gst_app_src_end_of_stream(GST_APP_SRC(src));
	gst_object_unref(src);
}

static GstElement *launch(const char *desc, GstCaps *src_caps, char **err)
{
	GError *gerr = NULL;
	GstElement *pipe = gst_parse_launch(desc, &gerr), *src;

	if (!pipe || gerr) {
		*err = g_strdup_printf("black lead-in: %s", gerr ? gerr->message : desc);
		g_clear_error(&gerr);
		if (pipe)
			gst_object_unref(pipe);
		return NULL;
	}
	src = gst_bin_get_by_name(GST_BIN(pipe), "src");
	g_object_set(src, "caps", src_caps, "format", GST_FORMAT_TIME, "max-bytes", (guint64)0,
		     "block", FALSE, NULL);
	gst_object_unref(src);
	if (gst_element_set_state(pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		*err = g_strdup("black lead-in: cannot start a pipeline");
		gst_object_unref(pipe);
		return NULL;
	}
	return pipe;
}

static void stop(GstElement *pipe)
{
	gst_element_set_state(pipe, GST_STATE_NULL);
	gst_object_unref(pipe);
}

/* The size of the stream's first decodable picture: decode until one frame comes out. */
static int first_size(GPtrArray *bufs, GstCaps *rtp_caps, const char *depay, int *w, int *h,
		      char **err)
{
	gchar *desc = g_strdup_printf("appsrc name=src ! %s ! decodebin ! appsink name=sink "
				      "sync=false max-buffers=1",
				      depay);
	GstElement *pipe = launch(desc, rtp_caps, err), *sink;
	GstSample *s;
	int ret = -EINVAL;

	g_free(desc);
	if (!pipe)
		return -EINVAL;
	sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
	push_into(pipe, bufs);
	/* NULL at EOS or on an error: nothing decodable. The bound only guards a stuck decoder. */
	s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 30 * GST_SECOND);
	if (s) {
		GstStructure *st = gst_caps_get_structure(gst_sample_get_caps(s), 0);

		if (gst_structure_get_int(st, "width", w) && gst_structure_get_int(st, "height", h))
			ret = 0;
		gst_sample_unref(s);
	}
	if (ret < 0)
		*err = g_strdup("black lead-in: no decodable picture in the track");
	gst_object_unref(sink);
	stop(pipe);
	return ret;
}

/* One black I420 picture (Y 0, not 16: every player shows it black, and tools that measure luma
 * without range conversion see 0), in GStreamer's default I420 layout. */
static GstBuffer *black_picture(int w, int h)
{
	gsize ys = GST_ROUND_UP_4(w), cs = GST_ROUND_UP_4(GST_ROUND_UP_2(w) / 2);
	gsize ch = GST_ROUND_UP_2(h) / 2, yplane = ys * GST_ROUND_UP_2(h), size = yplane + 2 * cs * ch;
	guint8 *d = g_malloc(size);

	memset(d, 0, yplane);
	memset(d + yplane, 128, size - yplane);
	return gst_buffer_new_wrapped(d, size);
}

/* Encode one black GOP of BLACK_GOP frames to RTP packets (GstBuffer*, RTP timestamps from 0). */
static GPtrArray *black_gop(const char *encode, int w, int h, char **err)
{
	gchar *desc = g_strdup_printf("appsrc name=src ! %s ! appsink name=sink sync=false", encode);
	GstCaps *caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width",
					    G_TYPE_INT, w, "height", G_TYPE_INT, h, "framerate",
					    GST_TYPE_FRACTION, BLACK_FPS, 1, NULL);
	GstElement *pipe = launch(desc, caps, err), *sink;
	GPtrArray *pkts = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref);
	GPtrArray *pics = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref);
	GstSample *s;

	g_free(desc);
	gst_caps_unref(caps);
	if (!pipe)
		goto out;
	for (int i = 0; i < BLACK_GOP; i++) {
		GstBuffer *b = black_picture(w, h);

		GST_BUFFER_PTS(b) = (GstClockTime)i * GST_SECOND / BLACK_FPS;
		GST_BUFFER_DURATION(b) = GST_SECOND / BLACK_FPS;
		g_ptr_array_add(pics, b);
	}
	push_into(pipe, pics);
	sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
	while ((s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 30 * GST_SECOND))) {
		g_ptr_array_add(pkts, gst_buffer_ref(gst_sample_get_buffer(s)));
		gst_sample_unref(s);
	}
	gst_object_unref(sink);
	stop(pipe);
out:
	g_ptr_array_free(pics, TRUE);
	if (pkts->len == 0 && !*err)
		*err = g_strdup("black lead-in: the encoder gave no packets");
	return pkts;
}

static uint32_t rd32(const guint8 *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(guint8 *p, uint32_t v)
{
	p[0] = (guint8)(v >> 24), p[1] = (guint8)(v >> 16), p[2] = (guint8)(v >> 8), p[3] = (guint8)v;
}

/* A copy of the encoded packet pkt as the track's own: the real stream's SSRC and payload type,
 * sequence number seq, RTP timestamp ts, at pts. */
static GstBuffer *restamp(GstBuffer *pkt, const guint8 *real, uint16_t seq, uint32_t ts,
			  GstClockTime pts)
{
	gsize len = gst_buffer_get_size(pkt);
	guint8 *d = g_malloc(len);

	gst_buffer_extract(pkt, 0, d, len);
	d[1] = (guint8)((d[1] & 0x80) | (real[1] & 0x7f));
	d[2] = (guint8)(seq >> 8), d[3] = (guint8)seq;
	wr32(d + 4, ts);
	memcpy(d + 8, real + 8, 4);
	pkt = gst_buffer_new_wrapped(d, len);
	GST_BUFFER_PTS(pkt) = GST_BUFFER_DTS(pkt) = pts;
	return pkt;
}

struct lead_pkt {
	GstBuffer *pkt; /* in the encoded GOP */
	GstClockTime pts;
};

int lumen_pp_video_lead_in(GPtrArray *bufs, GstCaps *rtp_caps, int clock_rate, const char *depay,
			   const char *encode, char **err)
{
	GstClockTime start;
	GstMapInfo mi;
	guint8 real[12];
	GPtrArray *gop;
	GArray *lead;
	int w, h, ret;
	uint32_t ts0;
	size_t n = 0;

	*err = NULL;
	if (!bufs->len || (start = GST_BUFFER_PTS(bufs->pdata[0])) == 0)
		return 0;
	if (!encode)
		return *err = g_strdup("black lead-in: no encoder for this codec"), -ENOTSUP;
	if ((ret = first_size(bufs, rtp_caps, depay, &w, &h, err)) < 0)
		return ret;
	gop = black_gop(encode, w, h, err);
	if (!gop->len)
		return g_ptr_array_free(gop, TRUE), -EINVAL;
	gst_buffer_map(bufs->pdata[0], &mi, GST_MAP_READ);
	memcpy(real, mi.data, MIN(mi.size, sizeof(real)));
	gst_buffer_unmap(bufs->pdata[0], &mi);
	gst_buffer_map(gop->pdata[0], &mi, GST_MAP_READ);
	ts0 = rd32(mi.data + 4);
	gst_buffer_unmap(gop->pdata[0], &mi);
	/* The lead-in: GOP after GOP from 0 while before the first real packet. Sequence numbers
	 * count back from the real first one, so the packets are listed first, then restamped. */
	lead = g_array_new(FALSE, FALSE, sizeof(struct lead_pkt));
	for (GstClockTime gop_start = 0; gop_start < start;
	     gop_start += (GstClockTime)BLACK_GOP * GST_SECOND / BLACK_FPS) {
		for (guint i = 0; i < gop->len; i++) {
			struct lead_pkt lp = {.pkt = gop->pdata[i]};

			gst_buffer_map(lp.pkt, &mi, GST_MAP_READ);
			lp.pts = gop_start + gst_util_uint64_scale_int(rd32(mi.data + 4) - ts0,
								       GST_SECOND, clock_rate);
			gst_buffer_unmap(lp.pkt, &mi);
			if (lp.pts >= start)
				break;
			g_array_append_val(lead, lp);
		}
	}
	for (guint i = 0; i < lead->len; i++) {
		const struct lead_pkt *lp = &g_array_index(lead, struct lead_pkt, i);
		uint32_t ts = rd32(real + 4) - (uint32_t)gst_util_uint64_scale_int(
						       start - lp->pts, clock_rate, GST_SECOND);
		uint16_t seq = (uint16_t)((real[2] << 8 | real[3]) - (int)lead->len + (int)i);

		g_ptr_array_insert(bufs, (gint)n++, restamp(lp->pkt, real, seq, ts, lp->pts));
	}
	g_array_free(lead, TRUE);
	g_ptr_array_free(gop, TRUE);
	return (int)n;
}
