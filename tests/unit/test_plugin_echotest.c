/* test_plugin_echotest.c -- the echo test plugin (plugins/echotest) driven through its
 * descriptor against a fake struct lumen_core that records every service call. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lumen/plugin.h>

#include "ssrc_swap.h"

#include "../../plugins/echotest/answer.h"

const struct lumen_plugin *lumen_plugin_get(void);

struct lumen_handle {
	int id;
};

/* What the fake core saw. */
static struct {
	int events;
	char *transaction;
	json_t *data, *jsep;
	int rtp, rtcp, data_msgs, keyframes, caps;
	struct lumen_handle *rtp_h;
	char rtp_mid[16], keyframe_mid[16], data_label[32];
	uint32_t cap;
	size_t rtcp_len, data_len;
	int send_rc;
} seen;

static int f_push_event(struct lumen_handle *h, const char *tr, json_t *data, json_t *jsep)
{
	seen.events++;
	free(seen.transaction);
	seen.transaction = tr ? strdup(tr) : NULL;
	json_decref(seen.data);
	json_decref(seen.jsep);
	seen.data = data;
	seen.jsep = jsep;
	return 0;
}
static int f_send_rtp(struct lumen_handle *h, const char *mid, const struct lumen_rtp_packet *p,
                      const struct lumen_rtp_rewrite *rw)
{
	seen.rtp++;
	seen.rtp_h = h;
	snprintf(seen.rtp_mid, sizeof(seen.rtp_mid), "%s", mid);
	/* The echo comes back under the echotest's own SSRC, never the client's (ssrc_swap.h). */
	cr_expect_not_null(rw, "an echo is re-labelled");
	if (rw) {
		cr_expect(rw->set_ssrc);
		cr_expect_eq(rw->ssrc, p->ssrc ^ ECHO_SSRC_XOR);
		cr_expect(!rw->set_seq && !rw->set_timestamp && !rw->set_pt, "nothing else changes");
	}
	return seen.send_rc;
}
static int f_send_rtcp(struct lumen_handle *h, const uint8_t *buf, size_t len)
{
	seen.rtcp++;
	seen.rtcp_len = len;
	return seen.send_rc;
}
static int f_send_data(struct lumen_handle *h, const char *label, bool binary, const uint8_t *buf,
                       size_t len)
{
	seen.data_msgs++;
	snprintf(seen.data_label, sizeof(seen.data_label), "%s", label);
	seen.data_len = len;
	return seen.send_rc;
}
static int f_request_keyframe(struct lumen_handle *h, const char *mid)
{
	seen.keyframes++;
	snprintf(seen.keyframe_mid, sizeof(seen.keyframe_mid), "%s", mid);
	return -ENOTSUP;
}
static int f_set_bitrate_cap(struct lumen_handle *h, uint32_t bps)
{
	seen.caps++;
	seen.cap = bps;
	return -ENOTSUP;
}
static void f_log(const struct lumen_handle *h, enum lumen_log_severity sev, const char *fmt, ...)
{
}

static const struct lumen_core core = {
    .abi_version = LUMEN_PLUGIN_ABI_VERSION,
    .size = sizeof(struct lumen_core),
    .push_event = f_push_event,
    .send_rtp = f_send_rtp,
    .send_rtcp = f_send_rtcp,
    .send_data = f_send_data,
    .request_keyframe = f_request_keyframe,
    .set_bitrate_cap = f_set_bitrate_cap,
    .log = f_log,
};

static const struct lumen_plugin *P;
static struct lumen_handle handle = {7};
static void *state;

static void start_with(json_t *config)
{
	char *err = NULL;
	P = lumen_plugin_get();
	cr_assert_eq(P->init(&core, config, &err), 0, "%s", err ? err : "");
	json_decref(config);
	cr_assert_eq(P->attach(&handle, NULL, &state), 0);
}

static void setup(void)
{
	memset(&seen, 0, sizeof(seen));
	start_with(NULL);
}

