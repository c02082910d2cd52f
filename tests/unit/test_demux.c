/* test_demux.c -- RFC 7983 classification table and the STUN framing check (RFC 5389, RFC 5769
 * sample request). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "webrtc/demux.h"

static enum lumen_demux_class expected_for(uint8_t b0, uint8_t b1)
{
	if (b0 <= 3)
		return LUMEN_DEMUX_STUN;
	if (b0 >= 16 && b0 <= 19)
		return LUMEN_DEMUX_ZRTP;
	if (b0 >= 20 && b0 <= 63)
		return LUMEN_DEMUX_DTLS;
	if (b0 >= 64 && b0 <= 79)
		return LUMEN_DEMUX_TURN_CHANNEL;
	if (b0 >= 128 && b0 <= 191)
		return b1 >= 192 && b1 <= 223 ? LUMEN_DEMUX_RTCP : LUMEN_DEMUX_RTP;
	return LUMEN_DEMUX_UNKNOWN;
}

Test(demux_classify, boundaries_of_every_rfc7983_range)
{
	static const struct {
		uint8_t b0, b1;
		enum lumen_demux_class want;
	} rows[] = {
	    {0, 1, LUMEN_DEMUX_STUN},          {3, 0, LUMEN_DEMUX_STUN},
	    {4, 0, LUMEN_DEMUX_UNKNOWN},       {15, 0, LUMEN_DEMUX_UNKNOWN},
	    {16, 0, LUMEN_DEMUX_ZRTP},         {19, 0, LUMEN_DEMUX_ZRTP},
	    {20, 0, LUMEN_DEMUX_DTLS},         {22, 254, LUMEN_DEMUX_DTLS},
	    {63, 0, LUMEN_DEMUX_DTLS},         {64, 0, LUMEN_DEMUX_TURN_CHANNEL},
	    {79, 0, LUMEN_DEMUX_TURN_CHANNEL}, {80, 0, LUMEN_DEMUX_UNKNOWN},
	    {127, 0, LUMEN_DEMUX_UNKNOWN},     {128, 96, LUMEN_DEMUX_RTP},
	    {128, 191, LUMEN_DEMUX_RTP},       {128, 192, LUMEN_DEMUX_RTCP},
	    {128, 200, LUMEN_DEMUX_RTCP},      {129, 205, LUMEN_DEMUX_RTCP},
	    {128, 223, LUMEN_DEMUX_RTCP},      {128, 224, LUMEN_DEMUX_RTP},
	    {144, 111, LUMEN_DEMUX_RTP},       {191, 0, LUMEN_DEMUX_RTP},
	    {192, 200, LUMEN_DEMUX_UNKNOWN},   {255, 0, LUMEN_DEMUX_UNKNOWN},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t buf[2] = {rows[i].b0, rows[i].b1};
		cr_expect_eq(lumen_demux_classify(buf, 2), rows[i].want, "bytes %u,%u", rows[i].b0,
		             rows[i].b1);
	}
}

Test(demux_classify, every_first_byte_matches_the_rfc_table)
{
	for (unsigned b0 = 0; b0 < 256; b0++) {
		for (unsigned b1 = 0; b1 < 256; b1 += 17) {
			uint8_t buf[12] = {(uint8_t)b0, (uint8_t)b1};
			cr_assert_eq(lumen_demux_classify(buf, sizeof(buf)),
			             expected_for((uint8_t)b0, (uint8_t)b1), "bytes %u,%u", b0, b1);
		}
	}
}

Test(demux_classify, empty_and_one_byte_rtp_are_unknown)
{
	uint8_t stun = 0, dtls = 22, rtp = 0x80;

	cr_expect_eq(lumen_demux_classify(NULL, 0), LUMEN_DEMUX_UNKNOWN);
	cr_expect_eq(lumen_demux_classify(&stun, 1), LUMEN_DEMUX_STUN);
	cr_expect_eq(lumen_demux_classify(&dtls, 1), LUMEN_DEMUX_DTLS);
	cr_expect_eq(lumen_demux_classify(&rtp, 1), LUMEN_DEMUX_UNKNOWN);
}

Test(demux_classify, names_every_class)
{
	cr_expect_str_eq(lumen_demux_class_name(LUMEN_DEMUX_STUN), "stun");
	cr_expect_str_eq(lumen_demux_class_name(LUMEN_DEMUX_DTLS), "dtls");
	cr_expect_str_eq(lumen_demux_class_name(LUMEN_DEMUX_RTP), "rtp");
	cr_expect_str_eq(lumen_demux_class_name(LUMEN_DEMUX_RTCP), "rtcp");
	cr_expect_str_eq(lumen_demux_class_name(LUMEN_DEMUX_ZRTP), "zrtp");
	cr_expect_str_eq(lumen_demux_class_name(LUMEN_DEMUX_TURN_CHANNEL), "turn-channel");
	cr_expect_str_eq(lumen_demux_class_name(LUMEN_DEMUX_UNKNOWN), "unknown");
}

/* ---- STUN ---- */

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static size_t put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
	return 4;
}

