/* echotest/echotest.c -- the echo test plugin: answers janus.plugin.echotest requests and sends a
 * peer's own audio, video and data back to it.
 *
 * Requests (a "message" body, all keys optional): audio, video, data (booleans: echo that kind or
 * not), bitrate (integer bps: REMB cap, bounded by echotest.max_bitrate), keyframe (boolean, a
 * lumen addition: ask the peer for a keyframe now). Every request is acknowledged and answered
 * with an event {"echotest":"event","result":"ok"}, carrying a jsep answer when it came with an
 * offer; errors are events {"echotest":"event","error_code":N,"error":"..."} with the Janus
 * echotest codes (411 no message, 413 invalid element, 414 invalid SDP). Recording is not offered
 * here. Threads: each handle's callbacks run on its thread and touch only its struct echo; the
 * global configuration is written by init alone, before any handle exists. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lumen/plugin.h>

#include "answer.h"
#include "ssrc_swap.h"

#define ERR_NO_MESSAGE      411
#define ERR_INVALID_ELEMENT 413
#define ERR_INVALID_SDP     414
#define MAX_MIDS            16

static const struct lumen_core *core;
static int64_t max_bitrate; /* bps, 0 = no cap beyond what clients ask */

struct echo {
	struct lumen_handle *h;
	bool audio, video, data;
	uint32_t bitrate;
	char video_mids[MAX_MIDS][64]; /* from the last offer, for keyframe requests */
	size_t n_video_mids;
	uint64_t rtp_echoed, rtcp_echoed, data_echoed, send_errors;
};

/* ---- configuration ---- */

static int parse_config(const json_t *config, int64_t *max, char **err)
{
	const char *key;
	json_t *val;

	*max = 0;
	if (!config)
		return 0;
	if (!json_is_object(config)) {
		*err = strdup("echotest: must be a group");
		return -EINVAL;
	}
	json_object_foreach((json_t *)config, key, val)
	{
		if (strcmp(key, "max_bitrate") != 0) {
			char msg[160];
			snprintf(msg, sizeof(msg),
			         "echotest.%.64s: unknown key (known: max_bitrate)", key);
			*err = strdup(msg);
			return -EINVAL;
		}
		if (!json_is_integer(val) || json_integer_value(val) < 0 ||
		    json_integer_value(val) > UINT32_MAX) {
			*err =
			    strdup("echotest.max_bitrate: must be an integer from 0 to 4294967295");
			return -EINVAL;
		}
		*max = json_integer_value(val);
	}
	return 0;
}

static int echo_check_config(const json_t *config, char **err)
{
	int64_t max;
	return parse_config(config, &max, err);
}

static int echo_init(const struct lumen_core *c, const json_t *config, char **err)
{
	int rc = parse_config(config, &max_bitrate, err);
	if (rc < 0)
		return rc;
	core = c;
	return 0;
}

static void echo_destroy(void)
{
	core = NULL;
}

/* ---- handles ---- */

static int echo_attach(struct lumen_handle *h, const struct lumen_identity *who, void **state)
{
	struct echo *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->h = h;
	e->audio = e->video = e->data = true;
	*state = e;
	return 0;
}

static void echo_detach(struct lumen_handle *h, void *state)
{
	free(state);
}

static void echo_hangup(struct lumen_handle *h, void *state, const char *reason)
{
	struct echo *e = state;
	e->n_video_mids = 0;
	core->log(h, LUMEN_SEV_INFO, "peer connection closed: %s", reason ? reason : "?");
}

static void echo_setup_media(struct lumen_handle *h, void *state)
{
	core->log(h, LUMEN_SEV_INFO, "peer connection up, echoing");
}

/* ---- requests ---- */

/* Sends the result of one request as an event: ok (with an optional jsep) or an error. */
static struct lumen_msg_result reply(struct lumen_handle *h, const char *transaction, int code,
                                     const char *error, json_t *jsep)
{
	json_t *data = code ? json_pack("{s:s, s:i, s:s}", "echotest", "event", "error_code", code,
	                                "error", error)
	                    : json_pack("{s:s, s:s}", "echotest", "event", "result", "ok");
	int rc = core->push_event(h, transaction, data, jsep);
	if (rc < 0)
		core->log(h, LUMEN_SEV_WARN, "cannot send the reply: %s", strerror(-rc));
	return (struct lumen_msg_result){.kind = LUMEN_MSG_ASYNC};
}

