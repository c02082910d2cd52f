/* recorder/rec_store.c -- the API of rec_store.h the producer calls: open a recording (folder,
 * first manifest, clock anchor), describe participants, tracks, pauses and markers in the model
 * (rec->lock; the writer rewrites the manifest), and hand packets to the writer's queue. Only
 * rec_store_open and rec_store_close's caller side touch the disk synchronously (open). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rec_internal.h"

#define MARKER_MAX 200
#define TEXT_MAX 1024

static void track_free(struct rec_track *t)
{
	if (!t)
		return;
	g_free(t->mid);
	g_free(t->codec);
	g_free(t->fmtp);
	g_free(t);
}

static void recording_free(struct rec_recording *rec)
{
	for (unsigned i = 0; i < REC_MAX_TRACKS; i++)
		track_free(rec->tracks[i]);
	for (guint i = 0; i < rec->participants->len; i++)
		g_free(g_array_index(rec->participants, struct rec_participant, i).display);
	for (guint i = 0; i < rec->markers->len; i++)
		g_free(g_array_index(rec->markers, struct rec_marker, i).title);
	g_array_free(rec->participants, TRUE);
	g_array_free(rec->pauses, TRUE);
	g_array_free(rec->markers, TRUE);
	if (rec->dirfd >= 0)
		close(rec->dirfd);
	if (rec->ctx)
		g_main_context_unref(rec->ctx);
	g_mutex_clear(&rec->lock);
	g_free(rec->id);
	g_free(rec->description);
	g_free(rec->lumen_version);
	g_free(rec->error);
	g_free(rec);
}

void rec_recording_unref(struct rec_recording *rec)
{
	if (g_atomic_int_dec_and_test(&rec->refs))
		recording_free(rec);
}

static gboolean failed_cb(gpointer data)
{
	struct rec_recording *rec = data;

	/* Runs on the producer's thread, as rec_store_close does: no race on close_called. */
	if (!rec->close_called && rec->on_failed)
		rec->on_failed(rec->arg, rec, rec->error);
	return G_SOURCE_REMOVE;
}

void rec_recording_fail(struct rec_recording *rec, int e)
{
	g_mutex_lock(&rec->lock);
	if (rec->state == REC_FAILED) {
		g_mutex_unlock(&rec->lock);
		return;
	}
	rec->state = REC_FAILED;
	rec->error = e == ENOSPC || e == EDQUOT
			     ? g_strdup_printf("disk full: %s", g_strerror(e))
			     : g_strdup_printf("write error: %s", g_strerror(e));
	rec->dirty = true;
	g_mutex_unlock(&rec->lock);
	atomic_store(&rec->failed, 1);
	g_atomic_int_inc(&rec->refs);
	GSource *src = g_idle_source_new();
	/* default priority: an idle one would wait as long as media keeps the loop busy */
	g_source_set_priority(src, G_PRIORITY_DEFAULT);
	g_source_set_callback(src, failed_cb, rec, (GDestroyNotify)rec_recording_unref);
	g_source_attach(src, rec->ctx);
	g_source_unref(src);
}

static struct rec_recording *recording_new(const struct rec_open_params *p, const char *id)
{
	struct rec_recording *rec = g_new0(struct rec_recording, 1);

	rec->refs = 1;
	rec->dirfd = -1;
	rec->id = g_strdup(id);
	rec->room = p->room;
	rec->description = rec_utf8(p->description, TEXT_MAX);
	rec->lumen_version = rec_utf8(p->lumen_version, 64);
	rec->on_failed = p->on_failed;
	rec->arg = p->arg;
	rec->ctx = g_main_context_ref_thread_default();
	g_mutex_init(&rec->lock);
	rec->participants = g_array_new(FALSE, FALSE, sizeof(struct rec_participant));
	rec->pauses = g_array_new(FALSE, FALSE, sizeof(struct rec_span));
	rec->markers = g_array_new(FALSE, FALSE, sizeof(struct rec_marker));
	rec->data.fd = -1;
	rec->ended_us = REC_T_NONE;
	/* The one clock of the recording: both sampled here, together. */
	rec->wall_start_us = g_get_real_time();
	rec->mono_start_us = g_get_monotonic_time();
	rec->started_us = rec->wall_start_us;
	rec->manifest_written_mono = rec->mono_start_us;
	return rec;
}

