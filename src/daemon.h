/* daemon.h -- the lumen process: startup order, signals, systemd notification, reload, shutdown.
 *
 * One struct lumen_daemon lives for the whole process, on the main (control) thread, which runs
 * the GLib main loop. It owns the current configuration and every configuration it replaced
 * (retired configs are kept until exit, because modules may still hold pointers into them; a
 * reload is rare and a config is a few kilobytes), the client API, the plugin host and the admin
 * API. Reload is a transaction: a new config is loaded and validated in full, then swapped in and
 * applied, or rejected with the running one untouched. */
#ifndef LUMEN_DAEMON_H
#define LUMEN_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct lumen_daemon;

struct lumen_daemon_opts {
	const char *config_path;      /* NULL: defaults only */
	const char *const *overrides; /* "section.key=value", from --set */
	size_t n_overrides;
};

/* Loads the configuration and starts every module (listeners included).
 * Returns NULL with *err (malloc'd, one line) and *exit_code set (78 for config errors, 1 else). */
struct lumen_daemon *lumen_daemon_new(const struct lumen_daemon_opts *opts, char **err,
				      int *exit_code);

/* Runs the main loop until SIGTERM/SIGINT (graceful stop, at most 5 s). Returns the exit code. */
int lumen_daemon_run(struct lumen_daemon *d);

/* Reloads the configuration from the same file and overrides. Returns 0, or -EINVAL with *err
 * (malloc'd) when the new configuration is invalid: the running one stays. */
int lumen_daemon_reload(struct lumen_daemon *d, char **err);

void lumen_daemon_free(struct lumen_daemon *d); /* NULL ok */

/* Validates a configuration without starting listeners: config keys, then plugin loading and
 * plugin sections. Returns 0, or LUMEN_EX_CONFIG / 1 with *err. */
int lumen_daemon_check_config(const struct lumen_daemon_opts *opts, char **err);

#endif
