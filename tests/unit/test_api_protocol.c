/* test_api_protocol.c -- the Janus protocol core of src/api without sockets: requests go through
 * api_process_text with an HTTP or WebSocket-style origin, a fake plugin stands behind a test
 * double of the plugin host, and time is injected (api->now_us) so timeouts never sleep.
 *
 * One file per module, as STYLE.md asks: it is long because it is the module's whole
 * specification, one small Test() per behaviour; splitting it by topic would scatter that.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jwt.h>

#include "api/api_internal.h"
#include "plugin/host.h"

/* ---- fake plugin and host double ---- */

static const struct lumen_core *fake_core;
static int n_attach, n_detach, n_hangup, n_setup;
static char last_user[64], last_room[64], last_role[64];

static int fake_attach(struct lumen_handle *h, const struct lumen_identity *who, void **state)
{
	if (who->user && strcmp(who->user, "refused") == 0)
		return -EPERM;
	n_attach++;
	snprintf(last_user, sizeof(last_user), "%s", who->user ? who->user : "");
	snprintf(last_room, sizeof(last_room), "%s", who->room ? who->room : "");
	snprintf(last_role, sizeof(last_role), "%s", who->role ? who->role : "");
	*state = g_strdup("state");
	return 0;
}

/* Descriptions the WebRTC engine accepts, written as JSON string contents: a client's offer and
 * answer (ICE credentials, a fingerprint, a DTLS role, rtcp-mux), and the media-only offer a
 * plugin writes. */
#define SDP_HEAD "v=0\\r\\no=- 1 1 IN IP4 0.0.0.0\\r\\ns=-\\r\\nt=0 0\\r\\n"
#define SDP_AUDIO                                                                                  \
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\nc=IN IP4 0.0.0.0\\r\\na=mid:0\\r\\n"                       \
	"a=rtcp-mux\\r\\na=rtpmap:111 opus/48000/2\\r\\n"
#define SDP_ICE_DTLS                                                                               \
	"a=ice-ufrag:abcd\\r\\na=ice-pwd:abcdefghijklmnopqrstuvwx\\r\\n"                                \
	"a=fingerprint:sha-256 AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:"     \
	"AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB\\r\\n"
#define CLIENT_OFFER SDP_HEAD SDP_AUDIO SDP_ICE_DTLS "a=setup:actpass\\r\\n"
#define CLIENT_ANSWER SDP_HEAD SDP_AUDIO SDP_ICE_DTLS "a=setup:active\\r\\n"
static const char plugin_offer[] = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
				   "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
				   "a=mid:0\r\na=rtpmap:111 opus/48000/2\r\n";

static struct lumen_msg_result fake_message(struct lumen_handle *h, void *state, const char *tr,
					    const json_t *body, const json_t *jsep)
{
	const char *req = json_string_value(json_object_get(body, "request"));
	struct lumen_msg_result r = { .kind = LUMEN_MSG_SYNC };

	if (req && strcmp(req, "async") == 0) {
		fake_core->push_event(h, tr, json_pack("{s:s}", "result", "done"), NULL);
		r.kind = LUMEN_MSG_ASYNC;
	} else if (req && strcmp(req, "error") == 0) {
		r.kind = LUMEN_MSG_ERROR;
		r.error = strdup("nope");
	} else if (req && strcmp(req, "offer") == 0) {
		fake_core->push_event(h, tr, json_object(),
				      json_pack("{s:s, s:s}", "type", "offer", "sdp", plugin_offer));
		r.kind = LUMEN_MSG_ASYNC;
	} else if (req && strcmp(req, "end") == 0) {
		fake_core->end_handle(h);
	} else {
		r.data = json_pack("{s:O}", "echo", body);
	}
	return r;
}

static void fake_detach(struct lumen_handle *h, void *state)
{
	n_detach++;
	g_free(state);
}

static void fake_hangup(struct lumen_handle *h, void *state, const char *reason)
{
	n_hangup++;
}

static void fake_setup(struct lumen_handle *h, void *state)
{
	n_setup++;
}

static const struct lumen_plugin fake_plugin = {
	.abi_version = LUMEN_PLUGIN_ABI_VERSION,
	.name = "Fake",
	.package = "lumen.plugin.fake",
	.version = "1.0.0",
	.description = "test double",
	.author = "tests",
	.attach = fake_attach,
	.message = fake_message,
	.detach = fake_detach,
	.hangup = fake_hangup,
	.setup_media = fake_setup,
};
static const struct lumen_loaded_plugin fake_loaded = { &fake_plugin, (char *)"builtin", true };

const struct lumen_loaded_plugin *lumen_plugin_host_find(const struct lumen_plugin_host *host,
							 const char *package)
{
	return strcmp(package, fake_plugin.package) == 0 ? &fake_loaded : NULL;
}

size_t lumen_plugin_host_list(const struct lumen_plugin_host *host,
			      const struct lumen_loaded_plugin *const **out)
{
	static const struct lumen_loaded_plugin *const list[] = { &fake_loaded };

	*out = list;
	return 1;
}

const char *lumen_plugin_host_current(void)
{
	return NULL; /* no lifecycle hook runs in these tests */
}

/* ---- fixture ---- */

static struct lumen_config *cfg;
static struct lumen_api *api;
static int64_t fake_now = 1000000;
static int host_token;

static int64_t now_fn(void)
{
	return fake_now;
}

static void start(const char *const *overrides, size_t n)
{
	char *err = NULL;

	const char **all = g_new0(const char *, n + 2);

	/* Peer connections gather on loopback only, whatever the machine's interfaces. */
	all[0] = "media.ice_enforce=127.0.0.1";
	for (size_t i = 0; i < n; i++)
		all[i + 1] = overrides[i];
	cfg = lumen_config_load(NULL, all, n + 1, &err);
	g_free(all);
	cr_assert_not_null(cfg, "config: %s", err ? err : "");
	api = lumen_api_new(cfg, &err);
	cr_assert_not_null(api, "api: %s", err ? err : "");
	api->now_us = now_fn;
	lumen_api_set_host(api, (struct lumen_plugin_host *)&host_token);
	fake_core = lumen_api_core(api);
	n_attach = n_detach = n_hangup = n_setup = 0;
}

static void setup_default(void)
{
	start(NULL, 0);
}

static void teardown(void)
{
	lumen_api_free(api);
	lumen_config_free(cfg);
	api = NULL;
	cfg = NULL;
}

static const struct api_origin http_root = { .ip = "127.0.0.1", .http = true };

