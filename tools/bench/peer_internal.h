/* peer_internal.h -- what pub.c and sub.c share from peer.c: one handle with its peer
 * connection (struct bench_conn), made and negotiated the same way for both roles. Internal to
 * lumen-bench's peer module. */
#ifndef BENCH_PEER_INTERNAL_H
#define BENCH_PEER_INTERNAL_H

#include "peer.h"
#include "rx.h"
#include "webrtc/pc.h"

#define BENCH_PLUGIN  "janus.plugin.videoroom"
#define BENCH_STEP_MS 20000 /* the longest any signalling step may take */

struct bench_conn {
	struct bench_env *env;
	struct bench_janus *j; /* the session the handle lives in */
	int sess;              /* its index in env->sess, or -1: own (a session of its own) */
	struct bench_janus *own;
	int64_t created_ns, attached_ns; /* own session: created, handle attached */
	uint64_t handle;
	struct lumen_pc *pc;
	bool up, gathered, dead;
	/* The server said "webrtcup" for this handle: its side of the pc is up. Janus makes a
	 * publisher's feed subscribable only from then on (before: 428 "No such feed"). */
	bool server_up;
	int64_t server_up_ns;
	int64_t up_ns; /* when our pc came up (ICE + DTLS done) */
	/* A subscriber's: once up, its datagrams go to env->rx (rx.h). Set by the role before
	 * bench_conn_pc; the switch runs from the main loop just after on_up (rx_switch). */
	bool rx_wanted;
	guint rx_switch;
	struct bench_rx_conn rx;
	char hangup[160];
};

/* Attaches conn's handle and routes its events (trickle, hangup) to conn. */
int bench_conn_attach(struct bench_conn *c, struct bench_env *env, char **err);
/* The same in a new session of conn's own (destroyed by bench_conn_fini). */
int bench_conn_attach_own(struct bench_conn *c, struct bench_env *env, char **err);
/* Creates conn's pc with cb (whose on_candidate, on_up and on_hangup conn fills in; user is set
 * to c), then waits (bounded) until its candidates are gathered, so the SDP carries them. */
int bench_conn_pc(struct bench_conn *c, struct lumen_pc_callbacks *cb, bool controlling,
                  char **err);
/* Detaches the handle (not awaited: that leaves the room too), frees the pc, and destroys
 * conn's own session if it has one. */
void bench_conn_fini(struct bench_conn *c);

/* A jsep object {"type": type, "sdp": sdp}. */
json_t *bench_jsep(const char *type, const char *sdp);

#endif
