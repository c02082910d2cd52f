/* peer.c -- the run environment (certificate, DTLS context, Janus session), room requests, and
 * the handle + peer connection plumbing shared by publishers (pub.c) and subscribers (sub.c). */
#include <string.h>

#include "peer_internal.h"
#include "webrtc/cert.h"
#include "webrtc/dtls.h"

static uint64_t room_handle; /* the handle room requests go through; one env at a time */

int bench_env_init(struct bench_env *env, const struct bench_opts *o, char **err)
{
	memset(env, 0, sizeof(*env));
	env->o = o;
	env->enforce[0] = o->ice_ip;
	env->cert = lumen_cert_new();
	env->dctx = env->cert ? lumen_dtls_ctx_new(env->cert) : NULL;
	if (!env->dctx) {
		*err = g_strdup("cannot make a DTLS certificate");
		return -1;
	}
	env->j = bench_janus_new(o->url, BENCH_STEP_MS, err);
	if (!env->j)
		return -1;
	env->sess[0] = env->j;
	env->sess_handles[0] = 1; /* the room handle */
	env->n_sess = 1;
	if (o->rx != BENCH_RX_GLIB &&
	    !(env->rx = bench_rx_new(o->rx == BENCH_RX_SPLIT, o->rx_poll_ms, err)))
		return -1;
	return 0;
}

void bench_env_fini(struct bench_env *env)
{
	if (room_handle && env->j)
		bench_janus_detach(env->j, room_handle);
	room_handle = 0;
	for (int i = 1; i < env->n_sess; i++)
		bench_janus_free(env->sess[i]);
	bench_janus_free(env->j);
	lumen_dtls_ctx_free(env->dctx);
	lumen_cert_free(env->cert);
	bench_rx_free(env->rx);
	env->rx = NULL;
	env->j = NULL;
	env->dctx = NULL;
	env->cert = NULL;
}

static json_t *room_request(struct bench_env *env, json_t *body, char **err)
{
	if (!room_handle && !(room_handle = bench_janus_attach(env->j, BENCH_PLUGIN, err))) {
		json_decref(body);
		return NULL;
	}
	return bench_janus_message(env->j, room_handle, body, NULL, BENCH_STEP_MS, err);
}

int bench_room_create(struct bench_env *env, uint64_t room, int publishers, char **err)
{
	/* "mode" is lumen's (a fixed sfu room, whatever its size); Janus ignores it. No bitrate
	 * cap: the publishers send what --bitrate says. With --record the room is recorded:
	 * lumen's rooms start the recorder on the first join, Janus records each publisher into
	 * rec_dir. */
	json_t *body = json_pack("{sssIsisisssb}", "request", "create", "room", (json_int_t)room,
	                         "publishers", publishers, "max_participants", publishers + 8,
	                         "mode", "sfu", "is_private", 1);
	json_t *r;

	if (env->o->record)
		json_object_set_new(body, "record", json_true());
	if (env->o->record && env->o->rec_dir)
		json_object_set_new(body, "rec_dir", json_string(env->o->rec_dir));
	r = room_request(env, body, err);
	json_decref(r);
	return r ? 0 : -1;
}

void bench_room_destroy(struct bench_env *env, uint64_t room)
{
	char *err = NULL;

	json_decref(room_request(
	    env, json_pack("{sssI}", "request", "destroy", "room", (json_int_t)room), &err));
	if (err)
		bench_log("destroy room %" G_GUINT64_FORMAT ": %s\n", room, err);
	g_free(err);
}

static void conn_event(void *user, uint64_t sender, json_t *ev)
{
	struct bench_conn *c = user;
	const char *kind = json_string_value(json_object_get(ev, "janus"));
	json_t *cand = json_object_get(ev, "candidate");

	(void)sender;
	if (!kind || !c->pc)
		return;
	if (!strcmp(kind, "trickle")) {
		const char *s = json_string_value(json_object_get(cand, "candidate"));
		if (s)
			lumen_pc_add_remote_candidate(c->pc, s);
		else if (json_is_true(json_object_get(cand, "completed")))
			lumen_pc_remote_candidates_done(c->pc);
	} else if (!strcmp(kind, "webrtcup") && !c->server_up) {
		c->server_up = true;
		c->server_up_ns = bench_now_ns();
	} else if (!strcmp(kind, "hangup") && !c->dead) {
		c->dead = true;
		c->env->hangups++;
		g_strlcpy(c->hangup, "server hung up", sizeof(c->hangup));
	}
}

int bench_conn_attach(struct bench_conn *c, struct bench_env *env, char **err)
{
	int i;

	c->env = env;
	for (i = 0; i < env->n_sess && env->sess_handles[i] >= BENCH_SESSION_HANDLES; i++)
		;
	if (i == BENCH_MAX_SESSIONS) {
		*err = g_strdup("too many handles for the bench's sessions");
		return -1;
	}
	if (i == env->n_sess) {
		if (!(env->sess[i] = bench_janus_new(env->o->url, BENCH_STEP_MS, err)))
			return -1;
		env->n_sess++;
	}
	c->sess = i;
	c->j = env->sess[i];
	c->handle = bench_janus_attach(c->j, BENCH_PLUGIN, err);
	if (!c->handle)
		return -1;
	env->sess_handles[i]++;
	bench_janus_route(c->j, c->handle, conn_event, c);
	return 0;
}

