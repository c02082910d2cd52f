/* rooms/room_sdp.c -- the rooms engine's SDP: answers to publishers, offers to subscribers, and
 * the check of a subscriber's answer, all on the model of src/webrtc/sdp.h.
 *
 * The publisher's answer comes from lumen_sdp_answer_build in two passes: the first tells which
 * codec of our preference each m-line offered; the offer is then cut down to that codec and its
 * RTX and answered again, so the builder itself keeps rid payload-type restrictions and the
 * simulcast list consistent with the one codec we take. */
#include "room_sdp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "webrtc/sdp.h"

/* transport-cc: the pc sends transport-wide feedback on what it receives (src/webrtc/pc_rtcp.c),
 * which drives the publisher's send-side estimate up to its top simulcast layer; the REMB lumen
 * sends as well (the room's bitrate cap, or ROOMS_DEFAULT_PUBLISHER_BPS) caps that estimate. */
#define FB_ALL                                                                                     \
	(LUMEN_SDP_FB_NACK | LUMEN_SDP_FB_PLI | LUMEN_SDP_FB_FIR | LUMEN_SDP_FB_REMB |             \
	 LUMEN_SDP_FB_TRANSPORT_CC)

/* Header extensions lumen reads from publishers; the others are left out of the answer. */
static const char *const publisher_exts[] = {
	"urn:ietf:params:rtp-hdrext:sdes:mid",
	"urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
	"urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
	"urn:ietf:params:rtp-hdrext:ssrc-audio-level",
	"http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
	"http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
	"urn:3gpp:video-orientation",
	"http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
};

/* Policy names to capabilities. One name may stand for several rows, tried in order: H.264
 * prefers constrained baseline (42e0, what every browser decodes, OpenH264 included) to
 * baseline (4200); both need packetization-mode=1, which is what browsers send. */
static const struct known_codec {
	const char *key; /* policy name, lower case */
	bool video;
	struct lumen_sdp_codec_cap cap;
} known[] = {
	{"opus", false, {"opus", 48000, 2, NULL, FB_ALL, false}},
	{"pcmu", false, {"PCMU", 8000, 1, NULL, FB_ALL, false}},
	{"pcma", false, {"PCMA", 8000, 1, NULL, FB_ALL, false}},
	{"g722", false, {"G722", 8000, 1, NULL, FB_ALL, false}},
	{"vp8", true, {"VP8", 90000, 0, NULL, FB_ALL, true}},
	{"vp9", true, {"VP9", 90000, 0, "profile-id=0", FB_ALL, true}},
	{"h264", true, {"H264", 90000, 0, "packetization-mode=1;profile-level-id=42e01f", FB_ALL, true}},
	{"h264", true, {"H264", 90000, 0, "packetization-mode=1;profile-level-id=42001f", FB_ALL, true}},
	{"av1", true, {"AV1", 90000, 0, NULL, FB_ALL, true}},
	{"h265", true, {"H265", 90000, 0, NULL, FB_ALL, true}},
};

static void set_err(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(char **err, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!err)
		return;
	va_start(ap, fmt);
	s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	free(*err);
	*err = strdup(s); /* the header promises malloc'd strings */
	g_free(s);
}

/* A GLib string handed out as a malloc'd one. */
static char *to_malloc(char *gs)
{
	char *s = gs ? strdup(gs) : NULL;

	g_free(gs);
	return s;
}

static bool copy_str(char *dst, size_t size, const char *src)
{
	return g_strlcpy(dst, src ? src : "", size) < size;
}

/* ---- policy ---- */

/* Capabilities for a comma-separated preference list, in its order. */
static int caps_from_list(const char *list, bool video, GArray *out, char **err)
{
	char **names;
	int rc = 0;

	if (!list)
		return 0;
	names = g_strsplit(list, ",", -1);
	for (unsigned i = 0; names[i] && !rc; i++) {
		char *name = g_strstrip(names[i]);
		bool found = false;

		if (!*name)
			continue;
		for (size_t k = 0; k < G_N_ELEMENTS(known); k++) {
			if (known[k].video != video || g_ascii_strcasecmp(known[k].key, name))
				continue;
			g_array_append_val(out, known[k].cap);
			found = true;
		}
		if (!found) {
			set_err(err, "policy: unknown %s codec '%s'", video ? "video" : "audio", name);
			rc = -EINVAL;
		}
	}
	g_strfreev(names);
	return rc;
}

