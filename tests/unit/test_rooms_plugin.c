/* test_rooms_plugin.c -- the rooms engine (plugins/rooms) driven through its descriptor against a
 * fake struct lumen_core that keeps the events each handle got: replies and events that must
 * stay well-formed, and the subscriber's offer/answer cycle. The broad coverage is the fuzz
 * target's (tests/fuzz/fuzz_rooms_msg.c); these pin down what it found. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <lumen/plugin.h>

const struct lumen_plugin *lumen_plugin_get(void);

struct lumen_handle {
	json_t *events; /* every event pushed to it, {"data":..., "jsep":...} */
	char *offer;    /* the sdp of the last offer pushed to it */
	void *state;
};

static struct lumen_handle pub, sub;
static lumen_admin_cb admin;
static const struct lumen_plugin *P;

static int f_push_event(struct lumen_handle *h, const char *tr, json_t *data, json_t *jsep)
{
	const char *type = json_string_value(json_object_get(jsep, "type"));

	if (type && strcmp(type, "offer") == 0) {
		g_free(h->offer);
		h->offer = g_strdup(json_string_value(json_object_get(jsep, "sdp")));
	}
	json_array_append_new(h->events, json_pack("{s:o,s:o*}", "data", data, "jsep", jsep));
	return 0;
}

static int f_close_pc(struct lumen_handle *h, const char *reason)
{
	return -ENOENT;
}

static int f_quiet(struct lumen_handle *h, uint32_t bps)
{
	return 0;
}

static int f_request_keyframe(struct lumen_handle *h, const char *mid)
{
	return 0;
}

static unsigned f_n_workers(void)
{
	return 1;
}

static int f_admin_register(const char *collection, lumen_admin_cb cb, void *arg)
{
	admin = cb;
	return 0;
}

static void f_admin_unregister(const char *collection)
{
	admin = NULL;
}

static void f_log(const struct lumen_handle *h, enum lumen_log_severity sev, const char *fmt, ...)
{
}

static const struct lumen_core core = {
    .abi_version = LUMEN_PLUGIN_ABI_VERSION,
    .size = sizeof(struct lumen_core),
    .push_event = f_push_event,
    .request_keyframe = f_request_keyframe,
    .set_bitrate_cap = f_quiet,
    .close_pc = f_close_pc,
    .n_workers = f_n_workers,
    .log = f_log,
    .admin_register = f_admin_register,
    .admin_unregister = f_admin_unregister,
};

static void setup(void)
{
	char *err = NULL;

	P = lumen_plugin_get();
	cr_assert_eq(P->init(&core, NULL, &err), 0, "%s", err ? err : "");
	cr_assert_eq(P->start(), 0);
	pub.events = json_array();
	sub.events = json_array();
	cr_assert_eq(P->attach(&pub, NULL, &pub.state), 0);
	cr_assert_eq(P->attach(&sub, NULL, &sub.state), 0);
}

static void teardown(void)
{
	P->detach(&pub, pub.state);
	P->detach(&sub, sub.state);
	P->stop();
	P->destroy();
	json_decref(pub.events);
	json_decref(sub.events);
	g_free(pub.offer);
	g_free(sub.offer);
	pub.offer = sub.offer = NULL;
}

TestSuite(rooms_plugin, .init = setup, .fini = teardown);

/* Sends body (JSON text) with an optional jsep (stolen); returns the reply's data (new) or NULL
 * when the reply was an "ack". */
static json_t *send(struct lumen_handle *h, const char *body, json_t *jsep)
{
	json_t *b = json_loads(body, 0, NULL);
	struct lumen_msg_result r;

	cr_assert_not_null(b, "%s", body);
	r = P->message(h, h->state, "tx", b, jsep);
	json_decref(b);
	json_decref(jsep);
	cr_assert(r.kind == LUMEN_MSG_SYNC || r.kind == LUMEN_MSG_ASYNC);
	cr_assert_null(r.jsep);
	return r.data;
}

static json_t *jsep(const char *type, const char *sdp)
{
	return json_pack("{s:s,s:s}", "type", type, "sdp", sdp);
}

/* The last event h got, borrowed. */
static const json_t *last_event(const struct lumen_handle *h)
{
	return json_object_get(json_array_get(h->events, json_array_size(h->events) - 1), "data");
}

/* An answer that takes every stream of h's last offer. */
static char *answer_to_last_offer(const struct lumen_handle *h)
{
	gchar **v = g_strsplit(h->offer, "a=sendonly", -1);
	char *s = g_strjoinv("a=recvonly", v);

	g_strfreev(v);
	return s;
}

