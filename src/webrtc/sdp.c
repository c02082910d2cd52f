/* sdp.c -- the SDP model: construction, freeing, deep equality, lookups and name tables.
 *
 * Parsing is in sdp_parse.c and sdp_attr.c, writing in sdp_write.c, candidates in sdp_candidate.c
 * and the answer builder in sdp_answer.c. Everything a struct lumen_sdp points to is GLib-allocated
 * and owned by it. Pure functions, any thread. */
#include "webrtc/sdp.h"
#include "webrtc/sdp_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

struct lumen_sdp *lumen_sdp_new(void)
{
	return g_new0(struct lumen_sdp, 1);
}

void sdp_media_init(struct lumen_sdp_media *m)
{
	memset(m, 0, sizeof(*m));
	m->sctp_port = -1;
	m->max_message_size = -1;
}

struct lumen_sdp_media *lumen_sdp_add_media(struct lumen_sdp *sdp, const char *type,
                                            const char *proto)
{
	struct lumen_sdp_media *m = SDP_GROW(sdp->media, sdp->n_media);

	sdp_media_init(m);
	m->type = g_strdup(type);
	m->proto = g_strdup(proto);
	m->rtp = proto && strstr(proto, "RTP/") != NULL;
	return m;
}

void sdp_codec_init(struct lumen_sdp_codec *c, unsigned pt)
{
	memset(c, 0, sizeof(*c));
	c->pt = pt;
	c->apt = c->minptime = c->useinbandfec = c->stereo = -1;
	c->profile_id = c->packetization_mode = c->level_asymmetry_allowed = -1;
	c->profile_level_id = -1;
}

static void free_attrs(struct lumen_sdp_attr *a, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		g_free(a[i].name);
		g_free(a[i].value);
	}
	g_free(a);
}

static void free_strv(char **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		g_free(v[i]);
	g_free(v);
}

void sdp_group_fini(struct lumen_sdp_group *g)
{
	g_free(g->semantics);
	free_strv(g->ids, g->ids ? g->n : 0);
	g_free(g->ssrcs);
}

void sdp_codec_fini(struct lumen_sdp_codec *c)
{
	g_free(c->name);
	g_free(c->fmtp);
	free_strv(c->fb, c->n_fb);
}

static void free_sim(struct lumen_sdp_sim_id *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		g_free(s[i].rid);
	g_free(s);
}

void sdp_media_fini(struct lumen_sdp_media *m)
{
	g_free(m->type);
	g_free(m->proto);
	for (unsigned i = 0; i < m->n_codecs; i++)
		sdp_codec_fini(&m->codecs[i]);
	g_free(m->codecs);
	free_strv(m->fmts, m->n_fmts);
	g_free(m->connection);
	g_free(m->rtcp);
	g_free(m->mid);
	for (unsigned i = 0; i < m->n_msids; i++) {
		g_free(m->msids[i].stream);
		g_free(m->msids[i].track);
	}
	g_free(m->msids);
	free_strv(m->fb_any, m->n_fb_any);
	for (unsigned i = 0; i < m->n_extmaps; i++) {
		g_free(m->extmaps[i].uri);
		g_free(m->extmaps[i].params);
	}
	g_free(m->extmaps);
	for (unsigned i = 0; i < m->n_ssrcs; i++) {
		g_free(m->ssrcs[i].attr);
		g_free(m->ssrcs[i].value);
	}
	g_free(m->ssrcs);
	for (unsigned i = 0; i < m->n_ssrc_groups; i++)
		sdp_group_fini(&m->ssrc_groups[i]);
	g_free(m->ssrc_groups);
	for (unsigned i = 0; i < m->n_rids; i++) {
		g_free(m->rids[i].id);
		g_free(m->rids[i].pts);
		g_free(m->rids[i].restrictions);
	}
	g_free(m->rids);
	if (m->simulcast) {
		free_sim(m->simulcast->send, m->simulcast->n_send);
		free_sim(m->simulcast->recv, m->simulcast->n_recv);
		g_free(m->simulcast);
	}
	g_free(m->ice_ufrag);
	g_free(m->ice_pwd);
	g_free(m->ice_options);
	g_free(m->candidates);
	g_free(m->fingerprint.hash);
	g_free(m->fingerprint.value);
	g_free(m->sctpmap);
	free_attrs(m->lines, m->n_lines);
	free_attrs(m->attrs, m->n_attrs);
	memset(m, 0, sizeof(*m));
}

