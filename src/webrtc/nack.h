/* nack.h -- NACK generation for one incoming RTP stream, and RTX (RFC 4588) encapsulation.
 *
 * struct lumen_nack tracks the sequence numbers missing from a stream (with wrap-around), and
 * says which to request now: each missing packet is NACKed at most once per interval, at most
 * max_retries times, and given up after max_age. With min_interval_us set, the interval follows
 * the round trip the recoveries measure (a hole's first NACK to its packet's arrival), so a
 * lost retransmission is asked for again after about one round trip, not after a fixed 100 ms
 * that, at 30 frames a second, freezes the picture. It is an engine in the STYLE.md sense: fed
 * sequence numbers and now_us (a monotonic clock in microseconds), it never reads a clock,
 * sends, or logs; the caller packs the result with lumen_rtcp_write_nack(). Memory is allocated
 * once, in lumen_nack_new(). One owner thread.
 *
 * lumen_rtx_decap()/lumen_rtx_encap() turn an RTX packet (payload = 2-byte original sequence
 * number + original payload) back into the original packet and the other way. Pure. */
#ifndef LUMEN_WEBRTC_NACK_H
#define LUMEN_WEBRTC_NACK_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "webrtc/rtp.h"

struct lumen_nack_cfg {
	uint64_t
	    interval_us; /* between two NACKs of one packet; set it near the RTT (default 100 ms) */
	uint64_t reorder_us;  /* wait before the first NACK of a hole (default 0) */
	uint64_t max_age_us;  /* give up on a packet missing this long (default 1 s) */
	unsigned max_retries; /* NACKs per packet (default 10) */
	unsigned max_missing; /* packets tracked; a larger gap resets the list (default 1000) */
	/* 0: the interval stays interval_us. Else, once a recovery has measured the round trip,
	 * the interval is 1.5 x the smoothed round trip + 5 ms, at least this and at most half of
	 * max_age_us; interval_us until then. */
	uint64_t min_interval_us;
};

struct lumen_nack_stats {
	uint64_t requested; /* sequence numbers returned by lumen_nack_poll() */
	uint64_t recovered; /* missing packets that arrived later */
	uint64_t given_up;  /* by age, retries or overflow */
	uint64_t resets;    /* gaps larger than max_missing */
	size_t missing;     /* tracked right now */
	uint64_t rtt_us;    /* smoothed round trip from NACK to recovery, 0 before the first */
	uint64_t interval_us; /* the interval in use */
};

enum {
	LUMEN_NACK_RECOVERED = 1, /* lumen_nack_input(): the packet filled a hole */
	LUMEN_NACK_RESET = 2, /* lumen_nack_input(): gap too large, list reset: ask a keyframe */
};

/* cfg may be NULL (defaults); zero fields take their default. NULL on out of memory. */
struct lumen_nack *lumen_nack_new(const struct lumen_nack_cfg *cfg);
void lumen_nack_free(struct lumen_nack *nack);

/* Changes the NACK interval (the one used before a round trip is measured, with
 * min_interval_us set). */
void lumen_nack_set_interval(struct lumen_nack *nack, uint64_t interval_us);

/* A packet with this sequence number was received (RTX-recovered ones included). Returns 0,
 * LUMEN_NACK_RECOVERED or LUMEN_NACK_RESET. */
int lumen_nack_input(struct lumen_nack *nack, uint16_t seq, uint64_t now_us);

/* Whether a packet with this sequence number would be news: ahead of the highest seen, or one
 * of the holes still listed. A retransmission that is not (a duplicate of what arrived, or of
 * what was given up) need not be delivered: senders also retransmit as bandwidth probes. */
bool lumen_nack_wanted(const struct lumen_nack *nack, uint16_t seq);

/* Writes up to cap sequence numbers to request now (ascending, modulo 2^16) and returns how
 * many; drops packets that are too old or out of retries. */
size_t lumen_nack_poll(struct lumen_nack *nack, uint64_t now_us, uint16_t *out, size_t cap);

/* No request is due before the now_us this returns (UINT64_MAX if nothing is missing). Right
 * after lumen_nack_poll() it is exactly when the next one is; packets that fill holes since may
 * leave a poll at that time with nothing to do (it then makes the value exact again). O(1), so
 * it can be asked at every packet. */
uint64_t lumen_nack_next_due(const struct lumen_nack *nack);

void lumen_nack_stats(const struct lumen_nack *nack, struct lumen_nack_stats *st);

/* Rewrites the RTX packet pkt, parsed from buf, in place into the original packet: sequence
 * number from the first two payload bytes (OSN), payload type orig_pt, SSRC orig_ssrc, padding
 * dropped. Returns the original packet's length, -ENODATA for a padding-only RTX packet
 * (bandwidth probing, nothing to recover), or -EINVAL (a payload of one byte). */
ssize_t lumen_rtx_decap(uint8_t *buf, const struct lumen_rtp *pkt, uint8_t orig_pt,
                        uint32_t orig_ssrc);

/* Builds into dst[0..cap) the RTX packet carrying pkt: pkt's header (CSRCs, extensions) with
 * rtx_pt, rtx_ssrc and rtx_seq, the OSN, then pkt's payload; padding dropped. dst must not
 * overlap pkt. Returns the length or -ENOSPC. */
ssize_t lumen_rtx_encap(uint8_t *dst, size_t cap, const struct lumen_rtp *pkt, uint8_t rtx_pt,
                        uint32_t rtx_ssrc, uint16_t rtx_seq);

#endif
