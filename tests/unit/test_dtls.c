/* test_dtls.c -- two DTLS engines back to back in one process, wired through their send
 * callbacks, with time driven by the test: mirrored SRTP keys for both profiles, loss and
 * retransmission, fingerprint rejection, application data, close_notify, refusal of a second
 * handshake and of garbage.
 *
 * OpenSSL 3.0 reads its DTLS retransmission timer from gettimeofday() (see dtls.h), so this
 * program provides gettimeofday(): a clock that moves only when a test advances it. Nothing
 * sleeps. One file (over 800 lines) on purpose: that clock replaces a libc symbol for the whole
 * program, and every test drives it through the same engine-pair harness above them; a second
 * program would carry a second copy of both. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <openssl/pem.h>

#include "webrtc/dtls.h"

static int64_t clock_offset_us;

/* OpenSSL's clock: frozen at the wall time of its first reading, then moved only by advance(),
 * so timer arithmetic is exact whatever the machine's load. Default visibility: the build hides
 * symbols, and libssl must bind to this one. */
__attribute__((visibility("default"))) int gettimeofday(struct timeval *restrict tv,
                                                        void *restrict tz)
{
	static int64_t base_us;
	int64_t us;

	(void)tz;
	if (base_us == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		base_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	}
	us = base_us + clock_offset_us;
	tv->tv_sec = (time_t)(us / 1000000);
	tv->tv_usec = (suseconds_t)(us % 1000000);
	return 0;
}

/* The test clock: now_us for the engines, and OpenSSL's clock moves with it. */
static int64_t now_us = 1000000;

static void advance(int64_t us)
{
	now_us += us;
	clock_offset_us += us;
}

struct peer {
	const char *name;
	struct lumen_dtls *d;
	GPtrArray *outbox; /* GBytes, datagrams waiting to be delivered */
	unsigned mtu;
	size_t sent;
	bool connected, closed;
	struct lumen_srtp_keys keys;
	GByteArray *received;
	size_t records;
	bool echo;                /* data callback sends the record back (re-entrant send) */
	bool shutdown_on_connect; /* connected callback shuts the engine down */
};

static void on_send(void *user, const uint8_t *buf, size_t len)
{
	struct peer *p = user;

	cr_assert_leq(len, p->mtu, "%s sent %zu bytes over MTU %u", p->name, len, p->mtu);
	g_ptr_array_add(p->outbox, g_bytes_new(buf, len));
	p->sent++;
}

static void on_connected(void *user, const struct lumen_srtp_keys *keys)
{
	struct peer *p = user;

	cr_assert(!p->connected, "connected twice");
	p->connected = true;
	p->keys = *keys;
	if (p->shutdown_on_connect)
		cr_assert_eq(lumen_dtls_shutdown(p->d), 0);
}

static void on_data(void *user, const uint8_t *buf, size_t len)
{
	struct peer *p = user;

	g_byte_array_append(p->received, buf, (guint)len);
	p->records++;
	if (p->echo)
		cr_assert_eq(lumen_dtls_send(p->d, buf, len), 0);
}

static void on_closed(void *user)
{
	((struct peer *)user)->closed = true;
}

static const struct lumen_dtls_callbacks callbacks = {on_send, on_connected, on_data, on_closed};

static struct lumen_cert *cert_c, *cert_s, *cert_other;
static struct lumen_dtls_ctx *ctx_c, *ctx_s;
static struct peer client = {.name = "client"}, server = {.name = "server"};

static void setup_certs(void)
{
	cert_c = lumen_cert_new();
	cert_s = lumen_cert_new();
	cert_other = lumen_cert_new();
	cr_assert(cert_c && cert_s && cert_other);
	ctx_c = lumen_dtls_ctx_new(cert_c);
	ctx_s = lumen_dtls_ctx_new(cert_s);
	cr_assert(ctx_c && ctx_s);
}

static void peer_clear(struct peer *p)
{
	lumen_dtls_free(p->d);
	if (p->outbox)
		g_ptr_array_free(p->outbox, TRUE);
	if (p->received)
		g_byte_array_free(p->received, TRUE);
	const char *name = p->name;
	memset(p, 0, sizeof(*p));
	p->name = name;
}

static void teardown(void)
{
	peer_clear(&client);
	peer_clear(&server);
	lumen_dtls_ctx_free(ctx_c);
	lumen_dtls_ctx_free(ctx_s);
	lumen_cert_free(cert_c);
	lumen_cert_free(cert_s);
	lumen_cert_free(cert_other);
}

