/* test_rooms_sdp.c -- the rooms engine's SDP: answers to captured publisher offers, simulcast
 * read back as layers, codec choice by policy, bad input, the offer to a subscriber read back by
 * the SDP parser, and the check of a subscriber's answer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <glib.h>

#include "room_sdp.h"
#include "webrtc/sdp.h"

static const struct rooms_sdp_policy all = {
	.audio_codecs = "opus",
	.video_codecs = "vp8,vp9,h264,av1",
	.simulcast = true,
	.data = true,
};

static char *load(const char *name)
{
	const char *top = getenv("top_srcdir");
	char *path = g_strdup_printf("%s/tests/fixtures/sdp/%s", top ? top : LUMEN_TEST_SRCDIR, name);
	char *text = NULL;
	GError *error = NULL;

	if (!g_file_get_contents(path, &text, NULL, &error))
		cr_assert_fail("cannot read %s: %s", path, error->message);
	g_free(path);
	return text;
}

static struct lumen_sdp *parse(const char *text)
{
	struct lumen_sdp *sdp = NULL;
	struct lumen_sdp_error err = {0};

	cr_assert_eq(lumen_sdp_parse(text, strlen(text), &sdp, &err), 0, "does not parse: %s\n%s",
	             err.msg, text);
	return sdp;
}

/* Answers text under pol, expecting success; the answer is returned parsed. */
static struct lumen_sdp *answer_ok(const char *text, const struct rooms_sdp_policy *pol,
                                   struct rooms_track_desc *tracks, unsigned *n)
{
	char *answer = NULL, *err = NULL;
	struct lumen_sdp *sdp;
	int rc = rooms_sdp_answer_publisher(text, pol, &answer, tracks, ROOMS_MAX_TRACKS, n, &err);

	cr_assert_eq(rc, 0, "answer failed (%d): %s", rc, err ? err : "(no error)");
	cr_assert_null(err);
	cr_assert_not_null(answer);
	sdp = parse(answer);
	free(answer);
	return sdp;
}

static const struct rooms_track_desc *track(const struct rooms_track_desc *t, unsigned n,
                                            enum lumen_media_kind kind)
{
	for (unsigned i = 0; i < n; i++)
		if (t[i].kind == kind)
			return &t[i];
	cr_assert_fail("no track of kind %d", kind);
	return NULL;
}

static const struct lumen_sdp_media *media_of_kind(const struct lumen_sdp *sdp, const char *type)
{
	for (unsigned i = 0; i < sdp->n_media; i++)
		if (!strcmp(sdp->media[i].type, type))
			return &sdp->media[i];
	cr_assert_fail("no %s m-line", type);
	return NULL;
}

/* Every captured offer is answered: each accepted RTP m-line recvonly with one codec (and its
 * RTX), only the extensions lumen reads, with the offer's ids; tracks match the m-lines. */
