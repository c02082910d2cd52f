/* test_plugin_host.c -- the plugin host (src/plugin/host.c, loader.c, sign.c) against real shared
 * objects built from tests/unit/plugins/ and copied into a fresh directory per test.
 *
 * A fake struct lumen_core records what the test plugins log ("init PACKAGE CONFIG", "start ...")
 * so the tests see which plugins were initialised, started, stopped and destroyed, and in which
 * order. Signatures are made at run time with a key pair generated through OpenSSL. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "log.h"
#include "plugin/host.h"

#ifndef TEST_PLUGINS_DIR
#error "TEST_PLUGINS_DIR must name the directory of the built test plugins"
#endif

static GString *events;
static GString *currents; /* lumen_plugin_host_current() at each log call */
static char *dir;
static struct lumen_config cfg;
static char *disabled[4];
static char *keys[3];

static void fake_log(const struct lumen_handle *h, enum lumen_log_severity sev, const char *fmt,
                     ...)
{
	va_list ap;
	const char *cur = lumen_plugin_host_current();
	va_start(ap, fmt);
	g_string_append_printf(currents, "%s%s", currents->len ? ";" : "", cur ? cur : "(none)");
	if (events->len)
		g_string_append_c(events, ';');
	g_string_append_vprintf(events, fmt, ap);
	va_end(ap);
}

static const struct lumen_core core = {
    .abi_version = LUMEN_PLUGIN_ABI_VERSION,
    .size = sizeof(struct lumen_core),
    .log = fake_log,
};

static void setup(void)
{
	events = g_string_new("");
	currents = g_string_new("");
	dir = g_dir_make_tmp("lumen-plugin-test-XXXXXX", NULL);
	cr_assert_not_null(dir);
	memset(&cfg, 0, sizeof(cfg));
	memset(disabled, 0, sizeof(disabled));
	memset(keys, 0, sizeof(keys));
	cfg.plugins.dir = dir;
	cfg.plugins.disabled = disabled;
	cfg.plugins.trusted_keys = keys;
	cfg.plugin_sections = json_object();
}

static void teardown(void)
{
	const char *name;
	GDir *d = g_dir_open(dir, 0, NULL);
	while (d && (name = g_dir_read_name(d))) {
		char *p = g_build_filename(dir, name, NULL);
		g_unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
	g_free(dir);
	json_decref(cfg.plugin_sections);
	g_string_free(events, TRUE);
	g_string_free(currents, TRUE);
	for (size_t i = 0; keys[i]; i++)
		g_free(keys[i]);
}

TestSuite(plugin_host, .init = setup, .fini = teardown);

/* Copies the built test plugin NAME.so into the test directory as AS.so. */
static char *install_as(const char *name, const char *as)
{
	char *src = g_strdup_printf("%s/%s.so", TEST_PLUGINS_DIR, name);
	char *dst = g_strdup_printf("%s/%s.so", dir, as);
	gchar *buf = NULL;
	gsize len = 0;
	cr_assert(g_file_get_contents(src, &buf, &len, NULL), "cannot read %s (built?)", src);
	cr_assert(g_file_set_contents(dst, buf, (gssize)len, NULL));
	g_free(buf);
	g_free(src);
	return dst;
}

static void install(const char *name)
{
	g_free(install_as(name, name));
}

static struct lumen_plugin_host *load_ok(void)
{
	char *err = NULL;
	struct lumen_plugin_host *host = lumen_plugin_host_new(&cfg, &core, NULL, &err);
	cr_assert_not_null(host, "host_new failed: %s", err ? err : "?");
	cr_assert_null(err);
	return host;
}

static char *load_fails(void)
{
	char *err = NULL;
	struct lumen_plugin_host *host = lumen_plugin_host_new(&cfg, &core, NULL, &err);
	cr_assert_null(host, "host_new should fail");
	cr_assert_not_null(err);
	return err;
}

/* The refusal reason recorded for file AS.so, or NULL. */
static char *reason_for(const struct lumen_plugin_host *host, const char *as)
{
	json_t *refused = lumen_plugin_host_refused(host), *r;
	char *file = g_strdup_printf("%s/%s.so", dir, as), *out = NULL;
	size_t i;
	json_array_foreach(refused, i, r)
	{
		if (strcmp(json_string_value(json_object_get(r, "file")), file) == 0)
			out = g_strdup(json_string_value(json_object_get(r, "reason")));
	}
	json_decref(refused);
	g_free(file);
	return out;
}

static void expect_refused(const struct lumen_plugin_host *host, const char *as, const char *why)
{
	char *reason = reason_for(host, as);
	cr_assert_not_null(reason, "%s.so should be refused", as);
	cr_expect(strstr(reason, why) != NULL, "%s.so: reason '%s' lacks '%s'", as, reason, why);
	g_free(reason);
}

static size_t n_loaded(const struct lumen_plugin_host *host)
{
	const struct lumen_loaded_plugin *const *list;
	return lumen_plugin_host_list(host, &list);
}

static bool is_loaded(const struct lumen_plugin_host *host, const char *package)
{
	const struct lumen_loaded_plugin *const *list;
	size_t n = lumen_plugin_host_list(host, &list);
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i]->desc->package, package) == 0)
			return true;
	return false;
}

