/* pc.c -- a peer connection's set-up and lifecycle: ICE events, the DTLS handshake and its timer,
 * SRTP keying, remote and local descriptions, silence detection and hangup (see pc.h).
 *
 * The media path is in pc_media.c and data channels in pc_data.c. Everything runs on the pc's
 * GMainContext. The DTLS role follows a=setup: when we answer an offer we take "passive" (DTLS
 * server; RFC 8842 lets the answerer choose, and the server picks the SRTP profile, so we get
 * AEAD_AES_128_GCM whenever the peer offers it), when we offer we say "actpass" and take whatever
 * the answer leaves us. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "webrtc/demux.h"
#include "webrtc/dtls.h"
#include "webrtc/ice.h"
#include "webrtc/pc_internal.h"
#include "webrtc/sctp.h"
#include "webrtc/ticker.h"

#define TICK_MS 100
/* A tick may run this much early or late, so that it rides on a wake-up the loop has anyway (a
 * packet's, mostly) instead of one of its own (ticker.h): RTCP, NACK and feedback timing do not
 * care about 10 ms either way. */
#define TICK_SLACK_MS 10

void pc_hangup(struct lumen_pc *pc, const char *reason)
{
	if (pc->closed)
		return;
	pthread_mutex_lock(&pc->tx_lock); /* a worker's send in flight finishes first */
	pc->closed = true;
	pthread_mutex_unlock(&pc->tx_lock);
	if (pc->dtls && lumen_dtls_get_state(pc->dtls) == LUMEN_DTLS_CONNECTED)
		lumen_dtls_shutdown(pc->dtls);
	if (pc->cb.on_hangup)
		pc->cb.on_hangup(pc->cb.user, reason);
}

void pc_drop(struct lumen_pc *pc, enum lumen_pc_warning kind)
{
	pc->stats.dropped_in++;
	if (pc->warned & kind)
		return;
	pc->warned |= kind;
	if (pc->cb.on_warning)
		pc->cb.on_warning(pc->cb.user, kind);
}

const char *lumen_pc_warning_text(enum lumen_pc_warning w)
{
	switch (w) {
	case LUMEN_PC_WARN_GARBAGE:
		return "datagram that is neither STUN, DTLS, RTP nor RTCP (RFC 7983)";
	case LUMEN_PC_WARN_SRTP_AUTH:
		return "SRTP/SRTCP authentication failed";
	case LUMEN_PC_WARN_SRTP_REPLAY:
		return "replayed or too old SRTP/SRTCP packet";
	case LUMEN_PC_WARN_BAD_RTP:
		return "malformed RTP after decryption";
	case LUMEN_PC_WARN_BAD_RTCP:
		return "malformed RTCP after decryption";
	case LUMEN_PC_WARN_UNKNOWN_STREAM:
		return "RTP for no negotiated m-line";
	case LUMEN_PC_WARN_EARLY_MEDIA:
		return "SRTP before the DTLS handshake finished";
	}
	return "bad packet";
}

ssize_t pc_send_raw(struct lumen_pc *pc, const uint8_t *buf, size_t len)
{
	return lumen_ice_send(pc->ice, buf, len);
}

/* ---- DTLS ---- */

static void arm_dtls_timer(struct lumen_pc *pc);

static gboolean on_dtls_timer(gpointer data)
{
	struct lumen_pc *pc = data;
	int rc;

	g_source_unref(pc->dtls_timer);
	pc->dtls_timer = NULL;
	rc = lumen_dtls_on_timeout(pc->dtls, g_get_monotonic_time());
	if (rc == -ETIMEDOUT)
		pc_hangup(pc, "DTLS handshake timed out");
	else if (rc < 0)
		pc_hangup(pc, "DTLS failed");
	else
		arm_dtls_timer(pc);
	return G_SOURCE_REMOVE;
}

