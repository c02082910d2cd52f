/* test_srtp_gcm.c -- lumen's AEAD_AES_128_GCM RTP transform (src/webrtc/srtp_gcm.c) against
 * libsrtp2, the reference every browser's DTLS-SRTP peer agrees with: byte-identical output
 * across a rollover, CSRCs and header extensions, both directions of interop, the replay window,
 * forged packets that must change nothing, malformed headers and the stream cap. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "webrtc/srtp_gcm.h"

#define MASTER_LEN (SRTP_GCM_KEY_LEN + SRTP_GCM_SALT_LEN)

static uint8_t master[MASTER_LEN];

static void init_master(void)
{
	for (size_t i = 0; i < MASTER_LEN; i++)
		master[i] = (uint8_t)(i * 13 + 5);
}

/* A libsrtp2 session with the policy src/webrtc/srtp.c uses for this profile. */
static srtp_t libsrtp_session(bool inbound)
{
	srtp_policy_t policy;
	uint8_t key[MASTER_LEN];
	srtp_t ctx = NULL;
	static bool inited; /* libsrtp2 refuses a second srtp_init (each test is its own process) */

	if (!inited)
		cr_assert_eq(srtp_init(), srtp_err_status_ok);
	inited = true;
	memset(&policy, 0, sizeof(policy));
	srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
	srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
	memcpy(key, master, sizeof(key));
	policy.key = key;
	policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	policy.window_size = 1024;
	policy.allow_repeat_tx = !inbound;
	cr_assert_eq(srtp_create(&ctx, &policy), srtp_err_status_ok);
	return ctx;
}

/* An RTP packet: `cc` CSRCs, a one-byte-header extension of `ext_words` words when ext_words
 * > 0, `payload` bytes. Returns its length. */
static size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, unsigned cc, unsigned ext_words,
                       size_t payload)
{
	size_t n = 12;

	buf[0] = (uint8_t)(0x80 | (ext_words ? 0x10 : 0) | cc);
	buf[1] = 96;
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	buf[4] = 0x01;
	buf[5] = 0x02;
	buf[6] = (uint8_t)(seq >> 3);
	buf[7] = (uint8_t)seq;
	buf[8] = (uint8_t)(ssrc >> 24);
	buf[9] = (uint8_t)(ssrc >> 16);
	buf[10] = (uint8_t)(ssrc >> 8);
	buf[11] = (uint8_t)ssrc;
	for (unsigned i = 0; i < cc * 4; i++)
		buf[n++] = (uint8_t)(0xc0 + i);
	if (ext_words) {
		buf[n++] = 0xbe;
		buf[n++] = 0xde;
		buf[n++] = 0;
		buf[n++] = (uint8_t)ext_words;
		for (unsigned i = 0; i < ext_words * 4; i++)
			buf[n++] = (uint8_t)(0x10 + i);
	}
	for (size_t i = 0; i < payload; i++)
		buf[n++] = (uint8_t)(i * 7 ^ seq);
	return n;
}

