/* subctx.h -- a GMainContext run from another context's loop (its host) through one source there,
 * and touched only when it has something to do: one of its fds is ready or its next timeout is
 * due. The daemon's libnice agents live on one: each agent keeps a timer (its keepalive) for as
 * long as it exists, and on the host context those timers were prepared and checked by every
 * iteration of the control thread's loop, which wakes for nearly every received packet (at
 * fanout N = 20, 21 of the loop's 43 sources and about 280 instructions per connection per
 * wake-up, docs/performance.md). Here the host sees one source and, between the agents' own
 * events, one fd.
 *
 * How it knows to look again. The inner context is created with
 * G_MAIN_CONTEXT_FLAGS_OWNERLESS_POLLING, so GLib signals its wakeup fd whenever a source is
 * attached to it or a source's ready time changes, whatever thread does it. That fd is among the
 * inner context's own fds, which the host polls for it, so a timer libnice starts from a call on
 * the host's thread (remote candidates, a restart) is seen at the host's next iteration. After
 * every run that dispatched something the inner context is looked at once more at the next
 * iteration, as a dispatch may have re-armed a timer without any signal (a repeating timeout
 * sets its next expiry itself).
 *
 * Order. A run of the inner context happens at the host source's priority (given at creation):
 * the inner sources keep their order among themselves, and the host's sources of higher
 * priority (the nomination watch, which peeks at libnice's sockets first) keep theirs.
 *
 * Threads: everything on the host context's thread; nothing else may iterate the inner context.
 * Ownership: lumen_subctx_new's result is the caller's, freed with lumen_subctx_free, after
 * which sources still attached to the inner context (the caller's users hold references to it)
 * are never run again. */
#ifndef LUMEN_SUBCTX_H
#define LUMEN_SUBCTX_H

#include <stdint.h>

#include <glib.h>

struct lumen_subctx;

struct lumen_subctx_stats {
	uint64_t runs;       /* iterations of the inner context (prepare, poll, check) */
	uint64_t dispatches; /* of them, those that dispatched sources */
	unsigned fds;        /* fds of the inner context the host polls now (its wakeup fd: 1) */
	uint64_t fd_changes; /* times that set changed (each wakes the host once more) */
};

/* An inner context run from host (NULL: the global default context) at priority. Never NULL. */
struct lumen_subctx *lumen_subctx_new(GMainContext *host, int priority);
void lumen_subctx_free(struct lumen_subctx *s);

/* The inner context, borrowed (g_main_context_ref it to keep it past lumen_subctx_free). */
GMainContext *lumen_subctx_context(struct lumen_subctx *s);

void lumen_subctx_get_stats(const struct lumen_subctx *s, struct lumen_subctx_stats *st);

#endif