static void arm_dtls_timer(struct lumen_pc *pc)
{
	int64_t next, delay;

	if (pc->dtls_timer) {
		g_source_destroy(pc->dtls_timer);
		g_source_unref(pc->dtls_timer);
		pc->dtls_timer = NULL;
	}
	if (!pc->dtls || pc->closed)
		return;
	next = lumen_dtls_next_timeout_us(pc->dtls);
	if (next < 0)
		return;
	delay = (next - g_get_monotonic_time() + 999) / 1000;
	pc->dtls_timer = g_timeout_source_new((guint)(delay > 0 ? delay : 0));
	g_source_set_callback(pc->dtls_timer, on_dtls_timer, pc, NULL);
	g_source_attach(pc->dtls_timer, pc->ctx);
}

/* Inside the receive callback this joins its transmit batch; dtls_connected submits our last
 * flight (Finished) before it keys SRTP and runs on_up. */
static void dtls_send(void *user, const uint8_t *buf, size_t len)
{
	pc_send_raw(user, buf, len);
}

/* Our Finished (queued in the receive callback's batch by drain) leaves first: the peer is up
 * once it has it, while our keying (two libsrtp sessions, 0.1 ms) and on_up (a plugin's work)
 * follow; media the peer sends meanwhile waits in the socket for this callback to return, and
 * keeps its kernel receive time as its arrival (ice.h's on_recv), which is what a recording
 * places it by. Held until after them, the Finished cost every join 0.15-0.3 ms (lumen-bench's
 * join trace). Tried twice before: a2a05bf, reverted while the process's first keying still ran
 * libsrtp's self-tests (they run when the daemon starts now, lumen_srtp_global_init), and
 * cc2c7d7, reverted while arrival was the read time (a slow on_up under ASan moved a late
 * joiner's first packets by 0.15 s in its recording). */
static void dtls_connected(void *user, const struct lumen_srtp_keys *keys)
{
	struct lumen_pc *pc = user;
	struct lumen_srtp *out;

	lumen_ice_tx_push();
	out = lumen_srtp_new(keys->profile, LUMEN_SRTP_OUTBOUND, keys->local, keys->len);
	pc->srtp_in = lumen_srtp_new(keys->profile, LUMEN_SRTP_INBOUND, keys->remote, keys->len);
	if (!out || !pc->srtp_in) {
		lumen_srtp_free(out);
		pc_hangup(pc, "SRTP keying failed");
		return;
	}
	pthread_mutex_lock(&pc->tx_lock);
	pc->srtp_out = out;
	g_strlcpy(pc->stats.srtp_profile, lumen_srtp_profile_name(keys->profile),
		  sizeof(pc->stats.srtp_profile));
	pc->up = true;
	pthread_mutex_unlock(&pc->tx_lock);
	if (pc->remote_has_data && pc_data_start(pc, g_get_monotonic_time()) < 0) {
		pc_hangup(pc, "SCTP association could not start");
		return;
	}
	if (pc->cb.on_up)
		pc->cb.on_up(pc->cb.user);
}

static void dtls_data(void *user, const uint8_t *buf, size_t len)
{
	pc_data_input(user, buf, len);
}

static void dtls_closed(void *user)
{
	pc_hangup(user, "DTLS closed by the peer");
}

static const char *dtls_error_reason(int rc)
{
	switch (rc) {
	case -EKEYREJECTED:
		return "DTLS: peer certificate does not match the fingerprint in its SDP";
	case -EPROTONOSUPPORT:
		return "DTLS: no common SRTP profile";
	case -ECONNRESET:
		return "DTLS: fatal alert from the peer";
	default:
		return "DTLS handshake failed";
	}
}

static void dtls_input(struct lumen_pc *pc, const uint8_t *buf, size_t len, int64_t now);
static void feed_kept_dtls(struct lumen_pc *pc, int64_t now);

