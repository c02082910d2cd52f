/* test_pp_av1.c -- the AV1 RTP depacketizer of lumen-pp (tools/pp/pp_av1.c): aggregation
 * header, OBU elements with and without length fields, fragments over packets, size fields
 * added, temporal delimiters, loss and malformed payloads. */
#include <criterion/criterion.h>
#include <string.h>

#include "pp_av1.h"

static struct lumen_pp_av1 d;

static void setup(void)
{
	lumen_pp_av1_init(&d);
}

static void teardown(void)
{
	lumen_pp_av1_fini(&d);
}

TestSuite(pp_av1, .init = setup, .fini = teardown);

/* OBU headers without size field: sequence header (type 1), frame (type 6). */
#define SEQ   (1 << 3)
#define FRAME (6 << 3)
#define TD    (2 << 3)

static const uint8_t td_out[] = {0x12, 0x00};

Test(pp_av1, leb128_reads_what_av1_writes)
{
	uint32_t v = 0;
	const uint8_t one[] = {0x05}, two[] = {0x80 | 0x2c, 0x02}, bad[] = {0x80, 0x80};

	cr_assert_eq(lumen_pp_av1_leb128(one, 1, &v), 1);
	cr_assert_eq(v, 5);
	cr_assert_eq(lumen_pp_av1_leb128(two, 2, &v), 2);
	cr_assert_eq(v, 300);
	cr_assert_eq(lumen_pp_av1_leb128(bad, 2, &v), 0, "truncated");
}

Test(pp_av1, a_key_unit_in_one_packet_gets_a_temporal_delimiter_and_size_fields)
{
	/* N=1, W=2: first element with a length, the last without. */
	const uint8_t pkt[] = {0x28, 3, SEQ, 0xaa, 0xbb, FRAME, 0x01, 0x02, 0x03, 0x04};
	const uint8_t want[] = {0x12, 0x00, SEQ | 2, 2, 0xaa, 0xbb, FRAME | 2, 4, 1, 2, 3, 4};

	cr_assert_eq(lumen_pp_av1_push(&d, pkt, sizeof(pkt), true, false), 1);
	cr_assert_eq(d.tu_len, sizeof(want));
	cr_assert_arr_eq(d.tu, want, sizeof(want));
	cr_assert(d.tu_has_seq);
}

Test(pp_av1, an_obu_split_over_three_packets_is_reassembled)
{
	const uint8_t key[] = {0x18, SEQ, 0x01}; /* N=1, W=1 */
	const uint8_t p1[] = {0x50, FRAME, 0x10, 0x11};  /* Y=1, W=1 */
	const uint8_t p2[] = {0xd0, 0x12, 0x13};         /* Z=1, Y=1, W=1 */
	const uint8_t p3[] = {0x90, 0x14};               /* Z=1, W=1 */
	const uint8_t want[] = {0x12, 0x00, FRAME | 2, 5, 0x10, 0x11, 0x12, 0x13, 0x14};

	cr_assert_eq(lumen_pp_av1_push(&d, key, sizeof(key), true, false), 1);
	cr_assert_eq(lumen_pp_av1_push(&d, p1, sizeof(p1), false, false), 0);
	cr_assert_eq(lumen_pp_av1_push(&d, p2, sizeof(p2), false, false), 0);
	cr_assert_eq(lumen_pp_av1_push(&d, p3, sizeof(p3), true, false), 1);
	cr_assert_eq(d.tu_len, sizeof(want));
	cr_assert_arr_eq(d.tu, want, sizeof(want));
	cr_assert_not(d.tu_has_seq);
}

Test(pp_av1, temporal_delimiters_from_the_sender_are_dropped_and_kept_size_fields_trusted)
{
	/* W=0: every element has a length. A TD, then a frame that kept its size field. */
	const uint8_t pkt[] = {0x08, 1, TD, 4, FRAME | 2, 2, 0xee, 0xff};
	const uint8_t want[] = {0x12, 0x00, FRAME | 2, 2, 0xee, 0xff};

	lumen_pp_av1_init(&d);
	d.wait_key = false;
	cr_assert_eq(lumen_pp_av1_push(&d, pkt, sizeof(pkt), true, false), 1);
	cr_assert_arr_eq(d.tu, want, sizeof(want));
}

