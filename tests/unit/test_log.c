/* test_log.c -- specifications of log.c: level parsing, per-category specs, line formats (text and
 * JSON, parsed back with jansson), thread-local context, and whole lines under concurrent writers.
 * Criterion forks each test, so the logger's process-wide state starts fresh in every test. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <glib.h>
#include <jansson.h>

#include "log.h"

/* Criterion's own main() leaks its copy of the CRITERION_OUTPUTS setting (criterion_handle_args),
 * which make check sets; LeakSanitizer would fail the run for a leak that is not ours. */
__attribute__((visibility("default"))) const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:criterion_handle_args\n";
}

/* 2026-11-22T19:00:00.123456Z */
#define T0_US (INT64_C(1795374000) * 1000000 + 123456)

static char *fmt_line(enum lumen_log_format f, enum lumen_log_level lvl, const char *cat,
                      const struct lumen_log_ctx *ctx, const char *msg)
{
	char buf[1024];
	int n = lumen_log_format_line(buf, sizeof(buf), f, T0_US, lvl, cat, ctx, msg);

	cr_assert(n > 0 && (size_t)n < sizeof(buf));
	return g_strdup(buf);
}

/* Reads everything written to f so far. */
static char *slurp(FILE *f)
{
	long len;
	char *s;

	fflush(f);
	len = ftell(f);
	cr_assert(len >= 0);
	s = g_malloc0((size_t)len + 1);
	rewind(f);
	cr_assert_eq(fread(s, 1, (size_t)len, f), (size_t)len);
	return s;
}

Test(log_level, parses_every_name_and_warning_alias)
{
	cr_assert_eq(lumen_log_level_parse("error"), LUMEN_LOG_ERROR);
	cr_assert_eq(lumen_log_level_parse("warn"), LUMEN_LOG_WARN);
	cr_assert_eq(lumen_log_level_parse("warning"), LUMEN_LOG_WARN);
	cr_assert_eq(lumen_log_level_parse("info"), LUMEN_LOG_INFO);
	cr_assert_eq(lumen_log_level_parse("DEBUG"), LUMEN_LOG_DEBUG);
	cr_assert_eq(lumen_log_level_parse("trace"), LUMEN_LOG_TRACE);
	for (int i = LUMEN_LOG_ERROR; i <= LUMEN_LOG_TRACE; i++)
		cr_assert_eq(lumen_log_level_parse(lumen_log_level_name(i)), i);
}

Test(log_level, rejects_unknown_empty_and_null)
{
	cr_assert_eq(lumen_log_level_parse("verbose"), -EINVAL);
	cr_assert_eq(lumen_log_level_parse(""), -EINVAL);
	cr_assert_eq(lumen_log_level_parse("info "), -EINVAL);
	cr_assert_eq(lumen_log_level_parse(NULL), -EINVAL);
	cr_assert_str_eq(lumen_log_level_name(99), "?");
}

Test(log_levels_check, accepts_specs_with_spaces_and_the_empty_spec)
{
	cr_assert_eq(lumen_log_levels_check("ice:debug,dtls:trace", NULL), 0);
	cr_assert_eq(lumen_log_levels_check(" ice : debug , dtls:trace ", NULL), 0);
	cr_assert_eq(lumen_log_levels_check("", NULL), 0);
	cr_assert_eq(lumen_log_levels_check(NULL, NULL), 0);
	cr_assert_eq(lumen_log_levels_check("plugin.echo-test_1:warning", NULL), 0);
}

