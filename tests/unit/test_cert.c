/* test_cert.c -- certificate generation, fingerprint format and checks, PEM loading. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include "webrtc/cert.h"

static void expect_fp_format(const char *fp, size_t bytes)
{
	cr_assert_eq(strlen(fp), bytes * 3 - 1, "%s", fp);
	for (size_t i = 0; i < bytes * 3 - 1; i++) {
		if (i % 3 == 2)
			cr_assert_eq(fp[i], ':', "at %zu in %s", i, fp);
		else
			cr_assert(strchr("0123456789ABCDEF", fp[i]) != NULL, "at %zu in %s", i, fp);
	}
}

Test(cert_new, generates_a_self_signed_ecdsa_p256_certificate)
{
	struct lumen_cert *c = lumen_cert_new();
	char group[32];
	size_t glen = 0;

	cr_assert_not_null(c);
	EVP_PKEY *key = lumen_cert_key(c);
	X509 *x = lumen_cert_x509(c);
	cr_assert_eq(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
	cr_assert_eq(EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &glen), 1);
	cr_expect_str_eq(group, "prime256v1");
	cr_expect_eq(X509_check_private_key(x, key), 1);
	cr_expect_eq(X509_verify(x, key), 1, "self-signed: verifies with its own key");
	cr_expect_eq(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
	cr_expect_lt(X509_cmp_current_time(X509_get0_notBefore(x)), 0);
	cr_expect_gt(X509_cmp_current_time(X509_get0_notAfter(x)), 0);
	lumen_cert_free(c);
}

Test(cert_new, each_certificate_is_distinct)
{
	struct lumen_cert *a = lumen_cert_new(), *b = lumen_cert_new();

	cr_assert(a && b);
	cr_expect_str_neq(lumen_cert_fingerprint(a), lumen_cert_fingerprint(b));
	lumen_cert_free(a);
	lumen_cert_free(b);
	lumen_cert_free(NULL);
}

Test(cert_fingerprint, is_uppercase_sha256_hex_pairs_joined_by_colons)
{
	struct lumen_cert *c = lumen_cert_new();
	unsigned char d[32];
	unsigned int n = 0;
	char want[LUMEN_CERT_FP_MAX];

	cr_assert_not_null(c);
	expect_fp_format(lumen_cert_fingerprint(c), 32);
	cr_expect_eq(strlen(lumen_cert_fingerprint(c)), LUMEN_CERT_FP_SHA256_LEN);
	/* independent computation of the same digest */
	cr_assert_eq(X509_digest(lumen_cert_x509(c), EVP_sha256(), d, &n), 1);
	for (unsigned i = 0; i < n; i++)
		snprintf(want + i * 3, 4, i + 1 < n ? "%02X:" : "%02X", d[i]);
	cr_expect_str_eq(lumen_cert_fingerprint(c), want);
	lumen_cert_free(c);
}

Test(cert_fingerprint, other_hashes_have_their_lengths)
{
	struct lumen_cert *c = lumen_cert_new();
	char fp[LUMEN_CERT_FP_MAX];
	const struct {
		const char *alg;
		size_t bytes;
	} rows[] = {{"sha-1", 20}, {"SHA-224", 28}, {"sha-384", 48}, {"sha-512", 64}};

	for (size_t i = 0; i < 4; i++) {
		int n =
		    lumen_cert_fingerprint_x509(lumen_cert_x509(c), rows[i].alg, fp, sizeof(fp));
		cr_assert_eq(n, (int)(rows[i].bytes * 3 - 1), "%s", rows[i].alg);
		expect_fp_format(fp, rows[i].bytes);
	}
	cr_expect_eq(lumen_cert_fingerprint_x509(lumen_cert_x509(c), "md5", fp, sizeof(fp)),
	             -EINVAL);
	cr_expect_eq(lumen_cert_fingerprint_x509(lumen_cert_x509(c), "sha-256", fp, 95), -ENOSPC);
	lumen_cert_free(c);
}

Test(cert_fingerprint_check, matches_own_fingerprint_in_any_case)
{
	struct lumen_cert *c = lumen_cert_new();
	char lower[LUMEN_CERT_FP_MAX];

	strcpy(lower, lumen_cert_fingerprint(c));
	for (char *p = lower; *p; p++)
		*p = (char)g_ascii_tolower(*p);
	cr_expect_eq(
	    lumen_cert_fingerprint_check(lumen_cert_x509(c), "sha-256", lumen_cert_fingerprint(c)),
	    0);
	cr_expect_eq(lumen_cert_fingerprint_check(lumen_cert_x509(c), "SHA-256", lower), 0);
	lumen_cert_free(c);
}

Test(cert_fingerprint_check, rejects_another_certificate_distinctly)
{
	struct lumen_cert *a = lumen_cert_new(), *b = lumen_cert_new();
	char fp[LUMEN_CERT_FP_MAX];

	cr_expect_eq(
	    lumen_cert_fingerprint_check(lumen_cert_x509(a), "sha-256", lumen_cert_fingerprint(b)),
	    -EKEYREJECTED);
	/* one nibble off */
	strcpy(fp, lumen_cert_fingerprint(a));
	fp[94] = fp[94] == 'A' ? 'B' : 'A';
	cr_expect_eq(lumen_cert_fingerprint_check(lumen_cert_x509(a), "sha-256", fp),
	             -EKEYREJECTED);
	lumen_cert_free(a);
	lumen_cert_free(b);
}

