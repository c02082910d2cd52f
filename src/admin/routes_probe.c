/* admin/routes_probe.c -- GET /metrics, /healthz, /readyz and the core's metric families.
 *
 * The core's families are registered in the metric registry (src/metrics.c) like any plugin's,
 * so /metrics is one render of the registry: lumen_sessions, lumen_handles, lumen_requests_total
 * {verb,result}, lumen_errors_total{code}, lumen_plugin_info{package,version},
 * lumen_build_info{version}, lumen_draining, lumen_sessions_created_total,
 * lumen_sessions_timed_out_total and process_start_time_seconds. Their collect callbacks read
 * the API's and the host's admin views at scrape time. Control thread only. */
#include <errno.h>
#include <string.h>

#include "admin/admin_internal.h"
#include "api/api.h"
#include "log.h"
#include "metrics.h"
#include "plugin/host.h"

LUMEN_LOG_CATEGORY(cat_admin_probe, "admin");

#ifndef LUMEN_VERSION
#define LUMEN_VERSION "unknown"
#endif

static struct lumen_api_stats read_stats(const struct lumen_admin *a)
{
	struct lumen_api_stats st = {0};

	lumen_api_get_stats(a->api, &st);
	return st;
}

static void collect_sessions(struct lumen_metrics_out *out, void *arg)
{
	lumen_metrics_emit(out, NULL, NULL, (double)read_stats(arg).sessions);
}

static void collect_handles(struct lumen_metrics_out *out, void *arg)
{
	lumen_metrics_emit(out, NULL, NULL, (double)read_stats(arg).handles);
}

static void collect_created(struct lumen_metrics_out *out, void *arg)
{
	lumen_metrics_emit(out, NULL, NULL, (double)read_stats(arg).sessions_created_total);
}

static void collect_timed_out(struct lumen_metrics_out *out, void *arg)
{
	lumen_metrics_emit(out, NULL, NULL, (double)read_stats(arg).sessions_timed_out_total);
}

static void collect_http_idle(struct lumen_metrics_out *out, void *arg)
{
	lumen_metrics_emit(out, NULL, NULL, (double)read_stats(arg).http_idle_connections);
}

static void collect_http_closed(struct lumen_metrics_out *out, void *arg)
{
	struct lumen_api_stats st = read_stats(arg);

	lumen_metrics_emit(out, NULL, "reason=\"client\"", (double)st.http_closed_by_client_total);
	lumen_metrics_emit(out, NULL, "reason=\"timeout\"", (double)st.http_closed_idle_total);
}

static void collect_requests(struct lumen_metrics_out *out, void *arg)
{
	struct lumen_admin *a = arg;
	json_t *c = lumen_api_counters_json(a->api), *by_result, *n;
	const char *verb, *result;
	GString *labels = g_string_new(NULL);

	json_object_foreach(json_object_get(c, "requests"), verb, by_result)
	{
		json_object_foreach(by_result, result, n)
		{
			if (!json_is_number(n))
				continue;
			g_string_truncate(labels, 0);
			lumen_metrics_label_append(labels, "verb", verb);
			lumen_metrics_label_append(labels, "result", result);
			lumen_metrics_emit(out, NULL, labels->str, json_number_value(n));
		}
	}
	g_string_free(labels, TRUE);
	json_decref(c);
}

static void collect_errors(struct lumen_metrics_out *out, void *arg)
{
	struct lumen_admin *a = arg;
	json_t *c = lumen_api_counters_json(a->api), *n;
	const char *code;
	GString *labels = g_string_new(NULL);

	json_object_foreach(json_object_get(c, "errors"), code, n)
	{
		if (!json_is_number(n))
			continue;
		g_string_truncate(labels, 0);
		lumen_metrics_label_append(labels, "code", code);
		lumen_metrics_emit(out, NULL, labels->str, json_number_value(n));
	}
	g_string_free(labels, TRUE);
	json_decref(c);
}

static void collect_plugins(struct lumen_metrics_out *out, void *arg)
{
	struct lumen_admin *a = arg;
	json_t *all = a->host ? lumen_plugin_host_to_json(a->host) : NULL, *p;
	GString *labels = g_string_new(NULL);
	size_t i;

	json_array_foreach(all, i, p)
	{
		g_string_truncate(labels, 0);
		lumen_metrics_label_append(labels, "package",
		                           json_string_value(json_object_get(p, "package")));
		lumen_metrics_label_append(labels, "version",
		                           json_string_value(json_object_get(p, "version")));
		lumen_metrics_emit(out, NULL, labels->str, 1);
	}
	g_string_free(labels, TRUE);
	json_decref(all);
}

