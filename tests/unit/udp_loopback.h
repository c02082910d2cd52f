/* udp_loopback.h -- a UDP socket for unit tests: non-blocking, close-on-exec, bound to
 * 127.0.0.1 on a port the kernel picks. */
#ifndef LUMEN_TESTS_UDP_LOOPBACK_H
#define LUMEN_TESTS_UDP_LOOPBACK_H

#include <netinet/in.h>

/* Returns the fd (the caller closes it) and fills *addr with its bound address; a Criterion
 * assertion fails the test when the socket cannot be made. */
int udp_loopback_bound(struct sockaddr_in *addr);

#endif
