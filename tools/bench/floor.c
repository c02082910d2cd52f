/* floor.c -- lumen-floor: the per-packet cost floor of an SFU on this machine (issue #7).
 *
 * A forwarded packet costs a server at least one SRTP protect (per subscriber) and one UDP send.
 * This program measures both here, so docs/performance.md can say how far lumen's measured CPU
 * per forwarded packet is from that floor:
 *   - srtp_protect of one RTP packet (1200 and 100 bytes on the wire before the tag), for
 *     AEAD_AES_128_GCM and AES_CM_128_HMAC_SHA1_80, through lumen_srtp (src/webrtc/srtp.c),
 *     the server's own SRTP: srtp_gcm.c on OpenSSL for GCM, libsrtp2 for AES-CM;
 *   - one UDP datagram on loopback with send() on a connected socket, with sendto() on an
 *     unconnected one (what a libnice socket does), and per packet with sendmmsg() in batches;
 *   - one UDP datagram of lumen's own fan-out: lumen_txbatch (src/webrtc/txbatch.h) sending one
 *     packet to each of --fanout unconnected sockets, every one to its own receiver, in one
 *     io_uring submission, as the forwarding path sends a packet to its subscribers. sendmmsg
 *     needs one socket for the whole batch, which a fan-out over one connection per subscriber
 *     does not have, so this is the send floor of lumen's design.
 * Each figure is the median over --runs runs of --packets packets. Sends are timed in bursts of
 * one batch and the receiver is drained (untimed) between bursts, so every timed datagram is
 * delivered, not dropped at a full receive buffer: the figure includes the kernel's loopback
 * receive path, which runs on the sender's CPU, as a real send does on a veth pair.
 *
 * Output: a table on stdout, or with --json one JSON object (built with jansson). */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "floor.h"
#include "floor_rig.h"
#include "webrtc/srtp.h"
#include "webrtc/txbatch.h"

#define MAX_BATCH  64
#define MAX_RUNS   FLOOR_MAX_RUNS
#define RTP_HEADER 12

struct options {
	int runs;
	long packets;
	int batch;
	int fanout;
	int cpu;      /* -1: not pinned */
	int peer_cpu; /* the rig figures' peer (floor_rig.h); -1: the first other CPU allowed */
	bool json;
	const char *json_file;
};

int64_t floor_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void floor_summarize(struct figure *f, double *wall, double *cpu, int n)
{
	f->median = median(wall, n);
	f->min = wall[0];
	f->max = wall[n - 1];
	f->cpu_median = median(cpu, n);
}

/* ns per srtp protect of a packet of `bytes` (RTP header included, tag excluded). */
static int measure_protect(enum lumen_srtp_profile profile, size_t bytes, const struct options *o,
                           struct figure *out)
{
	uint8_t key[LUMEN_SRTP_MASTER_MAX], pkt[1500 + LUMEN_SRTP_TRAILER_MAX];
	double wall[MAX_RUNS], cpu[MAX_RUNS];
	struct lumen_srtp *tx;
	uint32_t seq = 0;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 13 + 1);
	tx = lumen_srtp_new(profile, LUMEN_SRTP_OUTBOUND, key, lumen_srtp_master_len(profile));
	if (!tx) {
		fprintf(stderr, "lumen-floor: cannot create a %s session\n",
		        lumen_srtp_profile_name(profile));
		return -1;
	}
	memset(pkt, 0xab, sizeof(pkt));
	pkt[0] = 0x80;
	pkt[1] = 96;
	memcpy(pkt + 8, "\x01\x02\x03\x04", 4);
	for (int r = 0; r < o->runs; r++) {
		int64_t t0 = floor_clock_ns(CLOCK_MONOTONIC), c0 = floor_clock_ns(CLOCK_THREAD_CPUTIME_ID);

		for (long i = 0; i < o->packets; i++, seq++) {
			size_t len = bytes;

			/* The next sequence number, as a sender would (the ROC advances too). */
			pkt[2] = (uint8_t)(seq >> 8);
			pkt[3] = (uint8_t)seq;
			if (lumen_srtp_protect_rtp(tx, pkt, &len, sizeof(pkt)) != 0) {
				fprintf(stderr, "lumen-floor: protect failed at packet %u\n", seq);
				lumen_srtp_free(tx);
				return -1;
			}
		}
		wall[r] = (double)(floor_clock_ns(CLOCK_MONOTONIC) - t0) / (double)o->packets;
		cpu[r] = (double)(floor_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0) / (double)o->packets;
	}
	lumen_srtp_free(tx);
	floor_summarize(out, wall, cpu, o->runs);
	return 0;
}

