/* test_pc.c -- two peer connections back to back over 127.0.0.1 in one process: lumen's server
 * side (ICE lite, answers) and a client side (full ICE, controlling, offers) built from the same
 * engine. They negotiate from SDP text, connect ICE, finish DTLS, key SRTP, then RTP and
 * data-channel messages make the round trip client -> server (echo) -> client. Also: a
 * mismatched fingerprint, invalid SDP, and a silent peer each end in a clear hangup; NACKs,
 * receiver reports, slow links, and transport-wide congestion control feedback; the tables of
 * tracks, SSRCs, out streams and channels, which grow on demand, up to their limits. */
#include <criterion/criterion.h>
#include <string.h>

#include "webrtc/bytes.h"
#include "webrtc/cert.h"
#include "webrtc/dtls.h"
#include "webrtc/pc.h"
#include "webrtc/pc_internal.h"
#include "webrtc/pktbuf.h"
#include "webrtc/pktcache.h"
#include "webrtc/rtcp.h"
#include "webrtc/rtp.h"

static const char *const loopback[] = { "127.0.0.1", NULL };

struct peer {
	struct lumen_pc *pc;
	const char *name;
	bool echo;
	bool up;
	char hangup[200];
	GPtrArray *cands;
	bool gathered;
	struct peer *other;
	int rtp_rx, data_rx, media_on;
	unsigned warnings; /* enum lumen_pc_warning bits reported */
	int slowlink_up, slowlink_down;
	uint32_t slowlink_lost;
	int warning_calls;
	char last_data[64];
	char last_label[64];
	uint16_t last_seq;
	char last_mid[16];
	int video_in_buf, video_rx; /* video delivered in a buffer that holds it / in all */
	bool audio_in_buf;
};

static struct lumen_cert *cert;
static struct lumen_dtls_ctx *dctx;

static void setup(void)
{
	cert = lumen_cert_new();
	cr_assert_not_null(cert);
	dctx = lumen_dtls_ctx_new(cert);
	cr_assert_not_null(dctx);
}

static void teardown(void)
{
	lumen_dtls_ctx_free(dctx);
	lumen_cert_free(cert);
}

static void on_candidate(void *u, const char *c)
{
	struct peer *p = u;
	if (c)
		g_ptr_array_add(p->cands, g_strdup(c));
	else
		p->gathered = true;
}
static void on_up(void *u)
{
	((struct peer *)u)->up = true;
}
static void on_hangup(void *u, const char *reason)
{
	struct peer *p = u;
	g_strlcpy(p->hangup, reason, sizeof(p->hangup));
}
static void on_rtp(void *u, const struct lumen_pc_rtp *pkt)
{
	struct peer *p = u;
	p->rtp_rx++;
	p->last_seq = pkt->seq;
	g_strlcpy(p->last_mid, pkt->mid, sizeof(p->last_mid));
	if (pkt->kind == LUMEN_PC_VIDEO) {
		p->video_rx++;
		p->video_in_buf += lumen_pktcache_buf_holds(pkt->buf, pkt->data, pkt->len);
	} else if (pkt->buf) {
		p->audio_in_buf = true;
	}
	if (p->echo)
		cr_assert_eq(lumen_pc_send_rtp(p->pc, pkt->mid, pkt->data, pkt->len, NULL), 0);
}
static void on_media(void *u, const char *mid, enum lumen_pc_kind kind, bool on)
{
	if (on)
		((struct peer *)u)->media_on++;
}
static void on_slowlink(void *u, bool uplink, uint32_t lost)
{
	struct peer *p = u;
	if (uplink)
		p->slowlink_up++;
	else
		p->slowlink_down++;
	p->slowlink_lost = lost;
}
static void on_warning(void *u, enum lumen_pc_warning kind)
{
	struct peer *p = u;
	p->warnings |= kind;
	p->warning_calls++;
}
static void on_data(void *u, const char *label, uint16_t stream, bool binary, const uint8_t *d,
		    size_t len)
{
	struct peer *p = u;
	size_t n = len < sizeof(p->last_data) - 1 ? len : sizeof(p->last_data) - 1;
	p->data_rx++;
	memcpy(p->last_data, d, n);
	p->last_data[n] = '\0';
	g_strlcpy(p->last_label, label, sizeof(p->last_label));
	if (p->echo)
		lumen_pc_send_data(p->pc, label, binary, d, len);
}

