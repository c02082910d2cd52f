/* pktcache.h -- retransmission cache of one outgoing RTP stream, for answering NACKs.
 *
 * A ring indexed by sequence number holds each sent packet for at least hold_us (default and
 * minimum 1 s), unless the max_packets or max_bytes caps force the oldest out first. A packet is
 * held as two parts: a header of at most LUMEN_PKTCACHE_HDR_MAX bytes copied into the slot (this
 * stream's own RTP header, as rewritten for this receiver) and a reference to a pktbuf holding
 * the rest (the payload). So one received packet relayed to N receivers is held once, in the
 * buffer it was received into, plus N small headers: the fan-out does not multiply the payload.
 * A packet without such a shared buffer is put whole (header length 0) in a buffer of its own.
 * The ring grows by doubling (a rare malloc, when the packet rate rises) up to max_packets;
 * putting and copying packets out never allocates. Time is an argument. Engine code: no clock,
 * no I/O, no logging; one owner at a time (the pc's transmit lock serialises the callers).
 *
 * Ownership: the cache holds one reference per slot on the slot's buffer, dropped when the
 * packet expires, is replaced, is evicted, or the cache is freed; lumen_pktbuf_unref may thus
 * run on the cache's thread for a buffer of another thread's pool (pktbuf.h allows that). The
 * referenced bytes are shared and never written by the cache (pktbuf.h's fan-out rule). */
#ifndef LUMEN_WEBRTC_PKTCACHE_H
#define LUMEN_WEBRTC_PKTCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "webrtc/pktbuf.h"

/* Longest header kept inline in a slot (fixed header, CSRCs, extension block). A longer one
 * makes the caller put the packet whole in a buffer of its own. */
#define LUMEN_PKTCACHE_HDR_MAX 64

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

/* Stores packet seq sent at now_us, replacing a packet with the same seq: the first hdr_len
 * bytes (hdr_len <= LUMEN_PKTCACHE_HDR_MAX; 0 when the whole packet is in buf) are copied from
 * hdr, the rest is payload[0..payload_len), which must lie inside buf's storage (see
 * lumen_pktcache_buf_holds); the cache takes a reference of its own on buf (transfer none) and
 * relies on those bytes never changing while it holds it. Returns 0; -ERANGE when seq is older
 * than everything the ring can span, -EINVAL when payload is outside buf or hdr_len too long
 * (not stored). */
int lumen_pktcache_put_ref(struct lumen_pktcache *cache, uint16_t seq, struct lumen_pktbuf *buf,
			   const uint8_t *payload, size_t payload_len, const uint8_t *hdr,
			   size_t hdr_len, uint64_t now_us);

/* The whole packet in buf (buf->data, buf->len): lumen_pktcache_put_ref with no header. */
int lumen_pktcache_put(struct lumen_pktcache *cache, uint16_t seq, struct lumen_pktbuf *buf,
		       uint64_t now_us);

/* Rebuilds packet seq, if it is still held, into dst[0..cap): its header then its payload.
 * Returns the length, -ENOENT (not held: a miss), or -ENOSPC (cap too small). */
ssize_t lumen_pktcache_copy(struct lumen_pktcache *cache, uint16_t seq, uint64_t now_us,
			    uint8_t *dst, size_t cap);

/* The buffer that holds packet seq's payload, if the packet is still held: a new reference
 * (transfer full), or NULL. For a packet put whole (lumen_pktcache_put) it is the packet;
 * otherwise the header is not in it: use lumen_pktcache_copy to resend. */
struct lumen_pktbuf *lumen_pktcache_get(struct lumen_pktcache *cache, uint16_t seq,
					uint64_t now_us);

/* Releases packets older than hold_us. put() does this too. */
void lumen_pktcache_expire(struct lumen_pktcache *cache, uint64_t now_us);

void lumen_pktcache_stats(const struct lumen_pktcache *cache, struct lumen_pktcache_stats *st);

/* True if p[0..len) lies inside buf's storage. Address arithmetic only, buf is not read: it
 * tells whether bytes a caller hands over together with a buffer (a plugin may pass a modified
 * copy of a packet along with the original's buffer) really are that buffer's, so that the
 * buffer may be referenced in their place. NULL buf: false. */
static inline bool lumen_pktcache_buf_holds(const struct lumen_pktbuf *buf, const uint8_t *p,
					    size_t len)
{
	uintptr_t s, a = (uintptr_t)p;

	if (!buf)
		return false;
	s = (uintptr_t)buf->storage;
	return a >= s && len <= sizeof(buf->storage) && a - s <= sizeof(buf->storage) - len;
}

#endif
