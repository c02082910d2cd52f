/* ctl_recordings.c -- `lumenctl recordings ...` (the recorder plugin's /admin/v1/recordings:
 * list, show, delete, process) and `lumenctl rooms record ROOM ACTION` (the rooms plugin's
 * /admin/v1/rooms/{id}/recording, which hands the action to the recorder). docs/admin-api.md,
 * "Recordings"; docs/recording.md.
 *
 * Recording ids go into the URL percent-encoded, so whatever is typed reaches the server as one
 * path segment and the server judges it (a bad id is its 400, printed as it says). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ctl.h"

#define RECORDINGS "/admin/v1/recordings"

static const char *const rec_cols[] = {"id",     "room",       "state",       "participants",
                                       "tracks", "processing", "description", NULL};
static const char *const track_cols[] = {"id",      "participant", "kind",  "codec",
                                         "packets", "bytes",       "file",  NULL};
static const char *const part_cols[] = {"id", "display", "joined_us", "left_us", NULL};

bool ctl_recordings_option(const char *opt, bool *takes_value)
{
	*takes_value = strcmp(opt, "--format") == 0;
	return *takes_value || strcmp(opt, "--align") == 0 || strcmp(opt, "--mix") == 0 ||
	       g_str_has_prefix(opt, "--format=");
}

/* The recorder plugin is not loaded: the core answers 404 for the whole collection. */
static int call_rec(const struct ctl *c, const char *method, const char *path, json_t *body,
                    struct reply *r, bool *done)
{
	int ret = ctl_call(c, method, path, body, r, done);
	json_t *e = json_object_get(r->json, "error");

	if (ret == EXIT_SERVER && r->status == 404 && json_is_object(e))
		fprintf(stderr, "lumenctl: this lumen serves no recordings (is the recorder plugin, "
		                "lumen.plugin.recorder, loaded? see `lumenctl plugins`)\n");
	return ret;
}

static char *rec_path(const char *id, const char *suffix)
{
	char *esc = g_uri_escape_string(id, NULL, FALSE);
	char *p = g_strdup_printf(RECORDINGS "/%s%s", esc, suffix);

	g_free(esc);
	return p;
}

static int rec_list(const struct ctl *c, int argc, char **argv)
{
	struct reply r;
	bool done;
	int ret;

	(void)argv;
	if (argc)
		return ctl_usage_error("recordings list takes no arguments");
	ret = call_rec(c, "GET", RECORDINGS, NULL, &r, &done);
	if (ret == EXIT_OK && !done) {
		json_t *all = json_object_get(r.json, "recordings");

		if (json_array_size(all))
			ctl_print_table(all, rec_cols);
		else
			printf("no recordings\n");
	}
	ctl_reply_clear(&r);
	return ret;
}

static void print_section(const char *title, const json_t *rows, const char *const *cols)
{
	if (!json_array_size(rows))
		return;
	printf("\n%s:\n", title);
	ctl_print_table(rows, cols);
}

static int rec_show(const struct ctl *c, int argc, char **argv)
{
	struct reply r;
	bool done;
	char *path;
	int ret;

	if (argc != 1)
		return ctl_usage_error("recordings show needs exactly one recording ID");
	path = rec_path(argv[0], "");
	ret = call_rec(c, "GET", path, NULL, &r, &done);
	if (ret == EXIT_OK && !done) {
		json_t *job = json_object_get(r.json, "processing");

		ctl_print_fields(r.json);
		print_section("participants", json_object_get(r.json, "participants"), part_cols);
		print_section("tracks", json_object_get(r.json, "tracks"), track_cols);
		print_section("pauses", json_object_get(r.json, "pauses"), NULL);
		print_section("markers", json_object_get(r.json, "markers"), NULL);
		if (json_is_object(job)) {
			printf("\nprocessing:\n");
			ctl_print_fields(job);
		}
	}
	ctl_reply_clear(&r);
	g_free(path);
	return ret;
}

static int rec_delete(const struct ctl *c, int argc, char **argv)
{
	struct reply r;
	bool done;
	char *path;
	int ret;

	if (argc != 1)
		return ctl_usage_error("recordings delete needs exactly one recording ID");
	path = rec_path(argv[0], "");
	ret = call_rec(c, "DELETE", path, NULL, &r, &done);
	if (ret == EXIT_OK && !done)
		printf("recording %s deleted\n", argv[0]);
	ctl_reply_clear(&r);
	g_free(path);
	return ret;
}

