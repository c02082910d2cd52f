/* api/media_rx.h -- the control thread's receive loop (webrtc/rxloop.h): every established
 * peer connection's media read with recvmmsg(2) from one epoll set instead of one GLib source
 * per socket, and its lumen_media_rx_* metrics; and the context the ICE agents live on
 * (webrtc/subctx.h), with its lumen_media_agent_context_* metrics.
 *
 * On by default; LUMEN_RX_LIBNICE=1 in the environment leaves every datagram to libnice (for
 * A/B measurements, docs/architecture.md). Control thread only. */
#ifndef LUMEN_API_MEDIA_RX_H
#define LUMEN_API_MEDIA_RX_H

#include <glib.h>

struct lumen_rxloop;

/* Creates the loop on ctx. Returns 0 or -errno with *err (no epoll set). */
int api_media_rx_init(GMainContext *ctx, char **err);
/* After every peer connection is freed. */
void api_media_rx_fini(void);
/* The loop for a new peer connection's ICE config, NULL when off. */
struct lumen_rxloop *api_media_rx_loop(void);
/* The context new peer connections' ICE agents live on (webrtc/subctx.h: run from the control
 * thread's loop only when it has work), NULL when off (LUMEN_AGENTS_ON_MAIN=1: the control
 * thread's own context, for A/B measurements). */
GMainContext *api_media_agent_context(void);

#endif
