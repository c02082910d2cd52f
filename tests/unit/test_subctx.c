/* test_subctx.c -- a GMainContext run from another one's loop (webrtc/subctx.h). Each test has a
 * parent context of its own, iterated by the test; the assertions count iterations and runs,
 * not durations, so a slow machine waits longer rather than fails. */
#include <criterion/criterion.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "webrtc/subctx.h"

static gboolean count(gpointer data)
{
	(*(unsigned *)data)++;
	return G_SOURCE_REMOVE;
}

static gboolean count_forever(gpointer data)
{
	(*(unsigned *)data)++;
	return G_SOURCE_CONTINUE;
}

static guint add_timeout(GMainContext *ctx, guint ms, GSourceFunc fn, void *data)
{
	GSource *src = g_timeout_source_new(ms);
	guint id;

	g_source_set_callback(src, fn, data, NULL);
	id = g_source_attach(src, ctx);
	g_source_unref(src);
	return id;
}

/* Blocking iterations of ctx until *n reaches want or *guard is set (at most 1000 of them). A
 * test that blocks on a wake-up which never comes sets a guard timer on the parent; Criterion's
 * timeout ends it if even that fails. */
static void run_until(GMainContext *ctx, const unsigned *n, unsigned want, const unsigned *guard)
{
	for (int i = 0; i < 1000 && *n < want && !(guard && *guard); i++)
		g_main_context_iteration(ctx, TRUE);
}

Test(subctx, a_timer_of_the_sub_context_fires_from_the_parents_loop, .timeout = 30)
{
	GMainContext *parent = g_main_context_new();
	char *err = NULL;
	struct lumen_subctx *s = lumen_subctx_new(parent, &err);
	unsigned n = 0;
	gint64 t0 = g_get_monotonic_time();

	cr_assert_not_null(s, "%s", err);
	add_timeout(lumen_subctx_context(s), 20, count, &n);
	run_until(parent, &n, 1, NULL);
	cr_assert_eq(n, 1);
	cr_assert_geq(g_get_monotonic_time() - t0, 20000, "not before its time");
	lumen_subctx_free(s);
	g_main_context_unref(parent);
}

static gboolean on_pipe(gint fd, GIOCondition cond, gpointer data)
{
	char b;

	(void)cond;
	if (read(fd, &b, 1) == 1)
		(*(unsigned *)data)++;
	return G_SOURCE_CONTINUE;
}

Test(subctx, an_fd_of_the_sub_context_wakes_the_parents_poll, .timeout = 30)
{
	GMainContext *parent = g_main_context_new();
	char *err = NULL;
	struct lumen_subctx *s = lumen_subctx_new(parent, &err);
	int p[2];
	unsigned n = 0;
	GSource *src;

	cr_assert_not_null(s, "%s", err);
	cr_assert_eq(pipe(p), 0);
	src = g_unix_fd_source_new(p[0], G_IO_IN);
	g_source_set_callback(src, G_SOURCE_FUNC(on_pipe), &n, NULL);
	g_source_attach(src, lumen_subctx_context(s));
	/* Settle, then a byte: the parent's blocking iteration must wake for it. A parent timer
	 * far in the future keeps the iteration from blocking for ever if it does not. */
	for (int i = 0; i < 3; i++)
		g_main_context_iteration(parent, FALSE);
	unsigned guard = 0;
	add_timeout(parent, 5000, count, &guard);
	cr_assert_eq(write(p[1], "x", 1), 1);
	run_until(parent, &n, 1, &guard);
	cr_assert_eq(n, 1);
	cr_assert_eq(guard, 0, "woken by the guard timer, not by the fd");
	g_source_destroy(src);
	g_source_unref(src);
	close(p[0]);
	close(p[1]);
	lumen_subctx_free(s);
	g_main_context_unref(parent);
}

/* The point of it: the parent's iterations do not walk the sub-context's sources while none of
 * them is due. 200 sources with long timers stay unvisited through 500 busy iterations. */
Test(subctx, idle_sources_cost_the_parent_nothing_per_iteration)
{
	GMainContext *parent = g_main_context_new();
	char *err = NULL;
	struct lumen_subctx *s = lumen_subctx_new(parent, &err);
	unsigned n = 0, busy = 0;
	guint64 runs;

	cr_assert_not_null(s, "%s", err);
	for (int i = 0; i < 200; i++)
		add_timeout(lumen_subctx_context(s), 60000, count, &n);
	for (int i = 0; i < 3; i++)
		g_main_context_iteration(parent, FALSE);
	runs = lumen_subctx_runs(s);
	GSource *idle = g_idle_source_new(); /* always ready: the parent never sleeps */
	g_source_set_callback(idle, count_forever, &busy, NULL);
	g_source_attach(idle, parent);
	for (int i = 0; i < 500; i++)
		g_main_context_iteration(parent, FALSE);
	cr_assert_geq(busy, 500);
	cr_assert_leq(lumen_subctx_runs(s) - runs, 2, "the sub-context ran %" G_GUINT64_FORMAT
		      " times", lumen_subctx_runs(s) - runs);
	cr_assert_eq(n, 0);
	g_source_destroy(idle);
	g_source_unref(idle);
	lumen_subctx_free(s);
	g_main_context_unref(parent);
}

struct attach_later {
	GMainContext *sub;
	unsigned fired;
};

static gboolean attach_to_sub(gpointer data)
{
	struct attach_later *a = data;

	add_timeout(a->sub, 0, count, &a->fired);
	return G_SOURCE_REMOVE;
}

/* A source attached from the parent's own thread (a callback of the parent) is seen at once:
 * the sub-context signals its wake-up fd even to its owner. */
Test(subctx, a_source_attached_from_the_owning_thread_is_seen, .timeout = 30)
{
	GMainContext *parent = g_main_context_new();
	char *err = NULL;
	struct lumen_subctx *s = lumen_subctx_new(parent, &err);
	struct attach_later a = {0};
	unsigned guard = 0;

	cr_assert_not_null(s, "%s", err);
	a.sub = lumen_subctx_context(s);
	for (int i = 0; i < 3; i++)
		g_main_context_iteration(parent, FALSE);
	add_timeout(parent, 1, attach_to_sub, &a);
	add_timeout(parent, 5000, count, &guard);
	run_until(parent, &a.fired, 1, &guard);
	cr_assert_eq(a.fired, 1);
	cr_assert_eq(guard, 0, "the new source waited for an unrelated wake-up");
	lumen_subctx_free(s);
	g_main_context_unref(parent);
}

Test(subctx, free_with_sources_left_and_null)
{
	GMainContext *parent = g_main_context_new();
	char *err = NULL;
	struct lumen_subctx *s = lumen_subctx_new(parent, &err);
	unsigned n = 0;

	cr_assert_not_null(s, "%s", err);
	add_timeout(lumen_subctx_context(s), 1, count, &n);
	lumen_subctx_free(s);
	for (int i = 0; i < 3; i++)
		g_main_context_iteration(parent, FALSE);
	cr_assert_eq(n, 0);
	lumen_subctx_free(NULL);
	g_main_context_unref(parent);
}
