/* test_rtp_stats.c -- specification tests for src/webrtc/rtp_stats.c (RFC 3550 A.1, A.3, A.8).
 *
 * Arrival times are explicit now_us values; expected numbers are worked out from the RFC
 * formulas in the comments. */
#include <criterion/criterion.h>
#include <errno.h>

#include "webrtc/rtp_stats.h"

Test(rtp_stats, counts_packets_bytes_and_the_extended_sequence_across_wrap_around)
{
	struct lumen_rtp_stats s;
	struct lumen_rtcp_rb rb;
	uint64_t t = 1000000;

	lumen_rtp_stats_init(&s, 90000, 0);
	for (uint16_t seq = 65530, i = 0; i < 16; i++, seq++)
		cr_assert_eq(lumen_rtp_stats_update(&s, seq, 3000u * i, 1000, t += 33333), 0);
	cr_assert_eq(s.received, 16);
	cr_assert_eq(s.bytes, 16000);
	cr_assert_eq(lumen_rtp_stats_ext_max(&s), 65536 + 9);
	cr_assert_eq(lumen_rtp_stats_lost(&s), 0);
	lumen_rtp_stats_report_block(&s, 77, t, &rb);
	cr_assert_eq(rb.ssrc, 77);
	cr_assert_eq(rb.ext_highest_seq, 65536 + 9);
	cr_assert_eq(rb.cumulative_lost, 0);
	cr_assert_eq(rb.fraction_lost, 0);
	cr_assert_eq(rb.lsr, 0);
	cr_assert_eq(rb.dlsr, 0);
}

Test(rtp_stats, reports_cumulative_and_per_interval_fractional_loss)
{
	struct lumen_rtp_stats s;
	struct lumen_rtcp_rb rb;

	lumen_rtp_stats_init(&s, 48000, 0);
	for (uint16_t seq = 0; seq < 100; seq++)
		if (seq % 10 != 5) /* 10 of 100 lost */
			lumen_rtp_stats_update(&s, seq, 960u * seq, 100, 20000u * seq);
	lumen_rtp_stats_report_block(&s, 1, 2000000, &rb);
	cr_assert_eq(rb.cumulative_lost, 10);
	cr_assert_eq(rb.fraction_lost, 10 * 256 / 100); /* 25 */
	for (uint16_t seq = 100; seq < 200; seq++)
		lumen_rtp_stats_update(&s, seq, 960u * seq, 100, 20000u * seq);
	lumen_rtp_stats_report_block(&s, 1, 4000000, &rb);
	cr_assert_eq(rb.cumulative_lost, 10);
	cr_assert_eq(rb.fraction_lost, 0);
	cr_assert_eq(rb.ext_highest_seq, 199);
}

Test(rtp_stats, counts_late_and_duplicate_packets_without_advancing)
{
	struct lumen_rtp_stats s;

	lumen_rtp_stats_init(&s, 90000, 0);
	lumen_rtp_stats_update(&s, 10, 0, 1, 0);
	lumen_rtp_stats_update(&s, 12, 0, 1, 0);
	cr_assert_eq(lumen_rtp_stats_lost(&s), 1);
	cr_assert_eq(lumen_rtp_stats_update(&s, 11, 0, 1, 0), 0); /* late */
	cr_assert_eq(lumen_rtp_stats_lost(&s), 0);
	cr_assert_eq(lumen_rtp_stats_ext_max(&s), 12);
	cr_assert_eq(lumen_rtp_stats_update(&s, 12, 0, 1, 0), 0); /* duplicate */
	cr_assert_eq(lumen_rtp_stats_lost(&s), -1);               /* RFC 3550: may go negative */
	cr_assert_eq(lumen_rtp_stats_ext_max(&s), 12);
}

Test(rtp_stats, holds_a_new_source_on_probation_until_packets_are_in_order)
{
	struct lumen_rtp_stats s;

	lumen_rtp_stats_init(&s, 90000, 2);
	cr_assert_eq(lumen_rtp_stats_update(&s, 100, 0, 10, 0), -EAGAIN);
	cr_assert_eq(lumen_rtp_stats_update(&s, 500, 0, 10, 0), -EAGAIN); /* out of order: reset */
	cr_assert_eq(lumen_rtp_stats_update(&s, 501, 0, 10, 0), 0);
	cr_assert_eq(s.received, 1);
	cr_assert_eq(s.bytes, 10);
	cr_assert_eq(lumen_rtp_stats_update(&s, 502, 0, 10, 0), 0);
	cr_assert_eq(lumen_rtp_stats_ext_max(&s), 502);
	cr_assert_eq(lumen_rtp_stats_lost(&s), 0);
}

