/* sdp.h -- parse and write session descriptions (RFC 8866) as WebRTC uses them (Unified Plan,
 * RFC 8829 JSEP, RFC 8843 BUNDLE, RFC 8839 ICE, RFC 8841 SCTP, RFC 8851/8853 rid and simulcast).
 *
 * A struct lumen_sdp is a plain, heap-owned model: lumen_sdp_parse() builds one, lumen_sdp_write()
 * turns one back into text, lumen_sdp_free() releases it (and every string in it, all
 * GLib-allocated). Callers may read and edit the fields directly; strings and arrays they put in
 * are then owned by the description (allocate them with g_strdup / g_new). Attributes the model
 * does not know are kept in `attrs` in their order, so a parse/write round trip loses nothing a
 * peer sent. Pure functions: no I/O, no globals, no logging; any thread, one description per thread
 * at a time. The answer builder and the ICE/DTLS/origin stamps live in sdp_answer.c, candidates in
 * sdp_candidate.c. */
#ifndef LUMEN_WEBRTC_SDP_H
#define LUMEN_WEBRTC_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard limits: input beyond them is refused with a clear error, never truncated. */
#define LUMEN_SDP_MAX_SIZE       (512 * 1024) /* whole description, bytes */
#define LUMEN_SDP_MAX_LINE       4096         /* one line, bytes, without the line ending */
#define LUMEN_SDP_MAX_MEDIA      64           /* m-lines */
#define LUMEN_SDP_MAX_ATTRS      512          /* lines in one section (session or one m-line) */
#define LUMEN_SDP_MAX_CODECS     64           /* payload types per m-line */
#define LUMEN_SDP_MAX_FB         16           /* rtcp-fb lines per payload type */
#define LUMEN_SDP_MAX_CANDIDATES 64           /* candidates per m-line */
#define LUMEN_SDP_MAX_EXTMAPS    32           /* extmaps per m-line */
#define LUMEN_SDP_MAX_RIDS       16           /* rids per m-line */
#define LUMEN_SDP_MAX_GROUP      LUMEN_SDP_MAX_MEDIA /* ids in one group / ssrc-group */
#define LUMEN_SDP_MAX_CAND_EXT   8                   /* unknown candidate extensions kept */

/* Filled by the parser on failure: msg reads "line 12: a=rtpmap: bad payload type" (line is
 * 1-based; 0 for a fault of the whole description, such as a missing o= line or oversized input).
 */
struct lumen_sdp_error {
	unsigned line;
	char msg[160];
};

enum lumen_sdp_dir {
	LUMEN_SDP_DIR_NONE = 0, /* no direction attribute (means sendrecv) */
	LUMEN_SDP_DIR_SENDRECV,
	LUMEN_SDP_DIR_SENDONLY,
	LUMEN_SDP_DIR_RECVONLY,
	LUMEN_SDP_DIR_INACTIVE,
};

enum lumen_sdp_setup {
	LUMEN_SDP_SETUP_NONE = 0,
	LUMEN_SDP_SETUP_ACTPASS,
	LUMEN_SDP_SETUP_ACTIVE,
	LUMEN_SDP_SETUP_PASSIVE,
	LUMEN_SDP_SETUP_HOLDCONN,
};

/* rtcp-fb kinds the engine acts on, as bit flags (lumen_sdp_fb_flag). */
enum {
	LUMEN_SDP_FB_NACK = 1u << 0,         /* "nack" */
	LUMEN_SDP_FB_PLI = 1u << 1,          /* "nack pli" */
	LUMEN_SDP_FB_FIR = 1u << 2,          /* "ccm fir" */
	LUMEN_SDP_FB_REMB = 1u << 3,         /* "goog-remb" */
	LUMEN_SDP_FB_TRANSPORT_CC = 1u << 4, /* "transport-cc" */
};

