/* main.c -- lumen-bench's command line, the helpers of bench.h, and the output: a table on
 * stdout and, with --json, one JSON object per run (the keys docs/bench.md lists). Exit 0 on a
 * completed run, 1 on a failed one (server refused, no media, timeout), 2 on bad usage. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "canary.h"
#include "peer.h"
#include "scenario.h"

bool bench_quiet;
void (*bench_pump_hook)(void *arg);
void *bench_pump_hook_arg;

int64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static gboolean wake(gpointer data)
{
	(void)data;
	return G_SOURCE_CONTINUE;
}

bool bench_pump(bool (*cond)(void *), void *arg, int timeout_ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	/* A blocking iteration must not outlive the deadline when nothing else wakes the loop. */
	guint t = g_timeout_add(10, wake, NULL);
	bool ok;

	while (!(ok = cond && cond(arg)) && g_get_monotonic_time() < end) {
		g_main_context_iteration(NULL, TRUE);
		if (bench_pump_hook)
			bench_pump_hook(bench_pump_hook_arg);
	}
	g_source_remove(t);
	return ok;
}

void bench_log(const char *fmt, ...)
{
	va_list ap;

	if (bench_quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* The join steps of the run's mode: a subscriber's own session steps, or a new publisher's. */
static bool join_step_shown(const struct bench_result *r, int step)
{
	if (r->join_with_publisher)
		return step != BENCH_SUB_CREATED && step != BENCH_SUB_ATTACHED;
	return step >= BENCH_SUB_CREATED;
}

/* A bucket bound of the server's delay histogram: +Inf has no JSON number. */
static json_t *ms_or_null(double ms)
{
	return isinf(ms) || ms < 0 ? json_null() : json_real(ms);
}

static json_t *result_json(const struct bench_opts *o, const struct bench_result *r)
{
	json_t *j =
	    json_pack("{sssssssisiss}", "label", o->label ? o->label : "", "scenario",
	              r->find_max ? "fanout" : r->scenario, "server_url", o->url, "subscribers",
	              r->subscribers, "publishers", r->publishers, "srtp_profile", r->srtp);

	json_object_set_new(j, "duration_s", json_real(r->duration_s));
	json_object_set_new(j, "sent_packets", json_integer((json_int_t)r->sent_packets));
	json_object_set_new(j, "received_packets", json_integer((json_int_t)r->received_packets));
	json_object_set_new(j, "forwarded_pps", json_real(r->forwarded_pps));
	json_object_set_new(j, "loss_pct", json_real(r->loss_pct));
	json_object_set_new(j, "delay_ms",
	                    json_pack("{sfsfsf}", "p50", r->delay_p50_ms, "p99", r->delay_p99_ms,
	                              "max", r->delay_max_ms));
	if (r->have_server)
		json_object_set_new(j, "server",
		                    json_pack("{sfsfsfsfsfsssf}", "cpu_pct", r->cpu_pct,
		                              "cpu_us_per_forwarded_packet", r->cpu_us_per_packet,
		                              "rss_kb", r->rss_kb, "rss_per_subscriber_kb",
		                              r->rss_per_subscriber_kb, "runqueue_wait_pct",
		                              r->wait_pct, "cpu_source",
		                              r->cpu_precise ? "schedstat" : "stat",
		                              "cpu_us_per_forwarded_packet_stat",
		                              r->cpu_us_per_packet_ticks));
	else
		json_object_set_new(j, "server", json_null());
	if (r->srv_delay_samples)
		json_object_set_new(j, "server_delay",
		                    json_pack("{sssIsoso}", "source", "lumen_forward_delay_seconds",
		                              "samples", (json_int_t)r->srv_delay_samples,
		                              "p50_le_ms", ms_or_null(r->srv_delay_p50_ms),
		                              "p99_le_ms", ms_or_null(r->srv_delay_p99_ms)));
	else
		json_object_set_new(j, "server_delay", json_null());
	json_object_set_new(j, "bench",
	                    json_pack("{sfsfsfsssfsi}", "cpu_pct", r->bench_cpu_pct,
	                              "runqueue_wait_pct", r->bench_wait_pct,
	                              "cpu_us_per_received_packet", r->bench_cpu_us_per_packet,
	                              "rx", bench_rx_mode_names[o->rx],
	                              "rx_datagrams_per_read", r->rx_per_read, "rx_poll_ms",
	                              (int)o->rx_poll_ms));
	if (r->canary_units)
		json_object_set_new(j, "canary",
		                    json_pack("{sisfsIsfsf}", "cpu", o->canary_cpu, "ns_per_unit",
		                              r->canary_ns_per_unit, "units",
		                              (json_int_t)r->canary_units, "ns_per_wake",
		                              r->canary_ns_per_wake, "ns_per_exchange",
		                              r->canary_ns_per_exchange));
	else
		json_object_set_new(j, "canary", json_null());
	if (r->setup)
		json_object_set(j, "setup", r->setup);
	if (!strcmp(r->scenario, "join")) {
		json_t *p50 = json_object(), *p99 = json_object(), *n = json_object();

		for (int i = 0; i < BENCH_JOIN_STEPS; i++) {
			if (!join_step_shown(r, i) || !r->join_step_n[i])
				continue;
			json_object_set_new(p50, bench_join_step_names[i],
			                    json_real(r->join_step_p50_ms[i]));
			json_object_set_new(p99, bench_join_step_names[i],
			                    json_real(r->join_step_p99_ms[i]));
			json_object_set_new(n, bench_join_step_names[i],
			                    json_integer(r->join_step_n[i]));
		}
		json_object_set_new(
		    j, "join_ms",
		    json_pack("{sfsfsisisisssisisOsOsO}", "p50", r->join_p50_ms, "p99", r->join_p99_ms,
		              "n", r->join_n, "no_video", r->join_no_video, "first_video_keyframe",
		              r->join_video_key, "mode",
		              r->join_with_publisher ? "with-publisher" : "subscriber", "gap_ms",
		              o->join_gap_ms, "phase_ms", o->join_phase_ms, "steps_p50", p50,
		              "steps_p99", p99, "steps_n", n));
		json_decref(p50);
		json_decref(p99);
		json_decref(n);
	}
	json_object_set_new(j, "record",
	                    json_pack("{sbsi}", "requested", o->record, "announced_to_publishers",
	                              (int)r->rec_announced));
	if (r->find_max)
		json_object_set_new(j, "find_max",
		                    json_pack("{sisOsfsfsi}", "max_ok", r->max_ok, "steps", r->steps,
		                              "loss_limit_pct", o->loss_limit, "delay_limit_ms",
		                              o->delay_limit_ms, "tries", o->tries));
	json_object_set_new(j, "ok", json_boolean(!r->error));
	json_object_set_new(j, "error", r->error ? json_string(r->error) : json_null());
	return j;
}

static void print_table(const struct bench_opts *o, const struct bench_result *r)
{
	printf("%-28s %s\n", "scenario", r->find_max ? "find-max (fanout)" : r->scenario);
	printf("%-28s %s\n", "server", o->url);
	if (!strcmp(r->scenario, "join")) {
		printf("%-28s %d\n", "joins", r->join_n);
		printf("%-28s %.1f / %.1f\n", "join ms p50 / p99", r->join_p50_ms, r->join_p99_ms);
		if (!r->join_with_publisher)
			printf("%-28s %d of %d (no video: %d)\n", "first video is a keyframe",
			       r->join_video_key, r->join_n, r->join_no_video);
		printf("%-28s %s\n", "join mode",
		       r->join_with_publisher ? "new publisher + subscriber" : "subscriber");
		printf("%-28s %d ms + random [0, %d) ms\n", "pause between joins", o->join_gap_ms,
		       o->join_phase_ms);
		for (int i = 0; i < BENCH_JOIN_STEPS; i++)
			if (join_step_shown(r, i) && r->join_step_n[i])
				printf("  %-26s %.1f / %.1f ms%s\n", bench_join_step_names[i],
				       r->join_step_p50_ms[i], r->join_step_p99_ms[i],
				       r->join_step_n[i] < r->join_n ? " (not in every join)" : "");
	} else {
		printf("%-28s %d / %d\n", "publishers / subscribers", r->publishers,
		       r->subscribers);
		printf("%-28s %s\n", "SRTP profile", r->srtp);
		printf("%-28s %.1f s\n", "window", r->duration_s);
		printf("%-28s %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT "\n",
		       "packets sent / received", r->sent_packets, r->received_packets);
		printf("%-28s %.0f\n", "forwarded packets/s", r->forwarded_pps);
		printf("%-28s %.3f %%\n", "loss", r->loss_pct);
		printf("%-28s %.2f / %.2f / %.2f\n", "delay ms p50 / p99 / max", r->delay_p50_ms,
		       r->delay_p99_ms, r->delay_max_ms);
		if (r->have_server) {
			printf("%-28s %.1f %% (waited for the CPU %.1f %%)\n", "server CPU (one core)",
			       r->cpu_pct, r->wait_pct);
			printf("%-28s %.2f (%s; utime+stime ticks: %.2f)\n", "server CPU us / packet",
			       r->cpu_us_per_packet, r->cpu_precise ? "schedstat" : "stat",
			       r->cpu_us_per_packet_ticks);
			printf("%-28s %.0f kB (%.0f kB per subscriber)\n", "server RSS", r->rss_kb,
			       r->rss_per_subscriber_kb);
		}
		if (r->srv_delay_samples)
			printf("%-28s p50 <= %g ms, p99 <= %g ms (its histogram, %" G_GUINT64_FORMAT
			       " samples)\n",
			       "delay added by the server", r->srv_delay_p50_ms, r->srv_delay_p99_ms,
			       r->srv_delay_samples);
		printf("%-28s %.1f %% (waited for the CPU %.1f %%)\n", "bench CPU (one core)",
		       r->bench_cpu_pct, r->bench_wait_pct);
		printf("%-28s %.2f (--rx %s, --rx-poll-ms %u, %.1f datagrams per read)\n",
		       "bench CPU us / rx packet", r->bench_cpu_us_per_packet,
		       bench_rx_mode_names[o->rx], o->rx_poll_ms, r->rx_per_read);
		if (r->canary_units)
			printf("%-28s %.0f ns per unit on CPU %d (%" G_GUINT64_FORMAT
			       " units), %.0f ns per wake-up, %.0f ns per exchange\n",
			       "canary", r->canary_ns_per_unit, o->canary_cpu, r->canary_units,
			       r->canary_ns_per_wake, r->canary_ns_per_exchange);
	}
	if (r->setup) {
		json_t *s = r->setup;
		printf("%-28s %lld of %lld up; per subscriber %.0f / %.0f / %.0f ms (p50/p90/max); "
		       "last up %.1f s after the first join\n",
		       "subscriber set-up", json_integer_value(json_object_get(s, "up")),
		       json_integer_value(json_object_get(s, "joined")),
		       json_real_value(json_object_get(s, "setup_ms_p50")),
		       json_real_value(json_object_get(s, "setup_ms_p90")),
		       json_real_value(json_object_get(s, "setup_ms_max")),
		       json_real_value(json_object_get(s, "last_up_s")));
	}
	if (o->record)
		printf("%-28s requested, announced to %u publisher(s)\n", "recording",
		       r->rec_announced);
	if (r->find_max)
		printf("%-28s %d\n", "find-max: largest N held", r->max_ok);
	if (r->error)
		printf("%-28s %s\n", "FAILED", r->error);
}

static int write_json(const char *path, json_t *j)
{
	if (json_dump_file(j, path, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) < 0) {
		g_printerr("lumen-bench: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

/* The command line lands here: bench_opts' numeric fields directly (these defaults are the ones
 * --help names), the strings and flags as given, for parse and take_args to check and copy into
 * main's options. File scope because the option table below points into it. */
static struct {
	struct bench_opts o;
	char *url, *scenario, *ice_ip, *json_path, *label, *rec_dir, *rx, *srtp, *dtls_role;
	char *server_metrics;
	int quiet, find_max, record, join_with_publisher, ice_pacing, rx_poll_ms, canary_cpu;
} cli = {
    .o =
        {
            .subscribers = 20,
            .publishers = 4,
            .duration_s = 10,
            .warmup_s = 2,
            .bitrate = 1500000,
            .fps = 30,
            .keyframe_s = 2,
            .pacing = 2.5,
            .joins = 100,
            .join_budget_s = 300,
            .join_gap_ms = 100,
            .join_phase_ms = 100,
            .max_n = 500,
            .step_n = 10,
            .tries = 2,
            .loss_limit = 1.0,
            .delay_limit_ms = 50,
        },
    .ice_pacing = 1,
    .rx_poll_ms = 1,
    .canary_cpu = -1,
};

static const GOptionEntry entries[] = {
    {"url", 0, 0, G_OPTION_ARG_STRING, &cli.url, "Janus API URL (http://HOST:PORT/janus)", "URL"},
    {"scenario", 0, 0, G_OPTION_ARG_STRING, &cli.scenario, "fanout|meeting|audio|join (fanout)",
     "NAME"},
    {"subscribers", 0, 0, G_OPTION_ARG_INT, &cli.o.subscribers,
     "fanout/audio subscribers; find-max: the first N (20)", "N"},
    {"publishers", 0, 0, G_OPTION_ARG_INT, &cli.o.publishers, "meeting publishers (4)", "P"},
    {"duration", 0, 0, G_OPTION_ARG_DOUBLE, &cli.o.duration_s, "measured window (10)", "SECONDS"},
    {"warmup", 0, 0, G_OPTION_ARG_DOUBLE, &cli.o.warmup_s, "time between setup and the window (2)",
     "SECONDS"},
    {"bitrate", 0, 0, G_OPTION_ARG_INT, &cli.o.bitrate, "video bits/s (1500000)", "BPS"},
    {"fps", 0, 0, G_OPTION_ARG_INT, &cli.o.fps, "video frames/s (30)", "N"},
    {"keyframe-interval", 0, 0, G_OPTION_ARG_DOUBLE, &cli.o.keyframe_s,
     "seconds between keyframes (2)", "S"},
    {"joins", 0, 0, G_OPTION_ARG_INT, &cli.o.joins, "join scenario: how many joins (100)", "N"},
    {"join-with-publisher", 0, 0, G_OPTION_ARG_NONE, &cli.join_with_publisher,
     "join: time a new publisher and then a subscriber of it, each join in a new room "
     "(default: a subscriber joining a publisher already sending)",
     NULL},
    {"join-gap-ms", 0, 0, G_OPTION_ARG_INT, &cli.o.join_gap_ms,
     "join: pause between two joins (100: each join on its own, past the keyframe request made "
     "for the one before, which servers rate-limit; 0 with --join-phase-ms 0: joins back to "
     "back, a burst)",
     "MS"},
    {"join-phase-ms", 0, 0, G_OPTION_ARG_INT, &cli.o.join_phase_ms,
     "join: and a random pause in [0, MS) before each join, so that joins start at random "
     "points of the publisher's 20 ms audio and 33 ms video periods (100, a common multiple)",
     "MS"},
    {"join-budget", 0, 0, G_OPTION_ARG_DOUBLE, &cli.o.join_budget_s,
     "join: start no join after this many seconds (300)", "SECONDS"},
    {"server-pid", 0, 0, G_OPTION_ARG_INT, &cli.o.server_pid,
     "server process for CPU and RSS (/proc)", "PID"},
    {"server-metrics", 0, 0, G_OPTION_ARG_STRING, &cli.server_metrics,
     "lumen's admin /metrics URL: report the delay lumen adds itself over the window, from its "
     "lumen_forward_delay_seconds histogram (lumen only)",
     "URL"},
    {"ice-pacing-ms", 0, 0, G_OPTION_ARG_INT, &cli.ice_pacing,
     "our ICE checks' pacing Ta; 20 is libnice's default, whose first check waits 20 ms "
     "(default 1: the first check goes out at once, as libwebrtc posts its first ping without "
     "delay)",
     "MS"},
    {"dtls-role", 0, 0, G_OPTION_ARG_STRING, &cli.dtls_role,
     "active|passive: the a=setup of our answers (default active, a browser's: we are the DTLS "
     "client; passive, lumen-bench's before, makes the server the client)",
     "ROLE"},
    {"pacing", 0, 0, G_OPTION_ARG_DOUBLE, &cli.o.pacing,
     "publishers send video at this multiple of its bitrate, as a browser's pacer does "
     "(2.5, Chrome's factor; 0: each frame's packets back to back)",
     "F"},
    {"ice-ip", 0, 0, G_OPTION_ARG_STRING, &cli.ice_ip, "the only address our ICE gathers on",
     "ADDR"},
    {"rx", 0, 0, G_OPTION_ARG_STRING, &cli.rx,
     "batch|split|glib: how subscribers receive once up (batch: their sockets read with "
     "recvmmsg from one epoll set; split: the same from a second socket per port, STUN left to "
     "libnice; glib: through libnice, one dispatch and recvmsg per packet) (batch)",
     "MODE"},
    {"rx-poll-ms", 0, 0, G_OPTION_ARG_INT, &cli.rx_poll_ms,
     "--rx batch reads every MS ms; 0: when the kernel wakes the bench, which charges the "
     "server's sends over veth for the wake-ups (docs/bench.md) (1)",
     "MS"},
    {"canary-cpu", 0, 0, G_OPTION_ARG_INT, &cli.canary_cpu,
     "time fixed work on CPU N over the window (8 SRTP protects and sends of a 1200-byte packet "
     "and 4 round trips with a thread on our CPUs, every 10 ms): how fast that CPU was, to tell "
     "rounds the host slowed down "
     "(docs/bench.md, \"Quiet rounds\"; compare-janus.sh passes the CPU the server is pinned to) (off)",
     "N"},
    {"srtp", 0, 0, G_OPTION_ARG_STRING, &cli.srtp,
     "default|gcm: SRTP profiles offered (default: GCM then AES-CM; cm is not supported "
     "yet)",
     "P"},
    {"record", 0, 0, G_OPTION_ARG_NONE, &cli.record,
     "create rooms with \"record\": true (lumen: needs the recorder plugin)", NULL},
    {"rec-dir", 0, 0, G_OPTION_ARG_FILENAME, &cli.rec_dir,
     "with --record: \"rec_dir\" of the room (Janus's; lumen ignores it)", "DIR"},
    {"find-max", 0, 0, G_OPTION_ARG_NONE, &cli.find_max,
     "raise N (fanout) until loss or delay exceeds the limit", NULL},
    {"max", 0, 0, G_OPTION_ARG_INT, &cli.o.max_n, "find-max: the largest N tried (500)", "N"},
    {"step", 0, 0, G_OPTION_ARG_INT, &cli.o.step_n, "find-max: N step (10)", "N"},
    {"tries", 0, 0, G_OPTION_ARG_INT, &cli.o.tries,
     "find-max: runs of a step that misses the limits before N fails (2; 1 = no second run)",
     "N"},
    {"loss-limit", 0, 0, G_OPTION_ARG_DOUBLE, &cli.o.loss_limit,
     "find-max: loss % that fails (1.0)", "PCT"},
    {"delay-limit-ms", 0, 0, G_OPTION_ARG_DOUBLE, &cli.o.delay_limit_ms,
     "find-max: delay p99 that fails (50)", "MS"},
    {"json", 0, 0, G_OPTION_ARG_FILENAME, &cli.json_path, "write the result as JSON to FILE",
     "FILE"},
    {"label", 0, 0, G_OPTION_ARG_STRING, &cli.label, "a name for this run (in the JSON)", "NAME"},
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &cli.quiet, "no progress on stderr", NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static const char summary[] =
    "Load generator for lumen and Janus (the Janus JSON protocol over HTTP, VideoRoom\n"
    "dialect). Publishers send synthetic VP8 + Opus RTP; subscribers do real ICE, DTLS and\n"
    "SRTP and measure loss, one-way delay, and the server's CPU per forwarded packet.\n"
    "See docs/bench.md.";

/* --srtp: default, gcm (cm is refused: the engine cannot offer AES-CM alone yet). */
static int parse_srtp(const char *arg, enum bench_srtp *out)
{
	if (!arg || !strcmp(arg, "default"))
		*out = BENCH_SRTP_DEFAULT;
	else if (!strcmp(arg, "gcm"))
		*out = BENCH_SRTP_GCM;
	else if (!strcmp(arg, "cm"))
		*out = BENCH_SRTP_CM;
	else {
		g_printerr("lumen-bench: --srtp must be default, gcm or cm\n");
		return -1;
	}
	if (*out == BENCH_SRTP_CM) {
		/* The engine's pc config offers either both profiles or GCM alone; AES-CM alone
		 * needs a profile list in struct lumen_pc_config. */
		g_printerr("lumen-bench: --srtp cm is not supported yet (the WebRTC library offers "
		           "default or gcm only)\n");
		return -1;
	}
	return 0;
}

/* The numeric options' ranges. */
static int check_ranges(const struct bench_opts *o)
{
	if (o->pacing != 0 && (o->pacing < 1 || o->pacing > 100)) {
		g_printerr("lumen-bench: --pacing must be 0 (off) or 1..100\n");
		return -1;
	}
	if (o->subscribers < 1 || o->publishers < 2 || o->duration_s <= 0 || o->warmup_s < 0 ||
	    o->bitrate < 8000 || o->fps < 1 || o->fps > 120 || o->keyframe_s <= 0 || o->joins < 1 ||
	    o->join_budget_s <= 0 || o->join_gap_ms < 0 || o->join_gap_ms > 60000 ||
	    o->join_phase_ms < 0 || o->join_phase_ms > 60000 || o->tries < 1 ||
	    o->tries > 5) {
		g_printerr("lumen-bench: an option is out of range (see --help)\n");
		return -1;
	}
	return 0;
}

/* The string and flag options, checked, with their defaults, into o. */
static int take_args(struct bench_opts *o)
{
	o->url = cli.url ? cli.url : "http://127.0.0.1:8088/janus";
	o->scenario = cli.scenario ? cli.scenario : "fanout";
	o->ice_ip = cli.ice_ip;
	o->json_path = cli.json_path;
	o->server_metrics = cli.server_metrics;
	o->label = cli.label;
	o->quiet = bench_quiet = cli.quiet;
	o->find_max = cli.find_max;
	o->join_with_publisher = cli.join_with_publisher;
	if (cli.ice_pacing < 1 || cli.ice_pacing > 1000) {
		g_printerr("lumen-bench: --ice-pacing-ms must be 1..1000\n");
		return -1;
	}
	o->ice_pacing_ms = (unsigned)cli.ice_pacing;
	if (cli.dtls_role && strcmp(cli.dtls_role, "active") && strcmp(cli.dtls_role, "passive")) {
		g_printerr("lumen-bench: --dtls-role must be active or passive\n");
		return -1;
	}
	o->dtls_passive = cli.dtls_role && !strcmp(cli.dtls_role, "passive");
	o->rx = BENCH_RX_BATCH;
	for (int i = 0; cli.rx && bench_rx_mode_names[i]; i++)
		if (!strcmp(cli.rx, bench_rx_mode_names[i]))
			o->rx = (enum bench_rx_mode)i;
	if (cli.rx && strcmp(cli.rx, bench_rx_mode_names[o->rx])) {
		g_printerr("lumen-bench: --rx must be batch, split or glib\n");
		return -1;
	}
	if (cli.rx_poll_ms < 0 || cli.rx_poll_ms > 100) {
		g_printerr("lumen-bench: --rx-poll-ms must be 0..100\n");
		return -1;
	}
	o->rx_poll_ms = (unsigned)cli.rx_poll_ms;
	if (cli.canary_cpu < -1 || cli.canary_cpu > 1023) {
		g_printerr("lumen-bench: --canary-cpu must be a CPU number (0..1023)\n");
		return -1;
	}
	o->canary_cpu = cli.canary_cpu;
	o->record = cli.record;
	o->rec_dir = cli.rec_dir;
	if (cli.rec_dir && !cli.record) {
		g_printerr("lumen-bench: --rec-dir goes with --record\n");
		return -1;
	}
	return 0;
}

/* Fills o from the command line (the defaults are cli's). Returns 0, or -1 after printing why
 * (then o is unspecified). */
static int parse(int argc, char **argv, struct bench_opts *o)
{
	GOptionContext *ctx = g_option_context_new("- load generator for WebRTC SFUs");
	GError *e = NULL;
	bool ok;

	g_option_context_set_summary(ctx, summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	ok = g_option_context_parse(ctx, &argc, &argv, &e);
	g_option_context_free(ctx);
	if (!ok) {
		g_printerr("lumen-bench: %s (see --help)\n", e->message);
		g_error_free(e);
		return -1;
	}
	*o = cli.o;
	if (take_args(o) < 0)
		return -1;
	return parse_srtp(cli.srtp, &o->srtp) < 0 || check_ranges(o) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_env env;
	struct bench_result r = {0};
	char *err = NULL;
	int rc = 1;

	if (parse(argc, argv, &o) < 0)
		return 2;
	if (bench_env_init(&env, &o, &err) < 0) {
		g_printerr("lumen-bench: %s\n", err);
		g_free(err);
		bench_env_fini(&env);
		return 1;
	}
	if (o.canary_cpu >= 0 && !(env.canary = bench_canary_start(o.canary_cpu, &err))) {
		g_printerr("lumen-bench: --canary-cpu: %s\n", err);
		g_free(err);
		bench_env_fini(&env);
		return 1;
	}
	bench_log("lumen-bench: %s against %s\n", o.find_max ? "find-max" : o.scenario, o.url);
	if (bench_scenario_run(&env, &r) == 0)
		rc = 0;
	else
		g_printerr("lumen-bench: %s\n", r.error ? r.error : "the run failed");
	if (!r.scenario)
		r.scenario = o.scenario;
	print_table(&o, &r);
	if (o.json_path) {
		json_t *j = result_json(&o, &r);
		if (write_json(o.json_path, j) < 0)
			rc = 1;
		json_decref(j);
	}
	bench_result_fini(&r);
	bench_canary_stop(env.canary);
	bench_env_fini(&env);
	return rc;
}
