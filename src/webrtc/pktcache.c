/* pktcache.c -- per-stream ring of sent packets for retransmission (see pktcache.h).
 *
 * The ring spans the extended sequence numbers [oldest, newest]; slot e & mask holds packet e
 * (or nothing, for a gap). When a new packet does not fit the span, the ring doubles if its
 * oldest packet is younger than hold_us and the cap allows, else the oldest packets go. A slot
 * is the packet's header (inline) and a reference to the buffer holding the rest; the payload's
 * place in that buffer is an offset into its storage, so a slot stays under 100 bytes. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "webrtc/pktcache.h"

#define MIN_HOLD_US 1000000
#define MAX_SLOTS   32768 /* half the sequence space, so extended numbers stay unambiguous */
/* put() releases expired packets in batches: only once the oldest is this much past its hold.
 * The oldest slot was written a second ago and is cold; touching it on every put cost a cache
 * miss per relayed packet (perf at N = 20). Lookups still honour hold_us exactly. */
#define EXPIRE_SLACK_US 20000

struct slot {
	struct lumen_pktbuf *buf; /* our reference; the payload is in its storage */
	int64_t ext;
	uint64_t t_us;
	uint16_t off, plen;       /* payload: buf->storage[off .. off + plen) */
	uint8_t hlen;
	uint8_t hdr[LUMEN_PKTCACHE_HDR_MAX];
};

struct lumen_pktcache {
	struct lumen_pktcache_cfg cfg;
	struct slot *slots;
	size_t nslots;
	int64_t oldest, newest;
	uint64_t due_us;  /* put() expires nothing before this; 0: unknown (oldest moved) */
	size_t count, bytes;
	struct lumen_pktcache_stats st;
};

static bool pow2(size_t n)
{
	return n && !(n & (n - 1));
}

struct lumen_pktcache *lumen_pktcache_new(const struct lumen_pktcache_cfg *cfg)
{
	struct lumen_pktcache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (cfg)
		c->cfg = *cfg;
	if (c->cfg.hold_us < MIN_HOLD_US)
		c->cfg.hold_us = MIN_HOLD_US;
	if (!c->cfg.max_packets)
		c->cfg.max_packets = 8192;
	if (!c->cfg.initial_slots)
		c->cfg.initial_slots = c->cfg.max_packets < 256 ? c->cfg.max_packets : 256;
	if (!pow2(c->cfg.max_packets) || !pow2(c->cfg.initial_slots) ||
	    c->cfg.max_packets > MAX_SLOTS || c->cfg.initial_slots > c->cfg.max_packets)
		goto fail;
	c->nslots = c->cfg.initial_slots;
	c->slots = calloc(c->nslots, sizeof(*c->slots));
	if (!c->slots)
		goto fail;
	return c;
fail:
	lumen_pktcache_free(c);
	return NULL;
}

void lumen_pktcache_free(struct lumen_pktcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; c->slots && i < c->nslots; i++)
		lumen_pktbuf_unref(c->slots[i].buf);
	free(c->slots);
	free(c);
}

static struct slot *slot_of(const struct lumen_pktcache *c, int64_t ext)
{
	return &c->slots[(size_t)ext & (c->nslots - 1)];
}

static void release(struct lumen_pktcache *c, struct slot *s)
{
	c->bytes -= (size_t)s->hlen + s->plen;
	c->count--;
	lumen_pktbuf_unref(s->buf);
	s->buf = NULL;
}

/* Drops the packet at oldest (if any) and moves oldest on. */
static void pop_oldest(struct lumen_pktcache *c, uint64_t *counter)
{
	struct slot *s = slot_of(c, c->oldest);

	if (s->buf && s->ext == c->oldest) {
		release(c, s);
		(*counter)++;
	}
	c->oldest++;
	c->due_us = 0;
}

void lumen_pktcache_expire(struct lumen_pktcache *c, uint64_t now_us)
{
	while (c->count) {
		struct slot *s = slot_of(c, c->oldest);

		if (s->buf && s->ext == c->oldest && now_us <= s->t_us + c->cfg.hold_us) {
			c->due_us = s->t_us + c->cfg.hold_us + EXPIRE_SLACK_US;
			break;
		}
		pop_oldest(c, &c->st.evicted_age);
	}
}

static int grow(struct lumen_pktcache *c)
{
	size_t n = c->nslots * 2;
	struct slot *ns;

	if (n > c->cfg.max_packets)
		return -ENOSPC;
	ns = calloc(n, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < c->nslots; i++)
		if (c->slots[i].buf)
			ns[(size_t)c->slots[i].ext & (n - 1)] = c->slots[i];
	free(c->slots);
	c->slots = ns;
	c->nslots = n;
	c->st.grows++;
	return 0;
}

