/* test_nack.c -- specification tests for src/webrtc/nack.c (NACK generation, RTX RFC 4588).
 *
 * Time is the now_us argument: each test walks it explicitly, nothing sleeps. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "webrtc/nack.h"

#define MS 1000ull

static struct lumen_nack *make(uint64_t interval, uint64_t reorder, uint64_t age, unsigned retries,
                               unsigned max_missing)
{
	struct lumen_nack_cfg cfg = {interval, reorder, age, retries, max_missing};
	struct lumen_nack *n = lumen_nack_new(&cfg);

	cr_assert_not_null(n);
	return n;
}

Test(nack, requests_each_hole_once_per_interval)
{
	struct lumen_nack *n = make(100 * MS, 0, 0, 0, 0);
	uint16_t out[16];

	cr_assert_eq(lumen_nack_input(n, 1, 0), 0);
	cr_assert_eq(lumen_nack_input(n, 2, 0), 0);
	cr_assert_eq(lumen_nack_input(n, 5, 0), 0);
	cr_assert_eq(lumen_nack_poll(n, 0, out, 16), 2);
	cr_assert(out[0] == 3 && out[1] == 4);
	cr_assert_eq(lumen_nack_poll(n, 50 * MS, out, 16), 0);
	cr_assert_eq(lumen_nack_next_due(n), 100 * MS);
	cr_assert_eq(lumen_nack_poll(n, 100 * MS, out, 16), 2);
	cr_assert_eq(lumen_nack_input(n, 3, 120 * MS), LUMEN_NACK_RECOVERED);
	cr_assert_eq(lumen_nack_input(n, 3, 120 * MS), 0); /* duplicate of a late packet */
	cr_assert_eq(lumen_nack_poll(n, 200 * MS, out, 16), 1);
	cr_assert_eq(out[0], 4);
	lumen_nack_free(n);
}

Test(nack, waits_the_reorder_delay_before_the_first_request)
{
	struct lumen_nack *n = make(100 * MS, 10 * MS, 0, 0, 0);
	uint16_t out[4];

	lumen_nack_input(n, 10, 0);
	lumen_nack_input(n, 12, 1 * MS);
	cr_assert_eq(lumen_nack_next_due(n), 11 * MS);
	cr_assert_eq(lumen_nack_poll(n, 5 * MS, out, 4), 0);
	cr_assert_eq(lumen_nack_input(n, 11, 6 * MS), LUMEN_NACK_RECOVERED); /* just reordered */
	cr_assert_eq(lumen_nack_poll(n, 20 * MS, out, 4), 0);
	cr_assert_eq(lumen_nack_next_due(n), UINT64_MAX);
	lumen_nack_free(n);
}

Test(nack, tracks_holes_across_sequence_wrap_around)
{
	struct lumen_nack *n = make(0, 0, 0, 0, 0);
	uint16_t out[8];
	struct lumen_nack_stats st;

	lumen_nack_input(n, 65533, 0);
	lumen_nack_input(n, 65535, 0);
	lumen_nack_input(n, 2, 0);
	cr_assert_eq(lumen_nack_poll(n, 0, out, 8), 3);
	cr_assert(out[0] == 65534 && out[1] == 0 && out[2] == 1);
	cr_assert_eq(lumen_nack_input(n, 0, 1), LUMEN_NACK_RECOVERED);
	cr_assert_eq(lumen_nack_input(n, 65534, 1), LUMEN_NACK_RECOVERED);
	lumen_nack_stats(n, &st);
	cr_assert_eq(st.missing, 1);
	cr_assert_eq(st.recovered, 2);
	cr_assert_eq(st.requested, 3);
	lumen_nack_free(n);
}

