/* test_rtp.c -- specification tests for src/webrtc/rtp.c (RTP header and RFC 8285 extensions).
 *
 * Packets are written out byte by byte from the RFC formats, shaped like what Chromium sends
 * (one-byte extensions: abs-send-time, transport-wide-cc, mid). Truncation tests copy each
 * prefix into its own heap allocation so ASan catches any read past the end. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "webrtc/rtp.h"

/* Chromium-like VP8 packet: V=2 X=1 CC=1, M=1 PT=96, seq 0xfffe, ts 0x01020304, ssrc 0x11223344,
 * one CSRC, one-byte extensions: id 2 abs-send-time (3 bytes), id 3 transport-cc (2 bytes),
 * id 4 mid "0" (1 byte), one padding byte, then 5 payload bytes. */
/* clang-format off */
static const uint8_t chrome_pkt[] = {
	0x91, 0xe0, 0xff, 0xfe, 0x01, 0x02, 0x03, 0x04, 0x11, 0x22, 0x33, 0x44, /* header */
	0xaa, 0xbb, 0xcc, 0xdd,                                                 /* CSRC */
	0xbe, 0xde, 0x00, 0x03,                                                 /* 3 words */
	0x22, 0x12, 0x34, 0x56, /* id 2 len 3 */
	0x31, 0x00, 0x07,       /* id 3 len 2 */
	0x40, 0x30,             /* id 4 len 1 "0" */
	0x00, 0x00, 0x00,       /* padding to 32 bits */
	0x90, 0xe0, 0x34, 0x12, 0x56, /* payload */
};
/* clang-format on */

/* Two-byte extension form (profile 0x1000): id 20 len 0, id 3 len 2. */
/* clang-format off */
static const uint8_t two_byte_pkt[] = {
	0x90, 0x6f, 0x00, 0x01, 0, 0, 0, 9, 0, 0, 0, 7, 0x10, 0x00, 0x00, 0x02,
	20,   0,    3,    2,    0xab, 0xcd, 0, 0, /* elements + 2 padding bytes */
	0x01, 0x02,
};
/* clang-format on */

static uint8_t *dup(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	cr_assert_not_null(d);
	memcpy(d, p, n);
	return d;
}

Test(rtp_parse, reads_fixed_header_csrc_and_one_byte_extensions)
{
	struct lumen_rtp p;
	struct lumen_rtp_ext e;

	cr_assert_eq(lumen_rtp_parse(&p, chrome_pkt, sizeof(chrome_pkt)), 0);
	cr_assert(p.marker);
	cr_assert_eq(p.pt, 96);
	cr_assert_eq(p.seq, 0xfffe);
	cr_assert_eq(p.ts, 0x01020304u);
	cr_assert_eq(p.ssrc, 0x11223344u);
	cr_assert_eq(p.cc, 1);
	cr_assert_eq(lumen_rtp_csrc(&p, 0), 0xaabbccddu);
	cr_assert(p.has_ext);
	cr_assert_eq(p.ext_profile, LUMEN_RTP_EXT_ONE_BYTE);
	cr_assert_eq(p.ext_len, 12);
	cr_assert_eq(p.payload_off, 32);
	cr_assert_eq(p.payload_len, 5);
	cr_assert_eq(lumen_rtp_payload(&p)[0], 0x90);
	cr_assert_eq(lumen_rtp_ext_find(&p, 2, &e), 0);
	cr_assert_eq(e.len, 3);
	cr_assert_eq(rd24be(e.data), 0x123456u);
	cr_assert_eq(lumen_rtp_ext_find(&p, 3, &e), 0);
	cr_assert_eq(rd16be(e.data), 7);
	cr_assert_eq(lumen_rtp_ext_find(&p, 4, &e), 0);
	cr_assert_eq(e.len, 1);
	cr_assert_eq(e.data[0], '0');
	cr_assert_eq(lumen_rtp_ext_find(&p, 5, &e), -ENOENT);
}

