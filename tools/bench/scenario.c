/* scenario.c -- the scenarios of lumen-bench (see scenario.h). A media scenario sets up every
 * peer, waits (bounded) until each subscriber receives, lets --warmup pass, then measures over
 * --duration: packets and loss from the subscribers' stats, delay percentiles, and the server's
 * CPU and RSS deltas from /proc. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "canary.h"
#include "proc.h"
#include "rx.h"
#include "scenario.h"
#include "srvdelay.h"

struct media_run {
	struct bench_pub **pubs;
	struct bench_sub **subs;
	int64_t *sub_t0; /* when each subscriber's join began */
	struct bench_proc s0, b0; /* server and bench when the first subscriber began */
	int n_pubs, n_subs;
};

static uint64_t new_room_id(void)
{
	return (uint64_t)g_random_int_range(1000000, G_MAXINT32);
}

static bool all_receiving(void *a)
{
	struct media_run *m = a;

	for (int i = 0; i < m->n_subs; i++)
		if (!bench_sub_streams(m->subs[i])->total_rx)
			return false;
	return true;
}

static bool all_pubs_up(void *a)
{
	struct media_run *m = a;

	for (int i = 0; i < m->n_pubs; i++)
		if (!bench_pub_up(m->pubs[i]))
			return false;
	return true;
}

static bool all_pubs_ready(void *a)
{
	struct media_run *m = a;

	for (int i = 0; i < m->n_pubs; i++)
		if (!bench_pub_ready(m->pubs[i], NULL))
			return false;
	return true;
}

static bool pub_ready(void *a)
{
	return bench_pub_ready(a, NULL);
}

/* Why publishers are not ready after the wait: our pc, or the server's webrtcup. */
static char *describe_unready_pub(bool our_pc_up)
{
	return g_strdup(our_pc_up ? "the server sent no webrtcup for a publisher in 10 s (our pc is up)"
	                          : "a publisher's peer connection did not come up in 10 s");
}

static int count_receiving(const struct media_run *m)
{
	int n = 0;

	for (int i = 0; i < m->n_subs; i++)
		n += bench_sub_streams(m->subs[i])->total_rx > 0;
	return n;
}

/* "N of M subscribers receive no media (#i: state, ...)": where they are stuck. */
static char *describe_silent(const struct media_run *m)
{
	GString *g = g_string_new(NULL);
	int shown = 0;

	g_string_printf(g, "%d of %d subscribers receive no media (",
	                m->n_subs - count_receiving(m), m->n_subs);
	for (int i = 0; i < m->n_subs && shown < 5; i++) {
		char state[200];

		if (bench_sub_streams(m->subs[i])->total_rx)
			continue;
		bench_sub_describe(m->subs[i], state, sizeof(state));
		g_string_append_printf(g, "%s#%d: %s", shown++ ? "; " : "", i + 1, state);
	}
	g_string_append(g, ")");
	return g_string_free(g, FALSE);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct_of(double *v, int n, int pct)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return n ? v[(size_t)fmin(n - 1, n * pct / 100)] : 0;
}

/* How the subscribers' set-up went: per subscriber, its join's signalling (attach -> started
 * reply) and its whole set-up (attach -> our pc up, i.e. ICE + DTLS done), p50/p90/max over the
 * subscribers that got there; how many were up and receiving; when the last joined and the last
 * came up, counted from the first join. Only subscribers that joined count. */
