/* fuzz_dcep.c -- libFuzzer target for the DCEP parser (src/webrtc/dcep.c).
 *
 * Oracle: the parser is strict, so any input it accepts must be written back byte for byte by
 * the writer, and the rewritten bytes must parse to the same fields. Rejected inputs must come
 * back with one of the documented errors. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webrtc/dcep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_open(const struct lumen_dcep_open *a, const struct lumen_dcep_open *b)
{
	if (a->ordered != b->ordered || a->reliability != b->reliability ||
	    a->reliability_param != b->reliability_param || a->priority != b->priority ||
	    a->label_len != b->label_len || a->protocol_len != b->protocol_len ||
	    memcmp(a->label, b->label, a->label_len) != 0 ||
	    memcmp(a->protocol, b->protocol, a->protocol_len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lumen_dcep_msg msg, again;
	uint8_t *out;
	ssize_t n;
	int rc = lumen_dcep_parse(&msg, data, size);

	if (rc == -EINVAL || rc == -ENOTSUP)
		return 0;
	if (rc != 0)
		abort();
	if (msg.type == LUMEN_DCEP_MSG_ACK) {
		uint8_t b;

		if (size != 1 || lumen_dcep_write_ack(&b, 1) != 1 || b != data[0])
			abort();
		return 0;
	}
	if (msg.type != LUMEN_DCEP_MSG_OPEN || lumen_dcep_open_size(&msg.open) != size)
		abort();
	out = malloc(size);
	if (!out)
		abort();
	if (size > 0 && lumen_dcep_write_open(out, size - 1, &msg.open) != -ENOSPC)
		abort();
	n = lumen_dcep_write_open(out, size, &msg.open);
	if (n != (ssize_t)size || memcmp(out, data, size) != 0)
		abort();
	if (lumen_dcep_parse(&again, out, size) != 0 || again.type != LUMEN_DCEP_MSG_OPEN)
		abort();
	check_open(&msg.open, &again.open);
	free(out);
	return 0;
}
