/* recorder/jobs.c -- processing jobs: `lumen-pp RECORDING [--align] [--mix] [--format F] --json`
 * run as child processes (post-processing never runs inside the daemon: DESIGN.md decision 3),
 * at most recorder.pp_jobs at once, the rest queued in submission order.
 *
 * A job's progress is the last line lumen-pp wrote on stderr (with the percentage found in it);
 * its result is the JSON report lumen-pp prints on stdout. A job that fails keeps why (exit status
 * or signal, and the last stderr line) until it is submitted again. One job per recording is
 * kept: the latest.
 *
 * Threads. Control thread only: submissions come from the admin API, and the child's pipes and
 * exit are watched with GIO's asynchronous calls on the control thread's main context. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "recorder.h"

#define MAX_REPORT (1u << 20) /* bytes of stdout kept */
#define MAX_LINE 300          /* bytes of a stderr line kept */

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED };
static const char *const state_names[] = { "queued", "running", "done", "failed" };

struct job {
	char *id;
	bool align, mix;
	char *format; /* NULL, "wav" or "flac" */
	enum job_state state;
	GSubprocess *proc;
	GCancellable *cancel;
	GDataInputStream *err_in;
	GInputStream *out_in;
	GString *out;
	char *last_line;
	double percent; /* < 0: not known */
	char *error;
	json_t *report;
	int exit_status; /* -1 until it exited normally */
	int64_t queued_us, started_us, ended_us;
	int pending; /* asynchronous operations in flight (wait, stdout, stderr) */
	bool abandoned; /* stop gave up waiting for it: never freed */
};

static GHashTable *jobs; /* id -> struct job *, owned */
static GQueue queue = G_QUEUE_INIT;
static unsigned running_jobs;

static void job_free(struct job *j)
{
	if (!j || j->abandoned)
		return;
	g_free(j->id);
	g_free(j->format);
	g_clear_object(&j->proc);
	g_clear_object(&j->cancel);
	g_clear_object(&j->err_in);
	g_clear_object(&j->out_in);
	if (j->out)
		g_string_free(j->out, TRUE);
	g_free(j->last_line);
	g_free(j->error);
	json_decref(j->report);
	g_free(j);
}

static void ensure_table(void)
{
	if (!jobs)
		jobs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					     (GDestroyNotify)job_free);
}

static void start_next(void);

/* All three operations are done: judge the run and start the next queued job. */
static void job_finish(struct job *j)
{
	j->ended_us = g_get_real_time();
	running_jobs--;
	if (g_cancellable_is_cancelled(j->cancel)) {
		j->state = JOB_FAILED;
		if (!j->error)
			j->error = g_strdup("cancelled: the recorder stopped");
		return;
	}
	if (g_subprocess_get_if_exited(j->proc))
		j->exit_status = g_subprocess_get_exit_status(j->proc);
	if (j->exit_status == 0) {
		json_error_t e;
		j->report = json_loadb(j->out->str, j->out->len, 0, &e);
		if (json_is_object(j->report)) {
			j->state = JOB_DONE;
			j->percent = 100;
		} else {
			j->state = JOB_FAILED;
			j->error = g_strdup_printf("lumen-pp printed no JSON report (%s)", e.text);
		}
	} else {
		j->state = JOB_FAILED;
		if (j->exit_status > 0)
			j->error = g_strdup_printf("lumen-pp exited with status %d: %s",
						   j->exit_status,
						   j->last_line ? j->last_line : "(no message)");
		else
			j->error = g_strdup_printf("lumen-pp was killed by signal %d: %s",
						   g_subprocess_get_term_sig(j->proc),
						   j->last_line ? j->last_line : "(no message)");
	}
	recorder_core->log(NULL, j->state == JOB_DONE ? LUMEN_SEV_INFO : LUMEN_SEV_WARN,
			   "processing of %s: %s%s%s", j->id, state_names[j->state],
			   j->error ? ": " : "", j->error ? j->error : "");
	g_clear_object(&j->proc);
	g_clear_object(&j->err_in);
	g_clear_object(&j->out_in);
	start_next();
}

static void op_done(struct job *j)
{
	if (--j->pending == 0 && !j->abandoned)
		job_finish(j);
}

static void on_exit_cb(GObject *src, GAsyncResult *res, gpointer arg)
{
	g_subprocess_wait_finish(G_SUBPROCESS(src), res, NULL);
	op_done(arg);
}

