/* test_rec_store.c -- librecstore (plugins/recorder/rec_store.h) against the recording format
 * (docs/recording.md): pcap files parsed back (and by tshark / GStreamer's pcapparse when
 * installed), the synthetic IPv4 checksum, one session clock for every track, the manifest's
 * fields and its atomic replacement, pause, markers, queue overflow, a full disk (a 64 KiB
 * tmpfs, when mounting is permitted), recovery after a crash, and ids that would escape the
 * recordings directory. The writer is a real thread: waits poll with a bound. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <glib.h>
#include <jansson.h>

#include "rec_internal.h"

static char *dir;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static void setup(void)
{
	dir = g_dir_make_tmp("recstore-XXXXXX", NULL);
	cr_assert(dir);
}

static void teardown(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	g_free(dir);
}

TestSuite(rec_store, .init = setup, .fini = teardown, .timeout = 50);

static struct rec_recording *open_rec(struct rec_writer *w, const char *d, const char *id)
{
	struct rec_open_params p = {.dir = d, .id = id, .room = 1234, .description = "Demo room",
				    .lumen_version = "0.3.0"};
	struct rec_recording *rec = NULL;
	char *err = NULL;
	int ret = rec_store_open(w, &p, &rec, &err);
	cr_assert_eq(ret, 0, "open: %s", err ? err : "");
	return rec;
}

static struct rec_writer *writer(unsigned n)
{
	char *err = NULL;
	struct rec_writer *w = rec_writer_new(n, &err);
	cr_assert(w, "%s", err ? err : "");
	return w;
}

static const struct rec_track_info opus = {77, "audio", "0", "opus", 111, 48000, 2,
					   "minptime=10;useinbandfec=1"};
static const struct rec_track_info vp8 = {77, "video", "1", "VP8", 96, 90000, 0, NULL};

/* An RTP packet of len bytes: seq, ssrc, payload filled with seq. */
static size_t rtp(uint8_t *b, size_t len, uint16_t seq, uint32_t ssrc)
{
	memset(b, (uint8_t)seq, len);
	b[0] = 0x80, b[1] = 111;
	b[2] = (uint8_t)(seq >> 8), b[3] = (uint8_t)seq;
	b[8] = (uint8_t)(ssrc >> 24), b[9] = (uint8_t)(ssrc >> 16), b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
	return len;
}

static char *path_in(const char *d, const char *id, const char *name)
{
	return g_build_filename(d, id, name, NULL);
}

static json_t *disk_manifest(const char *d, const char *id)
{
	json_t *m = NULL;
	char *err = NULL;
	int ret = rec_read_manifest(d, id, &m, &err);
	cr_assert_eq(ret, 0, "read manifest: %s", err ? err : "");
	return m;
}

static uint32_t rd32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

struct rec_parsed {
	int64_t t_us;
	uint16_t sport, ip_id;
	size_t len;
	const uint8_t *payload;
};

/* Parses a pcap file independently of rec_pcap_scan; checks every header field of the format. */
static unsigned parse_pcap(const uint8_t *b, size_t n, struct rec_parsed *out, unsigned max)
{
	unsigned count = 0;
	size_t off = 24;

	cr_assert_geq(n, 24);
	cr_assert_eq(rd32le(b), 0xa1b2c3d4u);
	cr_assert_eq(b[4] | b[5] << 8, 2);
	cr_assert_eq(b[6] | b[7] << 8, 4);
	cr_assert_eq(rd32le(b + 16), 65535u);
	cr_assert_eq(rd32le(b + 20), 1u, "link type Ethernet");
	while (off + 16 <= n && count < max) {
		uint32_t incl = rd32le(b + off + 8);
		const uint8_t *eth = b + off + 16, *ip = eth + 14, *udp = ip + 20;
		if (off + 16 + incl > n)
			break; /* torn */
		cr_assert_eq(rd32le(b + off + 12), incl);
		cr_assert_eq(eth[12] << 8 | eth[13], 0x0800, "EtherType IPv4");
		cr_assert_eq(ip[0], 0x45);
		cr_assert_eq(ip[2] << 8 | ip[3], (int)incl - 14);
		cr_assert_eq(ip[8], 64);
		cr_assert_eq(ip[9], 17);
		cr_assert(!memcmp(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8));
		cr_assert_eq(rec_ip_checksum(ip, 20), 0, "header with its checksum sums to 0xffff");
		cr_assert_eq(udp[2] << 8 | udp[3], 5004);
		cr_assert_eq(udp[4] << 8 | udp[5], (int)incl - 34);
		cr_assert_eq(udp[6] | udp[7], 0);
		out[count].t_us = (int64_t)rd32le(b + off) * 1000000 + rd32le(b + off + 4);
		cr_assert_lt(rd32le(b + off + 4), 1000000u);
		out[count].sport = (uint16_t)(udp[0] << 8 | udp[1]);
		out[count].ip_id = (uint16_t)(ip[4] << 8 | ip[5]);
		out[count].len = incl - 42;
		out[count].payload = udp + 8;
		count++;
		off += 16 + incl;
	}
	return count;
}

