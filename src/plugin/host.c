/* plugin/host.c -- the plugin host: finds, verifies, opens, orders and runs plugins.
 *
 * Loading is a pipeline over candidates (builtins, then the directory's *.so in name order):
 * disabled? -> signature (when required) -> dlopen + ABI -> metadata -> duplicates -> dependencies.
 * A candidate that fails a step is refused with one log line "refused FILE: REASON" and recorded
 * for lumen_plugin_host_refused; the others go on. Then plugin config sections are matched to
 * plugins and init runs in dependency order. Control thread only; the host owns the dlopen
 * handles, which are closed last, after every destroy. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "deps.h"
#include "host.h"
#include "loader.h"
#include "log.h"
#include "sign.h"

LUMEN_LOG_CATEGORY(cat_plugin, "plugin");

struct cand {
	char *path;                      /* file, or "builtin:PACKAGE" */
	void *dl;                        /* NULL for builtins */
	const struct lumen_plugin *desc; /* valid while dl is open (or builtin) */
	char *package, *section;         /* copies, still valid after a refusal closes dl */
	bool refused;
	bool disabled;
};

struct slot {
	struct lumen_loaded_plugin pub;
	void *dl;
	bool inited;
};

struct lumen_plugin_host {
	const struct lumen_core *core;
	struct slot *slots; /* in dependency order */
	size_t n;
	GPtrArray *list; /* const struct lumen_loaded_plugin *, into slots */
	json_t *refused;
	json_t *unloaded_sections; /* section -> "PACKAGE (FILE) is disabled|refused" */
	bool started;
};

/* The package whose lifecycle hook runs on this thread (lumen_plugin_host_current). */
static __thread const char *current;

const char *lumen_plugin_host_current(void)
{
	return current;
}

static bool strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v && s && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void free_cand(gpointer p)
{
	struct cand *c = p;

	lumen_plugin_so_close(c->dl);
	g_free(c->path);
	g_free(c->package);
	g_free(c->section);
	g_free(c);
}

static void record(struct lumen_plugin_host *host, const char *file, const char *reason)
{
	json_array_append_new(host->refused,
	                      json_pack("{s:s, s:s}", "file", file, "reason", reason));
}

/* Refuses c: one log line, one record, and its code is unloaded. Takes reason. */
static void refuse(struct lumen_plugin_host *host, struct cand *c, char *reason)
{
	LOG_WARN(cat_plugin, "refused %s: %s", c->path, reason);
	record(host, c->path, reason);
	g_free(reason);
	c->refused = true;
	c->desc = NULL;
	lumen_plugin_so_close(c->dl);
	c->dl = NULL;
}

static void skip_disabled(struct lumen_plugin_host *host, struct cand *c)
{
	LOG_INFO(cat_plugin, "skipped %s: disabled in plugins.disabled", c->path);
	record(host, c->path, "disabled in plugins.disabled");
	c->disabled = true;
	c->desc = NULL;
	lumen_plugin_so_close(c->dl);
	c->dl = NULL;
}

/* Metadata is valid: check what depends on the other candidates, then keep c. */
static void admit(struct lumen_plugin_host *host, GPtrArray *cands, struct cand *c,
                  const struct lumen_config *cfg)
{
	const struct lumen_plugin *d = c->desc;

	c->package = g_strdup(d->package);
	c->section = g_strdup(d->config_section);
	if (strv_has(cfg->plugins.disabled, d->package)) {
		skip_disabled(host, c);
		return;
	}
	for (guint i = 0; i < cands->len; i++) {
		struct cand *o = g_ptr_array_index(cands, i);
		if (o == c || o->refused || o->disabled || !o->desc)
			continue;
		if (strcmp(o->package, d->package) == 0) {
			refuse(host, c,
			       g_strdup_printf("duplicate package %s (already loaded from %s)",
			                       o->package, o->path));
			return;
		}
		if (o->section && c->section && strcmp(o->section, c->section) == 0) {
			refuse(host, c,
			       g_strdup_printf("config section '%s' already claimed by %s",
			                       c->section, o->package));
			return;
		}
	}
}

static void add_builtin(struct lumen_plugin_host *host, GPtrArray *cands,
                        const struct lumen_plugin *d, const struct lumen_config *cfg)
{
	struct cand *c = g_new0(struct cand, 1);
	char *why = NULL;

	g_ptr_array_add(cands, c);
	if (d->abi_version != LUMEN_PLUGIN_ABI_VERSION) {
		c->path = g_strdup("builtin:?");
		refuse(host, c,
		       g_strdup_printf("bad ABI: plugin built for ABI %u, this lumen has "
		                       "ABI %u",
		                       d->abi_version, LUMEN_PLUGIN_ABI_VERSION));
		return;
	}
	c->path = g_strdup_printf("builtin:%s", d->package ? d->package : "?");
	if (lumen_plugin_check_desc(d, &why) < 0) {
		refuse(host, c, why);
		return;
	}
	c->desc = d;
	admit(host, cands, c, cfg);
}

