/* pp_main.c -- lumen-pp: turn a lumen recording folder into playable files (docs/lumen-pp.md).
 *
 * Reads the manifest and every track's pcap (pp_reader), orders packets (pp_track), places them on
 * the session clock per publisher (pp_clock), decides the outputs (this file) and runs one GStreamer
 * pipeline per output (pp_out). Exit codes: 0 all outputs written, 1 some output failed, 2 usage
 * error or the folder is not a recording. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "pp_clock.h"
#include "pp_av1depay.h"
#include "pp_out.h"

struct opts {
	const char *rec, *outdir, *format;
	bool align, mix, json;
	int opus_delay;
};

struct rec {
	struct lumen_pp_manifest *m;
	struct lumen_pp_track *tracks; /* parallel to m->tracks */
	char **errors;                 /* per track, NULL when fine */
	int64_t start_us, end_us;
};

static void usage(FILE *f)
{
	fputs("Usage: lumen-pp RECORDING [-o DIR] [--align] [--mix] [--format wav|flac]\n"
	      "                [--opus-delay N] [--json]\n"
	      "Turn a lumen recording folder into playable files, all on one timeline.\n\n"
	      "  -o, --output DIR   where to write (default RECORDING/processed)\n"
	      "  --align            every output starts at the recording's start: late joiners\n"
	      "                     begin with silence or a held frame; audio is padded to the end\n"
	      "  --format wav|flac  decode audio: one file per speaker, same start, same length\n"
	      "  --mix              also one mixed audio file (mix.wav, or mix.flac with --format flac)\n"
	      "  --opus-delay N     the senders' Opus encoder delay in 48 kHz samples, taken off\n"
	      "                     audio times (default 312: libopus as browsers send it; 0 for\n"
	      "                     GStreamer's opusenc, whose timestamps already allow for it)\n"
	      "  --json             print a JSON report on stdout\n"
	      "  -h, --help         this help\n\n"
	      "Without options: one file per track, no transcoding (Opus -> .opus, VP8/VP9 -> .webm,\n"
	      "AV1 -> .mkv, H.264 -> .mp4), each starting at its own first packet. Network gaps and\n"
	      "pauses are kept as silence (audio) or a held frame (video), never collapsed.\n"
	      "Exit status: 0 done, 1 some output failed, 2 usage error or not a recording.\n",
	      f);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
			o->outdir = argv[++i];
		} else if (!strcmp(a, "--format") && i + 1 < argc) {
			o->format = argv[++i];
			if (strcmp(o->format, "wav") && strcmp(o->format, "flac"))
				return fprintf(stderr, "lumen-pp: --format takes wav or flac\n"), -EINVAL;
		} else if (!strcmp(a, "--opus-delay") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);

			if (*end || end == argv[i] || v < 0 || v > 48000)
				return fprintf(stderr, "lumen-pp: --opus-delay takes 0 to 48000 samples\n"),
				       -EINVAL;
			o->opus_delay = (int)v;
		} else if (!strcmp(a, "--align")) {
			o->align = true;
		} else if (!strcmp(a, "--mix")) {
			o->mix = true;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (a[0] == '-' || o->rec) {
			return fprintf(stderr, "lumen-pp: unexpected argument %s (see --help)\n", a), -EINVAL;
		} else {
			o->rec = a;
		}
	}
	if (!o->rec)
		return fprintf(stderr, "lumen-pp: no RECORDING folder given (see --help)\n"), -EINVAL;
	return 0;
}

static void on_record(const struct lumen_pp_record *r, void *ud)
{
	lumen_pp_track_input(ud, r);
}

/* Read one track's pcap into t; returns NULL or an error message (owned). */
static char *load_track(const char *dir, const struct lumen_pp_mtrack *mt, struct lumen_pp_track *t)
{
	gchar *path = g_build_filename(dir, mt->file, NULL);
	GError *gerr = NULL;
	GMappedFile *f = g_mapped_file_new(path, FALSE, &gerr);
	struct lumen_pp_pcap_stats st;
	char err[256], *ret = NULL;

	lumen_pp_track_init(t, mt->payload_type > 0 ? mt->payload_type : -1);
	if (!f) {
		ret = g_strdup_printf("%s: %s", mt->file, gerr->message);
		g_error_free(gerr);
	} else if (lumen_pp_pcap_parse((const uint8_t *)g_mapped_file_get_contents(f),
				       g_mapped_file_get_length(f), on_record, t, &st, err,
				       sizeof(err)) < 0) {
		ret = g_strdup_printf("%s: %s", mt->file, err);
	}
	lumen_pp_track_finish(t);
	if (f)
		g_mapped_file_unref(f);
	g_free(path);
	return ret;
}