static void teardown(void)
{
	P->detach(&handle, state);
	P->destroy();
	free(seen.transaction);
	json_decref(seen.data);
	json_decref(seen.jsep);
}

TestSuite(echotest, .init = setup, .fini = teardown);

/* Sends body (stolen) with an optional jsep (stolen); checks the call is asynchronous. */
static void send(json_t *body, json_t *jsep)
{
	struct lumen_msg_result r = P->message(&handle, state, "tx1", body, jsep);
	cr_expect_eq(r.kind, LUMEN_MSG_ASYNC);
	cr_expect_null(r.data);
	cr_expect_null(r.jsep);
	json_decref(body);
	json_decref(jsep);
}

static void expect_ok(void)
{
	cr_assert_not_null(seen.data);
	cr_expect_str_eq(json_string_value(json_object_get(seen.data, "echotest")), "event");
	cr_expect_str_eq(json_string_value(json_object_get(seen.data, "result")), "ok");
	cr_expect_null(json_object_get(seen.data, "error_code"));
	cr_expect_str_eq(seen.transaction, "tx1");
}

static void expect_error(int code, const char *words)
{
	cr_assert_not_null(seen.data);
	cr_expect_eq(json_integer_value(json_object_get(seen.data, "error_code")), code);
	const char *error = json_string_value(json_object_get(seen.data, "error"));
	cr_assert_not_null(error);
	cr_expect(strstr(error, words) != NULL, "error '%s' lacks '%s'", error, words);
	cr_expect_null(json_object_get(seen.data, "result"));
	cr_expect_null(seen.jsep);
}

static const char offer_sdp[] = "v=0\r\n"
                                "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
                                "s=-\r\n"
                                "t=0 0\r\n"
                                "a=group:BUNDLE 0 1 2\r\n"
                                "a=extmap-allow-mixed\r\n"
                                "a=msid-semantic: WMS stream1\r\n"
                                "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n"
                                "c=IN IP4 0.0.0.0\r\n"
                                "a=rtcp:9 IN IP4 0.0.0.0\r\n"
                                "a=ice-ufrag:abcd\r\n"
                                "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
                                "a=fingerprint:sha-256 "
                                "01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:"
                                "17:18:19:1A:1B:1C:1D:1E:1F:20\r\n"
                                "a=setup:actpass\r\n"
                                "a=mid:0\r\n"
                                "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
                                "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                                "a=sendrecv\r\n"
                                "a=msid:stream1 track-a\r\n"
                                "a=rtcp-mux\r\n"
                                "a=rtpmap:111 opus/48000/2\r\n"
                                "a=rtcp-fb:111 transport-cc\r\n"
                                "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
                                "a=rtpmap:0 PCMU/8000\r\n"
                                "a=ssrc:1111 cname:abc\r\n"
                                "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
                                "c=IN IP4 0.0.0.0\r\n"
                                "a=mid:1\r\n"
                                "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                                "a=sendonly\r\n"
                                "a=rtcp-mux\r\n"
                                "a=rtcp-rsize\r\n"
                                "a=rtpmap:96 VP8/90000\r\n"
                                "a=rtcp-fb:96 nack pli\r\n"
                                "a=rtpmap:97 rtx/90000\r\n"
                                "a=fmtp:97 apt=96\r\n"
                                "a=rid:h send\r\n"
                                "a=simulcast:send h\r\n"
                                "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                                "c=IN IP4 0.0.0.0\r\n"
                                "a=mid:2\r\n"
                                "a=sctp-port:5000\r\n"
                                "a=max-message-size:262144\r\n"
                                "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\n"
                                "c=IN IP4 0.0.0.0\r\n"
                                "a=mid:3\r\n"
                                "a=inactive\r\n";

Test(echotest, answers_a_plain_request_with_an_ok_event)
{
	send(json_pack("{s:b, s:b}", "audio", 1, "video", 1), NULL);
	cr_expect_eq(seen.events, 1);
	expect_ok();
	cr_expect_null(seen.jsep);
}