void lumen_sdp_free(struct lumen_sdp *sdp)
{
	if (!sdp)
		return;
	g_free(sdp->origin.username);
	g_free(sdp->origin.sess_id);
	g_free(sdp->origin.nettype);
	g_free(sdp->origin.addrtype);
	g_free(sdp->origin.address);
	g_free(sdp->name);
	g_free(sdp->timing);
	g_free(sdp->connection);
	free_attrs(sdp->lines, sdp->n_lines);
	for (unsigned i = 0; i < sdp->n_groups; i++)
		sdp_group_fini(&sdp->groups[i]);
	g_free(sdp->groups);
	g_free(sdp->msid_semantic);
	g_free(sdp->ice_ufrag);
	g_free(sdp->ice_pwd);
	g_free(sdp->ice_options);
	g_free(sdp->fingerprint.hash);
	g_free(sdp->fingerprint.value);
	free_attrs(sdp->attrs, sdp->n_attrs);
	for (unsigned i = 0; i < sdp->n_media; i++)
		sdp_media_fini(&sdp->media[i]);
	g_free(sdp->media);
	g_free(sdp);
}

/* ---- equality ---- */

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool strv_eq(char *const *a, unsigned na, char *const *b, unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (!str_eq(a[i], b[i]))
			return false;
	return true;
}

static bool attrs_eq(const struct lumen_sdp_attr *a, unsigned na, const struct lumen_sdp_attr *b,
                     unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (!str_eq(a[i].name, b[i].name) || !str_eq(a[i].value, b[i].value))
			return false;
	return true;
}

static bool group_eq(const struct lumen_sdp_group *a, const struct lumen_sdp_group *b)
{
	if (!str_eq(a->semantics, b->semantics) || a->n != b->n || !a->ids != !b->ids ||
	    !a->ssrcs != !b->ssrcs)
		return false;
	if (a->ids && !strv_eq(a->ids, a->n, b->ids, b->n))
		return false;
	return !a->ssrcs || memcmp(a->ssrcs, b->ssrcs, a->n * sizeof(*a->ssrcs)) == 0;
}

static bool fp_eq(const struct lumen_sdp_fingerprint *a, const struct lumen_sdp_fingerprint *b)
{
	return str_eq(a->hash, b->hash) && str_eq(a->value, b->value);
}

static bool codec_eq(const struct lumen_sdp_codec *a, const struct lumen_sdp_codec *b)
{
	return a->pt == b->pt && str_eq(a->name, b->name) && a->clock == b->clock &&
	       a->channels == b->channels && str_eq(a->fmtp, b->fmtp) &&
	       strv_eq(a->fb, a->n_fb, b->fb, b->n_fb) && a->apt == b->apt &&
	       a->minptime == b->minptime && a->useinbandfec == b->useinbandfec &&
	       a->stereo == b->stereo && a->profile_id == b->profile_id &&
	       a->packetization_mode == b->packetization_mode &&
	       a->level_asymmetry_allowed == b->level_asymmetry_allowed &&
	       a->profile_level_id == b->profile_level_id;
}

static bool sim_eq(const struct lumen_sdp_sim_id *a, unsigned na, const struct lumen_sdp_sim_id *b,
                   unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (!str_eq(a[i].rid, b[i].rid) || a[i].paused != b[i].paused ||
		    a[i].alt != b[i].alt)
			return false;
	return true;
}

static bool cand_eq(const struct lumen_sdp_candidate *a, const struct lumen_sdp_candidate *b)
{
	if (strcmp(a->foundation, b->foundation) || a->component != b->component ||
	    strcmp(a->transport, b->transport) || a->priority != b->priority ||
	    strcmp(a->address, b->address) || a->addr_kind != b->addr_kind || a->port != b->port ||
	    a->type != b->type || strcmp(a->raddr, b->raddr) || a->rport != b->rport ||
	    strcmp(a->tcptype, b->tcptype) || a->generation != b->generation ||
	    strcmp(a->ufrag, b->ufrag) || a->network_id != b->network_id ||
	    a->network_cost != b->network_cost || a->n_ext != b->n_ext)
		return false;
	for (unsigned i = 0; i < a->n_ext; i++)
		if (strcmp(a->ext[i][0], b->ext[i][0]) || strcmp(a->ext[i][1], b->ext[i][1]))
			return false;
	return true;
}

