/* metrics.c -- the metric family registry and the Prometheus text format 0.0.4 renderer.
 *
 * Families live in one process-wide list in registration order. A render walks the list, calls
 * each collect callback with a struct lumen_metrics_out that writes into one GString, and checks
 * every sample on the way in (name, label syntax, duplicate label sets), because plugin code
 * produces them. No logging here: the caller learns about dropped samples from the count.
 * Control thread only (see metrics.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

struct family {
	char *name;
	char *help;
	enum lumen_metric_type type;
	lumen_metrics_collect_cb collect;
	void *arg;
	const void *owner;
};

struct lumen_metrics_out {
	GString *buf;
	const struct family *fam;
	GHashTable *seen; /* label sets already emitted for fam */
	size_t dropped;
};

static GPtrArray *families;   /* struct family *, registration order */
static const void *cur_owner; /* tag for new registrations */
static bool rendering;        /* collect callbacks may not change the list */

static void family_free(void *p)
{
	struct family *f = p;

	g_free(f->name);
	g_free(f->help);
	g_free(f);
}

bool lumen_metrics_name_valid(const char *name)
{
	if (!name || !*name)
		return false;
	if (!g_ascii_isalpha(name[0]) && name[0] != '_' && name[0] != ':')
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '_' && *p != ':')
			return false;
	return true;
}

static struct family *find_family(const char *name, guint *index)
{
	for (guint i = 0; families && i < families->len; i++) {
		struct family *f = g_ptr_array_index(families, i);

		if (strcmp(f->name, name) == 0) {
			if (index)
				*index = i;
			return f;
		}
	}
	return NULL;
}

static int do_register(const char *name, enum lumen_metric_type type, const char *help,
                       lumen_metrics_collect_cb collect, void *arg)
{
	struct family *f;

	if (!lumen_metrics_name_valid(name) || !collect ||
	    (type != LUMEN_METRIC_COUNTER && type != LUMEN_METRIC_GAUGE &&
	     type != LUMEN_METRIC_HISTOGRAM))
		return -EINVAL;
	if (rendering)
		return -EBUSY;
	if (find_family(name, NULL))
		return -EEXIST;
	if (!families)
		families = g_ptr_array_new_with_free_func(family_free);
	f = g_new0(struct family, 1);
	f->name = g_strdup(name);
	f->help = g_strdup(help ? help : "");
	f->type = type;
	f->collect = collect;
	f->arg = arg;
	f->owner = cur_owner;
	g_ptr_array_add(families, f);
	return 0;
}

int lumen_metrics_register(const char *name, enum lumen_metric_type type, const char *help,
                           lumen_metrics_collect_cb collect, void *arg)
{
	if (!name || strncmp(name, "lumen_", 6) != 0)
		return -EINVAL;
	return do_register(name, type, help, collect, arg);
}

int lumen_metrics_register_core(const char *name, enum lumen_metric_type type, const char *help,
                                lumen_metrics_collect_cb collect, void *arg)
{
	return do_register(name, type, help, collect, arg);
}

int lumen_metrics_unregister(const char *name)
{
	guint i;

	if (rendering)
		return -EBUSY;
	if (!name || !find_family(name, &i))
		return -ENOENT;
	g_ptr_array_remove_index(families, i);
	return 0;
}

void lumen_metrics_set_owner(const void *owner)
{
	cur_owner = owner;
}

size_t lumen_metrics_unregister_owner(const void *owner)
{
	size_t n = 0;

	for (guint i = 0; !rendering && owner && families && i < families->len;) {
		struct family *f = g_ptr_array_index(families, i);

		if (f->owner == owner) {
			g_ptr_array_remove_index(families, i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

void lumen_metrics_clear(void)
{
	if (families)
		g_ptr_array_unref(families);
	families = NULL;
	cur_owner = NULL;
}

/* Label names: [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved by Prometheus). */
static const char *scan_label_name(const char *p)
{
	if (!g_ascii_isalpha(*p) && *p != '_')
		return NULL;
	if (p[0] == '_' && p[1] == '_')
		return NULL;
	p++;
	while (g_ascii_isalnum(*p) || *p == '_')
		p++;
	return p;
}

/* A quoted value with the escapes \\, \" and \n only. Returns the position after the quote. */
static const char *scan_label_value(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p && *p != '"'; p++) {
		if (*p == '\n')
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p != '\\' && *p != '"' && *p != 'n')
				return NULL;
		}
	}
	return *p == '"' ? p + 1 : NULL;
}

int lumen_metrics_labels_check(const char *labels)
{
	const char *p = labels;

	if (!p || !*p)
		return 0;
	for (;;) {
		p = scan_label_name(p);
		if (!p || *p++ != '=')
			return -EINVAL;
		p = scan_label_value(p);
		if (!p)
			return -EINVAL;
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			return -EINVAL;
		if (*p == '\0') /* one trailing comma is allowed by the format */
			return 0;
	}
}

void lumen_metrics_label_append(GString *labels, const char *name, const char *value)
{
	if (labels->len)
		g_string_append_c(labels, ',');
	g_string_append_printf(labels, "%s=\"", name);
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\')
			g_string_append(labels, "\\\\");
		else if (*p == '"')
			g_string_append(labels, "\\\"");
		else if (*p == '\n')
			g_string_append(labels, "\\n");
		else
			g_string_append_c(labels, *p);
	}
	g_string_append_c(labels, '"');
}