static void peer_init(struct peer *p, const char *name, bool server, uint32_t timeout_ms)
{
	struct lumen_pc_config cfg = {
		.ice = { .lite = server, .controlling = !server, .enforce = loopback },
		.cert = cert,
		.dtls_ctx = dctx,
		.timeout_ms = timeout_ms,
	};
	struct lumen_pc_callbacks cb = {
		.on_candidate = on_candidate, .on_up = on_up, .on_hangup = on_hangup,
		.on_rtp = on_rtp, .on_media = on_media, .on_data = on_data,
		.on_warning = on_warning, .on_slowlink = on_slowlink, .user = p,
	};
	char *err = NULL;

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->echo = server;
	p->cands = g_ptr_array_new_with_free_func(g_free);
	p->pc = lumen_pc_new(NULL, &cfg, &cb, &err);
	cr_assert_not_null(p->pc, "%s: %s", name, err);
}

static void peer_fini(struct peer *p)
{
	lumen_pc_free(p->pc);
	g_ptr_array_free(p->cands, TRUE);
}

static void pump_until(bool (*cond)(void *), void *arg, int timeout_ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	while (!cond(arg) && g_get_monotonic_time() < end)
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(500);
}

static bool gathered2(void *a)
{
	struct peer *p = a;
	return p[0].gathered && p[1].gathered;
}
static bool up2(void *a)
{
	struct peer *p = a;
	return (p[0].up && p[1].up) || p[0].hangup[0] || p[1].hangup[0];
}
static bool rtp_back(void *a)
{
	return ((struct peer *)a)->rtp_rx >= 3;
}
static bool data_back(void *a)
{
	return ((struct peer *)a)->data_rx >= 2;
}
static bool data_ready(void *a)
{
	return lumen_pc_data_ready(((struct peer *)a)->pc);
}
static bool hung(void *a)
{
	return ((struct peer *)a)->hangup[0] != '\0';
}

static const char *offer_media =
	"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\n"
	"a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=ssrc:1111 cname:client\r\n"
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"
	"a=sctp-port:5000\r\na=max-message-size:262144\r\n";

static const char *answer_media =
	"v=0\r\no=- 2 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\n"
	"a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n";

/* Offer/answer between client p[1] and server p[0]; returns after both are up or failed. */
static void negotiate(struct peer *p, const char *tamper_fp)
{
	char *err = NULL, *offer, *answer;

	pump_until(gathered2, p, 5000);
	offer = lumen_pc_complete_local(p[1].pc, offer_media, true, &err);
	cr_assert_not_null(offer, "client offer: %s", err);
	cr_assert(strstr(offer, "a=setup:actpass") != NULL, "%s", offer);
	cr_assert(strstr(offer, "a=ice-lite") == NULL,
		  "the client runs full ICE, so its offer must not claim lite: %s", offer);
	cr_assert(strstr(offer, "a=fingerprint:sha-256 ") != NULL);
	cr_assert_eq(lumen_pc_set_remote(p[0].pc, offer, true, &err), 0, "server: %s", err);

	answer = lumen_pc_complete_local(p[0].pc, answer_media, false, &err);
	cr_assert_not_null(answer, "server answer: %s", err);
	cr_assert(strstr(answer, "a=setup:passive") != NULL,
		  "the answerer takes the DTLS server role, so it picks the SRTP profile");
	cr_assert(strstr(answer, "a=ice-lite") != NULL, "%s", answer);
	cr_assert(strstr(answer, "a=candidate:") != NULL, "gathered candidates are in the SDP");
	if (tamper_fp) {
		char *at = strstr(answer, "a=fingerprint:sha-256 ");
		cr_assert_not_null(at);
		memcpy(at + strlen("a=fingerprint:sha-256 "), tamper_fp, strlen(tamper_fp));
	}
	cr_assert_eq(lumen_pc_set_remote(p[1].pc, answer, false, &err), 0, "client: %s", err);
	g_free(offer);
	g_free(answer);
	pump_until(up2, p, 10000);
}