static void maybe_start_dtls(struct lumen_pc *pc)
{
	bool answered; /* a hello answered early (dtls_early): start sends the answer */

	if (pc->dtls_started || !pc->have_roles || pc->closed ||
	    lumen_ice_state(pc->ice) != LUMEN_ICE_CONNECTED)
		return;
	answered = lumen_dtls_get_state(pc->dtls) != LUMEN_DTLS_NEW;
	pc->dtls_started = true;
	if (lumen_dtls_start(pc->dtls, g_get_monotonic_time()) < 0) {
		pc_hangup(pc, "DTLS could not start");
		return;
	}
	if (answered)
		pc->stats.dtls_early++;
	if (pc->early_dtls && pc->early_dtls->len && !pc->dtls_client && !answered) {
		pc->stats.dtls_early++;
		feed_kept_dtls(pc, g_get_monotonic_time()); /* started: each goes to dtls_input */
	}
	g_clear_pointer(&pc->early_dtls, g_ptr_array_unref);
	if (!pc->closed)
		arm_dtls_timer(pc);
}

static int create_dtls(struct lumen_pc *pc, const char *fp_alg, const char *fp)
{
	static const enum lumen_srtp_profile gcm_only[] = { LUMEN_SRTP_AEAD_AES_128_GCM };
	struct lumen_dtls_config cfg = {
		.role = pc->dtls_client ? LUMEN_DTLS_CLIENT : LUMEN_DTLS_SERVER,
		.remote_fp_alg = fp_alg,
		.remote_fp = fp,
		.profiles = pc->gcm_only ? gcm_only : NULL,
		.n_profiles = pc->gcm_only ? 1 : 0,
	};
	static const struct lumen_dtls_callbacks cb = { dtls_send, dtls_connected, dtls_data,
							dtls_closed };

	pc->dtls = lumen_dtls_new(pc->dtls_ctx, &cfg, &cb, pc);
	return pc->dtls ? 0 : -EINVAL;
}

/* ---- ICE ---- */

static void ice_candidate(void *user, const char *candidate)
{
	struct lumen_pc *pc = user;

	if (pc->cb.on_candidate && !pc->closed)
		pc->cb.on_candidate(pc->cb.user, candidate);
}

static void ice_gathering_done(void *user)
{
	ice_candidate(user, NULL);
}

static void ice_state(void *user, enum lumen_ice_state st)
{
	struct lumen_pc *pc = user;

	if (st == LUMEN_ICE_CONNECTED)
		maybe_start_dtls(pc);
	else if (st == LUMEN_ICE_FAILED)
		pc_hangup(pc, "ICE failed");
}

static void dtls_result(struct lumen_pc *pc, int rc)
{
	if (rc == -EKEYREJECTED || rc == -EPROTONOSUPPORT || rc == -ECONNRESET || rc == -EPROTO ||
	    rc == -ETIMEDOUT)
		pc_hangup(pc, dtls_error_reason(rc));
	else if (!pc->closed)
		arm_dtls_timer(pc);
}

static void dtls_input(struct lumen_pc *pc, const uint8_t *buf, size_t len, int64_t now)
{
	dtls_result(pc, lumen_dtls_input(pc->dtls, buf, len, now));
}

/* We are the DTLS server and DTLS has not started: the peer's hello came before our pair was
 * selected (an ICE-lite agent selects it a check round trip after the client's ICE is up), or
 * before our ICE state event. The engine takes it now and sends its answer when DTLS starts,
 * so the handshake's CPU (0.3-0.5 ms) overlaps that wait instead of following it. Every
 * datagram goes in, not only the latest: Chromium's hello is two (1200 and 263 bytes), and with
 * the second alone the engine waited for Chromium's retransmissions (our answer left 164 ms
 * after the first hello in a traced join, instead of at the start). */
static void dtls_early(struct lumen_pc *pc, const uint8_t *buf, size_t len, int64_t now)
{
	maybe_start_dtls(pc);
	if (pc->closed)
		return;
	if (pc->dtls_started)
		dtls_input(pc, buf, len, now);
	else
		dtls_result(pc, lumen_dtls_answer_early(pc->dtls, buf, len, now));
}

