/* txbatch.c -- per-thread io_uring batches of UDP sends (see txbatch.h for the contract). */
#include "webrtc/txbatch.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <glib.h>
#include <liburing.h>

struct slot {
	struct msghdr msg; /* IORING_OP_SENDMSG only */
	struct iovec iov;
	struct sockaddr_storage to;
	uint8_t data[LUMEN_TXBATCH_MTU];
};

struct txbatch {
	struct io_uring ring;
	bool uring;     /* ring set up */
	/* IORING_OP_SEND takes the destination itself (Linux 6.1+): the kernel then copies neither
	 * a msghdr nor an iovec array per packet, which IORING_OP_SENDMSG does (the request set-up
	 * went from 1.2 % to 1.0 % of lumen's CPU at fanout N = 20 in perf). Older kernels refuse
	 * the address (-EINVAL), so batch_get() tries one send (probe_send_addr) before relying on
	 * it. */
	bool send_addr;
	unsigned depth; /* open scopes */
	unsigned used;  /* queued slots */
	unsigned flushed; /* packets submitted early (full batch) in the current scope */
	struct slot slots[LUMEN_TXBATCH_SLOTS];
};

static atomic_uint_fast64_t st_submits, st_batched, st_direct, st_failed, st_uring_off;
static atomic_bool uring_enabled = true;

static void txbatch_free(gpointer p)
{
	struct txbatch *b = p;

	if (b->uring)
		io_uring_queue_exit(&b->ring);
	free(b);
}

/* Freed by GLib when the owning thread exits (workers), or never for the main thread. */
static GPrivate tls_batch = G_PRIVATE_INIT(txbatch_free);

/* Whether this ring's IORING_OP_SEND accepts a destination address: one datagram from a socket
 * on the loopback to itself. Any failure (no loopback in a sandbox, an old kernel) answers no,
 * and the batch keeps using IORING_OP_SENDMSG, which every io_uring kernel has. */
static bool probe_send_addr(struct io_uring *ring)
{
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t me_len = sizeof(me);
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	uint8_t byte = 0;
	bool ok = false;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return false;
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&me, &me_len) < 0)
		goto out;
	sqe = io_uring_get_sqe(ring);
	if (!sqe)
		goto out;
	io_uring_prep_send(sqe, fd, &byte, 1, MSG_DONTWAIT);
	io_uring_prep_send_set_addr(sqe, (struct sockaddr *)&me, (uint16_t)me_len);
	if (io_uring_submit_and_wait(ring, 1) < 0 || io_uring_peek_cqe(ring, &cqe) < 0)
		goto out;
	ok = cqe->res == 1 && recv(fd, &byte, 1, MSG_DONTWAIT) == 1;
	io_uring_cqe_seen(ring, cqe);
out:
	close(fd);
	return ok;
}

/* The thread's batch, set up on first use; NULL only when out of memory. */
static struct txbatch *batch_get(void)
{
	struct txbatch *b = g_private_get(&tls_batch);

	if (b)
		return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	if (atomic_load_explicit(&uring_enabled, memory_order_relaxed) && !getenv("LUMEN_NO_IO_URING") &&
	    io_uring_queue_init(LUMEN_TXBATCH_SLOTS, &b->ring, 0) == 0) {
		b->uring = true;
		b->send_addr = !getenv("LUMEN_TXBATCH_SENDMSG") && probe_send_addr(&b->ring);
	} else
		atomic_fetch_add_explicit(&st_uring_off, 1, memory_order_relaxed);
	g_private_set(&tls_batch, b);
	return b;
}

static ssize_t send_now(int fd, const struct sockaddr *to, socklen_t to_len, const uint8_t *buf,
			size_t len)
{
	ssize_t k = sendto(fd, buf, len, MSG_DONTWAIT, to, to ? to_len : 0);

	atomic_fetch_add_explicit(&st_direct, 1, memory_order_relaxed);
	if (k >= 0)
		return k;
	atomic_fetch_add_explicit(&st_failed, 1, memory_order_relaxed);
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
		return -EAGAIN;
	return errno == EMSGSIZE ? -EMSGSIZE : -EIO;
}

/* Submits every queued slot in one io_uring_enter and reaps the completions. With MSG_DONTWAIT
 * the kernel finishes each sendmsg during the submission (EAGAIN fails it rather than arming a
 * poll), so waiting for `used` completions does not block. */
