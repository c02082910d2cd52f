/* echotest/answer.c -- builds the echo test's SDP answer from a client's offer.
 *
 * An echo sends back what it receives, so the answer accepts every offered audio, video and
 * data m-line with the offer's own codecs and header extensions, and mirrors the direction
 * (sendonly -> recvonly, ...). m-lines it cannot serve (port 0, other media or transports) are
 * rejected with port 0. Attributes of ICE, DTLS, SSRCs and simulcast are left out: the core
 * completes the transport part, and echoing simulcast is not supported (one layer is sent back).
 * Lines are copied verbatim only after a check that they hold no control characters. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"

/* A growable output string; on allocation failure len stays and `failed` is set. */
struct out {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 1024;
		while (cap < o->len + n + 1)
			cap *= 2;
		char *b = realloc(o->buf, cap);
		if (!b) {
			o->failed = true;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void putl(struct out *o, const char *s, size_t n)
{
	put(o, s, n);
	put(o, "\r\n", 2);
}

static void puts_(struct out *o, const char *s)
{
	putl(o, s, strlen(s));
}

static bool starts(const char *line, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(line, prefix, k) == 0;
}

/* One line of the offer: [p, p+n) without its line end. */
struct line {
	const char *p;
	size_t n;
};

/* Splits text into lines (LF or CRLF). Returns the count or -EINVAL on control characters. */
static int split(const char *text, struct line **out)
{
	size_t cap = 64, n = 0;
	struct line *v = malloc(cap * sizeof(*v));
	const char *p = text;

	if (!v)
		return -ENOMEM;
	while (*p) {
		const char *e = p;
		while (*e && *e != '\n')
			e++;
		size_t len = (size_t)(e - p);
		if (len && p[len - 1] == '\r')
			len--;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)p[i] < 0x20 && p[i] != '\t') {
				free(v);
				return -EINVAL;
			}
		if (n == cap) {
			struct line *w = realloc(v, 2 * cap * sizeof(*v));
			if (!w) {
				free(v);
				return -ENOMEM;
			}
			v = w;
			cap *= 2;
		}
		if (len)
			v[n++] = (struct line){p, len};
		p = *e ? e + 1 : e;
	}
	*out = v;
	return (int)n;
}

/* The parts of an m-line: "m=KIND PORT PROTO FMT..." */
struct mline {
	char kind[16];
	unsigned port;
	char proto[32];
	const char *fmts; /* rest of the line after proto */
	size_t fmts_len;
	bool bundle_only; /* a=bundle-only: port 0 in an offer still means "offered" (RFC 8843) */
};

static int parse_mline(const struct line *l, struct mline *m)
{
	char buf[256];
	int used = 0;

	if (l->n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, l->p, l->n);
	buf[l->n] = '\0';
	if (sscanf(buf, "m=%15s %u %31s %n", m->kind, &m->port, m->proto, &used) < 3 || used == 0)
		return -EINVAL;
	if (m->port > 65535)
		return -EINVAL;
	m->fmts = l->p + used;
	m->fmts_len = l->n - (size_t)used;
	return m->fmts_len ? 0 : -EINVAL;
}

static bool served(const struct mline *m)
{
	bool rtp = strcmp(m->proto, "UDP/TLS/RTP/SAVPF") == 0 || strcmp(m->proto, "RTP/SAVPF") == 0;
	bool sctp = strcmp(m->proto, "UDP/DTLS/SCTP") == 0 || strcmp(m->proto, "DTLS/SCTP") == 0;

	if (m->port == 0 && !m->bundle_only)
		return false;
	if (strcmp(m->kind, "audio") == 0 || strcmp(m->kind, "video") == 0)
		return rtp;
	return strcmp(m->kind, "application") == 0 && sctp;
}

/* The answer's direction for an offered one (NULL line = sendrecv). */
static const char *mirror(const char *offered)
{
	if (strcmp(offered, "sendonly") == 0)
		return "recvonly";
	if (strcmp(offered, "recvonly") == 0)
		return "sendonly";
	if (strcmp(offered, "inactive") == 0)
		return "inactive";
	return "sendrecv";
}

/* Attributes copied from an accepted m-section unchanged. */
static bool copied(const struct line *l)
{
	static const char *const keep[] = {
	    "a=rtpmap:",    "a=fmtp:",      "a=rtcp-fb:",          "a=extmap:",  "a=rtcp-mux",
	    "a=rtcp-rsize", "a=sctp-port:", "a=max-message-size:", "a=sctpmap:", NULL};
	for (size_t i = 0; keep[i]; i++)
		if (starts(l->p, l->n, keep[i]))
			return true;
	return false;
}

/* The a=mid of the m-section lines[0..n), or "" (mids longer than 63 bytes are ignored). */
static void section_mid(const struct line *lines, size_t n, char mid[64])
{
	mid[0] = '\0';
	for (size_t i = 1; i < n; i++)
		if (starts(lines[i].p, lines[i].n, "a=mid:") && lines[i].n - 6 < 64) {
			memcpy(mid, lines[i].p + 6, lines[i].n - 6);
			mid[lines[i].n - 6] = '\0';
		}
}

