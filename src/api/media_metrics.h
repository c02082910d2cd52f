/* media_metrics.h -- /metrics families of the media path the engine counts process-wide: the
 * forwarding delay histogram (webrtc/latency.h) and the batched sends (webrtc/txbatch.h).
 * Registered with the first API instance and removed with the last (tests create several).
 * Control thread. */
#ifndef LUMEN_API_MEDIA_METRICS_H
#define LUMEN_API_MEDIA_METRICS_H

/* Returns 0 or a negative errno from the metrics registry. */
int api_media_metrics_register(void);
void api_media_metrics_unregister(void);

#endif
