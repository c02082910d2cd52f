/* pp_av1.h -- AV1 RTP depacketizer for lumen-pp (AOM "RTP Payload Format for AV1", v1.0).
 *
 * Debian 12's GStreamer has no rtpav1depay (it lives in gst-plugins-rs), so lumen-pp reassembles
 * AV1 itself: RTP payloads of one temporal unit in, the temporal unit out in the low-overhead
 * bitstream format ("obu-stream", every OBU with obu_has_size_field set and its LEB128 size),
 * starting with a temporal delimiter, as av1parse and matroskamux take it.
 *
 * Per packet: the aggregation header Z|Y|W|N, then OBU elements (each with a LEB128 length except
 * the last when W != 0). Z: the first element continues the previous packet's last OBU; Y: the
 * last element continues in the next packet. Temporal delimiters and tile lists a sender left in
 * are dropped (the spec says senders should remove them); a temporal unit ends with the RTP marker
 * bit. A lost packet (discont) or a malformed payload drops the temporal unit being built and
 * everything up to the next packet that starts a coded video sequence (N = 1) or a temporal unit
 * holding a sequence header, since later frames reference what was lost.
 *
 * Pure: no GStreamer, no I/O. The depacketizer owns its buffers. */
#ifndef LUMEN_PP_AV1_H
#define LUMEN_PP_AV1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lumen_pp_av1 {
	uint8_t *tu; /* the temporal unit being built (valid after push returned 1) */
	size_t tu_len, tu_cap;
	uint8_t *frag; /* an OBU split over packets (without size field yet) */
	size_t frag_len, frag_cap;
	bool in_frag;     /* frag holds the start of an OBU that continues */
	bool wait_key;    /* dropping until a new coded video sequence */
	bool tu_has_seq;  /* the temporal unit holds a sequence header OBU (a key point) */
	bool tu_started;  /* an element of the current temporal unit was seen */
	uint64_t dropped; /* temporal units dropped (loss, malformed, waiting for a key point) */
	uint64_t malformed;
};

void lumen_pp_av1_init(struct lumen_pp_av1 *d);
void lumen_pp_av1_fini(struct lumen_pp_av1 *d);

/* Feeds one RTP payload (after the RTP header and extensions, without padding). marker: the RTP
 * marker bit (last packet of the temporal unit); discont: packets were lost before this one.
 * Returns 1 when a temporal unit is complete (d->tu, d->tu_len; d->tu_has_seq tells whether it
 * holds a sequence header), 0 when more packets are needed or the unit was dropped, -ENOMEM. */
int lumen_pp_av1_push(struct lumen_pp_av1 *d, const uint8_t *payload, size_t len, bool marker,
		      bool discont);

/* LEB128 as AV1 uses it (at most 8 bytes, value < 2^32 here). Returns the bytes read, or 0 when
 * malformed or truncated. */
size_t lumen_pp_av1_leb128(const uint8_t *p, size_t len, uint32_t *value);

#endif
