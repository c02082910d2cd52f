/* test_bench_canary.c -- lumen-bench's CPU-speed canary (tools/bench/canary.h): it works in
 * bursts on the CPU it was given, even one the caller may not run on; its readings add up; a CPU
 * that does not exist is a clear error. What a unit costs is a measurement (compare-janus.sh),
 * not something a test can assert. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <glib.h>

#include "canary.h"

/* Waits up to 2 s for the canary's totals to pass `units`. */
static void wait_units(struct bench_canary *c, uint64_t units, struct bench_canary_reading *out)
{
	for (int i = 0; i < 200; i++) {
		bench_canary_read(c, out);
		if (out->units > units)
			return;
		g_usleep(10000);
	}
}

/* This process's thread ids, into tids (at most max); returns how many. */
static int list_tids(pid_t *tids, int max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) && n < max)
		if (atoi(e->d_name) > 0)
			tids[n++] = (pid_t)atoi(e->d_name);
	closedir(d);
	return n;
}

static bool listed(const pid_t *tids, int n, pid_t tid)
{
	for (int i = 0; i < n; i++)
		if (tids[i] == tid)
			return true;
	return false;
}

Test(canary, works_in_bursts_and_its_readings_add_up)
{
	char *err = NULL;
	struct bench_canary *c = bench_canary_start(0, &err);
	struct bench_canary_reading a, b;

	cr_assert_not_null(c, "%s", err ? err : "");
	wait_units(c, 0, &a);
	cr_assert_gt(a.units, 0, "no burst in 2 s");
	cr_assert_eq(a.units % 8, 0, "units come in bursts of 8 (%lu)", (unsigned long)a.units);
	cr_assert_gt(a.cpu_ns, 0);
	wait_units(c, a.units, &b);
	cr_assert_gt(b.units, a.units);
	cr_assert_geq(b.cpu_ns, a.cpu_ns);
	cr_assert_gt(bench_canary_ns_per_unit(&a, &b), 0);
	cr_assert_eq(b.wakes * 8, b.units, "one wake-up per burst (%lu, %lu units)",
		     (unsigned long)b.wakes, (unsigned long)b.units);
	cr_assert_gt(bench_canary_ns_per_wake(&a, &b), 0);
	cr_assert_eq(b.exchanges, b.wakes * 4, "4 round trips with the peer per burst (%lu)",
		     (unsigned long)b.exchanges);
	cr_assert_gt(bench_canary_ns_per_exchange(&a, &b), 0);
	/* the timed parts are disjoint stretches of the canary's thread, read before its clock */
	cr_assert_geq(b.threads_ns, b.cpu_ns + b.wake_ns + b.exchange_ns,
		      "the threads' CPU (%lu ns) holds what the canary timed (%lu ns)",
		      (unsigned long)b.threads_ns,
		      (unsigned long)(b.cpu_ns + b.wake_ns + b.exchange_ns));
	bench_canary_stop(c);
}

Test(canary, runs_on_the_cpu_it_was_given_even_one_the_caller_may_not_use)
{
	pid_t before[64], after[64], fresh[2];
	int nfresh = 0, pinned = -1;
	int nb, na, target = 0;
	cpu_set_t set;
	char *err = NULL;
	struct bench_canary *c;
	struct bench_canary_reading r;

	if (get_nprocs() < 2)
		cr_skip_test("one CPU: nothing to pin away from");
	/* The caller on CPU 1, the canary on CPU 0: compare-janus.sh's arrangement. */
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	cr_assert_eq(sched_setaffinity(0, sizeof(set), &set), 0);
	nb = list_tids(before, 64);
	c = bench_canary_start(target, &err);
	cr_assert_not_null(c, "%s", err ? err : "");
	wait_units(c, 0, &r);
	cr_assert_gt(r.units, 0, "the canary did no work on CPU %d", target);
	na = list_tids(after, 64);
	for (int i = 0; i < na; i++)
		if (!listed(before, nb, after[i])) {
			cr_assert_lt(nfresh, 2, "two new threads: the canary and its peer");
			fresh[nfresh++] = after[i];
		}
	cr_assert_eq(nfresh, 2, "two new threads: the canary and its peer");
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(sched_getaffinity(fresh[i], sizeof(set), &set), 0);
		if (CPU_COUNT(&set) == 1 && CPU_ISSET(target, &set)) {
			cr_assert_eq(pinned, -1, "one thread pinned to CPU %d", target);
			pinned = i;
		} else {
			cr_assert(CPU_ISSET(1, &set) && !CPU_ISSET(target, &set),
				  "the peer runs on the caller's CPUs");
		}
	}
	cr_assert_neq(pinned, -1, "the canary's thread is pinned to CPU %d", target);
	bench_canary_stop(c);
	na = list_tids(after, 64);
	cr_assert_not(listed(after, na, fresh[0]) || listed(after, na, fresh[1]),
		      "stop joined both threads");
}

Test(canary, a_cpu_that_does_not_exist_is_a_clear_error)
{
	int bad[] = {-1, get_nprocs_conf(), 100000};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;

		cr_assert_null(bench_canary_start(bad[i], &err), "CPU %d", bad[i]);
		cr_assert_not_null(err);
		cr_assert_not_null(strstr(err, "no CPU"), "%s", err);
		g_free(err);
	}
	bench_canary_stop(NULL);
}

Test(canary, the_means_are_the_cpu_time_over_the_units_and_wakes_between_two_readings)
{
	struct bench_canary_reading a = {.units = 80, .cpu_ns = 100000},
				    b = {.units = 240, .cpu_ns = 420000};

	cr_assert_float_eq(bench_canary_ns_per_unit(&a, &b), 2000.0, 1e-9);
	cr_assert_float_eq(bench_canary_ns_per_unit(&a, &a), 0.0, 1e-9, "no units: 0, not NaN");
	cr_assert_float_eq(bench_canary_ns_per_unit(&b, &a), 0.0, 1e-9, "readings out of order");
	a.wakes = 10, a.wake_ns = 30000, b.wakes = 30, b.wake_ns = 90000;
	cr_assert_float_eq(bench_canary_ns_per_wake(&a, &b), 3000.0, 1e-9);
	cr_assert_float_eq(bench_canary_ns_per_wake(&a, &a), 0.0, 1e-9);
	a.exchanges = 40, a.exchange_ns = 400000, b.exchanges = 120, b.exchange_ns = 1200000;
	cr_assert_float_eq(bench_canary_ns_per_exchange(&a, &b), 10000.0, 1e-9);
}