static size_t put_attr(uint8_t *msg, size_t off, uint16_t type, const void *val, uint16_t len)
{
	put16(msg + off, type);
	put16(msg + off + 2, len);
	if (len)
		memcpy(msg + off + 4, val, len);
	memset(msg + off + 4 + len, 0, (size_t)((4 - len % 4) % 4));
	return off + 4 + ((len + 3u) & ~3u);
}

/* An ICE connectivity check as a browser sends it (RFC 5389 + RFC 8445): USERNAME, PRIORITY,
 * ICE-CONTROLLING, USE-CANDIDATE, MESSAGE-INTEGRITY (dummy HMAC), FINGERPRINT. */
static size_t build_binding_request(uint8_t *msg, bool integrity, bool fingerprint)
{
	static const uint8_t txid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	uint8_t prio[4], tie[8] = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3}, hmac[20], fp[4];
	size_t off = 20;

	put16(msg, 0x0001);
	put32(msg + 4, LUMEN_STUN_MAGIC_COOKIE);
	memcpy(msg + 8, txid, 12);
	put32(prio, 0x6e0001ff);
	off = put_attr(msg, off, 0x0006, "abcd:efgh", 9);
	off = put_attr(msg, off, 0x0024, prio, 4);
	off = put_attr(msg, off, 0x802A, tie, 8);
	off = put_attr(msg, off, 0x0025, NULL, 0);
	if (integrity) {
		memset(hmac, 0x5a, sizeof(hmac));
		put16(msg + 2, (uint16_t)(off + 24 - 20));
		off = put_attr(msg, off, 0x0008, hmac, 20);
	}
	if (fingerprint) {
		put16(msg + 2, (uint16_t)(off + 8 - 20));
		put32(fp, lumen_stun_crc32(msg, off) ^ 0x5354554Eu);
		off = put_attr(msg, off, 0x8028, fp, 4);
	}
	put16(msg + 2, (uint16_t)(off - 20));
	return off;
}

Test(stun_crc32, matches_the_standard_check_value)
{
	cr_expect_eq(lumen_stun_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
	cr_expect_eq(lumen_stun_crc32(NULL, 0), 0u);
}

Test(stun_check, accepts_the_rfc5769_sample_request)
{
	/* RFC 5769 section 2.1: a Binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED,
	 * USERNAME, MESSAGE-INTEGRITY and FINGERPRINT. */
	static const uint8_t req[] = {
	    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
	    0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e,
	    0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24,
	    0x00, 0x04, 0x6e, 0x00, 0x01, 0xff, 0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1,
	    0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68,
	    0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c,
	    0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5,
	    0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
	};
	struct lumen_stun_info info;

	cr_assert_eq(lumen_stun_check(&info, req, sizeof(req)), 0);
	cr_expect_eq(info.type, 0x0001);
	cr_expect_eq(info.method, 0x001);
	cr_expect_eq(info.cls, 0);
	cr_expect_eq(info.length, 0x58);
	cr_expect_eq(info.attr_count, 6);
	cr_expect(info.has_username);
	cr_expect(info.has_integrity);
	cr_expect(info.has_fingerprint);
	cr_expect_eq(info.txid[0], 0xb7);
	cr_expect_eq(info.txid[11], 0xae);
}

Test(stun_check, accepts_a_built_binding_request_in_every_variant)
{
	uint8_t msg[256];
	struct lumen_stun_info info;

	for (int v = 0; v < 4; v++) {
		bool mi = v & 1, fp = v & 2;
		size_t len = build_binding_request(msg, mi, fp);

		cr_assert_eq(lumen_stun_check(&info, msg, len), 0, "variant %d", v);
		cr_expect_eq(info.has_integrity, mi);
		cr_expect_eq(info.has_fingerprint, fp);
		cr_expect_eq(info.attr_count, 4u + mi + fp);
		cr_expect(info.has_username);
	}
	cr_expect_eq(lumen_stun_check(NULL, msg, build_binding_request(msg, true, true)), 0);
}

Test(stun_check, decodes_class_and_method_of_a_success_response)
{
	uint8_t msg[20] = {0x01, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
	struct lumen_stun_info info;

	cr_assert_eq(lumen_stun_check(&info, msg, sizeof(msg)), 0);
	cr_expect_eq(info.cls, 2);
	cr_expect_eq(info.method, 1);
	msg[0] = 0x01;
	msg[1] = 0x11; /* Binding error response */
	cr_assert_eq(lumen_stun_check(&info, msg, sizeof(msg)), 0);
	cr_expect_eq(info.cls, 3);
	cr_expect_eq(info.attr_count, 0);
}

Test(stun_check, rejects_every_truncation_of_a_valid_request)
{
	uint8_t msg[256];
	size_t len = build_binding_request(msg, true, true);

	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, msg, n);
		cr_expect_neq(lumen_stun_check(NULL, copy, n), 0, "truncated to %zu", n);
		free(copy);
	}
}

