/* pacer.h -- lumen-bench's send pacer. A browser does not put a video frame's packets on the wire
 * back to back: its pacer lets them out at a multiple of the target bitrate (Chrome: 2.5x), so a
 * keyframe of tens of packets is spread over tens of milliseconds. A publisher that bursts
 * instead makes every server queue each packet behind the fan-out of the ones before it, which
 * is not the delay a real sender would see. This is a byte-budget (token bucket) queue:
 *
 *  - bench_pacer_push copies a packet into a preallocated slot (no malloc after creation);
 *  - bench_pacer_drain hands out, in order, the packets the budget allows at now_ns: the budget
 *    grows by rate / 8 bytes per second and a packet goes when the budget covers it;
 *  - the budget never exceeds one packet or 5 ms at the rate, whichever is more, so a pause or a
 *    late drain does not turn into a burst.
 *
 * Time is an argument (nanoseconds, any monotonic origin). One thread. */
#ifndef BENCH_PACER_H
#define BENCH_PACER_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_PACER_PACKET 1500 /* largest packet a slot holds */

struct bench_pacer;

typedef void (*bench_pacer_send_cb)(void *user, uint8_t *pkt, size_t len);

/* A pacer letting rate_bps bits per second out, with slots packets of queue. NULL on a zero
 * rate or slot count. */
struct bench_pacer *bench_pacer_new(uint64_t rate_bps, unsigned slots);
void bench_pacer_free(struct bench_pacer *p);

/* Queues a copy of pkt. Returns 0; -ENOSPC when the queue is full and -EMSGSIZE when pkt is
 * larger than a slot (the caller sends it at once: nothing is dropped). */
int bench_pacer_push(struct bench_pacer *p, const uint8_t *pkt, size_t len);

/* Calls send for every queued packet the budget allows at now_ns, oldest first; the packet is
 * writable during the call (lumen-bench restamps its send-time trailer). Returns how many. */
unsigned bench_pacer_drain(struct bench_pacer *p, int64_t now_ns, bench_pacer_send_cb send,
                           void *user);

/* Packets waiting. */
unsigned bench_pacer_queued(const struct bench_pacer *p);

#endif
