/* media.c -- synthetic VP8 and Opus RTP for lumen-bench (see media.h). The bytes after the codec
 * headers are filler; only sizes, rates, keyframe bits, markers and the trailer matter to an SFU
 * and to the receiver's measurements. */
#include <string.h>

#include "media.h"
#include "stats.h"
#include "webrtc/rtp.h"

/* RTP header 12 + one-byte extension block with the mid (4 + 2 + pad 2). */
#define RTP_OVERHEAD 20
#define VP8_DESC_LEN 4 /* X, I with a 15-bit picture id */

static uint32_t rnd(struct bench_media *m)
{
	m->rng = m->rng * 1103515245u + 12345u;
	return m->rng >> 8;
}

void bench_media_init(struct bench_media *m, uint32_t bitrate, uint32_t fps, double key_s,
                      uint32_t seed, bench_emit_cb emit, void *user)
{
	uint32_t per_frame = fps ? bitrate / 8 / fps : 0;
	uint32_t k = (uint32_t)(key_s * fps + 0.5);

	memset(m, 0, sizeof(*m));
	m->rng = seed;
	m->ssrc_audio = rnd(m) | 1u;
	m->ssrc_video = rnd(m) << 1;
	m->seq_audio = (uint16_t)rnd(m);
	m->seq_video = (uint16_t)rnd(m);
	m->ts_audio = rnd(m);
	m->ts_video = rnd(m);
	m->picture_id = (uint16_t)(rnd(m) & 0x7fff);
	m->frames_per_key = k ? k : 1;
	m->mid_audio = "0";
	m->mid_video = "1";
	m->emit = emit;
	m->user = user;
	/* A keyframe four times a delta frame's size, the deltas smaller so that the average over
	 * one keyframe interval is the bitrate. */
	if (m->frames_per_key >= 8) {
		m->key_bytes = per_frame * 4;
		m->frame_bytes =
		    (per_frame * m->frames_per_key - m->key_bytes) / (m->frames_per_key - 1);
	} else {
		m->key_bytes = m->frame_bytes = per_frame;
	}
	if (m->frame_bytes < 100)
		m->frame_bytes = 100;
	if (m->key_bytes < 100)
		m->key_bytes = 100;
}

static void emit(struct bench_media *m, bool video, const struct lumen_rtp_hdr *h,
                 const uint8_t *payload, size_t len)
{
	const char *mid = video ? m->mid_video : m->mid_audio;
	struct lumen_rtp_ext ext = {
	    .id = BENCH_EXT_MID, .len = (uint8_t)strlen(mid), .data = (const uint8_t *)mid};
	uint8_t pkt[BENCH_MAX_PACKET + 64];
	ssize_t n = lumen_rtp_write(pkt, sizeof(pkt), h, &ext, 1, payload, len, 0);

	if (n > 0)
		m->emit(m->user, video, pkt, (size_t)n);
}

/* The VP8 payload header at the start of a frame: frame tag (P = 0 for a keyframe, show_frame,
 * a first partition size) and for a keyframe the start code and 640x480. Returns its length. */
static size_t vp8_header(uint8_t *p, bool key)
{
	const uint32_t part = 100;

	p[0] = (uint8_t)((key ? 0 : 1) | 0x10 | ((part & 7) << 5));
	p[1] = (uint8_t)(part >> 3);
	p[2] = (uint8_t)(part >> 11);
	if (!key)
		return 3;
	p[3] = 0x9d, p[4] = 0x01, p[5] = 0x2a;
	p[6] = 640 & 0xff, p[7] = 640 >> 8, p[8] = 480 & 0xff, p[9] = 480 >> 8;
	return 10;
}

unsigned bench_media_video_frame(struct bench_media *m, int64_t now_ns)
{
	bool key = m->key_asked || m->frame_no % m->frames_per_key == 0;
	uint32_t size = key ? m->key_bytes : m->frame_bytes;
	const size_t max_payload = BENCH_MAX_PACKET - RTP_OVERHEAD;
	unsigned n = (unsigned)((size + max_payload - 1) / max_payload);
	size_t each = size / n;
	uint8_t payload[BENCH_MAX_PACKET];

	if (key) /* restart the interval so a PLI does not add a second keyframe soon after */
		m->frame_no = 0;
	m->key_asked = false;
	m->frame_no++;
	m->picture_id = (uint16_t)((m->picture_id + 1) & 0x7fff);
	for (unsigned i = 0; i < n; i++) {
		struct lumen_rtp_hdr h = {.pt = BENCH_PT_VP8,
		                          .ssrc = m->ssrc_video,
		                          .ts = m->ts_video,
		                          .seq = m->seq_video++,
		                          .marker = i == n - 1};
		size_t off = 0, len = each < max_payload ? each : max_payload;

		payload[off++] =
		    (uint8_t)(0x80 | (i == 0 ? 0x10 : 0)); /* X, S on the first, PID 0 */
		payload[off++] = 0x80;                     /* I: picture id follows */
		payload[off++] = (uint8_t)(0x80 | (m->picture_id >> 8)); /* M: 15 bits */
		payload[off++] = (uint8_t)m->picture_id;
		if (i == 0)
			off += vp8_header(payload + off, key);
		if (len < off + BENCH_TRAILER_LEN)
			len = off + BENCH_TRAILER_LEN;
		memset(payload + off, 0x5a, len - off - BENCH_TRAILER_LEN);
		bench_trailer_write(payload + len - BENCH_TRAILER_LEN, now_ns);
		emit(m, true, &h, payload, len);
	}
	m->ts_video += 3000; /* 90 kHz at 30 fps; other rates only stretch the timeline */
	return n;
}

void bench_media_audio_packet(struct bench_media *m, int64_t now_ns)
{
	struct lumen_rtp_hdr h = {
	    .pt = BENCH_PT_OPUS, .ssrc = m->ssrc_audio, .ts = m->ts_audio, .seq = m->seq_audio++};
	size_t len = 80 + rnd(m) % 41;
	uint8_t payload[128];

	payload[0] = 0x78; /* Opus TOC: CELT fullband, 20 ms, mono, one frame */
	memset(payload + 1, 0xa5, len - 1 - BENCH_TRAILER_LEN);
	bench_trailer_write(payload + len - BENCH_TRAILER_LEN, now_ns);
	emit(m, false, &h, payload, len);
	m->ts_audio += 960;
}

void bench_media_request_keyframe(struct bench_media *m)
{
	m->key_asked = true;
}