static void make_peer(struct peer *p, struct lumen_dtls_ctx *ctx, enum lumen_dtls_role role,
                      const struct lumen_cert *remote, const enum lumen_srtp_profile *profiles,
                      size_t n, unsigned mtu)
{
	struct lumen_dtls_config cfg = {
	    .role = role,
	    .remote_fp_alg = "sha-256",
	    .remote_fp = lumen_cert_fingerprint(remote),
	    .mtu = mtu,
	    .profiles = profiles,
	    .n_profiles = n,
	};

	p->outbox = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	p->received = g_byte_array_new();
	p->mtu = mtu ? mtu : 1200;
	p->d = lumen_dtls_new(ctx, &cfg, &callbacks, p);
	cr_assert_not_null(p->d);
}

static void make_pair(const enum lumen_srtp_profile *cprof, size_t cn,
                      const enum lumen_srtp_profile *sprof, size_t sn, unsigned mtu)
{
	make_peer(&client, ctx_c, LUMEN_DTLS_CLIENT, cert_s, cprof, cn, mtu);
	make_peer(&server, ctx_s, LUMEN_DTLS_SERVER, cert_c, sprof, sn, mtu);
}

/* Deliver everything from->outbox to `to`; returns the last input result that was not 0. */
static int deliver(struct peer *from, struct peer *to)
{
	int last = 0;
	GPtrArray *box = from->outbox;

	from->outbox = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (guint i = 0; i < box->len; i++) {
		gsize len;
		const uint8_t *buf = g_bytes_get_data(box->pdata[i], &len);
		int rc = lumen_dtls_input(to->d, buf, len, now_us);

		if (rc != 0)
			last = rc;
	}
	g_ptr_array_free(box, TRUE);
	return last;
}

/* Exchange until both outboxes are empty (bounded). */
static void pump(void)
{
	for (int round = 0; round < 20; round++) {
		if (client.outbox->len == 0 && server.outbox->len == 0)
			return;
		deliver(&client, &server);
		deliver(&server, &client);
	}
	cr_assert_fail("handshake did not settle in 20 rounds");
}

static void expect_mirrored(enum lumen_srtp_profile want)
{
	cr_assert(client.connected && server.connected);
	cr_assert_eq(lumen_dtls_get_state(client.d), LUMEN_DTLS_CONNECTED);
	cr_assert_eq(lumen_dtls_get_state(server.d), LUMEN_DTLS_CONNECTED);
	cr_assert_eq(client.keys.profile, want);
	cr_assert_eq(server.keys.profile, want);
	cr_assert_eq(client.keys.len, lumen_srtp_master_len(want));
	cr_assert_eq(server.keys.len, client.keys.len);
	cr_assert_eq(memcmp(client.keys.local, server.keys.remote, client.keys.len), 0);
	cr_assert_eq(memcmp(client.keys.remote, server.keys.local, client.keys.len), 0);
	cr_assert_neq(memcmp(client.keys.local, client.keys.remote, client.keys.len), 0);
	cr_assert_eq(lumen_dtls_next_timeout_us(client.d), -1);
	cr_assert_eq(lumen_dtls_next_timeout_us(server.d), -1);
}

/* The exported keys work: client's outbound SRTP is unprotected by the server's inbound. */
static void expect_keys_usable(void)
{
	struct lumen_srtp *tx = lumen_srtp_new(client.keys.profile, LUMEN_SRTP_OUTBOUND,
	                                       client.keys.local, client.keys.len);
	struct lumen_srtp *rx = lumen_srtp_new(server.keys.profile, LUMEN_SRTP_INBOUND,
	                                       server.keys.remote, server.keys.len);
	uint8_t pkt[64] = {0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 'h', 'i'};
	size_t n = 14;

	cr_assert(tx && rx);
	cr_assert_eq(lumen_srtp_protect_rtp(tx, pkt, &n, sizeof(pkt)), 0);
	cr_assert_eq(lumen_srtp_unprotect_rtp(rx, pkt, &n), 0);
	cr_assert_eq(n, 14);
	lumen_srtp_free(tx);
	lumen_srtp_free(rx);
}

static void handshake(void)
{
	cr_assert_eq(lumen_dtls_start(server.d, now_us), 0);
	cr_assert_eq(lumen_dtls_start(client.d, now_us), 0);
	pump();
}

