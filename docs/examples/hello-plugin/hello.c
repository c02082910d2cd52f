/* hello.c -- a complete lumen plugin built out of tree against <lumen/plugin.h> only.
 *
 * Package "lumen.example.hello". A client attaches and sends {"request":"hello","name":"Ada"};
 * the plugin answers synchronously {"hello":"Hello, Ada!","count":N}, N counting the greetings
 * of this handle. {"request":"later"} shows the asynchronous form: an ack now, then an event
 * pushed through the core. The optional config group `hello { greeting = "Hi"; }` changes the
 * word. Each handle's callbacks run on that handle's thread, so its state needs no lock; the
 * greeting is written once by init, before any handle exists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lumen/plugin.h>

static const struct lumen_core *core;
static char greeting[64] = "Hello";

struct hello {
	unsigned long count;
};

static int hello_check_config(const json_t *config, char **err)
{
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)config, key, val)
	{
		if (strcmp(key, "greeting") != 0 || !json_is_string(val) ||
		    json_string_length(val) >= sizeof(greeting)) {
			*err = strdup("hello: the only key is greeting, a string under 64 bytes");
			return -EINVAL;
		}
	}
	return 0;
}

static int hello_init(const struct lumen_core *c, const json_t *config, char **err)
{
	int rc = hello_check_config(config, err);
	const char *g = json_string_value(json_object_get(config, "greeting"));

	if (rc < 0)
		return rc;
	if (g)
		snprintf(greeting, sizeof(greeting), "%s", g);
	core = c;
	core->log(NULL, LUMEN_SEV_INFO, "hello plugin ready (greeting \"%s\")", greeting);
	return 0;
}

static int hello_attach(struct lumen_handle *h, const struct lumen_identity *who, void **state)
{
	struct hello *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*state = s;
	return 0;
}

static void hello_detach(struct lumen_handle *h, void *state)
{
	free(state);
}

static struct lumen_msg_result error(int code, const char *text)
{
	return (struct lumen_msg_result){
	    .kind = LUMEN_MSG_ERROR, .error_code = code, .error = strdup(text)};
}

static struct lumen_msg_result hello_message(struct lumen_handle *h, void *state,
                                             const char *transaction, const json_t *body,
                                             const json_t *jsep)
{
	struct hello *s = state;
	const char *request = json_string_value(json_object_get(body, "request"));
	const char *name = json_string_value(json_object_get(body, "name"));
	char text[160];

	if (!request)
		return error(456, "missing request");
	if (strcmp(request, "later") == 0) {
		/* delivered after the ack, even though we push it from inside the callback */
		core->push_event(h, transaction, json_pack("{s:s}", "hello", "later"), NULL);
		return (struct lumen_msg_result){.kind = LUMEN_MSG_ASYNC};
	}
	if (strcmp(request, "hello") != 0)
		return error(457, "unknown request");
	snprintf(text, sizeof(text), "%s, %.64s!", greeting, name ? name : "stranger");
	s->count++;
	return (struct lumen_msg_result){
	    .kind = LUMEN_MSG_SYNC,
	    .data = json_pack("{s:s, s:I}", "hello", text, "count", (json_int_t)s->count),
	};
}

static const struct lumen_plugin hello_plugin = {
    .abi_version = LUMEN_PLUGIN_ABI_VERSION,
    .name = "Hello",
    .package = "lumen.example.hello",
    .version = "0.1.0",
    .description = "Greets whoever asks: the out-of-tree example of the plugin guide",
    .author = "lumen documentation",
    .config_section = "hello",
    .init = hello_init,
    .attach = hello_attach,
    .message = hello_message,
    .detach = hello_detach,
    .check_config = hello_check_config,
};

LUMEN_PLUGIN_DEFINE(hello_plugin)