/* ---- model edits (fields are public, sdp.h: strings are GLib-owned) ---- */

static void codec_clear(struct lumen_sdp_codec *c)
{
	g_free(c->name);
	g_free(c->fmtp);
	for (unsigned i = 0; i < c->n_fb; i++)
		g_free(c->fb[i]);
	g_free(c->fb);
}

/* Keep only the codecs with payload type a or b (b < 0: none). */
static void keep_codecs(struct lumen_sdp_media *m, unsigned a, int b)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->n_codecs; i++) {
		if (m->codecs[i].pt == a || (b >= 0 && m->codecs[i].pt == (unsigned)b))
			m->codecs[n++] = m->codecs[i];
		else
			codec_clear(&m->codecs[i]);
	}
	m->n_codecs = n;
}

static void rid_clear(struct lumen_sdp_rid *r)
{
	g_free(r->id);
	g_free(r->pts);
	g_free(r->restrictions);
}

/* Cut the offer's a=simulcast send list to ROOMS_MAX_LAYERS streams (an alternative belongs to
 * the stream before it) and drop the send rids it no longer names. */
static void trim_simulcast(struct lumen_sdp_media *m)
{
	struct lumen_sdp_simulcast *sc = m->simulcast;
	unsigned streams = 0, n = 0;

	if (!sc)
		return;
	for (unsigned i = 0; i < sc->n_send; i++) {
		if (!sc->send[i].alt || i == 0)
			streams++;
		if (streams > ROOMS_MAX_LAYERS) {
			g_free(sc->send[i].rid);
			continue;
		}
		sc->send[n++] = sc->send[i];
	}
	sc->n_send = n;
	n = 0;
	for (unsigned i = 0; i < m->n_rids; i++) {
		bool named = m->rids[i].recv;

		for (unsigned j = 0; j < sc->n_send && !named; j++)
			named = sc->send[j].rid && !strcmp(sc->send[j].rid, m->rids[i].id);
		if (named)
			m->rids[n++] = m->rids[i];
		else
			rid_clear(&m->rids[i]);
	}
	m->n_rids = n;
}

/* ---- answer to a publisher ---- */

static bool is_rtx(const struct lumen_sdp_codec *c)
{
	return c->name && !g_ascii_strcasecmp(c->name, "rtx");
}

/* Why om was not accepted, appended to why ("; "-separated). */
static void explain_reject(GString *why, unsigned i, const struct lumen_sdp_media *om,
                           const struct rooms_sdp_policy *pol)
{
	const char *type = om->type ? om->type : "?";

	if (why->len)
		g_string_append(why, "; ");
	g_string_append_printf(why, "m-line %u (%s): ", i, type);
	if (om->port == 0 && !om->bundle_only) {
		g_string_append(why, "rejected by the offer (port 0)");
	} else if (!strcmp(type, "application")) {
		g_string_append(why, pol->data ? "not a WebRTC data channel" : "data channels are off");
	} else if (strcmp(type, "audio") && strcmp(type, "video")) {
		g_string_append(why, "media type not supported");
	} else {
		unsigned listed = 0;

		g_string_append(why, "no codec in common (offered ");
		for (unsigned j = 0; j < om->n_codecs; j++) {
			const struct lumen_sdp_codec *c = &om->codecs[j];

			if (is_rtx(c) || listed >= 8)
				continue;
			g_string_append_printf(why, "%s%s", listed++ ? ", " : "",
			                       c->name ? c->name : "static pt");
			if (c->name && !g_ascii_strcasecmp(c->name, "H264")) {
				if (c->profile_level_id >= 0)
					g_string_append_printf(why, " %06lx", c->profile_level_id);
				if (c->packetization_mode >= 0)
					g_string_append_printf(why, " pm%d", c->packetization_mode);
			}
		}
		g_string_append(why, listed ? ")" : "nothing)");
	}
}

static const struct lumen_sdp_group *find_ssrc_group(const struct lumen_sdp_media *m,
                                                     const char *semantics)
{
	for (unsigned i = 0; i < m->n_ssrc_groups; i++)
		if (m->ssrc_groups[i].semantics && m->ssrc_groups[i].ssrcs &&
		    !g_ascii_strcasecmp(m->ssrc_groups[i].semantics, semantics))
			return &m->ssrc_groups[i];
	return NULL;
}

