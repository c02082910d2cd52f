/* sdp_parse.c -- text to struct lumen_sdp (RFC 8866 syntax, WebRTC attributes).
 *
 * One pass over the lines (CRLF or LF), each copied into a bounded scratch buffer and dispatched by
 * type, then by attribute name through a table. Known attributes fill the model; unknown ones, and
 * known ones naming a payload type the m-line does not list, are kept verbatim in `attrs`. Every
 * refusal names its line and reason. Pure function, no I/O, no logging. */
#include "webrtc/sdp.h"
#include "webrtc/sdp_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

enum { KEEP = 1 }; /* handler result: store the attribute as an unknown one */

struct ctx {
	struct lumen_sdp *sdp;
	struct lumen_sdp_media *m; /* NULL while in the session section */
	const char *attr;	   /* attribute being parsed, for messages */
	unsigned line;
	unsigned n_section; /* lines in the current section */
	struct lumen_sdp_error *err;
};

__attribute__((format(printf, 2, 3))) static int fail(struct ctx *c, const char *fmt, ...)
{
	char reason[128];
	va_list ap;

	if (!c->err)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	c->err->line = c->line;
	if (c->line == 0)
		snprintf(c->err->msg, sizeof(c->err->msg), "sdp: %s", reason);
	else if (c->attr)
		snprintf(c->err->msg, sizeof(c->err->msg), "line %u: a=%s: %s", c->line, c->attr,
			 reason);
	else
		snprintf(c->err->msg, sizeof(c->err->msg), "line %u: %s", c->line, reason);
	return -EINVAL;
}

static char *tok(char **p)
{
	char *s = *p, *start;

	if (!s)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	start = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return start;
}

