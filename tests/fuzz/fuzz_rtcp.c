/* fuzz_rtcp.c -- libFuzzer target for src/webrtc/rtcp.c and rtcp_tcc.c with a round-trip oracle.
 *
 * Every packet of a compound that lumen_rtcp_validate() accepts is parsed by type, written again
 * with the matching writer, and parsed back: the values must be equal (NACK lists as multisets,
 * transport-cc as per-packet received flags and arrival times). Any mismatch aborts. */
#include <stdlib.h>
#include <string.h>

#include "webrtc/rtcp.h"

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[300000];
static uint8_t rcv[2][65536];
static int64_t at[2][65536];
static uint16_t seqs[2][65536];

/* Parses the single packet the writer produced. */
static void reparse(const struct lumen_rtcp_writer *w, struct lumen_rtcp_hdr *h)
{
	struct lumen_rtcp_iter it;

	CHECK(lumen_rtcp_validate(w->buf, w->len) == 1);
	lumen_rtcp_iter_init(&it, w->buf, w->len);
	CHECK(lumen_rtcp_next(&it, h) == 1);
}

static void check_report(const struct lumen_rtcp_hdr *h, struct lumen_rtcp_writer *w)
{
	static struct lumen_rtcp_report a, b;
	struct lumen_rtcp_hdr h2;

	CHECK(lumen_rtcp_parse_report(h, &a) == 0);
	CHECK(lumen_rtcp_write_report(w, &a, h->pt == LUMEN_RTCP_SR) == 0);
	reparse(w, &h2);
	CHECK(lumen_rtcp_parse_report(&h2, &b) == 0);
	CHECK(a.ssrc == b.ssrc && a.ntp == b.ntp && a.rtp_ts == b.rtp_ts && a.n_rb == b.n_rb);
	CHECK(a.packets == b.packets && a.octets == b.octets);
	for (unsigned i = 0; i < a.n_rb; i++)
		CHECK(a.rb[i].ssrc == b.rb[i].ssrc &&
		      a.rb[i].fraction_lost == b.rb[i].fraction_lost &&
		      a.rb[i].cumulative_lost == b.rb[i].cumulative_lost &&
		      a.rb[i].ext_highest_seq == b.rb[i].ext_highest_seq &&
		      a.rb[i].jitter == b.rb[i].jitter && a.rb[i].lsr == b.rb[i].lsr &&
		      a.rb[i].dlsr == b.rb[i].dlsr);
}

static void check_sdes(const struct lumen_rtcp_hdr *h, struct lumen_rtcp_writer *w)
{
	static struct lumen_rtcp_sdes a, b;
	struct lumen_rtcp_hdr h2;

	CHECK(lumen_rtcp_parse_sdes(h, &a) == 0);
	if (a.n == 0 || !a.chunk[0].cname)
		return;
	CHECK(lumen_rtcp_write_sdes_cname(w, a.chunk[0].ssrc, a.chunk[0].cname,
	                                  a.chunk[0].cname_len) == 0);
	reparse(w, &h2);
	CHECK(lumen_rtcp_parse_sdes(&h2, &b) == 0);
	CHECK(b.n == 1 && b.chunk[0].ssrc == a.chunk[0].ssrc);
	CHECK(b.chunk[0].cname_len == a.chunk[0].cname_len);
	CHECK(memcmp(b.chunk[0].cname, a.chunk[0].cname, a.chunk[0].cname_len) == 0);
}

static void check_bye(const struct lumen_rtcp_hdr *h, struct lumen_rtcp_writer *w)
{
	static struct lumen_rtcp_bye a, b;
	struct lumen_rtcp_hdr h2;

	CHECK(lumen_rtcp_parse_bye(h, &a) == 0);
	CHECK(lumen_rtcp_write_bye(w, a.ssrc, a.n, a.reason, a.reason_len) == 0);
	reparse(w, &h2);
	CHECK(lumen_rtcp_parse_bye(&h2, &b) == 0);
	CHECK(a.n == b.n && memcmp(a.ssrc, b.ssrc, 4u * a.n) == 0);
	CHECK(!a.reason == !b.reason && a.reason_len == b.reason_len);
	CHECK(!a.reason || memcmp(a.reason, b.reason, a.reason_len) == 0);
}

static int cmp16(const void *x, const void *y)
{
	return *(const uint16_t *)x - *(const uint16_t *)y;
}

static void check_nack(const struct lumen_rtcp_fb *fb, struct lumen_rtcp_writer *w)
{
	struct lumen_rtcp_hdr h2;
	struct lumen_rtcp_fb fb2;
	ssize_t n = lumen_rtcp_nack_seqs(fb, seqs[0], 65536), n2;

	CHECK(n > 0);
	if (n > 65536 ||
	    lumen_rtcp_write_nack(w, fb->sender_ssrc, fb->media_ssrc, seqs[0], (size_t)n) < 0)
		return; /* more pairs than one packet can hold */
	reparse(w, &h2);
	CHECK(lumen_rtcp_parse_fb(&h2, &fb2) == 0);
	CHECK(fb2.sender_ssrc == fb->sender_ssrc && fb2.media_ssrc == fb->media_ssrc);
	n2 = lumen_rtcp_nack_seqs(&fb2, seqs[1], 65536);
	CHECK(n2 == n);
	qsort(seqs[0], (size_t)n, 2, cmp16);
	qsort(seqs[1], (size_t)n, 2, cmp16);
	CHECK(memcmp(seqs[0], seqs[1], 2 * (size_t)n) == 0);
}

