/* sdp_answer.c -- build the media part of an SDP answer from a remote offer and our capabilities
 * (RFC 8829 JSEP section 5.3), and stamp ICE, DTLS and origin onto a description.
 *
 * The builder only decides what to accept: codecs in our preference order with the offer's payload
 * types, RTX, rtcp-fb and extmap intersections, directions, simulcast, the data channel m-line and
 * the BUNDLE group. Transport details come later from the stamps, so the peer connection can build
 * the answer before its ICE agent and DTLS certificate exist. Pure functions; the result is owned
 * by the caller (lumen_sdp_free). */
#include "webrtc/sdp.h"
#include "webrtc/sdp_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* The value of key in an fmtp "k=v;k=v" string, copied into out; false when absent. */
static bool fmtp_get(const char *fmtp, const char *key, char *out, size_t size)
{
	char **parts;
	bool found = false;

	if (!fmtp)
		return false;
	parts = g_strsplit(fmtp, ";", -1);
	for (unsigned i = 0; parts[i] && !found; i++) {
		char *kv = g_strstrip(parts[i]), *v = strchr(kv, '=');

		if (!v)
			continue;
		*v++ = '\0';
		if (!g_ascii_strcasecmp(g_strstrip(kv), key)) {
			g_strlcpy(out, g_strstrip(v), size);
			found = true;
		}
	}
	g_strfreev(parts);
	return found;
}

static int or_default(int v, int def)
{
	return v >= 0 ? v : def;
}

/* Does the offered codec carry every parameter of match with an equal value? H.264's
 * profile-level-id compares the profile (profile_idc and constraint flags) and lets the level
 * differ; absent parameters take their RFC defaults (profile-level-id 420010, packetization-mode 0,
 * VP9 profile-id 0). */
static bool fmtp_matches(const struct lumen_sdp_codec *oc, const char *match)
{
	struct lumen_sdp_codec want;
	char **parts;
	bool ok = true;

	if (!match)
		return true;
	sdp_codec_init(&want, oc->pt);
	if (sdp_fmtp_derive(&want, match, NULL, 0))
		return false;
	parts = g_strsplit(match, ";", -1);
	for (unsigned i = 0; parts[i] && ok; i++) {
		char *kv = g_strstrip(parts[i]), *v = strchr(kv, '='), have[128];

		if (!v)
			continue;
		*v++ = '\0';
		g_strstrip(kv);
		v = g_strstrip(v);
		if (!g_ascii_strcasecmp(kv, "profile-level-id")) {
			long got = oc->profile_level_id >= 0 ? oc->profile_level_id : 0x420010;

			ok = (got >> 8) == (want.profile_level_id >> 8);
		} else if (!g_ascii_strcasecmp(kv, "packetization-mode")) {
			ok = or_default(oc->packetization_mode, 0) == want.packetization_mode;
		} else if (!g_ascii_strcasecmp(kv, "profile-id")) {
			ok = or_default(oc->profile_id, 0) == want.profile_id;
		} else {
			ok = fmtp_get(oc->fmtp, kv, have, sizeof(have)) &&
			     !g_ascii_strcasecmp(have, v);
		}
	}
	g_strfreev(parts);
	return ok;
}

static bool codec_matches(const struct lumen_sdp_codec *oc, const struct lumen_sdp_codec_cap *cap)
{
	if (!oc->name || !cap->name || g_ascii_strcasecmp(oc->name, cap->name) ||
	    oc->clock != cap->clock)
		return false;
	if (cap->channels && (oc->channels ? oc->channels : 1) != cap->channels)
		return false;
	return fmtp_matches(oc, cap->fmtp_match);
}

/* Append a copy of oc to m, keeping only the feedback kinds in fb (the codec's own lines and the
 * offer's a=rtcp-fb:* ones). */
static void add_codec(struct lumen_sdp_media *m, const struct lumen_sdp_media *om,
                      const struct lumen_sdp_codec *oc, unsigned fb)
{
	struct lumen_sdp_codec *c = SDP_GROW(m->codecs, m->n_codecs);

	sdp_codec_init(c, oc->pt);
	c->name = g_strdup(oc->name);
	c->clock = oc->clock;
	c->channels = oc->channels;
	/* The offer's fmtp parsed when the offer did, so this cannot fail. */
	lumen_sdp_codec_set_fmtp(c, oc->fmtp);
	for (unsigned pass = 0; pass < 2; pass++) {
		char *const *list = pass ? om->fb_any : oc->fb;
		unsigned n = pass ? om->n_fb_any : oc->n_fb;

		for (unsigned i = 0; i < n; i++) {
			unsigned flag = lumen_sdp_fb_flag(list[i]);
			bool dup = false;

			for (unsigned j = 0; j < c->n_fb; j++)
				dup |= !g_ascii_strcasecmp(c->fb[j], list[i]);
			if ((flag & fb) && !dup && c->n_fb < LUMEN_SDP_MAX_FB)
				SDP_GROW(c->fb, c->n_fb)[0] = g_strdup(list[i]);
		}
	}
}

