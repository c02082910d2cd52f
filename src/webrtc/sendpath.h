/* sendpath.h -- where a connection's datagrams go (a socket, the peer's address, whether ICE is
 * up), written by one thread and read by any without a lock: a sequence lock.
 *
 * Why: lumen_ice_send runs for every forwarded packet, on the agent's thread or a transmit
 * worker, and needs the selected pair's fd and address, which the agent's thread changes when a
 * pair is selected, lost or restarted (a few times in a connection's life). A mutex around the
 * read cost a lock and an unlock per packet (pthread_mutex_lock and unlock: 2-3 % of lumen's
 * samples at fanout N = 20, two pairs per packet with the pc's transmit lock). Here a reader
 * copies the few words and checks that no write overlapped; a write (rare) makes concurrent
 * readers copy again. Every shared word is a C11 atomic, so the copy is race-free in the
 * language's terms, not only on x86 (Boehm, "Can seqlocks get along with programming language
 * memory models?", 2012: the reader's acquire fence before re-reading the sequence).
 *
 * Threads: lumen_sendpath_set* on one thread (the writer; writes must not overlap), any thread
 * lumen_sendpath_get. Header-only: the reader inlines into the send path. */
#ifndef LUMEN_WEBRTC_SENDPATH_H
#define LUMEN_WEBRTC_SENDPATH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* Room for a sockaddr_in6 (28 bytes), in words the copy moves atomically. */
#define LUMEN_SENDPATH_ADDR_WORDS 4

struct lumen_sendpath {
	atomic_uint seq; /* odd while a write is in progress */
	atomic_bool up;  /* ICE connected */
	atomic_int fd;   /* the socket to send on directly, -1: none */
	atomic_uint to_len;
	_Atomic uint64_t to[LUMEN_SENDPATH_ADDR_WORDS];
};

/* A reader's consistent copy. */
struct lumen_sendpath_snap {
	bool up;
	int fd;
	socklen_t to_len;
	union {
		uint64_t w[LUMEN_SENDPATH_ADDR_WORDS];
		struct sockaddr sa;
	} to;
};

static inline void lumen_sendpath_init(struct lumen_sendpath *p)
{
	atomic_init(&p->seq, 0);
	atomic_init(&p->up, false);
	atomic_init(&p->fd, -1);
	atomic_init(&p->to_len, 0);
	for (int i = 0; i < LUMEN_SENDPATH_ADDR_WORDS; i++)
		atomic_init(&p->to[i], 0);
}

static inline unsigned lumen_sendpath_write_begin(struct lumen_sendpath *p)
{
	unsigned s = atomic_load_explicit(&p->seq, memory_order_relaxed);

	atomic_store_explicit(&p->seq, s + 1, memory_order_relaxed);
	/* The odd sequence is visible before any of the stores that follow. */
	atomic_thread_fence(memory_order_release);
	return s + 2;
}

static inline void lumen_sendpath_write_end(struct lumen_sendpath *p, unsigned s)
{
	atomic_store_explicit(&p->seq, s, memory_order_release);
}

/* ICE up or not; the socket and address stay as they are. */
static inline void lumen_sendpath_set_up(struct lumen_sendpath *p, bool up)
{
	unsigned s = lumen_sendpath_write_begin(p);

	atomic_store_explicit(&p->up, up, memory_order_relaxed);
	lumen_sendpath_write_end(p, s);
}

/* Send on fd to `to` from now on; fd -1 (to NULL): no direct socket. A to_len larger than
 * LUMEN_SENDPATH_ADDR_WORDS words is taken as no socket (no address family has one). */
static inline void lumen_sendpath_set_socket(struct lumen_sendpath *p, int fd,
					     const struct sockaddr *to, socklen_t to_len)
{
	uint64_t w[LUMEN_SENDPATH_ADDR_WORDS] = {0};
	unsigned s;

	if (fd < 0 || !to || to_len > sizeof(w)) {
		fd = -1;
		to_len = 0;
	} else {
		memcpy(w, to, to_len);
	}
	s = lumen_sendpath_write_begin(p);
	atomic_store_explicit(&p->fd, fd, memory_order_relaxed);
	atomic_store_explicit(&p->to_len, (unsigned)to_len, memory_order_relaxed);
	for (int i = 0; i < LUMEN_SENDPATH_ADDR_WORDS; i++)
		atomic_store_explicit(&p->to[i], w[i], memory_order_relaxed);
	lumen_sendpath_write_end(p, s);
}

/* A copy no write overlapped. Spins only while a write is in progress (a few stores). */
static inline void lumen_sendpath_get(struct lumen_sendpath *p, struct lumen_sendpath_snap *out)
{
	unsigned s0, s1;

	do {
		s0 = atomic_load_explicit(&p->seq, memory_order_acquire);
		out->up = atomic_load_explicit(&p->up, memory_order_relaxed);
		out->fd = atomic_load_explicit(&p->fd, memory_order_relaxed);
		out->to_len = (socklen_t)atomic_load_explicit(&p->to_len, memory_order_relaxed);
		for (int i = 0; i < LUMEN_SENDPATH_ADDR_WORDS; i++)
			out->to.w[i] = atomic_load_explicit(&p->to[i], memory_order_relaxed);
		/* The loads above complete before the sequence is read again. */
		atomic_thread_fence(memory_order_acquire);
		s1 = atomic_load_explicit(&p->seq, memory_order_relaxed);
	} while ((s0 & 1) || s0 != s1);
}

#endif
