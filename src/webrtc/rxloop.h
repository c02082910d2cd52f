/* rxloop.h -- the daemon's receive loop: every established connection's media read with
 * recvmmsg(2) from one epoll set, one GLib source per main context instead of one per socket.
 *
 * Why: GLib dispatches a socket source (libnice reads each datagram through one) by first
 * taking its fd out of the poll set and putting it back after, and each of those two steps
 * writes the context's wake-up eventfd; the next poll(2) then returns at once for that eventfd
 * alone. So every received packet cost two poll(2) calls over every socket of every
 * connection, two write(2)s and a read(2) (strace of lumen at fanout N = 20: 1.9 polls and
 * 1.9 eventfd writes per received packet; the poll alone was 20 % of lumen's CPU, and it grows
 * with the number of connections). This loop's source may recurse (GLib then leaves its fd in
 * the poll set), and it holds one fd, an epoll set.
 *
 * How: a connection whose ICE pair is plain UDP gets a second socket on the pair's local port
 * (rxsplit.h: the kernel steers STUN to libnice's socket and everything else to ours).
 * lumen_rxloop_add registers both: the media socket is read here in batches and each datagram
 * handed to the connection's input function; libnice's sockets move to the loop's STUN
 * context, which the loop iterates when the pair's libnice socket is readable (consent
 * checks, keepalives), or another of the agent's UDP sockets that the owner registered
 * (lumen_rxloop_watch). Sockets no watch covers (TCP) are read every LUMEN_RXLOOP_STUN_MS, by a
 * timer that runs only while some connection has such sockets (lumen_rxloop_poll_others): a
 * timer of its own would wake an otherwise idle process 10 times a second (strace of lumen at
 * fanout N = 20: 10 of its ~210 wake-ups a second were that timer, each a poll over every
 * socket of every connection).
 *
 * Threads: one loop per GMainContext; everything (new, add, remove, free) on the thread that
 * runs that context, where the input functions are called too. Ownership: the loop owns its
 * connection records and their media sockets; the pair's socket stays libnice's (remove the
 * connection before libnice closes it). */
#ifndef LUMEN_WEBRTC_RXLOOP_H
#define LUMEN_WEBRTC_RXLOOP_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define LUMEN_RXLOOP_STUN_MS 100 /* how often the timer reads sockets no watch covers */

struct lumen_rxloop;
struct lumen_rxloop_conn;

/* One datagram of the connection (never STUN, never empty): buf is writable and valid during the call only;
 * rx_ns: its kernel receive time (CLOCK_REALTIME ns) or 0. May remove any connection, this
 * one included (the rest of its batch is then dropped). */
typedef void (*lumen_rxloop_input_fn)(void *user, uint8_t *buf, size_t len, int64_t rx_ns);

struct lumen_rxloop_stats {
	uint64_t wakeups;   /* dispatches of the loop's source */
	uint64_t reads;     /* recvmmsg calls that returned datagrams */
	uint64_t datagrams; /* datagrams handed to input functions */
	uint64_t stun_runs; /* iterations of the STUN context */
	uint64_t add_failures; /* lumen_rxloop_add errors (those connections use libnice) */
	/* STUN or empty datagrams on a media socket, dropped (the moment before the split's BPF
	 * program is attached, see rxloop.c's drain) */
	uint64_t stun_dropped;
	unsigned conns;     /* connections registered now */
	unsigned others;    /* other sockets of their agents watched now (lumen_rxloop_watch) */
	unsigned polled;    /* connections with sockets the timer reads (lumen_rxloop_poll_others) */
};

/* A loop attached to ctx (NULL: the default context). Returns NULL with *err (g_malloc'd)
 * when the epoll set cannot be made. */
struct lumen_rxloop *lumen_rxloop_new(GMainContext *ctx, char **err);
/* Every connection must have been removed. NULL: nothing. */
void lumen_rxloop_free(struct lumen_rxloop *l);

/* Where the connections' libnice sockets go (nice_agent_attach_recv) while they are
 * registered. Owned by the loop. */
GMainContext *lumen_rxloop_stun_context(struct lumen_rxloop *l);

/* Registers a connection whose ICE pair is plain UDP on pair_fd (libnice's socket, already
 * attached to the STUN context): makes the media socket on the same port (rxsplit.h, owned by
 * the record), reads it in batches into input(user, ...), and iterates the STUN context when
 * pair_fd is readable. Reads what the STUN context had queued at once. Returns the record, or
 * NULL with *err set to a negative errno (socket, bind, BPF, epoll_ctl; counted in
 * add_failures): libnice then keeps reading everything. */
struct lumen_rxloop_conn *lumen_rxloop_add(struct lumen_rxloop *l, int pair_fd,
					   lumen_rxloop_input_fn input, void *user, int *err);
/* Unregisters it and closes its media socket (datagrams queued there are dropped: libnice's
 * socket gets everything again from now on). Its input is not called again; the record is
 * freed now or, from inside the loop's dispatch, when that ends. NULL: nothing. */
void lumen_rxloop_remove(struct lumen_rxloop *l, struct lumen_rxloop_conn *c);

/* Also iterates the STUN context when fd is readable: another UDP socket of c's agent (a local
 * candidate other than the pair's), attached to the STUN context like the pair's. fd stays
 * libnice's and must stay open until c is removed (an agent's UDP sockets live as long as its
 * stream). Returns 0 (also when fd is watched already) or a negative errno: -EINVAL (a bad fd,
 * c's own, a removed c), -ENOSPC (16 watched already) or epoll_ctl's; the owner then has the
 * timer read it (lumen_rxloop_poll_others). */
int lumen_rxloop_watch(struct lumen_rxloop *l, struct lumen_rxloop_conn *c, int fd);

/* c's agent has sockets no watch covers: while any such connection is registered the loop
 * iterates the STUN context every LUMEN_RXLOOP_STUN_MS. Once per connection is enough. */
void lumen_rxloop_poll_others(struct lumen_rxloop *l, struct lumen_rxloop_conn *c);

void lumen_rxloop_get_stats(const struct lumen_rxloop *l, struct lumen_rxloop_stats *out);

#endif
