/* demux.h -- classify a datagram arriving on the ICE port (RFC 7983) and sanity-check STUN.
 *
 * lumen_demux_classify() looks at the first byte (and, for RTP/RTCP, the second) and names the
 * protocol the packet belongs to; lumen_stun_check() verifies the STUN framing (RFC 5389:
 * header, magic cookie, length, attribute walk, MESSAGE-INTEGRITY and FINGERPRINT placement,
 * FINGERPRINT CRC) so garbage is dropped before libnice sees it. ICE itself is libnice's job.
 *
 * Pure functions over caller-owned buffers: no allocation, no logging, any thread. */
#ifndef LUMEN_WEBRTC_DEMUX_H
#define LUMEN_WEBRTC_DEMUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lumen_demux_class {
	LUMEN_DEMUX_UNKNOWN = 0,  /* empty, or a first byte RFC 7983 assigns to nobody: drop */
	LUMEN_DEMUX_STUN,         /* first byte 0..3 */
	LUMEN_DEMUX_ZRTP,         /* 16..19 (not used by WebRTC: drop) */
	LUMEN_DEMUX_DTLS,         /* 20..63 */
	LUMEN_DEMUX_TURN_CHANNEL, /* 64..79 (not used with ICE-lite: drop) */
	LUMEN_DEMUX_RTP,          /* 128..191 and second byte not in 192..223 */
	LUMEN_DEMUX_RTCP,         /* 128..191 and second byte (M bit + PT) in 192..223, RFC 5761 */
};

/* Classify buf[0..len). RTP and RTCP need at least 2 bytes (else UNKNOWN); the other classes
 * are decided on the first byte alone. Never reads outside buf[0..len). */
enum lumen_demux_class lumen_demux_classify(const uint8_t *buf, size_t len);

/* A short constant name for logs ("stun", "dtls", "rtp", ...). */
const char *lumen_demux_class_name(enum lumen_demux_class c);

#define LUMEN_STUN_HEADER_LEN   20
#define LUMEN_STUN_MAGIC_COOKIE 0x2112A442u

/* What lumen_stun_check() learned about a well-formed STUN message. */
struct lumen_stun_info {
	uint16_t type;        /* message type: method and class bits (0x0001 = Binding request) */
	uint16_t method;      /* method (0x001 = Binding) */
	uint8_t cls;          /* 0 request, 1 indication, 2 success response, 3 error response */
	uint16_t length;      /* body length from the header (== len - 20) */
	uint8_t txid[12];     /* transaction id */
	unsigned attr_count;  /* number of attributes walked */
	bool has_username;    /* USERNAME (0x0006) present */
	bool has_integrity;   /* MESSAGE-INTEGRITY (0x0008) present, 20-byte value */
	bool has_fingerprint; /* FINGERPRINT (0x8028) present, last, and its CRC-32 verified */
};

/* Check that buf[0..len) is exactly one well-formed STUN message and fill *info (may be NULL).
 * Returns 0, or:
 *   -EINVAL    shorter than the header; a type above 0x03FF (a first byte outside RFC 7983's
 *              0..3 for STUN); wrong magic cookie; length not a multiple of 4 or different
 *              from len - 20; or an attribute that overruns the message or has an impossible
 *              length (MESSAGE-INTEGRITY != 20, FINGERPRINT != 4);
 *   -EBADMSG   attributes after MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and
 *              FINGERPRINT, an attribute after FINGERPRINT, or a FINGERPRINT whose CRC is wrong.
 * The HMAC of MESSAGE-INTEGRITY is not checked here (libnice knows the passwords). */
int lumen_stun_check(struct lumen_stun_info *info, const uint8_t *buf, size_t len);

/* CRC-32 (ISO-HDLC, as in STUN FINGERPRINT before the XOR with 0x5354554e). */
uint32_t lumen_stun_crc32(const uint8_t *buf, size_t len);

#endif
