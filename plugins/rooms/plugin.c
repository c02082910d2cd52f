/* rooms/plugin.c -- the rooms engine as a plugin (package janus.plugin.videoroom): descriptor,
 * configuration (codecs, defaults, static rooms), handle lifecycle, request dispatch and metrics.
 * See rooms.h for the map of the other files and docs/rooms.md for the protocol. */
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rooms.h"

const struct lumen_core *rooms_core;
struct rooms_counters rooms_gone;
struct rooms_sdp_policy rooms_policy = { "opus", "vp8,vp9,h264,av1", true, false };
static char *cfg_audio, *cfg_video;
static bool admin_registered;
static uint64_t watchdog_timer;

/* ---- small helpers for the other files ---- */

uint64_t rooms_random_id(void)
{
	uint64_t v;

	do
		v = ((uint64_t)g_random_int() << 21 ^ (uint64_t)g_random_int()) &
		    ((UINT64_C(1) << 53) - 1);
	while (v == 0);
	return v;
}

void rooms_push(struct rooms_participant *p, const char *transaction, json_t *data, json_t *jsep)
{
	if (!p || !p->h) {
		json_decref(data);
		json_decref(jsep);
		return;
	}
	rooms_core->push_event(p->h, transaction, data, jsep);
}

json_t *rooms_event(const struct rooms_room *r)
{
	return json_pack("{s:s,s:I}", "videoroom", "event", "room", (json_int_t)r->id);
}

struct lumen_msg_result rooms_ok(json_t *data)
{
	return (struct lumen_msg_result){ .kind = LUMEN_MSG_SYNC, .data = data };
}

struct lumen_msg_result rooms_async(void)
{
	return (struct lumen_msg_result){ .kind = LUMEN_MSG_ASYNC };
}

/* Janus answers VideoRoom errors as a normal reply whose data carries error_code and error. */
struct lumen_msg_result rooms_error(int code, const char *fmt, ...)
{
	char msg[300], *valid;
	va_list ap;
	json_t *data;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The cut at sizeof(msg) may split a UTF-8 character of a quoted request name, and
	 * json_pack refuses invalid UTF-8: the client got an empty success instead of the error. */
	valid = g_utf8_make_valid(msg, -1);
	data = json_pack("{s:s,s:i,s:s}", "videoroom", "event", "error_code", code, "error", valid);
	g_free(valid);
	return rooms_ok(data);
}

const char *rooms_mode_name(enum rooms_mode m)
{
	static const char *const names[] = { "mesh", "sfu", "broadcast", "auto" };
	return (unsigned)m < 4 ? names[m] : "?";
}

int rooms_mode_parse(const char *s, enum rooms_mode *out)
{
	for (int m = ROOMS_MESH; m <= ROOMS_AUTO; m++)
		if (s && strcmp(s, rooms_mode_name((enum rooms_mode)m)) == 0) {
			*out = (enum rooms_mode)m;
			return 0;
		}
	return -EINVAL;
}

const char *rooms_role_name(enum rooms_role r)
{
	static const char *const names[] = { "publisher", "presenter", "viewer", "moderator",
					     "subscriber" };
	return (unsigned)r < 5 ? names[r] : "?";
}

/* ---- configuration ---- */

static const char *const config_keys[] = { "audio_codecs", "video_codecs", "simulcast",
					   "data", "rooms", NULL };

static bool known_codecs(const char *list, const char *const *known)
{
	gchar **v = g_strsplit(list, ",", -1);
	bool ok = v[0] != NULL;

	for (gchar **c = v; *c && ok; c++) {
		bool found = false;
		g_strstrip(*c);
		for (const char *const *k = known; *k; k++)
			found |= g_ascii_strcasecmp(*c, *k) == 0;
		ok = found;
	}
	g_strfreev(v);
	return ok;
}

