/* ticker.c -- coalescing periodic ticks on a GMainContext (see ticker.h). */
#include "webrtc/ticker.h"

#include <stdbool.h>

struct ticker {
	GSource src;
	int64_t period_us, slack_us;
	GQueue q;                          /* entries, earliest deadline first */
	struct lumen_ticker_entry *running; /* the entry whose function runs now, or NULL */
	bool running_removed;              /* ... and it was removed meanwhile: free it after */
};

struct lumen_ticker_entry {
	struct ticker *t;
	GList link; /* in t->q */
	int64_t deadline_us;
	lumen_tick_fn fn;
	void *user;
};

static bool head_due(struct ticker *t, int64_t now)
{
	const struct lumen_ticker_entry *e = t->q.head ? t->q.head->data : NULL;

	return e && e->deadline_us - t->slack_us <= now;
}

/* Due within the slack: run in this iteration. Else sleep at most until the first deadline plus
 * the slack: a wake-up for anything else before that runs it without one of its own. */
static gboolean ticker_prepare(GSource *src, gint *timeout)
{
	struct ticker *t = (struct ticker *)src;
	int64_t now = g_source_get_time(src), wait_us;
	const struct lumen_ticker_entry *e;

	if (!t->q.head) {
		*timeout = -1;
		return FALSE;
	}
	if (head_due(t, now)) {
		*timeout = 0;
		return TRUE;
	}
	e = t->q.head->data;
	wait_us = e->deadline_us + t->slack_us - now;
	if (wait_us > 2 * t->period_us)
		wait_us = 2 * t->period_us;
	*timeout = (gint)((wait_us + 999) / 1000);
	return FALSE;
}

static gboolean ticker_check(GSource *src)
{
	return head_due((struct ticker *)src, g_source_get_time(src));
}

/* Every entry due within the slack, each at most once: a function that runs long cannot make
 * the loop spin here. */
static gboolean ticker_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
	struct ticker *t = (struct ticker *)src;
	int64_t now = g_get_monotonic_time();
	guint budget = t->q.length;

	(void)cb;
	(void)data;
	while (budget-- > 0 && head_due(t, now)) {
		struct lumen_ticker_entry *e = t->q.head->data;

		g_queue_unlink(&t->q, &e->link);
		e->deadline_us += t->period_us;
		if (e->deadline_us <= now) /* the loop was held up: skip the missed ticks */
			e->deadline_us = now + t->period_us;
		g_queue_push_tail_link(&t->q, &e->link);
		t->running = e;
		t->running_removed = false;
		e->fn(e->user, now);
		t->running = NULL;
		if (t->running_removed)
			g_free(e);
	}
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs ticker_funcs = {
    .prepare = ticker_prepare,
    .check = ticker_check,
    .dispatch = ticker_dispatch,
};

/* The source's callback is never called: it only carries the key its context finds it by. */
static gboolean never_called(gpointer data)
{
	(void)data;
	return G_SOURCE_CONTINUE;
}

static struct ticker *ticker_for(GMainContext *ctx, unsigned period_ms, unsigned slack_ms)
{
	gpointer key = GUINT_TO_POINTER((period_ms << 16) | (slack_ms & 0xffff));
	GSource *src;
	struct ticker *t;

	if (!ctx)
		ctx = g_main_context_default();
	src = g_main_context_find_source_by_funcs_user_data(ctx, &ticker_funcs, key);
	if (src)
		return (struct ticker *)src;
	src = g_source_new(&ticker_funcs, sizeof(struct ticker));
	t = (struct ticker *)src;
	t->period_us = (int64_t)period_ms * 1000;
	t->slack_us = (int64_t)slack_ms * 1000;
	g_queue_init(&t->q);
	g_source_set_name(src, "lumen ticker");
	g_source_set_callback(src, never_called, key, NULL);
	g_source_attach(src, ctx); /* the context's reference and ours, dropped with the last entry */
	return t;
}

struct lumen_ticker_entry *lumen_ticker_add(GMainContext *ctx, unsigned period_ms,
					    unsigned slack_ms, lumen_tick_fn fn, void *user)
{
	struct lumen_ticker_entry *e = g_new0(struct lumen_ticker_entry, 1);

	g_assert(period_ms > 0 && period_ms <= 0xffff && slack_ms < period_ms / 2 + 1);
	e->t = ticker_for(ctx, period_ms, slack_ms);
	e->fn = fn;
	e->user = user;
	e->link.data = e;
	e->deadline_us = g_get_monotonic_time() + e->t->period_us;
	g_queue_push_tail_link(&e->t->q, &e->link);
	return e;
}

void lumen_ticker_remove(struct lumen_ticker_entry *e)
{
	struct ticker *t;

	if (!e)
		return;
	t = e->t;
	g_queue_unlink(&t->q, &e->link);
	if (t->running == e)
		t->running_removed = true; /* the dispatch frees it when the function returns */
	else
		g_free(e);
	if (!t->q.head) {
		/* GLib keeps a reference during a dispatch, so a removal from inside one is safe */
		g_source_destroy(&t->src);
		g_source_unref(&t->src);
	}
}