static int load(const char *dir, struct rec *r)
{
	gchar *path = g_build_filename(dir, "manifest.json", NULL), *json = NULL;
	gsize len;
	char err[256];
	int ret = -EINVAL;

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		fprintf(stderr, "lumen-pp: %s is not a folder\n", dir);
	} else if (!g_file_get_contents(path, &json, &len, NULL)) {
		fprintf(stderr, "lumen-pp: %s is not a lumen recording (no readable manifest.json)\n",
			dir);
	} else if (!(r->m = lumen_pp_manifest_parse(json, len, err, sizeof(err)))) {
		fprintf(stderr, "lumen-pp: %s is not a lumen recording: %s\n", dir, err);
	} else {
		ret = 0;
	}
	g_free(json);
	g_free(path);
	if (ret < 0)
		return ret;
	r->tracks = g_new0(struct lumen_pp_track, r->m->n_tracks);
	r->errors = g_new0(char *, r->m->n_tracks);
	for (size_t i = 0; i < r->m->n_tracks; i++)
		r->errors[i] = load_track(dir, &r->m->tracks[i], &r->tracks[i]);
	return 0;
}

/* Per publisher: their tracks share the sender's NTP clock (pp_clock). Then the recording's span. */
static void map_clocks(struct rec *r)
{
	struct lumen_pp_manifest *m = r->m;
	struct lumen_pp_track **ts = g_new0(struct lumen_pp_track *, m->n_tracks);
	int *rates = g_new0(int, m->n_tracks);
	bool *done = g_new0(bool, m->n_tracks);

	for (size_t i = 0; i < m->n_tracks; i++) {
		size_t n = 0;

		if (done[i])
			continue;
		for (size_t j = i; j < m->n_tracks; j++)
			if (!done[j] && m->tracks[j].participant == m->tracks[i].participant) {
				done[j] = true;
				ts[n] = &r->tracks[j];
				rates[n++] = m->tracks[j].clock_rate;
			}
		lumen_pp_clock_map(ts, rates, n);
	}
	r->start_us = m->started_us;
	r->end_us = m->ended_us;
	for (size_t i = 0; i < m->n_tracks; i++)
		for (size_t k = 0; k < r->tracks[i].n_pkts; k++) {
			int64_t t = r->tracks[i].pkts[k].t_us;

			if (!m->started_us && (!r->start_us || t < r->start_us))
				r->start_us = t;
			if (!m->ended_us && t > r->end_us)
				r->end_us = t;
		}
	g_free(ts), g_free(rates), g_free(done);
}

static int64_t first_t(const struct lumen_pp_track *t)
{
	int64_t best = INT64_MAX;

	for (size_t i = 0; i < t->n_pkts; i++)
		best = MIN(best, t->pkts[i].t_us);
	return best == INT64_MAX ? 0 : best;
}

static struct lumen_pp_job *new_job(GArray *jobs, enum lumen_pp_kind kind, const char *codec,
				    char *label, char *path)
{
	struct lumen_pp_job j = {.kind = kind, .codec = codec, .label = label, .path = path};

	g_array_append_val(jobs, j);
	return &g_array_index(jobs, struct lumen_pp_job, jobs->len - 1);
}

static void add_input(struct lumen_pp_job *j, struct lumen_pp_track *t,
		      const struct lumen_pp_mtrack *mt)
{
	struct lumen_pp_input *in;

	j->inputs = g_renew(struct lumen_pp_input, j->inputs, j->n_inputs + 1);
	in = &j->inputs[j->n_inputs++];
	*in = (struct lumen_pp_input){0};
	in->tracks = g_new(struct lumen_pp_track *, 1);
	in->mtracks = g_new(const struct lumen_pp_mtrack *, 1);
	in->tracks[0] = t;
	in->mtracks[0] = mt;
	in->n = 1;
}

/* Append a track to the job's input for its speaker (decoded outputs: one file per speaker). */
static void add_to_speaker(struct lumen_pp_job *j, size_t input, struct lumen_pp_track *t,
			   const struct lumen_pp_mtrack *mt)
{
	struct lumen_pp_input *in = &j->inputs[input];

	in->tracks = g_renew(struct lumen_pp_track *, in->tracks, in->n + 1);
	in->mtracks = g_renew(const struct lumen_pp_mtrack *, in->mtracks, in->n + 1);
	in->tracks[in->n] = t;
	in->mtracks[in->n++] = mt;
}