static bool media_lists_eq(const struct lumen_sdp_media *a, const struct lumen_sdp_media *b)
{
	if (a->n_codecs != b->n_codecs || a->n_msids != b->n_msids ||
	    a->n_extmaps != b->n_extmaps || a->n_ssrcs != b->n_ssrcs ||
	    a->n_ssrc_groups != b->n_ssrc_groups || a->n_rids != b->n_rids ||
	    a->n_candidates != b->n_candidates)
		return false;
	for (unsigned i = 0; i < a->n_codecs; i++)
		if (!codec_eq(&a->codecs[i], &b->codecs[i]))
			return false;
	for (unsigned i = 0; i < a->n_msids; i++)
		if (!str_eq(a->msids[i].stream, b->msids[i].stream) ||
		    !str_eq(a->msids[i].track, b->msids[i].track))
			return false;
	for (unsigned i = 0; i < a->n_extmaps; i++)
		if (a->extmaps[i].id != b->extmaps[i].id ||
		    a->extmaps[i].dir != b->extmaps[i].dir ||
		    !str_eq(a->extmaps[i].uri, b->extmaps[i].uri) ||
		    !str_eq(a->extmaps[i].params, b->extmaps[i].params))
			return false;
	for (unsigned i = 0; i < a->n_ssrcs; i++)
		if (a->ssrcs[i].ssrc != b->ssrcs[i].ssrc ||
		    !str_eq(a->ssrcs[i].attr, b->ssrcs[i].attr) ||
		    !str_eq(a->ssrcs[i].value, b->ssrcs[i].value))
			return false;
	for (unsigned i = 0; i < a->n_ssrc_groups; i++)
		if (!group_eq(&a->ssrc_groups[i], &b->ssrc_groups[i]))
			return false;
	for (unsigned i = 0; i < a->n_rids; i++) {
		const struct lumen_sdp_rid *x = &a->rids[i], *y = &b->rids[i];

		if (!str_eq(x->id, y->id) || x->recv != y->recv || x->n_pts != y->n_pts ||
		    (x->n_pts && memcmp(x->pts, y->pts, x->n_pts * sizeof(*x->pts))) ||
		    !str_eq(x->restrictions, y->restrictions))
			return false;
	}
	for (unsigned i = 0; i < a->n_candidates; i++)
		if (!cand_eq(&a->candidates[i], &b->candidates[i]))
			return false;
	if (!a->simulcast != !b->simulcast)
		return false;
	if (a->simulcast && (!sim_eq(a->simulcast->send, a->simulcast->n_send, b->simulcast->send,
	                             b->simulcast->n_send) ||
	                     !sim_eq(a->simulcast->recv, a->simulcast->n_recv, b->simulcast->recv,
	                             b->simulcast->n_recv) ||
	                     a->simulcast->recv_first != b->simulcast->recv_first))
		return false;
	return true;
}

static bool media_eq(const struct lumen_sdp_media *a, const struct lumen_sdp_media *b)
{
	return str_eq(a->type, b->type) && a->port == b->port && a->n_ports == b->n_ports &&
	       str_eq(a->proto, b->proto) && a->rtp == b->rtp &&
	       strv_eq(a->fmts, a->n_fmts, b->fmts, b->n_fmts) &&
	       str_eq(a->connection, b->connection) && str_eq(a->rtcp, b->rtcp) &&
	       str_eq(a->mid, b->mid) && a->dir == b->dir && a->rtcp_mux == b->rtcp_mux &&
	       a->rtcp_mux_only == b->rtcp_mux_only && a->rtcp_rsize == b->rtcp_rsize &&
	       strv_eq(a->fb_any, a->n_fb_any, b->fb_any, b->n_fb_any) &&
	       str_eq(a->ice_ufrag, b->ice_ufrag) && str_eq(a->ice_pwd, b->ice_pwd) &&
	       str_eq(a->ice_options, b->ice_options) &&
	       a->end_of_candidates == b->end_of_candidates &&
	       fp_eq(&a->fingerprint, &b->fingerprint) && a->setup == b->setup &&
	       a->sctp_port == b->sctp_port && a->max_message_size == b->max_message_size &&
	       str_eq(a->sctpmap, b->sctpmap) && a->bundle_only == b->bundle_only &&
	       attrs_eq(a->lines, a->n_lines, b->lines, b->n_lines) &&
	       attrs_eq(a->attrs, a->n_attrs, b->attrs, b->n_attrs) && media_lists_eq(a, b);
}

