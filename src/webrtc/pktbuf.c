/* pktbuf.c -- per-thread pools of fixed-size, reference-counted packet buffers.
 *
 * The pool's free list is touched by its owner thread only; buffers released on other threads
 * come back through a Treiber stack that the owner empties with one atomic exchange. The owner's
 * own get/unref cycle costs no atomic read-modify-write beyond the buffer's count (and none for
 * a buffer held once). A pool freed with buffers in flight is destroyed by whoever brings the
 * returns up to the number handed out (see the contract in pktbuf.h). No logging. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "webrtc/pktbuf.h"

struct chunk {
	struct chunk *next;
	size_t n;
	struct lumen_pktbuf bufs[];
};

struct lumen_pktbuf_pool {
	pthread_t owner;
	size_t chunk_size, max;
	/* owner thread only */
	struct lumen_pktbuf *free_list;
	struct chunk *chunks;
	size_t total, nchunks, gets, exhausted, local_returns;
	bool dying; /* lumen_pktbuf_pool_free() was called */
	/* any thread */
	_Atomic(struct lumen_pktbuf *) returned;
	/* Remote returns so far, minus (once the pool is freed) the number of remote returns still
	 * expected plus those already made. Every side changes it with exactly one read-modify-
	 * write and touches the pool no more afterwards, unless that operation brought it to 0:
	 * then it is the last one and destroys the pool. */
	atomic_size_t remote;
};

struct lumen_pktbuf_pool *lumen_pktbuf_pool_new(size_t chunk, size_t max)
{
	struct lumen_pktbuf_pool *pool;

	if (chunk == 0 || max < chunk)
		return NULL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pool->owner = pthread_self();
	pool->chunk_size = chunk;
	pool->max = max;
	atomic_init(&pool->returned, NULL);
	atomic_init(&pool->remote, 0);
	return pool;
}

static void pool_destroy(struct lumen_pktbuf_pool *pool)
{
	struct chunk *c = pool->chunks, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	free(pool);
}

void lumen_pktbuf_pool_free(struct lumen_pktbuf_pool *pool)
{
	size_t expected;

	if (!pool)
		return;
	/* From now on every return is remote (the owner's too); expected of them in all. */
	pool->dying = true;
	expected = pool->gets - pool->local_returns;
	if (atomic_fetch_sub_explicit(&pool->remote, expected, memory_order_acq_rel) == expected)
		pool_destroy(pool);
}

void lumen_pktbuf_pool_stats(struct lumen_pktbuf_pool *pool, struct lumen_pktbuf_stats *st)
{
	st->total = pool->total;
	st->in_use = pool->gets - pool->local_returns -
	             atomic_load_explicit(&pool->remote, memory_order_relaxed);
	st->chunks = pool->nchunks;
	st->gets = pool->gets;
	st->exhausted = pool->exhausted;
	st->remote_returns = atomic_load_explicit(&pool->remote, memory_order_relaxed);
}

static int grow(struct lumen_pktbuf_pool *pool)
{
	size_t n = pool->chunk_size;
	struct chunk *c;

	if (pool->total >= pool->max)
		return -ENOBUFS;
	if (n > pool->max - pool->total)
		n = pool->max - pool->total;
	c = malloc(sizeof(*c) + n * sizeof(struct lumen_pktbuf));
	if (!c)
		return -ENOMEM;
	c->n = n;
	c->next = pool->chunks;
	pool->chunks = c;
	for (size_t i = 0; i < n; i++) {
		c->bufs[i].pool = pool;
		c->bufs[i].next = pool->free_list;
		pool->free_list = &c->bufs[i];
	}
	pool->total += n;
	pool->nchunks++;
	return 0;
}

struct lumen_pktbuf *lumen_pktbuf_get(struct lumen_pktbuf_pool *pool)
{
	struct lumen_pktbuf *b = pool->free_list;

	if (!b) {
		/* acquire pairs with the release of the pushers: their writes to next are seen */
		b = atomic_exchange_explicit(&pool->returned, NULL, memory_order_acquire);
		if (!b && grow(pool) == 0)
			b = pool->free_list;
		if (!b) {
			pool->exhausted++;
			return NULL;
		}
	}
	pool->free_list = b->next;
	pool->gets++;
	atomic_store_explicit(&b->refs, 1, memory_order_relaxed);
	b->data = b->storage + LUMEN_PKTBUF_HEADROOM;
	b->len = 0;
	b->next = NULL;
	return b;
}

struct lumen_pktbuf *lumen_pktbuf_ref(struct lumen_pktbuf *buf)
{
	atomic_fetch_add_explicit(&buf->refs, 1, memory_order_relaxed);
	return buf;
}

static void give_back(struct lumen_pktbuf *buf)
{
	struct lumen_pktbuf_pool *pool = buf->pool;

	/* dying is only written by the owner, so reading it is safe when we are the owner; the
	 * && keeps other threads from reading it at all */
	if (pthread_equal(pthread_self(), pool->owner) && !pool->dying) {
		buf->next = pool->free_list;
		pool->free_list = buf;
		pool->local_returns++;
	} else {
		struct lumen_pktbuf *head =
		    atomic_load_explicit(&pool->returned, memory_order_relaxed);

		do
			buf->next = head;
		while (!atomic_compare_exchange_weak_explicit(
		    &pool->returned, &head, buf, memory_order_release, memory_order_relaxed));
		/* the last access to pool unless this return completes a freed pool's count */
		if (atomic_fetch_add_explicit(&pool->remote, 1, memory_order_acq_rel) + 1 == 0)
			pool_destroy(pool);
	}
}

void lumen_pktbuf_unref(struct lumen_pktbuf *buf)
{
	if (!buf)
		return;
	/* A count of 1 means we hold the only reference: nobody else can change it, so the atomic
	 * decrement can be skipped (the common case of a packet that is not fanned out). */
	if (atomic_load_explicit(&buf->refs, memory_order_acquire) != 1 &&
	    atomic_fetch_sub_explicit(&buf->refs, 1, memory_order_release) != 1)
		return;
	/* the last reference: every other holder's writes happen before the buffer is reused */
	atomic_thread_fence(memory_order_acquire);
	give_back(buf);
}
