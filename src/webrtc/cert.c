/* cert.c -- ECDSA P-256 self-signed certificate generation, PEM loading, SDP fingerprints.
 *
 * Trust in WebRTC comes from the fingerprint signalled in the SDP, not from a CA: the peer's
 * certificate is accepted iff its digest equals the a=fingerprint value. Not in scope: chains,
 * revocation, validity dates (browsers ignore them for DTLS-SRTP too). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <glib.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "webrtc/cert.h"

struct lumen_cert {
	X509 *x509;
	EVP_PKEY *key;
	char fingerprint[LUMEN_CERT_FP_MAX];
};

static const struct {
	const char *sdp_name;
	const char *ossl_name;
} hashes[] = {
    {"sha-1", "SHA1"},     {"sha-224", "SHA224"}, {"sha-256", "SHA256"},
    {"sha-384", "SHA384"}, {"sha-512", "SHA512"},
};

static const EVP_MD *md_for(const char *alg)
{
	if (!alg)
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(hashes); i++) {
		if (g_ascii_strcasecmp(alg, hashes[i].sdp_name) == 0)
			return EVP_get_digestbyname(hashes[i].ossl_name);
	}
	return NULL;
}

static int finish(struct lumen_cert *c)
{
	int n =
	    lumen_cert_fingerprint_x509(c->x509, "sha-256", c->fingerprint, sizeof(c->fingerprint));
	return n < 0 ? n : 0;
}

void lumen_cert_free(struct lumen_cert *c)
{
	if (!c)
		return;
	X509_free(c->x509);
	EVP_PKEY_free(c->key);
	g_free(c);
}

static int set_serial(X509 *x)
{
	uint8_t raw[8];
	BIGNUM *bn = NULL;
	int ok = 0;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return 0;
	raw[0] &= 0x7f; /* positive, as RFC 5280 requires */
	bn = BN_bin2bn(raw, sizeof(raw), NULL);
	if (bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		ok = 1;
	BN_free(bn);
	return ok;
}

struct lumen_cert *lumen_cert_new(void)
{
	struct lumen_cert *c = g_new0(struct lumen_cert, 1);
	X509_NAME *name;

	c->key = EVP_EC_gen("P-256");
	c->x509 = X509_new();
	if (!c->key || !c->x509)
		goto fail;
	if (!X509_set_version(c->x509, 2) || !set_serial(c->x509))
		goto fail;
	if (!X509_gmtime_adj(X509_getm_notBefore(c->x509), -24L * 3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(c->x509), 365L * 24 * 3600))
		goto fail;
	name = X509_get_subject_name(c->x509);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"lumen",
	                                -1, -1, 0))
		goto fail;
	if (!X509_set_issuer_name(c->x509, name) || !X509_set_pubkey(c->x509, c->key))
		goto fail;
	if (X509_sign(c->x509, c->key, EVP_sha256()) <= 0)
		goto fail;
	if (finish(c) < 0)
		goto fail;
	return c;
fail:
	lumen_cert_free(c);
	return NULL;
}

static int open_pem(const char *path, FILE **f)
{
	*f = fopen(path, "r");
	return *f ? 0 : -errno;
}

int lumen_cert_load_pem(const char *cert_path, const char *key_path, struct lumen_cert **out)
{
	struct lumen_cert *c = g_new0(struct lumen_cert, 1);
	FILE *f = NULL;
	int rc;

	*out = NULL;
	rc = open_pem(cert_path, &f);
	if (rc < 0)
		goto fail;
	c->x509 = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	rc = open_pem(key_path, &f);
	if (rc < 0)
		goto fail;
	c->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	rc = -EINVAL;
	if (!c->x509 || !c->key)
		goto fail;
	rc = -EKEYREJECTED;
	if (X509_check_private_key(c->x509, c->key) != 1)
		goto fail;
	rc = finish(c);
	if (rc < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	ERR_clear_error();
	lumen_cert_free(c);
	return rc;
}

const char *lumen_cert_fingerprint(const struct lumen_cert *c)
{
	return c->fingerprint;
}

X509 *lumen_cert_x509(const struct lumen_cert *c)
{
	return c->x509;
}

EVP_PKEY *lumen_cert_key(const struct lumen_cert *c)
{
	return c->key;
}

int lumen_cert_fingerprint_x509(X509 *x, const char *alg, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	const EVP_MD *md = md_for(alg);
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!md || !x)
		return -EINVAL;
	if (X509_digest(x, md, d, &n) != 1 || n == 0)
		return -EIO;
	if (size < (size_t)n * 3)
		return -ENOSPC;
	for (unsigned int i = 0; i < n; i++) {
		out[i * 3] = hex[d[i] >> 4];
		out[i * 3 + 1] = hex[d[i] & 0xf];
		out[i * 3 + 2] = i + 1 < n ? ':' : '\0';
	}
	return (int)(n * 3 - 1);
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int lumen_cert_fingerprint_parse(const char *text, uint8_t *out, size_t size)
{
	size_t n = 0;
	const char *p = text;

	if (!text || !*text)
		return -EINVAL;
	for (;;) {
		int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (n == size)
			return -ENOSPC;
		out[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (*p == '\0')
			break;
		if (*p != ':')
			return -EINVAL;
		p++;
	}
	return (int)n;
}

int lumen_cert_fingerprint_check(X509 *x, const char *alg, const char *expected)
{
	const EVP_MD *md = md_for(alg);
	unsigned char want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int len;

	if (!md || !x)
		return -EINVAL;
	len = lumen_cert_fingerprint_parse(expected, want, sizeof(want));
	if (len < 0 || len != EVP_MD_get_size(md))
		return -EINVAL;
	if (X509_digest(x, md, got, &n) != 1 || n != (unsigned int)len)
		return -EINVAL;
	return CRYPTO_memcmp(want, got, n) == 0 ? 0 : -EKEYREJECTED;
}
