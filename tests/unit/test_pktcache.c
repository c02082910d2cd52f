/* test_pktcache.c -- specification tests for src/webrtc/pktcache.c (retransmission cache).
 *
 * Buffers come from a real pktbuf pool, so the pool's in_use count shows which references the
 * cache still holds, and its chunk count shows that steady state allocates nothing. */
#include <criterion/criterion.h>
#include <errno.h>

#include "webrtc/bytes.h"
#include "webrtc/pktcache.h"

#define SEC 1000000ull

static struct lumen_pktbuf_pool *pool;

static void setup(void)
{
	pool = lumen_pktbuf_pool_new(64, 4096);
}

static void teardown(void)
{
	lumen_pktbuf_pool_free(pool);
}

/* Puts packet seq of len bytes, tagged with seq in its first bytes, and drops our reference. */
static int put(struct lumen_pktcache *c, uint16_t seq, size_t len, uint64_t now)
{
	struct lumen_pktbuf *b = lumen_pktbuf_get(pool);
	int r;

	cr_assert_not_null(b);
	b->len = len;
	wr16be(b->data, seq);
	r = lumen_pktcache_put(c, seq, b, now);
	lumen_pktbuf_unref(b);
	return r;
}

static bool has(struct lumen_pktcache *c, uint16_t seq, uint64_t now)
{
	struct lumen_pktbuf *b = lumen_pktcache_get(c, seq, now);
	bool ok = b && rd16be(b->data) == seq;

	lumen_pktbuf_unref(b);
	return ok;
}

static size_t in_use(void)
{
	struct lumen_pktbuf_stats st;

	lumen_pktbuf_pool_stats(pool, &st);
	return st.in_use;
}

TestSuite(pktcache, .init = setup, .fini = teardown);

Test(pktcache, finds_held_packets_and_misses_others)
{
	struct lumen_pktcache *c = lumen_pktcache_new(NULL);
	struct lumen_pktcache_stats st;

	for (uint16_t s = 10; s < 20; s++)
		cr_assert_eq(put(c, s, 100, 0), 0);
	cr_assert(has(c, 15, 0));
	cr_assert(has(c, 10, 0));
	cr_assert(!has(c, 9, 0));
	cr_assert(!has(c, 20, 0));
	lumen_pktcache_stats(c, &st);
	cr_assert_eq(st.hits, 2);
	cr_assert_eq(st.misses, 2);
	cr_assert_eq(st.packets, 10);
	cr_assert_eq(st.bytes, 1000);
	cr_assert_eq(in_use(), 10);
	lumen_pktcache_free(c);
	cr_assert_eq(in_use(), 0);
}

Test(pktcache, holds_packets_for_the_hold_time_then_lets_them_go)
{
	struct lumen_pktcache_cfg cfg = {.hold_us = 100}; /* raised to the 1 s minimum */
	struct lumen_pktcache *c = lumen_pktcache_new(&cfg);
	struct lumen_pktcache_stats st;

	put(c, 1, 100, 0);
	put(c, 2, 100, SEC / 2);
	cr_assert(has(c, 1, SEC));
	cr_assert(!has(c, 1, SEC + 1));
	lumen_pktcache_expire(c, SEC + 1);
	lumen_pktcache_stats(c, &st);
	cr_assert_eq(st.packets, 1);
	cr_assert_eq(st.evicted_age, 1);
	cr_assert_eq(in_use(), 1);
	cr_assert(has(c, 2, SEC + 1));
	lumen_pktcache_expire(c, 2 * SEC);
	cr_assert_eq(in_use(), 0);
	lumen_pktcache_free(c);
}

Test(pktcache, grows_to_keep_young_packets_then_evicts_by_size_at_its_cap)
{
	struct lumen_pktcache_cfg cfg = {.max_packets = 64, .initial_slots = 16};
	struct lumen_pktcache *c = lumen_pktcache_new(&cfg);
	struct lumen_pktcache_stats st;

	for (uint16_t s = 0; s < 50; s++)
		put(c, s, 10, s * 1000u);
	lumen_pktcache_stats(c, &st);
	cr_assert_eq(st.slots, 64);
	cr_assert_eq(st.grows, 2);
	cr_assert_eq(st.evicted_size, 0);
	for (uint16_t s = 0; s < 50; s++)
		cr_assert(has(c, s, 60000), "seq %u", s);
	for (uint16_t s = 50; s < 150; s++)
		put(c, s, 10, s * 1000u);
	lumen_pktcache_stats(c, &st);
	cr_assert_eq(st.packets, 64);
	cr_assert_eq(st.evicted_size, 86);
	cr_assert(!has(c, 85, 200000));
	cr_assert(has(c, 86, 200000));
	cr_assert(has(c, 149, 200000));
	lumen_pktcache_free(c);
}

Test(pktcache, spans_sequence_wrap_around)
{
	struct lumen_pktcache *c = lumen_pktcache_new(NULL);

	for (uint16_t s = 65530, i = 0; i < 20; i++, s++)
		put(c, s, 10, i);
	for (uint16_t s = 65530, i = 0; i < 20; i++, s++)
		cr_assert(has(c, s, 100), "seq %u", s);
	cr_assert(!has(c, 65529, 100));
	cr_assert(!has(c, 14, 100));
	lumen_pktcache_free(c);
}