Test(rooms_sdp, answers_every_fixture)
{
	static const char *const offers[] = {
		"chromium-offer.sdp",         "chromium-offer-simulcast.sdp", "firefox-offer.sdp",
		"firefox-offer-simulcast.sdp", "webrtcbin-offer.sdp",         "aiortc-offer.sdp",
	};

	for (size_t f = 0; f < G_N_ELEMENTS(offers); f++) {
		struct rooms_track_desc t[ROOMS_MAX_TRACKS];
		char *text = load(offers[f]);
		struct lumen_sdp *offer = parse(text), *ans;
		unsigned n = 0, k = 0;

		ans = answer_ok(text, &all, t, &n);
		cr_assert_eq(ans->n_media, offer->n_media, "%s", offers[f]);
		for (unsigned i = 0; i < ans->n_media; i++) {
			const struct lumen_sdp_media *m = &ans->media[i], *om = &offer->media[i];

			cr_assert_str_eq(m->mid, om->mid);
			if (m->port == 0)
				continue;
			cr_assert_lt(k, n);
			cr_assert_str_eq(t[k].mid, m->mid, "%s", offers[f]);
			if (!m->rtp) {
				cr_assert_eq(t[k].kind, LUMEN_MEDIA_DATA);
				k++;
				continue;
			}
			cr_assert_eq(m->dir, LUMEN_SDP_DIR_RECVONLY, "%s mid %s", offers[f], m->mid);
			cr_assert(t[k].sends);
			cr_assert(m->n_codecs == 1 || m->n_codecs == 2, "%s mid %s: %u codecs",
			          offers[f], m->mid, m->n_codecs);
			cr_assert_eq(m->codecs[0].pt, t[k].codec.pt);
			cr_assert_eq(g_ascii_strcasecmp(m->codecs[0].name, t[k].codec.name), 0);
			if (m->n_codecs == 2) {
				cr_assert_eq(m->codecs[1].apt, (int)m->codecs[0].pt);
				cr_assert_eq(t[k].codec.rtx_pt, (int)m->codecs[1].pt);
			} else {
				cr_assert_eq(t[k].codec.rtx_pt, -1);
			}
			for (unsigned e = 0; e < m->n_extmaps; e++) {
				enum lumen_sdp_ext kind = lumen_sdp_extmap_kind(m->extmaps[e].uri);

				cr_assert(kind != LUMEN_SDP_EXT_UNKNOWN &&
				              kind != LUMEN_SDP_EXT_TOFFSET &&
				              kind != LUMEN_SDP_EXT_DEPENDENCY_DESCRIPTOR,
				          "%s: extension %s kept", offers[f], m->extmaps[e].uri);
				cr_assert_eq(lumen_sdp_find_extmap(om, kind), m->extmaps[e].id);
			}
			k++;
		}
		cr_assert_eq(k, n, "%s: %u tracks for %u accepted m-lines", offers[f], n, k);
		lumen_sdp_free(ans);
		lumen_sdp_free(offer);
		g_free(text);
	}
}

Test(rooms_sdp, chromium_answer_keeps_feedback_and_extensions)
{
	struct rooms_track_desc t[ROOMS_MAX_TRACKS];
	char *text = load("chromium-offer.sdp");
	unsigned n = 0;
	struct lumen_sdp *offer = parse(text), *ans = answer_ok(text, &all, t, &n);
	const struct lumen_sdp_media *v = media_of_kind(ans, "video"), *a = media_of_kind(ans, "audio");
	const struct lumen_sdp_media *ov = media_of_kind(offer, "video");
	const struct rooms_track_desc *tv = track(t, n, LUMEN_MEDIA_VIDEO);

	cr_assert_str_eq(tv->codec.name, "VP8");
	/* transport-cc is kept: the pc sends transport-wide feedback on what it receives. */
	cr_assert_eq(lumen_sdp_codec_fb(v, &v->codecs[0]),
	             LUMEN_SDP_FB_NACK | LUMEN_SDP_FB_PLI | LUMEN_SDP_FB_FIR | LUMEN_SDP_FB_REMB |
	                     LUMEN_SDP_FB_TRANSPORT_CC);
	cr_assert_neq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_MID), 0);
	cr_assert_neq(lumen_sdp_find_extmap(ov, LUMEN_SDP_EXT_TRANSPORT_CC), 0);
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_TRANSPORT_CC),
	             lumen_sdp_find_extmap(ov, LUMEN_SDP_EXT_TRANSPORT_CC));
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_TOFFSET), 0);
	cr_assert_neq(lumen_sdp_find_extmap(a, LUMEN_SDP_EXT_AUDIO_LEVEL), 0);
	cr_assert_str_eq(track(t, n, LUMEN_MEDIA_AUDIO)->codec.name, "opus");
	cr_assert_eq(track(t, n, LUMEN_MEDIA_AUDIO)->codec.channels, 2);
	cr_assert_str_eq(track(t, n, LUMEN_MEDIA_AUDIO)->codec.fmtp, "minptime=10;useinbandfec=1");
	/* Not simulcast: the first SSRC (not its RTX) and the msid. */
	cr_assert_eq(tv->n_layers, 0);
	cr_assert_eq(tv->ssrc, 3811897091u);
	cr_assert_str_eq(tv->msid_stream, "0a212279-1411-4f84-9162-e0407244bfd8");
	cr_assert_str_eq(tv->msid_track, "135e27f3-ba8f-4a1d-80da-9f213e549a1b");
	cr_assert_eq(track(t, n, LUMEN_MEDIA_AUDIO)->ssrc, 2980135519u);
	cr_assert_neq(media_of_kind(ans, "application")->port, 0);
	cr_assert_not_null(lumen_sdp_find_group(ans, "BUNDLE"));
	lumen_sdp_free(ans);
	lumen_sdp_free(offer);
	g_free(text);
}

