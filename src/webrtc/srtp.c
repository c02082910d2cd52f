/* srtp.c -- lumen_srtp sessions: libsrtp2 (profile -> crypto policy, status -> -errno), with RTP
 * of the AEAD_AES_128_GCM profile on OpenSSL instead (srtp_gcm.c, which says why).
 *
 * One srtp_t per session with a single wildcard-SSRC policy, so streams for new SSRCs are
 * created by libsrtp on first use. srtp_init() runs once per process (g_once); libsrtp is never
 * shut down (its global state lives as long as the process). With the GCM profile libsrtp keeps
 * SRTCP only; LUMEN_SRTP_LIBSRTP=1 in the environment sends RTP through libsrtp too (for A/B
 * measurements and as a way out should a peer disagree with srtp_gcm.c). */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <srtp2/srtp.h>

#include "webrtc/srtp.h"
#include "webrtc/srtp_gcm.h"

/* Replay window for SRTP (libsrtp accepts 64..32768): 1024 tolerates the reordering of a
 * bursty video sender at high rate while staying cheap (a 128-byte bitmap). */
#define REPLAY_WINDOW 1024

struct lumen_srtp {
	srtp_t ctx;
	struct srtp_gcm *gcm; /* RTP of the GCM profile; NULL: libsrtp does RTP too */
	enum lumen_srtp_direction dir;
};

/* Whether GCM sessions keep RTP on libsrtp2 (LUMEN_SRTP_LIBSRTP set and not "0"), read once. */
static bool rtp_on_libsrtp(void)
{
	static gsize once;
	static bool result;

	if (g_once_init_enter(&once)) {
		const char *v = g_getenv("LUMEN_SRTP_LIBSRTP");

		result = v && *v && strcmp(v, "0") != 0;
		g_once_init_leave(&once, 1);
	}
	return result;
}

static int srtp_global_init(void)
{
	static gsize once;
	static int result;

	if (g_once_init_enter(&once)) {
		result = srtp_init() == srtp_err_status_ok ? 0 : -EIO;
		g_once_init_leave(&once, 1);
	}
	return result;
}

int lumen_srtp_global_init(void)
{
	static const enum lumen_srtp_profile profiles[] = {LUMEN_SRTP_AEAD_AES_128_GCM,
							    LUMEN_SRTP_AES128_CM_SHA1_80};
	uint8_t zero[32] = {0};
	int rc = srtp_global_init();

	if (rc < 0)
		return rc;
	/* One throwaway session per profile: the first one made in a process also loads OpenSSL's
	 * ciphers and MACs for libsrtp2 and builds srtp_gcm.c's method (about 4 ms measured after
	 * srtp_init), which should not be the first peer connection's either. */
	for (size_t i = 0; i < G_N_ELEMENTS(profiles); i++) {
		struct lumen_srtp *s = lumen_srtp_new(profiles[i], LUMEN_SRTP_OUTBOUND, zero,
						      lumen_srtp_master_len(profiles[i]));

		if (!s)
			return -EIO;
		lumen_srtp_free(s);
	}
	return 0;
}

size_t lumen_srtp_master_len(enum lumen_srtp_profile profile)
{
	switch (profile) {
	case LUMEN_SRTP_AES128_CM_SHA1_80:
		return 16 + 14;
	case LUMEN_SRTP_AEAD_AES_128_GCM:
		return 16 + 12;
	case LUMEN_SRTP_NONE:
		break;
	}
	return 0;
}

const char *lumen_srtp_profile_name(enum lumen_srtp_profile profile)
{
	switch (profile) {
	case LUMEN_SRTP_AES128_CM_SHA1_80:
		return "SRTP_AES128_CM_SHA1_80";
	case LUMEN_SRTP_AEAD_AES_128_GCM:
		return "SRTP_AEAD_AES_128_GCM";
	case LUMEN_SRTP_NONE:
		break;
	}
	return "none";
}

static int status_to_errno(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return 0;
	case srtp_err_status_auth_fail:
	case srtp_err_status_cipher_fail: /* GCM reports a bad tag from the cipher */
		return -EBADMSG;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
	case srtp_err_status_pkt_idx_old:
		return -EALREADY;
	case srtp_err_status_bad_param:
	case srtp_err_status_parse_err:
	case srtp_err_status_bad_mki:
	case srtp_err_status_no_ctx:
		return -EINVAL;
	case srtp_err_status_key_expired:
	case srtp_err_status_pkt_idx_adv:
		return -EKEYEXPIRED;
	default:
		return -EIO;
	}
}

