/* demux.c -- RFC 7983 first-byte classification and a STUN framing sanity check (RFC 5389).
 *
 * Nothing here parses STUN semantics (ICE attributes, credentials): libnice does. The check only
 * proves the datagram is framed like a STUN message, so junk on the ICE port is dropped early.
 * Pure functions, no allocation, any thread. */
#include <errno.h>
#include <string.h>

#include "webrtc/demux.h"

#define ATTR_USERNAME          0x0006
#define ATTR_MESSAGE_INTEGRITY 0x0008
#define ATTR_MI_SHA256         0x001C
#define ATTR_FINGERPRINT       0x8028
#define FINGERPRINT_XOR        0x5354554Eu

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum lumen_demux_class lumen_demux_classify(const uint8_t *buf, size_t len)
{
	uint8_t b;

	if (len == 0)
		return LUMEN_DEMUX_UNKNOWN;
	b = buf[0];
	if (b <= 3)
		return LUMEN_DEMUX_STUN;
	if (b >= 16 && b <= 19)
		return LUMEN_DEMUX_ZRTP;
	if (b >= 20 && b <= 63)
		return LUMEN_DEMUX_DTLS;
	if (b >= 64 && b <= 79)
		return LUMEN_DEMUX_TURN_CHANNEL;
	if (b >= 128 && b <= 191) {
		if (len < 2)
			return LUMEN_DEMUX_UNKNOWN;
		/* RFC 5761 section 4: RTCP packet types 192..223 never collide with RTP payload
		 * types once the marker bit is counted in, so the whole second byte decides. */
		if (buf[1] >= 192 && buf[1] <= 223)
			return LUMEN_DEMUX_RTCP;
		return LUMEN_DEMUX_RTP;
	}
	return LUMEN_DEMUX_UNKNOWN;
}

const char *lumen_demux_class_name(enum lumen_demux_class c)
{
	switch (c) {
	case LUMEN_DEMUX_STUN:
		return "stun";
	case LUMEN_DEMUX_ZRTP:
		return "zrtp";
	case LUMEN_DEMUX_DTLS:
		return "dtls";
	case LUMEN_DEMUX_TURN_CHANNEL:
		return "turn-channel";
	case LUMEN_DEMUX_RTP:
		return "rtp";
	case LUMEN_DEMUX_RTCP:
		return "rtcp";
	case LUMEN_DEMUX_UNKNOWN:
		break;
	}
	return "unknown";
}

/* Reflected CRC-32 (polynomial 0xEDB88320), one nibble at a time: a 16-entry table is enough
 * for the few hundred bytes of a STUN message. */
uint32_t lumen_stun_crc32(const uint8_t *buf, size_t len)
{
	static const uint32_t nib[16] = {
	    0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4,
	    0x4DB26158, 0x5005713C, 0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C,
	    0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C,
	};
	uint32_t crc = 0xFFFFFFFFu;

	for (size_t i = 0; i < len; i++) {
		crc ^= buf[i];
		crc = (crc >> 4) ^ nib[crc & 0xF];
		crc = (crc >> 4) ^ nib[crc & 0xF];
	}
	return crc ^ 0xFFFFFFFFu;
}

static int check_header(struct lumen_stun_info *info, const uint8_t *buf, size_t len)
{
	uint16_t type, mlen;

	if (len < LUMEN_STUN_HEADER_LEN)
		return -EINVAL;
	type = rd16(buf);
	mlen = rd16(buf + 2);
	/* RFC 7983 reserves first bytes 0..3 for STUN: a type above 0x03FF is not ours to pass. */
	if (type > 0x03FF)
		return -EINVAL;
	if (rd32(buf + 4) != LUMEN_STUN_MAGIC_COOKIE)
		return -EINVAL;
	if (mlen % 4 != 0 || (size_t)mlen != len - LUMEN_STUN_HEADER_LEN)
		return -EINVAL;
	info->type = type;
	/* The class bits C1 C0 sit at bits 8 and 4; the method is the remaining 12 bits. */
	info->cls = (uint8_t)(((type >> 7) & 0x2) | ((type >> 4) & 0x1));
	info->method =
	    (uint16_t)((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
	info->length = mlen;
	memcpy(info->txid, buf + 8, sizeof(info->txid));
	return 0;
}

/* Walk the attributes. After MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may
 * follow (RFC 8489 section 14.5); FINGERPRINT must be last (RFC 5389 section 15.5). */
static int walk_attributes(struct lumen_stun_info *info, const uint8_t *buf, size_t len)
{
	size_t off = LUMEN_STUN_HEADER_LEN;

	while (off < len) {
		uint16_t atype, alen;
		size_t padded;

		if (len - off < 4)
			return -EINVAL;
		atype = rd16(buf + off);
		alen = rd16(buf + off + 2);
		padded = ((size_t)alen + 3) & ~(size_t)3;
		if (padded > len - off - 4)
			return -EINVAL;
		if (info->has_fingerprint)
			return -EBADMSG;
		if (info->has_integrity && atype != ATTR_MI_SHA256 && atype != ATTR_FINGERPRINT)
			return -EBADMSG;
		switch (atype) {
		case ATTR_USERNAME:
			info->has_username = true;
			break;
		case ATTR_MESSAGE_INTEGRITY:
			if (alen != 20)
				return -EINVAL;
			info->has_integrity = true;
			break;
		case ATTR_FINGERPRINT:
			if (alen != 4)
				return -EINVAL;
			if ((lumen_stun_crc32(buf, off) ^ FINGERPRINT_XOR) != rd32(buf + off + 4))
				return -EBADMSG;
			info->has_fingerprint = true;
			break;
		default:
			break;
		}
		info->attr_count++;
		off += 4 + padded;
	}
	return 0;
}

int lumen_stun_check(struct lumen_stun_info *out, const uint8_t *buf, size_t len)
{
	struct lumen_stun_info info;
	int rc;

	memset(&info, 0, sizeof(info));
	rc = check_header(&info, buf, len);
	if (rc == 0)
		rc = walk_attributes(&info, buf, len);
	if (rc == 0 && out)
		*out = info;
	return rc;
}
