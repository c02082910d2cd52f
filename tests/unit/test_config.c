/* test_config.c -- specifications of config.c and config_keys.c: defaults, every error kind as its
 * exact one-line message (file, line, key), --set overrides, plugin sections as JSON, diff, the
 * reload transaction at the loader's level, and the sample conf/lumen.cfg matching the key table.
 * Fixtures live in tests/unit/config/, found through $top_srcdir (set by make check). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <glib.h>
#include <jansson.h>

#include "config.h"

/* Criterion's own main() leaks its copy of the CRITERION_OUTPUTS setting (criterion_handle_args),
 * which make check sets; LeakSanitizer would fail the run for a leak that is not ours. */
__attribute__((visibility("default"))) const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:criterion_handle_args\n";
}

#ifndef LUMEN_PLUGINDIR
#error "LUMEN_PLUGINDIR comes from AM_CPPFLAGS"
#endif

static const char *srcdir(void)
{
	const char *d = getenv("top_srcdir");

	return d && *d ? d : LUMEN_TEST_SRCDIR;
}

static char *fixture(const char *name)
{
	return g_strdup_printf("%s/tests/unit/config/%s", srcdir(), name);
}

static struct lumen_config *load_set(const char *path, const char *const *sets, size_t n)
{
	char *err = NULL;
	struct lumen_config *cfg = lumen_config_load(path, sets, n, &err);

	cr_assert_not_null(cfg, "load failed: %s", err ? err : "(no error)");
	cr_assert_null(err);
	return cfg;
}

/* Asserts that loading fails with exactly `want` and returns NULL. */
static void assert_load_error(const char *path, const char *const *sets, size_t n, const char *want)
{
	char *err = NULL;
	struct lumen_config *cfg = lumen_config_load(path, sets, n, &err);

	cr_assert_null(cfg, "expected an error: %s", want);
	cr_assert_not_null(err);
	cr_assert_str_eq(err, want);
	cr_assert_null(strchr(err, '\n'), "error is one line");
	free(err);
}

/* ---- defaults and the key table ------------------------------------------------------------- */

Test(config_defaults, match_the_documented_values)
{
	struct lumen_config *c = load_set(NULL, NULL, 0);

	cr_assert_str_eq(c->path, "");
	cr_assert_str_eq(c->general.log_level, "info");
	cr_assert_str_eq(c->general.log_levels, "");
	cr_assert_str_eq(c->general.log_format, "text");
	cr_assert_eq(c->general.workers, 0);
	cr_assert_str_eq(c->general.state_dir, "/var/lib/lumen");
	cr_assert_str_eq(c->http.listen, "127.0.0.1:8088");
	cr_assert_eq(c->http.max_body, 65536);
	cr_assert_null(c->http.cors_origins[0]);
	cr_assert(c->http.demo);
	cr_assert_str_eq(c->http.demo_dir, LUMEN_DATADIR "/demo");
	cr_assert_str_eq(c->admin.listen, "127.0.0.1:7088");
	cr_assert_str_eq(c->admin.token, "");
	cr_assert_eq(c->api.session_timeout, 60);
	cr_assert_eq(c->api.long_poll_timeout, 30);
	cr_assert_not(c->api.token_required);
	cr_assert_str_eq(c->plugins.dir, LUMEN_PLUGINDIR);
	cr_assert_null(c->plugins.disabled[0]);
	cr_assert_not(c->plugins.require_signed);
	cr_assert_str_eq(c->media.rtp_port_range, "20000-40000");
	cr_assert(c->media.ice_lite);
	cr_assert_str_eq(c->media.stun_server, "");
	cr_assert_eq(c->media.nack_cache_ms, 1000);
	cr_assert_eq(json_object_size(c->plugin_sections), 0);
	lumen_config_free(c);
}

static size_t type_size(enum lumen_cfg_type t)
{
	switch (t) {
	case LUMEN_CFG_BOOL:
		return sizeof(bool);
	case LUMEN_CFG_INT:
		return sizeof(int64_t);
	case LUMEN_CFG_STRLIST:
		return sizeof(char **);
	default:
		return sizeof(char *);
	}
}