static void add_file(struct lumen_plugin_host *host, GPtrArray *cands, const char *dir,
                     const char *name, const struct lumen_config *cfg,
                     const struct lumen_keyring *kr)
{
	struct cand *c = g_new0(struct cand, 1);
	char *stem = g_strndup(name, strlen(name) - 3);
	char *why = NULL;
	uint8_t *image = NULL;
	size_t len = 0;

	g_ptr_array_add(cands, c);
	c->path = g_build_filename(dir, name, NULL);
	if (strv_has(cfg->plugins.disabled, stem)) {
		skip_disabled(host, c);
		goto out;
	}
	if (!g_file_test(c->path, G_FILE_TEST_IS_REGULAR)) {
		refuse(host, c, g_strdup("not a regular file"));
		goto out;
	}
	if (kr && lumen_keyring_verify_file(kr, c->path, &image, &len, &why) < 0) {
		refuse(host, c, why);
		goto out;
	}
	if (lumen_plugin_so_open(c->path, image, len, &c->dl, &c->desc, &why) < 0 ||
	    lumen_plugin_check_desc(c->desc, &why) < 0) {
		refuse(host, c, why);
		goto out;
	}
	admit(host, cands, c, cfg);
out:
	g_free(image);
	g_free(stem);
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int scan_dir(struct lumen_plugin_host *host, GPtrArray *cands,
                    const struct lumen_config *cfg, const struct lumen_keyring *kr, char **err)
{
	const char *dir = cfg->plugins.dir;
	GError *gerr = NULL;
	GDir *d = g_dir_open(dir, 0, &gerr);
	GPtrArray *names;
	const char *name;

	if (!d) {
		/* A directory that does not exist yet means "no plugins installed" (a fresh build
		 * before `make install`): say so loudly and go on. Anything else (permissions, a
		 * file where a directory should be) is a configuration error. */
		if (g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			LOG_WARN(cat_plugin, "plugins.dir %s does not exist: no plugins loaded", dir);
			g_error_free(gerr);
			return 0;
		}
		*err = g_strdup_printf("plugins.dir: %s", gerr->message);
		g_error_free(gerr);
		return -ENOENT;
	}
	names = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(d)))
		if (g_str_has_suffix(name, ".so") && strlen(name) > 3)
			g_ptr_array_add(names, g_strdup(name));
	g_dir_close(d);
	g_ptr_array_sort(names, cmp_names);
	for (guint i = 0; i < names->len; i++)
		add_file(host, cands, dir, g_ptr_array_index(names, i), cfg, kr);
	g_ptr_array_free(names, TRUE);
	return 0;
}

/* Dependency check of the admitted candidates; fills host->slots in init order. */
static void resolve(struct lumen_plugin_host *host, GPtrArray *cands)
{
	struct lumen_dep_node *nodes = g_new0(struct lumen_dep_node, cands->len);
	struct cand **of = g_new0(struct cand *, cands->len);
	size_t *order = g_new0(size_t, cands->len);
	size_t n = 0, n_ok;

	for (guint i = 0; i < cands->len; i++) {
		struct cand *c = g_ptr_array_index(cands, i);
		if (!c->desc)
			continue;
		nodes[n] = (struct lumen_dep_node){c->desc->package, c->desc->version,
		                                   c->desc->deps, NULL};
		of[n++] = c;
	}
	n_ok = lumen_deps_resolve(nodes, n, order);
	for (size_t i = 0; i < n; i++)
		if (nodes[i].refused)
			refuse(host, of[i], nodes[i].refused);
	host->slots = g_new0(struct slot, n_ok ? n_ok : 1);
	for (size_t k = 0; k < n_ok; k++) {
		struct cand *c = of[order[k]];
		struct slot *s = &host->slots[host->n++];
		s->pub.desc = c->desc;
		s->pub.path = c->path;
		s->dl = c->dl;
		c->path = NULL; /* moved into the slot */
		c->dl = NULL;
		g_ptr_array_add(host->list, &s->pub);
		LOG_INFO(cat_plugin, "loaded %s %s (%s) from %s", s->pub.desc->package,
		         s->pub.desc->version, s->pub.desc->name, s->pub.path);
	}
	g_free(order);
	g_free(of);
	g_free(nodes);
}

