/* config.c -- loads lumen's configuration: defaults, then a libconfig file, then --set overrides,
 * every value checked by the rules of its row in lumen_cfg_keys (config_keys.c).
 *
 * A value goes through one path whatever its origin: parse (from a file setting or from --set
 * text) into a union value, validate (type, range, choices, HOST:PORT, the row's check), then
 * store into the struct, freeing what it replaces. The first error stops the load and becomes the
 * single line the caller prints. Top-level groups that are not core sections are converted to
 * JSON for the plugin host. (Slightly over 800 lines on purpose: parse, validate and store are
 * one path that every value takes, and splitting it would put the rules in two places.)
 * Views of a loaded config (diff, JSON, --help-config) are in config_view.c. Nothing here
 * keeps global state; any thread, one config per call. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <jansson.h>
#include <libconfig.h>

#include "config.h"

union value {
	bool b;
	int64_t i;
	char *s;
	char **l;
};

static void *field_of(struct lumen_config *cfg, const struct lumen_cfg_key *k)
{
	return (char *)cfg + k->offset;
}

static bool is_string_type(enum lumen_cfg_type t)
{
	return t == LUMEN_CFG_STRING || t == LUMEN_CFG_HOSTPORT;
}

static void free_value(enum lumen_cfg_type t, union value *v)
{
	if (is_string_type(t))
		g_free(v->s);
	else if (t == LUMEN_CFG_STRLIST)
		g_strfreev(v->l);
}

/* Moves v into the struct field, freeing the value it replaces. */
static void store(struct lumen_config *cfg, const struct lumen_cfg_key *k, union value *v)
{
	void *p = field_of(cfg, k);

	switch (k->type) {
	case LUMEN_CFG_BOOL:
		*(bool *)p = v->b;
		break;
	case LUMEN_CFG_INT:
		*(int64_t *)p = v->i;
		break;
	case LUMEN_CFG_STRING:
	case LUMEN_CFG_HOSTPORT:
		g_free(*(char **)p);
		*(char **)p = v->s;
		break;
	case LUMEN_CFG_STRLIST:
		g_strfreev(*(char ***)p);
		*(char ***)p = v->l;
		break;
	}
}

const struct lumen_cfg_key *lumen_config_find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < lumen_cfg_n_keys; i++)
		if (strcmp(lumen_cfg_keys[i].section, section) == 0 &&
		    strcmp(lumen_cfg_keys[i].name, name) == 0)
			return &lumen_cfg_keys[i];
	return NULL;
}

static bool is_core_section(const char *name)
{
	for (size_t i = 0; i < lumen_cfg_n_keys; i++)
		if (strcmp(lumen_cfg_keys[i].section, name) == 0)
			return true;
	return false;
}

/* Levenshtein distance, for "did you mean" hints; names are short. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = MIN(sub, MIN(del, ins));
		}
		memcpy(prev, cur, sizeof(size_t) * (lb + 1));
	}
	return prev[lb];
}

static char *unknown_key_msg(const char *section, const char *name)
{
	const struct lumen_cfg_key *best = NULL;
	size_t best_d = 3; /* suggest only within two edits */

	for (size_t i = 0; i < lumen_cfg_n_keys; i++) {
		const struct lumen_cfg_key *k = &lumen_cfg_keys[i];
		size_t d;
		if (strcmp(k->section, section) != 0)
			continue;
		d = edit_distance(k->name, name);
		if (d < best_d) {
			best_d = d;
			best = k;
		}
	}
	if (best)
		return g_strdup_printf("unknown key (did you mean %s.%s?)", best->section,
		                       best->name);
	return g_strdup("unknown key");
}

/* ---- HOST:PORT ------------------------------------------------------------------------------ */

static bool valid_hostname(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isalnum(s[i]) && !strchr("-._", s[i]))
			return false;
	return true;
}

