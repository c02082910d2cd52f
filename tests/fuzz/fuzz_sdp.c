/* fuzz_sdp.c -- libFuzzer target for the SDP codec with a round-trip oracle.
 *
 * Any input either fails to parse with a non-empty "line N: ..." message, or parses into a model
 * that writes out, parses back into an equal model, and writes out byte-identically again. The
 * same input also goes through the trickle candidate parser, and a parsed offer through the answer
 * builder, whose answer must itself round-trip. Replayed over the corpus by tests/fuzz/replay.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "webrtc/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct lumen_sdp *a, const char *what)
{
	struct lumen_sdp_error err;
	struct lumen_sdp *b = NULL;
	size_t n1, n2;
	char *t1 = lumen_sdp_write(a, &n1), *t2;

	if (lumen_sdp_parse(t1, n1, &b, &err)) {
		if (n1 > LUMEN_SDP_MAX_SIZE)
			goto out; /* LF input grown by CRLF past the size limit */
		fprintf(stderr, "%s: written text does not parse: %s\n%s", what, err.msg, t1);
		abort();
	}
	if (!lumen_sdp_equal(a, b)) {
		fprintf(stderr, "%s: round trip changed the model\n%s", what, t1);
		abort();
	}
	t2 = lumen_sdp_write(b, &n2);
	if (n1 != n2 || memcmp(t1, t2, n1)) {
		fprintf(stderr, "%s: second write differs\n%s---\n%s", what, t1, t2);
		abort();
	}
	g_free(t2);
out:
	lumen_sdp_free(b);
	g_free(t1);
}

static const struct lumen_sdp_codec_cap audio[] = {
    {"opus", 48000, 2, NULL, LUMEN_SDP_FB_TRANSPORT_CC, false},
};
static const struct lumen_sdp_codec_cap video[] = {
    {"VP8", 90000, 0, NULL, LUMEN_SDP_FB_NACK | LUMEN_SDP_FB_PLI | LUMEN_SDP_FB_FIR, true},
    {"H264", 90000, 0, "packetization-mode=1;profile-level-id=42e01f", LUMEN_SDP_FB_NACK, true},
    {"VP9", 90000, 0, "profile-id=0", LUMEN_SDP_FB_REMB, true},
};
static const char *const exts[] = {
    "urn:ietf:params:rtp-hdrext:sdes:mid",
    "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct lumen_sdp_caps caps = {
	    .audio = audio,
	    .n_audio = G_N_ELEMENTS(audio),
	    .video = video,
	    .n_video = G_N_ELEMENTS(video),
	    .extmaps = exts,
	    .n_extmaps = G_N_ELEMENTS(exts),
	    .simulcast = true,
	    .datachannel = true,
	    .max_message_size = 262144,
	};
	static const char host[] = "candidate:1 1 udp 2130706431 192.0.2.1 40000 typ host";
	struct lumen_sdp_candidate cand;
	struct lumen_sdp_error err;
	struct lumen_sdp *sdp = NULL, *answer = NULL;

	if (lumen_sdp_candidate_parse((const char *)data, size, &cand, &err) == 0) {
		char buf[2 * LUMEN_SDP_MAX_LINE];
		struct lumen_sdp_candidate again;
		int n = lumen_sdp_candidate_write(&cand, buf, sizeof(buf));

		if (n < 0 || (size_t)n >= sizeof(buf) ||
		    lumen_sdp_candidate_parse(buf, (size_t)n, &again, &err) ||
		    memcmp(&cand, &again, sizeof(cand)) != 0) {
			fprintf(stderr, "candidate round trip failed: %s\n", buf);
			abort();
		}
	}
	if (lumen_sdp_candidate_parse(host, strlen(host), &cand, NULL))
		abort();
	if (lumen_sdp_parse((const char *)data, size, &sdp, &err)) {
		if (sdp || !err.msg[0])
			abort();
		return 0;
	}
	check_round_trip(sdp, "parsed");
	if (lumen_sdp_answer_build(sdp, &caps, &answer, &err) == 0) {
		check_round_trip(answer, "answer");
		if (lumen_sdp_stamp_ice(answer, "ufrag", "0123456789abcdefghijkl", &cand, 1, true,
		                        true) ||
		    lumen_sdp_stamp_dtls(answer, "sha-256", "AB:CD:EF", LUMEN_SDP_SETUP_PASSIVE) ||
		    lumen_sdp_stamp_origin(answer, "lumen", 42, 1, "::1"))
			abort();
		check_round_trip(answer, "stamped answer");
		lumen_sdp_free(answer);
	}
	lumen_sdp_free(sdp);
	return 0;
}
