/* test_srtp.c -- lumen_srtp: protect then unprotect for both profiles (RTP and RTCP), tampering,
 * replays, headroom, and wrong-direction use. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "webrtc/srtp.h"

static const enum lumen_srtp_profile profiles[] = {
    LUMEN_SRTP_AEAD_AES_128_GCM,
    LUMEN_SRTP_AES128_CM_SHA1_80,
};

struct pair {
	struct lumen_srtp *tx, *rx;
};

static struct pair make_pair(enum lumen_srtp_profile p)
{
	uint8_t key[LUMEN_SRTP_MASTER_MAX];
	struct pair s;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 3);
	s.tx = lumen_srtp_new(p, LUMEN_SRTP_OUTBOUND, key, lumen_srtp_master_len(p));
	s.rx = lumen_srtp_new(p, LUMEN_SRTP_INBOUND, key, lumen_srtp_master_len(p));
	cr_assert_not_null(s.tx);
	cr_assert_not_null(s.rx);
	return s;
}

static void free_pair(struct pair *s)
{
	lumen_srtp_free(s->tx);
	lumen_srtp_free(s->rx);
}

static size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t payload)
{
	buf[0] = 0x80;
	buf[1] = 96;
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	memset(buf + 4, 0, 4);
	buf[4] = 0x12;
	buf[8] = (uint8_t)(ssrc >> 24);
	buf[9] = (uint8_t)(ssrc >> 16);
	buf[10] = (uint8_t)(ssrc >> 8);
	buf[11] = (uint8_t)ssrc;
	for (size_t i = 0; i < payload; i++)
		buf[12 + i] = (uint8_t)(i ^ seq);
	return 12 + payload;
}

/* An RTCP receiver report with one report block: 8 + 24 bytes. */
static size_t make_rtcp_rr(uint8_t *buf, uint32_t ssrc)
{
	memset(buf, 0, 32);
	buf[0] = 0x81;
	buf[1] = 201;
	buf[3] = 7;
	buf[4] = (uint8_t)(ssrc >> 24);
	buf[7] = (uint8_t)ssrc;
	buf[8] = 0xaa;
	buf[20] = 0x55;
	return 32;
}

Test(srtp_profile, master_lengths_and_names)
{
	cr_expect_eq(lumen_srtp_master_len(LUMEN_SRTP_AES128_CM_SHA1_80), 30);
	cr_expect_eq(lumen_srtp_master_len(LUMEN_SRTP_AEAD_AES_128_GCM), 28);
	cr_expect_eq(lumen_srtp_master_len(LUMEN_SRTP_NONE), 0);
	cr_expect_str_eq(lumen_srtp_profile_name(LUMEN_SRTP_AEAD_AES_128_GCM),
	                 "SRTP_AEAD_AES_128_GCM");
	cr_expect_str_eq(lumen_srtp_profile_name(LUMEN_SRTP_AES128_CM_SHA1_80),
	                 "SRTP_AES128_CM_SHA1_80");
}

Test(srtp_new, refuses_unknown_profiles_and_wrong_key_lengths)
{
	uint8_t key[32] = {0};

	cr_expect_null(lumen_srtp_new(LUMEN_SRTP_NONE, LUMEN_SRTP_INBOUND, key, 30));
	cr_expect_null(lumen_srtp_new(LUMEN_SRTP_AEAD_AES_128_GCM, LUMEN_SRTP_INBOUND, key, 30));
	cr_expect_null(lumen_srtp_new(LUMEN_SRTP_AES128_CM_SHA1_80, LUMEN_SRTP_INBOUND, key, 28));
	cr_expect_null(lumen_srtp_new((enum lumen_srtp_profile)2, LUMEN_SRTP_OUTBOUND, key, 30));
	lumen_srtp_free(NULL);
}

