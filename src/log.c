/* log.c -- leveled, categorised logging to one stream (stderr by default), text or JSON lines.
 *
 * Categories are static structs owned by the modules that declare them; on first use each one is
 * linked into a registry (under reg_lock, the only lock here) and given its effective level. After
 * that, deciding whether to log is one atomic read. lumen_log_configure() rewrites every
 * registered category's level under reg_lock, so a reconfiguration is seen whole by new
 * registrations. The context stack is thread-local: lumen_log_ctx_push() links caller-owned
 * structs, nothing is allocated. Each line is formatted in full, then written with one fwrite of
 * the whole line, so lines from different threads never interleave. Any thread. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <jansson.h>

#include "log.h"

/* One "name:level" entry of general.log_levels. */
struct cat_level {
	char *name;
	int level;
};

static GMutex reg_lock;
static struct lumen_log_cat *registry;     /* registered categories, under reg_lock */
static GArray *spec_levels;                /* struct cat_level, under reg_lock; NULL = none */
static int global_level = LUMEN_LOG_INFO;  /* atomic */
static int global_format = LUMEN_LOG_TEXT; /* atomic */
static FILE *out_stream;                   /* atomic pointer; NULL = stderr */
static __thread const struct lumen_log_ctx *tls_ctx;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

const char *lumen_log_level_name(enum lumen_log_level level)
{
	if ((int)level < 0 || (int)level > LUMEN_LOG_TRACE)
		return "?";
	return level_names[level];
}

int lumen_log_level_parse(const char *s)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i <= LUMEN_LOG_TRACE; i++)
		if (g_ascii_strcasecmp(s, level_names[i]) == 0)
			return i;
	if (g_ascii_strcasecmp(s, "warning") == 0)
		return LUMEN_LOG_WARN;
	return -EINVAL;
}

/* ---- per-category spec ---------------------------------------------------------------------- */

static void free_spec(GArray *spec)
{
	if (!spec)
		return;
	for (guint i = 0; i < spec->len; i++)
		g_free(g_array_index(spec, struct cat_level, i).name);
	g_array_free(spec, TRUE);
}

static bool valid_cat_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

/* Parses spec into a new array (later entries win); NULL with *err on a bad part. */
static GArray *parse_spec(const char *spec, char **err)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(struct cat_level));
	char **parts = g_strsplit(spec ? spec : "", ",", -1);
	char *msg = NULL;

	for (char **p = parts; *p; p++) {
		char *item = g_strstrip(*p);
		char *colon = strchr(item, ':');
		struct cat_level cl;

		if (!*item) {
			if (p == parts && !p[1])
				break; /* the whole spec is empty */
			msg = g_strdup("empty entry (expected CATEGORY:LEVEL)");
			goto fail;
		}
		if (!colon) {
			msg = g_strdup_printf("\"%s\" is not CATEGORY:LEVEL", item);
			goto fail;
		}
		*colon = '\0';
		char *name = g_strstrip(item), *lvl = g_strstrip(colon + 1);
		if (!valid_cat_name(name)) {
			msg = g_strdup_printf("bad category name \"%s\" (letters, digits, _ - .)",
			                      name);
			goto fail;
		}
		cl.level = lumen_log_level_parse(lvl);
		if (cl.level < 0) {
			msg = g_strdup_printf(
			    "unknown level \"%s\" for category \"%s\" (error, warn, "
			    "info, debug, trace)",
			    lvl, name);
			goto fail;
		}
		cl.name = g_strdup(name);
		g_array_append_val(out, cl);
	}
	g_strfreev(parts);
	return out;
fail:
	g_strfreev(parts);
	free_spec(out);
	if (err)
		*err = msg;
	else
		g_free(msg);
	return NULL;
}

int lumen_log_levels_check(const char *spec, char **err)
{
	GArray *parsed = parse_spec(spec, err);

	if (!parsed)
		return -EINVAL;
	free_spec(parsed);
	return 0;
}

/* Effective level of a category name: its last spec entry, else the global level. reg_lock held. */
static int level_for(const char *name)
{
	if (spec_levels)
		for (guint i = spec_levels->len; i-- > 0;) {
			struct cat_level *cl = &g_array_index(spec_levels, struct cat_level, i);
			if (strcmp(cl->name, name) == 0)
				return cl->level;
		}
	return g_atomic_int_get(&global_level);
}

int lumen_log_configure(enum lumen_log_level level, const char *levels_spec,
                        enum lumen_log_format format)
{
	GArray *spec, *old;

