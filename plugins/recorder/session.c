/* recorder/session.c -- one active recording per room: a rooms.tap sink that hands every
 * participant, track, RTP packet, sender report and data message of the room to rec_store (which
 * copies and queues it for the writer thread), and the "recorder.control" service the rooms
 * engine calls to start, stop, pause, resume and mark a room's recording.
 *
 * Participants are told: every start, stop, pause, resume and failure is sent to the whole room
 * through tap->notify as {"recording": "started"|"stopped"|"paused"|"resumed"|"failed", "recording_id": ID}
 * ("reason" added for a failure: janus.js reads an "error" key as a failed request), because people must know they are being recorded.
 *
 * Threads. Sink callbacks run on the room's thread, control calls on the control thread; today
 * they are the same thread (rooms_tap.h). rec_store wants one producer thread per recording, so
 * this file must be revisited when rooms move to media workers (pause and marker would then have
 * to be invoked on the room's thread). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "recorder.h"
#include <lumen/rooms_tap.h>

#ifndef PACKAGE_VERSION /* from configure, through DEFS */
#define PACKAGE_VERSION "unknown"
#endif

struct rec_session {
	uint64_t room;
	struct rec_recording *rec;
	char *id;
	GHashTable *tracks; /* tap key (uint64 *) -> store track index + 1 (GINT_TO_POINTER) */
	unsigned tracks_total;
	int64_t started_mono;
	bool attached; /* the sink is attached to the room */
	guint close_idle; /* pending close of a failed recording */
};

static GHashTable *sessions; /* room (uint64 *) -> struct rec_session *, owned */
static bool running;

static const struct lumen_rooms_tap *tap(void)
{
	return recorder_core->service_lookup
		       ? recorder_core->service_lookup(LUMEN_ROOMS_TAP_SERVICE,
						       LUMEN_ROOMS_TAP_VERSION)
		       : NULL;
}

static void notify(uint64_t room, const char *what, const char *id, const char *error)
{
	const struct lumen_rooms_tap *t = tap();
	json_t *ev = json_pack("{s:s,s:s}", "recording", what, "recording_id", id);

	if (error)
		json_object_set_new(ev, "reason", json_string(error));
	if (!t || t->notify(room, ev) < 0)
		recorder_core->log(NULL, LUMEN_SEV_DEBUG, "room %" PRIu64 ": recording %s not told",
				   room, what);
}

/* ---- the sink ---- */

static void sink_participant(void *arg, uint64_t id, const char *display, bool joined)
{
	struct rec_session *s = arg;

	rec_store_participant(s->rec, id, display, joined, g_get_monotonic_time());
}

static void sink_track_added(void *arg, const struct lumen_tap_track *t)
{
	struct rec_session *s = arg;
	char codec[32]; /* lower case, as the format documents it, whatever case the SDP used */

	g_strlcpy(codec, t->codec ? t->codec : "", sizeof(codec));
	for (char *c = codec; *c; c++)
		*c = g_ascii_tolower(*c);
	struct rec_track_info info = {
		.participant = t->participant,
		.kind = t->kind == LUMEN_MEDIA_VIDEO ? "video" : "audio",
		.mid = t->mid ? t->mid : "",
		.codec = codec,
		.pt = t->pt,
		.clock_rate = t->clock_rate,
		.channels = t->channels,
		.fmtp = t->fmtp ? t->fmtp : "",
	};
	int idx;

	if (t->kind != LUMEN_MEDIA_AUDIO && t->kind != LUMEN_MEDIA_VIDEO)
		return;
	idx = rec_store_track_add(s->rec, &info, g_get_monotonic_time());
	if (idx < 0) {
		recorder_core->log(NULL, LUMEN_SEV_WARN,
				   "recording %s: track of participant %" PRIu64 " mid %s not "
				   "recorded: %s",
				   s->id, t->participant, info.mid, strerror(-idx));
		return;
	}
	g_hash_table_replace(s->tracks, g_memdup2(&t->key, sizeof(t->key)),
			     GINT_TO_POINTER(idx + 1));
	s->tracks_total++;
}

/* The store's index of a tap track, or -1 (not recorded). */
static int track_of(struct rec_session *s, uint64_t key)
{
	return GPOINTER_TO_INT(g_hash_table_lookup(s->tracks, &key)) - 1;
}