/* An SSRC that is the repair stream of an a=ssrc-group:FID (or FEC-FR). */
static bool is_repair_ssrc(const struct lumen_sdp_media *m, uint32_t ssrc)
{
	for (unsigned i = 0; i < m->n_ssrc_groups; i++) {
		const struct lumen_sdp_group *g = &m->ssrc_groups[i];

		if (!g->ssrcs || !g->semantics || !g_ascii_strcasecmp(g->semantics, "SIM"))
			continue;
		for (unsigned j = 1; j < g->n; j++)
			if (g->ssrcs[j] == ssrc)
				return true;
	}
	return false;
}

static int describe_msid(struct rooms_track_desc *t, const struct lumen_sdp_media *om,
                         char **err)
{
	const char *stream = NULL, *track = NULL;
	char **parts = NULL;
	int rc = 0;

	if (om->n_msids) {
		stream = om->msids[0].stream;
		track = om->msids[0].track;
	} else {
		for (unsigned i = 0; i < om->n_ssrcs && !stream; i++) {
			if (!om->ssrcs[i].attr || g_ascii_strcasecmp(om->ssrcs[i].attr, "msid") ||
			    !om->ssrcs[i].value)
				continue;
			parts = g_strsplit(om->ssrcs[i].value, " ", 2);
			stream = parts[0];
			track = parts[0] ? parts[1] : NULL;
		}
	}
	if (!copy_str(t->msid_stream, sizeof(t->msid_stream), stream) ||
	    !copy_str(t->msid_track, sizeof(t->msid_track), track)) {
		set_err(err, "m-line with mid %s: msid longer than %d characters", t->mid,
		        ROOMS_MSID_MAX - 1);
		rc = -EINVAL;
	}
	g_strfreev(parts);
	return rc;
}

static int describe_layers(struct rooms_track_desc *t, const struct lumen_sdp_media *am,
                           const struct lumen_sdp_media *om, const struct rooms_sdp_policy *pol,
                           char **err)
{
	const struct lumen_sdp_group *sim = find_ssrc_group(om, "SIM");

	if (am->simulcast) {
		for (unsigned i = 0; i < am->simulcast->n_recv && t->n_layers < ROOMS_MAX_LAYERS;
		     i++) {
			const struct lumen_sdp_sim_id *s = &am->simulcast->recv[i];

			if (s->alt && i > 0)
				continue;
			if (!copy_str(t->rids[t->n_layers], ROOMS_RID_MAX, s->rid)) {
				set_err(err, "m-line with mid %s: rid longer than %d characters",
				        t->mid, ROOMS_RID_MAX - 1);
				return -EINVAL;
			}
			t->n_layers++;
		}
		return 0;
	}
	if (sim && sim->n > 1 && pol->simulcast) {
		for (unsigned i = 0; i < sim->n && t->n_layers < ROOMS_MAX_LAYERS; i++)
			t->layer_ssrcs[t->n_layers++] = sim->ssrcs[i];
		return 0;
	}
	/* Not simulcast for us: the first SSRC of a SIM group the policy refused is the one we
	 * take (the lowest layer); otherwise the first that is not a repair stream. */
	if (sim && sim->n) {
		t->ssrc = sim->ssrcs[0];
		return 0;
	}
	for (unsigned i = 0; i < om->n_ssrcs && !t->ssrc; i++)
		if (!is_repair_ssrc(om, om->ssrcs[i].ssrc))
			t->ssrc = om->ssrcs[i].ssrc;
	return 0;
}

