/* pktbuf.h -- pooled, reference-counted packet buffers for the media path (DESIGN.md decision 4).
 *
 * Every buffer has a fixed size: LUMEN_PKTBUF_HEADROOM bytes in front of the packet (room to
 * prepend an RTX OSN or a tunnel header without copying) and LUMEN_PKTBUF_SIZE bytes for it.
 * A pool belongs to one thread, its owner (a media worker); it grows in chunks of buffers up to
 * a cap, never shrinks, and after warm-up hands buffers out without calling malloc.
 *
 * Threading contract:
 *  - lumen_pktbuf_pool_new() binds the pool to the calling thread. lumen_pktbuf_get(),
 *    lumen_pktbuf_pool_stats() and lumen_pktbuf_pool_free() are called on that thread only.
 *  - lumen_pktbuf_ref() and lumen_pktbuf_unref() may be called from any thread (atomic count).
 *    The last unref on the owner thread puts the buffer back on the owner's free list; on any
 *    other thread it pushes it onto the pool's lock-free return stack (C11 atomics, many
 *    producers, one consumer that takes the whole stack at once, so no ABA), which the owner
 *    drains when its free list runs dry. Nobody ever blocks.
 *  - While a buffer has more than one reference its bytes are shared and must not be written
 *    (fan-out): copy first, or write only while you hold the single reference.
 *  - lumen_pktbuf_pool_free() may be called while buffers are still out (in the hands of other
 *    threads or caches): the pool then lives on and the last unref, on whichever thread, frees
 *    it. No buffer may be got after lumen_pktbuf_pool_free(). */
#ifndef LUMEN_WEBRTC_PKTBUF_H
#define LUMEN_WEBRTC_PKTBUF_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define LUMEN_PKTBUF_HEADROOM 128
#define LUMEN_PKTBUF_SIZE     1500

struct lumen_pktbuf_pool;

struct lumen_pktbuf {
	uint8_t *data; /* start of the packet; starts LUMEN_PKTBUF_HEADROOM into storage */
	size_t len;    /* packet bytes at data; data + len <= storage end */
	/* private to pktbuf.c */
	atomic_uint refs;
	struct lumen_pktbuf_pool *pool;
	struct lumen_pktbuf *next;
	uint8_t storage[LUMEN_PKTBUF_HEADROOM + LUMEN_PKTBUF_SIZE];
};

struct lumen_pktbuf_stats {
	size_t total;          /* buffers the pool owns */
	size_t in_use;         /* buffers handed out and not yet back */
	size_t chunks;         /* chunk allocations (malloc calls) so far */
	size_t gets;           /* successful lumen_pktbuf_get() calls */
	size_t exhausted;      /* gets refused because the cap was reached */
	size_t remote_returns; /* buffers that came back through the return stack */
};

/* A pool owned by the calling thread that allocates chunk buffers at a time, at most max in
 * all (chunk >= 1, max >= chunk). Nothing is allocated until the first get. NULL on bad
 * arguments or out of memory. */
struct lumen_pktbuf_pool *lumen_pktbuf_pool_new(size_t chunk, size_t max);

/* Owner thread. See the contract above: freed now, or by the last outstanding unref. */
void lumen_pktbuf_pool_free(struct lumen_pktbuf_pool *pool);

/* Owner thread. Fills *st; in_use and remote_returns may lag by buffers in flight. */
void lumen_pktbuf_pool_stats(struct lumen_pktbuf_pool *pool, struct lumen_pktbuf_stats *st);

/* Owner thread. A buffer with one reference, len 0 and the full headroom, or NULL when the pool
 * is at its cap and nothing has come back (or a chunk allocation failed). (transfer full) */
struct lumen_pktbuf *lumen_pktbuf_get(struct lumen_pktbuf_pool *pool);

/* Any thread. Adds a reference and returns buf. */
struct lumen_pktbuf *lumen_pktbuf_ref(struct lumen_pktbuf *buf);

/* Any thread. Drops a reference; the last one returns the buffer to its pool. NULL is a no-op. */
void lumen_pktbuf_unref(struct lumen_pktbuf *buf);

/* Bytes free in front of data, and after data + len. */
static inline size_t lumen_pktbuf_headroom(const struct lumen_pktbuf *buf)
{
	return (size_t)(buf->data - buf->storage);
}

static inline size_t lumen_pktbuf_tailroom(const struct lumen_pktbuf *buf)
{
	return sizeof(buf->storage) - lumen_pktbuf_headroom(buf) - buf->len;
}

/* Grows the packet by n bytes at the front (n <= headroom) and returns the new data. */
static inline uint8_t *lumen_pktbuf_push(struct lumen_pktbuf *buf, size_t n)
{
	buf->data -= n;
	buf->len += n;
	return buf->data;
}

/* Removes n bytes (n <= len) from the front and returns the new data. */
static inline uint8_t *lumen_pktbuf_pull(struct lumen_pktbuf *buf, size_t n)
{
	buf->data += n;
	buf->len -= n;
	return buf->data;
}

#endif
