/* rxloop.c -- connections' media read in batches from one epoll set (see rxloop.h). */
#include "webrtc/rxloop.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <glib-unix.h>

#include "webrtc/rxsplit.h"

#define EVENTS 256
#define STUN_ITERATIONS 64 /* per run: a context that always has work cannot hold the loop */

/* What an epoll event points at: a connection's media socket or its libnice socket. */
struct rx_watch {
	struct lumen_rxloop_conn *conn;
	bool stun;
};

/* Most agents have one socket per local candidate; with media.ice_enforce, one in all. */
#define OTHERS_MAX 16

struct lumen_rxloop_conn {
	struct rx_watch media, stun;
	int media_fd, stun_fd;
	/* the agent's other UDP sockets in the epoll set (lumen_rxloop_watch), all STUN */
	int other_fd[OTHERS_MAX];
	unsigned n_other;
	bool polls_others; /* has sockets no watch covers: the loop's timer reads them */
	lumen_rxloop_input_fn input;
	void *user;
	bool dead; /* removed during a dispatch: skip its events, free at the end */
};

struct lumen_rxloop {
	GMainContext *ctx;
	GMainContext *stun_ctx;
	int epfd;
	GSource *watch, *stun_timer;
	struct lumen_rxbatch *batch;
	bool dispatching;
	GPtrArray *graveyard; /* connections removed during the current dispatch */
	struct lumen_rxloop_stats st;
};

static void run_stun(struct lumen_rxloop *l)
{
	l->st.stun_runs++;
	for (int i = 0; i < STUN_ITERATIONS && g_main_context_iteration(l->stun_ctx, FALSE); i++)
		;
}

/* One recvmmsg of c's media socket, each datagram to its input until c is removed. */
static void drain(struct lumen_rxloop *l, struct lumen_rxloop_conn *c)
{
	struct lumen_rxbatch *b = l->batch;
	int n = lumen_rxbatch_read(b, c->media_fd, LUMEN_RXBATCH_MAX);

	if (n <= 0)
		return;
	l->st.reads++;
	for (int i = 0; i < n && !c->dead; i++) {
		/* STUN (RFC 7983: first byte 0..3) is libnice's, but the kernel can steer a few
		 * here: lumen_rxsplit_open binds our socket before it attaches the group's BPF
		 * program (the group exists only once both are bound), and in between it picks a
		 * socket by the 4-tuple's hash. Nothing here can hand a datagram to libnice; a
		 * check or keepalive lost is retransmitted by the peer, so drop it, counted. */
		if (b->msg[i].msg_len == 0 || b->buf[i][0] < 4) {
			l->st.stun_dropped++;
			continue;
		}
		l->st.datagrams++;
		c->input(c->user, b->buf[i], b->msg[i].msg_len, b->rx_ns[i]);
	}
}

/* The epoll set is readable: one read of every ready media socket, then the STUN context if
 * a libnice socket was ready. Level-triggered: a socket with more than a batch waiting comes
 * back at the next iteration, after the rest of the main loop ran. */
static gboolean on_ready(gint fd, GIOCondition cond, gpointer data)
{
	struct lumen_rxloop *l = data;
	struct epoll_event ev[EVENTS];
	bool stun = false;
	int n;

	(void)cond;
	/* The source may recurse (rxloop.h): a nested iteration of the context from an input
	 * function must not reuse the batch being delivered. It comes back next time. */
	if (l->dispatching)
		return G_SOURCE_CONTINUE;
	n = epoll_wait(fd, ev, EVENTS, 0);
	if (n <= 0)
		return G_SOURCE_CONTINUE;
	l->st.wakeups++;
	l->dispatching = true;
	for (int i = 0; i < n; i++) {
		struct rx_watch *w = ev[i].data.ptr;

		if (w->conn->dead)
			continue;
		if (w->stun)
			stun = true;
		else
			drain(l, w->conn);
	}
	if (stun)
		run_stun(l);
	l->dispatching = false;
	g_ptr_array_set_size(l->graveyard, 0);
	return G_SOURCE_CONTINUE;
}

/* Outside a dispatch: libnice may select another pair from here, so a connection may move
 * (remove, add) while it runs. Inside one, the STUN fd stays readable (level-triggered), so
 * the next dispatch does it. */
static void run_stun_outside(struct lumen_rxloop *l)
{
	if (l->dispatching)
		return;
	l->dispatching = true;
	run_stun(l);
	l->dispatching = false;
	g_ptr_array_set_size(l->graveyard, 0);
}

static gboolean on_stun_timer(gpointer data)
{
	run_stun_outside(data);
	return G_SOURCE_CONTINUE;
}

struct lumen_rxloop *lumen_rxloop_new(GMainContext *ctx, char **err)
{
	struct lumen_rxloop *l = g_new0(struct lumen_rxloop, 1);

