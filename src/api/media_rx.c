/* api/media_rx.c -- the control thread's receive loop and its metrics (see media_rx.h). */
#include "api/media_rx.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "webrtc/rxloop.h"

LUMEN_LOG_CATEGORY(cat_media, "media");

static struct lumen_rxloop *media_rx;

static const struct {
	const char *name, *help;
	enum lumen_metric_type type;
} rx_families[] = {
	{ "lumen_media_rx_connections", "peer connections whose media the receive loop reads "
					"(the rest: through libnice)", LUMEN_METRIC_GAUGE },
	{ "lumen_media_rx_wakeups_total", "dispatches of the receive loop", LUMEN_METRIC_COUNTER },
	{ "lumen_media_rx_reads_total", "recvmmsg calls that returned datagrams",
	  LUMEN_METRIC_COUNTER },
	{ "lumen_media_rx_datagrams_total", "datagrams (DTLS, SRTP, SRTCP) read by the loop",
	  LUMEN_METRIC_COUNTER },
	{ "lumen_media_rx_stun_runs_total", "times the loop read libnice's sockets (STUN)",
	  LUMEN_METRIC_COUNTER },
	{ "lumen_media_rx_add_failures_total", "connections the loop could not take (they use "
					       "libnice's receive path)", LUMEN_METRIC_COUNTER },
	{ "lumen_media_rx_stun_dropped_total", "STUN datagrams that reached a media socket while "
					       "its split was being set up, dropped",
	  LUMEN_METRIC_COUNTER },
	{ "lumen_media_rx_other_sockets", "other UDP sockets of those connections' ICE agents "
					  "that wake the loop when readable", LUMEN_METRIC_GAUGE },
	{ "lumen_media_rx_timer_connections", "connections with sockets the loop reads on a "
					      "100 ms timer (TCP candidates)", LUMEN_METRIC_GAUGE },
};

static void collect(struct lumen_metrics_out *out, void *arg)
{
	size_t fam = (size_t)(uintptr_t)arg;
	struct lumen_rxloop_stats st;

	lumen_rxloop_get_stats(media_rx, &st);
	/* in the order of rx_families */
	const uint64_t v[] = { st.conns, st.wakeups, st.reads, st.datagrams, st.stun_runs,
			       st.add_failures, st.stun_dropped, st.others, st.polled };
	G_STATIC_ASSERT(G_N_ELEMENTS(v) == G_N_ELEMENTS(rx_families));
	lumen_metrics_emit(out, rx_families[fam].name, NULL, (double)v[fam]);
}

static bool disabled(void)
{
	const char *v = g_getenv("LUMEN_RX_LIBNICE");

	return v && *v && strcmp(v, "0") != 0;
}

int api_media_rx_init(GMainContext *ctx, char **err)
{
	if (disabled()) {
		LOG_INFO(cat_media, "LUMEN_RX_LIBNICE: media is received through libnice");
		return 0;
	}
	media_rx = lumen_rxloop_new(ctx, err);
	if (!media_rx)
		return -EMFILE;
	for (size_t i = 0; i < G_N_ELEMENTS(rx_families); i++)
		if (lumen_metrics_register(rx_families[i].name, rx_families[i].type,
					   rx_families[i].help, collect, (void *)(uintptr_t)i) < 0)
			LOG_WARN(cat_media, "metric family %s not registered", rx_families[i].name);
	return 0;
}

void api_media_rx_fini(void)
{
	if (!media_rx)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(rx_families); i++)
		lumen_metrics_unregister(rx_families[i].name);
	lumen_rxloop_free(media_rx);
	media_rx = NULL;
}

struct lumen_rxloop *api_media_rx_loop(void)
{
	return media_rx;
}