enum send_method { SEND_CONNECTED, SENDTO_UNCONNECTED, SENDMMSG_BATCH, TXBATCH_FANOUT };

static const char *const method_names[] = {"send", "sendto", "sendmmsg", "txbatch"};

struct udp_pair {
	int rx, tx;
	struct sockaddr_in to;
};

static void udp_pair_close(struct udp_pair *p)
{
	if (p->rx >= 0)
		close(p->rx);
	if (p->tx >= 0)
		close(p->tx);
	p->rx = p->tx = -1;
}

static int udp_pair_open(struct udp_pair *p, bool connected)
{
	socklen_t alen = sizeof(p->to);
	int big = 4 << 20;

	p->rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	p->tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (p->rx < 0 || p->tx < 0)
		goto fail;
	memset(&p->to, 0, sizeof(p->to));
	p->to.sin_family = AF_INET;
	p->to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(p->rx, (struct sockaddr *)&p->to, sizeof(p->to)) < 0 ||
	    getsockname(p->rx, (struct sockaddr *)&p->to, &alen) < 0)
		goto fail;
	/* Room for a whole burst; a smaller buffer only lowers the count that fits, as the
	 * receiver is drained after every burst anyway. */
	setsockopt(p->rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(p->tx, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (connected && connect(p->tx, (struct sockaddr *)&p->to, sizeof(p->to)) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "lumen-floor: loopback UDP socket: %s\n", strerror(errno));
	udp_pair_close(p);
	return -1;
}

/* Reads what the receiver holds, so the next burst is delivered; returns datagrams read. */
static int drain(int fd, int expect)
{
	static uint8_t sink[MAX_BATCH][2048];
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	int got = 0;

	for (int i = 0; i < MAX_BATCH; i++) {
		iov[i] = (struct iovec){.iov_base = sink[i], .iov_len = sizeof(sink[i])};
		msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
	}
	/* Loopback delivery is synchronous, so the burst is already queued; bounded anyway. */
	for (int tries = 0; got < expect && tries < 4 * MAX_BATCH; tries++) {
		int n = recvmmsg(fd, msgs,
		                 (unsigned)(expect - got > MAX_BATCH ? MAX_BATCH : expect - got),
		                 MSG_DONTWAIT, NULL);

		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

static int send_burst(struct udp_pair *p, enum send_method m, uint8_t *buf, size_t bytes, int batch)
{
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov = {.iov_base = buf, .iov_len = bytes};

	switch (m) {
	case SEND_CONNECTED:
		for (int i = 0; i < batch; i++)
			if (send(p->tx, buf, bytes, 0) != (ssize_t)bytes)
				return -1;
		return 0;
	case SENDTO_UNCONNECTED:
		for (int i = 0; i < batch; i++)
			if (sendto(p->tx, buf, bytes, 0, (struct sockaddr *)&p->to,
			           sizeof(p->to)) != (ssize_t)bytes)
				return -1;
		return 0;
	case SENDMMSG_BATCH:
		for (int i = 0; i < batch; i++)
			msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov, .msg_iovlen = 1}};
		return sendmmsg(p->tx, msgs, (unsigned)batch, 0) == batch ? 0 : -1;
	case TXBATCH_FANOUT: /* many sockets: measure_fanout */
		break;
	}
	return -1;
}

/* ns per datagram of `bytes` sent with method m; only the sends are timed. */
static int measure_send(enum send_method m, size_t bytes, const struct options *o,
                        struct figure *out)
{
	double wall[MAX_RUNS], cpu[MAX_RUNS];
	struct udp_pair p = {-1, -1, {0}};
	uint8_t buf[1500];
	long bursts = (o->packets + o->batch - 1) / o->batch;

	if (udp_pair_open(&p, m != SENDTO_UNCONNECTED) < 0)
		return -1;
	memset(buf, 0x5a, sizeof(buf));
	for (int r = 0; r < o->runs; r++) {
		int64_t wall_ns = 0, cpu_ns = 0;

		for (long b = 0; b < bursts; b++) {
			int64_t t0 = floor_clock_ns(CLOCK_MONOTONIC),
			        c0 = floor_clock_ns(CLOCK_THREAD_CPUTIME_ID);

			if (send_burst(&p, m, buf, bytes, o->batch) < 0) {
				fprintf(stderr, "lumen-floor: %s: %s\n", method_names[m],
				        strerror(errno));
				udp_pair_close(&p);
				return -1;
			}
			wall_ns += floor_clock_ns(CLOCK_MONOTONIC) - t0;
			cpu_ns += floor_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
			drain(p.rx, o->batch);
		}
		wall[r] = (double)wall_ns / (double)(bursts * o->batch);
		cpu[r] = (double)cpu_ns / (double)(bursts * o->batch);
	}
	udp_pair_close(&p);
	floor_summarize(out, wall, cpu, o->runs);
	return 0;
}

/* ns per datagram of `bytes` in lumen's fan-out: one packet to each of o->fanout unconnected
 * sockets (one receiver each) inside one lumen_txbatch scope, so one io_uring submission per
 * burst when the kernel allows io_uring (*uring tells; without it each is a sendto()). */
static int measure_fanout(size_t bytes, const struct options *o, struct figure *out, bool *uring)
{
	double wall[MAX_RUNS], cpu[MAX_RUNS];
	struct udp_pair p[MAX_BATCH];
	struct lumen_txbatch_stats st0, st1;
	uint8_t buf[1500];
	long bursts = (o->packets + o->fanout - 1) / o->fanout;
	int rc = -1, opened = 0;

	for (; opened < o->fanout; opened++)
		if (udp_pair_open(&p[opened], false) < 0)
			goto out;
	memset(buf, 0x5a, sizeof(buf));
	lumen_txbatch_stats(&st0);
	for (int r = 0; r < o->runs; r++) {
		int64_t wall_ns = 0, cpu_ns = 0;

		for (long b = 0; b < bursts; b++) {
			int64_t t0 = floor_clock_ns(CLOCK_MONOTONIC),
			        c0 = floor_clock_ns(CLOCK_THREAD_CPUTIME_ID);

			lumen_txbatch_begin();
			for (int i = 0; i < o->fanout; i++)
				if (lumen_txbatch_send(p[i].tx, (struct sockaddr *)&p[i].to,
				                       sizeof(p[i].to), buf, bytes) < 0) {
					lumen_txbatch_end();
					fprintf(stderr, "lumen-floor: txbatch send: %s\n",
					        strerror(errno));
					goto out;
				}
			lumen_txbatch_end();
			wall_ns += floor_clock_ns(CLOCK_MONOTONIC) - t0;
			cpu_ns += floor_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
			for (int i = 0; i < o->fanout; i++)
				drain(p[i].rx, 1);
		}
		wall[r] = (double)wall_ns / (double)(bursts * o->fanout);
		cpu[r] = (double)cpu_ns / (double)(bursts * o->fanout);
	}
	lumen_txbatch_stats(&st1);
	/* A refused datagram costs less than a delivered one: the figure would flatter. */
	if (st1.failed != st0.failed) {
		fprintf(stderr, "lumen-floor: txbatch: %llu sends failed\n",
		        (unsigned long long)(st1.failed - st0.failed));
		goto out;
	}
	*uring = st1.batched > st0.batched;
	floor_summarize(out, wall, cpu, o->runs);
	rc = 0;
out:
	while (opened > 0)
		udp_pair_close(&p[--opened]);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: lumen-floor [OPTION...]\n"
	    "Measure the per-packet cost floor of an SFU on this machine: one SRTP protect per\n"
	    "profile (the server's SRTP: OpenSSL for GCM, libsrtp2 for AES-CM) and one UDP send\n"
	    "on loopback: send(), sendto(), sendmmsg(), and lumen's io_uring fan-out (one packet\n"
	    "to each of --fanout sockets per submission, as the forwarding path sends).\n"
	    "\n"
	    "  --runs N       repeated runs per figure; the median is reported (default 9)\n"
	    "  --packets N    packets per run (default 20000)\n"
	    "  --batch N      sendmmsg batch and burst size, 1..%d (default 32)\n"
	    "  --fanout N     sockets of lumen's io_uring fan-out (txbatch), 1..%d (default 20)\n"
	    "  --cpu N        run on CPU N (default: where started, unpinned)\n"
	    "  --peer-cpu N   the CPU of the rig figures' peer thread (default: the first CPU\n"
	    "                 other than ours that we may run on; none: those figures are left out)\n"
	    "  --json         print one JSON object instead of the table\n"
	    "  --json-file F  also write the JSON object to file F\n"
	    "  --help         this text\n"
	    "\n"
	    "Figures are nanoseconds per packet, wall clock (median, min, max) and thread CPU\n"
	    "(median). Packet sizes count the RTP header, not the SRTP tag.\n"
	    "\n"
	    "The rig figures time what a server pays in compare-janus.sh, with a peer thread on\n"
	    "the load's CPU: lumen's fan-out to sockets that the peer sleeps on and reads (as\n"
	    "lumen-bench's subscribers do), and one receive wake-up (poll, epoll_wait, recvmmsg\n"
	    "of a datagram the peer sends every 2 ms; CPU per wake-up, wall = its latency).\n"
	    "The defaults run in about 5 s.\n",
	    MAX_BATCH, MAX_BATCH);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"runs", required_argument, NULL, 'r'},
	    {"packets", required_argument, NULL, 'p'},
	    {"batch", required_argument, NULL, 'b'},
	    {"fanout", required_argument, NULL, 'f'},
	    {"cpu", required_argument, NULL, 'c'},
	    {"peer-cpu", required_argument, NULL, 'P'},
	    {"json", no_argument, NULL, 'j'},
	    {"json-file", required_argument, NULL, 'J'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	long v;
	int c;

	*o = (struct options){
	    .runs = 9, .packets = 20000, .batch = 32, .fanout = 20, .cpu = -1, .peer_cpu = -1};
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (parse_long(optarg, 1, MAX_RUNS, &v) < 0)
				goto bad;
			o->runs = (int)v;
			break;
		case 'p':
			if (parse_long(optarg, 1, 10000000, &v) < 0)
				goto bad;
			o->packets = v;
			break;
		case 'b':
			if (parse_long(optarg, 1, MAX_BATCH, &v) < 0)
				goto bad;
			o->batch = (int)v;
			break;
		case 'f':
			if (parse_long(optarg, 1, MAX_BATCH, &v) < 0)
				goto bad;
			o->fanout = (int)v;
			break;
		case 'c':
		case 'P':
			if (parse_long(optarg, 0, CPU_SETSIZE - 1, &v) < 0)
				goto bad;
			*(c == 'c' ? &o->cpu : &o->peer_cpu) = (int)v;
			break;
		case 'j':
			o->json = true;
			break;
		case 'J':
			o->json_file = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lumen-floor: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "lumen-floor: bad value '%s'\n", optarg);
	return -1;
}

