/* testplugin.h -- shared body of the loader's test plugins (the .c files of this directory).
 *
 * Each test plugin reports its lifecycle through core->log as "EVENT PACKAGE" lines ("init
 * lumen.test.good {"x":1}", "start ...", "stop ...", "destroy ..."), which the fake core of
 * test_plugin_host records, so the tests see the order in which the host called them. A config
 * {"fail_init": true} makes init fail; {"fail_start": true} makes start fail. */
#ifndef LUMEN_TESTPLUGIN_H
#define LUMEN_TESTPLUGIN_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lumen/plugin.h>

static const struct lumen_core *tp_core;
static const struct lumen_plugin tp_desc;
static bool tp_fail_start;

static int tp_init(const struct lumen_core *core, const json_t *config, char **err)
{
	char *dump = config ? json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	tp_core = core;
	core->log(NULL, LUMEN_SEV_INFO, "init %s %s", tp_desc.package, dump ? dump : "null");
	free(dump);
	if (json_is_true(json_object_get(config, "fail_init"))) {
		*err = strdup("fail_init is set");
		return -EINVAL;
	}
	tp_fail_start = json_is_true(json_object_get(config, "fail_start"));
	return 0;
}

static int tp_start(void)
{
	tp_core->log(NULL, LUMEN_SEV_INFO, "start %s", tp_desc.package);
	return tp_fail_start ? -EIO : 0;
}

static void tp_stop(void)
{
	tp_core->log(NULL, LUMEN_SEV_INFO, "stop %s", tp_desc.package);
}

static void tp_destroy(void)
{
	tp_core->log(NULL, LUMEN_SEV_INFO, "destroy %s", tp_desc.package);
}

static int tp_attach(struct lumen_handle *h, const struct lumen_identity *who, void **state)
{
	*state = NULL;
	return 0;
}

static struct lumen_msg_result tp_message(struct lumen_handle *h, void *state, const char *tr,
                                          const json_t *body, const json_t *jsep)
{
	return (struct lumen_msg_result){.kind = LUMEN_MSG_SYNC, .data = json_object()};
}

static void tp_detach(struct lumen_handle *h, void *state)
{
}

static int tp_check_config(const json_t *config, char **err)
{
	if (json_is_true(json_object_get(config, "fail_init"))) {
		*err = strdup("fail_init: not allowed");
		return -EINVAL;
	}
	return 0;
}

/* Defines the descriptor of a test plugin. */
#define TEST_PLUGIN(abi, pkg, ver, section, dep_list)                                              \
	static const struct lumen_plugin tp_desc = {                                               \
	    .abi_version = (abi),                                                                  \
	    .name = "Test plugin " pkg,                                                            \
	    .package = pkg,                                                                        \
	    .version = ver,                                                                        \
	    .description = "a plugin of the loader tests",                                         \
	    .author = "lumen tests",                                                               \
	    .config_section = section,                                                             \
	    .deps = dep_list,                                                                      \
	    .init = tp_init,                                                                       \
	    .start = tp_start,                                                                     \
	    .stop = tp_stop,                                                                       \
	    .destroy = tp_destroy,                                                                 \
	    .attach = tp_attach,                                                                   \
	    .message = tp_message,                                                                 \
	    .detach = tp_detach,                                                                   \
	    .check_config = tp_check_config,                                                       \
	};                                                                                         \
	LUMEN_PLUGIN_DEFINE(tp_desc)

#endif
