/* latency.h -- how long the server holds a packet it forwards (issue #7's "delay added by the
 * server"): from the kernel's receive timestamp of an incoming packet to the moment every send it
 * caused (its fan-out to each subscriber) has been handed to the kernel. It includes the time the
 * packet waited in the socket's receive queue while the thread was busy, which is what grows
 * under load; it excludes the wire and the receivers.
 *
 * A process-wide histogram of atomic counters, written from any media thread without locks and
 * read by the metrics scrape (lumen_forward_delay_seconds). ice.c records the packets that caused
 * sends, when batching is on (with sendto(2) per packet there is no single hand-off to time):
 * every one the receive loop read (rxloop.h: the kernel timestamp comes with the batch), and
 * every one libnice read from a selected plain UDP pair (ice.c reads its timestamp with
 * SIOCGSTAMPNS, which the packet's arrival time needs anyway). Engine code: no logging, no
 * clock of its own. */
#ifndef LUMEN_WEBRTC_LATENCY_H
#define LUMEN_WEBRTC_LATENCY_H

#include <stdint.h>

#define LUMEN_LATENCY_BUCKETS      16

/* Upper bounds of the buckets in nanoseconds, increasing; the last is UINT64_MAX (+Inf). */
extern const uint64_t lumen_latency_bounds_ns[LUMEN_LATENCY_BUCKETS];

struct lumen_latency_snapshot {
	uint64_t bucket[LUMEN_LATENCY_BUCKETS]; /* cumulative: samples <= bound i */
	uint64_t count;
	uint64_t sum_ns;
};

/* Adds one sample. Any thread. */
void lumen_latency_record(uint64_t ns);

/* Reads every counter (each atomically; the set is not one instant: a scrape may see a sample
 * in count but not yet in its bucket). */
void lumen_latency_snapshot(struct lumen_latency_snapshot *snap);

/* The kernel receive time (CLOCK_REALTIME, ns) of the packet the calling thread is handling, when
 * it is a timed sample, else 0: ice.c sets it around its receive callback, so that sends handed
 * to a transmit worker carry it and the worker records the delay after its own flush. */
void lumen_latency_set_current(int64_t rx_ns);
int64_t lumen_latency_current(void);

/* Records now - rx_ns (CLOCK_REALTIME) when rx_ns is set and the difference is sane. */
void lumen_latency_record_since(int64_t rx_ns);

/* Tests: zeroes every counter. */
void lumen_latency_reset(void);

#endif