Test(nack, gives_up_after_max_retries)
{
	struct lumen_nack *n = make(10 * MS, 0, 10000 * MS, 3, 0);
	uint16_t out[4];
	struct lumen_nack_stats st;

	lumen_nack_input(n, 1, 0);
	lumen_nack_input(n, 3, 0);
	cr_assert_eq(lumen_nack_poll(n, 0, out, 4), 1);
	cr_assert_eq(lumen_nack_poll(n, 10 * MS, out, 4), 1);
	cr_assert_eq(lumen_nack_poll(n, 20 * MS, out, 4), 1);
	cr_assert_eq(lumen_nack_poll(n, 30 * MS, out, 4), 0);
	lumen_nack_stats(n, &st);
	cr_assert_eq(st.given_up, 1);
	cr_assert_eq(st.missing, 0);
	cr_assert_eq(st.requested, 3);
	cr_assert_eq(lumen_nack_input(n, 2, 40 * MS), 0); /* too late to count as recovered */
	lumen_nack_free(n);
}

Test(nack, gives_up_after_max_age)
{
	struct lumen_nack *n = make(10 * MS, 0, 100 * MS, 1000, 0);
	uint16_t out[4];
	struct lumen_nack_stats st;
	size_t sent = 0;

	lumen_nack_input(n, 1, 0);
	lumen_nack_input(n, 3, 0);
	for (uint64_t t = 0; t <= 100 * MS; t += 10 * MS)
		sent += lumen_nack_poll(n, t, out, 4);
	cr_assert_eq(sent, 11);
	cr_assert_eq(lumen_nack_next_due(n), 100 * MS + 1);
	cr_assert_eq(lumen_nack_poll(n, 100 * MS + 1, out, 4), 0);
	lumen_nack_stats(n, &st);
	cr_assert_eq(st.given_up, 1);
	cr_assert_eq(st.missing, 0);
	lumen_nack_free(n);
}

Test(nack, resets_on_a_gap_larger_than_it_tracks)
{
	struct lumen_nack *n = make(0, 0, 0, 0, 100);
	uint16_t out[8];
	struct lumen_nack_stats st;

	lumen_nack_input(n, 1, 0);
	lumen_nack_input(n, 3, 0);
	cr_assert_eq(lumen_nack_input(n, 500, 0), LUMEN_NACK_RESET);
	cr_assert_eq(lumen_nack_poll(n, 0, out, 8), 0);
	lumen_nack_stats(n, &st);
	cr_assert_eq(st.resets, 1);
	cr_assert_eq(st.given_up, 1);
	cr_assert_eq(lumen_nack_input(n, 502, 0), 0); /* continues from the new position */
	cr_assert_eq(lumen_nack_poll(n, 0, out, 8), 1);
	cr_assert_eq(out[0], 501);
	lumen_nack_free(n);
}

Test(nack, drops_the_oldest_holes_when_full_and_respects_the_output_cap)
{
	struct lumen_nack *n = make(0, 0, 0, 0, 10);
	uint16_t out[16];
	struct lumen_nack_stats st;
	size_t got;

	lumen_nack_input(n, 1, 0);
	lumen_nack_input(n, 8, 0);  /* 2..7 */
	lumen_nack_input(n, 14, 0); /* 9..13: 11 holes, the oldest dropped */
	lumen_nack_stats(n, &st);
	cr_assert_eq(st.missing, 10);
	cr_assert_eq(st.given_up, 1);
	cr_assert_eq(lumen_nack_poll(n, 0, out, 4), 4);
	cr_assert(out[0] == 3 && out[3] == 6);
	got = lumen_nack_poll(n, 0, out, 16); /* the rest is due as well */
	cr_assert_eq(got, 6);
	cr_assert(out[0] == 7 && out[1] == 9 && out[5] == 13);
	lumen_nack_free(n);
}

static const uint8_t orig_payload[6] = {0x90, 0xe0, 0x12, 0x34, 0x56, 0x78};

static size_t original(uint8_t *b, size_t cap)
{
	const uint8_t tcc[2] = {0, 9};
	struct lumen_rtp_ext ext = {3, 2, tcc};
	struct lumen_rtp_hdr h = {.marker = true, .pt = 96, .seq = 4242, .ts = 777, .ssrc = 0xaaaa};
	ssize_t len = lumen_rtp_write(b, cap, &h, &ext, 1, orig_payload, sizeof(orig_payload), 0);

	cr_assert_gt(len, 0);
	return (size_t)len;
}