static void plan_track_jobs(struct rec *r, const struct opts *o, const char *outdir, GArray *jobs)
{
	struct lumen_pp_manifest *m = r->m;

	for (size_t i = 0; i < m->n_tracks; i++) {
		const struct lumen_pp_mtrack *mt = &m->tracks[i];
		bool audio = strcmp(mt->kind, "audio") == 0;
		const char *ext = lumen_pp_out_extension(mt->codec);
		struct lumen_pp_job *j;

		if (r->errors[i] || (audio && o->format))
			continue;
		j = new_job(jobs, audio ? LUMEN_PP_AUDIO : LUMEN_PP_VIDEO, mt->codec, g_strdup(mt->id),
			    g_strdup_printf("%s/%s.%s", outdir, mt->id, ext ? ext : "bin"));
		j->align = o->align;
		j->opus_delay = o->opus_delay;
		j->base_us = o->align ? r->start_us : first_t(&r->tracks[i]);
		j->end_us = o->align ? r->end_us : 0; /* video: the last frame held to the end */
		if (ext && strcmp(ext, "opus") != 0)
			j->toc = lumen_pp_chapters_toc(m, j->base_us, 0);
		add_input(j, &r->tracks[i], mt);
	}
}

/* Decoded speakers (--format) and the mix: always on the recording's timeline, same length. */
static void plan_decoded_jobs(struct rec *r, const struct opts *o, const char *outdir, GArray *jobs)
{
	struct lumen_pp_manifest *m = r->m;
	const char *fmt = o->format ? o->format : "wav";
	struct lumen_pp_job *mix = NULL;
	GHashTable *speaker = g_hash_table_new(g_int64_hash, g_int64_equal);

	if (o->mix) {
		mix = new_job(jobs, LUMEN_PP_MIX, "opus", g_strdup("mix"),
			      g_strdup_printf("%s/mix.%s", outdir, fmt));
		mix->format = fmt;
	}
	for (size_t i = 0; i < m->n_tracks; i++) {
		const struct lumen_pp_mtrack *mt = &m->tracks[i];
		struct lumen_pp_job *j;
		gpointer idx;

		if (r->errors[i] || strcmp(mt->kind, "audio") || g_ascii_strcasecmp(mt->codec, "opus"))
			continue;
		if (o->format) {
			if (g_hash_table_lookup_extended(speaker, &m->tracks[i].participant, NULL, &idx)) {
				j = &g_array_index(jobs, struct lumen_pp_job, GPOINTER_TO_UINT(idx));
				add_to_speaker(j, 0, &r->tracks[i], mt);
			} else {
				g_hash_table_insert(speaker, &m->tracks[i].participant,
						    GUINT_TO_POINTER(jobs->len));
				j = new_job(jobs, LUMEN_PP_DECODED, "opus",
					    g_strdup_printf("p%lld-audio", (long long)mt->participant),
					    g_strdup_printf("%s/p%lld-audio.%s", outdir,
							    (long long)mt->participant, fmt));
				j->format = fmt;
				add_input(j, &r->tracks[i], mt);
			}
		}
		if (mix) /* one mixer input per track: overlapping tracks of one speaker still mix */
			add_input(&g_array_index(jobs, struct lumen_pp_job, 0), &r->tracks[i], mt);
	}
	for (guint k = 0; k < jobs->len; k++) {
		struct lumen_pp_job *j = &g_array_index(jobs, struct lumen_pp_job, k);

		j->align = true;
		j->opus_delay = o->opus_delay;
		j->base_us = r->start_us;
		j->end_us = r->end_us;
	}
	g_hash_table_destroy(speaker);
}

/* Rejected sender reports (pp_clock's sanity check): each in the report's "rejected_srs", and one
 * warning per track, on stderr and in "warnings". */
static void report_srs(const struct rec *r, json_t *report, json_t *warns)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < r->m->n_tracks; i++) {
		const struct lumen_pp_track *t = &r->tracks[i];
		int64_t worst = 0;
		bool fallback = false;
		gchar *w;

		for (size_t k = 0; k < t->n_srs; k++) {
			const struct lumen_pp_sr *sr = &t->srs[k];

			if (!sr->rejected)
				continue;
			json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:I, s:f}", "track",
							     r->m->tracks[i].id, "ssrc",
							     (json_int_t)sr->ssrc, "rtp_ts",
							     (json_int_t)(sr->ext_ts & 0xffffffff),
							     "ntp_us", (json_int_t)sr->ntp_us,
							     "deviation_ms", (double)sr->dev_us / 1e3));
			worst = MAX(worst, sr->dev_us < 0 ? -sr->dev_us : sr->dev_us);
			fallback |= !t->segs[sr->seg].have_sr;
		}
		if (!t->srs_rejected)
			continue;
		w = g_strdup_printf("%s: %llu of %zu sender reports rejected (up to %.1f ms off the "
				    "packets' arrival)%s",
				    r->m->tracks[i].id, (unsigned long long)t->srs_rejected, t->n_srs,
				    (double)worst / 1e3,
				    fallback ? "; mapped from the packets' arrival instead" : "");
		fprintf(stderr, "lumen-pp: warning: %s\n", w);
		json_array_append_new(warns, json_string(w));
		g_free(w);
	}
	json_object_set_new(report, "rejected_srs", arr);
}

