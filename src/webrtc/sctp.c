/* sctp.c -- data channels on usrsctp over AF_CONN (see sctp.h for the contract): the usrsctp
 * side. Channels, DCEP and reassembly are in sctp_channel.c.
 *
 * One engine = one one-to-one usrsctp socket whose AF_CONN address is the engine pointer
 * (usrsctp_register_address). usrsctp runs without threads (usrsctp_init_nothreads): packets
 * come in through usrsctp_conninput, timers advance when an owner calls on_timeout, and nothing
 * is read through usrsctp's receive callback: after every input or tick the owner's thread
 * drains the non-blocking socket with usrsctp_recvv, so data and notifications are only ever
 * handled on that thread. usrsctp may emit a packet from any thread that ticks the global timer,
 * so conn_output only queues the packet under a mutex; the owner flushes the queue.
 *
 * Socket options: non-blocking, SO_LINGER 0 (close aborts: the association is gone when free
 * returns), NODELAY, explicit EOR (a message larger than the send buffer is queued in pieces),
 * RECVRCVINFO, stream reset enabled, fragment interleave 0 (one message at a time on the socket,
 * so one reassembly buffer suffices), PMTUD off with a fixed MTU (DTLS over UDP below us). */
#include "webrtc/sctp_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

/* ---- usrsctp's process-wide state ---------------------------------------------------------- */

static GMutex usr_lock;
static unsigned usr_refs;
static bool usr_clock_set;
static uint64_t usr_clock_us;
static GMutex usr_timer_lock;   /* held by the one thread running usrsctp's timers */
static uint64_t usr_pending_ms; /* elapsed time not yet handed to usrsctp */

/* Called by usrsctp, on whatever thread drives it, with its locks held: only queue. */
static int conn_output(void *addr, void *buf, size_t len, uint8_t tos, uint8_t set_df)
{
	struct lumen_sctp *s = addr;
	struct outpkt *p = g_malloc(sizeof(*p) + len);

	p->len = len;
	memcpy(p->data, buf, len);
	g_mutex_lock(&s->out_lock);
	g_queue_push_tail(&s->out, p);
	g_mutex_unlock(&s->out_lock);
	return 0;
}

static void usr_ref(void)
{
	g_mutex_lock(&usr_lock);
	if (usr_refs++ == 0) {
		usrsctp_init_nothreads(0, conn_output, NULL);
		/* Sysctls are reset by init, so they are set after it. WebRTC peers use neither
		 * ECN, ASCONF nor AUTH; a 1 MiB message is ~900 chunks, above the default 512. */
		usrsctp_sysctl_set_sctp_ecn_enable(0);
		usrsctp_sysctl_set_sctp_asconf_enable(0);
		usrsctp_sysctl_set_sctp_auth_enable(0);
		usrsctp_sysctl_set_sctp_max_chunks_on_queue(8192);
		usr_clock_set = false;
		usr_pending_ms = 0;
	}
	g_mutex_unlock(&usr_lock);
}

static void usr_unref(void)
{
	g_mutex_lock(&usr_lock);
	if (--usr_refs == 0) {
		/* Closed sockets are freed by usrsctp's own timers: run them until it lets go. */
		for (int i = 0; i < 100 && usrsctp_finish() != 0; i++)
			usrsctp_handle_timers(100);
	}
	g_mutex_unlock(&usr_lock);
}

/* One clock for all engines: usrsctp's timers are global, so only the time that passed since
 * any engine last ticked is handed to it. usrsctp's timer wheel expects one thread to run it
 * (its own timer thread, normally), so one thread at a time does: a thread that finds another
 * running the timers leaves its milliseconds pending for that one to run. */
static void usr_tick(uint64_t now_us)
{
	g_mutex_lock(&usr_lock);
	if (!usr_clock_set || now_us < usr_clock_us) {
		usr_clock_us = now_us;
		usr_clock_set = true;
	} else {
		uint64_t ms = (now_us - usr_clock_us) / 1000;

		usr_clock_us += ms * 1000;
		usr_pending_ms += ms;
	}
	g_mutex_unlock(&usr_lock);
	if (!g_mutex_trylock(&usr_timer_lock))
		return;
	for (int i = 0; i < 16; i++) {
		uint64_t ms;

		g_mutex_lock(&usr_lock);
		ms = usr_pending_ms;
		usr_pending_ms = 0;
		g_mutex_unlock(&usr_lock);
		if (!ms)
			break;
		usrsctp_handle_timers(ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms);
	}
	g_mutex_unlock(&usr_timer_lock);
}