/* Header extensions the engine knows by URI (lumen_sdp_extmap_kind). */
enum lumen_sdp_ext {
	LUMEN_SDP_EXT_UNKNOWN = 0,
	LUMEN_SDP_EXT_MID,
	LUMEN_SDP_EXT_RID,
	LUMEN_SDP_EXT_REPAIRED_RID,
	LUMEN_SDP_EXT_ABS_SEND_TIME,
	LUMEN_SDP_EXT_TRANSPORT_CC,
	LUMEN_SDP_EXT_AUDIO_LEVEL,
	LUMEN_SDP_EXT_VIDEO_ORIENTATION,
	LUMEN_SDP_EXT_PLAYOUT_DELAY,
	LUMEN_SDP_EXT_DEPENDENCY_DESCRIPTOR,
	LUMEN_SDP_EXT_TOFFSET,
};

enum lumen_sdp_cand_type {
	LUMEN_SDP_CAND_HOST = 0,
	LUMEN_SDP_CAND_SRFLX,
	LUMEN_SDP_CAND_PRFLX,
	LUMEN_SDP_CAND_RELAY,
};

enum lumen_sdp_addr_kind {
	LUMEN_SDP_ADDR_IPV4 = 0,
	LUMEN_SDP_ADDR_IPV6,
	LUMEN_SDP_ADDR_FQDN, /* a host name, e.g. an mDNS "<uuid>.local" */
};

/* An attribute or line kept as text: a=name[:value], or an unmodelled line type (i=, b=, k=...). */
struct lumen_sdp_attr {
	char *name;  /* attribute name, or the one-letter line type for lines */
	char *value; /* NULL for a flag attribute */
};

/* One ICE candidate (RFC 8839 section 5.1). Self-contained: fixed storage, no free needed. */
struct lumen_sdp_candidate {
	char foundation[33];
	unsigned component; /* 1..256 */
	char transport[8];  /* as written: "udp", "UDP", "tcp" */
	uint32_t priority;
	char address[256];
	enum lumen_sdp_addr_kind addr_kind;
	uint16_t port;
	enum lumen_sdp_cand_type type;
	char raddr[256];      /* "" when absent */
	int rport;            /* -1 when absent */
	char tcptype[10];     /* "active", "passive", "so", or "" */
	int64_t generation;   /* -1 when absent */
	char ufrag[257];      /* "" when absent */
	int64_t network_id;   /* -1 when absent */
	int64_t network_cost; /* -1 when absent */
	unsigned n_ext;       /* other extension pairs, kept in order */
	char ext[LUMEN_SDP_MAX_CAND_EXT][2][64];
};

/* One payload type of an RTP m-line: a=rtpmap, a=fmtp and the a=rtcp-fb lines naming it. */
struct lumen_sdp_codec {
	unsigned pt; /* 0..127, in the m-line's order */
	char *name; /* encoding name as written ("opus", "VP8"), NULL for a static pt without rtpmap
	             */
	uint32_t clock;    /* clock rate */
	unsigned channels; /* 0 when the rtpmap has no channel count */
	char *fmtp;        /* format parameters as written, NULL when absent */
	char **fb;         /* rtcp-fb values for this pt ("nack", "nack pli", "ccm fir", ...) */
	unsigned n_fb;
	/* Parsed from fmtp by the parser and by lumen_sdp_codec_set_fmtp(); -1 when absent. */
	int apt;                            /* RTX: associated payload type */
	int minptime, useinbandfec, stereo; /* Opus */
	int profile_id;                     /* VP9 */
	int packetization_mode;             /* H.264 */
	int level_asymmetry_allowed;        /* H.264 */
	long profile_level_id;              /* H.264, 24 bits */
};

struct lumen_sdp_extmap {
	unsigned id;            /* 1..255 (RFC 8285; 15 is reserved for one-byte headers) */
	enum lumen_sdp_dir dir; /* NONE when the line has no /direction */
	char *uri;
	char *params; /* extension attributes after the URI, NULL when none */
};

struct lumen_sdp_rid {
	char *id;
	bool recv;     /* false: "send" */
	unsigned *pts; /* pt=... list, may be empty */
	unsigned n_pts;
	char *
	    restrictions; /* the other restrictions ("max-width=1280;max-fps=30"), NULL when none */
};

/* One entry of a=simulcast: ids separated by ';' are streams, by ',' alternatives of one stream. */
struct lumen_sdp_sim_id {
	char *rid;
	bool paused; /* written with a leading '~' */
	bool alt;    /* an alternative of the previous entry (joined with ',') */
};

