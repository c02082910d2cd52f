/* api/media.c -- a handle's peer connection (see media.h): created on the first jsep, fed the
 * client's SDP and trickled candidates, completing the plugin's SDP, turning engine callbacks into
 * Janus events (webrtcup, media, hangup, trickle) and plugin callbacks (setup_media, media_state,
 * hangup, rtp_in, rtcp_in, data_in), and serving the plugin's media services.
 *
 * Transmit workers (media.workers >= 2, webrtc/txworker.h): a handle moved to a worker
 * (api_media_move, the core's handle_move) has the RTP relayed to it protected and sent there.
 * Each received packet's plugin dispatch (on_rtp) is bracketed by lumen_txw_begin/end, so the
 * sends the plugin makes to the handles of one worker become one hand-off. The pc itself, its
 * signalling and every other service stay on the control thread. */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "api/api_internal.h"
#include "api/media.h"
#include "api/media_rx.h"
#include "log.h"
#include "webrtc/cert.h"
#include "webrtc/dtls.h"
#include "webrtc/ice.h"
#include "metrics.h"
#include "webrtc/pc.h"
#include "webrtc/srtp.h"
#include "webrtc/txworker.h"

LUMEN_LOG_CATEGORY(cat_media, "media");

struct api_media {
	struct lumen_pc *pc;
	struct lumen_handle *h;
	int worker; /* transmit worker of pc, -1 = the control thread */
	bool up;
	bool candidates_done; /* the client said completed: true */
	bool local_sent;      /* our SDP went out: later candidates must be trickled */
};

/* Process-wide DTLS identity; the API is a singleton per process (like its core table). */
static struct lumen_cert *media_cert;
static struct lumen_dtls_ctx *media_dtls;
/* Transmit workers, NULL when media.workers is 1 (everything inline on the control thread). */
static struct lumen_txw_pool *media_txw;
/* pcs closed by a hangup whose free waits for the loop (free_pc_later), so fini can free them. */
static GQueue media_dying = G_QUEUE_INIT;

struct dying_pc {
	struct lumen_pc *pc;
	int worker;
	guint source;
};

/* ---- transmit workers ---- */

static const struct {
	const char *name, *help;
	enum lumen_metric_type type;
} worker_families[] = {
	{ "lumen_media_workers", "media transmit worker threads (0: sends inline on the control "
				 "thread)", LUMEN_METRIC_GAUGE },
	{ "lumen_media_worker_handoffs_total", "hand-offs (one received packet's sends to one "
					       "worker) processed", LUMEN_METRIC_COUNTER },
	{ "lumen_media_worker_packets_total", "RTP packets protected and sent by the worker",
	  LUMEN_METRIC_COUNTER },
	{ "lumen_media_worker_send_failures_total", "sends a worker could not make (peer "
						    "connection closed or not up)",
	  LUMEN_METRIC_COUNTER },
	{ "lumen_media_worker_drops_total", "hand-offs dropped because the worker's queue was "
					    "full", LUMEN_METRIC_COUNTER },
	{ "lumen_media_worker_wakeups_total", "hand-offs that had to wake a sleeping worker",
	  LUMEN_METRIC_COUNTER },
	{ "lumen_media_worker_queue_high_water", "most hand-offs ever waiting in the worker's "
						 "queue", LUMEN_METRIC_GAUGE },
};

/* One family's samples (arg: its index in worker_families): a sample must belong to the family
 * being collected. */
static void collect_workers(struct lumen_metrics_out *out, void *arg)
{
	size_t fam = (size_t)(uintptr_t)arg;
	const char *name = worker_families[fam].name;
	unsigned n = lumen_txw_count(media_txw);

	if (fam == 0) {
		lumen_metrics_emit(out, name, NULL, n);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		struct lumen_txw_stats st;
		char labels[32];

		lumen_txw_get_stats(media_txw, i, &st);
		/* in the order of worker_families */
		const uint64_t v[] = { 0, st.handoffs, st.packets, st.failed, st.drops, st.wakeups,
				       st.high_water };
		G_STATIC_ASSERT(G_N_ELEMENTS(v) == G_N_ELEMENTS(worker_families));
		snprintf(labels, sizeof(labels), "worker=\"%u\"", i);
		lumen_metrics_emit(out, name, labels, (double)v[fam]);
	}
}

