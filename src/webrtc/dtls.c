/* dtls.c -- DTLS 1.2 engine over OpenSSL: handshake, fingerprint check, SRTP key export, app data.
 *
 * OpenSSL reads from a memory BIO we fill with one datagram per lumen_dtls_input(). It writes
 * into a sink BIO of our own: OpenSSL packs records into a datagram as long as BIO_wpending()
 * says they fit the MTU and calls BIO_flush() at each datagram boundary, which a plain memory
 * BIO would lose. The sink queues the datagrams in one growing buffer (no malloc per packet
 * once warm) and we hand them to the send callback after OpenSSL returns, so a callback never
 * runs inside OpenSSL. No logging: every outcome is a return code. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "webrtc/dtls.h"

#define DEFAULT_MTU        1200
#define MIN_MTU            256
#define INITIAL_TIMEOUT_US 400000u
#define MAX_TIMEOUT_US     6400000u
#define MAX_RECORD         16384
#define SRTP_EXPORTER      "EXTRACTOR-dtls_srtp"

struct lumen_dtls_ctx {
	SSL_CTX *ssl_ctx;
};

/* Datagrams produced by OpenSSL: [u32 length][bytes]... in buf[0..len); the one being written
 * starts at open_at (or is none when open_at == SIZE_MAX). */
struct outq {
	uint8_t *buf;
	size_t len, cap;
	size_t open_at;
};

struct lumen_dtls {
	SSL *ssl;
	BIO *rbio; /* owned by ssl */
	struct lumen_dtls_callbacks cb;
	void *user;
	enum lumen_dtls_role role;
	enum lumen_dtls_state state;
	int error;
	int64_t next_timeout_us;
	unsigned mtu;
	char *fp_alg, *fp;
	bool fp_mismatch; /* the verify callback saw a certificate not matching fp */
	bool peer_fatal;  /* the peer sent a fatal alert */
	bool draining;
	bool held; /* answered early: datagrams stay queued until lumen_dtls_start */
	struct outq out;
	uint8_t rbuf[MAX_RECORD];
};

static BIO_METHOD *sink_method;

/* ---- sink BIO ---- */

static void outq_reserve(struct outq *q, size_t more)
{
	if (q->cap - q->len >= more)
		return;
	q->cap = MAX(q->cap * 2, q->len + more + 2048);
	q->buf = g_realloc(q->buf, q->cap);
}

static int sink_write(BIO *b, const char *data, int n)
{
	struct lumen_dtls *d = BIO_get_data(b);
	struct outq *q = &d->out;

	if (n <= 0)
		return 0;
	if (q->open_at == SIZE_MAX) {
		outq_reserve(q, 4);
		q->open_at = q->len;
		q->len += 4;
	}
	outq_reserve(q, (size_t)n);
	memcpy(q->buf + q->len, data, (size_t)n);
	q->len += (size_t)n;
	return n;
}

static void outq_close(struct outq *q)
{
	uint32_t n;

	if (q->open_at == SIZE_MAX)
		return;
	n = (uint32_t)(q->len - q->open_at - 4);
	memcpy(q->buf + q->open_at, &n, 4);
	q->open_at = SIZE_MAX;
}

static long sink_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct lumen_dtls *d = BIO_get_data(b);

	switch (cmd) {
	case BIO_CTRL_FLUSH:
		outq_close(&d->out);
		return 1;
	case BIO_CTRL_WPENDING:
		return d->out.open_at == SIZE_MAX ? 0 : (long)(d->out.len - d->out.open_at - 4);
	case BIO_CTRL_PENDING:
		return 0;
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
		return (long)d->mtu;
	default:
		return 0;
	}
}

static int sink_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static void sink_method_init(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		BIO_METHOD *m =
		    BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "lumen-dtls-sink");
		if (m) {
			BIO_meth_set_write(m, sink_write);
			BIO_meth_set_ctrl(m, sink_ctrl);
			BIO_meth_set_create(m, sink_create);
		}
		sink_method = m;
		g_once_init_leave(&once, 1);
	}
}

/* Hand every queued datagram to the send callback, outside OpenSSL. */
static void drain(struct lumen_dtls *d)
{
	size_t off = 0;

	if (d->draining || d->held)
		return;
	d->draining = true;
	outq_close(&d->out);
	while (off < d->out.len) {
		uint32_t n;

		memcpy(&n, d->out.buf + off, 4);
		off += 4;
		/* re-read buf each time: a callback may queue more through lumen_dtls_send() */
		d->cb.send(d->user, d->out.buf + off, n);
		off += n;
		outq_close(&d->out);
	}
	d->out.len = 0;
	d->draining = false;
}

