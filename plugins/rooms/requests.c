/* rooms/requests.c -- requests about rooms rather than one's own media: create, edit, destroy,
 * exists, list, listparticipants, kick, moderate (synchronous, as in the dialect) and lumen's
 * raise_hand, promote and demote. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "rooms.h"

/* The room a request names ("room"), or an error result. */
static struct rooms_room *named_room(const json_t *body, struct lumen_msg_result *err)
{
	uint64_t id;
	const json_t *v = json_object_get(body, "room");
	struct rooms_room *r;

	if (!v) {
		*err = rooms_error(ROOMS_ERR_MISSING_ELEMENT, "Missing element (room)");
		return NULL;
	}
	if (rooms_json_id(v, &id) < 0) {
		*err = rooms_error(ROOMS_ERR_INVALID_ELEMENT,
				   "Invalid element (room must be a positive integer)");
		return NULL;
	}
	r = rooms_room_find(id);
	if (!r)
		*err = rooms_error(ROOMS_ERR_NO_SUCH_ROOM, "No such room (%" PRIu64 ")", id);
	return r;
}

/* Moderator rights: the room's secret in the request, or a moderator participant in it. */
static bool is_moderator(const struct rooms_participant *p, const struct rooms_room *r,
			 const json_t *body)
{
	if (p && p->room == r && p->role == ROOMS_ROLE_MODERATOR)
		return true;
	return r->secret ? rooms_secret_ok(r, body) : false;
}

static struct lumen_msg_result req_create(const json_t *body)
{
	struct rooms_room *r;
	char *why = NULL;
	int rc = rooms_room_create(body, false, &r, &why);

	if (rc) {
		struct lumen_msg_result res = rooms_error(rc, "%s", why ? why : "invalid");
		g_free(why);
		return res;
	}
	rooms_core->log(NULL, LUMEN_SEV_INFO, "room %" PRIu64 " created (%s)", r->id,
			rooms_mode_name(r->mode));
	return rooms_ok(json_pack("{s:s,s:I,s:b}", "videoroom", "created", "room",
				  (json_int_t)r->id, "permanent", false));
}

static struct lumen_msg_result req_edit(const json_t *body)
{
	struct lumen_msg_result err;
	struct rooms_room *r = named_room(body, &err);
	char *why = NULL;
	int rc;

	if (!r)
		return err;
	if (!rooms_secret_ok(r, body))
		return rooms_error(ROOMS_ERR_UNAUTHORIZED, "Unauthorized (wrong secret)");
	rc = rooms_room_edit(r, body, false, &why);
	if (rc) {
		err = rooms_error(rc, "%s", why ? why : "invalid");
		g_free(why);
		return err;
	}
	return rooms_ok(json_pack("{s:s,s:I}", "videoroom", "edited", "room", (json_int_t)r->id));
}

static struct lumen_msg_result req_destroy(const json_t *body)
{
	struct lumen_msg_result err;
	struct rooms_room *r = named_room(body, &err);
	uint64_t id;

	if (!r)
		return err;
	if (!rooms_secret_ok(r, body))
		return rooms_error(ROOMS_ERR_UNAUTHORIZED, "Unauthorized (wrong secret)");
	id = r->id;
	rooms_room_destroy(r);
	return rooms_ok(json_pack("{s:s,s:I}", "videoroom", "destroyed", "room", (json_int_t)id));
}

static struct lumen_msg_result req_exists(const json_t *body)
{
	uint64_t id;

	if (!json_object_get(body, "room"))
		return rooms_error(ROOMS_ERR_MISSING_ELEMENT, "Missing element (room)");
	if (rooms_json_id(json_object_get(body, "room"), &id) < 0)
		return rooms_error(ROOMS_ERR_INVALID_ELEMENT, "Invalid element (room)");
	return rooms_ok(json_pack("{s:s,s:I,s:b}", "videoroom", "success", "room", (json_int_t)id,
				  "exists", rooms_room_find(id) != NULL));
}

static struct lumen_msg_result req_list(void)
{
	GPtrArray *all = rooms_room_all();
	json_t *list = json_array();

	for (unsigned i = 0; i < all->len; i++)
		json_array_append_new(list, rooms_room_json(all->pdata[i], false));
	return rooms_ok(json_pack("{s:s,s:o}", "videoroom", "success", "list", list));
}

static struct lumen_msg_result req_listparticipants(const json_t *body)
{
	struct lumen_msg_result err;
	struct rooms_room *r = named_room(body, &err);
	json_t *list;

	if (!r)
		return err;
	list = json_array();
	GPtrArray *order = rooms_room_by_speech(r); /* active speakers first */
	for (unsigned i = 0; i < order->len; i++)
		json_array_append_new(list, rooms_participant_json(order->pdata[i], false));
	g_ptr_array_free(order, TRUE);
	return rooms_ok(json_pack("{s:s,s:I,s:o}", "videoroom", "participants", "room",
				  (json_int_t)r->id, "participants", list));
}