static json_t *send_from(const struct api_origin *from, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static json_t *send_from(const struct api_origin *from, const char *fmt, ...)
{
	va_list ap;
	char *text;
	json_t *reply;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	reply = api_process_text(api, text, strlen(text), from);
	g_free(text);
	return reply;
}

/* A WebSocket-style origin: ids travel in the request body. */
static const struct api_origin ws_like = { .ip = "127.0.0.1" };
#define SEND(...) send_from(&ws_like, __VA_ARGS__)

static const char *kind(const json_t *r)
{
	return json_string_value(json_object_get(r, "janus"));
}

static json_int_t code(const json_t *r)
{
	return json_integer_value(json_object_get(json_object_get(r, "error"), "code"));
}

static uint64_t data_id(const json_t *r)
{
	return (uint64_t)json_integer_value(json_object_get(json_object_get(r, "data"), "id"));
}

static void expect_error(json_t *r, int want)
{
	char *dump = json_dumps(r, JSON_COMPACT);

	cr_expect_str_eq(kind(r), "error", "reply %s", dump);
	cr_expect_eq(code(r), want, "want %d, reply %s", want, dump);
	cr_expect(json_is_string(json_object_get(json_object_get(r, "error"), "reason")));
	free(dump);
	json_decref(r);
}

static uint64_t create_session(void)
{
	json_t *r = SEND("{\"janus\":\"create\",\"transaction\":\"c\"}");
	uint64_t id;

	cr_assert_str_eq(kind(r), "success");
	id = data_id(r);
	cr_assert_gt(id, 0);
	json_decref(r);
	return id;
}

static uint64_t attach(uint64_t sid)
{
	json_t *r = SEND("{\"janus\":\"attach\",\"transaction\":\"a\",\"session_id\":%" PRIu64
			 ",\"plugin\":\"lumen.plugin.fake\"}", sid);
	uint64_t id;

	cr_assert_str_eq(kind(r), "success");
	id = data_id(r);
	json_decref(r);
	return id;
}

static struct api_session *session_of(uint64_t sid)
{
	return api_session_find(api, sid);
}

/* Pops the next queued event of a session (flush is an idle callback; tests read the queue). */
static json_t *next_event(uint64_t sid)
{
	struct api_session *s = session_of(sid);

	return s ? api_evq_pop(&s->events) : NULL;
}

TestSuite(api_protocol, .init = setup_default, .fini = teardown);

Test(api_protocol, rejects_text_that_is_not_json_with_454)
{
	expect_error(SEND("{\"janus\":"), API_ERR_INVALID_JSON);
	/* jansson's message quotes the input up to the bad escape: here the first byte of a
	 * two-byte character. The reason must still be there, as valid UTF-8 (fuzz_api). */
	expect_error(SEND("\"\\\xc8\xbc"), API_ERR_INVALID_JSON);
}

Test(api_protocol, rejects_json_that_is_not_an_object_with_455)
{
	expect_error(SEND("[1,2]"), API_ERR_INVALID_JSON_OBJECT);
	expect_error(SEND("\"create\""), API_ERR_INVALID_JSON_OBJECT);
}

Test(api_protocol, rejects_an_empty_body_with_452)
{
	expect_error(api_process_text(api, "", 0, &ws_like), API_ERR_MISSING_REQUEST);
}

Test(api_protocol, names_the_missing_or_mistyped_envelope_element)
{
	expect_error(SEND("{\"transaction\":\"t\"}"), API_ERR_MISSING_MANDATORY_ELEMENT);
	expect_error(SEND("{\"janus\":7,\"transaction\":\"t\"}"), API_ERR_INVALID_ELEMENT_TYPE);
	expect_error(SEND("{\"janus\":\"create\"}"), API_ERR_MISSING_MANDATORY_ELEMENT);
	expect_error(SEND("{\"janus\":\"create\",\"transaction\":5}"), API_ERR_INVALID_ELEMENT_TYPE);
	expect_error(SEND("{\"janus\":\"fly\",\"transaction\":\"t\"}"), API_ERR_UNKNOWN_REQUEST);
}

Test(api_protocol, echoes_the_transaction_in_errors)
{
	json_t *r = SEND("{\"janus\":\"fly\",\"transaction\":\"abc\"}");

	cr_expect_str_eq(json_string_value(json_object_get(r, "transaction")), "abc");
	json_decref(r);
}

Test(api_protocol, info_lists_the_started_plugins)
{
	json_t *r = SEND("{\"janus\":\"info\",\"transaction\":\"i\"}");

	cr_expect_str_eq(kind(r), "server_info");
	cr_expect_not_null(json_object_get(json_object_get(r, "plugins"), "lumen.plugin.fake"));
	cr_expect_eq(json_integer_value(json_object_get(r, "session-timeout")), 60);
	json_decref(r);
}

Test(api_protocol, create_keepalive_destroy_then_the_session_is_not_found)
{
	uint64_t sid = create_session();
	json_t *r = SEND("{\"janus\":\"keepalive\",\"transaction\":\"k\",\"session_id\":%" PRIu64 "}",
			 sid);

	cr_expect_str_eq(kind(r), "ack");
	cr_expect_eq((uint64_t)json_integer_value(json_object_get(r, "session_id")), sid);
	json_decref(r);
	r = SEND("{\"janus\":\"destroy\",\"transaction\":\"d\",\"session_id\":%" PRIu64 "}", sid);
	cr_expect_str_eq(kind(r), "success");
	json_decref(r);
	expect_error(SEND("{\"janus\":\"keepalive\",\"transaction\":\"k\",\"session_id\":%" PRIu64 "}",
			  sid), API_ERR_SESSION_NOT_FOUND);
	cr_expect_eq(api->stats.sessions, 0);
}

Test(api_protocol, session_ids_are_nonzero_and_fit_javascript_numbers)
{
	for (int i = 0; i < 10; i++) {
		uint64_t sid = create_session();

		cr_expect_lt(sid, UINT64_C(1) << 53);
	}
}

Test(api_protocol, create_with_a_taken_id_is_a_468_conflict)
{
	uint64_t sid = create_session();

	expect_error(SEND("{\"janus\":\"create\",\"transaction\":\"c\",\"id\":%" PRIu64 "}", sid),
		     API_ERR_SESSION_CONFLICT);
	expect_error(SEND("{\"janus\":\"create\",\"transaction\":\"c\",\"id\":\"x\"}"),
		     API_ERR_INVALID_ELEMENT_TYPE);
	json_t *r = SEND("{\"janus\":\"create\",\"transaction\":\"c\",\"id\":4242}");
	cr_expect_eq(data_id(r), 4242);
	json_decref(r);
}

Test(api_protocol, session_requests_need_a_session_id)
{
	expect_error(SEND("{\"janus\":\"attach\",\"transaction\":\"a\",\"plugin\":\"x\"}"),
		     API_ERR_MISSING_MANDATORY_ELEMENT);
	expect_error(SEND("{\"janus\":\"keepalive\",\"transaction\":\"k\",\"session_id\":\"7\"}"),
		     API_ERR_INVALID_ELEMENT_TYPE);
	expect_error(SEND("{\"janus\":\"keepalive\",\"transaction\":\"k\",\"session_id\":7}"),
		     API_ERR_SESSION_NOT_FOUND);
}

Test(api_protocol, http_paths_decide_scope_with_457)
{
	uint64_t sid = create_session();
	struct api_origin at_session = { .ip = "127.0.0.1", .http = true, .path_session = sid };

	expect_error(send_from(&at_session, "{\"janus\":\"create\",\"transaction\":\"c\"}"),
		     API_ERR_INVALID_REQUEST_PATH);
	expect_error(send_from(&at_session, "{\"janus\":\"message\",\"transaction\":\"m\","
			       "\"body\":{}}"), API_ERR_INVALID_REQUEST_PATH);
	expect_error(send_from(&http_root, "{\"janus\":\"attach\",\"transaction\":\"m\","
			       "\"plugin\":\"lumen.plugin.fake\"}"), API_ERR_INVALID_REQUEST_PATH);
	json_t *r = send_from(&at_session, "{\"janus\":\"attach\",\"transaction\":\"a\","
			      "\"plugin\":\"lumen.plugin.fake\"}");
	cr_expect_str_eq(kind(r), "success");
	json_decref(r);
}

Test(api_protocol, attach_errors_460_456_467_and_handle_lookup_459)
{
	uint64_t sid = create_session();

	expect_error(SEND("{\"janus\":\"attach\",\"transaction\":\"a\",\"session_id\":%" PRIu64
			  ",\"plugin\":\"janus.plugin.nope\"}", sid), API_ERR_PLUGIN_NOT_FOUND);
	expect_error(SEND("{\"janus\":\"attach\",\"transaction\":\"a\",\"session_id\":%" PRIu64 "}",
			  sid), API_ERR_MISSING_MANDATORY_ELEMENT);
	expect_error(SEND("{\"janus\":\"attach\",\"transaction\":\"a\",\"session_id\":%" PRIu64
			  ",\"plugin\":1}", sid), API_ERR_INVALID_ELEMENT_TYPE);
	expect_error(SEND("{\"janus\":\"message\",\"transaction\":\"m\",\"session_id\":%" PRIu64
			  ",\"handle_id\":99,\"body\":{}}", sid), API_ERR_HANDLE_NOT_FOUND);
	expect_error(SEND("{\"janus\":\"message\",\"transaction\":\"m\",\"session_id\":%" PRIu64
			  ",\"body\":{}}", sid), API_ERR_MISSING_MANDATORY_ELEMENT);
}

Test(api_protocol, sync_message_replies_success_with_plugindata)
{
	uint64_t sid = create_session(), hid = attach(sid);
	json_t *r = SEND("{\"janus\":\"message\",\"transaction\":\"m\",\"session_id\":%" PRIu64
			 ",\"handle_id\":%" PRIu64 ",\"body\":{\"request\":\"hi\"}}", sid, hid);
	json_t *pd = json_object_get(r, "plugindata");

	cr_expect_str_eq(kind(r), "success");
	cr_expect_eq((uint64_t)json_integer_value(json_object_get(r, "sender")), hid);
	cr_expect_str_eq(json_string_value(json_object_get(pd, "plugin")), "lumen.plugin.fake");
	cr_expect_str_eq(json_string_value(json_object_get(
				 json_object_get(json_object_get(pd, "data"), "echo"), "request")),
			 "hi");
	json_decref(r);
}

Test(api_protocol, async_message_acks_then_queues_the_event_with_its_transaction)
{
	uint64_t sid = create_session(), hid = attach(sid);
	json_t *r = SEND("{\"janus\":\"message\",\"transaction\":\"t9\",\"session_id\":%" PRIu64
			 ",\"handle_id\":%" PRIu64 ",\"body\":{\"request\":\"async\"}}", sid, hid);
	json_t *ev;

	cr_expect_str_eq(kind(r), "ack");
	json_decref(r);
	ev = next_event(sid);
	cr_assert_not_null(ev);
	cr_expect_str_eq(kind(ev), "event");
	cr_expect_str_eq(json_string_value(json_object_get(ev, "transaction")), "t9");
	cr_expect_eq((uint64_t)json_integer_value(json_object_get(ev, "sender")), hid);
	cr_expect_eq((uint64_t)json_integer_value(json_object_get(ev, "session_id")), sid);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(
				 json_object_get(ev, "plugindata"), "data"), "result")), "done");
	json_decref(ev);
}

