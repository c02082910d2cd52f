/* txworker.h -- media transmit workers: threads that protect and send the RTP a control thread
 * relays to peer connections whose transmit half was moved to them (DESIGN.md decision 3, the
 * broadcast fan-out part).
 *
 * The control thread receives a packet, runs the plugin (which picks destinations and rewrites),
 * and the sends it makes towards pcs on workers are collected here: between lumen_txw_begin() and
 * lumen_txw_end() every send of the dispatched packet to pcs of one worker joins ONE hand-off
 * record for that worker (the packet in a refcounted lumen_pktbuf shared read-only by every
 * worker, plus the list of (pc, mid, rewrite) targets). lumen_txw_end() posts them. A send of
 * other bytes (a plugin's patched copy) gets a record of its own. The packet's buffer is the one
 * it was received into (struct lumen_pc_rtp.buf), referenced, when the caller passes it and the
 * bytes lie in it; then the worker passes it on to lumen_pc_send_rtp_buf, so the pcs' NACK
 * caches reference it too. Otherwise the packet is copied into a buffer of the control thread's
 * pool (sized for the rings only, so those copies are not handed to the caches).
 *
 * Queues. Each worker has a single-producer single-consumer ring of preallocated records (the
 * control thread produces, the worker consumes): posting is one release store of the head index,
 * plus one eventfd write(2) only when the worker sleeps. Nothing is allocated per packet after
 * warm-up, no lock is shared between workers. A full ring drops the hand-off (counted): the
 * control thread never blocks.
 *
 * Lifetimes. lumen_txw_adopt() takes a hold on the pc (lumen_pc_hold); lumen_txw_retire() gives
 * it back (lumen_pc_release, on the control thread: a source the pool attaches to the creating
 * thread's default context) once the worker has processed and flushed every hand-off posted
 * before the retire. So a pc freed (lumen_pc_free) on the control thread while hand-offs for it
 * are queued is never touched after its memory is gone, its sockets stay open until the worker's
 * batched sends have left, and the worker finds it closed (under its transmit lock, see pc.h) and
 * skips it. lumen_txw_pool_free does the releases still pending.
 *
 * Threads: everything here is called on the thread that created the pool (the control thread),
 * except lumen_txw_get_stats (any thread: atomics). */
#ifndef LUMEN_WEBRTC_TXWORKER_H
#define LUMEN_WEBRTC_TXWORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "webrtc/pc.h"

struct lumen_pktbuf;

struct lumen_txw_pool;

/* The send a worker makes for each target; the default is lumen_pc_send_rtp_buf. src is the
 * received packet's buffer holding rtp (transfer none), or NULL. Tests inject their own to
 * observe order. Runs on the worker thread. */
typedef int (*lumen_txw_send_fn)(struct lumen_pc *pc, const char *mid, struct lumen_pktbuf *src,
				 const uint8_t *rtp, size_t len, const struct lumen_pc_rewrite *rw);

struct lumen_txw_config {
	unsigned n_workers;   /* >= 1 */
	unsigned queue_len;   /* records per worker ring, rounded up to a power of two; 0 = 512 */
	lumen_txw_send_fn send; /* NULL = lumen_pc_send_rtp_buf */
};

/* Per-worker counters (monotonic except queue_depth). */
struct lumen_txw_stats {
	uint64_t handoffs;   /* records processed */
	uint64_t packets;    /* targets sent (send returned 0) */
	uint64_t failed;     /* targets whose send failed (pc closed, not up, ...) */
	uint64_t drops;      /* records refused because the ring was full or no buffer was free */
	uint64_t wakeups;    /* eventfd writes (the worker was asleep) */
	uint64_t high_water; /* largest ring depth seen at a post */
	uint64_t queue_depth; /* records waiting now */
};

/* Starts n_workers threads, each with its own GMainContext. NULL with *err on failure. */
struct lumen_txw_pool *lumen_txw_pool_new(const struct lumen_txw_config *cfg, char **err);
/* Stops the workers: every hand-off already posted is still sent (drain), pending retires run,
 * threads are joined. NULL ok. Posting after this is a bug. */
void lumen_txw_pool_free(struct lumen_txw_pool *pool);

unsigned lumen_txw_count(const struct lumen_txw_pool *pool);
/* The worker's context (for tests that want to run something on the worker). */
GMainContext *lumen_txw_context(struct lumen_txw_pool *pool, unsigned worker);
void lumen_txw_get_stats(struct lumen_txw_pool *pool, unsigned worker, struct lumen_txw_stats *st);

/* A pc's transmit half moves to worker: takes a hold on pc (see the top). */
void lumen_txw_adopt(struct lumen_txw_pool *pool, unsigned worker, struct lumen_pc *pc);
/* The pc leaves worker (freed, or moved elsewhere): the hold is dropped on the worker after every
 * hand-off posted so far (lumen_txw_end is implied first). */
void lumen_txw_retire(struct lumen_txw_pool *pool, unsigned worker, struct lumen_pc *pc);

/* Opens the dispatch of one received packet: sends of exactly these bytes (same pointer and
 * length) share one buffer and one record per worker. src_ext is the source pc's extension kinds
 * (lumen_pc_ext_kinds, copied), or NULL. src is the buffer the packet was received into
 * (struct lumen_pc_rtp.buf), or NULL: used, with a reference per record, instead of a copy if
 * rtp[0..len) lies inside it (transfer none; valid until lumen_txw_end). Nested begin is an
 * implied end first. */
void lumen_txw_begin(struct lumen_txw_pool *pool, const uint8_t *rtp, size_t len,
		     const uint8_t *src_ext, struct lumen_pktbuf *src);
/* Queues one send to pc (adopted by worker) of rtp with rewrite rw (may be NULL; its src_ext
 * is ignored in favour of the dispatch's, or copied for a send outside a dispatch). Outside
 * begin/end, or for other bytes than the dispatched ones, the record is posted at once; src
 * (transfer none, or NULL) is then referenced instead of copying if rtp[0..len) lies inside it.
 * Returns 0, -EINVAL (bad worker, no mid, too long), -ENOBUFS (dropped: ring full / no buffer). */
int lumen_txw_send(struct lumen_txw_pool *pool, unsigned worker, struct lumen_pc *pc,
		   const char *mid, struct lumen_pktbuf *src, const uint8_t *rtp, size_t len,
		   const struct lumen_pc_rewrite *rw);
/* Posts the records of the current dispatch (one per worker that got a send). */
void lumen_txw_end(struct lumen_txw_pool *pool);

#endif
