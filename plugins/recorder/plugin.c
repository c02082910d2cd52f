/* recorder/plugin.c -- the recorder as a plugin (package lumen.plugin.recorder): descriptor,
 * configuration (section `recorder`), lifecycle and metrics. See recorder.h for the other files
 * and docs/recording.md for what it writes.
 *
 * Clients do not attach to the recorder to record: the rooms engine calls its
 * "recorder.control" service (rooms_tap.h), and admins use /admin/v1/recordings. A client that
 * attaches anyway gets an error for every message. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recorder.h"

#ifndef LUMEN_PP_PATH
#define LUMEN_PP_PATH "/usr/local/bin/lumen-pp"
#endif
/* Plugins are not told general.state_dir (they get their own section only), so the default is
 * the packaged state directory's (systemd's StateDirectory=lumen). */
#define DEFAULT_DIR "/var/lib/lumen/recordings"

const struct lumen_core *recorder_core;
struct recorder_config recorder_cfg;
struct rec_writer *recorder_writer;
gint recorder_dropped_failed;
static bool admin_registered;

/* ---- configuration ---- */

static const char *const config_keys[] = { "dir", "queue_entries", "max_recordings", "pp_path",
					   "pp_jobs", NULL };

static int get_uint(const json_t *cfg, const char *key, unsigned lo, unsigned hi, unsigned *out,
		    char **err)
{
	json_t *v = json_object_get(cfg, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		*err = g_strdup_printf("recorder.%s: must be an integer from %u to %u", key, lo, hi);
		return -EINVAL;
	}
	*out = (unsigned)json_integer_value(v);
	return 0;
}

static int get_path(const json_t *cfg, const char *key, char **out, char **err)
{
	json_t *v = json_object_get(cfg, key);

	if (!v)
		return 0;
	if (!json_is_string(v) || json_string_value(v)[0] != '/') {
		*err = g_strdup_printf("recorder.%s: must be an absolute path", key);
		return -EINVAL;
	}
	g_free(*out);
	*out = g_strdup(json_string_value(v));
	return 0;
}

/* Parses cfg into *c (defaults first). On error c holds what was parsed so far: free it. */
static int parse_config(const json_t *cfg, struct recorder_config *c, char **err)
{
	const char *key;
	json_t *v;
	int rc;

	c->dir = g_strdup(DEFAULT_DIR);
	c->pp_path = g_strdup(LUMEN_PP_PATH);
	c->queue_entries = REC_QUEUE_DEFAULT;
	c->max_recordings = 16;
	c->pp_jobs = 1;
	if (!cfg)
		return 0;
	if (!json_is_object(cfg)) {
		*err = g_strdup("recorder: must be a group");
		return -EINVAL;
	}
	json_object_foreach((json_t *)cfg, key, v)
	{
		bool known = false;
		for (const char *const *k = config_keys; *k; k++)
			known |= strcmp(*k, key) == 0;
		if (!known) {
			*err = g_strdup_printf("recorder.%.64s: unknown key (known: dir, "
					       "queue_entries, max_recordings, pp_path, pp_jobs)",
					       key);
			return -EINVAL;
		}
	}
	if ((rc = get_path(cfg, "dir", &c->dir, err)) < 0 ||
	    (rc = get_path(cfg, "pp_path", &c->pp_path, err)) < 0 ||
	    (rc = get_uint(cfg, "queue_entries", 64, 1u << 20, &c->queue_entries, err)) < 0 ||
	    (rc = get_uint(cfg, "max_recordings", 1, 1000, &c->max_recordings, err)) < 0 ||
	    (rc = get_uint(cfg, "pp_jobs", 1, 64, &c->pp_jobs, err)) < 0)
		return rc;
	return 0;
}

static void config_clear(struct recorder_config *c)
{
	g_free(c->dir);
	g_free(c->pp_path);
	memset(c, 0, sizeof(*c));
}

/* The core frees *err with free(): hand it a malloc'd copy of a g_malloc'd message. */
static void give_err(char **err, char *gmsg)
{
	*err = strdup(gmsg ? gmsg : "invalid");
	g_free(gmsg);
}