/* Why s is not a HOST:PORT, or NULL; on success fills host (malloc'd) and port when non-NULL. */
static char *hostport_error(const char *s, char **host, uint16_t *port)
{
	const char *h, *p;
	size_t hlen;
	int64_t num;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		char *v6;
		bool ok;
		if (!close || close[1] != ':')
			return g_strdup_printf("\"%s\" is not HOST:PORT", s);
		h = s + 1;
		hlen = (size_t)(close - h);
		p = close + 2;
		v6 = g_strndup(h, hlen);
		ok = strchr(v6, ':') && g_hostname_is_ip_address(v6);
		g_free(v6);
		if (!ok)
			return g_strdup_printf("\"%.*s\" in \"%s\" is not an IPv6 address",
			                       (int)hlen, h, s);
	} else {
		const char *colon = strrchr(s, ':');
		if (!colon)
			return g_strdup_printf("\"%s\" is not HOST:PORT", s);
		h = s;
		hlen = (size_t)(colon - s);
		p = colon + 1;
		if (memchr(s, ':', hlen))
			return g_strdup_printf("\"%s\" is not HOST:PORT (write an IPv6 host in "
			                       "brackets, e.g. [::1]:8088)",
			                       s);
		if (!valid_hostname(h, hlen))
			return g_strdup_printf("\"%s\" has no valid host before the port", s);
	}
	if (!g_ascii_string_to_signed(p, 10, 0, 99999, &num, NULL) || !g_ascii_isdigit(*p))
		return g_strdup_printf("\"%s\" has no valid port after the host", s);
	if (num < 1 || num > 65535)
		return g_strdup_printf("port %" PRId64 " in \"%s\" is out of range (1..65535)", num,
		                       s);
	if (host)
		*host = g_strndup(h, hlen);
	if (port)
		*port = (uint16_t)num;
	return NULL;
}

int lumen_config_split_hostport(const char *s, char **host, uint16_t *port)
{
	char *why;

	*host = NULL;
	why = hostport_error(s ? s : "", host, port);
	if (!why)
		return 0;
	g_free(why);
	return -EINVAL;
}

/* ---- parse and validate one value ----------------------------------------------------------- */

static char *validate(const struct lumen_cfg_key *k, union value *v)
{
	char *why = NULL;

	switch (k->type) {
	case LUMEN_CFG_INT:
		if (v->i < k->min || v->i > k->max)
			return g_strdup_printf("%" PRId64 " is out of range (%" PRId64 "..%" PRId64
			                       ")",
			                       v->i, k->min, k->max);
		break;
	case LUMEN_CFG_STRING:
		if (k->choices && !g_strv_contains((const char *const *)k->choices, v->s)) {
			char *list = g_strjoinv(", ", (char **)k->choices);
			why = g_strdup_printf("\"%s\" is not one of: %s", v->s, list);
			g_free(list);
			return why;
		}
		break;
	case LUMEN_CFG_HOSTPORT:
		if (!(k->empty_ok && !*v->s) && (why = hostport_error(v->s, NULL, NULL)))
			return why;
		break;
	default:
		break;
	}
	if (k->check && k->check(v, &why) < 0)
		return why ? why : g_strdup("invalid value");
	return NULL;
}

static char *parse_text(const struct lumen_cfg_key *k, const char *s, union value *v)
{
	static const char *const truths[] = {"true", "yes", "1"}, *const lies[] = {"false", "no",
	                                                                           "0"};
	GError *gerr = NULL;
	bool bounds;

	switch (k->type) {
	case LUMEN_CFG_BOOL:
		for (size_t i = 0; i < G_N_ELEMENTS(truths); i++) {
			if (g_ascii_strcasecmp(s, truths[i]) == 0)
				return (v->b = true), NULL;
			if (g_ascii_strcasecmp(s, lies[i]) == 0)
				return (v->b = false), NULL;
		}
		return g_strdup_printf("\"%s\" is not a boolean (true, false, yes, no, 1, 0)", s);
	case LUMEN_CFG_INT:
		if (g_ascii_string_to_signed(s, 10, INT64_MIN, INT64_MAX, &v->i, &gerr))
			return NULL;
		bounds = g_error_matches(gerr, G_NUMBER_PARSER_ERROR,
		                         G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS);
		g_error_free(gerr);
		if (bounds)
			return g_strdup_printf("%s is out of range (%" PRId64 "..%" PRId64 ")", s,
			                       k->min, k->max);
		return g_strdup_printf("\"%s\" is not an integer", s);
	case LUMEN_CFG_STRING:
	case LUMEN_CFG_HOSTPORT:
		v->s = g_strdup(s);
		return NULL;
	case LUMEN_CFG_STRLIST:
		v->l = *s ? g_strsplit(s, ",", -1) : g_new0(char *, 1);
		for (char **p = v->l; *p; p++)
			if (!*g_strstrip(*p)) {
				g_strfreev(v->l);
				return g_strdup_printf("empty item in list \"%s\"", s);
			}
		return NULL;
	}
	return g_strdup("unknown type");
}

