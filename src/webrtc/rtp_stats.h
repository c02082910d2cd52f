/* rtp_stats.h -- receive statistics of one incoming RTP stream (RFC 3550 A.1, A.3, A.8) and the
 * report blocks built from them, plus RTT from the LSR/DLSR of a received report block.
 *
 * A struct lumen_rtp_stats lives in caller storage (the stream's), is fed every received packet
 * with its arrival time as now_us (a monotonic clock in microseconds) and never allocates, logs
 * or reads a clock. It belongs to the thread that owns the stream. */
#ifndef LUMEN_WEBRTC_RTP_STATS_H
#define LUMEN_WEBRTC_RTP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "webrtc/rtcp.h"

struct lumen_rtp_stats {
	uint32_t clock_rate;
	/* RFC 3550 A.1 sequence state */
	uint16_t max_seq;
	uint32_t cycles; /* shifted count of wraps: 65536 * wraps */
	uint32_t base_seq;
	uint32_t bad_seq;
	uint32_t probation;
	uint32_t min_sequential;
	bool started;
	/* counters */
	uint64_t received; /* packets accepted (duplicates included, as in RFC 3550) */
	uint64_t bytes;
	uint64_t expected_prior;
	uint64_t received_prior;
	/* A.8 jitter, in RTP timestamp units scaled by 16 */
	uint32_t jitter_q4;
	uint32_t transit;
	bool have_transit;
	/* last SR from this stream's sender, for LSR/DLSR */
	uint32_t last_sr_mid;
	uint64_t last_sr_us;
	bool have_sr;
	/* last RTT measured from a report block about one of our streams, -1 if none */
	int64_t rtt_us;
};

/* Prepares s for a stream of this clock rate (Hz, > 0). probation is RFC 3550's MIN_SEQUENTIAL:
 * the number of in-order packets required before the stream counts (0 or 1: the first packet
 * counts; SRTP-authenticated WebRTC streams need no probation). */
void lumen_rtp_stats_init(struct lumen_rtp_stats *s, uint32_t clock_rate, unsigned probation);

/* Accounts one received packet of bytes bytes. Returns 0 if it was counted, -EAGAIN while the
 * source is on probation, or -ERANGE for a jump too large to trust (RFC 3550 A.1; a second
 * packet continuing the jump restarts the sequence and returns 0). Jitter is updated for
 * packets that advance the sequence. */
int lumen_rtp_stats_update(struct lumen_rtp_stats *s, uint16_t seq, uint32_t rtp_ts, size_t bytes,
                           uint64_t now_us);

/* Records an SR from this stream's sender (its NTP timestamp) for the next report block. */
void lumen_rtp_stats_on_sr(struct lumen_rtp_stats *s, uint64_t ntp, uint64_t now_us);

/* Fills a report block for ssrc (RFC 3550 6.4.1, A.3) and starts a new reporting interval:
 * fraction_lost covers the packets since the previous call. */
void lumen_rtp_stats_report_block(struct lumen_rtp_stats *s, uint32_t ssrc, uint64_t now_us,
                                  struct lumen_rtcp_rb *rb);

/* Extended highest sequence number received; cumulative loss (expected - received). */
uint32_t lumen_rtp_stats_ext_max(const struct lumen_rtp_stats *s);
int64_t lumen_rtp_stats_lost(const struct lumen_rtp_stats *s);

/* Interarrival jitter in RTP timestamp units. */
static inline uint32_t lumen_rtp_stats_jitter(const struct lumen_rtp_stats *s)
{
	return s->jitter_q4 >> 4;
}

/* NTP timestamp (RFC 5905 64-bit format) of a Unix time in microseconds, and its middle 32
 * bits (the LSR format). */
uint64_t lumen_ntp_from_unix_us(uint64_t unix_us);

static inline uint32_t lumen_ntp_mid32(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}

/* Round-trip time from a report block about one of our streams that arrived at NTP time
 * now_ntp (RFC 3550 6.4.1: A - LSR - DLSR). Returns microseconds, or -1 if the block carries no
 * LSR or the result is negative (clock or report garbage). Also stored in s->rtt_us when s is
 * not NULL and the result is valid. */
int64_t lumen_rtp_stats_on_rb(struct lumen_rtp_stats *s, const struct lumen_rtcp_rb *rb,
                              uint64_t now_ntp);

#endif
