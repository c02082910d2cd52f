/* stats.c -- loss and delay bookkeeping of lumen-bench's subscribers (see stats.h). */
#include <string.h>

#include "stats.h"
#include "webrtc/bytes.h"

void bench_trailer_write(uint8_t *out, int64_t send_ns)
{
	wr32be(out, BENCH_MAGIC);
	wr32be(out + 4, (uint32_t)((uint64_t)send_ns >> 32));
	wr32be(out + 8, (uint32_t)send_ns);
}

bool bench_trailer_read(const uint8_t *payload, size_t len, int64_t *send_ns)
{
	const uint8_t *t;

	if (len < BENCH_TRAILER_LEN)
		return false;
	t = payload + len - BENCH_TRAILER_LEN;
	if (rd32be(t) != BENCH_MAGIC)
		return false;
	*send_ns = (int64_t)(((uint64_t)rd32be(t + 4) << 32) | rd32be(t + 8));
	return true;
}

static struct bench_stream *stream_of(struct bench_streams *ss, uint32_t ssrc, uint16_t seq,
                                      bool measuring)
{
	struct bench_stream *s;

	for (size_t i = 0; i < ss->n; i++)
		if (ss->s[i].ssrc == ssrc)
			return &ss->s[i];
	if (ss->n == BENCH_MAX_STREAMS)
		return NULL;
	s = &ss->s[ss->n++];
	memset(s, 0, sizeof(*s));
	s->ssrc = ssrc;
	s->ext_max = 65536u + seq; /* room below for reordered packets across the first wrap */
	if (measuring) { /* first seen inside the window: it starts just before this packet */
		s->win_open = true;
		s->win_start = s->ext_max - 1;
	}
	return s;
}

static void hist_add(struct bench_stats *st, int64_t d_ns)
{
	int64_t us = d_ns / 1000;
	size_t b;

	if (us < 0)
		us = 0;
	if (us < BENCH_HIST_FINE * 10)
		b = (size_t)(us / 10);
	else if (us < 100000 + (int64_t)BENCH_HIST_COARSE * 1000)
		b = BENCH_HIST_FINE + (size_t)((us - 100000) / 1000);
	else
		b = BENCH_HIST_FINE + BENCH_HIST_COARSE - 1;
	st->hist[b]++;
	st->delay_n++;
	if (d_ns > st->delay_max_ns)
		st->delay_max_ns = d_ns;
}

void bench_stats_packet(struct bench_stats *st, struct bench_streams *ss, uint32_t ssrc,
                        uint16_t seq, const uint8_t *payload, size_t len, size_t wire_len,
                        int64_t now_ns)
{
	struct bench_stream *s = stream_of(ss, ssrc, seq, st->measuring);
	int64_t sent;

	ss->total_rx++;
	if (!ss->first_rx_ns)
		ss->first_rx_ns = now_ns;
	if (s) {
		/* Extend seq around ext_max: the nearest value with these low 16 bits. */
		uint64_t ext = (s->ext_max & ~(uint64_t)0xffff) | seq;
		if (ext + 32768 < s->ext_max)
			ext += 65536;
		else if (ext > s->ext_max + 32768 && ext >= 65536)
			ext -= 65536;
		if (ext > s->ext_max)
			s->ext_max = ext;
		if (s->win_open)
			s->win_rx++;
	}
	if (!st->measuring)
		return;
	st->packets++;
	st->bytes += wire_len;
	if (bench_trailer_read(payload, len, &sent))
		hist_add(st, now_ns - sent);
	else
		st->late++;
}

void bench_stats_open(struct bench_stats *st, struct bench_streams *ss)
{
	st->measuring = true;
	for (size_t i = 0; i < ss->n; i++) {
		ss->s[i].win_open = true;
		ss->s[i].win_start = ss->s[i].ext_max;
		ss->s[i].win_rx = 0;
	}
}

void bench_stats_close(struct bench_stats *st, const struct bench_streams *ss)
{
	for (size_t i = 0; i < ss->n; i++)
		if (ss->s[i].win_open) {
			st->expected += ss->s[i].ext_max - ss->s[i].win_start;
			st->seq_rx += ss->s[i].win_rx;
		}
}

double bench_stats_delay_ms(const struct bench_stats *st, double p)
{
	uint64_t want, acc = 0;

	if (!st->delay_n)
		return 0;
	want = (uint64_t)((double)st->delay_n * p / 100.0);
	if (want >= st->delay_n)
		want = st->delay_n - 1;
	for (size_t b = 0; b < BENCH_HIST_FINE + BENCH_HIST_COARSE; b++) {
		acc += st->hist[b];
		if (acc > want) {
			double us = b < BENCH_HIST_FINE
			                ? (double)b * 10 + 5
			                : 100000.0 + (double)(b - BENCH_HIST_FINE) * 1000 + 500;
			double max_ms = (double)st->delay_max_ns / 1e6;
			return us / 1000.0 < max_ms ? us / 1000.0 : max_ms;
		}
	}
	return (double)st->delay_max_ns / 1e6;
}
