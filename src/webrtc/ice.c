/* ice.c -- one libnice agent per peer connection (see ice.h for the contract).
 *
 * We pick the local addresses ourselves (ice_addr.h). Everything runs on the context passed to
 * lumen_ice_new. */
#include "webrtc/ice.h"
#include "webrtc/ice_addr.h"

#include "webrtc/latency.h"
#include "webrtc/nominate.h"
#include "webrtc/rxloop.h"
#include "webrtc/rxsplit.h"
#include "webrtc/rxstamp.h"
#include "webrtc/sendpath.h"
#include "webrtc/txbatch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nice/agent.h>
#include <nice/interfaces.h>

#define COMPONENT 1
#define LITE_TA_MS 1 /* a lite agent's Ta (see lumen_ice_new) */
/* libnice's idle-timeout once a pair is selected (see checks_done) */
#define READY_IDLE_TIMEOUT_MS 50 /* the smallest libnice 0.1.21 takes */

struct lumen_ice {
	NiceAgent *agent;
	guint stream;
	struct lumen_ice_callbacks cb;
	char *nat_1_1;
	char *ufrag, *pwd;
	GPtrArray *local; /* "candidate:..." strings */
	bool gathering_done;
	bool lite;
	enum lumen_ice_state state;
	/* The selected pair's UDP socket and remote address, to send on directly (see
	 * lumen_ice_send); NULL when there is none or it is not plain UDP (TCP, TURN). */
	GSocket *direct;
	int64_t last_stamp_ns; /* the kernel receive time rx_stamp gave last */
	/* A lite agent's watch for the peer's nominating check (nominate.h), until it reports or
	 * libnice selects; early: the pair it reported is in use and libnice's own selection has
	 * not come yet (its state events meanwhile say it is still checking). */
	struct lumen_nominate *nominate;
	bool early;
	/* What lumen_ice_send reads, which may run on a transmit worker while the agent's thread
	 * changes the pair or the state (sendpath.h): whether ICE is up, the selected pair's UDP
	 * fd (-1: none, send through libnice) and the peer's address. The GSocket reference above
	 * stays on the agent's thread. */
	struct lumen_sendpath send;
	/* lumen_ice_rx_split: the owner's socket for the pair's non-STUN datagrams (-1: none),
	 * and the context libnice's sockets were moved to; lumen_ice_rx_take: the pair's fd the
	 * owner reads (libnice's, not ours to close; -1: none). */
	int split_fd, taken_fd;
	GMainContext *stun_ctx;
	/* The context given at creation (callbacks, the nomination watch) and the agent's own
	 * (config.agent_ctx, or the same). */
	GMainContext *ctx, *agent_ctx;
	/* libnice's idle-timeout as created, put back for a restart (see checks_done) */
	guint idle_timeout_ms;
	/* config.rxloop and this connection's record in it while the pair's media goes there. */
	struct lumen_rxloop *rxloop;
	struct lumen_rxloop_conn *rxconn;
};

int lumen_ice_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned a, b;
	int n = 0;

	if (!s || sscanf(s, "%5u-%5u%n", &a, &b, &n) != 2 || s[n] != '\0')
		return -EINVAL;
	if (a < 1024 || a > b || b > 65535)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* "a=candidate:F C udp P ADDR PORT typ host ..." -> "candidate:..." with ADDR replaced by the
 * NAT 1:1 address for host candidates. */
static char *candidate_string(const struct lumen_ice *ice, NiceCandidate *cand)
{
	gchar *sdp = nice_agent_generate_local_candidate_sdp(ice->agent, cand);
	const char *s = sdp && g_str_has_prefix(sdp, "a=") ? sdp + 2 : sdp;
	char *out;

	if (!s) {
		g_free(sdp);
		return NULL;
	}
	if (ice->nat_1_1 && cand->type == NICE_CANDIDATE_TYPE_HOST) {
		gchar **f = g_strsplit(s, " ", -1);
		if (g_strv_length(f) > 5) {
			g_free(f[4]);
			f[4] = g_strdup(ice->nat_1_1);
		}
		out = g_strjoinv(" ", f);
		g_strfreev(f);
	} else {
		out = g_strdup(s);
	}
	g_free(sdp);
	return out;
}

