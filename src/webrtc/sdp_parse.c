/* sdp_parse.c -- text to struct lumen_sdp (RFC 8866 syntax): the line driver and the v/o/s/t/c/m
 * and i/b/k... lines. Attributes are handled in sdp_attr.c.
 *
 * One pass over the lines (CRLF or LF), each copied into a bounded scratch buffer, checked for
 * bytes the writer could not reproduce, and dispatched by type. Every refusal names its line and
 * reason. Pure function, no I/O, no logging. */
#include "webrtc/sdp.h"
#include "webrtc/sdp_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

int sdp_fail(struct sdp_ctx *c, const char *fmt, ...)
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

char *sdp_tok(char **p)
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
char *sdp_rest(char **p)
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

bool sdp_parse_u64(const char *s, uint64_t max, uint64_t *out)
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

bool sdp_parse_uint(const char *s, unsigned max, unsigned *out)
{
	uint64_t n;

	if (!sdp_parse_u64(s, max, &n))
		return false;
	*out = (unsigned)n;
	return true;
}

/* ---- lines ---- */

static int line_rank(char type, bool media)
{
	if (media)
		return type == 'i' ? 0 : type == 'b' ? 1 : 2;
	return strchr("iuep", type) ? 0 : type == 'b' ? 1 : 2;
}

/* Keep i=/b=/... lines in the order the writer emits them, stable within one rank. */
static void add_line(struct sdp_ctx *c, char type, const char *value)
{
	struct lumen_sdp_attr **arr = c->m ? &c->m->lines : &c->sdp->lines;
	unsigned *n = c->m ? &c->m->n_lines : &c->sdp->n_lines, pos;
	int rank = line_rank(type, c->m != NULL);
	char name[2] = {type, '\0'};

	for (pos = *n; pos > 0; pos--)
		if (line_rank((*arr)[pos - 1].name[0], c->m != NULL) <= rank)
			break;
	SDP_GROW(*arr, *n);
	memmove(&(*arr)[pos + 1], &(*arr)[pos], (*n - 1 - pos) * sizeof(**arr));
	(*arr)[pos].name = g_strdup(name);
	(*arr)[pos].value = g_strdup(value);
}

static int parse_origin(struct sdp_ctx *c, char *v)
{
	struct lumen_sdp_origin *o = &c->sdp->origin;
	char *f[6];
	uint64_t ver;

	if (o->username)
		return sdp_fail(c, "duplicate o= line");
	for (int i = 0; i < 6; i++)
		if (!(f[i] = sdp_tok(&v)))
			return sdp_fail(c, "o=: expected 6 fields");
	if (sdp_tok(&v))
		return sdp_fail(c, "o=: expected 6 fields");
	for (const char *p = f[1]; *p; p++)
		if (!g_ascii_isdigit(*p) || p - f[1] > 64)
			return sdp_fail(c, "o=: bad session id");
	if (!sdp_parse_u64(f[2], UINT64_MAX, &ver))
		return sdp_fail(c, "o=: bad session version");
	o->username = g_strdup(f[0]);
	o->sess_id = g_strdup(f[1]);
	o->sess_version = ver;
	o->nettype = g_strdup(f[3]);
	o->addrtype = g_strdup(f[4]);
	o->address = g_strdup(f[5]);
	return 0;
}

static int parse_timing(struct sdp_ctx *c, char *v)
{
	char *start = sdp_tok(&v), *stop = sdp_tok(&v);
	uint64_t a, b;

	if (c->sdp->timing)
		return sdp_fail(c, "duplicate t= line");
	if (!sdp_parse_u64(start, UINT64_MAX, &a) || !sdp_parse_u64(stop, UINT64_MAX, &b) ||
	    sdp_tok(&v))
		return sdp_fail(c, "t=: expected '<start> <stop>'");
	c->sdp->timing = g_strdup_printf("%s %s", start, stop);
	return 0;
}

static int parse_connection(struct sdp_ctx *c, char *v)
{
	char **field = c->m ? &c->m->connection : &c->sdp->connection;
	char *copy = g_strdup(v), *p = copy;
	bool ok = sdp_tok(&p) && sdp_tok(&p) && sdp_tok(&p) && !sdp_tok(&p);

	g_free(copy);
	if (!ok)
		return sdp_fail(c, "c=: expected '<nettype> <addrtype> <address>'");
	if (*field)
		return sdp_fail(c, "duplicate c= line");
	*field = g_strdup(sdp_rest(&v));
	return 0;
}

