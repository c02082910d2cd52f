/* metrics.h -- a process-wide registry of Prometheus metric families and their rendering in the
 * text exposition format 0.0.4 (what GET /metrics serves).
 *
 * A family is a name, a type (counter or gauge), a help line and a collect callback. Nothing is
 * stored between scrapes: lumen_metrics_render() calls every family's collect callback, which
 * emits samples with lumen_metrics_emit(); malformed samples (wrong name, bad label syntax,
 * duplicate label set) are dropped, so one faulty plugin cannot make the whole page unparseable.
 * lumen_metrics_register and lumen_metrics_emit have exactly the signatures of the
 * metric_register and metric_emit services of <lumen/plugin.h>, so the core's services table can
 * point at them.
 *
 * Ownership: the registry copies name and help; arg stays the registrant's. Families registered
 * while an owner is set (lumen_metrics_set_owner, done by the plugin host around a plugin's init
 * and start) are removed together by lumen_metrics_unregister_owner when that plugin stops.
 * Threads: control thread only (registration, rendering and every collect callback). */
#ifndef LUMEN_METRICS_H
#define LUMEN_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>
#include <lumen/plugin.h>

/* Registers a family whose name starts with "lumen_" and matches [a-zA-Z_:][a-zA-Z0-9_:]*.
 * help may be NULL (rendered empty); it is escaped when rendered. Returns 0, -EINVAL (bad name,
 * type or NULL collect), -EEXIST (name taken) or -EBUSY (called from a collect callback). */
int lumen_metrics_register(const char *name, enum lumen_metric_type type, const char *help,
                           lumen_metrics_collect_cb collect, void *arg);

/* Same, for the core's own families, without the "lumen_" prefix rule
 * (process_start_time_seconds). */
int lumen_metrics_register_core(const char *name, enum lumen_metric_type type, const char *help,
                                lumen_metrics_collect_cb collect, void *arg);

/* Emits one sample during a collect callback. name must be the family's name (NULL: the family
 * being collected); labels is a label set without braces, name="value" pairs separated by commas
 * ("verb=\"create\",result=\"ok\""), or NULL/"". Invalid samples are dropped and counted. */
void lumen_metrics_emit(struct lumen_metrics_out *out, const char *name, const char *labels,
                        double value);

/* Removes one family. Returns 0, -ENOENT, or -EBUSY from a collect callback. */
int lumen_metrics_unregister(const char *name);

/* Tags later registrations with owner (NULL: untagged) until the next call. */
void lumen_metrics_set_owner(const void *owner);
/* Removes every family registered under owner; returns how many (0 from a collect callback). */
size_t lumen_metrics_unregister_owner(const void *owner);
/* Removes every family (process exit, tests). */
void lumen_metrics_clear(void);

/* Renders every family in registration order: "# HELP", "# TYPE", then its samples.
 * Returns a g_malloc'd NUL-terminated string; *dropped (may be NULL) receives how many samples
 * were dropped as invalid during this render. */
char *lumen_metrics_render(size_t *dropped);

/* Appends name="value" (value escaped: backslash, double quote, newline) to a label set being
 * built, with a comma first when labels is not empty. For collect callbacks. */
void lumen_metrics_label_append(GString *labels, const char *name, const char *value);

/* Checks a label set as lumen_metrics_emit accepts it. Returns 0 or -EINVAL. */
int lumen_metrics_labels_check(const char *labels);

/* True if name is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*). */
bool lumen_metrics_name_valid(const char *name);

#endif