static void on_new_candidate(NiceAgent *agent, NiceCandidate *cand, gpointer data)
{
	struct lumen_ice *ice = data;
	char *s;

	if (cand->stream_id != ice->stream || cand->component_id != COMPONENT)
		return;
	s = candidate_string(ice, cand);
	if (!s)
		return;
	g_ptr_array_add(ice->local, s);
	if (ice->cb.on_candidate)
		ice->cb.on_candidate(ice->cb.user, s);
}

static void on_gathering_done(NiceAgent *agent, guint stream, gpointer data)
{
	struct lumen_ice *ice = data;

	if (stream != ice->stream)
		return;
	ice->gathering_done = true;
	if (ice->cb.on_gathering_done)
		ice->cb.on_gathering_done(ice->cb.user);
}

static void on_recv(NiceAgent *agent, guint stream, guint component, guint len, gchar *buf,
		    gpointer data);
static void rx_loop_attach(struct lumen_ice *ice);

static enum lumen_ice_state map_state(guint st)
{
	switch (st) {
	case NICE_COMPONENT_STATE_GATHERING:
	case NICE_COMPONENT_STATE_CONNECTING:
		return LUMEN_ICE_CHECKING;
	case NICE_COMPONENT_STATE_CONNECTED:
	case NICE_COMPONENT_STATE_READY:
		return LUMEN_ICE_CONNECTED;
	case NICE_COMPONENT_STATE_FAILED:
		return LUMEN_ICE_FAILED;
	default:
		return LUMEN_ICE_NEW;
	}
}

/* A pair is selected: let libnice's check timer stop once it has nothing left to do instead of
 * ticking at Ta. libnice stops it only after idle-timeout (5 s) without a check in progress,
 * and never while the peer has not said its candidates are complete, which a lite agent needs
 * none of and a client may never say (janus.js trickles "completed"; others send nothing). A
 * lite agent's Ta is 1 ms, so each connection woke the control thread's loop about 5 000 times
 * after it was up, and 1 000 a second for as long as it lived when its client never said it
 * (docs/architecture.md, "After the pair"). A check libnice must still make later (a triggered
 * one) starts the timer again. */
static void checks_done(struct lumen_ice *ice)
{
	g_object_set(ice->agent, "idle-timeout", (guint)READY_IDLE_TIMEOUT_MS, NULL);
	if (ice->lite)
		nice_agent_peer_candidate_gathering_done(ice->agent, ice->stream);
}

static void on_state_changed(NiceAgent *agent, guint stream, guint component, guint st,
			     gpointer data)
{
	struct lumen_ice *ice = data;
	enum lumen_ice_state s = map_state(st);

	if (stream != ice->stream || component != COMPONENT || s == ice->state)
		return;
	/* libnice's checks behind the pair we took at the nomination: not news */
	if (ice->early && (s == LUMEN_ICE_CHECKING || s == LUMEN_ICE_NEW))
		return;
	ice->early = false;
	/* DISCONNECTED after a working pair means the pair was lost: report it as a failure. */
	if (s == LUMEN_ICE_NEW && ice->state == LUMEN_ICE_CONNECTED)
		s = LUMEN_ICE_FAILED;
	ice->state = s;
	lumen_sendpath_set_up(&ice->send, s == LUMEN_ICE_CONNECTED);
	/* The owner first: it starts DTLS here (the server's first flight leaves from this call),
	 * and the receive loop's attach (a second socket on the pair's port with its BPF program,
	 * libnice's sockets moved to another context) took 0.2-0.3 ms that the handshake waited
	 * for. Whatever arrives meanwhile comes through libnice, as before a pair. */
	if (ice->cb.on_state)
		ice->cb.on_state(ice->cb.user, s);
	rx_loop_attach(ice);
}


