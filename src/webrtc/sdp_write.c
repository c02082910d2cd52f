/* sdp_write.c -- struct lumen_sdp to text, CRLF line endings, in one canonical order.
 *
 * Session: v o s [i u e p] c [b] t [r z k], then known attributes, then the kept unknown ones.
 * Media: m [i] c [b k], transport (rtcp, candidates, ICE, DTLS), mid, extmaps, direction, msid,
 * rtcp-mux/rsize, per codec rtpmap + rtcp-fb + fmtp (Chromium's order), ssrc-group/ssrc, rid,
 * simulcast, SCTP, then the kept unknown attributes. Writing a parsed description and parsing it
 * again yields an equal model, and the second write is byte-identical to the first. Pure. */
#include "webrtc/sdp.h"
#include "webrtc/sdp_internal.h"

#include <glib.h>

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

static void put_attr(GString *s, const char *name, const char *value)
{
	if (value)
		g_string_append_printf(s, "a=%s:%s\r\n", or_dash(name), value);
	else
		g_string_append_printf(s, "a=%s\r\n", or_dash(name));
}

static void put_lines(GString *s, const struct lumen_sdp_attr *l, unsigned n, const char *types)
{
	for (unsigned i = 0; i < n; i++)
		if (l[i].name && l[i].name[0] && strchr(types, l[i].name[0]))
			g_string_append_printf(s, "%c=%s\r\n", l[i].name[0],
			                       l[i].value ? l[i].value : "");
}

static void put_attrs(GString *s, const struct lumen_sdp_attr *a, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		put_attr(s, a[i].name, a[i].value);
}

static void put_group(GString *s, const char *name, const struct lumen_sdp_group *g)
{
	g_string_append_printf(s, "a=%s:%s", name, or_dash(g->semantics));
	for (unsigned i = 0; i < g->n; i++) {
		if (g->ids)
			g_string_append_printf(s, " %s", or_dash(g->ids[i]));
		else if (g->ssrcs)
			g_string_append_printf(s, " %u", g->ssrcs[i]);
	}
	g_string_append(s, "\r\n");
}

static void put_transport(GString *s, const char *ufrag, const char *pwd, const char *options,
                          const struct lumen_sdp_fingerprint *fp, enum lumen_sdp_setup setup)
{
	if (ufrag)
		put_attr(s, "ice-ufrag", ufrag);
	if (pwd)
		put_attr(s, "ice-pwd", pwd);
	if (options)
		put_attr(s, "ice-options", options);
	if (fp->hash)
		g_string_append_printf(s, "a=fingerprint:%s %s\r\n", fp->hash, or_dash(fp->value));
	if (setup)
		put_attr(s, "setup", lumen_sdp_setup_name(setup));
}

static void put_codecs(GString *s, const struct lumen_sdp_media *m)
{
	for (unsigned i = 0; i < m->n_codecs; i++) {
		const struct lumen_sdp_codec *c = &m->codecs[i];

		if (c->name) {
			g_string_append_printf(s, "a=rtpmap:%u %s/%u", c->pt, c->name, c->clock);
			if (c->channels)
				g_string_append_printf(s, "/%u", c->channels);
			g_string_append(s, "\r\n");
		}
		for (unsigned j = 0; j < c->n_fb; j++)
			g_string_append_printf(s, "a=rtcp-fb:%u %s\r\n", c->pt, or_dash(c->fb[j]));
		if (c->fmtp)
			g_string_append_printf(s, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
	}
	for (unsigned j = 0; j < m->n_fb_any; j++)
		g_string_append_printf(s, "a=rtcp-fb:* %s\r\n", or_dash(m->fb_any[j]));
}

static void put_sim_list(GString *s, const char *dir, const struct lumen_sdp_sim_id *ids,
                         unsigned n)
{
	if (!n)
		return;
	g_string_append_printf(s, " %s ", dir);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			g_string_append_c(s, ids[i].alt ? ',' : ';');
		g_string_append_printf(s, "%s%s", ids[i].paused ? "~" : "", or_dash(ids[i].rid));
	}
}

static void put_rids(GString *s, const struct lumen_sdp_media *m)
{
	const struct lumen_sdp_simulcast *sc = m->simulcast;

	for (unsigned i = 0; i < m->n_rids; i++) {
		const struct lumen_sdp_rid *r = &m->rids[i];

		g_string_append_printf(s, "a=rid:%s %s", or_dash(r->id), r->recv ? "recv" : "send");
		if (r->n_pts || r->restrictions)
			g_string_append_c(s, ' ');
		for (unsigned j = 0; j < r->n_pts; j++)
			g_string_append_printf(s, "%s%u", j ? "," : "pt=", r->pts[j]);
		if (r->restrictions)
			g_string_append_printf(s, "%s%s", r->n_pts ? ";" : "", r->restrictions);
		g_string_append(s, "\r\n");
	}
	if (!sc)
		return;
	/* put_sim_list adds a leading blank, which the "a=simulcast:" prefix must not have. */
	GString *v = g_string_new(NULL);

	if (sc->recv_first) {
		put_sim_list(v, "recv", sc->recv, sc->n_recv);
		put_sim_list(v, "send", sc->send, sc->n_send);
	} else {
		put_sim_list(v, "send", sc->send, sc->n_send);
		put_sim_list(v, "recv", sc->recv, sc->n_recv);
	}
	put_attr(s, "simulcast", v->len ? v->str + 1 : "");
	g_string_free(v, TRUE);
}