/* Creates <dir>/<id>/ and opens it. Returns the folder's fd or -errno. */
static int make_folder(int top, const char *id)
{
	if (mkdirat(top, id, 0750) < 0)
		return -errno;
	int fd = openat(top, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		unlinkat(top, id, AT_REMOVEDIR);
		return -e;
	}
	return fd;
}

int rec_store_open(struct rec_writer *w, const struct rec_open_params *p,
		   struct rec_recording **out, char **err)
{
	struct rec_recording *rec = NULL;
	char *id = p->id ? g_strdup(p->id) : NULL;
	int top = -1, ret;

	*out = NULL;
	if (id && !rec_id_valid(id)) {
		*err = g_strdup("invalid recording id");
		ret = -EINVAL;
		goto fail;
	}
	if ((top = rec_open_dir(p->dir, true, err)) < 0) {
		ret = top;
		goto fail;
	}
	for (int tries = 0;; tries++) {
		if (!p->id) {
			g_free(id);
			id = rec_id_new(p->room, g_get_real_time());
		}
		ret = make_folder(top, id);
		if (ret != -EEXIST || p->id || tries == 3)
			break;
	}
	if (ret < 0) {
		*err = g_strdup_printf("cannot create recording folder %s/%s: %s", p->dir, id,
				       g_strerror(-ret));
		goto fail;
	}
	rec = recording_new(p, id);
	rec->w = w;
	rec->dirfd = ret;
	json_t *m = rec_manifest_build(rec);
	ret = rec_manifest_write(rec->dirfd, m);
	json_decref(m);
	if (ret) {
		*err = g_strdup_printf("cannot write %s/%s/manifest.json: %s", p->dir, id,
				       g_strerror(-ret));
		unlinkat(top, id, AT_REMOVEDIR);
		goto fail;
	}
	rec_writer_add(w, rec);
	*out = rec;
	ret = 0;
	goto out;
fail:
	if (rec)
		rec_recording_unref(rec);
out:
	if (top >= 0)
		close(top);
	g_free(id);
	return ret;
}

const char *rec_store_id(const struct rec_recording *rec)
{
	return rec->id;
}

const char *rec_store_state(const struct rec_recording *rec)
{
	struct rec_recording *r = (struct rec_recording *)rec; /* the lock is not the state */
	g_mutex_lock(&r->lock);
	const char *s = rec_state_name(r->state);
	g_mutex_unlock(&r->lock);
	return s;
}

const char *rec_store_error(const struct rec_recording *rec)
{
	struct rec_recording *r = (struct rec_recording *)rec;
	g_mutex_lock(&r->lock);
	const char *e = r->error; /* set once, freed with rec */
	g_mutex_unlock(&r->lock);
	return e;
}

int64_t rec_store_clock(const struct rec_recording *rec, int64_t monotonic_us)
{
	return rec->wall_start_us + (monotonic_us - rec->mono_start_us);
}

/* Ends a change of the model: the writer rewrites the manifest. */
static void changed(struct rec_recording *rec)
{
	rec->dirty = true;
	g_mutex_unlock(&rec->lock);
	rec_writer_kick(rec->w);
}

void rec_store_participant(struct rec_recording *rec, uint64_t id, const char *display,
			   bool joined, int64_t mono_us)
{
	int64_t t = rec_store_clock(rec, mono_us);
	struct rec_participant *open = NULL;

	g_mutex_lock(&rec->lock);
	for (guint i = rec->participants->len; i-- > 0;) {
		struct rec_participant *p = &g_array_index(rec->participants, struct rec_participant, i);
		if (p->id == id && p->left_us == REC_T_NONE) {
			open = p;
			break;
		}
	}
	if (joined && open && display) {
		g_free(open->display);
		open->display = rec_utf8(display, TEXT_MAX);
	} else if (joined && !open) {
		struct rec_participant p = {id, rec_utf8(display, TEXT_MAX), t, REC_T_NONE};
		g_array_append_val(rec->participants, p);
	} else if (!joined && open) {
		open->left_us = t;
	}
	changed(rec);
}

