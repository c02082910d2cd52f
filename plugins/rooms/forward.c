/* rooms/forward.c -- the forwarding path: a publisher's RTP packet goes to every subscriber
 * stream fed from its track, through that stream's layer selector (simulcast / temporal choice
 * and the seamless header rewrite), and the core copies, rewrites and encrypts it per
 * subscriber. Feedback flows back: keyframe requests (rate-limited per track), bandwidth
 * estimates into the layer choice, NACKs counted (the core answers them from its cache), and
 * talking detection from the audio-level extension.
 *
 * Cost: no allocation per packet; the only copy made here is the VP8 descriptor patch, into a
 * stack buffer, for the subscribers whose picture ids need continuing. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "rooms.h"

/* The published track a packet belongs to, by its m-line. */
static struct rooms_track *track_of(struct rooms_participant *p, const char *mid)
{
	for (unsigned i = 0; mid && i < p->n_tracks; i++)
		if (strcmp(p->tracks[i]->d.mid, mid) == 0)
			return p->tracks[i];
	return p->n_tracks == 1 ? p->tracks[0] : NULL;
}

/* The simulcast layer of a packet: by rid when the core saw one, by learnt or announced SSRC,
 * else the first free slot (SSRC simulcast without a=ssrc-group is learnt in arrival order). */
static int layer_of(struct rooms_track *t, const struct lumen_rtp_packet *pkt)
{
	unsigned n = t->d.n_layers;

	if (n <= 1)
		return 0;
	for (unsigned l = 0; l < n; l++)
		if (t->layer_ssrc[l] == pkt->ssrc)
			return (int)l;
	if (pkt->rid) {
		for (unsigned l = 0; l < n; l++)
			if (strcmp(t->d.rids[l], pkt->rid) == 0) {
				t->layer_ssrc[l] = pkt->ssrc;
				return (int)l;
			}
		return -1;
	}
	for (unsigned l = 0; l < n; l++)
		if (!t->layer_ssrc[l] && !t->d.rids[l][0]) {
			t->layer_ssrc[l] = pkt->ssrc;
			return (int)l;
		}
	return -1;
}

/* The spacing of keyframe requests to a publisher once the last was answered: at most 10 a
 * second, however many subscribers join (ROOMS_PLI_MIN_US while one is outstanding). */
#define ROOMS_PLI_ANSWERED_MIN_US 100000

void rooms_fwd_pli(struct rooms_track *t, int64_t now_us)
{
	if (!t->pub || !t->pub->h || t->d.kind != LUMEN_MEDIA_VIDEO)
		return;
	/* One request at a time: the next waits ROOMS_PLI_MIN_US, unless a keyframe answered the
	 * last one already. Subscribers joining one after the other each need a keyframe once
	 * their pc is up; waiting out the 500 ms for one that had come already made every such
	 * join's video wait about 0.5 s (lumen-bench's join scenario). */
	int64_t min_us = t->keyframe_since_pli ? ROOMS_PLI_ANSWERED_MIN_US : ROOMS_PLI_MIN_US;
	if (t->last_pli_us && now_us - t->last_pli_us < min_us)
		return;
	t->last_pli_us = now_us;
	t->keyframe_since_pli = false;
	if (rooms_core->request_keyframe(t->pub->h, t->d.mid) == 0 && t->pub->room)
		t->pub->room->c.plis++;
}

static void talking(struct rooms_track *t, const struct lumen_rtp_packet *pkt)
{
	struct rooms_room *r = t->pub->room;

	if (pkt->audio_level < 0)
		return;
	t->level_sum += pkt->audio_level;
	if (++t->level_count < r->audio_active_packets)
		return;
	int avg = t->level_sum / t->level_count;
	bool now = avg < r->audio_level_average; /* -dBov: smaller is louder */
	t->level_sum = t->level_count = 0;
	if (now)
		t->pub->last_speech_us = pkt->arrival_us ? pkt->arrival_us : g_get_monotonic_time();
	if (now == t->talking)
		return;
	t->talking = now;
	if (!r->audiolevel_event)
		return;
	json_t *ev = json_pack("{s:s,s:I,s:I,s:s,s:i}", "videoroom",
			       now ? "talking" : "stopped-talking", "room", (json_int_t)r->id, "id",
			       (json_int_t)t->pub->id, "mid", t->d.mid, "audio-level-dBov-avg", avg);
	rooms_room_notify(r, NULL, json_deep_copy(ev));
	rooms_push(t->pub, NULL, ev, NULL);
}

