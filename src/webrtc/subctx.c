/* subctx.c -- a GMainContext run from another one's loop (see subctx.h). */
#include "webrtc/subctx.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

struct lumen_subctx {
	GSource *src;          /* the driver, in the parent context */
	GMainContext *ctx;     /* the sub-context (acquired by the parent's thread) */
	int epfd;              /* the sub-context's poll fds, as one fd for the parent */
	gpointer ep_tag;
	GPollFD *fds;
	gint cap;
	GHashTable *reg, *next; /* fd -> epoll events registered / wanted (GINT_TO_POINTER) */
	gint64 deadline_us;    /* the sub-context's earliest timeout (monotonic); -1: none */
	bool dirty;            /* run at the next iteration: the last run dispatched something */
	guint64 runs;
};

struct driver {
	GSource base;
	struct lumen_subctx *s;
};

static guint32 epoll_events(gushort ev)
{
	return (ev & G_IO_IN ? EPOLLIN : 0) | (ev & G_IO_OUT ? EPOLLOUT : 0) |
	       (ev & G_IO_PRI ? EPOLLPRI : 0);
}

static void ep_ctl(struct lumen_subctx *s, int op, int fd, guint32 events)
{
	struct epoll_event e = {.events = events, .data.fd = fd};

	if (epoll_ctl(s->epfd, op, fd, &e) == 0)
		return;
	/* An fd closed and its number reused, or closed for good: epoll forgot it already. */
	if (op == EPOLL_CTL_MOD && errno == ENOENT)
		(void)epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e);
	else if (op == EPOLL_CTL_ADD && errno == EEXIST)
		(void)epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &e);
}

/* Makes the epoll set hold exactly fds[0..n) (one entry per fd, events merged). */
static void sync_epoll(struct lumen_subctx *s, gint n)
{
	GHashTableIter it;
	gpointer k, v;

	for (gint i = 0; i < n; i++) {
		gpointer key = GINT_TO_POINTER(s->fds[i].fd);
		guint32 ev = GPOINTER_TO_UINT(g_hash_table_lookup(s->next, key));

		g_hash_table_insert(s->next, key, GUINT_TO_POINTER(ev | epoll_events(s->fds[i].events)));
	}
	g_hash_table_iter_init(&it, s->next);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		gpointer old;

		if (!g_hash_table_lookup_extended(s->reg, k, NULL, &old))
			ep_ctl(s, EPOLL_CTL_ADD, GPOINTER_TO_INT(k), GPOINTER_TO_UINT(v));
		else if (old != v)
			ep_ctl(s, EPOLL_CTL_MOD, GPOINTER_TO_INT(k), GPOINTER_TO_UINT(v));
	}
	g_hash_table_iter_init(&it, s->reg);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (!g_hash_table_contains(s->next, k))
			(void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, GPOINTER_TO_INT(k), NULL);
	GHashTable *t = s->reg;
	s->reg = s->next;
	s->next = t;
	g_hash_table_remove_all(s->next);
}

/* One iteration of the sub-context, without blocking; afterwards the next one is due at
 * s->deadline_us, when an fd of the epoll set is ready, or at once (dirty). */
static void run(struct lumen_subctx *s)
{
	gint prio = 0, timeout = -1, n;
	gboolean ready;

	s->runs++;
	g_main_context_prepare(s->ctx, &prio);
	while ((n = g_main_context_query(s->ctx, prio, &timeout, s->fds, s->cap)) > s->cap) {
		s->cap = n * 2;
		s->fds = g_renew(GPollFD, s->fds, s->cap);
	}
	sync_epoll(s, n);
	for (gint i = 0; i < n; i++)
		s->fds[i].revents = 0;
	if (n > 0)
		(void)g_poll(s->fds, (guint)n, 0);
	ready = g_main_context_check(s->ctx, prio, s->fds, n);
	if (ready)
		g_main_context_dispatch(s->ctx);
	/* A dispatch may have added or re-armed sources: the next iteration runs again to learn
	 * the new fds and timeout. Without one, this query's timeout stands. */
	s->dirty = ready;
	s->deadline_us = timeout < 0 ? -1 : g_get_monotonic_time() + (gint64)timeout * 1000;
}

static gboolean drv_prepare(GSource *src, gint *timeout)
{
	struct lumen_subctx *s = ((struct driver *)src)->s;
	gint64 now;

	*timeout = -1;
	if (s->dirty) {
		*timeout = 0;
		return TRUE;
	}
	if (s->deadline_us < 0)
		return FALSE;
	now = g_source_get_time(src);
	if (now >= s->deadline_us) {
		*timeout = 0;
		return TRUE;
	}
	*timeout = (gint)MIN((s->deadline_us - now + 999) / 1000, G_MAXINT);
	return FALSE;
}

static gboolean drv_check(GSource *src)
{
	struct lumen_subctx *s = ((struct driver *)src)->s;

	if (s->dirty || (g_source_query_unix_fd(src, s->ep_tag) & (G_IO_IN | G_IO_ERR | G_IO_HUP)))
		return TRUE;
	return s->deadline_us >= 0 && g_source_get_time(src) >= s->deadline_us;
}

static gboolean drv_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
	(void)cb;
	(void)data;
	run(((struct driver *)src)->s);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs driver_funcs = {
    .prepare = drv_prepare, .check = drv_check, .dispatch = drv_dispatch};

struct lumen_subctx *lumen_subctx_new(GMainContext *parent, char **err)
{
	struct lumen_subctx *s = g_new0(struct lumen_subctx, 1);

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		*err = g_strdup_printf("epoll_create1: %s", g_strerror(errno));
		g_free(s);
		return NULL;
	}
	s->ctx = g_main_context_new_with_flags(G_MAIN_CONTEXT_FLAGS_OWNERLESS_POLLING);
	/* Ours for good: GLib dispatches only from the thread that acquired a context. */
	g_main_context_acquire(s->ctx);
	s->cap = 16;
	s->fds = g_new0(GPollFD, s->cap);
	s->reg = g_hash_table_new(NULL, NULL);
	s->next = g_hash_table_new(NULL, NULL);
	s->dirty = true; /* the first iteration learns the fds and the timeout */
	s->deadline_us = -1;
	s->src = g_source_new(&driver_funcs, sizeof(struct driver));
	((struct driver *)s->src)->s = s;
	g_source_set_static_name(s->src, "lumen sub-context");
	s->ep_tag = g_source_add_unix_fd(s->src, s->epfd, G_IO_IN);
	g_source_attach(s->src, parent);
	return s;
}

GMainContext *lumen_subctx_context(const struct lumen_subctx *s)
{
	return s->ctx;
}

guint64 lumen_subctx_runs(const struct lumen_subctx *s)
{
	return s->runs;
}

void lumen_subctx_free(struct lumen_subctx *s)
{
	if (!s)
		return;
	g_source_destroy(s->src);
	g_source_unref(s->src);
	g_main_context_release(s->ctx);
	g_main_context_unref(s->ctx);
	close(s->epfd);
	g_hash_table_destroy(s->reg);
	g_hash_table_destroy(s->next);
	g_free(s->fds);
	g_free(s);
}
