/* recorder/rec_disk.c -- recording folders at rest: ids, the recordings directory, recovery
 * after a crash, reading a manifest, listing and deleting. Every name is checked by
 * rec_id_valid and every open is relative to the recordings directory with O_NOFOLLOW, so
 * nothing outside it is read, written or removed. Control thread; synchronous small reads. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rec_internal.h"

bool rec_id_valid(const char *id)
{
	size_t n = 0;

	if (!id || !g_ascii_isalnum(id[0]))
		return false;
	for (const char *c = id; *c; c++, n++) {
		if (n >= 64 || !(g_ascii_isalnum(*c) || *c == '.' || *c == '_' || *c == '-'))
			return false;
	}
	return !strstr(id, "..");
}

char *rec_id_new(uint64_t room, int64_t wall_us)
{
	time_t sec = (time_t)(wall_us / 1000000);
	struct tm tm;
	char stamp[32];

	gmtime_r(&sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	return g_strdup_printf("%" G_GUINT64_FORMAT "-%s-%08x", room, stamp, g_random_int());
}

int rec_open_dir(const char *dir, bool create, char **err)
{
	if (!dir || !*dir) {
		*err = g_strdup("no recordings directory");
		return -EINVAL;
	}
	if (create && g_mkdir_with_parents(dir, 0750) < 0) {
		int e = errno;
		*err = g_strdup_printf("cannot create %s: %s", dir, g_strerror(e));
		return -e;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		*err = g_strdup_printf("cannot open %s: %s", dir, g_strerror(e));
		return -e;
	}
	return fd;
}

/* Opens <top>/<id> (a real directory, not a symlink). */
static int open_folder(int top, const char *id)
{
	int fd = openat(top, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? (errno == ENOTDIR || errno == ELOOP ? -EINVAL : -errno) : fd;
}

/* Reads and checks manifest.json of an open folder. */
static int load_manifest(int folder, json_t **out, char **err)
{
	int fd = openat(folder, "manifest.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	int ret;

	if (fd < 0) {
		ret = errno == ELOOP ? -EINVAL : -errno;
		*err = g_strdup_printf("manifest.json: %s", g_strerror(-ret));
		return ret == -ENOENT ? -EINVAL : ret; /* a folder without one is not a recording */
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > REC_MANIFEST_MAX) {
		*err = g_strdup("manifest.json: not a regular file of at most 4 MiB");
		ret = -EINVAL;
		goto out;
	}
	buf = g_malloc((size_t)st.st_size + 1);
	ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
	if (n < 0) {
		ret = -EIO;
		*err = g_strdup_printf("manifest.json: %s", g_strerror(errno));
		goto out;
	}
	ret = rec_manifest_parse(buf, (size_t)n, out, err);
out:
	g_free(buf);
	close(fd);
	return ret;
}

int rec_read_manifest(const char *dir, const char *id, json_t **out, char **err)
{
	int top, folder, ret;

	*out = NULL;
	if (!rec_id_valid(id)) {
		*err = g_strdup("invalid recording id");
		return -EINVAL;
	}
	if ((top = rec_open_dir(dir, false, err)) < 0)
		return top == -ENOENT ? -ENOENT : -EIO;
	folder = open_folder(top, id);
	close(top);
	if (folder < 0) {
		*err = g_strdup_printf("recording %s: %s", id, g_strerror(-folder));
		return folder == -ENOENT || folder == -EINVAL ? folder : -EIO;
	}
	ret = load_manifest(folder, out, err);
	close(folder);
	return ret;
}

/* The latest record time of the pcap files in a folder (REC_T_NONE if none). */
static int64_t last_record(int folder)
{
	int64_t last = REC_T_NONE;
	int fd = openat(folder, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return last;
	}
	while ((de = readdir(d))) {
		if (!g_str_has_suffix(de->d_name, ".pcap") || !rec_id_valid(de->d_name))
			continue;
		int pf = openat(folder, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		struct rec_pcap_scan s;
		if (pf < 0)
			continue;
		if (!rec_pcap_scan(pf, &s) && s.last_us != REC_T_NONE && s.last_us > last)
			last = s.last_us;
		close(pf);
	}
	closedir(d);
	return last;
}

static int recover_one(int top, const char *id)
{
	json_t *m = NULL;
	char *err = NULL;
	int folder = open_folder(top, id), ret = 0;

	if (folder < 0)
		return 0;
	if (load_manifest(folder, &m, &err) ||
	    strcmp(json_string_value(json_object_get(m, "state")), "recording"))
		goto out;
	rec_manifest_interrupt(m, last_record(folder));
	ret = rec_manifest_write(folder, m) ? -EIO : 1;
out:
	g_free(err);
	json_decref(m);
	close(folder);
	return ret;
}

/* Calls fn for every entry of dir that is a valid id. Returns 0 or -errno. */
static int each_id(int top, int (*fn)(int top, const char *id, void *arg), void *arg)
{
	int fd = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		return ret;
	}
	while ((de = readdir(d)) && ret >= 0) {
		if (rec_id_valid(de->d_name))
			ret = fn(top, de->d_name, arg);
	}
	closedir(d);
	return ret < 0 ? ret : 0;
}

static int recover_cb(int top, const char *id, void *arg)
{
	int r = recover_one(top, id);
	if (r > 0)
		++*(int *)arg;
	return 0; /* one bad folder does not stop the others */
}

int rec_recover_dir(const char *dir, char **err)
{
	int top = rec_open_dir(dir, false, err), n = 0, ret;

	if (top == -ENOENT) {
		g_clear_pointer(err, g_free);
		return 0; /* nothing recorded yet */
	}
	if (top < 0)
		return top;
	ret = each_id(top, recover_cb, &n);
	close(top);
	if (ret < 0) {
		*err = g_strdup_printf("cannot read %s: %s", dir, g_strerror(-ret));
		return ret;
	}
	return n;
}

struct listed {
	char *id;
	int64_t started_us;
};

static int list_cb(int top, const char *id, void *arg)
{
	GArray *a = arg;
	json_t *m = NULL;
	char *err = NULL;
	int folder = open_folder(top, id);

	if (folder < 0)
		return 0;
	if (!load_manifest(folder, &m, &err)) {
		json_t *s = json_object_get(m, "started_us");
		struct listed l = {g_strdup(id), json_is_integer(s) ? json_integer_value(s) : 0};
		g_array_append_val(a, l);
	}
	g_free(err);
	json_decref(m);
	close(folder);
	return 0;
}

static gint newest_first(gconstpointer a, gconstpointer b)
{
	const struct listed *x = a, *y = b;
	if (x->started_us != y->started_us)
		return x->started_us > y->started_us ? -1 : 1;
	return strcmp(x->id, y->id);
}

json_t *rec_list(const char *dir)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(struct listed));
	json_t *out = json_array();
	char *err = NULL;
	int top = rec_open_dir(dir, false, &err);

	if (top >= 0) {
		each_id(top, list_cb, a);
		close(top);
	}
	g_array_sort(a, newest_first);
	for (guint i = 0; i < a->len; i++) {
		struct listed *l = &g_array_index(a, struct listed, i);
		json_array_append_new(out, json_string(l->id));
		g_free(l->id);
	}
	g_array_free(a, TRUE);
	g_free(err);
	return out;
}

