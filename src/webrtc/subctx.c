/* subctx.c -- a context run from another context's loop when it has work (see subctx.h). */
#include "webrtc/subctx.h"

#include <stdbool.h>

struct sub_source {
	GSource base;
	struct lumen_subctx *owner;
};

struct lumen_subctx {
	GMainContext *host, *inner;
	GSource *src;
	/* The inner context's fds as the host polls them: g_source_add_poll keeps these
	 * pointers, so the array is only replaced after every entry is removed. */
	GPollFD *reg;
	gint n_reg;
	GPollFD *q; /* the inner context's query of the current run */
	gint q_cap;
	struct lumen_subctx_stats st;
};

/* The host polls the fds the last run found; any of them ready means a run. A due timeout is
 * the source's ready time, which GLib checks itself. */
static gboolean sub_check(GSource *base)
{
	const struct lumen_subctx *s = ((struct sub_source *)base)->owner;

	for (gint i = 0; i < s->n_reg; i++)
		if (s->reg[i].revents)
			return TRUE;
	return FALSE;
}

static bool same_fds(const struct lumen_subctx *s, gint n)
{
	if (n != s->n_reg)
		return false;
	for (gint i = 0; i < n; i++)
		if (s->q[i].fd != s->reg[i].fd || s->q[i].events != s->reg[i].events)
			return false;
	return true;
}

/* The host polls what the inner context asked for in this run. Changing the set costs a wakeup
 * write of the host's per fd added or removed (GLib rebuilds its poll set), so it is left as it is
 * when nothing changed. */
static void sync_fds(struct lumen_subctx *s, gint n)
{
	if (same_fds(s, n)) {
		for (gint i = 0; i < n; i++)
			s->reg[i].revents = 0;
		return;
	}
	for (gint i = 0; i < s->n_reg; i++)
		g_source_remove_poll(s->src, &s->reg[i]);
	g_free(s->reg);
	s->reg = g_new(GPollFD, n > 0 ? n : 1);
	s->n_reg = n;
	for (gint i = 0; i < n; i++) {
		s->reg[i] = (GPollFD){.fd = s->q[i].fd, .events = s->q[i].events, .revents = 0};
		g_source_add_poll(s->src, &s->reg[i]);
	}
	s->st.fds = (unsigned)n;
	s->st.fd_changes++;
}

/* When the host runs us next: at once after a dispatch (its timeout from before the dispatch may
 * be stale: a repeating timer sets its next expiry without a signal), at the inner context's next
 * timeout, or only when one of its fds is ready. Called from our dispatch, where GLib does not
 * signal the host's wakeup fd for it (the source is blocked). */
static void set_ready(struct lumen_subctx *s, bool dispatched, gint timeout)
{
	if (dispatched || timeout == 0)
		g_source_set_ready_time(s->src, 0);
	else if (timeout < 0)
		g_source_set_ready_time(s->src, -1);
	else
		g_source_set_ready_time(s->src, g_get_monotonic_time() + (gint64)timeout * 1000);
}

/* One iteration of the inner context that never blocks: what the host's poll saw may be stale
 * (the fds it polled are the previous run's), so the inner fds are polled again with no wait. */
static void run(struct lumen_subctx *s)
{
	gint prio = G_MAXINT, timeout = -1, n;
	bool dispatched = false;

	if (!g_main_context_acquire(s->inner)) {
		/* Someone else iterates it, against the contract: look again next time. */
		g_source_set_ready_time(s->src, 0);
		return;
	}
	s->st.runs++;
	g_main_context_prepare(s->inner, &prio);
	/* Every fd, whatever is ready now: with prio a due timer leaves out the fds of sources
	 * below it, and the set the host polls would change (each change is a wakeup write of the
	 * host's, GLib's poll set rebuilt) at every run of a ticking timer. check() takes the
	 * larger set and looks at prio's sources only. */
	while ((n = g_main_context_query(s->inner, G_MAXINT, &timeout, s->q, s->q_cap)) >
	       s->q_cap) {
		g_free(s->q);
		s->q_cap = n;
		s->q = g_new(GPollFD, n);
	}
	if (n > 0)
		g_poll(s->q, (guint)n, 0);
	if (g_main_context_check(s->inner, prio, s->q, n)) {
		g_main_context_dispatch(s->inner);
		dispatched = true;
		s->st.dispatches++;
	}
	g_main_context_release(s->inner);
	sync_fds(s, n);
	set_ready(s, dispatched, timeout);
}

static gboolean sub_dispatch(GSource *base, GSourceFunc cb, gpointer data)
{
	(void)cb;
	(void)data;
	run(((struct sub_source *)base)->owner);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs sub_funcs = {
	.check = sub_check,
	.dispatch = sub_dispatch,
};

struct lumen_subctx *lumen_subctx_new(GMainContext *host, int priority)
{
	struct lumen_subctx *s = g_new0(struct lumen_subctx, 1);

	s->host = host ? g_main_context_ref(host) : g_main_context_ref(g_main_context_default());
	s->inner = g_main_context_new_with_flags(G_MAIN_CONTEXT_FLAGS_OWNERLESS_POLLING);
	s->q_cap = 8;
	s->q = g_new(GPollFD, s->q_cap);
	s->src = g_source_new(&sub_funcs, sizeof(struct sub_source));
	((struct sub_source *)s->src)->owner = s;
	g_source_set_name(s->src, "lumen subcontext");
	g_source_set_priority(s->src, priority);
	/* The first run finds the inner context's fds (its wakeup fd) and timeout. */
	g_source_set_ready_time(s->src, 0);
	g_source_attach(s->src, s->host);
	return s;
}

void lumen_subctx_free(struct lumen_subctx *s)
{
	if (!s)
		return;
	g_source_destroy(s->src);
	g_source_unref(s->src);
	g_free(s->reg);
	g_free(s->q);
	g_main_context_unref(s->inner);
	g_main_context_unref(s->host);
	g_free(s);
}

GMainContext *lumen_subctx_context(struct lumen_subctx *s)
{
	return s->inner;
}

void lumen_subctx_get_stats(const struct lumen_subctx *s, struct lumen_subctx_stats *st)
{
	*st = s->st;
}
