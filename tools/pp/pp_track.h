/* pp_track.h -- the track model: one recorded track's RTP packets and sender reports, put in order.
 *
 * Records are fed in file (arrival) order; lumen_pp_track_finish() then sorts each segment by
 * extended sequence number and drops duplicates. A segment is a run of one SSRC (an SSRC change
 * starts a new one); sequence numbers and RTP timestamps are unwrapped per segment (16-bit and
 * 32-bit wrap). A packet more than LUMEN_PP_REORDER_WINDOW behind the highest sequence number seen
 * is dropped as too late, like a jitter buffer would (it is counted, not silently lost). Pure: no
 * GStreamer, no I/O. The track owns copies of the packet bytes. */
#ifndef LUMEN_PP_TRACK_H
#define LUMEN_PP_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pp_reader.h"

#define LUMEN_PP_REORDER_WINDOW 3000

struct lumen_pp_pkt {
	int64_t arrival_us;
	int64_t ext_seq;
	int64_t ext_ts;
	int64_t t_us; /* on the session clock, set by pp_clock */
	uint32_t ssrc;
	uint32_t seg;
	uint8_t *data; /* whole RTP packet */
	uint32_t len;
	uint16_t hdr_len; /* offset of the payload */
	uint16_t pl_len;  /* payload length without padding */
};

struct lumen_pp_sr {
	int64_t arrival_us;
	int64_t ntp_us; /* sender's NTP clock, microseconds */
	int64_t ext_ts; /* unwrapped in its segment */
	uint32_t ssrc;
	uint32_t seg;
	/* set by pp_clock: the SR's implied offset (the packets' arrival trend at its RTP time minus
	 * its NTP time), whether there were packets to judge it by, how far it is from the
	 * publisher's (µs), and whether it was rejected for being too far */
	int64_t off_us, dev_us;
	bool judged, rejected;
};

struct lumen_pp_seg {
	uint32_t ssrc;
	size_t first, n; /* into pkts, after finish */
	int64_t max_seq, last_ts;
	bool ts_init; /* last_ts set (by the first RTP packet or SR of this SSRC) */
	int64_t offset_us; /* set by pp_clock */
	bool have_sr;
};

struct lumen_pp_track {
	struct lumen_pp_pkt *pkts;
	size_t n_pkts, cap_pkts;
	struct lumen_pp_sr *srs;
	size_t n_srs, cap_srs;
	struct lumen_pp_seg *segs;
	size_t n_segs;
	uint64_t duplicates, lost, too_late, reordered, malformed, other_pt;
	uint64_t srs_rejected; /* by pp_clock's sanity check */
	int payload_type; /* -1: any */
};

void lumen_pp_track_init(struct lumen_pp_track *t, int payload_type);
void lumen_pp_track_fini(struct lumen_pp_track *t);
/* Feed one record (an RTP packet or an RTCP SR) in file order. Malformed ones are counted. */
void lumen_pp_track_input(struct lumen_pp_track *t, const struct lumen_pp_record *rec);
/* Sort, drop duplicates, count losses. Call once, after the last input. */
void lumen_pp_track_finish(struct lumen_pp_track *t);

#endif