Test(plugin_host, loads_a_good_plugin_and_hands_it_its_config_section)
{
	install("good");
	json_object_set_new(cfg.plugin_sections, "good", json_pack("{s:i}", "x", 1));
	struct lumen_plugin_host *host = load_ok();
	cr_expect_eq(n_loaded(host), 1);
	cr_expect_str_eq(events->str, "init lumen.test.good {\"x\":1}");
	cr_expect_null(lumen_plugin_host_find(host, "lumen.test.good"), "not started yet");

	char *err = NULL;
	cr_assert_eq(lumen_plugin_host_start(host, &err), 0);
	const struct lumen_loaded_plugin *p = lumen_plugin_host_find(host, "lumen.test.good");
	cr_assert_not_null(p);
	cr_expect(p->started);
	cr_expect_str_eq(p->desc->version, "1.2.3");
	cr_expect_null(lumen_plugin_host_find(host, "lumen.test.nope"));

	json_t *info = lumen_plugin_host_to_json(host);
	cr_assert_eq(json_array_size(info), 1);
	json_t *e = json_array_get(info, 0);
	cr_expect_str_eq(json_string_value(json_object_get(e, "package")), "lumen.test.good");
	cr_expect_str_eq(json_string_value(json_object_get(e, "version")), "1.2.3");
	cr_expect_str_eq(json_string_value(json_object_get(e, "config_section")), "good");
	cr_expect(json_is_true(json_object_get(e, "started")));
	json_decref(info);

	json_t *refused = lumen_plugin_host_refused(host);
	cr_expect_eq(json_array_size(refused), 0);
	json_decref(refused);
	lumen_plugin_host_free(host);
	cr_expect_str_eq(events->str, "init lumen.test.good {\"x\":1};start lumen.test.good;"
	                              "stop lumen.test.good;destroy lumen.test.good");
}

Test(plugin_host, runs_init_and_start_in_dependency_order_and_stop_and_destroy_in_reverse)
{
	install("dependent"); /* sorts first by name, but depends on good */
	install("good");
	struct lumen_plugin_host *host = load_ok();
	char *err = NULL;
	cr_assert_eq(lumen_plugin_host_start(host, &err), 0);
	cr_expect_eq(lumen_plugin_host_start(host, &err), -EALREADY);
	free(err);
	lumen_plugin_host_stop(host);
	lumen_plugin_host_free(host);
	cr_expect_str_eq(events->str, "init lumen.test.good null;init lumen.test.dependent null;"
	                              "start lumen.test.good;start lumen.test.dependent;"
	                              "stop lumen.test.dependent;stop lumen.test.good;"
	                              "destroy lumen.test.dependent;destroy lumen.test.good");
}

Test(plugin_host, tells_the_core_which_plugin_runs_a_lifecycle_hook)
{
	install("dependent");
	install("good");
	struct lumen_plugin_host *host = load_ok();
	char *err = NULL;
	cr_assert_eq(lumen_plugin_host_start(host, &err), 0);
	lumen_plugin_host_free(host);
	cr_expect_str_eq(currents->str, "lumen.test.good;lumen.test.dependent;lumen.test.good;"
	                                "lumen.test.dependent;lumen.test.dependent;lumen.test.good;"
	                                "lumen.test.dependent;lumen.test.good");
	cr_expect_null(lumen_plugin_host_current(), "nothing runs now");
}