static json_t *figure_json(const struct figure *f)
{
	return json_pack("{s:f,s:f,s:f,s:f}", "ns_median", f->median, "ns_min", f->min, "ns_max",
	                 f->max, "cpu_ns_median", f->cpu_median);
}

static const enum lumen_srtp_profile profiles[] = {LUMEN_SRTP_AEAD_AES_128_GCM,
                                                   LUMEN_SRTP_AES128_CM_SHA1_80};
static const size_t sizes[] = {1200, 100};
static const enum send_method methods[] = {SEND_CONNECTED, SENDTO_UNCONNECTED, SENDMMSG_BATCH};

#define N_PROFILES (sizeof(profiles) / sizeof(profiles[0]))
#define N_SIZES    (sizeof(sizes) / sizeof(sizes[0]))
#define N_METHODS  (sizeof(methods) / sizeof(methods[0]))

static void print_row(const char *what, const char *how, size_t bytes, const struct figure *f)
{
	printf("%-14s %-26s %5zu %9.0f %9.0f %9.0f %9.0f\n", what, how, bytes, f->median, f->min,
	       f->max, f->cpu_median);
}

/* The rig figures (floor_rig.h); `have` is false when no other CPU was there for the peer. */
struct rig {
	bool have, uring;
	int cpu, peer_cpu;
	struct figure fan[N_SIZES], wake;
};

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) == 0)
		return 0;
	fprintf(stderr, "lumen-floor: cannot run on CPU %d: %s\n", cpu, strerror(errno));
	return -1;
}

