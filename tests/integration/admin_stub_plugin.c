/* admin_stub_plugin.c -- a test plugin (admin_stub.so, package lumen.test.adminstub) that serves
 * admin collections through core->admin_register, for tests/integration/admin_plugin_ext.sh and
 * lumenctl_rooms.sh. Not shipped.
 *
 *   /admin/v1/stub-echo[/...]      answers {"method","path","body"} (201 for POST, 204 and no
 *                                  body for DELETE); GET /stub-echo/selftest reports what
 *                                  admin_register returned for bad names at init;
 *                                  DELETE /stub-echo/registration unregisters the collection
 *                                  from inside its own callback.
 *   /admin/v1/rooms[/...]          a canned, in-memory imitation of the rooms plugin's admin
 *                                  API (docs/admin-api.md), so lumenctl's rooms commands can be
 *                                  tested before the real plugin exists. Room 1 has two
 *                                  participants; rooms created later have none.
 * Control thread only, like every admin callback. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <lumen/plugin.h>

static const struct lumen_core *core;
static json_t *rooms;    /* room id (decimal string) -> ROOM object */
static json_t *selftest; /* what the bad registrations returned */
static json_int_t next_id = 100;

/* {"error": what + arg} */
static json_t *error(const char *what, const char *arg)
{
	char buf[200];

	snprintf(buf, sizeof(buf), "%s%s", what, arg);
	return json_pack("{s:s}", "error", buf);
}

/* ---- stub-echo ---- */

static int echo_cb(void *arg, const char *method, const char *path, const json_t *body,
		   json_t **reply)
{
	if (strcmp(path, "/selftest") == 0 && strcmp(method, "GET") == 0) {
		*reply = json_incref(selftest);
		return 200;
	}
	if (strcmp(path, "/registration") == 0 && strcmp(method, "DELETE") == 0) {
		core->admin_unregister("stub-echo");
		return 204;
	}
	if (strcmp(method, "DELETE") == 0)
		return 204;
	*reply = json_pack("{s:s,s:s,s:O?}", "method", method, "path", path, "body", body);
	return strcmp(method, "POST") == 0 ? 201 : 200;
}

/* ---- rooms (canned) ---- */

static const char *const modes[] = {"mesh", "sfu", "broadcast", "auto", NULL};

static json_t *participants_of(const char *id)
{
	if (strcmp(id, "1") != 0)
		return json_array();
	return json_pack("[{s:I,s:s,s:s,s:b,s:[{s:s,s:s,s:s,s:i,s:I,s:I}],s:i},"
			 "{s:I,s:s,s:s,s:b,s:[],s:i}]",
			 "id", (json_int_t)4242, "display", "Ada", "role", "publisher", "publisher",
			 1, "streams", "mid", "0", "type", "audio", "codec", "opus", "layers", 1,
			 "packets", (json_int_t)1200, "bytes", (json_int_t)96000, "subscriptions", 1,
			 "id", (json_int_t)4343, "display", "Grace", "role", "viewer", "publisher", 0,
			 "streams", "subscriptions", 1);
}

/* Applies create/edit fields. Returns NULL or an error reply. */
static json_t *apply(json_t *room, const json_t *body)
{
	static const char *const ints[] = {"max_participants", "max_publishers", "bitrate",
					   "auto_sfu_at", "auto_broadcast_at", NULL};
	const char *mode = json_string_value(json_object_get(body, "mode"));
	const json_t *v;
	bool ok = false;

	if (json_object_get(body, "mode")) {
		for (size_t i = 0; mode && modes[i]; i++)
			ok = ok || strcmp(modes[i], mode) == 0;
		if (!ok)
			return error("mode: must be one of mesh, sfu, broadcast, auto", "");
		json_object_set_new(room, "mode", json_string(mode));
		json_object_set_new(room, "effective_mode",
				    json_string(strcmp(mode, "auto") == 0 ? "mesh" : mode));
	}
	for (size_t i = 0; ints[i]; i++) {
		if (!(v = json_object_get(body, ints[i])))
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return error(ints[i], ": must be a non-negative integer");
		json_object_set(room, ints[i], (json_t *)v);
	}
	if ((v = json_object_get(body, "description")))
		json_object_set(room, "description", (json_t *)v);
	if (json_object_get(body, "pin"))
		json_object_set_new(room, "pin_required", json_true());
	return NULL;
}

static json_t *room_new(json_int_t id)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:i,s:i,s:i,s:b,s:i,s:i,s:b,s:s}", "room", id,
			 "description", "", "mode", "auto", "effective_mode", "mesh",
			 "max_participants", 0, "max_publishers", 3, "bitrate", 0, "pin_required",
			 0, "num_participants", 0, "num_publishers", 0, "static", 0, "created_at",
			 "2024-05-01T10:00:00Z");
}

static int rooms_create(const json_t *body, json_t **reply)
{
	const json_t *jid = json_object_get(body, "room");
	json_int_t id = jid ? json_integer_value(jid) : next_id++;
	char key[32];
	json_t *room, *err;

	if (jid && (!json_is_integer(jid) || id <= 0)) {
		*reply = error("room: must be a positive integer", "");
		return 400;
	}
	snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, id);
	if (json_object_get(rooms, key)) {
		*reply = error("room exists: ", key);
		return 409;
	}
	room = room_new(id);
	if ((err = apply(room, body))) {
		json_decref(room);
		*reply = err;
		return 400;
	}
	json_object_set(rooms, key, room);
	*reply = room;
	return 201;
}

