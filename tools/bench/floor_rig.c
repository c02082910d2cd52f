/* floor_rig.c -- lumen-floor's figures of the benchmark's rig (floor_rig.h). */
#include "floor_rig.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "webrtc/txbatch.h"

#define RIG_MAX_FANOUT 64
#define RIG_SETTLE_US  100  /* after a burst is read, for the peer to be asleep again */
#define RIG_WAIT_MS    1000 /* the most any datagram may take to arrive */

struct rig_sock {
	int rx, tx;
	struct sockaddr_in to;
};

/* The peer of a fan-out: reads every receiving socket as datagrams arrive and, once it has read
 * a whole burst, says so on `done` (an eventfd the measuring thread blocks on). */
struct rig_reader {
	int cpu, ep, done, fanout;
	struct rig_sock *s;
	atomic_int stop;
	int failed; /* set before the thread ends: it could not run on its CPU */
};

static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void socks_close(struct rig_sock *s, int n)
{
	for (int i = 0; i < n; i++) {
		if (s[i].rx >= 0)
			close(s[i].rx);
		if (s[i].tx >= 0)
			close(s[i].tx);
	}
}

/* n pairs on 127.0.0.1: rx bound (non-blocking), tx unconnected, as a server's pair socket. */
static int socks_open(struct rig_sock *s, int n)
{
	for (int i = 0; i < n; i++)
		s[i].rx = s[i].tx = -1;
	for (int i = 0; i < n; i++) {
		socklen_t alen = sizeof(s[i].to);

		s[i].rx = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		s[i].tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		memset(&s[i].to, 0, sizeof(s[i].to));
		s[i].to.sin_family = AF_INET;
		s[i].to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (s[i].rx < 0 || s[i].tx < 0 ||
		    bind(s[i].rx, (struct sockaddr *)&s[i].to, sizeof(s[i].to)) < 0 ||
		    getsockname(s[i].rx, (struct sockaddr *)&s[i].to, &alen) < 0) {
			fprintf(stderr, "lumen-floor: loopback UDP socket: %s\n", strerror(errno));
			socks_close(s, n);
			return -1;
		}
	}
	return 0;
}

static void *reader_main(void *arg)
{
	struct rig_reader *r = arg;
	struct epoll_event ev[RIG_MAX_FANOUT];
	uint8_t sink[2048];
	uint64_t one = 1;
	int got = 0;

	if (pin_self(r->cpu) != 0) {
		r->failed = 1;
		if (write(r->done, &one, sizeof(one)) < 0)
			return NULL;
		return NULL;
	}
	while (!atomic_load(&r->stop)) {
		int n = epoll_wait(r->ep, ev, RIG_MAX_FANOUT, 100);

		for (int i = 0; i < n; i++)
			while (recv(r->s[ev[i].data.u32].rx, sink, sizeof(sink), MSG_DONTWAIT) > 0)
				got++;
		if (got >= r->fanout) {
			got -= r->fanout;
			if (write(r->done, &one, sizeof(one)) < 0)
				break;
		}
	}
	return NULL;
}

/* Waits for the reader's word that a burst was read; -1 when it never comes or the reader
 * could not start. */
static int wait_done(struct rig_reader *r)
{
	struct pollfd p = {.fd = r->done, .events = POLLIN};
	uint64_t v;

	if (poll(&p, 1, RIG_WAIT_MS) != 1 || read(r->done, &v, sizeof(v)) != sizeof(v) || r->failed)
		return -1;
	return 0;
}

/* One run of bursts; wall and cpu are ns per datagram. */
static int fanout_run(struct rig_reader *r, const uint8_t *buf, size_t bytes, long bursts,
                      double *wall, double *cpu)
{
	int64_t wall_ns = 0, cpu_ns = 0;

	for (long b = 0; b < bursts; b++) {
		int64_t t0 = floor_clock_ns(CLOCK_MONOTONIC),
		        c0 = floor_clock_ns(CLOCK_THREAD_CPUTIME_ID);

		lumen_txbatch_begin();
		for (int i = 0; i < r->fanout; i++)
			if (lumen_txbatch_send(r->s[i].tx, (struct sockaddr *)&r->s[i].to,
			                       sizeof(r->s[i].to), buf, bytes) < 0) {
				lumen_txbatch_end();
				fprintf(stderr, "lumen-floor: txbatch send: %s\n", strerror(errno));
				return -1;
			}
		lumen_txbatch_end();
		wall_ns += floor_clock_ns(CLOCK_MONOTONIC) - t0;
		cpu_ns += floor_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
		if (wait_done(r) < 0) {
			fprintf(stderr, "lumen-floor: the fan-out's reader %s\n",
			        r->failed ? "cannot run on its CPU" : "missed a datagram");
			return -1;
		}
		usleep(RIG_SETTLE_US);
	}
	*wall = (double)wall_ns / (double)(bursts * r->fanout);
	*cpu = (double)cpu_ns / (double)(bursts * r->fanout);
	return 0;
}