static int run(struct rec *r, const struct opts *o, const char *outdir)
{
	GArray *jobs = g_array_new(FALSE, TRUE, sizeof(struct lumen_pp_job));
	struct lumen_pp_progress prog = {0};
	json_t *report = json_object(), *outs = json_array(), *errs = json_array();
	json_t *warns = json_array();
	int failed = 0;

	report_srs(r, report, warns);

	plan_decoded_jobs(r, o, outdir, jobs); /* first: the mix is job 0 when asked for */
	plan_track_jobs(r, o, outdir, jobs);
	for (size_t i = 0; i < r->m->n_tracks; i++)
		if (r->errors[i]) {
			json_array_append_new(errs, json_string(r->errors[i]));
			failed++;
		}
	for (guint k = 0; k < jobs->len; k++) {
		int n = lumen_pp_out_prepare(&g_array_index(jobs, struct lumen_pp_job, k));

		prog.total += n > 0 ? n : 0;
	}
	for (guint k = 0; k < jobs->len; k++) {
		struct lumen_pp_job *j = &g_array_index(jobs, struct lumen_pp_job, k);

		if (!j->res.error && !j->res.empty)
			lumen_pp_out_run(j, &prog);
		if (isatty(STDERR_FILENO)) /* the summary line replaces the progress bar */
			fputs("\r\033[K", stderr);
		if (j->res.warning) {
			fprintf(stderr, "lumen-pp: warning: %s: %s\n", j->label, j->res.warning);
			json_array_append_new(warns, json_sprintf("%s: %s", j->label, j->res.warning));
		}
		if (j->res.error) {
			json_array_append_new(errs, json_sprintf("%s: %s", j->label, j->res.error));
			failed++;
		} else if (!o->json) {
			if (j->res.empty)
				printf("%s: no media packets, no file\n", j->label);
			else
				printf("%s: %s, %.3f s\n", j->label, j->path, j->res.duration_s);
		}
		json_array_append_new(outs, lumen_pp_report_job(j));
	}
	if (r->m->n_markers) {
		gchar *p = g_build_filename(outdir, "chapters.json", NULL);

		if (lumen_pp_chapters_write_json(r->m, p) < 0)
			json_array_append_new(errs, json_sprintf("cannot write %s", p)), failed++;
		json_object_set_new(report, "chapters", json_string(p));
		g_free(p);
	}
	json_object_set_new(report, "recording", json_string(r->m->id ? r->m->id : ""));
	json_object_set_new(report, "state", json_string(r->m->state ? r->m->state : ""));
	json_object_set_new(report, "start_us", json_integer(r->start_us));
	json_object_set_new(report, "end_us", json_integer(r->end_us));
	json_object_set_new(report, "outputs", outs);
	json_object_set_new(report, "errors", errs);
	json_object_set_new(report, "warnings", warns);
	if (o->json) {
		json_dumpf(report, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	for (size_t i = 0; i < json_array_size(errs); i++)
		fprintf(stderr, "lumen-pp: %s\n", json_string_value(json_array_get(errs, i)));
	json_decref(report);
	for (guint k = 0; k < jobs->len; k++)
		lumen_pp_job_clear(&g_array_index(jobs, struct lumen_pp_job, k));
	g_array_free(jobs, TRUE);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.opus_delay = 312};
	struct rec r = {0};
	gchar *outdir;
	int ret;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (load(o.rec, &r) < 0)
		return 2;
	gst_init(NULL, NULL);
	if (!lumen_pp_av1depay_register())
		g_printerr("lumen-pp: cannot register the AV1 depayloader: AV1 tracks will fail\n");
	outdir = o.outdir ? g_strdup(o.outdir) : g_build_filename(o.rec, "processed", NULL);
	if (g_mkdir_with_parents(outdir, 0755) < 0) {
		fprintf(stderr, "lumen-pp: cannot create %s: %s\n", outdir, g_strerror(errno));
		ret = 1;
	} else {
		map_clocks(&r);
		ret = run(&r, &o, outdir);
	}
	for (size_t i = 0; r.m && i < r.m->n_tracks; i++) {
		lumen_pp_track_fini(&r.tracks[i]);
		g_free(r.errors[i]);
	}
	g_free(r.tracks), g_free(r.errors);
	lumen_pp_manifest_free(r.m);
	g_free(outdir);
	gst_deinit();
	return ret;
}