static void sink_track_removed(void *arg, uint64_t key)
{
	struct rec_session *s = arg;
	int idx = track_of(s, key);

	if (idx >= 0)
		rec_store_track_end(s->rec, idx, g_get_monotonic_time());
	g_hash_table_remove(s->tracks, &key);
}

static void count(int rc)
{
	/* Overflows are counted by the writer; drops after a failure are ours. */
	if (rc == -EIO)
		g_atomic_int_inc(&recorder_dropped_failed);
}

static void sink_rtp(void *arg, uint64_t key, const struct lumen_rtp_packet *pkt)
{
	struct rec_session *s = arg;
	int idx = track_of(s, key);

	if (idx >= 0)
		count(rec_store_rtp(s->rec, idx, pkt->data, pkt->len, pkt->ssrc, pkt->arrival_us));
}

static void sink_sr(void *arg, uint64_t key, const uint8_t *sr, size_t len, int64_t arrival_us)
{
	struct rec_session *s = arg;
	int idx = track_of(s, key);

	if (idx >= 0)
		count(rec_store_sr(s->rec, idx, sr, len, arrival_us));
}

static void sink_data(void *arg, uint64_t participant, const struct lumen_data_message *msg,
		      int64_t arrival_us)
{
	struct rec_session *s = arg;

	count(rec_store_data(s->rec, participant, msg->label ? msg->label : "", msg->binary,
			     msg->data, msg->len, arrival_us));
}

static void session_free(struct rec_session *s)
{
	if (s->close_idle)
		g_source_remove(s->close_idle);
	g_hash_table_destroy(s->tracks);
	g_free(s->id);
	g_free(s);
}

/* Closes the recording (finalised by the writer) and forgets the session. detach: whether the
 * sink is still attached (false from room_gone). */
static void session_end(struct rec_session *s, bool detach)
{
	const struct lumen_rooms_tap *t = tap();
	uint64_t room = s->room;

	if (detach && s->attached && t)
		t->detach(s->room, s);
	s->attached = false;
	rec_store_close(s->rec, g_get_monotonic_time());
	s->rec = NULL;
	g_hash_table_remove(sessions, &room); /* frees s */
}

static void sink_room_gone(void *arg)
{
	struct rec_session *s = arg;

	recorder_core->log(NULL, LUMEN_SEV_INFO, "room %" PRIu64 " gone: recording %s finished",
			   s->room, s->id);
	s->attached = false;
	session_end(s, false);
}

static const struct lumen_tap_sink sink = {
	.participant = sink_participant,
	.track_added = sink_track_added,
	.track_removed = sink_track_removed,
	.rtp = sink_rtp,
	.sender_report = sink_sr,
	.data = sink_data,
	.room_gone = sink_room_gone,
};

/* A failed recording (disk full, I/O error) is closed outside the store's callback, so the
 * store never sees its recording freed under its feet. */
static gboolean close_failed(gpointer arg)
{
	struct rec_session *s = arg;

	s->close_idle = 0;
	session_end(s, true);
	return G_SOURCE_REMOVE;
}

static void on_failed(void *arg, struct rec_recording *rec, const char *reason)
{
	(void)rec;
	/* arg is the room: the session may be gone already (stopped while the failure queued). */
	uint64_t room = *(uint64_t *)arg;
	struct rec_session *s = sessions ? g_hash_table_lookup(sessions, &room) : NULL;

	if (!s || s->rec != rec)
		return;
	recorder_core->log(NULL, LUMEN_SEV_ERROR, "room %" PRIu64 ": recording %s failed: %s",
			   room, s->id, reason ? reason : "?");
	notify(room, "failed", s->id, reason ? reason : "write error");
	if (!s->close_idle)
		s->close_idle = g_idle_add_full(G_PRIORITY_DEFAULT, close_failed, s, NULL);
}

/* ---- control ---- */

static json_t *state_json(const struct rec_session *s)
{
	if (!s)
		return json_pack("{s:n,s:n,s:b}", "recording", "state", "paused", 0);
	return json_pack("{s:s,s:s,s:b}", "recording", s->id, "state", rec_store_state(s->rec),
			 "paused", rec_store_paused(s->rec));
}

static int fail(char **why, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char **why, int rc, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (why)
		*why = strdup(msg);
	g_free(msg);
	return rc;
}

/* The room numbers the session's on_failed callback reads; kept for the process's life, one per
 * room ever recorded, so a late callback never reads freed memory. */
static GHashTable *room_keys;