static void check_tcc(const struct lumen_rtcp_fb *fb, struct lumen_rtcp_writer *w)
{
	struct lumen_rtcp_tcc a, b;
	struct lumen_rtcp_hdr h2;
	struct lumen_rtcp_fb fb2;

	CHECK(lumen_rtcp_parse_tcc(fb, &a, rcv[0], at[0], 65536) == 0);
	CHECK(lumen_rtcp_write_tcc(w, &a, rcv[0], at[0]) == 0);
	reparse(w, &h2);
	CHECK(lumen_rtcp_parse_fb(&h2, &fb2) == 0);
	CHECK(lumen_rtcp_parse_tcc(&fb2, &b, rcv[1], at[1], 65536) == 0);
	CHECK(a.base_seq == b.base_seq && a.count == b.count && a.ref_time == b.ref_time);
	CHECK(a.fb_count == b.fb_count && a.media_ssrc == b.media_ssrc);
	for (unsigned i = 0; i < a.count; i++)
		CHECK(rcv[0][i] == rcv[1][i] && (!rcv[0][i] || at[0][i] == at[1][i]));
}

static void check_psfb(const struct lumen_rtcp_fb *fb, struct lumen_rtcp_writer *w)
{
	static struct lumen_rtcp_fir_entry fir[0x2000];
	struct lumen_rtcp_remb a, b;
	struct lumen_rtcp_hdr h2;
	struct lumen_rtcp_fb fb2;
	ssize_t n;
	uint32_t ssrcs[255];

	if (fb->fmt == LUMEN_RTCP_FMT_FIR) {
		CHECK((n = lumen_rtcp_fir_count(fb)) > 0);
		if (n > 0x1ffe)
			return;
		for (ssize_t i = 0; i < n; i++)
			lumen_rtcp_fir_entry(fb, (size_t)i, &fir[i]);
		CHECK(lumen_rtcp_write_fir(w, fb->sender_ssrc, fir, (size_t)n) == 0);
		reparse(w, &h2);
		CHECK(lumen_rtcp_parse_fb(&h2, &fb2) == 0 && lumen_rtcp_fir_count(&fb2) == n);
		for (ssize_t i = 0; i < n; i++) {
			struct lumen_rtcp_fir_entry e;

			lumen_rtcp_fir_entry(&fb2, (size_t)i, &e);
			CHECK(e.ssrc == fir[i].ssrc && e.seq == fir[i].seq);
		}
	} else if (fb->fmt == LUMEN_RTCP_FMT_AFB && lumen_rtcp_parse_remb(fb, &a) == 0) {
		for (unsigned i = 0; i < a.n_ssrc; i++)
			ssrcs[i] = lumen_rtcp_remb_ssrc(&a, i);
		CHECK(lumen_rtcp_write_remb(w, fb->sender_ssrc, a.bitrate, ssrcs, a.n_ssrc) == 0);
		reparse(w, &h2);
		CHECK(lumen_rtcp_parse_fb(&h2, &fb2) == 0 && lumen_rtcp_parse_remb(&fb2, &b) == 0);
		CHECK(b.bitrate == a.bitrate && b.n_ssrc == a.n_ssrc);
		for (unsigned i = 0; i < a.n_ssrc; i++)
			CHECK(lumen_rtcp_remb_ssrc(&b, i) == ssrcs[i]);
	} else if (fb->fmt == LUMEN_RTCP_FMT_PLI) {
		CHECK(lumen_rtcp_write_pli(w, fb->sender_ssrc, fb->media_ssrc) == 0);
		reparse(w, &h2);
		CHECK(lumen_rtcp_parse_fb(&h2, &fb2) == 0 && fb2.media_ssrc == fb->media_ssrc);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr h;
	struct lumen_rtcp_fb fb;
	struct lumen_rtcp_writer w;
	int n = lumen_rtcp_validate(data, size), seen = 0;

	if (n < 0)
		return 0;
	lumen_rtcp_iter_init(&it, data, size);
	while (lumen_rtcp_next(&it, &h) > 0) {
		lumen_rtcp_writer_init(&w, out, sizeof(out));
		seen++;
		switch (h.pt) {
		case LUMEN_RTCP_SR:
		case LUMEN_RTCP_RR:
			check_report(&h, &w);
			break;
		case LUMEN_RTCP_SDES:
			check_sdes(&h, &w);
			break;
		case LUMEN_RTCP_BYE:
			check_bye(&h, &w);
			break;
		case LUMEN_RTCP_RTPFB:
			CHECK(lumen_rtcp_parse_fb(&h, &fb) == 0);
			if (fb.fmt == LUMEN_RTCP_FMT_NACK)
				check_nack(&fb, &w);
			else if (fb.fmt == LUMEN_RTCP_FMT_TCC)
				check_tcc(&fb, &w);
			break;
		case LUMEN_RTCP_PSFB:
			CHECK(lumen_rtcp_parse_fb(&h, &fb) == 0);
			check_psfb(&fb, &w);
			break;
		default:
			break;
		}
	}
	CHECK(seen == n);
	return 0;
}
