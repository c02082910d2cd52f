/* rtp.h -- parse and build RTP headers (RFC 3550, RFC 8285 header extensions).
 *
 * A struct lumen_rtp is a view into a caller-owned buffer: parsing never allocates, copies the
 * payload, or logs. Rewrites (seq, timestamp, SSRC, payload type, marker, extension values) are
 * done in place on the caller's buffer. Pure functions, any thread. */
#ifndef LUMEN_WEBRTC_RTP_H
#define LUMEN_WEBRTC_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "webrtc/bytes.h"

#define LUMEN_RTP_HEADER_LEN 12
#define LUMEN_RTP_MAX_CSRC   15
/* RFC 8285 header extension profiles ("defined by profile" field). */
#define LUMEN_RTP_EXT_ONE_BYTE 0xBEDE
#define LUMEN_RTP_EXT_TWO_BYTE 0x1000 /* low 4 bits are "appbits", ignored */

/* A parsed RTP packet. Offsets are into buf; all of buf[0..len) was checked by the parser. */
struct lumen_rtp {
	const uint8_t *buf;
	size_t len;
	bool marker;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint8_t cc;           /* CSRC count, read them with lumen_rtp_csrc() */
	bool has_ext;         /* X bit */
	uint16_t ext_profile; /* "defined by profile" when has_ext */
	size_t ext_off;       /* offset of the extension body (after its 4-byte header) */
	size_t ext_len;       /* extension body length in bytes (multiple of 4) */
	size_t payload_off;
	size_t payload_len; /* excludes padding */
	uint8_t pad_len;    /* padding bytes at the end, including the count byte; 0 if none */
};

/* One header extension element: a view into the packet (parse) or caller data (write). */
struct lumen_rtp_ext {
	uint8_t id;
	uint8_t len;
	const uint8_t *data;
};

/* What lumen_rtp_write() builds: the fixed header fields. */
struct lumen_rtp_hdr {
	bool marker;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint8_t cc;
	uint32_t csrc[LUMEN_RTP_MAX_CSRC];
};

/* Parse buf[0..len). Returns 0, or -EINVAL if buf is not well-formed RTP (version 2, lengths,
 * padding and, for RFC 8285 profiles, every extension element consistent; then *pkt is
 * unspecified). Never reads outside buf[0..len). It does not tell RTP from multiplexed RTCP:
 * demultiplex first (RFC 5761 section 4, payload types 64-95 are RTCP). */
int lumen_rtp_parse(struct lumen_rtp *pkt, const uint8_t *buf, size_t len);

/* A parse kept for reuse. A relay hands one received packet to the send path once per
 * subscriber, which parsed the same bytes every time (about 110 instructions a copy in
 * callgrind). The parse is a function of the length, the bytes before the payload and the last
 * byte (the padding count) only, so when all of those match the kept parse it is the parse.
 * Headers longer than LUMEN_RTP_MEMO_MAX are parsed every time. Zero-initialise; one thread. */
#define LUMEN_RTP_MEMO_MAX 64
struct lumen_rtp_memo {
	size_t len;  /* 0: empty */
	size_t head; /* bytes compared: the kept parse's payload_off */
	uint8_t last;
	uint8_t bytes[LUMEN_RTP_MEMO_MAX];
	struct lumen_rtp pkt;
};

/* lumen_rtp_parse(pkt, buf, len), answered from m when it can be and remembered in m when it
 * succeeds. Same results, same contract. */
int lumen_rtp_parse_memo(struct lumen_rtp_memo *m, struct lumen_rtp *pkt, const uint8_t *buf,
			 size_t len);

static inline uint32_t lumen_rtp_csrc(const struct lumen_rtp *pkt, unsigned i)
{
	return rd32be(pkt->buf + LUMEN_RTP_HEADER_LEN + 4 * i);
}

static inline const uint8_t *lumen_rtp_payload(const struct lumen_rtp *pkt)
{
	return pkt->buf + pkt->payload_off;
}

/* Iterates RFC 8285 extension elements; *pos starts at 0. Returns 1 and fills *ext, 0 when there
 * are no more (or the profile is not an RFC 8285 one). Padding is skipped; an id 15 in the
 * one-byte form ends the list, as RFC 8285 section 4.2 requires. */
int lumen_rtp_ext_next(const struct lumen_rtp *pkt, size_t *pos, struct lumen_rtp_ext *ext);

/* Finds the first element with this id. Returns 0 and fills *ext, or -ENOENT. */
int lumen_rtp_ext_find(const struct lumen_rtp *pkt, uint8_t id, struct lumen_rtp_ext *ext);

/* Overwrites the value of extension id in place in buf (the buffer pkt was parsed from) with
 * data[0..len), which must have the element's current length. Returns 0, -ENOENT, or -EINVAL
 * (length differs). */
int lumen_rtp_ext_rewrite(uint8_t *buf, const struct lumen_rtp *pkt, uint8_t id,
                          const uint8_t *data, size_t len);

/* Builds a packet into buf[0..cap): header, CSRCs, the n_ext extensions (one-byte form when
 * every id is 1..14 and every length 1..16, else two-byte form; ids must be 1..255, lengths
 * 0..255), payload and pad_len bytes of padding (0 or 1..255). Returns the packet length,
 * -ENOSPC if cap is too small, or -EINVAL for bad arguments. */
ssize_t lumen_rtp_write(uint8_t *buf, size_t cap, const struct lumen_rtp_hdr *hdr,
                        const struct lumen_rtp_ext *ext, size_t n_ext, const uint8_t *payload,
                        size_t payload_len, uint8_t pad_len);

/* Rebuilds the packet pkt (parsed from buf, len bytes, cap bytes of storage) in place with the
 * extension (id, data[0..dlen)) added, or its value replaced if id exists. Other elements and
 * the payload are kept; padding is dropped. data must not point into buf. Returns the new length,
 * -ENOSPC, or -EINVAL (too many elements, or a non-RFC 8285 extension profile). */
ssize_t lumen_rtp_ext_add(uint8_t *buf, size_t cap, const struct lumen_rtp *pkt, uint8_t id,
                          const uint8_t *data, size_t dlen);

/* In-place rewrites of the fixed header. buf must hold a parsed packet (>= 12 bytes). */
static inline void lumen_rtp_set_seq(uint8_t *buf, uint16_t seq)
{
	wr16be(buf + 2, seq);
}

static inline void lumen_rtp_set_ts(uint8_t *buf, uint32_t ts)
{
	wr32be(buf + 4, ts);
}

static inline void lumen_rtp_set_ssrc(uint8_t *buf, uint32_t ssrc)
{
	wr32be(buf + 8, ssrc);
}

static inline void lumen_rtp_set_pt(uint8_t *buf, uint8_t pt)
{
	buf[1] = (uint8_t)((buf[1] & 0x80) | (pt & 0x7f));
}

static inline void lumen_rtp_set_marker(uint8_t *buf, bool marker)
{
	buf[1] = (uint8_t)((buf[1] & 0x7f) | (marker ? 0x80 : 0));
}

/* True if sequence number a is newer than b, modulo 2^16. */
static inline bool lumen_rtp_seq_newer(uint16_t a, uint16_t b)
{
	return (int16_t)(a - b) > 0;
}

/* True if timestamp a is newer than b, modulo 2^32. */
static inline bool lumen_rtp_ts_newer(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

#endif