static bool have(const char *prog)
{
	char *p = g_find_program_in_path(prog);
	bool found = p != NULL;
	g_free(p);
	return found;
}

static bool tool_ok(const char *cmd)
{
	int status = -1;
	char *out = NULL, *err = NULL;
	bool ok = g_spawn_command_line_sync(cmd, &out, &err, &status, NULL) &&
		  g_spawn_check_wait_status(status, NULL);
	if (!ok)
		fprintf(stderr, "%s: %s\n", cmd, err ? err : "");
	g_free(out);
	g_free(err);
	return ok;
}

Test(rec_store, pcap_files_parse_back_and_open_in_tshark_and_pcapparse)
{
	struct rec_writer *w = writer(0);
	struct rec_recording *rec = open_rec(w, dir, "r1");
	char *id = g_strdup(rec_store_id(rec));
	int64_t m0 = g_get_monotonic_time();
	uint8_t b[1500], sr[28] = {0x80, 200, 0, 6};
	int a = rec_store_track_add(rec, &opus, m0);

	cr_assert_eq(a, 0);
	for (unsigned i = 0; i < 50; i++)
		cr_assert_eq(rec_store_rtp(rec, a, b, rtp(b, 100 + i, (uint16_t)i, 0x1234), 0x1234,
					   m0 + i * 20000), 0);
	cr_assert_eq(rec_store_sr(rec, a, sr, sizeof(sr), m0 + 1000001), 0);
	cr_assert_eq(rec_store_rtp(rec, a, b, 1501, 0x1234, m0), -EINVAL, "over REC_MAX_PACKET");
	rec_store_close(rec, m0 + 2000000);
	rec_writer_free(w);

	char *f = path_in(dir, id, "p77-audio-0.pcap"), *data;
	gsize n;
	struct rec_parsed r[64];
	cr_assert(g_file_get_contents(f, &data, &n, NULL));
	cr_assert_eq(parse_pcap((uint8_t *)data, n, r, 64), 51);
	for (unsigned i = 0; i < 50; i++) {
		cr_assert_eq(r[i].len, 100 + i);
		cr_assert_eq(r[i].sport, 5000);
		cr_assert_eq(r[i].ip_id, i);
		cr_assert_eq(r[i].payload[3], i);
	}
	cr_assert_eq(r[50].payload[1], 200, "the SR, as received");
	cr_assert_eq(r[50].len, sizeof(sr));

	struct rec_pcap_scan s;
	int fd = open(f, O_RDONLY);
	cr_assert_eq(rec_pcap_scan(fd, &s), 0);
	close(fd);
	cr_assert_eq(s.rtp, 50);
	cr_assert_eq(s.sr, 1);
	cr_assert_not(s.torn);

	char *cmd;
	if (have("tshark")) {
		cmd = g_strdup_printf("tshark -r %s", f);
		cr_assert(tool_ok(cmd), "tshark reads it");
		g_free(cmd);
	}
	if (have("gst-launch-1.0") && tool_ok("gst-inspect-1.0 pcapparse")) {
		/* fakesink prints one "chain" line per buffer: one per record, RTP and SR alike */
		char *out = NULL, *argv[] = {"gst-launch-1.0", "-v", "filesrc", NULL, "!", "pcapparse",
					     "!", "fakesink", "silent=false", NULL};
		int status = -1, chains = 0;
		argv[3] = g_strdup_printf("location=%s", f);
		cr_assert(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
				       NULL, NULL, &out, NULL, &status, NULL));
		cr_assert(g_spawn_check_wait_status(status, NULL), "pcapparse exits 0");
		for (const char *c = out; (c = strstr(c, "chain")); c++)
			chains++;
		cr_assert_eq(chains, 51, "pcapparse reads every record");
		g_free(argv[3]);
		g_free(out);
	}
	g_free(data);
	g_free(f);
	g_free(id);
}