static void check_rid_simulcast(const char *fixture)
{
	struct rooms_track_desc t[ROOMS_MAX_TRACKS];
	char *text = load(fixture);
	unsigned n = 0;
	struct lumen_sdp *ans = answer_ok(text, &all, t, &n);
	const struct lumen_sdp_media *v = media_of_kind(ans, "video");
	const struct rooms_track_desc *tv = track(t, n, LUMEN_MEDIA_VIDEO);
	static const char *const rids[] = {"q", "h", "f"};

	cr_assert_eq(tv->n_layers, 3, "%s: %u layers", fixture, tv->n_layers);
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_str_eq(tv->rids[i], rids[i]);
		cr_assert_eq(tv->layer_ssrcs[i], 0);
		cr_assert_str_eq(v->rids[i].id, rids[i]);
		cr_assert(v->rids[i].recv);
	}
	cr_assert_eq(tv->ssrc, 0);
	cr_assert_not_null(v->simulcast);
	cr_assert_eq(v->simulcast->n_recv, 3);
	cr_assert_eq(v->simulcast->n_send, 0);
	cr_assert_neq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_RID), 0);
	cr_assert_eq(v->n_codecs, 2);
	lumen_sdp_free(ans);
	g_free(text);
}

Test(rooms_sdp, chromium_rid_simulcast_three_layers)
{
	check_rid_simulcast("chromium-offer-simulcast.sdp");
}

Test(rooms_sdp, firefox_rid_simulcast_three_layers)
{
	check_rid_simulcast("firefox-offer-simulcast.sdp");
}

Test(rooms_sdp, rid_simulcast_refused_by_policy)
{
	struct rooms_sdp_policy pol = all;
	struct rooms_track_desc t[ROOMS_MAX_TRACKS];
	char *text = load("chromium-offer-simulcast.sdp");
	unsigned n = 0;
	struct lumen_sdp *ans;

	pol.simulcast = false;
	ans = answer_ok(text, &pol, t, &n);
	cr_assert_null(media_of_kind(ans, "video")->simulcast);
	cr_assert_eq(media_of_kind(ans, "video")->n_rids, 0);
	cr_assert_eq(track(t, n, LUMEN_MEDIA_VIDEO)->n_layers, 0);
	lumen_sdp_free(ans);
	g_free(text);
}

/* Chromium's SSRC simulcast (SDP munging, and what older clients send). */
static const char ssrc_sim_offer[] =
	"v=0\r\n"
	"o=- 1 2 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=mid:0\r\n"
	"a=sendonly\r\n"
	"a=msid:s1 t1\r\n"
	"a=rtcp-mux\r\n"
	"a=rtpmap:96 VP8/90000\r\n"
	"a=rtcp-fb:96 nack pli\r\n"
	"a=rtpmap:97 rtx/90000\r\n"
	"a=fmtp:97 apt=96\r\n"
	"a=ssrc-group:SIM 111 222 333\r\n"
	"a=ssrc-group:FID 111 1111\r\n"
	"a=ssrc-group:FID 222 2222\r\n"
	"a=ssrc-group:FID 333 3333\r\n"
	"a=ssrc:111 cname:c\r\n"
	"a=ssrc:1111 cname:c\r\n"
	"a=ssrc:222 cname:c\r\n"
	"a=ssrc:2222 cname:c\r\n"
	"a=ssrc:333 cname:c\r\n"
	"a=ssrc:3333 cname:c\r\n";