static int parse_config(const json_t *cfg, bool apply, char **err)
{
	static const char *const audio[] = { "opus", "pcmu", "pcma", "g722", NULL };
	static const char *const video[] = { "vp8", "vp9", "h264", "av1", NULL };
	const char *key;
	json_t *v;

	if (!cfg)
		return 0;
	if (!json_is_object(cfg)) {
		*err = strdup("rooms: must be a group");
		return -EINVAL;
	}
	json_object_foreach((json_t *)cfg, key, v)
	{
		bool known = false;
		for (const char *const *k = config_keys; *k; k++)
			known |= strcmp(*k, key) == 0;
		if (!known) {
			*err = g_strdup_printf("rooms.%.64s: unknown key (known: audio_codecs, "
					       "video_codecs, simulcast, data, rooms)",
					       key);
			return -EINVAL;
		}
	}
	v = json_object_get(cfg, "audio_codecs");
	if (v && (!json_is_string(v) || !known_codecs(json_string_value(v), audio))) {
		*err = strdup("rooms.audio_codecs: a comma-separated list of opus, pcmu, pcma, g722");
		return -EINVAL;
	}
	if (v && apply) {
		g_free(cfg_audio);
		rooms_policy.audio_codecs = cfg_audio = g_strdup(json_string_value(v));
	}
	v = json_object_get(cfg, "video_codecs");
	if (v && (!json_is_string(v) || !known_codecs(json_string_value(v), video))) {
		*err = strdup("rooms.video_codecs: a comma-separated list of vp8, vp9, h264, av1");
		return -EINVAL;
	}
	if (v && apply) {
		g_free(cfg_video);
		rooms_policy.video_codecs = cfg_video = g_strdup(json_string_value(v));
	}
	v = json_object_get(cfg, "simulcast");
	if (v && !json_is_boolean(v)) {
		*err = strdup("rooms.simulcast: must be true or false");
		return -EINVAL;
	}
	if (v && apply)
		rooms_policy.simulcast = json_is_true(v);
	v = json_object_get(cfg, "data");
	if (v && !json_is_boolean(v)) {
		*err = strdup("rooms.data: must be true or false");
		return -EINVAL;
	}
	if (v && apply)
		rooms_policy.data = json_is_true(v);
	v = json_object_get(cfg, "rooms");
	if (v && !json_is_array(v)) {
		*err = strdup("rooms.rooms: must be a list of groups ( { id = 1234; ... } )");
		return -EINVAL;
	}
	size_t i;
	json_t *room;
	json_array_foreach(v, i, room)
	{
		struct rooms_room *r = NULL;
		char *why = NULL;
		json_t *req = json_is_object(room) ? json_deep_copy(room) : NULL;

		if (!req) {
			*err = g_strdup_printf("rooms.rooms[%zu]: must be a group", i);
			return -EINVAL;
		}
		/* The file says "id"; the dialect says "room". */
		if (json_object_get(req, "id") && !json_object_get(req, "room"))
			json_object_set(req, "room", json_object_get(req, "id"));
		json_object_del(req, "id");
		int rc = rooms_room_create(req, true, apply ? &r : NULL, &why);
		json_decref(req);
		if (rc) {
			*err = g_strdup_printf("rooms.rooms[%zu]: %s", i, why ? why : "invalid");
			g_free(why);
			return -EINVAL;
		}
	}
	return 0;
}

static int rooms_check_config(const json_t *config, char **err)
{
	return parse_config(config, false, err);
}

/* ---- metrics ---- */

enum fam { F_ROOMS, F_PARTS, F_ROOM_PARTS, F_PKTS, F_BYTES, F_NACKS, F_PLIS, F_SWITCHES, F_N };

static const struct {
	const char *name, *help;
	enum lumen_metric_type type;
} families[F_N] = {
	[F_ROOMS] = { "lumen_rooms", "Rooms that exist", LUMEN_METRIC_GAUGE },
	[F_PARTS] = { "lumen_rooms_participants", "Participants in all rooms", LUMEN_METRIC_GAUGE },
	[F_ROOM_PARTS] = { "lumen_room_participants", "Participants per room", LUMEN_METRIC_GAUGE },
	[F_PKTS] = { "lumen_room_forwarded_packets_total", "RTP packets forwarded to subscribers",
		     LUMEN_METRIC_COUNTER },
	[F_BYTES] = { "lumen_room_forwarded_bytes_total", "RTP bytes forwarded to subscribers",
		      LUMEN_METRIC_COUNTER },
	[F_NACKS] = { "lumen_room_nacks_total", "NACKed packets reported by subscribers",
		      LUMEN_METRIC_COUNTER },
	[F_PLIS] = { "lumen_room_plis_total", "Keyframe requests sent to publishers",
		     LUMEN_METRIC_COUNTER },
	[F_SWITCHES] = { "lumen_room_layer_switches_total",
			 "Simulcast layer switches of subscribers", LUMEN_METRIC_COUNTER },
};

