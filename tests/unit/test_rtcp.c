/* test_rtcp.c -- specification tests for src/webrtc/rtcp.c and rtcp_tcc.c.
 *
 * The fixtures are written byte by byte from the RFC formats, shaped like the compounds Chromium
 * sends: SR + SDES CNAME, RR + REMB, and a lone (RFC 5506 reduced-size) transport-cc feedback.
 * Truncated inputs live in their own heap allocation so ASan sees any read past the end. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "webrtc/bytes.h"
#include "webrtc/rtcp.h"

/* clang-format off */
static const uint8_t chrome_sr_sdes[] = {
	/* SR, RC=1, 12 words */
	0x81, 0xc8, 0x00, 0x0c, 0x5d, 0x93, 0x15, 0x34, 0xe3, 0x7b, 0x9f, 0x1a, 0x4c, 0x49, 0xba, 0x5e,
	0x2a, 0x3b, 0x4c, 0x5d, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0xa0, 0x00,
	/* report block */
	0x1a, 0x2b, 0x3c, 0x4d, 0x10, 0xff, 0xff, 0xfe, 0x00, 0x01, 0xff, 0xff, 0x00, 0x00, 0x00, 0x20,
	0x9f, 0x1a, 0x4c, 0x49, 0x00, 0x01, 0x00, 0x00,
	/* SDES, SC=1, 6 words: CNAME "abcdEFGH12345678" */
	0x81, 0xca, 0x00, 0x06, 0x5d, 0x93, 0x15, 0x34, 0x01, 0x10, 'a', 'b', 'c', 'd', 'E', 'F', 'G',
	'H', '1', '2', '3', '4', '5', '6', '7', '8', 0x00, 0x00,
};
/* clang-format on */

/* clang-format off */
static const uint8_t chrome_rr_remb[] = {
	/* RR, RC=1, 7 words */
	0x81, 0xc9, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01, 0x5d, 0x93, 0x15, 0x34, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* PSFB FMT=15 REMB: 1 SSRC, exp 2, mantissa 250000 = 1 Mbit/s */
	0x8f, 0xce, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 'R', 'E', 'M', 'B',
	0x01, 0x0b, 0xd0, 0x90, 0x5d, 0x93, 0x15, 0x34,
};
/* clang-format on */

/* RTPFB FMT=15: base 100, 5 packets: small 1 ms, small 2 ms, lost, large -1 ms, small 0.25 ms;
 * reference time 16 * 64 ms, feedback count 7; one 2-bit status vector chunk. */
/* clang-format off */
static const uint8_t chrome_tcc[] = {
	0x8f, 0xcd, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x5d, 0x93, 0x15, 0x34, 0x00, 0x64, 0x00, 0x05,
	0x00, 0x00, 0x10, 0x07, 0xd4, 0x90, 0x04, 0x08, 0xff, 0xfc, 0x01, 0x00,
};
/* clang-format on */

/* clang-format off */
static const uint8_t nack_one[] = { 0x81, 0xcd, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2,
				    0x12, 0x34, 0x80, 0x01 };
/* clang-format on */
static const uint8_t pli[] = {0x81, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};
/* clang-format off */
static const uint8_t fir_one[] = { 0x84, 0xce, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0,
				   0, 0, 0, 2, 9, 0, 0, 0 };
/* clang-format on */
static const uint8_t bye_two[] = {0x82, 0xcb, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};

static uint8_t *dup(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	cr_assert_not_null(d);
	memcpy(d, p, n);
	return d;
}

