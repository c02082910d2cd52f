/* sctp_internal.h -- private to sctp.c and sctp_channel.c: the engine's state.
 *
 * sctp.c owns usrsctp (process-wide state, the socket, packets in and out, notifications, the
 * service loop); sctp_channel.c owns data channels (DCEP, reassembly, stream-reset close). Both
 * run on the engine owner's thread only. lumen_sctp__* names are internal to these two files. */
#ifndef LUMEN_WEBRTC_SCTP_INTERNAL_H
#define LUMEN_WEBRTC_SCTP_INTERNAL_H

#include <glib.h>
#include <string.h>
#include <usrsctp.h>

#include "webrtc/dcep.h"
#include "webrtc/sctp.h"

#define TICK_US             10000 /* usrsctp's next timer is unknown: tick every 10 ms */
#define READ_CHUNK          16384 /* usrsctp_recvv buffer; bigger messages are reassembled */
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

/* Growable byte buffers for messages and notifications that arrive in pieces. */
static inline void bytes_append(struct bytes *b, const uint8_t *d, size_t n)
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
static inline void bytes_reset(struct bytes *b)
{
	if (b->cap > 65536) {
		g_free(b->data);
		b->data = NULL;
		b->cap = 0;
	}
	b->len = 0;
}

static inline void bytes_free(struct bytes *b)
{
	g_free(b->data);
	memset(b, 0, sizeof(*b));
}

/* sctp.c: sending through usrsctp and flushing packets to the owner. */
void lumen_sctp__flush(struct lumen_sctp *s);
void lumen_sctp__fill_spa(struct sctp_sendv_spa *spa, uint16_t sid, uint32_t ppid, bool unordered,
                          enum lumen_sctp_reliability rel, uint32_t rel_param);
ssize_t lumen_sctp__sendv(struct lumen_sctp *s, const uint8_t *data, size_t len,
                          const struct sctp_sendv_spa *spa);
int lumen_sctp__send_control(struct lumen_sctp *s, uint16_t sid, const uint8_t *msg, size_t len);
bool lumen_sctp__push_partial(struct lumen_sctp *s);
void lumen_sctp__request_resets(struct lumen_sctp *s);

/* sctp_channel.c: what usrsctp reports, applied to the channels. */
void lumen_sctp__on_data(struct lumen_sctp *s, uint16_t sid, uint32_t ppid, const uint8_t *buf,
                         size_t len, bool eor);
void lumen_sctp__association_up(struct lumen_sctp *s, uint16_t in, uint16_t out);
void lumen_sctp__association_down(struct lumen_sctp *s, int reason);
void lumen_sctp__on_stream_reset(struct lumen_sctp *s, const struct sctp_stream_reset_event *ev,
                                 size_t len);
void lumen_sctp__reap(struct lumen_sctp *s);
void lumen_sctp__channel_free(struct channel *ch);

#endif
