/* plugin/host.h -- loads plugins (shared objects against <lumen/plugin.h>) and runs their
 * lifecycle.
 *
 * Loading checks, for each NAME.so in the plugin directory: the exported descriptor, ABI version,
 * metadata (name, package, semantic version, description, author), the detached Ed25519 signature
 * NAME.so.sig when plugins.require_signed is set, and dependencies (present, version in range, no
 * cycle). A plugin that fails any check is refused with one log line naming it and the reason;
 * the others load. init runs in dependency order, start after every init; stop and destroy in
 * reverse. Control thread only. */
#ifndef LUMEN_PLUGIN_HOST_H
#define LUMEN_PLUGIN_HOST_H

#include <stdbool.h>
#include <jansson.h>
#include <lumen/plugin.h>

/* "../config.h", not "config.h": from this directory a quoted "config.h" would find the build
 * tree's autoconf config.h (-I. comes before -I$(top_srcdir)/src). */
#include "../config.h"

struct lumen_plugin_host;

/* One loaded plugin, valid until lumen_plugin_host_free. */
struct lumen_loaded_plugin {
	const struct lumen_plugin *desc;
	char *path; /* the .so file, or "builtin:PACKAGE" */
	bool started;
};

/* Creates a host and loads every NAME.so in cfg->plugins.dir ("" = none), plus the descriptors in
 * builtins (statically linked plugins, NULL-terminated, may be NULL; they are not signature
 * checked). Files are taken in name order; a file whose stem or package is listed in
 * cfg->plugins.disabled is skipped. Refused plugins are logged (one line each, category "plugin")
 * and skipped; the others load. Plugin sections of cfg are handed to init (dependencies first);
 * a section that no plugin claims is an error, while a section of a disabled or refused plugin
 * is only a warning. With core == NULL plugins are loaded and checked (check_config is called on
 * their sections) but not initialised: that is --check-config, and _start then fails.
 * A plugins.dir that does not exist loads no plugins (one warning: a fresh build before
 * `make install`). Returns NULL with *err (malloc'd, one line) only on a fatal error: a
 * plugins.dir that cannot be read, require_signed without usable trusted keys, an unclaimed
 * section, a plugin's init failing. */
struct lumen_plugin_host *lumen_plugin_host_new(const struct lumen_config *cfg,
                                                const struct lumen_core *core,
                                                const struct lumen_plugin *const *builtins,
                                                char **err);
/* Starts every plugin in order. On a failure, stops those already started (reverse order) and
 * returns a negative errno with *err naming the plugin. Returns -EALREADY if started. */
int lumen_plugin_host_start(struct lumen_plugin_host *host, char **err);
/* Stops started plugins in reverse order (no-op if not started). */
void lumen_plugin_host_stop(struct lumen_plugin_host *host);
void lumen_plugin_host_free(struct lumen_plugin_host *host); /* stops first if needed; NULL ok */

/* Finds a started plugin by package name ("janus.plugin.echotest"), or NULL. */
const struct lumen_loaded_plugin *lumen_plugin_host_find(const struct lumen_plugin_host *host,
                                                         const char *package);
/* Plugins in load order: returns the count and sets *out to an internal array. */
size_t lumen_plugin_host_list(const struct lumen_plugin_host *host,
                              const struct lumen_loaded_plugin *const **out);
/* JSON array [{name, package, version, description, author, path, config_section, deps:
 * [{package, versions}], started}] for info/admin (path "builtin:PACKAGE" for builtins). New
 * reference. */
json_t *lumen_plugin_host_to_json(const struct lumen_plugin_host *host);
/* Validates a new configuration against the loaded plugins before a reload is accepted: every
 * plugin section is claimed (as in _new) and each loaded plugin's check_config accepts its
 * section. Returns 0 or -EINVAL with *err. The plugins keep running with the config they got
 * at init: a changed plugin section takes effect at the next restart. */
int lumen_plugin_host_check_config(const struct lumen_plugin_host *host,
                                   const struct lumen_config *cfg, char **err);
/* The package whose init/start/stop/destroy is running on this thread, or NULL: lets the core
 * attribute a plugin's core->log(NULL, ...) lines made from those hooks to the plugin. */
const char *lumen_plugin_host_current(void);
/* Refusals of the load: [{file, reason}] (reason "disabled in plugins.disabled" for skipped
 * ones), in the order they happened. New reference. */
json_t *lumen_plugin_host_refused(const struct lumen_plugin_host *host);

#endif
