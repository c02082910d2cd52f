/* ctl.h -- what lumenctl's files share: the options every command gets, one HTTP reply, the
 * request helper and the table printers (lumenctl.c), and the rooms commands (rooms.c).
 * Single-threaded. */
#ifndef LUMEN_CTL_H
#define LUMEN_CTL_H

#include <stdbool.h>

#include <jansson.h>

enum { EXIT_OK = 0, EXIT_SERVER = 1, EXIT_USAGE = 2, EXIT_CONNECT = 3, EXIT_AUTH = 4 };

struct ctl {
	char *url; /* base URL without a trailing slash */
	const char *token;
	bool json;
	unsigned timeout_s;
};

struct reply {
	int status;
	char *body;   /* NUL-terminated */
	json_t *json; /* parsed body, or NULL when it is not JSON (or empty: 204) */
};

void ctl_reply_clear(struct reply *r);

/* Prints "lumenctl: MESSAGE" and the --help hint to stderr; returns EXIT_USAGE. */
int ctl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs one request (body is stolen, may be NULL) and handles --json, errors and non-JSON
 * replies. On EXIT_OK the caller prints r->json as it likes; *done is set when --json already
 * printed it. A 204 reply is EXIT_OK with r->json NULL (and, with --json, nothing printed).
 * Otherwise returns EXIT_SERVER / EXIT_AUTH / EXIT_CONNECT / EXIT_USAGE after printing why;
 * the server's error ({"error":{"code","message"}} or {"error":"why"}) is quoted. */
int ctl_call(const struct ctl *c, const char *method, const char *path, json_t *body,
             struct reply *r, bool *done);

/* An array of objects as a table: columns `first` (NULL-terminated, those present), then every
 * other non-object key in order of appearance. */
void ctl_print_table(const json_t *rows, const char *const *first);
/* An object's scalar members as "key  value" lines. */
void ctl_print_fields(const json_t *obj);
/* A positive decimal integer (ids). */
bool ctl_valid_id(const char *s);

/* lumenctl rooms SUBCOMMAND [ARGS] (rooms.c); argv excludes "rooms". */
int ctl_cmd_rooms(const struct ctl *c, int argc, char **argv);
/* True if opt ("--mode") is a rooms option that takes a value, so that main passes it and its
 * value through to the rooms command instead of reading them as global options. */
bool ctl_rooms_option(const char *opt);

/* lumenctl recordings SUBCOMMAND [ARGS] and lumenctl rooms record ROOM ACTION [TITLE]
 * (ctl_recordings.c); argv excludes "recordings" / "rooms record". */
int ctl_cmd_recordings(const struct ctl *c, int argc, char **argv);
int ctl_cmd_room_record(const struct ctl *c, int argc, char **argv);
/* True if opt is an option of `recordings process` (--align, --mix, --format F); *takes_value
 * when the next argument is its value. */
bool ctl_recordings_option(const char *opt, bool *takes_value);

#endif
