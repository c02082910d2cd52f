/* rtcp.h -- walk and build compound RTCP (RFC 3550, RFC 4585, RFC 5104, RFC 5506) with SR, RR,
 * SDES CNAME, BYE, generic NACK, PLI, FIR, REMB (draft-alvestrand-rmcat-remb) and transport-wide
 * congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01).
 *
 * Parsing yields views into the caller's buffer and never allocates or logs; APP and unknown
 * packet types are walked over, so callers skip them. Reduced-size RTCP (RFC 5506: a lone
 * feedback packet, no leading SR/RR) is accepted. Building appends packets to a caller buffer
 * through struct lumen_rtcp_writer. Pure functions, any thread. */
#ifndef LUMEN_WEBRTC_RTCP_H
#define LUMEN_WEBRTC_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum {
	LUMEN_RTCP_SR = 200,
	LUMEN_RTCP_RR = 201,
	LUMEN_RTCP_SDES = 202,
	LUMEN_RTCP_BYE = 203,
	LUMEN_RTCP_APP = 204,
	LUMEN_RTCP_RTPFB = 205, /* FMT: 1 generic NACK, 15 transport-cc */
	LUMEN_RTCP_PSFB = 206,  /* FMT: 1 PLI, 4 FIR, 15 application layer (REMB) */
};

enum {
	LUMEN_RTCP_FMT_NACK = 1,
	LUMEN_RTCP_FMT_TCC = 15,
	LUMEN_RTCP_FMT_PLI = 1,
	LUMEN_RTCP_FMT_FIR = 4,
	LUMEN_RTCP_FMT_AFB = 15,
};

#define LUMEN_RTCP_MAX_RB 31

/* One packet of a compound: its header fields and a view of its body. */
struct lumen_rtcp_hdr {
	uint8_t count; /* RC, SC or FMT: the 5-bit field */
	uint8_t pt;
	const uint8_t *body; /* after the 4-byte header */
	size_t body_len;     /* without padding */
};

struct lumen_rtcp_iter {
	const uint8_t *buf;
	size_t len;
	size_t off;
};

/* Report block (RFC 3550 6.4.1). */
struct lumen_rtcp_rb {
	uint32_t ssrc;
	uint8_t fraction_lost;
	int32_t cumulative_lost; /* 24-bit signed on the wire */
	uint32_t ext_highest_seq;
	uint32_t jitter;
	uint32_t lsr;
	uint32_t dlsr;
};

/* SR and RR share this; sender info is zero for an RR. */
struct lumen_rtcp_report {
	uint32_t ssrc;
	uint64_t ntp; /* SR only */
	uint32_t rtp_ts;
	uint32_t packets;
	uint32_t octets;
	uint8_t n_rb;
	struct lumen_rtcp_rb rb[LUMEN_RTCP_MAX_RB];
};

/* SDES chunks: only CNAME is kept, other items are skipped. */
struct lumen_rtcp_sdes {
	uint8_t n;
	struct {
		uint32_t ssrc;
		const char *cname; /* not NUL-terminated; NULL if the chunk had none */
		uint8_t cname_len;
	} chunk[LUMEN_RTCP_MAX_RB];
};

struct lumen_rtcp_bye {
	uint8_t n;
	uint32_t ssrc[LUMEN_RTCP_MAX_RB];
	const char *reason; /* not NUL-terminated, NULL if absent */
	uint8_t reason_len;
};

/* Common header of RTPFB/PSFB (RFC 4585 6.1). */
struct lumen_rtcp_fb {
	uint8_t fmt;
	uint32_t sender_ssrc;
	uint32_t media_ssrc;
	const uint8_t *fci;
	size_t fci_len;
};

struct lumen_rtcp_fir_entry {
	uint32_t ssrc;
	uint8_t seq;
};

struct lumen_rtcp_remb {
	uint64_t bitrate; /* bits per second */
	uint8_t n_ssrc;
	const uint8_t *ssrcs; /* n_ssrc big-endian SSRCs, read with lumen_rtcp_remb_ssrc() */
};

/* Transport-wide feedback header; per-packet results go to caller arrays. */
struct lumen_rtcp_tcc {
	uint32_t sender_ssrc;
	uint32_t media_ssrc;
	uint16_t base_seq;
	uint16_t count;   /* packet status count */
	int32_t ref_time; /* multiples of 64 ms, 24-bit signed */
	uint8_t fb_count;
};

struct lumen_rtcp_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
};

/* Walking a compound packet. lumen_rtcp_next() returns 1 and fills *hdr, 0 at the end, or
 * -EINVAL if the next packet is malformed (bad version, length beyond the buffer, bad padding,
 * or trailing bytes shorter than a header). */
