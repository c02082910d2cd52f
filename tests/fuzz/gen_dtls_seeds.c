/* gen_dtls_seeds.c -- writes the seed corpus of fuzz_dtls from a real handshake between two
 * engines: each seed is the flags byte of fuzz_dtls.c then length-framed datagrams one side
 * sent. Run by hand from the source tree when the input format changes:
 *
 *   gcc -std=gnu11 -Isrc tests/fuzz/gen_dtls_seeds.c src/webrtc/dtls.c src/webrtc/cert.c \
 *       src/webrtc/srtp.c $(pkg-config --cflags --libs glib-2.0 openssl libsrtp2) \
 *       -o /tmp/gen_dtls_seeds && /tmp/gen_dtls_seeds tests/fuzz/corpus/dtls
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "webrtc/dtls.h"

struct side {
	GByteArray *flights[8]; /* datagrams sent, framed, per flight */
	int flight;
	struct lumen_dtls *d;
};

static void on_send(void *user, const uint8_t *buf, size_t len)
{
	struct side *s = user;
	uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};

	if (!s->flights[s->flight])
		s->flights[s->flight] = g_byte_array_new();
	g_byte_array_append(s->flights[s->flight], hdr, 2);
	g_byte_array_append(s->flights[s->flight], buf, (guint)len);
}

static void deliver(struct side *from, struct side *to)
{
	GByteArray *f = from->flights[from->flight];

	for (guint off = 0; f && off + 2 <= f->len;) {
		size_t n = (size_t)f->data[off] << 8 | f->data[off + 1];
		lumen_dtls_input(to->d, f->data + off + 2, n, 0);
		off += 2 + (guint)n;
	}
	from->flight++;
}

static void write_seed(const char *dir, const char *name, uint8_t flags, GByteArray **parts,
                       int count)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputc(flags, f);
	for (int i = 0; i < count; i++)
		if (parts[i])
			fwrite(parts[i]->data, 1, parts[i]->len, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	struct lumen_cert *cc = lumen_cert_new(), *sc = lumen_cert_new();
	struct lumen_dtls_ctx *cctx = lumen_dtls_ctx_new(cc), *sctx = lumen_dtls_ctx_new(sc);
	static const struct lumen_dtls_callbacks cb = {.send = on_send};
	struct side c = {0}, s = {0};
	struct lumen_dtls_config ccfg = {.role = LUMEN_DTLS_CLIENT,
	                                 .remote_fp_alg = "sha-256",
	                                 .remote_fp = lumen_cert_fingerprint(sc)};
	struct lumen_dtls_config scfg = {.role = LUMEN_DTLS_SERVER,
	                                 .remote_fp_alg = "sha-256",
	                                 .remote_fp = lumen_cert_fingerprint(cc)};
	const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus/dtls";

	c.d = lumen_dtls_new(cctx, &ccfg, &cb, &c);
	s.d = lumen_dtls_new(sctx, &scfg, &cb, &s);
	lumen_dtls_start(s.d, 0);
	lumen_dtls_start(c.d, 0);
	deliver(&c, &s); /* ClientHello */
	deliver(&s, &c); /* ServerHello .. ServerHelloDone */
	deliver(&c, &s); /* Certificate .. Finished */
	deliver(&s, &c); /* ChangeCipherSpec, Finished */
	lumen_dtls_send(c.d, (const uint8_t *)"application data", 16);
	lumen_dtls_shutdown(c.d);

	write_seed(dir, "seed-server-clienthello", 0, &c.flights[0], 1);
	write_seed(dir, "seed-server-full-client-side", 0, c.flights, 3);
	GByteArray *both[] = {c.flights[0], c.flights[1]};
	write_seed(dir, "seed-server-two-flights", 2, both, 2);
	write_seed(dir, "seed-client-server-flight", 1, &s.flights[0], 1);
	GByteArray *sboth[] = {s.flights[0], s.flights[1]};
	write_seed(dir, "seed-client-two-flights", 3, sboth, 2);
	GByteArray *tail[] = {c.flights[2]};
	write_seed(dir, "seed-server-appdata-closenotify", 0, tail, 1);
	printf("seeds written to %s\n", dir);

	for (int i = 0; i < 8; i++) {
		if (c.flights[i])
			g_byte_array_free(c.flights[i], TRUE);
		if (s.flights[i])
			g_byte_array_free(s.flights[i], TRUE);
	}
	lumen_dtls_free(c.d);
	lumen_dtls_free(s.d);
	lumen_dtls_ctx_free(cctx);
	lumen_dtls_ctx_free(sctx);
	lumen_cert_free(cc);
	lumen_cert_free(sc);
	return 0;
}