Test(plugin_host, validates_a_new_config_against_the_loaded_plugins)
{
	install("good");
	install("cycle_a"); /* refused, but without a section */
	struct lumen_plugin_host *host = load_ok();
	char *err = NULL;
	json_t *old = cfg.plugin_sections;

	cfg.plugin_sections = json_pack("{s:{s:i}}", "good", "x", 2);
	cr_expect_eq(lumen_plugin_host_check_config(host, &cfg, &err), 0, "%s", err ? err : "");
	json_decref(cfg.plugin_sections);

	cfg.plugin_sections = json_pack("{s:{s:b}}", "good", "fail_init", 1);
	cr_expect_eq(lumen_plugin_host_check_config(host, &cfg, &err), -EINVAL);
	cr_assert_not_null(err);
	cr_expect(strstr(err, "lumen.test.good: bad configuration: fail_init") != NULL, "%s", err);
	free(err);
	err = NULL;
	json_decref(cfg.plugin_sections);

	cfg.plugin_sections = json_pack("{s:{}}", "other");
	cr_expect_eq(lumen_plugin_host_check_config(host, &cfg, &err), -EINVAL);
	cr_assert_not_null(err);
	cr_expect(strstr(err, "'other'") != NULL, "%s", err);
	free(err);
	json_decref(cfg.plugin_sections);
	cfg.plugin_sections = old;
	lumen_plugin_host_free(host);
	cr_expect(strstr(events->str, "fail_init") == NULL, "checking never calls init again");
}

Test(plugin_host, refuses_a_plugin_built_for_another_abi_and_loads_the_others)
{
	install("badabi");
	install("good");
	struct lumen_plugin_host *host = load_ok();
	expect_refused(host, "badabi", "bad ABI: plugin built for ABI 100, this lumen has ABI 2");
	cr_expect(is_loaded(host, "lumen.test.good"));
	cr_expect_eq(n_loaded(host), 1);
	lumen_plugin_host_free(host);
}

Test(plugin_host, refuses_bad_metadata)
{
	install("badmeta");
	struct lumen_plugin_host *host = load_ok();
	expect_refused(host, "badmeta",
	               "bad metadata: version is not a semantic version MAJOR.MINOR.PATCH: '1.2'");
	cr_expect_eq(n_loaded(host), 0);
	cr_expect_str_eq(events->str, "", "a refused plugin is never initialised");
	lumen_plugin_host_free(host);
}

Test(plugin_host, refuses_a_missing_dependency)
{
	install("missingdep");
	install("good");
	struct lumen_plugin_host *host = load_ok();
	expect_refused(host, "missingdep", "missing dependency lumen.test.ghost");
	cr_expect(is_loaded(host, "lumen.test.good"));
	lumen_plugin_host_free(host);
}

Test(plugin_host, refuses_a_dependency_outside_the_version_range)
{
	install("mismatch");
	install("good");
	struct lumen_plugin_host *host = load_ok();
	expect_refused(host, "mismatch",
	               "dependency lumen.test.good is version 1.2.3, needs >=2.0.0");
	cr_expect(is_loaded(host, "lumen.test.good"));
	lumen_plugin_host_free(host);
}

Test(plugin_host, refuses_both_plugins_of_a_dependency_cycle)
{
	install("cycle_a");
	install("cycle_b");
	install("good");
	struct lumen_plugin_host *host = load_ok();
	expect_refused(host, "cycle_a",
	               "dependency cycle: lumen.test.cycle-a -> lumen.test.cycle-b "
	               "-> lumen.test.cycle-a");
	expect_refused(host, "cycle_b", "dependency cycle");
	cr_expect_eq(n_loaded(host), 1);
	lumen_plugin_host_free(host);
}

Test(plugin_host, skips_plugins_disabled_by_file_name_or_package)
{
	install("good");
	install("dependent");
	disabled[0] = "lumen.test.dependent";
	struct lumen_plugin_host *host = load_ok();
	expect_refused(host, "dependent", "disabled in plugins.disabled");
	cr_expect(is_loaded(host, "lumen.test.good"));
	lumen_plugin_host_free(host);

	disabled[0] = "good"; /* the file stem; dependent then lacks its dependency */
	host = load_ok();
	expect_refused(host, "good", "disabled in plugins.disabled");
	expect_refused(host, "dependent", "missing dependency lumen.test.good");
	cr_expect_eq(n_loaded(host), 0);
	lumen_plugin_host_free(host);
}