Test(rec_store, synthetic_ipv4_checksum_is_the_internet_checksum)
{
	/* the classic example: 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7 */
	uint8_t h[20] = {0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0,
			 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7};
	uint8_t rec[16 + 42 + 3];
	const uint8_t pl[3] = {1, 2, 3};

	cr_assert_eq(rec_ip_checksum(h, 20), 0xb861);
	h[10] = 0xb8, h[11] = 0x61;
	cr_assert_eq(rec_ip_checksum(h, 20), 0);
	for (unsigned id = 0; id < 70000; id += 997) {
		cr_assert_eq(rec_pcap_record(rec, 1, (uint16_t)id, 5002, pl, 3), sizeof(rec));
		uint32_t sum = 0;
		for (unsigned i = 0; i < 20; i += 2)
			sum += (uint32_t)rec[16 + 14 + i] << 8 | rec[16 + 14 + i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		cr_assert_eq(sum, 0xffff, "id %u", id);
	}
}

Test(rec_store, every_track_is_stamped_from_one_session_clock)
{
	struct rec_writer *w = writer(0);
	struct rec_recording *rec = open_rec(w, dir, "clock");
	int64_t m0 = g_get_monotonic_time();
	uint8_t b[200];
	int a = rec_store_track_add(rec, &opus, m0);
	int v = rec_store_track_add(rec, &vp8, m0 + 5000000); /* a track added 5 s later */

	cr_assert_eq(v, 1);
	cr_assert_eq(rec_store_clock(rec, m0 + 1234567) - rec_store_clock(rec, m0), 1234567);
	rec_store_rtp(rec, a, b, rtp(b, 50, 1, 1), 1, m0 + 6000000);
	rec_store_rtp(rec, v, b, rtp(b, 60, 1, 2), 2, m0 + 6000250);
	rec_store_rtp(rec, a, b, rtp(b, 50, 2, 1), 1, m0 + 6020000);
	json_t *live = rec_store_manifest(rec);
	int64_t wall = json_integer_value(json_object_get(live, "wall_start_us"));
	json_decref(live);
	int64_t t_a = rec_store_clock(rec, m0 + 6000000), t_v = rec_store_clock(rec, m0 + 6000250);
	int64_t t_sv = rec_store_clock(rec, m0 + 5000000);
	rec_store_close(rec, m0 + 7000000);
	rec_writer_free(w);

	char *fa = path_in(dir, "clock", "p77-audio-0.pcap"), *fv = path_in(dir, "clock", "p77-video-1.pcap");
	char *da, *dv;
	gsize na, nv;
	struct rec_parsed ra[4], rv[4];
	cr_assert(g_file_get_contents(fa, &da, &na, NULL) && g_file_get_contents(fv, &dv, &nv, NULL));
	cr_assert_eq(parse_pcap((uint8_t *)da, na, ra, 4), 2);
	cr_assert_eq(parse_pcap((uint8_t *)dv, nv, rv, 4), 1);
	cr_assert_eq(ra[0].t_us, t_a);
	cr_assert_eq(rv[0].t_us, t_v);
	cr_assert_eq(rv[0].t_us - ra[0].t_us, 250, "files are directly comparable");
	cr_assert_eq(ra[1].t_us - ra[0].t_us, 20000);
	cr_assert_eq(rv[0].sport, 5002, "udp port 5000 + 2 * track index");
	cr_assert_geq(t_a, wall);
	json_t *m = disk_manifest(dir, "clock");
	cr_assert_eq(json_integer_value(json_object_get(m, "wall_start_us")), wall);
	json_t *tv = json_array_get(json_object_get(m, "tracks"), 1);
	cr_assert_eq(json_integer_value(json_object_get(tv, "first_us")), t_v);
	cr_assert_eq(json_integer_value(json_object_get(tv, "started_us")), t_sv);
	json_decref(m);
	g_free(da), g_free(dv), g_free(fa), g_free(fv);
}

static void assert_keys(json_t *o, const char *const *keys)
{
	cr_assert(json_is_object(o));
	for (; *keys; keys++)
		cr_assert(json_object_get(o, *keys), "key %s", *keys);
}

Test(rec_store, manifest_has_every_field_of_the_spec_and_is_replaced_atomically)
{
	static const char *const top[] = {"format", "version", "id", "room", "description", "state",
					  "error", "lumen_version", "wall_start", "wall_start_us",
					  "started_us", "ended_us", "participants", "tracks", "data",
					  "pauses", "markers", "dropped", NULL};
	static const char *const part[] = {"id", "display", "joined_us", "left_us", NULL};
	static const char *const track[] = {"id", "participant", "kind", "mid", "codec",
					    "payload_type", "clock_rate", "channels", "fmtp",
					    "ssrcs", "file", "udp_port", "first_us", "last_us",
					    "packets", "bytes", "sender_reports", "started_us",
					    "ended_us", NULL};
	struct rec_writer *w = writer(0);
	struct rec_recording *rec = open_rec(w, dir, NULL);
	char *id = g_strdup(rec_store_id(rec));
	int64_t m0 = g_get_monotonic_time();
	uint8_t b[300];

	cr_assert(g_str_has_prefix(id, "1234-"), "%s", id);
	json_t *m = disk_manifest(dir, id); /* written synchronously by open */
	cr_assert_str_eq(json_string_value(json_object_get(m, "state")), "recording");
	json_decref(m);
	rec_store_participant(rec, 77, "Alice", true, m0);
	rec_store_participant(rec, 78, "Bob \xff", true, m0 + 1); /* invalid UTF-8 made valid */
	int a = rec_store_track_add(rec, &opus, m0);
	rec_store_rtp(rec, a, b, rtp(b, 120, 1, 123456), 123456, m0 + 10);
	rec_store_data(rec, 77, "chat", false, (const uint8_t *)"hi", 2, m0 + 20);
	rec_store_data(rec, 77, "bin", true, (const uint8_t *)"\0\1", 2, m0 + 30);
	rec_store_marker(rec, "Intro", m0 + 40);
	rec_store_participant(rec, 78, NULL, false, m0 + 50);
	rec_store_track_end(rec, a, m0 + 60);
	/* the marker reaches the disk while recording (a rewrite on change), bounded wait */
	bool seen = false;
	for (int i = 0; i < 300 && !seen; i++, g_usleep(10000)) {
		m = disk_manifest(dir, id);
		seen = json_array_size(json_object_get(m, "markers")) == 1;
		json_decref(m);
	}
	cr_assert(seen, "manifest rewritten on a change within 3 s");
	rec_store_close(rec, m0 + 100);
	rec_writer_free(w);

	m = disk_manifest(dir, id);
	assert_keys(m, top);
	cr_assert_str_eq(json_string_value(json_object_get(m, "format")), "lumen-recording");
	cr_assert_eq(json_integer_value(json_object_get(m, "version")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(m, "id")), id);
	cr_assert_eq(json_integer_value(json_object_get(m, "room")), 1234);
	cr_assert_str_eq(json_string_value(json_object_get(m, "state")), "finished", "%s", json_string_value(json_object_get(m, "error")));
	cr_assert(json_is_null(json_object_get(m, "error")));
	cr_assert(json_is_integer(json_object_get(m, "ended_us")));
	cr_assert_eq(strlen(json_string_value(json_object_get(m, "wall_start"))), 27);
	json_t *ps = json_object_get(m, "participants");
	cr_assert_eq(json_array_size(ps), 2);
	assert_keys(json_array_get(ps, 0), part);
	cr_assert(json_is_integer(json_object_get(json_array_get(ps, 1), "left_us")));
	cr_assert(g_utf8_validate(json_string_value(json_object_get(json_array_get(ps, 1), "display")), -1, NULL));
	json_t *t = json_array_get(json_object_get(m, "tracks"), 0);
	assert_keys(t, track);
	cr_assert_str_eq(json_string_value(json_object_get(t, "id")), "p77-audio-0");
	cr_assert_str_eq(json_string_value(json_object_get(t, "file")), "p77-audio-0.pcap");
	cr_assert_str_eq(json_string_value(json_object_get(t, "fmtp")), "minptime=10;useinbandfec=1");
	cr_assert_eq(json_integer_value(json_array_get(json_object_get(t, "ssrcs"), 0)), 123456);
	cr_assert_eq(json_integer_value(json_object_get(t, "packets")), 1);
	cr_assert_eq(json_integer_value(json_object_get(t, "bytes")), 120);
	cr_assert_eq(json_integer_value(json_object_get(t, "udp_port")), 5000);
	cr_assert(json_is_integer(json_object_get(t, "ended_us")));
	json_t *d = json_object_get(m, "data");
	cr_assert_eq(json_integer_value(json_object_get(d, "messages")), 2);
	assert_keys(json_object_get(m, "dropped"), (const char *const[]){"queue_overflow", "write_errors", NULL});
	json_decref(m);

	char *tmp = path_in(dir, id, "manifest.json.tmp"), *jl = path_in(dir, id, "data.jsonl"), *txt;
	cr_assert_not(g_file_test(tmp, G_FILE_TEST_EXISTS), "no .tmp left");
	cr_assert(g_file_get_contents(jl, &txt, NULL, NULL));
	char **lines = g_strsplit(txt, "\n", -1);
	cr_assert_eq(g_strv_length(lines), 3);
	json_t *l0 = json_loads(lines[0], 0, NULL), *l1 = json_loads(lines[1], 0, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(l0, "text")), "hi");
	cr_assert_str_eq(json_string_value(json_object_get(l1, "base64")), "AAE=");
	cr_assert_eq(json_integer_value(json_object_get(l1, "participant")), 77);
	json_decref(l0), json_decref(l1);
	g_strfreev(lines);
	g_free(txt), g_free(jl), g_free(tmp), g_free(id);
}