static void answer_codecs(struct lumen_sdp_media *m, const struct lumen_sdp_media *om,
                          const struct lumen_sdp_codec_cap *caps, size_t n_caps)
{
	for (size_t i = 0; i < n_caps; i++) {
		for (unsigned j = 0; j < om->n_codecs; j++) {
			const struct lumen_sdp_codec *oc = &om->codecs[j], *rtx;

			if (!codec_matches(oc, &caps[i]) || lumen_sdp_find_codec(m, oc->pt))
				continue;
			add_codec(m, om, oc, caps[i].fb);
			rtx = caps[i].rtx ? lumen_sdp_find_rtx(om, oc->pt) : NULL;
			if (rtx && !lumen_sdp_find_codec(m, rtx->pt))
				add_codec(m, om, rtx, 0);
			break;
		}
	}
}

static enum lumen_sdp_dir intersect_dir(enum lumen_sdp_dir offered, enum lumen_sdp_dir local)
{
	enum lumen_sdp_dir mine = lumen_sdp_dir_reverse(offered);
	bool send = (mine == LUMEN_SDP_DIR_SENDRECV || mine == LUMEN_SDP_DIR_SENDONLY) &&
	            (local == LUMEN_SDP_DIR_NONE || local == LUMEN_SDP_DIR_SENDRECV ||
	             local == LUMEN_SDP_DIR_SENDONLY);
	bool recv = (mine == LUMEN_SDP_DIR_SENDRECV || mine == LUMEN_SDP_DIR_RECVONLY) &&
	            (local == LUMEN_SDP_DIR_NONE || local == LUMEN_SDP_DIR_SENDRECV ||
	             local == LUMEN_SDP_DIR_RECVONLY);

	if (send && recv)
		return LUMEN_SDP_DIR_SENDRECV;
	return send   ? LUMEN_SDP_DIR_SENDONLY
	       : recv ? LUMEN_SDP_DIR_RECVONLY
	              : LUMEN_SDP_DIR_INACTIVE;
}

static void answer_extmaps(struct lumen_sdp_media *m, const struct lumen_sdp_media *om,
                           const struct lumen_sdp_caps *caps)
{
	for (unsigned i = 0; i < om->n_extmaps; i++) {
		const struct lumen_sdp_extmap *oe = &om->extmaps[i];

		for (size_t j = 0; j < caps->n_extmaps; j++) {
			struct lumen_sdp_extmap *e;

			if (!caps->extmaps[j] || strcmp(oe->uri, caps->extmaps[j]))
				continue;
			e = SDP_GROW(m->extmaps, m->n_extmaps);
			e->id = oe->id;
			e->dir = oe->dir ? lumen_sdp_dir_reverse(oe->dir) : LUMEN_SDP_DIR_NONE;
			e->uri = g_strdup(oe->uri);
			break;
		}
	}
}

/* Receive what the offer sends as simulcast: rids become recv, pt restrictions keep the payload
 * types we answered, and a rid left with none of its payload types is dropped. */
static void answer_simulcast(struct lumen_sdp_media *m, const struct lumen_sdp_media *om)
{
	const struct lumen_sdp_simulcast *osc = om->simulcast;
	struct lumen_sdp_simulcast *sc;

	for (unsigned i = 0; i < om->n_rids; i++) {
		const struct lumen_sdp_rid *orid = &om->rids[i];
		struct lumen_sdp_rid *r;
		unsigned kept = 0;

		if (orid->recv)
			continue;
		for (unsigned j = 0; j < orid->n_pts; j++)
			kept += lumen_sdp_find_codec(m, orid->pts[j]) != NULL;
		if (orid->n_pts && !kept)
			continue;
		r = SDP_GROW(m->rids, m->n_rids);
		r->id = g_strdup(orid->id);
		r->recv = true;
		r->restrictions = g_strdup(orid->restrictions);
		for (unsigned j = 0; j < orid->n_pts; j++)
			if (lumen_sdp_find_codec(m, orid->pts[j]))
				SDP_GROW(r->pts, r->n_pts)[0] = orid->pts[j];
	}
	sc = g_new0(struct lumen_sdp_simulcast, 1);
	for (unsigned i = 0; i < osc->n_send; i++) {
		struct lumen_sdp_sim_id *s;
		bool have = false;

		for (unsigned j = 0; j < m->n_rids; j++)
			have |= !strcmp(m->rids[j].id, osc->send[i].rid);
		if (!have)
			continue;
		s = SDP_GROW(sc->recv, sc->n_recv);
		s->rid = g_strdup(osc->send[i].rid);
		s->paused = osc->send[i].paused;
		s->alt = osc->send[i].alt && sc->n_recv > 1;
	}
	if (sc->n_recv) {
		m->simulcast = sc;
		return;
	}
	g_free(sc->recv);
	g_free(sc);
	for (unsigned i = 0; i < m->n_rids; i++) {
		g_free(m->rids[i].id);
		g_free(m->rids[i].pts);
		g_free(m->rids[i].restrictions);
	}
	g_free(m->rids);
	m->rids = NULL;
	m->n_rids = 0;
}

