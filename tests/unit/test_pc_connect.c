/* test_pc_connect.c -- two peer connections back to back over 127.0.0.1 (pc_pair.h): lumen's
 * server side (ICE lite, answers) and a client side (full ICE, controlling, offers) negotiate
 * from SDP text, connect ICE, finish DTLS, key SRTP, then RTP and data-channel messages make the
 * round trip client -> server (echo) -> client. Also: a mismatched fingerprint, invalid SDP, and
 * a silent peer each end in a clear hangup; a bad peer's packets are dropped and reported. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>

#include "pc_pair.h"
#include "webrtc/pc.h"
#include "webrtc/rtp.h"

Test(pc, client_and_server_connect_and_echo_rtp_and_data, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct pc_peer p[2];
	struct lumen_rtp_hdr h = { .pt = 111, .ssrc = 1111, .ts = 960 };
	struct lumen_pc_stats st;

	pc_peer_init(&p[0], "server", true, 0);
	pc_peer_init(&p[1], "client", false, 0);
	pc_pair_connect(p, NULL);
	cr_assert(p[0].up, "server up (hangup: %s)", p[0].hangup);
	cr_assert(p[1].up, "client up (hangup: %s)", p[1].hangup);

	for (int i = 0; i < 3; i++) {
		static const uint8_t payload[40] = { 0xab };

		h.seq = (uint16_t)(100 + i);
		cr_assert_eq(pc_peer_send_rtp(&p[1], "0", &h, payload, sizeof(payload)), 0);
	}
	pc_pair_pump_count(&p[1].rtp_rx, 3, 5000);
	cr_assert_eq(p[0].rtp_rx, 3, "server decrypted every packet");
	cr_assert_eq(p[1].rtp_rx, 3, "client got every echo");
	cr_assert_eq(p[1].last_seq, 102);
	cr_assert_str_eq(p[1].last_mid, "0", "mapped to its m-line by the mid extension");
	cr_assert_geq(p[0].media_on, 1, "media event on the server");

	pc_pair_pump(pc_peer_data_ready, &p[1], 5000);
	cr_assert(lumen_pc_data_ready(p[1].pc), "SCTP association up over DTLS");
	cr_assert_eq(lumen_pc_send_data(p[1].pc, "chat", false, (const uint8_t *)"hello", 5), 0);
	pc_pair_pump_count(&p[1].data_rx, 2, 5000);
	cr_assert_str_eq(p[0].last_data, "hello");
	cr_assert_str_eq(p[0].last_label, "chat");
	cr_assert_eq(p[1].data_rx, 1);
	cr_assert_str_eq(p[1].last_data, "hello", "data echoed back");

	lumen_pc_get_stats(p[0].pc, &st);
	cr_assert_str_eq(st.srtp_profile, "SRTP_AEAD_AES_128_GCM", "GCM preferred");
	cr_assert_eq(st.rtp_in, 3);
	cr_assert_eq(st.rtp_out, 3);
	g_free(st.selected_pair);
	pc_peer_fini(&p[1]);
	pc_peer_fini(&p[0]);
}

/* A subscriber's negotiation: the lite server (scfg) offers one audio m-line, the client (cfg)
 * answers a=setup:active as a browser does. The offer and answer are g_malloc'd. */
static void offer_and_answer(struct pc_peer p[2], const struct lumen_pc_config *scfg,
			     struct lumen_pc_config *cfg, char **offer, char **answer)
{
	static const char media[] =
		"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
		"a=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n";
	char *err = NULL;

	cfg->dtls_active_answer = true;
	pc_peer_init_with(&p[0], "server", true, scfg);
	pc_peer_init_with(&p[1], "client", false, cfg);
	pc_pair_pump(pc_pair_gathered, p, 5000);
	*offer = lumen_pc_complete_local(p[0].pc, media, true, &err);
	cr_assert_not_null(*offer, "server offer: %s", err);
	cr_assert_eq(lumen_pc_set_remote(p[1].pc, *offer, true, &err), 0, "client: %s", err);
	*answer = lumen_pc_complete_local(p[1].pc, media, false, &err);
	cr_assert_not_null(*answer, "client answer: %s", err);
	cr_assert(strstr(*answer, "a=setup:active") != NULL, "answered as a browser: %s", *answer);
}

/* Both sides come up, the server's engine answered one hello it had kept, and the negotiation's
 * descriptions and peers are released. */
