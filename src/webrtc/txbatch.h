/* txbatch.h -- batched UDP sends for the forwarding path (DESIGN.md decision 4).
 *
 * Forwarding one received packet sends it to every subscriber, each on its own peer connection's
 * socket, so sendmmsg(2) (one socket per call) cannot batch the fan-out. io_uring can: one
 * io_uring_enter(2) issues sendmsg on many sockets. On this project's 2-core VM a UDP sendto()
 * costs about 2.9 us of CPU and an io_uring sendmsg in a batch of 20 sockets about 1.2-1.5 us
 * (1200-byte datagrams on loopback, thread CPU time; io_uring ran no worker threads).
 *
 * A batch is a scope on the calling thread: lumen_txbatch_begin() opens it (scopes nest), sends
 * made inside it are copied into a per-thread slot and queued, and the outermost
 * lumen_txbatch_end() submits them all in one system call. Outside a scope, or when io_uring is
 * unavailable (old kernel, seccomp, io_uring_disabled sysctl), lumen_txbatch_send() is one
 * sendto(2). Sends to the same socket leave in the order they were made. The environment
 * variable LUMEN_NO_IO_URING (any value) switches batching off, for comparisons and as an escape
 * hatch.
 *
 * Every request carries MSG_DONTWAIT, so the kernel completes each one while the batch is
 * submitted (a full socket buffer fails the packet with EAGAIN instead of parking it): the slots
 * are free again when lumen_txbatch_end() returns, and nothing waits. A packet that fails at
 * submission is counted (lumen_txbatch_stats), not reported to its sender: like a datagram lost
 * on the wire, retransmission (NACK) is the remedy.
 *
 * Threading: all state is per thread (created on the thread's first begin, freed when the thread
 * exits); any thread may use it. Statistics are process-wide atomics. Engine code: no logging. */
#ifndef LUMEN_WEBRTC_TXBATCH_H
#define LUMEN_WEBRTC_TXBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Packets queued before a batch is submitted early (the scope stays open). */
#define LUMEN_TXBATCH_SLOTS 64
/* Largest datagram a slot holds; bigger ones are sent at once with sendto(2). */
#define LUMEN_TXBATCH_MTU 1600

struct lumen_txbatch_stats {
	uint64_t submits;   /* io_uring_enter calls that sent a batch */
	uint64_t batched;   /* packets sent through a batch */
	uint64_t direct;    /* packets sent with sendto(2) (no scope, no io_uring, too big) */
	uint64_t failed;    /* packets the kernel refused (EAGAIN, ENOBUFS, unreachable ...) */
	uint64_t uring_off; /* threads on which io_uring could not be set up */
};

/* Opens a batch scope on this thread. Never fails: without io_uring, sends stay immediate. */
void lumen_txbatch_begin(void);

/* Closes the innermost scope; the outermost submits every queued packet. Returns how many
 * packets this call submitted (0 for an inner scope, or when the scope's sends went out at once
 * because io_uring is off). */
unsigned lumen_txbatch_end(void);

/* Submits what the open scopes have queued so far, now; they stay open (their outermost end
 * counts these packets too). For a packet that must not wait for the rest of the scope's work.
 * No scope, nothing queued or no io_uring: nothing to do. */
void lumen_txbatch_push(void);

/* Sends buf as one datagram on fd to `to` (NULL for a connected socket): queued when a scope is
 * open on this thread, else sent now. Returns len when queued or sent, -EAGAIN when the socket
 * buffer is full (immediate sends only), -EMSGSIZE, or -EIO for other errors. buf is copied: the
 * caller may reuse it at once. */
ssize_t lumen_txbatch_send(int fd, const struct sockaddr *to, socklen_t to_len, const uint8_t *buf,
			   size_t len);

/* Process-wide counters since start. */
void lumen_txbatch_stats(struct lumen_txbatch_stats *st);

/* Whether this thread's batch sends with IORING_OP_SEND and the destination in the request
 * (Linux 6.1+, probed when the thread's batch is set up) rather than IORING_OP_SENDMSG. The
 * environment variable LUMEN_TXBATCH_SENDMSG (any value) forces IORING_OP_SENDMSG, for
 * comparisons. Sets up the thread's batch if needed. */
bool lumen_txbatch_sends_with_addr(void);

/* Tests: false makes threads that have not yet set up their batch use sendto(2) only. */
void lumen_txbatch_set_uring(bool enabled);

#endif