void lumen_rtcp_iter_init(struct lumen_rtcp_iter *it, const uint8_t *buf, size_t len);
int lumen_rtcp_next(struct lumen_rtcp_iter *it, struct lumen_rtcp_hdr *hdr);

/* Type parsers: 0 or -EINVAL (body too short for its count, or inconsistent). */
int lumen_rtcp_parse_report(const struct lumen_rtcp_hdr *hdr, struct lumen_rtcp_report *rep);
int lumen_rtcp_parse_sdes(const struct lumen_rtcp_hdr *hdr, struct lumen_rtcp_sdes *sdes);
int lumen_rtcp_parse_bye(const struct lumen_rtcp_hdr *hdr, struct lumen_rtcp_bye *bye);
int lumen_rtcp_parse_fb(const struct lumen_rtcp_hdr *hdr, struct lumen_rtcp_fb *fb);

/* Expands a generic NACK's FCI into sequence numbers, in wire order. Writes at most cap and
 * returns how many the FCI holds (so a result > cap means out was too small), or -EINVAL. */
ssize_t lumen_rtcp_nack_seqs(const struct lumen_rtcp_fb *fb, uint16_t *out, size_t cap);

/* FIR entries: returns their number or -EINVAL; entry i with lumen_rtcp_fir_entry(). */
ssize_t lumen_rtcp_fir_count(const struct lumen_rtcp_fb *fb);
void lumen_rtcp_fir_entry(const struct lumen_rtcp_fb *fb, size_t i, struct lumen_rtcp_fir_entry *e);

/* REMB in an application-layer PSFB: 0, -ENOENT (another AFB), or -EINVAL (malformed, or a
 * bitrate beyond 64 bits). */
int lumen_rtcp_parse_remb(const struct lumen_rtcp_fb *fb, struct lumen_rtcp_remb *remb);
uint32_t lumen_rtcp_remb_ssrc(const struct lumen_rtcp_remb *remb, size_t i);

/* Transport-wide feedback: fills *tcc and, unless received is NULL, received[i] (1 or 0) and
 * arrival_us[i] (reference time plus the deltas up to packet base_seq + i, in microseconds;
 * meaningful where received[i]) for i < tcc->count. Returns 0, -ENOSPC (cap < count), or -EINVAL
 * (truncated chunks or deltas, reserved symbol). */
int lumen_rtcp_parse_tcc(const struct lumen_rtcp_fb *fb, struct lumen_rtcp_tcc *tcc,
                         uint8_t *received, int64_t *arrival_us, size_t cap);

/* Walks the compound and parses every packet of a known type. Returns the number of packets or
 * -EINVAL. This is the check to run before trusting RTCP from the network. */
int lumen_rtcp_validate(const uint8_t *buf, size_t len);

/* Building. Every write appends one packet to w and returns 0, -ENOSPC (then nothing is
 * appended), or -EINVAL (argument out of the format's range). */
void lumen_rtcp_writer_init(struct lumen_rtcp_writer *w, uint8_t *buf, size_t cap);
/* An SR when sr is true, else an RR (sender info ignored). */
int lumen_rtcp_write_report(struct lumen_rtcp_writer *w, const struct lumen_rtcp_report *rep,
                            bool sr);
int lumen_rtcp_write_sdes_cname(struct lumen_rtcp_writer *w, uint32_t ssrc, const char *cname,
                                size_t len);
int lumen_rtcp_write_bye(struct lumen_rtcp_writer *w, const uint32_t *ssrc, size_t n,
                         const char *reason, size_t reason_len);
/* Packs seqs (ascending modulo 2^16 for the best packing) into PID/BLP pairs. */
int lumen_rtcp_write_nack(struct lumen_rtcp_writer *w, uint32_t sender, uint32_t media,
                          const uint16_t *seqs, size_t n);
int lumen_rtcp_write_pli(struct lumen_rtcp_writer *w, uint32_t sender, uint32_t media);
int lumen_rtcp_write_fir(struct lumen_rtcp_writer *w, uint32_t sender,
                         const struct lumen_rtcp_fir_entry *e, size_t n);
int lumen_rtcp_write_remb(struct lumen_rtcp_writer *w, uint32_t sender, uint64_t bitrate,
                          const uint32_t *ssrcs, size_t n);
/* received/arrival_us as lumen_rtcp_parse_tcc() returns them; arrival times are quantised to
 * 250 us steps from ref_time * 64 ms. -EINVAL if a delta does not fit 16 bits. */
int lumen_rtcp_write_tcc(struct lumen_rtcp_writer *w, const struct lumen_rtcp_tcc *tcc,
                         const uint8_t *received, const int64_t *arrival_us);

#endif