Test(rec_store, pause_drops_packets_and_is_recorded)
{
	struct rec_writer *w = writer(0);
	struct rec_recording *rec = open_rec(w, dir, "pause");
	int64_t m0 = g_get_monotonic_time();
	uint8_t b[100], sr[28] = {0x80, 200};
	int a = rec_store_track_add(rec, &opus, m0);

	rec_store_rtp(rec, a, b, rtp(b, 40, 1, 9), 9, m0 + 1);
	rec_store_pause(rec, true, m0 + 100);
	cr_assert(rec_store_paused(rec));
	cr_assert_eq(rec_store_rtp(rec, a, b, rtp(b, 40, 2, 9), 9, m0 + 200), 0);
	cr_assert_eq(rec_store_sr(rec, a, sr, sizeof(sr), m0 + 201), 0);
	rec_store_pause(rec, false, m0 + 300);
	rec_store_rtp(rec, a, b, rtp(b, 40, 3, 9), 9, m0 + 400);
	rec_store_pause(rec, true, m0 + 500); /* still paused at close */
	rec_store_close(rec, m0 + 600);
	rec_writer_free(w);

	json_t *m = disk_manifest(dir, "pause");
	json_t *t = json_array_get(json_object_get(m, "tracks"), 0);
	json_t *p = json_object_get(m, "pauses");
	int64_t c0 = json_integer_value(json_object_get(m, "wall_start_us"));
	cr_assert_eq(json_integer_value(json_object_get(t, "packets")), 2);
	cr_assert_eq(json_integer_value(json_object_get(t, "sender_reports")), 0);
	cr_assert_eq(json_array_size(p), 2);
	int64_t s0 = json_integer_value(json_object_get(json_array_get(p, 0), "start_us"));
	int64_t e0 = json_integer_value(json_object_get(json_array_get(p, 0), "end_us"));
	cr_assert_eq(e0 - s0, 200);
	cr_assert_gt(s0, c0 - 1);
	cr_assert(json_is_integer(json_object_get(json_array_get(p, 1), "end_us")), "closed at the end");
	json_decref(m);
}

