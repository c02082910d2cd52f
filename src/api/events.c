/* api/events.c -- the bounded per-session event queue.
 *
 * A session's events wait here until a long poll (HTTP) or the idle flush (WebSocket) takes them.
 * The bound is api.max_pending_events: a client that stops polling cannot grow memory without
 * limit; when the queue is full the oldest event is dropped (and counted) so the newest state
 * wins. Pure data structure: no I/O, no logging, any thread that owns the queue. */
#include "api/api_internal.h"

void api_evq_init(struct api_evq *q, size_t max)
{
	g_queue_init(&q->q);
	q->max = max;
	q->dropped = 0;
}

int api_evq_push(struct api_evq *q, json_t *ev)
{
	int dropped = 0;

	if (q->max > 0 && q->q.length >= q->max) {
		json_decref(g_queue_pop_head(&q->q));
		q->dropped++;
		dropped = 1;
	}
	g_queue_push_tail(&q->q, ev);
	return dropped;
}

json_t *api_evq_pop(struct api_evq *q)
{
	return g_queue_pop_head(&q->q);
}

size_t api_evq_len(const struct api_evq *q)
{
	return q->q.length;
}

void api_evq_fini(struct api_evq *q)
{
	json_t *ev;

	while ((ev = g_queue_pop_head(&q->q)) != NULL)
		json_decref(ev);
}
