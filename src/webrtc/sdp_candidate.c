/* sdp_candidate.c -- ICE candidate attributes (RFC 8839 section 5.1, RFC 6544 tcptype), parsed from
 * an SDP a=candidate line or from a trickled "candidate:..." string, and written back.
 *
 * A struct lumen_sdp_candidate has fixed storage, so trickle candidates need no allocation.
 * Addresses are IPv4, IPv6 or a host name (mDNS "<uuid>.local"): names are never resolved here.
 * Pure functions. */
#include "webrtc/sdp.h"
#include "webrtc/sdp_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

bool sdp_ice_chars(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '+' && s[i] != '/')
			return false;
	return true;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (!*s || strlen(s) > 20)
		return false;
	for (; *s; s++) {
		if (!g_ascii_isdigit(*s))
			return false;
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	if (n > max)
		return false;
	*out = n;
	return true;
}

/* IPv4, IPv6 or a DNS name; returns false for anything else. */
static bool parse_address(const char *s, enum lumen_sdp_addr_kind *kind)
{
	unsigned char buf[16];
	bool letter = false;
	size_t n = strlen(s);

	if (inet_pton(AF_INET, s, buf) == 1) {
		*kind = LUMEN_SDP_ADDR_IPV4;
		return true;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		*kind = LUMEN_SDP_ADDR_IPV6;
		return true;
	}
	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (g_ascii_isalpha(s[i]))
			letter = true;
		else if (!g_ascii_isdigit(s[i]) && s[i] != '-' && s[i] != '.')
			return false;
	}
	*kind = LUMEN_SDP_ADDR_FQDN;
	return letter;
}

static const char *const type_names[] = {"host", "srflx", "prflx", "relay"};

const char *lumen_sdp_cand_type_name(enum lumen_sdp_cand_type type)
{
	return (unsigned)type < G_N_ELEMENTS(type_names) ? type_names[type] : "host";
}

