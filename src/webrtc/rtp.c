/* rtp.c -- RTP header codec (RFC 3550) with RFC 8285 one-byte and two-byte header extensions.
 *
 * Pure functions over caller buffers: no allocation, no I/O, no logging, any thread. The parser
 * validates the whole header (including every extension element) once, so the accessors that
 * follow (lumen_rtp_ext_next/find) can walk the extension block without re-checking bounds
 * beyond what the parser already proved. */
#include <errno.h>
#include <string.h>

#include "webrtc/rtp.h"

/* Biggest extension block lumen_rtp_ext_add() rebuilds; WebRTC senders use well under 100. */
#define EXT_ADD_MAX_BODY  1024
#define EXT_ADD_MAX_ELEMS 64

static bool is_one_byte(uint16_t profile)
{
	return profile == LUMEN_RTP_EXT_ONE_BYTE;
}

static bool is_two_byte(uint16_t profile)
{
	return (profile & 0xfff0) == LUMEN_RTP_EXT_TWO_BYTE;
}

/* Reads the element at body[*pos] of a body of len bytes. Returns 1 (element), 0 (end) or
 * -EINVAL (element runs past the body). */
static int ext_step(uint16_t profile, const uint8_t *body, size_t len, size_t *pos,
                    struct lumen_rtp_ext *ext)
{
	bool one = is_one_byte(profile);

	if (!one && !is_two_byte(profile))
		return 0;
	while (*pos < len) {
		size_t p = *pos;
		uint8_t id, elen, hlen;

		if (body[p] == 0 || (one && body[p] >> 4 == 0)) {
			*pos = p + 1; /* padding */
			continue;
		}
		if (one) {
			id = body[p] >> 4;
			if (id == 15)
				return 0; /* RFC 8285 4.2: stop processing */
			elen = (uint8_t)((body[p] & 0x0f) + 1);
			hlen = 1;
		} else {
			if (p + 2 > len)
				return -EINVAL;
			id = body[p];
			elen = body[p + 1];
			hlen = 2;
		}
		if (p + hlen + elen > len)
			return -EINVAL;
		ext->id = id;
		ext->len = elen;
		ext->data = body + p + hlen;
		*pos = p + hlen + elen;
		return 1;
	}
	return 0;
}

int lumen_rtp_parse(struct lumen_rtp *pkt, const uint8_t *buf, size_t len)
{
	size_t off;

	if (len < LUMEN_RTP_HEADER_LEN || buf[0] >> 6 != 2)
		return -EINVAL;
	pkt->buf = buf;
	pkt->len = len;
	pkt->marker = buf[1] >> 7;
	pkt->pt = buf[1] & 0x7f;
	pkt->seq = rd16be(buf + 2);
	pkt->ts = rd32be(buf + 4);
	pkt->ssrc = rd32be(buf + 8);
	pkt->cc = buf[0] & 0x0f;
	pkt->has_ext = (buf[0] >> 4) & 1;
	off = LUMEN_RTP_HEADER_LEN + 4u * pkt->cc;
	if (off > len)
		return -EINVAL;
	pkt->ext_profile = 0;
	pkt->ext_off = 0;
	pkt->ext_len = 0;
	if (pkt->has_ext) {
		size_t pos = 0;
		struct lumen_rtp_ext e;
		int r;

		if (off + 4 > len)
			return -EINVAL;
		pkt->ext_profile = rd16be(buf + off);
		pkt->ext_len = 4u * rd16be(buf + off + 2);
		pkt->ext_off = off + 4;
		off = pkt->ext_off + pkt->ext_len;
		if (off > len)
			return -EINVAL;
		while ((r = ext_step(pkt->ext_profile, buf + pkt->ext_off, pkt->ext_len, &pos,
		                     &e)) > 0)
			;
		if (r < 0)
			return r;
	}
	pkt->pad_len = 0;
	if ((buf[0] >> 5) & 1) {
		pkt->pad_len = buf[len - 1];
		if (pkt->pad_len == 0 || pkt->pad_len > len - off)
			return -EINVAL;
	}
	pkt->payload_off = off;
	pkt->payload_len = len - off - pkt->pad_len;
	return 0;
}

