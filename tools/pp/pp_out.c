/* pp_out.c -- the GStreamer side of lumen-pp (see pp_out.h): builds a job's buffers and runs its
 * pipeline. We order packets ourselves (pp_track) instead of using rtpjitterbuffer: offline we
 * know every packet, so there is nothing to wait for, and timestamps come from pp_clock. */
#include <errno.h>
#include <string.h>

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include "pp_out.h"

struct codec_info {
	const char *codec, *media, *encoding, *depay, *parse, *mux;
	const char *black; /* video: encoder ! payloader of the --align black lead-in (pp_video.c) */
};

/* What each codec becomes without transcoding. AV1 uses matroskamux: webmmux in 1.22 refuses it.
 * The lead-in encoders keep every frame after the first a delta frame (one GOP); AV1 has none
 * (no rtpav1pay in Debian 12). H.264 repeats SPS/PPS in band so the decoder switches cleanly. */
static const struct codec_info codecs[] = {
	{"opus", "audio", "OPUS", NULL, NULL, "oggmux", NULL}, /* raw Opus from pp_audio.c */
	{"vp8", "video", "VP8", "rtpvp8depay", NULL, "webmmux",
	 "vp8enc deadline=1 keyframe-max-dist=1000 ! rtpvp8pay mtu=1200"},
	{"vp9", "video", "VP9", "rtpvp9depay", "vp9parse", "webmmux",
	 "vp9enc deadline=1 keyframe-max-dist=1000 ! rtpvp9pay mtu=1200"},
	{"av1", "video", "AV1", "lumenav1depay", "av1parse", "matroskamux", NULL},
	{"h264", "video", "H264", "rtph264depay", "h264parse", "mp4mux",
	 "openh264enc gop-size=1000 ! h264parse ! rtph264pay mtu=1200 config-interval=-1"},
};

static const struct codec_info *codec_find(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(codecs); i++)
		if (g_ascii_strcasecmp(codecs[i].codec, name) == 0)
			return &codecs[i];
	return NULL;
}

const char *lumen_pp_out_extension(const char *codec)
{
	const struct codec_info *c = codec_find(codec);

	if (!c)
		return NULL;
	if (strcmp(c->mux, "oggmux") == 0)
		return "opus";
	if (strcmp(c->mux, "webmmux") == 0)
		return "webm";
	return strcmp(c->mux, "mp4mux") == 0 ? "mp4" : "mkv";
}