static uint64_t *room_key(uint64_t room)
{
	uint64_t *k = g_hash_table_lookup(room_keys, &room);

	if (!k) {
		k = g_memdup2(&room, sizeof(room));
		g_hash_table_add(room_keys, k);
	}
	return k;
}

static int do_start(uint64_t room, const json_t *args, json_t **reply, char **why)
{
	const struct lumen_rooms_tap *t = tap();
	const json_t *idv = args ? json_object_get(args, "id") : NULL;
	struct rec_open_params p = { 0 };
	struct rec_session *s;
	char *err = NULL;
	int rc;

	if (g_hash_table_contains(sessions, &room))
		return fail(why, -EALREADY, "room %" PRIu64 " is being recorded already", room);
	if (!t)
		return fail(why, -ENOENT, "no rooms engine (rooms.tap) to record from");
	if (!t->describe(room)) /* NULL only for "no such room" */
		return fail(why, -ENOENT, "no such room %" PRIu64, room);
	if (idv && !json_is_null(idv) && (!json_is_string(idv) || !rec_id_valid(json_string_value(idv))))
		return fail(why, -EINVAL, "id: 1 to 64 of [A-Za-z0-9._-], starting with a letter or "
					  "digit, without \"..\"");
	if (g_hash_table_size(sessions) >= recorder_cfg.max_recordings)
		return fail(why, -EBUSY, "%u recordings are open already (recorder.max_recordings)",
			    recorder_cfg.max_recordings);
	p.dir = recorder_cfg.dir;
	p.id = idv && json_is_string(idv) ? json_string_value(idv) : NULL;
	p.room = room;
	p.description = t->describe(room);
	p.lumen_version = PACKAGE_VERSION;
	p.on_failed = on_failed;
	p.arg = room_key(room);
	s = g_new0(struct rec_session, 1);
	s->room = room;
	s->tracks = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	rc = rec_store_open(recorder_writer, &p, &s->rec, &err);
	if (rc < 0) {
		rc = fail(why, rc, "%s", err ? err : strerror(-rc));
		g_free(err);
		session_free(s);
		return rc;
	}
	s->id = g_strdup(rec_store_id(s->rec));
	s->started_mono = g_get_monotonic_time();
	g_hash_table_insert(sessions, g_memdup2(&room, sizeof(room)), s);
	/* attach reports everyone and every live track at once, into the open recording. */
	rc = t->attach(room, &sink, s);
	if (rc < 0) {
		char *id = g_strdup(s->id);
		session_end(s, false);
		err = NULL;
		rec_delete(recorder_cfg.dir, id, &err); /* nothing was recorded: leave no folder */
		g_free(err);
		rc = fail(why, rc == -ENOENT ? -ENOENT : -EIO, "room %" PRIu64 ": tap: %s", room,
			  strerror(-rc));
		g_free(id);
		return rc;
	}
	s->attached = true;
	recorder_core->log(NULL, LUMEN_SEV_INFO, "room %" PRIu64 ": recording %s started in %s",
			   room, s->id, recorder_cfg.dir);
	notify(room, "started", s->id, NULL);
	if (reply)
		*reply = state_json(s);
	return 0;
}

static int do_stop(struct rec_session *s, json_t **reply)
{
	uint64_t room = s->room;
	char *id = g_strdup(s->id);

	session_end(s, true);
	recorder_core->log(NULL, LUMEN_SEV_INFO, "room %" PRIu64 ": recording %s stopped", room,
			   id);
	notify(room, "stopped", id, NULL);
	if (reply)
		*reply = json_pack("{s:s,s:s,s:b}", "recording", id, "state", "finished", "paused",
				   0);
	g_free(id);
	return 0;
}

