/* rtp_stats.c -- per-stream receive statistics after RFC 3550 appendix A.1 (sequence validation
 * and wrap counting), A.3 (expected and lost packets) and A.8 (interarrival jitter).
 *
 * Pure bookkeeping over caller storage: time comes in as arguments, nothing is allocated. */
#include <errno.h>
#include <string.h>

#include "webrtc/rtp_stats.h"

#define SEQ_MOD         (1u << 16)
#define MAX_DROPOUT     3000
#define MAX_MISORDER    100
#define NTP_UNIX_OFFSET 2208988800ull /* seconds from 1900 to 1970 */

static void init_seq(struct lumen_rtp_stats *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = SEQ_MOD + 1; /* so seq == bad_seq is false */
	s->cycles = 0;
	s->received = 0;
	s->received_prior = 0;
	s->expected_prior = 0;
}

void lumen_rtp_stats_init(struct lumen_rtp_stats *s, uint32_t clock_rate, unsigned probation)
{
	memset(s, 0, sizeof(*s));
	s->clock_rate = clock_rate ? clock_rate : 90000;
	s->min_sequential = probation > 1 ? probation : 0;
	s->probation = s->min_sequential;
	s->rtt_us = -1;
}

/* RFC 3550 A.1 update_seq(); returns 0 (counted), -EAGAIN (probation), -ERANGE (bad jump) and
 * sets *advanced when the packet moved max_seq forward. */
static int update_seq(struct lumen_rtp_stats *s, uint16_t seq, bool *advanced)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);

	*advanced = false;
	if (!s->started) {
		s->started = true;
		if (s->probation) {
			/* A.1: init_seq(seq); max_seq = seq - 1; probation = MIN_SEQUENTIAL */
			init_seq(s, seq);
			s->max_seq = (uint16_t)(seq - 1);
			udelta = 1;
		} else {
			init_seq(s, seq);
			s->received++;
			*advanced = true;
			return 0;
		}
	}
	if (s->probation) {
		if (udelta == 1) {
			s->probation--;
			s->max_seq = seq;
			if (s->probation == 0) {
				init_seq(s, seq);
				s->received++;
				*advanced = true;
				return 0;
			}
		} else {
			s->probation = s->min_sequential - 1;
			s->max_seq = seq;
		}
		return -EAGAIN;
	}
	if (udelta < MAX_DROPOUT) {
		if (udelta != 0) {
			if (seq < s->max_seq)
				s->cycles += SEQ_MOD;
			s->max_seq = seq;
			*advanced = true;
		}
	} else if (udelta <= SEQ_MOD - MAX_MISORDER) {
		if (seq != s->bad_seq) {
			s->bad_seq = (seq + 1) & (SEQ_MOD - 1);
			return -ERANGE;
		}
		/* two sequential packets: assume the other side restarted without telling us */
		init_seq(s, seq);
		s->have_transit = false;
		*advanced = true;
	}
	/* else: duplicate or reordered packet, counted but not advancing */
	s->received++;
	return 0;
}

static uint32_t to_rtp_units(uint64_t us, uint32_t rate)
{
	return (uint32_t)((us / 1000000) * rate + (us % 1000000) * rate / 1000000);
}

int lumen_rtp_stats_update(struct lumen_rtp_stats *s, uint16_t seq, uint32_t rtp_ts, size_t bytes,
                           uint64_t now_us)
{
	bool advanced;
	int r = update_seq(s, seq, &advanced);

	if (r < 0)
		return r;
	s->bytes += bytes;
	if (advanced) {
		/* RFC 3550 A.8, integer form: J += |D| - J/16, kept scaled by 16 */
		uint32_t transit = to_rtp_units(now_us, s->clock_rate) - rtp_ts;

		if (s->have_transit) {
			int32_t d = (int32_t)(transit - s->transit);
			uint32_t ad = d < 0 ? (uint32_t) - (int64_t)d : (uint32_t)d;

			s->jitter_q4 += ad - ((s->jitter_q4 + 8) >> 4);
		}
		s->transit = transit;
		s->have_transit = true;
	}
	return 0;
}

void lumen_rtp_stats_on_sr(struct lumen_rtp_stats *s, uint64_t ntp, uint64_t now_us)
{
	s->last_sr_mid = lumen_ntp_mid32(ntp);
	s->last_sr_us = now_us;
	s->have_sr = true;
}

uint32_t lumen_rtp_stats_ext_max(const struct lumen_rtp_stats *s)
{
	return s->cycles + s->max_seq;
}

static uint64_t expected(const struct lumen_rtp_stats *s)
{
	if (!s->started || s->probation)
		return 0;
	return (uint64_t)lumen_rtp_stats_ext_max(s) - s->base_seq + 1;
}

int64_t lumen_rtp_stats_lost(const struct lumen_rtp_stats *s)
{
	return (int64_t)expected(s) - (int64_t)s->received;
}

void lumen_rtp_stats_report_block(struct lumen_rtp_stats *s, uint32_t ssrc, uint64_t now_us,
                                  struct lumen_rtcp_rb *rb)
{
	uint64_t exp = expected(s), exp_int = exp - s->expected_prior;
	int64_t lost = lumen_rtp_stats_lost(s);
	int64_t lost_int = (int64_t)exp_int - (int64_t)(s->received - s->received_prior);

	s->expected_prior = exp;
	s->received_prior = s->received;
	rb->ssrc = ssrc;
	if (exp_int == 0 || lost_int <= 0)
		rb->fraction_lost = 0;
	else if (lost_int >= (int64_t)exp_int)
		rb->fraction_lost = 255; /* 256/256 does not fit 8 bits */
	else
		rb->fraction_lost = (uint8_t)((lost_int << 8) / (int64_t)exp_int);
	/* 24-bit signed field: clamp (RFC 3550 6.4.1) */
	rb->cumulative_lost = lost > 0x7fffff    ? 0x7fffff
	                      : lost < -0x800000 ? -0x800000
	                                         : (int32_t)lost;
	rb->ext_highest_seq = lumen_rtp_stats_ext_max(s);
	rb->jitter = lumen_rtp_stats_jitter(s);
	rb->lsr = s->have_sr ? s->last_sr_mid : 0;
	/* DLSR in units of 1/65536 s */
	rb->dlsr = s->have_sr ? (uint32_t)((now_us - s->last_sr_us) * 65536 / 1000000) : 0;
}

uint64_t lumen_ntp_from_unix_us(uint64_t unix_us)
{
	uint64_t sec = unix_us / 1000000 + NTP_UNIX_OFFSET;
	uint64_t frac = ((unix_us % 1000000) << 32) / 1000000;

	return sec << 32 | frac;
}

int64_t lumen_rtp_stats_on_rb(struct lumen_rtp_stats *s, const struct lumen_rtcp_rb *rb,
                              uint64_t now_ntp)
{
	int32_t rtt;
	int64_t us;

	if (rb->lsr == 0)
		return -1;
	rtt = (int32_t)(lumen_ntp_mid32(now_ntp) - rb->lsr - rb->dlsr);
	if (rtt < 0)
		return -1;
	us = (int64_t)rtt * 1000000 / 65536;
	if (s)
		s->rtt_us = us;
	return us;
}