Test(plugin_host, refuses_a_second_plugin_with_the_same_package)
{
	install("good");
	g_free(install_as("good", "good2"));
	struct lumen_plugin_host *host = load_ok();
	cr_expect_eq(n_loaded(host), 1);
	expect_refused(host, "good2", "duplicate package lumen.test.good");
	lumen_plugin_host_free(host);
}

Test(plugin_host, refuses_files_that_are_not_plugins)
{
	char *junk = g_build_filename(dir, "junk.so", NULL);
	cr_assert(g_file_set_contents(junk, "not an ELF file", -1, NULL));
	g_free(junk);
	install("good");
	struct lumen_plugin_host *host = load_ok();
	expect_refused(host, "junk", "cannot load");
	cr_expect_eq(n_loaded(host), 1);
	lumen_plugin_host_free(host);
}

Test(plugin_host, a_refusal_is_one_log_line_naming_the_file_and_the_reason)
{
	FILE *log = tmpfile();
	cr_assert_not_null(log);
	lumen_log_configure(LUMEN_LOG_INFO, NULL, LUMEN_LOG_TEXT);
	lumen_log_set_stream(log);
	install("badabi");
	struct lumen_plugin_host *host = load_ok();
	lumen_plugin_host_free(host);
	lumen_log_set_stream(NULL);
	rewind(log);
	char line[1024];
	int hits = 0;
	while (fgets(line, sizeof(line), log))
		if (strstr(line, "badabi.so")) {
			hits++;
			cr_expect(strstr(line, "refused") && strstr(line, "bad ABI"), "%s", line);
		}
	fclose(log);
	cr_expect_eq(hits, 1, "exactly one line names the refused file");
}

Test(plugin_host, a_config_section_no_plugin_claims_is_an_error_naming_it)
{
	install("good");
	json_object_set_new(cfg.plugin_sections, "goood", json_object());
	char *err = load_fails();
	cr_expect(strstr(err, "'goood'") != NULL, "%s", err);
	free(err);
	cr_expect_str_eq(events->str, "", "sections are checked before any init: %s", events->str);
}

Test(plugin_host, a_config_section_of_a_disabled_plugin_is_accepted)
{
	install("good");
	disabled[0] = "lumen.test.good";
	json_object_set_new(cfg.plugin_sections, "good", json_object());
	struct lumen_plugin_host *host = load_ok();
	cr_expect_eq(n_loaded(host), 0);
	lumen_plugin_host_free(host);
}

Test(plugin_host, a_failing_init_is_fatal_and_names_the_plugin)
{
	install("good");
	install("dependent");
	json_object_set_new(cfg.plugin_sections, "good", json_pack("{s:b}", "fail_init", 1));
	char *err = load_fails();
	cr_expect(strstr(err, "lumen.test.good") && strstr(err, "init failed: fail_init is set"),
	          "%s", err);
	free(err);
	cr_expect_str_eq(events->str, "init lumen.test.good {\"fail_init\":true}",
	                 "the dependent is never initialised, the failed one never destroyed");
}

Test(plugin_host, a_failing_start_is_reported_and_leaves_nothing_started)
{
	install("good");
	install("dependent");
	json_object_set_new(cfg.plugin_sections, "good", json_pack("{s:b}", "fail_start", 1));
	struct lumen_plugin_host *host = load_ok();
	char *err = NULL;
	cr_expect_eq(lumen_plugin_host_start(host, &err), -EIO);
	cr_assert_not_null(err);
	cr_expect(strstr(err, "lumen.test.good") && strstr(err, "start failed"), "%s", err);
	free(err);
	cr_expect_null(lumen_plugin_host_find(host, "lumen.test.good"));
	cr_expect_null(lumen_plugin_host_find(host, "lumen.test.dependent"));
	lumen_plugin_host_free(host);
	cr_expect_str_eq(
	    events->str,
	    "init lumen.test.good {\"fail_start\":true};init lumen.test.dependent null;"
	    "start lumen.test.good;destroy lumen.test.dependent;destroy lumen.test.good");
}

