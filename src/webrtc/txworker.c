/* txworker.c -- transmit workers (see txworker.h): per-worker SPSC rings of preallocated hand-off
 * records, a GSource per worker that drains its ring, and the control-thread side that groups the
 * sends of one dispatched packet into one record per worker.
 *
 * Ring protocol: the control thread fills ring[head & mask] in place while it is "open", then
 * publishes it with a store of head + 1; the worker reads ring[tail & mask] and releases the slot
 * with a store of tail + 1. Wake-up: before it sleeps in poll the worker sets `sleeping` and looks
 * at head again; after publishing the producer looks at `sleeping` and writes the eventfd only if
 * it is set (both sides sequentially consistent, so one of them sees the other). */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "webrtc/ice.h"
#include "webrtc/latency.h"
#include "webrtc/pktbuf.h"
#include "webrtc/pktcache.h"
#include "webrtc/txworker.h"

#define TXW_MAX_TARGETS 32
#define TXW_MID_MAX 33
/* Records a worker handles per dispatch of its source before letting other sources run. */
#define TXW_BATCH 64

struct txw_target {
	struct lumen_pc *pc;
	struct lumen_pc_rewrite rw; /* src_ext is set from the record at send time */
	char mid[TXW_MID_MAX];
};

struct txw_rec {
	struct lumen_pktbuf *buf; /* one reference, shared bytes: read only */
	const uint8_t *data;      /* the packet, inside buf */
	size_t len;
	bool received;            /* buf is the received packet's: the pcs' caches may keep it */
	int64_t rx_ns;            /* kernel receive time of a timed packet, else 0 (latency.h) */
	bool has_ext;
	uint8_t src_ext[16];
	unsigned n;
	struct txw_target t[TXW_MAX_TARGETS];
};

struct txw_worker {
	struct lumen_txw_pool *pool;
	unsigned idx;
	GMainContext *ctx;
	GMainLoop *loop;
	GThread *thread;
	GSource *src;
	gpointer fd_tag;
	int efd;
	struct txw_rec *ring;
	unsigned mask;
	bool open; /* producer only: ring[head & mask] is being filled */
	char pad0[64];
	atomic_uint head; /* written by the producer */
	char pad1[64];
	atomic_uint tail; /* written by the worker */
	atomic_int sleeping;
	atomic_int stopping; /* set by pool_free: the source quits the loop (from inside it, so a
			      * quit before g_main_loop_run started is not lost) */
	char pad2[64];
	atomic_uint_fast64_t handoffs, packets, failed; /* worker */
	atomic_uint_fast64_t drops, wakeups, high_water; /* producer */
};

struct lumen_txw_pool {
	unsigned n;
	/* Releases of retired pcs, pushed by workers after their flush and done on the control
	 * thread (a pc's last release frees its ICE agent: pc.h), by home_src. */
	GMainContext *home;
	GSource *home_src;
	GAsyncQueue *releases;
	lumen_txw_send_fn send;
	struct lumen_pktbuf_pool *bufs; /* the control thread's: copies of dispatched packets */
	bool in_dispatch;
	const uint8_t *d_rtp;
	size_t d_len;
	bool d_has_ext;
	uint8_t d_ext[16];
	struct lumen_pktbuf *d_src; /* the received packet's buffer holding d_rtp, or NULL */
	bool d_received;            /* d_buf is d_src */
	struct lumen_pktbuf *d_buf; /* the dispatch's buffer (our reference), at first use */
	struct txw_worker *w;
};

struct txw_source {
	GSource base;
	struct txw_worker *w;
};

/* ---- worker side ---- */

static bool ring_pending(struct txw_worker *w)
{
	return atomic_load(&w->head) != atomic_load_explicit(&w->tail, memory_order_relaxed);
}

static void process(struct txw_worker *w, struct txw_rec *rec)
{
	lumen_txw_send_fn send = w->pool->send;
	uint64_t ok = 0, bad = 0;

	/* The sends of one hand-off leave in one batched system call (ice.h). */
	lumen_ice_tx_begin();
	for (unsigned i = 0; i < rec->n; i++) {
		struct txw_target *t = &rec->t[i];
		struct lumen_pc_rewrite rw = t->rw;

		rw.src_ext = rec->has_ext ? rec->src_ext : NULL;
		if (send(t->pc, t->mid, rec->received ? rec->buf : NULL, rec->data, rec->len,
			 &rw) == 0)
			ok++;
		else
			bad++;
	}
	if (lumen_ice_tx_flush() > 0)
		lumen_latency_record_since(rec->rx_ns);
	lumen_pktbuf_unref(rec->buf);
	rec->buf = NULL;
	atomic_fetch_add_explicit(&w->packets, ok, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->failed, bad, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->handoffs, 1, memory_order_relaxed);
}