static json_t *setup_json(const struct media_run *m, const struct bench_env *env)
{
	double *sig = g_new0(double, (size_t)m->n_subs + 1), *up = g_new0(double, (size_t)m->n_subs + 1);
	int n_joined = 0, n_up = 0, n_rx = 0;
	int64_t first = m->n_subs ? m->sub_t0[0] : 0, last_joined = first, last_up = first;
	json_t *j;

	for (int i = 0; i < m->n_subs && m->subs[i]; i++) {
		int64_t t[BENCH_JOIN_STEPS] = {0};

		bench_sub_times(m->subs[i], t);
		sig[n_joined++] = (double)(t[BENCH_SUB_STARTED] - m->sub_t0[i]) / 1e6;
		last_joined = MAX(last_joined, t[BENCH_SUB_STARTED]);
		if (t[BENCH_SUB_PC_UP]) {
			up[n_up++] = (double)(t[BENCH_SUB_PC_UP] - m->sub_t0[i]) / 1e6;
			last_up = MAX(last_up, t[BENCH_SUB_PC_UP]);
		}
		n_rx += bench_sub_streams(m->subs[i])->total_rx > 0;
	}
	j = json_pack("{sisisisfsfsfsfsfsfsf}", "joined", n_joined, "up", n_up, "receiving", n_rx,
	              "signalling_ms_p50", pct_of(sig, n_joined, 50), "signalling_ms_max",
	              pct_of(sig, n_joined, 100), "setup_ms_p50", pct_of(up, n_up, 50),
	              "setup_ms_p90", pct_of(up, n_up, 90), "setup_ms_max", pct_of(up, n_up, 100),
	              "last_joined_s", (double)(last_joined - first) / 1e9, "last_up_s",
	              (double)(last_up - first) / 1e9);
	g_free(sig);
	g_free(up);
	/* CPU and run-queue waits of both sides from the first join to now: is set-up slow because
	 * a side is busy, or because it waits for its CPU? */
	{
		struct bench_proc s1 = {0}, b1 = {0};
		double secs = (double)(bench_now_ns() - first) / 1e9;

		bench_proc_read(0, &b1);
		if (secs > 0) {
			json_object_set_new(j, "bench_cpu_pct",
			                    json_real((double)bench_proc_cpu_delta(&m->b0, &b1, NULL) /
			                              1e4 / secs));
			json_object_set_new(j, "bench_wait_pct",
			                    json_real((double)(b1.wait_us - m->b0.wait_us) / 1e4 / secs));
		}
		if (secs > 0 && env->o->server_pid > 0 && m->s0.cpu_us &&
		    bench_proc_read(env->o->server_pid, &s1) == 0) {
			json_object_set_new(j, "server_cpu_pct",
			                    json_real((double)bench_proc_cpu_delta(&m->s0, &s1, NULL) /
			                              1e4 / secs));
			json_object_set_new(j, "server_wait_pct",
			                    json_real((double)(s1.wait_us - m->s0.wait_us) / 1e4 / secs));
		}
	}
	return j;
}

static void media_free(struct bench_env *env, struct media_run *m, uint64_t room)
{
	for (int i = 0; i < m->n_subs; i++)
		bench_sub_free(m->subs[i]);
	for (int i = 0; i < m->n_pubs; i++)
		bench_pub_free(m->pubs[i]);
	g_free(m->subs);
	g_free(m->pubs);
	g_free(m->sub_t0);
	bench_room_destroy(env, room);
}

/* Publishers, then subscribers: fanout/audio (n_pubs 1, every sub on feed 0) or meeting (sub i
 * on every feed but i's). */
static int media_setup(struct bench_env *env, struct media_run *m, uint64_t room, bool video,
                       bool meeting, char **err)
{
	uint64_t *feeds = g_new0(uint64_t, (size_t)m->n_pubs);
	int rc = -1;

	for (int i = 0; i < m->n_pubs; i++) {
		if (!(m->pubs[i] = bench_pub_new(env, room, video, err)))
			goto out;
		feeds[i] = bench_pub_feed(m->pubs[i]);
	}
	/* Subscribers join once the server has each publisher up (webrtcup), as a client of
	 * Janus must: it refuses to subscribe to a feed whose pc is not up yet. */
	if (!bench_pump(all_pubs_ready, m, 10000)) {
		*err = describe_unready_pub(all_pubs_up(m));
		goto out;
	}
	for (int i = 0; i < m->n_subs; i++) {
		uint64_t others[64];
		size_t n = 0;

		for (int k = 0; k < m->n_pubs && n < G_N_ELEMENTS(others); k++)
			if (!meeting || k != i)
				others[n++] = feeds[k];
		int64_t t = m->sub_t0[i] = bench_now_ns();

		if (i == 0) {
			bench_proc_read(0, &m->b0);
			if (env->o->server_pid > 0)
				bench_proc_read(env->o->server_pid, &m->s0);
		}
		m->subs[i] = bench_sub_new(env, room, others, n, err);
		if ((bench_now_ns() - t) > 1000000000)
			bench_log("subscriber %d took %.1f s to join\n", i + 1,
			          (double)(bench_now_ns() - t) / 1e9);
		if (!m->subs[i]) {
			char *e = *err;
			*err = g_strdup_printf("subscriber %d: %s", i + 1, e);
			g_free(e);
			goto out;
		}
	}
	bench_log("%d publishers and %d subscribers joined\n", m->n_pubs, m->n_subs);
	rc = 0;
out:
	g_free(feeds);
	return rc;
}

