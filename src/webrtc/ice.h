/* ice.h -- ICE for one peer connection, through libnice: one stream, one component (lumen requires
 * BUNDLE and rtcp-mux, as every current browser offers), UDP host candidates on configured
 * addresses or interfaces, optional server-reflexive candidates from a STUN server, a port range,
 * a NAT 1:1 public address, trickle both ways, ICE restart.
 *
 * Lite mode (the default, RFC 8445 section 2.5) suits a server with a public address: we never
 * send checks, the browser (full, controlling) finds us; remote candidates are then optional, so
 * mDNS-obfuscated ".local" candidates that libnice cannot resolve do no harm.
 *
 * A struct lumen_ice lives on the GMainContext given at creation: every callback runs there, and
 * every function must be called there (it is the peer connection's worker thread). Callbacks
 * receive the registered user pointer, never the owner's type, and must not free the object
 * (free it from the loop later). */
#ifndef LUMEN_ICE_H
#define LUMEN_ICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

struct lumen_ice;

enum lumen_ice_state {
	LUMEN_ICE_NEW = 0,
	LUMEN_ICE_CHECKING,  /* gathering or checking */
	LUMEN_ICE_CONNECTED, /* a working pair (selected for lite agents) */
	LUMEN_ICE_FAILED,    /* no pair works, or consent was lost */
	LUMEN_ICE_CLOSED,
};

struct lumen_ice_config {
	bool lite;                    /* lite mode (we are controlled), else full mode */
	/* Lite mode: no pair in use at the peer's nominating check itself (nominate.h), only at
	 * libnice's selection, which follows a triggered check of its own and its response. */
	bool no_early_nominate;
	bool controlling;             /* full mode only: we are the controlling agent */
	uint16_t port_min, port_max;  /* UDP port range, 0/0 = any */
	const char *const *enforce;   /* NULL-terminated IP addresses or interface names to gather
				       * on; NULL or empty = every non-loopback interface */
	const char *const *ignore;    /* addresses or interfaces never to use (with automatic
				       * gathering only) */
	const char *nat_1_1;          /* public IP announced in host candidates instead of ours */
	const char *stun_host;        /* STUN server for srflx candidates (full mode), or NULL */
	uint16_t stun_port;
	bool ipv6;                    /* also IPv6 addresses when gathering automatically */
	/* Full mode: Ta, the pacing of our connectivity checks in ms (libnice's stun-pacing-timer;
	 * 0 = its default, 20). The first check waits one Ta after the remote candidates arrive,
	 * where a browser sends it at once: lumen-bench's clients use 5 (RFC 8445's minimum). */
	unsigned check_pacing_ms;
	/* Full mode only: no consent freshness checks (RFC 7675; on by default in full mode). For
	 * an owner that reads the pair's socket itself with lumen_ice_rx_take, where no response
	 * would reach libnice and the connection would fail after 30 s. */
	bool consent_off;
	/* Once a plain UDP pair is selected, its media is read by this loop (rxloop.h; it must
	 * run on the agent's context) instead of by libnice: the daemon's connections. NULL:
	 * libnice reads everything. Not with lumen_ice_rx_split. */
	struct lumen_rxloop *rxloop;
	/* The context the libnice agent lives on (its timers, and its sockets until the receive
	 * loop takes them): NULL, the one given at creation. The daemon's is run from the control
	 * thread's loop only when it has work (subctx.h); callbacks still come on that thread, from
	 * inside the creation context's dispatch. */
	GMainContext *agent_ctx;
};

struct lumen_ice_callbacks {
	/* A local candidate, as an SDP attribute value "candidate:..." (trickle it). */
	void (*on_candidate)(void *user, const char *candidate);
	void (*on_gathering_done)(void *user);
	void (*on_state)(void *user, enum lumen_ice_state state);
	/* A datagram that is not STUN (libnice consumes STUN): DTLS, SRTP or SRTCP. buf is
	 * writable and valid during the call only (decrypt in place). arrival_us: when it reached
	 * this host, on g_get_monotonic_time's clock: the kernel's receive time on a selected plain
	 * UDP pair (read by the receive loop, or by libnice with one SIOCGSTAMPNS per datagram),
	 * else the time it was read. A datagram that waited in the socket while the thread was
	 * busy keeps its real arrival (recordings place packets by it). */
	void (*on_recv)(void *user, uint8_t *buf, size_t len, int64_t arrival_us);
	void *user;
};

/* Parses "LO-HI" (1024 <= LO <= HI <= 65535). Returns 0 or -EINVAL. */
int lumen_ice_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi);

/* Creates the agent on ctx and starts gathering. Returns NULL with *err (malloc'd) when no
 * address can be used or the port range is exhausted. cfg's strings are copied. */
struct lumen_ice *lumen_ice_new(GMainContext *ctx, const struct lumen_ice_config *cfg,
				const struct lumen_ice_callbacks *cb, char **err);

/* Local ICE credentials (valid until the next restart). */
const char *lumen_ice_local_ufrag(const struct lumen_ice *ice);
const char *lumen_ice_local_pwd(const struct lumen_ice *ice);

/* Local candidates gathered so far, as "candidate:..." strings: a NULL-terminated array to
 * free with g_strfreev. */
