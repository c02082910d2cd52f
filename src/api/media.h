/* api/media.h -- the peer connection of a handle: the bridge between the Janus protocol (jsep,
 * trickle, hangup, the webrtcup/media/hangup/trickle events), the plugin's media callbacks and
 * services, and the WebRTC engine (src/webrtc/pc.h).
 *
 * A handle gets a peer connection when the first jsep goes through it (the client's offer, or
 * the plugin's offer) and loses it on hangup or detach. The process-wide DTLS identity (an ECDSA
 * P-256 certificate generated at start, or media.dtls_cert/dtls_key) is created by
 * api_media_init. Control thread only: every peer connection lives on the API's GMainContext. */
#ifndef LUMEN_API_MEDIA_H
#define LUMEN_API_MEDIA_H

#include <stdbool.h>
#include <jansson.h>
#include <lumen/plugin.h>

struct lumen_api;
struct lumen_config;

/* Creates the DTLS identity. Returns 0 or -errno with *err (a bad certificate file). */
int api_media_init(struct lumen_api *api, const struct lumen_config *cfg, char **err);
void api_media_fini(struct lumen_api *api);
/* The certificate's sha-256 fingerprint (for info and tests). */
const char *api_media_fingerprint(const struct lumen_api *api);

/* A client's jsep (already type-checked): applies it to h's peer connection, creating it for an
 * offer. Returns 0, or -EINVAL with *err for SDP lumen cannot use (reply 465), -EPROTO for an
 * answer nobody asked for (469), -EIO when no peer connection can be created (ICE: 490). */
int api_media_remote_jsep(struct lumen_handle *h, const json_t *jsep, char **err);

/* A plugin's jsep: completes its SDP (ICE, DTLS, origin) in place in jsep, creating the peer
 * connection for an offer. Returns 0 or -EINVAL with *err. */
int api_media_local_jsep(struct lumen_handle *h, json_t *jsep, char **err);

/* One trickled candidate object {candidate, sdpMid, sdpMLineIndex} or {completed: true}. */
void api_media_trickle(struct lumen_handle *h, const json_t *candidate);

/* Closes h's peer connection if it has one (the hangup event and plugin hangup follow). Returns
 * true if there was one. */
bool api_media_hangup(struct lumen_handle *h, const char *reason);
/* Frees h's peer connection without callbacks (detach). */
void api_media_free(struct lumen_handle *h);
/* Admin view {ice_state, srtp_profile, selected_pair, counters} or NULL. */
json_t *api_media_json(const struct lumen_handle *h);

/* Transmit workers (media.workers): how many there are (1 when sends are inline on the control
 * thread), moving h's relayed RTP to worker (0..n-1; before or after its pc exists; 0 with one
 * worker is a no-op), and where h's relayed RTP is sent (-1: the control thread). Returns 0 or
 * -EINVAL. */
unsigned api_media_n_workers(void);
int api_media_move(struct lumen_handle *h, unsigned worker);
int api_media_worker(const struct lumen_handle *h);

/* The media services of struct lumen_core. */
int api_media_send_rtp(struct lumen_handle *h, const char *mid, const struct lumen_rtp_packet *p,
		       const struct lumen_rtp_rewrite *rw);
int api_media_send_rtcp(struct lumen_handle *h, const uint8_t *buf, size_t len);
int api_media_send_data(struct lumen_handle *h, const char *label, bool binary,
			const uint8_t *buf, size_t len);
int api_media_request_keyframe(struct lumen_handle *h, const char *mid);
int api_media_set_bitrate_cap(struct lumen_handle *h, uint32_t bps);
int api_media_close_pc(struct lumen_handle *h, const char *reason);
int api_media_open_data(struct lumen_handle *h, const char *label, const char *protocol,
			bool ordered, int max_retransmits);

#endif