/* "p<participant>-<kind>-<mid>", mid sanitised, "-2", "-3"... when taken (rec->lock held). */
static void track_name(struct rec_recording *rec, struct rec_track *t)
{
	char mid[17];
	size_t n = 0;

	for (const char *c = t->mid; *c && n < sizeof(mid) - 1; c++)
		mid[n++] = g_ascii_isalnum(*c) || *c == '_' || *c == '-' ? *c : '_';
	mid[n] = '\0';
	for (unsigned k = 1;; k++) {
		bool taken = false;
		if (k == 1)
			g_snprintf(t->id, sizeof(t->id), "p%" G_GUINT64_FORMAT "-%s-%s",
				   t->participant, t->kind, n ? mid : "none");
		else
			g_snprintf(t->id, sizeof(t->id), "p%" G_GUINT64_FORMAT "-%s-%s-%u",
				   t->participant, t->kind, n ? mid : "none", k);
		for (unsigned i = 0; i < rec->n_tracks && !taken; i++)
			taken = !strcmp(rec->tracks[i]->id, t->id);
		if (!taken)
			break;
	}
	g_snprintf(t->file, sizeof(t->file), "%s.pcap", t->id);
}

int rec_store_track_add(struct rec_recording *rec, const struct rec_track_info *ti, int64_t mono_us)
{
	if (atomic_load(&rec->failed))
		return -EIO;
	if (!ti->kind || (strcmp(ti->kind, "audio") && strcmp(ti->kind, "video")))
		return -EINVAL;
	struct rec_track *t = g_new0(struct rec_track, 1);
	t->participant = ti->participant;
	g_strlcpy(t->kind, ti->kind, sizeof(t->kind));
	t->mid = rec_utf8(ti->mid ? ti->mid : "", 64);
	t->codec = rec_utf8(ti->codec ? ti->codec : "", 64);
	t->fmtp = rec_utf8(ti->fmtp, TEXT_MAX);
	t->pt = ti->pt;
	t->clock_rate = ti->clock_rate;
	t->channels = ti->channels;
	t->first_us = t->last_us = t->ended_us = REC_T_NONE;
	t->started_us = rec_store_clock(rec, mono_us);
	t->f.fd = -1;
	g_mutex_lock(&rec->lock);
	if (rec->n_tracks == REC_MAX_TRACKS) {
		g_mutex_unlock(&rec->lock);
		track_free(t);
		return -ENOSPC;
	}
	track_name(rec, t);
	t->index = rec->n_tracks;
	rec->tracks[rec->n_tracks++] = t;
	changed(rec);
	return (int)t->index;
}

static struct rec_track *track_get(struct rec_recording *rec, int track)
{
	/* n_tracks only grows, on this (the producer's) thread */
	return track >= 0 && (unsigned)track < rec->n_tracks ? rec->tracks[track] : NULL;
}

void rec_store_track_end(struct rec_recording *rec, int track, int64_t mono_us)
{
	struct rec_track *t = track_get(rec, track);

	if (!t)
		return;
	g_mutex_lock(&rec->lock);
	t->ended_us = rec_store_clock(rec, mono_us);
	changed(rec);
}

static int push_packet(struct rec_recording *rec, int track, enum rec_op op, const uint8_t *pkt,
		       size_t len, int64_t arrival_mono_us)
{
	if (atomic_load(&rec->failed)) {
		atomic_fetch_add(&rec->write_errors, 1);
		return -EIO;
	}
	if (rec->paused)
		return 0;
	if (!track_get(rec, track) || len > REC_MAX_PACKET || len < 2)
		return -EINVAL;
	struct rec_entry e = {.rec = rec,
			      .op = (uint8_t)op,
			      .track = (int16_t)track,
			      .len = (uint16_t)len,
			      .t_us = rec_store_clock(rec, arrival_mono_us)};
	return rec_writer_push(rec->w, &e, pkt);
}

