/* floor.h -- what lumen-floor's measurements share (floor.c, floor_rig.c): the figure a
 * measurement yields and the clock and median helpers behind it. */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

#include <stdint.h>
#include <time.h>

#define FLOOR_MAX_RUNS 101

/* One measured figure: the median and spread of runs, in ns per packet. */
struct figure {
	double median, min, max;
	double cpu_median; /* thread CPU time, which the wall figure exceeds if we were preempted */
};

int64_t floor_clock_ns(clockid_t id);
/* Sorts wall and cpu (n runs each) and sets f from them. */
void floor_summarize(struct figure *f, double *wall, double *cpu, int n);

#endif
