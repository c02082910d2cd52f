/* test_pktbuf.c -- specification tests for src/webrtc/pktbuf.c (pooled, refcounted buffers).
 *
 * Allocation is counted through the pool's own stats (chunks). The cross-thread tests use plain
 * pthreads with bounded loops: a consumer thread releases what the owner hands it, so buffers
 * come back through the lock-free return stack while the owner keeps getting. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "webrtc/pktbuf.h"

Test(pktbuf_get, hands_out_an_empty_buffer_with_headroom)
{
	struct lumen_pktbuf_pool *pool = lumen_pktbuf_pool_new(4, 8);
	struct lumen_pktbuf *b;

	cr_assert_not_null(pool);
	b = lumen_pktbuf_get(pool);
	cr_assert_not_null(b);
	cr_assert_eq(b->len, 0);
	cr_assert_eq(lumen_pktbuf_headroom(b), LUMEN_PKTBUF_HEADROOM);
	cr_assert_eq(lumen_pktbuf_tailroom(b), LUMEN_PKTBUF_SIZE);
	memset(b->data, 0xab, LUMEN_PKTBUF_SIZE);
	b->len = 100;
	lumen_pktbuf_push(b, 2)[0] = 0x12;
	cr_assert_eq(b->len, 102);
	cr_assert_eq(lumen_pktbuf_headroom(b), LUMEN_PKTBUF_HEADROOM - 2);
	cr_assert_eq(lumen_pktbuf_pull(b, 2)[0], 0xab);
	cr_assert_eq(b->len, 100);
	lumen_pktbuf_unref(b);
	lumen_pktbuf_unref(NULL);
	lumen_pktbuf_pool_free(pool);
}

Test(pktbuf_pool, rejects_bad_sizes)
{
	cr_assert_null(lumen_pktbuf_pool_new(0, 8));
	cr_assert_null(lumen_pktbuf_pool_new(9, 8));
}

Test(pktbuf_pool, reuses_buffers_without_allocating_in_steady_state)
{
	struct lumen_pktbuf_pool *pool = lumen_pktbuf_pool_new(16, 64);
	struct lumen_pktbuf *held[8];
	struct lumen_pktbuf_stats st;

	for (int round = 0; round < 10000; round++) {
		for (int i = 0; i < 8; i++) {
			held[i] = lumen_pktbuf_get(pool);
			cr_assert_not_null(held[i]);
			held[i]->len = 1200;
		}
		for (int i = 0; i < 8; i++)
			lumen_pktbuf_unref(held[i]);
	}
	lumen_pktbuf_pool_stats(pool, &st);
	cr_assert_eq(st.chunks, 1, "pool allocated %zu chunks", st.chunks);
	cr_assert_eq(st.total, 16);
	cr_assert_eq(st.gets, 80000);
	cr_assert_eq(st.in_use, 0);
	cr_assert_eq(st.remote_returns, 0);
	lumen_pktbuf_pool_free(pool);
}

Test(pktbuf_pool, grows_in_chunks_up_to_its_cap_then_refuses)
{
	struct lumen_pktbuf_pool *pool = lumen_pktbuf_pool_new(16, 40);
	struct lumen_pktbuf *held[40], *b;
	struct lumen_pktbuf_stats st;

	for (int i = 0; i < 40; i++)
		cr_assert_not_null(held[i] = lumen_pktbuf_get(pool));
	cr_assert_null(lumen_pktbuf_get(pool));
	lumen_pktbuf_pool_stats(pool, &st);
	cr_assert_eq(st.chunks, 3); /* 16 + 16 + 8 */
	cr_assert_eq(st.total, 40);
	cr_assert_eq(st.in_use, 40);
	cr_assert_eq(st.exhausted, 1);
	lumen_pktbuf_unref(held[7]);
	b = lumen_pktbuf_get(pool);
	cr_assert_eq(b, held[7]);
	held[7] = b;
	for (int i = 0; i < 40; i++)
		lumen_pktbuf_unref(held[i]);
	lumen_pktbuf_pool_stats(pool, &st);
	cr_assert_eq(st.in_use, 0);
	lumen_pktbuf_pool_free(pool);
}

Test(pktbuf_ref, keeps_a_shared_buffer_out_of_the_pool_until_the_last_unref)
{
	struct lumen_pktbuf_pool *pool = lumen_pktbuf_pool_new(2, 2);
	struct lumen_pktbuf *a = lumen_pktbuf_get(pool), *b, *c;

	cr_assert_eq(lumen_pktbuf_ref(a), a);
	lumen_pktbuf_unref(a);
	b = lumen_pktbuf_get(pool);
	cr_assert_neq(b, a);
	cr_assert_null(lumen_pktbuf_get(pool)); /* a is still held */
	lumen_pktbuf_unref(a);
	c = lumen_pktbuf_get(pool);
	cr_assert_eq(c, a);
	lumen_pktbuf_unref(b);
	lumen_pktbuf_unref(c);
	lumen_pktbuf_pool_free(pool);
}

/* A small mutex-protected hand-off queue: the test's own plumbing, not the code under test. */
#define QCAP 32
struct handoff {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct lumen_pktbuf *q[QCAP];
	size_t head, tail;
	bool done;
	size_t released;
	bool corrupt;
};

