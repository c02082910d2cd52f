/* proc.c -- /proc/PID/stat (utime, stime: fields 14 and 15, in clock ticks, summed over every
 * thread of the process) and /proc/PID/status (VmRSS). */
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

int bench_proc_read(int pid, struct bench_proc *out)
{
	char *dir = pid ? g_strdup_printf("/proc/%d", pid) : g_strdup("/proc/self");
	int rc;

	memset(out, 0, sizeof(*out));
	rc = read_cpu(dir, &out->cpu_us);
	if (rc == 0)
		read_rss(dir, &out->rss_kb);
	g_free(dir);
	return rc;
}
