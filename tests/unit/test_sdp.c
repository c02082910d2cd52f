/* test_sdp.c -- unit tests of the SDP codec (src/webrtc/sdp*.c) over real captured descriptions.
 *
 * Fixtures in tests/fixtures/sdp/ were captured on this machine by the scripts in
 * tests/fixtures/capture/ (Chromium, Firefox, GStreamer webrtcbin, aiortc). Every fixture must
 * parse, round-trip to an equal model with stable text, and survive every truncation; per-fixture
 * tests pin what the engine relies on (mids, codecs, RTX, rids, extmap ids, fingerprint,
 * candidates).
 *
 * One file per module, as STYLE.md asks: it is long because it is the module's whole
 * specification, one small Test() per behaviour; splitting it by topic would scatter that.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "webrtc/sdp.h"

static char *fixture_path(const char *name)
{
	const char *top = getenv("top_srcdir");

	return g_strdup_printf("%s/tests/fixtures/sdp/%s", top ? top : LUMEN_TEST_SRCDIR, name);
}

static char *load(const char *name, size_t *len)
{
	char *path = fixture_path(name), *text = NULL;
	GError *error = NULL;
	gsize n = 0;

	if (!g_file_get_contents(path, &text, &n, &error))
		cr_assert_fail("cannot read %s: %s", path, error->message);
	g_free(path);
	*len = n;
	return text;
}

static struct lumen_sdp *parse_ok(const char *text, size_t len)
{
	struct lumen_sdp_error err = {0};
	struct lumen_sdp *sdp = NULL;
	int rc = lumen_sdp_parse(text, len, &sdp, &err);

	cr_assert_eq(rc, 0, "parse failed: %s", err.msg);
	cr_assert_not_null(sdp);
	return sdp;
}

static struct lumen_sdp *parse_fixture(const char *name)
{
	size_t len;
	char *text = load(name, &len);
	struct lumen_sdp *sdp = parse_ok(text, len);

	g_free(text);
	return sdp;
}

/* Parse -> write -> parse gives an equal model, and a second write is byte-identical. */
static void assert_round_trip(const struct lumen_sdp *a, const char *what)
{
	size_t n1, n2;
	char *t1 = lumen_sdp_write(a, &n1), *t2;
	struct lumen_sdp *b = parse_ok(t1, n1);

	cr_assert(lumen_sdp_equal(a, b), "%s: model changed by a round trip", what);
	t2 = lumen_sdp_write(b, &n2);
	cr_assert_eq(n1, n2, "%s: text length changed", what);
	cr_assert(memcmp(t1, t2, n1) == 0, "%s: text changed on the second round", what);
	lumen_sdp_free(b);
	g_free(t1);
	g_free(t2);
}

static char **fixture_names(void)
{
	char *dir = fixture_path("");
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new();
	const char *n;

	cr_assert_not_null(d, "no fixture directory %s", dir);
	while ((n = g_dir_read_name(d)))
		if (g_str_has_suffix(n, ".sdp"))
			g_ptr_array_add(names, g_strdup(n));
	g_dir_close(d);
	g_free(dir);
	cr_assert_gt(names->len, 0);
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}

static const struct lumen_sdp_media *media_of(const struct lumen_sdp *sdp, const char *mid)
{
	const struct lumen_sdp_media *m = lumen_sdp_find_mid(sdp, mid);

	cr_assert_not_null(m, "no m-line with mid %s", mid);
	return m;
}

static const struct lumen_sdp_codec *codec_named(const struct lumen_sdp_media *m, const char *name,
                                                 unsigned pt)
{
	const struct lumen_sdp_codec *c = lumen_sdp_find_codec(m, pt);

	cr_assert_not_null(c, "no pt %u", pt);
	cr_assert_not_null(c->name, "pt %u has no rtpmap", pt);
	cr_assert_str_eq(c->name, name);
	return c;
}

/* ---- every fixture ---- */

Test(sdp_fixtures, every_fixture_parses_and_round_trips)
{
	char **names = fixture_names();

	for (char **n = names; *n; n++) {
		struct lumen_sdp *sdp = parse_fixture(*n);

		cr_assert_gt(sdp->n_media, 0, "%s: no m-lines", *n);
		assert_round_trip(sdp, *n);
		lumen_sdp_free(sdp);
	}
	g_strfreev(names);
}

Test(sdp_fixtures, lf_and_crlf_line_endings_give_the_same_model)
{
	char **names = fixture_names();

	for (char **n = names; *n; n++) {
		size_t len;
		char *text = load(*n, &len);
		GString *lf = g_string_new(NULL);
		GString *crlf = g_string_new(NULL);

		for (size_t i = 0; i < len; i++) {
			if (text[i] == '\r')
				continue;
			if (text[i] == '\n')
				g_string_append_c(crlf, '\r');
			g_string_append_c(lf, text[i]);
			g_string_append_c(crlf, text[i]);
		}
		struct lumen_sdp *a = parse_ok(lf->str, lf->len),
		                 *b = parse_ok(crlf->str, crlf->len);

		cr_assert(lumen_sdp_equal(a, b), "%s: LF and CRLF differ", *n);
		lumen_sdp_free(a);
		lumen_sdp_free(b);
		g_string_free(lf, TRUE);
		g_string_free(crlf, TRUE);
		g_free(text);
	}
	g_strfreev(names);
}

Test(sdp_fixtures, every_truncation_parses_or_fails_with_a_line_number)
{
	char **names = fixture_names();

	for (char **n = names; *n; n++) {
		size_t len;
		char *text = load(*n, &len);
		unsigned failed = 0;

		for (size_t cut = 0; cut < len; cut++) {
			/* A copy of exactly cut bytes, so ASan sees any read past the end. */
			char *part = g_memdup2(text, cut ? cut : 1);
			struct lumen_sdp_error err = {0};
			struct lumen_sdp *sdp = NULL;

			if (lumen_sdp_parse(part, cut, &sdp, &err) == 0) {
				/* Round trips of whole lines; mid-line cuts only need to parse
				 * cleanly. */
				if (text[cut - 1] == '\n')
					assert_round_trip(sdp, *n);
				lumen_sdp_free(sdp);
			} else {
				cr_assert_null(sdp);
				cr_assert_neq(err.msg[0], '\0', "%s cut at %zu: no message", *n,
				              cut);
				failed++;
			}
			g_free(part);
		}
		/* Cutting inside the first lines must fail (no o=/s=/t= yet). */
		cr_assert_gt(failed, 0, "%s: no truncation failed", *n);
		g_free(text);
	}
	g_strfreev(names);
}

/* ---- Chromium ---- */

