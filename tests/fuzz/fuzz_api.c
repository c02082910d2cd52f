/* fuzz_api.c -- libFuzzer target for the client API's request entry point, api_process_text: the
 * bodies that untrusted clients POST or send over a WebSocket.
 *
 * One input is a session of up to MAX_REQUESTS requests separated by '\n', so that a single input
 * can create a session, attach and then send messages, trickles and hangups. Ids are random, so
 * the harness rewrites "$S" and "$H" in a request to the last session and handle ids it was given.
 * A line that starts with '@' chooses its origin by the next byte: 'r' HTTP at /janus, 's' HTTP at
 * /janus/$S, 'h' HTTP at /janus/$S/$H; otherwise the ids travel in the body (WebSocket-style).
 *
 * Oracle: every reply is a JSON object that survives a dump and reload unchanged, with a string
 * "janus"; an error carries an object with an integer code and a string reason; a request whose
 * "transaction" was a string gets that transaction back.
 *
 * The API object is built once (as tests/unit/test_api_protocol.c builds it: a fake plugin behind
 * a host double, an injected clock) and kept: every input ends by destroying its sessions and
 * running the loop a few turns, and the object is rebuilt every REBUILD_EVERY inputs, so memory
 * stays flat however long libFuzzer runs. The API's log goes to /dev/null unless FUZZ_API_LOG is
 * set in the environment. Replayed over the corpus by tests/fuzz/replay.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "log.h"
#include "plugin/host.h"

#define MAX_REQUESTS  32
#define REBUILD_EVERY 1000
#define LOOP_TURNS    16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- fake plugins and host double ---- */

static const struct lumen_core *fake_core;

static int fake_attach(struct lumen_handle *h, const struct lumen_identity *who, void **state)
{
	if (who->user && strcmp(who->user, "refused") == 0)
		return -EPERM;
	*state = g_strdup("state");
	return 0;
}

/* Media-only SDP as a plugin writes it; the peer connection adds ICE and DTLS. */
#define PLUGIN_SDP(dir)                                                                            \
	"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"                                        \
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"                                  \
	"a=mid:0\r\na=" dir "\r\na=rtpmap:111 opus/48000/2\r\n"

/* The same requests as the unit test's fake plugin, plus a synchronous answer to the client's
 * offer (message_result's jsep path) and a plain asynchronous event. */
static struct lumen_msg_result fake_message(struct lumen_handle *h, void *state, const char *tr,
                                            const json_t *body, const json_t *jsep)
{
	const char *req = json_string_value(json_object_get(body, "request"));
	struct lumen_msg_result r = {.kind = LUMEN_MSG_SYNC};

	if (req == NULL) {
		r.data = json_pack("{s:O}", "echo", (json_t *)body);
	} else if (strcmp(req, "async") == 0) {
		fake_core->push_event(h, tr, json_pack("{s:s}", "result", "done"), NULL);
		r.kind = LUMEN_MSG_ASYNC;
	} else if (strcmp(req, "error") == 0) {
		r.kind = LUMEN_MSG_ERROR;
		r.error = strdup("nope");
	} else if (strcmp(req, "offer") == 0) {
		fake_core->push_event(
		    h, tr, json_object(),
		    json_pack("{s:s, s:s}", "type", "offer", "sdp", PLUGIN_SDP("sendrecv")));
		r.kind = LUMEN_MSG_ASYNC;
	} else if (strcmp(req, "answer") == 0) {
		r.jsep = json_pack("{s:s, s:s}", "type", "answer", "sdp", PLUGIN_SDP("recvonly"));
	} else if (strcmp(req, "end") == 0) {
		fake_core->end_handle(h);
	} else {
		r.data = json_pack("{s:O}", "echo", (json_t *)body);
	}
	return r;
}

static void fake_detach(struct lumen_handle *h, void *state)
{
	g_free(state);
}

static void fake_hangup(struct lumen_handle *h, void *state, const char *reason)
{
}

static void fake_setup(struct lumen_handle *h, void *state)
{
}