/* --server-metrics: one reading of lumen's delay histogram; a failure is said, not fatal (the
 * run's other figures stand). */
static int server_delay_read(const char *url, struct bench_srvdelay *d)
{
	char *err = NULL;

	if (bench_srvdelay_fetch(url, d, &err) == 0)
		return 0;
	bench_log("server delay not read: %s\n", err);
	g_free(err);
	return -1;
}

static void measure(struct bench_env *env, struct media_run *m, struct bench_result *r)
{
	const struct bench_opts *o = env->o;
	struct bench_proc s0 = {0}, s1 = {0}, b0, b1;
	struct bench_rx_stats x0, x1;
	struct bench_srvdelay d0, d1;
	struct bench_canary_reading c0 = {0}, c1 = {0};
	bool have_d0;
	uint64_t bench_cpu;
	int64_t t0, t1;
	double secs;

	bench_pump(NULL, NULL, (int)(o->warmup_s * 1000));
	have_d0 = o->server_metrics && server_delay_read(o->server_metrics, &d0) == 0;
	r->have_server = o->server_pid > 0 && bench_proc_read(o->server_pid, &s0) == 0;
	bench_proc_read(0, &b0);
	bench_rx_get_stats(env->rx, &x0);
	if (env->canary)
		bench_canary_read(env->canary, &c0);
	t0 = bench_now_ns();
	for (int i = 0; i < m->n_subs; i++)
		bench_stats_open(&env->stats, bench_sub_streams(m->subs[i]));
	env->sent_packets = 0;
	bench_pump(NULL, NULL, (int)(o->duration_s * 1000));
	env->stats.measuring = false;
	t1 = bench_now_ns();
	for (int i = 0; i < m->n_subs; i++)
		bench_stats_close(&env->stats, bench_sub_streams(m->subs[i]));
	if (r->have_server)
		r->have_server = bench_proc_read(o->server_pid, &s1) == 0;
	bench_proc_read(0, &b1);
	bench_rx_get_stats(env->rx, &x1);
	if (env->canary) {
		bench_canary_read(env->canary, &c1);
		r->canary_ns_per_unit = bench_canary_ns_per_unit(&c0, &c1);
		r->canary_ns_per_wake = bench_canary_ns_per_wake(&c0, &c1);
		r->canary_ns_per_exchange = bench_canary_ns_per_exchange(&c0, &c1);
		r->canary_units = c1.units - c0.units;
	}
	if (have_d0 && server_delay_read(o->server_metrics, &d1) == 0) {
		r->srv_delay_samples = bench_srvdelay_samples(&d0, &d1);
		r->srv_delay_p50_ms = bench_srvdelay_quantile_ms(&d0, &d1, 0.5);
		r->srv_delay_p99_ms = bench_srvdelay_quantile_ms(&d0, &d1, 0.99);
	}

	secs = (double)(t1 - t0) / 1e9;
	r->duration_s = secs;
	r->sent_packets = env->sent_packets;
	r->received_packets = env->stats.packets;
	r->forwarded_pps = (double)env->stats.packets / secs;
	r->loss_pct = env->stats.expected
	                  ? 100.0 *
	                        (double)(env->stats.expected > env->stats.seq_rx
	                                     ? env->stats.expected - env->stats.seq_rx
	                                     : 0) /
	                        (double)env->stats.expected
	                  : 0;
	r->delay_p50_ms = bench_stats_delay_ms(&env->stats, 50);
	r->delay_p99_ms = bench_stats_delay_ms(&env->stats, 99);
	r->delay_max_ms = (double)env->stats.delay_max_ns / 1e6;
	bench_cpu = bench_proc_cpu_delta(&b0, &b1, NULL);
	/* The canary's threads are lumen-bench's tasks but not its work (canary.h). */
	if (env->canary) {
		uint64_t canary_us = (c1.threads_ns - c0.threads_ns) / 1000;

		bench_cpu = bench_cpu > canary_us ? bench_cpu - canary_us : 0;
	}
	r->bench_cpu_pct = (double)bench_cpu / 1e4 / secs;
	r->bench_wait_pct = (double)(b1.wait_us - b0.wait_us) / 1e4 / secs;
	r->bench_cpu_us_per_packet =
	    env->stats.packets ? (double)bench_cpu / (double)env->stats.packets : 0;
	r->rx_per_read = x1.reads > x0.reads ? (double)(x1.datagrams - x0.datagrams) /
	                                           (double)(x1.reads - x0.reads)
	                                     : 0;
	if (r->have_server) {
		uint64_t cpu = bench_proc_cpu_delta(&s0, &s1, &r->cpu_precise);
		uint64_t ticks = s1.cpu_us > s0.cpu_us ? s1.cpu_us - s0.cpu_us : 0;

		r->cpu_pct = (double)cpu / 1e4 / secs;
		r->wait_pct = (double)(s1.wait_us - s0.wait_us) / 1e4 / secs;
		r->cpu_us_per_packet =
		    env->stats.packets ? (double)cpu / (double)env->stats.packets : 0;
		/* the coarse figure too, for comparison with reports made before */
		r->cpu_us_per_packet_ticks =
		    env->stats.packets ? (double)ticks / (double)env->stats.packets : 0;
		r->rss_kb = (double)s1.rss_kb;
	}
	if (m->n_subs)
		g_strlcpy(r->srtp, bench_sub_srtp_profile(m->subs[0]), sizeof(r->srtp));
}