Test(sdp_chromium, offer_has_bundle_mids_codecs_rtx_and_extmaps)
{
	struct lumen_sdp *sdp = parse_fixture("chromium-offer.sdp");
	const struct lumen_sdp_group *bundle = lumen_sdp_find_group(sdp, "BUNDLE");
	const struct lumen_sdp_media *a, *v, *d;
	const struct lumen_sdp_codec *c;

	cr_assert_eq(sdp->n_media, 3);
	cr_assert_not_null(bundle);
	cr_assert_eq(bundle->n, 3);
	cr_assert_str_eq(bundle->ids[0], "0");
	cr_assert_str_eq(bundle->ids[2], "2");
	cr_assert_str_eq(sdp->msid_semantic, "WMS 0a212279-1411-4f84-9162-e0407244bfd8");
	a = media_of(sdp, "0");
	v = media_of(sdp, "1");
	d = media_of(sdp, "2");
	cr_assert_str_eq(a->type, "audio");
	cr_assert_str_eq(a->proto, "UDP/TLS/RTP/SAVPF");
	cr_assert_eq(a->dir, LUMEN_SDP_DIR_SENDRECV);
	cr_assert(a->rtcp_mux && a->rtcp_rsize);
	cr_assert_eq(a->codecs[0].pt, 111);
	c = codec_named(a, "opus", 111);
	cr_assert_eq(c->clock, 48000);
	cr_assert_eq(c->channels, 2);
	cr_assert_eq(c->minptime, 10);
	cr_assert_eq(c->useinbandfec, 1);
	cr_assert_eq(lumen_sdp_codec_fb(a, c), LUMEN_SDP_FB_TRANSPORT_CC);
	codec_named(a, "red", 63);
	cr_assert_str_eq(lumen_sdp_find_codec(a, 63)->fmtp, "111/111");
	cr_assert_eq(codec_named(a, "PCMU", 0)->clock, 8000);
	cr_assert_eq(codec_named(a, "telephone-event", 126)->clock, 8000);
	cr_assert_eq(lumen_sdp_find_extmap(a, LUMEN_SDP_EXT_AUDIO_LEVEL), 1);
	cr_assert_eq(lumen_sdp_find_extmap(a, LUMEN_SDP_EXT_ABS_SEND_TIME), 2);
	cr_assert_eq(lumen_sdp_find_extmap(a, LUMEN_SDP_EXT_TRANSPORT_CC), 3);
	cr_assert_eq(lumen_sdp_find_extmap(a, LUMEN_SDP_EXT_MID), 4);
	cr_assert_eq(a->n_msids, 1);
	cr_assert_str_eq(a->msids[0].track, "b41890fa-f60c-4d6a-9744-741053c06011");
	cr_assert_eq(a->ssrcs[0].ssrc, 2980135519u);
	cr_assert_str_eq(a->ssrcs[0].attr, "cname");
	cr_assert_str_eq(a->ssrcs[0].value, "di/G1hyEoA1gYw+P");

	cr_assert_str_eq(v->type, "video");
	cr_assert_eq(v->n_codecs, 23);
	c = codec_named(v, "VP8", 96);
	cr_assert_eq(lumen_sdp_codec_fb(v, c), LUMEN_SDP_FB_NACK | LUMEN_SDP_FB_PLI |
	                                           LUMEN_SDP_FB_FIR | LUMEN_SDP_FB_REMB |
	                                           LUMEN_SDP_FB_TRANSPORT_CC);
	cr_assert_eq(lumen_sdp_find_rtx(v, 96)->pt, 97);
	c = codec_named(v, "H264", 102);
	cr_assert_eq(c->packetization_mode, 1);
	cr_assert_eq(c->profile_level_id, 0x42001f);
	cr_assert_eq(c->level_asymmetry_allowed, 1);
	cr_assert_eq(lumen_sdp_find_rtx(v, 102)->pt, 103);
	cr_assert_eq(codec_named(v, "H264", 104)->packetization_mode, 0);
	cr_assert_eq(codec_named(v, "VP9", 98)->profile_id, 0);
	cr_assert_eq(codec_named(v, "VP9", 100)->profile_id, 2);
	codec_named(v, "AV1", 45);
	cr_assert_eq(codec_named(v, "rtx", 46)->apt, 45);
	codec_named(v, "ulpfec", 120);
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_RID), 10);
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_REPAIRED_RID), 11);
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_DEPENDENCY_DESCRIPTOR), 0,
	             "Chromium offers the dependency descriptor with simulcast only");
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_VIDEO_ORIENTATION), 13);
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_PLAYOUT_DELAY), 5);
	cr_assert_eq(v->n_ssrc_groups, 1);
	cr_assert_str_eq(v->ssrc_groups[0].semantics, "FID");
	cr_assert_eq(v->ssrc_groups[0].n, 2);
	cr_assert_eq(v->ssrc_groups[0].ssrcs[0], 3811897091u);
	cr_assert_eq(v->ssrc_groups[0].ssrcs[1], 1082479123u);

	cr_assert_str_eq(d->type, "application");
	cr_assert_str_eq(d->proto, "UDP/DTLS/SCTP");
	cr_assert_not(d->rtp);
	cr_assert_eq(d->n_fmts, 1);
	cr_assert_str_eq(d->fmts[0], "webrtc-datachannel");
	cr_assert_eq(d->sctp_port, 5000);
	cr_assert_eq(d->max_message_size, 262144);

	for (unsigned i = 0; i < 3; i++) {
		const struct lumen_sdp_media *m = &sdp->media[i];
		const struct lumen_sdp_fingerprint *fp = lumen_sdp_media_fingerprint(sdp, m);

		cr_assert_str_eq(lumen_sdp_media_ice_ufrag(sdp, m), "kAKU");
		cr_assert_str_eq(m->ice_options, "trickle");
		cr_assert_str_eq(fp->hash, "sha-256");
		cr_assert_str_eq(fp->value,
		                 "5D:27:97:7B:A3:91:18:DB:FA:57:CD:F7:51:77:46:CA:0F:63:4F:AF:"
		                 "0A:DA:79:EC:77:6A:75:77:63:E2:80:26");
		cr_assert_eq(lumen_sdp_media_setup(sdp, m), LUMEN_SDP_SETUP_ACTPASS);
		cr_assert_gt(m->n_candidates, 0);
	}
	lumen_sdp_free(sdp);
}

Test(sdp_chromium, offer_candidates_are_parsed_fully)
{
	struct lumen_sdp *sdp = parse_fixture("chromium-offer.sdp");
	const struct lumen_sdp_media *a = media_of(sdp, "0");
	unsigned v4 = 0, v6 = 0, tcp = 0;

	cr_assert_eq(a->n_candidates, 4);
	cr_assert_str_eq(a->candidates[0].transport, "udp");
	cr_assert_eq(a->candidates[0].port, a->port, "the first candidate carries the m-line port");
	cr_assert_str_eq(a->candidates[0].foundation, "2376450881");
	for (unsigned i = 0; i < a->n_candidates; i++) {
		const struct lumen_sdp_candidate *c = &a->candidates[i];

		cr_assert_eq(c->component, 1);
		cr_assert_eq(c->type, LUMEN_SDP_CAND_HOST);
		cr_assert_eq(c->generation, 0);
		cr_assert_geq(c->network_id, 1);
		cr_assert_eq(c->rport, -1);
		v4 += c->addr_kind == LUMEN_SDP_ADDR_IPV4;
		v6 += c->addr_kind == LUMEN_SDP_ADDR_IPV6;
		if (!strcmp(c->transport, "tcp")) {
			tcp++;
			cr_assert_str_eq(c->tcptype, "active");
			cr_assert_eq(c->port, 9);
		} else {
			cr_assert_str_eq(c->transport, "udp");
			cr_assert_str_eq(c->tcptype, "");
		}
	}
	cr_assert_eq(v4, 2);
	cr_assert_eq(v6, 2);
	cr_assert_eq(tcp, 2);
	lumen_sdp_free(sdp);
}

Test(sdp_chromium, simulcast_offer_has_three_send_rids)
{
	struct lumen_sdp *sdp = parse_fixture("chromium-offer-simulcast.sdp");
	const struct lumen_sdp_media *v = media_of(sdp, "1");
	const char *rids[] = {"q", "h", "f"};

	cr_assert_eq(v->dir, LUMEN_SDP_DIR_SENDONLY);
	cr_assert_eq(v->n_rids, 3);
	cr_assert_not_null(v->simulcast);
	cr_assert_eq(v->simulcast->n_send, 3);
	cr_assert_eq(v->simulcast->n_recv, 0);
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_str_eq(v->rids[i].id, rids[i]);
		cr_assert_not(v->rids[i].recv);
		cr_assert_str_eq(v->simulcast->send[i].rid, rids[i]);
		cr_assert_not(v->simulcast->send[i].paused);
		cr_assert_not(v->simulcast->send[i].alt);
	}
	cr_assert_eq(v->n_ssrc_groups, 0, "Chromium signals simulcast by rid, without SIM groups");
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_RID), 10);
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_REPAIRED_RID), 11);
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_DEPENDENCY_DESCRIPTOR), 12);
	lumen_sdp_free(sdp);
}

Test(sdp_chromium, answer_is_active_with_only_the_answered_codecs)
{
	struct lumen_sdp *sdp = parse_fixture("chromium-answer.sdp");
	const struct lumen_sdp_media *v = media_of(sdp, "1");

	cr_assert_eq(sdp->n_media, 3);
	for (unsigned i = 0; i < sdp->n_media; i++)
		cr_assert_eq(lumen_sdp_media_setup(sdp, &sdp->media[i]), LUMEN_SDP_SETUP_ACTIVE);
	cr_assert_eq(v->dir, LUMEN_SDP_DIR_SENDRECV);
	cr_assert_str_eq(v->ssrc_groups[0].semantics, "FID");
	cr_assert_eq(lumen_sdp_find_rtx(v, 96)->pt, 97);
	cr_assert_eq(media_of(sdp, "2")->sctp_port, 5000);
	lumen_sdp_free(sdp);
}

/* ---- Firefox ESR ---- */