	if ((int)level < LUMEN_LOG_ERROR || (int)level > LUMEN_LOG_TRACE)
		return -EINVAL;
	if (format != LUMEN_LOG_TEXT && format != LUMEN_LOG_JSON)
		return -EINVAL;
	spec = parse_spec(levels_spec, NULL);
	if (!spec)
		return -EINVAL;

	g_mutex_lock(&reg_lock);
	old = spec_levels;
	spec_levels = spec;
	g_atomic_int_set(&global_level, (int)level);
	g_atomic_int_set(&global_format, (int)format);
	for (struct lumen_log_cat *c = registry; c; c = c->next)
		g_atomic_int_set(&c->level, level_for(c->name));
	g_mutex_unlock(&reg_lock);
	free_spec(old);
	return 0;
}

/* Links cat into the registry (once) and returns its effective level. */
static int register_cat(struct lumen_log_cat *cat)
{
	int level;

	g_mutex_lock(&reg_lock);
	level = g_atomic_int_get(&cat->level);
	if (level < 0) {
		cat->next = registry;
		registry = cat;
		level = level_for(cat->name);
		g_atomic_int_set(&cat->level, level);
	}
	g_mutex_unlock(&reg_lock);
	return level;
}

struct lumen_log_cat *lumen_log_category(const char *name)
{
	struct lumen_log_cat *c;

	/* Lookup and insertion under one lock, so two threads asking for a new name get one. */
	g_mutex_lock(&reg_lock);
	for (c = registry; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			break;
	if (!c) {
		/* Process lifetime: categories are never unregistered. */
		c = g_new0(struct lumen_log_cat, 1);
		c->name = g_strdup(name);
		c->next = registry;
		registry = c;
		g_atomic_int_set(&c->level, level_for(name));
	}
	g_mutex_unlock(&reg_lock);
	return c;
}

bool lumen_log_enabled(struct lumen_log_cat *cat, enum lumen_log_level level)
{
	int cur = g_atomic_int_get(&cat->level);

	if (cur < 0)
		cur = register_cat(cat);
	return (int)level <= cur;
}

void lumen_log_set_stream(FILE *stream)
{
	g_atomic_pointer_set(&out_stream, stream);
}

/* ---- context -------------------------------------------------------------------------------- */

void lumen_log_ctx_push(struct lumen_log_ctx *ctx)
{
	ctx->prev = tls_ctx;
	tls_ctx = ctx;
}

void lumen_log_ctx_pop(struct lumen_log_ctx *ctx)
{
	/* Pops must mirror pushes: anything else is a bug in the caller, not input. */
	g_assert(tls_ctx == ctx);
	tls_ctx = ctx->prev;
}

const struct lumen_log_ctx *lumen_log_ctx_current(void)
{
	return tls_ctx;
}

/* Merges a context chain: the innermost non-zero value of each field wins. */
static void merge_ctx(const struct lumen_log_ctx *ctx, uint64_t *session, uint64_t *handle,
                      const char **room)
{
	*session = 0;
	*handle = 0;
	*room = NULL;
	for (; ctx; ctx = ctx->prev) {
		if (!*session)
			*session = ctx->session;
		if (!*handle)
			*handle = ctx->handle;
		if (!*room && ctx->room && *ctx->room)
			*room = ctx->room;
	}
}

/* ---- formatting ----------------------------------------------------------------------------- */

/* "2026-11-22T19:00:00.123Z" into ts (at least 32 bytes). */
static void format_ts(char *ts, size_t size, int64_t now_us)
{
	int64_t secs = now_us / 1000000, rem = now_us % 1000000;
	struct tm tm;
	size_t n;
	time_t t;

	if (rem < 0) { /* floor division for times before 1970 */
		rem += 1000000;
		secs--;
	}
	t = (time_t)secs;
	if (!gmtime_r(&t, &tm)) {
		snprintf(ts, size, "0000-00-00T00:00:00.000Z");
		return;
	}
	n = strftime(ts, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, size - n, ".%03uZ", (unsigned)(rem / 1000) % 1000u);
}

/* Appends s with control characters escaped (\n, \r, \t, \xNN), so a text record stays one line. */
static void append_escaped(GString *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			g_string_append(out, "\\n");
		else if (c == '\r')
			g_string_append(out, "\\r");
		else if (c == '\t')
			g_string_append(out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			g_string_append_printf(out, "\\x%02x", c);
		else
			g_string_append_c(out, (char)c);
	}
}

static char *format_text(const char *ts, enum lumen_log_level level, const char *cat,
                         const struct lumen_log_ctx *ctx, const char *msg)
{
	GString *out = g_string_sized_new(128);
	uint64_t session, handle;
	const char *room;

	merge_ctx(ctx, &session, &handle, &room);
	g_string_append_printf(out, "%s %-5s %s: ", ts, lumen_log_level_name(level), cat);
	if (session || handle || room) {
		const char *sep = "";
		if (session) {
			g_string_append_printf(out, "session=%" PRIu64, session);
			sep = " ";
		}
		if (handle) {
			g_string_append_printf(out, "%shandle=%" PRIu64, sep, handle);
			sep = " ";
		}
		if (room) {
			g_string_append_printf(out, "%sroom=", sep);
			append_escaped(out, room);
		}
		g_string_append(out, ": ");
	}
	append_escaped(out, msg);
	return g_string_free(out, FALSE);
}

/* Ids beyond JSON's safe integer range would lose precision in most readers: send as strings. */
static json_t *json_id(uint64_t id)
{
	if (id > ((UINT64_C(1) << 53) - 1)) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%" PRIu64, id);
		return json_string(buf);
	}
	return json_integer((json_int_t)id);
}