static void expect_up_after_a_kept_hello(struct pc_peer p[2], char *offer, char *answer)
{
	struct lumen_pc_stats st;

	pc_pair_pump(pc_pair_up_or_hung, p, 10000);
	cr_assert(p[0].up, "server up (hangup: %s)", p[0].hangup);
	cr_assert(p[1].up, "client up (hangup: %s)", p[1].hangup);
	lumen_pc_get_stats(p[0].pc, &st);
	cr_assert_eq(st.dtls_early, 1, "kept hellos answered: %" PRIu64, st.dtls_early);
	g_free(st.selected_pair);
	g_free(offer);
	g_free(answer);
	pc_peer_fini(&p[1]);
	pc_peer_fini(&p[0]);
}

/* A browser answers lumen's offer (a subscriber's) with a=setup:active: it is the DTLS client and
 * sends its ClientHello once its own check succeeded, a check round trip before the lite side
 * has selected the pair. The hello is kept and answered then, not dropped to wait for the
 * client's retransmission timer (400 ms in lumen's engine). */
Test(pc, a_client_hello_before_the_lite_side_selected_its_pair_is_answered_at_once,
     .init = pc_pair_setup, .fini = pc_pair_teardown)
{
	struct lumen_pc_config scfg = pc_pair_config(true, 0), cfg = pc_pair_config(false, 0);
	struct pc_peer p[2];
	char *err = NULL, *offer, *answer;

	/* The lite side's triggered check, which selects its pair, waits for its Ta: 50 ms makes
	 * sure the client's hello comes first (in one process it otherwise may not). Without the
	 * pair taken at the nominating check (nominate.h), as when a browser's hello leaves before
	 * its nomination (Chromium nominates a lite server's pair only once it is writable). */
	scfg.ice.check_pacing_ms = 50;
	scfg.ice.no_early_nominate = true;
	offer_and_answer(p, &scfg, &cfg, &offer, &answer);
	cr_assert_eq(lumen_pc_set_remote(p[0].pc, answer, false, &err), 0, "server: %s", err);
	/* The hello was kept and answered when the pair was selected, not retransmitted into a
	 * started server (lumen's engine retransmits 400 ms after the first). */
	expect_up_after_a_kept_hello(p, offer, answer);
}

/* The same with the pair in use at the client's nominating check (nominate.h, the default): the
 * lite side is connected before the client's hello leaves, whatever its own Ta, so the hello
 * goes straight to a started engine and nothing is kept. */
