/* sdp_attr.c -- the a= attribute handlers of the SDP parser, one function per attribute, dispatched
 * through a table by name and level (session or media).
 *
 * Known attributes fill the model; unknown ones, and known ones naming a payload type the m-line
 * does not list, are kept verbatim (KEEP). Each handler gets the value after the colon (NULL for a
 * flag), may split it in place, and reports faults through sdp_fail(). Pure, no I/O. */
#include "webrtc/sdp.h"
#include "webrtc/sdp_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

enum { KEEP = 1 }; /* handler result: store the attribute as an unknown one */

/* A token: printable, no blanks (RFC 8866 token-char is stricter; peers are not). */
static bool is_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s == ' ' || *s == '\t')
			return false;
	return true;
}

static bool is_rid(const char *s)
{
	if (!s || !*s || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

static void add_attr(struct lumen_sdp_attr **arr, unsigned *n, const char *name, const char *value)
{
	struct lumen_sdp_attr *a = SDP_GROW(*arr, *n);

	a->name = g_strdup(name);
	a->value = g_strdup(value);
}

/* ---- session attributes ---- */

static int set_str(struct sdp_ctx *c, char **field, const char *v, bool need)
{
	if (*field)
		return sdp_fail(c, "duplicate");
	if (need && !v)
		return sdp_fail(c, "missing value");
	*field = g_strdup(v);
	return 0;
}

static int flag(struct sdp_ctx *c, const char *v)
{
	return v ? sdp_fail(c, "takes no value") : 0;
}

static int a_group(struct sdp_ctx *c, char *v)
{
	struct lumen_sdp_group *g;
	char *sem = sdp_tok(&v), *id;

	if (!sem)
		return sdp_fail(c, "missing semantics");
	if (c->sdp->n_groups >= 8)
		return sdp_fail(c, "too many groups");
	g = SDP_GROW(c->sdp->groups, c->sdp->n_groups);
	g->semantics = g_strdup(sem);
	g->ids = g_new0(char *, 1);
	while ((id = sdp_tok(&v))) {
		if (g->n >= LUMEN_SDP_MAX_GROUP)
			return sdp_fail(c, "too many ids");
		g->ids = g_renew(char *, g->ids, g->n + 1);
		g->ids[g->n++] = g_strdup(id);
	}
	return 0;
}

static int a_msid_semantic(struct sdp_ctx *c, char *v)
{
	char *r = sdp_rest(&v);

	return set_str(c, &c->sdp->msid_semantic, r, true);
}

static int a_ice_lite(struct sdp_ctx *c, char *v)
{
	c->sdp->ice_lite = true;
	return flag(c, v);
}

static int ice_str(struct sdp_ctx *c, char **field, char *v)
{
	if (!v || !sdp_ice_chars(v, 1, 256))
		return sdp_fail(c, "bad value");
	return set_str(c, field, v, true);
}

static int a_ice_ufrag(struct sdp_ctx *c, char *v)
{
	return ice_str(c, c->m ? &c->m->ice_ufrag : &c->sdp->ice_ufrag, v);
}

static int a_ice_pwd(struct sdp_ctx *c, char *v)
{
	return ice_str(c, c->m ? &c->m->ice_pwd : &c->sdp->ice_pwd, v);
}

static int a_ice_options(struct sdp_ctx *c, char *v)
{
	char *r = v ? sdp_rest(&v) : NULL;

	return set_str(c, c->m ? &c->m->ice_options : &c->sdp->ice_options, r, true);
}

static int a_fingerprint(struct sdp_ctx *c, char *v)
{
	struct lumen_sdp_fingerprint *fp = c->m ? &c->m->fingerprint : &c->sdp->fingerprint;
	char *hash = v ? sdp_tok(&v) : NULL, *value = hash ? sdp_tok(&v) : NULL;

	if (fp->hash)
		return KEEP; /* RFC 8122 allows several; the first one is modelled */
	if (!hash || !value || sdp_tok(&v) || strlen(hash) > 16)
		return sdp_fail(c, "expected '<hash> <hex>'");
	if (!sdp_is_fingerprint(value))
		return sdp_fail(c, "bad fingerprint");
	fp->hash = g_strdup(hash);
	fp->value = g_strdup(value);
	return 0;
}

static int a_setup(struct sdp_ctx *c, char *v)
{
	enum lumen_sdp_setup *s = c->m ? &c->m->setup : &c->sdp->setup;
	enum lumen_sdp_setup i;

	if (*s)
		return sdp_fail(c, "duplicate");
	for (i = LUMEN_SDP_SETUP_ACTPASS; i <= LUMEN_SDP_SETUP_HOLDCONN; i++)
		if (v && !strcmp(v, lumen_sdp_setup_name(i)))
			break;
	if (i > LUMEN_SDP_SETUP_HOLDCONN)
		return sdp_fail(c, "bad role");
	*s = i;
	return 0;
}

/* ---- media attributes ---- */

static int a_mid(struct sdp_ctx *c, char *v)
{
	if (!is_token(v) || strlen(v) > 255)
		return sdp_fail(c, "bad mid");
	for (unsigned i = 0; i + 1 < c->sdp->n_media; i++)
		if (c->sdp->media[i].mid && !strcmp(c->sdp->media[i].mid, v))
			return sdp_fail(c, "mid '%s' already used", v);
	return set_str(c, &c->m->mid, v, true);
}

static int set_dir(struct sdp_ctx *c, char *v, enum lumen_sdp_dir dir)
{
	if (c->m->dir)
		return sdp_fail(c, "conflicting direction");
	c->m->dir = dir;
	return flag(c, v);
}

static int a_sendrecv(struct sdp_ctx *c, char *v)
{
	return set_dir(c, v, LUMEN_SDP_DIR_SENDRECV);
}

static int a_sendonly(struct sdp_ctx *c, char *v)
{
	return set_dir(c, v, LUMEN_SDP_DIR_SENDONLY);
}

static int a_recvonly(struct sdp_ctx *c, char *v)
{
	return set_dir(c, v, LUMEN_SDP_DIR_RECVONLY);
}

static int a_inactive(struct sdp_ctx *c, char *v)
{
	return set_dir(c, v, LUMEN_SDP_DIR_INACTIVE);
}

static int a_msid(struct sdp_ctx *c, char *v)
{
	char *stream = v ? sdp_tok(&v) : NULL, *track = stream ? sdp_tok(&v) : NULL;
	struct lumen_sdp_msid *ms;

	if (!stream || sdp_tok(&v))
		return sdp_fail(c, "expected '<stream> [<track>]'");
	if (c->m->n_msids >= 16)
		return sdp_fail(c, "too many msids");
	ms = SDP_GROW(c->m->msids, c->m->n_msids);
	ms->stream = g_strdup(stream);
	ms->track = g_strdup(track);
	return 0;
}

static int a_ssrc(struct sdp_ctx *c, char *v)
{
	char *id = v ? sdp_tok(&v) : NULL, *attr = id ? sdp_rest(&v) : NULL, *val;
	struct lumen_sdp_ssrc *s;
	unsigned ssrc;

	if (!sdp_parse_uint(id, UINT32_MAX, &ssrc))
		return sdp_fail(c, "bad ssrc");
	if (!attr)
		return sdp_fail(c, "missing attribute");
	val = strchr(attr, ':');
	if (val)
		*val++ = '\0';
	if (!is_token(attr))
		return sdp_fail(c, "bad attribute");
	s = SDP_GROW(c->m->ssrcs, c->m->n_ssrcs);
	s->ssrc = ssrc;
	s->attr = g_strdup(attr);
	s->value = g_strdup(val);
	return 0;
}

static int a_ssrc_group(struct sdp_ctx *c, char *v)
{
	char *sem = v ? sdp_tok(&v) : NULL, *id;
	struct lumen_sdp_group *g;

	if (!sem)
		return sdp_fail(c, "missing semantics");
	if (c->m->n_ssrc_groups >= 16)
		return sdp_fail(c, "too many ssrc-groups");
	g = SDP_GROW(c->m->ssrc_groups, c->m->n_ssrc_groups);
	g->semantics = g_strdup(sem);
	g->ssrcs = g_new0(uint32_t, 1);
	while ((id = sdp_tok(&v))) {
		unsigned ssrc;

		if (!sdp_parse_uint(id, UINT32_MAX, &ssrc))
			return sdp_fail(c, "bad ssrc");
		if (g->n >= LUMEN_SDP_MAX_GROUP)
			return sdp_fail(c, "too many ssrcs");
		g->ssrcs = g_renew(uint32_t, g->ssrcs, g->n + 1);
		g->ssrcs[g->n++] = ssrc;
	}
	if (g->n == 0)
		return sdp_fail(c, "no ssrcs");
	return 0;
}

static int rid_params(struct sdp_ctx *c, struct lumen_sdp_rid *r, char *params)
{
	GString *other = g_string_new(NULL);
	char **parts = g_strsplit(params, ";", -1);
	int rc = 0;

	for (unsigned i = 0; parts[i] && rc == 0; i++) {
		char *p = g_strstrip(parts[i]);

		if (!*p) {
			rc = sdp_fail(c, "empty restriction");
		} else if (!strncmp(p, "pt=", 3)) {
			char **pts = g_strsplit(p + 3, ",", -1);

			for (unsigned j = 0; pts[j] && rc == 0; j++) {
				unsigned pt;

				if (r->n_pts >= LUMEN_SDP_MAX_CODECS ||
				    !sdp_parse_uint(g_strstrip(pts[j]), 127, &pt))
					rc = sdp_fail(c, "bad pt list");
				else
					SDP_GROW(r->pts, r->n_pts)[0] = pt;
			}
			g_strfreev(pts);
		} else if (strchr(p, ' ') || strchr(p, '\t')) {
			rc = sdp_fail(c, "bad restriction");
		} else {
			g_string_append_printf(other, "%s%s", other->len ? ";" : "", p);
		}
	}
	g_strfreev(parts);
	if (rc == 0 && other->len)
		r->restrictions = g_strdup(other->str);
	g_string_free(other, TRUE);
	return rc;
}

static int a_rid(struct sdp_ctx *c, char *v)
{
	char *id = v ? sdp_tok(&v) : NULL, *dir = id ? sdp_tok(&v) : NULL,
	     *params = dir ? sdp_rest(&v) : NULL;
	struct lumen_sdp_rid *r;

	if (!is_rid(id))
		return sdp_fail(c, "bad rid");
	if (!dir || (strcmp(dir, "send") && strcmp(dir, "recv")))
		return sdp_fail(c, "expected send or recv");
	for (unsigned i = 0; i < c->m->n_rids; i++)
		if (!strcmp(c->m->rids[i].id, id))
			return sdp_fail(c, "duplicate rid '%s'", id);
	if (c->m->n_rids >= LUMEN_SDP_MAX_RIDS)
		return sdp_fail(c, "too many rids");
	r = SDP_GROW(c->m->rids, c->m->n_rids);
	r->id = g_strdup(id);
	r->recv = dir[0] == 'r';
	return params ? rid_params(c, r, params) : 0;
}

static int sim_list(struct sdp_ctx *c, char *list, struct lumen_sdp_sim_id **ids, unsigned *n)
{
	char **streams = g_strsplit(list, ";", -1);
	int rc = 0;

	for (unsigned i = 0; streams[i] && rc == 0; i++) {
		char **alts = g_strsplit(streams[i], ",", -1);

		if (!alts[0])
			rc = sdp_fail(c, "bad rid in list");

		for (unsigned j = 0; alts[j] && rc == 0; j++) {
			char *id = alts[j];
			bool paused = id[0] == '~';
			struct lumen_sdp_sim_id *s;

			if (paused)
				id++;
			if (!is_rid(id)) {
				rc = sdp_fail(c, "bad rid in list");
			} else if (*n >= LUMEN_SDP_MAX_RIDS) {
				rc = sdp_fail(c, "too many rids");
			} else {
				s = SDP_GROW(*ids, *n);
				s->rid = g_strdup(id);
				s->paused = paused;
				s->alt = j > 0;
			}
		}
		g_strfreev(alts);
	}
	g_strfreev(streams);
	return rc;
}

static int a_simulcast(struct sdp_ctx *c, char *v)
{
	struct lumen_sdp_simulcast *sc;
	char *dir;
	unsigned k = 0;

	if (c->m->simulcast)
		return sdp_fail(c, "duplicate");
	sc = c->m->simulcast = g_new0(struct lumen_sdp_simulcast, 1);
	while (v && (dir = sdp_tok(&v))) {
		char *list = sdp_tok(&v);
		int rc;

		if (!list)
			return sdp_fail(c, "missing rid list");
		if (!strcmp(dir, "send") && !sc->n_send)
			rc = sim_list(c, list, &sc->send, &sc->n_send);
		else if (!strcmp(dir, "recv") && !sc->n_recv)
			rc = sim_list(c, list, &sc->recv, &sc->n_recv);
		else
			return sdp_fail(c, "expected send or recv");
		if (rc)
			return rc;
		if (k++ == 0)
			sc->recv_first = dir[0] == 'r';
	}
	if (k == 0)
		return sdp_fail(c, "empty");
	if (!sc->n_send || !sc->n_recv)
		sc->recv_first = false; /* the order only matters with both directions */
	return 0;
}

static int a_rtcp_mux(struct sdp_ctx *c, char *v)
{
	c->m->rtcp_mux = true;
	return flag(c, v);
}

static int a_rtcp_mux_only(struct sdp_ctx *c, char *v)
{
	c->m->rtcp_mux_only = true;
	return flag(c, v);
}

static int a_rtcp_rsize(struct sdp_ctx *c, char *v)
{
	c->m->rtcp_rsize = true;
	return flag(c, v);
}

static int a_bundle_only(struct sdp_ctx *c, char *v)
{
	c->m->bundle_only = true;
	return flag(c, v);
}

static int a_end_of_candidates(struct sdp_ctx *c, char *v)
{
	c->m->end_of_candidates = true;
	return flag(c, v);
}

static int a_rtcp(struct sdp_ctx *c, char *v)
{
	char *r = v ? sdp_rest(&v) : NULL, *copy = g_strdup(r), *p = copy,
	     *port = r ? sdp_tok(&p) : NULL;
	unsigned n;
	bool ok = sdp_parse_uint(port, 65535, &n);

	g_free(copy);
	if (!ok)
		return sdp_fail(c, "bad port");
	return set_str(c, &c->m->rtcp, r, true);
}

/* The codec a pt-keyed attribute names (first token of *v), or NULL with *rc = KEEP when the m-line
 * does not list it (or is not RTP), or NULL with *rc = -EINVAL for a malformed pt. */
static struct lumen_sdp_codec *codec_of(struct sdp_ctx *c, char **v, int *rc)
{
	char *pt = *v ? sdp_tok(v) : NULL;
	struct lumen_sdp_codec *codec;
	unsigned n;

	*rc = 0;
	if (!sdp_parse_uint(pt, 127, &n)) {
		*rc = c->m->rtp ? sdp_fail(c, "bad payload type") : KEEP;
		return NULL;
	}
	codec = c->m->rtp ? lumen_sdp_find_codec(c->m, n) : NULL;
	if (!codec)
		*rc = KEEP;
	return codec;
}

static int a_rtpmap(struct sdp_ctx *c, char *v)
{
	int rc;
	struct lumen_sdp_codec *codec = codec_of(c, &v, &rc);
	char *enc, *name, *clock, *ch;
	unsigned clk, chans = 0;

	if (!codec)
		return rc;
	if (codec->name)
		return sdp_fail(c, "duplicate for payload type %u", codec->pt);
	enc = sdp_tok(&v);
	if (!enc || sdp_tok(&v))
		return sdp_fail(c, "expected '<pt> <name>/<clock>[/<channels>]'");
	name = enc;
	clock = strchr(enc, '/');
	if (!clock || clock == name)
		return sdp_fail(c, "bad encoding");
	*clock++ = '\0';
	ch = strchr(clock, '/');
	if (ch)
		*ch++ = '\0';
	if (!sdp_parse_uint(clock, UINT32_MAX, &clk) || clk == 0)
		return sdp_fail(c, "bad clock rate");
	if (ch && (!sdp_parse_uint(ch, 255, &chans) || chans == 0))
		return sdp_fail(c, "bad channels");
	codec->name = g_strdup(name);
	codec->clock = clk;
	codec->channels = chans;
	return 0;
}

static int a_fmtp(struct sdp_ctx *c, char *v)
{
	int rc;
	struct lumen_sdp_codec *codec = codec_of(c, &v, &rc);
	char *params, bad[64];

	if (!codec)
		return rc;
	if (codec->fmtp)
		return sdp_fail(c, "duplicate for payload type %u", codec->pt);
	params = sdp_rest(&v);
	if (!params)
		return sdp_fail(c, "missing parameters");
	if (sdp_fmtp_derive(codec, params, bad, sizeof(bad)))
		return sdp_fail(c, "bad %s", bad);
	codec->fmtp = g_strdup(params);
	return 0;
}

/* "nack  pli" -> "nack pli": one blank between words, so the written form is canonical. */
static char *fb_value(char **v)
{
	GString *s = g_string_new(NULL);
	char *t;

	while ((t = sdp_tok(v)))
		g_string_append_printf(s, "%s%s", s->len ? " " : "", t);
	return g_string_free(s, s->len == 0);
}

static int a_rtcp_fb(struct sdp_ctx *c, char *v)
{
	struct lumen_sdp_codec *codec = NULL;
	char *fb;
	int rc;

	while (v && (*v == ' ' || *v == '\t'))
		v++;
	if (v && v[0] == '*' && (v[1] == ' ' || v[1] == '\t' || !v[1])) {
		v++;
	} else {
		codec = codec_of(c, &v, &rc);
		if (!codec)
			return rc;
	}
	fb = fb_value(&v);
	if (!fb)
		return sdp_fail(c, "missing feedback type");
	if (!codec) {
		if (c->m->n_fb_any >= LUMEN_SDP_MAX_FB) {
			g_free(fb);
			return sdp_fail(c, "too many");
		}
		SDP_GROW(c->m->fb_any, c->m->n_fb_any)[0] = fb;
	} else {
		if (codec->n_fb >= LUMEN_SDP_MAX_FB) {
			g_free(fb);
			return sdp_fail(c, "too many for payload type %u", codec->pt);
		}
		SDP_GROW(codec->fb, codec->n_fb)[0] = fb;
	}
	return 0;
}

static int a_extmap(struct sdp_ctx *c, char *v)
{
	char *idd = v ? sdp_tok(&v) : NULL, *uri = idd ? sdp_tok(&v) : NULL,
	     *params = uri ? sdp_rest(&v) : NULL;
	char *dir = idd ? strchr(idd, '/') : NULL;
	enum lumen_sdp_dir d = LUMEN_SDP_DIR_NONE;
	struct lumen_sdp_extmap *e;
	unsigned id;

	if (dir) {
		*dir++ = '\0';
		for (d = LUMEN_SDP_DIR_SENDRECV; d <= LUMEN_SDP_DIR_INACTIVE; d++)
			if (!strcmp(dir, lumen_sdp_dir_name(d)))
				break;
		if (d > LUMEN_SDP_DIR_INACTIVE)
			return sdp_fail(c, "bad direction");
	}
	if (!sdp_parse_uint(idd, 255, &id) || id == 0)
		return sdp_fail(c, "bad id");
	if (!uri)
		return sdp_fail(c, "missing uri");
	for (unsigned i = 0; i < c->m->n_extmaps; i++)
		if (c->m->extmaps[i].id == id)
			return sdp_fail(c, "duplicate id %u", id);
	if (c->m->n_extmaps >= LUMEN_SDP_MAX_EXTMAPS)
		return sdp_fail(c, "too many");
	e = SDP_GROW(c->m->extmaps, c->m->n_extmaps);
	e->id = id;
	e->dir = d;
	e->uri = g_strdup(uri);
	e->params = g_strdup(params);
	return 0;
}

static int a_candidate(struct sdp_ctx *c, char *v)
{
	struct lumen_sdp_candidate cand;
	const char *reason = "missing value";

	if (!v || sdp_candidate_parse_value(v, &cand, &reason))
		return sdp_fail(c, "%s", reason);
	if (c->m->n_candidates >= LUMEN_SDP_MAX_CANDIDATES)
		return sdp_fail(c, "too many candidates");
	*SDP_GROW(c->m->candidates, c->m->n_candidates) = cand;
	return 0;
}

static int a_sctp_port(struct sdp_ctx *c, char *v)
{
	unsigned n;

	if (c->m->sctp_port >= 0)
		return sdp_fail(c, "duplicate");
	if (!sdp_parse_uint(v, 65535, &n))
		return sdp_fail(c, "bad port");
	c->m->sctp_port = (int)n;
	return 0;
}

static int a_max_message_size(struct sdp_ctx *c, char *v)
{
	uint64_t n;

	if (c->m->max_message_size >= 0)
		return sdp_fail(c, "duplicate");
	if (!sdp_parse_u64(v, (uint64_t)1 << 53, &n))
		return sdp_fail(c, "bad size");
	c->m->max_message_size = (long)n;
	return 0;
}

static int a_sctpmap(struct sdp_ctx *c, char *v)
{
	char *r = v ? sdp_rest(&v) : NULL, *copy = g_strdup(r), *p = copy,
	     *port = r ? sdp_tok(&p) : NULL;
	unsigned n;
	bool ok = sdp_parse_uint(port, 65535, &n) && sdp_tok(&p);

	g_free(copy);
	if (!ok)
		return sdp_fail(c, "expected '<port> <app> [<streams>]'");
	return set_str(c, &c->m->sctpmap, r, true);
}

enum { SESSION = 1, MEDIA = 2 };

static const struct attr_handler {
	const char *name;
	unsigned where;
	int (*fn)(struct sdp_ctx *c, char *value);
} handlers[] = {
    {"group", SESSION, a_group},
    {"msid-semantic", SESSION, a_msid_semantic},
    {"ice-lite", SESSION, a_ice_lite},
    {"ice-ufrag", SESSION | MEDIA, a_ice_ufrag},
    {"ice-pwd", SESSION | MEDIA, a_ice_pwd},
    {"ice-options", SESSION | MEDIA, a_ice_options},
    {"fingerprint", SESSION | MEDIA, a_fingerprint},
    {"setup", SESSION | MEDIA, a_setup},
    {"mid", MEDIA, a_mid},
    {"sendrecv", MEDIA, a_sendrecv},
    {"sendonly", MEDIA, a_sendonly},
    {"recvonly", MEDIA, a_recvonly},
    {"inactive", MEDIA, a_inactive},
    {"msid", MEDIA, a_msid},
    {"ssrc", MEDIA, a_ssrc},
    {"ssrc-group", MEDIA, a_ssrc_group},
    {"rid", MEDIA, a_rid},
    {"simulcast", MEDIA, a_simulcast},
    {"rtcp-mux", MEDIA, a_rtcp_mux},
    {"rtcp-mux-only", MEDIA, a_rtcp_mux_only},
    {"rtcp-rsize", MEDIA, a_rtcp_rsize},
    {"bundle-only", MEDIA, a_bundle_only},
    {"rtcp", MEDIA, a_rtcp},
    {"rtpmap", MEDIA, a_rtpmap},
    {"fmtp", MEDIA, a_fmtp},
    {"rtcp-fb", MEDIA, a_rtcp_fb},
    {"extmap", MEDIA, a_extmap},
    {"candidate", MEDIA, a_candidate},
    {"end-of-candidates", MEDIA, a_end_of_candidates},
    {"sctp-port", MEDIA, a_sctp_port},
    {"max-message-size", MEDIA, a_max_message_size},
    {"sctpmap", MEDIA, a_sctpmap},
};

int sdp_parse_attr(struct sdp_ctx *c, char *text)
{
	char *colon = strchr(text, ':'), *value = NULL, *orig;
	unsigned where = c->m ? MEDIA : SESSION;
	int rc = KEEP;

	if (colon) {
		*colon = '\0';
		value = colon + 1;
	}
	if (!*text || strchr(text, ' ') || strchr(text, '\t'))
		return sdp_fail(c, "bad attribute name");
	orig = g_strdup(value); /* handlers split value in place */
	for (size_t i = 0; i < G_N_ELEMENTS(handlers); i++) {
		if (strcmp(text, handlers[i].name) || !(handlers[i].where & where))
			continue;
		c->attr = handlers[i].name;
		rc = handlers[i].fn(c, value);
		c->attr = NULL;
		break;
	}
	if (rc == KEEP) {
		if (c->m)
			add_attr(&c->m->attrs, &c->m->n_attrs, text, orig);
		else
			add_attr(&c->sdp->attrs, &c->sdp->n_attrs, text, orig);
		rc = 0;
	}
	g_free(orig);
	return rc;
}