static void flush(struct txbatch *b)
{
	unsigned n = b->used, seen = 0, head;
	struct io_uring_cqe *cqe;
	int rc;

	if (!n)
		return;
	b->used = 0;
	rc = io_uring_submit_and_wait(&b->ring, n);
	if (rc < 0) {
		/* The ring itself failed (no memory for requests, completion queue overflow): count the
		 * batch as lost and fall back to sendto(2) on this thread for good, rather than reuse
		 * slots the kernel may still read. io_uring_queue_exit cancels what was not issued. */
		atomic_fetch_add_explicit(&st_failed, n, memory_order_relaxed);
		atomic_fetch_add_explicit(&st_uring_off, 1, memory_order_relaxed);
		io_uring_queue_exit(&b->ring);
		b->uring = false;
		return;
	}
	atomic_fetch_add_explicit(&st_submits, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&st_batched, n, memory_order_relaxed);
	io_uring_for_each_cqe(&b->ring, head, cqe)
	{
		if (cqe->res < 0)
			atomic_fetch_add_explicit(&st_failed, 1, memory_order_relaxed);
		seen++;
	}
	io_uring_cq_advance(&b->ring, seen);
}

void lumen_txbatch_begin(void)
{
	struct txbatch *b = batch_get();

	if (b)
		b->depth++;
}

unsigned lumen_txbatch_end(void)
{
	struct txbatch *b = g_private_get(&tls_batch);
	unsigned n;

	if (!b || !b->depth || --b->depth > 0 || !b->uring)
		return 0;
	n = b->used + b->flushed; /* early flushes of a long fan-out count too */
	b->flushed = 0;
	flush(b);
	return n;
}

void lumen_txbatch_push(void)
{
	struct txbatch *b = g_private_get(&tls_batch);

	if (!b || !b->depth || !b->uring || !b->used)
		return;
	b->flushed += b->used;
	flush(b);
}

ssize_t lumen_txbatch_send(int fd, const struct sockaddr *to, socklen_t to_len, const uint8_t *buf,
			   size_t len)
{
	struct txbatch *b = g_private_get(&tls_batch);
	struct io_uring_sqe *sqe;
	struct slot *s;

	if (!b || !b->depth || !b->uring || len > LUMEN_TXBATCH_MTU ||
	    (to && to_len > sizeof(s->to)))
		return send_now(fd, to, to_len, buf, len);
	if (b->used == LUMEN_TXBATCH_SLOTS) {
		b->flushed += b->used;
		flush(b);
	}
	sqe = io_uring_get_sqe(&b->ring);
	if (!sqe)
		return send_now(fd, to, to_len, buf, len);
	s = &b->slots[b->used++];
	memcpy(s->data, buf, len);
	if (to)
		memcpy(&s->to, to, to_len);
	if (b->send_addr) {
		io_uring_prep_send(sqe, fd, s->data, len, MSG_DONTWAIT);
		if (to)
			io_uring_prep_send_set_addr(sqe, (struct sockaddr *)&s->to, (uint16_t)to_len);
		return (ssize_t)len;
	}
	s->iov.iov_base = s->data;
	s->iov.iov_len = len;
	memset(&s->msg, 0, sizeof(s->msg));
	s->msg.msg_iov = &s->iov;
	s->msg.msg_iovlen = 1;
	if (to) {
		s->msg.msg_name = &s->to;
		s->msg.msg_namelen = to_len;
	}
	io_uring_prep_sendmsg(sqe, fd, &s->msg, MSG_DONTWAIT);
	return (ssize_t)len;
}

void lumen_txbatch_stats(struct lumen_txbatch_stats *st)
{
	st->submits = atomic_load_explicit(&st_submits, memory_order_relaxed);
	st->batched = atomic_load_explicit(&st_batched, memory_order_relaxed);
	st->direct = atomic_load_explicit(&st_direct, memory_order_relaxed);
	st->failed = atomic_load_explicit(&st_failed, memory_order_relaxed);
	st->uring_off = atomic_load_explicit(&st_uring_off, memory_order_relaxed);
}

bool lumen_txbatch_sends_with_addr(void)
{
	struct txbatch *b = batch_get();

	return b && b->uring && b->send_addr;
}

void lumen_txbatch_set_uring(bool enabled)
{
	atomic_store_explicit(&uring_enabled, enabled, memory_order_relaxed);
}
