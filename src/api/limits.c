/* api/limits.c -- rate and count limits of the client API: a token bucket per remote address
 * for `create`, and the per-address session count.
 *
 * Pure bookkeeping with time as an argument (now_us, monotonic): the callers in protocol.c and
 * session.c decide what to refuse and with which error. Control thread only. */
#include "api/api_internal.h"

bool api_bucket_take(struct api_bucket *b, double rate, double burst, int64_t now_us)
{
	if (b->last_us == 0) {
		b->tokens = burst;
	} else if (now_us > b->last_us) {
		b->tokens += (double)(now_us - b->last_us) * rate / 1e6;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->last_us = now_us;
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

GHashTable *api_iptable_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

struct api_ipstat *api_iptable_get(GHashTable *t, const char *ip)
{
	struct api_ipstat *st = g_hash_table_lookup(t, ip);

	if (st == NULL) {
		st = g_new0(struct api_ipstat, 1);
		g_hash_table_insert(t, g_strdup(ip), st);
	}
	return st;
}

void api_iptable_prune(GHashTable *t, double rate, double burst, int64_t now_us)
{
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, t);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct api_ipstat *st = value;
		double tokens = st->bucket.tokens;

		if (st->sessions > 0 || st->websockets > 0)
			continue;
		if (now_us > st->bucket.last_us)
			tokens += (double)(now_us - st->bucket.last_us) * rate / 1e6;
		/* A full bucket carries no memory of past creates: the entry can go. */
		if (tokens >= burst)
			g_hash_table_iter_remove(&it);
	}
}
