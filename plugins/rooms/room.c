/* rooms/room.c -- the room registry: creation from requests, the configuration file and the
 * admin API (one validator for all three), edits, destruction, the auto mode's transitions and
 * the JSON views used by list, listparticipants and the admin API. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rooms.h"

#define DEFAULT_AUTO_SFU_AT       6
#define DEFAULT_AUTO_BROADCAST_AT 50
#define DEFAULT_MAX_PUBLISHERS    16
#define DEFAULT_MAX_PARTICIPANTS  1000
#define MAX_TEXT                  256

static GPtrArray *registry; /* struct rooms_room * */

GPtrArray *rooms_room_all(void)
{
	if (!registry)
		registry = g_ptr_array_new();
	return registry;
}

struct rooms_room *rooms_room_find(uint64_t id)
{
	GPtrArray *all = rooms_room_all();

	for (unsigned i = 0; i < all->len; i++) {
		struct rooms_room *r = all->pdata[i];
		if (r->id == id)
			return r;
	}
	return NULL;
}

int rooms_json_id(const json_t *v, uint64_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		unsigned long long n;
		if (!*s || *s == '-' || *s == '+')
			return -EINVAL;
		errno = 0;
		n = strtoull(s, &end, 10);
		if (errno || *end || n == 0)
			return -EINVAL;
		*out = n;
		return 0;
	}
	return -EINVAL;
}

static bool text_ok(const char *s)
{
	size_t n = strlen(s);

	if (n > MAX_TEXT)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return true;
}

/* Reads an optional unsigned integer key within [lo, hi]. Returns 0 (absent or set), -EINVAL. */
static int get_uint(const json_t *req, const char *key, unsigned long lo, unsigned long hi,
		    unsigned long *out, char **why)
{
	const json_t *v = json_object_get(req, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)lo ||
	    (unsigned long long)json_integer_value(v) > hi) {
		*why = g_strdup_printf("%s: must be an integer from %lu to %lu", key, lo, hi);
		return -EINVAL;
	}
	*out = (unsigned long)json_integer_value(v);
	return 0;
}