Test(plugin_host, without_a_core_only_checks_plugins_and_their_config)
{
	install("good");
	char *err = NULL;
	struct lumen_plugin_host *host = lumen_plugin_host_new(&cfg, NULL, NULL, &err);
	cr_assert_not_null(host, "%s", err ? err : "");
	cr_expect_eq(n_loaded(host), 1);
	cr_expect_eq(lumen_plugin_host_start(host, &err), -EINVAL);
	free(err);
	err = NULL;
	lumen_plugin_host_free(host);
	cr_expect_str_eq(events->str, "", "no lifecycle call in check mode");

	json_object_set_new(cfg.plugin_sections, "good", json_pack("{s:b}", "fail_init", 1));
	host = lumen_plugin_host_new(&cfg, NULL, NULL, &err);
	cr_expect_null(host);
	cr_assert_not_null(err);
	cr_expect(strstr(err, "bad configuration: fail_init: not allowed") != NULL, "%s", err);
	free(err);
}

Test(plugin_host, an_unusable_plugin_directory_is_an_error_a_missing_one_loads_nothing)
{
	struct lumen_plugin_host *host;
	char *err;

	cfg.plugins.dir = "/etc/passwd"; /* exists, but is not a directory */
	err = load_fails();
	cr_expect(strstr(err, "plugins.dir") && strstr(err, "/etc/passwd"), "%s", err);
	free(err);
	cfg.plugins.dir = "/nonexistent/lumen/plugins"; /* before `make install`: no plugins yet */
	host = load_ok();
	cr_expect_eq(n_loaded(host), 0, "a plugin directory that does not exist loads nothing");
	lumen_plugin_host_free(host);
	cfg.plugins.dir = "";
	host = load_ok();
	cr_expect_eq(n_loaded(host), 0, "an empty plugins.dir loads nothing");
	lumen_plugin_host_free(host);
}

/* ---- builtins ---- */

static int bi_attach(struct lumen_handle *h, const struct lumen_identity *who, void **state)
{
	return 0;
}
static struct lumen_msg_result bi_message(struct lumen_handle *h, void *state, const char *tr,
                                          const json_t *body, const json_t *jsep)
{
	return (struct lumen_msg_result){.kind = LUMEN_MSG_SYNC};
}
static void bi_detach(struct lumen_handle *h, void *state)
{
}
static const struct lumen_plugin builtin_good = {
    .abi_version = LUMEN_PLUGIN_ABI_VERSION,
    .name = "Builtin",
    .package = "lumen.test.good",
    .version = "1.5.0",
    .description = "linked in",
    .author = "tests",
    .attach = bi_attach,
    .message = bi_message,
    .detach = bi_detach,
};

Test(plugin_host, builtins_load_first_and_win_over_a_file_with_the_same_package)
{
	install("good");
	install("dependent");
	const struct lumen_plugin *const builtins[] = {&builtin_good, NULL};
	char *err = NULL;
	struct lumen_plugin_host *host = lumen_plugin_host_new(&cfg, &core, builtins, &err);
	cr_assert_not_null(host, "%s", err ? err : "");
	expect_refused(host, "good",
	               "duplicate package lumen.test.good (already loaded from "
	               "builtin:lumen.test.good)");
	cr_expect(is_loaded(host, "lumen.test.dependent"), "the builtin satisfies >=1.2.0 <2.0.0");
	lumen_plugin_host_free(host);
}

/* ---- signatures ---- */

static EVP_PKEY *new_key(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	cr_assert_not_null(k);
	return k;
}

/* Writes k's public key as PEM to the test directory and trusts it. */
static void trust(EVP_PKEY *k, const char *name)
{
	size_t i = 0;
	while (keys[i])
		i++;
	keys[i] = g_strdup_printf("%s/%s.pem", dir, name);
	FILE *f = fopen(keys[i], "w");
	cr_assert_not_null(f);
	cr_assert_eq(PEM_write_PUBKEY(f, k), 1);
	fclose(f);
}