Test(rtx, encapsulates_and_decapsulates_back_to_the_original_packet)
{
	uint8_t o[128], r[128];
	size_t olen = original(o, sizeof(o));
	struct lumen_rtp po, pr;
	ssize_t rlen, len;

	cr_assert_eq(lumen_rtp_parse(&po, o, olen), 0);
	rlen = lumen_rtx_encap(r, sizeof(r), &po, 97, 0xbbbb, 17);
	cr_assert_eq(rlen, (ssize_t)olen + 2);
	cr_assert_eq(lumen_rtx_encap(r, (size_t)rlen - 1, &po, 97, 0xbbbb, 17), -ENOSPC);
	cr_assert_eq(lumen_rtp_parse(&pr, r, (size_t)rlen), 0);
	cr_assert(pr.pt == 97 && pr.ssrc == 0xbbbb && pr.seq == 17 && pr.ts == 777 && pr.marker);
	cr_assert_eq(rd16be(lumen_rtp_payload(&pr)), 4242);
	len = lumen_rtx_decap(r, &pr, 96, 0xaaaa);
	cr_assert_eq(len, (ssize_t)olen);
	cr_assert_eq(memcmp(r, o, olen), 0);
}

Test(rtx, drops_padding_and_refuses_packets_without_an_osn)
{
	uint8_t b[256];
	struct lumen_rtp_hdr h = {.pt = 97, .seq = 1, .ssrc = 5};
	const uint8_t p[5] = {0x01, 0x02, 0xaa, 0xbb, 0xcc};
	struct lumen_rtp pkt;
	ssize_t len = lumen_rtp_write(b, sizeof(b), &h, NULL, 0, p, 5, 7);

	cr_assert_eq(lumen_rtp_parse(&pkt, b, (size_t)len), 0);
	len = lumen_rtx_decap(b, &pkt, 96, 6);
	cr_assert_eq(len, 12 + 3);
	cr_assert_eq(lumen_rtp_parse(&pkt, b, (size_t)len), 0);
	cr_assert(pkt.seq == 0x0102 && pkt.pt == 96 && pkt.ssrc == 6 && pkt.pad_len == 0);
	cr_assert_eq(memcmp(lumen_rtp_payload(&pkt), p + 2, 3), 0);

	len = lumen_rtp_write(b, sizeof(b), &h, NULL, 0, NULL, 0, 200); /* a probe */
	cr_assert_eq(len, 212);
	cr_assert_eq(lumen_rtp_parse(&pkt, b, (size_t)len), 0);
	cr_assert_eq(lumen_rtx_decap(b, &pkt, 96, 6), -ENODATA);
	len = lumen_rtp_write(b, sizeof(b), &h, NULL, 0, p, 1, 0);
	cr_assert_eq(lumen_rtp_parse(&pkt, b, (size_t)len), 0);
	cr_assert_eq(lumen_rtx_decap(b, &pkt, 96, 6), -EINVAL);
}

/* Random loss and reordering: a NACKed sequence number is never one that was received. */
Test(nack, never_requests_a_packet_it_has_received)
{
	static uint8_t got[65536];
	struct lumen_nack *n = make(5 * MS, 0, 300 * MS, 5, 500);
	uint16_t out[600];
	uint32_t x = 99;
	uint16_t seq = 65000;
	uint64_t t = 0;
	size_t requested = 0;

	memset(got, 0, sizeof(got));
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		t += 1000;
		if ((x >> 16) % 10 == 0) {
			uint16_t lost = ++seq;

			if ((x >> 8) % 2)
				continue; /* never arrives */
			seq++;            /* the next one overtakes it */
			got[seq] = 1;
			lumen_nack_input(n, seq, t);
			got[lost] = 1; /* then it arrives late */
			lumen_nack_input(n, lost, t);
			continue;
		}
		seq++;
		got[seq] = 1;
		lumen_nack_input(n, seq, t);
		if (i % 7 == 0) {
			size_t k = lumen_nack_poll(n, t, out, 600);

			for (size_t j = 0; j < k; j++)
				cr_assert(!got[out[j]], "requested %u which arrived", out[j]);
			requested += k;
			/* forget old history so the 16-bit space can wrap around cleanly */
			for (int j = 1000; j < 1100; j++)
				got[(uint16_t)(seq - j)] = 0;
		}
	}
	cr_assert_gt(requested, 0);
	lumen_nack_free(n);
}