static int get_text(const json_t *req, const char *key, const char **out, char **why)
{
	const json_t *v = json_object_get(req, key);

	if (!v)
		return 0;
	if (!json_is_string(v) || !text_ok(json_string_value(v))) {
		*why = g_strdup_printf("%s: must be a string of at most %d printable characters",
				       key, MAX_TEXT);
		return -EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

static int get_bool(const json_t *req, const char *key, bool *out, char **why)
{
	const json_t *v = json_object_get(req, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v)) {
		*why = g_strdup_printf("%s: must be true or false", key);
		return -EINVAL;
	}
	*out = json_is_true(v);
	return 0;
}

/* The optional "presenters" list (user ids or display names allowed to publish in broadcast). */
static int read_presenters(struct rooms_room *r, const json_t *pres, char **why)
{
	size_t i;
	json_t *e;

	if (!pres)
		return 0;
	if (!json_is_array(pres) || json_array_size(pres) > 1000) {
		*why = g_strdup("presenters: must be a list of user ids or display names");
		return -EINVAL;
	}
	json_array_foreach(pres, i, e) if (!json_is_string(e) || !text_ok(json_string_value(e)))
	{
		*why = g_strdup("presenters: must be a list of strings");
		return -EINVAL;
	}
	g_strfreev(r->presenters);
	r->presenters = g_new0(char *, json_array_size(pres) + 1);
	json_array_foreach(pres, i, e) r->presenters[i] = g_strdup(json_string_value(e));
	return 0;
}

/* The settable fields, validated into a scratch room. prefix is "new_" for Janus edits. */
static int read_settings(struct rooms_room *r, const json_t *req, const char *prefix, char **why)
{
	char k[64];
	const char *s = NULL;
	unsigned long u;
	bool b;

#define KEY(name) (snprintf(k, sizeof(k), "%s%s", prefix, name), k)
	if (get_text(req, KEY("description"), &s, why))
		return -EINVAL;
	if (s) {
		g_free(r->description);
		r->description = g_strdup(s);
	}
	s = NULL;
	if (get_text(req, KEY("secret"), &s, why))
		return -EINVAL;
	if (s) {
		g_free(r->secret);
		r->secret = *s ? g_strdup(s) : NULL;
	}
	s = NULL;
	if (get_text(req, KEY("pin"), &s, why))
		return -EINVAL;
	if (s) {
		g_free(r->pin);
		r->pin = *s ? g_strdup(s) : NULL;
	}
	s = NULL;
	if (get_text(req, "mode", &s, why))
		return -EINVAL;
	if (s && rooms_mode_parse(s, &r->mode) < 0) {
		*why = g_strdup("mode: must be one of mesh, sfu, broadcast, auto");
		return -EINVAL;
	}
	u = r->max_publishers;
	if (get_uint(req, KEY("publishers"), 1, 1000, &u, why))
		return -EINVAL;
	if (get_uint(req, "max_publishers", 1, 1000, &u, why))
		return -EINVAL;
	r->max_publishers = (unsigned)u;
	u = r->max_participants;
	if (get_uint(req, "max_participants", 1, 100000, &u, why))
		return -EINVAL;
	r->max_participants = (unsigned)u;
	u = r->bitrate;
	if (get_uint(req, KEY("bitrate"), 0, UINT32_MAX, &u, why))
		return -EINVAL;
	r->bitrate = (uint32_t)u;
	u = r->auto_sfu_at;
	if (get_uint(req, "auto_sfu_at", 1, 100000, &u, why))
		return -EINVAL;
	r->auto_sfu_at = (unsigned)u;
	u = r->auto_broadcast_at;
	if (get_uint(req, "auto_broadcast_at", 1, 100000, &u, why))
		return -EINVAL;
	r->auto_broadcast_at = (unsigned)u;
	if (r->auto_broadcast_at <= r->auto_sfu_at) {
		*why = g_strdup_printf("auto_broadcast_at (%u) must be larger than auto_sfu_at (%u)",
				       r->auto_broadcast_at, r->auto_sfu_at);
		return -EINVAL;
	}
	b = r->audiolevel_event;
	if (get_bool(req, "audiolevel_event", &b, why))
		return -EINVAL;
	r->audiolevel_event = b;
	u = (unsigned long)r->audio_level_average;
	if (get_uint(req, "audio_level_average", 1, 127, &u, why))
		return -EINVAL;
	r->audio_level_average = (int)u;
	u = (unsigned long)r->audio_active_packets;
	if (get_uint(req, "audio_active_packets", 1, 10000, &u, why))
		return -EINVAL;
	r->audio_active_packets = (int)u;
	b = r->notify_joining;
	if (get_bool(req, "notify_joining", &b, why))
		return -EINVAL;
	r->notify_joining = b;
	b = r->record;
	if (get_bool(req, "record", &b, why))
		return -EINVAL;
	r->record = b;
	if (read_presenters(r, json_object_get(req, "presenters"), why) < 0)
		return -EINVAL;
#undef KEY
	return 0;
}

static void room_free(struct rooms_room *r)
{
	if (!r)
		return;
	g_free(r->description);
	g_free(r->secret);
	g_free(r->pin);
	g_strfreev(r->presenters);
	if (r->members)
		g_ptr_array_free(r->members, TRUE);
	if (r->subscribers)
		g_ptr_array_free(r->subscribers, TRUE);
	if (r->taps)
		g_array_free(r->taps, TRUE);
	g_free(r);
}

static enum rooms_mode auto_mode(const struct rooms_room *r, enum rooms_mode now)
{
	unsigned n = r->members->len;

	/* Only upwards while people are in the room: a room that became an SFU because it grew
	 * stays one until it empties, so subscriptions are not reshuffled as people come and go. */
	if (n == 0)
		return ROOMS_MESH;
	if (n > r->auto_broadcast_at)
		return ROOMS_BROADCAST;
	if (n > r->auto_sfu_at && now == ROOMS_MESH)
		return ROOMS_SFU;
	return now;
}

int rooms_room_create(const json_t *req, bool is_static, struct rooms_room **out, char **why)
{
	struct rooms_room *r = g_new0(struct rooms_room, 1);
	uint64_t id = 0;
	const json_t *idv = json_object_get(req, "room");
	int rc = ROOMS_ERR_INVALID_ELEMENT;

	r->description = NULL;
	r->mode = ROOMS_AUTO;
	r->auto_sfu_at = DEFAULT_AUTO_SFU_AT;
	r->auto_broadcast_at = DEFAULT_AUTO_BROADCAST_AT;
	r->max_publishers = DEFAULT_MAX_PUBLISHERS;
	r->max_participants = DEFAULT_MAX_PARTICIPANTS;
	r->audio_level_average = 25;
	r->audio_active_packets = 100;
	r->members = g_ptr_array_new();
	r->subscribers = g_ptr_array_new();
	r->is_static = is_static;
	if (idv && rooms_json_id(idv, &id) < 0) {
		*why = g_strdup("room: must be a positive integer");
		goto fail;
	}
	if (id >= (UINT64_C(1) << 53)) {
		*why = g_strdup("room: must be below 2^53");
		goto fail;
	}
	if (read_settings(r, req, "", why) < 0)
		goto fail;
	if (id && out && rooms_room_find(id)) {
		*why = g_strdup_printf("Room %" PRIu64 " already exists", id);
		rc = ROOMS_ERR_ROOM_EXISTS;
		goto fail;
	}
	if (!out) { /* validation only */
		room_free(r);
		return 0;
	}
	while (!id || rooms_room_find(id))
		id = rooms_random_id();
	r->id = id;
	if (!r->description)
		r->description = g_strdup_printf("Room %" PRIu64, id);
	r->effective = r->mode == ROOMS_AUTO ? ROOMS_MESH : r->mode;
	r->created_wall_us = g_get_real_time();
	g_ptr_array_add(rooms_room_all(), r);
	*out = r;
	return 0;
fail:
	room_free(r);
	return rc;
}

int rooms_room_edit(struct rooms_room *r, const json_t *req, bool plain, char **why)
{
	struct rooms_room tmp = *r;
	int rc;

	/* Validate on a copy of the strings so that a bad edit changes nothing. */
	tmp.description = g_strdup(r->description);
	tmp.secret = g_strdup(r->secret);
	tmp.pin = g_strdup(r->pin);
	tmp.presenters = g_strdupv(r->presenters);
	rc = read_settings(&tmp, req, plain ? "" : "new_", why);
	if (rc == 0 && !plain) /* Janus edits may also say "mode" etc. without prefix */
		rc = read_settings(&tmp, req, "", why);
	if (rc < 0) {
		g_free(tmp.description);
		g_free(tmp.secret);
		g_free(tmp.pin);
		g_strfreev(tmp.presenters);
		return ROOMS_ERR_INVALID_ELEMENT;
	}
	g_free(r->description);
	g_free(r->secret);
	g_free(r->pin);
	g_strfreev(r->presenters);
	enum rooms_mode before = r->mode;
	*r = tmp;
	if (r->mode != before) {
		enum rooms_mode prev = r->effective;
		r->effective = r->mode == ROOMS_AUTO ? auto_mode(r, ROOMS_MESH) : r->mode;
		if (r->effective != prev) {
			json_t *ev = rooms_event(r);
			json_object_set_new(ev, "mode", json_string(rooms_mode_name(r->effective)));
			json_object_set_new(ev, "previous", json_string(rooms_mode_name(prev)));
			rooms_room_notify(r, NULL, ev);
		}
	}
	return 0;
}

void rooms_room_update_mode(struct rooms_room *r)
{
	enum rooms_mode prev = r->effective, next;

	if (r->mode != ROOMS_AUTO)
		return;
	next = auto_mode(r, prev);
	if (next == prev)
		return;
	r->effective = next;
	rooms_core->log(NULL, LUMEN_SEV_INFO, "room %" PRIu64 ": %s -> %s (%u participants)",
			r->id, rooms_mode_name(prev), rooms_mode_name(next), r->members->len);
	/* Becoming broadcast: the viewers already there spread over the workers too. */
	rooms_room_place_all(r);
	json_t *ev = rooms_event(r);
	json_object_set_new(ev, "mode", json_string(rooms_mode_name(next)));
	json_object_set_new(ev, "previous", json_string(rooms_mode_name(prev)));
	rooms_room_notify(r, NULL, ev);
}

/* Viewers per transmit worker, for the least-loaded choice. Control thread. */
static unsigned *worker_load;
static unsigned n_worker_load;

/* Whose relayed RTP goes to the workers: every viewer of a broadcast, and the subscribers of an
 * sfu room once it has more than ROOMS_SFU_SPREAD_AT of them (below that, the copy and the
 * hand-off cost more than sending inline saves). */
static bool spread(const struct rooms_room *r)
{
	return r->effective == ROOMS_BROADCAST ||
	       (r->effective == ROOMS_SFU && r->subscribers->len > ROOMS_SFU_SPREAD_AT);
}

void rooms_room_place(struct rooms_participant *p)
{
	unsigned n = rooms_core->n_workers(), best = 0;

	if (p->tx_worker || n < 2 || p->type != ROOMS_P_SUBSCRIBER || !p->room || !spread(p->room))
		return;
	if (n_worker_load != n) { /* first use (the worker count is fixed for the process) */
		g_free(worker_load);
		worker_load = g_new0(unsigned, n);
		n_worker_load = n;
	}
	for (unsigned i = 1; i < n; i++)
		if (worker_load[i] < worker_load[best])
			best = i;
	if (rooms_core->handle_move(p->h, best, NULL, NULL) < 0)
		return;
	worker_load[best]++;
	p->tx_worker = best + 1;
}

void rooms_room_place_all(struct rooms_room *r)
{
	for (unsigned i = 0; i < r->subscribers->len; i++)
		rooms_room_place(r->subscribers->pdata[i]);
}

void rooms_room_unplace(struct rooms_participant *p)
{
	if (p->tx_worker && p->tx_worker <= n_worker_load && worker_load[p->tx_worker - 1])
		worker_load[p->tx_worker - 1]--;
	/* The handle stays where it is: where its RTP goes out does not matter once it is out of
	 * the room, and a later join places it again. */
	p->tx_worker = 0;
}

void rooms_room_notify(struct rooms_room *r, const struct rooms_participant *except, json_t *data)
{
	for (unsigned i = 0; i < r->members->len; i++) {
		struct rooms_participant *p = r->members->pdata[i];
		if (p != except)
			rooms_push(p, NULL, json_deep_copy(data), NULL);
	}
	json_decref(data);
}

struct rooms_participant *rooms_room_member(const struct rooms_room *r, uint64_t id)
{
	for (unsigned i = 0; i < r->members->len; i++) {
		struct rooms_participant *p = r->members->pdata[i];
		if (p->id == id)
			return p;
	}
	return NULL;
}

static gint by_speech(gconstpointer a, gconstpointer b)
{
	const struct rooms_participant *x = *(struct rooms_participant *const *)a;
	const struct rooms_participant *y = *(struct rooms_participant *const *)b;

	return x->last_speech_us < y->last_speech_us ? 1 : x->last_speech_us > y->last_speech_us ? -1 : 0;
}

GPtrArray *rooms_room_by_speech(const struct rooms_room *r)
{
	GPtrArray *a = g_ptr_array_sized_new(r->members->len);

	for (unsigned i = 0; i < r->members->len; i++)
		g_ptr_array_add(a, r->members->pdata[i]);
	g_ptr_array_sort(a, by_speech); /* a stable merge sort in GLib */
	return a;
}

bool rooms_token_room_ok(const struct rooms_participant *p, const struct rooms_room *r)
{
	char id[24];

	if (!p->token_room)
		return true;
	snprintf(id, sizeof(id), "%" PRIu64, r->id);
	return strcmp(p->token_room, id) == 0;
}

bool rooms_secret_ok(const struct rooms_room *r, const json_t *req)
{
	const char *s = json_string_value(json_object_get(req, "secret"));

	return !r->secret || (s && strcmp(s, r->secret) == 0);
}

unsigned rooms_room_publishers(const struct rooms_room *r)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->members->len; i++)
		n += ((struct rooms_participant *)r->members->pdata[i])->published;
	return n;
}