/* The pair's media back to libnice (a new pair, a restart, the end). */
static void rx_loop_detach(struct lumen_ice *ice)
{
	if (!ice->rxconn)
		return;
	lumen_rxloop_remove(ice->rxloop, ice->rxconn);
	ice->rxconn = NULL;
	nice_agent_attach_recv(ice->agent, ice->stream, COMPONENT, ice->agent_ctx, on_recv, ice);
}

static void direct_clear(struct lumen_ice *ice)
{
	rx_loop_detach(ice);
	lumen_sendpath_set_socket(&ice->send, -1, NULL, 0);
	g_clear_object(&ice->direct);
}

/* Don't-fragment on an IPv4 pair's socket (IP_PMTUDISC_PROBE: DF set, the path MTU the kernel may
 * learn ignored). lumen's own datagrams stay under 1280 bytes (DTLS records at 1200, SCTP);
 * relayed RTP is as large as its sender made it (browsers about 1200 bytes, GStreamer's payloaders
 * 1400 by default; the relay takes up to PC_MTU, 1500). A datagram larger than the interface's
 * MTU is now refused by the kernel (EMSGSIZE, counted as a failed send) instead of fragmented
 * locally, and one larger than a link further on is dropped there instead of fragmented; a
 * fragmented media packet is lost whole when one fragment is (RFC 8900), so senders that size
 * packets for the path lose nothing. What it saves: with the socket's default (IP_PMTUDISC_WANT) the kernel may fragment
 * locally and so gives each datagram of an unconnected socket an IP ID from its shared,
 * hashed generator (__ip_select_ident: 1.3-1.9 % of lumen's CPU at fanout N = 20 in perf);
 * with DF the ID is 0. A failure costs only that, so it is not an error. IPv6 has no such ID. */
static void set_dont_fragment(int fd, bool ipv4)
{
	int v = IP_PMTUDISC_PROBE;

	if (ipv4)
		(void)setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
}

/* A pair was selected: remember its socket and the peer's address, so that media goes out with
 * one sendto(2) instead of through libnice's send path (a mutex, GLib's socket layer and
 * wrappers: about 1.4 us of the 8.6 us a forwarded packet spent sending, docs/performance.md).
 * libnice keeps doing everything else on that socket (receiving, consent checks). */
static void on_selected_pair(NiceAgent *agent, guint stream, guint component, NiceCandidate *l,
			     NiceCandidate *r, gpointer data)
{
	struct lumen_ice *ice = data;
	struct sockaddr_storage to;

	if (stream != ice->stream || component != COMPONENT)
		return;
	/* libnice's choice from here on, whatever was taken at the nomination */
	ice->early = false;
	checks_done(ice);
	g_clear_pointer(&ice->nominate, lumen_nominate_free);
	direct_clear(ice);
	if (!l || !r || l->transport != NICE_CANDIDATE_TRANSPORT_UDP ||
	    r->transport != NICE_CANDIDATE_TRANSPORT_UDP || l->type == NICE_CANDIDATE_TYPE_RELAYED)
		return;
	GSocket *sock = nice_agent_get_selected_socket(agent, stream, component);
	if (!sock)
		return;
	ice->direct = sock; /* our reference keeps the fd open */
	memset(&to, 0, sizeof(to));
	nice_address_copy_to_sockaddr(&r->addr, (struct sockaddr *)&to);
	set_dont_fragment(g_socket_get_fd(sock), nice_address_ip_version(&l->addr) == 4);
	lumen_rxstamp_enable(g_socket_get_fd(sock));
	lumen_sendpath_set_socket(&ice->send, g_socket_get_fd(sock), (struct sockaddr *)&to,
				  to.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							   : sizeof(struct sockaddr_in));
	rx_loop_attach(ice);
}

/* The kernel's receive time of the datagram libnice just read for on_recv (rxstamp.h), when it
 * came from the pair's socket. */
static int64_t rx_stamp(struct lumen_ice *ice)
{
	return ice->direct ? lumen_rxstamp_last(g_socket_get_fd(ice->direct), &ice->last_stamp_ns) : 0;
}

/* Stamps on for every socket of the agent when it gathers, so that the datagrams libnice reads
 * before the receive loop takes the pair (the handshake's first moments, which wait in the
 * socket while on_up runs) carry their arrival. */
