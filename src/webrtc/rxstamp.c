/* rxstamp.c -- receive stamps of datagrams read by libnice; see rxstamp.h. */
#include "webrtc/rxstamp.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <time.h>

#include <glib.h>

void lumen_rxstamp_enable(int fd)
{
	struct timespec ts;

	(void)ioctl(fd, SIOCGSTAMPNS, &ts); /* ENOENT the first time: it only switches stamps on */
}

int64_t lumen_rxstamp_last(int fd, int64_t *last_ns)
{
	struct timespec rx;
	int64_t ns;

	if (fd < 0 || ioctl(fd, SIOCGSTAMPNS, &rx) < 0)
		return 0;
	ns = (int64_t)rx.tv_sec * 1000000000 + rx.tv_nsec;
	if (ns == *last_ns)
		return 0;
	*last_ns = ns;
	return ns;
}

int64_t lumen_rxstamp_arrival_us(int64_t rx_ns)
{
	int64_t now = g_get_monotonic_time(), age_us;

	if (!rx_ns)
		return now;
	age_us = (g_get_real_time() * 1000 - rx_ns) / 1000;
	return age_us >= 0 && age_us <= 10 * G_USEC_PER_SEC ? now - age_us : now;
}