Test(srtp_rtp, protect_then_unprotect_round_trips_for_both_profiles)
{
	for (size_t p = 0; p < 2; p++) {
		struct pair s = make_pair(profiles[p]);
		size_t tag = profiles[p] == LUMEN_SRTP_AEAD_AES_128_GCM ? 16 : 10;

		for (uint16_t seq = 65530; seq != 10; seq++) { /* crosses the rollover */
			uint8_t pkt[1400], plain[1400];
			size_t len = make_rtp(pkt, seq, 0x11223344, 1200), n = len;

			memcpy(plain, pkt, len);
			cr_assert_eq(lumen_srtp_protect_rtp(s.tx, pkt, &n, sizeof(pkt)), 0);
			cr_assert_eq(n, len + tag, "profile %zu", p);
			cr_assert_neq(memcmp(pkt + 12, plain + 12, 1200), 0, "payload encrypted");
			cr_assert_eq(memcmp(pkt, plain, 12), 0, "header in clear");
			cr_assert_eq(lumen_srtp_unprotect_rtp(s.rx, pkt, &n), 0, "seq %u", seq);
			cr_assert_eq(n, len);
			cr_assert_eq(memcmp(pkt, plain, len), 0);
		}
		free_pair(&s);
	}
}

Test(srtp_init, global_init_is_idempotent_and_sessions_work_after_it)
{
	cr_assert_eq(lumen_srtp_global_init(), 0);
	cr_assert_eq(lumen_srtp_global_init(), 0, "a second call is a no-op");
	for (size_t p = 0; p < 2; p++) {
		struct pair s = make_pair(profiles[p]);
		uint8_t pkt[1400], plain[1400];
		size_t len = make_rtp(pkt, 1, 0x01020304, 300), n = len;

		memcpy(plain, pkt, len);
		cr_assert_eq(lumen_srtp_protect_rtp(s.tx, pkt, &n, sizeof(pkt)), 0);
		cr_assert_eq(lumen_srtp_unprotect_rtp(s.rx, pkt, &n), 0);
		cr_assert_eq(memcmp(pkt, plain, len), 0, "profile %zu: the warm-up sessions left no state",
			     p);
		free_pair(&s);
	}
}

Test(srtp_rtcp, protect_then_unprotect_round_trips_for_both_profiles)
{
	for (size_t p = 0; p < 2; p++) {
		struct pair s = make_pair(profiles[p]);
		size_t tag = profiles[p] == LUMEN_SRTP_AEAD_AES_128_GCM ? 16 : 10;

		for (int i = 0; i < 5; i++) {
			uint8_t pkt[64], plain[64];
			size_t len = make_rtcp_rr(pkt, 0xcafe0000u + (uint32_t)i), n = len;

			memcpy(plain, pkt, len);
			cr_assert_eq(lumen_srtp_protect_rtcp(s.tx, pkt, &n, sizeof(pkt)), 0);
			cr_assert_eq(n, len + 4 + tag);
			cr_assert_neq(memcmp(pkt + 8, plain + 8, len - 8), 0);
			cr_assert_eq(lumen_srtp_unprotect_rtcp(s.rx, pkt, &n), 0);
			cr_assert_eq(n, len);
			cr_assert_eq(memcmp(pkt, plain, len), 0);
		}
		free_pair(&s);
	}
}

Test(srtp_rtp, rejects_a_tampered_packet_anywhere_with_ebadmsg)
{
	for (size_t p = 0; p < 2; p++) {
		struct pair s = make_pair(profiles[p]);
		uint8_t pkt[256], prot[256];
		size_t len = make_rtp(pkt, 1, 42, 100), n = len;

		cr_assert_eq(lumen_srtp_protect_rtp(s.tx, pkt, &n, sizeof(pkt)), 0);
		memcpy(prot, pkt, n);
		/* flip one bit in the payload, the header (not the SSRC: that routes to a
		 * different stream) and the tag */
		const size_t where[] = {1, 3, 5, 20, n - 1};
		for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
			size_t m = n;

			memcpy(pkt, prot, n);
			pkt[where[w]] ^= 0x04;
			cr_expect_eq(lumen_srtp_unprotect_rtp(s.rx, pkt, &m), -EBADMSG,
			             "profile %zu byte %zu", p, where[w]);
		}
		/* the intact packet still passes afterwards */
		memcpy(pkt, prot, n);
		cr_expect_eq(lumen_srtp_unprotect_rtp(s.rx, pkt, &n), 0);
		free_pair(&s);
	}
}

Test(srtp_rtcp, rejects_a_tampered_packet_with_ebadmsg)
{
	for (size_t p = 0; p < 2; p++) {
		struct pair s = make_pair(profiles[p]);
		uint8_t pkt[64];
		size_t n = make_rtcp_rr(pkt, 7);

		cr_assert_eq(lumen_srtp_protect_rtcp(s.tx, pkt, &n, sizeof(pkt)), 0);
		pkt[12] ^= 0x80;
		cr_expect_eq(lumen_srtp_unprotect_rtcp(s.rx, pkt, &n), -EBADMSG);
		free_pair(&s);
	}
}