void rooms_fwd_rtp(struct rooms_participant *p, const struct lumen_rtp_packet *pkt)
{
	struct rooms_track *t;
	struct rooms_room *r = p->room;
	uint8_t scratch[1500];
	int layer;
	int64_t now;

	if (p->type != ROOMS_P_PUBLISHER || !p->published || !r)
		return;
	t = track_of(p, pkt->mid);
	if (!t)
		return;
	layer = layer_of(t, pkt);
	if (layer < 0)
		return;
	now = pkt->arrival_us ? pkt->arrival_us : g_get_monotonic_time();
	p->last_rtp_us = now;
	if (pkt->keyframe)
		t->keyframe_since_pli = true;
	t->packets++;
	t->bytes += pkt->len;
	rooms_layer_rates_add(&t->rates, (unsigned)layer, pkt->len, now);
	if (t->d.kind == LUMEN_MEDIA_AUDIO)
		talking(t, pkt);
	if (t->muted)
		return;
	rooms_tap_rtp(r, t, layer, pkt);
	/* the payload descriptor, parsed by the first subscriber and reused by the rest */
	struct rooms_layer_memo memo;
	memo.parsed = false;
	for (unsigned i = 0; i < t->streams->len; i++) {
		struct rooms_stream *s = t->streams->pdata[i];
		struct rooms_participant *sub = s->sub;
		struct rooms_layer_out out;
		struct lumen_rtp_packet q;

		if (!sub->started || !sub->pc_up || sub->paused || !s->send)
			continue;
		if (rooms_layer_packet_memo(&s->sel, (unsigned)layer, pkt, &t->rates, now, scratch,
					    sizeof(scratch), &memo, &out) != ROOMS_LAYER_FORWARD) {
			if (out.want_keyframe)
				rooms_fwd_pli(t, now);
			continue;
		}
		if (out.want_keyframe)
			rooms_fwd_pli(t, now);
		if (out.switched)
			r->c.layer_switches++;
		q = *pkt; /* keeps priv: the core translates header extension ids by it */
		q.data = out.data;
		q.len = out.len;
		if (rooms_core->send_rtp(sub->h, s->mid, &q, &out.rw) == 0) {
			r->c.forwarded_packets++;
			r->c.forwarded_bytes += out.len;
		}
	}
}

/* Counts the NACKs (RTPFB FMT 1) in a subscriber's compound RTCP; the core answers them from
 * its retransmission cache before we see them. A publisher's sender reports go to the taps. */
void rooms_fwd_rtcp(struct rooms_participant *p, const uint8_t *buf, size_t len)
{
	size_t off = 0;

	if (p->type == ROOMS_P_PUBLISHER) {
		rooms_tap_rtcp(p, buf, len, g_get_monotonic_time());
		return;
	}
	if (p->type != ROOMS_P_SUBSCRIBER || !p->room)
		return;
	while (off + 4 <= len) {
		size_t plen = ((size_t)(buf[off + 2] << 8 | buf[off + 3]) + 1) * 4;
		if (plen > len - off)
			break;
		if (buf[off + 1] == 205 && (buf[off] & 0x1f) == 1 && plen >= 12)
			p->room->c.nacks += (plen - 12) / 4;
		off += plen;
	}
}

void rooms_fwd_keyframe_request(struct rooms_participant *p, const char *mid)
{
	struct rooms_stream *s = NULL;

	if (p->type != ROOMS_P_SUBSCRIBER || !p->streams)
		return;
	for (unsigned i = 0; mid && i < p->streams->len && !s; i++)
		if (strcmp(((struct rooms_stream *)p->streams->pdata[i])->mid, mid) == 0)
			s = p->streams->pdata[i];
	if (s && s->track)
		rooms_fwd_pli(s->track, g_get_monotonic_time());
}

void rooms_fwd_bandwidth(struct rooms_participant *p, uint32_t bps)
{
	int64_t now = g_get_monotonic_time();

	if (p->type != ROOMS_P_SUBSCRIBER || !p->streams)
		return;
	p->bwe_bps = bps;
	/* The estimate covers the whole connection: share it among the video streams, audio
	 * first (it is small and always sent). */
	unsigned videos = 0;
	uint64_t audio = 0;
	for (unsigned i = 0; i < p->streams->len; i++) {
		struct rooms_stream *s = p->streams->pdata[i];
		if (!s->track)
			continue;
		if (s->kind == LUMEN_MEDIA_VIDEO)
			videos++;
		else
			audio += s->track->rates.bps[0];
	}
	uint64_t share = videos && bps > audio ? (bps - audio) / videos : 0;
	for (unsigned i = 0; i < p->streams->len; i++) {
		struct rooms_stream *s = p->streams->pdata[i];
		if (s->track && s->kind == LUMEN_MEDIA_VIDEO)
			rooms_layer_bandwidth(&s->sel, (uint32_t)share, &s->track->rates, now);
	}
}

void rooms_fwd_watchdog(int64_t now_us)
{
	GPtrArray *all = rooms_room_all();

	for (unsigned i = 0; i < all->len; i++) {
		struct rooms_room *r = all->pdata[i];
		for (unsigned k = 0; k < r->members->len; k++) {
			struct rooms_participant *p = r->members->pdata[k];
			if (!p->published || !p->last_rtp_us ||
			    now_us - p->last_rtp_us < ROOMS_PUBLISHER_SILENCE_US)
				continue;
			p->last_rtp_us = 0;
			rooms_core->log(p->h, LUMEN_SEV_INFO,
					"publisher %" PRIu64 " sent nothing for 2 s: unpublished",
					p->id);
			/* The hangup callback unpublishes and tells the room. */
			rooms_core->close_pc(p->h, "publisher silent for 2 s");
		}
	}
}