/* One family per call (arg = its enum fam). Sums include rooms destroyed since start, so the
 * counters never go down. */
static void collect(struct lumen_metrics_out *out, void *arg)
{
	enum fam f = (enum fam)(intptr_t)arg;
	GPtrArray *all = rooms_room_all();
	struct rooms_counters sum = rooms_gone;
	unsigned parts = 0;

	for (unsigned i = 0; i < all->len; i++) {
		const struct rooms_room *r = all->pdata[i];
		if (f == F_ROOM_PARTS) {
			char labels[64];
			snprintf(labels, sizeof(labels), "room=\"%" G_GUINT64_FORMAT "\"", r->id);
			rooms_core->metric_emit(out, families[f].name, labels, r->members->len);
		}
		parts += r->members->len;
		sum.forwarded_packets += r->c.forwarded_packets;
		sum.forwarded_bytes += r->c.forwarded_bytes;
		sum.nacks += r->c.nacks;
		sum.plis += r->c.plis;
		sum.layer_switches += r->c.layer_switches;
	}
	double v[F_N] = { [F_ROOMS] = all->len,
			  [F_PARTS] = parts,
			  [F_PKTS] = (double)sum.forwarded_packets,
			  [F_BYTES] = (double)sum.forwarded_bytes,
			  [F_NACKS] = (double)sum.nacks,
			  [F_PLIS] = (double)sum.plis,
			  [F_SWITCHES] = (double)sum.layer_switches };
	if (f != F_ROOM_PARTS)
		rooms_core->metric_emit(out, families[f].name, NULL, v[f]);
}

static int register_metrics(void)
{
	for (int i = 0; i < F_N; i++) {
		int rc = rooms_core->metric_register(families[i].name, families[i].type,
						     families[i].help, collect,
						     (void *)(intptr_t)i);
		if (rc < 0 && rc != -EEXIST)
			return rc;
	}
	return 0;
}

/* ---- lifecycle ---- */

static json_t *pending_config;

static int rooms_init(const struct lumen_core *core, const json_t *config, char **err)
{
	int rc;

	rooms_core = core;
	rc = parse_config(config, false, err);
	if (rc < 0)
		return rc;
	pending_config = config ? json_deep_copy(config) : NULL;
	return 0;
}

static void watchdog(void *arg)
{
	(void)arg;
	rooms_fwd_watchdog(g_get_monotonic_time());
}

static int rooms_start(void)
{
	char *err = NULL;
	int rc = parse_config(pending_config, true, &err);

	json_decref(pending_config);
	pending_config = NULL;
	if (rc < 0) {
		rooms_core->log(NULL, LUMEN_SEV_ERROR, "%s", err ? err : "bad configuration");
		free(err);
		return rc;
	}
	/* A minimal host (the plugin probe, a test double) may offer fewer services. */
	if (rooms_core->timer_add)
		watchdog_timer = rooms_core->timer_add(NULL, 500, watchdog, NULL);
	rc = rooms_core->metric_register ? register_metrics() : 0;
	if (rc < 0)
		rooms_core->log(NULL, LUMEN_SEV_WARN, "metrics not registered: %s", strerror(-rc));
	rc = rooms_tap_register();
	if (rc < 0 && rc != -ENOTSUP)
		rooms_core->log(NULL, LUMEN_SEV_WARN, "rooms.tap not offered: %s", strerror(-rc));
	if (LUMEN_CORE_HAS(rooms_core, admin_register)) {
		rc = rooms_core->admin_register("rooms", rooms_admin_cb, NULL);
		admin_registered = rc == 0;
		if (rc < 0)
			rooms_core->log(NULL, LUMEN_SEV_WARN, "/admin/v1/rooms not served: %s",
					strerror(-rc));
	}
	return 0;
}

