/* test_pc_video.c -- a server and a client pc with one video m-line that negotiates NACK,
 * back to back over 127.0.0.1 (pc_pair.h): gaps are NACKed and NACKs answered from the sender's
 * cache, receiver reports go out, relayed video is cached by reference to its received buffer,
 * and heavy loss is reported as a slow link in both directions. */
#include <criterion/criterion.h>
#include <string.h>

#include "pc_pair.h"
#include "webrtc/bytes.h"
#include "webrtc/pc.h"
#include "webrtc/pktbuf.h"
#include "webrtc/rtp.h"

static int client_video(struct pc_peer *c, uint16_t seq)
{
	static const uint8_t payload[100] = { 0x10, 0x00 };
	struct lumen_rtp_hdr h = { .pt = 96, .ssrc = 2222, .ts = 3000u * seq, .seq = seq };

	return pc_peer_send_rtp(c, "v", &h, payload, sizeof(payload));
}

/* A server (no echo) and a client with one video m-line that negotiates NACK, connected. */
static void connect_video(struct pc_peer *p)
{
	pc_peer_init(&p[0], "server", true, 0);
	pc_peer_init(&p[1], "client", false, 0);
	p[0].echo = false;
	pc_pair_negotiate(p, pc_pair_video_offer, pc_pair_video_answer, NULL, NULL);
	cr_assert(p[0].up && p[1].up);
}

struct nack_wait {
	struct lumen_pc *pc;
	uint64_t min;
	int field; /* 0 nacks_sent, 1 nacks_received, 2 retransmitted, 3 rr_sent */
};

static bool stat_reached(void *a)
{
	struct nack_wait *w = a;
	struct lumen_pc_stats st;
	uint64_t v;

	lumen_pc_get_stats(w->pc, &st);
	g_free(st.selected_pair);
	v = w->field == 0 ? st.nacks_sent : w->field == 1 ? st.nacks_received
		: w->field == 2 ? st.retransmitted : st.rr_sent;
	return v >= w->min;
}

Test(pc, gaps_are_nacked_nacks_are_answered_from_the_cache_and_receivers_report,
     .init = pc_pair_setup, .fini = pc_pair_teardown)
{
	struct pc_peer p[2];
	struct lumen_pc_stats st;

	connect_video(p);

	/* 700 and 702 arrive, 701 never does: the server asks for it by itself. */
	cr_assert_eq(client_video(&p[1], 700), 0);
	cr_assert_eq(client_video(&p[1], 702), 0);
	struct nack_wait sent = { p[0].pc, 1, 0 }, got = { p[1].pc, 1, 1 };
	pc_pair_pump(stat_reached, &sent, 3000);
	pc_pair_pump(stat_reached, &got, 3000);
	cr_assert(stat_reached(&sent), "the server NACKed the missing packet");
	cr_assert(stat_reached(&got), "the client received the NACK");

	/* A NACK for a packet the client did send is answered from its cache. */
	uint8_t nack[16] = { 0x81, 205, 0, 3 };
	nack[4] = 0x12; nack[5] = 0x34; nack[6] = 0x56; nack[7] = 0x78;      /* sender */
	nack[8] = 0; nack[9] = 0; nack[10] = 0x08; nack[11] = 0xae;           /* media 2222 */
	nack[12] = 0x02; nack[13] = 0xbc; nack[14] = 0; nack[15] = 0;         /* PID 700 */
	cr_assert_eq(lumen_pc_send_rtcp(p[0].pc, nack, sizeof(nack)), 0);
	struct nack_wait rtx = { p[1].pc, 1, 2 };
	pc_pair_pump(stat_reached, &rtx, 3000);
	cr_assert(stat_reached(&rtx), "the client resent packet 700 from its cache");

	/* Within a second or so, the server reports on what it receives. */
	struct nack_wait rr = { p[0].pc, 1, 3 };
	pc_pair_pump(stat_reached, &rr, 3000);
	cr_assert(stat_reached(&rr), "the server sent a receiver report");
	lumen_pc_get_stats(p[0].pc, &st);
	cr_assert_geq(st.rtp_in, 2);
	cr_assert_eq(st.tcc_sent, 0, "no transport-cc feedback where it was not negotiated");
	g_free(st.selected_pair);
	pc_peer_fini(&p[1]);
	pc_peer_fini(&p[0]);
}

