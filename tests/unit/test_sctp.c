/* test_sctp.c -- the SCTP data channel engine (src/webrtc/sctp.c): two engines back to back in
 * one process. Each engine's send_packet callback appends to a queue towards the other; the
 * pump delivers the queues, then advances a simulated clock by 10 ms and ticks both engines.
 * Every pump is bounded (at most 10000 ticks). A test link can drop the first packet carrying a
 * DATA chunk with a given payload, to exercise retransmission and partial reliability.
 *
 * usrsctp also reads the wall clock (gettimeofday) to decide whether a chunk has been outstanding
 * for a retransmission timeout and whether a lifetime expired. This executable defines
 * gettimeofday, which takes precedence over libc's for libusrsctp as well, so that the wall
 * clock moves with the simulated clock instead of the test sleeping.
 *
 * One file per module, as STYLE.md asks: it is long because it is the module's whole
 * specification, one small Test() per behaviour; splitting it by topic would scatter that.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "webrtc/dcep.h"
#include "webrtc/sctp.h"

#include <usrsctp.h> /* usrsctp_crc32c, to re-checksum rewritten packets */

#define MAX_TICKS 10000
#define TICK_US   10000

static int64_t sim_offset_us; /* simulated time that passed, added to the real wall clock */

__attribute__((visibility("default"))) int gettimeofday(struct timeval *restrict tv,
                                                        void *restrict tz)
{
	struct timespec ts;
	int64_t us;

	clock_gettime(CLOCK_REALTIME, &ts);
	us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + sim_offset_us;
	tv->tv_sec = (time_t)(us / 1000000);
	tv->tv_usec = (suseconds_t)(us % 1000000);
	return 0;
}

struct opened {
	uint16_t id;
	char label[64], protocol[64];
	bool ordered, local;
	enum lumen_sctp_reliability rel;
	uint32_t param;
};

struct msg {
	uint16_t id;
	bool binary;
	uint8_t *data;
	size_t len;
};

struct link;

struct peer {
	struct lumen_sctp *s;
	struct link *link;
	int idx;
	int ups, downs, down_reason;
	struct opened opened[64];
	int n_opened;
	GPtrArray *msgs;
	struct {
		uint16_t id;
		int reason;
	} closed[64];
	int n_closed;
	bool echo; /* send every message back on its channel */
};

struct link {
	struct peer p[2];
	GQueue q[2]; /* packets towards p[i] */
	uint64_t now;
	const char *drop_payload; /* drop the first packet with a DATA chunk carrying this */
	int dropped;
	unsigned data_chunks, unordered_chunks; /* DATA chunks seen, with the U bit */
	const uint8_t *rewrite_prefix;          /* DATA chunks whose payload starts with this... */
	size_t rewrite_prefix_len;
	uint32_t rewrite_ppid; /* ...get this PPID instead (as a peer could send) */
	unsigned rewritten;
};