static void set_error(struct lumen_pp_job *job, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void set_error(struct lumen_pp_job *job, const char *fmt, ...)
{
	va_list ap;

	if (job->res.error)
		return;
	va_start(ap, fmt);
	job->res.error = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

static GstCaps *rtp_caps(const struct codec_info *c, const struct lumen_pp_mtrack *mt)
{
	return gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, c->media,
				   "clock-rate", G_TYPE_INT, mt->clock_rate, "encoding-name",
				   G_TYPE_STRING, c->encoding, "payload", G_TYPE_INT,
				   mt->payload_type & 0x7f, NULL);
}

/* --align: black frames from 0 to the first packet. Without them (no encoder, nothing decodable)
 * the file still starts at its first frame's session time, which players show from their start:
 * said in the report's warning. */
static void video_lead_in(struct lumen_pp_job *job, struct lumen_pp_input *in)
{
	const struct codec_info *c = codec_find(job->codec);
	GstCaps *caps = rtp_caps(c, in->mtracks[0]);
	char *err = NULL;
	int n = lumen_pp_video_lead_in(in->bufs, caps, in->mtracks[0]->clock_rate, c->depay,
				       c->black, &err);

	gst_caps_unref(caps);
	if (n > 0)
		job->res.lead_in_pkts = (guint)n;
	if (err && !job->res.warning)
		job->res.warning = g_strdup_printf("%s; the video starts at its first frame", err);
	g_free(err);
}

int lumen_pp_out_prepare(struct lumen_pp_job *job)
{
	int n = 0;

	for (size_t i = 0; i < job->n_inputs; i++) {
		struct lumen_pp_input *in = &job->inputs[i];

		for (size_t k = 0; k < in->n; k++) {
			job->res.lost += in->tracks[k]->lost;
			job->res.duplicates += in->tracks[k]->duplicates;
			job->res.reordered += in->tracks[k]->reordered;
			job->res.too_late += in->tracks[k]->too_late;
			job->res.srs_rejected += in->tracks[k]->srs_rejected;
		}
		if (!codec_find(job->codec)) {
			set_error(job, "codec %s is not supported", job->codec);
			return -EINVAL;
		}
		if (job->kind == LUMEN_PP_VIDEO) {
			in->bufs = lumen_pp_video_sequence(in, job->base_us, &job->res);
			if (job->align)
				video_lead_in(job, in);
		} else
			in->bufs = lumen_pp_audio_sequence(in, job->base_us, job->end_us,
							   job->opus_delay, &job->res);
		n += (int)in->bufs->len;
	}
	if (n == 0) {
		job->res.empty = true;
		return 0;
	}
	if (job->kind == LUMEN_PP_VIDEO)
		job->res.start_offset_s = (double)(job->res.first_us - job->base_us) / 1e6;
	if (job->kind == LUMEN_PP_VIDEO && job->end_us > job->res.last_us) /* last frame held */
		job->res.duration_s = (double)(job->end_us - job->base_us) / 1e6;
	if (job->kind == LUMEN_PP_DECODED || job->kind == LUMEN_PP_MIX) /* clipped to the end */
		job->res.duration_s = (double)(job->end_us - job->base_us) / 1e6;
	return n;
}

/* ---- pipelines ---- */

static GstElement *add(GstElement *pipe, const char *factory, struct lumen_pp_job *job)
{
	GstElement *e = gst_element_factory_make(factory, NULL);

	if (!e) {
		set_error(job, "GStreamer element %s is not installed", factory);
		return NULL;
	}
	gst_bin_add(GST_BIN(pipe), e);
	return e;
}

/* Link a chain of factories after prev; returns the last element or NULL. */
static GstElement *chain(GstElement *pipe, GstElement *prev, const char *const *names,
			 struct lumen_pp_job *job)
{
	for (; *names; names++) {
		GstElement *e = add(pipe, *names, job);

		if (!e)
			return NULL;
		if (prev && !gst_element_link(prev, e)) {
			set_error(job, "cannot link %s to %s", GST_OBJECT_NAME(prev), *names);
			return NULL;
		}
		prev = e;
	}
	return prev;
}

static GstPadProbeReturn count_probe(GstPad *pad, GstPadProbeInfo *info, gpointer ud)
{
	g_atomic_int_inc((gint *)ud);
	return GST_PAD_PROBE_OK;
}

static GstElement *add_appsrc(GstElement *pipe, struct lumen_pp_job *job, struct lumen_pp_input *in,
			      struct lumen_pp_progress *prog)
{
	const struct codec_info *c = codec_find(job->codec);
	const struct lumen_pp_mtrack *mt = in->mtracks[0];
	GstElement *src = add(pipe, "appsrc", job);
	GstCaps *caps;
	GstPad *pad;

	if (!src)
		return NULL;
	caps = job->kind == LUMEN_PP_VIDEO ? rtp_caps(c, mt) : lumen_pp_audio_caps(in);
	/* Unlimited queue, never blocking: the buffers already exist (they wrap the track's bytes),
	 * and a blocked push could never notice a downstream error. */
	g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, "max-bytes", (guint64)0,
		     "block", FALSE, NULL);
	gst_caps_unref(caps);
	pad = gst_element_get_static_pad(src, "src");
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe, &prog->done, NULL);
	gst_object_unref(pad);
	return src;
}

struct key_state {
	bool seen_key;
	GstClockTime lead_end; /* the black lead-in is everything before (0: none) */
	GstClockTime last_pts; /* the last real frame's */
	GstClockTime end;      /* --align: the recording's end, 0 without */
};

/* Video: drop what precedes the first real keyframe (undecodable, or decoded against the black
 * lead-in: a smear), and with --align give the last frame a duration up to the recording's end
 * (matroskamux and mp4mux count it in the file's duration: the last frame is held). */
static GstPadProbeReturn key_probe(GstPad *pad, GstPadProbeInfo *info, gpointer ud)
{
	struct key_state *ks = ud;
	GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
	GstClockTime pts = GST_BUFFER_PTS(b);

	if (GST_CLOCK_TIME_IS_VALID(pts) && pts < ks->lead_end)
		return GST_PAD_PROBE_OK;
	if (!ks->seen_key) {
		if (GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT))
			return GST_PAD_PROBE_DROP;
		ks->seen_key = true;
	}
	if (ks->end && GST_CLOCK_TIME_IS_VALID(pts) && pts >= ks->last_pts && ks->end > pts) {
		b = gst_buffer_make_writable(b);
		GST_BUFFER_DURATION(b) = ks->end - pts;
		GST_PAD_PROBE_INFO_DATA(info) = b;
	}
	return GST_PAD_PROBE_OK;
}

struct clip_state {
	GstClockTime limit;
};

