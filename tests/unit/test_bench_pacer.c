/* test_bench_pacer.c -- lumen-bench's send pacer (tools/bench/pacer.h): packets leave in order,
 * unchanged, at the rate; a pause does not become a burst; a full queue or an oversized packet is
 * refused so the caller can send it at once. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "pacer.h"

#define MS 1000000LL

struct sink {
	unsigned n;
	size_t bytes;
	uint8_t order[256];
};

static void collect(void *user, uint8_t *pkt, size_t len)
{
	struct sink *s = user;

	if (s->n < sizeof(s->order))
		s->order[s->n] = pkt[0];
	s->n++;
	s->bytes += len;
}

static void push_n(struct bench_pacer *p, unsigned n, size_t len)
{
	uint8_t pkt[BENCH_PACER_PACKET];

	for (unsigned i = 0; i < n; i++) {
		memset(pkt, 0, len);
		pkt[0] = (uint8_t)i;
		cr_assert_eq(bench_pacer_push(p, pkt, len), 0, "push %u", i);
	}
}

/* Drains every step_ms from t0 to t1 (inclusive) and returns the time the queue emptied, or -1. */
static int64_t drain_until_empty(struct bench_pacer *p, struct sink *s, int64_t t0, int64_t t1,
                                 int64_t step)
{
	for (int64_t t = t0; t <= t1; t += step) {
		bench_pacer_drain(p, t, collect, s);
		if (!bench_pacer_queued(p))
			return t;
	}
	return -1;
}

Test(bench_pacer, a_keyframe_leaves_at_the_rate_in_order)
{
	/* 3 Mbit/s = 375 bytes per ms: 20 packets of 1200 bytes take 24000 / 375 = 64 ms. */
	struct bench_pacer *p = bench_pacer_new(3000000, 64);
	struct sink s = {0};
	int64_t done;

	cr_assert_not_null(p);
	push_n(p, 20, 1200);
	/* The initial budget (the 1875-byte burst cap: 5 ms at the rate) covers one packet. */
	cr_assert_eq(bench_pacer_drain(p, 0, collect, &s), 1, "only the first packet goes at once");
	done = drain_until_empty(p, &s, 2 * MS, 200 * MS, 2 * MS);
	cr_assert_eq(s.n, 20);
	cr_assert_eq(s.bytes, 20 * 1200);
	/* The 20th goes once 1875 + 375 t >= 20 * 1200, at t = 59 ms: the next drain, 60 ms. Back to
	 * back they would all have gone at 0. */
	cr_assert(done >= 58 * MS && done <= 62 * MS, "queue emptied at %lld ms", (long long)(done / MS));
	for (unsigned i = 0; i < 20; i++)
		cr_assert_eq(s.order[i], i, "packet %u out of order", i);
	bench_pacer_free(p);
}

struct copy_out {
	uint8_t *dst;
	size_t len;
};

static void copy_out(void *user, uint8_t *b, size_t len)
{
	struct copy_out *o = user;

	memcpy(o->dst, b, len);
	o->len = len;
}

Test(bench_pacer, the_bytes_sent_are_the_bytes_pushed)
{
	struct bench_pacer *p = bench_pacer_new(8000000, 4);
	uint8_t pkt[300], got[300];
	struct copy_out out = {got, 0};

	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 7 + 3);
	cr_assert_eq(bench_pacer_push(p, pkt, sizeof(pkt)), 0);
	memset(pkt, 0, sizeof(pkt)); /* the pacer keeps its own copy */
	cr_assert_eq(bench_pacer_drain(p, 0, copy_out, &out), 1);
	cr_assert_eq(out.len, 300);
	for (size_t i = 0; i < sizeof(got); i++)
		cr_assert_eq(got[i], (uint8_t)(i * 7 + 3), "byte %zu", i);
	bench_pacer_free(p);
}

Test(bench_pacer, a_pause_does_not_become_a_burst)
{
	/* 1 Mbit/s: the burst cap is one slot, 1500 bytes (5 ms at the rate is only 625). */
	struct bench_pacer *p = bench_pacer_new(1000000, 64);
	struct sink s = {0};

	bench_pacer_drain(p, 0, collect, &s);
	bench_pacer_drain(p, 10000 * MS, collect, &s); /* ten idle seconds */
	push_n(p, 10, 1200);
	cr_assert_eq(bench_pacer_drain(p, 10000 * MS + 1, collect, &s), 1,
	             "after a pause one packet goes, not the ten seconds' worth");
	/* 300 bytes are left: the next packet needs 900 more, 7.2 ms at 125 bytes per ms */
	cr_assert_eq(bench_pacer_drain(p, 10000 * MS + 5 * MS, collect, &s), 0);
	cr_assert_eq(bench_pacer_drain(p, 10000 * MS + 10 * MS, collect, &s), 1);
	bench_pacer_free(p);
}

Test(bench_pacer, a_full_queue_and_an_oversized_packet_are_refused)
{
	struct bench_pacer *p = bench_pacer_new(1000000, 3);
	uint8_t big[BENCH_PACER_PACKET + 1] = {0};

	push_n(p, 3, 100);
	cr_assert_eq(bench_pacer_push(p, big, 100), -ENOSPC);
	cr_assert_eq(bench_pacer_push(p, big, sizeof(big)), -EMSGSIZE);
	cr_assert_eq(bench_pacer_queued(p), 3);
	bench_pacer_free(p);
}

Test(bench_pacer, bad_arguments_give_no_pacer)
{
	cr_assert_null(bench_pacer_new(0, 8));
	cr_assert_null(bench_pacer_new(1000000, 0));
}
