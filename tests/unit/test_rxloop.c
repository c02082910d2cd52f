/* test_rxloop.c -- the receive loop (webrtc/rxloop.h) on loopback sockets: a "pair" socket
 * stands for libnice's, read by a source on the loop's STUN context as libnice's would be. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "udp_loopback.h"
#include "webrtc/rxloop.h"

struct fixture {
	GMainContext *ctx;
	struct lumen_rxloop *loop;
	struct lumen_rxloop_conn *conn;
	int pair, peer;            /* the pair's socket (libnice's), the remote end */
	struct sockaddr_in pair_addr;
	unsigned media, stun;      /* datagrams seen by the input / by the pair's reader */
	uint8_t last_media[64];
	int64_t last_rx_ns;
	bool remove_in_input;
};

/* libnice's part: whatever reaches the pair's socket, on the STUN context. */
static gboolean on_pair_readable(gint fd, GIOCondition cond, gpointer data)
{
	struct fixture *f = data;
	uint8_t buf[2048];

	(void)cond;
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		f->stun++;
	return G_SOURCE_CONTINUE;
}

static void on_input(void *user, uint8_t *buf, size_t len, int64_t rx_ns)
{
	struct fixture *f = user;

	f->media++;
	memcpy(f->last_media, buf, len < sizeof(f->last_media) ? len : sizeof(f->last_media));
	f->last_rx_ns = rx_ns;
	if (f->remove_in_input) {
		lumen_rxloop_remove(f->loop, f->conn);
		f->conn = NULL;
	}
}

static void attach_reader(struct fixture *f, int fd)
{
	GSource *src = g_unix_fd_source_new(fd, G_IO_IN);

	g_source_set_callback(src, G_SOURCE_FUNC(on_pair_readable), f, NULL);
	g_source_attach(src, lumen_rxloop_stun_context(f->loop));
	g_source_unref(src);
}

static void setup(struct fixture *f)
{
	char *err = NULL;
	struct sockaddr_in a;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	f->ctx = g_main_context_new();
	f->loop = lumen_rxloop_new(f->ctx, &err);
	cr_assert_not_null(f->loop, "%s", err ? err : "");
	f->pair = udp_loopback_bound(&f->pair_addr);
	f->peer = udp_loopback_bound(&a);
	attach_reader(f, f->pair);
	f->conn = lumen_rxloop_add(f->loop, f->pair, on_input, f, &rc);
	cr_assert_not_null(f->conn, "add: %s", strerror(-rc));
}

static void teardown(struct fixture *f)
{
	lumen_rxloop_remove(f->loop, f->conn);
	lumen_rxloop_free(f->loop);
	g_main_context_unref(f->ctx);
	close(f->pair);
	close(f->peer);
}

static void send_first_byte(struct fixture *f, uint8_t first, size_t len)
{
	uint8_t buf[256] = { first };

	for (size_t i = 1; i < len; i++)
		buf[i] = (uint8_t)i;
	cr_assert_eq(sendto(f->peer, buf, len, 0, (struct sockaddr *)&f->pair_addr,
			    sizeof(f->pair_addr)), (ssize_t)len);
}

/* Iterates the loop's context until *counter reaches want or 2 s pass. */
static void run_until(struct fixture *f, const unsigned *counter, unsigned want)
{
	gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;

	while (*counter < want && g_get_monotonic_time() < end)
		if (!g_main_context_iteration(f->ctx, FALSE))
			g_usleep(1000);
}

Test(rxloop, media_to_input_stun_to_libnice)
{
	struct fixture f;
	struct lumen_rxloop_stats st;

	setup(&f);
	send_first_byte(&f, 0x80, 100); /* RTP */
	send_first_byte(&f, 0x16, 60);  /* DTLS */
	send_first_byte(&f, 0x00, 20);  /* STUN binding request */
	run_until(&f, &f.media, 2);
	run_until(&f, &f.stun, 1);
	cr_assert_eq(f.media, 2);
	cr_assert_eq(f.stun, 1, "STUN must stay with the pair's socket");
	cr_assert_eq(f.last_media[0], 0x16);
	cr_assert_gt(f.last_rx_ns, 0, "the kernel's receive time comes with each datagram");
	lumen_rxloop_get_stats(f.loop, &st);
	cr_assert_eq(st.datagrams, 2);
	cr_assert_eq(st.conns, 1);
	cr_assert_geq(st.stun_runs, 1);
	cr_assert_eq(st.add_failures, 0);
	teardown(&f);
}