Test(rec_store, markers_keep_order_time_and_at_most_200_bytes)
{
	struct rec_writer *w = writer(0);
	struct rec_recording *rec = open_rec(w, dir, "markers");
	int64_t m0 = g_get_monotonic_time();
	char long_title[400];

	memset(long_title, 'x', sizeof(long_title) - 3);
	memcpy(long_title + 198, "\xc3\xa9", 2); /* é across the 200-byte cut */
	long_title[sizeof(long_title) - 1] = '\0';
	rec_store_marker(rec, "Intro", m0 + 1000);
	rec_store_marker(rec, long_title, m0 + 2000);
	json_t *live = rec_store_manifest(rec);
	json_t *mk = json_object_get(live, "markers");
	cr_assert_eq(json_array_size(mk), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(mk, 0), "title")), "Intro");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(mk, 1), "t_us")) -
			     json_integer_value(json_object_get(json_array_get(mk, 0), "t_us")),
		     1000);
	cr_assert_eq(json_string_length(json_object_get(json_array_get(mk, 1), "title")), 200);
	json_decref(live);
	rec_store_close(rec, m0 + 3000);
	rec_writer_free(w);
	json_t *m = disk_manifest(dir, "markers");
	cr_assert_eq(json_array_size(json_object_get(m, "markers")), 2);
	json_decref(m);
}

Test(rec_store, queue_overflow_is_counted_not_silent)
{
	struct rec_writer *w = writer(4);
	struct rec_recording *rec = open_rec(w, dir, "overflow");
	struct rec_writer_stats st;
	int64_t m0 = g_get_monotonic_time();
	uint8_t b[100];
	int a = rec_store_track_add(rec, &opus, m0), ok = 0, dropped = 0;

	rec_writer_test_hold(w, true);
	for (uint16_t i = 0; i < 10; i++) {
		int r = rec_store_rtp(rec, a, b, rtp(b, 50, i, 5), 5, m0 + i);
		ok += r == 0, dropped += r == -ENOBUFS;
	}
	cr_assert_eq(ok, 4);
	cr_assert_eq(dropped, 6);
	rec_writer_stats(w, &st);
	cr_assert_eq(st.overflow, 6);
	cr_assert_eq(st.queue_depth, 4);
	cr_assert_eq(st.queue_size, 4);
	rec_writer_test_hold(w, false);
	rec_store_close(rec, m0 + 100);
	rec_writer_free(w);
	json_t *m = disk_manifest(dir, "overflow");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(m, "dropped"), "queue_overflow")), 6);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(json_object_get(m, "tracks"), 0), "packets")), 4);
	json_decref(m);
}

