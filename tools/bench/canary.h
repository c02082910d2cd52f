/* canary.h -- how fast a CPU is while a run measures: a fixed piece of work, timed again and
 * again in thread CPU time on a thread pinned to that CPU (the server's, in compare-janus.sh).
 *
 * Why: on the VMs this project is measured on, the host's load reaches the guest as slower
 * execution, not as steal time (/proc/stat's steal stays 0): a thread's CPU time grows while
 * its vCPU waits or shares the host's caches, and so does the server's CPU per packet. The same
 * server, same load, read 4.4 us in one round and 58 us in another of one run (performance.md,
 * session 16). The canary's work is the same every round, so its cost per unit moves only
 * with the CPU's speed: a round whose canary cost more than the run's quietest was measured on
 * a slowed CPU, whichever server it measured. compare-janus.sh reports which rounds those were
 * (docs/bench.md, "Quiet rounds").
 *
 * One unit of work is what a forwarding server does per packet: AES-128-GCM over a 1200-byte
 * payload (OpenSSL's EVP, the AES-NI path libsrtp uses), and one sendto() of it to a UDP socket
 * of the canary's own on 127.0.0.1, so the system call and the network stack are in it too (a
 * paravirtualised guest's system calls and interrupts cost what the host lets them). A burst
 * of 8 units every 10 ms, then 4 round trips with a peer thread on the caller's CPUs (each an
 * eventfd write that wakes it and a blocking read until it answers: the cross-CPU wake-ups a
 * server goes through per packet). About 2 % of the CPU on this VM, most of it the round trips'
 * wake-ups (session 17: ~43 us of units, ~25 us of sleep and wake-up and ~130 us of round trips
 * per 10 ms), the same for every server measured.
 *
 * Threads: start and stop from one thread; read from any. */
#ifndef BENCH_CANARY_H
#define BENCH_CANARY_H

#include <stdint.h>

struct bench_canary;

/* Totals since start: units done and the thread CPU time they took; and the sleeps between
 * bursts with the thread CPU time each cost (the system call, the switch out and, after the
 * timer, the switch back in: what a server pays per wake-up, which the units leave out). */
struct bench_canary_reading {
	uint64_t units;
	uint64_t cpu_ns;
	uint64_t wakes;
	uint64_t wake_ns;
	/* round trips with the peer thread (4 per burst) and the canary's thread CPU for them */
	uint64_t exchanges;
	uint64_t exchange_ns;
	/* CPU time of the canary's two threads in all (the peer's included): lumen-bench takes
	 * it out of its own CPU, which the canary is not part of */
	uint64_t threads_ns;
};

/* Starts the canary's thread pinned to cpu, which need not be in the calling thread's affinity
 * set (lumen-bench runs on another CPU than the one it times). Returns it, or NULL with *err
 * (g_free) when there is no such CPU, the thread may not run there (cpuset), or a socket or
 * the SRTP session cannot be set up. */
struct bench_canary *bench_canary_start(int cpu, char **err);

/* The totals, and threads_ns read now from both threads' CPU clocks. */
void bench_canary_read(struct bench_canary *c, struct bench_canary_reading *out);

/* Mean thread-CPU ns per unit between two readings (0 when no unit ran between them). */
double bench_canary_ns_per_unit(const struct bench_canary_reading *a,
                                const struct bench_canary_reading *b);

/* Mean thread-CPU ns per sleep and wake-up between two readings (0 when none). */
double bench_canary_ns_per_wake(const struct bench_canary_reading *a,
                                const struct bench_canary_reading *b);

/* Mean thread-CPU ns per round trip with the peer thread between two readings (0 when none). */
double bench_canary_ns_per_exchange(const struct bench_canary_reading *a,
                                    const struct bench_canary_reading *b);

/* Stops and joins the thread, frees c. NULL is a no-op. */
void bench_canary_stop(struct bench_canary *c);

#endif
