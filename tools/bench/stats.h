/* stats.h -- what lumen-bench's subscribers measure: packets, bytes, loss from sequence numbers
 * (per SSRC, extended), and one-way delay from the send time each publisher writes at the end of
 * every payload (a trailer: magic + CLOCK_MONOTONIC ns, big-endian).
 *
 * Pure bookkeeping, no I/O: one struct bench_stats is shared by every subscriber of a run (the
 * window and the delay histogram), each subscriber keeps its own struct bench_streams. */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_TRAILER_LEN 12
#define BENCH_MAGIC       0x4c4d4e42u /* "LMNB" */

/* Delay histogram: 10 us buckets up to 100 ms, then 1 ms buckets up to 10 s (the rest in the
 * last bucket; max is exact). */
#define BENCH_HIST_FINE   10000
#define BENCH_HIST_COARSE 9900

struct bench_stats {
	bool measuring;          /* inside the measured window */
	uint64_t packets, bytes; /* received in the window, all subscribers */
	uint64_t expected;       /* by sequence numbers, in the window */
	uint64_t seq_rx;         /* received, counted the same way (for loss) */
	uint64_t late;           /* packets without a trailer (padding, probes) */
	uint64_t delay_n;
	int64_t delay_max_ns;
	uint32_t hist[BENCH_HIST_FINE + BENCH_HIST_COARSE];
};

#define BENCH_MAX_STREAMS 32

struct bench_stream {
	uint32_t ssrc;
	uint64_t ext_max;   /* extended highest sequence number */
	uint64_t win_start; /* ext_max when the window began */
	uint64_t win_rx;    /* packets received since the window began */
	bool win_open;
};

struct bench_streams {
	struct bench_stream s[BENCH_MAX_STREAMS];
	size_t n;
	uint64_t total_rx;   /* every packet, window or not */
	int64_t first_rx_ns; /* CLOCK_MONOTONIC of the first packet, 0 before */
};

/* Writes the trailer (magic, send_ns) into out[0..BENCH_TRAILER_LEN). */
void bench_trailer_write(uint8_t *out, int64_t send_ns);
/* Reads the send time from the end of payload[0..len); returns false when there is no trailer. */
bool bench_trailer_read(const uint8_t *payload, size_t len, int64_t *send_ns);

/* One received packet of subscriber ss (ssrc, seq, its RTP payload) at now_ns. */
void bench_stats_packet(struct bench_stats *st, struct bench_streams *ss, uint32_t ssrc,
                        uint16_t seq, const uint8_t *payload, size_t len, size_t wire_len,
                        int64_t now_ns);

/* Opens the window for st and for every stream already seen by ss (streams seen later open at
 * their first packet). */
void bench_stats_open(struct bench_stats *st, struct bench_streams *ss);
/* Adds ss's expected and received counts of the window to st (call for every subscriber at the
 * end). */
void bench_stats_close(struct bench_stats *st, const struct bench_streams *ss);

/* Delay percentile p (0..100) in ms, from the histogram. */
double bench_stats_delay_ms(const struct bench_stats *st, double p);

#endif