static int by_offset(const void *a, const void *b)
{
	const struct lumen_cfg_key *x = *(const struct lumen_cfg_key *const *)a;
	const struct lumen_cfg_key *y = *(const struct lumen_cfg_key *const *)b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

Test(config_keys, rows_cover_every_field_of_the_struct_once)
{
	const struct lumen_cfg_key **rows = g_new(const struct lumen_cfg_key *, lumen_cfg_n_keys);
	size_t cur = offsetof(struct lumen_config, general);
	bool after_bool = false;

	for (size_t i = 0; i < lumen_cfg_n_keys; i++)
		rows[i] = &lumen_cfg_keys[i];
	qsort(rows, lumen_cfg_n_keys, sizeof(*rows), by_offset);
	for (size_t i = 0; i < lumen_cfg_n_keys; i++) {
		/* Only alignment padding after a bool may sit between two rows' fields. */
		cr_assert_geq(rows[i]->offset, cur, "%s.%s overlaps", rows[i]->section,
		              rows[i]->name);
		cr_assert(rows[i]->offset == cur || (after_bool && rows[i]->offset - cur < 8),
		          "a field before %s.%s has no row", rows[i]->section, rows[i]->name);
		cur = rows[i]->offset + type_size(rows[i]->type);
		after_bool = rows[i]->type == LUMEN_CFG_BOOL;
	}
	size_t end = offsetof(struct lumen_config, plugin_sections);
	cr_assert(end == cur || (after_bool && end - cur < 8), "the last field has no row");
	g_free(rows);
}

Test(config_keys, rows_are_well_formed)
{
	for (size_t i = 0; i < lumen_cfg_n_keys; i++) {
		const struct lumen_cfg_key *k = &lumen_cfg_keys[i];
		cr_assert(k->doc && *k->doc, "%s.%s has no doc", k->section, k->name);
		cr_assert_not_null(k->def);
		if (k->type == LUMEN_CFG_INT)
			cr_assert_lt(k->min, k->max, "%s.%s", k->section, k->name);
		cr_assert_eq(lumen_config_find_key(k->section, k->name), k, "duplicate %s.%s",
		             k->section, k->name);
	}
}

Test(config_keys, ranges_from_the_brief)
{
	const struct lumen_cfg_key *k = lumen_config_find_key("api", "session_timeout");

	cr_assert_eq(k->min, 1);
	cr_assert_eq(k->max, 86400);
	k = lumen_config_find_key("general", "workers");
	cr_assert_eq(k->min, 0);
	cr_assert_eq(k->max, 256);
	k = lumen_config_find_key("http", "max_body");
	cr_assert_eq(k->min, 1024);
	cr_assert_eq(k->max, 16777216);
	cr_assert(lumen_config_find_key("general", "log_level")->live);
	cr_assert_not(lumen_config_find_key("http", "listen")->live);
	cr_assert_null(lumen_config_find_key("http", "nope"));
	cr_assert_null(lumen_config_find_key("nope", "listen"));
}

Test(config_keys, help_lists_every_key_with_type_default_and_doc)
{
	FILE *f = tmpfile();
	char *text;
	long len;

	lumen_config_print_keys(f);
	len = ftell(f);
	rewind(f);
	text = g_malloc0((size_t)len + 1);
	cr_assert_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (size_t i = 0; i < lumen_cfg_n_keys; i++) {
		char *head =
		    g_strdup_printf("%s.%s (", lumen_cfg_keys[i].section, lumen_cfg_keys[i].name);
		cr_assert_not_null(strstr(text, head), "%s missing", head);
		cr_assert_not_null(strstr(text, lumen_cfg_keys[i].doc));
		g_free(head);
	}
	cr_assert_not_null(strstr(text, "general.log_level (string: error|warn|info|debug|trace, "
	                                "live)\n    default: \"info\"\n"));
	cr_assert_not_null(strstr(text, "general.workers (integer 0..256, restart)\n"
	                                "    default: 0\n"));
	cr_assert_not_null(strstr(text, "http.listen (HOST:PORT, restart)\n"
	                                "    default: \"127.0.0.1:8088\"\n"));
	g_free(text);
}

/* ---- files ---------------------------------------------------------------------------------- */

Test(config_file, loads_values_and_keeps_defaults_for_the_rest)
{
	char *path = fixture("good.cfg");
	struct lumen_config *c = load_set(path, NULL, 0);

	cr_assert_str_eq(c->path, path);
	cr_assert_str_eq(c->general.log_level, "debug");
	cr_assert_str_eq(c->general.log_levels, "ice:trace, dtls:warn");
	cr_assert_eq(c->general.workers, 4);
	cr_assert_str_eq(c->http.listen, "[::1]:9088");
	cr_assert_eq(c->http.max_body, 1048576);
	cr_assert_str_eq(c->http.cors_origins[0], "https://app.example");
	cr_assert_str_eq(c->http.cors_origins[1], "http://localhost:3000");
	cr_assert_null(c->http.cors_origins[2]);
	cr_assert_not(c->http.demo);
	cr_assert_str_eq(c->media.rtp_port_range, "30000-30100");
	cr_assert_not(c->media.ice_lite);
	cr_assert_str_eq(c->media.ice_ignore[1], "vmnet1");
	cr_assert_str_eq(c->admin.listen, "127.0.0.1:7088"); /* untouched default */
	lumen_config_free(c);
	g_free(path);
}

Test(config_file, plugin_sections_become_json_objects)
{
	char *path = fixture("good.cfg");
	struct lumen_config *c = load_set(path, NULL, 0);
	json_t *want = json_loads("{\"echotest\": {\"enabled\": true, \"rate\": 1.5,"
	                          " \"names\": [\"a\", \"b\"],"
	                          " \"nested\": {\"x\": 1, \"deeper\": {\"y\": \"z\"}},"
	                          " \"mixed\": [1, \"two\", {\"three\": 3}],"
	                          " \"big\": 5000000000, \"empty_list\": []},"
	                          " \"recorder\": {\"dir\": \"/tmp/rec\"}}",
	                          0, NULL);

	cr_assert_not_null(want);
	cr_assert(json_equal(c->plugin_sections, want), "%s",
	          json_dumps(c->plugin_sections, JSON_SORT_KEYS));
	/* Core sections never appear among plugin sections. */
	cr_assert_null(json_object_get(c->plugin_sections, "general"));
	json_decref(want);
	lumen_config_free(c);
	g_free(path);
}

static const struct {
	const char *file;
	int line;
	const char *msg;
} file_errors[] = {
    {"unknown_key.cfg", 4, "http.lisen: unknown key (did you mean http.listen?)"},
    {"unknown_key_far.cfg", 2, "general.colour: unknown key"},
    {"wrong_type.cfg", 2, "http.max_body: expected an integer, got a string"},
    {"wrong_type_bool.cfg", 2, "http.demo: expected a boolean (true or false), got a string"},
    {"wrong_type_float.cfg", 2, "http.max_body: expected an integer, got a float"},
    {"wrong_type_list.cfg", 2,
     "http.cors_origins: expected an array of strings, got a "
     "string"},
    {"wrong_type_list_elem.cfg", 2,
     "http.cors_origins: expected an array of strings, "
     "element 1 is an integer"},
    {"out_of_range.cfg", 2, "api.session_timeout: 0 is out of range (1..86400)"},
    {"out_of_range_high.cfg", 5, "api.session_timeout: 86401 is out of range (1..86400)"},
    {"bad_choice.cfg", 2,
     "general.log_level: \"loud\" is not one of: error, warn, info, "
     "debug, trace"},
    {"syntax.cfg", 3, "syntax error"},
    {"duplicate.cfg", 3, "duplicate setting name"},
    {"bad_hostport.cfg", 2, "admin.listen: \"localhost\" is not HOST:PORT"},
    {"bad_port.cfg", 2,
     "admin.listen: port 0 in \"127.0.0.1:0\" is out of range "
     "(1..65535)"},
    {"bad_v6.cfg", 2,
     "admin.listen: \"::1:7088\" is not HOST:PORT (write an IPv6 host in "
     "brackets, e.g. [::1]:8088)"},
    {"bad_port_range.cfg", 2,
     "media.rtp_port_range: \"40000-20000\" must satisfy 1024 <= "
     "LO < HI <= 65535"},
    {"bad_port_range_syntax.cfg", 2,
     "media.rtp_port_range: \"20000:40000\" is not LO-HI "
     "(e.g. \"20000-40000\")"},
    {"core_not_group.cfg", 1,
     "general: expected a group (general = { ... };), got an "
     "integer"},
    {"toplevel_scalar.cfg", 3,
     "foo: unknown top-level setting (expected a core section or "
     "a plugin section group)"},
    {"bad_log_levels.cfg", 2, "general.log_levels: \"ice=debug\" is not CATEGORY:LEVEL"},
    {"dtls_half.cfg", 2, "media.dtls_cert: media.dtls_key must be set too"},
    {"include_missing.cfg", 4, "cannot open include file"},
    {"big_int.cfg", 3, "http.max_body: 4294968320 is out of range (1024..16777216)"},
    {"big_negative.cfg", 1, "general.workers: -4294967295 is out of range (0..256)"},
};

Test(config_file, every_error_kind_is_one_line_naming_file_line_and_key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(file_errors); i++) {
		char *path = fixture(file_errors[i].file);
		char *want =
		    g_strdup_printf("%s:%d: %s", path, file_errors[i].line, file_errors[i].msg);
		assert_load_error(path, NULL, 0, want);
		g_free(want);
		g_free(path);
	}
}

