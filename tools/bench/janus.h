/* janus.h -- a minimal Janus JSON-over-HTTP client for lumen-bench: one session, its handles,
 * requests that wait for their reply (and, for asynchronous plugin requests, for the event with
 * the same transaction), and one long poll (maxev=10) that routes every other event to a callback.
 *
 * Works against lumen and Janus alike (the same protocol). Runs on the default GMainContext;
 * every wait pumps it (bench_pump), so peer connections and media timers keep running. Not
 * thread-safe. Ownership: json_t results returned are new references (json_decref them). */
#ifndef BENCH_JANUS_H
#define BENCH_JANUS_H

#include <stdint.h>

#include <jansson.h>

struct bench_janus;

/* An event that is no reply to a waiting request (trickle, webrtcup, media, hangup, plugin
 * events without our transaction): sender is the handle id (0 if none). ev is borrowed. */
typedef void (*bench_janus_event_cb)(void *user, uint64_t sender, json_t *ev);

/* Creates a session on url (".../janus") and starts its long poll. Returns NULL with *err
 * (g_free) when the server refuses or does not answer within timeout_ms. */
struct bench_janus *bench_janus_new(const char *url, int timeout_ms, char **err);

/* Destroys the session on the server (best effort, bounded) and frees everything. NULL ok. */
void bench_janus_free(struct bench_janus *j);

/* Routes handle sender's unsolicited events to cb(user, ...); cb NULL removes the route. */
void bench_janus_route(struct bench_janus *j, uint64_t sender, bench_janus_event_cb cb, void *user);

/* Attaches a handle of plugin. Returns its id, or 0 with *err. */
uint64_t bench_janus_attach(struct bench_janus *j, const char *plugin, char **err);
/* Detaches a handle (best effort). */
void bench_janus_detach(struct bench_janus *j, uint64_t handle);

/* Sends a plugin message (body and jsep are stolen; jsep may be NULL). Returns the plugin's
 * answer: the whole "success" reply, or for an "ack" the "event" with the same transaction that
 * follows. NULL with *err on an error reply, a plugin error (error_code in plugindata.data), or
 * a timeout. */
json_t *bench_janus_message(struct bench_janus *j, uint64_t handle, json_t *body, json_t *jsep,
                            int timeout_ms, char **err);

/* Sends a trickle request for handle: candidate "candidate:..." with sdpMid mid, or NULL for
 * {"completed": true}. Does not wait for the ack. */
void bench_janus_trickle(struct bench_janus *j, uint64_t handle, const char *candidate,
                         const char *mid);

/* Helpers on a plugin answer: plugindata.data (borrowed, or NULL) and the jsep's sdp (borrowed
 * or NULL). */
json_t *bench_janus_data(json_t *answer);
const char *bench_janus_sdp(json_t *answer);

#endif