int lumen_rtp_parse_memo(struct lumen_rtp_memo *m, struct lumen_rtp *pkt, const uint8_t *buf,
			 size_t len)
{
	if (len && m->len == len && buf[len - 1] == m->last &&
	    memcmp(m->bytes, buf, m->head) == 0) {
		*pkt = m->pkt;
		pkt->buf = buf;
		return 0;
	}
	if (lumen_rtp_parse(pkt, buf, len) < 0)
		return -EINVAL;
	m->len = 0;
	if (pkt->payload_off <= LUMEN_RTP_MEMO_MAX) {
		m->head = pkt->payload_off;
		m->last = buf[len - 1];
		memcpy(m->bytes, buf, m->head);
		m->pkt = *pkt;
		m->len = len;
	}
	return 0;
}

int lumen_rtp_ext_next(const struct lumen_rtp *pkt, size_t *pos, struct lumen_rtp_ext *ext)
{
	if (!pkt->has_ext)
		return 0;
	/* The parser proved the block well-formed, so a negative result cannot happen here. */
	return ext_step(pkt->ext_profile, pkt->buf + pkt->ext_off, pkt->ext_len, pos, ext) > 0;
}

int lumen_rtp_ext_find(const struct lumen_rtp *pkt, uint8_t id, struct lumen_rtp_ext *ext)
{
	size_t pos = 0;

	while (lumen_rtp_ext_next(pkt, &pos, ext))
		if (ext->id == id)
			return 0;
	return -ENOENT;
}

int lumen_rtp_ext_rewrite(uint8_t *buf, const struct lumen_rtp *pkt, uint8_t id,
                          const uint8_t *data, size_t len)
{
	struct lumen_rtp_ext e;

	if (lumen_rtp_ext_find(pkt, id, &e) < 0)
		return -ENOENT;
	if (e.len != len)
		return -EINVAL;
	memcpy(buf + (e.data - pkt->buf), data, len);
	return 0;
}

static bool fits_one_byte(const struct lumen_rtp_ext *ext, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ext[i].id < 1 || ext[i].id > 14 || ext[i].len < 1 || ext[i].len > 16)
			return false;
	return true;
}

/* Size of the extension block including its 4-byte header, padded to 32 bits. */
static size_t ext_block_size(const struct lumen_rtp_ext *ext, size_t n, bool one)
{
	size_t body = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		body += (one ? 1u : 2u) + ext[i].len;
	return 4 + ((body + 3) & ~(size_t)3);
}

static void ext_block_write(uint8_t *p, size_t size, const struct lumen_rtp_ext *ext, size_t n,
                            bool one)
{
	size_t off = 4;

	wr16be(p, one ? LUMEN_RTP_EXT_ONE_BYTE : LUMEN_RTP_EXT_TWO_BYTE);
	wr16be(p + 2, (uint16_t)((size - 4) / 4));
	for (size_t i = 0; i < n; i++) {
		if (one) {
			p[off++] = (uint8_t)(ext[i].id << 4 | (ext[i].len - 1));
		} else {
			p[off++] = ext[i].id;
			p[off++] = ext[i].len;
		}
		if (ext[i].len)
			memmove(p + off, ext[i].data, ext[i].len);
		off += ext[i].len;
	}
	memset(p + off, 0, size - off);
}