struct pkt {
	size_t len;
	uint8_t data[];
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* Walk the chunks of an SCTP packet; count DATA chunks and find one with the drop payload. */
static bool inspect(struct link *l, const uint8_t *pkt, size_t len)
{
	bool drop = false;

	for (size_t off = 12; off + 4 <= len;) {
		uint16_t clen = rd16(pkt + off + 2);

		if (clen < 4 || off + clen > len)
			break;
		if (pkt[off] == 0 && clen >= 16) { /* DATA */
			const uint8_t *payload = pkt + off + 16;
			size_t plen = clen - 16;

			l->data_chunks++;
			if (pkt[off + 1] & 0x04)
				l->unordered_chunks++;
			if (l->drop_payload && !l->dropped && plen == strlen(l->drop_payload) &&
			    memcmp(payload, l->drop_payload, plen) == 0)
				drop = true;
		}
		off += (clen + 3u) & ~3u;
	}
	return drop;
}

/* Give matching DATA chunks another PPID and fix the packet's CRC32c. */
static void rewrite(struct link *l, uint8_t *pkt, size_t len)
{
	bool changed = false;
	uint32_t crc;

	for (size_t off = 12; l->rewrite_prefix && off + 4 <= len;) {
		uint16_t clen = rd16(pkt + off + 2);

		if (clen < 4 || off + clen > len)
			break;
		if (pkt[off] == 0 && clen >= 16 && clen - 16u >= l->rewrite_prefix_len &&
		    memcmp(pkt + off + 16, l->rewrite_prefix, l->rewrite_prefix_len) == 0) {
			pkt[off + 12] = (uint8_t)(l->rewrite_ppid >> 24);
			pkt[off + 13] = (uint8_t)(l->rewrite_ppid >> 16);
			pkt[off + 14] = (uint8_t)(l->rewrite_ppid >> 8);
			pkt[off + 15] = (uint8_t)l->rewrite_ppid;
			changed = true;
			l->rewritten++;
		}
		off += (clen + 3u) & ~3u;
	}
	if (!changed)
		return;
	memset(pkt + 8, 0, 4);
	crc = usrsctp_crc32c(pkt, len);
	memcpy(pkt + 8, &crc, 4);
}

static void on_send_packet(void *user, const uint8_t *data, size_t len)
{
	struct peer *p = user;
	struct link *l = p->link;
	struct pkt *k;

	if (inspect(l, data, len)) {
		l->dropped++;
		return;
	}
	k = g_malloc(sizeof(*k) + len);
	k->len = len;
	memcpy(k->data, data, len);
	rewrite(l, k->data, k->len);
	g_queue_push_tail(&l->q[1 - p->idx], k);
}

static void set_rewrite(struct link *l, const void *prefix, size_t len, uint32_t ppid)
{
	l->rewrite_prefix = prefix;
	l->rewrite_prefix_len = len;
	l->rewrite_ppid = ppid;
}

static void on_association(void *user, bool up, int reason)
{
	struct peer *p = user;

	if (up) {
		p->ups++;
	} else {
		p->downs++;
		p->down_reason = reason;
	}
}

static void on_channel_open(void *user, const struct lumen_sctp_channel_info *info)
{
	struct peer *p = user;
	struct opened *o;

	cr_assert_lt(p->n_opened, 64);
	o = &p->opened[p->n_opened++];
	o->id = info->id;
	g_strlcpy(o->label, info->label, sizeof(o->label));
	g_strlcpy(o->protocol, info->protocol, sizeof(o->protocol));
	cr_assert_eq(strlen(info->label), info->label_len);
	o->ordered = info->ordered;
	o->local = info->local;
	o->rel = info->reliability;
	o->param = info->reliability_param;
}

static void msg_free(gpointer m)
{
	g_free(((struct msg *)m)->data);
	g_free(m);
}

static void on_message(void *user, uint16_t id, bool binary, const uint8_t *data, size_t len)
{
	struct peer *p = user;
	struct msg *m = g_new0(struct msg, 1);

	m->id = id;
	m->binary = binary;
	m->data = g_memdup2(data, len);
	m->len = len;
	g_ptr_array_add(p->msgs, m);
	if (p->echo)
		cr_assert_eq(lumen_sctp_send(p->s, id, binary, data, len), 0);
}

static void on_channel_close(void *user, uint16_t id, int reason)
{
	struct peer *p = user;

	cr_assert_lt(p->n_closed, 64);
	p->closed[p->n_closed].id = id;
	p->closed[p->n_closed].reason = reason;
	p->n_closed++;
}

static const struct lumen_sctp_callbacks callbacks = {
    .send_packet = on_send_packet,
    .association = on_association,
    .channel_open = on_channel_open,
    .message = on_message,
    .channel_close = on_channel_close,
};

static void link_init_cfg(struct link *l, const struct lumen_sctp_config *cfg0,
                          const struct lumen_sctp_config *cfg1)
{
	memset(l, 0, sizeof(*l));
	l->now = 1000000;
	for (int i = 0; i < 2; i++) {
		struct peer *p = &l->p[i];

		p->link = l;
		p->idx = i;
		p->msgs = g_ptr_array_new_with_free_func(msg_free);
		g_queue_init(&l->q[i]);
		p->s = lumen_sctp_new(i ? cfg1 : cfg0, &callbacks, p);
		cr_assert_not_null(p->s);
	}
}

/* p[0] is the DTLS client and connects; p[1] is the DTLS server and, if passive, accepts. */
static void link_init(struct link *l, bool server_passive)
{
	struct lumen_sctp_config c = {.dtls_client = true};
	struct lumen_sctp_config s = {.dtls_client = false, .passive = server_passive};

	link_init_cfg(l, &c, &s);
}

static void link_fini(struct link *l)
{
	struct pkt *k;

	for (int i = 0; i < 2; i++) {
		lumen_sctp_free(l->p[i].s);
		g_ptr_array_free(l->p[i].msgs, TRUE);
		while ((k = g_queue_pop_head(&l->q[i])))
			g_free(k);
	}
}

/* Deliver what is queued (bounded), both ways. Returns the number of packets delivered. */
static int deliver(struct link *l)
{
	int n = 0;

	for (int round = 0; round < 1000; round++) {
		bool any = false;

		for (int i = 0; i < 2; i++) {
			struct pkt *k = g_queue_pop_head(&l->q[i]);

			if (!k)
				continue;
			cr_assert_eq(lumen_sctp_input(l->p[i].s, k->data, k->len), 0);
			g_free(k);
			any = true;
			n++;
		}
		if (!any)
			break;
	}
	return n;
}

static void tick(struct link *l)
{
	l->now += TICK_US;
	sim_offset_us += TICK_US;
	for (int i = 0; i < 2; i++) {
		cr_assert_leq(lumen_sctp_next_timeout(l->p[i].s), l->now);
		lumen_sctp_on_timeout(l->p[i].s, l->now);
	}
}

typedef bool cond_fn(struct link *l, void *arg);

static bool pump_until(struct link *l, cond_fn *cond, void *arg)
{
	for (int i = 0; i < MAX_TICKS; i++) {
		deliver(l);
		if (cond(l, arg))
			return true;
		tick(l);
	}
	return cond(l, arg);
}

/* Run the link for a stretch of simulated time. */
static void pump_ms(struct link *l, unsigned ms)
{
	for (unsigned i = 0; i < ms * 1000 / TICK_US; i++) {
		deliver(l);
		tick(l);
	}
	deliver(l);
}

static bool both_up(struct link *l, void *arg)
{
	return l->p[0].ups == 1 && l->p[1].ups == 1;
}

static bool n_opened_each(struct link *l, void *arg)
{
	int n = *(int *)arg;

	return l->p[0].n_opened >= n && l->p[1].n_opened >= n;
}

struct want_msgs {
	int peer;
	unsigned n;
};

static bool has_msgs(struct link *l, void *arg)
{
	struct want_msgs *w = arg;

	return l->p[w->peer].msgs->len >= w->n;
}

static bool n_closed_each(struct link *l, void *arg)
{
	int n = *(int *)arg;

	return l->p[0].n_closed >= n && l->p[1].n_closed >= n;
}

static void start_both(struct link *l)
{
	cr_assert_eq(lumen_sctp_start(l->p[0].s, l->now), 0);
	cr_assert_eq(lumen_sctp_start(l->p[1].s, l->now), 0);
	cr_assert(pump_until(l, both_up, NULL), "association did not come up");
}

static int open_channel(struct link *l, int from, const struct lumen_sctp_channel_params *p)
{
	int before0 = l->p[0].n_opened, before1 = l->p[1].n_opened;
	int id = lumen_sctp_open(l->p[from].s, p);

	cr_assert_geq(id, 0, "open: %d", id);
	for (int i = 0;
	     i < MAX_TICKS && (l->p[0].n_opened == before0 || l->p[1].n_opened == before1); i++) {
		deliver(l);
		tick(l);
	}
	cr_assert_eq(l->p[0].n_opened, before0 + 1);
	cr_assert_eq(l->p[1].n_opened, before1 + 1);
	return id;
}

static struct msg *msg_at(struct peer *p, unsigned i)
{
	cr_assert_lt(i, p->msgs->len);
	return g_ptr_array_index(p->msgs, i);
}

static void send_and_expect(struct link *l, int from, uint16_t id, bool binary, const uint8_t *data,
                            size_t len)
{
	struct want_msgs w = {1 - from, l->p[1 - from].msgs->len + 1};
	struct msg *m;

	cr_assert_eq(lumen_sctp_send(l->p[from].s, id, binary, data, len), 0);
	cr_assert(pump_until(l, has_msgs, &w), "message of %zu bytes not delivered", len);
	m = msg_at(&l->p[1 - from], w.n - 1);
	cr_assert_eq(m->id, id);
	cr_assert_eq(m->binary, binary);
	cr_assert_eq(m->len, len);
	if (len)
		cr_assert_eq(memcmp(m->data, data, len), 0);
}

Test(sctp_association, comes_up_between_a_connecting_client_and_an_accepting_server)
{
	struct link l;
	struct lumen_sctp_info info;

	link_init(&l, true);
	start_both(&l);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(lumen_sctp_get_info(l.p[i].s, &info), 0);
		cr_assert(info.up);
		cr_assert_eq(info.inbound_streams, 1024);
		cr_assert_eq(info.outbound_streams, 1024);
		cr_assert(info.nodelay);
		cr_assert(info.explicit_eor);
		cr_assert_geq(info.send_buffer, 1024 * 1024);
		cr_assert_geq(info.recv_buffer, 1024 * 1024);
		cr_assert(info.stream_reset & 1, "stream reset requests enabled");
		cr_assert_eq(info.path_mtu, 1200);
		cr_assert_geq(info.rto_ms, 1000);
		cr_assert_eq(info.max_message_size, 256 * 1024);
		cr_assert_eq(lumen_sctp_max_message_size(l.p[i].s), 256 * 1024);
	}
	link_fini(&l);
}