void rooms_room_destroy(struct rooms_room *r)
{
	json_t *ev = json_pack("{s:s,s:I}", "videoroom", "destroyed", "room", (json_int_t)r->id);

	r->destroyed = true;
	/* Everyone hears it first, then leaves without further events. */
	while (r->subscribers->len) {
		struct rooms_participant *p = r->subscribers->pdata[0];
		rooms_push(p, NULL, json_deep_copy(ev), NULL);
		rooms_sub_leave(p);
		if (p->h)
			rooms_core->close_pc(p->h, "room destroyed");
	}
	while (r->members->len) {
		struct rooms_participant *p = r->members->pdata[0];
		rooms_push(p, NULL, json_deep_copy(ev), NULL);
		rooms_pub_leave(p, "room destroyed", true);
		if (p->h)
			rooms_core->close_pc(p->h, "room destroyed");
	}
	json_decref(ev);
	rooms_tap_room_gone(r);
	rooms_gone.forwarded_packets += r->c.forwarded_packets;
	rooms_gone.forwarded_bytes += r->c.forwarded_bytes;
	rooms_gone.nacks += r->c.nacks;
	rooms_gone.plis += r->c.plis;
	rooms_gone.layer_switches += r->c.layer_switches;
	g_ptr_array_remove(rooms_room_all(), r);
	room_free(r);
}