/* The datagrams kept from before our roles were known go to the server's engine before any
 * newer one: a hello may span two datagrams, one on each side of the peer's answer. */
static void feed_kept_dtls(struct lumen_pc *pc, int64_t now)
{
	GPtrArray *kept = g_steal_pointer(&pc->early_dtls);

	if (!kept)
		return;
	for (unsigned i = 0; i < kept->len && !pc->closed; i++) {
		gsize len;
		const uint8_t *buf = g_bytes_get_data(kept->pdata[i], &len);

		dtls_early(pc, buf, len, now);
	}
	g_ptr_array_unref(kept);
}

static void ice_recv(void *user, uint8_t *buf, size_t len, int64_t arrival_us)
{
	struct lumen_pc *pc = user;
	int64_t now = g_get_monotonic_time();

	if (pc->closed)
		return;
	pc->last_rx_us = now;
	switch (lumen_demux_classify(buf, len)) {
	case LUMEN_DEMUX_DTLS:
		if (!pc->dtls_started && pc->have_roles && !pc->dtls_client) {
			feed_kept_dtls(pc, now);
			if (!pc->closed)
				dtls_early(pc, buf, len, now);
			return;
		}
		if (!pc->dtls_started) {
			/* Before our roles are known: keep the peer's datagrams for then. */
			if (!pc->have_roles) {
				if (!pc->early_dtls)
					pc->early_dtls = g_ptr_array_new_with_free_func(
					    (GDestroyNotify)g_bytes_unref);
				if (pc->early_dtls->len == PC_EARLY_DTLS_MAX)
					g_ptr_array_remove_index(pc->early_dtls, 0);
				g_ptr_array_add(pc->early_dtls, g_bytes_new(buf, len));
			}
			return;
		}
		dtls_input(pc, buf, len, now);
		break;
	case LUMEN_DEMUX_RTP:
		pc_media_rtp_in(pc, buf, len, now, arrival_us);
		break;
	case LUMEN_DEMUX_RTCP:
		pc_media_rtcp_in(pc, buf, len, now);
		break;
	default:
		pc_drop(pc, LUMEN_PC_WARN_GARBAGE); /* ZRTP, TURN channel data: RFC 7983 says drop */
		break;
	}
}

/* ---- housekeeping ---- */

static void on_tick(void *data, int64_t now)
{
	struct lumen_pc *pc = data;
	int64_t since = now - (pc->last_rx_us ? pc->last_rx_us : pc->created_us);

	if (pc->closed)
		return;
	/* Silence: nothing at all (DTLS, SRTP, SRTCP, SCTP) for the timeout. Browsers send RTCP
	 * every second or so while media flows and SCTP heartbeats when only data does. */
	if (pc->have_roles && since > (int64_t)pc->timeout_ms * 1000) {
		char reason[64];
		snprintf(reason, sizeof(reason), "peer silent for %u s", pc->timeout_ms / 1000);
		pc_hangup(pc, reason);
		return;
	}
	pc_media_tick(pc, now);
}

void *pc_table_grow(void *tab, unsigned *cap, unsigned need, unsigned max, size_t size)
{
	unsigned n = *cap ? *cap : 4;

	g_assert(need <= max);
	if (need <= *cap)
		return tab;
	while (n < need)
		n *= 2;
	if (n > max)
		n = max;
	*cap = n;
	return g_realloc_n(tab, n, size);
}

/* ---- public ---- */