static void check_protect_like_libsrtp(void)
{
	static const size_t sizes[] = {0, 1, 17, 160, 1188};
	static const uint32_t ssrcs[] = {0x11223344, 0xdeadbeef};
	struct srtp_gcm *ours;
	srtp_t ref;
	unsigned checked = 0;

	init_master();
	ours = srtp_gcm_new(master, false);
	ref = libsrtp_session(false);
	cr_assert_not_null(ours);
	/* 65500 .. 65535 then 0 .. 40 for two SSRCs: the ROC goes to 1 halfway. */
	for (unsigned k = 0; k < 76; k++) {
		uint16_t seq = (uint16_t)(65500 + k);

		for (unsigned s = 0; s < 2; s++) {
			uint8_t a[1400], b[1400];
			size_t la = make_rtp(a, seq, ssrcs[s], k % 3, k % 4, sizes[k % 5]);
			int lb = (int)la;

			memcpy(b, a, la);
			cr_assert_eq(srtp_gcm_protect(ours, a, &la), 0, "seq %u", seq);
			cr_assert_eq(srtp_protect(ref, b, &lb), srtp_err_status_ok);
			cr_assert_eq(la, (size_t)lb);
			cr_assert_eq(memcmp(a, b, la), 0, "seq %u ssrc %08x differs", seq, ssrcs[s]);
			checked++;
		}
	}
	/* A retransmission of an earlier packet (before the rollover) is the same bytes again. */
	{
		uint8_t a[1400], b[1400];
		size_t la = make_rtp(a, 65530, ssrcs[0], 0, 0, 100);
		int lb = (int)la;

		memcpy(b, a, la);
		cr_assert_eq(srtp_gcm_protect(ours, a, &la), 0);
		cr_assert_eq(srtp_protect(ref, b, &lb), srtp_err_status_ok);
		cr_assert_eq(memcmp(a, b, la), 0);
	}
	cr_expect_eq(checked, 152);
	srtp_gcm_free(ours);
	srtp_dealloc(ref);
}

static void check_interop_with_libsrtp(void)
{
	struct srtp_gcm *tx, *rx;
	srtp_t ref_tx, ref_rx;

	init_master();
	tx = srtp_gcm_new(master, false);
	rx = srtp_gcm_new(master, true);
	ref_tx = libsrtp_session(false);
	ref_rx = libsrtp_session(true);
	for (unsigned k = 0; k < 300; k++) {
		uint16_t seq = (uint16_t)(65400 + k * 3);
		uint8_t plain[1400], a[1400], b[1400];
		size_t lp = make_rtp(plain, seq, 0xcafe0001, k % 2, k % 3, 40 + k);
		size_t la = lp;
		int lb = (int)lp;

		memcpy(a, plain, lp);
		memcpy(b, plain, lp);
		/* ours -> libsrtp */
		cr_assert_eq(srtp_gcm_protect(tx, a, &la), 0);
		lb = (int)la;
		cr_assert_eq(srtp_unprotect(ref_rx, a, &lb), srtp_err_status_ok, "seq %u", seq);
		cr_assert_eq((size_t)lb, lp);
		cr_assert_eq(memcmp(a, plain, lp), 0);
		/* libsrtp -> ours */
		lb = (int)lp;
		cr_assert_eq(srtp_protect(ref_tx, b, &lb), srtp_err_status_ok);
		la = (size_t)lb;
		cr_assert_eq(srtp_gcm_unprotect(rx, b, &la), 0, "seq %u", seq);
		cr_assert_eq(la, lp);
		cr_assert_eq(memcmp(b, plain, lp), 0);
	}
	srtp_gcm_free(tx);
	srtp_gcm_free(rx);
	srtp_dealloc(ref_tx);
	srtp_dealloc(ref_rx);
}

Test(srtp_gcm, protects_byte_for_byte_like_libsrtp_across_a_rollover)
{
	/* The fast method (srtp_gcm.c, gcm_cipher) is the one in use, */
	cr_assert(!srtp_gcm_uses_provider());
	check_protect_like_libsrtp();
}

Test(srtp_gcm, interoperates_with_libsrtp_both_ways)
{
	check_interop_with_libsrtp();
}

/* and OpenSSL's provider method, the fallback, gives the same bytes. Criterion runs each test
 * in a process of its own, so the variable is read at this test's first session. */
static void use_provider(void)
{
	setenv("LUMEN_SRTP_GCM_PROVIDER", "1", 1);
}

Test(srtp_gcm, the_provider_method_is_the_same_transform, .init = use_provider)
{
	cr_assert(srtp_gcm_uses_provider());
	check_protect_like_libsrtp();
	check_interop_with_libsrtp();
}

/* Protect packet `seq` of ssrc into buf; returns the protected length. */
static size_t protected_packet(struct srtp_gcm *tx, uint8_t *buf, uint16_t seq, uint32_t ssrc)
{
	size_t n = make_rtp(buf, seq, ssrc, 0, 1, 200);

	cr_assert_eq(srtp_gcm_protect(tx, buf, &n), 0);
	return n;
}

