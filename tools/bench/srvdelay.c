/* srvdelay.c -- lumen's forwarding-delay histogram between two readings (see srvdelay.h). */
#include "srvdelay.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>

#define FAMILY "lumen_forward_delay_seconds_bucket{le=\""

int bench_srvdelay_parse(const char *text, size_t len, struct bench_srvdelay *out)
{
	const char *p = text, *end = text + len;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t flen = sizeof(FAMILY) - 1;

		if ((size_t)(eol - p) > flen && !memcmp(p, FAMILY, flen)) {
			char buf[128];
			size_t n = (size_t)(eol - p) - flen;
			char *q, *val;
			double le;
			unsigned long long cnt;

			if (n >= sizeof(buf))
				return -1;
			memcpy(buf, p + flen, n);
			buf[n] = '\0';
			q = strchr(buf, '"');
			if (!q)
				return -1;
			*q = '\0';
			le = !strcmp(buf, "+Inf") ? INFINITY : strtod(buf, NULL);
			val = strrchr(q + 1, ' ');
			if (!val || out->n == BENCH_SRVDELAY_BUCKETS)
				return -1;
			cnt = strtoull(val + 1, NULL, 10);
			if (out->n && le <= out->le[out->n - 1])
				return -1;
			out->le[out->n] = le;
			out->count[out->n] = cnt;
			out->n++;
		}
		p = eol + 1;
	}
	return out->n ? 0 : -1;
}

static bool same_buckets(const struct bench_srvdelay *a, const struct bench_srvdelay *b)
{
	if (a->n != b->n || !a->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->le[i] != b->le[i] || a->count[i] > b->count[i])
			return false;
	return true;
}

uint64_t bench_srvdelay_samples(const struct bench_srvdelay *a, const struct bench_srvdelay *b)
{
	return same_buckets(a, b) ? b->count[b->n - 1] - a->count[a->n - 1] : 0;
}

double bench_srvdelay_quantile_ms(const struct bench_srvdelay *a, const struct bench_srvdelay *b,
                                  double p)
{
	uint64_t total = bench_srvdelay_samples(a, b);

	if (!total)
		return -1;
	for (size_t i = 0; i < b->n; i++)
		if ((double)(b->count[i] - a->count[i]) >= p * (double)total)
			return isinf(b->le[i]) ? INFINITY : b->le[i] * 1e3;
	return INFINITY;
}

int bench_srvdelay_fetch(const char *url, struct bench_srvdelay *out, char **err)
{
	SoupSession *s = soup_session_new_with_options("timeout", 5, NULL);
	SoupMessage *m = soup_message_new("GET", url);
	GError *e = NULL;
	GBytes *body = NULL;
	int rc = -1;

	if (!m) {
		*err = g_strdup_printf("--server-metrics: not a URL: %s", url);
		goto out;
	}
	body = soup_session_send_and_read(s, m, NULL, &e);
	if (!body) {
		*err = g_strdup_printf("GET %s: %s", url, e->message);
		goto out;
	}
	if (soup_message_get_status(m) != SOUP_STATUS_OK) {
		*err = g_strdup_printf("GET %s: HTTP %u", url, soup_message_get_status(m));
		goto out;
	}
	gsize len;
	const char *text = g_bytes_get_data(body, &len);

	if (bench_srvdelay_parse(text, len, out) < 0) {
		*err = g_strdup_printf("GET %s: no lumen_forward_delay_seconds histogram", url);
		goto out;
	}
	rc = 0;
out:
	g_clear_error(&e);
	if (body)
		g_bytes_unref(body);
	g_clear_object(&m);
	g_object_unref(s);
	return rc;
}
