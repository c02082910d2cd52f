/* fuzz_echo_rtcp.c -- the echotest's RTCP SSRC swap over arbitrary compounds: never reads or
 * writes outside the buffer (ASan) and, whenever it accepts a compound, swapping twice restores
 * it byte for byte (the involution oracle) and changes only whole 32-bit fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssrc_swap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);

	if (!p)
		return 0;
	memcpy(p, data, size);
	if (echo_swap_rtcp_ssrcs(p, size) == 0) {
		if (echo_swap_rtcp_ssrcs(p, size) != 0 || memcmp(p, data, size) != 0)
			abort(); /* accepted once, so it must be accepted again and restored */
	}
	free(p);
	return 0;
}
