/* cert.h -- the DTLS identity of this process: an ECDSA P-256 self-signed certificate generated at
 * start (or loaded from PEM files), its SDP fingerprint, and fingerprint checks of peer
 * certificates (RFC 8122 a=fingerprint, RFC 8827 identity-by-fingerprint).
 *
 * A struct lumen_cert is built once and then only read: any thread may use it concurrently
 * (OpenSSL refcounts the X509 and key handed to each SSL_CTX). No logging: callers log codes. */
#ifndef LUMEN_WEBRTC_CERT_H
#define LUMEN_WEBRTC_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* "AB:CD:...:EF" of a SHA-256 digest: 32 bytes as uppercase hex pairs joined by colons. */
#define LUMEN_CERT_FP_SHA256_LEN 95
/* Room for the longest fingerprint we print (SHA-512: 64 * 3 - 1) plus NUL. */
#define LUMEN_CERT_FP_MAX 192

struct lumen_cert;

/* Generate a fresh ECDSA P-256 key and a self-signed X.509v3 certificate for it (CN "lumen",
 * random 64-bit serial, valid from one day ago for 365 days, signed with SHA-256).
 * Returns NULL only if OpenSSL fails. */
struct lumen_cert *lumen_cert_new(void);

/* Load a PEM certificate and its PEM private key (any key type OpenSSL signs DTLS with).
 * Returns 0 and sets *out, or: a negative errno from opening a file (-ENOENT, -EACCES...);
 * -EINVAL if a file holds no PEM certificate / private key; -EKEYREJECTED if the key does not
 * belong to the certificate. */
int lumen_cert_load_pem(const char *cert_path, const char *key_path, struct lumen_cert **out);

/* Free (NULL is fine). SSL contexts that use the certificate keep their own references. */
void lumen_cert_free(struct lumen_cert *cert);

/* The SHA-256 fingerprint for a=fingerprint ("sha-256 <this>"), LUMEN_CERT_FP_SHA256_LEN chars.
 * Owned by cert. */
const char *lumen_cert_fingerprint(const struct lumen_cert *cert);

/* Borrowed OpenSSL handles, valid as long as cert. */
X509 *lumen_cert_x509(const struct lumen_cert *cert);
EVP_PKEY *lumen_cert_key(const struct lumen_cert *cert);

/* Format the fingerprint of x with the hash named as in SDP ("sha-1", "sha-224", "sha-256",
 * "sha-384", "sha-512"; case-insensitive) into out[0..size). Returns the string length, or
 * -EINVAL for an unknown hash name, -ENOSPC if out is too small, -EIO if OpenSSL fails. */
int lumen_cert_fingerprint_x509(X509 *x, const char *alg, char *out, size_t size);

/* Parse "AB:cd:..." (hex pairs, either case, separated by single colons) into out[0..size).
 * Returns the number of bytes, or -EINVAL if malformed, -ENOSPC if longer than size. */
int lumen_cert_fingerprint_parse(const char *text, uint8_t *out, size_t size);

/* Check that x's fingerprint under alg equals expected (as in the remote SDP; any case).
 * Returns 0 on a match, -EKEYREJECTED on a mismatch, -EINVAL if alg is unknown or expected is
 * malformed or of the wrong length for alg. Constant-time in the digest comparison. */
int lumen_cert_fingerprint_check(X509 *x, const char *alg, const char *expected);

#endif
