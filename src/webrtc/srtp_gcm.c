/* srtp_gcm.c -- SRTP AEAD_AES_128_GCM for RTP on OpenSSL EVP (see srtp_gcm.h for the why). */
/* EVP_CIPHER_meth_dup is deprecated in OpenSSL 3.0 (gcm_cipher below says why we use it). */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "webrtc/srtp_gcm.h"

#define WINDOW_WORDS (SRTP_GCM_WINDOW / 64)

/* One SSRC. `hi` is the highest authenticated (inbound) or protected (outbound) packet index,
 * ROC << 16 | SEQ (48 bits). Inbound, bit (i % SRTP_GCM_WINDOW) of `seen` tells whether index i
 * in (hi - SRTP_GCM_WINDOW, hi] has been received; the ring needs no shifting. */
struct gcm_stream {
	uint32_t ssrc;
	uint64_t hi;
	uint64_t seen[WINDOW_WORDS];
};

struct srtp_gcm {
	EVP_CIPHER_CTX *ctx; /* key schedule set once; each packet sets the IV only */
	uint8_t salt[SRTP_GCM_SALT_LEN];
	bool inbound;
	unsigned n_streams, cap_streams;
	unsigned last; /* index of the stream hit last: consecutive packets share an SSRC */
	struct gcm_stream *streams;
};

/* The AES-128-GCM method every session uses. OpenSSL 3.0 runs EVP_aes_128_gcm() through its
 * provider layer, which turns each per-packet call (setting the IV, which asks the provider
 * for the IV length; fetching the tag) into OSSL_PARAM lists matched by strcmp: callgrind
 * counted ~1 350 of the ~4 800 instructions of one 1 200-byte packet's protect there, about
 * 17 % of lumen's user-space instructions on the forwarding path (tools/bench/callgrind.sh).
 * A duplicate of the same cipher's method table is a "legacy" method to EVP: its calls go
 * straight to libcrypto's AES-GCM code (the same AES-NI/PCLMUL assembly) with no parameter
 * lists. The duplicate is made once and lives as long as the process. If OpenSSL refuses it
 * (a provider-only build), or LUMEN_SRTP_GCM_PROVIDER=1 is set (for A/B measurements), the
 * provider's method is used: the same bytes, only slower. test_srtp_gcm checks both give the
 * RFC 7714 vectors. */
static const EVP_CIPHER *gcm_method;

static void gcm_method_init(void)
{
	const char *v = getenv("LUMEN_SRTP_GCM_PROVIDER");

	if (!(v && strcmp(v, "1") == 0))
		gcm_method = EVP_CIPHER_meth_dup(EVP_aes_128_gcm());
	if (!gcm_method)
		gcm_method = EVP_aes_128_gcm();
}

static const EVP_CIPHER *gcm_cipher(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, gcm_method_init);
	return gcm_method;
}

bool srtp_gcm_uses_provider(void)
{
	return gcm_cipher() == EVP_aes_128_gcm();
}

/* RFC 3711 4.3.3: the AES-CM PRF's first block for a label, key derivation rate 0. The master
 * salt is placed in the first 14 bytes of the counter block (12-byte GCM salts zero-padded, as
 * libsrtp2 does), the label XORed into byte 7, the block counter (0) in bytes 14..15. */