Test(pc, client_and_server_connect_and_echo_rtp_and_data, .init = setup, .fini = teardown)
{
	struct peer p[2];
	uint8_t pkt[200];
	struct lumen_rtp_hdr h = { .pt = 111, .ssrc = 1111, .ts = 960 };
	struct lumen_pc_stats st;

	peer_init(&p[0], "server", true, 0);
	peer_init(&p[1], "client", false, 0);
	negotiate(p, NULL);
	cr_assert(p[0].up, "server up (hangup: %s)", p[0].hangup);
	cr_assert(p[1].up, "client up (hangup: %s)", p[1].hangup);

	for (int i = 0; i < 3; i++) {
		static const uint8_t payload[40] = { 0xab };
		struct lumen_rtp_ext mid = { .id = 1, .len = 1, .data = (const uint8_t *)"0" };
		ssize_t n;

		h.seq = (uint16_t)(100 + i);
		n = lumen_rtp_write(pkt, sizeof(pkt), &h, &mid, 1, payload, sizeof(payload), 0);
		cr_assert_gt(n, 0);
		cr_assert_eq(lumen_pc_send_rtp(p[1].pc, "0", pkt, (size_t)n, NULL), 0);
	}
	pump_until(rtp_back, &p[1], 5000);
	cr_assert_eq(p[0].rtp_rx, 3, "server decrypted every packet");
	cr_assert_eq(p[1].rtp_rx, 3, "client got every echo");
	cr_assert_eq(p[1].last_seq, 102);
	cr_assert_str_eq(p[1].last_mid, "0", "mapped to its m-line by the mid extension");
	cr_assert_geq(p[0].media_on, 1, "media event on the server");

	pump_until(data_ready, &p[1], 5000);
	cr_assert(lumen_pc_data_ready(p[1].pc), "SCTP association up over DTLS");
	cr_assert_eq(lumen_pc_send_data(p[1].pc, "chat", false, (const uint8_t *)"hello", 5), 0);
	pump_until(data_back, &p[1], 5000);
	cr_assert_str_eq(p[0].last_data, "hello");
	cr_assert_str_eq(p[0].last_label, "chat");
	cr_assert_eq(p[1].data_rx, 1);
	cr_assert_str_eq(p[1].last_data, "hello", "data echoed back");

	lumen_pc_get_stats(p[0].pc, &st);
	cr_assert_str_eq(st.srtp_profile, "SRTP_AEAD_AES_128_GCM", "GCM preferred");
	cr_assert_eq(st.rtp_in, 3);
	cr_assert_eq(st.rtp_out, 3);
	g_free(st.selected_pair);
	peer_fini(&p[1]);
	peer_fini(&p[0]);
}

Test(pc, a_certificate_that_does_not_match_the_fingerprint_hangs_up, .init = setup,
     .fini = teardown)
{
	struct peer p[2];

	peer_init(&p[0], "server", true, 0);
	peer_init(&p[1], "client", false, 0);
	negotiate(p, "00:11:22");
	pump_until(hung, &p[1], 5000);
	cr_assert_not(p[1].up);
	cr_assert(strstr(p[1].hangup, "fingerprint") != NULL, "reason: %s", p[1].hangup);
	peer_fini(&p[1]);
	peer_fini(&p[0]);
}

