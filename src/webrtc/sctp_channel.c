/* sctp_channel.c -- WebRTC data channels on the SCTP engine (RFC 8831, RFC 8832).
 *
 * A channel is one stream id: the DTLS client opens even ids, the server odd ones; it opens with
 * DCEP (OPEN on PPID 50, answered by ACK) or is pre-negotiated; it closes by resetting the
 * outgoing stream, and its id is freed once both directions are reset. Messages that arrive in
 * pieces are reassembled up to max_message_size; a larger one resets the channel. Runs on the
 * engine owner's thread only; usrsctp plumbing is in sctp.c. */
#include "webrtc/sctp_internal.h"

#include <arpa/inet.h>
#include <errno.h>

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

void lumen_sctp__channel_free(struct channel *ch)
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
void lumen_sctp__reap(struct lumen_sctp *s)
{
	for (unsigned id = 0; s->n_done > 0 && id < s->cfg.max_streams; id++) {
		struct channel *ch = s->ch[id];

		if (!ch || !ch->done)
			continue;
		s->ch[id] = NULL;
		s->n_done--;
		if (s->cb.channel_close)
			s->cb.channel_close(s->user, (uint16_t)id, ch->close_reason);
		lumen_sctp__channel_free(ch);
	}
}

static void announce(struct lumen_sctp *s, struct channel *ch)
{
	ch->state = CH_OPEN;
	if (s->cb.channel_open)
		s->cb.channel_open(s->user, &ch->info);
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
	int rc = n < 0 ? (int)n : lumen_sctp__send_control(s, ch->info.id, buf, (size_t)n);

	g_free(buf);
	if (rc == 0)
		ch->state = CH_OPENING;
	return rc;
}

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
	if (lumen_sctp__send_control(s, sid, &ack, 1) < 0) {
		/* Cannot answer (association failing): forget the stream again. */
		s->ch[sid] = NULL;
		lumen_sctp__channel_free(ch);
		return;
	}
	announce(s, ch);
}

static void on_user_message(struct lumen_sctp *s, uint16_t sid, uint32_t ppid, const uint8_t *buf,
                            size_t len)
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
void lumen_sctp__on_data(struct lumen_sctp *s, uint16_t sid, uint32_t ppid, const uint8_t *buf,
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

void lumen_sctp__association_up(struct lumen_sctp *s, uint16_t in, uint16_t out)
{
	if (s->up || s->dead)
		return;
	s->up = true;
	s->in_streams = in;
	s->out_streams = out;
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
	lumen_sctp__request_resets(s);
}

void lumen_sctp__association_down(struct lumen_sctp *s, int reason)
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
		lumen_sctp__channel_free(ch);
	}
	s->n_done = 0;
	if (s->cb.association && (was_up || reason))
		s->cb.association(s->user, false, reason);
}

void lumen_sctp__on_stream_reset(struct lumen_sctp *s, const struct sctp_stream_reset_event *ev,
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
	ch->info.reliability_param =
	    p->reliability == LUMEN_SCTP_RELIABLE ? 0 : p->reliability_param;
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
				lumen_sctp__channel_free(ch);
				return rc;
			}
		}
	}
	lumen_sctp__flush(s);
	return id;
}

int lumen_sctp_send(struct lumen_sctp *s, uint16_t id, bool binary, const uint8_t *data, size_t len)
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
		lumen_sctp__push_partial(s);
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
	lumen_sctp__fill_spa(&spa, id, ppid, !ch->info.ordered && ch->state == CH_OPEN,
	                     ch->info.reliability, ch->info.reliability_param);
	n = lumen_sctp__sendv(s, data, len, &spa);
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
	lumen_sctp__flush(s);
	return 0;
}

int lumen_sctp_close(struct lumen_sctp *s, uint16_t id)
{
	struct channel *ch = channel_get(s, id);

	if (!ch || ch->state == CH_CLOSING)
		return -EBADF;
	start_close(s, ch, 0);
	if (s->depth == 0) {
		lumen_sctp__request_resets(s);
		lumen_sctp__flush(s);
	}
	return 0;
}