char **lumen_ice_local_candidates(const struct lumen_ice *ice);
bool lumen_ice_gathering_done(const struct lumen_ice *ice);

/* Remote credentials from the peer's description. Returns 0 or -EINVAL. */
int lumen_ice_set_remote_credentials(struct lumen_ice *ice, const char *ufrag, const char *pwd);

/* A remote candidate ("candidate:..." or "a=candidate:..."). Returns 0, -EINVAL if malformed,
 * -ENOTSUP for what libnice cannot use here (mDNS names, TCP): harmless in lite mode. */
int lumen_ice_add_remote_candidate(struct lumen_ice *ice, const char *candidate);
void lumen_ice_remote_gathering_done(struct lumen_ice *ice);

/* Sends one datagram on the selected pair: straight to its UDP socket when the pair is plain UDP
 * (queued in the thread's batch inside lumen_ice_tx_begin/flush, else one sendto(2)), otherwise
 * through libnice (TCP, TURN). Returns len, -EAGAIN before a pair is selected or when the
 * socket's buffer is full (the datagram is dropped; a batched one is counted at the flush, see
 * txbatch.h), or -EIO. */
ssize_t lumen_ice_send(struct lumen_ice *ice, const uint8_t *buf, size_t len);

/* Batching on the calling thread (webrtc/txbatch.h): media sent between lumen_ice_tx_begin() and
 * the matching lumen_ice_tx_flush() leaves in one system call at the flush; pairs nest. The
 * receive callback already runs inside such a pair. A media worker brackets each hand-off it
 * processes. lumen_ice_send is safe on any thread: the selected pair's fd, address and the state
 * it reads are changed on the agent's thread and read without a lock (sendpath.h; the caller must
 * still keep the object alive: no lumen_ice_free during a send). */
void lumen_ice_tx_begin(void);
unsigned lumen_ice_tx_flush(void); /* returns the packets it submitted */
/* Submits what the open batch holds now, keeping it open (lumen_txbatch_push). */
void lumen_ice_tx_push(void);

/* Receiving the selected pair's datagrams on a socket of the caller's (a load generator with
 * hundreds of connections: webrtc/rxsplit.h). Once connected on a plain UDP pair, makes a socket
 * bound to the pair's local address and port that gets every datagram that is not STUN, and
 * moves libnice's sockets (which keep STUN: consent freshness, keepalives, the peer's checks)
 * to stun_ctx, which the caller iterates now and then (NULL: they stay on the agent's context).
 * The caller reads the returned fd (non-blocking, SO_TIMESTAMPNS on; lumen_rxbatch_read) and
 * hands each datagram to lumen_ice_rx_input. The fd belongs to the ice object: it stays valid
 * until lumen_ice_free, on the pair it was made for (not for agents that restart). Calling it
 * again returns the same fd. Returns the fd, -EAGAIN before ICE is connected, -ENOTSUP when
 * the pair is not plain UDP, -EBUSY when the agent has a receive loop (config.rxloop) or
 * its socket was taken (lumen_ice_rx_take), or another negative errno (socket, bind, BPF). */
int lumen_ice_rx_split(struct lumen_ice *ice, GMainContext *stun_ctx);
/* Like lumen_ice_rx_split, but without a second socket: the caller reads the pair's own socket
 * (libnice's), STUN included, and libnice reads it no more (its sockets' sources move to
 * park_ctx, which the caller never iterates). So nothing answers the peer's binding requests
 * and no response reaches libnice from then on: only for an agent made with consent_off whose
 * peer needs no answers once connected (an ICE-lite server; a full one that sends keepalive
 * indications, not requests). STUN the caller reads is its to drop (lumen_ice_rx_input drops it
 * too). Why, over the split: the socket stays alone on its port, so the kernel finds it without
 * a reuseport group and its BPF program, as it finds a browser's (lumen-bench: the load's
 * receive runs on the sender's CPU, the server's, on one machine). Returns the pair's fd
 * (libnice's: do not close it; valid until lumen_ice_free, on the pair it was taken for) with
 * SO_TIMESTAMPNS on, or an error as lumen_ice_rx_split (-EBUSY also after a split). Calling it
 * again returns the same fd. */
int lumen_ice_rx_take(struct lumen_ice *ice, GMainContext *park_ctx);
/* One datagram read from the split (or taken) socket, into the path libnice's would take (on_recv,
 * in a send batch). buf is writable (decrypted in place); rx_ns: its kernel receive time
 * (CLOCK_REALTIME ns, lumen_rxbatch), or 0. */
void lumen_ice_rx_input(struct lumen_ice *ice, uint8_t *buf, size_t len, int64_t rx_ns);

/* ICE restart: new local credentials, remote ones must be set again. Returns 0 or -EIO. */
int lumen_ice_restart(struct lumen_ice *ice);

/* The selected pair as "local-ip:port <-> remote-ip:port" (for logs and admin), or NULL. */
char *lumen_ice_selected_pair(const struct lumen_ice *ice);

enum lumen_ice_state lumen_ice_state(const struct lumen_ice *ice);

/* Frees the agent; no callback runs after this returns. NULL ok. */
void lumen_ice_free(struct lumen_ice *ice);

#endif