Test(pktcache, caps_the_bytes_it_holds)
{
	struct lumen_pktcache_cfg cfg = {.max_bytes = 3000};
	struct lumen_pktcache *c = lumen_pktcache_new(&cfg);
	struct lumen_pktcache_stats st;

	for (uint16_t s = 0; s < 10; s++)
		put(c, s, 1000, 0);
	lumen_pktcache_stats(c, &st);
	cr_assert_eq(st.bytes, 3000);
	cr_assert_eq(st.packets, 3);
	cr_assert(has(c, 7, 0) && has(c, 9, 0) && !has(c, 6, 0));
	cr_assert_eq(in_use(), 3);
	lumen_pktcache_free(c);
}

Test(pktcache, replaces_a_packet_with_the_same_seq_and_refuses_too_old_ones)
{
	struct lumen_pktcache_cfg cfg = {.max_packets = 16, .initial_slots = 16};
	struct lumen_pktcache *c = lumen_pktcache_new(&cfg);

	put(c, 100, 10, 0);
	put(c, 100, 20, 0);
	cr_assert_eq(in_use(), 1);
	put(c, 110, 10, 0);
	cr_assert_eq(put(c, 98, 10, 0), 0); /* late but within the ring: span grows back */
	cr_assert(has(c, 98, 0));
	cr_assert_eq(put(c, 80, 10, 0), -ERANGE);
	cr_assert_eq(in_use(), 3);
	lumen_pktcache_free(c);
	cr_assert_eq(in_use(), 0);
}

Test(pktcache, runs_without_allocating_in_steady_state)
{
	struct lumen_pktcache *c = lumen_pktcache_new(NULL);
	struct lumen_pktcache_stats st, st2;
	struct lumen_pktbuf_stats ps, ps2;
	uint64_t t = 0;
	uint16_t seq = 0;

	/* 500 packets per second: after 2 s the ring and the pool have their final size */
	for (int i = 0; i < 1000; i++, seq++, t += 2000)
		put(c, seq, 1200, t);
	lumen_pktcache_stats(c, &st);
	lumen_pktbuf_pool_stats(pool, &ps);
	for (int i = 0; i < 20000; i++, seq++, t += 2000) {
		put(c, seq, 1200, t);
		cr_assert(has(c, (uint16_t)(seq - 400), t));
	}
	lumen_pktcache_stats(c, &st2);
	lumen_pktbuf_pool_stats(pool, &ps2);
	cr_assert_eq(st2.grows, st.grows);
	cr_assert_eq(st2.slots, st.slots);
	cr_assert_eq(ps2.chunks, ps.chunks);
	cr_assert_eq(st2.evicted_size, 0);
	cr_assert_geq(st2.packets, 500); /* one second's worth */
	lumen_pktcache_free(c);
}

Test(pktcache, rejects_bad_sizes)
{
	struct lumen_pktcache_cfg bad1 = {.max_packets = 1000};
	struct lumen_pktcache_cfg bad2 = {.max_packets = 65536};
	struct lumen_pktcache_cfg bad3 = {.max_packets = 64, .initial_slots = 128};

	cr_assert_null(lumen_pktcache_new(&bad1));
	cr_assert_null(lumen_pktcache_new(&bad2));
	cr_assert_null(lumen_pktcache_new(&bad3));
}

/* Random walk over sequence jumps (forward, late, huge) and time: the references the cache holds
 * always match its packet count, and every hit is the packet asked for. */
Test(pktcache, keeps_its_references_consistent_under_random_traffic)
{
	struct lumen_pktcache_cfg cfg = {
	    .max_packets = 128, .initial_slots = 16, .max_bytes = 60000};
	struct lumen_pktcache *c = lumen_pktcache_new(&cfg);
	struct lumen_pktcache_stats st;
	uint32_t x = 7;
	uint16_t seq = 100;
	uint64_t t = 0;

	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		switch ((x >> 16) % 16) {
		case 0:
			seq = (uint16_t)(seq + (x >> 8) % 40000); /* huge jump, either direction */
			break;
		case 1:
		case 2:
			seq = (uint16_t)(seq - (x >> 8) % 200); /* late packet */
			break;
		default:
			seq = (uint16_t)(seq + 1 + (x >> 8) % 3);
		}
		t += (x >> 4) % 5000;
		if ((x >> 20) % 50 == 0)
			t += 2 * SEC; /* a pause: everything expires */
		put(c, seq, 100 + (x >> 8) % 1100, t);
		for (int k = 0; k < 4; k++) {
			uint16_t q = (uint16_t)(seq - k * 7);
			struct lumen_pktbuf *b = lumen_pktcache_get(c, q, t);

			cr_assert(!b || rd16be(b->data) == q, "asked %u", q);
			lumen_pktbuf_unref(b);
		}
		lumen_pktcache_stats(c, &st);
		cr_assert_eq(st.packets, in_use(), "step %d", i);
		cr_assert_leq(st.packets, 128);
		cr_assert_leq(st.bytes, 60000);
	}
	lumen_pktcache_free(c);
	cr_assert_eq(in_use(), 0);
}
