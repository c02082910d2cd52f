/* canary.c -- the CPU-speed canary (canary.h): a thread pinned to one CPU protects a 1200-byte
 * RTP packet with the server's own SRTP code (AES-128-GCM) and sends it to a socket of its own,
 * 8 times every 10 ms, then makes 4 round trips with a peer thread on the caller's CPUs, and
 * adds up the thread CPU time each part took, and the sleep between bursts. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "canary.h"
#include "webrtc/srtp.h"

#define BURST      8
#define EXCHANGES  4 /* round trips with the peer thread per burst */
#define PERIOD_NS  10000000L
#define PAYLOAD    1200

struct bench_canary {
	pthread_t thread;
	int cpu;
	int rx, tx; /* the canary's own UDP pair on 127.0.0.1 */
	/* The peer: a thread on the caller's CPUs that answers each write to `ping` with one to
	 * `pong`, so an exchange wakes a thread on another CPU and is woken by it, as a server
	 * is by every packet (docs/bench.md, "Quiet rounds"). */
	pthread_t peer;
	int ping, pong;
	struct lumen_srtp *srtp;
	uint8_t pkt[PAYLOAD + LUMEN_SRTP_TRAILER_MAX];
	uint16_t seq;
	GMutex lock; /* guards totals: read from the measuring thread */
	struct bench_canary_reading totals;
	gint stop;
	gint peer_quit;
};

static int64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One unit: protect the packet as a sender's next one, send it. A failure of either is
 * counted as done work all the same: it would show as a cheaper unit, never a dearer one, and
 * neither can fail on a session this young and a socket this idle. */
static void unit(struct bench_canary *c)
{
	uint8_t buf[sizeof(c->pkt)];
	size_t len = PAYLOAD;

	c->seq++;
	c->pkt[2] = (uint8_t)(c->seq >> 8);
	c->pkt[3] = (uint8_t)c->seq;
	memcpy(buf, c->pkt, PAYLOAD);
	if (lumen_srtp_protect_rtp(c->srtp, buf, &len, sizeof(buf)) == 0)
		(void)send(c->tx, buf, len, MSG_DONTWAIT);
}

static void drain(int fd)
{
	uint8_t buf[2048];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void *answer(void *arg)
{
	struct bench_canary *c = arg;
	uint64_t v;

	/* Answers until told to quit, which bench_canary_stop does only once the canary's thread
	 * has ended: the canary must never wait on a pong that will not come. */
	while (read(c->ping, &v, sizeof(v)) == sizeof(v) && !g_atomic_int_get(&c->peer_quit))
		if (write(c->pong, &(uint64_t){1}, sizeof(uint64_t)) != sizeof(uint64_t))
			break;
	return NULL;
}

/* One round trip with the peer; false when it failed (then the exchanges stop counting). */
static bool exchange(struct bench_canary *c)
{
	uint64_t v;

	return write(c->ping, &(uint64_t){1}, sizeof(uint64_t)) == sizeof(uint64_t) &&
	       read(c->pong, &v, sizeof(v)) == sizeof(v);
}

static void *run(void *arg)
{
	struct bench_canary *c = arg;
	struct timespec period = {0, PERIOD_NS};

	while (!g_atomic_int_get(&c->stop)) {
		int64_t ts = thread_cpu_ns(), t0, t1, t2, t3;
		int n;

		nanosleep(&period, NULL);
		t0 = thread_cpu_ns();
		for (int i = 0; i < BURST; i++)
			unit(c);
		t1 = thread_cpu_ns();
		drain(c->rx); /* untimed: the receive is the peer's work, not the sender's */
		t2 = thread_cpu_ns();
		for (n = 0; n < EXCHANGES && exchange(c); n++)
			;
		t3 = thread_cpu_ns();
		g_mutex_lock(&c->lock);
		c->totals.exchanges += (uint64_t)n;
		c->totals.exchange_ns += (uint64_t)(t3 - t2);
		c->totals.units += BURST;
		c->totals.cpu_ns += (uint64_t)(t1 - t0);
		c->totals.wakes++;
		c->totals.wake_ns += (uint64_t)(t0 - ts);
		g_mutex_unlock(&c->lock);
	}
	return NULL;
}

/* A UDP pair on 127.0.0.1: rx bound to an ephemeral port, tx connected to it. */
static int open_pair(struct bench_canary *c, char **err)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);

	c->rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	c->tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (c->rx < 0 || c->tx < 0 || bind(c->rx, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(c->rx, (struct sockaddr *)&a, &alen) < 0 ||
	    connect(c->tx, (struct sockaddr *)&a, sizeof(a)) < 0) {
		*err = g_strdup_printf("canary: a UDP socket on 127.0.0.1: %s", g_strerror(errno));
		return -1;
	}
	return 0;
}

