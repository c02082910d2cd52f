/* pc_rawrx.h -- a peer connection's received datagrams read by its owner instead of libnice
 * (ice.h lumen_ice_rx_split, rxsplit.h): for lumen-bench's hundreds of subscribers, which read
 * every connection's socket with recvmmsg(2) from one epoll set. The daemon does not use it.
 * Same thread rules as pc.h: the pc's context only. */
#ifndef LUMEN_PC_RAWRX_H
#define LUMEN_PC_RAWRX_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

struct lumen_pc;

/* Once the pc is up: a socket of the pc's selected pair that receives everything but STUN
 * (which libnice keeps reading, on stun_ctx if not NULL). The fd belongs to the pc (valid until
 * lumen_pc_free; do not close it). Returns the fd, -EAGAIN before the pc is up or after it
 * closed, or another negative errno (lumen_ice_rx_split). */
int lumen_pc_rawrx_open(struct lumen_pc *pc, GMainContext *stun_ctx);
/* Once the pc is up: the selected pair's own socket, everything on it included (STUN too), which
 * libnice then reads no more (ice.h lumen_ice_rx_take: the pc must have been made with
 * config.ice.consent_off; park_ctx is a context the caller never iterates). The fd is libnice's
 * (valid until lumen_pc_free; do not close it). Returns the fd, -EAGAIN before the pc is up or
 * after it closed, or another negative errno. */
int lumen_pc_rawrx_take(struct lumen_pc *pc, GMainContext *park_ctx);
/* A datagram read from that socket (or the taken one): processed as if libnice had delivered it
 * (DTLS, SRTP, SRTCP; callbacks run from here). buf is decrypted in place. rx_ns: kernel receive
 * time (CLOCK_REALTIME) or 0. */
void lumen_pc_rawrx_input(struct lumen_pc *pc, uint8_t *buf, size_t len, int64_t rx_ns);

#endif
