/* keyframe.h -- does this RTP payload start a keyframe? For VP8 (RFC 7741), VP9 (RFC 9628),
 * H.264 (RFC 6184) and AV1 (AV1 RTP specification, section 4.4). Used to tell plugins which
 * packets a new subscriber can start from, and to answer "has the keyframe we asked for come?".
 *
 * Pure functions over the payload bytes: no allocation, no state, any thread. */
#ifndef LUMEN_WEBRTC_KEYFRAME_H
#define LUMEN_WEBRTC_KEYFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lumen_codec {
	LUMEN_CODEC_UNKNOWN = 0,
	LUMEN_CODEC_OPUS,
	LUMEN_CODEC_VP8,
	LUMEN_CODEC_VP9,
	LUMEN_CODEC_H264,
	LUMEN_CODEC_AV1,
	LUMEN_CODEC_RTX,
};

/* From an SDP encoding name ("VP8", "opus", "H264", "AV1", "rtx"; case-insensitive). */
enum lumen_codec lumen_codec_from_name(const char *name);

/* True if payload[0..len) is the first packet of a keyframe (an IDR / intra frame, including the
 * parameter sets that precede it for H.264). False for anything else, including truncated or
 * malformed payloads. Never reads outside payload[0..len). */
bool lumen_keyframe_start(enum lumen_codec codec, const uint8_t *payload, size_t len);

#endif