int rec_store_rtp(struct rec_recording *rec, int track, const uint8_t *pkt, size_t len,
		  uint32_t ssrc, int64_t arrival_mono_us)
{
	struct rec_track *t = track_get(rec, track);

	if (t && !rec->paused && (!t->have_ssrc || t->last_ssrc != ssrc)) {
		t->have_ssrc = true;
		t->last_ssrc = ssrc;
		g_mutex_lock(&rec->lock);
		bool known = false;
		for (unsigned i = 0; i < t->n_ssrcs && !known; i++)
			known = t->ssrcs[i] == ssrc;
		if (!known && t->n_ssrcs < REC_MAX_SSRCS)
			t->ssrcs[t->n_ssrcs++] = ssrc;
		changed(rec);
	}
	return push_packet(rec, track, REC_OP_RTP, pkt, len, arrival_mono_us);
}

int rec_store_sr(struct rec_recording *rec, int track, const uint8_t *sr, size_t len,
		 int64_t arrival_mono_us)
{
	return push_packet(rec, track, REC_OP_SR, sr, len, arrival_mono_us);
}

int rec_store_data(struct rec_recording *rec, uint64_t participant, const char *label, bool binary,
		   const uint8_t *buf, size_t len, int64_t arrival_mono_us)
{
	if (atomic_load(&rec->failed)) {
		atomic_fetch_add(&rec->write_errors, 1);
		return -EIO;
	}
	if (rec->paused)
		return 0;
	char *lab = rec_utf8(label ? label : "", TEXT_MAX);
	json_t *o = json_pack("{s:I, s:I, s:s}", "t_us", (json_int_t)rec_store_clock(rec, arrival_mono_us),
			      "participant", (json_int_t)participant, "label", lab);
	if (!binary && g_utf8_validate((const char *)buf, (gssize)len, NULL) &&
	    !memchr(buf, '\0', len)) {
		json_object_set_new(o, "text", json_stringn((const char *)buf, len));
	} else {
		char *b64 = g_base64_encode(buf, len);
		json_object_set_new(o, "base64", json_string(b64));
		g_free(b64);
	}
	char *text = json_dumps(o, JSON_COMPACT);
	struct rec_entry e = {.rec = rec, .op = REC_OP_DATA, .track = -1};
	e.line_len = strlen(text) + 1;
	e.line = g_malloc(e.line_len);
	memcpy(e.line, text, e.line_len - 1);
	e.line[e.line_len - 1] = '\n';
	free(text);
	json_decref(o);
	g_free(lab);
	int ret = rec_writer_push(rec->w, &e, NULL);
	if (ret)
		g_free(e.line);
	return ret;
}

void rec_store_pause(struct rec_recording *rec, bool paused, int64_t mono_us)
{
	int64_t t = rec_store_clock(rec, mono_us);

	if (paused == rec->paused)
		return;
	rec->paused = paused;
	g_mutex_lock(&rec->lock);
	if (paused) {
		struct rec_span s = {t, REC_T_NONE};
		g_array_append_val(rec->pauses, s);
	} else if (rec->pauses->len) {
		g_array_index(rec->pauses, struct rec_span, rec->pauses->len - 1).end_us = t;
	}
	changed(rec);
}

bool rec_store_paused(const struct rec_recording *rec)
{
	return rec->paused;
}

void rec_store_marker(struct rec_recording *rec, const char *title, int64_t mono_us)
{
	struct rec_marker m = {rec_store_clock(rec, mono_us), rec_utf8(title ? title : "", MARKER_MAX)};

	g_mutex_lock(&rec->lock);
	g_array_append_val(rec->markers, m);
	changed(rec);
}

json_t *rec_store_manifest(const struct rec_recording *rec)
{
	struct rec_recording *r = (struct rec_recording *)rec;
	g_mutex_lock(&r->lock);
	json_t *m = rec_manifest_build(r);
	g_mutex_unlock(&r->lock);
	return m;
}

void rec_store_close(struct rec_recording *rec, int64_t mono_us)
{
	if (!rec)
		return;
	rec->close_called = true;
	rec_writer_close(rec->w, rec, rec_store_clock(rec, mono_us));
}
