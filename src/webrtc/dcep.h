/* dcep.h -- the WebRTC Data Channel Establishment Protocol (RFC 8832) and the data channel
 * payload protocol identifiers (RFC 8831 section 8).
 *
 * A pure codec: DATA_CHANNEL_OPEN and DATA_CHANNEL_ACK are parsed from and written to
 * caller-owned buffers. A parsed open message is a view: label and protocol point into the
 * parsed buffer, are not NUL-terminated and live as long as it does. No allocation, no
 * globals, no logging; any thread. */
#ifndef LUMEN_WEBRTC_DCEP_H
#define LUMEN_WEBRTC_DCEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* SCTP payload protocol identifiers of WebRTC data channels (RFC 8831 section 8). */
enum lumen_dcep_ppid {
	LUMEN_DCEP_PPID_CONTROL = 50,        /* DCEP messages */
	LUMEN_DCEP_PPID_STRING = 51,         /* UTF-8 text message */
	LUMEN_DCEP_PPID_STRING_PARTIAL = 52, /* deprecated: a non-final piece of a text message */
	LUMEN_DCEP_PPID_BINARY = 53,         /* binary message */
	LUMEN_DCEP_PPID_BINARY_PARTIAL = 54, /* deprecated: a non-final piece of a binary message */
	LUMEN_DCEP_PPID_STRING_EMPTY = 56,   /* empty text message (one ignored byte on the wire) */
	LUMEN_DCEP_PPID_BINARY_EMPTY = 57,   /* empty binary message (one ignored byte) */
};

/* DCEP message types (RFC 8832 section 8.2.1). */
#define LUMEN_DCEP_MSG_ACK  0x02
#define LUMEN_DCEP_MSG_OPEN 0x03

/* The fixed part of DATA_CHANNEL_OPEN, before label and protocol. */
#define LUMEN_DCEP_OPEN_HEADER_LEN 12

/* Suggested priorities (RFC 8832 section 5.1); any 16-bit value is valid on the wire. */
#define LUMEN_DCEP_PRIORITY_BELOW_NORMAL 128
#define LUMEN_DCEP_PRIORITY_NORMAL       256
#define LUMEN_DCEP_PRIORITY_HIGH         512
#define LUMEN_DCEP_PRIORITY_EXTRA_HIGH   1024

/* Reliability policy, the low bits of the channel type. */
enum lumen_dcep_reliability {
	LUMEN_DCEP_RELIABLE = 0, /* retransmit until delivered */
	LUMEN_DCEP_REXMIT = 1,   /* partial reliability: at most reliability_param retransmits */
	LUMEN_DCEP_TIMED = 2,    /* partial reliability: give up after reliability_param ms */
};

struct lumen_dcep_open {
	bool ordered;
	enum lumen_dcep_reliability reliability;
	uint32_t
	    reliability_param; /* retransmits or milliseconds; sent as 0 and ignored if reliable */
	uint16_t priority;
	const uint8_t *label;    /* UTF-8, label_len bytes, may be empty */
	size_t label_len;        /* at most 65535 */
	const uint8_t *protocol; /* UTF-8 subprotocol, protocol_len bytes, may be empty */
	size_t protocol_len;     /* at most 65535 */
};

struct lumen_dcep_msg {
	uint8_t type;                /* LUMEN_DCEP_MSG_OPEN or LUMEN_DCEP_MSG_ACK */
	struct lumen_dcep_open open; /* valid when type is LUMEN_DCEP_MSG_OPEN */
};

/* Parse one DCEP message, the payload of an SCTP message with PPID 50. Returns 0, -EINVAL if
 * buf is truncated, has trailing bytes, label or protocol lengths that overrun it, or a label or
 * protocol that is not valid UTF-8, and -ENOTSUP for an unknown message or channel type. On error
 * *msg is unspecified. Never reads outside buf[0..len). */
int lumen_dcep_parse(struct lumen_dcep_msg *msg, const uint8_t *buf, size_t len);

/* Bytes lumen_dcep_write_open() needs for o. */
size_t lumen_dcep_open_size(const struct lumen_dcep_open *o);

/* Write DATA_CHANNEL_OPEN for o into buf[0..cap). Returns the length written, -EINVAL if o is
 * invalid (unknown reliability, label or protocol longer than 65535 bytes or not UTF-8, a
 * non-NULL requirement violated), -ENOSPC if cap is too small. */
ssize_t lumen_dcep_write_open(uint8_t *buf, size_t cap, const struct lumen_dcep_open *o);

/* Write DATA_CHANNEL_ACK (one byte). Returns 1, or -ENOSPC if cap is 0. */
ssize_t lumen_dcep_write_ack(uint8_t *buf, size_t cap);

/* The channel type byte for an ordering and a policy (0x00..0x02, 0x80..0x82). */
uint8_t lumen_dcep_channel_type(bool ordered, enum lumen_dcep_reliability reliability);

/* True if buf[0..len) is well-formed UTF-8 (no overlong forms, surrogates or code points above
 * U+10FFFF). */
bool lumen_dcep_utf8_valid(const uint8_t *buf, size_t len);

/* True for the PPIDs that carry binary user data (53, 54, 57); false for text and control. */
static inline bool lumen_dcep_ppid_is_binary(uint32_t ppid)
{
	return ppid == LUMEN_DCEP_PPID_BINARY || ppid == LUMEN_DCEP_PPID_BINARY_PARTIAL ||
	       ppid == LUMEN_DCEP_PPID_BINARY_EMPTY;
}

#endif