Test(rtp_parse, reads_two_byte_extensions_including_empty_ones)
{
	struct lumen_rtp p;
	struct lumen_rtp_ext e;
	size_t pos = 0;

	cr_assert_eq(lumen_rtp_parse(&p, two_byte_pkt, sizeof(two_byte_pkt)), 0);
	cr_assert_eq(p.ext_profile, 0x1000);
	cr_assert_eq(lumen_rtp_ext_next(&p, &pos, &e), 1);
	cr_assert_eq(e.id, 20);
	cr_assert_eq(e.len, 0);
	cr_assert_eq(lumen_rtp_ext_next(&p, &pos, &e), 1);
	cr_assert_eq(e.id, 3);
	cr_assert_eq(rd16be(e.data), 0xabcd);
	cr_assert_eq(lumen_rtp_ext_next(&p, &pos, &e), 0);
	cr_assert_eq(p.payload_len, 2);
}

Test(rtp_parse, rejects_every_truncation_inside_the_header_and_keeps_payload_prefixes)
{
	for (size_t n = 0; n < sizeof(chrome_pkt); n++) {
		uint8_t *b = dup(chrome_pkt, n);
		struct lumen_rtp p;
		int r = lumen_rtp_parse(&p, b, n);

		/* RTP has no length field: a cut inside the payload is a shorter payload. */
		if (n < 32)
			cr_assert_eq(r, -EINVAL, "prefix of %zu bytes accepted", n);
		else
			cr_assert(r == 0 && p.payload_len == n - 32, "prefix %zu", n);
		free(b);
	}
	for (size_t n = 0; n < 24; n++) {
		uint8_t *b = dup(two_byte_pkt, n);
		struct lumen_rtp p;

		cr_assert_eq(lumen_rtp_parse(&p, b, n), -EINVAL, "two-byte prefix %zu accepted", n);
		free(b);
	}
}

Test(rtp_parse, rejects_bad_version_padding_and_extension_lengths)
{
	uint8_t b[sizeof(chrome_pkt)];
	struct lumen_rtp p;

	memcpy(b, chrome_pkt, sizeof(b));
	b[0] = (uint8_t)((b[0] & 0x3f) | 0x40); /* version 1 */
	cr_assert_eq(lumen_rtp_parse(&p, b, sizeof(b)), -EINVAL);

	memcpy(b, chrome_pkt, sizeof(b));
	b[0] |= 0x20; /* padding count is the last payload byte, 0x56: more than 5 bytes */
	cr_assert_eq(lumen_rtp_parse(&p, b, sizeof(b)), -EINVAL);
	b[sizeof(b) - 1] = 0; /* padding count 0 is invalid */
	cr_assert_eq(lumen_rtp_parse(&p, b, sizeof(b)), -EINVAL);
	b[sizeof(b) - 1] = 5; /* whole payload is padding: valid */
	cr_assert_eq(lumen_rtp_parse(&p, b, sizeof(b)), 0);
	cr_assert_eq(p.payload_len, 0);
	cr_assert_eq(p.pad_len, 5);

	memcpy(b, chrome_pkt, sizeof(b));
	b[19] = 0x09; /* extension length beyond the packet */
	cr_assert_eq(lumen_rtp_parse(&p, b, sizeof(b)), -EINVAL);

	memcpy(b, chrome_pkt, sizeof(b));
	b[27] = 0x4f; /* id 4, 16 bytes: runs past the 12-byte body */
	cr_assert_eq(lumen_rtp_parse(&p, b, sizeof(b)), -EINVAL);

	memcpy(b, chrome_pkt, sizeof(b));
	b[0] = 0x8f; /* 15 CSRCs do not fit */
	cr_assert_eq(lumen_rtp_parse(&p, b, sizeof(b)), -EINVAL);
}

Test(rtp_parse, stops_one_byte_extensions_at_id_15)
{
	uint8_t b[sizeof(chrome_pkt)];
	struct lumen_rtp p;
	struct lumen_rtp_ext e;

	memcpy(b, chrome_pkt, sizeof(b));
	b[24] = 0xff; /* id 15 where transport-cc was: the rest is ignored, not an error */
	cr_assert_eq(lumen_rtp_parse(&p, b, sizeof(b)), 0);
	cr_assert_eq(lumen_rtp_ext_find(&p, 2, &e), 0);
	cr_assert_eq(lumen_rtp_ext_find(&p, 4, &e), -ENOENT);
}