static const struct lumen_plugin fake_plugin = {
    .abi_version = LUMEN_PLUGIN_ABI_VERSION,
    .name = "Fake",
    .package = "lumen.plugin.fake",
    .version = "1.0.0",
    .description = "fuzz double",
    .author = "tests",
    .attach = fake_attach,
    .message = fake_message,
    .detach = fake_detach,
    .hangup = fake_hangup,
    .setup_media = fake_setup,
};

/* A plugin with no optional callbacks: messages and hangups must be refused or skipped. */
static const struct lumen_plugin mute_plugin = {
    .abi_version = LUMEN_PLUGIN_ABI_VERSION,
    .name = "Mute",
    .package = "lumen.plugin.mute",
    .version = "1.0.0",
    .attach = fake_attach,
    .detach = fake_detach,
};

static const struct lumen_loaded_plugin loaded[] = {
    {&fake_plugin, (char *)"builtin", true},
    {&mute_plugin, (char *)"builtin", true},
};
static const struct lumen_loaded_plugin *const loaded_list[] = {&loaded[0], &loaded[1]};

const struct lumen_loaded_plugin *lumen_plugin_host_find(const struct lumen_plugin_host *host,
                                                         const char *package)
{
	for (size_t i = 0; i < G_N_ELEMENTS(loaded); i++)
		if (strcmp(package, loaded[i].desc->package) == 0)
			return &loaded[i];
	return NULL;
}

size_t lumen_plugin_host_list(const struct lumen_plugin_host *host,
                              const struct lumen_loaded_plugin *const **out)
{
	*out = loaded_list;
	return G_N_ELEMENTS(loaded_list);
}

const char *lumen_plugin_host_current(void)
{
	return NULL; /* no lifecycle hook runs here */
}

/* ---- the API object, kept across inputs ---- */

static struct lumen_config *cfg;
static struct lumen_api *api;
static unsigned inputs_since_build;
static int host_token;
static int64_t fake_now = 1000000;

static int64_t now_fn(void)
{
	return fake_now;
}

/* Small limits, so that short inputs reach the "too many" branches; a token secret, so that
 * tokens are verified (seeds carry HS256 tokens signed with it); one worker, so no threads. */
static const char *const overrides[] = {
    "media.ice_enforce=127.0.0.1",   "media.workers=1",           "api.max_sessions=8",
    "api.max_sessions_per_ip=6",     "api.create_rate=5",         "api.create_burst=4",
    "api.max_handles_per_session=4", "api.max_pending_events=16", "api.token_secret=fuzz-secret",
};

static void run_loop(void)
{
	/* Bounded: the deferred end_handle, event flushes and pc frees run; timers may not. */
	for (int i = 0; i < LOOP_TURNS && g_main_context_iteration(NULL, FALSE); i++)
		;
}

static void api_drop(void)
{
	lumen_api_free(api);
	run_loop();
	lumen_config_free(cfg);
	api = NULL;
	cfg = NULL;
}

static void api_build(void)
{
	static FILE *devnull;
	char *err = NULL;

	if (devnull == NULL && getenv("FUZZ_API_LOG") == NULL) {
		devnull = fopen("/dev/null", "w");
		lumen_log_set_stream(devnull);
	}
	cfg = lumen_config_load(NULL, overrides, G_N_ELEMENTS(overrides), &err);
	if (cfg == NULL) {
		fprintf(stderr, "fuzz_api: config: %s\n", err ? err : "?");
		abort();
	}
	api = lumen_api_new(cfg, &err);
	if (api == NULL) {
		fprintf(stderr, "fuzz_api: api: %s\n", err ? err : "?");
		abort();
	}
	api->now_us = now_fn;
	lumen_api_set_host(api, (struct lumen_plugin_host *)&host_token);
	fake_core = lumen_api_core(api);
	inputs_since_build = 0;
}

/* ---- one request ---- */

struct ids {
	uint64_t session, handle;
};