static void append_value(GString *buf, double v)
{
	if (isnan(v))
		g_string_append(buf, "NaN");
	else if (isinf(v))
		g_string_append(buf, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0) /* exact integers up to 2^53 */
		g_string_append_printf(buf, "%.0f", v);
	else
		g_string_append_printf(buf, "%.17g", v);
}

/* The sample name's suffix after the family name: "" for counters and gauges, "_bucket", "_sum"
 * or "_count" for histograms; NULL when the name does not belong to the family. */
static const char *sample_suffix(const struct family *f, const char *name)
{
	static const char *const hist[] = {"_bucket", "_sum", "_count"};
	size_t n = strlen(f->name);

	if (!name)
		return f->type == LUMEN_METRIC_HISTOGRAM ? NULL : "";
	if (strncmp(name, f->name, n) != 0)
		return NULL;
	if (f->type != LUMEN_METRIC_HISTOGRAM)
		return name[n] == '\0' ? "" : NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(hist); i++)
		if (strcmp(name + n, hist[i]) == 0)
			return hist[i];
	return NULL;
}

void lumen_metrics_emit(struct lumen_metrics_out *out, const char *name, const char *labels,
                        double value)
{
	const char *key = labels ? labels : "";
	const char *suffix;
	char *seen_key;

	if (!out || !out->fam)
		return;
	suffix = sample_suffix(out->fam, name);
	/* A histogram's buckets need their upper bound. */
	if (!suffix || lumen_metrics_labels_check(key) < 0 ||
	    (strcmp(suffix, "_bucket") == 0 && !strstr(key, "le=\""))) {
		out->dropped++;
		return;
	}
	seen_key = g_strconcat(suffix, "|", key, NULL);
	if (g_hash_table_contains(out->seen, seen_key)) {
		g_free(seen_key);
		out->dropped++;
		return;
	}
	g_hash_table_add(out->seen, seen_key);
	g_string_append(out->buf, out->fam->name);
	g_string_append(out->buf, suffix);
	if (*key) {
		size_t n = strlen(key);

		/* Drop an allowed trailing comma so the output is canonical. */
		g_string_append_printf(out->buf, "{%.*s}", (int)(key[n - 1] == ',' ? n - 1 : n),
		                       key);
	}
	g_string_append_c(out->buf, ' ');
	append_value(out->buf, value);
	g_string_append_c(out->buf, '\n');
}

static void append_help(GString *buf, const char *help)
{
	for (const char *p = help; *p; p++) {
		if (*p == '\\')
			g_string_append(buf, "\\\\");
		else if (*p == '\n')
			g_string_append(buf, "\\n");
		else
			g_string_append_c(buf, *p);
	}
}

char *lumen_metrics_render(size_t *dropped)
{
	struct lumen_metrics_out out = {g_string_new(NULL), NULL, NULL, 0};

	out.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	rendering = true;
	for (guint i = 0; families && i < families->len; i++) {
		const struct family *f = g_ptr_array_index(families, i);

		g_string_append_printf(out.buf, "# HELP %s ", f->name);
		append_help(out.buf, f->help);
		g_string_append_printf(out.buf, "\n# TYPE %s %s\n", f->name,
		                       f->type == LUMEN_METRIC_COUNTER     ? "counter"
		                       : f->type == LUMEN_METRIC_HISTOGRAM ? "histogram"
		                                                           : "gauge");
		out.fam = f;
		g_hash_table_remove_all(out.seen);
		f->collect(&out, f->arg);
	}
	rendering = false;
	g_hash_table_unref(out.seen);
	if (dropped)
		*dropped = out.dropped;
	return g_string_free(out.buf, FALSE);
}