static void stamps_on_sockets(struct lumen_ice *ice)
{
	GPtrArray *socks = nice_agent_get_sockets(ice->agent, ice->stream, COMPONENT);

	for (guint i = 0; socks && i < socks->len; i++)
		lumen_rxstamp_enable(g_socket_get_fd(g_ptr_array_index(socks, i)));
	if (socks)
		g_ptr_array_unref(socks);
}

/* One datagram that is not STUN to the owner; rx_ns: its kernel receive time if known. */
static void deliver(struct lumen_ice *ice, uint8_t *buf, size_t len, int64_t rx_ns)
{
	/* Whatever this packet makes us send (its fan-out to every subscriber, NACK answers)
	 * leaves in one batch when the callback returns; hand-offs to transmit workers carry
	 * rx_ns, and the workers time their own part. */
	lumen_latency_set_current(rx_ns);
	lumen_txbatch_begin();
	ice->cb.on_recv(ice->cb.user, buf, len, lumen_rxstamp_arrival_us(rx_ns));
	/* Only packets that made us send count: a receiver report forwards nothing. */
	if (lumen_txbatch_end() > 0)
		lumen_latency_record_since(rx_ns);
	lumen_latency_set_current(0);
}

static void on_recv(NiceAgent *agent, guint stream, guint component, guint len, gchar *buf,
		    gpointer data)
{
	struct lumen_ice *ice = data;

	if (!ice->cb.on_recv || len == 0)
		return;
	/* One system call a datagram, on this path only: the daemon's pairs move to the receive
	 * loop once libnice selects them, and a relayed or TCP pair has no direct socket. */
	deliver(ice, (uint8_t *)buf, len, rx_stamp(ice));
}

/* A datagram from the receive loop: as on_recv, with the kernel's receive time at hand. */
static void on_loop_input(void *user, uint8_t *buf, size_t len, int64_t rx_ns)
{
	struct lumen_ice *ice = user;

	if (!ice->cb.on_recv || len == 0)
		return;
	/* The receive time came with the batch; the hand-off's clock read is a vDSO call per
	 * received packet, not per copy sent, so every packet is a sample of the histogram. */
	deliver(ice, buf, len, rx_ns);
}

/* The agent's other sockets moved to the loop's STUN context with the pair's: its UDP ones
 * (other local candidates; a TURN allocation over UDP shares its host candidate's) are read when
 * they are readable, the rest (TCP) by the loop's timer. */
static void rx_loop_watch_others(struct lumen_ice *ice)
{
	GPtrArray *socks = nice_agent_get_sockets(ice->agent, ice->stream, COMPONENT);
	bool unwatched = !socks;

	for (guint i = 0; socks && i < socks->len; i++) {
		GSocket *s = g_ptr_array_index(socks, i);
		int fd = g_socket_get_fd(s);

		if (s == ice->direct || fd == g_socket_get_fd(ice->direct))
			continue;
		if (g_socket_get_socket_type(s) != G_SOCKET_TYPE_DATAGRAM ||
		    lumen_rxloop_watch(ice->rxloop, ice->rxconn, fd) < 0)
			unwatched = true;
	}
	if (socks)
		g_ptr_array_unref(socks);
	if (unwatched)
		lumen_rxloop_poll_others(ice->rxloop, ice->rxconn);
}

/* Connected on a plain UDP pair: its media to the receive loop (rxloop.h), its STUN (and the
 * agent's other sockets) to the loop's STUN context. On any error libnice keeps reading
 * everything, as without a loop (the loop counts the failure). */
static void rx_loop_attach(struct lumen_ice *ice)
{
	int err = 0;

	/* early: libnice selects in a moment, and takes the sockets' sources along (on_selected_pair) */
	if (!ice->rxloop || ice->rxconn || !ice->direct || ice->state != LUMEN_ICE_CONNECTED ||
	    ice->early)
		return;
	nice_agent_attach_recv(ice->agent, ice->stream, COMPONENT,
			       lumen_rxloop_stun_context(ice->rxloop), on_recv, ice);
	ice->rxconn = lumen_rxloop_add(ice->rxloop, g_socket_get_fd(ice->direct), on_loop_input,
				       ice, &err);
	if (!ice->rxconn) {
		nice_agent_attach_recv(ice->agent, ice->stream, COMPONENT, ice->agent_ctx, on_recv,
				       ice);
		return;
	}
	rx_loop_watch_others(ice);
}