/* Handles up to max published records. Worker thread (or the control thread once the worker
 * has been joined). */
static void drain(struct txw_worker *w, unsigned max)
{
	unsigned tail = atomic_load_explicit(&w->tail, memory_order_relaxed);
	/* acquire pairs with the producer's publishing store: the record's bytes are seen */
	unsigned head = atomic_load_explicit(&w->head, memory_order_acquire);

	for (unsigned done = 0; tail != head && done < max; done++) {
		process(w, &w->ring[tail & w->mask]);
		tail++;
		/* release: our reads of the slot happen before the producer reuses it */
		atomic_store_explicit(&w->tail, tail, memory_order_release);
	}
}

static gboolean src_prepare(GSource *s, gint *timeout)
{
	struct txw_worker *w = ((struct txw_source *)s)->w;

	*timeout = -1;
	if (ring_pending(w) || atomic_load(&w->stopping))
		return TRUE;
	atomic_store(&w->sleeping, 1);
	if (ring_pending(w)) {
		atomic_store(&w->sleeping, 0);
		return TRUE;
	}
	return FALSE;
}

static gboolean src_check(GSource *s)
{
	struct txw_worker *w = ((struct txw_source *)s)->w;

	atomic_store(&w->sleeping, 0);
	if (g_source_query_unix_fd(s, w->fd_tag) & G_IO_IN) {
		uint64_t v;
		if (read(w->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			g_warning("txworker %u: eventfd read: %s", w->idx, g_strerror(errno));
	}
	return ring_pending(w) || atomic_load(&w->stopping);
}

static gboolean src_dispatch(GSource *s, GSourceFunc cb, gpointer data)
{
	struct txw_worker *w = ((struct txw_source *)s)->w;

	(void)cb;
	(void)data;
	drain(w, TXW_BATCH);
	if (atomic_load(&w->stopping))
		g_main_loop_quit(w->loop);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs src_funcs = { src_prepare, src_check, src_dispatch, NULL, NULL, NULL };

static gpointer worker_main(gpointer data)
{
	struct txw_worker *w = data;

	g_main_context_push_thread_default(w->ctx);
	g_main_loop_run(w->loop);
	/* Stopping: what was posted is still sent, then retires still queued run (without our
	 * source, which would stay ready while stopping). */
	g_source_destroy(w->src);
	drain(w, UINT_MAX);
	while (g_main_context_iteration(w->ctx, FALSE))
		;
	g_main_context_pop_thread_default(w->ctx);
	return NULL;
}

struct txw_retire {
	struct txw_worker *w;
	struct lumen_pc *pc;
};

static gboolean retire_cb(gpointer data)
{
	struct txw_retire *r = data;
	struct lumen_txw_pool *pool = r->w->pool;

	/* Every record posted before the retire is in the ring already: send them first (each
	 * record ends with its flush), then hand the release to the control thread. */
	drain(r->w, UINT_MAX);
	g_async_queue_push(pool->releases, r->pc);
	g_source_set_ready_time(pool->home_src, 0); /* thread-safe: wakes the control thread */
	return G_SOURCE_REMOVE;
}

/* Control thread. */
static void release_all(struct lumen_txw_pool *pool)
{
	struct lumen_pc *pc;

	while ((pc = g_async_queue_try_pop(pool->releases)))
		lumen_pc_release(pc);
}

struct home_source {
	GSource base;
	struct lumen_txw_pool *pool;
};

static gboolean home_dispatch(GSource *s, GSourceFunc cb, gpointer data)
{
	(void)cb;
	(void)data;
	g_source_set_ready_time(s, -1);
	release_all(((struct home_source *)s)->pool);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs home_funcs = { NULL, NULL, home_dispatch, NULL, NULL, NULL };

/* ---- producer side (control thread) ---- */

static struct txw_rec *slot_open(struct txw_worker *w)
{
	unsigned head = atomic_load_explicit(&w->head, memory_order_relaxed);
	struct txw_rec *rec;

	if (w->open)
		return &w->ring[head & w->mask];
	if (head - atomic_load_explicit(&w->tail, memory_order_acquire) > w->mask) {
		atomic_fetch_add_explicit(&w->drops, 1, memory_order_relaxed);
		return NULL;
	}
	rec = &w->ring[head & w->mask];
	rec->n = 0;
	rec->buf = NULL;
	rec->has_ext = false;
	w->open = true;
	return rec;
}

static void post(struct txw_worker *w)
{
	unsigned head = atomic_load_explicit(&w->head, memory_order_relaxed);
	uint64_t depth;

	if (!w->open)
		return;
	w->open = false;
	if (w->ring[head & w->mask].n == 0) { /* nothing joined: give the slot back */
		lumen_pktbuf_unref(w->ring[head & w->mask].buf);
		w->ring[head & w->mask].buf = NULL;
		return;
	}
	depth = head + 1 - atomic_load_explicit(&w->tail, memory_order_relaxed);
	if (depth > atomic_load_explicit(&w->high_water, memory_order_relaxed))
		atomic_store_explicit(&w->high_water, depth, memory_order_relaxed);
	atomic_store(&w->head, head + 1);
	if (atomic_load(&w->sleeping)) {
		uint64_t one = 1;
		atomic_fetch_add_explicit(&w->wakeups, 1, memory_order_relaxed);
		if (write(w->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			g_warning("txworker %u: eventfd write: %s", w->idx, g_strerror(errno));
	}
}

/* The packet in a buffer of ours (a reference): src itself when it holds the bytes, else a copy
 * from the control thread's pool. *received says which. */
static struct lumen_pktbuf *packet_buf(struct lumen_txw_pool *pool, struct lumen_pktbuf *src,
				       const uint8_t *rtp, size_t len, bool *received)
{
	struct lumen_pktbuf *b;

	*received = lumen_pktcache_buf_holds(src, rtp, len);
	if (*received)
		return lumen_pktbuf_ref(src);
	if (!(b = lumen_pktbuf_get(pool->bufs)))
		return NULL;
	memcpy(b->data, rtp, len);
	b->len = len;
	return b;
}

/* The record's packet: the bytes where they are in received buf, or at the copy's start. */
static void rec_set_packet(struct txw_rec *rec, struct lumen_pktbuf *buf, bool received,
			   const uint8_t *rtp, size_t len)
{
	rec->buf = buf;
	rec->received = received;
	rec->data = received ? rtp : buf->data;
	rec->len = len;
}

static void add_target(struct txw_rec *rec, struct lumen_pc *pc, const char *mid,
		       const struct lumen_pc_rewrite *rw)
{
	struct txw_target *t = &rec->t[rec->n++];

	t->pc = pc;
	if (rw)
		t->rw = *rw;
	else
		memset(&t->rw, 0, sizeof(t->rw));
	t->rw.src_ext = NULL;
	g_strlcpy(t->mid, mid, sizeof(t->mid));
}

static int send_batched(struct lumen_txw_pool *pool, struct txw_worker *w, struct lumen_pc *pc,
			const char *mid, const struct lumen_pc_rewrite *rw)
{
	struct txw_rec *rec;

	if (w->open && w->ring[atomic_load_explicit(&w->head, memory_order_relaxed) & w->mask].n ==
			       TXW_MAX_TARGETS)
		post(w);
	if (!pool->d_buf && !(pool->d_buf = packet_buf(pool, pool->d_src, pool->d_rtp, pool->d_len,
						       &pool->d_received))) {
		atomic_fetch_add_explicit(&w->drops, 1, memory_order_relaxed);
		return -ENOBUFS;
	}
	if (!(rec = slot_open(w)))
		return -ENOBUFS;
	if (!rec->buf) {
		rec_set_packet(rec, lumen_pktbuf_ref(pool->d_buf), pool->d_received, pool->d_rtp,
			       pool->d_len);
		rec->rx_ns = lumen_latency_current();
		rec->has_ext = pool->d_has_ext;
		memcpy(rec->src_ext, pool->d_ext, sizeof(rec->src_ext));
	}
	add_target(rec, pc, mid, rw);
	return 0;
}

/* Bytes other than the dispatched packet's (a plugin's patched copy, or a send outside a
 * dispatch): a record of their own, posted now. */
static int send_private(struct lumen_txw_pool *pool, struct txw_worker *w, struct lumen_pc *pc,
			const char *mid, struct lumen_pktbuf *src, const uint8_t *rtp, size_t len,
			const struct lumen_pc_rewrite *rw)
{
	struct lumen_pktbuf *b;
	struct txw_rec *rec;
	bool received;

	post(w); /* keeps this worker's records in the order the sends were made */
	if (!(b = packet_buf(pool, src, rtp, len, &received))) {
		atomic_fetch_add_explicit(&w->drops, 1, memory_order_relaxed);
		return -ENOBUFS;
	}
	if (!(rec = slot_open(w))) {
		lumen_pktbuf_unref(b);
		return -ENOBUFS;
	}
	rec_set_packet(rec, b, received, rtp, len);
	rec->rx_ns = lumen_latency_current();
	rec->has_ext = rw && rw->src_ext;
	if (rec->has_ext)
		memcpy(rec->src_ext, rw->src_ext, sizeof(rec->src_ext));
	add_target(rec, pc, mid, rw);
	post(w);
	return 0;
}

int lumen_txw_send(struct lumen_txw_pool *pool, unsigned worker, struct lumen_pc *pc,
		   const char *mid, struct lumen_pktbuf *src, const uint8_t *rtp, size_t len,
		   const struct lumen_pc_rewrite *rw)
{
	struct txw_worker *w;

	if (!pool || worker >= pool->n || !pc || !mid || strlen(mid) >= TXW_MID_MAX || !rtp ||
	    len > LUMEN_PKTBUF_SIZE)
		return -EINVAL;
	w = &pool->w[worker];
	if (pool->in_dispatch && rtp == pool->d_rtp && len == pool->d_len &&
	    (!rw || !rw->src_ext || (pool->d_has_ext && memcmp(rw->src_ext, pool->d_ext, 16) == 0)))
		return send_batched(pool, w, pc, mid, rw);
	return send_private(pool, w, pc, mid, src, rtp, len, rw);
}

void lumen_txw_begin(struct lumen_txw_pool *pool, const uint8_t *rtp, size_t len,
		     const uint8_t *src_ext, struct lumen_pktbuf *src)
{
	if (pool->in_dispatch)
		lumen_txw_end(pool);
	pool->in_dispatch = true;
	pool->d_rtp = rtp;
	pool->d_len = len;
	pool->d_src = src;
	pool->d_has_ext = src_ext != NULL;
	if (src_ext)
		memcpy(pool->d_ext, src_ext, sizeof(pool->d_ext));
}

void lumen_txw_end(struct lumen_txw_pool *pool)
{
	for (unsigned i = 0; i < pool->n; i++)
		post(&pool->w[i]);
	lumen_pktbuf_unref(pool->d_buf);
	pool->d_buf = NULL;
	pool->d_rtp = NULL;
	pool->d_src = NULL;
	pool->in_dispatch = false;
}

void lumen_txw_adopt(struct lumen_txw_pool *pool, unsigned worker, struct lumen_pc *pc)
{
	g_assert(worker < pool->n);
	lumen_pc_hold(pc);
}

void lumen_txw_retire(struct lumen_txw_pool *pool, unsigned worker, struct lumen_pc *pc)
{
	struct txw_retire *r = g_new0(struct txw_retire, 1);

	g_assert(worker < pool->n);
	post(&pool->w[worker]);
	r->w = &pool->w[worker];
	r->pc = pc;
	g_main_context_invoke_full(r->w->ctx, G_PRIORITY_DEFAULT, retire_cb, r, g_free);
}

/* ---- pool ---- */

static int worker_start(struct lumen_txw_pool *pool, unsigned i, unsigned cap, char **err)
{
	struct txw_worker *w = &pool->w[i];
	char name[24];

	w->pool = pool;
	w->idx = i;
	w->mask = cap - 1;
	w->ring = g_new0(struct txw_rec, cap);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		*err = g_strdup_printf("eventfd: %s", g_strerror(errno));
		return -errno;
	}
	w->ctx = g_main_context_new();
	w->loop = g_main_loop_new(w->ctx, FALSE);
	w->src = g_source_new(&src_funcs, sizeof(struct txw_source));
	((struct txw_source *)w->src)->w = w;
	w->fd_tag = g_source_add_unix_fd(w->src, w->efd, G_IO_IN);
	g_source_set_priority(w->src, G_PRIORITY_HIGH);
	g_source_attach(w->src, w->ctx);
	snprintf(name, sizeof(name), "lumen-tx%u", i);
	w->thread = g_thread_try_new(name, worker_main, w, NULL);
	if (!w->thread) {
		*err = g_strdup_printf("cannot start media worker %u", i);
		return -EAGAIN;
	}
	return 0;
}

struct lumen_txw_pool *lumen_txw_pool_new(const struct lumen_txw_config *cfg, char **err)
{
	struct lumen_txw_pool *pool;
	unsigned cap = 1;

	if (!cfg || cfg->n_workers < 1 || cfg->n_workers > 1024) {
		*err = g_strdup("media workers: 1..1024");
		return NULL;
	}
	while (cap < (cfg->queue_len ? cfg->queue_len : 512) && cap < (1u << 20))
		cap <<= 1;
	pool = g_new0(struct lumen_txw_pool, 1);
	pool->n = cfg->n_workers;
	pool->home = g_main_context_ref_thread_default();
	pool->releases = g_async_queue_new();
	pool->home_src = g_source_new(&home_funcs, sizeof(struct home_source));
	((struct home_source *)pool->home_src)->pool = pool;
	g_source_set_ready_time(pool->home_src, -1);
	g_source_attach(pool->home_src, pool->home);
	pool->send = cfg->send ? cfg->send : lumen_pc_send_rtp_buf;
	/* Every record in every ring may hold one buffer, plus the dispatch being built. */
	pool->bufs = lumen_pktbuf_pool_new(64, (size_t)cap * pool->n + 64);
	pool->w = g_new0(struct txw_worker, pool->n);
	for (unsigned i = 0; i < pool->n; i++)
		pool->w[i].efd = -1;
	for (unsigned i = 0; i < pool->n; i++)
		if (worker_start(pool, i, cap, err) < 0) {
			lumen_txw_pool_free(pool);
			return NULL;
		}
	return pool;
}

void lumen_txw_pool_free(struct lumen_txw_pool *pool)
{
	if (!pool)
		return;
	if (pool->in_dispatch)
		lumen_txw_end(pool);
	for (unsigned i = 0; i < pool->n; i++) {
		struct txw_worker *w = &pool->w[i];

		if (w->thread) {
			uint64_t one = 1;

			atomic_store(&w->stopping, 1);
			if (write(w->efd, &one, sizeof(one)) < 0)
				g_warning("txworker %u: eventfd write: %s", i, g_strerror(errno));
			g_thread_join(w->thread);
		}
		if (w->ctx) {
			/* Retires posted while the thread was leaving: run them here. */
			drain(w, UINT_MAX);
			while (g_main_context_iteration(w->ctx, FALSE))
				;
		}
		if (w->src) {
			g_source_destroy(w->src);
			g_source_unref(w->src);
		}
		if (w->loop)
			g_main_loop_unref(w->loop);
		if (w->ctx)
			g_main_context_unref(w->ctx);
		if (w->efd >= 0)
			close(w->efd);
		g_free(w->ring);
	}
	/* Every worker is gone: the releases they queued, and those of retires run above. */
	release_all(pool);
	g_source_destroy(pool->home_src);
	g_source_unref(pool->home_src);
	g_async_queue_unref(pool->releases);
	g_main_context_unref(pool->home);
	lumen_pktbuf_pool_free(pool->bufs);
	g_free(pool->w);
	g_free(pool);
}

unsigned lumen_txw_count(const struct lumen_txw_pool *pool)
{
	return pool ? pool->n : 0;
}

GMainContext *lumen_txw_context(struct lumen_txw_pool *pool, unsigned worker)
{
	return worker < pool->n ? pool->w[worker].ctx : NULL;
}

void lumen_txw_get_stats(struct lumen_txw_pool *pool, unsigned worker, struct lumen_txw_stats *st)
{
	struct txw_worker *w = &pool->w[worker];

	st->handoffs = atomic_load_explicit(&w->handoffs, memory_order_relaxed);
	st->packets = atomic_load_explicit(&w->packets, memory_order_relaxed);
	st->failed = atomic_load_explicit(&w->failed, memory_order_relaxed);
	st->drops = atomic_load_explicit(&w->drops, memory_order_relaxed);
	st->wakeups = atomic_load_explicit(&w->wakeups, memory_order_relaxed);
	st->high_water = atomic_load_explicit(&w->high_water, memory_order_relaxed);
	st->queue_depth = atomic_load_explicit(&w->head, memory_order_relaxed) -
			  atomic_load_explicit(&w->tail, memory_order_relaxed);
}