static void workers_metrics(bool on)
{
	for (size_t i = 0; i < G_N_ELEMENTS(worker_families); i++) {
		if (!on) {
			lumen_metrics_unregister(worker_families[i].name);
			continue;
		}
		if (lumen_metrics_register(worker_families[i].name, worker_families[i].type,
					   worker_families[i].help,
					   collect_workers, (void *)(uintptr_t)i) < 0)
			LOG_WARN(cat_media, "metric family %s not registered",
				 worker_families[i].name);
	}
}

/* The CPUs this process may run on: a daemon pinned to one core (taskset, systemd's
 * CPUAffinity=) gains nothing from transmit threads that would share that core. */
static unsigned usable_cpus(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	return g_get_num_processors();
}

static int workers_start(const struct lumen_config *cfg, char **err)
{
	struct lumen_txw_config tc = { 0 };
	unsigned n = cfg->media.workers > 0 ? (unsigned)cfg->media.workers : usable_cpus();

	if (n >= 2) {
		tc.n_workers = n;
		media_txw = lumen_txw_pool_new(&tc, err);
		if (!media_txw)
			return -EAGAIN;
	}
	if (media_txw)
		LOG_INFO(cat_media, "%u media transmit workers", n);
	else
		LOG_INFO(cat_media, "no media transmit worker: relayed RTP is sent on the control "
			 "thread (media.workers = 1)");
	workers_metrics(true);
	return 0;
}

unsigned api_media_n_workers(void)
{
	return media_txw ? lumen_txw_count(media_txw) : 1;
}

/* Frees pc now, or (on a worker) once the worker is past every hand-off that names it. */
static void pc_dispose(struct lumen_pc *pc, int worker)
{
	if (!pc)
		return;
	lumen_pc_free(pc);
	if (worker >= 0 && media_txw)
		lumen_txw_retire(media_txw, (unsigned)worker, pc);
}

int api_media_init(struct lumen_api *api, const struct lumen_config *cfg, char **err)
{
	int rc;

	/* At start, not at the first keying: libsrtp2's self-tests took 33-200 ms on the control
	 * thread when the first pc keyed, and a browser that started its media on our Finished
	 * saw its first packets wait that long in the socket. */
	rc = lumen_srtp_global_init();
	if (rc < 0) {
		*err = g_strdup("libsrtp2 failed to initialise (srtp_init)");
		return rc;
	}
	if (*cfg->media.dtls_cert || *cfg->media.dtls_key) {
		rc = lumen_cert_load_pem(cfg->media.dtls_cert, cfg->media.dtls_key, &media_cert);
		if (rc < 0) {
			*err = g_strdup_printf("media.dtls_cert/dtls_key (%s, %s): %s",
					       cfg->media.dtls_cert, cfg->media.dtls_key,
					       rc == -EKEYREJECTED ? "the key does not match the "
								     "certificate"
								   : g_strerror(-rc));
			return rc;
		}
	} else {
		media_cert = lumen_cert_new();
		if (!media_cert) {
			*err = g_strdup("cannot generate the DTLS certificate");
			return -EIO;
		}
	}
	media_dtls = lumen_dtls_ctx_new(media_cert);
	if (!media_dtls) {
		*err = g_strdup("OpenSSL refused the DTLS certificate");
		lumen_cert_free(media_cert);
		media_cert = NULL;
		return -EINVAL;
	}
	LOG_INFO(cat_media, "DTLS certificate sha-256 %s", lumen_cert_fingerprint(media_cert));
	rc = api_media_rx_init(api->ctx, err);
	if (rc < 0)
		return rc;
	return workers_start(cfg, err);
}