static int prf_block(const uint8_t *master, uint8_t label, uint8_t out[16])
{
	uint8_t in[16] = {0};
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, n2 = 0, rc = -EIO;

	if (!c)
		return -EIO;
	memcpy(in, master + SRTP_GCM_KEY_LEN, SRTP_GCM_SALT_LEN);
	in[7] ^= label;
	if (EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, master, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1 || EVP_EncryptUpdate(c, out, &n, in, 16) != 1 ||
	    EVP_EncryptFinal_ex(c, out + n, &n2) != 1 || n + n2 != 16)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int srtp_gcm_derive(const uint8_t master[SRTP_GCM_KEY_LEN + SRTP_GCM_SALT_LEN],
                    uint8_t key[SRTP_GCM_KEY_LEN], uint8_t salt[SRTP_GCM_SALT_LEN])
{
	uint8_t block[16];
	int rc;

	rc = prf_block(master, 0x00, block); /* SRTP encryption key */
	if (rc < 0)
		goto out;
	memcpy(key, block, SRTP_GCM_KEY_LEN);
	rc = prf_block(master, 0x02, block); /* SRTP salting key */
	if (rc < 0)
		goto out;
	memcpy(salt, block, SRTP_GCM_SALT_LEN);
out:
	OPENSSL_cleanse(block, sizeof(block));
	return rc;
}

struct srtp_gcm *srtp_gcm_new_session(const uint8_t key[SRTP_GCM_KEY_LEN],
                                      const uint8_t salt[SRTP_GCM_SALT_LEN], bool inbound)
{
	struct srtp_gcm *g = calloc(1, sizeof(*g));
	int ok;

	if (!g)
		return NULL;
	g->inbound = inbound;
	memcpy(g->salt, salt, SRTP_GCM_SALT_LEN);
	g->ctx = EVP_CIPHER_CTX_new();
	if (!g->ctx)
		goto fail;
	/* The default IV length of GCM in EVP is 12 bytes, which is RFC 7714's. */
	ok = inbound ? EVP_DecryptInit_ex(g->ctx, gcm_cipher(), NULL, key, NULL)
	             : EVP_EncryptInit_ex(g->ctx, gcm_cipher(), NULL, key, NULL);
	if (ok != 1)
		goto fail;
	return g;
fail:
	srtp_gcm_free(g);
	return NULL;
}

struct srtp_gcm *srtp_gcm_new(const uint8_t master[SRTP_GCM_KEY_LEN + SRTP_GCM_SALT_LEN],
                              bool inbound)
{
	uint8_t key[SRTP_GCM_KEY_LEN], salt[SRTP_GCM_SALT_LEN];
	struct srtp_gcm *g = NULL;

	if (srtp_gcm_derive(master, key, salt) == 0)
		g = srtp_gcm_new_session(key, salt, inbound);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(salt, sizeof(salt));
	return g;
}

void srtp_gcm_free(struct srtp_gcm *g)
{
	if (!g)
		return;
	EVP_CIPHER_CTX_free(g->ctx); /* cleanses the key schedule */
	OPENSSL_cleanse(g->salt, sizeof(g->salt));
	free(g->streams);
	free(g);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Length of the RTP header the packet claims (fixed part, CSRCs, extension), or 0 if it runs
 * past `len` or the version is not 2. */
static size_t header_len(const uint8_t *buf, size_t len)
{
	size_t h = 12 + 4 * (size_t)(buf[0] & 0x0f);

	if ((buf[0] >> 6) != 2 || h > len)
		return 0;
	if (buf[0] & 0x10) {
		if (h + 4 > len)
			return 0;
		h += 4 + 4 * (size_t)((buf[h + 2] << 8) | buf[h + 3]);
		if (h > len)
			return 0;
	}
	return h;
}

static struct gcm_stream *find_stream(struct srtp_gcm *g, uint32_t ssrc)
{
	if (g->last < g->n_streams && g->streams[g->last].ssrc == ssrc)
		return &g->streams[g->last];
	for (unsigned i = 0; i < g->n_streams; i++) {
		if (g->streams[i].ssrc == ssrc) {
			g->last = i;
			return &g->streams[i];
		}
	}
	return NULL;
}

/* A new stream whose first packet has index idx. NULL at the cap or without memory. */
static struct gcm_stream *add_stream(struct srtp_gcm *g, uint32_t ssrc, uint64_t idx)
{
	struct gcm_stream *s;

	if (g->n_streams == g->cap_streams) {
		unsigned cap = g->cap_streams ? g->cap_streams * 2 : 4;
		struct gcm_stream *ns;

		if (g->n_streams >= SRTP_GCM_MAX_STREAMS)
			return NULL;
		if (cap > SRTP_GCM_MAX_STREAMS)
			cap = SRTP_GCM_MAX_STREAMS;
		ns = realloc(g->streams, cap * sizeof(*ns));
		if (!ns)
			return NULL;
		g->streams = ns;
		g->cap_streams = cap;
	}
	g->last = g->n_streams++;
	s = &g->streams[g->last];
	memset(s, 0, sizeof(*s));
	s->ssrc = ssrc;
	s->hi = idx;
	s->seen[(idx % SRTP_GCM_WINDOW) / 64] = 1ull << (idx % 64);
	return s;
}

/* RFC 3711 Appendix A: the index of `seq` given the highest index so far, choosing among ROC-1,
 * ROC and ROC+1 the one that puts it closest. Returns -1 when that would need ROC 2^32 (the key
 * is used up) or ROC -1 (a packet from before the stream's first: treated as ROC 0). */
static int64_t estimate_index(uint64_t hi, uint16_t seq)
{
	uint64_t roc = hi >> 16;
	uint16_t s_l = (uint16_t)hi;
	uint64_t v = roc;

	if (s_l < 32768) {
		if (seq > s_l && seq - s_l > 32768 && roc > 0)
			v = roc - 1;
	} else if (seq < s_l - 32768) {
		v = roc + 1;
	}
	if (v > UINT32_MAX)
		return -1;
	return (int64_t)(v << 16 | seq);
}

static void make_iv(const struct srtp_gcm *g, const uint8_t *hdr, uint64_t idx, uint8_t iv[12])
{
	/* 0x0000 || SSRC || ROC || SEQ: the SSRC sits at bytes 8..11 of the header, the index's 48
	 * bits (ROC, SEQ) are big-endian. */
	uint8_t b[12] = {0, 0, hdr[8], hdr[9], hdr[10], hdr[11], (uint8_t)(idx >> 40),
			 (uint8_t)(idx >> 32), (uint8_t)(idx >> 24), (uint8_t)(idx >> 16),
			 (uint8_t)(idx >> 8), (uint8_t)idx};
	uint64_t a, s;
	uint32_t c, t;

	/* XOR with the salt as one 8-byte and one 4-byte word: byte loops cost about 120
	 * instructions per packet (callgrind), the IV being made for every packet sent. */
	memcpy(&a, b, 8);
	memcpy(&s, g->salt, 8);
	a ^= s;
	memcpy(iv, &a, 8);
	memcpy(&c, b + 8, 4);
	memcpy(&t, g->salt + 8, 4);
	c ^= t;
	memcpy(iv + 8, &c, 4);
}

int srtp_gcm_protect(struct srtp_gcm *g, uint8_t *buf, size_t *len)
{
	size_t h = header_len(buf, *len), plen;
	uint32_t ssrc = rd32(buf + 8);
	uint16_t seq = (uint16_t)(buf[2] << 8 | buf[3]);
	struct gcm_stream *s;
	uint8_t iv[12];
	int64_t idx;
	int n = 0;

	if (g->inbound || h == 0 || *len > INT_MAX)
		return -EINVAL;
	s = find_stream(g, ssrc);
	if (s) {
		idx = estimate_index(s->hi, seq);
		if (idx < 0)
			return -EKEYEXPIRED;
		/* A retransmission may repeat a recent index (the same packet, the same IV, so the
		 * same ciphertext: nothing leaks); an index older than the window is refused, as
		 * libsrtp2 does. */
		if ((uint64_t)idx + SRTP_GCM_WINDOW <= s->hi)
			return -EALREADY;
	} else {
		idx = seq; /* ROC starts at 0 (RFC 3711 3.3.1) */
		s = add_stream(g, ssrc, (uint64_t)idx);
		if (!s)
			return -EIO;
	}
	plen = *len - h;
	make_iv(g, buf, (uint64_t)idx, iv);
	if (EVP_EncryptInit_ex(g->ctx, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(g->ctx, NULL, &n, buf, (int)h) != 1 ||
	    EVP_EncryptUpdate(g->ctx, buf + h, &n, buf + h, (int)plen) != 1 ||
	    EVP_EncryptFinal_ex(g->ctx, buf + h + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_GCM_GET_TAG, SRTP_GCM_TAG_LEN, buf + *len) != 1)
		return -EIO;
	if ((uint64_t)idx > s->hi)
		s->hi = (uint64_t)idx;
	*len += SRTP_GCM_TAG_LEN;
	return 0;
}

static bool window_seen(const struct gcm_stream *s, uint64_t idx)
{
	unsigned bit = (unsigned)(idx % SRTP_GCM_WINDOW);

	return s->seen[bit / 64] >> (bit % 64) & 1;
}

/* Record an authenticated index: a new highest clears the ring slots between the old highest
 * and it (they now stand for indices not received yet). */
static void window_add(struct gcm_stream *s, uint64_t idx)
{
	unsigned bit;

	if (idx > s->hi) {
		uint64_t d = idx - s->hi;

		if (d >= SRTP_GCM_WINDOW) {
			memset(s->seen, 0, sizeof(s->seen));
		} else {
			for (uint64_t i = s->hi + 1; i < idx; i++) {
				bit = (unsigned)(i % SRTP_GCM_WINDOW);
				s->seen[bit / 64] &= ~(1ull << (bit % 64));
			}
		}
		s->hi = idx;
	}
	bit = (unsigned)(idx % SRTP_GCM_WINDOW);
	s->seen[bit / 64] |= 1ull << (bit % 64);
}

int srtp_gcm_unprotect(struct srtp_gcm *g, uint8_t *buf, size_t *len)
{
	size_t h, clen;
	uint32_t ssrc;
	uint16_t seq;
	struct gcm_stream *s;
	uint8_t iv[12];
	int64_t idx;
	int n = 0;

	if (!g->inbound || *len < 12 + SRTP_GCM_TAG_LEN || *len > INT_MAX)
		return -EINVAL;
	h = header_len(buf, *len - SRTP_GCM_TAG_LEN);
	if (h == 0)
		return -EINVAL;
	ssrc = rd32(buf + 8);
	seq = (uint16_t)(buf[2] << 8 | buf[3]);
	s = find_stream(g, ssrc);
	if (s) {
		idx = estimate_index(s->hi, seq);
		if (idx < 0)
			return -EKEYEXPIRED;
		/* Only an index at or below the highest can be a replay: the ring slot of a newer
		 * one still holds the bit of the index SRTP_GCM_WINDOW before it. */
		if ((uint64_t)idx <= s->hi && (s->hi - (uint64_t)idx >= SRTP_GCM_WINDOW ||
		                               window_seen(s, (uint64_t)idx)))
			return -EALREADY;
	} else {
		idx = seq;
	}
	clen = *len - h - SRTP_GCM_TAG_LEN;
	make_iv(g, buf, (uint64_t)idx, iv);
	if (EVP_DecryptInit_ex(g->ctx, NULL, NULL, NULL, iv) != 1 ||
	    EVP_DecryptUpdate(g->ctx, NULL, &n, buf, (int)h) != 1 ||
	    EVP_DecryptUpdate(g->ctx, buf + h, &n, buf + h, (int)clen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_GCM_SET_TAG, SRTP_GCM_TAG_LEN, buf + h + clen) != 1)
		return -EIO;
	if (EVP_DecryptFinal_ex(g->ctx, buf + h + n, &n) != 1)
		return -EBADMSG;
	/* Authenticated: only now may the packet create a stream or move a window. */
	if (s) {
		window_add(s, (uint64_t)idx);
	} else if (!add_stream(g, ssrc, (uint64_t)idx)) {
		return -EIO;
	}
	*len -= SRTP_GCM_TAG_LEN;
	return 0;
}