void rooms_room_destroy_all(void)
{
	GPtrArray *all = rooms_room_all();

	while (all->len)
		rooms_room_destroy(all->pdata[all->len - 1]);
	g_ptr_array_free(registry, TRUE);
	registry = NULL;
	g_free(worker_load);
	worker_load = NULL;
	n_worker_load = 0;
}

json_t *rooms_participant_json(const struct rooms_participant *p, bool details)
{
	json_t *j = json_pack("{s:I,s:s?,s:b,s:s}", "id", (json_int_t)p->id, "display", p->display,
			      "publisher", p->published, "role", rooms_role_name(p->role));
	bool talking = false;

	for (unsigned i = 0; i < p->n_tracks; i++)
		talking |= p->tracks[i]->talking;
	json_object_set_new(j, "talking", json_boolean(talking));
	if (p->hand_raised)
		json_object_set_new(j, "hand_raised", json_true());
	if (details) {
		/* The transmit worker its relayed RTP goes out on; null: the control thread. */
		json_object_set_new(j, "worker", p->tx_worker ? json_integer(p->tx_worker - 1)
							      : json_null());
		json_object_set_new(j, "type",
				    json_string(p->type == ROOMS_P_PUBLISHER    ? "publisher"
						: p->type == ROOMS_P_SUBSCRIBER ? "subscriber"
										: "none"));
		if (p->room)
			json_object_set_new(j, "room", json_integer((json_int_t)p->room->id));
		json_object_set_new(j, "streams", p->type == ROOMS_P_SUBSCRIBER
							  ? rooms_sub_streams_json(p)
							  : rooms_pub_streams_json(p));
		if (p->type == ROOMS_P_SUBSCRIBER)
			json_object_set_new(j, "subscriber",
					    json_pack("{s:b,s:b,s:b,s:I}", "started", p->started,
						      "paused", p->paused, "follow_all",
						      p->follow_all, "bandwidth_estimate",
						      (json_int_t)p->bwe_bps));
		if (p->type == ROOMS_P_PUBLISHER) {
			unsigned subs = 0;
			uint64_t pk = 0, by = 0;
			for (unsigned i = 0; i < p->n_tracks; i++) {
				subs += p->tracks[i]->streams->len;
				pk += p->tracks[i]->packets;
				by += p->tracks[i]->bytes;
			}
			json_object_set_new(j, "subscriptions", json_integer(subs));
			json_object_set_new(j, "stats",
					    json_pack("{s:I,s:I}", "packets_in", (json_int_t)pk,
						      "bytes_in", (json_int_t)by));
		}
	}
	return j;
}

