/* sdp_internal.h -- helpers shared by the sdp*.c files only (not part of the engine's API).
 *
 * SDP_GROW appends one zeroed element to a GLib-allocated array and returns a pointer to it; the
 * parser bounds every array with the limits in sdp.h, so growing one element at a time is fine. */
#ifndef LUMEN_WEBRTC_SDP_INTERNAL_H
#define LUMEN_WEBRTC_SDP_INTERNAL_H

#include <string.h>

#include <glib.h>

#include "webrtc/sdp.h"

#define SDP_GROW(arr, n)                                                                           \
	((arr) = g_renew(__typeof__(*(arr)), (arr), (n) + 1),                                      \
	 memset(&(arr)[(n)], 0, sizeof(*(arr))), &(arr)[(n)++])

void sdp_media_init(struct lumen_sdp_media *m);
void sdp_media_fini(struct lumen_sdp_media *m);
void sdp_codec_init(struct lumen_sdp_codec *c, unsigned pt);
void sdp_codec_fini(struct lumen_sdp_codec *c);
void sdp_group_fini(struct lumen_sdp_group *g);
/* Parse fmtp into c's typed fields; on -EINVAL the offending key is copied to bad (if not NULL). */
int sdp_fmtp_derive(struct lumen_sdp_codec *c, const char *fmtp, char *bad, size_t bad_size);
/* Candidate value parser used by the SDP parser: reason (static text) says what is wrong. */
int sdp_candidate_parse_value(char *value, struct lumen_sdp_candidate *c, const char **reason);
/* True when s is hex byte pairs separated by colons ("AB:CD:..."), 1..64 bytes. */
bool sdp_is_fingerprint(const char *s);
/* True when s is min..max ice-chars (ALPHA / DIGIT / "+" / "/"), RFC 8839. */
bool sdp_ice_chars(const char *s, size_t min, size_t max);

/* ---- parser internals shared by sdp_parse.c (lines) and sdp_attr.c (attributes) ---- */

struct sdp_ctx {
	struct lumen_sdp *sdp;
	struct lumen_sdp_media *m; /* NULL while in the session section */
	const char *attr;          /* attribute being parsed, for messages */
	unsigned line;
	unsigned n_section; /* lines in the current section */
	struct lumen_sdp_error *err;
};

/* Fill c->err with "line N: [a=attr: ]reason" and return -EINVAL. */
__attribute__((format(printf, 2, 3))) int sdp_fail(struct sdp_ctx *c, const char *fmt, ...);
/* Next blank-separated token of *p (split in place), or NULL; NULL-safe. */
char *sdp_tok(char **p);
/* The rest of *p without surrounding blanks, or NULL when empty; NULL-safe. */
char *sdp_rest(char **p);
bool sdp_parse_u64(const char *s, uint64_t max, uint64_t *out);
bool sdp_parse_uint(const char *s, unsigned max, unsigned *out);
/* Parse one "name[:value]" attribute into the current section. */
int sdp_parse_attr(struct sdp_ctx *c, char *text);

#endif