/* Remembers the sections of plugins that are not loaded (disabled or refused after their
 * metadata was read), so that their config groups are known, if unused. */
static void note_unloaded_sections(struct lumen_plugin_host *host, GPtrArray *cands)
{
	for (guint i = 0; i < cands->len; i++) {
		const struct cand *c = g_ptr_array_index(cands, i);
		if (c->section && (c->refused || c->disabled) &&
		    !json_object_get(host->unloaded_sections, c->section))
			json_object_set_new(host->unloaded_sections, c->section,
			                    json_sprintf("%s (%s) is %s", c->package, c->path,
			                                 c->disabled ? "disabled" : "refused"));
	}
}

/* Every plugin section of the config must belong to a plugin: a loaded one (fine), a disabled or
 * refused one (warning: it is not used), or none (error: a typo or a missing plugin). */
static int check_sections(const struct lumen_plugin_host *host, const struct lumen_config *cfg,
                          bool warn, char **err)
{
	const char *key;
	json_t *val;

	json_object_foreach(cfg->plugin_sections, key, val)
	{
		bool loaded = false;
		for (size_t i = 0; i < host->n && !loaded; i++) {
			const char *s = host->slots[i].pub.desc->config_section;
			loaded = s && strcmp(s, key) == 0;
		}
		if (loaded)
			continue;
		const char *owner =
		    json_string_value(json_object_get(host->unloaded_sections, key));
		if (!owner) {
			*err = g_strdup_printf(
			    "config section '%s' is not a core section and no plugin "
			    "in '%s' claims it",
			    key, cfg->plugins.dir);
			return -EINVAL;
		}
		if (warn)
			LOG_WARN(cat_plugin, "config section '%s' is unused: its plugin %s", key,
			         owner);
	}
	return 0;
}

static const json_t *section_of(const struct lumen_config *cfg, const struct lumen_plugin *d)
{
	return d->config_section && cfg->plugin_sections
	           ? json_object_get(cfg->plugin_sections, d->config_section)
	           : NULL;
}

/* init in order, or check_config only when there is no core (--check-config). */
static int init_all(struct lumen_plugin_host *host, const struct lumen_config *cfg, char **err)
{
	for (size_t i = 0; i < host->n; i++) {
		struct slot *s = &host->slots[i];
		const struct lumen_plugin *d = s->pub.desc;
		char *why = NULL;
		int rc = 0;

		current = d->package;
		if (host->core && d->init)
			rc = d->init(host->core, section_of(cfg, d), &why);
		else if (!host->core && d->check_config)
			rc = d->check_config(section_of(cfg, d), &why);
		current = NULL;
		if (rc < 0) {
			*err = g_strdup_printf("plugin %s (%s): %s: %s", d->package, s->pub.path,
			                       host->core ? "init failed" : "bad configuration",
			                       why ? why : g_strerror(-rc));
			free(why);
			return rc;
		}
		free(why);
		s->inited = host->core != NULL;
	}
	return 0;
}

struct lumen_plugin_host *lumen_plugin_host_new(const struct lumen_config *cfg,
                                                const struct lumen_core *core,
                                                const struct lumen_plugin *const *builtins,
                                                char **err)
{
	struct lumen_plugin_host *host = g_new0(struct lumen_plugin_host, 1);
	GPtrArray *cands = g_ptr_array_new_with_free_func(free_cand);
	struct lumen_keyring *kr = NULL;

	host->core = core;
	host->refused = json_array();
	host->unloaded_sections = json_object();
	host->list = g_ptr_array_new();
	if (cfg->plugins.require_signed) {
		if (!cfg->plugins.trusted_keys || !cfg->plugins.trusted_keys[0]) {
			*err =
			    g_strdup("plugins.require_signed is true but plugins.trusted_keys is "
			             "empty");
			goto fail;
		}
		kr = lumen_keyring_load(cfg->plugins.trusted_keys, err);
		if (!kr)
			goto fail;
	}
	for (size_t i = 0; builtins && builtins[i]; i++)
		add_builtin(host, cands, builtins[i], cfg);
	if (cfg->plugins.dir && *cfg->plugins.dir && scan_dir(host, cands, cfg, kr, err) < 0)
		goto fail;
	resolve(host, cands);
	note_unloaded_sections(host, cands);
	if (check_sections(host, cfg, true, err) < 0 || init_all(host, cfg, err) < 0)
		goto fail;
	g_ptr_array_free(cands, TRUE);
	lumen_keyring_free(kr);
	return host;
fail:
	g_ptr_array_free(cands, TRUE);
	lumen_keyring_free(kr);
	lumen_plugin_host_free(host);
	return NULL;
}

