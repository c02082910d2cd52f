/* test_echotest_ssrc.c -- the echotest's SSRC involution over compound RTCP: every SSRC field of
 * SR, RR, SDES, BYE, PLI, FIR and REMB is swapped, nothing else changes, swapping twice restores
 * the packet, and a malformed compound is refused. */
#include <criterion/criterion.h>
#include <string.h>

#include "ssrc_swap.h"

static void w32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t r32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* SR(1 block) + SDES(1 chunk, CNAME "ab") + BYE(1) + PLI + FIR(1) + REMB(2). Offsets of every
 * SSRC field are recorded in ssrc_at. */
static size_t build(uint8_t *b, size_t *ssrc_at, size_t *n)
{
	size_t o = 0;
	*n = 0;
	/* SR: V=2 RC=1, PT 200, length 12 words - 1 = 12 (52 bytes) */
	b[o] = 0x81; b[o + 1] = 200; b[o + 2] = 0; b[o + 3] = 12;
	w32(b + o + 4, 0x11111111); ssrc_at[(*n)++] = o + 4;
	memset(b + o + 8, 0x77, 20); /* NTP, RTP ts, counts */
	w32(b + o + 28, 0x22222222); ssrc_at[(*n)++] = o + 28;
	memset(b + o + 32, 0x55, 20);
	o += 52;
	/* SDES: SC=1, chunk SSRC, CNAME(1) len 2 "ab", end, pad -> 12 bytes after header */
	b[o] = 0x81; b[o + 1] = 202; b[o + 2] = 0; b[o + 3] = 3;
	w32(b + o + 4, 0x33333333); ssrc_at[(*n)++] = o + 4;
	b[o + 8] = 1; b[o + 9] = 2; b[o + 10] = 'a'; b[o + 11] = 'b';
	b[o + 12] = 0; b[o + 13] = 0; b[o + 14] = 0; b[o + 15] = 0;
	o += 16;
	/* BYE with one SSRC */
	b[o] = 0x81; b[o + 1] = 203; b[o + 2] = 0; b[o + 3] = 1;
	w32(b + o + 4, 0x44444444); ssrc_at[(*n)++] = o + 4;
	o += 8;
	/* PLI: FMT 1, PT 206 */
	b[o] = 0x81; b[o + 1] = 206; b[o + 2] = 0; b[o + 3] = 2;
	w32(b + o + 4, 0x55555555); ssrc_at[(*n)++] = o + 4;
	w32(b + o + 8, 0x66666666); ssrc_at[(*n)++] = o + 8;
	o += 12;
	/* FIR: FMT 4, one entry (SSRC, seq nr, reserved) */
	b[o] = 0x84; b[o + 1] = 206; b[o + 2] = 0; b[o + 3] = 4;
	w32(b + o + 4, 0x77777777); ssrc_at[(*n)++] = o + 4;
	w32(b + o + 8, 0); /* media SSRC field, unused by FIR: swapped like any other */
	ssrc_at[(*n)++] = o + 8;
	w32(b + o + 12, 0x88888888); ssrc_at[(*n)++] = o + 12;
	b[o + 16] = 9; b[o + 17] = b[o + 18] = b[o + 19] = 0;
	o += 20;
	/* REMB: FMT 15, "REMB", num 2, exp/mantissa, two SSRCs */
	b[o] = 0x8f; b[o + 1] = 206; b[o + 2] = 0; b[o + 3] = 6;
	w32(b + o + 4, 0x99999999); ssrc_at[(*n)++] = o + 4;
	w32(b + o + 8, 0); ssrc_at[(*n)++] = o + 8;
	memcpy(b + o + 12, "REMB", 4);
	b[o + 16] = 2; b[o + 17] = 0x04; b[o + 18] = 0x00; b[o + 19] = 0x10;
	w32(b + o + 20, 0xaaaaaaaa); ssrc_at[(*n)++] = o + 20;
	w32(b + o + 24, 0xbbbbbbbb); ssrc_at[(*n)++] = o + 24;
	o += 28;
	return o;
}

Test(echo_ssrc, swaps_every_ssrc_field_and_nothing_else)
{
	uint8_t b[256], orig[256];
	size_t at[32], n, len = build(b, at, &n);

	memcpy(orig, b, len);
	cr_assert_eq(echo_swap_rtcp_ssrcs(b, len), 0);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(r32(b + at[i]), r32(orig + at[i]) ^ ECHO_SSRC_XOR, "field at %zu", at[i]);
		memcpy(b + at[i], orig + at[i], 4);
	}
	cr_assert_eq(memcmp(b, orig, len), 0, "no other byte changed");
}

Test(echo_ssrc, swapping_twice_restores_the_packet)
{
	uint8_t b[256], orig[256];
	size_t at[32], n, len = build(b, at, &n);

	memcpy(orig, b, len);
	cr_assert_eq(echo_swap_rtcp_ssrcs(b, len), 0);
	cr_assert_eq(echo_swap_rtcp_ssrcs(b, len), 0);
	cr_assert_eq(memcmp(b, orig, len), 0);
	cr_assert_eq(echo_ssrc(echo_ssrc(0xdeadbeef)), 0xdeadbeef);
	cr_assert_neq(echo_ssrc(0xdeadbeef), 0xdeadbeef);
}

Test(echo_ssrc, malformed_compounds_are_refused)
{
	uint8_t b[256];
	size_t at[32], n, len = build(b, at, &n);

	for (size_t cut = 1; cut < len; cut++) {
		uint8_t c[256];
		memcpy(c, b, len);
		/* Cutting inside a packet leaves a length that runs past the end. */
		if (cut == 52 || cut == 68 || cut == 76 || cut == 88 || cut == 108)
			continue; /* cuts on packet boundaries are valid, shorter compounds */
		cr_assert_eq(echo_swap_rtcp_ssrcs(c, cut), -1, "cut at %zu", cut);
	}
	b[0] = 0x41; /* version 1 */
	cr_assert_eq(echo_swap_rtcp_ssrcs(b, len), -1);
}