Test(config_file, integers_beyond_32_bits_keep_the_value_written)
{
	char *path = fixture("hex_and_wide.cfg");
	struct lumen_config *c = load_set(path, NULL, 0);
	json_t *want = json_loads("{\"wrapped\": 3000000000, \"list\": [1, 2], "
	                          "\"pos\": 4294967297}",
	                          0, NULL);

	cr_assert_eq(c->general.workers, 16);
	cr_assert(json_equal(json_object_get(c->plugin_sections, "echo"), want), "%s",
	          json_dumps(c->plugin_sections, 0));
	json_decref(want);
	lumen_config_free(c);
	g_free(path);
}

Test(config_file, errors_in_an_included_file_name_that_file)
{
	char *path = fixture("include_main.cfg");
	char *part = fixture("include_part.cfg");
	char *want = g_strdup_printf("%s:2: general.workers: 1000 is out of range (0..256)", part);

	assert_load_error(path, NULL, 0, want);
	g_free(want);
	g_free(part);
	g_free(path);
}

Test(config_file, missing_or_unreadable_file_is_one_line)
{
	char *path = fixture("no-such-file.cfg");
	char *want = g_strdup_printf("%s: cannot read: No such file or directory", path);
	char *dir = fixture("");

	assert_load_error(path, NULL, 0, want);
	g_free(want);
	want = g_strdup_printf("%s: cannot read: Is a directory", dir);
	assert_load_error(dir, NULL, 0, want);
	g_free(want);
	g_free(dir);
	g_free(path);
}

