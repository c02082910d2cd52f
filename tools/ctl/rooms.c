/* rooms.c -- `lumenctl rooms ...`: the rooms plugin's admin collection /admin/v1/rooms
 * (docs/admin-api.md, "Rooms"): list, show, create, edit, destroy, participants, kick.
 *
 * Options are a table: each maps a command-line option to a JSON member and a type, and says
 * whether create, edit or both take it. Values are checked for their type here; what they mean
 * (a mode name, limits) is the server's to judge, and its {"error":"why"} is printed as it is.
 * Single-threaded, like the rest of lumenctl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ctl.h"

#define ROOMS "/admin/v1/rooms"

enum opt_type { OPT_STRING, OPT_UINT };
enum { FOR_CREATE = 1, FOR_EDIT = 2, FOR_BOTH = 3 };

static const struct room_opt {
	const char *name;   /* "--mode" */
	const char *member; /* "mode" */
	enum opt_type type;
	int commands;
} room_opts[] = {
    {"--id", "room", OPT_UINT, FOR_CREATE},
    {"--mode", "mode", OPT_STRING, FOR_BOTH},
    {"--description", "description", OPT_STRING, FOR_BOTH},
    {"--max-participants", "max_participants", OPT_UINT, FOR_BOTH},
    {"--max-publishers", "max_publishers", OPT_UINT, FOR_BOTH},
    {"--bitrate", "bitrate", OPT_UINT, FOR_BOTH},
    {"--auto-sfu-at", "auto_sfu_at", OPT_UINT, FOR_BOTH},
    {"--auto-broadcast-at", "auto_broadcast_at", OPT_UINT, FOR_BOTH},
    {"--secret", "secret", OPT_STRING, FOR_CREATE},
    {"--pin", "pin", OPT_STRING, FOR_CREATE},
};

/* The table's columns: what people read first; --json has every field. */
static const char *const room_cols[] = {"room",         "mode",           "effective_mode",
                                        "participants", "publishers",     "max_participants",
                                        "pin",          "description",    NULL};
static const char *const participant_cols[] = {"id",      "display",       "role", "publisher",
                                               "streams", "subscriptions", NULL};

static const struct room_opt *find_opt(const char *arg)
{
	for (size_t i = 0; i < G_N_ELEMENTS(room_opts); i++) {
		size_t n = strlen(room_opts[i].name);

		if (strncmp(arg, room_opts[i].name, n) == 0 && (arg[n] == '\0' || arg[n] == '='))
			return &room_opts[i];
	}
	return NULL;
}

bool ctl_rooms_option(const char *opt)
{
	return find_opt(opt) != NULL;
}

/* Room ids are JSON numbers below 2^53 (docs/admin-api.md). */
static bool parse_room_id(const char *s, guint64 *out)
{
	return g_ascii_string_to_unsigned(s, 10, 1, (G_GUINT64_CONSTANT(1) << 53) - 1, out, NULL);
}