Test(rtcp_walk, reads_chromium_sr_and_sdes_compound)
{
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr h;
	struct lumen_rtcp_report rep;
	struct lumen_rtcp_sdes sdes;

	lumen_rtcp_iter_init(&it, chrome_sr_sdes, sizeof(chrome_sr_sdes));
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(h.pt, LUMEN_RTCP_SR);
	cr_assert_eq(lumen_rtcp_parse_report(&h, &rep), 0);
	cr_assert_eq(rep.ssrc, 0x5d931534u);
	cr_assert_eq(rep.ntp, 0xe37b9f1a4c49ba5eull);
	cr_assert_eq(rep.rtp_ts, 0x2a3b4c5du);
	cr_assert_eq(rep.packets, 256);
	cr_assert_eq(rep.octets, 0x1a000);
	cr_assert_eq(rep.n_rb, 1);
	cr_assert_eq(rep.rb[0].ssrc, 0x1a2b3c4du);
	cr_assert_eq(rep.rb[0].fraction_lost, 0x10);
	cr_assert_eq(rep.rb[0].cumulative_lost, -2);
	cr_assert_eq(rep.rb[0].ext_highest_seq, 0x1ffff);
	cr_assert_eq(rep.rb[0].jitter, 0x20);
	cr_assert_eq(rep.rb[0].lsr, 0x9f1a4c49u);
	cr_assert_eq(rep.rb[0].dlsr, 0x10000);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(h.pt, LUMEN_RTCP_SDES);
	cr_assert_eq(lumen_rtcp_parse_sdes(&h, &sdes), 0);
	cr_assert_eq(sdes.n, 1);
	cr_assert_eq(sdes.chunk[0].ssrc, 0x5d931534u);
	cr_assert_eq(sdes.chunk[0].cname_len, 16);
	cr_assert_eq(memcmp(sdes.chunk[0].cname, "abcdEFGH12345678", 16), 0);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 0);
	cr_assert_eq(lumen_rtcp_validate(chrome_sr_sdes, sizeof(chrome_sr_sdes)), 2);
}

Test(rtcp_walk, reads_chromium_rr_and_remb_compound)
{
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr h;
	struct lumen_rtcp_report rep;
	struct lumen_rtcp_fb fb;
	struct lumen_rtcp_remb remb;

	lumen_rtcp_iter_init(&it, chrome_rr_remb, sizeof(chrome_rr_remb));
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(lumen_rtcp_parse_report(&h, &rep), 0);
	cr_assert_eq(rep.ssrc, 1);
	cr_assert_eq(rep.ntp, 0);
	cr_assert_eq(rep.rb[0].ext_highest_seq, 100);
	cr_assert_eq(rep.rb[0].jitter, 5);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(h.pt, LUMEN_RTCP_PSFB);
	cr_assert_eq(lumen_rtcp_parse_fb(&h, &fb), 0);
	cr_assert_eq(fb.fmt, LUMEN_RTCP_FMT_AFB);
	cr_assert_eq(lumen_rtcp_parse_remb(&fb, &remb), 0);
	cr_assert_eq(remb.bitrate, 1000000);
	cr_assert_eq(remb.n_ssrc, 1);
	cr_assert_eq(lumen_rtcp_remb_ssrc(&remb, 0), 0x5d931534u);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 0);
}

Test(rtcp_tcc, decodes_status_chunks_and_deltas_into_arrival_times)
{
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr h;
	struct lumen_rtcp_fb fb;
	struct lumen_rtcp_tcc tcc;
	uint8_t rcv[8];
	int64_t at[8];
	const uint8_t want_rcv[5] = {1, 1, 0, 1, 1};
	const int64_t want_at[5] = {1025000, 1027000, 0, 1026000, 1026250};

	lumen_rtcp_iter_init(&it, chrome_tcc, sizeof(chrome_tcc));
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(lumen_rtcp_parse_fb(&h, &fb), 0);
	cr_assert_eq(fb.fmt, LUMEN_RTCP_FMT_TCC);
	cr_assert_eq(lumen_rtcp_parse_tcc(&fb, &tcc, rcv, at, 4), -ENOSPC);
	cr_assert_eq(lumen_rtcp_parse_tcc(&fb, &tcc, rcv, at, 8), 0);
	cr_assert_eq(tcc.base_seq, 100);
	cr_assert_eq(tcc.count, 5);
	cr_assert_eq(tcc.ref_time, 16);
	cr_assert_eq(tcc.fb_count, 7);
	cr_assert_eq(tcc.media_ssrc, 0x5d931534u);
	for (int i = 0; i < 5; i++) {
		cr_assert_eq(rcv[i], want_rcv[i], "packet %d", i);
		if (rcv[i])
			cr_assert_eq(at[i], want_at[i], "packet %d: %lld", i, (long long)at[i]);
	}
	cr_assert_eq(lumen_rtcp_validate(chrome_tcc, sizeof(chrome_tcc)), 1);
}

