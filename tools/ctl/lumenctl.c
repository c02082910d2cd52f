/* lumenctl.c -- command-line client of lumen's admin REST API (docs/admin-api.md).
 *
 * One synchronous HTTP request per command through libsoup-3.0 (soup_session_send_and_read),
 * JSON replies printed as tables for people or raw with --json for scripts. The URL and token
 * come from --url/--token or LUMEN_ADMIN_URL/LUMEN_ADMIN_TOKEN. Exit codes: 0 ok, 1 the server
 * answered with an error, 2 usage, 3 the API could not be reached, 4 authentication or
 * permission refused. Single-threaded; links nothing of the daemon. The rooms commands live in
 * rooms.c; ctl.h is what the two share. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>
#include <libsoup/soup.h>

#include "ctl.h"

#define DEFAULT_URL "http://127.0.0.1:7088"

static const char usage_text[] =
    "Usage: lumenctl [--url URL] [--token TOKEN] [--json] [--timeout SECONDS] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  info                         version, uptime, readiness, counts and plugins\n"
    "  sessions                     list client sessions\n"
    "  session ID                   one session with its handles\n"
    "  kick ID                      destroy a session (its client gets a timeout)\n"
    "  log-level LEVEL [CATEGORIES] set the log level (error|warn|info|debug|trace) and\n"
    "                               per-category levels, e.g. \"ice:debug,dtls:trace\"\n"
    "  reload                       reload the configuration file\n"
    "  drain [--off]                refuse new sessions (keep existing ones); --off undoes it\n"
    "  plugins                      loaded and refused plugins\n"
    "  metrics                      the Prometheus metrics text\n"
    "  rooms list                   rooms of the rooms plugin (janus.plugin.videoroom)\n"
    "  rooms show ID                one room with its participants\n"
    "  rooms create [ROOM OPTIONS] [--id N] [--secret S] [--pin P]\n"
    "                               create a room (the server picks the id without --id)\n"
    "  rooms edit ID ROOM OPTIONS   change a room\n"
    "  rooms destroy ID             destroy a room (its participants are told)\n"
    "  rooms participants ID        a room's participants\n"
    "  rooms kick ID PARTICIPANT    remove a participant from a room\n"
    "  rooms record ID start|stop|pause|resume|marker TITLE\n"
    "                               control the room's recording (recorder plugin)\n"
    "  recordings list              recordings of the recorder plugin, with their state\n"
    "  recordings show ID           one recording: manifest, live facts, processing job\n"
    "  recordings delete ID         delete a recording that is not open\n"
    "  recordings process ID [--align] [--mix] [--format wav|flac]\n"
    "                               run lumen-pp on it in the server (see show)\n"
    "\n"
    "Room options: --mode mesh|sfu|broadcast|auto, --description TEXT,\n"
    "  --max-participants N, --max-publishers N, --bitrate BPS, --auto-sfu-at N,\n"
    "  --auto-broadcast-at N\n"
    "\n"
    "Options:\n"
    "  --url URL        admin API base URL (env LUMEN_ADMIN_URL, default " DEFAULT_URL ")\n"
    "  --token TOKEN    bearer token or JWT (env LUMEN_ADMIN_TOKEN)\n"
    "  --json           print the server's JSON reply instead of a table\n"
    "  --timeout SECS   give up after SECS seconds (default 10)\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok, 1 server error, 2 usage error, 3 cannot reach the API,\n"
    "4 authentication or permission refused.\n";

int ctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lumenctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'lumenctl --help'.\n");
	return EXIT_USAGE;
}

/* ---- output ---- */

/* A cell's text: strings as they are, numbers, yes/no, an array's length, "-" for null. */
static char *cell_text(const json_t *v)
{
	if (!v || json_is_null(v))
		return g_strdup("-");
	if (json_is_string(v))
		return g_strdup(json_string_value(v));
	if (json_is_integer(v))
		return g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_real(v))
		return g_strdup_printf("%g", json_real_value(v));
	if (json_is_boolean(v))
		return g_strdup(json_is_true(v) ? "yes" : "no");
	if (json_is_array(v))
		return g_strdup_printf("%zu", json_array_size(v));
	return g_strdup("{...}");
}

