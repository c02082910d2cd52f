/* test_pp_track.c -- specification tests for lumen-pp's track model and clock mapping
 * (tools/pp/pp_track.c, pp_clock.c): ordering, duplicates, wrap, SSRC segments, the reordering
 * window, and the RTP -> session clock mapping with sender reports (100 ppm skew over ten
 * minutes), per-publisher minimum delay, the no-SR fallback, and the SR sanity check (an SR that
 * disagrees with the packets' arrival is rejected). Packets are built in memory. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pp_clock.h"
#include "pp_track.h"

#define NTP_UNIX 2208988800LL

static void feed_rtp(struct lumen_pp_track *t, int64_t arrival, uint16_t seq, uint32_t ts,
		     uint32_t ssrc)
{
	uint8_t p[20] = {0x80, 111, (uint8_t)(seq >> 8), (uint8_t)seq,
			 (uint8_t)(ts >> 24), (uint8_t)(ts >> 16), (uint8_t)(ts >> 8), (uint8_t)ts,
			 (uint8_t)(ssrc >> 24), (uint8_t)(ssrc >> 16), (uint8_t)(ssrc >> 8), (uint8_t)ssrc,
			 0xf8, 0xff, 0xfe};
	struct lumen_pp_record r = {.t_us = arrival, .payload = p, .len = 15};

	lumen_pp_track_input(t, &r);
}

static void feed_sr(struct lumen_pp_track *t, int64_t arrival, int64_t ntp_us, uint32_t ts,
		    uint32_t ssrc)
{
	uint64_t sec = (uint64_t)(ntp_us / 1000000 + NTP_UNIX);
	uint64_t frac = ((uint64_t)(ntp_us % 1000000) << 32) / 1000000;
	uint8_t p[28] = {0x80, 200, 0, 6};
	struct lumen_pp_record r = {.t_us = arrival, .payload = p, .len = 28};
	uint32_t w[4] = {ssrc, (uint32_t)sec, (uint32_t)frac, ts};

	for (int i = 0; i < 4; i++)
		for (int b = 0; b < 4; b++)
			p[4 + 4 * i + b] = (uint8_t)(w[i] >> (24 - 8 * b));
	lumen_pp_track_input(t, &r);
}

Test(pp_track, sorts_by_extended_sequence_across_the_16_bit_wrap)
{
	struct lumen_pp_track t;
	uint16_t order[] = {65534, 0, 65535, 2, 1};

	lumen_pp_track_init(&t, 111);
	for (int i = 0; i < 5; i++)
		feed_rtp(&t, 1000 * i, order[i], 960u * (uint16_t)(order[i] + 2), 7);
	lumen_pp_track_finish(&t);
	cr_assert_eq(t.n_pkts, 5);
	for (size_t i = 1; i < t.n_pkts; i++)
		cr_assert_eq(t.pkts[i].ext_seq, t.pkts[i - 1].ext_seq + 1);
	cr_assert_eq(t.reordered, 2);
	cr_assert_eq(t.lost, 0);
	lumen_pp_track_fini(&t);
}

Test(pp_track, drops_duplicates_and_counts_losses)
{
	struct lumen_pp_track t;

	lumen_pp_track_init(&t, 111);
	feed_rtp(&t, 0, 10, 0, 7);
	feed_rtp(&t, 1, 11, 960, 7);
	feed_rtp(&t, 2, 11, 960, 7);
	feed_rtp(&t, 3, 14, 3840, 7);
	lumen_pp_track_finish(&t);
	cr_assert_eq(t.n_pkts, 3);
	cr_assert_eq(t.duplicates, 1);
	cr_assert_eq(t.lost, 2);
	lumen_pp_track_fini(&t);
}

Test(pp_track, unwraps_the_32_bit_timestamp)
{
	struct lumen_pp_track t;

	lumen_pp_track_init(&t, 111);
	feed_rtp(&t, 0, 1, 0xffffff00u, 7);
	feed_rtp(&t, 1, 2, 0x00000200u, 7);
	lumen_pp_track_finish(&t);
	cr_assert_eq(t.pkts[1].ext_ts - t.pkts[0].ext_ts, 0x300);
	lumen_pp_track_fini(&t);
}

Test(pp_track, an_ssrc_change_starts_a_segment_and_stragglers_go_back)
{
	struct lumen_pp_track t;

	lumen_pp_track_init(&t, 111);
	feed_rtp(&t, 0, 100, 0, 7);
	feed_rtp(&t, 1, 5, 0, 8); /* new SSRC, unrelated numbering */
	feed_rtp(&t, 2, 101, 960, 7); /* straggler of the first */
	feed_rtp(&t, 3, 6, 960, 8);
	lumen_pp_track_finish(&t);
	cr_assert_eq(t.n_segs, 2);
	cr_assert_eq(t.segs[0].n, 2);
	cr_assert_eq(t.segs[1].n, 2);
	cr_assert_eq(t.pkts[1].ssrc, 7);
	cr_assert_eq(t.lost, 0);
	lumen_pp_track_fini(&t);
}

