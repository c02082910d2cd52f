/* rooms/layers.c -- simulcast / temporal layer selection and the header rewrite that keeps what
 * one subscriber receives of one track a single seamless stream (see layers.h).
 *
 * Sequence numbers. Within one source (one SSRC of one layer, from the keyframe we started at)
 * the output is input + seq_off, so gaps and reordering pass through as they came and a late
 * packet (the core's RTX recovery) lands where it belongs. A packet we drop (a temporal layer
 * above the wanted one, a malformed payload) would leave a hole the receiver NACKs for ever, so
 * when the dropped packet is the newest seen, seq_off (and the VP8 picture id offset, for the
 * first packet of a dropped picture) goes down by one: the output stays contiguous over what is
 * forwarded. Older packets keep the offsets of their time through a small ring of change points
 * (struct rooms_seq_map): each entry says from which input sequence number its offsets apply and
 * how many packets just before it were dropped, so a late copy of a dropped packet is dropped
 * again instead of taking its successor's number. A late packet older than the ring (32 drop
 * runs, about 2 s of a 30 fps stream without its top temporal layer) or than its source is
 * dropped. A late packet dropped for its temporal layer leaves a gap: it was counted as lost
 * when newer ones went out, and renumbering them now is no longer possible.
 *
 * Source changes (a layer switch, the publisher's new SSRC, the end of a pause) continue the
 * output at last_out_seq + 1, at last_out_ts plus the wall time since the last forwarded packet
 * in RTP ticks (at least 1), and at the next VP8 / VP9 picture id and TL0PICIDX.
 *
 * VP9 picture ids keep their spacing within a source: a temporal drop closes the sequence
 * number gap but not the picture id gap. VP9 names references by picture id distance (the
 * flexible mode's P_DIFFs, the non-flexible mode's group of pictures indexed from the keyframe's
 * picture id), so renumbering would point them at the wrong pictures; receivers take a picture
 * id gap of a dropped higher temporal layer in their stride (a picture depends only on its own
 * and lower layers). TL0PICIDX counts TID 0 pictures, which are never dropped.
 *
 * Layer choice. Without a bandwidth estimate the highest active layer (the estimate follows
 * within a second or two and takes us down if needed). With one: the highest active layer whose
 * measured rate fits; down at once when the current one no longer fits; up only after the
 * estimate covered the higher layer's rate * ROOMS_UP_MARGIN for ROOMS_UP_HOLD_US without a
 * break (one timer per layer). A requested layer is used when active, else the closest lower
 * active one, else the closest higher. A layer without a packet for a second is never chosen;
 * when the current one stops, the best active one is chosen at once.
 *
 * Probing. A receive-side estimator (libwebrtc's AIMD behind REMB) bounds its estimate by about
 * 1.5 x the rate it receives + 10 kbit/s, so once we forward a low layer the estimate can never
 * cover the next one with the margin: after a downlink cap is lifted we would stay low for ever.
 * So in automatic mode, when the estimate has stayed at or above the current layer's measured
 * rate * ROOMS_PROBE_RATIO (a congested estimator sits at or below the incoming rate: this one is
 * merely capped by it) for probe_hold_us without a break, and the next active layer up needs
 * more than the estimate with the up margin, we switch to that layer (the usual keyframe-gated
 * switch) and watch:
 * - the estimate covers the probed layer's rate (it grows with the higher incoming rate) once
 *   the switch is done: success, the hold goes back to ROOMS_PROBE_HOLD_US and the normal rules
 *   take over (the next layer up may be probed in turn);
 * - it falls below ROOMS_PROBE_DROP x its highest value since the probe began (the estimator saw
 *   the queue grow and backed off), or the probe has lasted ROOMS_PROBE_MAX_US without success:
 *   failure, the normal rules take us back down at once and the hold doubles (4, 8, 16 ... s, at
 *   most ROOMS_PROBE_HOLD_MAX_US), so a link that really is that narrow sees a probe rarely.
 * While a probe runs, the down rule for the probed layer is suspended: the estimate starts below
 * it by construction and needs some seconds to grow (~8 %/s). A probe that the caller ends (a
 * requested layer, the estimate gone, the probed layer stopping) is dropped without a verdict.
 * The estimate may also land between the next layer's rate and that * ROOMS_UP_MARGIN: the
 * estimator bounds it by what the whole connection receives (audio and other streams too), so
 * with layers 2.3x apart and audio beside them it sits there (Chromium: 237 kbit/s over a
 * 230 kbit/s layer 1 while receiving 100 kbit/s of layer 0 plus audio) and could never reach the
 * margin. That is a capped estimate too: it starts a probe the same way (which succeeds at once,
 * since the estimate already covers the layer, and fails through the normal down rule if the
 * link then proves too narrow). Only an estimate above the margin, where the normal rule goes
 * up after its shorter hold, starts none. */
