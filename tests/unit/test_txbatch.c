/* test_txbatch.c -- specification tests for src/webrtc/txbatch.c (batched UDP sends).
 *
 * Real UDP sockets on 127.0.0.1: senders (one per "subscriber") and one receiver per sender, so
 * the tests see what the kernel delivered and in which order. The statistics tell whether a
 * packet went through a batch or straight out. Criterion runs each test in its own process, so
 * the per-thread batch and the process-wide counters start fresh every time. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "webrtc/txbatch.h"

#define NSOCK 5

static int tx[NSOCK], rx[NSOCK];
static struct sockaddr_in to[NSOCK];

static void setup(void)
{
	for (int i = 0; i < NSOCK; i++) {
		socklen_t l = sizeof(to[i]);
		int big = 1 << 20;

		rx[i] = socket(AF_INET, SOCK_DGRAM, 0);
		tx[i] = socket(AF_INET, SOCK_DGRAM, 0);
		cr_assert(rx[i] >= 0 && tx[i] >= 0);
		memset(&to[i], 0, sizeof(to[i]));
		to[i].sin_family = AF_INET;
		to[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		cr_assert_eq(bind(rx[i], (struct sockaddr *)&to[i], sizeof(to[i])), 0);
		cr_assert_eq(getsockname(rx[i], (struct sockaddr *)&to[i], &l), 0);
		setsockopt(rx[i], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	}
}

static void teardown(void)
{
	for (int i = 0; i < NSOCK; i++) {
		close(rx[i]);
		close(tx[i]);
	}
}

static ssize_t send_tagged(int i, uint32_t tag, size_t len)
{
	uint8_t buf[LUMEN_TXBATCH_MTU + 16];

	memset(buf, (int)(tag & 0xff), sizeof(buf));
	memcpy(buf, &tag, sizeof(tag));
	return lumen_txbatch_send(tx[i], (struct sockaddr *)&to[i], sizeof(to[i]), buf, len);
}

/* The next datagram on receiver i (non-blocking): its tag, or -1 when there is none. */
static long recv_tag(int i, size_t *len)
{
	uint8_t buf[2048];
	uint32_t tag;
	ssize_t n = recv(rx[i], buf, sizeof(buf), MSG_DONTWAIT);

	if (n < (ssize_t)sizeof(tag))
		return -1;
	memcpy(&tag, buf, sizeof(tag));
	if (len)
		*len = (size_t)n;
	return tag;
}

TestSuite(txbatch, .init = setup, .fini = teardown);

Test(txbatch, outside_a_scope_each_send_goes_out_at_once)
{
	struct lumen_txbatch_stats st;

	cr_assert_eq(send_tagged(0, 7, 100), 100);
	cr_assert_eq(recv_tag(0, NULL), 7, "sent without a batch scope, the datagram is there");
	lumen_txbatch_stats(&st);
	cr_assert_eq(st.direct, 1);
	cr_assert_eq(st.batched, 0);
}

Test(txbatch, a_scope_holds_packets_until_it_ends_and_keeps_per_socket_order)
{
	struct lumen_txbatch_stats st;

	lumen_txbatch_begin();
	for (uint32_t k = 0; k < 4; k++)
		for (int i = 0; i < NSOCK; i++)
			cr_assert_eq(send_tagged(i, k * 100 + (uint32_t)i, 1200), 1200);
	for (int i = 0; i < NSOCK; i++)
		cr_assert_eq(recv_tag(i, NULL), -1, "nothing leaves before the scope ends");
	cr_assert_eq(lumen_txbatch_end(), 4 * NSOCK, "end reports what it submitted");
	for (int i = 0; i < NSOCK; i++) {
		for (uint32_t k = 0; k < 4; k++) {
			size_t len = 0;

			cr_assert_eq(recv_tag(i, &len), (long)(k * 100 + (uint32_t)i),
				     "socket %d: packets in the order they were sent", i);
			cr_assert_eq(len, 1200);
		}
		cr_assert_eq(recv_tag(i, NULL), -1);
	}
	lumen_txbatch_stats(&st);
	cr_assert_eq(st.batched, 4 * NSOCK);
	cr_assert_eq(st.submits, 1, "one system call for the whole fan-out");
	cr_assert_eq(st.failed, 0);
}