struct lumen_srtp *lumen_srtp_new(enum lumen_srtp_profile profile, enum lumen_srtp_direction dir,
                                  const uint8_t *master, size_t master_len)
{
	struct lumen_srtp *s = NULL;
	srtp_policy_t policy;
	uint8_t key[LUMEN_SRTP_MASTER_MAX];

	if (master_len == 0 || master_len != lumen_srtp_master_len(profile))
		return NULL;
	if (dir != LUMEN_SRTP_OUTBOUND && dir != LUMEN_SRTP_INBOUND)
		return NULL;
	if (srtp_global_init() < 0)
		return NULL;
	memset(&policy, 0, sizeof(policy));
	if (profile == LUMEN_SRTP_AEAD_AES_128_GCM) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
	} else {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
	}
	memcpy(key, master, master_len);
	policy.key = key;
	policy.ssrc.type = dir == LUMEN_SRTP_OUTBOUND ? ssrc_any_outbound : ssrc_any_inbound;
	policy.window_size = REPLAY_WINDOW;
	policy.allow_repeat_tx = dir == LUMEN_SRTP_OUTBOUND;
	policy.next = NULL;

	s = g_new0(struct lumen_srtp, 1);
	s->dir = dir;
	if (srtp_create(&s->ctx, &policy) != srtp_err_status_ok)
		goto fail;
	if (profile == LUMEN_SRTP_AEAD_AES_128_GCM && !rtp_on_libsrtp()) {
		s->gcm = srtp_gcm_new(master, dir == LUMEN_SRTP_INBOUND);
		if (!s->gcm)
			goto fail;
	}
	/* libsrtp copied the key into its own contexts. */
	memset(key, 0, sizeof(key));
	return s;
fail:
	memset(key, 0, sizeof(key));
	lumen_srtp_free(s);
	return NULL;
}

int lumen_srtp_new_pair(const struct lumen_srtp_keys *keys, struct lumen_srtp **tx,
                        struct lumen_srtp **rx)
{
	*tx = lumen_srtp_new(keys->profile, LUMEN_SRTP_OUTBOUND, keys->local, keys->len);
	*rx = lumen_srtp_new(keys->profile, LUMEN_SRTP_INBOUND, keys->remote, keys->len);
	if (*tx && *rx)
		return 0;
	lumen_srtp_free(*tx);
	lumen_srtp_free(*rx);
	*tx = *rx = NULL;
	return -EINVAL;
}

void lumen_srtp_free(struct lumen_srtp *s)
{
	if (!s)
		return;
	if (s->ctx)
		srtp_dealloc(s->ctx);
	srtp_gcm_free(s->gcm);
	g_free(s);
}

/* Fixed header sizes (RFC 3550): libsrtp checks too, but a cheap early refusal keeps runt
 * datagrams away from it entirely. */
static size_t min_len(bool rtcp)
{
	return rtcp ? 8 : 12;
}

static int protect(struct lumen_srtp *s, uint8_t *buf, size_t *len, size_t cap, bool rtcp)
{
	int n;
	srtp_err_status_t st;

	if (s->dir != LUMEN_SRTP_OUTBOUND || *len < min_len(rtcp))
		return -EINVAL;
	if (*len > INT_MAX - LUMEN_SRTP_TRAILER_MAX)
		return -EINVAL;
	if (cap < *len || cap - *len < LUMEN_SRTP_TRAILER_MAX)
		return -ENOSPC;
	if (!rtcp && s->gcm)
		return srtp_gcm_protect(s->gcm, buf, len);
	n = (int)*len;
	st = rtcp ? srtp_protect_rtcp(s->ctx, buf, &n) : srtp_protect(s->ctx, buf, &n);
	if (st != srtp_err_status_ok)
		return status_to_errno(st);
	*len = (size_t)n;
	return 0;
}

static int unprotect(struct lumen_srtp *s, uint8_t *buf, size_t *len, bool rtcp)
{
	int n;
	srtp_err_status_t st;

	if (s->dir != LUMEN_SRTP_INBOUND || *len < min_len(rtcp))
		return -EINVAL;
	if (*len > INT_MAX)
		return -EINVAL;
	if (!rtcp && s->gcm)
		return srtp_gcm_unprotect(s->gcm, buf, len);
	n = (int)*len;
	st = rtcp ? srtp_unprotect_rtcp(s->ctx, buf, &n) : srtp_unprotect(s->ctx, buf, &n);
	if (st != srtp_err_status_ok)
		return status_to_errno(st);
	*len = (size_t)n;
	return 0;
}

int lumen_srtp_protect_rtp(struct lumen_srtp *s, uint8_t *buf, size_t *len, size_t cap)
{
	return protect(s, buf, len, cap, false);
}

int lumen_srtp_protect_rtcp(struct lumen_srtp *s, uint8_t *buf, size_t *len, size_t cap)
{
	return protect(s, buf, len, cap, true);
}

int lumen_srtp_unprotect_rtp(struct lumen_srtp *s, uint8_t *buf, size_t *len)
{
	return unprotect(s, buf, len, false);
}

int lumen_srtp_unprotect_rtcp(struct lumen_srtp *s, uint8_t *buf, size_t *len)
{
	return unprotect(s, buf, len, true);
}