static int describe(struct rooms_track_desc *t, const struct lumen_sdp_media *am,
                    const struct lumen_sdp_media *om, const struct rooms_sdp_policy *pol,
                    char **err)
{
	memset(t, 0, sizeof(*t));
	t->codec.rtx_pt = -1;
	if (!copy_str(t->mid, sizeof(t->mid), am->mid)) {
		set_err(err, "mid '%.40s' is longer than %d characters", am->mid, ROOMS_MID_MAX - 1);
		return -EINVAL;
	}
	if (!am->rtp) {
		t->kind = LUMEN_MEDIA_DATA;
		t->sends = true;
		return 0;
	}
	t->kind = !strcmp(am->type, "audio") ? LUMEN_MEDIA_AUDIO : LUMEN_MEDIA_VIDEO;
	t->sends = am->dir == LUMEN_SDP_DIR_RECVONLY || am->dir == LUMEN_SDP_DIR_SENDRECV ||
	           am->dir == LUMEN_SDP_DIR_NONE;
	/* The builder lists our codec first, its RTX after it. */
	const struct lumen_sdp_codec *c = &am->codecs[0], *rtx = lumen_sdp_find_rtx(am, c->pt);

	copy_str(t->codec.name, sizeof(t->codec.name), c->name); /* a name of the known table */
	t->codec.pt = c->pt;
	t->codec.clock = c->clock;
	t->codec.channels = c->channels;
	t->codec.rtx_pt = rtx ? (int)rtx->pt : -1;
	if (!copy_str(t->codec.fmtp, sizeof(t->codec.fmtp), c->fmtp)) {
		set_err(err, "mid %s: fmtp of %s longer than %zu characters", t->mid, c->name,
		        sizeof(t->codec.fmtp) - 1);
		return -EINVAL;
	}
	if (describe_msid(t, om, err))
		return -EINVAL;
	return describe_layers(t, am, om, pol, err);
}

/* A legacy SCTP m-line ("DTLS/SCTP 5000" + a=sctpmap) whose format is not a port number would
 * come back from lumen_sdp_answer_build as an a=sctpmap the parser refuses: refuse it here. */
static void drop_bad_legacy_sctp(struct lumen_sdp_media *om)
{
	const char *f = om->n_fmts ? om->fmts[0] : NULL;

	if (om->rtp || !f || !strcmp(f, "webrtc-datachannel"))
		return;
	for (const char *p = f; *p; p++) {
		if (!g_ascii_isdigit(*p)) {
			om->port = 0;
			om->bundle_only = false;
			return;
		}
	}
}

static bool accepted(const struct lumen_sdp_media *m)
{
	return m->port != 0 || m->bundle_only;
}

int rooms_sdp_answer_publisher(const char *offer, const struct rooms_sdp_policy *pol,
                               char **answer, struct rooms_track_desc *tracks, unsigned max_tracks,
                               unsigned *n_tracks, char **err)
{
	GArray *audio = g_array_new(FALSE, FALSE, sizeof(struct lumen_sdp_codec_cap));
	GArray *video = g_array_new(FALSE, FALSE, sizeof(struct lumen_sdp_codec_cap));
	struct lumen_sdp *sdp = NULL, *ans = NULL;
	struct lumen_sdp_error perr = {0};
	struct lumen_sdp_caps caps;
	GString *why = g_string_new(NULL);
	unsigned n = 0;
	size_t len;
	int rc;

	*answer = NULL;
	*n_tracks = 0;
	if (!offer || !pol) {
		set_err(err, "no offer");
		rc = -EINVAL;
		goto fail;
	}
	len = strnlen(offer, ROOMS_SDP_MAX_SIZE + 1);
	if (len > ROOMS_SDP_MAX_SIZE) {
		set_err(err, "offer larger than %d KiB", ROOMS_SDP_MAX_SIZE / 1024);
		rc = -E2BIG;
		goto fail;
	}
	rc = caps_from_list(pol->audio_codecs, false, audio, err);
	if (!rc)
		rc = caps_from_list(pol->video_codecs, true, video, err);
	if (rc)
		goto fail;
	rc = lumen_sdp_parse(offer, len, &sdp, &perr);
	if (rc) {
		set_err(err, "malformed offer: %s", perr.msg);
		goto fail;
	}
	memset(&caps, 0, sizeof(caps));
	caps.audio = (const struct lumen_sdp_codec_cap *)(void *)audio->data;
	caps.n_audio = audio->len;
	caps.video = (const struct lumen_sdp_codec_cap *)(void *)video->data;
	caps.n_video = video->len;
	caps.extmaps = publisher_exts;
	caps.n_extmaps = G_N_ELEMENTS(publisher_exts);
	caps.audio_dir = caps.video_dir = LUMEN_SDP_DIR_RECVONLY;
	caps.simulcast = pol->simulcast;
	caps.datachannel = pol->data;
	caps.max_message_size = 262144;
	for (unsigned i = 0; i < sdp->n_media; i++)
		drop_bad_legacy_sctp(&sdp->media[i]);

	for (unsigned pass = 0; pass < 2; pass++) {
		lumen_sdp_free(ans);
		ans = NULL;
		rc = lumen_sdp_answer_build(sdp, &caps, &ans, &perr);
		if (rc == -ENOENT) {
			for (unsigned i = 0; i < sdp->n_media; i++)
				explain_reject(why, i, &sdp->media[i], pol);
			set_err(err, "nothing acceptable in the offer: %s",
			        why->len ? why->str : "no m-line");
			goto fail;
		} else if (rc) {
			set_err(err, "bad offer: %s", perr.msg);
			goto fail;
		}
		if (pass)
			break;
		/* Cut the offer down to the codec we take (and its RTX) on each m-line. */
		for (unsigned i = 0; i < ans->n_media; i++) {
			struct lumen_sdp_media *am = &ans->media[i], *om = &sdp->media[i];
			const struct lumen_sdp_codec *rtx;

			if (!am->rtp || !accepted(am) || !am->n_codecs)
				continue;
			rtx = lumen_sdp_find_rtx(om, am->codecs[0].pt);
			keep_codecs(om, am->codecs[0].pt, rtx ? (int)rtx->pt : -1);
			trim_simulcast(om);
		}
	}

	for (unsigned i = 0; i < ans->n_media; i++) {
		if (!accepted(&ans->media[i]))
			continue;
		if (n >= max_tracks) {
			set_err(err, "offer has more than %u m-lines to publish", max_tracks);
			rc = -E2BIG;
			goto fail;
		}
		rc = describe(&tracks[n], &ans->media[i], &sdp->media[i], pol, err);
		if (rc)
			goto fail;
		n++;
	}
	*answer = to_malloc(lumen_sdp_write(ans, NULL));
	*n_tracks = n;
	rc = 0;
fail:
	lumen_sdp_free(ans);
	lumen_sdp_free(sdp);
	g_array_free(audio, TRUE);
	g_array_free(video, TRUE);
	g_string_free(why, TRUE);
	return rc;
}

