/* nack.c -- missing-packet tracking for NACK (RFC 4585 generic NACK) and RTX (RFC 4588).
 *
 * Missing packets are kept in an array sorted by extended sequence number: new holes are always
 * newer than every tracked one, so they are appended; a late arrival is found by binary search.
 * The array is allocated once at max_missing entries. Time is an argument; no clock, no I/O. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "webrtc/nack.h"

struct missing {
	int64_t ext;       /* extended sequence number */
	uint64_t first_us; /* when the hole was seen */
	uint64_t sent_us;  /* last NACK, valid when retries > 0 */
	uint64_t asked_us; /* first NACK, valid when retries > 0 */
	unsigned retries;
};

struct lumen_nack {
	struct lumen_nack_cfg cfg;
	struct missing *list;
	size_t n;
	int64_t highest;
	bool started;
	uint64_t interval_us; /* in use: cfg.interval_us, or from srtt_us */
	uint64_t srtt_us;     /* smoothed NACK-to-recovery time, 0 before the first */
	/* No request is due before this: exact after a poll, lowered as holes are added, 0 when
	 * the interval changed. Callers ask at every packet; scanning the list each time would let
	 * a peer that fakes a thousand holes cost a thousand steps per packet. */
	uint64_t due_us;
	struct lumen_nack_stats st;
};

struct lumen_nack *lumen_nack_new(const struct lumen_nack_cfg *cfg)
{
	struct lumen_nack *nack = calloc(1, sizeof(*nack));

	if (!nack)
		return NULL;
	if (cfg)
		nack->cfg = *cfg;
	if (!nack->cfg.interval_us)
		nack->cfg.interval_us = 100000;
	if (!nack->cfg.max_age_us)
		nack->cfg.max_age_us = 1000000;
	if (!nack->cfg.max_retries)
		nack->cfg.max_retries = 10;
	if (!nack->cfg.max_missing)
		nack->cfg.max_missing = 1000;
	nack->interval_us = nack->cfg.interval_us;
	nack->due_us = UINT64_MAX;
	nack->list = calloc(nack->cfg.max_missing, sizeof(*nack->list));
	if (!nack->list)
		goto fail;
	return nack;
fail:
	lumen_nack_free(nack);
	return NULL;
}

void lumen_nack_free(struct lumen_nack *nack)
{
	if (!nack)
		return;
	free(nack->list);
	free(nack);
}

void lumen_nack_set_interval(struct lumen_nack *nack, uint64_t interval_us)
{
	nack->cfg.interval_us = interval_us ? interval_us : 1;
	if (!nack->srtt_us || !nack->cfg.min_interval_us)
		nack->interval_us = nack->cfg.interval_us;
	nack->due_us = 0;
}

/* A hole NACKed and then filled measured a round trip: from its first NACK, so that a lost
 * request or answer makes the sample longer, never shorter (a retransmission answering a later
 * NACK cannot be told from one answering the first). Smoothed as TCP does (RFC 6298, 1/8). */
static void learn_rtt(struct lumen_nack *nack, const struct missing *m, uint64_t now_us)
{
	uint64_t sample, iv;

	if (!nack->cfg.min_interval_us || !m->retries || now_us < m->asked_us)
		return;
	sample = now_us - m->asked_us;
	if (!nack->srtt_us)
		nack->srtt_us = sample ? sample : 1;
	else
		nack->srtt_us = nack->srtt_us - nack->srtt_us / 8 + sample / 8;
	iv = nack->srtt_us + nack->srtt_us / 2 + 5000;
	if (iv > nack->cfg.max_age_us / 2)
		iv = nack->cfg.max_age_us / 2;
	if (iv < nack->cfg.min_interval_us)
		iv = nack->cfg.min_interval_us;
	if (iv != nack->interval_us)
		nack->due_us = 0;
	nack->interval_us = iv;
}

static void drop_front(struct lumen_nack *nack, size_t k)
{
	memmove(nack->list, nack->list + k, (nack->n - k) * sizeof(*nack->list));
	nack->n -= k;
}

static void add_holes(struct lumen_nack *nack, int64_t from, int64_t to, uint64_t now_us)
{
	size_t count = (size_t)(to - from), cap = nack->cfg.max_missing;

	if (nack->n + count > cap) {
		size_t k = nack->n + count - cap; /* oldest ones make room */

		nack->st.given_up += k;
		drop_front(nack, k);
	}
	for (int64_t e = from; e < to; e++)
		nack->list[nack->n++] = (struct missing){e, now_us, 0, 0, 0};
	if (from < to && now_us + nack->cfg.reorder_us < nack->due_us)
		nack->due_us = now_us + nack->cfg.reorder_us;
}

static int remove_hole(struct lumen_nack *nack, int64_t ext, uint64_t now_us)
{
	size_t lo = 0, hi = nack->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (nack->list[mid].ext < ext)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == nack->n || nack->list[lo].ext != ext)
		return 0;
	learn_rtt(nack, &nack->list[lo], now_us);
	memmove(nack->list + lo, nack->list + lo + 1, (nack->n - lo - 1) * sizeof(*nack->list));
	nack->n--;
	nack->st.recovered++;
	return LUMEN_NACK_RECOVERED;
}