/* fanout (video), audio (no video) or meeting: one room, set up, measured, torn down. */
static int run_media(struct bench_env *env, struct bench_result *r, int n_pubs, int n_subs,
                     bool video, bool meeting)
{
	struct media_run m = {.n_pubs = n_pubs, .n_subs = n_subs};
	uint64_t room = new_room_id();
	struct bench_proc base = {0};
	char *err = NULL;
	int rc = -1;

	memset(&env->stats, 0, sizeof(env->stats));
	r->subscribers = n_subs;
	r->publishers = n_pubs;
	m.pubs = g_new0(struct bench_pub *, (size_t)n_pubs);
	m.subs = g_new0(struct bench_sub *, (size_t)n_subs);
	m.sub_t0 = g_new0(int64_t, (size_t)n_subs);
	if (env->o->server_pid > 0)
		bench_proc_read(env->o->server_pid, &base);
	if (bench_room_create(env, room, n_pubs, &err) < 0)
		goto out;
	if (media_setup(env, &m, room, video, meeting, &err) < 0) {
		r->setup = setup_json(&m, env);
		goto out;
	}
	/* Every subscriber must receive before the window opens: 10 s plus 100 ms each. */
	if (!bench_pump(all_receiving, &m, 10000 + 100 * n_subs)) {
		err = describe_silent(&m);
		r->setup = setup_json(&m, env);
		goto out;
	}
	r->setup = setup_json(&m, env);
	measure(env, &m, r);
	if (r->have_server && n_subs)
		r->rss_per_subscriber_kb = (r->rss_kb - (double)base.rss_kb) / n_subs;
	if (!r->received_packets)
		err = g_strdup("no media received in the measured window");
	else
		rc = 0;
out:
	if (err)
		r->error = err;
	media_free(env, &m, room);
	return rc;
}