static int open_srtp(struct bench_canary *c, char **err)
{
	uint8_t key[LUMEN_SRTP_MASTER_MAX];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 29 + 7);
	c->srtp = lumen_srtp_new(LUMEN_SRTP_AEAD_AES_128_GCM, LUMEN_SRTP_OUTBOUND, key,
	                         lumen_srtp_master_len(LUMEN_SRTP_AEAD_AES_128_GCM));
	if (!c->srtp) {
		*err = g_strdup("canary: cannot create an AES-128-GCM SRTP session");
		return -1;
	}
	memset(c->pkt, 0x5a, sizeof(c->pkt));
	c->pkt[0] = 0x80;
	c->pkt[1] = 96;
	memcpy(c->pkt + 8, "\x0c\x0a\x0a\x0e", 4);
	return 0;
}

struct bench_canary *bench_canary_start(int cpu, char **err)
{
	struct bench_canary *c = g_new0(struct bench_canary, 1);
	cpu_set_t set;
	pthread_attr_t attr;
	int rc;

	c->rx = c->tx = c->ping = c->pong = -1;
	c->cpu = cpu;
	g_mutex_init(&c->lock);
	/* Not checked against this process's own affinity: compare-janus.sh runs lumen-bench
	 * on the load's CPU and times the server's, so the thread's set differs from the
	 * process's. pthread_create says EINVAL for a CPU outside the cpuset. */
	if (cpu < 0 || cpu >= CPU_SETSIZE || cpu >= get_nprocs_conf()) {
		*err = g_strdup_printf("canary: there is no CPU %d", cpu);
		goto fail;
	}
	if (lumen_srtp_global_init() < 0) {
		*err = g_strdup("canary: libsrtp2 failed to initialise");
		goto fail;
	}
	if (open_pair(c, err) < 0 || open_srtp(c, err) < 0)
		goto fail;
	c->ping = eventfd(0, EFD_CLOEXEC);
	c->pong = eventfd(0, EFD_CLOEXEC);
	if (c->ping < 0 || c->pong < 0) {
		*err = g_strdup_printf("canary: eventfd: %s", g_strerror(errno));
		goto fail;
	}
	rc = pthread_create(&c->peer, NULL, answer, c);
	if (rc != 0) {
		*err = g_strdup_printf("canary: cannot start its peer thread: %s", g_strerror(rc));
		c->peer = 0;
		goto fail;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	rc = pthread_create(&c->thread, &attr, run, c);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		*err = g_strdup_printf("canary: cannot start its thread on CPU %d: %s", cpu,
		                       g_strerror(rc));
		goto fail;
	}
	return c;
fail:
	c->thread = 0;
	bench_canary_stop(c);
	return NULL;
}

/* CPU ns of thread t so far (0 when its clock cannot be read). */
static uint64_t thread_ns(pthread_t t)
{
	clockid_t cid;
	struct timespec ts;

	if (!t || pthread_getcpuclockid(t, &cid) != 0 || clock_gettime(cid, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

void bench_canary_read(struct bench_canary *c, struct bench_canary_reading *out)
{
	g_mutex_lock(&c->lock);
	*out = c->totals;
	g_mutex_unlock(&c->lock);
	out->threads_ns = thread_ns(c->thread) + thread_ns(c->peer);
}

double bench_canary_ns_per_unit(const struct bench_canary_reading *a,
                                const struct bench_canary_reading *b)
{
	if (b->units <= a->units)
		return 0;
	return (double)(b->cpu_ns - a->cpu_ns) / (double)(b->units - a->units);
}

double bench_canary_ns_per_exchange(const struct bench_canary_reading *a,
                                    const struct bench_canary_reading *b)
{
	if (b->exchanges <= a->exchanges)
		return 0;
	return (double)(b->exchange_ns - a->exchange_ns) / (double)(b->exchanges - a->exchanges);
}

double bench_canary_ns_per_wake(const struct bench_canary_reading *a,
                                const struct bench_canary_reading *b)
{
	if (b->wakes <= a->wakes)
		return 0;
	return (double)(b->wake_ns - a->wake_ns) / (double)(b->wakes - a->wakes);
}

void bench_canary_stop(struct bench_canary *c)
{
	if (!c)
		return;
	g_atomic_int_set(&c->stop, 1);
	if (c->thread)
		pthread_join(c->thread, NULL);
	if (c->peer) {
		/* wakes the peer's read; it sees peer_quit and returns */
		g_atomic_int_set(&c->peer_quit, 1);
		if (write(c->ping, &(uint64_t){1}, sizeof(uint64_t)) == sizeof(uint64_t))
			pthread_join(c->peer, NULL);
		else
			pthread_detach(c->peer);
	}
	if (c->ping >= 0)
		close(c->ping);
	if (c->pong >= 0)
		close(c->pong);
	lumen_srtp_free(c->srtp);
	if (c->rx >= 0)
		close(c->rx);
	if (c->tx >= 0)
		close(c->tx);
	g_mutex_clear(&c->lock);
	g_free(c);
}
