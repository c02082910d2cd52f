/* dtls.h -- DTLS 1.2 engine for DTLS-SRTP (RFC 5764, RFC 8827) over OpenSSL, sans I/O.
 *
 * The engine is fed datagrams and the caller's clock (now_us) and emits datagrams through a
 * send callback; it never touches a socket or a timer of its own. It authenticates the peer by
 * the certificate fingerprint from the remote SDP, negotiates use_srtp (AEAD_AES_128_GCM
 * preferred, AES128_CM_SHA1_80 as fallback), exports the SRTP keys (RFC 5764 section 4.2),
 * and afterwards carries application data (SCTP packets of data channels) both ways.
 *
 * Retransmission timer: OpenSSL 3.0 keeps the DTLS timer on gettimeofday() and has no clock
 * hook (DTLS_set_timer_cb only picks the durations: we use 400 ms doubling up to 6.4 s).
 * lumen_dtls_next_timeout_us() translates OpenSSL's remaining time into the caller's clock at
 * the last call, and lumen_dtls_on_timeout() lets OpenSSL decide by its own clock. Both clocks
 * run at the same rate, so a caller that sleeps until next_timeout_us and calls on_timeout gets
 * the retransmission; a test drives OpenSSL's clock by providing gettimeofday() itself.
 *
 * Threads: an engine belongs to the worker of its peer connection. A struct lumen_dtls_ctx is
 * immutable once built and may be shared by engines on every thread. Callbacks run on the
 * caller's thread, from inside lumen_dtls_* calls; they may call lumen_dtls_send() and
 * lumen_dtls_shutdown() but must not call lumen_dtls_input(), lumen_dtls_on_timeout() or
 * lumen_dtls_free(). */
#ifndef LUMEN_WEBRTC_DTLS_H
#define LUMEN_WEBRTC_DTLS_H

#include <stddef.h>
#include <stdint.h>

#include "webrtc/cert.h"
#include "webrtc/srtp.h"

/* From a=setup (RFC 4145/5763): "active" is the DTLS client, "passive" the server. */
enum lumen_dtls_role { LUMEN_DTLS_CLIENT, LUMEN_DTLS_SERVER };

enum lumen_dtls_state {
	LUMEN_DTLS_NEW,         /* created, lumen_dtls_start() not called */
	LUMEN_DTLS_HANDSHAKING, /* started */
	LUMEN_DTLS_CONNECTED,   /* keys exported, application data flows */
	LUMEN_DTLS_CLOSED,      /* close_notify sent or received */
	LUMEN_DTLS_FAILED,      /* fatal error, see lumen_dtls_error() */
};

/* One datagram to send to the peer. buf is valid until the callback returns. */
typedef void (*lumen_dtls_send_cb)(void *user, const uint8_t *buf, size_t len);
/* Handshake done, peer fingerprint verified: the negotiated profile and keys (copy them). */
typedef void (*lumen_dtls_connected_cb)(void *user, const struct lumen_srtp_keys *keys);
/* One application-data record from the peer. buf is valid until the callback returns. */
typedef void (*lumen_dtls_data_cb)(void *user, const uint8_t *buf, size_t len);
/* The peer closed the association with close_notify. */
typedef void (*lumen_dtls_closed_cb)(void *user);

struct lumen_dtls_callbacks {
	lumen_dtls_send_cb send;           /* required */
	lumen_dtls_connected_cb connected; /* optional */
	lumen_dtls_data_cb data;           /* optional */
	lumen_dtls_closed_cb closed;       /* optional */
};

struct lumen_dtls_config {
	enum lumen_dtls_role role;
	/* The peer's a=fingerprint: hash name ("sha-256") and value ("AB:CD:..."). May be left NULL
	 * and set later with lumen_dtls_set_remote_fingerprint(), but before the peer's
	 * Certificate arrives, or the handshake fails with -EKEYREJECTED. */
	const char *remote_fp_alg;
	const char *remote_fp;
	/* Largest datagram to send (UDP payload); 0 means 1200. At least 256. */
	unsigned mtu;
	/* SRTP profiles to offer/accept, most preferred first; NULL/0 means GCM then AES_CM. */
	const enum lumen_srtp_profile *profiles;
	size_t n_profiles;
};

struct lumen_dtls_ctx;
struct lumen_dtls;

