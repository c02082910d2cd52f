/* test_pktcache.c -- specification tests for src/webrtc/pktcache.c (retransmission cache).
 *
 * Buffers come from a real pktbuf pool, so the pool's in_use count shows which references the
 * cache still holds (one received buffer shared by several caches counts once), and its chunk
 * count shows that steady state allocates nothing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

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

/* put() lets expired packets go in batches (the oldest slot is cold memory, pktcache.c), but
 * never serves one past its hold, and an explicit expire releases at once. */
Test(pktcache, put_releases_expired_packets_in_batches_but_never_serves_them)
{
	struct lumen_pktcache *c = lumen_pktcache_new(NULL);
	struct lumen_pktcache_stats st;
	uint64_t t;

	put(c, 1, 100, 0);
	put(c, 2, 100, 1000);
	put(c, 3, 100, SEC + 2000); /* 1 and 2 are past their hold: not served, */
	cr_assert(!has(c, 1, SEC + 2000));
	cr_assert(!has(c, 2, SEC + 2000));
	cr_assert(has(c, 3, SEC + 2000));
	lumen_pktcache_stats(c, &st); /* but not yet released: less than the batch's slack */
	cr_assert_eq(st.packets, 3);
	/* Later puts release them, both in one go, within 50 ms of their hold. */
	for (t = SEC + 3000; t < SEC + 50000; t += 1000) {
		put(c, (uint16_t)(4 + (t - SEC) / 1000), 100, t);
		lumen_pktcache_stats(c, &st);
		if (st.evicted_age)
			break;
	}
	cr_assert_eq(st.evicted_age, 2, "released %" PRIu64 " by %" PRIu64 " us", st.evicted_age, t);
	cr_assert(has(c, 3, t));
	/* An explicit expire is exact. */
	lumen_pktcache_expire(c, 2 * SEC + 2001);
	lumen_pktcache_stats(c, &st);
	cr_assert_eq(st.evicted_age, 3);
	cr_assert(!has(c, 3, 2 * SEC + 2001));
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

/* ---- entries that reference a shared received packet (header inline, payload in the buffer) ---- */

/* A received packet in a buffer of the pool: 12-byte header (seq, ssrc 0x1111), payload of n
 * bytes counting up from first. Our reference. */
static struct lumen_pktbuf *received(uint16_t seq, size_t n, uint8_t first)
{
	struct lumen_pktbuf *b = lumen_pktbuf_get(pool);

	cr_assert_not_null(b);
	memset(b->data, 0, 12);
	b->data[0] = 0x80;
	b->data[1] = 96;
	wr16be(b->data + 2, seq);
	wr32be(b->data + 8, 0x1111);
	for (size_t i = 0; i < n; i++)
		b->data[12 + i] = (uint8_t)(first + i);
	b->len = 12 + n;
	return b;
}

/* What a receiving pc sends for src: its own header (ssrc, seq, and hdr_len - 12 bytes of
 * extension block) then src's payload, into out. Returns the header length. */
static size_t rewritten(const struct lumen_pktbuf *src, uint32_t ssrc, uint16_t seq, size_t ext,
			uint8_t *out)
{
	size_t h = 12 + ext;

	memcpy(out, src->data, 12);
	out[0] |= ext ? 0x10 : 0;
	wr16be(out + 2, seq);
	wr32be(out + 8, ssrc);
	for (size_t i = 0; i < ext; i++)
		out[12 + i] = (uint8_t)(0xa0 + i);
	memcpy(out + h, src->data + 12, src->len - 12);
	return h;
}

Test(pktcache, rebuilds_each_receivers_header_in_front_of_the_shared_payload)
{
	struct lumen_pktcache *a = lumen_pktcache_new(NULL), *b = lumen_pktcache_new(NULL);
	struct lumen_pktbuf *src = received(500, 1000, 7);
	uint8_t sa[1500], sb[1500], got[1500];
	size_t ha = rewritten(src, 0xaaaa, 40, 8, sa), hb = rewritten(src, 0xbbbb, 9000, 0, sb);
	struct lumen_pktcache_stats st;

	cr_assert_eq(lumen_pktcache_put_ref(a, 40, src, src->data + 12, 1000, sa, ha, 0), 0);
	cr_assert_eq(lumen_pktcache_put_ref(b, 9000, src, src->data + 12, 1000, sb, hb, 0), 0);
	lumen_pktbuf_unref(src);
	cr_assert_eq(in_use(), 1, "one buffer for both caches: the payload is not copied");

	cr_assert_eq(lumen_pktcache_copy(a, 40, SEC / 2, got, sizeof(got)), (ssize_t)(ha + 1000));
	cr_assert_arr_eq(got, sa, ha + 1000, "receiver a's header, then the payload");
	cr_assert_eq(lumen_pktcache_copy(b, 9000, SEC / 2, got, sizeof(got)), (ssize_t)(hb + 1000));
	cr_assert_arr_eq(got, sb, hb + 1000, "receiver b's header, then the payload");
	cr_assert_eq(lumen_pktcache_copy(a, 41, SEC / 2, got, sizeof(got)), -ENOENT);
	cr_assert_eq(lumen_pktcache_copy(a, 40, SEC / 2, got, ha + 999), -ENOSPC);
	lumen_pktcache_stats(a, &st);
	cr_assert_eq(st.hits, 1);
	cr_assert_eq(st.misses, 1);
	cr_assert_eq(st.bytes, ha + 1000);
	lumen_pktcache_free(a);
	lumen_pktcache_free(b);
	cr_assert_eq(in_use(), 0);
}

Test(pktcache, the_shared_buffer_goes_back_only_when_the_last_cache_lets_it_go)
{
	struct lumen_pktcache *a = lumen_pktcache_new(NULL), *b = lumen_pktcache_new(NULL);
	struct lumen_pktbuf *src = received(1, 200, 0);
	uint8_t h[1500], got[1500]; /* the packet as sent; the cache keeps its header */
	size_t hl = rewritten(src, 0xaaaa, 1, 4, h);

	/* b caches it half a second later: it holds it half a second longer */
	cr_assert_eq(lumen_pktcache_put_ref(a, 1, src, src->data + 12, 200, h, hl, 0), 0);
	cr_assert_eq(lumen_pktcache_put_ref(b, 1, src, src->data + 12, 200, h, hl, SEC / 2), 0);
	lumen_pktbuf_unref(src);
	lumen_pktcache_expire(a, SEC + 1);
	cr_assert_eq(lumen_pktcache_copy(a, 1, SEC + 1, got, sizeof(got)), -ENOENT);
	cr_assert_eq(in_use(), 1, "b still holds it");
	cr_assert_eq(lumen_pktcache_copy(b, 1, SEC + 1, got, sizeof(got)), (ssize_t)(hl + 200));
	cr_assert_arr_eq(got + hl, src->data + 12, 200, "the payload is intact");
	lumen_pktcache_expire(b, SEC + SEC / 2 + 1);
	cr_assert_eq(in_use(), 0, "the last cache let it go");
	/* replaced by a packet with the same seq, the old buffer goes too */
	src = received(2, 100, 0);
	cr_assert_eq(lumen_pktcache_put_ref(a, 2, src, src->data + 12, 100, h, hl, 2 * SEC), 0);
	lumen_pktbuf_unref(src);
	src = received(2, 100, 50);
	cr_assert_eq(lumen_pktcache_put_ref(a, 2, src, src->data + 12, 100, h, hl, 2 * SEC), 0);
	lumen_pktbuf_unref(src);
	cr_assert_eq(in_use(), 1);
	cr_assert_eq(lumen_pktcache_copy(a, 2, 2 * SEC, got, sizeof(got)), (ssize_t)(hl + 100));
	cr_assert_eq(got[hl], 50, "the newer packet");
	lumen_pktcache_free(a);
	lumen_pktcache_free(b);
	cr_assert_eq(in_use(), 0);
}

Test(pktcache, trusts_a_buffer_only_for_bytes_inside_it)
{
	struct lumen_pktcache *c = lumen_pktcache_new(NULL);
	struct lumen_pktbuf *src = received(3, 100, 0);
	uint8_t copy[200], h[64];
	size_t end = sizeof(src->storage);

	memcpy(copy, src->data, src->len);
	cr_assert(lumen_pktcache_buf_holds(src, src->data, src->len));
	cr_assert(lumen_pktcache_buf_holds(src, src->storage, end), "all of the storage");
	cr_assert(lumen_pktcache_buf_holds(src, src->storage + end, 0), "empty, at its end");
	cr_assert(!lumen_pktcache_buf_holds(src, src->storage + 1, end), "one past its end");
	cr_assert(!lumen_pktcache_buf_holds(src, src->storage + end - 10, SIZE_MAX - 5),
		  "a length that wraps around");
	cr_assert(!lumen_pktcache_buf_holds(src, src->storage - 1, 10), "before it");
	cr_assert(!lumen_pktcache_buf_holds(src, copy, src->len),
		  "a plugin's modified copy passed with the original's buffer");
	cr_assert(!lumen_pktcache_buf_holds(NULL, src->data, src->len));
	/* The cache refuses such a payload (the caller falls back to a full copy). */
	cr_assert_eq(lumen_pktcache_put_ref(c, 3, src, copy + 12, 100, copy, 12, 0), -EINVAL);
	cr_assert_eq(in_use(), 1, "no reference taken");
	lumen_pktbuf_unref(src);
	cr_assert_eq(in_use(), 0);
	cr_assert_eq(lumen_pktcache_copy(c, 3, 0, h, sizeof(h)), -ENOENT);
	lumen_pktcache_free(c);
}

Test(pktcache, refuses_a_header_too_long_to_keep_inline)
{
	struct lumen_pktcache *c = lumen_pktcache_new(NULL);
	struct lumen_pktbuf *src = received(4, 100, 0);
	uint8_t h[LUMEN_PKTCACHE_HDR_MAX + 1] = { 0x80 }, got[1500];

	cr_assert_eq(lumen_pktcache_put_ref(c, 4, src, src->data + 12, 100, h, sizeof(h), 0),
		     -EINVAL);
	cr_assert_eq(in_use(), 1, "no reference taken");
	cr_assert_eq(lumen_pktcache_put_ref(c, 4, src, src->data + 12, 100, h, sizeof(h) - 1, 0), 0);
	cr_assert_eq(lumen_pktcache_copy(c, 4, 0, got, sizeof(got)), (ssize_t)(sizeof(h) - 1 + 100));
	lumen_pktbuf_unref(src);
	lumen_pktcache_free(c);
	cr_assert_eq(in_use(), 0);
}

/* Whole packets (the fallback) and referenced ones mix in one ring; copy rebuilds either. */
Test(pktcache, whole_and_referenced_packets_mix)
{
	struct lumen_pktcache *c = lumen_pktcache_new(NULL);
	struct lumen_pktbuf *src = received(10, 300, 1);
	uint8_t h[1500], got[1500]; /* the packet as sent; the cache keeps its header */
	size_t hl = rewritten(src, 0xcccc, 11, 12, h);

	cr_assert_eq(put(c, 10, 500, 0), 0);
	cr_assert_eq(lumen_pktcache_put_ref(c, 11, src, src->data + 12, 300, h, hl, 0), 0);
	lumen_pktbuf_unref(src);
	cr_assert_eq(lumen_pktcache_copy(c, 10, 0, got, sizeof(got)), 500);
	cr_assert_eq(rd16be(got), 10);
	cr_assert_eq(lumen_pktcache_copy(c, 11, 0, got, sizeof(got)), (ssize_t)(hl + 300));
	cr_assert_arr_eq(got, h, hl);
	cr_assert_eq(got[hl], 1);
	cr_assert_eq(got[hl + 299], (uint8_t)300);
	lumen_pktcache_free(c);
	cr_assert_eq(in_use(), 0);
}
