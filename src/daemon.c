/* daemon.c -- process lifecycle of lumen: start modules in order, notify systemd, reload on SIGHUP,
 * stop gracefully on SIGTERM/SIGINT.
 *
 * Runs on the main thread's GLib main loop (the control thread). Signals arrive through
 * g_unix_signal_add, so handlers are ordinary loop callbacks and may do anything. systemd is told
 * READY=1, RELOADING=1, STOPPING=1 and WATCHDOG=1 through sd_notify, which does nothing when
 * NOTIFY_SOCKET is not set, so the same binary runs by hand or under systemd. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib-unix.h>
#include <systemd/sd-daemon.h>

#include "admin/admin.h"
#include "api/api.h"
#include "daemon.h"
#include "log.h"
#include "plugin/host.h"

LUMEN_LOG_CATEGORY(cat_daemon, "daemon");

/* A stop must finish within 5 s (systemd's and the budget); drain gets most of it. */
#define STOP_DEADLINE_MS 4500

struct lumen_daemon {
	struct lumen_daemon_opts opts;
	struct lumen_config *cfg;
	GPtrArray *retired; /* replaced configs, freed at exit (see daemon.h) */
	struct lumen_api *api;
	struct lumen_plugin_host *host;
	struct lumen_admin *admin;
	GMainLoop *loop;
	guint sig_term, sig_int, sig_hup, watchdog;
	guint stop_timer;
	bool stopping;
	int exit_code;
};

static int apply_log_config(const struct lumen_config *cfg, char **err)
{
	int level = lumen_log_level_parse(cfg->general.log_level);
	enum lumen_log_format fmt =
		strcmp(cfg->general.log_format, "json") == 0 ? LUMEN_LOG_JSON : LUMEN_LOG_TEXT;

	if (level < 0 || lumen_log_configure(level, cfg->general.log_levels, fmt) < 0) {
		if (err)
			*err = g_strdup_printf("invalid log configuration (general.log_level \"%s\", "
					       "general.log_levels \"%s\")",
					       cfg->general.log_level, cfg->general.log_levels);
		return -EINVAL;
	}
	return 0;
}

static struct lumen_config *load_config(const struct lumen_daemon_opts *opts, char **err)
{
	return lumen_config_load(opts->config_path, opts->overrides, opts->n_overrides, err);
}