Test(nack, only_holes_and_new_packets_are_wanted)
{
	struct lumen_nack *n = make(100 * MS, 0, 0, 0, 0);

	cr_assert(lumen_nack_wanted(n, 7), "before the first packet everything is news");
	lumen_nack_input(n, 65534, 0);
	lumen_nack_input(n, 2, 0); /* holes 65535, 0, 1 across the wrap */
	cr_assert(lumen_nack_wanted(n, 65535));
	cr_assert(lumen_nack_wanted(n, 0));
	cr_assert(lumen_nack_wanted(n, 3), "ahead of the highest");
	cr_assert_not(lumen_nack_wanted(n, 2), "the highest itself arrived");
	cr_assert_not(lumen_nack_wanted(n, 65534), "arrived already");
	cr_assert_not(lumen_nack_wanted(n, 65000), "older than anything listed");
	lumen_nack_input(n, 0, 1 * MS);
	cr_assert_not(lumen_nack_wanted(n, 0), "a filled hole is no longer wanted");
	cr_assert(lumen_nack_wanted(n, 1));
	lumen_nack_free(n);
}

static struct lumen_nack *make_adaptive(uint64_t interval, uint64_t min_interval, uint64_t age)
{
	struct lumen_nack_cfg cfg = { .interval_us = interval, .max_age_us = age,
				      .min_interval_us = min_interval };
	struct lumen_nack *n = lumen_nack_new(&cfg);

	cr_assert_not_null(n);
	return n;
}

static struct lumen_nack_stats stats_of(const struct lumen_nack *n)
{
	struct lumen_nack_stats st;

	lumen_nack_stats(n, &st);
	return st;
}

/* One hole: seq `at` missing, shown by at+1 at now_us and requested at once. */
static void hole_requested(struct lumen_nack *n, uint16_t at, uint64_t now_us)
{
	uint16_t out[4];

	lumen_nack_input(n, (uint16_t)(at + 1), now_us);
	cr_assert_eq(lumen_nack_poll(n, now_us, out, 4), 1);
	cr_assert_eq(out[0], at);
}

Test(nack, the_interval_follows_the_round_trip_recoveries_measure)
{
	struct lumen_nack *n = make_adaptive(100 * MS, 10 * MS, 0);
	uint16_t out[4];

	lumen_nack_input(n, 1, 0);
	cr_assert_eq(stats_of(n).interval_us, 100 * MS, "the configured interval before any sample");
	cr_assert_eq(stats_of(n).rtt_us, 0);
	hole_requested(n, 2, 0);
	cr_assert_eq(lumen_nack_input(n, 2, 20 * MS), LUMEN_NACK_RECOVERED);
	cr_assert_eq(stats_of(n).rtt_us, 20 * MS, "the first sample is taken as it is");
	cr_assert_eq(stats_of(n).interval_us, 35 * MS, "1.5 x 20 ms + 5 ms");

	/* The next hole is asked again 35 ms after its request, not 100 ms. */
	hole_requested(n, 4, 100 * MS);
	cr_assert_eq(lumen_nack_next_due(n), 135 * MS);
	cr_assert_eq(lumen_nack_poll(n, 134 * MS, out, 4), 0);
	cr_assert_eq(lumen_nack_poll(n, 135 * MS, out, 4), 1);
	cr_assert_eq(out[0], 4);

	/* Filled 36 ms after its first request (answering the second): the sample counts from the
	 * first, 36 ms, never the 1 ms since the second. srtt = 20 - 20/8 + 36/8 = 22 ms. */
	cr_assert_eq(lumen_nack_input(n, 4, 136 * MS), LUMEN_NACK_RECOVERED);
	cr_assert_eq(stats_of(n).rtt_us, 22 * MS);
	cr_assert_eq(stats_of(n).interval_us, 38 * MS);
	lumen_nack_free(n);
}