Test(rooms_sdp, ssrc_simulcast_three_layers)
{
	struct rooms_track_desc t[ROOMS_MAX_TRACKS];
	unsigned n = 0;
	struct lumen_sdp *ans = answer_ok(ssrc_sim_offer, &all, t, &n);

	cr_assert_eq(n, 1);
	cr_assert_eq(t[0].n_layers, 3);
	cr_assert_eq(t[0].layer_ssrcs[0], 111);
	cr_assert_eq(t[0].layer_ssrcs[1], 222);
	cr_assert_eq(t[0].layer_ssrcs[2], 333);
	cr_assert_str_eq(t[0].rids[0], "");
	cr_assert_str_eq(t[0].msid_stream, "s1");
	cr_assert_str_eq(t[0].msid_track, "t1");
	cr_assert_eq(t[0].codec.rtx_pt, 97);
	cr_assert_eq(ans->media[0].dir, LUMEN_SDP_DIR_RECVONLY);
	lumen_sdp_free(ans);
}

Test(rooms_sdp, ssrc_simulcast_refused_takes_the_first_ssrc)
{
	struct rooms_sdp_policy pol = all;
	struct rooms_track_desc t[ROOMS_MAX_TRACKS];
	unsigned n = 0;
	struct lumen_sdp *ans;

	pol.simulcast = false;
	ans = answer_ok(ssrc_sim_offer, &pol, t, &n);
	cr_assert_eq(t[0].n_layers, 0);
	cr_assert_eq(t[0].ssrc, 111);
	lumen_sdp_free(ans);
}

static const char h264_offer[] =
	"v=0\r\n"
	"o=- 1 2 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 100 101 102 103 104\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=mid:v\r\n"
	"a=sendrecv\r\n"
	"a=rtpmap:100 H264/90000\r\n"
	"a=fmtp:100 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n"
	"a=rtpmap:101 H264/90000\r\n"
	"a=fmtp:101 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
	"a=rtpmap:102 H264/90000\r\n"
	"a=rtcp-fb:102 nack\r\n"
	"a=rtcp-fb:102 nack pli\r\n"
	"a=rtcp-fb:102 goog-lntf\r\n"
	"a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e034\r\n"
	"a=rtpmap:103 rtx/90000\r\n"
	"a=fmtp:103 apt=102\r\n"
	"a=rtpmap:104 rtx/90000\r\n"
	"a=fmtp:104 apt=100\r\n";

Test(rooms_sdp, h264_only_offer_picks_constrained_baseline)
{
	struct rooms_track_desc t[ROOMS_MAX_TRACKS];
	unsigned n = 0;
	struct lumen_sdp *ans = answer_ok(h264_offer, &all, t, &n);
	const struct lumen_sdp_media *m = &ans->media[0];

	cr_assert_eq(n, 1);
	cr_assert_str_eq(t[0].codec.name, "H264");
	cr_assert_eq(t[0].codec.pt, 102);
	cr_assert_eq(t[0].codec.rtx_pt, 103);
	cr_assert_eq(t[0].codec.clock, 90000);
	cr_assert_str_eq(t[0].codec.fmtp,
	                 "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e034");
	cr_assert_eq(m->n_codecs, 2);
	cr_assert_eq(m->codecs[0].n_fb, 2, "goog-lntf must be dropped");
	cr_assert_eq(m->dir, LUMEN_SDP_DIR_RECVONLY);
	cr_assert(t[0].sends);
	lumen_sdp_free(ans);
}