static bool first_packet(void *a)
{
	return bench_sub_streams(a)->total_rx > 0;
}

/* --join-with-publisher: create -> publisher joins and publishes -> the server says webrtcup
 * for it -> subscriber joins (in the env's session) -> first decrypted packet. t: when each
 * step was done (peer.h). */
static int join_with_publisher(struct bench_env *env, int64_t t[BENCH_JOIN_STEPS], char **err)
{
	uint64_t room = new_room_id(), feed;
	struct bench_pub *p = NULL;
	struct bench_sub *s = NULL;
	int rc = -1;

	if (bench_room_create(env, room, 1, err) < 0)
		return -1;
	if (!(p = bench_pub_new(env, room, true, err)))
		goto out;
	if (!bench_pump(pub_ready, p, 10000)) {
		*err = describe_unready_pub(bench_pub_up(p));
		goto out;
	}
	feed = bench_pub_feed(p);
	if (!(s = bench_sub_new(env, room, &feed, 1, err)))
		goto out;
	if (!bench_pump(first_packet, s, 10000)) {
		*err = g_strdup("no media 10 s after joining");
		goto out;
	}
	bench_pub_times(p, t);
	bench_sub_times(s, t);
	rc = 0;
out:
	bench_sub_free(s);
	bench_pub_free(p);
	bench_room_destroy(env, room);
	return rc;
}

static bool first_video(void *a)
{
	int64_t t[BENCH_JOIN_STEPS] = {0};

	bench_sub_times(a, t);
	return t[BENCH_SUB_FIRST_VIDEO] != 0;
}

/* One subscriber join (issue #7's definition): a session of its own is created, a handle
 * attached, it joins as a subscriber of feed (the offer), answers (started), its ICE and DTLS
 * come up, and the first decrypted packet arrives; then it is torn down (detach, session
 * destroyed) before the next one. t: when each step was done. */
static int join_subscriber(struct bench_env *env, uint64_t room, uint64_t feed,
                           int64_t t[BENCH_JOIN_STEPS], bool *video_key, char **err)
{
	struct bench_sub *s = bench_sub_new_session(env, room, &feed, 1, err);
	int rc = -1;

	if (!s)
		return -1;
	if (!bench_pump(first_packet, s, 10000)) {
		char state[200];

		bench_sub_describe(s, state, sizeof(state));
		*err = g_strdup_printf("no media 10 s after joining (%s)", state);
		goto out;
	}
	/* The join is timed to the first packet; its first video packet (what a viewer waits for:
	 * video starts at a keyframe) is waited for too, bounded, and reported as a step. */
	bench_pump(first_video, s, 3000);
	bench_sub_times(s, t);
	*video_key = bench_sub_first_video_key(s);
	rc = 0;
out:
	bench_sub_free(s);
	return rc;
}

/* The room of the subscriber joins: one publisher of audio and video, up (our pc and the
 * server's webrtcup), then sending for a second so that what a joiner gets is a flowing feed
 * (the server has seen its first keyframe). */
static struct bench_pub *join_publisher(struct bench_env *env, uint64_t room, char **err)
{
	struct bench_pub *p = bench_pub_new(env, room, true, err);

	if (!p)
		return NULL;
	if (!bench_pump(pub_ready, p, 10000)) {
		*err = describe_unready_pub(bench_pub_up(p));
		bench_pub_free(p);
		return NULL;
	}
	bench_pump(NULL, NULL, 1000);
	return p;
}