Test(config_file, error_pointer_may_be_null)
{
	char *path = fixture("bad_choice.cfg");

	cr_assert_null(lumen_config_load(path, NULL, 0, NULL));
	g_free(path);
}

/* ---- --set ---------------------------------------------------------------------------------- */

Test(config_set, overrides_defaults_and_file_values_in_order)
{
	char *path = fixture("good.cfg");
	const char *sets[] = {
	    "general.log_level=trace", "general.log_level=warn", /* later wins */
	    "general.workers=8",       "http.cors_origins= https://a.example , *",
	    "http.demo=yes",           "media.ice_lite=1",
	    "media.ipv6=TRUE",         "plugins.require_signed=no",
	    "admin.listen=[::1]:7000", "media.stun_server=stun.example.org:3478",
	    "plugins.disabled=",       "media.dtls_cert=/c.pem",
	    "media.dtls_key=/k.pem",   "general.log_levels=api:debug",
	};
	struct lumen_config *c = load_set(path, sets, G_N_ELEMENTS(sets));

	cr_assert_str_eq(c->general.log_level, "warn");
	cr_assert_eq(c->general.workers, 8);
	cr_assert_str_eq(c->http.cors_origins[0], "https://a.example");
	cr_assert_str_eq(c->http.cors_origins[1], "*");
	cr_assert_null(c->http.cors_origins[2]);
	cr_assert(c->http.demo);
	cr_assert(c->media.ice_lite);
	cr_assert(c->media.ipv6);
	cr_assert_not(c->plugins.require_signed);
	cr_assert_str_eq(c->admin.listen, "[::1]:7000");
	cr_assert_str_eq(c->media.stun_server, "stun.example.org:3478");
	cr_assert_null(c->plugins.disabled[0]);
	cr_assert_str_eq(c->media.dtls_key, "/k.pem");
	cr_assert_str_eq(c->general.log_levels, "api:debug");
	cr_assert_str_eq(c->http.listen, "[::1]:9088"); /* from the file */
	lumen_config_free(c);
	g_free(path);
}

