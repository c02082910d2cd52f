/* recorder/admin.c -- /admin/v1/recordings, served through the core's admin extension
 * (plugin.h, admin_register): list, show (manifest, live facts, processing job), delete, and
 * process (a lumen-pp job, jobs.c). The core has checked the bearer token and role.
 *
 * Ids from the URL are checked with rec_id_valid before anything touches the disk, so no
 * request reaches outside recorder.dir ("../x", "a/b", 300 characters: 400). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recorder.h"

static int fail(json_t **reply, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(json_t **reply, int status, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	*reply = json_pack("{s:s}", "error", msg);
	g_free(msg);
	return status;
}

/* The manifest of id: the live one while it is open, else the file's. Returns 0 with *out and
 * *open, or a negative errno with *why (g_malloc'd). */
static int manifest_of(const char *id, json_t **out, bool *open, char **why)
{
	struct rec_recording *rec = recorder_session_find(id);

	*open = rec != NULL;
	if (rec) {
		*out = rec_store_manifest(rec);
		return 0;
	}
	return rec_read_manifest(recorder_cfg.dir, id, out, why);
}

static json_t *job_or_null(const char *id)
{
	json_t *j = recorder_job_json(id);

	return j ? j : json_null();
}

static json_t *summary(const char *id, json_t *m, bool open)
{
	json_t *s = json_object();
	static const char *const keys[] = { "room", "description", "state", "error",
					    "started_us", "ended_us", NULL };
	json_t *job = recorder_job_json(id);

	json_object_set_new(s, "id", json_string(id));
	for (const char *const *k = keys; *k; k++) {
		json_t *v = json_object_get(m, *k);
		json_object_set(s, *k, v ? v : json_null());
	}
	json_object_set_new(s, "participants",
			    json_integer((json_int_t)json_array_size(json_object_get(m, "participants"))));
	json_object_set_new(s, "tracks",
			    json_integer((json_int_t)json_array_size(json_object_get(m, "tracks"))));
	json_object_set_new(s, "open", json_boolean(open));
	json_object_set_new(s, "processing",
			    job ? json_incref(json_object_get(job, "state")) : json_null());
	json_decref(job);
	return s;
}

static int list(json_t **reply)
{
	json_t *ids = rec_list(recorder_cfg.dir), *out = json_array(), *v;
	size_t i;

	json_array_foreach(ids, i, v)
	{
		const char *id = json_string_value(v);
		json_t *m = NULL;
		char *why = NULL;
		bool open;

		/* A folder without a readable manifest is not a recording: left out. */
		if (id && manifest_of(id, &m, &open, &why) == 0)
			json_array_append_new(out, summary(id, m, open));
		json_decref(m);
		g_free(why);
	}
	json_decref(ids);
	*reply = json_pack("{s:o}", "recordings", out);
	return 200;
}

static int show(const char *id, json_t **reply)
{
	json_t *m = NULL, *live;
	char *why = NULL;
	bool open;
	int rc = manifest_of(id, &m, &open, &why), status;

	if (rc < 0) {
		status = rc == -ENOENT ? fail(reply, 404, "no recording %s", id)
					: fail(reply, 500, "recording %s: %s", id,
					       why ? why : strerror(-rc));
		g_free(why);
		return status;
	}
	live = open ? recorder_session_live(id) : NULL;
	json_object_set_new(m, "open", json_boolean(open));
	json_object_set_new(m, "live", live ? live : json_null());
	json_object_set_new(m, "processing", job_or_null(id));
	*reply = m;
	return 200;
}

/* lumen-pp writes into RECORDING/processed by default (docs/lumen-pp.md), which rec_delete, made
 * for the recorder's own flat folder, does not remove: empty it first. One level (lumen-pp writes
 * files there), never following a symlink; what cannot go makes rec_delete fail with the
 * reason. */
