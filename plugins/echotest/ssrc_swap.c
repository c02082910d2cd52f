/* ssrc_swap.c -- SSRC involution over compound RTCP (see ssrc_swap.h). Layouts per RFC 3550
 * (SR, RR, SDES, BYE), RFC 4585 (feedback), RFC 5104 (FIR) and draft-alvestrand-rmcat-remb. */
#include "ssrc_swap.h"

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void swap_at(uint8_t *p)
{
	uint32_t v = echo_ssrc(rd32(p));

	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Report blocks: count of 24-byte blocks, SSRC first, from off. */
static int swap_blocks(uint8_t *p, size_t plen, size_t off, unsigned count)
{
	if (off + (size_t)count * 24 > plen)
		return -1;
	for (unsigned i = 0; i < count; i++)
		swap_at(p + off + (size_t)i * 24);
	return 0;
}

/* SDES: count chunks, each an SSRC then items up to a zero byte, padded to 32 bits. */
static int swap_sdes(uint8_t *p, size_t plen, unsigned count)
{
	size_t off = 4;

	for (unsigned c = 0; c < count; c++) {
		if (off + 4 > plen)
			return -1;
		swap_at(p + off);
		off += 4;
		while (off < plen && p[off] != 0) {
			if (off + 2 > plen || off + 2 + p[off + 1] > plen)
				return -1;
			off += 2 + (size_t)p[off + 1];
		}
		off = (off + 4) & ~(size_t)3; /* the end byte, then padding to a word */
	}
	return 0;
}

/* PSFB (206): FIR entries (FMT 4) carry SSRCs; REMB (FMT 15, "REMB") lists them. */
static int swap_psfb(uint8_t *p, size_t plen, unsigned fmt)
{
	if (fmt == 4) {
		for (size_t off = 12; off + 8 <= plen; off += 8)
			swap_at(p + off);
	} else if (fmt == 15 && plen >= 20 && p[12] == 'R' && p[13] == 'E' && p[14] == 'M' &&
		   p[15] == 'B') {
		unsigned n = p[16];
		if (20 + (size_t)n * 4 > plen)
			return -1;
		for (unsigned i = 0; i < n; i++)
			swap_at(p + 20 + (size_t)i * 4);
	}
	return 0;
}

int echo_swap_rtcp_ssrcs(uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		uint8_t *p = buf + off;
		size_t plen;
		unsigned count, pt;
		int rc = 0;

		if (len - off < 4 || (p[0] >> 6) != 2)
			return -1;
		plen = ((size_t)((p[2] << 8) | p[3]) + 1) * 4;
		if (plen > len - off)
			return -1;
		count = p[0] & 0x1f;
		pt = p[1];
		if (pt == 202) {
			rc = swap_sdes(p, plen, count);
		} else if (pt == 203) {
			if (4 + (size_t)count * 4 > plen)
				return -1;
			for (unsigned i = 0; i < count; i++)
				swap_at(p + 4 + (size_t)i * 4);
		} else if (pt >= 200 && pt <= 206 && plen >= 8) {
			swap_at(p + 4); /* sender SSRC */
			if (pt == 200)
				rc = swap_blocks(p, plen, 28, count);
			else if (pt == 201)
				rc = swap_blocks(p, plen, 8, count);
			else if ((pt == 205 || pt == 206) && plen >= 12) {
				swap_at(p + 8); /* media SSRC */
				if (pt == 206)
					rc = swap_psfb(p, plen, count);
			}
		}
		if (rc < 0)
			return -1;
		off += plen;
	}
	return 0;
}
