/* pc_pair.c -- test helper: two peer connections back to back over 127.0.0.1 (pc_pair.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "pc_pair.h"
#include "webrtc/cert.h"
#include "webrtc/dtls.h"
#include "webrtc/pktcache.h"

static const char *const loopback[] = { "127.0.0.1", NULL };

static struct lumen_cert *cert;
static struct lumen_dtls_ctx *dctx;

void pc_pair_setup(void)
{
	cert = lumen_cert_new();
	cr_assert_not_null(cert);
	dctx = lumen_dtls_ctx_new(cert);
	cr_assert_not_null(dctx);
}

void pc_pair_teardown(void)
{
	lumen_dtls_ctx_free(dctx);
	lumen_cert_free(cert);
}

struct lumen_pc_config pc_pair_config(bool server, uint32_t timeout_ms)
{
	struct lumen_pc_config cfg = {
		.ice = { .lite = server, .controlling = !server, .enforce = loopback },
		.cert = cert,
		.dtls_ctx = dctx,
		.timeout_ms = timeout_ms,
	};
	return cfg;
}

static void on_candidate(void *u, const char *c)
{
	struct pc_peer *p = u;
	if (c)
		g_ptr_array_add(p->cands, g_strdup(c));
	else
		p->gathered = true;
}
static void on_up(void *u)
{
	((struct pc_peer *)u)->up = true;
}
static void on_hangup(void *u, const char *reason)
{
	struct pc_peer *p = u;
	g_strlcpy(p->hangup, reason, sizeof(p->hangup));
}
static void on_rtp(void *u, const struct lumen_pc_rtp *pkt)
{
	struct pc_peer *p = u;
	p->rtp_rx++;
	p->last_seq = pkt->seq;
	if (pkt->seq < G_N_ELEMENTS(p->seen))
		p->seen[pkt->seq] = true;
	g_strlcpy(p->last_mid, pkt->mid, sizeof(p->last_mid));
	if (pkt->kind == LUMEN_PC_VIDEO) {
		p->video_rx++;
		p->video_in_buf += lumen_pktcache_buf_holds(pkt->buf, pkt->data, pkt->len);
	} else if (pkt->buf) {
		p->audio_in_buf = true;
	}
	if (p->echo)
		cr_assert_eq(lumen_pc_send_rtp(p->pc, pkt->mid, pkt->data, pkt->len, NULL), 0);
}
static void on_rtcp(void *u, const uint8_t *buf, size_t len)
{
	struct pc_peer *p = u;
	if (p->on_rtcp)
		p->on_rtcp(p, buf, len);
}
static void on_media(void *u, const char *mid, enum lumen_pc_kind kind, bool on)
{
	if (on)
		((struct pc_peer *)u)->media_on++;
}
static void on_slowlink(void *u, bool uplink, uint32_t lost)
{
	struct pc_peer *p = u;
	if (uplink)
		p->slowlink_up++;
	else
		p->slowlink_down++;
	p->slowlink_lost = lost;
}
static void on_warning(void *u, enum lumen_pc_warning kind)
{
	struct pc_peer *p = u;
	p->warnings |= kind;
	p->warning_calls++;
}
static void on_data(void *u, const char *label, uint16_t stream, bool binary, const uint8_t *d,
		    size_t len)
{
	struct pc_peer *p = u;
	size_t n = len < sizeof(p->last_data) - 1 ? len : sizeof(p->last_data) - 1;
	p->data_rx++;
	memcpy(p->last_data, d, n);
	p->last_data[n] = '\0';
	g_strlcpy(p->last_label, label, sizeof(p->last_label));
	if (p->echo)
		lumen_pc_send_data(p->pc, label, binary, d, len);
}

void pc_peer_init(struct pc_peer *p, const char *name, bool server, uint32_t timeout_ms)
{
	struct lumen_pc_config cfg = pc_pair_config(server, timeout_ms);

	pc_peer_init_with(p, name, server, &cfg);
}

void pc_peer_init_with(struct pc_peer *p, const char *name, bool server,
		       const struct lumen_pc_config *cfg)
{
	struct lumen_pc_callbacks cb = {
		.on_candidate = on_candidate, .on_up = on_up, .on_hangup = on_hangup,
		.on_rtp = on_rtp, .on_rtcp = on_rtcp, .on_media = on_media, .on_data = on_data,
		.on_warning = on_warning, .on_slowlink = on_slowlink, .user = p,
	};
	char *err = NULL;

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->echo = server;
	p->cands = g_ptr_array_new_with_free_func(g_free);
	p->pc = lumen_pc_new(NULL, cfg, &cb, &err);
	cr_assert_not_null(p->pc, "%s: %s", name, err);
}

void pc_peer_fini(struct pc_peer *p)
{
	lumen_pc_free(p->pc);
	g_ptr_array_free(p->cands, TRUE);
}

void pc_pair_pump(bool (*cond)(void *), void *arg, int timeout_ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	while (!cond(arg) && g_get_monotonic_time() < end)
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(500);
}

int pc_peer_send_rtp(struct pc_peer *p, const char *mid, const struct lumen_rtp_hdr *h,
		     const uint8_t *payload, size_t len)
{
	struct lumen_rtp_ext ext = { .id = 1, .len = (uint8_t)strlen(mid),
				     .data = (const uint8_t *)mid };
	uint8_t pkt[400];
	ssize_t n = lumen_rtp_write(pkt, sizeof(pkt), h, &ext, 1, payload, len, 0);

	cr_assert_gt(n, 0);
	return lumen_pc_send_rtp(p->pc, mid, pkt, (size_t)n, NULL);
}

struct count_wait {
	const int *counter;
	int n;
};

static bool count_reached(void *a)
{
	const struct count_wait *w = a;
	return *w->counter >= w->n;
}

void pc_pair_pump_count(const int *counter, int n, int timeout_ms)
{
	struct count_wait w = { counter, n };
	pc_pair_pump(count_reached, &w, timeout_ms);
}

bool pc_pair_gathered(void *a)
{
	struct pc_peer *p = a;
	return p[0].gathered && p[1].gathered;
}
bool pc_pair_up_or_hung(void *a)
{
	struct pc_peer *p = a;
	return (p[0].up && p[1].up) || p[0].hangup[0] || p[1].hangup[0];
}
bool pc_peer_data_ready(void *a)
{
	return lumen_pc_data_ready(((struct pc_peer *)a)->pc);
}
bool pc_peer_hung(void *a)
{
	return ((struct pc_peer *)a)->hangup[0] != '\0';
}

void pc_pair_negotiate(struct pc_peer *p, const char *offer_media, const char *answer_media,
		       pc_pair_inspect_cb inspect, void *arg)
{
	char *err = NULL, *offer, *answer;

	pc_pair_pump(pc_pair_gathered, p, 5000);
	offer = lumen_pc_complete_local(p[1].pc, offer_media, true, &err);
	cr_assert_not_null(offer, "client offer: %s", err);
	cr_assert_eq(lumen_pc_set_remote(p[0].pc, offer, true, &err), 0, "server: %s", err);
	answer = lumen_pc_complete_local(p[0].pc, answer_media, false, &err);
	cr_assert_not_null(answer, "server answer: %s", err);
	if (inspect)
		inspect(offer, answer, arg);
	cr_assert_eq(lumen_pc_set_remote(p[1].pc, answer, false, &err), 0, "client: %s", err);
	g_free(offer);
	g_free(answer);
	pc_pair_pump(pc_pair_up_or_hung, p, 10000);
}

static const char offer_media[] =
	"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\n"
	"a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=ssrc:1111 cname:client\r\n"
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"
	"a=sctp-port:5000\r\na=max-message-size:262144\r\n";

static const char answer_media[] =
	"v=0\r\no=- 2 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\n"
	"a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n";

static void check_roles(const char *offer, char *answer, void *arg)
{
	const char *tamper_fp = arg;

	cr_assert(strstr(offer, "a=setup:actpass") != NULL, "%s", offer);
	cr_assert(strstr(offer, "a=ice-lite") == NULL,
		  "the client runs full ICE, so its offer must not claim lite: %s", offer);
	cr_assert(strstr(offer, "a=fingerprint:sha-256 ") != NULL);
	cr_assert(strstr(answer, "a=setup:passive") != NULL,
		  "the answerer takes the DTLS server role, so it picks the SRTP profile");
	cr_assert(strstr(answer, "a=ice-lite") != NULL, "%s", answer);
	cr_assert(strstr(answer, "a=candidate:") != NULL, "gathered candidates are in the SDP");
	if (tamper_fp) {
		char *at = strstr(answer, "a=fingerprint:sha-256 ");
		cr_assert_not_null(at);
		memcpy(at + strlen("a=fingerprint:sha-256 "), tamper_fp, strlen(tamper_fp));
	}
}

void pc_pair_connect(struct pc_peer *p, const char *tamper_fp)
{
	/* check_roles only reads tamper_fp. */
	pc_pair_negotiate(p, offer_media, answer_media, check_roles, (void *)tamper_fp);
}

const char pc_pair_video_offer[] =
	"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE v\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:v\r\na=sendrecv\r\n"
	"a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=ssrc:2222 cname:client\r\n";
const char pc_pair_video_answer[] =
	"v=0\r\no=- 2 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE v\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:v\r\na=sendrecv\r\n"
	"a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n";