Test(api_protocol, plugin_errors_become_462)
{
	uint64_t sid = create_session(), hid = attach(sid);

	expect_error(SEND("{\"janus\":\"message\",\"transaction\":\"m\",\"session_id\":%" PRIu64
			  ",\"handle_id\":%" PRIu64 ",\"body\":{\"request\":\"error\"}}", sid, hid),
		     API_ERR_PLUGIN_MESSAGE);
}

Test(api_protocol, message_body_is_mandatory_and_an_object)
{
	uint64_t sid = create_session(), hid = attach(sid);

	expect_error(SEND("{\"janus\":\"message\",\"transaction\":\"m\",\"session_id\":%" PRIu64
			  ",\"handle_id\":%" PRIu64 "}", sid, hid), API_ERR_MISSING_MANDATORY_ELEMENT);
	expect_error(SEND("{\"janus\":\"message\",\"transaction\":\"m\",\"session_id\":%" PRIu64
			  ",\"handle_id\":%" PRIu64 ",\"body\":[]}", sid, hid),
		     API_ERR_INVALID_ELEMENT_TYPE);
}

Test(api_protocol, jsep_is_checked_before_the_plugin_sees_it)
{
	uint64_t sid = create_session(), hid = attach(sid);
	const char *pre = "{\"janus\":\"message\",\"transaction\":\"m\",\"body\":{},";

	expect_error(SEND("%s\"session_id\":%" PRIu64 ",\"handle_id\":%" PRIu64 ",\"jsep\":3}",
			  pre, sid, hid), API_ERR_INVALID_ELEMENT_TYPE);
	expect_error(SEND("%s\"session_id\":%" PRIu64 ",\"handle_id\":%" PRIu64
			  ",\"jsep\":{\"type\":\"pranswer\",\"sdp\":\"v=0\"}}", pre, sid, hid),
		     API_ERR_JSEP_UNKNOWN_TYPE);
	expect_error(SEND("%s\"session_id\":%" PRIu64 ",\"handle_id\":%" PRIu64
			  ",\"jsep\":{\"type\":\"offer\"}}", pre, sid, hid), API_ERR_JSEP_INVALID_SDP);
	expect_error(SEND("%s\"session_id\":%" PRIu64 ",\"handle_id\":%" PRIu64
			  ",\"jsep\":{\"type\":\"offer\",\"sdp\":\"hello\"}}", pre, sid, hid),
		     API_ERR_JSEP_INVALID_SDP);
	expect_error(SEND("%s\"session_id\":%" PRIu64 ",\"handle_id\":%" PRIu64
			  ",\"jsep\":{\"type\":\"answer\",\"sdp\":\"" CLIENT_ANSWER "\"}}", pre, sid,
			  hid),
		     API_ERR_UNEXPECTED_ANSWER);
	/* Well-formed JSON around an SDP the engine cannot use: 465, the plugin never sees it. */
	expect_error(SEND("%s\"session_id\":%" PRIu64 ",\"handle_id\":%" PRIu64
			  ",\"jsep\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}", pre, sid, hid),
		     API_ERR_JSEP_INVALID_SDP);
	json_t *r = SEND("%s\"session_id\":%" PRIu64 ",\"handle_id\":%" PRIu64
			 ",\"jsep\":{\"type\":\"offer\",\"sdp\":\"" CLIENT_OFFER "\"}}", pre, sid,
			 hid);
	cr_expect_str_eq(kind(r), "success", "a usable offer reaches the plugin");
	json_decref(r);
}

