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