Test(log_levels_check, names_the_bad_part_of_a_spec)
{
	static const struct {
		const char *spec, *err;
	} cases[] = {
	    {"ice", "\"ice\" is not CATEGORY:LEVEL"},
	    {"ice:loud", "unknown level \"loud\" for category \"ice\" (error, warn, info, debug, "
	                 "trace)"},
	    {":debug", "bad category name \"\" (letters, digits, _ - .)"},
	    {"i ce:debug", "bad category name \"i ce\" (letters, digits, _ - .)"},
	    {"ice:debug,,dtls:trace", "empty entry (expected CATEGORY:LEVEL)"},
	    {"ice:debug,", "empty entry (expected CATEGORY:LEVEL)"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *err = NULL;
		cr_assert_eq(lumen_log_levels_check(cases[i].spec, &err), -EINVAL, "%s",
		             cases[i].spec);
		cr_assert_str_eq(err, cases[i].err);
		g_free(err);
	}
}

Test(log_format, text_line_has_rfc3339_ms_timestamp_padded_level_and_category)
{
	char *s = fmt_line(LUMEN_LOG_TEXT, LUMEN_LOG_INFO, "api", NULL, "hello");

	cr_assert_str_eq(s, "2026-11-22T19:00:00.123Z info  api: hello");
	g_free(s);
	s = fmt_line(LUMEN_LOG_TEXT, LUMEN_LOG_DEBUG, "ice", NULL, "x");
	cr_assert_str_eq(s, "2026-11-22T19:00:00.123Z debug ice: x");
	g_free(s);
}

Test(log_format, timestamp_before_the_epoch_floors_milliseconds)
{
	char buf[128];

	lumen_log_format_line(buf, sizeof(buf), LUMEN_LOG_TEXT, -1000, LUMEN_LOG_WARN, "c", NULL,
	                      "m");
	cr_assert_str_eq(buf, "1969-12-31T23:59:59.999Z warn  c: m");
}

Test(log_format, text_line_carries_merged_context)
{
	struct lumen_log_ctx outer = {.session = 123, .room = "x"};
	struct lumen_log_ctx inner = {.handle = 456, .prev = &outer};
	char *s = fmt_line(LUMEN_LOG_TEXT, LUMEN_LOG_INFO, "api", &inner, "message");

	cr_assert_str_eq(s, "2026-11-22T19:00:00.123Z info  api: session=123 handle=456 room=x: "
	                    "message");
	g_free(s);

	struct lumen_log_ctx only_room = {.room = "lobby"};
	s = fmt_line(LUMEN_LOG_TEXT, LUMEN_LOG_ERROR, "rooms", &only_room, "m");
	cr_assert_str_eq(s, "2026-11-22T19:00:00.123Z error rooms: room=lobby: m");
	g_free(s);

	struct lumen_log_ctx shadow = {.session = 9, .prev = &outer};
	s = fmt_line(LUMEN_LOG_TEXT, LUMEN_LOG_INFO, "api", &shadow, "m");
	cr_assert_str_eq(s, "2026-11-22T19:00:00.123Z info  api: session=9 room=x: m");
	g_free(s);
}

Test(log_format, text_line_escapes_control_characters_to_stay_one_line)
{
	char *s = fmt_line(LUMEN_LOG_TEXT, LUMEN_LOG_INFO, "api", NULL, "a\nb\rc\td\x01");

	cr_assert_str_eq(s, "2026-11-22T19:00:00.123Z info  api: a\\nb\\rc\\td\\x01");
	cr_assert_null(strchr(s, '\n'));
	g_free(s);
}

Test(log_format, json_line_parses_back_with_every_field)
{
	struct lumen_log_ctx ctx = {.session = 123, .handle = 456, .room = "x"};
	char *s = fmt_line(LUMEN_LOG_JSON, LUMEN_LOG_INFO, "api", &ctx, "say \"hi\"\n\\ done");
	json_error_t jerr;
	json_t *j = json_loads(s, 0, &jerr);

	cr_assert_not_null(j, "%s: %s", s, jerr.text);
	cr_assert_null(strchr(s, '\n'));
	cr_assert_str_eq(json_string_value(json_object_get(j, "ts")), "2026-11-22T19:00:00.123Z");
	cr_assert_str_eq(json_string_value(json_object_get(j, "level")), "info");
	cr_assert_str_eq(json_string_value(json_object_get(j, "category")), "api");
	cr_assert_eq(json_integer_value(json_object_get(j, "session")), 123);
	cr_assert_eq(json_integer_value(json_object_get(j, "handle")), 456);
	cr_assert_str_eq(json_string_value(json_object_get(j, "room")), "x");
	cr_assert_str_eq(json_string_value(json_object_get(j, "msg")), "say \"hi\"\n\\ done");
	cr_assert_eq(json_object_size(j), 7);
	/* Field order is stable, for people reading raw lines. */
	cr_assert(g_str_has_prefix(s, "{\"ts\":\"2026-11-22T19:00:00.123Z\",\"level\":\"info\","
	                              "\"category\":\"api\",\"session\":123"));
	json_decref(j);
	g_free(s);
}

Test(log_format, json_line_omits_absent_ids_and_stringifies_huge_ones)
{
	struct lumen_log_ctx ctx = {.session = UINT64_MAX};
	char *s = fmt_line(LUMEN_LOG_JSON, LUMEN_LOG_TRACE, "dtls", &ctx, "m");
	json_t *j = json_loads(s, 0, NULL);

	cr_assert_not_null(j);
	cr_assert_str_eq(json_string_value(json_object_get(j, "session")), "18446744073709551615");
	cr_assert_null(json_object_get(j, "handle"));
	cr_assert_null(json_object_get(j, "room"));
	cr_assert_str_eq(json_string_value(json_object_get(j, "level")), "trace");
	json_decref(j);
	g_free(s);
}

Test(log_format, json_line_survives_invalid_utf8)
{
	char *s = fmt_line(LUMEN_LOG_JSON, LUMEN_LOG_WARN, "api", NULL, "bad \xff byte");
	json_t *j = json_loads(s, 0, NULL);

	cr_assert_not_null(j, "%s", s);
	cr_assert(g_str_has_prefix(json_string_value(json_object_get(j, "msg")), "bad "));
	json_decref(j);
	g_free(s);
}

Test(log_format, reports_full_length_when_buffer_is_short)
{
	char small[8], big[256];
	int n = lumen_log_format_line(small, sizeof(small), LUMEN_LOG_TEXT, T0_US, LUMEN_LOG_INFO,
	                              "api", NULL, "hello");
	int m = lumen_log_format_line(big, sizeof(big), LUMEN_LOG_TEXT, T0_US, LUMEN_LOG_INFO,
	                              "api", NULL, "hello");

	cr_assert_eq(n, m);
	cr_assert_eq((size_t)m, strlen(big));
	cr_assert_eq(strlen(small), sizeof(small) - 1);
}

LUMEN_LOG_CATEGORY(cat_ice, "ice");
LUMEN_LOG_CATEGORY(cat_dtls, "dtls");
LUMEN_LOG_CATEGORY(cat_api, "api");

Test(log_levels, default_is_info_for_every_category)
{
	cr_assert(lumen_log_enabled(&cat_api, LUMEN_LOG_INFO));
	cr_assert_not(lumen_log_enabled(&cat_api, LUMEN_LOG_DEBUG));
	cr_assert_eq(cat_api.level, LUMEN_LOG_INFO);
}

Test(log_levels, spec_applies_to_categories_registered_before_and_after)
{
	cr_assert_not(lumen_log_enabled(&cat_ice, LUMEN_LOG_DEBUG)); /* registers ice */
	cr_assert_eq(lumen_log_configure(LUMEN_LOG_WARN, "ice:debug,dtls:trace", LUMEN_LOG_TEXT),
	             0);
	cr_assert(lumen_log_enabled(&cat_ice, LUMEN_LOG_DEBUG));
	cr_assert_not(lumen_log_enabled(&cat_ice, LUMEN_LOG_TRACE));
	cr_assert(lumen_log_enabled(&cat_dtls, LUMEN_LOG_TRACE)); /* registers dtls now */
	cr_assert(lumen_log_enabled(&cat_api, LUMEN_LOG_WARN));
	cr_assert_not(lumen_log_enabled(&cat_api, LUMEN_LOG_INFO));

	/* A new spec replaces the old one as a whole. */
	cr_assert_eq(lumen_log_configure(LUMEN_LOG_ERROR, "dtls:info", LUMEN_LOG_TEXT), 0);
	cr_assert_eq(cat_ice.level, LUMEN_LOG_ERROR);
	cr_assert_eq(cat_dtls.level, LUMEN_LOG_INFO);
	cr_assert_eq(cat_api.level, LUMEN_LOG_ERROR);
}

Test(log_levels, later_entries_of_a_spec_win)
{
	cr_assert_eq(lumen_log_configure(LUMEN_LOG_INFO, "ice:debug, ice:error", LUMEN_LOG_TEXT),
	             0);
	cr_assert_not(lumen_log_enabled(&cat_ice, LUMEN_LOG_WARN));
	cr_assert(lumen_log_enabled(&cat_ice, LUMEN_LOG_ERROR));
}

Test(log_configure, invalid_input_changes_nothing)
{
	cr_assert_eq(lumen_log_configure(LUMEN_LOG_DEBUG, "ice:trace", LUMEN_LOG_TEXT), 0);
	cr_assert(lumen_log_enabled(&cat_api, LUMEN_LOG_DEBUG));
	cr_assert(lumen_log_enabled(&cat_ice, LUMEN_LOG_TRACE));

	cr_assert_eq(lumen_log_configure(LUMEN_LOG_ERROR, "ice:loud", LUMEN_LOG_JSON), -EINVAL);
	cr_assert_eq(lumen_log_configure(7, "", LUMEN_LOG_TEXT), -EINVAL);
	cr_assert_eq(lumen_log_configure(LUMEN_LOG_ERROR, "", 5), -EINVAL);
	cr_assert_eq(cat_api.level, LUMEN_LOG_DEBUG);
	cr_assert_eq(cat_ice.level, LUMEN_LOG_TRACE);

	/* The format did not switch to JSON either. */
	FILE *f = tmpfile();
	lumen_log_set_stream(f);
	lumen_log(&cat_api, LUMEN_LOG_INFO, "still text");
	lumen_log_set_stream(NULL);
	char *s = slurp(f);
	cr_assert(g_str_has_suffix(s, " info  api: still text\n"), "%s", s);
	g_free(s);
	fclose(f);
}

Test(log_category, dynamic_categories_are_interned_and_follow_the_spec)
{
	struct lumen_log_cat *a = lumen_log_category("plugin.echotest");
	struct lumen_log_cat *b = lumen_log_category("plugin.echotest");

	cr_assert_eq(a, b);
	cr_assert_str_eq(a->name, "plugin.echotest");
	cr_assert_eq(lumen_log_configure(LUMEN_LOG_INFO, "plugin.echotest:trace", LUMEN_LOG_TEXT),
	             0);
	cr_assert(lumen_log_enabled(a, LUMEN_LOG_TRACE));
}

Test(log_write, lines_go_to_the_stream_with_thread_context_and_respect_levels)
{
	FILE *f = tmpfile();
	struct lumen_log_ctx sess = {.session = 7};
	struct lumen_log_ctx hnd = {.handle = 8};

	lumen_log_set_stream(f);
	LOG_INFO(cat_api, "before %d", 1);
	lumen_log_ctx_push(&sess);
	lumen_log_ctx_push(&hnd);
	cr_assert_eq(lumen_log_ctx_current(), &hnd);
	LOG_WARN(cat_api, "inside");
	LOG_DEBUG(cat_api, "hidden");
	lumen_log_ctx_pop(&hnd);
	LOG_INFO(cat_api, "session only");
	lumen_log_ctx_pop(&sess);
	cr_assert_null(lumen_log_ctx_current());
	LOG_ERROR(cat_api, "after");
	lumen_log_set_stream(NULL);

	char *s = slurp(f);
	char **lines = g_strsplit(s, "\n", -1);
	cr_assert_eq(g_strv_length(lines), 5, "%s", s); /* 4 lines + "" after the last newline */
	cr_assert(g_str_has_suffix(lines[0], "Z info  api: before 1"), "%s", lines[0]);
	cr_assert(g_str_has_suffix(lines[1], "Z warn  api: session=7 handle=8: inside"));
	cr_assert(g_str_has_suffix(lines[2], "Z info  api: session=7: session only"));
	cr_assert(g_str_has_suffix(lines[3], "Z error api: after"));
	cr_assert_str_eq(lines[4], "");
	/* The timestamp is RFC 3339 UTC with milliseconds. */
	cr_assert(g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ",
	                               lines[0], 0, 0));
	g_strfreev(lines);
	g_free(s);
	fclose(f);
}