static bool answer_rtp(struct lumen_sdp_media *m, const struct lumen_sdp_media *om,
                       const struct lumen_sdp_caps *caps)
{
	bool audio = !strcmp(om->type, "audio"), video = !strcmp(om->type, "video");

	if (!audio && !video)
		return false;
	answer_codecs(m, om, audio ? caps->audio : caps->video,
	              audio ? caps->n_audio : caps->n_video);
	if (!m->n_codecs)
		return false;
	m->dir = intersect_dir(om->dir, audio ? caps->audio_dir : caps->video_dir);
	m->rtcp_mux = om->rtcp_mux;
	m->rtcp_rsize = om->rtcp_rsize;
	answer_extmaps(m, om, caps);
	if (caps->simulcast && om->simulcast && om->simulcast->n_send && om->n_rids)
		answer_simulcast(m, om);
	return true;
}

static bool answer_sctp(struct lumen_sdp_media *m, const struct lumen_sdp_media *om,
                        const struct lumen_sdp_caps *caps)
{
	unsigned port;
	bool legacy;

	if (!caps->datachannel || strcmp(om->type, "application") || !strstr(om->proto, "SCTP") ||
	    !om->n_fmts)
		return false;
	legacy = strcmp(om->fmts[0], "webrtc-datachannel") != 0;
	/* The legacy form's format is the SCTP port its a=sctpmap names, and the answer's sctpmap
	 * repeats it: any other token would be written into an answer nobody can parse (found by
	 * fuzz_sdp's round trip of the answer). Such an m-line is rejected like other unusable ones. */
	if (legacy && (!sdp_parse_uint(om->fmts[0], 65535, &port) || !om->sctpmap ||
		       !strstr(om->sctpmap, "webrtc-datachannel")))
		return false;
	SDP_GROW(m->fmts, m->n_fmts)[0] = g_strdup(om->fmts[0]);
	if (legacy)
		m->sctpmap = g_strdup_printf("%s webrtc-datachannel 1024", om->fmts[0]);
	else
		m->sctp_port = 5000;
	if (caps->max_message_size > 0)
		m->max_message_size = caps->max_message_size;
	return true;
}

/* A rejected m-line keeps its type, proto, mid and one format (RFC 8866 needs one) with port 0. */
static void reject(struct lumen_sdp_media *m, const struct lumen_sdp_media *om)
{
	struct lumen_sdp_media keep;

	sdp_media_init(&keep);
	keep.type = g_strdup(om->type);
	keep.proto = g_strdup(om->proto);
	keep.rtp = om->rtp;
	keep.mid = g_strdup(om->mid);
	keep.connection = g_strdup("IN IP4 0.0.0.0");
	if (om->n_codecs)
		sdp_codec_init(SDP_GROW(keep.codecs, keep.n_codecs), om->codecs[0].pt);
	if (om->n_fmts)
		SDP_GROW(keep.fmts, keep.n_fmts)[0] = g_strdup(om->fmts[0]);
	sdp_media_fini(m);
	*m = keep;
}

static void answer_bundle(struct lumen_sdp *ans, const struct lumen_sdp *offer)
{
	const struct lumen_sdp_group *og = lumen_sdp_find_group(offer, "BUNDLE");
	struct lumen_sdp_group *g;

	if (!og || !og->ids)
		return;
	g = SDP_GROW(ans->groups, ans->n_groups);
	g->semantics = g_strdup("BUNDLE");
	g->ids = g_new0(char *, 1);
	for (unsigned i = 0; i < og->n; i++) {
		const struct lumen_sdp_media *m = lumen_sdp_find_mid(ans, og->ids[i]);

		if (!m || m->port == 0)
			continue;
		g->ids = g_renew(char *, g->ids, g->n + 1);
		g->ids[g->n++] = g_strdup(og->ids[i]);
	}
	if (g->n == 0) {
		sdp_group_fini(g);
		ans->n_groups--;
	}
}

int lumen_sdp_answer_build(const struct lumen_sdp *offer, const struct lumen_sdp_caps *caps,
                           struct lumen_sdp **out, struct lumen_sdp_error *err)
{
	struct lumen_sdp *ans = lumen_sdp_new();
	unsigned accepted = 0;
	int rc = -EINVAL;