Test(srtp_rtp, rejects_a_replayed_packet_with_ealready)
{
	for (size_t p = 0; p < 2; p++) {
		struct pair s = make_pair(profiles[p]);
		uint8_t pkt[256], copy[256];
		size_t n = make_rtp(pkt, 100, 42, 50), m;

		cr_assert_eq(lumen_srtp_protect_rtp(s.tx, pkt, &n, sizeof(pkt)), 0);
		memcpy(copy, pkt, n);
		m = n;
		cr_assert_eq(lumen_srtp_unprotect_rtp(s.rx, pkt, &m), 0);
		m = n;
		cr_expect_eq(lumen_srtp_unprotect_rtp(s.rx, copy, &m), -EALREADY, "profile %zu", p);
		free_pair(&s);
	}
}

Test(srtp_rtcp, rejects_a_replayed_packet_with_ealready)
{
	for (size_t p = 0; p < 2; p++) {
		struct pair s = make_pair(profiles[p]);
		uint8_t pkt[64], copy[64];
		size_t n = make_rtcp_rr(pkt, 9), m;

		cr_assert_eq(lumen_srtp_protect_rtcp(s.tx, pkt, &n, sizeof(pkt)), 0);
		memcpy(copy, pkt, n);
		m = n;
		cr_assert_eq(lumen_srtp_unprotect_rtcp(s.rx, pkt, &m), 0);
		m = n;
		cr_expect_eq(lumen_srtp_unprotect_rtcp(s.rx, copy, &m), -EALREADY);
		free_pair(&s);
	}
}

Test(srtp_rtp, accepts_reordering_within_the_window_and_refuses_beyond_it)
{
	struct pair s = make_pair(LUMEN_SRTP_AEAD_AES_128_GCM);
	static uint8_t saved[1100][64];
	static size_t saved_len[1100];

	for (uint16_t seq = 0; seq < 1100; seq++) {
		saved_len[seq] = make_rtp(saved[seq], seq, 5, 20);
		cr_assert_eq(lumen_srtp_protect_rtp(s.tx, saved[seq], &saved_len[seq], 64), 0);
	}
	/* deliver 1099 first, then 1099 - 1000 (inside a 1024 window), then 1099 - 1050 */
	cr_assert_eq(lumen_srtp_unprotect_rtp(s.rx, saved[1099], &saved_len[1099]), 0);
	cr_expect_eq(lumen_srtp_unprotect_rtp(s.rx, saved[99], &saved_len[99]), 0);
	cr_expect_eq(lumen_srtp_unprotect_rtp(s.rx, saved[49], &saved_len[49]), -EALREADY);
	free_pair(&s);
}

Test(srtp_rtp, separate_ssrcs_get_their_own_streams)
{
	struct pair s = make_pair(LUMEN_SRTP_AES128_CM_SHA1_80);

	for (uint32_t ssrc = 1; ssrc <= 4; ssrc++) {
		uint8_t pkt[128];
		size_t n = make_rtp(pkt, 7, ssrc, 40); /* same seq on every SSRC: no replay */

		cr_assert_eq(lumen_srtp_protect_rtp(s.tx, pkt, &n, sizeof(pkt)), 0);
		cr_expect_eq(lumen_srtp_unprotect_rtp(s.rx, pkt, &n), 0, "ssrc %u", ssrc);
	}
	free_pair(&s);
}

Test(srtp_rtp, outbound_allows_a_retransmission_of_the_same_sequence_number)
{
	struct pair s = make_pair(LUMEN_SRTP_AEAD_AES_128_GCM);
	uint8_t pkt[128];
	size_t n;

	for (int i = 0; i < 2; i++) {
		n = make_rtp(pkt, 500, 77, 40);
		cr_expect_eq(lumen_srtp_protect_rtp(s.tx, pkt, &n, sizeof(pkt)), 0);
	}
	free_pair(&s);
}

