/* sctp.c -- data channels on usrsctp over AF_CONN (see sctp.h for the contract).
 *
 * One engine = one one-to-one usrsctp socket whose AF_CONN address is the engine pointer
 * (usrsctp_register_address). usrsctp runs without threads (usrsctp_init_nothreads): packets
 * come in through usrsctp_conninput, timers advance when an owner calls on_timeout, and nothing
 * is read through usrsctp's receive callback: after every input or tick the owner's thread
 * drains the non-blocking socket with usrsctp_recvv, so data and notifications are only ever
 * handled on that thread. usrsctp may emit a packet from any thread that ticks the global timer,
 * so conn_output only queues the packet under a mutex; the owner flushes the queue.
 *
 * Channels follow RFC 8831/8832: stream ids by DTLS role, DCEP on PPID 50, close = reset of the
 * outgoing stream, the channel's id freed once both directions are reset. Socket options:
 * non-blocking, SO_LINGER 0 (close aborts: the association is gone when free returns), NODELAY,
 * explicit EOR (a message larger than the send buffer is queued in parts), RECVRCVINFO, stream
 * reset enabled, fragment interleave 0 (one message at a time on the socket, so one reassembly
 * buffer suffices), PMTUD off with a fixed MTU (DTLS over UDP below us). This file is longer
 * than the usual 800 lines because the channel state machine and its usrsctp plumbing share
 * every structure; splitting would only add a private header. */
#include "webrtc/sctp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <usrsctp.h>

#include "webrtc/dcep.h"

#define TICK_US             10000    /* usrsctp's next timer is unknown: tick every 10 ms */
#define READ_CHUNK          16384    /* usrsctp_recvv buffer; bigger messages are reassembled */
#define DEFAULT_MTU         1200
#define DEFAULT_STREAMS     1024
#define DEFAULT_SEND_BUFFER (1024 * 1024)
#define DEFAULT_RECV_BUFFER (1024 * 1024)
#define MAX_SERVICE_ROUNDS  64
#define MAX_READS           1024
#define MAX_RESET_TRIES     8
#define DCEP_MAX_LEN        (LUMEN_DCEP_OPEN_HEADER_LEN + 2 * 65535)

enum ch_state {
	CH_PENDING, /* opened before the association was up: OPEN not sent yet */
	CH_OPENING, /* OPEN sent, waiting for the ACK */
	CH_OPEN,
	CH_CLOSING, /* our outgoing stream reset is wanted, requested or done */
};

struct bytes {
	uint8_t *data;
	size_t len, cap;
};

struct channel {
	struct lumen_sctp_channel_info info; /* label/protocol point to the strings below */
	char *label, *protocol;
	enum ch_state state;
	bool reset_wanted, reset_requested, out_done, in_done, done;
	int reset_tries;
	int close_reason;
	struct bytes legacy; /* pieces with the deprecated PPIDs 52/54 */
};

struct outpkt {
	size_t len;
	uint8_t data[];
};

struct lumen_sctp {
	struct lumen_sctp_config cfg;
	struct lumen_sctp_callbacks cb;
	void *user;
	struct socket *sock;     /* connected or accepted socket: the association */
	struct socket *listener; /* passive mode until accept */
	bool started, up, dead;
	uint16_t in_streams, out_streams;
	size_t peer_max;
	uint64_t last_tick_us;
	struct channel **ch; /* indexed by stream id, cfg.max_streams entries */
	unsigned n_done;     /* channels waiting for their close callback */
	bool reset_pending;
	int depth; /* > 0 while a service loop or flush runs: nested calls defer to it */
	GMutex out_lock;
	GQueue out; /* struct outpkt *, appended by conn_output on any thread */
	struct {    /* a message usrsctp accepted only in part (explicit EOR) */
		uint8_t *data;
		size_t len, off;
		struct sctp_sendv_spa spa;
	} partial;
	struct { /* the message being reassembled (fragment interleave 0: one at a time) */
		struct bytes buf;
		bool active, drop;
		uint16_t sid;
	} rx;
	struct bytes notif; /* a notification delivered in pieces */
	uint8_t *rbuf;
};

/* ---- usrsctp's process-wide state ---------------------------------------------------------- */

static GMutex usr_lock;
static unsigned usr_refs;
static bool usr_clock_set;
static uint64_t usr_clock_us;

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
 * any engine last ticked is handed to it. */