	*out = NULL;
	ans->name = g_strdup("-");
	ans->timing = g_strdup("0 0");
	lumen_sdp_stamp_origin(ans, "-", 0, 0, "0.0.0.0"); /* a placeholder until stamped */
	for (unsigned i = 0; i < offer->n_media; i++) {
		const struct lumen_sdp_media *om = &offer->media[i];
		struct lumen_sdp_media *m;
		bool ok;

		if (!om->mid) {
			if (err) {
				err->line = 0;
				snprintf(err->msg, sizeof(err->msg), "m-line %u (%s) has no a=mid",
				         i, om->type ? om->type : "?");
			}
			goto fail;
		}
		m = lumen_sdp_add_media(ans, om->type, om->proto);
		m->mid = g_strdup(om->mid);
		m->port = 9;
		m->connection = g_strdup("IN IP4 0.0.0.0");
		/* Port 0 is a rejection unless bundle-only (RFC 8843 section 7.5). */
		ok = om->type && om->proto && (om->port != 0 || om->bundle_only);
		if (ok)
			ok = om->rtp ? answer_rtp(m, om, caps) : answer_sctp(m, om, caps);
		if (ok)
			accepted++;
		else
			reject(m, om);
	}
	if (!accepted) {
		rc = -ENOENT;
		if (err) {
			err->line = 0;
			snprintf(err->msg, sizeof(err->msg),
			         "no m-line of the offer can be accepted");
		}
		goto fail;
	}
	answer_bundle(ans, offer);
	*out = ans;
	return 0;
fail:
	lumen_sdp_free(ans);
	return rc;
}

/* ---- stamps ---- */

int lumen_sdp_stamp_ice(struct lumen_sdp *sdp, const char *ufrag, const char *pwd,
                        const struct lumen_sdp_candidate *cands, size_t n_cands,
                        bool end_of_candidates, bool ice_lite)
{
	if (!ufrag || !pwd || !sdp_ice_chars(ufrag, 4, 256) || !sdp_ice_chars(pwd, 22, 256) ||
	    n_cands > LUMEN_SDP_MAX_CANDIDATES || (n_cands && !cands))
		return -EINVAL;
	sdp->ice_lite = ice_lite;
	for (unsigned i = 0; i < sdp->n_media; i++) {
		struct lumen_sdp_media *m = &sdp->media[i];

		if (m->port == 0 && !m->bundle_only)
			continue;
		g_free(m->ice_ufrag);
		g_free(m->ice_pwd);
		m->ice_ufrag = g_strdup(ufrag);
		m->ice_pwd = g_strdup(pwd);
		g_free(m->candidates);
		m->candidates = n_cands ? g_memdup2(cands, n_cands * sizeof(*cands)) : NULL;
		m->n_candidates = (unsigned)n_cands;
		m->end_of_candidates = end_of_candidates;
	}
	return 0;
}

int lumen_sdp_stamp_dtls(struct lumen_sdp *sdp, const char *hash, const char *fingerprint,
                         enum lumen_sdp_setup setup)
{
	if (!hash || !fingerprint || !*hash || strlen(hash) > 16 ||
	    !sdp_is_fingerprint(fingerprint) || setup < LUMEN_SDP_SETUP_ACTPASS ||
	    setup > LUMEN_SDP_SETUP_HOLDCONN)
		return -EINVAL;
	for (const char *p = hash; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-')
			return -EINVAL;
	for (unsigned i = 0; i < sdp->n_media; i++) {
		struct lumen_sdp_media *m = &sdp->media[i];

		if (m->port == 0 && !m->bundle_only)
			continue;
		g_free(m->fingerprint.hash);
		g_free(m->fingerprint.value);
		m->fingerprint.hash = g_strdup(hash);
		m->fingerprint.value = g_strdup(fingerprint);
		m->setup = setup;
	}
	return 0;
}

static bool is_word(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

int lumen_sdp_stamp_origin(struct lumen_sdp *sdp, const char *username, uint64_t sess_id,
                           uint64_t sess_version, const char *address)
{
	struct lumen_sdp_origin *o = &sdp->origin;

	if (!is_word(username) || !is_word(address))
		return -EINVAL;
	g_free(o->username);
	g_free(o->sess_id);
	g_free(o->nettype);
	g_free(o->addrtype);
	g_free(o->address);
	o->username = g_strdup(username);
	o->sess_id = g_strdup_printf("%" G_GUINT64_FORMAT, sess_id);
	o->sess_version = sess_version;
	o->nettype = g_strdup("IN");
	o->addrtype = g_strdup(strchr(address, ':') ? "IP6" : "IP4");
	o->address = g_strdup(address);
	return 0;
}