bool lumen_sdp_equal(const struct lumen_sdp *a, const struct lumen_sdp *b)
{
	const struct lumen_sdp_origin *oa = &a->origin, *ob = &b->origin;

	if (!str_eq(oa->username, ob->username) || !str_eq(oa->sess_id, ob->sess_id) ||
	    oa->sess_version != ob->sess_version || !str_eq(oa->nettype, ob->nettype) ||
	    !str_eq(oa->addrtype, ob->addrtype) || !str_eq(oa->address, ob->address))
		return false;
	if (!str_eq(a->name, b->name) || !str_eq(a->timing, b->timing) ||
	    !str_eq(a->connection, b->connection) ||
	    !attrs_eq(a->lines, a->n_lines, b->lines, b->n_lines) || a->n_groups != b->n_groups ||
	    !str_eq(a->msid_semantic, b->msid_semantic) || a->ice_lite != b->ice_lite ||
	    !str_eq(a->ice_ufrag, b->ice_ufrag) || !str_eq(a->ice_pwd, b->ice_pwd) ||
	    !str_eq(a->ice_options, b->ice_options) || !fp_eq(&a->fingerprint, &b->fingerprint) ||
	    a->setup != b->setup || !attrs_eq(a->attrs, a->n_attrs, b->attrs, b->n_attrs) ||
	    a->n_media != b->n_media)
		return false;
	for (unsigned i = 0; i < a->n_groups; i++)
		if (!group_eq(&a->groups[i], &b->groups[i]))
			return false;
	for (unsigned i = 0; i < a->n_media; i++)
		if (!media_eq(&a->media[i], &b->media[i]))
			return false;
	return true;
}

/* ---- lookups ---- */

struct lumen_sdp_media *lumen_sdp_find_mid(const struct lumen_sdp *sdp, const char *mid)
{
	for (unsigned i = 0; i < sdp->n_media; i++)
		if (sdp->media[i].mid && mid && strcmp(sdp->media[i].mid, mid) == 0)
			return &sdp->media[i];
	return NULL;
}

struct lumen_sdp_codec *lumen_sdp_find_codec(const struct lumen_sdp_media *m, unsigned pt)
{
	for (unsigned i = 0; i < m->n_codecs; i++)
		if (m->codecs[i].pt == pt)
			return &m->codecs[i];
	return NULL;
}

struct lumen_sdp_codec *lumen_sdp_find_rtx(const struct lumen_sdp_media *m, unsigned pt)
{
	for (unsigned i = 0; i < m->n_codecs; i++) {
		const struct lumen_sdp_codec *c = &m->codecs[i];

		if (c->name && g_ascii_strcasecmp(c->name, "rtx") == 0 && c->apt == (int)pt)
			return &m->codecs[i];
	}
	return NULL;
}

unsigned lumen_sdp_find_extmap(const struct lumen_sdp_media *m, enum lumen_sdp_ext kind)
{
	for (unsigned i = 0; i < m->n_extmaps; i++)
		if (lumen_sdp_extmap_kind(m->extmaps[i].uri) == kind)
			return m->extmaps[i].id;
	return 0;
}

unsigned lumen_sdp_codec_fb(const struct lumen_sdp_media *m, const struct lumen_sdp_codec *c)
{
	unsigned flags = 0;

	for (unsigned i = 0; i < c->n_fb; i++)
		flags |= lumen_sdp_fb_flag(c->fb[i]);
	for (unsigned i = 0; i < m->n_fb_any; i++)
		flags |= lumen_sdp_fb_flag(m->fb_any[i]);
	return flags;
}

struct lumen_sdp_group *lumen_sdp_find_group(const struct lumen_sdp *sdp, const char *semantics)
{
	for (unsigned i = 0; i < sdp->n_groups; i++)
		if (g_ascii_strcasecmp(sdp->groups[i].semantics, semantics) == 0)
			return &sdp->groups[i];
	return NULL;
}

const char *lumen_sdp_media_ice_ufrag(const struct lumen_sdp *sdp, const struct lumen_sdp_media *m)
{
	return m->ice_ufrag ? m->ice_ufrag : sdp->ice_ufrag;
}