/* Strings that are not valid UTF-8 are replaced, so the record is still emitted. */
static json_t *json_text(const char *s)
{
	json_t *j = json_string(s);

	if (!j) {
		char *fixed = g_utf8_make_valid(s, -1);
		j = json_string(fixed);
		g_free(fixed);
	}
	return j;
}

static char *format_json(const char *ts, enum lumen_log_level level, const char *cat,
                         const struct lumen_log_ctx *ctx, const char *msg)
{
	json_t *o = json_object();
	uint64_t session, handle;
	const char *room;
	char *dumped, *out;

	merge_ctx(ctx, &session, &handle, &room);
	json_object_set_new(o, "ts", json_string(ts));
	json_object_set_new(o, "level", json_string(lumen_log_level_name(level)));
	json_object_set_new(o, "category", json_text(cat));
	if (session)
		json_object_set_new(o, "session", json_id(session));
	if (handle)
		json_object_set_new(o, "handle", json_id(handle));
	if (room)
		json_object_set_new(o, "room", json_text(room));
	json_object_set_new(o, "msg", json_text(msg));
	dumped = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	/* json_dumps allocates with jansson's allocator: copy into GLib memory for the caller. */
	out = g_strdup(dumped ? dumped : "{}");
	free(dumped);
	return out;
}

int lumen_log_format_line(char *buf, size_t size, enum lumen_log_format format, int64_t now_us,
                          enum lumen_log_level level, const char *cat,
                          const struct lumen_log_ctx *ctx, const char *msg)
{
	char ts[40];
	char *line;
	int n;

	format_ts(ts, sizeof(ts), now_us);
	if (format == LUMEN_LOG_JSON)
		line = format_json(ts, level, cat ? cat : "", ctx, msg ? msg : "");
	else
		line = format_text(ts, level, cat ? cat : "", ctx, msg ? msg : "");
	n = snprintf(buf, size, "%s", line);
	g_free(line);
	return n;
}

void lumen_logv(struct lumen_log_cat *cat, enum lumen_log_level level, const char *fmt, va_list ap)
{
	enum lumen_log_format format = (enum lumen_log_format)g_atomic_int_get(&global_format);
	FILE *out = g_atomic_pointer_get(&out_stream);
	char ts[40];
	char *msg, *line;
	size_t len;

	if (!lumen_log_enabled(cat, level))
		return;
	msg = g_strdup_vprintf(fmt, ap);
	format_ts(ts, sizeof(ts), g_get_real_time());
	if (format == LUMEN_LOG_JSON)
		line = format_json(ts, level, cat->name, tls_ctx, msg);
	else
		line = format_text(ts, level, cat->name, tls_ctx, msg);
	g_free(msg);
	len = strlen(line);
	line = g_realloc(line, len + 2);
	line[len] = '\n';
	line[len + 1] = '\0';
	if (!out)
		out = stderr;
	/* One fwrite per line: stdio locks the stream for the call, and stderr is unbuffered, so
	 * the whole line reaches the file descriptor in one write. */
	fwrite(line, 1, len + 1, out);
	if (out != stderr)
		fflush(out);
	g_free(line);
}

void lumen_log(struct lumen_log_cat *cat, enum lumen_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lumen_logv(cat, level, fmt, ap);
	va_end(ap);
}