struct lumen_pc *lumen_pc_new(GMainContext *ctx, const struct lumen_pc_config *cfg,
			      const struct lumen_pc_callbacks *cb, char **err)
{
	struct lumen_pc *pc = g_new0(struct lumen_pc, 1);
	struct lumen_ice_callbacks icb = { ice_candidate, ice_gathering_done, ice_state, ice_recv,
					   pc };

	pthread_mutex_init(&pc->tx_lock, NULL);
	atomic_init(&pc->refs, 1);

	pc->ctx = ctx ? g_main_context_ref(ctx) : g_main_context_ref_thread_default();
	pc->cb = *cb;
	pc->cert = cfg->cert;
	pc->dtls_ctx = cfg->dtls_ctx;
	pc->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 30000;
	pc->nack_cache_ms = cfg->nack_cache_ms ? cfg->nack_cache_ms : 1000;
	pc->gcm_only = cfg->gcm_only_for_tests;
	pc->dtls_active_answer = cfg->dtls_active_answer;
	pc->ice_lite = cfg->ice.lite;
	pc->remote_sctp_port = -1;
	pc->remote_max_message = -1;
	pc->stats.rtt_ms = -1;
	pc->created_us = g_get_monotonic_time();
	pc->sess_id = g_random_int() | ((uint64_t)(g_random_int() & 0x3fffffff) << 32);
	do
		pc->rtcp_ssrc = g_random_int();
	while (!pc->rtcp_ssrc);
	if (!pc->cert || !pc->dtls_ctx) {
		*err = g_strdup("no DTLS certificate");
		goto fail;
	}
	pc->ice = lumen_ice_new(pc->ctx, &cfg->ice, &icb, err);
	if (!pc->ice)
		goto fail;
	pc->tick = lumen_ticker_add(pc->ctx, TICK_MS, TICK_SLACK_MS, on_tick, pc);
	return pc;
fail:
	lumen_pc_free(pc);
	return NULL;
}

/* Which DTLS role we take given the peer's a=setup. */
static int choose_role(struct lumen_pc *pc, enum lumen_sdp_setup remote, bool offer, char **err)
{
	switch (remote) {
	case LUMEN_SDP_SETUP_ACTPASS:
		if (!offer) {
			*err = g_strdup("a=setup:actpass is not allowed in an answer (RFC 5763)");
			return -EINVAL;
		}
		/* We answer passive and act as DTLS server, so the SRTP profile is ours to pick:
		 * browsers acting as server pick AES_CM even when both sides offer GCM, which
		 * costs about four times as much per packet (DESIGN.md decision 4). A pc told to
		 * answer like a browser takes the client role. */
		pc->dtls_client = pc->dtls_active_answer;
		return 0;
	case LUMEN_SDP_SETUP_ACTIVE:
		pc->dtls_client = false;
		return 0;
	case LUMEN_SDP_SETUP_PASSIVE:
		pc->dtls_client = true;
		return 0;
	default:
		*err = g_strdup("missing or unusable a=setup (need actpass, active or passive)");
		return -EINVAL;
	}
}

static const struct lumen_sdp_media *first_accepted(const struct lumen_sdp *sdp)
{
	for (unsigned i = 0; i < sdp->n_media; i++)
		if (pc_media_accepted(&sdp->media[i]))
			return &sdp->media[i];
	return NULL;
}

/* Checks what lumen requires of a remote description: one transport (BUNDLE) with rtcp-mux,
 * ICE credentials, a fingerprint, mids. */
static int check_remote(const struct lumen_sdp *sdp, const struct lumen_sdp_media *m0, char **err)
{
	const struct lumen_sdp_group *bundle = lumen_sdp_find_group(sdp, "BUNDLE");
	unsigned accepted = 0;

	if (!m0) {
		*err = g_strdup("no accepted m-line");
		return -EINVAL;
	}
	for (unsigned i = 0; i < sdp->n_media; i++) {
		const struct lumen_sdp_media *m = &sdp->media[i];
		if (!pc_media_accepted(m))
			continue;
		accepted++;
		if (!m->mid) {
			*err = g_strdup_printf("m-line %u has no a=mid", i);
			return -EINVAL;
		}
		if (m->rtp && !m->rtcp_mux) {
			*err = g_strdup_printf("m-line %s: a=rtcp-mux is required", m->mid);
			return -EINVAL;
		}
	}
	if (accepted > 1 && !bundle) {
		*err = g_strdup("several m-lines without a=group:BUNDLE (lumen needs max-bundle)");
		return -EINVAL;
	}
	if (!lumen_sdp_media_ice_ufrag(sdp, m0) || !lumen_sdp_media_ice_pwd(sdp, m0)) {
		*err = g_strdup("missing a=ice-ufrag or a=ice-pwd");
		return -EINVAL;
	}
	const struct lumen_sdp_fingerprint *fp = lumen_sdp_media_fingerprint(sdp, m0);
	if (!fp || !fp->hash || !fp->value) {
		*err = g_strdup("missing a=fingerprint");
		return -EINVAL;
	}
	return 0;
}