static void usr_tick(uint64_t now_us)
{
	uint64_t ms = 0;

	g_mutex_lock(&usr_lock);
	if (!usr_clock_set || now_us < usr_clock_us) {
		usr_clock_us = now_us;
		usr_clock_set = true;
	} else {
		ms = (now_us - usr_clock_us) / 1000;
		usr_clock_us += ms * 1000;
	}
	g_mutex_unlock(&usr_lock);
	if (ms)
		usrsctp_handle_timers(ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms);
}

/* ---- small helpers ------------------------------------------------------------------------- */

static void bytes_append(struct bytes *b, const uint8_t *d, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n)
			cap *= 2;
		b->data = g_realloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, d, n);
	b->len += n;
}

/* Forget the content; give back large buffers rather than keep a peak allocation. */
static void bytes_reset(struct bytes *b)
{
	if (b->cap > 65536) {
		g_free(b->data);
		b->data = NULL;
		b->cap = 0;
	}
	b->len = 0;
}

static void bytes_free(struct bytes *b)
{
	g_free(b->data);
	memset(b, 0, sizeof(*b));
}

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
	static const uint16_t events[] = { SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT,
					   SCTP_PARTIAL_DELIVERY_EVENT };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sctp_assoc_value av = { .assoc_id = SCTP_FUTURE_ASSOC,
				       .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ };
	struct sctp_initmsg init = { .sinit_num_ostreams = s->cfg.max_streams,
				     .sinit_max_instreams = s->cfg.max_streams };
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
		struct sctp_event ev = { .se_assoc_id = SCTP_FUTURE_ASSOC, .se_on = 1,
					 .se_type = events[i] };

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
static void flush_if_outermost(struct lumen_sctp *s)
{
	if (s->depth > 0)
		return;
	s->depth++;
	flush_out(s);
	s->depth--;
}

/* ---- sending ------------------------------------------------------------------------------- */

