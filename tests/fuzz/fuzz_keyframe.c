/* fuzz_keyframe.c -- keyframe detection over arbitrary payloads for every codec: never reads
 * outside the buffer (ASan), never crashes, and is a pure function (same answer twice). The
 * first byte picks the codec, the rest is the payload, copied to an exact-size allocation so
 * any overread is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webrtc/keyframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum lumen_codec codec;
	uint8_t *p;
	bool a, b;

	if (size < 1)
		return 0;
	codec = (enum lumen_codec)(data[0] % (LUMEN_CODEC_RTX + 1));
	p = malloc(size - 1 ? size - 1 : 1);
	if (!p)
		return 0;
	memcpy(p, data + 1, size - 1);
	a = lumen_keyframe_start(codec, p, size - 1);
	b = lumen_keyframe_start(codec, p, size - 1);
	if (a != b)
		abort(); /* not a pure function */
	free(p);
	return 0;
}
