/* subctx.h -- a GMainContext run from another one's loop, looked at only when it has work.
 *
 * Why: GLib's main loop calls every attached source's prepare and check on each iteration, and
 * the daemon's loop iterates once per received packet burst. Every peer connection keeps
 * sources of its own there (libnice's agent timer, DTLS and SCTP timers, the 100 ms tick),
 * so each iteration walked N connections' sources twice: with 10 subscribers, 27 sources and
 * ~600 of the 6 700 user-space instructions per forwarded packet (tools/bench/callgrind.sh),
 * and the walk grows with N while the work per packet does not. Put those sources on a
 * sub-context: the parent's loop then holds one source for all of them, which costs nothing
 * until one of the sub-context's fds is ready or its earliest timeout is due.
 *
 * How: the sub-context is made with G_MAIN_CONTEXT_FLAGS_OWNERLESS_POLLING, so attaching a
 * source to it or changing a source's ready time signals its wake-up fd even from the thread
 * that owns it. Its poll fds (the wake-up fd among them) are kept in an epoll set, which the
 * parent polls as one fd. After each run of the sub-context (prepare, query, a zero-timeout
 * epoll_wait for the fds' states, check, dispatch) the fd set and the earliest timeout are
 * taken again; in between, the parent's iterations cost one deadline comparison.
 *
 * Threads: everything on the thread that runs the parent context, which also owns (acquires)
 * the sub-context for its whole life: nothing else may iterate it. Ownership: lumen_subctx_new
 * returns the sub-context (the caller's reference; attach sources to it as to any context);
 * lumen_subctx_free detaches the driver and drops its own references (free it after the
 * sources that matter are gone: what is left is never dispatched again). */
#ifndef LUMEN_WEBRTC_SUBCTX_H
#define LUMEN_WEBRTC_SUBCTX_H

#include <glib.h>

struct lumen_subctx;

/* A sub-context driven from parent (NULL: the default context) at priority G_PRIORITY_DEFAULT.
 * Must be called on the thread that runs parent. Returns NULL with *err (an epoll set could
 * not be made). */
struct lumen_subctx *lumen_subctx_new(GMainContext *parent, char **err);

/* The sub-context to attach sources to (owned by s: ref it to keep it). */
GMainContext *lumen_subctx_context(const struct lumen_subctx *s);

/* How many times the sub-context has been run (prepared, checked and maybe dispatched): for
 * tests and metrics. */
guint64 lumen_subctx_runs(const struct lumen_subctx *s);

/* NULL is a no-op. */
void lumen_subctx_free(struct lumen_subctx *s);

#endif
