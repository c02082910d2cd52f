/* rooms/admin.c -- /admin/v1/rooms, served through the core's admin extension service
 * (plugin.h, admin_register): list, create, show, edit (mode and limits), destroy, participants
 * and kick. The core has checked the bearer token and role; this answers JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rooms.h"

static int fail(json_t **reply, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(json_t **reply, int status, const char *fmt, ...)
{
	va_list ap;
	char *msg, *valid;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* Messages quote the path, which the core percent-decodes and does not check for UTF-8:
	 * json_pack refuses invalid UTF-8, and the error went out without its body. */
	valid = g_utf8_make_valid(msg, -1);
	*reply = json_pack("{s:s}", "error", valid);
	g_free(valid);
	g_free(msg);
	return status;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end || !*out ? -EINVAL : 0;
}

/* /admin/v1/rooms/{id}/recording: GET the room's recording state; POST {"action": "start" |
 * "stop" | "pause" | "resume" | "marker", "title": "..."} hands the action to the recorder. */
static int recording(struct rooms_room *r, const char *method, const json_t *body,
		     json_t **reply)
{
	json_t *res = NULL;
	char *why = NULL;
	const char *action;
	int rc, status;

	if (strcmp(method, "GET") == 0) {
		*reply = rooms_record_status(r);
		return *reply ? 200
			      : fail(reply, 503,
				     "recording is not available: the recorder plugin is not loaded");
	}
	if (strcmp(method, "POST") != 0)
		return fail(reply, 405, "%s is not allowed here (GET, POST)", method);
	if (!json_is_object(body) || !(action = json_string_value(json_object_get(body, "action"))))
		return fail(reply, 400,
			    "the body must be {\"action\": \"start|stop|pause|resume|marker\"}");
	rc = rooms_record_control(r, action, body, &res, &why);
	if (rc == 0) {
		json_decref(res);
		*reply = rooms_record_status(r);
		return 200;
	}
	json_decref(res);
	status = rc == -ENOTSUP || rc == -EBUSY || rc == -ESHUTDOWN ? 503
		 : rc == -EALREADY ? 409
		 : rc == -EINVAL   ? 400
		 : rc == -ENOENT   ? 404
		 : rc == -ENOSPC   ? 507
				   : 500;
	status = fail(reply, status, "%s", why ? why : "recording failed");
	g_free(why);
	return status;
}

static int create(const json_t *body, json_t **reply)
{
	struct rooms_room *r;
	char *why = NULL;
	int rc;

	if (body && !json_is_object(body))
		return fail(reply, 400, "the body must be a JSON object");
	json_t *req = body ? json_deep_copy(body) : json_object();
	/* Admins may say "id" for the room's id. */
	if (json_object_get(req, "id") && !json_object_get(req, "room"))
		json_object_set(req, "room", json_object_get(req, "id"));
	rc = rooms_room_create(req, false, &r, &why);
	json_decref(req);
	if (rc) {
		int status = rc == ROOMS_ERR_ROOM_EXISTS ? 409 : 400;
		status = fail(reply, status, "%s", why ? why : "invalid room");
		g_free(why);
		return status;
	}
	rooms_core->log(NULL, LUMEN_SEV_INFO, "room %" PRIu64 " created through the admin API",
			r->id);
	*reply = rooms_room_json(r, true);
	return 201;
}

static int kick(struct rooms_room *r, const char *pid, json_t **reply)
{
	uint64_t id;
	struct rooms_participant *t;

	if (parse_u64(pid, &id) < 0 || !(t = rooms_room_member(r, id)))
		return fail(reply, 404, "no participant %s in room %" PRIu64, pid, r->id);
	json_t *ev = rooms_event(r);
	json_object_set_new(ev, "leaving", json_string("ok"));
	json_object_set_new(ev, "reason", json_string("kicked"));
	rooms_push(t, NULL, ev, NULL);
	ev = rooms_event(r);
	json_object_set_new(ev, "kicked", json_integer((json_int_t)t->id));
	rooms_room_notify(r, t, ev);
	rooms_pub_leave(t, "kicked by an admin", true);
	if (t->h)
		rooms_core->close_pc(t->h, "kicked");
	*reply = NULL;
	return 204;
}