/* Remembers the video mids of an offer, for keyframe requests. */
static void note_video_mids(struct echo *e, const char *sdp)
{
	bool in_video = false;
	e->n_video_mids = 0;
	for (const char *p = sdp; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, "m=", 2) == 0)
			in_video = strncmp(p, "m=video ", 8) == 0;
		else if (in_video && strncmp(p, "a=mid:", 6) == 0 && e->n_video_mids < MAX_MIDS) {
			size_t n = strcspn(p + 6, "\r\n");
			if (n < sizeof(e->video_mids[0])) {
				memcpy(e->video_mids[e->n_video_mids], p + 6, n);
				e->video_mids[e->n_video_mids++][n] = '\0';
			}
		}
	}
}

/* Builds the jsep answer for an offer, or returns an error message (a constant or why). */
static const char *answer_offer(struct echo *e, const json_t *jsep, json_t **out, char *why,
                                size_t why_size)
{
	const char *type = json_string_value(json_object_get(jsep, "type"));
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	char *err = NULL, *answer;

	if (!type || !sdp)
		return "Invalid SDP: jsep needs a type and an sdp string";
	if (strcmp(type, "offer") != 0)
		return "Invalid SDP: the echo test only answers offers";
	answer = lumen_echotest_answer(sdp, (unsigned long long)time(NULL), &err);
	if (!answer) {
		snprintf(why, why_size, "Invalid SDP: %s", err ? err : "unusable offer");
		free(err);
		return why;
	}
	note_video_mids(e, sdp);
	*out = json_pack("{s:s, s:s}", "type", "answer", "sdp", answer);
	free(answer);
	return NULL;
}

enum field_type { F_BOOL, F_UINT32 };

static const struct field {
	const char *name;
	enum field_type type;
	const char *error;
} fields[] = {
    {"audio", F_BOOL, "Invalid element type (audio should be a boolean)"},
    {"video", F_BOOL, "Invalid element type (video should be a boolean)"},
    {"data", F_BOOL, "Invalid element type (data should be a boolean)"},
    {"keyframe", F_BOOL, "Invalid element type (keyframe should be a boolean)"},
    {"record", F_BOOL, "Invalid element type (record should be a boolean)"},
    {"bitrate", F_UINT32, "Invalid element type (bitrate should be a positive integer)"},
};

/* Checks the types of the known keys (unknown ones are ignored, as Janus clients send more). */
static const char *check_body(const json_t *body)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = json_object_get(body, fields[i].name);
		if (!v)
			continue;
		if (fields[i].type == F_BOOL && !json_is_boolean(v))
			return fields[i].error;
		if (fields[i].type == F_UINT32 &&
		    (!json_is_integer(v) || json_integer_value(v) < 0 ||
		     json_integer_value(v) > UINT32_MAX))
			return fields[i].error;
	}
	if (json_is_true(json_object_get(body, "record")))
		return "Recording is not part of lumen's echo test (use the recorder plugin)";
	return NULL;
}

static void apply(struct echo *e, const json_t *body)
{
	json_t *v;

	if ((v = json_object_get(body, "audio")))
		e->audio = json_is_true(v);
	if ((v = json_object_get(body, "video")))
		e->video = json_is_true(v);
	if ((v = json_object_get(body, "data")))
		e->data = json_is_true(v);
	if ((v = json_object_get(body, "bitrate"))) {
		uint32_t bps = (uint32_t)json_integer_value(v);
		if (max_bitrate > 0 && (bps == 0 || bps > max_bitrate))
			bps = (uint32_t)max_bitrate;
		e->bitrate = bps;
		int rc = core->set_bitrate_cap(e->h, bps);
		if (rc < 0)
			core->log(e->h, LUMEN_SEV_DEBUG, "bitrate cap not applied: %s",
			          strerror(-rc));
	}
	if (json_is_true(json_object_get(body, "keyframe")))
		for (size_t i = 0; i < e->n_video_mids; i++)
			core->request_keyframe(e->h, e->video_mids[i]);
}