/* The controlling peer nominated a pair of this lite agent (nominate.h): in use at once, as
 * RFC 8445 §7.3.2 has it, ahead of libnice's own selection a triggered check later. Only the
 * first connection: after a restart libnice's path alone selects. */
static void on_nominated(void *user, GSocket *sock, const struct sockaddr *from,
			 socklen_t from_len)
{
	struct lumen_ice *ice = user;
	GSocket *keep = g_object_ref(sock);
	int fd = g_socket_get_fd(keep);

	g_clear_pointer(&ice->nominate, lumen_nominate_free);
	if (ice->direct || ice->state == LUMEN_ICE_CONNECTED || ice->state == LUMEN_ICE_FAILED) {
		g_object_unref(keep);
		return;
	}
	ice->direct = keep;
	ice->early = true;
	set_dont_fragment(fd, from->sa_family == AF_INET);
	lumen_rxstamp_enable(fd);
	lumen_sendpath_set_socket(&ice->send, fd, from, from_len);
	ice->state = LUMEN_ICE_CONNECTED;
	lumen_sendpath_set_up(&ice->send, true);
	if (ice->cb.on_state)
		ice->cb.on_state(ice->cb.user, LUMEN_ICE_CONNECTED);
}

static void watch_nomination(struct lumen_ice *ice)
{
	GPtrArray *socks = nice_agent_get_sockets(ice->agent, ice->stream, COMPONENT);

	if (!socks)
		return;
	ice->nominate = lumen_nominate_new(ice->ctx, socks, ice->ufrag, ice->pwd, on_nominated, ice);
	g_ptr_array_unref(socks);
}

static void refresh_credentials(struct lumen_ice *ice)
{
	g_free(ice->ufrag);
	g_free(ice->pwd);
	ice->ufrag = ice->pwd = NULL;
	nice_agent_get_local_credentials(ice->agent, ice->stream, &ice->ufrag, &ice->pwd);
}