void api_media_fini(struct lumen_api *api)
{
	struct dying_pc *d;

	while ((d = g_queue_pop_head(&media_dying))) {
		g_source_remove(d->source);
		pc_dispose(d->pc, d->worker);
		g_free(d);
	}
	/* Every handle is gone: the workers drain, run the last retires and stop. */
	workers_metrics(false);
	lumen_txw_pool_free(media_txw);
	media_txw = NULL;
	lumen_dtls_ctx_free(media_dtls);
	lumen_cert_free(media_cert);
	media_dtls = NULL;
	media_cert = NULL;
	api_media_rx_fini(); /* every pc, and so every connection of the loop, is gone */
}

const char *api_media_fingerprint(const struct lumen_api *api)
{
	return media_cert ? lumen_cert_fingerprint(media_cert) : NULL;
}

/* ---- events and plugin callbacks from the engine ---- */

static void emit(struct lumen_handle *h, json_t *ev)
{
	json_object_set_new(ev, "sender", json_integer((json_int_t)h->id));
	api_session_emit(h->session, ev);
}

static void on_candidate(void *user, const char *candidate)
{
	struct api_media *m = user;

	/* Candidates gathered before our SDP goes out are written into it (with end-of-candidates
	 * if gathering finished): only later ones are trickled. */
	if (!m->local_sent || !m->pc) /* also: called from inside lumen_pc_new, before m->pc */
		return;
	/* With BUNDLE every candidate belongs to the first accepted m-line's transport. */
	json_t *c = candidate ? json_pack("{s:s, s:s, s:i}", "candidate", candidate, "sdpMid",
					  lumen_pc_bundle_mid(m->pc), "sdpMLineIndex", 0)
			      : json_pack("{s:b}", "completed", 1);

	emit(m->h, json_pack("{s:s, s:o}", "janus", "trickle", "candidate", c));
}

static void on_up(void *user)
{
	struct api_media *m = user;
	struct lumen_handle *h = m->h;

	m->up = true;
	LOG_INFO(cat_media, "handle %" G_GUINT64_FORMAT ": WebRTC up", h->id);
	emit(h, json_pack("{s:s}", "janus", "webrtcup"));
	if (h->plugin->setup_media)
		h->plugin->setup_media(h, h->state);
}

static gboolean free_pc_later(gpointer data)
{
	struct dying_pc *d = data;

	g_queue_remove(&media_dying, d);
	pc_dispose(d->pc, d->worker);
	g_free(d);
	return G_SOURCE_REMOVE;
}

static void on_hangup(void *user, const char *reason)
{
	struct api_media *m = user;
	struct lumen_handle *h = m->h;

	LOG_INFO(cat_media, "handle %" G_GUINT64_FORMAT ": hangup: %s", h->id, reason);
	h->negotiated = false;
	emit(h, json_pack("{s:s, s:s}", "janus", "hangup", "reason", reason));
	if (h->plugin->hangup)
		h->plugin->hangup(h, h->state, reason);
	/* We are inside one of the pc's callbacks: free it from the loop, not here (at the default
	 * priority: an idle one waits as long as media keeps the loop busy, holding the pc). */
	struct dying_pc *d = g_new0(struct dying_pc, 1);
	d->pc = m->pc;
	d->worker = m->worker;
	d->source = g_idle_add_full(G_PRIORITY_DEFAULT, free_pc_later, d, NULL);
	g_queue_push_tail(&media_dying, d);
	m->pc = NULL;
	m->up = false;
}