struct lumen_sdp_simulcast {
	struct lumen_sdp_sim_id *send, *recv;
	unsigned n_send, n_recv;
	bool recv_first; /* "recv ... send ..." order as written (false with one direction) */
};

struct lumen_sdp_ssrc {
	uint32_t ssrc;
	char *attr;  /* "cname", "msid", ... */
	char *value; /* NULL for a bare a=ssrc:<id> <attr> */
};

struct lumen_sdp_group {
	char *semantics; /* "BUNDLE", "LS", or for ssrc-group "FID", "SIM", "FEC-FR" */
	char **ids;      /* mids (group) */
	uint32_t *ssrcs; /* ssrcs (ssrc-group) */
	unsigned n;
};

struct lumen_sdp_fingerprint {
	char *hash;  /* "sha-256", NULL when absent */
	char *value; /* "AB:CD:..." uppercase or as written */
};

struct lumen_sdp_msid {
	char *stream; /* "-" for no stream */
	char *track;  /* NULL when absent */
};

struct lumen_sdp_media {
	char *type;       /* "audio", "video", "application", ... */
	unsigned port;    /* 0 = rejected m-line */
	unsigned n_ports; /* the /count after the port, 0 when absent */
	char *proto;      /* "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", "DTLS/SCTP", ... */
	bool rtp;         /* proto has "RTP/": formats are payload types, kept in codecs */
	struct lumen_sdp_codec *codecs;
	unsigned n_codecs;
	char **fmts; /* non-RTP formats ("webrtc-datachannel", "5000") */
	unsigned n_fmts;
	char *connection; /* c= value ("IN IP4 0.0.0.0"), NULL when absent */
	char *rtcp;       /* a=rtcp value, NULL when absent */
	char *mid;
	enum lumen_sdp_dir dir;
	struct lumen_sdp_msid *msids;
	unsigned n_msids;
	bool rtcp_mux, rtcp_mux_only, rtcp_rsize;
	char **fb_any; /* a=rtcp-fb:* values */
	unsigned n_fb_any;
	struct lumen_sdp_extmap *extmaps;
	unsigned n_extmaps;
	struct lumen_sdp_ssrc *ssrcs;
	unsigned n_ssrcs;
	struct lumen_sdp_group *ssrc_groups;
	unsigned n_ssrc_groups;
	struct lumen_sdp_rid *rids;
	unsigned n_rids;
	struct lumen_sdp_simulcast *simulcast; /* NULL when absent */
	char *ice_ufrag, *ice_pwd, *ice_options;
	struct lumen_sdp_candidate *candidates;
	unsigned n_candidates;
	bool end_of_candidates;
	struct lumen_sdp_fingerprint fingerprint;
	enum lumen_sdp_setup setup;
	int sctp_port;         /* a=sctp-port, -1 when absent */
	long max_message_size; /* a=max-message-size, -1 when absent */
	char *
	    sctpmap; /* legacy a=sctpmap value ("5000 webrtc-datachannel 1024"), NULL when absent */
	bool bundle_only;
	struct lumen_sdp_attr *lines; /* i=, b=, k= lines in order */
	unsigned n_lines;
	struct lumen_sdp_attr *attrs; /* other attributes, in order */
	unsigned n_attrs;
};

struct lumen_sdp_origin {
	char *username; /* "-" */
	char *sess_id;  /* decimal digits as written (may exceed 64 bits in the wild) */
	uint64_t sess_version;
	char *nettype, *addrtype, *address;
};

struct lumen_sdp {
	struct lumen_sdp_origin origin;
	char *name;                   /* s= */
	char *timing;                 /* t= value, "0 0" */
	char *connection;             /* session c=, NULL when absent */
	struct lumen_sdp_attr *lines; /* i=, u=, e=, p=, b=, r=, z=, k= lines in order */
	unsigned n_lines;
	struct lumen_sdp_group *groups; /* a=group */
	unsigned n_groups;
	char *msid_semantic; /* a=msid-semantic value without leading blanks ("WMS *"), NULL when
	                        absent */
	bool ice_lite;
	char *ice_ufrag, *ice_pwd, *ice_options;
	struct lumen_sdp_fingerprint fingerprint;
	enum lumen_sdp_setup setup;
	struct lumen_sdp_attr *attrs; /* other session attributes, in order */
	unsigned n_attrs;
	struct lumen_sdp_media *media;
	unsigned n_media;
};