struct failed_seen {
	int calls;
	char *reason;
	struct rec_recording *rec;
};

static void on_failed(void *arg, struct rec_recording *rec, const char *reason)
{
	struct failed_seen *s = arg;
	s->calls++;
	s->rec = rec;
	g_free(s->reason);
	s->reason = g_strdup(reason);
}

Test(rec_store, full_disk_fails_that_recording_only)
{
	char *small = g_build_filename(dir, "small", NULL);
	cr_assert_eq(mkdir(small, 0750), 0);
	if (mount("tmpfs", small, "tmpfs", 0, "size=64k") < 0) {
		g_free(small);
		cr_skip_test("cannot mount a tmpfs here (%s)", g_strerror(errno));
	}
	struct rec_writer *w = writer(0);
	struct failed_seen seen = {0};
	struct rec_open_params p = {.dir = small, .id = "full", .room = 1, .lumen_version = "0.3.0",
				    .on_failed = on_failed, .arg = &seen};
	struct rec_recording *full = NULL, *other = open_rec(w, dir, "other");
	char *err = NULL;
	int64_t m0 = g_get_monotonic_time();
	uint8_t b[1200];

	cr_assert_eq(rec_store_open(w, &p, &full, &err), 0, "%s", err ? err : "");
	int ta = rec_store_track_add(full, &vp8, m0), tb = rec_store_track_add(other, &vp8, m0);
	int i, sent_other = 0;
	for (i = 0; i < 3000 && strcmp(rec_store_state(full), "failed"); i++) {
		rec_store_rtp(full, ta, b, rtp(b, sizeof(b), (uint16_t)i, 7), 7, m0 + i);
		sent_other += rec_store_rtp(other, tb, b, rtp(b, 100, (uint16_t)i, 8), 8, m0 + i) == 0;
		if (i % 50 == 49)
			g_usleep(20000); /* let the writer catch up, so nothing overflows */
	}
	for (int k = 0; k < 300 && strcmp(rec_store_state(full), "failed"); k++)
		g_usleep(10000);
	cr_assert_str_eq(rec_store_state(full), "failed");
	cr_assert(g_str_has_prefix(rec_store_error(full), "disk full"), "%s", rec_store_error(full));
	for (int k = 0; k < 300 && !seen.calls; k++, g_usleep(10000))
		while (g_main_context_iteration(NULL, FALSE))
			;
	cr_assert_eq(seen.calls, 1, "on_failed on the producer's context");
	cr_assert_eq(seen.rec, full);
	cr_assert_str_eq(seen.reason, "disk full: No space left on device");
	cr_assert_eq(rec_store_rtp(full, ta, b, 100, 7, m0), -EIO, "later calls dropped");
	cr_assert_eq(rec_store_track_add(full, &opus, m0), -EIO);
	for (int k = 0; k < 10; k++)
		sent_other += rec_store_rtp(other, tb, b, rtp(b, 100, 60000, 8), 8, m0 + 1) == 0;
	json_t *live = rec_store_manifest(full);
	cr_assert_str_eq(json_string_value(json_object_get(live, "state")), "failed");
	cr_assert_gt(json_integer_value(json_object_get(json_object_get(live, "dropped"), "write_errors")), 0);
	json_decref(live);
	cr_assert_str_eq(rec_store_state(other), "recording");
	rec_store_close(full, m0 + 5000);
	rec_store_close(other, m0 + 5000);
	rec_writer_free(w);
	while (g_main_context_iteration(NULL, FALSE))
		;
	json_t *m = disk_manifest(dir, "other");
	cr_assert_str_eq(json_string_value(json_object_get(m, "state")), "finished");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(json_object_get(m, "tracks"), 0), "packets")),
		     sent_other);
	json_decref(m);
	m = disk_manifest(small, "full"); /* rewritten in place: the disk has no block for a .tmp */
	cr_assert_str_eq(json_string_value(json_object_get(m, "state")), "failed");
	cr_assert(g_str_has_prefix(json_string_value(json_object_get(m, "error")), "disk full"));
	json_decref(m);
	cr_assert_eq(umount(small), 0);
	g_free(seen.reason);
	g_free(small);
}