/* Decoded audio: cut at the job's end so every speaker's file has exactly the same length. */
static GstPadProbeReturn clip_probe(GstPad *pad, GstPadProbeInfo *info, gpointer ud)
{
	struct clip_state *cs = ud;
	GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
	GstClockTime pts = GST_BUFFER_PTS(b), dur = GST_BUFFER_DURATION(b);
	GstCaps *caps;
	gint ch = 0, rate = 0;

	if (!GST_CLOCK_TIME_IS_VALID(pts) || !GST_CLOCK_TIME_IS_VALID(dur) || pts + dur <= cs->limit)
		return GST_PAD_PROBE_OK;
	if (pts >= cs->limit)
		return GST_PAD_PROBE_DROP;
	caps = gst_pad_get_current_caps(pad);
	if (caps) {
		gst_structure_get_int(gst_caps_get_structure(caps, 0), "channels", &ch);
		gst_structure_get_int(gst_caps_get_structure(caps, 0), "rate", &rate);
		gst_caps_unref(caps);
	}
	if (ch > 0 && rate > 0) {
		/* in whole samples: PTS of a pre-skipped input are off the ns grid (rounded up) */
		gsize keep = (gsize)(gst_util_uint64_scale_round(cs->limit, (guint64)rate, GST_SECOND) -
				     gst_util_uint64_scale_round(pts, (guint64)rate, GST_SECOND)) *
			     2 * (gsize)ch;

		b = gst_buffer_make_writable(b);
		gst_buffer_resize(b, 0, (gssize)MIN(keep, gst_buffer_get_size(b)));
		GST_BUFFER_DURATION(b) = cs->limit - pts;
		GST_PAD_PROBE_INFO_DATA(info) = b;
	}
	return GST_PAD_PROBE_OK;
}

static void probe(GstElement *e, const char *pad_name, GstPadProbeCallback cb, gpointer data)
{
	GstPad *pad = gst_element_get_static_pad(e, pad_name);

	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, cb, data, g_free);
	gst_object_unref(pad);
}

static bool add_filesink(GstElement *pipe, GstElement *prev, struct lumen_pp_job *job)
{
	GstElement *sink = add(pipe, "filesink", job);

	if (!sink || !gst_element_link(prev, sink))
		return set_error(job, "cannot link the file sink"), false;
	g_object_set(sink, "location", job->path, NULL);
	return true;
}

/* appsrc ! [depayloader ! [parser] !] muxer ! filesink, no transcoding (audio comes sequenced). */
static bool build_passthrough(GstElement *pipe, struct lumen_pp_job *job,
			      struct lumen_pp_progress *prog)
{
	const struct codec_info *c = codec_find(job->codec);
	const char *names[] = {c->depay, c->parse, NULL};
	GstElement *src = add_appsrc(pipe, job, &job->inputs[0], prog), *last, *mux;

	if (!src || !(last = chain(pipe, src, names, job)))
		return false;
	if (job->kind == LUMEN_PP_VIDEO) {
		struct key_state *ks = g_new0(struct key_state, 1);
		GPtrArray *bufs = job->inputs[0].bufs;

		ks->lead_end = job->res.lead_in_pkts ? GST_BUFFER_PTS(bufs->pdata[job->res.lead_in_pkts]) : 0;
		ks->last_pts = GST_BUFFER_PTS(bufs->pdata[bufs->len - 1]);
		if (job->align && job->end_us > job->base_us)
			ks->end = (GstClockTime)(job->end_us - job->base_us) * GST_USECOND;
		probe(last, "src", key_probe, ks);
	}
	/* an appsrc's caps do not steer the muxer's choice of request pad: name it */
	if (!(mux = add(pipe, c->mux, job)) ||
	    !gst_element_link_pads(last, NULL, mux, job->kind == LUMEN_PP_AUDIO ? "audio_%u" : NULL))
		return set_error(job, "cannot link to %s", c->mux), false;
	if (job->toc && GST_IS_TOC_SETTER(mux))
		gst_toc_setter_set_toc(GST_TOC_SETTER(mux), job->toc);
	return add_filesink(pipe, mux, job);
}

/* Per input: appsrc ! rtpopusdepay ! opusdec ! audioconvert ! audioresample; returns the last. */
static GstElement *decode_branch(GstElement *pipe, struct lumen_pp_job *job,
				 struct lumen_pp_input *in, struct lumen_pp_progress *prog)
{
	const char *names[] = {"opusdec", NULL}, *post[] = {"audioconvert", "audioresample", NULL};
	GstElement *src = add_appsrc(pipe, job, in, prog), *dec;
	GstPad *pad;

	if (!src || !(dec = chain(pipe, src, names, job)))
		return NULL;
	in->skip_left = in->pre_skip;
	pad = gst_element_get_static_pad(dec, "src");
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, lumen_pp_audio_skip_probe, in, NULL);
	gst_object_unref(pad);
	return chain(pipe, dec, post, job);
}

/* Decoded (one input) or mixed (audiomixer over all inputs), then audiorate (a safety net: the
 * sequenced stream has no holes), S16LE 48 kHz, clipped to the job's length, wav/flac. */
