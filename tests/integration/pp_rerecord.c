/* pp_rerecord.c -- replays a recording (made by pp_gen.py) through the recorder's own writer,
 * librecstore (plugins/recorder/rec_store.h), so pp_outputs.py can check that lumen-pp reads what
 * the real recorder writes, with the same sync.
 *
 * Usage: pp_rerecord SRC_RECORDING DEST_DIR; prints the new recording's folder on stdout.
 * Every record of every track is fed in session-time order, with its arrival time moved onto the
 * new recording's monotonic clock; participants, tracks, pauses and markers are replayed at their
 * manifest times. Exit 0, or 1 with a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "pp_reader.h"
#include "rec_store.h"

struct rec_item {
	int64_t t_us;
	int track;
	uint8_t *data;
	size_t len;
};

struct collect {
	GArray *items;
	int track;
};

static void on_record(const struct lumen_pp_record *r, void *ud)
{
	struct collect *c = ud;
	struct rec_item it = {r->t_us, c->track, g_memdup2(r->payload, r->len), r->len};

	g_array_append_val(c->items, it);
}

static int cmp_item(const void *a, const void *b)
{
	const struct rec_item *x = a, *y = b;

	return x->t_us < y->t_us ? -1 : x->t_us > y->t_us;
}

static int load_items(const char *src, const struct lumen_pp_manifest *m, GArray *items)
{
	for (size_t i = 0; i < m->n_tracks; i++) {
		gchar *path = g_build_filename(src, m->tracks[i].file, NULL), *buf = NULL;
		struct collect c = {items, (int)i};
		struct lumen_pp_pcap_stats st;
		char err[256];
		gsize len;

		if (!g_file_get_contents(path, &buf, &len, NULL) ||
		    lumen_pp_pcap_parse((const uint8_t *)buf, len, on_record, &c, &st, err,
					sizeof(err)) < 0) {
			fprintf(stderr, "pp_rerecord: cannot read %s\n", path);
			g_free(path), g_free(buf);
			return -1;
		}
		g_free(path), g_free(buf);
	}
	g_array_sort(items, cmp_item);
	return 0;
}

/* Replays the manifest's events up to session time t (one call per record, in order). */
struct replay {
	const struct lumen_pp_manifest *m;
	struct rec_recording *rec;
	int64_t mono0, t0;
	int *tracks;
	size_t next_marker, next_pause_edge;
};

static int64_t mono(const struct replay *r, int64_t t)
{
	return r->mono0 + (t - r->t0);
}

static void events_until(struct replay *r, int64_t t)
{
	const struct lumen_pp_manifest *m = r->m;

	while (r->next_marker < m->n_markers && m->markers[r->next_marker].t_us <= t) {
		rec_store_marker(r->rec, m->markers[r->next_marker].title,
				 mono(r, m->markers[r->next_marker].t_us));
		r->next_marker++;
	}
	while (r->next_pause_edge < 2 * m->n_pauses) {
		const struct lumen_pp_pause *p = &m->pauses[r->next_pause_edge / 2];
		bool start = r->next_pause_edge % 2 == 0;
		int64_t at = start ? p->start_us : p->end_us;

		if (at > t || (!start && at == 0))
			break;
		rec_store_pause(r->rec, start, mono(r, at));
		r->next_pause_edge++;
	}
}

static int replay(const struct lumen_pp_manifest *m, GArray *items, const char *dest)
{
	struct rec_open_params p = {.dir = dest, .room = (uint64_t)m->room,
				    .description = m->description, .lumen_version = "pp_rerecord"};
	struct replay r = {.m = m, .t0 = m->started_us};
	char *err = NULL;
	struct rec_writer *w = rec_writer_new(65536, &err);

	if (!w || rec_store_open(w, &p, &r.rec, &err) < 0) {
		fprintf(stderr, "pp_rerecord: %s\n", err ? err : "cannot open");
		rec_writer_free(w);
		return -1;
	}
	{ /* mono0: the monotonic time of the new recording's started_us, so times map exactly */
		json_t *nm = rec_store_manifest(r.rec);
		int64_t now = g_get_monotonic_time();

		r.mono0 = now - (rec_store_clock(r.rec, now) -
				 (int64_t)json_integer_value(json_object_get(nm, "started_us")));
		json_decref(nm);
	}
	printf("%s/%s\n", dest, rec_store_id(r.rec));
	for (size_t i = 0; i < m->n_participants; i++)
		rec_store_participant(r.rec, (uint64_t)m->participants[i].id,
				      m->participants[i].display, true,
				      mono(&r, m->participants[i].joined_us));
	r.tracks = g_new(int, m->n_tracks);
	for (size_t i = 0; i < m->n_tracks; i++) {
		const struct lumen_pp_mtrack *t = &m->tracks[i];
		struct rec_track_info info = {(uint64_t)t->participant, t->kind, t->id, t->codec,
					      (uint8_t)t->payload_type, (uint32_t)t->clock_rate,
					      (unsigned)t->channels, t->fmtp};

		r.tracks[i] = rec_store_track_add(r.rec, &info, mono(&r, m->started_us));
	}
	for (guint i = 0; i < items->len; i++) {
		struct rec_item *it = &g_array_index(items, struct rec_item, i);
		int64_t at = mono(&r, it->t_us);

		events_until(&r, it->t_us);
		if (it->len >= 2 && it->data[1] == 200)
			rec_store_sr(r.rec, r.tracks[it->track], it->data, it->len, at);
		else if (it->len >= 12)
			rec_store_rtp(r.rec, r.tracks[it->track], it->data, it->len,
				      (uint32_t)it->data[8] << 24 | (uint32_t)it->data[9] << 16 |
					      (uint32_t)it->data[10] << 8 | it->data[11],
				      at);
	}
	events_until(&r, INT64_MAX);
	rec_store_close(r.rec, mono(&r, m->ended_us ? m->ended_us : m->started_us));
	rec_writer_free(w); /* drains the queue */
	g_free(r.tracks);
	return 0;
}

int main(int argc, char **argv)
{
	gchar *json = NULL, *path;
	gsize len;
	char err[256];
	struct lumen_pp_manifest *m = NULL;
	GArray *items = g_array_new(FALSE, FALSE, sizeof(struct rec_item));
	int ret = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: pp_rerecord SRC_RECORDING DEST_DIR\n");
		return 1;
	}
	path = g_build_filename(argv[1], "manifest.json", NULL);
	if (!g_file_get_contents(path, &json, &len, NULL) ||
	    !(m = lumen_pp_manifest_parse(json, len, err, sizeof(err))))
		fprintf(stderr, "pp_rerecord: %s is not a recording\n", argv[1]);
	else if (load_items(argv[1], m, items) == 0 && replay(m, items, argv[2]) == 0)
		ret = 0;
	for (guint i = 0; i < items->len; i++)
		g_free(g_array_index(items, struct rec_item, i).data);
	g_array_free(items, TRUE);
	lumen_pp_manifest_free(m);
	g_free(json), g_free(path);
	return ret;
}