static void on_rtp(void *user, const struct lumen_pc_rtp *p)
{
	struct api_media *m = user;
	struct lumen_handle *h = m->h;
	struct lumen_rtp_packet pkt = {
		.data = p->data,
		.len = p->len,
		.ssrc = p->ssrc,
		.timestamp = p->timestamp,
		.seq = p->seq,
		.pt = p->pt,
		.marker = p->marker,
		.kind = p->kind == LUMEN_PC_AUDIO ? LUMEN_MEDIA_AUDIO : LUMEN_MEDIA_VIDEO,
		.mid = p->mid,
		.rid = p->rid,
		.audio_level = (int8_t)p->audio_level,
		.keyframe = p->keyframe,
		.arrival_us = p->arrival_us,
		/* Where it came from: the receiving pc translates extension ids by it. */
		.priv = (void *)lumen_pc_ext_kinds(m->pc),
		/* The buffer it is in: receivers' NACK caches reference it (pc.h). */
		.core_buf = p->buf,
	};

	if (!h->plugin->rtp_in)
		return;
	/* Sends of this packet to handles on workers gather into one hand-off per worker. */
	if (media_txw)
		lumen_txw_begin(media_txw, p->data, p->len, pkt.priv, p->buf);
	h->plugin->rtp_in(h, h->state, &pkt);
	if (media_txw)
		lumen_txw_end(media_txw);
}

static void on_rtcp(void *user, const uint8_t *buf, size_t len)
{
	struct api_media *m = user;

	if (m->h->plugin->rtcp_in)
		m->h->plugin->rtcp_in(m->h, m->h->state, buf, len);
}

static void on_media(void *user, const char *mid, enum lumen_pc_kind kind, bool receiving)
{
	struct api_media *m = user;
	struct lumen_handle *h = m->h;
	enum lumen_media_kind k = kind == LUMEN_PC_AUDIO ? LUMEN_MEDIA_AUDIO : LUMEN_MEDIA_VIDEO;

	emit(h, json_pack("{s:s, s:s, s:s, s:b}", "janus", "media", "mid", mid, "type",
			  k == LUMEN_MEDIA_AUDIO ? "audio" : "video", "receiving", receiving));
	if (h->plugin->media_state)
		h->plugin->media_state(h, h->state, mid, k, receiving);
}

static void on_data(void *user, const char *label, uint16_t stream, bool binary,
		    const uint8_t *data, size_t len)
{
	struct api_media *m = user;
	struct lumen_data_message msg = { label, stream, binary, data, len };

	if (m->h->plugin->data_in)
		m->h->plugin->data_in(m->h, m->h->state, &msg);
}

static void on_warning(void *user, enum lumen_pc_warning kind)
{
	struct api_media *m = user;

	LOG_WARN(cat_media, "handle %" G_GUINT64_FORMAT ": dropping bad input from the peer: %s "
		 "(further drops of this kind are only counted)", m->h->id,
		 lumen_pc_warning_text(kind));
}

static void on_keyframe_request(void *user, const char *mid)
{
	struct api_media *m = user;

	if (m->h->plugin->keyframe_request)
		m->h->plugin->keyframe_request(m->h, m->h->state, mid);
}

static void on_slowlink(void *user, bool uplink, uint32_t lost)
{
	struct api_media *m = user;

	emit(m->h, json_pack("{s:s, s:s, s:b, s:i}", "janus", "slowlink", "media", "video",
			     "uplink", uplink, "lost", (int)lost));
}

static void on_bandwidth(void *user, uint64_t bps)
{
	struct api_media *m = user;

	if (m->h->plugin->bandwidth_estimate)
		m->h->plugin->bandwidth_estimate(m->h, m->h->state,
						 bps > UINT32_MAX ? UINT32_MAX : (uint32_t)bps);
}

/* ---- creation ---- */

static struct api_media *media_of(const struct lumen_handle *h)
{
	return h->media;
}

static struct api_media *media_new(struct lumen_handle *h)
{
	struct api_media *m = g_new0(struct api_media, 1);

	m->h = h;
	m->worker = -1;
	h->media = m;
	return m;
}