/* Load state: where each key got its value ("FILE:LINE: " or "--set "), for cross-key errors;
 * the file being read and the lines of the files read so far, for true_int(). */
struct loader {
	struct lumen_config *cfg;
	char *origin[64];
	const char *path;
	GHashTable *lines; /* file name -> char ** lines */
};

static char *file_name(const char *file, const char *path);

/* libconfig 1.5 stores an integer written without the L suffix in 32 bits, silently wrapping
 * 3000000000 to -1294967296. Read the literal back from the source line ("name = 123") so that
 * a big value is seen as what was written (and rejected by its range) rather than as its wrapped
 * remainder. Falls back to libconfig's value when the literal is not on the setting's line. */
static int64_t true_int(struct loader *ld, const config_setting_t *s)
{
	int64_t v = config_setting_get_int64(s), lit;
	const char *name = config_setting_name(s), *p;
	char *file, **lines, *end;
	unsigned line = config_setting_source_line(s);

	if (config_setting_type(s) != CONFIG_TYPE_INT || !name || !ld->path || line == 0)
		return v;
	file = file_name(config_setting_source_file(s), ld->path);
	lines = g_hash_table_lookup(ld->lines, file);
	if (!lines) {
		char *text = NULL;
		lines = g_file_get_contents(file, &text, NULL, NULL) ? g_strsplit(text, "\n", -1)
		                                                     : g_new0(char *, 1);
		g_free(text);
		g_hash_table_insert(ld->lines, file, lines);
	} else {
		g_free(file);
	}
	if (line > g_strv_length(lines))
		return v;
	for (p = strstr(lines[line - 1], name); p; p = strstr(p + 1, name)) {
		const char *q = p + strlen(name);
		if (p > lines[line - 1] && (g_ascii_isalnum(p[-1]) || strchr("_-*", p[-1])))
			continue;
		q += strspn(q, " \t");
		if (*q != '=' && *q != ':')
			continue;
		q += 1 + strspn(q + 1, " \t");
		errno = 0;
		if ((q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) ||
		    (q[0] == '-' && q[1] == '0' && (q[2] == 'x' || q[2] == 'X')))
			lit = g_ascii_strtoll(q, &end, 16);
		else
			lit = g_ascii_strtoll(q, &end, 10);
		if (end == q)
			return v;
		if (errno == ERANGE)
			return lit; /* beyond 64 bits: clamped, then out of range */
		return (int32_t)(uint32_t)(uint64_t)lit == (int32_t)(uint32_t)(uint64_t)v ? lit : v;
	}
	return v;
}

static const char *setting_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "nothing";
	}
}

static char *parse_strlist(const config_setting_t *s, union value *v)
{
	int n = config_setting_length(s);

	v->l = g_new0(char *, (size_t)n + 1);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *str = config_setting_type(e) == CONFIG_TYPE_STRING
		                      ? config_setting_get_string(e)
		                      : NULL;
		if (!str || !*str) {
			char *why =
			    str ? g_strdup_printf("element %d is empty", i + 1)
			        : g_strdup_printf("expected an array of strings, element %d "
			                          "is %s",
			                          i + 1, setting_type_name(e));
			g_strfreev(v->l);
			return why;
		}
		v->l[i] = g_strdup(str);
	}
	return NULL;
}

static char *parse_setting(struct loader *ld, const struct lumen_cfg_key *k,
                           const config_setting_t *s, union value *v)
{
	int t = config_setting_type(s);
	const char *want = NULL;

	switch (k->type) {
	case LUMEN_CFG_BOOL:
		if (t == CONFIG_TYPE_BOOL)
			return (v->b = config_setting_get_bool(s) != 0), NULL;
		want = "a boolean (true or false)";
		break;
	case LUMEN_CFG_INT:
		if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
			return (v->i = true_int(ld, s)), NULL;
		want = "an integer";
		break;
	case LUMEN_CFG_STRING:
	case LUMEN_CFG_HOSTPORT:
		if (t == CONFIG_TYPE_STRING)
			return (v->s = g_strdup(config_setting_get_string(s))), NULL;
		want = k->type == LUMEN_CFG_HOSTPORT ? "a string \"HOST:PORT\"" : "a string";
		break;
	case LUMEN_CFG_STRLIST:
		if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST)
			return parse_strlist(s, v);
		want = "an array of strings";
		break;
	}
	return g_strdup_printf("expected %s, got %s", want, setting_type_name(s));
}

