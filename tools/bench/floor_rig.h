/* floor_rig.h -- lumen-floor's figures of the benchmark's rig (issue #7): what a send and a
 * received packet cost a server whose peers wait for its datagrams on another CPU, as
 * lumen-bench's do in compare-janus.sh.
 *
 * Why: lumen-floor's other send figures drain an idle receiver between bursts, so no thread
 * waits on it. In the comparison every copy a server sends reaches a socket that a lumen-bench
 * thread on the load's CPU sleeps on, and the kernel's loopback delivery, which runs on the
 * sender's CPU, wakes that thread from there (on this project's VM, session 22: about 0.75 us a
 * sendto() to an idle socket, 2.1-2.6 us to one a thread waits on). And a server wakes up for
 * each packet it receives, which the per-copy floor leaves out: at N subscribers each forwarded
 * packet carries 1/N of that. Two figures, the measuring thread on the server's CPU, a peer
 * thread on the load's:
 *   - fan-out to waiting receivers: lumen's io_uring fan-out (txbatch.h) of one datagram to each
 *     of `fanout` unconnected sockets, every receiving socket in one epoll set that the peer
 *     sleeps on and reads as datagrams arrive; each burst starts once the peer has read the last
 *     one and gone back to sleep;
 *   - receive wake-up: the thread sleeps in poll(2) on an epoll set holding one UDP socket, and
 *     the peer sends it a 1200-byte datagram every FLOOR_RIG_GAP_US; each wake-up then takes
 *     epoll_wait and recvmmsg, as lumen's receive loop does (src/webrtc/rxloop.h). Its CPU
 *     includes the sleep, the wake-up and the switch back: the least a server pays per received
 *     packet here, before any work on it.
 * Both are the measuring thread's CPU time, like a server's figure.
 *
 * Threads: each call starts its peer and joins it before returning. */
#ifndef BENCH_FLOOR_RIG_H
#define BENCH_FLOOR_RIG_H

#include <stdbool.h>
#include <stddef.h>

#include "floor.h"

#define FLOOR_RIG_GAP_US 2000 /* between the peer's datagrams: a 1.5 Mbit/s video stream's ~2.6 ms, rounded */

struct floor_rig_options {
	int peer_cpu; /* the peer thread's CPU; the caller's thread is already on its own */
	int runs;
	long packets; /* fan-out: datagrams per run; wake-up: packets / 200 wake-ups (at least 10) */
	int fanout;   /* receiving sockets, 1..64 */
};

/* ns per datagram of lumen's fan-out to waiting receivers (*uring: io_uring sent them). Returns 0,
 * or -1 after printing why (a socket, the peer's CPU, a lost datagram). */
int floor_rig_fanout(size_t bytes, const struct floor_rig_options *o, struct figure *out,
                     bool *uring);
/* CPU ns of one receive wake-up (the wall figures are the wake-up's latency, from the peer's
 * send to the datagram read). Returns 0 or -1 after printing why. */
int floor_rig_wakeup(const struct floor_rig_options *o, struct figure *out);

#endif
