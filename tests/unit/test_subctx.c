/* test_subctx.c -- an inner context run from a host context's loop (webrtc/subctx.h): its timers
 * and fds run from the host's iterations, sources attached from the host's thread are seen at
 * once, and the host's own wake-ups do not iterate it. */
#include <criterion/criterion.h>

#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "webrtc/subctx.h"

struct fixture {
	GMainContext *host;
	struct lumen_subctx *sub;
	GMainContext *inner;
};

static struct fixture f;

static void setup(void)
{
	f.host = g_main_context_new();
	f.sub = lumen_subctx_new(f.host, G_PRIORITY_DEFAULT);
	f.inner = lumen_subctx_context(f.sub);
}

static void teardown(void)
{
	lumen_subctx_free(f.sub);
	g_main_context_unref(f.host);
}

TestSuite(subctx, .init = setup, .fini = teardown);

static gboolean count_cb(gpointer data)
{
	(*(int *)data)++;
	return G_SOURCE_CONTINUE;
}

static gboolean count_once_cb(gpointer data)
{
	(*(int *)data)++;
	return G_SOURCE_REMOVE;
}

static guint attach_timeout(GMainContext *ctx, guint ms, GSourceFunc fn, void *data)
{
	GSource *s = g_timeout_source_new(ms);
	guint id;

	g_source_set_callback(s, fn, data, NULL);
	id = g_source_attach(s, ctx);
	g_source_unref(s);
	return id;
}

/* Iterates the host, blocking, until *flag is non-zero or limit_ms pass (a host timer bounds
 * each wait). Returns the ms it took. */
static double run_host_until(const int *flag, int limit_ms)
{
	int expired = 0;
	gint64 t0 = g_get_monotonic_time();
	GSource *guard = g_timeout_source_new((guint)limit_ms);

	g_source_set_callback(guard, count_once_cb, &expired, NULL);
	g_source_attach(guard, f.host);
	while (!*flag && !expired)
		g_main_context_iteration(f.host, TRUE);
	g_source_destroy(guard);
	g_source_unref(guard);
	return (double)(g_get_monotonic_time() - t0) / 1000.0;
}

/* Runs every iteration the host has ready without blocking. */
static void drain_host(void)
{
	for (int i = 0; i < 100 && g_main_context_iteration(f.host, FALSE); i++)
		;
}

Test(subctx, an_inner_timer_runs_from_the_host_loop)
{
	int fired = 0;
	double ms;

	drain_host();
	attach_timeout(f.inner, 30, count_once_cb, &fired);
	ms = run_host_until(&fired, 2000);
	cr_assert_eq(fired, 1, "the inner timer did not run from the host's loop");
	cr_assert_geq(ms, 29.0, "the inner timer ran early: %.1f ms", ms);
	cr_assert_lt(ms, 500.0, "the inner timer ran late: %.1f ms", ms);
}

Test(subctx, a_repeating_inner_timer_keeps_running)
{
	int ticks = 0, stop = 0;

	attach_timeout(f.inner, 10, count_cb, &ticks);
	attach_timeout(f.host, 200, count_once_cb, &stop);
	run_host_until(&stop, 2000);
	/* 20 periods; the bound leaves room for a loaded machine but not for a stalled timer */
	cr_assert_geq(ticks, 5, "a 10 ms inner timer ran %d times in 200 ms", ticks);
	cr_assert_leq(ticks, 20, "a 10 ms inner timer ran %d times in 200 ms", ticks);
}

static gboolean on_pipe(gint fd, GIOCondition cond, gpointer data)
{
	char c;

	(void)cond;
	if (read(fd, &c, 1) == 1)
		(*(int *)data)++;
	return G_SOURCE_CONTINUE;
}

