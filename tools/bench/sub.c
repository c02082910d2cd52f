/* sub.c -- a lumen-bench subscriber: joins as a subscriber of feeds, answers the server's offer
 * (receive only: Opus, VP8 with NACK/PLI/FIR and RTX, the mid extension), and counts what it
 * decrypts into the run's stats (stats.h). The pc sends receiver reports and NACKs itself. */
#include <string.h>

#include "peer_internal.h"
#include "webrtc/rtp.h"
#include "webrtc/sdp.h"

struct bench_sub {
	struct bench_conn c; /* first: the pc's callbacks get it as user */
	struct bench_streams streams;
	char srtp[32];
	int64_t offer_ns, started_ns, ice_ns, first_audio_ns, first_video_ns;
	bool first_video_key;
};

static void on_rtp(void *user, const struct lumen_pc_rtp *pkt)
{
	struct bench_sub *s = user;
	struct lumen_rtp r;
	/* When the packet reached our socket (rx.h), else now: no clock read per batched packet. */
	int64_t now = bench_rx_now_ns();

	if (lumen_rtp_parse(&r, pkt->data, pkt->len) < 0)
		return;
	if (!now)
		now = bench_now_ns();
	if (pkt->kind == LUMEN_PC_VIDEO && !s->first_video_ns) {
		s->first_video_ns = now;
		/* A decoder shows nothing before a keyframe: a server that starts a new receiver
		 * on one makes its first video packet a keyframe's first. */
		s->first_video_key = pkt->keyframe;
	} else if (pkt->kind == LUMEN_PC_AUDIO && !s->first_audio_ns)
		s->first_audio_ns = now;
	bench_stats_packet(&s->c.env->stats, &s->streams, pkt->ssrc, pkt->seq,
	                   lumen_rtp_payload(&r), r.payload_len, pkt->len, now);
}

/* The answer's media part, from the offer: what a receive-only browser would accept. */
static char *answer_media(const char *offer, char **err)
{
	static const struct lumen_sdp_codec_cap audio[] = {
	    {.name = "opus", .clock = 48000, .channels = 2},
	};
	static const struct lumen_sdp_codec_cap video[] = {
	    {.name = "VP8",
	     .clock = 90000,
	     .fb = LUMEN_SDP_FB_NACK | LUMEN_SDP_FB_PLI | LUMEN_SDP_FB_FIR,
	     .rtx = true},
	};
	static const char *const exts[] = {"urn:ietf:params:rtp-hdrext:sdes:mid"};
	const struct lumen_sdp_caps caps = {
	    .audio = audio,
	    .n_audio = 1,
	    .video = video,
	    .n_video = 1,
	    .extmaps = exts,
	    .n_extmaps = 1,
	    .audio_dir = LUMEN_SDP_DIR_RECVONLY,
	    .video_dir = LUMEN_SDP_DIR_RECVONLY,
	};
	struct lumen_sdp *o = NULL, *a = NULL;
	struct lumen_sdp_error e = {0};
	char *text = NULL;

	if (lumen_sdp_parse(offer, strlen(offer), &o, &e) < 0 ||
	    lumen_sdp_answer_build(o, &caps, &a, &e) < 0)
		*err = g_strdup_printf("the server's offer: %s", e.msg);
	else
		text = lumen_sdp_write(a, NULL);
	lumen_sdp_free(o);
	lumen_sdp_free(a);
	return text;
}

static void poll_hook(void *arg)
{
	bench_sub_poll_ice(arg);
}

static int answer(struct bench_sub *s, const char *offer, char **err)
{
	struct lumen_pc_callbacks cb = {.on_rtp = on_rtp};
	/* A lite server (lumen) needs us controlling; a full one that offered (Janus) is. */
	bool controlling = strstr(offer, "a=ice-lite") != NULL;
	char *media = NULL, *sdp = NULL;
	json_t *ev;

	if (bench_conn_pc(&s->c, &cb, controlling, err) < 0 ||
	    lumen_pc_set_remote(s->c.pc, offer, true, err) < 0 ||
	    !(media = answer_media(offer, err)) ||
	    !(sdp = lumen_pc_complete_local(s->c.pc, media, false, err))) {
		g_free(media);
		return -1;
	}
	g_free(media);
	/* A subscriber in a session of its own is the join scenario's: its ICE can come up while
	 * "start" is being answered (a full server checks as soon as it has our answer), so it is
	 * polled after every iteration of whatever waits, not only once the join returns. */
	if (s->c.own) {
		bench_pump_hook = poll_hook;
		bench_pump_hook_arg = s;
	}
	ev = bench_janus_message(s->c.j, s->c.handle, json_pack("{ss}", "request", "start"),
	                         bench_jsep("answer", sdp), BENCH_STEP_MS, err);
	g_free(sdp);
	json_decref(ev);
	return ev ? 0 : -1;
}