static int run_join(struct bench_env *env, struct bench_result *r)
{
	const struct bench_opts *o = env->o;
	int n = o->joins > 0 ? o->joins : 1, done = 0;
	double *ms = g_new0(double, (size_t)n), *step = g_new0(double, (size_t)n);
	double *steps = g_new0(double, (size_t)n * BENCH_JOIN_STEPS); /* [join][step] */
	int64_t start = bench_now_ns(), budget = (int64_t)(o->join_budget_s * 1e9);
	uint64_t room = new_room_id();
	struct bench_pub *p = NULL;
	char *err = NULL;
	/* The random phase of each join (--join-phase-ms): a join that starts right after the one
	 * before it ends, and that one ended on a video packet, would start at the same point of
	 * the publisher's 20 ms audio and 33 ms video clocks every time, and the wait for the next
	 * packet would be that point's, not a joiner's. A fixed seed: runs repeat their pauses. */
	GRand *rng = g_rand_new_with_seed(0x6a6f696e);

	r->publishers = r->subscribers = 1;
	r->join_with_publisher = o->join_with_publisher;
	if (!o->join_with_publisher) {
		if (bench_room_create(env, room, 1, &err) < 0 ||
		    !(p = join_publisher(env, room, &err))) {
			r->error = g_strdup_printf("the publisher: %s", err);
			g_free(err);
			goto out;
		}
	}
	for (int i = 0; i < n; i++) {
		int64_t t0, t[BENCH_JOIN_STEPS] = {0};
		bool video_key = false;
		int rc, pause_ms;

		if (budget > 0 && bench_now_ns() - start > budget) {
			bench_log("join: %d of %d joins done in the %.0f s budget\n", done, n,
			          o->join_budget_s);
			break;
		}
		pause_ms = (i ? o->join_gap_ms : 0) +
		           (o->join_phase_ms > 0 ? g_rand_int_range(rng, 0, o->join_phase_ms) : 0);
		if (pause_ms > 0)
			bench_pump(NULL, NULL, pause_ms);
		t0 = bench_now_ns();
		rc = o->join_with_publisher
		         ? join_with_publisher(env, t, &err)
		         : join_subscriber(env, room, bench_pub_feed(p), t, &video_key, &err);
		if (rc < 0) {
			r->error = g_strdup_printf("join %d of %d: %s", i + 1, n, err);
			g_free(err);
			break;
		}
		/* Each step as the time from t0 (0: did not happen in this mode). */
		for (int k = 0; k < BENCH_JOIN_STEPS; k++)
			steps[done * BENCH_JOIN_STEPS + k] = t[k] ? (double)(t[k] - t0) / 1e6 : 0;
		ms[done] = steps[done * BENCH_JOIN_STEPS + BENCH_SUB_FIRST_PACKET];
		r->join_no_video += !t[BENCH_SUB_FIRST_VIDEO];
		r->join_video_key += video_key;
		done++;
	}
	qsort(ms, (size_t)done, sizeof(double), cmp_double);
	r->join_n = done;
	if (done) {
		r->join_p50_ms = ms[(size_t)(done * 50 / 100)];
		r->join_p99_ms = ms[(size_t)fmin(done - 1, done * 99 / 100)];
	}
	/* Each step's own median over the joins in which it happened: where a join spends its
	 * time. A join ends at its first video packet, so its first audio packet may never come
	 * (0 in steps[]); counting those as 0 put the median of first_audio before pc_up. */
	for (int k = 0; k < BENCH_JOIN_STEPS; k++) {
		int m = 0;

		for (int i = 0; i < done; i++)
			if (steps[i * BENCH_JOIN_STEPS + k] > 0)
				step[m++] = steps[i * BENCH_JOIN_STEPS + k];
		r->join_step_n[k] = m;
		if (!m)
			continue;
		qsort(step, (size_t)m, sizeof(double), cmp_double);
		r->join_step_p50_ms[k] = step[(size_t)(m * 50 / 100)];
		r->join_step_p99_ms[k] = step[(size_t)fmin(m - 1, m * 99 / 100)];
	}
out:
	g_rand_free(rng);
	if (!o->join_with_publisher) {
		bench_pub_free(p);
		bench_room_destroy(env, room);
	}
	g_free(ms);
	g_free(step);
	g_free(steps);
	return r->error ? -1 : 0;
}