TestSuite(dtls, .init = setup_certs, .fini = teardown);

Test(dtls, back_to_back_engines_export_mirrored_gcm_keys)
{
	make_pair(NULL, 0, NULL, 0, 0);
	handshake();
	expect_mirrored(LUMEN_SRTP_AEAD_AES_128_GCM);
	expect_keys_usable();
}

Test(dtls, falls_back_to_aes_cm_when_the_server_accepts_only_that)
{
	static const enum lumen_srtp_profile cm[] = {LUMEN_SRTP_AES128_CM_SHA1_80};

	make_pair(NULL, 0, cm, 1, 0);
	handshake();
	expect_mirrored(LUMEN_SRTP_AES128_CM_SHA1_80);
	expect_keys_usable();
}

Test(dtls, falls_back_to_aes_cm_when_the_client_offers_only_that)
{
	static const enum lumen_srtp_profile cm[] = {LUMEN_SRTP_AES128_CM_SHA1_80};

	make_pair(cm, 1, NULL, 0, 0);
	handshake();
	expect_mirrored(LUMEN_SRTP_AES128_CM_SHA1_80);
	expect_keys_usable();
}

Test(dtls, server_preference_picks_gcm_over_the_clients_order)
{
	static const enum lumen_srtp_profile cm_first[] = {LUMEN_SRTP_AES128_CM_SHA1_80,
	                                                   LUMEN_SRTP_AEAD_AES_128_GCM};

	make_pair(cm_first, 2, NULL, 0, 0);
	handshake();
	expect_mirrored(LUMEN_SRTP_AEAD_AES_128_GCM);
}

Test(dtls, no_common_profile_fails_the_server)
{
	static const enum lumen_srtp_profile cm[] = {LUMEN_SRTP_AES128_CM_SHA1_80};
	static const enum lumen_srtp_profile gcm[] = {LUMEN_SRTP_AEAD_AES_128_GCM};

	make_pair(cm, 1, gcm, 1, 0);
	cr_assert_eq(lumen_dtls_start(client.d, now_us), 0);
	for (int i = 0; i < 6; i++) {
		deliver(&client, &server);
		deliver(&server, &client);
	}
	cr_expect(!server.connected);
	cr_expect(!client.connected);
	cr_expect(lumen_dtls_get_state(server.d) == LUMEN_DTLS_FAILED ||
	          lumen_dtls_get_state(client.d) == LUMEN_DTLS_FAILED);
	int err =
	    lumen_dtls_error(server.d) ? lumen_dtls_error(server.d) : lumen_dtls_error(client.d);
	cr_expect(err == -EPROTONOSUPPORT || err == -EPROTO || err == -ECONNRESET, "err %d", err);
}

Test(dtls, a_lost_first_flight_is_retransmitted_on_timeout)
{
	make_pair(NULL, 0, NULL, 0, 0);
	cr_assert_eq(lumen_dtls_start(server.d, now_us), 0);
	cr_assert_eq(lumen_dtls_start(client.d, now_us), 0);
	cr_assert_eq(client.outbox->len, 1, "ClientHello");
	g_ptr_array_set_size(client.outbox, 0); /* lost */

	int64_t due = lumen_dtls_next_timeout_us(client.d);
	cr_assert_eq(due, now_us + 400000, "due %lld now %lld", (long long)due, (long long)now_us);
	cr_assert_eq(lumen_dtls_next_timeout_us(server.d), -1, "a server waits without a timer");

	/* too early: nothing happens */
	advance(100000);
	cr_assert_eq(lumen_dtls_on_timeout(client.d, now_us), 0);
	cr_assert_eq(client.outbox->len, 0);

	advance(due - now_us);
	cr_assert_eq(lumen_dtls_on_timeout(client.d, now_us), 0);
	cr_assert_eq(client.outbox->len, 1, "ClientHello retransmitted");
	/* the next timer doubles */
	cr_expect_eq(lumen_dtls_next_timeout_us(client.d), now_us + 800000);
	pump();
	expect_mirrored(LUMEN_SRTP_AEAD_AES_128_GCM);
}