Test(cert_fingerprint_check, refuses_malformed_text_and_unknown_hashes)
{
	struct lumen_cert *c = lumen_cert_new();
	X509 *x = lumen_cert_x509(c);
	char fp[LUMEN_CERT_FP_MAX];

	strcpy(fp, lumen_cert_fingerprint(c));
	cr_expect_eq(lumen_cert_fingerprint_check(x, "md5", fp), -EINVAL);
	cr_expect_eq(lumen_cert_fingerprint_check(x, NULL, fp), -EINVAL);
	cr_expect_eq(lumen_cert_fingerprint_check(x, "sha-256", ""), -EINVAL);
	cr_expect_eq(lumen_cert_fingerprint_check(x, "sha-256", NULL), -EINVAL);
	cr_expect_eq(lumen_cert_fingerprint_check(x, "sha-1", fp), -EINVAL, "wrong length");
	fp[2] = '-';
	cr_expect_eq(lumen_cert_fingerprint_check(x, "sha-256", fp), -EINVAL);
	strcpy(fp, lumen_cert_fingerprint(c));
	fp[94] = '\0'; /* odd digit count */
	cr_expect_eq(lumen_cert_fingerprint_check(x, "sha-256", fp), -EINVAL);
	strcpy(fp, lumen_cert_fingerprint(c));
	strcat(fp, ":");
	cr_expect_eq(lumen_cert_fingerprint_check(x, "sha-256", fp), -EINVAL);
	lumen_cert_free(c);
}

Test(cert_fingerprint_parse, parses_pairs_and_bounds_the_output)
{
	uint8_t out[4];

	cr_expect_eq(lumen_cert_fingerprint_parse("0a:FF:1b", out, sizeof(out)), 3);
	cr_expect(out[0] == 0x0a && out[1] == 0xff && out[2] == 0x1b);
	cr_expect_eq(lumen_cert_fingerprint_parse("00:00:00:00:00", out, sizeof(out)), -ENOSPC);
	cr_expect_eq(lumen_cert_fingerprint_parse("0g", out, sizeof(out)), -EINVAL);
	cr_expect_eq(lumen_cert_fingerprint_parse("00::00", out, sizeof(out)), -EINVAL);
	cr_expect_eq(lumen_cert_fingerprint_parse("000", out, sizeof(out)), -EINVAL);
}

static char tmpdir[] = "/tmp/test_cert.XXXXXX";

static void write_pem(const char *path, X509 *x, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	if (x)
		cr_assert_eq(PEM_write_X509(f, x), 1);
	if (key)
		cr_assert_eq(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
}

static void make_tmpdir(void)
{
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_expect_eq(system(cmd), 0);
}

Test(cert_load_pem, loads_a_written_pair_with_the_same_fingerprint, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
	struct lumen_cert *gen = lumen_cert_new(), *loaded = NULL;
	char cpath[256], kpath[256];

	snprintf(cpath, sizeof(cpath), "%s/cert.pem", tmpdir);
	snprintf(kpath, sizeof(kpath), "%s/key.pem", tmpdir);
	write_pem(cpath, lumen_cert_x509(gen), NULL);
	write_pem(kpath, NULL, lumen_cert_key(gen));
	cr_assert_eq(lumen_cert_load_pem(cpath, kpath, &loaded), 0);
	cr_expect_str_eq(lumen_cert_fingerprint(loaded), lumen_cert_fingerprint(gen));
	lumen_cert_free(loaded);
	lumen_cert_free(gen);
}

Test(cert_load_pem, reports_missing_files_garbage_and_mismatched_keys, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
	struct lumen_cert *a = lumen_cert_new(), *b = lumen_cert_new(), *out = (void *)1;
	char cpath[256], kpath[256], junk[256];
	FILE *f;

	snprintf(cpath, sizeof(cpath), "%s/cert.pem", tmpdir);
	snprintf(kpath, sizeof(kpath), "%s/key.pem", tmpdir);
	snprintf(junk, sizeof(junk), "%s/junk.pem", tmpdir);
	write_pem(cpath, lumen_cert_x509(a), NULL);
	write_pem(kpath, NULL, lumen_cert_key(b));
	f = fopen(junk, "w");
	fputs("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n", f);
	fclose(f);

	cr_expect_eq(lumen_cert_load_pem("/nonexistent/cert.pem", kpath, &out), -ENOENT);
	cr_expect_null(out);
	cr_expect_eq(lumen_cert_load_pem(cpath, "/nonexistent/key.pem", &out), -ENOENT);
	cr_expect_eq(lumen_cert_load_pem(junk, kpath, &out), -EINVAL);
	cr_expect_eq(lumen_cert_load_pem(cpath, junk, &out), -EINVAL);
	cr_expect_eq(lumen_cert_load_pem(cpath, kpath, &out), -EKEYREJECTED);
	cr_expect_null(out);
	lumen_cert_free(a);
	lumen_cert_free(b);
}