/* ---- offer to a subscriber ---- */

static void add_codec(struct lumen_sdp_media *m, const struct rooms_codec *rc, bool video)
{
	static const char *const video_fb[] = {"nack", "nack pli", "ccm fir", "goog-remb"};
	struct lumen_sdp_codec *c;

	m->codecs = g_renew(struct lumen_sdp_codec, m->codecs, m->n_codecs + 1);
	c = &m->codecs[m->n_codecs++];
	memset(c, 0, sizeof(*c));
	c->pt = rc->pt;
	c->apt = c->minptime = c->useinbandfec = c->stereo = -1;
	c->profile_id = c->packetization_mode = c->level_asymmetry_allowed = -1;
	c->profile_level_id = -1;
	c->name = g_strdup(rc->name);
	c->clock = rc->clock;
	c->channels = rc->channels;
	/* The fmtp came from a parsed offer; a bad value only leaves the typed fields unset,
	 * which the writer does not use. */
	if (rc->fmtp[0] && lumen_sdp_codec_set_fmtp(c, rc->fmtp))
		c->fmtp = g_strdup(rc->fmtp);
	if (!video)
		return;
	c->fb = g_new0(char *, G_N_ELEMENTS(video_fb));
	for (size_t i = 0; i < G_N_ELEMENTS(video_fb); i++)
		c->fb[c->n_fb++] = g_strdup(video_fb[i]);
}

static void add_extmap(struct lumen_sdp_media *m, unsigned id, const char *uri)
{
	struct lumen_sdp_extmap *e;

	m->extmaps = g_renew(struct lumen_sdp_extmap, m->extmaps, m->n_extmaps + 1);
	e = &m->extmaps[m->n_extmaps++];
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->uri = g_strdup(uri);
}

static void add_ssrc(struct lumen_sdp_media *m, uint32_t ssrc, const char *attr, char *value)
{
	struct lumen_sdp_ssrc *x;

	m->ssrcs = g_renew(struct lumen_sdp_ssrc, m->ssrcs, m->n_ssrcs + 1);
	x = &m->ssrcs[m->n_ssrcs++];
	x->ssrc = ssrc;
	x->attr = g_strdup(attr);
	x->value = value; /* taken */
}