Test(sctp_association, comes_up_when_both_sides_connect_at_once)
{
	struct link l;

	link_init(&l, false);
	start_both(&l);
	cr_assert_eq(l.p[0].downs + l.p[1].downs, 0);
	link_fini(&l);
}

Test(sctp_association, reports_down_and_closes_channels_when_the_peer_aborts)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "a"};
	int one = 1;

	link_init(&l, true);
	start_both(&l);
	open_channel(&l, 0, &p);
	lumen_sctp_free(l.p[0].s); /* the ABORT leaves through send_packet */
	l.p[0].s = NULL;
	cr_assert_geq(g_queue_get_length(&l.q[1]), 1);
	while (!g_queue_is_empty(&l.q[1])) {
		struct pkt *k = g_queue_pop_head(&l.q[1]);

		lumen_sctp_input(l.p[1].s, k->data, k->len);
		g_free(k);
	}
	cr_assert_eq(l.p[1].downs, one);
	cr_assert_eq(l.p[1].down_reason, -ECONNRESET);
	cr_assert_eq(l.p[1].n_closed, 1);
	cr_assert_eq(l.p[1].closed[0].reason, -ECONNRESET);
	cr_assert_eq(lumen_sctp_send(l.p[1].s, l.p[1].opened[0].id, false, (const uint8_t *)"x", 1),
	             -EBADF);
	cr_assert_eq(lumen_sctp_open(l.p[1].s, &p), -ENOTCONN);
	link_fini(&l);
}

Test(sctp_association, ignores_garbage_and_rejects_empty_input)
{
	struct link l;
	uint8_t junk[300];

	link_init(&l, true);
	cr_assert_eq(lumen_sctp_input(l.p[1].s, junk, sizeof(junk)), -ENOTCONN);
	start_both(&l);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 1; len < sizeof(junk); len += 7)
		cr_assert_eq(lumen_sctp_input(l.p[1].s, junk, len), 0);
	cr_assert_eq(lumen_sctp_input(l.p[1].s, junk, 0), -EINVAL);
	pump_ms(&l, 100);
	cr_assert_eq(l.p[1].downs, 0, "garbage must not take the association down");
	link_fini(&l);
}

Test(sctp_association, can_be_created_and_freed_repeatedly)
{
	for (int i = 0; i < 3; i++) {
		struct link l;

		link_init(&l, i % 2 == 0);
		start_both(&l);
		link_fini(&l);
	}
}

