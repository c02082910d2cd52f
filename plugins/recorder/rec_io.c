/* rec_io.c -- rec_write_all (rec_internal.h): a whole buffer to a file descriptor. On its own so
 * that the manifest's fuzz target, which links rec_manifest.c alone, links it without the writer
 * thread and all it depends on. */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "rec_internal.h"

int rec_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
