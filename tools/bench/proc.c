/* proc.c -- /proc/PID/stat (utime, stime: fields 14 and 15, in clock ticks, summed over every
 * thread of the process), /proc/PID/status (VmRSS), and /proc/PID/task/TID/schedstat (its second
 * field: ns spent waiting on a run queue, summed over the threads). */
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

/* On a shared machine a pinned process that waits for its CPU is slowed by its neighbours, not
 * by its work: this says how much. 0 when schedstats are not available. */
static void read_wait(const char *dir, uint64_t *wait_us)
{
	char *tasks = g_strdup_printf("%s/task", dir);
	GDir *d = g_dir_open(tasks, 0, NULL);
	const char *tid;
	uint64_t sum = 0;

	while (d && (tid = g_dir_read_name(d))) {
		char *path = g_strdup_printf("%s/%s/schedstat", tasks, tid), *text = NULL;
		unsigned long long run, wait;

		if (g_file_get_contents(path, &text, NULL, NULL) &&
		    sscanf(text, "%llu %llu", &run, &wait) == 2)
			sum += wait / 1000;
		g_free(text);
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	g_free(tasks);
	*wait_us = sum;
}

int bench_proc_read(int pid, struct bench_proc *out)
{
	char *dir = pid ? g_strdup_printf("/proc/%d", pid) : g_strdup("/proc/self");
	int rc;

	memset(out, 0, sizeof(*out));
	rc = read_cpu(dir, &out->cpu_us);
	if (rc == 0) {
		read_rss(dir, &out->rss_kb);
		read_wait(dir, &out->wait_us);
	}
	g_free(dir);
	return rc;
}