Test(dtls, a_lost_server_flight_is_recovered_by_the_client_timer)
{
	make_pair(NULL, 0, NULL, 0, 0);
	cr_assert_eq(lumen_dtls_start(server.d, now_us), 0);
	cr_assert_eq(lumen_dtls_start(client.d, now_us), 0);
	deliver(&client, &server);
	cr_assert_gt(server.outbox->len, 0);
	g_ptr_array_set_size(server.outbox, 0); /* ServerHello..ServerHelloDone lost */

	for (int i = 0; i < 5 && !client.connected; i++) {
		advance(lumen_dtls_next_timeout_us(client.d) - now_us);
		cr_assert_eq(lumen_dtls_on_timeout(client.d, now_us), 0);
		pump();
	}
	expect_mirrored(LUMEN_SRTP_AEAD_AES_128_GCM);
}

Test(dtls, gives_up_with_etimedout_when_the_peer_never_answers)
{
	int rc = 0, i;

	make_pair(NULL, 0, NULL, 0, 0);
	cr_assert_eq(lumen_dtls_start(client.d, now_us), 0);
	for (i = 0; i < 30 && rc == 0; i++) {
		int64_t due = lumen_dtls_next_timeout_us(client.d);

		cr_assert_gt(due, 0);
		cr_assert_leq(due - now_us, 6400000, "backoff capped");
		advance(due - now_us);
		rc = lumen_dtls_on_timeout(client.d, now_us);
	}
	cr_expect_eq(rc, -ETIMEDOUT);
	cr_expect_eq(lumen_dtls_get_state(client.d), LUMEN_DTLS_FAILED);
	cr_expect_eq(lumen_dtls_error(client.d), -ETIMEDOUT);
	cr_expect_eq(lumen_dtls_next_timeout_us(client.d), -1);
	cr_expect_gt(client.sent, 5, "retransmitted several times first");
}

Test(dtls, server_rejects_a_client_certificate_with_the_wrong_fingerprint)
{
	make_peer(&client, ctx_c, LUMEN_DTLS_CLIENT, cert_s, NULL, 0, 0);
	make_peer(&server, ctx_s, LUMEN_DTLS_SERVER, cert_other, NULL, 0, 0);
	cr_assert_eq(lumen_dtls_start(client.d, now_us), 0);
	deliver(&client, &server);
	deliver(&server, &client);
	cr_assert_eq(deliver(&client, &server), -EKEYREJECTED);
	cr_expect_eq(lumen_dtls_get_state(server.d), LUMEN_DTLS_FAILED);
	cr_expect_eq(lumen_dtls_error(server.d), -EKEYREJECTED);
	cr_expect(!server.connected);
	/* the alert reaches the client, which fails too */
	cr_expect_eq(deliver(&server, &client), -ECONNRESET);
	cr_expect(!client.connected);
	/* a failed engine keeps answering with its error */
	uint8_t rec[16] = {22, 0xfe, 0xfd};
	cr_expect_eq(lumen_dtls_input(server.d, rec, sizeof(rec), now_us), -EKEYREJECTED);
	cr_expect_eq(lumen_dtls_send(server.d, rec, 4), -EKEYREJECTED);
}

Test(dtls, client_rejects_a_server_certificate_with_the_wrong_fingerprint)
{
	make_peer(&client, ctx_c, LUMEN_DTLS_CLIENT, cert_other, NULL, 0, 0);
	make_peer(&server, ctx_s, LUMEN_DTLS_SERVER, cert_c, NULL, 0, 0);
	cr_assert_eq(lumen_dtls_start(client.d, now_us), 0);
	deliver(&client, &server);
	cr_assert_eq(deliver(&server, &client), -EKEYREJECTED);
	cr_expect_eq(lumen_dtls_error(client.d), -EKEYREJECTED);
	cr_expect(!client.connected);
	cr_expect_eq(deliver(&client, &server), -ECONNRESET);
	cr_expect(!server.connected);
}

Test(dtls, a_missing_remote_fingerprint_rejects_the_peer)
{
	struct lumen_dtls_config cfg = {.role = LUMEN_DTLS_SERVER};

	make_peer(&client, ctx_c, LUMEN_DTLS_CLIENT, cert_s, NULL, 0, 0);
	server.outbox = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	server.received = g_byte_array_new();
	server.mtu = 1200;
	server.d = lumen_dtls_new(ctx_s, &cfg, &callbacks, &server);
	cr_assert_not_null(server.d);
	cr_assert_eq(lumen_dtls_start(client.d, now_us), 0);
	deliver(&client, &server);
	deliver(&server, &client);
	cr_expect_eq(deliver(&client, &server), -EKEYREJECTED);
}