/* The packet that shows a hole sends its NACK: when the server has taken in both packets of a
 * pair with a hole between them, the request is already out. Before, requests waited for the
 * 100 ms tick, which runs with a packet only when it is due within 10 ms: five pairs in a row
 * found it there by chance about once in 10^5. */
Test(pc, a_hole_is_nacked_by_the_packet_that_shows_it, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct pc_peer p[2];
	struct lumen_pc_stats st;

	connect_video(p);
	for (uint16_t r = 0; r < 5; r++) {
		uint16_t seq = (uint16_t)(2000 + 10 * r);
		int rx = p[0].video_rx;
		uint64_t before;

		lumen_pc_get_stats(p[0].pc, &st);
		g_free(st.selected_pair);
		before = st.nacks_sent;
		cr_assert_eq(client_video(&p[1], seq), 0);
		cr_assert_eq(client_video(&p[1], (uint16_t)(seq + 2)), 0);
		for (int i = 0; i < 2000 && p[0].video_rx < rx + 2; i++) {
			g_main_context_iteration(NULL, FALSE);
			if (p[0].video_rx < rx + 2)
				g_usleep(100);
		}
		cr_assert_eq(p[0].video_rx, rx + 2, "round %d: both packets arrived", (int)r);
		lumen_pc_get_stats(p[0].pc, &st);
		g_free(st.selected_pair);
		cr_assert_gt(st.nacks_sent, before, "round %d: the NACK left with the packet", (int)r);
	}
	pc_peer_fini(&p[1]);
	pc_peer_fini(&p[0]);
}

/* The server relays video it "received" in buf (a pool of the test's) with
 * lumen_pc_send_rtp_buf, as media.c does with struct lumen_pc_rtp.buf. */
static void server_video_buf(struct lumen_pktbuf *b, uint16_t seq)
{
	uint8_t payload[300];
	struct lumen_rtp_hdr h = { .pt = 96, .ssrc = 5555, .ts = 3000u * seq, .seq = seq };
	ssize_t n;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(seq + i);
	payload[0] = 0x10;
	n = lumen_rtp_write(b->data, LUMEN_PKTBUF_SIZE, &h, NULL, 0, payload, sizeof(payload), 0);
	cr_assert_gt(n, 0);
	b->len = (size_t)n;
}

static size_t pool_in_use(struct lumen_pktbuf_pool *pool)
{
	struct lumen_pktbuf_stats st;

	lumen_pktbuf_pool_stats(pool, &st);
	return st.in_use;
}

static bool client_dropped(void *a)
{
	struct nack_wait *w = a;
	struct lumen_pc_stats st;

	lumen_pc_get_stats(w->pc, &st);
	g_free(st.selected_pair);
	return st.dropped_in >= w->min;
}

/* Received video comes in a pooled buffer; relayed with it, the sender's NACK cache keeps a
 * reference on that buffer (not a copy) as long as the packet is held, while a modified copy
 * passed with the original's buffer is not trusted and is copied. Both NACKs are answered with
 * the packets as they were sent: the client drops both as SRTP replays of what it has (a
 * rebuilt header with another seq or SSRC would be taken as a new packet). */
