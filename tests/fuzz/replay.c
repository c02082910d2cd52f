/* replay.c -- runs a fuzz target's LLVMFuzzerTestOneInput over every file of its committed corpus,
 * so `make check` (under ASan/UBSan when configured so) guards against regressions without clang.
 *
 * The program is named replay_NAME; it reads $top_srcdir/tests/fuzz/corpus/NAME/ (or the
 * directories given as arguments) and prints TAP: one "ok" per file that returned without a
 * crash. A crash kills the process, which the TAP driver reports as an error. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return -errno;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, int *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t count = 0;

	if (!d) {
		printf("not ok %d - cannot open corpus %s: %s\n", ++*n, dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (count + 1) * sizeof(*names));
		if (!names)
			abort();
		names[count++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, count, sizeof(*names), cmp);
	for (size_t i = 0; i < count; i++) {
		char path[4096];
		uint8_t *buf = NULL;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (read_file(path, &buf, &len) < 0) {
			printf("not ok %d - %s: unreadable\n", ++*n, path);
			free(names[i]);
			continue;
		}
		fflush(stdout);
		LLVMFuzzerTestOneInput(buf, len);
		printf("ok %d - %s (%zu bytes)\n", ++*n, names[i], len);
		free(buf);
		free(names[i]);
	}
	free(names);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0, bad = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			bad += replay_dir(argv[i], &n);
	} else {
		const char *top = getenv("top_srcdir");
		const char *base = strrchr(argv[0], '/');
		char dir[4096];

		base = base ? base + 1 : argv[0];
		if (strncmp(base, "replay_", 7) == 0)
			base += 7;
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top ? top : ".", base);
		bad += replay_dir(dir, &n);
	}
	printf("1..%d\n", n);
	return bad ? 1 : 0;
}