Test(srtp_rtp, needs_trailer_headroom_and_the_right_direction)
{
	struct pair s = make_pair(LUMEN_SRTP_AEAD_AES_128_GCM);
	uint8_t pkt[128];
	size_t len = make_rtp(pkt, 1, 1, 40), n = len;

	cr_expect_eq(lumen_srtp_protect_rtp(s.tx, pkt, &n, len + LUMEN_SRTP_TRAILER_MAX - 1),
	             -ENOSPC);
	cr_expect_eq(n, len);
	cr_expect_eq(lumen_srtp_protect_rtp(s.rx, pkt, &n, sizeof(pkt)), -EINVAL);
	cr_expect_eq(lumen_srtp_unprotect_rtp(s.tx, pkt, &n), -EINVAL);
	cr_expect_eq(lumen_srtp_protect_rtp(s.tx, pkt, &n, len + LUMEN_SRTP_TRAILER_MAX), 0);
	free_pair(&s);
}

Test(srtp_rtp, rejects_every_truncation_of_a_protected_packet)
{
	for (size_t p = 0; p < 2; p++) {
		struct pair s = make_pair(profiles[p]);
		uint8_t pkt[128], copy[128];
		size_t n = make_rtp(pkt, 3, 3, 40);

		cr_assert_eq(lumen_srtp_protect_rtp(s.tx, pkt, &n, sizeof(pkt)), 0);
		for (size_t cut = 0; cut < n; cut++) {
			size_t m = cut;

			memcpy(copy, pkt, n);
			cr_expect_lt(lumen_srtp_unprotect_rtp(s.rx, copy, &m), 0, "len %zu", cut);
		}
		free_pair(&s);
	}
}

Test(srtp_rtcp, rejects_every_truncation_of_a_protected_packet)
{
	for (size_t p = 0; p < 2; p++) {
		struct pair s = make_pair(profiles[p]);
		uint8_t pkt[64], copy[64];
		size_t n = make_rtcp_rr(pkt, 3);

		cr_assert_eq(lumen_srtp_protect_rtcp(s.tx, pkt, &n, sizeof(pkt)), 0);
		for (size_t cut = 0; cut < n; cut++) {
			size_t m = cut;

			memcpy(copy, pkt, n);
			cr_expect_lt(lumen_srtp_unprotect_rtcp(s.rx, copy, &m), 0, "len %zu", cut);
		}
		free_pair(&s);
	}
}

Test(srtp_new_pair, two_ends_built_from_mirrored_keys_talk_both_ways)
{
	struct lumen_srtp_keys a = {.profile = LUMEN_SRTP_AEAD_AES_128_GCM, .len = 28}, b;
	struct lumen_srtp *atx, *arx, *btx, *brx;
	uint8_t pkt[128];
	size_t n;

	for (size_t i = 0; i < a.len; i++) {
		a.local[i] = (uint8_t)i;
		a.remote[i] = (uint8_t)(100 + i);
	}
	b = a;
	memcpy(b.local, a.remote, a.len);
	memcpy(b.remote, a.local, a.len);
	cr_assert_eq(lumen_srtp_new_pair(&a, &atx, &arx), 0);
	cr_assert_eq(lumen_srtp_new_pair(&b, &btx, &brx), 0);
	n = make_rtp(pkt, 1, 1, 30);
	cr_assert_eq(lumen_srtp_protect_rtp(atx, pkt, &n, sizeof(pkt)), 0);
	cr_expect_eq(lumen_srtp_unprotect_rtp(brx, pkt, &n), 0);
	n = make_rtp(pkt, 1, 2, 30);
	cr_assert_eq(lumen_srtp_protect_rtp(btx, pkt, &n, sizeof(pkt)), 0);
	cr_expect_eq(lumen_srtp_unprotect_rtp(arx, pkt, &n), 0);
	/* a's own inbound cannot read what a sent: the directions use different keys */
	n = make_rtp(pkt, 2, 1, 30);
	cr_assert_eq(lumen_srtp_protect_rtp(atx, pkt, &n, sizeof(pkt)), 0);
	cr_expect_eq(lumen_srtp_unprotect_rtp(arx, pkt, &n), -EBADMSG);
	lumen_srtp_free(atx);
	lumen_srtp_free(arx);
	lumen_srtp_free(btx);
	lumen_srtp_free(brx);

	a.len = 30; /* wrong for GCM */
	atx = arx = (void *)1;
	cr_expect_eq(lumen_srtp_new_pair(&a, &atx, &arx), -EINVAL);
	cr_expect(atx == NULL && arx == NULL);
}