Test(sctp_channel, opens_from_the_client_with_dcep_on_an_even_id)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "chat", .protocol = "json"};
	int id;

	link_init(&l, true);
	start_both(&l);
	id = open_channel(&l, 0, &p);
	cr_assert_eq(id % 2, 0);
	cr_assert_eq(l.p[0].opened[0].id, id);
	cr_assert(l.p[0].opened[0].local);
	cr_assert_not(l.p[1].opened[0].local);
	cr_assert_eq(l.p[1].opened[0].id, id);
	cr_assert_str_eq(l.p[1].opened[0].label, "chat");
	cr_assert_str_eq(l.p[1].opened[0].protocol, "json");
	cr_assert(l.p[1].opened[0].ordered);
	cr_assert_eq(l.p[1].opened[0].rel, LUMEN_SCTP_RELIABLE);
	link_fini(&l);
}

Test(sctp_channel, opens_from_the_server_on_an_odd_id)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "srv"};
	int id;

	link_init(&l, true);
	start_both(&l);
	id = open_channel(&l, 1, &p);
	cr_assert_eq(id % 2, 1);
	cr_assert_str_eq(l.p[0].opened[0].label, "srv");
	cr_assert_not(l.p[0].opened[0].local);
	link_fini(&l);
}

Test(sctp_channel, opened_before_the_association_is_announced_once_it_is_up)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "early"};
	int one = 1, id;

	link_init(&l, true);
	id = lumen_sctp_open(l.p[0].s, &p);
	cr_assert_eq(id, 0);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, (uint16_t)id, false, (const uint8_t *)"x", 1),
	             -ENOTCONN);
	start_both(&l);
	cr_assert(pump_until(&l, n_opened_each, &one));
	cr_assert_str_eq(l.p[1].opened[0].label, "early");
	link_fini(&l);
}

Test(sctp_channel, carries_text_and_binary_both_ways)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "data"};
	static const uint8_t bin[] = {0, 1, 2, 0xff, 0};
	uint16_t id;

	link_init(&l, true);
	start_both(&l);
	id = (uint16_t)open_channel(&l, 0, &p);
	send_and_expect(&l, 0, id, false, (const uint8_t *)"hello", 5);
	send_and_expect(&l, 1, id, false, (const uint8_t *)"world", 5);
	send_and_expect(&l, 0, id, true, bin, sizeof(bin));
	send_and_expect(&l, 1, id, true, bin, sizeof(bin));
	send_and_expect(&l, 0, id, false, NULL, 0); /* PPID 56 */
	send_and_expect(&l, 1, id, true, NULL, 0);  /* PPID 57 */
	link_fini(&l);
}

Test(sctp_channel, keeps_order_on_an_ordered_reliable_channel)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "seq"};
	struct want_msgs w = {1, 200};
	uint16_t id;

	link_init(&l, true);
	start_both(&l);
	id = (uint16_t)open_channel(&l, 0, &p);
	for (unsigned i = 0; i < 200; i++) {
		char buf[16];
		int n = snprintf(buf, sizeof(buf), "m%u", i);

		cr_assert_eq(lumen_sctp_send(l.p[0].s, id, false, (uint8_t *)buf, (size_t)n), 0);
	}
	cr_assert(pump_until(&l, has_msgs, &w));
	for (unsigned i = 0; i < 200; i++) {
		char buf[16];
		struct msg *m = msg_at(&l.p[1], i);

		snprintf(buf, sizeof(buf), "m%u", i);
		cr_assert_eq(m->len, strlen(buf));
		cr_assert_eq(memcmp(m->data, buf, m->len), 0, "message %u out of order", i);
	}
	link_fini(&l);
}

Test(sctp_channel, retransmits_a_lost_message_on_a_reliable_channel)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "rel", .unordered = true};
	struct want_msgs w = {1, 2};
	uint16_t id;

	link_init(&l, true);
	start_both(&l);
	id = (uint16_t)open_channel(&l, 0, &p);
	l.drop_payload = "lost";
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, false, (const uint8_t *)"lost", 4), 0);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, false, (const uint8_t *)"after", 5), 0);
	cr_assert(pump_until(&l, has_msgs, &w));
	cr_assert_eq(l.dropped, 1);
	cr_assert_eq(msg_at(&l.p[1], 0)->len, 5, "unordered: 'after' overtakes the lost one");
	cr_assert_eq(memcmp(msg_at(&l.p[1], 1)->data, "lost", 4), 0);
	link_fini(&l);
}

static void abandons_lost_message(bool unordered, enum lumen_sctp_reliability rel, uint32_t param)
{
	struct link l;
	struct lumen_sctp_channel_params p = {
	    .label = "pr", .unordered = unordered, .reliability = rel, .reliability_param = param};
	struct want_msgs w = {1, 1};
	uint16_t id;

	link_init(&l, true);
	start_both(&l);
	id = (uint16_t)open_channel(&l, 0, &p);
	cr_assert_eq(l.p[1].opened[0].rel, rel);
	cr_assert_eq(l.p[1].opened[0].param, param);
	cr_assert_eq(l.p[1].opened[0].ordered, !unordered);
	l.drop_payload = "lost";
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, false, (const uint8_t *)"lost", 4), 0);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, false, (const uint8_t *)"after", 5), 0);
	cr_assert(pump_until(&l, has_msgs, &w));
	/* Past several retransmission timeouts: the lost message must never show up. */
	pump_ms(&l, 15000);
	cr_assert_eq(l.dropped, 1);
	cr_assert_eq(l.p[1].msgs->len, 1);
	cr_assert_eq(memcmp(msg_at(&l.p[1], 0)->data, "after", 5), 0);
	/* The stream goes on (FORWARD-TSN moved the receiver past the gap). */
	send_and_expect(&l, 0, id, false, (const uint8_t *)"third", 5);
	cr_assert_eq(l.p[1].msgs->len, 2);
	link_fini(&l);
}