#define OFFER                                                                                      \
	"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"                                      \
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n"         \
	"a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"                                              \
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendonly\r\n"          \
	"a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n"

/* The subscriber joins room 1234 with every stream of publisher 100. */
#define SUBSCRIBE_100                                                                              \
	"{\"request\":\"join\",\"ptype\":\"subscriber\",\"room\":1234,\"streams\":[{\"feed\":100}]}"

/* Room 1234 with h publishing OFFER as id (the room is created when h is pub). */
static void publish(struct lumen_handle *h, unsigned id)
{
	char body[128];

	if (h == &pub)
		json_decref(send(&pub, "{\"request\":\"create\",\"room\":1234}", NULL));
	snprintf(body, sizeof(body),
		 "{\"request\":\"join\",\"ptype\":\"publisher\",\"room\":1234,\"id\":%u}", id);
	cr_assert_null(send(h, body, NULL));
	cr_assert_null(send(h, "{\"request\":\"publish\"}", jsep("offer", OFFER)));
}

Test(rooms_plugin, error_reply_stays_an_error_when_its_quote_is_cut_in_a_utf8_character)
{
	GString *body = g_string_new("{\"request\":\"x");
	json_t *data;

	/* "Join a room first (request x\u00e9\u00e9...)": the 300-byte message ends inside one */
	for (int i = 0; i < 200; i++)
		g_string_append(body, "\u00e9");
	g_string_append(body, "\"}");
	data = send(&pub, body->str, NULL);
	cr_assert_not_null(data, "an error, not an empty success");
	cr_expect_eq(json_integer_value(json_object_get(data, "error_code")), 424);
	cr_expect(g_str_has_prefix(json_string_value(json_object_get(data, "error")),
				   "Join a room first"));
	json_decref(data);
	g_string_free(body, TRUE);
}

Test(rooms_plugin, admin_error_quoting_a_path_that_is_not_utf8_has_a_body)
{
	json_t *reply = NULL;

	cr_assert_not_null(admin);
	cr_expect_eq(admin(NULL, "GET", "/\xff", NULL, &reply), 404);
	cr_expect(json_is_string(json_object_get(reply, "error")), "404 without its reason");
	json_decref(reply);
}

/* The subscriber answers the offer it has while the streams change again (the publisher comes
 * back): the answer is checked against that offer, not against the streams as they are now,
 * and the next offer follows it. */
Test(rooms_plugin, subscriber_answer_to_an_offer_sent_before_its_streams_changed_is_accepted)
{
	char *answer;

	publish(&pub, 100);
	cr_assert_null(send(&sub, "{\"request\":\"join\",\"ptype\":\"subscriber\",\"room\":1234}",
			    NULL));
	answer = answer_to_last_offer(&sub);
	cr_assert_null(send(&sub, "{\"request\":\"start\"}", jsep("answer", answer)));
	g_free(answer);

	/* Unpublishing ends both streams: an offer with both inactive goes out. */
	cr_assert_null(send(&pub, "{\"request\":\"unpublish\"}", NULL));
	cr_assert_str_eq(json_string_value(json_object_get(last_event(&sub), "videoroom")),
			 "updated");
	answer = answer_to_last_offer(&sub);
	/* Publishing again revives them while that offer is out. */
	cr_assert_null(send(&pub, "{\"request\":\"publish\"}", jsep("offer", OFFER)));
	size_t before = json_array_size(sub.events);
	json_t *refused = send(&sub, "{\"request\":\"start\"}", jsep("answer", answer));
	cr_assert_null(refused, "the answer to the offer sent was refused: %s",
		       json_string_value(json_object_get(refused, "error")));
	g_free(answer);
	cr_assert_eq(json_array_size(sub.events), before + 2, "started, then the next offer");
	const json_t *started = json_object_get(json_array_get(sub.events, before), "data");
	cr_expect_eq(g_strcmp0(json_string_value(json_object_get(started, "started")), "ok"), 0);
	cr_expect_not_null(json_object_get(json_array_get(sub.events, before + 1), "jsep"));
}

/* The streams listed in the last "updated" event h got. */
static size_t streams_listed(const struct lumen_handle *h)
{
	const json_t *ev = last_event(h);

	cr_assert_str_eq(json_string_value(json_object_get(ev, "videoroom")), "updated");
	return json_array_size(json_object_get(ev, "streams"));
}

/* Sends body to h and expects it refused with error code `code`. */
static void expect_refused(struct lumen_handle *h, const char *body, int code)
{
	json_t *data = send(h, body, NULL);

	cr_assert_not_null(data, "refused: %s", body);
	cr_expect_eq(json_integer_value(json_object_get(data, "error_code")), code, "%s",
		     json_string_value(json_object_get(data, "error")));
	json_decref(data);
}