/* Writes the answer for the m-section lines[0..n) (lines[0] is the m-line). */
static void answer_section(struct out *o, const struct line *lines, size_t n, const struct mline *m)
{
	char mid[64], dir[16] = "sendrecv", buf[256];

	section_mid(lines, n, mid);
	for (size_t i = 1; i < n; i++) {
		const struct line *l = &lines[i];
		static const char *const dirs[] = {"a=sendrecv", "a=sendonly", "a=recvonly",
		                                   "a=inactive", NULL};
		for (size_t k = 0; dirs[k]; k++)
			if (l->n == strlen(dirs[k]) && starts(l->p, l->n, dirs[k]))
				snprintf(dir, sizeof(dir), "%s", dirs[k] + 2);
	}
	snprintf(buf, sizeof(buf), "m=%s %u %s ", m->kind, served(m) ? 9u : 0u, m->proto);
	put(o, buf, strlen(buf));
	putl(o, m->fmts, m->fmts_len);
	puts_(o, "c=IN IP4 0.0.0.0");
	if (mid[0]) {
		snprintf(buf, sizeof(buf), "a=mid:%s", mid);
		puts_(o, buf);
	}
	if (!served(m))
		return;
	for (size_t i = 1; i < n; i++)
		if (copied(&lines[i]))
			putl(o, lines[i].p, lines[i].n);
	if (strcmp(m->kind, "application") == 0)
		return;
	const char *d = mirror(dir);
	snprintf(buf, sizeof(buf), "a=%s", d);
	puts_(o, buf);
	if (strcmp(d, "sendrecv") == 0 || strcmp(d, "sendonly") == 0) {
		snprintf(buf, sizeof(buf), "a=msid:lumen-echo echo-%s", mid[0] ? mid : m->kind);
		puts_(o, buf);
	}
}

/* The session part: version, origin, name, timing, the BUNDLE group of accepted mids (group:
 * " mid1 mid2", used only when the offer has a BUNDLE group). */
static void answer_session(struct out *o, const struct line *lines, size_t n,
                           unsigned long long session_id, const struct out *group)
{
	char buf[128];

	puts_(o, "v=0");
	snprintf(buf, sizeof(buf), "o=- %llu 2 IN IP4 127.0.0.1", session_id);
	puts_(o, buf);
	puts_(o, "s=lumen echotest");
	puts_(o, "t=0 0");
	for (size_t i = 0; i < n && !starts(lines[i].p, lines[i].n, "m="); i++) {
		if (starts(lines[i].p, lines[i].n, "a=group:BUNDLE ") && group->len) {
			put(o, "a=group:BUNDLE", 14);
			putl(o, group->buf, group->len);
		}
		if (starts(lines[i].p, lines[i].n, "a=extmap-allow-mixed"))
			putl(o, lines[i].p, lines[i].n);
	}
	puts_(o, "a=msid-semantic: WMS lumen-echo");
}

static char *fail(char **err, const char *why, struct line *lines, struct out *o)
{
	*err = strdup(why);
	free(lines);
	free(o->buf);
	return NULL;
}

/* Calls fn for each m-section; stops at the first malformed m-line (returns -EINVAL). */
static int each_section(const struct line *lines, size_t n, struct out *o,
                        void (*fn)(struct out *o, const struct line *sec, size_t len,
                                   const struct mline *m),
                        size_t *count)
{
	*count = 0;
	for (size_t i = 0; i < n;) {
		size_t end = i + 1;
		struct mline m;
		if (!starts(lines[i].p, lines[i].n, "m=")) {
			i++;
			continue;
		}
		while (end < n && !starts(lines[end].p, lines[end].n, "m="))
			end++;
		if (parse_mline(&lines[i], &m) < 0)
			return -EINVAL;
		m.bundle_only = false;
		for (size_t k = i + 1; k < end; k++)
			if (lines[k].n == 13 && starts(lines[k].p, lines[k].n, "a=bundle-only"))
				m.bundle_only = true;
		fn(o, &lines[i], end - i, &m);
		(*count)++;
		i = end;
	}
	return 0;
}

static void add_to_group(struct out *group, const struct line *sec, size_t len,
                         const struct mline *m)
{
	char mid[64];

	section_mid(sec, len, mid);
	if (served(m) && mid[0]) {
		put(group, " ", 1);
		put(group, mid, strlen(mid));
	}
}

static char *fail2(char **err, const char *why, struct line *lines, struct out *o, struct out *g)
{
	free(g->buf);
	return fail(err, why, lines, o);
}

char *lumen_echotest_answer(const char *offer, unsigned long long session_id, char **err)
{
	struct line *lines = NULL;
	struct out o = {0}, group = {0};
	size_t sections = 0;
	int n;

	if (!offer || strlen(offer) > ECHOTEST_MAX_SDP)
		return fail(err, "SDP missing or too large", NULL, &o);
	n = split(offer, &lines);
	if (n < 0)
		return fail(err, n == -EINVAL ? "SDP contains control characters" : "out of memory",
		            NULL, &o);
	if (n == 0 || lines[0].n != 3 || memcmp(lines[0].p, "v=0", 3) != 0)
		return fail(err, "SDP does not start with v=0", lines, &o);
	if (each_section(lines, (size_t)n, &group, add_to_group, &sections) < 0)
		return fail2(err, "malformed m-line", lines, &o, &group);
	if (sections == 0)
		return fail2(err, "SDP has no m-line", lines, &o, &group);
	answer_session(&o, lines, (size_t)n, session_id, &group);
	each_section(lines, (size_t)n, &o, answer_section, &sections);
	if (o.failed || group.failed)
		return fail2(err, "out of memory", lines, &o, &group);
	free(group.buf);
	free(lines);
	return o.buf;
}
