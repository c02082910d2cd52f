/* test_bench_srvdelay.c -- lumen-bench's reading of lumen's forwarding-delay histogram
 * (tools/bench/srvdelay.h): parsing the Prometheus text, the window's quantiles. */
#include <criterion/criterion.h>

#include <math.h>
#include <string.h>

#include "srvdelay.h"

/* What lumen's /metrics says (src/api/media_metrics.c), cut to five buckets, among other
 * families. */
static const char before[] =
	"# HELP lumen_forward_delay_seconds how long lumen holds a packet it forwards\n"
	"# TYPE lumen_forward_delay_seconds histogram\n"
	"lumen_forward_delay_seconds_bucket{le=\"0.0001\"} 10\n"
	"lumen_forward_delay_seconds_bucket{le=\"0.0005\"} 60\n"
	"lumen_forward_delay_seconds_bucket{le=\"0.001\"} 90\n"
	"lumen_forward_delay_seconds_bucket{le=\"0.002\"} 100\n"
	"lumen_forward_delay_seconds_bucket{le=\"+Inf\"} 100\n"
	"lumen_forward_delay_seconds_sum 0.05\n"
	"lumen_forward_delay_seconds_count 100\n"
	"lumen_media_rx_connections 3\n";

/* 1000 samples later: 800 <= 0.1 ms, 185 in (0.1, 0.5], 10 in (0.5, 1], 5 in (1, 2]. */
static const char after[] =
	"lumen_media_rx_connections 3\n"
	"lumen_forward_delay_seconds_bucket{le=\"0.0001\"} 810\n"
	"lumen_forward_delay_seconds_bucket{le=\"0.0005\"} 1045\n"
	"lumen_forward_delay_seconds_bucket{le=\"0.001\"} 1085\n"
	"lumen_forward_delay_seconds_bucket{le=\"0.002\"} 1100\n"
	"lumen_forward_delay_seconds_bucket{le=\"+Inf\"} 1100\n"
	"lumen_forward_delay_seconds_count 1100"; /* no final newline */

Test(srvdelay, parses_the_buckets_in_order)
{
	struct bench_srvdelay d;

	cr_assert_eq(bench_srvdelay_parse(before, strlen(before), &d), 0);
	cr_assert_eq(d.n, 5);
	cr_assert_float_eq(d.le[0], 0.0001, 1e-12);
	cr_assert_eq(d.count[2], 90);
	cr_assert(isinf(d.le[4]));
	cr_assert_eq(d.count[4], 100);
}

Test(srvdelay, quantiles_of_the_window_only)
{
	struct bench_srvdelay a, b;

	cr_assert_eq(bench_srvdelay_parse(before, strlen(before), &a), 0);
	cr_assert_eq(bench_srvdelay_parse(after, strlen(after), &b), 0);
	cr_assert_eq(bench_srvdelay_samples(&a, &b), 1000);
	/* 800 of 1000 <= 0.1 ms: the median is in the first bucket */
	cr_assert_float_eq(bench_srvdelay_quantile_ms(&a, &b, 0.5), 0.1, 1e-9);
	/* 985 <= 0.5 ms, 995 <= 1 ms: p99 is in (0.5, 1] */
	cr_assert_float_eq(bench_srvdelay_quantile_ms(&a, &b, 0.99), 1.0, 1e-9);
	cr_assert_float_eq(bench_srvdelay_quantile_ms(&a, &b, 0.999), 2.0, 1e-9);
	/* the whole histogram (from zero) would say otherwise: p50 in (0.1, 0.5] is not the window's */
	struct bench_srvdelay zero = b;

	memset(zero.count, 0, sizeof(zero.count));
	cr_assert_float_eq(bench_srvdelay_quantile_ms(&zero, &a, 0.5), 0.5, 1e-9);
}

Test(srvdelay, no_samples_or_other_buckets_give_no_quantile)
{
	struct bench_srvdelay a, c;
	static const char other[] = "lumen_forward_delay_seconds_bucket{le=\"0.001\"} 5\n"
				    "lumen_forward_delay_seconds_bucket{le=\"+Inf\"} 5\n";

	cr_assert_eq(bench_srvdelay_parse(before, strlen(before), &a), 0);
	cr_assert_lt(bench_srvdelay_quantile_ms(&a, &a, 0.99), 0, "no samples in between");
	cr_assert_eq(bench_srvdelay_parse(other, strlen(other), &c), 0);
	cr_assert_eq(bench_srvdelay_samples(&a, &c), 0, "different buckets are not one histogram");
	cr_assert_lt(bench_srvdelay_quantile_ms(&a, &c, 0.5), 0);
}

Test(srvdelay, rejects_what_is_not_the_histogram)
{
	struct bench_srvdelay d;
	static const char none[] = "lumen_media_rx_connections 3\n";
	static const char decreasing[] = "lumen_forward_delay_seconds_bucket{le=\"0.001\"} 5\n"
					 "lumen_forward_delay_seconds_bucket{le=\"0.0001\"} 5\n";
	static const char unterminated[] = "lumen_forward_delay_seconds_bucket{le=\"0.001 5\n";

	cr_assert_eq(bench_srvdelay_parse(none, strlen(none), &d), -1);
	cr_assert_eq(bench_srvdelay_parse(decreasing, strlen(decreasing), &d), -1);
	cr_assert_eq(bench_srvdelay_parse(unterminated, strlen(unterminated), &d), -1);
	cr_assert_eq(bench_srvdelay_parse("", 0, &d), -1);
}