ssize_t lumen_rtp_write(uint8_t *buf, size_t cap, const struct lumen_rtp_hdr *hdr,
                        const struct lumen_rtp_ext *ext, size_t n_ext, const uint8_t *payload,
                        size_t payload_len, uint8_t pad_len)
{
	bool one = fits_one_byte(ext, n_ext);
	size_t ext_size, total, off;

	if (hdr->cc > LUMEN_RTP_MAX_CSRC || hdr->pt > 127)
		return -EINVAL;
	for (size_t i = 0; i < n_ext; i++)
		if (ext[i].id == 0)
			return -EINVAL;
	ext_size = ext_block_size(ext, n_ext, one);
	if (ext_size - (ext_size ? 4 : 0) > 4 * 0xffffu)
		return -EINVAL;
	total = LUMEN_RTP_HEADER_LEN + 4u * hdr->cc + ext_size + payload_len + pad_len;
	if (total > cap)
		return -ENOSPC;
	buf[0] = (uint8_t)(0x80 | (pad_len ? 0x20 : 0) | (n_ext ? 0x10 : 0) | hdr->cc);
	buf[1] = (uint8_t)((hdr->marker ? 0x80 : 0) | hdr->pt);
	wr16be(buf + 2, hdr->seq);
	wr32be(buf + 4, hdr->ts);
	wr32be(buf + 8, hdr->ssrc);
	off = LUMEN_RTP_HEADER_LEN;
	for (unsigned i = 0; i < hdr->cc; i++, off += 4)
		wr32be(buf + off, hdr->csrc[i]);
	if (n_ext)
		ext_block_write(buf + off, ext_size, ext, n_ext, one);
	off += ext_size;
	if (payload_len)
		memmove(buf + off, payload, payload_len);
	off += payload_len;
	if (pad_len) {
		memset(buf + off, 0, pad_len);
		buf[off + pad_len - 1] = pad_len;
	}
	return (ssize_t)total;
}

ssize_t lumen_rtp_ext_add(uint8_t *buf, size_t cap, const struct lumen_rtp *pkt, uint8_t id,
                          const uint8_t *data, size_t dlen)
{
	uint8_t body[EXT_ADD_MAX_BODY];
	struct lumen_rtp_ext ext[EXT_ADD_MAX_ELEMS];
	size_t n = 0, pos = 0, ext_at, new_size, new_payload_off;
	bool one, replaced = false;

	if (id == 0 || dlen > 255 || pkt->buf != buf)
		return -EINVAL;
	if (pkt->has_ext && !is_one_byte(pkt->ext_profile) && !is_two_byte(pkt->ext_profile))
		return -EINVAL;
	if (pkt->ext_len > sizeof(body))
		return -EINVAL;
	/* Copy the old elements out: the block is rewritten where they live. */
	memcpy(body, buf + pkt->ext_off, pkt->ext_len);
	while (pkt->has_ext && n < EXT_ADD_MAX_ELEMS &&
	       ext_step(pkt->ext_profile, body, pkt->ext_len, &pos, &ext[n]) > 0) {
		if (ext[n].id == id) {
			ext[n].len = (uint8_t)dlen;
			ext[n].data = data;
			replaced = true;
		}
		n++;
	}
	if (!replaced) {
		if (n == EXT_ADD_MAX_ELEMS)
			return -EINVAL;
		ext[n++] = (struct lumen_rtp_ext){id, (uint8_t)dlen, data};
	}
	one = (!pkt->has_ext || is_one_byte(pkt->ext_profile)) && fits_one_byte(ext, n);
	ext_at = LUMEN_RTP_HEADER_LEN + 4u * pkt->cc;
	new_size = ext_block_size(ext, n, one);
	new_payload_off = ext_at + new_size;
	if (new_payload_off + pkt->payload_len > cap)
		return -ENOSPC;
	memmove(buf + new_payload_off, buf + pkt->payload_off, pkt->payload_len);
	ext_block_write(buf + ext_at, new_size, ext, n, one);
	buf[0] = (uint8_t)((buf[0] & ~0x20) | 0x10); /* X set, padding dropped */
	return (ssize_t)(new_payload_off + pkt->payload_len);
}