static void fill_spa(struct sctp_sendv_spa *spa, uint16_t sid, uint32_t ppid, bool unordered,
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
static ssize_t sendv_spa(struct lumen_sctp *s, const uint8_t *data, size_t len,
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
static int send_control(struct lumen_sctp *s, uint16_t sid, const uint8_t *msg, size_t len)
{
	struct sctp_sendv_spa spa;
	ssize_t n;

	fill_spa(&spa, sid, LUMEN_DCEP_PPID_CONTROL, false, LUMEN_SCTP_RELIABLE, 0);
	n = sendv_spa(s, msg, len, &spa);
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
static bool push_partial(struct lumen_sctp *s)
{
	ssize_t n;

	if (!s->partial.data)
		return false;
	n = sendv_spa(s, s->partial.data + s->partial.off, s->partial.len - s->partial.off,
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

static int send_open(struct lumen_sctp *s, struct channel *ch)
{
	struct lumen_dcep_open o = {
		.ordered = ch->info.ordered,
		.reliability = (enum lumen_dcep_reliability)ch->info.reliability,
		.reliability_param = ch->info.reliability_param,
		.priority = ch->info.priority,
		.label = (const uint8_t *)ch->label,
		.label_len = ch->info.label_len,
		.protocol = (const uint8_t *)ch->protocol,
		.protocol_len = ch->info.protocol_len,
	};
	size_t len = lumen_dcep_open_size(&o);
	uint8_t *buf = g_malloc(len);
	ssize_t n = lumen_dcep_write_open(buf, len, &o);
	int rc = n < 0 ? (int)n : send_control(s, ch->info.id, buf, (size_t)n);

	g_free(buf);
	if (rc == 0)
		ch->state = CH_OPENING;
	return rc;
}

/* Ask usrsctp to reset the outgoing streams of every channel that wants it. usrsctp refuses
 * while another reset is in flight (EALREADY/EBUSY): the request is retried on the next call. */
static void request_resets(struct lumen_sctp *s)
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

/* ---- channels ------------------------------------------------------------------------------ */

static struct channel *channel_get(struct lumen_sctp *s, unsigned id)
{
	return id < s->cfg.max_streams ? s->ch[id] : NULL;
}

static struct channel *channel_new(struct lumen_sctp *s, uint16_t id, const uint8_t *label,
				   size_t label_len, const uint8_t *protocol, size_t protocol_len)
{
	struct channel *ch = g_new0(struct channel, 1);

	ch->label = g_malloc(label_len + 1);
	if (label_len)
		memcpy(ch->label, label, label_len);
	ch->label[label_len] = '\0';
	ch->protocol = g_malloc(protocol_len + 1);
	if (protocol_len)
		memcpy(ch->protocol, protocol, protocol_len);
	ch->protocol[protocol_len] = '\0';
	ch->info.id = id;
	ch->info.label = ch->label;
	ch->info.label_len = label_len;
	ch->info.protocol = ch->protocol;
	ch->info.protocol_len = protocol_len;
	s->ch[id] = ch;
	return ch;
}

static void channel_free(struct channel *ch)
{
	if (!ch)
		return;
	bytes_free(&ch->legacy);
	g_free(ch->label);
	g_free(ch->protocol);
	g_free(ch);
}

static void mark_done(struct lumen_sctp *s, struct channel *ch)
{
	if (!ch->done && ch->in_done && ch->out_done) {
		ch->done = true;
		s->n_done++;
	}
}

static void start_close(struct lumen_sctp *s, struct channel *ch, int reason)
{
	if (ch->state == CH_CLOSING)
		return;
	ch->close_reason = reason;
	bytes_reset(&ch->legacy);
	if (ch->state == CH_PENDING) {
		/* Never on the wire: nothing to reset. */
		ch->state = CH_CLOSING;
		ch->in_done = ch->out_done = true;
		mark_done(s, ch);
		return;
	}
	ch->state = CH_CLOSING;
	if (!ch->out_done && !ch->reset_requested) {
		ch->reset_wanted = true;
		s->reset_pending = true;
	}
}

/* Report and free the channels whose both directions are reset. */
static void reap(struct lumen_sctp *s)
{
	for (unsigned id = 0; s->n_done > 0 && id < s->cfg.max_streams; id++) {
		struct channel *ch = s->ch[id];

		if (!ch || !ch->done)
			continue;
		s->ch[id] = NULL;
		s->n_done--;
		if (s->cb.channel_close)
			s->cb.channel_close(s->user, (uint16_t)id, ch->close_reason);
		channel_free(ch);
	}
}

static void announce(struct lumen_sctp *s, struct channel *ch)
{
	ch->state = CH_OPEN;
	if (s->cb.channel_open)
		s->cb.channel_open(s->user, &ch->info);
}

/* ---- receiving ----------------------------------------------------------------------------- */

static void on_dcep(struct lumen_sctp *s, uint16_t sid, const uint8_t *buf, size_t len)
{
	struct lumen_dcep_msg m;
	struct channel *ch;
	uint8_t ack;

	if (lumen_dcep_parse(&m, buf, len) < 0 || sid >= s->cfg.max_streams)
		return; /* RFC 8832: malformed DCEP messages are ignored */
	ch = s->ch[sid];
	if (m.type == LUMEN_DCEP_MSG_ACK) {
		if (ch && ch->state == CH_OPENING)
			announce(s, ch);
		return;
	}
	if (ch)
		return; /* OPEN on a stream in use: a broken or duplicate open */
	ch = channel_new(s, sid, m.open.label, m.open.label_len, m.open.protocol,
			 m.open.protocol_len);
	ch->info.ordered = m.open.ordered;
	ch->info.reliability = (enum lumen_sctp_reliability)m.open.reliability;
	ch->info.reliability_param =
		m.open.reliability == LUMEN_DCEP_RELIABLE ? 0 : m.open.reliability_param;
	ch->info.priority = m.open.priority;
	(void)lumen_dcep_write_ack(&ack, 1);
	if (send_control(s, sid, &ack, 1) < 0) {
		/* Cannot answer (association failing): forget the stream again. */
		s->ch[sid] = NULL;
		channel_free(ch);
		return;
	}
	announce(s, ch);
}

static void on_user_message(struct lumen_sctp *s, uint16_t sid, uint32_t ppid,
			    const uint8_t *buf, size_t len)
{
	struct channel *ch = channel_get(s, sid);
	bool binary = lumen_dcep_ppid_is_binary(ppid);

	if (!ch || ch->state == CH_PENDING || ch->state == CH_CLOSING)
		return;
	if (ch->state == CH_OPENING)
		announce(s, ch); /* data before the ACK: the peer has opened (RFC 8832 section 6) */
	if (ppid == LUMEN_DCEP_PPID_STRING_PARTIAL || ppid == LUMEN_DCEP_PPID_BINARY_PARTIAL) {
		if (ch->legacy.len + len > s->cfg.max_message_size) {
			start_close(s, ch, -EMSGSIZE);
			return;
		}
		bytes_append(&ch->legacy, buf, len);
		return;
	}
	if (ppid == LUMEN_DCEP_PPID_STRING_EMPTY || ppid == LUMEN_DCEP_PPID_BINARY_EMPTY)
		len = 0; /* the one byte on the wire is padding */
	if (ch->legacy.len) {
		if (ch->legacy.len + len > s->cfg.max_message_size) {
			start_close(s, ch, -EMSGSIZE);
			return;
		}
		bytes_append(&ch->legacy, buf, len);
		if (s->cb.message)
			s->cb.message(s->user, sid, binary, ch->legacy.data, ch->legacy.len);
		bytes_reset(&ch->legacy);
		return;
	}
	if (s->cb.message)
		s->cb.message(s->user, sid, binary, buf, len);
}

static void on_message(struct lumen_sctp *s, uint16_t sid, uint32_t ppid, const uint8_t *buf,
		       size_t len)
{
	switch (ppid) {
	case LUMEN_DCEP_PPID_CONTROL:
		on_dcep(s, sid, buf, len);
		break;
	case LUMEN_DCEP_PPID_STRING:
	case LUMEN_DCEP_PPID_STRING_PARTIAL:
	case LUMEN_DCEP_PPID_BINARY:
	case LUMEN_DCEP_PPID_BINARY_PARTIAL:
	case LUMEN_DCEP_PPID_STRING_EMPTY:
	case LUMEN_DCEP_PPID_BINARY_EMPTY:
		on_user_message(s, sid, ppid, buf, len);
		break;
	default:
		break; /* unknown PPID: not a data channel message */
	}
}

static void too_big(struct lumen_sctp *s, uint16_t sid)
{
	struct channel *ch = channel_get(s, sid);

	if (ch)
		start_close(s, ch, -EMSGSIZE);
}

/* One piece from usrsctp_recvv; eor marks the end of the message. */
static void on_data(struct lumen_sctp *s, uint16_t sid, uint32_t ppid, const uint8_t *buf,
		    size_t len, bool eor)
{
	size_t limit = ppid == LUMEN_DCEP_PPID_CONTROL ? DCEP_MAX_LEN : s->cfg.max_message_size;

	if (s->rx.active && s->rx.sid != sid) {
		/* Cannot happen with fragment interleave 0; drop the orphan rather than mix. */
		s->rx.active = false;
		bytes_reset(&s->rx.buf);
	}
	if (eor && !s->rx.active) {
		if (len > limit)
			too_big(s, sid);
		else
			on_message(s, sid, ppid, buf, len);
		return;
	}
	if (!s->rx.active) {
		s->rx.active = true;
		s->rx.drop = false;
		s->rx.sid = sid;
	}
	if (!s->rx.drop && s->rx.buf.len + len > limit) {
		s->rx.drop = true; /* keep reading to the end of it, keep nothing */
		bytes_reset(&s->rx.buf);
		bytes_free(&s->rx.buf);
	}
	if (!s->rx.drop)
		bytes_append(&s->rx.buf, buf, len);
	if (!eor)
		return;
	s->rx.active = false;
	if (s->rx.drop)
		too_big(s, sid);
	else
		on_message(s, sid, ppid, s->rx.buf.data, s->rx.buf.len);
	bytes_reset(&s->rx.buf);
}

static void association_up(struct lumen_sctp *s, uint16_t in, uint16_t out)
{
	if (s->up || s->dead)
		return;
	s->up = true;
	s->in_streams = in;
	s->out_streams = out;
	set_mtu(s);
	if (s->cb.association)
		s->cb.association(s->user, true, 0);
	for (unsigned id = 0; id < s->cfg.max_streams; id++) {
		struct channel *ch = s->ch[id];

		if (!ch || ch->state != CH_PENDING)
			continue;
		if (id >= out) {
			start_close(s, ch, -ENOSPC);
		} else if (ch->info.negotiated) {
			ch->state = CH_OPEN;
		} else if (send_open(s, ch) < 0) {
			ch->state = CH_OPENING; /* so that the close resets the stream */
			start_close(s, ch, -EIO);
		}
	}
	request_resets(s);
}

static void association_down(struct lumen_sctp *s, int reason)
{
	bool was_up = s->up;

	if (s->dead)
		return;
	s->dead = true;
	s->up = false;
	for (unsigned id = 0; id < s->cfg.max_streams; id++) {
		struct channel *ch = s->ch[id];

		if (!ch)
			continue;
		s->ch[id] = NULL;
		if (s->cb.channel_close)
			s->cb.channel_close(s->user, (uint16_t)id, reason ? reason : -ECONNRESET);
		channel_free(ch);
	}
	s->n_done = 0;
	if (s->cb.association && (was_up || reason))
		s->cb.association(s->user, false, reason);
}

static void on_stream_reset(struct lumen_sctp *s, const struct sctp_stream_reset_event *ev,
			    size_t len)
{
	size_t n = (len - sizeof(*ev)) / sizeof(uint16_t);
	bool failed = ev->strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED);

	/* An empty list means every stream. */
	for (size_t i = 0; i < (n ? n : s->cfg.max_streams); i++) {
		uint16_t sid = n ? ev->strreset_stream_list[i] : (uint16_t)i;
		struct channel *ch = channel_get(s, sid);

		if (!ch)
			continue;
		if (failed) {
			if ((ev->strreset_flags & SCTP_STREAM_RESET_OUTGOING_SSN) &&
			    ch->reset_requested && !ch->out_done) {
				ch->reset_requested = false;
				if (++ch->reset_tries >= MAX_RESET_TRIES) {
					ch->out_done = ch->in_done = true;
				} else {
					ch->reset_wanted = true;
					s->reset_pending = true;
				}
			}
		} else {
			if (ev->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN) {
				/* The peer closed: close our direction too (RFC 8831 6.7). */
				ch->in_done = true;
				start_close(s, ch, ch->state == CH_CLOSING ? ch->close_reason : 0);
			}
			if (ev->strreset_flags & SCTP_STREAM_RESET_OUTGOING_SSN)
				ch->out_done = true;
		}
		mark_done(s, ch);
	}
}

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
			association_up(s, n->sn_assoc_change.sac_inbound_streams,
				       n->sn_assoc_change.sac_outbound_streams);
			break;
		case SCTP_COMM_LOST:
			association_down(s, -ECONNRESET);
			break;
		case SCTP_CANT_STR_ASSOC:
			association_down(s, -ECONNREFUSED);
			break;
		case SCTP_SHUTDOWN_COMP:
			association_down(s, 0);
			break;
		default:
			break; /* SCTP_RESTART: same streams, same channels */
		}
		break;
	case SCTP_STREAM_RESET_EVENT:
		if (len >= sizeof(n->sn_strreset_event))
			on_stream_reset(s, &n->sn_strreset_event, len);
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
		on_data(s, rcv.rcv_sid, ntohl(rcv.rcv_ppid), s->rbuf, (size_t)n, flags & MSG_EOR);
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
	    st.sstat_state == SCTP_ESTABLISHED)
		association_up(s, st.sstat_instrms, st.sstat_outstrms);
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
		progress |= push_partial(s);
		request_resets(s);
		reap(s);
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

static int check_params(const struct lumen_sctp_channel_params *p, size_t *label_len,
			size_t *protocol_len)
{
	const char *label = p->label ? p->label : "", *protocol = p->protocol ? p->protocol : "";

	*label_len = strlen(label);
	*protocol_len = strlen(protocol);
	if (*label_len > UINT16_MAX || *protocol_len > UINT16_MAX ||
	    !lumen_dcep_utf8_valid((const uint8_t *)label, *label_len) ||
	    !lumen_dcep_utf8_valid((const uint8_t *)protocol, *protocol_len) ||
	    (unsigned)p->reliability > LUMEN_SCTP_MAX_LIFETIME)
		return -EINVAL;
	return 0;
}

static int pick_id(struct lumen_sctp *s, const struct lumen_sctp_channel_params *p)
{
	unsigned limit = s->up ? MIN(s->out_streams, s->cfg.max_streams) : s->cfg.max_streams;

	if (p->negotiated) {
		if (p->id < 0 || (unsigned)p->id >= limit)
			return -EINVAL;
		return s->ch[p->id] ? -EBUSY : p->id;
	}
	/* RFC 8832 section 6: the DTLS client uses even ids, the server odd ones. */
	for (unsigned id = s->cfg.dtls_client ? 0 : 1; id < limit; id += 2) {
		if (!s->ch[id])
			return (int)id;
	}
	return -ENOSPC;
}

int lumen_sctp_open(struct lumen_sctp *s, const struct lumen_sctp_channel_params *p)
{
	size_t label_len, protocol_len;
	struct channel *ch;
	int id, rc;

	if (s->dead)
		return -ENOTCONN;
	rc = check_params(p, &label_len, &protocol_len);
	if (rc < 0)
		return rc;
	id = pick_id(s, p);
	if (id < 0)
		return id;
	ch = channel_new(s, (uint16_t)id, (const uint8_t *)(p->label ? p->label : ""), label_len,
			 (const uint8_t *)(p->protocol ? p->protocol : ""), protocol_len);
	ch->info.ordered = !p->unordered;
	ch->info.reliability = p->reliability;
	ch->info.reliability_param = p->reliability == LUMEN_SCTP_RELIABLE ? 0 : p->reliability_param;
	ch->info.priority = p->priority ? p->priority : LUMEN_DCEP_PRIORITY_NORMAL;
	ch->info.local = true;
	ch->info.negotiated = p->negotiated;
	ch->state = CH_PENDING;
	if (s->up) {
		if (p->negotiated) {
			ch->state = CH_OPEN;
		} else {
			rc = send_open(s, ch);
			if (rc < 0) {
				s->ch[id] = NULL;
				channel_free(ch);
				return rc;
			}
		}
	}
	flush_if_outermost(s);
	return id;
}

int lumen_sctp_send(struct lumen_sctp *s, uint16_t id, bool binary, const uint8_t *data,
		    size_t len)
{
	struct channel *ch = channel_get(s, id);
	static const uint8_t pad = 0;
	struct sctp_sendv_spa spa;
	uint32_t ppid;
	ssize_t n;

	if (!ch || ch->state == CH_CLOSING)
		return -EBADF;
	if (!s->up || ch->state == CH_PENDING)
		return -ENOTCONN;
	if (s->peer_max && len > s->peer_max)
		return -EMSGSIZE;
	if (s->partial.data) {
		push_partial(s);
		if (s->partial.data)
			return -EAGAIN;
	}
	if (len == 0) {
		/* RFC 8831 section 6.6: an empty message is one ignored byte with its own PPID. */
		ppid = binary ? LUMEN_DCEP_PPID_BINARY_EMPTY : LUMEN_DCEP_PPID_STRING_EMPTY;
		data = &pad;
		len = 1;
	} else {
		ppid = binary ? LUMEN_DCEP_PPID_BINARY : LUMEN_DCEP_PPID_STRING;
	}
	/* Until the ACK arrives, messages go ordered (RFC 8832 section 6). */
	fill_spa(&spa, id, ppid, !ch->info.ordered && ch->state == CH_OPEN, ch->info.reliability,
		 ch->info.reliability_param);
	n = sendv_spa(s, data, len, &spa);
	if (n == -EMSGSIZE)
		return -EAGAIN; /* a piece never exceeds the send buffer: it is full */
	if (n < 0)
		return n == -ECONNRESET || n == -EPIPE ? -ENOTCONN : (int)n;
	if ((size_t)n < len) {
		s->partial.data = g_memdup2(data + n, len - (size_t)n);
		s->partial.len = len - (size_t)n;
		s->partial.off = 0;
		s->partial.spa = spa;
	}
	flush_if_outermost(s);
	return 0;
}

int lumen_sctp_close(struct lumen_sctp *s, uint16_t id)
{
	struct channel *ch = channel_get(s, id);

	if (!ch || ch->state == CH_CLOSING)
		return -EBADF;
	start_close(s, ch, 0);
	if (s->depth == 0) {
		request_resets(s);
		flush_if_outermost(s);
	}
	return 0;
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
	struct sctp_assoc_value av = { .assoc_id = SCTP_FUTURE_ASSOC };
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
		channel_free(s->ch[id]);
	g_free(s->ch);
	g_free(s->partial.data);
	bytes_free(&s->rx.buf);
	bytes_free(&s->notif);
	g_free(s->rbuf);
	g_mutex_clear(&s->out_lock);
	usr_unref();
	g_free(s);
}