Test(rtcp_tcc, rejects_reserved_symbols_and_missing_deltas)
{
	uint8_t b[sizeof(chrome_tcc)];

	memcpy(b, chrome_tcc, sizeof(b));
	b[20] = 0x60; /* run-length chunk of symbol 3 */
	b[21] = 0x05;
	cr_assert_eq(lumen_rtcp_validate(b, sizeof(b)), -EINVAL);
	memcpy(b, chrome_tcc, sizeof(b));
	b[15] = 40; /* 40 packets: the one chunk covers 7, the next "chunk" is deltas, then none */
	cr_assert_eq(lumen_rtcp_validate(b, sizeof(b)), -EINVAL);
}

/* Every prefix is rejected unless it ends on a packet boundary; those parse with fewer packets. */
static void check_prefixes(const uint8_t *pkt, size_t len)
{
	size_t boundary[16], nb = 0;
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr h;

	lumen_rtcp_iter_init(&it, pkt, len);
	boundary[nb++] = 0;
	while (lumen_rtcp_next(&it, &h) > 0)
		boundary[nb++] = it.off;
	cr_assert_eq(boundary[nb - 1], len);
	for (size_t n = 0; n < len; n++) {
		uint8_t *b = dup(pkt, n);
		int r = lumen_rtcp_validate(b, n), want = -EINVAL;

		for (size_t i = 0; i < nb; i++)
			if (boundary[i] == n)
				want = (int)i;
		cr_assert_eq(r, want, "prefix of %zu bytes: %d, want %d", n, r, want);
		free(b);
	}
}

/* A single packet whose length field (and buffer) is cut by whole words is rejected by its type
 * parser: the inner truncation that the walker cannot see. Cuts start at from_words. */
static void check_shrunk_from(const uint8_t *pkt, size_t len, size_t from_words)
{
	cr_assert_eq(lumen_rtcp_validate(pkt, len), 1);
	for (size_t words = from_words; words < len / 4; words++) {
		uint8_t *b = dup(pkt, 4 * words);

		wr16be(b + 2, (uint16_t)(words - 1));
		cr_assert_eq(lumen_rtcp_validate(b, 4 * words), -EINVAL, "pt %u cut to %zu words",
		             pkt[1], words);
		free(b);
	}
}

static void check_shrunk(const uint8_t *pkt, size_t len)
{
	check_shrunk_from(pkt, len, 1);
}

Test(rtcp_validate, rejects_every_truncation_of_valid_packets)
{
	check_prefixes(chrome_sr_sdes, sizeof(chrome_sr_sdes));
	check_prefixes(chrome_rr_remb, sizeof(chrome_rr_remb));
	check_prefixes(chrome_tcc, sizeof(chrome_tcc));
	check_prefixes(nack_one, sizeof(nack_one));
	check_prefixes(pli, sizeof(pli));
	check_prefixes(fir_one, sizeof(fir_one));
	check_prefixes(bye_two, sizeof(bye_two));
	check_shrunk(chrome_sr_sdes, 52);
	check_shrunk(chrome_sr_sdes + 52, sizeof(chrome_sr_sdes) - 52);
	check_shrunk(chrome_rr_remb, 32);
	/* an application-layer feedback cut to its 8 common bytes is an empty, unknown AFB */
	check_shrunk_from(chrome_rr_remb + 32, sizeof(chrome_rr_remb) - 32, 4);
	check_shrunk(chrome_tcc, sizeof(chrome_tcc));
	check_shrunk(nack_one, sizeof(nack_one));
	check_shrunk(pli, sizeof(pli));
	check_shrunk(fir_one, sizeof(fir_one));
	check_shrunk(bye_two, sizeof(bye_two));
}