Test(pc, relayed_video_is_cached_by_reference_to_its_received_buffer, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct lumen_pktbuf_pool *pool = lumen_pktbuf_pool_new(4, 4);
	struct lumen_pktbuf *b1, *b2;
	uint8_t copy[LUMEN_PKTBUF_SIZE];
	struct pc_peer p[2];
	struct lumen_pc_stats st;

	connect_video(p);
	/* What the server receives is delivered in a buffer that holds it. */
	cr_assert_eq(client_video(&p[1], 10), 0);
	cr_assert_eq(client_video(&p[1], 11), 0);
	for (int i = 0; i < 200 && p[0].video_rx < 2; i++) {
		g_main_context_iteration(NULL, FALSE);
		g_usleep(1000);
	}
	cr_assert_eq(p[0].video_rx, 2);
	cr_assert_eq(p[0].video_in_buf, 2, "video arrives in the pc's receive buffer");

	b1 = lumen_pktbuf_get(pool);
	server_video_buf(b1, 100);
	cr_assert_eq(lumen_pc_send_rtp_buf(p[0].pc, "v", b1, b1->data, b1->len, NULL), 0);
	lumen_pktbuf_unref(b1);
	cr_assert_eq(pool_in_use(pool), 1, "the cache references the received buffer");

	b2 = lumen_pktbuf_get(pool);
	server_video_buf(b2, 101);
	memcpy(copy, b2->data, b2->len);
	copy[b2->len - 1] ^= 0xff; /* a plugin's patched copy, passed with the original's buffer */
	cr_assert_eq(lumen_pc_send_rtp_buf(p[0].pc, "v", b2, copy, b2->len, NULL), 0);
	lumen_pktbuf_unref(b2);
	cr_assert_eq(pool_in_use(pool), 1, "bytes outside the buffer: not referenced");

	/* The client asks for both (NACK PID 100, BLP bit 0 = 101). */
	uint8_t nack[16] = { 0x81, 205, 0, 3 };
	wr32be(nack + 4, 0x12345678);
	wr32be(nack + 8, 5555);
	nack[12] = 0; nack[13] = 100; nack[14] = 0; nack[15] = 1;
	struct nack_wait rx2 = { p[1].pc, 0, 0 };
	for (int i = 0; i < 200 && p[1].video_rx < 2; i++) {
		g_main_context_iteration(NULL, FALSE);
		g_usleep(1000);
	}
	cr_assert_eq(p[1].video_rx, 2, "the client got both originals");
	lumen_pc_get_stats(p[1].pc, &st);
	g_free(st.selected_pair);
	rx2.min = st.dropped_in + 2;
	cr_assert_eq(lumen_pc_send_rtcp(p[1].pc, nack, sizeof(nack)), 0);
	struct nack_wait rtx = { p[0].pc, 2, 2 };
	pc_pair_pump(stat_reached, &rtx, 3000);
	cr_assert(stat_reached(&rtx), "the server resent both from its cache");
	pc_pair_pump(client_dropped, &rx2, 3000);
	cr_assert(client_dropped(&rx2), "both retransmissions reached the client");
	cr_assert(p[1].warnings & LUMEN_PC_WARN_SRTP_REPLAY, "as replays of what it has");
	cr_assert_eq(p[1].video_rx, 2, "nothing that looked new");

	pc_peer_fini(&p[1]);
	pc_peer_fini(&p[0]);
	cr_assert_eq(pool_in_use(pool), 0, "freeing the pc let the buffer go");
	lumen_pktbuf_pool_free(pool);
}

static bool slow_both(void *a)
{
	struct pc_peer *p = a;
	return p[0].slowlink_up > 0 && p[1].slowlink_down > 0;
}

Test(pc, heavy_loss_is_reported_as_a_slow_link_in_both_directions, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct pc_peer p[2];

	connect_video(p);
	/* Every other packet of 40 goes missing: 19 holes the server must ask for. */
	for (uint16_t s = 1000; s < 1040; s += 2)
		cr_assert_eq(client_video(&p[1], s), 0);
	pc_pair_pump(slow_both, p, 4000);
	cr_assert_gt(p[0].slowlink_up, 0, "the server sees its uplink from the client as slow");
	cr_assert_gt(p[1].slowlink_down, 0, "the client learns the server lost what it sent");
	cr_assert_geq(p[0].slowlink_lost, 8);
	pc_peer_fini(&p[1]);
	pc_peer_fini(&p[0]);
}