static int receive(struct srtp_gcm *rx, const uint8_t *pkt, size_t n)
{
	uint8_t copy[1400];

	memcpy(copy, pkt, n);
	return srtp_gcm_unprotect(rx, copy, &n);
}

Test(srtp_gcm, replay_window_refuses_repeats_and_packets_too_old)
{
	struct srtp_gcm *tx, *rx;
	static uint8_t pkts[2100][300];
	size_t len[2100];

	init_master();
	tx = srtp_gcm_new(master, false);
	rx = srtp_gcm_new(master, true);
	for (unsigned i = 0; i < 2100; i++)
		len[i] = protected_packet(tx, pkts[i], (uint16_t)(65000 + i), 7);
	cr_assert_eq(receive(rx, pkts[0], len[0]), 0);
	cr_assert_eq(receive(rx, pkts[0], len[0]), -EALREADY);
	/* Reordering inside the window, across the rollover. */
	cr_assert_eq(receive(rx, pkts[600], len[600]), 0);
	cr_assert_eq(receive(rx, pkts[300], len[300]), 0);
	cr_assert_eq(receive(rx, pkts[300], len[300]), -EALREADY);
	cr_assert_eq(receive(rx, pkts[600], len[600]), -EALREADY);
	/* Highest 2000: 977 is the oldest index in the window, 976 is out. */
	cr_assert_eq(receive(rx, pkts[2000], len[2000]), 0);
	cr_assert_eq(receive(rx, pkts[977], len[977]), 0);
	cr_assert_eq(receive(rx, pkts[976], len[976]), -EALREADY);
	/* Slots reused by the ring are fresh for the new indices: 1999 was never received. */
	cr_assert_eq(receive(rx, pkts[1999], len[1999]), 0);
	cr_assert_eq(receive(rx, pkts[2099], len[2099]), 0);
	/* A new highest exactly one window ahead shares its ring slot with the old highest. */
	{
		struct srtp_gcm *rx2 = srtp_gcm_new(master, true);

		cr_assert_eq(receive(rx2, pkts[10], len[10]), 0);
		cr_assert_eq(receive(rx2, pkts[10 + SRTP_GCM_WINDOW], len[10 + SRTP_GCM_WINDOW]), 0);
		cr_assert_eq(receive(rx2, pkts[11 + SRTP_GCM_WINDOW], len[11 + SRTP_GCM_WINDOW]), 0);
		cr_assert_eq(receive(rx2, pkts[10], len[10]), -EALREADY);
		srtp_gcm_free(rx2);
	}
	srtp_gcm_free(tx);
	srtp_gcm_free(rx);
}

Test(srtp_gcm, forged_packets_change_nothing)
{
	struct srtp_gcm *tx, *rx;
	uint8_t good[300], later[300], forged[300];
	size_t ng, nl;

	init_master();
	tx = srtp_gcm_new(master, false);
	rx = srtp_gcm_new(master, true);
	ng = protected_packet(tx, good, 100, 42);
	nl = protected_packet(tx, later, 101, 42);
	/* A forgery of the very packet to come: refused, and the real one still accepted. */
	memcpy(forged, good, ng);
	forged[ng - 1] ^= 1;
	cr_assert_eq(receive(rx, forged, ng), -EBADMSG);
	cr_assert_eq(receive(rx, good, ng), 0);
	/* A forgery far ahead (would move the window past 101 if it counted). */
	memcpy(forged, later, nl);
	forged[2] = 0x7f;
	cr_assert_eq(receive(rx, forged, nl), -EBADMSG);
	cr_assert_eq(receive(rx, later, nl), 0);
	/* Every bit of the header and payload is authenticated. */
	for (size_t i = 0; i < nl * 8; i += 5) {
		memcpy(forged, later, nl);
		forged[i / 8] ^= (uint8_t)(1u << (i % 8));
		cr_assert_neq(receive(rx, forged, nl), 0, "bit %zu", i);
	}
	/* A wrong key. */
	{
		uint8_t other[MASTER_LEN];
		struct srtp_gcm *rx2;

		memcpy(other, master, sizeof(other));
		other[0] ^= 1;
		rx2 = srtp_gcm_new(other, true);
		cr_assert_eq(receive(rx2, good, ng), -EBADMSG);
		srtp_gcm_free(rx2);
	}
	srtp_gcm_free(tx);
	srtp_gcm_free(rx);
}

