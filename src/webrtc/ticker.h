/* ticker.h -- periodic housekeeping of many objects on one GMainContext through one GSource:
 * each object ticks at its own phase, and a tick may run up to a slack early or late so that it
 * rides on a wake-up the loop has anyway.
 *
 * Why: every peer connection has a 100 ms tick (RTCP, NACKs, transport-cc feedback, retransmission
 * cache expiry, silence timeout). As one g_timeout per pc, each at its own phase, N pcs woke an
 * otherwise idle loop 10 N times a second (at fanout N = 20 about as often as the publisher's
 * packets, each wake-up a context switch and a poll), and every iteration of the loop prepared and
 * checked N timer sources. Ticking all pcs on one grid instead removes the wake-ups but does every
 * pc's work in one burst, a delay spike for the packets behind it at hundreds of pcs. Here the
 * phases stay spread, there is one source, and a tick due within the slack runs in whatever
 * iteration the loop is in (woken by a packet, mostly) instead of a wake-up of its own; when the
 * loop is idle, the ticks due within a slack of the first one run together.
 *
 * Every entry of a ticker has the same period, so the entries form a FIFO in deadline order (a
 * tick moves its entry to the tail): adding, removing and ticking are O(1).
 *
 * Threads: a ticker belongs to one GMainContext; lumen_ticker_add and lumen_ticker_remove are
 * called on the thread that runs it, where the callbacks run. Ownership: the caller owns its
 * entry until lumen_ticker_remove; the ticker (a GSource of the context) lives while it has
 * entries. */
#ifndef LUMEN_WEBRTC_TICKER_H
#define LUMEN_WEBRTC_TICKER_H

#include <stdint.h>

#include <glib.h>

struct lumen_ticker_entry;

/* now_us: g_get_monotonic_time() of the dispatch. May remove any entry, its own included. */
typedef void (*lumen_tick_fn)(void *user, int64_t now_us);

/* Adds fn(user) every period_ms on ctx (NULL: the default context), the first call one period
 * from now, each up to slack_ms (< period_ms / 2) early or late. Entries with the same period and
 * slack on one context share one source. Never fails (GLib aborts when out of memory). */
struct lumen_ticker_entry *lumen_ticker_add(GMainContext *ctx, unsigned period_ms,
					    unsigned slack_ms, lumen_tick_fn fn, void *user);
/* fn is not called again. NULL: nothing. */
void lumen_ticker_remove(struct lumen_ticker_entry *e);

#endif
