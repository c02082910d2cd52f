/* pp_out.h -- lumen-pp's outputs: which files to make from which tracks, and the GStreamer pipelines
 * that make them (appsrc with RTP buffers timed by pp_clock, stock depayloaders, parsers, decoders,
 * audiomixer, muxers, filesink).
 *
 * A job owns its path, its buffer lists and its result; the tracks it reads stay owned by the caller.
 * Everything runs on the calling thread except GStreamer's own streaming threads. */
#ifndef LUMEN_PP_OUT_H
#define LUMEN_PP_OUT_H

#include <gst/gst.h>
#include <jansson.h>

#include "pp_reader.h"
#include "pp_track.h"

enum lumen_pp_kind {
	LUMEN_PP_AUDIO,   /* one track, no transcoding (.opus) */
	LUMEN_PP_VIDEO,   /* one track, no transcoding (.webm, .mp4, .mkv) */
	LUMEN_PP_DECODED, /* one speaker decoded to wav/flac, aligned and clipped */
	LUMEN_PP_MIX,     /* every speaker decoded and mixed */
};

/* One input of a job: the tracks of one speaker (audio) or one track (video). */
struct lumen_pp_input {
	struct lumen_pp_track **tracks;
	const struct lumen_pp_mtrack **mtracks;
	size_t n;
	GPtrArray *bufs; /* GstBuffer*, built by lumen_pp_out_prepare */
	int channels, pre_skip; /* audio: of the sequenced Opus stream (OpusHead) */
	int skip_left;          /* decoding: pre-skip samples still to drop (streaming thread) */
};

struct lumen_pp_result {
	int64_t first_us, last_us; /* session clock, of the first/last media packet used */
	double duration_s, start_offset_s;
	uint64_t packets, lost, duplicates, reordered, too_late;
	uint64_t silence_frames, dropped_frames;
	uint64_t srs_rejected; /* sender reports of its tracks that pp_clock rejected */
	guint lead_in_pkts; /* video with --align: black lead-in packets in front of the track's */
	bool empty;  /* no media packets at all: no file, not an error (a silent participant) */
	char *error; /* NULL on success */
	char *warning; /* the output is written but not quite as asked (says why), or NULL */
};

struct lumen_pp_job {
	enum lumen_pp_kind kind;
	char *path;   /* output file */
	char *label;  /* track id or "mix" */
	const char *codec;
	const char *format; /* "wav"/"flac" for decoded and mix */
	bool align;
	int opus_delay; /* audio: the sender's encoder delay in 48 kHz samples (pp_audio.c) */
	int64_t base_us, end_us; /* output time zero on the session clock; end 0: no padding */
	struct lumen_pp_input *inputs;
	size_t n_inputs;
	GstToc *toc; /* chapters, or NULL; owned */
	struct lumen_pp_result res;
};

/* Progress of the whole run, updated from streaming threads (atomic). */
struct lumen_pp_progress {
	gint done;
	gint total;
};

/* Build the RTP buffer lists of the job's inputs (audio: sequenced, gaps filled with Opus silence,
 * clock skew absorbed by dropping or inserting a frame; video: ordered, timed). Returns the number of
 * buffers (0 and res.empty when there is no media packet at all), or -EINVAL with job->res.error
 * set (unsupported codec). */
int lumen_pp_out_prepare(struct lumen_pp_job *job);
/* Run the job's pipeline to the end. Returns 0, or -EIO with job->res.error set. */
int lumen_pp_out_run(struct lumen_pp_job *job, struct lumen_pp_progress *prog);
void lumen_pp_job_clear(struct lumen_pp_job *job);
/* The file extension a codec's passthrough output gets ("opus", "webm", "mp4", "mkv"), or NULL
 * for a codec lumen-pp does not know. */
const char *lumen_pp_out_extension(const char *codec);

/* pp_audio.c: the Opus sequencing behind lumen_pp_out_prepare for audio inputs. Returns the buffers
 * (raw Opus packets, PTS in decoder samples, OFFSET_END the Ogg granule position), sets the input's
 * channels and pre_skip and updates res counters. opus_delay: see lumen_pp_job. */
GPtrArray *lumen_pp_audio_sequence(struct lumen_pp_input *in, int64_t base_us, int64_t end_us,
				   int opus_delay, struct lumen_pp_result *res);
/* The caps of a sequenced input: audio/x-opus with its OpusHead (pre-skip) and OpusTags as
 * streamheader, for oggmux and opusdec. (transfer full) */
GstCaps *lumen_pp_audio_caps(const struct lumen_pp_input *in);
/* On opusdec's src pad (S16 interleaved, 48 kHz): drops the input's pre-skip and puts PTS on the
 * output timeline. ud: the struct lumen_pp_input, whose skip_left starts at pre_skip. */
GstPadProbeReturn lumen_pp_audio_skip_probe(GstPad *pad, GstPadProbeInfo *info, gpointer ud);

/* pp_video.c: the video side of lumen_pp_out_prepare. Sequencing returns the track's RTP packets
 * timed from base_us (GstBuffer* wrapping the track's bytes) and updates res counters. */
GPtrArray *lumen_pp_video_sequence(struct lumen_pp_input *in, int64_t base_us,
				   struct lumen_pp_result *res);
/* Put black frames in front of bufs (sequenced RTP packets whose first PTS is the track's start
 * on the output timeline), from PTS 0 up to that start: the stream's first picture is decoded
 * (depay: its depayloader's factory) for its size, a black GOP encoded with encode ("encoder !
 * payloader", 90 kHz) and repeated, restamped as the track's own packets (SSRC, payload type,
 * sequence numbers and RTP timestamps running into the first real packet's). Returns the number
 * of packets inserted (0: the track starts at 0), or a negative errno with *err set (owned). */
int lumen_pp_video_lead_in(GPtrArray *bufs, GstCaps *rtp_caps, int clock_rate, const char *depay,
			   const char *encode, char **err);

/* pp_chapters.c */
GstToc *lumen_pp_chapters_toc(const struct lumen_pp_manifest *m, int64_t base_us, int64_t end_us);
int lumen_pp_chapters_write_json(const struct lumen_pp_manifest *m, const char *path);

/* pp_report.c */
json_t *lumen_pp_report_job(const struct lumen_pp_job *job);
void lumen_pp_progress_draw(const struct lumen_pp_progress *prog, const char *label);

#endif
