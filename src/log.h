/* log.h -- leveled, categorised logging to stderr (journald reads it), as text or JSON lines.
 *
 * Every module declares one category (LUMEN_LOG_CATEGORY(cat_ice, "ice")) and logs through the
 * LOG_* macros; each category has its own level ("ice:debug" in general.log_levels), else the
 * global general.log_level. The caller's context (session, handle, room) is attached to every
 * line logged on that thread while a struct lumen_log_ctx is pushed, so lower layers never need
 * to know ids. Lines carry RFC 3339 UTC timestamps with milliseconds.
 *
 * Thread safety: lumen_log() and the macros may be called from any thread. lumen_log_configure()
 * may race with logging threads: levels are read and written atomically, a line is never torn. */
#ifndef LUMEN_LOG_H
#define LUMEN_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum lumen_log_level {
	LUMEN_LOG_ERROR = 0,
	LUMEN_LOG_WARN,
	LUMEN_LOG_INFO,
	LUMEN_LOG_DEBUG,
	LUMEN_LOG_TRACE,
};

enum lumen_log_format { LUMEN_LOG_TEXT = 0, LUMEN_LOG_JSON };

struct lumen_log_cat {
	const char *name;
	int level;                  /* effective level; -1 until the category is first used */
	struct lumen_log_cat *next; /* registry link, owned by log.c */
};

/* Defines a file-local category. Categories register themselves on first use. */
#define LUMEN_LOG_CATEGORY(var, catname) static struct lumen_log_cat var = { catname, -1, NULL }

/* Context ids of the caller, attached to each line while pushed. 0 / NULL fields are omitted. */
struct lumen_log_ctx {
	uint64_t session;
	uint64_t handle;
	const char *room;
	const struct lumen_log_ctx *prev; /* set by push */
};

/* Push ctx (caller-owned, must outlive the matching pop) as this thread's context. */
void lumen_log_ctx_push(struct lumen_log_ctx *ctx);
void lumen_log_ctx_pop(struct lumen_log_ctx *ctx);
/* This thread's innermost pushed context, or NULL. Fields of outer contexts that the inner one
 * leaves 0/NULL still apply (a handle context pushed inside a session context logs both). */
const struct lumen_log_ctx *lumen_log_ctx_current(void);

/* A category for a name known only at run time (plugins). Interned: the same name returns the same
 * category, which lives until the process exits. Any thread. */
struct lumen_log_cat *lumen_log_category(const char *name);

/* Parses "error|warn|info|debug|trace" (also "warning"). Returns the level or -EINVAL. */
int lumen_log_level_parse(const char *s);
const char *lumen_log_level_name(enum lumen_log_level level);

/* Checks a per-category spec such as "ice:debug,dtls:trace" (spaces allowed). Returns 0 or
 * -EINVAL and, if err is not NULL, a malloc'd message naming the bad part. */
int lumen_log_levels_check(const char *spec, char **err);

/* Applies a configuration: global level, per-category overrides (validated spec or NULL), format.
 * The spec replaces the previous one as a whole. Returns 0 or -EINVAL (nothing changed then). */
int lumen_log_configure(enum lumen_log_level level, const char *levels_spec, enum lumen_log_format format);

/* Redirects output (tests); NULL restores stderr. The stream is not closed by log.c. */
void lumen_log_set_stream(FILE *stream);

/* Formats one line into buf (no trailing NUL guarantee beyond snprintf's) -- exposed for tests.
 * now_us is wall-clock microseconds since the epoch; ctx is merged with its prev chain. No newline
 * is added. Text: "TS LEVEL CAT: [session=S handle=H room=R: ]MSG" with control characters of
 * MSG and R escaped (\n, \xNN); JSON: {"ts","level","category","session","handle","room","msg"},
 * absent ids omitted, ids above 2^53-1 as strings. Returns the length snprintf would write. */
int lumen_log_format_line(char *buf, size_t size, enum lumen_log_format format, int64_t now_us,
			  enum lumen_log_level level, const char *cat, const struct lumen_log_ctx *ctx,
			  const char *msg);

bool lumen_log_enabled(struct lumen_log_cat *cat, enum lumen_log_level level);
void lumen_log(struct lumen_log_cat *cat, enum lumen_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void lumen_logv(struct lumen_log_cat *cat, enum lumen_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#define LOG_AT(cat, lvl, ...)                                                                      \
	do {                                                                                       \
		if (lumen_log_enabled(&(cat), (lvl)))                                             \
			lumen_log(&(cat), (lvl), __VA_ARGS__);                                     \
	} while (0)
#define LOG_ERROR(cat, ...) LOG_AT(cat, LUMEN_LOG_ERROR, __VA_ARGS__)
#define LOG_WARN(cat, ...)  LOG_AT(cat, LUMEN_LOG_WARN, __VA_ARGS__)
#define LOG_INFO(cat, ...)  LOG_AT(cat, LUMEN_LOG_INFO, __VA_ARGS__)
#define LOG_DEBUG(cat, ...) LOG_AT(cat, LUMEN_LOG_DEBUG, __VA_ARGS__)
#define LOG_TRACE(cat, ...) LOG_AT(cat, LUMEN_LOG_TRACE, __VA_ARGS__)

#endif