Test(sctp_channel, abandons_a_lost_message_with_zero_retransmits_unordered)
{
	abandons_lost_message(true, LUMEN_SCTP_MAX_RETRANSMITS, 0);
}

Test(sctp_channel, abandons_a_lost_message_with_zero_retransmits_ordered)
{
	abandons_lost_message(false, LUMEN_SCTP_MAX_RETRANSMITS, 0);
}

Test(sctp_channel, abandons_a_lost_message_past_its_lifetime)
{
	/* Lifetime 200 ms, retransmission timeout at least 1 s: expired before it is resent. */
	abandons_lost_message(false, LUMEN_SCTP_MAX_LIFETIME, 200);
}

Test(sctp_channel, announces_a_timed_unordered_channel_and_sends_unordered_chunks)
{
	/* The policy reaches the peer through DCEP and messages go out unordered once acked. */
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "t",
	                                      .protocol = "p",
	                                      .unordered = true,
	                                      .reliability = LUMEN_SCTP_MAX_LIFETIME,
	                                      .reliability_param = 1500,
	                                      .priority = 512};
	uint16_t id;

	link_init(&l, true);
	start_both(&l);
	id = (uint16_t)open_channel(&l, 1, &p);
	cr_assert_eq(l.p[0].opened[0].rel, LUMEN_SCTP_MAX_LIFETIME);
	cr_assert_eq(l.p[0].opened[0].param, 1500);
	cr_assert_not(l.p[0].opened[0].ordered);
	l.unordered_chunks = 0;
	send_and_expect(&l, 1, id, true, (const uint8_t *)"abc", 3);
	send_and_expect(&l, 0, id, true, (const uint8_t *)"def", 3);
	cr_assert_eq(l.unordered_chunks, 2);
	link_fini(&l);
}

static uint8_t *pattern(size_t len, unsigned seed)
{
	uint8_t *b = g_malloc(len);

	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)((i * 131 + seed) ^ (i >> 9));
	return b;
}

Test(sctp_channel, carries_a_256_kib_message_both_ways)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "big"};
	size_t len = 256 * 1024;
	uint8_t *b = pattern(len, 7);
	uint16_t id;

	link_init(&l, true);
	start_both(&l);
	id = (uint16_t)open_channel(&l, 0, &p);
	send_and_expect(&l, 0, id, true, b, len);
	send_and_expect(&l, 1, id, false, b, len);
	g_free(b);
	link_fini(&l);
}

Test(sctp_channel, carries_a_1_mib_message_when_configured_for_it)
{
	struct link l;
	struct lumen_sctp_config c = {.dtls_client = true, .max_message_size = 1024 * 1024};
	struct lumen_sctp_config s = {.passive = true, .max_message_size = 1024 * 1024};
	struct lumen_sctp_channel_params p = {.label = "huge"};
	size_t len = 1024 * 1024;
	uint8_t *b = pattern(len, 3);
	uint16_t id;

	link_init_cfg(&l, &c, &s);
	start_both(&l);
	id = (uint16_t)open_channel(&l, 0, &p);
	send_and_expect(&l, 0, id, true, b, len);
	send_and_expect(&l, 1, id, true, b, len);
	/* The channel still works afterwards. */
	send_and_expect(&l, 0, id, false, (const uint8_t *)"ok", 2);
	g_free(b);
	link_fini(&l);
}

Test(sctp_channel, resets_a_channel_that_receives_an_oversized_message)
{
	struct link l;
	struct lumen_sctp_config c = {.dtls_client = true};
	struct lumen_sctp_config s = {.passive = true, .max_message_size = 2 * 1024 * 1024};
	struct lumen_sctp_channel_params p = {.label = "x"};
	size_t len = 300 * 1024;
	uint8_t *b = pattern(len, 1);
	int one = 1;
	uint16_t id;

	link_init_cfg(&l, &c, &s);
	start_both(&l);
	id = (uint16_t)open_channel(&l, 1, &p);
	/* p[1] may send 300 KiB, p[0] receives at most 256 KiB. */
	cr_assert_eq(lumen_sctp_send(l.p[1].s, id, true, b, len), 0);
	cr_assert(pump_until(&l, n_closed_each, &one));
	cr_assert_eq(l.p[0].msgs->len, 0);
	cr_assert_eq(l.p[0].closed[0].id, id);
	cr_assert_eq(l.p[0].closed[0].reason, -EMSGSIZE);
	cr_assert_eq(l.p[1].closed[0].reason, 0);
	/* A sender that knows the peer's limit refuses before sending. */
	lumen_sctp_set_peer_max_message_size(l.p[1].s, 256 * 1024);
	id = (uint16_t)open_channel(&l, 1, &p);
	cr_assert_eq(lumen_sctp_send(l.p[1].s, id, true, b, len), -EMSGSIZE);
	send_and_expect(&l, 1, id, true, b, 256 * 1024);
	g_free(b);
	link_fini(&l);
}