/* The participant a moderation request names ("id"). */
static struct rooms_participant *named_member(const struct rooms_room *r, const json_t *body,
					      struct lumen_msg_result *err)
{
	uint64_t id;
	struct rooms_participant *t;

	if (!json_object_get(body, "id")) {
		*err = rooms_error(ROOMS_ERR_MISSING_ELEMENT, "Missing element (id)");
		return NULL;
	}
	if (rooms_json_id(json_object_get(body, "id"), &id) < 0) {
		*err = rooms_error(ROOMS_ERR_INVALID_ELEMENT, "Invalid element (id)");
		return NULL;
	}
	t = rooms_room_member(r, id);
	if (!t)
		*err = rooms_error(ROOMS_ERR_NO_SUCH_FEED, "No such user %" PRIu64 " in room %" PRIu64,
				   id, r->id);
	return t;
}

static struct lumen_msg_result req_kick(struct rooms_participant *p, const json_t *body)
{
	struct lumen_msg_result err;
	struct rooms_room *r = named_room(body, &err);
	struct rooms_participant *t;

	if (!r)
		return err;
	if (!is_moderator(p, r, body))
		return rooms_error(ROOMS_ERR_UNAUTHORIZED, "Unauthorized (moderator or secret needed)");
	if (!(t = named_member(r, body, &err)))
		return err;
	json_t *ev = rooms_event(r);
	json_object_set_new(ev, "leaving", json_string("ok"));
	json_object_set_new(ev, "reason", json_string("kicked"));
	rooms_push(t, NULL, ev, NULL);
	ev = rooms_event(r);
	json_object_set_new(ev, "kicked", json_integer((json_int_t)t->id));
	rooms_room_notify(r, t, ev);
	rooms_pub_leave(t, "kicked", true);
	if (t->h)
		rooms_core->close_pc(t->h, "kicked");
	return rooms_ok(json_pack("{s:s}", "videoroom", "success"));
}

static struct lumen_msg_result req_moderate(struct rooms_participant *p, const json_t *body)
{
	struct lumen_msg_result err;
	struct rooms_room *r = named_room(body, &err);
	struct rooms_participant *t;
	const char *mid = json_string_value(json_object_get(body, "mid"));
	const json_t *mute = json_object_get(body, "mute");
	bool found = false;

	if (!r)
		return err;
	if (!is_moderator(p, r, body))
		return rooms_error(ROOMS_ERR_UNAUTHORIZED, "Unauthorized (moderator or secret needed)");
	if (!(t = named_member(r, body, &err)))
		return err;
	if (!mid || !json_is_boolean(mute))
		return rooms_error(ROOMS_ERR_MISSING_ELEMENT, "Missing element (mid, mute)");
	for (unsigned i = 0; i < t->n_tracks; i++)
		if (strcmp(t->tracks[i]->d.mid, mid) == 0) {
			t->tracks[i]->muted = json_is_true(mute);
			found = true;
		}
	if (!found)
		return rooms_error(ROOMS_ERR_NO_SUCH_FEED, "No such stream %s of %" PRIu64, mid,
				   t->id);
	return rooms_ok(json_pack("{s:s}", "videoroom", "success"));
}

static struct lumen_msg_result req_raise_hand(struct rooms_participant *p, const json_t *body)
{
	const json_t *raised = json_object_get(body, "raised");

	if (p->type != ROOMS_P_PUBLISHER || !p->room)
		return rooms_error(ROOMS_ERR_JOIN_FIRST, "Join a room first");
	if (raised && !json_is_boolean(raised))
		return rooms_error(ROOMS_ERR_INVALID_ELEMENT, "Invalid element (raised: boolean)");
	p->hand_raised = raised ? json_is_true(raised) : true;
	json_t *ev = rooms_event(p->room);
	json_object_set_new(ev, "hand", json_pack("{s:I,s:s?,s:b}", "id", (json_int_t)p->id,
						  "display", p->display, "raised",
						  p->hand_raised));
	rooms_room_notify(p->room, NULL, ev);
	return rooms_ok(json_pack("{s:s,s:b}", "videoroom", "success", "raised", p->hand_raised));
}

/* A recorder error as a dialect error: what the recorder said, under the closest code. */
static struct lumen_msg_result record_error(int rc, char *why)
{
	int code = rc == -ENOENT ? ROOMS_ERR_NO_SUCH_ROOM
		   : rc == -EINVAL ? ROOMS_ERR_INVALID_ELEMENT
				   : ROOMS_ERR_UNKNOWN;
	struct lumen_msg_result res = rooms_error(code, "%s", why ? why : "recording failed");

	g_free(why);
	return res;
}

/* The dialect's enable_recording (room secret, "record": true|false) and lumen's moderator
 * request "recording" ("action": start|stop|pause|resume|marker, "title" for a marker). */
