/* test_latency.c -- the forwarding-delay histogram (src/webrtc/latency.c): bucket boundaries,
 * cumulative snapshot, sum and count, and concurrent writers. */
#include <criterion/criterion.h>
#include <pthread.h>

#include "webrtc/latency.h"

TestSuite(latency, .init = lumen_latency_reset);

Test(latency, bounds_increase_and_end_at_infinity)
{
	for (unsigned i = 1; i < LUMEN_LATENCY_BUCKETS; i++)
		cr_assert_gt(lumen_latency_bounds_ns[i], lumen_latency_bounds_ns[i - 1]);
	cr_assert_eq(lumen_latency_bounds_ns[LUMEN_LATENCY_BUCKETS - 1], UINT64_MAX);
	cr_assert_eq(lumen_latency_bounds_ns[8], 1000000, "1 ms, the target, is a bound");
}

Test(latency, a_sample_on_a_bound_falls_in_that_bucket_and_the_snapshot_is_cumulative)
{
	struct lumen_latency_snapshot s;

	lumen_latency_record(0);
	lumen_latency_record(lumen_latency_bounds_ns[0]);     /* 10 us: first bucket */
	lumen_latency_record(lumen_latency_bounds_ns[0] + 1); /* second */
	lumen_latency_record(1000000);                        /* exactly 1 ms */
	lumen_latency_record(UINT64_MAX - 1);                 /* only +Inf */
	lumen_latency_snapshot(&s);
	cr_assert_eq(s.bucket[0], 2);
	cr_assert_eq(s.bucket[1], 3);
	cr_assert_eq(s.bucket[7], 3, "nothing between 25 us and 750 us");
	cr_assert_eq(s.bucket[8], 4);
	cr_assert_eq(s.bucket[LUMEN_LATENCY_BUCKETS - 2], 4);
	cr_assert_eq(s.bucket[LUMEN_LATENCY_BUCKETS - 1], 5);
	cr_assert_eq(s.count, 5);
}

Test(latency, sum_adds_nanoseconds)
{
	struct lumen_latency_snapshot s;

	lumen_latency_record(1500);
	lumen_latency_record(2500);
	lumen_latency_snapshot(&s);
	cr_assert_eq(s.sum_ns, 4000);
}

static void *writer(void *arg)
{
	for (int i = 0; i < 100000; i++)
		lumen_latency_record((uint64_t)(intptr_t)arg);
	return NULL;
}

Test(latency, concurrent_writers_lose_nothing)
{
	pthread_t th[4];
	struct lumen_latency_snapshot s;

	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, writer, (void *)(intptr_t)(i * 400000));
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	lumen_latency_snapshot(&s);
	cr_assert_eq(s.count, 400000);
	cr_assert_eq(s.bucket[LUMEN_LATENCY_BUCKETS - 1], 400000);
	cr_assert_eq(s.bucket[0], 100000, "the 0 ns writer");
}

#include <time.h>

static int64_t realtime_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

Test(latency, record_since_takes_the_time_elapsed_and_ignores_unset_or_future_stamps)
{
	struct lumen_latency_snapshot s;

	lumen_latency_record_since(0);                      /* not a timed packet */
	lumen_latency_record_since(realtime_ns() + 5000000000LL); /* in the future: a clock step */
	lumen_latency_record_since(realtime_ns() - 3000000); /* received 3 ms ago */
	lumen_latency_snapshot(&s);
	cr_assert_eq(s.count, 1);
	cr_assert_eq(s.bucket[9], 0, "not within 2 ms");
	cr_assert_eq(s.bucket[10], 1, "within 5 ms");
}

static void *other_thread(void *arg)
{
	*(int64_t *)arg = lumen_latency_current();
	return NULL;
}

Test(latency, the_current_packet_stamp_is_per_thread)
{
	pthread_t th;
	int64_t seen = -1;

	lumen_latency_set_current(42);
	pthread_create(&th, NULL, other_thread, &seen);
	pthread_join(th, NULL);
	cr_assert_eq(seen, 0, "another thread has its own (unset) stamp");
	cr_assert_eq(lumen_latency_current(), 42);
	lumen_latency_set_current(0);
}