static int rooms_cb(void *arg, const char *method, const char *path, const json_t *body,
		    json_t **reply)
{
	char *parts[4] = {NULL}, *copy = NULL, id[32] = "";
	json_t *room = NULL, *list, *v, *err;
	const char *key;
	int status = 404;
	size_t n;

	if (!*path) {
		if (strcmp(method, "POST") == 0)
			return rooms_create(body, reply);
		list = json_array();
		json_object_foreach(rooms, key, v) json_array_append(list, v);
		*reply = json_pack("{s:o}", "rooms", list);
		return 200;
	}
	/* "/ID", "/ID/participants", "/ID/participants/PID" */
	n = 0;
	copy = strdup(path + 1);
	for (char *tok = strtok(copy, "/"); tok && n < 4; tok = strtok(NULL, "/"))
		parts[n++] = tok;
	snprintf(id, sizeof(id), "%s", n ? parts[0] : "");
	room = json_object_get(rooms, id);
	if (!room) {
		*reply = error("no such room ", id);
		goto out;
	}
	if (n == 1 && strcmp(method, "GET") == 0) {
		*reply = json_deep_copy(room);
		json_object_set_new(*reply, "participants", participants_of(id));
		status = 200;
	} else if (n == 1 && strcmp(method, "PATCH") == 0) {
		if ((err = apply(room, body))) {
			*reply = err;
			status = 400;
		} else {
			*reply = json_incref(room);
			status = 200;
		}
	} else if (n == 1 && strcmp(method, "DELETE") == 0) {
		json_object_del(rooms, id);
		status = 204;
	} else if (n == 2 && strcmp(parts[1], "participants") == 0 &&
		   strcmp(method, "GET") == 0) {
		*reply = json_pack("{s:o}", "participants", participants_of(id));
		status = 200;
	} else if (n == 3 && strcmp(parts[1], "participants") == 0 &&
		   strcmp(method, "DELETE") == 0) {
		status = strcmp(parts[2], "4242") == 0 ? 204 : 404;
		if (status == 404)
			*reply = error("no such participant ", parts[2]);
	} else {
		*reply = error("no such endpoint ", path);
		status = strcmp(method, "GET") == 0 ? 404 : 405;
	}
out:
	free(copy);
	return status;
}

/* ---- lifecycle ---- */

static int stub_init(const struct lumen_core *c, const json_t *config, char **err)
{
	json_int_t one = 1;

	core = c;
	if (!LUMEN_CORE_HAS(core, admin_register)) {
		*err = strdup("this core has no admin_register");
		return -ENOTSUP;
	}
	rooms = json_object();
	json_object_set_new(rooms, "1", room_new(one));
	json_object_set_new(json_object_get(rooms, "1"), "description",
			    json_string("Demo room"));
	json_object_set_new(json_object_get(rooms, "1"), "num_participants", json_integer(2));
	json_object_set_new(json_object_get(rooms, "1"), "num_publishers", json_integer(1));
	json_object_set_new(json_object_get(rooms, "1"), "static", json_true());
	selftest = json_pack("{s:i,s:i,s:i,s:i}", "sessions",
			     core->admin_register("sessions", echo_cb, NULL), "uppercase",
			     core->admin_register("Echo", echo_cb, NULL), "empty",
			     core->admin_register("", echo_cb, NULL), "too_long",
			     core->admin_register("a23456789012345678901234567890123", echo_cb,
						  NULL));
	if (core->admin_register("stub-echo", echo_cb, NULL) < 0 ||
	    core->admin_register("rooms", rooms_cb, NULL) < 0) {
		*err = strdup("admin_register failed");
		return -EINVAL;
	}
	json_object_set_new(selftest, "duplicate",
			    json_integer(core->admin_register("rooms", rooms_cb, NULL)));
	return 0;
}

static void stub_stop(void)
{
	core->admin_unregister("stub-echo");
	core->admin_unregister("rooms");
}

static void stub_destroy(void)
{
	json_decref(rooms);
	json_decref(selftest);
	rooms = selftest = NULL;
}

static int stub_attach(struct lumen_handle *h, const struct lumen_identity *who, void **state)
{
	return 0;
}

static struct lumen_msg_result stub_message(struct lumen_handle *h, void *state,
					    const char *transaction, const json_t *body,
					    const json_t *jsep)
{
	return (struct lumen_msg_result){LUMEN_MSG_SYNC, json_object(), NULL, 0, NULL};
}

static void stub_detach(struct lumen_handle *h, void *state)
{
}

static const struct lumen_plugin stub = {
    .abi_version = LUMEN_PLUGIN_ABI_VERSION,
    .name = "Admin extension stub",
    .package = "lumen.test.adminstub",
    .version = "0.1.0",
    .description = "serves canned admin collections for tests",
    .author = "lumen tests",
    .init = stub_init,
    .stop = stub_stop,
    .destroy = stub_destroy,
    .attach = stub_attach,
    .message = stub_message,
    .detach = stub_detach,
};

LUMEN_PLUGIN_DEFINE(stub)
