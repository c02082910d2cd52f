/* plugin/sign.h -- detached Ed25519 signatures of plugin files.
 *
 * NAME.so.sig holds the raw 64-byte Ed25519 signature (RFC 8032) of the exact bytes of NAME.so,
 * as written by `openssl pkeyutl -sign -rawin -inkey key.pem -in NAME.so -out NAME.so.sig`.
 * Trusted keys are PEM "PUBLIC KEY" files (openssl pkey -pubout). A keyring is immutable once
 * loaded; verification uses OpenSSL 3 (EVP_DigestVerify with no digest, as Ed25519 requires).
 * Any thread for a given keyring once loaded; loading reads files (control thread). */
#ifndef LUMEN_PLUGIN_SIGN_H
#define LUMEN_PLUGIN_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LUMEN_SIG_LEN         64
#define LUMEN_PLUGIN_MAX_SIZE (256u << 20) /* largest plugin file read for verification */

struct lumen_keyring;

/* Loads every PEM public key in files (NULL-terminated). Returns a keyring, or NULL with *err
 * ("trusted key FILE: why") if a file is unreadable or not an Ed25519 public key. */
struct lumen_keyring *lumen_keyring_load(char *const *files, char **err);
void lumen_keyring_free(struct lumen_keyring *kr); /* NULL ok */
size_t lumen_keyring_size(const struct lumen_keyring *kr);

/* True if sig is a valid signature of data[0..len) by one of the keys. */
bool lumen_keyring_verify(const struct lumen_keyring *kr, const uint8_t *data, size_t len,
                          const uint8_t *sig, size_t sig_len);

/* Reads path and path.sig and verifies them. Returns 0 with *image and *len set to the file's bytes
 * (g_free them; load exactly these), or a negative errno with *err: -ENOENT "no signature file
 * PATH.sig", -EINVAL "signature file is N bytes, expected 64", -EPERM "signature does not
 * match any trusted key", -EIO or -EFBIG for unreadable or oversized files. */
int lumen_keyring_verify_file(const struct lumen_keyring *kr, const char *path, uint8_t **image,
                              size_t *len, char **err);

#endif