Test(subctx, an_inner_fd_wakes_the_host)
{
	int p[2], got = 0;
	struct lumen_subctx_stats st;
	GSource *s;

	cr_assert_eq(pipe(p), 0);
	drain_host();
	lumen_subctx_get_stats(f.sub, &st);
	cr_assert_eq(st.fds, 1, "before any source: the inner context's wakeup fd only (%u)", st.fds);
	s = g_unix_fd_source_new(p[0], G_IO_IN);
	g_source_set_callback(s, G_SOURCE_FUNC(on_pipe), &got, NULL);
	g_source_attach(s, f.inner);
	drain_host();
	lumen_subctx_get_stats(f.sub, &st);
	cr_assert_eq(st.fds, 2, "the host does not poll the inner source's fd (%u fds)", st.fds);
	cr_assert_eq(write(p[1], "x", 1), 1);
	run_host_until(&got, 2000);
	cr_assert_eq(got, 1, "a readable inner fd did not wake the host");
	g_source_destroy(s);
	g_source_unref(s);
	drain_host();
	lumen_subctx_get_stats(f.sub, &st);
	cr_assert_eq(st.fds, 1, "a destroyed source's fd is still polled (%u fds)", st.fds);
	close(p[0]);
	close(p[1]);
}

struct attach_later {
	int fired;
	guint ms;
};

static gboolean attach_inner_cb(gpointer data)
{
	struct attach_later *a = data;

	attach_timeout(f.inner, a->ms, count_once_cb, &a->fired);
	return G_SOURCE_REMOVE;
}

/* The wrapper waits for a timer an hour away; a timer attached to the inner context from the
 * host's thread (as libnice does from an API call) must not wait for that one. */
Test(subctx, a_source_attached_from_the_host_thread_is_seen_at_once)
{
	struct attach_later a = {.ms = 20};
	int never = 0;
	double ms;

	attach_timeout(f.inner, 3600 * 1000, count_once_cb, &never);
	drain_host();
	attach_timeout(f.host, 10, attach_inner_cb, &a);
	ms = run_host_until(&a.fired, 2000);
	cr_assert_eq(a.fired, 1, "a timer attached from the host's thread never ran");
	cr_assert_lt(ms, 500.0, "a 20 ms timer attached after 10 ms ran after %.1f ms", ms);
	cr_assert_eq(never, 0);
}

static gboolean set_ready_cb(gpointer data)
{
	GSource *s = data;

	g_source_set_ready_time(s, g_get_monotonic_time() + 30 * 1000);
	return G_SOURCE_REMOVE;
}

static gboolean ready_dispatch(GSource *s, GSourceFunc cb, gpointer data)
{
	g_source_set_ready_time(s, -1);
	return cb(data);
}

static GSourceFuncs ready_funcs = {.dispatch = ready_dispatch};

/* A source whose ready time is moved from the host's thread (libnice's timers are re-armed so). */
Test(subctx, a_ready_time_moved_from_the_host_thread_is_honoured)
{
	GSource *s = g_source_new(&ready_funcs, sizeof(GSource));
	int fired = 0;
	double ms;

	g_source_set_callback(s, count_once_cb, &fired, NULL);
	g_source_attach(s, f.inner);
	drain_host();
	attach_timeout(f.host, 5, set_ready_cb, s);
	ms = run_host_until(&fired, 2000);
	cr_assert_eq(fired, 1, "a source made ready 30 ms ahead never ran");
	cr_assert_geq(ms, 34.0, "it ran before its ready time: %.1f ms", ms);
	cr_assert_lt(ms, 500.0, "it ran late: %.1f ms", ms);
	g_source_destroy(s);
	g_source_unref(s);
}

/* The point of it all: the host wakes (here for its own fd, as the daemon's loop wakes for
 * media) without iterating the inner context, whatever that holds. */
Test(subctx, the_host_waking_does_not_iterate_the_inner_context)
{
	int p[2], got = 0, idle = 0;
	struct lumen_subctx_stats before, after;
	GSource *s;

	for (int i = 0; i < 50; i++)
		attach_timeout(f.inner, 60 * 1000, count_once_cb, &idle);
	cr_assert_eq(pipe(p), 0);
	s = g_unix_fd_source_new(p[0], G_IO_IN);
	g_source_set_callback(s, G_SOURCE_FUNC(on_pipe), &got, NULL);
	g_source_attach(s, f.host);
	g_source_unref(s);
	drain_host();
	lumen_subctx_get_stats(f.sub, &before);
	for (int i = 0; i < 100; i++) {
		int want = got + 1;

		cr_assert_eq(write(p[1], "x", 1), 1);
		while (got < want)
			g_main_context_iteration(f.host, TRUE);
	}
	lumen_subctx_get_stats(f.sub, &after);
	cr_assert_eq(got, 100);
	cr_assert_eq(after.runs, before.runs,
		     "100 wake-ups of the host iterated the inner context %" G_GUINT64_FORMAT
		     " times", after.runs - before.runs);
	cr_assert_eq(idle, 0);
	close(p[0]);
	close(p[1]);
}