static const struct {
	const char *set, *msg;
} set_errors[] = {
    {"general.log_level=loud", "--set general.log_level: \"loud\" is not one of: error, warn, "
                               "info, debug, trace"},
    {"general.nope=1", "--set general.nope: unknown key"},
    {"general.log_levle=debug", "--set general.log_levle: unknown key (did you mean "
                                "general.log_level?)"},
    {"general.log_level.x=1", "--set general.log_level.x: unknown key (did you mean "
                              "general.log_level?)"},
    {"general.log_level", "--set general.log_level: expected section.key=value"},
    {"loglevel=debug", "--set loglevel: expected section.key=value"},
    {".x=1", "--set .x: expected section.key=value"},
    {"general.=1", "--set general.: expected section.key=value"},
    {"general.workers=abc", "--set general.workers: \"abc\" is not an integer"},
    {"general.workers=", "--set general.workers: \"\" is not an integer"},
    {"general.workers=257", "--set general.workers: 257 is out of range (0..256)"},
    {"general.workers=99999999999999999999", "--set general.workers: 99999999999999999999 "
                                             "is out of range (0..256)"},
    {"http.demo=maybe", "--set http.demo: \"maybe\" is not a boolean (true, false, yes, no, "
                        "1, 0)"},
    {"plugins.disabled=a,,b", "--set plugins.disabled: empty item in list \"a,,b\""},
    {"http.listen=127.0.0.1:65536", "--set http.listen: port 65536 in \"127.0.0.1:65536\" is "
                                    "out of range (1..65535)"},
    {"http.listen=", "--set http.listen: \"\" is not HOST:PORT"},
    {"media.stun_server=stun", "--set media.stun_server: \"stun\" is not HOST:PORT"},
    {"media.nat_1_1=example.org", "--set media.nat_1_1: \"example.org\" is not an IP "
                                  "address"},
    {"http.cors_origins=https://a.example/", "--set http.cors_origins: "
                                             "\"https://a.example/\" is not an origin (\"*\" "
                                             "or scheme://host[:port], without a path)"},
    {"general.state_dir=", "--set general.state_dir: must not be empty"},
    {"media.rtp_port_range=80-90", "--set media.rtp_port_range: \"80-90\" must satisfy 1024 "
                                   "<= LO < HI <= 65535"},
    {"media.dtls_key=/k.pem", "--set media.dtls_key: media.dtls_cert must be set too"},
    {"9x.a=1", "--set 9x.a: \"9x\" is not a valid section name"},
    {"echotest.a..b=1", "--set echotest.a..b: \"\" is not a valid setting name"},
    {"echotest.a={", "--set echotest.a: invalid JSON value: string or '}' expected near "
                     "end of file"},
    {"general.log_level=a\nb\tc", "--set general.log_level: \"a\\nb\\x09c\" is not one of: "
                                  "error, warn, info, debug, trace"},
};

Test(config_set, every_error_names_the_override_and_the_reason)
{
	for (size_t i = 0; i < G_N_ELEMENTS(set_errors); i++) {
		const char *sets[] = {"general.workers=2", set_errors[i].set};
		assert_load_error(NULL, sets, 2, set_errors[i].msg);
	}
}

Test(config_set, error_does_not_echo_the_value_of_a_malformed_secret)
{
	const char *sets[] = {"admin_token=hunter2"};
	char *err = NULL;

	cr_assert_null(lumen_config_load(NULL, sets, 1, &err));
	cr_assert_null(strstr(err, "hunter2"), "%s", err);
	free(err);
}

Test(config_set, file_errors_come_before_overrides)
{
	char *path = fixture("bad_choice.cfg");
	char *want = g_strdup_printf("%s:2: general.log_level: \"loud\" is not one of: error, "
	                             "warn, info, debug, trace",
	                             path);
	const char *sets[] = {"general.log_level=info"};

	/* The file is checked in full: an override does not paper over a broken file. */
	assert_load_error(path, sets, 1, want);
	g_free(want);
	g_free(path);
}