static int recorder_check_config(const json_t *config, char **err)
{
	struct recorder_config c = { 0 };
	char *why = NULL;
	int rc = parse_config(config, &c, &why);

	config_clear(&c);
	if (rc < 0)
		give_err(err, why);
	return rc;
}

/* ---- metrics ---- */

enum fam { F_ACTIVE, F_PKTS, F_BYTES, F_DROPPED, F_N };

static const struct {
	const char *name, *help;
	enum lumen_metric_type type;
} families[F_N] = {
	[F_ACTIVE] = { "lumen_recordings_active", "Recordings open now", LUMEN_METRIC_GAUGE },
	[F_PKTS] = { "lumen_recorder_packets_total", "RTP packets and sender reports written",
		     LUMEN_METRIC_COUNTER },
	[F_BYTES] = { "lumen_recorder_bytes_total", "Bytes written to recording files",
		      LUMEN_METRIC_COUNTER },
	[F_DROPPED] = { "lumen_recorder_dropped_total",
			"Packets not recorded, by reason (queue_overflow, write_error, failed)",
			LUMEN_METRIC_COUNTER },
};

/* Counters survive a stop..start only as far as the writer does; they restart at 0 with a new
 * writer, which Prometheus reads as a counter reset. */
static struct rec_writer_stats last_stats;

static void collect(struct lumen_metrics_out *out, void *arg)
{
	enum fam f = (enum fam)(intptr_t)arg;
	struct rec_writer_stats s = last_stats;

	if (recorder_writer)
		rec_writer_stats(recorder_writer, &s);
	last_stats = s;
	switch (f) {
	case F_ACTIVE:
		recorder_core->metric_emit(out, families[f].name, NULL, recorder_sessions_active());
		break;
	case F_PKTS:
		recorder_core->metric_emit(out, families[f].name, NULL, (double)s.written);
		break;
	case F_BYTES:
		recorder_core->metric_emit(out, families[f].name, NULL, (double)s.bytes);
		break;
	case F_DROPPED:
		recorder_core->metric_emit(out, families[f].name, "reason=\"queue_overflow\"",
					   (double)s.overflow);
		recorder_core->metric_emit(out, families[f].name, "reason=\"write_error\"",
					   (double)s.write_errors);
		recorder_core->metric_emit(out, families[f].name, "reason=\"failed\"",
					   (double)(guint)g_atomic_int_get(&recorder_dropped_failed));
		break;
	default:
		break;
	}
}

static void register_metrics(void)
{
	for (int i = 0; i < F_N && recorder_core->metric_register; i++) {
		int rc = recorder_core->metric_register(families[i].name, families[i].type,
							families[i].help, collect,
							(void *)(intptr_t)i);
		if (rc < 0 && rc != -EEXIST)
			recorder_core->log(NULL, LUMEN_SEV_WARN, "metric %s not registered: %s",
					   families[i].name, strerror(-rc));
	}
}

/* ---- lifecycle ---- */

static int recorder_init(const struct lumen_core *core, const json_t *config, char **err)
{
	char *why = NULL;
	int rc;

	recorder_core = core;
	rc = parse_config(config, &recorder_cfg, &why);
	if (rc < 0) {
		config_clear(&recorder_cfg);
		give_err(err, why);
	}
	return rc;
}