int api_media_move(struct lumen_handle *h, unsigned worker)
{
	struct api_media *m = media_of(h);

	if (worker >= api_media_n_workers())
		return -EINVAL;
	if (!media_txw) /* one worker: the control thread itself */
		return 0;
	if (!m)
		m = media_new(h);
	if (m->worker == (int)worker)
		return 0;
	if (m->pc && m->worker >= 0)
		lumen_txw_retire(media_txw, (unsigned)m->worker, m->pc);
	m->worker = (int)worker;
	if (m->pc)
		lumen_txw_adopt(media_txw, worker, m->pc);
	LOG_DEBUG(cat_media, "handle %" G_GUINT64_FORMAT ": relayed RTP sent by worker %u", h->id,
		  worker);
	return 0;
}

int api_media_worker(const struct lumen_handle *h)
{
	struct api_media *m = media_of(h);

	return m && media_txw ? m->worker : -1;
}

static int ensure_pc(struct lumen_handle *h, char **err)
{
	const struct lumen_config *cfg = h->session->api->cfg;
	struct api_media *m = media_of(h);
	struct lumen_pc_config pc_cfg = {
		.ice = {
			.lite = cfg->media.ice_lite,
			.no_early_nominate = !cfg->media.ice_lite_nominate,
			.controlling = false,
			.enforce = (const char *const *)cfg->media.ice_enforce,
			.ignore = (const char *const *)cfg->media.ice_ignore,
			.nat_1_1 = cfg->media.nat_1_1,
			.ipv6 = cfg->media.ipv6,
			.rxloop = api_media_rx_loop(),
			.agent_ctx = api_media_agent_context(),
		},
		.cert = media_cert,
		.dtls_ctx = media_dtls,
		.timeout_ms = (uint32_t)cfg->media.ice_timeout * 1000,
		.nack_cache_ms = (uint32_t)cfg->media.nack_cache_ms,
	};
	struct lumen_pc_callbacks cb = {
		.on_candidate = on_candidate, .on_up = on_up, .on_hangup = on_hangup,
		.on_rtp = on_rtp, .on_rtcp = on_rtcp, .on_media = on_media, .on_data = on_data,
		.on_warning = on_warning, .on_keyframe_request = on_keyframe_request,
		.on_bandwidth = on_bandwidth, .on_slowlink = on_slowlink,
	};
	char *host = NULL;
	uint16_t port = 0;

	if (m && m->pc)
		return 0;
	if (!m)
		m = media_new(h);
	lumen_ice_parse_port_range(cfg->media.rtp_port_range, &pc_cfg.ice.port_min,
				   &pc_cfg.ice.port_max);
	if (*cfg->media.stun_server &&
	    lumen_config_split_hostport(cfg->media.stun_server, &host, &port) == 0) {
		pc_cfg.ice.stun_host = host;
		pc_cfg.ice.stun_port = port;
	}
	cb.user = m;
	m->pc = lumen_pc_new(h->session->api->ctx, &pc_cfg, &cb, err);
	free(host);
	m->up = false;
	m->candidates_done = false;
	m->local_sent = false;
	if (!m->pc) {
		LOG_ERROR(cat_media, "handle %" G_GUINT64_FORMAT ": no peer connection: %s", h->id,
			  *err);
		return -EIO;
	}
	if (m->worker >= 0)
		lumen_txw_adopt(media_txw, (unsigned)m->worker, m->pc);
	return 0;
}

int api_media_remote_jsep(struct lumen_handle *h, const json_t *jsep, char **err)
{
	const char *type = json_string_value(json_object_get(jsep, "type"));
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	bool offer = type && strcmp(type, "offer") == 0;
	struct api_media *m = media_of(h);
	int rc;

	if (!offer && (!m || !m->pc)) {
		*err = g_strdup("an answer, but no offer was made on this handle");
		return -EPROTO;
	}
	if (offer && (rc = ensure_pc(h, err)) < 0)
		return rc;
	m = media_of(h);
	if (lumen_pc_set_remote(m->pc, sdp, offer, err) < 0) {
		LOG_WARN(cat_media, "handle %" G_GUINT64_FORMAT ": remote %s refused: %s", h->id,
			 type, *err);
		return -EINVAL;
	}
	return 0;
}

