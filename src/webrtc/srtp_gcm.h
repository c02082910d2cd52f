/* srtp_gcm.h -- SRTP for RTP packets with AEAD_AES_128_GCM (RFC 7714) on OpenSSL's EVP: the fast
 * path of struct lumen_srtp (srtp.c) for the profile browsers negotiate first.
 *
 * Why not libsrtp2 for these: Debian builds libsrtp2 on NSS, where every packet opens a PKCS#11
 * operation (a context, a slot lock, a key lookup). Under lumen's fan-out that cost 28 % of the
 * server's CPU at 100 subscribers, three times the AES-GCM itself (docs/architecture.md,
 * "SRTP"). Here one EVP_CIPHER_CTX per session keeps its key schedule and each packet only sets
 * the IV. Only the RTP transform lives here: SRTCP (a few packets a second) stays on libsrtp2,
 * keyed from the same master key, so the derivation below must match libsrtp2's byte for byte
 * (tests/unit/test_srtp_gcm.c checks it against libsrtp2 and the RFC 7714 vectors).
 *
 * What it does (RFC 3711 + RFC 7714):
 *   - session key and salt from the master key and salt with the AES-CM PRF, key derivation
 *     rate 0 (RFC 3711 4.3; the 96-bit master salt is zero-padded to 112 bits, as libsrtp2
 *     does, which is what every DTLS-SRTP peer does);
 *   - per SSRC a rollover counter, tracked from the highest sequence number seen (RFC 3711
 *     Appendix A);
 *   - IV = (0x0000 || SSRC || ROC || SEQ) XOR session salt; AAD = the RTP header with its CSRCs
 *     and header extension; the 16-byte tag appended (RFC 7714 8.1, 9.1);
 *   - inbound: a replay window of SRTP_GCM_WINDOW indices per SSRC, updated only once a packet
 *     authenticates, so forged packets can neither create streams nor move windows.
 *
 * Memory: one allocation per session, streams grown on the first packet of a new SSRC (never per
 * packet), at most SRTP_GCM_MAX_STREAMS per session. Threads: none of its own; a session is used
 * by one thread at a time (its peer connection's transmit lock or the control thread). */
#ifndef LUMEN_WEBRTC_SRTP_GCM_H
#define LUMEN_WEBRTC_SRTP_GCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRTP_GCM_KEY_LEN 16
#define SRTP_GCM_SALT_LEN 12
#define SRTP_GCM_TAG_LEN 16
/* Replay window (inbound) and how far behind the highest index a sender may protect (outbound),
 * in packets: the same as the libsrtp2 sessions of srtp.c. */
#define SRTP_GCM_WINDOW 1024
/* SSRCs per session. A peer connection carries a few (lumen's own limit is 64 per pc); the cap
 * only bounds what a peer holding the key could make us keep. */
#define SRTP_GCM_MAX_STREAMS 256

struct srtp_gcm;

/* A session from the DTLS-exported master key || master salt (16 + 12 bytes). inbound selects
 * unprotect (with replay checks) or protect. NULL on OpenSSL failure. */
struct srtp_gcm *srtp_gcm_new(const uint8_t master[SRTP_GCM_KEY_LEN + SRTP_GCM_SALT_LEN],
                              bool inbound);

/* The same from already derived session key and salt (RFC 7714's test vectors give those). */
struct srtp_gcm *srtp_gcm_new_session(const uint8_t key[SRTP_GCM_KEY_LEN],
                                      const uint8_t salt[SRTP_GCM_SALT_LEN], bool inbound);

/* Session key and salt of a master key || salt with the AES-CM PRF (RFC 3711 4.3.3) for an RTP
 * label pair: 0x00/0x02. Returns 0 or -EIO. Exposed for the tests. */
int srtp_gcm_derive(const uint8_t master[SRTP_GCM_KEY_LEN + SRTP_GCM_SALT_LEN],
                    uint8_t key[SRTP_GCM_KEY_LEN], uint8_t salt[SRTP_GCM_SALT_LEN]);

/* Free (NULL is fine); the key material is wiped. */
void srtp_gcm_free(struct srtp_gcm *g);

/* In place, as lumen_srtp_protect_rtp / lumen_srtp_unprotect_rtp (srtp.h) with the same return
 * codes; the caller has checked direction, the minimum length and (protect) the headroom. Also
 * -EINVAL for a header whose CSRCs or extension run past the packet (or, unprotect, into the
 * tag), -EIO when SRTP_GCM_MAX_STREAMS SSRCs are in use or OpenSSL fails. */
int srtp_gcm_protect(struct srtp_gcm *g, uint8_t *buf, size_t *len);
int srtp_gcm_unprotect(struct srtp_gcm *g, uint8_t *buf, size_t *len);

/* True when sessions use OpenSSL's provider method for AES-GCM rather than the faster legacy
 * method table (srtp_gcm.c says why): for tests and the startup log. */
bool srtp_gcm_uses_provider(void);

#endif
