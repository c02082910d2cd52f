/* config_view.c -- read-only views of a loaded struct lumen_config: the reload diff, the JSON
 * the admin API shows (secrets masked) and the key list of `lumen --help-config`.
 *
 * Everything is driven by the rows of lumen_cfg_keys (config_keys.c); loading and validation are
 * in config.c. Pure functions of their arguments, any thread. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "config.h"

static const void *cfield_of(const struct lumen_config *cfg, const struct lumen_cfg_key *k)
{
	return (const char *)cfg + k->offset;
}

static void append_quoted(GString *out, const char *s)
{
	char *esc = g_strescape(s, NULL);

	g_string_append_printf(out, "\"%s\"", esc);
	g_free(esc);
}

/* The value of k in cfg, written as in a config file. */
static char *format_value(const struct lumen_cfg_key *k, const void *p)
{
	GString *out = g_string_new(NULL);

	switch (k->type) {
	case LUMEN_CFG_BOOL:
		g_string_append(out, *(const bool *)p ? "true" : "false");
		break;
	case LUMEN_CFG_INT:
		g_string_append_printf(out, "%" PRId64, *(const int64_t *)p);
		break;
	case LUMEN_CFG_STRING:
	case LUMEN_CFG_HOSTPORT:
		append_quoted(out, *(char *const *)p);
		break;
	case LUMEN_CFG_STRLIST:
		g_string_append_c(out, '[');
		for (char *const *l = *(char **const *)p; *l; l++) {
			if (l != *(char **const *)p)
				g_string_append(out, ", ");
			append_quoted(out, *l);
		}
		g_string_append_c(out, ']');
		break;
	}
	return g_string_free(out, FALSE);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void diff_plugin_sections(GString *out, const json_t *a, const json_t *b)
{
	GPtrArray *names = g_ptr_array_new();
	const char *name;
	json_t *v;

	json_object_foreach((json_t *)a, name, v) g_ptr_array_add(names, (gpointer)name);
	json_object_foreach((json_t *)b, name, v) if (!json_object_get(a, name))
	    g_ptr_array_add(names, (gpointer)name);
	g_ptr_array_sort(names, cmp_str);
	for (guint i = 0; i < names->len; i++) {
		const char *n = names->pdata[i];
		json_t *x = json_object_get(a, n), *y = json_object_get(b, n);
		const char *what = !x                  ? "added"
		                   : !y                ? "removed"
		                   : !json_equal(x, y) ? "changed"
		                                       : NULL;
		if (what)
			g_string_append_printf(out, "%s: (section %s)\n", n, what);
	}
	g_ptr_array_free(names, TRUE);
}

char *lumen_config_diff(const struct lumen_config *old, const struct lumen_config *new)
{
	GString *out = g_string_new(NULL);

	for (size_t i = 0; i < lumen_cfg_n_keys; i++) {
		const struct lumen_cfg_key *k = &lumen_cfg_keys[i];
		char *a = format_value(k, cfield_of(old, k)),
		     *b = format_value(k, cfield_of(new, k));
		if (strcmp(a, b) != 0) {
			g_string_append_printf(out, "%s.%s: ", k->section, k->name);
			if (k->secret)
				g_string_append(out, "(changed)");
			else
				g_string_append_printf(out, "%s -> %s", a, b);
			g_string_append(out, k->live ? "\n" : " (restart needed)\n");
		}
		g_free(a);
		g_free(b);
	}
	diff_plugin_sections(out, old->plugin_sections, new->plugin_sections);
	if (out->len)
		g_string_truncate(out, out->len - 1); /* no newline after the last line */
	return g_string_free(out, FALSE);
}

static json_t *value_json(const struct lumen_cfg_key *k, const void *p)
{
	json_t *arr;

	switch (k->type) {
	case LUMEN_CFG_BOOL:
		return json_boolean(*(const bool *)p);
	case LUMEN_CFG_INT:
		return json_integer(*(const int64_t *)p);
	case LUMEN_CFG_STRING:
	case LUMEN_CFG_HOSTPORT:
		if (k->secret && **(char *const *)p)
			return json_string("********");
		return json_string(*(char *const *)p);
	case LUMEN_CFG_STRLIST:
		arr = json_array();
		for (char *const *l = *(char **const *)p; *l; l++)
			json_array_append_new(arr, json_string(*l));
		return arr;
	}
	return json_null();
}

json_t *lumen_config_to_json(const struct lumen_config *cfg)
{
	json_t *root = json_object();

	for (size_t i = 0; i < lumen_cfg_n_keys; i++) {
		const struct lumen_cfg_key *k = &lumen_cfg_keys[i];
		json_t *sec = json_object_get(root, k->section);
		if (!sec) {
			sec = json_object();
			json_object_set_new(root, k->section, sec);
		}
		json_object_set_new(sec, k->name, value_json(k, cfield_of(cfg, k)));
	}
	json_object_set_new(root, "plugin_sections", json_deep_copy(cfg->plugin_sections));
	return root;
}

static const char *type_name(const struct lumen_cfg_key *k)
{
	switch (k->type) {
	case LUMEN_CFG_BOOL:
		return "boolean";
	case LUMEN_CFG_INT:
		return "integer";
	case LUMEN_CFG_STRING:
		return "string";
	case LUMEN_CFG_HOSTPORT:
		return "HOST:PORT";
	case LUMEN_CFG_STRLIST:
		return "array of strings";
	}
	return "?";
}

void lumen_config_print_keys(FILE *out)
{
	struct lumen_config *def = lumen_config_load(NULL, NULL, 0, NULL);

	g_assert(def); /* defaults are valid: tests/unit/test_config checks it */
	for (size_t i = 0; i < lumen_cfg_n_keys; i++) {
		const struct lumen_cfg_key *k = &lumen_cfg_keys[i];
		char *val = format_value(k, cfield_of(def, k));

		fprintf(out, "%s.%s (%s", k->section, k->name, type_name(k));
		if (k->type == LUMEN_CFG_INT)
			fprintf(out, " %" PRId64 "..%" PRId64, k->min, k->max);
		if (k->choices) {
			char *list = g_strjoinv("|", (char **)k->choices);
			fprintf(out, ": %s", list);
			g_free(list);
		}
		fprintf(out, ", %s)\n    default: %s\n    %s\n", k->live ? "live" : "restart", val,
		        k->doc);
		g_free(val);
	}
	lumen_config_free(def);
}
