/* test_txworker.c -- the transmit worker pool (src/webrtc/txworker.c): one hand-off per worker
 * per dispatched packet, order per worker, bounded rings that drop and count, shutdown that
 * drains, and a pc freed while a hand-off for it is still queued. */
#include <criterion/criterion.h>
#include <glib.h>
#include <pthread.h>
#include <string.h>

#include "pc_pair.h"
#include "webrtc/pc.h"
#include "webrtc/pktbuf.h"
#include "webrtc/txworker.h"

/* ---- a recording sender: fake pcs are small integers, never dereferenced ---- */

#define MAX_SENT 4096
struct sent {
	uintptr_t pc;
	uint16_t seq;
	uint32_t ssrc; /* after the rewrite, as the pc would send it */
	GThread *thread;
	char mid[8];
	struct lumen_pktbuf *src; /* as passed to the send */
	const uint8_t *data;
	uint8_t last;             /* the packet's last byte */
};
/* pthread, not GMutex: ThreadSanitizer does not see GLib's futex-based locks. */
static pthread_mutex_t sent_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sent sent[MAX_SENT];
static unsigned n_sent;

static int record_send(struct lumen_pc *pc, const char *mid, struct lumen_pktbuf *src,
		       const uint8_t *rtp, size_t len, const struct lumen_pc_rewrite *rw)
{
	pthread_mutex_lock(&sent_lock);
	if (n_sent < MAX_SENT && len >= 12) {
		struct sent *s = &sent[n_sent++];
		s->src = src;
		s->data = rtp;
		s->last = rtp[len - 1];
		s->pc = (uintptr_t)pc;
		s->seq = (uint16_t)(rtp[2] << 8 | rtp[3]);
		s->ssrc = rw && rw->set_ssrc ? rw->ssrc
					     : (uint32_t)rtp[8] << 24 | rtp[9] << 16 | rtp[10] << 8 | rtp[11];
		s->thread = g_thread_self();
		g_strlcpy(s->mid, mid, sizeof(s->mid));
	}
	pthread_mutex_unlock(&sent_lock);
	return 0;
}

static unsigned sent_count(void)
{
	unsigned n;

	pthread_mutex_lock(&sent_lock);
	n = n_sent;
	pthread_mutex_unlock(&sent_lock);
	return n;
}

static void reset(void)
{
	n_sent = 0;
}

static void packet(uint8_t *p, uint16_t seq)
{
	memset(p, 0, 40);
	p[0] = 0x80;
	p[1] = 96;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[11] = 0x42;
}

#define FAKE_PC(i) ((struct lumen_pc *)(uintptr_t)(0x1000 + (i)))

/* Waits (bounded, 5 s) until pred() holds. */
static bool wait_for(bool (*pred)(void *), void *arg)
{
	for (int i = 0; i < 5000; i++) {
		if (pred(arg))
			return true;
		g_usleep(1000);
	}
	return pred(arg);
}

struct want_handoffs {
	struct lumen_txw_pool *pool;
	unsigned worker;
	uint64_t n;
};

static bool handoffs_reached(void *arg)
{
	struct want_handoffs *w = arg;
	struct lumen_txw_stats st;

	lumen_txw_get_stats(w->pool, w->worker, &st);
	return st.handoffs >= w->n;
}

/* ---- a gate that holds a worker inside a callback until opened ---- */

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool entered, open;
};

static gboolean gate_cb(gpointer data)
{
	struct gate *g = data;

	pthread_mutex_lock(&g->lock);
	g->entered = true;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
	return G_SOURCE_REMOVE;
}

static void gate_close(struct gate *g, struct lumen_txw_pool *pool, unsigned worker)
{
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->entered = g->open = false;
	g_main_context_invoke(lumen_txw_context(pool, worker), gate_cb, g);
	pthread_mutex_lock(&g->lock);
	while (!g->entered)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

static void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->open = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static void gate_fini(struct gate *g)
{
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->cond);
}

static struct lumen_txw_pool *pool_new(unsigned n, unsigned queue_len, lumen_txw_send_fn send)
{
	struct lumen_txw_config cfg = { .n_workers = n, .queue_len = queue_len, .send = send };
	char *err = NULL;
	struct lumen_txw_pool *pool = lumen_txw_pool_new(&cfg, &err);

	cr_assert_not_null(pool, "%s", err ? err : "");
	return pool;
}

