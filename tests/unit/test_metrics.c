/* test_metrics.c -- the metric registry and its Prometheus text format 0.0.4 output
 * (src/metrics.c): registration rules, sample checks, escaping, value formatting, owners. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "metrics.h"

static void teardown(void)
{
	lumen_metrics_clear();
}

TestSuite(metrics, .fini = teardown);

static void emit_two(struct lumen_metrics_out *out, void *arg)
{
	const char *name = arg;

	lumen_metrics_emit(out, name, "room=\"a\"", 3);
	lumen_metrics_emit(out, name, "room=\"b\"", 0.5);
}

static void emit_plain(struct lumen_metrics_out *out, void *arg)
{
	lumen_metrics_emit(out, NULL, NULL, *(double *)arg);
}

Test(metrics, renders_help_type_and_samples_in_registration_order)
{
	size_t dropped = 99;
	char *text;

	cr_assert_eq(lumen_metrics_register("lumen_rooms", LUMEN_METRIC_GAUGE, "Rooms open.",
	                                    emit_two, "lumen_rooms"),
	             0);
	cr_assert_eq(lumen_metrics_register("lumen_joins_total", LUMEN_METRIC_COUNTER, "Joins.",
	                                    emit_two, "lumen_joins_total"),
	             0);
	text = lumen_metrics_render(&dropped);
	cr_assert_str_eq(text, "# HELP lumen_rooms Rooms open.\n"
	                       "# TYPE lumen_rooms gauge\n"
	                       "lumen_rooms{room=\"a\"} 3\n"
	                       "lumen_rooms{room=\"b\"} 0.5\n"
	                       "# HELP lumen_joins_total Joins.\n"
	                       "# TYPE lumen_joins_total counter\n"
	                       "lumen_joins_total{room=\"a\"} 3\n"
	                       "lumen_joins_total{room=\"b\"} 0.5\n");
	cr_assert_eq(dropped, 0);
	g_free(text);
}

Test(metrics, plugin_registration_requires_the_lumen_prefix_and_a_valid_name)
{
	static const char *const bad[] = {"rooms",         "",        "lumen rooms",
	                                  "lumen_rooms{}", "lumen-x", "lumen_é"};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		cr_assert_eq(lumen_metrics_register(bad[i], LUMEN_METRIC_GAUGE, "", emit_two, NULL),
		             -EINVAL, "%s", bad[i]);
	cr_assert_eq(lumen_metrics_register(NULL, LUMEN_METRIC_GAUGE, "", emit_two, NULL), -EINVAL);
	cr_assert_eq(lumen_metrics_register("lumen_x", LUMEN_METRIC_GAUGE, "", NULL, NULL),
	             -EINVAL);
	cr_assert_eq(
	    lumen_metrics_register("lumen_x", (enum lumen_metric_type)7, "", emit_two, NULL),
	    -EINVAL);
	cr_assert_eq(
	    lumen_metrics_register("lumen_x:y_1", LUMEN_METRIC_GAUGE, NULL, emit_two, NULL), 0);
	cr_assert_eq(lumen_metrics_register_core("process_start_time_seconds", LUMEN_METRIC_GAUGE,
	                                         "", emit_two, NULL),
	             0);
	cr_assert_eq(lumen_metrics_register_core("9lives", LUMEN_METRIC_GAUGE, "", emit_two, NULL),
	             -EINVAL);
}

Test(metrics, refuses_a_second_family_with_the_same_name)
{
	cr_assert_eq(lumen_metrics_register("lumen_a", LUMEN_METRIC_GAUGE, "", emit_two, NULL), 0);
	cr_assert_eq(lumen_metrics_register("lumen_a", LUMEN_METRIC_COUNTER, "", emit_two, NULL),
	             -EEXIST);
	cr_assert_eq(lumen_metrics_register_core("lumen_a", LUMEN_METRIC_GAUGE, "", emit_two, NULL),
	             -EEXIST);
}

static void emit_bad(struct lumen_metrics_out *out, void *arg)
{
	static const char *const bad_labels[] = {
	    "room",           /* no value */
	    "room=a",         /* unquoted */
	    "room=\"a",       /* unterminated */
	    "room=\"a\"x",    /* junk after the value */
	    "=\"a\"",         /* no name */
	    "1room=\"a\"",    /* name starts with a digit */
	    "__name__=\"a\"", /* reserved */
	    "room=\"a\\x\"",  /* unknown escape */
	    "room=\"a\nb\"",  /* raw newline */
	    "room=\"a\",,",   /* empty pair */
	    "ro-om=\"a\"",    /* bad character in the name */
	    "room=\"a\"}",    /* brace inside */
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad_labels); i++)
		lumen_metrics_emit(out, NULL, bad_labels[i], 1);
	lumen_metrics_emit(out, "lumen_other", NULL, 1); /* another family's name */
	lumen_metrics_emit(out, NULL, "room=\"ok\"", 1);
	lumen_metrics_emit(out, NULL, "room=\"ok\"", 2); /* duplicate label set */
	lumen_metrics_emit(out, NULL, "room=\"q\\\"\\\\\\n\",kind=\"x\",", 4);
}

