/* test_pc_tcc.c -- transport-wide congestion control feedback between two pcs back to back
 * over 127.0.0.1 (pc_pair.h): the server reports every transport-wide sequence number it
 * received or lost, across the 16-bit wrap and a jump far ahead, with arrival times; the client
 * parses each feedback as it arrives. */
#include <criterion/criterion.h>
#include <string.h>

#include "pc_pair.h"
#include "webrtc/pc.h"
#include "webrtc/rtcp.h"
#include "webrtc/rtp.h"

static const char *tcc_offer =
	"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE v\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=mid:v\r\na=sendrecv\r\n"
	"a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 transport-cc\r\n"
	"a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
	"a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
	"a=ssrc-group:FID 2222 2223\r\na=ssrc:2222 cname:client\r\na=ssrc:2223 cname:client\r\n";
static const char *tcc_answer =
	"v=0\r\no=- 2 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE v\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=mid:v\r\na=sendrecv\r\n"
	"a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 transport-cc\r\n"
	"a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
	"a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n";

/* What the client learnt from the server's feedback, by transport sequence number. */
static struct tcc_seen {
	uint8_t lost[65536], received[65536];
	int64_t arrival_us[65536];
	unsigned n_fb, bad;
	int next_fb_count;
	uint16_t max_count;
} *tcc;

static void on_tcc_rtcp(struct pc_peer *p, const uint8_t *buf, size_t len)
{
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr h;
	(void)p;

	lumen_rtcp_iter_init(&it, buf, len);
	while (lumen_rtcp_next(&it, &h) == 1) {
		static uint8_t rx[65536];
		static int64_t at[65536];
		struct lumen_rtcp_fb fb;
		struct lumen_rtcp_tcc t;

		if (h.pt != LUMEN_RTCP_RTPFB || lumen_rtcp_parse_fb(&h, &fb) < 0 ||
		    fb.fmt != LUMEN_RTCP_FMT_TCC)
			continue;
		if (lumen_rtcp_parse_tcc(&fb, &t, rx, at, sizeof(rx)) < 0 || t.media_ssrc != 2222 ||
		    !t.sender_ssrc || t.fb_count != (uint8_t)tcc->next_fb_count) {
			tcc->bad++;
			continue;
		}
		tcc->next_fb_count++;
		tcc->n_fb++;
		if (t.count > tcc->max_count)
			tcc->max_count = t.count;
		for (unsigned i = 0; i < t.count; i++) {
			uint16_t seq = (uint16_t)(t.base_seq + i);
			if (rx[i]) {
				tcc->received[seq]++;
				tcc->arrival_us[seq] = at[i];
			} else {
				tcc->lost[seq]++;
			}
		}
	}
}

/* A video packet with the mid and transport-wide sequence number extensions; padding only
 * (pad bytes, no payload) when pad is set. */
static int client_tcc(struct pc_peer *c, uint8_t pt, uint32_t ssrc, uint16_t seq, uint16_t tseq,
		      bool pad)
{
	static const uint8_t payload[100] = { 0x10, 0x00 };
	struct lumen_rtp_hdr h = { .pt = pt, .ssrc = ssrc, .ts = 3000u * seq, .seq = seq };
	uint8_t ts[2] = { (uint8_t)(tseq >> 8), (uint8_t)tseq };
	struct lumen_rtp_ext ext[2] = {
		{ .id = 1, .len = 1, .data = (const uint8_t *)"v" },
		{ .id = 3, .len = 2, .data = ts },
	};
	uint8_t pkt[400];
	ssize_t n = lumen_rtp_write(pkt, sizeof(pkt), &h, ext, 2, payload,
				    pad ? 0 : sizeof(payload), pad ? 200 : 0);

	cr_assert_gt(n, 0);
	return lumen_pc_send_rtp(c->pc, "v", pkt, (size_t)n, NULL);
}

static bool tcc_reported(void *a)
{
	const uint16_t *want = a;
	for (; *want != 0xffff || want[1] != 0xffff; want++)
		if (!tcc->received[*want] && !tcc->lost[*want])
			return false;
	return true;
}

Test(pc, received_packets_are_reported_in_transport_wide_feedback, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct pc_peer p[2];
	struct lumen_pc_stats st;
	/* Transport-wide numbers across the 16-bit wrap, 65533 and 3 lost, 65535 late by one, 1 a
	 * padding-only RTX probe, 2 a padding-only media packet, then a jump far ahead. */
	static const uint16_t sent[] = { 65530, 65531, 65532, 65534, 0, 65535, 1, 2, 4, 5,
					 3000, 3001 };
	static const uint16_t all[] = { 65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4,
					5, 3000, 3001, 0xffff, 0xffff };

	tcc = g_new0(struct tcc_seen, 1);
	pc_peer_init(&p[0], "server", true, 0);
	pc_peer_init(&p[1], "client", false, 0);
	p[0].echo = false;
	p[1].on_rtcp = on_tcc_rtcp; /* the client parses every feedback it receives */
	pc_pair_negotiate(p, tcc_offer, tcc_answer, NULL, NULL);
	cr_assert(p[0].up && p[1].up);

	for (unsigned i = 0; i < G_N_ELEMENTS(sent); i++) {
		uint16_t ts = sent[i];
		if (ts == 1)
			cr_assert_eq(client_tcc(&p[1], 97, 2223, 500, ts, true), 0);
		else
			cr_assert_eq(client_tcc(&p[1], 96, 2222, (uint16_t)(100 + i), ts, ts == 2),
				     0);
		g_usleep(2000);
	}
	pc_pair_pump(tcc_reported, (void *)all, 3000);
	cr_assert(tcc_reported((void *)all),
		  "every number up to the last was reported (%u feedbacks, %u bad)", tcc->n_fb,
		  tcc->bad);
	cr_assert_eq(tcc->bad, 0, "feedback parses, names the media SSRC, counts up from 0");
	cr_assert_geq(tcc->n_fb, 2, "the jump ends one feedback and starts another");
	cr_assert_leq(tcc->max_count, 12, "the gap between 5 and 3000 is in no feedback");
	for (unsigned i = 0; i < G_N_ELEMENTS(sent); i++) {
		cr_assert_eq(tcc->received[sent[i]], 1, "%u reported received once", sent[i]);
		cr_assert_eq(tcc->lost[sent[i]], 0, "%u never reported lost", sent[i]);
	}
	cr_assert(tcc->lost[65533] && !tcc->received[65533], "65533 reported lost");
	cr_assert(tcc->lost[3] && !tcc->received[3], "3 reported lost");
	for (uint16_t s = 6; s < 3000; s++)
		cr_assert(!tcc->lost[s] && !tcc->received[s]);
	/* Arrival times: sent 2 ms apart, so increasing with the sending order, within a second. */
	for (unsigned i = 1; i < G_N_ELEMENTS(sent); i++) {
		int64_t d = tcc->arrival_us[sent[i]] - tcc->arrival_us[sent[i - 1]];
		cr_assert(d >= 0 && d < 1000000, "%u after %u by %lld us", sent[i], sent[i - 1],
			  (long long)d);
	}

	lumen_pc_get_stats(p[0].pc, &st);
	g_free(st.selected_pair);
	cr_assert_eq(st.tcc_sent, tcc->n_fb);
	lumen_pc_get_stats(p[1].pc, &st);
	g_free(st.selected_pair);
	cr_assert_eq(st.tcc_sent, 0, "the client received no transport-cc numbers");
	pc_peer_fini(&p[1]);
	pc_peer_fini(&p[0]);
	g_free(tcc);
}
