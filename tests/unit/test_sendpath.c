/* test_sendpath.c -- the send path's sequence lock (webrtc/sendpath.h): what a reader copies is
 * what was written, and a reader racing a writer never sees half of one write and half of
 * another (two configurations whose fd and port belong together, written alternately while two
 * threads read; bounded in count and time). */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>

#include <glib.h>

#include "webrtc/sendpath.h"

static struct sockaddr_in addr4(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};

	a.sin_addr.s_addr = htonl(0xC0000201); /* 192.0.2.1 */
	return a;
}

Test(sendpath, a_reader_copies_what_was_written)
{
	struct lumen_sendpath p;
	struct lumen_sendpath_snap s;
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(5000)};
	struct sockaddr_in a = addr4(4000);
	uint8_t big[64] = {0};

	lumen_sendpath_init(&p);
	lumen_sendpath_get(&p, &s);
	cr_assert(!s.up);
	cr_assert_eq(s.fd, -1);
	cr_assert_eq(s.to_len, 0);

	lumen_sendpath_set_up(&p, true);
	lumen_sendpath_set_socket(&p, 7, (struct sockaddr *)&a, sizeof(a));
	lumen_sendpath_get(&p, &s);
	cr_assert(s.up);
	cr_assert_eq(s.fd, 7);
	cr_assert_eq(s.to_len, sizeof(a));
	cr_assert_eq(memcmp(&s.to, &a, sizeof(a)), 0);

	a6.sin6_addr.s6_addr[15] = 1;
	a6.sin6_scope_id = 3;
	lumen_sendpath_set_socket(&p, 8, (struct sockaddr *)&a6, sizeof(a6));
	lumen_sendpath_get(&p, &s);
	cr_assert_eq(s.fd, 8);
	cr_assert_eq(s.to_len, sizeof(a6));
	cr_assert_eq(memcmp(&s.to, &a6, sizeof(a6)), 0, "all 28 bytes of an IPv6 address");
	cr_assert(s.up, "a socket change leaves the state");

	lumen_sendpath_set_up(&p, false);
	lumen_sendpath_get(&p, &s);
	cr_assert(!s.up);
	cr_assert_eq(s.fd, 8, "a state change leaves the socket");

	lumen_sendpath_set_socket(&p, 9, (struct sockaddr *)big, sizeof(big));
	lumen_sendpath_get(&p, &s);
	cr_assert_eq(s.fd, -1, "an address larger than any family's is no socket");
	cr_assert_eq(s.to_len, 0);

	lumen_sendpath_set_socket(&p, -1, NULL, 0);
	lumen_sendpath_get(&p, &s);
	cr_assert_eq(s.fd, -1);
	cr_assert_eq(s.to_len, 0);
}

#define WRITES    200000
#define RUN_LIMIT (3 * G_USEC_PER_SEC)

struct race {
	struct lumen_sendpath p;
	atomic_bool done;
	atomic_long torn, reads;
};

/* Two configurations: fd 3 with port 1111, fd 4 with port 2222 (and different addresses). */
static void *writer(void *arg)
{
	struct race *r = arg;
	struct sockaddr_in a = addr4(1111), b = addr4(2222);
	gint64 end = g_get_monotonic_time() + RUN_LIMIT;

	b.sin_addr.s_addr = htonl(0xC6336401); /* 198.51.100.1 */
	for (int i = 0; i < WRITES && g_get_monotonic_time() < end; i++) {
		if (i & 1)
			lumen_sendpath_set_socket(&r->p, 4, (struct sockaddr *)&b, sizeof(b));
		else
			lumen_sendpath_set_socket(&r->p, 3, (struct sockaddr *)&a, sizeof(a));
		lumen_sendpath_set_up(&r->p, i & 2);
	}
	atomic_store(&r->done, true);
	return NULL;
}

static void *reader(void *arg)
{
	struct race *r = arg;
	struct lumen_sendpath_snap s;
	gint64 end = g_get_monotonic_time() + RUN_LIMIT + G_USEC_PER_SEC;

	while (!atomic_load(&r->done) && g_get_monotonic_time() < end) {
		struct sockaddr_in *in;

		lumen_sendpath_get(&r->p, &s);
		atomic_fetch_add(&r->reads, 1);
		in = (struct sockaddr_in *)&s.to;
		if (s.fd == 3 && (ntohs(in->sin_port) != 1111 || in->sin_addr.s_addr != htonl(0xC0000201)))
			atomic_fetch_add(&r->torn, 1);
		if (s.fd == 4 && (ntohs(in->sin_port) != 2222 || in->sin_addr.s_addr != htonl(0xC6336401)))
			atomic_fetch_add(&r->torn, 1);
		if (s.fd != 3 && s.fd != 4 && s.fd != -1)
			atomic_fetch_add(&r->torn, 1);
	}
	return NULL;
}

Test(sendpath, a_reader_racing_the_writer_sees_whole_writes_only)
{
	static struct race r;
	pthread_t w, rd[2];

	lumen_sendpath_init(&r.p);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&rd[i], NULL, reader, &r), 0);
	cr_assert_eq(pthread_create(&w, NULL, writer, &r), 0);
	pthread_join(w, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(rd[i], NULL);
	cr_assert_gt(atomic_load(&r.reads), 0);
	cr_assert_eq(atomic_load(&r.torn), 0, "%ld of %ld reads mixed two writes",
		     atomic_load(&r.torn), atomic_load(&r.reads));
}
