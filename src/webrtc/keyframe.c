/* keyframe.c -- keyframe detection from RTP payload headers (see keyframe.h). */
#include "webrtc/keyframe.h"

#include <glib.h>

enum lumen_codec lumen_codec_from_name(const char *name)
{
	static const struct {
		const char *name;
		enum lumen_codec codec;
	} names[] = {
		{ "opus", LUMEN_CODEC_OPUS }, { "VP8", LUMEN_CODEC_VP8 }, { "VP9", LUMEN_CODEC_VP9 },
		{ "H264", LUMEN_CODEC_H264 }, { "AV1", LUMEN_CODEC_AV1 }, { "rtx", LUMEN_CODEC_RTX },
	};

	if (!name)
		return LUMEN_CODEC_UNKNOWN;
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_ascii_strcasecmp(name, names[i].name) == 0)
			return names[i].codec;
	return LUMEN_CODEC_UNKNOWN;
}

/* RFC 7741 section 4.2: skip the payload descriptor; the VP8 payload header's P bit (bit 0 of
 * its first byte) is 0 for a keyframe, and only the first partition's start (S=1, PID=0) has it. */
static bool vp8(const uint8_t *p, size_t n)
{
	size_t off = 1;

	if (n < 1 || !(p[0] & 0x10) || (p[0] & 0x07) != 0)
		return false;
	if (p[0] & 0x80) { /* X: extension byte */
		uint8_t x;
		if (n < 2)
			return false;
		x = p[1];
		off = 2;
		if (x & 0x80) { /* I: picture id, 7 or 15 bits */
			if (n <= off)
				return false;
			off += (p[off] & 0x80) ? 2 : 1;
		}
		if (x & 0x40) /* L: TL0PICIDX */
			off++;
		if (x & 0x30) /* T or K: TID/Y/KEYIDX */
			off++;
	}
	return off < n && (p[off] & 0x01) == 0;
}

/* RFC 9628 section 4.2: first byte I|P|L|F|B|E|V|Z. A keyframe's first packet starts a frame (B)
 * that is not inter-picture predicted (P=0); with spatial layers (L), only layer 0 counts. */
static bool vp9(const uint8_t *p, size_t n)
{
	size_t off = 1;

	if (n < 1 || (p[0] & 0x40) || !(p[0] & 0x08))
		return false;
	if (p[0] & 0x80) { /* I: picture id */
		if (n <= off)
			return false;
		off += (p[off] & 0x80) ? 2 : 1;
	}
	if (p[0] & 0x20) { /* L: layer indices, spatial id in bits 3..1 */
		if (n <= off)
			return false;
		if ((p[off] >> 1) & 0x07)
			return false;
	}
	return true;
}

static bool h264_nal_key(uint8_t type)
{
	return type == 5 || type == 7; /* IDR slice, or the SPS sent just before one */
}

/* RFC 6184 section 5.4: single NAL unit, STAP-A (24) aggregating NALs each behind a 16-bit size,
 * or FU-A (28) whose start fragment (S bit) carries the NAL type in its FU header. */
static bool h264(const uint8_t *p, size_t n)
{
	uint8_t type;

	if (n < 1)
		return false;
	type = p[0] & 0x1f;
	if (type >= 1 && type <= 23)
		return h264_nal_key(type);
	if (type == 24) {
		size_t off = 1;
		while (off + 2 < n) {
			size_t sz = ((size_t)p[off] << 8) | p[off + 1];
			if (sz == 0 || off + 2 + sz > n)
				return false;
			if (h264_nal_key(p[off + 2] & 0x1f))
				return true;
			off += 2 + sz;
		}
		return false;
	}
	if (type == 28)
		return n >= 2 && (p[1] & 0x80) && h264_nal_key(p[1] & 0x1f);
	return false;
}

/* AV1 RTP spec 4.4: aggregation header Z|Y|W W|N|-|-|-; N=1 marks the first packet of a coded
 * video sequence, which starts with a keyframe. */
static bool av1(const uint8_t *p, size_t n)
{
	return n >= 2 && (p[0] & 0x08) && !(p[0] & 0x80);
}

bool lumen_keyframe_start(enum lumen_codec codec, const uint8_t *payload, size_t len)
{
	if (!payload)
		return false;
	switch (codec) {
	case LUMEN_CODEC_VP8:
		return vp8(payload, len);
	case LUMEN_CODEC_VP9:
		return vp9(payload, len);
	case LUMEN_CODEC_H264:
		return h264(payload, len);
	case LUMEN_CODEC_AV1:
		return av1(payload, len);
	default:
		return false;
	}
}