struct lumen_ice *lumen_ice_new(GMainContext *ctx, const struct lumen_ice_config *cfg,
				const struct lumen_ice_callbacks *cb, char **err)
{
	struct lumen_ice *ice = g_new0(struct lumen_ice, 1);
	NiceAgentOption opts = NICE_AGENT_OPTION_ICE_TRICKLE;

	ice->cb = *cb;
	ice->lite = cfg->lite;
	ice->ctx = ctx;
	ice->agent_ctx = cfg->agent_ctx ? cfg->agent_ctx : ctx;
	ice->rxloop = cfg->rxloop;
	lumen_sendpath_init(&ice->send);
	ice->split_fd = ice->taken_fd = -1;
	ice->local = g_ptr_array_new_with_free_func(g_free);
	if (cfg->nat_1_1 && *cfg->nat_1_1)
		ice->nat_1_1 = g_strdup(cfg->nat_1_1);
	/* Lite agents answer checks only; consent freshness (RFC 7675) is the full agent's job. */
	if (cfg->lite)
		opts |= NICE_AGENT_OPTION_LITE_MODE;
	else if (!cfg->consent_off)
		opts |= NICE_AGENT_OPTION_CONSENT_FRESHNESS;
	ice->agent = nice_agent_new_full(ice->agent_ctx, NICE_COMPATIBILITY_RFC5245, opts);
	if (!ice->agent) {
		*err = g_strdup("cannot create an ICE agent");
		goto fail;
	}
	g_object_set(ice->agent, "controlling-mode", (gboolean)(!cfg->lite && cfg->controlling),
		     "ice-tcp", FALSE, "ice-udp", TRUE, "upnp", FALSE, NULL);
	g_object_get(ice->agent, "idle-timeout", &ice->idle_timeout_ms, NULL);
	/* A lite agent sends no checks, but libnice still runs its Ta timer: the peer's nominating
	 * check is answered at once, yet the pair is selected (component connected, so DTLS
	 * starts) only at the agent's next tick. With libnice's default 20 ms that cost a join
	 * 10-20 ms (lumen-bench's join scenario: ICE connected -> DTLS done 19 ms, 4 ms with 5).
	 * libnice's lite agent also answers the nominating check with a triggered check of its
	 * own, paced by the same tick, before it selects the pair: 1 ms takes that wait to ~1 ms.
	 * The tick stops once the pair is selected (strace of lumen at fanout N = 50: 500 polls a
	 * second, two per received packet, not 50 agents x 1000), so an established subscriber
	 * costs nothing for it. */
	if (cfg->lite || cfg->check_pacing_ms)
		g_object_set(ice->agent, "stun-pacing-timer",
			     (guint)(cfg->check_pacing_ms ? cfg->check_pacing_ms : LITE_TA_MS), NULL);
	if (!cfg->lite && cfg->stun_host && *cfg->stun_host)
		g_object_set(ice->agent, "stun-server", cfg->stun_host, "stun-server-port",
			     (guint)cfg->stun_port, NULL);
	if (lumen_ice_add_local_addresses(ice->agent, cfg, err) < 0)
		goto fail;
	ice->stream = nice_agent_add_stream(ice->agent, 1);
	if (!ice->stream) {
		*err = g_strdup("cannot add an ICE stream");
		goto fail;
	}
	if (cfg->port_min && cfg->port_max)
		nice_agent_set_port_range(ice->agent, ice->stream, COMPONENT, cfg->port_min,
					  cfg->port_max);
	g_signal_connect(ice->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), ice);
	g_signal_connect(ice->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), ice);
	g_signal_connect(ice->agent, "component-state-changed", G_CALLBACK(on_state_changed), ice);
	g_signal_connect(ice->agent, "new-selected-pair-full", G_CALLBACK(on_selected_pair), ice);
	nice_agent_attach_recv(ice->agent, ice->stream, COMPONENT, ice->agent_ctx, on_recv, ice);
	if (!nice_agent_gather_candidates(ice->agent, ice->stream)) {
		*err = cfg->port_min ? g_strdup_printf("cannot gather ICE candidates: no free UDP "
						       "port in media.rtp_port_range %u-%u",
						       cfg->port_min, cfg->port_max)
				     : g_strdup("cannot gather ICE candidates");
		goto fail;
	}
	refresh_credentials(ice);
	stamps_on_sockets(ice);
	if (ice->lite && !cfg->no_early_nominate)
		watch_nomination(ice);
	return ice;
fail:
	lumen_ice_free(ice);
	return NULL;
}

const char *lumen_ice_local_ufrag(const struct lumen_ice *ice)
{
	return ice->ufrag;
}

const char *lumen_ice_local_pwd(const struct lumen_ice *ice)
{
	return ice->pwd;
}

char **lumen_ice_local_candidates(const struct lumen_ice *ice)
{
	char **out = g_new0(char *, ice->local->len + 1);

	for (guint i = 0; i < ice->local->len; i++)
		out[i] = g_strdup(g_ptr_array_index(ice->local, i));
	return out;
}

bool lumen_ice_gathering_done(const struct lumen_ice *ice)
{
	return ice->gathering_done;
}

int lumen_ice_set_remote_credentials(struct lumen_ice *ice, const char *ufrag, const char *pwd)
{
	if (!ufrag || !pwd || !*ufrag || !*pwd)
		return -EINVAL;
	return nice_agent_set_remote_credentials(ice->agent, ice->stream, ufrag, pwd) ? 0 : -EINVAL;
}