int floor_rig_fanout(size_t bytes, const struct floor_rig_options *o, struct figure *out,
                     bool *uring)
{
	struct rig_sock s[RIG_MAX_FANOUT];
	struct rig_reader r = {.cpu = o->peer_cpu, .ep = -1, .done = -1, .fanout = o->fanout, .s = s};
	struct lumen_txbatch_stats st0, st1;
	double wall[FLOOR_MAX_RUNS], cpu[FLOOR_MAX_RUNS];
	long bursts = o->packets / 4 / o->fanout;
	uint8_t buf[1500];
	pthread_t th;
	int rc = -1, started = 0;

	if (o->fanout < 1 || o->fanout > RIG_MAX_FANOUT || bytes > sizeof(buf))
		return -1;
	if (bursts < 10)
		bursts = 10;
	if (socks_open(s, o->fanout) < 0)
		return -1;
	r.ep = epoll_create1(EPOLL_CLOEXEC);
	r.done = eventfd(0, EFD_CLOEXEC);
	if (r.ep < 0 || r.done < 0)
		goto out;
	for (int i = 0; i < o->fanout; i++) {
		struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};

		if (epoll_ctl(r.ep, EPOLL_CTL_ADD, s[i].rx, &e) < 0)
			goto out;
	}
	if (pthread_create(&th, NULL, reader_main, &r) != 0)
		goto out;
	started = 1;
	memset(buf, 0x5a, sizeof(buf));
	usleep(10 * RIG_SETTLE_US); /* the reader pinned and asleep */
	lumen_txbatch_stats(&st0);
	for (int i = 0; i < o->runs; i++)
		if (fanout_run(&r, buf, bytes, bursts, &wall[i], &cpu[i]) < 0)
			goto out;
	lumen_txbatch_stats(&st1);
	if (st1.failed != st0.failed) {
		fprintf(stderr, "lumen-floor: txbatch: %llu sends failed\n",
		        (unsigned long long)(st1.failed - st0.failed));
		goto out;
	}
	*uring = st1.batched > st0.batched;
	floor_summarize(out, wall, cpu, o->runs);
	rc = 0;
out:
	if (rc < 0 && !started)
		fprintf(stderr, "lumen-floor: fan-out to waiting receivers: %s\n", strerror(errno));
	if (started) {
		atomic_store(&r.stop, 1);
		pthread_join(th, NULL);
	}
	if (r.ep >= 0)
		close(r.ep);
	if (r.done >= 0)
		close(r.done);
	socks_close(s, o->fanout);
	return rc;
}

/* The peer of the wake-up: one datagram every FLOOR_RIG_GAP_US, each carrying its send time. */
struct rig_sender {
	int cpu, tx;
	struct sockaddr_in to;
	long count;
	int failed;
};

static void *sender_main(void *arg)
{
	struct rig_sender *p = arg;
	uint8_t buf[1200] = {0};
	struct timespec next;

	if (pin_self(p->cpu) != 0) {
		p->failed = 1;
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long i = 0; i < p->count; i++) {
		int64_t now;

		next.tv_nsec += FLOOR_RIG_GAP_US * 1000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		now = floor_clock_ns(CLOCK_MONOTONIC);
		memcpy(buf, &now, sizeof(now));
		if (sendto(p->tx, buf, sizeof(buf), 0, (struct sockaddr *)&p->to, sizeof(p->to)) < 0)
			p->failed = 1;
	}
	return NULL;
}

/* Sleeps in poll on ep until `wakes` datagrams were read from rx; *lat_ns: their summed latency. */
static int wakeup_loop(int ep, int rx, long wakes, int64_t *lat_ns)
{
	uint8_t bufs[8][2048];
	struct iovec iov[8];
	struct mmsghdr msgs[8];
	long got = 0;

	for (int i = 0; i < 8; i++) {
		iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = sizeof(bufs[i])};
		msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
	}
	*lat_ns = 0;
	while (got < wakes) {
		struct pollfd p = {.fd = ep, .events = POLLIN};
		struct epoll_event ev[4];
		int n;

		if (poll(&p, 1, RIG_WAIT_MS) != 1 || epoll_wait(ep, ev, 4, 0) < 1)
			return -1;
		n = recvmmsg(rx, msgs, 8, MSG_DONTWAIT, NULL);
		for (int i = 0; i < n; i++) {
			int64_t sent;

			memcpy(&sent, bufs[i], sizeof(sent));
			*lat_ns += floor_clock_ns(CLOCK_MONOTONIC) - sent;
		}
		got += n > 0 ? n : 0;
	}
	return 0;
}

int floor_rig_wakeup(const struct floor_rig_options *o, struct figure *out)
{
	struct rig_sock s;
	struct rig_sender p = {.cpu = o->peer_cpu};
	double wall[FLOOR_MAX_RUNS], cpu[FLOOR_MAX_RUNS];
	long wakes = o->packets / 200 < 10 ? 10 : o->packets / 200;
	struct epoll_event e = {.events = EPOLLIN};
	int ep, rc = -1;

	if (socks_open(&s, 1) < 0)
		return -1;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, s.rx, &e) < 0) {
		fprintf(stderr, "lumen-floor: epoll: %s\n", strerror(errno));
		goto out;
	}
	p.tx = s.tx;
	p.to = s.to;
	p.count = wakes;
	for (int i = 0; i < o->runs; i++) {
		pthread_t th;
		int64_t lat, c0;
		int err;

		if (pthread_create(&th, NULL, sender_main, &p) != 0)
			goto out;
		c0 = floor_clock_ns(CLOCK_THREAD_CPUTIME_ID);
		err = wakeup_loop(ep, s.rx, wakes, &lat);
		cpu[i] = (double)(floor_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0) / (double)wakes;
		wall[i] = (double)lat / (double)wakes;
		pthread_join(th, NULL);
		if (err < 0 || p.failed) {
			fprintf(stderr, "lumen-floor: receive wake-up: %s\n",
			        p.failed ? "the sender cannot run on its CPU or send"
			                 : "a datagram did not arrive");
			goto out;
		}
	}
	floor_summarize(out, wall, cpu, o->runs);
	rc = 0;
out:
	if (ep >= 0)
		close(ep);
	socks_close(&s, 1);
	return rc;
}
