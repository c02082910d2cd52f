/* rxsplit.h -- receiving a UDP port's media on a socket of one's own, in batches, while the
 * socket that owns the port (libnice's) keeps getting its STUN.
 *
 * Why: a load generator with hundreds of peer connections reads each one's datagrams through
 * libnice, one recvmsg(2) and one GLib source dispatch per packet, and GLib polls every socket
 * on each wake-up. lumen_rxsplit_open binds a second socket to the same address and port and
 * puts both in one SO_REUSEPORT group whose classic BPF program steers each datagram by its
 * first byte (RFC 7983): STUN (0..3) to the original socket, everything else (DTLS, SRTP,
 * SRTCP) to the new one. libnice thus still sees every binding request and response (consent
 * freshness, keepalives, the peer's checks) and nothing else; the owner reads the rest with
 * recvmmsg(2), each datagram with its kernel receive time (SO_TIMESTAMPNS).
 *
 * Linux only (SO_ATTACH_REUSEPORT_CBPF, 4.5+). Plain sockets and buffers, no GLib, no state
 * outside the caller's struct: usable from any thread that owns the socket. */
#ifndef LUMEN_WEBRTC_RXSPLIT_H
#define LUMEN_WEBRTC_RXSPLIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Makes a non-blocking socket that receives every non-STUN datagram sent to fd's local address
 * and port (fd: a bound UDP socket; it gets SO_REUSEPORT set). The caller owns the result
 * (close(2) it; fd gets everything again from then on). Datagrams queued on fd before the call
 * stay there. Returns the fd or a negative errno. */
int lumen_rxsplit_open(int fd);

#define LUMEN_RXBATCH_MAX 32
#define LUMEN_RXBATCH_MTU 2048

/* Buffers for one recvmmsg(2) of up to LUMEN_RXBATCH_MAX datagrams (about 70 KiB: allocate it
 * with lumen_rxbatch_new, or zero-fill it, e.g. static; not on a small stack). Fill-in by
 * lumen_rxbatch_read; the datagrams are valid until the next read. */
struct lumen_rxbatch {
	unsigned n;
	/* Headers [0, dirty) were written by the last read; [0, ready) are set up otherwise. A read
	 * sets up only those, not all LUMEN_RXBATCH_MAX (which cost ~450 instructions per read,
	 * most reads bringing one datagram). Zero: nothing set up yet. */
	unsigned dirty, ready;
	struct mmsghdr msg[LUMEN_RXBATCH_MAX];
	struct iovec iov[LUMEN_RXBATCH_MAX];
	int64_t rx_ns[LUMEN_RXBATCH_MAX]; /* kernel receive time, CLOCK_REALTIME; 0: none */
	char ctl[LUMEN_RXBATCH_MAX][64];
	uint8_t buf[LUMEN_RXBATCH_MAX][LUMEN_RXBATCH_MTU];
};

/* Reads up to max (<= LUMEN_RXBATCH_MAX) datagrams from fd without blocking. Returns how many
 * (0: none waiting) or a negative errno. Datagram i is buf[i][0..msg[i].msg_len); a datagram
 * longer than LUMEN_RXBATCH_MTU is truncated (msg_flags has MSG_TRUNC). */
int lumen_rxbatch_read(struct lumen_rxbatch *b, int fd, unsigned max);

/* A zero-filled batch (calloc), or NULL when out of memory; lumen_rxbatch_free frees it. */
struct lumen_rxbatch *lumen_rxbatch_new(void);
void lumen_rxbatch_free(struct lumen_rxbatch *b);

/* Turns on the kernel receive timestamps lumen_rxbatch_read reports (lumen_rxsplit_open does it
 * for its socket). Returns 0 or a negative errno. */
int lumen_rxbatch_enable_stamps(int fd);

#endif
