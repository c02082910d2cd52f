/* latency.c -- the forwarding-delay histogram (see latency.h). */
#include "webrtc/latency.h"

#include <stdatomic.h>
#include <time.h>

#define US 1000ull
#define MS 1000000ull

/* Fine below a millisecond, where the target (p99 < 1 ms) lies; coarse above. */
const uint64_t lumen_latency_bounds_ns[LUMEN_LATENCY_BUCKETS] = {
    10 * US,  25 * US,  50 * US,  100 * US, 200 * US, 300 * US, 500 * US, 750 * US,
    1 * MS,   2 * MS,   5 * MS,   10 * MS,  20 * MS,  50 * MS,  100 * MS, UINT64_MAX,
};

static atomic_uint_fast64_t counts[LUMEN_LATENCY_BUCKETS]; /* per bucket, not cumulative */
static atomic_uint_fast64_t total, sum_ns;

void lumen_latency_record(uint64_t ns)
{
	unsigned i = 0;

	while (ns > lumen_latency_bounds_ns[i])
		i++; /* the last bound is UINT64_MAX: always stops */
	atomic_fetch_add_explicit(&counts[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sum_ns, ns, memory_order_relaxed);
	atomic_fetch_add_explicit(&total, 1, memory_order_relaxed);
}

void lumen_latency_snapshot(struct lumen_latency_snapshot *snap)
{
	uint64_t run = 0;

	for (unsigned i = 0; i < LUMEN_LATENCY_BUCKETS; i++) {
		run += atomic_load_explicit(&counts[i], memory_order_relaxed);
		snap->bucket[i] = run;
	}
	snap->count = atomic_load_explicit(&total, memory_order_relaxed);
	snap->sum_ns = atomic_load_explicit(&sum_ns, memory_order_relaxed);
}

void lumen_latency_reset(void)
{
	for (unsigned i = 0; i < LUMEN_LATENCY_BUCKETS; i++)
		atomic_store_explicit(&counts[i], 0, memory_order_relaxed);
	atomic_store_explicit(&total, 0, memory_order_relaxed);
	atomic_store_explicit(&sum_ns, 0, memory_order_relaxed);
}

static _Thread_local int64_t current_rx_ns;

void lumen_latency_set_current(int64_t rx_ns)
{
	current_rx_ns = rx_ns;
}

int64_t lumen_latency_current(void)
{
	return current_rx_ns;
}

void lumen_latency_record_since(int64_t rx_ns)
{
	struct timespec now;
	int64_t ns;

	if (!rx_ns || clock_gettime(CLOCK_REALTIME, &now) < 0)
		return;
	ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - rx_ns;
	if (ns >= 0 && ns < (int64_t)10 * 1000000000) /* a clock step is not a delay */
		lumen_latency_record((uint64_t)ns);
}