static void rooms_stop(void)
{
	if (admin_registered && LUMEN_CORE_HAS(rooms_core, admin_unregister))
		rooms_core->admin_unregister("rooms");
	admin_registered = false;
	if (watchdog_timer && rooms_core->timer_cancel)
		rooms_core->timer_cancel(watchdog_timer);
	watchdog_timer = 0;
}

static void rooms_destroy(void)
{
	json_decref(pending_config); /* set by init, taken by start (absent with --check-config) */
	pending_config = NULL;
	rooms_room_destroy_all();
	g_free(cfg_audio);
	g_free(cfg_video);
	cfg_audio = cfg_video = NULL;
	rooms_policy.audio_codecs = "opus";
	rooms_policy.video_codecs = "vp8,vp9,h264,av1";
}

/* ---- handles ---- */

static int rooms_attach(struct lumen_handle *h, const struct lumen_identity *who, void **state)
{
	struct rooms_participant *p = g_new0(struct rooms_participant, 1);

	p->h = h;
	if (who && who->user)
		p->user = g_strdup(who->user);
	if (who && who->room)
		p->token_room = g_strdup(who->room);
	if (who && who->role) {
		static const struct {
			const char *name;
			enum rooms_role role;
		} map[] = { { "presenter", ROOMS_ROLE_PRESENTER },
			    { "viewer", ROOMS_ROLE_VIEWER },
			    { "moderator", ROOMS_ROLE_MODERATOR },
			    { "publisher", ROOMS_ROLE_PUBLISHER },
			    { "subscriber", ROOMS_ROLE_VIEWER } };
		p->role = ROOMS_ROLE_VIEWER; /* an unknown role may not publish */
		for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
			if (strcmp(who->role, map[i].name) == 0)
				p->role = map[i].role;
		p->token_role = true; /* a token's role is not overridden by join fields */
	}
	*state = p;
	return 0;
}

static void rooms_detach(struct lumen_handle *h, void *state)
{
	struct rooms_participant *p = state;

	(void)h;
	if (p->type == ROOMS_P_PUBLISHER && p->room)
		rooms_pub_leave(p, "detached", true);
	else if (p->type == ROOMS_P_SUBSCRIBER)
		rooms_sub_leave(p);
	p->h = NULL;
	g_free(p->display);
	g_free(p->user);
	g_free(p->token_room);
	g_free(p);
}

static void rooms_hangup(struct lumen_handle *h, void *state, const char *reason)
{
	struct rooms_participant *p = state;

	(void)h;
	/* A publisher whose peer connection died (ICE timeout, DTLS failure) stops publishing at
	 * once, so others see "unpublished" within the pc's timeout. */
	if (p->type == ROOMS_P_PUBLISHER && p->published) {
		rooms_core->log(p->h, LUMEN_SEV_INFO, "publisher %" G_GUINT64_FORMAT " hung up: %s",
				p->id, reason ? reason : "?");
		rooms_pub_unpublish_all(p, true);
	} else if (p->type == ROOMS_P_SUBSCRIBER) {
		p->started = false;
		p->pc_up = false;
		p->offer_out = false;
	}
}