Test(rtcp_walk, skips_app_packets_and_honours_padding)
{
	/* clang-format off */
	uint8_t b[] = {
		0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 9,                       /* RR, no blocks */
		0x81, 0xcc, 0x00, 0x03, 0, 0, 0, 9, 'n', 'a', 'm', 'e', 1, 2, 3, 4, /* APP */
		0xa1, 0xce, 0x00, 0x03, 0, 0, 0, 9, 0, 0, 0, 7, 0, 0, 0, 4, /* padded PLI */
	};
	/* clang-format on */
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr h;

	cr_assert_eq(lumen_rtcp_validate(b, sizeof(b)), 3);
	lumen_rtcp_iter_init(&it, b, sizeof(b));
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(h.pt, LUMEN_RTCP_APP);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(h.body_len, 8);
	b[sizeof(b) - 1] = 0; /* padding count 0 */
	cr_assert_eq(lumen_rtcp_validate(b, sizeof(b)), -EINVAL);
	b[sizeof(b) - 1] = 13; /* more padding than the packet */
	cr_assert_eq(lumen_rtcp_validate(b, sizeof(b)), -EINVAL);
	b[sizeof(b) - 1] = 4;
	b[0] = 0x40; /* version 1 */
	cr_assert_eq(lumen_rtcp_validate(b, sizeof(b)), -EINVAL);
}

Test(rtcp_walk, accepts_reduced_size_feedback_alone)
{
	cr_assert_eq(lumen_rtcp_validate(pli, sizeof(pli)), 1);
	cr_assert_eq(lumen_rtcp_validate(nack_one, sizeof(nack_one)), 1);
}

Test(rtcp_nack, expands_pid_and_blp)
{
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr h;
	struct lumen_rtcp_fb fb;
	uint16_t seqs[4];

	lumen_rtcp_iter_init(&it, nack_one, sizeof(nack_one));
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(lumen_rtcp_parse_fb(&h, &fb), 0);
	cr_assert_eq(lumen_rtcp_nack_seqs(&fb, seqs, 4), 3);
	cr_assert_eq(seqs[0], 0x1234);
	cr_assert_eq(seqs[1], 0x1235);
	cr_assert_eq(seqs[2], 0x1234 + 16);
	cr_assert_eq(lumen_rtcp_nack_seqs(&fb, seqs, 1), 3); /* reports the need, writes one */
}