#include <errno.h>
#include <string.h>

#include "layers.h"

#define ACTIVE_US       1000000          /* a layer is active with a packet this recent */
#define WINDOW_US       1000000          /* rate measurement window */
#define TEMPORAL_ALL    3                /* VP8 TID is 2 bits */
#define TEMPORAL_ALL_VP9 7               /* VP9 TID is 3 bits */
#define MAX_GAP_US      3600000000LL     /* cap of the wall time a source change bridges */
#define MAP_LEN         (sizeof(((struct rooms_layer_sel *)0)->map) / \
			 sizeof(((struct rooms_layer_sel *)0)->map[0]))

static bool seq_newer(uint16_t a, uint16_t b)
{
	return (int16_t)(a - b) > 0;
}

static int desc_parse(enum rooms_codec_kind codec, const uint8_t *payload, size_t len,
		      struct rooms_layer_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->codec = codec;
	if (codec == ROOMS_CODEC_VP8) {
		struct rooms_vp8_desc *v = &d->vp8;
		if (rooms_vp8_parse(payload, len, v) < 0)
			return -EINVAL;
		d->start = v->start;
		d->keyframe = v->keyframe;
		d->has_pic = v->has_pic;
		d->pic_16bit = v->pic_16bit;
		d->has_tl0 = v->has_tl0;
		d->has_tid = v->has_tid;
		d->layer_sync = v->layer_sync;
		d->picture_id = v->picture_id;
		d->tl0picidx = v->tl0picidx;
		d->tid = v->tid;
		return 0;
	}
	struct rooms_vp9_desc *v = &d->vp9;
	if (rooms_vp9_parse(payload, len, v) < 0)
		return -EINVAL;
	d->start = v->start;
	d->keyframe = v->keyframe;
	d->has_pic = v->has_pic;
	d->pic_16bit = v->pic_16bit;
	d->has_tl0 = v->has_tl0;
	d->has_tid = v->has_layers;
	d->layer_sync = v->switch_up;
	d->picture_id = v->picture_id;
	d->tl0picidx = v->tl0picidx;
	d->tid = v->tid;
	return 0;
}

static int desc_write_ids(const struct rooms_layer_desc *d, uint8_t *payload, size_t len, uint16_t pic,
			  uint8_t tl0)
{
	if (d->codec == ROOMS_CODEC_VP8)
		return rooms_vp8_write_ids(payload, len, &d->vp8, pic, tl0);
	return rooms_vp9_write_ids(payload, len, &d->vp9, pic, tl0);
}

static int temporal_all(const struct rooms_layer_sel *s)
{
	return s->codec == ROOMS_CODEC_VP9 ? TEMPORAL_ALL_VP9 : TEMPORAL_ALL;
}

static uint16_t pic_mask(const struct rooms_layer_desc *d)
{
	return d->pic_16bit ? 0x7fff : 0x7f;
}