Test(dtls, a_fingerprint_set_after_creation_is_used)
{
	struct lumen_dtls_config cfg = {.role = LUMEN_DTLS_SERVER};

	make_peer(&client, ctx_c, LUMEN_DTLS_CLIENT, cert_s, NULL, 0, 0);
	server.outbox = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	server.received = g_byte_array_new();
	server.mtu = 1200;
	server.d = lumen_dtls_new(ctx_s, &cfg, &callbacks, &server);
	cr_assert_eq(lumen_dtls_set_remote_fingerprint(server.d, "sha-256", "zz"), -EINVAL);
	cr_assert_eq(
	    lumen_dtls_set_remote_fingerprint(server.d, "md5", lumen_cert_fingerprint(cert_c)),
	    -EINVAL);
	cr_assert_eq(
	    lumen_dtls_set_remote_fingerprint(server.d, "SHA-256", lumen_cert_fingerprint(cert_c)),
	    0);
	handshake();
	expect_mirrored(LUMEN_SRTP_AEAD_AES_128_GCM);
}

Test(dtls, application_data_flows_both_ways_after_the_handshake)
{
	uint8_t big[9000];

	make_pair(NULL, 0, NULL, 0, 0);
	cr_assert_eq(lumen_dtls_send(client.d, (const uint8_t *)"early", 5), -ENOTCONN);
	handshake();
	cr_assert_eq(lumen_dtls_send(client.d, (const uint8_t *)"ping", 4), 0);
	cr_assert_eq(lumen_dtls_send(server.d, (const uint8_t *)"pong!", 5), 0);
	pump();
	cr_assert_eq(server.records, 1);
	cr_assert_eq(server.received->len, 4);
	cr_assert_eq(memcmp(server.received->data, "ping", 4), 0);
	cr_assert_eq(client.records, 1);
	cr_assert_eq(memcmp(client.received->data, "pong!", 5), 0);

	/* a record larger than the MTU is still one record (IP fragments it) */
	client.mtu = 16384 + 64;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31);
	cr_assert_eq(lumen_dtls_send(client.d, big, sizeof(big)), 0);
	pump();
	cr_assert_eq(server.records, 2);
	cr_assert_eq(memcmp(server.received->data + 4, big, sizeof(big)), 0);
	cr_expect_eq(lumen_dtls_send(client.d, big, 0), -EMSGSIZE);
}

Test(dtls, small_mtu_fragments_the_handshake_within_the_limit)
{
	make_pair(NULL, 0, NULL, 0, 300);
	handshake();
	expect_mirrored(LUMEN_SRTP_AEAD_AES_128_GCM);
	cr_expect_gt(server.sent, 2);
}

Test(dtls, close_notify_closes_the_peer)
{
	make_pair(NULL, 0, NULL, 0, 0);
	handshake();
	cr_assert_eq(lumen_dtls_shutdown(client.d), 0);
	cr_assert_eq(lumen_dtls_get_state(client.d), LUMEN_DTLS_CLOSED);
	cr_assert_eq(client.outbox->len, 1, "close_notify");
	deliver(&client, &server);
	cr_expect(server.closed);
	cr_expect_eq(lumen_dtls_get_state(server.d), LUMEN_DTLS_CLOSED);
	cr_expect_eq(lumen_dtls_send(server.d, (const uint8_t *)"x", 1), -ESHUTDOWN);
	cr_expect_eq(lumen_dtls_send(client.d, (const uint8_t *)"x", 1), -ESHUTDOWN);
	uint8_t rec[16] = {23, 0xfe, 0xfd};
	cr_expect_eq(lumen_dtls_input(client.d, rec, sizeof(rec), now_us), -ESHUTDOWN);
}