Test(sdp_firefox, offer_has_session_fingerprint_mdns_candidates_and_rtcp_components)
{
	struct lumen_sdp *sdp = parse_fixture("firefox-offer.sdp");
	const struct lumen_sdp_media *a = media_of(sdp, "0"), *v = media_of(sdp, "1");
	const struct lumen_sdp_media *d = media_of(sdp, "2");
	const struct lumen_sdp_codec *c;

	cr_assert(g_str_has_prefix(sdp->origin.username, "mozilla"));
	cr_assert_str_eq(sdp->fingerprint.hash, "sha-256");
	cr_assert(g_str_has_prefix(sdp->fingerprint.value, "31:3C:D2:45"));
	cr_assert_null(a->fingerprint.hash, "Firefox puts the fingerprint at session level only");
	cr_assert_eq(lumen_sdp_media_fingerprint(sdp, a), &sdp->fingerprint);
	cr_assert_str_eq(sdp->ice_options, "trickle");
	cr_assert_str_eq(sdp->msid_semantic, "WMS *");
	cr_assert_eq(sdp->n_attrs, 1, "session-level a=sendrecv is kept as an unknown attribute");
	cr_assert_str_eq(sdp->attrs[0].name, "sendrecv");
	cr_assert_str_eq(lumen_sdp_media_ice_ufrag(sdp, v), "d2b85e50");

	c = codec_named(a, "opus", 109);
	cr_assert_eq(c->stereo, 1);
	cr_assert_eq(c->useinbandfec, 1);
	cr_assert_eq(codec_named(a, "G722", 9)->channels, 1);
	cr_assert_str_eq(codec_named(a, "telephone-event", 101)->fmtp, "0-15");
	cr_assert_eq(lumen_sdp_codec_fb(a, c), LUMEN_SDP_FB_TRANSPORT_CC);

	cr_assert_eq(v->codecs[0].pt, 120);
	c = codec_named(v, "VP8", 120);
	cr_assert_eq(lumen_sdp_codec_fb(v, c), LUMEN_SDP_FB_NACK | LUMEN_SDP_FB_PLI |
	                                           LUMEN_SDP_FB_FIR | LUMEN_SDP_FB_REMB |
	                                           LUMEN_SDP_FB_TRANSPORT_CC);
	cr_assert_eq(lumen_sdp_find_rtx(v, 120)->pt, 124);
	cr_assert_eq(lumen_sdp_find_rtx(v, 121)->pt, 125);
	codec_named(v, "VP9", 121);
	codec_named(v, "AV1", 99);
	cr_assert_eq(lumen_sdp_find_rtx(v, 122)->pt, 119, "RTX of red");
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_MID), 3);
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_TRANSPORT_CC), 7);
	cr_assert_eq(v->ssrc_groups[0].ssrcs[0], 892184974u);

	/* mDNS host candidates on components 1 and 2, and a=rtcp naming an mDNS host. */
	cr_assert_eq(a->n_candidates, 8);
	for (unsigned i = 0; i < a->n_candidates; i++) {
		cr_assert_eq(a->candidates[i].addr_kind, LUMEN_SDP_ADDR_FQDN);
		cr_assert(g_str_has_suffix(a->candidates[i].address, ".local"));
		cr_assert_eq(a->candidates[i].component, i < 4 ? 1 : 2);
	}
	cr_assert_str_eq(a->candidates[0].transport, "UDP");
	cr_assert(a->end_of_candidates);
	cr_assert(g_str_has_suffix(a->rtcp, ".local"));
	cr_assert_eq(d->sctp_port, 5000);
	cr_assert_eq(d->max_message_size, 1073741823);
	lumen_sdp_free(sdp);
}

Test(sdp_firefox, simulcast_offer_has_send_rids_with_direction_limited_extmaps)
{
	struct lumen_sdp *sdp = parse_fixture("firefox-offer-simulcast.sdp");
	const struct lumen_sdp_media *v = media_of(sdp, "1");

	cr_assert_eq(v->dir, LUMEN_SDP_DIR_SENDONLY);
	cr_assert_eq(v->n_rids, 3);
	cr_assert_str_eq(v->rids[2].id, "f");
	cr_assert_eq(v->simulcast->n_send, 3);
	cr_assert_str_eq(v->simulcast->send[0].rid, "q");
	cr_assert_eq(v->n_ssrc_groups, 3, "one FID group per simulcast layer");
	for (unsigned i = 0; i < v->n_extmaps; i++)
		if (lumen_sdp_extmap_kind(v->extmaps[i].uri) == LUMEN_SDP_EXT_RID) {
			cr_assert_eq(v->extmaps[i].id, 9);
			cr_assert_eq(v->extmaps[i].dir, LUMEN_SDP_DIR_SENDONLY);
		}
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_DEPENDENCY_DESCRIPTOR), 8);
	lumen_sdp_free(sdp);
}

Test(sdp_firefox, answer_is_active_with_session_fingerprint)
{
	struct lumen_sdp *sdp = parse_fixture("firefox-answer.sdp");

	cr_assert_eq(sdp->n_media, 3);
	for (unsigned i = 0; i < sdp->n_media; i++)
		cr_assert_eq(lumen_sdp_media_setup(sdp, &sdp->media[i]), LUMEN_SDP_SETUP_ACTIVE);
	cr_assert(g_str_has_prefix(sdp->fingerprint.value, "14:F4:79:48"));
	cr_assert_str_eq(lumen_sdp_media_ice_ufrag(sdp, &sdp->media[0]), "00e90e69");
	lumen_sdp_free(sdp);
}

/* ---- GStreamer webrtcbin ---- */

Test(sdp_webrtcbin, offer_is_max_bundle_with_bundle_only_m_lines)
{
	struct lumen_sdp *sdp = parse_fixture("webrtcbin-offer.sdp");
	const struct lumen_sdp_media *a = media_of(sdp, "audio0"), *v = media_of(sdp, "video1");
	const struct lumen_sdp_media *d = media_of(sdp, "application2");
	const struct lumen_sdp_group *bundle = lumen_sdp_find_group(sdp, "BUNDLE");

	cr_assert_str_eq(sdp->ice_options, "trickle");
	cr_assert_eq(bundle->n, 3);
	cr_assert_str_eq(bundle->ids[1], "video1");
	cr_assert_eq(a->port, 9);
	cr_assert_eq(v->port, 0);
	cr_assert(v->bundle_only);
	cr_assert(d->bundle_only);
	cr_assert(a->rtcp_mux_only);
	cr_assert_eq(codec_named(a, "OPUS", 111)->clock, 48000);
	cr_assert_str_eq(lumen_sdp_find_codec(a, 111)->fmtp,
	                 "sprop-stereo=0;sprop-maxcapturerate=48000");
	cr_assert_eq(lumen_sdp_codec_fb(v, codec_named(v, "VP8", 96)),
	             LUMEN_SDP_FB_PLI | LUMEN_SDP_FB_FIR | LUMEN_SDP_FB_TRANSPORT_CC);
	cr_assert_eq(v->n_attrs, 1);
	cr_assert_str_eq(v->attrs[0].name, "framerate");
	cr_assert_eq(a->n_candidates, 9);
	cr_assert_str_eq(a->candidates[0].transport, "UDP");
	cr_assert_str_eq(a->candidates[2].tcptype, "passive");
	cr_assert_eq(a->candidates[6].addr_kind, LUMEN_SDP_ADDR_IPV6);
	cr_assert_eq(a->setup, LUMEN_SDP_SETUP_ACTPASS);
	cr_assert_eq(strlen(a->ice_ufrag), 32);
	cr_assert_eq(d->sctp_port, 5000);
	cr_assert_eq(d->max_message_size, -1);
	lumen_sdp_free(sdp);
}

/* ---- aiortc ---- */

Test(sdp_aiortc, offer_uses_legacy_sctpmap_and_per_m_line_credentials)
{
	struct lumen_sdp *sdp = parse_fixture("aiortc-offer.sdp");
	const struct lumen_sdp_media *a = media_of(sdp, "0"), *v = media_of(sdp, "1");
	const struct lumen_sdp_media *d = media_of(sdp, "2");
	const struct lumen_sdp_codec *c;

	cr_assert_str_eq(sdp->msid_semantic, "WMS *");
	codec_named(a, "opus", 96);
	cr_assert_eq(lumen_sdp_find_extmap(a, LUMEN_SDP_EXT_AUDIO_LEVEL), 2);
	c = codec_named(v, "H264", 101);
	cr_assert_eq(c->profile_level_id, 0x42e01f);
	cr_assert_eq(c->packetization_mode, 1);
	cr_assert_eq(lumen_sdp_find_rtx(v, 101)->pt, 102);
	cr_assert_eq(lumen_sdp_find_rtx(v, 97)->pt, 98);
	cr_assert_eq(lumen_sdp_codec_fb(v, lumen_sdp_find_codec(v, 97)),
	             LUMEN_SDP_FB_NACK | LUMEN_SDP_FB_PLI | LUMEN_SDP_FB_REMB);
	cr_assert_str_eq(v->ssrc_groups[0].semantics, "FID");
	cr_assert_str_neq(a->ice_ufrag, v->ice_ufrag);
	cr_assert_eq(strlen(a->candidates[0].foundation), 32);
	cr_assert(a->end_of_candidates);
	cr_assert_str_eq(d->proto, "DTLS/SCTP");
	cr_assert_str_eq(d->fmts[0], "5000");
	cr_assert_str_eq(d->sctpmap, "5000 webrtc-datachannel 65535");
	cr_assert_eq(d->max_message_size, 65536);
	lumen_sdp_free(sdp);
}

