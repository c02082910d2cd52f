/* rooms/room_sdp.h -- the SDP the rooms engine writes: the answer to a publisher's offer (what
 * it publishes, read back as track descriptions) and the offer to a subscriber (the tracks it
 * receives, one m-line each).
 *
 * Both describe media only (plugin.h, Signalling): the core adds ICE, DTLS and the o= session
 * id/version before a client sees them. Built on the SDP model of src/webrtc/sdp.h, linked into
 * the plugin statically. Pure functions, any thread; every string returned is malloc'd (free()).
 *
 * Header extensions. A subscriber's offer always uses lumen's fixed id table below, whatever ids
 * each publisher chose; the core translates ids per packet when it relays (plugin.h, priv), and
 * drops the extensions a subscriber cannot take (mid, rid and repaired-rid values are the
 * publisher's own and would be wrong for the subscriber). */
#ifndef LUMEN_ROOMS_SDP_H
#define LUMEN_ROOMS_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lumen/plugin.h>

#define ROOMS_MAX_TRACKS  16 /* m-lines a publisher may publish */
#define ROOMS_MAX_LAYERS  3  /* simulcast layers per video track */
#define ROOMS_MID_MAX     32
#define ROOMS_RID_MAX     16
#define ROOMS_MSID_MAX    65 /* RFC 8830: msid-id and msid-appdata are 1..64 chars */
#define ROOMS_SDP_MAX_SIZE (256 * 1024) /* larger offers and answers are refused */

/* Fixed extension ids of every offer to a subscriber. */
#define ROOMS_EXT_AUDIO_LEVEL   1 /* urn:ietf:params:rtp-hdrext:ssrc-audio-level */
#define ROOMS_EXT_ABS_SEND_TIME 2 /* http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time */
#define ROOMS_EXT_VIDEO_ORIENT  3 /* urn:3gpp:video-orientation */
#define ROOMS_EXT_PLAYOUT_DELAY 4 /* http://www.webrtc.org/experiments/rtp-hdrext/playout-delay */

/* One negotiated codec of a track: what a subscriber's offer repeats. */
struct rooms_codec {
	char name[16];   /* "opus", "VP8", "VP9", "H264", "AV1" as in the rtpmap */
	unsigned pt;     /* payload type the publisher uses */
	uint32_t clock;
	unsigned channels;  /* 0 when the rtpmap had none (video) */
	char fmtp[256];     /* "" when none */
	int rtx_pt;         /* the publisher's RTX payload type for it, -1 when none */
};

/* One track a publisher publishes (one accepted m-line of its offer). */
struct rooms_track_desc {
	char mid[ROOMS_MID_MAX];
	enum lumen_media_kind kind;  /* AUDIO, VIDEO or DATA (the SCTP m-line) */
	struct rooms_codec codec;    /* the codec of the answer (first of our preference offered) */
	/* Simulcast: layers in the order the publisher listed them in a=simulcast (rid-based), or
	 * in its a=ssrc-group:SIM (SSRC-based). n_layers = 0 when not simulcast. */
	unsigned n_layers;
	char rids[ROOMS_MAX_LAYERS][ROOMS_RID_MAX]; /* "" for SSRC-based layers */
	uint32_t layer_ssrcs[ROOMS_MAX_LAYERS];     /* 0 when not announced (rid-based) */
	uint32_t ssrc;       /* a=ssrc of a non-simulcast track, 0 when not announced */
	/* from a=msid (or the a=ssrc msid attribute), "" when absent */
	char msid_stream[ROOMS_MSID_MAX], msid_track[ROOMS_MSID_MAX];
	bool sends;          /* the publisher sends on it (sendonly/sendrecv) */
};

/* What the rooms engine accepts from publishers. Codec names (case-insensitive): opus, pcmu,
 * pcma, g722 for audio; vp8, vp9 (profile 0), h264 (packetization-mode=1, constrained baseline
 * 42e0xx preferred over baseline 4200xx, any level), av1, h265 for video. An unknown name fails
 * rooms_sdp_answer_publisher with -EINVAL ("policy: unknown video codec 'x'"). */