static void sign_file(EVP_PKEY *k, const char *so_path)
{
	gchar *data = NULL;
	gsize len = 0;
	uint8_t sig[64];
	size_t sig_len = sizeof(sig);
	cr_assert(g_file_get_contents(so_path, &data, &len, NULL));
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	cr_assert_eq(EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, k, NULL), 1);
	cr_assert_eq(EVP_DigestSign(ctx, sig, &sig_len, (const uint8_t *)data, len), 1);
	cr_assert_eq(sig_len, 64);
	EVP_MD_CTX_free(ctx);
	g_free(data);
	char *sig_path = g_strconcat(so_path, ".sig", NULL);
	cr_assert(g_file_set_contents(sig_path, (const char *)sig, 64, NULL));
	g_free(sig_path);
}

Test(plugin_host, with_require_signed_loads_a_plugin_signed_by_a_trusted_key)
{
	EVP_PKEY *k = new_key();
	trust(k, "trusted");
	char *so = install_as("good", "good");
	sign_file(k, so);
	cfg.plugins.require_signed = true;
	struct lumen_plugin_host *host = load_ok();
	cr_expect(is_loaded(host, "lumen.test.good"));
	lumen_plugin_host_free(host);
	g_free(so);
	EVP_PKEY_free(k);
}

Test(plugin_host, with_require_signed_refuses_missing_bad_and_untrusted_signatures)
{
	EVP_PKEY *k = new_key(), *stranger = new_key();
	trust(k, "trusted");
	cfg.plugins.require_signed = true;
	g_free(install_as("cycle_a", "missingsig"));
	char *so = install_as("good", "good");
	sign_file(k, so);
	char *tampered = install_as("dependent", "tampered");
	sign_file(k, tampered);
	FILE *f = fopen(tampered, "a");
	fputc(0, f);
	fclose(f);
	char *untrusted = install_as("badmeta", "untrusted");
	sign_file(stranger, untrusted);
	char *shortsig = install_as("mismatch", "shortsig");
	char *sig_path = g_strconcat(shortsig, ".sig", NULL);
	cr_assert(g_file_set_contents(sig_path, "AAAA", 4, NULL));

	struct lumen_plugin_host *host = load_ok();
	cr_expect(is_loaded(host, "lumen.test.good"));
	expect_refused(host, "missingsig", "no signature file");
	expect_refused(host, "tampered", "does not match any trusted key");
	expect_refused(host, "untrusted", "does not match any trusted key");
	expect_refused(host, "shortsig", "is 4 bytes, expected 64");
	cr_expect_eq(n_loaded(host), 1);
	lumen_plugin_host_free(host);
	g_free(sig_path);
	g_free(so);
	g_free(tampered);
	g_free(untrusted);
	g_free(shortsig);
	EVP_PKEY_free(k);
	EVP_PKEY_free(stranger);
}