static struct bench_sub *sub_new(struct bench_env *env, uint64_t room, const uint64_t *feeds,
                                 size_t n, bool own, char **err)
{
	struct bench_sub *s = g_new0(struct bench_sub, 1);
	json_t *streams = json_array(), *ev;
	const char *offer;

	s->c.rx_wanted = true; /* its media through env->rx once up */
	s->c.rx.fd = -1;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(streams, json_pack("{sI}", "feed", (json_int_t)feeds[i]));
	int64_t t0 = bench_now_ns(), t1, t2;

	if ((own ? bench_conn_attach_own(&s->c, env, err) : bench_conn_attach(&s->c, env, err)) <
	    0) {
		json_decref(streams);
		goto fail;
	}
	ev = bench_janus_message(s->c.j, s->c.handle,
	                         json_pack("{sssssIso}", "request", "join", "ptype", "subscriber",
	                                   "room", (json_int_t)room, "streams", streams),
	                         NULL, BENCH_STEP_MS, err);
	t1 = s->offer_ns = bench_now_ns();
	if (!ev)
		goto fail;
	offer = bench_janus_sdp(ev);
	if (!offer) {
		*err = g_strdup("subscribe: no offer in the reply");
		json_decref(ev);
		goto fail;
	}
	if (answer(s, offer, err) < 0) {
		json_decref(ev);
		goto fail;
	}
	json_decref(ev);
	t2 = s->started_ns = bench_now_ns();
	if (t2 - t0 > 1000000000) /* say where a slow join spent its time */
		bench_log("subscriber join: %.0f ms to the offer, %.0f ms to the started reply\n",
		          (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6);
	return s;
fail:
	bench_sub_free(s);
	return NULL;
}

struct bench_sub *bench_sub_new(struct bench_env *env, uint64_t room, const uint64_t *feeds,
                                size_t n, char **err)
{
	return sub_new(env, room, feeds, n, false, err);
}

struct bench_sub *bench_sub_new_session(struct bench_env *env, uint64_t room,
                                        const uint64_t *feeds, size_t n, char **err)
{
	return sub_new(env, room, feeds, n, true, err);
}

bool bench_sub_poll_ice(struct bench_sub *s)
{
	struct lumen_pc_stats st;

	if (s->ice_ns)
		return true;
	if (!s->c.pc)
		return false;
	lumen_pc_get_stats(s->c.pc, &st);
	g_free(st.selected_pair);
	if (!strcmp(st.ice_state, "connected"))
		s->ice_ns = bench_now_ns();
	return s->ice_ns != 0;
}

void bench_sub_times(struct bench_sub *s, int64_t t[BENCH_JOIN_STEPS])
{
	t[BENCH_SUB_CREATED] = s->c.created_ns;
	t[BENCH_SUB_ATTACHED] = s->c.attached_ns;
	t[BENCH_SUB_OFFER] = s->offer_ns;
	t[BENCH_SUB_STARTED] = s->started_ns;
	/* Seen at the latest when the pc came up (polled: it may have been between polls). */
	t[BENCH_SUB_ICE_CONNECTED] = s->ice_ns ? s->ice_ns : s->c.up_ns;
	t[BENCH_SUB_PC_UP] = s->c.up_ns;
	t[BENCH_SUB_WEBRTCUP] = s->c.server_up_ns;
	t[BENCH_SUB_FIRST_PACKET] = s->streams.first_rx_ns;
	t[BENCH_SUB_FIRST_AUDIO] = s->first_audio_ns;
	t[BENCH_SUB_FIRST_VIDEO] = s->first_video_ns;
}

bool bench_sub_first_video_key(const struct bench_sub *s)
{
	return s->first_video_key;
}

bool bench_sub_up(const struct bench_sub *s)
{
	return s->c.up;
}

struct bench_streams *bench_sub_streams(struct bench_sub *s)
{
	return &s->streams;
}

const char *bench_sub_srtp_profile(struct bench_sub *s)
{
	struct lumen_pc_stats st;

	if (!s->c.pc)
		return "";
	lumen_pc_get_stats(s->c.pc, &st);
	g_free(st.selected_pair);
	g_strlcpy(s->srtp, st.srtp_profile, sizeof(s->srtp));
	return s->srtp;
}

void bench_sub_describe(struct bench_sub *s, char *buf, size_t size)
{
	struct lumen_pc_stats st;

	if (s->c.dead || !s->c.pc) {
		g_snprintf(buf, size, "hung up: %s", s->c.hangup);
		return;
	}
	lumen_pc_get_stats(s->c.pc, &st);
	g_free(st.selected_pair);
	if (s->c.up)
		g_snprintf(buf, size, "up, %" G_GUINT64_FORMAT " packets in", st.rtp_in);
	else
		g_snprintf(buf, size, "ICE %s, DTLS/SRTP %s", st.ice_state,
		           st.srtp_profile[0] ? "keyed" : "not done");
}

void bench_sub_free(struct bench_sub *s)
{
	if (!s)
		return;
	if (bench_pump_hook_arg == s) {
		bench_pump_hook = NULL;
		bench_pump_hook_arg = NULL;
	}
	bench_conn_fini(&s->c);
	g_free(s);
}