/* ---- socket -------------------------------------------------------------------------------- */

static struct sockaddr_conn conn_addr(struct lumen_sctp *s, uint16_t port)
{
	struct sockaddr_conn a;

	memset(&a, 0, sizeof(a));
	a.sconn_family = AF_CONN;
	a.sconn_port = htons(port);
	a.sconn_addr = s;
	return a;
}

static int set_opt(struct socket *so, int level, int name, const void *v, socklen_t len)
{
	return usrsctp_setsockopt(so, level, name, v, len) < 0 ? -errno : 0;
}

static int configure_socket(struct lumen_sctp *s, struct socket *so)
{
	static const uint16_t events[] = {SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT,
	                                  SCTP_PARTIAL_DELIVERY_EVENT};
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	struct sctp_assoc_value av = {.assoc_id = SCTP_FUTURE_ASSOC,
	                              .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ};
	struct sctp_initmsg init = {.sinit_num_ostreams = s->cfg.max_streams,
	                            .sinit_max_instreams = s->cfg.max_streams};
	int one = 1, zero = 0;
	int snd = (int)s->cfg.send_buffer, rcv = (int)s->cfg.recv_buffer;
	int rc = 0;

	if (usrsctp_set_non_blocking(so, 1) < 0)
		return -errno;
	rc = rc ?: set_opt(so, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	rc = rc ?: set_opt(so, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	rc = rc ?: set_opt(so, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	rc = rc ?: set_opt(so, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof(one));
	rc = rc ?: set_opt(so, IPPROTO_SCTP, SCTP_EXPLICIT_EOR, &one, sizeof(one));
	rc = rc ?: set_opt(so, IPPROTO_SCTP, SCTP_RECVRCVINFO, &one, sizeof(one));
	rc = rc ?: set_opt(so, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &zero, sizeof(zero));
	rc = rc ?: set_opt(so, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof(av));
	rc = rc ?: set_opt(so, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init));
	for (size_t i = 0; rc == 0 && i < G_N_ELEMENTS(events); i++) {
		struct sctp_event ev = {
		    .se_assoc_id = SCTP_FUTURE_ASSOC, .se_on = 1, .se_type = events[i]};

		rc = set_opt(so, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
	}
	return rc;
}

/* A fixed path MTU: there is no path MTU discovery through DTLS and ICE. */
static void set_mtu(struct lumen_sctp *s)
{
	struct sctp_paddrparams pp;
	struct sockaddr_conn any;

	/* An AF_CONN address with a NULL sconn_addr means every path of the association. */
	memset(&pp, 0, sizeof(pp));
	memset(&any, 0, sizeof(any));
	any.sconn_family = AF_CONN;
	memcpy(&pp.spp_address, &any, sizeof(any));
	pp.spp_flags = SPP_PMTUD_DISABLE;
	pp.spp_pathmtu = s->cfg.mtu;
	(void)set_opt(s->sock, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp));
}

/* Hand queued packets to the owner, one at a time, outside the lock. */
static bool flush_out(struct lumen_sctp *s)
{
	bool any = false;

	for (;;) {
		struct outpkt *p;

		g_mutex_lock(&s->out_lock);
		p = g_queue_pop_head(&s->out);
		g_mutex_unlock(&s->out_lock);
		if (!p)
			break;
		s->cb.send_packet(s->user, p->data, p->len);
		g_free(p);
		any = true;
	}
	return any;
}

/* Flush unless an outer service loop or flush will. */
void lumen_sctp__flush(struct lumen_sctp *s)
{
	if (s->depth > 0)
		return;
	s->depth++;
	flush_out(s);
	s->depth--;
}

/* ---- sending ------------------------------------------------------------------------------- */

void lumen_sctp__fill_spa(struct sctp_sendv_spa *spa, uint16_t sid, uint32_t ppid, bool unordered,
                          enum lumen_sctp_reliability rel, uint32_t rel_param)
{
	memset(spa, 0, sizeof(*spa));
	spa->sendv_flags = SCTP_SEND_SNDINFO_VALID;
	spa->sendv_sndinfo.snd_sid = sid;
	spa->sendv_sndinfo.snd_flags = SCTP_EOR | (unordered ? SCTP_UNORDERED : 0);
	spa->sendv_sndinfo.snd_ppid = htonl(ppid);
	if (rel != LUMEN_SCTP_RELIABLE) {
		spa->sendv_flags |= SCTP_SEND_PRINFO_VALID;
		spa->sendv_prinfo.pr_policy =
		    rel == LUMEN_SCTP_MAX_RETRANSMITS ? SCTP_PR_SCTP_RTX : SCTP_PR_SCTP_TTL;
		spa->sendv_prinfo.pr_value = rel_param;
	}
}

/* Queue data[0..len) of a message whose sndinfo/prinfo is spa; returns the bytes usrsctp took,
 * or -errno. With explicit EOR a message may be handed over in pieces: a piece is at most the
 * send buffer (usrsctp answers a larger one with EMSGSIZE rather than EWOULDBLOCK when the buffer
 * is full) and carries SCTP_EOR only if it ends the message. */
ssize_t lumen_sctp__sendv(struct lumen_sctp *s, const uint8_t *data, size_t len,
                          const struct sctp_sendv_spa *spa)
{
	struct sctp_sendv_spa piece = *spa;
	size_t n = MIN(len, s->cfg.send_buffer);
	ssize_t rc;

	if (!s->sock)
		return -ENOTCONN;
	if (n < len)
		piece.sendv_sndinfo.snd_flags &= (uint16_t)~SCTP_EOR;
	rc = usrsctp_sendv(s->sock, data, n, NULL, 0, &piece, sizeof(piece), SCTP_SENDV_SPA, 0);
	if (rc < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return rc;
}

/* Control messages are small, ordered and reliable: all or nothing. */
int lumen_sctp__send_control(struct lumen_sctp *s, uint16_t sid, const uint8_t *msg, size_t len)
{
	struct sctp_sendv_spa spa;
	ssize_t n;

	lumen_sctp__fill_spa(&spa, sid, LUMEN_DCEP_PPID_CONTROL, false, LUMEN_SCTP_RELIABLE, 0);
	n = lumen_sctp__sendv(s, msg, len, &spa);
	if (n < 0)
		return (int)n;
	if ((size_t)n < len) {
		s->partial.data = g_memdup2(msg + n, len - (size_t)n);
		s->partial.len = len - (size_t)n;
		s->partial.off = 0;
		s->partial.spa = spa;
	}
	return 0;
}

/* Continue a message usrsctp took in part. Returns true if something was queued. */
bool lumen_sctp__push_partial(struct lumen_sctp *s)
{
	ssize_t n;

	if (!s->partial.data)
		return false;
	n = lumen_sctp__sendv(s, s->partial.data + s->partial.off, s->partial.len - s->partial.off,
	                      &s->partial.spa);
	if (n == -EAGAIN || n == -EMSGSIZE || n == 0)
		return false; /* no room yet */
	if (n > 0)
		s->partial.off += (size_t)n;
	if (n < 0 || s->partial.off == s->partial.len) {
		/* Done, or the association failed under it: nothing left to finish. */
		g_free(s->partial.data);
		s->partial.data = NULL;
	}
	return true;
}

/* Ask usrsctp to reset the outgoing streams of every channel that wants it. usrsctp refuses
 * while another reset is in flight (EALREADY/EBUSY): the request is retried on the next call. */
void lumen_sctp__request_resets(struct lumen_sctp *s)
{
	struct sctp_reset_streams *rs;
	uint16_t n = 0;
	size_t size;

	if (!s->reset_pending || !s->up || !s->sock)
		return;
	size = sizeof(*rs) + sizeof(uint16_t) * s->cfg.max_streams;
	rs = g_malloc0(size);
	for (unsigned id = 0; id < s->cfg.max_streams; id++) {
		struct channel *ch = s->ch[id];

		if (ch && ch->reset_wanted)
			rs->srs_stream_list[n++] = (uint16_t)id;
	}
	rs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
	rs->srs_number_streams = n;
	if (n == 0 || set_opt(s->sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, rs,
	                      (socklen_t)(sizeof(*rs) + sizeof(uint16_t) * n)) == 0) {
		for (uint16_t i = 0; i < n; i++) {
			struct channel *ch = s->ch[rs->srs_stream_list[i]];

			ch->reset_wanted = false;
			ch->reset_requested = true;
		}
		s->reset_pending = false;
	} else if (errno != EALREADY && errno != EBUSY && errno != EAGAIN) {
		/* usrsctp cannot reset (e.g. the peer lacks RE-CONFIG): close locally. */
		for (uint16_t i = 0; i < n; i++) {
			struct channel *ch = s->ch[rs->srs_stream_list[i]];

			ch->reset_wanted = false;
			ch->out_done = ch->in_done = true;
			if (!ch->done) {
				ch->done = true;
				s->n_done++;
			}
		}
		s->reset_pending = false;
	}
	g_free(rs);
}

/* ---- receiving ----------------------------------------------------------------------------- */

static void on_notification(struct lumen_sctp *s, const uint8_t *buf, size_t len)
{
	const union sctp_notification *n = (const void *)buf;

	if (len < sizeof(n->sn_header))
		return;
	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE:
		if (len < sizeof(n->sn_assoc_change))
			return;
		switch (n->sn_assoc_change.sac_state) {
		case SCTP_COMM_UP:
			set_mtu(s);
			lumen_sctp__association_up(s, n->sn_assoc_change.sac_inbound_streams,
			                           n->sn_assoc_change.sac_outbound_streams);
			break;
		case SCTP_COMM_LOST:
			lumen_sctp__association_down(s, -ECONNRESET);
			break;
		case SCTP_CANT_STR_ASSOC:
			lumen_sctp__association_down(s, -ECONNREFUSED);
			break;
		case SCTP_SHUTDOWN_COMP:
			lumen_sctp__association_down(s, 0);
			break;
		default:
			break; /* SCTP_RESTART: same streams, same channels */
		}
		break;
	case SCTP_STREAM_RESET_EVENT:
		if (len >= sizeof(n->sn_strreset_event))
			lumen_sctp__on_stream_reset(s, &n->sn_strreset_event, len);
		break;
	case SCTP_PARTIAL_DELIVERY_EVENT:
		/* The rest of the message will never come: drop what we have of it. */
		if (s->rx.active) {
			s->rx.active = false;
			bytes_reset(&s->rx.buf);
		}
		break;
	default:
		break;
	}
}

static bool read_all(struct lumen_sctp *s)
{
	bool any = false;

	for (int i = 0; i < MAX_READS && s->sock; i++) {
		struct sctp_rcvinfo rcv;
		struct sockaddr_conn from;
		socklen_t infolen = sizeof(rcv), fromlen = sizeof(from);
		unsigned int infotype = 0;
		int flags = 0;
		ssize_t n;

		memset(&rcv, 0, sizeof(rcv));
		n = usrsctp_recvv(s->sock, s->rbuf, READ_CHUNK, (struct sockaddr *)&from, &fromlen,
		                  &rcv, &infolen, &infotype, &flags);
		if (n <= 0)
			break; /* EWOULDBLOCK, or the association is gone (reported by event) */
		any = true;
		if (flags & MSG_NOTIFICATION) {
			if (!(flags & MSG_EOR) || s->notif.len) {
				if (s->notif.len + (size_t)n <= DCEP_MAX_LEN)
					bytes_append(&s->notif, s->rbuf, (size_t)n);
				if (flags & MSG_EOR) {
					on_notification(s, s->notif.data, s->notif.len);
					bytes_reset(&s->notif);
				}
			} else {
				on_notification(s, s->rbuf, (size_t)n);
			}
			continue;
		}
		if (infotype != SCTP_RECVV_RCVINFO)
			continue;
		lumen_sctp__on_data(s, rcv.rcv_sid, ntohl(rcv.rcv_ppid), s->rbuf, (size_t)n,
		                    flags & MSG_EOR);
	}
	return any;
}

static bool try_accept(struct lumen_sctp *s)
{
	struct socket *so;
	struct sctp_status st;
	socklen_t len = sizeof(st);

	if (!s->listener || s->sock)
		return false;
	so = usrsctp_accept(s->listener, NULL, NULL);
	if (!so)
		return false;
	if (configure_socket(s, so) < 0) {
		usrsctp_close(so);
		return true;
	}
	s->sock = so;
	usrsctp_close(s->listener);
	s->listener = NULL;
	/* COMM_UP normally moves to the accepted socket; if it did not, the status says up. */
	memset(&st, 0, sizeof(st));
	if (usrsctp_getsockopt(so, IPPROTO_SCTP, SCTP_STATUS, &st, &len) == 0 &&
	    st.sstat_state == SCTP_ESTABLISHED) {
		set_mtu(s);
		lumen_sctp__association_up(s, st.sstat_instrms, st.sstat_outstrms);
	}
	return true;
}

/* Everything the owner's thread does after usrsctp may have changed state. */
static void service(struct lumen_sctp *s)
{
	if (s->depth > 0)
		return;
	s->depth++;
	for (int round = 0; round < MAX_SERVICE_ROUNDS; round++) {
		bool progress = try_accept(s);

		progress |= read_all(s);
		progress |= lumen_sctp__push_partial(s);
		lumen_sctp__request_resets(s);
		lumen_sctp__reap(s);
		progress |= flush_out(s);
		if (!progress)
			break;
	}
	s->depth--;
}

/* ---- public API ---------------------------------------------------------------------------- */

struct lumen_sctp *lumen_sctp_new(const struct lumen_sctp_config *cfg,
                                  const struct lumen_sctp_callbacks *cb, void *user)
{
	struct lumen_sctp *s;
	struct sockaddr_conn local;

	if (!cfg || !cb || !cb->send_packet)
		return NULL;
	s = g_new0(struct lumen_sctp, 1);
	s->cfg = *cfg;
	s->cb = *cb;
	s->user = user;
	if (!s->cfg.local_port)
		s->cfg.local_port = LUMEN_SCTP_DEFAULT_PORT;
	if (!s->cfg.remote_port)
		s->cfg.remote_port = LUMEN_SCTP_DEFAULT_PORT;
	if (s->cfg.max_message_size < LUMEN_SCTP_DEFAULT_MAX_MESSAGE)
		s->cfg.max_message_size = LUMEN_SCTP_DEFAULT_MAX_MESSAGE;
	if (!s->cfg.send_buffer)
		s->cfg.send_buffer = DEFAULT_SEND_BUFFER;
	if (!s->cfg.recv_buffer)
		s->cfg.recv_buffer = DEFAULT_RECV_BUFFER;
	if (!s->cfg.mtu)
		s->cfg.mtu = DEFAULT_MTU;
	if (!s->cfg.max_streams)
		s->cfg.max_streams = DEFAULT_STREAMS;
	g_mutex_init(&s->out_lock);
	g_queue_init(&s->out);
	s->ch = g_new0(struct channel *, s->cfg.max_streams);
	s->rbuf = g_malloc(READ_CHUNK);
	usr_ref();
	usrsctp_register_address(s);
	s->listener = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (!s->listener)
		goto fail;
	if (configure_socket(s, s->listener) < 0)
		goto fail;
	local = conn_addr(s, s->cfg.local_port);
	if (usrsctp_bind(s->listener, (struct sockaddr *)&local, sizeof(local)) < 0)
		goto fail;
	return s;
fail:
	lumen_sctp_free(s);
	return NULL;
}

int lumen_sctp_start(struct lumen_sctp *s, uint64_t now_us)
{
	if (s->started)
		return -EALREADY;
	s->last_tick_us = now_us;
	usr_tick(now_us);
	if (s->cfg.passive) {
		if (usrsctp_listen(s->listener, 1) < 0)
			return -EIO;
	} else {
		struct sockaddr_conn remote = conn_addr(s, s->cfg.remote_port);

		/* The listener socket becomes the association's socket. */
		s->sock = s->listener;
		s->listener = NULL;
		if (usrsctp_connect(s->sock, (struct sockaddr *)&remote, sizeof(remote)) < 0 &&
		    errno != EINPROGRESS)
			return -EIO;
	}
	s->started = true;
	service(s);
	return 0;
}

int lumen_sctp_input(struct lumen_sctp *s, const uint8_t *buf, size_t len)
{
	if (!len)
		return -EINVAL;
	if (!s->started)
		return -ENOTCONN;
	usrsctp_conninput(s, buf, len, 0);
	service(s);
	return 0;
}

void lumen_sctp_on_timeout(struct lumen_sctp *s, uint64_t now_us)
{
	if (!s->started)
		return;
	s->last_tick_us = now_us;
	usr_tick(now_us);
	service(s);
}

uint64_t lumen_sctp_next_timeout(const struct lumen_sctp *s)
{
	if (!s->started || (s->dead && !s->n_done))
		return UINT64_MAX;
	return s->last_tick_us + TICK_US;
}

void lumen_sctp_set_peer_max_message_size(struct lumen_sctp *s, size_t n)
{
	s->peer_max = n;
}

size_t lumen_sctp_max_message_size(const struct lumen_sctp *s)
{
	return s->cfg.max_message_size;
}

static int get_int(struct socket *so, int level, int name)
{
	int v = 0;
	socklen_t len = sizeof(v);

	return usrsctp_getsockopt(so, level, name, &v, &len) < 0 ? -1 : v;
}

int lumen_sctp_get_info(struct lumen_sctp *s, struct lumen_sctp_info *info)
{
	struct socket *so = s->sock ? s->sock : s->listener;
	struct sctp_assoc_value av = {.assoc_id = SCTP_FUTURE_ASSOC};
	struct sctp_status st;
	socklen_t len = sizeof(av);

	memset(info, 0, sizeof(*info));
	if (!so)
		return -ENOTCONN;
	info->up = s->up;
	info->inbound_streams = s->in_streams;
	info->outbound_streams = s->out_streams;
	info->nodelay = get_int(so, IPPROTO_SCTP, SCTP_NODELAY) > 0;
	info->explicit_eor = get_int(so, IPPROTO_SCTP, SCTP_EXPLICIT_EOR) > 0;
	info->send_buffer = (uint32_t)get_int(so, SOL_SOCKET, SO_SNDBUF);
	info->recv_buffer = (uint32_t)get_int(so, SOL_SOCKET, SO_RCVBUF);
	if (usrsctp_getsockopt(so, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, &len) == 0)
		info->stream_reset = av.assoc_value;
	memset(&st, 0, sizeof(st));
	len = sizeof(st);
	if (s->sock && usrsctp_getsockopt(so, IPPROTO_SCTP, SCTP_STATUS, &st, &len) == 0) {
		info->path_mtu = st.sstat_primary.spinfo_mtu;
		info->pending_chunks = (uint32_t)st.sstat_unackdata + st.sstat_penddata;
		info->rto_ms = st.sstat_primary.spinfo_rto;
		info->srtt_ms = st.sstat_primary.spinfo_srtt;
		info->cwnd = st.sstat_primary.spinfo_cwnd;
	}
	info->max_message_size = s->cfg.max_message_size;
	return 0;
}

void lumen_sctp_free(struct lumen_sctp *s)
{
	struct outpkt *p;

	if (!s)
		return;
	s->depth++;
	if (s->sock)
		usrsctp_close(s->sock); /* SO_LINGER 0: ABORT, association freed now */
	if (s->listener)
		usrsctp_close(s->listener);
	if (s->started)
		flush_out(s); /* the ABORT, so the peer learns at once */
	usrsctp_deregister_address(s);
	while ((p = g_queue_pop_head(&s->out)))
		g_free(p);
	for (unsigned id = 0; s->ch && id < s->cfg.max_streams; id++)
		lumen_sctp__channel_free(s->ch[id]);
	g_free(s->ch);
	g_free(s->partial.data);
	bytes_free(&s->rx.buf);
	bytes_free(&s->notif);
	g_free(s->rbuf);
	g_mutex_clear(&s->out_lock);
	usr_unref();
	g_free(s);
}