/* ---- synthetic descriptions for what the captures do not show ---- */

static const char synthetic[] =
    "v=0\n"
    "o=- 1 2 IN IP4 127.0.0.1\n"
    "s=-\n"
    "i=a session\n"
    "b=AS:1000\n"
    "t=0 0\n"
    "a=group:BUNDLE a v d\n"
    "a=ice-lite\n"
    "a=fingerprint:sha-1 0A:1B\n"
    "a=setup:passive\n"
    "a=x-custom:keep me\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 109\n"
    "c=IN IP4 0.0.0.0\n"
    "a=mid:a\n"
    "a=rtpmap:109 opus/48000/2\n"
    "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\n"
    "a=rtcp-fb:* nack\n"
    "a=candidate:0 1 UDP 2122252543 2f1c1b4e-6a3b-4c2d-9f00-0123456789ab.local 53210 typ host\n"
    "a=candidate:1 1 UDP 1686052863 203.0.113.7 53210 typ srflx raddr 0.0.0.0 rport 0\n"
    "a=end-of-candidates\n"
    "a=x-flag\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\n"
    "a=mid:v\n"
    "a=recvonly\n"
    "a=rtpmap:96 VP8/90000\n"
    "a=rtpmap:97 rtx/90000\n"
    "a=fmtp:97 apt=96\n"
    "a=rtcp-fb:96   nack   pli\n"
    "a=extmap:3/recvonly urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\n"
    "a=rid:lo recv max-width=320;pt=96;max-fps=15\n"
    "a=rid:mid recv\n"
    "a=rid:hi recv pt=96,97\n"
    "a=simulcast:recv lo;~mid,hi\n"
    "a=ssrc-group:SIM 1 2 3\n"
    "a=rtpmap:99 H264/90000\n"
    "m=application 9 DTLS/SCTP 5000\n"
    "a=mid:d\n"
    "a=sctpmap:5000 webrtc-datachannel 1024\n";

Test(sdp_synthetic, keeps_unknown_attributes_and_lines_in_order)
{
	struct lumen_sdp *sdp = parse_ok(synthetic, sizeof(synthetic) - 1);
	const struct lumen_sdp_media *a = media_of(sdp, "a"), *v = media_of(sdp, "v");

	cr_assert_eq(sdp->n_attrs, 1);
	cr_assert_str_eq(sdp->attrs[0].name, "x-custom");
	cr_assert_str_eq(sdp->attrs[0].value, "keep me");
	cr_assert_eq(sdp->n_lines, 2);
	cr_assert_str_eq(sdp->lines[0].name, "i");
	cr_assert_str_eq(sdp->lines[1].value, "AS:1000");
	cr_assert_eq(a->n_attrs, 1);
	cr_assert_str_eq(a->attrs[0].name, "x-flag");
	cr_assert_null(a->attrs[0].value);
	/* An rtpmap for a pt the m-line does not list is kept verbatim, not modelled. */
	cr_assert_eq(v->n_attrs, 1);
	cr_assert_str_eq(v->attrs[0].value, "99 H264/90000");
	cr_assert(sdp->ice_lite);
	cr_assert_eq(sdp->setup, LUMEN_SDP_SETUP_PASSIVE);
	assert_round_trip(sdp, "synthetic");

	size_t len;
	char *text = lumen_sdp_write(sdp, &len);

	cr_assert(strstr(text, "a=x-custom:keep me\r\n"));
	cr_assert(strstr(text, "a=x-flag\r\n"));
	cr_assert(strstr(text, "a=rtpmap:99 H264/90000\r\n"));
	cr_assert(strstr(text, "i=a session\r\nb=AS:1000\r\nt=0 0\r\n"));
	g_free(text);
	lumen_sdp_free(sdp);
}

Test(sdp_synthetic, parses_rid_restrictions_and_paused_simulcast_alternatives)
{
	struct lumen_sdp *sdp = parse_ok(synthetic, sizeof(synthetic) - 1);
	const struct lumen_sdp_media *v = media_of(sdp, "v");
	const struct lumen_sdp_simulcast *sc = v->simulcast;

	cr_assert_eq(v->n_rids, 3);
	cr_assert(v->rids[0].recv);
	cr_assert_eq(v->rids[0].n_pts, 1);
	cr_assert_eq(v->rids[0].pts[0], 96);
	cr_assert_str_eq(v->rids[0].restrictions, "max-width=320;max-fps=15");
	cr_assert_null(v->rids[1].restrictions);
	cr_assert_eq(v->rids[2].n_pts, 2);
	cr_assert_eq(v->rids[2].pts[1], 97);
	cr_assert_eq(sc->n_recv, 3);
	cr_assert_str_eq(sc->recv[1].rid, "mid");
	cr_assert(sc->recv[1].paused);
	cr_assert_not(sc->recv[1].alt);
	cr_assert(sc->recv[2].alt);
	cr_assert_not(sc->recv[2].paused);
	cr_assert_str_eq(v->ssrc_groups[0].semantics, "SIM");
	cr_assert_eq(v->ssrc_groups[0].n, 3);
	cr_assert_eq(v->extmaps[0].dir, LUMEN_SDP_DIR_RECVONLY);
	cr_assert_str_eq(v->codecs[0].fb[0], "nack pli", "blanks collapse");
	cr_assert_eq(lumen_sdp_codec_fb(v, &v->codecs[0]), LUMEN_SDP_FB_PLI);

	size_t len;
	char *text = lumen_sdp_write(sdp, &len);

	cr_assert(strstr(text, "a=rid:lo recv pt=96;max-width=320;max-fps=15\r\n"));
	cr_assert(strstr(text, "a=simulcast:recv lo;~mid,hi\r\n"));
	g_free(text);
	lumen_sdp_free(sdp);
}

Test(sdp_synthetic, accepts_legacy_sctpmap_and_mdns_candidates)
{
	struct lumen_sdp *sdp = parse_ok(synthetic, sizeof(synthetic) - 1);
	const struct lumen_sdp_media *a = media_of(sdp, "a"), *d = media_of(sdp, "d");

	cr_assert_str_eq(d->proto, "DTLS/SCTP");
	cr_assert_str_eq(d->fmts[0], "5000");
	cr_assert_str_eq(d->sctpmap, "5000 webrtc-datachannel 1024");
	cr_assert_eq(d->sctp_port, -1);
	cr_assert_eq(a->n_candidates, 2);
	cr_assert_eq(a->candidates[0].addr_kind, LUMEN_SDP_ADDR_FQDN);
	cr_assert_str_eq(a->candidates[0].address, "2f1c1b4e-6a3b-4c2d-9f00-0123456789ab.local");
	cr_assert_str_eq(a->candidates[0].transport, "UDP");
	cr_assert_eq(a->candidates[1].type, LUMEN_SDP_CAND_SRFLX);
	cr_assert_str_eq(a->candidates[1].raddr, "0.0.0.0");
	cr_assert_eq(a->candidates[1].rport, 0);
	cr_assert(a->end_of_candidates);
	cr_assert_eq(lumen_sdp_find_codec(a, 109)->stereo, 1);
	cr_assert_eq(lumen_sdp_codec_fb(a, lumen_sdp_find_codec(a, 109)), LUMEN_SDP_FB_NACK);
	lumen_sdp_free(sdp);
}

/* ---- trickle candidates ---- */

