/* proc.h -- CPU time and RSS of a process from /proc (all its threads): the server's cost per
 * forwarded packet, and lumen-bench's own load (to tell when the bench, not the server, is the
 * limit). Linux only; reads files, no state. */
#ifndef BENCH_PROC_H
#define BENCH_PROC_H

#include <stdint.h>

struct bench_proc {
	uint64_t cpu_us;  /* utime + stime */
	uint64_t rss_kb;  /* VmRSS */
	uint64_t wait_us; /* time its threads were runnable but waited for a CPU (schedstat) */
};

/* Reads pid's counters (0 = this process). Returns 0, or -1 when pid does not exist. */
int bench_proc_read(int pid, struct bench_proc *out);

#endif
