/* ssrc_swap.h -- the echotest's own SSRC space: media goes back to the client under
 * ssrc ^ ECHO_SSRC_XOR, never under the client's own SSRC (a receiver that sees its own SSRC
 * arriving treats it as a collision, RFC 3550 section 8.2, and drops it). XOR is its own inverse,
 * so applying it to every SSRC field of the client's RTCP turns reports about what it received
 * from us into reports about what it sent, and keyframe requests for our stream into requests
 * for its own sender. Pure functions on caller buffers; never read or write outside them. */
#ifndef LUMEN_ECHOTEST_SSRC_SWAP_H
#define LUMEN_ECHOTEST_SSRC_SWAP_H

#include <stddef.h>
#include <stdint.h>

#define ECHO_SSRC_XOR 0x5eca0001u

static inline uint32_t echo_ssrc(uint32_t ssrc)
{
	return ssrc ^ ECHO_SSRC_XOR;
}

/* Swaps every SSRC of the compound RTCP packet buf[0..len) in place: sender SSRCs, report
 * blocks, SDES chunks, BYE lists, feedback media SSRCs, FIR entries and REMB SSRC lists.
 * Returns 0, or -1 if the compound is malformed (then buf is left partly swapped and must not be
 * sent). */
int echo_swap_rtcp_ssrcs(uint8_t *buf, size_t len);

#endif