/* Prints an array of objects as a table. Columns: `first` (NULL-terminated, those present),
 * then every other key in order of appearance whose value is not an object. */
void ctl_print_table(const json_t *rows, const char *const *first)
{
	GPtrArray *cols = g_ptr_array_new();
	GArray *width;
	const char *key;
	json_t *row, *v;
	size_t i;

	for (const char *const *f = first; f && *f; f++) {
		json_array_foreach(rows, i, row)
		{
			if (json_object_get(row, *f)) {
				g_ptr_array_add(cols, (gpointer)*f);
				break;
			}
		}
	}
	json_array_foreach(rows, i, row)
	{
		json_object_foreach(row, key, v)
		{
			bool seen = json_is_object(v); /* nested objects: see --json */

			for (guint c = 0; c < cols->len && !seen; c++)
				seen = strcmp(cols->pdata[c], key) == 0;
			if (!seen)
				g_ptr_array_add(cols, (gpointer)key);
		}
	}
	width = g_array_sized_new(FALSE, TRUE, sizeof(size_t), cols->len);
	g_array_set_size(width, cols->len);
	for (guint c = 0; c < cols->len; c++) {
		g_array_index(width, size_t, c) = strlen(cols->pdata[c]);
		json_array_foreach(rows, i, row)
		{
			char *t = cell_text(json_object_get(row, cols->pdata[c]));
			size_t n = g_utf8_strlen(t, -1);

			if (n > g_array_index(width, size_t, c))
				g_array_index(width, size_t, c) = n;
			g_free(t);
		}
	}
	for (guint c = 0; c < cols->len; c++) {
		char *up = g_ascii_strup(cols->pdata[c], -1);

		printf("%-*s%s", c + 1 < cols->len ? (int)g_array_index(width, size_t, c) : 0, up,
		       c + 1 < cols->len ? "  " : "\n");
		g_free(up);
	}
	json_array_foreach(rows, i, row)
	{
		for (guint c = 0; c < cols->len; c++) {
			char *t = cell_text(json_object_get(row, cols->pdata[c]));
			int pad = (int)g_array_index(width, size_t, c) - (int)g_utf8_strlen(t, -1);

			printf("%s%*s%s", t, c + 1 < cols->len ? pad : 0, "",
			       c + 1 < cols->len ? "  " : "\n");
			g_free(t);
		}
	}
	g_array_unref(width);
	g_ptr_array_unref(cols);
}

/* Prints an object's scalar members as "key  value" lines (arrays and objects skipped). */
void ctl_print_fields(const json_t *obj)
{
	size_t w = 0;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) if (!json_is_array(v) && !json_is_object(v) &&
	                                               strlen(key) > w) w = strlen(key);
	json_object_foreach((json_t *)obj, key, v)
	{
		char *t;

		if (json_is_array(v) || json_is_object(v))
			continue;
		t = cell_text(v);
		printf("%-*s  %s\n", (int)w, key, t);
		g_free(t);
	}
}

static char *format_uptime(json_int_t s)
{
	if (s >= 86400)
		return g_strdup_printf("%" JSON_INTEGER_FORMAT "d %02dh %02dm", s / 86400,
		                       (int)(s % 86400 / 3600), (int)(s % 3600 / 60));
	if (s >= 3600)
		return g_strdup_printf("%dh %02dm %02ds", (int)(s / 3600), (int)(s % 3600 / 60),
		                       (int)(s % 60));
	return g_strdup_printf("%dm %02ds", (int)(s / 60), (int)(s % 60));
}

/* ---- HTTP ---- */