Test(txworker, refuses_zero_workers)
{
	struct lumen_txw_config cfg = { .n_workers = 0 };
	char *err = NULL;

	cr_assert_null(lumen_txw_pool_new(&cfg, &err));
	cr_assert_not_null(err);
	g_free(err);
}

Test(txworker, one_dispatch_is_one_handoff_per_worker, .init = reset)
{
	struct lumen_txw_pool *pool = pool_new(2, 16, record_send);
	struct gate g0, g1;
	struct lumen_txw_stats st0, st1;
	uint8_t pkt[40];

	packet(pkt, 7);
	/* Both workers held, so the records are seen queued before they run. */
	gate_close(&g0, pool, 0);
	gate_close(&g1, pool, 1);
	lumen_txw_begin(pool, pkt, sizeof(pkt), NULL, NULL);
	for (unsigned i = 0; i < 10; i++) {
		struct lumen_pc_rewrite rw = { .ssrc = 100 + i, .set_ssrc = true };
		cr_assert_eq(lumen_txw_send(pool, i % 2, FAKE_PC(i), "1", NULL, pkt, sizeof(pkt), &rw), 0);
	}
	lumen_txw_end(pool);
	lumen_txw_get_stats(pool, 0, &st0);
	lumen_txw_get_stats(pool, 1, &st1);
	cr_assert_eq(st0.queue_depth, 1, "five sends to worker 0 are one record");
	cr_assert_eq(st1.queue_depth, 1);
	gate_open(&g0);
	gate_open(&g1);
	struct want_handoffs w0 = { pool, 0, 1 }, w1 = { pool, 1, 1 };
	cr_assert(wait_for(handoffs_reached, &w0));
	cr_assert(wait_for(handoffs_reached, &w1));
	lumen_txw_get_stats(pool, 0, &st0);
	lumen_txw_get_stats(pool, 1, &st1);
	cr_assert_eq(st0.handoffs, 1);
	cr_assert_eq(st0.packets, 5);
	cr_assert_eq(st1.packets, 5);
	lumen_txw_pool_free(pool);
	cr_assert_eq(n_sent, 10);
	for (unsigned i = 0; i < n_sent; i++) {
		unsigned k = (unsigned)(sent[i].pc - 0x1000);
		cr_assert_eq(sent[i].ssrc, 100 + k, "each target keeps its own rewrite");
		cr_assert_eq(sent[i].seq, 7);
		cr_assert_str_eq(sent[i].mid, "1");
	}
	gate_fini(&g0);
	gate_fini(&g1);
}

Test(txworker, keeps_order_per_pc_and_sends_each_pc_on_its_worker_thread, .init = reset)
{
	struct lumen_txw_pool *pool = pool_new(2, 64, record_send);
	uint8_t pkt[40], patched[40];
	GThread *thread_of[4] = { NULL };
	uint16_t next[4] = { 0 };

	for (uint16_t seq = 0; seq < 500; seq++) {
		packet(pkt, seq);
		lumen_txw_begin(pool, pkt, sizeof(pkt), NULL, NULL);
		for (unsigned i = 0; i < 4; i++) {
			/* pc 3 gets a patched copy every other packet: a record of its own */
			const uint8_t *bytes = pkt;
			if (i == 3 && seq % 2) {
				memcpy(patched, pkt, sizeof(pkt));
				bytes = patched;
			}
			/* a full ring drops (counted): only order matters here, so retry */
			while (lumen_txw_send(pool, i % 2, FAKE_PC(i), "v", NULL, bytes, sizeof(pkt),
					      NULL) == -ENOBUFS)
				g_usleep(100);
		}
		lumen_txw_end(pool);
	}
	lumen_txw_pool_free(pool);
	cr_assert_eq(n_sent, 2000);
	for (unsigned i = 0; i < n_sent; i++) {
		unsigned k = (unsigned)(sent[i].pc - 0x1000);
		cr_assert_eq(sent[i].seq, next[k], "pc %u: seq %u after %u", k, sent[i].seq,
			     next[k] - 1);
		next[k]++;
		if (!thread_of[k])
			thread_of[k] = sent[i].thread;
		cr_assert_eq(sent[i].thread, thread_of[k], "pc %u moved threads", k);
		cr_assert_neq(sent[i].thread, g_thread_self(), "sent on the control thread");
	}
	cr_assert_eq(thread_of[0], thread_of[2]);
	cr_assert_eq(thread_of[1], thread_of[3]);
	cr_assert_neq(thread_of[0], thread_of[1], "two workers, one thread");
}