/* One find-max step: up to o->tries runs of fanout with n subscribers, each recorded in
 * r->steps; true when one held the limits (*s is then its result, to be taken or freed). A run
 * that misses is run again because one 10 s window on a shared machine can catch a slow phase
 * (a step at 95 % of a core after the one before it held at 56 %, docs/performance.md); a
 * server at its limit misses every time. */
static bool find_max_step(struct bench_env *env, struct bench_result *r, int n,
                          struct bench_result *s)
{
	const struct bench_opts *o = env->o;

	for (int t = 1; t <= o->tries; t++) {
		int rc;
		bool ok;

		*s = (struct bench_result){.scenario = "fanout"};
		rc = run_media(env, s, 1, n, true, false);
		ok = rc == 0 && s->loss_pct <= o->loss_limit && s->delay_p99_ms <= o->delay_limit_ms;
		json_array_append_new(
		    r->steps,
		    json_pack("{sisisfsfsfsfsfsfsfsfsbss?sO?}", "subscribers", n, "try", t, "loss_pct",
		              s->loss_pct, "delay_p99_ms", s->delay_p99_ms, "forwarded_pps",
		              s->forwarded_pps, "cpu_pct", s->cpu_pct, "bench_cpu_pct",
		              s->bench_cpu_pct, "bench_cpu_us_per_received_packet",
		              s->bench_cpu_us_per_packet, "wait_pct", s->wait_pct, "bench_wait_pct",
		              s->bench_wait_pct, "ok", ok, "error", s->error, "setup", s->setup));
		bench_log("find-max: N=%d%s loss %.2f %% p99 %.2f ms server %.0f %% bench %.0f %% "
		          "(%.2f us/rx packet) -> %s\n",
		          n, t > 1 ? " (again)" : "", s->loss_pct, s->delay_p99_ms, s->cpu_pct,
		          s->bench_cpu_pct, s->bench_cpu_us_per_packet,
		          ok ? "ok" : (t < o->tries ? "over the limit, once more" : "over the limit"));
		if (ok)
			return true;
		bench_result_fini(s);
	}
	return false;
}

static int run_find_max(struct bench_env *env, struct bench_result *r)
{
	const struct bench_opts *o = env->o;
	int step = o->step_n > 0 ? o->step_n : 10;

	r->find_max = true;
	r->steps = json_array();
	for (int n = o->subscribers; n <= o->max_n; n += step) {
		struct bench_result s;

		if (!find_max_step(env, r, n, &s))
			break;
		/* The result of the largest N that held is the run's result. */
		{
			json_t *steps = r->steps;
			const char *sc = r->scenario;

			r->steps = NULL; /* kept: only the previous step's error goes */
			bench_result_fini(r);
			*r = s;
			r->steps = steps;
			r->scenario = sc;
			r->find_max = true;
			r->max_ok = n;
		}
	}
	if (!r->max_ok && !r->error)
		r->error = g_strdup("no N held the limits");
	return r->max_ok ? 0 : -1;
}

static int run_scenario(struct bench_env *env, struct bench_result *r)
{
	const struct bench_opts *o = env->o;
	const char *sc = o->scenario;

	if (o->find_max)
		return run_find_max(env, r);
	if (!strcmp(sc, "fanout"))
		return run_media(env, r, 1, o->subscribers, true, false);
	if (!strcmp(sc, "audio"))
		return run_media(env, r, 1, o->subscribers, false, false);
	if (!strcmp(sc, "meeting"))
		return run_media(env, r, o->publishers, o->publishers, true, true);
	if (!strcmp(sc, "join"))
		return run_join(env, r);
	r->error = g_strdup_printf("unknown scenario '%s'", sc);
	return -1;
}

int bench_scenario_run(struct bench_env *env, struct bench_result *r)
{
	int rc;

	r->scenario = env->o->scenario;
	rc = run_scenario(env, r);
	r->rec_announced = env->rec_announced;
	return rc;
}

void bench_result_fini(struct bench_result *r)
{
	if (!r)
		return;
	json_decref(r->steps);
	json_decref(r->setup);
	g_free(r->error);
	r->steps = NULL;
	r->setup = NULL;
	r->error = NULL;
}