Test(echotest, answers_an_offer_with_an_answer_mirroring_its_m_lines)
{
	send(json_pack("{s:b}", "audio", 1),
	     json_pack("{s:s, s:s}", "type", "offer", "sdp", offer_sdp));
	expect_ok();
	cr_assert_not_null(seen.jsep);
	cr_expect_str_eq(json_string_value(json_object_get(seen.jsep, "type")), "answer");
	const char *sdp = json_string_value(json_object_get(seen.jsep, "sdp"));
	cr_assert_not_null(sdp);
	cr_expect_eq(strncmp(sdp, "v=0\r\n", 5), 0);
	/* m-lines in the offer's order, accepted ones on port 9, the rejected one on port 0 */
	const char *a = strstr(sdp, "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n");
	const char *v = strstr(sdp, "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n");
	const char *d = strstr(sdp, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n");
	const char *r = strstr(sdp, "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\n");
	cr_assert(a && v && d && r, "%s", sdp);
	cr_expect(a < v && v < d && d < r);
	cr_expect(strstr(sdp, "a=group:BUNDLE 0 1 2\r\n") != NULL, "rejected mid 3 is not bundled");
	cr_expect(strstr(sdp, "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n") !=
	          NULL);
	cr_expect(strstr(sdp, "a=fmtp:97 apt=96\r\n") != NULL);
	cr_expect(strstr(sdp, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n") !=
	          NULL);
	cr_expect(strstr(sdp, "a=sctp-port:5000\r\n") != NULL);
	/* directions mirrored: audio sendrecv stays, video sendonly -> recvonly (and no msid) */
	cr_expect(strstr(a, "a=sendrecv\r\na=msid:lumen-echo echo-0\r\n") != NULL);
	cr_expect(strstr(v, "a=recvonly\r\n") != NULL && strstr(v, "a=recvonly\r\n") < d);
	cr_expect(strstr(v, "a=msid:") == NULL || strstr(v, "a=msid:") > d);
	/* transport and per-source attributes are the core's business */
	static const char *const absent[] = {"ice-ufrag",   "ice-pwd", "fingerprint",
	                                     "a=setup",     "a=ssrc",  "a=rid",
	                                     "a=simulcast", "a=rtcp:", "stream1"};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		cr_expect(strstr(sdp, absent[i]) == NULL, "answer contains %s", absent[i]);
}

Test(echotest, refuses_elements_of_the_wrong_type_with_413)
{
	static const char *const bodies[] = {
	    "{\"audio\":\"yes\"}", "{\"video\":1}",          "{\"data\":null}",
	    "{\"bitrate\":-5}",    "{\"bitrate\":\"1000\"}", "{\"bitrate\":99999999999}",
	    "{\"keyframe\":1}",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		send(json_loads(bodies[i], 0, NULL), NULL);
		expect_error(413, "Invalid element type");
	}
	send(json_pack("{s:b}", "record", 1), NULL);
	expect_error(413, "recorder plugin");
	cr_expect_eq(seen.caps, 0, "nothing applied from a refused request");
}

Test(echotest, refuses_a_missing_body_with_411)
{
	send(json_array(), NULL);
	expect_error(411, "No message");
}

Test(echotest, refuses_unusable_jsep_with_414_and_applies_nothing)
{
	static const char *const jseps[] = {
	    "{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}",
	    "{\"type\":\"offer\"}",
	    "{\"type\":\"offer\",\"sdp\":\"hello\"}",
	    "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\ns=-\\r\\n\"}",
	    "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\nm=audio\\r\\n\"}",
	    "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\nm=audio 9 RTP\\u0001 0\\r\\n\"}",
	    "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\nm=audio 70000 UDP/TLS/RTP/SAVPF 0\\r\\n\"}",
	};
	for (size_t i = 0; i < sizeof(jseps) / sizeof(jseps[0]); i++) {
		json_t *jsep = json_loads(jseps[i], 0, NULL);
		cr_assert_not_null(jsep, "fixture %zu", i);
		send(json_pack("{s:i}", "bitrate", 1000), jsep);
		expect_error(414, "SDP");
	}
	cr_expect_eq(seen.caps, 0);
}

static void rtp(enum lumen_media_kind kind, const char *mid)
{
	static const uint8_t bytes[12] = {0x80, 96};
	struct lumen_rtp_packet p = {.data = bytes, .len = sizeof(bytes), .kind = kind, .mid = mid};
	P->rtp_in(&handle, state, &p);
}

Test(echotest, echoes_rtp_back_to_the_same_handle_and_mid_unless_that_kind_is_off)
{
	rtp(LUMEN_MEDIA_VIDEO, "1");
	cr_expect_eq(seen.rtp, 1);
	cr_expect_eq(seen.rtp_h, &handle);
	cr_expect_str_eq(seen.rtp_mid, "1");

	send(json_pack("{s:b}", "audio", 0), NULL);
	expect_ok();
	rtp(LUMEN_MEDIA_AUDIO, "0");
	cr_expect_eq(seen.rtp, 1, "audio is off");
	rtp(LUMEN_MEDIA_VIDEO, "1");
	cr_expect_eq(seen.rtp, 2, "video still on");

	send(json_pack("{s:b, s:b}", "audio", 1, "video", 0), NULL);
	rtp(LUMEN_MEDIA_VIDEO, "1");
	rtp(LUMEN_MEDIA_AUDIO, "0");
	cr_expect_eq(seen.rtp, 3);
	cr_expect_str_eq(seen.rtp_mid, "0");
}

Test(echotest, echoes_rtcp_and_data_and_counts_services_that_fail)
{
	static const uint8_t rr[8] = {0x80, 201, 0, 1};
	static const uint8_t text[] = "hello";
	struct lumen_data_message m = {.label = "chat", .data = text, .len = 5};

	seen.send_rc = -ENOTSUP; /* what the core answers until WebRTC lands */
	P->rtcp_in(&handle, state, rr, sizeof(rr));
	P->data_in(&handle, state, &m);
	rtp(LUMEN_MEDIA_AUDIO, "0");
	cr_expect_eq(seen.rtcp, 1);
	cr_expect_eq(seen.rtcp_len, sizeof(rr));
	cr_expect_eq(seen.data_msgs, 1);
	cr_expect_str_eq(seen.data_label, "chat");
	cr_expect_eq(seen.data_len, 5);

	seen.send_rc = 0;
	P->data_in(&handle, state, &m);
	send(json_pack("{s:b}", "data", 0), NULL);
	P->data_in(&handle, state, &m);
	cr_expect_eq(seen.data_msgs, 2, "data off: not echoed");

	json_t *q = P->query_handle(&handle, state);
	cr_expect_eq(json_integer_value(json_object_get(q, "send_errors")), 3);
	cr_expect_eq(json_integer_value(json_object_get(q, "data_echoed")), 1);
	cr_expect(json_is_false(json_object_get(q, "data_active")));
	cr_expect(json_is_true(json_object_get(q, "audio_active")));
	json_decref(q);
}

Test(echotest, keyframe_request_goes_to_the_video_mids_of_the_offer)
{
	send(json_pack("{s:b}", "keyframe", 1), NULL);
	cr_expect_eq(seen.keyframes, 0, "no offer yet, no video mid");
	send(json_object(), json_pack("{s:s, s:s}", "type", "offer", "sdp", offer_sdp));
	send(json_pack("{s:b}", "keyframe", 1), NULL);
	expect_ok();
	cr_expect_eq(seen.keyframes, 1);
	cr_expect_str_eq(seen.keyframe_mid, "1");
}

Test(echotest, bitrate_is_capped_by_max_bitrate)
{
	send(json_pack("{s:i}", "bitrate", 2000000), NULL);
	expect_ok();
	cr_expect_eq(seen.cap, 2000000, "no max_bitrate configured");
	/* restart with a configured maximum */
	teardown();
	memset(&seen, 0, sizeof(seen));
	start_with(json_pack("{s:i}", "max_bitrate", 500000));
	send(json_pack("{s:i}", "bitrate", 2000000), NULL);
	cr_expect_eq(seen.cap, 500000);
	send(json_pack("{s:i}", "bitrate", 0), NULL);
	cr_expect_eq(seen.cap, 500000, "0 (no cap) is capped too");
	send(json_pack("{s:i}", "bitrate", 300000), NULL);
	cr_expect_eq(seen.cap, 300000);
	cr_expect_eq(seen.caps, 3);
}

Test(echotest, config_rejects_unknown_keys_and_bad_values)
{
	static const char *const bad[] = {"{\"max_bitrat\":1}", "{\"max_bitrate\":-1}",
	                                  "{\"max_bitrate\":\"1\"}", "[]"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *c = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		char *err = NULL;
		cr_expect_eq(P->check_config(c, &err), -EINVAL, "%s", bad[i]);
		cr_expect(err && strstr(err, "echotest"), "%s", err ? err : "(no message)");
		free(err);
		err = NULL;
		cr_expect_eq(P->init(&core, c, &err), -EINVAL);
		free(err);
		json_decref(c);
	}
	char *err = NULL;
	json_t *good = json_pack("{s:i}", "max_bitrate", 64000);
	cr_expect_eq(P->check_config(good, &err), 0);
	cr_expect_eq(P->check_config(NULL, &err), 0);
	json_decref(good);
}

Test(echotest, descriptor_has_the_janus_package_and_valid_metadata)
{
	cr_expect_eq(P->abi_version, LUMEN_PLUGIN_ABI_VERSION);
	cr_expect_str_eq(P->package, "janus.plugin.echotest");
	cr_expect_str_eq(P->config_section, "echotest");
	cr_expect_not_null(P->rtp_in);
}

Test(echotest_answer, every_truncation_of_an_offer_gives_an_answer_or_an_error)
{
	size_t n = strlen(offer_sdp);
	char *buf = malloc(n + 1);
	for (size_t k = 0; k <= n; k++) {
		memcpy(buf, offer_sdp, k);
		buf[k] = '\0';
		char *err = NULL;
		char *ans = lumen_echotest_answer(buf, 1, &err);
		cr_expect((ans != NULL) != (err != NULL), "exactly one of answer and error at %zu",
		          k);
		free(ans);
		free(err);
	}
	free(buf);
}

/* A fixed-seed xorshift, so the mutations below are the same on every run. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

Test(echotest_answer, random_mutations_of_an_offer_never_crash_or_leak)
{
	static const char alphabet[] = "m=v0 9\r\n:/a-ORTPSAVF";
	size_t n = strlen(offer_sdp);
	char *buf = malloc(n + 64);
	uint32_t seed = 0x5eed1234u;
	int answers = 0, errors = 0;

	for (int round = 0; round < 3000; round++) {
		memcpy(buf, offer_sdp, n + 1);
		size_t len = n;
		for (int k = 0; k < 1 + (int)(rnd(&seed) % 8); k++) {
			size_t at = rnd(&seed) % len;
			switch (rnd(&seed) % 3) {
			case 0: /* replace a byte */
				buf[at] = alphabet[rnd(&seed) % (sizeof(alphabet) - 1)];
				break;
			case 1: /* cut the rest */
				len = at;
				break;
			default: /* delete one byte */
				memmove(buf + at, buf + at + 1, len - at);
				len--;
				break;
			}
			buf[len] = '\0';
			if (len == 0)
				break;
		}
		char *err = NULL;
		char *ans = lumen_echotest_answer(buf, 1, &err);
		cr_assert((ans != NULL) != (err != NULL), "round %d", round);
		if (ans) {
			cr_expect_eq(strncmp(ans, "v=0\r\n", 5), 0);
			answers++;
		} else {
			errors++;
		}
		free(ans);
		free(err);
	}
	free(buf);
	cr_expect(answers > 0 && errors > 0, "both outcomes exercised: %d answers, %d errors",
	          answers, errors);
}