Test(metrics, drops_samples_with_a_bad_name_bad_labels_or_a_duplicate_label_set)
{
	size_t dropped = 0;
	char *text;

	cr_assert_eq(lumen_metrics_register("lumen_t", LUMEN_METRIC_GAUGE, "h", emit_bad, NULL), 0);
	text = lumen_metrics_render(&dropped);
	cr_assert_str_eq(text, "# HELP lumen_t h\n"
	                       "# TYPE lumen_t gauge\n"
	                       "lumen_t{room=\"ok\"} 1\n"
	                       "lumen_t{room=\"q\\\"\\\\\\n\",kind=\"x\"} 4\n");
	cr_assert_eq(dropped, 14);
	g_free(text);
}

Test(metrics, escapes_backslash_and_newline_in_help)
{
	char *text;

	cr_assert_eq(lumen_metrics_register("lumen_h", LUMEN_METRIC_GAUGE, "a\\b\nc \"q\"",
	                                    emit_two, "lumen_h"),
	             0);
	text = lumen_metrics_render(NULL);
	cr_assert(strstr(text, "# HELP lumen_h a\\\\b\\nc \"q\"\n"), "%s", text);
	g_free(text);
}

Test(metrics, formats_integers_fractions_and_special_values)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
	    {0, "lumen_v 0\n"},
	    {42, "lumen_v 42\n"},
	    {-7, "lumen_v -7\n"},
	    {1e15, "lumen_v 1000000000000000\n"},
	    {0.25, "lumen_v 0.25\n"},
	    {1e300, "lumen_v 1.0000000000000001e+300\n"},
	    {NAN, "lumen_v NaN\n"},
	    {INFINITY, "lumen_v +Inf\n"},
	    {-INFINITY, "lumen_v -Inf\n"},
	};
	double v;

	cr_assert_eq(lumen_metrics_register("lumen_v", LUMEN_METRIC_GAUGE, "", emit_plain, &v), 0);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *text;

		v = cases[i].v;
		text = lumen_metrics_render(NULL);
		cr_assert(g_str_has_suffix(text, cases[i].want), "value %g gave %s", v, text);
		g_free(text);
	}
}

Test(metrics, label_append_escapes_values_and_separates_pairs)
{
	GString *l = g_string_new(NULL);

	lumen_metrics_label_append(l, "package", "janus.plugin.echotest");
	lumen_metrics_label_append(l, "version", "a\"b\\c\nd");
	lumen_metrics_label_append(l, "empty", NULL);
	cr_assert_str_eq(
	    l->str, "package=\"janus.plugin.echotest\",version=\"a\\\"b\\\\c\\nd\",empty=\"\"");
	cr_assert_eq(lumen_metrics_labels_check(l->str), 0);
	g_string_free(l, TRUE);
}

static int unregister_result;

static void emit_and_unregister(struct lumen_metrics_out *out, void *arg)
{
	unregister_result = lumen_metrics_unregister("lumen_self");
	lumen_metrics_emit(out, NULL, NULL, 1);
}

Test(metrics, a_collect_callback_cannot_change_the_registry)
{
	char *text;

	cr_assert_eq(
	    lumen_metrics_register("lumen_self", LUMEN_METRIC_GAUGE, "", emit_and_unregister, NULL),
	    0);
	text = lumen_metrics_render(NULL);
	cr_assert_eq(unregister_result, -EBUSY);
	cr_assert(strstr(text, "lumen_self 1\n"));
	g_free(text);
	cr_assert_eq(lumen_metrics_unregister("lumen_self"), 0);
	cr_assert_eq(lumen_metrics_unregister("lumen_self"), -ENOENT);
}

