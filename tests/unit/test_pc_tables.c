/* test_pc_tables.c -- the pc's tables of tracks, SSRCs, out streams and data channels
 * (pc_internal.h): empty in a new pc, grown on demand, up to their limits, and what happens one
 * past each limit. Learns descriptions directly where no peer is needed; data channels need a
 * client and a server connected over 127.0.0.1 (pc_pair.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "pc_pair.h"
#include "webrtc/pc.h"
#include "webrtc/pc_internal.h"
#include "webrtc/rtp.h"

/* A description of n m-lines (mids "0".."n-1"), the first with ssrcs SSRCs 1000, 1001, ... */
static struct lumen_sdp *many_mlines(unsigned n, unsigned ssrcs)
{
	GString *t = g_string_new("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");
	struct lumen_sdp_error e = { 0 };
	struct lumen_sdp *sdp = NULL;

	for (unsigned i = 0; i < n; i++) {
		g_string_append_printf(t,
				       "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
				       "a=mid:%u\r\na=sendrecv\r\na=rtcp-mux\r\n"
				       "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\n",
				       i);
		for (unsigned k = 0; i == 0 && k < ssrcs; k++)
			g_string_append_printf(t, "a=ssrc:%u cname:x\r\n", 1000 + k);
	}
	cr_assert_eq(lumen_sdp_parse(t->str, t->len, &sdp, &e), 0, "test SDP parses");
	g_string_free(t, TRUE);
	return sdp;
}

/* Has pc learn many_mlines(n, ssrcs) as the remote description: what learning returns. */
static int learn_mlines(struct lumen_pc *pc, unsigned n, unsigned ssrcs, char **err)
{
	struct lumen_sdp *sdp = many_mlines(n, ssrcs);
	int rc = pc_media_learn_remote(pc, sdp, err);

	lumen_sdp_free(sdp);
	return rc;
}

/* A server pc no peer talks to, the tables' own functions called on it directly; unless n is
 * 0, it has learnt many_mlines(n, ssrcs). */
static struct lumen_pc *bare_pc(struct pc_peer *p, unsigned n, unsigned ssrcs)
{
	char *err = NULL;

	pc_peer_init(p, "server", true, 0);
	if (n)
		cr_assert_eq(learn_mlines(p->pc, n, ssrcs, &err), 0, "%s", err);
	return p->pc;
}

Test(pc_tables, a_new_pc_is_small_and_its_tables_are_empty, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct pc_peer p;
	struct lumen_pc *pc = bare_pc(&p, 0, 0);

	/* Issue #7: fixed tables made a pc 34 KiB, most of it unused by a subscriber. */
	cr_assert_lt(sizeof(struct lumen_pc), 2048, "struct lumen_pc is %zu bytes",
		     sizeof(struct lumen_pc));
	cr_assert_null(pc->tracks);
	cr_assert_null(pc->ssrcs);
	cr_assert_null(pc->channels);
	cr_assert_null(pc->out);
	cr_assert_null(pc->tcc.arrival_us, "the transport-cc ring waits for media");
	pc_peer_fini(&p);
}

Test(pc_tables, tracks_grow_to_32_and_a_33rd_m_line_is_refused, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct pc_peer p;
	struct lumen_pc *pc = bare_pc(&p, 3, 0);
	char *err = NULL;

	cr_assert_eq(pc->n_tracks, 3);
	cr_assert_leq(pc->cap_tracks, 4, "a small description takes a small table");

	cr_assert_eq(learn_mlines(pc, PC_MAX_TRACKS, 0, &err), 0, "%s", err);
	cr_assert_eq(pc->n_tracks, PC_MAX_TRACKS);
	cr_assert_eq(pc->cap_tracks, PC_MAX_TRACKS);
	for (unsigned i = 0; i < PC_MAX_TRACKS; i++) {
		char mid[8];
		snprintf(mid, sizeof(mid), "%u", i);
		cr_assert_str_eq(pc->tracks[i].mid, mid);
		cr_assert_eq(pc->tracks[i].kind, LUMEN_PC_VIDEO);
		cr_assert(pc->tracks[i].nack);
	}

	cr_assert_eq(learn_mlines(pc, PC_MAX_TRACKS + 1, 0, &err), -EINVAL);
	cr_assert(err && strstr(err, "too many m-lines"), "reason: %s", err);
	g_free(err);
	cr_assert_eq(pc->n_tracks, PC_MAX_TRACKS, "the first 32 are kept");
	cr_assert_eq(pc->cap_tracks, PC_MAX_TRACKS, "never beyond the limit");
	pc_peer_fini(&p);
}