/* Our CPU (--cpu, else where we run now, where the rig figures then pin us) and the peer's
 * (--peer-cpu, else the first other CPU we may run on, else none). */
static int rig_measure(const struct options *o, struct rig *g)
{
	struct floor_rig_options ro = {.runs = o->runs, .packets = o->packets, .fanout = o->fanout};
	cpu_set_t set;

	g->cpu = o->cpu >= 0 ? o->cpu : sched_getcpu();
	g->peer_cpu = o->peer_cpu;
	if (g->peer_cpu < 0 && sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE && g->peer_cpu < 0; c++)
			if (c != g->cpu && CPU_ISSET(c, &set))
				g->peer_cpu = c;
	g->have = false;
	if (g->peer_cpu < 0)
		return 0;
	if (g->cpu < 0 || pin_cpu(g->cpu) < 0)
		return -1;
	ro.peer_cpu = g->peer_cpu;
	for (size_t s = 0; s < N_SIZES; s++)
		if (floor_rig_fanout(sizes[s], &ro, &g->fan[s], &g->uring) < 0)
			return -1;
	if (floor_rig_wakeup(&ro, &g->wake) < 0)
		return -1;
	g->have = true;
	return 0;
}

/* The rig figures into root: the waited fan-out as udp_send entries of method "txbatch_waited",
 * the wake-up as "rx_wakeup", and the CPUs ("peer_cpu" null without them). */