int lumen_ice_add_remote_candidate(struct lumen_ice *ice, const char *candidate)
{
	gchar *line, **f;
	NiceCandidate *c;
	GSList *list;
	int rc = 0, n;

	if (!candidate)
		return -EINVAL;
	if (g_str_has_prefix(candidate, "a="))
		candidate += 2;
	if (!g_str_has_prefix(candidate, "candidate:"))
		return -EINVAL;
	f = g_strsplit(candidate, " ", 8);
	n = (int)g_strv_length(f);
	if (n < 8)
		rc = -EINVAL;
	else if (g_ascii_strcasecmp(f[2], "udp") != 0 || g_str_has_suffix(f[4], ".local"))
		rc = -ENOTSUP; /* TCP and mDNS names: lite mode learns the peer-reflexive address */
	g_strfreev(f);
	if (rc)
		return rc;
	line = g_strconcat("a=", candidate, NULL);
	c = nice_agent_parse_remote_candidate_sdp(ice->agent, ice->stream, line);
	g_free(line);
	if (!c)
		return -EINVAL;
	c->component_id = COMPONENT;
	list = g_slist_prepend(NULL, c);
	if (nice_agent_set_remote_candidates(ice->agent, ice->stream, COMPONENT, list) < 0)
		rc = -EINVAL;
	g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
	return rc;
}

void lumen_ice_remote_gathering_done(struct lumen_ice *ice)
{
	nice_agent_peer_candidate_gathering_done(ice->agent, ice->stream);
}

ssize_t lumen_ice_send(struct lumen_ice *ice, const uint8_t *buf, size_t len)
{
	struct lumen_sendpath_snap p;
	gint n;

	/* A pair changed on the agent's thread during this call is taken by the next one; the
	 * old pair's fd stays open (libnice's candidate socket) until the agent is freed. */
	lumen_sendpath_get(&ice->send, &p);
	if (!p.up)
		return -EAGAIN;
	if (p.fd >= 0)
		return lumen_txbatch_send(p.fd, &p.to.sa, p.to_len, buf, len);
	n = nice_agent_send(ice->agent, ice->stream, COMPONENT, (guint)len, (const gchar *)buf);
	if (n < 0)
		return -EIO;
	return n;
}

void lumen_ice_tx_begin(void)
{
	lumen_txbatch_begin();
}

unsigned lumen_ice_tx_flush(void)
{
	return lumen_txbatch_end();
}

void lumen_ice_tx_push(void)
{
	lumen_txbatch_push();
}

/* Whether the owner may read the pair itself (split or take): 0, or why not. */
static int owner_rx_allowed(const struct lumen_ice *ice)
{
	if (ice->rxloop || ice->split_fd >= 0 || ice->taken_fd >= 0)
		return -EBUSY;
	if (ice->state != LUMEN_ICE_CONNECTED || !ice->direct)
		return ice->state == LUMEN_ICE_CONNECTED ? -ENOTSUP : -EAGAIN;
	return 0;
}

int lumen_ice_rx_split(struct lumen_ice *ice, GMainContext *stun_ctx)
{
	int fd;

	if (ice->split_fd >= 0)
		return ice->split_fd;
	if ((fd = owner_rx_allowed(ice)) < 0)
		return fd;
	fd = lumen_rxsplit_open(g_socket_get_fd(ice->direct));
	if (fd < 0)
		return fd;
	ice->split_fd = fd;
	if (stun_ctx) {
		/* libnice's socket sources follow its receive callback's context. What was queued
		 * on the pair's socket before the split is read there, through on_recv as before. */
		ice->stun_ctx = g_main_context_ref(stun_ctx);
		nice_agent_attach_recv(ice->agent, ice->stream, COMPONENT, stun_ctx, on_recv, ice);
	}
	return fd;
}

int lumen_ice_rx_take(struct lumen_ice *ice, GMainContext *park_ctx)
{
	int fd, rc;

	if (ice->taken_fd >= 0)
		return ice->taken_fd;
	if ((rc = owner_rx_allowed(ice)) < 0)
		return rc;
	fd = g_socket_get_fd(ice->direct);
	if ((rc = lumen_rxbatch_enable_stamps(fd)) < 0)
		return rc;
	/* Datagrams libnice had not read yet stay queued on the socket: the caller reads them. */
	ice->stun_ctx = g_main_context_ref(park_ctx);
	nice_agent_attach_recv(ice->agent, ice->stream, COMPONENT, park_ctx, on_recv, ice);
	ice->taken_fd = fd;
	return fd;
}

