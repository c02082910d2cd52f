/* dcep.c -- parse and write DATA_CHANNEL_OPEN / DATA_CHANNEL_ACK (RFC 8832).
 *
 * Wire format of DATA_CHANNEL_OPEN, all integers big-endian:
 *   type(1)=0x03 channel_type(1) priority(2) reliability(4) label_len(2) protocol_len(2)
 *   label(label_len) protocol(protocol_len)
 * DATA_CHANNEL_ACK is the single byte 0x02. The parser is strict (no trailing bytes, UTF-8
 * checked) so that parse(write(x)) == x and write(parse(b)) == b: the fuzz target's oracle.
 * Pure: no allocation, no globals; any thread. */
#include "webrtc/dcep.h"

#include <errno.h>
#include <string.h>

static uint16_t rd16be(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32be(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void wr16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

bool lumen_dcep_utf8_valid(const uint8_t *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = buf[i];
		size_t n;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len - i - 1 < n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((buf[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (buf[i + k] & 0x3f);
		}
		/* Overlong forms, UTF-16 surrogates and values past Unicode are not UTF-8. */
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

uint8_t lumen_dcep_channel_type(bool ordered, enum lumen_dcep_reliability reliability)
{
	return (uint8_t)((ordered ? 0x00 : 0x80) | ((unsigned)reliability & 0x7f));
}

static int parse_open(struct lumen_dcep_open *o, const uint8_t *buf, size_t len)
{
	uint8_t type;
	size_t label_len, protocol_len;

	if (len < LUMEN_DCEP_OPEN_HEADER_LEN)
		return -EINVAL;
	type = buf[1];
	if ((type & 0x7f) > LUMEN_DCEP_TIMED)
		return -ENOTSUP;
	o->ordered = !(type & 0x80);
	o->reliability = (enum lumen_dcep_reliability)(type & 0x7f);
	o->priority = rd16be(buf + 2);
	o->reliability_param = rd32be(buf + 4);
	label_len = rd16be(buf + 8);
	protocol_len = rd16be(buf + 10);
	if (len - LUMEN_DCEP_OPEN_HEADER_LEN != label_len + protocol_len)
		return -EINVAL;
	o->label = buf + LUMEN_DCEP_OPEN_HEADER_LEN;
	o->label_len = label_len;
	o->protocol = o->label + label_len;
	o->protocol_len = protocol_len;
	if (!lumen_dcep_utf8_valid(o->label, label_len) ||
	    !lumen_dcep_utf8_valid(o->protocol, protocol_len))
		return -EINVAL;
	return 0;
}

int lumen_dcep_parse(struct lumen_dcep_msg *msg, const uint8_t *buf, size_t len)
{
	if (len < 1)
		return -EINVAL;
	memset(msg, 0, sizeof(*msg));
	msg->type = buf[0];
	switch (buf[0]) {
	case LUMEN_DCEP_MSG_ACK:
		return len == 1 ? 0 : -EINVAL;
	case LUMEN_DCEP_MSG_OPEN:
		return parse_open(&msg->open, buf, len);
	default:
		return -ENOTSUP;
	}
}

size_t lumen_dcep_open_size(const struct lumen_dcep_open *o)
{
	return LUMEN_DCEP_OPEN_HEADER_LEN + o->label_len + o->protocol_len;
}

ssize_t lumen_dcep_write_open(uint8_t *buf, size_t cap, const struct lumen_dcep_open *o)
{
	size_t need;

	if ((unsigned)o->reliability > LUMEN_DCEP_TIMED || o->label_len > UINT16_MAX ||
	    o->protocol_len > UINT16_MAX || (o->label_len && !o->label) ||
	    (o->protocol_len && !o->protocol))
		return -EINVAL;
	if ((o->label_len && !lumen_dcep_utf8_valid(o->label, o->label_len)) ||
	    (o->protocol_len && !lumen_dcep_utf8_valid(o->protocol, o->protocol_len)))
		return -EINVAL;
	need = lumen_dcep_open_size(o);
	if (cap < need)
		return -ENOSPC;
	buf[0] = LUMEN_DCEP_MSG_OPEN;
	buf[1] = lumen_dcep_channel_type(o->ordered, o->reliability);
	wr16be(buf + 2, o->priority);
	wr32be(buf + 4, o->reliability_param);
	wr16be(buf + 8, (uint16_t)o->label_len);
	wr16be(buf + 10, (uint16_t)o->protocol_len);
	if (o->label_len)
		memcpy(buf + LUMEN_DCEP_OPEN_HEADER_LEN, o->label, o->label_len);
	if (o->protocol_len)
		memcpy(buf + LUMEN_DCEP_OPEN_HEADER_LEN + o->label_len, o->protocol,
		       o->protocol_len);
	return (ssize_t)need;
}

ssize_t lumen_dcep_write_ack(uint8_t *buf, size_t cap)
{
	if (cap < 1)
		return -ENOSPC;
	buf[0] = LUMEN_DCEP_MSG_ACK;
	return 1;
}