Test(api_protocol, an_answer_is_accepted_after_the_plugin_offered)
{
	uint64_t sid = create_session(), hid = attach(sid);
	json_t *r = SEND("{\"janus\":\"message\",\"transaction\":\"m\",\"session_id\":%" PRIu64
			 ",\"handle_id\":%" PRIu64 ",\"body\":{\"request\":\"offer\"}}", sid, hid);
	json_t *ev;

	json_decref(r);
	ev = next_event(sid);
	cr_assert_not_null(ev);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(ev, "jsep"), "type")),
			 "offer");
	cr_expect(strstr(json_string_value(json_object_get(json_object_get(ev, "jsep"), "sdp")),
			 "a=ice-ufrag:") != NULL, "the plugin's offer went out completed with ICE");
	json_decref(ev);
	r = SEND("{\"janus\":\"message\",\"transaction\":\"m\",\"session_id\":%" PRIu64
		 ",\"handle_id\":%" PRIu64 ",\"body\":{},\"jsep\":{\"type\":\"answer\","
		 "\"sdp\":\"" CLIENT_ANSWER "\"}}", sid, hid);
	cr_expect_str_eq(kind(r), "success");
	json_decref(r);
}

Test(api_protocol, trickle_accepts_one_many_or_completed_and_checks_each)
{
	uint64_t sid = create_session(), hid = attach(sid);
	const char *good[] = {
		"\"candidate\":{\"candidate\":\"candidate:1 1 udp 1 1.2.3.4 5 typ host\","
		"\"sdpMid\":\"0\",\"sdpMLineIndex\":0}",
		"\"candidates\":[{\"candidate\":\"c\",\"sdpMid\":\"0\"},{\"completed\":true}]",
		"\"candidate\":{\"completed\":true}",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		json_t *r = SEND("{\"janus\":\"trickle\",\"transaction\":\"t\",\"session_id\":%" PRIu64
				 ",\"handle_id\":%" PRIu64 ",%s}", sid, hid, good[i]);
		cr_expect_str_eq(kind(r), "ack", "case %zu", i);
		json_decref(r);
	}
	expect_error(SEND("{\"janus\":\"trickle\",\"transaction\":\"t\",\"session_id\":%" PRIu64
			  ",\"handle_id\":%" PRIu64 "}", sid, hid), API_ERR_MISSING_MANDATORY_ELEMENT);
	expect_error(SEND("{\"janus\":\"trickle\",\"transaction\":\"t\",\"session_id\":%" PRIu64
			  ",\"handle_id\":%" PRIu64 ",\"candidate\":\"x\"}", sid, hid),
		     API_ERR_INVALID_ELEMENT_TYPE);
	expect_error(SEND("{\"janus\":\"trickle\",\"transaction\":\"t\",\"session_id\":%" PRIu64
			  ",\"handle_id\":%" PRIu64 ",\"candidates\":{}}", sid, hid),
		     API_ERR_INVALID_ELEMENT_TYPE);
	expect_error(SEND("{\"janus\":\"trickle\",\"transaction\":\"t\",\"session_id\":%" PRIu64
			  ",\"handle_id\":%" PRIu64 ",\"candidate\":{\"candidate\":\"c\"}}", sid, hid),
		     API_ERR_TRICKLE_INVALID_STREAM);
}

Test(api_protocol, hangup_after_negotiation_tells_plugin_and_client)
{
	uint64_t sid = create_session(), hid = attach(sid);
	json_t *r = SEND("{\"janus\":\"message\",\"transaction\":\"m\",\"session_id\":%" PRIu64
			 ",\"handle_id\":%" PRIu64 ",\"body\":{},\"jsep\":{\"type\":\"offer\","
			 "\"sdp\":\"" CLIENT_OFFER "\"}}", sid, hid);
	json_t *ev;

	cr_expect_str_eq(kind(r), "success");
	json_decref(r);
	r = SEND("{\"janus\":\"hangup\",\"transaction\":\"h\",\"session_id\":%" PRIu64
		 ",\"handle_id\":%" PRIu64 "}", sid, hid);
	cr_expect_str_eq(kind(r), "success");
	json_decref(r);
	cr_expect_eq(n_hangup, 1);
	ev = next_event(sid);
	cr_assert_not_null(ev);
	cr_expect_str_eq(kind(ev), "hangup");
	json_decref(ev);
}

Test(api_protocol, detach_calls_the_plugin_and_sends_detached)
{
	uint64_t sid = create_session(), hid = attach(sid);
	json_t *r = SEND("{\"janus\":\"detach\",\"transaction\":\"d\",\"session_id\":%" PRIu64
			 ",\"handle_id\":%" PRIu64 "}", sid, hid);
	json_t *ev;

	cr_expect_str_eq(kind(r), "success");
	json_decref(r);
	cr_expect_eq(n_detach, 1);
	ev = next_event(sid);
	cr_assert_not_null(ev);
	cr_expect_str_eq(kind(ev), "detached");
	cr_expect_eq((uint64_t)json_integer_value(json_object_get(ev, "sender")), hid);
	json_decref(ev);
	expect_error(SEND("{\"janus\":\"detach\",\"transaction\":\"d\",\"session_id\":%" PRIu64
			  ",\"handle_id\":%" PRIu64 "}", sid, hid), API_ERR_HANDLE_NOT_FOUND);
	cr_expect_eq(api->stats.handles, 0);
}