int bench_conn_attach_own(struct bench_conn *c, struct bench_env *env, char **err)
{
	c->env = env;
	c->sess = -1;
	if (!(c->own = bench_janus_new(env->o->url, BENCH_STEP_MS, err)))
		return -1;
	c->created_ns = bench_now_ns();
	c->j = c->own;
	c->handle = bench_janus_attach(c->j, BENCH_PLUGIN, err);
	if (!c->handle)
		return -1;
	c->attached_ns = bench_now_ns();
	bench_janus_route(c->j, c->handle, conn_event, c);
	return 0;
}

static void on_candidate(void *u, const char *cand)
{
	if (!cand)
		((struct bench_conn *)u)->gathered = true;
}

/* Not from on_up itself: that runs inside libnice's receive callback, whose sources the
 * switch moves. */
static gboolean rx_switch(gpointer u)
{
	struct bench_conn *c = u;
	int rc;

	c->rx_switch = 0;
	if (c->dead || !c->pc || !c->env->rx)
		return G_SOURCE_REMOVE;
	rc = bench_rx_add(c->env->rx, &c->rx, c->pc);
	if (rc < 0) {
		static bool said;
		if (!said)
			bench_log("batched receive unavailable (%s): libnice reads this pc\n",
			          g_strerror(-rc));
		said = true;
	}
	return G_SOURCE_REMOVE;
}

static void on_up(void *u)
{
	struct bench_conn *c = u;

	c->up = true;
	c->up_ns = bench_now_ns();
	/* At the default priority: an idle one would wait for a loop with nothing else to do,
	 * which a loaded bench never has. */
	if (c->rx_wanted && c->env->rx && !c->rx_switch)
		c->rx_switch = g_idle_add_full(G_PRIORITY_DEFAULT, rx_switch, c, NULL);
}

static void on_hangup(void *u, const char *reason)
{
	struct bench_conn *c = u;

	if (c->dead)
		return;
	c->dead = true;
	c->env->hangups++;
	g_strlcpy(c->hangup, reason, sizeof(c->hangup));
}

static bool gathered(void *a)
{
	return ((struct bench_conn *)a)->gathered;
}

int bench_conn_pc(struct bench_conn *c, struct lumen_pc_callbacks *cb, bool controlling, char **err)
{
	struct lumen_pc_config cfg = {
	    .ice = {.lite = false,
	            .controlling = controlling,
	            /* Like a browser, which checks as soon as it has the candidates; libnice's
	             * default (one check every 20 ms, the first after 20 ms) added 20 ms to
	             * every join against either server. --ice-pacing-ms sets it. */
	            .check_pacing_ms = c->env->o->ice_pacing_ms,
	            .enforce = c->env->enforce[0] ? c->env->enforce : NULL,
	            /* --rx batch reads a subscriber's socket itself once up: no consent
	             * responses would reach libnice (rx.h). */
	            .consent_off = c->rx_wanted && c->env->o->rx == BENCH_RX_BATCH},
	    .cert = c->env->cert,
	    .dtls_ctx = c->env->dctx,
	    .gcm_only_for_tests = c->env->o->srtp == BENCH_SRTP_GCM,
	    /* A browser answers a=setup:active (the DTLS client); --dtls-role passive does not. */
	    .dtls_active_answer = !c->env->o->dtls_passive,
	};

	cb->on_candidate = on_candidate;
	cb->on_up = on_up;
	cb->on_hangup = on_hangup;
	cb->user = c;
	c->pc = lumen_pc_new(NULL, &cfg, cb, err);
	if (!c->pc)
		return -1;
	int64_t t = bench_now_ns();

	if (!bench_pump(gathered, c, 3000)) {
		*err = g_strdup("ICE gathering did not finish in 3 s");
		return -1;
	}
	if (bench_now_ns() - t > 500000000)
		bench_log("ICE gathering took %.0f ms\n", (double)(bench_now_ns() - t) / 1e6);
	return 0;
}

void bench_conn_fini(struct bench_conn *c)
{
	/* Detaching leaves the room (both servers do it on detach), so no "leave" first: one
	 * request per handle, not awaited, keeps the teardown of 100 subscribers short. */
	if (c->rx_switch)
		g_source_remove(c->rx_switch);
	c->rx_switch = 0;
	bench_rx_remove(c->env ? c->env->rx : NULL, &c->rx);
	if (c->handle) {
		bench_janus_detach(c->j, c->handle);
		if (c->sess >= 0)
			c->env->sess_handles[c->sess]--;
	}
	lumen_pc_free(c->pc);
	c->pc = NULL;
	c->handle = 0;
	bench_janus_free(c->own); /* destroys the session: waits for the detach to go out */
	c->own = NULL;
}

json_t *bench_jsep(const char *type, const char *sdp)
{
	return json_pack("{ssss}", "type", type, "sdp", sdp);
}
