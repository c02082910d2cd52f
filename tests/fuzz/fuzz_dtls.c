/* fuzz_dtls.c -- libFuzzer target: arbitrary datagrams into a DTLS engine (src/webrtc/dtls.c).
 *
 * Input: one flags byte (bit 0: client role instead of server; bit 1: fire the retransmission
 * timer between datagrams), then datagrams framed as a 2-byte big-endian length and the bytes
 * (a short last frame takes what is left). Oracle: the engine never crashes or leaks, every
 * return is one of the documented codes, a failed engine keeps returning its error, and no
 * datagram it emits exceeds the MTU. Seeds are real handshake flights (gen_dtls_seeds.c). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "webrtc/dtls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MTU 1200

static struct lumen_dtls_ctx *ctx;
static char fingerprint[LUMEN_CERT_FP_MAX];

static void on_send(void *user, const uint8_t *buf, size_t len)
{
	(void)user;
	if (len == 0 || len > MTU || buf[0] < 20 || buf[0] > 63)
		abort();
}

static void setup(void)
{
	struct lumen_cert *cert = lumen_cert_new();
	struct lumen_cert *peer = lumen_cert_new();

	if (!cert || !peer)
		abort();
	ctx = lumen_dtls_ctx_new(cert);
	if (!ctx)
		abort();
	snprintf(fingerprint, sizeof(fingerprint), "%s", lumen_cert_fingerprint(peer));
	lumen_cert_free(cert);
	lumen_cert_free(peer);
}

static bool documented(int rc)
{
	switch (rc) {
	case 0:
	case -EINVAL:
	case -EISCONN:
	case -ESHUTDOWN:
	case -EKEYREJECTED:
	case -EPROTONOSUPPORT:
	case -ECONNRESET:
	case -EPROTO:
	case -ETIMEDOUT:
		return true;
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct lumen_dtls_callbacks cb = {.send = on_send};
	struct lumen_dtls_config cfg = {.remote_fp_alg = "sha-256", .remote_fp = fingerprint};
	struct lumen_dtls *d;
	int64_t now = 1000000;
	int err = 0;

	if (!ctx)
		setup();
	if (size < 1)
		return 0;
	cfg.role = (data[0] & 1) ? LUMEN_DTLS_CLIENT : LUMEN_DTLS_SERVER;
	d = lumen_dtls_new(ctx, &cfg, &cb, NULL);
	if (!d)
		abort();
	if (lumen_dtls_start(d, now) != 0)
		abort();
	for (size_t off = 1; off < size;) {
		size_t n = size - off;
		int rc;

		if (n >= 2 && ((size_t)data[off] << 8 | data[off + 1]) <= n - 2) {
			n = (size_t)data[off] << 8 | data[off + 1];
			off += 2;
		}
		rc = lumen_dtls_input(d, data + off, n, now);
		off += n;
		if (!documented(rc))
			abort();
		if (err && rc != err)
			abort(); /* a failed engine answers with its error */
		if (lumen_dtls_get_state(d) == LUMEN_DTLS_FAILED)
			err = lumen_dtls_error(d);
		if (data[0] & 2) {
			now += 500000;
			rc = lumen_dtls_on_timeout(d, now);
			if (!documented(rc) || (err && rc != err))
				abort();
		}
	}
	lumen_dtls_free(d);
	return 0;
}