Test(nack, the_adaptive_interval_stays_within_its_bounds)
{
	struct lumen_nack *n = make_adaptive(100 * MS, 10 * MS, 400 * MS);

	lumen_nack_input(n, 1, 0);
	hole_requested(n, 2, 0);
	lumen_nack_input(n, 2, 1 * MS); /* a 1 ms round trip: 6.5 ms, below the floor */
	cr_assert_eq(stats_of(n).interval_us, 10 * MS);
	lumen_nack_free(n);

	n = make_adaptive(100 * MS, 10 * MS, 400 * MS);
	lumen_nack_input(n, 1, 0);
	hole_requested(n, 2, 0);
	lumen_nack_input(n, 2, 300 * MS); /* 455 ms: more than half of max_age */
	cr_assert_eq(stats_of(n).interval_us, 200 * MS, "two requests fit in a packet's life");
	lumen_nack_free(n);
}

Test(nack, without_a_minimum_the_interval_is_fixed_and_late_arrivals_are_no_samples)
{
	struct lumen_nack *n = make(100 * MS, 0, 0, 0, 0);
	struct lumen_nack *a = make_adaptive(100 * MS, 10 * MS, 0);

	lumen_nack_input(n, 1, 0);
	hole_requested(n, 2, 0);
	lumen_nack_input(n, 2, 20 * MS);
	cr_assert_eq(stats_of(n).interval_us, 100 * MS, "no min_interval_us: the interval is fixed");
	cr_assert_eq(stats_of(n).rtt_us, 0);

	/* A packet that arrives late, before it was ever requested, measured no round trip. */
	lumen_nack_input(a, 1, 0);
	lumen_nack_input(a, 3, 0);
	cr_assert_eq(lumen_nack_input(a, 2, 1 * MS), LUMEN_NACK_RECOVERED);
	cr_assert_eq(stats_of(a).rtt_us, 0);
	cr_assert_eq(stats_of(a).interval_us, 100 * MS);
	lumen_nack_free(a);
	lumen_nack_free(n);
}

/* lumen_nack_next_due() may be early (a hole filled since the last poll) but never late: at any
 * time before it, a poll has nothing to request and nothing to give up. Random losses, late
 * arrivals, recoveries that move the adaptive interval, and polls at random times. */
Test(nack, nothing_is_due_before_next_due)
{
	struct lumen_nack *n = make_adaptive(100 * MS, 10 * MS, 300 * MS);
	struct lumen_nack_stats st;
	uint16_t out[64], seq = 100;
	uint32_t x = 7;
	uint64_t t = 0;
	size_t polls = 0, early = 0;

	for (int i = 0; i < 50000; i++) {
		x = x * 1103515245u + 12345u;
		t += 1 + (x >> 16) % 3000;
		switch ((x >> 8) % 8) {
		case 0: /* a loss */
			seq = (uint16_t)(seq + 2);
			lumen_nack_input(n, seq, t);
			break;
		case 1: /* a late arrival or a retransmission of something recent */
			lumen_nack_input(n, (uint16_t)(seq - 1 - (x >> 20) % 20), t);
			break;
		default:
			lumen_nack_input(n, ++seq, t);
		}
		uint64_t due = lumen_nack_next_due(n);

		if (due > t) {
			lumen_nack_stats(n, &st);
			uint64_t given_up = st.given_up;

			cr_assert_eq(lumen_nack_poll(n, t, out, 64), 0, "step %d: a request before next_due", i);
			lumen_nack_stats(n, &st);
			cr_assert_eq(st.given_up, given_up, "step %d: a drop before next_due", i);
			early++;
		} else if (lumen_nack_poll(n, t, out, 64) == 0) {
			polls++; /* due by the bound, nothing to do: allowed */
		}
	}
	lumen_nack_stats(n, &st);
	cr_assert_gt(st.requested, 1000);
	cr_assert_gt(st.rtt_us, 0, "recoveries measured a round trip");
	cr_assert_gt(early, 1000);
	lumen_nack_free(n);
}
