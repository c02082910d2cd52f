/* fuzz_nominate.c -- libFuzzer target for the test of an ICE-lite agent's nominating check
 * (src/webrtc/nominate.c), which reads datagrams from anyone before libnice does.
 *
 * Oracles: an accepted input is a Binding request (type 0x0001, the magic cookie); it is
 * refused once any byte is dropped from its end, or with its last byte (FINGERPRINT's) or any
 * byte of its header changed; and it is refused for an agent with other credentials. Seeds:
 * tests/fuzz/gen_nominate_seeds.py (the same credentials). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webrtc/nominate.h"

#define UFRAG "fuzz"
#define PWD "fuzz-password-0123456789"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (!lumen_nominate_check(data, size, UFRAG, PWD))
		return 0;
	if (size < 20 || data[0] != 0 || data[1] != 1 ||
	    memcmp(data + 4, "\x21\x12\xa4\x42", 4) != 0)
		abort();
	if (lumen_nominate_check(data, size - 1, UFRAG, PWD) ||
	    lumen_nominate_check(data, size, "fuzy", PWD) ||
	    lumen_nominate_check(data, size, UFRAG, "fuzz-password-0123456780"))
		abort();
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	for (size_t i = 0; i < 20; i++) {
		copy[i] ^= 0x40;
		if (lumen_nominate_check(copy, size, UFRAG, PWD))
			abort();
		copy[i] ^= 0x40;
	}
	copy[size - 1] ^= 1;
	if (lumen_nominate_check(copy, size, UFRAG, PWD))
		abort();
	free(copy);
	return 0;
}
