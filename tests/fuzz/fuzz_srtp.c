/* fuzz_srtp.c -- libFuzzer target for the SRTP AEAD_AES_128_GCM RTP transform
 * (src/webrtc/srtp_gcm.c).
 *
 * Input: byte 0 picks a mode, the rest is a datagram.
 *   - Unprotect the datagram as received SRTP, twice: it must never crash or read outside it, a
 *     packet that authenticates must shrink by exactly the tag, and the same bytes again must
 *     be refused as a replay (forged input never authenticates, so this mostly checks refusal).
 *   - Protect the datagram as RTP and unprotect the result with the matching inbound session:
 *     whatever protect accepts must come back byte for byte, and any one flipped bit of the
 *     protected packet must be refused.
 * The sessions live across inputs, so stream tables, rollover counters and windows accumulate
 * state the way a long-running peer connection does. */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webrtc/srtp_gcm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PKT 2048

static struct srtp_gcm *tx, *rx, *rx_plain;

/* Say which oracle failed before the abort the fuzzer reports. */
static void fail(const char *what, int rc)
{
	fprintf(stderr, "fuzz_srtp: %s (rc %d)\n", what, rc);
	abort();
}

static void init(void)
{
	uint8_t master[SRTP_GCM_KEY_LEN + SRTP_GCM_SALT_LEN];

	if (tx)
		return;
	for (size_t i = 0; i < sizeof(master); i++)
		master[i] = (uint8_t)(0xa5 ^ i);
	tx = srtp_gcm_new(master, false);
	rx = srtp_gcm_new(master, true);
	rx_plain = srtp_gcm_new(master, true);
	if (!tx || !rx || !rx_plain)
		abort();
}

static void unprotect_raw(const uint8_t *data, size_t size)
{
	uint8_t buf[MAX_PKT];
	size_t n = size;
	int rc;

	memcpy(buf, data, size);
	rc = srtp_gcm_unprotect(rx_plain, buf, &n);
	if (rc == 0) {
		if (n + SRTP_GCM_TAG_LEN != size)
			fail("authenticated packet did not shrink by the tag", rc);
		memcpy(buf, data, size);
		n = size;
		rc = srtp_gcm_unprotect(rx_plain, buf, &n);
		if (rc != -EALREADY)
			fail("the same packet twice was not a replay", rc);
	} else if (rc != -EINVAL && rc != -EBADMSG && rc != -EALREADY && rc != -EIO &&
	           rc != -EKEYEXPIRED) {
		fail("unexpected unprotect error", rc);
	}
}

static void round_trip(const uint8_t *data, size_t size)
{
	uint8_t buf[MAX_PKT + SRTP_GCM_TAG_LEN], copy[MAX_PKT + SRTP_GCM_TAG_LEN];
	size_t n = size, m;
	int rc;

	if (size < 12)
		return;
	memcpy(buf, data, size);
	rc = srtp_gcm_protect(tx, buf, &n);
	if (rc != 0) {
		if (rc != -EINVAL && rc != -EALREADY && rc != -EIO && rc != -EKEYEXPIRED)
			fail("unexpected protect error", rc);
		return;
	}
	if (n != size + SRTP_GCM_TAG_LEN)
		fail("protect did not append the tag", 0);
	/* One flipped bit, chosen by the data, must be refused without moving the window. */
	memcpy(copy, buf, n);
	copy[data[size - 1] % n] ^= (uint8_t)(1u << (data[size / 2] % 8));
	m = n;
	if (srtp_gcm_unprotect(rx, copy, &m) == 0)
		fail("a flipped bit authenticated", 0);
	m = n;
	rc = srtp_gcm_unprotect(rx, buf, &m);
	/* A repeated sequence number (the input repeats one) is a replay for the receiver. */
	if (rc == -EALREADY || rc == -EIO)
		return;
	if (rc != 0)
		fail("protect -> unprotect failed", rc);
	if (m != size || memcmp(buf, data, size) != 0)
		fail("protect -> unprotect changed the packet", 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size - 1 > MAX_PKT)
		return 0;
	init();
	if (data[0] & 1)
		round_trip(data + 1, size - 1);
	else
		unprotect_raw(data + 1, size - 1);
	return 0;
}