int api_media_local_jsep(struct lumen_handle *h, json_t *jsep, char **err)
{
	const char *type = json_string_value(json_object_get(jsep, "type"));
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	bool offer = type && strcmp(type, "offer") == 0;
	struct api_media *m;
	char *full;

	if (offer && ensure_pc(h, err) < 0)
		return -EINVAL;
	m = media_of(h);
	if (!m || !m->pc) {
		*err = g_strdup("an answer, but the client sent no offer");
		return -EINVAL;
	}
	full = lumen_pc_complete_local(m->pc, sdp, offer, err);
	if (!full)
		return -EINVAL;
	json_object_set_new(jsep, "sdp", json_string(full));
	g_free(full);
	m->local_sent = true;
	return 0;
}

void api_media_trickle(struct lumen_handle *h, const json_t *c)
{
	struct api_media *m = media_of(h);
	const char *cand = json_string_value(json_object_get(c, "candidate"));
	int rc;

	if (!m || !m->pc)
		return; /* trickle before the offer: nothing to connect yet (janus.js waits) */
	if (json_is_true(json_object_get(c, "completed"))) {
		m->candidates_done = true;
		lumen_pc_remote_candidates_done(m->pc);
		return;
	}
	rc = lumen_pc_add_remote_candidate(m->pc, cand);
	if (rc == -EINVAL)
		LOG_DEBUG(cat_media, "handle %" G_GUINT64_FORMAT ": malformed candidate ignored: %s",
			  h->id, cand);
}

bool api_media_hangup(struct lumen_handle *h, const char *reason)
{
	struct api_media *m = media_of(h);

	if (!m || !m->pc)
		return false;
	lumen_pc_close(m->pc, reason);
	return true;
}

void api_media_free(struct lumen_handle *h)
{
	struct api_media *m = media_of(h);

	if (!m)
		return;
	pc_dispose(m->pc, m->worker);
	g_free(m);
	h->media = NULL;
}

json_t *api_media_json(const struct lumen_handle *h)
{
	struct api_media *m = media_of(h);
	struct lumen_pc_stats st;
	json_t *j;

	if (!m || !m->pc)
		return NULL;
	lumen_pc_get_stats(m->pc, &st);
	j = json_pack("{s:s, s:s, s:s?, s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
		      "ice_state", st.ice_state, "srtp_profile", st.srtp_profile, "selected_pair",
		      st.selected_pair, "up", m->up, "counters", "rtp_in", (json_int_t)st.rtp_in,
		      "rtp_out", (json_int_t)st.rtp_out, "rtcp_in", (json_int_t)st.rtcp_in,
		      "rtcp_out", (json_int_t)st.rtcp_out, "bytes_in", (json_int_t)st.bytes_in,
		      "bytes_out", (json_int_t)st.bytes_out, "data_in", (json_int_t)st.data_in,
		      "dropped_in", (json_int_t)st.dropped_in);
	json_t *c = json_object_get(j, "counters");
	json_object_set_new(c, "nacks_sent", json_integer((json_int_t)st.nacks_sent));
	json_object_set_new(c, "nacks_received", json_integer((json_int_t)st.nacks_received));
	json_object_set_new(c, "retransmitted", json_integer((json_int_t)st.retransmitted));
	json_object_set_new(c, "rtx_recovered", json_integer((json_int_t)st.rtx_recovered));
	json_object_set_new(c, "rtx_duplicates", json_integer((json_int_t)st.rtx_duplicates));
	json_object_set_new(c, "lost_in", json_integer((json_int_t)st.lost_in));
	json_object_set_new(c, "receiver_reports", json_integer((json_int_t)st.rr_sent));
	json_object_set_new(c, "transport_cc_feedback", json_integer((json_int_t)st.tcc_sent));
	json_object_set_new(c, "dtls_early_hellos", json_integer((json_int_t)st.dtls_early));
	json_object_set_new(j, "jitter_ms", json_integer(st.jitter_ms));
	json_object_set_new(j, "rtt_ms", st.rtt_ms >= 0 ? json_integer(st.rtt_ms) : json_null());
	json_object_set_new(j, "worker", m->worker >= 0 ? json_integer(m->worker) : json_null());
	g_free(st.selected_pair);
	return j;
}