Test(dtls, a_second_handshake_is_refused_and_the_session_survives)
{
	GBytes *hello;
	gsize len;

	make_pair(NULL, 0, NULL, 0, 0);
	cr_assert_eq(lumen_dtls_start(server.d, now_us), 0);
	cr_assert_eq(lumen_dtls_start(client.d, now_us), 0);
	cr_assert_eq(lumen_dtls_start(client.d, now_us), -EALREADY);
	hello = g_bytes_ref(client.outbox->pdata[0]);
	pump();
	expect_mirrored(LUMEN_SRTP_AEAD_AES_128_GCM);

	const uint8_t *buf = g_bytes_get_data(hello, &len);
	cr_expect_eq(lumen_dtls_input(server.d, buf, len, now_us), -EISCONN);
	cr_expect_eq(server.outbox->len, 0);

	/* a whole new client against the connected server gets nowhere either */
	struct peer intruder = {.name = "intruder"};
	make_peer(&intruder, ctx_c, LUMEN_DTLS_CLIENT, cert_s, NULL, 0, 0);
	cr_assert_eq(lumen_dtls_start(intruder.d, now_us), 0);
	cr_expect_eq(deliver(&intruder, &server), -EISCONN);
	cr_expect_eq(server.outbox->len, 0);
	peer_clear(&intruder);

	cr_expect_eq(lumen_dtls_get_state(server.d), LUMEN_DTLS_CONNECTED);
	cr_assert_eq(lumen_dtls_send(client.d, (const uint8_t *)"still", 5), 0);
	pump();
	cr_expect_eq(server.records, 1);
	g_bytes_unref(hello);
}

/* Hands from's datagrams to `to` with lumen_dtls_answer_early; returns the last result not 0. */
static int deliver_early(struct peer *from, struct peer *to)
{
	int last = 0;

	for (guint i = 0; i < from->outbox->len; i++) {
		gsize len;
		const uint8_t *buf = g_bytes_get_data(from->outbox->pdata[i], &len);
		int rc = lumen_dtls_answer_early(to->d, buf, len, now_us);

		if (rc != 0)
			last = rc;
	}
	g_ptr_array_set_size(from->outbox, 0);
	return last;
}

Test(dtls, an_early_hello_is_answered_but_the_answer_leaves_only_at_start)
{
	make_pair(NULL, 0, NULL, 0, 0);
	cr_assert_eq(lumen_dtls_start(client.d, now_us), 0);
	cr_assert_eq(deliver_early(&client, &server), 0);
	cr_expect_eq(server.sent, 0, "nothing sent before start");
	cr_expect_eq(lumen_dtls_get_state(server.d), LUMEN_DTLS_HANDSHAKING);
	cr_assert_eq(lumen_dtls_start(server.d, now_us), 0);
	cr_expect_gt(server.sent, 0, "the held flight went out at start");
	pump();
	expect_mirrored(LUMEN_SRTP_AEAD_AES_128_GCM);
	cr_expect_eq(lumen_dtls_start(server.d, now_us), -EALREADY);
}

Test(dtls, answer_early_is_for_servers_not_started_yet)
{
	uint8_t rec[16] = {22, 0xfe, 0xfd};

	make_pair(NULL, 0, NULL, 0, 0);
	cr_expect_eq(lumen_dtls_answer_early(client.d, rec, sizeof(rec), now_us), -EALREADY);
	cr_assert_eq(lumen_dtls_start(server.d, now_us), 0);
	cr_expect_eq(lumen_dtls_answer_early(server.d, rec, sizeof(rec), now_us), -EALREADY);
}

Test(dtls, garbage_records_are_dropped_without_harm)
{
	uint8_t junk[200];

	make_pair(NULL, 0, NULL, 0, 0);
	handshake();
	for (int i = 0; i < 50; i++) {
		for (size_t j = 0; j < sizeof(junk); j++)
			junk[j] = (uint8_t)g_random_int();
		junk[0] = (uint8_t)(20 + i % 4);
		junk[1] = 0xfe;
		junk[2] = 0xfd;
		size_t n = 13 + (size_t)g_random_int_range(0, (int)sizeof(junk) - 13);
		int rc = lumen_dtls_input(server.d, junk, n, now_us);
		cr_assert(rc == 0 || rc == -EISCONN, "rc %d", rc);
		cr_assert_eq(lumen_dtls_get_state(server.d), LUMEN_DTLS_CONNECTED);
	}
	cr_expect_eq(lumen_dtls_input(server.d, junk, 5, now_us), -EINVAL);
	junk[0] = 0x80;
	cr_expect_eq(lumen_dtls_input(server.d, junk, 40, now_us), -EINVAL);
	cr_assert_eq(lumen_dtls_send(client.d, (const uint8_t *)"ok", 2), 0);
	pump();
	cr_expect_eq(server.records, 1);
}