/* pc.c's DTLS Finished: out at once, while the scope goes on (SRTP keying, on_up). */
Test(txbatch, a_push_submits_what_is_queued_and_keeps_the_scope_open)
{
	struct lumen_txbatch_stats st;

	lumen_txbatch_push(); /* no scope: nothing to do */
	lumen_txbatch_begin();
	lumen_txbatch_begin();
	cr_assert_eq(send_tagged(0, 1, 100), 100);
	lumen_txbatch_push();
	cr_assert_eq(recv_tag(0, NULL), 1, "pushed: out before the scope ends");
	lumen_txbatch_push(); /* nothing queued */
	cr_assert_eq(send_tagged(0, 2, 100), 100);
	cr_assert_eq(recv_tag(0, NULL), -1, "the scope is still open");
	cr_assert_eq(lumen_txbatch_end(), 0, "inner scope");
	cr_assert_eq(lumen_txbatch_end(), 2, "the outermost end counts the pushed packet too");
	cr_assert_eq(recv_tag(0, NULL), 2);
	lumen_txbatch_stats(&st);
	cr_assert_eq(st.batched, 2);
	cr_assert_eq(st.submits, 2);
}

Test(txbatch, scopes_nest_and_only_the_outermost_flushes)
{
	lumen_txbatch_begin();
	send_tagged(0, 1, 64);
	lumen_txbatch_begin();
	send_tagged(0, 2, 64);
	cr_assert_eq(lumen_txbatch_end(), 0);
	cr_assert_eq(recv_tag(0, NULL), -1, "the inner end does not submit");
	cr_assert_eq(lumen_txbatch_end(), 2);
	cr_assert_eq(recv_tag(0, NULL), 1);
	cr_assert_eq(recv_tag(0, NULL), 2);
	lumen_txbatch_end(); /* unbalanced: ignored */
}

Test(txbatch, a_full_batch_is_submitted_early_and_nothing_is_lost)
{
	const unsigned n = 3 * LUMEN_TXBATCH_SLOTS + 5;
	struct lumen_txbatch_stats st;
	unsigned got = 0;

	lumen_txbatch_begin();
	for (unsigned k = 0; k < n; k++)
		cr_assert_eq(send_tagged((int)(k % NSOCK), k, 300), 300);
	cr_assert_eq(lumen_txbatch_end(), n, "early submissions of the scope count too");
	for (int i = 0; i < NSOCK; i++) {
		long prev = -1, t;

		while ((t = recv_tag(i, NULL)) >= 0) {
			cr_assert_gt(t, prev, "socket %d in order", i);
			prev = t;
			got++;
		}
	}
	cr_assert_eq(got, n);
	lumen_txbatch_stats(&st);
	cr_assert_eq(st.batched, n);
	cr_assert_eq(st.submits, 4, "three full batches and the rest");
}

Test(txbatch, oversized_datagrams_bypass_the_slots)
{
	struct lumen_txbatch_stats st;

	lumen_txbatch_begin();
	cr_assert_eq(send_tagged(1, 9, LUMEN_TXBATCH_MTU + 8), LUMEN_TXBATCH_MTU + 8);
	cr_assert_eq(recv_tag(1, NULL), 9, "too big for a slot: sent at once");
	lumen_txbatch_end();
	lumen_txbatch_stats(&st);
	cr_assert_eq(st.direct, 1);
}

Test(txbatch, a_failed_packet_is_counted_not_fatal)
{
	struct lumen_txbatch_stats st;
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons(9)};
	uint8_t b[10] = {0};

	lumen_txbatch_begin();
	/* An IPv6 destination on an IPv4 socket: the kernel refuses it (EAFNOSUPPORT/EINVAL). */
	cr_assert_eq(lumen_txbatch_send(tx[0], (struct sockaddr *)&v6, sizeof(v6), b, sizeof(b)),
		     (ssize_t)sizeof(b));
	send_tagged(0, 3, 50);
	lumen_txbatch_end();
	cr_assert_eq(recv_tag(0, NULL), 3, "the next packet of the batch still went out");
	lumen_txbatch_stats(&st);
	cr_assert_eq(st.failed, 1);
	cr_assert_eq(st.batched, 2);
}

