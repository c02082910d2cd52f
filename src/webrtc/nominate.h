/* nominate.h -- an ICE-lite agent's pair taken at the peer's nominating check (RFC 8445 §7.3.2).
 *
 * Why: a lite agent sends no checks; it takes the pair on which the controlling peer's Binding
 * request with USE-CANDIDATE arrived. libnice 0.1.21's lite mode instead answers that request
 * with a triggered check of its own, sent at the agent's next Ta tick, and selects the pair only
 * when the peer answers it: one tick and one round trip during which the peer's DTLS hello
 * waits (lumen-bench join trace: hello in at 3.72 ms, our triggered check at 4.34, our flight at
 * 4.68). A watch peeks at the agent's sockets before libnice reads them, and reports the first
 * valid nominating check: the socket it came on and the peer's address. libnice still reads,
 * answers and selects as before; its selection, when it comes, is the one that stays.
 *
 * How the peek coexists with libnice's socket sources on one context: the watch's source has a
 * higher priority, so it runs first; it peeks (MSG_PEEK), then stops polling its sockets until a
 * second source, of a lower priority than libnice's, runs, which GLib does only in an iteration
 * where libnice's sources had nothing to do. So every datagram is peeked at most once in the
 * common case, libnice never starves, and a datagram libnice reads meanwhile is simply not seen
 * (the nomination then comes through libnice's own path, one tick later).
 *
 * Threads: everything on the thread that runs the context. Ownership: the watch holds
 * references to the sockets it was given. */
#ifndef LUMEN_WEBRTC_NOMINATE_H
#define LUMEN_WEBRTC_NOMINATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <gio/gio.h>

struct lumen_nominate;

/* The first valid nominating check: sock (one of the watch's; take a reference to keep it) and
 * the peer's address. The watch reports once; it may be freed from this call. */
typedef void (*lumen_nominate_fn)(void *user, GSocket *sock, const struct sockaddr *from,
				  socklen_t from_len);

/* Whether buf is a Binding request that nominates a pair of the agent whose local credentials
 * are ufrag and pwd: USERNAME "ufrag:*", a MESSAGE-INTEGRITY that pwd verifies, a FINGERPRINT,
 * ICE-CONTROLLING (a lite agent is always the controlled one) and USE-CANDIDATE. Anything else,
 * malformed or truncated input included, is false. */
bool lumen_nominate_check(const uint8_t *buf, size_t len, const char *ufrag, const char *pwd);

/* Watches socks (GSocket, UDP; references taken) on ctx (NULL: the global default context, as
 * libnice takes NULL) for a nominating check with these credentials (copied). Returns NULL when
 * there is nothing to watch. */
struct lumen_nominate *lumen_nominate_new(GMainContext *ctx, GPtrArray *socks, const char *ufrag,
					  const char *pwd, lumen_nominate_fn fn, void *user);
/* Stops watching. NULL: nothing. */
void lumen_nominate_free(struct lumen_nominate *n);

#endif
