/* fuzz_rooms_sdp.c -- libFuzzer target for the rooms engine's SDP: a publisher's offer through
 * rooms_sdp_answer_publisher, with oracles.
 *
 * Any input either fails with a one-line error and no answer, or yields an answer that parses,
 * has one codec (plus its RTX) per accepted RTP m-line, and track descriptions that name those
 * m-lines; the tracks then make a subscriber offer that parses back with the same mids. Replayed
 * over the corpus by tests/fuzz/replay.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "room_sdp.h"
#include "webrtc/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rooms_sdp_policy policy = {
	.audio_codecs = "opus,pcmu",
	.video_codecs = "vp8,vp9,h264,av1",
	.simulcast = true,
	.data = true,
};

static void check_tracks(const struct lumen_sdp *ans, const struct rooms_track_desc *t, unsigned n)
{
	struct rooms_offer_stream s[ROOMS_MAX_TRACKS];
	struct lumen_sdp *back = NULL;
	char *offer, *err = NULL;

	for (unsigned i = 0; i < n; i++) {
		const struct lumen_sdp_media *m = lumen_sdp_find_mid(ans, t[i].mid);

		if (!m || m->port == 0 || t[i].n_layers > ROOMS_MAX_LAYERS) {
			fprintf(stderr, "track %u (mid %s) does not match the answer\n", i, t[i].mid);
			abort();
		}
		if (m->rtp && (m->n_codecs < 1 || m->n_codecs > 2 || m->codecs[0].pt != t[i].codec.pt)) {
			fprintf(stderr, "mid %s: %u codecs in the answer\n", t[i].mid, m->n_codecs);
			abort();
		}
		memset(&s[i], 0, sizeof(s[i]));
		memcpy(s[i].mid, t[i].mid, sizeof(s[i].mid));
		s[i].kind = t[i].kind;
		s[i].active = true;
		s[i].codec = t[i].codec;
		s[i].ssrc = 1000 + i;
	}
	if (!n)
		return;
	offer = rooms_sdp_offer_subscriber(s, n, &err);
	if (!offer) {
		/* Only a mid the offer cannot carry (blanks cannot occur: the parser splits on them). */
		free(err);
		return;
	}
	if (lumen_sdp_parse(offer, strlen(offer), &back, NULL) || back->n_media != n) {
		fprintf(stderr, "subscriber offer does not parse back:\n%s", offer);
		abort();
	}
	for (unsigned i = 0; i < n; i++)
		if (!back->media[i].mid || strcmp(back->media[i].mid, t[i].mid))
			abort();
	lumen_sdp_free(back);
	free(offer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rooms_track_desc tracks[ROOMS_MAX_TRACKS];
	char *text = g_strndup((const char *)data, size), *answer = NULL, *err = NULL;
	struct lumen_sdp *ans = NULL;
	unsigned n = 0;
	int rc = rooms_sdp_answer_publisher(text, &policy, &answer, tracks, ROOMS_MAX_TRACKS, &n, &err);

	if (rc) {
		if (answer || n || !err || !*err || strchr(err, '\n'))
			abort();
		goto out;
	}
	if (err || !answer || lumen_sdp_parse(answer, strlen(answer), &ans, NULL)) {
		fprintf(stderr, "answer does not parse:\n%s", answer ? answer : "(null)");
		abort();
	}
	check_tracks(ans, tracks, n);
	lumen_sdp_free(ans);
out:
	free(answer);
	free(err);
	g_free(text);
	return 0;
}