static int parse_media(struct sdp_ctx *c, char *v)
{
	char *type = sdp_tok(&v), *port = sdp_tok(&v), *proto = sdp_tok(&v), *slash, *fmt;
	struct lumen_sdp_media *m;
	unsigned p, n = 0;

	if (!type || !port || !proto)
		return sdp_fail(c, "m=: expected '<media> <port> <proto> <fmt>...'");
	if (c->sdp->n_media >= LUMEN_SDP_MAX_MEDIA)
		return sdp_fail(c, "m=: too many m-lines (max %d)", LUMEN_SDP_MAX_MEDIA);
	slash = strchr(port, '/');
	if (slash)
		*slash++ = '\0';
	if (!sdp_parse_uint(port, 65535, &p) ||
	    (slash && (!sdp_parse_uint(slash, 65535, &n) || !n)))
		return sdp_fail(c, "m=: bad port");
	m = c->m = lumen_sdp_add_media(c->sdp, type, proto);
	m->port = p;
	m->n_ports = n;
	c->n_section = 0;
	while ((fmt = sdp_tok(&v))) {
		if (m->n_codecs + m->n_fmts >= LUMEN_SDP_MAX_CODECS)
			return sdp_fail(c, "m=: too many formats (max %d)", LUMEN_SDP_MAX_CODECS);
		if (m->rtp) {
			unsigned pt;

			if (!sdp_parse_uint(fmt, 127, &pt))
				return sdp_fail(c, "m=: bad payload type '%s'", fmt);
			if (lumen_sdp_find_codec(m, pt))
				return sdp_fail(c, "m=: duplicate payload type %u", pt);
			sdp_codec_init(SDP_GROW(m->codecs, m->n_codecs), pt);
		} else {
			SDP_GROW(m->fmts, m->n_fmts)[0] = g_strdup(fmt);
		}
	}
	if (m->n_codecs + m->n_fmts == 0)
		return sdp_fail(c, "m=: no formats");
	return 0;
}

static int parse_line(struct sdp_ctx *c, char type, char *v)
{
	if (++c->n_section > LUMEN_SDP_MAX_ATTRS)
		return sdp_fail(c, "too many lines in one section (max %d)", LUMEN_SDP_MAX_ATTRS);
	switch (type) {
	case 'v':
		return sdp_fail(c, "v= is only allowed first");
	case 'o':
		return c->m ? sdp_fail(c, "o= inside a media section") : parse_origin(c, v);
	case 's':
		if (c->m || c->sdp->name)
			return sdp_fail(c, "unexpected s= line");
		c->sdp->name = g_strdup(v);
		return 0;
	case 't':
		return c->m ? sdp_fail(c, "t= inside a media section") : parse_timing(c, v);
	case 'c':
		return parse_connection(c, v);
	case 'm':
		return parse_media(c, v);
	case 'a':
		return sdp_parse_attr(c, v);
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
			return sdp_fail(c, "%c= inside a media section", type);
		add_line(c, type, v);
		return 0;
	default:
		return sdp_fail(c, "unknown line type '%c'", type);
	}
}

/* Copy one line into buf, refusing what the writer could not reproduce. */
static int take_line(struct sdp_ctx *c, const char *s, size_t n, char *buf)
{
	if (n > LUMEN_SDP_MAX_LINE)
		return sdp_fail(c, "line too long (max %d bytes)", LUMEN_SDP_MAX_LINE);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\0')
			return sdp_fail(c, "NUL byte");
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return sdp_fail(c, "control character 0x%02x", ch);
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int lumen_sdp_parse(const char *text, size_t len, struct lumen_sdp **out,
                    struct lumen_sdp_error *err)
{
	struct sdp_ctx c = {.err = err};
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
		return sdp_fail(&c, "description too large (max %d bytes)", LUMEN_SDP_MAX_SIZE);
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
			rc = sdp_fail(&c, "expected '<type>=<value>'");
			goto fail;
		}
		if (first) {
			first = false;
			if (strcmp(buf, "v=0")) {
				rc = sdp_fail(&c, "expected v=0 first");
				goto fail;
			}
			continue;
		}
		if ((rc = parse_line(&c, buf[0], buf + 2)))
			goto fail;
	}
	c.line = 0;
	if (first)
		rc = sdp_fail(&c, "empty description");
	else if (!c.sdp->origin.username)
		rc = sdp_fail(&c, "missing o= line");
	else if (!c.sdp->name)
		rc = sdp_fail(&c, "missing s= line");
	else if (!c.sdp->timing)
		rc = sdp_fail(&c, "missing t= line");
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