static void remove_processed(const char *id)
{
	int top = open(recorder_cfg.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int folder = top < 0 ? -1 : openat(top, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int out = folder < 0 ? -1
			     : openat(folder, "processed",
				      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = out < 0 ? NULL : fdopendir(out);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d); /* closes out */
		unlinkat(folder, "processed", AT_REMOVEDIR);
	} else if (out >= 0) {
		close(out);
	}
	if (folder >= 0)
		close(folder);
	if (top >= 0)
		close(top);
}

static int delete(const char *id, json_t **reply)
{
	char *why = NULL;
	int rc, status;

	if (recorder_session_find(id))
		return fail(reply, 409, "recording %s is open: stop it first", id);
	if (recorder_job_busy(id))
		return fail(reply, 409, "recording %s is being processed", id);
	json_t *m = NULL;
	if (rec_read_manifest(recorder_cfg.dir, id, &m, &why) == 0) /* a recording's folder only */
		remove_processed(id);
	json_decref(m);
	g_free(why);
	why = NULL;
	rc = rec_delete(recorder_cfg.dir, id, &why);
	if (rc == 0) {
		recorder_job_forget(id);
		recorder_core->log(NULL, LUMEN_SEV_INFO, "recording %s deleted through the admin API",
				   id);
		*reply = NULL;
		return 204;
	}
	if (rc == -ENOENT)
		status = fail(reply, 404, "no recording %s", id);
	else if (rc == -EINVAL)
		status = fail(reply, 400, "%s is not a recording: %s", id, why ? why : "?");
	else
		status = fail(reply, 500, "recording %s: %s", id, why ? why : strerror(-rc));
	g_free(why);
	return status;
}

static int process(const char *id, const json_t *body, json_t **reply)
{
	const char *key, *format = NULL;
	json_t *v, *m = NULL, *job = NULL;
	bool align = false, mix = false, open;
	char *why = NULL;
	int rc;

	if (body && !json_is_object(body))
		return fail(reply, 400, "the body must be a JSON object");
	json_object_foreach((json_t *)body, key, v)
	{
		if (strcmp(key, "align") == 0 || strcmp(key, "mix") == 0) {
			if (!json_is_boolean(v))
				return fail(reply, 400, "%s: must be true or false", key);
			*(strcmp(key, "align") == 0 ? &align : &mix) = json_is_true(v);
		} else if (strcmp(key, "format") == 0) {
			format = json_string_value(v);
			if (!json_is_null(v) &&
			    (!format || (strcmp(format, "wav") != 0 && strcmp(format, "flac") != 0)))
				return fail(reply, 400, "format: must be \"wav\", \"flac\" or null");
		} else {
			return fail(reply, 400, "%.64s: unknown member (align, format, mix)", key);
		}
	}
	rc = manifest_of(id, &m, &open, &why);
	json_decref(m);
	g_free(why);
	if (rc == -ENOENT)
		return fail(reply, 404, "no recording %s", id);
	if (rc < 0)
		return fail(reply, 409, "recording %s cannot be read: %s", id, strerror(-rc));
	if (open)
		return fail(reply, 409, "recording %s is open: stop it first", id);
	if (recorder_job_submit(id, align, format, mix, &job) == -EBUSY)
		return fail(reply, 409, "recording %s is being processed already", id);
	*reply = json_pack("{s:s,s:o}", "id", id, "processing", job);
	return 202;
}

int recorder_admin_cb(void *arg, const char *method, const char *path, const json_t *body,
		      json_t **reply)
{
	gchar **parts = NULL;
	const char *id;
	int status;

	(void)arg;
	*reply = NULL;
	if (!*path || strcmp(path, "/") == 0) {
		if (strcmp(method, "GET") == 0)
			return list(reply);
		return fail(reply, 405, "%s is not allowed on /admin/v1/recordings (GET)", method);
	}
	parts = g_strsplit(path + 1, "/", 3);
	id = parts[0];
	if (!rec_id_valid(id)) {
		status = fail(reply, 400,
			      "bad recording id: 1 to 64 of [A-Za-z0-9._-], starting with a "
			      "letter or digit, without \"..\"");
		goto out;
	}
	if (!parts[1]) {
		if (strcmp(method, "GET") == 0)
			status = show(id, reply);
		else if (strcmp(method, "DELETE") == 0)
			status = delete(id, reply);
		else
			status = fail(reply, 405, "%s is not allowed on a recording (GET, DELETE)",
				      method);
	} else if (strcmp(parts[1], "process") == 0 && !parts[2]) {
		if (strcmp(method, "POST") == 0)
			status = process(id, body, reply);
		else
			status = fail(reply, 405, "%s is not allowed on .../process (POST)", method);
	} else {
		status = fail(reply, 404, "no such resource under /admin/v1/recordings/%s", id);
	}
out:
	g_strfreev(parts);
	return status;
}