Test(pp_track, drops_packets_beyond_the_reordering_window_and_other_payload_types)
{
	struct lumen_pp_track t;
	uint8_t rtx[13] = {0x80, 97, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 1};
	struct lumen_pp_record r = {.t_us = 5, .payload = rtx, .len = 13};

	lumen_pp_track_init(&t, 111);
	feed_rtp(&t, 0, 10000, 0, 7);
	feed_rtp(&t, 1, 10000 - LUMEN_PP_REORDER_WINDOW - 1, 0, 7);
	lumen_pp_track_input(&t, &r);
	lumen_pp_track_finish(&t);
	cr_assert_eq(t.n_pkts, 1);
	cr_assert_eq(t.too_late, 1);
	cr_assert_eq(t.other_pt, 1);
	lumen_pp_track_fini(&t);
}

/* Finishes and maps the one track t (clock rate), then returns the largest distance of its first
 * n packets' times from a 20 ms grid starting at first_us (0: at the first packet's own time). */
static double map_and_slip(struct lumen_pp_track *t, int rate, size_t n, int64_t first_us)
{
	double max_err = 0;

	lumen_pp_track_finish(t);
	lumen_pp_clock_map(&t, &rate, 1);
	if (first_us == 0)
		first_us = t->pkts[0].t_us;
	for (size_t i = 0; i < n && i < t->n_pkts; i++) {
		double err = (double)(t->pkts[i].t_us - first_us - (int64_t)i * 20000);

		max_err = err > max_err ? err : (-err > max_err ? -err : max_err);
	}
	return max_err;
}

/* A sender whose RTP clock runs 100 ppm fast for ten minutes, SRs every 5 s, 20 ms base delay
 * plus up to 30 ms jitter: every packet must land within 1 ms of capture + 20 ms. */
Test(pp_clock, absorbs_100_ppm_skew_over_ten_minutes)
{
	struct lumen_pp_track t;
	int rate = 48000;
	const int64_t base = 1795429000000000LL, ntp_off = 3200000;
	double max_err = 0;

	lumen_pp_track_init(&t, 111);
	srand(6);
	for (int64_t k = 0; k < 30000; k++) { /* 20 ms packets */
		int64_t cap = base + k * 20000;
		uint32_t ts = (uint32_t)(1000 + (int64_t)((double)k * 960 * (1 + 1e-4)));

		if (k % 250 == 0)
			feed_sr(&t, cap + 20000, cap + ntp_off, ts, 9);
		feed_rtp(&t, cap + 20000 + rand() % 30000, (uint16_t)k, ts, 9);
	}
	max_err = map_and_slip(&t, rate, t.n_pkts, base + 20000);
	cr_assert_lt(max_err, 1000, "max error %.0f us", max_err);
	lumen_pp_track_fini(&t);
}

/* SRs a second apart, the second one's NTP time 4 ms late (a loaded sender's SR): the pair implies
 * 4000 ppm, which no sender clock runs at. The packets between the first two SRs keep the nominal
 * rate from the first instead of sliding by up to 4 ms over that second. */
Test(pp_clock, does_not_trust_an_sr_pair_implying_an_impossible_skew)
{
	struct lumen_pp_track t;
	int rate = 48000;
	const int64_t base = 1795429000000000LL, ntp_off = 3200000;
	double max_err = 0;

	lumen_pp_track_init(&t, 111);
	for (int64_t k = 0; k < 250; k++) { /* 20 ms packets, SRs at 0, 1 and 2 s, 20 ms delay */
		int64_t cap = base + k * 20000;
		uint32_t ts = (uint32_t)(1000 + k * 960);

		if (k % 50 == 0)
			feed_sr(&t, cap + 20000, cap + ntp_off + (k == 50 ? 4000 : 0), ts, 9);
		feed_rtp(&t, cap + 20000, (uint16_t)k, ts, 9);
	}
	/* The bad SR also moves the publisher's offset (its minimum delay) by 4 ms for every
	 * packet; what must not happen is the slide within the first second. */
	max_err = map_and_slip(&t, rate, 50, 0);
	cr_assert_lt(max_err, 500, "the first second's packets slide by %.0f us", max_err);
	lumen_pp_track_fini(&t);
}

