/* srvdelay.h -- the delay lumen itself adds to what it forwards, read from its own histogram
 * (lumen_forward_delay_seconds on the admin /metrics: kernel receive timestamp of a packet to the
 * hand-off of its whole fan-out, src/webrtc/latency.h) at the start and the end of a measured
 * window, for issue #7's "delay added by the server". lumen-bench's own delay is the whole path
 * (publisher's send to the subscriber's socket) and so only an upper bound of the server's share.
 * Janus has no such histogram: it is read for lumen only (--server-metrics).
 *
 * Parsing and quantiles are pure functions (tests/unit/test_bench_srvdelay.c); fetching is one
 * blocking HTTP GET on a session of its own. */
#ifndef BENCH_SRVDELAY_H
#define BENCH_SRVDELAY_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_SRVDELAY_BUCKETS 32

/* A cumulative Prometheus histogram: le[i] (seconds, increasing; INFINITY for +Inf) and the
 * number of samples <= le[i]. */
struct bench_srvdelay {
	size_t n;
	double le[BENCH_SRVDELAY_BUCKETS];
	uint64_t count[BENCH_SRVDELAY_BUCKETS];
};

/* Fills *out from a Prometheus text exposition (text[0..len), not NUL-terminated). Returns 0, or
 * -1 when it has no lumen_forward_delay_seconds buckets, they are not increasing, or there are
 * more than BENCH_SRVDELAY_BUCKETS. */
int bench_srvdelay_parse(const char *text, size_t len, struct bench_srvdelay *out);

/* Samples between two readings of the same histogram (b later than a); 0 when their buckets
 * differ. */
uint64_t bench_srvdelay_samples(const struct bench_srvdelay *a, const struct bench_srvdelay *b);

/* The p-quantile (0 < p <= 1) of the samples between a and b, as the upper bound (ms) of the
 * first bucket that holds it: "p99 0.5" means at least 99 % took at most 0.5 ms. -1 without
 * samples; INFINITY when it is in the +Inf bucket. */
double bench_srvdelay_quantile_ms(const struct bench_srvdelay *a, const struct bench_srvdelay *b,
                                  double p);

/* GETs url (lumen's admin /metrics) and parses it. Returns 0, or -1 with *err (g_malloc'd). */
int bench_srvdelay_fetch(const char *url, struct bench_srvdelay *out, char **err);

#endif
