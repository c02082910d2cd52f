/* rooms/layers.h -- what one subscriber receives of one published video (or audio) track:
 * which simulcast layer and temporal layer, and the header rewrite that makes the stream it
 * sees seamless (one SSRC, continuous sequence numbers and timestamps, VP8 / VP9 picture ids)
 * across layer switches, pauses and publisher restarts.
 *
 * A switch waits for a keyframe of the target layer: until then the old layer keeps flowing
 * (a switch down never freezes the picture) and the caller is told to ask the publisher for a
 * keyframe (at most once per ROOMS_PLI_MIN_US per track, the caller rate-limits across
 * subscribers). The automatic choice follows the subscriber's bandwidth estimate with hysteresis:
 * down at once when the estimate falls below what the current layer needs, up only after the
 * estimate has covered the higher layer with ROOMS_UP_MARGIN to spare for ROOMS_UP_HOLD_US. A
 * receive-side estimate (REMB) cannot grow much past what it receives, so when it has sat at
 * ROOMS_PROBE_RATIO x the current layer's rate or more (no congestion) for a hold time, the next
 * layer is tried (a probe): kept once the estimate covers it, left when the estimate drops or
 * does not get there in ROOMS_PROBE_MAX_US, the hold doubling after each failed probe (see the
 * top of layers.c).
 *
 * Pure state machines, no I/O and no allocation; one struct per (subscriber, track), used on the
 * room's thread only. */
#ifndef LUMEN_ROOMS_LAYERS_H
#define LUMEN_ROOMS_LAYERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lumen/plugin.h>

#define ROOMS_LAYERS_MAX   3
#define ROOMS_PLI_MIN_US   500000   /* at most one keyframe request per track per 500 ms */
#define ROOMS_UP_MARGIN    1.25     /* estimate must exceed the next layer's rate by 25 % */
#define ROOMS_UP_HOLD_US   3000000  /* ... for 3 s before we switch up */
/* Probing (automatic mode): an estimate of at least the current layer's rate x ROOMS_PROBE_RATIO
 * is taken as "capped by what it receives" (a congested one sits at or below that rate). */
#define ROOMS_PROBE_RATIO       1.3
#define ROOMS_PROBE_HOLD_US     4000000   /* first wait before a probe */
#define ROOMS_PROBE_HOLD_MAX_US 60000000  /* the wait doubles per failed probe up to this */
#define ROOMS_PROBE_MAX_US      20000000  /* a probe whose layer the estimate has not covered
					   * by then failed (REMB grows ~8 %/s) */
#define ROOMS_PROBE_DROP        0.85      /* ... as has one whose estimate fell below this
					   * share of its highest since the probe began */

/* The codecs whose payload descriptor the selector reads (temporal layers, picture ids). */
enum rooms_codec_kind {
	ROOMS_CODEC_OTHER = 0, /* audio, H.264, AV1: headers only */
	ROOMS_CODEC_VP8,
	ROOMS_CODEC_VP9,
};

/* Measured receive rate of each layer of one published track (bits/s over the last second);
 * fed by the publisher's packets, read by every subscriber's selector. */
struct rooms_layer_rates {
	uint32_t bps[ROOMS_LAYERS_MAX];
	uint64_t bytes[ROOMS_LAYERS_MAX];     /* in the current window */
	int64_t window_start_us;
	int64_t last_seen_us[ROOMS_LAYERS_MAX]; /* last packet of that layer, 0 = never */
};

void rooms_layer_rates_init(struct rooms_layer_rates *r);
/* Accounts one packet of len bytes on layer at now_us. */
void rooms_layer_rates_add(struct rooms_layer_rates *r, unsigned layer, size_t len, int64_t now_us);
/* A layer counts as active when a packet arrived in the last second. */
bool rooms_layer_active(const struct rooms_layer_rates *r, unsigned layer, int64_t now_us);

/* Layer numbering: 0 is the lowest quality. The caller maps rids / SSRCs to layer numbers
 * (by the order of the publisher's a=simulcast, reordered lowest first by measured rate is NOT
 * done here: the caller passes the layer index it decided). */
