/* test_ticker.c -- coalescing periodic ticks (webrtc/ticker.h) on a context of the test's own.
 * The assertions count loop iterations and dispatches, not durations, so that a slow machine
 * makes them wait longer, not fail. */
#include <criterion/criterion.h>

#include <glib.h>

#include "webrtc/ticker.h"

struct counter {
	unsigned n;
	int64_t last_now;
	struct lumen_ticker_entry *self, *other; /* removed from the callback when set */
	bool remove_self, remove_other;
};

static void on_tick(void *user, int64_t now)
{
	struct counter *c = user;

	c->n++;
	c->last_now = now;
	if (c->remove_self) {
		lumen_ticker_remove(c->self);
		c->self = NULL;
	}
	if (c->remove_other) {
		lumen_ticker_remove(c->other);
		c->other = NULL;
		c->remove_other = false;
	}
}

static gboolean count_timeout(gpointer data)
{
	(*(unsigned *)data)++;
	return G_SOURCE_REMOVE;
}

/* Blocking iterations of ctx until *n reaches want (at most 1000 of them). */
static void run_until(GMainContext *ctx, const unsigned *n, unsigned want)
{
	for (int i = 0; i < 1000 && *n < want; i++)
		g_main_context_iteration(ctx, TRUE);
}

Test(ticker, ticks_repeat_at_the_period)
{
	GMainContext *ctx = g_main_context_new();
	struct counter c = {0};
	int64_t t0 = g_get_monotonic_time();

	c.self = lumen_ticker_add(ctx, 20, 4, on_tick, &c);
	run_until(ctx, &c.n, 5);
	cr_assert_eq(c.n, 5);
	/* five periods less the slack each time at the very least */
	cr_assert_geq(g_get_monotonic_time() - t0, 5 * (20 - 4) * 1000);
	lumen_ticker_remove(c.self);
	g_main_context_unref(ctx);
}

/* A tick due within the slack runs in the iteration another source woke the loop for: after the
 * first blocking iteration (the 160 ms timeout's), the 200 ms tick has run too. */
Test(ticker, a_tick_rides_on_another_wake_up)
{
	GMainContext *ctx = g_main_context_new();
	struct counter c = {0};
	unsigned fired = 0;
	GSource *t = g_timeout_source_new(160);

	c.self = lumen_ticker_add(ctx, 200, 50, on_tick, &c);
	g_source_set_callback(t, count_timeout, &fired, NULL);
	g_source_attach(t, ctx);
	g_source_unref(t);
	while (!fired)
		g_main_context_iteration(ctx, TRUE);
	cr_assert_eq(c.n, 1, "the tick ran with the timeout's wake-up (%u ticks)", c.n);
	lumen_ticker_remove(c.self);
	g_main_context_unref(ctx);
}

/* On an idle loop, ticks due within a slack of the first run in one dispatch (the same now);
 * ticks further apart keep their own phase. */
Test(ticker, near_ticks_run_together_far_ones_apart)
{
	GMainContext *ctx = g_main_context_new();
	struct counter a = {0}, b = {0}, far = {0};

	a.self = lumen_ticker_add(ctx, 100, 10, on_tick, &a);
	g_usleep(3000);
	b.self = lumen_ticker_add(ctx, 100, 10, on_tick, &b);
	g_usleep(40000);
	far.self = lumen_ticker_add(ctx, 100, 10, on_tick, &far);
	run_until(ctx, &a.n, 1);
	cr_assert_eq(b.n, 1, "b, 3 ms after a, ran in a's dispatch");
	cr_assert_eq(a.last_now, b.last_now);
	cr_assert_eq(far.n, 0, "40 ms later is not within 10 ms");
	run_until(ctx, &far.n, 1);
	cr_assert_gt(far.last_now, a.last_now);
	lumen_ticker_remove(a.self);
	lumen_ticker_remove(b.self);
	lumen_ticker_remove(far.self);
	g_main_context_unref(ctx);
}

/* A callback may remove itself or another entry, the last one included (which ends the source);
 * a new entry afterwards gets a new source. */
Test(ticker, removal_from_a_callback)
{
	GMainContext *ctx = g_main_context_new();
	struct counter a = {0}, b = {0}, c = {0};

	a.self = lumen_ticker_add(ctx, 20, 4, on_tick, &a);
	b.self = lumen_ticker_add(ctx, 20, 4, on_tick, &b);
	a.other = b.self;
	a.remove_other = true; /* a's first tick removes b before b is due again */
	run_until(ctx, &a.n, 1);
	b.self = NULL;
	a.remove_self = true;
	run_until(ctx, &a.n, 2);
	cr_assert_null(a.self);
	cr_assert_leq(b.n, 1, "b ticks at most once: with a or before it");
	for (int i = 0; i < 5; i++)
		g_main_context_iteration(ctx, FALSE);
	cr_assert_eq(a.n, 2, "a is not called after removing itself");
	c.self = lumen_ticker_add(ctx, 20, 4, on_tick, &c);
	run_until(ctx, &c.n, 2);
	cr_assert_eq(c.n, 2);
	lumen_ticker_remove(c.self);
	lumen_ticker_remove(NULL);
	g_main_context_unref(ctx);
}

/* Different periods on one context are different tickers; both run. */
Test(ticker, periods_do_not_mix)
{
	GMainContext *ctx = g_main_context_new();
	struct counter fast = {0}, slow = {0};

	fast.self = lumen_ticker_add(ctx, 10, 2, on_tick, &fast);
	slow.self = lumen_ticker_add(ctx, 50, 10, on_tick, &slow);
	run_until(ctx, &slow.n, 2);
	cr_assert_eq(slow.n, 2);
	cr_assert_geq(fast.n, 3, "about five fast ticks per slow one (%u)", fast.n);
	lumen_ticker_remove(fast.self);
	lumen_ticker_remove(slow.self);
	g_main_context_unref(ctx);
}