Test(rtp_stats, distrusts_a_large_jump_until_the_next_packet_confirms_it)
{
	struct lumen_rtp_stats s;

	lumen_rtp_stats_init(&s, 90000, 0);
	lumen_rtp_stats_update(&s, 1000, 0, 1, 0);
	lumen_rtp_stats_update(&s, 1001, 0, 1, 0);
	cr_assert_eq(lumen_rtp_stats_update(&s, 30000, 0, 1, 0), -ERANGE);
	cr_assert_eq(s.received, 2);
	cr_assert_eq(lumen_rtp_stats_update(&s, 30001, 0, 1, 0), 0); /* restart */
	cr_assert_eq(s.received, 1);
	cr_assert_eq(lumen_rtp_stats_ext_max(&s), 30001);
	cr_assert_eq(lumen_rtp_stats_lost(&s), 0);
	/* a jump followed by something else stays rejected */
	cr_assert_eq(lumen_rtp_stats_update(&s, 60000, 0, 1, 0), -ERANGE);
	cr_assert_eq(lumen_rtp_stats_update(&s, 30002, 0, 1, 0), 0);
	cr_assert_eq(lumen_rtp_stats_ext_max(&s), 30002);
}

Test(rtp_stats, measures_interarrival_jitter_per_rfc3550_a8)
{
	struct lumen_rtp_stats s;

	/* Constant transit: jitter stays 0. */
	lumen_rtp_stats_init(&s, 90000, 0);
	for (uint16_t i = 0; i < 50; i++)
		lumen_rtp_stats_update(&s, i, 1800u * i, 1, 5000000 + 20000u * i);
	cr_assert_eq(lumen_rtp_stats_jitter(&s), 0);
	/* Every other packet 10 ms late: |D| = 900 units each time, so J converges to 900. */
	lumen_rtp_stats_init(&s, 90000, 0);
	for (uint16_t i = 0; i < 300; i++)
		lumen_rtp_stats_update(&s, i, 1800u * i, 1,
		                       5000000 + 20000u * i + (i % 2) * 10000u);
	cr_assert_geq(lumen_rtp_stats_jitter(&s), 880);
	cr_assert_leq(lumen_rtp_stats_jitter(&s), 900);
}

Test(rtp_stats, echoes_the_last_sender_report_as_lsr_and_dlsr)
{
	struct lumen_rtp_stats s;
	struct lumen_rtcp_rb rb;
	uint64_t ntp = 0xe37b9f1a4c49ba5eull;

	lumen_rtp_stats_init(&s, 90000, 0);
	lumen_rtp_stats_update(&s, 1, 0, 1, 900000);
	lumen_rtp_stats_on_sr(&s, ntp, 1000000);
	lumen_rtp_stats_report_block(&s, 9, 1500000, &rb);
	cr_assert_eq(rb.lsr, 0x9f1a4c49u);
	cr_assert_eq(rb.dlsr, 32768); /* 0.5 s in 1/65536 s */
}

Test(rtp_stats, computes_rtt_from_lsr_and_dlsr)
{
	uint64_t t = 1700000000ull * 1000000;
	struct lumen_rtp_stats s;
	struct lumen_rtcp_rb rb = {0};
	int64_t rtt;

	lumen_rtp_stats_init(&s, 90000, 0);
	cr_assert_eq(s.rtt_us, -1);
	cr_assert_eq(lumen_rtp_stats_on_rb(&s, &rb, lumen_ntp_from_unix_us(t)), -1); /* no LSR */
	/* our SR left at t - 150 ms, the peer held it 50 ms: RTT 100 ms */
	rb.lsr = lumen_ntp_mid32(lumen_ntp_from_unix_us(t - 150000));
	rb.dlsr = 50000ull * 65536 / 1000000;
	rtt = lumen_rtp_stats_on_rb(&s, &rb, lumen_ntp_from_unix_us(t));
	cr_assert(rtt > 100000 - 50 && rtt < 100000 + 50, "rtt %lld", (long long)rtt);
	cr_assert_eq(s.rtt_us, rtt);
	rb.dlsr = 200000ull * 65536 / 1000000; /* longer than the whole round trip: garbage */
	cr_assert_eq(lumen_rtp_stats_on_rb(&s, &rb, lumen_ntp_from_unix_us(t)), -1);
	cr_assert_eq(s.rtt_us, rtt);
}

Test(rtp_stats, converts_unix_time_to_ntp)
{
	cr_assert_eq(lumen_ntp_from_unix_us(0), 2208988800ull << 32);
	cr_assert_eq(lumen_ntp_from_unix_us(1500000), (2208988801ull << 32) | 0x80000000u);
	cr_assert_eq(lumen_ntp_mid32(0x0123456789abcdefull), 0x456789abu);
}
