/* test_rxsplit.c -- the split receive socket (webrtc/rxsplit.h) on 127.0.0.1: STUN keeps going
 * to the port's original socket, DTLS/RTP/RTCP go to the split one, read in one batch with
 * kernel timestamps; closing the split socket gives the original everything back. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "udp_loopback.h"
#include "webrtc/rxsplit.h"

static void send_first_byte(int tx, const struct sockaddr_in *to, uint8_t first, size_t len)
{
	uint8_t buf[200] = {0};

	buf[0] = first;
	buf[1] = (uint8_t)len;
	cr_assert(sendto(tx, buf, len, 0, (const struct sockaddr *)to, sizeof(*to)) == (ssize_t)len);
}

/* Waits (bounded) until fd is readable. */
static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 1000) == 1;
}

static int drain_count(int fd, uint8_t *firsts, int max)
{
	uint8_t buf[256];
	int n = 0;
	ssize_t k;

	while (n < max && (k = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0)
		firsts[n++] = k > 0 ? buf[0] : 0xff;
	return n;
}

static struct lumen_rxbatch batch; /* 70 KiB: not on the stack */

Test(rxsplit, stun_stays_media_moves)
{
	struct sockaddr_in addr, peer;
	int orig = udp_loopback_bound(&addr), tx = udp_loopback_bound(&peer), split;
	int64_t before = (int64_t)time(NULL) * 1000000000;
	/* STUN binding request (0x00), response (0x01); DTLS (22), RTP/RTCP (0x80), a byte past
	 * STUN's range (4), another STUN after the media. */
	const uint8_t media[] = {22, 0x80, 0x80, 4, 0x90};
	uint8_t firsts[16];
	int n;

	split = lumen_rxsplit_open(orig);
	cr_assert(split >= 0, "lumen_rxsplit_open: %s", strerror(-split));
	send_first_byte(tx, &addr, 0x00, 20);
	for (size_t i = 0; i < sizeof(media); i++)
		send_first_byte(tx, &addr, media[i], 40 + i);
	send_first_byte(tx, &addr, 0x01, 32);

	cr_assert(readable(split));
	usleep(20000); /* loopback delivers at once; let every datagram land */
	n = lumen_rxbatch_read(&batch, split, LUMEN_RXBATCH_MAX);
	cr_assert_eq(n, (int)sizeof(media), "the split socket got %d datagrams", n);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(batch.buf[i][0], media[i]);
		cr_assert_eq(batch.msg[i].msg_len, 40u + (unsigned)i);
		/* Kernel receive time, CLOCK_REALTIME: after the test started, within a minute. */
		cr_assert(batch.rx_ns[i] >= before && batch.rx_ns[i] < before + 60000000000LL,
		          "rx_ns %lld", (long long)batch.rx_ns[i]);
	}
	cr_assert_eq(lumen_rxbatch_read(&batch, split, LUMEN_RXBATCH_MAX), 0, "nothing left");

	cr_assert(readable(orig));
	n = drain_count(orig, firsts, 16);
	cr_assert_eq(n, 2, "the original got %d datagrams", n);
	cr_assert_eq(firsts[0], 0x00);
	cr_assert_eq(firsts[1], 0x01);

	/* Without the split socket, the original gets media again. */
	close(split);
	send_first_byte(tx, &addr, 0x80, 50);
	cr_assert(readable(orig));
	n = drain_count(orig, firsts, 16);
	cr_assert_eq(n, 1);
	cr_assert_eq(firsts[0], 0x80);
	close(orig);
	close(tx);
}

Test(rxsplit, batch_caps_and_empty)
{
	struct sockaddr_in addr, peer;
	int orig = udp_loopback_bound(&addr), tx = udp_loopback_bound(&peer), split = lumen_rxsplit_open(orig);
	int got = 0, n;

	cr_assert(split >= 0);
	cr_assert_eq(lumen_rxbatch_read(&batch, split, 8), 0, "empty socket: 0, not an error");
	for (int i = 0; i < 12; i++)
		send_first_byte(tx, &addr, 0x80, 100);
	cr_assert(readable(split));
	usleep(20000);
	n = lumen_rxbatch_read(&batch, split, 8);
	cr_assert_eq(n, 8, "at most max per read");
	got += n;
	got += lumen_rxbatch_read(&batch, split, 8);
	cr_assert_eq(got, 12);
	cr_assert_eq(lumen_rxbatch_read(&batch, -1, 8), -EBADF);
	close(split);
	close(orig);
	close(tx);
}

Test(rxsplit, bad_socket)
{
	cr_assert_lt(lumen_rxsplit_open(-1), 0);
}

/* The batch sets up again only the headers the last read used: reads of different sizes one
 * after the other, including a datagram longer than a slot, each see their own lengths,
 * flags and receive times. */
Test(rxsplit, a_reused_batch_reads_each_datagram_right)
{
	struct sockaddr_in addr, peer;
	int orig = udp_loopback_bound(&addr), tx = udp_loopback_bound(&peer);
	int split = lumen_rxsplit_open(orig);
	static uint8_t big[LUMEN_RXBATCH_MTU + 100];
	const unsigned rounds[] = {5, 1, 3, 1, 7, 2};
	struct lumen_rxbatch *b = lumen_rxbatch_new();
	unsigned len = 40;

	cr_assert(split >= 0 && b);
	for (size_t r = 0; r < sizeof(rounds) / sizeof(rounds[0]); r++) {
		bool trunc = r == 3; /* a datagram longer than a slot, alone in its read */

		if (trunc) {
			memset(big, 0x80, sizeof(big));
			cr_assert_eq(sendto(tx, big, sizeof(big), 0, (struct sockaddr *)&addr,
			                    sizeof(addr)), (ssize_t)sizeof(big));
		} else {
			for (unsigned i = 0; i < rounds[r]; i++)
				send_first_byte(tx, &addr, (uint8_t)(0x80 + i), len + i);
		}
		cr_assert(readable(split));
		usleep(20000);
		int n = lumen_rxbatch_read(b, split, LUMEN_RXBATCH_MAX);
		cr_assert_eq(n, (int)rounds[r], "read %zu: %d datagrams", r, n);
		for (int i = 0; i < n; i++) {
			cr_assert_gt(b->rx_ns[i], 0, "read %zu, datagram %d: a receive time", r, i);
			if (trunc) {
				cr_assert(b->msg[i].msg_hdr.msg_flags & MSG_TRUNC);
				continue;
			}
			cr_assert_eq(b->msg[i].msg_len, len + (unsigned)i, "read %zu, datagram %d", r, i);
			cr_assert_eq(b->buf[i][0], 0x80 + i);
			cr_assert_not(b->msg[i].msg_hdr.msg_flags & MSG_TRUNC);
		}
		len += 10;
	}
	cr_assert_eq(lumen_rxbatch_read(b, split, LUMEN_RXBATCH_MAX), 0, "nothing left");
	lumen_rxbatch_free(b);
	close(split);
	close(orig);
	close(tx);
}