Test(sdp_candidate, parses_a_trickled_candidate_with_every_field)
{
	static const char s[] = "candidate:842163049 1 udp 1677729535 198.51.100.4 61665 typ srflx "
	                        "raddr 10.0.0.2 rport 61665 generation 0 ufrag Us69 network-id 1 "
	                        "network-cost 10 x-future 7";
	struct lumen_sdp_candidate c;
	struct lumen_sdp_error err;
	char buf[1024];

	cr_assert_eq(lumen_sdp_candidate_parse(s, strlen(s), &c, &err), 0, "%s", err.msg);
	cr_assert_str_eq(c.foundation, "842163049");
	cr_assert_eq(c.component, 1);
	cr_assert_eq(c.priority, 1677729535u);
	cr_assert_str_eq(c.address, "198.51.100.4");
	cr_assert_eq(c.port, 61665);
	cr_assert_eq(c.type, LUMEN_SDP_CAND_SRFLX);
	cr_assert_str_eq(c.raddr, "10.0.0.2");
	cr_assert_eq(c.rport, 61665);
	cr_assert_eq(c.generation, 0);
	cr_assert_str_eq(c.ufrag, "Us69");
	cr_assert_eq(c.network_id, 1);
	cr_assert_eq(c.network_cost, 10);
	cr_assert_eq(c.n_ext, 1);
	cr_assert_str_eq(c.ext[0][0], "x-future");
	lumen_sdp_candidate_write(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, s + strlen("candidate:"));
}

Test(sdp_candidate, accepts_ipv6_relay_and_the_a_prefix)
{
	static const char s[] = "a=candidate:3 2 tcp 41885439 2001:db8::5 3478 typ relay raddr "
	                        "2001:db8::1 rport 5000 tcptype passive\r\n";
	struct lumen_sdp_candidate c;

	cr_assert_eq(lumen_sdp_candidate_parse(s, strlen(s), &c, NULL), 0);
	cr_assert_eq(c.addr_kind, LUMEN_SDP_ADDR_IPV6);
	cr_assert_eq(c.component, 2);
	cr_assert_eq(c.type, LUMEN_SDP_CAND_RELAY);
	cr_assert_str_eq(c.tcptype, "passive");
}