Test(rxloop, removed_conn_gives_the_port_back)
{
	struct fixture f;
	struct lumen_rxloop_stats st;

	setup(&f);
	lumen_rxloop_remove(f.loop, f.conn);
	f.conn = NULL;
	send_first_byte(&f, 0x80, 100);
	/* The owner moves libnice's sockets back to its own context: iterate that one here. */
	GMainContext *stun = lumen_rxloop_stun_context(f.loop);
	gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
	while (f.stun < 1 && g_get_monotonic_time() < end)
		if (!g_main_context_iteration(stun, FALSE))
			g_usleep(1000);
	cr_assert_eq(f.stun, 1, "after remove, the pair's socket gets media again");
	cr_assert_eq(f.media, 0);
	lumen_rxloop_get_stats(f.loop, &st);
	cr_assert_eq(st.conns, 0);
	teardown(&f);
}

Test(rxloop, remove_from_input_drops_the_rest_of_the_batch)
{
	struct fixture f;

	setup(&f);
	f.remove_in_input = true;
	for (int i = 0; i < 5; i++)
		send_first_byte(&f, 0x80, 100);
	run_until(&f, &f.media, 1);
	/* Give the loop time to (wrongly) deliver the rest. */
	for (int i = 0; i < 50; i++)
		g_main_context_iteration(f.ctx, FALSE);
	cr_assert_eq(f.media, 1, "no input after the connection was removed");
	cr_assert_null(f.conn);
	teardown(&f);
}

/* Iterates the loop's context for ms milliseconds. */
static void run_for(struct fixture *f, unsigned ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

	while (g_get_monotonic_time() < end)
		if (!g_main_context_iteration(f->ctx, FALSE))
			g_usleep(1000);
}

static void send_stun_to(struct fixture *f, const struct sockaddr_in *to)
{
	uint8_t stun[20] = { 0 };

	cr_assert_eq(sendto(f->peer, stun, sizeof(stun), 0, (const struct sockaddr *)to,
			    sizeof(*to)), (ssize_t)sizeof(stun));
}

/* A socket of the agent that no watch covers (a TCP one in lumen): once the owner says so, its
 * STUN is read by the loop's timer. */
Test(rxloop, other_sockets_read_by_the_timer)
{
	struct fixture f;
	struct sockaddr_in other_addr;
	int other;
	uint8_t stun[20] = { 0 };

	setup(&f);
	other = udp_loopback_bound(&other_addr);
	attach_reader(&f, other);
	lumen_rxloop_poll_others(f.loop, f.conn);
	lumen_rxloop_poll_others(f.loop, f.conn); /* once per connection counts */
	struct lumen_rxloop_stats st;
	lumen_rxloop_get_stats(f.loop, &st);
	cr_assert_eq(st.polled, 1);
	cr_assert_eq(sendto(f.peer, stun, sizeof(stun), 0, (struct sockaddr *)&other_addr,
			    sizeof(other_addr)), (ssize_t)sizeof(stun));
	gint64 t0 = g_get_monotonic_time();
	run_until(&f, &f.stun, 1);
	cr_assert_eq(f.stun, 1);
	cr_assert_lt(g_get_monotonic_time() - t0, 3 * LUMEN_RXLOOP_STUN_MS * 1000 + 500000);
	teardown(&f);
	close(other);
}

/* Another UDP socket of the agent, watched: read when it is readable, with no timer running.
 * A socket neither watched nor declared to the timer is not read at all: nothing wakes the
 * loop for it (before, a 100 ms timer ran for every registered connection). */
Test(rxloop, watched_sockets_need_no_timer)
{
	struct fixture f;
	struct sockaddr_in other_addr, unwatched_addr;
	struct lumen_rxloop_stats st;
	int other, unwatched;

	setup(&f);
	other = udp_loopback_bound(&other_addr);
	unwatched = udp_loopback_bound(&unwatched_addr);
	attach_reader(&f, other);
	attach_reader(&f, unwatched);
	send_stun_to(&f, &unwatched_addr);
	run_for(&f, 3 * LUMEN_RXLOOP_STUN_MS);
	cr_assert_eq(f.stun, 0, "no timer reads a socket nobody declared");
	lumen_rxloop_get_stats(f.loop, &st);
	unsigned long long runs = st.stun_runs;

	cr_assert_eq(lumen_rxloop_watch(f.loop, f.conn, other), 0);
	cr_assert_eq(lumen_rxloop_watch(f.loop, f.conn, other), 0, "watching twice is no error");
	send_stun_to(&f, &other_addr);
	run_until(&f, &f.stun, 2);
	/* The watched socket woke the loop; the STUN context's iteration read both. */
	cr_assert_eq(f.stun, 2);
	lumen_rxloop_get_stats(f.loop, &st);
	cr_assert_gt(st.stun_runs, runs);
	cr_assert_eq(st.others, 1);
	cr_assert_eq(st.polled, 0);
	teardown(&f);
	close(other);
	close(unwatched);
}

