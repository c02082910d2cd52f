/* bench.h -- lumen-bench's shared types: the command-line options, the clock, and the main-loop
 * pump every blocking step uses.
 *
 * The whole program runs on one thread and the default GMainContext: HTTP requests, long polls,
 * every peer connection, the media timers. A step that must wait (a reply, ICE, the first packet)
 * iterates the context until its condition holds or its deadline passes, so media keeps flowing
 * while the scenario waits. Callbacks only record state; they never pump. */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

enum bench_srtp { BENCH_SRTP_DEFAULT = 0, BENCH_SRTP_GCM, BENCH_SRTP_CM };

/* --rx: batch (rx.h, the pair's own socket read in batches), split (rx.h, a second socket on the
 * pair's port in a reuseport group, STUN left to libnice: kept to compare with), glib (libnice
 * reads each datagram, one GLib dispatch and recvmsg per packet). */
enum bench_rx_mode { BENCH_RX_BATCH = 0, BENCH_RX_SPLIT, BENCH_RX_GLIB };

extern const char *const bench_rx_mode_names[];

struct bench_opts {
	const char *url;
	const char *scenario;
	int subscribers, publishers, joins;
	double duration_s, warmup_s;
	uint32_t bitrate, fps;
	double keyframe_s;
	int server_pid;
	const char *server_metrics; /* lumen's admin /metrics URL (srvdelay.h), or NULL */
	const char *ice_ip;
	enum bench_srtp srtp;
	bool record;         /* rooms are created with "record": true */
	const char *rec_dir; /* and "rec_dir" (Janus's; lumen's recorder has its own dir) */
	bool find_max;
	int max_n, step_n;
	int tries; /* find-max: runs of a step that misses the limits before it fails */
	double loss_limit, delay_limit_ms;
	const char *json_path;
	const char *label;
	bool quiet;
	bool join_with_publisher; /* join: time a new publisher + subscriber, not a subscriber */
	double join_budget_s;     /* join: stop starting joins after this long */
	int join_gap_ms;          /* join: pause between two joins */
	int join_phase_ms;        /* join: and a random pause in [0, this) ms before each join */
	unsigned ice_pacing_ms;   /* our ICE agents' Ta (0: libnice's default, 20 ms) */
	bool dtls_passive;        /* --dtls-role passive: answers say a=setup:passive (else active,
	                           * a browser's answer: we are the DTLS client) */
	double pacing;            /* publishers' video leaves at pacing x bitrate (0: each frame's
	                           * packets back to back) */
	enum bench_rx_mode rx;    /* --rx: how subscribers receive once up (rx.h) */
	unsigned rx_poll_ms;      /* batches read every this many ms (0: when the kernel wakes us;
	                           * rx.h says why the default is 1) */
	int canary_cpu;           /* --canary-cpu: the CPU canary.h times (-1: none) */
};

/* CLOCK_MONOTONIC in ns: the send time carried in every payload (same clock as the receiver's). */
int64_t bench_now_ns(void);

/* Iterates the default context until cond(arg) is true or timeout_ms passes. Returns cond's last
 * value. cond may be NULL (then it just runs the loop for timeout_ms). */
bool bench_pump(bool (*cond)(void *), void *arg, int timeout_ms);

/* Called after every iteration of bench_pump (NULL: none): the join scenario polls state the
 * library reports no event for (the subscriber's ICE), whatever step is waiting. */
extern void (*bench_pump_hook)(void *arg);
extern void *bench_pump_hook_arg;

/* Printf to stderr unless --quiet (errors are always printed by the caller with g_printerr). */
void bench_log(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
extern bool bench_quiet;

#endif
