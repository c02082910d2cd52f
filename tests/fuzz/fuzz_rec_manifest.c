/* fuzz_rec_manifest.c -- libFuzzer target for a recording's manifest.json as read from disk
 * (rec_read_manifest, rec_recover_dir): untrusted bytes, perhaps torn or edited by hand.
 *
 * Any input either is refused with a message, or parses into a manifest that dumps and parses
 * back equal; the recovery edit (state "interrupted", ended_us, open pauses closed) then applies
 * without crashing and its result still parses as a manifest. Replayed by tests/fuzz/replay.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *reparse(const json_t *m, const char *what)
{
	char *text = json_dumps(m, JSON_COMPACT | JSON_ENCODE_ANY);
	char *err = NULL;
	json_t *again = NULL;

	if (!text || rec_manifest_parse(text, strlen(text), &again, &err)) {
		fprintf(stderr, "%s: dumped manifest does not parse: %s\n", what, err ? err : "");
		abort();
	}
	free(text);
	return again;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *m = NULL, *again;
	char *err = NULL;

	if (rec_manifest_parse((const char *)data, size, &m, &err)) {
		if (!err || !*err || m)
			abort();
		g_free(err);
		return 0;
	}
	again = reparse(m, "parsed");
	if (!json_equal(m, again)) {
		fprintf(stderr, "round trip changed the manifest\n");
		abort();
	}
	json_decref(again);
	rec_manifest_interrupt(m, (size & 1) ? REC_T_NONE : (int64_t)size);
	if (strcmp(json_string_value(json_object_get(m, "state")), "interrupted"))
		abort();
	json_decref(reparse(m, "interrupted"));
	json_decref(m);
	return 0;
}