Test(api_protocol, end_handle_from_inside_a_callback_detaches_later)
{
	uint64_t sid = create_session(), hid = attach(sid);
	json_t *r = SEND("{\"janus\":\"message\",\"transaction\":\"m\",\"session_id\":%" PRIu64
			 ",\"handle_id\":%" PRIu64 ",\"body\":{\"request\":\"end\"}}", sid, hid);

	cr_expect_str_eq(kind(r), "success");
	json_decref(r);
	cr_expect_eq(n_detach, 0);
	for (int i = 0; i < 10 && g_main_context_iteration(NULL, FALSE); i++)
		;
	cr_expect_eq(n_detach, 1);
	cr_expect_null(api_handle_find(session_of(sid), hid));
}

Test(api_protocol, destroy_detaches_every_handle)
{
	uint64_t sid = create_session();

	attach(sid);
	attach(sid);
	json_decref(SEND("{\"janus\":\"destroy\",\"transaction\":\"d\",\"session_id\":%" PRIu64 "}",
			 sid));
	cr_expect_eq(n_detach, 2);
	cr_expect_eq(api->stats.handles, 0);
}

Test(api_protocol, claim_moves_a_session_and_succeeds)
{
	uint64_t sid = create_session();
	json_t *r = SEND("{\"janus\":\"claim\",\"transaction\":\"c\",\"session_id\":%" PRIu64 "}",
			 sid);

	cr_expect_str_eq(kind(r), "success");
	json_decref(r);
}

Test(api_protocol, draining_refuses_create_with_472_but_keeps_sessions)
{
	uint64_t sid = create_session();

	lumen_api_set_draining(api, true);
	expect_error(SEND("{\"janus\":\"create\",\"transaction\":\"c\"}"),
		     API_ERR_NOT_ACCEPTING_SESSIONS);
	json_t *r = SEND("{\"janus\":\"keepalive\",\"transaction\":\"k\",\"session_id\":%" PRIu64 "}",
			 sid);
	cr_expect_str_eq(kind(r), "ack");
	json_decref(r);
}

Test(api_protocol, attach_refused_by_the_plugin_is_461_without_detach)
{
	const char *o[] = { "api.token_secret=sekrit" };
	jwt_t *jwt;
	char *tok;
	uint64_t sid;

	teardown();
	start(o, 1);
	sid = create_session();
	jwt_new(&jwt);
	jwt_add_grant(jwt, "user", "refused");
	jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)"sekrit", 6);
	tok = jwt_encode_str(jwt);
	expect_error(SEND("{\"janus\":\"attach\",\"transaction\":\"a\",\"session_id\":%" PRIu64
			  ",\"plugin\":\"lumen.plugin.fake\",\"token\":\"%s\"}", sid, tok),
		     API_ERR_PLUGIN_ATTACH);
	cr_expect_eq(n_detach, 0);
	cr_expect_eq(api->stats.handles, 0);
	free(tok);
	jwt_free(jwt);
}

/* ---- limits ---- */

Test(api_limits, create_rate_per_ip_is_a_token_bucket)
{
	const char *o[] = { "api.create_rate=1", "api.create_burst=2" };

	teardown();
	start(o, 2);
	create_session();
	create_session();
	expect_error(SEND("{\"janus\":\"create\",\"transaction\":\"c\"}"),
		     API_ERR_NOT_ACCEPTING_SESSIONS);
	fake_now += 1000000; /* one second: one token back */
	create_session();
	struct api_origin other = { .ip = "10.0.0.2" };
	json_t *r = send_from(&other, "{\"janus\":\"create\",\"transaction\":\"c\"}");
	cr_expect_str_eq(kind(r), "success", "another address has its own bucket");
	json_decref(r);
	teardown();
}

Test(api_limits, sessions_per_ip_and_in_total_are_capped)
{
	const char *o[] = { "api.max_sessions_per_ip=2", "api.max_sessions=3",
			    "api.create_burst=100" };
	struct api_origin other = { .ip = "10.0.0.2" };
	json_t *r;

	teardown();
	start(o, 3);
	create_session();
	create_session();
	expect_error(SEND("{\"janus\":\"create\",\"transaction\":\"c\"}"),
		     API_ERR_NOT_ACCEPTING_SESSIONS);
	r = send_from(&other, "{\"janus\":\"create\",\"transaction\":\"c\"}");
	cr_expect_str_eq(kind(r), "success");
	json_decref(r);
	expect_error(send_from(&other, "{\"janus\":\"create\",\"transaction\":\"c\"}"),
		     API_ERR_NOT_ACCEPTING_SESSIONS);
	teardown();
}

Test(api_limits, handles_per_session_are_capped_with_461)
{
	const char *o[] = { "api.max_handles_per_session=2" };
	uint64_t sid;

	teardown();
	start(o, 1);
	sid = create_session();
	attach(sid);
	attach(sid);
	expect_error(SEND("{\"janus\":\"attach\",\"transaction\":\"a\",\"session_id\":%" PRIu64
			  ",\"plugin\":\"lumen.plugin.fake\"}", sid), API_ERR_PLUGIN_ATTACH);
	teardown();
}

Test(api_limits, pending_events_are_bounded_dropping_the_oldest)
{
	const char *o[] = { "api.max_pending_events=16" };
	uint64_t sid, hid;
	json_t *ev;

	teardown();
	start(o, 1);
	sid = create_session();
	hid = attach(sid);
	for (int i = 0; i < 40; i++) {
		struct lumen_handle *h = api_handle_find(session_of(sid), hid);

		fake_core->push_event(h, NULL, json_pack("{s:i}", "n", i), NULL);
	}
	cr_expect_eq(api_evq_len(&session_of(sid)->events), 16);
	cr_expect_eq(session_of(sid)->events.dropped, 24);
	ev = next_event(sid);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(
			     json_object_get(ev, "plugindata"), "data"), "n")), 24);
	json_decref(ev);
	teardown();
}

