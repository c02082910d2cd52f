/* test_keyframe.c -- keyframe starts recognised per codec from payload headers built by the RFCs'
 * layouts; inter frames, continuation packets and every truncation are not keyframes. */
#include <criterion/criterion.h>
#include <string.h>

#include "webrtc/keyframe.h"

Test(codec_from_name, maps_sdp_encoding_names_case_insensitively)
{
	cr_assert_eq(lumen_codec_from_name("vp8"), LUMEN_CODEC_VP8);
	cr_assert_eq(lumen_codec_from_name("VP9"), LUMEN_CODEC_VP9);
	cr_assert_eq(lumen_codec_from_name("h264"), LUMEN_CODEC_H264);
	cr_assert_eq(lumen_codec_from_name("AV1"), LUMEN_CODEC_AV1);
	cr_assert_eq(lumen_codec_from_name("OPUS"), LUMEN_CODEC_OPUS);
	cr_assert_eq(lumen_codec_from_name("rtx"), LUMEN_CODEC_RTX);
	cr_assert_eq(lumen_codec_from_name("G722"), LUMEN_CODEC_UNKNOWN);
	cr_assert_eq(lumen_codec_from_name(NULL), LUMEN_CODEC_UNKNOWN);
}

/* VP8 descriptor X=1,S=1,PID=0; I=1 with a 15-bit picture id; L and T present; then the payload
 * header byte whose bit 0 is P (0 = keyframe). */
static const uint8_t vp8_key[] = { 0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x10, 0x02, 0x00 };
static const uint8_t vp8_inter[] = { 0x90, 0xe0, 0x80, 0x02, 0x06, 0x20, 0x11, 0x02, 0x00 };
static const uint8_t vp8_cont[] = { 0x80, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x10, 0x02, 0x00 };
static const uint8_t vp8_short[] = { 0x10, 0x10 }; /* no X: header byte right after */

Test(keyframe_vp8, finds_the_p_bit_after_every_optional_descriptor_field)
{
	cr_assert(lumen_keyframe_start(LUMEN_CODEC_VP8, vp8_key, sizeof(vp8_key)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_VP8, vp8_inter, sizeof(vp8_inter)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_VP8, vp8_cont, sizeof(vp8_cont)),
		      "a packet that does not start the partition is never a keyframe start");
	cr_assert(lumen_keyframe_start(LUMEN_CODEC_VP8, vp8_short, sizeof(vp8_short)));
}

Test(keyframe_vp8, every_truncation_is_not_a_keyframe)
{
	for (size_t n = 0; n < 6; n++)
		cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_VP8, vp8_key, n), "len %zu", n);
}

Test(keyframe_vp9, start_of_a_non_predicted_frame_on_layer_zero)
{
	static const uint8_t key[] = { 0x88 | 0x00, 0x80, 0x01, 0x00 }; /* I, B; 15-bit pid */
	static const uint8_t inter[] = { 0xc8, 0x80, 0x02, 0x00 };      /* P set */
	static const uint8_t mid_frame[] = { 0x80, 0x80, 0x01, 0x00 };  /* no B */
	static const uint8_t layer1[] = { 0xa8, 0x81, 0x02, 0x02 }; /* L, spatial id 1 */
	static const uint8_t layer0[] = { 0xa8, 0x81, 0x02, 0x00 }; /* L, spatial id 0 */

	cr_assert(lumen_keyframe_start(LUMEN_CODEC_VP9, key, sizeof(key)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_VP9, inter, sizeof(inter)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_VP9, mid_frame, sizeof(mid_frame)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_VP9, layer1, sizeof(layer1)));
	cr_assert(lumen_keyframe_start(LUMEN_CODEC_VP9, layer0, sizeof(layer0)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_VP9, key, 1), "picture id cut off");
}

Test(keyframe_h264, idr_sps_in_single_stap_a_and_fu_a_start)
{
	static const uint8_t idr[] = { 0x65, 0x88 };
	static const uint8_t slice[] = { 0x41, 0x9a };
	static const uint8_t stap_sps[] = { 0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce };
	static const uint8_t stap_other[] = { 0x18, 0x00, 0x02, 0x06, 0x05, 0x00, 0x01, 0x41 };
	static const uint8_t stap_bad[] = { 0x18, 0x00, 0x09, 0x67 };
	static const uint8_t fu_start_idr[] = { 0x7c, 0x85, 0x00 };
	static const uint8_t fu_cont_idr[] = { 0x7c, 0x05, 0x00 };
	static const uint8_t fu_start_slice[] = { 0x7c, 0x81, 0x00 };

	cr_assert(lumen_keyframe_start(LUMEN_CODEC_H264, idr, sizeof(idr)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_H264, slice, sizeof(slice)));
	cr_assert(lumen_keyframe_start(LUMEN_CODEC_H264, stap_sps, sizeof(stap_sps)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_H264, stap_other, sizeof(stap_other)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_H264, stap_bad, sizeof(stap_bad)),
		      "a NAL size past the end is malformed, not a keyframe");
	cr_assert(lumen_keyframe_start(LUMEN_CODEC_H264, fu_start_idr, sizeof(fu_start_idr)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_H264, fu_cont_idr, sizeof(fu_cont_idr)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_H264, fu_start_slice, sizeof(fu_start_slice)));
	for (size_t n = 0; n < 3; n++)
		cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_H264, stap_sps, n), "len %zu", n);
}

Test(keyframe_av1, new_coded_video_sequence_flag_on_a_first_fragment)
{
	static const uint8_t key[] = { 0x18, 0x0a };     /* W=1, N=1 */
	static const uint8_t inter[] = { 0x10, 0x32 };   /* N=0 */
	static const uint8_t cont[] = { 0x88, 0x0a };    /* Z=1: continues an OBU */

	cr_assert(lumen_keyframe_start(LUMEN_CODEC_AV1, key, sizeof(key)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_AV1, inter, sizeof(inter)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_AV1, cont, sizeof(cont)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_AV1, key, 1));
}

Test(keyframe, audio_and_unknown_codecs_never_have_keyframes)
{
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_OPUS, vp8_key, sizeof(vp8_key)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_UNKNOWN, vp8_key, sizeof(vp8_key)));
	cr_assert_not(lumen_keyframe_start(LUMEN_CODEC_VP8, NULL, 10));
}