Test(rtp_parse, leaves_unknown_extension_profiles_opaque)
{
	uint8_t b[sizeof(chrome_pkt)];
	struct lumen_rtp p;
	struct lumen_rtp_ext e;

	memcpy(b, chrome_pkt, sizeof(b));
	b[16] = 0x12;
	b[17] = 0x34;
	cr_assert_eq(lumen_rtp_parse(&p, b, sizeof(b)), 0);
	cr_assert_eq(p.ext_profile, 0x1234);
	cr_assert_eq(lumen_rtp_ext_find(&p, 2, &e), -ENOENT);
	cr_assert_eq(p.payload_off, 32);
}

Test(rtp_rewrite, changes_header_fields_in_place)
{
	uint8_t b[sizeof(chrome_pkt)];
	struct lumen_rtp p;

	memcpy(b, chrome_pkt, sizeof(b));
	lumen_rtp_set_seq(b, 0x0001);
	lumen_rtp_set_ts(b, 0xdeadbeef);
	lumen_rtp_set_ssrc(b, 0xcafebabe);
	lumen_rtp_set_pt(b, 111);
	lumen_rtp_set_marker(b, false);
	cr_assert_eq(lumen_rtp_parse(&p, b, sizeof(b)), 0);
	cr_assert_eq(p.seq, 1);
	cr_assert_eq(p.ts, 0xdeadbeefu);
	cr_assert_eq(p.ssrc, 0xcafebabeu);
	cr_assert_eq(p.pt, 111);
	cr_assert(!p.marker);
	cr_assert(p.has_ext);
	cr_assert_eq(p.cc, 1);
	cr_assert_eq(memcmp(b + 12, chrome_pkt + 12, sizeof(b) - 12), 0);
	lumen_rtp_set_marker(b, true);
	cr_assert_eq(b[1], 0x80 | 111);
}

Test(rtp_rewrite, replaces_an_extension_value_of_the_same_length)
{
	uint8_t b[sizeof(chrome_pkt)];
	const uint8_t tcc[2] = {0x12, 0x34}, big[3] = {1, 2, 3};
	struct lumen_rtp p;
	struct lumen_rtp_ext e;

	memcpy(b, chrome_pkt, sizeof(b));
	cr_assert_eq(lumen_rtp_parse(&p, b, sizeof(b)), 0);
	cr_assert_eq(lumen_rtp_ext_rewrite(b, &p, 3, tcc, 2), 0);
	cr_assert_eq(lumen_rtp_ext_rewrite(b, &p, 3, big, 3), -EINVAL);
	cr_assert_eq(lumen_rtp_ext_rewrite(b, &p, 9, tcc, 2), -ENOENT);
	cr_assert_eq(lumen_rtp_parse(&p, b, sizeof(b)), 0);
	cr_assert_eq(lumen_rtp_ext_find(&p, 3, &e), 0);
	cr_assert_eq(rd16be(e.data), 0x1234);
	cr_assert_eq(lumen_rtp_ext_find(&p, 2, &e), 0);
	cr_assert_eq(rd24be(e.data), 0x123456u);
}

static void check_round_trip(const struct lumen_rtp_hdr *h, const struct lumen_rtp_ext *ext,
                             size_t n, uint16_t want_profile, uint8_t pad)
{
	uint8_t b[256];
	const uint8_t payload[7] = {9, 8, 7, 6, 5, 4, 3};
	struct lumen_rtp p;
	struct lumen_rtp_ext e;
	size_t pos = 0, i = 0;
	ssize_t len = lumen_rtp_write(b, sizeof(b), h, ext, n, payload, sizeof(payload), pad);

	cr_assert_gt(len, 0);
	cr_assert_eq(lumen_rtp_parse(&p, b, (size_t)len), 0);
	cr_assert_eq(p.seq, h->seq);
	cr_assert_eq(p.ts, h->ts);
	cr_assert_eq(p.ssrc, h->ssrc);
	cr_assert_eq(p.pt, h->pt);
	cr_assert_eq(p.marker, h->marker);
	cr_assert_eq(p.cc, h->cc);
	for (unsigned c = 0; c < h->cc; c++)
		cr_assert_eq(lumen_rtp_csrc(&p, c), h->csrc[c]);
	cr_assert_eq(p.has_ext, n > 0);
	if (n)
		cr_assert_eq(p.ext_profile, want_profile);
	while (lumen_rtp_ext_next(&p, &pos, &e)) {
		cr_assert_lt(i, n);
		cr_assert_eq(e.id, ext[i].id);
		cr_assert_eq(e.len, ext[i].len);
		cr_assert(e.len == 0 || memcmp(e.data, ext[i].data, e.len) == 0);
		i++;
	}
	cr_assert_eq(i, n);
	cr_assert_eq(p.payload_len, sizeof(payload));
	cr_assert_eq(memcmp(lumen_rtp_payload(&p), payload, sizeof(payload)), 0);
	cr_assert_eq(p.pad_len, pad);
	/* Every smaller buffer is refused without writing past it. */
	for (size_t cap = 0; cap < (size_t)len; cap++) {
		uint8_t *small = malloc(cap ? cap : 1);

		cr_assert_eq(lumen_rtp_write(small, cap, h, ext, n, payload, sizeof(payload), pad),
		             -ENOSPC);
		free(small);
	}
}