/* Parse text[0..len) (CRLF or LF line endings). Returns 0 and a new description in *out (free with
 * lumen_sdp_free), or -EINVAL with *out NULL and err (if not NULL) saying which line is wrong and
 * why. Never reads outside text[0..len); text need not be NUL-terminated. */
int lumen_sdp_parse(const char *text, size_t len, struct lumen_sdp **out,
                    struct lumen_sdp_error *err);

/* Write sdp as text with CRLF line endings, in canonical order (known attributes first, then the
 * kept ones). Returns a NUL-terminated string the caller frees with g_free; *len (if not NULL) gets
 * its length. NULL mandatory fields are written as "-" (names) or 0 (numbers). */
char *lumen_sdp_write(const struct lumen_sdp *sdp, size_t *len);

/* Free a description and everything it owns. NULL is fine. */
void lumen_sdp_free(struct lumen_sdp *sdp);

/* An empty description (v=0, no origin yet, no media), to be filled by the caller or the builder.
 */
struct lumen_sdp *lumen_sdp_new(void);

/* Append an empty m-line of the given type and proto; returns it (owned by sdp). */
struct lumen_sdp_media *lumen_sdp_add_media(struct lumen_sdp *sdp, const char *type,
                                            const char *proto);

/* Deep equality of two models (what a round trip must preserve). */
bool lumen_sdp_equal(const struct lumen_sdp *a, const struct lumen_sdp *b);

/* Lookups. */
struct lumen_sdp_media *lumen_sdp_find_mid(const struct lumen_sdp *sdp, const char *mid);
struct lumen_sdp_codec *lumen_sdp_find_codec(const struct lumen_sdp_media *m, unsigned pt);
/* The RTX codec whose apt is pt, or NULL. */
struct lumen_sdp_codec *lumen_sdp_find_rtx(const struct lumen_sdp_media *m, unsigned pt);
/* The extmap id of a known extension kind in m, or 0. */
unsigned lumen_sdp_find_extmap(const struct lumen_sdp_media *m, enum lumen_sdp_ext kind);
/* rtcp-fb flags that apply to codec c in m (its own lines and the a=rtcp-fb:* ones). */
unsigned lumen_sdp_codec_fb(const struct lumen_sdp_media *m, const struct lumen_sdp_codec *c);
/* The a=group with these semantics ("BUNDLE"), or NULL. */
struct lumen_sdp_group *lumen_sdp_find_group(const struct lumen_sdp *sdp, const char *semantics);
/* Media values that fall back to the session level when the m-line has none. */
const char *lumen_sdp_media_ice_ufrag(const struct lumen_sdp *sdp, const struct lumen_sdp_media *m);
const char *lumen_sdp_media_ice_pwd(const struct lumen_sdp *sdp, const struct lumen_sdp_media *m);
const struct lumen_sdp_fingerprint *lumen_sdp_media_fingerprint(const struct lumen_sdp *sdp,
                                                                const struct lumen_sdp_media *m);
enum lumen_sdp_setup lumen_sdp_media_setup(const struct lumen_sdp *sdp,
                                           const struct lumen_sdp_media *m);

/* Replace c->fmtp (copied; NULL clears it) and re-derive the typed fields. Returns -EINVAL, leaving
 * c unchanged, if a known parameter has a bad value. */
int lumen_sdp_codec_set_fmtp(struct lumen_sdp_codec *c, const char *fmtp);

/* Value <-> name helpers. */
unsigned lumen_sdp_fb_flag(const char *fb);
enum lumen_sdp_ext lumen_sdp_extmap_kind(const char *uri);
const char *lumen_sdp_dir_name(enum lumen_sdp_dir dir);
const char *lumen_sdp_setup_name(enum lumen_sdp_setup setup);
/* The direction the other side takes for ours (sendonly <-> recvonly). */
enum lumen_sdp_dir lumen_sdp_dir_reverse(enum lumen_sdp_dir dir);