int lumen_daemon_reload(struct lumen_daemon *d, char **err)
{
	struct lumen_config *next;
	char *diff, *line, *save = NULL;

	sd_notify(0, "RELOADING=1\nSTATUS=Reloading configuration");
	next = load_config(&d->opts, err);
	/* Everything the new file says must hold before anything changes: the admin listener's
	 * credentials and every plugin's section (checked by the plugin, not applied). */
	if (next && (lumen_admin_check_config(next, err) < 0 ||
		     lumen_plugin_host_check_config(d->host, next, err) < 0)) {
		lumen_config_free(next);
		next = NULL;
	}
	if (!next || apply_log_config(next, err) < 0) {
		lumen_config_free(next);
		LOG_ERROR(cat_daemon, "reload refused, keeping the running configuration: %s", *err);
		sd_notify(0, "READY=1\nSTATUS=Running (last reload refused)");
		return -EINVAL;
	}
	diff = lumen_config_diff(d->cfg, next);
	if (!diff || !*diff)
		LOG_INFO(cat_daemon, "reload: configuration unchanged");
	for (line = diff ? strtok_r(diff, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
		LOG_INFO(cat_daemon, "reload: %s", line);
	free(diff);

	g_ptr_array_add(d->retired, d->cfg);
	d->cfg = next;
	lumen_api_reconfigure(d->api, d->cfg);
	lumen_admin_reconfigure(d->admin, d->cfg);
	sd_notify(0, "READY=1\nSTATUS=Running");
	return 0;
}

static int admin_reload(void *arg, char **err)
{
	return lumen_daemon_reload(arg, err);
}

static int admin_set_log_level(void *arg, const char *level, const char *levels, char **err)
{
	struct lumen_daemon *d = arg;
	int lvl = lumen_log_level_parse(level ? level : d->cfg->general.log_level);
	enum lumen_log_format fmt =
		strcmp(d->cfg->general.log_format, "json") == 0 ? LUMEN_LOG_JSON : LUMEN_LOG_TEXT;

	if (lvl < 0) {
		*err = g_strdup_printf("unknown log level \"%s\" (error, warn, info, debug, trace)",
				       level);
		return -EINVAL;
	}
	if (levels && lumen_log_levels_check(levels, err) < 0)
		return -EINVAL;
	if (lumen_log_configure(lvl, levels ? levels : d->cfg->general.log_levels, fmt) < 0) {
		*err = g_strdup("invalid log configuration");
		return -EINVAL;
	}
	LOG_INFO(cat_daemon, "log level set to %s%s%s by the admin API", lumen_log_level_name(lvl),
		 levels ? ", categories " : "", levels ? levels : "");
	return 0;
}

static gboolean on_stop_deadline(gpointer data)
{
	struct lumen_daemon *d = data;

	LOG_WARN(cat_daemon, "graceful stop took longer than %d ms, exiting now", STOP_DEADLINE_MS);
	d->stop_timer = 0;
	g_main_loop_quit(d->loop);
	return G_SOURCE_REMOVE;
}

static gboolean quit_when_idle(gpointer data)
{
	struct lumen_daemon *d = data;

	g_main_loop_quit(d->loop);
	return G_SOURCE_REMOVE;
}

static gboolean on_stop_signal(gpointer data)
{
	struct lumen_daemon *d = data;

	if (d->stopping) {
		LOG_WARN(cat_daemon, "second stop signal, exiting immediately");
		g_main_loop_quit(d->loop);
		return G_SOURCE_CONTINUE;
	}
	d->stopping = true;
	LOG_INFO(cat_daemon, "stopping: telling clients, stopping plugins");
	sd_notify(0, "STOPPING=1\nSTATUS=Stopping");
	lumen_admin_set_ready(d->admin, false);
	lumen_api_set_draining(d->api, true);
	lumen_api_shutdown(d->api);
	lumen_plugin_host_stop(d->host);
	d->stop_timer = g_timeout_add(STOP_DEADLINE_MS, on_stop_deadline, d);
	/* Let the loop flush what shutdown queued (hangup events, closing sockets) before quitting. */
	g_idle_add_full(G_PRIORITY_LOW, quit_when_idle, d, NULL);
	return G_SOURCE_CONTINUE;
}

static gboolean on_hup(gpointer data)
{
	struct lumen_daemon *d = data;
	char *err = NULL;

	LOG_INFO(cat_daemon, "SIGHUP: reloading %s", d->opts.config_path ? d->opts.config_path
								   : "(defaults and --set only)");
	lumen_daemon_reload(d, &err);
	free(err);
	return G_SOURCE_CONTINUE;
}

static gboolean on_watchdog(gpointer data)
{
	sd_notify(0, "WATCHDOG=1");
	return G_SOURCE_CONTINUE;
}

static void start_watchdog(struct lumen_daemon *d)
{
	uint64_t usec = 0;

	/* Ping at half the interval systemd expects, as sd_watchdog_enabled(3) recommends. */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		guint ms = (guint)(usec / 2000);
		d->watchdog = g_timeout_add(ms ? ms : 1, on_watchdog, d);
		sd_notify(0, "WATCHDOG=1");
		LOG_DEBUG(cat_daemon, "systemd watchdog every %u ms", ms);
	}
}

/* Creates the API, plugin host and admin in layering order. listen=false for --check-config. */
static int start_modules(struct lumen_daemon *d, bool listen, char **err)
{
	static const struct lumen_admin_hooks no_hooks = { 0 };
	struct lumen_admin_hooks hooks = { admin_reload, admin_set_log_level, d };

	d->api = lumen_api_new(d->cfg, err);
	if (!d->api)
		return -EINVAL;
	d->host = lumen_plugin_host_new(d->cfg, lumen_api_core(d->api), NULL, err);
	if (!d->host)
		return -EINVAL;
	lumen_api_set_host(d->api, d->host);
	/* An admin listener that would be public without a credential is a configuration error,
	 * caught by --check-config too, not only at start. */
	if (lumen_admin_check_config(d->cfg, err) < 0)
		return -EINVAL;
	if (!listen)
		return 0;
	if (lumen_plugin_host_start(d->host, err) < 0)
		return -EINVAL;
	d->admin = lumen_admin_new(d->cfg, d->api, d->host, listen ? &hooks : &no_hooks, err);
	if (!d->admin)
		return -EINVAL;
	if (lumen_api_listen(d->api, err) < 0 || lumen_admin_listen(d->admin, err) < 0)
		return -EADDRINUSE;
	return 0;
}

static struct lumen_daemon *daemon_alloc(const struct lumen_daemon_opts *opts)
{
	struct lumen_daemon *d = g_new0(struct lumen_daemon, 1);

	d->opts = *opts;
	d->retired = g_ptr_array_new_with_free_func((GDestroyNotify)lumen_config_free);
	return d;
}

struct lumen_daemon *lumen_daemon_new(const struct lumen_daemon_opts *opts, char **err,
				      int *exit_code)
{
	struct lumen_daemon *d = daemon_alloc(opts);

	*exit_code = LUMEN_EX_CONFIG;
	d->cfg = load_config(opts, err);
	if (!d->cfg || apply_log_config(d->cfg, err) < 0)
		goto fail;
	*exit_code = 1;
	d->loop = g_main_loop_new(NULL, FALSE);
	if (start_modules(d, true, err) < 0)
		goto fail;
	d->sig_term = g_unix_signal_add(SIGTERM, on_stop_signal, d);
	d->sig_int = g_unix_signal_add(SIGINT, on_stop_signal, d);
	d->sig_hup = g_unix_signal_add(SIGHUP, on_hup, d);
	*exit_code = 0;
	return d;
fail:
	lumen_daemon_free(d);
	return NULL;
}

int lumen_daemon_run(struct lumen_daemon *d)
{
	lumen_admin_set_ready(d->admin, true);
	start_watchdog(d);
	LOG_INFO(cat_daemon, "lumen %s ready: client API http://%s/janus, admin API http://%s/admin/v1",
		 PACKAGE_VERSION, d->cfg->http.listen, d->cfg->admin.listen);
	sd_notifyf(0, "READY=1\nSTATUS=Running\nMAINPID=%lu", (unsigned long)getpid());
	g_main_loop_run(d->loop);
	LOG_INFO(cat_daemon, "stopped");
	return d->exit_code;
}

void lumen_daemon_free(struct lumen_daemon *d)
{
	if (!d)
		return;
	if (d->sig_term)
		g_source_remove(d->sig_term);
	if (d->sig_int)
		g_source_remove(d->sig_int);
	if (d->sig_hup)
		g_source_remove(d->sig_hup);
	if (d->watchdog)
		g_source_remove(d->watchdog);
	if (d->stop_timer)
		g_source_remove(d->stop_timer);
	/* Reverse of start: admin reads api and host, api calls into plugins through the host. */
	lumen_admin_free(d->admin);
	lumen_plugin_host_free(d->host);
	lumen_api_free(d->api);
	if (d->loop)
		g_main_loop_unref(d->loop);
	lumen_config_free(d->cfg);
	g_ptr_array_free(d->retired, TRUE);
	g_free(d);
}

int lumen_daemon_check_config(const struct lumen_daemon_opts *opts, char **err)
{
	struct lumen_daemon *d = daemon_alloc(opts);
	int rc = LUMEN_EX_CONFIG;

	d->cfg = load_config(opts, err);
	if (!d->cfg || apply_log_config(d->cfg, err) < 0)
		goto out;
	if (start_modules(d, false, err) < 0)
		goto out;
	rc = 0;
out:
	lumen_daemon_free(d);
	return rc;
}
