/* fuzz_rtp.c -- libFuzzer target for src/webrtc/rtp.c with a round-trip oracle.
 *
 * Whatever parses is rebuilt with lumen_rtp_write() from the parsed fields, extension elements
 * and payload, and must parse back to the same values; the in-place rewrites and
 * lumen_rtp_ext_add() must also yield packets that parse. lumen_rtp_parse_memo, whose memo
 * lives across inputs (so it is always holding some earlier input's parse), must answer what
 * lumen_rtp_parse answers. Any mismatch aborts. */
#include <stdlib.h>
#include <string.h>

#include "webrtc/rtp.h"

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

#define MAX_EXT 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[70000 + 1500];

static size_t collect(const struct lumen_rtp *p, struct lumen_rtp_ext *ext, bool *all)
{
	size_t n = 0, pos = 0;
	struct lumen_rtp_ext e;

	*all = true;
	while (lumen_rtp_ext_next(p, &pos, &e)) {
		if (n == MAX_EXT) {
			*all = false;
			break;
		}
		ext[n++] = e;
	}
	return n;
}

static void round_trip(const struct lumen_rtp *p)
{
	struct lumen_rtp_hdr h = {p->marker, p->pt, p->seq, p->ts, p->ssrc, p->cc, {0}};
	struct lumen_rtp_ext ext[MAX_EXT], e2[MAX_EXT];
	struct lumen_rtp q;
	bool all, all2;
	size_t n = collect(p, ext, &all), n2;
	ssize_t len;

	if (!all)
		return;
	for (unsigned i = 0; i < p->cc; i++)
		h.csrc[i] = lumen_rtp_csrc(p, i);
	len = lumen_rtp_write(out, sizeof(out), &h, ext, n, lumen_rtp_payload(p), p->payload_len,
	                      p->pad_len);
	CHECK(len > 0);
	CHECK(lumen_rtp_parse(&q, out, (size_t)len) == 0);
	CHECK(q.marker == p->marker && q.pt == p->pt && q.seq == p->seq && q.ts == p->ts);
	CHECK(q.ssrc == p->ssrc && q.cc == p->cc && q.pad_len == p->pad_len);
	for (unsigned i = 0; i < p->cc; i++)
		CHECK(lumen_rtp_csrc(&q, i) == lumen_rtp_csrc(p, i));
	CHECK(q.payload_len == p->payload_len);
	CHECK(memcmp(lumen_rtp_payload(&q), lumen_rtp_payload(p), p->payload_len) == 0);
	n2 = collect(&q, e2, &all2);
	CHECK(all2 && n2 == n);
	for (size_t i = 0; i < n; i++)
		CHECK(e2[i].id == ext[i].id && e2[i].len == ext[i].len &&
		      memcmp(e2[i].data, ext[i].data, ext[i].len) == 0);
}

static void rewrite(const uint8_t *data, size_t size)
{
	static const uint8_t v[3] = {1, 2, 3};
	struct lumen_rtp p, q;
	struct lumen_rtp_ext e;
	uint8_t *b;
	ssize_t len;

	if (size > 1500)
		return;
	b = malloc(size + 300);
	CHECK(b);
	memcpy(b, data, size);
	CHECK(lumen_rtp_parse(&p, b, size) == 0);
	lumen_rtp_set_seq(b, (uint16_t)(p.seq + 1));
	lumen_rtp_set_ts(b, p.ts + 90);
	lumen_rtp_set_ssrc(b, ~p.ssrc);
	lumen_rtp_set_pt(b, (uint8_t)(p.pt ^ 1));
	lumen_rtp_set_marker(b, !p.marker);
	CHECK(lumen_rtp_parse(&q, b, size) == 0);
	CHECK(q.seq == (uint16_t)(p.seq + 1) && q.ts == p.ts + 90 && q.ssrc == ~p.ssrc);
	CHECK(q.pt == (p.pt ^ 1) && q.marker == !p.marker && q.payload_off == p.payload_off);
	len = lumen_rtp_ext_add(b, size + 300, &q, 5, v, 3);
	if (len > 0) {
		CHECK(lumen_rtp_parse(&p, b, (size_t)len) == 0);
		CHECK(lumen_rtp_ext_find(&p, 5, &e) == 0 && e.len == 3 &&
		      memcmp(e.data, v, 3) == 0);
		CHECK(p.payload_len == q.payload_len && p.seq == q.seq);
	}
	free(b);
}

static struct lumen_rtp_memo memo;

static void memo_agrees(const uint8_t *data, size_t size)
{
	struct lumen_rtp a, b;
	int ra = lumen_rtp_parse(&a, data, size), rb = lumen_rtp_parse_memo(&memo, &b, data, size);

	CHECK(ra == rb);
	if (ra < 0)
		return;
	CHECK(b.buf == data && b.len == a.len && b.marker == a.marker && b.pt == a.pt);
	CHECK(b.seq == a.seq && b.ts == a.ts && b.ssrc == a.ssrc && b.cc == a.cc);
	CHECK(b.has_ext == a.has_ext && b.ext_profile == a.ext_profile && b.ext_off == a.ext_off);
	CHECK(b.ext_len == a.ext_len && b.payload_off == a.payload_off);
	CHECK(b.payload_len == a.payload_len && b.pad_len == a.pad_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lumen_rtp p;

	memo_agrees(data, size);
	memo_agrees(data, size); /* now from the memo when it kept this input */
	if (lumen_rtp_parse(&p, data, size) < 0)
		return 0;
	round_trip(&p);
	rewrite(data, size);
	return 0;
}