/* ---- plugin sections ------------------------------------------------------------------------ */

/* Converts a libconfig setting to JSON; NULL with *why on a string that is not UTF-8. */
static json_t *setting_to_json(struct loader *ld, const config_setting_t *s, char **why)
{
	json_t *out = NULL;
	int n;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		out = config_setting_type(s) == CONFIG_TYPE_GROUP ? json_object() : json_array();
		n = config_setting_length(s);
		for (int i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			json_t *j = setting_to_json(ld, e, why);
			if (!j) {
				json_decref(out);
				return NULL;
			}
			if (json_is_object(out))
				json_object_set_new(out, config_setting_name(e), j);
			else
				json_array_append_new(out, j);
		}
		return out;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return json_integer(true_int(ld, s));
	case CONFIG_TYPE_FLOAT:
		return json_real(config_setting_get_float(s));
	case CONFIG_TYPE_BOOL:
		return json_boolean(config_setting_get_bool(s));
	case CONFIG_TYPE_STRING:
		out = json_string(config_setting_get_string(s));
		if (!out)
			*why = g_strdup_printf(
			    "%u: %s: string is not valid UTF-8", config_setting_source_line(s),
			    config_setting_name(s) ? config_setting_name(s) : "array element");
		return out;
	}
	*why = g_strdup("0: unsupported setting type");
	return NULL;
}

/* A libconfig setting name: [A-Za-z*][-A-Za-z0-9_*]* */
static bool valid_setting_name(const char *s)
{
	if (!g_ascii_isalpha(*s) && *s != '*')
		return false;
	for (s++; *s; s++)
		if (!g_ascii_isalnum(*s) && !strchr("-_*", *s))
			return false;
	return true;
}

/* The JSON value of a plugin override's text: see lumen_config_load in config.h. */
static json_t *plugin_value(const char *s, char **why)
{
	json_error_t jerr;
	json_t *j;
	int64_t i;
	char *end;
	double d;

	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
		return json_boolean(s[0] == 't');
	if (g_ascii_string_to_signed(s, 10, INT64_MIN, INT64_MAX, &i, NULL))
		return json_integer(i);
	if (*s && strchr("+-.0123456789", *s)) {
		d = g_ascii_strtod(s, &end);
		if (*end == '\0' && isfinite(d))
			return json_real(d);
	}
	if (*s && strchr("[{\"", *s)) {
		j = json_loads(s, JSON_DECODE_ANY, &jerr);
		if (!j)
			*why = g_strdup_printf("invalid JSON value: %s", jerr.text);
		return j;
	}
	j = json_string(s);
	if (!j)
		*why = g_strdup("value is not valid UTF-8");
	return j;
}

/* Sets section.path (path may contain dots: nested groups) in the plugin sections. */
static char *set_plugin_override(struct lumen_config *cfg, const char *section, const char *path,
                                 const char *value)
{
	char **parts = g_strsplit(path, ".", -1);
	json_t *obj = json_object_get(cfg->plugin_sections, section), *val;
	char *why = NULL;
	guint n = g_strv_length(parts);

	for (guint i = 0; i < n; i++)
		if (!valid_setting_name(parts[i])) {
			why = g_strdup_printf("\"%s\" is not a valid setting name", parts[i]);
			goto out;
		}
	val = plugin_value(value, &why);
	if (!val)
		goto out;
	if (!obj) {
		obj = json_object();
		json_object_set_new(cfg->plugin_sections, section, obj);
	}
	for (guint i = 0; i + 1 < n; i++) {
		json_t *child = json_object_get(obj, parts[i]);
		if (!child) {
			child = json_object();
			json_object_set_new(obj, parts[i], child);
		} else if (!json_is_object(child)) {
			why = g_strdup_printf("%s is not a group", parts[i]);
			json_decref(val);
			goto out;
		}
		obj = child;
	}
	json_object_set_new(obj, parts[n - 1], val);
out:
	g_strfreev(parts);
	return why;
}

/* ---- loading -------------------------------------------------------------------------------- */

