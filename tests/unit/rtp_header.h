/* rtp_header.h -- the rooms selector tests' packet builders share this: a minimal RTP header
 * (version 2, no padding, extension or CSRCs, marker clear) written into b[0..12). Header-only,
 * for tests. */
#ifndef LUMEN_TEST_RTP_HEADER_H
#define LUMEN_TEST_RTP_HEADER_H

#include <stdint.h>

static inline void test_rtp_header(uint8_t *b, uint8_t pt, uint16_t seq, uint32_t ts,
				   uint32_t ssrc)
{
	b[0] = 0x80;
	b[1] = pt;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = (uint8_t)(ts >> 24);
	b[5] = (uint8_t)(ts >> 16);
	b[6] = (uint8_t)(ts >> 8);
	b[7] = (uint8_t)ts;
	b[8] = (uint8_t)(ssrc >> 24);
	b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
}

#endif