Test(log_write, json_format_writes_one_json_object_per_line)
{
	FILE *f = tmpfile();
	struct lumen_log_ctx ctx = {.session = 1, .room = "r\"1"};

	cr_assert_eq(lumen_log_configure(LUMEN_LOG_INFO, NULL, LUMEN_LOG_JSON), 0);
	lumen_log_set_stream(f);
	lumen_log_ctx_push(&ctx);
	LOG_INFO(cat_api, "multi\nline");
	lumen_log_ctx_pop(&ctx);
	lumen_log_set_stream(NULL);

	char *s = slurp(f);
	cr_assert(g_str_has_suffix(s, "}\n"));
	cr_assert_eq(strchr(s, '\n'), s + strlen(s) - 1);
	json_t *j = json_loads(s, 0, NULL);
	cr_assert_not_null(j, "%s", s);
	cr_assert_str_eq(json_string_value(json_object_get(j, "msg")), "multi\nline");
	cr_assert_str_eq(json_string_value(json_object_get(j, "room")), "r\"1");
	cr_assert_eq(json_integer_value(json_object_get(j, "session")), 1);
	json_decref(j);
	g_free(s);
	fclose(f);
}

static gpointer ctx_in_other_thread(gpointer data)
{
	return (gpointer)lumen_log_ctx_current();
}