/* Parses, validates and stores one key; on error returns "ORIGINsection.key: why". */
static char *set_key(struct loader *ld, const struct lumen_cfg_key *k, const char *text,
                     const config_setting_t *s, const char *origin)
{
	union value v = {0};
	char *why = s ? parse_setting(ld, k, s, &v) : parse_text(k, text, &v), *err;

	if (!why && (why = validate(k, &v)))
		free_value(k->type, &v);
	if (why) {
		err = g_strdup_printf("%s%s.%s: %s", origin, k->section, k->name, why);
		g_free(why);
		return err;
	}
	store(ld->cfg, k, &v);
	g_free(ld->origin[k - lumen_cfg_keys]);
	ld->origin[k - lumen_cfg_keys] = g_strdup(origin);
	return NULL;
}

/* libconfig names an included file as written in @include: make it relative to the main file's
 * directory (where libconfig looked for it), so the name in an error leads to the file. */
static char *file_name(const char *file, const char *path)
{
	char *dir, *out;

	if (!file || strcmp(file, path) == 0 || g_path_is_absolute(file))
		return g_strdup(file ? file : path);
	dir = g_path_get_dirname(path);
	out = strcmp(dir, ".") == 0 ? g_strdup(file) : g_build_filename(dir, file, NULL);
	g_free(dir);
	return out;
}

static char *where(const config_setting_t *s, const char *path)
{
	char *file = file_name(config_setting_source_file(s), path);
	char *at = g_strdup_printf("%s:%u: ", file, config_setting_source_line(s));

	g_free(file);
	return at;
}

static char *load_section(struct loader *ld, const config_setting_t *sec, const char *path)
{
	const char *sname = config_setting_name(sec);
	int n = config_setting_length(sec);
	char *err = NULL;

	for (int i = 0; i < n && !err; i++) {
		const config_setting_t *s = config_setting_get_elem(sec, (unsigned)i);
		const struct lumen_cfg_key *k =
		    lumen_config_find_key(sname, config_setting_name(s));
		char *at = where(s, path);
		if (k) {
			err = set_key(ld, k, NULL, s, at);
		} else {
			char *why = unknown_key_msg(sname, config_setting_name(s));
			err =
			    g_strdup_printf("%s%s.%s: %s", at, sname, config_setting_name(s), why);
			g_free(why);
		}
		g_free(at);
	}
	return err;
}

static char *load_root(struct loader *ld, const config_setting_t *root, const char *path)
{
	int n = config_setting_length(root);
	char *err = NULL;

	for (int i = 0; i < n && !err; i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(s);
		char *at = where(s, path), *why = NULL;
		bool group = config_setting_type(s) == CONFIG_TYPE_GROUP;
		json_t *j;

		if (group && is_core_section(name)) {
			err = load_section(ld, s, path);
		} else if (is_core_section(name)) {
			err = g_strdup_printf("%s%s: expected a group (%s = { ... };), got %s", at,
			                      name, name, setting_type_name(s));
		} else if (!group) {
			err = g_strdup_printf("%s%s: unknown top-level setting (expected a core "
			                      "section or a plugin section group)",
			                      at, name);
		} else if ((j = setting_to_json(ld, s, &why))) {
			json_object_set_new(ld->cfg->plugin_sections, name, j);
		} else {
			/* why is "LINE: reason" */
			char *file = file_name(config_setting_source_file(s), path);
			err = g_strdup_printf("%s:%s", file, why);
			g_free(file);
			g_free(why);
		}
		g_free(at);
	}
	return err;
}

static char *load_file(struct loader *ld, const char *path)
{
	config_t lc;
	struct stat st;
	char *dir, *err = NULL;
	FILE *f = fopen(path, "r");

	if (!f)
		return g_strdup_printf("%s: cannot read: %s", path, g_strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return g_strdup_printf("%s: cannot read: %s", path, g_strerror(EISDIR));
	}
	fclose(f);

	config_init(&lc);
	dir = g_path_get_dirname(path);
	config_set_include_dir(&lc, dir); /* @include "x.cfg" is relative to the file */
	g_free(dir);
	if (!config_read_file(&lc, path)) {
		char *file = file_name(config_error_file(&lc), path);
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			err = g_strdup_printf("%s: cannot read: %s", file, config_error_text(&lc));
		else
			err = g_strdup_printf("%s:%d: %s", file, config_error_line(&lc),
			                      config_error_text(&lc));
		g_free(file);
	} else {
		err = load_root(ld, config_root_setting(&lc), path);
	}
	config_destroy(&lc);
	return err;
}