int lumen_plugin_host_start(struct lumen_plugin_host *host, char **err)
{
	if (!host->core) {
		*err = g_strdup("plugins were loaded for checking only (no core)");
		return -EINVAL;
	}
	if (host->started) {
		*err = g_strdup("plugins already started");
		return -EALREADY;
	}
	for (size_t i = 0; i < host->n; i++) {
		struct slot *s = &host->slots[i];
		current = s->pub.desc->package;
		int rc = s->pub.desc->start ? s->pub.desc->start() : 0;
		current = NULL;
		if (rc < 0) {
			*err = g_strdup_printf("plugin %s (%s): start failed: %s",
			                       s->pub.desc->package, s->pub.path, g_strerror(-rc));
			host->started = true;
			lumen_plugin_host_stop(host);
			return rc;
		}
		s->pub.started = true;
	}
	host->started = true;
	return 0;
}

void lumen_plugin_host_stop(struct lumen_plugin_host *host)
{
	if (!host->started)
		return;
	for (size_t i = host->n; i-- > 0;) {
		struct slot *s = &host->slots[i];
		current = s->pub.desc->package;
		if (s->pub.started && s->pub.desc->stop)
			s->pub.desc->stop();
		current = NULL;
		s->pub.started = false;
	}
	host->started = false;
}

void lumen_plugin_host_free(struct lumen_plugin_host *host)
{
	if (!host)
		return;
	lumen_plugin_host_stop(host);
	for (size_t i = host->n; i-- > 0;) {
		current = host->slots[i].pub.desc->package;
		if (host->slots[i].inited && host->slots[i].pub.desc->destroy)
			host->slots[i].pub.desc->destroy();
		current = NULL;
	}
	for (size_t i = host->n; i-- > 0;) {
		lumen_plugin_so_close(host->slots[i].dl);
		g_free(host->slots[i].pub.path);
	}
	g_free(host->slots);
	if (host->list)
		g_ptr_array_free(host->list, TRUE);
	json_decref(host->refused);
	json_decref(host->unloaded_sections);
	g_free(host);
}

const struct lumen_loaded_plugin *lumen_plugin_host_find(const struct lumen_plugin_host *host,
                                                         const char *package)
{
	for (size_t i = 0; package && i < host->n; i++)
		if (host->slots[i].pub.started &&
		    strcmp(host->slots[i].pub.desc->package, package) == 0)
			return &host->slots[i].pub;
	return NULL;
}

size_t lumen_plugin_host_list(const struct lumen_plugin_host *host,
                              const struct lumen_loaded_plugin *const **out)
{
	*out = (const struct lumen_loaded_plugin *const *)host->list->pdata;
	return host->n;
}

static json_t *deps_json(const struct lumen_plugin *d)
{
	json_t *a = json_array();

	for (size_t i = 0; d->deps && d->deps[i].package; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "package", d->deps[i].package,
		                                   "versions",
		                                   d->deps[i].versions ? d->deps[i].versions : ""));
	return a;
}

json_t *lumen_plugin_host_to_json(const struct lumen_plugin_host *host)
{
	json_t *a = json_array();

	for (size_t i = 0; i < host->n; i++) {
		const struct lumen_loaded_plugin *p = &host->slots[i].pub;
		const struct lumen_plugin *d = p->desc;
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:o, s:b}",
		                                   "name", d->name, "package", d->package,
		                                   "version", d->version, "description",
		                                   d->description, "author", d->author, "path",
		                                   p->path, "config_section", d->config_section,
		                                   "deps", deps_json(d), "started", p->started));
	}
	return a;
}

int lumen_plugin_host_check_config(const struct lumen_plugin_host *host,
                                   const struct lumen_config *cfg, char **err)
{
	int rc = check_sections(host, cfg, false, err);

	for (size_t i = 0; rc == 0 && i < host->n; i++) {
		const struct lumen_plugin *d = host->slots[i].pub.desc;
		char *why = NULL;
		if (!d->check_config)
			continue;
		current = d->package;
		rc = d->check_config(section_of(cfg, d), &why);
		current = NULL;
		if (rc < 0)
			*err = g_strdup_printf("plugin %s: bad configuration: %s", d->package,
			                       why ? why : g_strerror(-rc));
		free(why);
	}
	return rc < 0 ? -EINVAL : 0;
}

json_t *lumen_plugin_host_refused(const struct lumen_plugin_host *host)
{
	return json_deep_copy(host->refused);
}