struct rooms_layer_sel {
	/* configuration */
	uint32_t out_ssrc;      /* the SSRC this subscriber sees */
	uint32_t clock;         /* RTP clock rate (90000 video, 48000 opus) */
	unsigned n_layers;      /* 1 when not simulcast */
	enum rooms_codec_kind codec; /* VP8 / VP9: rewrite picture id / TL0PICIDX, drop temporal
				      * layers */
	/* requests (-1 = automatic / all) */
	int want_layer, want_temporal;
	bool paused;
	/* state, private to layers.c (rooms_layer_init sets it; callers read only the counters) */
	int cur_layer, target_layer, cur_temporal;
	uint32_t bwe_bps;
	int64_t up_since_us[ROOMS_LAYERS_MAX]; /* since when the estimate covers layer l with the
					 * margin, -1 = not now */
	int64_t probe_since_us; /* since when the estimate looks capped, -1 = not now */
	int64_t probe_hold_us;  /* how long it must look so before the next probe */
	int probe_layer;        /* the layer being probed, -1 = no probe */
	int64_t probe_start_us;
	uint32_t probe_peak_bps; /* highest estimate since the probe began */
	bool started;          /* a first packet went out */
	bool resync;           /* the next forwarded packet starts a new source (after a pause) */
	uint32_t in_ssrc;      /* SSRC of the source packets currently forwarded */
	uint16_t seq_off, last_out_seq;
	uint32_t ts_off, last_out_ts;
	uint16_t last_in_seq;  /* newest source sequence number seen (forwarded or dropped) */
	int64_t last_out_us;   /* when the newest packet went out */
	uint16_t pic_off, last_in_pic, last_out_pic;
	uint8_t tl0_off, last_out_tl0;
	bool have_pic, have_tl0;       /* last_out_pic / last_out_tl0 are meaningful */
	bool in_have_pic;              /* last_in_pic is meaningful (current source) */
	/* Offsets of older packets of the current source: entry i applies to source sequence numbers
	 * from map[i].from up to the next entry, and the n_dropped packets just below map[i].from
	 * were dropped (a late copy of them is dropped again). A ring, newest at map_head. */
	struct rooms_seq_map {
		uint16_t from, seq_off, pic_off, n_dropped;
	} map[32];
	unsigned map_head, map_n;
	uint64_t switches;     /* completed layer switches */
	uint64_t dropped;      /* packets not forwarded (other layers, temporal drops) */
	uint64_t probes, probes_failed; /* probes begun, and those that went back down */
};

void rooms_layer_init(struct rooms_layer_sel *s, uint32_t out_ssrc, uint32_t clock,
		      unsigned n_layers, enum rooms_codec_kind codec);
/* The stream now carries another published track of the same codec (the subscriber's "switch"),
 * which has n_layers simulcast layers. The rewrite stays continuous (the new track starts as a
 * publisher restart does, at a keyframe); the subscriber's requests stay; what was decided from
 * the old track's layers (the target, the up-switch holds, a probe) goes. */
void rooms_layer_retarget(struct rooms_layer_sel *s, unsigned n_layers);
/* The subscriber asks for layer (substream, -1 = automatic) and temporal layer (-1 = all; above
 * the codec's highest TID, 3 for VP8 and 7 for VP9, counts as that). */
void rooms_layer_request(struct rooms_layer_sel *s, int layer, int temporal);
/* The subscriber's bandwidth estimate changed (REMB / transport-cc), bits/s. */
void rooms_layer_bandwidth(struct rooms_layer_sel *s, uint32_t bps,
			   const struct rooms_layer_rates *rates, int64_t now_us);

enum rooms_layer_verdict {
	ROOMS_LAYER_DROP = 0,
	ROOMS_LAYER_FORWARD,
};

struct rooms_layer_out {
	struct lumen_rtp_rewrite rw; /* ssrc/seq/timestamp to apply (set_ flags set) */
	const uint8_t *data;         /* the packet to send: p->data, or scratch when patched */
	size_t len;
	bool want_keyframe;          /* ask the publisher for a keyframe of want_keyframe_layer */
	unsigned want_keyframe_layer;
	bool switched;               /* this packet completed a layer switch */
};

/* Decides what to do with packet p of layer `layer` at now_us (account it in rates with
 * rooms_layer_rates_add first: a layer counts as active from its packets). When the packet's
 * payload must change (VP8 / VP9 picture id / TL0PICIDX rewrite), the patched copy is written to
 * scratch (scratch_cap >= p->len, else the packet is dropped) and out->data points to it; p is
 * never written. Video starts (first packet, switch, new publisher SSRC, end of a pause) only at
 * a keyframe; audio anywhere. With want_temporal >= 0, VP8 / VP9 packets whose descriptor has a
 * TID above it are dropped (packets without a TID pass); going up waits for a layer sync frame
 * (VP8 Y, VP9 U) or a keyframe. A VP8 / VP9 packet whose descriptor does not parse is dropped.
 * VP9 spatial layers all pass: the chosen layer is the whole simulcast stream. */