struct rooms_sdp_policy {
	const char *audio_codecs; /* comma-separated preference, "opus"; NULL or "" = no audio */
	const char *video_codecs; /* "vp8,vp9,h264,av1"; NULL or "" = no video */
	bool simulcast;           /* accept simulcast (rid- and SSRC-based) */
	bool data;                /* accept a data channel m-line */
};

/* Builds the answer to a publisher's offer (recvonly on every accepted audio/video m-line,
 * codecs cut down to the one we take plus its RTX, rtcp-fb nack/pli/fir/goog-remb/transport-cc
 * as offered, the offer's extension ids for the extensions lumen reads, simulcast reversed) and
 * describes what it publishes. Returns 0 with *answer and tracks[0..*n_tracks), or a negative
 * errno with *err (malloc'd, one line: "m-line 1 (video): no codec in common (offered H265)"):
 *   -E2BIG   the offer is larger than ROOMS_SDP_MAX_SIZE, or accepts more than max_tracks m-lines
 *   -EINVAL  malformed SDP (the parser's "line N: ..."), an m-line without a=mid, a mid, rid or
 *            msid longer than the fields above, or a bad policy
 *   -ENOENT  nothing acceptable (err lists each m-line's reason)
 * Simulcast beyond ROOMS_MAX_LAYERS streams is cut to the first ROOMS_MAX_LAYERS of a=simulcast
 * (rid-based) or of a=ssrc-group:SIM. An m-line the offer sends nothing on (recvonly/inactive)
 * is answered inactive and still described, with sends = false. The DATA track has an empty
 * codec (name "", rtx_pt -1). On failure *answer is NULL and *n_tracks 0. */
int rooms_sdp_answer_publisher(const char *offer, const struct rooms_sdp_policy *pol,
			       char **answer, struct rooms_track_desc *tracks, unsigned max_tracks,
			       unsigned *n_tracks, char **err);

/* One m-line of an offer to a subscriber. */
struct rooms_offer_stream {
	char mid[ROOMS_MID_MAX];
	enum lumen_media_kind kind;  /* AUDIO or VIDEO; DATA for the data channel m-line */
	bool active;                 /* false: port 0 (a stream that ended; the mid stays taken) */
	struct rooms_codec codec;    /* sent with the publisher's pt; no RTX is offered */
	uint32_t ssrc;               /* the SSRC the subscriber will see (after rewriting) */
	/* "" = derived from the mid ("lumen-MID" / "track-MID") */
	char msid_stream[ROOMS_MSID_MAX], msid_track[ROOMS_MSID_MAX];
	char cname[32];              /* "" = "lumen" */
};

/* Builds an offer (sendonly m-lines in order, BUNDLE of the active ones, a=ssrc with cname and
 * msid, rtcp-fb nack, nack pli, ccm fir, goog-remb for video, the fixed extension ids above).
 * Inactive streams keep their place: port 0, a=inactive, the codec still listed so the m-line
 * parses. Returns a malloc'd SDP, or NULL with *err when n is 0, a mid is empty, repeated or has
 * blanks, or an audio/video stream has no codec name. */
char *rooms_sdp_offer_subscriber(const struct rooms_offer_stream *streams, unsigned n, char **err);

/* Checks a subscriber's answer: it parses, and every m-line is accepted (port != 0) with
 * direction recvonly or inactive (a DATA m-line has none). Use it only when every stream of the
 * offer was active: an answer can only reject (port 0) an m-line the offer had at port 0, and the
 * answer alone cannot tell those apart; rooms_sdp_check_answer_streams can. Returns 0, or
 * -EINVAL with *err (malloc'd, one line). */
int rooms_sdp_check_answer(const char *answer, char **err);

/* The same check against the offer's streams: the answer has the same m-lines (count, mids in
 * order), every active stream is accepted (recvonly or inactive), inactive ones may be port 0. */
int rooms_sdp_check_answer_streams(const char *answer, const struct rooms_offer_stream *streams,
				   unsigned n, char **err);

#endif