Test(sctp_channel, runs_several_channels_at_once_from_both_sides)
{
	struct link l;
	int ids[8];
	struct want_msgs w0 = {0, 8}, w1 = {1, 8};

	link_init(&l, true);
	start_both(&l);
	for (int i = 0; i < 8; i++) {
		char label[16];
		struct lumen_sctp_channel_params p = {.label = label, .unordered = i % 2};

		snprintf(label, sizeof(label), "ch%d", i);
		ids[i] = open_channel(&l, i % 2, &p);
		cr_assert_eq(ids[i] % 2, i % 2);
	}
	for (int i = 0; i < 8; i++) {
		char text[16];

		snprintf(text, sizeof(text), "on ch%d", i);
		cr_assert_eq(lumen_sctp_send(l.p[0].s, (uint16_t)ids[i], false, (uint8_t *)text,
		                             strlen(text)),
		             0);
		cr_assert_eq(lumen_sctp_send(l.p[1].s, (uint16_t)ids[i], false, (uint8_t *)text,
		                             strlen(text)),
		             0);
	}
	cr_assert(pump_until(&l, has_msgs, &w0));
	cr_assert(pump_until(&l, has_msgs, &w1));
	for (int side = 0; side < 2; side++) {
		for (unsigned k = 0; k < 8; k++) {
			struct msg *m = msg_at(&l.p[side], k);
			int idx = -1;
			char text[16];

			for (int i = 0; i < 8; i++)
				if (ids[i] == m->id)
					idx = i;
			cr_assert_geq(idx, 0);
			snprintf(text, sizeof(text), "on ch%d", idx);
			cr_assert_eq(m->len, strlen(text));
			cr_assert_eq(memcmp(m->data, text, m->len), 0);
		}
	}
	link_fini(&l);
}

Test(sctp_channel, closes_from_either_side_and_frees_the_id)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "c"};
	int one = 1, two = 2, id, id2;

	link_init(&l, true);
	start_both(&l);
	id = open_channel(&l, 0, &p);
	cr_assert_eq(lumen_sctp_close(l.p[0].s, (uint16_t)id), 0);
	cr_assert_eq(lumen_sctp_close(l.p[0].s, (uint16_t)id), -EBADF);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, (uint16_t)id, false, (uint8_t *)"x", 1), -EBADF);
	cr_assert(pump_until(&l, n_closed_each, &one));
	cr_assert_eq(l.p[0].closed[0].id, id);
	cr_assert_eq(l.p[1].closed[0].id, id);
	cr_assert_eq(l.p[0].closed[0].reason, 0);
	/* The id is free again, and the stream works after its reset. */
	id2 = open_channel(&l, 0, &p);
	cr_assert_eq(id2, id);
	send_and_expect(&l, 0, (uint16_t)id2, false, (const uint8_t *)"again", 5);
	/* Now the remote side closes. */
	cr_assert_eq(lumen_sctp_close(l.p[1].s, (uint16_t)id2), 0);
	cr_assert(pump_until(&l, n_closed_each, &two));
	cr_assert_eq(l.p[0].closed[1].id, id2);
	link_fini(&l);
}

Test(sctp_channel, echoes_from_inside_the_message_callback)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "echo"};
	struct want_msgs w = {0, 3};
	uint16_t id;

	link_init(&l, true);
	l.p[1].echo = true;
	start_both(&l);
	id = (uint16_t)open_channel(&l, 0, &p);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(lumen_sctp_send(l.p[0].s, id, i == 1, (uint8_t *)"ping", 4), 0);
	cr_assert(pump_until(&l, has_msgs, &w));
	cr_assert(msg_at(&l.p[0], 1)->binary);
	cr_assert_eq(memcmp(msg_at(&l.p[0], 2)->data, "ping", 4), 0);
	link_fini(&l);
}

Test(sctp_channel, supports_pre_negotiated_ids_without_dcep)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "neg", .negotiated = true, .id = 7};

	link_init(&l, true);
	start_both(&l);
	cr_assert_eq(lumen_sctp_open(l.p[0].s, &p), 7);
	cr_assert_eq(lumen_sctp_open(l.p[1].s, &p), 7);
	cr_assert_eq(lumen_sctp_open(l.p[1].s, &p), -EBUSY);
	send_and_expect(&l, 0, 7, false, (const uint8_t *)"n1", 2);
	send_and_expect(&l, 1, 7, true, (const uint8_t *)"n2", 2);
	cr_assert_eq(l.p[0].n_opened + l.p[1].n_opened, 0, "no DCEP for negotiated channels");
	link_fini(&l);
}

Test(sctp_channel, rejects_bad_parameters_and_unknown_ids)
{
	struct link l;
	struct lumen_sctp_channel_params bad_label = {.label = "\xc0\x80"};
	struct lumen_sctp_channel_params bad_rel = {.label = "a", .reliability = 7};
	struct lumen_sctp_channel_params bad_id = {.negotiated = true, .id = 5000};

	link_init(&l, true);
	start_both(&l);
	cr_assert_eq(lumen_sctp_open(l.p[0].s, &bad_label), -EINVAL);
	cr_assert_eq(lumen_sctp_open(l.p[0].s, &bad_rel), -EINVAL);
	cr_assert_eq(lumen_sctp_open(l.p[0].s, &bad_id), -EINVAL);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, 4, false, (uint8_t *)"x", 1), -EBADF);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, 60000, false, (uint8_t *)"x", 1), -EBADF);
	cr_assert_eq(lumen_sctp_close(l.p[0].s, 4), -EBADF);
	cr_assert_eq(lumen_sctp_start(l.p[0].s, l.now), -EALREADY);
	link_fini(&l);
}