int lumen_pc_set_remote(struct lumen_pc *pc, const char *text, bool offer, char **err)
{
	struct lumen_sdp_error perr = { 0 };
	struct lumen_sdp *sdp = NULL;
	const struct lumen_sdp_media *m0;
	const struct lumen_sdp_fingerprint *fp;
	const char *ufrag, *pwd;
	bool restart;
	int rc;

	if (pc->closed) {
		*err = g_strdup("peer connection is closed");
		return -EINVAL;
	}
	if (!text || lumen_sdp_parse(text, strlen(text), &sdp, &perr) < 0) {
		*err = g_strdup_printf("invalid SDP: %s", text ? perr.msg : "empty");
		return -EINVAL;
	}
	m0 = first_accepted(sdp);
	if (check_remote(sdp, m0, err) < 0)
		goto fail;
	fp = lumen_sdp_media_fingerprint(sdp, m0);
	ufrag = lumen_sdp_media_ice_ufrag(sdp, m0);
	pwd = lumen_sdp_media_ice_pwd(sdp, m0);
	if (!pc->have_roles && choose_role(pc, lumen_sdp_media_setup(sdp, m0), offer, err) < 0)
		goto fail;
	/* The tracks and extension ids are read by sends on workers, and a restart changes the
	 * pair they send on: both under the transmit lock. */
	pthread_mutex_lock(&pc->tx_lock);
	rc = pc_media_learn_remote(pc, sdp, err);
	/* A new ufrag from the peer is an ICE restart (RFC 8445 section 9): restart ours too. */
	restart = rc == 0 && pc->remote_ufrag && strcmp(pc->remote_ufrag, ufrag) != 0;
	if (restart && lumen_ice_restart(pc->ice) < 0) {
		*err = g_strdup("ICE restart failed");
		rc = -EIO;
	}
	pthread_mutex_unlock(&pc->tx_lock);
	if (rc < 0)
		goto fail;
	if (lumen_ice_set_remote_credentials(pc->ice, ufrag, pwd) < 0) {
		*err = g_strdup("unusable a=ice-ufrag / a=ice-pwd");
		goto fail;
	}
	g_free(pc->remote_ufrag);
	pc->remote_ufrag = g_strdup(ufrag);
	for (unsigned i = 0; i < sdp->n_media; i++)
		for (unsigned c = 0; c < sdp->media[i].n_candidates; c++) {
			char buf[700];
			int n = lumen_sdp_candidate_write(&sdp->media[i].candidates[c], buf,
							  sizeof(buf));
			if (n > 0 && (size_t)n < sizeof(buf)) {
				char *line = g_strconcat("candidate:", buf, NULL);
				lumen_pc_add_remote_candidate(pc, line);
				g_free(line);
			}
		}
	pc->remote_has_data = false;
	for (unsigned i = 0; i < sdp->n_media; i++) {
		const struct lumen_sdp_media *m = &sdp->media[i];
		if (pc_media_accepted(m) && !m->rtp && strcmp(m->type, "application") == 0) {
			pc->remote_has_data = true;
			pc->remote_sctp_port = m->sctp_port;
			pc->remote_max_message = m->max_message_size;
		}
	}
	if (!pc->dtls) {
		if (create_dtls(pc, fp->hash, fp->value) < 0) {
			*err = g_strdup_printf("unusable a=fingerprint:%s %s", fp->hash, fp->value);
			goto fail;
		}
	} else if (lumen_dtls_set_remote_fingerprint(pc->dtls, fp->hash, fp->value) < 0) {
		*err = g_strdup_printf("unusable a=fingerprint:%s %s", fp->hash, fp->value);
		goto fail;
	}
	pc->have_roles = true;
	lumen_sdp_free(pc->remote);
	pc->remote = sdp;
	maybe_start_dtls(pc);
	return 0;
fail:
	lumen_sdp_free(sdp);
	return -EINVAL;
}