/* Makes the span [oldest, ext] fit the ring, growing or evicting. */
static void make_room(struct lumen_pktcache *c, int64_t ext, uint64_t now_us)
{
	while (c->count && ext - c->oldest + 1 > (int64_t)c->nslots) {
		struct slot *s = slot_of(c, c->oldest);
		bool young = s->buf && s->ext == c->oldest && now_us < s->t_us + c->cfg.hold_us;

		if (young && grow(c) == 0)
			continue;
		pop_oldest(c, young ? &c->st.evicted_size : &c->st.evicted_age);
	}
}

int lumen_pktcache_put_ref(struct lumen_pktcache *c, uint16_t seq, struct lumen_pktbuf *buf,
			   const uint8_t *payload, size_t payload_len, const uint8_t *hdr,
			   size_t hdr_len, uint64_t now_us)
{
	int64_t ext;
	struct slot *s;

	if (hdr_len > LUMEN_PKTCACHE_HDR_MAX || !lumen_pktcache_buf_holds(buf, payload, payload_len))
		return -EINVAL;
	if (c->count && now_us > c->due_us)
		lumen_pktcache_expire(c, now_us);
	if (!c->count) {
		ext = c->newest + (int16_t)(seq - (uint16_t)c->newest);
		c->oldest = c->newest = ext;
		c->due_us = 0;
	} else {
		ext = c->newest + (int16_t)(seq - (uint16_t)c->newest);
		if (ext > c->newest) {
			make_room(c, ext, now_us);
			if (!c->count)
				c->oldest = ext;
			c->newest = ext;
		} else if (ext < c->oldest) {
			if (c->newest - ext + 1 > (int64_t)c->nslots)
				return -ERANGE;
			c->oldest = ext;
			c->due_us = 0;
		}
	}
	s = slot_of(c, ext);
	if (s->buf)
		release(c, s);
	s->buf = lumen_pktbuf_ref(buf);
	s->ext = ext;
	s->t_us = now_us;
	s->off = (uint16_t)(payload - buf->storage);
	s->plen = (uint16_t)payload_len;
	s->hlen = (uint8_t)hdr_len;
	if (hdr_len)
		memcpy(s->hdr, hdr, hdr_len);
	c->count++;
	c->bytes += hdr_len + payload_len;
	while (c->cfg.max_bytes && c->bytes > c->cfg.max_bytes && c->oldest < ext)
		pop_oldest(c, &c->st.evicted_size);
	return 0;
}

int lumen_pktcache_put(struct lumen_pktcache *c, uint16_t seq, struct lumen_pktbuf *buf,
		       uint64_t now_us)
{
	return lumen_pktcache_put_ref(c, seq, buf, buf->data, buf->len, NULL, 0, now_us);
}

/* The slot of packet seq if it is still held, else NULL (a miss, counted). */
static struct slot *held(struct lumen_pktcache *c, uint16_t seq, uint64_t now_us)
{
	int64_t ext = c->newest + (int16_t)(seq - (uint16_t)c->newest);
	struct slot *s;

	if (!c->count || ext < c->oldest || ext > c->newest)
		goto miss;
	s = slot_of(c, ext);
	if (!s->buf || s->ext != ext || now_us > s->t_us + c->cfg.hold_us)
		goto miss;
	return s;
miss:
	c->st.misses++;
	return NULL;
}

ssize_t lumen_pktcache_copy(struct lumen_pktcache *c, uint16_t seq, uint64_t now_us, uint8_t *dst,
			    size_t cap)
{
	struct slot *s = held(c, seq, now_us);

	if (!s)
		return -ENOENT;
	if ((size_t)s->hlen + s->plen > cap)
		return -ENOSPC;
	c->st.hits++;
	memcpy(dst, s->hdr, s->hlen);
	memcpy(dst + s->hlen, s->buf->storage + s->off, s->plen);
	return (ssize_t)s->hlen + s->plen;
}

struct lumen_pktbuf *lumen_pktcache_get(struct lumen_pktcache *c, uint16_t seq, uint64_t now_us)
{
	struct slot *s = held(c, seq, now_us);

	if (!s)
		return NULL;
	c->st.hits++;
	return lumen_pktbuf_ref(s->buf);
}

void lumen_pktcache_stats(const struct lumen_pktcache *c, struct lumen_pktcache_stats *st)
{
	*st = c->st;
	st->packets = c->count;
	st->bytes = c->bytes;
	st->slots = c->nslots;
}