Test(rooms_sdp, chromium_h264_policy_picks_42e01f_mode_1)
{
	struct rooms_sdp_policy pol = all;
	struct rooms_track_desc t[ROOMS_MAX_TRACKS];
	char *text = load("chromium-offer.sdp");
	unsigned n = 0;
	struct lumen_sdp *ans;

	pol.video_codecs = "h264";
	ans = answer_ok(text, &pol, t, &n);
	cr_assert_eq(track(t, n, LUMEN_MEDIA_VIDEO)->codec.pt, 108);
	cr_assert_eq(track(t, n, LUMEN_MEDIA_VIDEO)->codec.rtx_pt, 109);
	lumen_sdp_free(ans);
	g_free(text);
}

Test(rooms_sdp, h264_only_offer_fails_clearly_without_h264)
{
	struct rooms_sdp_policy pol = all;
	struct rooms_track_desc t[ROOMS_MAX_TRACKS];
	char *answer = NULL, *err = NULL;
	unsigned n = 7;

	pol.video_codecs = "vp8,vp9";
	cr_assert_eq(rooms_sdp_answer_publisher(h264_offer, &pol, &answer, t, ROOMS_MAX_TRACKS, &n,
	                                        &err),
	             -ENOENT);
	cr_assert_null(answer);
	cr_assert_eq(n, 0);
	cr_assert_not_null(err);
	cr_assert(strstr(err, "m-line 0 (video): no codec in common (offered H264"), "%s", err);
	cr_assert_null(strchr(err, '\n'));
	free(err);
}