Test(plugin_host, require_signed_without_usable_trusted_keys_is_an_error)
{
	install("good");
	cfg.plugins.require_signed = true;
	char *err = load_fails();
	cr_expect(strstr(err, "trusted_keys is empty") != NULL, "%s", err);
	free(err);

	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	cr_assert_not_null(ec);
	trust(ec, "p256");
	err = load_fails();
	cr_expect(strstr(err, "p256.pem") && strstr(err, "not Ed25519"), "%s", err);
	free(err);
	EVP_PKEY_free(ec);

	char *junk = g_build_filename(dir, "junk.pem", NULL);
	cr_assert(g_file_set_contents(
	    junk, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", -1, NULL));
	g_unlink(keys[0]);
	g_free(keys[0]);
	keys[0] = junk;
	err = load_fails();
	cr_expect(strstr(err, "junk.pem: not a PEM public key") != NULL, "%s", err);
	free(err);

	keys[1] = g_strdup("/nonexistent/key.pem");
	g_unlink(keys[0]);
	g_free(keys[0]);
	keys[0] = keys[1];
	keys[1] = NULL;
	err = load_fails();
	cr_expect(strstr(err, "/nonexistent/key.pem") != NULL, "%s", err);
	free(err);
}

/* ---- metadata rules, through builtins (same checks as for files) ---- */

static const struct lumen_plugin_dep bad_range[] = {{"lumen.test.good", ">=1.0"}, {NULL, NULL}};
static const struct lumen_plugin_dep bad_dep_name[] = {{"Good!", NULL}, {NULL, NULL}};

enum field {
	F_PACKAGE,
	F_NAME,
	F_DESCRIPTION,
	F_AUTHOR,
	F_VERSION,
	F_SECTION,
	F_DEPS,
	F_ATTACH,
	F_MESSAGE,
	F_DETACH
};

/* Applies one flaw: a string field set to value, deps set to deps, a callback cleared. */
static void edit(struct lumen_plugin *d, enum field f, const char *value,
                 const struct lumen_plugin_dep *deps)
{
	switch (f) {
	case F_PACKAGE:
		d->package = value;
		break;
	case F_NAME:
		d->name = value;
		break;
	case F_DESCRIPTION:
		d->description = value;
		break;
	case F_AUTHOR:
		d->author = value;
		break;
	case F_VERSION:
		d->version = value;
		break;
	case F_SECTION:
		d->config_section = value;
		break;
	case F_DEPS:
		d->deps = deps;
		break;
	case F_ATTACH:
		d->attach = NULL;
		break;
	case F_MESSAGE:
		d->message = NULL;
		break;
	case F_DETACH:
		d->detach = NULL;
		break;
	}
}

Test(plugin_host, refuses_each_metadata_flaw_with_its_reason)
{
	static const struct {
		enum field f;
		const char *value;
		const struct lumen_plugin_dep *deps;
		const char *why;
	} rows[] = {
	    {F_PACKAGE, "", NULL, "package must be"},
	    {F_PACKAGE, "Upper.case", NULL, "package must be"},
	    {F_PACKAGE, "9lives", NULL, "package must be"},
	    {F_PACKAGE, "has space", NULL, "package must be"},
	    {F_PACKAGE, NULL, NULL, "package must be"},
	    {F_NAME, "", NULL, "no name in"},
	    {F_DESCRIPTION, NULL, NULL, "no description in"},
	    {F_AUTHOR, "", NULL, "no author in"},
	    {F_VERSION, "1.0", NULL, "not a semantic version"},
	    {F_VERSION, "v1.0.0", NULL, "not a semantic version"},
	    {F_VERSION, NULL, NULL, "not a semantic version"},
	    {F_SECTION, "general", NULL, "core section"},
	    {F_SECTION, "plugins", NULL, "core section"},
	    {F_SECTION, "9x", NULL, "not an identifier"},
	    {F_SECTION, "a b", NULL, "not an identifier"},
	    {F_DEPS, NULL, bad_range, "bad version comparison '>=1.0'"},
	    {F_DEPS, NULL, bad_dep_name, "invalid dependency package name"},
	    {F_ATTACH, NULL, NULL, "required callback"},
	    {F_MESSAGE, NULL, NULL, "required callback"},
	    {F_DETACH, NULL, NULL, "required callback"},
	};
	cfg.plugins.dir = "";
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct lumen_plugin d = builtin_good;
		d.package = "lumen.test.meta";
		d.config_section = "meta";
		edit(&d, rows[i].f, rows[i].value, rows[i].deps);
		const struct lumen_plugin *const builtins[] = {&d, NULL};
		char *err = NULL;
		struct lumen_plugin_host *host = lumen_plugin_host_new(&cfg, &core, builtins, &err);
		cr_assert_not_null(host, "row %zu: %s", i, err ? err : "");
		json_t *refused = lumen_plugin_host_refused(host);
		const char *reason =
		    json_string_value(json_object_get(json_array_get(refused, 0), "reason"));
		cr_expect(reason && strstr(reason, "bad metadata: ") == reason &&
		              strstr(reason, rows[i].why),
		          "row %zu: reason '%s' lacks '%s'", i, reason ? reason : "(none)",
		          rows[i].why);
		cr_expect_eq(n_loaded(host), 0, "row %zu", i);
		json_decref(refused);
		lumen_plugin_host_free(host);
	}
	struct lumen_plugin ok = builtin_good;
	ok.version = "2.0.0-rc.1+build.5";
	ok.config_section = "my_section-2";
	const struct lumen_plugin *const builtins[] = {&ok, NULL};
	char *err = NULL;
	struct lumen_plugin_host *host = lumen_plugin_host_new(&cfg, &core, builtins, &err);
	cr_assert_not_null(host);
	cr_expect_eq(n_loaded(host), 1, "pre-release versions and such section names are fine");
	lumen_plugin_host_free(host);
}