static void collect_build(struct lumen_metrics_out *out, void *arg)
{
	GString *labels = g_string_new(NULL);

	lumen_metrics_label_append(labels, "version", LUMEN_VERSION);
	lumen_metrics_emit(out, NULL, labels->str, 1);
	g_string_free(labels, TRUE);
}

static void collect_draining(struct lumen_metrics_out *out, void *arg)
{
	struct lumen_admin *a = arg;

	lumen_metrics_emit(out, NULL, NULL, lumen_api_draining(a->api) ? 1 : 0);
}

static void collect_start(struct lumen_metrics_out *out, void *arg)
{
	struct lumen_admin *a = arg;

	lumen_metrics_emit(out, NULL, NULL, (double)a->start_wall_us / G_USEC_PER_SEC);
}

static const struct {
	const char *name;
	enum lumen_metric_type type;
	const char *help;
	lumen_metrics_collect_cb collect;
} core_families[] = {
    {"lumen_build_info", LUMEN_METRIC_GAUGE, "Build of the running lumen (always 1).",
     collect_build},
    {"process_start_time_seconds", LUMEN_METRIC_GAUGE,
     "Start time of the process since the Unix epoch in seconds.", collect_start},
    {"lumen_sessions", LUMEN_METRIC_GAUGE, "Client API sessions open now.", collect_sessions},
    {"lumen_handles", LUMEN_METRIC_GAUGE, "Plugin handles attached now.", collect_handles},
    {"lumen_sessions_created_total", LUMEN_METRIC_COUNTER, "Sessions created.", collect_created},
    {"lumen_sessions_timed_out_total", LUMEN_METRIC_COUNTER,
     "Sessions ended by the inactivity timeout.", collect_timed_out},
    {"lumen_http_idle_connections", LUMEN_METRIC_GAUGE,
     "Client API HTTP connections kept alive, idle between two requests now.", collect_http_idle},
    {"lumen_http_keepalive_closed_total", LUMEN_METRIC_COUNTER,
     "Kept-alive client API HTTP connections closed by lumen, by reason: the client had closed "
     "its end, or the idle timeout.", collect_http_closed},
    {"lumen_requests_total", LUMEN_METRIC_COUNTER,
     "Client API requests by verb (janus field) and result (ok or error).", collect_requests},
    {"lumen_errors_total", LUMEN_METRIC_COUNTER, "Client API error replies by Janus error code.",
     collect_errors},
    {"lumen_plugin_info", LUMEN_METRIC_GAUGE, "Loaded plugins by package and version (always 1).",
     collect_plugins},
    {"lumen_draining", LUMEN_METRIC_GAUGE, "1 while new sessions are refused (drain).",
     collect_draining},
};

int lumen_admin_metrics_register(struct lumen_admin *a)
{
	for (size_t i = 0; i < G_N_ELEMENTS(core_families); i++) {
		int ret =
		    lumen_metrics_register_core(core_families[i].name, core_families[i].type,
		                                core_families[i].help, core_families[i].collect, a);

		if (ret < 0) {
			while (i-- > 0)
				lumen_metrics_unregister(core_families[i].name);
			return ret;
		}
	}
	a->metrics_registered = true;
	return 0;
}

void lumen_admin_metrics_unregister(struct lumen_admin *a)
{
	if (!a->metrics_registered)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(core_families); i++)
		lumen_metrics_unregister(core_families[i].name);
	a->metrics_registered = false;
}

void lumen_admin_get_metrics(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                             const json_t *body, enum lumen_admin_role role)
{
	size_t dropped = 0;
	char *text = lumen_metrics_render(&dropped);

	if (dropped)
		LOG_WARN(cat_admin_probe,
		         "/metrics: %zu invalid samples dropped (a plugin emitted a "
		         "wrong name, bad labels or a duplicate label set)",
		         dropped);
	lumen_admin_reply_text(msg, 200, "text/plain; version=0.0.4; charset=utf-8", text);
}

void lumen_admin_get_healthz(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                             const json_t *body, enum lumen_admin_role role)
{
	lumen_admin_reply_text(msg, 200, "text/plain; charset=utf-8", g_strdup("ok\n"));
}

void lumen_admin_get_readyz(struct lumen_admin *a, SoupServerMessage *msg, const char *param,
                            const json_t *body, enum lumen_admin_role role)
{
	if (!a->ready)
		lumen_admin_reply_text(msg, 503, "text/plain; charset=utf-8",
		                       g_strdup("not ready: starting\n"));
	else if (lumen_api_draining(a->api))
		lumen_admin_reply_text(msg, 503, "text/plain; charset=utf-8",
		                       g_strdup("not ready: draining\n"));
	else
		lumen_admin_reply_text(msg, 200, "text/plain; charset=utf-8", g_strdup("ready\n"));
}