Test(rooms_sdp, rejects_an_m_line_without_common_codec)
{
	struct rooms_sdp_policy pol = all;
	struct rooms_track_desc t[ROOMS_MAX_TRACKS];
	char *text = load("firefox-offer.sdp");
	unsigned n = 0;
	struct lumen_sdp *ans;

	pol.video_codecs = "h265";
	pol.data = false;
	ans = answer_ok(text, &pol, t, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(t[0].kind, LUMEN_MEDIA_AUDIO);
	cr_assert_eq(media_of_kind(ans, "video")->port, 0);
	cr_assert_eq(media_of_kind(ans, "application")->port, 0);
	cr_assert_eq(lumen_sdp_find_group(ans, "BUNDLE")->n, 1);
	lumen_sdp_free(ans);
	g_free(text);
}

static void expect_error(const char *offer, const struct rooms_sdp_policy *pol, unsigned max,
                         int want, const char *needle)
{
	struct rooms_track_desc t[ROOMS_MAX_TRACKS];
	char *answer = NULL, *err = NULL;
	unsigned n = 0;
	int rc = rooms_sdp_answer_publisher(offer, pol, &answer, t, max, &n, &err);

	cr_assert_eq(rc, want, "rc %d, want %d: %s", rc, want, err ? err : "(none)");
	cr_assert_null(answer);
	cr_assert_eq(n, 0);
	cr_assert_not_null(err);
	cr_assert(strstr(err, needle), "'%s' does not say '%s'", err, needle);
	cr_assert_null(strchr(err, '\n'));
	free(err);
}

Test(rooms_sdp, garbage_and_oversized_input_fail)
{
	GString *big = g_string_new("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n");
	struct rooms_sdp_policy bad = all;

	expect_error("hello world", &all, ROOMS_MAX_TRACKS, -EINVAL, "malformed offer");
	expect_error("", &all, ROOMS_MAX_TRACKS, -EINVAL, "malformed offer");
	expect_error("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n", &all, ROOMS_MAX_TRACKS,
	             -ENOENT, "nothing acceptable");
	expect_error("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n"
	             "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n",
	             &all, ROOMS_MAX_TRACKS, -EINVAL, "no a=mid");
	while (big->len <= ROOMS_SDP_MAX_SIZE)
		g_string_append(big, "a=x-padding:0123456789012345678901234567890123456789\r\n");
	expect_error(big->str, &all, ROOMS_MAX_TRACKS, -E2BIG, "larger than 256 KiB");
	g_string_free(big, TRUE);
	bad.video_codecs = "vp8, theora";
	expect_error(h264_offer, &bad, ROOMS_MAX_TRACKS, -EINVAL, "unknown video codec 'theora'");
}

Test(rooms_sdp, too_many_tracks_fail)
{
	char *text = load("chromium-offer.sdp");

	expect_error(text, &all, 2, -E2BIG, "more than 2 m-lines");
	g_free(text);
}

/* ---- offer to a subscriber ---- */

static void fill_stream(struct rooms_offer_stream *s, const char *mid, enum lumen_media_kind kind,
                        bool active, uint32_t ssrc)
{
	memset(s, 0, sizeof(*s));
	g_strlcpy(s->mid, mid, sizeof(s->mid));
	s->kind = kind;
	s->active = active;
	s->ssrc = ssrc;
	s->codec.rtx_pt = -1;
	g_strlcpy(s->cname, "feed42", sizeof(s->cname));
	if (kind == LUMEN_MEDIA_AUDIO) {
		g_strlcpy(s->codec.name, "opus", sizeof(s->codec.name));
		s->codec.pt = 111;
		s->codec.clock = 48000;
		s->codec.channels = 2;
		g_strlcpy(s->codec.fmtp, "minptime=10;useinbandfec=1", sizeof(s->codec.fmtp));
	} else if (kind == LUMEN_MEDIA_VIDEO) {
		g_strlcpy(s->codec.name, "H264", sizeof(s->codec.name));
		s->codec.pt = 108;
		s->codec.clock = 90000;
		g_strlcpy(s->codec.fmtp, "level-asymmetry-allowed=1;packetization-mode=1;"
		                         "profile-level-id=42e01f", sizeof(s->codec.fmtp));
	}
}

Test(rooms_sdp, subscriber_offer_round_trips)
{
	struct rooms_offer_stream s[4];
	char *err = NULL, *text;
	struct lumen_sdp *sdp;
	const struct lumen_sdp_group *bundle;

	fill_stream(&s[0], "a0", LUMEN_MEDIA_AUDIO, true, 1001);
	fill_stream(&s[1], "v1", LUMEN_MEDIA_VIDEO, true, 1002);
	g_strlcpy(s[1].msid_stream, "feed42", sizeof(s[1].msid_stream));
	g_strlcpy(s[1].msid_track, "cam", sizeof(s[1].msid_track));
	fill_stream(&s[2], "v2", LUMEN_MEDIA_VIDEO, false, 1003);
	fill_stream(&s[3], "d3", LUMEN_MEDIA_DATA, true, 0);
	text = rooms_sdp_offer_subscriber(s, 4, &err);
	cr_assert_not_null(text, "%s", err ? err : "");
	cr_assert_null(err);
	cr_assert(g_str_has_prefix(text, "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"), "%s",
	          text);
	cr_assert(strstr(text, "a=msid-semantic: WMS *\r\n") || strstr(text, "a=msid-semantic:WMS *\r\n"),
	          "%s", text);
	cr_assert(strstr(text, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"), "%s", text);
	sdp = parse(text);
	cr_assert_eq(sdp->n_media, 4);
	bundle = lumen_sdp_find_group(sdp, "BUNDLE");
	cr_assert_not_null(bundle);
	cr_assert_eq(bundle->n, 3);
	cr_assert_str_eq(bundle->ids[0], "a0");
	cr_assert_str_eq(bundle->ids[1], "v1");
	cr_assert_str_eq(bundle->ids[2], "d3");
	for (unsigned i = 0; i < 4; i++) {
		const struct lumen_sdp_media *m = &sdp->media[i];

		cr_assert_str_eq(m->mid, s[i].mid);
		cr_assert_eq(m->port, s[i].active ? 9 : 0);
		cr_assert_str_eq(m->connection, "IN IP4 0.0.0.0");
		if (!m->rtp)
			continue;
		cr_assert_str_eq(m->proto, "UDP/TLS/RTP/SAVPF");
		cr_assert_eq(m->dir, s[i].active ? LUMEN_SDP_DIR_SENDONLY : LUMEN_SDP_DIR_INACTIVE);
		cr_assert(m->rtcp_mux && m->rtcp_rsize);
		cr_assert_eq(m->n_codecs, 1);
		cr_assert_eq(m->codecs[0].pt, s[i].codec.pt);
		cr_assert_str_eq(m->codecs[0].fmtp, s[i].codec.fmtp);
		cr_assert_eq(lumen_sdp_find_extmap(m, LUMEN_SDP_EXT_ABS_SEND_TIME),
		             ROOMS_EXT_ABS_SEND_TIME);
		if (!s[i].active) {
			cr_assert_eq(m->n_ssrcs, 0);
			continue;
		}
		cr_assert_eq(m->n_ssrcs, 2);
		cr_assert_eq(m->ssrcs[0].ssrc, s[i].ssrc);
		cr_assert_str_eq(m->ssrcs[0].attr, "cname");
		cr_assert_str_eq(m->ssrcs[0].value, "feed42");
		cr_assert_str_eq(m->ssrcs[1].attr, "msid");
		cr_assert_eq(m->n_msids, 1);
	}
	/* audio */
	cr_assert_eq(lumen_sdp_find_extmap(&sdp->media[0], LUMEN_SDP_EXT_AUDIO_LEVEL),
	             ROOMS_EXT_AUDIO_LEVEL);
	cr_assert_eq(lumen_sdp_find_extmap(&sdp->media[0], LUMEN_SDP_EXT_VIDEO_ORIENTATION), 0);
	cr_assert_eq(sdp->media[0].codecs[0].channels, 2);
	cr_assert_eq(sdp->media[0].codecs[0].n_fb, 0);
	cr_assert_str_eq(sdp->media[0].msids[0].stream, "lumen-a0");
	/* video */
	cr_assert_eq(lumen_sdp_find_extmap(&sdp->media[1], LUMEN_SDP_EXT_AUDIO_LEVEL), 0);
	cr_assert_eq(lumen_sdp_find_extmap(&sdp->media[1], LUMEN_SDP_EXT_VIDEO_ORIENTATION),
	             ROOMS_EXT_VIDEO_ORIENT);
	cr_assert_eq(lumen_sdp_find_extmap(&sdp->media[1], LUMEN_SDP_EXT_PLAYOUT_DELAY),
	             ROOMS_EXT_PLAYOUT_DELAY);
	cr_assert_eq(lumen_sdp_codec_fb(&sdp->media[1], &sdp->media[1].codecs[0]),
	             LUMEN_SDP_FB_NACK | LUMEN_SDP_FB_PLI | LUMEN_SDP_FB_FIR | LUMEN_SDP_FB_REMB);
	cr_assert_str_eq(sdp->media[1].msids[0].stream, "feed42");
	cr_assert_str_eq(sdp->media[1].msids[0].track, "cam");
	cr_assert_str_eq(sdp->media[1].ssrcs[1].value, "feed42 cam");
	/* data */
	cr_assert_eq(sdp->media[3].sctp_port, 5000);
	lumen_sdp_free(sdp);
	free(text);
}

Test(rooms_sdp, subscriber_offer_rejects_bad_streams)
{
	struct rooms_offer_stream s[2] = {0};
	char *err = NULL;

	cr_assert_null(rooms_sdp_offer_subscriber(s, 0, &err));
	cr_assert_not_null(err);
	free(err);
	err = NULL;
	fill_stream(&s[0], "x", LUMEN_MEDIA_AUDIO, true, 1);
	fill_stream(&s[1], "x", LUMEN_MEDIA_VIDEO, true, 2);
	cr_assert_null(rooms_sdp_offer_subscriber(s, 2, &err));
	cr_assert(strstr(err, "repeated"), "%s", err);
	free(err);
	err = NULL;
	fill_stream(&s[1], "y", LUMEN_MEDIA_VIDEO, true, 2);
	s[1].codec.name[0] = '\0';
	cr_assert_null(rooms_sdp_offer_subscriber(s, 2, &err));
	cr_assert(strstr(err, "no codec"), "%s", err);
	free(err);
}

/* The subscriber's side of the offer, as a browser would answer it. */
static char *answer_to(const char *offer, bool reject_video)
{
	struct lumen_sdp *sdp = parse(offer);
	char *text;

	for (unsigned i = 0; i < sdp->n_media; i++) {
		struct lumen_sdp_media *m = &sdp->media[i];

		if (m->port == 0)
			continue;
		if (m->rtp)
			m->dir = LUMEN_SDP_DIR_RECVONLY;
		if (reject_video && !strcmp(m->type, "video"))
			m->port = 0;
	}
	text = lumen_sdp_write(sdp, NULL);
	lumen_sdp_free(sdp);
	return text;
}

Test(rooms_sdp, check_answer)
{
	struct rooms_offer_stream s[3];
	char *err = NULL, *offer, *ok, *bad;

	fill_stream(&s[0], "0", LUMEN_MEDIA_AUDIO, true, 11);
	fill_stream(&s[1], "1", LUMEN_MEDIA_VIDEO, true, 12);
	fill_stream(&s[2], "2", LUMEN_MEDIA_DATA, true, 0);
	offer = rooms_sdp_offer_subscriber(s, 3, &err);
	cr_assert_not_null(offer);
	ok = answer_to(offer, false);
	bad = answer_to(offer, true);
	cr_assert_eq(rooms_sdp_check_answer(ok, &err), 0, "%s", err ? err : "");
	cr_assert_eq(rooms_sdp_check_answer_streams(ok, s, 3, &err), 0, "%s", err ? err : "");
	cr_assert_null(err);
	cr_assert_eq(rooms_sdp_check_answer(bad, &err), -EINVAL);
	cr_assert(strstr(err, "answer rejects m-line 1 (video, mid 1)"), "%s", err);
	free(err);
	err = NULL;
	cr_assert_eq(rooms_sdp_check_answer_streams(bad, s, 3, &err), -EINVAL);
	free(err);
	err = NULL;
	/* Sending back (sendrecv) is not an answer to a sendonly offer. */
	cr_assert_eq(rooms_sdp_check_answer(offer, &err), -EINVAL);
	cr_assert(strstr(err, "not recvonly"), "%s", err);
	free(err);
	err = NULL;
	cr_assert_eq(rooms_sdp_check_answer("nonsense", &err), -EINVAL);
	cr_assert(strstr(err, "malformed answer"), "%s", err);
	free(err);
	err = NULL;
	cr_assert_eq(rooms_sdp_check_answer_streams(ok, s, 2, &err), -EINVAL);
	cr_assert(strstr(err, "3 m-lines, the offer 2"), "%s", err);
	free(err);
	g_free(ok);
	g_free(bad);
	free(offer);
}

Test(rooms_sdp, check_answer_streams_allows_rejecting_an_inactive_stream)
{
	struct rooms_offer_stream s[2];
	char *err = NULL, *offer, *ans;

	fill_stream(&s[0], "0", LUMEN_MEDIA_AUDIO, true, 11);
	fill_stream(&s[1], "1", LUMEN_MEDIA_VIDEO, false, 12);
	offer = rooms_sdp_offer_subscriber(s, 2, &err);
	cr_assert_not_null(offer);
	ans = answer_to(offer, false);
	cr_assert_eq(rooms_sdp_check_answer_streams(ans, s, 2, &err), 0, "%s", err ? err : "");
	/* Without the offer the port-0 m-line reads as a rejection. */
	cr_assert_eq(rooms_sdp_check_answer(ans, &err), -EINVAL);
	free(err);
	g_free(ans);
	free(offer);
}
