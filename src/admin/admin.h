/* admin/admin.h -- the admin REST API (own listener, bearer-token auth), /metrics, /healthz,
 * /readyz. Read-only views of the API and the plugin host plus a few control verbs; the daemon
 * supplies the verbs it owns (reload, log level) as callbacks. Control thread only. */
#ifndef LUMEN_ADMIN_H
#define LUMEN_ADMIN_H

#include <stdbool.h>
#include <stdint.h>
/* "../config.h": a bare "config.h" would find autoconf's header in the build directory first. */
#include "../config.h"

struct lumen_admin;
struct lumen_api;
struct lumen_plugin_host;

struct lumen_admin_hooks {
	/* POST /admin/v1/config/reload: returns 0, or -EINVAL with *err (old config kept). */
	int (*reload)(void *arg, char **err);
	/* PUT /admin/v1/log-level {"level":"debug","levels":"ice:trace"}: 0 or -EINVAL with *err.
	 */
	int (*set_log_level)(void *arg, const char *level, const char *levels, char **err);
	void *arg;
};

/* Creates the admin API (not listening yet) and registers the core's metric families. api must
 * be valid for the admin's lifetime; host may be NULL. Returns NULL with *err (g_malloc'd) when
 * admin.listen is not an IP:PORT, or when neither admin.token nor admin.jwt_secret is set and
 * admin.listen is not a loopback address (DESIGN.md decision 9). */
struct lumen_admin *lumen_admin_new(const struct lumen_config *cfg, struct lumen_api *api,
                                    struct lumen_plugin_host *host,
                                    const struct lumen_admin_hooks *hooks, char **err);
/* Checks cfg->admin.* as lumen_admin_new does (admin.listen is IP:PORT; credentials unless it is
 * a loopback address) without creating anything: for --check-config and to refuse a reload.
 * Returns 0 or -EINVAL with *err (g_malloc'd). */
int lumen_admin_check_config(const struct lumen_config *cfg, char **err);
/* Starts listening on cfg->admin.listen (port 0: any free port, see lumen_admin_port). Returns 0
 * or -EADDRINUSE with *err. */
int lumen_admin_listen(struct lumen_admin *admin, char **err);
/* The port actually bound (after lumen_admin_listen), for tests that listen on port 0. */
uint16_t lumen_admin_port(const struct lumen_admin *admin);
/* Applies a reloaded config: credentials are live; admin.listen needs a restart. A config that
 * would leave a non-loopback listener without credentials is refused (old ones kept, logged). */
void lumen_admin_reconfigure(struct lumen_admin *admin, const struct lumen_config *cfg);
/* /readyz reports ready once set (plugins loaded) and not draining. */
void lumen_admin_set_ready(struct lumen_admin *admin, bool ready);
void lumen_admin_free(struct lumen_admin *admin); /* NULL ok */

#endif