Test(rtcp_write, builds_a_compound_that_parses_back)
{
	uint8_t buf[512];
	struct lumen_rtcp_writer w;
	struct lumen_rtcp_report sr = {.ssrc = 7,
	                               .ntp = 0x0102030405060708ull,
	                               .rtp_ts = 9,
	                               .packets = 10,
	                               .octets = 11,
	                               .n_rb = 2};
	struct lumen_rtcp_report rep;
	struct lumen_rtcp_sdes sdes;
	struct lumen_rtcp_bye bye;
	struct lumen_rtcp_fb fb;
	struct lumen_rtcp_remb remb;
	struct lumen_rtcp_fir_entry fir[2] = {{5, 1}, {6, 255}}, fe;
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr h;
	const uint16_t seqs[] = {65534, 65535, 0, 1, 20, 21, 500};
	const uint32_t byes[2] = {7, 8}, remb_ssrc[2] = {1, 2};
	uint16_t got[16];

	sr.rb[0] = (struct lumen_rtcp_rb){1, 2, -3, 0x10004, 5, 6, 7};
	sr.rb[1] = (struct lumen_rtcp_rb){8, 255, 0x7fffff, 0xffffffff, 9, 10, 11};
	lumen_rtcp_writer_init(&w, buf, sizeof(buf));
	cr_assert_eq(lumen_rtcp_write_report(&w, &sr, true), 0);
	cr_assert_eq(lumen_rtcp_write_sdes_cname(&w, 7, "cname-x", 7), 0);
	cr_assert_eq(lumen_rtcp_write_nack(&w, 7, 99, seqs, 7), 0);
	cr_assert_eq(lumen_rtcp_write_pli(&w, 7, 99), 0);
	cr_assert_eq(lumen_rtcp_write_fir(&w, 7, fir, 2), 0);
	cr_assert_eq(lumen_rtcp_write_remb(&w, 7, 1234567, remb_ssrc, 2), 0);
	cr_assert_eq(lumen_rtcp_write_bye(&w, byes, 2, "gone", 4), 0);
	cr_assert_eq(lumen_rtcp_validate(buf, w.len), 7);

	lumen_rtcp_iter_init(&it, buf, w.len);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(lumen_rtcp_parse_report(&h, &rep), 0);
	cr_assert(rep.ssrc == sr.ssrc && rep.ntp == sr.ntp && rep.rtp_ts == sr.rtp_ts &&
	          rep.packets == sr.packets && rep.octets == sr.octets && rep.n_rb == 2);
	for (int i = 0; i < 2; i++) {
		const struct lumen_rtcp_rb *a = &rep.rb[i], *b = &sr.rb[i];

		cr_assert(a->ssrc == b->ssrc && a->fraction_lost == b->fraction_lost &&
		              a->cumulative_lost == b->cumulative_lost &&
		              a->ext_highest_seq == b->ext_highest_seq && a->jitter == b->jitter &&
		              a->lsr == b->lsr && a->dlsr == b->dlsr,
		          "block %d", i);
	}
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(lumen_rtcp_parse_sdes(&h, &sdes), 0);
	cr_assert_eq(sdes.chunk[0].cname_len, 7);
	cr_assert_eq(memcmp(sdes.chunk[0].cname, "cname-x", 7), 0);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(lumen_rtcp_parse_fb(&h, &fb), 0);
	cr_assert_eq(fb.media_ssrc, 99);
	cr_assert_eq(fb.fci_len, 12); /* 65534+3 in one pair, 20+21 in one, 500 alone */
	cr_assert_eq(lumen_rtcp_nack_seqs(&fb, got, 16), 7);
	cr_assert_eq(memcmp(got, seqs, sizeof(seqs)), 0);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(h.pt, LUMEN_RTCP_PSFB);
	cr_assert_eq(h.count, LUMEN_RTCP_FMT_PLI);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(lumen_rtcp_parse_fb(&h, &fb), 0);
	cr_assert_eq(lumen_rtcp_fir_count(&fb), 2);
	lumen_rtcp_fir_entry(&fb, 1, &fe);
	cr_assert(fe.ssrc == 6 && fe.seq == 255);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(lumen_rtcp_parse_fb(&h, &fb), 0);
	cr_assert_eq(lumen_rtcp_parse_remb(&fb, &remb), 0);
	/* 18-bit mantissa: 1234567 is stored as 154320 << 3 */
	cr_assert_eq(remb.bitrate, 1234560);
	cr_assert_eq(lumen_rtcp_remb_ssrc(&remb, 1), 2);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(lumen_rtcp_parse_bye(&h, &bye), 0);
	cr_assert_eq(bye.n, 2);
	cr_assert_eq(bye.ssrc[1], 8);
	cr_assert_eq(bye.reason_len, 4);
	cr_assert_eq(memcmp(bye.reason, "gone", 4), 0);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 0);
}

Test(rtcp_write, refuses_without_writing_when_out_of_space)
{
	uint8_t buf[40];
	struct lumen_rtcp_writer w;
	struct lumen_rtcp_report rr = {.ssrc = 1, .n_rb = 1};

	lumen_rtcp_writer_init(&w, buf, sizeof(buf));
	cr_assert_eq(lumen_rtcp_write_report(&w, &rr, false), 0);
	cr_assert_eq(w.len, 32);
	cr_assert_eq(lumen_rtcp_write_pli(&w, 1, 2), -ENOSPC);
	cr_assert_eq(lumen_rtcp_write_report(&w, &rr, true), -ENOSPC);
	cr_assert_eq(w.len, 32);
	rr.n_rb = 32;
	cr_assert_eq(lumen_rtcp_write_report(&w, &rr, false), -EINVAL);
	cr_assert_eq(lumen_rtcp_write_nack(&w, 1, 2, NULL, 0), -EINVAL);
}

