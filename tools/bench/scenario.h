/* scenario.h -- lumen-bench's scenarios and their result: fanout (1 publisher of VP8 + Opus to N
 * subscribers), audio (1 Opus publisher to N listeners), meeting (P publishers, each subscribed
 * by the P-1 others), join (a subscriber's session create -> its first decrypted packet, from a
 * publisher already sending, repeated; or with a new publisher each time), and find-max (fanout
 * with N raised until loss or delay passes its limit).
 *
 * Each scenario makes its own room(s) on the env's session and destroys them before it returns,
 * whether it succeeded or not. */
#ifndef BENCH_SCENARIO_H
#define BENCH_SCENARIO_H

#include <jansson.h>

#include "peer.h"

struct bench_result {
	const char *scenario;
	int subscribers, publishers;
	double duration_s;
	char srtp[32];
	uint64_t sent_packets, received_packets;
	double forwarded_pps, loss_pct, delay_p50_ms, delay_p99_ms, delay_max_ms;
	bool have_server;
	double cpu_pct, cpu_us_per_packet, rss_kb, rss_per_subscriber_kb;
	bool cpu_precise;               /* the server's CPU from schedstat (proc.h), else stat */
	double cpu_us_per_packet_ticks; /* the same from utime + stime (4 ms tick samples) */
	double bench_cpu_pct; /* lumen-bench's own CPU over the window (% of one core) */
	/* ... per packet its subscribers received (all its work: publishers, signalling, too) */
	double bench_cpu_us_per_packet;
	double rx_per_read; /* --rx batch: datagrams per recvmmsg over the window (0: glib) */
	/* Time the server's / the bench's threads waited for a CPU over the window, % of it: what
	 * neighbours on a shared machine took (0 without schedstats). */
	double wait_pct, bench_wait_pct;
	/* --canary-cpu: the canary's thread-CPU ns per unit over the window (canary.h), and the
	 * units it did; 0: no canary */
	double canary_ns_per_unit, canary_ns_per_wake, canary_ns_per_exchange;
	uint64_t canary_units;
	/* --server-metrics: lumen's own forwarding delay over the window (srvdelay.h), bucket
	 * bounds in ms (INFINITY: the +Inf bucket); samples 0: not read */
	uint64_t srv_delay_samples;
	double srv_delay_p50_ms, srv_delay_p99_ms;
	int join_n;
	double join_p50_ms, join_p99_ms;
	bool join_with_publisher; /* the join's steps include a new publisher's (peer.h) */
	int join_no_video;  /* joins whose subscriber got no video in 3 s after the first packet */
	int join_video_key; /* joins whose first video packet started a keyframe */
	/* The start of a join -> each of its steps (peer.h), p50 and p99 over the joins. */
	double join_step_p50_ms[BENCH_JOIN_STEPS], join_step_p99_ms[BENCH_JOIN_STEPS];
	int join_step_n[BENCH_JOIN_STEPS]; /* joins in which the step happened (its p50/p99's) */
	unsigned rec_announced; /* publishers told "recording": true when they joined */
	bool find_max;
	int max_ok;
	json_t *steps; /* find-max: one object per N tried (owned) */
	json_t *setup; /* media scenarios: how the subscribers' set-up went (owned, or NULL) */
	char *error;   /* set when the run failed (g_free) */
};

/* Runs o->scenario (or find-max) on env; fills r. Returns 0, or -1 with r->error. */
int bench_scenario_run(struct bench_env *env, struct bench_result *r);

void bench_result_fini(struct bench_result *r);

#endif
