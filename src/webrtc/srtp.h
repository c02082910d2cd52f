/* srtp.h -- SRTP/SRTCP sessions (RFC 3711, RFC 7714) keyed from DTLS-SRTP: libsrtp2, except RTP of
 * the AEAD_AES_128_GCM profile, which srtp_gcm.c does on OpenSSL (it says why).
 *
 * A struct lumen_srtp is one direction of one peer connection: OUTBOUND protects what we send,
 * INBOUND unprotects what we receive. Every SSRC is accepted (libsrtp's ssrc_any_outbound /
 * ssrc_any_inbound templates create a stream per new SSRC on first use), so new tracks need no
 * call. Protect and unprotect work in place and never allocate per packet (a stream is allocated
 * once per new SSRC). An inbound session checks replays against a 1024-packet window for SRTP and
 * libsrtp's 128-packet window for SRTCP. An outbound session allows the same RTP sequence number
 * to be protected again (NACK retransmissions without RTX resend the identical packet).
 *
 * Threads: a session belongs to the worker of its peer connection; no locks. libsrtp's global
 * init runs once, from whichever thread creates the first session (thread-safe). */
#ifndef LUMEN_WEBRTC_SRTP_H
#define LUMEN_WEBRTC_SRTP_H

#include <stddef.h>
#include <stdint.h>

/* DTLS-SRTP protection profiles, numbered as in the IANA registry (RFC 5764, RFC 7714). */
enum lumen_srtp_profile {
	LUMEN_SRTP_NONE = 0,
	LUMEN_SRTP_AES128_CM_SHA1_80 = 0x0001,
	LUMEN_SRTP_AEAD_AES_128_GCM = 0x0007,
};

/* Master key || master salt, the largest of all profiles (AES_CM: 16 + 14 bytes). */
#define LUMEN_SRTP_MASTER_MAX 30

/* Bytes protect may append: the auth tag (10 for AES_CM_SHA1_80, 16 for GCM) plus, for SRTCP,
 * the 4-byte E flag + index. A buffer passed to protect needs cap >= len + this. */
#define LUMEN_SRTP_TRAILER_MAX 20

/* Keys exported by a DTLS handshake: what we send with (local) and what the peer sends with
 * (remote), each master key || master salt of len bytes for the profile. */
struct lumen_srtp_keys {
	enum lumen_srtp_profile profile;
	size_t len;
	uint8_t local[LUMEN_SRTP_MASTER_MAX];
	uint8_t remote[LUMEN_SRTP_MASTER_MAX];
};

enum lumen_srtp_direction { LUMEN_SRTP_OUTBOUND, LUMEN_SRTP_INBOUND };

struct lumen_srtp;

/* Master key + salt length of a profile (30 for AES_CM_SHA1_80, 28 for GCM), 0 if unknown. */
size_t lumen_srtp_master_len(enum lumen_srtp_profile profile);

/* Name as in SDP/DTLS ("SRTP_AEAD_AES_128_GCM", "SRTP_AES128_CM_SHA1_80"), or "none". */
const char *lumen_srtp_profile_name(enum lumen_srtp_profile profile);

/* Sets up the SRTP libraries: libsrtp2's srtp_init() (once per process), which runs its
 * algorithms' self-tests (29-36 ms measured here, up to 200 ms traced under load), then makes
 * and frees one session per profile, which loads the ciphers and MACs (about 4 ms more). The
 * first session made does all this anyway; calling this at start keeps that time off the first
 * peer connection's keying, which runs on the thread that relays everyone's media. Returns 0,
 * or -EIO when libsrtp2 fails to initialise. Idempotent, any thread. */
int lumen_srtp_global_init(void);

/* New session for one direction. master is key || salt, exactly lumen_srtp_master_len(profile)
 * bytes (copied). Returns NULL for an unknown profile, a wrong length, or a libsrtp failure. */
struct lumen_srtp *lumen_srtp_new(enum lumen_srtp_profile profile, enum lumen_srtp_direction dir,
                                  const uint8_t *master, size_t master_len);

/* Both sessions of a peer connection from DTLS-exported keys: *tx protects with keys->local,
 * *rx unprotects with keys->remote. Returns 0, or -EINVAL (unknown profile, wrong length,
 * libsrtp failure) with *tx and *rx left NULL. */
int lumen_srtp_new_pair(const struct lumen_srtp_keys *keys, struct lumen_srtp **tx,
                        struct lumen_srtp **rx);

/* Free a session (NULL is fine). */
void lumen_srtp_free(struct lumen_srtp *s);

/* Protect the RTP (or RTCP) packet buf[0..*len) in place; on success *len grows by the trailer.
 * Needs an OUTBOUND session. Returns 0, or:
 *   -ENOSPC   cap - *len < LUMEN_SRTP_TRAILER_MAX (buffer untouched);
 *   -EINVAL   not an RTP/RTCP packet libsrtp can parse (too short, bad header), or an INBOUND
 *             session;
 *   -EALREADY (RTP) a sequence number so far behind the stream's highest that it falls out of
 *             the 1024-packet window (repeating a recent one is allowed);
 *   -EKEYEXPIRED the key reached its packet limit (2^48 SRTP / 2^31 SRTCP): rekey;
 *   -EIO      any other libsrtp failure. */
int lumen_srtp_protect_rtp(struct lumen_srtp *s, uint8_t *buf, size_t *len, size_t cap);
int lumen_srtp_protect_rtcp(struct lumen_srtp *s, uint8_t *buf, size_t *len, size_t cap);

/* Authenticate and decrypt the SRTP (or SRTCP) packet buf[0..*len) in place; on success *len
 * shrinks to the plain packet. Needs an INBOUND session. Returns 0, or:
 *   -EBADMSG  authentication failed (tampered, wrong key, or not SRTP at all);
 *   -EALREADY a replay (index already seen) or an index too old for the replay window;
 *   -EINVAL   too short or malformed header, or an OUTBOUND session;
 *   -EKEYEXPIRED the key reached its packet limit;
 *   -EIO      any other libsrtp failure.
 * On failure the buffer contents are unspecified. */
int lumen_srtp_unprotect_rtp(struct lumen_srtp *s, uint8_t *buf, size_t *len);
int lumen_srtp_unprotect_rtcp(struct lumen_srtp *s, uint8_t *buf, size_t *len);

#endif