/* Audio and video of one publisher: the video arrives 40 ms later than the audio, but SRs of one
 * sender clock keep them level (the publisher's minimum delay is shared). */
Test(pp_clock, one_publisher_shares_the_minimum_delay)
{
	struct lumen_pp_track a, v, *ts[2] = {&a, &v};
	int rates[2] = {48000, 90000};
	const int64_t base = 1795429000000000LL;

	lumen_pp_track_init(&a, 111);
	lumen_pp_track_init(&v, -1);
	for (int k = 0; k < 100; k++) {
		int64_t cap = base + k * 20000;

		feed_rtp(&a, cap + 20000, (uint16_t)k, (uint32_t)(k * 960), 1);
		feed_rtp(&v, cap + 60000, (uint16_t)k, (uint32_t)(k * 1800), 2);
		if (k % 50 == 0) {
			feed_sr(&a, cap + 20000, cap - 777000, (uint32_t)(k * 960), 1);
			feed_sr(&v, cap + 60000, cap - 777000, (uint32_t)(k * 1800), 2);
		}
	}
	lumen_pp_track_finish(&a);
	lumen_pp_track_finish(&v);
	lumen_pp_clock_map(ts, rates, 2);
	for (size_t i = 0; i < 100; i++)
		cr_assert_eq(a.pkts[i].t_us, v.pkts[i].t_us, "packet %zu: %lld vs %lld", i,
			     (long long)a.pkts[i].t_us, (long long)v.pkts[i].t_us);
	cr_assert_eq(a.pkts[0].t_us, base + 20000);
	lumen_pp_track_fini(&a);
	lumen_pp_track_fini(&v);
}

Test(pp_clock, without_sender_reports_maps_from_the_least_delayed_packet)
{
	struct lumen_pp_track t, *tp = &t;
	int rate = 48000;
	const int64_t base = 1795429000000000LL;

	lumen_pp_track_init(&t, 111);
	feed_rtp(&t, base + 50000, 0, 0, 3);           /* first packet delayed 50 ms */
	feed_rtp(&t, base + 20000 + 20000, 1, 960, 3); /* this one only 20 ms */
	feed_rtp(&t, base + 40000 + 35000, 2, 1920, 3);
	lumen_pp_track_finish(&t);
	lumen_pp_clock_map(&tp, &rate, 1);
	cr_assert_eq(t.pkts[0].t_us, base + 20000);
	cr_assert_eq(t.pkts[2].t_us, base + 60000);
	lumen_pp_track_fini(&t);
}

/* Browsers may send an SR before the first RTP packet of an SSRC: it must count, in the same
 * unwrapped timestamp space as the packets (here just below a 32-bit wrap). */
Test(pp_track, an_sr_before_the_first_packet_is_kept)
{
	struct lumen_pp_track t, *tp = &t;
	int rate = 48000;
	const int64_t base = 1795429000000000LL;

	lumen_pp_track_init(&t, 111);
	feed_sr(&t, base + 20000, base + 5000000, 0xfffffc40u, 4); /* ts = -960 */
	feed_rtp(&t, base + 40000, 1, 0, 4);
	feed_rtp(&t, base + 60000, 2, 960, 4);
	lumen_pp_track_finish(&t);
	cr_assert_eq(t.n_srs, 1);
	cr_assert_eq(t.pkts[0].ext_ts - t.srs[0].ext_ts, 960);
	lumen_pp_clock_map(&tp, &rate, 1);
	/* sender times 5.020 and 5.040 s; least delay 20 ms: session = sender - 4.98 s */
	cr_assert_eq(t.pkts[0].t_us, base + 40000);
	cr_assert(t.segs[0].have_sr);
	lumen_pp_track_fini(&t);
}

/* SR sanity: 20 s of audio, SRs every second; the one at 10 s has an NTP time 60 ms late (a bogus
 * mapping). It is rejected, the others kept, and every packet still lands within 1 ms of its
 * capture time + 20 ms (interpolating through it would have put packets up to 60 ms off). */