static void check_tcc_round_trip(uint16_t base, int32_t ref, const uint8_t *rcv, const int64_t *at,
                                 size_t n)
{
	uint8_t buf[4096];
	struct lumen_rtcp_writer w;
	struct lumen_rtcp_tcc in = {1, 2, base, (uint16_t)n, ref, 3}, out;
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr h;
	struct lumen_rtcp_fb fb;
	uint8_t got_rcv[1024];
	int64_t got_at[1024];

	lumen_rtcp_writer_init(&w, buf, sizeof(buf));
	cr_assert_eq(lumen_rtcp_write_tcc(&w, &in, rcv, at), 0);
	cr_assert_eq(w.len % 4, 0);
	lumen_rtcp_iter_init(&it, buf, w.len);
	cr_assert_eq(lumen_rtcp_next(&it, &h), 1);
	cr_assert_eq(lumen_rtcp_parse_fb(&h, &fb), 0);
	cr_assert_eq(lumen_rtcp_parse_tcc(&fb, &out, got_rcv, got_at, 1024), 0);
	cr_assert(in.sender_ssrc == out.sender_ssrc && in.media_ssrc == out.media_ssrc &&
	          in.base_seq == out.base_seq && in.count == out.count &&
	          in.ref_time == out.ref_time && in.fb_count == out.fb_count);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(got_rcv[i], rcv[i], "packet %zu", i);
		if (rcv[i])
			cr_assert_eq(got_at[i], at[i], "packet %zu", i);
	}
	/* and every smaller buffer is refused */
	for (size_t cap = 0; cap < w.len; cap += 3) {
		struct lumen_rtcp_writer small;

		lumen_rtcp_writer_init(&small, buf, cap);
		cr_assert_eq(lumen_rtcp_write_tcc(&small, &in, rcv, at), -ENOSPC);
		cr_assert_eq(small.len, 0);
	}
}

Test(rtcp_tcc, round_trips_runs_vectors_and_large_deltas)
{
	static uint8_t rcv[1000];
	static int64_t at[1000];
	uint32_t x = 12345;
	int64_t t = -5 * 64000 + 1000;

	/* all received at a steady pace: one run-length chunk */
	for (int i = 0; i < 300; i++) {
		rcv[i] = 1;
		at[i] = t + 250 * i;
	}
	check_tcc_round_trip(65500, -5, rcv, at, 300);
	/* pseudo-random losses, jitter, reordering (negative) and long gaps (large deltas) */
	for (int i = 0; i < 1000; i++) {
		x = x * 1103515245u + 12345u;
		rcv[i] = (x >> 16) % 5 != 0;
		if (i > 400 && i < 450)
			rcv[i] = 0; /* a long loss run */
		t += 250 * (int64_t)((int)((x >> 8) % 300) - 40);
		at[i] = t;
	}
	check_tcc_round_trip(1, -5, rcv, at, 1000);
	check_tcc_round_trip(0, -5, rcv, at, 0);
}

Test(rtcp_tcc, refuses_a_delta_beyond_16_bits)
{
	uint8_t buf[64], rcv[2] = {1, 1};
	int64_t at[2] = {0, 250 * 40000};
	struct lumen_rtcp_writer w;
	struct lumen_rtcp_tcc tcc = {.count = 2};

	lumen_rtcp_writer_init(&w, buf, sizeof(buf));
	cr_assert_eq(lumen_rtcp_write_tcc(&w, &tcc, rcv, at), -EINVAL);
	cr_assert_eq(w.len, 0);
}