/* Stream i as the subscriber's "updated" event lists it now (borrowed). */
static const json_t *listed(struct lumen_handle *h, size_t i)
{
	cr_assert_null(send(h, "{\"request\":\"update\"}", NULL));
	return json_array_get(json_object_get(last_event(h), "streams"), i);
}

/* A subscribe whose second entry is refused subscribes to nothing: the first entry's stream was
 * added, left without an offer, and went out with the next one as if asked for. */
Test(rooms_plugin, a_refused_subscribe_changes_nothing)
{
	publish(&pub, 100);
	cr_assert_null(send(&sub, "{\"request\":\"join\",\"ptype\":\"subscriber\",\"room\":1234,"
				  "\"streams\":[{\"feed\":100,\"mid\":\"0\"}]}", NULL));
	cr_assert_null(send(&sub, "{\"request\":\"update\"}", NULL));
	cr_assert_eq(streams_listed(&sub), 1, "the audio stream");

	expect_refused(&sub, "{\"request\":\"subscribe\",\"streams\":[{\"feed\":100,\"mid\":\"1\"},"
			     "{\"feed\":999}]}", 428);
	cr_assert_null(send(&sub, "{\"request\":\"update\"}", NULL));
	cr_expect_eq(streams_listed(&sub), 1, "the refused request added no stream");

	/* Refused for its unsubscribe part, an update adds nothing either. */
	expect_refused(&sub, "{\"request\":\"update\",\"subscribe\":[{\"feed\":100,\"mid\":\"1\"}],"
			     "\"unsubscribe\":7}", 430);
	cr_assert_null(send(&sub, "{\"request\":\"update\"}", NULL));
	cr_expect_eq(streams_listed(&sub), 1);

	/* The same entry on its own is taken, on a stream of its own. */
	cr_assert_null(send(&sub, "{\"request\":\"subscribe\",\"streams\":[{\"feed\":100,"
				  "\"mid\":\"1\"}]}", NULL));
	cr_assert_null(send(&sub, "{\"request\":\"update\"}", NULL));
	cr_expect_eq(streams_listed(&sub), 2);
}

/* A switch whose second element is refused switches nothing: the first element's stream kept
 * its new feed although the client was told the request failed. */
Test(rooms_plugin, a_refused_switch_switches_nothing)
{
	struct lumen_handle pub2 = { .events = json_array() };
	const json_t *video;

	cr_assert_eq(P->attach(&pub2, NULL, &pub2.state), 0);
	publish(&pub, 100);
	publish(&pub2, 200);
	cr_assert_null(send(&sub, SUBSCRIBE_100, NULL));

	expect_refused(&sub, "{\"request\":\"switch\",\"streams\":[{\"sub_mid\":\"1\",\"feed\":200,"
			     "\"mid\":\"1\"},{\"sub_mid\":\"9\",\"feed\":200,\"mid\":\"1\"}]}", 430);
	video = listed(&sub, 1);
	cr_expect_eq(json_integer_value(json_object_get(video, "feed_id")), 100,
		     "the refused switch left the video on feed 100");

	cr_assert_null(send(&sub, "{\"request\":\"switch\",\"streams\":[{\"sub_mid\":\"1\","
				  "\"feed\":200,\"mid\":\"1\"}]}", NULL));
	video = json_array_get(json_object_get(last_event(&sub), "streams"), 1);
	cr_expect_eq(json_integer_value(json_object_get(video, "feed_id")), 200, "switched");
	P->detach(&pub2, pub2.state);
	json_decref(pub2.events);
}

/* A configure whose second element is refused applies nothing of the first. */
Test(rooms_plugin, a_refused_configure_changes_nothing)
{
	const json_t *audio;

	publish(&pub, 100);
	cr_assert_null(send(&sub, SUBSCRIBE_100, NULL));
	expect_refused(&sub, "{\"request\":\"configure\",\"streams\":[{\"mid\":\"0\","
			     "\"send\":false},{\"mid\":\"9\"}]}", 430);
	audio = listed(&sub, 0);
	cr_expect(json_is_true(json_object_get(audio, "send")), "the refused configure kept send");

	cr_assert_null(send(&sub, "{\"request\":\"configure\",\"streams\":[{\"mid\":\"0\","
				  "\"send\":false}]}", NULL));
	audio = listed(&sub, 0);
	cr_expect(json_is_false(json_object_get(audio, "send")), "configured");
}