Test(rtp_write, round_trips_through_the_parser_in_both_extension_forms)
{
	const uint8_t v3[3] = {1, 2, 3}, v16[16] = {0xff}, v17[17] = {0xee};
	struct lumen_rtp_hdr h = {.marker = true,
	                          .pt = 100,
	                          .seq = 65535,
	                          .ts = 1u << 31,
	                          .ssrc = 42,
	                          .cc = 2,
	                          .csrc = {5, 6}};
	struct lumen_rtp_ext one[] = {{1, 3, v3}, {14, 16, v16}};
	struct lumen_rtp_ext two_id[] = {{1, 3, v3}, {15, 3, v3}};
	struct lumen_rtp_ext two_len[] = {{1, 17, v17}, {2, 0, NULL}};

	check_round_trip(&h, NULL, 0, 0, 0);
	check_round_trip(&h, one, 2, LUMEN_RTP_EXT_ONE_BYTE, 0);
	check_round_trip(&h, two_id, 2, LUMEN_RTP_EXT_TWO_BYTE, 3);
	h.cc = 0;
	h.marker = false;
	check_round_trip(&h, two_len, 2, LUMEN_RTP_EXT_TWO_BYTE, 1);
}

Test(rtp_write, rejects_invalid_arguments)
{
	uint8_t b[64];
	struct lumen_rtp_hdr h = {.pt = 128};
	struct lumen_rtp_ext zero = {0, 1, b};

	cr_assert_eq(lumen_rtp_write(b, sizeof(b), &h, NULL, 0, NULL, 0, 0), -EINVAL);
	h.pt = 0;
	h.cc = 16;
	cr_assert_eq(lumen_rtp_write(b, sizeof(b), &h, NULL, 0, NULL, 0, 0), -EINVAL);
	h.cc = 0;
	cr_assert_eq(lumen_rtp_write(b, sizeof(b), &h, &zero, 1, NULL, 0, 0), -EINVAL);
}

Test(rtp_ext_add, adds_to_a_packet_without_extensions)
{
	uint8_t b[64];
	const uint8_t payload[4] = {1, 2, 3, 4}, tcc[2] = {0x01, 0x02};
	struct lumen_rtp_hdr h = {.pt = 111, .seq = 7, .ts = 8, .ssrc = 9};
	struct lumen_rtp p;
	struct lumen_rtp_ext e;
	ssize_t len = lumen_rtp_write(b, sizeof(b), &h, NULL, 0, payload, 4, 2);

	cr_assert_eq(lumen_rtp_parse(&p, b, (size_t)len), 0);
	len = lumen_rtp_ext_add(b, sizeof(b), &p, 5, tcc, 2);
	cr_assert_eq(len, 12 + 8 + 4);
	cr_assert_eq(lumen_rtp_parse(&p, b, (size_t)len), 0);
	cr_assert_eq(p.ext_profile, LUMEN_RTP_EXT_ONE_BYTE);
	cr_assert_eq(lumen_rtp_ext_find(&p, 5, &e), 0);
	cr_assert_eq(rd16be(e.data), 0x0102);
	cr_assert_eq(p.payload_len, 4);
	cr_assert_eq(p.pad_len, 0);
	cr_assert_eq(memcmp(lumen_rtp_payload(&p), payload, 4), 0);
	cr_assert_eq(p.seq, 7);
}

