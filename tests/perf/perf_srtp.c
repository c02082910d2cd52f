/* perf_srtp.c -- micro-benchmark: nanoseconds per SRTP protect of a 1200-byte RTP packet, for
 * AEAD_AES_128_GCM and AES_CM_128_HMAC_SHA1_80 (DESIGN.md decision 4 prefers GCM for its cost).
 *
 * Run by hand (not part of `make check`): tests/perf/perf_srtp [packets]  (default 1000000).
 * Each packet gets the next sequence number, as a sender would; the buffer is reused, so the
 * figure is the cipher and authentication cost, not allocation or cache misses. CPU time is
 * printed next to wall time because a shared machine inflates the latter. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "webrtc/srtp.h"

#define PAYLOAD 1200

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int bench(enum lumen_srtp_profile profile, long packets)
{
	uint8_t key[LUMEN_SRTP_MASTER_MAX], pkt[12 + PAYLOAD + LUMEN_SRTP_TRAILER_MAX];
	struct lumen_srtp *tx;
	int64_t t0, t1, c0, c1;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 13 + 1);
	tx = lumen_srtp_new(profile, LUMEN_SRTP_OUTBOUND, key, lumen_srtp_master_len(profile));
	if (!tx) {
		fprintf(stderr, "cannot create %s session\n", lumen_srtp_profile_name(profile));
		return 1;
	}
	memset(pkt, 0xab, sizeof(pkt));
	pkt[0] = 0x80;
	pkt[1] = 96;
	memcpy(pkt + 8, "\x01\x02\x03\x04", 4);
	t0 = clock_ns(CLOCK_MONOTONIC);
	c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	for (long i = 0; i < packets; i++) {
		size_t len = 12 + PAYLOAD;

		pkt[2] = (uint8_t)(i >> 8);
		pkt[3] = (uint8_t)i;
		if (lumen_srtp_protect_rtp(tx, pkt, &len, sizeof(pkt)) != 0) {
			fprintf(stderr, "protect failed at packet %ld\n", i);
			lumen_srtp_free(tx);
			return 1;
		}
	}
	t1 = clock_ns(CLOCK_MONOTONIC);
	c1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	double ns = (double)(t1 - t0) / (double)packets;
	double cpu = (double)(c1 - c0) / (double)packets;
	printf("%-24s %8.1f ns/packet wall %8.1f ns/packet cpu  %6.2f Gbit/s cpu  "
	       "(%ld packets of %d bytes)\n",
	       lumen_srtp_profile_name(profile), ns, cpu, (12.0 + PAYLOAD) * 8 / cpu, packets,
	       12 + PAYLOAD);
	lumen_srtp_free(tx);
	return 0;
}

int main(int argc, char **argv)
{
	long packets = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;

	if (packets <= 0) {
		fprintf(stderr, "usage: %s [packets]\n", argv[0]);
		return 2;
	}
	return bench(LUMEN_SRTP_AEAD_AES_128_GCM, packets) |
	       bench(LUMEN_SRTP_AES128_CM_SHA1_80, packets);
}