Test(txworker, a_full_ring_drops_and_counts_without_blocking, .init = reset)
{
	struct lumen_txw_pool *pool = pool_new(1, 4, record_send);
	struct lumen_txw_stats st;
	struct gate g;
	uint8_t pkt[40];
	int refused = 0;

	gate_close(&g, pool, 0);
	for (uint16_t seq = 0; seq < 10; seq++) {
		packet(pkt, seq);
		lumen_txw_begin(pool, pkt, sizeof(pkt), NULL, NULL);
		if (lumen_txw_send(pool, 0, FAKE_PC(0), "0", NULL, pkt, sizeof(pkt), NULL) == -ENOBUFS)
			refused++;
		lumen_txw_end(pool);
	}
	lumen_txw_get_stats(pool, 0, &st);
	cr_assert_eq(refused, 6);
	cr_assert_eq(st.drops, 6);
	cr_assert_eq(st.high_water, 4);
	gate_open(&g);
	struct want_handoffs w = { pool, 0, 4 };
	cr_assert(wait_for(handoffs_reached, &w));
	lumen_txw_pool_free(pool);
	cr_assert_eq(n_sent, 4);
	for (unsigned i = 0; i < 4; i++)
		cr_assert_eq(sent[i].seq, i, "the first four were kept, in order");
	gate_fini(&g);
}

Test(txworker, shutdown_drains_what_was_posted, .init = reset)
{
	struct lumen_txw_pool *pool = pool_new(2, 64, record_send);
	struct gate g;
	uint8_t pkt[40];

	gate_close(&g, pool, 1);
	for (uint16_t seq = 0; seq < 20; seq++) {
		packet(pkt, seq);
		lumen_txw_begin(pool, pkt, sizeof(pkt), NULL, NULL);
		cr_assert_eq(lumen_txw_send(pool, 1, FAKE_PC(1), "0", NULL, pkt, sizeof(pkt), NULL), 0);
		lumen_txw_end(pool);
	}
	/* A send outside any dispatch is posted at once. */
	packet(pkt, 20);
	cr_assert_eq(lumen_txw_send(pool, 1, FAKE_PC(1), "0", NULL, pkt, sizeof(pkt), NULL), 0);
	cr_assert_eq(sent_count(), 0);
	gate_open(&g);
	lumen_txw_pool_free(pool); /* joins: every record is sent before it returns */
	cr_assert_eq(n_sent, 21);
	gate_fini(&g);
}

static bool four_sent(void *arg)
{
	(void)arg;
	return sent_count() >= 4;
}

/* A packet that comes in a received buffer (struct lumen_pc_rtp.buf) is referenced, not copied,
 * and the buffer is passed on to the send (for the pcs' NACK caches); a plugin's patched copy
 * passed along with the original's buffer is copied and goes out without one. */
Test(txworker, a_received_buffer_is_referenced_and_passed_on_not_copied, .init = reset)
{
	struct lumen_txw_pool *pool = pool_new(1, 16, record_send);
	struct lumen_pktbuf_pool *rx = lumen_pktbuf_pool_new(4, 4);
	struct lumen_pktbuf_stats st;
	struct lumen_pktbuf *b = lumen_pktbuf_get(rx);
	uint8_t copy[40];

	packet(b->data, 7);
	b->len = 40;
	memcpy(copy, b->data, sizeof(copy));
	copy[39] = 0x5a;
	lumen_txw_begin(pool, b->data, b->len, NULL, b);
	cr_assert_eq(lumen_txw_send(pool, 0, FAKE_PC(1), "1", b, b->data, b->len, NULL), 0);
	cr_assert_eq(lumen_txw_send(pool, 0, FAKE_PC(2), "1", b, b->data, b->len, NULL), 0);
	cr_assert_eq(lumen_txw_send(pool, 0, FAKE_PC(3), "1", b, copy, sizeof(copy), NULL), 0);
	lumen_txw_end(pool);
	/* outside a dispatch, the buffer is referenced as well */
	cr_assert_eq(lumen_txw_send(pool, 0, FAKE_PC(4), "1", b, b->data, b->len, NULL), 0);
	lumen_pktbuf_unref(b);
	cr_assert(wait_for(four_sent, NULL));
	lumen_txw_pool_free(pool);

	cr_assert_eq(n_sent, 4);
	for (unsigned i = 0; i < 4; i++) {
		struct sent *s = &sent[i];
		if (s->pc == (uintptr_t)FAKE_PC(3)) {
			cr_assert_null(s->src, "a copy goes out without a buffer to reference");
			cr_assert_neq(s->data, copy, "it was copied");
			cr_assert_eq(s->last, 0x5a, "the patched bytes");
		} else {
			cr_assert_eq(s->src, b, "pc %u: the received buffer itself", (unsigned)s->pc);
			cr_assert_eq(s->data, b->data, "pc %u: the bytes where they are",
				     (unsigned)s->pc);
			cr_assert_eq(s->last, 0);
		}
	}
	lumen_pktbuf_pool_stats(rx, &st);
	cr_assert_eq(st.in_use, 0, "every record let the buffer go");
	lumen_pktbuf_pool_free(rx);
}

