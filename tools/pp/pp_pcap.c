/* pp_pcap.c -- the recording pcap parser (see pp_reader.h): classic pcap, little endian,
 * microsecond timestamps, LINKTYPE_RAW (or Ethernet / IPv4), each record an IPv4/UDP packet whose
 * payload we return.
 * Pure: no allocation, no I/O. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "pp_reader.h"

#define PCAP_MAGIC_LE 0xa1b2c3d4u
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW      101
#define LINKTYPE_IPV4     228
#define SNAPLEN_MAX   262144u /* a record longer than any snaplen is garbage, not a torn record */

static uint32_t rd32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16be(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Finds the UDP payload in an IPv4 packet; false if it is something else. */
static bool udp_payload(const uint8_t *ip, size_t len, const uint8_t **pl, size_t *pl_len)
{
	size_t ihl, tot;

	if (len < 20 || (ip[0] >> 4) != 4 || ip[9] != 17)
		return false;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = rd16be(ip + 2);
	if (ihl < 20 || tot < ihl + 8 || tot > len)
		return false;
	if (rd16be(ip + ihl + 4) < 8 || rd16be(ip + ihl + 4) > tot - ihl)
		return false;
	*pl = ip + ihl + 8;
	*pl_len = rd16be(ip + ihl + 4) - 8u;
	return true;
}

int lumen_pp_pcap_parse(const uint8_t *buf, size_t len, lumen_pp_record_cb cb, void *ud,
			struct lumen_pp_pcap_stats *st, char *err, size_t errlen)
{
	size_t off = 24, l2;
	uint32_t link;

	*st = (struct lumen_pp_pcap_stats){0};
	if (len < 24)
		return fail(err, errlen, "not a pcap file (%zu bytes, shorter than a pcap header)", len);
	if (rd32le(buf) != PCAP_MAGIC_LE)
		return fail(err, errlen, "not a little-endian microsecond pcap (magic 0x%08x)", rd32le(buf));
	if (buf[4] != 2 || buf[5] != 0)
		return fail(err, errlen, "unsupported pcap version %u.%u", buf[4], buf[6]);
	/* The recorder writes raw IPv4 (101); Ethernet (1, what pcap2mjr wants) and IPv4 (228) are
	 * read too, so a recording converted for other tools still works. */
	link = rd32le(buf + 20);
	if (link != LINKTYPE_RAW && link != LINKTYPE_ETHERNET && link != LINKTYPE_IPV4)
		return fail(err, errlen, "pcap link type %u, expected 101 (raw IPv4)", link);
	l2 = link == LINKTYPE_ETHERNET ? 14 : 0;
	while (off < len) {
		uint32_t incl, usec;
		const uint8_t *pl;
		size_t pl_len;

		if (len - off < 16) {
			st->torn = true;
			break;
		}
		incl = rd32le(buf + off + 8);
		usec = rd32le(buf + off + 4);
		if (incl > SNAPLEN_MAX || usec >= 1000000)
			return fail(err, errlen, "corrupt pcap record at byte %zu (length %u, usec %u)",
				    off, incl, usec);
		if (len - off - 16 < incl) {
			st->torn = true;
			break;
		}
		if (incl >= l2 && (l2 == 0 || rd16be(buf + off + 16 + 12) == 0x0800) &&
		    udp_payload(buf + off + 16 + l2, incl - l2, &pl, &pl_len)) {
			struct lumen_pp_record r = {
				.t_us = (int64_t)rd32le(buf + off) * 1000000 + usec,
				.payload = pl,
				.len = pl_len,
			};
			st->records++;
			cb(&r, ud);
		} else {
			st->skipped++;
		}
		off += 16 + (size_t)incl;
	}
	return 0;
}