/* The rest of the line after the blanks, with trailing blanks removed; NULL when empty. */
static char *rest(char **p)
{
	char *s = *p, *e;

	if (!s)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	*p = e;
	return *s ? s : NULL;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (!s || !*s || strlen(s) > 20)
		return false;
	for (; *s; s++) {
		if (!g_ascii_isdigit(*s) || n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	if (n > max)
		return false;
	*out = n;
	return true;
}

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	uint64_t n;

	if (!parse_u64(s, max, &n))
		return false;
	*out = (unsigned)n;
	return true;
}

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

static int set_str(struct ctx *c, char **field, const char *v, bool need)
{
	if (*field)
		return fail(c, "duplicate");
	if (need && !v)
		return fail(c, "missing value");
	*field = g_strdup(v);
	return 0;
}

static int flag(struct ctx *c, const char *v)
{
	return v ? fail(c, "takes no value") : 0;
}

static int a_group(struct ctx *c, char *v)
{
	struct lumen_sdp_group *g;
	char *sem = tok(&v), *id;

	if (!sem)
		return fail(c, "missing semantics");
	if (c->sdp->n_groups >= 8)
		return fail(c, "too many groups");
	g = SDP_GROW(c->sdp->groups, c->sdp->n_groups);
	g->semantics = g_strdup(sem);
	g->ids = g_new0(char *, 1);
	while ((id = tok(&v))) {
		if (g->n >= LUMEN_SDP_MAX_GROUP)
			return fail(c, "too many ids");
		g->ids = g_renew(char *, g->ids, g->n + 1);
		g->ids[g->n++] = g_strdup(id);
	}
	return 0;
}

static int a_msid_semantic(struct ctx *c, char *v)
{
	char *r = rest(&v);

	return set_str(c, &c->sdp->msid_semantic, r, true);
}

static int a_ice_lite(struct ctx *c, char *v)
{
	c->sdp->ice_lite = true;
	return flag(c, v);
}

static int ice_str(struct ctx *c, char **field, char *v)
{
	if (!v || !sdp_ice_chars(v, 1, 256))
		return fail(c, "bad value");
	return set_str(c, field, v, true);
}

static int a_ice_ufrag(struct ctx *c, char *v)
{
	return ice_str(c, c->m ? &c->m->ice_ufrag : &c->sdp->ice_ufrag, v);
}

static int a_ice_pwd(struct ctx *c, char *v)
{
	return ice_str(c, c->m ? &c->m->ice_pwd : &c->sdp->ice_pwd, v);
}

static int a_ice_options(struct ctx *c, char *v)
{
	char *r = v ? rest(&v) : NULL;

	return set_str(c, c->m ? &c->m->ice_options : &c->sdp->ice_options, r, true);
}

static int a_fingerprint(struct ctx *c, char *v)
{
	struct lumen_sdp_fingerprint *fp = c->m ? &c->m->fingerprint : &c->sdp->fingerprint;
	char *hash = v ? tok(&v) : NULL, *value = hash ? tok(&v) : NULL;

	if (fp->hash)
		return KEEP; /* RFC 8122 allows several; the first one is modelled */
	if (!hash || !value || tok(&v) || strlen(hash) > 16)
		return fail(c, "expected '<hash> <hex>'");
	if (!sdp_is_fingerprint(value))
		return fail(c, "bad fingerprint");
	fp->hash = g_strdup(hash);
	fp->value = g_strdup(value);
	return 0;
}

static int a_setup(struct ctx *c, char *v)
{
	enum lumen_sdp_setup *s = c->m ? &c->m->setup : &c->sdp->setup;
	enum lumen_sdp_setup i;

	if (*s)
		return fail(c, "duplicate");
	for (i = LUMEN_SDP_SETUP_ACTPASS; i <= LUMEN_SDP_SETUP_HOLDCONN; i++)
		if (v && !strcmp(v, lumen_sdp_setup_name(i)))
			break;
	if (i > LUMEN_SDP_SETUP_HOLDCONN)
		return fail(c, "bad role");
	*s = i;
	return 0;
}

/* ---- media attributes ---- */

static int a_mid(struct ctx *c, char *v)
{
	if (!is_token(v) || strlen(v) > 255)
		return fail(c, "bad mid");
	for (unsigned i = 0; i + 1 < c->sdp->n_media; i++)
		if (c->sdp->media[i].mid && !strcmp(c->sdp->media[i].mid, v))
			return fail(c, "mid '%s' already used", v);
	return set_str(c, &c->m->mid, v, true);
}

static int set_dir(struct ctx *c, char *v, enum lumen_sdp_dir dir)
{
	if (c->m->dir)
		return fail(c, "conflicting direction");
	c->m->dir = dir;
	return flag(c, v);
}

static int a_sendrecv(struct ctx *c, char *v)
{
	return set_dir(c, v, LUMEN_SDP_DIR_SENDRECV);
}

static int a_sendonly(struct ctx *c, char *v)
{
	return set_dir(c, v, LUMEN_SDP_DIR_SENDONLY);
}

static int a_recvonly(struct ctx *c, char *v)
{
	return set_dir(c, v, LUMEN_SDP_DIR_RECVONLY);
}

static int a_inactive(struct ctx *c, char *v)
{
	return set_dir(c, v, LUMEN_SDP_DIR_INACTIVE);
}

static int a_msid(struct ctx *c, char *v)
{
	char *stream = v ? tok(&v) : NULL, *track = stream ? tok(&v) : NULL;
	struct lumen_sdp_msid *ms;

	if (!stream || tok(&v))
		return fail(c, "expected '<stream> [<track>]'");
	if (c->m->n_msids >= 16)
		return fail(c, "too many msids");
	ms = SDP_GROW(c->m->msids, c->m->n_msids);
	ms->stream = g_strdup(stream);
	ms->track = g_strdup(track);
	return 0;
}

static int a_ssrc(struct ctx *c, char *v)
{
	char *id = v ? tok(&v) : NULL, *attr = id ? rest(&v) : NULL, *val;
	struct lumen_sdp_ssrc *s;
	unsigned ssrc;

	if (!parse_uint(id, UINT32_MAX, &ssrc))
		return fail(c, "bad ssrc");
	if (!attr)
		return fail(c, "missing attribute");
	val = strchr(attr, ':');
	if (val)
		*val++ = '\0';
	if (!is_token(attr))
		return fail(c, "bad attribute");
	s = SDP_GROW(c->m->ssrcs, c->m->n_ssrcs);
	s->ssrc = ssrc;
	s->attr = g_strdup(attr);
	s->value = g_strdup(val);
	return 0;
}

static int a_ssrc_group(struct ctx *c, char *v)
{
	char *sem = v ? tok(&v) : NULL, *id;
	struct lumen_sdp_group *g;

	if (!sem)
		return fail(c, "missing semantics");
	if (c->m->n_ssrc_groups >= 16)
		return fail(c, "too many ssrc-groups");
	g = SDP_GROW(c->m->ssrc_groups, c->m->n_ssrc_groups);
	g->semantics = g_strdup(sem);
	g->ssrcs = g_new0(uint32_t, 1);
	while ((id = tok(&v))) {
		unsigned ssrc;

		if (!parse_uint(id, UINT32_MAX, &ssrc))
			return fail(c, "bad ssrc");
		if (g->n >= LUMEN_SDP_MAX_GROUP)
			return fail(c, "too many ssrcs");
		g->ssrcs = g_renew(uint32_t, g->ssrcs, g->n + 1);
		g->ssrcs[g->n++] = ssrc;
	}
	if (g->n == 0)
		return fail(c, "no ssrcs");
	return 0;
}

static int rid_params(struct ctx *c, struct lumen_sdp_rid *r, char *params)
{
	GString *other = g_string_new(NULL);
	char **parts = g_strsplit(params, ";", -1);
	int rc = 0;

	for (unsigned i = 0; parts[i] && rc == 0; i++) {
		char *p = g_strstrip(parts[i]);

		if (!*p) {
			rc = fail(c, "empty restriction");
		} else if (!strncmp(p, "pt=", 3)) {
			char **pts = g_strsplit(p + 3, ",", -1);

			for (unsigned j = 0; pts[j] && rc == 0; j++) {
				unsigned pt;

				if (r->n_pts >= LUMEN_SDP_MAX_CODECS ||
				    !parse_uint(g_strstrip(pts[j]), 127, &pt))
					rc = fail(c, "bad pt list");
				else
					SDP_GROW(r->pts, r->n_pts)[0] = pt;
			}
			g_strfreev(pts);
		} else if (strchr(p, ' ') || strchr(p, '\t')) {
			rc = fail(c, "bad restriction");
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

static int a_rid(struct ctx *c, char *v)
{
	char *id = v ? tok(&v) : NULL, *dir = id ? tok(&v) : NULL, *params = dir ? rest(&v) : NULL;
	struct lumen_sdp_rid *r;

	if (!is_rid(id))
		return fail(c, "bad rid");
	if (!dir || (strcmp(dir, "send") && strcmp(dir, "recv")))
		return fail(c, "expected send or recv");
	for (unsigned i = 0; i < c->m->n_rids; i++)
		if (!strcmp(c->m->rids[i].id, id))
			return fail(c, "duplicate rid '%s'", id);
	if (c->m->n_rids >= LUMEN_SDP_MAX_RIDS)
		return fail(c, "too many rids");
	r = SDP_GROW(c->m->rids, c->m->n_rids);
	r->id = g_strdup(id);
	r->recv = dir[0] == 'r';
	return params ? rid_params(c, r, params) : 0;
}

static int sim_list(struct ctx *c, char *list, struct lumen_sdp_sim_id **ids, unsigned *n)
{
	char **streams = g_strsplit(list, ";", -1);
	int rc = 0;

	for (unsigned i = 0; streams[i] && rc == 0; i++) {
		char **alts = g_strsplit(streams[i], ",", -1);

		if (!alts[0])
			rc = fail(c, "bad rid in list");

		for (unsigned j = 0; alts[j] && rc == 0; j++) {
			char *id = alts[j];
			bool paused = id[0] == '~';
			struct lumen_sdp_sim_id *s;

			if (paused)
				id++;
			if (!is_rid(id)) {
				rc = fail(c, "bad rid in list");
			} else if (*n >= LUMEN_SDP_MAX_RIDS) {
				rc = fail(c, "too many rids");
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

static int a_simulcast(struct ctx *c, char *v)
{
	struct lumen_sdp_simulcast *sc;
	char *dir;
	unsigned k = 0;

	if (c->m->simulcast)
		return fail(c, "duplicate");
	sc = c->m->simulcast = g_new0(struct lumen_sdp_simulcast, 1);
	while (v && (dir = tok(&v))) {
		char *list = tok(&v);
		int rc;

		if (!list)
			return fail(c, "missing rid list");
		if (!strcmp(dir, "send") && !sc->n_send)
			rc = sim_list(c, list, &sc->send, &sc->n_send);
		else if (!strcmp(dir, "recv") && !sc->n_recv)
			rc = sim_list(c, list, &sc->recv, &sc->n_recv);
		else
			return fail(c, "expected send or recv");
		if (rc)
			return rc;
		if (k++ == 0)
			sc->recv_first = dir[0] == 'r';
	}
	if (k == 0)
		return fail(c, "empty");
	if (!sc->n_send || !sc->n_recv)
		sc->recv_first = false; /* the order only matters with both directions */
	return 0;
}

static int a_rtcp_mux(struct ctx *c, char *v)
{
	c->m->rtcp_mux = true;
	return flag(c, v);
}

static int a_rtcp_mux_only(struct ctx *c, char *v)
{
	c->m->rtcp_mux_only = true;
	return flag(c, v);
}

static int a_rtcp_rsize(struct ctx *c, char *v)
{
	c->m->rtcp_rsize = true;
	return flag(c, v);
}

static int a_bundle_only(struct ctx *c, char *v)
{
	c->m->bundle_only = true;
	return flag(c, v);
}

static int a_end_of_candidates(struct ctx *c, char *v)
{
	c->m->end_of_candidates = true;
	return flag(c, v);
}

static int a_rtcp(struct ctx *c, char *v)
{
	char *r = v ? rest(&v) : NULL, *copy = g_strdup(r), *p = copy, *port = r ? tok(&p) : NULL;
	unsigned n;
	bool ok = parse_uint(port, 65535, &n);

	g_free(copy);
	if (!ok)
		return fail(c, "bad port");
	return set_str(c, &c->m->rtcp, r, true);
}

/* The codec a pt-keyed attribute names (first token of *v), or NULL with *rc = KEEP when the m-line
 * does not list it (or is not RTP), or NULL with *rc = -EINVAL for a malformed pt. */
static struct lumen_sdp_codec *codec_of(struct ctx *c, char **v, int *rc)
{
	char *pt = *v ? tok(v) : NULL;
	struct lumen_sdp_codec *codec;
	unsigned n;

	*rc = 0;
	if (!parse_uint(pt, 127, &n)) {
		*rc = c->m->rtp ? fail(c, "bad payload type") : KEEP;
		return NULL;
	}
	codec = c->m->rtp ? lumen_sdp_find_codec(c->m, n) : NULL;
	if (!codec)
		*rc = KEEP;
	return codec;
}

static int a_rtpmap(struct ctx *c, char *v)
{
	int rc;
	struct lumen_sdp_codec *codec = codec_of(c, &v, &rc);
	char *enc, *name, *clock, *ch;
	unsigned clk, chans = 0;

	if (!codec)
		return rc;
	if (codec->name)
		return fail(c, "duplicate for payload type %u", codec->pt);
	enc = tok(&v);
	if (!enc || tok(&v))
		return fail(c, "expected '<pt> <name>/<clock>[/<channels>]'");
	name = enc;
	clock = strchr(enc, '/');
	if (!clock || clock == name)
		return fail(c, "bad encoding");
	*clock++ = '\0';
	ch = strchr(clock, '/');
	if (ch)
		*ch++ = '\0';
	if (!parse_uint(clock, UINT32_MAX, &clk) || clk == 0)
		return fail(c, "bad clock rate");
	if (ch && (!parse_uint(ch, 255, &chans) || chans == 0))
		return fail(c, "bad channels");
	codec->name = g_strdup(name);
	codec->clock = clk;
	codec->channels = chans;
	return 0;
}

static int a_fmtp(struct ctx *c, char *v)
{
	int rc;
	struct lumen_sdp_codec *codec = codec_of(c, &v, &rc);
	char *params, bad[64];

	if (!codec)
		return rc;
	if (codec->fmtp)
		return fail(c, "duplicate for payload type %u", codec->pt);
	params = rest(&v);
	if (!params)
		return fail(c, "missing parameters");
	if (sdp_fmtp_derive(codec, params, bad, sizeof(bad)))
		return fail(c, "bad %s", bad);
	codec->fmtp = g_strdup(params);
	return 0;
}

/* "nack  pli" -> "nack pli": one blank between words, so the written form is canonical. */
static char *fb_value(char **v)
{
	GString *s = g_string_new(NULL);
	char *t;

	while ((t = tok(v)))
		g_string_append_printf(s, "%s%s", s->len ? " " : "", t);
	return g_string_free(s, s->len == 0);
}

static int a_rtcp_fb(struct ctx *c, char *v)
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
		return fail(c, "missing feedback type");
	if (!codec) {
		if (c->m->n_fb_any >= LUMEN_SDP_MAX_FB) {
			g_free(fb);
			return fail(c, "too many");
		}
		SDP_GROW(c->m->fb_any, c->m->n_fb_any)[0] = fb;
	} else {
		if (codec->n_fb >= LUMEN_SDP_MAX_FB) {
			g_free(fb);
			return fail(c, "too many for payload type %u", codec->pt);
		}
		SDP_GROW(codec->fb, codec->n_fb)[0] = fb;
	}
	return 0;
}

static int a_extmap(struct ctx *c, char *v)
{
	char *idd = v ? tok(&v) : NULL, *uri = idd ? tok(&v) : NULL, *params = uri ? rest(&v) : NULL;
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
			return fail(c, "bad direction");
	}
	if (!parse_uint(idd, 255, &id) || id == 0)
		return fail(c, "bad id");
	if (!uri)
		return fail(c, "missing uri");
	for (unsigned i = 0; i < c->m->n_extmaps; i++)
		if (c->m->extmaps[i].id == id)
			return fail(c, "duplicate id %u", id);
	if (c->m->n_extmaps >= LUMEN_SDP_MAX_EXTMAPS)
		return fail(c, "too many");
	e = SDP_GROW(c->m->extmaps, c->m->n_extmaps);
	e->id = id;
	e->dir = d;
	e->uri = g_strdup(uri);
	e->params = g_strdup(params);
	return 0;
}

static int a_candidate(struct ctx *c, char *v)
{
	struct lumen_sdp_candidate cand;
	const char *reason = "missing value";

	if (!v || sdp_candidate_parse_value(v, &cand, &reason))
		return fail(c, "%s", reason);
	if (c->m->n_candidates >= LUMEN_SDP_MAX_CANDIDATES)
		return fail(c, "too many candidates");
	*SDP_GROW(c->m->candidates, c->m->n_candidates) = cand;
	return 0;
}

static int a_sctp_port(struct ctx *c, char *v)
{
	unsigned n;

	if (c->m->sctp_port >= 0)
		return fail(c, "duplicate");
	if (!parse_uint(v, 65535, &n))
		return fail(c, "bad port");
	c->m->sctp_port = (int)n;
	return 0;
}

static int a_max_message_size(struct ctx *c, char *v)
{
	uint64_t n;

	if (c->m->max_message_size >= 0)
		return fail(c, "duplicate");
	if (!parse_u64(v, (uint64_t)1 << 53, &n))
		return fail(c, "bad size");
	c->m->max_message_size = (long)n;
	return 0;
}

static int a_sctpmap(struct ctx *c, char *v)
{
	char *r = v ? rest(&v) : NULL, *copy = g_strdup(r), *p = copy, *port = r ? tok(&p) : NULL;
	unsigned n;
	bool ok = parse_uint(port, 65535, &n) && tok(&p);

	g_free(copy);
	if (!ok)
		return fail(c, "expected '<port> <app> [<streams>]'");
	return set_str(c, &c->m->sctpmap, r, true);
}

enum { SESSION = 1, MEDIA = 2 };

static const struct attr_handler {
	const char *name;
	unsigned where;
	int (*fn)(struct ctx *c, char *value);
} handlers[] = {
	{ "group", SESSION, a_group },
	{ "msid-semantic", SESSION, a_msid_semantic },
	{ "ice-lite", SESSION, a_ice_lite },
	{ "ice-ufrag", SESSION | MEDIA, a_ice_ufrag },
	{ "ice-pwd", SESSION | MEDIA, a_ice_pwd },
	{ "ice-options", SESSION | MEDIA, a_ice_options },
	{ "fingerprint", SESSION | MEDIA, a_fingerprint },
	{ "setup", SESSION | MEDIA, a_setup },
	{ "mid", MEDIA, a_mid },
	{ "sendrecv", MEDIA, a_sendrecv },
	{ "sendonly", MEDIA, a_sendonly },
	{ "recvonly", MEDIA, a_recvonly },
	{ "inactive", MEDIA, a_inactive },
	{ "msid", MEDIA, a_msid },
	{ "ssrc", MEDIA, a_ssrc },
	{ "ssrc-group", MEDIA, a_ssrc_group },
	{ "rid", MEDIA, a_rid },
	{ "simulcast", MEDIA, a_simulcast },
	{ "rtcp-mux", MEDIA, a_rtcp_mux },
	{ "rtcp-mux-only", MEDIA, a_rtcp_mux_only },
	{ "rtcp-rsize", MEDIA, a_rtcp_rsize },
	{ "bundle-only", MEDIA, a_bundle_only },
	{ "rtcp", MEDIA, a_rtcp },
	{ "rtpmap", MEDIA, a_rtpmap },
	{ "fmtp", MEDIA, a_fmtp },
	{ "rtcp-fb", MEDIA, a_rtcp_fb },
	{ "extmap", MEDIA, a_extmap },
	{ "candidate", MEDIA, a_candidate },
	{ "end-of-candidates", MEDIA, a_end_of_candidates },
	{ "sctp-port", MEDIA, a_sctp_port },
	{ "max-message-size", MEDIA, a_max_message_size },
	{ "sctpmap", MEDIA, a_sctpmap },
};

static int parse_attr(struct ctx *c, char *text)
{
	char *colon = strchr(text, ':'), *value = NULL, *orig;
	unsigned where = c->m ? MEDIA : SESSION;
	int rc = KEEP;

	if (colon) {
		*colon = '\0';
		value = colon + 1;
	}
	if (!*text || strchr(text, ' ') || strchr(text, '\t'))
		return fail(c, "bad attribute name");
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

/* ---- lines ---- */

static int line_rank(char type, bool media)
{
	if (media)
		return type == 'i' ? 0 : type == 'b' ? 1 : 2;
	return strchr("iuep", type) ? 0 : type == 'b' ? 1 : 2;
}

/* Keep i=/b=/... lines in the order the writer emits them, stable within one rank. */
static void add_line(struct ctx *c, char type, const char *value)
{
	struct lumen_sdp_attr **arr = c->m ? &c->m->lines : &c->sdp->lines;
	unsigned *n = c->m ? &c->m->n_lines : &c->sdp->n_lines, pos;
	int rank = line_rank(type, c->m != NULL);
	char name[2] = { type, '\0' };

	for (pos = *n; pos > 0; pos--)
		if (line_rank((*arr)[pos - 1].name[0], c->m != NULL) <= rank)
			break;
	SDP_GROW(*arr, *n);
	memmove(&(*arr)[pos + 1], &(*arr)[pos], (*n - 1 - pos) * sizeof(**arr));
	(*arr)[pos].name = g_strdup(name);
	(*arr)[pos].value = g_strdup(value);
}

static int parse_origin(struct ctx *c, char *v)
{
	struct lumen_sdp_origin *o = &c->sdp->origin;
	char *f[6];
	uint64_t ver;

	if (o->username)
		return fail(c, "duplicate o= line");
	for (int i = 0; i < 6; i++)
		if (!(f[i] = tok(&v)))
			return fail(c, "o=: expected 6 fields");
	if (tok(&v))
		return fail(c, "o=: expected 6 fields");
	for (const char *p = f[1]; *p; p++)
		if (!g_ascii_isdigit(*p) || p - f[1] > 64)
			return fail(c, "o=: bad session id");
	if (!parse_u64(f[2], UINT64_MAX, &ver))
		return fail(c, "o=: bad session version");
	o->username = g_strdup(f[0]);
	o->sess_id = g_strdup(f[1]);
	o->sess_version = ver;
	o->nettype = g_strdup(f[3]);
	o->addrtype = g_strdup(f[4]);
	o->address = g_strdup(f[5]);
	return 0;
}

static int parse_timing(struct ctx *c, char *v)
{
	char *start = tok(&v), *stop = tok(&v);
	uint64_t a, b;

	if (c->sdp->timing)
		return fail(c, "duplicate t= line");
	if (!parse_u64(start, UINT64_MAX, &a) || !parse_u64(stop, UINT64_MAX, &b) || tok(&v))
		return fail(c, "t=: expected '<start> <stop>'");
	c->sdp->timing = g_strdup_printf("%s %s", start, stop);
	return 0;
}

static int parse_connection(struct ctx *c, char *v)
{
	char **field = c->m ? &c->m->connection : &c->sdp->connection;
	char *copy = g_strdup(v), *p = copy;
	bool ok = tok(&p) && tok(&p) && tok(&p) && !tok(&p);

	g_free(copy);
	if (!ok)
		return fail(c, "c=: expected '<nettype> <addrtype> <address>'");
	if (*field)
		return fail(c, "duplicate c= line");
	*field = g_strdup(rest(&v));
	return 0;
}

static int parse_media(struct ctx *c, char *v)
{
	char *type = tok(&v), *port = tok(&v), *proto = tok(&v), *slash, *fmt;
	struct lumen_sdp_media *m;
	unsigned p, n = 0;

	if (!type || !port || !proto)
		return fail(c, "m=: expected '<media> <port> <proto> <fmt>...'");
	if (c->sdp->n_media >= LUMEN_SDP_MAX_MEDIA)
		return fail(c, "m=: too many m-lines (max %d)", LUMEN_SDP_MAX_MEDIA);
	slash = strchr(port, '/');
	if (slash)
		*slash++ = '\0';
	if (!parse_uint(port, 65535, &p) || (slash && (!parse_uint(slash, 65535, &n) || !n)))
		return fail(c, "m=: bad port");
	m = c->m = lumen_sdp_add_media(c->sdp, type, proto);
	m->port = p;
	m->n_ports = n;
	c->n_section = 0;
	while ((fmt = tok(&v))) {
		if (m->n_codecs + m->n_fmts >= LUMEN_SDP_MAX_CODECS)
			return fail(c, "m=: too many formats (max %d)", LUMEN_SDP_MAX_CODECS);
		if (m->rtp) {
			unsigned pt;

			if (!parse_uint(fmt, 127, &pt))
				return fail(c, "m=: bad payload type '%s'", fmt);
			if (lumen_sdp_find_codec(m, pt))
				return fail(c, "m=: duplicate payload type %u", pt);
			sdp_codec_init(SDP_GROW(m->codecs, m->n_codecs), pt);
		} else {
			SDP_GROW(m->fmts, m->n_fmts)[0] = g_strdup(fmt);
		}
	}
	if (m->n_codecs + m->n_fmts == 0)
		return fail(c, "m=: no formats");
	return 0;
}

static int parse_line(struct ctx *c, char type, char *v)
{
	if (++c->n_section > LUMEN_SDP_MAX_ATTRS)
		return fail(c, "too many lines in one section (max %d)", LUMEN_SDP_MAX_ATTRS);
	switch (type) {
	case 'v':
		return fail(c, "v= is only allowed first");
	case 'o':
		return c->m ? fail(c, "o= inside a media section") : parse_origin(c, v);
	case 's':
		if (c->m || c->sdp->name)
			return fail(c, "unexpected s= line");
		c->sdp->name = g_strdup(v);
		return 0;
	case 't':
		return c->m ? fail(c, "t= inside a media section") : parse_timing(c, v);
	case 'c':
		return parse_connection(c, v);
	case 'm':
		return parse_media(c, v);
	case 'a':
		return parse_attr(c, v);
	case 'i':
	case 'b':
	case 'k':
		add_line(c, type, v);
		return 0;
	case 'u':
	case 'e':
	case 'p':
	case 'r':
	case 'z':
		if (c->m)
			return fail(c, "%c= inside a media section", type);
		add_line(c, type, v);
		return 0;
	default:
		return fail(c, "unknown line type '%c'", type);
	}
}

/* Copy one line into buf, refusing what the writer could not reproduce. */
static int take_line(struct ctx *c, const char *s, size_t n, char *buf)
{
	if (n > LUMEN_SDP_MAX_LINE)
		return fail(c, "line too long (max %d bytes)", LUMEN_SDP_MAX_LINE);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\0')
			return fail(c, "NUL byte");
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return fail(c, "control character 0x%02x", ch);
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int lumen_sdp_parse(const char *text, size_t len, struct lumen_sdp **out,
		    struct lumen_sdp_error *err)
{
	struct ctx c = { .err = err };
	char *buf = NULL;
	size_t pos = 0;
	bool first = true;
	int rc;

	*out = NULL;
	if (err) {
		err->line = 0;
		err->msg[0] = '\0';
	}
	if (len > LUMEN_SDP_MAX_SIZE)
		return fail(&c, "description too large (max %d bytes)", LUMEN_SDP_MAX_SIZE);
	c.sdp = lumen_sdp_new();
	buf = g_malloc(LUMEN_SDP_MAX_LINE + 1);
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		pos += n + (nl ? 1 : 0);
		c.line++;
		if (n && s[n - 1] == '\r')
			n--;
		if ((rc = take_line(&c, s, n, buf)))
			goto fail;
		if (n == 0)
			continue; /* tolerate blank lines, e.g. a trailing one */
		if (n < 2 || buf[1] != '=' || !g_ascii_islower(buf[0])) {
			rc = fail(&c, "expected '<type>=<value>'");
			goto fail;
		}
		if (first) {
			first = false;
			if (strcmp(buf, "v=0")) {
				rc = fail(&c, "expected v=0 first");
				goto fail;
			}
			continue;
		}
		if ((rc = parse_line(&c, buf[0], buf + 2)))
			goto fail;
	}
	c.line = 0;
	if (first)
		rc = fail(&c, "empty description");
	else if (!c.sdp->origin.username)
		rc = fail(&c, "missing o= line");
	else if (!c.sdp->name)
		rc = fail(&c, "missing s= line");
	else if (!c.sdp->timing)
		rc = fail(&c, "missing t= line");
	else
		rc = 0;
	if (rc)
		goto fail;
	g_free(buf);
	*out = c.sdp;
	return 0;
fail:
	g_free(buf);
	lumen_sdp_free(c.sdp);
	return rc;
}