Test(rxloop, watch_refuses_bad_sockets)
{
	struct fixture f;

	setup(&f);
	cr_assert_eq(lumen_rxloop_watch(f.loop, f.conn, -1), -EINVAL);
	cr_assert_eq(lumen_rxloop_watch(f.loop, f.conn, f.pair), -EINVAL, "the pair's own socket");
	cr_assert_eq(lumen_rxloop_watch(f.loop, NULL, 5), -EINVAL);
	cr_assert_lt(lumen_rxloop_watch(f.loop, f.conn, 987654), 0, "not an open fd");
	teardown(&f);
}

/* Removing a connection takes its other sockets out of the set: their datagrams no longer wake
 * the loop (libnice reads them on its own context again). */
Test(rxloop, remove_unwatches_the_other_sockets)
{
	struct fixture f;
	struct sockaddr_in other_addr;
	struct lumen_rxloop_stats st;
	int other;

	setup(&f);
	other = udp_loopback_bound(&other_addr);
	attach_reader(&f, other);
	cr_assert_eq(lumen_rxloop_watch(f.loop, f.conn, other), 0);
	lumen_rxloop_remove(f.loop, f.conn);
	f.conn = NULL;
	lumen_rxloop_get_stats(f.loop, &st);
	cr_assert_eq(st.others, 0);
	unsigned long long runs = st.stun_runs;

	send_stun_to(&f, &other_addr);
	run_for(&f, 3 * LUMEN_RXLOOP_STUN_MS);
	lumen_rxloop_get_stats(f.loop, &st);
	cr_assert_eq(st.stun_runs, runs, "no run for a removed connection's socket");
	cr_assert_eq(f.stun, 0);
	teardown(&f);
	close(other);
}

Test(rxloop, add_failure_is_counted)
{
	struct fixture f;
	struct lumen_rxloop_stats st;
	int fds[2], rc = 0;

	setup(&f);
	cr_assert_eq(pipe(fds), 0);
	cr_assert_null(lumen_rxloop_add(f.loop, fds[0], on_input, &f, &rc));
	cr_assert_lt(rc, 0);
	cr_assert_null(lumen_rxloop_add(f.loop, -1, on_input, &f, &rc));
	lumen_rxloop_get_stats(f.loop, &st);
	cr_assert_eq(st.add_failures, 2);
	cr_assert_eq(st.conns, 1);
	close(fds[0]);
	close(fds[1]);
	teardown(&f);
}

Test(rxloop, batches_many_datagrams)
{
	struct fixture f;
	struct lumen_rxloop_stats st;

	setup(&f);
	for (int i = 0; i < 100; i++)
		send_first_byte(&f, 0x80, 200);
	run_until(&f, &f.media, 100);
	cr_assert_eq(f.media, 100);
	lumen_rxloop_get_stats(f.loop, &st);
	cr_assert_lt(st.reads, 100, "recvmmsg reads several datagrams at once (%" G_GUINT64_FORMAT
		     " reads)", st.reads);
	teardown(&f);
}

/* Between binding the media socket and attaching the split's BPF program the kernel picks a
 * group member by the 4-tuple's hash, so STUN can reach the media socket; the loop drops it
 * (counted) and never hands it to the input. Reproduced by detaching the program (from any
 * member: it is the group's) and sending STUN from fresh source ports until one is dropped. */
Test(rxloop, stun_on_the_media_socket_is_dropped_not_delivered)
{
	struct fixture f;
	struct lumen_rxloop_stats st = {0};
	unsigned sent = 0;
	int one = 1;

	setup(&f);
	cr_assert_eq(setsockopt(f.pair, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &one, sizeof(one)), 0,
		     "detach: %s", strerror(errno));
	/* 64 source ports: each lands on either socket, all 64 on the pair's with odds 2^-64 */
	for (int i = 0; i < 64 && st.stun_dropped == 0; i++) {
		struct sockaddr_in a;
		int s = udp_loopback_bound(&a);
		uint8_t req[20] = {0x00, 0x01}; /* binding request, no attributes */
		unsigned before = f.stun;

		cr_assert_eq(sendto(s, req, sizeof(req), 0, (struct sockaddr *)&f.pair_addr,
				    sizeof(f.pair_addr)), (ssize_t)sizeof(req));
		sent++;
		close(s);
		/* until this one is seen on either side (2 s at most) */
		for (int k = 0; k < 2000; k++) {
			g_main_context_iteration(f.ctx, FALSE);
			lumen_rxloop_get_stats(f.loop, &st);
			if (f.stun > before || st.stun_dropped > 0 || f.media > 0)
				break;
			g_usleep(1000);
		}
	}
	cr_assert_eq(st.stun_dropped, 1, "STUN on the media socket dropped (%u sent)", sent);
	cr_assert_eq(f.stun + st.stun_dropped, sent, "every datagram seen once: %u + %" PRIu64
		     " of %u", f.stun, st.stun_dropped, sent);
	cr_assert_eq(f.media, 0, "no STUN reaches the input");
	cr_assert_eq(st.datagrams, 0);
	teardown(&f);
}