Test(api_limits, token_bucket_refills_at_rate_up_to_burst)
{
	struct api_bucket b = { 0 };

	cr_expect(api_bucket_take(&b, 2, 3, 1000000));
	cr_expect(api_bucket_take(&b, 2, 3, 1000000));
	cr_expect(api_bucket_take(&b, 2, 3, 1000000));
	cr_expect_not(api_bucket_take(&b, 2, 3, 1000000));
	cr_expect(api_bucket_take(&b, 2, 3, 1500000));     /* half a second at 2/s: one token */
	cr_expect_not(api_bucket_take(&b, 2, 3, 1500000));
	cr_expect(api_bucket_take(&b, 2, 3, 100000000));   /* long idle: capped at burst (3) */
	cr_expect(api_bucket_take(&b, 2, 3, 100000000));
	cr_expect(api_bucket_take(&b, 2, 3, 100000000));
	cr_expect_not(api_bucket_take(&b, 2, 3, 100000000));
}

Test(api_limits, event_queue_without_bound_keeps_everything)
{
	struct api_evq q;

	api_evq_init(&q, 0);
	for (int i = 0; i < 100; i++)
		cr_expect_eq(api_evq_push(&q, json_integer(i)), 0);
	cr_expect_eq(api_evq_len(&q), 100);
	api_evq_fini(&q);
	cr_expect_eq(api_evq_len(&q), 0);
}

/* ---- timeout ---- */

Test(api_timeout, idle_sessions_time_out_and_free_their_handles, .init = setup_default,
     .fini = teardown)
{
	uint64_t sid = create_session(), keep;

	attach(sid);
	fake_now += 30 * G_USEC_PER_SEC;
	keep = create_session();
	fake_now += 31 * G_USEC_PER_SEC;
	cr_expect_eq(api_sweep(api, fake_now), 1);
	cr_expect_null(session_of(sid));
	cr_expect_not_null(session_of(keep));
	cr_expect_eq(n_detach, 1);
	cr_expect_eq(api->stats.sessions_timed_out_total, 1);
	cr_expect_eq(api->stats.handles, 0);
}

Test(api_timeout, a_request_counts_as_activity, .init = setup_default, .fini = teardown)
{
	uint64_t sid = create_session();

	fake_now += 50 * G_USEC_PER_SEC;
	json_decref(SEND("{\"janus\":\"keepalive\",\"transaction\":\"k\",\"session_id\":%" PRIu64
			 "}", sid));
	fake_now += 50 * G_USEC_PER_SEC;
	cr_expect_eq(api_sweep(api, fake_now), 0);
	cr_expect_not_null(session_of(sid));
}

/* ---- auth ---- */

static char *make_token(const char *key, long exp, const char *plugins_json)
{
	jwt_t *jwt;
	char *tok;

	jwt_new(&jwt);
	jwt_add_grant(jwt, "sub", "alice");
	jwt_add_grant(jwt, "room", "lobby");
	jwt_add_grant(jwt, "role", "presenter");
	if (exp)
		jwt_add_grant_int(jwt, "exp", exp);
	if (plugins_json)
		jwt_add_grants_json(jwt, plugins_json);
	jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)key, (int)strlen(key));
	tok = jwt_encode_str(jwt);
	jwt_free(jwt);
	return tok;
}

Test(api_auth, api_secret_guards_everything_but_info)
{
	const char *o[] = { "api.api_secret=s3cret" };
	json_t *r;

	teardown();
	start(o, 1);
	expect_error(SEND("{\"janus\":\"create\",\"transaction\":\"c\"}"), API_ERR_UNAUTHORIZED);
	expect_error(SEND("{\"janus\":\"create\",\"transaction\":\"c\",\"apisecret\":\"s3cre\"}"),
		     API_ERR_UNAUTHORIZED);
	r = SEND("{\"janus\":\"create\",\"transaction\":\"c\",\"apisecret\":\"s3cret\"}");
	cr_expect_str_eq(kind(r), "success");
	json_decref(r);
	r = SEND("{\"janus\":\"info\",\"transaction\":\"i\"}");
	cr_expect_str_eq(kind(r), "server_info");
	cr_expect(json_is_true(json_object_get(r, "api_secret")));
	json_decref(r);
	teardown();
}

Test(api_auth, token_claims_reach_the_plugin_as_identity)
{
	const char *o[] = { "api.token_secret=k3y", "api.token_required=true" };
	char *tok = make_token("k3y", 0, NULL), *bad = make_token("other", 0, NULL);
	char *old = make_token("k3y", 1000, NULL);
	json_t *r;
	uint64_t sid;

	teardown();
	start(o, 2);
	expect_error(SEND("{\"janus\":\"create\",\"transaction\":\"c\"}"), API_ERR_UNAUTHORIZED);
	expect_error(SEND("{\"janus\":\"create\",\"transaction\":\"c\",\"token\":\"%s\"}", bad),
		     API_ERR_UNAUTHORIZED);
	expect_error(SEND("{\"janus\":\"create\",\"transaction\":\"c\",\"token\":\"%s\"}", old),
		     API_ERR_UNAUTHORIZED);
	expect_error(SEND("{\"janus\":\"create\",\"transaction\":\"c\",\"token\":\"x.y.z\"}"),
		     API_ERR_UNAUTHORIZED);
	r = SEND("{\"janus\":\"create\",\"transaction\":\"c\",\"token\":\"%s\"}", tok);
	cr_assert_str_eq(kind(r), "success");
	sid = data_id(r);
	json_decref(r);
	r = SEND("{\"janus\":\"attach\",\"transaction\":\"a\",\"session_id\":%" PRIu64
		 ",\"plugin\":\"lumen.plugin.fake\",\"token\":\"%s\"}", sid, tok);
	cr_expect_str_eq(kind(r), "success");
	json_decref(r);
	cr_expect_str_eq(last_user, "alice");
	cr_expect_str_eq(last_room, "lobby");
	cr_expect_str_eq(last_role, "presenter");
	free(tok);
	free(bad);
	free(old);
	teardown();
}

Test(api_auth, a_token_limited_to_other_plugins_gets_405)
{
	const char *o[] = { "api.token_secret=k3y" };
	char *tok = make_token("k3y", 0, "{\"plugins\":[\"janus.plugin.echotest\"]}");
	uint64_t sid;

	teardown();
	start(o, 1);
	sid = create_session();
	expect_error(SEND("{\"janus\":\"attach\",\"transaction\":\"a\",\"session_id\":%" PRIu64
			  ",\"plugin\":\"lumen.plugin.fake\",\"token\":\"%s\"}", sid, tok),
		     API_ERR_UNAUTHORIZED_PLUGIN);
	free(tok);
	teardown();
}