static char *apply_override(struct loader *ld, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *name = eq ? g_strndup(arg, (size_t)(eq - arg)) : g_strdup(arg);
	char *dot = strchr(name, '.'), *err = NULL;
	const struct lumen_cfg_key *k;

	if (!eq || !dot || dot == name || !dot[1]) {
		err = g_strdup_printf("--set %s: expected section.key=value", name);
		goto out;
	}
	*dot = '\0';
	if (is_core_section(name)) {
		k = lumen_config_find_key(name, dot + 1);
		if (k) {
			err = set_key(ld, k, eq + 1, NULL, "--set ");
		} else {
			char *why = unknown_key_msg(name, dot + 1);
			err = g_strdup_printf("--set %s.%s: %s", name, dot + 1, why);
			g_free(why);
		}
	} else if (!valid_setting_name(name)) {
		err = g_strdup_printf("--set %s.%s: \"%s\" is not a valid section name", name,
		                      dot + 1, name);
	} else {
		char *why = set_plugin_override(ld->cfg, name, dot + 1, eq + 1);
		if (why)
			err = g_strdup_printf("--set %s.%s: %s", name, dot + 1, why);
		g_free(why);
	}
out:
	g_free(name);
	return err;
}

/* Rules between keys, after every source is applied. */
static char *cross_check(struct loader *ld)
{
	const struct lumen_config *c = ld->cfg;
	const struct lumen_cfg_key *cert = lumen_config_find_key("media", "dtls_cert");
	const struct lumen_cfg_key *key = lumen_config_find_key("media", "dtls_key");

	if (!*c->media.dtls_cert != !*c->media.dtls_key) {
		const struct lumen_cfg_key *set = *c->media.dtls_cert ? cert : key;
		const struct lumen_cfg_key *unset = set == cert ? key : cert;
		const char *origin = ld->origin[set - lumen_cfg_keys];
		return g_strdup_printf("%s%s.%s: %s.%s must be set too", origin ? origin : "",
		                       set->section, set->name, unset->section, unset->name);
	}
	return NULL;
}

/* The error is one line whatever the values quoted in it hold: control characters are escaped. */
static char *one_line(char *e)
{
	GString *out = g_string_sized_new(strlen(e));

	for (const char *p = e; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n')
			g_string_append(out, "\\n");
		else if (c < 0x20 || c == 0x7f)
			g_string_append_printf(out, "\\x%02x", c);
		else
			g_string_append_c(out, (char)c);
	}
	g_free(e);
	return g_string_free(out, FALSE);
}

struct lumen_config *lumen_config_load(const char *path, const char *const *overrides, size_t n,
                                       char **err)
{
	struct loader ld = {0};
	char *e = NULL;

	g_assert(lumen_cfg_n_keys <= G_N_ELEMENTS(ld.origin));
	ld.cfg = g_new0(struct lumen_config, 1);
	ld.cfg->path = g_strdup(path ? path : "");
	ld.cfg->plugin_sections = json_object();
	for (size_t i = 0; i < lumen_cfg_n_keys && !e; i++)
		e = set_key(&ld, &lumen_cfg_keys[i], lumen_cfg_keys[i].def, NULL, "default of ");
	if (!e && path) {
		ld.path = path;
		ld.lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		                                 (GDestroyNotify)g_strfreev);
		e = load_file(&ld, path);
		g_hash_table_destroy(ld.lines);
	}
	for (size_t i = 0; i < n && !e; i++)
		e = apply_override(&ld, overrides[i]);
	if (!e)
		e = cross_check(&ld);
	for (size_t i = 0; i < lumen_cfg_n_keys; i++)
		g_free(ld.origin[i]);
	if (!e)
		return ld.cfg;
	lumen_config_free(ld.cfg);
	if (err)
		*err = one_line(e);
	else
		g_free(e);
	return NULL;
}

void lumen_config_free(struct lumen_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < lumen_cfg_n_keys; i++) {
		const struct lumen_cfg_key *k = &lumen_cfg_keys[i];
		if (is_string_type(k->type))
			g_free(*(char **)field_of(cfg, k));
		else if (k->type == LUMEN_CFG_STRLIST)
			g_strfreev(*(char ***)field_of(cfg, k));
	}
	g_free(cfg->path);
	json_decref(cfg->plugin_sections);
	g_free(cfg);
}
