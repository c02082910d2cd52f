/* proc.c -- /proc/PID/stat (utime, stime: fields 14 and 15, in clock ticks, summed over every
 * thread of the process), /proc/PID/status (VmRSS), and /proc/PID/task/TID/schedstat (its first
 * two fields: ns spent on a CPU and waiting on a run queue, summed over the threads). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "proc.h"

static int read_cpu(const char *dir, uint64_t *cpu_us)
{
	char *path = g_strdup_printf("%s/stat", dir), *text = NULL, *p;
	unsigned long long ut = 0, st = 0;
	long hz = sysconf(_SC_CLK_TCK);
	int rc = -1;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		goto out;
	/* The command name (field 2) may hold spaces and parentheses: fields count from its
	 * closing parenthesis, the last one in the line. */
	p = strrchr(text, ')');
	if (p &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2 &&
	    hz > 0) {
		*cpu_us = (uint64_t)(ut + st) * 1000000u / (uint64_t)hz;
		rc = 0;
	}
out:
	g_free(text);
	g_free(path);
	return rc;
}

static void read_rss(const char *dir, uint64_t *rss_kb)
{
	char *path = g_strdup_printf("%s/status", dir), *text = NULL, *p;
	unsigned long long kb = 0;

	if (g_file_get_contents(path, &text, NULL, NULL) && (p = strstr(text, "\nVmRSS:")) &&
	    sscanf(p + 7, "%llu", &kb) == 1)
		*rss_kb = kb;
	g_free(text);
	g_free(path);
}

/* Run time: the precise CPU figure (proc.h). Wait time: on a shared machine a pinned process
 * that waits for its CPU is slowed by its neighbours, not by its work: this says how much. All
 * 0 when schedstats are not available. */
static void read_sched(const char *dir, struct bench_proc *out)
{
	char *tasks = g_strdup_printf("%s/task", dir);
	GDir *d = g_dir_open(tasks, 0, NULL);
	const char *tid;
	uint64_t run_ns = 0, wait_ns = 0;
	unsigned n = 0;

	while (d && (tid = g_dir_read_name(d))) {
		char *path = g_strdup_printf("%s/%s/schedstat", tasks, tid), *text = NULL;
		unsigned long long run, wait;

		if (g_file_get_contents(path, &text, NULL, NULL) &&
		    sscanf(text, "%llu %llu", &run, &wait) == 2) {
			run_ns += run;
			wait_ns += wait;
			n++;
		}
		g_free(text);
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	g_free(tasks);
	out->run_us = run_ns / 1000;
	out->wait_us = wait_ns / 1000;
	out->ntasks = n;
}

uint64_t bench_proc_cpu_delta(const struct bench_proc *a, const struct bench_proc *b,
                              bool *precise)
{
	bool p = a->run_us && b->run_us && a->ntasks == b->ntasks && b->run_us >= a->run_us;

	if (precise)
		*precise = p;
	if (p)
		return b->run_us - a->run_us;
	return b->cpu_us > a->cpu_us ? b->cpu_us - a->cpu_us : 0;
}

int bench_proc_read(int pid, struct bench_proc *out)
{
	char *dir = pid ? g_strdup_printf("/proc/%d", pid) : g_strdup("/proc/self");
	int rc;

	memset(out, 0, sizeof(*out));
	rc = read_cpu(dir, &out->cpu_us);
	if (rc == 0) {
		read_rss(dir, &out->rss_kb);
		read_sched(dir, out);
	}
	g_free(dir);
	return rc;
}