/* Sources whose owner keeps the inner context past the wrapper are never run again, and
 * nothing is touched after the free. */
Test(subctx, sources_left_after_the_free_never_run)
{
	GMainContext *inner = g_main_context_ref(f.inner);
	int fired = 0, stop = 0;

	attach_timeout(inner, 10, count_cb, &fired);
	lumen_subctx_free(f.sub);
	f.sub = lumen_subctx_new(f.host, G_PRIORITY_DEFAULT); /* for the teardown */
	attach_timeout(f.host, 60, count_once_cb, &stop);
	run_host_until(&stop, 2000);
	cr_assert_eq(fired, 0, "a source of a freed subcontext ran %d times", fired);
	g_main_context_unref(inner);
}

/* A host source of higher priority ready at the same time goes first (the daemon's nomination
 * watch peeks at a socket before libnice's source on the inner context reads it). */
Test(subctx, a_higher_priority_host_source_goes_first)
{
	int p[2], order = 0, inner_at = 0, host_at = 0;
	GSource *hs, *is;

	cr_assert_eq(pipe(p), 0);
	is = g_unix_fd_source_new(p[0], G_IO_IN);
	g_source_set_callback(is, G_SOURCE_FUNC(on_pipe), &inner_at, NULL);
	g_source_attach(is, f.inner);
	drain_host();
	hs = g_timeout_source_new(0);
	g_source_set_priority(hs, G_PRIORITY_HIGH);
	g_source_set_callback(hs, count_once_cb, &host_at, NULL);
	cr_assert_eq(write(p[1], "x", 1), 1);
	g_source_attach(hs, f.host);
	for (int i = 0; i < 100 && !inner_at; i++) { /* both are ready: no iteration blocks */
		g_main_context_iteration(f.host, TRUE);
		if (host_at && !order)
			order = inner_at ? 2 : 1; /* 1: the host's source ran alone first */
	}
	cr_assert_eq(inner_at, 1, "the inner fd source never ran");
	cr_assert_eq(order, 1, "the inner source ran before (or with) the higher-priority host one");
	g_source_unref(hs);
	g_source_destroy(is);
	g_source_unref(is);
	close(p[0]);
	close(p[1]);
}

/* A timer ticking on the inner context beside a socket source of lower priority: the host's poll
 * set stays as it is (each change would wake the host once more: a wakeup write of GLib's). */
Test(subctx, a_ticking_timer_leaves_the_host_poll_set_alone)
{
	int p[2], got = 0, ticks = 0, stop = 0;
	struct lumen_subctx_stats before, after;
	GSource *s;

	cr_assert_eq(pipe(p), 0);
	s = g_unix_fd_source_new(p[0], G_IO_IN);
	g_source_set_priority(s, G_PRIORITY_DEFAULT_IDLE);
	g_source_set_callback(s, G_SOURCE_FUNC(on_pipe), &got, NULL);
	g_source_attach(s, f.inner);
	drain_host();
	lumen_subctx_get_stats(f.sub, &before);
	attach_timeout(f.inner, 2, count_cb, &ticks);
	attach_timeout(f.host, 100, count_once_cb, &stop);
	run_host_until(&stop, 2000);
	lumen_subctx_get_stats(f.sub, &after);
	cr_assert_geq(ticks, 10, "the inner timer ticked %d times in 100 ms", ticks);
	cr_assert_eq(after.fds, 2);
	cr_assert_eq(after.fd_changes, before.fd_changes,
		     "%d ticks changed the host's poll set %" G_GUINT64_FORMAT " times", ticks,
		     after.fd_changes - before.fd_changes);
	g_source_destroy(s);
	g_source_unref(s);
	close(p[0]);
	close(p[1]);
}