/* Candidates (sdp_candidate.c). Parse one candidate: "candidate:...", "a=candidate:..." or the bare
 * value after "candidate:" (as trickled by browsers). Returns 0 or -EINVAL with err->msg set (line
 * 0). */
int lumen_sdp_candidate_parse(const char *s, size_t len, struct lumen_sdp_candidate *c,
                              struct lumen_sdp_error *err);
/* Write the value of c (without "candidate:") into buf. Returns the length it needs, as snprintf.
 */
int lumen_sdp_candidate_write(const struct lumen_sdp_candidate *c, char *buf, size_t size);
const char *lumen_sdp_cand_type_name(enum lumen_sdp_cand_type type);

/* ---- Answer builder and stamps (sdp_answer.c) ---- */

/* One codec we support, in preference order. fmtp_match lists parameters an offered codec must
 * carry with the same values to match ("packetization-mode=1;profile-level-id=42e01f" compares the
 * H.264 profile, the first 4 hex digits, and lets the level differ; "profile-id=0" for VP9, where a
 * missing profile-id means 0). NULL matches any parameters. fb is the LUMEN_SDP_FB_* set we handle.
 */
struct lumen_sdp_codec_cap {
	const char *name; /* case-insensitive encoding name */
	uint32_t clock;
	unsigned channels; /* 0 = don't care */
	const char *fmtp_match;
	unsigned fb;
	bool rtx; /* also take the offer's RTX for it */
};

struct lumen_sdp_caps {
	const struct lumen_sdp_codec_cap *audio, *video;
	size_t n_audio, n_video;
	const char *const *extmaps; /* supported header extension URIs */
	size_t n_extmaps;
	enum lumen_sdp_dir audio_dir, video_dir; /* what we can do (NONE = sendrecv) */
	bool simulcast;        /* receive the offer's simulcast (rids, a=simulcast recv) */
	bool datachannel;      /* accept an SCTP m-line */
	long max_message_size; /* for a=max-message-size, e.g. 262144 */
};

/* Build the media part of an answer to offer: per m-line the mid, a direction compatible with both
 * sides, codecs in our preference order with the offer's payload types, their RTX, fmtp and the
 * intersection of rtcp-fb, the offered extmaps we support with the offer's ids, rtcp-mux/rsize when
 * offered, simulcast reversed when caps allow; m-lines we can't or won't take are rejected (port 0)
 * and left out of the BUNDLE group. No ICE, DTLS or origin yet: see the stamps below.
 * Returns 0 and *out (free with lumen_sdp_free), -EINVAL when the offer has no mid on an m-line
 * (err says which), -ENOENT when nothing at all could be accepted (err says why). */
int lumen_sdp_answer_build(const struct lumen_sdp *offer, const struct lumen_sdp_caps *caps,
                           struct lumen_sdp **out, struct lumen_sdp_error *err);

/* Put ICE credentials (and candidates, end-of-candidates, ice-lite) on every accepted m-line.
 * Returns -EINVAL when ufrag or pwd are not valid ICE strings (RFC 8839: 4..256 and 22..256
 * ice-chars). */
int lumen_sdp_stamp_ice(struct lumen_sdp *sdp, const char *ufrag, const char *pwd,
                        const struct lumen_sdp_candidate *cands, size_t n_cands,
                        bool end_of_candidates, bool ice_lite);
/* Put the DTLS fingerprint and setup role on every accepted m-line. Returns -EINVAL when the hash
 * name or the colon-separated hex fingerprint is malformed. */
int lumen_sdp_stamp_dtls(struct lumen_sdp *sdp, const char *hash, const char *fingerprint,
                         enum lumen_sdp_setup setup);
/* Set the o= line. Returns -EINVAL for an empty or blank-containing username or address. */
int lumen_sdp_stamp_origin(struct lumen_sdp *sdp, const char *username, uint64_t sess_id,
                           uint64_t sess_version, const char *address);

#endif
