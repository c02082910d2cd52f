/* rx.c -- the subscribers' batched receive loop (see rx.h). */
#include "rx.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "webrtc/pc_rawrx.h"
#include "webrtc/rxsplit.h"

#define EVENTS 256

const char *const bench_rx_mode_names[] = {"batch", "split", "glib", NULL};

struct bench_rx {
	int epfd;
	bool split; /* a second socket per port (else the pair's own socket is read) */
	guint watch, stun_timer;
	GMainContext *stun; /* libnice's sockets of split connections */
	GMainContext *park; /* libnice's sockets of taken connections: never iterated */
	struct lumen_rxbatch *batch;
	struct bench_rx_stats st;
};

static int64_t current_rx_ns;

int64_t bench_rx_now_ns(void)
{
	return current_rx_ns;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One recvmmsg of c's socket, each datagram into its pc. */
static void drain(struct bench_rx *rx, struct bench_rx_conn *c, int64_t real_to_mono)
{
	struct lumen_rxbatch *b = rx->batch;
	int n = lumen_rxbatch_read(b, c->fd, LUMEN_RXBATCH_MAX);

	if (n <= 0)
		return;
	rx->st.reads++;
	rx->st.datagrams += (uint64_t)n;
	for (int i = 0; i < n; i++) {
		current_rx_ns = b->rx_ns[i] ? b->rx_ns[i] + real_to_mono : 0;
		lumen_pc_rawrx_input(c->pc, b->buf[i], b->msg[i].msg_len, b->rx_ns[i]);
	}
	current_rx_ns = 0;
}

/* One read of every ready socket; returns how many were ready. Level-triggered, so a socket
 * with more than a batch waiting is back at the next call, after the rest of the loop ran. */
static int read_ready(struct bench_rx *rx)
{
	struct epoll_event ev[EVENTS];
	int n = epoll_wait(rx->epfd, ev, EVENTS, 0);
	/* The kernel stamps CLOCK_REALTIME, the payloads carry CLOCK_MONOTONIC: one offset per
	 * wake-up (two vDSO reads), not per packet. */
	int64_t off;

	if (n <= 0)
		return 0;
	off = clock_ns(CLOCK_MONOTONIC) - clock_ns(CLOCK_REALTIME);
	rx->st.wakeups++;
	for (int i = 0; i < n; i++)
		drain(rx, ev[i].data.ptr, off);
	return n;
}

/* --rx-poll-ms 0: the epoll fd is readable. */
static gboolean on_ready(gint fd, GIOCondition cond, gpointer data)
{
	(void)fd;
	(void)cond;
	read_ready(data);
	return G_SOURCE_CONTINUE;
}

/* --rx-poll-ms N: every N ms, whatever arrived since. Up to 16 rounds of EVENTS sockets, so
 * that a tick reads every socket at find-max's hundreds without holding the loop. */
static gboolean on_poll_tick(gpointer data)
{
	for (int i = 0; i < 16 && read_ready(data) == EVENTS; i++)
		;
	return G_SOURCE_CONTINUE;
}

static gboolean on_stun_tick(gpointer data)
{
	struct bench_rx *rx = data;

	/* Bounded: a context that always has something ready cannot hold the main loop. */
	for (int i = 0; i < 64 && g_main_context_iteration(rx->stun, FALSE); i++)
		;
	return G_SOURCE_CONTINUE;
}

struct bench_rx *bench_rx_new(bool split, unsigned poll_ms, char **err)
{
	struct bench_rx *rx = g_new0(struct bench_rx, 1);

	rx->split = split;
	rx->batch = lumen_rxbatch_new();
	if (!rx->batch) {
		*err = g_strdup("out of memory for the receive buffers");
		g_free(rx);
		return NULL;
	}
	rx->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (rx->epfd < 0) {
		*err = g_strdup_printf("epoll_create1: %s", strerror(errno));
		lumen_rxbatch_free(rx->batch);
		g_free(rx);
		return NULL;
	}
	rx->stun = g_main_context_new();
	rx->park = g_main_context_new();
	if (poll_ms)
		rx->watch = g_timeout_add_full(G_PRIORITY_DEFAULT, poll_ms, on_poll_tick, rx, NULL);
	else
		rx->watch = g_unix_fd_add(rx->epfd, G_IO_IN, on_ready, rx);
	if (split)
		rx->stun_timer = g_timeout_add(BENCH_RX_STUN_MS, on_stun_tick, rx);
	return rx;
}

void bench_rx_free(struct bench_rx *rx)
{
	if (!rx)
		return;
	g_source_remove(rx->watch);
	if (rx->stun_timer)
		g_source_remove(rx->stun_timer);
	close(rx->epfd);
	/* Sources of pcs still alive stay attached to it; the context lives on while they do. */
	g_main_context_unref(rx->stun);
	g_main_context_unref(rx->park);
	lumen_rxbatch_free(rx->batch);
	g_free(rx);
}

int bench_rx_add(struct bench_rx *rx, struct bench_rx_conn *c, struct lumen_pc *pc)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	int fd = rx->split ? lumen_pc_rawrx_open(pc, rx->stun) : lumen_pc_rawrx_take(pc, rx->park);

	if (fd < 0)
		return fd;
	if (epoll_ctl(rx->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	c->pc = pc;
	c->fd = fd;
	/* What libnice had queued before the split is read there now: at once, not a tick
	 * later (the join scenario times the first packet). A taken socket keeps its queue for
	 * the next read. */
	if (rx->split)
		on_stun_tick(rx);
	return 0;
}

void bench_rx_remove(struct bench_rx *rx, struct bench_rx_conn *c)
{
	if (!rx || c->fd < 0 || !c->pc)
		return;
	epoll_ctl(rx->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	c->fd = -1;
	c->pc = NULL;
}

void bench_rx_get_stats(const struct bench_rx *rx, struct bench_rx_stats *out)
{
	if (rx)
		*out = rx->st;
	else
		memset(out, 0, sizeof(*out));
}