Test(sctp_channel, queues_a_message_larger_than_the_send_buffer_in_parts)
{
	struct link l;
	struct lumen_sctp_config c = {.dtls_client = true, .send_buffer = 64 * 1024};
	struct lumen_sctp_config s = {.passive = true};
	struct lumen_sctp_channel_params p = {.label = "parts"};
	size_t len = 256 * 1024;
	uint8_t *b = pattern(len, 9);
	struct want_msgs w = {1, 1};
	struct lumen_sctp_info info;
	uint16_t id;

	link_init_cfg(&l, &c, &s);
	start_both(&l);
	cr_assert_eq(lumen_sctp_get_info(l.p[0].s, &info), 0);
	cr_assert_eq(info.send_buffer, 64 * 1024);
	id = (uint16_t)open_channel(&l, 0, &p);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, true, b, len), 0);
	/* Most of it is still inside the engine: the next message must wait. */
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, false, (const uint8_t *)"next", 4), -EAGAIN);
	cr_assert(pump_until(&l, has_msgs, &w));
	cr_assert_eq(msg_at(&l.p[1], 0)->len, len);
	cr_assert_eq(memcmp(msg_at(&l.p[1], 0)->data, b, len), 0);
	send_and_expect(&l, 0, id, false, (const uint8_t *)"next", 4);
	g_free(b);
	link_fini(&l);
}

Test(sctp_association, keeps_several_associations_in_one_process_apart)
{
	struct link a, b;
	struct lumen_sctp_channel_params p = {.label = "x"};
	uint16_t ida, idb;

	link_init(&a, true);
	link_init(&b, false);
	b.now = a.now;
	start_both(&a);
	start_both(&b);
	ida = (uint16_t)open_channel(&a, 0, &p);
	idb = (uint16_t)open_channel(&b, 1, &p);
	/* Both links share usrsctp's global clock: tick them with the same time. */
	b.now = a.now = MAX(a.now, b.now);
	send_and_expect(&a, 0, ida, false, (const uint8_t *)"for a", 5);
	b.now = a.now = MAX(a.now, b.now);
	send_and_expect(&b, 1, idb, false, (const uint8_t *)"for b", 5);
	cr_assert_eq(a.p[1].msgs->len, 1);
	cr_assert_eq(b.p[0].msgs->len, 1);
	cr_assert_eq(a.p[0].msgs->len + b.p[1].msgs->len, 0);
	link_fini(&a);
	link_fini(&b);
}

Test(sctp_association, refuses_to_start_twice_and_to_build_without_an_output)
{
	struct lumen_sctp_config c = {0};
	struct lumen_sctp_callbacks none = {0};

	cr_assert_null(lumen_sctp_new(&c, &none, NULL));
	cr_assert_null(lumen_sctp_new(NULL, &callbacks, NULL));
	lumen_sctp_free(NULL);
}

Test(sctp_channel, reassembles_the_deprecated_partial_ppids)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "legacy"};
	struct want_msgs w = {1, 2};
	uint16_t id;

	link_init(&l, true);
	start_both(&l);
	id = (uint16_t)open_channel(&l, 0, &p);
	/* Pieces marked "P" go out with PPID 52 (string partial), then a final PPID 51. */
	set_rewrite(&l, "P", 1, LUMEN_DCEP_PPID_STRING_PARTIAL);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, false, (const uint8_t *)"Pone,", 5), 0);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, false, (const uint8_t *)"Ptwo,", 5), 0);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, false, (const uint8_t *)"end", 3), 0);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, false, (const uint8_t *)"alone", 5), 0);
	cr_assert(pump_until(&l, has_msgs, &w));
	cr_assert_eq(l.rewritten, 2);
	cr_assert_eq(msg_at(&l.p[1], 0)->len, 13);
	cr_assert_eq(memcmp(msg_at(&l.p[1], 0)->data, "Pone,Ptwo,end", 13), 0);
	cr_assert_eq(memcmp(msg_at(&l.p[1], 1)->data, "alone", 5), 0);
	link_fini(&l);
}

Test(sctp_channel, ignores_malformed_dcep_and_unknown_ppids_from_the_peer)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "dc"};
	struct want_msgs w = {1, 1};
	uint8_t open_msg[64];
	struct lumen_dcep_open o = {
	    .ordered = true, .label = (const uint8_t *)"dup", .label_len = 3};
	ssize_t n = lumen_dcep_write_open(open_msg, sizeof(open_msg), &o);
	uint16_t id;

	link_init(&l, true);
	start_both(&l);
	id = (uint16_t)open_channel(&l, 0, &p);
	cr_assert_gt(n, 0);
	/* Garbage with PPID 50: not DCEP, ignored. */
	set_rewrite(&l, "\x03junk", 5, LUMEN_DCEP_PPID_CONTROL);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, true, (const uint8_t *)"\x03junk", 5), 0);
	pump_ms(&l, 100);
	/* A well-formed OPEN on a stream already in use: ignored too. */
	set_rewrite(&l, open_msg, (size_t)n, LUMEN_DCEP_PPID_CONTROL);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, true, open_msg, (size_t)n), 0);
	pump_ms(&l, 100);
	/* A PPID that is no data channel's. */
	set_rewrite(&l, "odd", 3, 99);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, true, (const uint8_t *)"odd", 3), 0);
	pump_ms(&l, 100);
	cr_assert_eq(l.rewritten, 3);
	cr_assert_eq(l.p[1].msgs->len, 0);
	cr_assert_eq(l.p[1].n_opened, 1, "no second channel");
	cr_assert_eq(l.p[1].n_closed, 0);
	set_rewrite(&l, NULL, 0, 0);
	cr_assert_eq(lumen_sctp_send(l.p[0].s, id, false, (const uint8_t *)"fine", 4), 0);
	cr_assert(pump_until(&l, has_msgs, &w));
	cr_assert_eq(memcmp(msg_at(&l.p[1], 0)->data, "fine", 4), 0);
	link_fini(&l);
}