json_t *rooms_room_json(const struct rooms_room *r, bool details)
{
	GDateTime *t = g_date_time_new_from_unix_utc(r->created_wall_us / G_USEC_PER_SEC);
	char *created = g_date_time_format_iso8601(t);
	json_t *j = json_pack(
	    "{s:I,s:s,s:s,s:s,s:i,s:i,s:i,s:I,s:b,s:b,s:b,s:i,s:i,s:i,s:i,s:s,s:b,s:b}", "room",
	    (json_int_t)r->id, "description", r->description, "mode", rooms_mode_name(r->mode),
	    "effective_mode", rooms_mode_name(r->effective), "max_participants",
	    (int)r->max_participants, "max_publishers", (int)r->max_publishers, "publishers",
	    (int)r->max_publishers, "bitrate", (json_int_t)r->bitrate, "pin_required", r->pin != NULL,
	    "is_private", false, "static", r->is_static, "num_participants", (int)r->members->len,
	    "num_publishers", (int)rooms_room_publishers(r), "auto_sfu_at", (int)r->auto_sfu_at,
	    "auto_broadcast_at", (int)r->auto_broadcast_at, "created_at", created,
	    "audiolevel_event", r->audiolevel_event, "record", r->record);

	g_free(created);
	g_date_time_unref(t);
	json_t *rec = rooms_record_status(r);
	if (rec)
		json_object_set_new(j, "recording", rec);
	if (details) {
		json_t *parts = json_array();
		GPtrArray *order = rooms_room_by_speech(r);
		for (unsigned i = 0; i < order->len; i++)
			json_array_append_new(parts, rooms_participant_json(order->pdata[i], true));
		g_ptr_array_free(order, TRUE);
		json_object_set_new(j, "participants", parts);
		json_object_set_new(j, "num_subscribers", json_integer(r->subscribers->len));
		json_t *subs = json_array(); /* subscriber handles, with their streams and layers */
		for (unsigned i = 0; i < r->subscribers->len; i++)
			json_array_append_new(subs,
					      rooms_participant_json(r->subscribers->pdata[i], true));
		json_object_set_new(j, "subscribers", subs);
		json_object_set_new(
		    j, "stats",
		    json_pack("{s:I,s:I,s:I,s:I,s:I}", "forwarded_packets",
			      (json_int_t)r->c.forwarded_packets, "forwarded_bytes",
			      (json_int_t)r->c.forwarded_bytes, "nacks", (json_int_t)r->c.nacks,
			      "plis", (json_int_t)r->c.plis, "layer_switches",
			      (json_int_t)r->c.layer_switches));
	}
	return j;
}