static struct lumen_msg_result req_recording(struct rooms_participant *p, const json_t *body,
					     bool dialect)
{
	struct lumen_msg_result err;
	struct rooms_room *r = json_object_get(body, "room") ? named_room(body, &err) : p->room;
	const char *action;
	json_t *reply = NULL;
	char *why = NULL;

	if (!r)
		return json_object_get(body, "room")
			       ? err
			       : rooms_error(ROOMS_ERR_MISSING_ELEMENT, "Missing element (room)");
	/* The dialect asks for the room's secret when it has one; lumen's request for a
	 * moderator (or the secret). */
	if (dialect ? (r->secret && !is_moderator(p, r, body)) : !is_moderator(p, r, body))
		return rooms_error(ROOMS_ERR_UNAUTHORIZED, "Unauthorized (moderator or secret needed)");
	if (dialect) {
		const json_t *rec = json_object_get(body, "record");
		if (!json_is_boolean(rec))
			return rooms_error(ROOMS_ERR_MISSING_ELEMENT,
					   "Missing element (record: true or false)");
		r->record = json_is_true(rec);
		action = r->record ? "start" : "stop";
	} else {
		action = json_string_value(json_object_get(body, "action"));
		if (!action)
			return rooms_error(ROOMS_ERR_MISSING_ELEMENT,
					   "Missing element (action: start, stop, pause, resume or "
					   "marker)");
	}
	int rc = rooms_record_control(r, action, body, &reply, &why);
	/* enable_recording is idempotent in the dialect: asking for what is already so is fine. */
	if (rc == -EALREADY && dialect) {
		g_free(why);
		rc = 0;
	}
	if (rc < 0) {
		json_decref(reply);
		return record_error(rc, why);
	}
	json_t *ok = json_pack("{s:s,s:I}", "videoroom", "success", "room", (json_int_t)r->id);
	json_t *st = rooms_record_status(r);
	if (st)
		json_object_set_new(ok, "recording", st);
	json_decref(reply);
	return rooms_ok(ok);
}

static struct lumen_msg_result req_role(struct rooms_participant *p, const json_t *body,
					bool promote)
{
	struct lumen_msg_result err;
	struct rooms_room *r = json_object_get(body, "room") ? named_room(body, &err) : p->room;
	struct rooms_participant *t;

	if (!r)
		return json_object_get(body, "room")
			       ? err
			       : rooms_error(ROOMS_ERR_MISSING_ELEMENT, "Missing element (room)");
	if (!is_moderator(p, r, body))
		return rooms_error(ROOMS_ERR_UNAUTHORIZED, "Unauthorized (moderator or secret needed)");
	if (!(t = named_member(r, body, &err)))
		return err;
	if (t->role == ROOMS_ROLE_MODERATOR)
		return rooms_error(ROOMS_ERR_INVALID_ELEMENT, "A moderator's role cannot change");
	t->role = promote ? ROOMS_ROLE_PRESENTER : ROOMS_ROLE_VIEWER;
	t->hand_raised = false;
	if (!promote && t->published && r->effective == ROOMS_BROADCAST)
		rooms_pub_unpublish_all(t, true);
	json_t *ev = rooms_event(r);
	json_object_set_new(ev, "role", json_string(rooms_role_name(t->role)));
	json_object_set_new(ev, promote ? "promoted" : "demoted", json_true());
	rooms_push(t, NULL, ev, NULL);
	ev = rooms_event(r);
	json_object_set_new(ev, "hand", json_pack("{s:I,s:s?,s:b,s:s}", "id", (json_int_t)t->id,
						  "display", t->display, "raised", false, "role",
						  rooms_role_name(t->role)));
	rooms_room_notify(r, t, ev);
	return rooms_ok(json_pack("{s:s,s:I,s:s}", "videoroom", "success", "id", (json_int_t)t->id,
				  "role", rooms_role_name(t->role)));
}

struct lumen_msg_result rooms_request_room(struct rooms_participant *p, const char *request,
					   const json_t *body, bool *handled)
{
	*handled = true;
	if (strcmp(request, "create") == 0)
		return req_create(body);
	if (strcmp(request, "edit") == 0)
		return req_edit(body);
	if (strcmp(request, "destroy") == 0)
		return req_destroy(body);
	if (strcmp(request, "exists") == 0)
		return req_exists(body);
	if (strcmp(request, "list") == 0)
		return req_list();
	if (strcmp(request, "listparticipants") == 0)
		return req_listparticipants(body);
	if (strcmp(request, "kick") == 0)
		return req_kick(p, body);
	if (strcmp(request, "moderate") == 0)
		return req_moderate(p, body);
	if (strcmp(request, "raise_hand") == 0)
		return req_raise_hand(p, body);
	if (strcmp(request, "enable_recording") == 0 || strcmp(request, "recording") == 0)
		return req_recording(p, body, request[0] == 'e');
	if (strcmp(request, "promote") == 0 || strcmp(request, "demote") == 0)
		return req_role(p, body, request[0] == 'p');
	*handled = false;
	return rooms_ok(NULL);
}