/* Advance the clock in coarse steps without delivering anything (a silent peer). */
static bool run_silent_until_down(struct link *l, int peer, uint64_t step_us, int max_steps)
{
	struct pkt *k;

	for (int i = 0; i < max_steps && l->p[peer].downs == 0; i++) {
		for (int q = 0; q < 2; q++)
			while ((k = g_queue_pop_head(&l->q[q])))
				g_free(k);
		l->now += step_us;
		sim_offset_us += (int64_t)step_us;
		lumen_sctp_on_timeout(l->p[peer].s, l->now);
	}
	return l->p[peer].downs == 1;
}

Test(sctp_association, reports_failure_when_the_peer_never_answers)
{
	struct link l;

	link_init(&l, true);
	cr_assert_eq(lumen_sctp_start(l.p[0].s, l.now), 0);
	/* INIT is retransmitted with back-off, then usrsctp gives up (minutes of silence). */
	cr_assert(run_silent_until_down(&l, 0, 100000, 20000));
	cr_assert_eq(l.p[0].ups, 0);
	cr_assert_eq(l.p[0].down_reason, -ECONNREFUSED);
	cr_assert_eq(lumen_sctp_next_timeout(l.p[0].s), UINT64_MAX);
	link_fini(&l);
}

Test(sctp_association, drops_the_association_when_the_peer_goes_silent)
{
	struct link l;
	struct lumen_sctp_channel_params p = {.label = "gone"};

	link_init(&l, true);
	start_both(&l);
	open_channel(&l, 0, &p);
	/* Heartbeats and a message go unanswered until the retransmission limit is hit. */
	cr_assert_eq(lumen_sctp_send(l.p[0].s, l.p[0].opened[0].id, false, (uint8_t *)"lost", 4),
	             0);
	cr_assert(run_silent_until_down(&l, 0, 500000, 20000));
	cr_assert_eq(l.p[0].down_reason, -ECONNRESET);
	cr_assert_eq(l.p[0].n_closed, 1);
	cr_assert_eq(l.p[0].closed[0].reason, -ECONNRESET);
	link_fini(&l);
}

/* ---- engines owned by different threads ---------------------------------------------------- */

struct thread_run {
	struct link l;
	int tag;
	bool ok;
};

/* deliver() without Criterion asserts, which must stay on the test's main thread. */
static void deliver_quiet(struct link *l, bool *ok)
{
	struct pkt *k;

	for (int round = 0; round < 1000; round++) {
		bool any = false;

		for (int i = 0; i < 2; i++) {
			if (!(k = g_queue_pop_head(&l->q[i])))
				continue;
			if (lumen_sctp_input(l->p[i].s, k->data, k->len) != 0)
				*ok = false;
			g_free(k);
			any = true;
		}
		if (!any)
			break;
	}
}

static void step_real_time(struct link *l, bool *ok)
{
	uint64_t now = (uint64_t)g_get_monotonic_time();

	deliver_quiet(l, ok);
	for (int i = 0; i < 2; i++)
		lumen_sctp_on_timeout(l->p[i].s, now);
}

static gpointer run_link(gpointer arg)
{
	struct thread_run *t = arg;
	struct link *l = &t->l;
	struct lumen_sctp_channel_params p = {.label = "threaded"};
	uint64_t now = (uint64_t)g_get_monotonic_time();
	bool ok = true;
	int id, i;

	ok &= lumen_sctp_start(l->p[0].s, now) == 0 && lumen_sctp_start(l->p[1].s, now) == 0;
	for (i = 0; i < MAX_TICKS && !(l->p[0].ups && l->p[1].ups); i++)
		step_real_time(l, &ok);
	id = lumen_sctp_open(l->p[0].s, &p);
	ok &= id >= 0;
	for (i = 0; ok && i < MAX_TICKS && !(l->p[0].n_opened && l->p[1].n_opened); i++)
		step_real_time(l, &ok);
	for (int m = 0; ok && m < 100; m++) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "t%d-m%d", t->tag, m);

		ok &=
		    lumen_sctp_send(l->p[0].s, (uint16_t)id, false, (uint8_t *)buf, (size_t)n) == 0;
		step_real_time(l, &ok);
	}
	for (i = 0; ok && i < MAX_TICKS && l->p[1].msgs->len < 100; i++)
		step_real_time(l, &ok);
	ok &= l->p[1].msgs->len == 100;
	for (unsigned m = 0; ok && m < l->p[1].msgs->len; m++) {
		struct msg *x = g_ptr_array_index(l->p[1].msgs, m);
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "t%d-m%u", t->tag, m);

		ok &= x->len == (size_t)n && memcmp(x->data, buf, x->len) == 0;
	}
	t->ok = ok;
	return NULL;
}

Test(sctp_association, runs_engines_owned_by_two_threads_at_once)
{
	struct thread_run *runs = g_new0(struct thread_run, 2);
	GThread *threads[2];

	for (int i = 0; i < 2; i++) {
		link_init(&runs[i].l, i == 0);
		runs[i].tag = i;
	}
	for (int i = 0; i < 2; i++)
		threads[i] = g_thread_new("sctp-test", run_link, &runs[i]);
	for (int i = 0; i < 2; i++)
		g_thread_join(threads[i]);
	for (int i = 0; i < 2; i++) {
		cr_assert(runs[i].ok, "link %d failed", i);
		link_fini(&runs[i].l);
	}
	g_free(runs);
}
