/* plugin/sign.c -- Ed25519 public keys from PEM files and detached signature checks (OpenSSL 3).
 *
 * Pure Ed25519 (not Ed25519ph) signs the message itself, so the whole file is verified in one
 * EVP_DigestVerify call with a NULL digest. The file is read once; the caller loads those bytes. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "sign.h"

struct lumen_keyring {
	GPtrArray *keys; /* EVP_PKEY * */
};

static void free_key(gpointer p)
{
	EVP_PKEY_free(p);
}

static char *ssl_error(void)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	ERR_clear_error();
	if (!e)
		return g_strdup("no PEM public key found");
	ERR_error_string_n(e, buf, sizeof(buf));
	return g_strdup(buf);
}

static EVP_PKEY *load_key(const char *file, char **err)
{
	FILE *f = fopen(file, "r");
	EVP_PKEY *k;

	if (!f) {
		*err = g_strdup_printf("trusted key %s: %s", file, g_strerror(errno));
		return NULL;
	}
	k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!k) {
		char *why = ssl_error();
		*err = g_strdup_printf("trusted key %s: not a PEM public key (%s)", file, why);
		g_free(why);
		return NULL;
	}
	if (!EVP_PKEY_is_a(k, "ED25519")) {
		*err = g_strdup_printf("trusted key %s: a %s key, not Ed25519", file,
		                       EVP_PKEY_get0_type_name(k));
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

struct lumen_keyring *lumen_keyring_load(char *const *files, char **err)
{
	struct lumen_keyring *kr = g_new0(struct lumen_keyring, 1);

	kr->keys = g_ptr_array_new_with_free_func(free_key);
	for (size_t i = 0; files && files[i]; i++) {
		EVP_PKEY *k = load_key(files[i], err);
		if (!k)
			goto fail;
		g_ptr_array_add(kr->keys, k);
	}
	return kr;
fail:
	lumen_keyring_free(kr);
	return NULL;
}

void lumen_keyring_free(struct lumen_keyring *kr)
{
	if (!kr)
		return;
	if (kr->keys)
		g_ptr_array_free(kr->keys, TRUE);
	g_free(kr);
}

size_t lumen_keyring_size(const struct lumen_keyring *kr)
{
	return kr->keys->len;
}

static bool verify_one(EVP_PKEY *k, const uint8_t *data, size_t len, const uint8_t *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = false;

	if (ctx && EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, k, NULL) == 1)
		ok = EVP_DigestVerify(ctx, sig, LUMEN_SIG_LEN, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

bool lumen_keyring_verify(const struct lumen_keyring *kr, const uint8_t *data, size_t len,
                          const uint8_t *sig, size_t sig_len)
{
	if (sig_len != LUMEN_SIG_LEN)
		return false;
	for (guint i = 0; i < kr->keys->len; i++)
		if (verify_one(g_ptr_array_index(kr->keys, i), data, len, sig))
			return true;
	return false;
}

/* Reads a whole file of at most max bytes. */
static int read_file(const char *path, size_t max, uint8_t **out, size_t *len, char **err)
{
	GError *gerr = NULL;
	gchar *buf = NULL;
	gsize n = 0;
	GStatBuf st;

	if (g_stat(path, &st) < 0) {
		int e = errno;
		*err = g_strdup_printf("%s: %s", path, g_strerror(e));
		return -e;
	}
	if ((guint64)st.st_size > max) {
		*err = g_strdup_printf("%s: larger than %zu bytes", path, max);
		return -EFBIG;
	}
	if (!g_file_get_contents(path, &buf, &n, &gerr)) {
		*err = g_strdup(gerr->message);
		g_error_free(gerr);
		return -EIO;
	}
	*out = (uint8_t *)buf;
	*len = n;
	return 0;
}

int lumen_keyring_verify_file(const struct lumen_keyring *kr, const char *path, uint8_t **image,
                              size_t *len, char **err)
{
	char *sig_path = g_strconcat(path, ".sig", NULL);
	uint8_t *sig = NULL, *data = NULL;
	size_t sig_len = 0, n = 0;
	int ret;

	ret = read_file(sig_path, 4096, &sig, &sig_len, err);
	if (ret == -ENOENT) {
		g_free(*err);
		*err = g_strdup_printf("no signature file %s", sig_path);
	}
	if (ret < 0)
		goto fail;
	if (sig_len != LUMEN_SIG_LEN) {
		*err = g_strdup_printf("signature file %s is %zu bytes, expected %d (raw Ed25519)",
		                       sig_path, sig_len, LUMEN_SIG_LEN);
		ret = -EINVAL;
		goto fail;
	}
	ret = read_file(path, LUMEN_PLUGIN_MAX_SIZE, &data, &n, err);
	if (ret < 0)
		goto fail;
	if (!lumen_keyring_verify(kr, data, n, sig, sig_len)) {
		*err = g_strdup_printf("signature %s does not match any trusted key", sig_path);
		ret = -EPERM;
		goto fail;
	}
	*image = data;
	*len = n;
	data = NULL;
	ret = 0;
fail:
	g_free(data);
	g_free(sig);
	g_free(sig_path);
	return ret;
}