static struct lumen_msg_result rooms_message(struct lumen_handle *h, void *state,
					     const char *tr, const json_t *body,
					     const json_t *jsep)
{
	struct rooms_participant *p = state;
	const char *request;
	bool handled = false;
	struct lumen_msg_result res;

	(void)h;
	if (!json_is_object(body))
		return rooms_error(ROOMS_ERR_NO_MESSAGE, "No message");
	request = json_string_value(json_object_get(body, "request"));
	if (!request)
		return rooms_error(ROOMS_ERR_MISSING_ELEMENT, "Missing element (request)");
	res = rooms_request_room(p, request, body, &handled);
	if (handled)
		return res;
	if (strcmp(request, "join") == 0 || strcmp(request, "joinandconfigure") == 0) {
		const char *ptype = json_string_value(json_object_get(body, "ptype"));
		if (p->type != ROOMS_P_NONE)
			return rooms_error(ROOMS_ERR_ALREADY_JOINED, "Already in as a %s",
					   p->type == ROOMS_P_PUBLISHER ? "publisher"
									: "subscriber");
		if (!ptype)
			return rooms_error(ROOMS_ERR_MISSING_ELEMENT, "Missing element (ptype)");
		if (strcmp(ptype, "publisher") == 0)
			return rooms_pub_join(p, tr, body, jsep,
					      strcmp(request, "joinandconfigure") == 0);
		if (strcmp(ptype, "subscriber") == 0 || strcmp(ptype, "listener") == 0)
			return rooms_sub_join(p, tr, body);
		return rooms_error(ROOMS_ERR_INVALID_ELEMENT,
				   "Invalid element (ptype must be publisher or subscriber)");
	}
	if (p->type == ROOMS_P_NONE)
		return rooms_error(ROOMS_ERR_JOIN_FIRST, "Join a room first (request %s)", request);
	if (p->type == ROOMS_P_SUBSCRIBER)
		return rooms_sub_request(p, request, tr, body, jsep);
	if (strcmp(request, "configure") == 0 || strcmp(request, "publish") == 0)
		return rooms_pub_configure(p, tr, body, jsep);
	if (strcmp(request, "unpublish") == 0)
		return rooms_pub_unpublish(p, tr);
	if (strcmp(request, "leave") == 0) {
		rooms_pub_leave(p, "left", false);
		return rooms_async();
	}
	return rooms_error(ROOMS_ERR_INVALID_REQUEST, "Unknown request '%s'", request);
}

static void rooms_setup_media(struct lumen_handle *h, void *state)
{
	struct rooms_participant *p = state;

	(void)h;
	if (p->type == ROOMS_P_SUBSCRIBER) {
		rooms_sub_pc_up(p);
		return;
	}
	/* REMB is the publisher's only bandwidth feedback (room_sdp.c, FB_ALL): always send one. */
	if (p->type == ROOMS_P_PUBLISHER && p->room)
		rooms_core->set_bitrate_cap(p->h, p->room->bitrate ? p->room->bitrate
								   : ROOMS_DEFAULT_PUBLISHER_BPS);
}

static void rooms_rtp_in(struct lumen_handle *h, void *state, const struct lumen_rtp_packet *pkt)
{
	(void)h;
	rooms_fwd_rtp(state, pkt);
}

static void rooms_rtcp_in(struct lumen_handle *h, void *state, const uint8_t *buf, size_t len)
{
	(void)h;
	rooms_fwd_rtcp(state, buf, len);
}

static void rooms_data_in(struct lumen_handle *h, void *state, const struct lumen_data_message *msg)
{
	(void)h;
	rooms_tap_data(state, msg);
}

static void rooms_keyframe_request(struct lumen_handle *h, void *state, const char *mid)
{
	(void)h;
	rooms_fwd_keyframe_request(state, mid);
}

static void rooms_bandwidth(struct lumen_handle *h, void *state, uint32_t bps)
{
	(void)h;
	rooms_fwd_bandwidth(state, bps);
}

static json_t *rooms_query_handle(struct lumen_handle *h, void *state)
{
	(void)h;
	return rooms_participant_json(state, true);
}

static const struct lumen_plugin rooms_plugin = {
	.abi_version = LUMEN_PLUGIN_ABI_VERSION,
	.name = "Rooms (VideoRoom dialect)",
	.package = ROOMS_PACKAGE,
	.version = "0.1.0",
	.description = "Rooms with mesh, SFU, broadcast and auto routing, simulcast and "
		       "congestion feedback, in the janus.plugin.videoroom dialect",
	.author = "lumen",
	.config_section = "rooms",
	.init = rooms_init,
	.start = rooms_start,
	.stop = rooms_stop,
	.destroy = rooms_destroy,
	.attach = rooms_attach,
	.message = rooms_message,
	.setup_media = rooms_setup_media,
	.hangup = rooms_hangup,
	.detach = rooms_detach,
	.rtp_in = rooms_rtp_in,
	.rtcp_in = rooms_rtcp_in,
	.data_in = rooms_data_in,
	.query_handle = rooms_query_handle,
	.check_config = rooms_check_config,
	.keyframe_request = rooms_keyframe_request,
	.bandwidth_estimate = rooms_bandwidth,
};

LUMEN_PLUGIN_DEFINE(rooms_plugin)
