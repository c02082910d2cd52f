/* pp_clock.c -- RTP timestamp to session clock mapping (see pp_clock.h). */
#include <math.h>
#include <stdlib.h>

#include <glib.h>

#include "pp_clock.h"

/* An SR pair whose slope is off the nominal rate by more than this is not trusted (a sender that
 * reset its clock, or a bogus SR): the nominal rate is used instead. 100 ppm skew is far inside,
 * and so are sound cards a few hundred ppm off. It was 0.5 %: a loaded GStreamer publisher's
 * first audio SRs, a second apart with a few ms of error in their NTP times, implied 0.49 % and
 * slid that stretch of audio by up to 20 ms against its video (recording_sync.sh under ASan). */
#define MAX_SKEW 0.002

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

/* ---- SR sanity (docs/lumen-pp.md, "Sender reports that disagree with the packets") ----
 * An SR's implied offset is where its segment's packets arrived (the least-delayed one within
 * SR_WINDOW_US of its RTP time, mapped to the SR's RTP time at the nominal rate) minus the SR's NTP
 * time: the sender clock -> session clock offset plus the least network and send delay. All SRs of
 * one publisher share the sender's NTP clock, so their implied offsets agree, up to each track's
 * send delay (an audio packet leaves when its 20 ms frame is complete: about 17 ms more than video
 * in recording_sync.sh) and the slow drift of the two clocks. An SR more than SR_MAX_DEV_US from the
 * median of the publisher's SRs within SR_REF_US of it is rejected; a segment left without a sane
 * SR maps from its packets' arrival, like one that never had an SR. */
#define SR_WINDOW_US  2000000
#define SR_REF_US     30000000
#define SR_MAX_DEV_US 40000

/* The first packet of s at or after RTP time ts (packets are in sequence order, and a WebRTC sender's
 * timestamps do not go backwards). */
static size_t first_at(const struct lumen_pp_track *t, const struct lumen_pp_seg *s, int64_t ts)
{
	size_t lo = s->first, hi = s->first + s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->pkts[mid].ext_ts < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void judge_sr(const struct lumen_pp_track *t, struct lumen_pp_sr *sr, int rate)
{
	const struct lumen_pp_seg *s = &t->segs[sr->seg];
	int64_t w = (int64_t)SR_WINDOW_US * rate / 1000000, best = INT64_MAX;

	for (size_t i = first_at(t, s, sr->ext_ts - w);
	     i < s->first + s->n && t->pkts[i].ext_ts <= sr->ext_ts + w; i++) {
		const struct lumen_pp_pkt *p = &t->pkts[i];
		int64_t d = p->arrival_us - sr->ntp_us -
			    (int64_t)llround((double)(p->ext_ts - sr->ext_ts) * 1e6 / rate);

		best = MIN(best, d);
	}
	sr->judged = best != INT64_MAX;
	sr->off_us = sr->judged ? best : 0;
	sr->dev_us = 0;
	sr->rejected = false;
}

static int cmp_ntp(const void *a, const void *b)
{
	const struct lumen_pp_sr *x = *(struct lumen_pp_sr *const *)a;
	const struct lumen_pp_sr *y = *(struct lumen_pp_sr *const *)b;

	return x->ntp_us < y->ntp_us ? -1 : x->ntp_us > y->ntp_us;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Judge every SR of the publisher's tracks against the local median of their implied offsets. */
static void check_srs(struct lumen_pp_track **tracks, const int *rates, size_t n)
{
	struct lumen_pp_sr **all;
	int64_t *win;
	size_t m = 0, lo = 0, hi = 0;

	for (size_t k = 0; k < n; k++)
		m += tracks[k]->n_srs;
	all = g_new0(struct lumen_pp_sr *, m + 1);
	win = g_new0(int64_t, m + 1);
	m = 0;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < tracks[k]->n_srs; i++) {
			judge_sr(tracks[k], &tracks[k]->srs[i], rates[k]);
			if (tracks[k]->srs[i].judged)
				all[m++] = &tracks[k]->srs[i];
		}
	if (m)
		qsort(all, m, sizeof(*all), cmp_ntp);
	for (size_t i = 0; i < m; i++) { /* window [lo, hi) within SR_REF_US of all[i] */
		size_t w = 0;

		while (all[lo]->ntp_us < all[i]->ntp_us - SR_REF_US)
			lo++;
		while (hi < m && all[hi]->ntp_us <= all[i]->ntp_us + SR_REF_US)
			hi++;
		for (size_t j = lo; j < hi; j++)
			win[w++] = all[j]->off_us;
		qsort(win, w, sizeof(*win), cmp_i64);
		all[i]->dev_us = all[i]->off_us - (w % 2 ? win[w / 2] : (win[w / 2 - 1] + win[w / 2]) / 2);
		all[i]->rejected = llabs(all[i]->dev_us) > SR_MAX_DEV_US;
	}
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < tracks[k]->n_srs; i++)
			tracks[k]->srs_rejected += tracks[k]->srs[i].rejected;
	g_free(all);
	g_free(win);
}

/* Sender-clock time of each packet of segment s, written to pkt->t_us before the offset is known.
 * Only the segment's sane SRs count; without one, s->have_sr is cleared (arrival mapping). */
static void sender_times(struct lumen_pp_track *t, struct lumen_pp_seg *s, int rate)
{
	struct lumen_pp_sr *srs = g_new0(struct lumen_pp_sr, t->n_srs + 1);
	size_t n = 0;
	int64_t seg_idx = s - t->segs;

	for (size_t i = 0; i < t->n_srs; i++)
		if (t->srs[i].seg == seg_idx && !t->srs[i].rejected)
			srs[n++] = t->srs[i];
	s->have_sr = n > 0;
	for (size_t i = s->first; i < s->first + s->n; i++) {
		struct lumen_pp_pkt *p = &t->pkts[i];

		if (n)
			p->t_us = (int64_t)llround(sender_time(srs, n, p->ext_ts, rate));
		else /* no SR: the first packet's arrival anchors the nominal rate */
			p->t_us = t->pkts[s->first].arrival_us +
				  (int64_t)llround((double)(p->ext_ts - t->pkts[s->first].ext_ts) *
						   1e6 / rate);
	}
	g_free(srs);
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

	for (size_t k = 0; k < n; k++)
		if (tracks[k]->n_srs)
			qsort(tracks[k]->srs, tracks[k]->n_srs, sizeof(*tracks[k]->srs), cmp_sr);
	check_srs(tracks, clock_rates, n);
	for (size_t k = 0; k < n; k++) {
		struct lumen_pp_track *t = tracks[k];

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