static void rig_json(json_t *root, json_t *sends, const struct rig *g, const struct options *o)
{
	json_t *e;

	json_object_set_new(root, "cpu", json_integer(g->cpu));
	json_object_set_new(root, "peer_cpu", g->have ? json_integer(g->peer_cpu) : json_null());
	if (!g->have)
		return;
	for (size_t s = 0; s < N_SIZES; s++) {
		e = figure_json(&g->fan[s]);
		json_object_set_new(e, "method", json_string("txbatch_waited"));
		json_object_set_new(e, "batch", json_integer(o->fanout));
		json_object_set_new(e, "io_uring", json_boolean(g->uring));
		json_object_set_new(e, "bytes", json_integer((json_int_t)sizes[s]));
		json_array_append_new(sends, e);
	}
	e = figure_json(&g->wake);
	json_object_set_new(e, "bytes", json_integer(1200));
	json_object_set_new(e, "gap_us", json_integer(FLOOR_RIG_GAP_US));
	json_object_set_new(root, "rx_wakeup", e);
}

static void rig_print(const struct rig *g, const struct options *o)
{
	char how[64];

	if (!g->have) {
		printf("(no rig figures: no CPU other than %d for the peer thread)\n", g->cpu);
		return;
	}
	snprintf(how, sizeof(how), "fan-out %d, waited on %d", o->fanout, g->peer_cpu);
	for (size_t s = 0; s < N_SIZES; s++)
		print_row("udp_loopback", how, sizes[s], &g->fan[s]);
	snprintf(how, sizeof(how), "poll+epoll+recvmmsg, from %d", g->peer_cpu);
	print_row("rx_wakeup", how, 1200, &g->wake);
}