Test(dtls, garbage_before_the_handshake_fails_only_that_engine)
{
	uint8_t junk[64];

	make_pair(NULL, 0, NULL, 0, 0);
	cr_assert_eq(lumen_dtls_start(server.d, now_us), 0);
	memset(junk, 0x41, sizeof(junk));
	junk[0] = 22;
	junk[1] = 0xfe;
	junk[2] = 0xfd;
	int rc = lumen_dtls_input(server.d, junk, sizeof(junk), now_us);
	cr_expect(rc == 0 || rc == -EPROTO, "rc %d", rc);
}

Test(dtls, new_refuses_invalid_configurations)
{
	static const enum lumen_srtp_profile bad[] = {(enum lumen_srtp_profile)5};
	struct lumen_dtls_config cfg = {.role = LUMEN_DTLS_CLIENT};
	struct lumen_dtls_callbacks nosend = {0};

	cr_expect_null(lumen_dtls_new(ctx_c, &cfg, &nosend, NULL));
	cfg.mtu = 100;
	cr_expect_null(lumen_dtls_new(ctx_c, &cfg, &callbacks, &client));
	cfg.mtu = 0;
	cfg.profiles = bad;
	cfg.n_profiles = 1;
	cr_expect_null(lumen_dtls_new(ctx_c, &cfg, &callbacks, &client));
	cfg.profiles = NULL;
	cfg.remote_fp_alg = "sha-256";
	cfg.remote_fp = "not hex";
	cr_expect_null(lumen_dtls_new(ctx_c, &cfg, &callbacks, &client));
	lumen_dtls_free(NULL);
	lumen_dtls_ctx_free(NULL);
}

Test(dtls, callbacks_may_send_from_the_data_callback)
{
	make_pair(NULL, 0, NULL, 0, 0);
	handshake();
	server.echo = true;
	for (int i = 0; i < 3; i++)
		cr_assert_eq(lumen_dtls_send(client.d, (const uint8_t *)"abc", 3), 0);
	pump();
	cr_expect_eq(server.records, 3);
	cr_expect_eq(client.records, 3);
	cr_expect_eq(memcmp(client.received->data, "abcabcabc", 9), 0);
}

Test(dtls, callbacks_may_shut_down_from_the_connected_callback)
{
	make_pair(NULL, 0, NULL, 0, 0);
	server.shutdown_on_connect = true;
	handshake();
	cr_expect(server.connected);
	cr_expect_eq(lumen_dtls_get_state(server.d), LUMEN_DTLS_CLOSED);
	cr_expect(client.closed, "the client saw close_notify");
	cr_expect_eq(lumen_dtls_get_state(client.d), LUMEN_DTLS_CLOSED);
}

/* ---- interoperability: our client against `openssl s_server` over UDP on 127.0.0.1 ----
 * An independent oracle for the RFC 5764 key split: s_server prints the exported keying
 * material (client key | server key | client salt | server salt), which must match the keys
 * our engine reports. Real time and a real socket here; every wait is bounded. */

static int udp_sock = -1;

static void on_send_udp(void *user, const uint8_t *buf, size_t len)
{
	struct peer *p = user;

	cr_assert_leq(len, p->mtu);
	cr_assert_eq(send(udp_sock, buf, len, 0), (ssize_t)len);
	p->sent++;
}

static int free_udp_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_DGRAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

/* Append what the child printed within timeout_ms to out; true once needle is in out. */
static bool wait_output(int fd, GString *out, const char *needle, int timeout_ms)
{
	int64_t end = g_get_monotonic_time() + timeout_ms * 1000;

	while (!strstr(out->str, needle)) {
		int64_t left = (end - g_get_monotonic_time()) / 1000;
		struct pollfd p = {fd, POLLIN, 0};
		char buf[4096];
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return false;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return false;
		g_string_append_len(out, buf, n);
	}
	return true;
}