Test(rtp_ext_add, replaces_keeps_others_and_switches_to_two_byte_form_when_needed)
{
	uint8_t b[128];
	const uint8_t tcc[2] = {0xfe, 0xdc}, big[20] = {7};
	struct lumen_rtp p;
	struct lumen_rtp_ext e;
	ssize_t len;

	memcpy(b, chrome_pkt, sizeof(chrome_pkt));
	cr_assert_eq(lumen_rtp_parse(&p, b, sizeof(chrome_pkt)), 0);
	len = lumen_rtp_ext_add(b, sizeof(b), &p, 3, tcc, 2);
	cr_assert_eq(len, (ssize_t)sizeof(chrome_pkt));
	cr_assert_eq(lumen_rtp_parse(&p, b, (size_t)len), 0);
	cr_assert_eq(lumen_rtp_ext_find(&p, 3, &e), 0);
	cr_assert_eq(rd16be(e.data), 0xfedc);

	len = lumen_rtp_ext_add(b, sizeof(b), &p, 40, big, sizeof(big));
	cr_assert_gt(len, 0);
	cr_assert_eq(lumen_rtp_parse(&p, b, (size_t)len), 0);
	cr_assert_eq(p.ext_profile, LUMEN_RTP_EXT_TWO_BYTE);
	cr_assert_eq(lumen_rtp_ext_find(&p, 2, &e), 0);
	cr_assert_eq(rd24be(e.data), 0x123456u);
	cr_assert_eq(lumen_rtp_ext_find(&p, 4, &e), 0);
	cr_assert_eq(e.data[0], '0');
	cr_assert_eq(lumen_rtp_ext_find(&p, 40, &e), 0);
	cr_assert_eq(e.len, 20);
	cr_assert_eq(p.payload_len, 5);
	cr_assert_eq(memcmp(lumen_rtp_payload(&p), chrome_pkt + 32, 5), 0);
	cr_assert_eq(lumen_rtp_ext_add(b, (size_t)len + 3, &p, 41, big, 4), -ENOSPC);
}

Test(rtp_seq, compares_sequence_numbers_across_wrap_around)
{
	cr_assert(lumen_rtp_seq_newer(0, 65535));
	cr_assert(lumen_rtp_seq_newer(10, 65530));
	cr_assert(!lumen_rtp_seq_newer(65535, 0));
	cr_assert(!lumen_rtp_seq_newer(5, 5));
	cr_assert(lumen_rtp_seq_newer(32767, 0));
	cr_assert(!lumen_rtp_seq_newer(32768, 0));
	cr_assert(lumen_rtp_ts_newer(1, 0xffffffffu));
	cr_assert(!lumen_rtp_ts_newer(0xffffffffu, 1));
}

/* lumen_rtp_parse_memo must answer exactly what lumen_rtp_parse answers, whatever it kept. */
static void check_memo_matches_parse(struct lumen_rtp_memo *m, const uint8_t *buf, size_t len)
{
	struct lumen_rtp want, got;
	int rw = lumen_rtp_parse(&want, buf, len);
	int rg = lumen_rtp_parse_memo(m, &got, buf, len);

	cr_assert_eq(rg, rw, "memo %d, parser %d", rg, rw);
	if (rw < 0)
		return;
	cr_assert_eq(got.buf, buf, "the result points into the bytes given, not the kept ones");
	cr_assert_eq(got.len, want.len);
	cr_assert_eq(got.marker, want.marker);
	cr_assert_eq(got.pt, want.pt);
	cr_assert_eq(got.seq, want.seq);
	cr_assert_eq(got.ts, want.ts);
	cr_assert_eq(got.ssrc, want.ssrc);
	cr_assert_eq(got.cc, want.cc);
	cr_assert_eq(got.has_ext, want.has_ext);
	cr_assert_eq(got.ext_profile, want.ext_profile);
	cr_assert_eq(got.ext_off, want.ext_off);
	cr_assert_eq(got.ext_len, want.ext_len);
	cr_assert_eq(got.payload_off, want.payload_off);
	cr_assert_eq(got.payload_len, want.payload_len);
	cr_assert_eq(got.pad_len, want.pad_len);
}