Test(config_set, non_core_sections_set_typed_values_in_plugin_sections)
{
	char *path = fixture("good.cfg");
	const char *sets[] = {
	    "echotest.foo=bar",        "echotest.rate=2",        "echotest.ratio=0.25",
	    "echotest.enabled=false",  "echotest.nested.x=5",    "echotest.nested.new.deep=hi",
	    "newplug.list=[1, \"a\"]", "newplug.str=\"quoted\"", "newplug.neg=-3",
	    "newplug.word=yes",
	};
	struct lumen_config *c = load_set(path, sets, G_N_ELEMENTS(sets));
	json_t *e = json_object_get(c->plugin_sections, "echotest");
	json_t *n = json_object_get(c->plugin_sections, "newplug");
	json_t *want = json_loads("{\"list\": [1, \"a\"], \"str\": \"quoted\", \"neg\": -3,"
	                          " \"word\": \"yes\"}",
	                          0, NULL);

	cr_assert_str_eq(json_string_value(json_object_get(e, "foo")), "bar");
	cr_assert(json_is_integer(json_object_get(e, "rate")));
	cr_assert_eq(json_integer_value(json_object_get(e, "rate")), 2);
	cr_assert_float_eq(json_real_value(json_object_get(e, "ratio")), 0.25, 1e-12);
	cr_assert(json_is_false(json_object_get(e, "enabled")));
	json_t *nested = json_object_get(e, "nested");
	cr_assert_eq(json_integer_value(json_object_get(nested, "x")), 5);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(nested, "new"), "deep")),
	                 "hi");
	/* Untouched members of the file's section stay. */
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(nested, "deeper"), "y")),
	                 "z");
	cr_assert(json_equal(n, want), "%s", json_dumps(n, JSON_SORT_KEYS));
	json_decref(want);
	lumen_config_free(c);
	g_free(path);
}

Test(config_set, plugin_override_through_a_scalar_is_an_error)
{
	char *path = fixture("good.cfg");
	const char *sets[] = {"echotest.rate.x=1"};

	assert_load_error(path, sets, 1, "--set echotest.rate.x: rate is not a group");
	g_free(path);
}

/* ---- HOST:PORT ------------------------------------------------------------------------------ */

Test(config_hostport, splits_v4_v6_and_names)
{
	static const struct {
		const char *in, *host;
		uint16_t port;
	} good[] = {
	    {"127.0.0.1:8088", "127.0.0.1", 8088}, {"[::1]:8088", "::1", 8088},
	    {"localhost:1", "localhost", 1},       {"[2001:db8::7]:65535", "2001:db8::7", 65535},
	    {"0.0.0.0:443", "0.0.0.0", 443},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		char *host = NULL;
		uint16_t port = 0;
		cr_assert_eq(lumen_config_split_hostport(good[i].in, &host, &port), 0, "%s",
		             good[i].in);
		cr_assert_str_eq(host, good[i].host);
		cr_assert_eq(port, good[i].port);
		g_free(host);
	}
}

Test(config_hostport, rejects_malformed_input_without_allocating)
{
	static const char *const bad[] = {
	    "",         "8088",     ":8088",     "host:",    "host:0", "host:65536",   "host:80x",
	    "host:+80", "::1:8088", "[::1]8088", "[::1]:",   "[]:80",  "[1.2.3.4]:80", "[::1:80",
	    "ho st:80", "a/b:80",   "host:-1",   "host: 80",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *host = (char *)"sentinel";
		uint16_t port = 0;
		cr_assert_eq(lumen_config_split_hostport(bad[i], &host, &port), -EINVAL, "%s",
		             bad[i]);
		cr_assert_null(host);
	}
}

/* ---- diff, JSON view and reload ------------------------------------------------------------- */

Test(config_diff, equal_configs_give_the_empty_string)
{
	struct lumen_config *a = load_set(NULL, NULL, 0), *b = load_set(NULL, NULL, 0);
	char *d = lumen_config_diff(a, b);

	cr_assert_str_eq(d, "");
	free(d);
	lumen_config_free(a);
	lumen_config_free(b);
}

