/* fuzz_demux.c -- libFuzzer target for the RFC 7983 classifier and the STUN framing check
 * (src/webrtc/demux.c).
 *
 * Oracles: the class depends on the first two bytes only; a message the STUN check accepts is
 * classified as STUN, its header fields match the bytes, and a FINGERPRINT it reports really
 * carries the CRC of what precedes it. A valid message stays valid after a correct FINGERPRINT
 * is appended, and any truncation of it is rejected. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webrtc/demux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_classes(const uint8_t *data, size_t size)
{
	enum lumen_demux_class c = lumen_demux_classify(data, size);

	if (size >= 2 && lumen_demux_classify(data, 2) != c)
		abort();
	if (size == 0 && c != LUMEN_DEMUX_UNKNOWN)
		abort();
	if (!lumen_demux_class_name(c))
		abort();
}

/* Append a FINGERPRINT to an accepted message without one: must stay accepted. */
static void check_with_fingerprint(const uint8_t *data, size_t size)
{
	uint8_t *m = malloc(size + 8);
	size_t body = size + 8 - LUMEN_STUN_HEADER_LEN;
	uint32_t crc;
	struct lumen_stun_info info;

	if (!m)
		abort();
	memcpy(m, data, size);
	m[2] = (uint8_t)(body >> 8);
	m[3] = (uint8_t)body;
	crc = lumen_stun_crc32(m, size) ^ 0x5354554Eu;
	m[size] = 0x80;
	m[size + 1] = 0x28;
	m[size + 2] = 0;
	m[size + 3] = 4;
	m[size + 4] = (uint8_t)(crc >> 24);
	m[size + 5] = (uint8_t)(crc >> 16);
	m[size + 6] = (uint8_t)(crc >> 8);
	m[size + 7] = (uint8_t)crc;
	if (body <= 0xFFFF) {
		if (lumen_stun_check(&info, m, size + 8) != 0 || !info.has_fingerprint)
			abort();
		/* every truncation of a valid message is rejected */
		for (size_t n = 0; n < size + 8; n++)
			if (lumen_stun_check(NULL, m, n) == 0)
				abort();
	}
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lumen_stun_info info;
	int rc;

	check_classes(data, size);
	rc = lumen_stun_check(&info, data, size);
	if (rc != 0) {
		if (rc != -EINVAL && rc != -EBADMSG)
			abort();
		return 0;
	}
	if (lumen_demux_classify(data, size) != LUMEN_DEMUX_STUN)
		abort();
	if (info.length != size - LUMEN_STUN_HEADER_LEN || info.length % 4 != 0)
		abort();
	if (info.type != (uint16_t)(data[0] << 8 | data[1]) || memcmp(info.txid, data + 8, 12))
		abort();
	if (info.cls > 3 || info.method > 0xFFF)
		abort();
	if (info.has_fingerprint) {
		size_t at = size - 8;
		uint32_t want = lumen_stun_crc32(data, at) ^ 0x5354554Eu;
		uint32_t got = (uint32_t)data[at + 4] << 24 | (uint32_t)data[at + 5] << 16 |
		               (uint32_t)data[at + 6] << 8 | data[at + 7];

		if (data[at] != 0x80 || data[at + 1] != 0x28 || want != got)
			abort();
	} else {
		check_with_fingerprint(data, size);
	}
	return 0;
}
