/* api/media_rx.c -- the control thread's receive loop, its ICE agents' context and their metrics
 * (see media_rx.h). */
#include "api/media_rx.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "webrtc/rxloop.h"
#include "webrtc/subctx.h"

LUMEN_LOG_CATEGORY(cat_media, "media");

static struct lumen_rxloop *media_rx;
static struct lumen_subctx *media_agents;

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

static const struct {
	const char *name, *help;
} agent_families[] = {
	{ "lumen_media_agent_context_runs_total",
	  "iterations of the ICE agents' context, run by the control thread's loop only when one "
	  "of its timers is due or one of its fds is ready" },
	{ "lumen_media_agent_context_dispatches_total",
	  "of those iterations, the ones that ran an agent's timer or socket source" },
};

static void collect_agents(struct lumen_metrics_out *out, void *arg)
{
	size_t fam = (size_t)(uintptr_t)arg;
	struct lumen_subctx_stats st;

	lumen_subctx_get_stats(media_agents, &st);
	const uint64_t v[] = { st.runs, st.dispatches }; /* in the order of agent_families */
	G_STATIC_ASSERT(G_N_ELEMENTS(v) == G_N_ELEMENTS(agent_families));
	lumen_metrics_emit(out, agent_families[fam].name, NULL, (double)v[fam]);
}

static bool env_set(const char *name)
{
	const char *v = g_getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

static void agents_init(GMainContext *ctx)
{
	if (env_set("LUMEN_AGENTS_ON_MAIN")) {
		LOG_INFO(cat_media, "LUMEN_AGENTS_ON_MAIN: ICE agents live on the main context");
		return;
	}
	/* The agents' sources run at libnice's own priority, after the nomination watch. */
	media_agents = lumen_subctx_new(ctx, G_PRIORITY_DEFAULT);
	for (size_t i = 0; i < G_N_ELEMENTS(agent_families); i++)
		if (lumen_metrics_register(agent_families[i].name, LUMEN_METRIC_COUNTER,
					   agent_families[i].help, collect_agents,
					   (void *)(uintptr_t)i) < 0)
			LOG_WARN(cat_media, "metric family %s not registered",
				 agent_families[i].name);
}

int api_media_rx_init(GMainContext *ctx, char **err)
{
	agents_init(ctx);
	if (env_set("LUMEN_RX_LIBNICE")) {
		LOG_INFO(cat_media, "LUMEN_RX_LIBNICE: media is received through libnice");
		return 0;
	}
	media_rx = lumen_rxloop_new(ctx, err);
	if (!media_rx) {
		api_media_rx_fini();
		return -EMFILE;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(rx_families); i++)
		if (lumen_metrics_register(rx_families[i].name, rx_families[i].type,
					   rx_families[i].help, collect, (void *)(uintptr_t)i) < 0)
			LOG_WARN(cat_media, "metric family %s not registered", rx_families[i].name);
	return 0;
}

void api_media_rx_fini(void)
{
	if (media_agents) {
		for (size_t i = 0; i < G_N_ELEMENTS(agent_families); i++)
			lumen_metrics_unregister(agent_families[i].name);
		lumen_subctx_free(media_agents);
		media_agents = NULL;
	}
	if (!media_rx)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(rx_families); i++)
		lumen_metrics_unregister(rx_families[i].name);
	lumen_rxloop_free(media_rx);
	media_rx = NULL;
}

GMainContext *api_media_agent_context(void)
{
	return media_agents ? lumen_subctx_context(media_agents) : NULL;
}

struct lumen_rxloop *api_media_rx_loop(void)
{
	return media_rx;
}