static bool valid_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int check_streams(const struct rooms_offer_stream *streams, unsigned n, char **err)
{
	if (!streams || n == 0) {
		set_err(err, "offer without streams");
		return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct rooms_offer_stream *s = &streams[i];

		if (!memchr(s->mid, '\0', sizeof(s->mid)) || !valid_token(s->mid)) {
			set_err(err, "stream %u: empty or invalid mid", i);
			return -EINVAL;
		}
		for (unsigned j = 0; j < i; j++) {
			if (!strcmp(streams[j].mid, s->mid)) {
				set_err(err, "stream %u: mid %s repeated", i, s->mid);
				return -EINVAL;
			}
		}
		if (s->kind != LUMEN_MEDIA_DATA &&
		    (!memchr(s->codec.name, '\0', sizeof(s->codec.name)) ||
		     !valid_token(s->codec.name) || s->codec.pt > 127 || !s->codec.clock)) {
			set_err(err, "stream %u (mid %s): no codec", i, s->mid);
			return -EINVAL;
		}
		if (!memchr(s->codec.fmtp, '\0', sizeof(s->codec.fmtp)) ||
		    strpbrk(s->codec.fmtp, "\r\n") ||
		    !memchr(s->msid_stream, '\0', sizeof(s->msid_stream)) ||
		    !memchr(s->msid_track, '\0', sizeof(s->msid_track)) ||
		    !memchr(s->cname, '\0', sizeof(s->cname)) ||
		    (s->msid_stream[0] && !valid_token(s->msid_stream)) ||
		    (s->msid_track[0] && !valid_token(s->msid_track)) ||
		    (s->cname[0] && !valid_token(s->cname))) {
			set_err(err, "stream %u (mid %s): bad fmtp, msid or cname", i, s->mid);
			return -EINVAL;
		}
	}
	return 0;
}