	l->batch = lumen_rxbatch_new();
	if (!l->batch) {
		*err = g_strdup("cannot allocate the receive loop's buffers");
		g_free(l);
		return NULL;
	}
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		*err = g_strdup_printf("cannot create the receive loop's epoll set: %s",
				       strerror(errno));
		lumen_rxbatch_free(l->batch);
		g_free(l);
		return NULL;
	}
	l->ctx = ctx ? g_main_context_ref(ctx) : g_main_context_ref(g_main_context_default());
	l->stun_ctx = g_main_context_new();
	l->graveyard = g_ptr_array_new_with_free_func(g_free);
	l->watch = g_unix_fd_source_new(l->epfd, G_IO_IN);
	g_source_set_callback(l->watch, G_SOURCE_FUNC(on_ready), l, NULL);
	g_source_set_can_recurse(l->watch, TRUE);
	g_source_attach(l->watch, l->ctx);
	return l;
}

static void stun_timer_stop(struct lumen_rxloop *l)
{
	if (!l->stun_timer)
		return;
	g_source_destroy(l->stun_timer);
	g_source_unref(l->stun_timer);
	l->stun_timer = NULL;
}

void lumen_rxloop_free(struct lumen_rxloop *l)
{
	if (!l)
		return;
	g_warn_if_fail(l->st.conns == 0 && !l->dispatching);
	stun_timer_stop(l);
	g_source_destroy(l->watch);
	g_source_unref(l->watch);
	close(l->epfd);
	/* libnice sources of agents still alive keep the context alive; ours goes. */
	g_main_context_unref(l->stun_ctx);
	g_main_context_unref(l->ctx);
	g_ptr_array_free(l->graveyard, TRUE);
	lumen_rxbatch_free(l->batch);
	g_free(l);
}

GMainContext *lumen_rxloop_stun_context(struct lumen_rxloop *l)
{
	return l->stun_ctx;
}

static int watch_fd(struct lumen_rxloop *l, int fd, struct rx_watch *w)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

struct lumen_rxloop_conn *lumen_rxloop_add(struct lumen_rxloop *l, int pair_fd,
					   lumen_rxloop_input_fn input, void *user, int *err)
{
	struct lumen_rxloop_conn *c = g_new0(struct lumen_rxloop_conn, 1);
	int rc;

	c->media = (struct rx_watch){.conn = c, .stun = false};
	c->stun = (struct rx_watch){.conn = c, .stun = true};
	c->stun_fd = pair_fd;
	c->input = input;
	c->user = user;
	c->media_fd = rc = lumen_rxsplit_open(pair_fd);
	if (rc < 0)
		goto fail;
	rc = watch_fd(l, c->media_fd, &c->media);
	if (rc < 0)
		goto fail;
	rc = watch_fd(l, pair_fd, &c->stun);
	if (rc < 0) {
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->media_fd, NULL);
		goto fail;
	}
	l->st.conns++;
	/* Whatever libnice's sockets held when they moved (a DTLS flight that came with the
	 * nominating check) is read now, not a timer later. */
	run_stun_outside(l);
	return c;
fail:
	/* Closing the media socket (if made) gives the pair's socket the whole port again. */
	if (c->media_fd >= 0)
		close(c->media_fd);
	g_free(c);
	l->st.add_failures++;
	*err = rc;
	return NULL;
}

void lumen_rxloop_remove(struct lumen_rxloop *l, struct lumen_rxloop_conn *c)
{
	if (!c)
		return;
	/* Errors are ignored: an fd closed already left the set by itself. */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->media_fd, NULL);
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->stun_fd, NULL);
	for (unsigned i = 0; i < c->n_other; i++)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->other_fd[i], NULL);
	close(c->media_fd);
	c->media_fd = c->stun_fd = -1;
	l->st.others -= c->n_other;
	c->n_other = 0;
	l->st.conns--;
	if (c->polls_others && --l->st.polled == 0)
		stun_timer_stop(l);
	c->polls_others = false;
	if (l->dispatching) {
		c->dead = true; /* events of this round may still point at it */
		g_ptr_array_add(l->graveyard, c);
	} else {
		g_free(c);
	}
}

int lumen_rxloop_watch(struct lumen_rxloop *l, struct lumen_rxloop_conn *c, int fd)
{
	int rc;

	if (!c || c->dead || fd < 0 || fd == c->stun_fd || fd == c->media_fd)
		return -EINVAL;
	for (unsigned i = 0; i < c->n_other; i++)
		if (c->other_fd[i] == fd)
			return 0;
	if (c->n_other == OTHERS_MAX)
		return -ENOSPC;
	/* Every watch of a connection points at its one STUN record: any of them readable
	 * means "iterate the STUN context", which reads them all. */
	rc = watch_fd(l, fd, &c->stun);
	if (rc < 0)
		return rc;
	c->other_fd[c->n_other++] = fd;
	l->st.others++;
	return 0;
}

void lumen_rxloop_poll_others(struct lumen_rxloop *l, struct lumen_rxloop_conn *c)
{
	if (!c || c->dead || c->polls_others)
		return;
	c->polls_others = true;
	if (l->st.polled++ == 0) {
		l->stun_timer = g_timeout_source_new(LUMEN_RXLOOP_STUN_MS);
		g_source_set_callback(l->stun_timer, on_stun_timer, l, NULL);
		g_source_attach(l->stun_timer, l->ctx);
	}
}

void lumen_rxloop_get_stats(const struct lumen_rxloop *l, struct lumen_rxloop_stats *out)
{
	*out = l->st;
}
