/* fuzz_pp_reader.c -- libFuzzer target for lumen-pp's recording reader: the pcap parser, the track
 * model and the clock mapping behind it (tools/pp/pp_pcap.c, pp_track.c, pp_clock.c), and the
 * manifest parser (pp_manifest.c) for inputs that start with '{'.
 *
 * Oracles: the parser never reads outside the input (ASan), a parse that succeeds hands over
 * records whose payload lies inside the input, and the track model's sorted packets are in
 * strictly increasing (segment, extended sequence) order with no duplicates left. */
#include <stdlib.h>
#include <string.h>

#include "pp_clock.h"
#include "pp_reader.h"
#include "pp_track.h"

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	const uint8_t *base;
	size_t size;
	struct lumen_pp_track track;
};

static void on_record(const struct lumen_pp_record *r, void *ud)
{
	struct ctx *c = ud;

	CHECK(r->payload >= c->base && r->payload + r->len <= c->base + c->size);
	lumen_pp_track_input(&c->track, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = {.base = data, .size = size};
	struct lumen_pp_pcap_stats st;
	struct lumen_pp_track *tp = &c.track;
	char err[256];
	int rate = 48000;

	if (size > 0 && data[0] == '{') {
		lumen_pp_manifest_free(lumen_pp_manifest_parse((const char *)data, size, err,
							       sizeof(err)));
		return 0;
	}
	lumen_pp_track_init(&c.track, -1);
	if (lumen_pp_pcap_parse(data, size, on_record, &c, &st, err, sizeof(err)) == 0) {
		lumen_pp_track_finish(&c.track);
		for (size_t i = 1; i < c.track.n_pkts; i++) {
			const struct lumen_pp_pkt *a = &c.track.pkts[i - 1], *b = &c.track.pkts[i];

			CHECK(a->seg < b->seg || (a->seg == b->seg && a->ext_seq < b->ext_seq));
		}
		lumen_pp_clock_map(&tp, &rate, 1);
	} else {
		CHECK(err[0] != '\0');
	}
	lumen_pp_track_fini(&c.track);
	return 0;
}