Test(srtp_gcm, malformed_headers_are_refused)
{
	struct srtp_gcm *tx, *rx;
	uint8_t buf[300];
	size_t n;

	init_master();
	tx = srtp_gcm_new(master, false);
	rx = srtp_gcm_new(master, true);
	/* 15 CSRCs announced in a 40-byte packet. */
	n = make_rtp(buf, 1, 9, 0, 0, 28);
	buf[0] |= 0x0f;
	cr_assert_eq(srtp_gcm_protect(tx, buf, &n), -EINVAL);
	/* An extension whose length runs past the end. */
	n = make_rtp(buf, 1, 9, 0, 1, 4);
	buf[15] = 200;
	cr_assert_eq(srtp_gcm_protect(tx, buf, &n), -EINVAL);
	/* Version 1. */
	n = make_rtp(buf, 1, 9, 0, 0, 20);
	buf[0] = 0x40;
	cr_assert_eq(srtp_gcm_protect(tx, buf, &n), -EINVAL);
	/* Unprotect: shorter than a header plus a tag; a header reaching into the tag. */
	n = 12 + SRTP_GCM_TAG_LEN - 1;
	make_rtp(buf, 1, 9, 0, 0, 20);
	cr_assert_eq(srtp_gcm_unprotect(rx, buf, &n), -EINVAL);
	n = make_rtp(buf, 1, 9, 2, 0, 0) + 4; /* 2 CSRCs, then 20 of 16-byte tag + 4 */
	cr_assert_eq(srtp_gcm_unprotect(rx, buf, &n), -EINVAL);
	/* Wrong direction. */
	n = make_rtp(buf, 1, 9, 0, 0, 20);
	cr_assert_eq(srtp_gcm_unprotect(tx, buf, &n), -EINVAL);
	cr_assert_eq(srtp_gcm_protect(rx, buf, &n), -EINVAL);
	srtp_gcm_free(tx);
	srtp_gcm_free(rx);
}

Test(srtp_gcm, streams_are_capped)
{
	struct srtp_gcm *tx;
	uint8_t buf[300];
	size_t n;

	init_master();
	tx = srtp_gcm_new(master, false);
	for (uint32_t s = 0; s < SRTP_GCM_MAX_STREAMS; s++) {
		n = make_rtp(buf, 5, 1000 + s, 0, 0, 10);
		cr_assert_eq(srtp_gcm_protect(tx, buf, &n), 0, "ssrc %u", s);
	}
	n = make_rtp(buf, 5, 999, 0, 0, 10);
	cr_assert_eq(srtp_gcm_protect(tx, buf, &n), -EIO);
	/* Known SSRCs keep working. */
	n = make_rtp(buf, 6, 1000, 0, 0, 10);
	cr_assert_eq(srtp_gcm_protect(tx, buf, &n), 0);
	srtp_gcm_free(tx);
}

Test(srtp_gcm, protect_refuses_an_index_older_than_the_window)
{
	struct srtp_gcm *tx;
	uint8_t buf[300];

	init_master();
	tx = srtp_gcm_new(master, false);
	protected_packet(tx, buf, 3000, 1);
	protected_packet(tx, buf, 3000 - SRTP_GCM_WINDOW + 1, 1);
	{
		size_t n = make_rtp(buf, 3000 - SRTP_GCM_WINDOW, 1, 0, 0, 10);

		cr_assert_eq(srtp_gcm_protect(tx, buf, &n), -EALREADY);
	}
	srtp_gcm_free(tx);
}