/* Removes the files of a folder (no subfolders: a recording has none). */
static int empty_folder(int folder)
{
	int fd = openat(folder, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(folder, de->d_name, 0) < 0) /* a symlink goes, not its target */
			ret = -errno;
	}
	closedir(d);
	return ret;
}

int rec_delete(const char *dir, const char *id, char **err)
{
	json_t *m = NULL;
	int top, folder, ret;

	if (!rec_id_valid(id)) {
		*err = g_strdup("invalid recording id");
		return -EINVAL;
	}
	if ((top = rec_open_dir(dir, false, err)) < 0)
		return top == -ENOENT ? -ENOENT : -EIO;
	folder = open_folder(top, id);
	if (folder < 0) {
		*err = g_strdup_printf("recording %s: %s", id, g_strerror(-folder));
		ret = folder == -ENOENT || folder == -EINVAL ? folder : -EIO;
		goto out;
	}
	ret = load_manifest(folder, &m, err); /* only a recording's folder is removed */
	json_decref(m);
	if (!ret && (ret = empty_folder(folder)))
		*err = g_strdup_printf("cannot empty recording %s: %s", id, g_strerror(-ret));
	close(folder);
	if (!ret && unlinkat(top, id, AT_REMOVEDIR) < 0) {
		ret = -errno;
		*err = g_strdup_printf("cannot remove recording %s: %s", id, g_strerror(-ret));
	}
	if (ret && ret != -EINVAL && ret != -ENOENT)
		ret = -EIO;
out:
	close(top);
	return ret;
}
