/* perf_rtp.c -- micro-benchmark of the RTP hot path: parse + in-place rewrite per packet,
 * pktbuf get/unref, pktcache put/get, RTCP compound validation and transport-cc parsing.
 *
 * Run by hand (not part of the test suite): tests/perf/perf_rtp [iterations]. Prints ns per
 * operation; numbers only mean something on an otherwise idle machine with an -O2 build. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "webrtc/nack.h"
#include "webrtc/pktbuf.h"
#include "webrtc/pktcache.h"
#include "webrtc/rtcp.h"
#include "webrtc/rtp.h"

static volatile uint64_t sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void report(const char *what, uint64_t t0, long n)
{
	printf("%-40s %8.1f ns/op\n", what, (double)(now_ns() - t0) / (double)n);
}

static void bench_rtp(long n)
{
	uint8_t buf[1500];
	const uint8_t ast[3] = {1, 2, 3}, tcc[2] = {0, 1}, mid[1] = {'0'}, payload[1100] = {0};
	struct lumen_rtp_ext ext[3] = {{2, 3, ast}, {3, 2, tcc}, {4, 1, mid}};
	struct lumen_rtp_hdr h = {.pt = 96, .seq = 1, .ts = 2, .ssrc = 3};
	ssize_t len = lumen_rtp_write(buf, sizeof(buf), &h, ext, 3, payload, sizeof(payload), 0);
	uint8_t v[2];
	uint64_t t0 = now_ns();

	for (long i = 0; i < n; i++) {
		struct lumen_rtp p;

		if (lumen_rtp_parse(&p, buf, (size_t)len) < 0)
			abort();
		lumen_rtp_set_seq(buf, (uint16_t)(p.seq + 1));
		lumen_rtp_set_ts(buf, p.ts + 3000);
		lumen_rtp_set_ssrc(buf, p.ssrc ^ 1);
		wr16be(v, (uint16_t)i);
		if (lumen_rtp_ext_rewrite(buf, &p, 3, v, 2) < 0)
			abort();
		sink += p.payload_len;
	}
	report("rtp parse + rewrite seq/ts/ssrc/tcc ext", t0, n);
}

static void bench_pktbuf(long n)
{
	struct lumen_pktbuf_pool *pool = lumen_pktbuf_pool_new(64, 1024);
	struct lumen_pktbuf_stats st;
	uint64_t t0 = now_ns();

	for (long i = 0; i < n; i++) {
		struct lumen_pktbuf *b = lumen_pktbuf_get(pool);

		b->len = 1;
		lumen_pktbuf_unref(b);
	}
	report("pktbuf get + unref", t0, n);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		struct lumen_pktbuf *b = lumen_pktbuf_get(pool);

		lumen_pktbuf_ref(b); /* fan-out to two subscribers */
		lumen_pktbuf_unref(b);
		lumen_pktbuf_unref(b);
	}
	report("pktbuf get + ref + 2 unref", t0, n);
	lumen_pktbuf_pool_stats(pool, &st);
	printf("%-40s %8zu\n", "pktbuf chunk allocations", st.chunks);
	lumen_pktbuf_pool_free(pool);
}

static void bench_pktcache(long n)
{
	struct lumen_pktbuf_pool *pool = lumen_pktbuf_pool_new(256, 4096);
	struct lumen_pktcache *c = lumen_pktcache_new(NULL);
	uint64_t t0 = now_ns();

	for (long i = 0; i < n; i++) {
		struct lumen_pktbuf *b = lumen_pktbuf_get(pool);

		b->len = 1200;
		lumen_pktcache_put(c, (uint16_t)i, b, (uint64_t)i * 1000); /* 1000 packets/s */
		lumen_pktbuf_unref(b);
		b = lumen_pktcache_get(c, (uint16_t)(i - 100), (uint64_t)i * 1000);
		lumen_pktbuf_unref(b);
	}
	report("pktcache put + get (1000 pkt/s)", t0, n);
	lumen_pktcache_free(c);
	lumen_pktbuf_pool_free(pool);
}

static void bench_rtcp(long n)
{
	uint8_t buf[512], rcv[100];
	int64_t at[100];
	struct lumen_rtcp_writer w;
	struct lumen_rtcp_report rr = {.ssrc = 1, .n_rb = 1};
	struct lumen_rtcp_tcc tcc = {1, 2, 100, 100, 5, 1};
	struct lumen_rtcp_iter it;
	struct lumen_rtcp_hdr h;
	struct lumen_rtcp_fb fb;
	uint64_t t0;
	size_t tcc_off;

	for (int i = 0; i < 100; i++) {
		rcv[i] = i % 7 != 3;
		at[i] = 5 * 64000 + i * 2000 + (i % 3) * 250;
	}
	lumen_rtcp_writer_init(&w, buf, sizeof(buf));
	lumen_rtcp_write_report(&w, &rr, false);
	lumen_rtcp_write_remb(&w, 1, 1500000, &rr.ssrc, 1);
	tcc_off = w.len;
	lumen_rtcp_write_tcc(&w, &tcc, rcv, at);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		sink += (uint64_t)lumen_rtcp_validate(buf, w.len);
	report("rtcp validate RR+REMB+tcc(100 pkts)", t0, n);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		lumen_rtcp_iter_init(&it, buf + tcc_off, w.len - tcc_off);
		lumen_rtcp_next(&it, &h);
		lumen_rtcp_parse_fb(&h, &fb);
		if (lumen_rtcp_parse_tcc(&fb, &tcc, rcv, at, 100) < 0)
			abort();
		sink += (uint64_t)at[99];
	}
	report("rtcp transport-cc parse (100 pkts)", t0, n);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;

	if (n <= 0)
		n = 2000000;
	bench_rtp(n);
	bench_pktbuf(n);
	bench_pktcache(n);
	bench_rtcp(n / 10);
	return sink == 42 ? 1 : 0;
}