/* Keeps the line as progress: the text after the last carriage return (a progress bar redraws
 * with \r), trimmed, at most MAX_LINE bytes; a "NN%" or "NN.N%" in it is the percentage. */
static void take_line(struct job *j, char *line)
{
	char *cr = strrchr(line, '\r'), *pct;

	if (cr)
		line = cr + 1;
	g_strstrip(line);
	if (!*line)
		return;
	if (strlen(line) > MAX_LINE)
		line[MAX_LINE] = '\0';
	if (!g_utf8_validate(line, -1, NULL))
		return;
	g_free(j->last_line);
	j->last_line = g_strdup(line);
	pct = strchr(line, '%');
	if (pct && pct > line) {
		char *p = pct;
		while (p > line && (g_ascii_isdigit(p[-1]) || p[-1] == '.'))
			p--;
		double v = g_ascii_strtod(p, NULL);
		if (p < pct && v >= 0 && v <= 100)
			j->percent = v;
	}
}

static void on_err_line(GObject *src, GAsyncResult *res, gpointer arg)
{
	struct job *j = arg;
	char *line = g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(src), res, NULL,
							       NULL);

	if (!line) { /* end of stream, an error, or cancelled */
		op_done(j);
		return;
	}
	if (!j->abandoned)
		take_line(j, line);
	g_free(line);
	g_data_input_stream_read_line_async(j->err_in, G_PRIORITY_DEFAULT, j->cancel, on_err_line,
					    j);
}

static void on_out_bytes(GObject *src, GAsyncResult *res, gpointer arg)
{
	struct job *j = arg;
	GBytes *b = g_input_stream_read_bytes_finish(G_INPUT_STREAM(src), res, NULL);
	gsize n = b ? g_bytes_get_size(b) : 0;

	if (n == 0) {
		if (b)
			g_bytes_unref(b);
		op_done(j);
		return;
	}
	if (j->out->len < MAX_REPORT)
		g_string_append_len(j->out, g_bytes_get_data(b, NULL), (gssize)n);
	g_bytes_unref(b);
	g_input_stream_read_bytes_async(j->out_in, 65536, G_PRIORITY_DEFAULT, j->cancel,
					on_out_bytes, j);
}

static void job_run(struct job *j)
{
	char *path = g_build_filename(recorder_cfg.dir, j->id, NULL);
	GPtrArray *argv = g_ptr_array_new();
	GError *e = NULL;

	g_ptr_array_add(argv, recorder_cfg.pp_path);
	g_ptr_array_add(argv, path);
	if (j->align)
		g_ptr_array_add(argv, "--align");
	if (j->mix)
		g_ptr_array_add(argv, "--mix");
	if (j->format) {
		g_ptr_array_add(argv, "--format");
		g_ptr_array_add(argv, j->format);
	}
	g_ptr_array_add(argv, "--json");
	g_ptr_array_add(argv, NULL);
	j->started_us = g_get_real_time();
	j->state = JOB_RUNNING;
	j->out = g_string_new(NULL);
	j->cancel = g_cancellable_new();
	j->proc = g_subprocess_newv((const char *const *)argv->pdata,
				    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
					    G_SUBPROCESS_FLAGS_STDIN_INHERIT,
				    &e);
	g_ptr_array_free(argv, TRUE);
	g_free(path);
	if (!j->proc) {
		j->state = JOB_FAILED;
		j->ended_us = g_get_real_time();
		j->error = g_strdup_printf("cannot run %s: %s", recorder_cfg.pp_path, e->message);
		g_error_free(e);
		recorder_core->log(NULL, LUMEN_SEV_WARN, "processing of %s: %s", j->id, j->error);
		return;
	}
	running_jobs++;
	recorder_core->log(NULL, LUMEN_SEV_INFO, "processing of %s started (pid %s)", j->id,
			   g_subprocess_get_identifier(j->proc));
	j->err_in = g_data_input_stream_new(g_subprocess_get_stderr_pipe(j->proc));
	g_data_input_stream_set_newline_type(j->err_in, G_DATA_STREAM_NEWLINE_TYPE_LF);
	j->out_in = g_object_ref(g_subprocess_get_stdout_pipe(j->proc));
	j->pending = 3;
	g_subprocess_wait_async(j->proc, NULL, on_exit_cb, j);
	g_data_input_stream_read_line_async(j->err_in, G_PRIORITY_DEFAULT, j->cancel, on_err_line,
					    j);
	g_input_stream_read_bytes_async(j->out_in, 65536, G_PRIORITY_DEFAULT, j->cancel,
					on_out_bytes, j);
}

