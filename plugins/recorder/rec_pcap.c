/* recorder/rec_pcap.c -- the pcap side of the recording format (docs/recording.md): the file
 * header, one record (pcap record header + synthetic Ethernet/IPv4/UDP header + payload) and a reader
 * that walks a file to its last whole record. Pure byte work, no allocation; the scan reads fd. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "rec_internal.h"

#define PCAP_MAGIC 0xa1b2c3d4u
/* Ethernet framing (synthetic MACs) rather than raw IPv4: Janus's pcap2mjr, like much of the
 * pcap tooling, refuses LINKTYPE_ETHERNET; Wireshark, tshark and GStreamer's pcapparse read both. */
#define LINKTYPE_ETHERNET 1u
#define SNAPLEN 65535u

static void wr16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t rd32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void rec_pcap_file_header(uint8_t out[REC_PCAP_HDR])
{
	memset(out, 0, REC_PCAP_HDR);
	wr32le(out, PCAP_MAGIC);
	out[4] = 2; /* version 2.4, little endian u16s */
	out[6] = 4;
	wr32le(out + 16, SNAPLEN);
	wr32le(out + 20, LINKTYPE_ETHERNET);
}

uint16_t rec_ip_checksum(const uint8_t *hdr, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)hdr[i] << 8 | hdr[i + 1];
	if (len & 1)
		sum += (uint32_t)hdr[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t rec_pcap_record(uint8_t *out, int64_t t_us, uint16_t ip_id, uint16_t src_port,
		       const uint8_t *payload, size_t len)
{
	uint8_t *eth = out + REC_PCAP_REC_HDR, *ip = eth + 14, *udp = ip + 20;
	uint32_t caplen = (uint32_t)(REC_IPUDP_HDR + len);

	if (t_us < 0)
		t_us = 0;
	wr32le(out, (uint32_t)(t_us / 1000000));
	wr32le(out + 4, (uint32_t)(t_us % 1000000));
	wr32le(out + 8, caplen);
	wr32le(out + 12, caplen);
	memset(eth, 0, REC_IPUDP_HDR);
	/* locally administered unicast MACs 02:00:00:00:00:02 <- 02:00:00:00:00:01, IPv4 */
	eth[0] = 0x02, eth[5] = 0x02;
	eth[6] = 0x02, eth[11] = 0x01;
	eth[12] = 0x08;
	ip[0] = 0x45; /* IPv4, 20-byte header */
	wr16be(ip + 2, (uint16_t)(caplen - 14));
	wr16be(ip + 4, ip_id);
	ip[8] = 64; /* TTL */
	ip[9] = 17; /* UDP */
	ip[12] = 10, ip[15] = 1; /* 10.0.0.1 */
	ip[16] = 10, ip[19] = 2; /* 10.0.0.2 */
	wr16be(ip + 10, rec_ip_checksum(ip, 20));
	wr16be(udp, src_port);
	wr16be(udp + 2, 5004);
	wr16be(udp + 4, (uint16_t)(8 + len)); /* UDP checksum 0: none */
	memcpy(udp + 8, payload, len);
	return REC_PCAP_REC_HDR + caplen;
}

/* A buffered forward reader that can skip bytes without reading them. */
struct reader {
	int fd;
	uint8_t buf[64 * 1024];
	size_t pos, end;
	off_t file_off; /* offset of buf[end] */
};

/* Makes n contiguous bytes available at r->buf + r->pos. Returns false at EOF (short). */
static int need(struct reader *r, size_t n)
{
	while (r->end - r->pos < n) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
		ssize_t got = read(r->fd, r->buf + r->end, sizeof(r->buf) - r->end);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -EIO;
		if (got == 0)
			return 0;
		r->end += (size_t)got;
		r->file_off += got;
	}
	return 1;
}

static int skip(struct reader *r, size_t n)
{
	size_t have = r->end - r->pos;

	if (n <= have) {
		r->pos += n;
		return 1;
	}
	n -= have;
	r->pos = r->end = 0;
	/* Past the end of the file means a torn record: check the size first. */
	off_t size = lseek(r->fd, 0, SEEK_END);
	if (size < 0)
		return -EIO;
	if (r->file_off + (off_t)n > size)
		return 0;
	r->file_off += (off_t)n;
	if (lseek(r->fd, r->file_off, SEEK_SET) < 0)
		return -EIO;
	return 1;
}

int rec_pcap_scan(int fd, struct rec_pcap_scan *out)
{
	struct reader *r = g_new0(struct reader, 1);
	int ret;

	memset(out, 0, sizeof(*out));
	out->first_us = out->last_us = REC_T_NONE;
	r->fd = fd;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		ret = -EIO;
		goto out;
	}
	ret = need(r, REC_PCAP_HDR);
	if (ret <= 0 || rd32le(r->buf) != PCAP_MAGIC || rd32le(r->buf + 20) != LINKTYPE_ETHERNET) {
		ret = ret < 0 ? ret : -EINVAL;
		goto out;
	}
	r->pos += REC_PCAP_HDR;
	for (;;) {
		ret = need(r, REC_PCAP_REC_HDR + REC_IPUDP_HDR + 2);
		if (ret < 0)
			goto out;
		if (ret == 0) {
			out->torn = r->end != r->pos;
			break;
		}
		const uint8_t *h = r->buf + r->pos;
		uint32_t incl = rd32le(h + 8);
		int64_t t = (int64_t)rd32le(h) * 1000000 + rd32le(h + 4);
		if (incl < REC_IPUDP_HDR + 2 || incl > 65535) {
			out->torn = true; /* garbage: stop here, as at a torn record */
			break;
		}
		uint8_t byte1 = h[REC_PCAP_REC_HDR + REC_IPUDP_HDR + 1];
		ret = skip(r, REC_PCAP_REC_HDR + incl);
		if (ret < 0)
			goto out;
		if (ret == 0) {
			out->torn = true;
			break;
		}
		out->records++;
		out->bytes += incl - REC_IPUDP_HDR;
		if (byte1 == 200)
			out->sr++;
		else
			out->rtp++;
		if (out->first_us == REC_T_NONE)
			out->first_us = t;
		out->last_us = t;
	}
	ret = 0;
out:
	g_free(r);
	return ret;
}