Test(pc, with_the_pair_taken_at_the_nomination_the_hello_meets_a_connected_server,
     .init = pc_pair_setup, .fini = pc_pair_teardown)
{
	struct lumen_pc_config scfg = pc_pair_config(true, 0), cfg = pc_pair_config(false, 0);
	struct lumen_pc_stats st;
	struct pc_peer p[2];
	char *err = NULL, *offer, *answer;

	scfg.ice.check_pacing_ms = 50; /* libnice's own selection 50 ms late: not waited for */
	offer_and_answer(p, &scfg, &cfg, &offer, &answer);
	cr_assert_eq(lumen_pc_set_remote(p[0].pc, answer, false, &err), 0, "server: %s", err);
	pc_pair_pump(pc_pair_up_or_hung, p, 10000);
	cr_assert(p[0].up, "server up (hangup: %s)", p[0].hangup);
	cr_assert(p[1].up, "client up (hangup: %s)", p[1].hangup);
	lumen_pc_get_stats(p[0].pc, &st);
	cr_assert_eq(st.dtls_early, 0, "no hello had to be kept: %" PRIu64, st.dtls_early);
	cr_assert_not_null(st.selected_pair, "the pair in use is reported");
	g_free(st.selected_pair);
	g_free(offer);
	g_free(answer);
	pc_peer_fini(&p[1]);
	pc_peer_fini(&p[0]);
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

static bool client_connected(void *arg)
{
	struct lumen_pc_stats st;
	bool c;

	lumen_pc_get_stats(((struct pc_peer *)arg)->pc, &st);
	c = strcmp(st.ice_state, "connected") == 0 || strcmp(st.ice_state, "ready") == 0;
	g_free(st.selected_pair);
	return c;
}

/* The same browser's hello can come before the server has its answer (a subscriber's "start"
 * still on its way): the server's agent answers checks before it knows the roles. Every such
 * datagram is kept (a hello may span two) and fed to the engine once the roles are known. */
Test(pc, a_client_hello_before_the_server_has_the_answer_is_kept_and_answered,
     .init = pc_pair_setup, .fini = pc_pair_teardown)
{
	struct lumen_pc_config scfg = pc_pair_config(true, 0), cfg = pc_pair_config(false, 0);
	struct pc_peer p[2];
	char *err = NULL, *offer, *answer;

	offer_and_answer(p, &scfg, &cfg, &offer, &answer);
	/* The client's ICE comes up and its hello leaves while the server has no answer yet. */
	pc_pair_pump(client_connected, &p[1], 5000);
	cr_assert(client_connected(&p[1]), "the client's ICE did not come up before the answer");
	pc_pair_pump(never, NULL, 100);
	cr_assert_not(p[0].up);
	cr_assert_eq(lumen_pc_set_remote(p[0].pc, answer, false, &err), 0, "server: %s", err);
	expect_up_after_a_kept_hello(p, offer, answer);
}

Test(pc, a_certificate_that_does_not_match_the_fingerprint_hangs_up, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct pc_peer p[2];

	pc_peer_init(&p[0], "server", true, 0);
	pc_peer_init(&p[1], "client", false, 0);
	pc_pair_connect(p, "00:11:22");
	pc_pair_pump(pc_peer_hung, &p[1], 5000);
	cr_assert_not(p[1].up);
	cr_assert(strstr(p[1].hangup, "fingerprint") != NULL, "reason: %s", p[1].hangup);
	pc_peer_fini(&p[1]);
	pc_peer_fini(&p[0]);
}

Test(pc, invalid_remote_descriptions_are_refused_with_a_reason, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
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
	struct pc_peer p;

	pc_peer_init(&p, "server", true, 0);
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
	pc_peer_fini(&p);
}

Test(pc, a_peer_that_goes_silent_is_hung_up_with_a_reason, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct pc_peer p[2];

	pc_peer_init(&p[0], "server", true, 700);
	pc_peer_init(&p[1], "client", false, 0);
	pc_pair_connect(p, NULL);
	cr_assert(p[0].up && p[1].up);
	lumen_pc_free(p[1].pc); /* the client vanishes without a word */
	p[1].pc = NULL;
	pc_pair_pump(pc_peer_hung, &p[0], 5000);
	cr_assert(strstr(p[0].hangup, "silent") != NULL, "reason: %s", p[0].hangup);
	pc_peer_fini(&p[1]);
	pc_peer_fini(&p[0]);
}

/* Sends one RTP packet (with the mid extension) from the client. */
static int client_rtp(struct pc_peer *c, uint16_t seq)
{
	static const uint8_t payload[40] = { 0xab };
	struct lumen_rtp_hdr h = { .pt = 111, .ssrc = 1111, .ts = 960u * seq, .seq = seq };

	return pc_peer_send_rtp(c, "0", &h, payload, sizeof(payload));
}

static bool bad_rtcp_seen(void *a)
{
	return (((struct pc_peer *)a)->warnings & LUMEN_PC_WARN_BAD_RTCP) != 0;
}

Test(pc, a_bad_peer_is_dropped_reported_once_per_kind_and_good_media_still_flows,
     .init = pc_pair_setup, .fini = pc_pair_teardown)
{
	static const uint8_t garbage[] = { 0x05, 'g', 'a', 'r', 'b', 'a', 'g', 'e' };
	uint8_t fake_srtp[60] = { 0x80, 111, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0x04, 0x57 };
	struct pc_peer p[2];
	struct lumen_pc_stats st;

	pc_peer_init(&p[0], "server", true, 0);
	pc_peer_init(&p[1], "client", false, 0);
	p[0].echo = false;
	pc_pair_connect(p, NULL);
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
	pc_pair_pump_count(&p[0].rtp_rx, 4, 5000);

	cr_assert_eq(p[0].rtp_rx, 4, "the first copy and the three good packets arrive");
	cr_assert(p[0].warnings & LUMEN_PC_WARN_GARBAGE, "garbage reported");
	cr_assert(p[0].warnings & LUMEN_PC_WARN_SRTP_AUTH, "forged SRTP reported");
	cr_assert(p[0].warnings & LUMEN_PC_WARN_SRTP_REPLAY, "replay reported");
	pc_pair_pump(bad_rtcp_seen, &p[0], 3000);
	cr_assert(p[0].warnings & LUMEN_PC_WARN_BAD_RTCP, "malformed RTCP reported");
	cr_assert_eq(p[0].warning_calls, 4, "each kind once, not once per packet");
	lumen_pc_get_stats(p[0].pc, &st);
	cr_assert_eq(st.dropped_in, 23, "20 garbage + 1 forged + 1 replay + 1 bad RTCP dropped");
	g_free(st.selected_pair);
	cr_assert(p[0].hangup[0] == '\0', "a bad peer's packets do not kill the connection");
	cr_assert_str_eq(lumen_pc_warning_text(LUMEN_PC_WARN_SRTP_REPLAY),
			 "replayed or too old SRTP/SRTCP packet");
	pc_peer_fini(&p[1]);
	pc_peer_fini(&p[0]);
}