/* Builds the create/edit body from argv (options only). Returns NULL after a usage error. */
static json_t *parse_opts(int argc, char **argv, int which, const char *cmd)
{
	json_t *body = json_object();

	for (int i = 0; i < argc; i++) {
		const struct room_opt *o = find_opt(argv[i]);
		const char *eq = strchr(argv[i], '='), *v;
		guint64 n;

		if (!o || !(o->commands & which)) {
			ctl_usage_error("rooms %s: unknown option or argument \"%s\"", cmd, argv[i]);
			goto fail;
		}
		if (eq) {
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else {
			ctl_usage_error("rooms %s: %s needs a value", cmd, o->name);
			goto fail;
		}
		if (o->type == OPT_STRING) {
			json_object_set_new(body, o->member, json_string(v));
			continue;
		}
		if (!g_ascii_string_to_unsigned(v, 10, 0, (G_GUINT64_CONSTANT(1) << 53) - 1, &n,
		                                NULL) ||
		    (strcmp(o->member, "room") == 0 && n == 0)) {
			ctl_usage_error("rooms %s: %s needs a non-negative integer, not \"%s\"", cmd,
			                o->name, v);
			goto fail;
		}
		json_object_set_new(body, o->member, json_integer((json_int_t)n));
	}
	return body;
fail:
	json_decref(body);
	return NULL;
}

/* A room as a table row: the scalar fields, participants and publishers under short names. */
static json_t *room_row(const json_t *room)
{
	json_t *row = json_object(), *v;
	const char *key, *col;

	/* key drives json_object_foreach's iteration: rename into col, never key. */
	json_object_foreach((json_t *)room, key, v)
	{
		col = key;
		if (json_is_object(v) || json_is_array(v))
			continue;
		if (strcmp(key, "num_participants") == 0)
			col = "participants";
		else if (strcmp(key, "num_publishers") == 0)
			col = "publishers";
		else if (strcmp(key, "pin_required") == 0)
			col = "pin";
		else if (strcmp(key, "created_at") == 0 || strcmp(key, "static") == 0 ||
		         strcmp(key, "max_publishers") == 0 || strcmp(key, "bitrate") == 0)
			continue; /* in `rooms show` and --json */
		json_object_set(row, col, v);
	}
	return row;
}

static void print_rooms(const json_t *rooms)
{
	json_t *rows = json_array(), *r;
	size_t i;

	json_array_foreach(rooms, i, r) json_array_append_new(rows, room_row(r));
	ctl_print_table(rows, room_cols);
	json_decref(rows);
}

static void print_participants(const json_t *list)
{
	if (json_array_size(list))
		ctl_print_table(list, participant_cols);
	else
		printf("no participants\n");
}

/* The rooms plugin is not loaded: the core answers 404 for the whole collection. */
static int call_rooms(const struct ctl *c, const char *method, const char *path, json_t *body,
                      struct reply *r, bool *done)
{
	int ret = ctl_call(c, method, path, body, r, done);
	json_t *e = json_object_get(r->json, "error");

	if (ret == EXIT_SERVER && r->status == 404 && json_is_object(e))
		fprintf(stderr, "lumenctl: this lumen serves no rooms (is the rooms plugin, "
		                "janus.plugin.videoroom, loaded? see `lumenctl plugins`)\n");
	return ret;
}

static int rooms_list(const struct ctl *c, int argc, char **argv)
{
	struct reply r;
	bool done;
	int ret;

	if (argc)
		return ctl_usage_error("rooms list takes no arguments");
	ret = call_rooms(c, "GET", ROOMS, NULL, &r, &done);
	if (ret == EXIT_OK && !done) {
		json_t *rooms = json_object_get(r.json, "rooms");

		if (json_array_size(rooms))
			print_rooms(rooms);
		else
			printf("no rooms\n");
	}
	ctl_reply_clear(&r);
	return ret;
}

/* Checks "ID" (and a count of arguments), builds ROOMS/ID plus suffix. */
static char *room_path(int argc, char **argv, int want, const char *cmd, const char *suffix)
{
	guint64 id;

	if (argc != want) {
		ctl_usage_error("rooms %s needs %s", cmd,
		                want == 1 ? "exactly one room ID" : "a room ID and a participant ID");
		return NULL;
	}
	if (!parse_room_id(argv[0], &id)) {
		ctl_usage_error("room ID must be a positive integer, not \"%s\"", argv[0]);
		return NULL;
	}
	return g_strdup_printf(ROOMS "/%" G_GUINT64_FORMAT "%s", id, suffix);
}

static int rooms_show(const struct ctl *c, int argc, char **argv)
{
	char *path = room_path(argc, argv, 1, "show", "");
	struct reply r;
	bool done;
	int ret;

	if (!path)
		return EXIT_USAGE;
	ret = call_rooms(c, "GET", path, NULL, &r, &done);
	if (ret == EXIT_OK && !done) {
		ctl_print_fields(r.json);
		printf("\n");
		print_participants(json_object_get(r.json, "participants"));
	}
	ctl_reply_clear(&r);
	g_free(path);
	return ret;
}

static int rooms_create(const struct ctl *c, int argc, char **argv)
{
	json_t *body = parse_opts(argc, argv, FOR_CREATE, "create");
	struct reply r;
	bool done;
	int ret;

	if (!body)
		return EXIT_USAGE;
	ret = call_rooms(c, "POST", ROOMS, body, &r, &done);
	if (ret == EXIT_OK && !done) {
		printf("room %" JSON_INTEGER_FORMAT " created\n",
		       json_integer_value(json_object_get(r.json, "room")));
		ctl_print_fields(r.json);
	}
	ctl_reply_clear(&r);
	return ret;
}

static int rooms_edit(const struct ctl *c, int argc, char **argv)
{
	char *path = room_path(argc ? 1 : 0, argv, 1, "edit", "");
	json_t *body;
	struct reply r;
	bool done;
	int ret;

	if (!path)
		return EXIT_USAGE;
	body = parse_opts(argc - 1, argv + 1, FOR_EDIT, "edit");
	if (body && json_object_size(body) == 0) {
		json_decref(body);
		body = NULL;
		ctl_usage_error("rooms edit needs at least one option to change");
	}
	if (!body) {
		g_free(path);
		return EXIT_USAGE;
	}
	ret = call_rooms(c, "PATCH", path, body, &r, &done);
	if (ret == EXIT_OK && !done) {
		printf("room %s updated\n", argv[0]);
		ctl_print_fields(r.json);
	}
	ctl_reply_clear(&r);
	g_free(path);
	return ret;
}

static int rooms_destroy(const struct ctl *c, int argc, char **argv)
{
	char *path = room_path(argc, argv, 1, "destroy", "");
	struct reply r;
	bool done;
	int ret;

	if (!path)
		return EXIT_USAGE;
	ret = call_rooms(c, "DELETE", path, NULL, &r, &done);
	if (ret == EXIT_OK && !done)
		printf("room %s destroyed\n", argv[0]);
	ctl_reply_clear(&r);
	g_free(path);
	return ret;
}

static int rooms_participants(const struct ctl *c, int argc, char **argv)
{
	char *path = room_path(argc, argv, 1, "participants", "/participants");
	struct reply r;
	bool done;
	int ret;

	if (!path)
		return EXIT_USAGE;
	ret = call_rooms(c, "GET", path, NULL, &r, &done);
	if (ret == EXIT_OK && !done)
		print_participants(json_object_get(r.json, "participants"));
	ctl_reply_clear(&r);
	g_free(path);
	return ret;
}

static int rooms_kick(const struct ctl *c, int argc, char **argv)
{
	char *suffix, *path;
	struct reply r;
	bool done;
	int ret;

	if (argc == 2 && !ctl_valid_id(argv[1]))
		return ctl_usage_error("participant ID must be a positive integer, not \"%s\"",
		                       argv[1]);
	suffix = g_strdup_printf("/participants/%s", argc == 2 ? argv[1] : "");
	path = room_path(argc, argv, 2, "kick", suffix);
	g_free(suffix);
	if (!path)
		return EXIT_USAGE;
	ret = call_rooms(c, "DELETE", path, NULL, &r, &done);
	if (ret == EXIT_OK && !done)
		printf("participant %s kicked from room %s\n", argv[1], argv[0]);
	ctl_reply_clear(&r);
	g_free(path);
	return ret;
}

static const struct {
	const char *name;
	int (*run)(const struct ctl *c, int argc, char **argv);
} subcommands[] = {
    {"list", rooms_list},       {"show", rooms_show},
    {"create", rooms_create},   {"edit", rooms_edit},
    {"destroy", rooms_destroy}, {"participants", rooms_participants},
    {"kick", rooms_kick},       {"record", ctl_cmd_room_record},
};

int ctl_cmd_rooms(const struct ctl *c, int argc, char **argv)
{
	if (argc == 0)
		return ctl_usage_error("rooms needs a subcommand: list, show, create, edit, destroy, "
		                       "participants, kick, record");
	for (size_t i = 0; i < G_N_ELEMENTS(subcommands); i++)
		if (strcmp(argv[0], subcommands[i].name) == 0)
			return subcommands[i].run(c, argc - 1, argv + 1);
	return ctl_usage_error("unknown rooms subcommand \"%s\"", argv[0]);
}