static int stamp_candidates(struct lumen_pc *pc, struct lumen_sdp *sdp, char **err)
{
	char **cands = lumen_ice_local_candidates(pc->ice);
	size_t n = g_strv_length(cands), k = 0;
	struct lumen_sdp_candidate *parsed = g_new0(struct lumen_sdp_candidate, n ? n : 1);
	int rc;

	for (size_t i = 0; i < n; i++) {
		struct lumen_sdp_error e;
		if (lumen_sdp_candidate_parse(cands[i], strlen(cands[i]), &parsed[k], &e) == 0)
			k++;
	}
	rc = lumen_sdp_stamp_ice(sdp, lumen_ice_local_ufrag(pc->ice), lumen_ice_local_pwd(pc->ice),
				 parsed, k, lumen_ice_gathering_done(pc->ice), pc->ice_lite);
	if (rc < 0)
		*err = g_strdup("cannot put ICE credentials in the SDP");
	g_free(parsed);
	g_strfreev(cands);
	return rc;
}

char *lumen_pc_complete_local(struct lumen_pc *pc, const char *text, bool offer, char **err)
{
	struct lumen_sdp_error perr = { 0 };
	struct lumen_sdp *sdp = NULL;
	enum lumen_sdp_setup setup;
	char *out = NULL;

	if (!text || lumen_sdp_parse(text, strlen(text), &sdp, &perr) < 0) {
		*err = g_strdup_printf("invalid local SDP: %s", text ? perr.msg : "empty");
		return NULL;
	}
	if (!offer && !pc->remote) {
		*err = g_strdup("an answer needs the remote offer first");
		goto out;
	}
	if (offer && !pc->have_roles)
		setup = LUMEN_SDP_SETUP_ACTPASS;
	else
		setup = pc->dtls_client ? LUMEN_SDP_SETUP_ACTIVE : LUMEN_SDP_SETUP_PASSIVE;
	for (unsigned i = 0; i < sdp->n_media; i++) {
		struct lumen_sdp_media *m = &sdp->media[i];
		if (m->rtp)
			m->rtcp_mux = true;
		if (!m->rtp && strcmp(m->type, "application") == 0 && m->port) {
			if (m->sctp_port < 0 && !m->sctpmap)
				m->sctp_port = LUMEN_SCTP_DEFAULT_PORT;
			if (m->max_message_size < 0)
				m->max_message_size = LUMEN_SCTP_DEFAULT_MAX_MESSAGE;
		}
	}
	if (stamp_candidates(pc, sdp, err) < 0)
		goto out;
	if (lumen_sdp_stamp_dtls(sdp, "sha-256", lumen_cert_fingerprint(pc->cert), setup) < 0 ||
	    lumen_sdp_stamp_origin(sdp, "-", pc->sess_id, ++pc->sess_version, "127.0.0.1") < 0) {
		*err = g_strdup("cannot put the DTLS fingerprint or origin in the SDP");
		goto out;
	}
	out = lumen_sdp_write(sdp, NULL);
	lumen_sdp_free(pc->local);
	pc->local = sdp;
	sdp = NULL;
	pthread_mutex_lock(&pc->tx_lock);
	pc_media_update_send_ext(pc, pc->local, pc->remote);
	pthread_mutex_unlock(&pc->tx_lock);
out:
	lumen_sdp_free(sdp);
	return out;
}

ssize_t lumen_pc_send_datagram(struct lumen_pc *pc, const uint8_t *buf, size_t len)
{
	return pc->closed ? -EIO : lumen_ice_send(pc->ice, buf, len);
}

