/* pp_report.c -- what lumen-pp tells its user: the --json report's per-output objects and the
 * progress (a bar when stderr is a terminal, otherwise a line a second: "lumen-pp: 45% p1-audio-0",
 * which the recorder's processing job shows as its progress). */
#include <stdio.h>
#include <unistd.h>

#include "pp_out.h"

static const char *kind_name(enum lumen_pp_kind k)
{
	switch (k) {
	case LUMEN_PP_AUDIO:
		return "audio";
	case LUMEN_PP_VIDEO:
		return "video";
	case LUMEN_PP_DECODED:
		return "decoded-audio";
	case LUMEN_PP_MIX:
		return "mix";
	}
	return "?";
}

json_t *lumen_pp_report_job(const struct lumen_pp_job *job)
{
	const struct lumen_pp_result *r = &job->res;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			      "file", job->path, "kind", kind_name(job->kind), "source", job->label,
			      "codec", job->codec, "duration", r->duration_s, "start_offset",
			      r->start_offset_s, "packets", (json_int_t)r->packets, "lost",
			      (json_int_t)r->lost, "duplicates", (json_int_t)r->duplicates,
			      "reordered", (json_int_t)r->reordered, "too_late",
			      (json_int_t)r->too_late, "silence_frames", (json_int_t)r->silence_frames,
			      "dropped_frames", (json_int_t)r->dropped_frames);

	json_object_set_new(o, "first_us", r->packets ? json_integer(r->first_us) : json_null());
	json_object_set_new(o, "last_us", r->packets ? json_integer(r->last_us) : json_null());
	json_object_set_new(o, "error", r->error ? json_string(r->error) : json_null());
	json_object_set_new(o, "warning", r->warning ? json_string(r->warning) : json_null());
	json_object_set_new(o, "srs_rejected", json_integer((json_int_t)r->srs_rejected));
	if (job->kind == LUMEN_PP_VIDEO)
		json_object_set_new(o, "lead_in_packets", json_integer(r->lead_in_pkts));
	if (r->empty) /* nothing was written */
		json_object_set_new(o, "file", json_null());
	if (job->format)
		json_object_set_new(o, "format", json_string(job->format));
	return o;
}

void lumen_pp_progress_draw(const struct lumen_pp_progress *prog, const char *label)
{
	static int tty = -1;
	int done = g_atomic_int_get(&prog->done), total = prog->total > 0 ? prog->total : 1;
	int width = 30, fill = (int)((long long)done * width / total);

	static gint64 last_line;
	gint64 now = g_get_monotonic_time();

	if (tty < 0) {
		tty = isatty(STDERR_FILENO);
		last_line = now;
	}
	if (!tty) {
		/* Not a terminal (e.g. the recorder's processing job reads our stderr): a plain line
		 * with the percentage at most once a second, none at all for a run under a second. */
		if (now - last_line >= G_USEC_PER_SEC) {
			fprintf(stderr, "lumen-pp: %d%% %s\n", (int)((long long)done * 100 / total),
				label);
			last_line = now;
		}
		return;
	}
	fill = fill > width ? width : fill;
	fprintf(stderr, "\r[%.*s%*s] %3d%% %-40.40s", fill, "##############################",
		width - fill, "", (int)((long long)done * 100 / total), label);
	if (done >= total)
		fputc('\n', stderr);
	fflush(stderr);
}