void ctl_reply_clear(struct reply *r)
{
	g_free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/* Sends one request. Returns EXIT_OK with *r filled for any HTTP answer, or EXIT_CONNECT /
 * EXIT_USAGE after printing why. */
static int request(const struct ctl *c, const char *method, const char *path, json_t *body,
                   struct reply *r)
{
	char *url = g_strdup_printf("%s%s", c->url, path);
	SoupSession *s =
	    soup_session_new_with_options("timeout", c->timeout_s, "user-agent", "lumenctl", NULL);
	SoupMessage *msg = soup_message_new(method, url);
	GError *err = NULL;
	GBytes *out = NULL;
	int ret = EXIT_CONNECT;

	memset(r, 0, sizeof(*r));
	if (!msg) {
		fprintf(stderr, "lumenctl: invalid admin API URL \"%s\"\n", c->url);
		ret = EXIT_USAGE;
		goto out;
	}
	if (c->token && *c->token) {
		char *h = g_strdup_printf("Bearer %s", c->token);

		soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization",
		                             h);
		g_free(h);
	}
	if (body) {
		char *text = json_dumps(body, JSON_COMPACT);
		GBytes *b = g_bytes_new_with_free_func(text, strlen(text), free, text);

		soup_message_set_request_body_from_bytes(msg, "application/json", b);
		g_bytes_unref(b);
	}
	out = soup_session_send_and_read(s, msg, NULL, &err);
	if (!out) {
		fprintf(stderr, "lumenctl: cannot reach lumen admin API at %s: %s\n", c->url,
		        err->message);
		goto out;
	}
	{
		gsize n;
		const char *d = g_bytes_get_data(out, &n);

		r->body = g_strndup(d ? d : "", n);
	}
	r->status = (int)soup_message_get_status(msg);
	r->json = json_loads(r->body, 0, NULL);
	ret = EXIT_OK;
out:
	if (out)
		g_bytes_unref(out);
	g_clear_error(&err);
	g_clear_object(&msg);
	g_object_unref(s);
	g_free(url);
	return ret;
}

