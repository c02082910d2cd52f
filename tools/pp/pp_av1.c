/* pp_av1.c -- AV1 RTP depacketizer (see pp_av1.h for the contract). */
#include "pp_av1.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum {
	OBU_SEQUENCE_HEADER = 1,
	OBU_TEMPORAL_DELIMITER = 2,
	OBU_TILE_LIST = 8,
};

/* The temporal delimiter that opens every temporal unit: type 2, has_size_field, size 0. */
static const uint8_t temporal_delimiter[2] = {OBU_TEMPORAL_DELIMITER << 3 | 0x02, 0x00};

void lumen_pp_av1_init(struct lumen_pp_av1 *d)
{
	memset(d, 0, sizeof(*d));
	d->wait_key = true; /* a recording may start mid-sequence: wait for a key point */
}

void lumen_pp_av1_fini(struct lumen_pp_av1 *d)
{
	free(d->tu);
	free(d->frag);
	memset(d, 0, sizeof(*d));
}

size_t lumen_pp_av1_leb128(const uint8_t *p, size_t len, uint32_t *value)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len && i < 8; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if (v > UINT32_MAX)
				return 0;
			*value = (uint32_t)v;
			return i + 1;
		}
	}
	return 0;
}

static size_t leb128_write(uint8_t *p, uint32_t v)
{
	size_t n = 0;

	do {
		uint8_t b = v & 0x7f;

		v >>= 7;
		p[n++] = b | (v ? 0x80 : 0);
	} while (v);
	return n;
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	size_t c = *cap ? *cap : 4096;
	uint8_t *nb;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	nb = realloc(*buf, c);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = c;
	return 0;
}

static int append(struct lumen_pp_av1 *d, const uint8_t *p, size_t n)
{
	if (grow(&d->tu, &d->tu_cap, d->tu_len + n) < 0)
		return -ENOMEM;
	memcpy(d->tu + d->tu_len, p, n);
	d->tu_len += n;
	return 0;
}

/* Appends one complete OBU to the temporal unit, with its size field. Returns 0, -EINVAL for a
 * malformed OBU, -ENOMEM. */
static int emit_obu(struct lumen_pp_av1 *d, const uint8_t *obu, size_t n)
{
	uint8_t hdr[2 + 8];
	size_t hlen, h;
	uint32_t size;
	unsigned type;

	if (n < 1 || (obu[0] & 0x80))
		return -EINVAL; /* empty, or the forbidden bit */
	type = (obu[0] >> 3) & 0x0f;
	hlen = (obu[0] & 0x04) ? 2 : 1;
	if (n < hlen)
		return -EINVAL;
	if (obu[0] & 0x02) {
		/* The sender kept the size field: trust it only if it fits. */
		size_t k = lumen_pp_av1_leb128(obu + hlen, n - hlen, &size);

		if (!k || size > n - hlen - k)
			return -EINVAL;
		n = hlen + k + size;
		if (type == OBU_TEMPORAL_DELIMITER || type == OBU_TILE_LIST)
			return 0;
		if (type == OBU_SEQUENCE_HEADER)
			d->tu_has_seq = true;
		if (d->tu_len == 0 && append(d, temporal_delimiter, sizeof(temporal_delimiter)) < 0)
			return -ENOMEM;
		return append(d, obu, n);
	}
	if (type == OBU_TEMPORAL_DELIMITER || type == OBU_TILE_LIST)
		return 0;
	if (type == OBU_SEQUENCE_HEADER)
		d->tu_has_seq = true;
	memcpy(hdr, obu, hlen);
	hdr[0] |= 0x02;
	h = hlen + leb128_write(hdr + hlen, (uint32_t)(n - hlen));
	if (d->tu_len == 0 && append(d, temporal_delimiter, sizeof(temporal_delimiter)) < 0)
		return -ENOMEM;
	if (append(d, hdr, h) < 0 || append(d, obu + hlen, n - hlen) < 0)
		return -ENOMEM;
	return 0;
}

static void drop_unit(struct lumen_pp_av1 *d, bool malformed)
{
	if (d->tu_started || d->tu_len || d->in_frag)
		d->dropped++;
	if (malformed)
		d->malformed++;
	d->tu_len = 0;
	d->frag_len = 0;
	d->in_frag = false;
	d->tu_has_seq = false;
	d->tu_started = false;
	d->wait_key = true;
}

int lumen_pp_av1_push(struct lumen_pp_av1 *d, const uint8_t *payload, size_t len, bool marker,
		      bool discont)
{
	size_t pos = 1;
	unsigned z, y, w, idx = 0;
	int rc;

	if (!d->tu_started) {
		/* The previous unit was handed out (or dropped): start afresh. */
		d->tu_len = 0;
		d->tu_has_seq = false;
	}
	if (discont)
		drop_unit(d, false);
	if (len < 1)
		goto malformed;
	z = payload[0] >> 7 & 1;
	y = payload[0] >> 6 & 1;
	w = payload[0] >> 4 & 3;
	if (payload[0] >> 3 & 1)
		d->wait_key = false; /* N: a new coded video sequence starts here */
	if (!z && d->in_frag)
		goto malformed; /* the OBU we were assembling never ended */
	d->tu_started = true;
	while (pos < len) {
		uint32_t elen;
		const uint8_t *el;
		bool first = idx == 0, last;

		idx++;
		if (w && idx == w) {
			elen = (uint32_t)(len - pos);
		} else {
			size_t k = lumen_pp_av1_leb128(payload + pos, len - pos, &elen);

			if (!k || elen > len - pos - k)
				goto malformed;
			pos += k;
		}
		el = payload + pos;
		pos += elen;
		last = pos == len;
		if (first && z) {
			if (!d->in_frag)
				continue; /* the start of this OBU was lost with the discont */
			if (grow(&d->frag, &d->frag_cap, d->frag_len + elen) < 0)
				return -ENOMEM;
			/* An empty element (legal, and all a fuzzer needs) leaves d->frag unallocated:
			 * neither memcpy nor offset arithmetic may then see its NULL (C11 7.24.1). */
			if (elen)
				memcpy(d->frag + d->frag_len, el, elen);
			d->frag_len += elen;
			if (last && y)
				break; /* the OBU goes on in the next packet */
			d->in_frag = false;
			rc = emit_obu(d, d->frag, d->frag_len);
			d->frag_len = 0;
		} else if (last && y) {
			if (grow(&d->frag, &d->frag_cap, elen) < 0)
				return -ENOMEM;
			if (elen)
				memcpy(d->frag, el, elen);
			d->frag_len = elen;
			d->in_frag = true;
			rc = 0;
		} else {
			rc = emit_obu(d, el, elen);
		}
		if (rc == -ENOMEM)
			return rc;
		if (rc < 0)
			goto malformed;
		if (w && idx == w)
			break;
	}
	if (pos != len && !(w && idx == w))
		goto malformed;
	if (!marker)
		return 0;
	if (d->in_frag)
		goto malformed; /* an OBU cannot continue past the end of its temporal unit */
	d->tu_started = false;
	if (d->tu_len == 0)
		return 0;
	if (d->wait_key && !d->tu_has_seq) {
		d->dropped++;
		d->tu_len = 0;
		return 0;
	}
	d->wait_key = false;
	return 1;
malformed:
	drop_unit(d, true);
	return 0;
}
