/* sctp.h -- WebRTC data channels (RFC 8831, 8832, 8841): an SCTP association on usrsctp over
 * AF_CONN, sans I/O. SCTP packets that came out of DTLS go in through lumen_sctp_input(); packets
 * to encrypt and send leave through the send_packet callback; time goes in through
 * lumen_sctp_on_timeout(). Channels are opened with DCEP (or pre-negotiated), messages are
 * text or binary with the channel's reliability, and a channel closes by resetting its streams.
 *
 * Threads: an engine is owned by one thread (its peer connection's worker) and every function
 * here, and every callback, runs on that thread only. usrsctp runs without threads of its own;
 * its global state (init/finish, timers) is process-wide and guarded inside sctp.c by a mutex
 * and a reference count, so engines owned by different threads can coexist. A usrsctp timer may
 * fire while another engine's owner ticks the clock: packets it produces are queued inside the
 * engine and handed to send_packet by the owner's next call (input, on_timeout, send...).
 * Callbacks may call lumen_sctp_open/send/close re-entrantly, never lumen_sctp_free(). */
#ifndef LUMEN_WEBRTC_SCTP_H
#define LUMEN_WEBRTC_SCTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lumen_sctp;

/* The default and minimum of max_message_size: what a=max-message-size advertises. */
#define LUMEN_SCTP_DEFAULT_MAX_MESSAGE (256 * 1024)
#define LUMEN_SCTP_DEFAULT_PORT        5000 /* a=sctp-port */

enum lumen_sctp_reliability {
	LUMEN_SCTP_RELIABLE = 0,        /* retransmit until delivered */
	LUMEN_SCTP_MAX_RETRANSMITS = 1, /* partially reliable: at most N retransmissions */
	LUMEN_SCTP_MAX_LIFETIME = 2,    /* partially reliable: abandon after N ms (wall clock) */
};

struct lumen_sctp_config {
	bool dtls_client; /* DTLS role: client opens even stream ids, server odd (RFC 8832) */
	/* Listen and accept instead of connecting (lumen_sctp_start). Browsers send INIT from
	 * either DTLS role, so connecting, the default, interoperates with every peer; passive
	 * suits a peer known to connect. */
	bool passive;
	uint16_t local_port;     /* 0 = 5000 */
	uint16_t remote_port;    /* 0 = 5000 */
	size_t max_message_size; /* largest message received; 0 = 256 KiB; less is raised to it */
	size_t send_buffer;      /* bytes; 0 = 1 MiB (larger messages are queued in pieces) */
	size_t recv_buffer;      /* bytes; 0 = 1 MiB */
	uint16_t mtu;            /* SCTP packet size, DTLS and UDP excluded; 0 = 1200 */
	uint16_t max_streams;    /* inbound and outbound streams requested; 0 = 1024 */
};

/* A data channel as reported to the owner. Strings are NUL-terminated copies owned by the
 * engine, valid during the callback (label_len/protocol_len count bytes, without the NUL). */
struct lumen_sctp_channel_info {
	uint16_t id; /* SCTP stream id */
	const char *label;
	size_t label_len;
	const char *protocol;
	size_t protocol_len;
	bool ordered;
	enum lumen_sctp_reliability reliability;
	uint32_t reliability_param; /* retransmits or milliseconds; 0 when reliable */
	uint16_t priority;
	bool local;      /* opened by this side */
	bool negotiated; /* pre-negotiated id, no DCEP */
};

/* Parameters of lumen_sctp_open(). label and protocol: NUL-terminated UTF-8, NULL means "". */
struct lumen_sctp_channel_params {
	const char *label;
	const char *protocol;
	bool unordered;
	enum lumen_sctp_reliability reliability;
	uint32_t reliability_param;
	uint16_t priority; /* 0 = 256 (normal) */
	bool negotiated;   /* both sides open the same id out of band; no DCEP */
	int id;            /* with negotiated: the stream id; otherwise ignored */
};

/* One SCTP packet to encrypt with DTLS and send. pkt is valid during the call only. */
typedef void lumen_sctp_send_packet_cb(void *user, const uint8_t *pkt, size_t len);
/* The association came up (up = true) or went away (up = false, reason -ECONNRESET for an
 * abort or loss, 0 for a shutdown). Channels are closed before "down" is reported. */
typedef void lumen_sctp_association_cb(void *user, bool up, int reason);
/* A channel is open: a local one once its DCEP ACK (or first message) arrived, a remote one when
 * its DCEP OPEN arrived (the ACK has already been queued). */
typedef void lumen_sctp_channel_open_cb(void *user, const struct lumen_sctp_channel_info *info);
/* A complete message: binary or text (UTF-8 is not checked), len may be 0. data is valid during
 * the call only. */
typedef void lumen_sctp_message_cb(void *user, uint16_t id, bool binary, const uint8_t *data,
                                   size_t len);