/* An OpenSSL context with cert as our identity (cert may be freed afterwards). NULL if OpenSSL
 * refuses the certificate or key. */
struct lumen_dtls_ctx *lumen_dtls_ctx_new(const struct lumen_cert *cert);
void lumen_dtls_ctx_free(struct lumen_dtls_ctx *ctx);

/* A new engine; cb and user are kept, cfg is copied. NULL if cfg is invalid (no send callback,
 * mtu below 256, an unknown profile, a fingerprint set with an unknown hash or malformed). */
struct lumen_dtls *lumen_dtls_new(struct lumen_dtls_ctx *ctx, const struct lumen_dtls_config *cfg,
                                  const struct lumen_dtls_callbacks *cb, void *user);

/* Free the engine (NULL is fine). Sends nothing: call lumen_dtls_shutdown() first to notify. */
void lumen_dtls_free(struct lumen_dtls *d);

/* Set or replace the expected peer fingerprint (before the peer's certificate arrives).
 * Returns 0, or -EINVAL for an unknown hash name or a malformed value. */
int lumen_dtls_set_remote_fingerprint(struct lumen_dtls *d, const char *alg, const char *fp);

/* Begin: a client sends its ClientHello, a server waits for one (or sends what it held since
 * lumen_dtls_answer_early). Returns 0, -EALREADY if already started, or the engine's error if
 * it failed. */
int lumen_dtls_start(struct lumen_dtls *d, int64_t now_us);

/* A server not started yet takes a datagram of the client's (buf, as lumen_dtls_input) now and
 * answers once it has the whole ClientHello, but keeps every datagram it would send until
 * lumen_dtls_start(), which sends them: for a hello that arrives before there is a pair to
 * answer on (an ICE-lite agent selects its pair a check round trip after the client's ICE is
 * up), so that the handshake's work is done by then. Give it every datagram that comes before
 * the start, in order: a hello may span several (Chromium's: 1200 and 263 bytes), and a
 * retransmitted one is recognised as such. Returns lumen_dtls_input's results,
 * or -EALREADY for a client or a started engine. */
int lumen_dtls_answer_early(struct lumen_dtls *d, const uint8_t *buf, size_t len, int64_t now_us);

/* Feed one datagram classified as DTLS (first byte 20..63). Returns 0 when consumed (records
 * OpenSSL discards as invalid, as DTLS requires, also return 0), or:
 *   -EINVAL        not a DTLS record header at all (dropped, engine unaffected);
 *   -EISCONN       a new ClientHello after the handshake completed: a second handshake is
 *                  refused and dropped, the engine stays connected;
 *   -ESHUTDOWN     the engine is closed;
 *   -EKEYREJECTED  the peer's certificate does not match the remote fingerprint (fatal);
 *   -EPROTONOSUPPORT no common SRTP profile (fatal);
 *   -ECONNRESET    the peer sent a fatal alert (fatal);
 *   -EPROTO        handshake failure of any other kind (fatal).
 * After a fatal error the state is FAILED and every call returns the same error. */
int lumen_dtls_input(struct lumen_dtls *d, const uint8_t *buf, size_t len, int64_t now_us);

/* Let OpenSSL retransmit if its timer expired. Returns 0, or -ETIMEDOUT when OpenSSL gave up
 * after too many retransmissions (fatal), or the engine's error. */
int lumen_dtls_on_timeout(struct lumen_dtls *d, int64_t now_us);

/* When to call lumen_dtls_on_timeout() next, in the caller's clock, or -1 if no timer runs. */
int64_t lumen_dtls_next_timeout_us(const struct lumen_dtls *d);

/* Send application data (one SCTP packet) as one record. Returns 0, -ENOTCONN before the
 * handshake completed, -ESHUTDOWN once closed, -EMSGSIZE if len is 0 or above 16384, or the
 * engine's error. */
int lumen_dtls_send(struct lumen_dtls *d, const uint8_t *buf, size_t len);

/* Send close_notify (if connected) and move to CLOSED. Returns 0 or the engine's error. */
int lumen_dtls_shutdown(struct lumen_dtls *d);

enum lumen_dtls_state lumen_dtls_get_state(const struct lumen_dtls *d);

/* The fatal error (negative errno) of a FAILED engine, else 0. */
int lumen_dtls_error(const struct lumen_dtls *d);

#endif