bool lumen_nack_wanted(const struct lumen_nack *nack, uint16_t seq)
{
	size_t lo = 0, hi = nack->n;
	int16_t d;
	int64_t ext;

	if (!nack->started)
		return true;
	d = (int16_t)(seq - (uint16_t)nack->highest);
	if (d > 0)
		return true;
	ext = nack->highest + d;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (nack->list[mid].ext < ext)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nack->n && nack->list[lo].ext == ext;
}

int lumen_nack_input(struct lumen_nack *nack, uint16_t seq, uint64_t now_us)
{
	int16_t d;

	if (!nack->started) {
		nack->started = true;
		nack->highest = seq;
		return 0;
	}
	d = (int16_t)(seq - (uint16_t)nack->highest);
	if (d == 0)
		return 0;
	if (d < 0)
		return remove_hole(nack, nack->highest + d, now_us);
	if ((unsigned)d - 1 > nack->cfg.max_missing) {
		/* a stream restart or a long outage: NACKs cannot fix this, a keyframe can */
		nack->st.given_up += nack->n;
		nack->st.resets++;
		nack->n = 0;
		nack->due_us = UINT64_MAX;
		nack->highest += d;
		return LUMEN_NACK_RESET;
	}
	add_holes(nack, nack->highest + 1, nack->highest + d, now_us);
	nack->highest += d;
	return 0;
}

static uint64_t due_at(const struct lumen_nack *nack, const struct missing *m)
{
	return m->retries ? m->sent_us + nack->interval_us : m->first_us + nack->cfg.reorder_us;
}

/* When poll next has something to do with m: request it, or drop it (out of retries, or old). */
static uint64_t work_at(const struct lumen_nack *nack, const struct missing *m)
{
	uint64_t t = m->retries >= nack->cfg.max_retries ? m->sent_us + nack->interval_us
	                                                 : due_at(nack, m);
	uint64_t expire = m->first_us + nack->cfg.max_age_us + 1;

	return expire < t ? expire : t;
}

size_t lumen_nack_poll(struct lumen_nack *nack, uint64_t now_us, uint16_t *out, size_t cap)
{
	size_t j = 0, emitted = 0;
	uint64_t due = UINT64_MAX;

	for (size_t i = 0; i < nack->n; i++) {
		struct missing m = nack->list[i];
		bool keep = true;

		if (now_us > m.first_us + nack->cfg.max_age_us) {
			keep = false;
		} else if (emitted < cap && now_us >= due_at(nack, &m)) {
			if (m.retries >= nack->cfg.max_retries) {
				keep = false;
			} else {
				out[emitted++] = (uint16_t)m.ext;
				if (!m.retries)
					m.asked_us = now_us;
				m.retries++;
				m.sent_us = now_us;
			}
		}
		if (keep) {
			uint64_t t = work_at(nack, &m);

			nack->list[j++] = m;
			due = t < due ? t : due;
		} else {
			nack->st.given_up++;
		}
	}
	nack->n = j;
	nack->due_us = due;
	nack->st.requested += emitted;
	return emitted;
}

uint64_t lumen_nack_next_due(const struct lumen_nack *nack)
{
	return nack->n ? nack->due_us : UINT64_MAX;
}

void lumen_nack_stats(const struct lumen_nack *nack, struct lumen_nack_stats *st)
{
	*st = nack->st;
	st->missing = nack->n;
	st->rtt_us = nack->srtt_us;
	st->interval_us = nack->interval_us;
}

ssize_t lumen_rtx_decap(uint8_t *buf, const struct lumen_rtp *pkt, uint8_t orig_pt,
                        uint32_t orig_ssrc)
{
	uint8_t *payload = buf + pkt->payload_off;

	if (pkt->payload_len == 0)
		return -ENODATA;
	if (pkt->payload_len < 2)
		return -EINVAL;
	lumen_rtp_set_seq(buf, rd16be(payload));
	lumen_rtp_set_pt(buf, orig_pt);
	lumen_rtp_set_ssrc(buf, orig_ssrc);
	buf[0] &= (uint8_t)~0x20;
	memmove(payload, payload + 2, pkt->payload_len - 2);
	return (ssize_t)(pkt->payload_off + pkt->payload_len - 2);
}

ssize_t lumen_rtx_encap(uint8_t *dst, size_t cap, const struct lumen_rtp *pkt, uint8_t rtx_pt,
                        uint32_t rtx_ssrc, uint16_t rtx_seq)
{
	size_t len = pkt->payload_off + 2 + pkt->payload_len;

	if (len > cap)
		return -ENOSPC;
	memcpy(dst, pkt->buf, pkt->payload_off);
	dst[0] &= (uint8_t)~0x20;
	lumen_rtp_set_seq(dst, rtx_seq);
	lumen_rtp_set_pt(dst, rtx_pt);
	lumen_rtp_set_ssrc(dst, rtx_ssrc);
	wr16be(dst + pkt->payload_off, pkt->seq);
	memcpy(dst + pkt->payload_off + 2, pkt->buf + pkt->payload_off, pkt->payload_len);
	return (ssize_t)len;
}