int rooms_admin_cb(void *arg, const char *method, const char *path, const json_t *body,
		   json_t **reply)
{
	gchar **parts = NULL;
	struct rooms_room *r;
	uint64_t id;
	int status;

	(void)arg;
	*reply = NULL;
	if (!*path || strcmp(path, "/") == 0) {
		if (strcmp(method, "GET") == 0) {
			GPtrArray *all = rooms_room_all();
			json_t *list = json_array();
			for (unsigned i = 0; i < all->len; i++)
				json_array_append_new(list, rooms_room_json(all->pdata[i], false));
			*reply = json_pack("{s:o}", "rooms", list);
			return 200;
		}
		if (strcmp(method, "POST") == 0)
			return create(body, reply);
		return fail(reply, 405, "%s is not allowed on /admin/v1/rooms (GET, POST)", method);
	}
	parts = g_strsplit(path + 1, "/", 4);
	if (parse_u64(parts[0], &id) < 0) {
		status = fail(reply, 404, "no such room %s", parts[0]);
		goto out;
	}
	r = rooms_room_find(id);
	if (!r) {
		status = fail(reply, 404, "no such room %" PRIu64, id);
		goto out;
	}
	if (!parts[1]) {
		if (strcmp(method, "GET") == 0) {
			*reply = rooms_room_json(r, true);
			status = 200;
		} else if (strcmp(method, "PATCH") == 0) {
			char *why = NULL;
			if (!json_is_object(body)) {
				status = fail(reply, 400, "the body must be a JSON object");
				goto out;
			}
			if (rooms_room_edit(r, body, true, &why) != 0) {
				status = fail(reply, 400, "%s", why ? why : "invalid edit");
				g_free(why);
				goto out;
			}
			if (r->members->len)
				rooms_record_autostart(r);
			*reply = rooms_room_json(r, true);
			status = 200;
		} else if (strcmp(method, "DELETE") == 0) {
			rooms_room_destroy(r);
			status = 204;
		} else {
			status = fail(reply, 405, "%s is not allowed here (GET, PATCH, DELETE)",
				      method);
		}
		goto out;
	}
	if (strcmp(parts[1], "participants") == 0 && !parts[2]) {
		if (strcmp(method, "GET") != 0) {
			status = fail(reply, 405, "%s is not allowed here (GET)", method);
			goto out;
		}
		json_t *list = json_array(), *subs = json_array();
		for (unsigned i = 0; i < r->members->len; i++)
			json_array_append_new(list,
					      rooms_participant_json(r->members->pdata[i], true));
		/* Subscriber handles (a broadcast's viewers) are not members: listed apart, each
		 * with the transmit worker that sends to it. */
		for (unsigned i = 0; i < r->subscribers->len; i++)
			json_array_append_new(subs,
					      rooms_participant_json(r->subscribers->pdata[i], true));
		*reply = json_pack("{s:I,s:o,s:o}", "room", (json_int_t)r->id, "participants", list,
				   "subscribers", subs);
		status = 200;
		goto out;
	}
	if (strcmp(parts[1], "participants") == 0 && parts[2] && !parts[3]) {
		if (strcmp(method, "DELETE") == 0) {
			status = kick(r, parts[2], reply);
		} else if (strcmp(method, "GET") == 0) {
			struct rooms_participant *t;
			if (parse_u64(parts[2], &id) < 0 || !(t = rooms_room_member(r, id))) {
				status = fail(reply, 404, "no participant %s in room %" PRIu64,
					      parts[2], r->id);
				goto out;
			}
			*reply = rooms_participant_json(t, true);
			status = 200;
		} else {
			status = fail(reply, 405, "%s is not allowed here (GET, DELETE)", method);
		}
		goto out;
	}
	if (strcmp(parts[1], "recording") == 0 && !parts[2]) {
		status = recording(r, method, body, reply);
		goto out;
	}
	status = fail(reply, 404, "no such path /admin/v1/rooms%s", path);
out:
	g_strfreev(parts);
	return status;
}
