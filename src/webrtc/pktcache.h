/* pktcache.h -- retransmission cache of one outgoing RTP stream, for answering NACKs.
 *
 * A ring indexed by sequence number holds a reference to each sent packet's buffer for at least
 * hold_us (default and minimum 1 s), unless the max_packets or max_bytes caps force the oldest
 * out first. The ring grows by doubling (a rare malloc, when the packet rate rises) up to
 * max_packets; putting and looking up packets never allocates. Time is an argument. Engine
 * code: no clock, no I/O, no logging; one owner thread (the stream's worker). */
#ifndef LUMEN_WEBRTC_PKTCACHE_H
#define LUMEN_WEBRTC_PKTCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "webrtc/pktbuf.h"

struct lumen_pktcache_cfg {
	uint64_t hold_us;     /* keep packets this long (default 1 s; less is raised to 1 s) */
	size_t max_packets;   /* ring cap, a power of two (default 8192, at most 32768) */
	size_t max_bytes;     /* cap on the bytes held (default 0: none) */
	size_t initial_slots; /* first ring size, a power of two (default 256) */
};

struct lumen_pktcache_stats {
	size_t packets, bytes, slots;
	uint64_t hits, misses;
	uint64_t evicted_age, evicted_size;
	uint64_t grows;
};

/* cfg may be NULL for defaults. NULL on bad sizes or out of memory. */
struct lumen_pktcache *lumen_pktcache_new(const struct lumen_pktcache_cfg *cfg);

/* Drops every reference the cache holds. NULL is a no-op. */
void lumen_pktcache_free(struct lumen_pktcache *cache);

/* Stores buf (the cache takes a reference of its own: transfer none) as packet seq sent at
 * now_us, replacing a packet with the same seq. Older than everything the ring can span:
 * -ERANGE (not stored). Returns 0. */
int lumen_pktcache_put(struct lumen_pktcache *cache, uint16_t seq, struct lumen_pktbuf *buf,
                       uint64_t now_us);

/* The packet seq if it is still held: a new reference (transfer full), or NULL. */
struct lumen_pktbuf *lumen_pktcache_get(struct lumen_pktcache *cache, uint16_t seq,
                                        uint64_t now_us);

/* Releases packets older than hold_us. put() does this too. */
void lumen_pktcache_expire(struct lumen_pktcache *cache, uint64_t now_us);

void lumen_pktcache_stats(const struct lumen_pktcache *cache, struct lumen_pktcache_stats *st);

#endif