static void put_media(GString *s, const struct lumen_sdp_media *m)
{
	char cand[2 * LUMEN_SDP_MAX_LINE];

	g_string_append_printf(s, "m=%s %u", or_dash(m->type), m->port);
	if (m->n_ports)
		g_string_append_printf(s, "/%u", m->n_ports);
	g_string_append_printf(s, " %s", or_dash(m->proto));
	for (unsigned i = 0; i < m->n_codecs; i++)
		g_string_append_printf(s, " %u", m->codecs[i].pt);
	for (unsigned i = 0; i < m->n_fmts; i++)
		g_string_append_printf(s, " %s", or_dash(m->fmts[i]));
	g_string_append(s, "\r\n");
	put_lines(s, m->lines, m->n_lines, "i");
	if (m->connection)
		g_string_append_printf(s, "c=%s\r\n", m->connection);
	put_lines(s, m->lines, m->n_lines, "b");
	put_lines(s, m->lines, m->n_lines, "k");
	if (m->rtcp)
		put_attr(s, "rtcp", m->rtcp);
	for (unsigned i = 0; i < m->n_candidates; i++) {
		lumen_sdp_candidate_write(&m->candidates[i], cand, sizeof(cand));
		put_attr(s, "candidate", cand);
	}
	if (m->end_of_candidates)
		put_attr(s, "end-of-candidates", NULL);
	put_transport(s, m->ice_ufrag, m->ice_pwd, m->ice_options, &m->fingerprint, m->setup);
	if (m->mid)
		put_attr(s, "mid", m->mid);
	for (unsigned i = 0; i < m->n_extmaps; i++) {
		const struct lumen_sdp_extmap *e = &m->extmaps[i];

		g_string_append_printf(s, "a=extmap:%u", e->id);
		if (e->dir)
			g_string_append_printf(s, "/%s", lumen_sdp_dir_name(e->dir));
		g_string_append_printf(s, " %s%s%s\r\n", or_dash(e->uri), e->params ? " " : "",
		                       e->params ? e->params : "");
	}
	if (m->dir)
		put_attr(s, lumen_sdp_dir_name(m->dir), NULL);
	for (unsigned i = 0; i < m->n_msids; i++)
		g_string_append_printf(s, "a=msid:%s%s%s\r\n", or_dash(m->msids[i].stream),
		                       m->msids[i].track ? " " : "",
		                       m->msids[i].track ? m->msids[i].track : "");
	if (m->rtcp_mux)
		put_attr(s, "rtcp-mux", NULL);
	if (m->rtcp_mux_only)
		put_attr(s, "rtcp-mux-only", NULL);
	if (m->rtcp_rsize)
		put_attr(s, "rtcp-rsize", NULL);
	if (m->bundle_only)
		put_attr(s, "bundle-only", NULL);
	put_codecs(s, m);
	for (unsigned i = 0; i < m->n_ssrc_groups; i++)
		put_group(s, "ssrc-group", &m->ssrc_groups[i]);
	for (unsigned i = 0; i < m->n_ssrcs; i++) {
		const struct lumen_sdp_ssrc *x = &m->ssrcs[i];

		g_string_append_printf(s, "a=ssrc:%u %s%s%s\r\n", x->ssrc, or_dash(x->attr),
		                       x->value ? ":" : "", x->value ? x->value : "");
	}
	put_rids(s, m);
	if (m->sctp_port >= 0)
		g_string_append_printf(s, "a=sctp-port:%d\r\n", m->sctp_port);
	if (m->sctpmap)
		put_attr(s, "sctpmap", m->sctpmap);
	if (m->max_message_size >= 0)
		g_string_append_printf(s, "a=max-message-size:%ld\r\n", m->max_message_size);
	put_attrs(s, m->attrs, m->n_attrs);
}

char *lumen_sdp_write(const struct lumen_sdp *sdp, size_t *len)
{
	const struct lumen_sdp_origin *o = &sdp->origin;
	GString *s = g_string_sized_new(4096);

	g_string_append(s, "v=0\r\n");
	g_string_append_printf(s, "o=%s %s %" G_GUINT64_FORMAT " %s %s %s\r\n",
	                       or_dash(o->username), o->sess_id ? o->sess_id : "0", o->sess_version,
	                       o->nettype ? o->nettype : "IN", o->addrtype ? o->addrtype : "IP4",
	                       o->address ? o->address : "127.0.0.1");
	g_string_append_printf(s, "s=%s\r\n", or_dash(sdp->name));
	put_lines(s, sdp->lines, sdp->n_lines, "iuep");
	if (sdp->connection)
		g_string_append_printf(s, "c=%s\r\n", sdp->connection);
	put_lines(s, sdp->lines, sdp->n_lines, "b");
	g_string_append_printf(s, "t=%s\r\n", sdp->timing ? sdp->timing : "0 0");
	put_lines(s, sdp->lines, sdp->n_lines, "rzk");
	for (unsigned i = 0; i < sdp->n_groups; i++)
		put_group(s, "group", &sdp->groups[i]);
	if (sdp->msid_semantic)
		g_string_append_printf(s, "a=msid-semantic: %s\r\n", sdp->msid_semantic);
	if (sdp->ice_lite)
		put_attr(s, "ice-lite", NULL);
	put_transport(s, sdp->ice_ufrag, sdp->ice_pwd, sdp->ice_options, &sdp->fingerprint,
	              sdp->setup);
	put_attrs(s, sdp->attrs, sdp->n_attrs);
	for (unsigned i = 0; i < sdp->n_media; i++)
		put_media(s, &sdp->media[i]);
	if (len)
		*len = s->len;
	return g_string_free(s, FALSE);
}
