/* plugin_probe.c -- loads a plugin directory with the real plugin host and prints what happened,
 * for the plugin script tests (tests/integration/plugin_*.sh).
 *
 *   plugin_probe [--require-signed KEY.pem] [--section NAME=JSON] [--message PACKAGE JSON] DIR
 *
 * Prints one JSON line {"loaded":[package...],"refused":[{file,reason}...],"replies":[...]}, where
 * each reply is {"package","kind":"sync|async|error","data","error","events":[data...]} for one
 * --message sent to a fresh handle. Exit 0, or 1 with {"error":"..."} if the host refused to
 * start. The core it provides is a stub: push_event collects events, log writes to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "plugin/host.h"

struct lumen_handle {
	json_t *events;
};

static int push_event(struct lumen_handle *h, const char *tr, json_t *data, json_t *jsep)
{
	json_array_append_new(h->events, data ? data : json_null());
	json_decref(jsep);
	return 0;
}

static void core_log(const struct lumen_handle *h, enum lumen_log_severity sev, const char *fmt,
                     ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static const struct lumen_core core = {
    .abi_version = LUMEN_PLUGIN_ABI_VERSION,
    .size = sizeof(struct lumen_core),
    .push_event = push_event,
    .log = core_log,
};

static const char *const kinds[] = {"sync", "async", "error"};

static json_t *send_message(const struct lumen_plugin_host *host, const char *package,
                            const char *body_text)
{
	const struct lumen_loaded_plugin *p = lumen_plugin_host_find(host, package);
	struct lumen_handle h = {json_array()};
	json_t *body = json_loads(body_text, 0, NULL), *out;
	void *state = NULL;

	if (!p || !body || p->desc->attach(&h, NULL, &state) < 0) {
		json_decref(body);
		json_decref(h.events);
		return json_pack("{s:s, s:s}", "package", package, "kind", "not attached");
	}
	struct lumen_msg_result r = p->desc->message(&h, state, "probe", body, NULL);
	out = json_pack("{s:s, s:s, s:o, s:s?, s:o}", "package", package, "kind",
	                r.kind <= LUMEN_MSG_ERROR ? kinds[r.kind] : "?", "data",
	                r.data ? r.data : json_null(), "error", r.error, "events", h.events);
	json_decref(r.jsep);
	free(r.error);
	p->desc->detach(&h, state);
	json_decref(body);
	return out;
}

int main(int argc, char **argv)
{
	struct lumen_config cfg = {0};
	char *keys[2] = {NULL, NULL}, *err = NULL;
	GPtrArray *messages = g_ptr_array_new();
	json_t *replies = json_array(), *out;
	int i, rc = 0;

	cfg.plugin_sections = json_object();
	for (i = 1; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--require-signed") == 0) {
			cfg.plugins.require_signed = true;
			keys[0] = argv[i + 1];
		} else if (strcmp(argv[i], "--section") == 0 && strchr(argv[i + 1], '=')) {
			char *name = g_strndup(argv[i + 1], strcspn(argv[i + 1], "="));
			json_t *v = json_loads(strchr(argv[i + 1], '=') + 1, 0, NULL);
			json_object_set_new(cfg.plugin_sections, name, v ? v : json_object());
			g_free(name);
		} else if (strcmp(argv[i], "--message") == 0 && i + 2 < argc) {
			g_ptr_array_add(messages, argv[i + 1]);
			g_ptr_array_add(messages, argv[i + 2]);
			i++;
		} else {
			break;
		}
	}
	if (i != argc - 1) {
		fprintf(stderr,
		        "usage: plugin_probe [--require-signed KEY.pem] [--section NAME=JSON] "
		        "[--message PACKAGE JSON] DIR\n");
		return 2;
	}
	cfg.plugins.dir = argv[i];
	cfg.plugins.trusted_keys = keys;
	struct lumen_plugin_host *host = lumen_plugin_host_new(&cfg, &core, NULL, &err);
	if (!host || lumen_plugin_host_start(host, &err) < 0) {
		out = json_pack("{s:s}", "error", err ? err : "?");
		rc = 1;
	} else {
		json_t *loaded = json_array(), *info = lumen_plugin_host_to_json(host), *p;
		size_t k;
		json_array_foreach(info, k, p)
		    json_array_append(loaded, json_object_get(p, "package"));
		json_decref(info);
		for (guint m = 0; m + 1 < messages->len; m += 2)
			json_array_append_new(replies, send_message(host, messages->pdata[m],
			                                            messages->pdata[m + 1]));
		out = json_pack("{s:o, s:o, s:O}", "loaded", loaded, "refused",
		                lumen_plugin_host_refused(host), "replies", replies);
	}
	char *text = json_dumps(out, JSON_COMPACT);
	puts(text);
	free(text);
	json_decref(out);
	json_decref(replies);
	free(err);
	lumen_plugin_host_free(host);
	json_decref(cfg.plugin_sections);
	g_ptr_array_free(messages, TRUE);
	return rc;
}