Test(log_ctx, context_is_per_thread)
{
	struct lumen_log_ctx ctx = {.session = 5};

	lumen_log_ctx_push(&ctx);
	GThread *t = g_thread_new("other", ctx_in_other_thread, NULL);
	cr_assert_null(g_thread_join(t));
	cr_assert_eq(lumen_log_ctx_current(), &ctx);
	lumen_log_ctx_pop(&ctx);
}

#define N_THREADS 4
#define N_LINES   300

static gpointer writer(gpointer data)
{
	struct lumen_log_ctx ctx = {.session = GPOINTER_TO_UINT(data)};
	/* Long lines make a torn write likely if lines were written in pieces. */
	char pad[301];

	memset(pad, 'a' + (int)GPOINTER_TO_UINT(data), sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	lumen_log_ctx_push(&ctx);
	for (int i = 0; i < N_LINES; i++)
		LOG_INFO(cat_api, "%d %s", i, pad);
	lumen_log_ctx_pop(&ctx);
	return NULL;
}

Test(log_write, concurrent_writers_never_tear_lines)
{
	FILE *f = tmpfile();
	GThread *t[N_THREADS];
	int counts[N_THREADS + 1] = {0};

	cr_assert_eq(lumen_log_configure(LUMEN_LOG_INFO, NULL, LUMEN_LOG_JSON), 0);
	lumen_log_set_stream(f);
	for (unsigned i = 0; i < N_THREADS; i++)
		t[i] = g_thread_new("w", writer, GUINT_TO_POINTER(i + 1));
	for (unsigned i = 0; i < N_THREADS; i++)
		g_thread_join(t[i]);
	lumen_log_set_stream(NULL);

	char *s = slurp(f);
	char **lines = g_strsplit(s, "\n", -1);
	cr_assert_eq(g_strv_length(lines), N_THREADS * N_LINES + 1);
	for (unsigned i = 0; i < N_THREADS * N_LINES; i++) {
		json_t *j = json_loads(lines[i], 0, NULL);
		cr_assert_not_null(j, "torn line %u: %s", i, lines[i]);
		json_int_t sess = json_integer_value(json_object_get(j, "session"));
		cr_assert(sess >= 1 && sess <= N_THREADS);
		const char *msg = json_string_value(json_object_get(j, "msg"));
		/* The message's padding letter matches the writer's session id. */
		cr_assert_eq(msg[strlen(msg) - 1], 'a' + sess);
		counts[sess]++;
		json_decref(j);
	}
	for (int i = 1; i <= N_THREADS; i++)
		cr_assert_eq(counts[i], N_LINES);
	g_strfreev(lines);
	g_free(s);
	fclose(f);
}

static gpointer ask_category(gpointer data)
{
	return lumen_log_category("plugin.race");
}

Test(log_category, threads_asking_for_a_new_name_get_the_same_category)
{
	GThread *t[8];
	gpointer got[8];

	for (int i = 0; i < 8; i++)
		t[i] = g_thread_new("cat", ask_category, NULL);
	for (int i = 0; i < 8; i++)
		got[i] = g_thread_join(t[i]);
	for (int i = 1; i < 8; i++)
		cr_assert_eq(got[i], got[0]);
	cr_assert_eq(lumen_log_category("plugin.race"), got[0]);
}