int main(int argc, char **argv)
{
	struct figure prot[N_PROFILES][N_SIZES], snd[N_METHODS][N_SIZES], fan[N_SIZES];
	bool fan_uring = false;
	struct rig rig;
	struct options o;
	struct utsname un;
	json_t *root = NULL, *arr;
	char how[64];
	int rc = 1;

	if (parse_options(argc, argv, &o) < 0)
		return 2;
	if (o.cpu >= 0 && o.cpu == o.peer_cpu) {
		fprintf(stderr, "lumen-floor: --cpu and --peer-cpu must differ\n");
		return 2;
	}
	if (o.cpu >= 0 && pin_cpu(o.cpu) < 0)
		return 1;
	for (size_t p = 0; p < N_PROFILES; p++)
		for (size_t s = 0; s < N_SIZES; s++)
			if (measure_protect(profiles[p], sizes[s], &o, &prot[p][s]) < 0)
				goto out;
	for (size_t m = 0; m < N_METHODS; m++)
		for (size_t s = 0; s < N_SIZES; s++)
			if (measure_send(methods[m], sizes[s], &o, &snd[m][s]) < 0)
				goto out;
	for (size_t s = 0; s < N_SIZES; s++)
		if (measure_fanout(sizes[s], &o, &fan[s], &fan_uring) < 0)
			goto out;
	if (rig_measure(&o, &rig) < 0)
		goto out;

	root = json_pack("{s:i,s:i,s:i,s:i}", "runs", o.runs, "packets_per_run",
	                 (json_int_t)o.packets, "batch", o.batch, "fanout", o.fanout);
	if (uname(&un) == 0)
		json_object_set_new(root, "kernel", json_string(un.release));
	arr = json_array();
	for (size_t p = 0; p < N_PROFILES; p++)
		for (size_t s = 0; s < N_SIZES; s++) {
			json_t *e = figure_json(&prot[p][s]);

			json_object_set_new(e, "profile",
			                    json_string(lumen_srtp_profile_name(profiles[p])));
			json_object_set_new(e, "bytes", json_integer((json_int_t)sizes[s]));
			json_array_append_new(arr, e);
		}
	json_object_set_new(root, "srtp_protect", arr);
	arr = json_array();
	for (size_t m = 0; m < N_METHODS; m++)
		for (size_t s = 0; s < N_SIZES; s++) {
			json_t *e = figure_json(&snd[m][s]);

			json_object_set_new(e, "method", json_string(method_names[methods[m]]));
			json_object_set_new(
			    e, "batch", json_integer(methods[m] == SENDMMSG_BATCH ? o.batch : 1));
			json_object_set_new(e, "bytes", json_integer((json_int_t)sizes[s]));
			json_array_append_new(arr, e);
		}
	for (size_t s = 0; s < N_SIZES; s++) {
		json_t *e = figure_json(&fan[s]);

		json_object_set_new(e, "method", json_string(method_names[TXBATCH_FANOUT]));
		json_object_set_new(e, "batch", json_integer(o.fanout));
		json_object_set_new(e, "io_uring", json_boolean(fan_uring));
		json_object_set_new(e, "bytes", json_integer((json_int_t)sizes[s]));
		json_array_append_new(arr, e);
	}
	rig_json(root, arr, &rig, &o);
	json_object_set_new(root, "udp_send", arr);

	if (o.json_file && json_dump_file(root, o.json_file, JSON_INDENT(2)) < 0) {
		fprintf(stderr, "lumen-floor: cannot write %s\n", o.json_file);
		goto out;
	}
	if (o.json) {
		json_dumpf(root, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("lumen-floor: ns per packet, median of %d runs x %ld packets\n", o.runs,
		       o.packets);
		printf("%-14s %-26s %5s %9s %9s %9s %9s\n", "operation", "variant", "bytes",
		       "median", "min", "max", "cpu_med");
		for (size_t p = 0; p < N_PROFILES; p++)
			for (size_t s = 0; s < N_SIZES; s++)
				print_row("srtp_protect", lumen_srtp_profile_name(profiles[p]),
				          sizes[s], &prot[p][s]);
		for (size_t m = 0; m < N_METHODS; m++)
			for (size_t s = 0; s < N_SIZES; s++) {
				snprintf(how, sizeof(how), "%s%s", method_names[methods[m]],
				         methods[m] == SENDMMSG_BATCH ? " (per packet)" : "");
				print_row("udp_loopback", how, sizes[s], &snd[m][s]);
			}
		snprintf(how, sizeof(how), "txbatch fan-out %d%s", o.fanout,
		         fan_uring ? "" : " (no io_uring)");
		for (size_t s = 0; s < N_SIZES; s++)
			print_row("udp_loopback", how, sizes[s], &fan[s]);
		rig_print(&rig, &o);
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}