Test(api_auth, unsigned_tokens_are_refused)
{
	struct api_auth a = { .api_secret = (char *)"", .hs_secret = (char *)"k" };
	const char *why = NULL;
	jwt_t *jwt;
	char *tok;

	jwt_new(&jwt);
	jwt_add_grant(jwt, "sub", "mallory");
	tok = jwt_encode_str(jwt); /* alg "none" */
	cr_expect_null(api_auth_verify_token(&a, tok, 0, &why));
	cr_expect_not_null(why);
	free(tok);
	jwt_free(jwt);
}

/* ---- core services ---- */

static int tick_count;
static void tick(void *arg)
{
	tick_count++;
}

static uint64_t invoked_handle;
static int invoked_null;
static void on_invoke(struct lumen_handle *h, void *state, void *arg)
{
	if (h)
		invoked_handle = fake_core->handle_id(h);
	else
		invoked_null++;
}

TestSuite(api_core, .init = setup_default, .fini = teardown);

Test(api_core, registry_finds_by_name_and_minimum_version)
{
	static const int iface = 1;

	cr_expect_eq(fake_core->service_register("world.positions", 2, &iface), 0);
	cr_expect_eq(fake_core->service_register("world.positions", 3, &iface), -EEXIST);
	cr_expect_eq(fake_core->service_lookup("world.positions", 2), &iface);
	cr_expect_null(fake_core->service_lookup("world.positions", 3));
	cr_expect_null(fake_core->service_lookup("voice.mix", 0));
}

Test(api_core, media_services_need_a_peer_connection)
{
	uint64_t sid = create_session(), hid = attach(sid);
	struct lumen_handle *h = api_handle_find(session_of(sid), hid);

	/* Before any jsep the handle has no peer connection: nothing to send on or close. */
	cr_expect_eq(fake_core->send_rtcp(h, (const uint8_t *)"x", 1), -ENOENT);
	cr_expect_eq(fake_core->request_keyframe(h, "0"), -ENOENT);
	cr_expect_eq(fake_core->close_pc(h, "x"), -ENOENT);
	cr_expect_eq(fake_core->send_data(h, "l", false, (const uint8_t *)"x", 1), -ENOENT);
	/* media.workers defaults to one per usable CPU; a single CPU means no worker thread (1). */
	cpu_set_t set;
	CPU_ZERO(&set);
	unsigned cpus = sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0
			    ? (unsigned)CPU_COUNT(&set)
			    : g_get_num_processors();
	cr_expect_eq(fake_core->n_workers(), cpus >= 2 ? cpus : 1);
	cr_expect_eq(fake_core->handle_move(h, fake_core->n_workers(), NULL, NULL), -EINVAL);
	cr_expect_eq(fake_core->session_id(h), sid);
	cr_expect_eq(fake_core->handle_id(h), hid);
}

Test(api_core, handle_timers_are_cancelled_on_detach)
{
	uint64_t sid = create_session(), hid = attach(sid);
	struct lumen_handle *h = api_handle_find(session_of(sid), hid);
	uint64_t t1 = fake_core->timer_add(h, 100000, tick, NULL);
	uint64_t t2 = fake_core->timer_add(NULL, 100000, tick, NULL);

	cr_expect_gt(t1, 0);
	cr_expect_neq(t1, t2);
	cr_expect_eq(g_hash_table_size(api->timers), 2);
	json_decref(SEND("{\"janus\":\"detach\",\"transaction\":\"d\",\"session_id\":%" PRIu64
			 ",\"handle_id\":%" PRIu64 "}", sid, hid));
	cr_expect_eq(g_hash_table_size(api->timers), 1);
	fake_core->timer_cancel(t2);
	fake_core->timer_cancel(t2); /* twice: harmless */
	cr_expect_eq(g_hash_table_size(api->timers), 0);
}

Test(api_core, invoke_runs_on_the_loop_and_reports_a_gone_handle)
{
	uint64_t sid = create_session(), hid = attach(sid);

	invoked_handle = 0;
	invoked_null = 0;
	cr_expect_eq(fake_core->invoke(hid, on_invoke, NULL), 0);
	cr_expect_eq(fake_core->invoke(12345, on_invoke, NULL), 0);
	for (int i = 0; i < 10 && g_main_context_iteration(NULL, FALSE); i++)
		;
	cr_expect_eq(invoked_handle, hid);
	cr_expect_eq(invoked_null, 1);
}

Test(api_core, push_event_refuses_a_bad_jsep)
{
	uint64_t sid = create_session(), hid = attach(sid);
	struct lumen_handle *h = api_handle_find(session_of(sid), hid);

	cr_expect_eq(fake_core->push_event(h, NULL, json_object(),
					   json_pack("{s:s}", "type", "offer")), -EINVAL);
	cr_expect_eq(api_evq_len(&session_of(sid)->events), 0);
}

Test(api_core, engine_notifications_become_janus_events)
{
	uint64_t sid = create_session(), hid = attach(sid);
	const char *kinds[] = { "webrtcup", "media", "slowlink", "trickle", "hangup" };
	json_t *ev;

	cr_expect_eq(lumen_api_notify_webrtcup(api, hid), 0);
	cr_expect_eq(lumen_api_notify_media(api, hid, "0", LUMEN_MEDIA_AUDIO, true), 0);
	cr_expect_eq(lumen_api_notify_slowlink(api, hid, "1", LUMEN_MEDIA_VIDEO, true, 12), 0);
	cr_expect_eq(lumen_api_notify_trickle(api, hid, NULL), 0);
	cr_expect_eq(lumen_api_notify_hangup(api, hid, "DTLS alert"), 0);
	cr_expect_eq(lumen_api_notify_webrtcup(api, 777), -ENOENT);
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		ev = next_event(sid);
		cr_assert_not_null(ev);
		cr_expect_str_eq(kind(ev), kinds[i]);
		cr_expect_eq((uint64_t)json_integer_value(json_object_get(ev, "sender")), hid);
		json_decref(ev);
	}
	cr_expect_eq(n_setup, 1);
	cr_expect_eq(n_hangup, 1);
}

/* ---- admin views ---- */

Test(api_core, admin_views_list_sessions_and_count_requests)
{
	uint64_t sid = create_session();
	json_t *list, *one, *counters;

	attach(sid);
	expect_error(SEND("{\"janus\":\"keepalive\",\"transaction\":\"k\",\"session_id\":1}"),
		     API_ERR_SESSION_NOT_FOUND);
	list = lumen_api_sessions_json(api);
	cr_expect_eq(json_array_size(list), 1);
	json_decref(list);
	one = lumen_api_session_json(api, sid);
	cr_assert_not_null(one);
	cr_expect_eq(json_array_size(json_object_get(one, "handles")), 1);
	json_decref(one);
	counters = lumen_api_counters_json(api);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(json_object_get(
			     counters, "requests"), "create"), "ok")), 1);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(counters, "errors"),
							"458")), 1);
	json_decref(counters);
	cr_expect_eq(lumen_api_destroy_session(api, sid), 0);
	cr_expect_eq(lumen_api_destroy_session(api, sid), -ENOENT);
	cr_expect_null(lumen_api_session_json(api, sid));
}

