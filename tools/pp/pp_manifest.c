/* pp_manifest.c -- parse manifest.json (format "lumen-recording" v1) into struct lumen_pp_manifest.
 * Unknown keys are ignored (forward compatible); the counters are not read: lumen-pp trusts the pcaps. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "pp_reader.h"

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? g_strdup(s) : NULL;
}

static int64_t get_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static bool safe_name(const char *s)
{
	return s && s[0] && s[0] != '.' && !strchr(s, '/') && strlen(s) < 256;
}

static int parse_track(struct lumen_pp_mtrack *t, json_t *o, char *err, size_t errlen)
{
	t->id = dup_str(o, "id");
	t->kind = dup_str(o, "kind");
	t->codec = dup_str(o, "codec");
	t->file = dup_str(o, "file");
	t->fmtp = dup_str(o, "fmtp");
	t->participant = get_int(o, "participant");
	t->payload_type = (int)get_int(o, "payload_type");
	t->clock_rate = (int)get_int(o, "clock_rate");
	t->channels = (int)get_int(o, "channels");
	t->started_us = get_int(o, "started_us");
	t->ended_us = get_int(o, "ended_us");
	if (!t->id || !t->kind || !t->codec || !safe_name(t->file)) {
		snprintf(err, errlen, "manifest: a track lacks id, kind, codec or a plain file name");
		return -EINVAL;
	}
	if (t->clock_rate <= 0 || t->clock_rate > 1000000) {
		snprintf(err, errlen, "manifest: track %s has clock_rate %d", t->id, t->clock_rate);
		return -EINVAL;
	}
	return 0;
}

static int parse_lists(struct lumen_pp_manifest *m, json_t *root, char *err, size_t errlen)
{
	json_t *tracks = json_object_get(root, "tracks"), *a, *v;
	size_t i;

	if (!json_is_array(tracks)) {
		snprintf(err, errlen, "manifest: no \"tracks\" array");
		return -EINVAL;
	}
	m->tracks = g_new0(struct lumen_pp_mtrack, json_array_size(tracks));
	json_array_foreach(tracks, i, v)
	{
		if (parse_track(&m->tracks[m->n_tracks++], v, err, errlen) < 0)
			return -EINVAL;
	}
	a = json_object_get(root, "participants");
	m->participants = g_new0(struct lumen_pp_participant, json_array_size(a) + 1);
	json_array_foreach(a, i, v)
	{
		struct lumen_pp_participant *p = &m->participants[m->n_participants++];

		p->id = get_int(v, "id");
		p->display = dup_str(v, "display");
		p->joined_us = get_int(v, "joined_us");
		p->left_us = get_int(v, "left_us");
	}
	a = json_object_get(root, "markers");
	m->markers = g_new0(struct lumen_pp_marker, json_array_size(a) + 1);
	json_array_foreach(a, i, v)
	{
		m->markers[m->n_markers].t_us = get_int(v, "t_us");
		m->markers[m->n_markers++].title = dup_str(v, "title");
	}
	a = json_object_get(root, "pauses");
	m->pauses = g_new0(struct lumen_pp_pause, json_array_size(a) + 1);
	json_array_foreach(a, i, v)
	{
		m->pauses[m->n_pauses].start_us = get_int(v, "start_us");
		m->pauses[m->n_pauses++].end_us = get_int(v, "end_us");
	}
	return 0;
}

struct lumen_pp_manifest *lumen_pp_manifest_parse(const char *json, size_t len, char *err,
						  size_t errlen)
{
	struct lumen_pp_manifest *m = g_new0(struct lumen_pp_manifest, 1);
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *fmt;

	if (!root || !json_is_object(root)) {
		snprintf(err, errlen, "manifest.json is not a JSON object: %s (line %d)",
			 root ? "not an object" : jerr.text, root ? 0 : jerr.line);
		goto fail;
	}
	fmt = json_string_value(json_object_get(root, "format"));
	if (!fmt || strcmp(fmt, "lumen-recording") != 0) {
		snprintf(err, errlen, "manifest.json: format is not \"lumen-recording\"");
		goto fail;
	}
	if (get_int(root, "version") != 1) {
		snprintf(err, errlen, "manifest.json: unsupported version %lld",
			 (long long)get_int(root, "version"));
		goto fail;
	}
	m->id = dup_str(root, "id");
	m->state = dup_str(root, "state");
	m->description = dup_str(root, "description");
	m->room = get_int(root, "room");
	m->wall_start_us = get_int(root, "wall_start_us");
	m->started_us = get_int(root, "started_us");
	m->ended_us = get_int(root, "ended_us");
	if (!m->started_us)
		m->started_us = m->wall_start_us;
	if (parse_lists(m, root, err, errlen) < 0)
		goto fail;
	json_decref(root);
	return m;
fail:
	json_decref(root);
	lumen_pp_manifest_free(m);
	return NULL;
}

void lumen_pp_manifest_free(struct lumen_pp_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_tracks; i++) {
		struct lumen_pp_mtrack *t = &m->tracks[i];

		g_free(t->id), g_free(t->kind), g_free(t->codec), g_free(t->file), g_free(t->fmtp);
	}
	for (size_t i = 0; i < m->n_participants; i++)
		g_free(m->participants[i].display);
	for (size_t i = 0; i < m->n_markers; i++)
		g_free(m->markers[i].title);
	g_free(m->tracks), g_free(m->participants), g_free(m->markers), g_free(m->pauses);
	g_free(m->id), g_free(m->state), g_free(m->description);
	g_free(m);
}

const struct lumen_pp_participant *lumen_pp_manifest_participant(const struct lumen_pp_manifest *m,
								 int64_t id)
{
	for (size_t i = 0; i < m->n_participants; i++)
		if (m->participants[i].id == id)
			return &m->participants[i];
	return NULL;
}