static int recorder_start(void)
{
	char *err = NULL;
	int rc;

	recorder_writer = rec_writer_new(recorder_cfg.queue_entries, &err);
	if (!recorder_writer) {
		recorder_core->log(NULL, LUMEN_SEV_ERROR, "writer thread: %s", err ? err : "?");
		g_free(err);
		return -EIO;
	}
	/* A recording that was open when the daemon died is "interrupted", not "recording". A
	 * missing directory is fine (rec_store_open creates it); anything else is logged and the
	 * recorder runs anyway: old recordings stay as they are, new ones may still work. */
	rc = rec_recover_dir(recorder_cfg.dir, &err);
	if (rc > 0)
		recorder_core->log(NULL, LUMEN_SEV_WARN,
				   "%d recording(s) in %s were interrupted (marked so)", rc,
				   recorder_cfg.dir);
	else if (rc < 0 && rc != -ENOENT)
		recorder_core->log(NULL, LUMEN_SEV_WARN, "recovering %s: %s", recorder_cfg.dir,
				   err ? err : strerror(-rc));
	g_free(err);
	err = NULL;
	rc = recorder_sessions_start(&err);
	if (rc < 0) {
		recorder_core->log(NULL, LUMEN_SEV_ERROR, "%s", err ? err : "control not offered");
		g_free(err);
		rec_writer_free(recorder_writer);
		recorder_writer = NULL;
		return rc;
	}
	register_metrics();
	if (LUMEN_CORE_HAS(recorder_core, admin_register)) {
		rc = recorder_core->admin_register("recordings", recorder_admin_cb, NULL);
		admin_registered = rc == 0;
		if (rc < 0)
			recorder_core->log(NULL, LUMEN_SEV_WARN,
					   "/admin/v1/recordings not served: %s", strerror(-rc));
	}
	recorder_core->log(NULL, LUMEN_SEV_INFO, "recording into %s (lumen-pp: %s, %u job(s))",
			   recorder_cfg.dir, recorder_cfg.pp_path, recorder_cfg.pp_jobs);
	return 0;
}

/* Runs on SIGTERM too (the daemon stops every plugin before it exits), so this is where open
 * recordings are finalised: "finished", not "interrupted". */
static void recorder_stop(void)
{
	if (admin_registered && LUMEN_CORE_HAS(recorder_core, admin_unregister))
		recorder_core->admin_unregister("recordings");
	admin_registered = false;
	recorder_jobs_stop();
	recorder_sessions_stop();
	if (recorder_writer)
		rec_writer_stats(recorder_writer, &last_stats);
	rec_writer_free(recorder_writer); /* drains: every close is on disk when this returns */
	recorder_writer = NULL;
}

static void recorder_destroy(void)
{
	recorder_sessions_free();
	config_clear(&recorder_cfg);
}

/* ---- handles: nothing to do for clients ---- */

static int recorder_attach(struct lumen_handle *h, const struct lumen_identity *who, void **state)
{
	(void)h;
	(void)who;
	*state = NULL;
	return 0;
}

static struct lumen_msg_result recorder_message(struct lumen_handle *h, void *state,
						const char *tr, const json_t *body,
						const json_t *jsep)
{
	(void)h;
	(void)state;
	(void)tr;
	(void)body;
	(void)jsep;
	return (struct lumen_msg_result){
		.kind = LUMEN_MSG_ERROR,
		.error_code = 499,
		.error = strdup("the recorder takes no client requests: record a room through "
				"janus.plugin.videoroom or /admin/v1/rooms/{id}/recording"),
	};
}

static void recorder_detach(struct lumen_handle *h, void *state)
{
	(void)h;
	(void)state;
}

/* Rooms start first and stop last, so rooms.tap is there for every control call and for the
 * finalisation in stop. */
static const struct lumen_plugin_dep recorder_deps[] = {
	{ "janus.plugin.videoroom", ">=0.1.0 <1.0.0" },
	{ NULL, NULL },
};

static const struct lumen_plugin recorder_plugin = {
	.abi_version = LUMEN_PLUGIN_ABI_VERSION,
	.name = "Recorder",
	.package = RECORDER_PACKAGE,
	.version = "0.1.0",
	.description = "Records every track of a room into its own pcap file on one session clock, "
		       "crash-safe, with lumen-pp processing jobs",
	.author = "lumen",
	.config_section = "recorder",
	.deps = recorder_deps,
	.init = recorder_init,
	.start = recorder_start,
	.stop = recorder_stop,
	.destroy = recorder_destroy,
	.attach = recorder_attach,
	.message = recorder_message,
	.detach = recorder_detach,
	.check_config = recorder_check_config,
};

LUMEN_PLUGIN_DEFINE(recorder_plugin)