/* ---- context ---- */

static int cert_verify_cb(X509_STORE_CTX *store, void *arg);

struct lumen_dtls_ctx *lumen_dtls_ctx_new(const struct lumen_cert *cert)
{
	struct lumen_dtls_ctx *c = g_new0(struct lumen_dtls_ctx, 1);
	SSL_CTX *s;

	sink_method_init();
	if (!sink_method)
		goto fail;
	s = c->ssl_ctx = SSL_CTX_new(DTLS_method());
	if (!s)
		goto fail;
	if (!SSL_CTX_set_min_proto_version(s, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(s, DTLS1_2_VERSION))
		goto fail;
	if (SSL_CTX_use_certificate(s, lumen_cert_x509(cert)) != 1 ||
	    SSL_CTX_use_PrivateKey(s, lumen_cert_key(cert)) != 1 ||
	    SSL_CTX_check_private_key(s) != 1)
		goto fail;
	/* ECDSA suites for our certificate, RSA ones for peers (webrtcbin) that serve RSA. */
	if (SSL_CTX_set_cipher_list(s,
	                            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
	                            "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
	                            "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"
	                            "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA") != 1)
		goto fail;
	if (SSL_CTX_set1_groups_list(s, "X25519:P-256:P-384") != 1)
		goto fail;
	SSL_CTX_set_options(s, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
	                           SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_cert_verify_callback(s, cert_verify_cb, NULL);
	return c;
fail:
	ERR_clear_error();
	lumen_dtls_ctx_free(c);
	return NULL;
}

void lumen_dtls_ctx_free(struct lumen_dtls_ctx *c)
{
	if (!c)
		return;
	SSL_CTX_free(c->ssl_ctx);
	g_free(c);
}

/* ---- callbacks from OpenSSL ---- */

/* The peer's certificate is trusted iff its digest is the a=fingerprint of its SDP: no chain,
 * no CA, no validity dates. So this replaces OpenSSL's whole chain verification
 * (X509_verify_cert: a chain built against an empty store, purpose and extension checks, the
 * verify callback per error: 2.5 % of a handshake's CPU in perf) with the one check that
 * decides. tests/perf/perf_dtls measures the handshake. */
static int cert_verify_cb(X509_STORE_CTX *store, void *arg)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct lumen_dtls *d = ssl ? SSL_get_app_data(ssl) : NULL;
	X509 *x = X509_STORE_CTX_get0_cert(store);

	(void)arg;
	if (!d)
		return 0;
	if (!x || !d->fp || lumen_cert_fingerprint_check(x, d->fp_alg, d->fp) != 0) {
		d->fp_mismatch = true;
		/* maps to a bad_certificate alert rather than OpenSSL's unknown_ca */
		X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	X509_STORE_CTX_set_error(store, X509_V_OK);
	return 1;
}

static unsigned int timer_cb(SSL *ssl, unsigned int prev_us)
{
	(void)ssl;
	if (prev_us == 0)
		return INITIAL_TIMEOUT_US;
	return prev_us >= MAX_TIMEOUT_US / 2 ? MAX_TIMEOUT_US : prev_us * 2;
}

static void info_cb(const SSL *ssl, int where, int ret)
{
	struct lumen_dtls *d = SSL_get_app_data(ssl);

	if (d && (where & SSL_CB_READ_ALERT) && (ret >> 8) == SSL3_AL_FATAL)
		d->peer_fatal = true;
}

/* ---- engine ---- */

static bool profile_known(enum lumen_srtp_profile p)
{
	return lumen_srtp_master_len(p) != 0;
}

static int set_profiles(struct lumen_dtls *d, const struct lumen_dtls_config *cfg)
{
	static const enum lumen_srtp_profile def[] = {LUMEN_SRTP_AEAD_AES_128_GCM,
	                                              LUMEN_SRTP_AES128_CM_SHA1_80};
	const enum lumen_srtp_profile *p = cfg->profiles ? cfg->profiles : def;
	size_t n = cfg->profiles ? cfg->n_profiles : G_N_ELEMENTS(def);
	GString *list = g_string_new(NULL);
	int rc = 0;

	if (n == 0)
		rc = -EINVAL;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!profile_known(p[i]))
			rc = -EINVAL;
		else
			g_string_append_printf(list, "%s%s", i ? ":" : "",
			                       lumen_srtp_profile_name(p[i]));
	}
	/* SSL_set_tlsext_use_srtp() returns 0 on success */
	if (rc == 0 && SSL_set_tlsext_use_srtp(d->ssl, list->str) != 0)
		rc = -EINVAL;
	g_string_free(list, TRUE);
	return rc;
}