/* A folder as a crash leaves it: manifest "recording", a pcap whose last record is torn. */
static void crashed_folder(const char *id, int64_t *last)
{
	char *folder = g_build_filename(dir, id, NULL), *f;
	uint8_t buf[4096], pl[60] = {0x80, 111};
	size_t n = REC_PCAP_HDR;

	cr_assert_eq(mkdir(folder, 0750), 0);
	rec_pcap_file_header(buf);
	for (int i = 0; i < 3; i++)
		n += rec_pcap_record(buf + n, 1795429000000000 + i * 20000, (uint16_t)i, 5000, pl, sizeof(pl));
	*last = 1795429000000000 + 2 * 20000;
	size_t torn = rec_pcap_record(buf + n, 1795429999000000, 3, 5000, pl, sizeof(pl));
	n += torn / 2;
	f = g_build_filename(folder, "p1-audio-0.pcap", NULL);
	cr_assert(g_file_set_contents(f, (char *)buf, (gssize)n, NULL));
	g_free(f);
	const char *json = "{\"format\": \"lumen-recording\", \"version\": 1, \"id\": \"x\","
			   " \"state\": \"recording\", \"started_us\": 1795428999000000, \"ended_us\": null,"
			   " \"pauses\": [{\"start_us\": 1795429000010000, \"end_us\": null}],"
			   " \"tracks\": [{\"id\": \"p1-audio-0\", \"last_us\": null}]}";
	f = g_build_filename(folder, "manifest.json", NULL);
	cr_assert(g_file_set_contents(f, json, -1, NULL));
	g_free(f);
	g_free(folder);
}

Test(rec_store, recover_marks_recording_interrupted_at_the_last_whole_record)
{
	int64_t last;
	char *err = NULL;
	struct rec_writer *w = writer(0);
	struct rec_recording *rec = open_rec(w, dir, "done");

	rec_store_close(rec, g_get_monotonic_time());
	rec_writer_free(w);
	crashed_folder("crashed", &last);
	cr_assert_eq(rec_recover_dir(dir, &err), 1, "%s", err ? err : "");
	json_t *m = disk_manifest(dir, "crashed");
	cr_assert_str_eq(json_string_value(json_object_get(m, "state")), "interrupted");
	cr_assert_eq(json_integer_value(json_object_get(m, "ended_us")), last);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(json_object_get(m, "pauses"), 0), "end_us")), last);
	json_decref(m);
	m = disk_manifest(dir, "done");
	cr_assert_str_eq(json_string_value(json_object_get(m, "state")), "finished");
	json_decref(m);
	cr_assert_eq(rec_recover_dir(dir, &err), 0, "nothing left to recover");

	struct rec_pcap_scan s;
	char *f = path_in(dir, "crashed", "p1-audio-0.pcap");
	int fd = open(f, O_RDONLY);
	cr_assert_eq(rec_pcap_scan(fd, &s), 0);
	close(fd);
	cr_assert_eq(s.records, 3);
	cr_assert(s.torn);
	cr_assert_eq(s.last_us, last);
	g_free(f);
}

