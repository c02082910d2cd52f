/* rxstamp.h -- the kernel's receive time of a datagram read by someone else (libnice), and a
 * receive time on g_get_monotonic_time's clock (what ice.h's on_recv reports as arrival).
 *
 * Why: a packet that waits in its socket while the thread is busy (a plugin's on_up, a large
 * fan-out) must keep its arrival, which recordings place it by. The receive loop reads its
 * datagrams with SO_TIMESTAMPNS (rxsplit.h); libnice reads the others one at a time, after
 * which SIOCGSTAMPNS gives the stamp of the datagram just read.
 *
 * Engine code: no logging, no state of its own. Any thread (the fd's reader). */
#ifndef LUMEN_WEBRTC_RXSTAMP_H
#define LUMEN_WEBRTC_RXSTAMP_H

#include <stdint.h>

/* Has the kernel stamp what arrives on fd from now on. The kernel switches receive stamps on a
 * moment after the first socket of the host asks (a deferred static key), so ask when the socket
 * is made, not when its first media is due. */
void lumen_rxstamp_enable(int fd);

/* The kernel's receive time (CLOCK_REALTIME, ns) of the datagram just read from fd (the first
 * call switches stamps on, as lumen_rxstamp_enable). 0 when there is none (nothing read since
 * stamps were switched on) or when it equals *last_ns, i.e. no datagram was read from fd since
 * the last call (the caller's came from another socket). Updates *last_ns. */
int64_t lumen_rxstamp_last(int fd, int64_t *last_ns);

/* rx_ns (CLOCK_REALTIME ns, 0: unknown) on g_get_monotonic_time's clock: now minus the
 * datagram's age. Unknown, or an age outside [0, 10 s] (the wall clock moved between the stamp
 * and now): now, the read time. */
int64_t lumen_rxstamp_arrival_us(int64_t rx_ns);

#endif