static void hex_decode(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		cr_assert_eq(sscanf(hex + 2 * i, "%2X", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void interop_case(enum lumen_srtp_profile profile, const char *dir)
{
	static const struct lumen_dtls_callbacks udp_cb = {on_send_udp, on_connected, on_data,
	                                                   on_closed};
	char port[16], cert[256], key[256], mlen[8];
	size_t len = lumen_srtp_master_len(profile);
	struct sockaddr_in a = {.sin_family = AF_INET};
	GString *out = g_string_new(NULL);
	uint8_t m[2 * LUMEN_SRTP_MASTER_MAX];
	int in_fd, out_fd, p = free_udp_port();
	GPid pid;

	snprintf(port, sizeof(port), "127.0.0.1:%d", p);
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(mlen, sizeof(mlen), "%zu", 2 * len);
	char *argv[] = {"openssl",
	                "s_server",
	                "-dtls1_2",
	                "-accept",
	                port,
	                "-cert",
	                cert,
	                "-key",
	                key,
	                "-use_srtp",
	                (char *)lumen_srtp_profile_name(profile),
	                "-keymatexport",
	                "EXTRACTOR-dtls_srtp",
	                "-keymatexportlen",
	                mlen,
	                "-verify",
	                "1",
	                "-naccept",
	                "1",
	                NULL};
	cr_assert(g_spawn_async_with_pipes(NULL, argv, NULL,
	                                   G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
	                                       G_SPAWN_STDERR_TO_DEV_NULL,
	                                   NULL, NULL, &pid, &in_fd, &out_fd, NULL, NULL));
	cr_assert(wait_output(out_fd, out, "ACCEPT", 5000), "s_server did not start: %s", out->str);

	udp_sock = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = htons((uint16_t)p);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(udp_sock, (struct sockaddr *)&a, sizeof(a)), 0);
	struct lumen_dtls_config cfg = {.role = LUMEN_DTLS_CLIENT,
	                                .remote_fp_alg = "sha-256",
	                                .remote_fp = lumen_cert_fingerprint(cert_s)};
	client.outbox = g_ptr_array_new();
	client.received = g_byte_array_new();
	client.mtu = 1200;
	client.d = lumen_dtls_new(ctx_c, &cfg, &udp_cb, &client);
	cr_assert_eq(lumen_dtls_start(client.d, g_get_monotonic_time()), 0);
	for (int i = 0; i < 200 && !client.connected; i++) {
		struct pollfd pf = {udp_sock, POLLIN, 0};
		uint8_t buf[2048];

		if (poll(&pf, 1, 200) > 0) {
			ssize_t n = recv(udp_sock, buf, sizeof(buf), 0);
			cr_assert_gt(n, 0);
			cr_assert_eq(
			    lumen_dtls_input(client.d, buf, (size_t)n, g_get_monotonic_time()), 0);
		} else {
			cr_assert_eq(lumen_dtls_on_timeout(client.d, g_get_monotonic_time()), 0);
		}
	}
	cr_assert(client.connected, "no handshake with s_server");
	cr_assert_eq(client.keys.profile, profile);
	cr_assert_eq(lumen_dtls_send(client.d, (const uint8_t *)"lumen-interop\n", 14), 0);
	cr_assert(wait_output(out_fd, out, "lumen-interop", 5000), "%s", out->str);

	const char *km = strstr(out->str, "Keying material: ");
	cr_assert_not_null(km, "%s", out->str);
	hex_decode(km + strlen("Keying material: "), m, 2 * len);
	size_t salt = len - 16;
	cr_expect_eq(memcmp(client.keys.local, m, 16), 0, "client key");
	cr_expect_eq(memcmp(client.keys.local + 16, m + 32, salt), 0, "client salt");
	cr_expect_eq(memcmp(client.keys.remote, m + 16, 16), 0, "server key");
	cr_expect_eq(memcmp(client.keys.remote + 16, m + 32 + salt, salt), 0, "server salt");

	lumen_dtls_shutdown(client.d);
	close(in_fd); /* s_server ends on stdin EOF */
	close(out_fd);
	close(udp_sock);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	g_spawn_close_pid(pid);
	g_string_free(out, TRUE);
	peer_clear(&client);
}

Test(dtls, keys_match_what_openssl_s_server_exports_for_both_profiles, .timeout = 60)
{
	char dir[] = "/tmp/test_dtls.XXXXXX", path[256];
	char *openssl = g_find_program_in_path("openssl");
	FILE *f;

	if (!openssl)
		cr_skip_test("the openssl command is not installed");
	g_free(openssl);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cert.pem", dir);
	f = fopen(path, "w");
	PEM_write_X509(f, lumen_cert_x509(cert_s));
	fclose(f);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	f = fopen(path, "w");
	PEM_write_PrivateKey(f, lumen_cert_key(cert_s), NULL, NULL, 0, NULL, NULL);
	fclose(f);

	interop_case(LUMEN_SRTP_AEAD_AES_128_GCM, dir);
	interop_case(LUMEN_SRTP_AES128_CM_SHA1_80, dir);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	cr_expect_eq(system(path), 0);
}