Test(pp_av1, nothing_comes_out_before_a_key_point)
{
	const uint8_t delta[] = {0x10, FRAME, 0x01};
	const uint8_t key[] = {0x18, SEQ, 0x01};

	cr_assert_eq(lumen_pp_av1_push(&d, delta, sizeof(delta), true, false), 0);
	cr_assert_eq(d.dropped, 1);
	cr_assert_eq(lumen_pp_av1_push(&d, key, sizeof(key), true, false), 1);
	cr_assert_eq(lumen_pp_av1_push(&d, delta, sizeof(delta), true, false), 1);
}

Test(pp_av1, a_loss_drops_the_unit_and_waits_for_the_next_key_point)
{
	const uint8_t key[] = {0x18, SEQ, 0x01};
	const uint8_t p1[] = {0x50, FRAME, 0x10};
	const uint8_t p3[] = {0x90, 0x14};
	const uint8_t delta[] = {0x10, FRAME, 0x01};

	cr_assert_eq(lumen_pp_av1_push(&d, key, sizeof(key), true, false), 1);
	cr_assert_eq(lumen_pp_av1_push(&d, p1, sizeof(p1), false, false), 0);
	/* p2 lost: p3 arrives with discont; its continuation has no start. */
	cr_assert_eq(lumen_pp_av1_push(&d, p3, sizeof(p3), true, true), 0);
	cr_assert_eq(lumen_pp_av1_push(&d, delta, sizeof(delta), true, false), 0,
		     "a delta frame after a loss references what was lost");
	cr_assert_eq(lumen_pp_av1_push(&d, key, sizeof(key), true, false), 1);
	cr_assert_geq(d.dropped, 2);
}

Test(pp_av1, malformed_payloads_are_counted_never_read_past_the_end)
{
	const uint8_t key[] = {0x18, SEQ, 0x01};
	const uint8_t too_long[] = {0x00, 9, FRAME, 0x01};       /* length past the end */
	const uint8_t forbidden[] = {0x10, 0x80 | FRAME, 0x01}; /* forbidden bit */
	const uint8_t bad_leb[] = {0x00, 0x80};
	const uint8_t unfinished[] = {0x50, FRAME, 0x01};       /* Y=1 with the marker */

	cr_assert_eq(lumen_pp_av1_push(&d, key, sizeof(key), true, false), 1);
	cr_assert_eq(lumen_pp_av1_push(&d, too_long, sizeof(too_long), true, false), 0);
	cr_assert_eq(lumen_pp_av1_push(&d, forbidden, sizeof(forbidden), true, false), 0);
	cr_assert_eq(lumen_pp_av1_push(&d, bad_leb, sizeof(bad_leb), true, false), 0);
	cr_assert_eq(lumen_pp_av1_push(&d, NULL, 0, true, false), 0);
	cr_assert_eq(lumen_pp_av1_push(&d, unfinished, sizeof(unfinished), true, false), 0);
	cr_assert_eq(d.malformed, 5);
	cr_assert_eq(lumen_pp_av1_push(&d, key, sizeof(key), true, false), 1, "recovers");
	cr_assert_arr_eq(d.tu, td_out, 2);
}

Test(pp_av1, a_large_obu_grows_the_buffers)
{
	static uint8_t big[3 + 70000];
	size_t n;

	big[0] = 0x18; /* N=1, W=1 */
	big[1] = SEQ;
	memset(big + 2, 0x5a, sizeof(big) - 2);
	cr_assert_eq(lumen_pp_av1_push(&d, big, sizeof(big), true, false), 1);
	n = sizeof(big) - 2; /* OBU payload bytes after its header */
	cr_assert_eq(d.tu_len, 2 + 1 + 3 + n, "TD + header + 3-byte LEB128 + payload");
}