Test(rtp_parse_memo, reuses_the_parse_for_the_same_header_in_another_buffer)
{
	struct lumen_rtp_memo m = {0};
	uint8_t *a = dup(chrome_pkt, sizeof(chrome_pkt)), *b = dup(chrome_pkt, sizeof(chrome_pkt));

	check_memo_matches_parse(&m, a, sizeof(chrome_pkt));
	cr_assert_eq(m.len, sizeof(chrome_pkt), "a header this short is kept");
	b[sizeof(chrome_pkt) - 2] ^= 0xff; /* the payload differs: not part of the parse */
	check_memo_matches_parse(&m, b, sizeof(chrome_pkt));
	free(a);
	free(b);
}

Test(rtp_parse_memo, parses_again_when_a_header_byte_or_the_layout_changes)
{
	struct lumen_rtp_memo m = {0};
	struct lumen_rtp_hdr h = {.pt = 96, .seq = 7, .ts = 90000, .ssrc = 0x01020304};
	uint8_t val[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, payload[64] = {0};
	struct lumen_rtp_ext e1 = {.id = 1, .len = 12, .data = val};
	struct lumen_rtp_ext e2 = {.id = 1, .len = 4, .data = val};
	uint8_t p1[128], p2[128];
	/* The same total length with a longer extension and a shorter payload, and the reverse:
	 * a memo keyed on the length alone would give the first packet's payload offset. */
	ssize_t n1 = lumen_rtp_write(p1, sizeof(p1), &h, &e1, 1, payload, 40, 0);
	ssize_t n2 = lumen_rtp_write(p2, sizeof(p2), &h, &e2, 1, payload, 48, 0);

	cr_assert_gt(n1, 0);
	cr_assert_eq(n1, n2);
	check_memo_matches_parse(&m, p1, (size_t)n1);
	check_memo_matches_parse(&m, p2, (size_t)n2);
	p2[11] ^= 0x55; /* the SSRC's last byte */
	check_memo_matches_parse(&m, p2, (size_t)n2);
}

Test(rtp_parse_memo, parses_again_when_the_padding_count_changes)
{
	struct lumen_rtp_memo m = {0};
	struct lumen_rtp_hdr h = {.pt = 111, .seq = 1, .ts = 960, .ssrc = 9};
	uint8_t payload[20] = {0}, p1[64], p2[64];
	ssize_t n1 = lumen_rtp_write(p1, sizeof(p1), &h, NULL, 0, payload, 19, 1);
	ssize_t n2 = lumen_rtp_write(p2, sizeof(p2), &h, NULL, 0, payload, 16, 4);

	cr_assert_gt(n1, 0);
	cr_assert_eq(n1, n2);
	check_memo_matches_parse(&m, p1, (size_t)n1);
	check_memo_matches_parse(&m, p2, (size_t)n2);
}

Test(rtp_parse_memo, refuses_what_the_parser_refuses)
{
	struct lumen_rtp_memo m = {0};
	uint8_t *a = dup(chrome_pkt, sizeof(chrome_pkt));

	check_memo_matches_parse(&m, a, sizeof(chrome_pkt));
	a[19] = 0x7f; /* extension length of 127 words: past the end */
	check_memo_matches_parse(&m, a, sizeof(chrome_pkt));
	cr_assert_eq(lumen_rtp_parse_memo(&m, &(struct lumen_rtp){0}, a, sizeof(chrome_pkt)), -EINVAL);
	check_memo_matches_parse(&m, chrome_pkt, sizeof(chrome_pkt));
	free(a);
}

Test(rtp_parse_memo, long_headers_are_parsed_every_time)
{
	struct lumen_rtp_memo m = {0};
	struct lumen_rtp_hdr h = {.pt = 96, .seq = 3, .ts = 1, .ssrc = 2, .cc = 15};
	uint8_t payload[8] = {0}, p[128];
	ssize_t n = lumen_rtp_write(p, sizeof(p), &h, NULL, 0, payload, sizeof(payload), 0);

	cr_assert_gt(n, LUMEN_RTP_MEMO_MAX);
	check_memo_matches_parse(&m, p, (size_t)n);
	cr_assert_eq(m.len, 0, "72 header bytes: nothing kept");
	check_memo_matches_parse(&m, p, (size_t)n);
}