Test(pc, invalid_remote_descriptions_are_refused_with_a_reason, .init = setup, .fini = teardown)
{
	static const struct {
		const char *sdp, *why;
	} bad[] = {
		{ "garbage", "invalid SDP" },
		{ "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "no accepted m-line" },
		{ "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
		  "c=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\na=ice-ufrag:abcd\r\n"
		  "a=ice-pwd:abcdefghijklmnopqrstuv\r\na=setup:actpass\r\n"
		  "a=fingerprint:sha-256 AB:CD\r\n",
		  "rtcp-mux" },
		{ "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
		  "c=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
		  "a=setup:actpass\r\na=fingerprint:sha-256 AB:CD\r\n",
		  "ice-ufrag" },
		{ "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
		  "c=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
		  "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\na=setup:actpass\r\n",
		  "fingerprint" },
	};
	struct peer p;

	peer_init(&p, "server", true, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		cr_assert_eq(lumen_pc_set_remote(p.pc, bad[i].sdp, true, &err), -EINVAL, "case %zu",
			     i);
		cr_assert_not_null(err);
		cr_assert(strstr(err, bad[i].why) != NULL, "case %zu: \"%s\" should mention %s", i,
			  err, bad[i].why);
		g_free(err);
	}
	cr_assert_eq(lumen_pc_send_rtp(p.pc, "0", (const uint8_t *)"x", 1, NULL), -EAGAIN);
	peer_fini(&p);
}

Test(pc, a_peer_that_goes_silent_is_hung_up_with_a_reason, .init = setup, .fini = teardown)
{
	struct peer p[2];

	peer_init(&p[0], "server", true, 700);
	peer_init(&p[1], "client", false, 0);
	negotiate(p, NULL);
	cr_assert(p[0].up && p[1].up);
	lumen_pc_free(p[1].pc); /* the client vanishes without a word */
	p[1].pc = NULL;
	pump_until(hung, &p[0], 5000);
	cr_assert(strstr(p[0].hangup, "silent") != NULL, "reason: %s", p[0].hangup);
	peer_fini(&p[1]);
	peer_fini(&p[0]);
}

static bool rtp_n(void *a)
{
	return ((struct peer *)a)->rtp_rx >= 4;
}

/* Sends one RTP packet (with the mid extension) from the client. */
static int client_rtp(struct peer *c, uint16_t seq)
{
	static const uint8_t payload[40] = { 0xab };
	struct lumen_rtp_hdr h = { .pt = 111, .ssrc = 1111, .ts = 960u * seq, .seq = seq };
	struct lumen_rtp_ext mid = { .id = 1, .len = 1, .data = (const uint8_t *)"0" };
	uint8_t pkt[200];
	ssize_t n = lumen_rtp_write(pkt, sizeof(pkt), &h, &mid, 1, payload, sizeof(payload), 0);

	cr_assert_gt(n, 0);
	return lumen_pc_send_rtp(c->pc, "0", pkt, (size_t)n, NULL);
}

static bool bad_rtcp_seen(void *a)
{
	return (((struct peer *)a)->warnings & LUMEN_PC_WARN_BAD_RTCP) != 0;
}

Test(pc, a_bad_peer_is_dropped_reported_once_per_kind_and_good_media_still_flows,
     .init = setup, .fini = teardown)
{
	static const uint8_t garbage[] = { 0x05, 'g', 'a', 'r', 'b', 'a', 'g', 'e' };
	uint8_t fake_srtp[60] = { 0x80, 111, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0x04, 0x57 };
	struct peer p[2];
	struct lumen_pc_stats st;

	peer_init(&p[0], "server", true, 0);
	peer_init(&p[1], "client", false, 0);
	p[0].echo = false;
	negotiate(p, NULL);
	cr_assert(p[0].up && p[1].up);

	/* Garbage on the ICE port, many times: dropped, reported once. */
	for (int i = 0; i < 20; i++)
		cr_assert_eq(lumen_pc_send_datagram(p[1].pc, garbage, sizeof(garbage)),
			     (ssize_t)sizeof(garbage));
	/* RTP-looking bytes that are not SRTP of this session: authentication fails. */
	cr_assert_gt(lumen_pc_send_datagram(p[1].pc, fake_srtp, sizeof(fake_srtp)), 0);
	/* The same sequence number protected twice makes an identical packet: a replay. */
	cr_assert_eq(client_rtp(&p[1], 500), 0);
	cr_assert_eq(client_rtp(&p[1], 500), 0);
	/* SRTCP that decrypts fine but is not RTCP inside: a length that runs past the end. */
	static const uint8_t bad_rtcp[12] = { 0x81, 201, 0x00, 0x09, 0, 0, 0, 1, 0, 0, 0, 2 };
	cr_assert_eq(lumen_pc_send_rtcp(p[1].pc, bad_rtcp, sizeof(bad_rtcp)), -EINVAL,
		     "the checked path refuses to send it");
	cr_assert_eq(lumen_pc_send_rtcp_unchecked(p[1].pc, bad_rtcp, sizeof(bad_rtcp)), 0);
	/* Then good media. */
	for (uint16_t s = 501; s < 504; s++)
		cr_assert_eq(client_rtp(&p[1], s), 0);
	pump_until(rtp_n, &p[0], 5000);

	cr_assert_eq(p[0].rtp_rx, 4, "the first copy and the three good packets arrive");
	cr_assert(p[0].warnings & LUMEN_PC_WARN_GARBAGE, "garbage reported");
	cr_assert(p[0].warnings & LUMEN_PC_WARN_SRTP_AUTH, "forged SRTP reported");
	cr_assert(p[0].warnings & LUMEN_PC_WARN_SRTP_REPLAY, "replay reported");
	pump_until(bad_rtcp_seen, &p[0], 3000);
	cr_assert(p[0].warnings & LUMEN_PC_WARN_BAD_RTCP, "malformed RTCP reported");
	cr_assert_eq(p[0].warning_calls, 4, "each kind once, not once per packet");
	lumen_pc_get_stats(p[0].pc, &st);
	cr_assert_eq(st.dropped_in, 23, "20 garbage + 1 forged + 1 replay + 1 bad RTCP dropped");
	g_free(st.selected_pair);
	cr_assert(p[0].hangup[0] == '\0', "a bad peer's packets do not kill the connection");
	cr_assert_str_eq(lumen_pc_warning_text(LUMEN_PC_WARN_SRTP_REPLAY),
			 "replayed or too old SRTP/SRTCP packet");
	peer_fini(&p[1]);
	peer_fini(&p[0]);
}

static const char *video_offer =
	"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE v\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:v\r\na=sendrecv\r\n"
	"a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=ssrc:2222 cname:client\r\n";
static const char *video_answer =
	"v=0\r\no=- 2 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE v\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:v\r\na=sendrecv\r\n"
	"a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n";

static int client_video(struct peer *c, uint16_t seq)
{
	static const uint8_t payload[100] = { 0x10, 0x00 };
	struct lumen_rtp_hdr h = { .pt = 96, .ssrc = 2222, .ts = 3000u * seq, .seq = seq };
	struct lumen_rtp_ext mid = { .id = 1, .len = 1, .data = (const uint8_t *)"v" };
	uint8_t pkt[300];
	ssize_t n = lumen_rtp_write(pkt, sizeof(pkt), &h, &mid, 1, payload, sizeof(payload), 0);

	cr_assert_gt(n, 0);
	return lumen_pc_send_rtp(c->pc, "v", pkt, (size_t)n, NULL);
}

/* A server (no echo) and a client with one video m-line that negotiates NACK, connected. */
static void connect_video(struct peer *p)
{
	char *err = NULL, *offer, *answer;

	peer_init(&p[0], "server", true, 0);
	peer_init(&p[1], "client", false, 0);
	p[0].echo = false;
	pump_until(gathered2, p, 5000);
	offer = lumen_pc_complete_local(p[1].pc, video_offer, true, &err);
	cr_assert_not_null(offer, "%s", err);
	cr_assert_eq(lumen_pc_set_remote(p[0].pc, offer, true, &err), 0, "%s", err);
	answer = lumen_pc_complete_local(p[0].pc, video_answer, false, &err);
	cr_assert_not_null(answer, "%s", err);
	cr_assert_eq(lumen_pc_set_remote(p[1].pc, answer, false, &err), 0, "%s", err);
	g_free(offer);
	g_free(answer);
	pump_until(up2, p, 10000);
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
     .init = setup, .fini = teardown)
{
	struct peer p[2];
	struct lumen_pc_stats st;

	connect_video(p);

	/* 700 and 702 arrive, 701 never does: the server asks for it by itself. */
	cr_assert_eq(client_video(&p[1], 700), 0);
	cr_assert_eq(client_video(&p[1], 702), 0);
	struct nack_wait sent = { p[0].pc, 1, 0 }, got = { p[1].pc, 1, 1 };
	pump_until(stat_reached, &sent, 3000);
	pump_until(stat_reached, &got, 3000);
	cr_assert(stat_reached(&sent), "the server NACKed the missing packet");
	cr_assert(stat_reached(&got), "the client received the NACK");

	/* A NACK for a packet the client did send is answered from its cache. */
	uint8_t nack[16] = { 0x81, 205, 0, 3 };
	nack[4] = 0x12; nack[5] = 0x34; nack[6] = 0x56; nack[7] = 0x78;      /* sender */
	nack[8] = 0; nack[9] = 0; nack[10] = 0x08; nack[11] = 0xae;           /* media 2222 */
	nack[12] = 0x02; nack[13] = 0xbc; nack[14] = 0; nack[15] = 0;         /* PID 700 */
	cr_assert_eq(lumen_pc_send_rtcp(p[0].pc, nack, sizeof(nack)), 0);
	struct nack_wait rtx = { p[1].pc, 1, 2 };
	pump_until(stat_reached, &rtx, 3000);
	cr_assert(stat_reached(&rtx), "the client resent packet 700 from its cache");

	/* Within a second or so, the server reports on what it receives. */
	struct nack_wait rr = { p[0].pc, 1, 3 };
	pump_until(stat_reached, &rr, 3000);
	cr_assert(stat_reached(&rr), "the server sent a receiver report");
	lumen_pc_get_stats(p[0].pc, &st);
	cr_assert_geq(st.rtp_in, 2);
	cr_assert_eq(st.tcc_sent, 0, "no transport-cc feedback where it was not negotiated");
	g_free(st.selected_pair);
	peer_fini(&p[1]);
	peer_fini(&p[0]);
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
Test(pc, relayed_video_is_cached_by_reference_to_its_received_buffer, .init = setup,
     .fini = teardown)
{
	struct lumen_pktbuf_pool *pool = lumen_pktbuf_pool_new(4, 4);
	struct lumen_pktbuf *b1, *b2;
	uint8_t copy[LUMEN_PKTBUF_SIZE];
	struct peer p[2];
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
	pump_until(stat_reached, &rtx, 3000);
	cr_assert(stat_reached(&rtx), "the server resent both from its cache");
	pump_until(client_dropped, &rx2, 3000);
	cr_assert(client_dropped(&rx2), "both retransmissions reached the client");
	cr_assert(p[1].warnings & LUMEN_PC_WARN_SRTP_REPLAY, "as replays of what it has");
	cr_assert_eq(p[1].video_rx, 2, "nothing that looked new");

	peer_fini(&p[1]);
	peer_fini(&p[0]);
	cr_assert_eq(pool_in_use(pool), 0, "freeing the pc let the buffer go");
	lumen_pktbuf_pool_free(pool);
}

static bool slow_both(void *a)
{
	struct peer *p = a;
	return p[0].slowlink_up > 0 && p[1].slowlink_down > 0;
}

Test(pc, heavy_loss_is_reported_as_a_slow_link_in_both_directions, .init = setup,
     .fini = teardown)
{
	struct peer p[2];

	connect_video(p);
	/* Every other packet of 40 goes missing: 19 holes the server must ask for. */
	for (uint16_t s = 1000; s < 1040; s += 2)
		cr_assert_eq(client_video(&p[1], s), 0);
	pump_until(slow_both, p, 4000);
	cr_assert_gt(p[0].slowlink_up, 0, "the server sees its uplink from the client as slow");
	cr_assert_gt(p[1].slowlink_down, 0, "the client learns the server lost what it sent");
	cr_assert_geq(p[0].slowlink_lost, 8);
	peer_fini(&p[1]);
	peer_fini(&p[0]);
}

/* ---- transport-wide congestion control feedback ---- */

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

static void on_tcc_rtcp(void *u, const uint8_t *buf, size_t len)
{
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr h;
	(void)u;

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
static int client_tcc(struct peer *c, uint8_t pt, uint32_t ssrc, uint16_t seq, uint16_t tseq,
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

Test(pc, received_packets_are_reported_in_transport_wide_feedback, .init = setup,
     .fini = teardown)
{
	struct peer p[2];
	struct lumen_pc_stats st;
	char *err = NULL, *offer, *answer;
	/* Transport-wide numbers across the 16-bit wrap, 65533 and 3 lost, 65535 late by one, 1 a
	 * padding-only RTX probe, 2 a padding-only media packet, then a jump far ahead. */
	static const uint16_t sent[] = { 65530, 65531, 65532, 65534, 0, 65535, 1, 2, 4, 5,
					 3000, 3001 };
	static const uint16_t all[] = { 65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4,
					5, 3000, 3001, 0xffff, 0xffff };

	tcc = g_new0(struct tcc_seen, 1);
	peer_init(&p[0], "server", true, 0);
	peer_init(&p[1], "client", false, 0);
	p[0].echo = false;
	{
		/* The client hands its RTCP to on_tcc_rtcp: recreate it with that callback. */
		struct lumen_pc_config cfg = {
			.ice = { .lite = false, .controlling = true, .enforce = loopback },
			.cert = cert, .dtls_ctx = dctx,
		};
		struct lumen_pc_callbacks cb = {
			.on_candidate = on_candidate, .on_up = on_up, .on_hangup = on_hangup,
			.on_rtcp = on_tcc_rtcp, .user = &p[1],
		};
		lumen_pc_free(p[1].pc);
		p[1].pc = lumen_pc_new(NULL, &cfg, &cb, &err);
		cr_assert_not_null(p[1].pc, "%s", err);
	}
	pump_until(gathered2, p, 5000);
	offer = lumen_pc_complete_local(p[1].pc, tcc_offer, true, &err);
	cr_assert_not_null(offer, "%s", err);
	cr_assert_eq(lumen_pc_set_remote(p[0].pc, offer, true, &err), 0, "%s", err);
	answer = lumen_pc_complete_local(p[0].pc, tcc_answer, false, &err);
	cr_assert_not_null(answer, "%s", err);
	cr_assert_eq(lumen_pc_set_remote(p[1].pc, answer, false, &err), 0, "%s", err);
	g_free(offer);
	g_free(answer);
	pump_until(up2, p, 10000);
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
	pump_until(tcc_reported, (void *)all, 3000);
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
	peer_fini(&p[1]);
	peer_fini(&p[0]);
	g_free(tcc);
}

/* ---- tables that grow on demand (pc_internal.h) ---- */

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

static struct lumen_pc *bare_pc(void)
{
	struct lumen_pc_config cfg = { .ice = { .lite = true, .enforce = loopback },
				       .cert = cert, .dtls_ctx = dctx };
	struct lumen_pc_callbacks cb = { .on_candidate = on_candidate };
	struct peer *p = g_new0(struct peer, 1);
	char *err = NULL;
	struct lumen_pc *pc;

	p->cands = g_ptr_array_new_with_free_func(g_free);
	cb.user = p;
	pc = lumen_pc_new(NULL, &cfg, &cb, &err);
	cr_assert_not_null(pc, "%s", err);
	p->pc = pc;
	return pc;
}

static void bare_pc_free(struct lumen_pc *pc)
{
	struct peer *p = pc->cb.user;

	lumen_pc_free(pc);
	g_ptr_array_free(p->cands, TRUE);
	g_free(p);
}

Test(pc_tables, a_new_pc_is_small_and_its_tables_are_empty, .init = setup, .fini = teardown)
{
	struct lumen_pc *pc = bare_pc();

	/* Issue #7: fixed tables made a pc 34 KiB, most of it unused by a subscriber. */
	cr_assert_lt(sizeof(struct lumen_pc), 2048, "struct lumen_pc is %zu bytes",
		     sizeof(struct lumen_pc));
	cr_assert_null(pc->tracks);
	cr_assert_null(pc->ssrcs);
	cr_assert_null(pc->channels);
	cr_assert_null(pc->out);
	cr_assert_null(pc->tcc.arrival_us, "the transport-cc ring waits for media");
	bare_pc_free(pc);
}

Test(pc_tables, tracks_grow_to_32_and_a_33rd_m_line_is_refused, .init = setup, .fini = teardown)
{
	struct lumen_pc *pc = bare_pc();
	struct lumen_sdp *sdp;
	char *err = NULL;

	sdp = many_mlines(3, 0);
	cr_assert_eq(pc_media_learn_remote(pc, sdp, &err), 0, "%s", err);
	lumen_sdp_free(sdp);
	cr_assert_eq(pc->n_tracks, 3);
	cr_assert_leq(pc->cap_tracks, 4, "a small description takes a small table");

	sdp = many_mlines(PC_MAX_TRACKS, 0);
	cr_assert_eq(pc_media_learn_remote(pc, sdp, &err), 0, "%s", err);
	lumen_sdp_free(sdp);
	cr_assert_eq(pc->n_tracks, PC_MAX_TRACKS);
	cr_assert_eq(pc->cap_tracks, PC_MAX_TRACKS);
	for (unsigned i = 0; i < PC_MAX_TRACKS; i++) {
		char mid[8];
		snprintf(mid, sizeof(mid), "%u", i);
		cr_assert_str_eq(pc->tracks[i].mid, mid);
		cr_assert_eq(pc->tracks[i].kind, LUMEN_PC_VIDEO);
		cr_assert(pc->tracks[i].nack);
	}

	sdp = many_mlines(PC_MAX_TRACKS + 1, 0);
	cr_assert_eq(pc_media_learn_remote(pc, sdp, &err), -EINVAL);
	lumen_sdp_free(sdp);
	cr_assert(err && strstr(err, "too many m-lines"), "reason: %s", err);
	g_free(err);
	cr_assert_eq(pc->n_tracks, PC_MAX_TRACKS, "the first 32 are kept");
	cr_assert_eq(pc->cap_tracks, PC_MAX_TRACKS, "never beyond the limit");
	bare_pc_free(pc);
}

Test(pc_tables, ssrcs_grow_to_64_and_the_65th_recycles_the_oldest, .init = setup,
     .fini = teardown)
{
	struct lumen_pc *pc = bare_pc();
	struct lumen_sdp *sdp;
	char *err = NULL;

	sdp = many_mlines(1, 2);
	cr_assert_eq(pc_media_learn_remote(pc, sdp, &err), 0, "%s", err);
	lumen_sdp_free(sdp);
	cr_assert_eq(pc->n_ssrcs, 2);
	cr_assert_leq(pc->cap_ssrcs, 4);

	sdp = many_mlines(1, PC_MAX_SSRCS);
	cr_assert_eq(pc_media_learn_remote(pc, sdp, &err), 0, "%s", err);
	lumen_sdp_free(sdp);
	cr_assert_eq(pc->n_ssrcs, PC_MAX_SSRCS);
	cr_assert_eq(pc->cap_ssrcs, PC_MAX_SSRCS);
	for (unsigned i = 0; i < PC_MAX_SSRCS; i++) {
		cr_assert_eq(pc->ssrcs[i].ssrc, 1000 + i);
		cr_assert_eq(pc->ssrcs[i].track, 0);
	}

	sdp = many_mlines(1, PC_MAX_SSRCS + 1);
	cr_assert_eq(pc_media_learn_remote(pc, sdp, &err), 0, "%s", err);
	lumen_sdp_free(sdp);
	cr_assert_eq(pc->n_ssrcs, PC_MAX_SSRCS, "a full table recycles, it does not grow");
	cr_assert_eq(pc->cap_ssrcs, PC_MAX_SSRCS);
	cr_assert_eq(pc->ssrcs[0].ssrc, 1001, "the oldest (1000) went");
	cr_assert_eq(pc->ssrcs[PC_MAX_SSRCS - 1].ssrc, 1000 + PC_MAX_SSRCS);
	bare_pc_free(pc);
}

Test(pc_tables, out_streams_grow_to_32_and_a_33rd_ssrc_is_not_tracked, .init = setup,
     .fini = teardown)
{
	struct lumen_pc *pc = bare_pc();
	struct lumen_sdp *sdp = many_mlines(2, 0);
	static const uint8_t payload[100] = { 1 };
	char *err = NULL;
	uint8_t pkt[200];

	cr_assert_eq(pc_media_learn_remote(pc, sdp, &err), 0, "%s", err);
	lumen_sdp_free(sdp);
	pthread_mutex_lock(&pc->tx_lock);
	for (unsigned i = 0; i <= PC_MAX_OUT; i++) {
		/* Twice each: the second packet finds its stream and adds nothing. */
		for (uint16_t k = 0; k < 2; k++) {
			struct lumen_rtp_hdr h = { .pt = 96, .ssrc = 5000 + i, .seq = k, .ts = 90 };
			ssize_t n = lumen_rtp_write(pkt, sizeof(pkt), &h, NULL, 0, payload,
						    sizeof(payload), 0);

			cr_assert_gt(n, 0);
			/* the first two on the video m-line 0: those keep a retransmission cache */
			pc_rtcp_on_sent(pc, i < 2 ? 0 : -1, pkt, (size_t)n, NULL, NULL, 1000000);
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
	bare_pc_free(pc);
}

static bool channels_at(void *a)
{
	struct peer *p = a;
	return p->pc->n_channels >= PC_MAX_CHANNELS;
}

Test(pc_tables, data_channels_grow_to_64_and_a_65th_is_refused, .init = setup, .fini = teardown)
{
	struct peer p[2];

	peer_init(&p[0], "server", true, 0);
	peer_init(&p[1], "client", false, 0);
	cr_assert_null(p[1].pc->channels);
	negotiate(p, NULL);
	cr_assert(p[1].up, "client up (hangup: %s)", p[1].hangup);
	pump_until(data_ready, &p[1], 5000);
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
	pump_until(channels_at, &p[0], 5000);
	cr_assert_eq(p[0].pc->n_channels, PC_MAX_CHANNELS);
	cr_assert_eq(p[0].pc->cap_channels, PC_MAX_CHANNELS);
	cr_assert_eq(lumen_pc_send_data(p[1].pc, "c63", false, (const uint8_t *)"last", 4), 0);
	pump_until(data_back, &p[1], 5000);
	cr_assert_str_eq(p[0].last_label, "c63");
	cr_assert_str_eq(p[1].last_data, "last", "the 64th channel carries data both ways");
	peer_fini(&p[1]);
	peer_fini(&p[0]);
}
