/* pacer.c -- lumen-bench's send pacer (pacer.h). */
#include "pacer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pacer_slot {
	size_t len;
	uint8_t data[BENCH_PACER_PACKET];
};

struct bench_pacer {
	uint64_t rate_bps;
	unsigned slots, head, count;
	double budget;  /* bytes that may go now */
	double burst;   /* the most budget there can be (see bench_pacer_new) */
	int64_t last_ns; /* when budget was last brought up to date; 0 = never */
	struct pacer_slot *ring;
};

struct bench_pacer *bench_pacer_new(uint64_t rate_bps, unsigned slots)
{
	struct bench_pacer *p;

	if (!rate_bps || !slots)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ring = calloc(slots, sizeof(*p->ring));
	if (!p->ring) {
		free(p);
		return NULL;
	}
	p->rate_bps = rate_bps;
	p->slots = slots;
	/* One packet, or 5 ms at the rate if that is more: drains come from a timer a few ms
	 * apart, and a cap below what one interval earns would lower the rate. */
	p->burst = (double)rate_bps * 0.005 / 8;
	if (p->burst < BENCH_PACER_PACKET)
		p->burst = BENCH_PACER_PACKET;
	p->budget = p->burst;
	return p;
}

void bench_pacer_free(struct bench_pacer *p)
{
	if (!p)
		return;
	free(p->ring);
	free(p);
}

int bench_pacer_push(struct bench_pacer *p, const uint8_t *pkt, size_t len)
{
	struct pacer_slot *s;

	if (len > BENCH_PACER_PACKET)
		return -EMSGSIZE;
	if (p->count == p->slots)
		return -ENOSPC;
	s = &p->ring[(p->head + p->count) % p->slots];
	memcpy(s->data, pkt, len);
	s->len = len;
	p->count++;
	return 0;
}

unsigned bench_pacer_drain(struct bench_pacer *p, int64_t now_ns, bench_pacer_send_cb send,
                           void *user)
{
	unsigned sent = 0;

	if (p->last_ns && now_ns > p->last_ns)
		p->budget += (double)(now_ns - p->last_ns) * (double)p->rate_bps / 8e9;
	p->last_ns = now_ns;
	/* The budget does not pile up beyond the burst, so after a pause (or a late drain) the
	 * packets are paced again instead of going out together. */
	if (p->budget > p->burst)
		p->budget = p->burst;
	while (p->count && p->budget >= (double)p->ring[p->head].len) {
		struct pacer_slot *s = &p->ring[p->head];

		p->budget -= (double)s->len;
		p->head = (p->head + 1) % p->slots;
		p->count--;
		send(user, s->data, s->len);
		sent++;
	}
	return sent;
}

unsigned bench_pacer_queued(const struct bench_pacer *p)
{
	return p->count;
}