int lumen_pc_add_remote_candidate(struct lumen_pc *pc, const char *candidate)
{
	return lumen_ice_add_remote_candidate(pc->ice, candidate);
}

void lumen_pc_remote_candidates_done(struct lumen_pc *pc)
{
	lumen_ice_remote_gathering_done(pc->ice);
}

void lumen_pc_close(struct lumen_pc *pc, const char *reason)
{
	char buf[200];

	snprintf(buf, sizeof(buf), "closed: %s", reason ? reason : "by the server");
	pc_hangup(pc, buf);
}

const char *lumen_pc_bundle_mid(const struct lumen_pc *pc)
{
	for (unsigned i = 0; i < pc->n_tracks; i++)
		if (!pc->tracks[i].rejected && pc->tracks[i].mid[0])
			return pc->tracks[i].mid;
	return "0";
}

bool lumen_pc_is_up(const struct lumen_pc *pc)
{
	return pc->up && !pc->closed;
}

void lumen_pc_get_stats(const struct lumen_pc *pc, struct lumen_pc_stats *out)
{
	static const char *const names[] = { "new", "checking", "connected", "failed", "closed" };
	enum lumen_ice_state st = lumen_ice_state(pc->ice);

	/* The transmit counters move on workers. */
	pthread_mutex_lock((pthread_mutex_t *)&pc->tx_lock);
	*out = pc->stats;
	pthread_mutex_unlock((pthread_mutex_t *)&pc->tx_lock);
	g_strlcpy(out->ice_state, pc->closed ? "closed" : names[st], sizeof(out->ice_state));
	out->selected_pair = lumen_ice_selected_pair(pc->ice);
}

static void destroy_source(GSource **s)
{
	if (*s) {
		g_source_destroy(*s);
		g_source_unref(*s);
		*s = NULL;
	}
}

/* The ICE agent (and with it the sockets) goes last: a worker that sent to this pc may still
 * hold the socket's fd in its thread's send batch until it flushes (txbatch.h), and a socket
 * closed before that could see its fd number reused. The holder's release comes after its flush
 * (txworker.c). */
static void pc_memory_free(struct lumen_pc *pc)
{
	lumen_ice_free(pc->ice);
	g_free(pc->tracks);
	g_free(pc->ssrcs);
	g_free(pc->channels);
	g_free(pc->out);
	if (pc->ctx)
		g_main_context_unref(pc->ctx);
	pthread_mutex_destroy(&pc->tx_lock);
	g_free(pc);
}

void lumen_pc_hold(struct lumen_pc *pc)
{
	atomic_fetch_add_explicit(&pc->refs, 1, memory_order_relaxed);
}

void lumen_pc_release(struct lumen_pc *pc)
{
	/* acq_rel: every holder's last touch happens before the free */
	if (atomic_fetch_sub_explicit(&pc->refs, 1, memory_order_acq_rel) == 1)
		pc_memory_free(pc);
}

void lumen_pc_free(struct lumen_pc *pc)
{
	if (!pc)
		return;
	/* After this no worker touches anything but tx_lock and closed: the rest can go. */
	pthread_mutex_lock(&pc->tx_lock);
	pc->closed = true;
	pthread_mutex_unlock(&pc->tx_lock);
	lumen_ticker_remove(pc->tick);
	pc->tick = NULL;
	destroy_source(&pc->dtls_timer);
	pc_data_free(pc);
	pc_rtcp_free(pc);
	lumen_dtls_free(pc->dtls);
	g_clear_pointer(&pc->early_dtls, g_ptr_array_unref);
	lumen_srtp_free(pc->srtp_in);
	lumen_srtp_free(pc->srtp_out);
	lumen_sdp_free(pc->remote);
	lumen_sdp_free(pc->local);
	g_free(pc->remote_ufrag);
	/* ICE callbacks until the agent goes find the pc closed and do nothing. */
	lumen_pc_release(pc);
}