static bool build_decoded(GstElement *pipe, struct lumen_pp_job *job, struct lumen_pp_progress *prog)
{
	GstElement *head, *caps, *tail, *enc;
	const char *post[] = {"audiorate", "audioconvert", "capsfilter", NULL};
	struct clip_state *cs = g_new0(struct clip_state, 1);
	GstCaps *c;

	cs->limit = (GstClockTime)(job->end_us - job->base_us) * GST_USECOND;
	if (job->kind == LUMEN_PP_MIX) {
		if (!(head = add(pipe, "audiomixer", job)))
			return g_free(cs), false;
		for (size_t i = 0; i < job->n_inputs; i++) {
			GstElement *b = decode_branch(pipe, job, &job->inputs[i], prog);

			if (!b || !gst_element_link(b, head))
				return g_free(cs), set_error(job, "cannot build the mix"), false;
		}
	} else if (!(head = decode_branch(pipe, job, &job->inputs[0], prog))) {
		return g_free(cs), false;
	}
	if (!(tail = chain(pipe, head, post, job)))
		return g_free(cs), false;
	caps = tail;
	c = gst_caps_from_string(job->kind == LUMEN_PP_MIX
					 ? "audio/x-raw,format=S16LE,rate=48000,channels=2"
					 : "audio/x-raw,format=S16LE,rate=48000");
	g_object_set(caps, "caps", c, NULL);
	gst_caps_unref(c);
	if (!(enc = add(pipe, strcmp(job->format, "flac") == 0 ? "flacenc" : "wavenc", job)) ||
	    !gst_element_link(tail, enc))
		return g_free(cs), set_error(job, "cannot link the encoder"), false;
	probe(enc, "sink", clip_probe, cs);
	return add_filesink(pipe, enc, job);
}

static void push_all(GstElement *pipe, struct lumen_pp_job *job)
{
	GstIterator *it = gst_bin_iterate_sources(GST_BIN(pipe));
	GValue v = G_VALUE_INIT;
	size_t i = job->n_inputs;

	/* Sources iterate in reverse order of addition; inputs were added in order. */
	while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
		GstElement *src = g_value_get_object(&v);

		if (GST_IS_APP_SRC(src) && i > 0) {
			GPtrArray *bufs = job->inputs[--i].bufs;

			for (guint k = 0; k < bufs->len; k++)
				gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_ref(bufs->pdata[k]));
			gst_app_src_end_of_stream(GST_APP_SRC(src));
		}
		g_value_reset(&v);
	}
	g_value_unset(&v);
	gst_iterator_free(it);
}

static int wait_done(GstElement *pipe, struct lumen_pp_job *job, struct lumen_pp_progress *prog)
{
	GstBus *bus = gst_element_get_bus(pipe);
	int ret = -EIO;

	for (;;) {
		GstMessage *m = gst_bus_timed_pop_filtered(bus, 100 * GST_MSECOND,
							   GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

		lumen_pp_progress_draw(prog, job->label);
		if (!m)
			continue;
		if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
			GError *e = NULL;
			gchar *dbg = NULL;

			gst_message_parse_error(m, &e, &dbg);
			set_error(job, "%s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(m)), e->message);
			g_clear_error(&e);
			g_free(dbg);
		} else {
			ret = 0;
		}
		gst_message_unref(m);
		break;
	}
	gst_object_unref(bus);
	return ret;
}

int lumen_pp_out_run(struct lumen_pp_job *job, struct lumen_pp_progress *prog)
{
	GstElement *pipe = gst_pipeline_new(job->label);
	bool ok;
	int ret = -EIO;

	if (job->kind == LUMEN_PP_AUDIO || job->kind == LUMEN_PP_VIDEO)
		ok = build_passthrough(pipe, job, prog);
	else
		ok = build_decoded(pipe, job, prog);
	if (!ok)
		goto out;
	if (gst_element_set_state(pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		set_error(job, "cannot start the pipeline (can %s be written?)", job->path);
		goto out;
	}
	push_all(pipe, job);
	ret = wait_done(pipe, job, prog);
out:
	gst_element_set_state(pipe, GST_STATE_NULL);
	gst_object_unref(pipe);
	return ret;
}

void lumen_pp_job_clear(struct lumen_pp_job *job)
{
	for (size_t i = 0; i < job->n_inputs; i++) {
		if (job->inputs[i].bufs)
			g_ptr_array_free(job->inputs[i].bufs, TRUE);
		g_free(job->inputs[i].tracks);
		g_free(job->inputs[i].mtracks);
	}
	g_free(job->inputs);
	g_free(job->path);
	g_free(job->label);
	g_free(job->res.error);
	g_free(job->res.warning);
	if (job->toc)
		gst_toc_unref(job->toc);
	memset(job, 0, sizeof(*job));
}