Test(txworker, rejects_bad_arguments)
{
	struct lumen_txw_pool *pool = pool_new(1, 8, record_send);
	uint8_t pkt[40];
	char long_mid[64];

	packet(pkt, 1);
	memset(long_mid, 'm', sizeof(long_mid) - 1);
	long_mid[sizeof(long_mid) - 1] = '\0';
	cr_assert_eq(lumen_txw_send(pool, 1, FAKE_PC(0), "0", NULL, pkt, sizeof(pkt), NULL), -EINVAL);
	cr_assert_eq(lumen_txw_send(pool, 0, FAKE_PC(0), long_mid, NULL, pkt, sizeof(pkt), NULL),
		     -EINVAL);
	cr_assert_eq(lumen_txw_send(pool, 0, NULL, "0", NULL, pkt, sizeof(pkt), NULL), -EINVAL);
	lumen_txw_pool_free(pool);
}

/* ---- real pcs: lifetime ---- */

/* A server pc (pc_pair.h) with no callbacks, never connected. */
static struct lumen_pc *real_pc(void)
{
	struct lumen_pc_config cfg = pc_pair_config(true, 0);
	struct lumen_pc_callbacks cb = { 0 };
	char *err = NULL;
	struct lumen_pc *pc = lumen_pc_new(NULL, &cfg, &cb, &err);

	cr_assert_not_null(pc, "%s", err ? err : "");
	return pc;
}

/* Under ASan this is the use-after-free test: the worker touches the pc (its transmit lock)
 * after lumen_pc_free, which must find it closed and still allocated. */
Test(txworker, a_pc_freed_with_a_queued_handoff_is_skipped_not_touched, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct lumen_txw_pool *pool = pool_new(1, 8, NULL);
	struct lumen_pc *a = real_pc(), *b = real_pc();
	struct lumen_txw_stats st;
	struct gate g;
	uint8_t pkt[40];

	lumen_txw_adopt(pool, 0, a);
	lumen_txw_adopt(pool, 0, b);
	gate_close(&g, pool, 0);
	for (uint16_t seq = 0; seq < 3; seq++) {
		packet(pkt, seq);
		lumen_txw_begin(pool, pkt, sizeof(pkt), NULL, NULL);
		cr_assert_eq(lumen_txw_send(pool, 0, a, "0", NULL, pkt, sizeof(pkt), NULL), 0);
		cr_assert_eq(lumen_txw_send(pool, 0, b, "0", NULL, pkt, sizeof(pkt), NULL), 0);
		lumen_txw_end(pool);
	}
	/* a goes away on the control thread while three records name it. */
	lumen_pc_free(a);
	lumen_txw_retire(pool, 0, a);
	gate_open(&g);
	struct want_handoffs w = { pool, 0, 3 };
	cr_assert(wait_for(handoffs_reached, &w));
	lumen_txw_get_stats(pool, 0, &st);
	/* Neither pc is up: every send is refused (-EAGAIN), none crashes. */
	cr_assert_eq(st.failed, 6);
	cr_assert_eq(st.packets, 0);
	lumen_txw_retire(pool, 0, b);
	lumen_pc_free(b); /* after the retire: the last of the two frees the memory */
	lumen_txw_pool_free(pool);
	gate_fini(&g);
}

Test(txworker, hold_and_release_keep_the_memory_until_the_last_one, .init = pc_pair_setup,
     .fini = pc_pair_teardown)
{
	struct lumen_pc *pc = real_pc();
	uint8_t pkt[40];

	packet(pkt, 1);
	lumen_pc_hold(pc);
	lumen_pc_free(pc);
	/* closed, not freed: a late send is refused */
	cr_assert_eq(lumen_pc_send_rtp(pc, "0", pkt, sizeof(pkt), NULL), -EAGAIN);
	lumen_pc_release(pc); /* LeakSanitizer fails the test if this did not free it */
}