Test(txbatch, without_io_uring_sends_are_immediate)
{
	struct lumen_txbatch_stats st;

	lumen_txbatch_set_uring(false);
	lumen_txbatch_begin();
	send_tagged(2, 5, 200);
	cr_assert_eq(recv_tag(2, NULL), 5, "no ring: straight out even inside a scope");
	cr_assert_eq(lumen_txbatch_end(), 0);
	lumen_txbatch_stats(&st);
	cr_assert_eq(st.uring_off, 1);
	cr_assert_eq(st.direct, 1);
	cr_assert_eq(st.batched, 0);
}

static void *thread_batch(void *arg)
{
	int i = (int)(intptr_t)arg;

	lumen_txbatch_begin();
	send_tagged(i, 40 + (uint32_t)i, 100);
	lumen_txbatch_end();
	return NULL;
}

Test(txbatch, every_thread_has_its_own_batch)
{
	pthread_t th[2];
	struct lumen_txbatch_stats st;

	/* The main thread holds a scope open while two threads send and flush their own. */
	lumen_txbatch_begin();
	send_tagged(0, 1, 100);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, thread_batch, (void *)(intptr_t)(i + 1)),
			     0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(recv_tag(1, NULL), 41);
	cr_assert_eq(recv_tag(2, NULL), 42);
	cr_assert_eq(recv_tag(0, NULL), -1, "the main thread's batch is still open");
	lumen_txbatch_end();
	cr_assert_eq(recv_tag(0, NULL), 1);
	lumen_txbatch_stats(&st);
	cr_assert_eq(st.submits, 3);
}

/* Kernel release as major * 1000 + minor (6.18.44 -> 6018). */
static int kernel_version(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	cr_assert_eq(uname(&u), 0);
	sscanf(u.release, "%d.%d", &maj, &min);
	return maj * 1000 + min;
}

/* A fan-out in one batch: each receiver gets its packets, in order, with the right length; a
 * connected sender (no address in the request) too. */
static void check_fanout_delivery(void)
{
	struct lumen_txbatch_stats st;
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	uint8_t buf[300];

	cr_assert(c >= 0);
	cr_assert_eq(connect(c, (struct sockaddr *)&to[0], sizeof(to[0])), 0);
	lumen_txbatch_begin();
	for (uint32_t k = 0; k < 3; k++)
		for (int i = 0; i < NSOCK; i++)
			cr_assert_eq(send_tagged(i, k * 10 + (uint32_t)i, 1000 + (size_t)i), 1000 + i);
	memset(buf, 0, sizeof(buf));
	buf[0] = 99;
	cr_assert_eq(lumen_txbatch_send(c, NULL, 0, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	cr_assert_eq(lumen_txbatch_end(), 3 * NSOCK + 1);
	for (int i = 0; i < NSOCK; i++) {
		for (uint32_t k = 0; k < 3; k++) {
			size_t len = 0;

			cr_assert_eq(recv_tag(i, &len), (long)(k * 10 + (uint32_t)i));
			cr_assert_eq(len, 1000u + (unsigned)i, "receiver %d: the length sent", i);
		}
	}
	cr_assert_eq(recv_tag(0, NULL), 99, "the connected socket's datagram, after the others");
	cr_assert_eq(recv_tag(0, NULL), -1);
	lumen_txbatch_stats(&st);
	cr_assert_eq(st.failed, 0);
	cr_assert_eq(st.submits, 1);
	close(c);
}

Test(txbatch, sends_carry_the_destination_on_kernels_that_take_it)
{
	/* IORING_OP_SEND with an address exists from Linux 6.1: there the probe must find it (a
	 * probe that always said no would fail here), and the batch must deliver as before. */
	if (kernel_version() >= 6001)
		cr_assert(lumen_txbatch_sends_with_addr(), "Linux 6.1+: IORING_OP_SEND with address");
	check_fanout_delivery();
}

Test(txbatch, sendmsg_requests_when_asked_deliver_the_same)
{
	setenv("LUMEN_TXBATCH_SENDMSG", "1", 1); /* read when this thread's batch is set up */
	cr_assert_not(lumen_txbatch_sends_with_addr());
	check_fanout_delivery();
}