/* Maps a non-2xx reply to a message and an exit code. */
static int report_error(const struct ctl *c, const struct reply *r)
{
	json_t *e = json_object_get(r->json, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *message = json_string_value(json_object_get(e, "message"));

	/* Plugins' collections answer {"error":"why"}. */
	if (json_is_string(e))
		message = json_string_value(e);
	if (!message)
		message = r->body && *r->body ? r->body : soup_status_get_phrase(r->status);
	if (r->status == 401) {
		fprintf(stderr,
		        "lumenctl: authentication failed at %s: %s\n"
		        "(give the admin token with --token or LUMEN_ADMIN_TOKEN)\n",
		        c->url, message);
		return EXIT_AUTH;
	}
	if (r->status == 403) {
		fprintf(stderr, "lumenctl: permission denied: %s\n", message);
		return EXIT_AUTH;
	}
	fprintf(stderr, "lumenctl: the server answered %d%s%s: %s\n", r->status, code ? " " : "",
	        code ? code : "", message);
	return EXIT_SERVER;
}

/* See ctl.h. */
int ctl_call(const struct ctl *c, const char *method, const char *path, json_t *body,
             struct reply *r, bool *done)
{
	int ret = request(c, method, path, body, r);

	json_decref(body);
	*done = false;
	if (ret != EXIT_OK)
		return ret;
	if (r->status < 200 || r->status > 299)
		return report_error(c, r);
	if (r->status == 204) {
		*done = c->json; /* nothing to print for scripts */
		return EXIT_OK;
	}
	if (!r->json) {
		fprintf(stderr, "lumenctl: the reply of %s %s is not JSON\n", method, path);
		return EXIT_SERVER;
	}
	if (c->json) {
		char *pretty = json_dumps(r->json, JSON_INDENT(2));

		printf("%s\n", pretty);
		free(pretty);
		*done = true;
	}
	return EXIT_OK;
}

/* ---- commands ---- */

static int cmd_info(const struct ctl *c, int argc, char **argv)
{
	static const char *const plugin_cols[] = {"package", "name", "version", NULL};
	struct reply r;
	bool done;
	int ret;
	json_t *j;

	if (argc)
		return ctl_usage_error("info takes no arguments");
	ret = ctl_call(c, "GET", "/admin/v1/info", NULL, &r, &done);
	j = r.json;
	if (ret == EXIT_OK && !done) {
		char *up = format_uptime(json_integer_value(json_object_get(j, "uptime_seconds")));

		printf("lumen %s\n", json_string_value(json_object_get(j, "version")));
		printf("started   %s (up %s)\n",
		       json_string_value(json_object_get(j, "started_at")), up);
		printf("ready     %s\n", json_is_true(json_object_get(j, "ready")) ? "yes" : "no");
		printf("draining  %s\n",
		       json_is_true(json_object_get(j, "draining")) ? "yes" : "no");
		printf("sessions  %" JSON_INTEGER_FORMAT "\n",
		       json_integer_value(json_object_get(j, "sessions")));
		printf("handles   %" JSON_INTEGER_FORMAT "\n",
		       json_integer_value(json_object_get(j, "handles")));
		if (json_array_size(json_object_get(j, "plugins"))) {
			printf("\n");
			ctl_print_table(json_object_get(j, "plugins"), plugin_cols);
		} else {
			printf("plugins   none\n");
		}
		g_free(up);
	}
	ctl_reply_clear(&r);
	return ret;
}

static const char *const session_cols[] = {"id", "ip", "handles", NULL};

static int cmd_sessions(const struct ctl *c, int argc, char **argv)
{
	struct reply r;
	bool done;
	int ret;

	if (argc)
		return ctl_usage_error("sessions takes no arguments");
	ret = ctl_call(c, "GET", "/admin/v1/sessions", NULL, &r, &done);
	if (ret == EXIT_OK && !done) {
		json_t *list = json_object_get(r.json, "sessions");

		if (json_array_size(list))
			ctl_print_table(list, session_cols);
		else
			printf("no sessions\n");
	}
	ctl_reply_clear(&r);
	return ret;
}

/* Checks a session id argument: a positive decimal integer. */
bool ctl_valid_id(const char *s)
{
	guint64 v;

	return g_ascii_string_to_unsigned(s, 10, 1, G_MAXUINT64, &v, NULL);
}

static int cmd_session(const struct ctl *c, int argc, char **argv)
{
	static const char *const handle_cols[] = {"id", "plugin", NULL};
	struct reply r;
	bool done;
	char *path;
	int ret;

	if (argc != 1)
		return ctl_usage_error("session needs exactly one session ID");
	if (!ctl_valid_id(argv[0]))
		return ctl_usage_error("session ID must be a positive integer, not \"%s\"", argv[0]);
	path = g_strdup_printf("/admin/v1/sessions/%s", argv[0]);
	ret = ctl_call(c, "GET", path, NULL, &r, &done);
	if (ret == EXIT_OK && !done) {
		json_t *handles = json_object_get(r.json, "handles");

		ctl_print_fields(r.json);
		if (json_array_size(handles) && json_is_object(json_array_get(handles, 0))) {
			printf("\n");
			ctl_print_table(handles, handle_cols);
		}
	}
	ctl_reply_clear(&r);
	g_free(path);
	return ret;
}

static int cmd_kick(const struct ctl *c, int argc, char **argv)
{
	struct reply r;
	bool done;
	char *path;
	int ret;

	if (argc != 1)
		return ctl_usage_error("kick needs exactly one session ID");
	if (!ctl_valid_id(argv[0]))
		return ctl_usage_error("session ID must be a positive integer, not \"%s\"", argv[0]);
	path = g_strdup_printf("/admin/v1/sessions/%s", argv[0]);
	ret = ctl_call(c, "DELETE", path, NULL, &r, &done);
	if (ret == EXIT_OK && !done)
		printf("session %s destroyed\n", argv[0]);
	ctl_reply_clear(&r);
	g_free(path);
	return ret;
}

static int cmd_log_level(const struct ctl *c, int argc, char **argv)
{
	struct reply r;
	bool done;
	int ret;

	if (argc < 1 || argc > 2)
		return ctl_usage_error("log-level needs LEVEL and optionally CATEGORIES");
	ret = ctl_call(c, "PUT", "/admin/v1/log-level",
	           json_pack("{s:s,s:s?}", "level", argv[0], "levels", argc > 1 ? argv[1] : NULL),
	           &r, &done);
	if (ret == EXIT_OK && !done)
		printf("log level set to %s%s%s\n", argv[0], argc > 1 ? ", categories " : "",
		       argc > 1 ? argv[1] : "");
	ctl_reply_clear(&r);
	return ret;
}

static int cmd_reload(const struct ctl *c, int argc, char **argv)
{
	struct reply r;
	bool done;
	int ret;

	if (argc)
		return ctl_usage_error("reload takes no arguments");
	ret = ctl_call(c, "POST", "/admin/v1/config/reload", NULL, &r, &done);
	if (ret == EXIT_OK && !done)
		printf("configuration reloaded\n");
	ctl_reply_clear(&r);
	return ret;
}

static int cmd_drain(const struct ctl *c, int argc, char **argv)
{
	bool off = argc == 1 && strcmp(argv[0], "--off") == 0;
	struct reply r;
	bool done;
	int ret;

	if (argc > 1 || (argc == 1 && !off))
		return ctl_usage_error("drain takes only --off, not \"%s\"", argv[argc - 1]);
	ret = ctl_call(c, off ? "DELETE" : "POST", "/admin/v1/drain", NULL, &r, &done);
	if (ret == EXIT_OK && !done)
		printf(json_is_true(json_object_get(r.json, "draining"))
		           ? "draining: new sessions are refused, existing ones continue\n"
		           : "not draining: new sessions are accepted\n");
	ctl_reply_clear(&r);
	return ret;
}

static int cmd_plugins(const struct ctl *c, int argc, char **argv)
{
	static const char *const cols[] = {"package", "name", "version", "author", NULL};
	static const char *const refused_cols[] = {"file", "reason", NULL};
	struct reply r;
	bool done;
	int ret;

	if (argc)
		return ctl_usage_error("plugins takes no arguments");
	ret = ctl_call(c, "GET", "/admin/v1/plugins", NULL, &r, &done);
	if (ret == EXIT_OK && !done) {
		json_t *loaded = json_object_get(r.json, "plugins");
		json_t *refused = json_object_get(r.json, "refused");
		json_t *brief = json_array(), *p;
		size_t i;

		/* The table keeps to the columns people read; --json has every field. */
		json_array_foreach(loaded, i, p)
		    json_array_append_new(brief, json_pack("{s:O?,s:O?,s:O?,s:O?}", "package",
		                                           json_object_get(p, "package"), "name",
		                                           json_object_get(p, "name"), "version",
		                                           json_object_get(p, "version"), "author",
		                                           json_object_get(p, "author")));
		if (json_array_size(brief))
			ctl_print_table(brief, cols);
		else
			printf("no plugins loaded\n");
		if (json_array_size(refused)) {
			printf("\nrefused:\n");
			ctl_print_table(refused, refused_cols);
		}
		json_decref(brief);
	}
	ctl_reply_clear(&r);
	return ret;
}

static int cmd_metrics(const struct ctl *c, int argc, char **argv)
{
	struct reply r;
	int ret;

	if (argc)
		return ctl_usage_error("metrics takes no arguments");
	ret = request(c, "GET", "/metrics", NULL, &r);
	if (ret != EXIT_OK)
		return ret;
	if (r.status != 200)
		ret = report_error(c, &r);
	else
		fputs(r.body, stdout);
	ctl_reply_clear(&r);
	return ret;
}

static const struct {
	const char *name;
	int (*run)(const struct ctl *c, int argc, char **argv);
} commands[] = {
    {"info", cmd_info},   {"sessions", cmd_sessions},   {"session", cmd_session},
    {"kick", cmd_kick},   {"log-level", cmd_log_level}, {"reload", cmd_reload},
    {"drain", cmd_drain}, {"plugins", cmd_plugins},     {"metrics", cmd_metrics},
    {"rooms", ctl_cmd_rooms}, {"recordings", ctl_cmd_recordings},
};

/* Takes the value of --opt VALUE or --opt=VALUE at argv[*i]. Returns NULL if arg is not opt. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt, bool *missing)
{
	size_t n = strlen(opt);
	const char *a = argv[*i];

	if (strncmp(a, opt, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

int main(int argc, char **argv)
{
	struct ctl c = {NULL, g_getenv("LUMEN_ADMIN_TOKEN"), false, 10};
	const char *url = g_getenv("LUMEN_ADMIN_URL"), *v;
	GPtrArray *args = g_ptr_array_new(); /* command and its arguments, borrowed from argv */
	bool opts_done = false;
	int ret = EXIT_USAGE;

	/* Global options may stand before or after the command; "--off" belongs to drain, and
	 * "--" ends the options. */
	for (int i = 1; i < argc; i++) {
		bool missing = false, takes_value = false;

		if (opts_done || argv[i][0] != '-' || strcmp(argv[i], "--off") == 0) {
			g_ptr_array_add(args, argv[i]);
		} else if (args->len && strcmp(args->pdata[0], "rooms") == 0 &&
		           ctl_rooms_option(argv[i])) {
			/* A rooms option and its value (which may start with '-'). */
			g_ptr_array_add(args, argv[i]);
			if (!strchr(argv[i], '=') && i + 1 < argc)
				g_ptr_array_add(args, argv[++i]);
		} else if (args->len && strcmp(args->pdata[0], "recordings") == 0 &&
		           ctl_recordings_option(argv[i], &takes_value)) {
			g_ptr_array_add(args, argv[i]);
			if (takes_value && i + 1 < argc)
				g_ptr_array_add(args, argv[++i]);
		} else if (strcmp(argv[i], "--") == 0) {
			opts_done = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			ret = EXIT_OK;
			goto out;
		} else if (strcmp(argv[i], "--json") == 0) {
			c.json = true;
		} else if ((v = opt_value(argc, argv, &i, "--url", &missing))) {
			url = v;
		} else if ((v = opt_value(argc, argv, &i, "--token", &missing))) {
			c.token = v;
		} else if ((v = opt_value(argc, argv, &i, "--timeout", &missing))) {
			guint64 t;

			if (!g_ascii_string_to_unsigned(v, 10, 1, 3600, &t, NULL)) {
				ret = ctl_usage_error("--timeout needs 1..3600 seconds, not \"%s\"", v);
				goto out;
			}
			c.timeout_s = (unsigned)t;
		} else if (missing) {
			ret = ctl_usage_error("option %s needs a value", argv[i]);
			goto out;
		} else {
			ret = ctl_usage_error("unknown option %s", argv[i]);
			goto out;
		}
	}
	if (args->len == 0) {
		ret = ctl_usage_error("no command given");
		goto out;
	}
	if (!url || !*url)
		url = DEFAULT_URL;
	if (!g_str_has_prefix(url, "http://") && !g_str_has_prefix(url, "https://")) {
		ret = ctl_usage_error("the URL must start with http:// or https://, not \"%s\"", url);
		goto out;
	}
	c.url = g_strdup(url);
	while (g_str_has_suffix(c.url, "/"))
		c.url[strlen(c.url) - 1] = '\0';
	for (size_t k = 0; k < G_N_ELEMENTS(commands); k++) {
		if (strcmp(args->pdata[0], commands[k].name) == 0) {
			ret = commands[k].run(&c, (int)args->len - 1, (char **)args->pdata + 1);
			goto out;
		}
	}
	ret = ctl_usage_error("unknown command \"%s\"", (char *)args->pdata[0]);
out:
	g_ptr_array_unref(args);
	g_free(c.url);
	return ret;
}