static void start_next(void)
{
	while (running_jobs < recorder_cfg.pp_jobs && !g_queue_is_empty(&queue))
		job_run(g_queue_pop_head(&queue));
}

bool recorder_job_busy(const char *id)
{
	struct job *j = jobs ? g_hash_table_lookup(jobs, id) : NULL;

	return j && (j->state == JOB_QUEUED || j->state == JOB_RUNNING);
}

json_t *recorder_job_json(const char *id)
{
	struct job *j = jobs ? g_hash_table_lookup(jobs, id) : NULL;
	json_t *o;

	if (!j)
		return NULL;
	o = json_pack("{s:s,s:{s:b,s:b,s:s?},s:I}", "state", state_names[j->state], "options",
		      "align", j->align, "mix", j->mix, "format", j->format, "queued_us",
		      (json_int_t)j->queued_us);
	json_object_set_new(o, "started_us", j->started_us ? json_integer(j->started_us)
							    : json_null());
	json_object_set_new(o, "ended_us", j->ended_us ? json_integer(j->ended_us) : json_null());
	json_object_set_new(o, "progress", j->last_line ? json_string(j->last_line) : json_null());
	json_object_set_new(o, "percent", j->percent >= 0 ? json_real(j->percent) : json_null());
	json_object_set_new(o, "exit_status", j->exit_status >= 0 && j->state >= JOB_DONE
						      ? json_integer(j->exit_status)
						      : json_null());
	json_object_set_new(o, "error", j->error ? json_string(j->error) : json_null());
	json_object_set_new(o, "report", j->report ? json_incref(j->report) : json_null());
	if (j->state == JOB_QUEUED) {
		int pos = g_queue_index(&queue, j);
		json_object_set_new(o, "queue_position", json_integer(pos + 1));
	}
	return o;
}

int recorder_job_submit(const char *id, bool align, const char *format, bool mix, json_t **out)
{
	struct job *j;

	ensure_table();
	if (recorder_job_busy(id))
		return -EBUSY;
	j = g_new0(struct job, 1);
	j->id = g_strdup(id);
	j->align = align;
	j->mix = mix;
	j->format = g_strdup(format);
	j->percent = -1;
	j->exit_status = -1;
	j->queued_us = g_get_real_time();
	j->state = JOB_QUEUED;
	g_hash_table_replace(jobs, j->id, j); /* frees a finished job of the same recording */
	g_queue_push_tail(&queue, j);
	start_next();
	*out = recorder_job_json(id);
	return 0;
}

void recorder_job_forget(const char *id)
{
	if (jobs && !recorder_job_busy(id))
		g_hash_table_remove(jobs, id);
}

/* Kills what runs and waits, at most 3 s, for the pipes and exits to be reaped, iterating the
 * control thread's context (we are on it, inside the daemon's stop). A job still not reaped then
 * is abandoned (leaked) rather than freed under a pending callback. */
void recorder_jobs_stop(void)
{
	GHashTableIter it;
	gpointer k, v;
	int64_t deadline = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
	bool busy = true;

	g_queue_clear(&queue);
	if (!jobs)
		return;
	g_hash_table_iter_init(&it, jobs);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct job *j = v;
		if (j->state == JOB_RUNNING) {
			g_cancellable_cancel(j->cancel);
			g_subprocess_force_exit(j->proc);
		}
	}
	while (busy && g_get_monotonic_time() < deadline) {
		busy = false;
		g_hash_table_iter_init(&it, jobs);
		while (g_hash_table_iter_next(&it, &k, &v))
			busy |= ((struct job *)v)->pending > 0;
		if (busy && !g_main_context_iteration(NULL, FALSE))
			g_usleep(10000);
	}
	g_hash_table_iter_init(&it, jobs);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct job *j = v;
		if (j->pending > 0)
			j->abandoned = true;
	}
	g_hash_table_destroy(jobs);
	jobs = NULL;
	running_jobs = 0;
}