Test(pc_tables, ssrcs_grow_to_64_and_the_65th_recycles_the_oldest, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct pc_peer p;
	struct lumen_pc *pc = bare_pc(&p, 1, 2);
	char *err = NULL;

	cr_assert_eq(pc->n_ssrcs, 2);
	cr_assert_leq(pc->cap_ssrcs, 4);

	cr_assert_eq(learn_mlines(pc, 1, PC_MAX_SSRCS, &err), 0, "%s", err);
	cr_assert_eq(pc->n_ssrcs, PC_MAX_SSRCS);
	cr_assert_eq(pc->cap_ssrcs, PC_MAX_SSRCS);
	for (unsigned i = 0; i < PC_MAX_SSRCS; i++) {
		cr_assert_eq(pc->ssrcs[i].ssrc, 1000 + i);
		cr_assert_eq(pc->ssrcs[i].track, 0);
	}

	cr_assert_eq(learn_mlines(pc, 1, PC_MAX_SSRCS + 1, &err), 0, "%s", err);
	cr_assert_eq(pc->n_ssrcs, PC_MAX_SSRCS, "a full table recycles, it does not grow");
	cr_assert_eq(pc->cap_ssrcs, PC_MAX_SSRCS);
	cr_assert_eq(pc->ssrcs[0].ssrc, 1001, "the oldest (1000) went");
	cr_assert_eq(pc->ssrcs[PC_MAX_SSRCS - 1].ssrc, 1000 + PC_MAX_SSRCS);
	pc_peer_fini(&p);
}

Test(pc_tables, out_streams_grow_to_32_and_a_33rd_ssrc_is_not_tracked, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct pc_peer p;
	struct lumen_pc *pc = bare_pc(&p, 2, 0);
	static const uint8_t payload[100] = { 1 };
	uint8_t pkt[200];

	pthread_mutex_lock(&pc->tx_lock);
	for (unsigned i = 0; i <= PC_MAX_OUT; i++) {
		/* Twice each: the second packet finds its stream and adds nothing. */
		for (uint16_t k = 0; k < 2; k++) {
			struct lumen_rtp_hdr h = { .pt = 96, .ssrc = 5000 + i, .seq = k, .ts = 90 };
			ssize_t n = lumen_rtp_write(pkt, sizeof(pkt), &h, NULL, 0, payload,
						    sizeof(payload), 0);

			struct lumen_rtp parsed;

			cr_assert_gt(n, 0);
			cr_assert_eq(lumen_rtp_parse(&parsed, pkt, (size_t)n), 0);
			/* the first two on the video m-line 0: those keep a retransmission cache */
			pc_rtcp_on_sent(pc, i < 2 ? 0 : -1, &parsed, NULL, NULL, 1000000);
		}
		cr_assert_eq(pc->n_out, i < PC_MAX_OUT ? i + 1 : PC_MAX_OUT);
	}
	pthread_mutex_unlock(&pc->tx_lock);
	cr_assert_eq(pc->cap_out, PC_MAX_OUT);
	for (unsigned i = 0; i < PC_MAX_OUT; i++) {
		cr_assert_eq(pc->out[i].ssrc, 5000 + i);
		cr_assert_eq(pc->out[i].packets, 2);
		cr_assert_eq(pc->out[i].octets, 2 * sizeof(payload));
		cr_assert_eq(pc->out[i].cache != NULL, i < 2, "out %u: a cache for video only", i);
	}
	pc_peer_fini(&p);
}

static bool channels_at(void *a)
{
	struct pc_peer *p = a;
	return p->pc->n_channels >= PC_MAX_CHANNELS;
}

Test(pc_tables, data_channels_grow_to_64_and_a_65th_is_refused, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct pc_peer p[2];

	pc_peer_init(&p[0], "server", true, 0);
	pc_peer_init(&p[1], "client", false, 0);
	cr_assert_null(p[1].pc->channels);
	pc_pair_connect(p, NULL);
	cr_assert(p[1].up, "client up (hangup: %s)", p[1].hangup);
	pc_pair_pump(pc_peer_data_ready, &p[1], 5000);
	cr_assert(lumen_pc_data_ready(p[1].pc));
	for (unsigned i = 0; i < PC_MAX_CHANNELS; i++) {
		char label[16];
		snprintf(label, sizeof(label), "c%u", i);
		cr_assert_geq(lumen_pc_open_data(p[1].pc, label, NULL, true, -1), 0, "%s", label);
		cr_assert_eq(p[1].pc->n_channels, i + 1);
	}
	cr_assert_eq(p[1].pc->cap_channels, PC_MAX_CHANNELS);
	cr_assert_eq(lumen_pc_open_data(p[1].pc, "one-too-many", NULL, true, -1), -ENOSPC);
	cr_assert_eq(lumen_pc_open_data(p[1].pc, "c7", NULL, true, -1), -EEXIST);
	cr_assert_eq(p[1].pc->n_channels, PC_MAX_CHANNELS);
	/* The server learns each channel from the peer's open message, up to the same limit. */
	pc_pair_pump(channels_at, &p[0], 5000);
	cr_assert_eq(p[0].pc->n_channels, PC_MAX_CHANNELS);
	cr_assert_eq(p[0].pc->cap_channels, PC_MAX_CHANNELS);
	cr_assert_eq(lumen_pc_send_data(p[1].pc, "c63", false, (const uint8_t *)"last", 4), 0);
	pc_pair_pump_count(&p[1].data_rx, 2, 5000);
	cr_assert_str_eq(p[0].last_label, "c63");
	cr_assert_str_eq(p[1].last_data, "last", "the 64th channel carries data both ways");
	pc_peer_fini(&p[1]);
	pc_peer_fini(&p[0]);
}