enum rooms_layer_verdict rooms_layer_packet(struct rooms_layer_sel *s, unsigned layer,
					    const struct lumen_rtp_packet *p,
					    const struct rooms_layer_rates *rates, int64_t now_us,
					    uint8_t *scratch, size_t scratch_cap,
					    struct rooms_layer_out *out);

/* The layer currently forwarded (-1 before the first packet). */
int rooms_layer_current(const struct rooms_layer_sel *s);

/* VP8 payload descriptor (RFC 7741), as far as forwarding needs it. */
struct rooms_vp8_desc {
	bool start;          /* S bit with partition index 0 */
	bool keyframe;       /* start packet whose payload header says key frame */
	bool has_pic, pic_16bit, has_tl0, has_tid;
	uint16_t picture_id;
	uint8_t tl0picidx, tid;
	bool layer_sync;
	size_t hdr_len;      /* descriptor length */
};
/* Parses the descriptor at the start of an RTP payload (payload[0..len), never read beyond).
 * Returns 0, or -EINVAL when the descriptor is truncated or no VP8 payload follows it. */
int rooms_vp8_parse(const uint8_t *payload, size_t len, struct rooms_vp8_desc *d);
/* Overwrites the picture id (in the width d says it has) and TL0PICIDX of the descriptor d was
 * parsed from (fields d does not have are left alone). Returns 0, or -EINVAL if len is shorter
 * than d->hdr_len. */
int rooms_vp8_write_ids(uint8_t *payload, size_t len, const struct rooms_vp8_desc *d,
			uint16_t picture_id, uint8_t tl0picidx);

/* VP9 payload descriptor (RFC 9628), as far as forwarding needs it. */
struct rooms_vp9_desc {
	bool begin, end;     /* B, E: first / last packet of a layer frame */
	bool start;          /* B of the lowest spatial layer (or no layer indices): a picture starts */
	bool keyframe;       /* start of a picture that is not inter-picture predicted (P = 0) */
	bool inter_pic;      /* P */
	bool flexible;       /* F: references as P_DIFFs, no TL0PICIDX */
	bool has_pic, pic_16bit, has_layers, has_tl0, has_ss;
	uint16_t picture_id;
	uint8_t tid, sid, tl0picidx;
	bool switch_up;      /* U: a switching up point to TID */
	bool inter_layer;    /* D */
	unsigned n_refs;     /* P_DIFFs (flexible mode) */
	size_t hdr_len;      /* descriptor length, scalability structure included */
};
/* Parses the descriptor at the start of an RTP payload (payload[0..len), never read beyond).
 * Returns 0, or -EINVAL when the descriptor is truncated (the scalability structure included),
 * names more than 3 references, or no VP9 payload follows it. */
int rooms_vp9_parse(const uint8_t *payload, size_t len, struct rooms_vp9_desc *d);
/* Overwrites the picture id (in the width d says it has) and TL0PICIDX of the descriptor d was
 * parsed from (fields d does not have are left alone). Returns 0, or -EINVAL if len is shorter
 * than d->hdr_len. */
int rooms_vp9_write_ids(uint8_t *payload, size_t len, const struct rooms_vp9_desc *d,
			uint16_t picture_id, uint8_t tl0picidx);

/* What the selector needs of a VP8 or VP9 payload descriptor, and the codec's own for the
 * rewrite. */
struct rooms_layer_desc {
	enum rooms_codec_kind codec;
	bool start;          /* a picture starts: where the temporal layer may change */
	bool keyframe;
	bool has_pic, pic_16bit, has_tl0, has_tid, layer_sync;
	uint16_t picture_id;
	uint8_t tl0picidx, tid;
	struct rooms_vp8_desc vp8;
	struct rooms_vp9_desc vp9;
};

/* One received packet's descriptor, parsed by the first subscriber that needs it and reused by
 * the others (a fan-out to N subscribers parses once, not N times). Zero it for each packet;
 * it holds one codec's parse (a subscriber with another codec parses its own). */
struct rooms_layer_memo {
	bool parsed;
	enum rooms_codec_kind codec;
	int rc;       /* 0, or -EINVAL: the descriptor does not parse */
	size_t poff;  /* payload offset in the packet */
	struct rooms_layer_desc desc;
};

/* rooms_layer_packet with a memo shared by the subscribers of one packet (NULL: none). Same
 * verdicts and output as without it. */
enum rooms_layer_verdict rooms_layer_packet_memo(struct rooms_layer_sel *s, unsigned layer,
						 const struct lumen_rtp_packet *p,
						 const struct rooms_layer_rates *rates,
						 int64_t now_us, uint8_t *scratch,
						 size_t scratch_cap, struct rooms_layer_memo *memo,
						 struct rooms_layer_out *out);

#endif
