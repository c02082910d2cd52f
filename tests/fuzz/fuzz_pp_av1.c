/* fuzz_pp_av1.c -- lumen-pp's AV1 depacketizer over arbitrary packet sequences: never reads
 * outside a payload (each is copied to an exact-size allocation for ASan), never crashes, and a
 * temporal unit it hands out is well formed: a temporal delimiter first, then OBUs whose size
 * fields add up to the unit's length exactly.
 * Input: records of [flags][length][payload...]; flags bit 0 = marker, bit 1 = discont. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pp_av1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_unit(const struct lumen_pp_av1 *d)
{
	size_t pos = 0;

	if (d->tu_len < 2 || d->tu[0] != 0x12 || d->tu[1] != 0x00)
		abort();
	while (pos < d->tu_len) {
		size_t h = (d->tu[pos] & 0x04) ? 2 : 1, k;
		uint32_t n;

		if (!(d->tu[pos] & 0x02) || pos + h > d->tu_len)
			abort(); /* every OBU carries its size */
		k = lumen_pp_av1_leb128(d->tu + pos + h, d->tu_len - pos - h, &n);
		if (!k || n > d->tu_len - pos - h - k)
			abort();
		pos += h + k + n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lumen_pp_av1 d;
	size_t pos = 0;

	lumen_pp_av1_init(&d);
	while (pos + 2 <= size) {
		uint8_t flags = data[pos], len = data[pos + 1];
		uint8_t *p;

		pos += 2;
		if (len > size - pos)
			len = (uint8_t)(size - pos);
		p = malloc(len ? len : 1);
		if (!p)
			break;
		memcpy(p, data + pos, len);
		pos += len;
		if (lumen_pp_av1_push(&d, p, len, flags & 1, flags & 2) == 1)
			check_unit(&d);
		free(p);
	}
	lumen_pp_av1_fini(&d);
	return 0;
}