Test(metrics, unregistering_an_owner_removes_only_its_families)
{
	int plugin_a = 1, plugin_b = 2;
	char *text;

	lumen_metrics_set_owner(&plugin_a);
	cr_assert_eq(lumen_metrics_register("lumen_a1", LUMEN_METRIC_GAUGE, "", emit_two, NULL), 0);
	cr_assert_eq(lumen_metrics_register("lumen_a2", LUMEN_METRIC_GAUGE, "", emit_two, NULL), 0);
	lumen_metrics_set_owner(&plugin_b);
	cr_assert_eq(lumen_metrics_register("lumen_b1", LUMEN_METRIC_GAUGE, "", emit_two, NULL), 0);
	lumen_metrics_set_owner(NULL);
	cr_assert_eq(lumen_metrics_register("lumen_core1", LUMEN_METRIC_GAUGE, "", emit_two, NULL),
	             0);

	cr_assert_eq(lumen_metrics_unregister_owner(&plugin_a), 2);
	cr_assert_eq(lumen_metrics_unregister_owner(&plugin_a), 0);
	cr_assert_eq(lumen_metrics_unregister_owner(NULL), 0);
	text = lumen_metrics_render(NULL);
	cr_assert_null(strstr(text, "lumen_a1"));
	cr_assert_null(strstr(text, "lumen_a2"));
	cr_assert_not_null(strstr(text, "# TYPE lumen_b1 gauge"));
	cr_assert_not_null(strstr(text, "# TYPE lumen_core1 gauge"));
	g_free(text);
}

Test(metrics, an_empty_registry_renders_an_empty_page)
{
	size_t dropped = 5;
	char *text = lumen_metrics_render(&dropped);

	cr_assert_str_eq(text, "");
	cr_assert_eq(dropped, 0);
	g_free(text);
	lumen_metrics_emit(NULL, "lumen_x", NULL, 1); /* outside a render: ignored, no crash */
}

static void emit_histogram(struct lumen_metrics_out *out, void *arg)
{
	(void)arg;
	lumen_metrics_emit(out, "lumen_delay_seconds_bucket", "le=\"0.001\"", 3);
	lumen_metrics_emit(out, "lumen_delay_seconds_bucket", "le=\"+Inf\"", 4);
	lumen_metrics_emit(out, "lumen_delay_seconds_sum", NULL, 0.5);
	lumen_metrics_emit(out, "lumen_delay_seconds_count", NULL, 4);
	/* Wrong: a bucket without its bound, the family's bare name, a foreign suffix, a repeat. */
	lumen_metrics_emit(out, "lumen_delay_seconds_bucket", NULL, 1);
	lumen_metrics_emit(out, NULL, NULL, 1);
	lumen_metrics_emit(out, "lumen_delay_seconds_total", NULL, 1);
	lumen_metrics_emit(out, "lumen_delay_seconds_count", NULL, 5);
}

Test(metrics, a_histogram_renders_buckets_sum_and_count_and_drops_anything_else)
{
	size_t dropped = 0;
	char *text;

	cr_assert_eq(lumen_metrics_register("lumen_delay_seconds", LUMEN_METRIC_HISTOGRAM,
	                                    "Delay.", emit_histogram, NULL),
	             0);
	text = lumen_metrics_render(&dropped);
	cr_assert_str_eq(text, "# HELP lumen_delay_seconds Delay.\n"
	                       "# TYPE lumen_delay_seconds histogram\n"
	                       "lumen_delay_seconds_bucket{le=\"0.001\"} 3\n"
	                       "lumen_delay_seconds_bucket{le=\"+Inf\"} 4\n"
	                       "lumen_delay_seconds_sum 0.5\n"
	                       "lumen_delay_seconds_count 4\n");
	cr_assert_eq(dropped, 4);
	g_free(text);
}

Test(metrics, counters_and_gauges_take_no_histogram_suffixes)
{
	size_t dropped = 0;
	char *text;
	double v = 2;

	cr_assert_eq(lumen_metrics_register("lumen_x", LUMEN_METRIC_GAUGE, "X.", emit_plain, &v), 0);
	cr_assert_eq(lumen_metrics_register("lumen_y", LUMEN_METRIC_COUNTER, "Y.", emit_histogram,
	                                    NULL),
	             0);
	text = lumen_metrics_render(&dropped);
	cr_assert_str_eq(text, "# HELP lumen_x X.\n# TYPE lumen_x gauge\nlumen_x 2\n"
	                       "# HELP lumen_y Y.\n# TYPE lumen_y counter\nlumen_y 1\n");
	cr_assert_eq(dropped, 7);
	g_free(text);
}