Test(rec_store, ids_that_could_escape_are_refused)
{
	char long_id[301];
	memset(long_id, 'a', 300);
	long_id[300] = '\0';
	const char *bad[] = {"", "../x", "..", "a/b", "/etc", "a..b", ".hidden", "-x", long_id,
			     "a b", "x\n", NULL};
	for (const char **b = bad; *b; b++)
		cr_assert_not(rec_id_valid(*b), "%s", *b);
	cr_assert_not(rec_id_valid(NULL));
	long_id[65] = '\0';
	cr_assert_not(rec_id_valid(long_id), "65 chars");
	long_id[64] = '\0';
	cr_assert(rec_id_valid(long_id), "64 chars");
	cr_assert(rec_id_valid("1234-20261123T101500Z-1a2b3c4d"));
	char *gen = rec_id_new(1234, 1795429000123456);
	cr_assert(rec_id_valid(gen));
	cr_assert(g_str_has_prefix(gen, "1234-20261123T1016"), "%s", gen);
	cr_assert_eq(strlen(gen), strlen("1234-20261123T101500Z-1a2b3c4d"));
	g_free(gen);

	struct rec_writer *w = writer(0);
	char *rdir = g_build_filename(dir, "recs", NULL), *err = NULL;
	struct rec_open_params p = {.dir = rdir, .id = "../escaped", .lumen_version = "x"};
	struct rec_recording *rec = NULL;
	cr_assert_eq(rec_store_open(w, &p, &rec, &err), -EINVAL);
	cr_assert_null(rec);
	g_clear_pointer(&err, g_free);
	char *esc = g_build_filename(dir, "escaped", NULL);
	cr_assert_not(g_file_test(esc, G_FILE_TEST_EXISTS));
	p.id = "dup";
	cr_assert_eq(rec_store_open(w, &p, &rec, &err), 0);
	struct rec_recording *rec2 = NULL;
	cr_assert_eq(rec_store_open(w, &p, &rec2, &err), -EEXIST);
	g_clear_pointer(&err, g_free);
	rec_store_close(rec, g_get_monotonic_time());
	rec_writer_free(w);
	g_free(esc);

	/* rec_read_manifest and rec_delete refuse what is outside or not a recording */
	json_t *m = NULL;
	cr_assert_eq(rec_read_manifest(rdir, "../recs/dup", &m, &err), -EINVAL);
	g_clear_pointer(&err, g_free);
	cr_assert_eq(rec_read_manifest(rdir, "nope", &m, &err), -ENOENT);
	g_clear_pointer(&err, g_free);
	char *outside = g_build_filename(dir, "outside", NULL), *victim = g_build_filename(outside, "manifest.json", NULL);
	cr_assert_eq(mkdir(outside, 0750), 0);
	cr_assert(g_file_set_contents(victim, "{\"format\": \"lumen-recording\", \"version\": 1, \"id\": \"o\", \"state\": \"finished\"}", -1, NULL));
	char *link = g_build_filename(rdir, "link", NULL);
	cr_assert_eq(symlink(outside, link), 0);
	cr_assert_eq(rec_delete(rdir, "../outside", &err), -EINVAL);
	g_clear_pointer(&err, g_free);
	cr_assert_eq(rec_delete(rdir, "link", &err), -EINVAL, "a symlink to a folder outside");
	g_clear_pointer(&err, g_free);
	cr_assert_eq(rec_read_manifest(rdir, "link", &m, &err), -EINVAL);
	g_clear_pointer(&err, g_free);
	cr_assert(g_file_test(victim, G_FILE_TEST_EXISTS));
	char *plain = g_build_filename(rdir, "plain", NULL);
	cr_assert_eq(mkdir(plain, 0750), 0);
	cr_assert_eq(rec_delete(rdir, "plain", &err), -EINVAL, "not a recording");
	g_clear_pointer(&err, g_free);
	cr_assert(g_file_test(plain, G_FILE_TEST_IS_DIR));

	json_t *list = rec_list(rdir);
	cr_assert_eq(json_array_size(list), 1, "only recordings are listed");
	cr_assert_str_eq(json_string_value(json_array_get(list, 0)), "dup");
	json_decref(list);
	cr_assert_eq(rec_delete(rdir, "dup", &err), 0, "%s", err ? err : "");
	cr_assert_eq(rec_delete(rdir, "dup", &err), -ENOENT);
	g_clear_pointer(&err, g_free);
	g_free(plain), g_free(link), g_free(victim), g_free(outside), g_free(rdir);
}

Test(rec_store, list_is_newest_first_and_republished_tracks_get_suffixes)
{
	struct rec_writer *w = writer(0);
	struct rec_recording *a = open_rec(w, dir, "a-first");
	g_usleep(2000);
	struct rec_recording *b = open_rec(w, dir, "b-second");
	int64_t m0 = g_get_monotonic_time();
	struct rec_track_info odd = opus;
	odd.mid = "a/../b";

	cr_assert_eq(rec_store_track_add(b, &opus, m0), 0);
	cr_assert_eq(rec_store_track_add(b, &opus, m0), 1);
	cr_assert_eq(rec_store_track_add(b, &opus, m0), 2);
	cr_assert_eq(rec_store_track_add(b, &odd, m0), 3);
	json_t *live = rec_store_manifest(b);
	json_t *t = json_object_get(live, "tracks");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(t, 1), "file")), "p77-audio-0-2.pcap");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(t, 2), "id")), "p77-audio-0-3");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(t, 3), "id")), "p77-audio-a____b");
	json_decref(live);
	rec_store_close(a, m0);
	rec_writer_free(w); /* b still open: finalised by the writer's end */
	json_t *list = rec_list(dir);
	cr_assert_eq(json_array_size(list), 2);
	cr_assert_str_eq(json_string_value(json_array_get(list, 0)), "b-second");
	json_decref(list);
	json_t *m = disk_manifest(dir, "b-second");
	cr_assert_str_eq(json_string_value(json_object_get(m, "state")), "finished");
	json_decref(m);
	/* a track without a packet still has its file: a pcap with no record */
	struct stat st;
	char *f = path_in(dir, "b-second", "p77-audio-0-2.pcap");
	cr_assert_eq(stat(f, &st), 0);
	cr_assert_eq(st.st_size, REC_PCAP_HDR);
	g_free(f);
}
