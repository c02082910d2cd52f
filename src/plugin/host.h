/* plugin/host.h -- loads plugins (shared objects against <lumen/plugin.h>) and runs their lifecycle.
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

#include "config.h"

struct lumen_plugin_host;

/* One loaded plugin, valid until lumen_plugin_host_free. */
struct lumen_loaded_plugin {
	const struct lumen_plugin *desc;
	char *path;      /* the .so file */
	bool started;
};

/* Creates a host and loads every plugin in dirs (NULL-terminated; usually { cfg->plugins.dir }),
 * plus any descriptors in builtins (statically linked plugins, NULL-terminated, may be NULL).
 * Refused plugins are logged and skipped. Plugin sections of cfg are handed to init; a plugin
 * section no loaded plugin claims is an error. Returns NULL with *err only on a fatal error
 * (unreadable directory, unclaimed section, a plugin's init failing). */
struct lumen_plugin_host *lumen_plugin_host_new(const struct lumen_config *cfg,
						const struct lumen_core *core,
						const struct lumen_plugin *const *builtins,
						char **err);
int lumen_plugin_host_start(struct lumen_plugin_host *host, char **err);
void lumen_plugin_host_stop(struct lumen_plugin_host *host);
void lumen_plugin_host_free(struct lumen_plugin_host *host); /* stops first if needed; NULL ok */

/* Finds a started plugin by package name ("janus.plugin.echotest"), or NULL. */
const struct lumen_loaded_plugin *lumen_plugin_host_find(const struct lumen_plugin_host *host,
							 const char *package);
/* Plugins in load order: returns the count and sets *out to an internal array. */
size_t lumen_plugin_host_list(const struct lumen_plugin_host *host,
			      const struct lumen_loaded_plugin *const **out);
/* JSON array [{name, package, version, description, author, path, deps}] for info/admin. */
json_t *lumen_plugin_host_to_json(const struct lumen_plugin_host *host);
/* Refusals of the last load: [{file, reason}] (admin and tests). */
json_t *lumen_plugin_host_refused(const struct lumen_plugin_host *host);

#endif