void lumen_ice_rx_input(struct lumen_ice *ice, uint8_t *buf, size_t len, int64_t rx_ns)
{
	/* STUN (first byte 0..3, RFC 7983) reaches here only from a taken socket: libnice would
	 * have consumed it, and nothing of ours does. */
	if (ice->cb.on_recv && len > 0 && buf[0] > 3)
		deliver(ice, buf, len, rx_ns);
}

int lumen_ice_restart(struct lumen_ice *ice)
{
	g_clear_pointer(&ice->nominate, lumen_nominate_free);
	ice->early = false;
	direct_clear(ice); /* the next selected pair sets it again */
	/* the grace period before a component without a pair is declared failed, as created */
	g_object_set(ice->agent, "idle-timeout", ice->idle_timeout_ms, NULL);
	if (!nice_agent_restart_stream(ice->agent, ice->stream))
		return -EIO;
	refresh_credentials(ice);
	return 0;
}

/* "a:p" of a socket address (IPv4 or IPv6), as libnice's addresses print below. */
static bool sockaddr_string(const struct sockaddr *sa, char *buf, size_t size)
{
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
	bool is6 = sa->sa_family == AF_INET6;
	char ip[INET6_ADDRSTRLEN];

	if ((sa->sa_family != AF_INET && !is6) ||
	    !inet_ntop(sa->sa_family, is6 ? (const void *)&v6->sin6_addr : (const void *)&v4->sin_addr,
		       ip, sizeof(ip)))
		return false;
	return (size_t)snprintf(buf, size, "%s:%u", ip,
				(unsigned)ntohs(is6 ? v6->sin6_port : v4->sin_port)) < size;
}

/* The pair taken at the nomination, before libnice has selected it: our socket's address and
 * the peer's. */
static char *early_pair(const struct lumen_ice *ice)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	struct lumen_sendpath_snap p;
	char a[INET6_ADDRSTRLEN + 8], b[INET6_ADDRSTRLEN + 8];

	lumen_sendpath_get((struct lumen_sendpath *)&ice->send, &p);
	if (p.fd < 0 || getsockname(p.fd, (struct sockaddr *)&local, &len) < 0 ||
	    !sockaddr_string((struct sockaddr *)&local, a, sizeof(a)) ||
	    !sockaddr_string(&p.to.sa, b, sizeof(b)))
		return NULL;
	return g_strdup_printf("%s <-> %s", a, b);
}

char *lumen_ice_selected_pair(const struct lumen_ice *ice)
{
	NiceCandidate *l = NULL, *r = NULL;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (ice->early)
		return early_pair(ice);
	if (!nice_agent_get_selected_pair(ice->agent, ice->stream, COMPONENT, &l, &r) || !l || !r)
		return NULL;
	nice_address_to_string(&l->addr, a);
	nice_address_to_string(&r->addr, b);
	return g_strdup_printf("%s:%u <-> %s:%u", a, nice_address_get_port(&l->addr), b,
			       nice_address_get_port(&r->addr));
}

enum lumen_ice_state lumen_ice_state(const struct lumen_ice *ice)
{
	return ice->state;
}

void lumen_ice_free(struct lumen_ice *ice)
{
	if (!ice)
		return;
	lumen_nominate_free(ice->nominate);
	direct_clear(ice); /* first: the receive loop lets go of the pair's socket */
	if (ice->agent) {
		if (ice->stream) {
			nice_agent_attach_recv(ice->agent, ice->stream, COMPONENT, NULL, NULL, NULL);
			nice_agent_remove_stream(ice->agent, ice->stream);
		}
		g_signal_handlers_disconnect_by_data(ice->agent, ice);
		g_object_unref(ice->agent);
	}
	if (ice->split_fd >= 0)
		close(ice->split_fd);
	if (ice->stun_ctx)
		g_main_context_unref(ice->stun_ctx);
	g_ptr_array_free(ice->local, TRUE);
	g_free(ice->nat_1_1);
	g_free(ice->ufrag);
	g_free(ice->pwd);
	g_free(ice);
}