int lumen_dtls_set_remote_fingerprint(struct lumen_dtls *d, const char *alg, const char *fp)
{
	uint8_t tmp[EVP_MAX_MD_SIZE];
	const char *known[] = {"sha-1", "sha-224", "sha-256", "sha-384", "sha-512"};
	bool ok = false;

	if (!alg || !fp || lumen_cert_fingerprint_parse(fp, tmp, sizeof(tmp)) <= 0)
		return -EINVAL;
	for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
		ok = ok || g_ascii_strcasecmp(alg, known[i]) == 0;
	if (!ok)
		return -EINVAL;
	g_free(d->fp_alg);
	g_free(d->fp);
	d->fp_alg = g_strdup(alg);
	d->fp = g_strdup(fp);
	return 0;
}

struct lumen_dtls *lumen_dtls_new(struct lumen_dtls_ctx *ctx, const struct lumen_dtls_config *cfg,
                                  const struct lumen_dtls_callbacks *cb, void *user)
{
	struct lumen_dtls *d;
	BIO *wbio;
	unsigned mtu = cfg->mtu ? cfg->mtu : DEFAULT_MTU;

	if (!ctx || !cb || !cb->send || mtu < MIN_MTU)
		return NULL;
	if (cfg->role != LUMEN_DTLS_CLIENT && cfg->role != LUMEN_DTLS_SERVER)
		return NULL;
	d = g_new0(struct lumen_dtls, 1);
	d->cb = *cb;
	d->user = user;
	d->role = cfg->role;
	d->next_timeout_us = -1;
	d->mtu = mtu;
	d->out.open_at = SIZE_MAX;
	if ((cfg->remote_fp || cfg->remote_fp_alg) &&
	    lumen_dtls_set_remote_fingerprint(d, cfg->remote_fp_alg, cfg->remote_fp) < 0)
		goto fail;
	d->ssl = SSL_new(ctx->ssl_ctx);
	if (!d->ssl)
		goto fail;
	SSL_set_app_data(d->ssl, d);
	d->rbio = BIO_new(BIO_s_mem());
	wbio = BIO_new(sink_method);
	if (!d->rbio || !wbio) {
		BIO_free(d->rbio);
		BIO_free(wbio);
		d->rbio = NULL;
		goto fail;
	}
	BIO_set_mem_eof_return(d->rbio, -1); /* empty means "retry", not EOF */
	BIO_set_data(wbio, d);
	SSL_set_bio(d->ssl, d->rbio, wbio);
	if (set_profiles(d, cfg) < 0)
		goto fail;
	SSL_set_verify(d->ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_set_info_callback(d->ssl, info_cb);
	DTLS_set_timer_cb(d->ssl, timer_cb);
	SSL_set_mtu(d->ssl, (long)mtu);
	if (d->role == LUMEN_DTLS_CLIENT)
		SSL_set_connect_state(d->ssl);
	else
		SSL_set_accept_state(d->ssl);
	return d;
fail:
	ERR_clear_error();
	lumen_dtls_free(d);
	return NULL;
}

void lumen_dtls_free(struct lumen_dtls *d)
{
	if (!d)
		return;
	SSL_free(d->ssl); /* frees both BIOs */
	g_free(d->fp_alg);
	g_free(d->fp);
	g_free(d->out.buf);
	memset(d->rbuf, 0, sizeof(d->rbuf));
	g_free(d);
}

enum lumen_dtls_state lumen_dtls_get_state(const struct lumen_dtls *d)
{
	return d->state;
}

int lumen_dtls_error(const struct lumen_dtls *d)
{
	return d->state == LUMEN_DTLS_FAILED ? d->error : 0;
}

int64_t lumen_dtls_next_timeout_us(const struct lumen_dtls *d)
{
	return d->next_timeout_us;
}

static void update_timer(struct lumen_dtls *d, int64_t now_us)
{
	struct timeval tv;

	if (d->state == LUMEN_DTLS_HANDSHAKING && DTLSv1_get_timeout(d->ssl, &tv) == 1)
		d->next_timeout_us = now_us + (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	else
		d->next_timeout_us = -1;
}

static int fail(struct lumen_dtls *d, int error)
{
	ERR_clear_error();
	drain(d); /* the alert OpenSSL queued, if any */
	d->state = LUMEN_DTLS_FAILED;
	d->error = error;
	d->next_timeout_us = -1;
	return error;
}

static int handshake_error(struct lumen_dtls *d)
{
	if (d->fp_mismatch)
		return -EKEYREJECTED;
	if (d->peer_fatal)
		return -ECONNRESET;
	return -EPROTO;
}

/* RFC 5764 section 4.2: client key | server key | client salt | server salt. */
static int export_keys(struct lumen_dtls *d, struct lumen_srtp_keys *k)
{
	const SRTP_PROTECTION_PROFILE *sp = SSL_get_selected_srtp_profile(d->ssl);
	uint8_t m[2 * LUMEN_SRTP_MASTER_MAX];
	size_t klen = 16, slen;
	const uint8_t *ck, *sk, *cs, *ss;

	memset(k, 0, sizeof(*k));
	if (!sp || !profile_known((enum lumen_srtp_profile)sp->id))
		return -EPROTONOSUPPORT;
	k->profile = (enum lumen_srtp_profile)sp->id;
	k->len = lumen_srtp_master_len(k->profile);
	slen = k->len - klen;
	if (SSL_export_keying_material(d->ssl, m, 2 * k->len, SRTP_EXPORTER, strlen(SRTP_EXPORTER),
	                               NULL, 0, 0) != 1)
		return -EPROTO;
	ck = m;
	sk = m + klen;
	cs = m + 2 * klen;
	ss = m + 2 * klen + slen;
	if (d->role == LUMEN_DTLS_SERVER) {
		const uint8_t *t = ck;
		ck = sk;
		sk = t;
		t = cs;
		cs = ss;
		ss = t;
	}
	memcpy(k->local, ck, klen);
	memcpy(k->local + klen, cs, slen);
	memcpy(k->remote, sk, klen);
	memcpy(k->remote + klen, ss, slen);
	OPENSSL_cleanse(m, sizeof(m));
	return 0;
}

/* Handshake finished: check the peer once more, export keys, report. */
static int on_connected(struct lumen_dtls *d)
{
	X509 *peer = SSL_get0_peer_certificate(d->ssl);
	struct lumen_srtp_keys keys;
	int rc;

	if (!peer || !d->fp || lumen_cert_fingerprint_check(peer, d->fp_alg, d->fp) != 0)
		return -EKEYREJECTED;
	rc = export_keys(d, &keys);
	if (rc < 0)
		return rc;
	d->state = LUMEN_DTLS_CONNECTED;
	d->next_timeout_us = -1;
	drain(d);
	if (d->cb.connected)
		d->cb.connected(d->user, &keys);
	OPENSSL_cleanse(&keys, sizeof(keys));
	return 0;
}

/* Read application data until OpenSSL wants more input. */
static int read_app_data(struct lumen_dtls *d)
{
	for (;;) {
		int n, err;

		ERR_clear_error();
		n = SSL_read(d->ssl, d->rbuf, sizeof(d->rbuf));
		if (n > 0) {
			if (d->cb.data)
				d->cb.data(d->user, d->rbuf, (size_t)n);
			if (d->state != LUMEN_DTLS_CONNECTED)
				return 0;
			continue;
		}
		err = SSL_get_error(d->ssl, n);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
			return 0;
		if (err == SSL_ERROR_ZERO_RETURN) {
			/* close_notify: answer with ours, then report */
			SSL_shutdown(d->ssl);
			ERR_clear_error();
			drain(d);
			d->state = LUMEN_DTLS_CLOSED;
			if (d->cb.closed)
				d->cb.closed(d->user);
			return 0;
		}
		return fail(d, d->peer_fatal ? -ECONNRESET : -EPROTO);
	}
}

static int do_handshake(struct lumen_dtls *d, int64_t now_us)
{
	int n, rc;

	ERR_clear_error();
	n = SSL_do_handshake(d->ssl);
	if (n == 1) {
		rc = on_connected(d);
		if (rc < 0)
			return fail(d, rc);
		/* the connected callback may have shut the engine down */
		return d->state == LUMEN_DTLS_CONNECTED ? read_app_data(d) : 0;
	}
	if (SSL_get_error(d->ssl, n) == SSL_ERROR_WANT_READ) {
		drain(d);
		update_timer(d, now_us);
		return 0;
	}
	return fail(d, handshake_error(d));
}

int lumen_dtls_start(struct lumen_dtls *d, int64_t now_us)
{
	if (d->held && d->state != LUMEN_DTLS_FAILED) {
		/* answered early (lumen_dtls_answer_early): now it may go out */
		d->held = false;
		drain(d);
		update_timer(d, now_us);
		return 0;
	}
	d->held = false;
	if (d->state == LUMEN_DTLS_FAILED)
		return d->error;
	if (d->state != LUMEN_DTLS_NEW)
		return -EALREADY;
	d->state = LUMEN_DTLS_HANDSHAKING;
	if (d->role == LUMEN_DTLS_SERVER)
		return 0; /* nothing to do until a ClientHello arrives */
	return do_handshake(d, now_us);
}

/* A DTLS record header is 13 bytes: type, version (0xFEFD/0xFEFF), epoch, seq, length. A
 * ClientHello in epoch 0 after the handshake is a new handshake, which we refuse. */
static bool is_new_client_hello(const uint8_t *buf, size_t len)
{
	return len > 13 && buf[0] == 22 && buf[3] == 0 && buf[4] == 0 && buf[13] == 1;
}

int lumen_dtls_input(struct lumen_dtls *d, const uint8_t *buf, size_t len, int64_t now_us)
{
	if (d->state == LUMEN_DTLS_FAILED)
		return d->error;
	if (d->state == LUMEN_DTLS_CLOSED)
		return -ESHUTDOWN;
	if (len < 13 || buf[0] < 20 || buf[0] > 63 || buf[1] != 0xFE || len > INT_MAX)
		return -EINVAL;
	if (d->state == LUMEN_DTLS_CONNECTED && is_new_client_hello(buf, len))
		return -EISCONN;
	if (d->state == LUMEN_DTLS_NEW) {
		/* a server that was not started yet still answers a ClientHello */
		if (d->role != LUMEN_DTLS_SERVER)
			return -EINVAL;
		d->state = LUMEN_DTLS_HANDSHAKING;
	}
	(void)BIO_reset(d->rbio); /* leftovers of a malformed datagram must not merge */
	if (BIO_write(d->rbio, buf, (int)len) != (int)len)
		return fail(d, -ENOMEM);
	if (d->state == LUMEN_DTLS_HANDSHAKING)
		return do_handshake(d, now_us);
	int rc = read_app_data(d);
	drain(d); /* retransmissions of our last flight, alerts */
	return rc;
}

int lumen_dtls_answer_early(struct lumen_dtls *d, const uint8_t *buf, size_t len, int64_t now_us)
{
	if (d->role != LUMEN_DTLS_SERVER || !(d->state == LUMEN_DTLS_NEW || d->held))
		return -EALREADY;
	d->held = true;
	return lumen_dtls_input(d, buf, len, now_us);
}

int lumen_dtls_on_timeout(struct lumen_dtls *d, int64_t now_us)
{
	int rc;

	if (d->state == LUMEN_DTLS_FAILED)
		return d->error;
	if (d->state != LUMEN_DTLS_HANDSHAKING)
		return 0;
	ERR_clear_error();
	rc = DTLSv1_handle_timeout(d->ssl);
	if (rc < 0)
		return fail(d, -ETIMEDOUT);
	drain(d);
	update_timer(d, now_us);
	return 0;
}

int lumen_dtls_send(struct lumen_dtls *d, const uint8_t *buf, size_t len)
{
	int n;

	if (d->state == LUMEN_DTLS_FAILED)
		return d->error;
	if (d->state == LUMEN_DTLS_CLOSED)
		return -ESHUTDOWN;
	if (d->state != LUMEN_DTLS_CONNECTED)
		return -ENOTCONN;
	if (len == 0 || len > MAX_RECORD)
		return -EMSGSIZE;
	ERR_clear_error();
	n = SSL_write(d->ssl, buf, (int)len);
	if (n != (int)len)
		return fail(d, -EPROTO);
	drain(d);
	return 0;
}

int lumen_dtls_shutdown(struct lumen_dtls *d)
{
	if (d->state == LUMEN_DTLS_FAILED)
		return d->error;
	if (d->state == LUMEN_DTLS_CONNECTED) {
		ERR_clear_error();
		SSL_shutdown(d->ssl);
		ERR_clear_error();
		drain(d);
	}
	d->state = LUMEN_DTLS_CLOSED;
	d->next_timeout_us = -1;
	return 0;
}
