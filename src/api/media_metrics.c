/* media_metrics.c -- the media path's process-wide metric families (see media_metrics.h). */
#include "api/media_metrics.h"

#include <errno.h>
#include <stdio.h>

#include <glib.h>

#include "metrics.h"
#include "webrtc/latency.h"
#include "webrtc/txbatch.h"

static unsigned users;

static void collect_delay(struct lumen_metrics_out *out, void *arg)
{
	struct lumen_latency_snapshot s;
	char labels[32];

	(void)arg;
	lumen_latency_snapshot(&s);
	for (unsigned i = 0; i < LUMEN_LATENCY_BUCKETS; i++) {
		if (lumen_latency_bounds_ns[i] == UINT64_MAX)
			snprintf(labels, sizeof(labels), "le=\"+Inf\"");
		else
			snprintf(labels, sizeof(labels), "le=\"%g\"",
				 (double)lumen_latency_bounds_ns[i] / 1e9);
		lumen_metrics_emit(out, "lumen_forward_delay_seconds_bucket", labels,
				   (double)s.bucket[i]);
	}
	lumen_metrics_emit(out, "lumen_forward_delay_seconds_sum", NULL, (double)s.sum_ns / 1e9);
	lumen_metrics_emit(out, "lumen_forward_delay_seconds_count", NULL, (double)s.count);
}

static void collect_tx(struct lumen_metrics_out *out, void *arg)
{
	struct lumen_txbatch_stats st;

	(void)arg;
	lumen_txbatch_stats(&st);
	lumen_metrics_emit(out, NULL, "path=\"batched\"", (double)st.batched);
	lumen_metrics_emit(out, NULL, "path=\"direct\"", (double)st.direct);
}

static void collect_tx_failed(struct lumen_metrics_out *out, void *arg)
{
	struct lumen_txbatch_stats st;

	(void)arg;
	lumen_txbatch_stats(&st);
	lumen_metrics_emit(out, NULL, NULL, (double)st.failed);
}

static void collect_tx_submits(struct lumen_metrics_out *out, void *arg)
{
	struct lumen_txbatch_stats st;

	(void)arg;
	lumen_txbatch_stats(&st);
	lumen_metrics_emit(out, NULL, NULL, (double)st.submits);
}

static const struct {
	const char *name;
	enum lumen_metric_type type;
	const char *help;
	lumen_metrics_collect_cb collect;
} families[] = {
    {"lumen_forward_delay_seconds", LUMEN_METRIC_HISTOGRAM,
     "Time from the kernel's receive timestamp of a forwarded packet to the hand-off of all its "
     "sends to the kernel (every 8th packet of each connection).",
     collect_delay},
    {"lumen_tx_packets_total", LUMEN_METRIC_COUNTER,
     "Media datagrams sent on direct UDP pairs, by path: batched (io_uring, one system call per "
     "received packet's fan-out) or direct (one sendto).",
     collect_tx},
    {"lumen_tx_failed_total", LUMEN_METRIC_COUNTER,
     "Media datagrams the kernel refused (full socket buffer, unreachable).", collect_tx_failed},
    {"lumen_tx_batches_total", LUMEN_METRIC_COUNTER, "io_uring submissions of batched sends.",
     collect_tx_submits},
};

int api_media_metrics_register(void)
{
	if (users++)
		return 0;
	for (size_t i = 0; i < G_N_ELEMENTS(families); i++) {
		int rc = lumen_metrics_register(families[i].name, families[i].type, families[i].help,
						families[i].collect, NULL);

		if (rc < 0) {
			while (i-- > 0)
				lumen_metrics_unregister(families[i].name);
			users = 0;
			return rc;
		}
	}
	return 0;
}

void api_media_metrics_unregister(void)
{
	if (!users || --users)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(families); i++)
		lumen_metrics_unregister(families[i].name);
}
