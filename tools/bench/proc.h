/* proc.h -- CPU time and RSS of a process from /proc (all its threads): the server's cost per
 * forwarded packet, and lumen-bench's own load (to tell when the bench, not the server, is the
 * limit). Linux only; reads files, no state. */
#ifndef BENCH_PROC_H
#define BENCH_PROC_H

#include <stdbool.h>
#include <stdint.h>

struct bench_proc {
	uint64_t cpu_us;  /* utime + stime (/proc/PID/stat) */
	uint64_t rss_kb;  /* VmRSS */
	uint64_t run_us;  /* time its threads ran (schedstat; 0: not available) */
	uint64_t wait_us; /* time its threads were runnable but waited for a CPU (schedstat) */
	unsigned ntasks;  /* threads whose schedstat was read */
};

/* Reads pid's counters (0 = this process). Returns 0, or -1 when pid does not exist. */
int bench_proc_read(int pid, struct bench_proc *out);

/* CPU microseconds between two readings of one process. From schedstat's run time (the
 * scheduler's own clock, ns) when both readings have it for the same number of threads: with
 * tick-based CPU accounting (CONFIG_TICK_CPU_ACCOUNTING, this machine's kernel, HZ = 250),
 * utime and stime are samples of who ran at each 4 ms tick, too coarse for a process that runs
 * in bursts of a few hundred microseconds (lumen at fanout N = 20: ~5 % of a core, 200 ms a
 * run in 4 ms quanta). Otherwise (no schedstat, or a thread ended between the readings and took
 * its run time with it) from utime + stime. *precise (may be NULL) says which. */
uint64_t bench_proc_cpu_delta(const struct bench_proc *a, const struct bench_proc *b,
                              bool *precise);

#endif
