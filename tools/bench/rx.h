/* rx.h -- lumen-bench's subscribers' receive loop (--rx batch, the default, and --rx split): once
 * a subscriber's pc is up, this loop reads its selected pair's datagrams with recvmmsg(2) from one
 * epoll set for every subscriber, and hands each to the pc's normal input path (DTLS, SRTP,
 * SRTCP). Replaces, per packet, a GLib source dispatch, a poll over every socket and a recvmsg(2)
 * through libnice (about half of the bench's CPU at 200 subscribers, docs/bench.md).
 *
 * Which socket. batch: the pair's own (webrtc/pc_rawrx.h lumen_pc_rawrx_take); libnice reads it
 * no more, so the subscriber's agent runs without consent freshness (no response would reach it)
 * and STUN that arrives is dropped: neither server needs answers once connected (lumen is
 * ICE-lite, Janus sends keepalive indications). split: a second socket on the pair's port that
 * the kernel gives every non-STUN datagram (rxsplit.h), STUN left to libnice on a context of its
 * own, iterated every BENCH_RX_STUN_MS. The split costs the sender: the two sockets form a
 * reuseport group, and the kernel picks between them by running the group's BPF program on
 * every datagram, in the softirq of the send, which on one machine is the server's
 * (reuseport_select_sock: 1.4-3.4 % of lumen's CPU at fanout N = 20 in perf). A browser's
 * socket is alone on its port; so is batch's.
 *
 * When: with poll_ms 0, as soon as the kernel wakes the bench (the bench's thread sleeps on the
 * epoll fd); with poll_ms N, every N ms, the thread never sleeping on the sockets. Why the second
 * (--rx-poll-ms, lumen-bench's default 1): the load and the server share one machine, and a UDP
 * send over veth delivers the datagram in the sender's context; when a receiver sleeps on the
 * socket, each send also pays for waking it (sock_def_readable, an inter-processor wake-up: 15 %
 * of lumen's CPU at fanout N = 20 in perf). A receiver on another host costs the server none of
 * that, so the server's CPU per packet is measured without it. The delay is unaffected: it ends
 * at the kernel's receive timestamp.
 *
 * Each datagram carries its kernel receive time (SO_TIMESTAMPNS): bench_rx_now_ns() gives it,
 * on the CLOCK_MONOTONIC of bench_now_ns(), to whatever the delivery calls (the subscriber's
 * on_rtp), so the one-way delay ends when the packet reached the bench's socket, not when the
 * loop got to it.
 *
 * Everything on the default GMainContext (bench.h). Ownership: a struct bench_rx outlives every
 * connection added to it; a struct bench_rx_conn is the caller's (inside its subscriber) and must
 * be removed before its pc is freed. */
#ifndef BENCH_RX_H
#define BENCH_RX_H

#include <stdbool.h>
#include <stdint.h>

struct lumen_pc;
struct bench_rx;

#define BENCH_RX_STUN_MS 20 /* how often libnice's sockets (STUN only, after a split) are read */

struct bench_rx_conn {
	struct lumen_pc *pc;
	int fd; /* the pc's taken or split socket (the pc's), -1: not added */
};

struct bench_rx_stats {
	uint64_t wakeups; /* dispatches (or ticks) that found something */
	uint64_t reads;   /* recvmmsg calls that returned datagrams */
	uint64_t datagrams;
};

/* split: --rx split (else batch, above). poll_ms: 0, read when the epoll fd is readable; N, every
 * N ms (see above). Returns NULL with
 * *err (g_malloc'd) when epoll cannot be set up. */
struct bench_rx *bench_rx_new(bool split, unsigned poll_ms, char **err);
void bench_rx_free(struct bench_rx *rx);

/* Starts reading c's pc (up) through rx. With batch, the pc must have been made with
 * config.ice.consent_off. Returns 0, or a negative errno (the pc keeps receiving through libnice
 * then). */
int bench_rx_add(struct bench_rx *rx, struct bench_rx_conn *c, struct lumen_pc *pc);
/* Stops it (c not added: nothing). */
void bench_rx_remove(struct bench_rx *rx, struct bench_rx_conn *c);

void bench_rx_get_stats(const struct bench_rx *rx, struct bench_rx_stats *out);

/* The kernel receive time (CLOCK_MONOTONIC ns) of the datagram being delivered, 0 outside a
 * delivery of this loop (or when the kernel gave none). */
int64_t bench_rx_now_ns(void);

#endif