Test(pp_clock, rejects_an_sr_that_disagrees_with_the_packets_arrival)
{
	struct lumen_pp_track t, *tp = &t;
	int rate = 48000;
	const int64_t base = 1795429000000000LL, ntp_off = -777000;
	int64_t max_err = 0;

	lumen_pp_track_init(&t, 111);
	srand(3);
	for (int64_t k = 0; k < 1000; k++) {
		int64_t cap = base + k * 20000;

		if (k % 50 == 0)
			feed_sr(&t, cap + 20000, cap + ntp_off + (k == 500 ? 60000 : 0),
				(uint32_t)(k * 960), 5);
		feed_rtp(&t, cap + 20000 + rand() % 15000, (uint16_t)k, (uint32_t)(k * 960), 5);
	}
	lumen_pp_track_finish(&t);
	lumen_pp_clock_map(&tp, &rate, 1);
	cr_assert_eq(t.srs_rejected, 1);
	for (size_t i = 0; i < t.n_srs; i++) {
		cr_assert(t.srs[i].judged);
		cr_assert_eq(t.srs[i].rejected, t.srs[i].ext_ts - t.pkts[0].ext_ts == 500 * 960,
			     "SR %zu", i);
	}
	cr_assert(t.segs[0].have_sr);
	for (size_t i = 0; i < t.n_pkts; i++) {
		int64_t err = llabs(t.pkts[i].t_us - (base + (int64_t)i * 20000 + 20000));

		max_err = err > max_err ? err : max_err;
	}
	cr_assert_lt(max_err, 1000, "max error %lld us", (long long)max_err);
	lumen_pp_track_fini(&t);
}

/* Audio whose every SR is 100 ms off the publisher's video SRs (the video has five times as many,
 * so the publisher's median is the video's): the audio's SRs are all rejected and it maps from its
 * packets' arrival; audio and video of one instant stay level. Trusting the audio SRs would have
 * moved the publisher's shared offset, and the video with it, by 100 ms. */
Test(pp_clock, a_track_without_a_sane_sr_maps_from_arrival)
{
	struct lumen_pp_track a, v, *ts[2] = {&a, &v};
	int rates[2] = {48000, 90000};
	const int64_t base = 1795429000000000LL, ntp_off = 5000000;

	lumen_pp_track_init(&a, 111);
	lumen_pp_track_init(&v, -1);
	for (int k = 0; k < 500; k++) {
		int64_t cap = base + k * 20000;

		feed_rtp(&a, cap + 20000, (uint16_t)k, (uint32_t)(k * 960), 1);
		feed_rtp(&v, cap + 20000, (uint16_t)k, (uint32_t)(k * 1800), 2);
		if (k % 50 == 0)
			feed_sr(&a, cap + 20000, cap + ntp_off + 100000, (uint32_t)(k * 960), 1);
		if (k % 10 == 0)
			feed_sr(&v, cap + 20000, cap + ntp_off, (uint32_t)(k * 1800), 2);
	}
	lumen_pp_track_finish(&a);
	lumen_pp_track_finish(&v);
	lumen_pp_clock_map(ts, rates, 2);
	cr_assert_eq(a.srs_rejected, a.n_srs);
	cr_assert_eq(v.srs_rejected, 0);
	cr_assert_not(a.segs[0].have_sr);
	cr_assert(v.segs[0].have_sr);
	for (size_t i = 0; i < 500; i++)
		cr_assert_lt(llabs(a.pkts[i].t_us - v.pkts[i].t_us), 1000, "packet %zu: %lld vs %lld",
			     i, (long long)a.pkts[i].t_us, (long long)v.pkts[i].t_us);
	cr_assert_eq(v.pkts[0].t_us, base + 20000);
	lumen_pp_track_fini(&a);
	lumen_pp_track_fini(&v);
}

/* An SR with no packet within 2 s of its RTP time cannot be judged: it is kept. */
Test(pp_clock, an_sr_far_from_every_packet_is_kept)
{
	struct lumen_pp_track t, *tp = &t;
	int rate = 48000;
	const int64_t base = 1795429000000000LL;

	lumen_pp_track_init(&t, 111);
	feed_sr(&t, base, base + 1000000, 0, 6);
	feed_rtp(&t, base + 5020000, 1, 5 * 48000, 6);
	feed_rtp(&t, base + 5040000, 2, 5 * 48000 + 960, 6);
	lumen_pp_track_finish(&t);
	lumen_pp_clock_map(&tp, &rate, 1);
	cr_assert_not(t.srs[0].judged);
	cr_assert_not(t.srs[0].rejected);
	cr_assert(t.segs[0].have_sr);
	lumen_pp_track_fini(&t);
}