static void collect_nothing(struct lumen_metrics_out *out, void *arg)
{
}

Test(api_core, metric_services_use_the_process_registry)
{
	cr_expect_eq(fake_core->metric_register("lumen_apitest_things", LUMEN_METRIC_GAUGE, "x",
						collect_nothing, NULL), 0);
	cr_expect_eq(fake_core->metric_register("lumen_apitest_things", LUMEN_METRIC_GAUGE, "x",
						collect_nothing, NULL), -EEXIST);
	cr_expect_eq(fake_core->metric_register("not_lumen", LUMEN_METRIC_GAUGE, "x",
						collect_nothing, NULL), -EINVAL);
}

/* ---- ES256 and reconfiguration ---- */

static char *read_fixture(const char *name)
{
	char *path = g_build_filename(API_TEST_DIR, name, NULL), *text = NULL;

	cr_assert(g_file_get_contents(path, &text, NULL, NULL), "fixture %s", path);
	g_free(path);
	return text;
}

static char *sign_token(jwt_alg_t alg, const char *key, const char *user)
{
	jwt_t *jwt;
	char *tok;

	jwt_new(&jwt);
	jwt_add_grant(jwt, "sub", user);
	jwt_set_alg(jwt, alg, (const unsigned char *)key, (int)strlen(key));
	tok = jwt_encode_str(jwt);
	jwt_free(jwt);
	return tok;
}

Test(api_auth, es256_tokens_verify_with_the_public_key_and_alg_confusion_fails)
{
	char *o = g_strdup_printf("api.token_public_key=%s/es256-public.pem", API_TEST_DIR);
	const char *ov[] = { o };
	char *priv = read_fixture("es256-private.pem"), *pub = read_fixture("es256-public.pem");
	char *good = sign_token(JWT_ALG_ES256, priv, "carol");
	char *confused = sign_token(JWT_ALG_HS256, pub, "mallory"); /* HMAC keyed with the public key */
	uint64_t sid;
	json_t *r;

	teardown();
	start(ov, 1);
	cr_assert_not_null(good);
	r = SEND("{\"janus\":\"create\",\"transaction\":\"c\",\"token\":\"%s\"}", good);
	cr_expect_str_eq(kind(r), "success");
	sid = data_id(r);
	json_decref(r);
	expect_error(SEND("{\"janus\":\"create\",\"transaction\":\"c\",\"token\":\"%s\"}", confused),
		     API_ERR_UNAUTHORIZED);
	r = SEND("{\"janus\":\"attach\",\"transaction\":\"a\",\"session_id\":%" PRIu64
		 ",\"plugin\":\"lumen.plugin.fake\",\"token\":\"%s\"}", sid, good);
	cr_expect_str_eq(kind(r), "success");
	json_decref(r);
	cr_expect_str_eq(last_user, "carol");
	free(good);
	free(confused);
	g_free(priv);
	g_free(pub);
	g_free(o);
	teardown();
}

Test(api_auth, a_missing_public_key_file_fails_construction_with_a_message)
{
	const char *ov[] = { "api.token_public_key=/nonexistent/key.pem" };
	char *err = NULL;
	struct lumen_config *c = lumen_config_load(NULL, ov, 1, &err);

	cr_assert_not_null(c, "%s", err ? err : "");
	cr_expect_null(lumen_api_new(c, &err));
	cr_assert_not_null(err);
	cr_expect(strstr(err, "api.token_public_key") != NULL, "%s", err);
	g_free(err);
	lumen_config_free(c);
}

Test(api_protocol, reconfigure_applies_new_secrets_and_limits_to_running_sessions)
{
	const char *ov[] = { "api.api_secret=now-needed", "api.max_pending_events=16" };
	char *err = NULL;
	struct lumen_config *c2 = lumen_config_load(NULL, ov, 2, &err);
	uint64_t sid = create_session();

	cr_assert_not_null(c2, "%s", err ? err : "");
	lumen_api_reconfigure(api, c2);
	expect_error(SEND("{\"janus\":\"keepalive\",\"transaction\":\"k\",\"session_id\":%" PRIu64 "}",
			  sid), API_ERR_UNAUTHORIZED);
	cr_expect_eq(session_of(sid)->events.max, 16);
	json_t *r = SEND("{\"janus\":\"keepalive\",\"transaction\":\"k\",\"apisecret\":\"now-needed\","
			 "\"session_id\":%" PRIu64 "}", sid);
	cr_expect_str_eq(kind(r), "ack");
	json_decref(r);
	lumen_api_free(api);
	api = NULL;
	lumen_config_free(c2);
}

/* Under load the media sources are ready at every iteration of the loop, and GLib never
 * dispatches a lower priority while a higher one is ready: an event flush at the idle priority
 * waited as long as the load lasted (9 to over 20 s at find-max). It must run while the loop is
 * busy. */
static gboolean busy_prepare(GSource *src, gint *timeout)
{
	(void)src;
	*timeout = 0;
	return TRUE;
}

static gboolean busy_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
	(void)src;
	(void)cb;
	(void)data;
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs busy_funcs = { .prepare = busy_prepare, .dispatch = busy_dispatch };

Test(api_protocol, events_are_flushed_while_media_keeps_the_loop_busy)
{
	uint64_t sid = create_session(), hid = attach(sid);
	json_t *r = SEND("{\"janus\":\"message\",\"transaction\":\"t10\",\"session_id\":%" PRIu64
			 ",\"handle_id\":%" PRIu64 ",\"body\":{\"request\":\"async\"}}", sid, hid);
	struct api_session *s = session_of(sid);
	GSource *busy = g_source_new(&busy_funcs, sizeof(GSource));
	int i;

	json_decref(r);
	cr_assert_neq(s->flush_source, 0, "the event waits for its flush");
	g_source_attach(busy, api->ctx);
	for (i = 0; i < 10 && s->flush_source; i++)
		g_main_context_iteration(api->ctx, FALSE);
	g_source_destroy(busy);
	g_source_unref(busy);
	cr_assert_eq(s->flush_source, 0, "the flush did not run in %d busy iterations", i);
	json_decref(next_event(sid));
}
