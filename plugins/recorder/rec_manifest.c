/* recorder/rec_manifest.c -- manifest.json (format "lumen-recording" v1, docs/recording.md):
 * the JSON of a recording's model, its atomic replacement on disk (tmp, fsync, rename, fsync
 * of the folder), and the checks applied to a manifest read back from disk (untrusted bytes:
 * fuzzed by tests/fuzz/fuzz_rec_manifest.c). Runs on whichever thread calls it; no logging. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rec_internal.h"

#define TMP_NAME "manifest.json.tmp"
#define NAME "manifest.json"

const char *rec_state_name(enum rec_state s)
{
	static const char *const names[] = {"recording", "finished", "interrupted", "failed"};
	return names[s];
}

char *rec_utf8(const char *s, size_t max)
{
	if (!s)
		return NULL;
	char *v = g_utf8_make_valid(s, -1);
	if (strlen(v) > max) {
		const char *end = g_utf8_find_prev_char(v, v + max + 1);
		v[end ? end - v : 0] = '\0'; /* cut at a character boundary */
	}
	return v;
}

static json_t *time_or_null(int64_t t)
{
	return t == REC_T_NONE ? json_null() : json_integer(t);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static char *iso_time(int64_t us)
{
	time_t sec = (time_t)(us / 1000000);
	struct tm tm;
	char buf[32];

	gmtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return g_strdup_printf("%s.%06dZ", buf, (int)(us % 1000000));
}

static json_t *track_json(const struct rec_track *t)
{
	json_t *ssrcs = json_array();

	for (unsigned i = 0; i < t->n_ssrcs; i++)
		json_array_append_new(ssrcs, json_integer(t->ssrcs[i]));
	return json_pack("{s:s, s:I, s:s, s:s, s:s, s:i, s:I, s:i, s:o, s:o, s:s, s:i, s:o, s:o,"
			 " s:I, s:I, s:I, s:I, s:o}",
			 "id", t->id, "participant", (json_int_t)t->participant, "kind", t->kind,
			 "mid", t->mid, "codec", t->codec, "payload_type", (int)t->pt,
			 "clock_rate", (json_int_t)t->clock_rate, "channels", (int)t->channels,
			 "fmtp", str_or_null(t->fmtp), "ssrcs", ssrcs, "file", t->file,
			 "udp_port", (int)(REC_UDP_BASE + 2 * t->index), "first_us",
			 time_or_null(t->first_us), "last_us", time_or_null(t->last_us), "packets",
			 (json_int_t)t->packets, "bytes", (json_int_t)t->bytes, "sender_reports",
			 (json_int_t)t->sender_reports, "started_us", (json_int_t)t->started_us,
			 "ended_us", time_or_null(t->ended_us));
}

static json_t *participants_json(const GArray *a)
{
	json_t *arr = json_array();

	for (guint i = 0; i < a->len; i++) {
		const struct rec_participant *p = &g_array_index(a, struct rec_participant, i);
		json_array_append_new(arr, json_pack("{s:I, s:o, s:I, s:o}", "id",
						     (json_int_t)p->id, "display",
						     str_or_null(p->display), "joined_us",
						     (json_int_t)p->joined_us, "left_us",
						     time_or_null(p->left_us)));
	}
	return arr;
}

static json_t *pauses_markers_json(const GArray *pauses, const GArray *markers, json_t **mk)
{
	json_t *arr = json_array();

	for (guint i = 0; i < pauses->len; i++) {
		const struct rec_span *s = &g_array_index(pauses, struct rec_span, i);
		json_array_append_new(arr, json_pack("{s:I, s:o}", "start_us", (json_int_t)s->start_us,
						     "end_us", time_or_null(s->end_us)));
	}
	*mk = json_array();
	for (guint i = 0; i < markers->len; i++) {
		const struct rec_marker *m = &g_array_index(markers, struct rec_marker, i);
		json_array_append_new(*mk, json_pack("{s:I, s:s}", "t_us", (json_int_t)m->t_us,
						     "title", m->title));
	}
	return arr;
}

json_t *rec_manifest_build(const struct rec_recording *rec)
{
	json_t *tracks = json_array(), *markers, *pauses, *data = json_null(), *m;
	char *wall = iso_time(rec->wall_start_us);

	for (unsigned i = 0; i < rec->n_tracks; i++)
		json_array_append_new(tracks, track_json(rec->tracks[i]));
	pauses = pauses_markers_json(rec->pauses, rec->markers, &markers);
	if (rec->have_data)
		data = json_pack("{s:s, s:I}", "file", "data.jsonl", "messages",
				 (json_int_t)rec->data_messages);
	m = json_pack("{s:s, s:i, s:s, s:I, s:o, s:s, s:o, s:o, s:s, s:I, s:I, s:o, s:o, s:o,"
		      " s:o, s:o, s:o, s:{s:I, s:I}}",
		      "format", "lumen-recording", "version", 1, "id", rec->id, "room",
		      (json_int_t)rec->room, "description", str_or_null(rec->description), "state",
		      rec_state_name(rec->state), "error", str_or_null(rec->error), "lumen_version",
		      str_or_null(rec->lumen_version), "wall_start", wall, "wall_start_us",
		      (json_int_t)rec->wall_start_us, "started_us", (json_int_t)rec->started_us,
		      "ended_us", time_or_null(rec->ended_us), "participants",
		      participants_json(rec->participants), "tracks", tracks, "data", data, "pauses",
		      pauses, "markers", markers, "dropped", "queue_overflow",
		      (json_int_t)atomic_load(&rec->overflow), "write_errors",
		      (json_int_t)atomic_load(&rec->write_errors));
	g_free(wall);
	g_assert(m); /* every string went through rec_utf8 */
	return m;
}

/* On a full disk the atomic way needs a block nobody has; the old manifest's blocks are ours,
 * so it is overwritten in place (a manifest is small: the new text fits its last block unless it
 * grew past it). Only a crash during this very write could tear it. */
static int write_in_place(int dirfd, const char *text, size_t len)
{
	int fd = openat(dirfd, NAME, O_WRONLY | O_NOFOLLOW | O_CLOEXEC), ret = 0;
	struct stat st;

	if (fd < 0)
		return -errno;
	errno = 0;
	/* Only into blocks already allocated, so the write cannot stop halfway for lack of space. */
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_blocks * 512 < len + 1)
		ret = -ENOSPC;
	else if (pwrite(fd, text, len, 0) != (ssize_t)len || pwrite(fd, "\n", 1, (off_t)len) != 1 ||
		 ftruncate(fd, (off_t)len + 1) < 0 || fsync(fd) < 0)
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

int rec_manifest_write(int dirfd, const json_t *m)
{
	char *text = json_dumps(m, JSON_INDENT(2));
	size_t len = strlen(text);
	int fd, ret;

	unlinkat(dirfd, TMP_NAME, 0); /* a leftover of a crash */
	fd = openat(dirfd, TMP_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = rec_write_all(fd, text, len);
	if (!ret)
		ret = rec_write_all(fd, "\n", 1);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && renameat(dirfd, TMP_NAME, dirfd, NAME) < 0)
		ret = -errno;
	if (ret)
		unlinkat(dirfd, TMP_NAME, 0);
	else if (fsync(dirfd) < 0)
		ret = -errno;
	if (ret == -ENOSPC || ret == -EDQUOT)
		ret = write_in_place(dirfd, text, len);
out:
	free(text);
	return ret;
}

int rec_manifest_parse(const char *buf, size_t len, json_t **out, char **err)
{
	json_error_t jerr;
	json_t *m = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *fmt = NULL, *id = NULL, *state = NULL;
	json_int_t version = 0;

	*out = NULL;
	if (!m) {
		*err = g_strdup_printf("manifest.json: line %d: %s", jerr.line, jerr.text);
		return -EINVAL;
	}
	if (json_unpack(m, "{s:s, s:I, s:s, s:s}", "format", &fmt, "version", &version, "id", &id,
			"state", &state) ||
	    strcmp(fmt, "lumen-recording") || version != 1) {
		*err = g_strdup("manifest.json: not a lumen-recording v1 manifest");
		json_decref(m);
		return -EINVAL;
	}
	*out = m;
	return 0;
}

static int64_t latest_time(json_t *m)
{
	json_t *t, *v;
	size_t i;
	int64_t last = REC_T_NONE;

	v = json_object_get(m, "started_us");
	if (json_is_integer(v))
		last = json_integer_value(v);
	json_array_foreach(json_object_get(m, "tracks"), i, t) {
		v = json_object_get(t, "last_us");
		if (json_is_integer(v) && json_integer_value(v) > last)
			last = json_integer_value(v);
	}
	return last;
}

void rec_manifest_interrupt(json_t *m, int64_t last_us)
{
	json_t *pauses = json_object_get(m, "pauses"), *p;
	size_t i;

	if (last_us == REC_T_NONE)
		last_us = latest_time(m);
	json_object_set_new(m, "state", json_string("interrupted"));
	json_object_set_new(m, "ended_us", time_or_null(last_us));
	json_array_foreach(pauses, i, p) {
		if (json_is_object(p) && json_is_null(json_object_get(p, "end_us")))
			json_object_set_new(p, "end_us", time_or_null(last_us));
	}
}