Test(config_diff, lists_changes_marks_restarts_and_masks_secrets)
{
	const char *sets[] = {
	    "general.log_level=debug",
	    "http.listen=127.0.0.1:9000",
	    "http.cors_origins=https://a.example,*",
	    "admin.token=s3cret",
	    "api.token_required=true",
	    "general.workers=3",
	    "echotest.x=1",
	};
	char *path = fixture("small.cfg");
	const char *sets_b[] = {"recorder.dir=/x"};
	struct lumen_config *a = load_set(path, sets_b, 1), *b = load_set(NULL, sets, 7);
	char *d = lumen_config_diff(a, b);

	cr_assert_str_eq(d,
	                 "general.log_level: \"warn\" -> \"debug\"\n"
	                 "general.workers: 0 -> 3 (restart needed)\n"
	                 "http.listen: \"127.0.0.1:8088\" -> \"127.0.0.1:9000\" (restart needed)\n"
	                 "http.cors_origins: [] -> [\"https://a.example\", \"*\"]\n"
	                 "admin.token: (changed)\n"
	                 "api.token_required: false -> true\n"
	                 "echotest: (section changed)\n"
	                 "recorder: (section removed)");
	cr_assert_null(strstr(d, "s3cret"));
	free(d);
	d = lumen_config_diff(b, a);
	cr_assert(g_str_has_suffix(d, "recorder: (section added)"), "%s", d);
	free(d);
	lumen_config_free(a);
	lumen_config_free(b);
	g_free(path);
}

Test(config_json, has_every_key_and_masks_set_secrets)
{
	const char *sets[] = {"admin.token=s3cret", "echotest.a=1"};
	struct lumen_config *c = load_set(NULL, sets, 2);
	json_t *j = lumen_config_to_json(c);
	char *s = json_dumps(j, 0);

	for (size_t i = 0; i < lumen_cfg_n_keys; i++)
		cr_assert_not_null(json_object_get(json_object_get(j, lumen_cfg_keys[i].section),
		                                   lumen_cfg_keys[i].name));
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "admin"), "token")),
	                 "********");
	cr_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(j, "api"), "api_secret")),
	    ""); /* unset secrets stay visibly unset */
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "http"), "max_body")),
	             65536);
	cr_assert_eq(json_integer_value(json_object_get(
	                 json_object_get(json_object_get(j, "plugin_sections"), "echotest"), "a")),
	             1);
	cr_assert_null(strstr(s, "s3cret"));
	free(s);
	json_decref(j);
	lumen_config_free(c);
}

Test(config_reload, invalid_new_file_returns_null_and_leaves_the_loaded_config_untouched)
{
	char *good = fixture("good.cfg"), *bad = fixture("out_of_range.cfg");
	struct lumen_config *cur = load_set(good, NULL, 0);
	json_t *before = lumen_config_to_json(cur), *after;
	char *err = NULL;

	cr_assert_null(lumen_config_load(bad, NULL, 0, &err));
	cr_assert_not_null(err);
	free(err);
	err = NULL;
	const char *sets[] = {"general.log_level=nope"};
	cr_assert_null(lumen_config_load(good, sets, 1, &err));
	free(err);

	after = lumen_config_to_json(cur);
	cr_assert(json_equal(before, after));
	cr_assert_str_eq(cur->general.log_level, "debug");
	cr_assert_str_eq(cur->path, good);
	json_decref(before);
	json_decref(after);
	lumen_config_free(cur);
	g_free(good);
	g_free(bad);
}

Test(config_free, accepts_null)
{
	lumen_config_free(NULL);
	cr_assert(true, "no crash");
}

/* ---- the sample conf/lumen.cfg -------------------------------------------------------------- */

/* Keys whose default depends on the build's prefix: the sample shows them commented out. */
static bool build_dependent(const struct lumen_cfg_key *k)
{
	return (strcmp(k->section, "plugins") == 0 && strcmp(k->name, "dir") == 0) ||
	       (strcmp(k->section, "http") == 0 && strcmp(k->name, "demo_dir") == 0);
}

Test(config_sample, loads_and_equals_the_defaults)
{
	char *path = g_strdup_printf("%s/conf/lumen.cfg", srcdir());
	struct lumen_config *sample = load_set(path, NULL, 0), *def = load_set(NULL, NULL, 0);
	char *d = lumen_config_diff(def, sample);

	cr_assert_str_eq(d, "", "sample differs from the defaults:\n%s", d);
	cr_assert_eq(json_object_size(sample->plugin_sections), 0);
	free(d);
	lumen_config_free(sample);
	lumen_config_free(def);
	g_free(path);
}