const char *lumen_sdp_media_ice_pwd(const struct lumen_sdp *sdp, const struct lumen_sdp_media *m)
{
	return m->ice_pwd ? m->ice_pwd : sdp->ice_pwd;
}

const struct lumen_sdp_fingerprint *lumen_sdp_media_fingerprint(const struct lumen_sdp *sdp,
                                                                const struct lumen_sdp_media *m)
{
	if (m->fingerprint.hash)
		return &m->fingerprint;
	return sdp->fingerprint.hash ? &sdp->fingerprint : NULL;
}

enum lumen_sdp_setup lumen_sdp_media_setup(const struct lumen_sdp *sdp,
                                           const struct lumen_sdp_media *m)
{
	return m->setup != LUMEN_SDP_SETUP_NONE ? m->setup : sdp->setup;
}

/* ---- validation shared by the parser and the stamps ---- */

bool sdp_is_fingerprint(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 3 * 64 - 1 || (n + 1) % 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (i % 3 == 2 ? s[i] != ':' : !g_ascii_isxdigit(s[i]))
			return false;
	return true;
}

/* ---- fmtp ---- */

static int fmtp_int(const char *v, long max, int *out)
{
	char *end;
	long n;

	if (!g_ascii_isdigit(v[0]))
		return -EINVAL;
	n = strtol(v, &end, 10);
	if (*end || n > max)
		return -EINVAL;
	*out = (int)n;
	return 0;
}

/* Derive the typed fields of c from fmtp into a scratch copy; only commit when all known keys
 * parse. Parameters are "key=value" pairs separated by ';' with optional blanks; other forms (red's
 * "111/111", telephone-event's "0-16") are kept as text and derive nothing. */
int sdp_fmtp_derive(struct lumen_sdp_codec *c, const char *fmtp, char *bad, size_t bad_size)
{
	struct lumen_sdp_codec t;
	char **parts;
	int rc = 0;

	sdp_codec_init(&t, c->pt);
	if (!fmtp)
		goto done;
	parts = g_strsplit(fmtp, ";", -1);
	for (unsigned i = 0; parts[i] && rc == 0; i++) {
		char *kv = g_strstrip(parts[i]), *v = strchr(kv, '=');

		if (!v)
			continue;
		*v++ = '\0';
		g_strstrip(kv);
		v = g_strstrip(v);
		if (!g_ascii_strcasecmp(kv, "apt"))
			rc = fmtp_int(v, 127, &t.apt);
		else if (!g_ascii_strcasecmp(kv, "minptime"))
			rc = fmtp_int(v, 10000, &t.minptime);
		else if (!g_ascii_strcasecmp(kv, "useinbandfec"))
			rc = fmtp_int(v, 1, &t.useinbandfec);
		else if (!g_ascii_strcasecmp(kv, "stereo"))
			rc = fmtp_int(v, 1, &t.stereo);
		else if (!g_ascii_strcasecmp(kv, "profile-id"))
			rc = fmtp_int(v, 255, &t.profile_id);
		else if (!g_ascii_strcasecmp(kv, "packetization-mode"))
			rc = fmtp_int(v, 2, &t.packetization_mode);
		else if (!g_ascii_strcasecmp(kv, "level-asymmetry-allowed"))
			rc = fmtp_int(v, 1, &t.level_asymmetry_allowed);
		else if (!g_ascii_strcasecmp(kv, "profile-level-id")) {
			/* Exactly six hex digits (RFC 6184); strtol alone would take "0x12" or
			 * "-1". */
			bool hex = strlen(v) == 6;

			for (int k = 0; hex && k < 6; k++)
				hex = g_ascii_isxdigit(v[k]);
			t.profile_level_id = hex ? strtol(v, NULL, 16) : -1;
			if (!hex)
				rc = -EINVAL;
		}
		if (rc && bad)
			g_strlcpy(bad, kv, bad_size);
	}
	g_strfreev(parts);
	if (rc)
		return rc;
done:
	c->apt = t.apt;
	c->minptime = t.minptime;
	c->useinbandfec = t.useinbandfec;
	c->stereo = t.stereo;
	c->profile_id = t.profile_id;
	c->packetization_mode = t.packetization_mode;
	c->level_asymmetry_allowed = t.level_asymmetry_allowed;
	c->profile_level_id = t.profile_level_id;
	return 0;
}