static char *tok(char **p)
{
	char *s = *p, *start;

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

#define BAD(r)                                                                                     \
	do {                                                                                       \
		*reason = (r);                                                                     \
		return -EINVAL;                                                                    \
	} while (0)

static int parse_ext(struct lumen_sdp_candidate *c, const char *name, const char *value,
                     const char **reason)
{
	uint64_t n;

	if (!strcmp(name, "tcptype")) {
		if (c->tcptype[0] ||
		    (strcmp(value, "active") && strcmp(value, "passive") && strcmp(value, "so")))
			BAD("bad tcptype");
		g_strlcpy(c->tcptype, value, sizeof(c->tcptype));
	} else if (!strcmp(name, "generation")) {
		if (c->generation >= 0 || !parse_u64(value, UINT32_MAX, &n))
			BAD("bad generation");
		c->generation = (int64_t)n;
	} else if (!strcmp(name, "ufrag")) {
		if (c->ufrag[0] || !sdp_ice_chars(value, 1, 256))
			BAD("bad ufrag");
		g_strlcpy(c->ufrag, value, sizeof(c->ufrag));
	} else if (!strcmp(name, "network-id")) {
		if (c->network_id >= 0 || !parse_u64(value, UINT32_MAX, &n))
			BAD("bad network-id");
		c->network_id = (int64_t)n;
	} else if (!strcmp(name, "network-cost")) {
		if (c->network_cost >= 0 || !parse_u64(value, UINT32_MAX, &n))
			BAD("bad network-cost");
		c->network_cost = (int64_t)n;
	} else {
		if (c->n_ext == LUMEN_SDP_MAX_CAND_EXT)
			BAD("too many extensions");
		if (strlen(name) >= sizeof(c->ext[0][0]) || strlen(value) >= sizeof(c->ext[0][1]))
			BAD("extension too long");
		g_strlcpy(c->ext[c->n_ext][0], name, sizeof(c->ext[0][0]));
		g_strlcpy(c->ext[c->n_ext][1], value, sizeof(c->ext[0][1]));
		c->n_ext++;
	}
	return 0;
}

int sdp_candidate_parse_value(char *value, struct lumen_sdp_candidate *c, const char **reason)
{
	char *p = value, *t;
	uint64_t n;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->rport = -1;
	c->generation = c->network_id = c->network_cost = -1;
	if (!(t = tok(&p)) || !sdp_ice_chars(t, 1, 32))
		BAD("bad foundation");
	g_strlcpy(c->foundation, t, sizeof(c->foundation));
	if (!(t = tok(&p)) || !parse_u64(t, 256, &n) || n == 0)
		BAD("bad component");
	c->component = (unsigned)n;
	if (!(t = tok(&p)) || strlen(t) >= sizeof(c->transport) ||
	    (g_ascii_strcasecmp(t, "udp") && g_ascii_strcasecmp(t, "tcp")))
		BAD("bad transport");
	g_strlcpy(c->transport, t, sizeof(c->transport));
	if (!(t = tok(&p)) || !parse_u64(t, UINT32_MAX, &n) || n == 0)
		BAD("bad priority");
	c->priority = (uint32_t)n;
	if (!(t = tok(&p)) || !parse_address(t, &c->addr_kind))
		BAD("bad address");
	g_strlcpy(c->address, t, sizeof(c->address));
	if (!(t = tok(&p)) || !parse_u64(t, 65535, &n))
		BAD("bad port");
	c->port = (uint16_t)n;
	if (!(t = tok(&p)) || strcmp(t, "typ"))
		BAD("expected typ");
	if (!(t = tok(&p)))
		BAD("bad typ");
	for (i = 0; i < G_N_ELEMENTS(type_names); i++)
		if (!strcmp(t, type_names[i]))
			break;
	if (i == G_N_ELEMENTS(type_names))
		BAD("bad typ");
	c->type = (enum lumen_sdp_cand_type)i;
	while ((t = tok(&p))) {
		char *v = tok(&p);
		enum lumen_sdp_addr_kind kind;

		if (!v)
			BAD("extension without value");
		if (!strcmp(t, "raddr")) {
			if (c->raddr[0] || c->rport >= 0 || c->tcptype[0] || c->generation >= 0 ||
			    !parse_address(v, &kind))
				BAD("bad raddr");
			g_strlcpy(c->raddr, v, sizeof(c->raddr));
		} else if (!strcmp(t, "rport")) {
			if (c->rport >= 0 || c->tcptype[0] || c->generation >= 0 ||
			    !parse_u64(v, 65535, &n))
				BAD("bad rport");
			c->rport = (int)n;
		} else if (parse_ext(c, t, v, reason)) {
			return -EINVAL;
		}
	}
	return 0;
}

int lumen_sdp_candidate_parse(const char *s, size_t len, struct lumen_sdp_candidate *c,
                              struct lumen_sdp_error *err)
{
	const char *reason = NULL;
	char *buf;
	size_t off = 0;
	int rc;

	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' '))
		len--;
	if (len >= 2 && !memcmp(s, "a=", 2))
		off = 2;
	if (len - off >= 10 && !g_ascii_strncasecmp(s + off, "candidate:", 10))
		off += 10;
	if (len > LUMEN_SDP_MAX_LINE) {
		reason = "too long";
		goto fail;
	}
	for (size_t i = off; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t') {
			reason = "control character";
			goto fail;
		}
	}
	buf = g_strndup(s + off, len - off);
	rc = sdp_candidate_parse_value(buf, c, &reason);
	g_free(buf);
	if (rc == 0)
		return 0;
fail:
	if (err) {
		err->line = 0;
		snprintf(err->msg, sizeof(err->msg), "candidate: %s", reason);
	}
	return -EINVAL;
}

int lumen_sdp_candidate_write(const struct lumen_sdp_candidate *c, char *buf, size_t size)
{
	GString *s = g_string_sized_new(128);
	int n;

	g_string_append_printf(s, "%s %u %s %u %s %u typ %s", c->foundation, c->component,
	                       c->transport, c->priority, c->address, c->port,
	                       lumen_sdp_cand_type_name(c->type));
	if (c->raddr[0])
		g_string_append_printf(s, " raddr %s", c->raddr);
	if (c->rport >= 0)
		g_string_append_printf(s, " rport %d", c->rport);
	if (c->tcptype[0])
		g_string_append_printf(s, " tcptype %s", c->tcptype);
	if (c->generation >= 0)
		g_string_append_printf(s, " generation %" G_GINT64_FORMAT, c->generation);
	if (c->ufrag[0])
		g_string_append_printf(s, " ufrag %s", c->ufrag);
	if (c->network_id >= 0)
		g_string_append_printf(s, " network-id %" G_GINT64_FORMAT, c->network_id);
	if (c->network_cost >= 0)
		g_string_append_printf(s, " network-cost %" G_GINT64_FORMAT, c->network_cost);
	for (unsigned i = 0; i < c->n_ext && i < LUMEN_SDP_MAX_CAND_EXT; i++)
		g_string_append_printf(s, " %s %s", c->ext[i][0], c->ext[i][1]);
	n = (int)s->len;
	if (size)
		g_strlcpy(buf, s->str, size);
	g_string_free(s, TRUE);
	return n;
}