Test(config_sample, lists_exactly_the_keys_of_the_table)
{
	char *path = g_strdup_printf("%s/conf/lumen.cfg", srcdir()), *text = NULL;
	GRegex *sec_re = g_regex_new("^([a-z_]+)\\s*[=:]\\s*\\{\\s*$", 0, 0, NULL);
	GRegex *key_re = g_regex_new("^\\s*(#\\s*)?([a-z_0-9]+)\\s*=\\s*\\S.*;\\s*$", 0, 0, NULL);
	bool *seen = g_new0(bool, lumen_cfg_n_keys);
	char *section = NULL;
	char **lines;

	cr_assert(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		GMatchInfo *m = NULL;
		if (g_regex_match(sec_re, *l, 0, &m)) {
			g_free(section);
			section = g_match_info_fetch(m, 1);
		} else if (g_str_has_prefix(*l, "};")) {
			g_clear_pointer(&section, g_free);
		} else if (section && (g_match_info_free(m), g_regex_match(key_re, *l, 0, &m))) {
			char *hash = g_match_info_fetch(m, 1), *name = g_match_info_fetch(m, 2);
			const struct lumen_cfg_key *k = lumen_config_find_key(section, name);
			cr_assert_not_null(k, "conf/lumen.cfg has %s.%s, the table does not",
			                   section, name);
			cr_assert_eq(*hash != '\0', build_dependent(k),
			             "%s.%s: only build-dependent keys are commented out", section,
			             name);
			cr_assert_not(seen[k - lumen_cfg_keys], "%s.%s twice", section, name);
			seen[k - lumen_cfg_keys] = true;
			g_free(hash);
			g_free(name);
		}
		g_match_info_free(m);
	}
	for (size_t i = 0; i < lumen_cfg_n_keys; i++)
		cr_assert(seen[i], "conf/lumen.cfg lacks %s.%s", lumen_cfg_keys[i].section,
		          lumen_cfg_keys[i].name);
	g_strfreev(lines);
	g_free(section);
	g_free(seen);
	g_regex_unref(sec_re);
	g_regex_unref(key_re);
	g_free(text);
	g_free(path);
}

Test(config_sample, documents_each_key_with_its_doc_line)
{
	char *path = g_strdup_printf("%s/conf/lumen.cfg", srcdir()), *text = NULL;

	cr_assert(g_file_get_contents(path, &text, NULL, NULL));
	for (size_t i = 0; i < lumen_cfg_n_keys; i++)
		cr_assert_not_null(strstr(text, lumen_cfg_keys[i].doc),
		                   "conf/lumen.cfg lacks the doc of %s.%s: %s",
		                   lumen_cfg_keys[i].section, lumen_cfg_keys[i].name,
		                   lumen_cfg_keys[i].doc);
	g_free(text);
	g_free(path);
}

Test(config_docs, configuration_md_has_a_row_for_exactly_the_keys_of_the_table)
{
	char *path = g_strdup_printf("%s/docs/configuration.md", srcdir()), *text = NULL;
	GRegex *row_re =
	    g_regex_new("^\\| `([a-z_]+)\\.([a-z_0-9]+)` \\|", G_REGEX_MULTILINE, 0, NULL);
	GMatchInfo *m = NULL;
	size_t rows = 0;
	bool *seen = g_new0(bool, lumen_cfg_n_keys);

	cr_assert(g_file_get_contents(path, &text, NULL, NULL));
	for (g_regex_match(row_re, text, 0, &m); g_match_info_matches(m);
	     g_match_info_next(m, NULL)) {
		char *sec = g_match_info_fetch(m, 1), *name = g_match_info_fetch(m, 2);
		const struct lumen_cfg_key *k = lumen_config_find_key(sec, name);
		cr_assert_not_null(
		    k, "docs/configuration.md documents %s.%s, the table has no such key", sec,
		    name);
		cr_assert_not(seen[k - lumen_cfg_keys], "%s.%s documented twice", sec, name);
		seen[k - lumen_cfg_keys] = true;
		rows++;
		g_free(sec);
		g_free(name);
	}
	g_match_info_free(m);
	cr_assert_eq(rows, lumen_cfg_n_keys, "%zu rows for %zu keys", rows, lumen_cfg_n_keys);
	g_free(seen);
	g_regex_unref(row_re);
	g_free(text);
	g_free(path);
}