/* ---- two real pcs over loopback: the server's video goes out through a worker ---- */

static bool got_all(void *a)
{
	struct pc_peer *p = a;
	for (unsigned s = 1; s <= 200; s++)
		if (!p->seen[s] && s != 50 && s != 120)
			return false;
	return true;
}

static bool nacked(void *a)
{
	struct lumen_pc_stats st;

	lumen_pc_get_stats(a, &st);
	g_free(st.selected_pair);
	return st.nacks_received > 0;
}

static int video_packet(uint8_t *pkt, size_t cap, uint16_t seq)
{
	memset(pkt, 0, cap);
	pkt[0] = 0x80;
	pkt[1] = 96;
	pkt[2] = (uint8_t)(seq >> 8);
	pkt[3] = (uint8_t)seq;
	pkt[7] = (uint8_t)seq; /* timestamp */
	pkt[8] = 0x00, pkt[9] = 0x00, pkt[10] = 0x0d, pkt[11] = 0x05; /* SSRC 3333 */
	pkt[12] = 0x10; /* VP8 descriptor: start of partition */
	return 120;
}

/* The worker encrypts and sends with the pc's outbound SRTP and fills its NACK cache while the
 * control thread answers the client's NACKs from that cache, sends receiver reports and reads
 * stats: the transmit lock's whole contract, under ASan (and TSan when built with it). */
Test(txworker, a_worker_sends_real_srtp_and_the_control_thread_answers_nacks_from_its_cache,
     .init = pc_pair_setup, .fini = pc_pair_teardown)
{
	struct lumen_txw_pool *pool = pool_new(1, 64, NULL);
	struct pc_peer p[2]; /* server, client */
	struct lumen_pc_stats st;
	/* The answer names the SSRC the worker sends with (3333). */
	char *answer = g_strconcat(pc_pair_video_answer, "a=ssrc:3333 cname:server\r\n", NULL);
	uint8_t pkt[200];

	pc_peer_init(&p[0], "server", true, 0);
	pc_peer_init(&p[1], "client", false, 0);
	p[0].echo = false;
	pc_pair_negotiate(p, pc_pair_video_offer, answer, NULL, NULL);
	g_free(answer);
	cr_assert(p[0].up && p[1].up);

	lumen_txw_adopt(pool, 0, p[0].pc);
	for (uint16_t seq = 1; seq <= 200; seq++) {
		size_t n = (size_t)video_packet(pkt, sizeof(pkt), seq);
		/* 50 and 120 are never sent: the client NACKs them, and the control thread looks
		 * them up in the cache the worker fills (a miss, but under the same lock). */
		if (seq == 50 || seq == 120)
			continue;
		lumen_txw_begin(pool, pkt, n, NULL, NULL);
		while (lumen_txw_send(pool, 0, p[0].pc, "v", NULL, pkt, n, NULL) == -ENOBUFS)
			g_main_context_iteration(NULL, FALSE);
		lumen_txw_end(pool);
		if (seq % 10 == 0) {
			lumen_pc_get_stats(p[0].pc, &st); /* a stats read racing the worker */
			g_free(st.selected_pair);
		}
		g_main_context_iteration(NULL, FALSE);
	}
	pc_pair_pump(got_all, &p[1], 10000);
	cr_assert(got_all(&p[1]), "the client got packets 1..200 but two (%d received)", p[1].rtp_rx);
	pc_pair_pump(nacked, p[0].pc, 10000);
	lumen_pc_get_stats(p[0].pc, &st);
	g_free(st.selected_pair);
	cr_assert_eq(st.rtp_out, 198, "sent by the worker, counted in the pc's stats");
	cr_assert_gt(st.nacks_received, 0, "the client's NACKs for the holes were handled");
	/* The pc is freed on the control thread while the worker may still hold records for it. */
	for (uint16_t seq = 201; seq <= 220; seq++) {
		size_t n = (size_t)video_packet(pkt, sizeof(pkt), seq);
		lumen_txw_send(pool, 0, p[0].pc, "v", NULL, pkt, n, NULL);
	}
	lumen_pc_free(p[0].pc);
	lumen_txw_retire(pool, 0, p[0].pc);
	p[0].pc = NULL;
	pc_peer_fini(&p[1]);
	pc_peer_fini(&p[0]);
	lumen_txw_pool_free(pool);
}
