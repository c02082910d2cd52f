/* pub.c -- a lumen-bench publisher: joins, publishes an Opus (+ VP8) offer, and once its peer
 * connection is up sends synthetic media (media.c) from a timer (2 ms when pacing, else 5 ms)
 * that keeps the frame and packet schedule by the clock (a late tick sends what is due, so the
 * rate holds). Video goes through a pacer (pacer.h, --pacing) as a browser's does; audio goes at
 * once. A PLI or FIR from the server makes the next frame a keyframe; NACKs are answered by the
 * pc's own cache. */
#include <string.h>

#include "media.h"
#include "pacer.h"
#include "peer_internal.h"
#include "stats.h"

#define PACER_SLOTS 256 /* a keyframe of an 8 Mbit/s stream fits; beyond, packets go at once */

struct bench_pub {
	struct bench_conn c;
	uint64_t feed;
	bool video;
	struct bench_media media;
	int64_t joined_ns, answered_ns;
	int64_t next_video_ns, next_audio_ns, frame_ns;
	struct bench_pacer *pacer; /* NULL: --pacing 0 */
	guint timer;
};

static const char offer_audio[] =
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0%s\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n"
    "a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=msid:bench a0\r\na=ssrc:%u cname:bench\r\n";
static const char offer_video[] =
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendonly\r\n"
    "a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
    "a=rtcp-fb:96 ccm fir\r\na=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=msid:bench v0\r\na=ssrc:%u cname:bench\r\n";

static void send_now(struct bench_pub *p, bool video, const uint8_t *pkt, size_t len)
{
	if (lumen_pc_send_rtp(p->c.pc, video ? "1" : "0", pkt, len, NULL) == 0 &&
	    p->c.env->stats.measuring)
		p->c.env->sent_packets++;
}

/* A paced video packet leaves: its send-time trailer is restamped, so the delay the subscribers
 * measure starts when it is sent, as it would with a browser's pacer. */
static void send_paced(void *user, uint8_t *pkt, size_t len)
{
	if (len >= BENCH_TRAILER_LEN)
		bench_trailer_write(pkt + len - BENCH_TRAILER_LEN, bench_now_ns());
	send_now(user, true, pkt, len);
}

static void emit(void *user, bool video, const uint8_t *pkt, size_t len)
{
	struct bench_pub *p = user;

	/* A full pacer (a stall, or a keyframe larger than its queue) sends at once: late, never
	 * lost. */
	if (video && p->pacer && bench_pacer_push(p->pacer, pkt, len) == 0)
		return;
	send_now(p, video, pkt, len);
}

static gboolean tick(gpointer data)
{
	struct bench_pub *p = data;
	int64_t now = bench_now_ns();

	if (!p->c.up || p->c.dead)
		return G_SOURCE_CONTINUE;
	if (p->next_audio_ns && now - p->next_audio_ns > 200000000) /* the loop did not run */
		bench_log("publisher stalled for %.0f ms: the bench's thread did not run\n",
		          (double)(now - p->next_audio_ns) / 1e6);
	if (!p->next_audio_ns || now - p->next_audio_ns > 200000000) /* start, or a long stall */
		p->next_audio_ns = p->next_video_ns = now;
	while (p->video && now >= p->next_video_ns) {
		bench_media_video_frame(&p->media, now);
		p->next_video_ns += p->frame_ns;
	}
	while (now >= p->next_audio_ns) {
		bench_media_audio_packet(&p->media, now);
		p->next_audio_ns += 20000000;
	}
	if (p->pacer)
		bench_pacer_drain(p->pacer, bench_now_ns(), send_paced, p);
	return G_SOURCE_CONTINUE;
}

/* The pc's callbacks get the conn as user: the first member of the publisher. */
static void on_keyframe_request(void *user, const char *mid)
{
	(void)mid;
	bench_media_request_keyframe(&((struct bench_pub *)user)->media);
}