int lumen_sdp_codec_set_fmtp(struct lumen_sdp_codec *c, const char *fmtp)
{
	int rc = sdp_fmtp_derive(c, fmtp, NULL, 0);

	if (rc)
		return rc;
	g_free(c->fmtp);
	c->fmtp = g_strdup(fmtp);
	return 0;
}

/* ---- names ---- */

unsigned lumen_sdp_fb_flag(const char *fb)
{
	static const struct {
		const char *name;
		unsigned flag;
	} fbs[] = {
	    {"nack", LUMEN_SDP_FB_NACK},
	    {"nack pli", LUMEN_SDP_FB_PLI},
	    {"ccm fir", LUMEN_SDP_FB_FIR},
	    {"goog-remb", LUMEN_SDP_FB_REMB},
	    {"transport-cc", LUMEN_SDP_FB_TRANSPORT_CC},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(fbs); i++)
		if (g_ascii_strcasecmp(fb, fbs[i].name) == 0)
			return fbs[i].flag;
	return 0;
}

enum lumen_sdp_ext lumen_sdp_extmap_kind(const char *uri)
{
	static const struct {
		const char *uri;
		enum lumen_sdp_ext kind;
	} exts[] = {
	    {"urn:ietf:params:rtp-hdrext:sdes:mid", LUMEN_SDP_EXT_MID},
	    {"urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", LUMEN_SDP_EXT_RID},
	    {"urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id", LUMEN_SDP_EXT_REPAIRED_RID},
	    {"http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
	     LUMEN_SDP_EXT_ABS_SEND_TIME},
	    {"http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
	     LUMEN_SDP_EXT_TRANSPORT_CC},
	    {"urn:ietf:params:rtp-hdrext:ssrc-audio-level", LUMEN_SDP_EXT_AUDIO_LEVEL},
	    {"urn:3gpp:video-orientation", LUMEN_SDP_EXT_VIDEO_ORIENTATION},
	    {"http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
	     LUMEN_SDP_EXT_PLAYOUT_DELAY},
	    {"https://aomediacodec.github.io/av1-rtp-spec/"
	     "#dependency-descriptor-rtp-header-extension",
	     LUMEN_SDP_EXT_DEPENDENCY_DESCRIPTOR},
	    {"urn:ietf:params:rtp-hdrext:toffset", LUMEN_SDP_EXT_TOFFSET},
	};

	if (!uri)
		return LUMEN_SDP_EXT_UNKNOWN;
	for (size_t i = 0; i < G_N_ELEMENTS(exts); i++)
		if (strcmp(uri, exts[i].uri) == 0)
			return exts[i].kind;
	return LUMEN_SDP_EXT_UNKNOWN;
}

const char *lumen_sdp_dir_name(enum lumen_sdp_dir dir)
{
	switch (dir) {
	case LUMEN_SDP_DIR_SENDONLY:
		return "sendonly";
	case LUMEN_SDP_DIR_RECVONLY:
		return "recvonly";
	case LUMEN_SDP_DIR_INACTIVE:
		return "inactive";
	case LUMEN_SDP_DIR_NONE:
	case LUMEN_SDP_DIR_SENDRECV:
		break;
	}
	return "sendrecv";
}

enum lumen_sdp_dir lumen_sdp_dir_reverse(enum lumen_sdp_dir dir)
{
	switch (dir) {
	case LUMEN_SDP_DIR_SENDONLY:
		return LUMEN_SDP_DIR_RECVONLY;
	case LUMEN_SDP_DIR_RECVONLY:
		return LUMEN_SDP_DIR_SENDONLY;
	case LUMEN_SDP_DIR_INACTIVE:
		return LUMEN_SDP_DIR_INACTIVE;
	case LUMEN_SDP_DIR_NONE:
	case LUMEN_SDP_DIR_SENDRECV:
		break;
	}
	return LUMEN_SDP_DIR_SENDRECV;
}

const char *lumen_sdp_setup_name(enum lumen_sdp_setup setup)
{
	switch (setup) {
	case LUMEN_SDP_SETUP_ACTPASS:
		return "actpass";
	case LUMEN_SDP_SETUP_ACTIVE:
		return "active";
	case LUMEN_SDP_SETUP_PASSIVE:
		return "passive";
	case LUMEN_SDP_SETUP_HOLDCONN:
		return "holdconn";
	case LUMEN_SDP_SETUP_NONE:
		break;
	}
	return NULL;
}