static struct lumen_msg_result echo_message(struct lumen_handle *h, void *state,
                                            const char *transaction, const json_t *body,
                                            const json_t *jsep)
{
	struct echo *e = state;
	json_t *answer = NULL;
	const char *error;
	char why[160];

	if (!json_is_object(body))
		return reply(h, transaction, ERR_NO_MESSAGE, "No message (body must be an object)",
		             NULL);
	error = check_body(body);
	if (error)
		return reply(h, transaction, ERR_INVALID_ELEMENT, error, NULL);
	if (jsep && (error = answer_offer(e, jsep, &answer, why, sizeof(why))))
		return reply(h, transaction, ERR_INVALID_SDP, error, NULL);
	apply(e, body);
	return reply(h, transaction, 0, NULL, answer);
}

/* ---- media: everything goes back where it came from ---- */

static void echo_rtp_in(struct lumen_handle *h, void *state, const struct lumen_rtp_packet *pkt)
{
	struct echo *e = state;

	if ((pkt->kind == LUMEN_MEDIA_AUDIO && !e->audio) ||
	    (pkt->kind == LUMEN_MEDIA_VIDEO && !e->video))
		return;
	/* Back under an SSRC of our own (see ssrc_swap.h): a client must not receive its own. */
	struct lumen_rtp_rewrite rw = { .ssrc = echo_ssrc(pkt->ssrc), .set_ssrc = true };

	if (core->send_rtp(h, pkt->mid, pkt, &rw) < 0)
		e->send_errors++;
	else
		e->rtp_echoed++;
}

static void echo_rtcp_in(struct lumen_handle *h, void *state, const uint8_t *buf, size_t len)
{
	struct echo *e = state;
	uint8_t copy[1500];

	/* Reports and feedback about our echo become reports and feedback about the client's own
	 * streams once their SSRCs are swapped back. */
	if (len > sizeof(copy))
		return;
	memcpy(copy, buf, len);
	if (echo_swap_rtcp_ssrcs(copy, len) < 0 || core->send_rtcp(h, copy, len) < 0)
		e->send_errors++;
	else
		e->rtcp_echoed++;
}

static void echo_data_in(struct lumen_handle *h, void *state, const struct lumen_data_message *msg)
{
	struct echo *e = state;

	if (!e->data)
		return;
	if (core->send_data(h, msg->label, msg->binary, msg->data, msg->len) < 0)
		e->send_errors++;
	else
		e->data_echoed++;
}

static json_t *echo_query_handle(struct lumen_handle *h, void *state)
{
	const struct echo *e = state;

	return json_pack("{s:b, s:b, s:b, s:I, s:I, s:I, s:I, s:I}", "audio_active", e->audio,
	                 "video_active", e->video, "data_active", e->data, "bitrate",
	                 (json_int_t)e->bitrate, "rtp_echoed", (json_int_t)e->rtp_echoed,
	                 "rtcp_echoed", (json_int_t)e->rtcp_echoed, "data_echoed",
	                 (json_int_t)e->data_echoed, "send_errors", (json_int_t)e->send_errors);
}

static const struct lumen_plugin echotest = {
    .abi_version = LUMEN_PLUGIN_ABI_VERSION,
    .name = "Echo test",
    .package = "janus.plugin.echotest",
    .version = "1.0.0",
    .description = "Sends a peer's own audio, video and data back to it (Janus echotest requests)",
    .author = "lumen",
    .config_section = "echotest",
    .deps = NULL,
    .init = echo_init,
    .destroy = echo_destroy,
    .attach = echo_attach,
    .message = echo_message,
    .setup_media = echo_setup_media,
    .hangup = echo_hangup,
    .detach = echo_detach,
    .rtp_in = echo_rtp_in,
    .rtcp_in = echo_rtcp_in,
    .data_in = echo_data_in,
    .query_handle = echo_query_handle,
    .check_config = echo_check_config,
};

LUMEN_PLUGIN_DEFINE(echotest)
