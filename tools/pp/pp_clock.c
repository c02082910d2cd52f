/* pp_clock.c -- RTP timestamp to session clock mapping (see pp_clock.h). */
#include <math.h>
#include <stdlib.h>

#include "pp_clock.h"

/* An SR pair whose slope is off the nominal rate by more than this is not trusted (a sender that
 * reset its clock, or a bogus SR): the nominal rate is used instead. 100 ppm skew is far inside. */
#define MAX_SKEW 0.005

static int cmp_sr(const void *a, const void *b)
{
	const struct lumen_pp_sr *x = a, *y = b;

	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	return x->ext_ts < y->ext_ts ? -1 : x->ext_ts > y->ext_ts;
}

/* Sender time (µs, sender NTP clock) of ext_ts, from the SRs srs[0..n) of its segment. */
static double sender_time(const struct lumen_pp_sr *srs, size_t n, int64_t ext_ts, int rate)
{
	size_t lo = 0, hi = n, i;
	double slope = 1e6 / rate; /* µs per tick */

	while (hi - lo > 1) { /* last SR with ext_ts <= x (or the first one) */
		size_t mid = (lo + hi) / 2;

		if (srs[mid].ext_ts <= ext_ts)
			lo = mid;
		else
			hi = mid;
	}
	i = lo;
	if (n >= 2) {
		size_t a = i + 1 < n ? i : n - 2;
		double dt = (double)(srs[a + 1].ntp_us - srs[a].ntp_us);
		double dts = (double)(srs[a + 1].ext_ts - srs[a].ext_ts);

		if (dts > 0 && fabs(dt / dts / slope - 1) < MAX_SKEW) {
			slope = dt / dts;
			i = a;
		}
	}
	return (double)srs[i].ntp_us + (double)(ext_ts - srs[i].ext_ts) * slope;
}

/* Sender-clock time of each packet of segment s, written to pkt->t_us before the offset is known. */
static void sender_times(struct lumen_pp_track *t, struct lumen_pp_seg *s, int rate)
{
	struct lumen_pp_sr *srs = NULL;
	size_t n = 0;
	int64_t seg_idx = s - t->segs;

	for (size_t i = 0; i < t->n_srs; i++)
		if (t->srs[i].seg == seg_idx) {
			srs = srs ? srs : &t->srs[i];
			n++;
		}
	for (size_t i = s->first; i < s->first + s->n; i++) {
		struct lumen_pp_pkt *p = &t->pkts[i];

		if (n)
			p->t_us = (int64_t)llround(sender_time(srs, n, p->ext_ts, rate));
		else /* no SR: the first packet's arrival anchors the nominal rate */
			p->t_us = t->pkts[s->first].arrival_us +
				  (int64_t)llround((double)(p->ext_ts - t->pkts[s->first].ext_ts) *
						   1e6 / rate);
	}
}

static int64_t min_delay(const struct lumen_pp_track *t, const struct lumen_pp_seg *s)
{
	int64_t best = INT64_MAX;

	for (size_t i = s->first; i < s->first + s->n; i++) {
		int64_t d = t->pkts[i].arrival_us - t->pkts[i].t_us;

		if (d < best)
			best = d;
	}
	return best;
}

void lumen_pp_clock_map(struct lumen_pp_track **tracks, const int *clock_rates, size_t n)
{
	int64_t pub = INT64_MAX;

	for (size_t k = 0; k < n; k++) {
		struct lumen_pp_track *t = tracks[k];

		if (t->n_srs)
			qsort(t->srs, t->n_srs, sizeof(*t->srs), cmp_sr);
		for (size_t j = 0; j < t->n_segs; j++) {
			struct lumen_pp_seg *s = &t->segs[j];

			if (!s->n)
				continue;
			sender_times(t, s, clock_rates[k]);
			s->offset_us = min_delay(t, s);
			if (s->have_sr && s->offset_us < pub)
				pub = s->offset_us;
		}
	}
	/* Segments with SRs share the publisher's offset: that is what keeps lip sync. */
	for (size_t k = 0; k < n; k++) {
		struct lumen_pp_track *t = tracks[k];

		for (size_t j = 0; j < t->n_segs; j++) {
			struct lumen_pp_seg *s = &t->segs[j];

			if (s->have_sr && pub != INT64_MAX)
				s->offset_us = pub;
			for (size_t i = s->first; i < s->first + s->n; i++)
				t->pkts[i].t_us += s->offset_us;
		}
	}
}