static void *consumer(void *arg)
{
	struct handoff *h = arg;

	for (;;) {
		struct lumen_pktbuf *b;

		pthread_mutex_lock(&h->lock);
		while (h->head == h->tail && !h->done)
			pthread_cond_wait(&h->cond, &h->lock);
		if (h->head == h->tail) {
			pthread_mutex_unlock(&h->lock);
			return NULL;
		}
		b = h->q[h->head++ % QCAP];
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->lock);
		if (b->len != 4 || b->data[0] != (uint8_t)(b->data[1] ^ 0x5a))
			h->corrupt = true;
		lumen_pktbuf_unref(b);
		h->released++;
	}
}

Test(pktbuf_threads, buffers_released_on_another_thread_return_to_the_owner)
{
	struct lumen_pktbuf_pool *pool = lumen_pktbuf_pool_new(16, 48);
	struct handoff h = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
	struct lumen_pktbuf_stats st;
	pthread_t t;
	const int n = 20000;
	long waits = 0;

	cr_assert_eq(pthread_create(&t, NULL, consumer, &h), 0);
	for (int i = 0; i < n; i++) {
		struct lumen_pktbuf *b;

		/* bounded: the consumer frees within a few scheduler slices */
		while (!(b = lumen_pktbuf_get(pool))) {
			cr_assert_lt(++waits, 10000000, "buffers never came back");
			sched_yield();
		}
		b->data[1] = (uint8_t)i;
		b->data[0] = (uint8_t)(i ^ 0x5a);
		b->len = 4;
		pthread_mutex_lock(&h.lock);
		while (h.tail - h.head == QCAP)
			pthread_cond_wait(&h.cond, &h.lock);
		h.q[h.tail++ % QCAP] = b;
		pthread_cond_broadcast(&h.cond);
		pthread_mutex_unlock(&h.lock);
	}
	pthread_mutex_lock(&h.lock);
	h.done = true;
	pthread_cond_broadcast(&h.cond);
	pthread_mutex_unlock(&h.lock);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert(!h.corrupt);
	cr_assert_eq(h.released, (size_t)n);
	lumen_pktbuf_pool_stats(pool, &st);
	cr_assert_eq(st.in_use, 0);
	cr_assert_eq(st.remote_returns, (size_t)n);
	cr_assert_leq(st.total, 48);
	cr_assert_eq(st.gets, (size_t)n);
	lumen_pktbuf_pool_free(pool);
}

struct racer {
	struct lumen_pktbuf **bufs;
	size_t n;
};

static void *race_unref(void *arg)
{
	struct racer *r = arg;

	for (size_t i = 0; i < r->n; i++)
		lumen_pktbuf_unref(r->bufs[i]);
	return NULL;
}

Test(pktbuf_threads, two_threads_dropping_shared_buffers_free_each_exactly_once)
{
	enum { N = 256, ROUNDS = 50 };
	struct lumen_pktbuf_pool *pool = lumen_pktbuf_pool_new(64, N);
	static struct lumen_pktbuf *bufs[N];
	struct racer r = {bufs, N};
	struct lumen_pktbuf_stats st;

	for (int round = 0; round < ROUNDS; round++) {
		pthread_t a, b;

		for (int i = 0; i < N; i++) {
			bufs[i] = lumen_pktbuf_get(pool);
			cr_assert_not_null(bufs[i], "round %d buffer %d", round, i);
			lumen_pktbuf_ref(bufs[i]); /* one reference per racing thread */
		}
		cr_assert_eq(pthread_create(&a, NULL, race_unref, &r), 0);
		cr_assert_eq(pthread_create(&b, NULL, race_unref, &r), 0);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		lumen_pktbuf_pool_stats(pool, &st);
		cr_assert_eq(st.in_use, 0, "round %d: %zu still out", round, st.in_use);
	}
	lumen_pktbuf_pool_stats(pool, &st);
	cr_assert_eq(st.total, N);
	cr_assert_eq(st.chunks, N / 64);
	cr_assert_eq(st.remote_returns, (size_t)N * ROUNDS);
	lumen_pktbuf_pool_free(pool);
}

static void *unref_all(void *arg)
{
	struct racer *r = arg;

	for (size_t i = 0; i < r->n; i++)
		lumen_pktbuf_unref(r->bufs[i]);
	return NULL;
}

Test(pktbuf_pool, outlives_its_free_until_the_last_buffer_comes_back)
{
	struct lumen_pktbuf_pool *pool = lumen_pktbuf_pool_new(4, 4);
	struct lumen_pktbuf *bufs[3];
	struct racer r = {bufs, 3};
	pthread_t t;

	for (int i = 0; i < 3; i++) {
		bufs[i] = lumen_pktbuf_get(pool);
		bufs[i]->len = 10;
	}
	lumen_pktbuf_pool_free(pool);
	/* the buffers are still usable; ASan reports any use after free or leak */
	bufs[2]->data[9] = 1;
	cr_assert_eq(pthread_create(&t, NULL, unref_all, &r), 0);
	pthread_join(t, NULL);
}
