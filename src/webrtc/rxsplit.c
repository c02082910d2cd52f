/* rxsplit.c -- a second socket on a UDP port for everything but STUN, and batched reads with
 * kernel timestamps (see rxsplit.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg */
#endif
#include "webrtc/rxsplit.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The group's sockets in the order they joined it: the original (index 0, its group is made
 * when the second one binds) and ours (1). */
static int attach_steering(int fd)
{
	/* A = payload[0] (the kernel runs the program with the data at the UDP payload); STUN's
	 * first byte is 0..3 (RFC 7983). An empty datagram fails the load: the program returns
	 * 0, the original socket. */
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 4, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, 0),
	    BPF_STMT(BPF_RET | BPF_K, 1),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

int lumen_rxbatch_enable_stamps(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0 ? -errno : 0;
}

int lumen_rxsplit_open(int fd)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	int one = 1, s = -1, rc;

	if (getsockname(fd, (struct sockaddr *)&local, &len) < 0)
		return -errno;
	if (local.ss_family != AF_INET && local.ss_family != AF_INET6)
		return -EAFNOSUPPORT;
	/* The original joins the group only if it has the option too; setting it on a bound
	 * socket is allowed (the kernel checks it when the next socket binds). */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		return -errno;
	s = socket(local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (local.ss_family == AF_INET6 &&
	    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail;
	if (setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&local, len) < 0)
		goto fail;
	if ((rc = attach_steering(s)) < 0 || (rc = lumen_rxbatch_enable_stamps(s)) < 0) {
		close(s);
		return rc;
	}
	return s;
fail:
	rc = -errno;
	close(s);
	return rc;
}

static int64_t stamp_of(struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		}
	}
	return 0;
}

static void setup(struct lumen_rxbatch *b, unsigned i)
{
	b->iov[i].iov_base = b->buf[i];
	b->iov[i].iov_len = sizeof(b->buf[i]);
	b->msg[i].msg_hdr = (struct msghdr){.msg_iov = &b->iov[i],
	                                    .msg_iovlen = 1,
	                                    .msg_control = b->ctl[i],
	                                    .msg_controllen = sizeof(b->ctl[i])};
	b->msg[i].msg_len = 0;
}

int lumen_rxbatch_read(struct lumen_rxbatch *b, int fd, unsigned max)
{
	int n;

	if (max > LUMEN_RXBATCH_MAX)
		max = LUMEN_RXBATCH_MAX;
	/* The kernel writes the headers of the datagrams it returns (length, flags, control
	 * length) and leaves the others as they were. */
	for (unsigned i = 0; i < b->dirty; i++)
		setup(b, i);
	for (unsigned i = b->ready; i < max; i++)
		setup(b, i);
	if (max > b->ready)
		b->ready = max;
	b->n = 0;
	n = recvmmsg(fd, b->msg, max, MSG_DONTWAIT, NULL);
	if (n < 0) {
		int e = errno;

		/* Nothing waiting: nothing written. Any other error: be safe, set all up again. */
		b->dirty = e == EAGAIN || e == EWOULDBLOCK ? 0 : b->ready;
		return e == EAGAIN || e == EWOULDBLOCK ? 0 : -e;
	}
	b->dirty = (unsigned)n;
	for (int i = 0; i < n; i++)
		b->rx_ns[i] = stamp_of(&b->msg[i].msg_hdr);
	b->n = (unsigned)n;
	return n;
}

struct lumen_rxbatch *lumen_rxbatch_new(void)
{
	return calloc(1, sizeof(struct lumen_rxbatch));
}

void lumen_rxbatch_free(struct lumen_rxbatch *b)
{
	free(b);
}