Test(stun_check, rejects_a_length_field_that_disagrees_with_the_datagram)
{
	uint8_t msg[256];
	size_t len = build_binding_request(msg, false, false);

	msg[3] += 4;
	cr_expect_eq(lumen_stun_check(NULL, msg, len), -EINVAL);
	msg[3] -= 5; /* not a multiple of 4 */
	cr_expect_eq(lumen_stun_check(NULL, msg, len), -EINVAL);
}

Test(stun_check, rejects_bad_magic_cookie_and_top_bits)
{
	uint8_t msg[256];
	size_t len = build_binding_request(msg, false, false);

	msg[4] ^= 1;
	cr_expect_eq(lumen_stun_check(NULL, msg, len), -EINVAL);
	msg[4] ^= 1;
	msg[0] |= 0x40;
	cr_expect_eq(lumen_stun_check(NULL, msg, len), -EINVAL);
	msg[0] = 0x04; /* first byte 4: not STUN per RFC 7983 */
	cr_expect_eq(lumen_stun_check(NULL, msg, len), -EINVAL);
	msg[0] = 0x03;
	cr_expect_eq(lumen_stun_check(NULL, msg, len), 0);
}

Test(stun_check, rejects_a_wrong_fingerprint_and_attributes_after_it)
{
	uint8_t msg[256];
	size_t len = build_binding_request(msg, true, true);

	msg[len - 1] ^= 0x01;
	cr_expect_eq(lumen_stun_check(NULL, msg, len), -EBADMSG);
	msg[len - 1] ^= 0x01;
	/* a body byte flipped after the CRC was computed */
	msg[30] ^= 0x20;
	cr_expect_eq(lumen_stun_check(NULL, msg, len), -EBADMSG);
	msg[30] ^= 0x20;

	/* an attribute appended after FINGERPRINT */
	put16(msg + len, 0x8022);
	put16(msg + len + 2, 0);
	put16(msg + 2, (uint16_t)(len + 4 - 20));
	cr_expect_eq(lumen_stun_check(NULL, msg, len + 4), -EBADMSG);
}

Test(stun_check, rejects_attributes_after_message_integrity_except_fingerprint)
{
	uint8_t msg[256];
	size_t len = build_binding_request(msg, true, false);

	put16(msg + len, 0x0006); /* USERNAME after MESSAGE-INTEGRITY */
	put16(msg + len + 2, 0);
	put16(msg + 2, (uint16_t)(len + 4 - 20));
	cr_expect_eq(lumen_stun_check(NULL, msg, len + 4), -EBADMSG);
}

Test(stun_check, rejects_attributes_with_impossible_lengths)
{
	uint8_t msg[256];
	size_t len = build_binding_request(msg, false, false);
	uint8_t hmac[16] = {0};
	size_t n;

	/* MESSAGE-INTEGRITY of 16 bytes */
	n = put_attr(msg, len, 0x0008, hmac, 16);
	put16(msg + 2, (uint16_t)(n - 20));
	cr_expect_eq(lumen_stun_check(NULL, msg, n), -EINVAL);
	/* an attribute whose length runs past the end */
	len = build_binding_request(msg, false, false);
	msg[20 + 3] = 200;
	cr_expect_eq(lumen_stun_check(NULL, msg, len), -EINVAL);
}

Test(stun_check, rejects_non_stun_traffic)
{
	uint8_t dtls[32] = {22, 0xfe, 0xfd};
	uint8_t rtp[32] = {0x80, 96};

	cr_expect_eq(lumen_stun_check(NULL, dtls, sizeof(dtls)), -EINVAL);
	cr_expect_eq(lumen_stun_check(NULL, rtp, sizeof(rtp)), -EINVAL);
}