static int publish(struct bench_pub *p, char **err)
{
	struct lumen_pc_callbacks cb = {.on_keyframe_request = on_keyframe_request};
	char *media, *offer = NULL;
	json_t *ans;
	int rc = -1;

	if (bench_conn_pc(&p->c, &cb, true, err) < 0)
		return -1;
	media = g_strdup_printf(offer_audio, p->video ? " 1" : "", p->media.ssrc_audio);
	if (p->video) {
		char *v = g_strdup_printf(offer_video, p->media.ssrc_video);
		char *both = g_strconcat(media, v, NULL);
		g_free(v);
		g_free(media);
		media = both;
	}
	offer = lumen_pc_complete_local(p->c.pc, media, true, err);
	g_free(media);
	if (!offer)
		return -1;
	ans = bench_janus_message(
	    p->c.j, p->c.handle,
	    json_pack("{sssbsb}", "request", "publish", "audio", 1, "video", p->video),
	    bench_jsep("offer", offer), BENCH_STEP_MS, err);
	g_free(offer);
	if (!ans)
		return -1;
	p->answered_ns = bench_now_ns();
	if (!bench_janus_sdp(ans))
		*err = g_strdup("publish: no answer SDP in the reply");
	else if (lumen_pc_set_remote(p->c.pc, bench_janus_sdp(ans), false, err) == 0)
		rc = 0;
	json_decref(ans);
	return rc;
}

struct bench_pub *bench_pub_new(struct bench_env *env, uint64_t room, bool video, char **err)
{
	static uint32_t seed = 0x1234567;
	struct bench_pub *p = g_new0(struct bench_pub, 1);
	const struct bench_opts *o = env->o;
	json_t *ev;

	p->video = video;
	p->frame_ns = 1000000000 / (o->fps ? o->fps : 30);
	bench_media_init(&p->media, o->bitrate, o->fps ? o->fps : 30, o->keyframe_s,
	                 seed += 0x9e3779b9u, emit, p);
	if (video && o->pacing > 0 &&
	    !(p->pacer = bench_pacer_new((uint64_t)(o->pacing * o->bitrate), PACER_SLOTS))) {
		*err = g_strdup("out of memory (pacer)");
		goto fail;
	}
	if (bench_conn_attach(&p->c, env, err) < 0)
		goto fail;
	ev = bench_janus_message(p->c.j, p->c.handle,
	                         json_pack("{sssssIss}", "request", "join", "ptype", "publisher",
	                                   "room", (json_int_t)room, "display", "bench"),
	                         NULL, BENCH_STEP_MS, err);
	if (!ev)
		goto fail;
	p->joined_ns = bench_now_ns();
	p->feed = (uint64_t)json_integer_value(json_object_get(bench_janus_data(ev), "id"));
	/* lumen tells a joiner that the room is recorded (Janus does not). */
	if (json_is_true(json_object_get(bench_janus_data(ev), "recording")))
		env->rec_announced++;
	json_decref(ev);
	if (!p->feed) {
		*err = g_strdup("join: no publisher id in the reply");
		goto fail;
	}
	if (publish(p, err) < 0)
		goto fail;
	/* Above the sockets' priority: when the bench's thread is saturated (hundreds of
	 * subscribers' packets and handshakes to handle), the load it generates must keep its
	 * rate; a starved publisher is one the server hangs up as silent (lumen after 2 s), which
	 * ended find-max steps that the server would have held. Receiving falls behind instead,
	 * and shows as delay. */
	p->timer = g_timeout_add_full(G_PRIORITY_HIGH, p->pacer ? 2 : 5, tick, p, NULL);
	return p;
fail:
	bench_pub_free(p);
	return NULL;
}

uint64_t bench_pub_feed(const struct bench_pub *p)
{
	return p->feed;
}

bool bench_pub_up(const struct bench_pub *p)
{
	return p->c.up;
}

const char *const bench_join_step_names[BENCH_JOIN_STEPS] = {
    "publisher_joined",   "publisher_answered", "publisher_pc_up",         "publisher_webrtcup",
    "subscriber_created", "subscriber_attached", "subscriber_offer",       "subscriber_started",
    "subscriber_ice_connected", "subscriber_pc_up", "subscriber_webrtcup", "first_packet",
    "first_audio",        "first_video",
};

void bench_pub_times(const struct bench_pub *p, int64_t t[BENCH_JOIN_STEPS])
{
	t[BENCH_PUB_JOINED] = p->joined_ns;
	t[BENCH_PUB_ANSWERED] = p->answered_ns;
	t[BENCH_PUB_PC_UP] = p->c.up_ns;
	t[BENCH_PUB_WEBRTCUP] = p->c.server_up_ns;
}

bool bench_pub_ready(const struct bench_pub *p, int64_t *at_ns)
{
	if (at_ns)
		*at_ns = p->c.server_up_ns;
	return p->c.up && p->c.server_up;
}

void bench_pub_free(struct bench_pub *p)
{
	if (!p)
		return;
	if (p->timer)
		g_source_remove(p->timer);
	bench_conn_fini(&p->c);
	bench_pacer_free(p->pacer);
	g_free(p);
}