static void offer_rtp(struct lumen_sdp_media *m, const struct rooms_offer_stream *s)
{
	bool video = s->kind == LUMEN_MEDIA_VIDEO;
	char *stream, *track;

	m->dir = s->active ? LUMEN_SDP_DIR_SENDONLY : LUMEN_SDP_DIR_INACTIVE;
	m->rtcp_mux = true;
	m->rtcp_rsize = true;
	add_codec(m, &s->codec, video);
	if (!video)
		add_extmap(m, ROOMS_EXT_AUDIO_LEVEL, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
	add_extmap(m, ROOMS_EXT_ABS_SEND_TIME,
	           "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time");
	if (video) {
		add_extmap(m, ROOMS_EXT_VIDEO_ORIENT, "urn:3gpp:video-orientation");
		add_extmap(m, ROOMS_EXT_PLAYOUT_DELAY,
		           "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay");
	}
	if (!s->active)
		return;
	stream = s->msid_stream[0] ? g_strdup(s->msid_stream) : g_strdup_printf("lumen-%s", s->mid);
	track = s->msid_track[0] ? g_strdup(s->msid_track) : g_strdup_printf("track-%s", s->mid);
	m->msids = g_new0(struct lumen_sdp_msid, 1);
	m->n_msids = 1;
	m->msids[0].stream = stream;
	m->msids[0].track = track;
	if (s->ssrc) {
		add_ssrc(m, s->ssrc, "cname", g_strdup(s->cname[0] ? s->cname : "lumen"));
		add_ssrc(m, s->ssrc, "msid", g_strdup_printf("%s %s", stream, track));
	}
}

char *rooms_sdp_offer_subscriber(const struct rooms_offer_stream *streams, unsigned n, char **err)
{
	struct lumen_sdp *sdp;
	struct lumen_sdp_group *bundle;

	if (check_streams(streams, n, err))
		return NULL;
	sdp = lumen_sdp_new();
	lumen_sdp_stamp_origin(sdp, "-", 0, 0, "127.0.0.1");
	sdp->name = g_strdup("-");
	sdp->timing = g_strdup("0 0");
	sdp->msid_semantic = g_strdup("WMS *");
	bundle = g_new0(struct lumen_sdp_group, 1);
	bundle->semantics = g_strdup("BUNDLE");
	bundle->ids = g_new0(char *, n);
	for (unsigned i = 0; i < n; i++) {
		const struct rooms_offer_stream *s = &streams[i];
		struct lumen_sdp_media *m;

		if (s->kind == LUMEN_MEDIA_DATA) {
			m = lumen_sdp_add_media(sdp, "application", "UDP/DTLS/SCTP");
			m->fmts = g_new0(char *, 1);
			m->fmts[m->n_fmts++] = g_strdup("webrtc-datachannel");
			m->sctp_port = 5000;
		} else {
			m = lumen_sdp_add_media(sdp, s->kind == LUMEN_MEDIA_AUDIO ? "audio" : "video",
			                        "UDP/TLS/RTP/SAVPF");
		}
		m->port = s->active ? 9 : 0;
		m->connection = g_strdup("IN IP4 0.0.0.0");
		m->mid = g_strdup(s->mid);
		if (m->rtp)
			offer_rtp(m, s);
		else if (!s->active)
			m->dir = LUMEN_SDP_DIR_INACTIVE;
		if (s->active)
			bundle->ids[bundle->n++] = g_strdup(s->mid);
	}
	if (bundle->n) {
		sdp->groups = bundle;
		sdp->n_groups = 1;
	} else {
		g_free(bundle->semantics);
		g_free(bundle->ids);
		g_free(bundle);
	}
	char *text = to_malloc(lumen_sdp_write(sdp, NULL));

	lumen_sdp_free(sdp);
	return text;
}

/* ---- a subscriber's answer ---- */

static int parse_answer(const char *answer, struct lumen_sdp **out, char **err)
{
	struct lumen_sdp_error perr = {0};
	size_t len;

	*out = NULL;
	if (!answer) {
		set_err(err, "no answer");
		return -EINVAL;
	}
	len = strnlen(answer, ROOMS_SDP_MAX_SIZE + 1);
	if (len > ROOMS_SDP_MAX_SIZE) {
		set_err(err, "answer larger than %d KiB", ROOMS_SDP_MAX_SIZE / 1024);
		return -EINVAL;
	}
	if (lumen_sdp_parse(answer, len, out, &perr)) {
		set_err(err, "malformed answer: %s", perr.msg);
		return -EINVAL;
	}
	return 0;
}

/* m is the answer's i-th m-line to an active stream: accepted, receiving or inactive. */
static int check_accepted(const struct lumen_sdp_media *m, unsigned i, char **err)
{
	const char *type = m->type ? m->type : "?";

	if (m->port == 0 && !m->bundle_only) {
		set_err(err, "answer rejects m-line %u (%s, mid %s)", i, type, m->mid ? m->mid : "?");
		return -EINVAL;
	}
	if (m->rtp && m->dir != LUMEN_SDP_DIR_RECVONLY && m->dir != LUMEN_SDP_DIR_INACTIVE) {
		set_err(err, "answer m-line %u (%s, mid %s) is %s, not recvonly", i, type,
		        m->mid ? m->mid : "?", lumen_sdp_dir_name(m->dir));
		return -EINVAL;
	}
	return 0;
}

int rooms_sdp_check_answer(const char *answer, char **err)
{
	struct lumen_sdp *sdp;
	int rc = parse_answer(answer, &sdp, err);

	if (rc)
		return rc;
	if (!sdp->n_media) {
		set_err(err, "answer has no m-line");
		rc = -EINVAL;
	}
	for (unsigned i = 0; i < sdp->n_media && !rc; i++)
		rc = check_accepted(&sdp->media[i], i, err);
	lumen_sdp_free(sdp);
	return rc;
}

int rooms_sdp_check_answer_streams(const char *answer, const struct rooms_offer_stream *streams,
                                   unsigned n, char **err)
{
	struct lumen_sdp *sdp;
	int rc = parse_answer(answer, &sdp, err);

	if (rc)
		return rc;
	if (sdp->n_media != n) {
		set_err(err, "answer has %u m-lines, the offer %u", sdp->n_media, n);
		rc = -EINVAL;
	}
	for (unsigned i = 0; i < n && !rc; i++) {
		const struct lumen_sdp_media *m = &sdp->media[i];

		if (!m->mid || strcmp(m->mid, streams[i].mid)) {
			set_err(err, "answer m-line %u has mid %s, the offer %s", i,
			        m->mid ? m->mid : "(none)", streams[i].mid);
			rc = -EINVAL;
		} else if (streams[i].active) {
			rc = check_accepted(m, i, err);
		}
	}
	lumen_sdp_free(sdp);
	return rc;
}
