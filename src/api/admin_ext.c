/* api/admin_ext.c -- plugin collections of the admin REST API (core->admin_register).
 *
 * A registry collection name -> (callback, arg, owning plugin) that the admin server
 * (src/admin) consults for /admin/v1/<collection>[/...] when no core route matches. The
 * owning plugin is the one whose lifecycle hook was running when it registered
 * (lumen_plugin_host_current): before every call the entry's owner must still be started in
 * the host, so a plugin that forgets admin_unregister in its stop is never called after it
 * (its entry is dropped at the next lookup, with a warning). Control thread only. */
#include <errno.h>
#include <string.h>

#include "api/api_internal.h"
#include "log.h"
#include "plugin/host.h"

LUMEN_LOG_CATEGORY(cat_admin_ext, "api");

struct admin_ext {
	lumen_admin_cb cb;
	void *arg;
	char *owner; /* package, or NULL when registered outside a lifecycle hook */
};

/* Core collections (src/admin/routes.c) and the names a plugin may never take. */
static const char *const reserved[] = {"info", "sessions", "plugins", "log-level",
				       "config", "drain", NULL};

/* The process's registry: collection (owned) -> struct admin_ext (owned). Created by
 * api_admin_ext_init with the API, like the core table it serves. */
static GHashTable *registry;
static struct lumen_api *registry_api;

static void ext_free(gpointer p)
{
	struct admin_ext *e = p;

	g_free(e->owner);
	g_free(e);
}

void api_admin_ext_init(struct lumen_api *api)
{
	if (!registry)
		registry = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, ext_free);
	registry_api = api;
}

void api_admin_ext_fini(struct lumen_api *api)
{
	if (registry_api != api)
		return;
	if (registry)
		g_hash_table_destroy(registry);
	registry = NULL;
	registry_api = NULL;
}

bool lumen_api_admin_collection_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 1 || n > 32 || !g_ascii_islower(name[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!g_ascii_islower(name[i]) && !g_ascii_isdigit(name[i]) && name[i] != '-')
			return false;
	for (const char *const *r = reserved; *r; r++)
		if (strcmp(*r, name) == 0)
			return false;
	return true;
}

int api_admin_register(const char *collection, lumen_admin_cb cb, void *arg)
{
	struct admin_ext *e;

	if (!registry || !cb || !lumen_api_admin_collection_valid(collection))
		return -EINVAL;
	if (g_hash_table_contains(registry, collection))
		return -EEXIST;
	e = g_new0(struct admin_ext, 1);
	e->cb = cb;
	e->arg = arg;
	e->owner = g_strdup(lumen_plugin_host_current());
	g_hash_table_insert(registry, g_strdup(collection), e);
	LOG_INFO(cat_admin_ext, "admin collection /admin/v1/%s served by %s", collection,
		 e->owner ? e->owner : "a plugin");
	return 0;
}

void api_admin_unregister(const char *collection)
{
	if (registry && collection && g_hash_table_remove(registry, collection))
		LOG_DEBUG(cat_admin_ext, "admin collection /admin/v1/%s unregistered", collection);
}

/* The entry for collection, or NULL; drops an entry whose owner is no longer started. */
static struct admin_ext *lookup(struct lumen_api *api, const char *collection)
{
	struct admin_ext *e = (registry && collection) ? g_hash_table_lookup(registry, collection)
						       : NULL;

	if (!e || !e->owner || !api || !api->host)
		return e;
	if (lumen_plugin_host_find(api->host, e->owner))
		return e;
	LOG_WARN(cat_admin_ext,
		 "plugin %s stopped without admin_unregister(\"%s\"): collection dropped",
		 e->owner, collection);
	g_hash_table_remove(registry, collection);
	return NULL;
}

bool lumen_api_admin_has(struct lumen_api *api, const char *collection)
{
	return lookup(api, collection) != NULL;
}

int lumen_api_admin_call(struct lumen_api *api, const char *collection, const char *method,
			 const char *path, const json_t *body, json_t **reply)
{
	struct admin_ext *e = lookup(api, collection);
	int status;

	*reply = NULL;
	if (!e)
		return -ENOENT;
	/* cb may unregister its own collection (e is freed then): copy nothing out of e after. */
	status = e->cb(e->arg, method, path ? path : "", body, reply);
	if (status < 100 || status > 599) {
		LOG_WARN(cat_admin_ext, "/admin/v1/%s: plugin returned HTTP status %d", collection,
			 status);
		json_decref(*reply);
		*reply = json_pack("{s:s}", "error", "the plugin gave no valid HTTP status");
		status = 500;
	}
	return status;
}