/* True if picture id a is newer than b in the width of d (7 or 15 bits). */
static bool pic_newer(uint16_t a, uint16_t b, const struct rooms_layer_desc *d)
{
	uint16_t mask = pic_mask(d);
	uint16_t diff = (uint16_t)(a - b) & mask;

	return diff != 0 && diff <= mask / 2;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Where the payload of RTP packet b[0..len) is (after CSRCs and the extension, before padding). */
static int rtp_payload(const uint8_t *b, size_t len, size_t *off, size_t *plen)
{
	size_t o, end = len;

	if (len < 12 || (b[0] >> 6) != 2)
		return -EINVAL;
	o = 12 + 4u * (b[0] & 0x0f);
	if (b[0] & 0x10) {
		if (o + 4 > len)
			return -EINVAL;
		o += 4 + 4u * rd16(b + o + 2);
	}
	if (b[0] & 0x20) {
		uint8_t pad = b[len - 1];
		if (pad == 0 || pad > len)
			return -EINVAL;
		end -= pad;
	}
	if (o > end)
		return -EINVAL;
	*off = o;
	*plen = end - o;
	return 0;
}

void rooms_layer_rates_init(struct rooms_layer_rates *r)
{
	memset(r, 0, sizeof(*r));
}

void rooms_layer_rates_add(struct rooms_layer_rates *r, unsigned layer, size_t len, int64_t now_us)
{
	if (layer >= ROOMS_LAYERS_MAX)
		return;
	int64_t elapsed = now_us - r->window_start_us;
	if (r->window_start_us == 0 || elapsed < 0) {
		r->window_start_us = now_us;
	} else if (elapsed >= WINDOW_US) {
		for (unsigned l = 0; l < ROOMS_LAYERS_MAX; l++) {
			uint64_t bps = r->bytes[l] * 8u * 1000000u / (uint64_t)elapsed;
			r->bps[l] = bps > UINT32_MAX ? UINT32_MAX : (uint32_t)bps;
			r->bytes[l] = 0;
		}
		r->window_start_us = now_us;
	}
	r->bytes[layer] += len;
	r->last_seen_us[layer] = now_us;
}

bool rooms_layer_active(const struct rooms_layer_rates *r, unsigned layer, int64_t now_us)
{
	return layer < ROOMS_LAYERS_MAX && r->last_seen_us[layer] != 0 &&
	       now_us - r->last_seen_us[layer] <= ACTIVE_US;
}

void rooms_layer_init(struct rooms_layer_sel *s, uint32_t out_ssrc, uint32_t clock,
		      unsigned n_layers, enum rooms_codec_kind codec)
{
	memset(s, 0, sizeof(*s));
	s->out_ssrc = out_ssrc;
	s->clock = clock;
	s->n_layers = n_layers < 1 ? 1 : n_layers > ROOMS_LAYERS_MAX ? ROOMS_LAYERS_MAX : n_layers;
	s->codec = codec;
	s->want_layer = -1;
	s->want_temporal = -1;
	s->cur_layer = -1;
	s->target_layer = -1;
	s->cur_temporal = temporal_all(s);
	for (unsigned l = 0; l < ROOMS_LAYERS_MAX; l++)
		s->up_since_us[l] = -1;
	s->probe_since_us = -1;
	s->probe_hold_us = ROOMS_PROBE_HOLD_US;
	s->probe_layer = -1;
}

void rooms_layer_request(struct rooms_layer_sel *s, int layer, int temporal)
{
	s->want_layer = layer < 0 ? -1 : layer;
	int all = temporal_all(s);

	s->want_temporal = temporal < 0 ? -1 : temporal > all ? all : temporal;
}

static bool layer_active(const struct rooms_layer_rates *rates, unsigned l, int64_t now_us)
{
	return !rates || rooms_layer_active(rates, l, now_us);
}

static uint32_t layer_bps(const struct rooms_layer_rates *rates, unsigned l)
{
	return rates ? rates->bps[l] : 0;
}

/* Drops the probe timer and any running probe, without a verdict. */
static void probe_reset(struct rooms_layer_sel *s)
{
	s->probe_since_us = -1;
	s->probe_layer = -1;
}

void rooms_layer_retarget(struct rooms_layer_sel *s, unsigned n_layers)
{
	/* Kept from the old track, a single layer's count made the selector drop layers 1 and 2
	 * of a simulcast track it switched to (a packet's layer must be below n_layers), and a
	 * target or probe of the old track's layers could point at one the new track lacks. */
	s->n_layers = n_layers < 1 ? 1 : n_layers > ROOMS_LAYERS_MAX ? ROOMS_LAYERS_MAX : n_layers;
	s->target_layer = -1;
	for (unsigned l = 0; l < ROOMS_LAYERS_MAX; l++)
		s->up_since_us[l] = -1;
	probe_reset(s);
	s->probe_hold_us = ROOMS_PROBE_HOLD_US;
	s->resync = s->started; /* the next packet forwarded starts the new source */
}

static void probe_failed(struct rooms_layer_sel *s)
{
	s->probes_failed++;
	s->probe_hold_us = s->probe_hold_us * 2 > ROOMS_PROBE_HOLD_MAX_US ? ROOMS_PROBE_HOLD_MAX_US :
		s->probe_hold_us * 2;
	probe_reset(s);
}

/* A probe runs (automatic mode, with an estimate): judges it. Returns true when it holds
 * target_layer on the probed layer, false when it ended and the normal rules decide. */
static bool probe_step(struct rooms_layer_sel *s, const struct rooms_layer_rates *rates, int cur,
		       int64_t now_us)
{
	unsigned p = (unsigned)s->probe_layer;

	if (!layer_active(rates, p, now_us)) {
		probe_reset(s);
		return false;
	}
	if (s->bwe_bps > s->probe_peak_bps)
		s->probe_peak_bps = s->bwe_bps;
	if (cur == s->probe_layer && layer_bps(rates, p) <= s->bwe_bps) {
		probe_reset(s);
		s->probe_hold_us = ROOMS_PROBE_HOLD_US;
		return false;
	}
	if ((double)s->bwe_bps < (double)s->probe_peak_bps * ROOMS_PROBE_DROP ||
	    now_us - s->probe_start_us >= ROOMS_PROBE_MAX_US) {
		probe_failed(s);
		return false;
	}
	s->target_layer = s->probe_layer;
	return true;
}

/* The current layer fits and no normal switch up is due: starts a probe of the next active layer
 * up when the estimate has looked capped by the incoming rate for the hold (top of the file). */
static void probe_maybe(struct rooms_layer_sel *s, const struct rooms_layer_rates *rates, int cur,
			int n, int64_t now_us)
{
	int next = -1;

	for (int l = cur + 1; l < n && next < 0; l++)
		if (layer_active(rates, (unsigned)l, now_us))
			next = l;
	uint32_t rate = layer_bps(rates, (unsigned)cur);
	if (next < 0 || rate == 0 || (double)s->bwe_bps < (double)rate * ROOMS_PROBE_RATIO ||
	    (double)layer_bps(rates, (unsigned)next) * ROOMS_UP_MARGIN <= (double)s->bwe_bps) {
		s->probe_since_us = -1;
		return;
	}
	if (s->probe_since_us < 0)
		s->probe_since_us = now_us;
	if (now_us - s->probe_since_us < s->probe_hold_us)
		return;
	s->probe_since_us = -1;
	s->probe_layer = next;
	s->probe_start_us = now_us;
	s->probe_peak_bps = s->bwe_bps;
	s->probes++;
	s->target_layer = next;
}

/* Sets target_layer from the request, the estimate and which layers are active; leaves it alone
 * when no layer is active (nothing flows, nothing to decide). */
static void choose(struct rooms_layer_sel *s, const struct rooms_layer_rates *rates, int64_t now_us)
{
	int n = s->n_layers > ROOMS_LAYERS_MAX ? ROOMS_LAYERS_MAX : (int)s->n_layers, lowest = -1, highest = -1, fit = -1;

	if (n <= 1) {
		s->target_layer = 0;
		return;
	}
	for (int l = 0; l < n; l++) {
		bool active = layer_active(rates, (unsigned)l, now_us);
		/* The hold timers run whatever the mode, so that they mean "without a break". */
		if (active && s->bwe_bps > 0 &&
		    (double)layer_bps(rates, (unsigned)l) * ROOMS_UP_MARGIN <= (double)s->bwe_bps) {
			if (s->up_since_us[l] < 0)
				s->up_since_us[l] = now_us;
		} else {
			s->up_since_us[l] = -1;
		}
		if (!active)
			continue;
		if (lowest < 0)
			lowest = l;
		highest = l;
		if (layer_bps(rates, (unsigned)l) <= s->bwe_bps)
			fit = l;
	}
	if (highest < 0)
		return;
	if (s->want_layer >= 0 || s->bwe_bps == 0)
		probe_reset(s);
	if (s->want_layer >= 0) {
		int w = s->want_layer < n ? s->want_layer : n - 1;
		for (int l = w; l >= 0; l--) {
			if (layer_active(rates, (unsigned)l, now_us)) {
				s->target_layer = l;
				return;
			}
		}
		for (int l = w + 1; l < n; l++) {
			if (layer_active(rates, (unsigned)l, now_us)) {
				s->target_layer = l;
				return;
			}
		}
		return;
	}
	if (s->bwe_bps == 0) {
		s->target_layer = highest;
		return;
	}
	int best = fit >= 0 ? fit : lowest;
	int cur = s->started ? s->cur_layer : -1;
	if (s->probe_layer >= 0 && probe_step(s, rates, cur, now_us))
		return;
	if (cur < 0 || !layer_active(rates, (unsigned)cur, now_us) ||
	    layer_bps(rates, (unsigned)cur) > s->bwe_bps) {
		s->target_layer = best;
		s->probe_since_us = -1;
		return;
	}
	s->target_layer = cur;
	for (int l = n - 1; l > cur; l--) {
		if (s->up_since_us[l] >= 0 && now_us - s->up_since_us[l] >= ROOMS_UP_HOLD_US &&
		    layer_active(rates, (unsigned)l, now_us)) {
			s->target_layer = l;
			s->probe_since_us = -1;
			return;
		}
	}
	probe_maybe(s, rates, cur, n, now_us);
}

void rooms_layer_bandwidth(struct rooms_layer_sel *s, uint32_t bps,
			   const struct rooms_layer_rates *rates, int64_t now_us)
{
	s->bwe_bps = bps;
	choose(s, rates, now_us);
}

int rooms_layer_current(const struct rooms_layer_sel *s)
{
	return s->started ? s->cur_layer : -1;
}

static void want_keyframe(const struct rooms_layer_sel *s, struct rooms_layer_out *out)
{
	out->want_keyframe = true;
	out->want_keyframe_layer = (unsigned)s->target_layer;
}

/* The newest packet of the current source is not forwarded: shift the offsets of the packets
 * after it so the output has no hole (see the top of the file; VP9 picture ids keep theirs). */
static void close_gap(struct rooms_layer_sel *s, const struct lumen_rtp_packet *p,
		      const struct rooms_layer_desc *d)
{
	struct rooms_seq_map *h = &s->map[s->map_head];

	s->last_in_seq = p->seq;
	s->seq_off--;
	if (d && d->has_pic && d->codec == ROOMS_CODEC_VP8 &&
	    (!s->in_have_pic || pic_newer(d->picture_id, s->last_in_pic, d))) {
		s->pic_off--;
		s->last_in_pic = d->picture_id;
		s->in_have_pic = true;
	}
	if (s->map_n > 0 && h->n_dropped > 0 && h->from == p->seq) {
		/* The run of drops goes on: nothing was forwarded with h's offsets yet. */
		h->n_dropped++;
	} else {
		s->map_head = (s->map_head + 1) % MAP_LEN;
		if (s->map_n < MAP_LEN)
			s->map_n++;
		h = &s->map[s->map_head];
		h->n_dropped = 1;
	}
	h->from = (uint16_t)(p->seq + 1);
	h->seq_off = s->seq_off;
	h->pic_off = s->pic_off;
}

static enum rooms_layer_verdict drop(struct rooms_layer_sel *s)
{
	s->dropped++;
	return ROOMS_LAYER_DROP;
}

/* Drops a packet of the current source; newest says whether it is the newest seen. */
static enum rooms_layer_verdict drop_current(struct rooms_layer_sel *s,
					     const struct lumen_rtp_packet *p,
					     const struct rooms_layer_desc *d, bool newest)
{
	if (newest)
		close_gap(s, p, d);
	return drop(s);
}

/* The offsets that applied when late packet seq was current, or NULL when it is older than
 * what the ring remembers (or than its source), or was dropped then. */
static const struct rooms_seq_map *lookup(const struct rooms_layer_sel *s, uint16_t seq)
{
	for (unsigned k = 0; k < s->map_n; k++) {
		unsigned i = (s->map_head + MAP_LEN - k) % MAP_LEN;
		const struct rooms_seq_map *e = &s->map[i];
		if ((int16_t)(seq - e->from) < 0)
			continue;
		if (k > 0) {
			const struct rooms_seq_map *next = &s->map[(i + 1) % MAP_LEN];
			if ((uint16_t)(next->from - seq) <= next->n_dropped)
				return NULL;
		}
		return e;
	}
	return NULL;
}

/* Makes packet p (of layer, a keyframe for video) the start of the forwarded source. */
static void start_source(struct rooms_layer_sel *s, unsigned layer,
			 const struct lumen_rtp_packet *p, const struct rooms_layer_desc *d,
			 int64_t now_us, struct rooms_layer_out *out)
{
	if (!s->started) {
		s->seq_off = 0;
		s->ts_off = 0;
	} else {
		int64_t gap = now_us - s->last_out_us;
		if (gap < 0)
			gap = 0;
		if (gap > MAX_GAP_US)
			gap = MAX_GAP_US;
		uint64_t ticks = (uint64_t)gap * s->clock / 1000000u;
		if (ticks < 1)
			ticks = 1;
		s->seq_off = (uint16_t)(s->last_out_seq + 1 - p->seq);
		s->ts_off = s->last_out_ts + (uint32_t)ticks - p->timestamp;
		if ((int)layer != s->cur_layer) {
			s->switches++;
			out->switched = true;
		}
	}
	s->pic_off = 0;
	if (d && d->has_pic && s->have_pic)
		s->pic_off = (uint16_t)(s->last_out_pic + 1 - d->picture_id);
	s->tl0_off = 0;
	if (d && d->has_tl0 && s->have_tl0)
		s->tl0_off = (uint8_t)(s->last_out_tl0 + 1 - d->tl0picidx);
	s->in_have_pic = false;
	s->last_in_seq = (uint16_t)(p->seq - 1);
	s->map_head = 0;
	s->map_n = 1;
	s->map[0] = (struct rooms_seq_map){ .from = p->seq, .seq_off = s->seq_off,
					    .pic_off = s->pic_off, .n_dropped = 0 };
	s->in_ssrc = p->ssrc;
	s->cur_layer = (int)layer;
	s->cur_temporal = s->want_temporal < 0 ? temporal_all(s) : s->want_temporal;
	s->started = true;
	s->resync = false;
}

/* Packet p of the current source: temporal filter, rewrite, bookkeeping. */
static enum rooms_layer_verdict forward(struct rooms_layer_sel *s, const struct lumen_rtp_packet *p,
					const struct rooms_layer_desc *d, bool desc_bad, bool keyframe,
					size_t poff, int64_t now_us, uint8_t *scratch,
					size_t scratch_cap, struct rooms_layer_out *out)
{
	bool newest = seq_newer(p->seq, s->last_in_seq);
	uint16_t seq_off = s->seq_off, pic_off = s->pic_off;

	if (!newest) {
		const struct rooms_seq_map *e = lookup(s, p->seq);
		if (!e)
			return drop(s);
		seq_off = e->seq_off;
		pic_off = e->pic_off;
	}
	if (desc_bad)
		return drop_current(s, p, NULL, newest);
	if (d && d->has_tid) {
		int want = s->want_temporal < 0 ? temporal_all(s) : s->want_temporal;
		/* Change only where a frame starts, so no frame goes out in part; go up at a
		 * keyframe, or at a layer sync frame (it refers to TL0 only) one layer at a time. */
		if (newest && keyframe)
			s->cur_temporal = want;
		else if (newest && d->start && want < s->cur_temporal)
			s->cur_temporal = want;
		else if (newest && d->start && d->layer_sync && d->tid > s->cur_temporal &&
			 d->tid <= want)
			s->cur_temporal = d->tid;
		if (d->tid > s->cur_temporal)
			return drop_current(s, p, d, newest);
	}

	uint16_t out_pic = 0;
	uint8_t out_tl0 = 0;
	bool patch = false;
	if (d && d->has_pic) {
		out_pic = (uint16_t)(d->picture_id + pic_off) & pic_mask(d);
		patch = out_pic != d->picture_id;
	}
	if (d && d->has_tl0) {
		out_tl0 = (uint8_t)(d->tl0picidx + s->tl0_off);
		patch = patch || out_tl0 != d->tl0picidx;
	}
	out->data = p->data;
	if (patch) {
		if (!scratch || scratch_cap < p->len)
			return drop_current(s, p, d, newest);
		memcpy(scratch, p->data, p->len);
		if (desc_write_ids(d, scratch + poff, p->len - poff, out_pic, out_tl0) < 0)
			return drop_current(s, p, d, newest);
		out->data = scratch;
	}
	out->len = p->len;
	out->rw = (struct lumen_rtp_rewrite){
		.ssrc = s->out_ssrc, .seq = (uint16_t)(p->seq + seq_off),
		.timestamp = p->timestamp + s->ts_off,
		.set_ssrc = true, .set_seq = true, .set_timestamp = true,
	};
	if (newest) {
		s->last_in_seq = p->seq;
		s->last_out_seq = out->rw.seq;
		s->last_out_ts = out->rw.timestamp;
		s->last_out_us = now_us;
		if (d && d->has_pic) {
			if (!s->in_have_pic || pic_newer(d->picture_id, s->last_in_pic, d)) {
				s->last_in_pic = d->picture_id;
				s->in_have_pic = true;
			}
			s->last_out_pic = out_pic;
			s->have_pic = true;
		}
		if (d && d->has_tl0) {
			s->last_out_tl0 = out_tl0;
			s->have_tl0 = true;
		}
	}
	return ROOMS_LAYER_FORWARD;
}

/* The packet's payload descriptor for codec, parsed into own, or into the memo unless it
 * already holds codec's parse of this packet. Returns 0 with *d and *poff set, or -EINVAL with
 * *d NULL. */
static int packet_desc(const struct lumen_rtp_packet *p, enum rooms_codec_kind codec,
		       struct rooms_layer_memo *memo, struct rooms_layer_desc *own,
		       const struct rooms_layer_desc **d, size_t *poff)
{
	struct rooms_layer_desc *to = memo ? &memo->desc : own;
	size_t off = 0, plen = 0;
	int rc;

	if (memo && memo->parsed && memo->codec == codec) {
		rc = memo->rc;
		off = memo->poff;
	} else {
		rc = rtp_payload(p->data, p->len, &off, &plen) == 0 &&
				     desc_parse(codec, p->data + off, plen, to) == 0
			     ? 0
			     : -EINVAL;
		if (memo) {
			memo->parsed = true;
			memo->codec = codec;
			memo->rc = rc;
			memo->poff = off;
		}
	}
	*d = rc == 0 ? to : NULL;
	*poff = off;
	return rc;
}

enum rooms_layer_verdict rooms_layer_packet(struct rooms_layer_sel *s, unsigned layer,
					    const struct lumen_rtp_packet *p,
					    const struct rooms_layer_rates *rates, int64_t now_us,
					    uint8_t *scratch, size_t scratch_cap,
					    struct rooms_layer_out *out)
{
	return rooms_layer_packet_memo(s, layer, p, rates, now_us, scratch, scratch_cap, NULL,
				       out);
}

enum rooms_layer_verdict rooms_layer_packet_memo(struct rooms_layer_sel *s, unsigned layer,
						 const struct lumen_rtp_packet *p,
						 const struct rooms_layer_rates *rates,
						 int64_t now_us, uint8_t *scratch,
						 size_t scratch_cap, struct rooms_layer_memo *memo,
						 struct rooms_layer_out *out)
{
	struct rooms_layer_desc desc;
	const struct rooms_layer_desc *d = NULL;
	size_t poff = 0;

	*out = (struct rooms_layer_out){ 0 };
	if (!p || !p->data || layer >= s->n_layers)
		return drop(s);
	if (s->paused) {
		/* Whatever comes after the pause is a new source for the receiver's decoder. */
		s->resync = s->started;
		return drop(s);
	}
	choose(s, rates, now_us);
	if (s->target_layer < 0)
		s->target_layer = (int)layer; /* no rates yet: the first layer that shows up */

	bool video = p->kind == LUMEN_MEDIA_VIDEO;
	bool desc_bad = false;
	if (video && s->codec != ROOMS_CODEC_OTHER)
		desc_bad = packet_desc(p, s->codec, memo, &desc, &d, &poff) < 0;
	bool keyframe = p->keyframe || (d && d->keyframe);
	bool pending = !s->started || s->resync || s->target_layer != s->cur_layer;

	if (s->started && !s->resync && (int)layer == s->cur_layer && p->ssrc == s->in_ssrc) {
		if (pending && video)
			want_keyframe(s, out);
		return forward(s, p, d, desc_bad, keyframe, poff, now_us, scratch, scratch_cap, out);
	}
	if ((int)layer != s->target_layer)
		return drop(s);
	/* The target layer, but not the current source: a switch, a first packet, the end of a
	 * pause, or the publisher's new SSRC. Video starts only at a keyframe. */
	if (video && (!keyframe || desc_bad)) {
		want_keyframe(s, out);
		return drop(s);
	}
	start_source(s, layer, p, d, now_us, out);
	return forward(s, p, d, false, keyframe, poff, now_us, scratch, scratch_cap, out);
}