static int control(uint64_t room, const char *action, const json_t *args, json_t **reply,
		   char **why)
{
	struct rec_session *s;
	int64_t now = g_get_monotonic_time();

	if (reply)
		*reply = NULL;
	if (why)
		*why = NULL;
	if (!running)
		return fail(why, -ESHUTDOWN, "the recorder is stopped");
	if (!action)
		return fail(why, -EINVAL, "no action");
	if (args && !json_is_object(args))
		return fail(why, -EINVAL, "arguments must be an object");
	if (strcmp(action, "start") == 0)
		return do_start(room, args, reply, why);
	s = g_hash_table_lookup(sessions, &room);
	if (strcmp(action, "stop") != 0 && strcmp(action, "pause") != 0 &&
	    strcmp(action, "resume") != 0 && strcmp(action, "marker") != 0)
		return fail(why, -EINVAL,
			    "unknown action \"%.32s\" (start, stop, pause, resume, marker)", action);
	if (!s)
		return fail(why, -EALREADY, "room %" PRIu64 " is not being recorded", room);
	if (strcmp(action, "stop") == 0)
		return do_stop(s, reply);
	if (strcmp(action, "marker") == 0) {
		const json_t *title = args ? json_object_get(args, "title") : NULL;
		if (!json_is_string(title) || !json_string_length(title) ||
		    json_string_length(title) > 200)
			return fail(why, -EINVAL, "marker needs a title of 1 to 200 bytes");
		rec_store_marker(s->rec, json_string_value(title), now);
	} else {
		bool pause = strcmp(action, "pause") == 0;
		if (rec_store_paused(s->rec) == pause)
			return fail(why, -EALREADY, "recording %s is %s already", s->id,
				    pause ? "paused" : "running");
		rec_store_pause(s->rec, pause, now);
		notify(room, pause ? "paused" : "resumed", s->id, NULL);
	}
	if (reply)
		*reply = state_json(s);
	return 0;
}

static json_t *status(uint64_t room)
{
	return state_json(sessions ? g_hash_table_lookup(sessions, &room) : NULL);
}

static const struct lumen_recorder_control control_iface = {
	.control = control,
	.status = status,
};

/* ---- what the other files ask ---- */

int recorder_sessions_start(char **err)
{
	int rc;

	if (!sessions)
		sessions = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
						 (GDestroyNotify)session_free);
	if (!room_keys)
		room_keys = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	rc = recorder_core->service_register
		     ? recorder_core->service_register(LUMEN_RECORDER_CONTROL_SERVICE,
						       LUMEN_RECORDER_CONTROL_VERSION,
						       &control_iface)
		     : -ENOSYS;
	/* Registered by an earlier start of this same plugin: the registry keeps it. */
	if (rc == -EEXIST && recorder_core->service_lookup(LUMEN_RECORDER_CONTROL_SERVICE, 0) ==
				     &control_iface)
		rc = 0;
	/* A host without a service registry (a minimal test host such as the plugin probe) gets a
	 * recorder that nobody can drive; that is no reason to refuse the start. */
	if (rc == -ENOSYS || rc == -ENOTSUP) {
		recorder_core->log(NULL, LUMEN_SEV_WARN,
				   "no service registry: recording control is not available");
		rc = 0;
	}
	if (rc < 0) {
		*err = g_strdup_printf("service %s not offered: %s", LUMEN_RECORDER_CONTROL_SERVICE,
				       strerror(-rc));
		return rc;
	}
	running = true;
	return 0;
}

void recorder_sessions_stop(void)
{
	GList *all;

	running = false;
	if (!sessions)
		return;
	all = g_hash_table_get_values(sessions);
	for (GList *l = all; l; l = l->next)
		do_stop(l->data, NULL);
	g_list_free(all);
}

void recorder_sessions_free(void)
{
	if (sessions)
		g_hash_table_destroy(sessions);
	if (room_keys)
		g_hash_table_destroy(room_keys);
	sessions = room_keys = NULL;
}

unsigned recorder_sessions_active(void)
{
	return sessions ? g_hash_table_size(sessions) : 0;
}

static struct rec_session *find(const char *id)
{
	GHashTableIter it;
	gpointer k, v;

	if (!sessions || !id)
		return NULL;
	g_hash_table_iter_init(&it, sessions);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (strcmp(((struct rec_session *)v)->id, id) == 0)
			return v;
	return NULL;
}

struct rec_recording *recorder_session_find(const char *id)
{
	struct rec_session *s = find(id);

	return s ? s->rec : NULL;
}

json_t *recorder_session_live(const char *id)
{
	struct rec_session *s = find(id);

	if (!s)
		return NULL;
	return json_pack("{s:I,s:b,s:I,s:I,s:I}", "room", (json_int_t)s->room, "paused",
			 rec_store_paused(s->rec), "tracks_live",
			 (json_int_t)g_hash_table_size(s->tracks), "tracks_total",
			 (json_int_t)s->tracks_total, "duration_ms",
			 (json_int_t)((g_get_monotonic_time() - s->started_mono) / 1000));
}
