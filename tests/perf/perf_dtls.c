/* perf_dtls.c -- micro-benchmark: CPU microseconds of one DTLS-SRTP handshake (dtls.h), per side
 * and per flight, two engines back to back in one thread with the same ECDSA P-256 certificates
 * and context setup as lumen's pcs.
 *
 * Run by hand (not part of `make check`): tests/perf/perf_dtls [handshakes]  (default 300).
 * The flights are the ones of a join: the client's hello, the server's hello flight (key share,
 * signature), the client's certificate flight (verify, key share, signature, Finished) and the
 * server's Finished. Thread CPU time, so a shared machine's preemption does not count. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "webrtc/dtls.h"

#define FLIGHTS 4

struct side {
	GPtrArray *out; /* GBytes: the datagrams of its last flight */
	bool up;
};

static void on_send(void *user, const uint8_t *buf, size_t len)
{
	g_ptr_array_add(((struct side *)user)->out, g_bytes_new(buf, len));
}

static void on_connected(void *user, const struct lumen_srtp_keys *keys)
{
	(void)keys;
	((struct side *)user)->up = true;
}

static const struct lumen_dtls_callbacks callbacks = {on_send, on_connected, NULL, NULL};

static int64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Feeds every datagram from's last flight to to; returns the CPU time it took (0: none). */
static int64_t deliver(struct side *from, struct lumen_dtls *to)
{
	GPtrArray *flight = from->out;
	int64_t t0 = cpu_ns();

	from->out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (guint i = 0; i < flight->len; i++) {
		gsize len;
		const uint8_t *buf = g_bytes_get_data(flight->pdata[i], &len);

		lumen_dtls_input(to, buf, len, 0);
	}
	t0 = flight->len ? cpu_ns() - t0 : 0;
	g_ptr_array_free(flight, TRUE);
	return t0;
}

/* One handshake; adds each flight's CPU time to ns[]. Returns 0 when both sides came up. */
static int handshake(struct lumen_dtls_ctx *cctx, struct lumen_dtls_ctx *sctx,
                     const struct lumen_cert *ccert, const struct lumen_cert *scert,
                     int64_t ns[FLIGHTS])
{
	struct side c = {g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref), false};
	struct side s = {g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref), false};
	struct lumen_dtls_config ccfg = {.role = LUMEN_DTLS_CLIENT,
	                                 .remote_fp_alg = "sha-256",
	                                 .remote_fp = lumen_cert_fingerprint(scert)};
	struct lumen_dtls_config scfg = {.role = LUMEN_DTLS_SERVER,
	                                 .remote_fp_alg = "sha-256",
	                                 .remote_fp = lumen_cert_fingerprint(ccert)};
	struct lumen_dtls *cd = lumen_dtls_new(cctx, &ccfg, &callbacks, &c);
	struct lumen_dtls *sd = lumen_dtls_new(sctx, &scfg, &callbacks, &s);
	int64_t t0 = cpu_ns();
	int rc;

	lumen_dtls_start(sd, 0);
	lumen_dtls_start(cd, 0);
	ns[0] += cpu_ns() - t0;
	ns[1] += deliver(&c, sd);
	ns[2] += deliver(&s, cd);
	ns[3] += deliver(&c, sd);
	deliver(&s, cd); /* nothing left in a handshake without loss */
	rc = c.up && s.up ? 0 : -1;
	lumen_dtls_free(cd);
	lumen_dtls_free(sd);
	g_ptr_array_free(c.out, TRUE);
	g_ptr_array_free(s.out, TRUE);
	return rc;
}

int main(int argc, char **argv)
{
	static const char *const names[FLIGHTS] = {
	    "client: ClientHello",
	    "server: ServerHello .. ServerHelloDone",
	    "client: Certificate .. Finished",
	    "server: ChangeCipherSpec, Finished",
	};
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
	struct lumen_cert *ccert = lumen_cert_new(), *scert = lumen_cert_new();
	struct lumen_dtls_ctx *cctx = ccert ? lumen_dtls_ctx_new(ccert) : NULL;
	struct lumen_dtls_ctx *sctx = scert ? lumen_dtls_ctx_new(scert) : NULL;
	int64_t ns[FLIGHTS] = {0};
	int rc = 1;

	if (n < 1 || !cctx || !sctx) {
		fprintf(stderr, "usage: perf_dtls [handshakes >= 1] (or no DTLS context)\n");
		goto out;
	}
	handshake(cctx, sctx, ccert, scert, (int64_t[FLIGHTS]){0}); /* warm OpenSSL's caches */
	for (long i = 0; i < n; i++) {
		if (handshake(cctx, sctx, ccert, scert, ns) < 0) {
			fprintf(stderr, "handshake %ld did not complete\n", i);
			goto out;
		}
	}
	for (int k = 0; k < FLIGHTS; k++)
		printf("%-40s %7.1f us CPU\n", names[k], (double)ns[k] / (double)n / 1e3);
	printf("%-40s %7.1f us CPU (client %.1f, server %.1f)\n", "handshake",
	       (double)(ns[0] + ns[1] + ns[2] + ns[3]) / (double)n / 1e3,
	       (double)(ns[0] + ns[2]) / (double)n / 1e3, (double)(ns[1] + ns[3]) / (double)n / 1e3);
	rc = 0;
out:
	lumen_dtls_ctx_free(cctx);
	lumen_dtls_ctx_free(sctx);
	lumen_cert_free(ccert);
	lumen_cert_free(scert);
	return rc;
}
