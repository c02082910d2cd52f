/* pktbuf.c -- per-thread pools of fixed-size, reference-counted packet buffers.
 *
 * The pool's free list is touched by its owner thread only; buffers released on other threads
 * come back through a Treiber stack that the owner empties with one atomic exchange. The pool
 * itself is reference-counted by its outstanding buffers plus one for the owner, so it can be
 * freed while buffers are still in flight (see the contract in pktbuf.h). No logging. */
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
	size_t total, nchunks, gets, exhausted;
	/* any thread */
	_Atomic(struct lumen_pktbuf *) returned;
	atomic_size_t refs; /* outstanding buffers + 1 while the owner has not freed the pool */
	atomic_size_t remote_returns;
	atomic_bool dying;
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
	atomic_init(&pool->refs, 1);
	atomic_init(&pool->remote_returns, 0);
	atomic_init(&pool->dying, false);
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

static void pool_unref(struct lumen_pktbuf_pool *pool)
{
	if (atomic_fetch_sub_explicit(&pool->refs, 1, memory_order_acq_rel) == 1)
		pool_destroy(pool);
}

void lumen_pktbuf_pool_free(struct lumen_pktbuf_pool *pool)
{
	if (!pool)
		return;
	atomic_store(&pool->dying, true);
	pool_unref(pool);
}

void lumen_pktbuf_pool_stats(struct lumen_pktbuf_pool *pool, struct lumen_pktbuf_stats *st)
{
	st->total = pool->total;
	st->in_use = atomic_load_explicit(&pool->refs, memory_order_relaxed) - 1;
	st->chunks = pool->nchunks;
	st->gets = pool->gets;
	st->exhausted = pool->exhausted;
	st->remote_returns = atomic_load_explicit(&pool->remote_returns, memory_order_relaxed);
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
	atomic_fetch_add_explicit(&pool->refs, 1, memory_order_relaxed);
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

	if (!atomic_load_explicit(&pool->dying, memory_order_relaxed) &&
	    pthread_equal(pthread_self(), pool->owner)) {
		buf->next = pool->free_list;
		pool->free_list = buf;
	} else {
		struct lumen_pktbuf *head =
			atomic_load_explicit(&pool->returned, memory_order_relaxed);

		do
			buf->next = head;
		while (!atomic_compare_exchange_weak_explicit(&pool->returned, &head, buf,
							      memory_order_release,
							      memory_order_relaxed));
		atomic_fetch_add_explicit(&pool->remote_returns, 1, memory_order_relaxed);
	}
	pool_unref(pool);
}

void lumen_pktbuf_unref(struct lumen_pktbuf *buf)
{
	if (!buf)
		return;
	if (atomic_fetch_sub_explicit(&buf->refs, 1, memory_order_release) != 1)
		return;
	/* the last reference: every other holder's writes happen before the buffer is reused */
	atomic_thread_fence(memory_order_acquire);
	give_back(buf);
}