/* The channel is closed and its id may be reused. reason: 0 for a close by either side,
 * -EMSGSIZE if a message exceeded max_message_size, -ECONNRESET if the association went away,
 * -ENOSPC if a channel opened before the association got no stream, -EIO if its OPEN could not
 * be sent. */
typedef void lumen_sctp_channel_close_cb(void *user, uint16_t id, int reason);

struct lumen_sctp_callbacks {
	lumen_sctp_send_packet_cb *send_packet; /* required */
	lumen_sctp_association_cb *association;
	lumen_sctp_channel_open_cb *channel_open;
	lumen_sctp_message_cb *message;
	lumen_sctp_channel_close_cb *channel_close;
};

/* What getsockopt reports about the engine's socket and association (tests, stats). */
struct lumen_sctp_info {
	bool up;
	uint16_t inbound_streams, outbound_streams;
	bool nodelay, explicit_eor;
	uint32_t send_buffer, recv_buffer;
	uint32_t stream_reset; /* SCTP_ENABLE_STREAM_RESET value of the association */
	uint32_t path_mtu;
	uint32_t pending_chunks; /* chunks queued or unacknowledged */
	uint32_t rto_ms, srtt_ms, cwnd;
	size_t max_message_size;
};

/* Create an engine. cb and cfg are copied; user is passed to every callback. Takes a reference
 * on usrsctp's process-wide state (initialised on first use). Returns NULL if usrsctp cannot
 * create or configure the socket. No callback is called. */
struct lumen_sctp *lumen_sctp_new(const struct lumen_sctp_config *cfg,
                                  const struct lumen_sctp_callbacks *cb, void *user);

/* Start the association once DTLS is connected: connect (sends INIT), or with cfg.passive
 * listen and accept the peer's INIT. Both sides connecting at once is fine (RFC 8841 allows
 * either side to initiate; SCTP resolves the collision). now_us anchors the timer clock.
 * Returns 0, -EALREADY if started, -EIO if usrsctp refuses. */
int lumen_sctp_start(struct lumen_sctp *s, uint64_t now_us);

/* Feed one SCTP packet decrypted by DTLS. Returns 0, -ENOTCONN before lumen_sctp_start() (the
 * packet is dropped), or -EINVAL for an empty packet. usrsctp checks the CRC32c and drops
 * anything malformed. */
int lumen_sctp_input(struct lumen_sctp *s, const uint8_t *buf, size_t len);

/* Advance SCTP timers to now_us (monotonic microseconds). Call at lumen_sctp_next_timeout(). */
void lumen_sctp_on_timeout(struct lumen_sctp *s, uint64_t now_us);

/* When to call lumen_sctp_on_timeout() next (a fixed tick: usrsctp does not expose its next
 * timer), or UINT64_MAX when there is nothing left to time. */
uint64_t lumen_sctp_next_timeout(const struct lumen_sctp *s);

/* Open a channel. Without negotiated, picks a free stream id of this side's parity and sends
 * DCEP OPEN (at association up if not up yet); channel_open is called when the peer ACKs.
 * Messages may be sent at once (ordered until the ACK, RFC 8832 section 6). Returns the id, or
 * -EINVAL (bad params, label or protocol too long or not UTF-8), -ENOSPC (no free stream id),
 * -EBUSY (negotiated id in use), -ENOTCONN (association gone). */
int lumen_sctp_open(struct lumen_sctp *s, const struct lumen_sctp_channel_params *p);

/* Send one message on an open or opening channel with its reliability. Returns 0 once the
 * message is owned by the engine, -EBADF (no such channel, or closing), -EMSGSIZE (longer than
 * the peer's max-message-size), -EAGAIN (send buffer full or a previous message still being
 * queued: retry later), -ENOTCONN (association not up). */
int lumen_sctp_send(struct lumen_sctp *s, uint16_t id, bool binary, const uint8_t *data,
                    size_t len);

/* Close a channel: reset its outgoing stream; channel_close follows when the peer has reset
 * its side too. Returns 0, -EBADF if no such channel or already closing. */
int lumen_sctp_close(struct lumen_sctp *s, uint16_t id);

/* The peer's a=max-message-size (0 = no limit, RFC 8841); sends above it fail with -EMSGSIZE.
 * The default is no limit beyond the send buffer. */
void lumen_sctp_set_peer_max_message_size(struct lumen_sctp *s, size_t n);

/* The value to advertise in a=max-message-size: the largest message this engine receives. */
size_t lumen_sctp_max_message_size(const struct lumen_sctp *s);

/* Socket and association state from usrsctp. Returns 0, or -ENOTCONN before start. */
int lumen_sctp_get_info(struct lumen_sctp *s, struct lumen_sctp_info *info);

/* Abort the association (an ABORT may leave through send_packet during the call), free every
 * channel without callbacks, and drop the usrsctp reference (usrsctp_finish when it was the
 * last). NULL is fine. Not from inside a callback. */
void lumen_sctp_free(struct lumen_sctp *s);

#endif
