/* media.h -- synthetic RTP of realistic sizes for lumen-bench's publishers: VP8 frames at a
 * bitrate and frame rate, split into packets of at most BENCH_MAX_PACKET bytes with a VP8 payload
 * descriptor (picture id), a keyframe every interval (or on request: PLI/FIR), the marker on a
 * frame's last packet; Opus at 50 packets/s of 80-120 bytes. Every payload ends with the send
 * time trailer (stats.h).
 *
 * Pure generation: packets are handed to an emit callback (valid during the call only). */
#ifndef BENCH_MEDIA_H
#define BENCH_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_PACKET 1200
#define BENCH_PT_OPUS    111
#define BENCH_PT_VP8     96
#define BENCH_EXT_MID    1 /* extmap id of sdes:mid in the publisher's offer */

typedef void (*bench_emit_cb)(void *user, bool video, const uint8_t *pkt, size_t len);

struct bench_media {
	uint32_t ssrc_audio, ssrc_video;
	uint16_t seq_audio, seq_video, picture_id;
	uint32_t ts_audio, ts_video;
	uint32_t frame_bytes, key_bytes; /* delta and keyframe sizes */
	uint32_t frames_per_key, frame_no;
	bool key_asked;
	const char *mid_audio, *mid_video;
	uint32_t rng;
	bench_emit_cb emit;
	void *user;
};

/* Sets up m for video at bitrate bps, fps, a keyframe every key_s seconds. */
void bench_media_init(struct bench_media *m, uint32_t bitrate, uint32_t fps, double key_s,
                      uint32_t seed, bench_emit_cb emit, void *user);
/* Emits one video frame (all its packets), stamped with now_ns. Returns the packet count. */
unsigned bench_media_video_frame(struct bench_media *m, int64_t now_ns);
/* Emits one 20 ms Opus packet. */
void bench_media_audio_packet(struct bench_media *m, int64_t now_ns);
/* The next frame is a keyframe (PLI/FIR from the server). */
void bench_media_request_keyframe(struct bench_media *m);

#endif