static void fail(const char *why, const char *text, size_t len, const json_t *reply)
{
	char *dump = reply ? json_dumps(reply, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	fprintf(stderr, "fuzz_api: %s\nrequest: %.*s\nreply: %s\n", why, (int)len, text,
	        dump ? dump : "(null)");
	free(dump);
	abort();
}

static void check_reply(const char *text, size_t len, const json_t *req, const json_t *reply)
{
	const json_t *jt = json_object_get(req, "transaction"), *rt, *err;
	char *dump;
	json_t *back;

	if (!json_is_object(reply))
		fail("reply is not a JSON object", text, len, reply);
	dump = json_dumps(reply, JSON_COMPACT);
	back = dump ? json_loads(dump, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (back == NULL || !json_equal(back, reply))
		fail("reply does not survive a dump and reload", text, len, reply);
	json_decref(back);
	free(dump);
	if (!json_is_string(json_object_get(reply, "janus")))
		fail("reply has no string \"janus\"", text, len, reply);
	if (strcmp(json_string_value(json_object_get(reply, "janus")), "error") == 0) {
		err = json_object_get(reply, "error");
		if (!json_is_integer(json_object_get(err, "code")) ||
		    !json_is_string(json_object_get(err, "reason")))
			fail("error without an integer code and a string reason", text, len, reply);
	}
	if (!json_is_string(jt))
		return;
	rt = json_object_get(reply, "transaction");
	if (!json_is_string(rt) || json_string_length(rt) != json_string_length(jt) ||
	    memcmp(json_string_value(rt), json_string_value(jt), json_string_length(jt)) != 0)
		fail("reply does not echo the transaction", text, len, reply);
}

/* Remembers the id a successful create or attach handed out, for "$S" and "$H". */
static void note_ids(const json_t *req, const json_t *reply, struct ids *ids)
{
	const char *verb = json_string_value(json_object_get(req, "janus"));
	const char *kind = json_string_value(json_object_get(reply, "janus"));
	json_t *id = json_object_get(json_object_get(reply, "data"), "id");

	if (verb == NULL || kind == NULL || strcmp(kind, "success") != 0 || !json_is_integer(id))
		return;
	if (strcmp(verb, "create") == 0)
		ids->session = (uint64_t)json_integer_value(id);
	else if (strcmp(verb, "attach") == 0)
		ids->handle = (uint64_t)json_integer_value(id);
}

static GString *substitute(const char *line, size_t len, const struct ids *ids)
{
	GString *out = g_string_sized_new(len + 32);

	for (size_t i = 0; i < len; i++) {
		if (line[i] == '$' && i + 1 < len && (line[i + 1] == 'S' || line[i + 1] == 'H')) {
			g_string_append_printf(out, "%" PRIu64,
			                       line[i + 1] == 'S' ? ids->session : ids->handle);
			i++;
			continue;
		}
		g_string_append_c(out, line[i]);
	}
	return out;
}

static void one_request(const char *line, size_t len, struct ids *ids)
{
	struct api_origin from = {.ip = "127.0.0.1"};
	json_t *req, *reply;
	GString *text;

	if (len >= 2 && line[0] == '@') {
		from.http = line[1] == 'r' || line[1] == 's' || line[1] == 'h';
		from.path_session = line[1] == 's' || line[1] == 'h' ? ids->session : 0;
		from.path_handle = line[1] == 'h' ? ids->handle : 0;
		line += 2;
		len -= 2;
	}
	text = substitute(line, len, ids);
	/* The same flags as api_process_text: what it takes for the request, the oracle takes. */
	req = json_loadb(text->str, text->len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	fake_now += 100 * 1000;
	reply = api_process_text(api, text->str, text->len, &from);
	if (reply == NULL)
		fail("NULL reply", text->str, text->len, NULL);
	check_reply(text->str, text->len, req, reply);
	note_ids(req, reply, ids);
	json_decref(reply);
	json_decref(req);
	g_string_free(text, TRUE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct ids ids = {0, 0};

	if (api == NULL)
		api_build();
	/* Far enough past the last input that rate buckets are full again: inputs do not depend on
	 * the ones before them. */
	fake_now += 60 * G_USEC_PER_SEC;
	for (int n = 0; n < MAX_REQUESTS && p <= end; n++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		one_request(p, len, &ids);
		if (!nl)
			break;
		p = nl + 1;
	}
	lumen_api_shutdown(api);
	run_loop();
	if (++inputs_since_build >= REBUILD_EVERY)
		api_drop(); /* rebuilt by the next input */
	return 0;
}