/* ---- services ---- */

static struct lumen_pc *pc_of(const struct lumen_handle *h)
{
	struct api_media *m = h ? media_of(h) : NULL;
	return m ? m->pc : NULL;
}

int api_media_send_rtp(struct lumen_handle *h, const char *mid, const struct lumen_rtp_packet *p,
		       const struct lumen_rtp_rewrite *rw)
{
	struct lumen_pc *pc = pc_of(h);
	struct lumen_pc_rewrite prw;
	/* Ours (on_rtp): the pc and the workers trust it only where p->data lies inside it. */
	struct lumen_pktbuf *src = p ? (struct lumen_pktbuf *)(uintptr_t)p->core_buf : NULL;

	if (!pc)
		return -ENOENT;
	if (!p)
		return -EINVAL;
	if (rw)
		prw = (struct lumen_pc_rewrite){ rw->ssrc, rw->timestamp, rw->seq, rw->pt,
						 rw->set_ssrc, rw->set_timestamp, rw->set_seq,
						 rw->set_pt, NULL };
	else
		prw = (struct lumen_pc_rewrite){ 0 };
	prw.src_ext = p->priv; /* the source pc's extension kinds (on_rtp) */
	if (media_of(h)->worker >= 0 && mid) {
		/* Queued: the worker's send reports nothing back, so what the pc would refuse
		 * for certain is refused here. */
		if (!lumen_pc_is_up(pc))
			return -EAGAIN;
		return lumen_txw_send(media_txw, (unsigned)media_of(h)->worker, pc, mid, src,
				      p->data, p->len, &prw);
	}
	return lumen_pc_send_rtp_buf(pc, mid, src, p->data, p->len, p->priv || rw ? &prw : NULL);
}

int api_media_send_rtcp(struct lumen_handle *h, const uint8_t *buf, size_t len)
{
	struct lumen_pc *pc = pc_of(h);
	return pc ? lumen_pc_send_rtcp(pc, buf, len) : -ENOENT;
}

int api_media_send_data(struct lumen_handle *h, const char *label, bool binary,
			const uint8_t *buf, size_t len)
{
	struct lumen_pc *pc = pc_of(h);
	return pc ? lumen_pc_send_data(pc, label, binary, buf, len) : -ENOENT;
}

int api_media_request_keyframe(struct lumen_handle *h, const char *mid)
{
	struct lumen_pc *pc = pc_of(h);
	return pc ? lumen_pc_request_keyframe(pc, mid) : -ENOENT;
}

int api_media_set_bitrate_cap(struct lumen_handle *h, uint32_t bps)
{
	struct lumen_pc *pc = pc_of(h);
	return pc ? lumen_pc_set_bitrate_cap(pc, bps) : -ENOENT;
}

int api_media_close_pc(struct lumen_handle *h, const char *reason)
{
	return api_media_hangup(h, reason ? reason : "closed by the plugin") ? 0 : -ENOENT;
}

int api_media_open_data(struct lumen_handle *h, const char *label, const char *protocol,
			bool ordered, int max_retransmits)
{
	struct lumen_pc *pc = pc_of(h);
	int rc;

	if (!pc)
		return -ENOENT;
	rc = lumen_pc_open_data(pc, label, protocol, ordered, max_retransmits);
	return rc < 0 ? rc : 0;
}