Test(sdp_candidate, rejects_malformed_candidates_with_a_reason)
{
	static const struct {
		const char *s, *msg;
	} cases[] = {
	    {"candidate:", "candidate: bad foundation"},
	    {"candidate:1 0 udp 1 1.2.3.4 5 typ host", "candidate: bad component"},
	    {"candidate:1 1 sctp 1 1.2.3.4 5 typ host", "candidate: bad transport"},
	    {"candidate:1 1 udp x 1.2.3.4 5 typ host", "candidate: bad priority"},
	    {"candidate:1 1 udp 1 1.2.3.4.5 5 typ host", "candidate: bad address"},
	    {"candidate:1 1 udp 1 bad_name 5 typ host", "candidate: bad address"},
	    {"candidate:1 1 udp 1 1.2.3.4 65536 typ host", "candidate: bad port"},
	    {"candidate:1 1 udp 1 1.2.3.4 5 type host", "candidate: expected typ"},
	    {"candidate:1 1 udp 1 1.2.3.4 5 typ local", "candidate: bad typ"},
	    {"candidate:1 1 udp 1 1.2.3.4 5 typ host generation",
	     "candidate: extension without value"},
	    {"candidate:1 1 udp 1 1.2.3.4 5 typ host generation -1", "candidate: bad generation"},
	    {"candidate:1 1 udp 1 1.2.3.4 5 typ host tcptype open", "candidate: bad tcptype"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct lumen_sdp_candidate c;
		struct lumen_sdp_error err = {0};

		cr_assert_eq(lumen_sdp_candidate_parse(cases[i].s, strlen(cases[i].s), &c, &err),
		             -EINVAL, "%s", cases[i].s);
		cr_assert_str_eq(err.msg, cases[i].msg, "%s", cases[i].s);
	}
}

/* ---- answer builder ---- */

static const struct lumen_sdp_codec_cap audio_caps[] = {
    {"opus", 48000, 2, NULL, LUMEN_SDP_FB_TRANSPORT_CC, false},
};
static const struct lumen_sdp_codec_cap video_caps[] = {
    {"VP8", 90000, 0, NULL,
     LUMEN_SDP_FB_NACK | LUMEN_SDP_FB_PLI | LUMEN_SDP_FB_FIR | LUMEN_SDP_FB_TRANSPORT_CC, true},
    {"H264", 90000, 0, "packetization-mode=1;profile-level-id=42e01f",
     LUMEN_SDP_FB_NACK | LUMEN_SDP_FB_PLI, true},
    {"VP9", 90000, 0, "profile-id=0", LUMEN_SDP_FB_NACK, true},
};
static const char *const ext_caps[] = {
    "urn:ietf:params:rtp-hdrext:sdes:mid",
    "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
};

static struct lumen_sdp_caps default_caps(void)
{
	return (struct lumen_sdp_caps){
	    .audio = audio_caps,
	    .n_audio = G_N_ELEMENTS(audio_caps),
	    .video = video_caps,
	    .n_video = G_N_ELEMENTS(video_caps),
	    .extmaps = ext_caps,
	    .n_extmaps = G_N_ELEMENTS(ext_caps),
	    .datachannel = true,
	    .max_message_size = 262144,
	};
}

static struct lumen_sdp *answer_to(const char *fixture, const struct lumen_sdp_caps *caps)
{
	struct lumen_sdp *offer = parse_fixture(fixture), *ans = NULL;
	struct lumen_sdp_error err = {0};

	cr_assert_eq(lumen_sdp_answer_build(offer, caps, &ans, &err), 0, "%s: %s", fixture,
	             err.msg);
	lumen_sdp_free(offer);
	assert_round_trip(ans, fixture);
	return ans;
}

static void assert_pts(const struct lumen_sdp_media *m, const unsigned *pts, unsigned n)
{
	cr_assert_eq(m->n_codecs, n, "mid %s: %u codecs, expected %u", m->mid, m->n_codecs, n);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(m->codecs[i].pt, pts[i], "mid %s codec %u", m->mid, i);
}

static void assert_fb(const struct lumen_sdp_codec *c, const char *const *fb, unsigned n)
{
	cr_assert_eq(c->n_fb, n, "pt %u: %u rtcp-fb", c->pt, c->n_fb);
	for (unsigned i = 0; i < n; i++)
		cr_assert_str_eq(c->fb[i], fb[i]);
}

static void assert_ext_ids(const struct lumen_sdp_media *m, const unsigned *ids, unsigned n)
{
	cr_assert_eq(m->n_extmaps, n, "mid %s: %u extmaps", m->mid, m->n_extmaps);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(m->extmaps[i].id, ids[i]);
}

Test(sdp_answer, chromium_offer_yields_preferred_codecs_with_rtx_fb_and_extmaps)
{
	struct lumen_sdp_caps caps = default_caps();
	struct lumen_sdp *ans = answer_to("chromium-offer.sdp", &caps);
	const struct lumen_sdp_media *a = media_of(ans, "0"), *v = media_of(ans, "1");
	const struct lumen_sdp_media *d = media_of(ans, "2");
	const struct lumen_sdp_group *bundle = lumen_sdp_find_group(ans, "BUNDLE");

	assert_pts(a, (const unsigned[]){111}, 1);
	assert_fb(&a->codecs[0], (const char *const[]){"transport-cc"}, 1);
	cr_assert_str_eq(a->codecs[0].fmtp, "minptime=10;useinbandfec=1");
	assert_ext_ids(a, (const unsigned[]){1, 3, 4}, 3);
	cr_assert_eq(a->dir, LUMEN_SDP_DIR_SENDRECV);
	cr_assert(a->rtcp_mux && a->rtcp_rsize);
	cr_assert_eq(a->port, 9);

	/* VP8 + RTX, H.264 constrained baseline (42e01f, mode 1) + RTX, VP9 profile 0 + RTX. */
	assert_pts(v, (const unsigned[]){96, 97, 108, 109, 98, 99}, 6);
	assert_fb(&v->codecs[0],
	          (const char *const[]){"transport-cc", "ccm fir", "nack", "nack pli"}, 4);
	cr_assert_eq(v->codecs[1].apt, 96);
	cr_assert_eq(v->codecs[1].n_fb, 0);
	assert_fb(&v->codecs[2], (const char *const[]){"nack", "nack pli"}, 2);
	cr_assert_eq(v->codecs[2].profile_level_id, 0x42e01f);
	cr_assert_eq(v->codecs[2].packetization_mode, 1);
	cr_assert_eq(v->codecs[5].apt, 98);
	assert_ext_ids(v, (const unsigned[]){3, 4, 10, 11}, 4);
	cr_assert_eq(v->n_rids, 0);
	cr_assert_null(v->simulcast);

	cr_assert_str_eq(d->proto, "UDP/DTLS/SCTP");
	cr_assert_str_eq(d->fmts[0], "webrtc-datachannel");
	cr_assert_eq(d->sctp_port, 5000);
	cr_assert_eq(d->max_message_size, 262144);
	cr_assert_eq(bundle->n, 3);
	cr_assert_str_eq(bundle->ids[1], "1");
	lumen_sdp_free(ans);
}

Test(sdp_answer, chromium_simulcast_offer_is_received_as_simulcast_when_allowed)
{
	struct lumen_sdp_caps caps = default_caps();
	struct lumen_sdp *ans;
	const struct lumen_sdp_media *v;

	caps.simulcast = true;
	ans = answer_to("chromium-offer-simulcast.sdp", &caps);
	v = media_of(ans, "1");
	cr_assert_eq(v->dir, LUMEN_SDP_DIR_RECVONLY, "sendonly offer -> recvonly answer");
	cr_assert_eq(v->n_rids, 3);
	for (unsigned i = 0; i < 3; i++)
		cr_assert(v->rids[i].recv);
	cr_assert_str_eq(v->rids[0].id, "q");
	cr_assert_eq(v->simulcast->n_recv, 3);
	cr_assert_eq(v->simulcast->n_send, 0);
	cr_assert_str_eq(v->simulcast->recv[2].rid, "f");
	cr_assert_eq(lumen_sdp_find_extmap(v, LUMEN_SDP_EXT_RID), 10);
	lumen_sdp_free(ans);

	caps.simulcast = false;
	ans = answer_to("chromium-offer-simulcast.sdp", &caps);
	v = media_of(ans, "1");
	cr_assert_eq(v->n_rids, 0);
	cr_assert_null(v->simulcast);
	lumen_sdp_free(ans);
}

Test(sdp_answer, firefox_offer_yields_vp8_and_vp9_with_their_rtx)
{
	struct lumen_sdp_caps caps = default_caps();
	struct lumen_sdp *ans = answer_to("firefox-offer.sdp", &caps);
	const struct lumen_sdp_media *a = media_of(ans, "0"), *v = media_of(ans, "1");

	assert_pts(a, (const unsigned[]){109}, 1);
	cr_assert_str_eq(a->codecs[0].fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
	/* No H.264 in this Firefox (no OpenH264); VP9 has no profile-id, which means profile 0. */
	assert_pts(v, (const unsigned[]){120, 124, 121, 125}, 4);
	assert_ext_ids(a, (const unsigned[]){1, 3, 7}, 3);
	assert_ext_ids(v, (const unsigned[]){3, 7}, 2);
	cr_assert_eq(media_of(ans, "2")->sctp_port, 5000);
	lumen_sdp_free(ans);

	/* Firefox's simulcast rid extmaps are sendonly: ours become recvonly. */
	caps.simulcast = true;
	ans = answer_to("firefox-offer-simulcast.sdp", &caps);
	v = media_of(ans, "1");
	for (unsigned i = 0; i < v->n_extmaps; i++)
		if (lumen_sdp_extmap_kind(v->extmaps[i].uri) == LUMEN_SDP_EXT_RID)
			cr_assert_eq(v->extmaps[i].dir, LUMEN_SDP_DIR_RECVONLY);
	cr_assert_eq(v->simulcast->n_recv, 3);
	lumen_sdp_free(ans);
}

Test(sdp_answer, webrtcbin_bundle_only_m_lines_are_accepted_not_rejected)
{
	struct lumen_sdp_caps caps = default_caps();
	struct lumen_sdp *ans = answer_to("webrtcbin-offer.sdp", &caps);
	const struct lumen_sdp_media *v = media_of(ans, "video1");

	assert_pts(media_of(ans, "audio0"), (const unsigned[]){111}, 1);
	cr_assert_str_eq(media_of(ans, "audio0")->codecs[0].name, "OPUS");
	assert_pts(v, (const unsigned[]){96}, 1);
	assert_fb(&v->codecs[0], (const char *const[]){"nack pli", "ccm fir", "transport-cc"}, 3);
	cr_assert_eq(v->port, 9);
	cr_assert_eq(media_of(ans, "application2")->port, 9);
	cr_assert_eq(lumen_sdp_find_group(ans, "BUNDLE")->n, 3);
	lumen_sdp_free(ans);
}

Test(sdp_answer, aiortc_legacy_data_channel_is_answered_in_the_legacy_form)
{
	struct lumen_sdp_caps caps = default_caps();
	struct lumen_sdp *ans = answer_to("aiortc-offer.sdp", &caps);
	const struct lumen_sdp_media *d = media_of(ans, "2");

	assert_pts(media_of(ans, "0"), (const unsigned[]){96}, 1);
	assert_pts(media_of(ans, "1"), (const unsigned[]){97, 98, 101, 102}, 4);
	cr_assert_str_eq(d->proto, "DTLS/SCTP");
	cr_assert_str_eq(d->fmts[0], "5000");
	cr_assert_str_eq(d->sctpmap, "5000 webrtc-datachannel 1024");
	cr_assert_eq(d->sctp_port, -1);
	lumen_sdp_free(ans);
}

/* Found by fuzz_sdp: a legacy m-line whose format was not a port got an answer with
 * "a=sctpmap:( webrtc-datachannel 1024", which does not parse. It is rejected instead. */
Test(sdp_answer, legacy_data_channel_whose_format_is_not_a_port_is_rejected)
{
	static const char offer_text[] = "v=0\no=- 1 2 IN IP4 0.0.0.0\ns=-\nt=0 0\n"
					 "m=audio 9 UDP/TLS/RTP/SAVPF 111\na=mid:a\n"
					 "a=rtpmap:111 opus/48000/2\n"
					 "m=application 9 DTLS/SCTP (\na=mid:d\n"
					 "a=sctpmap:5 webrtc-datachannel\n";
	static const char alone[] = "v=0\no=- 1 2 IN IP4 0.0.0.0\ns=-\nt=0 0\n"
				    "m=application 9 DTLS/SCTP (\na=mid:d\n"
				    "a=sctpmap:5 webrtc-datachannel\n";
	struct lumen_sdp_caps caps = default_caps();
	struct lumen_sdp_error err = {0};
	struct lumen_sdp *offer = NULL, *ans = NULL;
	const struct lumen_sdp_media *d;

	cr_assert_eq(lumen_sdp_parse(offer_text, sizeof(offer_text) - 1, &offer, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(lumen_sdp_answer_build(offer, &caps, &ans, &err), 0, "%s", err.msg);
	cr_assert_eq(media_of(ans, "a")->port, 9, "the audio is answered");
	d = media_of(ans, "d");
	cr_assert_eq(d->port, 0, "the data channel is rejected");
	cr_assert_null(d->sctpmap);
	assert_round_trip(ans, "legacy sctp, format not a port");
	lumen_sdp_free(ans);
	ans = NULL;
	lumen_sdp_free(offer);
	offer = NULL;
	/* Alone, it leaves nothing to answer: a clear error, not a broken answer. */
	cr_assert_eq(lumen_sdp_parse(alone, sizeof(alone) - 1, &offer, &err), 0, "%s", err.msg);
	cr_assert_lt(lumen_sdp_answer_build(offer, &caps, &ans, &err), 0);
	cr_assert_null(ans);
	cr_assert_str_eq(err.msg, "no m-line of the offer can be accepted");
	lumen_sdp_free(offer);
}

Test(sdp_answer, unsupported_m_lines_are_rejected_with_port_0_and_left_out_of_bundle)
{
	struct lumen_sdp_caps caps = default_caps();
	struct lumen_sdp *ans;
	const struct lumen_sdp_media *v, *d;
	const struct lumen_sdp_group *bundle;

	caps.n_video = 0;
	caps.datachannel = false;
	caps.audio_dir = LUMEN_SDP_DIR_RECVONLY;
	ans = answer_to("chromium-offer.sdp", &caps);
	v = media_of(ans, "1");
	d = media_of(ans, "2");
	cr_assert_eq(v->port, 0);
	cr_assert_eq(v->n_codecs, 1, "a rejected m-line keeps one format");
	cr_assert_eq(v->codecs[0].pt, 96);
	cr_assert_null(v->codecs[0].name);
	cr_assert_eq(d->port, 0);
	cr_assert_str_eq(d->fmts[0], "webrtc-datachannel");
	cr_assert_eq(media_of(ans, "0")->dir, LUMEN_SDP_DIR_RECVONLY);
	bundle = lumen_sdp_find_group(ans, "BUNDLE");
	cr_assert_eq(bundle->n, 1);
	cr_assert_str_eq(bundle->ids[0], "0");

	/* Stamps skip rejected m-lines. */
	cr_assert_eq(
	    lumen_sdp_stamp_ice(ans, "abcd", "0123456789012345678901", NULL, 0, false, true), 0);
	cr_assert_null(v->ice_ufrag);
	cr_assert_str_eq(media_of(ans, "0")->ice_ufrag, "abcd");
	lumen_sdp_free(ans);
}

Test(sdp_answer, nothing_acceptable_is_enoent_and_a_missing_mid_is_einval)
{
	struct lumen_sdp_caps caps = default_caps();
	struct lumen_sdp *offer = parse_fixture("chromium-offer.sdp"), *ans = NULL;
	struct lumen_sdp_error err = {0};

	caps.n_audio = caps.n_video = 0;
	caps.datachannel = false;
	cr_assert_eq(lumen_sdp_answer_build(offer, &caps, &ans, &err), -ENOENT);
	cr_assert_null(ans);
	cr_assert_str_eq(err.msg, "no m-line of the offer can be accepted");

	g_free(offer->media[1].mid);
	offer->media[1].mid = NULL;
	caps = default_caps();
	cr_assert_eq(lumen_sdp_answer_build(offer, &caps, &ans, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "m-line 1 (video) has no a=mid");
	lumen_sdp_free(offer);
}

Test(sdp_answer, simulcast_rids_restricted_to_unanswered_codecs_are_dropped)
{
	static const char offer_text[] = "v=0\r\n"
	                                 "o=- 1 1 IN IP4 0.0.0.0\r\n"
	                                 "s=-\r\n"
	                                 "t=0 0\r\n"
	                                 "m=video 9 UDP/TLS/RTP/SAVPF 96 45\r\n"
	                                 "a=mid:v\r\n"
	                                 "a=sendonly\r\n"
	                                 "a=rtpmap:96 VP8/90000\r\n"
	                                 "a=rtpmap:45 AV1/90000\r\n"
	                                 "a=rid:lo send pt=45\r\n"
	                                 "a=rid:mid send pt=96,45;max-width=640\r\n"
	                                 "a=rid:hi send\r\n"
	                                 "a=simulcast:send lo;~mid;hi\r\n";
	struct lumen_sdp_caps caps = default_caps();
	struct lumen_sdp *offer = parse_ok(offer_text, sizeof(offer_text) - 1), *ans = NULL;
	const struct lumen_sdp_media *v;

	caps.simulcast = true;
	cr_assert_eq(lumen_sdp_answer_build(offer, &caps, &ans, NULL), 0);
	v = media_of(ans, "v");
	assert_pts(v, (const unsigned[]){96}, 1);
	cr_assert_eq(v->n_rids, 2, "rid lo only allows AV1, which we did not answer");
	cr_assert_str_eq(v->rids[0].id, "mid");
	cr_assert_eq(v->rids[0].n_pts, 1);
	cr_assert_eq(v->rids[0].pts[0], 96);
	cr_assert_str_eq(v->rids[0].restrictions, "max-width=640");
	cr_assert_eq(v->simulcast->n_recv, 2);
	cr_assert(v->simulcast->recv[0].paused, "~mid stays paused");
	cr_assert_str_eq(v->simulcast->recv[1].rid, "hi");
	assert_round_trip(ans, "simulcast answer");
	lumen_sdp_free(ans);
	lumen_sdp_free(offer);
}

Test(sdp_answer, stamps_put_ice_dtls_and_origin_on_every_accepted_m_line)
{
	struct lumen_sdp_caps caps = default_caps();
	struct lumen_sdp *ans = answer_to("chromium-offer.sdp", &caps);
	static const char fp[] =
	    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:"
	    "11:22:33:44:55:66:77:88:99";
	static const char cand_s[] = "candidate:1 1 udp 2130706431 192.0.2.9 40000 typ host";
	struct lumen_sdp_candidate cand;
	struct lumen_sdp *back;
	size_t len;
	char *text;

	cr_assert_eq(lumen_sdp_candidate_parse(cand_s, strlen(cand_s), &cand, NULL), 0);
	cr_assert_eq(
	    lumen_sdp_stamp_ice(ans, "lumn", "0123456789abcdefghijkl", &cand, 1, true, true), 0);
	cr_assert_eq(lumen_sdp_stamp_dtls(ans, "sha-256", fp, LUMEN_SDP_SETUP_PASSIVE), 0);
	cr_assert_eq(lumen_sdp_stamp_origin(ans, "lumen", 1234567890123ull, 2, "192.0.2.9"), 0);
	text = lumen_sdp_write(ans, &len);
	back = parse_ok(text, len);
	cr_assert(back->ice_lite);
	cr_assert_str_eq(back->origin.username, "lumen");
	cr_assert_str_eq(back->origin.sess_id, "1234567890123");
	cr_assert_eq(back->origin.sess_version, 2);
	cr_assert_str_eq(back->origin.addrtype, "IP4");
	for (unsigned i = 0; i < back->n_media; i++) {
		const struct lumen_sdp_media *m = &back->media[i];

		cr_assert_str_eq(m->ice_ufrag, "lumn");
		cr_assert_str_eq(m->ice_pwd, "0123456789abcdefghijkl");
		cr_assert_eq(m->n_candidates, 1);
		cr_assert_str_eq(m->candidates[0].address, "192.0.2.9");
		cr_assert(m->end_of_candidates);
		cr_assert_str_eq(m->fingerprint.value, fp);
		cr_assert_eq(m->setup, LUMEN_SDP_SETUP_PASSIVE);
	}
	cr_assert(lumen_sdp_equal(ans, back));
	g_free(text);
	lumen_sdp_free(back);

	cr_assert_eq(
	    lumen_sdp_stamp_ice(ans, "abc", "0123456789abcdefghijkl", NULL, 0, false, false),
	    -EINVAL, "ufrag shorter than 4");
	cr_assert_eq(lumen_sdp_stamp_ice(ans, "abcd", "short", NULL, 0, false, false), -EINVAL);
	cr_assert_eq(
	    lumen_sdp_stamp_ice(ans, "ab d", "0123456789abcdefghijkl", NULL, 0, false, false),
	    -EINVAL);
	cr_assert_eq(lumen_sdp_stamp_dtls(ans, "sha-256", "AB:C", LUMEN_SDP_SETUP_ACTIVE), -EINVAL);
	cr_assert_eq(lumen_sdp_stamp_dtls(ans, "sha 256", fp, LUMEN_SDP_SETUP_ACTIVE), -EINVAL);
	cr_assert_eq(lumen_sdp_stamp_dtls(ans, "sha-256", fp, LUMEN_SDP_SETUP_NONE), -EINVAL);
	cr_assert_eq(lumen_sdp_stamp_origin(ans, "a b", 1, 1, "::1"), -EINVAL);
	cr_assert_eq(lumen_sdp_stamp_origin(ans, "x", 1, 1, ""), -EINVAL);
	cr_assert_str_eq(ans->origin.username, "lumen", "a refused stamp changes nothing");
	lumen_sdp_free(ans);
}

/* ---- errors ---- */

#define HEAD  "v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\n"
#define MLINE "m=video 9 UDP/TLS/RTP/SAVPF 96\n"

Test(sdp_errors, malformed_descriptions_name_the_line_and_the_reason)
{
	static const struct {
		const char *sdp, *msg;
	} cases[] = {
	    {"", "sdp: empty description"},
	    {"v=1\n", "line 1: expected v=0 first"},
	    {"o=- 1 1 IN IP4 0.0.0.0\n", "line 1: expected v=0 first"},
	    {"v=0\ns=-\nt=0 0\n", "sdp: missing o= line"},
	    {"v=0\no=- 1 1 IN IP4 0.0.0.0\nt=0 0\n", "sdp: missing s= line"},
	    {"v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\n", "sdp: missing t= line"},
	    {"v=0\no=- 1 1 IN IP4\n", "line 2: o=: expected 6 fields"},
	    {"v=0\no=- x 1 IN IP4 0.0.0.0\n", "line 2: o=: bad session id"},
	    {HEAD "garbage\n", "line 5: expected '<type>=<value>'"},
	    {HEAD "x=1\n", "line 5: unknown line type 'x'"},
	    {HEAD "m=video 70000 UDP/TLS/RTP/SAVPF 96\n", "line 5: m=: bad port"},
	    {HEAD "m=video 9 UDP/TLS/RTP/SAVPF 96 300\n", "line 5: m=: bad payload type '300'"},
	    {HEAD "m=video 9 UDP/TLS/RTP/SAVPF\n", "line 5: m=: no formats"},
	    {HEAD MLINE "a=rtpmap:abc VP8/90000\n", "line 6: a=rtpmap: bad payload type"},
	    {HEAD MLINE "a=rtpmap:96 VP8\n", "line 6: a=rtpmap: bad encoding"},
	    {HEAD MLINE "a=rtpmap:96 VP8/0\n", "line 6: a=rtpmap: bad clock rate"},
	    {HEAD MLINE "a=rtpmap:96 VP8/90000\na=rtpmap:96 VP9/90000\n",
	     "line 7: a=rtpmap: duplicate for payload type 96"},
	    {HEAD MLINE "a=fmtp:96 apt=x\n", "line 6: a=fmtp: bad apt"},
	    {HEAD MLINE "a=fmtp:96 profile-level-id=42e0\n",
	     "line 6: a=fmtp: bad profile-level-id"},
	    {HEAD MLINE "a=fmtp:96 profile-level-id=0x42e0\n",
	     "line 6: a=fmtp: bad profile-level-id"},
	    {HEAD MLINE "a=extmap:0 urn:x\n", "line 6: a=extmap: bad id"},
	    {HEAD MLINE "a=extmap:1 urn:x\na=extmap:1 urn:y\n", "line 7: a=extmap: duplicate id 1"},
	    {HEAD MLINE "a=extmap:1/sideways urn:x\n", "line 6: a=extmap: bad direction"},
	    {HEAD MLINE "a=sendonly\na=recvonly\n", "line 7: a=recvonly: conflicting direction"},
	    {HEAD MLINE "a=mid:0\n" MLINE "a=mid:0\n", "line 8: a=mid: mid '0' already used"},
	    {HEAD MLINE "a=setup:maybe\n", "line 6: a=setup: bad role"},
	    {HEAD MLINE "a=fingerprint:sha-256 XY:00\n", "line 6: a=fingerprint: bad fingerprint"},
	    {HEAD MLINE "a=ice-ufrag:bad ufrag!\n", "line 6: a=ice-ufrag: bad value"},
	    {HEAD MLINE "a=candidate:1 1 udp 1 1.2.3.4 5 typ host x\n",
	     "line 6: a=candidate: extension without value"},
	    {HEAD MLINE "a=rid:a b\n", "line 6: a=rid: expected send or recv"},
	    {HEAD MLINE "a=rid:a send pt=96,x\n", "line 6: a=rid: bad pt list"},
	    {HEAD MLINE "a=simulcast:send a;;b\n", "line 6: a=simulcast: bad rid in list"},
	    {HEAD MLINE "a=simulcast:sideways a\n", "line 6: a=simulcast: expected send or recv"},
	    {HEAD MLINE "a=ssrc:4294967296 cname:x\n", "line 6: a=ssrc: bad ssrc"},
	    {HEAD MLINE "a=ssrc-group:FID\n", "line 6: a=ssrc-group: no ssrcs"},
	    {HEAD MLINE "a=sctp-port:99999\n", "line 6: a=sctp-port: bad port"},
	    {HEAD MLINE "a=rtcp-mux:yes\n", "line 6: a=rtcp-mux: takes no value"},
	    {HEAD "a=rtcp-fb\n" MLINE "a=rtcp-fb:96\n", "line 7: a=rtcp-fb: missing feedback type"},
	    {HEAD MLINE "a=x\001y\n", "line 6: control character 0x01"},
	    {HEAD "o=- 1 1 IN IP4 0.0.0.0\n", "line 5: duplicate o= line"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct lumen_sdp_error err = {0};
		struct lumen_sdp *sdp = (struct lumen_sdp *)&err; /* must be reset to NULL */

		cr_assert_eq(lumen_sdp_parse(cases[i].sdp, strlen(cases[i].sdp), &sdp, &err),
		             -EINVAL, "accepted: %s", cases[i].sdp);
		cr_assert_null(sdp);
		cr_assert_str_eq(err.msg, cases[i].msg, "for: %s", cases[i].sdp);
	}
}

/* Replace line n (1-based) of text with repl; returns a new string. */
static char *replace_line(const char *text, unsigned n, const char *repl)
{
	char **lines = g_strsplit(text, "\n", -1);
	char *out;

	cr_assert_lt(n - 1, g_strv_length(lines));
	g_free(lines[n - 1]);
	lines[n - 1] = g_strdup_printf("%s\r", repl);
	out = g_strjoinv("\n", lines);
	g_strfreev(lines);
	return out;
}

Test(sdp_errors, a_corrupted_line_of_a_real_offer_is_reported_by_number)
{
	static const struct {
		unsigned line;
		const char *repl, *msg;
	} cases[] = {
	    {30, "a=rtpmap:1111 opus/48000/2", "line 30: a=rtpmap: bad payload type"},
	    {18, "a=fingerprint:sha-256 5D:27:97:7", "line 18: a=fingerprint: bad fingerprint"},
	    {11, "a=candidate:2376450881 1 udp 2122194687 192.0.2.2 54150 typ hots",
	     "line 11: a=candidate: bad typ"},
	    {43, "m=video 60117 UDP/TLS/RTP/SAVPF 96 97 96",
	     "line 43: m=: duplicate payload type 96"},
	    {171, "a=mid:0", "line 171: a=mid: mid '0' already used"},
	};
	size_t len;
	char *text = load("chromium-offer.sdp", &len);

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *bad = replace_line(text, cases[i].line, cases[i].repl);
		struct lumen_sdp_error err = {0};
		struct lumen_sdp *sdp = NULL;

		cr_assert_eq(lumen_sdp_parse(bad, strlen(bad), &sdp, &err), -EINVAL, "%s",
		             cases[i].repl);
		cr_assert_str_eq(err.msg, cases[i].msg);
		cr_assert_eq(err.line, cases[i].line);
		g_free(bad);
	}
	g_free(text);
}

Test(sdp_errors, nul_bytes_are_refused)
{
	static const char s[] = HEAD "a=x\0y\n";
	struct lumen_sdp_error err;
	struct lumen_sdp *sdp;

	cr_assert_eq(lumen_sdp_parse(s, sizeof(s) - 1, &sdp, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "line 5: NUL byte");
	cr_assert_eq(err.line, 5);
}

Test(sdp_limits, refuses_oversized_input_lines_and_counts)
{
	struct lumen_sdp_error err;
	struct lumen_sdp *sdp;
	GString *s = g_string_new(HEAD);

	/* One line too long. */
	g_string_append(s, "a=x:");
	for (int i = 0; i < LUMEN_SDP_MAX_LINE; i++)
		g_string_append_c(s, 'y');
	g_string_append_c(s, '\n');
	cr_assert_eq(lumen_sdp_parse(s->str, s->len, &sdp, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "line 5: line too long (max 4096 bytes)");

	/* Too many m-lines. */
	g_string_assign(s, HEAD);
	for (int i = 0; i <= LUMEN_SDP_MAX_MEDIA; i++)
		g_string_append(s, MLINE);
	cr_assert_eq(lumen_sdp_parse(s->str, s->len, &sdp, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "line 69: m=: too many m-lines (max 64)");

	/* Too many attributes in one section. */
	g_string_assign(s, HEAD MLINE);
	for (int i = 0; i <= LUMEN_SDP_MAX_ATTRS; i++)
		g_string_append(s, "a=x\n");
	cr_assert_eq(lumen_sdp_parse(s->str, s->len, &sdp, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "line 518: too many lines in one section (max 512)");

	/* Too many codecs. */
	g_string_assign(s, HEAD "m=video 9 RTP/AVP");
	for (int i = 0; i <= LUMEN_SDP_MAX_CODECS; i++)
		g_string_append_printf(s, " %d", i);
	g_string_append_c(s, '\n');
	cr_assert_eq(lumen_sdp_parse(s->str, s->len, &sdp, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "line 5: m=: too many formats (max 64)");

	/* Whole description too large. */
	g_string_assign(s, HEAD);
	while (s->len <= LUMEN_SDP_MAX_SIZE)
		g_string_append(s, "a=x\n");
	cr_assert_eq(lumen_sdp_parse(s->str, s->len, &sdp, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "sdp: description too large (max 524288 bytes)");
	g_string_free(s, TRUE);
}