static int rec_process(const struct ctl *c, int argc, char **argv)
{
	json_t *body = json_pack("{s:b,s:b,s:n}", "align", 0, "mix", 0, "format");
	const char *id = NULL;
	struct reply r;
	bool done;
	char *path;
	int ret;

	for (int i = 0; i < argc; i++) {
		const char *f = NULL;

		if (strcmp(argv[i], "--align") == 0 || strcmp(argv[i], "--mix") == 0)
			json_object_set_new(body, argv[i] + 2, json_true());
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			f = argv[++i];
		else if (g_str_has_prefix(argv[i], "--format="))
			f = argv[i] + strlen("--format=");
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else {
			json_decref(body);
			return ctl_usage_error("recordings process: unknown option or argument \"%s\"",
			                       argv[i]);
		}
		if (f && strcmp(f, "wav") != 0 && strcmp(f, "flac") != 0) {
			json_decref(body);
			return ctl_usage_error("--format must be wav or flac, not \"%s\"", f);
		}
		if (f)
			json_object_set_new(body, "format", json_string(f));
	}
	if (!id) {
		json_decref(body);
		return ctl_usage_error("recordings process needs a recording ID");
	}
	path = rec_path(id, "/process");
	ret = call_rec(c, "POST", path, body, &r, &done);
	if (ret == EXIT_OK && !done) {
		json_t *job = json_object_get(r.json, "processing");

		printf("processing of %s: %s\n", id,
		       json_string_value(json_object_get(job, "state")) ?: "?");
		printf("follow it with: lumenctl recordings show %s\n", id);
	}
	ctl_reply_clear(&r);
	g_free(path);
	return ret;
}

static const struct {
	const char *name;
	int (*run)(const struct ctl *c, int argc, char **argv);
} subcommands[] = {
    {"list", rec_list},
    {"show", rec_show},
    {"delete", rec_delete},
    {"process", rec_process},
};

int ctl_cmd_recordings(const struct ctl *c, int argc, char **argv)
{
	if (argc == 0)
		return ctl_usage_error("recordings needs a subcommand: list, show, delete, process");
	for (size_t i = 0; i < G_N_ELEMENTS(subcommands); i++)
		if (strcmp(argv[0], subcommands[i].name) == 0)
			return subcommands[i].run(c, argc - 1, argv + 1);
	return ctl_usage_error("unknown recordings subcommand \"%s\"", argv[0]);
}

int ctl_cmd_room_record(const struct ctl *c, int argc, char **argv)
{
	static const char *const actions[] = {"start", "stop", "pause", "resume", "marker", NULL};
	guint64 room;
	json_t *body;
	struct reply r;
	bool done, known = false;
	char *path;
	int ret;

	if (argc < 2)
		return ctl_usage_error("rooms record needs a room ID and an action: start, stop, "
		                       "pause, resume, marker TITLE");
	if (!g_ascii_string_to_unsigned(argv[0], 10, 1, (G_GUINT64_CONSTANT(1) << 53) - 1, &room,
	                                NULL))
		return ctl_usage_error("room ID must be a positive integer, not \"%s\"", argv[0]);
	for (const char *const *a = actions; *a; a++)
		known |= strcmp(argv[1], *a) == 0;
	if (!known)
		return ctl_usage_error("unknown recording action \"%s\" (start, stop, pause, "
		                       "resume, marker TITLE)",
		                       argv[1]);
	if (strcmp(argv[1], "marker") == 0 && argc != 3)
		return ctl_usage_error("rooms record ID marker needs one TITLE (quote it)");
	if (strcmp(argv[1], "marker") != 0 && argc != 2)
		return ctl_usage_error("rooms record ID %s takes no more arguments", argv[1]);
	body = json_pack("{s:s}", "action", argv[1]);
	if (argc == 3)
		json_object_set_new(body, "title", json_string(argv[2]));
	path = g_strdup_printf("/admin/v1/rooms/%" G_GUINT64_FORMAT "/recording", room);
	ret = ctl_call(c, "POST", path, body, &r, &done);
	if (ret == EXIT_OK && !done) {
		const char *id = json_string_value(json_object_get(r.json, "recording"));
		const char *state = json_string_value(json_object_get(r.json, "state"));

		if (id)
			printf("room %s: recording %s (%s%s)\n", argv[0], id, state ? state : "?",
			       json_is_true(json_object_get(r.json, "paused")) ? ", paused" : "");
		else
			printf("room %s: not recording\n", argv[0]);
	}
	ctl_reply_clear(&r);
	g_free(path);
	return ret;
}
