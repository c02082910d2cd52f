/* test_dcep.c -- DCEP codec (src/webrtc/dcep.c): round trips for every channel type, wire bytes
 * against RFC 8832's layout, every truncation and bad length rejected, UTF-8 checked. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "webrtc/dcep.h"

static struct lumen_dcep_open make_open(bool ordered, enum lumen_dcep_reliability rel,
                                        uint32_t param, const char *label, const char *protocol)
{
	struct lumen_dcep_open o = {
	    .ordered = ordered,
	    .reliability = rel,
	    .reliability_param = param,
	    .priority = LUMEN_DCEP_PRIORITY_NORMAL,
	    .label = (const uint8_t *)label,
	    .label_len = strlen(label),
	    .protocol = (const uint8_t *)protocol,
	    .protocol_len = strlen(protocol),
	};
	return o;
}

static const struct {
	bool ordered;
	enum lumen_dcep_reliability rel;
	uint32_t param;
	uint8_t type_byte;
} channel_types[] = {
    {true, LUMEN_DCEP_RELIABLE, 0, 0x00}, {false, LUMEN_DCEP_RELIABLE, 0, 0x80},
    {true, LUMEN_DCEP_REXMIT, 3, 0x01},   {false, LUMEN_DCEP_REXMIT, 0, 0x81},
    {true, LUMEN_DCEP_TIMED, 1500, 0x02}, {false, LUMEN_DCEP_TIMED, 0xffffffffu, 0x82},
};

Test(dcep_open, round_trips_every_channel_type)
{
	for (size_t i = 0; i < sizeof(channel_types) / sizeof(channel_types[0]); i++) {
		struct lumen_dcep_open o = make_open(channel_types[i].ordered, channel_types[i].rel,
		                                     channel_types[i].param, "chat", "json");
		uint8_t buf[64];
		struct lumen_dcep_msg m;
		ssize_t n = lumen_dcep_write_open(buf, sizeof(buf), &o);

		cr_assert_eq(n, 12 + 4 + 4);
		cr_assert_eq(buf[1], channel_types[i].type_byte, "type %zu", i);
		cr_assert_eq(lumen_dcep_parse(&m, buf, (size_t)n), 0);
		cr_assert_eq(m.type, LUMEN_DCEP_MSG_OPEN);
		cr_assert_eq(m.open.ordered, channel_types[i].ordered);
		cr_assert_eq(m.open.reliability, channel_types[i].rel);
		cr_assert_eq(m.open.reliability_param, channel_types[i].param);
		cr_assert_eq(m.open.priority, LUMEN_DCEP_PRIORITY_NORMAL);
		cr_assert_eq(m.open.label_len, 4);
		cr_assert_arr_eq(m.open.label, "chat", 4);
		cr_assert_eq(m.open.protocol_len, 4);
		cr_assert_arr_eq(m.open.protocol, "json", 4);
	}
}

Test(dcep_open, writes_the_rfc_8832_layout)
{
	struct lumen_dcep_open o = make_open(false, LUMEN_DCEP_REXMIT, 0x01020304, "ab", "x");
	static const uint8_t want[] = {0x03, 0x81, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04,
	                               0x00, 0x02, 0x00, 0x01, 'a',  'b',  'x'};
	uint8_t buf[32];

	cr_assert_eq(lumen_dcep_open_size(&o), sizeof(want));
	cr_assert_eq(lumen_dcep_write_open(buf, sizeof(buf), &o), (ssize_t)sizeof(want));
	cr_assert_arr_eq(buf, want, sizeof(want));
}

Test(dcep_open, parses_empty_label_and_protocol)
{
	static const uint8_t msg[] = {0x03, 0x00, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0};
	struct lumen_dcep_msg m;

	cr_assert_eq(lumen_dcep_parse(&m, msg, sizeof(msg)), 0);
	cr_assert_eq(m.open.label_len, 0);
	cr_assert_eq(m.open.protocol_len, 0);
	cr_assert_eq(m.open.priority, LUMEN_DCEP_PRIORITY_BELOW_NORMAL);
	cr_assert(m.open.ordered);
}

Test(dcep_open, rejects_every_truncation_of_a_valid_message)
{
	struct lumen_dcep_open o = make_open(true, LUMEN_DCEP_TIMED, 250, "label", "proto");
	uint8_t buf[64];
	ssize_t n = lumen_dcep_write_open(buf, sizeof(buf), &o);
	struct lumen_dcep_msg m;

	cr_assert_gt(n, 0);
	for (size_t len = 0; len < (size_t)n; len++)
		cr_assert_eq(lumen_dcep_parse(&m, buf, len), -EINVAL, "truncated to %zu", len);
	cr_assert_eq(lumen_dcep_parse(&m, buf, (size_t)n), 0);
}

Test(dcep_open, rejects_label_and_protocol_lengths_that_do_not_fit)
{
	struct lumen_dcep_open o = make_open(true, LUMEN_DCEP_RELIABLE, 0, "abc", "de");
	uint8_t buf[64];
	ssize_t n = lumen_dcep_write_open(buf, sizeof(buf), &o);
	struct lumen_dcep_msg m;
	static const uint16_t bad[][2] = {{4, 2},           {3, 3}, {0xffff, 2}, {3, 0xffff},
	                                  {0xffff, 0xffff}, {2, 2}, {0, 0},      {6, 0}};

	cr_assert_eq(n, 17);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf[8] = (uint8_t)(bad[i][0] >> 8);
		buf[9] = (uint8_t)bad[i][0];
		buf[10] = (uint8_t)(bad[i][1] >> 8);
		buf[11] = (uint8_t)bad[i][1];
		cr_assert_eq(lumen_dcep_parse(&m, buf, (size_t)n), -EINVAL, "lengths %u/%u",
		             bad[i][0], bad[i][1]);
	}
}

Test(dcep_open, rejects_trailing_bytes)
{
	struct lumen_dcep_open o = make_open(true, LUMEN_DCEP_RELIABLE, 0, "a", "");
	uint8_t buf[64];
	ssize_t n = lumen_dcep_write_open(buf, sizeof(buf), &o);
	struct lumen_dcep_msg m;

	buf[n] = 0;
	cr_assert_eq(lumen_dcep_parse(&m, buf, (size_t)n + 1), -EINVAL);
}

Test(dcep_open, rejects_unknown_channel_types)
{
	static const uint8_t types[] = {0x03, 0x7f, 0x83, 0xff, 0x40};
	uint8_t buf[12] = {0x03};
	struct lumen_dcep_msg m;

	for (size_t i = 0; i < sizeof(types); i++) {
		buf[1] = types[i];
		cr_assert_eq(lumen_dcep_parse(&m, buf, sizeof(buf)), -ENOTSUP, "type 0x%02x",
		             types[i]);
	}
}

Test(dcep_open, rejects_labels_that_are_not_utf8)
{
	static const char *bad[] = {"\xff",         "\xc0\x80",         "\xe0\x80\x80",
	                            "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\xc3",
	                            "\x80"};
	struct lumen_dcep_msg m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t buf[32] = {0x03, 0x00};
		size_t l = strlen(bad[i]);

		buf[9] = (uint8_t)l;
		memcpy(buf + 12, bad[i], l);
		cr_assert_eq(lumen_dcep_parse(&m, buf, 12 + l), -EINVAL, "label %zu", i);
		buf[9] = 0;
		buf[11] = (uint8_t)l;
		cr_assert_eq(lumen_dcep_parse(&m, buf, 12 + l), -EINVAL, "protocol %zu", i);
	}
}

Test(dcep_open, accepts_multibyte_utf8_labels)
{
	const char *label = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
	struct lumen_dcep_open o = make_open(true, LUMEN_DCEP_RELIABLE, 0, label, "");
	uint8_t buf[64];
	struct lumen_dcep_msg m;
	ssize_t n = lumen_dcep_write_open(buf, sizeof(buf), &o);

	cr_assert_gt(n, 0);
	cr_assert_eq(lumen_dcep_parse(&m, buf, (size_t)n), 0);
	cr_assert_eq(m.open.label_len, strlen(label));
}

Test(dcep_open, write_refuses_invalid_input_and_small_buffers)
{
	struct lumen_dcep_open o = make_open(true, LUMEN_DCEP_RELIABLE, 0, "chat", "");
	uint8_t buf[16];
	static uint8_t big[70000];

	cr_assert_eq(lumen_dcep_write_open(buf, 15, &o), -ENOSPC);
	cr_assert_eq(lumen_dcep_write_open(buf, 16, &o), 16);
	o.reliability = (enum lumen_dcep_reliability)3;
	cr_assert_eq(lumen_dcep_write_open(buf, sizeof(buf), &o), -EINVAL);
	o = make_open(true, LUMEN_DCEP_RELIABLE, 0, "", "");
	memset(big, 'a', sizeof(big));
	o.label = big;
	o.label_len = 65536;
	cr_assert_eq(lumen_dcep_write_open(big, sizeof(big), &o), -EINVAL);
	o.label_len = 1;
	o.label = (const uint8_t *)"\xff";
	cr_assert_eq(lumen_dcep_write_open(buf, sizeof(buf), &o), -EINVAL);
}

Test(dcep_open, round_trips_a_label_of_the_maximum_length)
{
	static uint8_t label[65535], buf[65535 + 12];
	struct lumen_dcep_open o = make_open(true, LUMEN_DCEP_RELIABLE, 0, "", "");
	struct lumen_dcep_msg m;

	memset(label, 'x', sizeof(label));
	o.label = label;
	o.label_len = sizeof(label);
	cr_assert_eq(lumen_dcep_write_open(buf, sizeof(buf), &o), (ssize_t)sizeof(buf));
	cr_assert_eq(lumen_dcep_parse(&m, buf, sizeof(buf)), 0);
	cr_assert_eq(m.open.label_len, 65535);
}

Test(dcep_ack, round_trips_and_rejects_extra_bytes)
{
	uint8_t buf[2] = {0, 0};
	struct lumen_dcep_msg m;

	cr_assert_eq(lumen_dcep_write_ack(buf, 0), -ENOSPC);
	cr_assert_eq(lumen_dcep_write_ack(buf, sizeof(buf)), 1);
	cr_assert_eq(buf[0], 0x02);
	cr_assert_eq(lumen_dcep_parse(&m, buf, 1), 0);
	cr_assert_eq(m.type, LUMEN_DCEP_MSG_ACK);
	cr_assert_eq(lumen_dcep_parse(&m, buf, 2), -EINVAL);
	cr_assert_eq(lumen_dcep_parse(&m, buf, 0), -EINVAL);
}

Test(dcep_parse, rejects_unknown_message_types)
{
	struct lumen_dcep_msg m;

	for (unsigned t = 0; t < 256; t++) {
		uint8_t b = (uint8_t)t;

		if (t == LUMEN_DCEP_MSG_ACK || t == LUMEN_DCEP_MSG_OPEN)
			continue;
		cr_assert_eq(lumen_dcep_parse(&m, &b, 1), -ENOTSUP, "type %u", t);
	}
}

Test(dcep_ppid, classifies_binary_and_text)
{
	cr_assert(lumen_dcep_ppid_is_binary(LUMEN_DCEP_PPID_BINARY));
	cr_assert(lumen_dcep_ppid_is_binary(LUMEN_DCEP_PPID_BINARY_PARTIAL));
	cr_assert(lumen_dcep_ppid_is_binary(LUMEN_DCEP_PPID_BINARY_EMPTY));
	cr_assert_not(lumen_dcep_ppid_is_binary(LUMEN_DCEP_PPID_STRING));
	cr_assert_not(lumen_dcep_ppid_is_binary(LUMEN_DCEP_PPID_STRING_EMPTY));
	cr_assert_not(lumen_dcep_ppid_is_binary(LUMEN_DCEP_PPID_CONTROL));
}
